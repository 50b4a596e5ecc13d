"""``ncst match INPUT... --reference STILL -o OUTDIR``: find the parameters, write the look bundle."""

from __future__ import annotations

import argparse
import os
import platform
import signal
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from ncst_bridge import __version__
from ncst_bridge.errors import NcstError
from ncst_bridge.grade.lut import DEFAULT_SIZE
from ncst_bridge.io.lut_formats import FORMATS

REPORT_SAMPLES = 20_000
# match.pipeline.SOLVERS, written out because that module imports torch (tests/test_cli_startup.py
# checks they agree): ``ncst match --help`` and argument errors stay instant.
SOLVER_CHOICES = ("auto", "direct", "neural", "look", "prior")


def register(sub: argparse._SubParsersAction) -> None:
    from ncst_bridge.colour.options import add_colour_options

    p = sub.add_parser("match", help="match clips or stills to a reference still; write a look bundle")
    p.add_argument(
        "inputs",
        nargs="+",
        metavar="INPUT",
        help="video files, image sequences (shot.%%04d.dpx, shot.####.exr, a folder) and/or images",
    )
    p.add_argument("--reference", "-r", required=True, metavar="STILL")
    p.add_argument("-o", "--output", required=True, metavar="OUTDIR")
    p.add_argument(
        "--solver",
        choices=SOLVER_CHOICES,
        default="auto",
        help="auto (default): direct on same-scene pixel pairs, else neural; neural (the NCST network, "
        "pretrained on photos across content: it reads the look from a reference of another scene; "
        "fine-tuned on pixel pairs where the reference shows this scene), direct (fit the parameters "
        "to registered pixel pairs, or to the reference's colour distribution), look (MAP fit of the "
        "look from statistics scenes move little), prior (the learned look prior, kept for comparison)",
    )
    p.add_argument(
        "--device",
        choices=("auto", "cpu", "cuda", "mps"),
        default="auto",
        help="where the neural solver runs (auto: CUDA, then MPS, then CPU)",
    )
    p.add_argument(
        "--iterations",
        type=int,
        default=None,
        help="solver iterations (default: direct 200, neural 500 fine-tuning on pixel pairs and, on a "
        "reference of another scene, 90 of the look fit where it runs; look 90; prior has none)",
    )
    p.add_argument("--keyframes", "-k", type=int, default=8, help="keyframes per video (default 8)")
    p.add_argument(
        "--start-frame",
        type=int,
        default=None,
        help="first source frame of a single video (0-based) or image sequence (its frame number)",
    )
    p.add_argument(
        "--end-frame", type=int, default=None, help="last source frame of a single video or image sequence (inclusive)"
    )
    p.add_argument("--lut-size", type=int, default=DEFAULT_SIZE, help=f"3D LUT size (default {DEFAULT_SIZE})")
    p.add_argument("--formats", nargs="*", default=[], metavar="FMT", help=f"extra formats: {', '.join(FORMATS)}")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--no-register",
        action="store_true",
        help="do not look for same-scene correspondences (treat the reference as other content)",
    )
    p.add_argument(
        "--strength",
        type=float,
        default=1.0,
        metavar="S",
        help="0..1: move every matched parameter toward neutral (0 = no grade, 1 = as matched; default 1)",
    )
    p.add_argument(
        "--model",
        default=None,
        metavar="CHECKPOINT",
        help="neural solver checkpoint (.safetensors; default: the embedded model)",
    )
    p.add_argument(
        "--encoder",
        choices=("colour-stats", "efficientnet-lite0", "vgg19"),
        default=None,
        help="neural: the encoder the checkpoint must use (the embedded model's is efficientnet-lite0; "
        "vgg19 needs ImageNet weights)",
    )
    p.add_argument(
        "--vgg-weights",
        default=None,
        metavar="PATH",
        help="neural with vgg19: torchvision VGG-19 ImageNet weights (.pth/.safetensors; or $NCST_VGG_WEIGHTS)",
    )
    p.add_argument(
        "--render",
        default=None,
        metavar="OUT",
        help="also render the (first) video or image-sequence input graded (a sequence: an "
        "output pattern such as graded/shot.%%04d.exr, or a folder)",
    )
    p.add_argument("--force", action="store_true", help="replace OUTDIR (and --render OUT) if they exist")
    add_colour_options(p, reference=True, camera_luts=True)
    p.set_defaults(func=cmd_match)


