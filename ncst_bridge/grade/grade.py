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

The NumPy twin in numpy_grade.py (used by bake, apply and exports, which need no torch) is tied to
this function by tests/test_grade_numpy.py; its functions are re-exported here.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator
from typing import Any

import torch
import torch.nn.functional as F

from ncst_bridge.grade.cdl import LUMA, cdl_terms
from ncst_bridge.grade.numpy_grade import (  # noqa: F401  (the NumPy path, re-exported)
    HUE_A,
    HUE_B,
    SHARPEN_KERNEL,
    ParamsLike,
    apply_grade_numpy,
    cdl_part_numpy,
    colour_grade_numpy,
    hue_matrix,
    residual_numpy,
)
from ncst_bridge.grade.numpy_grade import (
    param_values as _values,
)


def _as_param(value: Any, ref: torch.Tensor) -> torch.Tensor:
    """A parameter as a tensor broadcastable over (B, 1, 1, 1), same dtype/device as the image."""
    t = torch.as_tensor(value, dtype=ref.dtype, device=ref.device)
    if t.ndim == 0:
        return t.reshape(1, 1, 1, 1)
    if t.ndim == 1:
        return t.reshape(-1, 1, 1, 1)
    raise ValueError(f"a parameter tensor must have shape () or (B,), got {tuple(t.shape)}")


def _safe_pow(y: torch.Tensor, p: torch.Tensor) -> torch.Tensor:
    """y ** p for y in [0, 1] with 0 ** p = 0 and finite gradients at 0 (no NaN from log 0)."""
    pos = y > 0
    base = torch.where(pos, y, torch.ones_like(y))
    return torch.where(pos, base**p, torch.zeros_like(y))


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
