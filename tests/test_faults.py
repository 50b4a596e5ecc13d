"""Fault injection: every fault a user can cause gives one line naming the user's file, exit 2 (130 for
Ctrl-C), leaves nothing half-written, and never removes or replaces what the user did not name.

Real processes where it matters (two concurrent writers, SIGINT/SIGKILL at random points, a full
file system, a read-only folder entered without root's override); the rest runs ``cli.main`` in
this process, which is the same code path without the interpreter start-up.
"""

from __future__ import annotations

import json
import os
import random
import resource
import shutil
import signal
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

import numpy as np
import pytest
from conftest import REPO, assert_one_line_error

from ncst_bridge.cli import main
from ncst_bridge.io import atomic

SIZE = "9"  # small LUTs: the faults, not the baking, are under test
LOOK = {"format": "ncst-look/1", "params": {"brightness": 1.1, "contrast": 1.2, "saturation": 0.8}}
SAMPLE_IMAGE = REPO / "samples" / "reference.jpg"
SAMPLE_CLIP = REPO / "samples" / "clip.mp4"


def _cli(capsys, *args) -> tuple[int, list[str]]:
    """Run ``ncst ARGS`` in this process; (exit status, stderr lines)."""
    rc = main([str(a) for a in args])
    err = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
    return rc, err


def _one_line(capsys, needles, *args) -> str:
    rc, err = _cli(capsys, *args)
    assert rc == 2, (rc, err)
    assert len(err) == 1 and err[0].startswith("ncst: ") and "internal error" not in err[0], err
    for n in needles:
        assert n.lower() in err[0].lower(), (n, err[0])
    return err[0]


def _litter(folder: Path) -> list[str]:
    """Our temporaries anywhere under ``folder`` (nothing may be left behind)."""
    return [str(p) for p in folder.rglob("*") if ".part" in p.name]


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "NCST_DEBUG"}
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _popen(*args, cwd, **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "ncst_bridge", *map(str, args)], cwd=cwd, env=_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


@pytest.fixture()
def look(tmp_path) -> Path:
    p = tmp_path / "look.json"
    p.write_text(json.dumps(LOOK), encoding="utf-8")
    return p


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    """A real look bundle (made once; tests copy it before changing anything)."""
    root = tmp_path_factory.mktemp("bundle")
    (root / "look.json").write_text(json.dumps(LOOK), encoding="utf-8")
    assert main(["bake", str(root / "look.json"), "-o", str(root / "B"), "--size", SIZE]) == 0
    return root / "B"


def _copy(bundle: Path, tmp_path: Path, name: str = "B") -> Path:
    dst = tmp_path / name
    shutil.copytree(bundle, dst)
    return dst


# --- 1. overwrite without --force; the race at rename time -----------------------------------------

def test_two_concurrent_processes_writing_the_same_output(tmp_path, look):
    procs = [_popen("bake", look, "-o", "OUT", "--size", SIZE, cwd=tmp_path) for _ in range(2)]
    results = [(p.wait(timeout=300), p.stderr.read()) for p in procs]
    codes = sorted(rc for rc, _ in results)
    assert codes == [0, 2], results
    loser = next(err for rc, err in results if rc == 2)
    assert len(loser.strip().splitlines()) == 1 and ("already exists" in loser or "appeared" in loser), loser
    assert json.loads((tmp_path / "OUT" / "params.json").read_text())["format"] == "ncst-look/1"
    assert not _litter(tmp_path)


def test_rename_never_replaces_what_appeared_meanwhile(tmp_path):
    target = tmp_path / "out.txt"
    with pytest.raises(atomic.NcstError, match="appeared"), atomic.atomic_file(target) as tmp:
        tmp.write_text("ours")
        target.write_text("theirs")  # another process, between the check and the rename
    assert target.read_text() == "theirs" and not _litter(tmp_path)
    folder = tmp_path / "dir"
    with pytest.raises(atomic.NcstError, match="appeared"), atomic.atomic_dir(folder) as tmp:
        (tmp / "a").write_text("ours")
        folder.mkdir()
        (folder / "theirs").write_text("keep")
    assert (folder / "theirs").read_text() == "keep" and not _litter(tmp_path)


