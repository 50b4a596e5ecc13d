"""The peers a colourist could pick instead, wrapped to one signature: f(content, reference) -> image.

All take and return float RGB (H, W, 3) in [0, 1], display-encoded sRGB.
"""

from __future__ import annotations

import numpy as np


def identity(content, reference):
    return content


def reinhard(content, reference):
    """Reinhard et al. 2001: match mean and std per channel in CIE Lab."""
    import colour

    def lab(x):
        return colour.XYZ_to_Lab(colour.sRGB_to_XYZ(x))
    a, b = lab(content), lab(reference)
    out = (a - a.mean((0, 1))) / (a.std((0, 1)) + 1e-6) * b.std((0, 1)) + b.mean((0, 1))
    return np.clip(colour.XYZ_to_sRGB(colour.Lab_to_XYZ(out)), 0, 1)


def _color_matcher(method):
    def run(content, reference):
        from color_matcher import ColorMatcher
        return np.clip(ColorMatcher().transfer(src=content, ref=reference, method=method), 0, 1)
    run.__name__ = f"cm_{method}"
    return run


def skimage_hist(content, reference):
    from skimage.exposure import match_histograms
    return np.clip(match_histograms(content, reference, channel_axis=-1), 0, 1)


def pitie_idt(content, reference):
    """Pitié et al.'s iterative distribution transfer (+ regrain), from python-color-transfer."""
    from python_color_transfer.color_transfer import ColorTransfer
    c8 = np.ascontiguousarray(np.rint(content[..., ::-1] * 255).astype(np.uint8))  # it works in BGR uint8
    r8 = np.ascontiguousarray(np.rint(reference[..., ::-1] * 255).astype(np.uint8))
    out = ColorTransfer().pdf_transfer(img_arr_in=c8, img_arr_ref=r8, regrain=True)
    return np.clip(out[..., ::-1].astype(np.float64) / 255.0, 0, 1)


PEERS = {
    "identity": identity,
    "reinhard": reinhard,
    "mkl": _color_matcher("mkl"),
    "hm-mkl-hm": _color_matcher("hm-mkl-hm"),
    "skimage-hist": skimage_hist,
    "pitie-idt": pitie_idt,
}
