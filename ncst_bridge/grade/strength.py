"""Strength: dial a grade back toward neutral, each parameter in its own unit.

``S`` in [0, 1]: 0 gives the identity, 1 the grade unchanged. Factors (brightness, contrast, gamma,
saturation, sharpness) move in log space (value ** S, so half strength of a 2x gain is 1.41x, not
1.5x), hue in degrees and temperature linearly (value * S). A colourist can soften a match without
re-running it; ``params.json`` keeps the applied values in ``params`` (so every reader, old or new,
renders the same look) and records ``strength`` and the full-strength values beside them.
"""

from __future__ import annotations

import math

from ncst_bridge.errors import NcstError
from ncst_bridge.grade.params import NAMES, PARAMS, GradeParams

LOG_SPACE = ("brightness", "contrast", "gamma", "saturation", "sharpness")


def check_strength(strength: float) -> float:
    s = float(strength)
    if not math.isfinite(s) or not (0.0 <= s <= 1.0):
        raise NcstError(f"--strength must lie in 0..1, got {strength:g}")
    return s


def apply_strength(params: GradeParams, strength: float) -> GradeParams:
    """``params`` moved toward neutral: strength 0 -> identity, 1 -> unchanged."""
    s = check_strength(strength)
    if s == 1.0:
        return params
    out = {}
    for n in NAMES:
        v, spec = params[n], PARAMS[n]
        if s == 0.0:
            out[n] = spec.neutral
        elif n in LOG_SPACE:
            out[n] = v**s  # neutral is 1 for every factor; 0 ** s stays 0 (grey stays grey)
        else:
            out[n] = spec.neutral + (v - spec.neutral) * s
        out[n] = min(max(out[n], spec.lo), spec.hi)
    return GradeParams(out)


def strength_record(full: GradeParams, strength: float) -> dict:
    """What params.json records beside the applied values (absent at strength 1: nothing to say)."""
    return {"strength": {"value": strength, "full_strength_params": full.as_dict()}}


def full_strength(path: str) -> GradeParams:
    """The full-strength grade of a params.json: its recorded ``strength.full_strength_params`` if a
    strength below 1 was applied, else its ``params`` (bundles without the record load as before)."""
    import json

    params = GradeParams.load(path)  # validates the file (one-line errors)
    with open(path, encoding="utf-8") as fh:
        rec = json.load(fh).get("strength")
    if isinstance(rec, dict) and isinstance(rec.get("full_strength_params"), dict):
        try:
            return GradeParams(rec["full_strength_params"])
        except NcstError as exc:
            raise NcstError(f"{path}: strength.full_strength_params: {exc}") from None
    return params
