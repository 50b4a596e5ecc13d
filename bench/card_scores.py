"""Write the benchmark's held-out scores into the embedded model's card (ncst_bridge/data/ncst_lite0.json).

The card says what the model was trained on; this adds how it did on pairs it never saw (the held-out
third of bench/cross_content_bench.py: photos, clips and LUTs outside the training set). The model file
and its SHA-256 are not touched.

Run:  python bench/card_scores.py bench/results/cross_content.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CARD = REPO / "ncst_bridge" / "data" / "ncst_lite0.json"
ROWS = ("identity", "mkl", "ncst look fit", "ncst network (zero-shot)", "ncst match")


def main() -> None:
    summary = json.loads(Path(sys.argv[1]).read_text())["summary"]
    card = json.loads(CARD.read_text())
    held = {"tier": "different-photo", "metric": "CIEDE2000 mean to the known target, 320 px",
            "benchmark": "bench/cross_content_bench.py", "families": {}}
    pairs = 0
    for fam, rows in summary["different-photo"]["held-out"].items():
        held["families"][fam] = {m: {"de_mean": round(rows[m]["de_mean"], 3),
                                     "worse_than_identity": rows[m]["worse_than_identity"], "n": rows[m]["n"]}
                                 for m in ROWS if m in rows}
        pairs += rows["identity"]["n"]
    held["pairs"] = pairs
    halves = summary.get("halves", {}).get("held-out", {})
    held["halves"] = {fam: {m: round(rows[m]["de_mean"], 3) for m in ROWS if m in rows} for fam, rows in halves.items()}
    card["held_out"] = held
    CARD.write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
    print(f"wrote held-out scores ({pairs} different-photo pairs) into {CARD}")


if __name__ == "__main__":
    main()
