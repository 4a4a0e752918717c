/* cmd-run.c - `mosaic run PLAN [--workload SPEC]`: one training iteration of a
 * plan on the simulator (times are SIMULATED). */
#include "harness/cli.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/cuda/engine-cuda.h"
#include "engine/engine.h"
#include "planner/planner.h"

#define GIB (1024.0 * 1024.0 * 1024.0)

static const char usage[] =
	"mosaic run PLAN.json [--workload SPEC] [--backend sim|cuda] [-o OUT.mtr] [--json]\n"
	"                [--iterations N] [--warmup N] [--gpu-file FILE]\n"
	"  run one training iteration of PLAN on the simulated cluster (sim, the\n"
	"  default) for its workload: the spec file the plan records, or the bundled\n"
	"  workload it names, or --workload SPEC (a file or a bundled name, which must\n"
	"  be the workload the plan was made for); -o writes the simulated\n"
	"  trace; --json prints iter_ns, sm_util, gpus, per-GPU utilisation and memory,\n"
	"  per-module time.  --backend cuda runs it on real GPUs (one MPI rank per GPU;\n"
	"  -o RUN-%r.mtr records a measured trace per rank; --iterations timed\n"
	"  iterations, default 5, after --warmup untimed ones, default 1)";

/* --backend cuda: the CUDA helper's backend (engine/cuda/engine-cuda.h);
 * times are MEASURED. */
static int run_cuda(const char *plan_path, const struct plan *p, const struct workload *w,
		    const char *out, int iterations, int warmup, int json)
{
	struct engine_cuda_run_opts co;
	struct engine_cuda_run_result cr;
	struct mo_err err;

	mo_err_clear(&err);
	memset(&co, 0, sizeof(co));
	memset(&cr, 0, sizeof(cr));
	co.plan_path = plan_path;
	co.out = out;
	co.iterations = iterations;
	co.warmup = warmup;
	if (engine_cuda_run(p, w, &co, &cr, &err) < 0) {
		mo_err_prefix(&err, "cannot run '%s' on the cuda backend", plan_path);
		return cli_fail("run", &err);
	}
	if (json) {
		json_t *o = json_object();
		json_object_set_new(o, "plan", json_string(plan_path));
		json_object_set_new(o, "workload", json_string(w->name));
		json_object_set_new(o, "planner", json_string(p->planner));
		json_object_set_new(o, "backend", json_string("cuda"));
		json_object_set_new(o, "source", json_string("measured"));
		json_object_set_new(o, "iter_ns", json_integer(cr.iter_ns_mean));
		json_object_set_new(o, "iter_ns_label", json_string("measured"));
		json_object_set_new(o, "iter_ns_min", json_integer(cr.iter_ns_min));
		json_object_set_new(o, "iter_ns_max", json_integer(cr.iter_ns_max));
		json_object_set_new(o, "predicted_iter_ns", json_integer(p->predicted_iter_ns));
		json_object_set_new(o, "gpus", json_integer(cr.ranks));
		json_object_set_new(o, "iterations", json_integer(cr.iterations));
		json_object_set_new(o, "busy_ns", json_integer(cr.busy_ns));
		json_object_set_new(o, "kernels", json_integer((json_int_t)cr.kernels));
		json_object_set_new(o, "partitions", json_integer(cr.partitions));
		char *s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		if (s)
			printf("%s\n", s);
		free(s);
		json_decref(o);
	} else {
		printf("plan '%s' for '%s' on %d GPUs (cuda): iteration %.3f ms mean, %.3f min, "
		       "%.3f max over %d iterations (measured)\n",
		       plan_path, w->name, cr.ranks, cr.iter_ns_mean / 1e6, cr.iter_ns_min / 1e6,
		       cr.iter_ns_max / 1e6, cr.iterations);
	}
	return 0;
}

