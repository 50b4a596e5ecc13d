"""Timecode <-> frames for the Resolve bridge, checked against a clock that counts labels one by one."""

import pytest

import fake_resolve
from ncst_bridge.resolve import timecode as tc


def _count_labels(nominal, drop_per_min, n):
    """The first ``n`` labels, counted the way a drop-frame clock does."""
    h = m = s = f = 0
    out = []
    for _ in range(n):
        out.append((h, m, s, f))
        f += 1
        if f == nominal:
            f, s = 0, s + 1
            if s == 60:
                s, m = 0, m + 1
                if m == 60:
                    m, h = 0, h + 1
                if drop_per_min and m % 10:
                    f = drop_per_min
    return out


@pytest.mark.parametrize("fps,drop,nominal,skip", [("29.97", True, 30, 2), ("59.94", True, 60, 4),
                                                   ("23.976", False, 24, 0), ("25", False, 25, 0)])
def test_every_frame_of_the_first_11_minutes_round_trips(fps, drop, nominal, skip):
    rate = tc.parse_rate(fps + (" DF" if drop else ""))
    assert rate.nominal == nominal and rate.drop == drop
    sep = ";" if drop else ":"
    labels = _count_labels(nominal, skip, nominal * 60 * 11 + 7)
    for frame, (h, m, s, f) in enumerate(labels):
        text = "%02d:%02d:%02d%s%02d" % (h, m, s, sep, f)
        assert tc.frame_to_tc(frame, rate) == text
        assert tc.tc_to_frame(text, rate) == frame


def test_one_hour_start_frames_match_resolve():
    # GetStartFrame() of a timeline starting at 01:00:00:00: 86400 at 24, 107892 at 29.97 DF
    assert tc.tc_to_frame("01:00:00:00", tc.parse_rate("24")) == 86400
    df = tc.parse_rate("29.97", drop_flag="1")
    assert df.drop and tc.tc_to_frame("01:00:00;00", df) == 107892
    assert tc.frame_to_tc(107892, df) == "01:00:00;00"
    assert tc.tc_to_frame("01:00:00:00", tc.parse_rate("29.97")) == 108000  # non-drop differs by 108


def test_the_fake_agrees_with_the_bridge_on_drop_frame():
    rate = tc.parse_rate("29.97 DF")
    for frame in list(range(107850, 109900, 7)) + [0, 1799, 1800, 17982, 17983]:
        assert fake_resolve.fake_frame_to_tc(frame, "29.97", True) == tc.frame_to_tc(frame, rate)


@pytest.mark.parametrize("text", ["00:01:00;00", "00:01:00;01", "01:03:00;01"])
def test_skipped_drop_frame_labels_are_refused(text):
    with pytest.raises(ValueError, match="drop-frame"):
        tc.tc_to_frame(text, tc.parse_rate("29.97 DF"))
    assert tc.tc_to_frame("00:10:00;00", tc.parse_rate("29.97 DF")) == 17982  # tenth minute keeps them


@pytest.mark.parametrize("value,fps,drop", [("23.976", 23.976, False), ("24", 24.0, False), (24, 24.0, False),
                                            (29.97, 29.97, False), ("29.97 DF", 29.97, True),
                                            ("59.94 DF", 59.94, True), ("29.97 NDF", 29.97, False)])
def test_parse_rate_reads_resolve_setting_forms(value, fps, drop):
    rate = tc.parse_rate(value)
    assert rate.fps == pytest.approx(fps) and rate.drop == drop


@pytest.mark.parametrize("bad", [None, "", "fast", "0", "25 DF"])
def test_parse_rate_rejects_nonsense(bad):
    with pytest.raises(ValueError):
        tc.parse_rate(bad)


def test_out_of_range_fields_are_refused():
    rate = tc.parse_rate("24")
    for text in ("01:00:00:24", "01:60:00:00", "01:00:61:00", "garbage"):
        with pytest.raises(ValueError):
            tc.tc_to_frame(text, rate)
