"""Exports for camera (log / wide-gamut) footage: the look with the input transform included.

For footage in an input space other than the working space a bundle holds, besides the look alone
(``look.cube``, ``look.cc`` + ``residual.cube``, ``ocio/``: working space in and out, meant to sit
after a colour space transform to the working space), three camera exports:

* ``look_from_<space>.cube`` -- camera code values in, graded working-space (display sRGB/Rec.709)
  code values out, in Resolve's ``.cube`` form with a 1D shaper before the 3D table (read by
  Resolve, OCIO -- so Nuke, Flame, Blender, ... -- and colour-science; *not* by ffmpeg's lut3d,
  which reads 3D-only cubes). One node does input transform + grade.
* ``look_from_<space>.clf`` -- the same, as the exact chain (the config's camera decoding, the
  gamut matrix, the sRGB encoding, the [0, 1] clip, the ASC CDL, then the residual 3D LUT):
  Academy/ASC Common LUT Format written by OpenColorIO. No lattice error in the input transform.
* ``look_in_<space>.cube`` -- camera code values in, graded and re-encoded camera code values out
  (to the working space, the grade, back): for a node in a colour-managed timeline that works in
  ``<space>`` (Resolve RCM / ACES), where nodes must return the timeline's encoding.

Why a shaper, and which: a 3D table indexed directly by log code values wastes most of its nodes
(a LogC3 lattice spends ~40 % of each axis above diffuse white and puts display white between
nodes), and the camera-to-Rec.709 gamut matrix plus the clip to [0, 1] bend the function across
cells. The shaper here is, per channel, the working-space encoding of the camera channel's own
linear value (the neutral-axis response of the input transform, no clip), remapped piecewise so
that lattice nodes land exactly on black (code 0) and on white (code 1): below black a few
intervals, the display range [0, 1] most of them (like look.cube), and above white steps in log
for the highlights up to the camera's largest code value, finest just above white (where clipped
highlights of real footage lie: see WHITE_FRACTION). Black and white on nodes put the
shaper's kinks on lattice planes, where tetrahedral interpolation is exact.

Fidelity is measured as fidelity.py does (ΔE2000 after sRGB decoding, against the direct render
``f_P(to_working(x))``), on two sets: ``display_colours`` -- fidelity.sample_colours carried into
the camera encoding (what the camera records of every display colour) -- and ``code_values`` --
uniform random camera code values plus a neutral ramp (includes super-whites and colours far out
of Rec.709 gamut, which all clip in the working space).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import PyOpenColorIO as OCIO

from ncst_bridge.io import fidelity
from ncst_bridge.colour.config import CAMERA_LUT_SIZE, LoadedConfig, check_space, load_config, working_space_in
from ncst_bridge.colour.convert import apply_cpu, to_working
from ncst_bridge.errors import NcstError
from ncst_bridge.grade.cdl import cdl_from_params
from ncst_bridge.grade.numpy_grade import ParamsLike, colour_grade_numpy
from ncst_bridge.grade.lut import bake_residual
from ncst_bridge.grade.params import GradeParams
from ncst_bridge.io.atomic import atomic_file
from ncst_bridge.io.ocio_build import cdl_transform, exact_cpu_processor

SHAPER_SIZE = 4096
BLACK_FRACTION = 0.03  # lattice share below black (when the space encodes values below black)
# Above white: lattice node of white (a fraction of the axis, when the space encodes super-whites)
# and how the log steps above it are spread. Above white the camera-to-Rec.709 matrix mixes channels
# before the clip, so a cell a stop wide has corners whose red lies far below white while the exact
# result is white: with white at 0.90 and even log steps (six cells of ~1 stop for LogC3) clipped
# highlights turned cyan (LogC3 photos one stop over: ΔE2000 p99 6.6-7.5, max 11). White at 0.85 and
# the log position raised to HIGHLIGHT_POWER 0.5 put cells of ~0.05-0.3 stop just above white, where
# photos' highlights are: p99 0.6-0.7 there, display-range fidelity within the bar (see
# docs/interop.md for the table).
WHITE_FRACTION = 0.85
HIGHLIGHT_POWER = 0.5
HIGHLIGHT_STOPS = 1.0  # the fidelity report's highlight set: display colours this many stops over
LINEAR_RANGE = (0.0, 1.0)  # scene-linear inputs: the shaper covers [0, 1] (above clamps)
DECIMALS = 7


def slug(name: str) -> str:
    """A file-name-safe form of a colour space name: 'ARRI LogC3 (EI800)' -> 'arri_logc3_ei800'."""
    s = re.sub(r"[^0-9a-z]+", "_", name.lower()).strip("_")
    return s or "input"


def camera_file_names(input_space: str) -> dict[str, str]:
    stem = slug(input_space)
    return {"cube": f"look_from_{stem}.cube", "clf": f"look_from_{stem}.clf", "in": f"look_in_{stem}.cube"}


# --- the shaper -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shaper:
    """Per-channel 1D shaper: camera code value x -> lattice coordinate s in [0, 1]."""

    x_lo: float
    x_hi: float
    nodes: int  # 3D lattice size N
    black_node: int  # lattice node of working-space code 0
    white_node: int  # lattice node of working-space code 1
    g_min: float  # neutral response at x_lo (working code, unclipped; < 0 below black)
    g_max: float  # neutral response at x_hi (> 1 for super-whites)

    def phi(self, g: np.ndarray) -> np.ndarray:
        """Working-space neutral code (unclipped) -> lattice coordinate."""
        g = np.asarray(g, dtype=np.float64)
        n1, i0, i1 = self.nodes - 1, self.black_node, self.white_node
        s = i0 + np.clip(g, 0.0, 1.0) * (i1 - i0)
        if i0 > 0:
            lo = g < 0
            s = np.where(lo, i0 * (1.0 - np.clip(g, self.g_min, 0.0) / self.g_min), s)
        if i1 < n1:
            u = np.log(np.clip(g, 1.0, self.g_max)) / math.log(self.g_max)
            s = np.where(g > 1, i1 + (n1 - i1) * u**HIGHLIGHT_POWER, s)
        return np.clip(s / n1, 0.0, 1.0)

    def phi_inverse(self, s: np.ndarray) -> np.ndarray:
        s = np.asarray(s, dtype=np.float64) * (self.nodes - 1)
        n1, i0, i1 = self.nodes - 1, self.black_node, self.white_node
        g = (np.clip(s, i0, i1) - i0) / (i1 - i0)
        if i0 > 0:
            g = np.where(s < i0, self.g_min * (1.0 - s / i0), g)
        if i1 < n1:
            u = np.clip((s - i1) / (n1 - i1), 0.0, 1.0) ** (1.0 / HIGHLIGHT_POWER)
            g = np.where(s > i1, np.exp(u * math.log(self.g_max)), g)
        return g


def _neutral(x: np.ndarray) -> np.ndarray:
    return np.repeat(np.asarray(x, dtype=np.float64)[:, None], 3, axis=1)


def input_domain(loaded: LoadedConfig, input_space: str) -> tuple[float, float]:
    """The camera code range the from-camera LUT covers: [0, 1], or LINEAR_RANGE for scene-linear."""
    enc = loaded.config.getColorSpace(input_space).getEncoding()
    return LINEAR_RANGE if enc == "scene-linear" else (0.0, 1.0)


def build_shaper(
    input_space: str, config: str | LoadedConfig | None, nodes: int, shaper_size: int = SHAPER_SIZE
) -> tuple[Shaper, np.ndarray, np.ndarray]:
    """The shaper for a space, its 1D table (``shaper_size`` samples of x_lo..x_hi) and the x of each
    lattice node (exact, through OCIO's inverse transform)."""
    loaded = load_config(config)
    src = check_space(loaded, input_space, "input colour space")
    dst = working_space_in(loaded)
    x_lo, x_hi = input_domain(loaded, src)
    fwd = exact_cpu_processor(loaded.config.getProcessor(src, dst))
    inv = exact_cpu_processor(loaded.config.getProcessor(dst, src))
    xs = np.linspace(x_lo, x_hi, shaper_size)
    g = apply_cpu(fwd, _neutral(xs))
    if np.abs(g - g[:, :1]).max() > 1e-3:
        raise NcstError(
            f"'{src}': its neutral axis does not stay neutral in the working space; "
            f"no per-channel shaper fits (use the .clf export)"
        )
    g = g[:, 0]
    if not np.all(np.diff(g) > 0):
        raise NcstError(
            f"'{src}': the conversion to the working space is not increasing on the "
            f"neutral axis; no shaper LUT can be built for it (use the .clf export)"
        )
    g_min, g_max = float(g[0]), float(g[-1])
    if g_min > 1e-4 or g_max < 1.0 - 1e-4:
        raise NcstError(
            f"'{src}': its code range {x_lo:g}..{x_hi:g} does not reach the working space's "
            f"black and white (neutral response {g_min:.3f}..{g_max:.3f})"
        )
    n1 = nodes - 1
    i0 = max(1, round(BLACK_FRACTION * n1)) if g_min < -1e-6 else 0
    i1 = min(n1 - 1, round(WHITE_FRACTION * n1)) if g_max > 1.0 + 1e-6 else n1
    shaper = Shaper(x_lo, x_hi, nodes, i0, i1, g_min if i0 else 0.0, g_max if i1 < n1 else 1.0)
    table_1d = shaper.phi(g)
    node_g = shaper.phi_inverse(np.linspace(0.0, 1.0, nodes))
    node_x = np.clip(apply_cpu(inv, _neutral(node_g))[:, 0], x_lo, x_hi)
    node_x[0], node_x[-1] = x_lo, x_hi
    return shaper, table_1d, node_x


def from_camera_direct(
    x: np.ndarray, params: ParamsLike, input_space: str, config: str | LoadedConfig | None = None
) -> np.ndarray:
    """The direct render the from-camera exports reproduce: f_P's colour part after to_working."""
    loaded = load_config(config)
    x_lo, x_hi = input_domain(loaded, check_space(loaded, input_space, "input colour space"))
    return colour_grade_numpy(to_working(np.clip(x, x_lo, x_hi), input_space, loaded), params)


def in_space_direct(
    x: np.ndarray, params: ParamsLike, space: str, config: str | LoadedConfig | None = None
) -> np.ndarray:
    """The grade sandwiched in ``space``: to the working space, f_P's colour part, and back."""
    from ncst_bridge.colour.convert import from_working

    return from_working(from_camera_direct(x, params, space, config), space, config)


def bake_from_camera(
    params: ParamsLike,
    input_space: str,
    config: str | LoadedConfig | None = None,
    size: int = CAMERA_LUT_SIZE,
    shaper_size: int = SHAPER_SIZE,
    back_to_input: bool = False,
):
    """``(shaper, shaper_table (S,), table (N, N, N, 3) [r, g, b])`` of the from-camera LUT
    (``back_to_input``: of the in-space LUT, whose output is re-encoded in the input space)."""
    shaper, table_1d, node_x = build_shaper(input_space, config, size, shaper_size)
    r, g, b = np.meshgrid(node_x, node_x, node_x, indexing="ij")
    direct = in_space_direct if back_to_input else from_camera_direct
    table = direct(np.stack([r, g, b], axis=-1), params, input_space, config)
    return shaper, table_1d, table


# --- writers ----------------------------------------------------------------------------------


def _rows(values: np.ndarray) -> str:
    fmt = f"%.{DECIMALS}f %.{DECIMALS}f %.{DECIMALS}f\n"
    return "".join(fmt % tuple(v) for v in np.asarray(values, dtype=np.float64))


def write_shaper_cube(
    path: str | Path,
    x_range: tuple[float, float],
    shaper_table: np.ndarray,
    table: np.ndarray,
    comments: list[str],
    force: bool = False,
) -> Path:
    """Resolve-form .cube: comments, then 1D shaper and 3D sizes and input ranges, 1D rows, 3D rows.

    No TITLE (OCIO's Resolve reader refuses it next to LUT_1D_SIZE); red fastest in the 3D part.
    """
    n1d, n3d = len(shaper_table), table.shape[0]
    lo, hi = x_range
    head = "".join(f"# {c}\n" for c in comments)
    head += (
        f"LUT_1D_SIZE {n1d}\nLUT_1D_INPUT_RANGE {lo:.{DECIMALS}f} {hi:.{DECIMALS}f}\n"
        f"LUT_3D_SIZE {n3d}\nLUT_3D_INPUT_RANGE 0.0 1.0\n"
    )
    body = _rows(np.repeat(np.asarray(shaper_table)[:, None], 3, axis=1))
    body += _rows(np.asarray(table).reshape(-1, 3, order="F"))
    path = Path(path)
    with atomic_file(path, force=force) as tmp:
        tmp.write_text(head + body, encoding="utf-8", newline="\n")
    return path


def residual_transform(params: ParamsLike, size: int) -> OCIO.Lut3DTransform | None:
    """The residual as an in-memory OCIO 3D LUT (tetrahedral), or None when it is the identity."""
    p = params if isinstance(params, GradeParams) else GradeParams(params)
    if p["hue"] == 0.0:
        return None
    table = bake_residual(p, size)
    lut = OCIO.Lut3DTransform(gridSize=size)
    lut.setInterpolation(OCIO.Interpolation.INTERP_TETRAHEDRAL)
    # OCIO's Lut3DTransform data has blue fastest: the [r, g, b]-indexed table in C order.
    lut.setData(np.ascontiguousarray(table, dtype=np.float32).reshape(-1))
    return lut


def camera_chain(
    params: ParamsLike, input_space: str, config: str | LoadedConfig | None = None, size: int = 33
) -> tuple[OCIO.Config, OCIO.GroupTransform]:
    """The exact from-camera chain as an OCIO group: CST -> clip [0, 1] -> ASC CDL -> residual."""
    loaded = load_config(config)
    src = check_space(loaded, input_space, "input colour space")
    dst = working_space_in(loaded)
    p = params if isinstance(params, GradeParams) else GradeParams(params)
    group = OCIO.GroupTransform()
    group.appendTransform(OCIO.ColorSpaceTransform(src=src, dst=dst))
    group.appendTransform(OCIO.RangeTransform(minInValue=0.0, maxInValue=1.0, minOutValue=0.0, maxOutValue=1.0))
    group.appendTransform(cdl_transform(cdl_from_params(p), cc_id="ncst"))
    residual = residual_transform(p, size)
    if residual is not None:
        group.appendTransform(residual)
    return loaded.config, group


def write_camera_clf(
    path: str | Path,
    params: ParamsLike,
    input_space: str,
    config: str | LoadedConfig | None = None,
    size: int = 33,
    force: bool = False,
) -> Path:
    """The exact from-camera chain as CLF (OCIO's writer; the residual sampled at ``size``^3)."""
    cfg, group = camera_chain(params, input_space, config, size)
    proc = cfg.getProcessor(group)
    text = proc.createGroupTransform().write("Academy/ASC Common LUT Format", cfg)
    path = Path(path)
    with atomic_file(path, force=force) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path


# --- fidelity ---------------------------------------------------------------------------------


def camera_colour_sets(
    input_space: str,
    config: str | LoadedConfig | None = None,
    n: int = 100_000,
    seed: int = 0,
    pixels: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Camera code values to measure on: ``display_colours`` (fidelity.sample_colours, optionally
    with photo pixels, carried into the camera encoding), ``highlights`` (the same colours one stop
    over -- scene-linear x2 -- where log footage clips; only for spaces that encode super-whites)
    and ``code_values`` (uniform camera codes over the LUT's domain plus a neutral ramp)."""
    from ncst_bridge.colour.convert import from_working

    loaded = load_config(config)
    src = check_space(loaded, input_space, "input colour space")
    x_lo, x_hi = input_domain(loaded, src)
    rng = np.random.default_rng(seed + 1)
    codes = np.concatenate([x_lo + (x_hi - x_lo) * rng.random((n, 3)), _neutral(np.linspace(x_lo, x_hi, 1024))])
    display = fidelity.sample_colours(n, seed, pixels)
    sets = {"display_colours": from_working(display, src, loaded)}
    lin = np.where(display <= 0.04045, display / 12.92, ((display + 0.055) / 1.055) ** 2.4) * 2.0**HIGHLIGHT_STOPS
    over = np.where(lin <= 0.0031308, 12.92 * lin, 1.055 * np.power(lin, 1 / 2.4) - 0.055)  # unclipped sRGB
    highlights = from_working(over, src, loaded)
    if np.all((highlights >= x_lo - 1e-6) & (highlights <= x_hi + 1e-6)):  # the space holds them
        sets["highlights"] = highlights
    sets["code_values"] = codes
    return sets


def file_processor(path: str | Path) -> OCIO.CPUProcessor:
    """A LUT file as a host applies it: OCIO, tetrahedral, float32."""
    OCIO.ClearAllCaches()  # OCIO caches files by path; a rewritten file must be read again
    raw = OCIO.Config.CreateRaw()
    ft = OCIO.FileTransform(src=str(Path(path).resolve()), interpolation=OCIO.Interpolation.INTERP_TETRAHEDRAL)
    try:
        return exact_cpu_processor(raw.getProcessor(ft))
    except Exception as exc:
        raise NcstError(f"{path}: OCIO cannot read it ({str(exc).splitlines()[0][:160]})") from None


def camera_fidelity(
    path: str | Path,
    params: ParamsLike,
    input_space: str,
    config: str | LoadedConfig | None = None,
    sets: dict[str, np.ndarray] | None = None,
    output_in_input_space: bool = False,
) -> dict[str, dict[str, float]]:
    """ΔE2000 of a from-camera file (read by OCIO) against the direct render, per colour set.

    ``output_in_input_space``: the file's output is in the input space (look_in_*); it is brought to
    the working space (exactly, through OCIO) before the comparison.
    """
    sets = sets if sets is not None else camera_colour_sets(input_space, config, n=50_000)
    cpu = file_processor(path)
    out = {}
    for name, x in sets.items():
        got = apply_cpu(cpu, x)
        if output_in_input_space:
            got = to_working(got, input_space, config)
        stats = fidelity.summarise(fidelity.delta_e(from_camera_direct(x, params, input_space, config), got))
        stats["passes_bar"] = fidelity.passes(stats)
        out[name] = stats
    return out


# --- the bundle writer ------------------------------------------------------------------------


def write_camera_luts(
    folder: str | Path,
    params: ParamsLike,
    input_space: str,
    config: str | LoadedConfig | None = None,
    size: int = CAMERA_LUT_SIZE,
    residual_size: int = 33,
    measure: bool = True,
    samples: int = 50_000,
) -> dict[str, Any]:
    """Write the from-camera exports into a bundle folder; return (and merge into params.json, when
    the folder has one) the ``colour_management`` block that says which file is which.

    Call it inside the bundle writer's ``atomic_dir`` after ``write_look_files``. ``size`` is the
    from-camera cube's lattice (default 65, see the module docstring); ``residual_size`` the lattice of
    the residual inside the .clf (use the bundle's --lut-size). Nothing is written when the input
    space is the working space itself.
    """
    from ncst_bridge.grade.lut import MAX_SIZE, MIN_SIZE

    folder = Path(folder)
    loaded = load_config(config)
    src = check_space(loaded, input_space, "input colour space")
    working = working_space_in(loaded)
    if not MIN_SIZE <= size <= MAX_SIZE:
        raise NcstError(f"--camera-lut-size must be {MIN_SIZE}..{MAX_SIZE}, got {size}")
    p = params if isinstance(params, GradeParams) else GradeParams(params)
    block: dict[str, Any] = {
        "working_space": {
            "definition": "display-referred code values: Rec.709 primaries, D65, sRGB (IEC 61966-2-1) "
            "encoding, clipped to [0, 1]; the grade's parameters are defined here",
            "ocio_name": working,
            "conversion": "colorimetric colour-space transform of the OCIO config (no tone mapping, "
            "no gamut mapping), then clip to [0, 1]",
        },
        "ocio_config": loaded.source,
        "input_space": src,
        "files": {},
    }
    look_note = (
        f"the look alone, working space in and out: place it after a colour space transform "
        f"from '{src}' to Rec.709 primaries / sRGB encoding (tone and gamut mapping off)"
    )
    for name in ("look.cube", "look.cc", "residual.cube", "ocio/config.ocio"):
        block["files"][name] = {"role": "look", "input": "working space", "output": "working space", "use": look_note}
    if src == working:
        block["files"] = {
            k: dict(v, use="the look, applied directly: the input is the working space")
            for k, v in block["files"].items()
        }
        _merge_params_json(folder, block, [])
        return block

    names = camera_file_names(src)
    shaper, table_1d, table = bake_from_camera(p, src, loaded, size)
    comments = [
        f"NCST look from camera: {src} code values in, graded display-referred sRGB/Rec.709 out",
        f"input transform: OCIO {loaded.source}, '{src}' -> '{working}', clip to 0..1, then the grade",
        f"form: Resolve 1D shaper ({len(table_1d)}) + {size}^3 3D, tetrahedral",
    ]
    comments += [
        f"{n} = {p[n]:g} is spatial: not in this LUT (applied by ncst apply / the OFX plugin)"
        for n in ("sharpness",)
        if p[n] != 1.0
    ]
    write_shaper_cube(folder / names["cube"], (shaper.x_lo, shaper.x_hi), table_1d, table, comments)
    write_camera_clf(folder / names["clf"], p, src, loaded, size=residual_size)
    _, _, table_in = bake_from_camera(p, src, loaded, size, back_to_input=True)
    comments_in = [
        f"NCST look inside {src}: {src} in, graded and re-encoded as {src} out",
        f"= to '{working}' (clip 0..1), the grade, back to '{src}' (OCIO {loaded.source})",
        f"form: Resolve 1D shaper ({len(table_1d)}) + {size}^3 3D, tetrahedral",
    ] + comments[3:]
    write_shaper_cube(folder / names["in"], (shaper.x_lo, shaper.x_hi), table_1d, table_in, comments_in)
    common = {
        "role": "from camera",
        "input": f"{src} code values",
        "output": "graded working space (display-referred sRGB/Rec.709)",
        "use": "one node on the camera footage in a non-colour-managed timeline (no CST before it)",
    }
    block["files"][names["cube"]] = dict(
        common,
        form=f"Resolve .cube: 1D shaper {len(table_1d)} + {size}^3 3D, tetrahedral",
        lattice=size,
        shaper={"black_node": shaper.black_node, "white_node": shaper.white_node},
    )
    block["files"][names["clf"]] = dict(
        common,
        form=f"Academy/ASC CLF: exact input transform, ASC CDL, residual {residual_size}^3 LUT (identity omitted)",
    )
    block["files"][names["in"]] = {
        "role": "in input space",
        "input": f"{src} code values",
        "output": f"{src} code values, graded",
        "use": f"a node in a colour-managed timeline whose working space is '{src}' (Resolve RCM/ACES): "
        "the look between a CST to the working space and back, in one LUT; highlights above the "
        "working space's white clip there",
        "form": f"Resolve .cube: 1D shaper {len(table_1d)} + {size}^3 3D, tetrahedral",
        "lattice": size,
    }
    if measure:
        sets = camera_colour_sets(src, loaded, n=samples)
        for key in ("cube", "clf", "in"):
            block["files"][names[key]]["fidelity"] = camera_fidelity(
                folder / names[key], p, src, loaded, sets, output_in_input_space=(key == "in")
            )
        block["fidelity_metric"] = (
            "CIEDE2000 vs the direct render f_P(to_working(x)), sRGB D65 (look_in_*: "
            "its output converted to the working space first); bar "
            f"{fidelity.BAR} applies to display_colours; highlights: the same "
            "colours one stop over (clipped log highlights); code_values adds "
            "super-whites and out-of-gamut codes, which clip"
        )
    _merge_params_json(folder, block, list(names.values()))
    return block


def _merge_params_json(folder: Path, block: dict[str, Any], new_files: list[str]) -> None:
    """Add the colour_management block (and the new file names) to the bundle's params.json."""
    import json

    from ncst_bridge.io.bundle import write_json

    path = folder / "params.json"
    if not path.exists():
        return
    obj = json.loads(path.read_text(encoding="utf-8"))
    exports = obj.setdefault("exports", {})
    files = exports.setdefault("files", [])
    files.extend(f for f in new_files if f not in files)
    obj["colour_management"] = block
    write_json(path, obj)


def check_camera_exports(
    folder: str | Path, params: ParamsLike, samples: int = 50_000, pixels: np.ndarray | None = None
) -> dict[str, dict[str, float]]:
    """ΔE2000 (display colours carried into the camera encoding) of a bundle's from-camera files, as
    recorded in its params.json ``colour_management`` block; {} for bundles without one."""
    import json

    folder = Path(folder)
    source = folder / "params.json"
    try:
        obj = json.loads(source.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return {}  # the look itself was read from it already; nothing camera-side to check
    cm = (obj.get("colour_management") if isinstance(obj, dict) else None) or {}
    if (
        not isinstance(cm, dict)
        or not isinstance(cm.get("files", {}), dict)
        or not all(isinstance(v, dict) for v in cm.get("files", {}).values())
    ):
        raise NcstError(
            f'{source}: "colour_management" must be the object ncst writes '
            f"(input_space, files: {{name: {{role: ...}}}}), got {json.dumps(cm)[:60]}"
        )
    space, config = cm.get("input_space"), cm.get("ocio_config")
    if (space is not None and not isinstance(space, str)) or (config is not None and not isinstance(config, str)):
        raise NcstError(f'{source}: "colour_management" input_space and ocio_config must be names (strings)')
    files = {f: v for f, v in cm.get("files", {}).items() if v.get("role") in ("from camera", "in input space")}
    if not space or not files:
        return {}
    sets = {"display_colours": camera_colour_sets(space, config, n=samples, pixels=pixels)["display_colours"]}
    out = {}
    for name, info in files.items():
        if not (folder / name).exists():
            raise NcstError(f"{folder}: params.json lists {name}, which is missing")
        out[f"{name} (from {space})"] = camera_fidelity(
            folder / name, params, space, config, sets, output_in_input_space=info["role"] == "in input space"
        )["display_colours"]
    return out
