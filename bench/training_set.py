"""The pretraining set: the tuning two-thirds of the shared photos, corpus and clips, and the tuning LUTs.

The held-out third (the split rule of bench/quality/cross_content.py, by a hash of the file name) is
left out of training and of every tuning decision, so the benchmark's held-out rows are honest.
Writes DIR/images/ (symlinks to the photos, plus 4 frames of each tuning clip as PNG) and DIR/luts/.

Run:  python bench/training_set.py DIR     (then: ncst pretrain --images DIR/images --luts DIR/luts ...)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import av  # noqa: E402
import numpy as np  # noqa: E402

from bench.quality.cross_content import split_of  # noqa: E402
from bench.quality.pairs import SHARED  # noqa: E402
from ncst_bridge.io.images import write_image  # noqa: E402


def link_tuning(paths, folder: Path, counts: dict, kind: str) -> None:
    """Symlink the tuning-split files of ``paths`` into ``folder``; count both splits."""
    for path in paths:
        if split_of(path.stem) != "tuning":
            counts[f"held_out_{kind}"] += 1
            continue
        link = folder / path.name
        if not link.exists():
            link.symlink_to(path.resolve())
        counts[kind] += 1


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    args = ap.parse_args()
    out = Path(args.out)
    (out / "images").mkdir(parents=True, exist_ok=True)
    (out / "luts").mkdir(parents=True, exist_ok=True)
    counts = {"photos": 0, "held_out_photos": 0, "clip_frames": 0, "luts": 0, "held_out_luts": 0}
    for folder in (SHARED / "images", SHARED / "corpus"):
        link_tuning(sorted(folder.glob("*.jpg")) + sorted(folder.glob("*.png")), out / "images", counts, "photos")
    for clip in sorted((SHARED / "videos").iterdir()):
        if split_of(clip.stem) != "tuning":
            continue
        with av.open(str(clip)) as c:
            frames = [f.to_ndarray(format="rgb24") for f in c.decode(c.streams.video[0])]
        for k in (0.2, 0.4, 0.6, 0.8):
            i = int(k * (len(frames) - 1))
            write_image(out / "images" / f"clip_{clip.stem}_{i}.png", frames[i].astype(np.float32) / 255.0, force=True)
            counts["clip_frames"] += 1
    link_tuning(sorted((SHARED / "luts").glob("*.cube")), out / "luts", counts, "luts")
    print(counts)


if __name__ == "__main__":
    main()
