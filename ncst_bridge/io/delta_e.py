"""sRGB code values -> CIE L*a*b* (D65) and CIEDE2000, in NumPy.

The same numbers colour-science gives (``XYZ_to_Lab(sRGB_to_XYZ(rgb))`` and ``delta_E(..., "CIE 2000")``;
tests/test_delta_e.py compares them to 1e-9), without importing colour-science, whose import (it
loads its plotting package) cost ``ncst match`` about a second before any work.
CIEDE2000 follows Sharma, Wu and Dalal (2005), with the hue-mean and hue-difference conventions
colour-science uses.
"""

from __future__ import annotations

import numpy as np

# IEC 61966-2-1's sRGB -> XYZ matrix (as colour-science uses it) and the D65 white of CIE 1931 2 deg.
RGB_TO_XYZ = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
_WHITE_XY = (0.3127, 0.3290)
WHITE_XYZ = np.array([_WHITE_XY[0] / _WHITE_XY[1], 1.0, (1 - _WHITE_XY[0] - _WHITE_XY[1]) / _WHITE_XY[1]])


def srgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """sRGB-encoded (..., 3) code values (clipped to [0, 1]) -> CIE L*a*b* relative to D65."""
    v = np.clip(np.asarray(rgb, dtype=np.float64), 0.0, 1.0)
    lin = np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)
    xyz = lin @ RGB_TO_XYZ.T / WHITE_XYZ
    e, k = 216 / 24389, 24389 / 27
    f = np.where(xyz > e, np.cbrt(xyz), (k * xyz + 16) / 116)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], -1)


def ciede2000(lab1: np.ndarray, lab2: np.ndarray) -> np.ndarray:
    """CIEDE2000 colour difference of two (..., 3) L*a*b* arrays (kL = kC = kH = 1)."""
    l1, a1, b1 = np.moveaxis(np.asarray(lab1, dtype=np.float64), -1, 0)
    l2, a2, b2 = np.moveaxis(np.asarray(lab2, dtype=np.float64), -1, 0)
    c_bar = (np.hypot(a1, b1) + np.hypot(a2, b2)) / 2
    g = 0.5 * (1 - np.sqrt(c_bar**7 / (c_bar**7 + 25**7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p = np.where((b1 == 0) & (a1p == 0), 0.0, np.degrees(np.arctan2(b1, a1p)) % 360)
    h2p = np.where((b2 == 0) & (a2p == 0), 0.0, np.degrees(np.arctan2(b2, a2p)) % 360)
    zero = (c1p * c2p) == 0
    dl = l2 - l1
    dc = c2p - c1p
    dh = h2p - h1p
    dh = np.where(dh > 180, dh - 360, np.where(dh < -180, dh + 360, dh))
    dh = np.where(zero, 0.0, dh)
    dH = 2 * np.sqrt(c1p * c2p) * np.sin(np.radians(dh / 2))
    l_bar = (l1 + l2) / 2
    cp_bar = (c1p + c2p) / 2
    hsum = h1p + h2p
    h_bar = np.where(np.abs(h1p - h2p) <= 180, hsum / 2, np.where(hsum < 360, (hsum + 360) / 2, (hsum - 360) / 2))
    h_bar = np.where(zero, hsum, h_bar)
    t = (
        1
        - 0.17 * np.cos(np.radians(h_bar - 30))
        + 0.24 * np.cos(np.radians(2 * h_bar))
        + 0.32 * np.cos(np.radians(3 * h_bar + 6))
        - 0.20 * np.cos(np.radians(4 * h_bar - 63))
    )
    d_theta = 30 * np.exp(-(((h_bar - 275) / 25) ** 2))
    r_c = 2 * np.sqrt(cp_bar**7 / (cp_bar**7 + 25**7))
    s_l = 1 + 0.015 * (l_bar - 50) ** 2 / np.sqrt(20 + (l_bar - 50) ** 2)
    s_c = 1 + 0.045 * cp_bar
    s_h = 1 + 0.015 * cp_bar * t
    r_t = -np.sin(np.radians(2 * d_theta)) * r_c
    return np.sqrt((dl / s_l) ** 2 + (dc / s_c) ** 2 + (dH / s_h) ** 2 + r_t * (dc / s_c) * (dH / s_h))
