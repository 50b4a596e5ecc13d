"""Weight-free losses for matching a graded image to a reference still.

* ``histogram_kl`` -- the NCST paper's colour-histogram loss (eq. 3-5): KL(target || output) of
  per-channel histograms, made differentiable with a soft (Gaussian-kernel) histogram.
* ``moments_loss`` -- Lab mean and standard deviation (the statistics Reinhard transfer matches).
* ``sliced_wasserstein`` -- sliced 2-Wasserstein distance between the Lab colour clouds, which sees
  the joint distribution (hue/saturation couplings) that per-channel statistics miss.
* ``correspondence_loss`` -- robust Lab distance between corresponding pixels, when the content and
  the reference show the same scene and could be registered (see match/correspond.py).

All take display-encoded sRGB in [0, 1]. The VGG style/content losses of the paper (eq. 1-2) live in
model/vgg_losses.py because they need ImageNet weights.
"""

from __future__ import annotations

import torch

from ncst_bridge.model.colour_space import srgb_to_lab

LAB_SCALE = torch.tensor([100.0, 128.0, 128.0])  # Lab -> roughly unit range per channel


def as_points(img: torch.Tensor) -> torch.Tensor:
    """(B, 3, H, W) or (N, 3) -> (N, 3) colour points."""
    if img.ndim == 4:
        return img.permute(0, 2, 3, 1).reshape(-1, 3)
    if img.ndim == 2 and img.shape[1] == 3:
        return img
    raise ValueError(f"expected (B, 3, H, W) or (N, 3), got {tuple(img.shape)}")


def soft_histogram(x: torch.Tensor, bins: int = 64, bandwidth: float | None = None) -> torch.Tensor:
    """Differentiable histogram of values in [0, 1]: (N, C) -> (C, bins), rows summing to 1."""
    centres = torch.linspace(0.0, 1.0, bins, dtype=x.dtype, device=x.device)
    bw = bandwidth or 1.0 / (bins - 1)
    w = torch.exp(-0.5 * ((x.unsqueeze(-1) - centres) / bw) ** 2)  # (N, C, bins)
    w = w / w.sum(dim=-1, keepdim=True).clamp_min(1e-12)
    h = w.sum(dim=0)
    return h / h.sum(dim=-1, keepdim=True)


def histogram_kl(output: torch.Tensor, target: torch.Tensor, bins: int = 64, eps: float = 1e-6) -> torch.Tensor:
    """Eq. 3-5 of the paper: sum over channels and bins of h_t * log(h_t / (h_o + eps))."""
    ho = soft_histogram(as_points(output), bins)
    ht = soft_histogram(as_points(target), bins)
    ho = (ho + eps) / (ho.sum(-1, keepdim=True) + eps)
    ht = (ht + eps) / (ht.sum(-1, keepdim=True) + eps)
    return (ht * torch.log(ht / (ho + eps))).sum()


def _lab_points(img: torch.Tensor) -> torch.Tensor:
    return srgb_to_lab(as_points(img)) / LAB_SCALE.to(img.device, img.dtype)


def moments_loss(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Squared differences of Lab means and standard deviations (scaled to unit range)."""
    o, t = _lab_points(output), _lab_points(target)
    return ((o.mean(0) - t.mean(0)) ** 2).sum() + ((o.std(0) - t.std(0)) ** 2).sum()


def _quantiles(x: torch.Tensor, n: int) -> torch.Tensor:
    """n evenly spaced quantiles of each column of x (sorted values, linearly interpolated)."""
    xs, _ = torch.sort(x, dim=0)
    pos = torch.linspace(0.0, xs.shape[0] - 1, n, dtype=x.dtype, device=x.device)
    lo = pos.floor().long()
    hi = (lo + 1).clamp_max(xs.shape[0] - 1)
    frac = (pos - lo.to(x.dtype)).unsqueeze(-1)
    return xs[lo] * (1 - frac) + xs[hi] * frac


def sliced_wasserstein(output: torch.Tensor, target: torch.Tensor, projections: int = 64,
                       quantiles: int = 256, generator: torch.Generator | None = None) -> torch.Tensor:
    """Sliced 2-Wasserstein distance (squared) between the Lab colour clouds of two images."""
    o, t = _lab_points(output), _lab_points(target)
    d = torch.randn(3, projections, dtype=o.dtype, device="cpu", generator=generator).to(o.device)
    d = d / d.norm(dim=0, keepdim=True)
    qo = _quantiles(o @ d, quantiles)
    qt = _quantiles(t @ d, quantiles)
    return ((qo - qt) ** 2).mean() * 3.0


def correspondence_loss(output_pts: torch.Tensor, target_pts: torch.Tensor,
                        weights: torch.Tensor | None = None, delta: float = 0.02) -> torch.Tensor:
    """Robust (pseudo-Huber) Lab distance between corresponding colours, (N, 3) each."""
    diff = srgb_to_lab(output_pts) / LAB_SCALE.to(output_pts) - srgb_to_lab(target_pts) / LAB_SCALE.to(output_pts)
    r2 = (diff ** 2).sum(-1)
    loss = delta ** 2 * (torch.sqrt(1.0 + r2 / delta ** 2) - 1.0)
    if weights is None:
        return loss.mean()
    return (loss * weights).sum() / weights.sum().clamp_min(1e-12)


def colour_style_loss(output: torch.Tensor, target: torch.Tensor, w_moments: float = 1.0,
                      w_swd: float = 1.0, w_hist: float = 0.0,
                      generator: torch.Generator | None = None) -> torch.Tensor:
    """The offline (weight-free) style loss: Lab moments + sliced Wasserstein (+ histogram KL)."""
    loss = w_moments * moments_loss(output, target) + w_swd * sliced_wasserstein(output, target, generator=generator)
    if w_hist:
        loss = loss + w_hist * histogram_kl(output, target)
    return loss
