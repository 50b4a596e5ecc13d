"""Speed of ``ncst apply`` on video against ffmpeg's lut3d filter, measured side by side in one run.

1. End to end on a 1920x1080 25 fps clip made here from a shared photo with a slow pan (8 s,
   200 frames, not committed): ``ncst apply`` (subprocess, start-up included) vs
   ``ffmpeg -vf lut3d=look.cube`` with the same encoder settings (libx264, CRF 18, preset medium,
   yuv420p, BT.709 tags, no audio), runs interleaved and repeated; medians of wall time and of CPU
   time (user+sys of the child), and the ratio ffmpeg/ncst (> 1: ncst is faster). Controls: both
   transcoders without any grade, to show how much of the gap is the two libx264 builds (PyAV wheels
   bundle their own ffmpeg 8 + x264; Debian's ffmpeg 5.1 links Debian's x264).
2. The grade alone, ms/frame at HD, FHD and 4K, on a real photo resized to each size: our OCIO engine
   (uint8, with and without sharpness), our torch engine on the CPU, ffmpeg's lut3d filter (Debian
   ffmpeg 5.1 CLI on raw rgb24 frames, minus the same command without the filter; and PyAV's bundled
   libavfilter lut3d in-process) and colour-science's ``LUT3D.apply`` (tetrahedral).

    PYTHONPATH=. python bench/render_speed.py            # writes bench/results/render_speed.json

This machine is shared (2 cores, other jobs may run): read the ratios and the CPU times, which are
measured on the same clip in interleaved runs, more than the absolute numbers.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import time
import warnings
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from ncst_bridge.grade.params import GradeParams  # noqa: E402
from ncst_bridge.io.bundle import write_look_files  # noqa: E402
from ncst_bridge.render.engines import OcioEngine, TorchEngine  # noqa: E402

from bench.quality.pairs import SHARED  # noqa: E402  ($NCST_SHARED_DATA or ../shared/data; exits if absent)

PHOTO = SHARED / "images" / "lomiri_life.jpg"
LOOK = REPO / "bench" / "looks" / "warm_film.json"
SHARP_LOOK = REPO / "bench" / "looks" / "punchy_sharp.json"
SIZES = {"HD": (1280, 720), "FHD": (1920, 1080), "4K": (3840, 2160)}
X264 = ["-c:v", "libx264", "-crf", "18", "-preset", "medium", "-pix_fmt", "yuv420p",
        "-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709", "-color_range", "tv"]


def make_pan_clip(path: Path, seconds: float = 8.0, fps: int = 25, size=(1920, 1080)) -> Path:
    """A slow diagonal pan over an upscaled shared photo, H.264 CRF 16, tagged BT.709."""
    if path.exists():
        return path
    img = cv2.cvtColor(cv2.imread(str(PHOTO)), cv2.COLOR_BGR2RGB)
    w, h = size
    scale = 1.6 * w / img.shape[1]
    big = cv2.resize(img, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    n = int(seconds * fps)
    travel_x, travel_y = big.shape[1] - w - 4, (big.shape[0] - h) // 2
    tmp = path.with_suffix(".part.mp4")
    with av.open(str(tmp), "w") as out:
        s = out.add_stream("libx264", rate=fps)
        s.width, s.height, s.pix_fmt = w, h, "yuv420p"
        s.options = {"crf": "16", "preset": "veryfast"}
        cc = s.codec_context
        cc.colorspace, cc.color_primaries, cc.color_trc, cc.color_range = 1, 1, 1, 1
        for i in range(n):
            m = np.float32([[1, 0, -travel_x * i / (n - 1)], [0, 1, -travel_y * (0.5 - 0.5 * np.cos(np.pi * i / n))]])
            rgb = cv2.warpAffine(big, m, (w, h), flags=cv2.INTER_LINEAR)
            f = av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(
                format="yuv420p", dst_colorspace="ITU709", src_color_range="JPEG", dst_color_range="MPEG")
            f.pts, f.time_base = i, Fraction(1, fps)
            for p in s.encode(f):
                out.mux(p)
        for p in s.encode(None):
            out.mux(p)
    tmp.rename(path)
    return path


def timed(cmd: list[str], env=None) -> dict:
    """Wall and CPU (user+sys of the child) seconds of one command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    res = subprocess.run(cmd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if res.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed: {res.stderr.strip()[-400:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall": wall, "cpu": cpu, "stdout": res.stdout}


def frame_count(path: Path) -> int:
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-count_packets", "-show_entries",
                          "stream=nb_read_packets", "-of", "csv=p=0", str(path)], capture_output=True, text=True)
    return int(out.stdout.strip())


def end_to_end(work: Path, clip: Path, look_dir: Path, reps: int) -> dict:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    cube = look_dir / "look.cube"
    outs = {k: work / f"e2e_{k}.mp4" for k in ("ncst", "ffmpeg", "ffmpeg_plain", "ffmpeg_copy", "pyav_copy")}
    cmds = {
        "ncst": [sys.executable, "-m", "ncst_bridge", "apply", str(look_dir), str(clip), "-o", str(outs["ncst"]),
                 "--force", "--engine", "ocio", "--crf", "18", "--preset", "medium", "--no-progress"],
        # the colour handling of the reference doc (explicit BT.709 in and out, gbrp for the LUT)
        "ffmpeg": ["ffmpeg", "-hide_banner", "-nostats", "-loglevel", "error", "-y", "-i", str(clip), "-vf",
                   "scale=in_color_matrix=bt709:in_range=tv:out_range=pc,format=gbrp,"
                   f"lut3d=file={cube}:interp=tetrahedral,"
                   "scale=out_color_matrix=bt709:in_range=pc:out_range=tv,format=yuv420p",
                   *X264, "-an", str(outs["ffmpeg"])],
        # what people type: ffmpeg picks the conversions itself
        "ffmpeg_plain": ["ffmpeg", "-hide_banner", "-nostats", "-loglevel", "error", "-y", "-i", str(clip),
                         "-vf", f"lut3d={cube}", *X264, "-an", str(outs["ffmpeg_plain"])],
        # controls: the same encode with no grade
        "ffmpeg_copy": ["ffmpeg", "-hide_banner", "-nostats", "-loglevel", "error", "-y", "-i", str(clip),
                        *X264, "-an", str(outs["ffmpeg_copy"])],
        "pyav_copy": [sys.executable, "-c", "import sys; from ncst_bridge.io.video import EncodeOptions, transcode; "
                      "transcode(sys.argv[1], sys.argv[2], lambda rgb: rgb, "
                      "EncodeOptions(codec='h264', crf=18, preset='medium'))", str(clip), str(outs["pyav_copy"])],
    }
    runs: dict[str, list[dict]] = {k: [] for k in cmds}
    for r in range(reps):
        for name, cmd in cmds.items():
            t = timed(cmd, env=env)
            runs[name].append({"wall": t["wall"], "cpu": t["cpu"]})
            if name == "ncst":
                m = re.search(r", ([0-9.]+) s \(([0-9.]+) frames/s\)", t["stdout"])
                runs[name][-1]["render_seconds"] = float(m.group(1))
            print(f"  rep {r + 1} {name:13s} wall {t['wall']:6.1f} s  cpu {t['cpu']:6.1f} s", flush=True)
    n = frame_count(clip)
    counts = {k: frame_count(p) for k, p in outs.items()}
    med = {k: {f: statistics.median(x[f] for x in v) for f in v[0]} for k, v in runs.items()}
    accuracy = {k: _accuracy(outs[k], clip, look_dir) for k in ("ncst", "ffmpeg", "ffmpeg_plain")}
    result = {"frames": n, "output_frames": counts, "runs": runs, "median": med,
              "ratio_wall": med["ffmpeg"]["wall"] / med["ncst"]["wall"],
              "ratio_cpu": med["ffmpeg"]["cpu"] / med["ncst"]["cpu"],
              "ratio_wall_render_only": med["ffmpeg"]["wall"] / med["ncst"]["render_seconds"],
              "ratio_wall_vs_plain_ffmpeg": med["ffmpeg_plain"]["wall"] / med["ncst"]["wall"],
              "encoder_control_ratio_wall": med["ffmpeg_copy"]["wall"] / med["pyav_copy"]["wall"],
              "encoder_control_ratio_cpu": med["ffmpeg_copy"]["cpu"] / med["pyav_copy"]["cpu"],
              "accuracy_vs_ideal": accuracy}
    return result


def _accuracy(rendered: Path, clip: Path, look_dir: Path, every: int = 20) -> dict:
    """How close a render is to the ideal one: the look (OCIO engine, 8-bit) applied to the source
    frames decoded exactly, compared on every 20th frame. Both renders also carry H.264 CRF 18 loss,
    so only the signed mean (a bias) and its difference between pipelines are telling."""
    from ncst_bridge.io.video import iter_frames

    eng = OcioEngine(GradeParams.load(str(look_dir / "params.json")))
    diffs = []
    for fs, fr in zip(iter_frames(clip), iter_frames(rendered)):
        if fs.index % every == 0:
            diffs.append(fr.rgb.astype(np.int16) - eng.apply(fs.rgb))
    d = np.stack(diffs)
    return {"mean_signed_codes": float(d.mean()), "mean_abs_codes": float(np.abs(d).mean()),
            "p99_abs_codes": float(np.percentile(np.abs(d), 99)), "frames_compared": len(diffs)}


def _best_ms(fn, reps: int, warm: int = 1) -> float:
    for _ in range(warm):
        fn()
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return 1000 * statistics.median(ts)


def _pyav_lut3d(cube: Path, w: int, h: int):
    graph = av.filter.Graph()
    src = graph.add_buffer(width=w, height=h, format="rgb24", time_base=Fraction(1, 25))
    lut = graph.add("lut3d", f"file={cube}:interp=tetrahedral")
    sink = graph.add("buffersink")
    src.link_to(lut)
    lut.link_to(sink)
    graph.configure()
    state = {"pts": 0}

    def run(frame: av.VideoFrame):
        frame.pts = state["pts"]
        state["pts"] += 1
        graph.push(frame)
        return graph.pull()

    return run


def _ffmpeg_cli_ms(cube: Path, frame: np.ndarray, work: Path, n: int) -> float:
    """Debian ffmpeg's lut3d per frame: raw rgb24 in, null out; with minus without the filter."""
    h, w = frame.shape[:2]
    raw = work / f"frame_{w}x{h}.rgb"
    raw.write_bytes(np.ascontiguousarray(frame).tobytes())
    base = ["ffmpeg", "-hide_banner", "-nostats", "-loglevel", "error", "-stream_loop", str(n - 1), "-f", "rawvideo",
            "-pix_fmt", "rgb24", "-s", f"{w}x{h}", "-r", "25", "-i", str(raw)]
    tail = ["-f", "null", "-"]
    best = {}
    for name, vf in (("with", ["-vf", f"lut3d=file={cube}:interp=tetrahedral"]), ("without", [])):
        walls = [timed(base + vf + tail)["wall"] for _ in range(3)]
        best[name] = min(walls)
    raw.unlink()
    return 1000 * (best["with"] - best["without"]) / n


def grade_only(work: Path, look_dir: Path, sharp_params: dict, reps: int) -> dict:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import colour

    params = GradeParams.load(str(LOOK))
    photo = cv2.cvtColor(cv2.imread(str(PHOTO)), cv2.COLOR_BGR2RGB)
    cube = look_dir / "look.cube"
    ocio, ocio_sharp = OcioEngine(params), OcioEngine(sharp_params)
    tch = TorchEngine(params, device="cpu")
    lut = colour.LUT3D(table=ocio.lattice)
    rows = {}
    for label, (w, h) in SIZES.items():
        frame = cv2.resize(photo, (w, h), interpolation=cv2.INTER_CUBIC)
        r = max(2, reps if label != "4K" else reps // 2)
        row = {
            "ocio_uint8": _best_ms(lambda: ocio.apply_inplace(frame.copy()), r),
            "ocio_uint8_sharpness": _best_ms(lambda: ocio_sharp.apply_inplace(frame.copy()), r),
            "copy_only": _best_ms(lambda: frame.copy(), r),
            "torch_cpu_float32": _best_ms(lambda: tch.apply(frame), 2 if label != "4K" else 1),
        }
        run = _pyav_lut3d(cube, w, h)
        vf = av.VideoFrame.from_ndarray(frame, format="rgb24")
        row["ffmpeg8_lut3d_pyav"] = _best_ms(lambda: run(vf), r)
        row["ffmpeg51_lut3d_cli"] = _ffmpeg_cli_ms(cube, frame, work, 40 if label != "4K" else 12)
        x = frame.astype(np.float64) / 255
        row["colour_LUT3D_apply"] = _best_ms(
            lambda: lut.apply(x, interpolator=colour.algebra.table_interpolation_tetrahedral), 1, warm=0)
        rows[label] = row
        print(f"  {label}: " + ", ".join(f"{k} {v:.1f}" for k, v in row.items()), flush=True)
    return rows


def markdown(res: dict) -> str:
    e = res["end_to_end"]
    m = e["median"]
    lines = [
        f"End to end, {e['frames']} frames of 1920x1080 25 fps H.264 -> libx264 CRF 18 medium, "
        f"median of {res['reps']} interleaved runs (2-core shared VM):",
        "",
        "| pipeline | wall s | CPU s | frames/s (wall) |",
        "|---|---|---|---|",
        f"| `ncst apply` (OCIO engine, start-up included) | {m['ncst']['wall']:.1f} | {m['ncst']['cpu']:.1f} | "
        f"{e['frames'] / m['ncst']['wall']:.1f} |",
        f"| `ncst apply`, render only (its own timer) | {m['ncst']['render_seconds']:.1f} | | "
        f"{e['frames'] / m['ncst']['render_seconds']:.1f} |",
        f"| `ffmpeg` scale(bt709)+lut3d+scale(bt709) | {m['ffmpeg']['wall']:.1f} | {m['ffmpeg']['cpu']:.1f} | "
        f"{e['frames'] / m['ffmpeg']['wall']:.1f} |",
        f"| `ffmpeg -vf lut3d=look.cube` (plain) | {m['ffmpeg_plain']['wall']:.1f} | {m['ffmpeg_plain']['cpu']:.1f} | "
        f"{e['frames'] / m['ffmpeg_plain']['wall']:.1f} |",
        f"| control: ffmpeg 5.1 re-encode, no LUT | {m['ffmpeg_copy']['wall']:.1f} | {m['ffmpeg_copy']['cpu']:.1f} | "
        f"{e['frames'] / m['ffmpeg_copy']['wall']:.1f} |",
        f"| control: ncst's PyAV pipeline, no grade | {m['pyav_copy']['wall']:.1f} | {m['pyav_copy']['cpu']:.1f} | "
        f"{e['frames'] / m['pyav_copy']['wall']:.1f} |",
        "",
        f"Throughput ratio ncst/ffmpeg (= ffmpeg time / ncst time, target >= 0.9): "
        f"**{e['ratio_wall']:.2f}** wall with start-up, {e['ratio_wall_render_only']:.2f} render only, "
        f"{e['ratio_cpu']:.2f} by CPU time; {e['ratio_wall_vs_plain_ffmpeg']:.2f} against the plain "
        f"`-vf lut3d`. Encoder control (no grade, ffmpeg 5.1 / PyAV): {e['encoder_control_ratio_wall']:.2f} wall, "
        f"{e['encoder_control_ratio_cpu']:.2f} CPU. Frame counts: {e['output_frames']}.",
        "",
        "Accuracy against the ideal render (the look on exactly decoded source frames), 8-bit codes:",
        "",
        "| pipeline | mean signed | mean abs | p99 abs |",
        "|---|---|---|---|",
        *[f"| {k} | {v['mean_signed_codes']:+.2f} | {v['mean_abs_codes']:.2f} | {v['p99_abs_codes']:.0f} |"
          for k, v in e["accuracy_vs_ideal"].items()],
        "",
        "The grade alone, ms per frame (median; rgb24 frames of a real photo):",
        "",
        "| size | ncst OCIO uint8 | ncst OCIO + sharpness | ncst torch CPU | ffmpeg 5.1 lut3d (CLI) "
        "| ffmpeg 8 lut3d (PyAV) | colour LUT3D.apply |",
        "|---|---|---|---|---|---|---|",
    ]
    for label, r in res["grade_only"].items():
        lines.append(f"| {label} | {r['ocio_uint8']:.1f} | {r['ocio_uint8_sharpness']:.1f} | {r['torch_cpu_float32']:.0f} "
                     f"| {r['ffmpeg51_lut3d_cli']:.1f} | {r['ffmpeg8_lut3d_pyav']:.1f} | {r['colour_LUT3D_apply']:.0f} |")
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reps", type=int, default=3, help="interleaved end-to-end repetitions (default 3)")
    ap.add_argument("--work", default=str(REPO / "bench" / ".work"))
    ap.add_argument("--out", default=str(REPO / "bench" / "results" / "render_speed.json"))
    ap.add_argument("--skip-e2e", action="store_true")
    args = ap.parse_args()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    look_dir = work / "look"
    if not (look_dir / "look.cube").exists():
        look_dir.mkdir(exist_ok=True)
        write_look_files(look_dir, GradeParams.load(str(LOOK)))
    sharp = GradeParams.load(str(SHARP_LOOK))
    print("making the 1080p pan clip ...", flush=True)
    clip = make_pan_clip(work / "pan_1080p25.mp4")
    res = {"machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                       "pyav": av.__version__, "ffmpeg_cli": subprocess.run(["ffmpeg", "-version"], capture_output=True,
                                                                            text=True).stdout.split("\n")[0],
                       "load_average_at_start": os.getloadavg()},
           "reps": args.reps, "look": json.loads(LOOK.read_text())["params"],
           "command": "PYTHONPATH=. python bench/render_speed.py" + (f" --reps {args.reps}" if args.reps != 3 else "")}
    if not args.skip_e2e:
        print("end to end ...", flush=True)
        res["end_to_end"] = end_to_end(work, clip, look_dir, args.reps)
    print("grade only ...", flush=True)
    res["grade_only"] = grade_only(work, look_dir, sharp, reps=7)
    res["load_average_at_end"] = os.getloadavg()
    Path(args.out).write_text(json.dumps(res, indent=2) + "\n")
    if "end_to_end" in res:
        print(markdown(res))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
