"""Warped frame difference (DIS flow): exact where it must be, sensitive to flicker, blind to a
global grade's uniform scaling, and skipping pairs across cuts."""

from __future__ import annotations

import numpy as np
import pytest

from _video_clips import VTEST, clips, source_frames
from ncst_bridge.metrics.temporal import FlowPair, WarpedError, warped_error_videos
from ncst_bridge.render.video import render_video


@pytest.fixture(scope="module")
def frames():
    return source_frames(VTEST, 36, (192, 144))


def _texture(h=120, w=160, seed=0):
    rng = np.random.default_rng(seed)
    base = rng.random((h // 4, w // 4, 3))
    import cv2

    return np.clip(cv2.resize(base, (w, h), interpolation=cv2.INTER_CUBIC), 0, 1).astype(np.float32)


def test_flow_warp_recovers_a_translation():
    import cv2

    img = _texture()
    shifted = np.roll(img, (2, 3), axis=(0, 1))  # b(x) = a(x - (3, 2))
    dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
    gray = lambda x: np.rint(x.mean(axis=2) * 255).astype(np.uint8)  # noqa: E731
    pair = FlowPair(dis, gray(img), gray(shifted))
    inner = np.s_[10:-10, 10:-10]
    assert np.median(pair.map_x[inner] - np.arange(160)[None, 10:-10]) == pytest.approx(-3, abs=0.2)
    assert pair.mask[inner].mean() > 0.9
    err = pair.error(img, shifted) / max(pair.valid, 1)
    assert err < 1e-3  # warped a matches b


def test_identity_gain_and_flicker(frames):
    rng = np.random.default_rng(0)
    meter = WarpedError(intervals=(1, 5, 35))
    for i, f in enumerate(frames):
        x = f.astype(np.float32) / 255
        meter.add(i, f, {"identity": f, "gain": x * 1.2,  # unclipped, so exactly a uniform scaling
                         "flicker": np.clip(x * rng.uniform(0.9, 1.1), 0, 1)})
    res = meter.result()
    assert res[1]["pairs"] == 35 and res[5]["pairs"] == 7 and res[35]["pairs"] == 1
    for k in (1, 5):
        outs = res[k]["outputs"]
        assert outs["identity"]["ratio"] == pytest.approx(1.0, abs=1e-12)
        assert outs["gain"]["ratio"] == pytest.approx(1.44, rel=1e-3)  # a global gain g scales it by g^2
        assert outs["gain"]["spatial_ratio"] == pytest.approx(1.44, rel=1e-3)
        assert outs["gain"]["flicker_index"] == pytest.approx(1.0, rel=1e-3)  # no flicker in a global gain
        assert outs["flicker"]["flicker_index"] > outs["flicker"]["spatial_ratio"]
        assert 0 < res[k]["valid_fraction"] <= 1
    assert res[1]["outputs"]["flicker"]["ratio"] > 3  # per-frame changes dominate static footage
    assert res[1]["outputs"]["flicker"]["flicker_index"] > 3


def test_pairs_across_cuts_are_skipped(frames):
    meter = WarpedError(intervals=(1, 5), cuts=[12])
    for i, f in enumerate(frames[:20]):
        meter.add(i, f, {})
    res = meter.result()
    assert res[1]["pairs"] == 18 and res[1]["skipped_at_cuts"] == 1
    assert res[5]["pairs"] == 2 and res[5]["skipped_at_cuts"] == 1  # (10, 15) straddles 12


def test_videos_neutral_look_is_stable(tmp_path):
    out = tmp_path / "neutral.mkv"
    render_video({}, clips()["plain"], out, codec="ffv1", progress=False, log=None)
    res = warped_error_videos(clips()["plain"], out, intervals=(1,))
    assert res[1]["pairs"] == 11
    assert res[1]["outputs"]["output"]["ratio"] == pytest.approx(1.0, abs=0.02)
