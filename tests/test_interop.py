"""Every export, applied by the real programs that read it, lands on ``ncst apply``.

A bundle is made with the real CLI (``ncst bake --formats clf 3dl spi3d resolve_cube csp``) from a
look without sharpness (so every export holds the whole look), and ``ncst apply`` renders the
reference. The input is an 8-bit PNG of a 16^3 ramp over the RGB cube (every corner and edge, where
lattices and clamps bite) next to a real photo. Each client's 8-bit output is compared with the
reference in 8-bit codes: mean and max |difference|. The bars would have caught the faults they
guard: a 33^3 .3dl garbled by ffmpeg/MLT (81-113 codes off), sampled formats baked from the OCIO look
(2.2 codes off look.cube at its nodes), a config Debian's OCIO tools or Blender refuse or half-read.

Clients: ffmpeg ``lut3d`` (.cube, .3dl, Resolve .cube), MLT ``melt`` with ``avfilter.lut3d`` (what
Kdenlive and Shotcut render with), ``oiiotool --ociofiletransform`` (every format OCIO reads) and
``--ociolook`` with the bundle's config (OCIO 2.1 from Debian), ``ociocheck`` and ``ociochecklut``
(Debian's opencolorio-tools), PyOpenColorIO at the lattice nodes, and Blender 3.4 in background
mode with the bundle's config (Look menu, Save as Render). Each test skips only where its program is
not installed (``.ci/run`` installs them all).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import PyOpenColorIO as OCIO
import pytest

from colour_helpers import run_ncst
from ncst_bridge.grade.lut import bake_look, lattice
from ncst_bridge.grade.params import GradeParams

ROOT = Path(__file__).resolve().parent.parent
LOOK = {"brightness": 1.05, "contrast": 1.2, "gamma": 0.9, "hue": 25.0, "saturation": 1.2, "temperature": 0.3}
FORMATS = ("clf", "3dl", "spi3d", "resolve_cube", "csp")
# 8-bit codes vs ncst apply. A 33^3 lattice interpolated tetrahedrally is within ~1 code on average
# on this image; the 17^3 .3dl within ~1.5 (max a few codes at saturated corners); 8-bit pipelines
# (MLT) truncate instead of rounding (about -0.45 codes on average).
BAR_MEAN, BAR_MAX = 2.0, 8.0
BAR_MEAN_33, BAR_MAX_33 = 1.0, 4.0


def debian_tool(name: str) -> str | None:
    """The Debian program (``/usr/bin``) when installed: a pip wheel's newer copy on PATH is not the
    client colourists' distributions ship; else whatever PATH has."""
    return f"/usr/bin/{name}" if os.access(f"/usr/bin/{name}", os.X_OK) else shutil.which(name)


def need(name: str) -> str:
    exe = debian_tool(name)
    if exe is None:
        pytest.skip(f"{name} is not installed (.ci/run installs it from Debian)")
    return exe


def headless_env() -> dict[str, str]:
    """melt's image producer is Qt's: run it without a display (an empty DISPLAY makes Qt abort)."""
    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
    env["QT_QPA_PLATFORM"] = "offscreen"
    return env


def read8(path: Path) -> np.ndarray:
    import cv2

    img = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    assert img is not None and img.dtype == np.uint8, path
    return img[..., 2::-1].astype(np.float64)  # BGR(A) -> RGB, alpha dropped


