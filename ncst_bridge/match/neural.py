"""The neural solver: the NCST network (pretrained; the embedded model by default), fine-tuned at
test time on this clip's keyframes and the reference -- the paper's method. See model/finetune.py."""

from __future__ import annotations

from typing import Any
from collections.abc import Callable

import numpy as np
import torch

from ncst_bridge.grade.params import GradeParams
from ncst_bridge.objective.match_loss import Correspondences


def _batch(frames: list[np.ndarray], size: int) -> torch.Tensor:
    """Keyframes of any sizes -> one (K, 3, size, size) tensor (the network sees fixed-size inputs)."""
    import cv2

    out = [cv2.resize(np.asarray(f, np.float32), (size, size), interpolation=cv2.INTER_AREA) for f in frames]
    return torch.from_numpy(np.stack(out)).permute(0, 3, 1, 2).contiguous()


def solve_neural(
    frames: list[np.ndarray],
    reference: np.ndarray,
    cfg,
    iterations: int,
    corr: Correspondences | None,
    should_stop: Callable[[], bool] | None,
    progress: Callable[[int, float], None] | None,
) -> tuple[GradeParams, dict[str, Any]]:
    from ncst_bridge.model.checkpoint import load_default_model, load_model
    from ncst_bridge.model.finetune import finetune

    if cfg.model_path:
        model = load_model(cfg.model_path, encoder=cfg.encoder, names=tuple(cfg.names), vgg_weights=cfg.vgg_weights)
    else:
        model = load_default_model(encoder=cfg.encoder, names=tuple(cfg.names))
    size = getattr(model, "input_size", None) or 128
    kf = _batch(frames, size)
    ref = _batch([reference], size)
    params, info = finetune(
        model,
        kf,
        ref,
        iterations=iterations,
        device=cfg.device,
        weights=cfg.weights,
        correspondences=corr,
        seed=cfg.seed,
        progress=progress,
        should_stop=should_stop,
    )
    keep = (
        "loss",
        "initial_loss",
        "iterations",
        "seconds",
        "ms_per_iteration",
        "device",
        "amp",
        "mode",
        "lr",
        "interrupted",
        "encoder",
        "names",
    )
    out = {k: info[k] for k in keep if k in info}
    out["interrupted"] = bool(info.get("interrupted"))
    out["loss_curve"] = [
        round(float(v), 6) for v in info.get("history", [])[:: max(1, len(info.get("history", [])) // 50)]
    ]
    return params, out