@pytest.mark.parametrize("use_renameat2", [True, False])
def test_exclusive_rename_both_ways(tmp_path, monkeypatch, use_renameat2):
    if not use_renameat2:  # the portable fallback: hard link (files), exclusive mkdir (folders)
        monkeypatch.setattr(atomic, "_renameat2", lambda *a: False)
    a, b = tmp_path / "a", tmp_path / "b"
    a.write_text("1")
    b.write_text("2")
    with pytest.raises(FileExistsError):
        atomic.rename_noreplace(a, b)
    assert b.read_text() == "2" and a.exists()
    d1, d2 = tmp_path / "d1", tmp_path / "d2"
    d1.mkdir()
    d2.mkdir()
    with pytest.raises(FileExistsError):
        atomic.rename_noreplace(d1, d2)
    atomic.rename_noreplace(a, tmp_path / "c")
    assert (tmp_path / "c").read_text() == "1" and not a.exists()


# --- 2. --force replaces exactly the named output, and only what ncst writes ------------------------

def test_force_never_removes_what_the_user_did_not_name(tmp_path, capsys, look, bundle):
    out = _copy(bundle, tmp_path, "B")
    user_old = tmp_path / ".B.old"  # the old implementation's fixed backup name
    user_old.mkdir()
    (user_old / "keep.txt").write_text("mine")
    assert _cli(capsys, "bake", look, "-o", out, "--force", "--size", SIZE)[0] == 0  # a bundle: replaced
    assert (user_old / "keep.txt").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".B.old", "B", "look.json"]

    userdata = tmp_path / "userdata"
    userdata.mkdir()
    (userdata / "notes.txt").write_text("precious")
    _one_line(capsys, ["userdata", "did not write"], "bake", look, "-o", userdata, "--force")
    assert _tree(userdata) == {"notes.txt": b"precious"}

    before = _tree(out)
    _one_line(capsys, ["holds the input"], "bake", out / "params.json", "-o", out, "--force")
    _one_line(capsys, ["holds the input"], "bake", look, "-o", tmp_path, "--force")
    assert _tree(out) == before
    (tmp_path / "afile").write_text("x")
    _one_line(capsys, ["not a folder"], "bake", look, "-o", tmp_path / "afile", "--force")
    assert (tmp_path / "afile").read_text() == "x"


@pytest.mark.parametrize("target", [".", "/", ".."])
def test_force_refuses_the_current_folder_and_root(tmp_path, capsys, look, monkeypatch, target):
    monkeypatch.chdir(tmp_path)
    _one_line(capsys, [], "bake", look, "-o", target, "--force")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["look.json"]


def test_image_output_naming_a_folder(tmp_path, capsys, bundle):
    folder = tmp_path / "shots"
    folder.mkdir()
    _one_line(capsys, ["shots", "is a folder"], "apply", bundle, SAMPLE_IMAGE, "-o", folder, "--force")
    assert not any(folder.iterdir())


# --- 4. the decoded-pixel limit, from the header ---------------------------------------------------

