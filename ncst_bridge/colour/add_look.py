"""Add a look bundle to an existing OCIO config, writing a new config (the user's file is never touched).

The look is the bundle's CDL in ASC (clamping) style, then its residual 3D LUT, tetrahedral -- the same
group as the bundle's own ``ocio/config.ocio`` -- with the grade's working space as process space
(see config.py; ``--process-space`` overrides). Its two files are copied into ``ncst_looks/`` beside
the new config, under names made from the look's name, and ``ncst_looks`` is put first on the new
config's search path. The source config's relative search paths are rewritten relative to the new
config's folder, so its own LUTs still resolve.

Version: the new config keeps the source's OCIO version (the look needs nothing newer than 2.0);
``config_version`` asks for another one, which OCIO refuses when the content needs a newer version
(e.g. the ACES 2.0 output transforms of the 2.5/2.6 built-in configs). Debian's ociocheck 2.1 reads
only configs up to 2.1: it is run when found and the version allows, and reported as skipped otherwise.
A config newer than 2.1 loads in none of Debian 12's OCIO tools nor Blender 3.4, so the report (and the
error when a lower --config-version is refused) names the built-in that does: the 2.1-era
``ocio://studio-config-v1.0.0_aces-v1.3_ocio-v2.1`` (or its cg- twin). The output folder is checked
before anything slow is done.

Checks before anything is published: OCIO validation of the new config; the look applied through it
equals the bundle's own OCIO look (max |difference| <= 1e-5) and its ΔE2000 against the direct render
is reported; ociocheck (when it can run) passes. Files are staged first and moved into place only
when every check passed.
"""

from __future__ import annotations

import copy
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import PyOpenColorIO as OCIO

from ncst_bridge.io import fidelity
from ncst_bridge.colour.camera_luts import slug
from ncst_bridge.colour.config import LoadedConfig, load_config, same_as_working_encoding, working_space_in
from ncst_bridge.colour.convert import apply_cpu
from ncst_bridge.errors import NcstError
from ncst_bridge.grade.numpy_grade import colour_grade_numpy
from ncst_bridge.io.atomic import atomic_file, check_new_output, clean_stale_parts, temp_prefix
from ncst_bridge.io.bundle import LOOK_NAME, load_look
from ncst_bridge.io.ocio_build import DISPLAY_SPACE, exact_cpu_processor, look_group

LOOK_DIR = "ncst_looks"
MATCH_TOLERANCE = 1e-5
_NAME_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9 _.()\-]*$")


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]


def check_look_name(cfg: OCIO.Config, name: str, source: str) -> str:
    name = (name or "").strip()
    if not name or not _NAME_RE.match(name):
        raise NcstError(
            f"look name {name!r}: use letters, digits, spaces, '_', '-', '.', '(' or ')' "
            f"(no commas; OCIO reads ',' as a look list and a leading '-' as inverse)"
        )
    for existing in cfg.getLookNames():
        if existing.lower() == name.lower():
            raise NcstError(f"look '{existing}' already exists in {source}; choose another --name")
    return name


def bundle_files(bundle: str | Path) -> tuple[Path, Path, Path]:
    """(folder, look.cc, residual.cube) of a look bundle given as folder or params.json."""
    folder = Path(bundle)
    if folder.is_file():
        folder = folder.parent
    if not folder.is_dir():
        raise NcstError(f"{bundle}: no such look bundle")
    cc, residual = folder / "look.cc", folder / "residual.cube"
    for f in (folder / "params.json", cc, residual):
        if not f.exists():
            raise NcstError(f"{folder}: not a complete look bundle (no {f.name}; make it with ncst bake or ncst match)")
    return folder, cc, residual


def parse_version(text: str | None) -> tuple[int, int] | None:
    if not text:
        return None
    m = re.fullmatch(r"\s*(\d+)\.(\d+)\s*", text)
    if not m:
        raise NcstError(f"--config-version {text!r}: expected MAJOR.MINOR, e.g. 2.1")
    version = (int(m.group(1)), int(m.group(2)))
    lib = tuple(int(v) for v in OCIO.__version__.split(".")[:2])
    if version[0] != 2 or version > lib:
        raise NcstError(
            f"--config-version {text}: must be 2.0 .. {lib[0]}.{lib[1]} (a look with ASC CDL "
            f"style needs an OCIO v2 config)"
        )
    return version


