/*
 * bench-model.c - the performance model's own speed and accuracy figures.
 *
 *   predictions per second: one kernel at a quota, one op from shape, a whole
 *   module curve (every lattice quota) over a trace;
 *   accuracy (predicted vs measured): the held-out NeuSight GEMM error per GPU
 *   when ../shared/external-traces/neusight is present;
 *   (accuracy against traces at other quotas: `mosaic validate`; no measured
 *   multi-quota traces exist yet, and the simulator's replay derives kernel
 *   times from the measured ones by waves, so it is no independent truth.)
 *
 * Run from the repository root (make bench-self).  Figures only; no asserts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "model/model.h"

#define EXT "../shared/external-traces"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int load(const char *path, struct trace_mem *t)
{
	struct mo_err err;
	struct trace_sink sink;

	trace_mem_init(t);
	sink = trace_sink_mem(t);
	if (trace_read_any(path, &sink, &err) < 0) {
		fprintf(stderr, "bench-model: %s\n", err.msg);
		trace_mem_release(t);
		return -1;
	}
	return 0;
}

static void bench_speed(const char *trace_path)
{
	const struct model_gpu *h = model_gpu_find("h100", NULL);
	struct trace_kernel k;
	struct model_op op = { .kind = MODEL_OP_GEMM, .dtype = MODEL_BF16, .b = 1, .m = 4096,
			       .n = 4096, .k = 4096 };
	volatile int64_t sink = 0;
	double t0, dt;
	long n;

	memset(&k, 0, sizeof(k));
	k.start_ns = 0;
	k.end_ns = 123456;
	k.grid_x = 4096;
	k.grid_y = k.grid_z = 1;
	k.block_x = 256;
	k.block_y = k.block_z = 1;
	k.registers = 64;
	k.kclass = TRACE_CLASS_GEMM;
	k.flops = k.bytes = -1;
	k.name = "ampere_sgemm_128x64_tn";
	t0 = now_s();
	for (n = 0; (dt = now_s() - t0) < 0.5; n++)
		for (int i = 0; i < 1000; i++)
			sink += model_kernel_ns_at_quota(h, &k, 132, 8 + 8 * (i % 16));
	printf("kernel at quota:      %10.0f predictions/s\n", n * 1000 / dt);
	t0 = now_s();
	for (n = 0; (dt = now_s() - t0) < 0.5; n++)
		for (int i = 0; i < 100; i++) {
			op.m = 256 + 64 * (i % 64);
			sink += model_op_ns(h, &op, 132);
		}
	printf("gemm from shape:      %10.0f predictions/s\n", n * 100 / dt);
	if (trace_path && access(trace_path, R_OK) == 0) {
		struct trace_mem t;
		struct model_curve c;
		struct model_gpu tmp;
		size_t nk = 0;
		if (load(trace_path, &t) == 0) {
			const struct model_gpu *g = model_gpu_for_header(&t.header, &tmp, NULL);
			for (size_t i = 0; i < t.n; i++)
				nk += t.recs[i].kind == TRACE_KIND_KERNEL;
			if (g) {
				t0 = now_s();
				for (n = 0; (dt = now_s() - t0) < 0.5; n++)
					model_curve_from_trace(&t, g, -1, NULL, 0, &c, NULL);
				printf("module curve:         %10.1f curves/s (%zu kernels x %d quotas: %.0f kernel predictions/s) [%s]\n",
				       n / dt, nk, c.n, n * (double)nk * c.n / dt, trace_path);
			}
			trace_mem_release(&t);
		}
	}
	(void)sink;
}

static void bench_neusight(void)
{
	static const char *files[] = { EXT "/neusight/dataset/test/linear.csv",
				       EXT "/neusight/dataset/test/bmm.csv" };
	struct model_gemm_set set;
	struct mo_err err;

	if (access(files[0], R_OK) || access(files[1], R_OK)) {
		printf("neusight: %s not present, skipped\n", EXT "/neusight");
		return;
	}
	model_gemm_set_init(&set);
	for (int i = 0; i < 2; i++)
		if (model_gemm_csv_load(&set, files[i], &err) < 0) {
			fprintf(stderr, "bench-model: %s\n", err.msg);
			model_gemm_set_release(&set);
			return;
		}
	printf("\nGEMM time from shape vs measured NeuSight latencies (FP32), held-out 30%% split:\n");
	printf("%-16s %6s %10s %10s %10s | %s\n", "gpu", "n", "median%", "p90%", "MAPE%",
	       "CTA tile = cuBLAS's (all rows)");
	for (int i = 0; i < model_gpu_count(); i++) {
		struct model_gemm_eval e;
		int agree, nt;
		model_gemm_evaluate(&set, model_gpu_at(i), NULL, 1, &e);
		model_gemm_tile_agreement(&set, model_gpu_at(i), &agree, &nt);
		if (e.n)
			printf("%-16s %6d %10.1f %10.1f %10.1f | %5.1f%% of %d\n", model_gpu_at(i)->short_name,
			       e.n, e.median_ape, e.p90_ape, e.mape, nt ? 100.0 * agree / nt : 0, nt);
	}
	model_gemm_set_release(&set);
}

int main(void)
{
	printf("mosaic model: speed (our own) and accuracy (predicted vs measured)\n");
	bench_speed(EXT "/tracelens/h100/Qwen_Qwen1.5-0.5B-Chat__1016005.json.gz");
	bench_neusight();
	return 0;
}
