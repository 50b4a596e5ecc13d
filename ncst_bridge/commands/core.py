"""Core commands: ``ncst bake``, ``ncst apply`` (images here; videos through ncst_bridge.render)
and ``ncst fidelity``."""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from ncst_bridge.colour.options import add_colour_options, colour_settings
from ncst_bridge.errors import NcstError
from ncst_bridge.grade.lut import DEFAULT_SIZE
from ncst_bridge.grade.params import GradeParams
from ncst_bridge.io.atomic import atomic_dir, check_new_output
from ncst_bridge.io.bundle import load_look, write_json, write_look_files
from ncst_bridge.io.lut_formats import FLAME_SIZE, FORMATS


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bake", help="write look.cube, look.cc, residual.cube and an OCIO config from params.json")
    p.add_argument(
        "params",
        metavar="PARAMS_JSON",
        nargs="+",
        help="one params.json (OUTDIR is the bundle), or several (OUTDIR holds one bundle each, "
        "named after the file, or its folder for params.json)",
    )
    p.add_argument("-o", "--output", required=True, metavar="OUTDIR")
    p.add_argument(
        "--size",
        "--lut-size",
        type=int,
        default=DEFAULT_SIZE,
        dest="size",
        help=f"3D LUT lattice size (default {DEFAULT_SIZE})",
    )
    p.add_argument("--formats", nargs="*", default=[], metavar="FMT", help=f"extra formats: {', '.join(FORMATS)}")
    p.add_argument("--force", action="store_true", help="replace OUTDIR if it exists")
    p.add_argument(
        "--strength",
        type=float,
        default=None,
        metavar="S",
        help="0..1: move the look toward neutral (of its full-strength values if the bundle "
        "records them); default: the params as they are",
    )
    add_colour_options(p, camera_luts=True)  # --input-space adds the from-camera exports
    p.set_defaults(func=cmd_bake)

    p = sub.add_parser("apply", help="render a look onto an image or video (direct f_P, sharpness included)")
    p.add_argument("look", metavar="LOOK", help="look bundle folder or its params.json")
    p.add_argument(
        "input",
        metavar="INPUT",
        nargs="+",
        help="an image, video or image sequence (shot.%%04d.exr, shot.####.dpx, a folder); several "
        "images or videos (or a quoted glob such as 'shots/*.png') render into the folder "
        "OUTPUT, keeping their names, in one process",
    )
    p.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="OUTPUT",
        help="output file or sequence; a folder (created if needed) for several inputs or when it ends in /",
    )
    p.add_argument(
        "--bit-depth",
        type=int,
        choices=(8, 10, 12, 16, 32),
        default=None,
        help="output bit depth: images 8 (default) or 16 (.png/.tif), .dpx 8/10/12/16 (default "
        "10), .exr 16 (half, default)/32 (float), .tif 32 (float); image sequences: "
        "default keeps the input's; video: default keeps the input's as far as the codec "
        "allows (h264 8/10, hevc 8/10/12, prores 10, ffv1 8-16)",
    )
    p.add_argument("--force", action="store_true", help="replace OUTPUT if it exists")
    add_colour_options(p, output=True)
    from ncst_bridge.render.options import add_video_arguments

    add_video_arguments(p)
    p.set_defaults(func=cmd_apply)

    p = sub.add_parser("fidelity", help="ΔE2000 of each export of a bundle against the direct render")
    p.add_argument("look", metavar="LOOK", help="look bundle folder (or its params.json)")
    p.add_argument("--images", nargs="*", default=[], metavar="IMAGE", help="also measure on these images' pixels")
    p.add_argument("--samples", type=int, default=100_000, help="random colours (default 100000)")
    p.add_argument("--strict", action="store_true", help="exit 1 if any path misses the bar")
    p.set_defaults(func=cmd_fidelity)


def cmd_bake(args: argparse.Namespace) -> int:
    if len(args.params) > 1:
        return _bake_many(args)
    args.params = args.params[0]
    return _bake_one(args)


def _bake_many(args: argparse.Namespace) -> int:
    """Several params.json into OUTDIR/<name>/, one bundle each, every name checked before any work."""
    out = Path(args.output)
    if out.exists() and not out.is_dir():
        raise NcstError(f"{out}: exists and is not a folder (several params.json need an output folder)")
    names: dict[str, str] = {}
    for src in args.params:
        path = Path(src)
        name = path.parent.name if path.stem == "params" and path.parent.name else path.stem
        if name in names:
            raise NcstError(f"{src} and {names[name]} would both write {out / name}; rename one")
        names[name] = src
        if (out / name).exists() and not args.force:
            raise NcstError(f"{out / name}: exists (use --force to replace it)")
    colour_settings(args)  # names checked before anything is written
    for src in args.params:
        GradeParams.load(src)  # every file checked before the first bundle is written
    os.makedirs(out, exist_ok=True)
    for name, src in names.items():
        one = argparse.Namespace(**{**vars(args), "params": src, "output": str(out / name)})
        _bake_one(one)
    return 0


