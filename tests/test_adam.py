"""objective/adam.CosineAdam follows torch.optim.Adam + CosineAnnealingLR step for step."""

from __future__ import annotations

import pytest
import torch

from ncst_bridge.objective.adam import CosineAdam


@pytest.mark.parametrize("steps", [1, 7, 60])
def test_same_trajectory_as_torch_optim(steps):
    torch.manual_seed(0)
    target = torch.randn(7, dtype=torch.float64)
    start = torch.randn(7, dtype=torch.float64)

    def loss_of(z):
        return ((z - target) ** 2 * torch.arange(1, 8)).sum() + torch.sin(3 * z).sum()

    a = start.clone().requires_grad_()
    ours = CosineAdam(a, lr=0.1, t_max=steps, eta_min=0.005)
    b = start.clone().requires_grad_()
    opt = torch.optim.Adam([b], lr=0.1)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps, eta_min=0.005)
    for _ in range(steps + 5):  # past T_max too
        ours.zero_grad()
        loss_of(a).backward()
        ours.step()
        opt.zero_grad()
        loss_of(b).backward()
        opt.step()
        sched.step()
        assert ours.lr == pytest.approx(opt.param_groups[0]["lr"], rel=1e-12, abs=1e-15)
        torch.testing.assert_close(a.detach(), b.detach(), rtol=0, atol=1e-12)
