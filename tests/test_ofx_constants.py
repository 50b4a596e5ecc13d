"""The OFX plug-in's constants and parameter descriptors equal ncst_bridge's (they cannot drift).

ncst_bridge/ofx/ofx_lut/src/ncst_params.h is the one place for the C constants; this parses it, asks the compiled
core for the values it actually uses (ncst_bridge/ofx/ofx_lut/tests/probe.c), and lints what the plug-in describes
to a host (names, defaults, ranges, display ranges) against ncst_bridge.grade.params.PARAMS.
"""

from __future__ import annotations

import ctypes
import re

import numpy as np
import pytest

from ncst_bridge.grade import cdl, grade, lut, params
from ofx_support import PARAM_NAMES, REPO, OfxHost, as_ptr, probe

HEADER = REPO / "ncst_bridge" / "ofx" / "ofx_lut" / "src" / "ncst_params.h"


def parse_header() -> tuple[list[tuple[str, float, float, float]], dict[str, str]]:
    text = HEADER.read_text()
    rows = re.findall(r'X\(NCST_\w+, "(\w+)", ([-0-9.e]+), ([-0-9.e]+), ([-0-9.e]+), "', text)
    table = [(name, float(n), float(lo), float(hi)) for name, n, lo, hi in rows]
    defines = dict(re.findall(r"#define (NCST_[A-Z_]+) (\S+)", text))
    return table, defines


def test_header_parameter_table_equals_python_params():
    table, _ = parse_header()
    assert [row[0] for row in table] == list(params.PARAMS) == list(PARAM_NAMES)
    for name, neutral, lo, hi in table:
        spec = params.PARAMS[name]
        assert (neutral, lo, hi) == (spec.neutral, spec.lo, spec.hi), name


def test_header_grade_constants_equal_python():
    _, d = parse_header()
    assert float(d["NCST_PIVOT"]) == cdl.PIVOT
    assert float(d["NCST_TEMPERATURE_STOPS"]) == cdl.TEMPERATURE_STOPS
    assert (float(d["NCST_LUMA_R"]), float(d["NCST_LUMA_G"]), float(d["NCST_LUMA_B"])) == cdl.LUMA
    total = float(d["NCST_SHARPEN_SUM"])
    kernel = np.full((3, 3), float(d["NCST_SHARPEN_SIDE"]))
    kernel[1, 1] = float(d["NCST_SHARPEN_CENTRE"])
    assert kernel.sum() == total
    np.testing.assert_array_equal(kernel / total, grade.SHARPEN_KERNEL)
    assert d["NCST_LOOK_FORMAT"] == f'"{params.FORMAT}"'
    # every LUT the Python baker can write is one the plug-in reads
    assert int(d["NCST_LUT_MIN_SIZE"]) <= lut.MIN_SIZE and int(d["NCST_LUT_MAX_SIZE"]) >= lut.MAX_SIZE
    assert (int(d["NCST_LUT_MIN_SIZE"]), int(d["NCST_LUT_MAX_SIZE"])) == (2, 256)


def test_compiled_core_uses_the_header_values():
    lib = probe()
    assert lib.ncst_probe_nparams() == len(params.PARAMS)
    for i, name in enumerate(params.PARAMS):
        n, lo, hi = ctypes.c_double(), ctypes.c_double(), ctypes.c_double()
        got = lib.ncst_probe_param(i, ctypes.byref(n), ctypes.byref(lo), ctypes.byref(hi))
        spec = params.PARAMS[name]
        assert got.decode() == name
        assert (n.value, lo.value, hi.value) == (spec.neutral, spec.lo, spec.hi)
    c = np.zeros(10)
    lib.ncst_probe_constants(as_ptr(c))
    assert tuple(c[:5]) == (cdl.PIVOT, cdl.TEMPERATURE_STOPS, *cdl.LUMA)
    assert c[5] / c[7] == grade.SHARPEN_KERNEL[0, 0] and c[6] / c[7] == grade.SHARPEN_KERNEL[1, 1]
    assert tuple(c[8:]) == (2, 256)


def test_hue_basis_equals_python_to_double_precision():
    a, b = np.zeros(9), np.zeros(9)
    probe().ncst_probe_hue_basis(as_ptr(a), as_ptr(b))
    np.testing.assert_allclose(a.reshape(3, 3), grade.HUE_A, rtol=0, atol=1e-15)
    np.testing.assert_allclose(b.reshape(3, 3), grade.HUE_B, rtol=0, atol=1e-15)


