"""CLI options for colour management, shared by ``ncst match``, ``apply`` and ``bake``.

``add_colour_options(parser, ...)`` adds the options; ``colour_settings(args)`` checks every name
once, before any work starts (unknown space -> one-line error with close matches), and returns a
``ColourSettings`` whose methods do the conversions.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ncst_bridge.colour.defaults import CAMERA_LUT_SIZE, DEFAULT_CONFIG

if TYPE_CHECKING:  # numpy and OCIO are imported when colour settings are used, not by the parsers
    import numpy as np

    from ncst_bridge.colour.config import LoadedConfig

_SPACE_HELP = (
    "OCIO colour space of the {what} (a name, alias or role of --ocio-config, e.g. "
    "'ARRI LogC3 (EI800)', 'S-Log3 S-Gamut3.Cine', 'V-Log V-Gamut', 'DaVinci Intermediate "
    "WideGamut', 'ACEScct'); default: display-referred sRGB/Rec.709 code values, not converted"
)


def add_colour_options(
    parser: argparse.ArgumentParser,
    input_space: bool = True,
    reference: bool = False,
    output: bool = False,
    camera_luts: bool = False,
) -> None:
    """Add --input-space, --ocio-config and optionally --reference-space, --output-space and
    --camera-lut-size to a parser (argparse group "colour management")."""
    g = parser.add_argument_group("colour management")
    if input_space:
        g.add_argument("--input-space", metavar="SPACE", default=None, help=_SPACE_HELP.format(what="input"))
    if reference:
        g.add_argument(
            "--reference-space", metavar="SPACE", default=None, help=_SPACE_HELP.format(what="reference still")
        )
    if output:
        g.add_argument(
            "--output-space",
            metavar="SPACE",
            default=None,
            help="re-encode the graded result into this colour space (e.g. the input's log); "
            "default: the working space, display-referred sRGB/Rec.709",
        )
    g.add_argument(
        "--ocio-config",
        metavar="CONFIG",
        default=None,
        help=f"OCIO config file or ocio:// URI naming the colour spaces (default: {DEFAULT_CONFIG}, "
        f"OCIO's built-in ACES studio config)",
    )
    if camera_luts:
        g.add_argument(
            "--camera-lut-size",
            type=int,
            default=CAMERA_LUT_SIZE,
            metavar="N",
            help=f"lattice of the from-camera .cube written for --input-space (default {CAMERA_LUT_SIZE})",
        )


@dataclass(frozen=True)
class ColourSettings:
    """Checked colour-management choices. Space fields hold canonical names, or None (working space)."""

    config: LoadedConfig | None
    input_space: str | None = None
    reference_space: str | None = None
    output_space: str | None = None

    @property
    def working_space(self) -> str | None:
        from ncst_bridge.colour.config import working_space_in

        return working_space_in(self.config) if self.config is not None else None

    def input_to_working(self, rgb: np.ndarray) -> np.ndarray:
        """Clip/keyframe pixels (..., 3) into the working space (float64 in [0, 1])."""
        from ncst_bridge.colour.convert import to_working

        return to_working(rgb, self.input_space, self.config)

    def reference_to_working(self, rgb: np.ndarray) -> np.ndarray:
        """Reference-still pixels (..., 3) into the working space (float64 in [0, 1])."""
        from ncst_bridge.colour.convert import to_working

        return to_working(rgb, self.reference_space, self.config)

    def working_to_output(self, rgb: np.ndarray) -> np.ndarray:
        """Graded working-space pixels into --output-space (unchanged when it is not given)."""
        from ncst_bridge.colour.convert import from_working

        return from_working(rgb, self.output_space, self.config)

    def as_json(self) -> dict:
        return {
            "ocio_config": self.config.source if self.config else None,
            "working_space": self.working_space,
            "input_space": self.input_space,
            "reference_space": self.reference_space,
            "output_space": self.output_space,
        }


def colour_settings(args: argparse.Namespace) -> ColourSettings:
    """Check the colour options of parsed args (missing attributes count as not given)."""
    names = {k: getattr(args, k, None) for k in ("input_space", "reference_space", "output_space")}
    config_spec = getattr(args, "ocio_config", None)
    if not any(names.values()) and not config_spec:
        return ColourSettings(None)
    from ncst_bridge.colour.config import check_space, load_config, working_space_in

    loaded = load_config(config_spec)
    working = working_space_in(loaded)
    what = {
        "input_space": "input colour space",
        "reference_space": "reference colour space",
        "output_space": "output colour space",
    }
    canon = {}
    for key, value in names.items():
        if value:
            c = check_space(loaded, value, what[key])
            canon[key] = None if c == working else c
        else:
            canon[key] = None
    return ColourSettings(loaded, **canon)
