"""A fake DaVinci Resolve scripting API, written from Blackmagic's scripting README (Developer/Scripting/README.txt).

It models the objects the NCST bridge touches (Resolve, ProjectManager, Project, Timeline,
TimelineItem, MediaPoolItem, Graph, Gallery, Fusion's UIManager) and the documented quirks:

* node indexes are 1-based; index 0 or > GetNumNodes() fails with a bare False;
* SetCDL takes strings; Python lists/numbers "succeed" (True) but the clip renders solid red;
* SetLUT fails until RefreshLUTList has discovered the file; per-user LUT folder paths fail;
  a .cube whose row count is not N^3 fails; GetLUT answers the path relative to the LUT folder;
* GetCurrentVideoItem answers None over gaps, with a modal open, or (``current_item_none``) always;
* drop-frame timecode (";" separator, skipped labels); SetCurrentTimecode refuses timecodes
  below the start and on the Media/Fusion pages;
* every attribute "exists" (hasattr is always true; unknown methods return None), while dir()
  lists only the methods this version has;
* ExportStills answers False unless the Gallery panel is open on the Color page;
* there is no GetCDL;
* method sets differ by version: TimelineItem.GetNumNodes/SetLUT/GetLUT before 19.0, the Graph
  API from 19.0, GetSourceStartFrame from 19.0.2, ExportCurrentFrameAsStill from 18.5,
  Timeline.ApplyGradeFromDRX until 19.1, IsStudio documented from 21.1;
* free vs Studio: UIManager is None on free 19.1+, external scripting answers None on free;
* project (and custom timeline) settings: GetSetting(key) answers strings, "" for a key it does not
  know (the README's "trivial result"), everything with no argument; SetSetting wants strings and
  answers False for unknown keys and for the colour spaces ACES makes read-only. Colour settings
  come from presets with the values Resolve's project settings use (``COLOUR_PRESETS``), or from a
  spec dict, whose values may be None/False to play builds that do not know a key;
* clips carry their colour attributes ("Input Color Space", "IDT", "Input LUT");
* .cube files: 3D, 1D, or Resolve's shaper form (LUT_1D_SIZE + LUT_3D_SIZE in one file).

The file is standard library only and runs on Python 3.8 (the bridge's own floor), so the
installed menu file can be run against it by an old interpreter too.
"""

import copy
import json
import os
import re
import shutil
import struct
import zlib

PAGES = ("media", "cut", "edit", "fusion", "color", "fairlight", "deliver")
TC_PAGES = ("cut", "edit", "color", "fairlight", "deliver")
ACTIVE = None  # the world a fake DaVinciResolveScript module answers with


# --- timecode, written independently of the bridge: by counting labels, not by formula --------

_TC_CACHE = {}


def _labels(fps_text, drop, upto):
    """Every timecode label from 00:00:00:00 on, in order, as a clock counts (drop-frame skips)."""
    key = (str(fps_text), bool(drop))
    ent = _TC_CACHE.setdefault(key, {"list": [], "index": {}, "next": (0, 0, 0, 0)})
    nom = int(round(float(fps_text)))
    d = nom // 15 if drop else 0
    h, m, s, f = ent["next"]
    while len(ent["list"]) <= upto:
        ent["index"][(h, m, s, f)] = len(ent["list"])
        ent["list"].append((h, m, s, f))
        f += 1
        if f == nom:
            f, s = 0, s + 1
            if s == 60:
                s, m = 0, m + 1
                if m == 60:
                    m, h = 0, h + 1
                if d and m % 10 != 0:
                    f = d  # labels 0..d-1 do not exist at the start of this minute
    ent["next"] = (h, m, s, f)
    return ent


def fake_tc_to_frame(tc, fps_text, drop):
    m = re.match(r"^(\d+)[:;](\d\d)[:;](\d\d)[:;](\d\d)$", tc.strip())
    if not m:
        return None
    label = tuple(int(x) for x in m.groups())
    nom = int(round(float(fps_text)))
    if label[1] > 59 or label[2] > 59 or label[3] >= nom:
        return None
    ent = _labels(fps_text, drop, ((label[0] * 60 + label[1]) * 60 + label[2]) * nom + label[3])
    return ent["index"].get(label)


def fake_frame_to_tc(frame, fps_text, drop):
    h, m, s, f = _labels(fps_text, drop, frame)["list"][frame]
    return "%02d:%02d:%02d%s%02d" % (h, m, s, ";" if drop else ":", f)


# --- tiny PNG writer (stdlib) ---------------------------------------------------------------------

