"""The paper's VGG losses (eq. 1-2): zero for identical inputs, finite gradients, VGG encoder only."""

from __future__ import annotations

import pytest
import torch

from model_support import LOOK, one_thread, photo  # noqa: F401
from ncst_bridge.errors import NcstError
from ncst_bridge.grade.grade import colour_grade
from ncst_bridge.model.encoders import ColourStatsEncoder, VGG19Encoder
from ncst_bridge.model.vgg_losses import vgg_content_loss, vgg_style_loss


@pytest.fixture(scope="module")
def vgg():
    torch.manual_seed(0)
    return VGG19Encoder(random_weights_for_tests=True)  # plumbing only: no claim about quality


def test_vgg_losses_zero_for_identical_inputs(vgg):
    img = photo(2, 48)
    assert float(vgg_style_loss(vgg, img, img.clone())) == pytest.approx(0.0, abs=1e-10)
    assert float(vgg_content_loss(vgg, img, img.clone())) == pytest.approx(0.0, abs=1e-10)


def test_vgg_losses_positive_with_finite_gradients_to_the_parameters(vgg):
    img = photo(2, 48)
    z = torch.tensor([1.3, 0.9], requires_grad=True)
    out = colour_grade(img, {"brightness": z[0], "saturation": z[1]})
    styled = colour_grade(img, LOOK.as_dict())
    loss = vgg_style_loss(vgg, out, styled) + vgg_content_loss(vgg, out, img)
    assert float(loss.detach()) > 0
    loss.backward()
    assert torch.isfinite(z.grad).all() and z.grad.abs().sum() > 0


def test_vgg_losses_need_the_vgg_encoder():
    img = photo(0, 32)
    with pytest.raises(NcstError, match="vgg19"):
        vgg_style_loss(ColourStatsEncoder(), img, img)
