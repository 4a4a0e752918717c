/*
 * exp-predictors.c - plan quality with weaker predictors (the paper's
 * Fig. 12b): mosaic plans with its cost arrays replaced by a weaker
 * predictor's (wave scaling, linear SM scaling, the model with +-20% noise),
 * each plan simulated and compared with the plan made with the full model.
 * Reported as a table: its slowdowns are all close to 1.
 */
#include "harness/bench/experiment.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

static int tasks(const struct bench_opts *o, struct bench_task_list *l)
{
	int rc = 0;

	for (int w = 0; w < o->n_workloads && !rc; w++)
		for (int p = 0; p < BENCH_N_PREDICTORS && !rc; p++)
			rc = bench_task_push(l, w, p, o->cluster.n_gpus);
	return rc;
}

static const char *variant(const struct bench_opts *o, const struct bench_task *t)
{
	(void)o;
	return bench_predictors[t->variant];
}

/* A deterministic number in [-1, 1] from the coordinates (splitmix64). */
static double noise(const char *wl, int m, int l, int q, int ph)
{
	uint64_t x = 0x9e3779b97f4a7c15ull;

	for (const char *s = wl; *s; s++)
		x = (x ^ (unsigned char)*s) * 0x100000001b3ull;
	x ^= (uint64_t)m * 0xbf58476d1ce4e5b9ull ^ (uint64_t)l * 0x94d049bb133111ebull ^
	     (uint64_t)q << 20 ^ (uint64_t)ph << 40;
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	x ^= x >> 31;
	return (double)(x >> 11) / (double)(1ull << 53) * 2.0 - 1.0;
}

/* Wave scaling, kernel by kernel: layer l of module wm in phase ph at every
 * quota where the model has work (arr: that module's per-layer times). */
static int waves_layer(const struct workload *w, const struct plan_problem *pb, int wm,
		       const char *name, int l, int ph, int64_t *arr, struct mo_err *err)
{
	const struct model_gpu *gpu = pb->gpu;
	struct trace_mem km;
	int rc;

	trace_mem_init(&km);
	rc = wm < 0 ? mo_err_set(err, MO_EINPUT, "unknown module '%s'", name)
		    : workload_kernels(w, wm, l, l + 1, ph, pb->microbatch_size, gpu, &km, err);
	for (int qi = 0; qi < pb->n_quotas && !rc; qi++) {
		int64_t sum = 0;

		if (arr[l * pb->n_quotas + qi] <= 0)
			continue;
		for (size_t i = 0; i < km.n; i++)
			if (km.recs[i].kind == TRACE_KIND_KERNEL)
				sum += model_kernel_ns_waves(gpu, &km.recs[i].u.kernel, gpu->sms,
							     pb->quotas[qi]);
		arr[l * pb->n_quotas + qi] = sum;
	}
	trace_mem_release(&km);
	return rc;
}

/* Replace pb's per-layer times by the predictor's (in place): 1 waves,
 * 2 linear in SMs, 3 the model with noise. */
static int transform(const struct workload *w, struct plan_problem *pb, int predictor,
		     struct mo_err *err)
{
	int full = pb->n_quotas - 1, rc = 0;

	for (int m = 0; m < pb->n_modules && !rc; m++) {
		struct plan_module_cost *mc = &pb->modules[m];
		int wm = workload_module_index(w, mc->name);

		for (int l = 0; l < mc->layers && !rc; l++) {
			for (int ph = WORKLOAD_FWD; ph <= WORKLOAD_BWD && !rc; ph++) {
				int64_t *arr = ph == WORKLOAD_FWD ? mc->fwd_ns : mc->bwd_ns;
				int64_t tfull = arr[l * pb->n_quotas + full];

				if (predictor == 1) {
					rc = waves_layer(w, pb, wm, mc->name, l, ph, arr, err);
					continue;
				}
				for (int qi = 0; qi < pb->n_quotas; qi++) {
					int64_t *v = &arr[l * pb->n_quotas + qi];

					if (*v <= 0)
						continue;
					if (predictor == 2)
						*v = (int64_t)llround((double)tfull * pb->quotas[full] /
								      pb->quotas[qi]);
					else if (predictor == 3)
						*v = (int64_t)llround(
							(double)*v *
							(1.0 + 0.2 * noise(w->name, m, l, pb->quotas[qi], ph)));
				}
			}
		}
	}
	return rc;
}

static int run(const struct bench_opts *o, const struct bench_task *t, int index,
	       struct workload *w, struct bench_table *tables, struct mo_err *err)
{
	const char *pred = bench_predictors[t->variant];
	struct plan_problem *pb = NULL, *weak = NULL;
	struct engine_cluster c;
	struct engine_run_result res;
	struct plan_estimate est;
	struct plan *p = NULL;
	struct mo_err e;
	int rc;

