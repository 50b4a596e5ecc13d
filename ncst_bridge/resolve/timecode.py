"""Timeline timecode <-> absolute frame numbers, drop-frame aware (stdlib only, Python >= 3.8).

Resolve has no "current frame" getter: ``GetCurrentTimecode()`` gives an absolute timecode string
and ``GetStart()``/``GetStartFrame()`` give absolute frames (86400 = 01:00:00:00 at 24 fps).
Fractional rates count with their nominal rate (23.976 -> 24, 29.97 -> 30). Drop-frame timecode
(29.97/59.94, ``;`` separator) skips frame labels 0-1 (or 0-3) at the start of every minute except
each tenth, so frame numbers and labels differ by up to 18 (36) per 10 minutes.
"""

import re

_TC = re.compile(r"^\s*(\d{1,3})[:;.,](\d{2})[:;.,](\d{2})([:;.,])(\d{2,3})\s*$")


class Rate(object):
    """A timeline frame rate: the real rate, the nominal counting rate and the drop-frame flag."""

    __slots__ = ("fps", "nominal", "drop")

    def __init__(self, fps, drop=False):
        fps = float(fps)
        if not fps > 0:
            raise ValueError("frame rate must be positive, got %r" % (fps,))
        self.fps = fps
        self.nominal = int(round(fps))
        if drop and self.nominal % 30 != 0:
            raise ValueError("drop-frame timecode exists only for 29.97 and its multiples, not %g" % fps)
        self.drop = bool(drop)

    @property
    def dropped_per_minute(self):
        """Labels skipped per minute: 2 at 29.97, 4 at 59.94, 0 without drop-frame."""
        return (self.nominal // 15) if self.drop else 0

    def __repr__(self):
        return "Rate(%g%s)" % (self.fps, " DF" if self.drop else "")

    def __eq__(self, other):
        return isinstance(other, Rate) and (self.fps, self.drop) == (other.fps, other.drop)


def parse_rate(value, drop_flag=None):
    """Parse Resolve's ``timelineFrameRate`` ("23.976", "29.97 DF", 24, 24.0) into a Rate.

    ``drop_flag`` is the ``timelineDropFrameTimecode`` setting ("0"/"1") when the rate string
    itself does not say; a " DF" suffix always means drop-frame.
    """
    if value is None or value is False:
        raise ValueError("no frame rate")
    text = str(value).strip()
    drop = False
    if text.upper().endswith("NDF"):
        text = text[:-3].strip()
    elif text.upper().endswith("DF"):
        drop = True
        text = text[:-2].strip()
    try:
        fps = float(text)
    except ValueError:
        raise ValueError("unreadable frame rate %r" % (value,)) from None
    if not drop and drop_flag is not None and str(drop_flag).strip() in ("1", "True", "true"):
        drop = int(round(fps)) % 30 == 0 and abs(fps - round(fps)) > 1e-6
    return Rate(fps, drop)


def split_timecode(tc):
    """``"01:00:00;02"`` -> (1, 0, 0, 2, True): fields and whether the separator says drop-frame."""
    m = _TC.match(str(tc))
    if not m:
        raise ValueError("not a timecode: %r" % (tc,))
    h, mi, s, sep, f = m.groups()
    return int(h), int(mi), int(s), int(f), sep in ";,"


def tc_to_frame(tc, rate):
    """Absolute frame number of a timecode string at ``rate`` (drop-frame labels checked)."""
    h, mi, s, f, _ = split_timecode(tc)
    nom = rate.nominal
    if mi > 59 or s > 59 or f >= nom:
        raise ValueError("timecode %r is out of range at %g fps" % (tc, rate.fps))
    drop = rate.dropped_per_minute
    if drop and s == 0 and f < drop and mi % 10 != 0:
        raise ValueError("timecode %r does not exist in drop-frame (labels 0-%d are skipped)" % (tc, drop - 1))
    total_minutes = 60 * h + mi
    return (3600 * h + 60 * mi + s) * nom + f - drop * (total_minutes - total_minutes // 10)


def frame_to_tc(frame, rate):
    """Timecode string of an absolute frame number (``;`` before the frames field for drop-frame)."""
    frame = int(frame)
    if frame < 0:
        raise ValueError("negative frame %d" % frame)
    nom = rate.nominal
    drop = rate.dropped_per_minute
    if drop:
        per_10min = nom * 600 - drop * 9
        per_min = nom * 60 - drop
        tens, rem = divmod(frame, per_10min)
        frame += drop * 9 * tens
        if rem > drop:
            frame += drop * ((rem - drop) // per_min)
    f = frame % nom
    s = (frame // nom) % 60
    mi = (frame // (nom * 60)) % 60
    h = frame // (nom * 3600)
    return "%02d:%02d:%02d%s%02d" % (h, mi, s, ";" if rate.drop else ":", f)
