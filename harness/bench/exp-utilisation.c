/*
 * exp-utilisation.c - GPU utilisation (the paper's Fig. 10): the simulated
 * SM utilisation of every system's plan per workload, from the
 * iteration-time tasks' rows (it runs no task of its own).
 */
#include "harness/bench/experiment.h"

#include <math.h>

static const struct bench_figure figure = {
	"fig10_util", 1000, 480,
	"Fig. 10: GPU utilisation (simulated busy SM-time / available SM-time)",
	"workload", "SM utilisation (%, simulated)",
	"Simulated SM utilisation of each system's plan per workload."};

static int report(struct bench_report *c, struct mo_err *err)
{
	struct bench_csv f;
	struct plot p;
	FILE *gp;
	int rc;

	rc = bench_csv_open(&f, c->dir, "fig10_util.csv", err);
	if (rc)
		return rc;
	fprintf(f.fp, "workload");
	for (int s = 0; s < BENCH_N_SYSTEMS; s++)
		fprintf(f.fp, ",%s_simulated_util_pct", bench_systems[s]);
	fputc('\n', f.fp);
	for (int w = 0; w < c->o->n_workloads; w++) {
		fprintf(f.fp, "%s", c->o->workloads[w]);
		for (int s = 0; s < BENCH_N_SYSTEMS; s++)
			bench_csv_num(f.fp, c->wl[w].sys[s].have ? c->wl[w].sys[s].util : NAN, "%.2f");
		fputc('\n', f.fp);
	}
	rc = bench_figure_open(c, &f, &figure, &p, &gp, err);
	if (rc)
		return rc;
	bench_gp_bars(gp, c->o->n_workloads, "[0:100]", 0, 0);
	bench_gp_bar_series(gp, "fig10_util.csv", 2, BENCH_N_SYSTEMS, bench_systems,
			    bench_sys_color);
	fputc('\n', gp);
	rc = bench_figure_close(c, &p, err);
	if (rc)
		return rc;
	bench_md(c, "## Fig. 10: GPU utilisation\n\nMean over GPUs of the SM-time the simulated "
	      "kernels held divided by SMs x iteration time (simulated, %%).\n\n| workload |");
	for (int s = 0; s < BENCH_N_SYSTEMS; s++)
		bench_md(c, " %s |", bench_systems[s]);
	bench_md(c, "\n|---|");
	for (int s = 0; s < BENCH_N_SYSTEMS; s++)
		bench_md(c, "---:|");
	bench_md(c, "\n");
	for (int w = 0; w < c->o->n_workloads; w++) {
		bench_md(c, "| %s |", c->o->workloads[w]);
		for (int s = 0; s < BENCH_N_SYSTEMS; s++) {
			if (c->wl[w].sys[s].have)
				bench_md(c, " %.1f |", c->wl[w].sys[s].util);
			else
				bench_md(c, " - |");
		}
		bench_md(c, "\n");
	}
	bench_md_figure(c, &figure);
	return 0;
}


const struct bench_experiment bench_exp_utilisation = {
	.name = "GPU utilisation",
	.figure = "10",
	.report = report,
};
