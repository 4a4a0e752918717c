/* bench-planner.c - the planners' own speed: wall time to plan a 6-module
 * workload on 8 and 64 H100s with every planner (target: under 1 s for 64
 * GPUs with mosaic), and the predicted iteration time each plan gets; then
 * the plans of every bundled workload on 8 H100s checked with the engine
 * (predicted against simulated).  Prints figures; asserts nothing. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/engine.h"
#include "harness/sim-check.h"
#include "planner/planner.h"

/* Six modules: five modality encoders feeding a 7B-class LLM (sizes in the
 * style of ImageBind's encoders and a Llama-2-7B backbone; illustrative). */
static const char spec[] =
	"{\"name\":\"bench-6\",\"batch\":256,\"microbatch\":8,\"dtype\":\"bf16\","
	"\"cluster\":{\"gpu\":\"h100\",\"gpus\":8},"
	"\"modules\":["
	"{\"name\":\"vision\",\"kind\":\"encoder\",\"arch\":\"vit\",\"layers\":32,\"hidden\":1280,\"heads\":16,\"ffn\":5120,\"patch\":14,\"image\":224,\"cls_token\":true},"
	"{\"name\":\"audio\",\"kind\":\"encoder\",\"arch\":\"vit\",\"layers\":12,\"hidden\":768,\"heads\":12,\"ffn\":3072,\"patch\":16,\"image\":128,\"channels\":1},"
	"{\"name\":\"depth\",\"kind\":\"encoder\",\"arch\":\"vit\",\"layers\":12,\"hidden\":384,\"heads\":8,\"ffn\":1536,\"patch\":16,\"image\":224,\"channels\":1},"
	"{\"name\":\"imu\",\"kind\":\"encoder\",\"arch\":\"encoder\",\"layers\":6,\"hidden\":512,\"heads\":8,\"ffn\":2048,\"seq\":250},"
	"{\"name\":\"text\",\"kind\":\"encoder\",\"arch\":\"encoder\",\"layers\":12,\"hidden\":768,\"heads\":12,\"ffn\":3072,\"seq\":77,\"vocab\":49408},"
	"{\"name\":\"llm\",\"kind\":\"backbone\",\"arch\":\"decoder\",\"layers\":32,\"hidden\":4096,\"heads\":32,\"ffn\":11008,\"seq\":1024,\"vocab\":32000,\"act\":\"swiglu\",\"norm\":\"rmsnorm\",\"pos\":\"rope\",\"loss\":\"lm\"}"
	"],"
	"\"edges\":[{\"from\":\"vision\",\"to\":\"llm\"},{\"from\":\"audio\",\"to\":\"llm\"},{\"from\":\"depth\",\"to\":\"llm\"},"
	"{\"from\":\"imu\",\"to\":\"llm\"},{\"from\":\"text\",\"to\":\"llm\"}]}";

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

/*
 * Every bundled workload on 8 H100s: each planner's plan, its predicted
 * iteration time (cost model) and its simulated one (engine, sim backend),
 * and mosaic's simulated speedup over the best temporal-only baseline.
 */
