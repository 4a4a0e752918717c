/* bench-planner.c - the planners' own speed: wall time to plan a 6-module
 * workload on 8 and 64 H100s with every planner (target: under 1 s for 64
 * GPUs with mosaic), and the predicted iteration time each plan gets.
 * Prints figures; asserts nothing about time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
		{
			/* the whole job as `mosaic plan` runs it: problems for three
			 * microbatch sizes, search, validation */
			struct plan *p = NULL;
			double a = now(), b;

			if (plan_make(w, gpu, sizes[si], "mosaic", &p, NULL, &err) == 0) {
				b = now();
				printf("%-6d %-9s %12s %14.4f %16.3f   (plan_make: 3 microbatch sizes, validated)\n",
				       sizes[si], "mosaic", "-", b - a, p->predicted_iter_ns / 1e6);
			}
			plan_free(p);
		}
		plan_problem_free(pb);
	}
	workload_free(w);
	return 0;
}
