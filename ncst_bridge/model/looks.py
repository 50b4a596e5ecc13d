"""Random looks wider than the parameters, for pretraining and the benchmarks.

A look is a global colour map, so every one of them is stored the same way: a ``SIDE``^3 RGB table
(red fastest, as in a .cube file) applied by trilinear interpolation (``apply_table``). Families:

* ``parametric`` -- the grade ``f_P`` itself with random parameters (grade/sampling.py);
* ``creative`` -- what colourists build on primaries and curves beyond the parameters: per-channel
  tone curves (an S-curve blend and a power), faded blacks and soft whites (per-channel black and
  white points), split toning (one tint added to the shadows, another to the highlights, zero-sum
  across channels so grey keeps its luma), a mild channel mix, then an optional parametric grade;
* ``lut`` -- third-party creative ``.cube`` LUTs from a folder (``--luts DIR``), resampled to the table.

Sources: split toning and lift / gamma / gain as in DaVinci Resolve's primaries and Lightroom's
Color Grading panel; the ASC CDL (ASC, 2009) for the per-channel slope / offset / power form.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from ncst_bridge.grade.grade import colour_grade
from ncst_bridge.grade.lut import lattice
from ncst_bridge.grade.sampling import random_params

SIDE = 17
FAMILIES = ("parametric", "creative", "lut")
_LUMA = (0.2126, 0.7152, 0.0722)


def identity_table(side: int = SIDE) -> torch.Tensor:
    """(side^3, 3) lattice points in .cube order (red fastest): grade/lut.py's lattice, flattened."""
    return torch.from_numpy(np.ascontiguousarray(lattice(side).transpose(2, 1, 0, 3).reshape(-1, 3)))


def apply_table(table: torch.Tensor, rgb: torch.Tensor) -> torch.Tensor:
    """Trilinear lookup of (..., 3) colours in [0, 1] through a (side^3, 3) table (red fastest)."""
    side = round(table.shape[0] ** (1 / 3))
    vol = table.reshape(side, side, side, 3).permute(3, 0, 1, 2)[None].to(rgb.dtype)  # (1, 3, B, G, R)
    shape = rgb.shape
    grid = (rgb.reshape(1, -1, 1, 1, 3).clamp(0, 1) * 2.0 - 1.0).to(vol.dtype)  # x=R, y=G, z=B
    out = F.grid_sample(vol, grid, mode="bilinear", padding_mode="border", align_corners=True)
    return out.reshape(3, -1).T.reshape(shape)


def apply_to_image(table: torch.Tensor, img: torch.Tensor) -> torch.Tensor:
    """The look on (B, 3, H, W) or (3, H, W) images."""
    moved = img.movedim(-3, -1)
    return apply_table(table, moved).movedim(-1, -3)


def _creative(rng: np.random.Generator, x: torch.Tensor, names: Sequence[str]) -> torch.Tensor:
    """A random curves / split-toning / fade look on (N, 3) colours."""
    x = x.clone()
    # per-channel tone curves: an S-curve blend and a power, shared shape with channel variation
    s_amt = rng.uniform(-0.4, 0.9) + rng.normal(0, 0.1, 3)
    power = 2.0 ** (rng.uniform(-0.5, 0.5) + rng.normal(0, 0.12, 3))
    s = x * x * (3 - 2 * x)
    x = (x + torch.as_tensor(s_amt, dtype=x.dtype) * (s - x)).clamp(0, 1) ** torch.as_tensor(power, dtype=x.dtype)
    # faded blacks / soft whites, per channel (tinted fades happen)
    black = np.clip(rng.uniform(0.0, 0.12) * (rng.random() < 0.6) + rng.normal(0, 0.02, 3), 0, 0.25)
    white = np.clip(1.0 - rng.uniform(0.0, 0.12) * (rng.random() < 0.4) + rng.normal(0, 0.02, 3), 0.75, 1.0)
    x = torch.as_tensor(black, dtype=x.dtype) + torch.as_tensor(white - black, dtype=x.dtype) * x
    # split toning: zero-sum tints (grey keeps its luma) on shadows and highlights
    luma = x @ torch.as_tensor(_LUMA, dtype=x.dtype)

    def tint(strength: float) -> torch.Tensor:
        hue = rng.uniform(0, 2 * np.pi)
        t = np.array([np.cos(hue), np.cos(hue - 2 * np.pi / 3), np.cos(hue + 2 * np.pi / 3)])
        t -= np.dot(t, _LUMA)
        return torch.as_tensor(strength * t, dtype=x.dtype)

    if rng.random() < 0.7:
        sh, hi = tint(rng.uniform(0, 0.15)), tint(rng.uniform(0, 0.12))
        x = x + ((1 - luma) ** 2)[:, None] * sh + (luma**2)[:, None] * hi
    # a mild channel mix (rows sum to one: grey stays grey)
    if rng.random() < 0.5:
        m = np.eye(3) + rng.normal(0, 0.08, (3, 3))
        m /= m.sum(1, keepdims=True)
        x = x @ torch.as_tensor(m.T, dtype=x.dtype)
    x = x.clamp(0, 1)
    if rng.random() < 0.6:
        p = random_params(rng, float(rng.uniform(0.1, 0.4)), names).as_dict()
        x = colour_grade(x.T.reshape(1, 3, -1, 1), p).reshape(3, -1).T
    return x.clamp(0, 1)


def random_table(
    rng: np.random.Generator,
    family: str,
    names: Sequence[str],
    strength: float = 1.0,
    luts: Sequence[torch.Tensor] = (),
) -> torch.Tensor:
    """One random look of ``family`` as a (SIDE^3, 3) float32 table."""
    x = identity_table()
    if family == "parametric":
        p = random_params(rng, strength, names).as_dict()
        out = colour_grade(x.T.reshape(1, 3, -1, 1), p).reshape(3, -1).T
    elif family == "creative":
        out = _creative(rng, x, names)
    elif family == "lut":
        out = apply_table(luts[int(rng.integers(len(luts)))], x)
    else:
        raise ValueError(f"unknown look family {family!r}")
    return out.float()


def load_luts(folder: str | Path) -> list[torch.Tensor]:
    """Every ``.cube`` under ``folder`` resampled to a ``SIDE``^3 table (unreadable files are skipped)."""
    from ncst_bridge.errors import NcstError
    from ncst_bridge.io.cube import read_cube_table

    tables = []
    for path in sorted(Path(folder).rglob("*.cube")):
        try:
            rgb_indexed = np.asarray(read_cube_table(path), dtype=np.float64)  # [r, g, b], as lattice()
            t = torch.from_numpy(np.ascontiguousarray(rgb_indexed.transpose(2, 1, 0, 3).reshape(-1, 3)))
        except (NcstError, ValueError):
            continue
        tables.append(apply_table(t, identity_table()).float())
    return tables
