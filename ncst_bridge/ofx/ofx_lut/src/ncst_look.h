/*
 * ncst_look.h -- read a look bundle's params.json ({"format": "ncst-look/1", "params": {name: number}}).
 *
 * The rules are those of ncst_bridge.grade.params.GradeParams.from_json_obj: the format must match,
 * "params" is an object (may be omitted), omitted names are neutral, unknown names, non-numbers,
 * non-finite numbers and out-of-range values are errors. Other top-level keys (cdl, provenance, ...)
 * are checked for JSON syntax and otherwise ignored.
 */
#ifndef NCST_LOOK_H
#define NCST_LOOK_H

#include <stddef.h>

#include "ncst_params.h"

#define NCST_LOOK_MAX_FILE_BYTES ((size_t)16 << 20)

/* Parse params.json text; 0 and values[] (ncst_param_index order) filled, or -1 and err. */
int ncst_look_parse(const char *buf, size_t len, double values[NCST_NPARAMS], char *err, size_t errlen);

/* Read a look given as a bundle folder or its params.json. On success folder receives the bundle
   folder (where look.cube lives, no trailing separator). */
int ncst_look_load(const char *path, double values[NCST_NPARAMS], char *folder, size_t folderlen, char *err,
                   size_t errlen);

#endif /* NCST_LOOK_H */
