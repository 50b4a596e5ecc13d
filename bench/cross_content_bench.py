"""Across-content benchmark: the reference is OTHER content graded with a known look; target = look on content.

Pairs: bench/quality/cross_content.py -- two tiers (``different-photo``: content and reference are
different photos or clips, the case users hit most; ``halves``: two halves of one photo, far-apart
frames of one clip), look families parametric (plausible strength; full range on halves as a stress
test), creative .cube LUTs and a wider creative family; a fixed tuning / held-out split by file-name
hash (photos and LUTs).
Rows: identity, the peers (Reinhard, MKL, histogram matching), each ncst solver (the look fit, the
learned look prior, the NCST network zero-shot and with its test-time step), ``ncst match`` (auto),
and the oracle (parameters fitted to the target itself). Per tier, split and family: ΔE2000 mean /
median / p90 to the target, pairs worse than identity by > 3 ΔE00, SSIM of the luminance to the
content's, seconds per pair. ``ncst distribution fit (before)`` (about a minute a pair) runs only
when named with --only.

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
from bench.quality.cross_content import FAMILIES, SPLITS, TIERS, build_cross_pairs  # noqa: E402
from bench.quality.oracle import oracle  # noqa: E402
from bench.quality.peers import PEERS  # noqa: E402
from ncst_bridge.grade.grade import colour_grade_numpy  # noqa: E402
from ncst_bridge.match.pipeline import MatchConfig, content_difference, fit_size, match_frames  # noqa: E402

WORSE_BY = 3.0


NO_REGISTER = False  # --no-register: tuning runs without the registration attempt (faster)


def ncst(strength: float = 1.0, **kw):
    def run(content, reference):
        from ncst_bridge.grade.strength import apply_strength

        res = match_frames([content], reference, MatchConfig(**({"correspond": False} if NO_REGISTER else {}), **kw))
        return colour_grade_numpy(content, apply_strength(res.params, strength) if strength < 1 else res.params)
    return run


def shrunk(prior_path, strength: float):
    """A tuning variant: the look prior's prediction moved toward neutral by ``strength``."""
    from ncst_bridge.grade.strength import apply_strength

    def run(content, reference):
        res = match_frames([content], reference, MatchConfig(solver="prior", prior_path=prior_path))
        return colour_grade_numpy(content, apply_strength(res.params, strength))
    return run


def methods(candidates=(), model=None, prior_scales=()) -> dict:
    out = {k: PEERS[k] for k in ("identity", "reinhard", "mkl", "skimage-hist")}
    out["ncst distribution fit (before)"] = ncst(solver="direct", correspond=False)
    out["ncst look prior (before)"] = ncst(solver="prior")
    out["ncst look fit"] = ncst(solver="look")
    out["ncst network (zero-shot)"] = ncst(solver="neural", test_time="none", model_path=model)
    out["ncst network + look fit"] = ncst(solver="neural", model_path=model)
    out["ncst match"] = ncst(model_path=model)
    out["oracle (fit to target)"] = oracle
    for path in candidates:  # tuning only: other look-prior checkpoints, and shrinkage toward identity
        for s in (1.0, 0.75, 0.5):
            out[f"prior {Path(path).stem} x{s:g}"] = shrunk(path, s)
    for s in prior_scales:  # tuning only: the look fit's prior width around the network
        out[f"network + look fit, prior x{s:g}"] = ncst(solver="neural", model_path=model, prior_scale=s)
    for st in (0.8, 0.6):  # tuning only: the network's prediction moved toward neutral
        out[f"network zero-shot x{st:g}"] = ncst(st, solver="neural", test_time="none", model_path=model)
    for v in (2, 7):  # tuning only: the prediction averaged over views of the reference
        out[f"network zero-shot, {v} views"] = ncst(solver="neural", test_time="none", model_path=model, views=v)
    return out


ORACLE = "oracle (fit to target)"
CACHED = ("ncst distribution fit (before)", ORACLE)
ON_REQUEST = ("ncst distribution fit (before)",)


def summarise(records: list[dict]) -> dict:
    ident = {(r["tier"], r["split"], r["pair"]): r["de_mean"] for r in records if r["method"] == "identity"}
    groups: dict = {}
    for r in records:
        groups.setdefault((r["tier"], r["split"], r["family"], r["method"]), []).append(r)
    out: dict = {}
    for (tier, split, fam, m), rows in groups.items():
        de = np.array([r["de_mean"] for r in rows])
        worse = sum(r["de_mean"] > ident.get((tier, split, r["pair"]), np.inf) + WORSE_BY for r in rows)
        out.setdefault(tier, {}).setdefault(split, {}).setdefault(fam, {})[m] = {
            "n": len(rows), "de_mean": float(de.mean()), "de_median": float(np.median(de)),
            "de_p90": float(np.percentile(de, 90)), "worse_than_identity": int(worse),
            "ssim": float(np.mean([r["ssim"] for r in rows])),
            "seconds": float(np.mean([r["seconds"] for r in rows]))}
    return out


def print_tables(summary: dict) -> None:
    for tier in TIERS:
        for split in SPLITS:
            for fam in FAMILIES:
                print_table(tier, split, fam, summary.get(tier, {}).get(split, {}).get(fam))