def _bake_one(args: argparse.Namespace) -> int:
    check_new_output(args.output, args.force, is_dir=True, inputs=[args.params])
    params = GradeParams.load(args.params)
    extra: dict = {}
    if args.strength is not None:
        from ncst_bridge.grade.strength import apply_strength, check_strength, full_strength, strength_record

        check_strength(args.strength)
        full = full_strength(args.params)
        params = apply_strength(full, args.strength)
        extra = strength_record(full, args.strength)
    colour = colour_settings(args)  # names checked before anything is written
    t0 = time.perf_counter()
    with atomic_dir(args.output, force=args.force, inputs=[args.params]) as tmp:
        exports = write_look_files(
            tmp,
            params,
            size=args.size,
            formats=args.formats,
            extra={"provenance": {"tool": "ncst bake", "source": str(args.params)}, **extra},
        )
        if colour.input_space:
            from ncst_bridge.colour.camera_luts import write_camera_luts

            cm = write_camera_luts(
                tmp, params, colour.input_space, colour.config, size=args.camera_lut_size, residual_size=args.size
            )
            exports["files"] += [f for f, v in cm["files"].items() if v["role"] in ("from camera", "in input space")]
    print(f"wrote {args.output}: {', '.join(exports['files'])} ({time.perf_counter() - t0:.2f} s)")
    if colour.input_space:
        _note_camera(cm)
    if "look.3dl" in exports["files"] and args.size != FLAME_SIZE:
        print(
            f"note: look.3dl is {FLAME_SIZE}^3 whatever --size says: ffmpeg's lut3d and MLT (Kdenlive, "
            f"Shotcut) read only {FLAME_SIZE}^3 .3dl files"
        )
    _note_spatial(exports)
    return 0


def _note_camera(cm: dict) -> None:
    print(
        f"input space '{cm['input_space']}': look.* apply after a colour space transform to the working "
        f"space; look_from_* take the camera footage directly"
    )
    for name, info in cm["files"].items():
        fid = info.get("fidelity", {}).get("display_colours")
        if fid:
            print(
                f"  {name}: ΔE2000 vs direct render mean {fid['mean']:.3f}, p99 {fid['p99']:.2f}, "
                f"max {fid['max']:.2f} ({'within' if fid['passes_bar'] else 'outside'} the bar)"
            )


def _note_spatial(exports: dict) -> None:
    for name in exports["not_representable"]:
        print(
            f"note: {name} is spatial: not representable in LUT/CDL/OCIO exports "
            f"(ncst apply and the OFX plugin apply it)"
        )


def cmd_apply(args: argparse.Namespace) -> int:
    inputs = _expand_inputs(args.input)
    if len(inputs) == 1 and not args.output.endswith(("/", os.sep)):
        args.input = inputs[0]
        return _apply_one(load_look(args.look), colour_settings(args), args)
    return _apply_many(inputs, args)


def _expand_inputs(patterns: list[str]) -> list[str]:
    """Inputs as given, with quoted globs (``'shots/*.png'``) expanded here; a glob matching nothing is
    an error."""
    import glob

    out: list[str] = []
    for pattern in patterns:
        if not Path(pattern).exists() and glob.has_magic(pattern):
            found = sorted(glob.glob(pattern))
            if not found:
                raise NcstError(f"{pattern}: no file matches")
            out += found
        else:
            out.append(pattern)
    return out


