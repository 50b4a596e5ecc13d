"""Resolve project colour settings -> NCST colour spaces (stdlib-only module, Python 3.8 syntax)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from ncst_bridge.colour import check_space, load_config
from ncst_bridge.colour.camera_luts import slug as colour_slug
from ncst_bridge.resolve import colour_settings as rs

SOURCE = Path(rs.__file__)


def test_module_is_stdlib_only_and_python38():
    tree = ast.parse(SOURCE.read_text(), feature_version=(3, 8))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add((node.module or "").split(".")[0])
    assert imported <= {"__future__", "re"}, imported


def test_every_space_it_names_exists_in_the_aces_studio_config():
    loaded = load_config(None)
    names = {p[2] for p in rs._PAIRS} | {"ACEScct", "ACEScc"} | set(rs._ACES_LUT_SPACE.values())
    for name in names:
        assert check_space(loaded, name) == name


def test_slug_matches_the_bundle_file_names():
    for name in ("DaVinci Intermediate WideGamut", "ACEScct", "S-Log3 S-Gamut3.Cine", "ARRI LogC3 (EI800)"):
        assert rs.slug(name) == colour_slug(name)


def test_unmanaged_project_cannot_know_the_footage():
    plan = rs.colour_plan({"colorScienceMode": "davinciYRGB"})
    assert plan["managed"] is False and plan["timeline_space"] is None
    assert any("--input-space" in w for w in plan["warnings"])
    assert any("Color Space Transform" in line for line in plan["node_placement"])


def test_rcm_dwg_timeline():
    plan = rs.colour_plan({
        "colorScienceMode": "davinciYRGBColorManagedv2", "separateColorSpaceAndGamma": "1",
        "colorSpaceTimeline": "DaVinci WG", "colorSpaceTimelineGamma": "DaVinci Intermediate",
        "colorSpaceOutput": "Rec.709", "colorSpaceOutputGamma": "Gamma 2.4", "colorSpaceOutputToneMapping": "DaVinci"})
    assert plan["timeline_space"] == plan["lut_space"] == "DaVinci Intermediate WideGamut"
    assert plan["still_space"] == "Gamma 2.4 Encoded Rec.709"
    assert plan["cdl_applies"] is False and plan["lut_file"] == "look_in_davinci_intermediate_widegamut.cube"
    assert any("tone mapping 'DaVinci'" in w for w in plan["warnings"])


@pytest.mark.parametrize("timeline, gamma, separate, space", [
    ("Rec.709", "sRGB", "1", "sRGB Encoded Rec.709 (sRGB)"),
    ("Rec.709 Gamma 2.4", "", "0", "Gamma 2.4 Encoded Rec.709"),
    ("DaVinci WG/Intermediate", "", "0", "DaVinci Intermediate WideGamut"),
    ("Sony S-Gamut3.Cine", "S-Log3", "1", "S-Log3 S-Gamut3.Cine"),
    ("ARRI Wide Gamut 3", "ARRI LogC3", "1", "ARRI LogC3 (EI800)"),
    ("Panasonic V-Gamut", "Panasonic V-Log", "1", "V-Log V-Gamut"),
])
def test_rcm_timeline_names(timeline, gamma, separate, space):
    plan = rs.colour_plan({"colorScienceMode": "davinciYRGBColorManaged", "separateColorSpaceAndGamma": separate,
                           "colorSpaceTimeline": timeline, "colorSpaceTimelineGamma": gamma,
                           "colorSpaceOutput": "Rec.709", "colorSpaceOutputGamma": "sRGB"})
    assert plan["timeline_space"] == space
    assert plan["cdl_applies"] is (space == rs.WORKING)
    assert plan["lut_file"] == ("look.cube" if space == rs.WORKING else f"look_in_{colour_slug(space)}.cube")


def test_aces_project_uses_the_node_lut_processing_space():
    plan = rs.colour_plan({"colorScienceMode": "acescct", "colorAcesODT": "Rec.709",
                           "colorAcesNodeLUTProcessingSpace": "acesccAp1"})
    assert plan["timeline_space"] == "ACEScct" and plan["lut_space"] == "ACEScc"
    assert plan["lut_file"] == "look_in_acescc.cube" and not plan["cdl_applies"]
    assert any("tone-maps" in w for w in plan["warnings"])
    plan = rs.colour_plan({"colorScienceMode": "acescc", "colorAcesNodeLUTProcessingSpace": "projectSetting"})
    assert plan["lut_space"] == "ACEScc" and plan["warnings"] == []


def test_unknown_settings_warn_and_guess_nothing():
    hdr = rs.colour_plan({"colorScienceMode": "davinciYRGBColorManagedv2", "separateColorSpaceAndGamma": "1",
                          "colorSpaceTimeline": "Rec.2020", "colorSpaceTimelineGamma": "Rec.2100 ST2084",
                          "colorSpaceOutput": "Rec.2020", "colorSpaceOutputGamma": "Rec.2100 ST2084"})
    assert hdr["timeline_space"] is None and hdr["lut_file"] is None
    assert any("Rec.2020 / Rec.2100 ST2084" in w for w in hdr["warnings"])
    odd = rs.colour_plan({"colorScienceMode": "somethingNew"})
    assert odd["timeline_space"] is None and "somethingNew" in odd["warnings"][0]
    # Resolve answers None or a bare False for keys it does not know
    empty = rs.colour_plan({"colorScienceMode": "davinciYRGBColorManagedv2", "colorSpaceTimeline": False})
    assert empty["timeline_space"] is None and any("not set" in w for w in empty["warnings"])