def write_png(path, rgb, width=32, height=18):
    raw = b"".join(b"\x00" + bytes(bytearray(rgb)) * width for _ in range(height))

    def chunk(tag, data):
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)
    with open(path, "wb") as fh:
        fh.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
                 + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def cube_is_valid(path):
    """Resolve refuses a .cube whose row count is not N^3 (3D), N (1D) or N1 + N3^3 (shaper + 3D)."""
    try:
        with open(path, "r") as fh:
            lines = [ln.strip() for ln in fh if ln.strip() and not ln.startswith("#")]
    except OSError:
        return False
    size_1d = size_3d = None
    rows = 0
    for ln in lines:
        if ln.startswith("LUT_3D_SIZE"):
            size_3d = int(ln.split()[1])
        elif ln.startswith("LUT_1D_SIZE"):
            size_1d = int(ln.split()[1])
        elif re.match(r"^[-+0-9.eE]+\s+[-+0-9.eE]+\s+[-+0-9.eE]+$", ln):
            rows += 1
    if size_1d is None and size_3d is None:
        return False
    return rows == (size_1d or 0) + (size_3d or 0) ** 3


# --- project colour settings -------------------------------------------------------------------
# Values as Resolve's Project Settings > Color Management show them (key names and the enumerated
# values of colorScienceMode, rcmPresetMode, tone mapping and colorAcesNodeLUTProcessingSpace from
# the 21.1 doc-site; colour space names as the UI lists them, separate or combined with the gamma).

_ACES_DEFAULTS = {"colorAcesIDT": "No Input Transform", "colorAcesODT": "No Output Transform",
                  "colorAcesNodeLUTProcessingSpace": "projectSetting"}
COLOUR_PRESETS = {
    # DaVinci YRGB (not colour managed), Rec.709 Gamma 2.4: the default project
    "yrgb": dict(_ACES_DEFAULTS, colorScienceMode="davinciYRGB", isAutoColorManage="0", rcmPresetMode="Custom",
                 separateColorSpaceAndGamma="0", colorSpaceTimeline="Rec.709 Gamma 2.4",
                 colorSpaceTimelineGamma="Gamma 2.4", colorSpaceInput="Rec.709 Gamma 2.4",
                 colorSpaceInputGamma="Gamma 2.4", colorSpaceOutput="Rec.709 Gamma 2.4",
                 colorSpaceOutputGamma="Gamma 2.4", colorSpaceOutputToneMapping="None", outputDRT="None",
                 inputDRT="None"),
    # DaVinci YRGB Color Managed v2, "DaVinci Wide Gamut" preset: DaVinci WG / Intermediate timeline
    "rcm_dwg": dict(_ACES_DEFAULTS, colorScienceMode="davinciYRGBColorManagedv2", isAutoColorManage="0",
                    rcmPresetMode="Custom", separateColorSpaceAndGamma="1", colorSpaceTimeline="DaVinci WG",
                    colorSpaceTimelineGamma="DaVinci Intermediate", colorSpaceInput="Rec.709",
                    colorSpaceInputGamma="Gamma 2.4", colorSpaceOutput="Rec.709", colorSpaceOutputGamma="Gamma 2.4",
                    colorSpaceOutputToneMapping="DaVinci", outputDRT="DaVinci", inputDRT="DaVinci"),
    # the same with the combined names (separate colour space and gamma off)
    "rcm_dwg_combined": dict(_ACES_DEFAULTS, colorScienceMode="davinciYRGBColorManagedv2", isAutoColorManage="0",
                             rcmPresetMode="Custom", separateColorSpaceAndGamma="0",
                             colorSpaceTimeline="DaVinci WG/Intermediate", colorSpaceTimelineGamma="",
                             colorSpaceInput="Rec.709 Gamma 2.4", colorSpaceInputGamma="",
                             colorSpaceOutput="Rec.709 Gamma 2.4", colorSpaceOutputGamma="",
                             colorSpaceOutputToneMapping="None", outputDRT="None", inputDRT="None"),
    # Color Managed with a Rec.709 / sRGB timeline: nodes work in NCST's working space
    "rcm_srgb": dict(_ACES_DEFAULTS, colorScienceMode="davinciYRGBColorManagedv2", isAutoColorManage="0",
                     rcmPresetMode="Custom", separateColorSpaceAndGamma="1", colorSpaceTimeline="Rec.709",
                     colorSpaceTimelineGamma="sRGB", colorSpaceInput="Rec.709", colorSpaceInputGamma="sRGB",
                     colorSpaceOutput="Rec.709", colorSpaceOutputGamma="sRGB", colorSpaceOutputToneMapping="None",
                     outputDRT="None", inputDRT="None"),
    # Color Managed, HDR: Rec.2020 / ST 2084 (PQ) timeline and output
    "rcm_hdr_pq": dict(_ACES_DEFAULTS, colorScienceMode="davinciYRGBColorManagedv2", isAutoColorManage="0",
                       rcmPresetMode="Custom", separateColorSpaceAndGamma="1", colorSpaceTimeline="Rec.2020",
                       colorSpaceTimelineGamma="Rec.2100 ST2084", colorSpaceInput="Rec.709",
                       colorSpaceInputGamma="Gamma 2.4", colorSpaceOutput="Rec.2020",
                       colorSpaceOutputGamma="Rec.2100 ST2084", colorSpaceOutputToneMapping="DaVinci",
                       outputDRT="DaVinci", inputDRT="DaVinci"),
    # ACEScct, Rec.709 output transform; node LUTs in the project's (timeline) space
    "acescct": {"colorScienceMode": "acescct", "isAutoColorManage": "0", "rcmPresetMode": "Custom",
                "separateColorSpaceAndGamma": "0", "colorSpaceTimeline": "ACEScct", "colorSpaceTimelineGamma": "",
                "colorSpaceInput": "", "colorSpaceInputGamma": "", "colorSpaceOutput": "", "colorSpaceOutputGamma": "",
                "colorSpaceOutputToneMapping": "None", "outputDRT": "None", "inputDRT": "None",
                "colorAcesIDT": "No Input Transform", "colorAcesODT": "Rec.709",
                "colorAcesNodeLUTProcessingSpace": "projectSetting"},
}
ACES_READ_ONLY = ("colorSpaceTimeline", "colorSpaceTimelineGamma", "colorSpaceInput", "colorSpaceInputGamma",
                  "colorSpaceOutput", "colorSpaceOutputGamma")


