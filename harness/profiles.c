/*
 * profiles.c - measured profiles into a workload (`plan --profiles`): traces
 * of modules run at several SM quotas, as `mosaic profile` writes them (one
 * per module and quota) or as a user records them (any trace whose kernels
 * carry module names and whose header gives the quota).  Each module of the
 * workload that the traces hold gets its scaling curve fitted on them
 * (model_curve_from_profiles), which the planner then uses in place of its
 * own predictions (planner.h, plan_problem_new).  The traces are taken to be
 * of one microbatch of the spec's microbatch size, as `mosaic profile` runs.
 */
#include "harness/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"

#define MAX_PROFILES MODEL_CURVE_MAX

int cli_profiles_load(const char *list, struct trace_mem *t, int *n, struct mo_err *err)
{
	char buf[8192], *tok, *save = NULL;

	*n = 0;
	if (strlen(list) >= sizeof(buf))
		return mo_err_set(err, MO_EUSAGE, "--profiles: list too long (at most %zu bytes)",
				  sizeof(buf) - 1);
	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (*n == MAX_PROFILES)
			return mo_err_set(err, MO_EUSAGE, "--profiles: more than %d traces", MAX_PROFILES);
		trace_mem_init(&t[*n]);
		if (trace_mem_load(&t[*n], tok, err) < 0) {
			trace_mem_release(&t[*n]);
			return err->code ? err->code : -MO_EINPUT;
		}
		(*n)++;
	}
	return 0;
}

int cli_profiles_apply(struct workload *w, const struct model_gpu *gpu, const char *list,
		       char *desc, size_t cap, int required, struct mo_err *err)
{
	struct trace_mem t[MAX_PROFILES];
	int n = 0, rc, used = 0;
	size_t len = 0;

	desc[0] = 0;
	rc = cli_profiles_load(list, t, &n, err);
	for (int m = 0; rc == 0 && m < w->n_modules; m++) {
		const struct trace_mem *mine[MAX_PROFILES];
		struct model_curve_fit ff, fb;
		int k = 0;

		for (int i = 0; i < n; i++)
			if (model_trace_module_id(&t[i], w->modules[m].name) >= 0)
				mine[k++] = &t[i];
		if (k < 2)
			continue; /* one quota gives no scaling */
		rc = model_curve_from_profiles(mine, k, gpu, w->modules[m].name, NULL, 0,
					       &w->modules[m].measured, &ff, &fb, err);
		if (rc < 0) {
			mo_err_prefix(err, "--profiles: module '%s'", w->modules[m].name);
			break;
		}
		w->modules[m].measured_mbs = w->microbatch;
		len += (size_t)snprintf(desc + len, len < cap ? cap - len : 0, "%s%s (%d profiles)",
					used++ ? ", " : "", w->modules[m].name, k);
		if (len >= cap)
			len = cap - 1;
	}
	if (rc == 0 && !used && required)
		rc = mo_err_set(err, MO_EINPUT,
				"--profiles: no module of workload '%s' is in two or more of the traces",
				w->name);
	for (int i = 0; i < n; i++)
		trace_mem_release(&t[i]);
	return rc;
}
