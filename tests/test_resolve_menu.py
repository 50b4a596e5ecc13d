"""The INSTALLED menu file run the way Resolve runs it, against the fake Resolve.

Resolve executes a Scripts-menu file as a script with injected globals (which ones varies) and no
``__file__``; external runs reach Resolve through the DaVinciResolveScript module. Both ways are
exercised here, for one clip and for a whole timeline, in-process and in a fresh interpreter
(Python 3.8 too when one is installed: Resolve's Python may be that old).
"""

import glob
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import fake_resolve
from ncst_bridge.resolve.cdl_map import set_cdl_map
from ncst_bridge.resolve.reference import GALLERY_PANEL_CLOSED
from resolve_support import (FAKE_DVR, REPO, baked_bundle, env, installed_menu, look_params,  # noqa: F401
                             LOOK, make_spec, match_calls, ncst, png, run_menu, write_config)


def _set_cdl_of(cdl):
    return set_cdl_map(cdl.slope, cdl.offset, cdl.power, cdl.saturation, 1)


def _cdl_of_bundle(bundle):
    c = json.loads((Path(bundle) / "params.json").read_text())["cdl"]
    return set_cdl_map(c["slope"], c["offset"], c["power"], c["saturation"])


def _check_clip_written(world, name, bundle, lut_root, lut="residual.cube"):
    item = world.item(name)
    (key,) = [k for k in item.order if k[0].startswith("NCST")]
    assert item.current == key and key[1] == 0
    grade = item.versions[key]
    assert not grade.red
    if lut == "residual.cube":
        assert grade.nodes[0].cdl_raw == _cdl_of_bundle(bundle)
        written = grade.nodes[1].lut
    else:
        written = grade.nodes[-1].lut
    assert written.startswith("NCST/")
    assert (Path(lut_root) / written).read_bytes() == (Path(bundle) / lut).read_bytes()
    # the user's own version is exactly as it was
    assert item.state()["versions"][0] == world.original[item.uid]["versions"][0]


def _headless(env, tmp_path, bundle, scope="clip", **cfg):
    lut_root = tmp_path / "LUT"
    env.setenv("NCST_RESOLVE_CONFIG", str(write_config(tmp_path, bundle, **cfg)))
    env.setenv("NCST_REFERENCE", str(png(tmp_path / "hero_ref.png")))
    env.setenv("NCST_SCOPE", scope)
    env.setenv("NCST_LUT_DIR", str(lut_root))
    return lut_root


@pytest.mark.parametrize("names", [("resolve", "fusion", "bmd", "app"), ("resolve",), ("app",), ("bmd",)])
def test_installed_menu_one_clip_with_injected_globals(installed_menu, baked_bundle, env, tmp_path, capsys, names):
    lut_root = _headless(env, tmp_path, baked_bundle)
    world = fake_resolve.World(make_spec(tmp_path))
    assert run_menu(installed_menu, world.globals(names)) == 0
    _check_clip_written(world, "A", baked_bundle, lut_root)
    assert [it.name for it in world.items() if len(it.order) > 1] == ["A"]
    out = capsys.readouterr().out
    assert "NCST: running without a dialog (NCST_REFERENCE is set)" in out and "done: 1 of 1" in out


def test_installed_menu_whole_timeline(installed_menu, baked_bundle, env, tmp_path):
    lut_root = _headless(env, tmp_path, baked_bundle, scope="timeline")
    world = fake_resolve.World(make_spec(tmp_path))
    assert run_menu(installed_menu, world.globals()) == 0
    for name in ("A", "B"):
        _check_clip_written(world, name, baked_bundle, lut_root)
    _check_clip_written(world, "Solid", baked_bundle, lut_root, lut="look.cube")  # generator: no SetCDL
    assert (world.page, world.timeline.playhead) == ("edit", world.timeline.start + 24)
    calls = match_calls(tmp_path)
    assert len(calls) == 3 and "--start-frame" not in calls[2]          # generator: exported stills
    assert sum(1 for a in calls[2] if a.endswith(".png")) == 5 + 1       # 5 keyframes + the reference
    sidecars = sorted(glob.glob(str(lut_root / "NCST" / "*.json")))
    assert len(sidecars) == 3