class _StopFlag:
    """First Ctrl-C: stop the solver and keep the best parameters so far; second: abort."""

    def __init__(self) -> None:
        self.stopped = False
        self._old: Any = None

    def __enter__(self) -> _StopFlag:
        def handler(signum, frame):  # noqa: ARG001
            if self.stopped:
                raise KeyboardInterrupt
            self.stopped = True
            print("\nncst: stopping; keeping the best parameters so far (Ctrl-C again to abort)", file=sys.stderr)

        try:
            self._old = signal.signal(signal.SIGINT, handler)
        except ValueError:  # not the main thread
            self._old = None
        return self

    def __exit__(self, *exc) -> None:
        if self._old is not None:
            signal.signal(signal.SIGINT, self._old)

    def __call__(self) -> bool:
        return self.stopped


def _versions() -> dict[str, str]:
    from importlib import metadata

    import PyOpenColorIO as OCIO

    def installed(name: str) -> str:
        """From the package metadata: importing torch or colour-science for a version costs seconds."""
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "not installed"

    torch = sys.modules.get("torch")  # the loaded one where a torch solver ran
    return {
        "ncst_bridge": __version__,
        "python": platform.python_version(),
        "torch": torch.__version__ if torch is not None else installed("torch"),
        "numpy": np.__version__,
        "colour_science": installed("colour-science"),
        "opencolorio": OCIO.__version__,
    }


def _gather(args: argparse.Namespace, colour) -> tuple[list[np.ndarray], list[dict[str, Any]], Any]:
    """Keyframes of every input (in the grade's working space) and their provenance.

    Image sequences (``shot.%04d.dpx``, ``shot.####.exr``, a folder) are clips like videos; their
    --start-frame/--end-frame are the frame numbers in the file names. The first clip (a video
    path or an ``ImageSequence``) is returned for --render.
    """
    from ncst_bridge.io.images import encoding_hints, is_image_path, read_pixels
    from ncst_bridge.io.sequence import find_sequence, is_sequence_spec

    frames: list[np.ndarray] = []
    prov: list[dict[str, Any]] = []
    first_clip: Any = None
    clips = [p for p in args.inputs if is_sequence_spec(p) or not is_image_path(p)]
    if (args.start_frame is not None or args.end_frame is not None) and len(clips) != 1:
        raise NcstError("--start-frame/--end-frame need exactly one video or image-sequence input")
    clipped: list[float] = []
    for path in args.inputs:
        p = Path(path)
        if is_sequence_spec(path):
            from ncst_bridge.match.keyframes import select_keyframes

            seq = find_sequence(path)
            gaps = seq.gaps_text(args.start_frame, args.end_frame)
            if gaps:
                print(f"note: {gaps} (keyframes are chosen from the frames present)")
            head = seq.header()
            _hints(encoding_hints(head), colour.input_space)
            kf = select_keyframes(
                seq,
                args.keyframes,
                seed=args.seed,
                max_side=384,
                start_frame=args.start_frame,
                end_frame=args.end_frame,
                analysis=colour.input_to_working,
            )
            clipped += [_outside(colour, f) for f in kf.frames]
            frames.extend(colour.input_to_working(f) for f in kf.frames)
            prov.append(
                {
                    "path": seq.pattern,
                    "kind": "image sequence",
                    "first": seq.first,
                    "last": seq.last,
                    "missing": seq.missing(args.start_frame, args.end_frame),
                    "keyframes": kf.as_json(),
                }
            )
            first_clip = first_clip or seq
            continue
        if not p.exists():
            raise NcstError(f"{p}: no such file")
        if is_image_path(p):
            img, info = read_pixels(p)
            _hints(encoding_hints(info), colour.input_space)
            clipped.append(_outside(colour, img))
            frames.append(_small(colour.input_to_working(img)))
            prov.append({"path": str(p), "kind": "image"})
        else:
            from ncst_bridge.match.keyframes import select_keyframes

            kf = select_keyframes(
                p, args.keyframes, seed=args.seed, max_side=384, start_frame=args.start_frame, end_frame=args.end_frame
            )
            frames.extend(colour.input_to_working(f) for f in kf.frames)
            prov.append({"path": str(p), "kind": "video", "keyframes": kf.as_json()})
            first_clip = first_clip or p
    share = max(clipped, default=0.0)
    if share > 0:
        print(
            f"note: up to {100 * share:.2g}% of the inputs' values are outside the working space's [0, 1] "
            f"(above its white or below black) and clip there: the grade covers [0, 1]"
        )
    return frames, prov, first_clip


