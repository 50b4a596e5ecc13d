"""Pixels into and out of the grade's working space, through OCIO.

Working space (the one space the grade's parameters are defined in): display-referred code values,
Rec.709 primaries, D65, piecewise sRGB encoding, clipped to [0, 1] -- what an sRGB photo holds.

``to_working(rgb, input_space)`` is the config's *colorimetric* colour-space transform from
``input_space`` to that space, then a clip to [0, 1]:

* colorimetric (no tone mapping, no gamut compression), because it is exact, invertible on [0, 1]
  and reproducible in any host (Resolve CST with tone/gamut mapping "None", Nuke OCIOColorSpace,
  an OCIO ColorSpaceTransform); a view transform (e.g. ACES 2.0 SDR) would make the grade's numbers
  depend on one particular rendering and could not be undone exactly. Scene-linear 0.18 lands on
  code 0.46; scene-linear 1.0 (about 2.5 stops over mid-grey) and above clip to white.
* clipped, because the grade and every LUT export cover [0, 1] only (the ASC CDL clamps there);
  out-of-Rec.709-gamut colours clip per channel, as an 8-bit Rec.709 render of the clip would.

``input_space=None`` means the pixels are already display-referred sRGB/Rec.709 code values (the
default for photos and Rec.709 video): nothing is converted, values are only clipped.
``from_working`` is the inverse transform (no clip), e.g. to re-encode a graded image as log.
"""

from __future__ import annotations

import functools

import numpy as np
import PyOpenColorIO as OCIO

from ncst_bridge.colour.config import LoadedConfig, check_space, load_config, working_space_in
from ncst_bridge.io.ocio_build import exact_cpu_processor


@functools.lru_cache(maxsize=64)
def _cpu(cfg: OCIO.Config, src: str, dst: str) -> OCIO.CPUProcessor:
    return exact_cpu_processor(cfg.getProcessor(src, dst))


def processor(src: str, dst: str, config: str | LoadedConfig | None = None) -> OCIO.CPUProcessor:
    """A float32 CPU processor between two colour spaces of a config (names checked)."""
    loaded = load_config(config)
    return _cpu(loaded.config, check_space(loaded, src), check_space(loaded, dst))


def apply_cpu(cpu: OCIO.CPUProcessor, rgb: np.ndarray) -> np.ndarray:
    """Run an OCIO CPU processor on any (..., 3) array; returns float64 of the same shape."""
    rgb = np.asarray(rgb)
    if rgb.shape[-1] != 3:
        raise ValueError(f"expected (..., 3) RGB values, got shape {rgb.shape}")
    buf = np.array(rgb, dtype=np.float32, order="C")  # always a fresh copy: OCIO works in place
    if buf.size:
        cpu.applyRGB(buf.reshape(-1))
    return buf.astype(np.float64)


def _as_float(rgb: np.ndarray) -> np.ndarray:
    rgb = np.asarray(rgb)
    if rgb.dtype == np.uint8:
        return rgb.astype(np.float64) / 255.0
    if rgb.dtype == np.uint16:
        return rgb.astype(np.float64) / 65535.0
    return rgb.astype(np.float64, copy=False)


def to_working(
    rgb: np.ndarray, input_space: str | None, config: str | LoadedConfig | None = None, clip: bool = True
) -> np.ndarray:
    """Convert (..., 3) pixels from ``input_space`` to the working space (float64, clipped to [0, 1]).

    ``input_space`` None (or the working space itself) leaves the values as they are. uint8/uint16
    input is read as code values (/255, /65535). ``clip=False`` keeps values outside [0, 1]
    (used to build LUT shapers, not for grading).
    """
    x = _as_float(rgb)
    if input_space:
        loaded = load_config(config)
        src = check_space(loaded, input_space, "input colour space")
        dst = working_space_in(loaded)
        if src != dst:
            x = apply_cpu(_cpu(loaded.config, src, dst), x)
    if x is rgb or not clip:
        x = np.array(x, dtype=np.float64)  # never hand back (or clip in place) the caller's array
    return np.clip(x, 0.0, 1.0, out=x) if clip else x


def from_working(rgb: np.ndarray, output_space: str | None, config: str | LoadedConfig | None = None) -> np.ndarray:
    """Convert working-space pixels to ``output_space`` (float64; None leaves them as they are)."""
    x = _as_float(rgb)
    if not output_space:
        return np.array(x, dtype=np.float64)
    loaded = load_config(config)
    dst = check_space(loaded, output_space, "output colour space")
    src = working_space_in(loaded)
    if src == dst:
        return np.array(x, dtype=np.float64)
    return apply_cpu(_cpu(loaded.config, src, dst), x)


def working_processor(
    input_space: str, config: str | LoadedConfig | None = None, inverse: bool = False
) -> OCIO.Processor:
    """The OCIO processor of the (unclipped) conversion input -> working (or back)."""
    loaded = load_config(config)
    src = check_space(loaded, input_space, "input colour space")
    dst = working_space_in(loaded)
    return loaded.config.getProcessor(dst, src) if inverse else loaded.config.getProcessor(src, dst)
