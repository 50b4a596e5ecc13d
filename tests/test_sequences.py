"""Image sequences as clips: discovery and gaps, keyframes/shot detection, ncst apply writing a
sequence atomically (same numbers, format and depth), and the acceptance run
``ncst match plate.%04d.exr --reference still.dpx --input-space ACEScg`` + ``ncst apply``."""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import SAMPLE_STILL
from ncst_bridge.cli import main
from ncst_bridge.errors import NcstError
from ncst_bridge.io.images import encoding_hints, read_pixels, write_image
from ncst_bridge.io.sequence import find_sequence, format_gaps, is_sequence_spec
from ncst_bridge.match.keyframes import select_keyframes

LOOK = {"format": "ncst-look/1", "params": {"contrast": 1.2, "hue": 10, "saturation": 1.1}}


def _frame(n: int, cut: int = 1009, top: float = 1.0) -> np.ndarray:
    yy, xx = np.mgrid[0:40, 0:56] / 56.0
    img = np.stack([xx, yy, 0.4 + 0.01 * (n % 10) + 0 * xx], -1) * 0.8
    if n >= cut:  # a different shot
        img = img[::-1, ::-1, ::-1] * 0.5 + np.array([0.3, 0.0, 0.1])
    return img * top


def _sequence(folder, name="plate.{:04d}.exr", frames=range(1001, 1013), skip=(1005, 1006), depth=16, top=1.0):
    folder.mkdir(parents=True, exist_ok=True)
    for n in frames:
        if n not in skip:
            write_image(folder / name.format(n), _frame(n, top=top), depth)
    return folder


def test_discovery_patterns_folder_and_gaps(tmp_path):
    seq_dir = _sequence(tmp_path / "s")
    for spec in (seq_dir / "plate.%04d.exr", seq_dir / "plate.####.exr", seq_dir):
        assert is_sequence_spec(spec)
        seq = find_sequence(spec)
        assert (seq.first, seq.last, len(seq.frames)) == (1001, 1012, 10)
        assert seq.missing() == [1005, 1006] and seq.path(1001).exists()
        assert "1005-1006" in seq.gaps_text() and seq.gaps_text(1007, 1012) is None
    assert format_gaps([1, 2, 3, 7, 9, 10]) == "1-3, 7, 9-10"
    assert not is_sequence_spec(seq_dir / "plate.1001.exr")
    with pytest.raises(NcstError, match="no frames match"):
        find_sequence(seq_dir / "other.%04d.exr")
    with pytest.raises(NcstError, match="past the sequence's last frame"):
        find_sequence(seq_dir / "plate.%04d.exr").select(2000, None)
    write_image(seq_dir / "plate.1013.exr", np.zeros((20, 20, 3)), 16)  # a frame of another size
    with pytest.raises(NcstError, match="1013.exr: 20x20, but the sequence's frames are 56x40"):
        list(find_sequence(seq_dir / "plate.%04d.exr").iter_frames(1012, 1013))
    (seq_dir / "shot_1.dpx").write_bytes(b"")
    with pytest.raises(NcstError, match="more than one sequence"):
        find_sequence(seq_dir)


def test_keyframes_and_shot_detection_over_a_sequence(tmp_path):
    seq = find_sequence(_sequence(tmp_path / "s", top=3.0) / "plate.%04d.exr")
    kf = select_keyframes(seq, 3, max_side=32)
    assert kf.shots == [(1001, 1008), (1009, 1012)]  # the cut, in file frame numbers
    assert set(kf.shot_of) == {0, 1} and all(i in seq.frames for i in kf.indices)
    assert max(float(f.max()) for f in kf.frames) > 1.5  # scene-linear thumbnails are not clipped
    kf = select_keyframes(tmp_path / "s" / "plate.%04d.exr", 2, max_side=32, start_frame=1009, end_frame=1012)
    assert all(1009 <= i <= 1012 for i in kf.indices) and kf.frame_count == 4


def test_apply_writes_the_same_sequence_atomically(tmp_path, capsys):
    src = _sequence(tmp_path / "s", name="shot.{:04d}.dpx", depth=10)
    look = tmp_path / "look.json"
    look.write_text(json.dumps(LOOK))
    out = tmp_path / "graded"
    assert main(["apply", str(look), str(src / "shot.%04d.dpx"), "-o", str(out / "shot.%04d.dpx"), "--no-progress"]) == 0
    text = capsys.readouterr().out
    assert "2 frames missing in 1001-1012: 1005-1006" in text and "10 frames 1001-1012, 10-bit" in text
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(p.name for p in src.iterdir())  # same numbers, gaps stay gaps, no temp left
    from ncst_bridge.grade.grade import apply_grade_numpy

    img, info = read_pixels(out / "shot.1003.dpx")
    assert info.bits == 10
    want = apply_grade_numpy(read_pixels(src / "shot.1003.dpx")[0].astype(np.float64), LOOK["params"])
    err = np.abs(img - want)  # the 33^3 lattice (what ncst apply renders with) vs direct f_P
    assert err.mean() < 1e-3 and err.max() < 0.012

    # existing frames are not overwritten without --force; a bad frame mid-way leaves nothing
    assert main(["apply", str(look), str(src / "shot.%04d.dpx"), "-o", str(out / "shot.%04d.dpx")]) == 2
    assert "already exists" in capsys.readouterr().err
    (src / "shot.1008.dpx").write_bytes(b"broken")
    dst = tmp_path / "g2"
    assert main(["apply", str(look), str(src), "-o", str(dst / "x_####.exr"), "--no-progress"]) == 2
    assert "shot.1008.dpx" in capsys.readouterr().err
    assert not dst.exists()  # nothing under the final names, the temp folder gone


