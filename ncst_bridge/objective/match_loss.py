"""The matching objective that the direct solver, test-time fine-tuning and pretraining all minimise.

The weight-free colour style loss (Lab moments + sliced Wasserstein + the paper's histogram KL,
``objective.losses``) on the graded keyframes against the reference still, plus, where the content
and the reference could be registered (same scene), a robust loss on corresponding pixels.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # torch is imported only where the loss is computed: the look fit never needs it
    import torch

    from ncst_bridge.objective import losses

COLOUR_NAMES = ("brightness", "contrast", "gamma", "hue", "saturation", "temperature")


@dataclass
class LossWeights:
    """Weights of the match loss. The paper's histogram KL is off by default: with linear-binned
    histograms it roughens the landscape enough that a 6-parameter fit of an image to a graded copy
    of itself stalled in a wrong basin (hue +180, saturation 0.36) that the Lab moments + sliced
    Wasserstein loss alone does not have (tests/test_losses.py pins the recovery)."""

    moments: float = 1.0
    swd: float = 1.0
    hist: float = 0.0
    corr: float = 400.0


@dataclass
class Correspondences:
    """Matched colours: ``content[i]`` (before grading) should become ``reference[i]``."""

    content: torch.Tensor  # (N, 3)
    reference: torch.Tensor  # (N, 3)
    weights: torch.Tensor | None = None


def match_loss(
    graded: torch.Tensor,
    reference: torch.Tensor | losses.StyleTarget,
    weights: LossWeights,
    corr_graded: torch.Tensor | None = None,
    corr: Correspondences | None = None,
) -> torch.Tensor:
    """The solver's objective; shared with the neural solver's test-time fine-tuning.

    ``reference`` is the reference still (1, 3, h, w) or its precomputed losses.StyleTarget.
    """
    from ncst_bridge.objective import losses

    loss = losses.colour_style_loss(graded, reference, weights.moments, weights.swd, weights.hist)
    if corr is not None and corr_graded is not None and weights.corr:
        loss = loss + weights.corr * losses.correspondence_loss(corr_graded, corr.reference, corr.weights)
    return loss