def codes(got: np.ndarray, ref: np.ndarray) -> tuple[float, float, float]:
    d = got - ref
    return float(np.abs(d).mean()), float(np.abs(d).max()), float(d.mean())


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    import cv2

    root = tmp_path_factory.mktemp("interop")
    (root / "params.json").write_text(json.dumps({"format": "ncst-look/1", "params": LOOK}))
    res = run_ncst("bake", root / "params.json", "-o", root / "look", "--formats", *FORMATS)
    assert res.returncode == 0, res.stderr
    levels = np.linspace(0, 255, 16).round().astype(np.uint8)
    r, g, b = np.meshgrid(levels, levels, levels, indexing="ij")
    ramp = np.stack([r, g, b], -1).reshape(64, 64, 3)
    still = cv2.imread(str(ROOT / "samples" / "reference.jpg"))[..., ::-1]
    still = cv2.resize(still, (64, 64), interpolation=cv2.INTER_AREA)
    img = np.concatenate([ramp, still], axis=1)  # 64 x 128, RGB
    cv2.imwrite(str(root / "in.png"), np.ascontiguousarray(img[..., ::-1]))
    res = run_ncst("apply", root / "look", root / "in.png", "-o", root / "ref.png")
    assert res.returncode == 0, res.stderr
    return root


def check(work: Path, out: Path, mean_bar: float, max_bar: float, what: str) -> None:
    mean, mx, bias = codes(read8(out), read8(work / "ref.png"))
    print(f"\n{what}: mean {mean:.3f}, max {mx:.0f}, bias {bias:+.3f} codes")  # pytest -s: the docs table
    assert mean <= mean_bar and mx <= max_bar, f"{what}: mean {mean:.2f}, max {mx:.0f}, bias {bias:+.2f} codes"


def test_bake_lists_every_file_and_3dl_is_17(work):
    text = (work / "look" / "look.3dl").read_text()
    rows = [ln for ln in text.splitlines() if ln and not ln.startswith("#")]
    assert len(rows) == 1 + 17 ** 3  # the 10-bit input shaper line, then 17^3 rows
    assert "sharpness" not in text  # this look has none; see test_exports for the note when it does


# --- ffmpeg lut3d --------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["look.cube", "look.3dl", "look_resolve.cube"])
def test_ffmpeg_lut3d(work, name):
    exe = need("ffmpeg")
    out = work / f"ffmpeg_{name}.png"
    subprocess.run([exe, "-v", "error", "-y", "-i", str(work / "in.png"), "-vf",
                    f"lut3d=file={work / 'look' / name}:interp=tetrahedral", "-pix_fmt", "rgb24", str(out)],
                   check=True, timeout=60)
    bars = (BAR_MEAN, BAR_MAX) if name == "look.3dl" else (BAR_MEAN_33, BAR_MAX_33)
    check(work, out, *bars, f"ffmpeg lut3d {name}")


# --- MLT (Kdenlive, Shotcut) ---------------------------------------------------------------------

@pytest.mark.parametrize("name", ["look.cube", "look.3dl"])
def test_melt_avfilter_lut3d(work, name):
    exe = need("melt")
    profile = work / "profile_64x128"
    profile.write_text("description=interop\nframe_rate_num=25\nframe_rate_den=1\nwidth=128\nheight=64\n"
                       "progressive=1\nsample_aspect_num=1\nsample_aspect_den=1\ndisplay_aspect_num=2\n"
                       "display_aspect_den=1\ncolorspace=709\n")
    stem = work / f"melt_{name}_"
    subprocess.run([exe, "-profile", str(profile), str(work / "in.png"), "out=0", "-attach", "avfilter.lut3d",
                    f"av.file={work / 'look' / name}", "av.interp=tetrahedral", "-consumer",
                    f"avformat:{stem}%d.png", "vcodec=png", "pix_fmt=rgb24", "mlt_image_format=rgb"],
                   check=True, timeout=60, capture_output=True, env=headless_env())
    out = Path(f"{stem}1.png")
    assert out.exists(), "melt wrote no frame"
    check(work, out, BAR_MEAN, BAR_MAX, f"melt avfilter.lut3d {name}")


# --- OpenImageIO through OCIO (Debian: OCIO 2.1) -------------------------------------------------

@pytest.mark.parametrize("name", ["look.cube", "look.3dl", "look.spi3d", "look_resolve.cube", "look.csp",
                                  "look.clf"])
