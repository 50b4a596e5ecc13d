"""The look fit's statistics and grade, each with its gradient written out by hand.

What a look moves and a scene moves less (docs/matching-across-content.md): luminance quantiles,
the mean tint of shadows, mid-tones, highlights and the most neutral pixels, chroma quantiles,
per-channel RGB extremes and a chroma-weighted soft hue histogram (45 numbers), of the colour grade
(grade/numpy_grade.py's formula) applied to a few thousand pixels under a batch of parameter sets.
Each function also returns its backward pass (d loss / d output -> d loss / d input), so the look
fit (match/look_fit.py) runs in NumPy without torch; tests/test_look_fit.py ties the grade to
``colour_grade_numpy`` and the gradient to finite differences.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ncst_bridge.grade.cdl import LUMA, PIVOT, TEMPERATURE_STOPS, cdl_terms
from ncst_bridge.grade.numpy_grade import HUE_A, HUE_B
from ncst_bridge.io.delta_e import RGB_TO_XYZ, WHITE_XYZ

L_QUANTILES = (0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99)
C_QUANTILES = (0.25, 0.5, 0.75, 0.9, 0.98)
RGB_QUANTILES = (0.01, 0.5, 0.99)
HUE_BINS = 12
HUE_KAPPA = 4.0  # von Mises kernel of the soft hue histogram (about 30 degrees wide)
_COS = np.cos(np.arange(HUE_BINS) * (2 * np.pi / HUE_BINS))  # hue bin centres
_SIN = np.sin(np.arange(HUE_BINS) * (2 * np.pi / HUE_BINS))


def _lab(rgb: np.ndarray) -> tuple[np.ndarray, dict]:
    """CIE Lab / 100 of display-encoded RGB in [0, 1] (io/delta_e's formula) and what its gradient needs."""
    lin_lo = rgb <= 0.04045
    t = (rgb + 0.055) / 1.055
    lin = np.where(lin_lo, rgb / 12.92, t**2.4)
    dlin = np.where(lin_lo, 1.0 / 12.92, (2.4 / 1.055) * t**1.4)
    xyz = lin @ RGB_TO_XYZ.T / WHITE_XYZ
    e, k = 216 / 24389, 24389 / 27
    cube = xyz > e
    f = np.where(cube, np.cbrt(xyz), (k * xyz + 16) / 116)
    df = np.where(cube, 1.0 / (3.0 * np.maximum(f, 1e-12) ** 2), k / 116)
    lab = np.stack([1.16 * f[..., 1] - 0.16, 5.0 * (f[..., 0] - f[..., 1]), 2.0 * (f[..., 1] - f[..., 2])], -1)
    return lab, {"dlin": dlin, "df": df}


def _lab_backward(g_lab: np.ndarray, saved: dict) -> np.ndarray:
    gL, ga, gb = g_lab[..., 0], g_lab[..., 1], g_lab[..., 2]
    g_f = np.stack([5.0 * ga, 1.16 * gL - 5.0 * ga + 2.0 * gb, -2.0 * gb], -1) * saved["df"]
    return (g_f / WHITE_XYZ) @ RGB_TO_XYZ * saved["dlin"]


def statistics_and_backward(rgb: np.ndarray) -> tuple[np.ndarray, Callable[[np.ndarray], np.ndarray]]:
    """The statistics of (..., N, 3) points in [0, 1], and the function that maps d(loss)/d(statistics)
    (..., 45) to d(loss)/d(rgb) (..., N, 3)."""
    n = rgb.shape[-2]
    lab, saved = _lab(rgb)
    L, a, b = lab[..., 0], lab[..., 1], lab[..., 2]
    lq = [int(q * (n - 1)) for q in L_QUANTILES]
    cq = [int(q * (n - 1)) for q in C_QUANTILES]
    rq = [int(q * (n - 1)) for q in RGB_QUANTILES]
    k, nn = max(1, n // 5), max(1, (3 * n) // 10)
    bands = (slice(0, k), slice(k, n - k), slice(n - k, n))  # shadows, mid-tones, highlights (by L rank)
    order = np.argsort(L, axis=-1)
    a_l, b_l = np.take_along_axis(a, order, -1), np.take_along_axis(b, order, -1)
    out = [np.take_along_axis(L, order[..., lq], -1)]
    out += [np.stack([a_l[..., s].mean(-1), b_l[..., s].mean(-1)], -1) for s in bands]
    C = np.sqrt(a * a + b * b + 1e-8)
    corder = np.argsort(C, axis=-1)
    out.append(np.take_along_axis(C, corder[..., cq], -1))
    a_c, b_c = np.take_along_axis(a, corder[..., :nn], -1), np.take_along_axis(b, corder[..., :nn], -1)
    out.append(np.stack([a_c.mean(-1), b_c.mean(-1), a.mean(-1), b.mean(-1)], -1))
    rorder = np.argsort(rgb, axis=-2)
    out.append(np.take_along_axis(rgb, rorder[..., rq, :], -2).reshape(*rgb.shape[:-2], -1))  # quantile-major
    cos_d = (a[..., None] * _COS + b[..., None] * _SIN) / C[..., None]  # cos(hue - bin centre)
    e = np.exp(HUE_KAPPA * (cos_d - 1.0))
    esum = e.sum(-1, keepdims=True) + 1e-8
    kern = e / esum
    csum = C.sum(-1, keepdims=True) + 1e-6
    w = C / csum
    out.append((w[..., None] * kern).sum(-2))
    stats = np.concatenate(out, -1)

    def backward(g: np.ndarray) -> np.ndarray:
        """d(loss)/d(statistics) -> d(loss)/d(rgb): each statistic passes its gradient to the pixels it
        picked (quantiles), averaged (means) or weighed (hue histogram)."""
        lead = g.shape[:-1]
        i = np.cumsum([0, len(lq), 2, 2, 2, len(cq), 4, 3 * len(rq), HUE_BINS])
        by_rank = np.zeros((*lead, n, 3))  # (gL, ga, gb) of the pixel at each L rank
        by_rank[..., lq, 0] = g[..., i[0] : i[1]]
        for j, s in enumerate(bands):
            size = s.stop - s.start
            by_rank[..., s, 1] += g[..., i[1 + j] : i[1 + j] + 1] / size
            by_rank[..., s, 2] += g[..., i[1 + j] + 1 : i[1 + j] + 2] / size
        g_lab = np.zeros_like(by_rank)
        np.put_along_axis(g_lab, np.broadcast_to(order[..., None], by_rank.shape), by_rank, -2)
        gn = g[..., i[5] : i[6]]
        g_lab[..., 1] += gn[..., 2:3] / n
        g_lab[..., 2] += gn[..., 3:4] / n
        c_rank = np.zeros((*lead, n, 3))  # (gC, ga, gb) by chroma rank
        c_rank[..., cq, 0] = g[..., i[4] : i[5]]
        c_rank[..., :nn, 1] = gn[..., 0:1] / nn
        c_rank[..., :nn, 2] = gn[..., 1:2] / nn
        g_c = np.zeros_like(c_rank)
        np.put_along_axis(g_c, np.broadcast_to(corder[..., None], c_rank.shape), c_rank, -2)
        gC = g_c[..., 0]
        g_lab[..., 1:] += g_c[..., 1:]
        gh = g[..., i[7] : i[8]]  # hue histogram
        g_w = (kern * gh[..., None, :]).sum(-1)
        gC = gC + g_w / csum - (g_w * C).sum(-1, keepdims=True) / csum**2
        g_k = w[..., None] * gh[..., None, :]
        g_e = g_k / esum - (g_k * e).sum(-1, keepdims=True) / esum**2
        g_cos = g_e * e * HUE_KAPPA / C[..., None]
        g_lab[..., 1] += (g_cos * _COS).sum(-1)
        g_lab[..., 2] += (g_cos * _SIN).sum(-1)
        gC = gC - (g_cos * cos_d).sum(-1)
        g_lab[..., 1] += gC * a / C
        g_lab[..., 2] += gC * b / C
        g_rgb = _lab_backward(g_lab, saved)
        r_rank = np.zeros((*lead, n, 3))
        r_rank[..., rq, :] = g[..., i[6] : i[7]].reshape(*lead, len(rq), 3)
        g_r = np.zeros_like(r_rank)
        np.put_along_axis(g_r, rorder, r_rank, -2)
        return g_rgb + g_r

    return stats, backward


def features(rgb: np.ndarray) -> np.ndarray:
    """(..., N, 3) display-encoded RGB points -> (..., 45) look statistics (batched over leading axes)."""
    return statistics_and_backward(np.clip(np.asarray(rgb, dtype=np.float64), 0.0, 1.0))[0]


def u_values(u: np.ndarray) -> dict[str, np.ndarray]:
    """Fit units (..., 6) -> parameter values (arrays of the leading shape)."""
    u = np.asarray(u, dtype=np.float64)
    return {
        "brightness": 2.0 ** u[..., 0],
        "contrast": 2.0 ** u[..., 1],
        "gamma": 2.0 ** u[..., 2],
        "hue": u[..., 3] * 90.0,
        "saturation": 2.0 ** u[..., 4],
        "temperature": u[..., 5],
    }


def grade_points(pts: np.ndarray, u: np.ndarray) -> np.ndarray:
    """The colour grade (grade/numpy_grade.py's formula; tests tie them) of (N, 3) points under K
    parameter sets (K, 6) -> (K, N, 3)."""
    return grade_and_backward(pts, u)[0]


def grade_and_backward(pts: np.ndarray, u: np.ndarray) -> tuple[np.ndarray, Callable[[np.ndarray], np.ndarray]]:
    """:func:`grade_points`, and the function mapping d(loss)/d(graded) (K, N, 3) to d(loss)/du (K, 6)."""
    u = np.atleast_2d(np.asarray(u, dtype=np.float64))
    vals = {k: v[:, None, None] for k, v in u_values(u).items()}
    slope, offset, power, sat = cdl_terms(vals)
    s = np.concatenate(slope, -1)  # (K, 1, 3)
    x = np.asarray(pts, dtype=np.float64)[None]
    z1 = x * s + offset[0]
    y1 = np.clip(z1, 0.0, 1.0)
    p = power[0]
    y2 = y1**p
    luma = (y2 @ np.asarray(LUMA))[..., None]
    z3 = luma + sat * (y2 - luma)
    y3 = np.clip(z3, 0.0, 1.0)
    h = u[:, 3, None, None] * (np.pi / 2)  # hue in radians (90 degrees per unit)
    m = np.eye(3) + np.sin(h) * HUE_A + (np.cos(h) - 1.0) * HUE_B  # (K, 3, 3)
    z4 = y3 @ np.swapaxes(m, -1, -2)
    out = np.clip(z4, 0.0, 1.0)

    def backward(g: np.ndarray) -> np.ndarray:
        g4 = g * ((z4 >= 0.0) & (z4 <= 1.0))
        g_m = np.swapaxes(g4, -1, -2) @ y3  # (K, 3, 3)
        g_h = (g_m * (np.cos(h) * HUE_A - np.sin(h) * HUE_B)).sum((-1, -2))
        g3 = (g4 @ m) * ((z3 >= 0.0) & (z3 <= 1.0))
        g_sat = (g3 * (y2 - luma)).sum((-1, -2))
        g2 = sat * g3 + (1.0 - sat) * g3.sum(-1, keepdims=True) * np.asarray(LUMA)
        pos = y1 > 0.0
        safe = np.where(pos, y1, 1.0)
        g_p = (g2 * np.where(pos, y2 * np.log(safe), 0.0)).sum((-1, -2))
        g1 = g2 * np.where(pos, p * safe ** (p - 1.0), 0.0) * ((z1 >= 0.0) & (z1 <= 1.0))
        g_s = (g1 * x).sum(-2)  # (K, 3)
        g_o = g1.sum((-1, -2))
        s2, c = s[:, 0], vals["contrast"][:, 0, 0]
        ln2 = np.log(2.0)
        t = u[:, 5]
        raw = np.stack([2.0 ** (TEMPERATURE_STOPS * t), np.ones_like(t), 2.0 ** (-TEMPERATURE_STOPS * t)], -1)
        draw = raw * np.array([TEMPERATURE_STOPS * ln2, 0.0, -TEMPERATURE_STOPS * ln2])
        norm = raw @ np.asarray(LUMA)
        dnorm = draw @ np.asarray(LUMA)
        dgain = (draw * norm[:, None] - raw * dnorm[:, None]) / norm[:, None] ** 2
        bc = vals["brightness"][:, 0, 0] * c
        return np.stack(
            [
                (g_s * s2).sum(-1) * ln2,
                ((g_s * s2).sum(-1) - g_o * PIVOT * c) * ln2,
                g_p * p[:, 0, 0] * ln2,
                g_h * (np.pi / 2),
                g_sat * sat[:, 0, 0] * ln2,
                (g_s * dgain).sum(-1) * bc,
            ],
            -1,
        )

    return out, backward
