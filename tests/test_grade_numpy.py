"""The NumPy grade (numpy_grade.py, used by bake/apply/exports without torch) is the torch f_P:
same outputs on random colours, images and parameters, every parameter; and the hand-written .cube
writer gives colour-science's bytes."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from conftest import photo

from ncst_bridge.grade import numpy_grade as ng
from ncst_bridge.grade.grade import apply_grade, cdl_part, colour_grade, residual_part
from ncst_bridge.grade.params import NAMES
from ncst_bridge.grade.sampling import random_params
from ncst_bridge.io.images import to_integer

TOL = 1e-9  # float64 both sides; differences are rounding order only


def _torch_colours(fn, rgb, params):
    t = torch.from_numpy(rgb.reshape(-1, 3).T.copy()).reshape(1, 3, -1, 1)
    with torch.no_grad():
        return fn(t, params).reshape(3, -1).T.numpy().reshape(rgb.shape)


@pytest.mark.parametrize("seed", range(8))
def test_colour_parts_match_torch_on_random_colours_and_params(seed):
    rng = np.random.default_rng(seed)
    params = random_params(rng)
    rgb = rng.uniform(-0.2, 1.2, (4000, 3))  # outside [0, 1] too: both clamp
    rgb[:50] = rng.integers(0, 2, (50, 3))  # cube corners: 0 ** p, clamps
    for np_fn, t_fn in ((ng.cdl_part_numpy, cdl_part), (ng.residual_numpy, residual_part),
                        (ng.colour_grade_numpy, colour_grade)):
        np.testing.assert_allclose(np_fn(rgb, params), _torch_colours(t_fn, rgb, params), rtol=0, atol=TOL)


@pytest.mark.parametrize("name", NAMES)
def test_each_parameter_alone_matches_torch(name):
    rng = np.random.default_rng(1)
    img = rng.random((9, 11, 3))
    for _ in range(4):
        params = random_params(rng, names=[name])
        t = torch.from_numpy(img).permute(2, 0, 1)[None]
        with torch.no_grad():
            want = apply_grade(t, params)[0].permute(1, 2, 0).numpy()
        np.testing.assert_allclose(ng.apply_grade_numpy(img, params), want, rtol=0, atol=TOL)


@pytest.mark.parametrize("seed", range(4))
def test_whole_grade_with_sharpness_matches_torch_on_images(seed):
    rng = np.random.default_rng(100 + seed)
    params = random_params(rng)
    img = rng.random((17 + seed, 23, 3))
    t = torch.from_numpy(img).permute(2, 0, 1)[None]
    with torch.no_grad():
        want = apply_grade(t, params)[0].permute(1, 2, 0).numpy()
        colour_only = apply_grade(t, params, spatial=False)[0].permute(1, 2, 0).numpy()
    np.testing.assert_allclose(ng.apply_grade_numpy(img, params), want, rtol=0, atol=TOL)
    np.testing.assert_allclose(ng.apply_grade_numpy(img, params, spatial=False), colour_only, rtol=0, atol=TOL)


def test_tiny_images_keep_sharpness_off_like_torch():
    img = np.random.default_rng(2).random((2, 5, 3))
    params = {"sharpness": 2.0}
    t = torch.from_numpy(img).permute(2, 0, 1)[None]
    with torch.no_grad():
        want = apply_grade(t, params)[0].permute(1, 2, 0).numpy()
    np.testing.assert_allclose(ng.apply_grade_numpy(img, params), want, rtol=0, atol=TOL)


def test_unknown_parameter_is_refused_like_torch():
    with pytest.raises(KeyError):
        ng.colour_grade_numpy(np.zeros((1, 3)), {"bogus": 1.0})


def _codes_of_photo(depth: int, seed: int) -> np.ndarray:
    """A real photo as (H, W, 3) codes: 8-bit as stored, or 16-bit with random low bits."""
    from ncst_bridge.io.images import read_stored

    px, _info = read_stored(photo(seed))
    if depth == 8:
        return px
    low = np.random.default_rng(seed).integers(0, 257, px.shape)
    return (px.astype(np.uint32) * 257 + low).clip(0, 65535).astype(np.uint16)


@pytest.mark.parametrize("in_depth", [8, 16])
@pytest.mark.parametrize("seed", range(3))
def test_code_grade_gives_the_codes_of_the_float64_grade(in_depth, seed):
    """The still fast path (a table per code, then blocks of rows) against the float64 grade rounded, on
    real photos: the same codes (a 1-code difference allowed only at an exact half code, 1e-16 away)."""
    params = random_params(np.random.default_rng(200 + seed), names=[n for n in NAMES if n != "sharpness"])
    codes = _codes_of_photo(in_depth, seed)
    levels = np.arange(1 << in_depth) / ((1 << in_depth) - 1.0)
    exact = ng.colour_grade_numpy(levels[codes], params)
    for depth in (8, 16):
        want = to_integer(exact, depth).astype(np.int64)
        got = ng.colour_grade_codes(codes, levels, params, depth)
        assert got.dtype == (np.uint8 if depth == 8 else np.uint16)
        diff = np.abs(got.astype(np.int64) - want)
        assert diff.max() <= 1 and (diff > 0).mean() < 1e-5


def test_code_grade_of_a_neutral_look_gives_the_codes_back():
    codes = _codes_of_photo(8, 0)
    levels = np.arange(256) / 255.0
    np.testing.assert_array_equal(ng.colour_grade_codes(codes, levels, {}, 8), codes)
    np.testing.assert_array_equal(ng.colour_grade_codes(codes, levels, {}, 16), codes.astype(np.uint16) * 257)


def test_code_grade_refuses_what_it_cannot_grade():
    codes = np.zeros((4, 4, 3), np.uint8)
    with pytest.raises(ValueError):
        ng.colour_grade_codes(codes.astype(np.float32), np.zeros(256), {}, 8)
    with pytest.raises(ValueError):
        ng.colour_grade_codes(codes, np.zeros(100), {}, 8)
    with pytest.raises(ValueError):
        ng.colour_grade_codes(codes, np.zeros(256), {}, 10)


def test_cube_writer_gives_colour_science_bytes(tmp_path):
    colour = pytest.importorskip("colour")
    from ncst_bridge.io.cube import write_cube

    rng = np.random.default_rng(3)
    for n in (2, 5, 17):
        table = rng.random((n, n, n, 3))
        table[0, 0, 0] = [-0.0, 1e-9, 0.4999995]
        ours = write_cube(table, tmp_path / f"ours{n}.cube", 'A "look"', comments=["one", "two words"])
        theirs = tmp_path / f"theirs{n}.cube"
        colour.write_LUT(colour.LUT3D(table=table, name="A 'look'", comments=["one", "two words"]),
                         str(theirs), decimals=6, method="Iridas Cube")
        assert ours.read_bytes() == theirs.read_bytes()