def colour_settings_from_spec(value):
    """A preset name, or a dict (``"preset"`` plus overrides; values may be None/False), -> settings."""
    if value is None:
        return dict(COLOUR_PRESETS["yrgb"])
    if isinstance(value, str):
        return dict(COLOUR_PRESETS[value])
    out = dict(COLOUR_PRESETS[value["preset"]]) if value.get("preset") else {}
    out.update((k, v) for k, v in value.items() if k != "preset")
    return out


# --- the "every attribute exists" object model -------------------------------------------------

class _Missing(object):
    """What Resolve gives for a method it does not have: something callable that answers None."""

    def __init__(self, world, owner, name):
        self._world, self._owner, self._name = world, owner, name

    def __call__(self, *args, **kwargs):
        self._world.calls.append((self._owner, self._name, args, "missing"))
        return None


class FakeObject(object):
    # method name -> (since, until): present when since <= version < until (None = unbounded)
    VERSIONS = {}

    def __init__(self, world):
        self._world = world

    def _has(self, name):
        rng = type(self).VERSIONS.get(name)
        if rng is None:
            return True
        v = self._world.version
        return (rng[0] is None or v >= rng[0]) and (rng[1] is None or v < rng[1])

    def __getattribute__(self, name):
        if name[:1].isupper():
            cls = type(self)
            world = object.__getattribute__(self, "_world")
            attr = getattr(cls, name, None)
            if isinstance(attr, property):
                return object.__getattribute__(self, name)
            if not callable(attr) or not object.__getattribute__(self, "_has")(name):
                return _Missing(world, cls.__name__, name)
            method = object.__getattribute__(self, name)

            def logged(*args):
                world.calls.append((cls.__name__, name, args, "call"))
                return method(*args)
            return logged
        return object.__getattribute__(self, name)

    def __getattr__(self, name):  # anything else "exists" too: hasattr() is always True
        return _Missing(object.__getattribute__(self, "_world"), type(self).__name__, name)

    def __dir__(self):
        cls = type(self)
        return sorted(n for n in dir(cls) if n[:1].isupper() and self._has(n)
                      and (callable(getattr(cls, n)) or isinstance(getattr(cls, n), property)))


# --- grades --------------------------------------------------------------------------------------

class Node(object):
    def __init__(self, label=""):
        self.label = label
        self.cdl = None       # parsed floats of the last SetCDL
        self.cdl_raw = None   # the dict exactly as passed
        self.lut = ""         # relative path as GetLUT answers

    def state(self):
        return {"label": self.label, "cdl": self.cdl, "lut": self.lut}


class Grade(object):
    def __init__(self, nodes=1):
        self.nodes = [Node() for _ in range(nodes)]
        self.red = False  # the clip renders a solid red frame (SetCDL given non-strings)

    def state(self):
        return {"nodes": [n.state() for n in self.nodes], "red": self.red}


def _three(value):
    parts = value.split()
    if len(parts) != 3:
        return None
    try:
        return [float(p) for p in parts]
    except ValueError:
        return None


# --- the API -------------------------------------------------------------------------------------

class FakeResolve(FakeObject):
    VERSIONS = {"IsStudio": ((21, 1), None), "GetKeyframeMode": ((19, 0), None)}

    def GetProductName(self):
        return "DaVinci Resolve Studio" if self._world.studio else "DaVinci Resolve"

    def GetVersion(self):
        return None if self._world.hide_version else list(self._world.version) + [""]

    def GetVersionString(self):
        return None if self._world.hide_version else "%d.%d.%d.%d" % self._world.version

    def IsStudio(self):
        return self._world.studio

    def GetKeyframeMode(self):
        return 0

    def GetProjectManager(self):
        return self._world.project_manager

    def GetCurrentPage(self):
        return None if self._world.modal else self._world.page

    def OpenPage(self, name):
        pages = PAGES + (("photo",) if self._world.version >= (21, 0, 2) else ())
        if self._world.modal or name not in pages:
            return False
        self._world.page = name
        return True

    def Fusion(self):
        return self._world.fusion


