/*
 * exp-prediction-error.c - prediction error (the paper's Fig. 12a): how far
 * predictions are from the simulator.  Per module: each module's forward and
 * backward time for one microbatch alone on a partition of every lattice
 * quota, predicted by mosaic's model (the planner's cost arrays), by the
 * wave-scaling baseline and by linear SM scaling, against the same kernels
 * simulated (engine_sim_alone).  Per plan: every plan of the iteration-time
 * and scaling experiments.  Its profile.csv also feeds grid density.
 */
#include "harness/bench/experiment.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int tasks(const struct bench_opts *o, struct bench_task_list *l)
{
	int rc = 0;

	for (int w = 0; w < o->n_workloads && !rc; w++)
		rc = bench_task_push(l, w, 0, 1);
	return rc;
}

/* Per-layer times of module mc in phase ph summed at quota index qi. */
static int64_t module_ns(const struct plan_problem *pb, const struct plan_module_cost *mc, int ph,
			 int qi)
{
	int64_t sum = 0;

	for (int l = 0; l < mc->layers; l++)
		sum += (ph == WORKLOAD_FWD ? mc->fwd_ns : mc->bwd_ns)[l * pb->n_quotas + qi];
	return sum;
}

/* One module and phase at every quota: a profile.csv row each. */
static int profile_phase(const struct bench_opts *o, struct workload *w, int wm,
			 const struct plan_problem *pb, const struct plan_module_cost *mc, int ph,
			 struct bench_table *table, int index, struct mo_err *e)
{
	struct engine_cluster c;
	struct trace_mem km;
	int fq = pb->n_quotas - 1, rc;
	/* the model's time at the whole GPU, for the linear predictor */
	int64_t full = module_ns(pb, mc, ph, fq);

	bench_cluster_for(o, w, 1, &c);
	trace_mem_init(&km);
	rc = workload_kernels(w, wm, 0, w->modules[wm].layers, ph, pb->microbatch_size,
			      o->cluster.gpu, &km, e);
	for (int qi = 0; qi < pb->n_quotas && !rc; qi++) {
		int64_t pred = module_ns(pb, mc, ph, qi), sim = 0, waves = 0;

		if (pred <= 0)
			continue; /* no work in this phase (frozen module) */
		/* the wave-scaling baseline, kernel by kernel */
		for (size_t i = 0; i < km.n; i++)
			if (km.recs[i].kind == TRACE_KIND_KERNEL)
				waves += model_kernel_ns_waves(o->cluster.gpu, &km.recs[i].u.kernel,
							       o->cluster.gpu->sms, pb->quotas[qi]);
		rc = engine_sim_alone(&c, &km, pb->quotas[qi], &sim, e);
		if (!rc && sim > 0)
			rc = bench_add_row(table, index, e, "%s,%s,%s,%d,%lld,%lld,%lld,%lld", w->name,
					   mc->name, workload_phase_name(ph), pb->quotas[qi],
					   (long long)pred, (long long)sim, (long long)waves,
					   (long long)llround((double)full * pb->quotas[fq] /
							      pb->quotas[qi]));
	}
	trace_mem_release(&km);
	return rc;
}

static int run(const struct bench_opts *o, const struct bench_task *t, int index,
	       struct workload *w, struct bench_table *tables, struct mo_err *err)
{
	struct plan_problem *pb = NULL;
	struct mo_err e;
	int rc;

	(void)t;
	mo_err_clear(&e);
	rc = plan_problem_new(w, o->cluster.gpu, 1, w->microbatch, &pb, &e);
	for (int m = 0; !rc && m < pb->n_modules; m++) {
		int wm = workload_module_index(w, pb->modules[m].name);

		for (int ph = WORKLOAD_FWD; ph <= WORKLOAD_BWD && !rc && wm >= 0; ph++)
			rc = profile_phase(o, w, wm, pb, &pb->modules[m], ph, &tables[BENCH_T_PROFILE],
					   index, &e);
	}
	plan_problem_free(pb);
	return rc ? bench_fail(rc, tables, index, w->name, "profile", "-", &e, err) : 0;
}

