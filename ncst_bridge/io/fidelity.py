"""Fidelity: how closely each export reproduces the direct render f_P, in CIEDE2000.

Each path is run the way a host runs it (OCIO tetrahedral for the .cube, OCIO ASC-style CDL then the
residual .cube, the config's look through a LookTransform) on a set of colours: uniform random
colours, a grey ramp, the 8-bit cube's corners and edges, and optionally real photos' pixels.
ΔE2000 is measured after decoding both results as sRGB (D65) to CIE Lab.
"""

from __future__ import annotations

from pathlib import Path
from collections.abc import Iterable

import numpy as np
import PyOpenColorIO as OCIO

from ncst_bridge.errors import NcstError
from ncst_bridge.grade.numpy_grade import ParamsLike, colour_grade_numpy
from ncst_bridge.io.delta_e import ciede2000, srgb_to_lab
from ncst_bridge.io.ocio_build import DISPLAY_SPACE, exact_cpu_processor, look_group

# The project's fidelity bar (ΔE2000 of an export against the direct render; docs/fidelity.md).
BAR = {"mean": 0.05, "p99": 0.5, "max": 1.5}


def sample_colours(n: int = 100_000, seed: int = 0, pixels: np.ndarray | None = None) -> np.ndarray:
    """Uniform random colours + grey ramp + 8-bit edges of the cube (+ given pixels), float64."""
    rng = np.random.default_rng(seed)
    parts = [rng.random((n, 3))]
    ramp = np.linspace(0.0, 1.0, 1024)
    parts.append(np.repeat(ramp[:, None], 3, axis=1))
    edge = np.linspace(0.0, 1.0, 256)
    for axis in range(3):  # the 12 edges of the cube, where clamps bite
        for a in (0.0, 1.0):
            for b in (0.0, 1.0):
                e = np.empty((256, 3))
                others = [i for i in range(3) if i != axis]
                e[:, axis] = edge
                e[:, others[0]] = a
                e[:, others[1]] = b
                parts.append(e)
    if pixels is not None:
        parts.append(np.asarray(pixels, dtype=np.float64).reshape(-1, 3))
    return np.concatenate(parts)


def to_lab(rgb: np.ndarray) -> np.ndarray:
    return srgb_to_lab(rgb)  # colour-science's XYZ_to_Lab(sRGB_to_XYZ(clip(rgb))), without its import


def delta_e(reference: np.ndarray, test: np.ndarray) -> np.ndarray:
    return ciede2000(to_lab(reference), to_lab(test))


def summarise(d: np.ndarray) -> dict[str, float]:
    return {
        "mean": float(d.mean()),
        "p95": float(np.percentile(d, 95)),
        "p99": float(np.percentile(d, 99)),
        "max": float(d.max()),
    }


def passes(stats: dict[str, float], bar: dict[str, float] = BAR) -> bool:
    return all(stats[k] <= v for k, v in bar.items())


def _apply(proc: OCIO.Processor, rgb: np.ndarray) -> np.ndarray:
    buf = np.ascontiguousarray(rgb, dtype=np.float32).copy()
    exact_cpu_processor(proc).applyRGB(buf)
    return buf.astype(np.float64)


def check_lut_files(folder: Path, names: Iterable[str] = ("look.cube", "residual.cube")) -> None:
    """One-line NcstError naming a bundle's .cube that is unreadable or holds NaN/infinite entries.

    Checked on the file itself, not through samples: a NaN in a lattice cell no sample lands in
    would otherwise pass.
    """
    from ncst_bridge.io.cube import read_cube_table

    for name in names:
        path = Path(folder) / name
        if not path.exists():
            continue
        table = read_cube_table(path)
        bad = int((~np.isfinite(table)).any(axis=-1).sum())
        if bad:
            raise NcstError(
                f"{path}: {bad} lattice entr{'y holds' if bad == 1 else 'ies hold'} NaN or "
                f"infinite values (a corrupt LUT); bake the bundle again"
            )


def _processor(make, files: str):
    try:
        return make()
    except NcstError:
        raise
    except Exception as exc:  # noqa: BLE001 -- OCIO raises plain Exception for files it cannot read
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:160]
        raise NcstError(f"{files}: not usable by OpenColorIO ({first})") from None


