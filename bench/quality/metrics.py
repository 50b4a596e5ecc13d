"""Weight-free quality metrics: ΔE2000 to the known target, SSIM to the content, distribution distances."""

from __future__ import annotations

import colour
import numpy as np
from skimage.metrics import structural_similarity


def lab(img):
    return colour.XYZ_to_Lab(colour.sRGB_to_XYZ(np.clip(img, 0, 1)))


def delta_e(out, target):
    d = colour.delta_E(lab(out), lab(target), method="CIE 2000")
    return float(d.mean()), float(np.percentile(d, 95))


def luma(img):
    return img @ np.array([0.2126, 0.7152, 0.0722])


def ssim_to_content(out, content):
    return float(structural_similarity(luma(out), luma(content), data_range=1.0))


def sliced_wasserstein_lab(a, b, projections=128, seed=0):
    rng = np.random.default_rng(seed)
    pa, pb = lab(a).reshape(-1, 3), lab(b).reshape(-1, 3)
    d = rng.normal(size=(3, projections))
    d /= np.linalg.norm(d, axis=0)
    q = np.linspace(0, 1, 512)
    qa, qb = np.quantile(pa @ d, q, axis=0), np.quantile(pb @ d, q, axis=0)
    return float(np.sqrt(((qa - qb) ** 2).mean()))


def histogram_kl(out, reference, bins=64, eps=1e-6):
    """The paper's eq. 3-5 on hard per-channel RGB histograms: KL(reference || output)."""
    total = 0.0
    for c in range(3):
        ho, _ = np.histogram(out[..., c], bins=bins, range=(0, 1))
        hr, _ = np.histogram(reference[..., c], bins=bins, range=(0, 1))
        ho = (ho + eps) / (ho.sum() + eps)
        hr = (hr + eps) / (hr.sum() + eps)
        total += float((hr * np.log(hr / (ho + eps))).sum())
    return total
