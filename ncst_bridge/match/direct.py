"""The direct solver: optimise the named parameters themselves (no network) -- the fast CPU path.

Loss on the graded content keyframes against the reference still: the weight-free colour style
loss (Lab moments + sliced Wasserstein + the paper's histogram KL) and, where the content and the
reference could be registered (same scene), a robust loss on corresponding pixels.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from collections.abc import Callable, Sequence
from typing import Any

import torch

from ncst_bridge.grade.grade import colour_grade, torch_threads
from ncst_bridge.grade.params import GradeParams
from ncst_bridge.objective import losses
from ncst_bridge.objective.adam import CosineAdam
from ncst_bridge.objective.match_loss import COLOUR_NAMES, Correspondences, LossWeights, match_loss
from ncst_bridge.objective.paramvec import ParamVector


@dataclass
class FitResult:
    params: GradeParams
    loss: float
    iterations: int
    seconds: float
    history: list = field(default_factory=list)


def _points(img: torch.Tensor, limit: int, seed: int) -> torch.Tensor:
    """A fixed random subset of an image batch's pixels as a (1, 3, N, 1) tensor (the grade is per pixel)."""
    pts = losses.as_points(img)
    if pts.shape[0] > limit:
        idx = torch.randperm(pts.shape[0], generator=torch.Generator().manual_seed(seed))[:limit]
        pts = pts[idx]
    return pts.T.reshape(1, 3, -1, 1).contiguous()


def _hue_starts(pv: ParamVector, z0: torch.Tensor) -> list[torch.Tensor]:
    """Starting points that cover the hue circle: a 6-parameter fit has a local minimum per half-turn."""
    if "hue" not in pv.names:
        return [z0]
    starts = []
    base = pv.to_params(z0).as_dict()
    for h in (0.0, 90.0, 179.0, -90.0):
        v = dict(base)
        v["hue"] = ((base["hue"] + h + 180.0) % 360.0) - 180.0
        starts.append(pv.to_z(v, dtype=z0.dtype))
    return starts


def fit_direct(
    content: torch.Tensor,
    reference: torch.Tensor,
    names: Sequence[str] = COLOUR_NAMES,
    iterations: int = 200,
    lr: float = 0.1,
    weights: LossWeights | None = None,
    correspondences: Correspondences | None = None,
    init: GradeParams | None = None,
    seed: int = 0,
    max_points: int = 8_000,
    should_stop: Callable[[], bool] | None = None,
    progress: Callable[[int, float], None] | None = None,
) -> FitResult:
    """Fit parameters so that f_P(content) looks like the reference.

    content: (K, 3, h, w) keyframes, reference: (1, 3, h', w'), display-encoded in [0, 1].
    With correspondences (same scene), their robust loss leads and starts the fit; otherwise a few
    short probes from starting points around the hue circle pick the basin, then Adam with a
    cosine-decaying step refines it. Returns the best parameters seen.
    """
    weights = weights or LossWeights()
    pv = ParamVector(names)
    dtype = content.dtype
    z0 = (pv.to_z(init.as_dict()) if init is not None else pv.neutral_z()).to(dtype)
    pts = _points(content, max_points, seed)
    target = losses.StyleTarget(reference, seed=seed)
    corr_in = None
    if correspondences is not None:
        corr_in = correspondences.content.T.reshape(1, 3, -1, 1).to(dtype)

    def objective(z: torch.Tensor) -> torch.Tensor:
        vals = pv.values(z)
        corr_graded = None
        if corr_in is not None:
            corr_graded = colour_grade(corr_in, vals).reshape(3, -1).T
        return match_loss(colour_grade(pts, vals), target, weights, corr_graded, correspondences)

    t0 = time.perf_counter()
    history: list[float] = []
    best: list[Any] = [float("inf"), z0.clone()]
    stopped = False

    def run(z_start: torch.Tensor, steps: int, lr0: float) -> tuple[float, torch.Tensor]:
        nonlocal stopped
        z = z_start.clone().requires_grad_()
        opt = CosineAdam(z, lr=lr0, t_max=max(steps, 1), eta_min=lr0 * 0.05)  # torch.optim's Adam + cosine
        local = (float("inf"), z_start.clone())
        for _ in range(steps):
            opt.zero_grad()
            loss = objective(z)
            loss.backward()
            lv = float(loss.detach())
            history.append(lv)
            if lv < local[0]:
                local = (lv, z.detach().clone())
            if lv < best[0]:
                best[0], best[1] = lv, z.detach().clone()
            opt.step()
            if progress:
                progress(len(history), lv)
            if should_stop and should_stop():
                stopped = True
                break
        return local

    with torch_threads(1):  # a few thousand points: threads cost more than they give (5x on 2 busy cores)
        starts = [z0] if corr_in is not None else _hue_starts(pv, z0)
        probe = max(10, iterations // 8) if len(starts) > 1 else 0
        if probe:
            scored = [run(z, probe, lr) for z in starts]
            z_main = min(scored, key=lambda r: r[0])[1]
        else:
            z_main = z0
        if not stopped:
            run(z_main, max(iterations - probe * len(starts), 1), lr)
    return FitResult(pv.to_params(best[1]), best[0], len(history), time.perf_counter() - t0, history)