def test_acceptance_match_and_apply_acescg_exr_sequence(tmp_path, capsys):
    plates = _sequence(tmp_path / "plates", top=2.5)  # scene-linear ACEScg, highlights above 1
    yy, xx = np.mgrid[0:40, 0:56] / 56.0
    write_image(tmp_path / "still.dpx", np.stack([0.2 + 0.6 * xx, 0.3 + 0.4 * yy, 0.25 + 0 * xx], -1), 10)
    look = tmp_path / "look"
    assert main(["match", str(plates / "plate.%04d.exr"), "--reference", str(tmp_path / "still.dpx"),
                 "--input-space", "ACEScg", "-o", str(look), "-k", "3", "--iterations", "15",
                 "--lut-size", "9", "--camera-lut-size", "9", "--no-register",
                 "--render", str(tmp_path / "r" / "p.%04d.dpx")]) == 0
    assert len(list((tmp_path / "r").glob("p.1*.dpx"))) == 10  # --render of a sequence: a sequence
    text = capsys.readouterr().out
    assert "1005-1006" in text and "clip there" in text and "hint:" not in text
    report = json.loads((look / "report.json").read_text())
    clip = report["keyframes"][0]
    assert clip["kind"] == "image sequence" and clip["missing"] == [1005, 1006]
    assert clip["keyframes"]["cuts"] == [1009]
    out = tmp_path / "graded" / "plate.%04d.exr"
    # the command as written: the look's recorded --input-space is used, and said
    assert main(["apply", str(look), str(plates / "plate.%04d.exr"), "-o", str(tmp_path / "g0" / "plate.%04d.exr"),
                 "--no-progress"]) == 0
    text = capsys.readouterr().out
    assert "matched with --input-space 'ACEScg'" in text and "10 frames 1001-1012, 16-bit" in text
    assert len(list((tmp_path / "g0").iterdir())) == 10
    assert main(["apply", str(look), str(plates / "plate.%04d.exr"), "-o", str(out),
                 "--output-space", "ACEScg", "--no-progress"]) == 0
    graded = sorted((tmp_path / "graded").iterdir())
    assert [p.name for p in graded] == sorted(p.name for p in plates.iterdir())
    img, info = read_pixels(graded[0])
    assert info.format == "half" and img.shape == (40, 56, 3) and np.isfinite(img).all()
    assert "'ACEScg'" in encoding_hints(info)[0]  # written in ACEScg, and the file says so
    # back in ACEScg: the grade of the working-space picture, re-encoded (checked on one frame)
    from ncst_bridge.colour.config import load_config
    from ncst_bridge.colour.convert import from_working, to_working
    from ncst_bridge.grade.grade import apply_grade_numpy
    from ncst_bridge.grade.params import GradeParams

    params = GradeParams.load(look / "params.json")
    cfg = load_config(None)
    src = read_pixels(plates / "plate.1001.exr")[0]
    want = from_working(apply_grade_numpy(to_working(src, "ACEScg", cfg), params), "ACEScg", cfg)
    assert np.abs(img - want).max() < 0.02


def test_apply_sequence_into_a_movie(tmp_path, capsys):
    from ncst_bridge.io.video import iter_frames, probe

    src = _sequence(tmp_path / "s", name="f_{:03d}.tif", frames=range(1, 7), skip=(4,), depth=16)
    look = tmp_path / "look.json"
    look.write_text(json.dumps(LOOK))
    assert main(["apply", str(look), str(src / "f_%03d.tif"), "-o", str(tmp_path / "m.mkv"), "--codec", "ffv1",
                 "--no-progress"]) == 0
    assert "1 frame missing in 1-6: 4" in capsys.readouterr().out
    assert main(["apply", str(look), str(src / "f_%03d.tif"), "-o", str(tmp_path / "g" / "f_%03d.tif"),
                 "--no-progress"]) == 0
    info = probe(tmp_path / "m.mkv")
    assert (info.frame_count or 5) == 5 and info.bit_depth == 16 and (info.width, info.height) == (56, 40)
    movie = [f.rgb for f in iter_frames(tmp_path / "m.mkv", bit_depth=16)]
    stills = [read_pixels(tmp_path / "g" / f"f_{n:03d}.tif")[0] for n in (1, 2, 3, 5, 6)]
    assert len(movie) == 5
    for m, s in zip(movie, stills):  # ffv1 RGB is lossless: the movie holds the same 16-bit codes
        assert np.abs(m / 65535.0 - s).max() <= 1 / 65535 + 1e-9
    assert main(["apply", str(look), str(src / "f_%03d.tif"), "-o", str(tmp_path / "m.mp4"),
                 "--no-progress"]) == 0  # h264 by default for .mp4
    assert probe(tmp_path / "m.mp4").codec == "h264"


def test_sequence_movie_encoder_uses_frame_threads(tmp_path):
    """x264 writes its settings into the stream: frame threads, as ffmpeg's CLI runs it (PyAV's
    default slice threading costs a third more CPU). Frames tall enough for x264 to slice them."""
    from ncst_bridge.io.images import read_image

    still = read_image(SAMPLE_STILL)[:192, :320]
    src = tmp_path / "s"
    src.mkdir()
    for n in range(1, 4):
        write_image(src / f"f_{n:03d}.png", np.roll(still, 4 * n, axis=1), 8)
    look = tmp_path / "look.json"
    look.write_text(json.dumps(LOOK))
    assert main(["apply", str(look), str(src / "f_%03d.png"), "-o", str(tmp_path / "m.mp4"), "--no-progress"]) == 0
    assert b"sliced_threads=0" in (tmp_path / "m.mp4").read_bytes()
