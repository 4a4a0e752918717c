/*
 * exp-iter-time.c - iteration time (the paper's Fig. 9): every workload
 * planned by every system (the temporal-only baselines and mosaic) on the
 * bench's cluster, each plan simulated for one iteration; the speedup of
 * mosaic over the best baseline of each workload.  Its tasks also record the
 * timelines (exp-timelines.c) and feed utilisation (exp-utilisation.c).
 */
#include "harness/bench/experiment.h"

#include <math.h>
#include <string.h>

static int tasks(const struct bench_opts *o, struct bench_task_list *l)
{
	return bench_push_systems(l, o, o->cluster.n_gpus);
}

static int run(const struct bench_opts *o, const struct bench_task *t, int index,
	       struct workload *w, struct bench_table *tables, struct mo_err *err)
{
	return bench_run_system(o, t, index, w, tables, "fig9",
				t->wl == bench_timeline_workload(o), err);
}

/* Speedups over the best baseline of each workload (iteration times of
 * different workloads differ by orders of magnitude), each bar labelled
 * with its value; above 1 is faster than the best baseline. */
static const struct bench_figure figure = {
	"fig9_iter_time", 1000, 520,
	"Fig. 9: speedup of each system over the best temporal-only baseline "
	"(simulated iteration time; > 1 is faster)",
	"workload", "best baseline's iteration time / system's",
	"Speedup of each system over the best temporal-only baseline of the same workload: "
	"that baseline's simulated iteration time / the system's (dashed line = 1; higher is "
	"faster)."};

/* fig9_iter_time.csv: per workload, each system's times, relative times,
 * speedups and their labels. */
static int write_csv(struct bench_report *c, struct mo_err *err)
{
	struct bench_csv f;
	int rc;

	rc = bench_csv_open(&f, c->dir, "fig9_iter_time.csv", err);
	if (rc)
		return rc;
	fprintf(f.fp, "workload");
	for (int s = 0; s < BENCH_N_SYSTEMS; s++)
		fprintf(f.fp, ",%s_simulated_iter_ms", bench_systems[s]);
	for (int s = 0; s < BENCH_N_SYSTEMS; s++)
		fprintf(f.fp, ",%s_predicted_iter_ms", bench_systems[s]);
	for (int s = 0; s < BENCH_N_SYSTEMS; s++)
		fprintf(f.fp, ",%s_simulated_rel_best_baseline", bench_systems[s]);
	fprintf(f.fp, ",best_baseline,simulated_speedup");
	for (int s = 0; s < BENCH_N_SYSTEMS; s++)
		fprintf(f.fp, ",%s_simulated_speedup_vs_best_baseline", bench_systems[s]);
	for (int s = 0; s < BENCH_N_SYSTEMS; s++)
		fprintf(f.fp, ",%s_speedup_label", bench_systems[s]);
	fputc('\n', f.fp);
	for (int w = 0; w < c->o->n_workloads; w++) {
		const struct bench_wlres *r = &c->wl[w];

		fprintf(f.fp, "%s", c->o->workloads[w]);
		for (int s = 0; s < BENCH_N_SYSTEMS; s++)
			bench_csv_num(f.fp, r->sys[s].have ? r->sys[s].sim_ns / 1e6 : NAN, "%.4f");
		for (int s = 0; s < BENCH_N_SYSTEMS; s++)
			bench_csv_num(f.fp, r->sys[s].have ? r->sys[s].pred_ns / 1e6 : NAN, "%.4f");
		for (int s = 0; s < BENCH_N_SYSTEMS; s++)
			bench_csv_num(f.fp, r->sys[s].have && r->best >= 0 ? r->sys[s].sim_ns / r->sys[r->best].sim_ns
								  : NAN, "%.4f");
		fprintf(f.fp, ",%s", r->best >= 0 ? bench_systems[r->best] : "");
		bench_csv_num(f.fp, r->speedup, "%.4f");
		for (int s = 0; s < BENCH_N_SYSTEMS; s++)
			bench_csv_num(f.fp, r->sys[s].have && r->best >= 0 ? r->sys[r->best].sim_ns / r->sys[s].sim_ns
								  : NAN, "%.4f");
		for (int s = 0; s < BENCH_N_SYSTEMS; s++)
			if (r->sys[s].have && r->best >= 0)
				fprintf(f.fp, ",%.2fx", r->sys[r->best].sim_ns / r->sys[s].sim_ns);
			else
				fprintf(f.fp, ",");
		fputc('\n', f.fp);
	}
	return bench_csv_close(&f, err);
}

