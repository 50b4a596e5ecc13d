"""The Resolve bridge follows the project's colour settings (fake Resolve; ncst match faked unless said).

YRGB -> the CDL path as before; RCM DaVinci WG/Intermediate and ACEScct -> no SetCDL, the look in
the node space (look_in_<space>.cube) on node 1, read back and recorded; unknown or unreadable
settings -> display-referred with a warning; an HDR timeline -> refused before anything is written;
a failed LUT write on the new path still leaves the clip as it began.
"""

import datetime
import json
import sys
from pathlib import Path

import numpy as np
import pytest

import fake_resolve
from ncst_bridge.resolve import job, settings
from ncst_bridge.resolve.colour_settings import COLOUR_SETTING_KEYS
from ncst_bridge.resolve.errors import BridgeError
from resolve_support import (FAKE_MATCH, REPO, LOOK, env, installed_menu, look_params, make_spec,  # noqa: F401
                             match_calls, ncst, png, run_menu, write_config)

NOW = datetime.datetime(2026, 3, 4, 5, 6, 7)
DWG = "DaVinci Intermediate WideGamut"
DWG_CUBE = "look_in_davinci_intermediate_widegamut.cube"
SLOG3 = "S-Log3 S-Gamut3.Cine"
G24 = "Gamma 2.4 Encoded Rec.709"


def _bake(tmp_path_factory, look_params, space):
    out = tmp_path_factory.mktemp("bundle") / "look"
    args = ["bake", str(look_params), "-o", str(out), "--size", "9"]
    if space:
        args += ["--input-space", space, "--camera-lut-size", "9"]
    res = ncst(*args)
    assert res.returncode == 0, res.stderr
    return out


@pytest.fixture(scope="session")
def plain_bundle(tmp_path_factory, look_params):
    return _bake(tmp_path_factory, look_params, None)


@pytest.fixture(scope="session")
def dwg_bundle(tmp_path_factory, look_params):
    """What ``ncst match --input-space 'DaVinci Intermediate WideGamut'`` writes (made by the real bake)."""
    return _bake(tmp_path_factory, look_params, DWG)


@pytest.fixture(scope="session")
def aces_bundle(tmp_path_factory, look_params):
    return _bake(tmp_path_factory, look_params, "ACEScct")


def config(tmp, bundle=None, mode="copy", source=None, **over):
    c = dict(settings.DEFAULTS)
    c.update(reference=str(png(Path(tmp) / "ref_still.png")), lut_dir=str(Path(tmp) / "LUT"),
             looks_dir=str(Path(tmp) / "looks"), lut_size=9, camera_lut_size=9,
             match_command=[sys.executable, str(FAKE_MATCH), "--fake-mode", mode, "--fake-source",
                            str(source or bundle)])
    c.update(over)
    return settings.validate(c)


def run(world, tmp, bundle=None, mode="copy", source=None, **over):
    lines = []
    results = job.run(world.resolve, config(tmp, bundle, mode, source, **over), sys.executable, str(REPO),
                      lines.append, now=NOW)
    return results, lines


def world(tmp_path, colour, clip_a=None, **over):
    spec = make_spec(tmp_path, colour=colour, **over)
    spec["tracks"][0][0].update(clip_a or {})
    return fake_resolve.World(spec)


def written(w, name):
    item = w.item(name)
    (key,) = [k for k in item.order if k[0].startswith("NCST")]
    assert item.current == key
    return item, item.versions[key]


def opt(argv, flag):
    return argv[argv.index(flag) + 1] if flag in argv else None


def sidecar(result):
    return json.loads(Path(result["sidecar"]).read_text())


def called(w, name):
    return [c for c in w.calls if c[1] == name]


def _untouched(w, tmp_path):
    assert w.item_states() == w.original
    assert not [f for f in (tmp_path / "LUT").rglob("*") if f.is_file()]


# --- reading the settings ---------------------------------------------------------------------------

def test_every_colour_key_is_read_once_per_run_with_getsetting(tmp_path, plain_bundle, env):
    w = world(tmp_path, "yrgb")
    results, _ = run(w, tmp_path, plain_bundle, scope="timeline", keyframes=2)
    assert [r["status"] for r in results] == ["ok"] * 3
    read = [c[2][0] for c in called(w, "GetSetting") if c[0] == "FakeProject" and c[2]]
    for key in COLOUR_SETTING_KEYS:
        assert read.count(key) == 1, key            # once per run, not per clip
    side = sidecar(results[0])
    assert side["colour"]["project"]["settings"] == {k: fake_resolve.COLOUR_PRESETS["yrgb"][k]
                                                     for k in side["colour"]["project"]["settings"]}
    assert set(COLOUR_SETTING_KEYS) <= set(side["colour"]["project"]["settings"])
    summary = json.loads(next((tmp_path / "looks").glob("*/results.json")).read_text())
    assert summary["colour"]["plan"]["mode"] == "davinciYRGB" and summary["colour"]["handling"] == "not managed"
    assert not [c for c in w.calls if c[3] == "missing"]


