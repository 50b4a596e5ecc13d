/*
 * host_cli.c -- command-line face of the test host (ofxhost.h).
 *
 *   ofxhost_cli describe BUNDLE                 print what the plug-in described (JSON)
 *   ofxhost_cli selftest [--quick] BUNDLE DIR   lifecycle and host-behaviour checks (ctest, ASan, valgrind)
 *   ofxhost_cli render BUNDLE IN OUT W H [name=value ...]
 *                                               float RGBA raw in -> raw out (mode=N, lutFile=PATH, ...)
 *
 * The self-test checks the plug-in against itself across host behaviours (tiles vs whole frame,
 * negative row bytes, origins, threads, depths, message suites) and against closed-form LUTs; the
 * comparisons with ncst_bridge's Python reference are in tests/test_ofx_*.py.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ncst_params.h"
#include "ofxhost.h"

static int g_checks, g_failures;

#define CHECK(cond, ...)                                              \
  do {                                                                \
    g_checks++;                                                       \
    if (!(cond)) {                                                    \
      g_failures++;                                                   \
      fprintf(stderr, "FAIL line %d: ", __LINE__);                    \
      fprintf(stderr, __VA_ARGS__);                                   \
      fputc('\n', stderr);                                            \
    }                                                                 \
  } while (0)

static const char *PARAM_NAMES[NCST_NPARAMS] = {
#define X(e, name, neutral, lo, hi, label, hint) name,
    NCST_PARAM_TABLE(X)
#undef X
};
static const double PARAM_NEUTRAL[NCST_NPARAMS] = {
#define X(e, name, neutral, lo, hi, label, hint) neutral,
    NCST_PARAM_TABLE(X)
#undef X
};

static nh_render_opts opts(int depth) {
  nh_render_opts o;
  memset(&o, 0, sizeof o);
  o.depth = depth;
  o.components = 4;
  o.host_threads = 1;
  return o;
}

/* a deterministic test picture: gradients, texture and a few out-of-gamut and extreme pixels */
static float *make_picture(int w, int h) {
  float *p = (float *)malloc((size_t)w * (size_t)h * 4 * sizeof(float));
  uint32_t s = 12345u;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      float *q = p + ((size_t)y * (size_t)w + (size_t)x) * 4;
      for (int c = 0; c < 3; c++) {
        s = s * 1664525u + 1013904223u;
        double noise = (double)(s >> 8) / 16777216.0;
        q[c] = (float)(0.6 * ((double)(x + c * 7) / w) * ((double)(y + 3) / h) + 0.4 * noise);
      }
      q[3] = (float)((double)(x * y % 97) / 96.0);
    }
  p[0] = 0.0f, p[1] = 0.0f, p[2] = 0.0f;   /* black */
  p[4] = 1.0f, p[5] = 1.0f, p[6] = 1.0f;   /* white */
  return p;
}

static void *to_depth(const float *f, int w, int h, int depth, int nc) {
  size_t n = (size_t)w * (size_t)h;
  if (depth == 32) {
    float *o = (float *)malloc(n * (size_t)nc * sizeof(float));
    for (size_t i = 0; i < n; i++)
      for (int c = 0; c < nc; c++) o[i * (size_t)nc + (size_t)c] = f[i * 4 + (size_t)c];
    return o;
  }
  const double top = depth == 8 ? 255.0 : 65535.0;
  void *o = malloc(n * (size_t)nc * (depth == 8 ? 1 : 2));
  for (size_t i = 0; i < n; i++)
    for (int c = 0; c < nc; c++) {
      double v = f[i * 4 + (size_t)c];
      v = v < 0 ? 0 : v > 1 ? 1 : v;
      unsigned q = (unsigned)(v * top + 0.5);
      if (depth == 8) ((uint8_t *)o)[i * (size_t)nc + (size_t)c] = (uint8_t)q;
      else ((uint16_t *)o)[i * (size_t)nc + (size_t)c] = (uint16_t)q;
    }
  return o;
}

static double value_at(const void *buf, int depth, size_t i) {
  if (depth == 32) return ((const float *)buf)[i];
  if (depth == 16) return ((const uint16_t *)buf)[i] / 65535.0;
  return ((const uint8_t *)buf)[i] / 255.0;
}

