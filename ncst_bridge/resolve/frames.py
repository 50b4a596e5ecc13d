"""Frames for ``ncst match`` from a timeline clip: its media file and source frame range, or stills.

Stdlib only, Python >= 3.8. Preferred: decode the clip's own file over the used source range
(``GetSourceStartFrame``/``GetSourceEndFrame`` on 19.0.2+, ``GetLeftOffset`` before). Image
sequences (Resolve's ``File Path`` is ``shot_[1001-1100].exr``) are decoded from their frames too:
the pattern becomes ``shot_%04d.exr`` and the source range (0-based into the media, as for movie
files) becomes frame numbers ``first + start .. first + end``, which ``ncst match`` takes as
``--start-frame/--end-frame`` for sequences. Where there is no usable file (generators, titles,
compound clips, camera RAW that ffmpeg cannot decode, DNG/RAW sequences, files missing on this
machine) the viewer's frames are exported with
``Project.ExportCurrentFrameAsStill`` (18.5+) at keyframe timecodes, and the caller restores the
playhead and page afterwards.
"""

import os
import re

from . import timeline as tl
from .api import call, feature, ok
from .errors import BridgeError

# Camera RAW and other formats PyAV/ffmpeg cannot decode.
UNDECODABLE = (".braw", ".r3d", ".ari", ".arx", ".crm", ".cine", ".nev", ".rmf", ".vrw", ".mlv")
IMAGE_EXT = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".exr", ".dpx", ".bmp", ".webp")
# Image-sequence frame types ncst reads (OpenImageIO); others (DNG, camera RAW) go through stills.
SEQUENCE_EXT = (".exr", ".dpx", ".cin", ".tif", ".tiff", ".png", ".jpg", ".jpeg")
_SEQ_RANGE = re.compile(r"^(.*)\[(\d+)-(\d+)\](.*)$")


def sequence_pattern(path):
    """``/m/shot_[1001-1100].exr`` -> (``/m/shot_%04d.exr``, 1001, 1100), else None.

    The padding is the width of the first number as Resolve prints it (it pads like the files).
    """
    folder, name = os.path.split(path)
    m = _SEQ_RANGE.match(name)
    if not m:
        return None
    first, last = int(m.group(2)), int(m.group(3))
    pad = len(m.group(2)) if m.group(2).startswith("0") or len(m.group(2)) == len(m.group(3)) else 0
    field = ("%%0%dd" % pad) if pad else "%d"
    return os.path.join(folder, m.group(1) + field + m.group(4)), first, last


def plan_sequence(info, item, target, path, media_fps, timeline_fps):
    """Source for an image-sequence clip: its frames on disk over the used range, or stills."""
    pattern, first, last = sequence_pattern(path)
    ext = os.path.splitext(pattern)[1].lower()
    name = os.path.basename(path)
    if ext not in SEQUENCE_EXT:
        return Source("stills", reason="%s sequence (%s) cannot be decoded outside Resolve" % (ext, name))
    first_file = os.path.join(os.path.dirname(path), _SEQ_RANGE.sub(r"\1\2\4", name))
    if not os.path.isfile(first_file):
        return Source("stills", reason="image sequence not found on this machine: %s" % path)
    start, end = source_range(info, item, target, media_fps, timeline_fps)
    start, end = min(last, first + start), min(last, first + end)
    return Source("file", paths=[pattern], start=start, end=end,
                  reason="image sequence %s, frames %d-%d" % (name, start, end))


class Source(object):
    """What ``ncst match`` gets for one clip.

    kind: ``"file"`` (a media file plus an inclusive source frame range in the file's own
    0-based frame numbering; for an image sequence a ``%0Nd`` pattern and the frame numbers of
    the file names), ``"image"`` (a still image file), or ``"stills"`` (frames exported
    from the viewer; ``paths`` filled by ``export_stills``).
    """

    def __init__(self, kind, paths=None, start=None, end=None, reason=""):
        self.kind = kind
        self.paths = list(paths or [])
        self.start = start
        self.end = end
        self.reason = reason

    def record(self):
        return {"kind": self.kind, "paths": self.paths, "source_start_frame": self.start,
                "source_end_frame": self.end, "note": self.reason}


def _float(value):
    try:
        return float(str(value).split()[0])
    except (TypeError, ValueError, IndexError):
        return None