def test_timeline_custom_colour_settings_win_over_the_project(tmp_path, dwg_bundle, env):
    own = dict(fake_resolve.COLOUR_PRESETS["rcm_dwg"], useCustomSettings="1")
    w = world(tmp_path, "yrgb", {"input_colour_space": "DaVinci WG/Intermediate"},
              timeline={"name": "T", "fps": "24", "start_tc": "01:00:00:00", "playhead": "01:00:01:00",
                        "settings": own})
    (result,), _ = run(w, tmp_path, dwg_bundle)
    assert result["status"] == "ok", result["message"]
    side = sidecar(result)
    assert side["colour"]["project"]["settings_from"] == "timeline (custom settings)"
    assert side["colour"]["node_space"] == DWG and side["cdl_applied"] is False


# --- YRGB: the CDL path as before -------------------------------------------------------------------

def test_yrgb_project_keeps_the_cdl_path(tmp_path, plain_bundle, env):
    w = world(tmp_path, "yrgb")
    (result,), lines = run(w, tmp_path, plain_bundle)
    assert result["status"] == "ok" and result["cdl_applied"] is True
    _, grade = written(w, "A")
    assert grade.nodes[0].cdl is not None and grade.nodes[1].lut.startswith("NCST/")
    assert (tmp_path / "LUT" / grade.nodes[1].lut).read_bytes() == (plain_bundle / "residual.cube").read_bytes()
    (argv,) = match_calls(tmp_path)
    assert "--input-space" not in argv and "--reference-space" not in argv
    side = sidecar(result)
    assert side["cdl_skipped"] is None and side["lut"]["space"] == "working"
    assert side["colour"]["frames_space"] is None and side["colour"]["cdl_applies"] is True
    assert any(line.startswith("colour: not managed") for line in lines)
    assert any("set input_space" in line for line in lines)      # how to say the media is log


def test_input_space_setting_in_a_yrgb_project_puts_the_look_in_that_space(tmp_path, look_params, env):
    """Not colour managed: nodes see the media as recorded, so input_space names the node space."""
    w = world(tmp_path, "yrgb")
    (result,), lines = run(w, tmp_path, mode="bake", source=look_params, input_space=SLOG3)
    assert result["status"] == "ok", result["message"]
    (argv,) = match_calls(tmp_path)
    assert opt(argv, "--input-space") == SLOG3 and opt(argv, "--camera-lut-size") == "9"
    _, grade = written(w, "A")
    assert grade.nodes[0].cdl_raw is None and not called(w, "SetCDL")
    side = sidecar(result)
    assert side["lut"]["space"] == SLOG3 and side["lut"]["content"] == "look_in_s_log3_s_gamut3_cine.cube"
    assert side["colour"]["node_lut"]["made_by"] == "ncst match"     # no second bake: same space
    assert "not colour managed" in side["cdl_skipped"]


# --- colour managed: the look in the node space, no CDL ---------------------------------------------

@pytest.mark.parametrize("preset", ["rcm_dwg", "rcm_dwg_combined"])
def test_dwg_timeline_gets_look_in_dwg_on_node_1_and_no_cdl(tmp_path, dwg_bundle, env, preset):
    w = world(tmp_path, preset, {"input_colour_space": "DaVinci WG/Intermediate"})
    before = w.item_states()
    (result,), lines = run(w, tmp_path, dwg_bundle)
    assert result["status"] == "ok", result["message"]
    (argv,) = match_calls(tmp_path)
    assert opt(argv, "--input-space") == DWG
    assert "--reference-space" not in argv                   # a still file: display-referred
    assert not called(w, "SetCDL")
    item, grade = written(w, "A")
    assert grade.nodes[0].cdl_raw is None and not grade.red
    lut = grade.nodes[0].lut
    assert lut.startswith("NCST/") and grade.nodes[1].lut == ""
    assert (tmp_path / "LUT" / lut).read_bytes() == (dwg_bundle / DWG_CUBE).read_bytes()
    names = [c[1] for c in w.calls]
    assert names.index("RefreshLUTList") < names.index("SetLUT") < len(names) - 1 - names[::-1].index("GetLUT")
    side = sidecar(result)
    assert side["cdl_applied"] is False and side["cdl"] is None
    assert "CDL was NOT applied" in side["cdl_skipped"] and DWG in side["cdl_skipped"]
    assert side["lut"] == dict(side["lut"], node=1, content=DWG_CUBE, space=DWG, get_lut=lut)
    assert side["colour"]["node_space"] == DWG and side["colour"]["frames_space"] == DWG
    assert side["colour"]["project"]["plan"]["timeline_space"] == DWG
    log = "\n".join(lines)
    assert "CDL was NOT applied" in log and "no CDL" in result["message"]
    if preset == "rcm_dwg":
        assert "tone mapping 'DaVinci'" in log                  # the preset's output DRT is reported
    assert item.state()["versions"][0] == before[item.uid]["versions"][0]   # the user's version untouched


