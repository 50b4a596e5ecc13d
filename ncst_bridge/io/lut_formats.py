"""More LUT formats: sampled formats baked from the grade itself, and the exact chain as CLF.

* ``clf``          Academy/ASC Common LUT Format: the exact chain (ASC_CDL node, then the residual
                   LUT3D), not a resampling; written by OpenColorIO.
* ``3dl``          Autodesk Flame 3D LUT, always 17^3 (10-bit input shaper, 12-bit integers): ffmpeg's
                   ``lut3d`` and MLT's ``avfilter.lut3d`` (Kdenlive, Shotcut) read *only* 17^3 ``.3dl``
                   files and silently garble any other size, so no other size is written.
* ``spi3d``        Sony Imageworks 3D LUT.
* ``resolve_cube`` Resolve's .cube variant (written as ``look_resolve.cube``).
* ``csp``          Rising Sun cineSpace.

The sampled formats are baked from the grade (``bake_look``, the table ``look.cube`` holds), not from
the OCIO look: OCIO's Baker samples an in-memory 3D LUT of that table at the same lattice, so every
node equals ``look.cube``'s node (to the format's precision). The OCIO look (CDL + residual cube)
interpolates the residual and would add its own error on top. Each file says in its header or
metadata that sharpness (spatial) is not included where the look has any (spi3d has no comments).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import PyOpenColorIO as OCIO

from ncst_bridge.io.atomic import atomic_file
from ncst_bridge.io.ocio_build import DISPLAY_SPACE, look_group, standalone_config

BAKERS = {  # name: (OCIO baker format, file name)
    "3dl": ("flame", "look.3dl"),
    "spi3d": ("spi3d", "look.spi3d"),
    "resolve_cube": ("resolve_cube", "look_resolve.cube"),
    "csp": ("cinespace", "look.csp"),
}
FORMATS = ("clf", *BAKERS)
FLAME_SIZE = 17  # the only .3dl size ffmpeg's lut3d (and so MLT, Kdenlive, Shotcut) reads correctly
_BAKER_LOOK = "ncst_table"


def file_name(fmt: str) -> str:
    return "look.clf" if fmt == "clf" else BAKERS[fmt][1]


def baked_size(fmt: str, size: int) -> int:
    """The lattice a format is written at for a bundle of ``--lut-size size``."""
    return FLAME_SIZE if fmt == "3dl" else size


def _table_config(table: np.ndarray) -> OCIO.Config:
    """A config whose look is the [r, g, b]-indexed table as an in-memory tetrahedral 3D LUT."""
    size = table.shape[0]
    lut = OCIO.Lut3DTransform(gridSize=size)
    lut.setInterpolation(OCIO.Interpolation.INTERP_TETRAHEDRAL)
    # OCIO's Lut3DTransform data has blue fastest: the [r, g, b]-indexed table in C order.
    lut.setData(np.ascontiguousarray(table, dtype=np.float32).reshape(-1))
    return standalone_config(_BAKER_LOOK, lut, "look.cube's table")


def _clf_text(folder: Path, notes: list[str]) -> str:
    cfg = standalone_config(
        "ncst", look_group("look.cc", "residual.cube"), "NCST look", search_path=str(folder.resolve())
    )
    cfg.setWorkingDir(str(folder.resolve()))
    proc = cfg.getProcessor(OCIO.LookTransform(src=DISPLAY_SPACE, dst=DISPLAY_SPACE, looks="ncst"))
    group = proc.createGroupTransform()
    meta = group.getFormatMetadata()
    meta.addChildElement("Description", "NCST look: ASC CDL then the residual 3D LUT (the exact chain)")
    for note in notes:
        meta.addChildElement("Description", note)
    return group.write("Academy/ASC Common LUT Format", cfg)


def write_format(fmt: str, folder: Path, size: int, table_for_size, notes: list[str] | None = None) -> Path:
    """Write one extra format into ``folder`` (which already holds look.cc and residual.cube).

    ``table_for_size(n)`` returns the grade's (n, n, n, 3) table (``bake_look``); ``notes`` are
    written as comments / metadata (e.g. that sharpness is not included).
    """
    notes = list(notes or [])
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; known: {', '.join(FORMATS)}")
    path = folder / file_name(fmt)
    if fmt == "clf":
        text = _clf_text(folder, notes)
    elif fmt in BAKERS:
        baker_name = BAKERS[fmt][0]
        n = baked_size(fmt, size)
        baker = OCIO.Baker()
        baker.setConfig(_table_config(table_for_size(n)))
        baker.setFormat(baker_name)
        baker.setInputSpace(DISPLAY_SPACE)
        baker.setTargetSpace(DISPLAY_SPACE)
        baker.setLooks(_BAKER_LOOK)
        baker.setCubeSize(n)
        if fmt in ("resolve_cube", "csp"):  # these writers put Description metadata in the header
            for note in [f"NCST look, {n}^3, baked from the grade"] + notes:
                baker.getFormatMetadata().addChildElement("Description", note)
        text = baker.bake()
        if fmt == "3dl":  # OCIO's Flame writer takes no metadata; '#' lines are comments for every reader
            head = [f"NCST look, {n}^3 (the size ffmpeg/MLT read), baked from the grade"] + notes
            text = "".join(f"# {c}\n" for c in head) + text
    else:
        raise ValueError(f"unknown format {fmt!r}; known: {', '.join(FORMATS)}")
    with atomic_file(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path
