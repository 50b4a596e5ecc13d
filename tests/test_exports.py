"""Exports read by outside readers: the .cube form, OCIO, colour-science, ffmpeg, ociocheck."""

import shutil
import subprocess
import xml.etree.ElementTree as ET

import colour
import numpy as np
import PyOpenColorIO as OCIO
import pytest

from conftest import photo
from ncst_bridge.grade.cdl import cdl_from_params
from ncst_bridge.grade.grade import apply_grade_numpy, colour_grade_numpy
from ncst_bridge.grade.lut import bake_look, lattice
from ncst_bridge.grade.params import GradeParams
from ncst_bridge.io.bundle import write_look_files
from ncst_bridge.io.images import read_image, to_integer, write_image
from ncst_bridge.io.ocio_build import exact_cpu_processor

PARAMS = GradeParams(contrast=1.2, gamma=0.9, hue=25, saturation=1.2, temperature=0.3, sharpness=1.4)
CDL = cdl_from_params(PARAMS)


def read_cc(path):
    """(slope, offset, power, saturation) from a .cc file, read with the standard library."""
    root = ET.parse(path).getroot()
    vec = lambda tag: [float(v) for v in root.find(f".//{tag}").text.split()]  # noqa: E731
    return vec("Slope"), vec("Offset"), vec("Power"), float(root.find(".//Saturation").text)


def asc_cdl(rgb, slope, offset, power, sat):
    """ASC CDL v1.2 (clamped, as OCIO's CDL_ASC style): SOP per channel, then saturation around Rec.709 luma."""
    out = np.clip(rgb * np.array(slope) + np.array(offset), 0.0, 1.0) ** np.array(power)
    luma = out @ np.array([0.2126, 0.7152, 0.0722])
    return np.clip(luma[:, None] + sat * (out - luma[:, None]), 0.0, 1.0)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bundle")
    write_look_files(folder, PARAMS, formats=["clf", "3dl", "spi3d", "resolve_cube", "csp"])
    return folder


def test_cube_is_in_the_safest_form(bundle):
    lines = (bundle / "look.cube").read_text().split("\n")
    assert lines[0].startswith('TITLE "')
    assert "LUT_3D_SIZE 33" in lines
    text = "\n".join(lines)
    assert "DOMAIN_" not in text and "INPUT_RANGE" not in text and "\r" not in text
    data = [ln for ln in lines if ln and (ln[0].isdigit() or ln[0] == "-")]
    assert len(data) == 33 ** 3
    # sharpness is reported in the file, never silently dropped
    assert any(ln.startswith("#") and "sharpness" in ln for ln in lines)


def test_red_varies_fastest_and_colour_round_trips(bundle):
    lut = colour.read_LUT(str(bundle / "look.cube"))
    assert isinstance(lut, colour.LUT3D) and lut.size == 33
    assert np.abs(lut.table - bake_look(PARAMS)).max() < 1e-6
    rows = [ln for ln in (bundle / "look.cube").read_text().splitlines() if ln[:1].isdigit()]
    second = np.array(rows[1].split(), dtype=float)  # lattice point r=1/32, g=0, b=0
    assert np.allclose(second, colour_grade_numpy(np.array([1 / 32, 0, 0]), PARAMS), atol=1e-6)


def test_residual_after_cdl_equals_look_at_the_lattice(bundle):
    raw = OCIO.Config.CreateRaw()
    cc = OCIO.FileTransform(src=str(bundle / "look.cc"))
    cc.setCDLStyle(OCIO.CDLStyle.CDL_ASC)
    res = OCIO.FileTransform(src=str(bundle / "residual.cube"),
                             interpolation=OCIO.Interpolation.INTERP_TETRAHEDRAL)
    g = OCIO.GroupTransform()
    g.appendTransform(cc)
    g.appendTransform(res)
    pts = lattice(17).reshape(-1, 3).astype(np.float32)
    buf = pts.copy()
    exact_cpu_processor(raw.getProcessor(g)).applyRGB(buf)
    direct = colour_grade_numpy(pts.astype(np.float64), PARAMS)
    assert np.abs(buf - direct).max() < 0.02  # interpolation only; exact where the residual is linear
    assert np.median(np.abs(buf - direct)) < 1e-5


@pytest.mark.parametrize("name", ["look.cube", "residual.cube", "look.cc", "look.clf", "look.3dl",
                                  "look.spi3d", "look_resolve.cube", "look.csp"])
