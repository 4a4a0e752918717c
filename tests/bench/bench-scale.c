/*
 * bench-scale.c - how mosaic's own time grows with the cluster (issue 18):
 * `mosaic plan` (planner mosaic, finalists checked in the simulator, as the
 * command runs by default) and one simulated iteration of the plan, for
 * qwen3-vl and ofasys at 8, 64, 1024, 8192 and 65536 GPUs, with the bundled
 * batch and with the batch growing with the cluster (x N / 8, so every GPU
 * keeps work), then every bundled workload at 1024 GPUs (bundled batch).
 * Before the series, megatron's plans of qwen3-vl (batch x N / 8) at 64,
 * 1024 and 8192 GPUs, run with every replica simulated and with identical
 * blocks simulated once (engine_replicas_find): CPU time and events of
 * each, and whether the two agree.
 * Prints wall times and CPU times (user + system, the finalist check's child
 * processes included: the machine is shared, wall time depends on its load)
 * measured on this machine and, per series, the exponent b of wall time ~
 * N^b fitted by least squares on log-log over the sizes that planned.  Sizes above PLAN_MAX_GPUS are refused up front by the
 * planner (the message says why); the bench prints the refusal.  Asserts
 * nothing.  Run from the repository root (make bench-self).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#include "engine/engine.h"
#include "harness/sim-check.h"
#include "planner/planner.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* CPU seconds (user + system) of this process and of its waited-for children. */
static double cpu_s(void)
{
	struct rusage self, kids;

	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_CHILDREN, &kids);
	return self.ru_utime.tv_sec + self.ru_stime.tv_sec + kids.ru_utime.tv_sec + kids.ru_stime.tv_sec +
	       (self.ru_utime.tv_usec + self.ru_stime.tv_usec + kids.ru_utime.tv_usec +
		kids.ru_stime.tv_usec) / 1e6;
}

/* The exponent b of y ~ x^b by least squares on (log x, log y), n >= 2. */
static double fit_exponent(const double *x, const double *y, int n)
{
	double sx = 0, sy = 0, sxx = 0, sxy = 0;

	for (int i = 0; i < n; i++) {
		double lx = log(x[i]), ly = log(y[i]);

		sx += lx;
		sy += ly;
		sxx += lx * lx;
		sxy += lx * ly;
	}
	return (n * sxy - sx * sy) / (n * sxx - sx * sx);
}

/* Plan and run w on n GPUs; *plan_s and *run_s receive the wall times.
 * Returns 0, 1 when the planner refused (printed), -1 on another error. */
static int plan_and_run(const struct workload *w, const struct model_gpu *g, int n, double *plan_s,
			double *run_s)
{
	struct sim_check sc = {w, NULL, NULL};
	struct plan_checker chk;
	struct plan *p = NULL;
	struct engine_run_result r;
	struct mo_err err;
	double t0 = now_s(), c0 = cpu_s(), plan_cpu, run_cpu;
	int rc;

	mo_err_clear(&err);
	sim_check_init(&chk, &sc);
	rc = plan_make_checked(w, g, n, "mosaic", &chk, &p, NULL, &err);
	*plan_s = now_s() - t0;
	plan_cpu = cpu_s() - c0;
	if (rc) {
		printf("%-12s %6d %7d   refused after %.3f s: %s\n", w->name, n, w->batch, *plan_s, err.msg);
		return rc == -MO_EUSAGE ? 1 : -1;
	}
	t0 = now_s();
	c0 = cpu_s();
	rc = engine_run(p, w, NULL, &r, &err);
	*run_s = now_s() - t0;
	run_cpu = cpu_s() - c0;
	if (rc) {
		printf("%-12s %6d %7d   run failed: %s\n", w->name, n, w->batch, err.msg);
		plan_free(p);
		return -1;
	}
	printf("%-12s %6d %7d %8.3f %8.3f %8.3f %8.3f %14.3f %12llu\n", w->name, n, w->batch, *plan_s,
	       plan_cpu, *run_s, run_cpu, r.iter_ns / 1e6, (unsigned long long)r.events);
	engine_run_result_release(&r);
	plan_free(p);
	return 0;
}

/* The workload of spec and its GPU; NULL (said) when either is missing. */
static struct workload *load(const char *spec, const struct model_gpu **g)
{
	struct workload *w = NULL;
	struct mo_err err;

	mo_err_clear(&err);
	if (workload_load(spec, &w, &err) < 0 || !(*g = model_gpu_find(w->gpu[0] ? w->gpu : "h100", &err))) {
		printf("skipped %s: %s\n", spec, err.msg);
		workload_free(w);
		return NULL;
	}
	return w;
}

