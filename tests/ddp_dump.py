"""Runs ``ncst pretrain`` under torchrun and saves each rank's final weights (test_pretrain_ddp.py).

Each rank writes ``rank<N>.pt`` into ``$NCST_DDP_DUMP`` just before the ranks compare checksums, so
the test can compare the weights of both processes itself instead of trusting that comparison.
"""

import os
import sys

import torch

from ncst_bridge.cli import main
from ncst_bridge.model import pretrain

_compare = pretrain._ranks_in_sync


def _dump_then_compare(model, world, device):
    weights = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
    torch.save(weights, os.path.join(os.environ["NCST_DDP_DUMP"], f"rank{os.environ['RANK']}.pt"))
    return _compare(model, world, device)


pretrain._ranks_in_sync = _dump_then_compare
sys.exit(main(sys.argv[1:]))