static void bundled_table(const struct model_gpu *gpu)
{
	static const char *const specs[] = {"clip", "qwen3-vl", "llava-1.5-7b", "unified-io-2",
					    "imagebind", "ofasys"};
	static const char *const planners[] = {"megatron", "distmm", "spindle", "optimus", "mosaic",
					       "optimal"};
	double speedups[8], logsum = 0, maxs = 0;
	int ns = 0;

	printf("\nbundled workloads on 8 x %s: predicted (cost model) and simulated (engine sim) iteration ms\n",
	       gpu->short_name);
	printf("%-13s %-9s %12s %12s %8s %8s\n", "workload", "planner", "predicted", "simulated", "err%", "plan_s");
	for (size_t wi = 0; wi < sizeof(specs) / sizeof(specs[0]); wi++) {
		char path[256];
		struct workload *w = NULL;
		struct mo_err err;
		double best_base = -1, mosaic_sim = -1;

		snprintf(path, sizeof(path), "workloads/%s.json", specs[wi]);
		mo_err_clear(&err);
		if (workload_load(path, &w, &err)) {
			printf("%-13s (skipped: %s)\n", specs[wi], err.msg);
			continue;
		}
		for (size_t pi = 0; pi < sizeof(planners) / sizeof(planners[0]); pi++) {
			struct plan *p = NULL;
			struct engine_run_opts o;
			struct engine_run_result r;
			double a = now(), b, sim = -1;

			struct sim_check sc = {w, NULL, NULL};
			struct plan_checker chk;

			sim_check_init(&chk, &sc);
			mo_err_clear(&err);
			if (plan_make_checked(w, gpu, 8, planners[pi], &chk, &p, NULL, &err)) {
				printf("%-13s %-9s   (%s)\n", specs[wi], planners[pi], err.msg);
				continue;
			}
			b = now();
			engine_run_opts_init(&o);
			if (engine_run(p, w, &o, &r, &err) == 0) {
				sim = (double)r.iter_ns / 1e6;
				engine_run_result_release(&r);
			}
			printf("%-13s %-9s %12.3f %12.3f %+7.1f%% %8.3f\n", specs[wi], planners[pi],
			       p->predicted_iter_ns / 1e6, sim,
			       sim > 0 ? 100.0 * (p->predicted_iter_ns / 1e6 - sim) / sim : 0.0, b - a);
			if (pi < 4 && sim > 0 && (best_base < 0 || sim < best_base))
				best_base = sim;
			if (pi == 4)
				mosaic_sim = sim;
			plan_free(p);
		}
		if (best_base > 0 && mosaic_sim > 0) {
			speedups[ns++] = best_base / mosaic_sim;
			printf("%-13s mosaic speedup over the best temporal-only baseline (simulated): %.3fx\n",
			       specs[wi], best_base / mosaic_sim);
		}
		workload_free(w);
	}
	for (int i = 0; i < ns; i++) {
		logsum += log(speedups[i]);
		if (speedups[i] > maxs)
			maxs = speedups[i];
	}
	if (ns)
		printf("mosaic over the best baseline (simulated, %d workloads): max %.3fx, geometric mean %.3fx\n",
		       ns, maxs, exp(logsum / ns));
}

int main(void)
{
	const char *planners[] = {"megatron", "distmm", "spindle", "optimus", "mosaic", "optimal"};
	const int sizes[] = {8, 64};
	struct workload *w = NULL;
	const struct model_gpu *gpu;
	struct mo_err err;

	mo_err_clear(&err);
	if (workload_load_string(spec, "bench-6.json", &w, &err) || !(gpu = model_gpu_find("h100", &err))) {
		fprintf(stderr, "bench-planner: %s\n", err.msg);
		return 1;
	}
	printf("planner speed (measured wall time on this machine); iteration times are predicted by the cost model\n");
	printf("%-6s %-9s %12s %14s %16s\n", "gpus", "planner", "problem_s", "plan_s", "pred_iter_ms");
	for (size_t si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
		struct plan_problem *pb = NULL;
		double t0 = now(), t1;

		if (plan_problem_new(w, gpu, sizes[si], w->microbatch, &pb, &err)) {
			fprintf(stderr, "bench-planner: %s\n", err.msg);
			workload_free(w);
			return 1;
		}
		t1 = now();
		for (size_t pi = 0; pi < sizeof(planners) / sizeof(planners[0]); pi++) {
			struct plan *p = NULL;
			double a = now(), b;
			int rc = plan_search(pb, planners[pi], &p, &err);

			b = now();
			if (rc)
				printf("%-6d %-9s %12.4f %14.4f   (%s)\n", sizes[si], planners[pi], t1 - t0, b - a,
				       err.msg);
			else
				printf("%-6d %-9s %12.4f %14.4f %16.3f\n", sizes[si], planners[pi], t1 - t0, b - a,
				       p->predicted_iter_ns / 1e6);
			plan_free(p);
			mo_err_clear(&err);
		}
		for (int checked = 0; checked < 2; checked++) {
			/* the whole job as `mosaic plan` runs it: problems for three
			 * microbatch sizes, search, validation; by default then the
			 * finalists simulated (--check sim) */
			struct sim_check sc = {w, NULL, NULL};
			struct plan_checker chk;
			struct plan *p = NULL;
			double a = now(), b;

			sim_check_init(&chk, &sc);
			if (plan_make_checked(w, gpu, sizes[si], "mosaic", checked ? &chk : NULL, &p, NULL,
					      &err) == 0) {
				b = now();
				printf("%-6d %-9s %12s %14.4f %16.3f   (plan_make: 3 microbatch sizes, validated%s)\n",
				       sizes[si], "mosaic", "-", b - a, p->predicted_iter_ns / 1e6,
				       checked ? "; --check sim" : "");
				if (checked)
					printf("%-6s %-9s %12s %14s %16s   (%d finalists simulated, the winner %.3f ms)\n",
					       "", "", "", "", "", p->finalists, p->checked_iter_ns / 1e6);
			}
			plan_free(p);
		}
		plan_problem_free(pb);
	}
	workload_free(w);
	bundled_table(gpu);
	return 0;
}
