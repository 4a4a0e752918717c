/*
 * bench-engine.c - the simulator's own speed (measured on this machine, wall
 * and CPU time of this process; on a loaded machine the CPU time is the
 * figure to compare): simulated kernel events per second, and the time of
 * one simulated iteration of an 8-GPU Qwen3-VL plan (target < 2 s wall) and
 * of a 1024-GPU plan (target < 60 s wall).  Plans are made by the planner in
 * code.  Run from the repository root (make bench-self).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/engine.h"
#include "planner/planner.h"
#include "workloads/workloads.h"
#include "tests/common/replay-files.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Synthetic load: 8 GPUs, 4 partitions each, 2 streams per partition, every
 * stream a chain of operations of 1-4 kernels of mixed shapes, every 7th
 * operation waiting for one on another stream. */
static int bench_events(void)
{
	const struct model_gpu *g = model_gpu_find("h100", NULL);
	struct engine_cluster c;
	struct engine_sim *s;
	struct engine_sim_stats st;
	struct engine_kernel k[4];
	struct mo_err err;
	int streams[64], n_streams = 0;
	int64_t last[64];
	uint64_t x = 12345;
	const int ops = 400000;
	double t0, t1, c0, c1;

	if (!g) {
		fprintf(stderr, "bench-engine: no h100 spec\n");
		return 1;
	}
	memset(k, 0, sizeof(k));
	for (int i = 0; i < 4; i++) {
		k[i].blocks = 64 + 200 * i;
		k[i].blocks_per_sm = 1 + i % 2;
		k[i].wave_ns = 3000 + 1000 * i;
		k[i].bytes = i % 2 ? 4e6 : 1e5;
		k[i].gap_ns = 1000;
	}
	engine_cluster_init(&c, g, 8);
	s = engine_sim_new(&c, &err);
	for (int gi = 0; gi < 8; gi++)
		for (int p = 0; p < 4; p++) {
			engine_sim_add_partition(s, gi, 32, &err);
			for (int j = 0; j < 2; j++) {
				last[n_streams] = -1;
				streams[n_streams++] = engine_sim_add_stream(s, gi, p, &err);
			}
		}
	for (int i = 0; i < ops; i++) {
		int sid, other;
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		sid = (int)((x >> 33) % (uint64_t)n_streams);
		other = (sid + 1 + (int)((x >> 20) % 7)) % n_streams;
		int64_t dep = i % 7 == 0 ? last[other] : -1;
		last[sid] = engine_sim_add_kernels(s, streams[sid], k, 1 + (size_t)((x >> 40) % 4), NULL,
						   dep >= 0 ? &dep : NULL, dep >= 0, &err);
		if (last[sid] < 0) {
			fprintf(stderr, "bench-engine: %s\n", err.msg);
			return 1;
		}
	}
	t0 = now_s();
	c0 = cpu_s();
	if (engine_sim_run(s, NULL, &err) < 0) {
		fprintf(stderr, "bench-engine: %s\n", err.msg);
		return 1;
	}
	c1 = cpu_s();
	t1 = now_s();
	engine_sim_stats(s, &st);
	printf("simulator: %llu kernels, %llu events in %.3f s wall, %.3f s CPU: %.2f M kernels/s, "
	       "%.2f M events/s wall, %.2f M events/s CPU (measured; simulated span %.1f ms)\n",
	       (unsigned long long)st.kernels, (unsigned long long)st.events, t1 - t0, c1 - c0,
	       st.kernels / (t1 - t0) / 1e6, st.events / (t1 - t0) / 1e6, st.events / (c1 - c0) / 1e6,
	       st.span_ns / 1e6);
	engine_sim_free(s);
	return 0;
}

