"""3D ``.cube`` files, in the form every reader here accepts (read with colour-science).

Form (checked with OCIO, colour-science and ffmpeg): ``TITLE "..."``, optional ``#`` comment lines,
``LUT_3D_SIZE N``, then N^3 lines ``r g b`` with red varying fastest, domain 0..1 implied (no
DOMAIN_* and never LUT_3D_INPUT_RANGE, which OCIO rejects next to TITLE), LF line endings.
Written by hand -- the bytes colour-science's Iridas writer gives (tests/test_grade_numpy.py compares
them) -- because importing colour-science costs about a second of ``ncst bake``'s start-up.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ncst_bridge.errors import NcstError
from ncst_bridge.io.atomic import atomic_file

if TYPE_CHECKING:
    import colour

DECIMALS = 6


def write_cube(
    table: np.ndarray, path: str | Path, title: str, comments: list[str] | None = None, force: bool = False
) -> Path:
    """Write an (N, N, N, 3) [r, g, b]-indexed table as an IRIDAS/Adobe 3D .cube, atomically."""
    title = title.replace('"', "'")
    table = np.asarray(table, dtype=np.float64)
    n = table.shape[0]
    if table.shape != (n, n, n, 3):
        raise ValueError(f"expected an (N, N, N, 3) table, got {table.shape}")
    head = [f'TITLE "{title}"', *(f"# {c}" for c in (comments or [])), f"LUT_3D_SIZE {n}"]
    rows = table.transpose(2, 1, 0, 3).reshape(-1, 3)  # red fastest
    fmt = f"%0.{DECIMALS}f %0.{DECIMALS}f %0.{DECIMALS}f\n"
    body = (fmt * len(rows)) % tuple(rows.ravel().tolist())  # one format call: 2x a per-row loop
    path = Path(path)
    with atomic_file(path, force=force) as tmp, open(tmp, "w", encoding="utf-8", newline="\n") as fh:
        fh.write("\n".join(head) + "\n" + body)
    return path


def read_cube(path: str | Path) -> colour.LUT3D:
    """Read a 3D .cube with colour-science; one-line NcstError if it is not a usable 3D LUT."""
    import colour

    try:
        lut = colour.read_LUT(str(path))
    except FileNotFoundError:
        raise NcstError(f"{path}: no such file") from None
    except Exception as exc:  # colour raises many types for malformed files
        raise NcstError(f"{path}: not a readable .cube ({str(exc).splitlines()[0][:120]})") from None
    if not isinstance(lut, colour.LUT3D):
        raise NcstError(f"{path}: not a 3D LUT")
    return lut