def _bomb(path: Path, w: int = 20000, h: int = 20000) -> Path:
    """A tiny PNG whose IHDR declares w x h (a decompression bomb)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    z = zlib.compressobj(9)
    row = b"\0" * (1 + 3 * w)
    data = b"".join(z.compress(row) for _ in range(64)) + z.flush()
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                     + chunk(b"IDAT", data) + chunk(b"IEND", b""))
    return path


def test_decompression_bomb_is_refused_before_decoding(tmp_path, capsys, bundle):
    bomb = _bomb(tmp_path / "bomb.png")
    assert bomb.stat().st_size < 100_000
    # Refused from the header: by the pixel limit, or earlier by OpenImageIO's own header sanity check
    # (a PNG claiming 1144 MB from a 3800-byte file); either way nothing is decoded.
    err = _one_line(capsys, ["bomb.png"], "apply", bundle, bomb, "-o", tmp_path / "o.png")
    assert ("20000x20000" in err and "--max-pixels" in err) or "header claims" in err, err
    err = _one_line(capsys, ["bomb.png"], "match", SAMPLE_IMAGE, "--reference", bomb, "-o", tmp_path / "M")
    assert "limit" in err or "header claims" in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bomb.png"]


def test_max_pixels_option_and_video_header(tmp_path, capsys, bundle):
    _one_line(capsys, ["reference.jpg", "1024x576"], "--max-pixels", "1000", "apply", bundle, SAMPLE_IMAGE,
              "-o", tmp_path / "o.png")
    _one_line(capsys, ["clip.mp4", "limit"], "--max-pixels", "1000", "apply", bundle, SAMPLE_CLIP,
              "-o", tmp_path / "o.mp4")
    _one_line(capsys, ["--max-pixels"], "--max-pixels", "0", "apply", bundle, SAMPLE_IMAGE, "-o", tmp_path / "o.png")
    assert not any(tmp_path.iterdir())


# --- 5. user faults are exit 2 with one line naming the user's file --------------------------------

@pytest.mark.parametrize("text, needle", [
    ('{"format": "ncst-look/1", "params": {"brightness": ' + "9" * 300 + "}}", "brightness"),
    ('{"format": "ncst-look/1", "params": {"brightness": ' + "9" * 5000 + "}}", "digits"),
    ("[" * 100_000, "nested"),
    ('{"format": "ncst-look/1", "params": ["brightness"]}', "params"),
    ('{"format": "ncst-look/1", "params": {"gamma": "1.2"}}', "gamma"),
])
def test_absurd_json(tmp_path, capsys, text, needle):
    p = tmp_path / "params.json"
    p.write_text(text, encoding="utf-8")
    line = _one_line(capsys, [needle], "bake", p, "-o", tmp_path / "o")
    assert "params.json" in line and not (tmp_path / "o").exists()


def test_wrong_types_in_a_bundle(tmp_path, capsys, bundle):
    b = _copy(bundle, tmp_path)
    obj = json.loads((b / "params.json").read_text())
    obj["colour_management"] = "oops"
    (b / "params.json").write_text(json.dumps(obj))
    _one_line(capsys, ["params.json", "colour_management"], "fidelity", b, "--samples", "500")


@pytest.mark.parametrize("name, content", [
    ("look.cube", "garbage\n"), ("residual.cube", "LUT_3D_SIZE 2\n0 0 0\n"), ("look.cc", "<ColorCorrection"),
])
def test_corrupt_luts_in_a_bundle_name_the_users_file(tmp_path, capsys, bundle, name, content):
    b = _copy(bundle, tmp_path)
    (b / name).write_text(content)
    _one_line(capsys, [name], "fidelity", b, "--samples", "500")
    if name != "look.cube":  # add-look reads look.cc and residual.cube
        line = _one_line(capsys, [str(b / name)], "ocio", "add-look", "ocio://studio-config-latest", b,
                         "--name", "x", "-o", tmp_path / "new.ocio")
        assert ".part" not in line and "ncst_add_look" not in line
    assert not (tmp_path / "new.ocio").exists() and not _litter(tmp_path)


def test_fidelity_fails_on_a_nan_cell_no_sample_lands_in(tmp_path, capsys, bundle):
    b = _copy(bundle, tmp_path)
    lines = (b / "look.cube").read_text().splitlines()
    first = next(i for i, ln in enumerate(lines) if ln[:1].isdigit() or ln[:1] == "-")
    lines[first + 400] = "nan nan nan"  # an interior cell of the 9^3 lattice
    (b / "look.cube").write_text("\n".join(lines) + "\n")
    _one_line(capsys, ["look.cube", "nan"], "fidelity", b, "--samples", "10")


def test_add_look_refuses_a_residual_that_disagrees_with_params(tmp_path, capsys, bundle):
    b = _copy(bundle, tmp_path)
    obj = json.loads((b / "params.json").read_text())
    obj["params"]["saturation"] = 1.4  # params.json edited after the bake: the LUTs no longer match it
    (b / "params.json").write_text(json.dumps(obj))
    _one_line(capsys, ["disagree", "nothing written"], "ocio", "add-look", "ocio://studio-config-latest", b,
              "--name", "x", "-o", tmp_path / "new.ocio")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["B"]


def test_resolve_install_refuses_a_missing_scripts_dir(tmp_path, capsys):
    typo = tmp_path / "Scirpts" / "deeper"
    _one_line(capsys, ["no such folder"], "resolve", "install", "--scripts-dir", typo)
    assert not (tmp_path / "Scirpts").exists()


def test_one_line_for_truncated_images_and_bad_presets(tmp_path, capfd, bundle):
    """Native libraries (libpng, x264) write to fd 2 themselves: captured at the descriptor."""
    import cv2

    png = tmp_path / "t.png"
    cv2.imwrite(str(png), (np.random.default_rng(0).random((64, 64, 3)) * 255).astype(np.uint8))
    png.write_bytes(png.read_bytes()[:3000])
    _one_line(capfd, ["t.png"], "apply", bundle, png, "-o", tmp_path / "o.png")
    line = _one_line(capfd, ["preset", "bogus"], "apply", bundle, SAMPLE_CLIP, "-o", tmp_path / "o.mp4",
                     "--preset", "bogus")
    assert ".part" not in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.png"]


# --- 6. checks before the work ---------------------------------------------------------------------

def test_match_checks_outputs_before_matching(tmp_path, capsys, monkeypatch):
    from ncst_bridge.match import pipeline

    def no_work(*a, **k):
        raise AssertionError("the match ran before a check that could fail")

    monkeypatch.setattr(pipeline, "match_frames", no_work)
    src = tmp_path / "in.jpg"
    shutil.copyfile(SAMPLE_IMAGE, src)
    clip = tmp_path / "clip.mp4"
    shutil.copyfile(SAMPLE_CLIP, clip)
    _one_line(capsys, ["is the input"], "match", clip, "--reference", src, "-o", tmp_path / "M",
              "--render", clip, "--force")
    _one_line(capsys, ["video input"], "match", src, "--reference", src, "-o", tmp_path / "M",
              "--render", tmp_path / "r.mp4")
    _one_line(capsys, ["r.txt", "video output type"], "match", clip, "--reference", src, "-o", tmp_path / "M",
              "--render", tmp_path / "r.txt")
    (tmp_path / "existing").write_text("x")
    _one_line(capsys, ["not a folder"], "match", src, "--reference", src, "-o", tmp_path / "existing", "--force")
    _one_line(capsys, ["already exists"], "match", src, "--reference", src, "-o", tmp_path / "existing")
    _one_line(capsys, ["does not exist"], "match", src, "--reference", src, "-o", tmp_path / "no" / "M")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.mp4", "existing", "in.jpg"]


# --- disk full and permissions ---------------------------------------------------------------------

def test_file_too_large_is_one_line_and_leaves_nothing(tmp_path, capsys, look):
    """A file-size limit (RLIMIT_FSIZE) makes write() fail mid-file (EFBIG), like a full disk, without
    root; set on this process for the one call and restored."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    old = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # write() fails instead of the process dying
    resource.setrlimit(resource.RLIMIT_FSIZE, (200_000, hard))
    try:
        rc, err = _cli(capsys, "bake", look, "-o", tmp_path / "OUT", "--size", "33")
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, old)
    assert rc == 2 and len(err) == 1, err
    assert "OUT/look.cube" in err[0] and "EFBIG" in err[0] and ".part" not in err[0], err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["look.json"]