def _apply_many(inputs: list[str], args: argparse.Namespace) -> int:
    """Several inputs into the folder OUTPUT (same names), one process, with a progress bar."""
    out = Path(args.output)
    if out.exists() and not out.is_dir():
        raise NcstError(f"{out}: exists and is not a folder (several inputs need an output folder)")
    params = load_look(args.look)
    colour = colour_settings(args)
    targets: dict[Path, str] = {}
    for src in inputs:
        dst = out / Path(src).name
        if dst in targets:
            raise NcstError(f"{src} and {targets[dst]} would both write {dst}; rename one")
        if not Path(src).exists():
            raise NcstError(f"{src}: no such file")
        if dst.exists() and Path(src).resolve() == dst.resolve():
            raise NcstError(f"{dst}: output is the input; choose another folder")
        if dst.exists() and not args.force:
            raise NcstError(f"{dst}: exists (use --force to replace it)")
        targets[dst] = src
    out.mkdir(parents=True, exist_ok=True)
    bar = None
    if not getattr(args, "no_progress", False):
        from tqdm import tqdm

        bar = tqdm(total=len(targets), unit="file", desc="ncst apply", disable=None, dynamic_ncols=True)
    try:
        for dst, src in targets.items():
            one = argparse.Namespace(
                **{**vars(args), "input": src, "output": str(dst), "no_progress": True, "quiet": True}
            )
            _apply_one(params, colour, one)
            if bar is not None:
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    print(f"wrote {len(targets)} file(s) to {out}")
    return 0


def _apply_one(params: GradeParams, colour, args: argparse.Namespace) -> int:
    from ncst_bridge.io.images import is_image_path, output_bit_depth, write_image
    from ncst_bridge.io.sequence import is_sequence_spec

    src, dst = Path(args.input), Path(args.output)
    if is_sequence_spec(src):
        return _apply_sequence(params, args, colour)
    if not src.exists():
        raise NcstError(f"{src}: no such file")
    look_file = Path(args.look) / "params.json" if Path(args.look).is_dir() else Path(args.look)
    check_new_output(dst, args.force, inputs=[src, look_file])  # before any decoding or rendering
    if not is_image_path(src):
        from ncst_bridge.render.video import apply_video

        return apply_video(params, args, colour=colour)
    video_only = [
        f"--{n.replace('_', '-')}"
        for n in ("codec", "crf", "preset", "prores_profile")
        if getattr(args, n, None) is not None
    ]
    if getattr(args, "engine", "auto") != "auto":
        video_only.append("--engine")
    if video_only:
        raise NcstError(f"{', '.join(video_only)}: video option(s), but {src} is an image")
    depth = output_bit_depth(dst, args.bit_depth)  # output type and depth refused before decoding
    _print_hints(src, colour.input_space)
    write_image(dst, _grade_still(src, dst, depth, params, colour), bit_depth=depth, force=args.force)
    if not getattr(args, "quiet", False):
        print(f"wrote {dst}")
    return 0


def _grade_still(src: Path, dst: Path, depth: int, params: GradeParams, colour):
    """The graded pixels of the still ``src``, ready to write to ``dst`` at ``depth`` bits.

    Integer pixels in, 8/16-bit out, no colour-space conversion and no sharpness (spatial): the codes
    are graded straight to output codes (``colour_grade_codes``: the codes of the float64 grade
    rounded, a 1-code difference only at an exact half code; about 7x faster). Anything else: the float64 grade on code values, converted in and out.
    """
    import numpy as np

    from ncst_bridge.grade.numpy_grade import apply_grade_numpy, colour_grade_codes
    from ncst_bridge.io.images import code_levels, is_float_output, read_stored, to_unit

    px, info = read_stored(src)
    levels = code_levels(px, info)
    plain = not (colour.input_space or colour.output_space) and params.as_dict().get("sharpness", 1.0) == 1.0
    if levels is not None and plain and depth in (8, 16) and not is_float_output(dst, depth):
        return colour_grade_codes(px, levels, params, depth)
    img = to_unit(px, info, np.float64)
    if info.is_float and not colour.input_space:
        np.clip(img, 0.0, 1.0, out=img)
    return colour.working_to_output(apply_grade_numpy(colour.input_to_working(img), params))


def _print_hints(path: Path, space: str | None, info=None) -> None:
    """What a file's metadata says about its encoding, printed once, when --input-space is not given."""
    from ncst_bridge.io.images import encoding_hints, image_info

    if space:
        return
    for hint in encoding_hints(info or image_info(path)):
        print(f"hint: {hint}")


def _look_input_space(args: argparse.Namespace, colour):
    """Without --input-space, a look matched with one (params.json provenance) reads the footage in
    that space, said on the console: the plates it was matched on are graded as they were seen."""
    import json

    if colour.input_space or getattr(args, "input_space", None):
        return colour
    params_json = Path(args.look) / "params.json" if Path(args.look).is_dir() else Path(args.look)
    try:
        recorded = json.loads(params_json.read_text())["provenance"]["colour"]
        space = recorded.get("input_space")
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return colour
    if not space:
        return colour
    args.input_space = space
    if not getattr(args, "ocio_config", None) and recorded.get("ocio_config"):
        args.ocio_config = recorded["ocio_config"]
    colour = colour_settings(args)
    out = (
        f"--output-space '{colour.output_space}'"
        if colour.output_space
        else f"the working space (give --output-space '{space}' to keep the plates' encoding)"
    )
    print(
        f"note: the look was matched with --input-space '{space}': reading the frames in it "
        f"(give --input-space to override); output: {out}"
    )
    return colour


