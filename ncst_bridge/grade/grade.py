"""f_P: the one grade function, in torch, differentiable in the image and in the parameters.

Order (README.md, "The parameters"): CDL part -> residual -> sharpness.

1. CDL part, exactly ASC CDL v1.2 (see cdl.py for how the parameters fold into it):
   ``y = clamp(x*slope + offset, 0, 1) ** power``; ``y = clamp(luma(y) + sat*(y - luma(y)), 0, 1)``.
2. Residual: hue rotation by ``hue`` degrees in the Rec.709 Y'CbCr chroma plane, then clamp to [0, 1].
   A 3x3 matrix ``M = I + sin(h) A + (cos(h) - 1) B`` -- smooth in h, cheap, exactly the identity at
   0, keeps Rec.709 luma and the neutral axis; positive turns red towards yellow (as HSV hue).
3. Sharpness: torchvision's ``adjust_sharpness`` formula: blur with the 3x3 kernel
   [[1,1,1],[1,5,1],[1,1,1]]/13 (border pixels keep their value), then
   ``clamp(s*img + (1-s)*blur, 0, 1)`` -- 0 blurs, 1 leaves, 2 sharpens.

Images are display-referred code values (sRGB/Rec.709 encoded), nominally [0, 1]; inputs outside
[0, 1] are clamped by the CDL's first clamp, outputs always lie in [0, 1].

Parameters may be floats or tensors of shape () or (B,), one value per batch item, so gradients flow
to them (the NCST network's head produces them).
"""

from __future__ import annotations

import contextlib
import math
from typing import Any
from collections.abc import Iterator, Mapping

import numpy as np
import torch
import torch.nn.functional as F

from ncst_bridge.grade.cdl import LUMA, cdl_terms
from ncst_bridge.grade.params import PARAMS, GradeParams

ParamsLike = GradeParams | Mapping[str, Any]

_KR, _KG, _KB = LUMA


def _hue_basis() -> tuple[np.ndarray, np.ndarray]:
    """A and B of ``M(h) = I + sin(h) A + (cos(h) - 1) B`` for rotation in the Y'CbCr chroma plane."""
    to_ycc = np.array([
        [_KR, _KG, _KB],
        [-_KR / (2 * (1 - _KB)), -_KG / (2 * (1 - _KB)), (1 - _KB) / (2 * (1 - _KB))],
        [(1 - _KR) / (2 * (1 - _KR)), -_KG / (2 * (1 - _KR)), -_KB / (2 * (1 - _KR))],
    ])
    from_ycc = np.linalg.inv(to_ycc)
    j = np.array([[0, 0, 0], [0, 0, -1], [0, 1, 0]], dtype=float)  # d/dh of the rotation at 0
    p = np.diag([0.0, 1.0, 1.0])
    return from_ycc @ j @ to_ycc, from_ycc @ p @ to_ycc


HUE_A, HUE_B = _hue_basis()


def hue_matrix(hue_degrees: float) -> np.ndarray:
    """The 3x3 RGB matrix of the hue rotation (numpy, float64); used by exports and the OFX check."""
    h = math.radians(hue_degrees)
    return np.eye(3) + math.sin(h) * HUE_A + (math.cos(h) - 1.0) * HUE_B


def _as_param(value: Any, ref: torch.Tensor) -> torch.Tensor:
    """A parameter as a tensor broadcastable over (B, 1, 1, 1), same dtype/device as the image."""
    t = torch.as_tensor(value, dtype=ref.dtype, device=ref.device)
    if t.ndim == 0:
        return t.reshape(1, 1, 1, 1)
    if t.ndim == 1:
        return t.reshape(-1, 1, 1, 1)
    raise ValueError(f"a parameter tensor must have shape () or (B,), got {tuple(t.shape)}")


def _values(params: ParamsLike) -> dict[str, Any]:
    if isinstance(params, GradeParams):
        return params.as_dict()
    unknown = set(params) - set(PARAMS)
    if unknown:
        raise KeyError(f"unknown parameter(s): {', '.join(sorted(unknown))}")
    return dict(params)


def _safe_pow(y: torch.Tensor, p: torch.Tensor) -> torch.Tensor:
    """y ** p for y in [0, 1] with 0 ** p = 0 and finite gradients at 0 (no NaN from log 0)."""
    pos = y > 0
    base = torch.where(pos, y, torch.ones_like(y))
    return torch.where(pos, base ** p, torch.zeros_like(y))


def _per_channel(values: list, ref: torch.Tensor) -> torch.Tensor:
    return torch.cat([_as_param(v, ref).expand(-1, 1, 1, 1) for v in values], dim=1)


def cdl_part(img: torch.Tensor, params: ParamsLike) -> torch.Tensor:
    """The ASC CDL v1.2 (clamping) part of f_P on a (B, 3, H, W) tensor."""
    slope, offset, power, sat = cdl_terms(_values(params))
    y = (img * _per_channel(slope, img) + _per_channel(offset, img)).clamp(0.0, 1.0)
    y = _safe_pow(y, _per_channel(power, img))
    luma_w = torch.tensor(LUMA, dtype=img.dtype, device=img.device).reshape(1, 3, 1, 1)
    luma = (y * luma_w).sum(dim=1, keepdim=True)
    return (luma + _as_param(sat, img) * (y - luma)).clamp(0.0, 1.0)


