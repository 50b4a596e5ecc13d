"""The colour decisions of one run: the space Resolve's nodes work in, the space of each clip's
frames and of the reference still, and whether the look can go in as a CDL.

Stdlib only, Python >= 3.8. Once per run every key of ``colour_settings.COLOUR_SETTING_KEYS`` (plus
the default input space) is read with ``GetSetting(key)``: from the project, or from the timeline
when it has custom settings (``useCustomSettings`` "1"). Resolve answers unknown keys with None, a
bare False or "" -- all allowed. ``colour_settings.colour_plan`` maps them to OCIO names; then:

* nodes work in the grade's working space (not colour managed, or a Rec.709/sRGB timeline): the CDL
  path -- SetCDL on node 1, residual LUT on node 2 (``cdl_applies``);
* nodes work in another space the plan names (RCM DaVinci WG/Intermediate, ACEScct, a camera log):
  no CDL, ``look_in_<space>.cube`` (the look converted in and out of that space) on node 1;
* a colour-managed project whose node space NCST cannot convert (HDR PQ/HLG, unknown names): refused
  before anything is written, because a display-referred CDL on those nodes would be wrong, not
  approximate;
* settings that cannot be read, or a ``colorScienceMode`` NCST does not know: display-referred, the
  CDL path, with a warning (how every project was treated before the bridge read the settings).

Frames: media files are decoded before Resolve's input transform, so they are in the clip's own
encoding (the clip attribute "Input Color Space" -- "IDT" in ACES -- or the project's default
input space), not the node space; stills exported from the viewer are in the output space.
``ncst match`` gets ``--input-space`` for the frames, and the node LUT is made for the node space
(by ``ncst bake --input-space`` when the two differ).
"""

import re

from .api import call
from .colour_settings import COLOUR_SETTING_KEYS, WORKING, colour_plan, slug, space_for, space_for_combined
from .errors import BridgeError

INPUT_KEYS = ("colorSpaceInput", "colorSpaceInputGamma")
ALL_KEYS = tuple(COLOUR_SETTING_KEYS) + INPUT_KEYS
CLIP_INPUT_KEY = {"rcm": "Input Color Space", "aces": "IDT"}
# clip attribute values that mean "the project's default input space" [UNCONFIRMED spellings]
PROJECT_DEFAULT = ("", "project", "projectsetting", "projectsettings", "default", "useproject",
                   "useprojectsetting", "useprojectsettings")
BYPASS = ("bypass",)   # RCM: the clip is not converted, nodes see its code values as the timeline's


def _key(text):
    return re.sub(r"[^0-9a-z]", "", str(text or "").lower())


def _text(value):
    """A setting as text ("" for None, False and anything empty)."""
    if value is None or value is False:
        return ""
    return str(value).strip()


def _jsonable(value):
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def look_in_name(space):
    """The bundle file that holds the look inside ``space`` (``ncst match/bake --input-space``)."""
    return "look_in_%s.cube" % slug(space)


def read_settings(session):
    """(settings dict as Resolve answered, where they came from)."""
    project = dict((k, _jsonable(call(session.project, "GetSetting", k))) for k in ALL_KEYS)
    if _text(call(session.timeline, "GetSetting", "useCustomSettings")) == "1":
        own = dict((k, _jsonable(call(session.timeline, "GetSetting", k))) for k in ALL_KEYS)
        if _text(own.get("colorScienceMode")):
            merged = dict((k, own[k] if _text(own[k]) else project[k]) for k in ALL_KEYS)
            return merged, "timeline (custom settings)"
    return project, "project"


def _pair_space(gamut, gamma, separate):
    """The OCIO space of a Resolve colour space (+ gamma) setting pair, or None."""
    if not gamut:
        return None
    if gamma and separate != "0":
        return space_for(gamut, gamma) or space_for_combined(gamut)
    return space_for_combined(gamut) or (space_for(gamut, gamma) if gamma else None)


