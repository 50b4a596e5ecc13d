/*
 * look_json.c -- a small, strict JSON reader for params.json (ncst_look.h).
 *
 * Recursive descent over a (pointer, length) buffer with a depth limit; the whole document is
 * validated, only "format" and "params" are interpreted.
 */
#include "ncst_look.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ncst_text.h"

#define MAX_DEPTH 64

typedef struct jctx {
  const char *start, *p, *end;
  int depth;
  char *err;
  size_t errlen;
  int failed;
} jctx;

static int jfail(jctx *c, const char *what) {
  if (!c->failed) {
    long line = 1;
    for (const char *q = c->start; q < c->p && q < c->end; q++)
      if (*q == '\n') line++;
    ncst_fmt(c->err, c->errlen, "not valid JSON (line %ld: %s)", line, what);
    c->failed = 1;
  }
  return -1;
}

static void skip_ws(jctx *c) {
  while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r')) c->p++;
}

static int hexval(char ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
  return -1;
}

static int read_hex4(jctx *c, unsigned *out) {
  if (c->end - c->p < 4) return jfail(c, "short \\u escape");
  unsigned v = 0;
  for (int i = 0; i < 4; i++) {
    int h = hexval(c->p[i]);
    if (h < 0) return jfail(c, "bad \\u escape");
    v = v * 16 + (unsigned)h;
  }
  c->p += 4;
  *out = v;
  return 0;
}

/* append a code point as UTF-8 into out (bounded), counting what did not fit */
static void put_utf8(char *out, size_t outlen, size_t *n, unsigned cp, int *truncated) {
  char b[4];
  size_t k;
  if (cp < 0x80) { b[0] = (char)cp; k = 1; }
  else if (cp < 0x800) { b[0] = (char)(0xC0 | (cp >> 6)); b[1] = (char)(0x80 | (cp & 0x3F)); k = 2; }
  else if (cp < 0x10000) { b[0] = (char)(0xE0 | (cp >> 12)); b[1] = (char)(0x80 | ((cp >> 6) & 0x3F)); b[2] = (char)(0x80 | (cp & 0x3F)); k = 3; }
  else { b[0] = (char)(0xF0 | (cp >> 18)); b[1] = (char)(0x80 | ((cp >> 12) & 0x3F)); b[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); b[3] = (char)(0x80 | (cp & 0x3F)); k = 4; }
  if (!out) return;
  if (*n + k + 1 > outlen) { *truncated = 1; return; }
  memcpy(out + *n, b, k);
  *n += k;
  out[*n] = '\0';
}

/* a string at c->p (which is '"'); decoded into out (may be NULL) */
static int parse_string(jctx *c, char *out, size_t outlen, int *truncated) {
  size_t n = 0;
  int trunc = 0;
  if (out && outlen) out[0] = '\0';
  c->p++; /* opening quote */
  for (;;) {
    if (c->p >= c->end) return jfail(c, "unterminated string");
    unsigned char ch = (unsigned char)*c->p;
    if (ch == '"') { c->p++; break; }
    if (ch < 0x20) return jfail(c, "control character in string");
    if (ch == '\\') {
      c->p++;
      if (c->p >= c->end) return jfail(c, "unterminated string");
      char e = *c->p++;
      unsigned cp;
      switch (e) {
        case '"': cp = '"'; break;
        case '\\': cp = '\\'; break;
        case '/': cp = '/'; break;
        case 'b': cp = '\b'; break;
        case 'f': cp = '\f'; break;
        case 'n': cp = '\n'; break;
        case 'r': cp = '\r'; break;
        case 't': cp = '\t'; break;
        case 'u':
          if (read_hex4(c, &cp) != 0) return -1;
          if (cp >= 0xD800 && cp < 0xDC00 && c->end - c->p >= 6 && c->p[0] == '\\' && c->p[1] == 'u') {
            const char *save = c->p;
            unsigned lo;
            c->p += 2;
            if (read_hex4(c, &lo) != 0) return -1;
            if (lo >= 0xDC00 && lo < 0xE000) cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            else c->p = save; /* lone surrogate: kept as is (Python accepts it too) */
          }
          break;
        default: return jfail(c, "bad escape in string");
      }
      put_utf8(out, outlen, &n, cp, &trunc);
      continue;
    }
    if (out) {
      if (n + 2 > outlen) trunc = 1;
      else { out[n++] = (char)ch; out[n] = '\0'; }
    }
    c->p++;
  }
  if (truncated) *truncated = trunc;
  return 0;
}

