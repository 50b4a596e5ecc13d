"""Resolve project colour settings -> NCST colour spaces and node placement (stdlib only, Python >= 3.8).

The bridge reads the keys in ``COLOUR_SETTING_KEYS`` with ``project.GetSetting(key)`` and passes them
as a dict to ``colour_plan``. The plan says, in OCIO names of the ACES studio config (what
``ncst --input-space`` takes):

* ``timeline_space`` -- the space nodes work in (what a node's CDL or LUT receives and must return);
  None when Resolve does not colour-manage the project (each clip is then in its own encoding);
* ``lut_space`` -- the space a LUT in a node is applied in (ACES projects may process node LUTs in
  ACEScc or linear AP0: ``colorAcesNodeLUTProcessingSpace``);
* ``still_space`` -- the space of frames written by ``ExportCurrentFrameAsStill`` (the project's output);
* ``cdl_applies`` -- True only when nodes work in the grade's working space (display-referred
  Rec.709/sRGB), where the bundle's CDL (SetCDL) and residual LUT are exact; otherwise the look must be
  applied as a LUT made for ``lut_space`` (``look_in_<space>.cube`` from ``ncst bake --input-space``);
* ``lut_file`` -- the bundle file to put on the node (``look.cube`` or ``look_in_<slug>.cube``);
* ``node_placement`` -- lines for the colourist; ``warnings`` -- what could not be mapped and why.

Names Resolve uses differ between versions and between the separate and combined colour-space/gamma
settings ("DaVinci WG" vs "DaVinci Wide Gamut", "S-Log3" vs "Sony S-Log3"); they are matched after
lower-casing and dropping every non-alphanumeric character. Unknown names give a warning, never a guess.
"""

from __future__ import annotations

import re

WORKING = "sRGB Encoded Rec.709 (sRGB)"  # the grade's working space in the ACES studio config

COLOUR_SETTING_KEYS = (
    "colorScienceMode", "isAutoColorManage", "rcmPresetMode", "separateColorSpaceAndGamma",
    "colorSpaceTimeline", "colorSpaceTimelineGamma", "colorSpaceOutput", "colorSpaceOutputGamma",
    "colorSpaceOutputToneMapping", "outputDRT", "colorAcesIDT", "colorAcesODT",
    "colorAcesNodeLUTProcessingSpace",
)

# (gamut spellings, gamma spellings, OCIO colour space). Spellings are normalised by _key().
_PAIRS = (
    (("davinciwg", "davinciwidegamut", "dwg"), ("davinciintermediate", "intermediate"),
     "DaVinci Intermediate WideGamut"),
    (("arriwidegamut3", "arriwg3", "awg3", "arrialexawidegamut", "alexawidegamut"),
     ("arrilogc3", "logc3", "arrilogc", "alexalogc", "logc"), "ARRI LogC3 (EI800)"),
    (("arriwidegamut4", "arriwg4", "awg4"), ("arrilogc4", "logc4"), "ARRI LogC4"),
    (("sonysgamut3cine", "sgamut3cine"), ("sonyslog3", "slog3"), "S-Log3 S-Gamut3.Cine"),
    (("sonysgamut3", "sgamut3"), ("sonyslog3", "slog3"), "S-Log3 S-Gamut3"),
    (("panasonicvgamut", "vgamut"), ("panasonicvlog", "vlog"), "V-Log V-Gamut"),
    (("blackmagicdesignwidegamutgen5", "blackmagicwidegamutgen5", "bmdwidegamutgen5", "blackmagicwidegamut"),
     ("blackmagicdesignfilmgen5", "blackmagicfilmgen5", "bmdfilmgen5"), "BMDFilm WideGamut Gen5"),
    (("rec709", "bt709"), ("srgb",), WORKING),
    (("srgb",), ("srgb",), WORKING),
    (("rec709", "bt709"), ("gamma24", "rec1886", "bt1886"), "Gamma 2.4 Encoded Rec.709"),
    (("rec709", "bt709"), ("gamma22",), "Gamma 2.2 Encoded Rec.709"),
    (("rec709", "bt709"), ("rec709", "bt709"), "Camera Rec.709"),
    (("rec709", "bt709", "srgb"), ("linear",), "Linear Rec.709 (sRGB)"),
    (("rec2020", "rec2100"), ("linear",), "Linear Rec.2020"),
    (("p3d65",), ("linear",), "Linear P3-D65"),
    (("acesap1", "acescg"), ("linear",), "ACEScg"),
    (("acesap0", "aces", "aces20651"), ("linear",), "ACES2065-1"),
    (("acesap1", "acescct"), ("acescct",), "ACEScct"),
    (("acesap1", "acescc"), ("acescc",), "ACEScc"),
)

