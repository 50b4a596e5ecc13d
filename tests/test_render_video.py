"""``ncst apply LOOK VIDEO -o OUT`` end to end: frames, rate, size, tags and audio kept (checked with
ffprobe), the render equals the engine frame for frame, bad inputs give one-line errors and leave
nothing behind."""

from __future__ import annotations

import hashlib
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from conftest import SAMPLE_STILL
from _video_clips import KPA, VIDEOS, audio_streams, clips, ffprobe, needs_videos, run_ncst, video_stream, write_look
from ncst_bridge.errors import NcstError
from ncst_bridge.io.video import iter_frames
from ncst_bridge.render.engines import OcioEngine
from ncst_bridge.render.video import render_video


LOOK = dict(brightness=1.1, contrast=1.15, saturation=1.3, temperature=0.4, hue=8.0, sharpness=1.5)


@pytest.fixture(scope="module")
def c():
    return clips()


@pytest.fixture()
def look(tmp_path):
    return write_look(tmp_path / "look", **LOOK)


def _one_line_error(res, pattern: str) -> None:
    assert res.returncode == 2, (res.returncode, res.stdout, res.stderr)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ncst: ") and pattern in lines[0], res.stderr
    assert "Traceback" not in res.stderr


class _Result:
    def __init__(self, returncode, stdout, stderr):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


def ncst_in_process(capsys, *args: str) -> _Result:
    """``ncst ARGS`` through ``cli.main`` (what ``python -m ncst_bridge`` runs), without the ~6 s
    interpreter + torch start-up of a subprocess; used for the option-checking matrix."""
    from ncst_bridge.cli import main

    capsys.readouterr()
    code = main(list(args))
    out = capsys.readouterr()
    return _Result(code, out.out, out.err)


def _audio_packets(path: Path) -> list[bytes]:
    with av.open(str(path)) as c:
        return [bytes(p) for p in c.demux(c.streams.audio[0]) if p.size]


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".part" in p.name)


def test_apply_keeps_frames_rate_size_tags_and_copies_audio(c, look, tmp_path):
    out = tmp_path / "graded.mp4"
    res = run_ncst("apply", str(look), str(c["audio"]), "-o", str(out))
    assert res.returncode == 0, res.stderr
    assert res.stderr == ""  # no progress bar when stderr is not a terminal
    assert "25 frames" in res.stdout and "audio: copy" in res.stdout
    src, dst = ffprobe(c["audio"]), ffprobe(out)
    sv, dv = video_stream(src), video_stream(dst)
    assert dv["nb_read_frames"] == sv["nb_read_frames"] == "25"
    assert (dv["width"], dv["height"]) == (sv["width"], sv["height"])
    assert Fraction(dv["r_frame_rate"]) == Fraction(sv["r_frame_rate"]) == 25
    assert (dv["codec_name"], dv["pix_fmt"]) == ("h264", "yuv420p")
    assert (dv["color_space"], dv["color_primaries"], dv["color_transfer"], dv["color_range"]) == \
        ("bt709", "bt709", "bt709", "tv")
    [sa], [da] = audio_streams(src), audio_streams(dst)
    assert da["codec_name"] == sa["codec_name"] == "aac"
    assert da["nb_read_frames"] == sa["nb_read_frames"]
    assert _audio_packets(out) == _audio_packets(c["audio"])  # copied packet for packet
    # x264's own settings record (SEI): frame threads, as ffmpeg's CLI runs it; PyAV's default
    # (slice threads) cost a third more CPU on a 2-core machine
    assert b"sliced_threads=0" in out.read_bytes()
    # the picture really is graded
    a = next(iter_frames(c["audio"])).rgb.astype(float)
    b = next(iter_frames(out)).rgb.astype(float)
    assert b[..., 0].mean() - b[..., 2].mean() > a[..., 0].mean() - a[..., 2].mean() + 5  # warmer


