/*
 * exp-overhead.c - engine overhead (the paper's Fig. 11): what the simulator
 * models of the engine's cost, on mosaic's plan and on megatron's: each plan
 * simulated with the modelled kernel launch gaps and with them set to zero,
 * and how often its partitions switch between slots.
 */
#include "harness/bench/experiment.h"

#include <math.h>
#include <string.h>

/* variant 0: mosaic's plan, 1: megatron's */
static const char *const systems[] = {"mosaic", "megatron"};

static int tasks(const struct bench_opts *o, struct bench_task_list *l)
{
	int rc = 0;

	for (int w = 0; w < o->n_workloads && !rc; w++)
		for (int k = 0; k < 2 && !rc; k++)
			rc = bench_task_push(l, w, k, o->cluster.n_gpus);
	return rc;
}

static const char *variant(const struct bench_opts *o, const struct bench_task *t)
{
	(void)o;
	return systems[t->variant];
}

static int run(const struct bench_opts *o, const struct bench_task *t, int index,
	       struct workload *w, struct bench_table *tables, struct mo_err *err)
{
	struct engine_cluster c, c0;
	struct engine_run_result r1, r0;
	struct plan *p = NULL;
	struct mo_err e;
	char what[256];
	const char *sys = systems[t->variant];
	int rc, sw;

	mo_err_clear(&e);
	rc = bench_make_plan(o, w, t->gpus, sys, &p, NULL, &e);
	if (rc)
		return bench_fail(rc, tables, index, w->name, "fig11", sys, &e, err);
	bench_cluster_for(o, w, t->gpus, &c);
	c0 = c;
	c0.launch_ns = 0;
	memset(&r0, 0, sizeof(r0));
	rc = bench_run_plan(p, w, &c, NULL, &r1, &e);
	if (!rc)
		rc = bench_run_plan(p, w, &c0, NULL, &r0, &e);
	sw = rc ? 0 : engine_schedule_switches(p, w, o->cluster.gpu, &e);
	if (!rc && sw < 0)
		rc = sw;
	if (!rc) {
		snprintf(what, sizeof(what),
			 "kernel launch gaps (%lld ns per kernel); partition set-up and switches cost "
			 "nothing extra in the simulator", (long long)c.launch_ns);
		rc = bench_add_row(&tables[BENCH_T_OVERHEAD], index, err,
				   "%s,%s,%d,%d,%lld,%lld,%.3f,%s", w->name, sys,
				   bench_plan_partitions(p, NULL), sw, (long long)r1.iter_ns,
				   (long long)r0.iter_ns,
				   r1.iter_ns > 0 ? 100.0 * (double)(r1.iter_ns - r0.iter_ns) / r1.iter_ns
						  : 0.0, what);
	} else {
		rc = bench_fail(rc, tables, index, w->name, "fig11", sys, &e, err);
	}
	engine_run_result_release(&r1);
	engine_run_result_release(&r0);
	plan_free(p);
	return rc;
}

static const struct bench_figure figure = {
	"fig11_overhead", 900, 450,
	"Fig. 11: engine overhead as modelled, mosaic against megatron (simulated)",
	"workload", "overhead (% of simulated iteration time)",
	"Share of the simulated iteration time spent in the engine overhead the simulator "
	"models, for mosaic's and megatron's plans."};

static int report(struct bench_report *c, struct mo_err *err)
{
	const struct bench_table *t = &c->t[BENCH_T_OVERHEAD];
	struct bench_csv f;
	struct plot p;
	FILE *gp;
	int rc;

	if (!t->n)
		return 0;
	rc = bench_csv_open(&f, c->dir, "fig11_overhead.csv", err);
	if (rc)
		return rc;
	fprintf(f.fp, "workload,mosaic_simulated_overhead_pct,megatron_simulated_overhead_pct\n");
	for (int w = 0; w < c->o->n_workloads; w++) {
		fprintf(f.fp, "%s", c->o->workloads[w]);
		for (int k = 0; k < 2; k++) {
			double v = NAN;

			for (int r = 0; r < t->n; r++)
				if (!strcmp(bench_cell(t, r, "workload"), c->o->workloads[w]) &&
				    !strcmp(bench_cell(t, r, "system"), systems[k]))
					v = bench_cell_num(t, r, "overhead_pct");
			bench_csv_num(f.fp, v, "%.3f");
		}
		fputc('\n', f.fp);
	}
	rc = bench_figure_open(c, &f, &figure, &p, &gp, err);
	if (rc)
		return rc;
	bench_gp_bars(gp, c->o->n_workloads, "[0:*]", 0.1, 0);
	fprintf(gp, "plot 'fig11_overhead.csv' using 2:xtic(1) title 'mosaic' lc rgb '%s', \\\n"
		    "     '' using 3 title 'megatron' lc rgb '%s'\n",
		bench_sys_color[BENCH_N_SYSTEMS - 1], bench_sys_color[0]);
	rc = bench_figure_close(c, &p, err);
	if (rc)
		return rc;
	bench_md(c, "## Fig. 11: engine overhead\n\nWhat the simulator models of the engine's cost: %s. "
	      "Each plan ran twice, with the modelled overhead and with it set to zero; the "
	      "difference is the overhead (simulated). Megatron's temporal-only plans are shown "
	      "beside mosaic's for comparison; since the simulator charges nothing for partitions, "
	      "a difference comes only from how much launch latency each plan's schedule exposes. "
	      "*Switches* "
	      "counts, per iteration, how often a partition's stream passes from one slot (module "
	      "slice) to another.\n\n"
	      "| workload | system | overhead (%% of iteration) | iteration (ms) | without overhead "
	      "(ms) | partitions | switches per iteration |\n|---|---|---:|---:|---:|---:|---:|\n",
	   bench_cell(t, 0, "what"));
	for (int r = 0; r < t->n; r++)
		bench_md(c, "| %s | %s | %.2f | %.2f | %.2f | %d | %d |\n", bench_cell(t, r, "workload"),
		   bench_cell(t, r, "system"), bench_cell_num(t, r, "overhead_pct"),
		   bench_cell_num(t, r, "simulated_iter_ns") / 1e6,
		   bench_cell_num(t, r, "simulated_iter_no_overhead_ns") / 1e6,
		   (int)bench_cell_num(t, r, "partitions"), (int)bench_cell_num(t, r, "switches_per_iter"));
	bench_md_figure(c, &figure);
	return 0;
}


const struct bench_experiment bench_exp_overhead = {
	.name = "engine overhead",
	.figure = "11",
	.tag = "fig11",
	.suites = BENCH_IN_FULL,
	.tasks = tasks,
	.variant = variant,
	.run = run,
	.report = report,
};
