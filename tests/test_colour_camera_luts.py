"""From-camera exports and --input-space on ncst bake / ncst apply, end to end on log-encoded photos."""

from __future__ import annotations

import json
import shutil
import warnings

import numpy as np
import pytest

from colour_helpers import MODERATE, log_encode, one_line_error, photo, photo_file, photo_pixels, run_ncst, write_params
from ncst_bridge.io import fidelity
from ncst_bridge.colour import camera_luts as C
from ncst_bridge.colour import to_working
from ncst_bridge.grade.grade import apply_grade_numpy, colour_grade_numpy
from ncst_bridge.grade.params import GradeParams
from ncst_bridge.io.bundle import write_look_files
from ncst_bridge.io.images import read_image, write_image

SPACE = "ARRI LogC3 (EI800)"
P = GradeParams(MODERATE)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bundle")
    write_look_files(folder, P)
    block = C.write_camera_luts(folder, P, SPACE, samples=20_000)
    return folder, block


def test_bundle_records_which_file_is_which(bundle):
    folder, block = bundle
    obj = json.loads((folder / "params.json").read_text())
    cm = obj["colour_management"]
    assert cm == json.loads(json.dumps(block))
    assert cm["input_space"] == SPACE and cm["working_space"]["ocio_name"] == "sRGB Encoded Rec.709 (sRGB)"
    names = C.camera_file_names(SPACE)
    assert names == {"cube": "look_from_arri_logc3_ei800.cube", "clf": "look_from_arri_logc3_ei800.clf",
                     "in": "look_in_arri_logc3_ei800.cube"}
    for f in names.values():
        assert (folder / f).is_file() and f in obj["exports"]["files"]
    roles = {f: v["role"] for f, v in cm["files"].items()}
    assert roles["look.cube"] == "look" and roles[names["cube"]] == "from camera"
    assert roles[names["clf"]] == "from camera" and roles[names["in"]] == "in input space"


def test_from_camera_exports_meet_the_bar_on_display_colours(bundle):
    folder, block = bundle
    names = C.camera_file_names(SPACE)
    for key in ("cube", "clf", "in"):
        fid = block["files"][names[key]]["fidelity"]["display_colours"]
        assert fid["passes_bar"], (key, fid)
    # the exact chain is exact for every camera code value, super-whites included
    assert block["files"][names["clf"]]["fidelity"]["code_values"]["passes_bar"]


