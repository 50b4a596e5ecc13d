"""Fidelity of the from-camera exports (shaper .cube at 33^3 and 65^3, exact .clf) per log space.

Measured as ncst_bridge.io.fidelity does: CIEDE2000 after sRGB decoding, LUT file read and applied by
OCIO (tetrahedral) against the direct render f_P(to_working(x)). Colour sets (see
ncst_bridge/colour/camera_luts.py): display_colours (the bar applies) and code_values.

    PYTHONPATH=. python bench/camera_lut_fidelity.py [--samples 50000] [--markdown]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import warnings
from pathlib import Path

warnings.filterwarnings("ignore")

from ncst_bridge.colour import camera_luts as C  # noqa: E402
from ncst_bridge.grade.params import GradeParams  # noqa: E402

SPACES = ["ARRI LogC3 (EI800)", "ARRI LogC4", "S-Log3 S-Gamut3", "S-Log3 S-Gamut3.Cine", "V-Log V-Gamut",
          "BMDFilm WideGamut Gen5", "DaVinci Intermediate WideGamut", "ACEScct"]
GRADES = {
    "moderate": GradeParams(brightness=1.05, contrast=1.1, gamma=0.95, hue=5, saturation=1.1, temperature=0.2),
    "neutral": GradeParams(),
}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--samples", type=int, default=50_000)
    ap.add_argument("--spaces", nargs="*", default=SPACES)
    args = ap.parse_args(argv)
    tmp = Path(tempfile.mkdtemp())
    print("| grade | input space | export | display colours mean / p99 / max | bar | code values mean / p99 / max |")
    print("|---|---|---|---|---|---|")
    for gname, params in GRADES.items():
        for space in args.spaces:
            sets = C.camera_colour_sets(space, None, n=args.samples)
            rows = []
            for size in (33, 65):
                shaper, t1, table = C.bake_from_camera(params, space, None, size)
                path = tmp / f"c{size}.cube"
                C.write_shaper_cube(path, (shaper.x_lo, shaper.x_hi), t1, table, [], force=True)
                rows.append((f"shaper .cube {size}³", C.camera_fidelity(path, params, space, None, sets)))
            path = tmp / "c.clf"
            C.write_camera_clf(path, params, space, None, size=33, force=True)
            rows.append(("exact .clf", C.camera_fidelity(path, params, space, None, sets)))
            for label, r in rows:
                d, c = r["display_colours"], r["code_values"]
                print(f"| {gname} | {space} | {label} | {d['mean']:.3f} / {d['p99']:.2f} / {d['max']:.2f} | "
                      f"{'pass' if d['passes_bar'] else 'miss'} | {c['mean']:.3f} / {c['p99']:.2f} / {c['max']:.2f} |")
            sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
