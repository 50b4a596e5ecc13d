"""Test-time training: the loss goes down, a known look is recovered, Ctrl-C keeps the best so far."""

from __future__ import annotations

import pytest
import torch

from model_support import LOOK, known_look_pair, lab_error, one_thread, photo  # noqa: F401
from ncst_bridge.errors import NcstError
from ncst_bridge.grade.grade import colour_grade
from ncst_bridge.objective.match_loss import LossWeights, match_loss
from ncst_bridge.model.device import amp_dtype, resolve_device
from ncst_bridge.model.encoders import ColourStatsEncoder
from ncst_bridge.model.finetune import finetune, predict
from ncst_bridge.model.network import NCSTNet


def _untrained(input_size: int = 64) -> NCSTNet:
    torch.manual_seed(0)
    return NCSTNet(ColourStatsEncoder(), width=16, hidden=64, input_size=input_size)


def test_fine_tuning_decreases_the_loss_and_leaves_the_model_alone():
    keyframes = torch.cat([photo(5, 40)[..., :24, :], photo(6, 40)[..., :24, :]])
    reference = colour_grade(photo(7, 40), LOOK.as_dict())
    net = _untrained()
    before = {k: v.clone() for k, v in net.state_dict().items()}
    params, info = finetune(net, keyframes, reference, iterations=30, lr=1e-3, device="cpu")
    assert info["loss"] < 0.7 * info["initial_loss"], info
    assert info["iterations"] == 30 and len(info["history"]) == 30 and not info["interrupted"]
    assert info["initial_params"] == predict(net, keyframes, reference).as_dict()  # neutral: untrained
    assert all(torch.equal(before[k], v) for k, v in net.state_dict().items())  # deep copy by default
    # the returned parameters are the ones the best loss was measured for (same objective, same z)
    graded = colour_grade(keyframes, params.as_dict())
    assert float(match_loss(graded, reference, LossWeights())) < info["initial_loss"]


def test_fine_tuning_recovers_a_known_look():
    """Content = a crop, style = the known look of the same crop: the grade comes back."""
    content = photo(8, 48)
    target = colour_grade(content, LOOK.as_dict())
    params, info = finetune(_untrained(), content, target, iterations=120, lr=3e-3, device="cpu")
    with torch.no_grad():
        out = colour_grade(content, params.as_dict())
    start, end = lab_error(content, target), lab_error(out, target)
    assert end < 0.25 * start and end < 5.0, (start, end, params)
    assert params.temperature > 0.2 and params.saturation > 1.2 and params.hue > 5.0, params


def test_sample_mode_and_zero_iterations():
    a, ref, _ = known_look_pair(9, width=40)
    net = _untrained()
    p0, info0 = finetune(net, a, ref, iterations=0, device="cpu")
    assert p0.is_neutral() and info0["iterations"] == 0 and info0["loss"] == info0["initial_loss"]
    p, info = finetune(net, torch.cat([a, a.flip(-1)]), ref, iterations=20, lr=2e-3, mode="sample",
                       eval_every=5, device="cpu")
    assert info["mode"] == "sample" and info["loss"] < info["initial_loss"]


def test_ctrl_c_stops_cleanly_with_the_best_so_far():
    a, ref, _ = known_look_pair(10, width=40)
    seen = []

    def progress(it, loss):
        seen.append(loss)
        if it == 8:
            raise KeyboardInterrupt

    params, info = finetune(_untrained(), a, ref, iterations=500, lr=2e-3, device="cpu", progress=progress)
    assert info["interrupted"] is True and info["iterations"] == 8 and len(seen) == 8
    assert info["loss"] == min([info["initial_loss"], *seen])
    assert not params.is_neutral()


def test_bad_requests_are_errors():
    a, ref, _ = known_look_pair(0, width=32)
    with pytest.raises(NcstError, match="vgg19"):
        finetune(_untrained(), a, ref, iterations=1, vgg_style_weight=1.0, device="cpu")
    with pytest.raises(NcstError, match="mode"):
        finetune(_untrained(), a, ref, iterations=1, mode="bogus", device="cpu")
    with pytest.raises(ValueError, match="reference"):
        finetune(_untrained(), a, ref[0], iterations=1, device="cpu")


def test_device_resolution():
    assert resolve_device("cpu").type == "cpu"
    auto = resolve_device("auto")
    assert auto.type == ("cuda" if torch.cuda.is_available() else auto.type)
    assert amp_dtype(torch.device("cpu")) is None
    with pytest.raises(NcstError, match="unknown device"):
        resolve_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(NcstError, match="no CUDA device"):
            resolve_device("cuda")
        assert amp_dtype(torch.device("cpu"), "bf16") is None
