"""Known-look pairs ACROSS content: the reference shows other content than the clip, ground truth known.

Content A and reference B share no pixels: the two halves (left/right, top/bottom) of one shared
photo, or two frames far apart in one shared clip (10% and 90% of its length). A look L is applied to
B to make the reference; the target is L(A). Two look families: random parametric grades across the
six colour parameters' ranges, and the third-party creative .cube LUTs (colour-science, tetrahedral).

The photos and clips are split by a fixed rule -- the first byte of SHA-1 of the file stem, mod 3 --
into a tuning two-thirds (every tuning decision) and a held-out third (reported, never tuned on).
"""

from __future__ import annotations

import hashlib

import av
import numpy as np

from bench.quality.pairs import COLOUR_NAMES, SHARED, Pair, downscale, lut_looks
from ncst_bridge.grade.grade import colour_grade_numpy
from ncst_bridge.grade.sampling import random_params
from ncst_bridge.io.images import read_image

SPLITS = ("tuning", "held-out")
FAMILIES = ("parametric", "lut", "parametric-full")
PARAM_STRENGTH = 0.4


def split_of(stem: str) -> str:
    """The fixed split rule: a third of the sources (by a hash of the file name) are held out."""
    return "held-out" if hashlib.sha1(stem.encode()).digest()[0] % 3 == 0 else "tuning"


def photo_halves(split: str) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(name, content, reference) from each photo of ``split``: its left|right or top|bottom halves
    (which, by the second byte of the same hash, so both cuts are represented)."""
    out = []
    for path in sorted((SHARED / "images").glob("*.jpg")):
        if split_of(path.stem) != split:
            continue
        img = read_image(path)
        h, w = img.shape[:2]
        if hashlib.sha1(path.stem.encode()).digest()[1] % 2 == 0:
            out.append((f"{path.stem}:L|R", downscale(img[:, : w // 2]), downscale(img[:, w - w // 2:])))
        else:
            out.append((f"{path.stem}:T|B", downscale(img[: h // 2]), downscale(img[h - h // 2:])))
    return out


def clip_far_frames(split: str) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(name, content, reference): frames at 10% and 90% of each clip of ``split`` (other content)."""
    out = []
    for clip in sorted((SHARED / "videos").iterdir()):
        if split_of(clip.stem) != split:
            continue
        with av.open(str(clip)) as c:
            frames = [f.to_ndarray(format="rgb24") for f in c.decode(c.streams.video[0])]
        i, j = int(0.1 * len(frames)), int(0.9 * len(frames))
        out.append((f"{clip.stem}@{i}|{j}", downscale(frames[i] / 255.0), downscale(frames[j] / 255.0)))
    return out


def build_cross_pairs(split: str, seed: int = 0) -> list[Pair]:
    """Every look family on every content/reference source pair of ``split``."""
    sources = [(n, a, b, "photo") for n, a, b in photo_halves(split)]
    sources += [(n, a, b, "clip") for n, a, b in clip_far_frames(split)]
    rng = np.random.default_rng(seed + (11 if split == "tuning" else 29))
    mild_rng = np.random.default_rng(seed + (13 if split == "tuning" else 31))  # its own stream: the
    luts = lut_looks()  # full-range and LUT pairs stay those of the first runs
    pairs = []
    for name, a, b, source in sources:
        full = random_params(rng, 1.0, COLOUR_NAMES)
        lut_name, lut = luts[int(rng.integers(len(luts)))]
        mild = random_params(mild_rng, PARAM_STRENGTH, COLOUR_NAMES)
        for family, p in (("parametric", mild), ("parametric-full", full)):
            pairs.append(Pair(f"{name}/{family}", family, source, a, colour_grade_numpy(b, p),
                              colour_grade_numpy(a, p), repr(p.as_dict())))
        pairs.append(Pair(f"{name}/{lut_name}", "lut", source, a, lut(b), lut(a), lut_name))
    return pairs
