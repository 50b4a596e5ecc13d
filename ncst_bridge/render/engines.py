"""Render engines: the look applied to whole frames, fast.

The colour part of f_P goes through the baked lattice (``bake_look``, what ``look.cube`` holds,
33^3 by default) with tetrahedral interpolation; sharpness, the spatial part, is applied after it.

* ``OcioEngine`` (CPU): OpenColorIO's optimized CPU processor on integer frames in place (uint8
  for 8-bit video, uint16 for deeper), then sharpness as a 3x3 box filter and one weighted sum
  (``sharpen``), which is exactly f_P's ``s*img + (1-s)*blur`` with border pixels kept as
  torchvision/f_P keep them. With sharpness on, 8-bit frames are graded and sharpened at 16-bit and
  rounded once, so the result stays within one code of f_P's float path.
* ``TorchEngine`` (CUDA when present, works on CPU): ``apply_lut3d`` plus
  ``ncst_bridge.grade.grade.sharpness_part`` itself, in float32; integer frames go to the device
  as integers (a third of the PCIe traffic of float) and come back rounded.

Both take and return (H, W, 3) uint8 or uint16 arrays.

Colour management (``--input-space`` / ``--output-space``: a ``ColourSettings`` from
``ncst_bridge.colour.options``): frames are converted into the working space with the config's
exact float CPU processor (``colour.convert.processor``) and clipped to [0, 1] as ``to_working``
does, graded (lattice, sharpness) in the working space, and converted out with the exact processor
of ``from_working``. The conversions are not folded into the lattice: a 65^3 lattice of
ACEScct -> Rec.709 -> grade missed the direct path by up to 8 codes at the gamut clip (p99).
Both engines run these conversions on the CPU, so they still agree within one code.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from ncst_bridge.errors import NcstError
from ncst_bridge.grade.numpy_grade import ParamsLike
from ncst_bridge.grade.lut import DEFAULT_SIZE, bake_look
from ncst_bridge.grade.params import GradeParams

ENGINES = ("auto", "ocio", "torch")


def as_params(params: ParamsLike) -> GradeParams:
    return params if isinstance(params, GradeParams) else GradeParams(params)


def sharpen_weights(sharpness: float) -> tuple[float, float]:
    """(a, b) with f_P's ``s*img + (1-s)*blur`` = ``a*img + b*box3(img)`` on interior pixels.

    f_P's blur kernel [[1,1,1],[1,5,1],[1,1,1]]/13 is ``(9*box3 + 4*delta)/13`` (box3: the 3x3 mean),
    so the whole operation is one box filter and one weighted sum -- both SIMD paths in OpenCV for
    uint8/uint16/float32 (a general 3x3 ``filter2D`` on uint16 is 8x slower).
    """
    s = float(sharpness)
    return s + (1.0 - s) * 4.0 / 13.0, (1.0 - s) * 9.0 / 13.0


def sharpen(img: np.ndarray, sharpness: float, out_dtype=None) -> np.ndarray:
    """f_P's sharpness on an (H, W, 3) uint8/uint16/float32 image; returns a new array.

    Equal to ``grade.sharpness_part`` (tests/test_render_engines.py): interior pixels get
    ``clamp(a*img + b*box3(img))`` (rounded for integer types; with uint8 in and out the box mean is
    rounded to 8 bits too, so within one code -- the engine sharpens 8-bit video at 16-bit), border
    pixels and images under 3x3 are unchanged. ``out_dtype`` (uint8 from uint16 input) rounds to the smaller type in the same pass.
    """
    out_dtype = np.dtype(out_dtype or img.dtype)
    scale = 1.0
    if out_dtype != img.dtype:
        if not (img.dtype == np.uint16 and out_dtype == np.uint8):
            raise TypeError(f"sharpen converts uint16 to uint8 only, not {img.dtype} to {out_dtype}")
        scale = 255.0 / 65535.0
    if sharpness == 1.0 or img.shape[0] < 3 or img.shape[1] < 3:
        return img.copy() if scale == 1.0 else u16_to_u8(img)
    a, b = sharpen_weights(sharpness)
    box = cv2.blur(img, (3, 3), borderType=cv2.BORDER_REPLICATE)
    if img.dtype.kind == "f":
        out = cv2.addWeighted(img, a, box, b, 0.0)
        np.clip(out, 0.0, 1.0, out=out)
    else:
        out = cv2.addWeighted(img, a, box, b, 0.0, dtype=cv2.CV_16U if img.dtype == np.uint16 else cv2.CV_8U)
    edge: np.ndarray | None = img
    if scale != 1.0:
        out, edge = u16_to_u8(out), None
    for sl in (np.s_[0], np.s_[-1], np.s_[:, 0], np.s_[:, -1]):  # f_P leaves border pixels as they are
        out[sl] = img[sl] if edge is not None else u16_to_u8(np.ascontiguousarray(img[sl]))
    return out


def u8_to_u16(img: np.ndarray) -> np.ndarray:
    return np.multiply(img, 257, dtype=np.uint16)


def u16_to_u8(img: np.ndarray) -> np.ndarray:
    """Round 16-bit codes to 8-bit (x * 255 / 65535, to nearest, saturated)."""
    return cv2.convertScaleAbs(img, alpha=255.0 / 65535.0)


class Engine:
    """A look baked for whole-frame application. ``apply`` returns a new array.

    ``lattice`` is the grade's table (``bake_look``); ``pre``/``post`` are exact OCIO float CPU
    processors into and out of the working space, or None (Rec.709 footage: the fast path).
    """

    name = "engine"

    def __init__(self, params: ParamsLike, lut_size: int = DEFAULT_SIZE, colour=None):
        params = as_params(params)
        self.params = params
        self.sharpness = float(params["sharpness"])
        self.lut_size = lut_size
        self.lattice = bake_look(params, lut_size)
        self.input_space = getattr(colour, "input_space", None) if colour is not None else None
        self.output_space = getattr(colour, "output_space", None) if colour is not None else None
        self.pre = self.post = None
        if self.input_space or self.output_space:
            from ncst_bridge.colour.convert import processor

            working = colour.working_space
            if self.input_space:
                self.pre = processor(self.input_space, working, colour.config)
            if self.output_space:
                self.post = processor(working, self.output_space, colour.config)

    @property
    def managed(self) -> bool:
        return self.pre is not None or self.post is not None

    def apply(self, rgb: np.ndarray) -> np.ndarray:
        return self.apply_inplace(np.array(rgb, copy=True, order="C"))

    def apply_inplace(self, rgb: np.ndarray) -> np.ndarray:
        _check_frame(rgb)
        if not self.managed:
            return self._apply_int(rgb)
        top = 255.0 if rgb.dtype == np.uint8 else 65535.0
        x = rgb.astype(np.float32)
        x *= 1.0 / top
        if self.pre is not None:
            self.pre.applyRGB(x)
            np.clip(x, 0.0, 1.0, out=x)  # to_working clips: the grade covers [0, 1]
        x = self._grade_float(x)
        if self.post is not None:
            self.post.applyRGB(x)
        x *= top
        np.clip(np.rint(x, out=x), 0, top, out=x)
        return x.astype(rgb.dtype)

    def render_float(self, rgb: np.ndarray) -> tuple[np.ndarray, int]:
        """A float32 (H, W, 3) frame as stored (float EXR/TIFF: any range) -> graded float32, and
        how many values were outside the working space's [0, 1] (clipped there: the grade covers
        [0, 1]). The output is in --output-space when given, unclipped (float files keep it)."""
        _check_shape(rgb)
        x = np.array(rgb, dtype=np.float32, order="C", copy=True)
        if self.pre is not None:
            self.pre.applyRGB(x)
        outside = int(np.count_nonzero((x > 1.0) | (x < 0.0)))
        np.clip(x, 0.0, 1.0, out=x)
        x = np.ascontiguousarray(self._grade_float(x), dtype=np.float32)
        if self.post is not None:
            self.post.applyRGB(x)
        return x, outside

    def _apply_int(self, rgb: np.ndarray) -> np.ndarray:  # pragma: no cover - interface
        raise NotImplementedError

    def _grade_float(self, x: np.ndarray) -> np.ndarray:  # pragma: no cover - interface
        raise NotImplementedError

    def describe(self) -> str:
        extra = f", sharpness {self.sharpness:g}" if self.sharpness != 1.0 else ""
        if self.input_space:
            extra += f", from {self.input_space}"
        if self.output_space:
            extra += f", to {self.output_space}"
        return f"{self.name} ({self.lut_size}^3 tetrahedral{extra})"


def _check_shape(rgb: np.ndarray) -> None:
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"expected an (H, W, 3) frame, got {rgb.shape}")


def _check_frame(rgb: np.ndarray) -> None:
    _check_shape(rgb)
    if rgb.dtype not in (np.uint8, np.uint16):
        raise TypeError(f"frames must be uint8 or uint16, got {rgb.dtype}")


class OcioEngine(Engine):
    """OCIO CPU processor on the baked lattice (tetrahedral), integer in, integer out."""

    name = "ocio"

    def __init__(self, params: ParamsLike, lut_size: int = DEFAULT_SIZE, colour=None):
        import PyOpenColorIO as OCIO

        super().__init__(params, lut_size, colour)
        t = OCIO.Lut3DTransform(gridSize=lut_size)
        # Lut3DTransform's flat layout is [r][g][b] with blue fastest, i.e. the lattice as indexed.
        t.setData(np.ascontiguousarray(self.lattice, dtype=np.float32).ravel())
        t.setInterpolation(OCIO.INTERP_TETRAHEDRAL)
        cfg = OCIO.Config.CreateRaw()
        cfg.setProcessorCacheFlags(OCIO.PROCESSOR_CACHE_OFF)  # the cache keys on the transform, not its data
        proc = cfg.getProcessor(t)
        flags = OCIO.OPTIMIZATION_DEFAULT
        self._cpu = {
            np.dtype(np.uint8): proc.getOptimizedCPUProcessor(OCIO.BIT_DEPTH_UINT8, OCIO.BIT_DEPTH_UINT8, flags),
            np.dtype(np.uint16): proc.getOptimizedCPUProcessor(OCIO.BIT_DEPTH_UINT16, OCIO.BIT_DEPTH_UINT16, flags),
            np.dtype(np.float32): proc.getOptimizedCPUProcessor(OCIO.BIT_DEPTH_F32, OCIO.BIT_DEPTH_F32, flags),
        }

    def _apply_int(self, rgb: np.ndarray) -> np.ndarray:
        if not rgb.flags.c_contiguous or not rgb.flags.writeable:
            rgb = np.ascontiguousarray(rgb).copy()
        if self.sharpness == 1.0:
            self._cpu[rgb.dtype].applyRGB(rgb)
            return rgb
        if rgb.dtype == np.uint8:
            deep = u8_to_u16(rgb)
            self._cpu[deep.dtype].applyRGB(deep)
            return sharpen(deep, self.sharpness, out_dtype=np.uint8)
        self._cpu[rgb.dtype].applyRGB(rgb)
        return sharpen(rgb, self.sharpness)

    def _grade_float(self, x: np.ndarray) -> np.ndarray:
        x = np.ascontiguousarray(x, dtype=np.float32)
        self._cpu[x.dtype].applyRGB(x)
        return sharpen(x, self.sharpness)

    def apply_float(self, rgb: np.ndarray) -> np.ndarray:
        """Float32 (H, W, 3) in [0, 1] -> float32 graded (lattice + sharpness; for checks/benches)."""
        return self._grade_float(np.array(rgb, dtype=np.float32, order="C", copy=True))


class TorchEngine(Engine):
    """``apply_lut3d`` + f_P's own ``sharpness_part`` in torch, on CUDA when available."""

    name = "torch"

    def __init__(
        self,
        params: ParamsLike,
        lut_size: int = DEFAULT_SIZE,
        device: Any = None,
        interpolation: str = "tetrahedral",
        colour=None,
    ):
        import torch

        super().__init__(params, lut_size, colour)
        if device is None:
            device = "cuda" if torch.cuda.is_available() else "cpu"
        self.device = torch.device(device)
        if self.device.type == "cuda" and not torch.cuda.is_available():
            raise NcstError("--engine torch on cuda: no CUDA device is available (use --engine ocio)")
        self.interpolation = interpolation
        self.table = torch.from_numpy(self.lattice.astype(np.float32)).to(self.device)

    def describe(self) -> str:
        return super().describe().replace("torch (", f"torch on {self.device} (", 1)

    def grade_tensor(self, img):
        """(B, 3, H, W) float tensor on the engine's device -> graded, same shape."""
        from ncst_bridge.grade.grade import sharpness_part
        from ncst_bridge.render.lut_torch import apply_lut3d

        return sharpness_part(apply_lut3d(img, self.table, self.interpolation), self.sharpness)

    def _grade_float(self, x: np.ndarray) -> np.ndarray:
        import torch

        with torch.no_grad():
            t = torch.from_numpy(np.ascontiguousarray(x)).to(self.device).permute(2, 0, 1)[None]
            return self.grade_tensor(t)[0].permute(1, 2, 0).contiguous().cpu().numpy()

    def _apply_int(self, rgb: np.ndarray) -> np.ndarray:
        import torch

        top = 255.0 if rgb.dtype == np.uint8 else 65535.0
        src = np.ascontiguousarray(rgb)
        with torch.no_grad():
            if src.dtype == np.uint16:  # torch's uint16 support is thin: carry it as int32
                t = torch.from_numpy(src.astype(np.int32))
            else:
                t = torch.from_numpy(src)
            t = t.to(self.device, non_blocking=True).permute(2, 0, 1)[None].to(torch.float32) / top
            out = self.grade_tensor(t)
            q = (out[0].permute(1, 2, 0) * top).round_().clamp_(0, top)
            if rgb.dtype == np.uint8:
                return q.to(torch.uint8).cpu().numpy()
            return q.to(torch.int32).cpu().numpy().astype(np.uint16)


