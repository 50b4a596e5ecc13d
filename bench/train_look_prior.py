"""Train the look prior (ncst_bridge/match/look_prior.py) on cross-content examples of the TUNING photos.

Each example: a tuning photo cut at a random place into content A and
other content B; a mild random "camera" variation M applied to both (so the ungraded footage varies);
a random look L (parametric grades, full range or milder; the hue
rotation mostly mild, since plausible grades rarely turn hues far); reference = L(M(B)),
target = L's parameters. Held-out photos (bench/quality/cross_content.split_of) are never read.

Run:  NCST_SHARED_DATA=/path/to/shared/data python bench/train_look_prior.py
Writes ncst_bridge/data/look_prior.safetensors (a few hundred kB).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.quality.cross_content import clip_far_frames, split_of  # noqa: E402
from bench.quality.pairs import COLOUR_NAMES, SHARED, downscale  # noqa: E402
from ncst_bridge.grade.grade import colour_grade_numpy  # noqa: E402
from ncst_bridge.grade.sampling import random_params  # noqa: E402
from ncst_bridge.io.images import read_image  # noqa: E402
from ncst_bridge.match import look_prior as lp  # noqa: E402

SIZE = 96
POINTS = 2048
HUE_MILD = 0.7  # share of looks whose hue rotation is mild (N(0, 10 degrees)); the rest uniform


def sources() -> list[np.ndarray]:
    imgs = [downscale(read_image(p), 2 * SIZE) for p in sorted((SHARED / "images").glob("*.jpg"))
            if split_of(p.stem) == "tuning"]
    return imgs


def cut(img: np.ndarray, rng) -> tuple[np.ndarray, np.ndarray]:
    h, w = img.shape[:2]
    f = rng.uniform(0.35, 0.65)
    if rng.random() < 0.5:
        k = int(f * w)
        a, b = img[:, :k], img[:, k:]
    else:
        k = int(f * h)
        a, b = img[:k], img[k:]
    return (a, b) if rng.random() < 0.5 else (b, a)


def pts(img: np.ndarray, rng, n: int = 2048) -> np.ndarray:
    """A random subset of an image's pixels (the grade and the statistics are per pixel)."""
    px = img.reshape(-1, 3)
    return px[rng.choice(len(px), size=min(n, len(px)), replace=False)][None]


def examples(img: np.ndarray, rng, clips: list, looks: int) -> tuple[list, list]:
    """``looks`` examples sharing one content/other-content cut (content statistics computed once)."""
    if clips and rng.random() < 0.1:
        a, b = clips[int(rng.integers(len(clips)))]
        if rng.random() < 0.5:
            a, b = b, a
    else:
        a, b = cut(img, rng)
    a, b = pts(a, rng), pts(b, rng)
    m = random_params(rng, 0.15, ("brightness", "contrast", "gamma", "saturation", "temperature"))
    a, b = colour_grade_numpy(a, m), colour_grade_numpy(b, m)
    xs, ys = [], []
    for _ in range(looks):
        strength = rng.choice([1.0, 1.0, 0.5, 0.2])
        look = random_params(rng, strength, COLOUR_NAMES)
        if rng.random() < HUE_MILD:  # plausible grades rarely rotate hue far: a rotation needs evidence
            look = look.replace(hue=float(np.clip(rng.normal(0.0, 10.0), -180, 180)))
        xs.append(lp.pair_features([a], colour_grade_numpy(b, look), max_points=POINTS))
        ys.append(lp.params_to_target(look.as_dict()))
    return xs, ys


def build(n: int, seed: int, looks: int = 16, with_clips: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    rng = np.random.default_rng(seed)
    imgs = sources()
    clips = [(a, b) for _, a, b in clip_far_frames("tuning")] if with_clips else []
    xs, ys = [], []
    t0 = time.time()
    while len(xs) < n:
        x, y = examples(imgs[int(rng.integers(len(imgs)))], rng, clips, looks)
        xs += x
        ys += y
        if len(xs) % 2000 < looks:
            print(f"{len(xs)}/{n} examples, {time.time() - t0:.0f} s", file=sys.stderr, flush=True)
    return torch.stack(xs).float(), torch.tensor(ys, dtype=torch.float32)


def train(x: torch.Tensor, y: torch.Tensor, epochs: int, seed: int) -> lp.LookNet:
    torch.manual_seed(seed)
    net = lp.LookNet(x.shape[1])
    net.mean.copy_(x.mean(0))
    net.std.copy_(x.std(0).clamp_min(1e-4))
    opt = torch.optim.AdamW(net.parameters(), lr=2e-3, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, epochs)
    # the hue only matters as much as there is colour left to rotate
    w = torch.ones(y.shape[1])
    for e in range(epochs):
        perm = torch.randperm(len(x))
        for i in range(0, len(x), 256):
            idx = perm[i:i + 256]
            pred = net(x[idx])
            sat = (1.0 + y[idx, 3]).clamp(0, 1)[:, None]
            err = (pred - y[idx]) ** 2 * w
            err = torch.cat([err[:, :5], err[:, 5:] * sat], 1)
            loss = err.mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
        sched.step()
        if e % 10 == 0:
            print(f"epoch {e} loss {float(loss.detach()):.4f}", file=sys.stderr, flush=True)
    net.eval()
    return net


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--examples", type=int, default=20_000)
    ap.add_argument("--epochs", type=int, default=60)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--data", default="/tmp/ncst_look_prior_data.pt", help="cache of the generated examples")
    ap.add_argument("--out", default=str(lp.DEFAULT_PATH))
    args = ap.parse_args()
    torch.set_num_threads(1)
    data = Path(args.data)
    if data.exists():
        x, y = torch.load(data)
    else:
        x, y = build(args.examples, args.seed)
        torch.save((x, y), data)
    n_val = len(x) // 10
    net = train(x[n_val:], y[n_val:], args.epochs, args.seed)
    with torch.no_grad():
        val = ((net(x[:n_val]) - y[:n_val]) ** 2).mean(0)
    print("validation MSE per output:", dict(zip(lp.OUTPUTS, [round(float(v), 4) for v in val])))
    lp.save(net, Path(args.out), {"trained_on": "tuning split of the shared photos (bench/quality/cross_content.py)",
                                  "examples": int(len(x)), "epochs": args.epochs, "seed": args.seed,
                                  "validation_mse": [round(float(v), 5) for v in val]})
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