@needs_videos
def test_audio_reencoded_only_when_the_container_cannot_hold_it(look, tmp_path, capsys):
    """kpa_movie.avi has pcm_u8 audio: .mkv copies it, .mp4 cannot and says so."""
    mkv = tmp_path / "kpa.mkv"
    res = ncst_in_process(capsys, "apply", str(look), str(KPA), "-o", str(mkv))
    assert res.returncode == 0, res.stderr
    assert [a["codec_name"] for a in audio_streams(ffprobe(mkv))] == ["pcm_u8"]
    assert _audio_packets(mkv) == _audio_packets(KPA)
    mp4 = tmp_path / "kpa.mp4"
    res = run_ncst("apply", str(look), str(KPA), "-o", str(mp4))
    assert res.returncode == 0, res.stderr
    assert "re-encoded to AAC" in res.stdout
    info = ffprobe(mp4)
    assert [a["codec_name"] for a in audio_streams(info)] == ["aac"]
    assert video_stream(info)["nb_read_frames"] == "68"
    assert float(info["format"]["duration"]) == pytest.approx(4.53, abs=0.15)


def test_render_equals_the_engine_frame_for_frame(c, tmp_path):
    """Lossless RGB output (FFV1): decoded output == engine(decoded input), every frame, in order."""
    out = tmp_path / "lossless.mkv"
    report = render_video(LOOK, c["bikes"], out, engine="ocio", codec="ffv1", progress=False, log=None)
    assert report.frames == 40 and report.pix_fmt == "bgr0"
    eng = OcioEngine(LOOK)
    got = list(iter_frames(out))
    src = list(iter_frames(c["bikes"]))
    assert len(got) == len(src) == 40
    for s, g in zip(src, got):
        assert np.array_equal(eng.apply(s.rgb), g.rgb)
        assert g.time == pytest.approx(s.time, abs=1e-3)


def test_torch_engine_render_within_one_code_of_ocio(c, tmp_path):
    a, b = tmp_path / "ocio.mkv", tmp_path / "torch.mkv"
    render_video(LOOK, c["plain"], a, engine="ocio", codec="ffv1", progress=False, log=None)
    render_video(LOOK, c["plain"], b, engine="torch", device="cpu", codec="ffv1", progress=False, log=None)
    for x, y in zip(iter_frames(a), iter_frames(b)):
        assert np.abs(x.rgb.astype(int) - y.rgb).max() <= 1


def test_ten_bit_kept_where_the_codec_allows(c, look, tmp_path, capsys):
    out = tmp_path / "ten.mp4"
    assert run_ncst("apply", str(look), str(c["ten_bit"]), "-o", str(out)).returncode == 0
    assert video_stream(ffprobe(out))["pix_fmt"] == "yuv420p10le"
    eight = tmp_path / "eight.mp4"
    res = ncst_in_process(capsys, "apply", str(look), str(c["ten_bit"]), "-o", str(eight), "--bit-depth", "8")
    assert res.returncode == 0 and "writing 8-bit as asked" in res.stdout
    assert video_stream(ffprobe(eight))["pix_fmt"] == "yuv420p"
    prores = tmp_path / "ten.mov"
    res = ncst_in_process(capsys, "apply", str(look), str(c["ten_bit"]), "-o", str(prores), "--codec", "prores")
    assert res.returncode == 0, res.stderr
    v = video_stream(ffprobe(prores))
    assert (v["codec_name"], v["pix_fmt"], v["nb_read_frames"]) == ("prores", "yuv422p10le", "10")
    _one_line_error(ncst_in_process(capsys, "apply", str(look), str(c["ten_bit"]), "-o",
                                    str(tmp_path / "x.mp4"), "--bit-depth", "12"), "h264 cannot write 12-bit")
    assert not (tmp_path / "x.mp4").exists()


