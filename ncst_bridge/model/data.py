"""Pretraining data: content/style pairs drawn from any image folder (recursively; MS-COCO works).

Every sample is a pure function of (seed, sample index), so a run is reproducible, DDP ranks draw
disjoint samples, DataLoader workers need no shared state, and a resumed run sees exactly the
samples the uninterrupted run would have seen.

Objectives (see pretrain.py for the losses):

* ``known-look`` -- two random crops A and B of ONE image; a random known look L (random_params over
  the colour parameters: 10% identity, 45% across the full ranges, 45% at a random milder strength)
  is applied to B to make the style image; the target is L(A). Half the time both crops first get a shared random "base" look:
  it is part of the scene, not of the look, so the network cannot assume the content is neutral.
* ``across-content`` -- content A and reference B are crops of two DIFFERENT images (the case users
  hit most: the reference is a still of another scene); each gets its own mild exposure and white
  balance change half the time (scenes differ in those too); a random look L from a family wider
  than the parameters (model/looks.py: parametric, creative curves / split toning / fades, and the
  ``.cube`` LUTs of a folder when one is given) grades B into the style image; the target is L(A).
  The network has to read the look from an image of another scene, which it can only do by knowing
  what ungraded scenes look like.
* ``paper``      -- the paper's: content and style crops from two different images, no target.
"""

from __future__ import annotations

from pathlib import Path
from collections.abc import Iterator, Sequence

import cv2
import numpy as np
import torch
from torch.utils.data import Dataset, Sampler

from ncst_bridge.errors import NcstError
from ncst_bridge.grade.grade import colour_grade
from ncst_bridge.grade.params import PARAMS
from ncst_bridge.grade.sampling import random_params
from ncst_bridge.io.images import IMAGE_EXTS, read_image

OBJECTIVES = ("known-look", "across-content", "paper")
CACHE_MAX_IMAGES = 500  # decoded images kept in memory (as uint8 at 2x the crop size) up to this many


def list_images(folder: str | Path) -> list[Path]:
    """All image files under ``folder`` (recursive, sorted, hidden folders skipped)."""
    root = Path(folder)
    if not root.exists():
        raise NcstError(f"{root}: no such folder")
    if not root.is_dir():
        raise NcstError(f"{root}: not a folder (--images takes a folder of images)")
    files = [
        p
        for p in root.rglob("*")
        if p.suffix.lower() in IMAGE_EXTS
        and p.is_file()
        and not any(part.startswith(".") for part in p.relative_to(root).parts)
    ]
    if not files:
        raise NcstError(f"{root}: no images found ({', '.join(sorted(IMAGE_EXTS))}, searched recursively)")
    return sorted(files)


