"""The OFX plug-in's behaviour in a host: identity, bad .cube files, reload, import look, threads.

Driven through the C test host (ncst_bridge/ofx/ofx_lut/tests/host) with ctypes; every test ends with the host's
strict checks: no protocol violations and every fetched image released.
"""

from __future__ import annotations

import json
import threading

import numpy as np
import pytest

from ncst_bridge.errors import NcstError
from ncst_bridge.grade.grade import apply_grade_numpy
from ncst_bridge.grade.params import GradeParams
from ofx_support import (MODE_LUT, MODE_LUT_TRIMS, MODE_PARAMS, PARAM_NAMES, PHOTOS, OfxHost, look_text,
                         ocio_tetrahedral, photo)

IDENTITY_2 = "LUT_3D_SIZE 2\n0 0 0\n1 0 0\n0 1 0\n1 1 0\n0 0 1\n1 0 1\n0 1 1\n1 1 1\n"
SWAP_2 = "LUT_3D_SIZE 2\n0 0 0\n0 1 0\n1 0 0\n1 1 0\n0 0 1\n0 1 1\n1 0 1\n1 1 1\n"  # swaps red and green


@pytest.fixture(scope="module")
def img():
    return photo(PHOTOS[0], long_side=64)


@pytest.fixture
def host():
    with OfxHost() as h:
        yield h
        stats = h.stats()
        assert stats["violations"] == [] and stats["images_outstanding"] == 0, stats


@pytest.fixture
def inst(host):
    return host.instance()


def test_neutral_parameters_are_identity(inst, img):
    info = {}
    out = inst.render(img, call_identity=True, info=info)
    assert info == {"identity_windows": 1, "render_calls": 0}
    np.testing.assert_array_equal(out, img)
    np.testing.assert_array_equal(inst.render(img, tile=(9, 9)), img)  # Render's own short-cut
    inst.set_double("saturation", 1.01)
    inst.render(img, call_identity=True, info=info)
    assert info["identity_windows"] == 0 and info["render_calls"] == 1


BAD_CUBES = {
    "missing": (None, "cannot open"),
    "truncated": ("LUT_3D_SIZE 2\n0 0 0\n1 0 0\n0 1 0\n", "truncated"),
    "non-numeric": (IDENTITY_2.replace("1 1 0", "1 one 0"), "line 5"),
    "NaN": (IDENTITY_2.replace("1 1 1", "1 nan 1"), "line 9"),
    "too many entries": (IDENTITY_2 + "0 0 0\n", "more than 8 entries"),
    "1D LUT": ("LUT_1D_SIZE 2\n0 0 0\n1 1 1\n", "1D"),
    "huge size": ("LUT_3D_SIZE 256\n0 0 0\n", "truncated"),
    "size 257": ("LUT_3D_SIZE 257\n", "outside 2..256"),
    "empty": ("", "no LUT_3D_SIZE"),
    "a folder": ("<dir>", "folder"),
}


@pytest.mark.parametrize("case", list(BAD_CUBES))
def test_bad_cube_leaves_the_picture_and_says_why(inst, img, tmp_path, case):
    text, reason = BAD_CUBES[case]
    path = tmp_path / "look.cube"
    if text == "<dir>":
        path.mkdir()
    elif text is not None:
        path.write_text(text)
    inst.set_mode(MODE_LUT)
    inst.set_string("lutFile", str(path))
    msg = inst.message()
    assert msg and reason in msg and str(path) in msg and "\n" not in msg, msg
    info = {}
    np.testing.assert_array_equal(inst.render(img, call_identity=True, info=info), img)
    assert info["identity_windows"] == 1
    np.testing.assert_array_equal(inst.render(img, tile=(20, 20)), img)  # a host that never asks IsIdentity
    inst.set_mode(MODE_LUT_TRIMS)
    inst.set_double("brightness", 1.5)
    np.testing.assert_array_equal(inst.render(img), img)  # output = input, trims included
    assert inst.message() == msg  # persistent until fixed
    if path.is_dir():
        path.rmdir()
    path.write_text(IDENTITY_2)
    inst.press("reloadLut")
    assert inst.message() is None
    inst.set_double("brightness", 1.0)
    out = inst.render(img)
    assert np.abs(out[..., :3] - np.clip(img[..., :3], 0, 1)).max() < 1e-6


