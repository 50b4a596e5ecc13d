"""`ncst bake`, `ncst apply` (images) and `ncst fidelity` as a user runs them, bad input included."""

import json

import numpy as np
import pytest

from conftest import assert_one_line_error, photo, run_ncst
from ncst_bridge.grade.grade import apply_grade_numpy
from ncst_bridge.grade.params import GradeParams
from ncst_bridge.io.images import read_image, write_image

GOOD = {"format": "ncst-look/1", "params": {"contrast": 1.2, "hue": 10, "sharpness": 1.5}}


@pytest.fixture()
def params_file(tmp_path):
    p = tmp_path / "params.json"
    p.write_text(json.dumps(GOOD))
    return p


def test_bake_writes_the_bundle_and_reports_sharpness(tmp_path, params_file):
    out = tmp_path / "look"
    proc = run_ncst("bake", params_file, "-o", out, "--formats", "clf", "spi3d")
    assert proc.returncode == 0, proc.stderr
    for name in ["params.json", "look.cube", "look.cc", "residual.cube", "ocio/config.ocio", "look.clf", "look.spi3d"]:
        assert (out / name).is_file(), name
    assert "sharpness" in proc.stdout
    obj = json.loads((out / "params.json").read_text())
    assert obj["format"] == "ncst-look/1" and obj["params"]["contrast"] == 1.2
    assert obj["exports"]["not_representable"] == ["sharpness"]
    # no overwrite without --force, and nothing else is touched
    before = (out / "look.cube").stat().st_mtime_ns
    assert_one_line_error(run_ncst("bake", params_file, "-o", out), "exists", "--force")
    assert (out / "look.cube").stat().st_mtime_ns == before
    assert run_ncst("bake", params_file, "-o", out, "--force").returncode == 0
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp leftovers


@pytest.mark.parametrize("content, needle", [
    ("{oops", "JSON"),
    (json.dumps({"format": "other/1", "params": {}}), "format"),
    (json.dumps({"format": "ncst-look/1", "params": {"exposure": 2}}), "exposure"),
    ('{"format": "ncst-look/1", "params": {"gamma": NaN}}', "gamma"),
    (json.dumps({"format": "ncst-look/1", "params": {"saturation": 9}}), "saturation"),
])
def test_bake_bad_params_give_one_line_and_no_output(tmp_path, content, needle):
    p = tmp_path / "params.json"
    p.write_text(content)
    out = tmp_path / "look"
    assert_one_line_error(run_ncst("bake", p, "-o", out), needle)
    assert not out.exists() and [x.name for x in tmp_path.iterdir()] == ["params.json"]


def test_bake_other_bad_input(tmp_path, params_file):
    assert_one_line_error(run_ncst("bake", tmp_path / "missing.json", "-o", tmp_path / "o"), "no such file")
    assert_one_line_error(run_ncst("bake", params_file, "-o", tmp_path / "o", "--size", "1"), "size")
    assert_one_line_error(run_ncst("bake", params_file, "-o", tmp_path / "o", "--formats", "xyz"), "xyz")
    assert_one_line_error(run_ncst("bake", params_file, "-o", tmp_path / "no" / "dir"), "does not exist")
    assert_one_line_error(run_ncst("bake", params_file), "-o")
    assert not (tmp_path / "o").exists()


def test_apply_image_8_and_16_bit(tmp_path, params_file):
    src = write_image(tmp_path / "in.png", read_image(photo(1))[::4, ::4])
    for name, depth in [("out8.png", []), ("out16.png", ["--bit-depth", "16"]), ("out.tif", ["--bit-depth", "16"])]:
        proc = run_ncst("apply", params_file, src, "-o", tmp_path / name, *depth)
        assert proc.returncode == 0, proc.stderr
    expected = apply_grade_numpy(read_image(src), GradeParams.from_json_obj(GOOD))
    out8, out16 = read_image(tmp_path / "out8.png"), read_image(tmp_path / "out16.png")
    assert np.abs(out8 - expected).max() <= 0.5 / 255 + 1e-9
    assert np.abs(out16 - expected).max() <= 0.5 / 65535 + 1e-9
    import cv2
    assert cv2.imread(str(tmp_path / "out16.png"), cv2.IMREAD_UNCHANGED).dtype == np.uint16
    assert cv2.imread(str(tmp_path / "out.tif"), cv2.IMREAD_UNCHANGED).dtype == np.uint16