/* JSON number grammar, plus Python's NaN / Infinity / -Infinity (they parse, then fail the range check) */
static int parse_number(jctx *c, double *out) {
  const char *s = c->p, *q = c->p;
  if (q < c->end && *q == '-') q++;
  if ((size_t)(c->end - q) >= 8 && memcmp(q, "Infinity", 8) == 0) {
    c->p = q + 8;
    *out = (*s == '-') ? -INFINITY : INFINITY;
    return 0;
  }
  if (q == s && (size_t)(c->end - q) >= 3 && memcmp(q, "NaN", 3) == 0) {
    c->p = q + 3;
    *out = NAN;
    return 0;
  }
  if (q >= c->end || *q < '0' || *q > '9') return jfail(c, "expected a value");
  if (*q == '0') q++;
  else while (q < c->end && *q >= '0' && *q <= '9') q++;
  if (q < c->end && *q == '.') {
    q++;
    if (q >= c->end || *q < '0' || *q > '9') return jfail(c, "bad number");
    while (q < c->end && *q >= '0' && *q <= '9') q++;
  }
  if (q < c->end && (*q == 'e' || *q == 'E')) {
    q++;
    if (q < c->end && (*q == '+' || *q == '-')) q++;
    if (q >= c->end || *q < '0' || *q > '9') return jfail(c, "bad number");
    while (q < c->end && *q >= '0' && *q <= '9') q++;
  }
  const char *r = ncst_parse_double(s, q, out);
  if (r != q) return jfail(c, "bad number");
  c->p = q;
  return 0;
}

static int literal(jctx *c, const char *word) {
  size_t n = strlen(word);
  if ((size_t)(c->end - c->p) < n || memcmp(c->p, word, n) != 0) return jfail(c, "expected a value");
  c->p += n;
  return 0;
}

static int skip_value(jctx *c);

static int skip_container(jctx *c, char close) {
  if (++c->depth > MAX_DEPTH) return jfail(c, "nested too deeply");
  c->p++;
  skip_ws(c);
  if (c->p < c->end && *c->p == close) {
    c->p++;
    c->depth--;
    return 0;
  }
  for (;;) {
    skip_ws(c);
    if (close == '}') {
      if (c->p >= c->end || *c->p != '"') return jfail(c, "expected a key");
      if (parse_string(c, NULL, 0, NULL) != 0) return -1;
      skip_ws(c);
      if (c->p >= c->end || *c->p != ':') return jfail(c, "expected ':'");
      c->p++;
    }
    if (skip_value(c) != 0) return -1;
    skip_ws(c);
    if (c->p < c->end && *c->p == ',') { c->p++; continue; }
    if (c->p < c->end && *c->p == close) { c->p++; break; }
    return jfail(c, close == '}' ? "expected ',' or '}'" : "expected ',' or ']'");
  }
  c->depth--;
  return 0;
}

static int skip_value(jctx *c) {
  skip_ws(c);
  if (c->p >= c->end) return jfail(c, "expected a value");
  double d;
  switch (*c->p) {
    case '{': return skip_container(c, '}');
    case '[': return skip_container(c, ']');
    case '"': return parse_string(c, NULL, 0, NULL);
    case 't': return literal(c, "true");
    case 'f': return literal(c, "false");
    case 'n': return literal(c, "null");
    default: return parse_number(c, &d);
  }
}

typedef struct look_state {
  int format_seen, format_ok;
  int params_seen, params_not_object;
  char value_err[256];       /* first bad parameter, in document order */
  double values[NCST_NPARAMS];
} look_state;

