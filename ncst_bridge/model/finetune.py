"""Test-time training: adapt the pretrained NCST network to one clip and reference -> ONE parameter set.

Paper: batch 1, 500 iterations, Adam lr 1e-4, on the clip's representative frames and the style
image. The loss is exactly the direct solver's objective, ``objective.match_loss.match_loss`` (colour style
loss with the paper's histogram KL, plus the correspondence term where the lead's pipeline registered
content and reference), optionally plus the paper's VGG style/content losses with the vgg19 encoder.

One parameter set for the whole clip (``mode``):

* ``mean`` (default): every step runs the network on all K keyframes against the reference (the
  pairs are independent samples for GroupNorm, so this is K batch-1 problems side by side), averages
  the K predicted z into one clip z, grades every keyframe with it, and takes match_loss over all
  of them. The returned parameters are therefore exactly the ones whose loss was measured and
  minimised, and they come from the network (not a free vector), so the pretrained prior shapes them.
* ``sample`` (the paper's literal batch 1): each step draws one keyframe, predicts its z and
  minimises its own loss; the clip's parameters are the mean z over all keyframes, evaluated (no
  gradient) every ``eval_every`` steps with the clip loss, which is what "best so far" tracks.

The frozen encoder's features of the keyframes and the reference are computed once; each step runs
only the blocks and the head. Ctrl-C (KeyboardInterrupt, also from a callback) stops cleanly and
returns the best parameters so far with ``info["interrupted"] = True``.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable

import numpy as np
import torch

from ncst_bridge.errors import NcstError
from ncst_bridge.grade.grade import colour_grade
from ncst_bridge.grade.params import GradeParams
from ncst_bridge.objective.match_loss import Correspondences, LossWeights, match_loss
from ncst_bridge.model.device import amp_dtype, autocast, grad_scaler, resolve_device
from ncst_bridge.model.network import NCSTNet
from ncst_bridge.model import vgg_losses
from ncst_bridge.objective import losses

MODES = ("mean", "sample")


def _check_images(keyframes: torch.Tensor, reference: torch.Tensor) -> None:
    if not torch.is_tensor(keyframes) or keyframes.ndim != 4 or keyframes.shape[1] != 3 or keyframes.shape[0] < 1:
        raise ValueError(f"keyframes must be a (K, 3, h, w) tensor, got {getattr(keyframes, 'shape', type(keyframes))}")
    if not torch.is_tensor(reference) or reference.ndim != 4 or reference.shape[:2] != (1, 3):
        raise ValueError(f"reference must be a (1, 3, h, w) tensor, got {getattr(reference, 'shape', type(reference))}")


def _clip_z(net: NCSTNet, fc: list, fs: list, amp) -> torch.Tensor:
    """The clip's z: the network's prediction for every keyframe against the reference, averaged."""
    dev = fc[0].device
    with autocast(dev, amp):
        z = net.from_features(fc, fs)
    return z.float().mean(0)


def predict(
    model: NCSTNet, keyframes: torch.Tensor, reference: torch.Tensor, device: str | torch.device = "cpu"
) -> GradeParams:
    """Zero-shot: the pretrained network's parameters for the clip (mean z over keyframes), no training."""
    _check_images(keyframes, reference)
    dev = resolve_device(device)
    net = model.to(dev)
    with torch.no_grad():
        z = _clip_z(net, net.encode(keyframes.to(dev)), net.encode(reference.to(dev)), None)
    return net.pv.to_params(z.cpu())