def test_fidelity_catches_a_wrong_lut(tmp_path, bundle):
    folder, _ = bundle
    bad = tmp_path / "bad.cube"
    text = (folder / C.camera_file_names(SPACE)["cube"]).read_text().splitlines()
    n1 = int(next(ln for ln in text if ln.startswith("LUT_1D_SIZE")).split()[1])
    head = next(i for i, ln in enumerate(text) if ln[:1].isdigit() or ln[:1] == "-")
    rows = text[head + n1:]
    text[head + n1:] = rows[len(rows) // 2:] + rows[:len(rows) // 2]  # scramble the 3D table
    bad.write_text("\n".join(text) + "\n")
    fid = C.camera_fidelity(bad, P, SPACE, sets=C.camera_colour_sets(SPACE, n=5000))
    assert not fid["display_colours"]["passes_bar"] and fid["display_colours"]["mean"] > 5


def test_shaper_cube_reads_the_same_in_colour_science_and_ocio(bundle):
    folder, _ = bundle
    path = folder / C.camera_file_names(SPACE)["cube"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import colour
        from colour.algebra import table_interpolation_tetrahedral

        seq = colour.read_LUT(str(path))
    assert len(seq) == 2 and seq[1].size == C.CAMERA_LUT_SIZE
    x = np.random.default_rng(2).random((2000, 3))
    shaped = seq[0].apply(x)
    via_colour = seq[1].apply(shaped, interpolator=table_interpolation_tetrahedral)
    via_ocio = C.apply_cpu(C.file_processor(path), x)
    assert np.abs(via_colour - via_ocio).max() < 1e-4


def test_shaper_puts_black_and_white_on_lattice_nodes():
    shaper, table_1d, node_x = C.build_shaper(SPACE, None, 33)
    assert 0 < shaper.black_node < shaper.white_node < 32
    g = to_working(np.repeat(node_x[:, None], 3, 1), SPACE, clip=False)[:, 0]
    assert abs(g[shaper.black_node]) < 1e-5 and abs(g[shaper.white_node] - 1.0) < 1e-5
    assert np.all(np.diff(table_1d) > 0) and table_1d[0] == 0.0 and abs(table_1d[-1] - 1.0) < 1e-12


def test_bake_and_apply_with_input_space_match_the_display_path(tmp_path):
    """The same photo rendered from its log version and from display agrees within the bar."""
    display = photo(step=4)
    logv = log_encode(display, SPACE)
    write_image(tmp_path / "display.png", display, bit_depth=16)
    write_image(tmp_path / "log.png", logv, bit_depth=16)
    params = write_params(tmp_path / "p.json", **MODERATE, sharpness=1.4)
    res = run_ncst("bake", params, "-o", tmp_path / "look", "--input-space", "logc3ei800_alexawide",
                   "--camera-lut-size", "33")
    assert res.returncode == 0, res.stderr
    written = res.stdout.splitlines()[0]  # the console list names every file written, look_in_* included
    for name in ("look_from_arri_logc3_ei800.cube", "look_from_arri_logc3_ei800.clf", "look_in_arri_logc3_ei800.cube"):
        assert name in written and (tmp_path / "look" / name).exists(), (name, written)
    cm = json.loads((tmp_path / "look" / "params.json").read_text())["colour_management"]
    assert cm["files"]["look_from_arri_logc3_ei800.cube"]["lattice"] == 33  # measured and recorded, pass or not
    assert "passes_bar" in cm["files"]["look_from_arri_logc3_ei800.cube"]["fidelity"]["display_colours"]

    for name, extra in (("from_display.png", []), ("from_log.png", ["--input-space", SPACE])):
        src = "log.png" if extra else "display.png"
        res = run_ncst("apply", tmp_path / "look", tmp_path / src, "-o", tmp_path / name, "--bit-depth", "16", *extra)
        assert res.returncode == 0, res.stderr
    a, b = read_image(tmp_path / "from_display.png"), read_image(tmp_path / "from_log.png")
    stats = fidelity.summarise(fidelity.delta_e(a.reshape(-1, 3), b.reshape(-1, 3)))
    assert fidelity.passes(stats), stats
    # and both equal the direct render of the display photo (sharpness included)
    direct = apply_grade_numpy(read_image(tmp_path / "display.png"), GradeParams.load(str(params)))
    assert np.abs(a - direct).max() < 1.0 / 65535 * 1.01


def test_apply_output_space_re_encodes_as_log(tmp_path):
    display = photo(step=8)
    write_image(tmp_path / "log.png", log_encode(display, "S-Log3 S-Gamut3.Cine"), bit_depth=16)
    params = write_params(tmp_path / "p.json", **MODERATE)
    res = run_ncst("apply", params, tmp_path / "log.png", "-o", tmp_path / "out.png", "--bit-depth", "16",
                   "--input-space", "S-Log3 S-Gamut3.Cine", "--output-space", "S-Log3 S-Gamut3.Cine")
    assert res.returncode == 0, res.stderr
    back = to_working(read_image(tmp_path / "out.png"), "S-Log3 S-Gamut3.Cine")
    want = colour_grade_numpy(display, GradeParams(MODERATE))
    assert fidelity.passes(fidelity.summarise(fidelity.delta_e(want.reshape(-1, 3), back.reshape(-1, 3))))


def test_from_camera_cube_renders_log_photos_like_the_display_path(bundle):
    """The camera LUT on colour-science log pixels vs the grade on the original photo."""
    folder, _ = bundle
    px = photo_pixels(step=8)
    out = C.apply_cpu(C.file_processor(folder / C.camera_file_names(SPACE)["clf"]), log_encode(px, SPACE))
    stats = fidelity.summarise(fidelity.delta_e(colour_grade_numpy(px, P), out))
    assert fidelity.passes(stats), stats


def test_bad_input_space_on_bake_writes_nothing(tmp_path):
    params = write_params(tmp_path / "p.json", brightness=1.1)
    line = one_line_error(run_ncst("bake", params, "-o", tmp_path / "out", "--input-space", "Slog3"))
    assert "S-Log3 S-Gamut3" in line
    assert not (tmp_path / "out").exists() and not any(p.name.startswith(".out") for p in tmp_path.iterdir())
    line = one_line_error(run_ncst("apply", params, photo_path(tmp_path), "-o", tmp_path / "o.png",
                                   "--input-space", "ACEScct", "--ocio-config", tmp_path / "nope.ocio"))
    assert "nope.ocio" in line and not (tmp_path / "o.png").exists()


def photo_path(tmp_path):
    dst = tmp_path / "photo.jpg"
    shutil.copyfile(photo_file("kpa_bar55.jpg"), dst)
    return dst


def test_fidelity_command_covers_the_camera_exports(bundle):
    folder, block = bundle
    rep = C.check_camera_exports(folder, P, samples=5000)
    names = C.camera_file_names(SPACE)
    assert set(rep) == {f"{names[k]} (from {SPACE})" for k in ("cube", "clf", "in")}
    assert all(r["passes_bar"] for r in rep.values())
    assert C.check_camera_exports(folder / "ocio", P) == {}  # not a bundle with camera exports


def test_from_camera_cube_holds_clipped_highlights_one_stop_over(bundle):
    """Log footage one stop over (real photos, scene-linear x2, encoded with colour-science): the
    shaper cube keeps clipped highlights white (it once turned them cyan: ΔE2000 p99 7-10, max 13-15)."""
    import colour
    from colour_helpers import LOG_SPACES

    from ncst_bridge.colour.convert import apply_cpu

    folder, _ = bundle
    encode, gamut = LOG_SPACES[SPACE]
    display = photo_pixels(8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        linear = colour.models.eotf_sRGB(display) * 2.0
        cam = np.asarray(encode(colour.RGB_to_RGB(linear, "sRGB", gamut, chromatic_adaptation_transform="Bradford")))
    cam = np.concatenate([cam, [[0.572, 0.593, 0.620]]])  # a highlight the old cube made (0.91, 1, 1)
    got = apply_cpu(C.file_processor(folder / C.camera_file_names(SPACE)["cube"]), cam)
    want = C.from_camera_direct(cam, P, SPACE)
    d = fidelity.delta_e(want, got)
    assert np.percentile(d, 99) <= 2.0 and d.max() <= 6.0, (np.percentile(d, 99), d.max())
    assert np.abs(got[-1] - want[-1]).max() < 0.01, (got[-1], want[-1])
    assert (got[-1] > 0.99).all()
