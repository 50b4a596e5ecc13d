"""Core commands: ``ncst bake``, ``ncst apply`` (images here; videos through ncst_bridge.render)
and ``ncst fidelity``."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from ncst_bridge.colour.options import add_colour_options, colour_settings
from ncst_bridge.errors import NcstError
from ncst_bridge.grade.lut import DEFAULT_SIZE
from ncst_bridge.grade.params import GradeParams
from ncst_bridge.io.atomic import atomic_dir
from ncst_bridge.io.bundle import load_look, write_json, write_look_files
from ncst_bridge.io.lut_formats import FORMATS


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bake", help="write look.cube, look.cc, residual.cube and an OCIO config from params.json")
    p.add_argument("params", metavar="PARAMS_JSON")
    p.add_argument("-o", "--output", required=True, metavar="OUTDIR")
    p.add_argument("--size", "--lut-size", type=int, default=DEFAULT_SIZE, dest="size",
                   help=f"3D LUT lattice size (default {DEFAULT_SIZE})")
    p.add_argument("--formats", nargs="*", default=[], metavar="FMT",
                   help=f"extra formats: {', '.join(FORMATS)}")
    p.add_argument("--force", action="store_true", help="replace OUTDIR if it exists")
    p.add_argument("--strength", type=float, default=None, metavar="S",
                   help="0..1: move the look toward neutral (of its full-strength values if the bundle "
                        "records them); default: the params as they are")
    add_colour_options(p, camera_luts=True)  # --input-space adds the from-camera exports
    p.set_defaults(func=cmd_bake)

    p = sub.add_parser("apply", help="render a look onto an image or video (direct f_P, sharpness included)")
    p.add_argument("look", metavar="LOOK", help="look bundle folder or its params.json")
    p.add_argument("input", metavar="INPUT")
    p.add_argument("-o", "--output", required=True, metavar="OUTPUT")
    p.add_argument("--bit-depth", type=int, choices=(8, 10, 12, 16), default=None,
                   help="output bit depth: images 8 (default) or 16 (.png/.tif); video: default keeps "
                        "the input's as far as the codec allows (h264 8/10, hevc 8/10/12, prores 10, "
                        "ffv1 8-16)")
    p.add_argument("--force", action="store_true", help="replace OUTPUT if it exists")
    add_colour_options(p, output=True)
    from ncst_bridge.render.video import add_video_arguments

    add_video_arguments(p)
    p.set_defaults(func=cmd_apply)

    p = sub.add_parser("fidelity", help="ΔE2000 of each export of a bundle against the direct render")
    p.add_argument("look", metavar="LOOK", help="look bundle folder (or its params.json)")
    p.add_argument("--images", nargs="*", default=[], metavar="IMAGE",
                   help="also measure on these images' pixels")
    p.add_argument("--samples", type=int, default=100_000, help="random colours (default 100000)")
    p.add_argument("--strict", action="store_true", help="exit 1 if any path misses the bar")
    p.set_defaults(func=cmd_fidelity)


def cmd_bake(args: argparse.Namespace) -> int:
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
    with atomic_dir(args.output, force=args.force) as tmp:
        exports = write_look_files(tmp, params, size=args.size, formats=args.formats,
                                   extra={"provenance": {"tool": "ncst bake", "source": str(args.params)},
                                          **extra})
        if colour.input_space:
            from ncst_bridge.colour.camera_luts import write_camera_luts

            cm = write_camera_luts(tmp, params, colour.input_space, colour.config,
                                   size=args.camera_lut_size, residual_size=args.size)
            exports["files"] += [f for f, v in cm["files"].items() if v["role"] == "from camera"]
    print(f"wrote {args.output}: {', '.join(exports['files'])} ({time.perf_counter() - t0:.2f} s)")
    if colour.input_space:
        _note_camera(cm)
    _note_spatial(exports)
    return 0


def _note_camera(cm: dict) -> None:
    print(f"input space '{cm['input_space']}': look.* apply after a colour space transform to the working "
          f"space; look_from_* take the camera footage directly")
    for name, info in cm["files"].items():
        fid = info.get("fidelity", {}).get("display_colours")
        if fid:
            print(f"  {name}: ΔE2000 vs direct render mean {fid['mean']:.3f}, p99 {fid['p99']:.2f}, "
                  f"max {fid['max']:.2f} ({'within' if fid['passes_bar'] else 'outside'} the bar)")


def _note_spatial(exports: dict) -> None:
    for name in exports["not_representable"]:
        print(f"note: {name} is spatial: not representable in LUT/CDL/OCIO exports "
              f"(ncst apply and the OFX plugin apply it)")


def cmd_apply(args: argparse.Namespace) -> int:
    from ncst_bridge.io.images import is_image_path, read_image, write_image

    params = load_look(args.look)
    colour = colour_settings(args)
    src, dst = Path(args.input), Path(args.output)
    if src.exists() and dst.exists() and src.resolve() == dst.resolve():
        raise NcstError(f"{dst}: output is the input; choose another path")
    if not is_image_path(src):
        from ncst_bridge.render.video import apply_video

        return apply_video(params, args, colour=colour)
    video_only = [f"--{n.replace('_', '-')}" for n in ("codec", "crf", "preset", "prores_profile")
                  if getattr(args, n, None) is not None]
    if getattr(args, "engine", "auto") != "auto":
        video_only.append("--engine")
    if video_only:
        raise NcstError(f"{', '.join(video_only)}: video option(s), but {src} is an image")
    from ncst_bridge.grade.grade import apply_grade_numpy

    img = colour.input_to_working(read_image(src, clip_float=not colour.input_space))
    out = colour.working_to_output(apply_grade_numpy(img, params))
    write_image(dst, out, bit_depth=args.bit_depth, force=args.force)
    print(f"wrote {dst}")
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
    pixels = fidelity.image_pixels(args.images) if args.images else None
    colours = fidelity.sample_colours(args.samples, pixels=pixels)
    report = fidelity.check_bundle(folder, params, colours)
    from ncst_bridge.colour.camera_luts import check_camera_exports  # bundles made with --input-space

    report.update(check_camera_exports(folder, params, samples=args.samples, pixels=pixels))
    obj = {"metric": "CIEDE2000 vs direct render, sRGB D65", "samples": int(len(colours)),
           "images": [str(p) for p in args.images], "bar": fidelity.BAR, "paths": report}
    write_json(folder / "fidelity.json", obj)
    width = max(24, *(len(n) for n in report))
    print(f"{'path':<{width}} {'mean':>8} {'p95':>8} {'p99':>8} {'max':>8}  bar")
    for name, s in report.items():
        print(f"{name:<{width}} {s['mean']:8.4f} {s['p95']:8.4f} {s['p99']:8.4f} {s['max']:8.4f}  "
              f"{'pass' if s['passes_bar'] else 'MISS'}")
    print(f"wrote {folder / 'fidelity.json'}")
    if args.strict and not all(s["passes_bar"] for s in report.values()):
        return 1
    return 0

