/*
 * text.c -- number parsing and file reading that do not depend on the C locale (ncst_text.h).
 */
#include "ncst_compat.h"
#include "ncst_text.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifndef _WIN32
#include <dirent.h>
#endif

#ifdef _WIN32
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#endif

static const double POW10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

static int is_digit(char c) { return c >= '0' && c <= '9'; }

const char *ncst_parse_double(const char *p, const char *end, double *out) {
  int neg = 0, any = 0, digits = 0;
  long exp10 = 0;
  uint64_t mant = 0;
  if (p < end && (*p == '+' || *p == '-')) {
    neg = *p == '-';
    p++;
  }
  for (; p < end && is_digit(*p); p++) {
    any = 1;
    if (mant == 0 && *p == '0') continue; /* leading zero */
    if (digits < 19) {
      mant = mant * 10 + (uint64_t)(*p - '0');
      digits++;
    } else {
      exp10++; /* digits beyond 19 only scale */
    }
  }
  if (p < end && *p == '.') {
    p++;
    for (; p < end && is_digit(*p); p++) {
      any = 1;
      if (mant == 0 && *p == '0') {
        exp10--;
      } else if (digits < 19) {
        mant = mant * 10 + (uint64_t)(*p - '0');
        digits++;
        exp10--;
      }
    }
  }
  if (!any) return NULL;
  if (p < end && (*p == 'e' || *p == 'E')) {
    const char *q = p + 1;
    int eneg = 0;
    long e = 0;
    if (q < end && (*q == '+' || *q == '-')) {
      eneg = *q == '-';
      q++;
    }
    if (q < end && is_digit(*q)) {
      for (; q < end && is_digit(*q); q++)
        if (e < 100000) e = e * 10 + (*q - '0');
      exp10 += eneg ? -e : e;
      p = q;
    } /* else the 'e' is not part of the number: the caller sees it as trailing text */
  }
  double v;
  if (mant == 0) {
    v = 0.0;
  } else if (exp10 >= -22 && exp10 <= 22 && mant < ((uint64_t)1 << 53)) {
    /* exact mantissa and exact power of ten: one correctly rounded operation */
    v = exp10 < 0 ? (double)mant / POW10[-exp10] : (double)mant * POW10[exp10];
  } else {
    if (exp10 > 100000) exp10 = 100000;
    if (exp10 < -100000) exp10 = -100000;
    const double half = (double)(exp10 / 2);
    v = (double)mant * pow(10.0, half) * pow(10.0, (double)exp10 - half);
  }
  *out = neg ? -v : v;
  return p;
}

void ncst_fmt(char *buf, size_t len, const char *fmt, ...) {
  if (!buf || len == 0) return;
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, len, fmt, ap);
  va_end(ap);
  if (n < 0) buf[0] = '\0';
  buf[len - 1] = '\0';
}

#ifdef _WIN32
static wchar_t *widen(const char *path) {
  int n = MultiByteToWideChar(CP_UTF8, 0, path, -1, NULL, 0);
  if (n <= 0) return NULL;
  wchar_t *w = (wchar_t *)malloc((size_t)n * sizeof(wchar_t));
  if (w && MultiByteToWideChar(CP_UTF8, 0, path, -1, w, n) <= 0) {
    free(w);
    w = NULL;
  }
  return w;
}
static FILE *open_utf8(const char *path) {
  wchar_t *w = widen(path);
  FILE *f = w ? _wfopen(w, L"rb") : NULL;
  free(w);
  return f;
}
static int stat_mode(const char *path, int want_dir) {
  wchar_t *w = widen(path);
  if (!w) return 0;
  DWORD a = GetFileAttributesW(w);
  free(w);
  if (a == INVALID_FILE_ATTRIBUTES) return 0;
  return want_dir ? (a & FILE_ATTRIBUTE_DIRECTORY) != 0 : (a & FILE_ATTRIBUTE_DIRECTORY) == 0;
}
#else
static FILE *open_utf8(const char *path) { return fopen(path, "rb"); }
/* opendir/fopen rather than stat: stat is a GLIBC_2.33 symbol, which would raise the glibc floor */
static int stat_mode(const char *path, int want_dir) {
  DIR *d = opendir(path);
  if (d) {
    closedir(d);
    return want_dir;
  }
  if (want_dir) return 0;
  FILE *f = fopen(path, "rb");
  if (!f) return 0;
  fclose(f);
  return 1;
}
#endif

int ncst_is_dir(const char *path) { return path && path[0] && stat_mode(path, 1); }
int ncst_is_file(const char *path) { return path && path[0] && stat_mode(path, 0); }

int ncst_read_file(const char *path, size_t max_bytes, char **data, size_t *len, char *err, size_t errlen) {
  *data = NULL;
  *len = 0;
  if (!path || !path[0]) {
    ncst_fmt(err, errlen, "no file chosen");
    return -1;
  }
  if (ncst_is_dir(path)) {
    ncst_fmt(err, errlen, "is a folder, not a file");
    return -1;
  }
  errno = 0;
  FILE *f = open_utf8(path);
  if (!f) {
    ncst_fmt(err, errlen, "cannot open (%s)", errno ? strerror(errno) : "unknown error");
    return -1;
  }
  size_t cap = 1 << 16, n = 0;
  char *buf = (char *)malloc(cap + 1);
  if (!buf) {
    fclose(f);
    ncst_fmt(err, errlen, "out of memory");
    return -1;
  }
  for (;;) {
    if (n == cap) {
      if (cap >= max_bytes) {
        free(buf);
        fclose(f);
        ncst_fmt(err, errlen, "file is larger than %ld MB", (long)(max_bytes >> 20));
        return -1;
      }
      size_t ncap = cap * 2 > max_bytes ? max_bytes : cap * 2;
      char *nb = (char *)realloc(buf, ncap + 1);
      if (!nb) {
        free(buf);
        fclose(f);
        ncst_fmt(err, errlen, "out of memory");
        return -1;
      }
      buf = nb;
      cap = ncap;
    }
    size_t got = fread(buf + n, 1, cap - n, f);
    n += got;
    if (got == 0) break;
  }
  int bad = ferror(f);
  fclose(f);
  if (bad) {
    free(buf);
    ncst_fmt(err, errlen, "read error");
    return -1;
  }
  buf[n] = '\0';
  *data = buf;
  *len = n;
  return 0;
}
