/*
 * bench-report.c - from the merged raw tables to what a person reads: the
 * derived CSVs each figure draws, the gnuplot figures, report.md,
 * summary.json and summary.txt (what `mosaic bench` prints).
 *
 * Labels: "simulated" numbers come from the engine's sim backend,
 * "predicted" ones from the performance model through the planner's cost
 * model.  Nothing here is measured on hardware.
 */
#include "harness/bench.h"
#include "harness/plot.h"
#include "planner/planner.h"

#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAXW BENCH_MAX_WORKLOADS
#define MAX_COUNTS 8
#define MAX_METHODS 16

static const char *const sys_color[BENCH_N_SYSTEMS] = {"#4e79a7", "#f28e2b", "#59a14f",
						       "#b07aa1", "#e15759"};
static const char *const palette[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
				      "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
				      "#1f77b4", "#8c564b"};
#define N_PALETTE ((int)(sizeof(palette) / sizeof(palette[0])))

/* One system's result for one workload at one GPU count. */
struct sysres {
	int have;
	double pred_ns, sim_ns, sps, util;
	int partitions, colocated, mbs;
};

struct wlres {
	struct sysres sys[BENCH_N_SYSTEMS];               /* at the cluster's GPU count */
	struct sysres scale[MAX_COUNTS][BENCH_N_SYSTEMS]; /* fig14 */
	int best;                                         /* best baseline (simulated), -1 */
	double speedup;                                   /* NAN when not computable */
	int best_pred;                                    /* best baseline by prediction */
	double speedup_pred;
};

struct ctx {
	const struct bench_opts *o;
	struct bench_table *t;
	const char *dir;
	int counts[MAX_COUNTS], ncounts;
	struct wlres wl[MAXW];
	double max_speedup, geo_speedup;
	int max_wl, n_speedups;
	FILE *md;                 /* report.md being written */
	struct mo_outfile md_out;
	int have_gnuplot;         /* 0: scripts are written, not rendered */
};

/* Commit a figure's script and render it, or only commit it when gnuplot
 * is not installed (the report says so; `mosaic plot DIR` renders later). */
static int fig_close(struct ctx *c, struct plot *p, struct mo_err *err)
{
	int rc;

	if (c->have_gnuplot)
		return plot_close(p, err);
	rc = mo_outfile_commit(&p->out, err);
	free(p->dir);
	free(p->name);
	memset(p, 0, sizeof(*p));
	return rc;
}

static int wl_index(const struct bench_opts *o, const char *name)
{
	for (int i = 0; i < o->n_workloads; i++)
		if (!strcmp(o->workloads[i], name))
			return i;
	return -1;
}

static int sys_index(const char *name)
{
	for (int i = 0; i < BENCH_N_SYSTEMS; i++)
		if (!strcmp(bench_systems[i], name))
			return i;
	return -1;
}

static int count_index(const struct ctx *c, int gpus)
{
	for (int i = 0; i < c->ncounts; i++)
		if (c->counts[i] == gpus)
			return i;
	return -1;
}

/* Format helpers: a number or "-" when missing. */
static const char *fmt_ms(char *buf, size_t n, double ns)
{
	if (isnan(ns) || ns <= 0)
		snprintf(buf, n, "-");
	else
		snprintf(buf, n, "%.2f", ns / 1e6);
	return buf;
}

/* ------------------------------------------------------------------------ */
/* Collect                                                                  */
/* ------------------------------------------------------------------------ */

static void collect(struct ctx *c)
{
	const struct bench_table *it = &c->t[BENCH_T_ITER];

	c->ncounts = bench_scale_counts(c->o, c->counts, MAX_COUNTS);
	if (count_index(c, c->o->cluster.n_gpus) < 0 && c->ncounts < MAX_COUNTS)
		c->counts[c->ncounts++] = c->o->cluster.n_gpus;
	/* keep the counts sorted */
	for (int i = 1; i < c->ncounts; i++)
		for (int j = i; j > 0 && c->counts[j - 1] > c->counts[j]; j--) {
			int x = c->counts[j];

			c->counts[j] = c->counts[j - 1];
			c->counts[j - 1] = x;
		}
	for (int r = 0; r < it->n; r++) {
		int w = wl_index(c->o, bench_cell(it, r, "workload"));
		int s = sys_index(bench_cell(it, r, "system"));
		int g = (int)bench_cell_num(it, r, "gpus");
		int ci = count_index(c, g);
		struct sysres v;

		if (w < 0 || s < 0)
			continue;
		v.have = 1;
		v.pred_ns = bench_cell_num(it, r, "predicted_iter_ns");
		v.sim_ns = bench_cell_num(it, r, "simulated_iter_ns");
		v.sps = bench_cell_num(it, r, "simulated_samples_per_s");
		v.util = bench_cell_num(it, r, "simulated_util_pct");
		v.partitions = (int)bench_cell_num(it, r, "partitions");
		v.colocated = (int)bench_cell_num(it, r, "colocated_gpus");
		v.mbs = (int)bench_cell_num(it, r, "microbatch_size");
		if (g == c->o->cluster.n_gpus)
			c->wl[w].sys[s] = v;
		if (ci >= 0)
			c->wl[w].scale[ci][s] = v;
	}
	c->max_speedup = NAN;
	c->max_wl = -1;
	c->n_speedups = 0;
	{
		double logsum = 0;

		for (int w = 0; w < c->o->n_workloads; w++) {
			struct wlres *r = &c->wl[w];
			const int M = BENCH_N_SYSTEMS - 1; /* mosaic */

			r->best = r->best_pred = -1;
			r->speedup = r->speedup_pred = NAN;
			for (int s = 0; s < M; s++) {
				if (!r->sys[s].have)
					continue;
				if (r->best < 0 || r->sys[s].sim_ns < r->sys[r->best].sim_ns)
					r->best = s;
				if (r->best_pred < 0 || r->sys[s].pred_ns < r->sys[r->best_pred].pred_ns)
					r->best_pred = s;
			}
			if (r->best >= 0 && r->sys[M].have && r->sys[M].sim_ns > 0) {
				r->speedup = r->sys[r->best].sim_ns / r->sys[M].sim_ns;
				r->speedup_pred = r->sys[r->best_pred].pred_ns / r->sys[M].pred_ns;
				logsum += log(r->speedup);
				c->n_speedups++;
				if (c->max_wl < 0 || r->speedup > c->max_speedup) {
					c->max_speedup = r->speedup;
					c->max_wl = w;
				}
			}
		}
		c->geo_speedup = c->n_speedups ? exp(logsum / c->n_speedups) : NAN;
	}
}

/* ------------------------------------------------------------------------ */
/* Derived CSVs                                                             */
/* ------------------------------------------------------------------------ */

struct csv {
	struct mo_outfile f;
	FILE *fp;
};

static int csv_open(struct csv *c, const char *dir, const char *name, struct mo_err *err)
{
	char path[4096];
	int rc;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	rc = mo_outfile_open(&c->f, path, err);
	c->fp = rc ? NULL : c->f.fp;
	return rc;
}

static int csv_close(struct csv *c, struct mo_err *err)
{
	return mo_outfile_commit(&c->f, err);
}

static void num(FILE *fp, double v, const char *fmt)
{
	if (isnan(v))
		fputs(",", fp);
	else {
		fputc(',', fp);
		fprintf(fp, fmt, v);
	}
}

/* ------------------------------------------------------------------------ */
/* Markdown helpers                                                         */
/* ------------------------------------------------------------------------ */