static const struct bench_figure figure = {
	"fig12_error_cdf", 960, 500,
	"Fig. 12a: prediction error against the simulator (predicted vs simulated)",
	"|predicted - simulated| / simulated (%)", "cumulative fraction",
	"CDF of the relative error of predicted against simulated times "
	"(x axis cut at the largest 95th percentile; the table has the maxima)."};

/* The sorted samples as a CDF: name.csv with columns col, cumulative_fraction. */
static int write_cdf(const char *dir, const char *name, const char *col, double *v, int n,
		     struct mo_err *err)
{
	struct bench_csv f;
	int rc = bench_csv_open(&f, dir, name, err);

	if (rc)
		return rc;
	qsort(v, (size_t)n, sizeof(*v), bench_dcmp);
	fprintf(f.fp, "%s,cumulative_fraction\n", col);
	for (int i = 0; i < n; i++)
		fprintf(f.fp, "%.4f,%.6f\n", v[i], (double)(i + 1) / n);
	return bench_csv_close(&f, err);
}

/* The three per-module predictors compared, and their files and colours. */
static const char *const mcol[] = {"predicted_ns", "waves_predicted_ns", "linear_predicted_ns"};
static const char *const mfile[] = {"fig12_cdf_module.csv", "fig12_cdf_module_waves.csv",
				    "fig12_cdf_module_linear.csv"};
static const char *const mname[] = {"per-module time, mosaic model",
				    "per-module time, wave-scaling baseline",
				    "per-module time, linear SM scaling"};
static const char *const mcolor[] = {"#4e79a7", "#f28e2b", "#59a14f"};

/* |predicted - simulated| / simulated in %: per module for each predictor
 * (mods[k], nms[k] of them), per plan (pl, np). */
struct pe_errors {
	double *mods[3], *pl;
	int nms[3], np;
};

static void pe_free(struct pe_errors *e)
{
	for (int k = 0; k < 3; k++)
		free(e->mods[k]);
	free(e->pl);
}

/* The errors of the profile and iteration tables; 0 or -MO_ENOMEM. */
static int pe_collect(const struct bench_report *c, struct pe_errors *e, struct mo_err *err)
{
	const struct bench_table *pr = &c->t[BENCH_T_PROFILE], *it = &c->t[BENCH_T_ITER];

	memset(e, 0, sizeof(*e));
	e->pl = calloc((size_t)it->n + 1, sizeof(double));
	for (int k = 0; k < 3; k++)
		e->mods[k] = calloc((size_t)pr->n + 1, sizeof(double));
	if (!e->mods[0] || !e->mods[1] || !e->mods[2] || !e->pl) {
		pe_free(e);
		return mo_err_set(err, MO_ENOMEM, "out of memory");
	}
	for (int r = 0; r < pr->n; r++) {
		double s = bench_cell_num(pr, r, "simulated_ns");

		for (int k = 0; k < 3; k++) {
			double a = bench_cell_num(pr, r, mcol[k]);

			if (s > 0 && a > 0)
				e->mods[k][e->nms[k]++] = 100.0 * fabs(a - s) / s;
		}
	}
	for (int r = 0; r < it->n; r++) {
		double a = bench_cell_num(it, r, "predicted_iter_ns");
		double s = bench_cell_num(it, r, "simulated_iter_ns");

		if (s > 0 && a > 0)
			e->pl[e->np++] = 100.0 * fabs(a - s) / s;
	}
	return 0;
}

/* The CDF figure of every error set, x up to xmax %. */
static int pe_figure(struct bench_report *c, const struct pe_errors *e, double xmax,
		     struct mo_err *err)
{
	struct plot p;
	FILE *gp;
	int first = 1, rc = bench_figure_open(c, NULL, &figure, &p, &gp, err);

