/* measure-internal.h - what the measurement files of model/ share. */
#ifndef MOSAIC_MODEL_MEASURE_INTERNAL_H
#define MOSAIC_MODEL_MEASURE_INTERNAL_H

#include "model/model.h"

/* Read a whole file (at most MODEL_MEAS_MAX_BYTES) into a NUL-terminated
 * heap buffer *out (freed by the caller). */
int meas_read_text(const char *path, char **out, size_t *len, struct mo_err *err);

/*
 * The readers of published data sets (measure-sets.c).  meas_import_text:
 * a file whose first non-comment line is head and whose name is base; 0
 * when a reader took it (rows or skipped items added), 1 when none knows
 * it, negative on error.  meas_import_dir: a folder that is one data set as
 * a whole; 0 when read, 1 when it is an ordinary folder to walk.
 */
int meas_import_text(struct model_meas_set *s, const char *path, const char *base,
		     const char *head, const char *text, size_t len, struct mo_err *err);
int meas_import_dir(struct model_meas_set *s, const char *path, struct mo_err *err);

#endif