static int draw(struct bench_report *c, struct mo_err *err)
{
	struct plot p;
	FILE *gp;
	int rc;

	/* Speedups over the best baseline of each workload (iteration times of
	 * different workloads differ by orders of magnitude), each bar labelled
	 * with its value; above 1 is faster than the best baseline. */
	if ((rc = bench_figure_open(c, NULL, &figure, &p, &gp, err)))
		return rc;
	bench_gp_bars(gp, c->o->n_workloads, "[0:*]", 0.12, 1);
	bench_gp_bar_series(gp, "fig9_iter_time.csv", 4 + 3 * BENCH_N_SYSTEMS, BENCH_N_SYSTEMS,
			    bench_systems, bench_sys_color);
	bench_gp_bar_labels(gp, 4 + 3 * BENCH_N_SYSTEMS, 4 + 4 * BENCH_N_SYSTEMS, BENCH_N_SYSTEMS);
	fputc('\n', gp);
	return bench_figure_close(c, &p, err);
}

/* The table: each system's simulated and predicted times, the best
 * baseline, the speedup and mosaic's plan. */
static void md_table(struct bench_report *c)
{
	char b1[32], b2[32];
	const int M = BENCH_N_SYSTEMS - 1;

	bench_md(c, "| workload |");
	for (int s = 0; s < BENCH_N_SYSTEMS; s++)
		bench_md(c, " %s sim | %s pred |", bench_systems[s], bench_systems[s]);
	bench_md(c, " best baseline | speedup (simulated) | mosaic plan |\n|---|");
	for (int s = 0; s < BENCH_N_SYSTEMS; s++)
		bench_md(c, "---:|---:|");
	bench_md(c, "---|---:|---|\n");
	for (int w = 0; w < c->o->n_workloads; w++) {
		const struct bench_wlres *r = &c->wl[w];

		bench_md(c, "| %s |", c->o->workloads[w]);
		for (int s = 0; s < BENCH_N_SYSTEMS; s++)
			bench_md(c, " %s | %s |", bench_fmt_ms(b1, sizeof(b1), r->sys[s].have ? r->sys[s].sim_ns : NAN),
			   bench_fmt_ms(b2, sizeof(b2), r->sys[s].have ? r->sys[s].pred_ns : NAN));
		if (isnan(r->speedup))
			bench_md(c, " %s | - |", r->best >= 0 ? bench_systems[r->best] : "-");
		else
			bench_md(c, " %s | %.3fx |", bench_systems[r->best], r->speedup);
		if (r->sys[M].have)
			bench_md(c, " %d partitions, %d of %d GPUs colocate, microbatch %d |\n",
			   r->sys[M].partitions, r->sys[M].colocated, c->o->cluster.n_gpus, r->sys[M].mbs);
		else
			bench_md(c, " - |\n");
	}
}

/* The headline: mosaic's maximum and geometric-mean speedup. */
static void md_speedup(struct bench_report *c)
{
	bench_md(c, "\n");
	if (c->n_speedups) {
		bench_md(c, "**Speedup of mosaic over the best temporal-only baseline of each workload "
		      "(simulated iteration time of that baseline / mosaic's): maximum %.3fx (%s), "
		      "geometric mean %.3fx over %d workloads.**",
		   c->max_speedup, c->o->workloads[c->max_wl], c->geo_speedup, c->n_speedups);
		if (c->max_speedup < 1.0)
			bench_md(c, " Mosaic is slower than the best baseline on every workload in this "
			      "simulation.");
		bench_md(c, " A speedup below 1 means the baseline was faster.\n");
	} else {
		bench_md(c, "No workload has both a mosaic plan and a baseline plan, so no speedup is "
		      "reported (see the failures below).\n");
	}
}

static int report(struct bench_report *c, struct mo_err *err)
{
	int rc = write_csv(c, err);

	if (!rc)
		rc = draw(c, err);
	if (rc)
		return rc;
	bench_md(c, "## Fig. 9: iteration time\n\n"
	      "Each workload planned by every system on %s, every plan run for one training "
	      "iteration in the simulator. Times in ms; **sim** = simulated iteration time, "
	      "**pred** = the planner's predicted iteration time for the same plan.\n\n",
	      c->o->cluster.label);
	if (c->o->no_check)
		bench_md(c, "Every plan was chosen by the cost model alone (`--check none`).\n\n");
	else
		bench_md(c, "How plans were chosen: every system, the baselines and mosaic alike, searches "
		      "by the cost model, then runs its finalists (its plans predicted within %.0f%% "
		      "of its best, at most %d of each kind) for one iteration in the simulator and keeps the "
		      "fastest; mosaic's finalists include every baseline's. So mosaic is never "
		      "slower than a baseline here by construction: the table shows where "
		      "colocation gains. `--check none` plans by the cost model alone.\n\n",
		   100 * PLAN_CHECK_BAND, PLAN_CHECK_PER_GROUP);
	md_table(c);
	md_speedup(c);
	bench_md_figure(c, &figure);
	return 0;
}

const struct bench_experiment bench_exp_iter_time = {
	.name = "iteration time",
	.figure = "9",
	.tag = "fig9",
	.suites = BENCH_IN_BOTH,
	.tasks = tasks,
	.variant = bench_system_variant,
	.run = run,
	.report = report,
};
