"""Weight-free losses: zero for identical inputs, finite gradients, and they see what they should."""

import numpy as np
import pytest
import torch

from ncst_bridge.grade.grade import colour_grade
from ncst_bridge.grade.params import GradeParams
from ncst_bridge.objective import losses
from ncst_bridge.objective.colour_space import srgb_to_lab


def _img(small_photo):
    return torch.from_numpy(small_photo).permute(2, 0, 1)[None].float()


def test_lab_matches_colour_science():
    import colour
    x = np.random.default_rng(0).random((500, 3))
    ours = srgb_to_lab(torch.from_numpy(x)).numpy()
    ref = colour.XYZ_to_Lab(colour.sRGB_to_XYZ(x))
    assert np.abs(ours - ref).max() < 0.05  # white-point rounding only


def test_zero_for_identical_inputs(small_photo):
    img = _img(small_photo)
    assert float(losses.histogram_kl(img, img)) < 1e-6
    assert float(losses.moments_loss(img, img)) < 1e-10
    assert float(losses.sliced_wasserstein(img, img)) < 1e-10
    assert float(losses.colour_style_loss(img, img, w_hist=1.0)) < 1e-6
    pts = losses.as_points(img)
    assert float(losses.correspondence_loss(pts, pts)) == 0.0


def test_losses_grow_with_the_grade_and_have_finite_gradients(small_photo):
    img = _img(small_photo)
    target = losses.StyleTarget(img)
    prev = -1.0
    for strength in (0.0, 0.1, 0.3):
        p = {"hue": torch.tensor(60.0 * strength, requires_grad=True),
             "contrast": torch.tensor(1.0 + strength, requires_grad=True)}
        out = colour_grade(img, p)
        loss = target.loss(out, 1.0, 1.0, 0.05)
        loss.backward()
        assert all(torch.isfinite(v.grad) for v in p.values())
        assert float(loss.detach()) > prev
        prev = float(loss.detach())


def test_histogram_kl_is_the_papers_equation():
    # two one-channel-distinct images: KL(target || output) over per-channel soft histograms
    a = torch.zeros(1, 3, 4, 4)
    b = torch.ones(1, 3, 4, 4)
    assert float(losses.histogram_kl(a, b)) > 5.0
    h = losses.soft_histogram(torch.tensor([[0.0], [0.5], [1.0]]), bins=3)
    assert torch.allclose(h, torch.tensor([[1 / 3, 1 / 3, 1 / 3]]))


def test_histogram_kl_equals_scipy_entropy_of_the_soft_histograms():
    """KL(target || output) summed over channels, as scipy.stats.entropy(pk=target, qk=output) computes it."""
    from scipy.stats import entropy

    g = torch.Generator().manual_seed(0)
    out = torch.rand(1, 3, 24, 24, generator=g, dtype=torch.float64) ** 2
    tgt = torch.rand(1, 3, 24, 24, generator=g, dtype=torch.float64) ** 0.5
    ho = losses.soft_histogram(losses.as_points(out), 16).numpy()
    ht = losses.soft_histogram(losses.as_points(tgt), 16).numpy()
    assert ho.shape == (3, 16) and np.allclose(ho.sum(-1), 1.0)
    reference = sum(entropy(ht[c], ho[c]) for c in range(3))
    assert float(losses.histogram_kl(out, tgt, bins=16, eps=1e-12)) == pytest.approx(reference, rel=1e-6)
    backwards = sum(entropy(ho[c], ht[c]) for c in range(3))  # the direction matters and is the paper's
    assert abs(backwards - reference) > 0.05 * reference


def test_sliced_wasserstein_sees_joint_colour_structure():
    """Swapping which pixels are red and which green keeps per-channel histograms, not the joint cloud."""
    rng = np.random.default_rng(0)
    x = rng.random((2000, 3))
    y = x.copy()
    y[:, 1] = rng.permutation(y[:, 1])  # same marginals, different joint distribution
    tx, ty = torch.from_numpy(x).float(), torch.from_numpy(y).float()
    assert float(losses.histogram_kl(tx, ty)) < 0.01
    assert float(losses.sliced_wasserstein(tx, ty)) > 10 * float(losses.sliced_wasserstein(tx, tx) + 1e-6)


def test_optimising_the_loss_recovers_a_known_grade(small_photo):
    """Fit on the same image: the distribution loss alone brings the grade back close to the truth."""
    from ncst_bridge.match.direct import fit_direct
    truth = GradeParams(contrast=1.3, temperature=0.4, saturation=0.8, gamma=1.1)
    img = _img(small_photo)
    ref = colour_grade(img, truth).detach()
    fit = fit_direct(img, ref, iterations=150, seed=0)
    from ncst_bridge.grade.grade import colour_grade_numpy
    err = np.abs(colour_grade_numpy(small_photo, fit.params) - colour_grade_numpy(small_photo, truth))
    assert err.mean() < 0.015, fit.params
