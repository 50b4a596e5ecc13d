"""Many inputs in one process: ``ncst apply LOOK a.png b.png ... -o OUTDIR/`` (lists and quoted globs)
and ``ncst bake a.json b.json -o OUTDIR``; each output equals the single-input command's, and a bad
name stops the run before anything is written."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from ncst_bridge.cli import main

LOOK = {"format": "ncst-look/1", "params": {"hue": 15.0, "gamma": 0.9, "sharpness": 1.3}}


@pytest.fixture
def stills(tmp_path):
    rng = np.random.default_rng(0)
    folder = tmp_path / "stills"
    folder.mkdir()
    for name in ("a.png", "b.png", "c.png"):
        cv2.imwrite(str(folder / name), rng.integers(0, 256, (24, 32, 3), dtype=np.uint8))
    (tmp_path / "params.json").write_text(json.dumps(LOOK))
    return folder


def test_apply_many_equals_apply_one_each(stills, tmp_path, capsys):
    look = str(tmp_path / "params.json")
    assert main(["apply", look, str(stills / "*.png"), "-o", str(tmp_path / "many") + "/", "--no-progress"]) == 0
    for name in ("a.png", "b.png", "c.png"):
        assert main(["apply", look, str(stills / name), "-o", str(tmp_path / f"one_{name}")]) == 0
        assert (tmp_path / "many" / name).read_bytes() == (tmp_path / f"one_{name}").read_bytes()
    assert "wrote 3 file(s)" in capsys.readouterr().out


def test_apply_list_into_a_new_folder(stills, tmp_path):
    look = str(tmp_path / "params.json")
    out = tmp_path / "new" / "deeper"
    assert main(["apply", look, str(stills / "a.png"), str(stills / "c.png"), "-o", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["a.png", "c.png"]


@pytest.mark.parametrize("case", ["exists", "collision", "nomatch", "missing"])
def test_apply_many_refuses_before_writing(stills, tmp_path, capsys, case):
    look = str(tmp_path / "params.json")
    out = tmp_path / "out"
    out.mkdir()
    inputs = [str(stills / "a.png"), str(stills / "b.png")]
    if case == "exists":
        (out / "b.png").write_bytes(b"keep")
    elif case == "collision":
        other = tmp_path / "other"
        other.mkdir()
        (other / "a.png").write_bytes((stills / "a.png").read_bytes())
        inputs.append(str(other / "a.png"))
    elif case == "nomatch":
        inputs.append(str(stills / "*.tif"))
    else:
        inputs.append(str(stills / "zzz.png"))
    assert main(["apply", look, *inputs, "-o", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("ncst: ")
    assert sorted(p.name for p in out.iterdir()) == (["b.png"] if case == "exists" else [])
    if case == "exists":
        assert (out / "b.png").read_bytes() == b"keep"


def test_bake_many_one_bundle_each(tmp_path, capsys):
    for name, hue in (("warm", 10.0), ("cold", -10.0)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "params.json").write_text(json.dumps({"format": "ncst-look/1", "params": {"hue": hue}}))
    (tmp_path / "third.json").write_text(json.dumps({"format": "ncst-look/1", "params": {"gamma": 1.2}}))
    out = tmp_path / "bundles"
    args = [str(tmp_path / "warm" / "params.json"), str(tmp_path / "cold" / "params.json"), str(tmp_path / "third.json")]
    assert main(["bake", *args, "-o", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["cold", "third", "warm"]
    assert main(["bake", args[0], "-o", str(tmp_path / "single")]) == 0
    assert (out / "warm" / "look.cube").read_bytes() == (tmp_path / "single" / "look.cube").read_bytes()
    # a bad file anywhere in the list: nothing written
    (tmp_path / "bad.json").write_text("{")
    assert main(["bake", args[0], str(tmp_path / "bad.json"), "-o", str(tmp_path / "none")]) == 2
    assert not (tmp_path / "none").exists()
