"""ASC CDL files (.cc, .ccc, .cdl), written by OpenColorIO's own CDL writer."""

from __future__ import annotations

from pathlib import Path

import PyOpenColorIO as OCIO

from ncst_bridge.grade.cdl import CDL
from ncst_bridge.io.atomic import atomic_file
from ncst_bridge.io.ocio_build import cdl_transform

_WRITERS = {".cc": "ColorCorrection", ".ccc": "ColorCorrectionCollection", ".cdl": "ColorDecisionList"}


def cdl_xml(cdl: CDL, kind: str = ".cc", cc_id: str = "ncst", description: str = "") -> str:
    """The XML text of a .cc (single ColorCorrection), .ccc (collection) or .cdl (decision list)."""
    group = OCIO.GroupTransform()
    group.appendTransform(cdl_transform(cdl, cc_id=cc_id, description=description))
    return group.write(_WRITERS[kind], OCIO.Config.CreateRaw())


def write_cdl_file(cdl: CDL, path: str | Path, cc_id: str = "ncst", description: str = "", force: bool = False) -> Path:
    """Write a .cc/.ccc/.cdl by the path's extension, atomically."""
    path = Path(path)
    kind = path.suffix.lower()
    if kind not in _WRITERS:
        raise ValueError(f"unknown CDL file type {kind!r} (use .cc, .ccc or .cdl)")
    text = cdl_xml(cdl, kind, cc_id, description)
    with atomic_file(path, force=force) as tmp:
        tmp.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    return path
