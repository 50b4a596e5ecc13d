"""Distributed pretraining: a 2-process CPU run under torchrun (gloo) stays in sync and writes one checkpoint."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import torch

from conftest import REPO
from model_support import image_folder
from ncst_bridge.model import checkpoint as ckpt


def test_two_process_gloo_run(tmp_path):
    images = image_folder(tmp_path / "imgs", n=3, corrupt=False)
    out = tmp_path / "ddp"
    dumps = tmp_path / "weights"
    dumps.mkdir()
    env = dict(os.environ, PYTHONPATH=str(REPO), OMP_NUM_THREADS="1", NCST_DDP_DUMP=str(dumps))
    proc = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
         str(REPO / "tests" / "ddp_dump.py"), "pretrain", "--images", str(images), "--out", str(out), "--iterations", "3",
         "--batch", "1", "--size", "64", "--width", "8", "--hidden", "16", "--device", "cpu", "--log-every", "1",
         "--no-progress"],
        env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    card = json.loads((out / ckpt.CARD_FILE).read_text())
    tr = card["training"]
    assert tr["world_size"] == 2 and tr["effective_batch"] == 2 and tr["iterations_done"] == 3
    # DDP averaged the gradients: both processes hold exactly the same weights, and the checkpoint holds them
    w0, w1 = (torch.load(dumps / f"rank{r}.pt") for r in (0, 1))
    assert w0.keys() == w1.keys() and all(torch.equal(w0[k], w1[k]) for k in w0)
    saved = ckpt.load_model(out).state_dict()
    assert all(torch.equal(saved[k].cpu(), w0[k]) for k in saved)  # the checkpoint is those weights
    assert card["ranks_in_sync"] is True
    assert len(card["loss_curve"]) == 3
    ckpt.load_model(out)
    assert proc.stdout.count("wrote ") == 1  # only rank 0 reports and writes
