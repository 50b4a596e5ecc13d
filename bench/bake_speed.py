"""Bake and apply speed of the grading core, measured side by side in one run.

Bake: the N^3 lattice of f_P (the bar: 33^3 <= 50 ms) and writing it as .cube. Apply: one 1920x1080
frame through look.cube with OCIO's CPU processor (tetrahedral), through the direct torch f_P
(float32, colour only and with sharpness), and through colour-science's LUT3D.apply (tetrahedral).
Run: python bench/bake_speed.py   (writes bench/results/bake_speed.json, prints the README table)
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import colour  # noqa: E402
import PyOpenColorIO as OCIO  # noqa: E402
from colour.algebra import table_interpolation_tetrahedral  # noqa: E402

from ncst_bridge.grade.grade import apply_grade  # noqa: E402
from ncst_bridge.grade.lut import bake_look  # noqa: E402
from ncst_bridge.grade.params import GradeParams  # noqa: E402
from ncst_bridge.io.cube import write_cube  # noqa: E402

PARAMS = GradeParams(contrast=1.2, gamma=0.9, hue=15, saturation=1.2, temperature=0.3, sharpness=1.4)


def timed(fn, repeat=7):
    fn()  # warm-up
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1e3)
    return statistics.median(out)


def main() -> None:
    res = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in (33, 65):
            res[f"bake {n}^3 lattice"] = timed(lambda: bake_look(PARAMS, n))
            table = bake_look(PARAMS, n)
            path = Path(tmp) / f"l{n}.cube"
            res[f"write {n}^3 .cube (colour-science)"] = timed(lambda: write_cube(table, path, "t", force=True), 3)
        cube = Path(tmp) / "l33.cube"
        frame = np.random.default_rng(0).random((1080, 1920, 3)).astype(np.float32)
        rgba = np.dstack([frame, np.ones((1080, 1920), np.float32)])
        proc = OCIO.Config.CreateRaw().getProcessor(
            OCIO.FileTransform(src=str(cube), interpolation=OCIO.Interpolation.INTERP_TETRAHEDRAL)).getDefaultCPUProcessor()
        res["apply FHD: OCIO CPU, look.cube (RGBA float)"] = timed(lambda: proc.applyRGBA(rgba.copy()))
        t = torch.from_numpy(frame).permute(2, 0, 1)[None].contiguous()
        with torch.no_grad():
            res["apply FHD: torch f_P, colour only"] = timed(lambda: apply_grade(t, PARAMS, spatial=False))
            res["apply FHD: torch f_P, with sharpness"] = timed(lambda: apply_grade(t, PARAMS))
        lut = colour.read_LUT(str(cube))
        res["apply FHD: colour-science LUT3D.apply"] = timed(lambda: lut.apply(frame, interpolator=table_interpolation_tetrahedral), 3)
    (REPO / "bench" / "results" / "bake_speed.json").write_text(json.dumps(res, indent=2) + "\n")
    base = res["apply FHD: OCIO CPU, look.cube (RGBA float)"]
    print("| step | ms (median) | vs OCIO apply |")
    print("|---|---|---|")
    for k, v in res.items():
        print(f"| {k} | {v:.1f} | {'' if not k.startswith('apply') else f'{v / base:.1f}x'} |")


if __name__ == "__main__":
    main()