def _may_have_cuda() -> bool:
    """False when this machine certainly has no CUDA device (Linux without the NVIDIA driver's device
    node, not WSL), so the CPU path does not pay torch's import (seconds) just to learn that."""
    import os
    import sys

    if sys.platform.startswith("linux"):
        return os.path.exists("/dev/nvidiactl") or os.path.exists("/dev/dxg")
    return sys.platform != "darwin"  # macOS has no CUDA; elsewhere ask torch


def make_engine(
    params: ParamsLike, engine: str = "auto", lut_size: int = DEFAULT_SIZE, device: Any = None, colour=None
) -> Engine:
    """``auto``: torch on CUDA when a CUDA device is present, else OCIO on the CPU.

    ``colour``: a ``ColourSettings`` (--input-space / --output-space), or None for Rec.709 video.
    """
    engine = (engine or "auto").lower()
    if engine not in ENGINES:
        raise NcstError(f"unknown engine '{engine}' (known: {', '.join(ENGINES)})")
    if engine == "auto":
        cuda = False
        if _may_have_cuda():
            try:
                import torch

                cuda = torch.cuda.is_available()
            except Exception:  # a broken torch install must not stop the CPU path
                cuda = False
        engine = "torch" if cuda else "ocio"
        if engine == "torch":
            device = device or "cuda"
    if engine == "ocio":
        return OcioEngine(params, lut_size, colour=colour)
    return TorchEngine(params, lut_size, device=device, colour=colour)
