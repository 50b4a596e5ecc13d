"""Differentiable colour conversions in torch: display-encoded sRGB -> linear -> XYZ -> CIE Lab (D65).

Losses compare colours in Lab because the product's quality metric is CIEDE2000 (in Lab too);
Euclidean Lab distance (ΔE76) is its smooth stand-in for optimisation.
"""

from __future__ import annotations

import torch

_RGB_TO_XYZ = torch.tensor(
    [  # sRGB / Rec.709 primaries, D65 white (IEC 61966-2-1)
        [0.4123907992659595, 0.357584339383878, 0.1804807884018343],
        [0.21263900587151027, 0.715168678767756, 0.07219231536073371],
        [0.01933081871559182, 0.11919477979462598, 0.9505321522496606],
    ],
    dtype=torch.float64,
)
_WHITE = torch.tensor([0.95045592705167, 1.0, 1.089057750759878], dtype=torch.float64)  # XYZ of D65
_EPS = 216.0 / 24389.0
_KAPPA = 24389.0 / 27.0


def srgb_decode(v: torch.Tensor) -> torch.Tensor:
    """sRGB code values -> linear light (the piecewise IEC curve), clamped to [0, 1]."""
    v = v.clamp(0.0, 1.0)
    return torch.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055).clamp_min(1e-12) ** 2.4)


def _f(t: torch.Tensor) -> torch.Tensor:
    return torch.where(t > _EPS, t.clamp_min(1e-12) ** (1.0 / 3.0), (_KAPPA * t + 16.0) / 116.0)


def srgb_to_lab(rgb: torch.Tensor, channel_dim: int = -1) -> torch.Tensor:
    """Display-encoded sRGB (channels on ``channel_dim``) -> CIE L*a*b* (D65), same layout."""
    x = torch.movedim(rgb, channel_dim, -1)
    lin = srgb_decode(x)
    m = _RGB_TO_XYZ.to(dtype=x.dtype, device=x.device)
    xyz = lin @ m.T / _WHITE.to(dtype=x.dtype, device=x.device)
    fx, fy, fz = _f(xyz).unbind(-1)
    lab = torch.stack([116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)], dim=-1)
    return torch.movedim(lab, -1, channel_dim)
