"""The Y'CbCr render path (render/yuv_lut.py): within a code of an exact float render on every plane,
the same codes whether the table is applied per pixel or expanded, and used only where it applies."""

from __future__ import annotations

import av
import cv2
import numpy as np
import pytest
from _video_clips import write_clip

from ncst_bridge.grade.numpy_grade import colour_grade_numpy
from ncst_bridge.grade.params import GradeParams
from ncst_bridge.io.video import iter_frames
from ncst_bridge.render.video import render_video
from ncst_bridge.render.yuv_lut import YuvLutGrade, codes_to_rgb, rgb_to_codes, single_threaded_cv2

LOOKS = [GradeParams(brightness=1.1, hue=12, gamma=0.9, temperature=0.3),
         GradeParams(contrast=1.4, saturation=1.6, hue=-40, gamma=1.2),
         GradeParams(brightness=0.7, saturation=0.3, temperature=-0.8)]


def _picture(h=144, w=256, seed=0) -> np.ndarray:
    """A photo-like RGB test picture: smooth colour gradients, saturated patches, hard edges, noise."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w] / np.array([h, w])[:, None, None]
    img = np.stack([xx, yy, 1 - 0.5 * (xx + yy)], -1)
    for _ in range(12):
        cy, cx, r = rng.integers(0, h), rng.integers(0, w), rng.integers(5, 30)
        cv2.circle(img, (int(cx), int(cy)), int(r), rng.random(3).tolist(), -1)
    img = cv2.GaussianBlur(img, (0, 0), 1.0) + rng.normal(0, 0.01, img.shape)
    return np.clip(img * 255 + 0.5, 0, 255).astype(np.uint8)


def _planes_420(rgb: np.ndarray, matrix="bt709"):
    codes = rgb_to_codes(rgb / 255.0, matrix)
    h, w = rgb.shape[:2]
    y = np.clip(np.rint(codes[..., 0]), 0, 255).astype(np.uint8)
    ch = [np.clip(np.rint(cv2.resize(codes[..., i], (w // 2, h // 2), interpolation=cv2.INTER_AREA)), 0, 255)
          .astype(np.uint8) for i in (1, 2)]
    return y, ch[0], ch[1]


def _exact(y, cb, cr, params, matrix="bt709", out_matrix=None):
    """f_P per pixel in float64 with exact matrices; chroma upsampled bilinearly, output chroma averaged."""
    h, w = y.shape
    up = (lambda p: cv2.resize(p.astype(np.float64), (w, h), interpolation=cv2.INTER_LINEAR))
    rgb = codes_to_rgb(np.dstack([y.astype(np.float64), up(cb), up(cr)]), matrix)
    codes = np.clip(rgb_to_codes(colour_grade_numpy(rgb, params), out_matrix or matrix), 0, 255)
    down = (lambda p: cv2.resize(p, (w // 2, h // 2), interpolation=cv2.INTER_AREA))
    return codes[..., 0], down(codes[..., 1]), down(codes[..., 2])


@pytest.mark.parametrize("matrix, out_matrix", [("bt709", None), ("smpte170m", None), ("bt601", "bt709")])
@pytest.mark.parametrize("look", range(len(LOOKS)))
def test_within_a_code_of_the_exact_render_on_every_plane(look, matrix, out_matrix):
    """Also when the output's matrix differs (untagged SD read as BT.601, written tagged BT.709)."""
    params = LOOKS[look]
    planes = _planes_420(_picture(seed=look), matrix)
    grade = YuvLutGrade(params, matrix, "yuv420p", mode="ocio", out_matrix=out_matrix)
    for got, want in zip(grade.planes(*planes), _exact(*planes, params, matrix, out_matrix)):
        err = np.abs(got.astype(np.float64) - want)
        assert err.mean() <= 0.6, f"mean error {err.mean():.3f} codes"
        assert np.percentile(err, 95) <= 1.5  # measured: <= 0.40 mean, <= 1.05 p95


def test_expanded_table_gives_the_same_codes_as_per_pixel():
    planes = _planes_420(_picture(seed=3))
    a = YuvLutGrade(LOOKS[1], "bt709", "yuv420p", mode="ocio").planes(*planes)
    b = YuvLutGrade(LOOKS[1], "bt709", "yuv420p", mode="gather").planes(*planes)
    for x, y in zip(a, b):
        assert np.array_equal(x, y)


def test_expanded_table_is_ocio_at_every_code_triple_sampled():
    """The table is expanded in row chunks; each entry is OCIO's output at that code triple."""
    grade = YuvLutGrade(LOOKS[0], "bt709", "yuv420p", mode="gather")
    rng = np.random.default_rng(1)
    triples = rng.integers(0, 256, (64, 64, 3)).astype(np.uint8)
    triples[0, :3] = [[0, 0, 0], [255, 255, 255], [16, 128, 128]]
    want = triples.copy()
    grade._cpu.applyRGB(want)
    t = triples.astype(np.uint32)
    got = grade._table[(t[..., 0] << 16) | (t[..., 1] << 8) | t[..., 2]].view(np.uint8).reshape(64, 64, 4)
    assert np.array_equal(got[..., :3], want) and not got[..., 3].any()


