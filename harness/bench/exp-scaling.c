/*
 * exp-scaling.c - scaling (the paper's Fig. 14a): every system planned and
 * simulated at larger GPU counts (bench_scale_counts; the cluster's own
 * count is the iteration-time experiment's), the simulated throughput of
 * mosaic against the best temporal-only baseline at each count.
 */
#include "harness/bench/experiment.h"

#include <math.h>

int bench_scale_counts(const struct bench_opts *o, int *out, int max)
{
	static const int full[] = {8, 16, 32, 64}, quick[] = {8, 16};
	const int *c = o->quick ? quick : full;
	int n = o->quick ? 2 : 4, k = 0;

	for (int i = 0; i < n && k < max; i++)
		out[k++] = c[i];
	return k;
}

/* The larger clusters; the regression suite keeps those up to twice the
 * cluster, so that a planner change that only hurts at scale shows. */
static int tasks(const struct bench_opts *o, struct bench_task_list *l)
{
	int counts[BENCH_MAX_COUNTS], nc = bench_scale_counts(o, counts, BENCH_MAX_COUNTS), rc = 0;
	int G = o->cluster.n_gpus;

	for (int c = 0; c < nc && !rc; c++) {
		if (counts[c] == G)
			continue; /* the iteration-time tasks are that point */
		if (o->suite != BENCH_SUITE_FULL && counts[c] > 2 * G)
			continue;
		rc = bench_push_systems(l, o, counts[c]);
	}
	return rc;
}

static int run(const struct bench_opts *o, const struct bench_task *t, int index,
	       struct workload *w, struct bench_table *tables, struct mo_err *err)
{
	return bench_run_system(o, t, index, w, tables, "fig14", 0, err);
}

static const struct bench_figure figure = {
	"fig14_scaling", 1000, 520,
	"Fig. 14a: speedup of mosaic over the best temporal-only baseline against GPU count "
	"(simulated throughput)",
	"GPUs", "mosaic's samples/s / best baseline's (simulated)",
	"Speedup of mosaic over the best temporal-only baseline at each GPU count: mosaic's "
	"simulated throughput / the best baseline's at that count (dashed line = 1; above is "
	"faster), one bar per workload, labelled with its value."};

/* The best baseline (highest simulated throughput) among s, -1 when none ran. */
static int best_baseline(const struct bench_sysres *s)
{
	int best = -1;

	for (int k = 0; k < BENCH_N_SYSTEMS - 1; k++)
		if (s[k].have && (best < 0 || s[k].sps > s[best].sps))
			best = k;
	return best;
}

/* mosaic's throughput / the best baseline's for workload w at count ci; NaN if either is missing. */
static double speedup_at(const struct bench_report *c, int w, int ci)
{
	const struct bench_sysres *s = c->wl[w].scale[ci];
	int best = best_baseline(s);

	return s[BENCH_N_SYSTEMS - 1].have && best >= 0 && s[best].sps > 0
		       ? s[BENCH_N_SYSTEMS - 1].sps / s[best].sps : NAN;
}

/* The table row of workload w at count ci (none when nothing ran there). */
static int md_row(struct bench_report *c, int w, int ci)
{
	const struct bench_sysres *s = c->wl[w].scale[ci];
	const int M = BENCH_N_SYSTEMS - 1;
	int best = best_baseline(s);

	if (!s[M].have && best < 0)
		return 0;
	bench_md(c, "| %s | %d | ", c->o->workloads[w], c->counts[ci]);
	if (s[M].have)
		bench_md(c, "%.1f | ", s[M].sps);
	else
		bench_md(c, "- | ");
	if (best >= 0)
		bench_md(c, "%s | %.1f | ", bench_systems[best], s[best].sps);
	else
		bench_md(c, "- | - | ");
	if (s[M].have && best >= 0)
		bench_md(c, "%.3fx |\n", s[M].sps / s[best].sps);
	else
		bench_md(c, "- |\n");
	return 1;
}

