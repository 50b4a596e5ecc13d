"""The look fit: a MAP estimate of the grade when the reference shows other content.

With no pixel in common, the evidence is a handful of image statistics that a look moves and a
scene moves less: luminance quantiles (tone curve, black and white points), the tint of shadows,
mid-tones, highlights and the most neutral pixels, chroma quantiles, per-channel RGB extremes and
the chroma-weighted hue histogram. How much each of them (and each combination) differs between two
*different* contents under the *same* look was measured on the tuning photos
(``bench/fit_look_noise.py``) and is stored as a whitening matrix, so a statistic that scenes move a
lot (the hue histogram) counts for little and one they rarely move (the neutral tint) counts for
much. The fit minimises

    sum_i rho((W (f(grade_u(content)) - f(reference)))_i)  +  1/2 |u / sigma|^2

over u (log2 brightness, contrast, gamma; hue / 90 degrees; log2 saturation; temperature): a robust
(Cauchy) likelihood, so one statistic the scenes disagree on cannot drag the grade, and a Gaussian
prior of plausible grades (mild; a large hue rotation needs strong evidence). Short probes from a
few hue starting points pick the basin (the hue likelihood has several), then Adam refines it.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ncst_bridge.errors import NcstError
from ncst_bridge.grade.grade import colour_grade, torch_threads
from ncst_bridge.grade.params import PARAMS, GradeParams
from ncst_bridge.objective.colour_space import srgb_to_lab

DEFAULT_PATH = Path(__file__).resolve().parents[1] / "data" / "look_noise.safetensors"
L_QUANTILES = (0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99)
C_QUANTILES = (0.25, 0.5, 0.75, 0.9, 0.98)
RGB_QUANTILES = (0.01, 0.5, 0.99)
HUE_BINS = 12
HUE_KAPPA = 4.0  # von Mises kernel of the soft hue histogram (about 30 degrees wide)
POINTS = 4096
U_NAMES = ("brightness", "contrast", "gamma", "hue", "saturation", "temperature")
U_LO = (-1.0, -1.0, -1.0, -2.0, -10.0, -1.0)
U_HI = (1.0, 1.0, 1.0, 2.0, 1.0, 1.0)


def features(rgb: torch.Tensor) -> torch.Tensor:
    """(N, 3) display-encoded RGB points -> the look statistics (differentiable in ``rgb``)."""
    n = rgb.shape[0]
    lab = srgb_to_lab(rgb) / 100.0
    L, a, b = lab[:, 0], lab[:, 1], lab[:, 2]

    def at(sorted_v: torch.Tensor, qs) -> torch.Tensor:
        return sorted_v[[int(q * (n - 1)) for q in qs]]

    Ls, order = torch.sort(L)
    k = max(1, n // 5)
    out = [at(Ls, L_QUANTILES)]
    for band in (order[:k], order[k : n - k], order[n - k :]):  # shadows, mid-tones, highlights
        out.append(torch.stack([a[band].mean(), b[band].mean()]))
    C = torch.sqrt(a * a + b * b + 1e-8)
    Cs, corder = torch.sort(C)
    out.append(at(Cs, C_QUANTILES))
    neutral = corder[: max(1, (3 * n) // 10)]
    out.append(torch.stack([a[neutral].mean(), b[neutral].mean(), a.mean(), b.mean()]))
    rs, _ = torch.sort(rgb, dim=0)
    out.append(at(rs, RGB_QUANTILES).reshape(-1))
    h = torch.atan2(b, a)
    centres = torch.arange(HUE_BINS, dtype=rgb.dtype) * (2 * math.pi / HUE_BINS)
    kern = torch.exp(HUE_KAPPA * (torch.cos(h[:, None] - centres[None]) - 1.0))
    kern = kern / (kern.sum(1, keepdim=True) + 1e-8)
    out.append(((C / (C.sum() + 1e-6))[:, None] * kern).sum(0))
    return torch.cat(out)


def u_values(u: torch.Tensor) -> dict[str, torch.Tensor]:
    """Fit units -> parameter values (tensors, so the grade stays differentiable)."""
    return {
        "brightness": 2.0 ** u[0],
        "contrast": 2.0 ** u[1],
        "gamma": 2.0 ** u[2],
        "hue": u[3] * 90.0,
        "saturation": 2.0 ** u[4],
        "temperature": u[5],
    }


def points(img: np.ndarray, n: int = POINTS, seed: int = 0) -> torch.Tensor:
    """Up to ``n`` pixels of an image (or of stacked keyframes) as an (N, 3) float tensor in [0, 1]."""
    px = np.asarray(img, dtype=np.float32).reshape(-1, 3)
    if len(px) > n:
        px = px[np.random.default_rng(seed).choice(len(px), n, replace=False)]
    return torch.from_numpy(np.clip(px, 0.0, 1.0))


def grade_points(pts: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
    return colour_grade(pts.T.reshape(1, 3, -1, 1), u_values(u)).reshape(3, -1).T


@dataclass
class LookModel:
    """The measured content noise (as a whitening matrix) and the fit's settings."""

    whiten: torch.Tensor
    card: dict

    def fit(
        self, content: list[np.ndarray], reference: np.ndarray, seed: int = 0, iterations: int | None = None
    ) -> tuple[GradeParams, dict]:
        """The MAP grade for ``content`` keyframes to take the look of ``reference``; and fit facts."""
        cfg = self.card
        stacked = np.concatenate([np.asarray(f, dtype=np.float32).reshape(-1, 3) for f in content])
        n = int(cfg.get("points", POINTS))
        pc = points(stacked, n, seed)
        with torch.no_grad():
            fr = features(points(reference, n, seed + 1))
        sigma = torch.tensor(cfg["prior_sigma"], dtype=torch.float32)
        c = float(cfg["robust"])
        lo, hi = torch.tensor(U_LO), torch.tensor(U_HI)

        def objective(u: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            r = self.whiten @ (features(grade_points(pc, u)) - fr)
            lik = 0.5 * c * c * torch.log1p((r / c) ** 2).sum()
            return lik + 0.5 * ((u / sigma) ** 2).sum(), lik

        def run(u0: torch.Tensor, steps: int) -> tuple[float, torch.Tensor, float]:
            u = u0.clone().requires_grad_()
            opt = torch.optim.Adam([u], lr=float(cfg["lr"]))
            best = (math.inf, u0.clone(), math.inf)
            for _ in range(steps):
                opt.zero_grad()
                loss, lik = objective(u)
                loss.backward()
                if float(loss.detach()) < best[0]:
                    best = (float(loss.detach()), u.detach().clone(), float(lik.detach()))
                opt.step()
                with torch.no_grad():
                    u.copy_(torch.maximum(torch.minimum(u, hi), lo))
            return best

        starts = []
        for hue in cfg["hue_starts"]:
            u0 = torch.zeros(6)
            u0[3] = hue / 90.0
            starts.append(u0)
        with torch_threads(1):  # a few thousand points: threads cost more than they give
            if len(starts) > 1:
                start = min((run(u0, int(cfg["probe"])) for u0 in starts), key=lambda r: r[0])[1]
            else:
                start = starts[0]
            loss, u, lik = run(start, iterations or int(cfg["iterations"]))
        vals = {k: float(v) for k, v in u_values(u).items()}
        params = GradeParams({k: min(max(v, PARAMS[k].lo), PARAMS[k].hi) for k, v in vals.items()})
        return params, {"loss": round(loss, 4), "likelihood": round(lik, 4), "statistics": int(fr.numel())}


def save(whiten: torch.Tensor, path: Path, card: dict) -> None:
    from safetensors.torch import save_file

    save_file({"whiten": whiten.contiguous().float()}, str(path), metadata={"ncst_look_noise": json.dumps(card)})


_CACHE: dict[str, LookModel] = {}


def load(path: str | Path | None = None) -> LookModel:
    """The look model (default: the embedded one); cached per path."""
    path = Path(path or DEFAULT_PATH)
    if str(path) not in _CACHE:
        from safetensors import safe_open

        if not path.is_file():
            raise NcstError(
                f"look model {path} is missing (reinstall ncst-bridge, or measure it with bench/fit_look_noise.py)"
            )
        try:
            with safe_open(str(path), framework="pt") as f:
                card = json.loads((f.metadata() or {}).get("ncst_look_noise", "{}"))
                whiten = f.get_tensor("whiten").float()
        except Exception as e:  # a damaged or foreign file: one line, not a traceback
            raise NcstError(f"{path} is not an NCST look model ({e})") from None
        n = int(features(torch.rand(64, 3)).numel())
        if "prior_sigma" not in card or tuple(whiten.shape) != (n, n):
            raise NcstError(f"{path} is not an NCST look model for these {n} statistics")
        _CACHE[str(path)] = LookModel(whiten, card)
    return _CACHE[str(path)]
