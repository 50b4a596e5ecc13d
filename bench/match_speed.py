"""End-to-end cost of `ncst match` with the default solver: wall time on the bundled 8 s 768x576
clip, and peak memory (max RSS) on a 3840x2160 clip made from a shared photo with a slow pan.

Run: python bench/match_speed.py   (writes bench/results/match_speed.json, prints the README table)
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PHOTO = REPO.parent / "shared" / "data" / "images" / "lomiri_picosdeeuropa.jpg"


def make_4k_clip(path: Path, seconds: int = 4) -> None:
    """A 3840x2160 25 fps H.264 clip: a slow pan across an upscaled photo."""
    src = PHOTO if PHOTO.exists() else REPO / "samples" / "reference.jpg"
    vf = ("scale=4608:2592,crop=3840:2160:x='(in_w-out_w)*t/{s}':y='(in_h-out_h)/2',format=yuv420p"
          .format(s=seconds))
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-loop", "1", "-i", str(src), "-t", str(seconds), "-r", "25",
                    "-vf", vf, "-c:v", "libx264", "-crf", "20", "-preset", "veryfast", str(path)], check=True)


def run(args: list[str]) -> dict:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    t0 = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    proc = subprocess.run([sys.executable, "-m", "ncst_bridge", *args], env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode:
        raise SystemExit(proc.stderr)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB, the largest child so far
    return {"wall_s": round(wall, 2), "peak_rss_mib": round(max(peak, before) / 1024, 1)}


def main() -> None:
    res = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        res["sample clip 768x576, 80 frames"] = run(["match", str(REPO / "samples" / "clip.mp4"), "--reference",
                                                     str(REPO / "samples" / "reference.jpg"), "-o", str(tmp / "a")])
        clip = tmp / "uhd.mp4"
        make_4k_clip(clip)
        res["3840x2160 clip, 100 frames"] = run(["match", str(clip), "--reference", str(REPO / "samples" / "reference.jpg"),
                                                 "-o", str(tmp / "b")])
    (REPO / "bench" / "results" / "match_speed.json").write_text(json.dumps(res, indent=2) + "\n")
    print("| input | wall s | peak memory (MiB) |")
    print("|---|---|---|")
    for k, v in res.items():
        print(f"| {k} | {v['wall_s']} | {v['peak_rss_mib']} |")


if __name__ == "__main__":
    main()
