/* cmd-run.c - `mosaic run PLAN [--workload SPEC] [--backend sim|cuda]`: one
 * training iteration of a plan through engine_run (times are SIMULATED on
 * sim, MEASURED on cuda: the result says which). */
#include "harness/cli.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "planner/planner.h"

#define GIB (1024.0 * 1024.0 * 1024.0)

static const char usage[] =
	"mosaic run PLAN.json [--workload SPEC] [--backend sim|cuda] [-o OUT.mtr] [--json]\n"
	"                [--iterations N] [--warmup N] [--gpu-file FILE] [--replicas once|full]\n"
	"                [--quiet]\n"
	"  run one training iteration of PLAN on the simulated cluster (sim, the\n"
	"  default) for its workload: the spec file the plan records, or the bundled\n"
	"  workload it names, or --workload SPEC (a file or a bundled name, which must\n"
	"  be the workload the plan was made for); -o, --output (or --out) writes the\n"
	"  simulated trace; --json prints iter_ns, sm_util, gpus, per-GPU utilisation and memory,\n"
	"  per-module time.  --backend cuda runs it on real GPUs (one MPI rank per GPU;\n"
	"  -o RUN-%r.mtr records a measured trace per rank; --iterations timed\n"
	"  iterations, default 5, after --warmup untimed ones, default 1); --replicas:\n"
	"  once (the default): when the GPUs split into blocks of replicas of a few\n"
	"  kinds of identical blocks (same partitions, modules and tasks; only their\n"
	"  all-reduces couple them, priced for the whole group), one block of each kind\n"
	"  is simulated and its figures copied to every block of its kind; full\n"
	"  simulates every GPU; the output states which and why\n"
	"  (a run with -o always simulates every GPU); --quiet: accepted as by every\n"
	"  command (run writes only errors to stderr)";

/* What the command line asked for. */
struct args {
	const char *spec, *backend, *out;
	int json, iterations, warmup;
	int replicas_full;
};

/* How the replicas were simulated: once (one of `blocks` identical blocks)
 * or in full, with the engine's statement. */
static json_t *replicas_json(const struct engine_run_result *r)
{
	json_t *o = json_object();

	json_object_set_new(o, "simulated", json_string(r->replica_blocks > 1 ? "once" : "full"));
	json_object_set_new(o, "blocks", json_integer(r->replica_blocks));
	json_object_set_new(o, "block_gpus", json_integer(r->replica_block_gpus));
	json_object_set_new(o, "kinds", json_integer(r->replica_kinds));
	json_object_set_new(o, "statement", json_string(r->replicas));
	return o;
}

/* The result as JSON; simulated and measured runs share the keys they both
 * have, and each adds its own. */