def finetune(
    model: NCSTNet,
    keyframes: torch.Tensor,
    reference: torch.Tensor,
    iterations: int = 500,
    lr: float = 1e-4,
    device: str | torch.device = "auto",
    *,
    weights: LossWeights | None = None,
    correspondences: Correspondences | None = None,
    mode: str = "mean",
    amp: str = "auto",
    seed: int = 0,
    prior_weight: float = 0.0,
    vgg_style_weight: float = 0.0,
    vgg_content_weight: float = 0.0,
    eval_every: int = 25,
    progress_bar: bool = False,
    progress: Callable[[int, float], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    copy_model: bool = True,
) -> tuple[GradeParams, dict]:
    """Fine-tune ``model`` on (keyframes (K, 3, h, w), reference (1, 3, h', w')) -> (GradeParams, info).

    ``weights``/``correspondences`` are those of objective.match_loss.match_loss. ``prior_weight`` > 0 adds
    ``prior_weight * mean((z - z_pretrained)^2)``, keeping the fine-tuned z near the pretrained
    network's own prediction. The model is deep-copied unless ``copy_model=False``.
    info: loss (best), initial_loss, initial_params (zero-shot), iterations, seconds, ms_per_iteration,
    device, amp, mode, interrupted, history (loss per step), encoder, names.
    """
    _check_images(keyframes, reference)
    if mode not in MODES:
        raise NcstError(f"fine-tuning mode {mode}: choose from {', '.join(MODES)}")
    if iterations < 0:
        raise NcstError(f"--iterations must be at least 0 (got {iterations})")
    if (vgg_style_weight or vgg_content_weight) and model.encoder.name != "vgg19":
        raise NcstError("the VGG style/content losses need a vgg19 model, this one uses " + model.encoder.name)
    from tqdm import tqdm

    weights = weights or LossWeights()
    dev = resolve_device(device)
    amp_dt = amp_dtype(dev, amp)
    net = copy.deepcopy(model) if copy_model else model
    net.to(dev).train()
    kf = keyframes.to(dev, torch.float32)
    ref = reference.to(dev, torch.float32)
    fc, fs = net.encode(kf), net.encode(ref)
    use_vgg = bool(vgg_style_weight or vgg_content_weight)
    if use_vgg:
        with torch.no_grad():
            ref_vgg, kf_vgg = net.encoder(ref), net.encoder(kf)
    corr_in = None
    if correspondences is not None:
        corr_in = correspondences.content.to(dev, torch.float32).T.reshape(1, 3, -1, 1)
        correspondences = Correspondences(
            correspondences.content.to(dev, torch.float32),
            correspondences.reference.to(dev, torch.float32),
            None if correspondences.weights is None else correspondences.weights.to(dev, torch.float32),
        )
    params = [p for p in net.parameters() if p.requires_grad]
    opt = torch.optim.Adam(params, lr=lr)
    scaler = grad_scaler(dev, amp_dt)
    target = losses.StyleTarget(ref, seed=seed)  # the reference's statistics, computed once
    rng = np.random.default_rng(seed)
    k_frames = kf.shape[0]

    def clip_loss(z: torch.Tensor, frames: slice | int = slice(None)) -> torch.Tensor:
        vals = net.values(z)
        content = kf[frames] if isinstance(frames, slice) else kf[frames : frames + 1]
        graded = colour_grade(content, vals)
        corr_graded = None
        if corr_in is not None:
            corr_graded = colour_grade(corr_in, vals).reshape(3, -1).T
        loss = match_loss(graded, target, weights, corr_graded, correspondences)
        if use_vgg:
            out_feats = net.encoder(graded)
            if vgg_style_weight:
                loss = loss + vgg_style_weight * vgg_losses.style_from_features(out_feats, ref_vgg)
            if vgg_content_weight:
                content_feats = kf_vgg if isinstance(frames, slice) else [f[frames : frames + 1] for f in kf_vgg]
                loss = loss + vgg_content_weight * vgg_losses.content_from_features(out_feats, content_feats)
        return loss

    with torch.no_grad():
        z0 = _clip_z(net, fc, fs, amp_dt)
        initial_loss = float(clip_loss(z0))
    best_loss, best_z = initial_loss, z0.clone()
    history: list[float] = []
    interrupted = False
    done = 0
    bar = tqdm(total=iterations, desc="fine-tune", unit="it", disable=not progress_bar, dynamic_ncols=True)
    t0 = time.perf_counter()
    try:
        for it in range(1, iterations + 1):
            if mode == "mean":
                z = _clip_z(net, fc, fs, amp_dt)
                loss = clip_loss(z)
            else:
                k = int(rng.integers(k_frames))
                with autocast(dev, amp_dt):
                    z = net.from_features([f[k : k + 1] for f in fc], fs)
                z = z.float()[0]
                loss = clip_loss(z, k)
            if prior_weight:
                loss = loss + prior_weight * ((z - z0) ** 2).mean()
            lv = float(loss.detach())
            if not np.isfinite(lv):
                break  # keep the best finite parameters found so far
            if mode == "mean" and lv < best_loss:
                best_loss, best_z = lv, z.detach().clone()
            opt.zero_grad(set_to_none=True)
            scaler.scale(loss).backward()
            scaler.step(opt)
            scaler.update()
            done = it
            history.append(lv)
            if mode == "sample" and (it % eval_every == 0 or it == iterations):
                with torch.no_grad():
                    zc = _clip_z(net, fc, fs, amp_dt)
                    cl = float(clip_loss(zc)) + (prior_weight * float(((zc - z0) ** 2).mean()) if prior_weight else 0.0)
                if cl < best_loss:
                    best_loss, best_z = cl, zc.clone()
            bar.set_postfix(loss=f"{lv:.5f}", best=f"{best_loss:.5f}", refresh=False)
            bar.update(1)
            if progress:
                progress(it, lv)
            if should_stop and should_stop():
                break
    except KeyboardInterrupt:
        interrupted = True
    finally:
        bar.close()
    seconds = time.perf_counter() - t0
    found = net.pv.to_params(best_z.detach().cpu())
    info = {
        "loss": best_loss,
        "initial_loss": initial_loss,
        "initial_params": net.pv.to_params(z0.detach().cpu()).as_dict(),
        "iterations": done,
        "seconds": seconds,
        "ms_per_iteration": 1000.0 * seconds / max(done, 1),
        "device": str(dev),
        "amp": str(amp_dt).replace("torch.", "") if amp_dt else "off",
        "mode": mode,
        "lr": lr,
        "interrupted": interrupted,
        "history": history,
        "encoder": net.encoder.name,
        "names": list(net.names),
        "keyframes": k_frames,
    }
    return found, info
