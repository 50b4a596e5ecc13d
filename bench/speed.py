"""How long each everyday ``ncst`` command takes, next to the obvious alternative, in one run.

Rows (each command run as a new user would, a fresh process, start-up included):

1. ``ncst --help``; 2. ``ncst bake params.json -o look``;
3. ``ncst apply look still.png -o out.png`` on one 1920x1080 still vs ``ffmpeg -i still.png -vf
   lut3d=look.cube out.png``;
4. ``ncst apply`` on a 3 s 1080p25 H.264 clip vs ``ffmpeg -vf lut3d=look.cube`` and vs a plain ffmpeg
   transcode without any filter, all three with the same encoder settings (libx264 CRF 18, preset
   medium, yuv420p, BT.709 tags, no audio);
5. ``ncst match`` on the bundled sample (samples/clip.mp4 + samples/reference.jpg).

Commands are interleaved and repeated (``--reps``, default 5); the table gives medians of wall time
and of CPU time (user + sys of the child). The still and the clip are made from a shared photo
(``$NCST_SHARED_DATA/images``; a synthetic picture when absent) and not committed.

    PYTHONPATH=. python bench/speed.py            # writes bench/results/speed.json, prints the table

On a shared machine other jobs inflate the wall times: read the CPU times and the ratios, which come
from the same interleaved runs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

LOOK = REPO / "bench" / "looks" / "warm_film.json"
X264 = ["-c:v", "libx264", "-crf", "18", "-preset", "medium", "-pix_fmt", "yuv420p",
        "-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709", "-color_range", "tv"]
NCST = [sys.executable, "-m", "ncst_bridge"]


def _photo() -> Path | None:
    shared = Path(os.environ.get("NCST_SHARED_DATA", REPO.parent / "shared" / "data"))
    for cand in (shared / "images" / "lomiri_life.jpg", Path("/work/shared/data/images/lomiri_life.jpg")):
        if cand.exists():
            return cand
    return None


def make_still(path: Path) -> Path:
    photo = _photo()
    if photo is not None:
        img = cv2.resize(cv2.imread(str(photo)), (1920, 1080), interpolation=cv2.INTER_AREA)
    else:  # synthetic, photo-like enough for timing
        yy, xx = np.mgrid[0:1080, 0:1920] / np.array([1080.0, 1920.0])[:, None, None]
        img = (np.stack([xx, yy, 1 - xx * yy], -1) * 255).astype(np.uint8)
    cv2.imwrite(str(path), img)
    return path


def make_clip(path: Path) -> Path:
    """3 s 1080p25 H.264: a pan over the shared photo (render_speed.make_pan_clip), else testsrc2."""
    if _photo() is not None:
        import render_speed

        render_speed.PHOTO = _photo()
        return render_speed.make_pan_clip(path, seconds=3.0)
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=25",
                    "-t", "3", "-c:v", "libx264", "-crf", "16", "-preset", "veryfast", "-pix_fmt", "yuv420p",
                    str(path)], check=True)
    return path


def timed(cmd: list[str]) -> dict:
    """Wall and CPU (user+sys of the child) seconds of one command; fails loudly if it fails."""
    env = dict(os.environ, PYTHONPATH=str(REPO))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed: {proc.stderr.strip()[-500:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall": round(wall, 3), "cpu": round(cpu, 3)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--skip", nargs="*", default=[], help="row keys to leave out (help bake still clip match)")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ncst-speed-"))
    try:
        still, clip = make_still(work / "still.png"), make_clip(work / "clip.mp4")
        look = work / "look"
        timed([*NCST, "bake", str(LOOK), "-o", str(look)])
        cube = str(look / "look.cube")
        rows = {
            "help": {"ncst --help": [*NCST, "--help"]},
            "bake": {"ncst bake": [*NCST, "bake", str(LOOK), "-o", str(work / "bk"), "--force"]},
            "still": {
                "ncst apply (1920x1080 PNG)": [*NCST, "apply", str(look), str(still), "-o", str(work / "s.png"),
                                               "--force"],
                "ffmpeg lut3d (same PNG)": ["ffmpeg", "-v", "error", "-y", "-i", str(still), "-vf",
                                            f"lut3d={cube}", str(work / "f.png")],
            },
            "clip": {
                "ncst apply (3 s 1080p H.264)": [*NCST, "apply", str(look), str(clip), "-o", str(work / "n.mp4"),
                                                 "--force", "--no-progress"],
                "ffmpeg lut3d": ["ffmpeg", "-v", "error", "-y", "-i", str(clip), "-vf", f"lut3d={cube}", *X264,
                                 "-an", str(work / "l.mp4")],
                "ffmpeg plain transcode": ["ffmpeg", "-v", "error", "-y", "-i", str(clip), *X264, "-an",
                                           str(work / "p.mp4")],
            },
            "match": {"ncst match (sample)": [*NCST, "match", str(REPO / "samples" / "clip.mp4"), "--reference",
                                              str(REPO / "samples" / "reference.jpg"), "-o", str(work / "m"),
                                              "--force"]},
        }
        rows = {k: v for k, v in rows.items() if k not in args.skip}
        runs: dict[str, dict[str, list[dict]]] = {k: {name: [] for name in v} for k, v in rows.items()}
        load_start = os.getloadavg()
        for rep in range(args.reps):
            for key, cmds in rows.items():
                for name, cmd in cmds.items():
                    runs[key][name].append(timed(cmd))
            print(f"rep {rep + 1}/{args.reps} done", file=sys.stderr)
        medians = {k: {name: {m: round(statistics.median(r[m] for r in rs), 3) for m in ("wall", "cpu")}
                       for name, rs in v.items()} for k, v in runs.items()}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    obj = {"machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
                       "load_average_at_start": load_start, "load_average_at_end": os.getloadavg()},
           "reps": args.reps, "look": json.loads(LOOK.read_text())["params"],
           "command": "PYTHONPATH=. python bench/speed.py", "medians": medians, "runs": runs}
    out = REPO / "bench" / "results" / "speed.json"
    out.write_text(json.dumps(obj, indent=2) + "\n")
    print("| row | command | wall s (median) | CPU s (median) |")
    print("|---|---|---|---|")
    for key, v in medians.items():
        for name, m in v.items():
            print(f"| {key} | {name} | {m['wall']:.2f} | {m['cpu']:.2f} |")
    print(f"wrote {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
