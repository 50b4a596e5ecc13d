"""The oracle: the colour parameters fitted to the known target itself (pixel to pixel).

Not a method a colourist has (it needs the answer): it is the ceiling of the six colour parameters
on a pair, so a benchmark can tell "the inference failed" from "the parameters cannot hold this look".
"""

from __future__ import annotations

import numpy as np
import torch

from ncst_bridge.grade.grade import colour_grade, colour_grade_numpy, torch_threads
from ncst_bridge.objective.losses import correspondence_loss
from ncst_bridge.objective.match_loss import COLOUR_NAMES
from ncst_bridge.objective.paramvec import ParamVector


def fit_to_target(content: np.ndarray, target: np.ndarray, names=COLOUR_NAMES, points: int = 2000,
                  iterations: int = 100, seed: int = 0):
    """Parameters minimising the robust Lab distance of graded content pixels to the target's."""
    rng = np.random.default_rng(seed)
    idx = rng.choice(content.shape[0] * content.shape[1], size=min(points, content.shape[0] * content.shape[1]),
                     replace=False)
    c = torch.from_numpy(content.reshape(-1, 3)[idx]).float()
    t = torch.from_numpy(target.reshape(-1, 3)[idx]).float()
    c_in = c.T.reshape(1, 3, -1, 1)
    pv = ParamVector(names)

    def loss_of(z):
        return correspondence_loss(colour_grade(c_in, pv.values(z)).reshape(3, -1).T, t)

    def run(z0, steps):
        z = z0.clone().requires_grad_()
        opt = torch.optim.Adam([z], lr=0.1)
        best = (float("inf"), z0)
        for _ in range(steps):
            opt.zero_grad()
            loss = loss_of(z)
            loss.backward()
            if float(loss) < best[0]:
                best = (float(loss), z.detach().clone())
            opt.step()
        return best

    with torch_threads(1):
        base = pv.neutral_z()
        starts = []
        for h in (0.0, 90.0, 179.0, -90.0):
            v = pv.to_params(base).as_dict()
            v["hue"] = h
            starts.append(pv.to_z(v))
        z = min((run(s, 20) for s in starts), key=lambda r: r[0])[1]
        z = run(z, iterations)[1]
    return pv.to_params(z)


def oracle(content: np.ndarray, target: np.ndarray) -> np.ndarray:
    return colour_grade_numpy(content, fit_to_target(content, target))
