"""Colour management: camera log / wide-gamut input through OCIO, into the grade's working space.

The working space (where the grade's parameters mean what they say) is display-referred code values:
Rec.709 primaries, D65, sRGB encoding, [0, 1]. See convert.py for how other spaces reach it,
camera_luts.py for the from-camera exports, add_look.py for adding a look to an existing config.
"""

import importlib

from ncst_bridge.colour.defaults import CAMERA_LUT_SIZE, DEFAULT_CONFIG

# Everything else is imported on first use (numpy, OCIO; camera_luts pulls in colour-science), so
# importing a light sub-module such as ``colour.options`` for a parser stays fast.
_LAZY = {
    "LoadedConfig": "config",
    "check_space": "config",
    "colour_space_names": "config",
    "find_working_space": "config",
    "load_config": "config",
    "working_space_in": "config",
    "from_working": "convert",
    "to_working": "convert",
    "ColourSettings": "options",
    "add_colour_options": "options",
    "colour_settings": "options",
    "write_camera_luts": "camera_luts",
}

__all__ = [
    "CAMERA_LUT_SIZE",
    "DEFAULT_CONFIG",
    "ColourSettings",
    "LoadedConfig",
    "add_colour_options",
    "check_space",
    "colour_settings",
    "colour_space_names",
    "find_working_space",
    "from_working",
    "load_config",
    "to_working",
    "working_space_in",
    "write_camera_luts",
]


def __getattr__(name):
    if name in _LAZY:
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
