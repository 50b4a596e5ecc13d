/*
 * grade.c -- f_P in C (see ncst_grade.h); every formula cites its Python counterpart.
 */
#include "ncst_compat.h"
#include "ncst_grade.h"

#include <math.h>
#include <string.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

#define NCST_X_SPEC(e, name, neutral, lo, hi, label, hint) {name, neutral, lo, hi, label, hint},
const ncst_param_spec NCST_PARAM_SPECS[NCST_NPARAMS] = {NCST_PARAM_TABLE(NCST_X_SPEC)};
#undef NCST_X_SPEC

void ncst_params_sanitise(double v[NCST_NPARAMS]) {
  for (int i = 0; i < NCST_NPARAMS; i++) {
    const ncst_param_spec *s = &NCST_PARAM_SPECS[i];
    if (!isfinite(v[i])) v[i] = s->neutral;
    if (v[i] < s->lo) v[i] = s->lo;
    if (v[i] > s->hi) v[i] = s->hi;
  }
}

int ncst_params_neutral(const double v[NCST_NPARAMS]) {
  for (int i = 0; i < NCST_NPARAMS; i++)
    if (v[i] != NCST_PARAM_SPECS[i].neutral) return 0;
  return 1;
}

static void mat3_mul(const double a[9], const double b[9], double out[9]) {
  double t[9];
  for (int r = 0; r < 3; r++)
    for (int c = 0; c < 3; c++) t[3 * r + c] = a[3 * r] * b[c] + a[3 * r + 1] * b[3 + c] + a[3 * r + 2] * b[6 + c];
  memcpy(out, t, sizeof t);
}

static void mat3_inverse(const double m[9], double out[9]) {
  const double c00 = m[4] * m[8] - m[5] * m[7], c01 = m[5] * m[6] - m[3] * m[8], c02 = m[3] * m[7] - m[4] * m[6];
  const double det = m[0] * c00 + m[1] * c01 + m[2] * c02;
  out[0] = c00 / det;
  out[1] = (m[2] * m[7] - m[1] * m[8]) / det;
  out[2] = (m[1] * m[5] - m[2] * m[4]) / det;
  out[3] = c01 / det;
  out[4] = (m[0] * m[8] - m[2] * m[6]) / det;
  out[5] = (m[2] * m[3] - m[0] * m[5]) / det;
  out[6] = c02 / det;
  out[7] = (m[1] * m[6] - m[0] * m[7]) / det;
  out[8] = (m[0] * m[4] - m[1] * m[3]) / det;
}

/* grade.py _hue_basis: A = from_ycc @ J @ to_ycc, B = from_ycc @ P @ to_ycc */
void ncst_hue_basis(double a[9], double b[9]) {
  const double kr = NCST_LUMA_R, kg = NCST_LUMA_G, kb = NCST_LUMA_B;
  const double to_ycc[9] = {
      kr, kg, kb,
      -kr / (2 * (1 - kb)), -kg / (2 * (1 - kb)), (1 - kb) / (2 * (1 - kb)),
      (1 - kr) / (2 * (1 - kr)), -kg / (2 * (1 - kr)), -kb / (2 * (1 - kr)),
  };
  const double j[9] = {0, 0, 0, 0, 0, -1, 0, 1, 0}; /* d/dh of the chroma-plane rotation at 0 */
  const double p[9] = {0, 0, 0, 0, 1, 0, 0, 0, 1};  /* projection onto the chroma plane */
  double from_ycc[9], t[9];
  mat3_inverse(to_ycc, from_ycc);
  mat3_mul(from_ycc, j, t);
  mat3_mul(t, to_ycc, a);
  mat3_mul(from_ycc, p, t);
  mat3_mul(t, to_ycc, b);
}

