/*
 * probe.c -- a shared library exposing the plug-in's core code (constants, .cube reader,
 * tetrahedral lookup, params.json reader, colour grade) to pytest through ctypes, so the C
 * constants and readers are checked against ncst_bridge, colour-science and OCIO directly.
 * Test-only: it is not part of the bundle.
 */
#include <stdlib.h>
#include <string.h>

#include "ncst_cube.h"
#include "ncst_grade.h"
#include "ncst_look.h"
#include "ncst_params.h"
#include "ncst_text.h"

#define PROBE __attribute__((visibility("default")))

PROBE int ncst_probe_nparams(void) { return NCST_NPARAMS; }

PROBE const char *ncst_probe_param(int i, double *neutral, double *lo, double *hi) {
  if (i < 0 || i >= NCST_NPARAMS) return NULL;
  *neutral = NCST_PARAM_SPECS[i].neutral;
  *lo = NCST_PARAM_SPECS[i].lo;
  *hi = NCST_PARAM_SPECS[i].hi;
  return NCST_PARAM_SPECS[i].name;
}

/* pivot, temperature stops, luma R, G, B, sharpen side, centre, sum, LUT min size, max size */
PROBE void ncst_probe_constants(double *out) {
  const double v[10] = {NCST_PIVOT,        NCST_TEMPERATURE_STOPS, NCST_LUMA_R,       NCST_LUMA_G,
                        NCST_LUMA_B,       NCST_SHARPEN_SIDE,      NCST_SHARPEN_CENTRE, NCST_SHARPEN_SUM,
                        NCST_LUT_MIN_SIZE, NCST_LUT_MAX_SIZE};
  memcpy(out, v, sizeof v);
}

PROBE void ncst_probe_hue_basis(double *a, double *b) { ncst_hue_basis(a, b); }

PROBE int ncst_probe_cube_size(const char *path, char *err, int errlen) {
  ncst_lut lut;
  if (ncst_cube_load(path, &lut, err, (size_t)errlen) != 0) return -1;
  int n = lut.size;
  ncst_lut_free(&lut);
  return n;
}

/* tetrahedral lookup of n colours through the .cube at path */
PROBE int ncst_probe_cube_apply(const char *path, const double *rgb, double *out, long n, char *err, int errlen) {
  ncst_lut lut;
  if (ncst_cube_load(path, &lut, err, (size_t)errlen) != 0) return -1;
  for (long i = 0; i < n; i++) ncst_lut_apply(&lut, rgb + 3 * i, out + 3 * i);
  ncst_lut_free(&lut);
  return 0;
}

/* parse params.json text (not a file) */
PROBE int ncst_probe_look_text(const char *text, long len, double *values, char *err, int errlen) {
  return ncst_look_parse(text, (size_t)len, values, err, (size_t)errlen);
}

/* the colour part of f_P (CDL then residual) on n colours */
PROBE void ncst_probe_grade_colour(const double *values, const double *rgb, double *out, long n) {
  ncst_grade g;
  double v[NCST_NPARAMS];
  memcpy(v, values, sizeof v);
  ncst_grade_init(&g, v);
  for (long i = 0; i < n; i++) {
    double c[3] = {rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2]};
    ncst_grade_colour(&g, c);
    memcpy(out + 3 * i, c, sizeof c);
  }
}
