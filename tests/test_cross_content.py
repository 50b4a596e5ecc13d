"""Matching a reference of OTHER content: auto's NCST network with its look-fit step, the look fit alone
(and the older look prior), the evidence record, and --strength.

Images are generated here (no shared data needed): a warm wooden-floor-like texture as the clip and a
blue lake-and-sky-like still as the reference -- the case where copying the reference's colour
distribution turns the floor teal (hue about +170 degrees).
"""

import json

import numpy as np
import pytest

from conftest import REPO, assert_one_line_error, run_ncst
from ncst_bridge.errors import NcstError
from ncst_bridge.grade.grade import colour_grade_numpy
from ncst_bridge.grade.params import PARAMS, GradeParams
from ncst_bridge.grade.strength import apply_strength, full_strength
from ncst_bridge.io.images import read_image, write_image
from ncst_bridge.match.pipeline import MatchConfig, content_difference, match_frames


def warm_floor(h=120, w=160, seed=0) -> np.ndarray:
    """Planks of warm brown wood with grain: hues around orange, mid luminance."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w] / np.array([h, w])[:, None, None]
    plank = (np.floor(x * 6) % 2) * 0.08
    grain = 0.06 * np.sin(40 * y + 3 * np.sin(9 * x)) + rng.normal(0, 0.02, (h, w))
    base = 0.45 + plank + grain + 0.2 * (1 - y)
    rgb = np.stack([base * 1.15, base * 0.78, base * 0.45], -1)
    return np.clip(rgb, 0, 1)


def blue_lake(h=120, w=160, seed=1) -> np.ndarray:
    """A sky (light blue to deep blue) over darker blue water with ripples and a thin warm horizon."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w] / np.array([h, w])[:, None, None]
    sky = np.stack([0.35 + 0.3 * y, 0.55 + 0.25 * y, 0.9 + 0.05 * y], -1)
    water = np.stack([0.08 + 0.05 * (1 - y), 0.22 + 0.05 * (1 - y), 0.45 + 0.1 * (1 - y)], -1)
    water = water + 0.04 * np.sin(60 * y + 5 * x)[..., None] + rng.normal(0, 0.015, (h, w, 1))
    img = np.where((y < 0.5)[..., None], sky, water)
    img[(y > 0.48) & (y < 0.52)] = (0.9, 0.6, 0.35)
    return np.clip(img, 0, 1)


def test_warm_clip_to_blue_reference_of_other_content_keeps_its_hue():
    auto = match_frames([warm_floor()], blue_lake(), MatchConfig())
    ev = auto.info["evidence"]
    assert auto.info["solver"] == "neural" and not ev["registered"] and ev["weak"]
    # two different scenes (content difference above 0.3): the network's prediction, no look-fit step
    assert ev["content_difference"] >= 0.3 and auto.info["test_time"] == "none" and "look_fit" not in auto.info
    assert "another scene" in ev["summary"] and "NCST network" in ev["summary"]
    assert abs(auto.params.hue) <= 30, auto.params
    res = match_frames([warm_floor()], blue_lake(), MatchConfig(solver="look"))
    assert res.info["solver"] == "look" and res.info["look_fit"]["statistics"] == 45
    assert abs(res.params.hue) <= 30, res.params
    prior = match_frames([warm_floor()], blue_lake(), MatchConfig(solver="prior"))
    assert abs(prior.params.hue) <= 30, prior.params
    # the distribution fit (what auto did before) copies the reference's colours instead
    copy = match_frames([warm_floor()], blue_lake(), MatchConfig(solver="direct", iterations=60))
    assert abs(copy.params.hue) > abs(res.params.hue)


def test_the_look_fit_refines_the_network_only_where_the_scenes_are_alike():
    """Below content difference 0.3 (match/neural.py LOOK_STEP_BELOW) the look fit runs after the network,
    with the network's prediction as the centre of its prior; a forced step runs either way."""
    from ncst_bridge.match.neural import LOOK_STEP_BELOW, test_time_step

    assert test_time_step("auto", LOOK_STEP_BELOW - 0.01) == "look" and test_time_step("auto", 0.9) == "none"
    floor = warm_floor()
    alike = match_frames([floor[:, :80]], colour_grade_numpy(floor[:, 80:], GradeParams(temperature=0.5)),
                         MatchConfig(correspond=False))
    assert alike.info["evidence"]["content_difference"] < LOOK_STEP_BELOW
    assert alike.info["test_time"] == "look fit, network prior" and alike.info["look_fit"]["statistics"] == 45
    forced = match_frames([warm_floor()], blue_lake(), MatchConfig(test_time="look", iterations=5))
    assert forced.info["test_time"] == "look fit, network prior"
    with pytest.raises(NcstError, match="test-time step"):
        match_frames([warm_floor()], blue_lake(), MatchConfig(test_time="nope"))


