"""Run ``ncst match`` in the project's own Python and read the look bundle it writes.

Stdlib only, Python >= 3.8. Resolve's interpreter has no torch, so the heavy work runs as
``<project python> -m ncst_bridge match INPUT... --reference STILL -o OUTDIR [options]``: an
argument list, never a shell string. Media files come with ``--start-frame N --end-frame M``
(inclusive source frames, the file's own 0-based numbering) and, in colour-managed projects,
``--input-space``/``--reference-space``. When Resolve's nodes work in a space other than the frames'
one, ``<project python> -m ncst_bridge bake BUNDLE/params.json -o DIR --input-space NODE_SPACE``
makes the look for the nodes (``look_in_<space>.cube``) from the parameters the match found.
"""

import json
import math
import os
import subprocess

from .errors import BridgeError

OPTIONS = (("keyframes", "--keyframes"), ("solver", "--solver"), ("iterations", "--iterations"),
           ("strength", "--strength"), ("device", "--device"), ("lut_size", "--lut-size"), ("seed", "--seed"))
BUNDLE_FILES = ("params.json", "look.cube", "residual.cube")


def match_argv(python, inputs, reference, out_dir, settings, start=None, end=None, command=None, extra=None):
    """The argument list for one ``ncst match`` run (``extra``: more options, e.g. colour spaces)."""
    if command:
        argv = list(command)
    else:
        if not python:
            raise BridgeError("the project's Python is not recorded: run `ncst resolve install` again")
        argv = [python, "-m", "ncst_bridge", "match"]
    argv += [os.path.abspath(p) for p in inputs]
    argv += ["--reference", os.path.abspath(reference), "-o", os.path.abspath(out_dir)]
    if start is not None:
        argv += ["--start-frame", str(int(start)), "--end-frame", str(int(end))]
    for key, flag in OPTIONS:
        value = settings.get(key)
        if value is not None and value != "":
            argv += [flag, str(value)]
    return argv + list(extra or [])


def bake_argv(python, params_json, out_dir, space, settings):
    """The argument list for ``ncst bake PARAMS -o OUTDIR --input-space SPACE`` (the look in ``space``)."""
    if not python:
        raise BridgeError("the project's Python is not recorded: run `ncst resolve install` again")
    argv = [python, "-m", "ncst_bridge", "bake", os.path.abspath(params_json), "-o", os.path.abspath(out_dir),
            "--input-space", space]
    if settings.get("lut_size"):
        argv += ["--lut-size", str(int(settings["lut_size"]))]
    if settings.get("camera_lut_size"):
        argv += ["--camera-lut-size", str(int(settings["camera_lut_size"]))]
    if settings.get("ocio_config"):
        argv += ["--ocio-config", settings["ocio_config"]]
    return argv


def camera_look(folder):
    """What a bundle's ``params.json`` ``colour_management`` block says of its look in the input space.

    Returns ``(input_space, working_space, look_in path or None)``: canonical OCIO names as ncst
    wrote them; ``(None, None, None)`` when the bundle was made without ``--input-space``.
    """
    try:
        with open(os.path.join(folder, "params.json"), "r", encoding="utf-8") as fh:
            obj = json.load(fh)
    except (OSError, ValueError):
        return None, None, None
    cm = obj.get("colour_management") if isinstance(obj, dict) else None
    if not isinstance(cm, dict) or not isinstance(cm.get("input_space"), str):
        return None, None, None
    working = (cm.get("working_space") or {}).get("ocio_name") if isinstance(cm.get("working_space"), dict) else None
    found = None
    for name, info in (cm.get("files") or {}).items():
        if isinstance(info, dict) and info.get("role") == "in input space" and os.path.isfile(os.path.join(folder, name)):
            found = os.path.join(folder, name)
    return cm["input_space"], working, found


def child_env(project_root, environ=None):
    """Resolve's environment minus its Python settings, with the project importable."""
    env = dict(os.environ if environ is None else environ)
    for var in ("PYTHONHOME", "PYTHONPATH", "PYTHONEXECUTABLE", "__PYVENV_LAUNCHER__"):
        env.pop(var, None)
    if project_root:
        env["PYTHONPATH"] = project_root
    env["PYTHONUNBUFFERED"] = "1"
    return env


def run(argv, project_root, log, what="ncst match"):
    """Run ``argv``, streaming its output lines to ``log``; BridgeError with its last line on failure."""
    exe = argv[0]
    if os.path.isabs(exe) and not os.path.isfile(exe):
        raise BridgeError("the project's Python is missing (%s): run `ncst resolve install` again" % exe)
    cwd = project_root if project_root and os.path.isdir(project_root) else None
    try:
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, cwd=cwd, env=child_env(project_root),
                                universal_newlines=True, encoding="utf-8", errors="replace")
    except OSError as exc:
        raise BridgeError("cannot start %s (%s): %s" % (what, exe, exc)) from None
    last = ""
    for line in proc.stdout:
        line = line.rstrip()
        if line:
            last = line
            log("    " + line)
    rc = proc.wait()
    if rc != 0:
        raise BridgeError("%s failed (exit %d): %s" % (what, rc, last or "no message"))


def _triple(value, what):
    if not isinstance(value, list) or len(value) != 3:
        raise BridgeError("params.json: cdl.%s must be three numbers" % what)
    out = []
    for v in value:
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(float(v)):
            raise BridgeError("params.json: cdl.%s must be finite numbers" % what)
        out.append(float(v))
    return out


class Bundle(object):
    """The parts of a look bundle the write-back uses."""

    def __init__(self, folder):
        self.folder = folder
        for name in BUNDLE_FILES:
            if not os.path.isfile(os.path.join(folder, name)):
                raise BridgeError("ncst match wrote no %s into %s" % (name, folder))
        try:
            with open(os.path.join(folder, "params.json"), "r", encoding="utf-8") as fh:
                self.params_json = json.load(fh)
        except (OSError, ValueError) as exc:
            raise BridgeError("unreadable params.json in %s: %s" % (folder, exc)) from None
        cdl = self.params_json.get("cdl") if isinstance(self.params_json, dict) else None
        if not isinstance(cdl, dict):
            raise BridgeError("params.json in %s has no cdl" % folder)
        self.slope = _triple(cdl.get("slope"), "slope")
        self.offset = _triple(cdl.get("offset"), "offset")
        self.power = _triple(cdl.get("power"), "power")
        sat = cdl.get("saturation")
        if isinstance(sat, bool) or not isinstance(sat, (int, float)) or not math.isfinite(float(sat)):
            raise BridgeError("params.json: cdl.saturation must be a number")
        self.saturation = float(sat)
        self.params = self.params_json.get("params", {})
        self.not_representable = (self.params_json.get("exports") or {}).get("not_representable", [])

    def path(self, name):
        return os.path.join(self.folder, name)
