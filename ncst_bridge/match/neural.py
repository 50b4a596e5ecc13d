"""The neural solver: the NCST network pretrained across content, then a test-time step on this clip.

Jiang et al., "NCST: Neural-based Color Style Transfer for Video Retouching" (arXiv 2411.00335).

The network reads the look from the reference and predicts the clip's parameters (mean z over the
keyframes, model/finetune.py ``predict``). What the test-time step optimises depends on the evidence:

* the reference registered with the clip (same scene, pixel pairs): the paper's test-time training
  (model/finetune.py) with the pixel pairs in its loss, starting from the pretrained network;
* no pixel in common (``test_time="auto"``, the default): where the two colour clouds are alike
  (content difference below ``LOOK_STEP_BELOW``: most often two views of one scene), the look fit's
  evidence (match/look_fit.py) with the network's prediction as the centre of its prior -- the
  network says what the look probably is, this clip's and this reference's statistics refine it;
  otherwise the network's prediction as it is, because across different scenes those statistics
  mislead (measured: the refinement made different-photo pairs worse, 8.96 -> 13.67 ΔE00);
* ``test_time="look"`` / ``"none"`` force either; ``"match-loss"``: the paper's distribution losses,
  which pull the clip's colours onto the reference scene's.

Which one ``--solver auto`` runs, and the prior width, come from bench/cross_content_bench.py.
"""

from __future__ import annotations

from typing import Any
from collections.abc import Callable

import numpy as np
import torch

from ncst_bridge.errors import NcstError
from ncst_bridge.grade.params import GradeParams
from ncst_bridge.objective.match_loss import Correspondences

TEST_TIME = ("auto", "look", "none", "match-loss")
# Below this content difference (match/pipeline.py content_difference) the look fit refines the
# network's prediction (set on the tuning split: halves 10.06 -> 9.69 ΔE00, different photos unchanged).
LOOK_STEP_BELOW = 0.3
# Views of the reference the prediction averages over (reference_views): 7 against 1 on the tuning
# split, 9.33 against 9.40 ΔE00 mean over its six tier/family groups, 4 of 6 groups better.
VIEWS = 7
# The look fit's prior widths around the network's prediction, as a multiple of its neutral prior's
# (set on the tuning split of bench/cross_content_bench.py).
PRIOR_SCALE = 1.0


def reference_views(ref: torch.Tensor, views: int) -> torch.Tensor:
    """(1, 3, s, s) -> (views, 3, s, s): the reference, its mirror image, and crops of 80% of it
    (corners, then the centre), each resized back: what the network reads should not hinge on one framing."""
    s = ref.shape[-1]
    c = round(0.8 * s)
    out = [ref, ref.flip(-1)]
    for y, x in ((0, 0), (0, s - c), (s - c, 0), (s - c, s - c), ((s - c) // 2, (s - c) // 2)):
        crop = ref[..., y : y + c, x : x + c]
        out.append(torch.nn.functional.interpolate(crop, size=(s, s), mode="bilinear", align_corners=False))
    return torch.cat(out[:views])


def predict_views(model, kf: torch.Tensor, ref: torch.Tensor, views: int) -> tuple[GradeParams, float]:
    """The network's clip parameters averaged over every keyframe and ``views`` views of the reference
    (mean z), and the spread of the per-view predictions (mean standard deviation of z over views)."""
    refs = reference_views(ref, views)
    with torch.no_grad():
        fc, fs = model.encode(kf), model.encode(refs)
        k, v = kf.shape[0], refs.shape[0]
        z = model.from_features([f.repeat_interleave(v, 0) for f in fc], [f.repeat(k, 1, 1, 1) for f in fs])
        z = z.float().reshape(k, v, -1).mean(0)  # (views, n): each view's clip z
    spread = float(z.std(0).mean()) if v > 1 else 0.0
    return model.pv.to_params(z.mean(0)), spread


def _batch(frames: list[np.ndarray], size: int) -> torch.Tensor:
    """Keyframes of any sizes -> one (K, 3, size, size) tensor (the network sees fixed-size inputs)."""
    import cv2

    out = [cv2.resize(np.asarray(f, np.float32), (size, size), interpolation=cv2.INTER_AREA) for f in frames]
    return torch.from_numpy(np.stack(out)).permute(0, 3, 1, 2).contiguous()


def test_time_step(test_time: str, content_difference: float) -> str:
    """What runs after the network's prediction on a reference of other content (module docstring)."""
    if test_time not in TEST_TIME:
        raise NcstError(f"test-time step must be one of {', '.join(TEST_TIME)}, got '{test_time}'")
    if test_time == "auto":
        return "look" if content_difference < LOOK_STEP_BELOW else "none"
    return test_time


_NETWORKS: dict[tuple, Any] = {}


def load_network(cfg):
    """The checkpoint ``cfg.model_path`` (default: the embedded model), loaded once per process."""
    from ncst_bridge.model.checkpoint import load_default_model, load_model

    key = (cfg.model_path, cfg.encoder, tuple(cfg.names), cfg.vgg_weights)
    if key not in _NETWORKS:
        if cfg.model_path:
            net = load_model(cfg.model_path, encoder=cfg.encoder, names=tuple(cfg.names), vgg_weights=cfg.vgg_weights)
        else:
            net = load_default_model(encoder=cfg.encoder, names=tuple(cfg.names))
        _NETWORKS[key] = net.eval()
    return _NETWORKS[key]


def solve_neural(
    frames: list[np.ndarray],
    reference: np.ndarray,
    cfg,
    iterations: int,
    corr: Correspondences | None,
    should_stop: Callable[[], bool] | None,
    progress: Callable[[int, float], None] | None,
    content_difference: float = 1.0,
) -> tuple[GradeParams, dict[str, Any]]:
    from ncst_bridge.model.finetune import finetune

    test_time = test_time_step(getattr(cfg, "test_time", "auto"), content_difference)
    model = load_network(cfg)
    size = getattr(model, "input_size", None) or 128
    kf = _batch(frames, size)
    ref = _batch([reference], size)
    predicted, spread = predict_views(model, kf, ref, getattr(cfg, "views", None) or VIEWS)
    out: dict[str, Any] = {
        "encoder": model.encoder.name,
        "names": list(model.names),
        "network_params": {k: round(v, 5) for k, v in predicted.as_dict().items() if k in model.names},
        "network_spread": round(spread, 4),
    }
    if corr is None and test_time == "none":
        out["test_time"] = "none"
        return predicted, out
    if corr is None and test_time == "look":
        from ncst_bridge.match.look_fit import load as load_look, with_prior

        look = with_prior(load_look(cfg.look_path), predicted, getattr(cfg, "prior_scale", None) or PRIOR_SCALE)
        params, fit_info = look.fit(frames, reference, cfg.seed, iterations)
        out.update({"test_time": "look fit, network prior", "look_fit": fit_info, "device": "cpu"})
        return params, out
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
    keep = ("loss", "initial_loss", "iterations", "seconds", "ms_per_iteration", "device", "amp", "mode", "lr")
    out.update({k: info[k] for k in keep if k in info})
    out["test_time"] = "fine-tuning, pixel pairs" if corr is not None else "fine-tuning, match loss"
    out["interrupted"] = bool(info.get("interrupted"))
    out["loss_curve"] = [
        round(float(v), 6) for v in info.get("history", [])[:: max(1, len(info.get("history", [])) // 50)]
    ]
    return params, out