static json_t *result_json(const char *plan_path, const struct plan *p, const struct workload *w,
			   const struct engine_run_result *r)
{
	json_t *o = json_object(), *gpus = json_array(), *mods = json_array();

	json_object_set_new(o, "plan", json_string(plan_path));
	json_object_set_new(o, "workload", json_string(w->name));
	json_object_set_new(o, "planner", json_string(p->planner));
	json_object_set_new(o, "backend", json_string("sim"));
	json_object_set_new(o, "source", json_string("simulated"));
	json_object_set_new(o, "schedule", json_string(p->schedule == PLAN_SCHEDULE_GPIPE ? "gpipe" : "1f1b"));
	json_object_set_new(o, "microbatches", json_integer(p->microbatches));
	json_object_set_new(o, "microbatch_size", json_integer(p->microbatch_size));
	json_object_set_new(o, "iter_ns", json_integer(r->iter_ns));
	json_object_set_new(o, "iter_ns_label", json_string("simulated"));
	json_object_set_new(o, "predicted_iter_ns", json_integer(p->predicted_iter_ns));
	json_object_set_new(o, "sm_util", json_real(r->sm_util));
	json_object_set_new(o, "dram_util", json_real(r->dram_util));
	json_object_set_new(o, "gpus", json_integer(r->n_gpus));
	for (int g = 0; g < r->n_gpus; g++) {
		json_t *x = json_object();
		json_object_set_new(x, "gpu", json_integer(g));
		json_object_set_new(x, "sm_util", json_real(r->gpu_util[g]));
		json_object_set_new(x, "dram_util", json_real(r->gpu_dram_util ? r->gpu_dram_util[g] : 0));
		json_object_set_new(x, "mem_bytes", json_integer(r->gpu_mem_bytes ? r->gpu_mem_bytes[g] : -1));
		json_object_set_new(x, "peak_mem_bytes",
				    json_integer(r->gpu_peak_bytes ? r->gpu_peak_bytes[g] : -1));
		json_object_set_new(x, "mem_capacity_bytes", json_integer(r->gpu_mem_capacity));
		json_array_append_new(gpus, x);
	}
	json_object_set_new(o, "per_gpu", gpus);
	for (int m = 0; m < r->n_modules; m++) {
		json_t *x = json_object();
		json_object_set_new(x, "name", json_string(r->modules[m].name));
		json_object_set_new(x, "busy_ns", json_integer(r->modules[m].busy_ns));
		json_object_set_new(x, "span_ns", json_integer(r->modules[m].span_ns));
		json_object_set_new(x, "fwd_ns", json_integer(r->modules[m].fwd_ns));
		json_object_set_new(x, "bwd_ns", json_integer(r->modules[m].bwd_ns));
		json_object_set_new(x, "opt_ns", json_integer(r->modules[m].opt_ns));
		json_array_append_new(mods, x);
	}
	json_object_set_new(o, "modules", mods);
	json_object_set_new(o, "kernels", json_integer((json_int_t)r->kernels));
	json_object_set_new(o, "communications", json_integer((json_int_t)r->comms));
	json_object_set_new(o, "events", json_integer((json_int_t)r->events));
	return o;
}

/* The workload a plan runs: --workload SPEC when given, else the spec file
 * the plan records, else the bundled workload it names; it must be the
 * workload the plan was made for. */
static int load_plan_workload(const struct plan *p, const char *spec, struct workload **out,
			      struct mo_err *err)
{
	const char *arg = spec ? spec : p->workload_file[0] ? p->workload_file : p->workload;
	int rc;

	if (!spec && !p->workload_file[0] && cli_workload_is_file(p->workload))
		return mo_err_set(err, MO_EUSAGE,
				  "the plan names workload '%s' and records no spec file: give "
				  "--workload SPEC", p->workload);
	rc = cli_workload_load(arg, out, err);
	if (rc < 0)
		return rc;
	if (strcmp((*out)->name, p->workload)) {
		rc = mo_err_set(err, MO_EINPUT, "'%s' is workload '%s', but the plan is for '%s'",
				arg, (*out)->name, p->workload);
		workload_free(*out);
		*out = NULL;
	}
	return rc;
}

/* The simulated result as text on stdout. */
static void print_text(const char *plan_path, const struct plan *p, const struct workload *w,
		       const struct engine_run_result *res)
{
	printf("plan '%s' (%s, %s) for '%s' on %d GPUs: iteration %.3f ms (simulated)",
	       plan_path, p->planner, p->schedule == PLAN_SCHEDULE_GPIPE ? "gpipe" : "1f1b",
	       w->name, res->n_gpus, res->iter_ns / 1e6);
	if (p->predicted_iter_ns > 0)
		printf(", planner predicted %.3f ms", p->predicted_iter_ns / 1e6);
	printf("\nSM utilisation %.1f%%, DRAM bandwidth utilisation %.1f%% (simulated, mean over GPUs)\n",
	       100 * res->sm_util, 100 * res->dram_util);
	printf("%-5s %10s %12s %12s %14s\n", "gpu", "sm_util_%", "dram_util_%", "memory_GiB",
	       "sim_peak_GiB");
	for (int g = 0; g < res->n_gpus; g++)
		printf("%-5d %10.1f %12.1f %12.2f %14.2f\n", g, 100 * res->gpu_util[g],
		       100 * res->gpu_dram_util[g],
		       res->gpu_mem_bytes ? res->gpu_mem_bytes[g] / GIB : -1.0,
		       res->gpu_peak_bytes ? res->gpu_peak_bytes[g] / GIB : -1.0);
	printf("%-24s %12s %12s %12s %12s\n", "module", "busy_ms", "fwd_ms", "bwd_ms", "span_ms");
	for (int m = 0; m < res->n_modules; m++)
		printf("%-24s %12.3f %12.3f %12.3f %12.3f\n", res->modules[m].name,
		       res->modules[m].busy_ns / 1e6, res->modules[m].fwd_ns / 1e6,
		       res->modules[m].bwd_ns / 1e6, res->modules[m].span_ns / 1e6);
	printf("%llu kernels, %llu communications, %llu events simulated\n",
	       (unsigned long long)res->kernels, (unsigned long long)res->comms,
	       (unsigned long long)res->events);
}