class PairDataset(Dataset):
    """Map-style dataset whose index is a global sample number; returns a dict of (3, S, S) tensors."""

    def __init__(
        self,
        files: Sequence[Path],
        objective: str = "known-look",
        size: int = 256,
        seed: int = 0,
        names: Sequence[str] = (),
        look_strength: float = 1.0,
        base_look_p: float = 0.5,
        identity_p: float = 0.1,
        cache: bool | None = None,
        luts: Sequence[torch.Tensor] = (),
    ):
        if objective not in OBJECTIVES:
            raise NcstError(f"--objective {objective}: choose from {', '.join(OBJECTIVES)}")
        if objective in ("paper", "across-content") and len(files) < 2:
            raise NcstError(f"the {objective} objective needs at least two images (content and style differ)")
        self.files = list(files)
        self.objective = objective
        self.size = int(size)
        self.load_side = 2 * self.size  # NLUT: resize to 512, crop 256
        self.seed = int(seed)
        self.look_names = tuple(n for n in names if PARAMS[n].lands != "spatial")
        self.look_strength = float(look_strength)
        self.base_look_p = float(base_look_p)
        self.identity_p = float(identity_p)
        self.cache = (len(self.files) <= CACHE_MAX_IMAGES) if cache is None else bool(cache)
        self.luts = list(luts)
        self._cache: dict[int, np.ndarray | None] = {}
        self.bad: set[int] = set()

    def __len__(self) -> int:  # samples are generated: any non-negative index is valid
        return 1 << 62

    def _load(self, i: int) -> np.ndarray | None:
        if i in self._cache:
            return self._cache[i]
        try:
            img = read_image(self.files[i], min_side=16)
        except NcstError:
            img8 = None
        else:
            h, w = img.shape[:2]
            s = self.load_side / min(h, w)
            if s < 1:
                img = cv2.resize(
                    img.astype(np.float32), (max(1, round(w * s)), max(1, round(h * s))), interpolation=cv2.INTER_AREA
                )
            img8 = np.clip(np.rint(img * 255.0), 0, 255).astype(np.uint8)
        if img8 is None:
            self.bad.add(i)
        if self.cache or img8 is None:
            self._cache[i] = img8
        return img8

    def _image(self, rng: np.random.Generator, avoid: int = -1) -> tuple[int, np.ndarray]:
        n = len(self.files)
        for _ in range(64):
            i = int(rng.integers(n))
            if i == avoid:
                continue
            img = self._load(i)
            if img is not None:
                return i, img
        raise NcstError(f"no readable images among {n} files tried at random (corrupt files?)")

    def _crop(self, rng: np.random.Generator, img: np.ndarray, lo: float, hi: float) -> torch.Tensor:
        h, w = img.shape[:2]
        side = max(8, int(round(rng.uniform(lo, hi) * min(h, w))))
        y = int(rng.integers(0, h - side + 1))
        x = int(rng.integers(0, w - side + 1))
        crop = img[y : y + side, x : x + side]
        interp = cv2.INTER_AREA if side > self.size else cv2.INTER_LINEAR
        crop = cv2.resize(crop, (self.size, self.size), interpolation=interp)
        if rng.random() < 0.5:
            crop = crop[:, ::-1]
        return torch.from_numpy(np.ascontiguousarray(crop, dtype=np.float32) / 255.0).permute(2, 0, 1)

    def _look(self, rng: np.random.Generator, strength: float) -> dict[str, float]:
        look = random_params(rng, strength, self.look_names)
        return {n: look[n] for n in self.look_names}

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        rng = np.random.default_rng([self.seed, int(index)])
        if self.objective == "paper":
            i, img = self._image(rng)
            _, other = self._image(rng, avoid=i)
            return {"content": self._crop(rng, img, 0.5, 1.0), "style": self._crop(rng, other, 0.5, 1.0)}
        if self.objective == "across-content":
            return self._across(rng)
        _, img = self._image(rng)
        a = self._crop(rng, img, 0.5, 0.9)[None]
        b = self._crop(rng, img, 0.5, 0.9)[None]
        with torch.no_grad():
            if rng.random() < self.base_look_p:
                base = self._look(rng, 0.5)
                a, b = colour_grade(a, base), colour_grade(b, base)
            u = rng.random()  # identity now and then, full-range looks half the time, milder ones otherwise
            strength = (
                0.0
                if u < self.identity_p
                else self.look_strength
                if u < 0.55
                else float(rng.uniform(0.0, self.look_strength))
            )
            look = self._look(rng, strength)
            style, target = colour_grade(b, look), colour_grade(a, look)
        return {"content": a[0], "style": style[0], "target": target[0]}

    def _scene_jitter(self, rng: np.random.Generator, img: torch.Tensor) -> torch.Tensor:
        """Half the time a mild exposure and white-balance change: part of the scene, not of the look."""
        if rng.random() < 0.5:
            return img
        gain = 2.0 ** rng.uniform(-0.4, 0.4)
        t = rng.uniform(-0.15, 0.15)
        wb = torch.tensor([2.0 ** (0.5 * t), 1.0, 2.0 ** (-0.5 * t)], dtype=img.dtype).reshape(3, 1, 1)
        return (img * gain * wb / float(wb.flatten() @ torch.tensor([0.2126, 0.7152, 0.0722]))).clamp(0, 1)

    def _across(self, rng: np.random.Generator) -> dict[str, torch.Tensor]:
        from ncst_bridge.model.looks import apply_to_image, identity_table, random_table

        i, img = self._image(rng)
        _, other = self._image(rng, avoid=i)
        a = self._scene_jitter(rng, self._crop(rng, img, 0.4, 1.0))
        b = self._scene_jitter(rng, self._crop(rng, other, 0.4, 1.0))
        u = rng.random()
        if u < self.identity_p:
            table = identity_table().float()
        else:
            family = "parametric" if u < 0.45 else "lut" if (u > 0.75 and self.luts) else "creative"
            strength = float(rng.uniform(0.0, self.look_strength)) if rng.random() < 0.85 else 1.0
            table = random_table(rng, family, self.look_names, strength, self.luts)
        with torch.no_grad():
            return {"content": a, "style": apply_to_image(table, b), "target": apply_to_image(table, a)}


class SampleStream(Sampler):
    """Global sample numbers for one rank: iteration ``it`` uses ``(it * world + rank) * batch + j``."""

    def __init__(self, start: int, stop: int, batch: int, rank: int = 0, world: int = 1):
        self.start, self.stop, self.batch, self.rank, self.world = start, stop, batch, rank, world

    def __iter__(self) -> Iterator[int]:
        for it in range(self.start, self.stop):
            base = (it * self.world + self.rank) * self.batch
            yield from range(base, base + self.batch)

    def __len__(self) -> int:
        return max(0, self.stop - self.start) * self.batch
