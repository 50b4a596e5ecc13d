"""CPU cost of grading one decoded 1080p H.264 frame, by pixel path (what ``ncst apply`` pays per frame
on top of decoding and encoding).

* rgb: swscale Y'CbCr -> RGB (accurate flags), the look's 33^3 lattice (OCIO, uint8), swscale back;
* yuv/ocio: the Y'CbCr -> Y'CbCr table applied per pixel by OCIO (render/yuv_lut.py);
* yuv/gather: the same table expanded to all 2^24 code triples, one lookup per pixel (plus the
  one-off expansion, reported separately).

CPU seconds (process time) per frame, median of ``--reps`` passes over ``--frames`` frames of the clip
bench/speed.py makes. ``PYTHONPATH=. python bench/yuv_grade.py`` writes bench/results/yuv_grade.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import av

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from ncst_bridge.grade.params import GradeParams  # noqa: E402
from ncst_bridge.io.video.decode import _ACCURATE_8  # noqa: E402
from ncst_bridge.render.engines import OcioEngine  # noqa: E402
from ncst_bridge.render.yuv_lut import YuvLutGrade  # noqa: E402
from speed import LOOK, make_clip  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=8)
    ap.add_argument("--reps", type=int, default=5)
    args = ap.parse_args()
    params = GradeParams(json.loads(LOOK.read_text())["params"])
    with tempfile.TemporaryDirectory() as tmp:
        clip = make_clip(Path(tmp) / "clip.mp4")
        with av.open(str(clip)) as c:
            frames = [f for _, f in zip(range(args.frames), c.decode(video=0))]
    eng = OcioEngine(params)

    def rgb_path(f):
        rgb = f.to_ndarray(format="rgb24", interpolation=_ACCURATE_8, src_colorspace="ITU709",
                           src_color_range="MPEG", dst_color_range="JPEG")
        rgb = eng.apply_inplace(rgb)
        return av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(
            format="yuv420p", src_colorspace="ITU709", dst_colorspace="ITU709", src_color_range="JPEG",
            dst_color_range="MPEG")

    t = time.process_time()
    gather = YuvLutGrade(params, "bt709", "yuv420p", mode="gather")
    expand_s = time.process_time() - t
    paths = {"rgb": rgb_path, "yuv/ocio": YuvLutGrade(params, "bt709", "yuv420p", mode="ocio"),
             "yuv/gather": gather}
    per_frame: dict[str, list[float]] = {k: [] for k in paths}
    for _ in range(args.reps):
        for name, fn in paths.items():
            t = time.process_time()
            for f in frames:
                fn(f)
            per_frame[name].append((time.process_time() - t) / len(frames))
    res = {"frame": "1920x1080 yuv420p", "frames": len(frames), "reps": args.reps,
           "cpu_ms_per_frame_median": {k: round(1e3 * statistics.median(v), 1) for k, v in per_frame.items()},
           "gather_expansion_cpu_s": round(expand_s, 2),
           "command": "PYTHONPATH=. python bench/yuv_grade.py"}
    (REPO / "bench" / "results" / "yuv_grade.json").write_text(json.dumps(res, indent=2) + "\n")
    print(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