/* fig14_scaling.csv (throughputs) and the table; *any: some result exists. */
static int throughput(struct bench_report *c, int *any, struct mo_err *err)
{
	const int M = BENCH_N_SYSTEMS - 1;
	struct bench_csv f;
	int rc = bench_csv_open(&f, c->dir, "fig14_scaling.csv", err);

	if (rc)
		return rc;
	fprintf(f.fp, "gpus");
	for (int w = 0; w < c->o->n_workloads; w++)
		fprintf(f.fp, ",%s_mosaic_simulated_samples_per_s,%s_best_baseline_simulated_samples_per_s",
			c->o->workloads[w], c->o->workloads[w]);
	fputc('\n', f.fp);
	bench_md(c, "## Fig. 14: scaling and profiling-grid density\n\nThroughput (simulated samples/s) "
	      "of mosaic and of the best temporal-only baseline at each GPU count (best = the "
	      "highest simulated throughput among megatron, distmm, spindle and optimus at that "
	      "count).\n\n| workload | GPUs | mosaic (samples/s) | best baseline | baseline "
	      "(samples/s) | speedup |\n|---|---:|---:|---|---:|---:|\n");
	for (int ci = 0; ci < c->ncounts; ci++) {
		fprintf(f.fp, "%d", c->counts[ci]);
		for (int w = 0; w < c->o->n_workloads; w++) {
			const struct bench_sysres *s = c->wl[w].scale[ci];
			int best = best_baseline(s);

			bench_csv_num(f.fp, s[M].have ? s[M].sps : NAN, "%.3f");
			bench_csv_num(f.fp, best >= 0 ? s[best].sps : NAN, "%.3f");
			*any |= md_row(c, w, ci);
		}
		fputc('\n', f.fp);
	}
	return bench_csv_close(&f, err);
}

/* fig14_speedup.csv: per GPU count, each workload's speedup and its label. */
static int speedups(struct bench_report *c, struct mo_err *err)
{
	const int nw = c->o->n_workloads;
	struct bench_csv f;
	int rc = bench_csv_open(&f, c->dir, "fig14_speedup.csv", err);

	if (rc)
		return rc;
	fprintf(f.fp, "gpus");
	for (int w = 0; w < nw; w++)
		fprintf(f.fp, ",%s_simulated_speedup", c->o->workloads[w]);
	for (int w = 0; w < nw; w++)
		fprintf(f.fp, ",%s_speedup_label", c->o->workloads[w]);
	fputc('\n', f.fp);
	for (int ci = 0; ci < c->ncounts; ci++) {
		fprintf(f.fp, "%d", c->counts[ci]);
		for (int w = 0; w < nw; w++)
			bench_csv_num(f.fp, speedup_at(c, w, ci), "%.4f");
		for (int w = 0; w < nw; w++)
			if (isnan(speedup_at(c, w, ci)))
				fputc(',', f.fp);
			else
				fprintf(f.fp, ",%.2fx", speedup_at(c, w, ci));
		fputc('\n', f.fp);
	}
	return bench_csv_close(&f, err);
}

/* The figure: bars clustered by GPU count, one per workload, labelled. */
static int draw(struct bench_report *c, struct mo_err *err)
{
	const int nw = c->o->n_workloads;
	const char *names[BENCH_MAX_WORKLOADS], *colors[BENCH_MAX_WORKLOADS];
	struct plot p;
	FILE *gp;
	int rc = bench_figure_open(c, NULL, &figure, &p, &gp, err);

	if (rc)
		return rc;
	for (int w = 0; w < nw; w++) {
		names[w] = c->o->workloads[w];
		colors[w] = bench_palette[w % bench_n_palette];
	}
	bench_gp_bars(gp, c->ncounts, "[0:*]", 0.15, 1);
	fprintf(gp, "set key outside right top\n");
	bench_gp_bar_series(gp, "fig14_speedup.csv", 2, nw, names, colors);
	bench_gp_bar_labels(gp, 2, 2 + nw, nw);
	fputc('\n', gp);
	return bench_figure_close(c, &p, err);
}

static int report(struct bench_report *c, struct mo_err *err)
{
	int any = 0, rc = throughput(c, &any, err);

	if (!rc)
		rc = speedups(c, err);
	if (rc || !any)
		return rc;
	rc = draw(c, err);
	if (!rc)
		bench_md_figure(c, &figure);
	return rc;
}

const struct bench_experiment bench_exp_scaling = {
	.name = "scaling",
	.figure = "14a",
	.tag = "fig14",
	.suites = BENCH_IN_BOTH,
	.tasks = tasks,
	.variant = bench_system_variant,
	.label_gpus = 1,
	.run = run,
	.report = report,
};