def test_gallery_reference_is_taken_in_the_timeline_space(tmp_path, dwg_bundle, env):
    w = world(tmp_path, "rcm_dwg", {"input_colour_space": "DaVinci WG/Intermediate"}, gallery_panel_open=True)
    (result,), lines = run(w, tmp_path, dwg_bundle, reference="gallery")
    assert result["status"] == "ok", result["message"]
    (argv,) = match_calls(tmp_path)
    assert opt(argv, "--reference-space") == DWG
    (result,), _ = run(w, tmp_path, dwg_bundle, reference="gallery", reference_space="ARRI LogC3 (EI800)")
    assert opt(match_calls(tmp_path)[-1], "--reference-space") == "ARRI LogC3 (EI800)"   # the setting wins


def test_clips_in_other_spaces_get_the_look_baked_for_the_timeline(tmp_path, look_params, env):
    """S-Log3 media, media in the project's default input space, and viewer stills (output space)."""
    from ncst_bridge.io import fidelity
    from ncst_bridge.colour.camera_luts import file_processor, in_space_direct
    from ncst_bridge.colour.convert import apply_cpu, from_working, to_working
    from ncst_bridge.grade.params import GradeParams

    w = world(tmp_path, "rcm_dwg", {"input_colour_space": "Sony S-Gamut3.Cine/S-Log3"})
    results, lines = run(w, tmp_path, mode="bake", source=look_params, scope="timeline", keyframes=2,
                         camera_lut_size=17)
    assert [r["status"] for r in results] == ["ok"] * 3, [r["message"] for r in results]
    calls = match_calls(tmp_path)
    assert [opt(a, "--input-space") for a in calls] == [SLOG3, G24, G24]
    assert not called(w, "SetCDL")
    sides = [sidecar(r) for r in results]
    assert [s["colour"]["frames_space_from"].split(" ")[0] for s in sides] == ["clip", "the", "frames"]
    assert "project's default input colour space" in sides[1]["colour"]["frames_space_from"]
    assert any("assumed the project's default input colour space" in x for x in sides[1]["warnings"])
    params = GradeParams(LOOK["params"])
    colours = from_working(fidelity.sample_colours(4000, seed=5), DWG)     # display colours as DWG codes
    for s in sides:
        assert s["colour"]["node_lut"]["made_by"] == "ncst bake" and s["lut"]["space"] == DWG
        assert Path(s["lut"]["source"]).parent.name == "look_in_davinci_intermediate_widegamut"
        node = s["lut"]["file"]
        got = to_working(apply_cpu(file_processor(node), colours), DWG)
        want = to_working(in_space_direct(colours, params, DWG), DWG)
        assert fidelity.summarise(fidelity.delta_e(want, got))["mean"] < 1.0
        # the display-referred look on these nodes would be far off: the node space matters
        wrong = to_working(apply_cpu(file_processor(Path(s["look"]["bundle"]) / "look.cube"), colours), DWG)
        assert fidelity.summarise(fidelity.delta_e(want, wrong))["mean"] > 5.0
    assert sum("ncst bake --input-space 'DaVinci Intermediate WideGamut'" in line for line in lines) == 3


def test_aces_project_gets_look_in_acescct(tmp_path, aces_bundle, env):
    w = world(tmp_path, "acescct", {"idt": "ACEScct"})
    (result,), lines = run(w, tmp_path, aces_bundle)
    assert result["status"] == "ok", result["message"]
    (argv,) = match_calls(tmp_path)
    assert opt(argv, "--input-space") == "ACEScct"
    assert not called(w, "SetCDL")
    _, grade = written(w, "A")
    assert (tmp_path / "LUT" / grade.nodes[0].lut).read_bytes() == (aces_bundle / "look_in_acescct.cube").read_bytes()
    side = sidecar(result)
    assert side["cdl_applied"] is False and side["lut"]["space"] == "ACEScct" and side["lut"]["node"] == 1
    assert "tone-maps" in "\n".join(lines)                     # the ODT warning of the plan


