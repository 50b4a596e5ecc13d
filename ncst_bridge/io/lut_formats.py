"""More LUT formats, through OpenColorIO: its Baker for sampled formats, its CLF writer for the chain.

* ``clf``          Academy/ASC Common LUT Format: the exact chain (ASC_CDL node, then the residual
                   LUT3D), not a resampling.
* ``3dl``          Autodesk Flame 3D LUT (integers; note ffmpeg reads only 17^3 .3dl).
* ``spi3d``        Sony Imageworks 3D LUT.
* ``resolve_cube`` Resolve's .cube variant (written as ``look_resolve.cube``).
* ``csp``          Rising Sun cineSpace.
"""

from __future__ import annotations

from pathlib import Path

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


def _config(folder: Path) -> OCIO.Config:
    cfg = standalone_config("ncst", look_group("look.cc", "residual.cube"), "NCST look",
                            search_path=str(folder.resolve()))
    cfg.setWorkingDir(str(folder.resolve()))
    return cfg


def write_format(fmt: str, folder: Path, size: int) -> Path:
    """Write one extra format into ``folder``, which already holds look.cc and residual.cube."""
    cfg = _config(folder)
    if fmt == "clf":
        path = folder / "look.clf"
        proc = cfg.getProcessor(OCIO.LookTransform(src=DISPLAY_SPACE, dst=DISPLAY_SPACE, looks="ncst"))
        text = proc.createGroupTransform().write("Academy/ASC Common LUT Format", cfg)
        with atomic_file(path) as tmp:
            tmp.write_text(text, encoding="utf-8")
        return path
    if fmt not in BAKERS:
        raise ValueError(f"unknown format {fmt!r}; known: {', '.join(FORMATS)}")
    baker_name, file_name = BAKERS[fmt]
    baker = OCIO.Baker()
    baker.setConfig(cfg)
    baker.setFormat(baker_name)
    baker.setInputSpace(DISPLAY_SPACE)
    baker.setTargetSpace(DISPLAY_SPACE)
    baker.setLooks("ncst")
    baker.setCubeSize(size)
    path = folder / file_name
    with atomic_file(path) as tmp:
        tmp.write_text(baker.bake(), encoding="utf-8")
    return path
