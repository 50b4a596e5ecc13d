"""How far to apply the network's look across content: ΔE00 to the target at several strengths, against
the network's own uncertainty (the spread of its predictions over views of the reference).

For every tuning pair of bench/quality/cross_content.py (both tiers; the held-out third is never read)
the NCST network predicts the look from 7 views of the reference (match/neural.py reference_views);
the pair's ΔE00 to the target is measured with that look applied at strengths 1, 0.8, 0.6 and 0.4.
Printed: per spread quartile, the mean ΔE00 and the pairs worse than identity by > 3 at each strength,
so a rule "strength from spread" can be read off (or declined). Writes bench/results/strength_calibration.json.

Run:  python bench/strength_calibration.py [--model CKPT]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

from bench.quality import metrics  # noqa: E402
from bench.quality.cross_content import TIERS, build_cross_pairs  # noqa: E402
from ncst_bridge.grade.grade import colour_grade_numpy  # noqa: E402
from ncst_bridge.grade.strength import apply_strength  # noqa: E402
from ncst_bridge.match.neural import _batch, load_network, predict_views  # noqa: E402
from ncst_bridge.match.pipeline import MatchConfig, fit_size  # noqa: E402

STRENGTHS = (1.0, 0.8, 0.6, 0.4)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=None)
    ap.add_argument("--views", type=int, default=7)
    ap.add_argument("--out", default=str(REPO / "bench" / "results" / "strength_calibration.json"))
    args = ap.parse_args()
    net = load_network(MatchConfig(model_path=args.model))
    rows = []
    for tier in TIERS:
        for p in build_cross_pairs("tuning", tier=tier):
            kf = _batch([fit_size(p.content, 256)], net.input_size)
            ref = _batch([fit_size(p.reference, 256)], net.input_size)
            params, spread = predict_views(net, kf, ref, args.views)
            ident = metrics.delta_e(p.content, p.target)[0]
            de = [metrics.delta_e(colour_grade_numpy(p.content, apply_strength(params, s)), p.target)[0]
                  for s in STRENGTHS]
            rows.append({"tier": tier, "family": p.family, "pair": p.name, "spread": spread, "identity": ident,
                         "de": de})
    spread = np.array([r["spread"] for r in rows])
    edges = np.quantile(spread, [0, 0.25, 0.5, 0.75, 1.0])
    print(f"{len(rows)} tuning pairs; spread quartile edges {np.round(edges, 3).tolist()}")
    print("| spread quartile | pairs | identity | " + " | ".join(f"x{s:g} (worse)" for s in STRENGTHS) + " |")
    print("|---" * (3 + len(STRENGTHS)) + "|")
    for q in range(4):
        sel = [r for r in rows if edges[q] <= r["spread"] <= edges[q + 1]]
        cells = []
        for k in range(len(STRENGTHS)):
            de = np.array([r["de"][k] for r in sel])
            worse = sum(r["de"][k] > r["identity"] + 3 for r in sel)
            cells.append(f"{de.mean():.2f} ({worse})")
        print(f"| Q{q + 1} | {len(sel)} | {np.mean([r['identity'] for r in sel]):.2f} | " + " | ".join(cells) + " |")
    Path(args.out).write_text(json.dumps({"strengths": STRENGTHS, "views": args.views, "rows": rows}, indent=1) + "\n")


if __name__ == "__main__":
    main()
