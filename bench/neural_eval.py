"""Known-look check of the neural solver against the direct solver, on the quality benchmark's pairs.

Run: python bench/neural_eval.py [--photos 10] [--solve-side 64] [--iterations 200] [--threads 1]
     (writes bench/results/neural_eval.json, prints a markdown table)

Pairs come from bench/quality/pairs.py (same-scene crops of shared photos and frames of shared
clips; parametric looks and third-party creative LUTs; target = L(content)). Every solver sees the
content and reference downscaled to ``--solve-side`` px (long side); the found parameters are then
applied at the pairs' resolution and scored with ΔE2000 against the target. Rows: identity, the
direct solver (match.direct.fit_direct, its defaults), the embedded network zero-shot (no training),
and the embedded network fine-tuned (finetune.finetune at lr 1e-4, the paper's rate), optionally
also with ``--prior-weight`` (a pull towards the zero-shot prediction).

Caveat printed with the table: the embedded model was pretrained on the shared photos, so photo
pairs are seen scenes (with unseen random looks); clip pairs and creative-LUT looks are unseen.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from bench.quality import metrics, pairs  # noqa: E402
from ncst_bridge.grade.grade import colour_grade_numpy  # noqa: E402
from ncst_bridge.match.direct import fit_direct  # noqa: E402
from ncst_bridge.model.checkpoint import load_default_model  # noqa: E402
from ncst_bridge.model.finetune import finetune, predict  # noqa: E402


def _t(img: np.ndarray, side: int) -> torch.Tensor:
    small = pairs.downscale(img, side)
    return torch.from_numpy(np.ascontiguousarray(small, dtype=np.float32)).permute(2, 0, 1)[None]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--photos", type=int, default=10)
    ap.add_argument("--solve-side", type=int, default=64)
    ap.add_argument("--iterations", type=int, default=200, help="fine-tuning iterations")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--prior-weight", type=float, default=0.0,
                    help="also fine-tune with this prior_weight (keeps z near the zero-shot prediction)")
    ap.add_argument("--out", default=str(REPO / "bench" / "results" / "neural_eval.json"))
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    model = load_default_model()
    methods = ("identity", "direct", "neural zero-shot", f"neural fine-tuned ({args.iterations} it)")
    if args.prior_weight:
        methods += (f"fine-tuned, prior {args.prior_weight:g}",)
    rows = []
    for pair in pairs.build_pairs(args.photos):
        c, r = _t(pair.content, args.solve_side), _t(pair.reference, args.solve_side)
        found = {}
        t0 = time.perf_counter()
        found["identity"] = None
        found["direct"] = fit_direct(c, r).params
        t1 = time.perf_counter()
        found["neural zero-shot"] = predict(model, c, r)
        t2 = time.perf_counter()
        found[methods[3]], info = finetune(model, c, r, iterations=args.iterations, lr=1e-4, device="cpu")
        t3 = time.perf_counter()
        row = {"pair": pair.name, "family": pair.family, "source": pair.source,
               "seconds": {"direct": t1 - t0, "neural zero-shot": t2 - t1, methods[3]: t3 - t2}}
        if args.prior_weight:
            found[methods[4]], _ = finetune(model, c, r, iterations=args.iterations, lr=1e-4, device="cpu",
                                            prior_weight=args.prior_weight)
            row["seconds"][methods[4]] = time.perf_counter() - t3
        for m in methods:
            out = pair.content if found[m] is None else colour_grade_numpy(pair.content, found[m])
            row[m] = metrics.delta_e(out, pair.target)[0]
        rows.append(row)
        print(f"{pair.name}: " + ", ".join(f"{m} {row[m]:.2f}" for m in methods), file=sys.stderr)
    groups = {}
    for row in rows:
        for key in (f"{row['family']} / {row['source']}", "all"):
            groups.setdefault(key, []).append(row)
    Path(args.out).write_text(json.dumps({"args": vars(args), "rows": rows}, indent=2) + "\n")
    print(f"\nMean ΔE2000 to the known target (solve at {args.solve_side} px, {args.threads} thread(s))\n")
    print("| pairs | n | " + " | ".join(methods) + " |")
    print("|---|---|" + "---|" * len(methods))
    for key in sorted(groups, key=lambda k: (k == "all", k)):
        g = groups[key]
        print(f"| {key} | {len(g)} | " + " | ".join(f"{np.mean([x[m] for x in g]):.2f}" for m in methods) + " |")
    secs = {m: np.mean([x["seconds"][m] for x in rows]) for m in rows[0]["seconds"]}
    print("\nMean seconds per pair: " + ", ".join(f"{m} {s:.2f}" for m, s in secs.items()))
    print("Caveat: the embedded model was pretrained on the shared photos (photo pairs: seen scenes, unseen "
          "looks); clip pairs and creative-LUT looks are unseen.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