static void md(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void md(struct ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(c->md, fmt, ap);
	va_end(ap);
}

static void md_figure(struct ctx *c, const char *name, const char *sentence)
{
	md(c, "\n![%s](%s.png)\n\n*%s* (Also `%s.svg`; `%s.gp` redraws it from its CSV.)\n\n",
	   name, name, sentence, name, name);
}

/* ------------------------------------------------------------------------ */
/* Fig. 9 and 10: per workload and system                                   */
/* ------------------------------------------------------------------------ */

static int fig9(struct ctx *c, struct mo_err *err)
{
	struct csv f;
	struct plot p;
	char b1[32], b2[32];
	int rc, M = BENCH_N_SYSTEMS - 1;

	rc = csv_open(&f, c->dir, "fig9_iter_time.csv", err);
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
		const struct wlres *r = &c->wl[w];

		fprintf(f.fp, "%s", c->o->workloads[w]);
		for (int s = 0; s < BENCH_N_SYSTEMS; s++)
			num(f.fp, r->sys[s].have ? r->sys[s].sim_ns / 1e6 : NAN, "%.4f");
		for (int s = 0; s < BENCH_N_SYSTEMS; s++)
			num(f.fp, r->sys[s].have ? r->sys[s].pred_ns / 1e6 : NAN, "%.4f");
		for (int s = 0; s < BENCH_N_SYSTEMS; s++)
			num(f.fp, r->sys[s].have && r->best >= 0 ? r->sys[s].sim_ns / r->sys[r->best].sim_ns
								  : NAN, "%.4f");
		fprintf(f.fp, ",%s", r->best >= 0 ? bench_systems[r->best] : "");
		num(f.fp, r->speedup, "%.4f");
		for (int s = 0; s < BENCH_N_SYSTEMS; s++)
			num(f.fp, r->sys[s].have && r->best >= 0 ? r->sys[r->best].sim_ns / r->sys[s].sim_ns
								  : NAN, "%.4f");
		for (int s = 0; s < BENCH_N_SYSTEMS; s++)
			if (r->sys[s].have && r->best >= 0)
				fprintf(f.fp, ",%.2fx", r->sys[r->best].sim_ns / r->sys[s].sim_ns);
			else
				fprintf(f.fp, ",");
		fputc('\n', f.fp);
	}
	rc = csv_close(&f, err);
	if (rc)
		return rc;

	/* Speedups over the best baseline of each workload (iteration times of
	 * different workloads differ by orders of magnitude), each bar labelled
	 * with its value; above 1 is faster than the best baseline. */
	rc = plot_open(&p, c->dir, "fig9_iter_time", 1000, 520,
		       "Fig. 9: speedup of each system over the best temporal-only baseline "
		       "(simulated iteration time; > 1 is faster)",
		       "workload", "best baseline's iteration time / system's", err);
	if (rc)
		return rc;
	fprintf(p.fp, "set style data histograms\nset style histogram clustered gap 1\n"
		      "set style fill solid 0.9 border rgb '#333333'\nset boxwidth 0.9\n"
		      "set yrange [0:*]\nset offsets 0, 0, graph 0.12, 0\nset key autotitle columnhead\nset xrange [-0.6:%d.4]\n"
		      "set arrow from graph 0, first 1 to graph 1, first 1 nohead dt 2 lc rgb '#555555'\n"
		      "plot ", c->o->n_workloads - 1);
	for (int s = 0; s < BENCH_N_SYSTEMS; s++)
		fprintf(p.fp, "%s'fig9_iter_time.csv' using %d:xtic(1) title '%s' lc rgb '%s'",
			s ? ", \\\n     " : "", 4 + 3 * BENCH_N_SYSTEMS + s, bench_systems[s],
			sys_color[s]);
	/* the values above the bars: bar s of N sits at x + (s - (N - 1) / 2) / (N + gap) */
	for (int s = 0; s < BENCH_N_SYSTEMS; s++)
		fprintf(p.fp, ", \\\n     '' using ($0 + (%d - %d / 2.0) / %d.0):(column(%d) + 0.03):(strcol(%d)) "
			      "with labels rotate by 90 left notitle",
			s, BENCH_N_SYSTEMS - 1, BENCH_N_SYSTEMS + 1, 4 + 3 * BENCH_N_SYSTEMS + s,
			4 + 4 * BENCH_N_SYSTEMS + s);
	fputc('\n', p.fp);
	rc = fig_close(c, &p, err);
	if (rc)
		return rc;

	md(c, "## Fig. 9: iteration time\n\n"
	      "Each workload planned by every system on %s, every plan run for one training "
	      "iteration in the simulator. Times in ms; **sim** = simulated iteration time, "
	      "**pred** = the planner's predicted iteration time for the same plan.\n\n",
	      c->o->cluster.label);
	if (c->o->no_check)
		md(c, "Every plan was chosen by the cost model alone (`--check none`).\n\n");
	else
		md(c, "How plans were chosen: every system, the baselines and mosaic alike, searches "
		      "by the cost model, then runs its finalists (its plans predicted within %.0f%% "
		      "of its best, at most %d of each kind) for one iteration in the simulator and keeps the "
		      "fastest; mosaic's finalists include every baseline's. So mosaic is never "
		      "slower than a baseline here by construction: the table shows where "
		      "colocation gains. `--check none` plans by the cost model alone.\n\n",
		   100 * PLAN_CHECK_BAND, PLAN_CHECK_PER_GROUP);
	md(c, "| workload |");
	for (int s = 0; s < BENCH_N_SYSTEMS; s++)
		md(c, " %s sim | %s pred |", bench_systems[s], bench_systems[s]);
	md(c, " best baseline | speedup (simulated) | mosaic plan |\n|---|");
	for (int s = 0; s < BENCH_N_SYSTEMS; s++)
		md(c, "---:|---:|");
	md(c, "---|---:|---|\n");
	for (int w = 0; w < c->o->n_workloads; w++) {
		const struct wlres *r = &c->wl[w];

		md(c, "| %s |", c->o->workloads[w]);
		for (int s = 0; s < BENCH_N_SYSTEMS; s++)
			md(c, " %s | %s |", fmt_ms(b1, sizeof(b1), r->sys[s].have ? r->sys[s].sim_ns : NAN),
			   fmt_ms(b2, sizeof(b2), r->sys[s].have ? r->sys[s].pred_ns : NAN));
		if (isnan(r->speedup))
			md(c, " %s | - |", r->best >= 0 ? bench_systems[r->best] : "-");
		else
			md(c, " %s | %.3fx |", bench_systems[r->best], r->speedup);
		if (r->sys[M].have)
			md(c, " %d partitions, %d of %d GPUs colocate, microbatch %d |\n",
			   r->sys[M].partitions, r->sys[M].colocated, c->o->cluster.n_gpus, r->sys[M].mbs);
		else
			md(c, " - |\n");
	}
	md(c, "\n");
	if (c->n_speedups) {
		md(c, "**Speedup of mosaic over the best temporal-only baseline of each workload "
		      "(simulated iteration time of that baseline / mosaic's): maximum %.3fx (%s), "
		      "geometric mean %.3fx over %d workloads.**",
		   c->max_speedup, c->o->workloads[c->max_wl], c->geo_speedup, c->n_speedups);
		if (c->max_speedup < 1.0)
			md(c, " Mosaic is slower than the best baseline on every workload in this "
			      "simulation.");
		md(c, " A speedup below 1 means the baseline was faster.\n");
	} else {
		md(c, "No workload has both a mosaic plan and a baseline plan, so no speedup is "
		      "reported (see the failures below).\n");
	}
	md_figure(c, "fig9_iter_time",
		  "Simulated iteration time of each system, divided by the best temporal-only "
		  "baseline of the same workload (dashed line = 1; lower is faster).");
	return 0;
}