class FakeProjectManager(FakeObject):
    def GetCurrentProject(self):
        return self._world.project

    def SaveProject(self):
        return False


class FakeProject(FakeObject):
    VERSIONS = {"ExportCurrentFrameAsStill": ((18, 5), None), "GetUniqueId": ((18, 0), None)}

    def GetName(self):
        return "Fake Project"

    def GetUniqueId(self):
        return "project-1"

    def GetCurrentTimeline(self):
        return self._world.timeline

    def GetGallery(self):
        return self._world.gallery

    def _settings(self):
        tl = self._world.timeline
        settings = {"timelineFrameRate": tl.fps_setting, "timelineDropFrameTimecode": "1" if tl.drop else "0",
                    "timelineResolutionWidth": "1920", "timelineResolutionHeight": "1080"}
        settings.update(self._world.colour_settings)
        return settings

    def GetSetting(self, name=None):
        settings = self._settings()
        if name is None or name == "":
            return dict((k, v) for k, v in settings.items() if v is not None)
        return settings.get(name, "")  # an unknown key: a "trivial result", not an error

    def SetSetting(self, name, value):
        w = self._world
        if w.modal or not isinstance(value, str) or name not in self._settings():
            return False
        if name in w.colour_settings and w.colour_settings[name] is None:
            return False  # a key this build does not have
        if name in ACES_READ_ONLY and str(w.colour_settings.get("colorScienceMode", "")).startswith("aces"):
            return False  # read-only under ACES [README: custom colorspaces in an ACES workflow]
        if name == "timelineFrameRate":
            return False  # not modelled
        w.colour_settings[name] = value
        return True

    def RefreshLUTList(self):
        w = self._world
        w.discovered = set()
        for root in w.lut_roots:
            for folder, _, files in os.walk(root):
                for f in files:
                    if f.lower().endswith(".cube"):
                        rel = os.path.relpath(os.path.join(folder, f), root).replace(os.sep, "/")
                        w.discovered.add(rel)
        return True

    def ExportCurrentFrameAsStill(self, path):
        w = self._world
        if w.modal or w.page not in TC_PAGES or not os.path.splitext(path)[1].lower() in (".png", ".jpg", ".tif", ".dpx"):
            return False
        tl = w.timeline
        item = tl.item_at(tl.playhead)
        rgb = (0, 0, 0) if item is None else item.frame_colour(tl.playhead)
        if item is not None and item.still_image:
            shutil.copyfile(item.still_image, path)
        else:
            write_png(path, rgb)
        w.exported_frames.append((tl.playhead, path))
        return True


class FakeTimeline(FakeObject):
    VERSIONS = {"GetNodeGraph": ((19, 0), None), "ApplyGradeFromDRX": (None, (19, 1)),
                "GetUniqueId": ((18, 0), None)}

    def __init__(self, world, name, fps, drop, start_tc, fps_setting=None):
        FakeObject.__init__(self, world)
        self.name, self.fps, self.drop = name, fps, drop
        self.fps_setting = fps_setting or fps
        self.start = fake_tc_to_frame(start_tc.replace(";", ":"), fps, drop)
        self.tracks = []
        self.playhead = self.start
        self.custom_settings = {}

    def item_at(self, frame):
        for track in reversed(self.tracks):
            for it in track:
                if it.start <= frame < it.start + it.duration:
                    return it
        return None

    def GetName(self):
        return self.name

    def GetUniqueId(self):
        return "timeline-1"

    def GetSetting(self, name=None):
        """Project values unless useCustomSettings is "1" (then this timeline's own, where it has them)."""
        own = self.custom_settings
        custom = own.get("useCustomSettings") == "1"
        if name is None or name == "":
            out = self._world.project.GetSetting()
            if custom:
                out.update((k, v) for k, v in own.items() if v is not None)
            return out
        if name == "useCustomSettings":
            return own.get("useCustomSettings", "0")
        if custom and name in own:
            return own[name]
        return self._world.project.GetSetting(name)

    def GetStartFrame(self):
        return self.start

    def GetEndFrame(self):
        return max([it.start + it.duration for t in self.tracks for it in t] + [self.start])

    def GetStartTimecode(self):
        return fake_frame_to_tc(self.start, self.fps, self.drop)

    def GetCurrentTimecode(self):
        if self._world.page not in TC_PAGES:
            return ""
        return fake_frame_to_tc(self.playhead, self.fps, self.drop)

    def SetCurrentTimecode(self, tc):
        if self._world.modal or self._world.page not in TC_PAGES or not isinstance(tc, str):
            return False
        frame = fake_tc_to_frame(tc.replace(";", ":"), self.fps, self.drop)
        if frame is None or frame < self.start:
            return False
        self.playhead = frame
        return True

    def GetCurrentVideoItem(self):
        if self._world.modal or self._world.current_item_none:
            return None
        return self.item_at(self.playhead)

    def GetTrackCount(self, kind):
        return len(self.tracks) if kind == "video" else 0

    def GetItemListInTrack(self, kind, index):
        if kind != "video" or not 1 <= index <= len(self.tracks):
            return None
        return sorted(self.tracks[index - 1], key=lambda it: it.start)

    def GetNodeGraph(self):
        return FakeGraph(self._world, None, None, Grade(0))

    def ApplyGradeFromDRX(self, path, mode, items):
        return False


