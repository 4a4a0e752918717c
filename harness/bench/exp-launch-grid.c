/*
 * exp-launch-grid.c - the operating point (issue 13): mosaic against the
 * best temporal-only baseline over a grid of microbatch size x launch mode,
 * the paper's fixed-microbatch comparison beside Fig. 9's best-of-microbatch
 * one.  Whether colocation pays depends on who feeds the GPU: a small
 * module in eager PyTorch mostly waits for its host, so a second module
 * beside it fills idle SMs, unless one Python thread issues every module of
 * the GPU; CUDA graphs remove most of that host time from both sides.
 *
 * Launch modes (model.h, "the host"):
 *   eager-per-gpu        eager PyTorch, one issuing thread per GPU
 *                        (MODEL_HOST_PER_GPU: one process, its GIL);
 *   eager-per-partition  eager PyTorch, one thread (process, under MPS)
 *                        per partition slot (MODEL_HOST_PER_SLOT);
 *   graphs               CUDA graphs, one graph launch per task
 *                        (MODEL_LAUNCH_GRAPHS, a thread per slot).
 * Every system runs under the same mode at a point, so the baselines are
 * as fair as mosaic: a temporal-only baseline gets graphs too.
 *
 * A point keeps the spec's number of microbatches per iteration (batch /
 * microbatch) and sets the microbatch size, so the global batch is
 * size x that count: every point simulates the same number of microbatch
 * runs (a size of 1 at the spec's global batch of 2048 would be 2048 of
 * them), and the speedup is one of throughput at that microbatch size.
 * Baselines' plans are chosen by the cost model alone (plan_search at that
 * size), then simulated.  mosaic's gets `plan`'s simulated finalist check at
 * that one size (plan_make_checked's also tries neighbouring sizes, which a
 * grid point must not): its plan and every baseline's are simulated and the
 * fastest kept, so mosaic is never slower than a baseline it could have
 * chosen (before the check: 0.77-0.81x at some per-GPU points, the cost
 * model's pick).  The plain-streams baseline ("streams") separates
 * colocation gains from hiding the host: each baseline's plan simulated with
 * the slots of a GPU's one partition run as concurrent CUDA streams on all
 * its SMs (engine_cluster.share_streams: no exclusive group, kernels share
 * SMs block by block), the fastest of the four kept; a GPU holding one
 * module is unchanged.  Its cost model is the temporal plan's (the
 * planners do not weigh streams), so it is a baseline, not a planner.
 *
 * MFU: the workload's model FLOPs (forward and backward of every module,
 * workload_flops; no optimizer, no recomputation) per simulated second over
 * the GPUs' dense peak at the workload's dtype (model_gpu_peak_tflops):
 * simulated, beside the simulated held-SM utilisation.
 */
#include "harness/bench/experiment.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *name;
	int issue, launch;
} modes[] = {
	{"eager-per-gpu", MODEL_HOST_PER_GPU, MODEL_LAUNCH_EAGER},
	{"eager-per-partition", MODEL_HOST_PER_SLOT, MODEL_LAUNCH_EAGER},
	{"graphs", MODEL_HOST_PER_SLOT, MODEL_LAUNCH_GRAPHS},
};
#define N_MODES ((int)(sizeof(modes) / sizeof(modes[0])))

/* The grid's systems: bench_systems (the temporal-only baselines, then
 * mosaic), then "streams": the baselines' plans with the slots of a GPU's
 * partition run as concurrent CUDA streams (engine_cluster.share_streams),
 * the fastest simulated of the four kept. */
#define N_SYS (BENCH_N_SYSTEMS + 1)
#define MOSAIC (BENCH_N_SYSTEMS - 1)
#define STREAMS BENCH_N_SYSTEMS

static const char *sys_name(int k)
{
	return k == STREAMS ? "streams" : bench_systems[k];
}

static int sys_index(const char *name)
{
	return !strcmp(name, "streams") ? STREAMS : bench_sys_index(name);
}

/* Microbatch sizes of the grid: the full sweep's, and --quick's. */
static const int full_sizes[] = {1, 2, 4, 8, 16}, quick_sizes[] = {1, 4};
#define MAX_SIZES 5

