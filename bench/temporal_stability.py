"""Temporal stability of a global NCST grade vs per-frame colour transfer, on the shared clips.

The metric is ``ncst_bridge.metrics.temporal``: the warped frame difference with OpenCV DIS optical
flow computed on the input (so every method is judged against the same motion), occlusions masked,
reported as the ratio output/input at intervals 1 (consecutive frames), 5 and 35 (the paper's short-
and long-term intervals); pairs across detected shot cuts are skipped. Next to it the flicker index:
that ratio divided by the output/input ratio of spatial neighbour differences (1 for any stable
linear grade; above 1 when frames change more over time than the grade's contrast explains).
Summary rows are geometric means over the clips.

Methods, all on the same decoded frames (8-bit RGB, longer side <= 640):

* ``ncst <look>``: three fixed looks (bench/looks/*.json) through the OCIO render engine -- one
  global grade for the whole clip, as ``ncst apply`` renders it;
* ``reinhard per-frame``: Reinhard et al. (2001) mean/std transfer in CIELab (OpenCV's float Lab),
  each frame's statistics matched to the reference still's;
* ``histogram per-frame``: ``skimage.exposure.match_histograms`` of each frame to the still;
* ``reinhard clip-global`` (control): the same Reinhard transfer with the statistics of the clip's
  keyframes, one transform for all frames -- to show that the flicker comes from estimating per
  frame, not from the transfer itself.

The reference still is the same for every clip and method: ``REFERENCE`` below.

    PYTHONPATH=. python bench/temporal_stability.py     # writes bench/results/temporal_stability.json
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ncst_bridge.grade.params import GradeParams  # noqa: E402
from ncst_bridge.io.video import iter_frames  # noqa: E402
from ncst_bridge.match.keyframes import select_keyframes  # noqa: E402
from ncst_bridge.metrics.temporal import INTERVALS, WarpedError  # noqa: E402
from ncst_bridge.render.engines import OcioEngine  # noqa: E402

from bench.quality.pairs import SHARED  # noqa: E402  ($NCST_SHARED_DATA or ../shared/data; exits if absent)

CLIPS = sorted((SHARED / "videos").glob("*"))
REFERENCE = SHARED / "images" / "kde_fallenleaf.jpg"
LOOKS = sorted((REPO / "bench" / "looks").glob("*.json"))
MAX_SIDE = 640


def _lab(rgb8: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(rgb8.astype(np.float32) / 255.0, cv2.COLOR_RGB2Lab)


def _from_lab(lab: np.ndarray) -> np.ndarray:
    rgb = cv2.cvtColor(lab.astype(np.float32), cv2.COLOR_Lab2RGB)
    return np.clip(np.rint(rgb * 255.0), 0, 255).astype(np.uint8)


def lab_stats(images) -> tuple[np.ndarray, np.ndarray]:
    px = np.concatenate([_lab(im).reshape(-1, 3) for im in images])
    return px.mean(axis=0), px.std(axis=0) + 1e-6


def reinhard(rgb8: np.ndarray, ref_stats, src_stats=None) -> np.ndarray:
    """Reinhard mean/std transfer in Lab; per frame unless ``src_stats`` (clip-global) is given."""
    lab = _lab(rgb8)
    mu_s, sd_s = src_stats if src_stats is not None else (lab.reshape(-1, 3).mean(0), lab.reshape(-1, 3).std(0) + 1e-6)
    mu_r, sd_r = ref_stats
    return _from_lab((lab - mu_s) / sd_s * sd_r + mu_r)


def histogram_match(rgb8: np.ndarray, ref: np.ndarray) -> np.ndarray:
    from skimage.exposure import match_histograms

    out = match_histograms(rgb8, ref, channel_axis=-1)
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def run_clip(path: Path, ref: np.ndarray, ref_stats, engines: dict) -> dict:
    kf = select_keyframes(path, k=8, max_side=MAX_SIDE)
    global_stats = lab_stats([np.rint(f * 255).astype(np.uint8) for f in kf.frames])
    meter = WarpedError(INTERVALS, cuts=kf.cuts)
    n = 0
    for f in iter_frames(path, bit_depth=8, max_side=MAX_SIDE):
        x = f.rgb
        outs = {f"ncst {name}": eng.apply(x) for name, eng in engines.items()}
        outs["reinhard per-frame"] = reinhard(x, ref_stats)
        outs["histogram per-frame"] = histogram_match(x, ref)
        outs["reinhard clip-global (control)"] = reinhard(x, ref_stats, global_stats)
        meter.add(f.index, x, outs)
        n += 1
    res = meter.result()
    return {"frames": n, "cuts": kf.cuts, "size": list(x.shape[1::-1]), "intervals": res}


def geomean(values) -> float | None:
    v = [x for x in values if x is not None and x > 0]
    return math.exp(sum(math.log(x) for x in v) / len(v)) if v else None


def markdown(res: dict) -> str:
    methods = list(next(iter(res["clips"].values()))["intervals"]["1"]["outputs"])

    def mean_over_clips(m, k, field):
        return geomean(c["intervals"][k]["outputs"].get(m, {}).get(field) for c in res["clips"].values()
                       if c["intervals"][k]["pairs"])

    lines = ["| method | ratio k=1 | ratio k=5 | ratio k=35 | flicker index k=1 | k=5 | k=35 | worst clip (index k=1) |",
             "|---|---|---|---|---|---|---|---|"]
    for m in methods:
        cells = [f"{mean_over_clips(m, k, 'ratio'):.2f}" for k in ("1", "5", "35")]
        cells += [f"{mean_over_clips(m, k, 'flicker_index'):.2f}" for k in ("1", "5", "35")]
        worst = max(((c["intervals"]["1"]["outputs"][m]["flicker_index"], name) for name, c in res["clips"].items()),
                    key=lambda t: t[0])
        lines.append(f"| {m} | {' | '.join(cells)} | {worst[0]:.2f} ({worst[1]}) |")
    lines += ["", "Per clip at k=1: ratio / flicker index:", "",
              "| clip | frames | cuts | " + " | ".join(methods) + " |",
              "|---|---|---|" + "---|" * len(methods)]
    for name, c in res["clips"].items():
        r = c["intervals"]["1"]["outputs"]
        lines.append(f"| {name} | {c['frames']} | {len(c['cuts'])} | "
                     + " | ".join(f"{r[m]['ratio']:.2f} / {r[m]['flicker_index']:.2f}" for m in methods) + " |")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=str(REPO / "bench" / "results" / "temporal_stability.json"))
    args = ap.parse_args()
    ref = cv2.cvtColor(cv2.imread(str(REFERENCE)), cv2.COLOR_BGR2RGB)
    ref_stats = lab_stats([ref])
    engines = {p.stem: OcioEngine(GradeParams.load(str(p))) for p in LOOKS}
    res = {"command": "PYTHONPATH=. python bench/temporal_stability.py", "reference": REFERENCE.name,
           "looks": {p.stem: json.loads(p.read_text())["params"] for p in LOOKS},
           "metric": "warped frame difference (DIS flow on input, fwd-bwd mask), output/input ratio",
           "max_side": MAX_SIDE, "clips": {}}
    for path in CLIPS:
        t0 = time.perf_counter()
        res["clips"][path.name] = run_clip(path, ref, ref_stats, engines)
        print(f"{path.name}: {time.perf_counter() - t0:.1f} s", flush=True)
    Path(args.out).write_text(json.dumps(res, indent=2) + "\n")
    print(markdown(json.loads(Path(args.out).read_text())))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