static size_t pixel_bytes(int depth, int nc) { return (size_t)nc * (depth == 8 ? 1 : depth == 16 ? 2 : 4); }

/* render and return a freshly allocated output buffer (NULL on failure, reason printed) */
static void *render(nh_inst *in, const void *src, int w, int h, nh_render_opts *o) {
  char err[512] = "";
  void *dst = calloc((size_t)w * (size_t)h, pixel_bytes(o->depth, o->components));
  int rc = nh_render(in, src, dst, w, h, o, err, sizeof err);
  if (rc != 0) {
    fprintf(stderr, "render failed (%d): %s\n", rc, err);
    free(dst);
    return NULL;
  }
  return dst;
}

static double max_diff(const void *a, const void *b, int depth, size_t n) {
  double m = 0;
  for (size_t i = 0; i < n; i++) {
    double d = fabs(value_at(a, depth, i) - value_at(b, depth, i));
    if (d > m || d != d) m = d != d ? INFINITY : d;
  }
  return m;
}

static int write_text(const char *path, const char *text) {
  FILE *f = fopen(path, "wb");
  if (!f) return -1;
  fputs(text, f);
  return fclose(f);
}

/* a .cube sampling the linear map out = (0.25 + 0.5 u, v, 1 - w) of the normalised input (u, v, w):
   tetrahedral interpolation reproduces a linear map exactly */
static int write_linear_cube(const char *path, int n, double dmin, double dmax) {
  FILE *f = fopen(path, "wb");
  if (!f) return -1;
  fprintf(f, "TITLE \"linear test\"\r\n# comment\r\nLUT_3D_SIZE %d\r\n", n);
  if (dmin != 0.0 || dmax != 1.0) fprintf(f, "DOMAIN_MIN %g %g %g\r\nDOMAIN_MAX %g %g %g\r\n", dmin, dmin, dmin, dmax, dmax, dmax);
  for (int b = 0; b < n; b++)
    for (int g = 0; g < n; g++)
      for (int r = 0; r < n; r++) {
        double u = (double)r / (n - 1), v = (double)g / (n - 1), w = (double)b / (n - 1);
        fprintf(f, "%.9f %.9f %.9f\r\n", 0.25 + 0.5 * u, v, 1.0 - w);
      }
  return fclose(f);
}

static double linear_lut_error(const float *src, const float *out, int w, int h, double dmin, double dmax) {
  double m = 0;
  for (size_t i = 0; i < (size_t)w * (size_t)h; i++) {
    double t[3];
    for (int c = 0; c < 3; c++) {
      double x = (src[i * 4 + (size_t)c] - dmin) / (dmax - dmin);
      t[c] = x < 0 ? 0 : x > 1 ? 1 : x;
    }
    const double want[3] = {0.25 + 0.5 * t[0], t[1], 1.0 - t[2]};
    for (int c = 0; c < 3; c++) m = fmax(m, fabs(out[i * 4 + (size_t)c] - want[c]));
    m = fmax(m, fabs(out[i * 4 + 3] - src[i * 4 + 3]));
  }
  return m;
}

static int violations_empty(nh_host *h) {
  char buf[8192];
  nh_stats_json(h, buf, sizeof buf);
  const char *v = strstr(buf, "\"violations\": [");
  const int ok = v && v[15] == ']';
  const char *o = strstr(buf, "\"images_outstanding\": ");
  const int released = o && atol(o + 22) == 0;
  if (!ok || !released) fprintf(stderr, "host stats: %s\n", buf);
  return ok && released;
}

static void set_grade(nh_inst *in, const double v[NCST_NPARAMS]) {
  for (int i = 0; i < NCST_NPARAMS; i++) nh_set_double(in, PARAM_NAMES[i], v[i]);
}

typedef struct conc_arg {
  nh_inst *in;
  const float *src;
  int w, h, rounds;
  float *first;
  int ok;
} conc_arg;

