"""The fake Resolve reproduces each documented quirk (so the bridge tests against it mean something)."""

import os

import pytest

import fake_resolve
from resolve_support import make_spec


@pytest.fixture
def world(tmp_path):
    return fake_resolve.World(make_spec(tmp_path, page="color"))


def _cube(path, rows=None, size=2):
    lines = ["LUT_3D_SIZE %d" % size] + ["0.5 0.5 0.5"] * (size ** 3 if rows is None else rows)
    path.write_text("\n".join(lines) + "\n")


def test_hasattr_is_always_true_but_dir_lists_only_real_methods(world):
    item = world.item("A")
    assert hasattr(item, "GetCDL") and item.GetCDL(1) is None      # no GetCDL, yet "present"
    assert hasattr(item, "GetNumNodes") and "GetNumNodes" not in dir(item)  # 19.1: moved to Graph
    assert "GetNodeGraph" in dir(item) and "SetCDL" in dir(item) and "GetCDL" not in dir(item)


def test_method_sets_by_version(tmp_path):
    old = fake_resolve.World(make_spec(tmp_path, version=[18, 1, 4, 9]))
    item, project = old.item("A"), old.project
    assert {"GetNumNodes", "SetLUT", "GetLUT"} <= set(dir(item))
    assert not {"GetNodeGraph", "GetSourceStartFrame"} & set(dir(item))
    assert "ExportCurrentFrameAsStill" not in dir(project)
    mid = fake_resolve.World(make_spec(tmp_path, version=[19, 0, 1, 6]))
    assert "GetNodeGraph" in dir(mid.item("A")) and "GetSourceStartFrame" not in dir(mid.item("A"))
    assert "ApplyGradeFromDRX" in dir(mid.timeline)
    new = fake_resolve.World(make_spec(tmp_path, version=[19, 1, 0, 1]))
    assert "ApplyGradeFromDRX" not in dir(new.timeline)
    assert "IsStudio" not in dir(new.resolve)
    assert "IsStudio" in dir(fake_resolve.World(make_spec(tmp_path, version=[21, 1, 0, 1])).resolve)


def test_set_cdl_wants_strings_lists_succeed_but_render_red(world):
    item = world.item("A")
    good = {"NodeIndex": "1", "Slope": "1 1 1", "Offset": "0 0 0", "Power": "1 1 1", "Saturation": "1"}
    assert item.SetCDL(good) is True and not item.grade.red
    bad = dict(good, Slope=[1.0, 1.0, 1.0])
    assert item.SetCDL(bad) is True and item.grade.red
    assert item.SetCDL(dict(good, NodeIndex="0")) is False      # 1-based
    assert item.SetCDL(dict(good, NodeIndex="3")) is False      # > GetNumNodes()


def test_set_lut_needs_refresh_one_based_index_and_a_valid_cube(world, tmp_path):
    root = world.lut_roots[0]
    os.makedirs(os.path.join(root, "X"))
    _cube(tmp_path / "LUT" / "X" / "good.cube")
    _cube(tmp_path / "LUT" / "X" / "short.cube", rows=7)
    graph = world.item("A").GetNodeGraph()
    assert graph.SetLUT(2, "X/good.cube") is False          # not discovered yet
    assert world.project.RefreshLUTList() is True
    assert graph.SetLUT(0, "X/good.cube") is False          # 0-based index refused
    assert graph.SetLUT(3, "X/good.cube") is False          # past the last node
    assert graph.SetLUT(2, "X/short.cube") is False         # rows != N^3
    assert graph.SetLUT(2, os.path.join(root, "X", "good.cube")) is True
    assert graph.GetLUT(2) == "X/good.cube"                 # answered relative
    user = tmp_path / "user_luts"
    user.mkdir()
    _cube(user / "u.cube")
    world.project.RefreshLUTList()
    assert graph.SetLUT(1, str(user / "u.cube")) is False    # per-user folder refused


def test_current_video_item_is_none_over_gaps_and_modals(world):
    tl = world.timeline
    assert tl.GetCurrentVideoItem().GetName() == "A"
    assert tl.SetCurrentTimecode("01:00:02:12") is True      # frame 60: the gap
    assert tl.GetCurrentVideoItem() is None
    world.modal = True
    assert world.resolve.GetCurrentPage() is None and tl.SetCurrentTimecode("01:00:00:00") is False


def test_timecode_calls_depend_on_page_and_start(world):
    tl = world.timeline
    assert tl.SetCurrentTimecode("00:59:59:23") is False     # below the start timecode
    world.resolve.OpenPage("media")
    assert tl.SetCurrentTimecode("01:00:00:05") is False and tl.GetCurrentTimecode() == ""


def test_drop_frame_timeline(tmp_path):
    w = fake_resolve.World(make_spec(tmp_path, timeline={"name": "DF", "fps": "29.97", "drop": True,
                                                         "start_tc": "01:00:00;00", "playhead": "01:00:00;00"}))
    assert w.timeline.GetStartFrame() == 107892
    assert w.timeline.GetStartTimecode() == "01:00:00;00"
    assert w.project.GetSetting("timelineDropFrameTimecode") == "1"
    assert w.timeline.SetCurrentTimecode("01:01:00;00") is False   # skipped label
    assert w.timeline.SetCurrentTimecode("01:01:00;02") is True
    assert w.timeline.playhead == 107892 + 1800   # minute 60 is a tenth minute: all 1800 labels
    assert w.timeline.SetCurrentTimecode("01:02:00;02") is True
    assert w.timeline.playhead == 107892 + 1800 + 1798  # minute 61 lost labels ;00 and ;01


def test_export_stills_is_false_without_the_gallery_panel(world, tmp_path):
    album = world.gallery.GetCurrentStillAlbum()
    stills = album.GetStills()
    assert album.ExportStills(stills[-1:], str(tmp_path), "p", "png") is False
    world.gallery_panel_open = True
    assert album.ExportStills(stills[-1:], str(tmp_path), "p", "png") is True
    assert sorted(os.listdir(tmp_path))[-2:] == ["p_0_hero.drx", "p_0_hero.png"]


def test_free_edition_has_no_uimanager_from_19_1_and_no_external_scripting(tmp_path):
    free = fake_resolve.World(make_spec(tmp_path, studio=False, version=[19, 1, 0, 3]))
    assert free.resolve.GetProductName() == "DaVinci Resolve"
    assert free.fusion.UIManager is None
    assert free.scriptapp("Resolve", external=True) is None
    assert free.scriptapp("Resolve", external=False) is free.resolve
    older = fake_resolve.World(make_spec(tmp_path, studio=False, version=[19, 0, 3, 7]))
    assert older.fusion.UIManager is not None


def test_versions_add_load_delete(world):
    item = world.item("A")
    world.page = "edit"
    assert item.AddVersion("x", 0) is False                 # Color page only
    world.page = "color"
    assert item.AddVersion("x", 0) is True and item.GetCurrentVersion()["versionName"] == "Version 1"
    assert item.LoadVersionByName("x", 0) is True
    assert item.DeleteVersionByName("x", 0) is False        # the loaded one
    assert item.LoadVersionByName("Version 1", 0) and item.DeleteVersionByName("x", 0)
    assert item.GetVersionNameList(0) == ["Version 1"]
