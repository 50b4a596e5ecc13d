"""The CDL part is exact ASC CDL v1.2: checked against OpenColorIO's CDLTransform (ASC style)."""

import numpy as np
import PyOpenColorIO as OCIO
import pytest

from ncst_bridge.grade.cdl import cdl_from_params
from ncst_bridge.grade.grade import cdl_part_numpy
from ncst_bridge.grade.params import PARAMS, GradeParams
from ncst_bridge.io.cdl_files import write_cdl_file
from ncst_bridge.io.ocio_build import cdl_transform, exact_cpu_processor


def random_params(rng, n):
    out = []
    for _ in range(n):
        v = {}
        for name, s in PARAMS.items():
            if s.lands != "cdl":
                continue
            v[name] = float(np.exp(rng.uniform(np.log(s.lo), np.log(s.hi)))) if s.log_scale else float(rng.uniform(s.lo, s.hi))
        out.append(GradeParams(v))
    return out


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_cdl_part_equals_ocio_asc_cdl(seed):
    rng = np.random.default_rng(seed)
    colours = np.concatenate([rng.random((12_000, 3)), rng.uniform(-0.2, 1.2, (2000, 3))])
    for params in random_params(rng, 4):
        cdl = cdl_from_params(params)
        proc = OCIO.Config.CreateRaw().getProcessor(cdl_transform(cdl))
        buf = colours.astype(np.float32).copy()
        exact_cpu_processor(proc).applyRGB(buf)
        ours = cdl_part_numpy(colours.astype(np.float32).astype(np.float64), params)
        assert np.abs(ours - buf).max() <= 1e-5, params


def test_cdl_values_follow_the_documented_folding():
    p = GradeParams(brightness=1.2, contrast=1.5, gamma=0.8, saturation=1.3, temperature=0.0)
    cdl = cdl_from_params(p)
    assert np.allclose(cdl.slope, [1.8] * 3)
    assert np.allclose(cdl.offset, [0.435 * (1 - 1.5)] * 3)
    assert cdl.power == (0.8, 0.8, 0.8) and cdl.saturation == 1.3
    assert cdl_from_params(GradeParams()).is_identity()
    warm = cdl_from_params(GradeParams(temperature=1.0))
    assert warm.slope[0] > warm.slope[1] > warm.slope[2]
    assert np.isclose(np.dot(warm.slope, [0.2126, 0.7152, 0.0722]), 1.0)


@pytest.mark.parametrize("ext", [".cc", ".ccc", ".cdl"])
def test_cdl_files_read_back_by_ocio(tmp_path, ext):
    cdl = cdl_from_params(GradeParams(contrast=1.3, gamma=1.2, saturation=0.7, temperature=-0.4))
    path = write_cdl_file(cdl, tmp_path / f"grade{ext}", cc_id="shot_010", description="test")
    back = OCIO.CDLTransform.CreateFromFile(str(path), "" if ext == ".cc" else "shot_010")
    assert np.allclose(back.getSlope(), cdl.slope) and np.allclose(back.getOffset(), cdl.offset)
    assert np.allclose(back.getPower(), cdl.power) and np.isclose(back.getSat(), cdl.saturation)
    assert back.getID() == "shot_010"


def test_resolve_set_cdl_dict_is_strings_and_one_based():
    from ncst_bridge.resolve.cdl_map import set_cdl_map

    cdl = cdl_from_params(GradeParams(contrast=1.3, temperature=0.2))
    d = set_cdl_map(cdl.slope, cdl.offset, cdl.power, cdl.saturation)
    assert set(d) == {"NodeIndex", "Slope", "Offset", "Power", "Saturation"}
    assert all(isinstance(v, str) for v in d.values())
    assert d["NodeIndex"] == "1" and len(d["Slope"].split()) == 3 and len(d["Saturation"].split()) == 1
    assert np.allclose([float(v) for v in d["Slope"].split()], cdl.slope, atol=1e-6)
    assert set_cdl_map(cdl.slope, cdl.offset, cdl.power, cdl.saturation, node_index=2)["NodeIndex"] == "2"
    with pytest.raises(ValueError):
        set_cdl_map(cdl.slope, cdl.offset, cdl.power, cdl.saturation, node_index=0)
