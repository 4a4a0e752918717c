/*
 * exp-search-quality.c - search quality (the paper's Fig. 13): search
 * methods on a small instance where the exact search can finish.  mosaic's
 * heuristic, its greedy construction alone, the planner's ablations that keep
 * mosaic's placement (plan_even_split, plan_random_search) and the exact
 * search, each plan's predicted and simulated iteration time relative to the
 * optimum (or the best found where the exact search refuses).
 */
#include "harness/bench/experiment.h"

#include <math.h>
#include <string.h>

/* The methods, those the planner knows kept (bench_search_methods). */
static const char *const search_methods[] = {"mosaic", "mosaic-greedy", "even-split",
					     "random-search", "optimal"};
#define N_SEARCH ((int)(sizeof(search_methods) / sizeof(search_methods[0])))

/* The ablations: mosaic's placement, other quotas (planner/ablation.c). */
static int ablation(const char *m)
{
	return !strcmp(m, "even-split") || !strcmp(m, "random-search");
}

int bench_search_methods(const char **out, int max)
{
	int k = 0;

	for (int i = 0; i < N_SEARCH && k < max; i++)
		if (ablation(search_methods[i]) || plan_planner_known(search_methods[i]))
			out[k++] = search_methods[i];
	return k;
}

static int tasks(const struct bench_opts *o, struct bench_task_list *l)
{
	const char *methods[BENCH_MAX_METHODS];
	int nm = bench_search_methods(methods, BENCH_MAX_METHODS), rc = 0;

	for (int w = 0; w < o->n_workloads && !rc; w++)
		for (int m = 0; m < nm && !rc; m++)
			rc = bench_task_push(l, w, m, 0);
	return rc;
}

static const char *variant(const struct bench_opts *o, const struct bench_task *t)
{
	const char *m[BENCH_MAX_METHODS];

	(void)o;
	return t->variant < bench_search_methods(m, BENCH_MAX_METHODS) ? m[t->variant] : "?";
}

/* GPUs of the small instance on which `optimal` can finish: the fewest of
 * 2, 4, 8 (at most the cluster's) on which mosaic finds a plan that fits. */
static int search_gpus(const struct bench_opts *o, const struct workload *w)
{
	static const int cand[] = {2, 4, 8};
	int last = 2 < o->cluster.n_gpus ? 2 : o->cluster.n_gpus;

	for (size_t i = 0; i < sizeof(cand) / sizeof(cand[0]) && cand[i] <= o->cluster.n_gpus; i++) {
		struct plan_problem *pb = NULL;
		struct plan *p = NULL;
		int ok = plan_problem_new(w, o->cluster.gpu, cand[i], w->microbatch, &pb, NULL) == 0 &&
			 plan_search(pb, "mosaic", &p, NULL) == 0;

		plan_free(p);
		plan_problem_free(pb);
		last = cand[i];
		if (ok)
			break;
	}
	return last;
}

/* The method's plan of pb: the planner's search, or an ablation of mosaic's. */
static int search(const struct plan_problem *pb, const char *method, struct plan **out,
		  struct mo_err *err)
{
	struct plan *base = NULL;
	int rc;

	if (!ablation(method))
		return plan_search(pb, method, out, err);
	rc = plan_search(pb, "mosaic", &base, err);
	if (!rc)
		rc = !strcmp(method, "even-split") ? plan_even_split(pb, base, out, err)
						   : plan_random_search(pb, base, out, err);
	plan_free(base);
	return rc;
}

static int run(const struct bench_opts *o, const struct bench_task *t, int index,
	       struct workload *w, struct bench_table *tables, struct mo_err *err)
{
	const char *method = variant(o, t);
	int n = search_gpus(o, w), rc;
	struct plan_problem *pb = NULL;
	struct plan *p = NULL;
	struct engine_cluster c;
	struct engine_run_result res;
	struct plan_estimate est;
	struct mo_err e;
	char note[1024];

