"""The bridge's settings: defaults, then the JSON config file, then environment variables.

Stdlib only, Python >= 3.8. The environment variables are a contract (docs/resolve.md): NCST_REFERENCE
(reference still: a path, ``gallery`` for the newest still of the current album or
``gallery:<label>``), NCST_SCOPE (``clip`` default, ``timeline`` or ``track:N``), NCST_LUT_DIR
(overrides the master LUT folder). The rest tune ``ncst match`` and the colour handling:
``colour_management`` (``auto``: follow the project's colour settings; ``off``: treat nodes as
display-referred Rec.709/sRGB, the CDL path), ``input_space`` (the OCIO space of the clips' media
when Resolve's clip attributes do not say, or in a project that is not colour managed),
``reference_space`` (the reference still's space; default: display-referred for a file, the
timeline space for a gallery still), ``ocio_config`` and ``camera_lut_size``.
"""

import json
import os

from . import paths
from .errors import BridgeError

DEVICES = ("auto", "cpu", "cuda", "mps")
COLOUR_MODES = ("auto", "off")

DEFAULTS = {
    "reference": None,       # path, "gallery" or "gallery:<label>"
    "scope": "clip",         # clip | timeline | track:N
    "lut_dir": None,         # master LUT folder override
    "looks_dir": None,       # where bundles are kept
    "keyframes": 5,
    "solver": None,          # None: ncst match's default
    "iterations": None,
    "strength": None,        # 0..1: dial the matched look toward neutral (None: ncst match's default, 1)
    "device": "auto",
    "lut_size": 33,
    "seed": None,
    "match_command": None,   # argument list replacing [python, -m, ncst_bridge, match]
    "colour_management": "auto",  # auto: follow the project's colour settings; off: display-referred
    "input_space": None,     # OCIO space of the clips' media (overrides Resolve's clip attributes)
    "reference_space": None,  # OCIO space of the reference still (overrides the default)
    "ocio_config": None,     # OCIO config naming those spaces (default: ncst's, the ACES studio config)
    "camera_lut_size": None,  # lattice of look_in_<space>.cube (None: ncst match's default, 65)
}

ENV = {
    "NCST_REFERENCE": "reference",
    "NCST_SCOPE": "scope",
    "NCST_LUT_DIR": "lut_dir",
    "NCST_LOOKS_DIR": "looks_dir",
    "NCST_KEYFRAMES": "keyframes",
    "NCST_SOLVER": "solver",
    "NCST_ITERATIONS": "iterations",
    "NCST_STRENGTH": "strength",
    "NCST_DEVICE": "device",
    "NCST_LUT_SIZE": "lut_size",
    "NCST_SEED": "seed",
    "NCST_COLOUR_MANAGEMENT": "colour_management",
    "NCST_INPUT_SPACE": "input_space",
    "NCST_REFERENCE_SPACE": "reference_space",
    "NCST_OCIO_CONFIG": "ocio_config",
    "NCST_CAMERA_LUT_SIZE": "camera_lut_size",
}

_INTS = {"keyframes": 1, "iterations": 0, "lut_size": 2, "seed": 0, "camera_lut_size": 2}


def parse_scope(value):
    """``clip`` / ``timeline`` / ``track:N`` -> ("clip", None) / ("timeline", None) / ("track", N)."""
    text = str(value or "clip").strip().lower()
    if text in ("clip", "timeline"):
        return text, None
    if text.startswith("track:") or text.startswith("track "):
        try:
            n = int(text[6:])
        except ValueError:
            n = 0
        if n >= 1:
            return "track", n
    raise BridgeError("scope must be clip, timeline or track:N (video track N, 1-based), got %r" % (value,))


def validate(settings):
    """Check and normalise a settings dict in place; raise BridgeError naming the bad key."""
    for key, low in _INTS.items():
        v = settings.get(key)
        if v is None or v == "":
            settings[key] = DEFAULTS[key]
            continue
        try:
            iv = int(str(v).strip())
        except ValueError:
            raise BridgeError("%s must be a whole number, got %r" % (key, v)) from None
        if iv < low:
            raise BridgeError("%s must be at least %d, got %d" % (key, low, iv))
        settings[key] = iv
    strength = settings.get("strength")
    if strength is None or str(strength).strip() == "":
        settings["strength"] = None
    else:
        try:
            sv = float(str(strength).strip())
        except ValueError:
            raise BridgeError("strength must be a number from 0 to 1, got %r" % (strength,)) from None
        if not (0.0 <= sv <= 1.0):
            raise BridgeError("strength must lie in 0..1, got %g" % sv)
        settings["strength"] = sv
    device = str(settings.get("device") or "auto").strip().lower()
    if device not in DEVICES:
        raise BridgeError("device must be one of %s, got %r" % (", ".join(DEVICES), device))
    settings["device"] = device
    mode = str(settings.get("colour_management") or "auto").strip().lower()
    if mode not in COLOUR_MODES:
        raise BridgeError("colour_management must be one of %s, got %r" % (", ".join(COLOUR_MODES), mode))
    settings["colour_management"] = mode
    parse_scope(settings.get("scope"))
    for key in ("reference", "solver", "lut_dir", "looks_dir", "input_space", "reference_space", "ocio_config"):
        v = settings.get(key)
        settings[key] = str(v).strip() if v not in (None, "") else None
    cmd = settings.get("match_command")
    if cmd is not None:
        if not isinstance(cmd, list) or not cmd or not all(isinstance(a, str) and a for a in cmd):
            raise BridgeError("match_command must be a non-empty list of strings (an argument list, no shell)")
    return settings


def load(environ=None):
    """Defaults <- config file (if present) <- environment. Returns (settings, config path or None)."""
    env = os.environ if environ is None else environ
    settings = dict(DEFAULTS)
    path = paths.config_file(env)
    used = None
    if os.path.isfile(path):
        try:
            with open(path, "r", encoding="utf-8") as fh:
                data = json.load(fh)
        except (OSError, ValueError) as exc:
            raise BridgeError("%s: unreadable config (%s)" % (path, exc)) from None
        if not isinstance(data, dict):
            raise BridgeError("%s: config must be a JSON object" % path)
        unknown = sorted(set(data) - set(DEFAULTS))
        if unknown:
            raise BridgeError("%s: unknown setting(s) %s (known: %s)" % (path, ", ".join(unknown), ", ".join(DEFAULTS)))
        settings.update(data)
        used = path
    for var, key in ENV.items():
        if env.get(var, "") != "":
            settings[key] = env[var]
    return validate(settings), used