def test_full_tmpfs(tmp_path, capsys, look):
    """A real full file system: a 256 KiB tmpfs (mounting needs root and a kernel that allows it)."""
    mnt = tmp_path / "small"
    mnt.mkdir()
    res = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mnt)],
                         capture_output=True, text=True, check=False)
    if res.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here (needs root and mount rights): "
                    f"{(res.stderr or res.stdout).strip()[:120]}")
    try:
        line = _one_line(capsys, ["OUT/", "ENOSPC"], "bake", look, "-o", mnt / "OUT", "--size", "33")
        assert ".part" not in line
        assert list(mnt.iterdir()) == []
    finally:
        subprocess.run(["umount", str(mnt)], check=False)


def _without_root_override() -> list[str]:
    """A command prefix that runs without the capabilities that let root ignore permission bits."""
    if os.geteuid() != 0:
        return []
    exe = shutil.which("setpriv")
    if not exe:
        pytest.skip("running as root without setpriv (util-linux): root ignores permission bits")
    caps = "-dac_override,-dac_read_search"
    return [exe, f"--inh-caps={caps}", f"--bounding-set={caps}"]


def test_read_only_folder(tmp_path, look, bundle):
    ro = tmp_path / "ro"
    ro.mkdir()
    b = _copy(bundle, ro, "B")
    ro.chmod(0o555)
    b.chmod(0o555)
    try:
        prefix = _without_root_override()
        base = [sys.executable, "-m", "ncst_bridge"]
        # one real process (the same check guards fidelity.json, add-look and apply outputs)
        for args, needles in ((["fidelity", str(b), "--samples", "100"], ["ro/B", "not writable"]),):
            proc = subprocess.run(prefix + base + args, cwd=tmp_path, env=_env(), capture_output=True,
                                  text=True, timeout=300, check=False)
            assert_one_line_error(proc, *needles)
            assert proc.returncode == 2
        assert sorted(p.name for p in ro.iterdir()) == ["B"] and not _litter(ro)
    finally:
        b.chmod(0o755)
        ro.chmod(0o755)