DEBIAN_OCIO = (2, 1)  # Debian 12's opencolorio-tools, oiiotool 2.4 and Blender 3.4 read configs up to 2.1


def older_config_hint(loaded: LoadedConfig, version: tuple[int, int]) -> str:
    """What to use instead when a config is too new for a reader of OCIO ``version``: the newest
    built-in of the same family whose OCIO version is at most ``version``, or a general hint."""
    src = loaded.source
    m = re.match(r"(?:ocio://)?(studio|cg)-config", src) if loaded.is_builtin else None
    if m:
        from ncst_bridge.colour.config import builtin_names

        fits = []
        for name in builtin_names():
            v = re.search(r"ocio-v(\d+)\.(\d+)$", name)
            if name.startswith(m.group(1) + "-config-v") and v and (int(v.group(1)), int(v.group(2))) <= version:
                fits.append(((int(v.group(1)), int(v.group(2))), name))
        if fits:
            return f"for OCIO {version[0]}.{version[1]} readers use the built-in ocio://{max(fits)[1]}"
    return (
        f"start from a config made for OCIO {version[0]}.{version[1]} (e.g. the built-in "
        f"ocio://studio-config-v1.0.0_aces-v1.3_ocio-v2.1)"
    )


def rewrite_search_paths(loaded: LoadedConfig, out_dir: Path) -> list[str]:
    """The source's search paths as seen from the new config's folder (env-var entries kept as they are)."""
    if loaded.is_builtin:
        return []
    src_dir = Path(loaded.source).parent
    entries = list(loaded.config.getSearchPaths()) or ["."]  # OCIO falls back to the config's folder
    out = []
    for entry in entries:
        if "$" in entry or os.path.isabs(entry):
            new = entry
        else:
            target = os.path.normpath(src_dir / entry)
            try:
                new = os.path.relpath(target, out_dir)
            except ValueError:  # another drive (Windows)
                new = target
        if new not in out:
            out.append(new)
    return out


def _with_search_path(cfg: OCIO.Config, entries: list[str]) -> None:
    cfg.clearSearchPaths()
    for e in entries:
        cfg.addSearchPath(e)


def _look_check(cfg: OCIO.Config, process_space: str, name: str, bundle: Path, params) -> dict[str, Any]:
    """The new config's look vs the bundle's own OCIO look (exact) and vs the direct render (ΔE2000)."""
    colours = fidelity.sample_colours(20_000, seed=7)
    new = apply_cpu(
        exact_cpu_processor(cfg.getProcessor(OCIO.LookTransform(src=process_space, dst=process_space, looks=name))),
        colours,
    )
    own = (
        OCIO.Config.CreateFromFile(str(bundle / "ocio" / "config.ocio"))
        if (bundle / "ocio" / "config.ocio").exists()
        else None
    )
    diff = None
    if own is not None:
        ref = apply_cpu(
            exact_cpu_processor(
                own.getProcessor(OCIO.LookTransform(src=DISPLAY_SPACE, dst=DISPLAY_SPACE, looks=LOOK_NAME))
            ),
            colours,
        )
        diff = float(np.abs(new - ref).max())
    stats = fidelity.summarise(fidelity.delta_e(colour_grade_numpy(colours, params), new))
    stats["passes_bar"] = fidelity.passes(stats)
    return {"max_abs_diff_vs_bundle_look": diff, "delta_e_vs_direct_render": stats}