def test_aces_node_luts_in_linear_ap0_and_a_gallery_reference(tmp_path, look_params, env):
    """colorAcesNodeLUTProcessingSpace acesAp0Linear: the LUT is made for ACES2065-1; the gallery still is ACEScct."""
    w = world(tmp_path, {"preset": "acescct", "colorAcesNodeLUTProcessingSpace": "acesAp0Linear"},
              {"idt": "ACEScct"}, gallery_panel_open=True)
    (result,), _ = run(w, tmp_path, mode="bake", source=look_params, reference="gallery")
    assert result["status"] == "ok", result["message"]
    (argv,) = match_calls(tmp_path)
    assert opt(argv, "--input-space") == "ACEScct" and opt(argv, "--reference-space") == "ACEScct"
    side = sidecar(result)
    assert side["lut"]["space"] == "ACES2065-1" and side["lut"]["content"] == "look_in_aces2065_1.cube"
    assert side["colour"]["node_lut"]["made_by"] == "ncst bake"


def test_aces_node_luts_in_acescc_fail_clearly_when_ncst_cannot_make_them(tmp_path, look_params, env):
    """ncst's in-space LUT needs the space's codes 0..1 to span black..white; ACEScc's black is below 0."""
    w = world(tmp_path, {"preset": "acescct", "colorAcesNodeLUTProcessingSpace": "acesccAp1"}, {"idt": "ACEScct"})
    (result,), _ = run(w, tmp_path, mode="bake", source=look_params)
    assert result["status"] == "failed"
    assert result["message"].startswith("ncst bake (the look in 'ACEScc') failed (exit 2): ncst: 'ACEScc'")
    _untouched(w, tmp_path)


def test_a_clip_whose_input_space_is_unknown_fails_alone(tmp_path, aces_bundle, env):
    spec = make_spec(tmp_path, colour="acescct")
    spec["tracks"][0][0]["idt"] = "No Input Transform"
    spec["tracks"][0][1]["idt"] = "ACEScct"
    del spec["tracks"][0][2]
    w = fake_resolve.World(spec)
    results, _ = run(w, tmp_path, aces_bundle, scope="timeline")
    assert [r["status"] for r in results] == ["failed", "ok"]
    assert "No Input Transform" in results[0]["message"] and "NCST_INPUT_SPACE" in results[0]["message"]
    assert w.item("A").state() == w.original[w.item("A").uid]
    assert len(match_calls(tmp_path)) == 1                     # never matched in a guessed space
    results, _ = run(w, tmp_path, aces_bundle, input_space="ACEScct")   # the setting settles it
    assert results[0]["status"] == "ok", results[0]["message"]


# --- settings NCST cannot use ----------------------------------------------------------------------

@pytest.mark.parametrize("colour, said", [
    ({k: None for k in COLOUR_SETTING_KEYS}, "unreadable"),             # a build that lacks the keys
    ({"colorScienceMode": False, "colorSpaceTimeline": False}, "unreadable"),
    ({"preset": "rcm_dwg", "colorScienceMode": "davinciSomethingNew"}, "davinciSomethingNew"),
])
def test_unknown_or_unreadable_settings_fall_back_to_display_referred(tmp_path, plain_bundle, env, colour, said):
    w = world(tmp_path, colour)
    (result,), lines = run(w, tmp_path, plain_bundle)
    assert result["status"] == "ok" and result["cdl_applied"] is True
    _, grade = written(w, "A")
    assert grade.nodes[0].cdl is not None and grade.nodes[1].lut.startswith("NCST/")
    (argv,) = match_calls(tmp_path)
    assert "--input-space" not in argv
    warning = [line for line in lines if line.startswith("warning: NCST cannot tell which space")]
    assert len(warning) == 1 and said in warning[0] and "fell back to display-referred" in warning[0]
    side = sidecar(result)
    assert side["colour"]["project"]["handling"] == "fallback"
    assert any("fell back" in x for x in side["colour"]["project"]["warnings"])


def test_hdr_timeline_is_refused_before_anything_changes(tmp_path, plain_bundle, env):
    w = world(tmp_path, "rcm_hdr_pq")
    with pytest.raises(BridgeError) as exc:
        run(w, tmp_path, plain_bundle)
    msg = str(exc.value)
    assert msg.startswith("refused:") and "Rec.2020 / Rec.2100 ST2084" in msg and "NCST_COLOUR_MANAGEMENT=off" in msg
    assert "\n" not in msg
    _untouched(w, tmp_path)
    assert match_calls(tmp_path) == [] and w.page == "edit"
    (result,), lines = run(w, tmp_path, plain_bundle, colour_management="off")   # the user's explicit choice
    assert result["status"] == "ok" and result["cdl_applied"] is True
    assert any("colour_management is off" in line for line in lines)


