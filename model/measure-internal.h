/* measure-internal.h - what the measurement files of model/ share. */
#ifndef MOSAIC_MODEL_MEASURE_INTERNAL_H
#define MOSAIC_MODEL_MEASURE_INTERNAL_H

#include "model/model.h"

/* qsort comparison of doubles, ascending (measure-eval.c). */
int meas_cmp_double(const void *a, const void *b);
/* Statistics of the n signed values e: |e| median, p90, max, signed mean
 * (scratch: n doubles). */
void meas_stats_of(const double *e, int n, double *scratch, struct model_meas_stats *out);
/* Pair the shared-SM rows of r with their partitioned twins and summarise
 * the set's co-location gains (measure-pairs.c; model.h "Shared SMs against
 * partitions", model_meas_add_gain): 0 or -MO_ENOMEM. */
int meas_pairs(const struct model_meas_set *s, struct model_meas_report *r, struct mo_err *err);

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
/* The data sets read as folders: MLPerf Inference results (measure-mlperf.c)
 * and the MISO training logs (measure-miso.c). */
int meas_import_mlperf(struct model_meas_set *s, const char *root, struct mo_err *err);
int meas_import_miso(struct model_meas_set *s, const char *dir, struct mo_err *err);
/* Gavel's co-location throughputs, one JSON file (measure-gavel.c). */
int meas_import_gavel(struct model_meas_set *s, const char *path, struct mo_err *err);

#endif
