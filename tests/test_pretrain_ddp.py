"""Distributed pretraining: a 2-process CPU run under torchrun (gloo) stays in sync and writes one checkpoint."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from conftest import REPO
from model_support import image_folder
from ncst_bridge.model import checkpoint as ckpt


def test_two_process_gloo_run(tmp_path):
    images = image_folder(tmp_path / "imgs", n=3, corrupt=False)
    out = tmp_path / "ddp"
    env = dict(os.environ, PYTHONPATH=str(REPO), OMP_NUM_THREADS="1")
    proc = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
         "-m", "ncst_bridge", "pretrain", "--images", str(images), "--out", str(out), "--iterations", "3",
         "--batch", "1", "--size", "64", "--width", "8", "--hidden", "16", "--device", "cpu", "--log-every", "1",
         "--no-progress"],
        env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    card = json.loads((out / ckpt.CARD_FILE).read_text())
    tr = card["training"]
    assert tr["world_size"] == 2 and tr["effective_batch"] == 2 and tr["iterations_done"] == 3
    assert card["ranks_in_sync"] is True  # DDP averaged the gradients: both ranks hold the same weights
    assert len(card["loss_curve"]) == 3
    ckpt.load_model(out)
    assert proc.stdout.count("wrote ") == 1  # only rank 0 reports and writes