static void *concurrent_main(void *p) {
  conc_arg *a = (conc_arg *)p;
  a->ok = 1;
  for (int r = 0; r < a->rounds; r++) {
    nh_render_opts o = opts(32);
    o.tile_w = 16;
    o.tile_h = 9;
    float *out = (float *)render(a->in, a->src, a->w, a->h, &o);
    if (!out) {
      a->ok = 0;
      continue;
    }
    if (!a->first) a->first = out;
    else {
      if (memcmp(out, a->first, (size_t)a->w * (size_t)a->h * 16) != 0) a->ok = 0;
      free(out);
    }
  }
  return NULL;
}

static int selftest(const char *bundle, const char *dir, int quick) {
  char err[512] = "", msg[2048], path[4096], path2[4096];
  const int w = quick ? 23 : 61, h = quick ? 17 : 47;
  const size_t n4 = (size_t)w * (size_t)h * 4;
  mkdir(dir, 0777);
  float *src = make_picture(w, h);

  /* host A: everything on */
  nh_config ca = {7, 4, 1, 1, 1, 0};
  nh_host *A = nh_load(bundle, &ca, err, sizeof err);
  if (!A) {
    fprintf(stderr, "load failed: %s\n", err);
    return 1;
  }
  static char desc[1 << 17];
  nh_describe_json(A, desc, sizeof desc);
  CHECK(strstr(desc, "\"org.ncstbridge.ofx_lut\"") != NULL, "plug-in identifier");
  CHECK(strstr(desc, "\"OfxImageEffectContextFilter\": {") && strstr(desc, "\"OfxImageEffectContextGeneral\": {"),
        "both contexts described");
  nh_inst *in = nh_create(A, "OfxImageEffectContextFilter", err, sizeof err);
  CHECK(in != NULL, "create filter instance: %s", err);
  if (!in) return 1;
  nh_inst *gen = nh_create(A, "OfxImageEffectContextGeneral", err, sizeof err);
  CHECK(gen != NULL, "create general instance: %s", err);
  for (int i = 0; i < NCST_NPARAMS; i++) {
    double v = -99;
    nh_get_double(in, PARAM_NAMES[i], &v);
    CHECK(v == PARAM_NEUTRAL[i], "%s default %g", PARAM_NAMES[i], v);
  }

  /* 1. neutral: identity, and Render copies exactly when the host does not ask IsIdentity */
  nh_render_opts o = opts(32);
  o.call_identity = 1;
  float *out = (float *)render(in, src, w, h, &o);
  CHECK(out && o.identity_windows == 1 && o.render_calls == 0, "neutral is identity (%d, %d)", o.identity_windows,
        o.render_calls);
  free(out);
  o = opts(32);
  out = (float *)render(in, src, w, h, &o);
  CHECK(out && memcmp(out, src, n4 * 4) == 0, "neutral render copies the source");
  free(out);

  /* 2. a full grade: tiles, threads, strides and origins all give the same pixels */
  const double grade[NCST_NPARAMS] = {1.2, 1.3, 0.8, 35.0, 1.4, 1.8, 0.4};
  set_grade(in, grade);
  set_grade(gen, grade);
  o = opts(32);
  o.call_identity = 1;
  float *ref = (float *)render(in, src, w, h, &o);
  CHECK(ref && o.identity_windows == 0, "graded frame rendered");
  if (!ref) return 1;
  CHECK(memcmp(ref, src, n4 * 4) != 0, "the grade changes the picture");
  int alpha_ok = 1;
  for (size_t i = 0; i < (size_t)w * (size_t)h; i++)
    if (ref[i * 4 + 3] != src[i * 4 + 3]) alpha_ok = 0;
  CHECK(alpha_ok, "alpha passes through unchanged");
  struct {
    const char *what;
    int tile_w, tile_h, threads, negative, pad, x0, y0, full;
  } variants[] = {
      {"tiles 7x5", 7, 5, 1, 0, 0, 0, 0, 0},
      {"tiles 13x11, 3 host threads", 13, 11, 3, 0, 0, 0, 0, 0},
      {"single-row tiles", w, 1, 2, 0, 0, 0, 0, 0},
      {"negative row bytes, padded rows", 0, 0, 1, 1, 12, 0, 0, 0},
      {"origin (-13, 21) with tiles", 9, 9, 2, 1, 4, -13, 21, 0},
      {"whole source handed over, tiles", 10, 6, 1, 0, 0, 0, 0, 1},
  };
  for (size_t k = 0; k < sizeof variants / sizeof variants[0]; k++) {
    o = opts(32);
    o.tile_w = variants[k].tile_w;
    o.tile_h = variants[k].tile_h;
    o.host_threads = variants[k].threads;
    o.negative_rows = variants[k].negative;
    o.row_pad = variants[k].pad;
    o.x0 = variants[k].x0;
    o.y0 = variants[k].y0;
    o.full_source = variants[k].full;
    out = (float *)render(in, src, w, h, &o);
    CHECK(out && memcmp(out, ref, n4 * 4) == 0, "%s equals the whole-frame render (max diff %g)", variants[k].what,
          out ? max_diff(out, ref, 32, n4) : -1.0);
    free(out);
  }
  o = opts(32);
  out = (float *)render(gen, src, w, h, &o);
  CHECK(out && memcmp(out, ref, n4 * 4) == 0, "general context renders like filter");
  free(out);

  /* 3. other depths and RGB */
  for (int depth = 8; depth <= 16; depth += 8) {
    void *s8 = to_depth(src, w, h, depth, 4);
    void *r8 = to_depth(ref, w, h, depth, 4);
    o = opts(depth);
    o.tile_w = 11;
    o.tile_h = 7;
    o.negative_rows = 1;
    void *o8 = render(in, s8, w, h, &o);
    /* the 8/16-bit source is itself quantised, so allow a little more than one code of drift
       through the grade's slope; the Python tests compare against the exact reference */
    double tol = depth == 8 ? 4.0 / 255 : 40.0 / 65535;
    CHECK(o8 && max_diff(o8, r8, depth, n4) <= tol, "%d-bit output close to float (max %g)", depth,
          o8 ? max_diff(o8, r8, depth, n4) : -1.0);
    int alpha8 = 1;
    for (size_t i = 0; o8 && i < (size_t)w * (size_t)h; i++)
      if (value_at(o8, depth, i * 4 + 3) != value_at(s8, depth, i * 4 + 3)) alpha8 = 0;
    CHECK(alpha8, "%d-bit alpha unchanged", depth);
    free(s8);
    free(r8);
    free(o8);
  }
  {
    float *s3 = (float *)to_depth(src, w, h, 32, 3);
    o = opts(32);
    o.components = 3;
    o.tile_w = 8;
    o.tile_h = 8;
    float *o3 = (float *)render(in, s3, w, h, &o);
    int same = o3 != NULL;
    for (size_t i = 0; same && i < (size_t)w * (size_t)h; i++)
      for (int c = 0; c < 3; c++)
        if (o3[i * 3 + (size_t)c] != ref[i * 4 + (size_t)c]) same = 0;
    CHECK(same, "RGB images grade like RGBA");
    free(s3);
    free(o3);
  }

  /* 4. LUT mode on closed-form LUTs (CRLF, comments, TITLE, DOMAIN lines) */
  snprintf(path, sizeof path, "%s/linear.cube", dir);
  write_linear_cube(path, 9, 0.0, 1.0);
  CHECK(nh_set_int(in, "mode", 0) == 0, "mode LUT");
  nh_set_string(in, "lutFile", path);
  CHECK(nh_persistent_message(in, msg, sizeof msg) == 0, "no message for a good LUT: %s", msg);
  o = opts(32);
  o.tile_w = 20;
  o.tile_h = 20;
  out = (float *)render(in, src, w, h, &o);
  CHECK(out && linear_lut_error(src, out, w, h, 0, 1) < 2e-6, "tetrahedral LUT reproduces a linear map (%g)",
        out ? linear_lut_error(src, out, w, h, 0, 1) : -1.0);
  float *lut_only = out;
  snprintf(path2, sizeof path2, "%s/domain.cube", dir);
  write_linear_cube(path2, 2, -0.5, 1.5);
  nh_set_string(in, "lutFile", path2);
  out = (float *)render(in, src, w, h, &o);
  CHECK(out && linear_lut_error(src, out, w, h, -0.5, 1.5) < 2e-6, "DOMAIN_MIN/MAX honoured, size 2 (%g)",
        out ? linear_lut_error(src, out, w, h, -0.5, 1.5) : -1.0);
  free(out);
  nh_set_string(in, "lutFile", path);

  /* 5. LUT then trims: neutral trims = the LUT alone; trims change it */
  nh_set_int(in, "mode", 2);
  const double neutral[NCST_NPARAMS] = {1, 1, 1, 0, 1, 1, 0};
  set_grade(in, neutral);
  out = (float *)render(in, src, w, h, &o);
  CHECK(out && lut_only && memcmp(out, lut_only, n4 * 4) == 0, "neutral trims leave the LUT alone");
  free(out);
  set_grade(in, grade);
  out = (float *)render(in, src, w, h, &o);
  CHECK(out && lut_only && memcmp(out, lut_only, n4 * 4) != 0, "trims apply after the LUT");
  free(out);

  /* 6. bad LUT files: output = input, persistent message, no crash; fixing and reloading recovers */
  snprintf(path2, sizeof path2, "%s/missing.cube", dir);
  nh_set_int(in, "mode", 0);
  nh_set_string(in, "lutFile", path2);
  CHECK(nh_persistent_message(in, msg, sizeof msg) == 1 && strstr(msg, "missing.cube"), "missing file reported: %s",
        msg);
  o = opts(32);
  o.call_identity = 1;
  out = (float *)render(in, src, w, h, &o);
  CHECK(out && memcmp(out, src, n4 * 4) == 0, "missing LUT: output = input");
  free(out);
  o = opts(32);
  out = (float *)render(in, src, w, h, &o);
  CHECK(out && memcmp(out, src, n4 * 4) == 0, "missing LUT, Render without IsIdentity: output = input");
  free(out);
  snprintf(path2, sizeof path2, "%s/bad.cube", dir);
  write_text(path2, "LUT_3D_SIZE 2\n0 0 0\n1 0 0\n0 1 0\n");
  nh_set_string(in, "lutFile", path2);
  CHECK(nh_persistent_message(in, msg, sizeof msg) == 1 && strstr(msg, "truncated"), "truncated file: %s", msg);
  out = (float *)render(in, src, w, h, &o);
  CHECK(out && memcmp(out, src, n4 * 4) == 0, "truncated LUT: output = input");
  free(out);
  write_text(path2, "LUT_3D_SIZE 2\n0 0 0\n1 0 0\n0 1 0\n1 1 0\n0 0 1\n1 0 1\n0 1 1\n1 1 nan\n");
  int version0 = -1, version1 = -1;
  nh_get_int(in, "lutVersion", &version0);
  nh_press(in, "reloadLut");
  nh_get_int(in, "lutVersion", &version1);
  CHECK(version1 == version0 + 1, "reload bumps the hidden version (%d -> %d)", version0, version1);
  CHECK(nh_persistent_message(in, msg, sizeof msg) == 1 && strstr(msg, "line 9"), "NaN entry reported: %s", msg);
  write_text(path2, "LUT_3D_SIZE 2\n0 0 0\n1 0 0\n0 1 0\n1 1 0\n0 0 1\n1 0 1\n0 1 1\n1 1 1\n");
  nh_press(in, "reloadLut");
  CHECK(nh_persistent_message(in, msg, sizeof msg) == 0, "fixed file clears the message: %s", msg);
  out = (float *)render(in, src, w, h, &o);
  double identity_err = 0; /* the identity LUT clamps to its domain [0, 1] */
  for (size_t i = 0; out && i < n4; i++) identity_err = fmax(identity_err, fabs(out[i] - fmin(fmax(src[i], 0.0), 1.0)));
  CHECK(out && identity_err < 1e-6, "identity LUT after reload (%g)", identity_err);
  free(out);

  /* 7. import look */
  snprintf(path, sizeof path, "%s/look", dir);
  mkdir(path, 0777);
  snprintf(path2, sizeof path2, "%s/look/params.json", dir);
  write_text(path2, "{\"format\": \"ncst-look/1\", \"params\": {\"brightness\": 1.5, \"hue\": -20, \"sharpness\": 0.5},\n"
                    " \"cdl\": {\"slope\": [1, 1, 1]}, \"provenance\": {\"tool\": \"test\", \"list\": [1, 2, {\"a\": null}]}}");
  nh_set_int(in, "mode", 1);
  nh_set_string(in, "lookFile", path2);
  double b = 0, hue = 0, sharp = 0, gam = 0;
  nh_get_double(in, "brightness", &b);
  nh_get_double(in, "hue", &hue);
  nh_get_double(in, "sharpness", &sharp);
  nh_get_double(in, "gamma", &gam);
  CHECK(b == 1.5 && hue == -20 && sharp == 0.5 && gam == 1.0, "import sets the sliders (%g %g %g %g)", b, hue, sharp, gam);
  snprintf(path2, sizeof path2, "%s/look/look.cube", dir);
  write_linear_cube(path2, 3, 0, 1);
  nh_set_int(in, "mode", 2);
  nh_set_string(in, "lookFile", path);
  char lut[4096] = "";
  nh_get_string(in, "lutFile", lut, sizeof lut);
  nh_get_double(in, "brightness", &b);
  nh_get_double(in, "sharpness", &sharp);
  CHECK(strstr(lut, "look/look.cube") && b == 1.0 && sharp == 0.5, "import in a LUT mode: %s, %g, %g", lut, b, sharp);
  snprintf(path2, sizeof path2, "%s/bad.json", dir);
  write_text(path2, "{\"format\": \"ncst-look/1\", \"params\": {\"brightness\": 7}}");
  nh_set_string(in, "lookFile", path2);
  CHECK(nh_persistent_message(in, msg, sizeof msg) == 1 && strstr(msg, "outside its range"), "bad look reported: %s", msg);
  nh_get_double(in, "sharpness", &sharp);
  CHECK(sharp == 0.5, "a failed import changes nothing");
  free(lut_only);

  /* 8. two instances rendering at the same time */
  {
    nh_inst *in2 = nh_create(A, "OfxImageEffectContextFilter", err, sizeof err);
    const double g2[NCST_NPARAMS] = {0.7, 1.6, 1.3, -120.0, 0.3, 0.2, -0.8};
    set_grade(in2, g2);
    nh_set_int(in, "mode", 1);
    set_grade(in, grade);
    conc_arg a1 = {in, src, w, h, quick ? 2 : 4, NULL, 0}, a2 = {in2, src, w, h, quick ? 2 : 4, NULL, 0};
    pthread_t t1, t2;
    pthread_create(&t1, NULL, concurrent_main, &a1);
    pthread_create(&t2, NULL, concurrent_main, &a2);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    CHECK(a1.ok && a2.ok, "concurrent renders are repeatable");
    CHECK(a1.first && memcmp(a1.first, ref, n4 * 4) == 0, "concurrent render equals the serial one");
    CHECK(a2.first && memcmp(a2.first, ref, n4 * 4) != 0, "the second instance has its own grade");
    free(a1.first);
    free(a2.first);
    nh_destroy(in2);
  }
  CHECK(violations_empty(A), "host A: no protocol violations, every image released");

  /* host B: float only, no multithread suite, message suite v1, no image RoD property, no OfxSetHost */
  nh_config cb = {4, 0, 0, 0, 0, 0};
  nh_host *B = nh_load(bundle, &cb, err, sizeof err);
  CHECK(B != NULL, "load in a minimal host: %s", err);
  if (B) {
    nh_inst *ib = nh_create(B, "OfxImageEffectContextFilter", err, sizeof err);
    set_grade(ib, grade);
    o = opts(32);
    o.tile_w = 6;
    o.tile_h = 10;
    out = (float *)render(ib, src, w, h, &o);
    CHECK(out && memcmp(out, ref, n4 * 4) == 0, "minimal host renders the same pixels");
    free(out);
    nh_set_int(ib, "mode", 0);
    nh_set_string(ib, "lutFile", "/nonexistent/x.cube");
    CHECK(nh_last_message(ib, msg, sizeof msg) >= 1 && strstr(msg, "x.cube"), "v1 message for a bad LUT: %s", msg);
    o = opts(8);
    char e2[256] = "";
    void *src8 = to_depth(src, w, h, 8, 4), *dst8 = calloc(n4, 1);
    CHECK(nh_render(ib, src8, dst8, w, h, &o, e2, sizeof e2) != 0, "a float-only host refuses 8-bit frames");
    free(src8);
    free(dst8);
    CHECK(violations_empty(B), "host B: no protocol violations");
    nh_destroy(ib);
    CHECK(nh_unload(B) == 0, "unload B");
  }
  nh_destroy(gen);
  nh_destroy(in);
  CHECK(nh_unload(A) == 0, "unload A");
  free(ref);
  free(src);
  printf("selftest: %d checks, %d failures\n", g_checks, g_failures);
  return g_failures ? 1 : 0;
}

