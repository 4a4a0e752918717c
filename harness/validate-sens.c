/*
 * validate-sens.c - validate's sensitivity row for the host CPU: the same
 * rows predicted on the default host (what the tables print, and what the
 * simulator, planner and synth use) and on each GPU's own traces' host
 * (validate-meas.h).
 */
#include "harness/validate-meas.h"

#include <stdio.h>
#include <string.h>

static int keep_reduced(const struct model_meas_eval *e, const void *ctx)
{
	(void)ctx;
	return e->qbin < MODEL_MEAS_QBINS - 1; /* the last bin is the whole GPU */
}

static int keep_gpu(const struct model_meas_eval *e, const void *ctx)
{
	return !strcmp(e->gpu, (const char *)ctx);
}

/* One subset of rows on both hosts. */
static int sens_row(const struct model_meas_report *def, const struct model_meas_report *own,
		    const char *name, int (*keep)(const struct model_meas_eval *, const void *),
		    const void *ctx, struct validate_sens_row *row)
{
	snprintf(row->rows, sizeof(row->rows), "%s", name);
	if (model_meas_stats_where(def, keep, ctx, &row->def_abs, &row->def_slow) < 0 ||
	    model_meas_stats_where(own, keep, ctx, &row->own_abs, &row->own_slow) < 0)
		return -MO_ENOMEM;
	return 0;
}

int validate_sens_compute(const struct model_meas_report *def, const struct model_meas_report *own,
			  struct validate_sens *out)
{
	memset(out, 0, sizeof(*out));
	if (sens_row(def, own, "all", NULL, NULL, &out->row[out->n++]) < 0 ||
	    sens_row(def, own, "reduced quota", keep_reduced, NULL, &out->row[out->n++]) < 0)
		return -MO_ENOMEM;
	for (size_t i = 0; i < def->nev && out->n < VALIDATE_SENS_ROWS; i++) {
		const char *gpu = def->ev[i].gpu;
		int seen = 0;
		for (int j = 2; j < out->n; j++)
			seen |= !strcmp(out->row[j].rows, gpu);
		if (!seen && sens_row(def, own, gpu, keep_gpu, gpu, &out->row[out->n++]) < 0)
			return -MO_ENOMEM;
	}
	return 0;
}