static void value_error(look_state *st, const char *fmt_name, const char *msg) {
  if (st->value_err[0]) return;
  ncst_fmt(st->value_err, sizeof st->value_err, "parameter '%s' %s", fmt_name, msg);
}

static int parse_params(jctx *c, look_state *st) {
  if (++c->depth > MAX_DEPTH) return jfail(c, "nested too deeply");
  c->p++;
  skip_ws(c);
  if (c->p < c->end && *c->p == '}') {
    c->p++;
    c->depth--;
    return 0;
  }
  for (;;) {
    char name[64];
    int trunc = 0;
    skip_ws(c);
    if (c->p >= c->end || *c->p != '"') return jfail(c, "expected a key");
    if (parse_string(c, name, sizeof name, &trunc) != 0) return -1;
    skip_ws(c);
    if (c->p >= c->end || *c->p != ':') return jfail(c, "expected ':'");
    c->p++;
    skip_ws(c);
    int idx = -1;
    for (int i = 0; i < NCST_NPARAMS && !trunc; i++)
      if (strcmp(name, NCST_PARAM_SPECS[i].name) == 0) idx = i;
    if (c->p < c->end && (*c->p == '-' || *c->p == 'N' || *c->p == 'I' || (*c->p >= '0' && *c->p <= '9'))) {
      double v;
      if (parse_number(c, &v) != 0) return -1;
      if (idx < 0) {
        if (!st->value_err[0])
          ncst_fmt(st->value_err, sizeof st->value_err,
                   "unknown parameter '%s%s' (known: brightness, contrast, gamma, hue, saturation, sharpness, "
                   "temperature)", name, trunc ? "..." : "");
      } else if (!isfinite(v)) {
        value_error(st, name, "is not a finite number");
      } else if (v < NCST_PARAM_SPECS[idx].lo || v > NCST_PARAM_SPECS[idx].hi) {
        char msg[160];
        ncst_fmt(msg, sizeof msg, "= %g is outside its range %g..%g", v, NCST_PARAM_SPECS[idx].lo,
                 NCST_PARAM_SPECS[idx].hi);
        value_error(st, name, msg);
      } else {
        st->values[idx] = v;
      }
    } else {
      if (skip_value(c) != 0) return -1;
      if (idx < 0) {
        if (!st->value_err[0])
          ncst_fmt(st->value_err, sizeof st->value_err, "unknown parameter '%s%s'", name, trunc ? "..." : "");
      } else {
        value_error(st, name, "must be a number");
      }
    }
    skip_ws(c);
    if (c->p < c->end && *c->p == ',') { c->p++; continue; }
    if (c->p < c->end && *c->p == '}') { c->p++; break; }
    return jfail(c, "expected ',' or '}'");
  }
  c->depth--;
  return 0;
}

