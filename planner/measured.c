/*
 * measured.c - measurements in the planning problem: a module's measured
 * scaling (its predicted forward and backward times scaled by measured /
 * predicted at each quota; the rule: planner.h, under plan_problem_new), and
 * a measured interference matrix in place of the co-run term
 * (pl_matrix_slowdown, used by plan_estimate).
 */
#include "planner/planner-internal.h"

#include <math.h>

/* The module's predicted forward and backward time of one microbatch of
 * `samples` at every quota of pb (sums over its layers). */
static int predicted_totals(const struct workload *w, int m, int samples, struct plan_problem *pb,
			    double *fwd, double *bwd, struct mo_err *err)
{
	int64_t ns[MODEL_CURVE_MAX], bytes;
	int rc;

	for (int qi = 0; qi < pb->n_quotas; qi++)
		fwd[qi] = bwd[qi] = 0;
	for (int l = 0; l < w->modules[m].layers; l++) {
		if ((rc = pl_time_layer(w, m, l, WORKLOAD_FWD, samples, pb, ns, &bytes, NULL, err)) < 0)
			return rc;
		for (int qi = 0; qi < pb->n_quotas; qi++)
			fwd[qi] += (double)ns[qi];
		if ((rc = pl_time_layer(w, m, l, WORKLOAD_BWD, samples, pb, ns, &bytes, NULL, err)) < 0)
			return rc;
		for (int qi = 0; qi < pb->n_quotas; qi++)
			bwd[qi] += (double)ns[qi];
	}
	return 0;
}

/* The measured time at quota q (exact samples only), or -1. */
static double measured_at(const struct model_curve *c, int q, int bwd)
{
	for (int i = 0; i < c->n; i++)
		if (c->quota[i] == q)
			return (double)(bwd ? c->bwd_ns[i] : c->fwd_ns[i]);
	return -1;
}

int pl_apply_measured(const struct workload *w, int m, struct plan_problem *pb, struct mo_err *err)
{
	const struct workload_module *wm = &w->modules[m];
	struct plan_module_cost *mc = &pb->modules[m];
	double fwd[MODEL_CURVE_MAX], bwd[MODEL_CURVE_MAX];
	int nq = pb->n_quotas, rc;

	if (wm->measured.n <= 0)
		return 0;
	if (wm->measured_mbs < 1)
		return mo_err_set(err, MO_EINPUT, "module '%s': measurements without a microbatch size",
				  wm->name);
	if (wm->measured_mbs == pb->microbatch_size) {
		/* the problem's own predictions are at the measured size */
		for (int qi = 0; qi < nq; qi++) {
			fwd[qi] = bwd[qi] = 0;
			for (int l = 0; l < wm->layers; l++) {
				fwd[qi] += (double)mc->fwd_ns[l * nq + qi];
				bwd[qi] += (double)mc->bwd_ns[l * nq + qi];
			}
		}
	} else if ((rc = predicted_totals(w, m, wm->measured_mbs, pb, fwd, bwd, err)) < 0) {
		return rc;
	}
	for (int qi = 0; qi < nq; qi++) {
		double mf = measured_at(&wm->measured, pb->quotas[qi], 0);
		double mb = measured_at(&wm->measured, pb->quotas[qi], 1);
		double sf = mf > 0 && fwd[qi] > 0 ? mf / fwd[qi] : 1;
		double sb = mb > 0 && bwd[qi] > 0 ? mb / bwd[qi] : 1;

		for (int l = 0; l < wm->layers; l++) {
			mc->fwd_ns[l * nq + qi] = (int64_t)llround((double)mc->fwd_ns[l * nq + qi] * sf);
			mc->bwd_ns[l * nq + qi] = (int64_t)llround((double)mc->bwd_ns[l * nq + qi] * sb);
		}
	}
	return 0;
}

double pl_matrix_slowdown(const struct plan_problem *pb, const struct plan *p, int gi, int pi, int m,
			  double model)
{
	/* model_im_index with add = 0 only reads the matrix */
	struct model_interference_matrix *mx = (struct model_interference_matrix *)pb->matrix;
	const struct plan_gpu *g = &p->gpus[gi];
	int a = mx ? model_im_index(mx, pb->modules[m].name, 0) : -1, pairs = 0, known = 0;
	double worst = 1.0;

	if (a < 0)
		return model;
	for (int o = 0; o < g->n_partitions; o++)
		for (int s = 0; o != pi && s < g->partitions[o].n_slots; s++) {
			int b = model_im_index(mx, g->partitions[o].slots[s].module, 0);
			pairs++;
			if (b < 0)
				continue;
			known++;
			if (mx->slow[a][b] > worst)
				worst = mx->slow[a][b];
		}
	return pairs && known == pairs ? worst : model;
}
