"""The NCST network: neutral at init, batch-1 safe (GroupNorm), checkpoints, the embedded model."""

from __future__ import annotations

import json

import pytest
import torch

from conftest import SHARED
from model_support import known_look_pair, lab_error, one_thread  # noqa: F401
from ncst_bridge.errors import NcstError
from ncst_bridge.grade.grade import colour_grade
from ncst_bridge.grade.params import GradeParams
from ncst_bridge.objective.match_loss import COLOUR_NAMES
from ncst_bridge.objective.paramvec import ParamVector
from ncst_bridge.model import checkpoint as ckpt
from ncst_bridge.model.encoders import ColourStatsEncoder, build_encoder
from ncst_bridge.model.finetune import predict
from ncst_bridge.model.network import NCSTNet


def _net(**kw) -> NCSTNet:
    torch.manual_seed(0)
    return NCSTNet(ColourStatsEncoder(), input_size=kw.pop("input_size", 64), **kw)


def test_untrained_network_gives_the_neutral_grade():
    net = _net()
    z = net(torch.rand(3, 3, 40, 56), torch.rand(1, 3, 24, 24))
    assert z.shape == (3, len(COLOUR_NAMES))
    assert torch.equal(z, ParamVector(COLOUR_NAMES).neutral_z().expand(3, -1))
    assert net.pv.to_params(z[0]).is_neutral()


def test_parameter_names_are_a_constructor_argument():
    names = ("brightness", "saturation", "sharpness")
    net = _net(names=names)
    z = net(torch.rand(1, 3, 64, 64), torch.rand(1, 3, 64, 64))
    assert z.shape == (1, 3) and net.config()["names"] == list(names)
    assert set(net.values(z)) == set(names)


def test_input_size_must_fit_the_encoder():
    with pytest.raises(NcstError, match="too small"):
        NCSTNet(ColourStatsEncoder(), input_size=32)


def test_vgg_network_shapes_with_random_test_weights():
    net = NCSTNet(build_encoder("vgg19", random_weights_for_tests=True), width=16, hidden=32, input_size=32)
    z = net(torch.rand(2, 3, 32, 32), torch.rand(1, 3, 32, 32))
    assert z.shape == (2, 6) and torch.isfinite(z).all()


def test_batch_one_forward_backward_and_batch_independence():
    net = _net()
    with torch.no_grad():  # leave the neutral init so outputs depend on the input
        for p in net.out.parameters():
            p.normal_(0, 0.1)
    c, s = torch.rand(4, 3, 64, 64), torch.rand(1, 3, 64, 64)
    net.train()
    z1 = net(c[:1], s)
    z1.sum().backward()
    grads = [p.grad for p in net.parameters() if p.requires_grad]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)
    assert sum(float(g.abs().sum()) for g in grads) > 0
    with torch.no_grad():
        z_batch = net(c, s)
        net.eval()
        z_eval = net(c[:1], s)
    # GroupNorm: a sample's output is the same alone or in a batch, in train or eval mode
    assert torch.allclose(z1.detach(), z_batch[:1], atol=1e-5)
    assert torch.allclose(z1.detach(), z_eval, atol=1e-5)


def test_checkpoint_round_trip_and_refusals(tmp_path):
    net = _net()
    with torch.no_grad():
        for p in net.parameters():
            p.add_(0.01 * torch.randn_like(p))
    path = tmp_path / "m.safetensors"
    ckpt.write_model_file(path, net)
    loaded = ckpt.load_model(path, encoder="colour-stats", names=COLOUR_NAMES)
    c, s = torch.rand(2, 3, 64, 64), torch.rand(1, 3, 64, 64)
    assert torch.equal(loaded(c, s), net(c, s))
    assert loaded.config() == net.config()

    for kwargs, needle in (({"encoder": "vgg19"}, "colour-stats encoder, not vgg19"),
                           ({"names": ("brightness",)}, "not the asked")):
        with pytest.raises(NcstError) as err:
            ckpt.load_model(path, **kwargs)
        assert needle in str(err.value) and "\n" not in str(err.value)

    from safetensors.torch import save_file
    other = tmp_path / "other.safetensors"
    save_file({"x": torch.zeros(2)}, str(other))
    junk = tmp_path / "junk.safetensors"
    junk.write_bytes(b"\x00" * 64)
    for bad, needle in ((other, "not an NCST model"), (junk, "not a readable"), (tmp_path / "none.safetensors", "no such")):
        with pytest.raises(NcstError, match=needle):
            ckpt.load_model(bad)


def test_random_vgg_checkpoint_is_refused(tmp_path):
    net = NCSTNet(build_encoder("vgg19", random_weights_for_tests=True), width=8, hidden=16, input_size=32)
    ckpt.write_model_file(tmp_path / "v.safetensors", net)
    with pytest.raises(NcstError, match="random weights"):
        ckpt.load_model(tmp_path / "v.safetensors")


def test_embedded_model_refuses_another_encoder():
    """The card and files are checked in test_model_across.py; asking for another encoder is one line."""
    model = ckpt.load_default_model()
    assert model.encoder.name == "efficientnet-lite0" and json.loads(json.dumps(model.config()))
    with pytest.raises(NcstError, match="not vgg19"):
        ckpt.load_default_model(encoder="vgg19")


def test_embedded_model_predicts_known_looks_zero_shot():
    """The pretrained prior alone (no fine-tuning) moves same-scene content towards the known look."""
    model = ckpt.load_default_model()
    looks = [GradeParams(brightness=1.3, saturation=1.5, temperature=0.5),
             GradeParams(contrast=0.7, gamma=1.3, hue=-25.0, saturation=0.6),
             GradeParams(brightness=0.8, temperature=-0.6, contrast=1.3)]
    before = after = 0.0
    for i, look in enumerate(looks):
        a, ref, target = known_look_pair(i + 3, look, width=64)
        p = predict(model, a, ref)
        with torch.no_grad():
            graded = colour_grade(a, p.as_dict())
        before += lab_error(a, target)
        after += lab_error(graded, target)
    # measured with the embedded model (across-content, card: command_line): 0.94 of the identity error
    # on the shared photos, 0.85 on the bundled sample still alone (a fresh clone without ../shared).
    # A neutral model scores exactly 1.0, a broken one more. Across content, its task, it does far
    # better (test_model_across.py, bench/cross_content_bench.py).
    limit = 0.97 if SHARED is not None else 0.92
    assert after < limit * before, (before, after)


def test_param_vector_gradients_stay_finite_across_the_hue_range():
    """Regression: hue beyond about 88.7 degrees gave NaN gradients (exp overflow inside torch.where),
    which killed pretraining at iteration 3679 of the embedded model's first run."""
    pv = ParamVector(COLOUR_NAMES)
    img = torch.rand(1, 3, 8, 8)
    for hue in (-179.0, -120.0, 94.12, 170.0):
        z = pv.to_z({"hue": hue, "brightness": 1.5}).requires_grad_()
        colour_grade(img, pv.values(z)).sum().backward()
        assert torch.isfinite(z.grad).all(), (hue, z.grad)
