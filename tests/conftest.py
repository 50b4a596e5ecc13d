"""Shared fixtures: paths to the shared real test data, small images, and a CLI runner."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
def _shared() -> Path:
    """The shared real test data: $NCST_SHARED_DATA, beside the checkout, or this machine's copy."""
    for cand in (os.environ.get("NCST_SHARED_DATA"), REPO.parent / "shared" / "data", "/work/shared/data"):
        if cand and Path(cand).is_dir():
            return Path(cand)
    return REPO / "samples"  # a clone elsewhere: the bundled sample still works for most tests


SHARED = _shared()
IMAGES = SHARED / "images"
VIDEOS = SHARED / "videos"
LUTS = SHARED / "luts"


def shared_images(n: int | None = None) -> list[Path]:
    paths = sorted(IMAGES.glob("*.jpg")) if IMAGES.exists() else [REPO / "samples" / "reference.jpg"]
    return paths[:n] if n else paths


@pytest.fixture(scope="session")
def small_photo() -> np.ndarray:
    """A real photo downscaled to about 160 px wide, float64 RGB in [0, 1]."""
    from ncst_bridge.io.images import read_image

    img = read_image(shared_images()[0])
    step = max(1, img.shape[1] // 160)
    return np.ascontiguousarray(img[::step, ::step])


def run_ncst(*args: str, cwd: Path | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run ``python -m ncst_bridge ARGS`` as a user would; returns the completed process."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run([sys.executable, "-m", "ncst_bridge", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


def assert_one_line_error(proc: subprocess.CompletedProcess, *needles: str) -> None:
    """A user error: non-zero exit, exactly one line on stderr starting 'ncst:', no traceback."""
    assert proc.returncode != 0, proc.stdout + proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("ncst: "), proc.stderr
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr, proc.stderr
    for n in needles:
        assert n.lower() in lines[0].lower(), (n, lines[0])