def _hints(hints: list[str], space: str | None) -> None:
    """Metadata hints for --input-space, printed only when it was not given (never applied)."""
    if not space:
        for h in hints:
            print(f"hint: {h}")


def _outside(colour, img: np.ndarray) -> float:
    """Share of values outside [0, 1] once in the working space (what ``input_to_working`` clips)."""
    from ncst_bridge.colour.convert import to_working

    x = to_working(img, colour.input_space, colour.config, clip=False) if colour.input_space else np.asarray(img)
    return float(np.count_nonzero((x > 1.0) | (x < 0.0))) / max(1, x.size)


def _small(img: np.ndarray) -> np.ndarray:
    from ncst_bridge.match.pipeline import fit_size

    return fit_size(img, 384).astype(np.float64)


def _import_torch() -> None:
    """Import torch ahead of need (about 1 s of start-up); a failure here is reported where it is used."""
    try:
        import torch  # noqa: F401
    except Exception:  # noqa: BLE001 - the solver's own import raises it again, with its message
        pass


def cmd_match(args: argparse.Namespace) -> int:
    from ncst_bridge.grade.strength import apply_strength, check_strength, strength_record

    check_strength(args.strength)  # before the heavy imports: a bad value costs nothing
    if args.solver != "look":  # the network (and registration's pixel pairs) need torch: import it
        import threading  # beside the input decoding, which spends most of its time outside the GIL

        threading.Thread(target=_import_torch, daemon=True).start()
    from ncst_bridge.io import fidelity
    from ncst_bridge.colour.options import colour_settings
    from ncst_bridge.grade.numpy_grade import colour_grade_numpy
    from ncst_bridge.io.atomic import atomic_dir, check_new_output
    from ncst_bridge.io.bundle import check_formats, check_size, write_json, write_look_files
    from ncst_bridge.io.images import encoding_hints, is_image_path, read_pixels
    from ncst_bridge.io.preview import write_preview
    from ncst_bridge.match.pipeline import MatchConfig, match_frames

    t0 = time.perf_counter()
    out = Path(args.output)
    sources = [*args.inputs, args.reference]
    check_new_output(out, args.force, is_dir=True, inputs=sources)
    check_size(args.lut_size)
    check_formats(args.formats)
    from ncst_bridge.io.sequence import is_sequence_spec

    if args.render:
        clips = [p for p in args.inputs if is_sequence_spec(p) or not is_image_path(p)]
        if not clips:
            raise NcstError("--render needs a video input (or an image sequence)")
        render = Path(args.render)
        if Path(os.path.abspath(render)).resolve() == Path(os.path.abspath(out)).resolve():
            raise NcstError(f"{render}: --render and -o name the same path")
        if not is_sequence_spec(args.render):  # sequences: render_sequence checks each frame
            check_new_output(render, args.force, inputs=sources)
        first = clips[0]
        if not is_sequence_spec(first):
            from ncst_bridge.io.video.encode import EncodeOptions, plan_for

            if not Path(first).exists():
                raise NcstError(f"{first}: no such file")
            if not is_sequence_spec(args.render):
                plan_for(first, render, EncodeOptions())  # container/codec refusals now, not after the match
    if args.keyframes < 1:
        raise NcstError(f"--keyframes must be at least 1, got {args.keyframes}")
    colour = colour_settings(args)
    ref_pixels, ref_info = read_pixels(args.reference)
    if not colour.reference_space:
        for h in encoding_hints(ref_info):
            print(f"hint: {h.replace('--input-space', '--reference-space')}")
    reference = colour.reference_to_working(ref_pixels)
    frames, inputs, first_video = _gather(args, colour)
    if args.render and first_video is None:
        raise NcstError("--render needs a video input (or an image sequence)")
    t_inputs = time.perf_counter() - t0

    cfg = MatchConfig(
        solver=args.solver,
        device=args.device,
        iterations=args.iterations,
        seed=args.seed,
        correspond=not args.no_register,
        model_path=args.model,
        encoder=args.encoder,
        vgg_weights=args.vgg_weights,
    )
    bar = _progress_bar(cfg)
    with _StopFlag() as stop:
        result = match_frames(frames, reference, cfg, should_stop=stop, progress=bar.update if bar else None)
    if bar:
        bar.close()
    full, info = result.params, result.info
    params = apply_strength(full, args.strength)
    info["strength"] = args.strength
    info["interrupted"] = stop.stopped
    info["timings"]["inputs_s"] = round(t_inputs, 3)

    t2 = time.perf_counter()
    provenance = {
        "tool": "ncst match",
        "inputs": inputs,
        "reference": str(args.reference),
        "solver": {k: v for k, v in info.items() if k not in ("loss_curve", "timings")},
        "colour": colour.as_json(),
        "versions": _versions(),
        "seed": args.seed,
    }
    with atomic_dir(out, force=args.force, inputs=sources) as tmp:
        exports = write_look_files(
            tmp,
            params,
            size=args.lut_size,
            formats=args.formats,
            title=f"NCST match to {Path(args.reference).name}",
            extra={"provenance": provenance, **(strength_record(full, args.strength) if args.strength < 1 else {})},
        )
        if colour.input_space:
            from ncst_bridge.colour import write_camera_luts

            write_camera_luts(
                tmp, params, colour.input_space, colour.config, size=args.camera_lut_size, residual_size=args.lut_size
            )
        graded = [colour_grade_numpy(f, params) for f in frames]
        write_preview(tmp / "preview.png", frames, graded, reference)
        pixels = np.concatenate([f.reshape(-1, 3)[:: max(1, f.size // 3 // 4000)] for f in frames])
        fid = fidelity.check_bundle(tmp, params, fidelity.sample_colours(REPORT_SAMPLES, seed=args.seed, pixels=pixels))
        info["timings"]["export_s"] = round(time.perf_counter() - t2, 3)
        info["timings"]["total_s"] = round(time.perf_counter() - t0, 3)
        report = {
            "fidelity": {"metric": "CIEDE2000 vs direct render, sRGB D65", "bar": fidelity.BAR, "paths": fid},
            "keyframes": inputs,
            "solver": info,
            "exports": exports,
        }
        write_json(tmp / "report.json", report)
    print(f"wrote {out}: {', '.join(exports['files'] + ['preview.png', 'report.json'])}")
    print("params: " + ", ".join(f"{k}={v:.4g}" for k, v in params.as_dict().items()))
    ev = info.get("evidence", {})
    if ev.get("weak"):
        print(f"note: {ev['summary']}; check preview.png, dial it back with --strength")
    if info["interrupted"]:
        print("note: stopped early by Ctrl-C; these are the best parameters found so far")
    if args.render:
        if isinstance(first_video, Path):
            from ncst_bridge.render import render_video

            render_video(params, first_video, args.render, force=args.force, colour=colour)
        else:
            from ncst_bridge.render.sequence import render_sequence

            render_sequence(
                params,
                first_video,
                args.render,
                colour=colour,
                force=args.force,
                start=args.start_frame,
                end=args.end_frame,
            )
        print(f"wrote {args.render}")
    print(f"done in {time.perf_counter() - t0:.1f} s")
    return 0


def _progress_bar(cfg):
    if not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    class _Bar:
        def __init__(self) -> None:
            self.bar = tqdm(desc=f"matching ({cfg.solver})", unit="it", leave=False)

        def update(self, it: int, loss: float) -> None:
            self.bar.update(1)
            self.bar.set_postfix(loss=f"{loss:.4g}")

        def close(self) -> None:
            self.bar.close()

    return _Bar()
