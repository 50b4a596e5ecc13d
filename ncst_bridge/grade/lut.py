"""LUT baking: Algorithm 1 of the NCST paper, generalised to any lattice size N (default 33).

The lattice samples the colour part of f_P at ``linspace(0, 1, N)`` on each axis, indexed
``[r, g, b]``; the .cube writer puts red fastest. Out-of-range policy: the lattice covers the
display-referred domain [0, 1] only; hosts clamp inputs to it (ASC CDL clamps too), and every
value in the table lies in [0, 1] because f_P's colour part ends in a clamp.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

    from ncst_bridge.grade.numpy_grade import ParamsLike

# The sizes are read by the CLI parsers, so this module imports numpy only inside its functions.
DEFAULT_SIZE = 33
MIN_SIZE, MAX_SIZE = 2, 129  # 129: the largest 3D size OCIO reads (ffmpeg stops at 256)


def lattice(size: int = DEFAULT_SIZE) -> np.ndarray:
    """Identity lattice, shape (N, N, N, 3), indexed [r, g, b]."""
    import numpy as np

    if not MIN_SIZE <= size <= MAX_SIZE:
        raise ValueError(f"LUT size must be {MIN_SIZE}..{MAX_SIZE}, got {size}")
    ax = np.linspace(0.0, 1.0, size)
    r, g, b = np.meshgrid(ax, ax, ax, indexing="ij")
    return np.stack([r, g, b], axis=-1)


def bake_look(params: ParamsLike, size: int = DEFAULT_SIZE) -> np.ndarray:
    """Table of the whole colour grade (CDL part, then residual): what look.cube holds."""
    from ncst_bridge.grade.numpy_grade import colour_grade_numpy

    return colour_grade_numpy(lattice(size), params)


def bake_residual(params: ParamsLike, size: int = DEFAULT_SIZE) -> np.ndarray:
    """Table of the residual alone (applied after the CDL): what residual.cube holds."""
    from ncst_bridge.grade.numpy_grade import residual_numpy

    return residual_numpy(lattice(size), params)
