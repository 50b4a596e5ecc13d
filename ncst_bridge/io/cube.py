"""3D ``.cube`` files, written with colour-science in the form every reader here accepts.

Form (checked with OCIO, colour-science and ffmpeg): ``TITLE "..."``, optional ``#`` comment lines,
``LUT_3D_SIZE N``, then N^3 lines ``r g b`` with red varying fastest, domain 0..1 implied (no
DOMAIN_* and never LUT_3D_INPUT_RANGE, which OCIO rejects next to TITLE), LF line endings.
"""

from __future__ import annotations

from pathlib import Path

import colour
import numpy as np

from ncst_bridge.errors import NcstError
from ncst_bridge.io.atomic import atomic_file

DECIMALS = 6


def write_cube(table: np.ndarray, path: str | Path, title: str, comments: list[str] | None = None,
               force: bool = False) -> Path:
    """Write an (N, N, N, 3) [r, g, b]-indexed table as an IRIDAS/Adobe 3D .cube, atomically."""
    title = title.replace('"', "'")
    lut = colour.LUT3D(table=np.asarray(table, dtype=np.float64), name=title, comments=comments or [])
    path = Path(path)
    with atomic_file(path, force=force) as tmp:
        colour.write_LUT(lut, str(tmp), decimals=DECIMALS, method="Iridas Cube")
    return path


def read_cube(path: str | Path) -> colour.LUT3D:
    """Read a 3D .cube with colour-science; one-line NcstError if it is not a usable 3D LUT."""
    try:
        lut = colour.read_LUT(str(path))
    except FileNotFoundError:
        raise NcstError(f"{path}: no such file") from None
    except Exception as exc:  # colour raises many types for malformed files
        raise NcstError(f"{path}: not a readable .cube ({str(exc).splitlines()[0][:120]})") from None
    if not isinstance(lut, colour.LUT3D):
        raise NcstError(f"{path}: not a 3D LUT")
    return lut
