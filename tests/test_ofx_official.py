"""The OFX plug-in uses only official OpenFX names: pinned here, written out from the official headers.

The expected strings and struct layouts below are written out from the OpenFX repository's
``include/*.h`` (github.com/AcademySoftwareFoundation/openfx at commit 3de640d, OFX 1.5.x), not from
the project's ``ncst_bridge/ofx/ofx_lut/include/ofx_api.h``: a misreading shared by the project's header, plug-in and test host
(as ``OfxImageEffectPropSupportsMultipleClipDepths`` once was; the official value is
``OfxImageEffectPropMultipleClipDepths``) fails here. Also: what the plug-in describes (version, the
OFX 1.5.1 no-spatial-awareness contract) and the behaviours behind it -- a render without spatial
awareness leaves sharpness out, render scale 0.5 gives the same pixels, and a look file takes effect
at render time in a host that never sends InstanceChanged (MLT's openfx module: Kdenlive, Shotcut).
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from ncst_bridge.grade.grade import apply_grade_numpy, colour_grade_numpy
from ofx_support import MODE_LUT, MODE_PARAMS, REPO, OfxHost, photo

# macro -> value, for every string macro the project's header defines (official headers' values)
OFFICIAL_DEFINES = {
    "kOfxActionBeginInstanceChanged": "OfxActionBeginInstanceChanged",
    "kOfxActionCreateInstance": "OfxActionCreateInstance",
    "kOfxActionDescribe": "OfxActionDescribe",
    "kOfxActionDestroyInstance": "OfxActionDestroyInstance",
    "kOfxActionEndInstanceChanged": "OfxActionEndInstanceChanged",
    "kOfxActionInstanceChanged": "OfxActionInstanceChanged",
    "kOfxActionLoad": "OfxActionLoad",
    "kOfxActionPurgeCaches": "OfxActionPurgeCaches",
    "kOfxActionSyncPrivateData": "OfxActionSyncPrivateData",
    "kOfxActionUnload": "OfxActionUnload",
    "kOfxBitDepthByte": "OfxBitDepthByte",
    "kOfxBitDepthFloat": "OfxBitDepthFloat",
    "kOfxBitDepthHalf": "OfxBitDepthHalf",
    "kOfxBitDepthNone": "OfxBitDepthNone",
    "kOfxBitDepthShort": "OfxBitDepthShort",
    "kOfxChangePluginEdited": "OfxChangePluginEdited",
    "kOfxChangeTime": "OfxChangeTime",
    "kOfxChangeUserEdited": "OfxChangeUserEdited",
    "kOfxImageClipPropConnected": "OfxImageClipPropConnected",
    "kOfxImageClipPropIsMask": "OfxImageClipPropIsMask",
    "kOfxImageClipPropOptional": "OfxImageClipPropOptional",
    "kOfxImageComponentAlpha": "OfxImageComponentAlpha",
    "kOfxImageComponentNone": "OfxImageComponentNone",
    "kOfxImageComponentRGB": "OfxImageComponentRGB",
    "kOfxImageComponentRGBA": "OfxImageComponentRGBA",
    "kOfxImageEffectActionBeginSequenceRender": "OfxImageEffectActionBeginSequenceRender",
    "kOfxImageEffectActionDescribeInContext": "OfxImageEffectActionDescribeInContext",
    "kOfxImageEffectActionEndSequenceRender": "OfxImageEffectActionEndSequenceRender",
    "kOfxImageEffectActionGetClipPreferences": "OfxImageEffectActionGetClipPreferences",
    "kOfxImageEffectActionGetFramesNeeded": "OfxImageEffectActionGetFramesNeeded",
    "kOfxImageEffectActionGetRegionOfDefinition": "OfxImageEffectActionGetRegionOfDefinition",
    "kOfxImageEffectActionGetRegionsOfInterest": "OfxImageEffectActionGetRegionsOfInterest",
    "kOfxImageEffectActionGetTimeDomain": "OfxImageEffectActionGetTimeDomain",
    "kOfxImageEffectActionIsIdentity": "OfxImageEffectActionIsIdentity",
    "kOfxImageEffectActionRender": "OfxImageEffectActionRender",
    "kOfxImageEffectContextFilter": "OfxImageEffectContextFilter",
    "kOfxImageEffectContextGeneral": "OfxImageEffectContextGeneral",
    "kOfxImageEffectHostPropIsBackground": "OfxImageEffectHostPropIsBackground",
    "kOfxImageEffectOutputClipName": "Output",
    "kOfxImageEffectPluginApi": "OfxImageEffectPluginAPI",
    "kOfxImageEffectPluginPropGrouping": "OfxImageEffectPluginPropGrouping",
    "kOfxImageEffectPluginPropHostFrameThreading": "OfxImageEffectPluginPropHostFrameThreading",
    "kOfxImageEffectPluginPropSingleInstance": "OfxImageEffectPluginPropSingleInstance",
    "kOfxImageEffectPluginRenderThreadSafety": "OfxImageEffectPluginRenderThreadSafety",
    "kOfxImageEffectPropComponents": "OfxImageEffectPropComponents",
    "kOfxImageEffectPropContext": "OfxImageEffectPropContext",
    "kOfxImageEffectPropFieldToRender": "OfxImageEffectPropFieldToRender",
    "kOfxImageEffectPropInteractiveRenderStatus": "OfxImageEffectPropInteractiveRenderStatus",
    "kOfxImageEffectPropNoSpatialAwareness": "OfxImageEffectPropNoSpatialAwareness",
    "kOfxImageEffectPropPixelDepth": "OfxImageEffectPropPixelDepth",
    "kOfxImageEffectPropPreMultiplication": "OfxImageEffectPropPreMultiplication",
    "kOfxImageEffectPropRegionOfDefinition": "OfxImageEffectPropRegionOfDefinition",
    "kOfxImageEffectPropRegionOfInterest": "OfxImageEffectPropRegionOfInterest",
    "kOfxImageEffectPropRenderQualityDraft": "OfxImageEffectPropRenderQualityDraft",
    "kOfxImageEffectPropRenderScale": "OfxImageEffectPropRenderScale",
    "kOfxImageEffectPropRenderWindow": "OfxImageEffectPropRenderWindow",
    "kOfxImageEffectPropSequentialRenderStatus": "OfxImageEffectPropSequentialRenderStatus",
    "kOfxImageEffectPropSupportedComponents": "OfxImageEffectPropSupportedComponents",
    "kOfxImageEffectPropSupportedContexts": "OfxImageEffectPropSupportedContexts",
    "kOfxImageEffectPropSupportedPixelDepths": "OfxImageEffectPropSupportedPixelDepths",
    "kOfxImageEffectPropSupportsMultiResolution": "OfxImageEffectPropSupportsMultiResolution",
    "kOfxImageEffectPropSupportsMultipleClipDepths": "OfxImageEffectPropMultipleClipDepths",
    "kOfxImageEffectPropSupportsTiles": "OfxImageEffectPropSupportsTiles",
    "kOfxImageEffectPropTemporalClipAccess": "OfxImageEffectPropTemporalClipAccess",
    "kOfxImageEffectRenderFullySafe": "OfxImageEffectRenderFullySafe",
    "kOfxImageEffectRenderInstanceSafe": "OfxImageEffectRenderInstanceSafe",
    "kOfxImageEffectRenderUnsafe": "OfxImageEffectRenderUnsafe",
    "kOfxImageEffectSimpleSourceClipName": "Source",
    "kOfxImageEffectSuite": "OfxImageEffectSuite",
    "kOfxImageFieldNone": "OfxFieldNone",
    "kOfxImageOpaque": "OfxImageOpaque",
    "kOfxImagePreMultiplied": "OfxImageAlphaPremultiplied",
    "kOfxImagePropBounds": "OfxImagePropBounds",
    "kOfxImagePropData": "OfxImagePropData",
    "kOfxImagePropField": "OfxImagePropField",
    "kOfxImagePropPixelAspectRatio": "OfxImagePropPixelAspectRatio",
    "kOfxImagePropRegionOfDefinition": "OfxImagePropRegionOfDefinition",
    "kOfxImagePropRowBytes": "OfxImagePropRowBytes",
    "kOfxImagePropUniqueIdentifier": "OfxImagePropUniqueIdentifier",
    "kOfxImageUnPreMultiplied": "OfxImageAlphaUnPremultiplied",
    "kOfxMessageError": "OfxMessageError",
    "kOfxMessageFatal": "OfxMessageFatal",
    "kOfxMessageLog": "OfxMessageLog",
    "kOfxMessageMessage": "OfxMessageMessage",
    "kOfxMessageQuestion": "OfxMessageQuestion",
    "kOfxMessageSuite": "OfxMessageSuite",
    "kOfxMessageWarning": "OfxMessageWarning",
    "kOfxMultiThreadSuite": "OfxMultiThreadSuite",
    "kOfxParamDoubleTypeAngle": "OfxParamDoubleTypeAngle",
    "kOfxParamDoubleTypePlain": "OfxParamDoubleTypePlain",
    "kOfxParamDoubleTypeScale": "OfxParamDoubleTypeScale",
    "kOfxParamPropAnimates": "OfxParamPropAnimates",
    "kOfxParamPropCanUndo": "OfxParamPropCanUndo",
    "kOfxParamPropChoiceOption": "OfxParamPropChoiceOption",
    "kOfxParamPropDefault": "OfxParamPropDefault",
    "kOfxParamPropDigits": "OfxParamPropDigits",
    "kOfxParamPropDisplayMax": "OfxParamPropDisplayMax",
    "kOfxParamPropDisplayMin": "OfxParamPropDisplayMin",
    "kOfxParamPropDoubleType": "OfxParamPropDoubleType",
    "kOfxParamPropEnabled": "OfxParamPropEnabled",
    "kOfxParamPropEvaluateOnChange": "OfxParamPropEvaluateOnChange",
    "kOfxParamPropHint": "OfxParamPropHint",
    "kOfxParamPropIncrement": "OfxParamPropIncrement",
    "kOfxParamPropMax": "OfxParamPropMax",
    "kOfxParamPropMin": "OfxParamPropMin",
    "kOfxParamPropParent": "OfxParamPropParent",
    "kOfxParamPropPersistant": "OfxParamPropPersistant",
    "kOfxParamPropScriptName": "OfxParamPropScriptName",
    "kOfxParamPropSecret": "OfxParamPropSecret",
    "kOfxParamPropStringFilePathExists": "OfxParamPropStringFilePathExists",
    "kOfxParamPropStringMode": "OfxParamPropStringMode",
    "kOfxParamPropType": "OfxParamPropType",
    "kOfxParamStringIsDirectoryPath": "OfxParamStringIsDirectoryPath",
    "kOfxParamStringIsFilePath": "OfxParamStringIsFilePath",
    "kOfxParamStringIsLabel": "OfxParamStringIsLabel",
    "kOfxParamStringIsMultiLine": "OfxParamStringIsMultiLine",
    "kOfxParamStringIsSingleLine": "OfxParamStringIsSingleLine",
    "kOfxParamTypeBoolean": "OfxParamTypeBoolean",
    "kOfxParamTypeChoice": "OfxParamTypeChoice",
    "kOfxParamTypeCustom": "OfxParamTypeCustom",
    "kOfxParamTypeDouble": "OfxParamTypeDouble",
    "kOfxParamTypeDouble2D": "OfxParamTypeDouble2D",
    "kOfxParamTypeDouble3D": "OfxParamTypeDouble3D",
    "kOfxParamTypeGroup": "OfxParamTypeGroup",
    "kOfxParamTypeInteger": "OfxParamTypeInteger",
    "kOfxParamTypeInteger2D": "OfxParamTypeInteger2D",
    "kOfxParamTypeInteger3D": "OfxParamTypeInteger3D",
    "kOfxParamTypePage": "OfxParamTypePage",
    "kOfxParamTypePushButton": "OfxParamTypePushButton",
    "kOfxParamTypeRGB": "OfxParamTypeRGB",
    "kOfxParamTypeRGBA": "OfxParamTypeRGBA",
    "kOfxParamTypeString": "OfxParamTypeString",
    "kOfxParameterSuite": "OfxParameterSuite",
    "kOfxPropAPIVersion": "OfxPropAPIVersion",
    "kOfxPropChangeReason": "OfxPropChangeReason",
    "kOfxPropInstanceData": "OfxPropInstanceData",
    "kOfxPropIsInteractive": "OfxPropIsInteractive",
    "kOfxPropLabel": "OfxPropLabel",
    "kOfxPropLongLabel": "OfxPropLongLabel",
    "kOfxPropName": "OfxPropName",
    "kOfxPropPluginDescription": "OfxPropPluginDescription",
    "kOfxPropShortLabel": "OfxPropShortLabel",
    "kOfxPropTime": "OfxPropTime",
    "kOfxPropType": "OfxPropType",
    "kOfxPropVersion": "OfxPropVersion",
    "kOfxPropVersionLabel": "OfxPropVersionLabel",
    "kOfxPropertySuite": "OfxPropertySuite",
    "kOfxTypeClip": "OfxTypeClip",
    "kOfxTypeImage": "OfxTypeImage",
    "kOfxTypeImageEffect": "OfxTypeImageEffect",
    "kOfxTypeImageEffectHost": "OfxTypeImageEffectHost",
    "kOfxTypeImageEffectInstance": "OfxTypeImageEffectInstance",
    "kOfxTypeParameter": "OfxTypeParameter",
    "kOfxTypeParameterInstance": "OfxTypeParameterInstance",
}
# further official names the plug-in or the test host spell out as literals
OFFICIAL_LITERALS = {
    "OfxFieldDoubled", "OfxImageClipPropContinuousSamples", "OfxImageClipPropFieldExtraction",
    "OfxImageClipPropFieldOrder", "OfxImageClipPropUnmappedComponents", "OfxImageClipPropUnmappedPixelDepth",
    "OfxImageEffectInstancePropEffectDuration", "OfxImageEffectInstancePropSequentialRender",
    "OfxImageEffectPluginPropFieldRenderTwiceAlways", "OfxImageEffectPropClipPreferencesSlaveParam",
    "OfxImageEffectPropFrameRange", "OfxImageEffectPropFrameRate", "OfxImageEffectPropFrameStep",
    "OfxImageEffectPropPixelAspectRatio", "OfxImageEffectPropProjectExtent",
    "OfxImageEffectPropProjectOffset", "OfxImageEffectPropProjectSize", "OfxImageEffectPropSetableFielding",
    "OfxImageEffectPropSetableFrameRate", "OfxImageEffectPropSupportsMultipleClipPARs",
    "OfxImageEffectPropSupportsOverlays", "OfxImageEffectPropUnmappedFrameRange",
    "OfxImageEffectPropUnmappedFrameRate", "OfxParamHostPropMaxPages", "OfxParamHostPropMaxParameters",
    "OfxParamHostPropPageRowColumnCount", "OfxParamHostPropSupportsBooleanAnimation",
    "OfxParamHostPropSupportsChoiceAnimation", "OfxParamHostPropSupportsCustomAnimation",
    "OfxParamHostPropSupportsCustomInteract", "OfxParamHostPropSupportsStringAnimation",
    "OfxParamPropCacheInvalidation", "OfxParamPropChoiceOrder", "OfxParamPropDataPtr",
    "OfxParamPropDefaultCoordinateSystem", "OfxParamPropDimensionLabel", "OfxParamPropGroupOpen",
    "OfxParamPropIsAnimating", "OfxParamPropIsAutoKeying", "OfxParamPropPageChild",
    "OfxParamPropPluginMayWrite", "OfxParamPropShowTimeMarker", "OfxPluginPropParamPageOrder",
    "OfxPropEffectInstance", "OfxPropIcon", "OfxPropParamSetNeedsSyncing",
}
# not property names: the binary's entry points and the per-clip RoI prefix ("OfxImageClipPropRoI_" + clip)
OFFICIAL_OTHER = {"OfxGetNumberOfPlugins", "OfxGetPlugin", "OfxSetHost", "OfxImageClipPropRoI_",
                  "OfxImageClipPropRoI_Source"}
# member order of every struct the project's header declares (official headers; a host calls
# suite functions by position, so a reordered or missing member calls the wrong function)
OFFICIAL_STRUCTS = {
    "OfxHost": ["host", "fetchSuite"],
    "OfxImageEffectSuiteV1": ["getPropertySet", "getParamSet", "clipDefine", "clipGetHandle",
        "clipGetPropertySet", "clipGetImage", "clipReleaseImage", "clipGetRegionOfDefinition", "abort",
        "imageMemoryAlloc", "imageMemoryFree", "imageMemoryLock", "imageMemoryUnlock"],
    "OfxMessageSuiteV1": ["message"],
    "OfxMessageSuiteV2": ["message", "setPersistentMessage", "clearPersistentMessage"],
    "OfxMultiThreadSuiteV1": ["multiThread", "multiThreadNumCPUs", "multiThreadIndex",
        "multiThreadIsSpawnedThread", "mutexCreate", "mutexDestroy", "mutexLock", "mutexUnLock",
        "mutexTryLock"],
    "OfxParameterSuiteV1": ["paramDefine", "paramGetHandle", "paramSetGetPropertySet", "paramGetPropertySet",
        "paramGetValue", "paramGetValueAtTime", "paramGetDerivative", "paramGetIntegral", "paramSetValue",
        "paramSetValueAtTime", "paramGetNumKeys", "paramGetKeyTime", "paramGetKeyIndex", "paramDeleteKey",
        "paramDeleteAllKeys", "paramCopy", "paramEditBegin", "paramEditEnd"],
    "OfxPlugin": ["pluginApi", "apiVersion", "pluginIdentifier", "pluginVersionMajor", "pluginVersionMinor",
        "setHost", "mainEntry"],
    "OfxPointD": ["y"],
    "OfxPropertySuiteV1": ["propSetPointer", "propSetString", "propSetDouble", "propSetInt", "propSetPointerN",
        "propSetStringN", "propSetDoubleN", "propSetIntN", "propGetPointer", "propGetString", "propGetDouble",
        "propGetInt", "propGetPointerN", "propGetStringN", "propGetDoubleN", "propGetIntN", "propReset",
        "propGetDimension"],
    "OfxRangeD": ["max"],
    "OfxRectD": ["y2"],
    "OfxRectI": ["y2"],
}

OFX = REPO / "ncst_bridge" / "ofx" / "ofx_lut"
SOURCES = [*(OFX / "include").glob("*.h"), *(OFX / "src").glob("*.[ch]"), *(OFX / "tests" / "host").glob("*.[ch]"),
           *(OFX / "tests").glob("*.c")]


def _strings(path) -> set[str]:
    return set(re.findall(r'"((?:Ofx|ofx)[A-Za-z0-9_]*)"', path.read_text(encoding="utf-8", errors="replace")))


def test_project_header_defines_the_official_values():
    text = (OFX / "include" / "ofx_api.h").read_text()
    ours = dict(re.findall(r'^\s*#\s*define\s+(k\w+)\s+"([^"]*)"', text, flags=re.M))
    assert set(ours) == set(OFFICIAL_DEFINES), set(ours) ^ set(OFFICIAL_DEFINES)
    wrong = {k: (v, OFFICIAL_DEFINES[k]) for k, v in ours.items() if v != OFFICIAL_DEFINES[k]}
    assert not wrong, wrong
    assert ours["kOfxImageEffectPropSupportsMultipleClipDepths"] == "OfxImageEffectPropMultipleClipDepths"


def test_project_header_structs_have_the_official_members_in_order():
    text = re.sub(r"/\*.*?\*/|//[^\n]*", "", (OFX / "include" / "ofx_api.h").read_text(), flags=re.S)
    ours = {}
    for m in re.finditer(r"typedef\s+struct\s+(\w+)?\s*\{(.*?)\}\s*(\w+)\s*;", text, re.S):
        members = re.findall(r"\(\s*\*\s*(\w+)\s*\)|(\w+)\s*(?:\[[^\]]*\])?\s*;", m.group(2))
        ours[m.group(3)] = [a or b for a, b in members]
    assert set(ours) == set(OFFICIAL_STRUCTS), set(ours) ^ set(OFFICIAL_STRUCTS)
    for name, members in OFFICIAL_STRUCTS.items():
        assert ours[name] == members, name


def test_every_ofx_string_in_plugin_and_test_host_is_official():
    official = set(OFFICIAL_DEFINES.values()) | OFFICIAL_LITERALS | OFFICIAL_OTHER
    for path in SOURCES:
        unknown = _strings(path) - official
        assert not unknown, (path.name, sorted(unknown))


@pytest.fixture(scope="module")
def host():
    with OfxHost() as h:
        yield h
        stats = h.stats()
        assert stats["violations"] == [] and stats["images_outstanding"] == 0, stats


def test_described_properties_are_official_and_complete(host):
    effect = host.describe()["effect"]
    official = set(OFFICIAL_DEFINES.values()) | OFFICIAL_LITERALS
    assert set(effect) <= official, sorted(set(effect) - official)
    assert effect["OfxImageEffectPropMultipleClipDepths"] == [0]
    assert effect["OfxPropVersion"] == [1, 1, 0] and effect["OfxPropVersionLabel"] == ["1.1.0"]
    # OFX 1.5.1: "true" = renders without spatial awareness on request ("false" lets a host drop it)
    assert effect["OfxImageEffectPropNoSpatialAwareness"] == ["true"]


LOOK = {"brightness": 1.1, "contrast": 1.15, "gamma": 0.9, "hue": 20.0, "saturation": 1.3,
        "sharpness": 1.6, "temperature": 0.3}


def test_no_spatial_awareness_render_leaves_sharpness_out(host):
    img = photo("kde_colorfulcups.jpg", long_side=48)
    inst = host.instance()
    inst.set_params(LOOK)
    full = inst.render(img)
    lut_like = inst.render(img, no_spatial=True)
    inst.close()
    want = colour_grade_numpy(img[..., :3].astype(np.float64), LOOK)
    assert np.abs(lut_like[..., :3] - want).max() < 1e-4
    assert np.abs(full[..., :3] - apply_grade_numpy(img[..., :3].astype(np.float64), LOOK)).max() < 1e-4
    assert np.abs(full - lut_like).max() > 1e-2  # sharpness was on in the ordinary render


@pytest.mark.parametrize("mode", [MODE_PARAMS, MODE_LUT])
def test_render_scale_half_gives_the_same_pixels(host, mode, tmp_path):
    """At render scale 0.5 the frame handed over is the proxy; the plug-in converts the RoD and the
    RoI between canonical and pixel coordinates, so the proxy renders exactly as a full frame would."""
    img = photo("mpl_grace_hopper.jpg", long_side=40)
    inst = host.instance()
    inst.set_params(LOOK)
    if mode == MODE_LUT:
        from ncst_bridge.grade.lut import bake_look
        from ncst_bridge.io.cube import write_cube

        write_cube(bake_look(LOOK, 17), tmp_path / "l.cube", "t")
        inst.set_string("lutFile", str(tmp_path / "l.cube"))
    inst.set_mode(mode)
    one = inst.render(img, tile=(16, 8))
    half = inst.render(img, tile=(16, 8), scale=0.5)
    inst.close()
    np.testing.assert_array_equal(one, half)


def _write_look(folder, params) -> str:
    from ncst_bridge.grade.params import GradeParams
    from ncst_bridge.io.bundle import write_look_files

    folder.mkdir(parents=True, exist_ok=True)
    write_look_files(folder, GradeParams(params), size=17)
    return str(folder / "params.json")


def test_look_file_takes_effect_without_instance_changed(tmp_path):
    """MLT's openfx module sets parameter values but never sends InstanceChanged: the look file is
    read at render time, an edited params.json takes effect on the next frame, and the LUT modes
    render the bundle's look.cube (plus its sharpness)."""
    img = photo("kde_darkesthour.jpg", long_side=40)
    rgb = img[..., :3].astype(np.float64)
    look = _write_look(tmp_path / "a", LOOK)
    with OfxHost(instance_changed=False) as mlt:
        inst = mlt.instance()
        inst.set_string("lookFile", look)
        out = inst.render(img)
        assert np.abs(out[..., :3] - apply_grade_numpy(rgb, LOOK)).max() < 1e-4
        other = dict(LOOK, hue=-40.0, sharpness=1.0)
        _write_look(tmp_path / "b", other)
        (tmp_path / "a" / "params.json").write_text((tmp_path / "b" / "params.json").read_text())
        out = inst.render(img)  # edited on disk: the next frame follows
        assert np.abs(out[..., :3] - colour_grade_numpy(rgb, other)).max() < 1e-4
        inst.set_mode(MODE_LUT)  # the bundle's look.cube (still LOOK's colour part: only params.json was edited)
        lut = inst.render(img)
        # a 33^3 lattice: measured mean 1e-3 to 3.3e-3 across photos; the edited look (hue -40) is 5.7e-2 away
        assert np.abs(lut[..., :3] - colour_grade_numpy(rgb, LOOK)).mean() < 5e-3
        inst.close()
        assert mlt.stats()["violations"] == []


