"""The look prior: predict the grade from (content statistics, reference statistics) jointly.

When the reference shows other content, no pixel says which colours are the look and which are the
scene, and making the graded clip's colour distribution equal to the reference's copies the scene
(a warm floor matched to a blue lake turns teal). Following Deep Preset (Ho & Zhou 2021; see
shared/reference/peers_and_metrics.md §4b), a small network learns the answer from synthetic
cross-content examples: content A, reference = look L applied to OTHER content B, target = L's
parameters. Its inputs are statistics that belong to the look more than to the scene -- luminance
quantiles (tone curve, black and white points), the tint of shadows, highlights and near-neutral
pixels, chroma levels, the chroma-weighted hue histogram and its circular cross-correlation between
the two images -- for both images and their difference, so it learns how far to trust a difference.
Trained by ``bench/train_look_prior.py`` on the tuning part of the shared photos only.

Outputs, each in the parameter's own unit scaled to about [-1, 1]: log2 of brightness, contrast and
gamma, saturation - 1, temperature, and the hue as (cos, sin) scaled by the network's confidence.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ncst_bridge.errors import NcstError
from ncst_bridge.grade.params import PARAMS, GradeParams
from ncst_bridge.match.look_fit import points
from ncst_bridge.objective.colour_space import srgb_to_lab

DEFAULT_PATH = Path(__file__).resolve().parents[1] / "data" / "look_prior.safetensors"
MAX_POINTS = 16_384
L_QUANTILES = (0.02, 0.1, 0.25, 0.5, 0.75, 0.9, 0.98)
C_QUANTILES = (0.25, 0.5, 0.75, 0.9)
RGB_QUANTILES = (0.02, 0.5, 0.98)
HUE_BINS = 12
HUE_CONFIDENCE = 0.3
OUTPUTS = ("brightness", "contrast", "gamma", "saturation", "temperature", "hue_cos", "hue_sin")


def _q(sorted_v: np.ndarray, qs) -> np.ndarray:
    """Quantiles of an already sorted array (nearest rank: cheap and plenty for statistics)."""
    n = sorted_v.shape[0]
    return sorted_v[[min(n - 1, int(q * n)) for q in qs]]


def image_stats(img: np.ndarray, max_points: int = MAX_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """(statistics vector, chroma-weighted hue histogram) of one image's colours."""
    rgb = points(img, max_points)  # the look fit's pixel sample, the same draw
    lab = srgb_to_lab(torch.from_numpy(rgb)).numpy() / 100.0
    L, a, b = lab[:, 0], lab[:, 1], lab[:, 2]
    C = np.sqrt(a * a + b * b)
    h = np.arctan2(b, a)
    order = np.argsort(L)
    corder = np.argsort(C)
    n = len(L)
    k = max(1, n // 10)
    dark, light, neutral = order[:k], order[-k:], corder[: max(1, (3 * n) // 10)]
    bins = np.clip(((h + math.pi) / (2 * math.pi) * HUE_BINS).astype(int), 0, HUE_BINS - 1)
    hist = np.bincount(bins, weights=C, minlength=HUE_BINS) / n
    feats = [
        _q(L[order], L_QUANTILES),
        [a.mean(), b.mean(), a.std(), b.std()],
        _q(C[corder], C_QUANTILES),
        [a[dark].mean(), b[dark].mean(), a[light].mean(), b[light].mean(), a[neutral].mean(), b[neutral].mean()],
        _q(np.sort(rgb, axis=0), RGB_QUANTILES).reshape(-1),
        hist * 10.0,
    ]
    return np.concatenate([np.asarray(f, dtype=np.float64) for f in feats]), hist


def pair_features(content: list[np.ndarray], reference: np.ndarray, max_points: int = MAX_POINTS) -> torch.Tensor:
    """Features of (content keyframes, reference): both images' statistics, their difference, and the
    circular cross-correlation of the two hue histograms (where the reference's hues sit relative to
    the content's)."""
    px = np.concatenate([np.asarray(f, dtype=np.float32).reshape(-1, 3) for f in content])
    fc, hc = image_stats(px, max_points)
    fr, hr = image_stats(reference, max_points)
    hc_n, hr_n = hc / max(np.linalg.norm(hc), 1e-6), hr / max(np.linalg.norm(hr), 1e-6)
    xcorr = np.array([(np.roll(hc_n, k) * hr_n).sum() for k in range(HUE_BINS)])
    return torch.from_numpy(np.concatenate([fr, fc, fr - fc, xcorr])).float()


def params_to_target(p: dict) -> list[float]:
    """Grade parameters -> the network's output units."""
    h = math.radians(p.get("hue", 0.0))
    return [
        math.log2(p.get("brightness", 1.0)),
        math.log2(p.get("contrast", 1.0)),
        math.log2(p.get("gamma", 1.0)),
        p.get("saturation", 1.0) - 1.0,
        p.get("temperature", 0.0),
        math.cos(h),
        math.sin(h),
    ]


def target_to_params(t: np.ndarray) -> GradeParams:
    """The network's output units -> grade parameters (clipped into each range). The hue vector's
    length is the network's confidence (a posterior mean of unit vectors): too short, no rotation."""
    t = [float(v) for v in t]  # type: ignore[assignment]
    vals = {
        "brightness": 2.0 ** t[0],
        "contrast": 2.0 ** t[1],
        "gamma": 2.0 ** t[2],
        "saturation": 1.0 + t[3],
        "temperature": t[4],
    }
    conf = math.hypot(t[5], t[6])
    vals["hue"] = math.degrees(math.atan2(t[6], t[5])) if conf >= HUE_CONFIDENCE else 0.0
    return GradeParams({k: min(max(v, PARAMS[k].lo), PARAMS[k].hi) for k, v in vals.items()})


class LookNet(torch.nn.Module):
    """Standardised features -> output units: a small MLP (the data is a few dozen statistics)."""

    def __init__(self, n_in: int, hidden: int = 256):
        super().__init__()
        self.register_buffer("mean", torch.zeros(n_in))
        self.register_buffer("std", torch.ones(n_in))
        self.net = torch.nn.Sequential(
            torch.nn.Linear(n_in, hidden),
            torch.nn.ReLU(),
            torch.nn.Linear(hidden, hidden),
            torch.nn.ReLU(),
            torch.nn.Linear(hidden, len(OUTPUTS)),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mean, std = self.get_buffer("mean"), self.get_buffer("std")
        return self.net((x - mean) / std)


@dataclass
class LookPrior:
    net: LookNet
    card: dict

    def predict(self, content: list[np.ndarray], reference: np.ndarray) -> GradeParams:
        with torch.no_grad():
            out = self.net(pair_features(content, reference)[None])[0].numpy()
        return target_to_params(out)


def save(net: LookNet, path: Path, card: dict) -> None:
    from safetensors.torch import save_file

    first = net.net[0]
    assert isinstance(first, torch.nn.Linear)
    meta = {
        "ncst_look_prior": json.dumps(
            {"n_in": int(net.get_buffer("mean").shape[0]), "hidden": int(first.out_features), **card}
        )
    }
    save_file({k: v.contiguous() for k, v in net.state_dict().items()}, str(path), metadata=meta)


_CACHE: dict[str, LookPrior] = {}


def load(path: str | Path | None = None) -> LookPrior:
    """The look prior (default: the embedded one); cached per path."""
    path = Path(path or DEFAULT_PATH)
    key = str(path)
    if key not in _CACHE:
        from safetensors import safe_open
        from safetensors.torch import load_file

        if not path.is_file():
            raise NcstError(
                f"look prior {path} is missing (reinstall ncst-bridge, or train it with bench/train_look_prior.py)"
            )
        with safe_open(str(path), framework="pt") as f:
            card = json.loads((f.metadata() or {}).get("ncst_look_prior", "{}"))
        if "n_in" not in card:
            raise NcstError(f"{path} is not an NCST look prior (no ncst_look_prior metadata)")
        net = LookNet(card["n_in"], card["hidden"])
        net.load_state_dict(load_file(str(path)))
        net.eval()
        _CACHE[key] = LookPrior(net, card)
    return _CACHE[key]