def residual_part(img: torch.Tensor, params: ParamsLike) -> torch.Tensor:
    """Everything CDL cannot express (the hue rotation), then clamp: what residual.cube holds."""
    vals = _values(params)
    hue = vals.get("hue", 0.0)
    if not torch.is_tensor(hue) and hue == 0.0:
        return img
    h = _as_param(hue, img).reshape(-1, 1, 1) * (math.pi / 180.0)
    a = torch.as_tensor(HUE_A, dtype=img.dtype, device=img.device)
    b = torch.as_tensor(HUE_B, dtype=img.dtype, device=img.device)
    eye = torch.eye(3, dtype=img.dtype, device=img.device)
    m = eye + torch.sin(h) * a + (torch.cos(h) - 1.0) * b  # (B or 1, 3, 3)
    out = torch.einsum("bij,bjhw->bihw", m.expand(img.shape[0], 3, 3), img)
    return out.clamp(0.0, 1.0)


SHARPEN_KERNEL = np.array([[1, 1, 1], [1, 5, 1], [1, 1, 1]], dtype=np.float64) / 13.0


def sharpness_part(img: torch.Tensor, sharpness: Any) -> torch.Tensor:
    """torchvision's adjust_sharpness, with the factor a float or a per-batch tensor."""
    if not torch.is_tensor(sharpness) and sharpness == 1.0:
        return img
    if img.shape[-1] < 3 or img.shape[-2] < 3:
        return img  # torchvision leaves images smaller than the kernel unchanged
    c = img.shape[1]
    k = torch.as_tensor(SHARPEN_KERNEL, dtype=img.dtype, device=img.device).expand(c, 1, 3, 3)
    inner = F.conv2d(img, k, groups=c)
    blur = img.clone()
    blur[..., 1:-1, 1:-1] = inner
    s = _as_param(sharpness, img)
    return (s * img + (1.0 - s) * blur).clamp(0.0, 1.0)


def colour_grade(img: torch.Tensor, params: ParamsLike) -> torch.Tensor:
    """The colour part of f_P (CDL then residual): exactly what look.cube samples."""
    return residual_part(cdl_part(img, params), params)


def apply_grade(img: torch.Tensor, params: ParamsLike, spatial: bool = True) -> torch.Tensor:
    """f_P on a batch-first (B, 3, H, W) float tensor: CDL part -> residual -> sharpness."""
    if img.ndim != 4 or img.shape[1] != 3:
        raise ValueError(f"expected a (B, 3, H, W) tensor, got {tuple(img.shape)}")
    if not img.is_floating_point():
        raise TypeError("apply_grade needs a float tensor (code values in [0, 1])")
    out = colour_grade(img, params)
    if spatial:
        out = sharpness_part(out, _values(params).get("sharpness", 1.0))
    return out


# --- numpy convenience ------------------------------------------------------------------------

def apply_grade_numpy(img: np.ndarray, params: ParamsLike, spatial: bool = True) -> np.ndarray:
    """f_P on an (H, W, 3) float image (float64 math); returns float64 in [0, 1]."""
    if img.ndim != 3 or img.shape[2] != 3:
        raise ValueError(f"expected an (H, W, 3) image, got {img.shape}")
    t = torch.from_numpy(np.ascontiguousarray(img, dtype=np.float64)).permute(2, 0, 1)[None]
    with torch.no_grad():
        out = apply_grade(t, params, spatial=spatial)
    return out[0].permute(1, 2, 0).numpy()


@contextlib.contextmanager
def torch_threads(n: int) -> Iterator[None]:
    """Run a block with ``n`` intra-op threads. For small element-wise work one thread wins: on a
    busy 2-core machine a 33^3 bake took 143 ms with 2 threads and 3 ms with 1 (OpenMP waits)."""
    old = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(old)


def _on_colours(fn, rgb: np.ndarray, params: ParamsLike) -> np.ndarray:
    rgb = np.asarray(rgb, dtype=np.float64)
    flat = torch.from_numpy(np.ascontiguousarray(rgb.reshape(-1, 3).T)).reshape(1, 3, -1, 1)
    threads = 1 if flat.shape[2] <= 2_000_000 else torch.get_num_threads()
    with torch.no_grad(), torch_threads(threads):
        out = fn(flat, params)
    return out.reshape(3, -1).T.numpy().reshape(rgb.shape)


def colour_grade_numpy(rgb: np.ndarray, params: ParamsLike) -> np.ndarray:
    """The colour part of f_P (CDL then residual) on any (..., 3) array of colours, float64."""
    return _on_colours(colour_grade, rgb, params)


def cdl_part_numpy(rgb: np.ndarray, params: ParamsLike) -> np.ndarray:
    """The CDL part alone on (..., 3) colours, float64."""
    return _on_colours(cdl_part, rgb, params)


def residual_numpy(rgb: np.ndarray, params: ParamsLike) -> np.ndarray:
    """The residual alone on (..., 3) colours, float64: what residual.cube samples."""
    return _on_colours(residual_part, rgb, params)