static int bench_plan(const char *spec, int gpus, int batch_scale, const char *planner, double target_s)
{
	struct workload *w = NULL;
	struct plan *p = NULL;
	struct engine_run_result r;
	const struct model_gpu *g;
	struct mo_err err;
	double t0, t1, c0, best = 1e30, best_cpu = 1e30;
	int rc = 1;

	if (workload_load(spec, &w, &err) < 0) {
		printf("skipped %s: %s\n", spec, err.msg);
		return 0;
	}
	w->batch *= batch_scale;
	g = model_gpu_find(w->gpu[0] ? w->gpu : "h100", &err);
	t0 = now_s();
	if (!g || plan_make(w, g, gpus, planner, &p, NULL, &err) < 0) {
		fprintf(stderr, "bench-engine: planning %s on %d GPUs: %s\n", w->name, gpus, err.msg);
		goto out;
	}
	t1 = now_s();
	printf("plan: %s %s on %d GPUs (batch %d, %d microbatches of %d): planned in %.2f s\n", planner,
	       w->name, gpus, w->batch, p->microbatches, p->microbatch_size, t1 - t0);
	for (int rep = 0; rep < 3; rep++) {
		t0 = now_s();
		c0 = cpu_s();
		if (engine_run(p, w, NULL, &r, &err) < 0) {
			fprintf(stderr, "bench-engine: run: %s\n", err.msg);
			goto out;
		}
		if (cpu_s() - c0 < best_cpu)
			best_cpu = cpu_s() - c0;
		t1 = now_s();
		if (t1 - t0 < best)
			best = t1 - t0;
		if (rep < 2)
			engine_run_result_release(&r);
	}
	printf("run: %s on %d GPUs: one iteration simulated in %.3f s wall, %.3f s CPU (best of 3; target "
	       "< %.0f s wall: %s); simulated iteration %.3f ms, SM util %.1f%%, %llu kernels, %llu events, "
	       "%.2f M events/s CPU\n",
	       w->name, gpus, best, best_cpu, target_s, best < target_s ? "met" : "MISSED", r.iter_ns / 1e6,
	       100 * r.sm_util, (unsigned long long)r.kernels, (unsigned long long)r.events,
	       r.events / best_cpu / 1e6);
	engine_run_result_release(&r);
	rc = 0;
out:
	plan_free(p);
	workload_free(w);
	return rc;
}

/* Replay fidelity on the external traces (when ../shared/external-traces or
 * $MOSAIC_EXTERNAL_TRACES is there): simulated span against the measured one. */
static void bench_replay(void)
{
	const char *dir = getenv("MOSAIC_EXTERNAL_TRACES");
	double worst = 0;
	int n = 0;

	if (!dir)
		dir = "../shared/external-traces";
	for (size_t i = 0; i < sizeof(test_replay_files) / sizeof(test_replay_files[0]); i++) {
		char path[1024];
		struct trace_mem t;
		struct trace_sink sink;
		struct engine_replay_result r;
		struct mo_err err;
		double t0, t1;

		snprintf(path, sizeof(path), "%s/%s", dir, test_replay_files[i]);
		trace_mem_init(&t);
		sink = trace_sink_mem(&t);
		if (trace_read_any(path, &sink, &err) < 0) {
			trace_mem_release(&t);
			continue;
		}
		t0 = now_s();
		if (engine_replay(&t, NULL, &r, &err) < 0) {
			printf("replay %s: %s\n", test_replay_files[i], err.msg);
			trace_mem_release(&t);
			continue;
		}
		t1 = now_s();
		printf("replay %-50.50s %-10s %3d SMs %5llu act. %2d str. %3llu deps: simulated %13.3f ms, "
		       "measured %13.3f ms, error %+.4f%% (%.3f s wall)\n",
		       test_replay_files[i], r.gpu, r.sms, (unsigned long long)r.kernels, r.streams,
		       (unsigned long long)r.dependencies, r.span_ns / 1e6, r.measured_span_ns / 1e6,
		       r.error_pct, t1 - t0);
		if (fabs(r.error_pct) > worst)
			worst = fabs(r.error_pct);
		n++;
		trace_mem_release(&t);
	}
	if (n)
		printf("replay: %d external traces, worst |error| %.4f%% (target 3%%)\n", n, worst);
	else
		printf("replay: no external traces under '%s' (set MOSAIC_EXTERNAL_TRACES)\n", dir);
}

int main(void)
{
	int rc = 0;

	bench_replay();

	rc |= bench_events();
	rc |= bench_plan("workloads/qwen3-vl.json", 8, 1, "mosaic", 2);
	rc |= bench_plan("workloads/qwen3-vl.json", 1024, 1, "megatron", 60);
	/* the same cluster with 16 times the batch, so every GPU has work */
	rc |= bench_plan("workloads/qwen3-vl.json", 1024, 16, "megatron", 60);
	return rc;
}
