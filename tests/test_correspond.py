"""Same-scene registration: finds the overlap of two crops under a strong grade, declines other scenes."""

import numpy as np
import pytest

from conftest import photo, shared_images
from ncst_bridge.grade.grade import colour_grade_numpy
from ncst_bridge.grade.params import GradeParams
from ncst_bridge.io.images import read_image
from ncst_bridge.match.correspond import find_alignment, register
from ncst_bridge.match.pipeline import fit_size

LOOK = GradeParams(contrast=1.5, hue=70, saturation=1.6, temperature=-0.6, gamma=1.3)


def crops(path):
    img = fit_size(read_image(path), 400).astype(np.float64)
    h, w = img.shape[:2]
    a = img[: int(0.75 * h), : int(0.75 * w)]
    b = img[h - int(0.75 * h):, w - int(0.75 * w):]
    return a, b, (w - int(0.75 * w), h - int(0.75 * h))


@pytest.mark.parametrize("index", [0, 7, 14, 21])
def test_registers_two_crops_of_one_photo_under_a_strong_grade(index):
    a, b, (dx, dy) = crops(photo(index))
    found = find_alignment(a, colour_grade_numpy(b, LOOK))
    assert found is not None
    h, info = found
    # b's origin lies at (dx, dy) in a's frame: the homography maps (0, 0) there
    origin = h @ np.array([0.0, 0.0, 1.0])
    assert np.allclose(origin[:2] / origin[2], [dx, dy], atol=2.0), (origin, dx, dy, info)
    pairs = register(a, colour_grade_numpy(b, LOOK))
    expected = colour_grade_numpy(pairs.content, LOOK)
    assert np.median(np.abs(expected - pairs.reference)) < 0.01


def test_declines_different_scenes():
    photos = shared_images()  # needs many different scenes: skips without the shared photos
    hits = 0
    for i in range(0, 40, 5):
        a = fit_size(read_image(photos[i]), 320).astype(np.float64)
        b = fit_size(read_image(photos[i + 2]), 320).astype(np.float64)
        hits += register(a, b) is not None
    assert hits == 0


def _flatten_luma(img):
    """A look that keeps each pixel's chroma and sets every luminance to 0.5: the luminance test sees
    nothing (a constant), the reference's colour is still a function of the content's."""
    y = img @ np.array([0.2126, 0.7152, 0.0722])
    return np.clip(0.5 + 0.8 * (img - y[..., None]), 0.0, 1.0)


def test_colour_test_registers_what_luminance_cannot():
    a = fit_size(read_image(photo(3)), 320).astype(np.float64)
    found = find_alignment(a, _flatten_luma(a))
    assert found is not None
    h, info = found
    assert info["test"] == "colour" and info["method"] == "identity", info
    assert info["explained"] > 0.75 and info["explained"] - info["decoy_explained"] > 0.1, info


def test_colour_test_declines_other_content():
    img = fit_size(read_image(photo(3)), 320).astype(np.float64)
    w = img.shape[1] // 2
    left, right = img[:, :w], img[:, img.shape[1] - w:]
    assert find_alignment(left, _flatten_luma(right)) is None
    assert find_alignment(right, _flatten_luma(left)) is None