@pytest.mark.parametrize("solver", ["look", "auto"])
def test_a_look_seen_on_other_content_moves_the_match_that_way(solver):
    """A warm or cool, bright or dark look on the other half of the bundled still moves the match that way."""
    img = read_image(REPO / "samples" / "reference.jpg")[::2, ::2]
    w = img.shape[1]
    left, right = img[:, : w // 2], img[:, w // 2:]
    cfg = MatchConfig(solver=solver)
    warm = match_frames([left], colour_grade_numpy(right, GradeParams(temperature=0.8)), cfg)
    cool = match_frames([left], colour_grade_numpy(right, GradeParams(temperature=-0.8)), cfg)
    assert warm.info["solver"] == ("look" if solver == "look" else "neural")
    assert warm.params.temperature > cool.params.temperature + 0.3, (warm.params, cool.params)
    bright = match_frames([left], colour_grade_numpy(right, GradeParams(brightness=1.5)), cfg)
    dark = match_frames([left], colour_grade_numpy(right, GradeParams(brightness=0.7)), cfg)
    assert bright.params.brightness > dark.params.brightness * 1.3, (bright.params, dark.params)


def test_a_damaged_look_model_is_a_one_line_error(tmp_path):
    bad = tmp_path / "look.safetensors"
    bad.write_bytes(b"not a safetensors file")
    with pytest.raises(NcstError, match="not an NCST look model"):
        match_frames([warm_floor()], blue_lake(), MatchConfig(solver="look", look_path=str(bad)))
    with pytest.raises(NcstError, match="missing"):
        match_frames([warm_floor()], blue_lake(), MatchConfig(solver="look", look_path=str(tmp_path / "none")))


def test_content_difference_separates_one_scene_from_another():
    floor = warm_floor()
    same = content_difference([floor], colour_grade_numpy(floor, GradeParams(brightness=1.3, temperature=0.4)))
    other = content_difference([floor], blue_lake())
    assert same < other, (same, other)


def test_strength_moves_each_parameter_toward_neutral_in_its_unit():
    p = GradeParams(brightness=2.0, contrast=0.5, gamma=1.5, hue=90.0, saturation=0.0, sharpness=2.0,
                    temperature=-0.6)
    assert apply_strength(p, 1.0) == p
    assert apply_strength(p, 0.0).is_neutral()
    half = apply_strength(p, 0.5)
    assert half.brightness == pytest.approx(2 ** 0.5) and half.contrast == pytest.approx(0.5 ** 0.5)
    assert half.hue == pytest.approx(45.0) and half.temperature == pytest.approx(-0.3)
    assert half.saturation == 0.0 and half.sharpness == pytest.approx(2 ** 0.5)
    for bad in (-0.1, 1.5, float("nan")):
        with pytest.raises(NcstError, match="strength"):
            apply_strength(p, bad)
    assert all(PARAMS[n].lo <= v <= PARAMS[n].hi for n, v in apply_strength(p, 0.3).as_dict().items())


def test_match_strength_report_and_bake(tmp_path):
    clip = write_image(tmp_path / "floor.png", warm_floor())
    ref = write_image(tmp_path / "lake.png", colour_grade_numpy(blue_lake(), GradeParams(contrast=1.4, gamma=0.8)))
    proc = run_ncst("match", clip, "--reference", ref, "-o", tmp_path / "full")
    assert proc.returncode == 0, proc.stderr
    assert "note: the reference shows another scene" in proc.stdout and "warning" not in proc.stdout
    proc = run_ncst("match", clip, "--reference", ref, "-o", tmp_path / "half", "--strength", "0.5")
    assert proc.returncode == 0, proc.stderr
    full = GradeParams.load(str(tmp_path / "full" / "params.json"))
    obj = json.loads((tmp_path / "half" / "params.json").read_text())
    assert obj["strength"]["value"] == 0.5
    assert GradeParams(obj["strength"]["full_strength_params"]) == full
    assert GradeParams.from_json_obj(obj) == apply_strength(full, 0.5)
    assert "strength" not in json.loads((tmp_path / "full" / "params.json").read_text())
    rep = json.loads((tmp_path / "half" / "report.json").read_text())
    ev = rep["solver"]["evidence"]
    assert set(ev) >= {"registered", "registered_pairs", "inliers", "content_difference", "weak", "summary"}
    assert rep["solver"]["strength"] == 0.5
    # bake dials the recorded full-strength look, not the already-softened one
    proc = run_ncst("bake", tmp_path / "half" / "params.json", "-o", tmp_path / "b", "--strength", "1")
    assert proc.returncode == 0, proc.stderr
    assert GradeParams.load(str(tmp_path / "b" / "params.json")) == full
    assert full_strength(str(tmp_path / "full" / "params.json")) == full  # no record: params as they are
    assert_one_line_error(run_ncst("bake", tmp_path / "half" / "params.json", "-o", tmp_path / "c",
                                   "--strength", "2"), "strength")
    assert_one_line_error(run_ncst("match", clip, "--reference", ref, "-o", tmp_path / "d", "--strength", "-1"),
                          "strength")
    assert not (tmp_path / "c").exists() and not (tmp_path / "d").exists()


def test_look_fit_recovers_a_look_on_the_same_content():
    """Given the graded content itself (no content difference), the MAP fit lands near the look: the
    statistics, the whitening and the prior pull the right way."""
    img = read_image(REPO / "samples" / "reference.jpg")[::4, ::4]
    look = GradeParams(brightness=1.2, contrast=1.15, saturation=1.3, temperature=0.4)
    target = colour_grade_numpy(img, look)
    res = match_frames([img], target, MatchConfig(solver="look", correspond=False))
    got = colour_grade_numpy(img, res.params)
    assert np.abs(got - target).mean() < 0.25 * np.abs(img - target).mean(), (res.params, look)
    assert abs(res.params.hue) < 10 and res.params.temperature > 0.2, res.params
