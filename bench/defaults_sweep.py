"""Which defaults the quality benchmark supports: iterations, histogram-KL weight, working size,
correspondence weight. Same known-look pairs as quality_bench.py (a subset), ncst direct only.

Run: python bench/defaults_sweep.py   (writes bench/results/defaults_sweep.json, prints a table)
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.quality import metrics  # noqa: E402
from bench.quality.pairs import build_pairs  # noqa: E402
from ncst_bridge.grade.grade import colour_grade_numpy  # noqa: E402
from ncst_bridge.objective.match_loss import LossWeights  # noqa: E402
from ncst_bridge.match.pipeline import MatchConfig, match_frames  # noqa: E402

VARIANTS = {
    "default (200 it, 256 px)": {},
    "100 iterations": {"iterations": 100},
    "400 iterations": {"iterations": 400},
    "working size 128": {"working_size": 128},
    "working size 384": {"working_size": 384},
    "histogram KL 0.02": {"weights": LossWeights(hist=0.02)},
    "correspondence weight 50": {"weights": LossWeights(corr=50.0)},
    "no Lab moments": {"weights": LossWeights(moments=0.0)},
}


def main() -> None:
    pairs = build_pairs(12)
    rows = {}
    for name, kw in VARIANTS.items():
        des = {"parametric": [], "lut": []}
        t0 = time.perf_counter()
        for p in pairs:
            res = match_frames([p.content], p.reference, MatchConfig(solver="direct", **kw))
            des[p.family].append(metrics.delta_e(colour_grade_numpy(p.content, res.params), p.target)[0])
        rows[name] = {f: float(np.mean(v)) for f, v in des.items()}
        rows[name]["s_per_pair"] = (time.perf_counter() - t0) / len(pairs)
        print(name, rows[name], file=sys.stderr, flush=True)
    (REPO / "bench" / "results" / "defaults_sweep.json").write_text(json.dumps({"pairs": len(pairs), "rows": rows}, indent=2) + "\n")
    print("| variant | parametric ΔE00 | lut ΔE00 | s/pair |")
    print("|---|---|---|---|")
    for name, r in rows.items():
        print(f"| {name} | {r['parametric']:.2f} | {r['lut']:.2f} | {r['s_per_pair']:.1f} |")


if __name__ == "__main__":
    main()
