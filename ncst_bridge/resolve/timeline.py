"""The open project and timeline: frame rate, playhead, page, and which clips a run targets.

Stdlib only, Python >= 3.8. Every Resolve answer is checked for None/False (the scripting API
answers failures that way instead of raising); the playhead and page are restored after any move.
"""

from . import timecode
from .api import call, ok
from .errors import BridgeError

VIDEO = "video"
TC_PAGES = ("cut", "edit", "color", "fairlight", "deliver")  # where playhead calls work


class Session(object):
    """The Resolve objects a run needs, each checked once."""

    def __init__(self, resolve):
        if resolve is None:
            raise BridgeError("no Resolve object (run this from Workspace > Scripts inside DaVinci Resolve)")
        self.resolve = resolve
        pm = call(resolve, "GetProjectManager")
        self.project = call(pm, "GetCurrentProject")
        if not self.project:
            raise BridgeError("no project is open in Resolve")
        self.timeline = call(self.project, "GetCurrentTimeline")
        if not self.timeline:
            raise BridgeError("no timeline is open: open one in the Edit or Color page")
        self.rate = timeline_rate(self.project, self.timeline)

    def name(self):
        return call(self.timeline, "GetName") or "timeline"


def timeline_rate(project, timeline):
    """The timeline's Rate: its own setting (custom-settings timelines), else the project's."""
    for owner in (timeline, project):
        fps = call(owner, "GetSetting", "timelineFrameRate")
        if fps not in (None, "", False):
            drop = call(owner, "GetSetting", "timelineDropFrameTimecode")
            try:
                rate = timecode.parse_rate(fps, drop)
            except ValueError:
                continue
            # A ';' in the start timecode also means drop-frame (the setting may lag behind).
            start = call(timeline, "GetStartTimecode")
            if start and not rate.drop:
                try:
                    if timecode.split_timecode(start)[4] and rate.nominal % 30 == 0 and rate.fps != rate.nominal:
                        rate = timecode.Rate(rate.fps, True)
                except ValueError:
                    pass
            return rate
    raise BridgeError("cannot read the timeline frame rate (timelineFrameRate)")


class ViewState(object):
    """Remembers the page and playhead; ``restore()`` puts both back and says if it could not."""

    def __init__(self, session):
        self.session = session
        self.page = call(session.resolve, "GetCurrentPage")
        if not self.page:
            raise BridgeError("Resolve is busy (a dialog or the Project Manager is open): close it and run again")
        self.timecode = None  # read on the first page with a viewer (Media/Fusion pages give none)
        self.moved = False
        self._note_timecode()

    def _note_timecode(self):
        if self.timecode is None and call(self.session.resolve, "GetCurrentPage") in TC_PAGES:
            self.timecode = call(self.session.timeline, "GetCurrentTimecode") or None

    def open_page(self, page):
        if call(self.session.resolve, "GetCurrentPage") != page:
            if not ok(call(self.session.resolve, "OpenPage", page)) or \
                    call(self.session.resolve, "GetCurrentPage") != page:
                return False
        self._note_timecode()
        return True

    def seek(self, frame):
        """Move the playhead to an absolute timeline frame; True when Resolve confirms it."""
        self._note_timecode()
        tc = timecode.frame_to_tc(frame, self.session.rate)
        self.moved = True
        if not ok(call(self.session.timeline, "SetCurrentTimecode", tc)):
            return False
        now = call(self.session.timeline, "GetCurrentTimecode")
        try:
            return now is not None and timecode.tc_to_frame(now, self.session.rate) == frame
        except ValueError:
            return False

    def restore(self):
        """Playhead first (needs a page with a viewer), then the user's page. Returns problems."""
        problems = []
        if self.moved and self.timecode:
            if call(self.session.resolve, "GetCurrentPage") not in TC_PAGES:
                self.open_page("color")
            if not ok(call(self.session.timeline, "SetCurrentTimecode", self.timecode)):
                problems.append("could not put the playhead back at %s" % self.timecode)
        if not self.open_page(self.page):
            problems.append("could not reopen the %s page" % self.page)
        return problems


def playhead_frame(session):
    tc = call(session.timeline, "GetCurrentTimecode")
    if not tc:
        raise BridgeError("cannot read the playhead (open the Edit or Color page)")
    try:
        return timecode.tc_to_frame(tc, session.rate)
    except ValueError as exc:
        raise BridgeError("cannot read the playhead timecode: %s" % exc) from None


def item_range(item):
    """``(start, end)`` absolute timeline frames, end exclusive (start + duration)."""
    start = call(item, "GetStart")
    dur = call(item, "GetDuration")
    end = call(item, "GetEnd")
    if start is None:
        raise BridgeError("cannot read the position of clip %s" % item_name(item))
    start = int(start)
    if dur not in (None, False) and int(dur) > 0:
        return start, start + int(dur)
    if end is None or int(end) <= start:
        raise BridgeError("cannot read the length of clip %s" % item_name(item))
    return start, int(end)


def item_name(item):
    return call(item, "GetName") or "(unnamed clip)"


def track_items(session, track):
    items = call(session.timeline, "GetItemListInTrack", VIDEO, track)
    return [it for it in (items or []) if it]


def video_track_count(session):
    n = call(session.timeline, "GetTrackCount", VIDEO)
    try:
        return max(0, int(n))
    except (TypeError, ValueError):
        return 0


def item_at(session, frame):
    """The topmost video clip covering ``frame`` and its track, or (None, None) over a gap."""
    for track in range(video_track_count(session), 0, -1):
        for it in track_items(session, track):
            try:
                start, end = item_range(it)
            except BridgeError:
                continue
            if start <= frame < end:
                return it, track
    return None, None


def track_of(session, item):
    uid = call(item, "GetUniqueId")
    for track in range(1, video_track_count(session) + 1):
        for it in track_items(session, track):
            if it is item or (uid and call(it, "GetUniqueId") == uid):
                return track
    return None


class Target(object):
    """One clip to match: the TimelineItem, its video track and its timeline range."""

    def __init__(self, item, track):
        self.item = item
        self.track = track
        self.start, self.end = item_range(item)
        self.name = item_name(item)

    def label(self):
        return "%s (V%s @%d)" % (self.name, self.track if self.track else "?", self.start)


def targets(session, scope, track=None):
    """Clips for a scope: the current clip, every video clip, or the clips of one video track."""
    if scope == "clip":
        item = call(session.timeline, "GetCurrentVideoItem")
        where = None
        if item:
            where = track_of(session, item)
        else:  # None over gaps and on some pages: find the clip under the playhead ourselves
            item, where = item_at(session, playhead_frame(session))
            if item is None:
                raise BridgeError("no clip under the playhead (it is over a gap): move it onto a clip")
        return [Target(item, where)]
    count = video_track_count(session)
    if scope == "track":
        if track is None or not 1 <= track <= count:
            raise BridgeError("video track %s does not exist (the timeline has %d)" % (track, count))
        tracks = [track]
    else:
        tracks = list(range(1, count + 1))
    found = []
    for t in tracks:
        for it in track_items(session, t):
            found.append(Target(it, t))
    if not found:
        raise BridgeError("no video clips in %s" % ("track %d" % track if scope == "track" else "the timeline"))
    return found
