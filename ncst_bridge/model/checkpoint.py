"""NCST network checkpoints: safetensors only (never pickle), self-describing, with a JSON model card.

A training checkpoint is a folder written atomically as one unit:

* ``model.safetensors``     -- the learned weights; its metadata key ``ncst_model`` holds the network
  config (encoder, parameter names, sizes), so the file alone rebuilds the network. The frozen
  ImageNet VGG weights are never copied into it: a vgg19 checkpoint needs them again at load time.
* ``optimizer.safetensors`` -- Adam's state flattened to tensors (``state.<i>.<key>``) plus the param
  groups and the training position (iteration, loss curve) as JSON metadata: enough to resume.
* ``model_card.json``       -- what a person reads: encoder, parameter names, data folder and image
  count, iterations, loss curve, seed, command line, versions, the model file's SHA-256.

The embedded default model is the same ``model.safetensors`` shipped as
``ncst_bridge/data/ncst_lite0.safetensors`` with its card beside it (``.json``).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any
from collections.abc import Sequence

import torch

from ncst_bridge.errors import NcstError
from ncst_bridge.model.encoders import build_encoder
from ncst_bridge.model.network import MODEL_FORMAT, NCSTNet

MODEL_FILE = "model.safetensors"
OPTIM_FILE = "optimizer.safetensors"
CARD_FILE = "model_card.json"
CARD_FORMAT = "ncst-model-card/1"
_META_KEY = "ncst_model"
DATA_DIR = Path(__file__).resolve().parents[1] / "data"
DEFAULT_MODEL = DATA_DIR / "ncst_lite0.safetensors"
DEFAULT_CARD = DATA_DIR / "ncst_lite0.json"


def sha256_file(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def publish_mode(path: str | Path) -> None:
    """Give a written file the usual permissions (some writers create them private, 0600)."""
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(path, 0o666 & ~mask)


def build_model(config: dict, *, vgg_weights: str | None = None, random_weights_for_tests: bool = False) -> NCSTNet:
    """A network from its config (as stored in a checkpoint); vgg19 loads its ImageNet weights here."""
    enc_cfg = dict(config["encoder"])
    name = enc_cfg.pop("name")
    enc_cfg.pop("weights_source", None)
    was_random = enc_cfg.pop("random_weights", False)
    if was_random and not random_weights_for_tests:
        raise NcstError(
            "this checkpoint was trained on a VGG-19 with random weights (a test-only build); "
            "it cannot be used for matching"
        )
    encoder = build_encoder(name, vgg_weights=vgg_weights, random_weights_for_tests=random_weights_for_tests, **enc_cfg)
    return NCSTNet(
        encoder,
        names=config["names"],
        width=config["width"],
        hidden=config["hidden"],
        input_size=config["input_size"],
        groups=config["groups"],
        pool=config["pool"],
        stats_skip=config["stats_skip"],
    )


def write_model_file(path: str | Path, model: NCSTNet) -> None:
    """The learned weights + config into one safetensors file (caller makes it atomic)."""
    from safetensors.torch import save_file

    state = {k: v.detach().to("cpu", torch.float32).contiguous().clone() for k, v in model.trainable_state().items()}
    save_file(state, str(path), metadata={_META_KEY: json.dumps(model.config(), sort_keys=True)})
    publish_mode(path)


def read_model_file(path: str | Path) -> tuple[dict[str, torch.Tensor], dict]:
    """(weights, config) of an NCST model file; one-line NcstError if it is not one."""
    from safetensors import safe_open

    path = Path(path)
    if path.is_dir():
        path = path / MODEL_FILE
    if not path.is_file():
        raise NcstError(f"{path}: no such model file")
    try:
        with safe_open(str(path), framework="pt", device="cpu") as fh:
            meta = fh.metadata() or {}
            state = {k: fh.get_tensor(k) for k in fh.keys()}
    except Exception as exc:  # noqa: BLE001 - safetensors raises several types for bad files
        first = (str(exc).splitlines() or [type(exc).__name__])[0][:120]
        raise NcstError(f"{path}: not a readable safetensors model ({first})") from None
    try:
        config = json.loads(meta[_META_KEY])
        ok = config.get("format") == MODEL_FORMAT
    except (KeyError, ValueError, AttributeError):
        ok = False
    if not ok:
        raise NcstError(f"{path}: not an NCST model checkpoint (no '{_META_KEY}' metadata of format {MODEL_FORMAT})")
    return state, config


def load_model(
    path: str | Path,
    *,
    encoder: str | None = None,
    names: Sequence[str] | None = None,
    vgg_weights: str | None = None,
    device: str | torch.device = "cpu",
    random_weights_for_tests: bool = False,
) -> NCSTNet:
    """Load a checkpoint (folder or .safetensors file) as an NCSTNet on ``device``.

    ``encoder`` / ``names``, when given, must be what the checkpoint was trained with; anything else
    is a one-line NcstError (a network cannot be reused with another encoder or other outputs).
    """
    state, config = read_model_file(path)
    trained_enc = config["encoder"]["name"]
    if encoder is not None and encoder != trained_enc:
        raise NcstError(f"{path}: checkpoint was trained with the {trained_enc} encoder, not {encoder}")
    if names is not None and tuple(names) != tuple(config["names"]):
        raise NcstError(
            f"{path}: checkpoint predicts ({', '.join(config['names'])}), not the asked ({', '.join(names)})"
        )
    model = build_model(config, vgg_weights=vgg_weights, random_weights_for_tests=random_weights_for_tests)
    expected = set(model.trainable_state())
    if set(state) != expected:
        missing = sorted(expected - set(state))[:3]
        raise NcstError(
            f"{path}: checkpoint does not fit its config (missing {missing or 'nothing'}, "
            f"{len(set(state) - expected)} unexpected)"
        )
    model.load_state_dict(state, strict=False)
    return model.to(device)


def load_default_model(
    device: str | torch.device = "cpu", *, encoder: str | None = None, names: Sequence[str] | None = None
) -> NCSTNet:
    """The embedded model shipped in the package (EfficientNet-Lite0 encoder, pretrained across content).

    ``encoder``/``names`` as in load_model: asking the embedded model for another encoder or other
    parameters is a one-line NcstError (pretrain one with ``ncst pretrain`` instead).
    """
    if not DEFAULT_MODEL.is_file():
        raise NcstError(f"{DEFAULT_MODEL}: the embedded NCST model is missing from this installation")
    return load_model(DEFAULT_MODEL, encoder=encoder, names=names, device=device)


def read_card(path: str | Path) -> dict:
    """The model card beside a model file (``x.safetensors`` -> ``x.json``) or in a checkpoint folder."""
    path = Path(path)
    card = path / CARD_FILE if path.is_dir() else path.with_suffix(".json")
    try:
        return json.loads(card.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise NcstError(f"{card}: no model card") from None
    except (OSError, ValueError) as exc:
        raise NcstError(f"{card}: unreadable model card ({str(exc).splitlines()[0][:100]})") from None


# --- optimizer state, flattened for safetensors -------------------------------------------------


def flatten_optimizer(opt: torch.optim.Optimizer, training: dict[str, Any]) -> tuple[dict, dict]:
    """(tensors, str metadata) of an optimizer's state and the training position."""
    sd = opt.state_dict()
    tensors: dict[str, torch.Tensor] = {}
    for idx, st in sd["state"].items():
        for key, val in st.items():
            t = val if torch.is_tensor(val) else torch.tensor(float(val))
            tensors[f"state.{idx}.{key}"] = t.detach().to("cpu").contiguous().clone()
    meta = {
        "param_groups": json.dumps(sd["param_groups"]),
        "training": json.dumps(training),
        "optimizer": type(opt).__name__,
    }
    return tensors, meta