_ACES_LUT_SPACE = {"acesccap1": "ACEScc", "acesap0linear": "ACES2065-1"}
_NO_TONE_MAPPING = ("", "none")


def _key(text):
    return re.sub(r"[^0-9a-z]", "", str(text or "").lower())


def slug(name):
    """File-name form of a colour space name; the same as ncst_bridge.colour.camera_luts.slug."""
    s = re.sub(r"[^0-9a-z]+", "_", str(name).lower()).strip("_")
    return s or "input"


def _get(settings, name):
    value = settings.get(name) if isinstance(settings, dict) else None
    if value is None or value is False:  # Resolve returns None or a bare False for unknown keys
        return ""
    return str(value).strip()


def space_for(gamut, gamma):
    """The OCIO space for a Resolve colour space + gamma pair, or None if not known."""
    g, t = _key(gamut), _key(gamma)
    for gamuts, gammas, name in _PAIRS:
        if g in gamuts and t in gammas:
            return name
    return None


def space_for_combined(text):
    """The OCIO space for a combined Resolve name such as 'Rec.709 Gamma 2.4' or 'DaVinci WG/Intermediate'."""
    k = _key(text)
    if not k:
        return None
    best = None
    for gamuts, gammas, name in _PAIRS:
        for gm in gamuts:
            for gt in gammas:
                if k in (gm + gt, gt + gm) or (k.startswith(gm) and k.endswith(gt)):
                    cand = (len(gm) + len(gt), name)
                    if best is None or cand[0] > best[0]:
                        best = cand
    return best[1] if best else None


def _pair(settings, space_key, gamma_key, warnings, what):
    gamut, gamma = _get(settings, space_key), _get(settings, gamma_key)
    separate = _get(settings, "separateColorSpaceAndGamma")
    if gamut and gamma and separate != "0":
        name = space_for(gamut, gamma)
        label = "%s / %s" % (gamut, gamma)
    else:
        name = space_for_combined(gamut) or (space_for(gamut, gamma) if gamma else None)
        label = gamut if not gamma else "%s / %s" % (gamut, gamma)
    if not gamut:
        warnings.append("%s colour space is not set (%s is empty)" % (what, space_key))
    elif name is None:
        warnings.append("%s colour space '%s' has no matching OCIO space in the ACES studio config; "
                        "NCST cannot convert it (set it to Rec.709 / sRGB, DaVinci WG / DaVinci Intermediate "
                        "or a camera log space)" % (what, label))
    return name


def _lut_file(space):
    return "look.cube" if space == WORKING else "look_in_%s.cube" % slug(space)


