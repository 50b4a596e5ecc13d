"""Random grades across the parameter ranges: for fidelity checks, benchmarks and pretraining."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from ncst_bridge.grade.params import NAMES, PARAMS, GradeParams


def random_params(rng: np.random.Generator, strength: float = 1.0, names: Iterable[str] = NAMES) -> GradeParams:
    """A grade drawn uniformly over ``strength`` of each range around neutral.

    ``strength`` 1 spans the whole range; factors are drawn log-uniformly (so 0.5 and 2 are
    equally likely), hue and temperature uniformly. Names not listed stay neutral.
    """
    values = {}
    for name in names:
        s = PARAMS[name]
        if s.log_scale:
            lo = math.log(s.neutral) + strength * (math.log(s.lo) - math.log(s.neutral))
            hi = math.log(s.neutral) + strength * (math.log(s.hi) - math.log(s.neutral))
            values[name] = float(np.clip(math.exp(rng.uniform(lo, hi)), s.lo, s.hi))
        else:
            lo = s.neutral + strength * (s.lo - s.neutral)
            hi = s.neutral + strength * (s.hi - s.neutral)
            values[name] = float(np.clip(rng.uniform(lo, hi), s.lo, s.hi))
    return GradeParams(values)
