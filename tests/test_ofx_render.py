"""The OFX plug-in, loaded by the C test host, renders shared photos as ncst_bridge does.

Parameter path: float output within 1e-4 of apply_grade_numpy (f_P, sharpness included), 8/16-bit
within one code. LUT path: the plug-in's tetrahedral lookup of a `ncst bake` .cube equals what an
OCIO host does with the same file, and lands within 0.5 ΔE2000 (p99) of the direct render.
Every host behaviour (tiles, strides, origins, threads, depths, RGB) gives the same pixels.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from ncst_bridge.io.fidelity import delta_e, summarise
from ncst_bridge.grade.grade import apply_grade_numpy, colour_grade_numpy
from ofx_support import (CREATIVE_LUTS, MODE_LUT, MODE_LUT_TRIMS, MODE_PARAMS, PHOTOS, REPO, OfxHost,
                         creative_lut, cube_apply, ocio_tetrahedral, photo)

PARAM_SETS = {
    "all seven": {"brightness": 1.15, "contrast": 1.25, "gamma": 0.85, "hue": 25.0, "saturation": 1.3,
                  "sharpness": 1.6, "temperature": 0.35},
    "low extremes": {"brightness": 0.5, "contrast": 0.5, "gamma": 0.5, "hue": -180.0, "saturation": 0.0,
                     "sharpness": 0.0, "temperature": -1.0},
    "high extremes": {"brightness": 2.0, "contrast": 2.0, "gamma": 2.0, "hue": 179.5, "saturation": 2.0,
                      "sharpness": 2.0, "temperature": 1.0},
    "sharpness only": {"sharpness": 0.3},
    "hue only": {"hue": 90.0},
}
# LUT-path looks. LOOK clips blacks (contrast 1.2 puts a clamp kink inside the first lattice cells):
# a 33^3 LUT of it misses the direct render by ~1.6 ΔE2000 p99 on dark photos in any host (OCIO
# alike); the plug-in must add nothing to that. The other two are looks whose 33^3 LUT is accurate.
LOOK = {"brightness": 1.1, "contrast": 1.2, "gamma": 0.9, "hue": 20.0, "saturation": 1.3, "temperature": 0.3}
ACCURATE_LOOKS = {
    "soft": {"brightness": 1.1, "contrast": 0.9, "gamma": 1.1, "hue": -12.0, "saturation": 1.15, "temperature": -0.3},
    "warm": {"brightness": 0.95, "contrast": 1.05, "gamma": 1.05, "hue": 8.0, "saturation": 0.9, "temperature": 0.5},
}


@pytest.fixture(scope="module")
def photos():
    return {name: photo(name, long_side=96, seed=i) for i, name in enumerate(PHOTOS)}


@pytest.fixture(scope="module")
def host():
    with OfxHost() as h:
        yield h
        stats = h.stats()
        assert stats["violations"] == [] and stats["images_outstanding"] == 0, stats


@pytest.fixture
def inst(host):
    i = host.instance()
    yield i
    i.close()


def reference(img: np.ndarray, values: dict) -> np.ndarray:
    return apply_grade_numpy(img[..., :3].astype(np.float64), values)


@pytest.mark.parametrize("name", list(PARAM_SETS))
def test_float_parameter_path_matches_python(inst, photos, name, record_property):
    values = PARAM_SETS[name]
    inst.set_mode(MODE_PARAMS)
    inst.set_params(values)
    worst = 0.0
    for img in photos.values():
        out = inst.render(img, tile=(41, 23))  # tiles smaller than the image, strict RoI
        worst = max(worst, float(np.abs(out[..., :3] - reference(img, values)).max()))
        np.testing.assert_array_equal(out[..., 3], img[..., 3])  # alpha passes through
    record_property("max_abs_diff", worst)
    print(f"\n{name}: max |plugin - apply_grade_numpy| = {worst:.3g} over {len(photos)} photos")
    assert worst <= 1e-4


def test_every_host_behaviour_gives_the_same_pixels(host, inst, photos):
    img = photos[PHOTOS[0]]
    inst.set_params(PARAM_SETS["all seven"])
    ref = inst.render(img)
    variants = {
        "tiles 17x13": dict(tile=(17, 13)),
        "one-row tiles, 3 host threads": dict(tile=(img.shape[1], 1), host_threads=3),
        "negative row bytes + padding": dict(negative_rows=True, row_pad=20),
        "origin (-7, 11), tiles": dict(origin=(-7, 11), tile=(30, 30)),
        "whole source for every tile": dict(tile=(25, 9), full_source=True),
        "IsIdentity asked first": dict(call_identity=True),
    }
    for what, kw in variants.items():
        np.testing.assert_array_equal(inst.render(img, **kw), ref, err_msg=what)
    general = host.instance("general")
    general.set_params(PARAM_SETS["all seven"])
    np.testing.assert_array_equal(general.render(img, tile=(20, 20)), ref)
    general.close()
    rgb = np.ascontiguousarray(img[..., :3])
    np.testing.assert_array_equal(inst.render(rgb, tile=(33, 17)), ref[..., :3])


def test_a_minimal_host_gives_the_same_pixels(photos):
    """Float only, no multithread suite, message suite v1, no image RoD property, no OfxSetHost."""
    img = photos[PHOTOS[1]]
    values = PARAM_SETS["all seven"]
    with OfxHost(depths=4, threads=0, message_v2=False, image_rod_prop=False, call_set_host=False) as h:
        i = h.instance()
        i.set_params(values)
        out = i.render(img, tile=(10, 40))
        assert h.stats()["suites"]["multithread"] == 0
    assert np.abs(out[..., :3] - reference(img, values)).max() <= 1e-4


@pytest.mark.parametrize("depth", [8, 16])
@pytest.mark.parametrize("name", ["all seven", "high extremes"])
def test_integer_depths_within_one_code(inst, photos, depth, name):
    top, dtype = (255, np.uint8) if depth == 8 else (65535, np.uint16)
    values = PARAM_SETS[name]
    inst.set_params(values)
    for img in photos.values():
        src = np.rint(img * top).astype(dtype)
        out = inst.render(src, tile=(31, 31), negative_rows=True)
        want = np.rint(reference(src / top, values) * top)
        assert np.abs(out[..., :3].astype(np.int64) - want).max() <= 1
        np.testing.assert_array_equal(out[..., 3], src[..., 3])


# --- the LUT path --------------------------------------------------------------------------------

def bake(folder, values: dict, size: int | None = None, subprocess_cli: bool = False):
    """`ncst bake params.json -o DIR` (in a subprocess, or through the same CLI entry in-process)."""
    folder.mkdir(parents=True, exist_ok=True)
    params_json = folder / "params.json"
    params_json.write_text(json.dumps({"format": "ncst-look/1", "params": values}))
    out = folder / "look"
    args = ["bake", str(params_json), "-o", str(out)] + (["--size", str(size)] if size else [])
    if subprocess_cli:
        subprocess.run([sys.executable, "-m", "ncst_bridge", *args], check=True, capture_output=True,
                       env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})
    else:
        from ncst_bridge.cli import main

        assert main(args) == 0
    return out


@pytest.fixture(scope="module")
def baked(tmp_path_factory):
    return bake(tmp_path_factory.mktemp("bake"), LOOK, subprocess_cli=True)


def lut_render(inst, cube, img, mode=MODE_LUT):
    inst.set_mode(mode)
    inst.set_string("lutFile", str(cube))
    assert inst.message() is None, inst.message()
    return inst.render(img, tile=(50, 35))


def test_lut_mode_matches_ocio_tetrahedral(inst, photos, baked, record_property):
    worst = 0.0
    for img in photos.values():
        out = lut_render(inst, baked / "look.cube", img)
        host_way = ocio_tetrahedral(baked / "look.cube", img[..., :3])
        worst = max(worst, float(np.abs(out[..., :3] - host_way).max()))
        np.testing.assert_array_equal(out[..., 3], img[..., 3])
    record_property("max_abs_diff_vs_ocio", worst)
    print(f"\nLUT mode vs OCIO tetrahedral on look.cube: max abs diff {worst:.3g}")
    assert worst <= 1e-5


def _lut_delta_e(inst, cube, photos, values):
    plugin, host = [], []
    for img in photos.values():
        out = lut_render(inst, cube, img)
        direct = colour_grade_numpy(img[..., :3].astype(np.float64), values).reshape(-1, 3)
        plugin.append(delta_e(direct, out[..., :3].reshape(-1, 3).astype(np.float64)))
        host.append(delta_e(direct, ocio_tetrahedral(cube, img[..., :3]).reshape(-1, 3).astype(np.float64)))
    return summarise(np.concatenate(plugin)), summarise(np.concatenate(host))


@pytest.mark.parametrize("look", list(ACCURATE_LOOKS))
def test_lut_mode_delta_e_against_the_direct_render(inst, photos, tmp_path, look, record_property):
    values = ACCURATE_LOOKS[look]
    stats, _ = _lut_delta_e(inst, bake(tmp_path, values) / "look.cube", photos, values)
    record_property("delta_e2000", stats)
    print(f"\n{look}: LUT mode ΔE2000 vs direct render: mean {stats['mean']:.4f} p99 {stats['p99']:.4f} "
          f"max {stats['max']:.4f}")
    assert stats["p99"] <= 0.5


def test_lut_mode_adds_no_error_beyond_the_lut_itself(inst, photos, baked, record_property):
    plugin, host = _lut_delta_e(inst, baked / "look.cube", photos, LOOK)
    record_property("delta_e2000_plugin", plugin)
    record_property("delta_e2000_ocio", host)
    print(f"\nblack-clipping look, 33^3: ΔE2000 p99 plug-in {plugin['p99']:.4f}, OCIO {host['p99']:.4f} "
          f"(max {plugin['max']:.4f} / {host['max']:.4f})")
    for key in ("mean", "p99", "max"):
        assert abs(plugin[key] - host[key]) <= 1e-3, key


def test_lut_then_trims_matches_python(inst, photos, baked):
    trims = {"brightness": 1.1, "saturation": 0.8, "hue": -15.0, "sharpness": 1.4}
    inst.set_params(trims)
    for img in photos.values():
        out = lut_render(inst, baked / "look.cube", img, mode=MODE_LUT_TRIMS)
        after_lut = ocio_tetrahedral(baked / "look.cube", img[..., :3]).astype(np.float64)
        assert np.abs(out[..., :3] - apply_grade_numpy(after_lut, trims)).max() <= 1e-4
    inst.set_params({})


def test_lut_size_2_matches_ocio(inst, photos, tmp_path):
    look = bake(tmp_path, LOOK, size=2)
    img = photos[PHOTOS[2]]
    out = lut_render(inst, look / "look.cube", img)
    assert np.abs(out[..., :3] - ocio_tetrahedral(look / "look.cube", img[..., :3])).max() <= 1e-5


@pytest.mark.parametrize("name", CREATIVE_LUTS)
def test_shared_creative_luts_match_ocio(inst, photos, name):
    """Real-world .cube files: Photon (DOMAIN lines, comments), 16^3 and Resolve 33^3 exports."""
    cube = creative_lut(name)
    rng = np.random.default_rng(3)
    colours = np.concatenate([rng.random((20000, 3)), np.linspace(0, 1, 256)[:, None].repeat(3, 1)])
    assert np.abs(cube_apply(cube, colours) - ocio_tetrahedral(cube, colours)).max() <= 1e-5
    img = photos[PHOTOS[0]]
    out = lut_render(inst, cube, img)
    assert np.abs(out[..., :3] - ocio_tetrahedral(cube, img[..., :3])).max() <= 1e-5


def test_cube_reader_matches_colour_science(tmp_path):
    """Lattice points read back as colour-science reads them (red fastest, [r, g, b] indexing)."""
    import colour

    for name in CREATIVE_LUTS[:2]:
        cube = creative_lut(name)
        table = colour.read_LUT(str(cube)).table
        n = table.shape[0]
        idx = np.stack(np.meshgrid(*[np.arange(n)] * 3, indexing="ij"), axis=-1).reshape(-1, 3)
        got = cube_apply(cube, idx / (n - 1))
        np.testing.assert_allclose(got, table[idx[:, 0], idx[:, 1], idx[:, 2]], rtol=0, atol=1e-6)
