"""Measure the look fit's content noise (ncst_bridge/match/look_fit.py) on the TUNING photos only.

How far do the look statistics of two different contents differ under one and the same look? Each
sample: a tuning photo cut at a random place (35-65%, across or down) into two parts, the parts in a
random order, the same random grade (a fifth, two fifths or all of each range) on both; the
difference of their statistics. The second moment of those differences (shrunk 10% toward its
diagonal), scaled by ``--scale``, is the noise covariance; its inverse Cholesky factor is stored.
Held-out photos (bench/quality/cross_content.split_of) are never read.

The prior and fit settings written beside it (``--prior-sigma``, ``--robust``, ``--scale``, the hue
starts) were chosen on the tuning split of bench/cross_content_bench.py (docs/matching-across-content.md).

Run:  NCST_SHARED_DATA=/path/to/shared/data python bench/fit_look_noise.py
Writes ncst_bridge/data/look_noise.safetensors (a few kB).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.quality.cross_content import split_of  # noqa: E402
from bench.quality.pairs import COLOUR_NAMES, SHARED, downscale  # noqa: E402
from ncst_bridge.grade.grade import colour_grade_numpy  # noqa: E402
from ncst_bridge.grade.sampling import random_params  # noqa: E402
from ncst_bridge.io.images import read_image  # noqa: E402
from ncst_bridge.match import look_fit, look_stats  # noqa: E402


def differences(samples: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    imgs = [downscale(read_image(p), 256) for p in sorted((SHARED / "images").glob("*.jpg"))
            if split_of(p.stem) == "tuning"]
    out = []
    for i in range(samples):
        img = imgs[int(rng.integers(len(imgs)))]
        h, w = img.shape[:2]
        f = rng.uniform(0.35, 0.65)
        if rng.random() < 0.5:
            a, b = img[:, : int(f * w)], img[:, int(f * w):]
        else:
            a, b = img[: int(f * h)], img[int(f * h):]
        if rng.random() < 0.5:
            a, b = b, a
        look = random_params(rng, float(rng.choice([0.2, 0.4, 1.0])), COLOUR_NAMES)
        a, b = colour_grade_numpy(a, look), colour_grade_numpy(b, look)
        fa = look_stats.features(look_fit.points(a, look_fit.POINTS, 2 * i))
        fb = look_stats.features(look_fit.points(b, look_fit.POINTS, 2 * i + 1))
        out.append(fa - fb)
    return np.array(out)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--samples", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--shrink", type=float, default=0.1)
    ap.add_argument("--scale", type=float, default=3.0, help="noise covariance multiplier (weakens the evidence)")
    ap.add_argument("--robust", type=float, default=1.0, help="Cauchy scale of the whitened residuals")
    ap.add_argument("--prior-sigma", type=float, nargs=6, default=[0.5, 0.5, 0.5, 0.3, 0.7, 0.5],
                    help="prior std of log2 brightness, contrast, gamma; hue/90; log2 saturation; temperature")
    ap.add_argument("--hue-starts", type=float, nargs="*", default=[-60.0, -30.0, 0.0, 30.0, 60.0])
    ap.add_argument("--out", default=str(look_fit.DEFAULT_PATH))
    args = ap.parse_args()
    d = differences(args.samples, args.seed)
    s = d.T @ d / len(d)
    s = (1 - args.shrink) * s + args.shrink * np.diag(np.diag(s))
    precision = np.linalg.inv(s * args.scale)
    whiten = np.linalg.cholesky(precision).T.copy()
    card = {"trained_on": "tuning split of the shared photos (bench/quality/cross_content.py)",
            "samples": args.samples, "seed": args.seed, "shrink": args.shrink, "scale": args.scale,
            "robust": args.robust, "prior_sigma": args.prior_sigma, "hue_starts": args.hue_starts,
            "probe": 12, "iterations": 90, "lr": 0.05}
    look_fit.save(whiten, Path(args.out), card)
    print(f"wrote {args.out}: {d.shape[1]} statistics, rms difference {np.sqrt(np.diag(s)).round(3).tolist()}")


if __name__ == "__main__":
    main()
