"""Known-look pairs ACROSS content: the reference shows other content than the clip, ground truth known.

Two tiers. ``halves``: content A and reference B share no pixels but one scene -- the two halves
(left/right, top/bottom) of one shared photo, or two frames far apart in one shared clip (10% and
90% of its length). ``different-photo`` (the case users hit most): A and B are different photos of
the shared photos and the corpus, or frames of two different clips. A look L is applied to B to make
the reference; the target is L(A). Look families: random parametric grades (plausible strength, and
the full ranges as a stress test on halves), the third-party creative .cube LUTs (colour-science,
tetrahedral; each split draws only its own LUTs), and a wider creative family (model/looks.py:
curves, split toning, faded blacks, channel mixes).

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
TIERS = ("halves", "different-photo")
FAMILIES = ("parametric", "lut", "creative", "parametric-full")
PARAM_STRENGTH = 0.4
DIFFERENT_PHOTO_PAIRS = {"tuning": 40, "held-out": 34}


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


def _split_photos(split: str) -> list:
    return [p for folder in ("images", "corpus") for p in sorted((SHARED / folder).glob("*.jpg"))
            if split_of(p.stem) == split]


def different_photos(split: str, seed: int = 0) -> list[tuple[str, np.ndarray, np.ndarray, str]]:
    """(name, content, reference, source): content and reference from two different photos of
    ``split`` (shared photos and corpus), and a frame of each clip of ``split`` against a frame of
    another clip of the split."""
    photos = _split_photos(split)
    rng = np.random.default_rng(seed + (41 if split == "tuning" else 43))
    n = DIFFERENT_PHOTO_PAIRS[split]
    out = []
    for i in rng.choice(len(photos), size=n, replace=False):
        j = int(rng.integers(len(photos) - 1))
        j += j >= i
        a, b = photos[int(i)], photos[j]
        out.append((f"{a.stem}<-{b.stem}", downscale(read_image(a)), downscale(read_image(b)), "photo"))
    clips = [c for c in sorted((SHARED / "videos").iterdir()) if split_of(c.stem) == split]
    mids = []
    for clip in clips:
        with av.open(str(clip)) as c:
            frames = [f.to_ndarray(format="rgb24") for f in c.decode(c.streams.video[0])]
        mids.append(downscale(frames[len(frames) // 2] / 255.0))
    for k, clip in enumerate(clips):
        if len(clips) > 1:
            other = (k + 1) % len(clips)
            out.append((f"{clip.stem}<-{clips[other].stem}", mids[k], mids[other], "clip"))
    return out


def split_luts(split: str) -> list:
    """The creative LUTs of ``split`` (the same hash rule as the photos)."""
    return [(name, fn) for name, fn in lut_looks() if split_of(name) == split]


def _creative(rng: np.random.Generator):
    """A random look of the wider creative family, as (description, function on images)."""
    import torch

    from ncst_bridge.model.looks import apply_table, random_table

    seed = int(rng.integers(1 << 31))
    table = random_table(np.random.default_rng(seed), "creative", COLOUR_NAMES).double()

    def apply(img):
        return apply_table(table, torch.from_numpy(np.ascontiguousarray(img, dtype=np.float64))).numpy()
    return f"creative seed {seed}", apply


def build_cross_pairs(split: str, seed: int = 0, tier: str = "halves") -> list[Pair]:
    """Every look family on every content/reference source pair of ``split`` in ``tier``."""
    if tier == "different-photo":
        sources = different_photos(split, seed)
    else:
        sources = [(n, a, b, "photo") for n, a, b in photo_halves(split)]
        sources += [(n, a, b, "clip") for n, a, b in clip_far_frames(split)]
    off = 0 if tier == "halves" else 100
    rng = np.random.default_rng(seed + off + (11 if split == "tuning" else 29))
    mild_rng = np.random.default_rng(seed + off + (13 if split == "tuning" else 31))  # its own stream: the
    creative_rng = np.random.default_rng(seed + off + (17 if split == "tuning" else 37))  # others unchanged
    luts = split_luts(split)
    pairs = []
    for name, a, b, source in sources:
        full = random_params(rng, 1.0, COLOUR_NAMES)
        lut_name, lut = luts[int(rng.integers(len(luts)))]
        mild = random_params(mild_rng, PARAM_STRENGTH, COLOUR_NAMES)
        families = (("parametric", mild), ("parametric-full", full)) if tier == "halves" else (("parametric", mild),)
        for family, p in families:
            pairs.append(Pair(f"{name}/{family}", family, source, a, colour_grade_numpy(b, p),
                              colour_grade_numpy(a, p), repr(p.as_dict())))
        pairs.append(Pair(f"{name}/{lut_name}", "lut", source, a, lut(b), lut(a), lut_name))
        look, creative = _creative(creative_rng)
        pairs.append(Pair(f"{name}/creative", "creative", source, a, creative(b), creative(a), look))
    return pairs
