"""The NCST network: (content, style) images -> unconstrained z -> named grading parameters.

encoder (frozen; vgg19 or colour-stats) -> per level a conv block applied with the SAME weights to
content and style (NLUT's SplattingBlock) -> AdaIN(content, style) -> adaptive average pooling to
3x3 -> concat over the four levels -> head (conv 3x3 stride 2, then an MLP) -> z (B, n_params),
squashed into each parameter's range by ParamVector (sigmoid, log-spaced for factors).

Two choices made here, beyond the paper:

* Normalisation is GroupNorm (8 groups), not NLUT's BatchNorm. Test-time training runs at batch 1,
  where BatchNorm in train mode normalises a single sample with its own statistics (and with K
  keyframes sharing one reference it mixes them), so train and eval disagree. GroupNorm's statistics
  are per sample, identical in train and eval and at any batch size. Instance norm would also be
  batch-independent, but it removes every channel's per-image mean and spread -- exactly the colour
  statistics the grade has to be read from -- whereas GroupNorm keeps the differences between the
  channels of a group.
* A global-statistics skip: AdaIN replaces the content's channel statistics with the style's, so
  the pooled AdaIN maps no longer say how far the content is from the style -- and the grade is
  that distance (a brightness gain is a ratio of the two). The head therefore also sees, per level,
  the channel means and log standard deviations of the raw encoder features of content and style
  (for vgg19 these are eq. 1's style statistics). ``stats_skip=False`` gives the paper's head alone.

The last layer starts at zero weight and bias ``ParamVector.neutral_z()``, so an untrained network
outputs the identity grade; training moves it from there.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
import torch.nn as nn
import torch.nn.functional as F

from ncst_bridge.errors import NcstError
from ncst_bridge.objective.match_loss import COLOUR_NAMES
from ncst_bridge.objective.paramvec import ParamVector

MODEL_FORMAT = "ncst-model/1"


def mean_std(f: torch.Tensor, eps: float = 1e-5) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-sample, per-channel spatial mean and standard deviation, shaped (B, C, 1, 1)."""
    flat = f.flatten(2)
    m = flat.mean(-1)
    s = torch.sqrt(flat.var(-1, unbiased=False) + eps)
    return m[..., None, None], s[..., None, None]


def adain(content: torch.Tensor, style: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """Adaptive instance normalisation: content features with the style's channel mean and std."""
    mc, sc = mean_std(content, eps)
    ms, ss = mean_std(style, eps)
    return (content - mc) / sc * ss + ms


class ScaleBlock(nn.Module):
    """One level's feature block, shared by content and style: conv-GN-tanh, conv-GN + residual, tanh."""

    def __init__(self, cin: int, width: int, groups: int):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, width, 3, padding=1)
        self.norm1 = nn.GroupNorm(groups, width)
        self.conv2 = nn.Conv2d(width, width, 3, padding=1)
        self.norm2 = nn.GroupNorm(groups, width)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.tanh(self.norm1(self.conv1(x)))
        return torch.tanh(self.norm2(self.conv2(h)) + h)