def test_oiiotool_ociofiletransform(work, name):
    exe = need("oiiotool")
    out = work / f"oiio_{name}.png"
    # a file transform needs some config loaded: the bundle's (the file is given by absolute path)
    subprocess.run([exe, "--colorconfig", str(work / "look" / "ocio" / "config.ocio"), str(work / "in.png"),
                    "--ociofiletransform", str(work / "look" / name), "-d", "uint8", "-o", str(out)],
                   check=True, timeout=60, capture_output=True)
    bars = (BAR_MEAN, BAR_MAX) if name == "look.3dl" else (BAR_MEAN_33, BAR_MAX_33)
    check(work, out, *bars, f"oiiotool --ociofiletransform {name}")


def test_oiiotool_ociolook_with_the_bundle_config(work):
    exe = need("oiiotool")
    out = work / "oiio_look.png"
    subprocess.run([exe, "--colorconfig", str(work / "look" / "ocio" / "config.ocio"), str(work / "in.png"),
                    "--ociolook:from=ncst_display_encoded:to=ncst_display_encoded", "ncst", "-d", "uint8",
                    "-o", str(out)], check=True, timeout=60, capture_output=True)
    check(work, out, BAR_MEAN_33, BAR_MAX_33, "oiiotool --ociolook (bundle config)")


# --- OCIO tools and the config as DCCs read it -----------------------------------------------------

def test_ociocheck_reads_the_bundle_config_cleanly(work):
    exe = need("ociocheck")
    res = subprocess.run([exe, "--iconfig", str(work / "look" / "ocio" / "config.ocio")], capture_output=True,
                         text=True, timeout=60, env={k: v for k, v in os.environ.items() if k != "OCIO"})
    assert res.returncode == 0 and "ERROR" not in res.stdout, res.stdout + res.stderr
    undefined = re.findall(r"NOT DEFINED \((\w+)\)", res.stdout)
    assert set(undefined) <= {"cie_xyz_d65_interchange"}, undefined  # display-referred: no display spaces here


def test_config_is_what_blender_needs(work):
    """Blender 3.4 hides colour spaces of family 'display' from image settings (as view-only) and needs
    a 'data' role for Non-Color; the working space must be settable on an image."""
    cfg = OCIO.Config.CreateFromFile(str(work / "look" / "ocio" / "config.ocio"))
    assert cfg.getMajorVersion() == 2 and cfg.getMinorVersion() <= 1  # Debian 12 / Blender 3.4: OCIO 2.1
    for cs in cfg.getColorSpaces():
        assert cs.getFamily().lower() != "display", cs.getName()
    data = cfg.getColorSpace(cfg.getRoleColorSpace("data"))
    assert data is not None and data.isData()


def test_ociochecklut_equals_look_cube_at_its_nodes(work):
    exe = need("ociochecklut")
    table = bake_look(GradeParams(LOOK), 33)
    for idx in [(0, 0, 0), (32, 32, 32), (32, 0, 0), (5, 17, 29), (16, 16, 16), (31, 2, 20)]:
        x = np.array(idx) / 32
        res = subprocess.run([exe, str(work / "look" / "look_resolve.cube"), *map(str, x)], capture_output=True,
                             text=True, timeout=30)
        vals = [float(v) for v in re.findall(r"[-0-9.]+(?:e[-+]?\d+)?", res.stdout.splitlines()[-1])][-3:]
        assert np.allclose(vals, table[idx], atol=2e-6), (idx, vals, table[idx])


@pytest.mark.parametrize("name,size,tol", [("look.3dl", 17, 0.6 / 4095 + 1e-6), ("look.spi3d", 33, 1e-6),
                                           ("look_resolve.cube", 33, 1e-6), ("look.csp", 33, 1e-6)])
def test_sampled_formats_equal_look_cube_at_the_nodes(work, name, size, tol):
    """Baked from the grade, not from the OCIO look: the nodes are look.cube's (to the file's precision)."""
    raw = OCIO.Config.CreateRaw()
    proc = raw.getProcessor(OCIO.FileTransform(src=str(work / "look" / name),
                                               interpolation=OCIO.Interpolation.INTERP_TETRAHEDRAL))
    nodes = lattice(size).reshape(-1, 3)
    buf = nodes.astype(np.float32).copy()
    proc.getDefaultCPUProcessor().applyRGB(buf)
    want = bake_look(GradeParams(LOOK), size).reshape(-1, 3)
    assert np.abs(buf - want).max() <= tol, np.abs(buf - want).max()


