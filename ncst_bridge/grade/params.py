"""GradeParams: the named, interpretable grading parameters and the ``params.json`` contract.

Names, neutral values and senses are README.md's parameter table (torchvision's factor conventions,
as the NCST paper used). Each parameter lands in exactly one place of the exported grade:

* ``cdl``      -- folded into the ASC CDL slope/offset/power/saturation (exact in any CDL host);
* ``residual`` -- colour operations CDL cannot express, baked into ``residual.cube``;
* ``spatial``  -- neighbourhood operations no LUT or CDL can hold (applied by direct render / OFX).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any
from collections.abc import Iterable, Mapping

from ncst_bridge.errors import NcstError

FORMAT = "ncst-look/1"


@dataclass(frozen=True)
class ParamSpec:
    """One named parameter: its neutral value, allowed range, unit, meaning and where it lands."""

    name: str
    neutral: float
    lo: float
    hi: float
    unit: str
    meaning: str
    lands: str  # "cdl" | "residual" | "spatial"
    log_scale: bool  # multiplicative factor: solvers work on its logarithm

    def to_unit(self, value: float) -> float:
        """Map a value in [lo, hi] to [0, 1] (log-spaced for factors); used by solvers and networks."""
        if self.log_scale:
            lo = math.log(max(self.lo, 1e-3))
            return (math.log(max(value, 1e-3)) - lo) / (math.log(self.hi) - lo)
        return (value - self.lo) / (self.hi - self.lo)


# Order is the order of the CLI, JSON and README table; it is not the order of application
# (that is fixed by grade.py: CDL part -> residual -> spatial).
_SPECS = (
    ParamSpec(
        "brightness",
        1.0,
        0.5,
        2.0,
        "x (gain)",
        "gain on all channels; 2.0 doubles the code values, then clamps",
        "cdl",
        True,
    ),
    ParamSpec(
        "contrast",
        1.0,
        0.5,
        2.0,
        "x (about pivot 0.435)",
        "factor about the fixed pivot 0.435 (>1 more contrast)",
        "cdl",
        True,
    ),
    ParamSpec(
        "gamma",
        1.0,
        0.5,
        2.0,
        "exponent",
        "out = in ** gamma per channel, the CDL power (>1 darkens mid-tones)",
        "cdl",
        True,
    ),
    ParamSpec(
        "hue",
        0.0,
        -180.0,
        180.0,
        "degrees",
        "rotation about the neutral axis in Rec.709 Y'CbCr, luma kept (+ turns red to yellow)",
        "residual",
        False,
    ),
    ParamSpec(
        "saturation",
        1.0,
        0.0,
        2.0,
        "x (about Rec.709 luma)",
        "factor about Rec.709 luma, the CDL saturation (0 gives grey)",
        "cdl",
        False,
    ),
    ParamSpec(
        "sharpness",
        1.0,
        0.0,
        2.0,
        "x",
        "0 blurs, 1 leaves, 2 sharpens (torchvision's 3x3 kernel); spatial, not in any LUT",
        "spatial",
        False,
    ),
    ParamSpec(
        "temperature",
        0.0,
        -1.0,
        1.0,
        "unitless",
        "white balance: +1 is warmer (red x2^0.5, blue x2^-0.5, luma of white kept)",
        "cdl",
        False,
    ),
)

PARAMS: dict[str, ParamSpec] = {s.name: s for s in _SPECS}
NAMES: tuple[str, ...] = tuple(PARAMS)


def check_value(name: str, value: Any) -> float:
    """Validate one parameter value; raise NcstError naming the parameter if it is unusable."""
    if name not in PARAMS:
        raise NcstError(f"unknown parameter '{name}' (known: {', '.join(NAMES)})")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise NcstError(f"parameter '{name}' must be a number, got {json.dumps(value)[:40]}")
    v = float(value)
    if not math.isfinite(v):
        raise NcstError(f"parameter '{name}' is not a finite number ({v})")
    spec = PARAMS[name]
    if not (spec.lo <= v <= spec.hi):
        raise NcstError(f"parameter '{name}' = {v:g} is outside its range {spec.lo:g}..{spec.hi:g}")
    return v


class GradeParams:
    """An immutable set of named parameter values; omitted parameters are neutral."""

    __slots__ = ("_values",)
    _values: dict[str, float]

    def __init__(self, values: Mapping[str, Any] | None = None, **kwargs: Any):
        given = dict(values or {})
        given.update(kwargs)
        vals = {n: PARAMS[n].neutral for n in NAMES}
        for name, value in given.items():
            vals[name] = check_value(name, value)
        object.__setattr__(self, "_values", vals)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("GradeParams is immutable; use .replace(...)")

    def __getattr__(self, name: str) -> float:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None

    def __getitem__(self, name: str) -> float:
        return self._values[name]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, GradeParams) and self._values == other._values

    def __hash__(self) -> int:
        return hash(tuple(self._values.items()))

    def __repr__(self) -> str:
        changed = ", ".join(f"{k}={v:.4g}" for k, v in self._values.items() if v != PARAMS[k].neutral)
        return f"GradeParams({changed})"

    def as_dict(self) -> dict[str, float]:
        """All values, neutral ones included, in the canonical order."""
        return dict(self._values)

    def replace(self, **kwargs: Any) -> GradeParams:
        return GradeParams(self._values, **kwargs)

    def is_neutral(self, names: Iterable[str] = NAMES) -> bool:
        return all(self._values[n] == PARAMS[n].neutral for n in names)

    def spatial_is_neutral(self) -> bool:
        return self.is_neutral([n for n in NAMES if PARAMS[n].lands == "spatial"])

    # --- the params.json contract -------------------------------------------------------------

    def to_json_obj(self, **extra: Any) -> dict[str, Any]:
        """The ``params.json`` object: format, params, the derived CDL and spatial part, then extras."""
        from ncst_bridge.grade.cdl import cdl_from_params  # cdl depends on params, not the reverse

        cdl = cdl_from_params(self)
        obj: dict[str, Any] = {
            "format": FORMAT,
            "params": self.as_dict(),
            "cdl": cdl.as_json(),
            "spatial": {n: self._values[n] for n in NAMES if PARAMS[n].lands == "spatial"},
            "residual": {n: self._values[n] for n in NAMES if PARAMS[n].lands == "residual"},
        }
        obj.update(extra)
        return obj

    @classmethod
    def from_json_obj(cls, obj: Any, source: str = "params.json") -> GradeParams:
        """Parse a ``params.json`` object; omitted parameters are neutral, anything else is an error."""
        if not isinstance(obj, dict):
            raise NcstError(f'{source}: expected a JSON object with "format": "{FORMAT}"')
        fmt = obj.get("format")
        if fmt != FORMAT:
            raise NcstError(f'{source}: unknown format {json.dumps(fmt)} (expected "{FORMAT}")')
        params = obj.get("params", {})
        if not isinstance(params, dict):
            raise NcstError(f'{source}: "params" must be an object of name: number')
        try:
            return cls(params)
        except NcstError as exc:
            raise NcstError(f"{source}: {exc}") from None

    @classmethod
    def load(cls, path: str) -> GradeParams:
        """Read a ``params.json`` file (one-line NcstError on any problem)."""
        try:
            with open(path, encoding="utf-8") as fh:
                obj = json.load(fh)
        except FileNotFoundError:
            raise NcstError(f"{path}: no such file") from None
        except IsADirectoryError:
            raise NcstError(f"{path}: is a folder, expected params.json") from None
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise NcstError(f"{path}: not valid JSON ({str(exc).splitlines()[0]})") from None
        except RecursionError:
            raise NcstError(f"{path}: JSON nested too deeply to be a params.json") from None
        except ValueError as exc:  # e.g. an integer of thousands of digits
            raise NcstError(f"{path}: unusable JSON ({str(exc).splitlines()[0][:100]})") from None
        except OSError as exc:
            raise NcstError(f"{path}: cannot read ({exc.strerror})") from None
        return cls.from_json_obj(obj, source=path)
