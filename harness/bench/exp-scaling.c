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
		for (int w = 0; w < o->n_workloads && !rc; w++)
			for (int s = 0; s < BENCH_N_SYSTEMS && !rc; s++)
				rc = bench_task_push(l, w, s, counts[c]);
	}
	return rc;
}

static const char *variant(const struct bench_opts *o, const struct bench_task *t)
{
	(void)o;
	return bench_systems[t->variant];
}

static int run(const struct bench_opts *o, const struct bench_task *t, int index,
	       struct workload *w, struct bench_table *tables, struct mo_err *err)
{
	return bench_run_system(o, t, index, w, tables, "fig14", 0, err);
}

static const struct bench_figure figure = {
	"fig14_scaling", 1000, 520,
	"Fig. 14a: throughput against GPU count (simulated)", "GPUs", "samples/s (simulated, log scale)",
	"Simulated throughput of mosaic (solid) and the best baseline (dashed) as "
	"the cluster grows."};

static int report(struct bench_report *c, struct mo_err *err)
{
	struct bench_csv f;
	struct plot p;
	FILE *gp;
	int rc, M = BENCH_N_SYSTEMS - 1, any = 0;

	rc = bench_csv_open(&f, c->dir, "fig14_scaling.csv", err);
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
			int best = -1;

			for (int k = 0; k < M; k++)
				if (s[k].have && (best < 0 || s[k].sps > s[best].sps))
					best = k;
			bench_csv_num(f.fp, s[M].have ? s[M].sps : NAN, "%.3f");
			bench_csv_num(f.fp, best >= 0 ? s[best].sps : NAN, "%.3f");
			if (s[M].have || best >= 0) {
				any = 1;
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
			}
		}
		fputc('\n', f.fp);
	}
	rc = bench_csv_close(&f, err);
	if (rc || !any)
		return rc;
	gp = bench_figure_open(c, &figure, &p, err);
	if (!gp)
		return err ? err->code : -MO_EIO;
	fprintf(gp, "set logscale xy 2\nset logscale y 10\nset xtics (");
	for (int ci = 0; ci < c->ncounts; ci++)
		fprintf(gp, "%s'%d' %d", ci ? ", " : "", c->counts[ci], c->counts[ci]);
	fprintf(gp, ")\nset xrange [%g:%g]\nset key outside right top\nplot ", c->counts[0] / 1.15,
		c->counts[c->ncounts - 1] * 1.15);
	for (int w = 0; w < c->o->n_workloads; w++)
		fprintf(gp,
			"%s'fig14_scaling.csv' using 1:%d every ::1 with linespoints lw 2 pt 7 "
			"lc rgb '%s' title '%s mosaic', \\\n"
			"     'fig14_scaling.csv' using 1:%d every ::1 with linespoints lw 2 dt 2 pt 6 "
			"lc rgb '%s' title '%s best baseline'",
			w ? ", \\\n     " : "", 2 + 2 * w, bench_palette[w % bench_n_palette], c->o->workloads[w],
			3 + 2 * w, bench_palette[w % bench_n_palette], c->o->workloads[w]);
	fputc('\n', gp);
	rc = bench_figure_close(c, &p, err);
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
	.variant = variant,
	.label_gpus = 1,
	.run = run,
	.report = report,
};