static void series(const char *spec, int grow)
{
	static const int sizes[] = {8, 64, 1024, 8192, 65536};
	double xs[5], plan_t[5], run_t[5];
	const struct model_gpu *g;
	struct workload *w = load(spec, &g);
	int batch0, k = 0;

	if (!w)
		return;
	batch0 = w->batch;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		int n = sizes[i];

		w->batch = grow && n > 8 ? batch0 * (n / 8) : batch0;
		if (plan_and_run(w, g, n, &plan_t[k], &run_t[k]) == 0)
			xs[k++] = n;
	}
	if (k >= 2)
		printf("%-12s %s batch: plan wall time ~ N^%.2f, run ~ N^%.2f (fitted on %d sizes, %g..%g GPUs)\n",
		       w->name, grow ? "growing" : "bundled", fit_exponent(xs, plan_t, k),
		       fit_exponent(xs, run_t, k), k, xs[0], xs[k - 1]);
	workload_free(w);
}

/* Every bundled workload at 1024 GPUs with its bundled batch. */
static void all_at_1024(void)
{
	static const char *const specs[] = {"clip", "llava-1.5-7b", "qwen3-vl", "unified-io-2", "ofasys",
					    "imagebind"};

	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		char path[128];
		const struct model_gpu *g;
		struct workload *w;
		double plan_s, run_s;

		snprintf(path, sizeof(path), "workloads/%s.json", specs[i]);
		if ((w = load(path, &g)) != NULL)
			plan_and_run(w, g, 1024, &plan_s, &run_s);
		workload_free(w);
	}
}

/* One simulated iteration of p, every replica (full) or identical blocks
 * once; *cpu its CPU seconds.  0, or -1 (said). */
static int run_timed(const struct plan *p, const struct workload *w, int full,
		     struct engine_run_result *r, double *cpu)
{
	struct engine_run_opts o;
	struct mo_err err;
	double c0 = cpu_s();

	engine_run_opts_init(&o);
	o.replicas_full = full;
	if (engine_run(p, w, &o, r, &err) < 0) {
		printf("%-12s run failed: %s\n", w->name, err.msg);
		return -1;
	}
	*cpu = cpu_s() - c0;
	return 0;
}

/* Identical replicas simulated once against every replica simulated:
 * megatron's plans of qwen3-vl, the batch growing with the cluster (its
 * pipelines repeat in blocks of whole nodes; mosaic's plans of the series
 * below give modules different replica counts, so their microbatches cross
 * blocks and they are simulated in full). */
static void replicas_once(void)
{
	static const int sizes[] = {64, 1024, 8192};
	const struct model_gpu *g;
	struct workload *w = load("workloads/qwen3-vl.json", &g);
	int batch0;

	if (!w)
		return;
	batch0 = w->batch;
	printf("identical replicas simulated once vs every replica (megatron, qwen3-vl, batch x N/8; "
	       "CPU s measured, iteration simulated)\n");
	printf("%-12s %6s %7s %9s %12s %9s %12s %8s  %s\n", "workload", "gpus", "batch", "full_cpu",
	       "full_events", "once_cpu", "once_events", "same", "replicas");
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct engine_run_result full = {0}, once = {0};
		struct plan *p = NULL;
		struct mo_err err;
		double tf, to;

		w->batch = batch0 * (sizes[i] / 8);
		if (plan_make(w, g, sizes[i], "megatron", &p, NULL, &err) < 0) {
			printf("%-12s %6d plan failed: %s\n", w->name, sizes[i], err.msg);
			continue;
		}
		if (run_timed(p, w, 1, &full, &tf) == 0 && run_timed(p, w, 0, &once, &to) == 0) {
			printf("%-12s %6d %7d %9.3f %12llu %9.3f %12llu %8s  %s\n", w->name, sizes[i],
			       w->batch, tf, (unsigned long long)full.events, to,
			       (unsigned long long)once.events,
			       full.iter_ns == once.iter_ns && full.sm_util == once.sm_util ? "yes" : "NO",
			       once.replicas);
		}
		engine_run_result_release(&once);
		engine_run_result_release(&full);
		plan_free(p);
	}
	workload_free(w);
}

int main(void)
{
	printf("mosaic's own time against the cluster size (measured wall and CPU time on this machine; "
	       "iteration times simulated); PLAN_MAX_GPUS %d\n", PLAN_MAX_GPUS);
	printf("%-12s %6s %7s %8s %8s %8s %8s %14s %12s\n", "workload", "gpus", "batch", "plan_s",
	       "plan_cpu", "run_s", "run_cpu", "sim_iter_ms", "sim_events");
	all_at_1024();
	replicas_once();
	for (int grow = 0; grow < 2; grow++) {
		series("workloads/qwen3-vl.json", grow);
		series("workloads/ofasys.json", grow);
	}
	return 0;
}
