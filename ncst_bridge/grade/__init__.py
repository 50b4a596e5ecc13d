"""The grade: named parameters, the one differentiable grade function f_P, its CDL split and LUT bake."""

from ncst_bridge.grade.params import PARAMS, GradeParams, ParamSpec
from ncst_bridge.grade.cdl import CDL, cdl_from_params
from ncst_bridge.grade.grade import apply_grade, apply_grade_numpy, colour_grade_numpy

__all__ = [
    "PARAMS", "GradeParams", "ParamSpec", "CDL", "cdl_from_params",
    "apply_grade", "apply_grade_numpy", "colour_grade_numpy",
]
