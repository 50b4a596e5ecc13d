"""Ctrl-C during ``ncst apply`` on a video: exit 130 with one line, no traceback, no abort, and
nothing left beside the output (the render thread is stopped and joined before the process exits)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs the ffmpeg CLI to make the clip")


def _clip(folder: Path) -> Path:
    """A 20 s synthetic 640x360 H.264 clip: rendering it at preset medium takes many seconds."""
    path = folder / "long.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25",
                    "-t", "20", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(path)],
                   check=True, timeout=120)
    return path


@pytest.mark.parametrize("sharpness", [1.0, 1.5])  # the Y'CbCr path and the RGB path
def test_sigint_mid_render_exits_130_cleanly(tmp_path, sharpness):
    src = _clip(tmp_path)
    look = tmp_path / "params.json"
    look.write_text(f'{{"format": "ncst-look/1", "params": {{"hue": 20, "sharpness": {sharpness}}}}}')
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    env = dict(os.environ, PYTHONFAULTHANDLER="")
    proc = subprocess.Popen([sys.executable, "-m", "ncst_bridge", "apply", str(look), str(src), "-o",
                             str(out_dir / "graded.mp4"), "--no-progress"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        deadline = time.monotonic() + 60
        while not any(out_dir.iterdir()):  # the temporary output appears once frames are encoding
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the render never started"
            time.sleep(0.05)
        time.sleep(1.0)
        assert proc.poll() is None, "the render finished before the interrupt; make the clip longer"
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, err
    assert err.strip().splitlines() == ["ncst: interrupted"], err
    assert list(out_dir.iterdir()) == []
