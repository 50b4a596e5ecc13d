"""Stills through OpenImageIO: EXR (half/float, RGB/RGBA, multi-part), DPX 10-bit (OIIO and ffmpeg),
TIFF 16-bit, PNG; checked against the numbers written and against oiiotool/ffmpeg's own decodes."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import OpenImageIO as oiio
import pytest

from ncst_bridge.errors import NcstError
from ncst_bridge.io import limits
from ncst_bridge.io.images import (
    code_levels,
    encoding_hints,
    image_info,
    read_image,
    read_pixels,
    read_stored,
    write_image,
)

ACESCG_XY = (0.713, 0.293, 0.165, 0.830, 0.128, 0.044, 0.32168, 0.33767)
needs_oiiotool = pytest.mark.skipif(shutil.which("oiiotool") is None, reason="oiiotool (openimageio-tools) not installed")
needs_ffmpeg = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg not installed")


def _pixels(h=24, w=32, c=3, top=1.0, seed=0):
    return (np.random.default_rng(seed).random((h, w, c)) * top).astype(np.float32)


def _oiio_write(path, parts):
    """Write with OIIO directly (not our writer): parts = [(array, channel names, format)]."""
    specs = []
    for arr, names, fmt in parts:
        s = oiio.ImageSpec(arr.shape[1], arr.shape[0], arr.shape[2], fmt)
        s.channelnames = names
        specs.append(s)
    out = oiio.ImageOutput.create(str(path))
    assert out.open(str(path), specs) if len(specs) > 1 else out.open(str(path), specs[0])
    for i, (arr, _n, _f) in enumerate(parts):
        if i:
            assert out.open(str(path), specs[i], "AppendSubimage")
        assert out.write_image(arr)
    out.close()


@pytest.mark.parametrize("fmt,tol", [("half", 2e-3), ("float", 0.0)])
@pytest.mark.parametrize("channels", [("R", "G", "B"), ("R", "G", "B", "A")])
def test_exr_half_float_rgb_rgba_keep_values_outside_0_1(tmp_path, fmt, tol, channels):
    arr = _pixels(c=len(channels), top=4.0) - 0.5  # scene-linear: above 1 and below 0
    _oiio_write(tmp_path / "a.exr", [(arr, channels, fmt)])
    img, info = read_pixels(tmp_path / "a.exr")
    assert info.format == fmt and img.shape == (24, 32, 3)
    np.testing.assert_allclose(img, arr[:, :, :3], rtol=tol, atol=tol)
    assert read_image(tmp_path / "a.exr").max() <= 1.0  # the default still clips floats
    assert read_image(tmp_path / "a.exr", clip_float=False).max() > 3.0


def test_multipart_exr_reads_the_rgb_part(tmp_path):
    depth = _pixels(c=1, top=100.0)
    beauty = _pixels(c=4, seed=1)
    _oiio_write(tmp_path / "mp.exr", [(depth, ("Z",), "float"), (beauty, ("R", "G", "B", "A"), "half")])
    img, info = read_pixels(tmp_path / "mp.exr")
    assert (info.subimage, info.subimages) == (1, 2)
    np.testing.assert_allclose(img, beauty[:, :, :3], atol=1e-3)


def test_layered_channels_are_found_by_name(tmp_path):
    arr = _pixels(c=4, seed=2)
    _oiio_write(tmp_path / "l.exr", [(arr, ("A", "diffuse.B", "diffuse.G", "diffuse.R"), "float")])
    img, _ = read_pixels(tmp_path / "l.exr")
    np.testing.assert_array_equal(img, arr[:, :, [3, 2, 1]])


@pytest.mark.parametrize("name,depth,step", [("a.dpx", 10, 1 / 1023), ("a.dpx", 12, 1 / 4095), ("a.dpx", 16, 1 / 65535),
                                             ("a.tif", 16, 1 / 65535), ("a.png", 16, 1 / 65535), ("a.png", 8, 1 / 255),
                                             ("a.exr", 16, 2e-3), ("a.exr", 32, 0.0), ("a.tif", 32, 0.0)])
def test_write_read_round_trip(tmp_path, name, depth, step):
    arr = _pixels()
    write_image(tmp_path / name, arr, depth)
    img, info = read_pixels(tmp_path / name)
    assert info.bit_depth == depth
    np.testing.assert_allclose(img, arr, atol=step / 2 + 1e-6)


@needs_oiiotool
@pytest.mark.parametrize("name,depth,stored", [("a.dpx", 10, "10-bit"), ("a.tif", 16, "uint16"), ("a.exr", 16, "half")])
def test_oiiotool_reads_what_we_write_and_we_read_what_it_writes(tmp_path, name, depth, stored):
    arr = _pixels()
    write_image(tmp_path / name, arr, depth)
    info = subprocess.run(["oiiotool", "--info", "-v", str(tmp_path / name)], capture_output=True, text=True).stdout
    assert "32 x   24" in info and (stored in info or f"BitsPerSample: {depth}" in info), info
    # oiiotool's float decode of our file == ours
    subprocess.run(["oiiotool", str(tmp_path / name), "-d", "float", "-o", str(tmp_path / "ref.exr")], check=True)
    # (OIIO's float decode of 10-bit widens the code to 16 bits first: within 1.5e-5 of code/1023)
    np.testing.assert_allclose(read_pixels(tmp_path / name)[0], read_pixels(tmp_path / "ref.exr")[0], atol=2e-5)
    # and a file oiiotool writes (a known colour) reads as that colour
    out = tmp_path / f"o_{name}"
    subprocess.run(["oiiotool", "--pattern", "constant:color=0.25,0.5,0.75", "16x16", "3", "-d",
                    {"a.dpx": "uint10", "a.tif": "uint16", "a.exr": "half"}[name], "-o", str(out)], check=True)
    np.testing.assert_allclose(read_pixels(out)[0][3, 3], [0.25, 0.5, 0.75], atol=1e-3)


@needs_ffmpeg
def test_dpx_10bit_written_by_ffmpeg_matches_ffmpeg_decode(tmp_path):
    dpx = tmp_path / "ff.dpx"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=64x48", "-frames:v", "1",
                    "-pix_fmt", "gbrp10le", str(dpx)], check=True)
    img, info = read_pixels(dpx)
    assert info.bits == 10
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", str(dpx), "-f", "rawvideo", "-pix_fmt", "gbrp10le", "-"],
                         capture_output=True, check=True).stdout
    g, b, r = np.frombuffer(raw, dtype="<u2").reshape(3, 48, 64)
    codes = np.stack([r, g, b], -1)
    np.testing.assert_array_equal(np.rint(img * 1023), codes)  # every 10-bit code as ffmpeg decodes it
    np.testing.assert_allclose(img, codes / 1023.0, atol=1e-7)


@pytest.mark.parametrize("name, depth", [("a.png", 8), ("a.png", 16), ("a.dpx", 10), ("a.exr", 16)])
def test_stored_codes_and_their_levels_are_what_read_pixels_gives(tmp_path, name, depth):
    """The still fast path grades stored codes through code_levels: the same values as read_pixels."""
    path = write_image(tmp_path / name, _pixels(), depth)
    px, info = read_stored(path)
    want = read_pixels(path, dtype=np.float64)[0]
    levels = code_levels(px, info)
    if name.endswith(".exr"):
        assert levels is None and px.dtype == np.float32
        np.testing.assert_array_equal(px, want)
    else:
        assert px.dtype == (np.uint8 if depth == 8 else np.uint16) and px.shape == want.shape
        np.testing.assert_array_equal(levels[px], want)


def test_integer_codes_are_written_as_they_are(tmp_path):
    codes = (np.random.default_rng(4).random((16, 20, 3)) * 65535).astype(np.uint16)
    back = read_stored(write_image(tmp_path / "c16.png", codes, 16))[0]
    np.testing.assert_array_equal(back, codes)
    c8 = (codes >> 8).astype(np.uint8)
    np.testing.assert_array_equal(read_stored(write_image(tmp_path / "c8.png", c8, 8))[0], c8)
    with pytest.raises(ValueError):
        write_image(tmp_path / "bad.png", codes, 8)  # 16-bit codes are not 8-bit codes
    with pytest.raises(ValueError):
        write_image(tmp_path / "bad.exr", codes, 16)  # nor float samples


def test_metadata_hints(tmp_path):
    spec = oiio.ImageSpec(16, 16, 3, "half")
    spec.attribute("chromaticities", oiio.TypeDesc("float[8]"), ACESCG_XY)
    out = oiio.ImageOutput.create(str(tmp_path / "cg.exr"))
    out.open(str(tmp_path / "cg.exr"), spec)
    out.write_image(_pixels(16, 16))
    out.close()
    hints = encoding_hints(image_info(tmp_path / "cg.exr"))
    assert len(hints) == 1 and "'ACEScg'" in hints[0]
    write_image(tmp_path / "log.dpx", _pixels(16, 16), 10, metadata={"dpx:Transfer": "Printing density"})
    hints = encoding_hints(image_info(tmp_path / "log.dpx"))
    assert len(hints) == 1 and "Printing density" in hints[0] and "log" in hints[0]
    write_image(tmp_path / "plain.dpx", _pixels(16, 16), 10)
    assert encoding_hints(image_info(tmp_path / "plain.dpx")) == []


def test_pixel_limit_from_the_header_and_one_line_errors(tmp_path, capfd):
    write_image(tmp_path / "a.exr", _pixels(), 16)
    limits.set_max_pixels(100)
    try:
        with pytest.raises(NcstError, match="decoded-pixel limit"):
            read_pixels(tmp_path / "a.exr")
    finally:
        limits.set_max_pixels(None)
    png = tmp_path / "cut.png"
    write_image(png, _pixels(64, 64), 8)
    png.write_bytes(png.read_bytes()[:300])  # truncated inside the pixel data
    (tmp_path / "junk.dpx").write_bytes(b"not a dpx at all" * 10)
    capfd.readouterr()
    for bad in (png, tmp_path / "junk.dpx", tmp_path / "none.exr"):
        with pytest.raises(NcstError) as e:
            read_image(bad)
        assert "\n" not in str(e.value) and str(bad) in str(e.value)
    assert capfd.readouterr().err == ""  # libpng's chatter went into the message, not onto stderr
    with pytest.raises(NcstError, match="cannot hold 12-bit"):
        write_image(tmp_path / "x.exr", _pixels(), 12)
