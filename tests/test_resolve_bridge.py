"""The Resolve bridge logic against the fake Resolve: targets, frames, reference, write-back, rollback."""

import datetime
import json
import os
import sys
from pathlib import Path

import pytest

import fake_resolve
from ncst_bridge.resolve import frames, job, settings, timeline as tl
from ncst_bridge.resolve.api import ResolveInfo
from ncst_bridge.resolve.cdl_map import set_cdl_map
from ncst_bridge.resolve.errors import BridgeError
from ncst_bridge.resolve.reference import GALLERY_PANEL_CLOSED, resolve_reference
from resolve_support import FAKE_MATCH, baked_bundle, env, look_params, make_spec, match_calls, png  # noqa: F401

NOW = datetime.datetime(2026, 3, 4, 5, 6, 7)


def config(tmp, bundle, mode="copy", **over):
    c = dict(settings.DEFAULTS)
    c.update(reference=str(png(Path(tmp) / "ref_still.png")), lut_dir=str(Path(tmp) / "LUT"),
             looks_dir=str(Path(tmp) / "looks"),
             match_command=[sys.executable, str(FAKE_MATCH), "--fake-mode", mode, "--fake-source", str(bundle)])
    c.update(over)
    return settings.validate(c)


def run(world, tmp, bundle, mode="copy", now=NOW, **over):
    lines = []
    results = job.run(world.resolve, config(tmp, bundle, mode, **over), sys.executable, None, lines.append, now=now)
    return results, lines


def new_version(world, name):
    item = world.item(name)
    keys = [k for k in item.order if k[0].startswith("NCST")]
    return item, keys


def bundle_cdl(bundle):
    cdl = json.loads((Path(bundle) / "params.json").read_text())["cdl"]
    return set_cdl_map(cdl["slope"], cdl["offset"], cdl["power"], cdl["saturation"])


# --- which clip -------------------------------------------------------------------------------------

def session(world):
    return tl.Session(world.resolve)


def test_clip_under_playhead_is_found_by_walking_tracks_when_current_item_is_none(tmp_path):
    w = fake_resolve.World(make_spec(tmp_path, current_item_none=True, timeline={
        "name": "T", "fps": "24", "start_tc": "01:00:00:00", "playhead": "01:00:03:03"}))
    assert w.timeline.GetCurrentVideoItem() is None
    (target,) = tl.targets(session(w), "clip")
    assert target.name == "B" and target.track == 1


def test_playhead_over_a_gap_is_a_clear_error(tmp_path):
    w = fake_resolve.World(make_spec(tmp_path, timeline={"name": "T", "fps": "24", "start_tc": "01:00:00:00",
                                                         "playhead": "01:00:02:12"}))
    with pytest.raises(BridgeError, match="gap"):
        tl.targets(session(w), "clip")


def test_topmost_track_wins_and_tracks_can_be_chosen(tmp_path):
    spec = make_spec(tmp_path)
    spec["tracks"].append([{"name": "Top", "start": 10, "duration": 10, "file": spec["tracks"][0][0]["file"]}])
    w = fake_resolve.World(spec)
    s = session(w)
    assert tl.item_at(s, w.timeline.start + 12)[0].GetName() == "Top"
    assert [t.name for t in tl.targets(s, "track", 2)] == ["Top"]
    assert [t.name for t in tl.targets(s, "timeline")] == ["A", "B", "Solid", "Top"]
    with pytest.raises(BridgeError, match="track 3 does not exist"):
        tl.targets(s, "track", 3)


def test_drop_frame_playhead_maps_to_resolve_frames(tmp_path):
    # At 29.97 DF, 01:02:00;02 is 3598 frames after 01:00:00;00 (not 3602 as plain arithmetic says).
    spec = make_spec(tmp_path, current_item_none=True, timeline={
        "name": "DF", "fps": "29.97", "drop": True, "start_tc": "01:00:00;00", "playhead": "01:02:00;02"})
    f = spec["tracks"][0][0]["file"]
    spec["tracks"] = [[{"name": "X", "start": 0, "duration": 3598, "file": f, "media_fps": 29.97},
                       {"name": "Y", "start": 3598, "duration": 100, "file": f, "media_fps": 29.97}]]
    w = fake_resolve.World(spec)
    s = session(w)
    assert s.rate.drop and s.rate.nominal == 30
    assert tl.playhead_frame(s) == 107892 + 3598
    assert tl.targets(s, "clip")[0].name == "Y"