class FakeMediaPoolItem(FakeObject):
    def __init__(self, world, props):
        FakeObject.__init__(self, world)
        self.props = props

    def GetName(self):
        return self.props.get("Clip Name", "")

    def GetClipProperty(self, name=None):
        if name is None:
            return dict(self.props)
        return self.props.get(name, "")


class FakeTimelineItem(FakeObject):
    VERSIONS = {
        "GetNumNodes": ((17, 4, 6), (19, 0)), "SetLUT": (None, (19, 0)), "GetLUT": ((17, 4, 6), (19, 0)),
        "GetNodeLabel": ((18, 5), (19, 0)), "GetNodeGraph": ((19, 0), None),
        "GetSourceStartFrame": ((19, 0, 2), None), "GetSourceEndFrame": ((19, 0, 2), None),
        "GetUniqueId": ((18, 0), None), "GetTrackTypeAndIndex": ((19, 0), None),
    }

    def __init__(self, world, spec, timeline, track):
        FakeObject.__init__(self, world)
        self.name = spec["name"]
        self.kind = spec.get("kind", "media")  # media | generator | compound | still
        self.start = timeline.start + int(spec.get("start", 0))
        self.duration = int(spec["duration"])
        self.track = track
        self.colour = tuple(spec.get("colour", (120, 100, 80)))
        self.still_image = spec.get("still_image")
        self.media_fps = float(spec.get("media_fps", float(timeline.fps)))
        self.source_start = int(spec.get("source_start", 0))
        self.locked = bool(spec.get("locked", False))
        self.uid = "item-%s-%d" % (self.name, self.start)
        self.mpi = None
        if self.kind in ("media", "compound", "still"):
            props = {"Clip Name": self.name, "File Path": spec.get("file", ""), "FPS": self.media_fps,
                     "Type": {"media": "Video", "compound": "Timeline", "still": "Still"}[self.kind],
                     "Frames": str(spec.get("frames", self.source_start + self.duration + 100)),
                     "Start": "0", "Drop frame": "0", "Resolution": "1920x1080",
                     "Input Color Space": spec.get("input_colour_space", ""), "IDT": spec.get("idt", ""),
                     "Input LUT": spec.get("input_lut", "")}
            self.mpi = FakeMediaPoolItem(world, props)
        self.versions = {}  # (name, type) -> Grade
        self.order = []
        for vname in spec.get("versions", ["Version 1"]):
            g = Grade(int(spec.get("nodes", 2)))
            for k, lut in (spec.get("luts") or {}).items():
                g.nodes[int(k) - 1].lut = lut
            self.versions[(vname, 0)] = g
            self.order.append((vname, 0))
        self.current = self.order[0]

    @property
    def grade(self):
        return self.versions[self.current]

    def frame_colour(self, frame):
        return self.colour

    def state(self):
        return {"name": self.name, "current": list(self.current), "versions": [
            {"name": k[0], "type": k[1], "grade": self.versions[k].state()} for k in self.order]}

    # positions
    def GetName(self):
        return self.name

    def GetUniqueId(self):
        return self.uid

    def GetStart(self, subframe=False):
        return self.start

    def GetEnd(self, subframe=False):
        return self.start + self.duration

    def GetDuration(self, subframe=False):
        return self.duration

    def _tl_fps(self):
        return float(self._world.timeline.fps)

    def GetLeftOffset(self, subframe=False):
        return int(round(self.source_start * self._tl_fps() / self.media_fps))

    def GetRightOffset(self, subframe=False):
        return 0

    def GetSourceStartFrame(self):
        return self.source_start

    def GetSourceEndFrame(self):
        n = int(round(self.duration * self.media_fps / self._tl_fps()))
        same = abs(self.media_fps - self._tl_fps()) < 1e-6
        return self.source_start + n if same else self.source_start + n - 1  # [observed] ex/inclusive

    def GetMediaPoolItem(self):
        return self.mpi

    def GetTrackTypeAndIndex(self):
        return ["video", self.track]

    # grading
    def SetCDL(self, cdl):
        need = ("NodeIndex", "Slope", "Offset", "Power", "Saturation")
        if not isinstance(cdl, dict) or any(k not in cdl for k in need):
            return False
        if self.kind in ("generator", "still") or self.locked or self._world.fail_set_cdl:
            return False
        try:
            index = int(cdl["NodeIndex"])
        except (TypeError, ValueError):
            return False
        if not 1 <= index <= len(self.grade.nodes):
            return False
        node = self.grade.nodes[index - 1]
        node.cdl_raw = dict(cdl)
        if not all(isinstance(cdl[k], str) for k in need[1:]):
            self.grade.red = True  # [observed] lists "succeed" but render a solid red frame
            node.cdl = None
            return True
        vals = [_three(cdl[k]) for k in ("Slope", "Offset", "Power")]
        try:
            sat = float(cdl["Saturation"])
        except ValueError:
            return False
        if any(v is None for v in vals):
            return False
        node.cdl = {"slope": vals[0], "offset": vals[1], "power": vals[2], "saturation": sat}
        return True

    def AddVersion(self, name, kind):
        w = self._world
        if w.page != "color" or self.locked or (name, kind) in self.versions or not name:
            return False  # [observed] fails unless on the Color page
        g = copy.deepcopy(self.grade) if w.new_version_copies_grade else Grade(w.new_version_nodes)
        self.versions[(name, kind)] = g
        self.order.append((name, kind))
        if w.add_version_loads:
            self.current = (name, kind)
        return True

    def LoadVersionByName(self, name, kind):
        if (name, int(kind)) not in self.versions or self._world.fail_load_version:
            return False
        self.current = (name, int(kind))
        return True

    def DeleteVersionByName(self, name, kind):
        key = (name, int(kind))
        if key not in self.versions or key == self.current:
            return False  # the loaded version cannot be deleted
        del self.versions[key]
        self.order.remove(key)
        return True

    def RenameVersionByName(self, old, new, kind):
        return False

    def GetVersionNameList(self, kind):
        return [k[0] for k in self.order if k[1] == kind]

    def GetCurrentVersion(self):
        return {"versionName": self.current[0], "versionType": self.current[1]}

    # node access before 19.0 (deprecated/removed afterwards)
    def GetNumNodes(self):
        return len(self.grade.nodes)

    def SetLUT(self, index, path):
        return False if self.locked else self._world.set_lut(self.grade, index, path)

    def GetLUT(self, index):
        return self._world.get_lut(self.grade, index)

    def GetNodeLabel(self, index):
        return self.grade.nodes[index - 1].label if 1 <= index <= len(self.grade.nodes) else ""

    def GetNodeGraph(self, layer=None):
        if layer is not None and int(layer) < 1:
            return False
        return FakeGraph(self._world, self, self.current, self.grade)


