"""Fidelity of the exports against the direct render on real photos, 50 grades across the ranges.

The project's fidelity bar (mean ≤ 0.05, p99 ≤ 0.5, max ≤ 1.5 ΔE00) is not reachable by any
33³ lattice for grades whose clamps bite (a kink inside a lattice cell), so this test pins what is
true: the CDL path is exact, most grades meet the bar, and the failures stay where the docs/fidelity.md table
says (bench/fidelity_bench.py produces that table).
"""

import numpy as np
import pytest

from conftest import photos
from ncst_bridge.io import fidelity
from ncst_bridge.grade.params import GradeParams
from ncst_bridge.grade.sampling import random_params


@pytest.fixture(scope="module")
def colours():
    return fidelity.sample_colours(20_000, pixels=fidelity.image_pixels(photos()[::6], per_image=4_000))


@pytest.fixture(scope="module")
def full_range(colours):
    rng = np.random.default_rng(7)
    grades = [random_params(rng) for _ in range(50)]
    return grades, fidelity.survey(grades, colours)


def test_ocio_look_is_the_cdl_then_residual_chain(full_range):
    _, results = full_range
    for r in results:
        assert abs(r["ocio look"]["max"] - r["look.cc+residual.cube"]["max"]) < 1e-6


def test_cdl_path_is_exact_when_the_residual_is_identity(colours):
    rng = np.random.default_rng(3)
    grades = [random_params(rng).replace(hue=0.0) for _ in range(8)]
    for r in fidelity.survey(grades, colours):
        s = r["look.cc+residual.cube"]
        assert s["max"] < 0.02 and s["mean"] < 1e-3, s  # float32 OCIO vs float64 f_P only


def test_full_range_grades_against_the_bar(full_range):
    grades, results = full_range
    agg = fidelity.aggregate(results)
    cdl = agg["look.cc+residual.cube"]
    cube = agg["look.cube"]
    # Measured here: CDL+residual meets the whole bar for ~60% of full-range grades and stays
    # under ΔE00 1.9 everywhere; look.cube meets it for ~40% (clamp kinks at 33³).
    assert cdl["pass_rate"] >= 0.5 and cdl["mean"] <= 0.05 and cdl["worst_max"] <= 2.5, cdl
    assert cube["pass_rate"] >= 0.3 and cube["mean"] <= 0.1 and cube["median_p99"] <= 1.0, cube
    for r in results:  # every path, every grade: the mean error stays small
        assert r["look.cc+residual.cube"]["mean"] <= 0.15 and r["look.cube"]["mean"] <= 0.3


def test_moderate_grades_meet_the_bar_on_the_cdl_path(colours):
    rng = np.random.default_rng(11)
    grades = [random_params(rng, strength=0.35) for _ in range(20)]
    agg = fidelity.aggregate(fidelity.survey(grades, colours))
    assert agg["look.cc+residual.cube"]["pass_rate"] >= 0.85, agg


def test_a_wrong_lut_is_caught(tmp_path, colours):
    """The check is not blind: a LUT baked for other parameters fails the bar."""
    from ncst_bridge.io.bundle import write_look_files

    write_look_files(tmp_path, GradeParams(hue=40, contrast=1.3))
    r = fidelity.check_bundle(tmp_path, GradeParams(hue=30, contrast=1.3), colours)
    assert not r["look.cube"]["passes_bar"] and r["look.cube"]["mean"] > 1.0