def write_optimizer_file(path: str | Path, opt: torch.optim.Optimizer, training: dict[str, Any]) -> None:
    from safetensors.torch import save_file

    tensors, meta = flatten_optimizer(opt, training)
    if not tensors:  # safetensors cannot store an empty file usefully; keep one marker
        tensors["empty"] = torch.zeros(1)
    save_file(tensors, str(path), metadata=meta)
    publish_mode(path)


def read_optimizer_file(path: str | Path) -> tuple[dict, dict]:
    """(optimizer state_dict, training position) from ``optimizer.safetensors``."""
    from safetensors import safe_open

    path = Path(path)
    if not path.is_file():
        raise NcstError(f"{path}: no optimizer state to resume from")
    try:
        with safe_open(str(path), framework="pt", device="cpu") as fh:
            meta = fh.metadata() or {}
            tensors = {k: fh.get_tensor(k) for k in fh.keys()}
        groups = json.loads(meta["param_groups"])
        training = json.loads(meta["training"])
    except Exception as exc:  # noqa: BLE001
        first = (str(exc).splitlines() or [type(exc).__name__])[0][:120]
        raise NcstError(f"{path}: unreadable optimizer state ({first})") from None
    state: dict[int, dict] = {}
    for key, t in tensors.items():
        if key == "empty":
            continue
        _, idx, name = key.split(".", 2)
        state.setdefault(int(idx), {})[name] = t
    return {"state": state, "param_groups": groups}, training