class FakeGraph(FakeObject):
    VERSIONS = {"ResetAllGrades": ((19, 1), None), "ApplyGradeFromDRX": ((19, 1), None),
                "SetNodeCacheMode": ((19, 1), None), "GetNodeCacheMode": ((19, 1), None)}

    def __init__(self, world, item, key, grade):
        FakeObject.__init__(self, world)
        self.item, self.key, self.g = item, key, grade  # a Graph belongs to the version it came from

    def GetNumNodes(self):
        return len(self.g.nodes)

    def SetLUT(self, index, path):
        if self.item is not None and self.item.locked:
            return False
        return self._world.set_lut(self.g, index, path)

    def GetLUT(self, index):
        return self._world.get_lut(self.g, index)

    def GetNodeLabel(self, index):
        return self.g.nodes[index - 1].label if 1 <= index <= len(self.g.nodes) else ""

    def GetToolsInNode(self, index):
        return None

    def SetNodeEnabled(self, index, enabled):
        return 1 <= index <= len(self.g.nodes)

    def ResetAllGrades(self):
        self.g.nodes = [Node()]
        return True

    def ApplyGradeFromDRX(self, path, mode, all_layers=False):
        return False


class FakeGalleryStill(FakeObject):
    def __init__(self, world, label, image):
        FakeObject.__init__(self, world)
        self.label, self.image = label, image


class FakeAlbum(FakeObject):
    def __init__(self, world, stills):
        FakeObject.__init__(self, world)
        self.stills = stills

    def GetStills(self):
        return list(self.stills)

    def GetLabel(self, still):
        return still.label

    def SetLabel(self, still, label):
        still.label = label
        return True

    def ExportStills(self, stills, folder, prefix, fmt):
        w = self._world
        if not w.gallery_panel_open or w.page != "color":
            return False  # [observed] False unless the Gallery panel is open on the Color page
        if fmt not in ("dpx", "cin", "tif", "jpg", "png", "ppm", "bmp", "xpm", "drx") or not os.path.isdir(folder):
            return False
        for i, s in enumerate(stills):
            base = os.path.join(folder, "%s_%d_%s" % (prefix, i, re.sub(r"\W+", "_", s.label or "still")))
            shutil.copyfile(s.image, base + "." + fmt)
            with open(base + ".drx", "w") as fh:
                fh.write("<drx/>")
        return True


class FakeGallery(FakeObject):
    def __init__(self, world, album):
        FakeObject.__init__(self, world)
        self.album = album

    def GetCurrentStillAlbum(self):
        return self.album

    def GetGalleryStillAlbums(self):
        return [self.album]


class FakeFusion(FakeObject):
    def __init__(self, world):
        FakeObject.__init__(self, world)

    @property
    def UIManager(self):  # noqa: N802  (Fusion's attribute, not a method)
        w = self._world
        if not w.studio and w.version >= (19, 1):
            return None  # free 19.1+: purchase prompt, no UIManager
        return w.ui

    def RequestFile(self, *args):
        return self._world.request_file