class ColourContext(object):
    """What the project's colour settings mean for this run (see the module docstring)."""

    def __init__(self, settings, source, config):
        self.settings = settings
        self.source = source
        self.input_override = config.get("input_space")
        self.reference_override = config.get("reference_space")
        self.plan = colour_plan(settings)
        self.warnings = []
        mkey = _key(self.plan["mode"])
        self.family = "aces" if mkey in ("acescct", "acescc") else "rcm" if self.plan["managed"] else None
        if config.get("colour_management") == "off":
            self.handling = "off"
            self.node_space = self.input_override
            self.warnings.append("colour_management is off: the project's colour settings are ignored; nodes are "
                                 "taken to work in display-referred Rec.709/sRGB%s" % (
                                     "" if not self.input_override else
                                     " (or in input_space '%s', the clips' own encoding)" % self.input_override))
            self.family = None
        elif self.plan["managed"]:
            self.handling = "managed"
            self.warnings.extend(self.plan["warnings"])
            self.node_space = self.plan["lut_space"]
            if not self.node_space:
                raise BridgeError(
                    "refused: the project is colour managed (%s) but its timeline colour space is not one NCST can "
                    "convert (%s), so the space Resolve's nodes work in is unknown and neither a CDL nor a LUT can "
                    "be made for it. Set the timeline colour space to Rec.709 / sRGB, DaVinci WG / DaVinci "
                    "Intermediate or a camera log space, or set colour_management to off "
                    "(NCST_COLOUR_MANAGEMENT=off) to write the display-referred CDL anyway"
                    % (self.plan["mode"], self._timeline_label()))
        else:
            self.handling = "not managed" if mkey == "davinciyrgb" else "fallback"
            self.warnings.extend(self.plan["warnings"])
            if self.handling == "fallback":
                self.warnings.append("NCST cannot tell which space the nodes work in (colorScienceMode %r); "
                                     "fell back to display-referred Rec.709/sRGB matching and the CDL path: check "
                                     "the result, or set the project's colour settings and run again"
                                     % (self.plan["mode"] or "unreadable"))
            # not colour managed: nodes see each clip as recorded, so input_space names the node space too
            self.node_space = self.input_override
            if not self.input_override:
                self.warnings.append("for log or wide-gamut media in this project set input_space "
                                     "(NCST_INPUT_SPACE) to its OCIO colour space: the look then goes on node 1 "
                                     "as look_in_<space>.cube, without the CDL")
        self.cdl_applies = self.node_space in (None, WORKING)

    def _timeline_label(self):
        gamut = _text(self.settings.get("colorSpaceTimeline"))
        gamma = _text(self.settings.get("colorSpaceTimelineGamma"))
        return ("%s / %s" % (gamut, gamma) if gamma else gamut) or "not set"

    def describe(self):
        """Lines for the log."""
        mode = self.plan["mode"] or "unreadable"
        if self.cdl_applies:
            where = ("nodes work in display-referred Rec.709/sRGB: CDL on node 1, residual LUT on node 2"
                     if self.node_space is None or self.handling != "managed" else
                     "the timeline is Rec.709/sRGB, NCST's working space: CDL on node 1, residual LUT on node 2")
        else:
            where = "nodes work in '%s': no CDL; the look goes in as one LUT, %s, on node 1" % (
                self.node_space, look_in_name(self.node_space))
        return ["colour: %s (settings from the %s, colorScienceMode %s): %s" % (
            self.handling, self.source, mode, where)]

    # --- per clip and per reference -------------------------------------------------------------

    def reference_space(self, reference):
        """(OCIO space or None for display-referred, why) of the reference still."""
        if self.reference_override:
            return self._or_none(self.reference_override), "reference_space setting"
        if reference.origin == "gallery" and self.family is not None and self.plan["timeline_space"]:
            return (self._or_none(self.plan["timeline_space"]),
                    "a gallery still is exported in the timeline colour space (not through the output "
                    "transform); set reference_space if your build differs")
        return None, "a still file; set reference_space if it is in another space"

    def frames_space(self, target, source):
        """(OCIO space or None for display-referred, why, warnings) of the frames ``ncst match`` gets.

        Raises BridgeError when a colour-managed project's clip is in a space NCST cannot name.
        """
        notes = []
        if source.kind == "stills":
            if self.family is None:
                return None, "frames exported from the viewer", notes
            if self.plan["still_space"]:
                return (self._or_none(self.plan["still_space"]),
                        "frames exported from the viewer are in the project's output space", notes)
            notes.append("frames exported from the viewer went through the output transform (%s), which NCST "
                         "cannot undo; they were matched as display-referred Rec.709/sRGB"
                         % (_text(self.settings.get("colorAcesODT")) or "unknown"))
            return None, "frames exported from the viewer (output transform, treated as display-referred)", notes
        if self.input_override:
            return self._or_none(self.input_override), "input_space setting", notes
        if self.family is None:
            return None, "the media's own code values; set input_space for log media", notes
        mpi = call(target.item, "GetMediaPoolItem")
        props = call(mpi, "GetClipProperty")
        props = props if isinstance(props, dict) else {}

        def prop(name):
            v = props.get(name)
            return _text(v) if _text(v) else _text(call(mpi, "GetClipProperty", name))
        attr = CLIP_INPUT_KEY[self.family]
        value = prop(attr)
        lut = prop("Input LUT")
        if lut and _key(lut) not in ("none", "noinputlut"):
            notes.append("the clip has an Input LUT (%s), which Resolve applies before the nodes; the frames "
                         "decoded from the media file do not include it" % lut)
        if self.family == "rcm" and _key(value) in BYPASS:
            return (self._or_none(self.plan["timeline_space"]),
                    "clip attribute %s is Bypass: the media is taken as the timeline space" % attr, notes)
        if _key(value) in PROJECT_DEFAULT:
            if self.family == "aces":
                default = _text(self.settings.get("colorAcesIDT"))
                space = space_for_combined(default)
            else:
                gamut = _text(self.settings.get("colorSpaceInput"))
                gamma = _text(self.settings.get("colorSpaceInputGamma"))
                default = ("%s / %s" % (gamut, gamma)) if gamma else gamut
                space = _pair_space(gamut, gamma, _text(self.settings.get("separateColorSpaceAndGamma")))
            how = "the project's default %s %r (the clip attribute %s is %s)" % (
                "IDT" if self.family == "aces" else "input colour space", default or "", attr,
                repr(value) if value else "empty")
            if space:
                notes.append("%s: assumed %s; set input_space if the media is in another space"
                             % (target.name, how))
                return self._or_none(space), how, notes
            raise BridgeError("%s: cannot tell which colour space the media is in: %s has no OCIO equivalent "
                              "NCST knows; set the clip's input colour space in Resolve, or input_space "
                              "(NCST_INPUT_SPACE) to the media's OCIO colour space" % (target.name, how))
        space = space_for_combined(value)
        if "/" in value and not space:
            gamut, gamma = value.split("/", 1)
            space = space_for(gamut, gamma)
        if not space:
            raise BridgeError("%s: the clip's input colour space %r (clip attribute %s) has no OCIO equivalent "
                              "NCST knows; set input_space (NCST_INPUT_SPACE) to the media's OCIO colour space"
                              % (target.name, value, attr))
        return self._or_none(space), "clip attribute %s %r" % (attr, value), notes

    @staticmethod
    def _or_none(space):
        return None if space == WORKING else space

    def record(self):
        return {"handling": self.handling, "settings_from": self.source, "settings": dict(self.settings),
                "plan": self.plan, "node_space": self.node_space, "cdl_applies": self.cdl_applies,
                "input_space_setting": self.input_override, "reference_space_setting": self.reference_override,
                "warnings": list(self.warnings)}


def prepare(session, config):
    """Read the settings once and decide; BridgeError when the run must be refused."""
    settings, source = read_settings(session)
    return ColourContext(settings, source, config)


def match_options(frames_space, reference_space, config):
    """The colour options for ``ncst match``."""
    out = []
    if frames_space:
        out += ["--input-space", frames_space]
    if reference_space:
        out += ["--reference-space", reference_space]
    if config.get("ocio_config"):
        out += ["--ocio-config", config["ocio_config"]]
    if frames_space and config.get("camera_lut_size"):
        out += ["--camera-lut-size", str(int(config["camera_lut_size"]))]
    return out
