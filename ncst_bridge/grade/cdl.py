"""The CDL part of the grade: ASC CDL v1.2 slope/offset/power/saturation derived from the parameters.

How the parameters fold into one exact CDL (per channel c, Rec.709 luma weights L):

    gains   g_R = 2**(0.5 t), g_G = 1, g_B = 2**(-0.5 t), divided by (L_R g_R + L_G + L_B g_B)
            so that white keeps its luma (t = temperature)
    slope_c = g_c * brightness * contrast
    offset  = PIVOT * (1 - contrast)                      (contrast about the fixed pivot)
    power   = gamma
    sat     = saturation

which is ``((x * g_c * brightness) - PIVOT) * contrast + PIVOT`` written as slope/offset. The math
then is exactly ASC CDL v1.2 with clamps (OCIO ``CDL_ASC``):
``clamp(x*slope+offset) ** power``, then saturation about Rec.709 luma, then clamp.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from collections.abc import Mapping

from ncst_bridge.grade.params import PARAMS, GradeParams

PIVOT = 0.435
TEMPERATURE_STOPS = 0.5
LUMA = (0.2126, 0.7152, 0.0722)


def cdl_terms(p: Mapping[str, Any]):
    """Slope, offset, power (3 per-channel values each) and saturation from parameter values.

    Works on floats, numpy arrays and torch tensors alike (plain arithmetic), so the CDL export and
    the differentiable grade share this one formula. Missing names are neutral.
    """

    def get(name):
        return p[name] if name in p else PARAMS[name].neutral

    t, b, c = get("temperature"), get("brightness"), get("contrast")
    g_r = 2.0 ** (TEMPERATURE_STOPS * t)
    g_b = 2.0 ** (-TEMPERATURE_STOPS * t)
    norm = 1.0 + LUMA[0] * (g_r - 1.0) + LUMA[2] * (g_b - 1.0)  # exactly 1 at t = 0
    gains = (g_r / norm, 1.0 / norm, g_b / norm)
    slope = [g * b * c for g in gains]
    off = PIVOT * (1.0 - c)
    offset = [off, off, off]
    gamma = get("gamma")
    power = [gamma, gamma, gamma]
    return slope, offset, power, get("saturation")


@dataclass(frozen=True)
class CDL:
    """An ASC CDL v1.2 correction (clamping style)."""

    slope: tuple[float, float, float]
    offset: tuple[float, float, float]
    power: tuple[float, float, float]
    saturation: float

    def as_json(self) -> dict[str, Any]:
        return {
            "slope": list(self.slope),
            "offset": list(self.offset),
            "power": list(self.power),
            "saturation": self.saturation,
        }

    def is_identity(self) -> bool:
        return (
            self.slope == (1.0, 1.0, 1.0)
            and self.offset == (0.0, 0.0, 0.0)
            and self.power == (1.0, 1.0, 1.0)
            and self.saturation == 1.0
        )


def cdl_from_params(params: GradeParams) -> CDL:
    """The exact ASC CDL for the parameters' CDL part (see the module docstring for the folding)."""
    slope, offset, power, sat = cdl_terms(params.as_dict())

    def f(xs: Any) -> tuple[float, float, float]:
        r, g, b = (float(x) for x in xs)
        return r, g, b

    return CDL(f(slope), f(offset), f(power), float(sat))
