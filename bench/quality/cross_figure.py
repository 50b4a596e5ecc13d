"""The across-content figure: before / reference / ncst match / target, for typical and worst pairs."""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image, ImageDraw

METHOD = "ncst match"
THUMB = 120  # height of each tile


def _tile(img: np.ndarray) -> np.ndarray:
    h, w = img.shape[:2]
    return cv2.resize(np.clip(img, 0, 1).astype(np.float32), (max(1, round(w * THUMB / h)), THUMB),
                      interpolation=cv2.INTER_AREA)


def _row(imgs: list[np.ndarray]) -> np.ndarray:
    tiles = [_tile(i) for i in imgs]
    tw = max(t.shape[1] for t in tiles)
    row = np.ones((THUMB, 4 * (tw + 4), 3), np.float32)
    for k, t in enumerate(tiles):
        row[:, k * (tw + 4): k * (tw + 4) + t.shape[1]] = t
    return row


def write_figure(path, pairs, records, outputs, split: str) -> None:
    """Rows: per look family, the median and the worst pair of ``METHOD`` (by ΔE00 to the target)."""
    by_pair = {p.name: p for p in pairs}
    rows, labels = [], []
    for fam in ("parametric", "lut", "creative"):
        recs = sorted((r for r in records if r["method"] == METHOD and r["split"] == split and r["family"] == fam),
                      key=lambda r: r["de_mean"])
        if not recs:
            continue
        for kind, r in (("typical", recs[len(recs) // 2]), ("worst", recs[-1])):
            p = by_pair[r["pair"]]
            out = outputs.get((METHOD, split, p.name))
            if out is None:
                continue
            rows.append(_row([p.content, p.reference, out, p.target]))
            labels.append(f"{fam}, {kind}: {p.name}  dE00 {r['de_mean']:.1f}")
    if not rows:
        return
    width = max(r.shape[1] for r in rows)
    text = 14  # a label strip above each row
    canvas = np.ones((text + len(rows) * (text + THUMB) + 4, width, 3), np.float32)
    for k, r in enumerate(rows):
        y = text + k * (text + THUMB) + text
        canvas[y: y + THUMB, : r.shape[1]] = r
    im = Image.fromarray((canvas * 255).round().astype(np.uint8))
    d = ImageDraw.Draw(im)
    d.text((4, 1), "before (content) | reference (other content, graded) | ncst match | target (look on content)",
           fill=(0, 0, 0))
    for k, lab in enumerate(labels):
        d.text((4, text + k * (text + THUMB) + 1), lab, fill=(160, 0, 0))
    im.save(path, optimize=True)
