/*
 * ncst_text.h -- locale-independent text helpers shared by the .cube and params.json readers.
 *
 * strtod follows LC_NUMERIC, and an OFX host may run with a locale whose decimal mark is a comma;
 * these never do. Files are read whole into memory with a size limit.
 */
#ifndef NCST_TEXT_H
#define NCST_TEXT_H

#include <stddef.h>

/* Parse [+-]digits[.digits][(e|E)[+-]digits] (or [+-].digits) starting at p, never reading at or
   past end. Returns the first character after the number, or NULL when there is no number.
   The value may be +-inf on overflow; callers check isfinite. */
const char *ncst_parse_double(const char *p, const char *end, double *out);

/* Read a whole file (at most max_bytes) into a malloc'd buffer (NUL-terminated, *len excludes it).
   Returns 0, or -1 with a one-line reason in err. Paths are UTF-8 on every platform. */
int ncst_read_file(const char *path, size_t max_bytes, char **data, size_t *len, char *err, size_t errlen);

/* 1 when path names an existing folder. */
int ncst_is_dir(const char *path);
/* 1 when path names an existing regular file. */
int ncst_is_file(const char *path);

/* snprintf that always terminates and never fails the caller (truncates). */
void ncst_fmt(char *buf, size_t len, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

#endif /* NCST_TEXT_H */
