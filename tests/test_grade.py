"""f_P: identity at neutral, senses of each parameter, differentiability, batching, numpy wrapper."""

import numpy as np
import pytest
import torch
import torchvision.transforms.functional as TF

from ncst_bridge.grade.cdl import LUMA
from ncst_bridge.grade.grade import (apply_grade, apply_grade_numpy, colour_grade_numpy, hue_matrix)
from ncst_bridge.grade.params import GradeParams

torch.manual_seed(0)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_identity_at_neutral(dtype):
    x = torch.rand(3, 3, 37, 41, dtype=dtype)
    out = apply_grade(x, GradeParams())
    assert out.dtype == dtype and out.shape == x.shape
    assert (out - x).abs().max().item() <= 1e-6


def test_senses_of_parameters():
    grey = np.array([[0.3, 0.3, 0.3]])
    red = np.array([[0.8, 0.1, 0.1]])
    g = lambda c, **kw: colour_grade_numpy(c, GradeParams(**kw))[0]  # noqa: E731
    assert np.allclose(g(np.array([[0.2, 0.3, 0.6]]), brightness=2.0), [0.4, 0.6, 1.0])  # doubles, clamps
    assert np.allclose(g(np.array([[0.7, 0.7, 0.7]]), brightness=2.0), [1.0, 1.0, 1.0])
    assert g(grey, contrast=1.5)[0] < 0.3 and g(np.array([[0.6] * 3]), contrast=1.5)[0] > 0.6
    assert np.allclose(g(np.array([[0.435] * 3]), contrast=1.7), 0.435)  # the pivot stays put
    assert np.allclose(g(grey, gamma=2.0), 0.09) and g(grey, gamma=0.5)[0] > 0.3
    s0 = g(red, saturation=0.0)
    assert np.allclose(s0, s0[0]) and np.isclose(s0[0], (red[0] * LUMA).sum())
    warm = g(grey, temperature=0.8)
    assert warm[0] > warm[1] > warm[2]
    assert np.isclose((warm * LUMA).sum(), 0.3)  # white balance keeps luma of neutrals
    cool = g(grey, temperature=-0.8)
    assert cool[2] > cool[1] > cool[0]


def test_hue_rotation_properties():
    assert np.allclose(hue_matrix(0.0), np.eye(3), atol=0)
    assert np.allclose(hue_matrix(360.0), np.eye(3), atol=1e-12)
    assert np.allclose(hue_matrix(30.0) @ hue_matrix(-30.0), np.eye(3), atol=1e-12)
    m = hue_matrix(47.0)
    assert np.allclose(np.array(LUMA) @ m, LUMA)  # luma kept
    assert np.allclose(m @ np.ones(3), np.ones(3))  # neutral axis kept
    orange = colour_grade_numpy(np.array([[0.6, 0.2, 0.2]]), GradeParams(hue=30))[0]
    assert orange[1] > 0.22 and orange[2] < 0.18 and orange[0] > orange[1]  # red turns towards yellow
    grey = colour_grade_numpy(np.array([[0.4, 0.4, 0.4]]), GradeParams(hue=123))[0]
    assert np.allclose(grey, 0.4)


@pytest.mark.parametrize("hue", [-170.0, -35.0, 12.5, 90.0, 180.0])
def test_hue_rotation_is_a_rotation_of_bt709_cbcr_as_colour_science_computes_it(hue):
    """Independent reference: colour-science's BT.709 Y'CbCr (full range), Cb/Cr rotated, back to RGB."""
    import colour

    k = colour.WEIGHTS_YCBCR["ITU-R BT.709"]
    rgb = 0.3 + 0.4 * np.random.default_rng(int(hue) % 97).random((400, 3))
    y, cb, cr = np.moveaxis(colour.RGB_to_YCbCr(rgb, K=k, in_legal=False, out_legal=False, out_int=False), -1, 0)
    c, s = np.cos(np.radians(hue)), np.sin(np.radians(hue))
    rotated = np.stack([y, c * cb - s * cr, s * cb + c * cr], axis=-1)
    expected = colour.YCbCr_to_RGB(rotated, K=k, in_legal=False, in_int=False, out_legal=False, out_int=False)
    assert np.abs(rgb @ hue_matrix(hue).T - expected).max() < 1e-12
    graded = colour_grade_numpy(rgb, GradeParams(hue=hue))  # the grade's output is clamped to [0, 1]
    assert np.abs(graded - np.clip(expected, 0.0, 1.0)).max() < 1e-12


