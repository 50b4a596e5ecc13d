"""Test data for the colour-management tests: real photos and their camera-log versions.

The photos are the shared test photos where that data is present (conftest decides), else four
different crops of the bundled sample still.

The log versions are made with colour-science, independently of OCIO: the photo's sRGB code values
are decoded to linear Rec.709 (IEC 61966-2-1), converted to the camera gamut with colour-science's
primaries-derived matrix (Bradford where the white points differ), then encoded with colour-science's
implementation of the camera's log curve.
"""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np

from conftest import SAMPLE_STILL, SHARED

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import colour

ROOT = Path(__file__).resolve().parents[1]
DATA = SHARED / "images" if SHARED else None
PHOTOS = ("kde_colorfulcups.jpg", "mate_yellowflower.jpg", "kpa_bar55.jpg", "lomiri_picture_0b.jpg")

M = colour.models
# OCIO name (ACES studio config) -> (colour-science encoding, colour-science gamut)
LOG_SPACES = {
    "ARRI LogC3 (EI800)": (M.log_encoding_ARRILogC3, "ARRI Wide Gamut 3"),
    "ARRI LogC4": (M.log_encoding_ARRILogC4, "ARRI Wide Gamut 4"),
    "S-Log3 S-Gamut3": (M.log_encoding_SLog3, "S-Gamut3"),
    "S-Log3 S-Gamut3.Cine": (M.log_encoding_SLog3, "S-Gamut3.Cine"),
    "V-Log V-Gamut": (M.log_encoding_VLog, "V-Gamut"),
    "BMDFilm WideGamut Gen5": (M.oetf_BlackmagicFilmGeneration5, "Blackmagic Wide Gamut"),
    "DaVinci Intermediate WideGamut": (M.oetf_DaVinciIntermediate, "DaVinci Wide Gamut"),
    "ACEScct": (M.log_encoding_ACEScct, "ACEScct"),
}


def photo(name: str = PHOTOS[0], step: int = 8) -> np.ndarray:
    """A real photo, subsampled (float64 sRGB code values in [0, 1])."""
    from ncst_bridge.io.images import read_image

    if DATA is not None and (DATA / name).is_file():
        return read_image(DATA / name)[::step, ::step]
    still = read_image(SAMPLE_STILL)  # four different half-width crops
    k = PHOTOS.index(name) if name in PHOTOS else 0
    w = still.shape[1]
    return still[:, k * w // 8: k * w // 8 + w // 2][::step, ::step]


def photo_file(name: str = PHOTOS[0]) -> Path:
    """The photo as a file: the shared one, else the bundled sample still."""
    return DATA / name if DATA is not None and (DATA / name).is_file() else SAMPLE_STILL


def photo_pixels(step: int = 8) -> np.ndarray:
    return np.concatenate([photo(n, step).reshape(-1, 3) for n in PHOTOS])


def log_encode(display: np.ndarray, space: str) -> np.ndarray:
    """Display sRGB code values -> camera log code values, with colour-science only."""
    encode, gamut = LOG_SPACES[space]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        linear = M.eotf_sRGB(np.asarray(display, dtype=np.float64))
        camera = colour.RGB_to_RGB(linear, "sRGB", gamut, chromatic_adaptation_transform="Bradford")
        return np.asarray(encode(camera), dtype=np.float64)


def run_ncst(*args: str, cwd: str | Path | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("OCIO", None)
    return subprocess.run([sys.executable, "-m", "ncst_bridge", *map(str, args)], capture_output=True,
                          text=True, env=env, cwd=cwd, timeout=600)


def one_line_error(res: subprocess.CompletedProcess) -> str:
    """Assert a CLI failure is one line, exit 2, no traceback; return the line."""
    assert res.returncode == 2, (res.returncode, res.stdout, res.stderr)
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("ncst: "), res.stderr
    assert "Traceback" not in res.stderr
    return lines[0]


def write_params(path: Path, **params: float) -> Path:
    import json

    path.write_text(json.dumps({"format": "ncst-look/1", "params": params}), encoding="utf-8")
    return path


MODERATE = dict(brightness=1.05, contrast=1.1, gamma=0.95, hue=5.0, saturation=1.1, temperature=0.2)
