"""Shared fixtures: paths to the shared real test data, small images, and a CLI runner."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]


def _find_shared_data() -> tuple[Path | None, str]:
    """The project's shared real test data (photos, clips, creative LUTs; licences in its MANIFEST.md).

    ``$NCST_SHARED_DATA`` when set (set it to a missing folder to hide the data), else ``../shared/data``
    beside the checkout. It only widens what runs: without it the tests use the bundled samples
    (samples/clip.mp4, samples/reference.jpg) and generated images, and the few tests that need more
    skip, saying why. Returns (folder or None, the reason it is missing).
    """
    env = os.environ.get("NCST_SHARED_DATA")
    path = Path(env) if env else REPO.parent / "shared" / "data"
    if (path / "images").is_dir():
        return path, ""
    where = f"NCST_SHARED_DATA={env}" if env else f"{path} (set NCST_SHARED_DATA to its folder)"
    return None, f"the project's shared test data is not available (no images/ under {where})"


SHARED, SHARED_MISSING = _find_shared_data()
SAMPLE_CLIP = REPO / "samples" / "clip.mp4"  # first 8 s of OpenCV's vtest.avi, the same file as the shared copy
SAMPLE_STILL = REPO / "samples" / "reference.jpg"


def shared_path(*parts: str) -> Path:
    """A file or folder of the shared data; skips the calling test (with the reason) when it is absent."""
    if SHARED is None:
        pytest.skip(SHARED_MISSING)
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is not in the shared test data")
    return path


def shared_file(*parts: str) -> Path | None:
    """Like ``shared_path`` but returns None instead of skipping (for module-level parametrisation)."""
    if SHARED is None:
        return None
    path = SHARED.joinpath(*parts)
    return path if path.exists() else None


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The shared data folder; a test that asks for it skips when it is absent."""
    return shared_path()


def shared_images(n: int | None = None) -> list[Path]:
    """The shared photos (sorted); skips the calling test when they are absent."""
    paths = sorted(shared_path("images").glob("*.jpg"))
    if not paths:
        pytest.skip(f"no photos in {SHARED / 'images'}")
    return paths[:n] if n else paths


def photos() -> list[Path]:
    """Real photos for tests that need some: the shared ones, else the bundled sample still (never empty)."""
    if SHARED is not None:
        paths = sorted((SHARED / "images").glob("*.jpg"))
        if paths:
            return paths
    return [SAMPLE_STILL]


def photo(index: int) -> Path:
    """``photos()[index]``, wrapping around where fewer photos are available."""
    paths = photos()
    return paths[index % len(paths)]


@pytest.fixture(scope="session")
def small_photo() -> np.ndarray:
    """A real photo downscaled to about 160 px wide, float64 RGB in [0, 1]."""
    from ncst_bridge.io.images import read_image

    img = read_image(photo(0))
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
