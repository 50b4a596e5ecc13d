"""A stand-in for ``ncst match`` with the same command line, for tests of the Resolve bridge.

Modes (given before the match arguments):
  --fake-mode copy --fake-source BUNDLE   copy a ready bundle (fast: no torch import)
  --fake-mode bake --fake-source PARAMS   run the real ``python -m ncst_bridge bake`` into OUTDIR
                                          (with --input-space/--camera-lut-size/--ocio-config passed on,
                                          so the bundle holds look_in_<space>.cube as ncst match's would)
  --fake-mode fail                        print an error and exit 2, writing nothing
Each call appends its argument list to NCST_FAKE_MATCH_LOG (JSON lines) when that is set.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys


def main(argv):
    p = argparse.ArgumentParser(prog="fake-match")
    p.add_argument("--fake-mode", required=True, choices=("copy", "bake", "fail"))
    p.add_argument("--fake-source")
    p.add_argument("inputs", nargs="+")
    p.add_argument("--reference", required=True)
    p.add_argument("-o", "--output", required=True)
    p.add_argument("--start-frame", type=int)
    p.add_argument("--end-frame", type=int)
    for opt in ("--keyframes", "--iterations", "--lut-size", "--seed"):
        p.add_argument(opt, type=int)
    p.add_argument("--solver")
    p.add_argument("--strength", type=float)
    p.add_argument("--device", choices=("auto", "cpu", "cuda", "mps"))
    p.add_argument("--input-space")
    p.add_argument("--reference-space")
    p.add_argument("--ocio-config")
    p.add_argument("--camera-lut-size", type=int)
    args = p.parse_args(argv)
    log = os.environ.get("NCST_FAKE_MATCH_LOG")
    if log:
        with open(log, "a") as fh:
            fh.write(json.dumps(argv) + "\n")
    for path in args.inputs + [args.reference]:
        if not os.path.isfile(path):
            print("ncst: %s: no such file" % path, file=sys.stderr)
            return 2
    if (args.start_frame is None) != (args.end_frame is None) or (
            args.start_frame is not None and not 0 <= args.start_frame <= args.end_frame):
        print("ncst: bad --start-frame/--end-frame", file=sys.stderr)
        return 2
    if os.path.exists(args.output):
        print("ncst: %s: already exists" % args.output, file=sys.stderr)
        return 2
    if args.fake_mode == "fail":
        print("ncst: cannot decode %s" % args.inputs[0], file=sys.stderr)
        return 2
    if args.fake_mode == "copy":
        shutil.copytree(args.fake_source, args.output)
        print("wrote %s" % args.output)
        return 0
    cmd = [sys.executable, "-m", "ncst_bridge", "bake", args.fake_source, "-o", args.output,
           "--size", str(args.lut_size or 33)]
    for flag, value in (("--input-space", args.input_space), ("--camera-lut-size", args.camera_lut_size),
                        ("--ocio-config", args.ocio_config)):
        if value is not None:
            cmd += [flag, str(value)]
    return subprocess.call(cmd)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
