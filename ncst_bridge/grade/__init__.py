"""The grade: named parameters, the one differentiable grade function f_P, its CDL split and LUT bake.

The grade functions are imported on first use: importing this package, its params, CDL and LUT
modules imports neither numpy nor torch (start-up of every ``ncst`` command), and the NumPy grade
(numpy_grade.py) never imports torch.
"""

from ncst_bridge.grade.cdl import CDL, cdl_from_params
from ncst_bridge.grade.params import PARAMS, GradeParams, ParamSpec

__all__ = [
    "CDL",
    "PARAMS",
    "GradeParams",
    "ParamSpec",
    "apply_grade",
    "apply_grade_numpy",
    "cdl_from_params",
    "colour_grade_numpy",
]


def __getattr__(name: str):
    if name == "apply_grade":
        from ncst_bridge.grade.grade import apply_grade

        return apply_grade
    if name in ("apply_grade_numpy", "colour_grade_numpy"):
        from ncst_bridge.grade import numpy_grade

        return getattr(numpy_grade, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
