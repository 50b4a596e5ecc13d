"""3D ``.cube`` files, in the form every reader here accepts.

Form (checked with OCIO, colour-science and ffmpeg): ``TITLE "..."``, optional ``#`` comment lines,
``LUT_3D_SIZE N``, then N^3 lines ``r g b`` with red varying fastest, domain 0..1 implied (no
DOMAIN_* and never LUT_3D_INPUT_RANGE, which OCIO rejects next to TITLE), LF line endings.
Written by hand -- the bytes colour-science's Iridas writer gives (tests/test_grade_numpy.py compares
them) -- because importing colour-science costs about a second of ``ncst bake``'s start-up.
"""

from __future__ import annotations

from pathlib import Path
import numpy as np

from ncst_bridge.errors import NcstError
from ncst_bridge.io.atomic import atomic_file

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


def read_cube_table(path: str | Path) -> np.ndarray:
    """The lattice of a 3D .cube as an (N, N, N, 3) [r, g, b]-indexed array, NaN and inf kept as read.

    A plain parser of the form above (keywords, ``#`` comments, N^3 rows of three numbers, red
    fastest): the fidelity check reads every bundle it checks, and colour-science's reader costs a
    second of import. tests/test_cube_read.py ties it to colour-science's ``read_LUT``.
    One-line NcstError for a file that is not a 3D .cube.
    """
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        raise NcstError(f"{path}: no such file") from None
    except OSError as exc:
        raise NcstError(f"{path}: not readable ({exc.strerror})") from None
    size, rows = None, []
    for line in text.splitlines():
        parts = line.split()
        if not parts or parts[0].startswith("#"):
            continue
        if parts[0] == "LUT_3D_SIZE" and len(parts) == 2 and parts[1].isdigit():
            size = int(parts[1])
        elif parts[0][0] in "+-.0123456789nNiI":
            try:
                rows.append([float(v) for v in parts])
            except ValueError:
                raise NcstError(f"{path}: not a readable .cube (bad line {line[:40]!r})") from None
    if size is None or size < 2:
        raise NcstError(f"{path}: not a 3D LUT (no LUT_3D_SIZE)")
    if len(rows) != size**3 or any(len(r) != 3 for r in rows):
        raise NcstError(f"{path}: not a readable .cube ({len(rows)} lattice rows, LUT_3D_SIZE {size} needs {size**3})")
    return np.asarray(rows, dtype=np.float64).reshape(size, size, size, 3).transpose(2, 1, 0, 3)
