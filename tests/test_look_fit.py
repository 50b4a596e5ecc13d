"""match/look_fit and look_stats in NumPy: its grade is the product's grade, its gradient is the objective's, and a
match whose reference shows other content runs without importing torch."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from conftest import REPO
from ncst_bridge.grade.numpy_grade import colour_grade_numpy
from ncst_bridge.io.delta_e import srgb_to_lab
from ncst_bridge.match import look_fit, look_stats


@pytest.fixture(scope="module")
def model():
    return look_fit.load()


def test_batched_grade_is_colour_grade_numpy():
    rng = np.random.default_rng(0)
    pts = rng.random((500, 3)).astype(np.float32)
    u = rng.normal(0.0, 0.6, (5, 6))
    u[0] = 0.0  # neutral
    graded = look_stats.grade_points(pts, u)
    for k in range(len(u)):
        params = {name: float(v[k]) for name, v in look_stats.u_values(u).items()}
        np.testing.assert_allclose(graded[k], colour_grade_numpy(pts, params), rtol=0, atol=1e-12)


def test_statistics_are_what_they_say():
    rng = np.random.default_rng(1)
    pts = rng.random((1001, 3))
    f = look_stats.features(pts)
    lab = srgb_to_lab(pts) / 100.0
    assert f.shape == (45,)
    assert f[4] == pytest.approx(np.sort(lab[:, 0])[500])  # the median L
    np.testing.assert_allclose(f[22:24], lab[:, 1:].mean(0))  # overall a, b
    np.testing.assert_allclose(f[24:33].reshape(3, 3)[1], np.sort(pts, 0)[500])  # RGB medians
    assert f[33:].sum() == pytest.approx(1.0, abs=1e-6)  # the hue histogram sums to one
    np.testing.assert_allclose(look_stats.features(np.stack([pts, pts[::-1]])), np.stack([f, f]), atol=1e-12)


def test_gradient_is_the_objectives(model):
    """The hand-written backward pass against central differences of the same objective."""
    rng = np.random.default_rng(2)
    pts = rng.random((800, 3)).astype(np.float32)
    fr = look_stats.features(rng.random((800, 3)) ** 1.4)
    u = rng.normal(0.0, 0.4, (3, 6))
    _, _, grad = model.objective_and_gradient(pts, fr, u)
    h = 1e-6
    fd = np.zeros_like(u)
    for j in range(6):
        d = np.zeros(6)
        d[j] = h
        fd[:, j] = (model.objective(pts, fr, u + d)[0] - model.objective(pts, fr, u - d)[0]) / (2 * h)
    np.testing.assert_allclose(grad, fd, rtol=1e-5, atol=1e-5 * np.abs(fd).max())


def test_the_look_fit_never_imports_torch(tmp_path):
    """torch's import is a second or more of start-up: ``--solver look`` on a reference of other content
    does not pay it (auto runs the NCST network there, which needs it)."""
    code = (
        "import sys\n"
        "from ncst_bridge.cli import main\n"
        f"rc = main(['match', {str(REPO / 'samples' / 'clip.mp4')!r}, '--reference', "
        f"{str(REPO / 'samples' / 'reference.jpg')!r}, '-o', {str(tmp_path / 'look')!r}, '--keyframes', '2', '--solver', 'look'])\n"
        "assert rc == 0, rc\n"
        "loaded = [m for m in ('torch', 'colour', 'torchvision') if m in sys.modules]\n"
        "assert not loaded, loaded\n"
    )
    r = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    assert (tmp_path / "look" / "report.json").is_file()
