"""Across-content benchmark: the reference is OTHER content graded with a known look; target = look on content.

Pairs: bench/quality/cross_content.py (halves of the shared photos, far-apart clip frames; random
parametric looks (plausible strength, and full range as a stress test) and creative .cube LUTs; a
fixed tuning / held-out split by file-name hash).
Rows: identity, the peers (Reinhard, MKL, histogram matching), ncst's distribution fit (what
``ncst match`` did first), the learned look prior (what it did next), ``ncst match`` now (the look
fit), and the oracle (parameters fitted to the target itself). Per split and family: ΔE2000 mean / median / p90 to the target, pairs worse than
identity by > 3 ΔE00, SSIM of the luminance to the content's, seconds per pair.

Run:  NCST_SHARED_DATA=/path/to/shared/data python bench/cross_content_bench.py
Slow rows are cached per pair (--cache) so a re-run only computes what changed (--recompute NAME).
Writes bench/results/cross_content.json and prints the docs tables.
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
from bench.quality.cross_content import FAMILIES, SPLITS, build_cross_pairs  # noqa: E402
from bench.quality.oracle import oracle  # noqa: E402
from bench.quality.peers import PEERS  # noqa: E402
from ncst_bridge.grade.grade import colour_grade_numpy  # noqa: E402
from ncst_bridge.match.pipeline import MatchConfig, match_frames  # noqa: E402

WORSE_BY = 3.0


def ncst(**kw):
    def run(content, reference):
        res = match_frames([content], reference, MatchConfig(**kw))
        return colour_grade_numpy(content, res.params)
    return run


def shrunk(prior_path, strength: float):
    """A tuning variant: the look prior's prediction moved toward neutral by ``strength``."""
    from ncst_bridge.grade.strength import apply_strength

    def run(content, reference):
        res = match_frames([content], reference, MatchConfig(solver="prior", prior_path=prior_path))
        return colour_grade_numpy(content, apply_strength(res.params, strength))
    return run


def methods(candidates=()) -> dict:
    out = {k: PEERS[k] for k in ("identity", "reinhard", "mkl", "skimage-hist")}
    out["ncst distribution fit (before)"] = ncst(solver="direct", correspond=False)
    out["ncst look prior (before)"] = ncst(solver="prior")
    out["ncst match"] = ncst()
    out["oracle (fit to target)"] = oracle
    for path in candidates:  # tuning only: other look-prior checkpoints, and shrinkage toward identity
        for s in (1.0, 0.75, 0.5):
            out[f"prior {Path(path).stem} x{s:g}"] = shrunk(path, s)
    return out


ORACLE = "oracle (fit to target)"
CACHED = ("ncst distribution fit (before)", ORACLE)


def summarise(records: list[dict]) -> dict:
    ident = {(r["split"], r["pair"]): r["de_mean"] for r in records if r["method"] == "identity"}
    groups: dict = {}
    for r in records:
        groups.setdefault((r["split"], r["family"], r["method"]), []).append(r)
    out: dict = {}
    for (split, fam, m), rows in groups.items():
        de = np.array([r["de_mean"] for r in rows])
        worse = sum(r["de_mean"] > ident.get((split, r["pair"]), np.inf) + WORSE_BY for r in rows)
        out.setdefault(split, {}).setdefault(fam, {})[m] = {
            "n": len(rows), "de_mean": float(de.mean()), "de_median": float(np.median(de)),
            "de_p90": float(np.percentile(de, 90)), "worse_than_identity": int(worse),
            "ssim": float(np.mean([r["ssim"] for r in rows])),
            "seconds": float(np.mean([r["seconds"] for r in rows]))}
    return out


def print_tables(summary: dict) -> None:
    for split in SPLITS:
        for fam in FAMILIES:
            rows = summary.get(split, {}).get(fam)
            if not rows:
                continue
            print(f"\n**{split}, {fam} looks**\n")
            print("| method | pairs | ΔE00 mean | median | p90 | worse than identity by > 3 | SSIM to content | s/pair |")
            print("|---|---|---|---|---|---|---|---|")
            for m, s in rows.items():
                print(f"| {m} | {s['n']} | {s['de_mean']:.2f} | {s['de_median']:.2f} | {s['de_p90']:.2f} | "
                      f"{s['worse_than_identity']} ({100 * s['worse_than_identity'] / s['n']:.0f}%) | "
                      f"{s['ssim']:.3f} | {s['seconds']:.2f} |")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--splits", nargs="*", default=list(SPLITS), choices=SPLITS)
    ap.add_argument("--only", nargs="*", default=None, help="run only these methods")
    ap.add_argument("--recompute", nargs="*", default=[], help="ignore the cache for these methods")
    ap.add_argument("--cache", default=str(REPO / "bench" / "results" / "cross_content_cache.json"))
    ap.add_argument("--out", default=str(REPO / "bench" / "results" / "cross_content.json"))
    ap.add_argument("--candidates", nargs="*", default=[], help="look-prior checkpoints to compare (tuning)")
    ap.add_argument("--max-pairs", type=int, default=None,
                    help="run the cached (slow) rows on only the first N pairs of each split")
    ap.add_argument("--cache-only", action="store_true",
                    help="the distribution fit (about a minute a pair) reports only the pairs already in the cache")
    ap.add_argument("--figure", default=None, help="also write the before/reference/after/target figure here")
    args = ap.parse_args()

    cache_path = Path(args.cache)
    cache = json.loads(cache_path.read_text()) if cache_path.exists() else {}
    ms = methods(args.candidates)
    if args.only:
        ms = {k: v for k, v in ms.items() if k in args.only}
    records, outputs = [], {}
    for split in args.splits:
        pairs = build_cross_pairs(split)
        for name, fn in ms.items():
            t_all = time.perf_counter()
            for k, p in enumerate(pairs):
                if name in CACHED and args.max_pairs is not None and k >= args.max_pairs:
                    continue
                if (name == CACHED[0] and args.cache_only
                        and cache.get(f"{name}|{split}|{p.name}", {}).get("look") != p.look):
                    continue
                key = f"{name}|{split}|{p.name}"
                if (name in CACHED and key in cache and name not in args.recompute
                        and cache[key].get("look") == p.look):  # the same look: pairs are drawn in order
                    records.append(cache[key])
                    continue
                t0 = time.perf_counter()
                # the oracle is given the target itself (that is what makes it the ceiling)
                out = fn(p.content, p.target if name == ORACLE else p.reference)
                dt = time.perf_counter() - t0
                de_mean, _ = metrics.delta_e(out, p.target)
                rec = {"method": name, "split": split, "pair": p.name, "family": p.family, "source": p.source,
                       "look": p.look, "de_mean": de_mean, "ssim": metrics.ssim_to_content(out, p.content),
                       "seconds": dt}
                records.append(rec)
                if name in CACHED:
                    cache[key] = rec
                    cache_path.write_text(json.dumps(cache))
                if args.figure:
                    outputs[(name, split, p.name)] = out
            print(f"done {split} {name} in {time.perf_counter() - t_all:.0f} s", file=sys.stderr, flush=True)
        if args.figure:
            from bench.quality.cross_figure import write_figure

            write_figure(args.figure, pairs, records, outputs, split)

    summary = summarise(records)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps({"worse_by": WORSE_BY, "summary": summary, "records": records},
                                         indent=1) + "\n")
    print_tables(summary)


if __name__ == "__main__":
    main()