# --- 8. litter from killed runs, Ctrl-C and kill -9 at random points --------------------------------

def test_stale_part_litter_is_cleaned_by_the_next_run(tmp_path, capsys, look):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    mine = tmp_path / f".OUT.{dead.pid}.abcd1234.part"  # a killed run's folder (its PID is gone)
    mine.mkdir()
    (mine / "look.cube").write_text("half")
    old_file = tmp_path / f".x.png.{os.getpid() + 10**6}.zzzz9999.part.png"
    old_file.write_text("half")
    live = tmp_path / f".Y.{os.getpid()}.live0000.part"  # a running writer's (this process): kept
    live.mkdir()
    user = tmp_path / ".notes.part"  # not our pattern: never touched
    user.write_text("mine")
    young_alive = tmp_path / ".Z.1.abcdefgh.part"  # PID 1 is alive: kept until it is an hour old
    young_alive.mkdir()
    just_now = tmp_path / f".W.{dead.pid}.abcdefgh.part"  # owner gone, but changed a moment ago
    just_now.mkdir()  # (a writer on another machine sharing the folder): kept for now
    idle = time.time() - 2 * atomic.IDLE_S
    for p in (mine, old_file, live, young_alive):
        os.utime(p, (idle, idle))
    assert _cli(capsys, "bake", look, "-o", tmp_path / "B", "--size", SIZE)[0] == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    assert mine.name not in names and old_file.name not in names
    assert live.exists() and user.read_text() == "mine" and young_alive.exists() and just_now.exists()
    old = time.time() - 2 * atomic.STALE_AGE_S
    os.utime(young_alive, (old, old))
    atomic.clean_stale_parts(tmp_path)
    assert not young_alive.exists() and live.exists()


def _signal_at_random(tmp_path, look, sig, seeds) -> list[tuple[Path, int, str]]:
    """Start one bake per seed (each in its own folder), send ``sig`` to each at a random moment."""
    runs = []
    for seed in seeds:
        folder = tmp_path / f"seed{seed}"
        folder.mkdir()
        runs.append((folder, random.Random(seed).uniform(0.5, 6.0),
                     _popen("bake", look, "-o", "OUT", "--size", "33", cwd=folder)))
    t0 = time.time()
    for _, at, proc in sorted(runs, key=lambda r: r[1]):
        time.sleep(max(0.0, t0 + at - time.time()))
        proc.send_signal(sig)
    return [(folder, proc.wait(timeout=120), proc.stderr.read()) for folder, _, proc in runs]