# --- Blender (background mode) -----------------------------------------------------------------------

BLENDER_SCRIPT = """
import bpy, sys
src, dst = sys.argv[sys.argv.index("--") + 1:]
scene = bpy.context.scene
img = bpy.data.images.load(src)
img.colorspace_settings.name = "ncst_display_encoded"  # settable: its family is not 'display'
scene.display_settings.display_device = "sRGB"
scene.view_settings.view_transform = "Raw"
scene.view_settings.look = "ncst"  # Blender applies a config's looks through this menu, not a view's looks
scene.render.dither_intensity = 0.0
scene.render.image_settings.file_format = "PNG"
scene.render.image_settings.color_depth = "8"
img.save_render(dst, scene=scene)
"""


def test_blender_applies_the_bundle_look(work):
    """Blender 3.4 (Debian 12) with OCIO=the bundle's config: the image's colour space is set to the
    working space (fails with 'enum not found' when its family is 'display') and Save as Render
    applies the look chosen in the Look menu."""
    exe = need("blender")
    script = work / "blender_look.py"
    script.write_text(BLENDER_SCRIPT)
    out = work / "blender.png"
    env = dict(headless_env(), OCIO=str(work / "look" / "ocio" / "config.ocio"))
    res = subprocess.run([exe, "-b", "--factory-startup", "--python-exit-code", "1", "--python", str(script),
                          "--", str(work / "in.png"), str(out)], capture_output=True, text=True, timeout=120,
                         env=env)
    assert res.returncode == 0 and out.exists(), res.stdout[-2000:] + res.stderr[-2000:]
    check(work, out, BAR_MEAN_33, BAR_MAX_33, "Blender look (bundle config)")


def test_cc_file_and_config_say_how_the_cdl_clamps(work):
    """A .cc cannot carry the CDL style and OCIO's FileTransform defaults to no clamp (up to 15 codes
    off): the bundle's config sets ASC itself, and the .cc's description tells a FileTransform user."""
    assert "cdl_style: asc" in (work / "look" / "ocio" / "config.ocio").read_text()
    assert "cdl_style: asc" in (work / "look" / "look.cc").read_text()
    raw = OCIO.Config.CreateRaw()
    x = lattice(9).reshape(-1, 3).astype(np.float32)
    out = {}
    for style in (OCIO.CDLStyle.CDL_ASC, OCIO.CDLStyle.CDL_NO_CLAMP):
        g = OCIO.GroupTransform()
        cc = OCIO.FileTransform(src=str(work / "look" / "look.cc"))
        cc.setCDLStyle(style)
        g.appendTransform(cc)
        g.appendTransform(OCIO.FileTransform(src=str(work / "look" / "residual.cube"),
                                             interpolation=OCIO.Interpolation.INTERP_TETRAHEDRAL))
        buf = x.copy()
        raw.getProcessor(g).getDefaultCPUProcessor().applyRGB(buf)
        out[style] = buf
    want = bake_look(GradeParams(LOOK), 9).reshape(-1, 3)
    asc = np.abs(out[OCIO.CDLStyle.CDL_ASC] - want) * 255
    no_clamp = np.abs(out[OCIO.CDLStyle.CDL_NO_CLAMP] - want) * 255
    print(f"\nlook.cc + residual.cube: ASC mean {asc.mean():.3f} max {asc.max():.2f}; "
          f"no-clamp mean {no_clamp.mean():.3f} max {no_clamp.max():.2f} codes")
    assert asc.mean() < 0.2 and asc.max() < 3.0  # ASC: the look (residual interpolated off its nodes)
    assert no_clamp.mean() > 10 * asc.mean() and no_clamp.max() > asc.max() + 3.0  # no clamp: not the look