# --- frames ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("version", [[19, 1, 3, 7], [19, 0, 1, 6], [18, 6, 6, 7], [17, 4, 6, 4]])
def test_source_range_is_the_same_with_either_api_generation(tmp_path, version):
    w = fake_resolve.World(make_spec(tmp_path, version=version))
    s, info = session(w), ResolveInfo(w.resolve)
    plans = {t.name: frames.plan(s, info, t) for t in tl.targets(s, "timeline")}
    assert (plans["A"].kind, plans["A"].start, plans["A"].end) == ("file", 10, 57)     # 48 frames, same rate
    assert (plans["B"].start, plans["B"].end) == (100, 124)    # 24 timeline frames of 25 fps media
    assert plans["Solid"].kind == "stills"
    used = {c[1] for c in w.calls}
    assert ("GetSourceStartFrame" in used) == (tuple(version) >= (19, 0, 2))
    assert not [c for c in w.calls if c[3] == "missing"]       # never called a method this build lacks


def test_unknown_version_probes_with_dir_not_hasattr(tmp_path):
    w = fake_resolve.World(make_spec(tmp_path, version=[18, 1, 4, 9], hide_version=True))
    s, info = session(w), ResolveInfo(w.resolve)
    assert info.version is None
    (target,) = tl.targets(s, "clip")
    p = frames.plan(s, info, target)
    assert (p.start, p.end) == (10, 57)          # GetLeftOffset, since dir() lacks GetSourceStartFrame
    assert not [c for c in w.calls if c[3] == "missing"]


def test_no_usable_file_means_stills(tmp_path):
    spec = make_spec(tmp_path)
    media = tmp_path / "media"
    (media / "c.braw").write_bytes(b"raw")
    (media / "photo.png").write_bytes(b"png")
    spec["tracks"] = [[
        {"name": "raw", "start": 0, "duration": 10, "file": str(media / "c.braw")},
        {"name": "gone", "start": 10, "duration": 10, "file": str(media / "nothere.mov")},
        {"name": "comp", "kind": "compound", "start": 20, "duration": 10, "file": ""},
        {"name": "seq", "start": 30, "duration": 10, "file": str(media / "shot_[0001-0010].dng")},
        {"name": "photo", "kind": "still", "start": 40, "duration": 10, "file": str(media / "photo.png")},
    ]]
    w = fake_resolve.World(spec)
    s, info = session(w), ResolveInfo(w.resolve)
    kinds = {t.name: frames.plan(s, info, t) for t in tl.targets(s, "timeline")}
    assert {k: v.kind for k, v in kinds.items()} == {"raw": "stills", "gone": "stills", "comp": "stills",
                                                     "seq": "stills", "photo": "image"}
    assert "camera RAW" in kinds["raw"].reason and "not found" in kinds["gone"].reason


def test_still_export_visits_keyframes_and_restores_playhead_and_page(tmp_path):
    spec = make_spec(tmp_path, page="edit", timeline={"name": "DF", "fps": "29.97", "drop": True,
                                                      "start_tc": "01:00:00;00", "playhead": "01:00:00;10"})
    spec["tracks"] = [[{"name": "gen", "kind": "generator", "start": 1790, "duration": 30}]]
    w = fake_resolve.World(spec)
    s, info = session(w), ResolveInfo(w.resolve)
    view = tl.ViewState(s)
    (target,) = tl.targets(s, "timeline")
    paths, notes = frames.export_stills(s, info, view, target, 3, str(tmp_path))
    expected = frames.keyframe_positions(target, 3)
    assert [f for f, _ in w.exported_frames] == expected == [107892 + 1795, 107892 + 1805, 107892 + 1815]
    assert all(os.path.getsize(p) > 0 for p in paths) and "current grade" in notes[-1]
    assert w.page == "color"
    assert view.restore() == []
    assert (w.page, w.timeline.playhead) == ("edit", 107892 + 10)


