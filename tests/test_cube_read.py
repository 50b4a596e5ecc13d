"""io/cube.read_cube_table reads what colour-science's read_LUT reads, lattice for lattice."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ncst_bridge.errors import NcstError
from ncst_bridge.grade.lut import bake_look
from ncst_bridge.grade.params import GradeParams
from ncst_bridge.io.cube import read_cube_table, write_cube

SHARED_LUTS = Path(__file__).resolve().parents[2] / "shared" / "data" / "luts"


def _colour_table(path: Path) -> np.ndarray:
    import colour

    return np.asarray(colour.read_LUT(str(path)).table)


def test_our_cube_reads_as_colour_science_reads_it(tmp_path):
    table = bake_look(GradeParams(hue=25.0, temperature=0.4, contrast=1.3), size=9)
    path = write_cube(table, tmp_path / "look.cube", "t", comments=["a comment"])
    ours = read_cube_table(path)
    assert ours.shape == (9, 9, 9, 3)
    np.testing.assert_array_equal(ours, _colour_table(path))
    np.testing.assert_allclose(ours, table, atol=5e-7)


@pytest.mark.skipif(not SHARED_LUTS.is_dir(), reason="third-party LUTs live in ../shared (not in a bare clone)")
def test_third_party_cubes_read_as_colour_science_reads_them():
    paths = sorted(SHARED_LUTS.glob("*.cube"))
    assert paths
    for p in paths:
        np.testing.assert_allclose(read_cube_table(p), _colour_table(p), rtol=0, atol=1e-12, err_msg=p.name)


@pytest.mark.parametrize(
    "text, words",
    [
        ('TITLE "x"\n0 0 0\n', "LUT_3D_SIZE"),
        ("LUT_3D_SIZE 2\n0 0 0\n1 1 1\n", "lattice rows"),
        ("LUT_3D_SIZE 2\n" + "0 0\n" * 8, "lattice rows"),
        ("LUT_3D_SIZE 2\n" + "0 0 x\n" * 8, "bad line"),
    ],
)
def test_malformed_cubes_are_one_line_errors(tmp_path, text, words):
    p = tmp_path / "bad.cube"
    p.write_text(text)
    with pytest.raises(NcstError, match=words):
        read_cube_table(p)


def test_nan_cells_are_kept(tmp_path):
    p = tmp_path / "nan.cube"
    p.write_text("LUT_3D_SIZE 2\n" + "0 0 0\n" * 3 + "nan nan nan\n" + "1 1 1\n" * 4)
    t = read_cube_table(p)
    assert np.isnan(t[1, 1, 0]).all() and np.isfinite(t).sum() == 7 * 3
