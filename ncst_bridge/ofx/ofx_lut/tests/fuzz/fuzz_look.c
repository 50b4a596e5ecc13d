/*
 * fuzz_look.c -- fuzz target for the params.json reader (libFuzzer entry point).
 */
#include <stddef.h>
#include <stdint.h>

#include "ncst_look.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  double values[NCST_NPARAMS];
  char err[300];
  (void)ncst_look_parse((const char *)data, size, values, err, sizeof err);
  return 0;
}
