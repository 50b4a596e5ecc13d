/*
 * cube.c -- .cube parser and tetrahedral lookup (ncst_cube.h).
 *
 * The parser works on a (pointer, length) buffer, never past its end, so the fuzzer can feed it
 * arbitrary bytes. It refuses a declared size before allocating when the rest of the file is too
 * short to hold that many entries, so a 3-line file declaring LUT_3D_SIZE 256 costs nothing.
 */
#include "ncst_cube.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ncst_params.h"
#include "ncst_text.h"

void ncst_lut_free(ncst_lut *lut) {
  if (!lut) return;
  free(lut->table);
  memset(lut, 0, sizeof *lut);
}

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\f' || c == '\v'; }
static int is_eol(char c) { return c == '\n' || c == '\r'; }
static int is_alpha(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }

static const char *skip_space(const char *p, const char *end) {
  while (p < end && is_space(*p)) p++;
  return p;
}

/* keyword at [p, end) equals kw and is followed by a space or the end of the line */
static int keyword_is(const char *p, const char *end, const char *kw, const char **after) {
  size_t n = strlen(kw);
  if ((size_t)(end - p) < n || memcmp(p, kw, n) != 0) return 0;
  if (p + n < end && !is_space(p[n])) return 0;
  *after = p + n;
  return 1;
}

/* read exactly `count` finite numbers separated by blanks and nothing else on the line */
static int read_numbers(const char *p, const char *end, double *vals, int count) {
  for (int i = 0; i < count; i++) {
    p = skip_space(p, end);
    const char *q = ncst_parse_double(p, end, &vals[i]);
    if (!q || q == p || !isfinite(vals[i])) return -1;
    if (q < end && !is_space(*q)) return -1; /* "0.5abc", "1,2" */
    p = q;
  }
  p = skip_space(p, end);
  return p == end ? 0 : -2; /* -2: more on the line than expected */
}

static void show_token(const char *p, const char *end, char *out, size_t outlen) {
  size_t n = 0;
  while (p + n < end && !is_space(p[n]) && n + 1 < outlen && n < 24) {
    char c = p[n];
    out[n] = (c >= 32 && c < 127) ? c : '?';
    n++;
  }
  out[n] = '\0';
}

int ncst_cube_parse(const char *buf, size_t len, ncst_lut *lut, char *err, size_t errlen) {
  memset(lut, 0, sizeof *lut);
  const char *p = buf, *end = buf + len;
  long line = 0;
  int size = 0;
  size_t expected = 0, count = 0;
  double dmin[3] = {0, 0, 0}, dmax[3] = {1, 1, 1};
  float *table = NULL;
  char tok[32];

  if (len >= 3 && (unsigned char)buf[0] == 0xEF && (unsigned char)buf[1] == 0xBB && (unsigned char)buf[2] == 0xBF)
    p += 3; /* UTF-8 byte-order mark */

  while (p < end) {
    const char *ls = p;
    while (p < end && !is_eol(*p)) p++;
    const char *le = p;
    if (p < end) { /* LF, CRLF or a lone CR ends the line */
      if (*p == '\r' && p + 1 < end && p[1] == '\n') p++;
      p++;
    }
    line++;
    /* trim */
    ls = skip_space(ls, le);
    while (le > ls && is_space(le[-1])) le--;
    if (ls == le || *ls == '#') continue;
    if (memchr(ls, '\0', (size_t)(le - ls))) {
      ncst_fmt(err, errlen, "line %ld: binary data (NUL byte), not a text .cube", line);
      goto fail;
    }

    if (is_alpha(*ls)) {
      const char *after;
      if (table) {
        show_token(ls, le, tok, sizeof tok);
        ncst_fmt(err, errlen, "line %ld: expected 3 numbers, got '%s'", line, tok);
        goto fail;
      }
      if (keyword_is(ls, le, "TITLE", &after)) continue;
      if (keyword_is(ls, le, "LUT_1D_SIZE", &after)) {
        ncst_fmt(err, errlen, "line %ld: 1D LUT (LUT_1D_SIZE); only 3D .cube files are supported", line);
        goto fail;
      }
      if (keyword_is(ls, le, "LUT_3D_SIZE", &after)) {
        double v;
        if (size) {
          ncst_fmt(err, errlen, "line %ld: LUT_3D_SIZE given twice", line);
          goto fail;
        }
        if (read_numbers(after, le, &v, 1) != 0 || v != floor(v)) {
          ncst_fmt(err, errlen, "line %ld: LUT_3D_SIZE needs one whole number", line);
          goto fail;
        }
        if (v < NCST_LUT_MIN_SIZE || v > NCST_LUT_MAX_SIZE) {
          ncst_fmt(err, errlen, "line %ld: LUT_3D_SIZE %.0f is outside %d..%d", line, v, NCST_LUT_MIN_SIZE,
                   NCST_LUT_MAX_SIZE);
          goto fail;
        }
        size = (int)v;
        expected = (size_t)size * (size_t)size * (size_t)size;
        continue;
      }
      int is_min = keyword_is(ls, le, "DOMAIN_MIN", &after);
      if (is_min || keyword_is(ls, le, "DOMAIN_MAX", &after)) {
        double v[3];
        if (read_numbers(after, le, v, 3) != 0) {
          ncst_fmt(err, errlen, "line %ld: %s needs 3 finite numbers", line, is_min ? "DOMAIN_MIN" : "DOMAIN_MAX");
          goto fail;
        }
        memcpy(is_min ? dmin : dmax, v, sizeof v);
        continue;
      }
      if (keyword_is(ls, le, "LUT_3D_INPUT_RANGE", &after)) {
        double v[2];
        if (read_numbers(after, le, v, 2) != 0) {
          ncst_fmt(err, errlen, "line %ld: LUT_3D_INPUT_RANGE needs 2 finite numbers", line);
          goto fail;
        }
        for (int i = 0; i < 3; i++) {
          dmin[i] = v[0];
          dmax[i] = v[1];
        }
        continue;
      }
      show_token(ls, le, tok, sizeof tok);
      ncst_fmt(err, errlen, "line %ld: unknown keyword '%s'", line, tok);
      goto fail;
    }

    /* a data line */
    if (!size) {
      ncst_fmt(err, errlen, "line %ld: data before LUT_3D_SIZE", line);
      goto fail;
    }
    if (!table) {
      /* each entry needs at least "0 0 0" and a line end: refuse before allocating */
      size_t rest = (size_t)(end - ls);
      if (rest < expected * 6 - 1) {
        ncst_fmt(err, errlen, "truncated: LUT_3D_SIZE %d needs %ld entries, the file is too short", size,
                 (long)expected);
        goto fail;
      }
      table = (float *)malloc(expected * 3 * sizeof(float));
      if (!table) {
        ncst_fmt(err, errlen, "out of memory for a %d^3 LUT", size);
        goto fail;
      }
    }
    if (count == expected) {
      ncst_fmt(err, errlen, "line %ld: more than %ld entries for LUT_3D_SIZE %d", line, (long)expected, size);
      goto fail;
    }
    double v[3];
    int rc = read_numbers(ls, le, v, 3);
    if (rc != 0) {
      show_token(ls, le, tok, sizeof tok);
      if (rc == -2)
        ncst_fmt(err, errlen, "line %ld: more than 3 numbers", line);
      else
        ncst_fmt(err, errlen, "line %ld: expected 3 finite numbers (at '%s')", line, tok);
      goto fail;
    }
    for (int i = 0; i < 3; i++) {
      if (fabs(v[i]) > 3.0e38) {
        ncst_fmt(err, errlen, "line %ld: value out of range", line);
        goto fail;
      }
      table[count * 3 + (size_t)i] = (float)v[i];
    }
    count++;
  }

  if (!size) {
    ncst_fmt(err, errlen, "no LUT_3D_SIZE: not a 3D .cube");
    goto fail;
  }
  if (count != expected) {
    ncst_fmt(err, errlen, "truncated: %ld of %ld entries for LUT_3D_SIZE %d", (long)count, (long)expected, size);
    goto fail;
  }
  for (int i = 0; i < 3; i++) {
    if (!(dmax[i] > dmin[i])) {
      ncst_fmt(err, errlen, "empty domain: DOMAIN_MAX must be above DOMAIN_MIN on every channel");
      goto fail;
    }
  }
  lut->size = size;
  lut->table = table;
  memcpy(lut->dmin, dmin, sizeof dmin);
  memcpy(lut->dmax, dmax, sizeof dmax);
  return 0;

fail:
  free(table);
  memset(lut, 0, sizeof *lut);
  return -1;
}