static int describe(const char *bundle) {
  char err[512];
  nh_config c = {7, 2, 1, 1, 1, 0};
  nh_host *h = nh_load(bundle, &c, err, sizeof err);
  if (!h) {
    fprintf(stderr, "ofxhost_cli: %s\n", err);
    return 1;
  }
  int n = nh_describe_json(h, NULL, 0);
  char *buf = (char *)malloc((size_t)n + 1);
  nh_describe_json(h, buf, n + 1);
  puts(buf);
  free(buf);
  nh_unload(h);
  return 0;
}

static int render_raw(int argc, char **argv) {
  /* render BUNDLE IN OUT W H [name=value ...] */
  char err[512];
  const char *bundle = argv[2], *inp = argv[3], *outp = argv[4];
  int w = atoi(argv[5]), h = atoi(argv[6]);
  if (w <= 0 || h <= 0) {
    fprintf(stderr, "ofxhost_cli: bad size\n");
    return 2;
  }
  size_t bytes = (size_t)w * (size_t)h * 16;
  float *src = (float *)malloc(bytes), *dst = (float *)malloc(bytes);
  FILE *f = fopen(inp, "rb");
  if (!f || fread(src, 1, bytes, f) != bytes) {
    fprintf(stderr, "ofxhost_cli: cannot read %zu bytes from %s\n", bytes, inp);
    return 2;
  }
  fclose(f);
  nh_config c = {7, 2, 1, 1, 1, 0};
  nh_host *host = nh_load(bundle, &c, err, sizeof err);
  if (!host) {
    fprintf(stderr, "ofxhost_cli: %s\n", err);
    return 1;
  }
  nh_inst *in = nh_create(host, "OfxImageEffectContextFilter", err, sizeof err);
  for (int i = 7; in && i < argc; i++) {
    char *eq = strchr(argv[i], '=');
    if (!eq) continue;
    *eq = '\0';
    const char *name = argv[i], *val = eq + 1;
    if (!strcmp(name, "mode") || !strcmp(name, "lutVersion")) nh_set_int(in, name, atoi(val));
    else if (!strcmp(name, "lutFile") || !strcmp(name, "lookFile")) nh_set_string(in, name, val);
    else if (nh_set_double(in, name, atof(val)) != 0) fprintf(stderr, "ofxhost_cli: no parameter %s\n", name);
  }
  nh_render_opts o = opts(32);
  int rc = in ? nh_render(in, src, dst, w, h, &o, err, sizeof err) : -1;
  char msg[2048];
  if (in && nh_persistent_message(in, msg, sizeof msg)) fprintf(stderr, "message: %s\n", msg);
  if (rc == 0) {
    f = fopen(outp, "wb");
    if (!f || fwrite(dst, 1, bytes, f) != bytes) rc = 2;
    if (f) fclose(f);
  } else {
    fprintf(stderr, "ofxhost_cli: %s\n", err);
  }
  nh_unload(host);
  free(src);
  free(dst);
  return rc == 0 ? 0 : 1;
}

int main(int argc, char **argv) {
  if (argc >= 3 && !strcmp(argv[1], "describe")) return describe(argv[2]);
  if (argc >= 4 && !strcmp(argv[1], "selftest")) {
    int quick = !strcmp(argv[2], "--quick");
    if (quick && argc < 5) return 2;
    return selftest(argv[2 + quick], argv[3 + quick], quick);
  }
  if (argc >= 7 && !strcmp(argv[1], "render")) return render_raw(argc, argv);
  fprintf(stderr,
          "usage: ofxhost_cli describe BUNDLE | selftest [--quick] BUNDLE WORKDIR | "
          "render BUNDLE IN.raw OUT.raw W H [name=value ...]\n");
  return 2;
}