def source_range(info, item, target, media_fps, timeline_fps):
    """Inclusive source frame range (file frames) that the clip uses.

    19.0.2+: GetSourceStartFrame/GetSourceEndFrame; the end is exclusive or inclusive depending on
    whether the rates match [observed], so it is normalised with the clip's length in source
    frames. Older builds: GetLeftOffset (trim room, in timeline frames) scaled to the media rate.
    """
    length_tl = target.end - target.start
    scale = (media_fps / timeline_fps) if media_fps and timeline_fps else 1.0
    length_src = max(1, int(round(length_tl * scale)))
    if feature(info, item, "GetSourceStartFrame", (19, 0, 2)) and feature(info, item, "GetSourceEndFrame", (19, 0, 2)):
        s, e = call(item, "GetSourceStartFrame"), call(item, "GetSourceEndFrame")
        if isinstance(s, (int, float)) and isinstance(e, (int, float)) and e >= s:
            s, e = int(s), int(e)
            if e - s + 1 == length_src:      # inclusive end
                return s, e
            return s, max(s, e - 1)          # exclusive end (or a retimed clip: trust Resolve)
    left = call(item, "GetLeftOffset")
    if isinstance(left, (int, float)) and left >= 0:
        s = int(round(left * scale))
        return s, s + length_src - 1
    raise BridgeError("cannot read the source range of %s (GetLeftOffset)" % target.name)


def plan(session, info, target):
    """Decide how to get frames for ``target`` (no side effects)."""
    item = target.item
    mpi = call(item, "GetMediaPoolItem")
    if not mpi:
        return Source("stills", reason="no media file (generator, title or effect clip)")
    props = call(mpi, "GetClipProperty")
    if not isinstance(props, dict):
        props = {}
    def prop(key):
        v = props.get(key)
        return v if v not in (None, "") else call(mpi, "GetClipProperty", key)
    ctype = str(prop("Type") or "")
    path = str(prop("File Path") or "")
    if ctype.lower() in ("timeline", "compound", "multicam", "fusion composition", "generator"):
        return Source("stills", reason="%s clip has no single media file" % ctype.lower())
    if not path:
        return Source("stills", reason="no file path in the media pool")
    ext = os.path.splitext(path)[1].lower()
    if sequence_pattern(path) is not None:
        return plan_sequence(info, item, target, path, _float(prop("FPS")), session.rate.fps)
    if ext in UNDECODABLE:
        return Source("stills", reason="camera RAW %s cannot be decoded outside Resolve" % ext)
    if not os.path.isfile(path):
        return Source("stills", reason="media file not found on this machine: %s" % path)
    if ctype.lower() == "still" or ext in IMAGE_EXT:
        return Source("image", paths=[path])
    media_fps = _float(prop("FPS"))
    start, end = source_range(info, item, target, media_fps, session.rate.fps)
    return Source("file", paths=[path], start=start, end=end)


def keyframe_positions(target, count):
    """``count`` timeline frames spread evenly inside the clip (centres of equal slices)."""
    length = target.end - target.start
    count = max(1, min(int(count), length))
    return sorted(set(target.start + int((i + 0.5) * length / count) for i in range(count)))


def export_stills(session, info, view, target, count, folder):
    """Export the viewer frame at each keyframe timecode; returns (paths, warnings).

    Needs Resolve 18.5+ (``ExportCurrentFrameAsStill``). The exported frames carry the clip's
    current grade and, when another track covers the clip, the composite.
    """
    if not feature(info, session.project, "ExportCurrentFrameAsStill", (18, 5)):
        raise BridgeError("%s: no usable media file, and exporting frames needs Resolve 18.5 or newer "
                          "(ExportCurrentFrameAsStill)" % target.name)
    if not view.open_page("color"):
        raise BridgeError("could not open the Color page to export frames")
    paths, warnings = [], []
    for i, frame in enumerate(keyframe_positions(target, count)):
        if not view.seek(frame):
            raise BridgeError("%s: Resolve refused to move the playhead to frame %d" % (target.name, frame))
        top, _ = tl.item_at(session, frame)
        if top is not None and top is not target.item and call(top, "GetUniqueId") != call(target.item, "GetUniqueId"):
            msg = "another track covers %s at frame %d: the exported still shows the composite" % (target.name, frame)
            if msg not in warnings:
                warnings.append(msg)
        path = os.path.join(folder, "frame_%02d_%d.png" % (i, frame))
        if not ok(call(session.project, "ExportCurrentFrameAsStill", path)) or not os.path.isfile(path) \
                or os.path.getsize(path) == 0:
            raise BridgeError("%s: ExportCurrentFrameAsStill failed at frame %d" % (target.name, frame))
        paths.append(path)
    warnings.append("frames were exported from the viewer, so they include the clip's current grade")
    return paths, warnings