def test_working_planes_follow_the_frame_size():
    """The grader keeps its working planes between frames; a frame of another size gets new ones and
    the same codes as a fresh grader."""
    grade = YuvLutGrade(LOOKS[2], "bt709", "yuv420p", mode="gather")
    big, small = _planes_420(_picture(seed=4)), _planes_420(_picture(h=72, w=96, seed=5))
    first = [p.copy() for p in grade.planes(*big)]
    for x, y in zip(grade.planes(*small), YuvLutGrade(LOOKS[2], "bt709", "yuv420p", mode="gather").planes(*small)):
        assert np.array_equal(x, y)
    for x, y in zip(grade.planes(*big), first):
        assert np.array_equal(x, y)


def test_opencv_threads_restored_after_a_render():
    before = cv2.getNumThreads()
    with pytest.raises(RuntimeError), single_threaded_cv2():
        assert cv2.getNumThreads() == 1
        raise RuntimeError("render failed")
    assert cv2.getNumThreads() == before


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    frames = [np.roll(_picture(seed=7), 6 * i, axis=1) for i in range(8)]
    return write_clip(tmp_path_factory.mktemp("yuv") / "clip.mp4", frames)


def test_render_on_planes_is_as_close_to_exact_as_the_rgb_render(clip, tmp_path):
    """End to end (H.264, lossless CRF 0 so only the pixel path differs): against f_P applied to the
    decoded input frames, the Y'CbCr render is no further off than the RGB render (both lose a little
    to 4:2:0 chroma; measured 0.97-1.13 vs 1.21-1.41 codes mean per frame on this edge-heavy picture)."""
    look = LOOKS[0]
    a = render_video(look, clip, tmp_path / "yuv.mp4", progress=False, log=None, crf=0)
    b = render_video(look, clip, tmp_path / "rgb.mp4", progress=False, log=None, crf=0, yuv=False)
    assert "Y'CbCr yuv420p" in a.engine and "Y'CbCr" not in b.engine
    assert a.frames == b.frames == 8 and a.pix_fmt == b.pix_fmt == "yuv420p"
    for s, x, y in zip(iter_frames(clip), iter_frames(a.output), iter_frames(b.output)):
        exact = np.clip(np.rint(colour_grade_numpy(s.rgb / 255.0, look) * 255), 0, 255)
        err_yuv = np.abs(x.rgb - exact).mean()
        err_rgb = np.abs(y.rgb - exact).mean()
        assert err_yuv <= err_rgb + 0.1 and err_yuv <= 1.5, (err_yuv, err_rgb)


def test_sharpness_keeps_the_rgb_path(clip, tmp_path):
    r = render_video(GradeParams(sharpness=1.5), clip, tmp_path / "s.mp4", progress=False, log=None)
    assert "Y'CbCr" not in r.engine and "sharpness 1.5" in r.engine


def test_untagged_sd_takes_the_planes_with_the_matrix_converted(tmp_path):
    """Untagged SD is read as BT.601 and written tagged BT.709 (io/video/encode.py): the table composes
    the two matrices, and the render is as close to f_P on the decoded frames as the RGB render
    (measured 1.11-1.29 against 1.40-1.62 codes mean per frame)."""
    frames = [np.roll(_picture(seed=8), 6 * i, axis=1) for i in range(4)]
    sd = write_clip(tmp_path / "sd.mp4", frames, tag_bt709=False)
    look = LOOKS[0]
    a = render_video(look, sd, tmp_path / "yuv.mp4", progress=False, log=None, crf=0)
    b = render_video(look, sd, tmp_path / "rgb.mp4", progress=False, log=None, crf=0, yuv=False)
    assert "Y'CbCr yuv420p bt601 -> bt709" in a.engine and "Y'CbCr" not in b.engine
    with av.open(str(a.output)) as c:
        assert c.streams.video[0].codec_context.colorspace == 1  # tagged BT.709, as the RGB render
    for s, x, y in zip(iter_frames(sd), iter_frames(a.output), iter_frames(b.output)):
        exact = np.clip(np.rint(colour_grade_numpy(s.rgb / 255.0, look) * 255), 0, 255)
        err_yuv, err_rgb = np.abs(x.rgb - exact).mean(), np.abs(y.rgb - exact).mean()
        assert err_yuv <= err_rgb + 0.1 and err_yuv <= 1.5, (err_yuv, err_rgb)