int ncst_look_parse(const char *buf, size_t len, double values[NCST_NPARAMS], char *err, size_t errlen) {
  jctx c = {buf, buf, buf + len, 0, err, errlen, 0};
  look_state st;
  memset(&st, 0, sizeof st);
  for (int i = 0; i < NCST_NPARAMS; i++) st.values[i] = NCST_PARAM_SPECS[i].neutral;
  if (len >= 3 && (unsigned char)buf[0] == 0xEF && (unsigned char)buf[1] == 0xBB && (unsigned char)buf[2] == 0xBF)
    c.p += 3;
  skip_ws(&c);
  if (c.p >= c.end) return jfail(&c, "empty file");
  if (*c.p != '{') {
    if (skip_value(&c) != 0) return -1;
    ncst_fmt(err, errlen, "expected a JSON object with \"format\": \"%s\"", NCST_LOOK_FORMAT);
    return -1;
  }
  c.depth = 1;
  c.p++;
  skip_ws(&c);
  if (c.p < c.end && *c.p == '}') {
    c.p++;
  } else {
    for (;;) {
      char key[32];
      int trunc = 0;
      skip_ws(&c);
      if (c.p >= c.end || *c.p != '"') return jfail(&c, "expected a key");
      if (parse_string(&c, key, sizeof key, &trunc) != 0) return -1;
      skip_ws(&c);
      if (c.p >= c.end || *c.p != ':') return jfail(&c, "expected ':'");
      c.p++;
      skip_ws(&c);
      if (!trunc && strcmp(key, "format") == 0) {
        st.format_seen = 1;
        st.format_ok = 0;
        if (c.p < c.end && *c.p == '"') {
          char fmt[32];
          int ft = 0;
          if (parse_string(&c, fmt, sizeof fmt, &ft) != 0) return -1;
          st.format_ok = !ft && strcmp(fmt, NCST_LOOK_FORMAT) == 0;
        } else if (skip_value(&c) != 0) {
          return -1;
        }
      } else if (!trunc && strcmp(key, "params") == 0) {
        /* duplicate "params": the last one wins, as in Python's json */
        st.params_seen = 1;
        st.params_not_object = 0;
        st.value_err[0] = '\0';
        for (int i = 0; i < NCST_NPARAMS; i++) st.values[i] = NCST_PARAM_SPECS[i].neutral;
        if (c.p < c.end && *c.p == '{') {
          if (parse_params(&c, &st) != 0) return -1;
        } else {
          st.params_not_object = 1;
          if (skip_value(&c) != 0) return -1;
        }
      } else if (skip_value(&c) != 0) {
        return -1;
      }
      skip_ws(&c);
      if (c.p < c.end && *c.p == ',') { c.p++; continue; }
      if (c.p < c.end && *c.p == '}') { c.p++; break; }
      return jfail(&c, "expected ',' or '}'");
    }
  }
  skip_ws(&c);
  if (c.p != c.end) return jfail(&c, "extra data after the object");
  if (!st.format_ok) {
    ncst_fmt(err, errlen, "unknown or missing \"format\" (expected \"%s\")", NCST_LOOK_FORMAT);
    return -1;
  }
  if (st.params_not_object) {
    ncst_fmt(err, errlen, "\"params\" must be an object of name: number");
    return -1;
  }
  if (st.value_err[0]) {
    ncst_fmt(err, errlen, "%s", st.value_err);
    return -1;
  }
  memcpy(values, st.values, sizeof st.values);
  return 0;
}

int ncst_look_load(const char *path, double values[NCST_NPARAMS], char *folder, size_t folderlen, char *err,
                   size_t errlen) {
  char file[4096];
  char why[300];
  if (!path || !path[0]) {
    ncst_fmt(err, errlen, "no look chosen (pick a look bundle's params.json)");
    return -1;
  }
  size_t plen = strlen(path);
  if (plen + 16 >= sizeof file) {
    ncst_fmt(err, errlen, "path is too long");
    return -1;
  }
  if (ncst_is_dir(path)) {
    int sep = path[plen - 1] == '/' || path[plen - 1] == '\\';
    ncst_fmt(file, sizeof file, "%s%sparams.json", path, sep ? "" : "/");
    ncst_fmt(folder, folderlen, "%s", path);
    if (sep && folderlen > 1) {
      size_t fl = strlen(folder);
      if (fl > 1) folder[fl - 1] = '\0';
    }
  } else {
    ncst_fmt(file, sizeof file, "%s", path);
    ncst_fmt(folder, folderlen, "%s", path);
    char *slash = strrchr(folder, '/');
#ifdef _WIN32
    char *bslash = strrchr(folder, '\\');
    if (!slash || (bslash && bslash > slash)) slash = bslash;
#endif
    if (slash) *slash = '\0';
    else ncst_fmt(folder, folderlen, ".");
  }
  char *data;
  size_t len;
  if (ncst_read_file(file, NCST_LOOK_MAX_FILE_BYTES, &data, &len, why, sizeof why) != 0) {
    ncst_fmt(err, errlen, "%s: %s", file, why);
    return -1;
  }
  int rc = ncst_look_parse(data, len, values, why, sizeof why);
  free(data);
  if (rc != 0) ncst_fmt(err, errlen, "%s: %s", file, why);
  return rc;
}
