/*
 * test_core.c -- unit tests of the plug-in's core (number parsing, .cube reader, tetrahedral
 * lookup, params.json reader, grade identities). ctest "core"; also run under ASan/UBSan.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ncst_cube.h"
#include "ncst_grade.h"
#include "ncst_look.h"
#include "ncst_params.h"
#include "ncst_text.h"

static int checks, failures;
#define CHECK(cond, ...)                                      \
  do {                                                        \
    checks++;                                                 \
    if (!(cond)) {                                            \
      failures++;                                             \
      fprintf(stderr, "FAIL line %d: ", __LINE__);            \
      fprintf(stderr, __VA_ARGS__);                           \
      fputc('\n', stderr);                                    \
    }                                                         \
  } while (0)

static void test_numbers(void) {
  struct {
    const char *s;
    double v;
    int consumed;
  } ok[] = {{"0.5", 0.5, 3},        {"1e-3", 1e-3, 4},          {"-2.5E+2", -250.0, 7}, {".5", 0.5, 2},
            {"5.", 5.0, 2},         {"6.10361e-05", 6.10361e-05, 11}, {"0.000915541", 0.000915541, 11},
            {"+1", 1.0, 2},         {"1e", 1.0, 1},             {"0.123456", 0.123456, 8},
            {"12345678901234567890123", 12345678901234567890123.0, 23}};
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    double v = -1;
    const char *end = ok[i].s + strlen(ok[i].s);
    const char *r = ncst_parse_double(ok[i].s, end, &v);
    CHECK(r && r - ok[i].s == ok[i].consumed && fabs(v - ok[i].v) <= 1e-15 * fabs(ok[i].v), "parse '%s' -> %.17g",
          ok[i].s, v);
  }
  const char *bad[] = {"", "-", ".", "abc", "nan", "inf", "e5", "+."};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    double v;
    CHECK(ncst_parse_double(bad[i], bad[i] + strlen(bad[i]), &v) == NULL, "'%s' is not a number", bad[i]);
  }
  double v;
  const char *huge = "1e400";
  CHECK(ncst_parse_double(huge, huge + 5, &v) && isinf(v), "1e400 overflows to inf");
  /* correctly rounded like strtod for the .cube writers' 6-decimal numbers */
  char buf[32];
  int exact = 1;
  for (int i = 0; i <= 1000000; i += 7) {
    snprintf(buf, sizeof buf, "%.6f", i / 1e6);
    ncst_parse_double(buf, buf + strlen(buf), &v);
    if (v != strtod(buf, NULL)) exact = 0;
  }
  CHECK(exact, "6-decimal numbers parse exactly as strtod");
}

static int parse(const char *text, ncst_lut *lut, char *err) {
  return ncst_cube_parse(text, strlen(text), lut, err, 256);
}

static const char *CUBE2 = "0 0 0\n1 0 0\n0 1 0\n1 1 0\n0 0 1\n1 0 1\n0 1 1\n1 1 1\n";