static int sizes(const struct bench_opts *o, const int **v)
{
	*v = o->quick ? quick_sizes : full_sizes;
	return o->quick ? (int)(sizeof(quick_sizes) / sizeof(int))
			: (int)(sizeof(full_sizes) / sizeof(int));
}

/* A task's variant: (mode x sizes + size) x N_SYS + system. */
static void decode(const struct bench_opts *o, int variant, int *mode, int *size, int *sys)
{
	const int *v;
	int ns = sizes(o, &v);

	*sys = variant % N_SYS;
	*size = v[variant / N_SYS % ns];
	*mode = variant / N_SYS / ns;
}

static int tasks(const struct bench_opts *o, struct bench_task_list *l)
{
	const int *v;
	int n = N_MODES * sizes(o, &v) * N_SYS, rc = 0;

	for (int w = 0; w < o->n_workloads && !rc; w++)
		for (int k = 0; k < n && !rc; k++)
			rc = bench_task_push(l, w, k, o->cluster.n_gpus);
	return rc;
}

/* "graphs mb16 mosaic" (a static buffer: labels are copied at once). */
static const char *variant(const struct bench_opts *o, const struct bench_task *t)
{
	static char buf[96];
	int mode, size, sys;

	decode(o, t->variant, &mode, &size, &sys);
	snprintf(buf, sizeof(buf), "%s mb%d %s", modes[mode].name, size, sys_name(sys));
	return buf;
}

/* Model FLOPs of one iteration of w: forward and backward of every sample. */
static double iteration_flops(const struct workload *w)
{
	double f = 0;

	for (int m = 0; m < w->n_modules; m++)
		f += (double)workload_flops(w, m, 0, w->modules[m].layers, WORKLOAD_FWD) +
		     (double)workload_flops(w, m, 0, w->modules[m].layers, WORKLOAD_BWD);
	return f * w->batch;
}

/* w at the grid point: microbatch size, the spec's microbatch count, mode. */
static void grid_point(struct workload *w, int mode, int size)
{
	int count = workload_microbatches(w);

	w->microbatch = size;
	w->batch = size * count;
	w->host_issue = modes[mode].issue;
	w->launch_mode = modes[mode].launch;
}

/* Plan w at its microbatch size with system by the cost model; validated. */
static int plan_point(const struct bench_opts *o, const struct workload *w, int gpus,
		      const char *system, struct plan **out, struct mo_err *err)
{
	struct plan_problem *pb = NULL;
	int rc = plan_problem_new(w, o->cluster.gpu, gpus, w->microbatch, &pb, err);

	*out = NULL;
	if (!rc)
		rc = plan_search(pb, system, out, err);
	if (!rc)
		rc = plan_validate(*out, w, o->cluster.gpu, err);
	if (rc) {
		plan_free(*out);
		*out = NULL;
	}
	plan_problem_free(pb);
	return rc;
}

/* Plan w with system at its grid point and simulate the plan on c. */
static int plan_and_run(const struct bench_opts *o, const struct workload *w, int gpus,
			const char *system, const struct engine_cluster *c, struct plan **p,
			struct engine_run_result *res, struct mo_err *err)
{
	int rc = plan_point(o, w, gpus, system, p, err);

	memset(res, 0, sizeof(*res));
	if (!rc)
		rc = bench_run_plan(*p, w, c, NULL, res, err);
	return rc;
}

/*
 * The fastest simulated on c of system first's plan at w's grid point
 * (first >= 0; its failure is the task's) and of every baseline's (each
 * left out when it cannot plan there, bench_soft; any other failure is the
 * task's); the first on a tie.  For
 * mosaic this is `plan`'s simulated finalist check at that one size, so
 * mosaic is never slower than a temporal-only plan it could have chosen
 * under the same mode.  Fails as the last baseline did when nothing ran.
 */
static int fastest(const struct bench_opts *o, const struct workload *w, int gpus,
		   const struct engine_cluster *c, int first, struct plan **p,
		   struct engine_run_result *res, struct mo_err *err)
{
	int rc, have = first >= 0, fail = 0;