def _apply_sequence(params, args: argparse.Namespace, colour) -> int:
    """``ncst apply LOOK shot.%04d.exr -o graded/shot.%04d.exr``: a graded sequence (render.sequence)."""
    from ncst_bridge.io.images import is_image_path
    from ncst_bridge.io.sequence import find_sequence, is_sequence_spec
    from ncst_bridge.render.sequence import render_sequence

    seq = find_sequence(args.input)
    out = str(args.output)
    movie = getattr(args, "codec", None) is not None or not (
        is_sequence_spec(out) or out.endswith("/") or Path(out).is_dir() or is_image_path(out)
    )
    colour = _look_input_space(args, colour)
    head = seq.header()
    _print_hints(Path(head.path), colour.input_space, head)
    common = dict(
        colour=colour,
        engine=getattr(args, "engine", "auto") or "auto",
        force=args.force,
        progress=not getattr(args, "no_progress", False),
    )
    if movie:
        from ncst_bridge.render.sequence import render_sequence_movie

        report = render_sequence_movie(
            params,
            seq,
            out,
            codec=getattr(args, "codec", None) or "h264",
            crf=getattr(args, "crf", None),
            preset=getattr(args, "preset", None),
            prores_profile=getattr(args, "prores_profile", None),
            bit_depth=args.bit_depth,
            **common,
        )
        print(
            f"wrote {report.output}: {report.frames} frames {report.first}-{report.last}, {report.bit_depth}-bit "
            f"video, engine {report.engine}, {report.seconds:.1f} s"
        )
        return 0
    video_only = [
        f"--{n.replace('_', '-')}" for n in ("crf", "preset", "prores_profile") if getattr(args, n, None) is not None
    ]
    if video_only:
        raise NcstError(
            f"{', '.join(video_only)}: video option(s), but {out} is an image sequence (use a movie "
            f"extension or --codec to render a movie)"
        )
    report = render_sequence(params, seq, out, bit_depth=args.bit_depth, **common)
    print(
        f"wrote {report.output}: {report.frames} frames {report.first}-{report.last}, {report.bit_depth}-bit, "
        f"engine {report.engine}, {report.seconds:.1f} s"
    )
    return 0


def cmd_fidelity(args: argparse.Namespace) -> int:
    from ncst_bridge.io import fidelity

    folder = Path(args.look)
    if folder.is_file():
        folder = folder.parent
    params = load_look(folder)
    for need in ("look.cube", "look.cc", "residual.cube", "ocio/config.ocio"):
        if not (folder / need).exists():
            raise NcstError(f"{folder}: no {need}; make the bundle with ncst bake or ncst match")
    if args.samples < 1:
        raise NcstError("--samples must be at least 1")
    check_new_output(folder / "fidelity.json", force=True)  # a read-only bundle: refused before measuring
    pixels = fidelity.image_pixels(args.images) if args.images else None
    colours = fidelity.sample_colours(args.samples, pixels=pixels)
    report = fidelity.check_bundle(folder, params, colours)
    from ncst_bridge.colour.camera_luts import (
        check_camera_exports,  # bundles made with --input-space
    )

    report.update(check_camera_exports(folder, params, samples=args.samples, pixels=pixels))
    obj = {
        "metric": "CIEDE2000 vs direct render, sRGB D65",
        "samples": len(colours),
        "images": [str(p) for p in args.images],
        "bar": fidelity.BAR,
        "paths": report,
    }
    write_json(folder / "fidelity.json", obj)
    width = max(24, *(len(n) for n in report))
    print(f"{'path':<{width}} {'mean':>8} {'p95':>8} {'p99':>8} {'max':>8}  bar")
    for name, s in report.items():
        print(
            f"{name:<{width}} {s['mean']:8.4f} {s['p95']:8.4f} {s['p99']:8.4f} {s['max']:8.4f}  "
            f"{'pass' if s['passes_bar'] else 'MISS'}"
        )
    print(f"wrote {folder / 'fidelity.json'}")
    if args.strict and not all(s["passes_bar"] for s in report.values()):
        return 1
    return 0