def print_table(tier, split, fam, rows) -> None:
    if not rows:
        return
    print(f"\n**{tier}, {split}, {fam} looks**\n")
    print("| method | pairs | ΔE00 mean | median | p90 | worse than identity by > 3 | SSIM to content | s/pair |")
    print("|---|---|---|---|---|---|---|---|")
    for m, s in rows.items():
        print(f"| {m} | {s['n']} | {s['de_mean']:.2f} | {s['de_median']:.2f} | {s['de_p90']:.2f} | "
              f"{s['worse_than_identity']} ({100 * s['worse_than_identity'] / s['n']:.0f}%) | "
              f"{s['ssim']:.3f} | {s['seconds']:.2f} |")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--splits", nargs="*", default=list(SPLITS), choices=SPLITS)
    ap.add_argument("--tiers", nargs="*", default=list(TIERS), choices=TIERS)
    ap.add_argument("--families", nargs="*", default=list(FAMILIES), choices=FAMILIES)
    ap.add_argument("--model", default=None, help="NCST network checkpoint for the network rows (default: embedded)")
    ap.add_argument("--prior-scales", nargs="*", type=float, default=[],
                    help="tuning: extra rows with the look fit's prior widths around the network scaled")
    ap.add_argument("--only", nargs="*", default=None, help="run only these methods")
    ap.add_argument("--no-register", action="store_true", help="tuning: ncst rows skip the registration attempt")
    ap.add_argument("--threads", type=int, default=0, help="torch threads (1: two runs side by side on 2 cores)")
    ap.add_argument("--limit", type=int, default=0, help="quick look: the first N pairs of each family")
    ap.add_argument("--recompute", nargs="*", default=[], help="ignore the cache for these methods")
    ap.add_argument("--cache", default=str(REPO / "bench" / "results" / "cross_content_cache.json"))
    ap.add_argument("--out", default=str(REPO / "bench" / "results" / "cross_content.json"))
    ap.add_argument("--candidates", nargs="*", default=[], help="look-prior checkpoints to compare (tuning)")
    ap.add_argument("--max-pairs", type=int, default=None,
                    help="run the cached (slow) rows on only the first N pairs of each split")
    ap.add_argument("--cache-only", action="store_true",
                    help="the distribution fit (about a minute a pair) reports only the pairs already in the cache")
    ap.add_argument("--figure", default=None, help="also write the before/reference/after/target figure here")
    ap.add_argument("--merge", nargs="*", default=None, metavar="JSON",
                    help="print the tables of these result files together (runs nothing) and write --out")
    args = ap.parse_args()
    if args.merge:
        records = [r for f in args.merge for r in json.loads(Path(f).read_text())["records"]]
        summary = summarise(records)
        Path(args.out).write_text(json.dumps({"worse_by": WORSE_BY, "summary": summary, "records": records},
                                             indent=1) + "\n")
        print_tables(summary)
        return

    global NO_REGISTER
    NO_REGISTER = args.no_register
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    cache_path = Path(args.cache)
    cache = json.loads(cache_path.read_text()) if cache_path.exists() else {}
    ms = methods(args.candidates, args.model, args.prior_scales)
    if args.only:
        ms = {k: v for k, v in ms.items() if k in args.only}
    else:
        ms = {k: v for k, v in ms.items() if k not in ON_REQUEST}
    records, outputs = [], {}
    for tier, split in ((t, s) for t in args.tiers for s in args.splits):
        pairs = [p for p in build_cross_pairs(split, tier=tier) if p.family in args.families]
        if args.limit:
            pairs = [p for f in args.families for p in [q for q in pairs if q.family == f][: args.limit]]
        for name, fn in ms.items():
            t_all = time.perf_counter()
            for k, p in enumerate(pairs):
                if name in CACHED and args.max_pairs is not None and k >= args.max_pairs:
                    continue
                if (name == CACHED[0] and args.cache_only
                        and cache.get(f"{name}|{tier}|{split}|{p.name}", {}).get("look") != p.look):
                    continue
                key = f"{name}|{tier}|{split}|{p.name}"
                if (name in CACHED and key in cache and name not in args.recompute
                        and cache[key].get("look") == p.look):  # the same look: pairs are drawn in order
                    records.append(cache[key])
                    continue
                t0 = time.perf_counter()
                # the oracle is given the target itself (that is what makes it the ceiling)
                out = fn(p.content, p.target if name == ORACLE else p.reference)
                dt = time.perf_counter() - t0
                de_mean, _ = metrics.delta_e(out, p.target)
                rec = {"method": name, "tier": tier, "split": split, "pair": p.name, "family": p.family, "source": p.source,
                       "content_difference": content_difference([fit_size(p.content, 256)], fit_size(p.reference, 256)),
                       "look": p.look, "de_mean": de_mean, "ssim": metrics.ssim_to_content(out, p.content),
                       "seconds": dt}
                records.append(rec)
                if name in CACHED:
                    cache[key] = rec
                    cache_path.write_text(json.dumps(cache))
                if args.figure and name == "ncst match" and tier == "different-photo":
                    outputs[(name, split, p.name)] = out
            print(f"done {tier} {split} {name} in {time.perf_counter() - t_all:.0f} s", file=sys.stderr, flush=True)
            Path(args.out).write_text(json.dumps({"worse_by": WORSE_BY, "partial": True, "records": records}) + "\n")
        if args.figure and tier == "different-photo":
            from bench.quality.cross_figure import write_figure

            write_figure(args.figure, pairs, [r for r in records if r["tier"] == tier], outputs, split)

    summary = summarise(records)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps({"worse_by": WORSE_BY, "summary": summary, "records": records},
                                         indent=1) + "\n")
    print_tables(summary)


if __name__ == "__main__":
    main()