	memset(res, 0, sizeof(*res));
	rc = have ? plan_and_run(o, w, gpus, bench_systems[first], c, p, res, err) : 0;

	for (int k = 0; k < BENCH_N_SYSTEMS - 1 && !rc; k++) {
		struct engine_run_result r;
		struct plan *q = NULL;
		struct mo_err e;
		int x;

		mo_err_clear(&e);
		x = plan_and_run(o, w, gpus, bench_systems[k], c, &q, &r, &e);
		if (!x && r.iter_ns > 0 && (!have || r.iter_ns < res->iter_ns)) {
			if (have) {
				engine_run_result_release(res);
				plan_free(*p);
			}
			*res = r, *p = q, have = 1;
			continue;
		}
		if (x && (!have || !bench_soft(x)))
			*err = e, fail = x;
		if (x && !bench_soft(x))
			rc = x;
		engine_run_result_release(&r);
		plan_free(q);
	}
	return rc ? rc : have ? 0 : fail;
}

static int run(const struct bench_opts *o, const struct bench_task *t, int index,
	       struct workload *w, struct bench_table *tables, struct mo_err *err)
{
	struct engine_run_result res;
	struct engine_cluster c;
	struct plan *p = NULL;
	char label[128];
	struct mo_err e;
	double peak, mfu;
	int mode, size, sys, rc, parts, col;

	decode(o, t->variant, &mode, &size, &sys);
	snprintf(label, sizeof(label), "%s x%d", variant(o, t), t->gpus);
	grid_point(w, mode, size);
	mo_err_clear(&e);
	bench_cluster_for(o, w, t->gpus, &c);
	c.share_streams = sys == STREAMS;
	if (sys < MOSAIC)
		rc = plan_and_run(o, w, t->gpus, bench_systems[sys], &c, &p, &res, &e);
	else
		rc = fastest(o, w, t->gpus, &c, sys == MOSAIC ? MOSAIC : -1, &p, &res, &e);
	if (rc) {
		engine_run_result_release(&res);
		plan_free(p);
		return bench_fail(rc, tables, index, w->name, "grid", label, &e, err);
	}
	parts = bench_plan_partitions(p, &col);
	peak = model_gpu_peak_tflops(o->cluster.gpu, w->dtype, NULL) * 1e12 * t->gpus;
	mfu = res.iter_ns > 0 && peak > 0 ? 100.0 * iteration_flops(w) / (res.iter_ns * 1e-9) / peak : 0;
	rc = bench_add_row(&tables[BENCH_T_GRID], index, err, "%s,%s,%d,%d,%s,%d,%d,%lld,%lld,%.3f,%.2f,%.2f",
			   w->name, modes[mode].name, size, w->batch, sys_name(sys), parts, col,
			   (long long)p->predicted_iter_ns, (long long)res.iter_ns,
			   res.iter_ns > 0 ? w->batch / (res.iter_ns * 1e-9) : 0.0, 100.0 * res.sm_util,
			   mfu);
	engine_run_result_release(&res);
	plan_free(p);
	return rc;
}

/* ------------------------------------------------------------------------ */
/* The report                                                               */
/* ------------------------------------------------------------------------ */

/* One system's simulated result at one point. */
struct cell {
	int have;
	double sps, util, mfu;
	int colocated;
};

/* The grid's rows gathered: [workload][mode][size][system]. */
struct grid {
	int nsizes;
	const int *size;
	struct cell (*c)[N_MODES][MAX_SIZES][N_SYS];
};

static int size_index(const struct grid *g, int size)
{
	for (int i = 0; i < g->nsizes; i++)
		if (g->size[i] == size)
			return i;
	return -1;
}

