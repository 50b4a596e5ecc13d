"""Time NCST test-time fine-tuning (500 iterations, the paper's setting) on a CUDA GPU, both encoders.

Run on a GPU machine:  python bench/gpu_finetune.py [--iterations 500] [--keyframes 8] [--side 256]
                       [--cpu-iterations 20] [--out bench/results/gpu_finetune.json]

Rows: the embedded colour-statistics model; vgg19 with the match loss only; vgg19 with the paper's
VGG style/content losses added. vgg19 uses ImageNet weights when they can be found (--vgg-weights,
NCST_VGG_WEIGHTS or torchvision's cache); otherwise it is built with RANDOM weights, which is only
good for timing, and the table says so in the encoder column. ``--cpu-iterations N`` also times N
iterations of each row on the CPU in the same run, so the table can report GPU/CPU ratios.
Prints a markdown table (ms per iteration, seconds for all iterations, peak GPU memory).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from ncst_bridge.errors import NcstError  # noqa: E402
from ncst_bridge.grade.grade import colour_grade  # noqa: E402
from ncst_bridge.grade.params import GradeParams  # noqa: E402
from ncst_bridge.model.checkpoint import load_default_model  # noqa: E402
from ncst_bridge.model.encoders import build_encoder  # noqa: E402
from ncst_bridge.model.finetune import finetune  # noqa: E402
from ncst_bridge.model.network import NCSTNet  # noqa: E402


def _images(k: int, side: int) -> tuple[torch.Tensor, torch.Tensor]:
    """K keyframes and a reference from the shared photos (or the bundled still), ``side`` px wide."""
    import cv2

    from ncst_bridge.io.images import read_image

    shared = Path(os.environ.get("NCST_SHARED_DATA", REPO.parent / "shared" / "data"))
    photos = sorted((shared / "images").glob("*.jpg")) or [REPO / "samples" / "reference.jpg"]
    frames = []
    for i in range(k + 1):
        img = read_image(photos[i % len(photos)])
        h, w = img.shape[:2]
        small = cv2.resize(img.astype(np.float32), (side, max(8, round(h * side / w))), interpolation=cv2.INTER_AREA)
        frames.append(torch.from_numpy(np.ascontiguousarray(small)).permute(2, 0, 1))
    hmin = min(f.shape[1] for f in frames)
    frames = [f[:, :hmin] for f in frames]
    kf = torch.stack(frames[:k])
    look = GradeParams(brightness=1.15, contrast=1.2, saturation=1.3, temperature=0.3, hue=10.0)
    ref = colour_grade(frames[k][None], look.as_dict())
    return kf, ref


def _models(vgg_weights: str | None):
    embedded = load_default_model()
    yield f"{embedded.encoder.name} (embedded model)", embedded, {}
    try:
        enc, label = build_encoder("vgg19", vgg_weights=vgg_weights), "vgg19 (ImageNet weights)"
    except NcstError:
        torch.manual_seed(0)
        enc = build_encoder("vgg19", random_weights_for_tests=True)
        label = "vgg19 (RANDOM weights: timing only)"
    net = NCSTNet(enc, width=256, input_size=256)  # untrained head: the cost does not depend on the weights
    yield label + ", match loss", net, {}
    yield label + ", + VGG style/content losses", net, {"vgg_style_weight": 1.0, "vgg_content_weight": 1.0}


def _time(model, kf, ref, iterations: int, device: str, extra: dict) -> dict:
    if device == "cuda":
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    finetune(model, kf, ref, iterations=3, device=device, **extra)  # warm-up (kernels, autotuning)
    if device == "cuda":
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    _, info = finetune(model, kf, ref, iterations=iterations, device=device, **extra)
    if device == "cuda":
        torch.cuda.synchronize()
    wall = time.perf_counter() - t0
    return {"iterations": iterations, "seconds": wall, "ms_per_iteration": 1000 * wall / iterations,
            "amp": info["amp"], "loss_start": info["initial_loss"], "loss_best": info["loss"],
            "peak_gpu_mib": torch.cuda.max_memory_allocated() / 2**20 if device == "cuda" else None}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--iterations", type=int, default=500)
    ap.add_argument("--keyframes", type=int, default=8)
    ap.add_argument("--side", type=int, default=256, help="keyframe and reference width in pixels")
    ap.add_argument("--cpu-iterations", type=int, default=0, help="also time N iterations on the CPU (ratios)")
    ap.add_argument("--vgg-weights", default=None)
    ap.add_argument("--out", default=str(REPO / "bench" / "results" / "gpu_finetune.json"))
    args = ap.parse_args()
    if not torch.cuda.is_available():
        print("gpu_finetune: no CUDA device here; run it on a GPU machine", file=sys.stderr)
        return 2
    kf, ref = _images(args.keyframes, args.side)
    rows = []
    for label, model, extra in _models(args.vgg_weights):
        row = {"model": label, "loss_terms": extra or "match_loss",
               "cuda": _time(model, kf, ref, args.iterations, "cuda", extra)}
        if args.cpu_iterations:
            row["cpu"] = _time(model, kf, ref, args.cpu_iterations, "cpu", extra)
        rows.append(row)
        print(f"done: {label}", file=sys.stderr)
    meta = {"gpu": torch.cuda.get_device_name(0), "torch": torch.__version__, "cpu": platform.processor() or platform.machine(),
            "cpu_threads": torch.get_num_threads(), "keyframes": list(kf.shape), "reference": list(ref.shape)}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps({"meta": meta, "rows": rows}, indent=2) + "\n")
    print(f"\nFine-tuning, {args.iterations} iterations, {args.keyframes} keyframes {kf.shape[-1]}x{kf.shape[-2]}, "
          f"GPU {meta['gpu']} (mixed precision {rows[0]['cuda']['amp']})\n")
    head = "| model | GPU ms/iteration | GPU s for all | peak GPU MiB |"
    sep = "|---|---|---|---|"
    if args.cpu_iterations:
        head += " CPU ms/iteration | CPU/GPU |"
        sep += "---|---|"
    print(head)
    print(sep)
    for r in rows:
        c = r["cuda"]
        line = f"| {r['model']} | {c['ms_per_iteration']:.1f} | {c['seconds']:.1f} | {c['peak_gpu_mib']:.0f} |"
        if args.cpu_iterations:
            line += f" {r['cpu']['ms_per_iteration']:.0f} | {r['cpu']['ms_per_iteration'] / c['ms_per_iteration']:.1f}x |"
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