# --- UIManager -----------------------------------------------------------------------------------

class FakeWidget(object):
    def __init__(self, kind, props, children=None):
        self.kind = kind
        self.ID = None
        self.Text = ""
        self.PlainText = ""
        self.Value = 0
        self.Enabled = True
        self.items = []
        self.CurrentIndex = -1
        self.children = list(children or [])
        for k, v in (props or {}).items():
            setattr(self, k, v)

    @property
    def CurrentText(self):  # noqa: N802
        return self.items[self.CurrentIndex] if 0 <= self.CurrentIndex < len(self.items) else ""

    def AddItem(self, text):  # noqa: N802
        self.items.append(text)
        if self.CurrentIndex < 0:
            self.CurrentIndex = 0

    def AddItems(self, texts):  # noqa: N802
        for t in texts:
            self.AddItem(t)


class FakeUI(object):
    def _make(kind):
        def make(self, props=None, children=None):
            if isinstance(props, list):
                props, children = {}, props
            return FakeWidget(kind, props, children)
        return make

    VGroup = _make("VGroup")
    HGroup = _make("HGroup")
    Label = _make("Label")
    LineEdit = _make("LineEdit")
    Button = _make("Button")
    ComboBox = _make("ComboBox")
    SpinBox = _make("SpinBox")
    TextEdit = _make("TextEdit")
    CheckBox = _make("CheckBox")
    Slider = _make("Slider")

    def VGap(self, n=0):  # noqa: N802
        return FakeWidget("VGap", {})

    def HGap(self, n=0):  # noqa: N802
        return FakeWidget("HGap", {})


class _Events(object):
    def __init__(self):
        object.__setattr__(self, "handlers", {})

    def __setattr__(self, name, fn):
        self.handlers[name] = fn


class _EventTable(object):
    def __init__(self):
        object.__setattr__(self, "by_id", {})

    def __getattr__(self, wid):
        return self.by_id.setdefault(wid, _Events())

    def __getitem__(self, wid):
        return self.by_id.setdefault(wid, _Events())


class FakeWindow(object):
    def __init__(self, props, layout):
        self.props = props
        self.layout = layout
        self.On = _EventTable()
        self.shown = False

    def GetItems(self):  # noqa: N802
        out, stack = {}, [self.layout]
        while stack:
            w = stack.pop()
            if w.ID:
                out[w.ID] = w
            stack.extend(w.children)
        return out

    def Find(self, wid):  # noqa: N802
        return self.GetItems().get(wid)

    def Show(self):  # noqa: N802
        self.shown = True

    def Hide(self):  # noqa: N802
        self.shown = False


class FakeDispatcher(object):
    """RunLoop plays the world's ``ui_script``: the clicks and edits a user would make."""

    def __init__(self, world, ui):
        self.world, self.ui = world, ui
        self.window = None
        self.exited = False

    def AddWindow(self, props, layout=None):  # noqa: N802
        self.window = FakeWindow(props, layout)
        self.world.windows.append(self.window)
        return self.window

    def ExitLoop(self):  # noqa: N802
        self.exited = True

    def RunLoop(self):  # noqa: N802
        win = self.window
        for action in self.world.ui_script:
            op = action[0]
            if op == "set":
                setattr(win.Find(action[1]), action[2], action[3])
            elif op == "click":
                win.On.by_id[action[1]].handlers["Clicked"]({"who": action[1], "what": "Clicked"})
            elif op == "close":
                win.On.by_id[win.props["ID"]].handlers["Close"]({"who": win.props["ID"], "what": "Close"})
            if self.exited:
                return
        raise AssertionError("the dialog's event loop never exited (no Close handler ran)")


class FakeBmd(object):
    """The ``bmd`` global / fusionscript module: scriptapp and UIDispatcher."""

    def __init__(self, world, external=False):
        self.world, self.external = world, external

    def scriptapp(self, name):
        return self.world.scriptapp(name, self.external)

    def UIDispatcher(self, ui):  # noqa: N802
        return FakeDispatcher(self.world, ui)


class FakeApp(object):
    def __init__(self, world):
        self.world = world

    def GetResolve(self):  # noqa: N802
        return self.world.resolve


# --- the world ------------------------------------------------------------------------------------

