"""CPU cost of one test-time fine-tuning iteration (embedded model) beside one direct-solver iteration.

Run: python bench/cpu_finetune.py [--iterations 40] [--keyframes 8] [--sides 64 128] [--threads 1 2]
     (writes bench/results/cpu_finetune.json, prints a markdown table)

Both solvers minimise the same match_loss on the same keyframes and reference, so the ratio is the
network's overhead (blocks + head forward/backward over K keyframes). Measured side by side in one run.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import torch  # noqa: E402

from bench.gpu_finetune import _images  # noqa: E402
from ncst_bridge.match.direct import fit_direct  # noqa: E402
from ncst_bridge.model.checkpoint import load_default_model  # noqa: E402
from ncst_bridge.model.finetune import finetune  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--iterations", type=int, default=40)
    ap.add_argument("--keyframes", type=int, default=8)
    ap.add_argument("--sides", type=int, nargs="+", default=[64, 128])
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--out", default=str(REPO / "bench" / "results" / "cpu_finetune.json"))
    args = ap.parse_args()
    model = load_default_model()
    rows = []
    for side in args.sides:
        kf, ref = _images(args.keyframes, side)
        for threads in args.threads:
            torch.set_num_threads(threads)
            finetune(model, kf, ref, iterations=2, device="cpu")  # warm-up
            t0 = time.perf_counter()
            finetune(model, kf, ref, iterations=args.iterations, device="cpu")
            t1 = time.perf_counter()
            fit_direct(kf, ref, iterations=args.iterations)
            t2 = time.perf_counter()
            ms_nn, ms_direct = 1000 * (t1 - t0) / args.iterations, 1000 * (t2 - t1) / args.iterations
            rows.append({"keyframes": list(kf.shape), "threads": threads, "finetune_ms": ms_nn, "direct_ms": ms_direct})
            print(f"done: side {side}, {threads} thread(s)", file=sys.stderr)
    meta = {"cpu": platform.processor() or platform.machine(), "torch": torch.__version__,
            "iterations": args.iterations}
    Path(args.out).write_text(json.dumps({"meta": meta, "rows": rows}, indent=2) + "\n")
    print("| keyframes (K×3×h×w) | threads | fine-tune ms/iteration | direct ms/iteration | ratio | 500 fine-tuning iterations |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        k = "×".join(map(str, r["keyframes"]))
        print(f"| {k} | {r['threads']} | {r['finetune_ms']:.0f} | {r['direct_ms']:.0f} | "
              f"{r['finetune_ms'] / r['direct_ms']:.2f} | {r['finetune_ms'] * 0.5:.0f} s |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