	memset(&res, 0, sizeof(res));
	memset(&est, 0, sizeof(est));
	mo_err_clear(&e);
	rc = plan_problem_new(w, o->cluster.gpu, n, w->microbatch, &pb, &e);
	if (!rc)
		rc = search(pb, method, &p, &e);
	if (!rc)
		rc = plan_estimate(pb, p, &est, &e);
	if (!rc) {
		bench_cluster_for(o, w, n, &c);
		rc = bench_run_plan(p, w, &c, NULL, &res, &e);
	}
	if (!rc) {
		rc = bench_add_row(&tables[BENCH_T_SEARCH], index, err, "%s,%d,%s,ok,%lld,%lld,",
				   w->name, n, method, (long long)est.iter_ns, (long long)res.iter_ns);
	} else if (bench_soft(rc)) {
		snprintf(note, sizeof(note), "%s", e.msg);
		bench_csv_clean(note);
		rc = bench_add_row(&tables[BENCH_T_SEARCH], index, err, "%s,%d,%s,%s,,,%s", w->name, n,
				   method,
				   rc == -MO_EUSAGE ? "refused" : rc == -MO_EINFEASIBLE ? "infeasible"
											: "error",
				   note);
	} else {
		*err = e;
	}
	engine_run_result_release(&res);
	plan_estimate_release(&est);
	plan_free(p);
	plan_problem_free(pb);
	return rc;
}

static const struct bench_figure figure = {
	"fig13_search", 1000, 700,
	"Fig. 13: search quality relative to the optimum", "workload", "iteration time / reference's",
	"Predicted (top) and simulated (bottom) iteration time of each search "
	"method's plan relative to the optimum (log scale: 1 = as good)."};

/* One workload's results: each method's predicted and simulated time
 * relative to the reference (optimal, or the best found where it did not
 * run), its status, and the instance's GPUs. */
struct wl_search {
	double pred[BENCH_MAX_METHODS], sim[BENCH_MAX_METHODS], rp, rs;
	const char *status[BENCH_MAX_METHODS];
	const char *ref;
	int gpus;
};

static void gather(const struct bench_table *t, const char *wl, const char *const *methods, int nm,
		   struct wl_search *x)
{
	x->rp = x->rs = NAN;
	x->ref = "optimal";
	x->gpus = 0;
	for (int m = 0; m < nm; m++) {
		x->pred[m] = x->sim[m] = NAN;
		x->status[m] = "not run";
	}
	for (int r = 0; r < t->n; r++)
		for (int m = 0; m < nm && !strcmp(bench_cell(t, r, "workload"), wl); m++)
			if (!strcmp(bench_cell(t, r, "method"), methods[m])) {
				x->status[m] = bench_cell(t, r, "status");
				x->pred[m] = bench_cell_num(t, r, "predicted_iter_ns");
				x->sim[m] = bench_cell_num(t, r, "simulated_iter_ns");
				x->gpus = (int)bench_cell_num(t, r, "gpus");
			}
	for (int m = 0; m < nm; m++)
		if (!strcmp(methods[m], "optimal") && !isnan(x->pred[m]))
			x->rp = x->pred[m], x->rs = x->sim[m];
	if (!isnan(x->rp))
		return;
	x->ref = "best found";
	for (int m = 0; m < nm; m++) {
		if (!isnan(x->pred[m]) && (isnan(x->rp) || x->pred[m] < x->rp))
			x->rp = x->pred[m];
		if (!isnan(x->sim[m]) && (isnan(x->rs) || x->sim[m] < x->rs))
			x->rs = x->sim[m];
	}
}

/* Its CSV row and table row; how many methods predicted below optimal. */
static int write_rows(struct bench_report *c, FILE *fp, const char *wl, const char *const *methods,
		      int nm, const struct wl_search *x)
{
	int below = 0;

	for (int m = 0; m < nm; m++)
		below += !strcmp(x->ref, "optimal") && strcmp(methods[m], "optimal") &&
			 x->pred[m] < x->rp * (1 - 1e-9);
	fprintf(fp, "%s,%s", wl, x->ref);
	for (int m = 0; m < nm; m++)
		bench_csv_num(fp, x->pred[m] / x->rp, "%.4f");
	for (int m = 0; m < nm; m++)
		bench_csv_num(fp, x->sim[m] / x->rs, "%.4f");
	fputc('\n', fp);
	bench_md(c, "| %s | %d | %s |", wl, x->gpus, x->ref);
	for (int m = 0; m < nm; m++) {
		if (isnan(x->pred[m]))
			bench_md(c, " %s |", x->status[m]);
		else
			bench_md(c, " %.3f / %.3f |", x->pred[m] / x->rp, x->sim[m] / x->rs);
	}
	bench_md(c, "\n");
	return below;
}

