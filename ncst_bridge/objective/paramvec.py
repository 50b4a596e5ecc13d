"""Unconstrained <-> named parameters: how solvers and the network's head stay inside the ranges.

Each parameter is ``lo + (hi - lo) * sigmoid(z)`` (in log space for factors), so any real z is a
valid grade and z = logit(unit(neutral)) is the identity. Solvers optimise z; the head emits z.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch

from ncst_bridge.grade.params import NAMES, PARAMS, GradeParams


class ParamVector:
    """The squashing map for an ordered subset of parameters (the rest stay neutral)."""

    def __init__(self, names: Sequence[str] = NAMES):
        unknown = [n for n in names if n not in PARAMS]
        if unknown:
            raise ValueError(f"unknown parameter(s): {unknown}")
        self.names = tuple(names)
        self._lo, self._hi, self._log = [], [], []
        for n in self.names:
            s = PARAMS[n]
            self._log.append(s.log_scale)
            self._lo.append(math.log(s.lo) if s.log_scale else s.lo)
            self._hi.append(math.log(s.hi) if s.log_scale else s.hi)

    def __len__(self) -> int:
        return len(self.names)

    def neutral_z(self, dtype=torch.float32, device="cpu") -> torch.Tensor:
        """z of the identity grade (each parameter at its neutral value)."""
        return self.to_z({n: PARAMS[n].neutral for n in self.names}, dtype, device)

    def to_z(self, values: dict, dtype=torch.float32, device="cpu") -> torch.Tensor:
        z = []
        for i, n in enumerate(self.names):
            v = float(values.get(n, PARAMS[n].neutral))
            v = math.log(v) if self._log[i] else v
            u = (v - self._lo[i]) / (self._hi[i] - self._lo[i])
            u = min(max(u, 1e-4), 1 - 1e-4)
            z.append(math.log(u / (1 - u)))
        return torch.tensor(z, dtype=dtype, device=device)

    def values(self, z: torch.Tensor) -> dict[str, torch.Tensor]:
        """z of shape (..., len) -> {name: tensor of shape (...)} inside each range."""
        lo = torch.tensor(self._lo, dtype=z.dtype, device=z.device)
        hi = torch.tensor(self._hi, dtype=z.dtype, device=z.device)
        v = lo + (hi - lo) * torch.sigmoid(z)
        is_log = torch.tensor(self._log, device=z.device)
        # exp only where the parameter is log-spaced: exp(hue up to 180) overflows float32, and
        # torch.where's backward then gives 0 * inf = NaN to hue beyond about +-88.7 degrees.
        v = torch.where(is_log, torch.exp(torch.where(is_log, v, torch.zeros_like(v))), v)
        return {n: v[..., i] for i, n in enumerate(self.names)}

    def to_params(self, z: torch.Tensor) -> GradeParams:
        """A 1-D z -> GradeParams (clipped into range against float rounding)."""
        vals = {}
        for n, t in self.values(z.detach().double()).items():
            s = PARAMS[n]
            vals[n] = min(max(float(t), s.lo), s.hi)
        return GradeParams(vals)
