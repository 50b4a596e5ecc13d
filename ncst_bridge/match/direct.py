"""The direct solver: optimise the named parameters themselves (no network) -- the fast CPU path.

Loss on the graded content keyframes against the reference still: the weight-free colour style
loss (Lab moments + sliced Wasserstein + the paper's histogram KL) and, where the content and the
reference could be registered (same scene), a robust loss on corresponding pixels.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, Sequence

import torch

from ncst_bridge.grade.grade import colour_grade
from ncst_bridge.grade.params import GradeParams
from ncst_bridge.match.paramvec import ParamVector
from ncst_bridge.model import losses

COLOUR_NAMES = ("brightness", "contrast", "gamma", "hue", "saturation", "temperature")


@dataclass
class LossWeights:
    moments: float = 1.0
    swd: float = 1.0
    hist: float = 0.02
    corr: float = 20.0


@dataclass
class Correspondences:
    """Matched colours: ``content[i]`` (before grading) should become ``reference[i]``."""

    content: torch.Tensor  # (N, 3)
    reference: torch.Tensor  # (N, 3)
    weights: torch.Tensor | None = None


@dataclass
class FitResult:
    params: GradeParams
    loss: float
    iterations: int
    seconds: float
    history: list = field(default_factory=list)


def match_loss(graded: torch.Tensor, reference: torch.Tensor, weights: LossWeights,
               corr_graded: torch.Tensor | None = None, corr: Correspondences | None = None,
               generator: torch.Generator | None = None) -> torch.Tensor:
    """The solver's objective; shared with the neural solver's test-time fine-tuning."""
    loss = losses.colour_style_loss(graded, reference, weights.moments, weights.swd, weights.hist, generator)
    if corr is not None and corr_graded is not None and weights.corr:
        loss = loss + weights.corr * losses.correspondence_loss(corr_graded, corr.reference, corr.weights)
    return loss


def fit_direct(content: torch.Tensor, reference: torch.Tensor, names: Sequence[str] = COLOUR_NAMES,
               iterations: int = 200, lr: float = 0.08, weights: LossWeights | None = None,
               correspondences: Correspondences | None = None, init: GradeParams | None = None,
               seed: int = 0, should_stop: Callable[[], bool] | None = None,
               progress: Callable[[int, float], None] | None = None) -> FitResult:
    """Fit parameters so that f_P(content) looks like the reference.

    content: (K, 3, h, w) keyframes, reference: (1, 3, h', w'), display-encoded in [0, 1].
    """
    weights = weights or LossWeights()
    pv = ParamVector(names)
    z0 = pv.to_z(init.as_dict()) if init is not None else pv.neutral_z()
    z = z0.clone().to(content.dtype).requires_grad_()
    opt = torch.optim.Adam([z], lr=lr)
    gen = torch.Generator().manual_seed(seed)
    corr_in = None
    if correspondences is not None:
        corr_in = correspondences.content.T.reshape(1, 3, -1, 1).to(content.dtype)
    best = (float("inf"), z0.clone())
    history = []
    t0 = time.perf_counter()
    it = 0
    for it in range(1, iterations + 1):
        opt.zero_grad()
        vals = pv.values(z)
        graded = colour_grade(content, vals)
        corr_graded = None
        if corr_in is not None:
            corr_graded = colour_grade(corr_in, vals).reshape(3, -1).T
        loss = match_loss(graded, reference, weights, corr_graded, correspondences, gen)
        loss.backward()
        lv = float(loss)
        history.append(lv)
        if lv < best[0]:
            best = (lv, z.detach().clone())
        opt.step()
        if progress:
            progress(it, lv)
        if should_stop and should_stop():
            break
    return FitResult(pv.to_params(best[1]), best[0], it, time.perf_counter() - t0, history)
