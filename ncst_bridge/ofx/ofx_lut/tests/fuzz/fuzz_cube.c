/*
 * fuzz_cube.c -- fuzz target for the .cube parser and the tetrahedral lookup (libFuzzer entry point;
 * fuzz_driver.c supplies a main() when clang's libFuzzer is not available).
 * Any accepted LUT is also sampled, at the corners and at NaN/inf inputs, so a table the parser
 * accepted but mis-sized would be read out of bounds under AddressSanitizer.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "ncst_cube.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  ncst_lut lut;
  char err[300];
  if (ncst_cube_parse((const char *)data, size, &lut, err, sizeof err) == 0) {
    const double probes[][3] = {{0, 0, 0}, {1, 1, 1}, {0.5, 0.25, 0.75}, {-1, 2, 0.999999}, {NAN, INFINITY, -INFINITY}};
    for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++) {
      double out[3];
      ncst_lut_apply(&lut, probes[i], out);
    }
    ncst_lut_free(&lut);
  }
  return 0;
}