static void test_cube(void) {
  ncst_lut lut;
  char err[256], text[4096];

  snprintf(text, sizeof text, "\xEF\xBB\xBFTITLE \"t\"\r\n# c\r\n\r\n  LUT_3D_SIZE 2  \r\n%s", CUBE2);
  CHECK(parse(text, &lut, err) == 0 && lut.size == 2, "BOM, CRLF, comments, TITLE: %s", err);
  ncst_lut_free(&lut);
  snprintf(text, sizeof text, "LUT_3D_SIZE 2\r%s", "0 0 0\r1 0 0\r0 1 0\r1 1 0\r0 0 1\r1 0 1\r0 1 1\r1 1 1");
  CHECK(parse(text, &lut, err) == 0, "old Mac CR line ends, no final newline: %s", err);
  ncst_lut_free(&lut);
  snprintf(text, sizeof text, "DOMAIN_MIN 0 0 0\nDOMAIN_MAX 2 2 2\nLUT_3D_SIZE 2\n%s", CUBE2);
  CHECK(parse(text, &lut, err) == 0 && lut.dmax[1] == 2.0, "DOMAIN lines: %s", err);
  double in[3] = {1.0, 0.5, 2.0}, out[3];
  if (lut.table) {
    ncst_lut_apply(&lut, in, out);
    CHECK(fabs(out[0] - 0.5) < 1e-12 && fabs(out[1] - 0.25) < 1e-12 && fabs(out[2] - 1.0) < 1e-12,
          "domain scaling (%g %g %g)", out[0], out[1], out[2]);
  }
  ncst_lut_free(&lut);
  snprintf(text, sizeof text, "LUT_3D_INPUT_RANGE -1 1\nLUT_3D_SIZE 2\n%s", CUBE2);
  CHECK(parse(text, &lut, err) == 0 && lut.dmin[0] == -1.0, "LUT_3D_INPUT_RANGE: %s", err);
  ncst_lut_free(&lut);

  struct {
    const char *text, *reason;
  } bad[] = {
      {"", "no LUT_3D_SIZE"},
      {"TITLE \"x\"\n# only comments\n", "no LUT_3D_SIZE"},
      {"LUT_1D_SIZE 4\n0 0 0\n", "1D"},
      {"LUT_3D_SIZE 1\n0 0 0\n", "outside"},
      {"LUT_3D_SIZE 257\n0 0 0\n", "outside"},
      {"LUT_3D_SIZE 2.5\n", "whole number"},
      {"LUT_3D_SIZE two\n", "whole number"},
      {"LUT_3D_SIZE 256\n0 0 0\n1 1 1\n", "truncated"},
      {"LUT_3D_SIZE 2\nLUT_3D_SIZE 2\n", "twice"},
      {"0 0 0\nLUT_3D_SIZE 2\n", "before LUT_3D_SIZE"},
      {"LUT_3D_SIZE 2\nFOO 1\n", "unknown keyword"},
      {"LUT_3D_SIZE 2\n0 0 0\n1 0 0\n0 1 0\n1 1 0\n0 0 1\n1 0 1\n0 1 1\n", "truncated"},
      {"LUT_3D_SIZE 2\n0 0 0\n1 0 0\n0 1 0\n1 1 0\n0 0 1\n1 0 1\n0 1 1\n1 1 1\n0 0 0\n", "more than 8"},
      {"LUT_3D_SIZE 2\n0 0 0\n1 0 0\n0 1 0\n1 1 0\n0 0 1\n1 0 1\n0 1 1\n1 1 nan\n", "line 9"},
      {"LUT_3D_SIZE 2\n0 0 0\n1 0 0\n0 1 0\n1 1 0\n0 0 1\n1 0 1\n0 1 1\n1 1 inf\n", "line 9"},
      {"LUT_3D_SIZE 2\n0 0 0\n1 0 0\n0 1 0\n1 1 0\n0 0 1\n1 0 1\n0 1 1\n1 1 1e999\n", "line 9"},
      {"LUT_3D_SIZE 2\n0 0 0 0\n1 0 0\n0 1 0\n1 1 0\n0 0 1\n1 0 1\n0 1 1\n1 1 1\n", "more than 3"},
      {"LUT_3D_SIZE 2\n0,0,0\n1 0 0\n0 1 0\n1 1 0\n0 0 1\n1 0 1\n0 1 1\n1 1 1\n", "expected 3"},
      {"LUT_3D_SIZE 2\n0.0 0.0\n1 0 0\n0 1 0\n1 1 0\n0 0 1\n1 0 1\n0 1 1\n1 1 1\n", "expected 3"},
      {"LUT_3D_SIZE 2\n0 0 x\n1 0 0\n0 1 0\n1 1 0\n0 0 1\n1 0 1\n0 1 1\n1 1 1\n", "expected 3"},
      {"LUT_3D_SIZE 2\n0 0 0\nTITLE \"late\"\n0 1 0\n1 1 0\n0 0 1\n1 0 1\n0 1 1\n1 1 1\n", "expected 3"},
      {"DOMAIN_MIN 1 1 1\nDOMAIN_MAX 1 1 1\nLUT_3D_SIZE 2\n0 0 0\n1 0 0\n0 1 0\n1 1 0\n0 0 1\n1 0 1\n0 1 1\n1 1 1\n",
       "empty domain"},
      {"DOMAIN_MIN 0 0\n", "DOMAIN_MIN needs 3"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    err[0] = '\0';
    int rc = parse(bad[i].text, &lut, err);
    CHECK(rc != 0 && strstr(err, bad[i].reason) && lut.table == NULL, "bad cube %zu: want '%s', got rc %d '%s'", i,
          bad[i].reason, rc, err);
  }
  const char nul[] = "LUT_3D_SIZE 2\n0 0\0 0\n";
  CHECK(ncst_cube_parse(nul, sizeof nul - 1, &lut, err, sizeof err) != 0 && strstr(err, "NUL"), "NUL byte: %s", err);
  CHECK(ncst_cube_load("/nonexistent/dir/x.cube", &lut, err, sizeof err) != 0 && strstr(err, "cannot open"),
        "missing file: %s", err);
  CHECK(ncst_cube_load("/", &lut, err, sizeof err) != 0 && strstr(err, "folder"), "a folder: %s", err);
}

/* tetrahedral interpolation: exact on lattice points and on linear maps, NaN-safe */
static void test_lut_apply(void) {
  const int n = 5;
  char *text = (char *)malloc(200000), *p;
  p = text + sprintf(text, "LUT_3D_SIZE %d\n", n);
  for (int b = 0; b < n; b++)
    for (int g = 0; g < n; g++)
      for (int r = 0; r < n; r++) {
        double u = r / 4.0, v = g / 4.0, w = b / 4.0;
        p += sprintf(p, "%.9f %.9f %.9f\n", 0.1 + 0.3 * u + 0.2 * v, v * w * 0 + v, 0.9 - 0.5 * w + 0.1 * u);
      }
  ncst_lut lut;
  char err[256];
  CHECK(parse(text, &lut, err) == 0, "linear 5^3: %s", err);
  double worst = 0;
  for (int i = 0; i < 2000 && lut.table; i++) {
    double in[3] = {fmod(i * 0.6180339887, 1.0), fmod(i * 0.7548776662, 1.0), fmod(i * 0.5698402910, 1.0)}, out[3];
    ncst_lut_apply(&lut, in, out);
    const double want[3] = {0.1 + 0.3 * in[0] + 0.2 * in[1], in[1], 0.9 - 0.5 * in[2] + 0.1 * in[0]};
    for (int c = 0; c < 3; c++) worst = fmax(worst, fabs(out[c] - want[c]));
  }
  CHECK(worst < 1e-6, "tetrahedral reproduces linear maps (%g)", worst);
  double nan_in[3] = {NAN, -INFINITY, INFINITY}, out[3];
  if (lut.table) {
    ncst_lut_apply(&lut, nan_in, out);
    CHECK(isfinite(out[0]) && isfinite(out[1]) && isfinite(out[2]), "NaN/inf inputs give finite outputs");
  }
  ncst_lut_free(&lut);
  free(text);
}

/* the largest accepted size, built in memory: 256^3 entries */
static void test_size_256(void) {
  const size_t n = 256, count = n * n * n;
  char *text = (char *)malloc(count * 6 + 64);
  if (!text) {
    CHECK(0, "no memory for the 256^3 test");
    return;
  }
  size_t k = (size_t)sprintf(text, "LUT_3D_SIZE 256\n");
  for (size_t i = 0; i < count; i++) {
    const size_t r = i % n, g = (i / n) % n, b = i / (n * n);
    text[k++] = (char)('0' + (r & 1));
    text[k++] = ' ';
    text[k++] = (char)('0' + (g & 1));
    text[k++] = ' ';
    text[k++] = (char)('0' + (b & 1));
    text[k++] = '\n';
  }
  ncst_lut lut;
  char err[256];
  int rc = ncst_cube_parse(text, k, &lut, err, sizeof err);
  CHECK(rc == 0 && lut.size == 256, "256^3 accepted: %s", err);
  if (rc == 0) {
    double in[3] = {3.0 / 255, 4.0 / 255, 255.0 / 255}, out[3];
    ncst_lut_apply(&lut, in, out);
    CHECK(out[0] == 1.0 && out[1] == 0.0 && out[2] == 1.0, "lattice point of the 256^3 LUT (%g %g %g)", out[0], out[1],
          out[2]);
  }
  ncst_lut_free(&lut);
  free(text);
}

static void test_look(void) {
  double v[NCST_NPARAMS];
  char err[512];
  const char *good = "{\"format\": \"ncst-look/1\", \"params\": {\"brightness\": 1.25, \"hue\": -30, \"temperature\": 1e-1},"
                     " \"cdl\": {\"slope\": [1.0, 2, 3e0], \"x\": null, \"t\": true}, \"note\": \"\\u00e9\\n\"}";
  CHECK(ncst_look_parse(good, strlen(good), v, err, sizeof err) == 0, "good look: %s", err);
  CHECK(v[NCST_BRIGHTNESS] == 1.25 && v[NCST_HUE] == -30 && v[NCST_TEMPERATURE] == 0.1 && v[NCST_GAMMA] == 1.0 &&
            v[NCST_SHARPNESS] == 1.0,
        "values and neutral defaults");
  const char *esc = "{\"format\":\"ncst-look/1\",\"params\":{\"\\u0062rightness\":2,\"gamma\":0.5,\"gamma\":0.75}}";
  CHECK(ncst_look_parse(esc, strlen(esc), v, err, sizeof err) == 0 && v[NCST_BRIGHTNESS] == 2 && v[NCST_GAMMA] == 0.75,
        "escaped key, duplicate key (last wins): %s", err);
  const char *noparams = "{\"format\": \"ncst-look/1\"}";
  CHECK(ncst_look_parse(noparams, strlen(noparams), v, err, sizeof err) == 0 && v[NCST_CONTRAST] == 1.0,
        "params may be omitted");
  struct {
    const char *text, *reason;
  } bad[] = {
      {"", "empty"},
      {"[]", "JSON object"},
      {"{\"params\": {}}", "format"},
      {"{\"format\": \"ncst-look/2\"}", "format"},
      {"{\"format\": 1}", "format"},
      {"{\"format\": \"ncst-look/1\", \"params\": []}", "object of name"},
      {"{\"format\": \"ncst-look/1\", \"params\": {\"tint\": 1}}", "unknown parameter 'tint'"},
      {"{\"format\": \"ncst-look/1\", \"params\": {\"gamma\": true}}", "must be a number"},
      {"{\"format\": \"ncst-look/1\", \"params\": {\"gamma\": \"1\"}}", "must be a number"},
      {"{\"format\": \"ncst-look/1\", \"params\": {\"gamma\": NaN}}", "not a finite"},
      {"{\"format\": \"ncst-look/1\", \"params\": {\"gamma\": -Infinity}}", "not a finite"},
      {"{\"format\": \"ncst-look/1\", \"params\": {\"hue\": 181}}", "outside its range -180..180"},
      {"{\"format\": \"ncst-look/1\", \"params\": {\"gamma\": 01}}", "not valid JSON"},
      {"{\"format\": \"ncst-look/1\", \"params\": {\"gamma\": 1.}}", "not valid JSON"},
      {"{\"format\": \"ncst-look/1\",}", "not valid JSON"},
      {"{\"format\": \"ncst-look/1\"} x", "extra data"},
      {"{\"format\": \"ncst-look/1\"", "not valid JSON"},
      {"{\"format\": \"ncst-look/1\", \"a\": \"\x01\"}", "control character"},
      {"{\"format\": \"ncst-look/1\", \"a\": \"\\x\"}", "bad escape"},
      {"{\"format\": \"ncst-look/1\", \"a\": tru}", "not valid JSON"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    err[0] = '\0';
    int rc = ncst_look_parse(bad[i].text, strlen(bad[i].text), v, err, sizeof err);
    CHECK(rc != 0 && strstr(err, bad[i].reason), "bad look %zu: want '%s', got '%s'", i, bad[i].reason, err);
  }
  char deep[400];
  size_t k = (size_t)sprintf(deep, "{\"format\": \"ncst-look/1\", \"x\": ");
  for (int i = 0; i < 100; i++) deep[k++] = '[';
  for (int i = 0; i < 100; i++) deep[k++] = ']';
  deep[k++] = '}';
  CHECK(ncst_look_parse(deep, k, v, err, sizeof err) != 0 && strstr(err, "deeply"), "nesting limit: %s", err);
  char folder[512];
  CHECK(ncst_look_load("/nonexistent/params.json", v, folder, sizeof folder, err, sizeof err) != 0 &&
            strstr(err, "cannot open"),
        "missing look file: %s", err);
}

static void test_grade(void) {
  double v[NCST_NPARAMS];
  for (int i = 0; i < NCST_NPARAMS; i++) v[i] = NCST_PARAM_SPECS[i].neutral;
  CHECK(ncst_params_neutral(v), "neutral table");
  ncst_grade g;
  ncst_grade_init(&g, v);
  CHECK(g.colour_identity && !g.hue_on && !g.sharpen_on, "neutral grade flags");
  double c[3] = {0.2, 0.5, 0.9};
  ncst_grade_colour(&g, c);
  CHECK(fabs(c[0] - 0.2) < 1e-15 && fabs(c[1] - 0.5) < 1e-15 && fabs(c[2] - 0.9) < 1e-15, "neutral colour grade");
  /* the hue rotation keeps Rec.709 luma and greys, and a full turn is the identity */
  double a[9], b[9];
  ncst_hue_basis(a, b);
  const double lw[3] = {NCST_LUMA_R, NCST_LUMA_G, NCST_LUMA_B};
  double worst = 0;
  for (int col = 0; col < 3; col++) {
    double la = 0, lb = 0;
    for (int r = 0; r < 3; r++) {
      la += lw[r] * a[3 * r + col];
      lb += lw[r] * b[3 * r + col];
    }
    worst = fmax(worst, fmax(fabs(la), fabs(lb)));
  }
  for (int r = 0; r < 3; r++) worst = fmax(worst, fabs(a[3 * r] + a[3 * r + 1] + a[3 * r + 2]));
  CHECK(worst < 1e-12, "hue basis keeps luma and neutral axis (%g)", worst);
  v[NCST_HUE] = 180.0;
  ncst_grade_init(&g, v);
  double m2[9];
  for (int r = 0; r < 3; r++)
    for (int col = 0; col < 3; col++) {
      m2[3 * r + col] = 0;
      for (int k = 0; k < 3; k++) m2[3 * r + col] += g.hue_m[3 * r + k] * g.hue_m[3 * k + col];
    }
  worst = 0;
  for (int i = 0; i < 9; i++) worst = fmax(worst, fabs(m2[i] - (i % 4 == 0 ? 1.0 : 0.0)));
  CHECK(worst < 1e-12, "two half turns are the identity (%g)", worst);
  /* out-of-range and NaN parameters are brought into range */
  v[NCST_HUE] = NAN;
  v[NCST_GAMMA] = 99;
  v[NCST_SATURATION] = -1;
  ncst_params_sanitise(v);
  CHECK(v[NCST_HUE] == 0.0 && v[NCST_GAMMA] == 2.0 && v[NCST_SATURATION] == 0.0, "sanitise");
  /* sharpening a flat patch changes nothing */
  const double row[9] = {0.3, 0.4, 0.5, 0.3, 0.4, 0.5, 0.3, 0.4, 0.5};
  double o[3];
  ncst_sharpen_interior(2.0, row, row, row, o);
  CHECK(fabs(o[0] - 0.3) < 1e-15 && fabs(o[2] - 0.5) < 1e-15, "flat patch unchanged by sharpening");
}

int main(void) {
  test_numbers();
  test_cube();
  test_lut_apply();
  test_size_256();
  test_look();
  test_grade();
  printf("core: %d checks, %d failures\n", checks, failures);
  return failures ? 1 : 0;
}