class World(object):
    """One Resolve session: version, edition, project/timeline/clips, LUT folders, UI script."""

    def __init__(self, spec):
        self.spec = spec
        self.version = tuple((list(spec.get("version", [19, 1, 3, 7])) + [0, 0, 0, 0])[:4])
        self.studio = bool(spec.get("studio", True))
        self.page = spec.get("page", "edit")
        self.modal = bool(spec.get("modal", False))
        self.current_item_none = bool(spec.get("current_item_none", False))
        self.gallery_panel_open = bool(spec.get("gallery_panel_open", False))
        self.new_version_copies_grade = bool(spec.get("new_version_copies_grade", True))
        self.new_version_nodes = int(spec.get("new_version_nodes", 1))
        self.add_version_loads = bool(spec.get("add_version_loads", False))
        self.fail_set_cdl = bool(spec.get("fail_set_cdl", False))
        self.fail_load_version = bool(spec.get("fail_load_version", False))
        self.hide_version = bool(spec.get("hide_version", False))    # GetVersion answers None
        self.getlut_lies = bool(spec.get("getlut_lies", False))      # SetLUT True without effect
        self.lut_roots = [spec["lut_root"]] + list(spec.get("custom_lut_dirs", []))
        self.user_lut_dir = spec.get("user_lut_dir")
        self.discovered = set()
        self.request_file = spec.get("request_file")
        self.ui_script = [tuple(a) for a in spec.get("ui_script", [])]
        self.colour_settings = colour_settings_from_spec(spec.get("colour"))
        self.calls = []
        self.exported_frames = []
        self.windows = []
        self.ui = FakeUI()
        self.resolve = FakeResolve(self)
        self.project_manager = FakeProjectManager(self)
        self.project = FakeProject(self)
        self.fusion = FakeFusion(self)
        t = spec.get("timeline", {})
        self.timeline = FakeTimeline(self, t.get("name", "Timeline 1"), str(t.get("fps", "24")),
                                     bool(t.get("drop", False)), t.get("start_tc", "01:00:00:00"),
                                     t.get("fps_setting"))
        self.timeline.custom_settings = dict(t.get("settings") or {})
        for i, track in enumerate(spec.get("tracks", []), 1):
            self.timeline.tracks.append([FakeTimelineItem(self, c, self.timeline, i) for c in track])
        if t.get("playhead"):
            self.timeline.playhead = fake_tc_to_frame(t["playhead"].replace(";", ":"), self.timeline.fps,
                                                      self.timeline.drop)
        stills = [FakeGalleryStill(self, s.get("label", ""), s["image"]) for s in spec.get("gallery", [])]
        self.gallery = FakeGallery(self, FakeAlbum(self, stills))
        self.original = self.item_states()

    # LUTs --------------------------------------------------------------------------------------
    def _lut_rel(self, path):
        if not isinstance(path, str) or not path:
            return None
        p = path.replace("\\", "/")
        if os.path.isabs(path):
            for root in self.lut_roots:
                r = root.replace("\\", "/").rstrip("/") + "/"
                if p.startswith(r):
                    return p[len(r):]
            return None  # per-user or arbitrary folders: refused even after a refresh [observed]
        return p.lstrip("/")

    def set_lut(self, grade, index, path):
        if not isinstance(index, int) or not 1 <= index <= len(grade.nodes):
            return False  # 1-based; 0 and > GetNumNodes() fail
        rel = self._lut_rel(path)
        if rel is None or rel not in self.discovered:
            return False  # not discovered until RefreshLUTList
        full = None
        for root in self.lut_roots:
            if os.path.isfile(os.path.join(root, rel)):
                full = os.path.join(root, rel)
        if full is None or not cube_is_valid(full):
            return False
        if not self.getlut_lies:
            grade.nodes[index - 1].lut = rel
        return True

    def get_lut(self, grade, index):
        if not isinstance(index, int) or not 1 <= index <= len(grade.nodes):
            return ""
        return grade.nodes[index - 1].lut

    # access --------------------------------------------------------------------------------------
    def scriptapp(self, name, external=False):
        if name == "Resolve":
            return None if (external and not self.studio) else self.resolve
        if name == "Fusion":
            return self.fusion
        return None

    def bmd(self, external=False):
        return FakeBmd(self, external)

    def globals(self, which=("resolve", "fusion", "bmd", "app")):
        g = {"resolve": self.resolve, "fusion": self.fusion, "fu": self.fusion, "bmd": self.bmd(),
             "app": FakeApp(self)}
        return dict((k, g[k]) for k in which)

    def items(self):
        return [it for track in self.timeline.tracks for it in track]

    def item(self, name):
        return [it for it in self.items() if it.name == name][0]

    def item_states(self):
        return dict((it.uid, it.state()) for it in self.items())

    def snapshot(self):
        return {"page": self.page, "playhead": self.timeline.playhead, "items": self.item_states(),
                "original": self.original, "discovered": sorted(self.discovered),
                "calls": [[c[0], c[1], [repr(a) for a in c[2]], c[3]] for c in self.calls],
                "exported_frames": [f for f, _ in self.exported_frames],
                "windows": len(self.windows)}


def active_world():
    """The world for a fake DaVinciResolveScript: ACTIVE, or one built from NCST_FAKE_RESOLVE_SPEC."""
    global ACTIVE
    if ACTIVE is None and os.environ.get("NCST_FAKE_RESOLVE_SPEC"):
        with open(os.environ["NCST_FAKE_RESOLVE_SPEC"]) as fh:
            ACTIVE = World(json.load(fh))
        state = os.environ.get("NCST_FAKE_RESOLVE_STATE")
        if state:
            import atexit

            def dump():
                with open(state, "w") as out:
                    json.dump(ACTIVE.snapshot(), out, indent=1)
            atexit.register(dump)
    return ACTIVE