# --- never lose the user's grade ---------------------------------------------------------------------

@pytest.mark.parametrize("quirk", ["user_lut_dir", "getlut_lies", "locked"])
def test_a_failed_lut_write_on_the_look_in_path_leaves_the_clip_as_it_began(tmp_path, dwg_bundle, env, quirk):
    lut_dir = tmp_path / "user_luts" if quirk == "user_lut_dir" else tmp_path / "LUT"
    lut_dir.mkdir(exist_ok=True)
    clip = {"input_colour_space": "DaVinci WG/Intermediate", "locked": quirk == "locked"}
    w = world(tmp_path, "rcm_dwg", clip, getlut_lies=quirk == "getlut_lies")
    (result,), _ = run(w, tmp_path, dwg_bundle, lut_dir=str(lut_dir))
    assert result["status"] == "failed" and "as it was" in result["message"], result["message"]
    _untouched(w, tmp_path)
    assert not [f for f in lut_dir.rglob("*") if f.is_file()]
    assert not called(w, "SetCDL")


# --- the installed menu file and the real ncst match ---------------------------------------------------

def test_end_to_end_real_match_in_a_dwg_timeline(installed_menu, env, tmp_path):
    """The real ``ncst match --input-space`` on a DaVinci Intermediate photo clip; its look_in on node 1."""
    from PIL import Image

    from ncst_bridge.io import fidelity
    from ncst_bridge.colour.camera_luts import file_processor, in_space_direct
    from ncst_bridge.colour.convert import apply_cpu, from_working, to_working
    from ncst_bridge.grade.params import GradeParams

    media = tmp_path / "media"
    media.mkdir()
    photo = np.asarray(Image.open(REPO / "samples" / "reference.jpg").convert("RGB").resize((64, 48)),
                       dtype=np.float64) / 255.0
    dwg_codes = np.clip(from_working(photo, DWG), 0, 1)
    Image.fromarray(np.round(dwg_codes * 255).astype(np.uint8)).save(media / "shot_dwg.png")
    ref = tmp_path / "ref.jpg"
    Image.open(REPO / "samples" / "reference.jpg").convert("RGB").resize((64, 48)).rotate(90).save(ref)
    spec = make_spec(tmp_path, colour="rcm_dwg")
    spec["tracks"] = [[{"name": "shot", "kind": "still", "start": 0, "duration": 48,
                        "file": str(media / "shot_dwg.png"), "input_colour_space": "DaVinci WG/Intermediate"}]]
    w = fake_resolve.World(spec)
    cfg = json.loads(write_config(tmp_path, None, keyframes=2, iterations=5, device="cpu", lut_size=9,
                                  camera_lut_size=17).read_text())
    del cfg["match_command"]
    (tmp_path / "resolve.json").write_text(json.dumps(cfg))
    env.setenv("NCST_RESOLVE_CONFIG", str(tmp_path / "resolve.json"))
    env.setenv("NCST_REFERENCE", str(ref))
    env.setenv("NCST_LUT_DIR", str(tmp_path / "LUT"))
    assert run_menu(installed_menu, w.globals()) == 0
    _, grade = written(w, "shot")
    assert grade.nodes[0].cdl_raw is None and not called(w, "SetCDL")
    (side_path,) = (tmp_path / "LUT" / "NCST").glob("*.json")
    side = json.loads(side_path.read_text())
    argv = side["match_argv"]
    assert argv[1:4] == ["-m", "ncst_bridge", "match"] and opt(argv, "--input-space") == DWG
    assert side["colour"]["node_lut"]["made_by"] == "ncst match" and side["lut"]["content"] == DWG_CUBE
    bundle = Path(side["look"]["bundle"])
    node = tmp_path / "LUT" / grade.nodes[0].lut
    assert node.read_bytes() == (bundle / DWG_CUBE).read_bytes()
    params = GradeParams(json.loads((bundle / "params.json").read_text())["params"])
    codes = dwg_codes.reshape(-1, 3)
    want = to_working(in_space_direct(codes, params, DWG), DWG)
    got = to_working(apply_cpu(file_processor(node), codes), DWG)
    assert fidelity.summarise(fidelity.delta_e(want, got))["mean"] < 1.0