/* One iteration of p in the simulator (the trace to out when given), printed; the exit code. */
static int run_sim(const char *plan_path, const struct plan *p, const struct workload *w,
		   const char *out, int json)
{
	struct engine_run_opts ro;
	struct engine_run_result res;
	struct trace_writer *tw = NULL;
	struct trace_sink sink;
	struct mo_err err;
	int rc = 0;

	mo_err_clear(&err);
	memset(&res, 0, sizeof(res));
	engine_run_opts_init(&ro);
	ro.backend = "sim";
	if (out) {
		if (trace_sink_writer(&sink, &tw, out) < 0) {
			mo_err_set(&err, MO_ENOMEM, "out of memory");
			return cli_fail("run", &err);
		}
		ro.out = &sink;
	}
	if (engine_run(p, w, &ro, &res, &err) < 0) {
		trace_writer_abort(tw);
		mo_err_prefix(&err, "cannot run '%s'", plan_path);
		rc = cli_fail("run", &err);
	} else if (tw && trace_writer_close(tw, &err) < 0) {
		rc = cli_fail("run", &err);
	} else if (json) {
		json_t *o = result_json(plan_path, p, w, &res);
		char *s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
		if (s)
			printf("%s\n", s);
		free(s);
		json_decref(o);
	} else {
		print_text(plan_path, p, w, &res);
	}
	engine_run_result_release(&res);
	return rc;
}

/* What the command line asked for. */
struct args {
	const char *spec, *backend, *out;
	int json, iterations, warmup;
};

/* The options into a: -1 to go on, else the exit code. */
static int parse(int argc, char **argv, struct args *a, struct mo_err *err)
{
	static const struct option opts[] = {
		{"workload", required_argument, NULL, 'w'},
		{"backend", required_argument, NULL, 'b'},
		{"output", required_argument, NULL, 'o'},
		{"json", no_argument, NULL, 'j'},
		{"iterations", required_argument, NULL, 'i'},
		{"warmup", required_argument, NULL, 'W'},
		{"gpu-file", required_argument, NULL, 'G'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "w:b:o:jh", opts, NULL)) != -1) {
		long long v;

		switch (c) {
		case 'w': a->spec = optarg; break;
		case 'b': a->backend = optarg; break;
		case 'o': a->out = optarg; break;
		case 'j': a->json = 1; break;
		case 'i':
		case 'W':
			if (cli_int(c == 'i' ? "--iterations" : "--warmup", optarg, c == 'i' ? 1 : 0,
				    1000000, &v, err) < 0)
				return cli_usage_error("run", usage, "%s", err->msg);
			*(c == 'i' ? &a->iterations : &a->warmup) = (int)v;
			break;
		case 'G':
			if (model_gpu_load_file(optarg, err) < 0)
				return cli_fail("run", err);
			break;
		case 'h':
			printf("usage: %s\n", usage);
			return 0;
		default:
			return cli_usage_error("run", usage, "unknown option");
		}
	}
	if (optind != argc - 1)
		return cli_usage_error("run", usage, "expected one plan");
	if (strcmp(a->backend, "sim") != 0 && strcmp(a->backend, "cuda") != 0) {
		fprintf(stderr, "mosaic run: unknown backend '%s' (known: sim, cuda)\n", a->backend);
		return 2;
	}
	return -1;
}

int cmd_run(int argc, char **argv)
{
	struct args a = {NULL, "sim", NULL, 0, 5, 1};
	struct plan *p = NULL;
	struct workload *w = NULL;
	struct mo_err err;
	int rc;

	mo_err_clear(&err);
	if ((rc = parse(argc, argv, &a, &err)) >= 0)
		return rc;
	/* a plan or spec that cannot be read is bad input (exit 2) */
	if (plan_load(argv[optind], &p, &err) < 0 || load_plan_workload(p, a.spec, &w, &err) < 0) {
		cli_fail("run", &err);
		rc = 2;
	} else if (!strcmp(a.backend, "cuda")) {
		rc = run_cuda(argv[optind], p, w, a.out, a.iterations, a.warmup, a.json);
	} else {
		rc = run_sim(argv[optind], p, w, a.out, a.json);
	}
	workload_free(w);
	plan_free(p);
	return rc;
}