def test_still_export_needs_18_5(tmp_path):
    w = fake_resolve.World(make_spec(tmp_path, version=[18, 1, 4, 9], page="color"))
    s, info = session(w), ResolveInfo(w.resolve)
    target = tl.targets(s, "timeline")[2]
    with pytest.raises(BridgeError, match="18.5"):
        frames.export_stills(s, info, tl.ViewState(s), target, 2, str(tmp_path))


# --- reference ------------------------------------------------------------------------------------

def test_gallery_reference_needs_the_gallery_panel(tmp_path):
    w = fake_resolve.World(make_spec(tmp_path, page="color"))
    with pytest.raises(BridgeError) as exc:
        resolve_reference("gallery", w.project, str(tmp_path / "ref"))
    assert str(exc.value) == GALLERY_PANEL_CLOSED and "Gallery panel" in str(exc.value)
    w.gallery_panel_open = True
    newest = resolve_reference("gallery", w.project, str(tmp_path / "ref"))
    assert newest.name == "hero" and newest.path.endswith(".png") and os.path.isfile(newest.path)
    assert resolve_reference("gallery:old", w.project, str(tmp_path / "ref2")).name == "old"
    with pytest.raises(BridgeError, match="'hero'"):
        resolve_reference("gallery:nope", w.project, str(tmp_path / "ref3"))


