/*
 * measurements.c - the user's measurements into a workload before it is
 * planned (`plan` and `bench`: --profiles, --calibration, --matrix), and the
 * sentence the plan records about them (its "measurements" field).
 */
#include "harness/cli.h"

#include <stdio.h>
#include <string.h>

#include "model/model.h"

int cli_measurements_any(const struct cli_measurements *m)
{
	return m->profiles || m->calibration || m->matrix;
}

static void append(struct cli_measurements *m, const char *what)
{
	size_t len = strlen(m->desc);

	snprintf(m->desc + len, sizeof m->desc - len, "%s%s", len ? "; " : "", what);
}

/* --matrix: load it and check it fits gpu and w. */
static int apply_matrix(struct cli_measurements *m, struct workload *w, const struct model_gpu *gpu,
			struct mo_err *err)
{
	char what[600];
	int known = 0, rc;

	if ((rc = model_im_load(&m->mx, m->matrix, err)) < 0)
		return rc;
	if (m->mx.gpu[0] && strcmp(m->mx.gpu, gpu->name) && strcmp(m->mx.gpu, gpu->short_name))
		return mo_err_set(err, MO_EINPUT, "matrix '%s': measured on '%s', the plan is for '%s'",
				  m->matrix, m->mx.gpu, gpu->name);
	for (int i = 0; i < m->mx.n; i++)
		known += workload_module_index(w, m->mx.names[i]) >= 0;
	if (known < 2)
		return mo_err_set(err, MO_EINPUT, "matrix '%s': fewer than two of its modules are in "
				  "workload '%s'", m->matrix, w->name);
	w->matrix = &m->mx;
	snprintf(what, sizeof what, "matrix '%s' (%d of its %d modules)", m->matrix, known, m->mx.n);
	append(m, what);
	return 0;
}

int cli_measurements_apply(struct cli_measurements *m, struct workload *w,
			   const struct model_gpu *gpu, const struct model_gpu **use, struct mo_err *err)
{
	char desc[400];
	int rc;

	m->desc[0] = 0;
	*use = gpu;
	if (m->profiles) {
		char what[420];
		if ((rc = cli_profiles_apply(w, gpu, m->profiles, desc, sizeof desc, 1, err)) < 0)
			return rc;
		snprintf(what, sizeof what, "profiles: %s", desc);
		append(m, what);
	}
	if (m->calibration) {
		if ((rc = cli_calibration_apply(w, gpu, m->calibration, &m->tuned, use, desc,
						sizeof desc, 1, err)) < 0)
			return rc;
		append(m, desc);
	}
	if (m->matrix && (rc = apply_matrix(m, w, gpu, err)) < 0)
		return rc;
	return 0;
}
