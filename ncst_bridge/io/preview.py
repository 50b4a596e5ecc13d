"""preview.png: the content keyframes before, the reference, and the keyframes after, side by side."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from ncst_bridge.io.images import write_image

TILE_H = 180
GAP = 6
MAX_TILES = 4


def _tile(img: np.ndarray, height: int = TILE_H) -> np.ndarray:
    h, w = img.shape[:2]
    width = max(1, round(w * height / h))
    return cv2.resize(np.asarray(img, dtype=np.float32), (width, height), interpolation=cv2.INTER_AREA)


def _row(tiles: list[np.ndarray]) -> np.ndarray:
    parts = []
    for i, t in enumerate(tiles):
        if i:
            parts.append(np.ones((t.shape[0], GAP, 3), np.float32))
        parts.append(t)
    return np.concatenate(parts, axis=1)


def preview_image(before: list[np.ndarray], after: list[np.ndarray], reference: np.ndarray) -> np.ndarray:
    """A white-framed sheet: row 1 keyframes before, row 2 the same after; the reference at the left."""
    picks = np.linspace(0, len(before) - 1, min(MAX_TILES, len(before))).round().astype(int)
    top = _row([_tile(before[i]) for i in picks])
    bottom = _row([_tile(after[i]) for i in picks])
    ref = _tile(reference, 2 * TILE_H + GAP)
    width = max(top.shape[1], bottom.shape[1])
    right = np.ones((2 * TILE_H + GAP, width, 3), np.float32)
    right[:TILE_H, : top.shape[1]] = top
    right[TILE_H + GAP :, : bottom.shape[1]] = bottom
    sheet = np.concatenate([ref, np.ones((ref.shape[0], 3 * GAP, 3), np.float32), right], axis=1)
    return np.pad(sheet, ((GAP, GAP), (GAP, GAP), (0, 0)), constant_values=1.0)


def write_preview(path: str | Path, before: list[np.ndarray], after: list[np.ndarray], reference: np.ndarray) -> Path:
    return write_image(path, preview_image(before, after, reference), bit_depth=8, force=True)