static void md_intro(struct bench_report *c, const char *const *methods, int nm)
{
	bench_md(c, "## Fig. 13: search quality\n\nSearch methods on a small instance where the exact "
	      "search can finish: the fewest of 2, 4 and 8 GPUs of the cluster's type on which "
	      "mosaic's plan fits (column GPUs). *mosaic* is the planner's "
	      "heuristic; *mosaic-greedy* its greedy construction alone (no hill climbing, no "
	      "refinement, no temporal-only candidates); *even-split* keeps mosaic's placement "
	      "but splits every GPU's SMs evenly among its partitions; *random-search* keeps the placement and draws quotas at random "
	      "(fixed seed, best of 200 by the estimate); *optimal* is the planner's exact search "
	      "(where it refuses, times are relative to the best method found instead). Each cell: "
	      "predicted / simulated iteration time relative to the reference (1 = as good).\n\n"
	      "| workload | GPUs | reference |");
	for (int m = 0; m < nm; m++)
		bench_md(c, " %s |", methods[m]);
	bench_md(c, "\n|---|---:|---|");
	for (int m = 0; m < nm; m++)
		bench_md(c, "---:|");
	bench_md(c, "\n");
}

/* What came out below optimal, and the methods that produced no plan. */
static void md_notes(struct bench_report *c, const struct bench_table *t, int below)
{
	int notes = 0;

	if (below)
		bench_md(c, "\n%d time%s a method's predicted iteration time came out below `optimal`'s: the "
		      "exact search is optimal only over its own placement space, which does not cover "
		      "every plan the other methods can produce.\n", below, below == 1 ? "" : "s");
	for (int r = 0; r < t->n; r++) {
		if (!strcmp(bench_cell(t, r, "status"), "ok"))
			continue;
		if (!notes++)
			bench_md(c, "\nMethods that did not produce a plan:\n\n");
		bench_md(c, "- %s / %s: %s (%s)\n", bench_cell(t, r, "workload"),
			 bench_cell(t, r, "method"), bench_cell(t, r, "status"), bench_cell(t, r, "note"));
	}
}

static int draw(struct bench_report *c, const char *const *methods, int nm, struct mo_err *err)
{
	struct plot p;
	FILE *gp;
	int rc = bench_figure_open(c, NULL, &figure, &p, &gp, err);

	if (rc)
		return rc;
	bench_gp_bars(gp, c->o->n_workloads, "[0.7:*]", 0.08, 1);
	fprintf(gp, "set logscale y 2\nset ytics (0.75, 1, 1.25, 1.5, 2, 3, 4, 6, 8, 12, 16)\n"
		    "set multiplot layout 2,1\n");
	for (int half = 0; half < 2; half++) {
		fprintf(gp, "set title 'Fig. 13%s: %s iteration time of each search method relative "
			    "to optimal (or the best found)' noenhanced\n", half ? "b" : "a",
			half ? "simulated" : "predicted");
		bench_gp_bar_series(gp, "fig13_search.csv", 3 + half * nm, nm, methods, bench_palette);
		fputc('\n', gp);
	}
	fprintf(gp, "unset multiplot\n");
	return bench_figure_close(c, &p, err);
}

static int report(struct bench_report *c, struct mo_err *err)
{
	const struct bench_table *t = &c->t[BENCH_T_SEARCH];
	const char *methods[BENCH_MAX_METHODS];
	int nm = bench_search_methods(methods, BENCH_MAX_METHODS), rc, below = 0;
	struct bench_csv f;

	if (!t->n)
		return 0;
	rc = bench_csv_open(&f, c->dir, "fig13_search.csv", err);
	if (rc)
		return rc;
	fprintf(f.fp, "workload,reference");
	for (int m = 0; m < nm; m++)
		fprintf(f.fp, ",%s_predicted_rel", methods[m]);
	for (int m = 0; m < nm; m++)
		fprintf(f.fp, ",%s_simulated_rel", methods[m]);
	fputc('\n', f.fp);
	md_intro(c, methods, nm);
	for (int w = 0; w < c->o->n_workloads; w++) {
		struct wl_search x;

		gather(t, c->o->workloads[w], methods, nm, &x);
		below += write_rows(c, f.fp, c->o->workloads[w], methods, nm, &x);
	}
	rc = bench_csv_close(&f, err);
	if (rc)
		return rc;
	md_notes(c, t, below);
	rc = draw(c, methods, nm, err);
	if (!rc)
		bench_md_figure(c, &figure);
	return rc;
}

const struct bench_experiment bench_exp_search_quality = {
	.name = "search quality",
	.figure = "13",
	.tag = "fig13",
	.suites = BENCH_IN_BOTH,
	.tasks = tasks,
	.variant = variant,
	.run = run,
	.report = report,
};
