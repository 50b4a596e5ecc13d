"""Encoders: the weight-free colour-statistics encoder, and VGG-19 only with real weights (or the test flag)."""

from __future__ import annotations

import pytest
import torch

from model_support import one_thread, photo  # noqa: F401
from ncst_bridge.errors import NcstError
from ncst_bridge.model import encoders
from ncst_bridge.model.encoders import ColourStatsEncoder, VGG19Encoder, build_encoder


def test_colour_stats_shapes_and_gradients():
    enc = ColourStatsEncoder()
    x = torch.rand(2, 3, 64, 64, requires_grad=True)
    feats = enc(x)
    assert [tuple(f.shape) for f in feats] == [(2, c, 64 // p, 64 // p) for c, p in zip(enc.channels, enc.patches)]
    sum(f.sum() for f in feats).backward()
    assert torch.isfinite(x.grad).all() and x.grad.abs().sum() > 0
    assert not list(enc.parameters())  # weight-free


def test_colour_stats_see_a_grade():
    """Brightening an image raises the Lab L mean channel everywhere; identical inputs give identical maps."""
    img = photo(1, 64)
    enc = ColourStatsEncoder()
    a, b = enc(img), enc((img * 1.3).clamp(0, 1))
    assert (b[3][:, 0] > a[3][:, 0]).all()  # channel 0 = patch mean of L
    assert all(torch.equal(x, y) for x, y in zip(a, enc(img.clone())))


def test_vgg_random_weights_only_through_test_flag():
    enc = build_encoder("vgg19", random_weights_for_tests=True)
    assert enc.random_weights and "RANDOM" in enc.weights_source
    feats = enc(torch.rand(1, 3, 64, 64))
    assert [tuple(f.shape) for f in feats] == [(1, 64, 64, 64), (1, 128, 32, 32), (1, 256, 16, 16), (1, 512, 8, 8)]
    assert not any(p.requires_grad for p in enc.parameters())


@pytest.fixture
def no_vgg(monkeypatch, tmp_path):
    monkeypatch.delenv(encoders.VGG_ENV, raising=False)
    monkeypatch.delenv(encoders.VGG_DOWNLOAD_ENV, raising=False)
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch-home"))
    return tmp_path


def test_vgg_without_weights_is_a_one_line_error(no_vgg):
    with pytest.raises(NcstError) as err:
        build_encoder("vgg19")
    msg = str(err.value)
    assert "\n" not in msg
    for needle in ("--vgg-weights", encoders.VGG_ENV, encoders.VGG_FILE, "colour-stats"):
        assert needle in msg


def _vgg_state_file(path, fmt):
    ref = VGG19Encoder(random_weights_for_tests=True)
    state = {f"features.{k}": v.clone() for k, v in ref.features.state_dict().items()}
    if fmt == "safetensors":
        from safetensors.torch import save_file
        save_file(state, str(path))
    else:
        torch.save(state, str(path))
    return ref


@pytest.mark.parametrize("fmt", ["pth", "safetensors"])
def test_vgg_loads_a_state_dict_file(no_vgg, fmt, monkeypatch):
    path = no_vgg / f"vgg19.{fmt}"
    ref = _vgg_state_file(path, fmt)
    for how in ("option", "env"):
        if how == "env":
            monkeypatch.setenv(encoders.VGG_ENV, str(path))
        enc = VGG19Encoder(path if how == "option" else None)
        assert not enc.random_weights and enc.weights_source == str(path.resolve())
        assert torch.equal(enc.features[19].weight, ref.features[19].weight)
        x = torch.rand(1, 3, 32, 32)
        assert torch.allclose(enc(x)[-1], ref(x)[-1])


def test_vgg_from_torchvision_cache(no_vgg):
    cache = encoders.vgg_cache_path()
    cache.parent.mkdir(parents=True)
    ref = _vgg_state_file(cache, "pth")
    enc = VGG19Encoder()
    assert enc.weights_source == str(cache)
    assert torch.equal(enc.features[0].bias, ref.features[0].bias)


def test_vgg_bad_files_are_one_line_errors(no_vgg):
    bad = no_vgg / "bad.pth"
    bad.write_bytes(b"garbage")
    wrong = no_vgg / "wrong.safetensors"
    from safetensors.torch import save_file
    save_file({"features.0.weight": torch.zeros(8, 3, 3, 3)}, str(wrong))
    for path, needle in ((no_vgg / "missing.pth", "not found"), (bad, "not a readable"), (wrong, "features.0")):
        with pytest.raises(NcstError) as err:
            VGG19Encoder(path)
        assert needle in str(err.value) and "\n" not in str(err.value)
