"""ncst ocio add-look: the look added to the built-in ACES studio configs and to a user's own config."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import warnings

import numpy as np
import PyOpenColorIO as OCIO
import pytest

from colour_helpers import MODERATE, one_line_error, run_ncst, write_params
from conftest import SAMPLE_STILL, shared_file
from ncst_bridge.io import fidelity
from ncst_bridge.colour.add_look import add_look
from ncst_bridge.colour.convert import apply_cpu
from ncst_bridge.errors import NcstError
from ncst_bridge.grade.lut import lattice
from ncst_bridge.io.images import read_image
from ncst_bridge.io.ocio_build import exact_cpu_processor

V21 = "ocio://studio-config-v1.0.0_aces-v1.3_ocio-v2.1"
HAVE_OCIOCHECK = shutil.which("ociocheck") is not None


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("b")
    res = run_ncst("bake", write_params(tmp / "p.json", **MODERATE, sharpness=1.0), "-o", tmp / "look")
    assert res.returncode == 0, res.stderr
    return tmp / "look"


def look_cpu(config_path, name, space):
    OCIO.ClearAllCaches()
    cfg = OCIO.Config.CreateFromFile(str(config_path))
    return exact_cpu_processor(cfg.getProcessor(OCIO.LookTransform(src=space, dst=space, looks=name)))


@pytest.fixture(scope="module")
def added_v21(bundle, tmp_path_factory):
    out = tmp_path_factory.mktemp("cfg") / "studio_with_look.ocio"
    res = run_ncst("ocio", "add-look", V21, bundle, "--name", "NCST match", "-o", out)
    assert res.returncode == 0, res.stderr
    return out, res


def test_added_to_the_aces_v21_studio_config(added_v21):
    out, res = added_v21
    text = out.read_text()
    assert text.startswith("ocio_profile_version: 2.1")
    assert "ncst_match.cc, cdl_style: asc" in text and "ncst_match_residual.cube, interpolation: tetrahedral" in text
    assert (out.parent / "ncst_looks" / "ncst_match.cc").is_file()
    cfg = OCIO.Config.CreateFromFile(str(out))
    cfg.validate()
    look = cfg.getLook("NCST match")
    assert look.getProcessSpace() == "sRGB - Texture"
    assert "ACES 1.3 Reference Gamut Compression" in cfg.getLookNames()  # the config's own look kept
    assert "ociocheck passed" in res.stdout or not HAVE_OCIOCHECK


@pytest.mark.skipif(not HAVE_OCIOCHECK, reason="Debian opencolorio-tools not installed")
def test_ociocheck_accepts_the_new_config(added_v21):
    out, _ = added_v21
    res = subprocess.run(["ociocheck", "--iconfig", str(out)], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0 and "ERROR" not in res.stdout + res.stderr, res.stdout + res.stderr
    assert "passed" in res.stdout


@pytest.mark.skipif(shutil.which("ociobakelut") is None, reason="Debian opencolorio-tools not installed")
def test_ocio_21_applies_the_look_as_python_ocio_does(added_v21, tmp_path):
    """OCIO 2.1 (Debian's ociobakelut) reads the new config and applies the look identically."""
    out, _ = added_v21
    res = subprocess.run(["ociobakelut", "--iconfig", str(out), "--inputspace", "sRGB - Texture",
                          "--outputspace", "sRGB - Texture", "--looks", "NCST match", "--format", "iridas_cube",
                          "--cubesize", "17", str(tmp_path / "baked.cube")], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import colour
        baked = colour.read_LUT(str(tmp_path / "baked.cube")).table
    ours = apply_cpu(look_cpu(out, "NCST match", "sRGB - Texture"), lattice(17))
    assert np.abs(baked - ours).max() < 1e-5


def test_look_in_new_config_reproduces_ncst_apply(added_v21, bundle, tmp_path):
    out, _ = added_v21
    src = shared_file("images", "mate_yellowflower.jpg") or SAMPLE_STILL
    res = run_ncst("apply", bundle, src, "-o", tmp_path / "applied.png", "--bit-depth", "16")
    assert res.returncode == 0, res.stderr
    img = read_image(src)[::2, ::2]
    via_ocio = apply_cpu(look_cpu(out, "NCST match", "sRGB - Texture"), img)
    applied = read_image(tmp_path / "applied.png")[::2, ::2]
    stats = fidelity.summarise(fidelity.delta_e(applied.reshape(-1, 3), via_ocio.reshape(-1, 3)))
    assert fidelity.passes(stats), stats


def test_added_to_the_latest_studio_config_keeps_its_version(bundle, tmp_path):
    rep = add_look("ocio://studio-config-latest", bundle, "ncst", tmp_path / "latest.ocio")
    assert rep["ocio_version"] == "2.6" and rep["process_space"] == "sRGB Encoded Rec.709 (sRGB)"
    # Debian's ociocheck 2.1 cannot read 2.6 (skipped); an ociocheck >= 2.6 on PATH (pip's) passes it
    assert rep["ociocheck"]["status"] in ("skipped", "passed"), rep["ociocheck"]
    # and the user is told which built-in Debian 12's tools and Blender 3.4 read
    assert "ocio://studio-config-v1.0.0_aces-v1.3_ocio-v2.1" in rep["too_new_for"]
    assert rep["max_abs_diff_vs_bundle_look"] <= 1e-5 and rep["delta_e_vs_direct_render"]["passes_bar"]
    # camera footage through the config: input transform then the look, as a host's viewer does
    cpu = exact_cpu_processor(OCIO.Config.CreateFromFile(str(tmp_path / "latest.ocio")).getProcessor(
        OCIO.LookTransform(src="ARRI LogC3 (EI800)", dst="sRGB Encoded Rec.709 (sRGB)", looks="ncst")))
    from ncst_bridge.colour.camera_luts import from_camera_direct
    from ncst_bridge.colour.convert import from_working
    x = from_working(fidelity.sample_colours(5000), "ARRI LogC3 (EI800)")
    stats = fidelity.summarise(fidelity.delta_e(from_camera_direct(x, MODERATE, "ARRI LogC3 (EI800)"), apply_cpu(cpu, x)))
    assert fidelity.passes(stats), stats
    # downgrading to 2.1 is refused: the ACES 2.0 output transforms need OCIO 2.5
    with pytest.raises(NcstError, match="2.5"):
        add_look("ocio://studio-config-latest", bundle, "ncst two", tmp_path / "v21.ocio", config_version="2.1")
    assert not (tmp_path / "v21.ocio").exists() and not (tmp_path / "ncst_looks" / "ncst_two.cc").exists()


def _user_config(folder):
    """A small user config in its own folder: a relative search path and a LUT of its own."""
    (folder / "luts").mkdir(parents=True)
    (folder / "luts" / "film.spi1d").write_text(
        "Version 1\nFrom 0.0 1.0\nLength 3\nComponents 1\n{\n 0.0\n 0.6\n 1.0\n}\n")
    cfg = OCIO.Config()
    cfg.setVersion(2, 1)
    cfg.setSearchPath("luts")
    srgb = OCIO.ExponentWithLinearTransform(gamma=[2.4, 2.4, 2.4, 1.0], offset=[0.055, 0.055, 0.055, 0.0],
                                            direction=OCIO.TransformDirection.TRANSFORM_DIR_INVERSE)
    cfg.addColorSpace(OCIO.ColorSpace(name="linear", encoding="scene-linear"))
    cfg.addColorSpace(OCIO.ColorSpace(name="srgb_tx", encoding="sdr-video", fromReference=srgb))
    cfg.addColorSpace(OCIO.ColorSpace(name="film", fromReference=OCIO.FileTransform(src="film.spi1d")))
    cfg.setRole(OCIO.ROLE_SCENE_LINEAR, "linear")
    cfg.setRole(OCIO.ROLE_DEFAULT, "linear")
    cfg.addLook(OCIO.Look(name="existing", processSpace="linear", transform=OCIO.ExposureContrastTransform()))
    cfg.addDisplayView("sRGB", "Standard", "srgb_tx")
    path = folder / "user.ocio"
    path.write_text(cfg.serialize())
    return path


def test_user_config_in_another_folder(bundle, tmp_path):
    src = _user_config(tmp_path / "show" / "config")
    before = hashlib.sha256(src.read_bytes()).hexdigest()
    out = tmp_path / "elsewhere" / "graded.ocio"
    out.parent.mkdir()
    res = run_ncst("ocio", "add-look", src, bundle, "--name", "ncst", "--process-space", "srgb_tx", "-o", out)
    assert res.returncode == 0, res.stderr
    assert hashlib.sha256(src.read_bytes()).hexdigest() == before  # the user's file is untouched
    cfg = OCIO.Config.CreateFromFile(str(out))
    cfg.validate()
    assert list(cfg.getSearchPaths()) == ["ncst_looks", "../show/config/luts"]
    film = apply_cpu(exact_cpu_processor(cfg.getProcessor("linear", "film")), np.array([[0.5, 0.5, 0.5]]))
    assert np.allclose(film, 0.6, atol=1e-6)  # the user's own LUT still resolves from the new place
    assert set(cfg.getLookNames()) == {"existing", "ncst"}
    if HAVE_OCIOCHECK:
        chk = subprocess.run(["ociocheck", "--iconfig", str(out)], capture_output=True, text=True)
        assert chk.returncode == 0 and "ERROR" not in chk.stdout + chk.stderr

    # a second look on top of the first new config: both resolve
    out2 = tmp_path / "elsewhere" / "graded2.ocio"
    rep = add_look(str(out), bundle, "ncst second", out2, process_space="srgb_tx")
    cfg2 = OCIO.Config.CreateFromFile(str(out2))
    assert set(cfg2.getLookNames()) == {"existing", "ncst", "ncst second"}
    x = fidelity.sample_colours(2000)
    a = apply_cpu(look_cpu(out2, "ncst", "srgb_tx"), x)
    b = apply_cpu(look_cpu(out2, "ncst second", "srgb_tx"), x)
    assert np.abs(a - b).max() < 1e-6 and rep["max_abs_diff_vs_bundle_look"] <= 1e-5


def test_bad_inputs_leave_everything_as_it_was(bundle, tmp_path, capsys):
    """Each bad input: exit 2, one line, nothing written, the user's files as they were.

    Run through ncst_bridge.cli.main in-process (what ``python -m ncst_bridge`` calls) to keep the
    matrix fast; the last two cases go through a real subprocess.
    """
    from ncst_bridge.cli import main

    src = _user_config(tmp_path / "cfg")
    before = {p: p.read_bytes() for p in src.parent.rglob("*") if p.is_file()}
    out = tmp_path / "new.ocio"

    def fails(*args, expect):
        capsys.readouterr()
        rc = main(["ocio", "add-look", *map(str, args)])
        err = capsys.readouterr().err
        assert rc == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
        line = err.strip()
        assert expect in line, line
        assert not out.exists() and not (tmp_path / "ncst_looks").exists()
        assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staging left behind

    fails(src, bundle, "--name", "ncst", "--process-space", "sRGB Texture", "-o", out, expect="srgb_tx")
    fails(src, bundle, "--name", "Existing", "-o", out, expect="already exists")
    fails(src, bundle, "--name", "a, b", "-o", out, expect="no commas")
    fails(src, bundle, "--name", "ncst", "-o", src, expect="is the source config")
    fails(src, tmp_path, "--name", "ncst", "-o", out, expect="not a complete look bundle")
    fails(src, bundle, "--name", "ncst", "-o", tmp_path / "new.yaml", expect=".ocio")
    broken = tmp_path / "broken.ocio"
    broken.write_text(src.read_text().replace("default: linear", "default: no_such_space"))
    fails(broken, bundle, "--name", "ncst", "-o", out, expect="fails validation")
    no_working = tmp_path / "no_working.ocio"
    no_working.write_text(src.read_text().replace("srgb_tx", "display_thing"))
    fails(no_working, bundle, "--name", "ncst", "-o", out, expect="working space")
    assert {p: p.read_bytes() for p in src.parent.rglob("*") if p.is_file()} == before

    out.write_text("mine")
    line = one_line_error(run_ncst("ocio", "add-look", src, bundle, "--name", "ncst", "-o", out))
    assert "--force" in line and out.read_text() == "mine"
    res = run_ncst("ocio", "add-look", src, bundle, "--name", "ncst", "--process-space", "srgb_tx", "-o", out, "--force")
    assert res.returncode == 0 and out.read_text().startswith("ocio_profile_version")


def test_spaces_lists_names_and_marks_the_working_space():
    res = run_ncst("ocio", "spaces", "--aliases")
    assert res.returncode == 0, res.stderr
    assert "* sRGB Encoded Rec.709 (sRGB)" in res.stdout and "ARRI LogC3 (EI800)" in res.stdout
    assert "logc3ei800_alexawide" in res.stdout


def test_missing_output_folder_is_refused_before_any_work(bundle, tmp_path):
    import time

    t0 = time.perf_counter()
    with pytest.raises(NcstError, match="no such folder; create it first"):
        add_look("ocio://studio-config-latest", bundle, "ncst", tmp_path / "nope" / "new.ocio")
    assert time.perf_counter() - t0 < 1.0 and not (tmp_path / "nope").exists()


def test_too_old_version_names_the_builtin_that_fits(bundle, tmp_path):
    with pytest.raises(NcstError, match=r"use the built-in ocio://studio-config-v1\.0\.0_aces-v1\.3_ocio-v2\.1"):
        add_look("ocio://studio-config-latest", bundle, "ncst", tmp_path / "old.ocio", config_version="2.1")
    assert not (tmp_path / "old.ocio").exists()