static int gather(struct bench_report *r, struct grid *g)
{
	const struct bench_table *t = &r->t[BENCH_T_GRID];

	g->nsizes = sizes(r->o, &g->size);
	g->c = calloc((size_t)r->o->n_workloads, sizeof(*g->c));
	if (!g->c)
		return -MO_ENOMEM;
	for (int i = 0; i < t->n; i++) {
		int w = bench_wl_index(r->o, bench_cell(t, i, "workload"));
		int s = sys_index(bench_cell(t, i, "system"));
		int k = size_index(g, (int)bench_cell_num(t, i, "microbatch_size")), m;

		for (m = 0; m < N_MODES && strcmp(modes[m].name, bench_cell(t, i, "mode")); m++)
			;
		if (w < 0 || s < 0 || k < 0 || m == N_MODES)
			continue;
		g->c[w][m][k][s] = (struct cell){1, bench_cell_num(t, i, "simulated_samples_per_s"),
						 bench_cell_num(t, i, "simulated_util_pct"),
						 bench_cell_num(t, i, "simulated_mfu_pct"),
						 (int)bench_cell_num(t, i, "colocated_gpus")};
	}
	return 0;
}

/* The best baseline (highest simulated throughput) at a point, -1 when none. */
static int best_baseline(const struct cell *s)
{
	int best = -1;

	for (int k = 0; k < BENCH_N_SYSTEMS - 1; k++)
		if (s[k].have && s[k].sps > 0 && (best < 0 || s[k].sps > s[best].sps))
			best = k;
	return best;
}

/* mosaic's throughput over the best baseline's at a point; NaN when either is missing. */
static double speedup(const struct cell *s, int *best)
{
	const struct cell *m = &s[BENCH_N_SYSTEMS - 1];

	*best = best_baseline(s);
	return *best >= 0 && m->have && m->sps > 0 ? m->sps / s[*best].sps : NAN;
}

/* mosaic's throughput over the plain-streams baseline's; NaN when either is missing. */
static double over_streams(const struct cell *s)
{
	return s[MOSAIC].have && s[STREAMS].have && s[STREAMS].sps > 0 && s[MOSAIC].sps > 0
		       ? s[MOSAIC].sps / s[STREAMS].sps : NAN;
}

/* Geometric mean and maximum over workloads at (mode, size) of mosaic's
 * speedup over the best baseline, or over plain streams (vs_streams). */
static void summary(const struct bench_report *r, const struct grid *g, int m, int k,
		    int vs_streams, double *geo, double *max, int *n)
{
	double logsum = 0;
	int best;

	*max = NAN;
	*n = 0;
	for (int w = 0; w < r->o->n_workloads; w++) {
		double x = vs_streams ? over_streams(g->c[w][m][k]) : speedup(g->c[w][m][k], &best);

		if (isnan(x))
			continue;
		logsum += log(x);
		*max = isnan(*max) || x > *max ? x : *max;
		(*n)++;
	}
	*geo = *n ? exp(logsum / *n) : NAN;
}

/* launch_grid.csv: one row per workload, mode and size. */
static int write_csv(struct bench_report *r, const struct grid *g, struct mo_err *err)
{
	const int M = BENCH_N_SYSTEMS - 1;
	struct bench_csv f;
	int rc = bench_csv_open(&f, r->dir, "launch_grid.csv", err), best;

	if (rc)
		return rc;
	fprintf(f.fp, "workload,mode,microbatch_size,best_baseline,best_baseline_simulated_samples_per_s,"
		      "mosaic_simulated_samples_per_s,simulated_speedup,mosaic_colocated_gpus,"
		      "best_baseline_simulated_util_pct,best_baseline_simulated_mfu_pct,"
		      "mosaic_simulated_util_pct,mosaic_simulated_mfu_pct,"
		      "streams_simulated_samples_per_s,simulated_speedup_vs_streams\n");
	for (int w = 0; w < r->o->n_workloads; w++)
		for (int m = 0; m < N_MODES; m++)
			for (int k = 0; k < g->nsizes; k++) {
				const struct cell *s = g->c[w][m][k];
				double x = speedup(s, &best);
				const struct cell *b = best >= 0 ? &s[best] : NULL;

				fprintf(f.fp, "%s,%s,%d,%s", r->o->workloads[w], modes[m].name, g->size[k],
					b ? bench_systems[best] : "");
				bench_csv_num(f.fp, b ? b->sps : NAN, "%.3f");
				bench_csv_num(f.fp, s[M].have ? s[M].sps : NAN, "%.3f");
				bench_csv_num(f.fp, x, "%.4f");
				fprintf(f.fp, s[M].have ? ",%d" : ",", s[M].colocated);
				bench_csv_num(f.fp, b ? b->util : NAN, "%.2f");
				bench_csv_num(f.fp, b ? b->mfu : NAN, "%.2f");
				bench_csv_num(f.fp, s[M].have ? s[M].util : NAN, "%.2f");
				bench_csv_num(f.fp, s[M].have ? s[M].mfu : NAN, "%.2f");
				bench_csv_num(f.fp, s[STREAMS].have ? s[STREAMS].sps : NAN, "%.3f");
				bench_csv_num(f.fp, over_streams(s), "%.4f");
				fputc('\n', f.fp);
			}
	return bench_csv_close(&f, err);
}