def test_ocio_reads_every_format(bundle, name):
    proc = OCIO.Config.CreateRaw().getProcessor(
        OCIO.FileTransform(src=str(bundle / name), interpolation=OCIO.Interpolation.INTERP_TETRAHEDRAL))
    rng = np.random.default_rng(0)
    x = rng.random((2000, 3)).astype(np.float32)
    buf = x.copy()
    exact_cpu_processor(proc).applyRGB(buf)
    if name == "look.cc":  # against the ASC CDL v1.2 formula written out here, on the file's own numbers
        slope, offset, power, sat = read_cc(bundle / "look.cc")
        assert np.allclose([slope, offset, power], [CDL.slope, CDL.offset, CDL.power], atol=1e-12)
        assert sat == pytest.approx(CDL.saturation, abs=1e-12)
        cc = OCIO.FileTransform(src=str(bundle / name))
        cc.setCDLStyle(OCIO.CDLStyle.CDL_ASC)  # the style the bundle's OCIO config uses
        buf = x.copy()
        exact_cpu_processor(OCIO.Config.CreateRaw().getProcessor(cc)).applyRGB(buf)
        assert np.abs(buf - asc_cdl(x.astype(np.float64), slope, offset, power, sat)).max() < 2e-6
        return
    if name == "residual.cube":  # against colour-science's reader and tetrahedral interpolation
        lut = colour.read_LUT(str(bundle / "residual.cube"))
        theirs = lut.apply(x.astype(np.float64), interpolator=colour.algebra.table_interpolation_tetrahedral)
        assert np.abs(buf - theirs).max() < 2e-6
        return
    err = np.abs(buf - colour_grade_numpy(x.astype(np.float64), PARAMS))
    # 33-point lattices (the .clf's CDL part is exact): measured max 0.0107, p99 0.0065, median 5e-5;
    # .3dl is 17-point (the only size ffmpeg/MLT read): measured max 0.0257, p99 0.0149, median 1.3e-4
    bars = (3e-4, 0.02, 0.035) if name == "look.3dl" else (1e-4, 0.008, 0.013)
    assert np.median(err) < bars[0] and np.percentile(err, 99) < bars[1] and err.max() < bars[2], \
        (name, np.median(err), np.percentile(err, 99), err.max())


def test_clf_holds_the_exact_chain(bundle):
    text = (bundle / "look.clf").read_text()
    assert "<ASC_CDL" in text and 'style="Fwd"' in text and "<LUT3D" in text


@pytest.mark.skipif(shutil.which("ociocheck") is None, reason="opencolorio-tools not installed")
def test_ociocheck_accepts_the_config(bundle):
    out = subprocess.run(["ociocheck", "--iconfig", str(bundle / "ocio" / "config.ocio")],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "ERROR" not in out.stdout and "passed" in out.stdout.lower()


def test_ocio_config_validates_and_applies_the_look(bundle):
    cfg = OCIO.Config.CreateFromFile(str(bundle / "ocio" / "config.ocio"))
    cfg.validate()
    assert cfg.getMajorVersion() == 2 and cfg.getMinorVersion() == 1
    assert "ncst" in [lk.getName() for lk in cfg.getLooks()]
    x = np.random.default_rng(5).random((2000, 3)).astype(np.float32)
    direct = colour_grade_numpy(x.astype(np.float64), PARAMS)
    space = "ncst_display_encoded"
    for transform in (OCIO.LookTransform(src=space, dst=space, looks="ncst"),
                      OCIO.DisplayViewTransform(src=space, display="sRGB", view="NCST ncst")):
        buf = x.copy()
        exact_cpu_processor(cfg.getProcessor(transform)).applyRGB(buf)
        err = np.abs(buf - direct)  # the CDL is exact; the residual is a tetrahedral 33-point lattice
        assert np.median(err) < 1e-4 and err.max() < 0.013, (type(transform).__name__, np.median(err), err.max())
    raw = x.copy()  # and the plain view leaves pixels alone
    exact_cpu_processor(cfg.getProcessor(OCIO.DisplayViewTransform(src=space, display="sRGB", view="Raw"))).applyRGB(raw)
    assert np.abs(raw - x).max() < 1e-6


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg not installed")
def test_ffmpeg_lut3d_matches_the_direct_render(bundle, tmp_path):
    img = read_image(photo(3))[::2, ::2]
    src = write_image(tmp_path / "in.png", img)
    img8 = read_image(src)  # what ffmpeg sees: the 8-bit file
    out = tmp_path / "out.png"
    cmd = ["ffmpeg", "-v", "error", "-y", "-i", str(src), "-vf",
           f"lut3d=file={bundle / 'look.cube'}:interp=tetrahedral", "-pix_fmt", "rgb24", str(out)]
    subprocess.run(cmd, check=True, timeout=120)
    theirs = read_image(out) * 255.0
    ours = apply_grade_numpy(img8, PARAMS, spatial=False) * 255.0
    diff = np.abs(theirs - ours)
    # ffmpeg's 8-bit output truncates instead of rounding: a -0.5 code bias on average.
    assert diff.mean() <= 1.0 and np.percentile(diff, 99) <= 3.0, (diff.mean(), np.percentile(diff, 99))
    assert np.mean(theirs - np.floor(ours + 1e-9)) < 0.6


def test_8bit_quantisation_helper():
    assert to_integer(np.array([0.0, 0.5, 1.0, 1.2]), 8).tolist() == [0, 128, 255, 255]
    assert to_integer(np.array([0.5]), 16).tolist() == [32768]
