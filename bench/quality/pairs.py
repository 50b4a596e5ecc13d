"""Known-look pairs: content A and reference B from the same scene, B graded with a known look L.

The target is L(A). Same-scene sources: two crops of one photo (top-left and bottom-right 75%, so
they overlap in the middle quarter of the frame) and two frames two seconds apart of one clip.
Looks: grades drawn across the parameter ranges (colour parameters; sharpness is not a colour look),
and third-party creative .cube LUTs.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import av
import colour
import cv2
import numpy as np
from colour.algebra import table_interpolation_tetrahedral

from ncst_bridge.grade.grade import colour_grade_numpy
from ncst_bridge.grade.sampling import random_params
from ncst_bridge.io.images import read_image

REPO = Path(__file__).resolve().parents[2]


def _shared() -> Path:
    """The shared real data: $NCST_SHARED_DATA, else ``../shared/data`` beside the checkout."""
    env = os.environ.get("NCST_SHARED_DATA")
    path = Path(env) if env else REPO.parent / "shared" / "data"
    if not (path / "images").is_dir():
        sys.exit(f"bench: the shared photos and clips are not at {path}; set NCST_SHARED_DATA")
    return path


SHARED = _shared()
LONG_SIDE = 320
COLOUR_NAMES = ("brightness", "contrast", "gamma", "hue", "saturation", "temperature")


@dataclass
class Pair:
    name: str
    family: str  # "parametric" | "lut"
    source: str  # "photo" | "clip"
    content: np.ndarray
    reference: np.ndarray
    target: np.ndarray
    look: str


def downscale(img: np.ndarray, long_side: int = LONG_SIDE) -> np.ndarray:
    h, w = img.shape[:2]
    s = long_side / max(h, w)
    if s >= 1:
        return img
    return cv2.resize(img.astype(np.float32), (round(w * s), round(h * s)), interpolation=cv2.INTER_AREA).astype(np.float64)


def photo_scenes(n: int, seed: int = 0) -> list[tuple[str, np.ndarray, np.ndarray]]:
    photos = sorted((SHARED / "images").glob("*.jpg"))
    rng = np.random.default_rng(seed)
    pick = rng.choice(len(photos), size=min(n, len(photos)), replace=False)
    out = []
    for i in sorted(pick):
        img = read_image(photos[i])
        h, w = img.shape[:2]
        a = img[: int(0.75 * h), : int(0.75 * w)]
        b = img[h - int(0.75 * h):, w - int(0.75 * w):]
        out.append((photos[i].stem, downscale(a), downscale(b)))
    return out


def clip_scenes(gap_seconds: float = 2.0) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """Two frames ``gap_seconds`` apart (less if the shot is shorter) inside each clip's longest shot."""
    from ncst_bridge.match.keyframes import select_keyframes

    out = []
    for clip in sorted((SHARED / "videos").iterdir()):
        kf = select_keyframes(clip, 1)
        start, end = max(kf.shots, key=lambda s: s[1] - s[0])
        gap = min(int(round(gap_seconds * kf.fps)), (end - start) // 2)
        i = start + (end - start - gap) // 2
        wanted = {i: None, i + gap: None}
        with av.open(str(clip)) as c:
            for n, f in enumerate(c.decode(c.streams.video[0])):
                if n in wanted:
                    wanted[n] = f.to_ndarray(format="rgb24") / 255.0
                if n > i + gap:
                    break
        a, b = wanted[i], wanted[i + gap]
        out.append((f"{clip.stem}@{i}+{gap}", downscale(a), downscale(b)))
    return out


def lut_looks() -> list[tuple[str, Callable[[np.ndarray], np.ndarray]]]:
    looks = []
    for path in sorted((SHARED / "luts").glob("*.cube")):
        lut = colour.read_LUT(str(path))

        def apply(img, lut=lut):
            return np.clip(lut.apply(img, interpolator=table_interpolation_tetrahedral), 0, 1)
        looks.append((path.stem, apply))
    return looks


def cross_scene(n: int, seed: int = 0) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """Content and reference from different photos (no ground truth)."""
    photos = sorted((SHARED / "images").glob("*.jpg"))
    rng = np.random.default_rng(seed + 7)
    out = []
    for _ in range(n):
        i, j = rng.choice(len(photos), size=2, replace=False)
        out.append((f"{photos[i].stem}<-{photos[j].stem}", downscale(read_image(photos[i])),
                    downscale(read_image(photos[j]))))
    return out


def build_pairs(n_photos: int = 20, seed: int = 0) -> list[Pair]:
    scenes = [(n, a, b, "photo") for n, a, b in photo_scenes(n_photos, seed)]
    scenes += [(n, a, b, "clip") for n, a, b in clip_scenes()]
    rng = np.random.default_rng(seed + 1)
    luts = lut_looks()
    pairs = []
    for k, (name, a, b, source) in enumerate(scenes):
        p = random_params(rng, 1.0, COLOUR_NAMES)
        pairs.append(Pair(f"{name}/param", "parametric", source, a, colour_grade_numpy(b, p),
                          colour_grade_numpy(a, p), repr(p)))
        lut_name, lut = luts[k % len(luts)]
        pairs.append(Pair(f"{name}/{lut_name}", "lut", source, a, lut(b), lut(a), lut_name))
    return pairs
