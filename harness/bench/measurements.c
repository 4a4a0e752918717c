/*
 * measurements.c - the user's measurements in the sweep (`bench --profiles,
 * --calibration, --matrix`, as `plan` takes them): each workload they cover
 * is planned with them (the module curves as measured scaling, the matrix
 * in place of the cost model's interference for the pairs it gives); a
 * workload they do not cover is planned as without them.  A calibration's
 * GEMM fit is not used here: the sweep's GPU is the cluster's, unchanged
 * (`plan --calibration` uses it).  The simulated times stay the
 * simulator's, which does not know the measurements: they shape the plans.
 */
#include "harness/bench/experiment.h"
#include "harness/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int bench_measurements_any(const struct bench_opts *o)
{
	return o->profiles[0] || o->calibration[0] || o->matrix[0];
}

int bench_measurements_load(struct bench_opts *o, struct mo_err *err)
{
	struct model_calibration *c;
	int rc = 0;

	model_im_init(&o->matrix_data);
	if (o->matrix[0] && (rc = model_im_load(&o->matrix_data, o->matrix, err)) < 0)
		return rc;
	if (o->calibration[0]) {
		/* refuse a bad file before anything runs */
		if (!(c = malloc(sizeof *c)))
			return mo_err_set(err, MO_ENOMEM, "out of memory");
		rc = model_calibration_load(c, o->calibration, err);
		free(c);
	}
	return rc;
}

int bench_measurements_apply(const struct bench_opts *o, struct workload *w, struct mo_err *err)
{
	char desc[512];
	int rc = 0, known = 0;

	if (o->profiles[0])
		rc = cli_profiles_apply(w, o->cluster.gpu, o->profiles, desc, sizeof desc, 0, err);
	if (rc == 0 && o->calibration[0])
		rc = cli_calibration_apply(w, o->cluster.gpu, o->calibration, NULL, NULL, desc,
					   sizeof desc, 0, err);
	for (int i = 0; rc == 0 && o->matrix[0] && i < o->matrix_data.n; i++)
		known += workload_module_index(w, o->matrix_data.names[i]) >= 0;
	if (known >= 2)
		w->matrix = &o->matrix_data;
	return rc;
}