def test_parameters_mode_clears_a_lut_error(inst, img, tmp_path):
    inst.set_mode(MODE_LUT)
    inst.set_string("lutFile", str(tmp_path / "nope.cube"))
    assert inst.message()
    inst.set_mode(MODE_PARAMS)
    assert inst.message() is None
    inst.set_mode(MODE_LUT)
    inst.set_string("lutFile", "")
    assert "no .cube file chosen" in inst.message()


def test_reload_reads_an_edited_file(inst, img, tmp_path):
    cube = tmp_path / "edit.cube"
    cube.write_text(IDENTITY_2)
    inst.set_mode(MODE_LUT)
    inst.set_string("lutFile", str(cube))
    before = inst.render(img)
    cube.write_text(SWAP_2)
    np.testing.assert_array_equal(inst.render(img), before)  # cached: same path, same version
    version = inst.get_int("lutVersion")
    inst.press("reloadLut")
    assert inst.get_int("lutVersion") == version + 1
    after = inst.render(img)
    np.testing.assert_allclose(after[..., 0], before[..., 1], atol=1e-6)
    np.testing.assert_allclose(after[..., 1], before[..., 0], atol=1e-6)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    from ncst_bridge.cli import main

    folder = tmp_path_factory.mktemp("look")
    (folder / "params.json").write_text(json.dumps({"format": "ncst-look/1", "params": {
        "brightness": 1.1, "contrast": 0.95, "gamma": 1.05, "hue": -14.0, "saturation": 1.2, "sharpness": 1.5,
        "temperature": 0.2}}))
    assert main(["bake", str(folder / "params.json"), "-o", str(folder / "bundle")]) == 0
    return folder / "bundle"


def test_import_look_sets_the_sliders(inst, img, bundle):
    params = GradeParams.load(str(bundle / "params.json"))
    inst.set_mode(MODE_PARAMS)
    inst.set_string("lookFile", str(bundle / "params.json"))
    assert inst.message() is None
    assert {n: inst.get_double(n) for n in PARAM_NAMES} == params.as_dict()
    out = inst.render(img, tile=(30, 20))
    assert np.abs(out[..., :3] - apply_grade_numpy(img[..., :3].astype(np.float64), params)).max() <= 1e-4


def test_import_look_in_a_lut_mode_does_not_grade_twice(inst, img, bundle):
    """The bundle's look.cube holds the colour part; only sharpness (spatial) goes to the sliders."""
    inst.set_mode(MODE_LUT_TRIMS)
    inst.set_double("gamma", 1.7)
    inst.set_string("lookFile", str(bundle))  # the bundle folder works as well as its params.json
    assert inst.get_string("lutFile") == str(bundle / "look.cube")
    sharp = GradeParams.load(str(bundle / "params.json")).sharpness
    assert {n: inst.get_double(n) for n in PARAM_NAMES} == GradeParams(sharpness=sharp).as_dict()
    out = inst.render(img)
    after_lut = ocio_tetrahedral(bundle / "look.cube", img[..., :3]).astype(np.float64)
    assert np.abs(out[..., :3] - apply_grade_numpy(after_lut, {"sharpness": sharp})).max() <= 1e-4


def test_a_failed_import_changes_nothing(inst, tmp_path):
    inst.set_mode(MODE_PARAMS)
    inst.set_double("hue", 33.0)
    bad = tmp_path / "params.json"
    bad.write_text('{"format": "ncst-look/1", "params": {"hue": 500}}')
    inst.set_string("lookFile", str(bad))
    assert "outside its range" in inst.message()
    assert inst.get_double("hue") == 33.0
    inst.set_mode(MODE_LUT)
    inst.set_string("lookFile", str(tmp_path))  # a folder without params.json
    assert "cannot import look" in inst.message()
    good = tmp_path / "ok"
    good.mkdir()
    (good / "params.json").write_text('{"format": "ncst-look/1", "params": {"hue": 5}}')
    inst.set_string("lookFile", str(good))  # LUT mode needs the bundle's look.cube
    assert "look.cube" in inst.message()
    inst.set_mode(MODE_PARAMS)
    inst.press("importLook")
    assert inst.message() is None and inst.get_double("hue") == 5.0