	memset(&res, 0, sizeof(res));
	memset(&est, 0, sizeof(est));
	mo_err_clear(&e);
	rc = plan_problem_new(w, o->cluster.gpu, t->gpus, w->microbatch, &pb, &e);
	if (!rc)
		rc = plan_problem_new(w, o->cluster.gpu, t->gpus, w->microbatch, &weak, &e);
	if (!rc)
		rc = transform(w, weak, t->variant, &e);
	if (!rc)
		rc = plan_search(weak, "mosaic", &p, &e);
	if (!rc)
		rc = plan_estimate(pb, p, &est, &e);
	if (!rc) {
		bench_cluster_for(o, w, t->gpus, &c);
		rc = bench_run_plan(p, w, &c, NULL, &res, &e);
	}
	if (!rc)
		rc = bench_add_row(&tables[BENCH_T_PREDICTOR], index, err, "%s,%s,%lld,%lld,%lld",
				   w->name, pred, (long long)p->predicted_iter_ns,
				   (long long)est.iter_ns, (long long)res.iter_ns);
	else
		rc = bench_fail(rc, tables, index, w->name, "fig12", pred, &e, err);
	engine_run_result_release(&res);
	plan_estimate_release(&est);
	plan_free(p);
	plan_problem_free(pb);
	plan_problem_free(weak);
	return rc;
}


static int report(struct bench_report *c, struct mo_err *err)
{
	const struct bench_table *pd = &c->t[BENCH_T_PREDICTOR];
	struct bench_csv f;
	int rc;

	if (!pd->n)
		return 0;
	rc = bench_csv_open(&f, c->dir, "fig12_predictors.csv", err);
	if (rc)
		return rc;
	fprintf(f.fp, "workload");
	for (int k = 1; k < BENCH_N_PREDICTORS; k++)
		fprintf(f.fp, ",%s_simulated_slowdown", bench_predictors[k]);
	fputc('\n', f.fp);
	bench_md(c, "\n**Plan quality with weaker predictors.** Mosaic planned with the cost arrays "
	      "replaced by: *waves* = the wave-scaling baseline (kernel time x waves(q) / "
	      "waves(full)), *linear* = t(q) = t(full) x full / q, *noisy20* = the model with "
	      "deterministic +-20%% noise per layer and quota. All plan at the spec's microbatch "
	      "size (so the model's plan can differ from Fig. 9's, which also tries half and double "
	      "it). Each plan was simulated; slowdown = its simulated iteration time / that of the "
	      "plan made with the full model.\n\n"
	      "| workload | model plan sim (ms) |");
	for (int k = 1; k < BENCH_N_PREDICTORS; k++)
		bench_md(c, " %s slowdown |", bench_predictors[k]);
	bench_md(c, "\n|---|---:|");
	for (int k = 1; k < BENCH_N_PREDICTORS; k++)
		bench_md(c, "---:|");
	bench_md(c, "\n");
	for (int w = 0; w < c->o->n_workloads; w++) {
		double sim[BENCH_N_PREDICTORS];
		char b[32];

		for (int k = 0; k < BENCH_N_PREDICTORS; k++)
			sim[k] = NAN;
		for (int r = 0; r < pd->n; r++)
			if (!strcmp(bench_cell(pd, r, "workload"), c->o->workloads[w]))
				for (int k = 0; k < BENCH_N_PREDICTORS; k++)
					if (!strcmp(bench_cell(pd, r, "predictor"), bench_predictors[k]))
						sim[k] = bench_cell_num(pd, r, "simulated_iter_ns");
		fprintf(f.fp, "%s", c->o->workloads[w]);
		bench_md(c, "| %s | %s |", c->o->workloads[w], bench_fmt_ms(b, sizeof(b), sim[0]));
		for (int k = 1; k < BENCH_N_PREDICTORS; k++) {
			double s = sim[0] > 0 ? sim[k] / sim[0] : NAN;

			bench_csv_num(f.fp, s, "%.4f");
			if (isnan(s))
				bench_md(c, " - |");
			else
				bench_md(c, " %.3f |", s);
		}
		fputc('\n', f.fp);
		bench_md(c, "\n");
	}
	bench_md(c, "\nA slowdown below 1 means the weaker predictor's plan ran faster in the simulator "
	      "than the full model's plan: the model's errors (above) can mislead the planner. "
	      "(A table, not a figure: the slowdowns are close to 1, and bars of about 1.0 "
	      "would say nothing a reader could see; `fig12_predictors.csv` has the numbers.)\n");
	return bench_csv_close(&f, err);
}


const struct bench_experiment bench_exp_predictors = {
	.name = "plan quality with weaker predictors",
	.figure = "12b",
	.tag = "fig12",
	.suites = BENCH_IN_FULL,
	.tasks = tasks,
	.variant = variant,
	.run = run,
	.report = report,
};
