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

All in NumPy (float64), the probes batched, with the gradient written out by hand
(match/look_stats.py): about 1 s a fit on this 2-core CPU where the torch version took 3 s, and a
match whose reference shows other content never imports torch (2 s or more of start-up).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ncst_bridge.errors import NcstError
from ncst_bridge.grade.params import PARAMS, GradeParams
from ncst_bridge.match.look_stats import features, grade_and_backward, statistics_and_backward, u_values

DEFAULT_PATH = Path(__file__).resolve().parents[1] / "data" / "look_noise.safetensors"
POINTS = 4096
U_LO = (-1.0, -1.0, -1.0, -2.0, -10.0, -1.0)
U_HI = (1.0, 1.0, 1.0, 2.0, 1.0, 1.0)
_ADAM = (0.9, 0.999, 1e-8)  # torch.optim.Adam's defaults


def points(img: np.ndarray, n: int = POINTS, seed: int = 0) -> np.ndarray:
    """Up to ``n`` pixels of an image (or of stacked keyframes) as an (N, 3) float32 array in [0, 1]."""
    px = np.asarray(img, dtype=np.float32).reshape(-1, 3)
    if len(px) > n:
        px = px[np.random.default_rng(seed).choice(len(px), n, replace=False)]
    return np.clip(px, 0.0, 1.0)


@dataclass
class LookModel:
    """The measured content noise (as a whitening matrix) and the fit's settings."""

    whiten: np.ndarray
    card: dict

    prior_mean: np.ndarray | None = None  # u of the prior's centre (None: neutral)
    prior_scale: float = 1.0  # multiplies the card's prior sigma

    def _terms(self, pc: np.ndarray, fr: np.ndarray, u: np.ndarray):
        sigma = np.asarray(self.card["prior_sigma"], dtype=np.float64) * self.prior_scale
        mu = np.zeros(6) if self.prior_mean is None else self.prior_mean
        c = float(self.card["robust"])
        graded, grade_back = grade_and_backward(pc, u)
        stats, stats_back = statistics_and_backward(graded)
        r = (stats - fr) @ self.whiten.T
        lik = 0.5 * c * c * np.log1p((r / c) ** 2).sum(-1)
        loss = lik + 0.5 * (((u - mu) / sigma) ** 2).sum(-1)

        def gradient() -> np.ndarray:
            return grade_back(stats_back((r / (1.0 + (r / c) ** 2)) @ self.whiten)) + (u - mu) / sigma**2

        return loss, lik, gradient

    def objective(self, pc: np.ndarray, fr: np.ndarray, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Negative log posterior and negative log likelihood of K parameter sets (K, 6) -> (K,), (K,)."""
        loss, lik, _ = self._terms(pc, fr, u)
        return loss, lik

    def objective_and_gradient(
        self, pc: np.ndarray, fr: np.ndarray, u: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """:meth:`objective` and the posterior's gradient in u (K, 6), by the hand-written backward pass."""
        loss, lik, gradient = self._terms(pc, fr, u)
        return loss, lik, gradient()

    def _adam(self, pc: np.ndarray, fr: np.ndarray, u0: np.ndarray, steps: int) -> tuple[np.ndarray, ...]:
        """Projected Adam (torch.optim.Adam's arithmetic) from each row of ``u0`` at once; the best
        (loss, u, likelihood) seen by each run."""
        lo, hi = np.asarray(U_LO), np.asarray(U_HI)
        b1, b2, eps = _ADAM
        lr = float(self.card["lr"])
        u = u0.copy()
        m, v = np.zeros_like(u), np.zeros_like(u)
        best = (np.full(len(u), np.inf), u0.copy(), np.full(len(u), np.inf))
        for t in range(1, steps + 1):
            loss, lik, g = self.objective_and_gradient(pc, fr, u)
            better = loss < best[0]
            best[0][better], best[1][better], best[2][better] = loss[better], u[better], lik[better]
            m += (1 - b1) * (g - m)
            v = b2 * v + (1 - b2) * g * g
            u = np.clip(u - lr / (1 - b1**t) * m / (np.sqrt(v) / np.sqrt(1 - b2**t) + eps), lo, hi)
        return best

    def fit(
        self, content: list[np.ndarray], reference: np.ndarray, seed: int = 0, iterations: int | None = None
    ) -> tuple[GradeParams, dict]:
        """The MAP grade for ``content`` keyframes to take the look of ``reference``; and fit facts."""
        cfg = self.card
        stacked = np.concatenate([np.asarray(f, dtype=np.float32).reshape(-1, 3) for f in content])
        n = int(cfg.get("points", POINTS))
        pc = points(stacked, n, seed)
        fr = features(points(reference, n, seed + 1))
        starts = np.zeros((len(cfg["hue_starts"]), 6))
        if self.prior_mean is not None:
            starts[:] = self.prior_mean
        starts[:, 3] += np.asarray(cfg["hue_starts"], dtype=np.float64) / 90.0
        if len(starts) > 1:
            probe_loss, probe_u, _ = self._adam(pc, fr, starts, int(cfg["probe"]))
            starts = probe_u[[int(np.argmin(probe_loss))]]
        loss, u, lik = (x[0] for x in self._adam(pc, fr, starts[:1], iterations or int(cfg["iterations"])))
        vals = {k: float(v) for k, v in u_values(u).items()}
        params = GradeParams({k: min(max(v, PARAMS[k].lo), PARAMS[k].hi) for k, v in vals.items()})
        return params, {"loss": round(float(loss), 4), "likelihood": round(float(lik), 4), "statistics": int(fr.size)}


def params_to_u(params: GradeParams) -> np.ndarray:
    """The fit's units of a grade (the inverse of look_stats.u_values), inside the fit's bounds."""
    v = params.as_dict()
    u = np.array(
        [
            np.log2(v["brightness"]),
            np.log2(v["contrast"]),
            np.log2(v["gamma"]),
            v["hue"] / 90.0,
            np.log2(max(v["saturation"], 2.0 ** U_LO[4])),
            v["temperature"],
        ]
    )
    return np.clip(u, U_LO, U_HI)


def with_prior(model: LookModel, centre: GradeParams, scale: float) -> LookModel:
    """The same look model with its prior centred on ``centre`` and its widths scaled by ``scale``."""
    return LookModel(model.whiten, model.card, params_to_u(centre), float(scale))


def save(whiten: np.ndarray, path: Path, card: dict) -> None:
    from safetensors.numpy import save_file

    w = np.ascontiguousarray(whiten, dtype=np.float32)
    save_file({"whiten": w}, str(path), metadata={"ncst_look_noise": json.dumps(card)})


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
            with safe_open(str(path), framework="numpy") as f:
                card = json.loads((f.metadata() or {}).get("ncst_look_noise", "{}"))
                whiten = f.get_tensor("whiten").astype(np.float64)
        except Exception as e:  # a damaged or foreign file: one line, not a traceback
            raise NcstError(f"{path} is not an NCST look model ({e})") from None
        n = int(features(np.random.default_rng(0).random((64, 3))).size)
        if "prior_sigma" not in card or tuple(whiten.shape) != (n, n):
            raise NcstError(f"{path} is not an NCST look model for these {n} statistics")
        _CACHE[str(path)] = LookModel(whiten, card)
    return _CACHE[str(path)]
