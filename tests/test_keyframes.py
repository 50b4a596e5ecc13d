"""Keyframes: shot cuts found at the right frames (checked against ffmpeg's scdet filter and a
pixel-difference measure), one keyframe per shot, deterministic, frame ranges, bad input."""

from __future__ import annotations

import re
import subprocess

import numpy as np
import pytest

from _video_clips import BIKES, VTEST, clips, needs_videos
from ncst_bridge.errors import NcstError
from ncst_bridge.io.video import iter_frames
from ncst_bridge.match.keyframes import (_allocate, detect_cuts, histogram, k_medoids,
                                         select_keyframes)


@pytest.fixture(scope="module")
def bikes():
    return select_keyframes(BIKES, k=8, seed=0)


@pytest.fixture(scope="module")
def bikes_mad():
    """Mean absolute RGB difference between consecutive 128-px frames: an independent cut measure
    (pixels in place, not colour distributions)."""
    prev, mad = None, []
    for f in iter_frames(BIKES, max_side=128):
        x = f.rgb.astype(np.float32)
        if prev is not None:
            mad.append(float(np.abs(x - prev).mean()))
        prev = x
    return np.array(mad)  # mad[i] = difference between frames i and i+1


def _scdet_cut_frames(path, fps) -> list[int]:
    """Scene changes by ffmpeg's own detector (Debian ffmpeg, scdet filter), as frame indices."""
    res = subprocess.run(["ffmpeg", "-hide_banner", "-nostats", "-i", str(path), "-vf", "scdet=threshold=8",
                          "-f", "null", "-"], capture_output=True, text=True, check=True)
    times = [float(t) for t in re.findall(r"lavfi\.scd\.time: ([0-9.]+)", res.stderr)]
    return [int(round(t * fps)) for t in times]


@needs_videos
def test_cuts_match_ffmpeg_scdet_and_pixel_differences(bikes, bikes_mad):
    assert bikes.cuts == _scdet_cut_frames(BIKES, 25) == [30, 76, 137, 187, 242]
    # every detected cut is a larger frame-to-frame pixel change than any non-cut frame pair
    at_cuts = bikes_mad[[c - 1 for c in bikes.cuts]]
    others = np.delete(bikes_mad, [c - 1 for c in bikes.cuts])
    assert at_cuts.min() > 2.0 * others.max()
    assert at_cuts.min() > 10 * np.median(bikes_mad)


@needs_videos
def test_every_shot_gets_a_keyframe(bikes):
    assert len(bikes.indices) == 8 and bikes.indices == sorted(set(bikes.indices))
    assert bikes.shots[0][0] == 0 and bikes.shots[-1][1] == 249 and len(bikes.shots) == 6
    for s, (a, b) in enumerate(bikes.shots):
        inside = [i for i in bikes.indices if a <= i <= b]
        assert inside, f"shot {s} ({a}-{b}) has no keyframe"
    assert bikes.shot_of == [next(s for s, (a, b) in enumerate(bikes.shots) if a <= i <= b)
                             for i in bikes.indices]
    for i, t in zip(bikes.indices, bikes.times):
        assert t == pytest.approx(i / 25, abs=1e-6)
    for f in bikes.frames:
        assert f.dtype == np.float32 and f.shape == (109, 256, 3) and 0 <= f.min() and f.max() <= 1
    assert bikes.as_json()["cuts"] == bikes.cuts


@needs_videos
def test_keyframe_pixels_are_the_frames_at_those_indices(bikes):
    wanted = set(bikes.indices)
    frames = {f.index: f.rgb for f in iter_frames(BIKES, max_side=256) if f.index in wanted}
    for i, got in zip(bikes.indices, bikes.frames):
        assert np.array_equal(np.rint(got * 255).astype(np.uint8), frames[i])


@needs_videos
def test_deterministic_and_second_pass_equal(bikes):
    again = select_keyframes(BIKES, k=8, seed=0, cache_mb=0.05)  # forces the second decode pass
    assert again.indices == bikes.indices
    assert all(np.array_equal(a, b) for a, b in zip(again.frames, bikes.frames))


@needs_videos
def test_more_shots_than_k_and_k_medoids_spread():
    kf = select_keyframes(BIKES, k=3, seed=0, max_side=64)
    assert len(kf.indices) == 3 and len(set(kf.shot_of)) == 3
    x = np.vstack([np.zeros((5, 2)), np.ones((5, 2)) * 10, np.ones((5, 2)) * [0, 20]])
    m = k_medoids(x, 3, np.random.default_rng(0))
    assert sorted(int(i) // 5 for i in m) == [0, 1, 2]


@needs_videos
def test_frame_range_for_resolve():
    kf = select_keyframes(BIKES, k=4, start_frame=50, end_frame=160, max_side=64)
    assert all(50 <= i <= 160 for i in kf.indices)
    assert kf.frame_count == 111 and kf.cuts == [76, 137]
    assert kf.shots == [(50, 75), (76, 136), (137, 160)]


def test_static_single_shot_spreads_in_time():
    kf = select_keyframes(VTEST, k=4, max_side=64)
    assert kf.cuts == []
    gaps = np.diff([0] + kf.indices + [79])
    assert gaps.max() < 40  # not bunched up


def test_helpers():
    img = np.zeros((4, 4, 3), np.uint8)
    h = histogram(img)
    assert h.shape == (512,) and h[0] == 1.0
    assert detect_cuts(np.array([0.01] * 10 + [0.5] + [0.01] * 10)) == [11]
    assert detect_cuts(np.array([0.01] * 5 + [0.3] * 8 + [0.01] * 5)) == []  # a pan, not a cut
    assert detect_cuts(np.array([0.01] * 8 + [0.4, 0.4] + [0.01] * 8)) == []  # a one-frame flash
    assert _allocate([100, 10, 10], 8) == [6, 1, 1]
    assert _allocate([2, 50], 8) == [1, 7]
    assert _allocate([2, 3], 8) == [2, 3]  # capped by the shot lengths


def test_bad_inputs():
    c = clips()
    assert len(select_keyframes(c["odd"], k=8).indices) == 8  # exactly K frames is enough
    with pytest.raises(NcstError, match="only 8 frames in the clip/range, fewer than the 9 keyframes"):
        select_keyframes(c["odd"], k=9)
    with pytest.raises(NcstError, match="before its first frame"):
        select_keyframes(c["zero_frames"])
    with pytest.raises(NcstError, match="codec is not supported"):
        select_keyframes(c["unsupported"])
    with pytest.raises(NcstError, match="past the clip's last frame"):
        select_keyframes(c["plain"], k=2, start_frame=50)
    with pytest.raises(NcstError, match="past the clip's last frame"):
        select_keyframes(c["plain"], k=2, end_frame=50)
    with pytest.raises(NcstError, match="no video stream"):
        select_keyframes(c["audio_only"])
    with pytest.raises(NcstError, match="at least 1"):
        select_keyframes(c["plain"], k=0)