def test_imported_look_leaves_the_sliders_in_charge(host, tmp_path):
    """Where the host sends InstanceChanged, choosing the file imports it into the sliders and the
    sliders render from then on (a later slider edit is not overridden by the file)."""
    img = photo("kde_darkesthour.jpg", long_side=32)
    rgb = img[..., :3].astype(np.float64)
    inst = host.instance()
    inst.set_string("lookFile", _write_look(tmp_path / "a", LOOK))
    assert inst.get_double("hue") == LOOK["hue"]
    inst.set_double("hue", -10.0)
    out = inst.render(img)
    inst.close()
    assert np.abs(out[..., :3] - apply_grade_numpy(rgb, dict(LOOK, hue=-10.0))).max() < 1e-4


def test_edited_lut_file_is_read_again_without_instance_changed(tmp_path):
    """Reload LUT is a push button, which MLT never reports: the plug-in compares the file's content
    (at most once a second) and reads an edited .cube again."""
    import time

    from ncst_bridge.grade.lut import bake_look
    from ncst_bridge.io.cube import write_cube

    img = photo("kde_colorfulcups.jpg", long_side=32)
    rgb = img[..., :3].astype(np.float64)
    cube = tmp_path / "look.cube"
    first, second = dict(LOOK, sharpness=1.0), {"hue": -60.0, "saturation": 0.5}
    write_cube(bake_look(first, 33), cube, "first")
    with OfxHost(instance_changed=False) as mlt:
        inst = mlt.instance()
        inst.set_string("lutFile", str(cube))
        inst.set_mode(MODE_LUT)
        a = inst.render(img)
        write_cube(bake_look(second, 33), cube, "second", force=True)
        time.sleep(1.1)
        b = inst.render(img)
        inst.close()
        assert mlt.stats()["violations"] == []
    assert np.abs(a[..., :3] - colour_grade_numpy(rgb, first)).mean() < 3e-3
    assert np.abs(b[..., :3] - colour_grade_numpy(rgb, second)).mean() < 3e-3