class NCSTNet(nn.Module):
    """The NCST network. ``forward(content, style) -> z`` of shape (B, len(names)).

    content: (B, 3, H, W), style: (B or 1, 3, H', W'), display-encoded RGB in [0, 1]; both are resized
    to ``input_size`` squared first (the paper's 256; only colour statistics matter, not aspect).
    """

    # VGG19Encoder or ColourStatsEncoder; Any because nn.Module types unknown attributes as Tensor | Module
    encoder: Any

    def __init__(
        self,
        encoder: Any,
        names: Sequence[str] = COLOUR_NAMES,
        width: int = 64,
        hidden: int = 256,
        input_size: int = 256,
        groups: int = 8,
        pool: int = 3,
        stats_skip: bool = True,
    ):
        super().__init__()
        self.encoder = encoder
        self.names = tuple(names)
        self.pv = ParamVector(self.names)
        self.width, self.hidden, self.input_size = int(width), int(hidden), int(input_size)
        self.groups, self.pool, self.stats_skip = int(groups), int(pool), bool(stats_skip)
        if self.input_size < encoder.min_input_size:
            raise NcstError(
                f"input size {self.input_size} is too small for the {encoder.name} encoder "
                f"(at least {encoder.min_input_size}: its coarsest level must be 2x2 or more)"
            )
        if self.width % self.groups or self.hidden % self.groups:
            raise NcstError(
                f"width {self.width} and hidden {self.hidden} must be multiples of {self.groups} (GroupNorm groups)"
            )
        chans = tuple(encoder.channels)
        self.blocks = nn.ModuleList(ScaleBlock(c, self.width, self.groups) for c in chans)
        self.fuse = nn.Conv2d(len(chans) * self.width, self.hidden, 3, stride=2, padding=1)
        self.fuse_norm = nn.GroupNorm(self.groups, self.hidden)
        side = (self.pool + 1) // 2
        n_in = self.hidden * side * side
        if self.stats_skip:
            self.stats = nn.Linear(4 * sum(chans), self.hidden)
            self.stats_norm = nn.LayerNorm(self.hidden)
            n_in += self.hidden
        self.mlp1 = nn.Linear(n_in, self.hidden)
        self.mlp2 = nn.Linear(self.hidden, self.hidden)
        self.out = nn.Linear(self.hidden, len(self.names))
        nn.init.zeros_(self.out.weight)
        with torch.no_grad():
            self.out.bias.copy_(self.pv.neutral_z())

    # --- pieces, so that test-time training can encode the fixed images once -------------------

    def prepare(self, img: torch.Tensor) -> torch.Tensor:
        """Resize (B, 3, H, W) to the network's input size (area-like antialiased bilinear)."""
        if img.ndim != 4 or img.shape[1] != 3:
            raise ValueError(f"expected (B, 3, H, W) images, got {tuple(img.shape)}")
        img = img.float()
        s = self.input_size
        if img.shape[-2:] != (s, s):
            img = F.interpolate(img, size=(s, s), mode="bilinear", align_corners=False, antialias=True)
        return img

    def encode(self, img: torch.Tensor) -> list[torch.Tensor]:
        """Frozen encoder features of images (no gradient: the encoder has no trainable weights)."""
        with torch.no_grad():
            return [f.detach() for f in self.encoder(self.prepare(img))]

    def from_features(self, fc: Sequence[torch.Tensor], fs: Sequence[torch.Tensor]) -> torch.Tensor:
        """z from encoder features of content (B, ...) and style (B or 1, ...)."""
        b = fc[0].shape[0]
        pooled, stats = [], []
        for block, c, s in zip(self.blocks, fc, fs):
            if s.shape[0] != b:
                s = s.expand(b, *s.shape[1:])
            hc, hs = block(c), block(s)
            pooled.append(F.adaptive_avg_pool2d(adain(hc, hs), self.pool))
            if self.stats_skip:
                mc, sc = mean_std(c.float())
                ms, ss = mean_std(s.float())
                stats += [mc.flatten(1), ms.flatten(1), torch.log(sc.flatten(1)), torch.log(ss.flatten(1))]
        x = torch.tanh(self.fuse_norm(self.fuse(torch.cat(pooled, dim=1)))).flatten(1)
        if self.stats_skip:
            st = torch.tanh(self.stats_norm(self.stats(torch.cat(stats, dim=1).to(x.dtype))))
            x = torch.cat([x, st], dim=1)
        x = torch.tanh(self.mlp1(x))
        x = torch.tanh(self.mlp2(x))
        return self.out(x)

    def forward(self, content: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
        return self.from_features(self.encode(content), self.encode(style))

    # --- parameters and checkpoints -------------------------------------------------------------

    def values(self, z: torch.Tensor) -> dict[str, torch.Tensor]:
        """z (..., n) -> {name: tensor (...)} inside each parameter's range, for f_P."""
        return self.pv.values(z.float())

    def config(self) -> dict:
        """Everything needed to rebuild the network (stored in the checkpoint's metadata)."""
        return {
            "format": MODEL_FORMAT,
            "encoder": self.encoder.config(),
            "names": list(self.names),
            "width": self.width,
            "hidden": self.hidden,
            "input_size": self.input_size,
            "groups": self.groups,
            "pool": self.pool,
            "stats_skip": self.stats_skip,
        }

    def trainable_state(self) -> dict[str, torch.Tensor]:
        """The learned weights only (the frozen encoder's ImageNet weights are not copied)."""
        return {k: v for k, v in self.state_dict().items() if not k.startswith("encoder.")}


def default_width(encoder_name: str) -> int:
    """Block width per level: 64 for colour-stats (small, CPU-fast), NLUT's 256 for vgg19."""
    return 256 if encoder_name == "vgg19" else 64
