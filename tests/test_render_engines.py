"""Render engines: OCIO and torch agree within one 8-bit code, the sharpness fast path equals f_P's,
the torch LUT interpolators equal colour-science's, and both stay close to the direct f_P."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

from _video_clips import VTEST, source_frames
from ncst_bridge.errors import NcstError
from ncst_bridge.grade.grade import apply_grade_numpy, sharpness_part
from ncst_bridge.grade.lut import bake_look
from ncst_bridge.render.engines import OcioEngine, TorchEngine, make_engine, sharpen
from ncst_bridge.render.lut_torch import apply_lut3d, apply_lut3d_colours

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import colour

LOOKS = {
    "warm_punch": dict(brightness=1.1, contrast=1.2, gamma=0.9, saturation=1.3, temperature=0.4),
    "cool_hue_soft": dict(brightness=0.9, contrast=0.8, gamma=1.2, hue=-25.0, saturation=0.7,
                          temperature=-0.5, sharpness=0.3),
    "sharp_hue": dict(contrast=1.4, hue=40.0, saturation=1.6, sharpness=2.0),
    "neutral": {},
}


@pytest.fixture(scope="module")
def frame():
    """A real frame of the bundled sample clip."""
    return source_frames(VTEST, 1, (384, 288))[0]


def _cube_image(n=64):
    """All n^3 colours of a regular grid over the 8-bit cube, as an image."""
    ax = np.linspace(0, 255, n).round().astype(np.uint8)
    r, g, b = np.meshgrid(ax, ax, ax, indexing="ij")
    return np.stack([r, g, b], -1).reshape(n * n, n, 3)


def _torch_sharp(img: np.ndarray, s: float) -> np.ndarray:
    t = torch.from_numpy(img.astype(np.float64)).permute(2, 0, 1)[None]
    return sharpness_part(t, s)[0].permute(1, 2, 0).numpy()


@pytest.mark.parametrize("s", [0.0, 0.3, 1.0, 1.7, 2.0])
def test_sharpen_fast_path_equals_f_p(s):
    rng = np.random.default_rng(3)
    x = rng.random((41, 57, 3)).astype(np.float32)
    ref = _torch_sharp(x, s)
    assert np.abs(sharpen(x, s) - ref).max() < 1e-6
    x16 = (x * 65535).round().astype(np.uint16)
    ref16 = _torch_sharp(x16 / 65535.0, s)
    assert np.abs(sharpen(x16, s) / 65535.0 - ref16).max() * 65535 <= 1.0  # one 16-bit unit
    assert np.abs(sharpen(x16, s, out_dtype=np.uint8) - ref16 * 255).max() <= 0.51
    x8 = (x * 255).round().astype(np.uint8)  # 8-bit box mean is rounded too: within one code
    assert np.abs(sharpen(x8, s) - _torch_sharp(x8 / 255.0, s) * 255).max() <= 1.0


def test_sharpen_leaves_tiny_images_and_borders():
    tiny = np.random.default_rng(0).random((2, 5, 3)).astype(np.float32)
    assert np.array_equal(sharpen(tiny, 2.0), tiny)
    img = np.random.default_rng(1).random((10, 12, 3)).astype(np.float32)
    out = sharpen(img, 0.0)
    for sl in (np.s_[0], np.s_[-1], np.s_[:, 0], np.s_[:, -1]):
        assert np.array_equal(out[sl], img[sl])


@pytest.mark.parametrize("interp,ref", [("tetrahedral", "table_interpolation_tetrahedral"),
                                        ("trilinear", "table_interpolation_trilinear")])
def test_torch_lut_equals_colour_science(interp, ref):
    table = bake_look(LOOKS["sharp_hue"], 17)
    x = np.random.default_rng(2).random((4000, 3))
    x[:8] = [[0, 0, 0], [1, 1, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0], [0.5, 0.5, 0.5], [1, 0, 1]]
    expected = colour.LUT3D(table=table).apply(x, interpolator=getattr(colour.algebra, ref))
    got = apply_lut3d_colours(torch.from_numpy(x), torch.from_numpy(table), interp).numpy()
    assert np.abs(got - expected).max() < 1e-9
    img = torch.from_numpy(x.reshape(1, 40, 100, 3)).permute(0, 3, 1, 2)
    chunked = apply_lut3d(img, torch.from_numpy(table), interp, chunk=999)
    assert torch.allclose(chunked.permute(0, 2, 3, 1).reshape(-1, 3), torch.from_numpy(got), atol=1e-12)


def test_ocio_lattice_layout_matches_colour_science():
    eng = OcioEngine(LOOKS["cool_hue_soft"] | {"sharpness": 1.0})
    x = np.random.default_rng(4).random((3000, 3)).astype(np.float32)
    expected = colour.LUT3D(table=eng.lattice).apply(x.astype(np.float64),
                                                     interpolator=colour.algebra.table_interpolation_tetrahedral)
    got = eng.apply_float(x.reshape(30, 100, 3)).reshape(-1, 3)
    assert np.abs(got - expected).max() < 1e-6


@pytest.mark.parametrize("look", list(LOOKS))
def test_engines_agree_within_one_code(frame, look):
    params = LOOKS[look]
    ocio, tch = OcioEngine(params), TorchEngine(params, device="cpu")
    for img in (frame, _cube_image()):
        a, b = ocio.apply(img), tch.apply(img)
        assert a.dtype == b.dtype == np.uint8 and a.shape == img.shape
        assert np.abs(a.astype(int) - b).max() <= 1
    deep = np.multiply(frame, 257, dtype=np.uint16)
    a16, b16 = ocio.apply(deep), tch.apply(deep)
    assert a16.dtype == np.uint16 and np.abs(a16.astype(int) - b16).max() <= 257  # one 8-bit code


@pytest.mark.parametrize("look", ["warm_punch", "cool_hue_soft", "sharp_hue"])
def test_engine_close_to_direct_f_p(frame, look):
    """The LUT engine vs f_P rendered directly (float64, no LUT): the 33^3 interpolation error only
    (the same error look.cube has in any host; see the bundle's fidelity report)."""
    params = LOOKS[look]
    direct = np.rint(apply_grade_numpy(frame / 255.0, params) * 255)
    got = OcioEngine(params).apply(frame)
    err = np.abs(got - direct)
    assert err.mean() < 0.35
    assert np.percentile(err, 99) <= 2
    assert err.max() <= 8


def test_apply_does_not_touch_its_input(frame):
    before = frame.copy()
    OcioEngine(LOOKS["warm_punch"]).apply(frame)
    TorchEngine(LOOKS["sharp_hue"], device="cpu").apply(frame)
    assert np.array_equal(frame, before)


def test_make_engine_choices():
    auto = make_engine(LOOKS["neutral"], "auto")
    assert auto.name == ("torch" if torch.cuda.is_available() else "ocio")
    assert make_engine({}, "torch", device="cpu").name == "torch"
    with pytest.raises(NcstError, match="unknown engine"):
        make_engine({}, "vulkan")


def _settings(**spaces):
    import argparse

    from ncst_bridge.colour.options import colour_settings

    ns = dict(input_space=None, reference_space=None, output_space=None, ocio_config=None)
    ns.update(spaces)
    return colour_settings(argparse.Namespace(**ns))


@pytest.mark.parametrize("spaces", [{"input_space": "ACEScct"},
                                    {"input_space": "ACEScct", "output_space": "ACEScct"}])
@pytest.mark.parametrize("look", ["warm_punch", "sharp_hue"])
def test_colour_managed_engines_follow_the_direct_path(frame, spaces, look):
    """--input-space/--output-space: exact to_working (clipped) -> lattice -> sharpen -> from_working."""
    cs = _settings(**spaces)
    params = LOOKS[look]
    x = cs.input_to_working(frame / 255.0)
    direct = np.rint(np.clip(cs.working_to_output(apply_grade_numpy(x, params)), 0, 1) * 255)
    ocio, tch = OcioEngine(params, colour=cs), TorchEngine(params, device="cpu", colour=cs)
    assert ocio.managed and (ocio.post is not None) == ("output_space" in spaces)
    a, b = ocio.apply(frame), tch.apply(frame)
    assert np.abs(a.astype(int) - b).max() <= 1
    err = np.abs(a - direct)
    assert err.mean() < 0.35 and np.percentile(err, 99) <= 2  # the 33^3 lattice's own error, as above
    assert "from ACEScct" in ocio.describe()