def run_ociocheck(path: Path, version: tuple[int, int]) -> dict[str, str]:
    """Run Debian's ociocheck on a config file when it is installed and can read the version."""
    exe = shutil.which("ociocheck")
    if not exe:
        return {"status": "skipped", "detail": "ociocheck not installed (Debian: opencolorio-tools)"}
    try:
        res = subprocess.run(
            [exe, "--iconfig", str(path)],
            capture_output=True,
            text=True,
            timeout=120,
            env={k: v for k, v in os.environ.items() if k != "OCIO"},
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return {"status": "skipped", "detail": f"ociocheck could not run ({_first_line(exc)})"}
    text = res.stdout + res.stderr
    m = re.search(r"Library Version:\s*([0-9.]+)", text)
    tool = m.group(1) if m else "?"
    if "is not able to load that config version" in text or "Maximum minor version" in text:
        return {
            "status": "skipped",
            "detail": f"ociocheck {tool} cannot read OCIO {version[0]}.{version[1]} "
            f"configs (it reads up to its own version)",
        }
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    errors = [ln for ln in lines if "ERROR" in ln or "error" in ln.lower() or "failed" in ln.lower()]
    if res.returncode != 0 or any("ERROR" in ln for ln in lines):
        detail = (errors or lines[-1:] or [""])[0]
        return {"status": "failed", "detail": f"{detail[:180]} (exit status {res.returncode})"}
    return {"status": "passed", "detail": f"ociocheck {tool}"}


def add_look(
    config: str | None,
    bundle: str | Path,
    name: str,
    output: str | Path,
    process_space: str | None = None,
    force: bool = False,
    config_version: str | None = None,
) -> dict[str, Any]:
    """Write ``output``: the config plus the bundle's look (see the module docstring). Returns a report."""
    out = Path(output)
    if out.suffix.lower() != ".ocio":
        raise NcstError(f"{out}: the new config's name must end in .ocio")
    if not out.resolve().parent.is_dir():  # checked before the (slow) config load and checks
        raise NcstError(
            f"{out.parent}: no such folder; create it first (add-look writes the config and "
            f"its {LOOK_DIR}/ folder there)"
        )
    if (
        config
        and not str(config).startswith("ocio://")
        and Path(config).exists()
        and out.resolve() == Path(config).resolve()
    ):
        raise NcstError(f"{out}: is the source config; add-look never changes it, choose another -o")
    check_new_output(out, force)
    requested = parse_version(config_version)
    loaded = load_config(config)
    if loaded.version[0] < 2:
        raise NcstError(
            f"{loaded.label}: OCIO v1 config; add-look needs a v2 config (ASC-style CDL). "
            f"Upgrade it first, e.g. ociocheck --iconfig OLD --oconfig NEW"
        )
    folder, cc_src, residual_src = bundle_files(bundle)
    params = load_look(folder)
    fidelity.check_lut_files(folder, ("residual.cube",))  # the user's files, named, before any staging
    fidelity.check_readable(folder, ("look.cc", "residual.cube"))
    name = check_look_name(loaded.config, name, loaded.label)
    ps = working_space_in(loaded, process_space)
    ps_is_working = same_as_working_encoding(loaded, ps)
    version = requested or loaded.version

    if not loaded.is_builtin and out.resolve() == Path(loaded.source).resolve():
        raise NcstError(f"{out}: is the source config; add-look never changes it, choose another -o")
    check_new_output(out, force)
    out_dir = out.resolve().parent
    look_dir = out_dir / LOOK_DIR
    stem = slug(name)
    cc_name, residual_name = f"{stem}.cc", f"{stem}_residual.cube"
    for f in (look_dir / cc_name, look_dir / residual_name):
        if f.exists() and not force:
            raise NcstError(f"{f}: already exists (use --force to replace it)")
    if look_dir.exists() and not look_dir.is_dir():
        raise NcstError(f"{look_dir}: exists and is not a folder")

    cfg = copy.deepcopy(loaded.config)  # the loaded config is shared (cached): never edit it
    search = [LOOK_DIR] + [e for e in rewrite_search_paths(loaded, out_dir) if e != LOOK_DIR]
    description = "NCST look: ASC CDL (clamping) then residual 3D LUT, tetrahedral; parameters " + ", ".join(
        f"{k}={v:g}" for k, v in params.as_dict().items()
    )
    cfg.addLook(
        OCIO.Look(name=name, processSpace=ps, transform=look_group(cc_name, residual_name), description=description)
    )
    try:
        cfg.setVersion(*version)
    except Exception as exc:
        raise NcstError(
            f"cannot write {loaded.label} as OCIO {version[0]}.{version[1]} ({_first_line(exc)}); "
            f"{older_config_hint(loaded, version)}"
        ) from None

    clean_stale_parts(out_dir)
    stage = Path(tempfile.mkdtemp(prefix=temp_prefix(LOOK_DIR), suffix=".part", dir=out_dir))
    published: list[Path] = []
    try:
        shutil.copyfile(cc_src, stage / cc_name)
        shutil.copyfile(residual_src, stage / residual_name)
        # Validate a twin that also finds the staged files; the published config lacks only that entry.
        _with_search_path(cfg, [str(stage)] + search)
        cfg.setWorkingDir(str(out_dir))
        try:
            cfg.validate()
            staged_text = cfg.serialize()
        except Exception as exc:
            hint = f"; {older_config_hint(loaded, version)}" if version < loaded.version else ""
            raise NcstError(f"the new config is not valid: {_first_line(exc).rstrip('.')}{hint}") from None
        check = _look_check(cfg, ps, name, folder, params)
        de = check["delta_e_vs_direct_render"]
        if ps_is_working and not de["passes_bar"]:
            raise NcstError(
                f"{folder}: its residual.cube/look.cc disagree with its params.json (ΔE2000 vs "
                f"direct render mean {de['mean']:.3f}, max {de['max']:.2f}, over the bar "
                f"mean {fidelity.BAR['mean']}/max {fidelity.BAR['max']}); nothing written -- "
                f"bake the bundle again"
            )
        if check["max_abs_diff_vs_bundle_look"] is not None and check["max_abs_diff_vs_bundle_look"] > MATCH_TOLERANCE:
            raise NcstError(
                f"the look in the new config differs from the bundle's own OCIO look "
                f"(max {check['max_abs_diff_vs_bundle_look']:.2e}); nothing written"
            )
        # beside the new config, so its relative search paths resolve as they will there
        fd, staged_name = tempfile.mkstemp(prefix=temp_prefix(out.name), suffix=".part.ocio", dir=out_dir)
        os.close(fd)
        staged_cfg = Path(staged_name)
        try:
            staged_cfg.write_text(staged_text, encoding="utf-8")
            ociocheck = run_ociocheck(staged_cfg, version)
        finally:
            staged_cfg.unlink()
        if ociocheck["status"] == "failed":
            raise NcstError(f"ociocheck rejects the new config: {ociocheck['detail']}")

        _with_search_path(cfg, search)
        text = cfg.serialize()
        look_dir.mkdir(exist_ok=True)
        with atomic_file(out, force=force) as tmp:
            tmp.write_text(text, encoding="utf-8")
            for fname in (cc_name, residual_name):
                os.replace(stage / fname, look_dir / fname)
                published.append(look_dir / fname)
        published.append(out)
        # Read back what was published, as a host will (files are cached by path: drop the cache).
        OCIO.ClearAllCaches()
        try:
            final = OCIO.Config.CreateFromFile(str(out))
            final.validate()
            final_check = _look_check(final, ps, name, folder, params)
        except Exception as exc:
            raise NcstError(f"{out}: the written config does not load back ({_first_line(exc)})") from None
        if (final_check["max_abs_diff_vs_bundle_look"] or 0.0) > MATCH_TOLERANCE:
            raise NcstError(f"{out}: the written look does not reproduce the bundle's look")
    except BaseException:
        for p in published:
            if p.exists():
                p.unlink()
        raise
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    too_new = None
    if version > DEBIAN_OCIO:
        too_new = (
            f"OCIO {version[0]}.{version[1]} configs load only in OCIO >= {version[0]}.{version[1]} "
            f"(Debian 12's ociocheck/oiiotool and Blender 3.4 read up to 2.1): "
            f"{older_config_hint(loaded, DEBIAN_OCIO)}"
        )
    return {
        "too_new_for": too_new,
        "output": str(out),
        "source": loaded.label,
        "look": name,
        "process_space": ps,
        "process_space_is_working_space": ps_is_working,
        "ocio_version": f"{version[0]}.{version[1]}",
        "files": [str(look_dir / cc_name), str(look_dir / residual_name)],
        "search_path": search,
        "ociocheck": ociocheck,
        **final_check,
    }
