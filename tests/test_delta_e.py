"""io/delta_e.py gives colour-science's numbers (L*a*b* of sRGB and CIEDE2000) without importing it."""

from __future__ import annotations

import numpy as np
import pytest

from ncst_bridge.io.delta_e import ciede2000, srgb_to_lab

colour = pytest.importorskip("colour")


def test_lab_and_ciede2000_equal_colour_science():
    rng = np.random.default_rng(0)
    a = rng.uniform(-0.1, 1.1, (50_000, 3))
    a[:100] = 0.0
    a[100:300] = a[100:300, :1]  # greys: zero chroma, where hue conventions matter
    near = np.clip(a + rng.normal(0, 0.03, a.shape), 0, 1)
    near[:50] = 0.0
    far = rng.random(a.shape)
    ref_a = colour.XYZ_to_Lab(colour.sRGB_to_XYZ(np.clip(a, 0, 1)))
    np.testing.assert_allclose(srgb_to_lab(a), ref_a, rtol=0, atol=1e-9)
    for b in (near, far):
        ref_b = colour.XYZ_to_Lab(colour.sRGB_to_XYZ(b))
        want = colour.delta_E(ref_a, ref_b, method="CIE 2000")
        np.testing.assert_allclose(ciede2000(srgb_to_lab(a), srgb_to_lab(b)), want, rtol=0, atol=1e-9)


def test_sharma_reference_pairs():
    """Three of the published test pairs of Sharma, Wu and Dalal (2005)."""
    lab1 = np.array([[50.0, 2.6772, -79.7751], [50.0, -1.3802, -84.2814], [50.0, 2.5, 0.0]])
    lab2 = np.array([[50.0, 0.0, -82.7485], [50.0, 0.0, -82.7485], [73.0, 25.0, -18.0]])
    np.testing.assert_allclose(ciede2000(lab1, lab2), [2.0425, 1.0000, 27.1492], atol=1e-4)