void ncst_grade_init(ncst_grade *g, const double v[NCST_NPARAMS]) {
  /* cdl.py cdl_terms */
  const double t = v[NCST_TEMPERATURE], br = v[NCST_BRIGHTNESS], c = v[NCST_CONTRAST];
  const double g_r = pow(2.0, NCST_TEMPERATURE_STOPS * t);
  const double g_b = pow(2.0, -NCST_TEMPERATURE_STOPS * t);
  const double norm = 1.0 + NCST_LUMA_R * (g_r - 1.0) + NCST_LUMA_B * (g_b - 1.0);
  const double gains[3] = {g_r / norm, 1.0 / norm, g_b / norm};
  for (int i = 0; i < 3; i++) {
    g->slope[i] = gains[i] * br * c;
    g->offset[i] = NCST_PIVOT * (1.0 - c);
  }
  g->power = v[NCST_GAMMA];
  g->saturation = v[NCST_SATURATION];

  /* grade.py residual_part: skipped when hue == 0 */
  g->hue_on = v[NCST_HUE] != 0.0;
  if (g->hue_on) {
    double a[9], b[9];
    const double h = v[NCST_HUE] * (M_PI / 180.0);
    const double sh = sin(h), ch = cos(h) - 1.0;
    ncst_hue_basis(a, b);
    for (int i = 0; i < 9; i++) g->hue_m[i] = ((i % 4 == 0) ? 1.0 : 0.0) + sh * a[i] + ch * b[i];
  } else {
    for (int i = 0; i < 9; i++) g->hue_m[i] = (i % 4 == 0) ? 1.0 : 0.0;
  }

  g->sharpness = v[NCST_SHARPNESS];
  g->sharpen_on = v[NCST_SHARPNESS] != 1.0;
  g->colour_identity = v[NCST_BRIGHTNESS] == 1.0 && v[NCST_CONTRAST] == 1.0 && v[NCST_GAMMA] == 1.0 &&
                       v[NCST_HUE] == 0.0 && v[NCST_SATURATION] == 1.0 && v[NCST_TEMPERATURE] == 0.0;
}

void ncst_grade_colour(const ncst_grade *g, double rgb[3]) {
  /* grade.py cdl_part: y = clamp(x*slope + offset, 0, 1) ** power (0 ** p = 0, _safe_pow) */
  double y[3];
  for (int i = 0; i < 3; i++) {
    double v = ncst_clamp01(rgb[i] * g->slope[i] + g->offset[i]);
    y[i] = v > 0.0 ? pow(v, g->power) : 0.0;
  }
  /* saturation about Rec.709 luma, then clamp */
  const double luma = y[0] * NCST_LUMA_R + y[1] * NCST_LUMA_G + y[2] * NCST_LUMA_B;
  for (int i = 0; i < 3; i++) y[i] = ncst_clamp01(luma + g->saturation * (y[i] - luma));
  /* residual: M(h) @ rgb, then clamp */
  if (g->hue_on) {
    const double *m = g->hue_m;
    for (int i = 0; i < 3; i++) rgb[i] = ncst_clamp01(m[3 * i] * y[0] + m[3 * i + 1] * y[1] + m[3 * i + 2] * y[2]);
  } else {
    rgb[0] = y[0];
    rgb[1] = y[1];
    rgb[2] = y[2];
  }
}

/* grade.py sharpness_part: blur = conv2d(img, [[1,1,1],[1,5,1],[1,1,1]] / 13) on interior pixels */
void ncst_sharpen_interior(double s, const double *above, const double *row, const double *below, double out[3]) {
  const double side = NCST_SHARPEN_SIDE / NCST_SHARPEN_SUM, centre = NCST_SHARPEN_CENTRE / NCST_SHARPEN_SUM;
  for (int ch = 0; ch < 3; ch++) {
    const double blur = side * above[ch] + side * above[3 + ch] + side * above[6 + ch] +
                        side * row[ch] + centre * row[3 + ch] + side * row[6 + ch] +
                        side * below[ch] + side * below[3 + ch] + side * below[6 + ch];
    out[ch] = ncst_clamp01(s * row[3 + ch] + (1.0 - s) * blur);
  }
}

void ncst_sharpen_border(double s, const double c[3], double out[3]) {
  for (int ch = 0; ch < 3; ch++) out[ch] = ncst_clamp01(s * c[ch] + (1.0 - s) * c[ch]);
}