def test_apply_bad_input(tmp_path, params_file):
    src = write_image(tmp_path / "in.png", np.full((16, 16, 3), 0.5))
    corrupt = tmp_path / "corrupt.png"
    corrupt.write_bytes(src.read_bytes()[:40])
    assert_one_line_error(run_ncst("apply", params_file, tmp_path / "none.png", "-o", tmp_path / "o.png"), "no such file")
    assert_one_line_error(run_ncst("apply", params_file, corrupt, "-o", tmp_path / "o.png"), "not a readable image")
    assert_one_line_error(run_ncst("apply", params_file, src, "-o", src, "--force"), "output is the input")
    assert_one_line_error(run_ncst("apply", params_file, src, "-o", tmp_path / "o.jpg", "--bit-depth", "16"), "16-bit")
    (tmp_path / "empty").mkdir()
    assert_one_line_error(run_ncst("apply", tmp_path / "empty", src, "-o", tmp_path / "o.png"), "not a look bundle")
    tiny = write_image(tmp_path / "tiny.png", np.full((1, 1, 3), 0.5))
    assert_one_line_error(run_ncst("apply", params_file, tiny, "-o", tmp_path / "o.png"), "1x1")
    assert not (tmp_path / "o.png").exists() and not (tmp_path / "o.jpg").exists()
    existing = write_image(tmp_path / "keep.png", np.zeros((16, 16, 3)))
    data = existing.read_bytes()
    assert_one_line_error(run_ncst("apply", params_file, src, "-o", existing), "exists")
    assert existing.read_bytes() == data


def test_apply_accepts_grey_16bit_and_alpha_inputs(tmp_path, params_file, capsys):
    """Grey becomes RGB, alpha is dropped (README), and the pixels are the grade of the source values."""
    import cv2

    from ncst_bridge.cli import main

    look = GradeParams.from_json_obj(GOOD).replace(sharpness=1.0)  # per-pixel: compare pixel by pixel
    params_file.write_text(json.dumps({"format": "ncst-look/1", "params": look.as_dict()}))
    grey = (np.linspace(0, 65535, 32 * 32).reshape(32, 32)).astype(np.uint16)
    cv2.imwrite(str(tmp_path / "g16.png"), grey)
    bgr = np.dstack([np.full((16, 16), v, np.uint8) for v in (40, 100, 180)])  # OpenCV order: B, G, R
    cv2.imwrite(str(tmp_path / "rgba.png"), np.dstack([bgr, np.full((16, 16), 7, np.uint8)]))
    sources = {"g16": np.repeat(grey[..., None] / 65535.0, 3, axis=2), "rgba": bgr[..., ::-1] / 255.0}
    for stem, values in sources.items():
        expected = apply_grade_numpy(values, look)
        for depth, top in ((8, 255), (16, 65535)):
            out = tmp_path / f"o_{stem}_{depth}.png"
            assert main(["apply", str(params_file), str(tmp_path / f"{stem}.png"), "-o", str(out),
                         "--bit-depth", str(depth)]) == 0, capsys.readouterr().err
            written = cv2.imread(str(out), cv2.IMREAD_UNCHANGED)
            assert written.shape == values.shape and written.dtype == (np.uint8 if depth == 8 else np.uint16)
            assert np.abs(written[..., ::-1] / top - expected).max() <= 0.5 / top + 1e-9, (stem, depth)
        assert np.ptp(expected) > 0.05 or stem == "rgba"  # the grey ramp really spans values


def test_fidelity_command(tmp_path, params_file):
    out = tmp_path / "look"
    assert run_ncst("bake", params_file, "-o", out).returncode == 0
    proc = run_ncst("fidelity", out, "--samples", "5000")
    assert proc.returncode == 0, proc.stderr
    assert "look.cube" in proc.stdout and "look.cc+residual.cube" in proc.stdout
    rep = json.loads((out / "fidelity.json").read_text())
    assert set(rep["paths"]) == {"look.cube", "look.cc+residual.cube", "ocio look"}
    assert all(0 <= s["mean"] < 0.2 for s in rep["paths"].values())
    (out / "look.cube").unlink()
    assert_one_line_error(run_ncst("fidelity", out), "look.cube")
