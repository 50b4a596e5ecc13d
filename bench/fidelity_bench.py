"""Fidelity of every export path against the direct render, over grades sampled across the ranges.

Run: python bench/fidelity_bench.py  (writes bench/results/fidelity.json, prints the README table)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ncst_bridge.io import fidelity  # noqa: E402
from ncst_bridge.grade.sampling import random_params  # noqa: E402

SHARED = REPO.parent / "shared" / "data" / "images"


def main() -> None:
    photos = sorted(SHARED.glob("*.jpg"))
    colours = fidelity.sample_colours(100_000, pixels=fidelity.image_pixels(photos, per_image=8_000))
    table = {}
    for label, strength, size in [("full range", 1.0, 33), ("moderate (35% of range)", 0.35, 33),
                                  ("full range", 1.0, 65)]:
        rng = np.random.default_rng(2024)
        grades = [random_params(rng, strength) for _ in range(50)]
        agg = fidelity.aggregate(fidelity.survey(grades, colours, size=size))
        table[f"{label}, {size}^3"] = agg
        print(f"done: {label} {size}", file=sys.stderr)
    out = {"samples": int(len(colours)), "photos": len(photos), "grades_per_set": 50,
           "bar": fidelity.BAR, "sets": table}
    (REPO / "bench" / "results" / "fidelity.json").write_text(json.dumps(out, indent=2) + "\n")
    print("| grades | path | meets bar | mean ΔE00 | median p99 | worst p99 | worst max |")
    print("|---|---|---|---|---|---|---|")
    for name, agg in table.items():
        for path, s in agg.items():
            if path == "ocio look":
                continue  # identical chain to look.cc+residual.cube (same numbers)
            print(f"| {name} | {path} | {s['pass_rate'] * 100:.0f}% | {s['mean']:.4f} | "
                  f"{s['median_p99']:.3f} | {s['worst_p99']:.3f} | {s['worst_max']:.2f} |")


if __name__ == "__main__":
    main()