def _complete_or_absent(out: Path) -> None:
    if out.exists():  # if it is there, it is whole
        obj = json.loads((out / "params.json").read_text())
        assert obj["format"] == "ncst-look/1"
        for f in obj["exports"]["files"]:
            assert (out / f).stat().st_size > 0, f


def test_sigint_at_random_points(tmp_path, look):
    for folder, rc, err in _signal_at_random(tmp_path, look, signal.SIGINT, seeds=(1, 2, 3)):
        assert rc in (0, 130), (rc, err)
        if rc == 130:
            assert err.strip().splitlines() == ["ncst: interrupted"], err
            assert not (folder / "OUT").exists()
        _complete_or_absent(folder / "OUT")
        assert not _litter(folder)


def test_sigkill_at_random_points_then_the_next_run_cleans_up(tmp_path, capsys, look):
    for folder, rc, _ in _signal_at_random(tmp_path, look, signal.SIGKILL, seeds=(4, 5)):
        _complete_or_absent(folder / "OUT")
        idle = time.time() - 2 * atomic.IDLE_S  # as if the user came back a few minutes later
        for p in folder.iterdir():
            os.utime(p, (idle, idle))
        assert _cli(capsys, "bake", look, "-o", folder / "OTHER", "--size", SIZE)[0] == 0
        assert not _litter(folder), "the next run into the folder removes a killed run's temporaries"


def test_sigint_during_video_apply(tmp_path, bundle):
    """Ctrl-C while the threaded video render runs: exit 130, one line, no partial file."""
    proc = _popen("apply", bundle, SAMPLE_CLIP, "-o", "out.mkv", "--codec", "ffv1", cwd=tmp_path)
    deadline = time.time() + 120
    while time.time() < deadline and not _litter(tmp_path) and proc.poll() is None:
        time.sleep(0.05)  # wait until the render has begun (its temporary exists)
    time.sleep(0.3)
    if proc.poll() is not None:
        pytest.fail(f"the render finished before it could be interrupted: {proc.stderr.read()}")
    proc.send_signal(signal.SIGINT)
    rc = proc.wait(timeout=120)
    err = proc.stderr.read()
    assert rc == 130, (rc, err)
    assert err.strip().splitlines() == ["ncst: interrupted"], err
    assert not (tmp_path / "out.mkv").exists() and not _litter(tmp_path)


def test_ofx_install_force_replaces_only_a_plugin_bundle(tmp_path):
    from ncst_bridge.ofx import install as ofx

    src = tmp_path / "build" / ofx.BUNDLE_NAME
    binary = ofx.bundle_binary(src)
    binary.parent.mkdir(parents=True)
    binary.write_bytes(b"\x7fELF-not-really")
    plugins = tmp_path / "plugins"
    (plugins / ofx.BUNDLE_NAME).mkdir(parents=True)
    (plugins / ofx.BUNDLE_NAME / "notes.txt").write_text("a user's folder that happens to have the name")
    with pytest.raises(atomic.NcstError, match="not a OFX plug-in bundle|did not write"):
        ofx.install_bundle(src, plugins, force=True)
    assert (plugins / ofx.BUNDLE_NAME / "notes.txt").exists()
    (plugins / ofx.BUNDLE_NAME / "notes.txt").unlink()
    (plugins / ofx.BUNDLE_NAME / "Contents").mkdir()  # an installed bundle: replaced
    assert ofx.install_bundle(src, plugins, force=True) == plugins / ofx.BUNDLE_NAME
    assert ofx.bundle_binary(plugins / ofx.BUNDLE_NAME).read_bytes() == b"\x7fELF-not-really"
    assert sorted(p.name for p in plugins.iterdir()) == [ofx.BUNDLE_NAME]