def test_installed_menu_via_the_davinciresolvescript_module(installed_menu, baked_bundle, env, tmp_path,
                                                            monkeypatch):
    lut_root = _headless(env, tmp_path, baked_bundle)
    world = fake_resolve.World(make_spec(tmp_path))
    monkeypatch.setattr(fake_resolve, "ACTIVE", world)
    monkeypatch.syspath_prepend(str(FAKE_DVR))
    monkeypatch.delitem(sys.modules, "DaVinciResolveScript", raising=False)
    assert run_menu(installed_menu, {}) == 0       # no globals at all
    _check_clip_written(world, "A", baked_bundle, lut_root)
    assert "DaVinciResolveScript" in sys.modules


def test_free_edition_refuses_foreign_processes(installed_menu, baked_bundle, env, tmp_path, monkeypatch, capsys):
    _headless(env, tmp_path, baked_bundle)
    world = fake_resolve.World(make_spec(tmp_path, studio=False, external_process=True))
    monkeypatch.setattr(fake_resolve, "ACTIVE", world)
    monkeypatch.syspath_prepend(str(FAKE_DVR))
    monkeypatch.delitem(sys.modules, "DaVinciResolveScript", raising=False)
    assert run_menu(installed_menu, {}) == 2
    assert "cannot reach DaVinci Resolve" in capsys.readouterr().out
    assert world.item_states() == world.original


def _pythons():
    found = [("current", sys.executable)]
    candidates = [os.environ.get("NCST_PY38", "")] + sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.8*/bin/python3.8")))
    candidates += ["/usr/bin/python3.8", "/usr/local/bin/python3.8"]
    for c in candidates:
        if c and os.path.isfile(c):
            found.append(("3.8", c))
            break
    else:
        found.append(pytest.param(("3.8", None), marks=pytest.mark.skip(reason="no Python 3.8 interpreter here")))
    return found


_RUNNER = r"""
import json, sys
ns = {"__name__": "__main__"}
exec(compile(open(sys.argv[1], encoding="utf-8").read(), "NCST Match", "exec"), ns)
print("RESULT " + json.dumps({"status": ns["ncst_status"], "version": list(sys.version_info[:2]),
      "heavy": sorted(m for m in ("ncst_bridge", "numpy", "torch") if m in sys.modules)}))
"""