	if (rc)
		return rc;
	fprintf(gp, "set yrange [0:1.02]\nset xrange [0:%g]\nset key inside right bottom\n"
		      "plot ", xmax);
	for (int k = 0; k < 3; k++) {
		if (!e->nms[k])
			continue;
		fprintf(gp, "%s'%s' using 1:2 every ::1 with steps lw 2 lc rgb '%s' "
			      "title '%s (%d points)'", first ? "" : ", \\\n     ", mfile[k],
			mcolor[k], mname[k], e->nms[k]);
		first = 0;
	}
	if (e->np)
		fprintf(gp, "%s'fig12_cdf_plan.csv' using 1:2 every ::1 with steps lw 2 "
			      "dt 2 lc rgb '#e15759' title 'per-plan iteration time, mosaic "
			      "model (%d plans)'", first ? "" : ", \\\n     ", e->np);
	fputc('\n', gp);
	return bench_figure_close(c, &p, err);
}

/* The report's section: what was compared, and the table of errors. */
static void pe_markdown(struct bench_report *c, const struct pe_errors *e)
{
	bench_md(c, "## Fig. 12: prediction error and weaker predictors\n\n"
	      "Absolute error of predictions against the simulator (predicted vs simulated; "
	      "nothing here is measured). Per module: each module's forward and backward time "
	      "for one microbatch alone on a partition of every lattice quota; predicted by "
	      "mosaic's model (the planner's cost arrays), by the wave-scaling baseline "
	      "(kernel time x waves(q) / waves(full)) and by linear SM scaling "
	      "(t(full) x full / q); simulated: the same synthesised kernels run on a "
	      "partition of that size. Per plan: every plan of Fig. 9 and 14 (predicted "
	      "iteration time against simulated).\n\n"
	      "| error of | points | median %% | p90 %% | max %% |\n|---|---:|---:|---:|---:|\n");
	for (int k = 0; k < 3; k++)
		if (e->nms[k])
			bench_md(c, "| %s | %d | %.2f | %.2f | %.2f |\n", mname[k], e->nms[k],
			   bench_pct_at(e->mods[k], e->nms[k], 0.5),
			   bench_pct_at(e->mods[k], e->nms[k], 0.9), e->mods[k][e->nms[k] - 1]);
	if (e->np)
		bench_md(c, "| per-plan iteration time, mosaic model | %d | %.2f | %.2f | %.2f |\n",
			 e->np, bench_pct_at(e->pl, e->np, 0.5), bench_pct_at(e->pl, e->np, 0.9),
			 e->pl[e->np - 1]);
	if (e->nms[0] || e->np)
		bench_md_figure(c, &figure);
}

static int report(struct bench_report *c, struct mo_err *err)
{
	struct pe_errors e;
	double xmax = 0;
	int rc = pe_collect(c, &e, err);

	if (rc)
		return rc;
	/* the CSVs sort each set: the percentiles below read them sorted */
	for (int k = 0; k < 3 && !rc; k++) {
		rc = write_cdf(c->dir, mfile[k], "abs_error_pct", e.mods[k], e.nms[k], err);
		if (e.nms[k] && bench_pct_at(e.mods[k], e.nms[k], 0.95) > xmax)
			xmax = bench_pct_at(e.mods[k], e.nms[k], 0.95);
	}
	if (!rc)
		rc = write_cdf(c->dir, "fig12_cdf_plan.csv", "abs_error_pct", e.pl, e.np, err);
	if (e.np && bench_pct_at(e.pl, e.np, 0.95) > xmax)
		xmax = bench_pct_at(e.pl, e.np, 0.95);
	xmax = xmax < 5 ? 5 : ceil(xmax * 1.1 / 5) * 5;
	if (!rc && (e.nms[0] || e.np))
		rc = pe_figure(c, &e, xmax, err);
	if (!rc)
		pe_markdown(c, &e);
	pe_free(&e);
	return rc;
}

const struct bench_experiment bench_exp_prediction_error = {
	.name = "prediction error",
	.figure = "12a",
	.tag = "profile",
	.suites = BENCH_IN_FULL,
	.tasks = tasks,
	.run = run,
	.report = report,
};