static const struct bench_figure figure = {
	"launch_grid", 1000, 520,
	"mosaic over the best temporal-only baseline, same launch mode (simulated, geometric mean)",
	"microbatch size", "mosaic's samples/s / best baseline's (simulated)",
	"Geometric mean over the workloads of mosaic's simulated throughput over the best "
	"temporal-only baseline's, every system under the same launch mode at the same microbatch "
	"size (dashed line = 1; above is faster), one bar per launch mode, labelled with its value."};

/* launch_grid_geomean.csv (one row per size, a column per mode) and its bars. */
static int draw(struct bench_report *r, const struct grid *g, struct mo_err *err)
{
	const char *titles[N_MODES], *colors[N_MODES];
	struct bench_csv f;
	struct plot p;
	FILE *gp;
	int rc = bench_csv_open(&f, r->dir, "launch_grid_geomean.csv", err), n;
	double geo, max;

	if (rc)
		return rc;
	fprintf(f.fp, "microbatch_size");
	for (int m = 0; m < N_MODES; m++)
		fprintf(f.fp, ",%s", modes[m].name);
	for (int m = 0; m < N_MODES; m++)
		fprintf(f.fp, ",%s_label", modes[m].name);
	fputc('\n', f.fp);
	for (int k = 0; k < g->nsizes; k++) {
		fprintf(f.fp, "%d", g->size[k]);
		for (int m = 0; m < N_MODES; m++) {
			summary(r, g, m, k, 0, &geo, &max, &n);
			bench_csv_num(f.fp, geo, "%.4f");
		}
		for (int m = 0; m < N_MODES; m++) {
			summary(r, g, m, k, 0, &geo, &max, &n);
			fprintf(f.fp, isnan(geo) ? "," : ",%.2fx", geo);
		}
		fputc('\n', f.fp);
	}
	for (int m = 0; m < N_MODES; m++)
		titles[m] = modes[m].name, colors[m] = bench_palette[m % bench_n_palette];
	if ((rc = bench_figure_open(r, &f, &figure, &p, &gp, err)))
		return rc;
	bench_gp_bars(gp, g->nsizes, "[0:*]", 0.12, 1);
	bench_gp_bar_series(gp, "launch_grid_geomean.csv", 2, N_MODES, titles, colors);
	bench_gp_bar_labels(gp, 2, 2 + N_MODES, N_MODES);
	fputc('\n', gp);
	return bench_figure_close(r, &p, err);
}

/* Per workload and mode, a row of speedups over the sizes, then mosaic's
 * held-SM utilisation and MFU at each size. */
