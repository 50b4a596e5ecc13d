"""f_P in NumPy (float64): the grade outside the solvers, without importing torch (~3 s of start-up).

The same formula as the torch ``grade.py`` (CDL part -> residual -> sharpness; see its docstring),
written once more for arrays so that ``ncst bake`` and ``ncst apply`` start in a fraction of a
second. ``tests/test_grade_numpy.py`` ties the two to ~1e-12 on random colours, images and
parameters (every parameter), so the torch function stays the one definition of the grade. The
constants (hue basis, sharpen kernel) live here and grade.py uses them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from ncst_bridge.grade.cdl import LUMA, cdl_terms
from ncst_bridge.grade.params import PARAMS, GradeParams

ParamsLike = GradeParams | Mapping[str, Any]

_KR, _KG, _KB = LUMA


def _hue_basis() -> tuple[np.ndarray, np.ndarray]:
    """A and B of ``M(h) = I + sin(h) A + (cos(h) - 1) B`` for rotation in the Y'CbCr chroma plane."""
    to_ycc = np.array(
        [
            [_KR, _KG, _KB],
            [-_KR / (2 * (1 - _KB)), -_KG / (2 * (1 - _KB)), (1 - _KB) / (2 * (1 - _KB))],
            [(1 - _KR) / (2 * (1 - _KR)), -_KG / (2 * (1 - _KR)), -_KB / (2 * (1 - _KR))],
        ]
    )
    from_ycc = np.linalg.inv(to_ycc)
    j = np.array([[0, 0, 0], [0, 0, -1], [0, 1, 0]], dtype=float)  # d/dh of the rotation at 0
    p = np.diag([0.0, 1.0, 1.0])
    return from_ycc @ j @ to_ycc, from_ycc @ p @ to_ycc


HUE_A, HUE_B = _hue_basis()
SHARPEN_KERNEL = np.array([[1, 1, 1], [1, 5, 1], [1, 1, 1]], dtype=np.float64) / 13.0


def hue_matrix(hue_degrees: float) -> np.ndarray:
    """The 3x3 RGB matrix of the hue rotation (numpy, float64); used by exports and the OFX check."""
    h = math.radians(hue_degrees)
    return np.eye(3) + math.sin(h) * HUE_A + (math.cos(h) - 1.0) * HUE_B


def param_values(params: ParamsLike) -> dict[str, Any]:
    """The parameter values as a dict (KeyError on unknown names, as the torch grade)."""
    if isinstance(params, GradeParams):
        return params.as_dict()
    unknown = set(params) - set(PARAMS)
    if unknown:
        raise KeyError(f"unknown parameter(s): {', '.join(sorted(unknown))}")
    return dict(params)


def _colours(rgb: np.ndarray) -> np.ndarray:
    rgb = np.asarray(rgb, dtype=np.float64)
    if rgb.shape[-1:] != (3,):
        raise ValueError(f"expected (..., 3) colours, got {rgb.shape}")
    return rgb


def _slope_offset_power(rgb: np.ndarray, slope, offset, power) -> np.ndarray:
    """The per-channel steps of the CDL, ``clamp(rgb * slope + offset, 0, 1) ** power``, float64 (new)."""
    y = _colours(rgb) * np.asarray(slope, dtype=np.float64)
    y += np.asarray(offset, dtype=np.float64)
    np.clip(y, 0.0, 1.0, out=y)
    if power[0] != 1.0:  # the same power on every channel (gamma); 0 ** p = 0 for p > 0
        np.power(y, float(power[0]), out=y)
    return y


def _saturate(y: np.ndarray, sat: float) -> np.ndarray:
    """The CDL's saturation, ``luma + sat * (y - luma)``, then clamp to [0, 1]: in place on float64."""
    if sat != 1.0:
        luma = (y @ np.asarray(LUMA, dtype=np.float64))[..., None]
        y -= luma
        y *= float(sat)
        y += luma
    return np.clip(y, 0.0, 1.0, out=y)


def cdl_part_numpy(rgb: np.ndarray, params: ParamsLike) -> np.ndarray:
    """The CDL part alone on (..., 3) colours, float64 (a new array)."""
    slope, offset, power, sat = cdl_terms(param_values(params))
    return _saturate(_slope_offset_power(rgb, slope, offset, power), sat)


def residual_numpy(rgb: np.ndarray, params: ParamsLike) -> np.ndarray:
    """The residual (hue rotation, then clamp) on (..., 3) colours, float64: what residual.cube samples."""
    hue = float(param_values(params).get("hue", 0.0))
    rgb = _colours(rgb)
    if hue == 0.0:
        return rgb.copy()
    out = rgb @ hue_matrix(hue).T
    return np.clip(out, 0.0, 1.0, out=out)


