/*
 * ncst_cube.h -- 3D .cube (IRIDAS/Adobe/Resolve) reading and tetrahedral lookup.
 *
 * Accepted: TITLE, # comments, blank lines, LUT_3D_SIZE 2..256, DOMAIN_MIN/DOMAIN_MAX,
 * LUT_3D_INPUT_RANGE, CRLF/CR/LF line ends, then exactly N^3 lines "r g b" with red fastest.
 * Rejected with a one-line reason: 1D LUTs, unknown keywords, non-numeric or non-finite values,
 * wrong counts, sizes outside 2..256, an empty domain.
 */
#ifndef NCST_CUBE_H
#define NCST_CUBE_H

#include <stddef.h>

typedef struct ncst_lut {
  int size;              /* N */
  float *table;          /* N^3 RGB triples, red fastest: index = r + N*(g + N*b) */
  double dmin[3], dmax[3];
} ncst_lut;

/* Largest .cube file read (a 256^3 LUT with long numbers is about 600 MB). */
#define NCST_CUBE_MAX_FILE_BYTES ((size_t)1 << 30)

/* Parse a .cube held in memory (need not be NUL-terminated). 0 on success; else -1, err set,
   *lut left empty. Free with ncst_lut_free. */
int ncst_cube_parse(const char *buf, size_t len, ncst_lut *lut, char *err, size_t errlen);
/* Read and parse a .cube file. */
int ncst_cube_load(const char *path, ncst_lut *lut, char *err, size_t errlen);
void ncst_lut_free(ncst_lut *lut);

/* Tetrahedral interpolation (as OCIO/Resolve): input normalised by the domain and clamped to it. */
void ncst_lut_apply(const ncst_lut *lut, const double in[3], double out[3]);

#endif /* NCST_CUBE_H */
