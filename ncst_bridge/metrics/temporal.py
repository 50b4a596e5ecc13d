"""Temporal stability: the warped frame difference (warping error), weight-free.

For a pair of input frames (a, b) = (t, t+k) we compute OpenCV DIS optical flow on the *input*
frames (so the motion estimate is the same for every method being compared), warp frame a onto b,
and measure the mean squared difference over the pixels where the flow is trustworthy:

    E_k(V) = mean over pairs and valid pixels of || V_b(x) - V_a(x + f(x)) ||^2   (RGB in [0, 1])

with f the flow from b back to a. Valid pixels pass the forward-backward consistency check of
Ruder et al. (2016), ``|f + g(x + f)|^2 <= 0.01 (|f|^2 + |g(x + f)|^2) + 0.5``, and land inside the
frame; occluded and disoccluded pixels are left out. The same mask serves the input and every output.

The figure reported is the **ratio** E_k(output) / E_k(input): what the processing adds to (or
removes from) the frame-to-frame change already in the footage. It mixes two things: a stable
grade's slope (contrast 1.3 scales every difference, in time as in space, so its ratio is about
1.3^2 with no flicker at all) and flicker proper. So we also report the **flicker index**:
the ratio divided by the same ratio for *spatial* differences (mean squared difference between
horizontally and vertically adjacent pixels, on the same frames), ``S(output) / S(input)``. A
stable global grade changes temporal and spatial differences alike (index about 1; exactly 1 for
any linear one), while per-frame estimation adds temporal change without spatial change (index > 1). Intervals follow the NCST paper: k = 1
(consecutive), 5 (short-term) and 35 (long-term: one frame every 35, pairs (0, 35), (35, 70), ...).
Pairs that straddle a shot cut are skipped (the flow is meaningless there).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from collections.abc import Iterable, Mapping
from typing import Any

import cv2
import numpy as np

INTERVALS = (1, 5, 35)
_PRESETS = {
    "ultrafast": cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST,
    "fast": cv2.DISOPTICAL_FLOW_PRESET_FAST,
    "medium": cv2.DISOPTICAL_FLOW_PRESET_MEDIUM,
}


def _as_float(img: np.ndarray) -> np.ndarray:
    if img.dtype == np.uint8:
        return img.astype(np.float32) / 255.0
    if img.dtype == np.uint16:
        return img.astype(np.float32) / 65535.0
    return np.asarray(img, dtype=np.float32)


def _gray8(img: np.ndarray) -> np.ndarray:
    f = _as_float(img)
    g = 0.2126 * f[..., 0] + 0.7152 * f[..., 1] + 0.0722 * f[..., 2]
    return np.clip(np.rint(g * 255.0), 0, 255).astype(np.uint8)


class FlowPair:
    """Flow between two input frames, the warp it defines and its validity mask."""

    def __init__(self, dis, gray_a: np.ndarray, gray_b: np.ndarray):
        h, w = gray_a.shape
        back = dis.calc(gray_b, gray_a, None)  # b(x) ~ a(x + back(x))
        fwd = dis.calc(gray_a, gray_b, None)
        ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
        self.map_x = xs + back[..., 0]
        self.map_y = ys + back[..., 1]
        fwd_at = cv2.remap(fwd, self.map_x, self.map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        s = back + fwd_at
        lhs = (s * s).sum(axis=2)
        rhs = 0.01 * ((back * back).sum(axis=2) + (fwd_at * fwd_at).sum(axis=2)) + 0.5
        inside = (self.map_x >= 0) & (self.map_x <= w - 1) & (self.map_y >= 0) & (self.map_y <= h - 1)
        self.mask = (lhs <= rhs) & inside
        self.valid = int(self.mask.sum())

    def spatial(self, frame: np.ndarray) -> float:
        """Sum over valid pixels of the squared differences to the right and lower neighbours."""
        f = _as_float(frame)
        dx = np.zeros(f.shape[:2], np.float32)
        dy = np.zeros(f.shape[:2], np.float32)
        dx[:, :-1] = ((f[:, 1:] - f[:, :-1]) ** 2).sum(axis=2)
        dy[:-1] = ((f[1:] - f[:-1]) ** 2).sum(axis=2)
        return float((dx + dy)[self.mask].sum())

    def error(self, frame_a: np.ndarray, frame_b: np.ndarray) -> float:
        """Sum over valid pixels of the squared warped difference (summed over RGB)."""
        warped = cv2.remap(
            _as_float(frame_a), self.map_x, self.map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
        )
        diff = _as_float(frame_b) - warped
        return float(((diff * diff).sum(axis=2))[self.mask].sum())


@dataclass
class _Track:
    interval: int
    last_index: int | None = None
    last_gray: np.ndarray | None = None
    last_frames: dict = field(default_factory=dict)
    pairs: int = 0
    skipped: int = 0
    pixels: int = 0
    total: int = 0
    sums: dict = field(default_factory=dict)
    spatial: dict = field(default_factory=dict)


class WarpedError:
    """Accumulates the warped frame difference of an input clip and any number of outputs.

    Feed frames in order with ``add(index, input, {"name": output, ...})``; frames are (H, W, 3)
    uint8/uint16/float arrays of the same size. ``cuts`` are frame indices that start a new shot.
    """

    def __init__(self, intervals: Iterable[int] = INTERVALS, cuts: Iterable[int] = (), preset: str = "medium"):
        self.tracks = [_Track(int(k)) for k in intervals]
        if any(t.interval < 1 for t in self.tracks):
            raise ValueError("intervals must be >= 1")
        self.cuts = sorted(set(int(c) for c in cuts))
        self.dis = cv2.DISOpticalFlow_create(_PRESETS[preset])  # type: ignore[attr-defined]  # not in OpenCV's stubs
        self.frames = 0

    def _straddles(self, a: int, b: int) -> bool:
        return any(a < c <= b for c in self.cuts)

    def add(self, index: int, input_frame: np.ndarray, outputs: Mapping[str, np.ndarray]) -> None:
        gray = None
        self.frames += 1
        for tr in self.tracks:
            if index % tr.interval:
                continue
            gray = _gray8(input_frame) if gray is None else gray
            frames = {"input": input_frame, **outputs}
            if tr.last_index is not None and index - tr.last_index == tr.interval:
                if self._straddles(tr.last_index, index):
                    tr.skipped += 1
                else:
                    assert tr.last_gray is not None  # set together with last_index
                    pair = FlowPair(self.dis, tr.last_gray, gray)
                    tr.pairs += 1
                    tr.pixels += pair.valid * 3
                    tr.total += gray.size * 3
                    for name, fb in frames.items():
                        fa = tr.last_frames[name]
                        tr.sums[name] = tr.sums.get(name, 0.0) + pair.error(fa, fb)
                        tr.spatial[name] = tr.spatial.get(name, 0.0) + pair.spatial(fb)
            tr.last_index, tr.last_gray, tr.last_frames = index, gray, dict(frames)

    def result(self) -> dict:
        """{interval: {"pairs", "skipped_at_cuts", "valid_fraction", "input_error",
        "outputs": {name: {"error", "ratio", "spatial_ratio", "flicker_index"}}}}."""
        out = {}
        for tr in self.tracks:
            row: dict[str, Any] = {
                "pairs": tr.pairs,
                "skipped_at_cuts": tr.skipped,
                "valid_fraction": tr.pixels / tr.total if tr.total else None,
                "input_error": None,
                "outputs": {},
            }
            if tr.pairs and tr.pixels:
                e_in = tr.sums["input"] / tr.pixels
                row["input_error"] = e_in
                s_in = tr.spatial["input"]
                for name, s in tr.sums.items():
                    if name == "input":
                        continue
                    e = s / tr.pixels
                    ratio = e / e_in if e_in > 0 else None
                    sp = tr.spatial[name] / s_in if s_in > 0 else None
                    row["outputs"][name] = {
                        "error": e,
                        "ratio": ratio,
                        "spatial_ratio": sp,
                        "flicker_index": ratio / sp if ratio is not None and sp else None,
                    }
            out[tr.interval] = row
        return out


def warped_error_videos(
    input_path,
    output_path,
    intervals: Iterable[int] = INTERVALS,
    cuts: Iterable[int] = (),
    max_side: int | None = None,
    preset: str = "medium",
) -> dict:
    """The warped error of a rendered video against its source (both decoded streaming)."""
    from ncst_bridge.errors import NcstError
    from ncst_bridge.io.video import iter_frames

    meter = WarpedError(intervals, cuts, preset)
    src = iter_frames(input_path, bit_depth=8, max_side=max_side)
    dst = iter_frames(output_path, bit_depth=8, max_side=max_side)
    for a in src:
        b = next(dst, None)
        if b is None:
            raise NcstError(f"{output_path}: fewer frames than {input_path}")
        if a.rgb.shape != b.rgb.shape:
            raise NcstError(f"{output_path}: frame size differs from {input_path}")
        meter.add(a.index, a.rgb, {"output": b.rgb})
    if next(dst, None) is not None:
        raise NcstError(f"{output_path}: more frames than {input_path}")
    return meter.result()