static void md_table(struct bench_report *r, const struct grid *g)
{
	const int M = BENCH_N_SYSTEMS - 1;
	int best;

	bench_md(r, "| workload | launch mode |");
	for (int k = 0; k < g->nsizes; k++)
		bench_md(r, " mb %d: speedup (best baseline) |", g->size[k]);
	for (int k = 0; k < g->nsizes; k++)
		bench_md(r, " mb %d: util / MFU %% mosaic (baseline) |", g->size[k]);
	bench_md(r, "\n|---|---|");
	for (int k = 0; k < 2 * g->nsizes; k++)
		bench_md(r, "---:|");
	bench_md(r, "\n");
	for (int w = 0; w < r->o->n_workloads; w++)
		for (int m = 0; m < N_MODES; m++) {
			bench_md(r, "| %s | %s |", r->o->workloads[w], modes[m].name);
			for (int k = 0; k < g->nsizes; k++) {
				double x = speedup(g->c[w][m][k], &best);

				if (isnan(x))
					bench_md(r, " - |");
				else
					bench_md(r, " %.2fx (%s) |", x, bench_systems[best]);
			}
			for (int k = 0; k < g->nsizes; k++) {
				const struct cell *s = g->c[w][m][k];

				speedup(s, &best);
				if (!s[M].have || best < 0)
					bench_md(r, " - |");
				else
					bench_md(r, " %.0f / %.1f (%.0f / %.1f) |", s[M].util, s[M].mfu,
						 s[best].util, s[best].mfu);
			}
			bench_md(r, "\n");
		}
}

/* Where colocation wins: per mode, the geometric mean and maximum at each size. */
static void md_where(struct bench_report *r, const struct grid *g)
{
	static const char *const heads[2] = {
		"\n**Where colocation wins (simulated), over the best temporal-only baseline:**",
		"\n\n**Over plain streams (simulated): the baselines' plans with each GPU's modules "
		"as concurrent streams on all its SMs, so what is left is colocation, not hiding "
		"the host:**"};
	double geo, max;
	int n;

	for (int v = 0; v < 2; v++) {
		bench_md(r, "%s", heads[v]);
		for (int m = 0; m < N_MODES; m++) {
			bench_md(r, " %s:", modes[m].name);
			for (int k = 0; k < g->nsizes; k++) {
				const char *end = k + 1 < g->nsizes ? ";" : ".";

				summary(r, g, m, k, v, &geo, &max, &n);
				if (n)
					bench_md(r, " mb %d geomean %.2fx, max %.2fx over %d%s", g->size[k],
						 geo, max, n, end);
				else
					bench_md(r, " mb %d -%s", g->size[k], end);
			}
		}
	}
	bench_md(r, "\n");
}

/* The section's heading and how its table was made. */
static void md_intro(struct bench_report *r)
{
	bench_md(r, "## Launch modes: speedup by microbatch size\n\n"
		    "Each workload at each microbatch size (the spec's number of microbatches "
		    "per iteration, so the global batch is size x that count) planned by every "
		    "system by the cost model (mosaic's plan checked in the simulator against "
		    "every baseline's at that size, the fastest kept), every system under the "
		    "same launch mode, "
		    "each plan simulated for one iteration on %s. **speedup** = mosaic's "
		    "simulated samples/s over the best temporal-only baseline's (named); "
		    "**util** = held-SM utilisation, **MFU** = model FLOPs (forward + backward) "
		    "per second over the GPUs' dense peak, both simulated, for mosaic and (in "
		    "brackets) that baseline. Modes: eager-per-gpu (one Python thread issues "
		    "every module of a GPU), eager-per-partition (one thread or MPS process per "
		    "partition), graphs (CUDA graphs, a thread per partition). **streams**: "
		    "the baselines' plans simulated with the modules a GPU holds run as "
		    "concurrent CUDA streams sharing all its SMs (no partitions), the fastest "
		    "of the four kept.\n\n",
		 r->o->cluster.label);
}

static int report(struct bench_report *r, struct mo_err *err)
{
	struct grid g = {0};
	int rc = gather(r, &g);

	if (rc)
		return mo_err_set(err, MO_ENOMEM, "launch grid: out of memory");
	rc = write_csv(r, &g, err);
	rc = rc ? rc : draw(r, &g, err);
	if (!rc) {
		md_intro(r);
		md_table(r, &g);
		md_where(r, &g);
		bench_md_figure(r, &figure);
	}
	free(g.c);
	return rc;
}

const struct bench_experiment bench_exp_launch_grid = {
	.name = "launch modes by microbatch size",
	.tag = "grid",
	.suites = BENCH_IN_FULL,
	.tasks = tasks,
	.variant = variant,
	.label_gpus = 1,
	.run = run,
	.report = report,
};