def test_file_reference_must_be_an_image(tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(BridgeError, match="not found"):
        resolve_reference(str(tmp_path / "nope.png"), None, str(tmp_path))
    with pytest.raises(BridgeError, match="not an image"):
        resolve_reference(str(tmp_path / "notes.txt"), None, str(tmp_path))
    with pytest.raises(BridgeError, match="NCST_REFERENCE"):
        resolve_reference(None, None, str(tmp_path))


# --- write-back -----------------------------------------------------------------------------------

def test_one_clip_two_nodes_cdl_strings_on_node_1_residual_on_node_2(tmp_path, baked_bundle, env):
    w = fake_resolve.World(make_spec(tmp_path))
    before = w.item_states()
    (result,), lines = run(w, tmp_path, baked_bundle)
    assert result["status"] == "ok", result["message"]
    item, (key,) = new_version(w, "A")
    assert key[0] == "NCST ref_still 2026-03-04 05:06" and key[1] == 0
    assert item.current == key
    grade = item.versions[key]
    assert not grade.red
    want = bundle_cdl(baked_bundle)
    assert grade.nodes[0].cdl_raw == want and all(isinstance(v, str) for v in want.values())
    assert grade.nodes[0].cdl["slope"] == [float(x) for x in want["Slope"].split()]
    lut = grade.nodes[1].lut
    assert lut.startswith("NCST/") and grade.nodes[0].lut == ""
    assert (tmp_path / "LUT" / lut).read_bytes() == (baked_bundle / "residual.cube").read_bytes()
    # the user's version is untouched, other clips too
    after = w.item_states()
    assert after[item.uid]["versions"][0] == before[item.uid]["versions"][0]
    assert {k: v for k, v in after.items() if k != item.uid} == {k: v for k, v in before.items() if k != item.uid}
    # sidecar: exactly what was written
    side = json.loads(Path(result["sidecar"]).read_text())
    assert side["cdl"] == {"node": 1, "set_cdl": want} and side["cdl_applied"] is True
    assert side["lut"]["node"] == 2 and side["lut"]["get_lut"] == lut and side["lut"]["content"] == "residual.cube"
    assert side["original_version"] == {"name": "Version 1", "type": "local"}
    assert side["node_api"].startswith("Graph") and side["source"]["source_start_frame"] == 10
    # order: the LUT is discovered (RefreshLUTList) before SetLUT
    names = [c[1] for c in w.calls]
    assert names.index("RefreshLUTList") < names.index("SetLUT")
    # page and playhead back where the user had them
    assert (w.page, w.timeline.playhead) == ("edit", w.timeline.start + 24)
    assert not [c for c in w.calls if c[3] == "missing"]     # no GetCDL or other invented call
    calls = match_calls(tmp_path)
    assert len(calls) == 1 and calls[0][calls[0].index("--start-frame") + 1] == "10"
    assert calls[0][calls[0].index("--end-frame") + 1] == "57"


def test_one_node_gets_the_whole_look_and_says_no_cdl(tmp_path, baked_bundle, env):
    w = fake_resolve.World(make_spec(tmp_path, new_version_copies_grade=False, new_version_nodes=1))
    (result,), lines = run(w, tmp_path, baked_bundle)
    assert result["status"] == "ok" and result["cdl_applied"] is False
    item, (key,) = new_version(w, "A")
    grade = item.versions[key]
    assert len(grade.nodes) == 1 and grade.nodes[0].cdl is None and grade.nodes[0].cdl_raw is None
    assert (tmp_path / "LUT" / grade.nodes[0].lut).read_bytes() == (baked_bundle / "look.cube").read_bytes()
    assert any("CDL was NOT applied" in w_ for w_ in result["warnings"])
    assert any("CDL was NOT applied" in line for line in lines)


def test_resolve_18_uses_timeline_item_node_methods(tmp_path, baked_bundle, env):
    w = fake_resolve.World(make_spec(tmp_path, version=[18, 6, 6, 7]))
    (result,), _ = run(w, tmp_path, baked_bundle)
    assert result["status"] == "ok", result["message"]
    called = {(c[0], c[1]) for c in w.calls}
    assert ("FakeTimelineItem", "SetLUT") in called and ("FakeTimelineItem", "GetLUT") in called
    assert not any(c[0] == "FakeGraph" for c in w.calls)
    assert not [c for c in w.calls if c[3] == "missing"]
    item, (key,) = new_version(w, "A")
    assert item.versions[key].nodes[1].lut.startswith("NCST/")


def test_resolve_19_uses_the_graph_api(tmp_path, baked_bundle, env):
    w = fake_resolve.World(make_spec(tmp_path, version=[19, 0, 0, 9]))
    (result,), _ = run(w, tmp_path, baked_bundle)
    assert result["status"] == "ok"
    assert ("FakeGraph", "SetLUT") in {(c[0], c[1]) for c in w.calls}
    assert not any(c[0] == "FakeTimelineItem" and c[1] in ("SetLUT", "GetLUT", "GetNumNodes") for c in w.calls)


def test_unknown_version_18_method_set_still_writes(tmp_path, baked_bundle, env):
    w = fake_resolve.World(make_spec(tmp_path, version=[18, 1, 4, 9], hide_version=True))
    (result,), _ = run(w, tmp_path, baked_bundle)
    assert result["status"] == "ok", result["message"]
    assert not [c for c in w.calls if c[3] == "missing" and c[1] not in ("GetVersion", "GetVersionString")]


def _assert_untouched(w, tmp_path):
    assert w.item_states() == w.original
    assert not [f for f in (tmp_path / "LUT").rglob("*") if f.is_file()]


def test_lut_folder_resolve_does_not_scan_rolls_everything_back(tmp_path, baked_bundle, env):
    user = tmp_path / "user_luts"
    user.mkdir()
    w = fake_resolve.World(make_spec(tmp_path))
    (result,), _ = run(w, tmp_path, baked_bundle, lut_dir=str(user))
    assert result["status"] == "failed" and "SetLUT" in result["message"] and "as it was" in result["message"]
    assert w.item_states() == w.original
    assert not [f for f in user.rglob("*") if f.is_file()]


def test_getlut_read_back_mismatch_rolls_back(tmp_path, baked_bundle, env):
    w = fake_resolve.World(make_spec(tmp_path, getlut_lies=True))
    (result,), _ = run(w, tmp_path, baked_bundle)
    assert result["status"] == "failed" and "reads back" in result["message"]
    _assert_untouched(w, tmp_path)


@pytest.mark.parametrize("quirk", [{"locked": True}, {"load_fails": True}])
def test_version_failures_leave_the_clip_as_it_began(tmp_path, baked_bundle, env, quirk):
    spec = make_spec(tmp_path, fail_load_version=quirk.get("load_fails", False))
    spec["tracks"][0][0]["locked"] = quirk.get("locked", False)
    w = fake_resolve.World(spec)
    (result,), _ = run(w, tmp_path, baked_bundle)
    assert result["status"] == "failed" and "as it was" in result["message"], result["message"]
    _assert_untouched(w, tmp_path)


def test_add_version_that_loads_itself_is_fine(tmp_path, baked_bundle, env):
    w = fake_resolve.World(make_spec(tmp_path, add_version_loads=True))
    (result,), _ = run(w, tmp_path, baked_bundle)
    assert result["status"] == "ok"


def test_running_twice_in_a_minute_makes_two_versions(tmp_path, baked_bundle, env):
    w = fake_resolve.World(make_spec(tmp_path))
    run(w, tmp_path, baked_bundle)
    (result,), _ = run(w, tmp_path, baked_bundle)
    assert result["version"] == "NCST ref_still 2026-03-04 05:06 (2)"
    assert w.item("A").GetVersionNameList(0) == ["Version 1", "NCST ref_still 2026-03-04 05:06",
                                                 "NCST ref_still 2026-03-04 05:06 (2)"]
    luts = sorted(p.name for p in (tmp_path / "LUT" / "NCST").glob("*.cube"))
    assert len(luts) == 2


def test_whole_timeline_one_failure_does_not_stop_the_rest(tmp_path, baked_bundle, env):
    spec = make_spec(tmp_path)
    spec["tracks"][0][1]["file"] = ""      # B: no path -> stills; then fake match fails only on...
    w = fake_resolve.World(spec)
    w.item("B").locked = True              # ...this one: a locked grade
    results, lines = run(w, tmp_path, baked_bundle, scope="timeline", keyframes=2)
    assert [(r["clip"], r["status"]) for r in results] == [("A", "ok"), ("B", "failed"), ("Solid", "ok")]
    assert w.item("B").state() == w.original[w.item("B").uid]
    solid, (key,) = new_version(w, "Solid")         # generator: SetCDL refused, look on node 2
    assert solid.versions[key].nodes[1].lut.startswith("NCST/") and solid.versions[key].nodes[0].cdl is None
    assert (w.page, w.timeline.playhead) == ("edit", w.timeline.start + 24)
    assert len(match_calls(tmp_path)) == 3
    summary = json.loads(next((tmp_path / "looks").glob("*/results.json")).read_text())
    assert [r["status"] for r in summary["results"]] == ["ok", "failed", "ok"]


def test_match_failure_is_reported_per_clip(tmp_path, baked_bundle, env):
    w = fake_resolve.World(make_spec(tmp_path))
    (result,), _ = run(w, tmp_path, baked_bundle, mode="fail")
    assert result["status"] == "failed" and result["message"].startswith("ncst match failed (exit 2)")
    assert "cannot decode" in result["message"]
    assert w.item_states() == w.original


def test_busy_resolve_changes_nothing(tmp_path, baked_bundle, env):
    w = fake_resolve.World(make_spec(tmp_path, modal=True))
    with pytest.raises(BridgeError, match="busy"):
        run(w, tmp_path, baked_bundle)
    assert w.item_states() == w.original


def test_too_old_resolve_is_refused(tmp_path, baked_bundle, env):
    w = fake_resolve.World(make_spec(tmp_path, version=[17, 4, 5, 1]))
    with pytest.raises(BridgeError, match="17.4.6"):
        run(w, tmp_path, baked_bundle)


def test_playhead_is_restored_when_the_user_was_on_the_media_page(tmp_path, baked_bundle, env):
    w = fake_resolve.World(make_spec(tmp_path, page="media", timeline={
        "name": "T", "fps": "24", "start_tc": "01:00:00:00", "playhead": "01:00:05:02"}))
    results, _ = run(w, tmp_path, baked_bundle, scope="track:1", keyframes=2)
    assert [r["status"] for r in results] == ["ok", "ok", "ok"]
    assert len(w.exported_frames) == 2                     # the generator's stills moved the playhead
    assert (w.page, w.timeline.playhead) == ("media", w.timeline.start + 5 * 24 + 2)


def test_strength_setting_is_checked_and_passed_on(tmp_path):
    from ncst_bridge.resolve.matchrun import match_argv

    c = dict(settings.DEFAULTS, strength="0.5")
    assert settings.validate(c)["strength"] == 0.5
    argv = match_argv("py", [str(tmp_path / "a.mov")], str(tmp_path / "r.png"), str(tmp_path / "o"), c)
    assert argv[argv.index("--strength") + 1] == "0.5"
    assert "--strength" not in match_argv("py", ["a.mov"], "r.png", "o", settings.validate(dict(settings.DEFAULTS)))
    for bad in ("1.5", "-0.1", "strong"):
        with pytest.raises(BridgeError, match="strength"):
            settings.validate(dict(settings.DEFAULTS, strength=bad))