DOCUMENTS = [
    '{"format": "ncst-look/1", "params": {"brightness": 1.2, "hue": -30}}',
    '{"format": "ncst-look/1"}',
    '{"format": "ncst-look/1", "params": {}, "cdl": {"slope": [1, 2, 3]}, "x": [null, true, "\\u00e9"]}',
    '{"format": "ncst-look/1", "params": {"\\u0067amma": 0.75}}',
    '{"format": "ncst-look/1", "params": {"gamma": 0.7, "gamma": 0.8}}',
    '{"format": "ncst-look/1", "params": {"sharpness": 2, "saturation": 0, "temperature": -1}}',
    '{"format": "ncst-look/2", "params": {}}',
    '{"params": {"hue": 1}}',
    '{"format": "ncst-look/1", "params": [1]}',
    '{"format": "ncst-look/1", "params": {"tint": 0.1}}',
    '{"format": "ncst-look/1", "params": {"hue": 180.5}}',
    '{"format": "ncst-look/1", "params": {"gamma": true}}',
    '{"format": "ncst-look/1", "params": {"gamma": "1"}}',
    '{"format": "ncst-look/1", "params": {"gamma": NaN}}',
    '{"format": "ncst-look/1", "params": {"gamma": Infinity}}',
    '{"format": "ncst-look/1", "params": {"gamma": null}}',
    '[{"format": "ncst-look/1"}]',
    '{"format": "ncst-look/1", "params": {"gamma": 1}',
    '{"format": "ncst-look/1", "params": {"gamma": 01}}',
    '"ncst-look/1"',
]


@pytest.mark.parametrize("doc", DOCUMENTS)
def test_json_reader_agrees_with_python(doc):
    """The plug-in accepts exactly what GradeParams.from_json_obj accepts, with the same values."""
    try:
        want = GradeParams.from_json_obj(json.loads(doc)).as_dict()
    except (NcstError, json.JSONDecodeError):
        want = None
    got, reason = look_text(doc)
    if want is None:
        assert got is None and reason, doc
    else:
        assert got is not None, reason
        assert dict(zip(PARAM_NAMES, got.tolist())) == want


def test_concurrent_renders_from_python_threads(host, img):
    """Two instances, four host threads rendering tiles at once (ctypes drops the GIL)."""
    a, b = host.instance(), host.instance()
    a.set_params({"hue": 40.0, "sharpness": 1.8, "contrast": 1.3})
    b.set_params({"temperature": -0.7, "sharpness": 0.2, "saturation": 1.6})
    want = {id(a): a.render(img), id(b): b.render(img)}
    errors = []

    def work(inst):
        for _ in range(3):
            out = inst.render(img, tile=(13, 11), host_threads=2)
            if not np.array_equal(out, want[id(inst)]):
                errors.append("mismatch")

    threads = [threading.Thread(target=work, args=(i,)) for i in (a, b, a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert host.stats()["max_threads"] >= 2  # rows were split over the multithread suite


def test_v1_message_host_gets_a_transient_message(img, tmp_path):
    with OfxHost(message_v2=False) as h:
        inst = h.instance()
        inst.set_mode(MODE_LUT)
        inst.set_string("lutFile", str(tmp_path / "gone.cube"))
        count, text = inst.last_message()
        assert count >= 1 and "gone.cube" in text
        np.testing.assert_array_equal(inst.render(img), img)
        assert inst.last_message()[0] == count  # rendering never pops a dialog
        assert h.stats()["violations"] == []


def test_lifecycle_actions_are_all_made(img):
    with OfxHost() as h:
        inst = h.instance()
        inst.set_double("gamma", 1.2)
        inst.render(img, call_identity=True)
        inst.close()
        actions = h.stats()["actions"]
    for action in ("OfxActionLoad", "OfxActionDescribe", "OfxImageEffectActionDescribeInContext",
                   "OfxActionCreateInstance", "OfxActionInstanceChanged", "OfxImageEffectActionIsIdentity",
                   "OfxImageEffectActionGetRegionsOfInterest", "OfxImageEffectActionRender",
                   "OfxActionDestroyInstance"):
        assert actions.get(action, 0) >= 1, action
    assert actions["OfxImageEffectActionDescribeInContext"] == 2