int ncst_cube_load(const char *path, ncst_lut *lut, char *err, size_t errlen) {
  char *data;
  size_t len;
  memset(lut, 0, sizeof *lut);
  if (ncst_read_file(path, NCST_CUBE_MAX_FILE_BYTES, &data, &len, err, errlen) != 0) return -1;
  int rc = ncst_cube_parse(data, len, lut, err, errlen);
  free(data);
  return rc;
}

void ncst_lut_apply(const ncst_lut *lut, const double in[3], double out[3]) {
  const int n = lut->size;
  const double top = (double)(n - 1);
  int i0[3];
  double f[3];
  for (int c = 0; c < 3; c++) {
    double t = (in[c] - lut->dmin[c]) / (lut->dmax[c] - lut->dmin[c]);
    t = (t > 0.0 ? (t < 1.0 ? t : 1.0) : 0.0) * top; /* NaN -> 0 */
    int i = (int)t;
    if (i > n - 2) i = n - 2;
    i0[c] = i;
    f[c] = t - (double)i;
  }
  const size_t sr = 3, sg = 3 * (size_t)n, sb = 3 * (size_t)n * (size_t)n;
  const float *c000 = lut->table + (size_t)i0[0] * sr + (size_t)i0[1] * sg + (size_t)i0[2] * sb;
  const float *c100 = c000 + sr, *c010 = c000 + sg, *c001 = c000 + sb;
  const float *c110 = c000 + sr + sg, *c101 = c000 + sr + sb, *c011 = c000 + sg + sb;
  const float *c111 = c000 + sr + sg + sb;
  const double fr = f[0], fg = f[1], fb = f[2];
  for (int c = 0; c < 3; c++) {
    double v;
    if (fr > fg) {
      if (fg > fb)       /* r > g > b */
        v = (1 - fr) * c000[c] + (fr - fg) * c100[c] + (fg - fb) * c110[c] + fb * c111[c];
      else if (fr > fb)  /* r > b >= g */
        v = (1 - fr) * c000[c] + (fr - fb) * c100[c] + (fb - fg) * c101[c] + fg * c111[c];
      else               /* b >= r > g */
        v = (1 - fb) * c000[c] + (fb - fr) * c001[c] + (fr - fg) * c101[c] + fg * c111[c];
    } else {
      if (fb > fg)       /* b > g >= r */
        v = (1 - fb) * c000[c] + (fb - fg) * c001[c] + (fg - fr) * c011[c] + fr * c111[c];
      else if (fb > fr)  /* g >= b > r */
        v = (1 - fg) * c000[c] + (fg - fb) * c010[c] + (fb - fr) * c011[c] + fr * c111[c];
      else               /* g >= r >= b */
        v = (1 - fg) * c000[c] + (fg - fr) * c010[c] + (fr - fb) * c110[c] + fb * c111[c];
    }
    out[c] = v;
  }
}
