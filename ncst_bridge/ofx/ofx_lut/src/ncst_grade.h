/*
 * ncst_grade.h -- f_P in C, formula for formula the same as ncst_bridge/grade/grade.py.
 *
 * Pure functions on double RGB, no OFX types: CDL part -> residual (hue) -> sharpness.
 * Constants come from ncst_params.h only.
 */
#ifndef NCST_GRADE_H
#define NCST_GRADE_H

#include "ncst_params.h"

typedef struct ncst_grade {
  double slope[3], offset[3], power, saturation;
  int hue_on;         /* residual applied only when hue != 0 (as grade.py) */
  double hue_m[9];    /* row-major M(h) = I + sin(h) A + (cos(h) - 1) B */
  double sharpness;
  int sharpen_on;     /* sharpness != 1 */
  int colour_identity;/* every colour parameter neutral */
} ncst_grade;

/* Clamp each value into its range (NaN -> neutral): what the plug-in does with host values. */
void ncst_params_sanitise(double values[NCST_NPARAMS]);
/* 1 when every value equals its neutral value. */
int ncst_params_neutral(const double values[NCST_NPARAMS]);

/* The A and B of the hue rotation, computed from the Rec.709 Y'CbCr definition (grade.py _hue_basis). */
void ncst_hue_basis(double a[9], double b[9]);

/* Prepare the per-pixel terms from the seven parameter values (ncst_param_index order). */
void ncst_grade_init(ncst_grade *g, const double values[NCST_NPARAMS]);

/* CDL part then residual (the colour part of f_P, what look.cube samples), in place. */
void ncst_grade_colour(const ncst_grade *g, double rgb[3]);

/* Sharpness of one interior pixel: rows[0..2] hold the graded 3x3 neighbourhood rows (x-1, x, x+1
   as three RGB triples each, top to bottom); the result is clamp(s*c + (1-s)*blur, 0, 1). */
void ncst_sharpen_interior(double s, const double *row_above, const double *row, const double *row_below,
                           double out[3]);
/* Sharpness of a border pixel (blur = the pixel itself, as torchvision). */
void ncst_sharpen_border(double s, const double c[3], double out[3]);

static inline double ncst_clamp01(double x) {
  /* NaN -> 0: a NaN never reaches an integer conversion or a LUT index */
  return x > 0.0 ? (x < 1.0 ? x : 1.0) : 0.0;
}

#endif /* NCST_GRADE_H */
