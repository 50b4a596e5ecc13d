"""The Resolve bridge decodes image-sequence clips from their frames (fake Resolve): Resolve's
``shot_[1001-1100].exr`` File Path becomes ``shot_%04d.exr`` with the used range as frame numbers,
which ``ncst match`` reads as a sequence."""

from __future__ import annotations

import numpy as np

import fake_resolve
from ncst_bridge.io.images import write_image
from ncst_bridge.io.sequence import find_sequence
from ncst_bridge.resolve import frames, matchrun, timeline as tl
from ncst_bridge.resolve.api import ResolveInfo
from resolve_support import make_spec


def test_sequence_clip_is_decoded_from_its_frames(tmp_path):
    spec = make_spec(tmp_path)
    media = tmp_path / "media"
    for n in range(1001, 1041):
        write_image(media / f"shot_{n:04d}.exr", np.full((8, 8, 3), n / 2000.0), 16)
    (media / "raw_0001.dng").write_bytes(b"dng")
    spec["tracks"] = [[
        {"name": "plate", "start": 0, "duration": 24, "file": str(media / "shot_[1001-1040].exr"), "source_start": 10},
        {"name": "dng", "start": 30, "duration": 10, "file": str(media / "raw_[0001-0010].dng")},
        {"name": "gone", "start": 50, "duration": 10, "file": str(media / "lost_[0001-0010].dpx")},
    ]]
    w = fake_resolve.World(spec)
    s, info = tl.Session(w.resolve), ResolveInfo(w.resolve)
    plans = {t.name: frames.plan(s, info, t) for t in tl.targets(s, "timeline")}
    plate = plans["plate"]
    assert (plate.kind, plate.paths, plate.start, plate.end) == ("file", [str(media / "shot_%04d.exr")], 1011, 1034)
    assert plans["dng"].kind == "stills" and "cannot be decoded" in plans["dng"].reason
    assert plans["gone"].kind == "stills" and "not found" in plans["gone"].reason
    argv = matchrun.match_argv("python", plate.paths, "ref.png", "out", {"keyframes": 4}, plate.start, plate.end)
    assert argv[argv.index("--start-frame") + 1] == "1011" and argv[argv.index("--end-frame") + 1] == "1034"
    seq = find_sequence(plate.paths[0])  # what ncst match does with it
    assert seq.select(plate.start, plate.end) == list(range(1011, 1035))
    assert frames.sequence_pattern("/m/a.[1-120].dpx") == ("/m/a.%d.dpx", 1, 120)
    assert frames.sequence_pattern("/m/a.mov") is None