static json_t *result_json(const char *plan_path, const struct plan *p, const struct workload *w,
			   const struct engine_run_result *r)
{
	int measured = r->source == TRACE_SOURCE_MEASURED;
	json_t *o = json_object(), *gpus = json_array(), *mods = json_array();

	json_object_set_new(o, "plan", json_string(plan_path));
	json_object_set_new(o, "workload", json_string(w->name));
	json_object_set_new(o, "planner", json_string(p->planner));
	json_object_set_new(o, "backend", json_string(r->backend));
	json_object_set_new(o, "source", json_string(trace_source_name(r->source)));
	json_object_set_new(o, "schedule", json_string(p->schedule == PLAN_SCHEDULE_GPIPE ? "gpipe" : "1f1b"));
	json_object_set_new(o, "microbatches", json_integer(p->microbatches));
	json_object_set_new(o, "microbatch_size", json_integer(p->microbatch_size));
	json_object_set_new(o, "iter_ns", json_integer(r->iter_ns));
	json_object_set_new(o, "iter_ns_label", json_string(trace_source_name(r->source)));
	if (measured) {
		json_object_set_new(o, "iter_ns_min", json_integer(r->iter_ns_min));
		json_object_set_new(o, "iter_ns_max", json_integer(r->iter_ns_max));
		json_object_set_new(o, "iterations", json_integer(r->iterations));
		json_object_set_new(o, "busy_ns", json_integer(r->busy_ns));
		json_object_set_new(o, "partitions", json_integer(r->partitions));
	}
	json_object_set_new(o, "predicted_iter_ns", json_integer(p->predicted_iter_ns));
	if (!measured) {
		json_object_set_new(o, "sm_util", json_real(r->sm_util));
		json_object_set_new(o, "dram_util", json_real(r->dram_util));
	}
	json_object_set_new(o, "gpus", json_integer(r->n_gpus));
	for (int g = 0; r->gpu_util && g < r->n_gpus; g++) {
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
	if (!measured) {
		json_object_set_new(o, "communications", json_integer((json_int_t)r->comms));
		json_object_set_new(o, "events", json_integer((json_int_t)r->events));
		json_object_set_new(o, "replicas", replicas_json(r));
	}
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

/* A measured result as text on stdout. */
static void print_measured(const char *plan_path, const struct workload *w,
			   const struct engine_run_result *res)
{
	printf("plan '%s' for '%s' on %d GPUs (%s): iteration %.3f ms mean, %.3f min, "
	       "%.3f max over %d iterations (measured)\n",
	       plan_path, w->name, res->n_gpus, res->backend, res->iter_ns / 1e6,
	       res->iter_ns_min / 1e6, res->iter_ns_max / 1e6, res->iterations);
}

/* A simulated result as text on stdout. */
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
	printf("replicas: %s\n", res->replicas);
}

/* One iteration of p on the backend a->backend (the trace to a->out when
 * given), printed; the exit code. */
static int run_plan(const struct args *a, const char *plan_path, const struct plan *p,
		    const struct workload *w)
{
	struct engine_run_opts ro;
	struct engine_run_result res;
	struct mo_err err;

	mo_err_clear(&err);
	engine_run_opts_init(&ro);
	ro.backend = a->backend;
	ro.out_path = a->out;
	ro.plan_path = plan_path;
	ro.iterations = a->iterations;
	ro.warmup = a->warmup;
	ro.replicas_full = a->replicas_full;
	if (engine_run(p, w, &ro, &res, &err) < 0) {
		if (strcmp(a->backend, "sim"))
			mo_err_prefix(&err, "cannot run '%s' on the %s backend", plan_path, a->backend);
		else
			mo_err_prefix(&err, "cannot run '%s'", plan_path);
		return cli_fail("run", &err);
	}
	if (a->json) {
		json_t *o = result_json(plan_path, p, w, &res);
		char *s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
		if (s)
			printf("%s\n", s);
		free(s);
		json_decref(o);
	} else if (res.source == TRACE_SOURCE_MEASURED) {
		print_measured(plan_path, w, &res);
	} else {
		print_text(plan_path, p, w, &res);
	}
	engine_run_result_release(&res);
	return 0;
}

/* Is name in engine_run's backend table? */
static int backend_known(const char *name)
{
	for (int i = 0; engine_backend_name(i); i++)
		if (!strcmp(name, engine_backend_name(i)))
			return 1;
	return 0;
}

/* The options into a: -1 to go on, else the exit code. */
static int parse(int argc, char **argv, struct args *a, struct mo_err *err)
{
	static const struct option opts[] = {
		{"workload", required_argument, NULL, 'w'},
		{"backend", required_argument, NULL, 'b'},
		CLI_OPTS_OUTPUT,
		{"json", no_argument, NULL, 'j'},
		{"quiet", no_argument, NULL, CLI_OPT_QUIET},
		{"iterations", required_argument, NULL, 'i'},
		{"warmup", required_argument, NULL, 'W'},
		{"gpu-file", required_argument, NULL, 'G'},
		{"replicas", required_argument, NULL, 'R'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c, rc;

	optind = 1;
	while ((c = cli_getopt(argc, argv, "w:b:o:jh", opts)) != -1) {
		long long v;

		switch (c) {
		case 'w': a->spec = optarg; break;
		case 'b': a->backend = optarg; break;
		case 'o': a->out = optarg; break;
		case 'j': a->json = 1; break;
		case 'R':
			if (strcmp(optarg, "once") && strcmp(optarg, "full"))
				return cli_usage_error("run", "--replicas: expected once or full, not '%s'",
						       optarg);
			a->replicas_full = !strcmp(optarg, "full");
			break;
		case 'i':
		case 'W':
			if (cli_int(c == 'i' ? "--iterations" : "--warmup", optarg, c == 'i' ? 1 : 0,
				    1000000, &v, err) < 0)
				return cli_usage_error("run", "%s", err->msg);
			*(c == 'i' ? &a->iterations : &a->warmup) = (int)v;
			break;
		default:
			if ((rc = cli_last_option("run", c, usage)) >= 0)
				return rc;
			break;
		}
	}
	if (optind != argc - 1)
		return cli_usage_error("run", "expected one plan");
	return backend_known(a->backend) ? -1
		: cli_usage_error("run", "unknown backend '%s' (known: sim, cuda)", a->backend);
}

int cmd_run(int argc, char **argv)
{
	struct args a = {NULL, "sim", NULL, 0, 5, 1, 0};
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
	} else {
		rc = run_plan(&a, argv[optind], p, w);
	}
	workload_free(w);
	plan_free(p);
	return rc;
}
