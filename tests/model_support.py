"""Shared helpers for the NCST network tests (test_model_*, test_pretrain*, test_finetune*).

Small real photo crops, a tiny image folder for pretraining runs, and a known-look pair.
Kept out of conftest.py so other branches' conftest sections are untouched.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from conftest import photo as _photo_path
from conftest import photos
from ncst_bridge.grade.grade import colour_grade
from ncst_bridge.grade.params import GradeParams
from ncst_bridge.io.images import read_image

LOOK = GradeParams(brightness=1.25, contrast=0.8, gamma=1.15, hue=20.0, saturation=1.5, temperature=0.45)


@pytest.fixture(autouse=True)
def one_thread():
    """One torch thread: on a shared 2-core machine two threads make these small-tensor steps ~5x slower."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def photo(index: int = 0, width: int = 64) -> torch.Tensor:
    """A real photo (shared, else the bundled still) downscaled to ``width`` px wide, (1, 3, h, w) float32 in [0, 1]."""
    img = read_image(_photo_path(index))
    h, w = img.shape[:2]
    small = cv2.resize(img.astype(np.float32), (width, max(8, round(h * width / w))), interpolation=cv2.INTER_AREA)
    return torch.from_numpy(np.ascontiguousarray(small)).permute(2, 0, 1)[None].clamp(0, 1)


def known_look_pair(index: int = 0, look: GradeParams = LOOK, width: int = 48):
    """(content A, reference L(B), target L(A)): two overlapping crops of one photo, B graded by ``look``."""
    img = photo(index, width)
    h, w = img.shape[-2:]
    a = img[..., : int(0.75 * h), : int(0.75 * w)]
    b = img[..., h - int(0.75 * h):, w - int(0.75 * w):]
    with torch.no_grad():
        return a, colour_grade(b, look.as_dict()), colour_grade(a, look.as_dict())


def image_folder(root: Path, n: int = 4, side: int = 80, corrupt: bool = True) -> Path:
    """A nested folder (MS-COCO-like subfolders) of ``n`` small real photos, plus a corrupt file."""
    root.mkdir(parents=True, exist_ok=True)
    sources = photos()
    for i in range(n):  # distinct crops even where only the bundled sample still is available
        img = read_image(sources[i % len(sources)])
        h, w = img.shape[:2]
        img = img[(i * h) // (4 * n):, (i * w) // (4 * n):]
        h, w = img.shape[:2]
        s = side / min(h, w)
        small = cv2.resize(img.astype(np.float32), (round(w * s), round(h * s)), interpolation=cv2.INTER_AREA)
        sub = root / ("train" if i % 2 else "val") / "images"
        sub.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(sub / f"img{i}.png"), np.clip(small[:, :, ::-1] * 255, 0, 255).astype(np.uint8))
    if corrupt:
        (root / "train" / "broken.jpg").write_bytes(b"not a jpeg at all")
    return root


def lab_error(x: torch.Tensor, y: torch.Tensor) -> float:
    """Mean Euclidean CIE Lab distance (ΔE76) between two images."""
    from ncst_bridge.objective.colour_space import srgb_to_lab

    return float((srgb_to_lab(x, 1) - srgb_to_lab(y, 1)).norm(dim=1).mean())