@pytest.mark.parametrize("python", _pythons(), ids=lambda p: p[0])
def test_installed_menu_in_a_fresh_interpreter(installed_menu, baked_bundle, tmp_path, python):
    """As Resolve runs it: a separate process, the bridge found only through the recorded path."""
    spec = make_spec(tmp_path)
    (tmp_path / "spec.json").write_text(json.dumps(spec))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NCST_", "PYTHON"))}
    env.update(PYTHONPATH=str(FAKE_DVR), NCST_FAKE_RESOLVE_SPEC=str(tmp_path / "spec.json"),
               NCST_FAKE_RESOLVE_STATE=str(tmp_path / "state.json"),
               NCST_RESOLVE_CONFIG=str(write_config(tmp_path, baked_bundle)),
               NCST_REFERENCE=str(png(tmp_path / "ref.png")), NCST_SCOPE="timeline",
               NCST_LUT_DIR=str(tmp_path / "LUT"))
    res = subprocess.run([python[1], "-c", _RUNNER, str(installed_menu)], cwd=str(tmp_path), env=env,
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    result = json.loads(res.stdout.split("RESULT ", 1)[1])
    assert result["status"] == 0, res.stdout
    if python[0] == "3.8":
        assert result["version"] == [3, 8]
    assert result["heavy"] == []               # the bridge alone: no ncst_bridge package, numpy or torch
    state = json.loads((tmp_path / "state.json").read_text())
    for uid, item in state["items"].items():
        names = [v["name"] for v in item["versions"]]
        assert names[0] == "Version 1" and names[1].startswith("NCST ref ") and len(names) == 2
        assert item["versions"][0] == state["original"][uid]["versions"][0]
        new = item["versions"][1]["grade"]
        assert new["red"] is False and new["nodes"][1]["lut"].startswith("NCST/")
    assert (state["page"], state["playhead"]) == ("edit", 86400 + 24)


# --- the dialog -----------------------------------------------------------------------------------

def test_dialog_match_whole_timeline_with_chosen_options(installed_menu, baked_bundle, env, tmp_path):
    env.setenv("NCST_RESOLVE_CONFIG", str(write_config(tmp_path, baked_bundle, lut_dir=str(tmp_path / "LUT"))))
    ref = png(tmp_path / "picked.png")
    script = [("click", "BrowseButton"), ("set", "Scope", "CurrentIndex", 1), ("set", "Keyframes", "Value", 3),
              ("set", "Device", "CurrentIndex", 1), ("set", "Iterations", "Value", 7),
              ("set", "Solver", "CurrentIndex", 1), ("set", "Strength", "Text", "0.6"), ("click", "MatchButton"),
              ("click", "CloseButton")]
    world = fake_resolve.World(make_spec(tmp_path, request_file=str(ref), ui_script=script))
    assert run_menu(installed_menu, world.globals()) == 0
    (win,) = world.windows
    items = win.GetItems()
    assert items["Reference"].Text == str(ref)
    assert "done: 3 of 3 clip(s) matched" in items["Log"].PlainText
    assert items["MatchButton"].Enabled is True and not win.shown
    calls = match_calls(tmp_path)
    assert len(calls) == 3
    for argv in calls:
        opts = dict(zip(argv[::1], argv[1::1]))
        assert opts["--device"] == "cpu" and opts["--iterations"] == "7" and opts["--keyframes"] == "3"
        assert opts["--solver"] == "direct" and opts["--reference"] == str(ref) and opts["--strength"] == "0.6"
    for name in ("A", "B"):
        _check_clip_written(world, name, baked_bundle, tmp_path / "LUT")


def test_dialog_gallery_still_with_the_panel_closed_says_so(installed_menu, baked_bundle, env, tmp_path):
    env.setenv("NCST_RESOLVE_CONFIG", str(write_config(tmp_path, baked_bundle, lut_dir=str(tmp_path / "LUT"))))
    script = [("click", "GalleryButton"), ("click", "MatchButton"), ("close",)]
    world = fake_resolve.World(make_spec(tmp_path, ui_script=script))
    assert run_menu(installed_menu, world.globals()) == 0
    log = world.windows[0].GetItems()["Log"].PlainText
    assert GALLERY_PANEL_CLOSED in log
    assert world.item_states() == world.original and match_calls(tmp_path) == []
    assert world.page == "edit"


def test_dialog_gallery_still_with_the_panel_open(installed_menu, baked_bundle, env, tmp_path):
    env.setenv("NCST_RESOLVE_CONFIG", str(write_config(tmp_path, baked_bundle, lut_dir=str(tmp_path / "LUT"))))
    script = [("click", "GalleryButton"), ("click", "MatchButton"), ("close",)]
    world = fake_resolve.World(make_spec(tmp_path, ui_script=script, gallery_panel_open=True))
    assert run_menu(installed_menu, world.globals()) == 0
    item = world.item("A")
    assert item.GetCurrentVersion()["versionName"].startswith("NCST hero ")
    ref = match_calls(tmp_path)[0]
    exported = ref[ref.index("--reference") + 1]
    assert open(exported, "rb").read() == open(world.gallery.album.stills[-1].image, "rb").read()


def test_free_19_1_has_no_dialog_and_runs_headless_from_the_config(installed_menu, baked_bundle, env, tmp_path,
                                                                   capsys):
    ref = png(tmp_path / "cfg_ref.png")
    env.setenv("NCST_RESOLVE_CONFIG", str(write_config(tmp_path, baked_bundle, lut_dir=str(tmp_path / "LUT"),
                                                       reference=str(ref))))
    world = fake_resolve.World(make_spec(tmp_path, studio=False, version=[19, 1, 2, 3]))
    assert run_menu(installed_menu, world.globals()) == 0
    out = capsys.readouterr().out
    assert "running without a dialog (no UIManager" in out and "free edition 19.1+" in out
    assert world.windows == []
    _check_clip_written(world, "A", baked_bundle, tmp_path / "LUT")


def test_headless_without_a_reference_explains(installed_menu, baked_bundle, env, tmp_path, capsys):
    env.setenv("NCST_RESOLVE_CONFIG", str(write_config(tmp_path, baked_bundle, lut_dir=str(tmp_path / "LUT"))))
    world = fake_resolve.World(make_spec(tmp_path, studio=False, version=[20, 0, 0, 1]))
    assert run_menu(installed_menu, world.globals()) == 2
    assert "NCST_REFERENCE" in capsys.readouterr().out
    assert world.item_states() == world.original and world.page == "edit"


def test_bad_settings_are_one_line(installed_menu, env, tmp_path, capsys):
    env.setenv("NCST_SCOPE", "everything")
    env.setenv("NCST_REFERENCE", str(png(tmp_path / "r.png")))
    world = fake_resolve.World(make_spec(tmp_path))
    assert run_menu(installed_menu, world.globals()) == 2
    out = capsys.readouterr().out.strip().splitlines()
    assert out == ["NCST: scope must be clip, timeline or track:N (video track N, 1-based), got 'everything'"]


def test_the_uninstalled_template_says_how_to_install(capsys):
    assert run_menu(REPO / "ncst_bridge" / "resolve" / "scripts" / "NCST Match.py", {}) == 2
    assert "run `ncst resolve install`" in capsys.readouterr().out


def test_a_moved_project_is_reported(installed_menu, tmp_path, capsys):
    moved = tmp_path / "menu.py"
    moved.write_text(installed_menu.read_text().replace(str(REPO), str(tmp_path / "gone")))
    assert run_menu(moved, {}) == 2
    assert "no longer at" in capsys.readouterr().out


# --- end to end with the real grading code --------------------------------------------------------

def _resolve_render(world, name, lut_root, colours):
    """What Resolve would show: node 1's CDL (as written, ASC clamping) then node 2's LUT."""
    import PyOpenColorIO as OCIO
    from ncst_bridge.grade.cdl import CDL
    from ncst_bridge.io.ocio_build import cdl_transform

    item = world.item(name)
    grade = item.versions[item.current]
    c = grade.nodes[0].cdl
    group = OCIO.GroupTransform([
        cdl_transform(CDL(tuple(c["slope"]), tuple(c["offset"]), tuple(c["power"]), c["saturation"])),
        OCIO.FileTransform(src=str(Path(lut_root) / grade.nodes[1].lut),
                           interpolation=OCIO.Interpolation.INTERP_TETRAHEDRAL)])
    proc = OCIO.Config.CreateRaw().getProcessor(group).getDefaultCPUProcessor()
    buf = np.ascontiguousarray(colours, dtype=np.float32).copy()
    proc.applyRGB(buf)
    return buf.astype(np.float64)


def test_end_to_end_with_the_real_bake(installed_menu, look_params, env, tmp_path):
    """The real ``ncst bake`` makes the bundle; what lands in Resolve renders the look (ΔE2000)."""
    from ncst_bridge.io import fidelity
    from ncst_bridge.grade.cdl import cdl_from_params
    from ncst_bridge.grade.grade import colour_grade_numpy
    from ncst_bridge.grade.params import GradeParams

    lut_root = tmp_path / "LUT"
    env.setenv("NCST_RESOLVE_CONFIG", str(write_config(tmp_path, None, mode="bake", lut_size=33)))
    cfg = json.loads((tmp_path / "resolve.json").read_text())
    cfg["match_command"] += ["--fake-source", str(look_params)]
    (tmp_path / "resolve.json").write_text(json.dumps(cfg))
    env.setenv("NCST_REFERENCE", str(png(tmp_path / "ref.png")))
    env.setenv("NCST_LUT_DIR", str(lut_root))
    world = fake_resolve.World(make_spec(tmp_path))
    assert run_menu(installed_menu, world.globals()) == 0
    params = GradeParams(LOOK["params"])
    item = world.item("A")
    assert item.versions[item.current].nodes[0].cdl_raw == _set_cdl_of(cdl_from_params(params))
    colours = fidelity.sample_colours(20000, seed=3)
    stats = fidelity.summarise(fidelity.delta_e(colour_grade_numpy(colours, params),
                                                _resolve_render(world, "A", lut_root, colours)))
    assert fidelity.passes(stats), stats


def _real_match_help():
    res = ncst("match", "--help")
    assert res.returncode == 0, res.stderr
    return res.stdout


def test_end_to_end_with_the_real_match(installed_menu, env, tmp_path):
    """The real ``ncst match``: a photo clip and a video clip with a range."""
    help_text = _real_match_help()
    photo = tmp_path / "media" / "photo.jpg"
    photo.parent.mkdir(parents=True)
    from PIL import Image
    Image.open(REPO / "samples" / "reference.jpg").convert("RGB").resize((64, 48)).save(photo)
    ref = tmp_path / "ref.jpg"
    Image.open(REPO / "samples" / "reference.jpg").convert("RGB").resize((64, 48)).rotate(90).save(ref)
    spec = make_spec(tmp_path)
    assert "--start-frame" in help_text
    clips = [{"name": "photo", "kind": "still", "start": 0, "duration": 24, "file": str(photo)},
             {"name": "video", "start": 24, "duration": 20, "file": str(REPO / "samples" / "clip.mp4"),
              "media_fps": 10, "source_start": 5}]
    spec["tracks"] = [clips]
    spec["timeline"]["fps"] = "10"
    world = fake_resolve.World(spec)
    env.setenv("NCST_RESOLVE_CONFIG", str(write_config(tmp_path, None, keyframes=2, iterations=5, device="cpu")))
    cfg = json.loads((tmp_path / "resolve.json").read_text())
    del cfg["match_command"]
    (tmp_path / "resolve.json").write_text(json.dumps(cfg))
    env.setenv("NCST_REFERENCE", str(ref))
    env.setenv("NCST_SCOPE", "timeline")
    env.setenv("NCST_LUT_DIR", str(tmp_path / "LUT"))
    assert run_menu(installed_menu, world.globals()) == 0
    for clip in clips:
        item = world.item(clip["name"])
        assert item.GetCurrentVersion()["versionName"].startswith("NCST ref ")


def test_dialog_offers_the_solvers_of_ncst_match_auto_first():
    """The Solver field is a choice list of exactly ncst match's --solver choices, auto first (the bridge
    runs on Resolve's Python and keeps its own copy)."""
    from ncst_bridge.match.pipeline import SOLVERS
    from ncst_bridge.resolve import dialog

    assert dialog.SOLVERS == SOLVERS and dialog.SOLVERS[0] == "auto"
    items = {"Reference": type("W", (), {"Text": ""})(), "Scope": type("W", (), {"CurrentIndex": 0})(),
             "Track": type("W", (), {"Value": 1})(), "Keyframes": type("W", (), {"Value": 5})(),
             "Solver": type("W", (), {"CurrentText": "auto"})(), "Iterations": type("W", (), {"Value": 0})(),
             "Strength": type("W", (), {"Text": ""})(), "Device": type("W", (), {"CurrentText": "auto"})()}
    assert dialog.settings_from_items(items, {})["solver"] is None  # auto: ncst match's own default
    items["Solver"].CurrentText = "neural"
    assert dialog.settings_from_items(items, {})["solver"] == "neural"
