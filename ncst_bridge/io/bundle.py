"""The look bundle: params.json plus the exports every host reads (listed in README.md, "Look bundles").

``write_look_files`` writes the parts that depend on the parameters alone (``ncst bake`` and
``ncst match`` share it); callers wrap it in ``atomic_dir`` so a failure leaves nothing behind.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any
from collections.abc import Iterable

from ncst_bridge.errors import NcstError
from ncst_bridge.grade.cdl import cdl_from_params
from ncst_bridge.grade.lut import DEFAULT_SIZE, MAX_SIZE, MIN_SIZE, bake_look, bake_residual
from ncst_bridge.grade.params import PARAMS, GradeParams
from ncst_bridge.io.atomic import atomic_file
from ncst_bridge.io.cdl_files import write_cdl_file
from ncst_bridge.io.lut_formats import FORMATS, write_format
from ncst_bridge.io.ocio_build import look_group, standalone_config

LOOK_NAME = "ncst"
CC_STYLE_NOTE = (
    "apply in ASC clamping style (OCIO FileTransform: cdl_style: asc; OCIO's default, no-clamp, "
    "differs), then residual.cube; for the whole look use look.cube"
)
SPATIAL = [n for n, s in PARAMS.items() if s.lands == "spatial"]


def not_representable(params: GradeParams) -> list[str]:
    """Parameters (non-neutral) that no LUT/CDL/OCIO export can hold: reported, never dropped."""
    return [n for n in SPATIAL if params[n] != PARAMS[n].neutral]


def check_size(size: int) -> int:
    if not MIN_SIZE <= size <= MAX_SIZE:
        raise NcstError(f"--lut-size must be {MIN_SIZE}..{MAX_SIZE} (OCIO reads at most {MAX_SIZE}^3), got {size}")
    return size


def check_formats(formats: Iterable[str]) -> list[str]:
    out = []
    for f in formats:
        f = f.lower().lstrip(".")
        if f == "cube":
            continue  # always written
        if f not in FORMATS:
            raise NcstError(f"unknown format '{f}' (known: cube, {', '.join(FORMATS)})")
        out.append(f)
    return out


def write_json(path: Path, obj: Any) -> None:
    with atomic_file(path, force=True) as tmp:
        tmp.write_text(json.dumps(obj, indent=2, sort_keys=False) + "\n", encoding="utf-8")


def write_look_files(
    folder: Path,
    params: GradeParams,
    size: int = DEFAULT_SIZE,
    formats: Iterable[str] = (),
    title: str = "NCST look",
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Write params.json, look.cube, residual.cube, look.cc, ocio/ and extra formats into ``folder``.

    Returns the ``exports`` record (file names and what each cannot hold).
    """
    from ncst_bridge.io.cube import write_cube  # imports colour-science (~1 s): only when writing

    folder = Path(folder)
    size = check_size(size)
    formats = check_formats(formats)
    dropped = not_representable(params)
    notes = [
        f"{n} = {params[n]:g} is spatial: not in this LUT (applied by ncst apply / the OFX plugin)" for n in dropped
    ]
    cdl = cdl_from_params(params)
    write_cube(bake_look(params, size), folder / "look.cube", f"{title} (CDL + residual)", notes)
    write_cube(bake_residual(params, size), folder / "residual.cube", f"{title} residual (after look.cc)", notes)
    # A .cc cannot carry the CDL style; OCIO's FileTransform defaults to no-clamp, which is up to 15
    # codes off: say in the file how to read it (the bundle's config and the .clf set ASC themselves).
    write_cdl_file(cdl, folder / "look.cc", cc_id=LOOK_NAME, description=f"{title}; {CC_STYLE_NOTE}")

    ocio_dir = folder / "ocio"
    ocio_dir.mkdir()
    shutil.copyfile(folder / "look.cc", ocio_dir / "look.cc")
    shutil.copyfile(folder / "residual.cube", ocio_dir / "residual.cube")
    cfg = standalone_config(
        LOOK_NAME, look_group("look.cc", "residual.cube"), f"{title}: ASC CDL then residual 3D LUT", search_path="."
    )
    cfg.setWorkingDir(str(ocio_dir.resolve()))
    cfg.validate()
    with atomic_file(ocio_dir / "config.ocio") as tmp:
        tmp.write_text(cfg.serialize(), encoding="utf-8")

    written = ["params.json", "look.cube", "residual.cube", "look.cc", "ocio/config.ocio"]
    for fmt in formats:
        written.append(write_format(fmt, folder, size, lambda n: bake_look(params, n), notes).name)
    exports = {"files": written, "lut_size": size, "not_representable": dropped, "ocio_look": LOOK_NAME}
    obj = params.to_json_obj(exports=exports, **(extra or {}))
    write_json(folder / "params.json", obj)
    return exports


def load_look(path: str | Path) -> GradeParams:
    """A look given as a bundle folder or as its params.json."""
    path = Path(path)
    if path.is_dir():
        path = path / "params.json"
        if not path.exists():
            raise NcstError(f"{path.parent}: not a look bundle (no params.json)")
    return GradeParams.load(str(path))