@pytest.mark.parametrize("values", [
    {"temperature": 0.7, "brightness": 1.3, "contrast": 0.8},
    {"gamma": 0.6, "saturation": 1.8, "hue": -75.0},
    {"brightness": 0.5, "contrast": 2.0, "gamma": 2.0, "hue": 180.0, "saturation": 0.0, "temperature": -1.0},
])
def test_c_colour_grade_equals_python(values):
    rng = np.random.default_rng(1)
    rgb = np.concatenate([rng.random((4000, 3)), rng.uniform(-0.2, 1.2, (500, 3)), np.eye(3), np.zeros((1, 3))])
    full = params.GradeParams(values).as_dict()
    vec = np.array([full[n] for n in PARAM_NAMES])
    out = np.empty_like(rgb)
    probe().ncst_probe_grade_colour(as_ptr(vec), as_ptr(rgb), as_ptr(out), len(rgb))
    np.testing.assert_allclose(out, grade.colour_grade_numpy(rgb, values), rtol=0, atol=1e-12)


@pytest.fixture(scope="module")
def described():
    with OfxHost() as host:
        yield host.describe()


def test_plugin_identity_and_effect_properties(described):
    assert described["plugin"] == {"identifier": "org.ncstbridge.ofx_lut", "api": "OfxImageEffectPluginAPI",
                                   "api_version": 1, "version": [1, 1]}
    eff = described["effect"]
    assert eff["OfxImageEffectPropSupportedContexts"] == ["OfxImageEffectContextFilter",
                                                          "OfxImageEffectContextGeneral"]
    assert set(eff["OfxImageEffectPropSupportedPixelDepths"]) == {"OfxBitDepthFloat", "OfxBitDepthShort",
                                                                  "OfxBitDepthByte"}
    assert eff["OfxImageEffectPluginRenderThreadSafety"] == ["OfxImageEffectRenderFullySafe"]
    assert eff["OfxImageEffectPropSupportsTiles"] == [1]
    assert eff["OfxImageEffectPluginPropHostFrameThreading"] == [0]
    # OFX 1.5.1: can render without spatial awareness (sharpness left out when the host asks)
    assert eff["OfxImageEffectPropNoSpatialAwareness"] == ["true"]
    assert set(described["contexts"]) == {"OfxImageEffectContextFilter", "OfxImageEffectContextGeneral"}


@pytest.mark.parametrize("context", ["OfxImageEffectContextFilter", "OfxImageEffectContextGeneral"])
def test_descriptor_parameters_equal_python(described, context):
    ctx = described["contexts"][context]
    assert set(ctx["clips"]) == {"Source", "Output"}
    for clip in ctx["clips"].values():
        assert clip["OfxImageEffectPropSupportedComponents"][0] == "OfxImageComponentRGBA"
    by_name = {p["name"]: p for p in ctx["params"]}
    assert len(by_name) == len(ctx["params"]), "parameter names are unique"
    for name, spec in params.PARAMS.items():
        p = by_name[name]
        props = p["props"]
        assert p["type"] == "OfxParamTypeDouble"
        assert props["OfxParamPropDefault"] == [spec.neutral]
        assert (props["OfxParamPropMin"], props["OfxParamPropMax"]) == ([spec.lo], [spec.hi])
        assert (props["OfxParamPropDisplayMin"], props["OfxParamPropDisplayMax"]) == ([spec.lo], [spec.hi])
        assert props["OfxParamPropScriptName"] == [name]
        assert props["OfxParamPropHint"][0]
    # Resolve clamps any numeric parameter lacking range or display range: every one has both
    for p in ctx["params"]:
        if p["type"] in ("OfxParamTypeDouble", "OfxParamTypeInteger"):
            for key in ("OfxParamPropMin", "OfxParamPropMax", "OfxParamPropDisplayMin", "OfxParamPropDisplayMax"):
                assert key in p["props"], (p["name"], key)
    mode = by_name["mode"]["props"]
    assert mode["OfxParamPropChoiceOption"] == ["LUT", "Parameters", "LUT then parameter trims"]
    assert mode["OfxParamPropDefault"] == [1]
    for path_param in ("lutFile", "lookFile"):
        assert by_name[path_param]["props"]["OfxParamPropStringMode"] == ["OfxParamStringIsFilePath"]
    assert by_name["reloadLut"]["type"] == by_name["importLook"]["type"] == "OfxParamTypePushButton"
    assert by_name["lutVersion"]["props"]["OfxParamPropSecret"] == [1]
