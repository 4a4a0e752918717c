/*
 * calibration.c - a calibration file into a workload (`plan --calibration`,
 * `bench --calibration`): the module curves `mosaic model calibrate -o`
 * fitted become the modules' measured scaling (as --profiles does, from the
 * file instead of the traces), and a GEMM fit for the plan's GPU replaces
 * that GPU's kernel-efficiency constants in a copy of its spec.
 */
#include "harness/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"

/* Does the calibration's GPU name the plan's GPU? */
static int same_gpu(const char *name, const struct model_gpu *gpu)
{
	return !strcmp(name, gpu->name) || !strcmp(name, gpu->short_name);
}

static void add(char *desc, size_t cap, size_t *len, const char *fmt, const char *s)
{
	*len += (size_t)snprintf(desc + *len, *len < cap ? cap - *len : 0, fmt, s);
	if (*len >= cap)
		*len = cap - 1;
}

int cli_calibration_apply(struct workload *w, const struct model_gpu *gpu, const char *path,
			  struct model_gpu *tuned, const struct model_gpu **use, char *desc,
			  size_t cap, int required, struct mo_err *err)
{
	struct model_calibration *c = malloc(sizeof *c);
	size_t len = 0;
	int used = 0, rc;

	if (use)
		*use = gpu;
	desc[0] = 0;
	if (!c)
		return mo_err_set(err, MO_ENOMEM, "out of memory");
	if ((rc = model_calibration_load(c, path, err)) < 0)
		goto out;
	add(desc, cap, &len, "calibration '%s':", path);
	for (int m = 0; m < w->n_modules; m++) {
		int i = model_calibration_module(c, w->modules[m].name);
		if (i < 0)
			continue;
		if (!same_gpu(c->gpu, gpu)) {
			rc = mo_err_set(err, MO_EINPUT, "calibration '%s': its module curves were "
					"profiled on '%s', the plan is for '%s'", path, c->gpu, gpu->name);
			goto out;
		}
		w->modules[m].measured = c->modules[i].curve;
		w->modules[m].measured_mbs = c->modules[i].microbatch ? c->modules[i].microbatch
								       : w->microbatch;
		add(desc, cap, &len, used++ ? ", %s" : " %s", w->modules[m].name);
	}
	if (used)
		add(desc, cap, &len, "%s", " (scaling curves)");
	for (int g = 0; tuned && g < c->n_gemm; g++)
		if (same_gpu(c->gemm[g].gpu, gpu)) {
			*tuned = *gpu;
			tuned->gemm_simt_eff = c->gemm[g].fit.simt_eff;
			tuned->gemm_k0 = c->gemm[g].fit.k0;
			*use = tuned;
			add(desc, cap, &len, "%s GEMM fit for ", used++ ? ";" : "");
			add(desc, cap, &len, "%s", gpu->short_name);
			break;
		}
	if (!used && !required)
		desc[0] = 0;
	else if (!used)
		rc = mo_err_set(err, MO_EINPUT, "calibration '%s': no curve of a module of workload "
				"'%s' and no GEMM fit for '%s'", path, w->name, gpu->short_name);
out:
	free(c);
	return rc;
}
