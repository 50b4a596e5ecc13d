"""GPU timing of the torch render engine (``--engine torch`` on CUDA), next to the NCST paper's Table 3.

For each size of the paper's Table 3 (512, HD, FHD, QHD, 2000, 4K, 5K, 8K) it times, with CUDA events
after warm-up, median of ``--reps``:

* ``lut``        : the 33^3 tetrahedral LUT on a float32 (1, 3, H, W) tensor already on the GPU
                   (the paper's "Ours (LUT)" row measures this: applying the baked LUT);
* ``lut+sharp``  : the same plus f_P's sharpness (``grade.sharpness_part``), i.e. the whole look;
* ``trilinear``  : the LUT with trilinear interpolation, for reference;
* ``frame``      : what ``ncst apply`` does per frame: uint8 (H, W, 3) numpy from the host, to the GPU,
                   grade, round, back to a uint8 numpy array (PCIe transfers included).

Prints a markdown table and writes JSON (``--out``). Run on a machine with CUDA:

    PYTHONPATH=. python bench/gpu_render.py --out bench/results/gpu_render.json

It also checks the CUDA result against the same engine on the CPU and, where PyOpenColorIO is
installed, against the OCIO CPU engine (each within one 8-bit code). Needs only torch, numpy and
opencv-python-headless (the GPU image's own); PyOpenColorIO/PyAV are optional here.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

SIZES = {"512": (512, 512), "HD": (1280, 720), "FHD": (1920, 1080), "QHD": (2560, 1440),
         "2000": (2000, 2000), "4K": (3840, 2160), "5K": (5120, 2880), "8K": (7680, 4320)}
PAPER_LUT_MS = {"512": 0.34, "HD": 0.76, "FHD": 1.31, "QHD": 2.53, "2000": 2.76, "4K": 6.65, "5K": 9.59,
                "8K": 21.25}
LOOK = {"brightness": 1.05, "contrast": 1.15, "gamma": 0.95, "hue": 5.0, "saturation": 1.2,
        "temperature": 0.3, "sharpness": 1.5}


def cuda_ms(torch, fn, reps: int, warm: int = 3) -> float:
    for _ in range(warm):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(reps):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end))
    return statistics.median(times)


def _cpu_ms(torch, fn, reps: int, warm: int = 1) -> float:
    import time

    for _ in range(warm):
        fn()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append(1000 * (time.perf_counter() - t0))
    return statistics.median(times)


def _sync(torch) -> None:
    if torch.cuda.is_available():
        torch.cuda.synchronize()


def wall_ms(torch, fn, reps: int, warm: int = 2) -> float:
    import time

    for _ in range(warm):
        fn()
    _sync(torch)
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        _sync(torch)
        times.append(1000 * (time.perf_counter() - t0))
    return statistics.median(times)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--out", default=None, help="write the results as JSON here")
    ap.add_argument("--sizes", nargs="*", default=list(SIZES), choices=list(SIZES))
    ap.add_argument("--device", default="cuda", help="cuda (default); 'cpu' only dry-runs the script")
    args = ap.parse_args()

    import torch

    if args.device == "cuda" and not torch.cuda.is_available():
        print("gpu_render.py: no CUDA device here; run it on a GPU machine (or --device cpu to dry-run)",
              file=sys.stderr)
        return 2
    if args.device != "cuda":  # dry run: wall-clock timers, no CUDA events
        global cuda_ms
        cuda_ms = _cpu_ms
    from ncst_bridge.grade.grade import sharpness_part
    from ncst_bridge.render.engines import TorchEngine
    from ncst_bridge.render.lut_torch import apply_lut3d

    dev = torch.device(args.device)
    eng = TorchEngine(LOOK, device=dev)
    gen = torch.Generator(device=dev).manual_seed(0)

    # correctness on this GPU: CUDA vs the same engine on the CPU, and vs OCIO where installed
    rng = np.random.default_rng(0)
    probe = (rng.random((270, 480, 3)) * 255).astype(np.uint8)
    on_gpu = eng.apply(probe).astype(int)
    agree = int(np.abs(on_gpu - TorchEngine(LOOK, device="cpu").apply(probe)).max())
    try:
        from ncst_bridge.render.engines import OcioEngine

        agree_ocio: int | None = int(np.abs(on_gpu - OcioEngine(LOOK).apply(probe)).max())
    except ImportError:
        agree_ocio = None

    rows = {}
    for name in args.sizes:
        w, h = SIZES[name]
        x = torch.rand((1, 3, h, w), generator=gen, device=dev)
        host = (rng.random((h, w, 3)) * 255).astype(np.uint8)
        row = {
            "lut": cuda_ms(torch, lambda: apply_lut3d(x, eng.table, "tetrahedral"), args.reps),
            "lut+sharp": cuda_ms(torch, lambda: sharpness_part(apply_lut3d(x, eng.table, "tetrahedral"), 1.5),
                                 args.reps),
            "trilinear": cuda_ms(torch, lambda: apply_lut3d(x, eng.table, "trilinear"), args.reps),
            "frame": wall_ms(torch, lambda: eng.apply(host), max(5, args.reps // 2)),
            "paper_lut": PAPER_LUT_MS[name],
        }
        rows[name] = row
        print(f"{name}: " + ", ".join(f"{k} {v:.3f}" for k, v in row.items()), flush=True)
        if dev.type == "cuda":
            torch.cuda.empty_cache()

    gpu = torch.cuda.get_device_name(0) if dev.type == "cuda" else f"{args.device} (dry run)"
    print()
    print(f"torch engine on {gpu} (torch {torch.__version__}), ms/frame, median of {args.reps}; "
          f"CUDA vs CPU max difference: {agree} code(s); vs OCIO CPU engine: "
          f"{'not installed' if agree_ocio is None else f'{agree_ocio} code(s)'}")
    print()
    print("| size | LUT (tetrahedral) | LUT + sharpness | LUT (trilinear) | uint8 frame host->GPU->host "
          "| paper Table 3, Ours (LUT) |")
    print("|---|---|---|---|---|---|")
    for name, r in rows.items():
        print(f"| {name} | {r['lut']:.3f} | {r['lut+sharp']:.3f} | {r['trilinear']:.3f} | {r['frame']:.2f} "
              f"| {r['paper_lut']:.2f} |")
    if args.out:
        Path(args.out).write_text(json.dumps({"gpu": gpu, "torch": torch.__version__, "platform": platform.platform(),
                                              "reps": args.reps, "cuda_vs_cpu_max_codes": agree,
                                              "cuda_vs_ocio_max_codes": agree_ocio,
                                              "ms_per_frame": rows}, indent=2) + "\n")
        print(f"wrote {args.out}")
    return 0 if agree <= 1 and (agree_ocio is None or agree_ocio <= 1) else 1


if __name__ == "__main__":
    sys.exit(main())