def check_readable(folder: Path, names: Iterable[str]) -> None:
    """Each named LUT/CDL file of a bundle, loaded on its own by OCIO, so a message names the bad one."""
    raw = OCIO.Config.CreateRaw()
    tet = OCIO.Interpolation.INTERP_TETRAHEDRAL
    for name in names:
        path = Path(folder) / name
        _processor(lambda path=path: raw.getProcessor(OCIO.FileTransform(src=str(path), interpolation=tet)), str(path))


def export_paths(folder: Path) -> dict[str, OCIO.Processor]:
    """The OCIO processors of a bundle's three export paths, as hosts apply them (one-line
    NcstError naming the bundle's file that OCIO cannot read)."""
    folder = Path(folder).resolve()
    check_lut_files(folder)
    raw = OCIO.Config.CreateRaw()
    raw.setSearchPath(str(folder))
    tet = OCIO.Interpolation.INTERP_TETRAHEDRAL
    check_readable(folder, ("look.cc", "residual.cube"))
    ocio_dir = folder / "ocio"
    cfg = _processor(lambda: OCIO.Config.CreateFromFile(str(ocio_dir / "config.ocio")), str(ocio_dir / "config.ocio"))
    return {
        "look.cube": _processor(
            lambda: raw.getProcessor(OCIO.FileTransform(src=str(folder / "look.cube"), interpolation=tet)),
            str(folder / "look.cube"),
        ),
        "look.cc+residual.cube": _processor(
            lambda: raw.getProcessor(look_group(str(folder / "look.cc"), str(folder / "residual.cube"))),
            f"{folder / 'look.cc'} or {folder / 'residual.cube'}",
        ),
        "ocio look": _processor(
            lambda: cfg.getProcessor(OCIO.LookTransform(src=DISPLAY_SPACE, dst=DISPLAY_SPACE, looks="ncst")),
            f"{ocio_dir / 'config.ocio'} (or its look.cc/residual.cube)",
        ),
    }


def check_bundle(folder: str | Path, params: ParamsLike, colours: np.ndarray) -> dict[str, dict[str, float]]:
    """ΔE2000 statistics of each export path of a bundle against the direct render."""
    reference = colour_grade_numpy(colours, params)
    out = {}
    for name, proc in export_paths(Path(folder)).items():
        stats = summarise(delta_e(reference, _apply(proc, colours)))
        stats["passes_bar"] = passes(stats)
        out[name] = stats
    return out


def image_pixels(paths: Iterable[str | Path], per_image: int = 50_000, seed: int = 0) -> np.ndarray:
    """A random sample of pixels from images (for fidelity on real photos)."""
    from ncst_bridge.io.images import read_image

    rng = np.random.default_rng(seed)
    parts = []
    for p in paths:
        px = read_image(p).reshape(-1, 3)
        take = rng.choice(len(px), size=min(per_image, len(px)), replace=False)
        parts.append(px[take])
    return np.concatenate(parts) if parts else np.zeros((0, 3))


def survey(grades: Iterable, colours: np.ndarray, size: int = 33) -> list[dict[str, dict[str, float]]]:
    """Bake each grade into a temporary bundle and measure every export path against f_P."""
    import tempfile

    from ncst_bridge.io.bundle import write_look_files

    results = []
    for params in grades:
        with tempfile.TemporaryDirectory() as tmp:
            write_look_files(Path(tmp), params, size=size)
            results.append(check_bundle(tmp, params, colours))
    return results


def aggregate(results: list[dict[str, dict[str, float]]]) -> dict[str, dict[str, float]]:
    """Per export path: pass rate of the bar, mean of the means, worst p99 and worst max."""
    out = {}
    for path in results[0]:
        rows = [r[path] for r in results]
        out[path] = {
            "grades": len(rows),
            "pass_rate": float(np.mean([r["passes_bar"] for r in rows])),
            "mean": float(np.mean([r["mean"] for r in rows])),
            "median_p99": float(np.median([r["p99"] for r in rows])),
            "worst_p99": float(max(r["p99"] for r in rows)),
            "worst_max": float(max(r["max"] for r in rows)),
        }
    return out
