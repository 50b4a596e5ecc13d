"""The paper's VGG losses (eq. 1-2); they need the ImageNet VGG-19 encoder (see encoders.py).

* ``vgg_style_loss`` -- eq. 1: over relu1_1..relu4_1, the distance between the channel means and the
  channel standard deviations of the output's and the style image's features. As in NLUT (which
  NCST follows) the distance is the mean squared error, summed over the four layers.
* ``vgg_content_loss`` -- eq. 2: mean squared error between the relu4_1 features of the output and
  of the content image (the grade should keep the content's structure).

Without real weights these losses mean nothing, so they accept only a ``VGG19Encoder``, which cannot
be built without weights except through its explicit test-only flag.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ncst_bridge.errors import NcstError
from ncst_bridge.model.encoders import VGG19Encoder


def _check(encoder) -> None:
    if not isinstance(encoder, VGG19Encoder):
        raise NcstError("the VGG style/content losses need the vgg19 encoder (--encoder vgg19 with ImageNet weights)")


def mean_std(f: torch.Tensor, eps: float = 1e-5) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-sample, per-channel mean and standard deviation of a (B, C, H, W) feature map."""
    flat = f.flatten(2)
    return flat.mean(-1), torch.sqrt(flat.var(-1, unbiased=False) + eps)


def style_from_features(out_feats: list[torch.Tensor], style_feats: list[torch.Tensor]) -> torch.Tensor:
    """Eq. 1 on precomputed features (lets a caller encode the fixed style image once)."""
    loss = out_feats[0].new_zeros(())
    for fo, fs in zip(out_feats, style_feats):
        mo, so = mean_std(fo)
        ms, ss = mean_std(fs)
        loss = loss + F.mse_loss(mo, ms.expand_as(mo)) + F.mse_loss(so, ss.expand_as(so))
    return loss


def vgg_style_loss(encoder: VGG19Encoder, output: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
    """Eq. 1: VGG feature mean/std distance between output (B, 3, H, W) and style (B or 1, 3, h, w)."""
    _check(encoder)
    with torch.no_grad():
        style_feats = encoder(style)
    return style_from_features(encoder(output), style_feats)


def vgg_content_loss(encoder: VGG19Encoder, output: torch.Tensor, content: torch.Tensor) -> torch.Tensor:
    """Eq. 2: relu4_1 feature distance between the output and the content it was graded from."""
    _check(encoder)
    with torch.no_grad():
        target = encoder(content)[-1]
    return F.mse_loss(encoder(output)[-1], target)


def content_from_features(out_feats: list[torch.Tensor], content_feats: list[torch.Tensor]) -> torch.Tensor:
    """Eq. 2 on precomputed features (relu4_1, the last level)."""
    return F.mse_loss(out_feats[-1], content_feats[-1])