def colour_plan(settings):
    """Map Resolve's project colour settings (dict of strings) to NCST spaces and node placement."""
    warnings = []
    mode = _get(settings, "colorScienceMode")
    mkey = _key(mode)
    plan = {"mode": mode, "managed": False, "timeline_space": None, "lut_space": None, "still_space": None,
            "cdl_applies": False, "lut_file": None, "node_placement": [], "warnings": warnings}

    if mkey in ("", "davinciyrgb"):
        if not mode:
            warnings.append("colorScienceMode is not set; treated as DaVinci YRGB (not colour managed)")
        plan["node_placement"] = [
            "DaVinci YRGB, not colour managed: nodes see each clip in its own encoding.",
            "Rec.709/sRGB clips: one node with the bundle's CDL (look.cc, SetCDL) then residual.cube "
            "(or look.cube alone).",
            "Log clips: node 1 = Color Space Transform (input: the camera's gamut/gamma; output: Rec.709, "
            "gamma sRGB; tone mapping and gamut mapping None), node 2 = the NCST look; or one node with "
            "look_from_<space>.cube (from ncst bake/match --input-space), which holds both.",
        ]
        warnings.append("the project is not colour managed: the footage's encoding is not in the project "
                        "settings; pass --input-space for log clips")
        return plan

    if mkey in ("acescct", "acescc"):
        plan["managed"] = True
        timeline = "ACEScct" if mkey == "acescct" else "ACEScc"
        lut_mode = _key(_get(settings, "colorAcesNodeLUTProcessingSpace"))
        lut_space = _ACES_LUT_SPACE.get(lut_mode, timeline)
        if lut_mode and lut_mode not in _ACES_LUT_SPACE and lut_mode != "projectsetting":
            warnings.append("colorAcesNodeLUTProcessingSpace '%s' is unknown; assumed the timeline space %s"
                            % (_get(settings, "colorAcesNodeLUTProcessingSpace"), timeline))
        odt = _get(settings, "colorAcesODT")
        if odt and _key(odt) not in ("nooutputtransform", "none"):
            warnings.append("the ACES output transform '%s' tone-maps: stills exported from Resolve and the "
                            "viewer are rendered through it, while NCST matches in a colorimetric "
                            "(un-tone-mapped) Rec.709/sRGB working space; match on frames converted from "
                            "%s with --input-space %s for a faithful result" % (odt, timeline, timeline))
        plan.update(timeline_space=timeline, lut_space=lut_space, still_space=None,
                    lut_file=_lut_file(lut_space))
        plan["node_placement"] = [
            "ACES (%s): nodes work in %s; node LUTs are processed in %s." % (mode, timeline, lut_space),
            "Do not use the CDL on its own here: its numbers are meant for display-referred Rec.709/sRGB values.",
            "One node with %s (ncst bake/match --input-space '%s'): it converts to the working space, grades "
            "and converts back; or three nodes: ACES Transform (%s -> sRGB/Rec.709 display, no tone mapping), "
            "the NCST look (look.cc + residual.cube), ACES Transform back." % (plan["lut_file"], lut_space, timeline),
            "Highlights above the working space's white clip inside that node, as they do in the match.",
        ]
        return plan

    if mkey in ("davinciyrgbcolormanaged", "davinciyrgbcolormanagedv2"):
        plan["managed"] = True
        timeline = _pair(settings, "colorSpaceTimeline", "colorSpaceTimelineGamma", warnings, "timeline")
        output = _pair(settings, "colorSpaceOutput", "colorSpaceOutputGamma", warnings, "output")
        tone = _get(settings, "colorSpaceOutputToneMapping") or _get(settings, "outputDRT")
        if tone and _key(tone) not in _NO_TONE_MAPPING:
            warnings.append("output tone mapping '%s' is on: the viewer and exported stills differ from the "
                            "colorimetric working space NCST matches in; set it to None for a faithful match"
                            % tone)
        plan.update(timeline_space=timeline, lut_space=timeline, still_space=output,
                    cdl_applies=(timeline == WORKING),
                    lut_file=_lut_file(timeline) if timeline else None)
        if timeline == WORKING:
            plan["node_placement"] = [
                "Colour managed, timeline Rec.709 / sRGB: nodes work in NCST's working space.",
                "One node with the bundle's CDL (SetCDL) then residual.cube, or look.cube alone: exact.",
            ]
        elif timeline:
            plan["node_placement"] = [
                "Colour managed (%s): nodes work in the timeline space %s." % (mode, timeline),
                "Do not use the CDL on its own here: its numbers are meant for display-referred Rec.709/sRGB values.",
                "One node with %s (ncst bake/match --input-space '%s'); or three nodes: Color Space Transform "
                "(timeline -> Rec.709 / sRGB, tone and gamut mapping None), the NCST look (look.cc + "
                "residual.cube), Color Space Transform back (Rec.709 / sRGB -> timeline)." % (plan["lut_file"], timeline),
                "Highlights above the working space's white clip inside that node, as they do in the match.",
            ]
        else:
            plan["node_placement"] = [
                "Colour managed, but the timeline space is not one NCST can convert: set the timeline to "
                "DaVinci WG / DaVinci Intermediate or Rec.709 / sRGB, or grade with a CST sandwich by hand."]
        return plan

    warnings.append("colorScienceMode '%s' is unknown; NCST cannot tell which space nodes work in" % mode)
    return plan
