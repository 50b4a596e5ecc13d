"""GradeParams: names, neutral values, ranges, validation and the params.json contract."""

import json
import math

import pytest

from ncst_bridge.errors import NcstError
from ncst_bridge.grade.params import FORMAT, NAMES, PARAMS, GradeParams

CONTRACT = {  # README.md's parameter table: name -> neutral
    "brightness": 1.0, "contrast": 1.0, "gamma": 1.0, "saturation": 1.0,
    "hue": 0.0, "temperature": 0.0, "sharpness": 1.0,
}


def test_names_and_neutral_values_follow_the_contract():
    assert set(NAMES) == set(CONTRACT)
    for name, neutral in CONTRACT.items():
        spec = PARAMS[name]
        assert spec.neutral == neutral
        assert spec.lo <= neutral <= spec.hi
        assert spec.unit and spec.meaning and spec.lands in {"cdl", "residual", "spatial"}
    assert PARAMS["hue"].lo == -180 and PARAMS["hue"].hi == 180
    assert (PARAMS["temperature"].lo, PARAMS["temperature"].hi) == (-1, 1)
    assert PARAMS["hue"].lands == "residual" and PARAMS["sharpness"].lands == "spatial"
    assert PARAMS["brightness"].hi >= 2.0 and PARAMS["sharpness"].lo == 0.0 and PARAMS["sharpness"].hi >= 2.0


def test_omitted_means_neutral_and_round_trip():
    p = GradeParams(contrast=1.3, hue=-20)
    assert p.brightness == 1.0 and p.contrast == 1.3 and p.hue == -20
    obj = json.loads(json.dumps(p.to_json_obj()))
    assert obj["format"] == FORMAT
    assert GradeParams.from_json_obj(obj) == p
    assert GradeParams.from_json_obj({"format": FORMAT, "params": {}}).is_neutral()
    assert GradeParams.from_json_obj({"format": FORMAT}).is_neutral()
    assert set(obj["cdl"]) == {"slope", "offset", "power", "saturation"}
    assert obj["spatial"] == {"sharpness": 1.0}


@pytest.mark.parametrize("bad, needle", [
    ({"exposure": 1.0}, "exposure"),
    ({"gamma": float("nan")}, "gamma"),
    ({"gamma": float("inf")}, "gamma"),
    ({"saturation": 5.0}, "saturation"),
    ({"hue": -181}, "hue"),
    ({"contrast": "1.2"}, "contrast"),
    ({"brightness": True}, "brightness"),
])
def test_invalid_values_name_the_parameter(bad, needle):
    with pytest.raises(NcstError) as exc:
        GradeParams(bad)
    msg = str(exc.value)
    assert needle in msg and "\n" not in msg


@pytest.mark.parametrize("obj", [[], {"format": "ncst-look/2"}, {"params": {}}, {"format": FORMAT, "params": [1]}])
def test_malformed_json_objects(obj):
    with pytest.raises(NcstError):
        GradeParams.from_json_obj(obj)


def test_load_reports_bad_files(tmp_path):
    bad = tmp_path / "p.json"
    bad.write_text("{not json")
    with pytest.raises(NcstError, match="not valid JSON"):
        GradeParams.load(str(bad))
    with pytest.raises(NcstError, match="no such file"):
        GradeParams.load(str(tmp_path / "missing.json"))


def test_to_unit_is_monotone_and_spans_the_range():
    for spec in PARAMS.values():
        assert math.isclose(spec.to_unit(spec.lo), 0.0, abs_tol=1e-9)
        assert math.isclose(spec.to_unit(spec.hi), 1.0, abs_tol=1e-9)
        assert 0.0 <= spec.to_unit(spec.neutral) <= 1.0
        grid = [spec.lo + (spec.hi - spec.lo) * i / 1000 for i in range(1001)]
        units = [spec.to_unit(v) for v in grid]
        assert all(b >= a for a, b in zip(units, units[1:])), spec.name  # monotone over the whole range
        strict = [u for v, u in zip(grid, units) if v >= 1e-3]  # log-spaced factors floor at 1e-3
        assert all(b > a for a, b in zip(strict, strict[1:])), spec.name
        if spec.log_scale:  # equal ratios, equal steps: the geometric midpoint maps to 0.5
            lo = max(spec.lo, 1e-3)
            assert math.isclose(spec.to_unit(math.sqrt(lo * spec.hi)), 0.5, abs_tol=1e-9), spec.name
        else:
            assert math.isclose(spec.to_unit((spec.lo + spec.hi) / 2), 0.5, abs_tol=1e-9), spec.name