static int fig10(struct ctx *c, struct mo_err *err)
{
	struct csv f;
	struct plot p;
	int rc;

	rc = csv_open(&f, c->dir, "fig10_util.csv", err);
	if (rc)
		return rc;
	fprintf(f.fp, "workload");
	for (int s = 0; s < BENCH_N_SYSTEMS; s++)
		fprintf(f.fp, ",%s_simulated_util_pct", bench_systems[s]);
	fputc('\n', f.fp);
	for (int w = 0; w < c->o->n_workloads; w++) {
		fprintf(f.fp, "%s", c->o->workloads[w]);
		for (int s = 0; s < BENCH_N_SYSTEMS; s++)
			num(f.fp, c->wl[w].sys[s].have ? c->wl[w].sys[s].util : NAN, "%.2f");
		fputc('\n', f.fp);
	}
	rc = csv_close(&f, err);
	if (rc)
		return rc;
	rc = plot_open(&p, c->dir, "fig10_util", 1000, 480,
		       "Fig. 10: GPU utilisation (simulated busy SM-time / available SM-time)",
		       "workload", "SM utilisation (%, simulated)", err);
	if (rc)
		return rc;
	fprintf(p.fp, "set style data histograms\nset style histogram clustered gap 1\n"
		      "set style fill solid 0.9 border rgb '#333333'\nset boxwidth 0.9\n"
		      "set yrange [0:100]\nset key autotitle columnhead\nset xrange [-0.6:%d.4]\nplot ",
		c->o->n_workloads - 1);
	for (int s = 0; s < BENCH_N_SYSTEMS; s++)
		fprintf(p.fp, "%s'fig10_util.csv' using %d:xtic(1) title '%s' lc rgb '%s'",
			s ? ", \\\n     " : "", s + 2, bench_systems[s], sys_color[s]);
	fputc('\n', p.fp);
	rc = fig_close(c, &p, err);
	if (rc)
		return rc;
	md(c, "## Fig. 10: GPU utilisation\n\nMean over GPUs of the SM-time the simulated "
	      "kernels held divided by SMs x iteration time (simulated, %%).\n\n| workload |");
	for (int s = 0; s < BENCH_N_SYSTEMS; s++)
		md(c, " %s |", bench_systems[s]);
	md(c, "\n|---|");
	for (int s = 0; s < BENCH_N_SYSTEMS; s++)
		md(c, "---:|");
	md(c, "\n");
	for (int w = 0; w < c->o->n_workloads; w++) {
		md(c, "| %s |", c->o->workloads[w]);
		for (int s = 0; s < BENCH_N_SYSTEMS; s++) {
			if (c->wl[w].sys[s].have)
				md(c, " %.1f |", c->wl[w].sys[s].util);
			else
				md(c, " - |");
		}
		md(c, "\n");
	}
	md_figure(c, "fig10_util", "Simulated SM utilisation of each system's plan per workload.");
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Fig. 11: engine overhead                                                 */
/* ------------------------------------------------------------------------ */

static int fig11(struct ctx *c, struct mo_err *err)
{
	static const char *const sys[] = {"mosaic", "megatron"};
	const struct bench_table *t = &c->t[BENCH_T_OVERHEAD];
	struct csv f;
	struct plot p;
	int rc;

	if (!t->n)
		return 0;
	rc = csv_open(&f, c->dir, "fig11_overhead.csv", err);
	if (rc)
		return rc;
	fprintf(f.fp, "workload,mosaic_simulated_overhead_pct,megatron_simulated_overhead_pct\n");
	for (int w = 0; w < c->o->n_workloads; w++) {
		fprintf(f.fp, "%s", c->o->workloads[w]);
		for (int k = 0; k < 2; k++) {
			double v = NAN;

			for (int r = 0; r < t->n; r++)
				if (!strcmp(bench_cell(t, r, "workload"), c->o->workloads[w]) &&
				    !strcmp(bench_cell(t, r, "system"), sys[k]))
					v = bench_cell_num(t, r, "overhead_pct");
			num(f.fp, v, "%.3f");
		}
		fputc('\n', f.fp);
	}
	rc = csv_close(&f, err);
	if (rc)
		return rc;
	rc = plot_open(&p, c->dir, "fig11_overhead", 900, 450,
		       "Fig. 11: engine overhead as modelled, mosaic against megatron (simulated)",
		       "workload", "overhead (% of simulated iteration time)", err);
	if (rc)
		return rc;
	fprintf(p.fp, "set style data histograms\nset style histogram clustered gap 1\n"
		      "set style fill solid 0.9 border rgb '#333333'\nset boxwidth 0.9\n"
		      "set yrange [0:*]\nset offsets 0, 0, graph 0.1, 0\nset key autotitle columnhead\n"
		      "set xrange [-0.6:%d.4]\n"
		      "plot 'fig11_overhead.csv' using 2:xtic(1) title 'mosaic' lc rgb '%s', \\\n"
		      "     '' using 3 title 'megatron' lc rgb '%s'\n",
		c->o->n_workloads - 1, sys_color[BENCH_N_SYSTEMS - 1], sys_color[0]);
	rc = fig_close(c, &p, err);
	if (rc)
		return rc;
	md(c, "## Fig. 11: engine overhead\n\nWhat the simulator models of the engine's cost: %s. "
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
		md(c, "| %s | %s | %.2f | %.2f | %.2f | %d | %d |\n", bench_cell(t, r, "workload"),
		   bench_cell(t, r, "system"), bench_cell_num(t, r, "overhead_pct"),
		   bench_cell_num(t, r, "simulated_iter_ns") / 1e6,
		   bench_cell_num(t, r, "simulated_iter_no_overhead_ns") / 1e6,
		   (int)bench_cell_num(t, r, "partitions"), (int)bench_cell_num(t, r, "switches_per_iter"));
	md_figure(c, "fig11_overhead",
		  "Share of the simulated iteration time spent in the engine overhead the simulator "
		  "models, for mosaic's and megatron's plans.");
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Fig. 12: prediction error and weaker predictors                          */
/* ------------------------------------------------------------------------ */

static int dcmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double pct_at(const double *v, int n, double q)
{
	int i;

	if (n <= 0)
		return NAN;
	i = (int)ceil(q * n) - 1;
	if (i < 0)
		i = 0;
	if (i >= n)
		i = n - 1;
	return v[i];
}

static int write_cdf(const char *dir, const char *name, const char *col, double *v, int n,
		     struct mo_err *err)
{
	struct csv f;
	int rc = csv_open(&f, dir, name, err);

	if (rc)
		return rc;
	qsort(v, (size_t)n, sizeof(*v), dcmp);
	fprintf(f.fp, "%s,cumulative_fraction\n", col);
	for (int i = 0; i < n; i++)
		fprintf(f.fp, "%.4f,%.6f\n", v[i], (double)(i + 1) / n);
	return csv_close(&f, err);
}

static int fig12(struct ctx *c, struct mo_err *err)
{
	/* per-module errors of three predictors, then per-plan errors */
	static const char *const mcol[] = {"predicted_ns", "waves_predicted_ns", "linear_predicted_ns"};
	static const char *const mfile[] = {"fig12_cdf_module.csv", "fig12_cdf_module_waves.csv",
					    "fig12_cdf_module_linear.csv"};
	static const char *const mname[] = {"per-module time, mosaic model",
					    "per-module time, wave-scaling baseline",
					    "per-module time, linear SM scaling"};
	static const char *const mcolor[] = {"#4e79a7", "#f28e2b", "#59a14f"};
	const struct bench_table *pr = &c->t[BENCH_T_PROFILE], *it = &c->t[BENCH_T_ITER];
	const struct bench_table *pd = &c->t[BENCH_T_PREDICTOR];
	double *mods[3], *pl = calloc((size_t)it->n + 1, sizeof(double)), xmax = 0;
	int nms[3] = {0, 0, 0}, np = 0, rc = 0, nm = 0;
	struct plot p;
	struct csv f;

	for (int k = 0; k < 3; k++)
		mods[k] = calloc((size_t)pr->n + 1, sizeof(double));
	if (!mods[0] || !mods[1] || !mods[2] || !pl) {
		for (int k = 0; k < 3; k++)
			free(mods[k]);
		free(pl);
		return mo_err_set(err, MO_ENOMEM, "out of memory");
	}
	for (int r = 0; r < pr->n; r++) {
		double s = bench_cell_num(pr, r, "simulated_ns");

		for (int k = 0; k < 3; k++) {
			double a = bench_cell_num(pr, r, mcol[k]);

			if (s > 0 && a > 0)
				mods[k][nms[k]++] = 100.0 * fabs(a - s) / s;
		}
	}
	nm = nms[0];
	for (int r = 0; r < it->n; r++) {
		double a = bench_cell_num(it, r, "predicted_iter_ns");
		double s = bench_cell_num(it, r, "simulated_iter_ns");

		if (s > 0 && a > 0)
			pl[np++] = 100.0 * fabs(a - s) / s;
	}
	for (int k = 0; k < 3 && !rc; k++) {
		rc = write_cdf(c->dir, mfile[k], "abs_error_pct", mods[k], nms[k], err);
		if (nms[k] && pct_at(mods[k], nms[k], 0.95) > xmax)
			xmax = pct_at(mods[k], nms[k], 0.95);
	}
	if (!rc)
		rc = write_cdf(c->dir, "fig12_cdf_plan.csv", "abs_error_pct", pl, np, err);
	if (np && pct_at(pl, np, 0.95) > xmax)
		xmax = pct_at(pl, np, 0.95);
	xmax = xmax < 5 ? 5 : ceil(xmax * 1.1 / 5) * 5;
	if (!rc && (nm || np)) {
		rc = plot_open(&p, c->dir, "fig12_error_cdf", 960, 500,
			       "Fig. 12a: prediction error against the simulator (predicted vs simulated)",
			       "|predicted - simulated| / simulated (%)", "cumulative fraction", err);
		if (!rc) {
			int first = 1;

			fprintf(p.fp, "set yrange [0:1.02]\nset xrange [0:%g]\nset key inside right bottom\n"
				      "plot ", xmax);
			for (int k = 0; k < 3; k++) {
				if (!nms[k])
					continue;
				fprintf(p.fp, "%s'%s' using 1:2 every ::1 with steps lw 2 lc rgb '%s' "
					      "title '%s (%d points)'", first ? "" : ", \\\n     ", mfile[k],
					mcolor[k], mname[k], nms[k]);
				first = 0;
			}
			if (np)
				fprintf(p.fp, "%s'fig12_cdf_plan.csv' using 1:2 every ::1 with steps lw 2 "
					      "dt 2 lc rgb '#e15759' title 'per-plan iteration time, mosaic "
					      "model (%d plans)'", first ? "" : ", \\\n     ", np);
			fputc('\n', p.fp);
			rc = fig_close(c, &p, err);
		}
	}
	if (!rc) {
		md(c, "## Fig. 12: prediction error and weaker predictors\n\n"
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
			if (nms[k])
				md(c, "| %s | %d | %.2f | %.2f | %.2f |\n", mname[k], nms[k],
				   pct_at(mods[k], nms[k], 0.5), pct_at(mods[k], nms[k], 0.9),
				   mods[k][nms[k] - 1]);
		if (np)
			md(c, "| per-plan iteration time, mosaic model | %d | %.2f | %.2f | %.2f |\n", np,
			   pct_at(pl, np, 0.5), pct_at(pl, np, 0.9), pl[np - 1]);
		if (nm || np)
			md_figure(c, "fig12_error_cdf",
				  "CDF of the relative error of predicted against simulated times "
				  "(x axis cut at the largest 95th percentile; the table has the maxima).");
	}
	for (int k = 0; k < 3; k++)
		free(mods[k]);
	free(pl);
	if (rc || !pd->n)
		return rc;

	/* plan quality with weaker predictors: slowdown vs the full model's plan */
	rc = csv_open(&f, c->dir, "fig12_predictors.csv", err);
	if (rc)
		return rc;
	fprintf(f.fp, "workload");
	for (int k = 1; k < BENCH_N_PREDICTORS; k++)
		fprintf(f.fp, ",%s_simulated_slowdown", bench_predictors[k]);
	fputc('\n', f.fp);
	md(c, "\n**Plan quality with weaker predictors.** Mosaic planned with the cost arrays "
	      "replaced by: *waves* = the wave-scaling baseline (kernel time x waves(q) / "
	      "waves(full)), *linear* = t(q) = t(full) x full / q, *noisy20* = the model with "
	      "deterministic +-20%% noise per layer and quota. All plan at the spec's microbatch "
	      "size (so the model's plan can differ from Fig. 9's, which also tries half and double "
	      "it). Each plan was simulated; slowdown = its simulated iteration time / that of the "
	      "plan made with the full model.\n\n"
	      "| workload | model plan sim (ms) |");
	for (int k = 1; k < BENCH_N_PREDICTORS; k++)
		md(c, " %s slowdown |", bench_predictors[k]);
	md(c, "\n|---|---:|");
	for (int k = 1; k < BENCH_N_PREDICTORS; k++)
		md(c, "---:|");
	md(c, "\n");
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
		md(c, "| %s | %s |", c->o->workloads[w], fmt_ms(b, sizeof(b), sim[0]));
		for (int k = 1; k < BENCH_N_PREDICTORS; k++) {
			double s = sim[0] > 0 ? sim[k] / sim[0] : NAN;

			num(f.fp, s, "%.4f");
			if (isnan(s))
				md(c, " - |");
			else
				md(c, " %.3f |", s);
		}
		fputc('\n', f.fp);
		md(c, "\n");
	}
	rc = csv_close(&f, err);
	if (rc)
		return rc;
	md(c, "\nA slowdown below 1 means the weaker predictor's plan ran faster in the simulator "
	      "than the full model's plan: the model's errors (above) can mislead the planner.\n");
	rc = plot_open(&p, c->dir, "fig12_predictors", 1000, 480,
		       "Fig. 12b: mosaic plans made with weaker predictors (simulated)", "workload",
		       "simulated iteration time / full-model plan's", err);
	if (rc)
		return rc;
	fprintf(p.fp, "set style data histograms\nset style histogram clustered gap 1\n"
		      "set style fill solid 0.9 border rgb '#333333'\nset boxwidth 0.9\n"
		      "set yrange [0:*]\nset offsets 0, 0, graph 0.08, 0\nset key autotitle columnhead\nset xrange [-0.6:%d.4]\n"
		      "set arrow from graph 0, first 1 to graph 1, first 1 nohead dt 2 lc rgb '#555555'\n"
		      "plot ", c->o->n_workloads - 1);
	for (int k = 1; k < BENCH_N_PREDICTORS; k++)
		fprintf(p.fp, "%s'fig12_predictors.csv' using %d:xtic(1) title '%s' lc rgb '%s'",
			k > 1 ? ", \\\n     " : "", k + 1, bench_predictors[k], palette[k]);
	fputc('\n', p.fp);
	rc = fig_close(c, &p, err);
	if (!rc)
		md_figure(c, "fig12_predictors",
			  "Simulated iteration time of mosaic plans made with a weaker predictor, "
			  "relative to the plan made with the full model (1 = as good).");
	return rc;
}

/* ------------------------------------------------------------------------ */
/* Fig. 13: search quality                                                  */
/* ------------------------------------------------------------------------ */

static int fig13(struct ctx *c, struct mo_err *err)
{
	const struct bench_table *t = &c->t[BENCH_T_SEARCH];
	const char *methods[MAX_METHODS];
	int nm = bench_search_methods(methods, MAX_METHODS), rc, gpus = 0, below = 0;
	struct csv f;
	struct plot p;

	if (!t->n)
		return 0;
	rc = csv_open(&f, c->dir, "fig13_search.csv", err);
	if (rc)
		return rc;
	fprintf(f.fp, "workload,reference");
	for (int m = 0; m < nm; m++)
		fprintf(f.fp, ",%s_predicted_rel", methods[m]);
	for (int m = 0; m < nm; m++)
		fprintf(f.fp, ",%s_simulated_rel", methods[m]);
	fputc('\n', f.fp);
	md(c, "## Fig. 13: search quality\n\nSearch methods on a small instance where the exact "
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
		md(c, " %s |", methods[m]);
	md(c, "\n|---|---:|---|");
	for (int m = 0; m < nm; m++)
		md(c, "---:|");
	md(c, "\n");
	for (int w = 0; w < c->o->n_workloads; w++) {
		double pred[MAX_METHODS], sim[MAX_METHODS], rp = NAN, rs = NAN;
		const char *status[MAX_METHODS];
		const char *ref = "optimal";

		gpus = 0;
		for (int m = 0; m < nm; m++) {
			pred[m] = sim[m] = NAN;
			status[m] = "not run";
		}
		for (int r = 0; r < t->n; r++) {
			if (strcmp(bench_cell(t, r, "workload"), c->o->workloads[w]))
				continue;
			for (int m = 0; m < nm; m++)
				if (!strcmp(bench_cell(t, r, "method"), methods[m])) {
					status[m] = bench_cell(t, r, "status");
					pred[m] = bench_cell_num(t, r, "predicted_iter_ns");
					sim[m] = bench_cell_num(t, r, "simulated_iter_ns");
					gpus = (int)bench_cell_num(t, r, "gpus");
				}
		}
		for (int m = 0; m < nm; m++)
			if (!strcmp(methods[m], "optimal") && !isnan(pred[m]))
				rp = pred[m], rs = sim[m];
		if (isnan(rp)) {
			ref = "best found";
			for (int m = 0; m < nm; m++) {
				if (!isnan(pred[m]) && (isnan(rp) || pred[m] < rp))
					rp = pred[m];
				if (!isnan(sim[m]) && (isnan(rs) || sim[m] < rs))
					rs = sim[m];
			}
		}
		for (int m = 0; m < nm; m++)
			if (!strcmp(ref, "optimal") && strcmp(methods[m], "optimal") &&
			    pred[m] < rp * (1 - 1e-9))
				below++;
		fprintf(f.fp, "%s,%s", c->o->workloads[w], ref);
		for (int m = 0; m < nm; m++)
			num(f.fp, pred[m] / rp, "%.4f");
		for (int m = 0; m < nm; m++)
			num(f.fp, sim[m] / rs, "%.4f");
		fputc('\n', f.fp);
		md(c, "| %s | %d | %s |", c->o->workloads[w], gpus, ref);
		for (int m = 0; m < nm; m++) {
			if (isnan(pred[m]))
				md(c, " %s |", status[m]);
			else
				md(c, " %.3f / %.3f |", pred[m] / rp, sim[m] / rs);
		}
		md(c, "\n");
	}
	rc = csv_close(&f, err);
	if (rc)
		return rc;
	if (below)
		md(c, "\n%d time%s a method's predicted iteration time came out below `optimal`'s: the "
		      "exact search is optimal only over its own placement space, which does not cover "
		      "every plan the other methods can produce.\n", below, below == 1 ? "" : "s");
	{
		int notes = 0;

		for (int r = 0; r < t->n; r++) {
			if (!strcmp(bench_cell(t, r, "status"), "ok"))
				continue;
			if (!notes++)
				md(c, "\nMethods that did not produce a plan:\n\n");
			md(c, "- %s / %s: %s (%s)\n", bench_cell(t, r, "workload"),
			   bench_cell(t, r, "method"), bench_cell(t, r, "status"),
			   bench_cell(t, r, "note"));
		}
	}
	rc = plot_open(&p, c->dir, "fig13_search", 1000, 700,
		       "Fig. 13: search quality relative to the optimum", "workload",
		       "iteration time / reference's", err);
	if (rc)
		return rc;
	fprintf(p.fp, "set style data histograms\nset style histogram clustered gap 1\n"
		      "set style fill solid 0.9 border rgb '#333333'\nset boxwidth 0.9\n"
		      "set logscale y 2\nset yrange [0.7:*]\nset ytics (0.75, 1, 1.25, 1.5, 2, 3, 4, 6, 8, 12, 16)\n"
		      "set offsets 0, 0, graph 0.08, 0\nset key autotitle columnhead\nset xrange [-0.6:%d.4]\n"
		      "set arrow 1 from graph 0, first 1 to graph 1, first 1 nohead dt 2 lc rgb '#555555'\n"
		      "set multiplot layout 2,1\n", c->o->n_workloads - 1);
	for (int half = 0; half < 2; half++) {
		fprintf(p.fp, "set title 'Fig. 13%s: %s iteration time of each search method relative "
			      "to optimal (or the best found)' noenhanced\nplot ", half ? "b" : "a",
			half ? "simulated" : "predicted");
		for (int m = 0; m < nm; m++)
			fprintf(p.fp, "%s'fig13_search.csv' using %d:xtic(1) title '%s' lc rgb '%s'",
				m ? ", \\\n     " : "", 3 + half * nm + m, methods[m],
				palette[m % N_PALETTE]);
		fputc('\n', p.fp);
	}
	fprintf(p.fp, "unset multiplot\n");
	rc = fig_close(c, &p, err);
	if (!rc)
		md_figure(c, "fig13_search",
			  "Predicted (top) and simulated (bottom) iteration time of each search "
			  "method's plan relative to the optimum (log scale: 1 = as good).");
	return rc;
}

/* ------------------------------------------------------------------------ */
/* Fig. 14: scaling and profiling-grid density                              */
/* ------------------------------------------------------------------------ */

static int fig14_scaling(struct ctx *c, struct mo_err *err)
{
	struct csv f;
	struct plot p;
	int rc, M = BENCH_N_SYSTEMS - 1, any = 0;

	rc = csv_open(&f, c->dir, "fig14_scaling.csv", err);
	if (rc)
		return rc;
	fprintf(f.fp, "gpus");
	for (int w = 0; w < c->o->n_workloads; w++)
		fprintf(f.fp, ",%s_mosaic_simulated_samples_per_s,%s_best_baseline_simulated_samples_per_s",
			c->o->workloads[w], c->o->workloads[w]);
	fputc('\n', f.fp);
	md(c, "## Fig. 14: scaling and profiling-grid density\n\nThroughput (simulated samples/s) "
	      "of mosaic and of the best temporal-only baseline at each GPU count (best = the "
	      "highest simulated throughput among megatron, distmm, spindle and optimus at that "
	      "count).\n\n| workload | GPUs | mosaic (samples/s) | best baseline | baseline "
	      "(samples/s) | speedup |\n|---|---:|---:|---|---:|---:|\n");
	for (int ci = 0; ci < c->ncounts; ci++) {
		fprintf(f.fp, "%d", c->counts[ci]);
		for (int w = 0; w < c->o->n_workloads; w++) {
			const struct sysres *s = c->wl[w].scale[ci];
			int best = -1;

			for (int k = 0; k < M; k++)
				if (s[k].have && (best < 0 || s[k].sps > s[best].sps))
					best = k;
			num(f.fp, s[M].have ? s[M].sps : NAN, "%.3f");
			num(f.fp, best >= 0 ? s[best].sps : NAN, "%.3f");
			if (s[M].have || best >= 0) {
				any = 1;
				md(c, "| %s | %d | ", c->o->workloads[w], c->counts[ci]);
				if (s[M].have)
					md(c, "%.1f | ", s[M].sps);
				else
					md(c, "- | ");
				if (best >= 0)
					md(c, "%s | %.1f | ", bench_systems[best], s[best].sps);
				else
					md(c, "- | - | ");
				if (s[M].have && best >= 0)
					md(c, "%.3fx |\n", s[M].sps / s[best].sps);
				else
					md(c, "- |\n");
			}
		}
		fputc('\n', f.fp);
	}
	rc = csv_close(&f, err);
	if (rc || !any)
		return rc;
	rc = plot_open(&p, c->dir, "fig14_scaling", 1000, 520,
		       "Fig. 14a: throughput against GPU count (simulated)", "GPUs",
		       "samples/s (simulated, log scale)", err);
	if (rc)
		return rc;
	fprintf(p.fp, "set logscale xy 2\nset logscale y 10\nset xtics (");
	for (int ci = 0; ci < c->ncounts; ci++)
		fprintf(p.fp, "%s'%d' %d", ci ? ", " : "", c->counts[ci], c->counts[ci]);
	fprintf(p.fp, ")\nset xrange [%g:%g]\nset key outside right top\nplot ", c->counts[0] / 1.15,
		c->counts[c->ncounts - 1] * 1.15);
	for (int w = 0; w < c->o->n_workloads; w++)
		fprintf(p.fp,
			"%s'fig14_scaling.csv' using 1:%d every ::1 with linespoints lw 2 pt 7 "
			"lc rgb '%s' title '%s mosaic', \\\n"
			"     'fig14_scaling.csv' using 1:%d every ::1 with linespoints lw 2 dt 2 pt 6 "
			"lc rgb '%s' title '%s best baseline'",
			w ? ", \\\n     " : "", 2 + 2 * w, palette[w % N_PALETTE], c->o->workloads[w],
			3 + 2 * w, palette[w % N_PALETTE], c->o->workloads[w]);
	fputc('\n', p.fp);
	rc = fig_close(c, &p, err);
	if (!rc)
		md_figure(c, "fig14_scaling",
			  "Simulated throughput of mosaic (solid) and the best baseline (dashed) as "
			  "the cluster grows.");
	return rc;
}

/*
 * Profiling-grid density: the simulated profile of each (workload, module,
 * phase) over every lattice quota is the ground truth; a curve sampled every
 * k SMs (plus the smallest quota and the whole GPU) is interpolated with the
 * model's curve interpolation (model_curve_fwd_ns) and compared at every
 * lattice quota.
 */
static int fig14_density(struct ctx *c, struct mo_err *err)
{
	static const int steps[] = {8, 16, 32, 64};
	const struct bench_table *t = &c->t[BENCH_T_PROFILE];
	double *ape;
	struct csv f;
	struct plot p;
	int rc, nsteps = (int)(sizeof(steps) / sizeof(steps[0]));

	if (!t->n)
		return 0;
	ape = calloc((size_t)t->n + 1, sizeof(*ape));
	if (!ape)
		return mo_err_set(err, MO_ENOMEM, "out of memory");
	rc = csv_open(&f, c->dir, "fig14_density.csv", err);
	if (rc) {
		free(ape);
		return rc;
	}
	fprintf(f.fp, "step_sms,samples_per_curve,median_abs_error_pct,p90_abs_error_pct,"
		      "max_abs_error_pct\n");
	md(c, "\n**Profiling-grid density.** Ground truth: each module's simulated time at every "
	      "lattice quota (the per-module profiles of Fig. 12). A profile sampled every k SMs "
	      "(plus the smallest quota and the whole GPU) is interpolated with the model's curve "
	      "interpolation and compared with the simulated time at every lattice quota "
	      "(simulated vs interpolated-from-simulated).\n\n"
	      "| step (SMs) | samples per curve | median %% | p90 %% | max %% |\n"
	      "|---:|---:|---:|---:|---:|\n");
	for (int si = 0; si < nsteps; si++) {
		int n = 0, samples = 0;

		for (int r0 = 0; r0 < t->n;) {
			/* one curve: consecutive rows of one (workload, module, phase) */
			int r1 = r0;
			struct model_curve cv;
			int qmin = (int)bench_cell_num(t, r0, "quota_sms"), qmax = qmin;

			while (r1 < t->n && !strcmp(bench_cell(t, r1, "workload"), bench_cell(t, r0, "workload")) &&
			       !strcmp(bench_cell(t, r1, "module"), bench_cell(t, r0, "module")) &&
			       !strcmp(bench_cell(t, r1, "phase"), bench_cell(t, r0, "phase")))
				r1++;
			for (int r = r0; r < r1; r++) {
				int q = (int)bench_cell_num(t, r, "quota_sms");

				qmin = q < qmin ? q : qmin;
				qmax = q > qmax ? q : qmax;
			}
			memset(&cv, 0, sizeof(cv));
			for (int r = r0; r < r1 && cv.n < MODEL_CURVE_MAX; r++) {
				int q = (int)bench_cell_num(t, r, "quota_sms");

				if (q % steps[si] && q != qmin && q != qmax)
					continue;
				cv.quota[cv.n] = q;
				cv.fwd_ns[cv.n] = (int64_t)bench_cell_num(t, r, "simulated_ns");
				cv.bwd_ns[cv.n] = cv.fwd_ns[cv.n];
				cv.n++;
			}
			if (r0 == 0)
				samples = cv.n;
			for (int r = r0; r < r1; r++) {
				double s = bench_cell_num(t, r, "simulated_ns");
				double a = (double)model_curve_fwd_ns(&cv, (int)bench_cell_num(t, r, "quota_sms"));

				if (s > 0)
					ape[n++] = 100.0 * fabs(a - s) / s;
			}
			r0 = r1;
		}
		qsort(ape, (size_t)n, sizeof(*ape), dcmp);
		fprintf(f.fp, "%d,%d,%.4f,%.4f,%.4f\n", steps[si], samples, pct_at(ape, n, 0.5),
			pct_at(ape, n, 0.9), n ? ape[n - 1] : NAN);
		md(c, "| %d | %d | %.2f | %.2f | %.2f |\n", steps[si], samples, pct_at(ape, n, 0.5),
		   pct_at(ape, n, 0.9), n ? ape[n - 1] : NAN);
	}
	free(ape);
	rc = csv_close(&f, err);
	if (rc)
		return rc;
	rc = plot_open(&p, c->dir, "fig14_density", 900, 480,
		       "Fig. 14b: profiling-grid density against accuracy (interpolated vs simulated)",
		       "profiling grid step (SMs)", "abs. error at every lattice quota (%)", err);
	if (rc)
		return rc;
	fprintf(p.fp, "set logscale x 2\nset xtics (8, 16, 32, 64)\nset xrange [6:80]\n"
		      "set yrange [0:*]\nset key inside left top\n"
		      "plot 'fig14_density.csv' using 1:3 every ::1 with linespoints lw 2 pt 7 "
		      "lc rgb '#4e79a7' title 'median', \\\n"
		      "     '' using 1:4 every ::1 with linespoints lw 2 pt 5 lc rgb '#f28e2b' title 'p90', \\\n"
		      "     '' using 1:5 every ::1 with linespoints lw 2 pt 9 lc rgb '#e15759' title 'max'\n");
	rc = fig_close(c, &p, err);
	if (!rc)
		md_figure(c, "fig14_density",
			  "Error of module scaling curves interpolated from a sparser profiling grid, "
			  "against the simulated time at every quota.");
	return rc;
}

/* ------------------------------------------------------------------------ */
/* Timelines                                                                */
/* ------------------------------------------------------------------------ */

/* The timelines share what a reader compares across them: one colour per
 * module (its order of first appearance over every system's rows), one time
 * axis (the longest iteration), and one row per distinct GPU role: GPUs whose
 * rows are identical but for the GPU's number (data-parallel replicas) are
 * drawn once, labelled with their count. */
#define TL_MAX_ROWS 1024
#define TL_MAX_MODS 32
#define TL_MAX_GPUS 4096

struct tl_common {
	char mods[TL_MAX_MODS][64];
	int nmods;
	double tmax;
};

static void tl_common_of(const struct bench_table *t, struct tl_common *tc)
{
	memset(tc, 0, sizeof(*tc));
	for (int r = 0; r < t->n; r++) {
		const char *m = bench_cell(t, r, "module");
		int found = 0;

		for (int i = 0; i < tc->nmods && !found; i++)
			found = !strcmp(tc->mods[i], m);
		if (!found && tc->nmods < TL_MAX_MODS && strcmp(m, "comm"))
			snprintf(tc->mods[tc->nmods++], sizeof(tc->mods[0]), "%s", m);
		if (bench_cell_num(t, r, "end_ms") > tc->tmax)
			tc->tmax = bench_cell_num(t, r, "end_ms");
	}
}

/* A GPU's rows, its number and the microbatches' numbers left out (data-
 * parallel replicas run other microbatches at the same times), as one
 * order-independent hash. */
static uint64_t tl_row_hash(const struct bench_table *t, int r)
{
	static const char *const cols[] = {"partition", "sms", "module", "phase", "start_ms",
					   "end_ms"};
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
		for (const char *v = bench_cell(t, r, cols[i]); v && *v; v++)
			h = (h ^ (unsigned char)*v) * 1099511628211ULL;
	return h;
}

/* Per GPU of one system: rep[g] the first GPU with the same rows, count[g]
 * how many GPUs share g's rows (on representatives).  Returns the GPUs. */
static int tl_gpu_roles(const struct bench_table *t, const char *system, int *rep, int *count)
{
	static uint64_t sig[TL_MAX_GPUS];
	int ngpu = 0;

	memset(sig, 0, sizeof(sig));
	for (int r = 0; r < t->n; r++) {
		int g = (int)bench_cell_num(t, r, "gpu");

		if (strcmp(bench_cell(t, r, "system"), system) || g < 0 || g >= TL_MAX_GPUS)
			continue;
		sig[g] += tl_row_hash(t, r);
		if (g + 1 > ngpu)
			ngpu = g + 1;
	}
	for (int g = 0; g < ngpu; g++) {
		rep[g] = g;
		count[g] = 0;
		for (int h = 0; h < g; h++)
			if (sig[h] == sig[g]) {
				rep[g] = h;
				break;
			}
		count[rep[g]]++;
	}
	return ngpu;
}

/* "gpu0" or "gpu0 (x8 alike)" */
static void tl_gpu_label(char *buf, size_t cap, int g, int count)
{
	if (count > 1)
		snprintf(buf, cap, "gpu%d (x%d alike)", g, count);
	else
		snprintf(buf, cap, "gpu%d", g);
}

/* One system's timeline: its CSV and its figure. */
static int timeline_one(struct ctx *c, const struct tl_common *tc, const char *system,
			int twl, struct mo_err *err)
{
	const struct bench_table *t = &c->t[BENCH_T_TIMELINE];
	static int rep[TL_MAX_GPUS], count[TL_MAX_GPUS];
	char name[64], csvname[80], q[256], title[256];
	int rows[TL_MAX_ROWS][3], nrows = 0, rc, h; /* gpu, partition, sms */
	struct csv f;
	struct plot p;

	tl_gpu_roles(t, system, rep, count);
	snprintf(name, sizeof(name), "timeline_%s", system);
	snprintf(csvname, sizeof(csvname), "%s.csv", name);
	/* rows: (gpu, partition) of representative GPUs, by gpu then partition
	 * (comm, -1, last) */
	for (int r = 0; r < t->n; r++) {
		int g = (int)bench_cell_num(t, r, "gpu"), k = (int)bench_cell_num(t, r, "partition");
		int found = 0;

		if (strcmp(bench_cell(t, r, "system"), system) || g < 0 || g >= TL_MAX_GPUS ||
		    rep[g] != g)
			continue;
		for (int i = 0; i < nrows && !found; i++)
			found = rows[i][0] == g && rows[i][1] == k;
		if (!found && nrows < TL_MAX_ROWS) {
			int i = nrows++, kk = k < 0 ? 1 << 20 : k;

			while (i > 0 && (rows[i - 1][0] > g ||
					 (rows[i - 1][0] == g && (rows[i - 1][1] < 0 ? 1 << 20 : rows[i - 1][1]) > kk))) {
				memcpy(rows[i], rows[i - 1], sizeof(rows[0]));
				i--;
			}
			rows[i][0] = g, rows[i][1] = k, rows[i][2] = (int)bench_cell_num(t, r, "sms");
		}
	}
	if (!nrows)
		return 0;
	if ((rc = csv_open(&f, c->dir, csvname, err)))
		return rc;
	fprintf(f.fp, "row,start_ms,end_ms,module_index,module,phase,microbatch,gpu,partition,sms\n");
	for (int r = 0; r < t->n; r++) {
		int g = (int)bench_cell_num(t, r, "gpu"), k = (int)bench_cell_num(t, r, "partition");
		int row = -1, mi = -1;
		const char *m = bench_cell(t, r, "module"), *ph = bench_cell(t, r, "phase");

		if (strcmp(bench_cell(t, r, "system"), system) || g < 0 || g >= TL_MAX_GPUS ||
		    rep[g] != g)
			continue;
		for (int i = 0; i < nrows; i++)
			if (rows[i][0] == g && rows[i][1] == k)
				row = i;
		for (int i = 0; i < tc->nmods; i++)
			if (!strcmp(tc->mods[i], m))
				mi = i;
		/* comm and optimizer boxes are drawn grey (module_index -1) */
		if (!strcmp(ph, "comm") || !strcmp(ph, "optimizer"))
			mi = -1;
		fprintf(f.fp, "%d,%s,%s,%d,%s,%s,%s,%d,%d,%s\n", row, bench_cell(t, r, "start_ms"),
			bench_cell(t, r, "end_ms"), mi, m, ph, bench_cell(t, r, "microbatch"), g, k,
			bench_cell(t, r, "sms"));
	}
	if ((rc = csv_close(&f, err)))
		return rc;
	snprintf(title, sizeof(title),
		 "Timeline: one iteration of %s planned by %s (simulated; pale = forward, dark = backward)",
		 c->o->workloads[twl], system);
	h = 160 + 26 * nrows;
	if ((rc = plot_open(&p, c->dir, name, 1200, h < 420 ? 420 : h, title, "time (ms, simulated)",
			    "", err)))
		return rc;
	/* every system's timeline on the same axis: the longest iteration */
	fprintf(p.fp, "set yrange [%f:-0.7] \nset xrange [0:%f]\nset ytics (", nrows - 0.3,
		tc->tmax * 1.01);
	for (int i = 0; i < nrows; i++) {
		char gl[48], lab[96];

		tl_gpu_label(gl, sizeof(gl), rows[i][0], count[rows[i][0]]);
		if (rows[i][1] < 0)
			snprintf(lab, sizeof(lab), "%s comm", gl);
		else
			snprintf(lab, sizeof(lab), "%s p%d (%d SMs)", gl, rows[i][1], rows[i][2]);
		fprintf(p.fp, "%s'%s' %d", i ? ", " : "", plot_quote(q, sizeof(q), lab), i);
	}
	fprintf(p.fp, ")\nset grid noytics xtics\nset key outside right top\n"
		      "set style fill solid 1.0 noborder\n"
		      "plot 'timeline_%s.csv' every ::1 using (column(4)==-1 ? ($2+$3)/2 : 1/0):1:(($3-$2)/2):(0.38) "
		      "with boxxyerror fs solid 0.9 noborder lc rgb '#9a9a9a' "
		      "title 'comm / optimizer' ,\\\n", system);
	for (int i = 0; i < tc->nmods; i++)
		fprintf(p.fp,
			"     '' every ::1 using ((column(4)==%d && strcol(6) eq 'forward') ? ($2+$3)/2 : 1/0):1:"
			"(($3-$2)/2):(0.38) with boxxyerror fs transparent solid 0.45 noborder lc rgb '%s' "
			"notitle, \\\n"
			"     '' every ::1 using ((column(4)==%d && strcol(6) ne 'forward') ? ($2+$3)/2 : 1/0):1:"
			"(($3-$2)/2):(0.38) with boxxyerror fs solid 1.0 noborder lc rgb '%s' title '%s'%s\n",
			i, palette[i % N_PALETTE], i, palette[i % N_PALETTE],
			plot_quote(q, sizeof(q), tc->mods[i]), i + 1 < tc->nmods ? ", \\" : "");
	if (!tc->nmods)
		fprintf(p.fp, "     1/0 notitle\n");
	if ((rc = fig_close(c, &p, err)))
		return rc;
	snprintf(title, sizeof(title),
		 "%s: which module runs on which GPU and partition over one simulated iteration "
		 "(GPUs alike drawn once).", system);
	md_figure(c, name, title);
	return 0;
}

static int timelines(struct ctx *c, struct mo_err *err)
{
	const struct bench_table *t = &c->t[BENCH_T_TIMELINE];
	int twl = bench_timeline_workload(c->o), rc = 0;
	struct tl_common tc;

	if (!t->n || twl < 0)
		return 0;
	md(c, "## Timelines\n\nOne simulated training iteration of **%s** per system, one row per "
	      "GPU role and SM partition (plus its communication stream; GPUs whose iteration is "
	      "identical, such as data-parallel replicas, are drawn once with their count), one box "
	      "per module run of one microbatch (pale: forward, dark: backward, grey: communication "
	      "and optimizer), every system on the same time axis and each module in the same "
	      "colour. Colocated modules show up as several partition rows of one GPU busy at the "
	      "same time. (The timelines' workload is `--timeline`, by default the first whose "
	      "mosaic plan colocates modules.)\n", c->o->workloads[twl]);
	tl_common_of(t, &tc);
	for (int s = 0; s < BENCH_N_SYSTEMS && !rc; s++)
		rc = timeline_one(c, &tc, bench_systems[s], twl, err);
	return rc;
}

/* ------------------------------------------------------------------------ */
/* summary.json and summary.txt                                             */
/* ------------------------------------------------------------------------ */

static json_t *jnum(double v)
{
	return isnan(v) ? json_null() : json_real(round(v * 1e6) / 1e6);
}

static int summary(struct ctx *c, struct mo_err *err)
{
	json_t *root = json_object(), *wls = json_array(), *labels = json_object();
	char path[4096], *text;
	int rc, M = BENCH_N_SYSTEMS - 1;
	struct mo_outfile f;

	json_object_set_new(root, "format", json_string("mosaic-bench-summary"));
	json_object_set_new(root, "version", json_integer(1));
	json_object_set_new(root, "mosaic_version", json_string(MOSAIC_VERSION));
	json_object_set_new(root, "cluster", json_string(c->o->cluster.label));
	json_object_set_new(root, "quick", json_boolean(c->o->quick));
	json_object_set_new(labels, "systems", json_string("simulated iteration time in ns (sim backend)"));
	json_object_set_new(labels, "predicted", json_string("predicted iteration time in ns (performance model, planner's estimate)"));
	json_object_set_new(labels, "speedup_vs_best_baseline",
			    json_string("simulated: best temporal-only baseline's iter_ns / mosaic's iter_ns"));
	json_object_set_new(labels, "max_speedup", json_string("simulated"));
	json_object_set_new(labels, "geomean_speedup", json_string("simulated"));
	json_object_set_new(root, "labels", labels);
	for (int w = 0; w < c->o->n_workloads; w++) {
		const struct wlres *r = &c->wl[w];
		json_t *o = json_object(), *sys = json_object(), *pred = json_object();

		json_object_set_new(o, "name", json_string(c->o->workloads[w]));
		for (int s = 0; s < BENCH_N_SYSTEMS; s++) {
			if (!r->sys[s].have)
				continue;
			json_object_set_new(sys, bench_systems[s], json_integer((json_int_t)r->sys[s].sim_ns));
			json_object_set_new(pred, bench_systems[s], json_integer((json_int_t)r->sys[s].pred_ns));
		}
		json_object_set_new(o, "systems", sys);
		json_object_set_new(o, "predicted", pred);
		json_object_set_new(o, "best_baseline",
				    r->best >= 0 ? json_string(bench_systems[r->best]) : json_null());
		json_object_set_new(o, "speedup_vs_best_baseline", jnum(r->speedup));
		json_object_set_new(o, "predicted_speedup_vs_best_baseline", jnum(r->speedup_pred));
		json_array_append_new(wls, o);
	}
	json_object_set_new(root, "workloads", wls);
	json_object_set_new(root, "max_speedup", jnum(c->max_speedup));
	json_object_set_new(root, "max_speedup_workload",
			    c->max_wl >= 0 ? json_string(c->o->workloads[c->max_wl]) : json_null());
	json_object_set_new(root, "geomean_speedup", jnum(c->geo_speedup));
	text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
	json_decref(root);
	if (!text)
		return mo_err_set(err, MO_ENOMEM, "out of memory");
	snprintf(path, sizeof(path), "%s/summary.json", c->dir);
	rc = mo_outfile_open(&f, path, err);
	if (!rc) {
		fprintf(f.fp, "%s\n", text);
		rc = mo_outfile_commit(&f, err);
	}
	free(text);
	if (rc)
		return rc;
	/* the lines `mosaic bench` prints */
	snprintf(path, sizeof(path), "%s/summary.txt", c->dir);
	rc = mo_outfile_open(&f, path, err);
	if (rc)
		return rc;
	fprintf(f.fp, "simulated iteration times (sim backend), ms\n");
	fprintf(f.fp, "%-16s %14s %14s %-10s %9s\n", "workload", "mosaic", "best baseline",
		"baseline", "speedup");
	for (int w = 0; w < c->o->n_workloads; w++) {
		const struct wlres *r = &c->wl[w];
		char b1[32], b2[32];

		fprintf(f.fp, "%-16s %14s %14s %-10s ", c->o->workloads[w],
			fmt_ms(b1, sizeof(b1), r->sys[M].have ? r->sys[M].sim_ns : NAN),
			fmt_ms(b2, sizeof(b2), r->best >= 0 ? r->sys[r->best].sim_ns : NAN),
			r->best >= 0 ? bench_systems[r->best] : "-");
		if (isnan(r->speedup))
			fprintf(f.fp, "%9s\n", "-");
		else
			fprintf(f.fp, "%8.3fx\n", r->speedup);
	}
	if (c->n_speedups)
		fprintf(f.fp, "speedup of mosaic over the best baseline (simulated): max %.3fx (%s), "
			      "geomean %.3fx\n", c->max_speedup, c->o->workloads[c->max_wl], c->geo_speedup);
	else
		fprintf(f.fp, "no speedup: no workload has both a mosaic and a baseline plan\n");
	return mo_outfile_commit(&f, err);
}

/* ------------------------------------------------------------------------ */

static void git_describe(char *buf, size_t size)
{
	FILE *p;

	buf[0] = '\0';
	/* only inside a mosaic checkout: elsewhere git would describe another repository */
	if (access("harness/bench.c", F_OK) != 0 || access(".git", F_OK) != 0) {
		snprintf(buf, size, "not available");
		return;
	}
	p = popen("git describe --always --dirty 2>/dev/null", "r");
	if (p) {
		if (!fgets(buf, (int)size, p))
			buf[0] = '\0';
		pclose(p);
	}
	buf[strcspn(buf, "\n")] = '\0';
	if (!buf[0])
		snprintf(buf, size, "not available");
}

static void failures(struct ctx *c)
{
	const struct bench_table *t = &c->t[BENCH_T_FAILURE];

	md(c, "## What did not run\n\n");
	if (!t->n) {
		md(c, "Every task produced its results.\n");
		return;
	}
	md(c, "These tasks produced no numbers (a planner refused or nothing fit); their cells "
	      "above are '-'.\n\n| workload | experiment | variant | why |\n|---|---|---|---|\n");
	for (int r = 0; r < t->n; r++)
		md(c, "| %s | %s | %s | %s |\n", bench_cell(t, r, "workload"),
		   bench_cell(t, r, "experiment"), bench_cell(t, r, "variant"),
		   bench_cell(t, r, "message"));
}

int bench_report(const struct bench_opts *o, struct bench_table *tables, const char *dir,
		 struct mo_err *err)
{
	struct ctx *c = calloc(1, sizeof(*c));
	char path[4096], when[64], git[128];
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	time_t now = sde ? (time_t)strtoll(sde, NULL, 10) : time(NULL);
	struct tm tm;
	int rc;

	if (!c)
		return mo_err_set(err, MO_ENOMEM, "out of memory");
	c->o = o;
	c->t = tables;
	c->dir = dir;
	collect(c);
	c->have_gnuplot = system("gnuplot --version >/dev/null 2>&1") == 0;
	if (!c->have_gnuplot)
		fprintf(stderr, "mosaic bench: warning: gnuplot not found: figures are written as "
				"scripts only (install gnuplot-nox, then run 'mosaic plot %s')\n", dir);
	snprintf(path, sizeof(path), "%s/report.md", dir);
	rc = mo_outfile_open(&c->md_out, path, err);
	if (rc) {
		free(c);
		return rc;
	}
	c->md = c->md_out.fp;
	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
	git_describe(git, sizeof(git));
	md(c, "# mosaic bench report\n\n"
	      "| | |\n|---|---|\n"
	      "| mosaic | %s (git %s) |\n| date | %s |\n| cluster | %s (%s, %d SMs) |\n"
	      "| run | %s%s |\n| workloads | ",
	   MOSAIC_VERSION, git, when, o->cluster.label, o->cluster.gpu ? o->cluster.gpu->name : "?",
	   o->cluster.gpu ? o->cluster.gpu->sms : 0,
	   o->quick ? "--quick" : "full", o->worsen ? " (SELF-TEST: mosaic replaced by the worst "
						     "baseline's plan)" : "");
	for (int w = 0; w < o->n_workloads; w++)
		md(c, "%s%s", w ? ", " : "", o->workloads[w]);
	md(c, " |\n| systems | ");
	for (int s = 0; s < BENCH_N_SYSTEMS; s++)
		md(c, "%s%s", s ? ", " : "", bench_systems[s]);
	md(c, " |\n| backend | sim (discrete-event simulator); no GPU was used |\n%s\n"
	      "**What the numbers are.** *Simulated*: produced by mosaic's discrete-event GPU "
	      "simulator running the plan (iteration times, utilisation, throughput, timelines). "
	      "*Predicted*: the performance model's estimate, through the planner's cost model. "
	      "Nothing in this report is measured on hardware. Speedups compare simulated "
	      "iteration times and name their baseline.\n\n",
	   c->have_gnuplot ? "" : "\n**gnuplot was not found: the figures below exist only as "
				  "scripts (`*.gp`); install gnuplot-nox and run `mosaic plot DIR` to "
				  "draw them.**\n");
	rc = fig9(c, err);
	if (!rc)
		rc = fig10(c, err);
	if (!rc)
		rc = fig11(c, err);
	if (!rc)
		rc = fig12(c, err);
	if (!rc)
		rc = fig13(c, err);
	if (!rc)
		rc = fig14_scaling(c, err);
	if (!rc)
		rc = fig14_density(c, err);
	if (!rc)
		rc = timelines(c, err);
	if (!rc) {
		failures(c);
		md(c, "\n## Files\n\nRaw tables (one row per result, first column the sweep's task "
		      "index): `iter.csv`, `overhead.csv`, `profile.csv`, `predictor.csv`, `search.csv`, "
		      "`timeline.csv`, `failures.csv`. Figure data: `fig*.csv`, `timeline_*.csv`. "
		      "Scripts: `*.gp`. Summary: `summary.json`.\n");
		rc = mo_outfile_commit(&c->md_out, err);
	} else {
		mo_outfile_abort(&c->md_out);
	}
	if (!rc)
		rc = summary(c, err);
	free(c);
	return rc;
}