@pytest.mark.parametrize("factor", [0.0, 0.5, 1.0, 1.7, 2.0])
def test_sharpness_is_torchvisions_formula(factor):
    x = torch.rand(2, 3, 19, 23, dtype=torch.float64)
    ours = apply_grade(x, GradeParams(sharpness=factor))
    ref = TF.adjust_sharpness(x, factor)
    assert (ours - ref).abs().max().item() < 1e-12


def test_per_batch_parameter_tensors_match_individual_grades():
    x = torch.rand(3, 3, 8, 9, dtype=torch.float64)
    vals = {"contrast": [0.8, 1.0, 1.4], "hue": [10.0, -50.0, 0.0], "sharpness": [0.5, 1.0, 1.8],
            "temperature": [0.3, -0.2, 0.0], "gamma": [1.2, 0.8, 1.0]}
    batched = apply_grade(x, {k: torch.tensor(v, dtype=torch.float64) for k, v in vals.items()})
    for i in range(3):
        single = apply_grade(x[i:i + 1], GradeParams({k: v[i] for k, v in vals.items()}))
        assert torch.allclose(batched[i:i + 1], single, atol=1e-12)


def test_differentiable_in_image_and_parameters():
    # Points away from the clamps so the function is smooth there; float64 gradcheck.
    x = (0.3 + 0.4 * torch.rand(1, 3, 5, 5, dtype=torch.float64)).requires_grad_()
    names = ["brightness", "contrast", "gamma", "hue", "saturation", "sharpness", "temperature"]
    start = torch.tensor([1.05, 0.95, 1.1, 12.0, 1.1, 1.3, 0.1], dtype=torch.float64, requires_grad=True)

    def f(img, vec):
        return apply_grade(img, {n: vec[i] for i, n in enumerate(names)})

    assert torch.autograd.gradcheck(f, (x, start), eps=1e-6, atol=1e-5)
    out = f(x, start).sum()
    gx, gp = torch.autograd.grad(out, (x, start))
    assert torch.isfinite(gx).all() and torch.isfinite(gp).all() and (gp.abs() > 0).all()


def test_gradients_finite_at_black_and_clamps():
    x = torch.tensor([0.0, 1.0, 0.5]).reshape(1, 3, 1, 1).repeat(1, 1, 4, 4).requires_grad_()
    p = {"gamma": torch.tensor(0.6, requires_grad=True), "contrast": torch.tensor(1.8, requires_grad=True)}
    apply_grade(x, p).sum().backward()
    assert torch.isfinite(x.grad).all()
    assert all(torch.isfinite(v.grad) for v in p.values())


def test_numpy_wrapper_matches_torch(small_photo):
    p = GradeParams(contrast=1.2, hue=15, sharpness=1.5, saturation=1.3)
    a = apply_grade_numpy(small_photo, p)
    t = torch.from_numpy(small_photo).permute(2, 0, 1)[None]
    b = apply_grade(t, p)[0].permute(1, 2, 0).numpy()
    assert a.shape == small_photo.shape and np.abs(a - b).max() < 1e-12
    assert a.min() >= 0.0 and a.max() <= 1.0


def test_rejects_wrong_shapes():
    with pytest.raises(ValueError):
        apply_grade(torch.rand(3, 8, 8), GradeParams())
    with pytest.raises(TypeError):
        apply_grade(torch.zeros(1, 3, 8, 8, dtype=torch.uint8), GradeParams())
