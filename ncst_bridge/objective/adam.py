"""Adam with a cosine-annealed learning rate, for one parameter tensor: the direct solver's optimiser.

The same arithmetic as ``torch.optim.Adam`` (defaults: betas 0.9/0.999, eps 1e-8, no weight decay)
stepped with ``torch.optim.lr_scheduler.CosineAnnealingLR`` -- tests/test_adam.py checks the
trajectories agree -- written out because constructing any ``torch.optim`` optimiser imports
``torch._dynamo`` (about 2 s of ``ncst match`` start-up on a 2-core machine) for a 7-number problem.
"""

from __future__ import annotations

import math

import torch


class CosineAdam:
    """``Adam([param], lr)`` + ``CosineAnnealingLR(T_max, eta_min)``: call ``zero_grad``, backward,
    then ``step`` (which also advances the schedule)."""

    def __init__(
        self,
        param: torch.Tensor,
        lr: float,
        t_max: int,
        eta_min: float = 0.0,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ):
        self.param, self.lr0, self.t_max, self.eta_min = param, lr, max(int(t_max), 1), eta_min
        self.lr = lr
        self.beta1, self.beta2, self.eps = betas[0], betas[1], eps
        self.m = torch.zeros_like(param)
        self.v = torch.zeros_like(param)
        self.t = 0

    def zero_grad(self) -> None:
        self.param.grad = None

    @torch.no_grad()
    def step(self) -> None:
        g = self.param.grad
        if g is not None:
            self.t += 1
            self.m.lerp_(g, 1 - self.beta1)
            self.v.mul_(self.beta2).addcmul_(g, g.conj(), value=1 - self.beta2)
            bias1 = 1 - self.beta1**self.t
            bias2_sqrt = math.sqrt(1 - self.beta2**self.t)
            denom = (self.v.sqrt() / bias2_sqrt).add_(self.eps)
            self.param.addcdiv_(self.m, denom, value=-self.lr / bias1)
        self._advance()

    def _advance(self) -> None:
        """CosineAnnealingLR's recursive form (what torch computes), one epoch per step."""
        self._epoch = getattr(self, "_epoch", 0) + 1
        e, t_max, lo = self._epoch, self.t_max, self.eta_min
        if (e - 1 - t_max) % (2 * t_max) == 0:
            self.lr = self.lr + (self.lr0 - lo) * (1 - math.cos(math.pi / t_max)) / 2
        else:
            self.lr = (1 + math.cos(math.pi * e / t_max)) / (1 + math.cos(math.pi * (e - 1) / t_max)) * (
                self.lr - lo
            ) + lo