def test_ten_bit_graded_at_full_precision(c, tmp_path):
    """A 10-bit source graded to lossless 16-bit RGB keeps more than 256 levels per channel."""
    out = tmp_path / "deep.mkv"
    grade = {"contrast": 1.05}
    render_video(grade, c["ten_bit"], out, engine="ocio", codec="ffv1", bit_depth=16, progress=False, log=None)
    eng = OcioEngine(grade)
    for s, g in zip(iter_frames(c["ten_bit"]), iter_frames(out)):
        assert s.rgb.dtype == g.rgb.dtype == np.uint16
        # the engine on the 16-bit decode, to the code: an 8-bit step anywhere in between would be off
        # by up to 128 codes (and the grade of 8-bit codes scaled up lands between these values)
        expected = eng.apply(s.rgb)
        assert np.abs(g.rgb.astype(np.int64) - expected.astype(np.int64)).max() <= 1
        eight = eng.apply((s.rgb // 257).astype(np.uint8)).astype(np.int64) * 257
        assert np.abs(g.rgb.astype(np.int64) - eight).max() > 64  # the test can tell the two apart


def test_odd_size_keeps_resolution_with_444(c, look, tmp_path):
    out = tmp_path / "odd.mp4"
    res = run_ncst("apply", str(look), str(c["odd"]), "-o", str(out))
    assert res.returncode == 0, res.stderr
    assert "odd picture size 161x91" in res.stdout
    v = video_stream(ffprobe(out))
    assert (v["width"], v["height"], v["pix_fmt"], v["nb_read_frames"]) == (161, 91, "yuv444p", "8")


def test_variable_frame_rate_timestamps_kept(c, look, tmp_path):
    out = tmp_path / "vfr.mkv"
    res = run_ncst("apply", str(look), str(c["vfr"]), "-o", str(out))
    assert res.returncode == 0, res.stderr
    assert "variable frame rate" in res.stdout
    src = [round(f.time, 3) for f in iter_frames(c["vfr"], max_side=32)]
    dst = [round(f.time, 3) for f in iter_frames(out, max_side=32)]
    assert src == dst == [0.0, 0.04, 0.08, 0.2, 0.24, 0.4, 0.433, 0.466, 0.5, 0.7]


def test_truncated_input_stops_cleanly_and_leaves_nothing(c, look, tmp_path):
    out = tmp_path / "t.mp4"
    res = run_ncst("apply", str(look), str(c["truncated"]), "-o", str(out))
    frames = int(video_stream(ffprobe(c["truncated"]))["nb_read_frames"])
    _one_line_error(res, f"truncated at frame {frames}")
    assert not out.exists() and _leftovers(tmp_path) == []


def test_output_equal_to_input_is_refused_and_input_kept(c, look, tmp_path, capsys):
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(c["plain"].read_bytes())
    digest = hashlib.sha256(clip.read_bytes()).hexdigest()
    _one_line_error(run_ncst("apply", str(look), str(clip), "-o", str(clip), "--force"), "output is the input")
    _one_line_error(ncst_in_process(capsys, "apply", str(look), str(clip), "-o", str(clip)), "output is the input")
    link = tmp_path / "link.mp4"
    link.symlink_to(clip)
    _one_line_error(ncst_in_process(capsys, "apply", str(look), str(clip), "-o", str(link), "--force"),
                    "output is the input")
    assert hashlib.sha256(clip.read_bytes()).hexdigest() == digest


def test_existing_output_needs_force(c, look, tmp_path, capsys):
    out = tmp_path / "o.mp4"
    out.write_bytes(b"keep me")
    _one_line_error(ncst_in_process(capsys, "apply", str(look), str(c["plain"]), "-o", str(out)), "already exists")
    assert out.read_bytes() == b"keep me"
    assert ncst_in_process(capsys, "apply", str(look), str(c["plain"]), "-o", str(out), "--force").returncode == 0
    assert video_stream(ffprobe(out))["nb_read_frames"] == "12"


@pytest.mark.parametrize("name,pattern", [
    ("audio_only", "no video stream"),
    ("text", "not a readable video"),
    ("zero_frames", "before its first frame"),
    ("unsupported", "codec is not supported"),
])
def test_bad_inputs(c, look, tmp_path, capsys, name, pattern):
    out = tmp_path / "o.mp4"
    run = run_ncst if name == "unsupported" else (lambda *a: ncst_in_process(capsys, *a))
    _one_line_error(run("apply", str(look), str(c[name]), "-o", str(out)), pattern)
    assert not out.exists() and _leftovers(tmp_path) == []


@pytest.mark.parametrize("args,pattern", [
    (["-o", "{d}/o.mp4", "--codec", "ffv1"], "ffv1 cannot go into '.mp4'"),
    (["-o", "{d}/o.mp4", "--codec", "prores"], "prores cannot go into '.mp4'"),
    (["-o", "{d}/o.avi"], "unsupported video output type '.avi'"),
    (["-o", "{d}/o.mov", "--codec", "prores", "--crf", "20"], "--crf applies to h264/hevc"),
    (["-o", "{d}/o.mp4", "--crf", "70"], "--crf must be 0..51"),
    (["-o", "{d}/o.mp4", "--prores-profile", "lt"], "--prores-profile applies to --codec prores"),
    (["-o", "{d}/o.mp4", "--engine", "cuda"], "invalid choice"),
])
def test_bad_options_are_one_line_errors(c, look, tmp_path, capsys, args, pattern):
    args = [a.format(d=tmp_path) for a in args]
    _one_line_error(ncst_in_process(capsys, "apply", str(look), str(c["plain"]), *args), pattern)
    assert [p.name for p in tmp_path.iterdir()] == ["look"]


def test_video_options_refused_for_images(look, tmp_path, capsys):
    img = SAMPLE_STILL
    _one_line_error(ncst_in_process(capsys, "apply", str(look), str(img), "-o", str(tmp_path / "o.png"),
                                    "--codec", "h264"), "video option")


def test_render_video_api(c, tmp_path):
    """The function ``ncst match --render`` calls: report fields, force, and errors as NcstError."""
    out = tmp_path / "api.mp4"
    notes = []
    rep = render_video(LOOK, c["audio"], out, crf=23, preset="veryfast", progress=False, log=notes.append)
    assert rep.frames == 25 and rep.audio == ["copy"] and rep.codec == "libx264"
    assert rep.as_json()["output"] == str(out)
    with pytest.raises(NcstError, match="already exists"):
        render_video(LOOK, c["audio"], out, progress=False, log=None)
    rep = render_video(LOOK, c["audio"], out, force=True, progress=False, log=None)
    assert rep.frames == 25
    with pytest.raises(NcstError, match="output is the input"):
        render_video(LOOK, out, out, force=True, progress=False, log=None)


def test_colour_managed_video(c, look, tmp_path, capsys):
    """--input-space on video: frames equal the colour-managed engine, tags say Rec.709."""
    import argparse

    from ncst_bridge.colour.options import colour_settings

    cs = colour_settings(argparse.Namespace(input_space="ACEScct", reference_space=None, output_space=None,
                                            ocio_config=None))
    out = tmp_path / "managed.mkv"
    render_video(LOOK, c["plain"], out, codec="ffv1", colour=cs, progress=False, log=None)
    eng = OcioEngine(LOOK, colour=cs)
    for s, g in zip(iter_frames(c["plain"]), iter_frames(out)):
        assert np.array_equal(eng.apply(s.rgb), g.rgb)


@needs_videos
def test_colour_managed_video_tags_bt709(look, tmp_path, capsys):
    """A tagged SMPTE 170M clip graded from ACEScct comes out tagged BT.709."""
    car = VIDEOS / "intel_car_detection_6s.mp4"
    mp4 = tmp_path / "car.mp4"
    res = ncst_in_process(capsys, "apply", str(look), str(car), "-o", str(mp4), "--input-space", "ACEScct",
                          "--preset", "ultrafast")
    assert res.returncode == 0, res.stderr
    assert "from ACEScct" in res.stdout
    v = video_stream(ffprobe(mp4, count=False))
    assert (v["color_primaries"], v["color_transfer"]) == ("bt709", "bt709")