def colour_grade_numpy(rgb: np.ndarray, params: ParamsLike) -> np.ndarray:
    """The colour part of f_P (CDL then residual) on any (..., 3) array of colours, float64."""
    out = cdl_part_numpy(rgb, params)
    hue = float(param_values(params).get("hue", 0.0))
    if hue != 0.0:
        out = out @ hue_matrix(hue).T
        np.clip(out, 0.0, 1.0, out=out)
    return out


def sharpness_numpy(img: np.ndarray, sharpness: float) -> np.ndarray:
    """torchvision's adjust_sharpness on an (H, W, C) float64 image: border pixels keep their value."""
    s = float(sharpness)
    if s == 1.0 or img.shape[0] < 3 or img.shape[1] < 3:
        return img
    k = SHARPEN_KERNEL
    blur = img.copy()
    inner = img[1:-1, 1:-1] * k[1, 1]
    for dy in range(3):
        for dx in range(3):
            if dy == 1 and dx == 1:
                continue
            inner += img[dy : dy + img.shape[0] - 2, dx : dx + img.shape[1] - 2] * k[dy, dx]
    blur[1:-1, 1:-1] = inner
    out = img * s
    out += (1.0 - s) * blur
    return np.clip(out, 0.0, 1.0, out=out)


def apply_grade_numpy(img: np.ndarray, params: ParamsLike, spatial: bool = True) -> np.ndarray:
    """f_P on an (H, W, 3) float image (float64 math); returns float64 in [0, 1]."""
    if img.ndim != 3 or img.shape[2] != 3:
        raise ValueError(f"expected an (H, W, 3) image, got {img.shape}")
    out = colour_grade_numpy(img, params)
    if spatial:
        out = sharpness_numpy(out, param_values(params).get("sharpness", 1.0))
    return out


CODE_BLOCK_ROWS = 16  # rows per block of colour_grade_codes: its buffers (~0.7 MB each) stay in cache


def colour_grade_codes(codes: np.ndarray, levels: np.ndarray, params: ParamsLike, bit_depth: int) -> np.ndarray:
    """The colour part of f_P on integer-coded pixels, straight to 8- or 16-bit codes: the fast path of
    ``ncst apply`` on a still (an FHD still in ~0.05 s, against ~0.35 s for colour_grade_numpy then
    rounding).

    ``codes``: (H, W, 3) uint8/uint16; ``levels[k]``: the value in [0, 1] code k stands for
    (``io.images.code_levels``). The per-channel CDL steps are evaluated once per possible code (a
    table lookup of the exact values: nothing is interpolated), then saturation, hue and rounding run
    on blocks of rows small enough to stay in cache, all in float64 with the same operations as
    colour_grade_numpy: the same codes as rounding its output (tests/test_grade_numpy.py).
    """
    if codes.ndim != 3 or codes.shape[2] != 3 or codes.dtype not in (np.uint8, np.uint16):
        raise ValueError(f"expected (H, W, 3) uint8/uint16 codes, got {codes.dtype} {codes.shape}")
    if bit_depth not in (8, 16):
        raise ValueError(f"bit_depth must be 8 or 16, got {bit_depth}")
    if len(levels) != np.iinfo(codes.dtype).max + 1:
        raise ValueError(f"{codes.dtype} codes need {np.iinfo(codes.dtype).max + 1} levels, got {len(levels)}")
    values = param_values(params)
    slope, offset, power, sat = cdl_terms(values)
    per_code = _slope_offset_power(np.repeat(np.asarray(levels)[:, None], 3, axis=1), slope, offset, power)
    tables = np.ascontiguousarray(per_code.T)  # (3, number of codes)
    hue = float(values.get("hue", 0.0))
    hue_t = hue_matrix(hue).T if hue != 0.0 else None
    top = 255.0 if bit_depth == 8 else 65535.0
    out = np.empty(codes.shape, np.uint8 if bit_depth == 8 else np.uint16)
    buf_a = np.empty((CODE_BLOCK_ROWS, codes.shape[1], 3))
    buf_b = np.empty_like(buf_a)
    for r in range(0, codes.shape[0], CODE_BLOCK_ROWS):
        src = codes[r : r + CODE_BLOCK_ROWS]
        y, spare = buf_a[: len(src)], buf_b[: len(src)]
        for c in range(3):
            np.take(tables[c], src[..., c], out=y[..., c], mode="clip")  # every code has a table entry
        _saturate(y, sat)
        if hue_t is not None:
            np.matmul(y, hue_t, out=spare)
            y = np.clip(spare, 0.0, 1.0, out=spare)
        y *= top
        np.rint(y, out=y)
        out[r : r + CODE_BLOCK_ROWS] = y  # in [0, top] after the clamps: the cast is exact
    return out
