"""Colour management: camera log / wide-gamut input through OCIO, into the grade's working space.

The working space (where the grade's parameters mean what they say) is display-referred code values:
Rec.709 primaries, D65, sRGB encoding, [0, 1]. See convert.py for how other spaces reach it,
camera_luts.py for the from-camera exports, add_look.py for adding a look to an existing config.
``write_camera_luts`` is imported on first use (it pulls in colour-science, slow to import).
"""

from ncst_bridge.colour.config import (
    CAMERA_LUT_SIZE, DEFAULT_CONFIG, LoadedConfig, check_space, colour_space_names, find_working_space,
    load_config, working_space_in,
)
from ncst_bridge.colour.convert import from_working, to_working
from ncst_bridge.colour.options import ColourSettings, add_colour_options, colour_settings

__all__ = [
    "CAMERA_LUT_SIZE", "DEFAULT_CONFIG", "ColourSettings", "LoadedConfig", "add_colour_options",
    "check_space", "colour_settings", "colour_space_names", "find_working_space", "from_working",
    "load_config", "to_working", "working_space_in", "write_camera_luts",
]


def __getattr__(name):
    if name == "write_camera_luts":
        from ncst_bridge.colour.camera_luts import write_camera_luts

        return write_camera_luts
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
