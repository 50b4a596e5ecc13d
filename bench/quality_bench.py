"""Quality benchmark: ncst against the peers a colourist could pick, on the same pairs, in one run.

Known-look pairs (same scene, ground truth L(A)): ΔE2000 mean/p95 to the target, SSIM of the
output's luminance to the content's, seconds per pair -- separately for grades drawn across the
parameter ranges ("parametric") and third-party creative LUTs ("lut"). Cross-scene pairs (different
photos, no ground truth): distance of the output's colours to the reference's (histogram KL as in
the paper, sliced Wasserstein in Lab) and SSIM to the content.

Run:  bash bench/install-peers.sh && python bench/quality_bench.py
Writes bench/results/quality.json and prints the README tables.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.quality import metrics  # noqa: E402
from bench.quality.pairs import build_pairs, cross_scene  # noqa: E402
from bench.quality.peers import PEERS  # noqa: E402
from ncst_bridge.grade.grade import colour_grade_numpy  # noqa: E402
from ncst_bridge.match.pipeline import MatchConfig, match_frames  # noqa: E402


def ncst(solver: str, correspond: bool = True, **kw):
    def run(content, reference):
        res = match_frames([content], reference, MatchConfig(solver=solver, correspond=correspond, **kw))
        return colour_grade_numpy(content, res.params)
    return run


def methods(neural: bool) -> dict:
    out = dict(PEERS)
    out["ncst direct"] = ncst("direct")
    out["ncst match (auto)"] = ncst("auto")  # direct where registered, the look fit where not
    out["ncst direct, no registration"] = ncst("direct", correspond=False)
    if neural:
        out["ncst neural"] = ncst("neural")
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--photos", type=int, default=24)
    ap.add_argument("--cross", type=int, default=12)
    ap.add_argument("--neural", action="store_true", help="include the neural solver (embedded model)")
    ap.add_argument("--only", nargs="*", default=None, help="run only these methods")
    ap.add_argument("--out", default=str(REPO / "bench" / "results" / "quality.json"))
    args = ap.parse_args()

    pairs = build_pairs(args.photos)
    cross = cross_scene(args.cross)
    ms = methods(args.neural)
    if args.only:
        ms = {k: v for k, v in ms.items() if k in args.only}
    records = []
    for name, fn in ms.items():
        t_all = time.perf_counter()
        for p in pairs:
            t0 = time.perf_counter()
            out = fn(p.content, p.reference)
            dt = time.perf_counter() - t0
            de_mean, de_p95 = metrics.delta_e(out, p.target)
            records.append({"method": name, "pair": p.name, "family": p.family, "source": p.source,
                            "de_mean": de_mean, "de_p95": de_p95,
                            "ssim": metrics.ssim_to_content(out, p.content), "seconds": dt})
        for cname, a, b in cross:
            t0 = time.perf_counter()
            out = fn(a, b)
            dt = time.perf_counter() - t0
            records.append({"method": name, "pair": cname, "family": "cross-scene", "source": "photo",
                            "hist_kl": metrics.histogram_kl(out, b), "swd_lab": metrics.sliced_wasserstein_lab(out, b),
                            "ssim": metrics.ssim_to_content(out, a), "seconds": dt})
        print(f"done {name} in {time.perf_counter() - t_all:.0f} s", file=sys.stderr, flush=True)

    summary = summarise(records)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps({"pairs": len(pairs), "cross_pairs": len(cross),
                                          "summary": summary, "records": records}, indent=1) + "\n")
    print_tables(summary)


def summarise(records: list[dict]) -> dict:
    out: dict = {}
    for r in records:
        out.setdefault(r["method"], {}).setdefault(r["family"], []).append(r)
    summary = {}
    for m, fams in out.items():
        summary[m] = {}
        for fam, rows in fams.items():
            keys = [k for k in ("de_mean", "de_p95", "ssim", "hist_kl", "swd_lab", "seconds") if k in rows[0]]
            summary[m][fam] = {k: float(np.mean([r[k] for r in rows])) for k in keys}
            summary[m][fam]["n"] = len(rows)
    return summary


def print_tables(summary: dict) -> None:
    fams = ("parametric", "lut")
    print("| method | parametric ΔE00 mean | p95 | lut ΔE00 mean | p95 | SSIM to content | s/pair |")
    print("|---|---|---|---|---|---|---|")
    for m, s in summary.items():
        p, lt = s[fams[0]], s[fams[1]]
        print(f"| {m} | {p['de_mean']:.2f} | {p['de_p95']:.2f} | {lt['de_mean']:.2f} | {lt['de_p95']:.2f} | "
              f"{(p['ssim'] + lt['ssim']) / 2:.3f} | {(p['seconds'] + lt['seconds']) / 2:.2f} |")
    print()
    print("| method | cross-scene hist KL | SWD (Lab) | SSIM to content | s/pair |")
    print("|---|---|---|---|---|")
    for m, s in summary.items():
        c = s["cross-scene"]
        print(f"| {m} | {c['hist_kl']:.3f} | {c['swd_lab']:.2f} | {c['ssim']:.3f} | {c['seconds']:.2f} |")


if __name__ == "__main__":
    main()
