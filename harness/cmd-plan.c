/* cmd-plan.c - `mosaic plan SPEC [--gpus N] [--gpu NAME] [--planner P] -o PLAN
 * [--check sim|none] [--explain] [--json]`: plan a workload and write the plan. */
#include "harness/cli.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/sim-check.h"
#include "planner/planner.h"

static const char usage[] =
	"mosaic plan SPEC -o PLAN [--gpus N] [--gpu NAME] [--planner " PLAN_PLANNER_NAMES "]\n"
	"            [--check sim|none] [--explain] [--json] [--quiet] [--gpu-file FILE]\n"
	"            [--profiles TRACE,TRACE,...] [--calibration FILE] [--matrix FILE]\n"
	"  plan a workload (a spec file or a bundled name) on N GPUs (default: the\n"
	"  spec's cluster) with a planner (default: mosaic) and write the plan\n"
	"  (-o, --output, or --out; JSON) with its predicted iteration time (the cost model's prediction);\n"
	"  --check sim (the default): the planner's finalists, the plans predicted\n"
	"  within 3% of its best, each run one iteration on the simulated cluster and\n"
	"  the fastest simulated wins (the plan records that time); --check none: the\n"
	"  cost model alone decides;\n"
	"  --gpu: the GPU (default: the spec's cluster gpu; --gpu-file adds GPUs from\n"
	"  a JSON file, as `mosaic model gpus` lists them); --explain: per GPU its\n"
	"  partitions, modules, quotas, predicted stage times and the bottleneck;\n"
	"  --json: a summary (planner, predicted_iter_ns, microbatch size, plan path);\n"
	"  --quiet: no progress (the finalist check) and no summary line on stderr;\n"
	"  --profiles: measured traces of modules at several SM quotas (`mosaic profile`\n"
	"  writes them; one microbatch of the spec's size): each module they hold at two\n"
	"  or more quotas is planned with its measured scaling, and the plan says so;\n"
	"  --calibration: the fits `mosaic model calibrate -o` wrote (module curves as\n"
	"  --profiles gives them, a GEMM fit for the GPU); --matrix: measured co-run\n"
	"  slowdowns of module pairs ({\"gpu\", \"modules\", \"slowdown\"}, as `mosaic\n"
	"  model interference -o` writes it) in place of the model's interference for\n"
	"  the pairs it gives; with any of these the plan records them (\"measurements\")\n"
	"  and the finalist check is off unless --check sim (the simulator does not\n"
	"  know the measurements)";

/* What the command line asked for. */
struct plan_args {
	const char *spec, *gpu_name, *out, *planner;
	int json, quiet, explain, n_gpus, check; /* check: -1 unless --check */
	struct cli_measurements *meas;
};

/* The options into a: -1 to go on, else the exit code. */
static int parse(int argc, char **argv, struct plan_args *a, struct mo_err *err)
{
	static const struct option opts[] = {
		{"gpus", required_argument, NULL, 'n'},
		{"gpu", required_argument, NULL, 'g'},
		{"planner", required_argument, NULL, 'p'},
		CLI_OPTS_OUTPUT,
		{"quiet", no_argument, NULL, CLI_OPT_QUIET},
		{"explain", no_argument, NULL, 'e'},
		{"json", no_argument, NULL, 'j'},
		{"check", required_argument, NULL, 'c'},
		{"gpu-file", required_argument, NULL, 'G'},
		{"profiles", required_argument, NULL, 'P'},
		{"calibration", required_argument, NULL, 'C'},
		{"matrix", required_argument, NULL, 'M'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	long long v;
	int c, rc;

	optind = 1;
	while ((c = cli_getopt(argc, argv, "n:g:p:o:ejh", opts)) != -1) {
		switch (c) {
		case 'n':
			if (cli_int("--gpus", optarg, 1, PLAN_MAX_GPUS, &v, err) < 0)
				return cli_usage_error("plan", "%s", err->msg);
			a->n_gpus = (int)v;
			break;
		case 'g': a->gpu_name = optarg; break;
		case 'p': a->planner = optarg; break;
		case 'o': a->out = optarg; break;
		case 'e': a->explain = 1; break;
		case 'j': a->json = 1; break;
		case CLI_OPT_QUIET: a->quiet = 1; break;
		case 'c':
			if (strcmp(optarg, "sim") && strcmp(optarg, "none"))
				return cli_usage_error("plan", "--check '%s': expected sim or none", optarg);
			a->check = !strcmp(optarg, "sim");
			break;
		case 'P': a->meas->profiles = optarg; break;
		case 'C': a->meas->calibration = optarg; break;
		case 'M': a->meas->matrix = optarg; break;
		default:
			if ((rc = cli_last_option("plan", c, usage)) >= 0)
				return rc;
			break;
		}
	}
	if (optind != argc - 1)
		return cli_usage_error("plan", "expected one workload spec");
	a->spec = argv[optind];
	if (!plan_planner_known(a->planner))
		return cli_usage_error("plan", "unknown planner '%s'", a->planner);
	if (!a->out)
		return cli_usage_error("plan", "missing -o PLAN");
	return -1;
}

/* The workload, its GPU count (--gpus or the spec's cluster), the GPU and
 * the user's measurements: -1 to go on, else the exit code. */
static int load(struct plan_args *a, struct workload **w, const struct model_gpu **gpu,
		struct mo_err *err)
{
	if (cli_workload_load(a->spec, w, err) < 0)
		return cli_fail("plan", err);
	cli_workload_warnings("plan", *w);
	if (!a->n_gpus)
		a->n_gpus = (*w)->gpus;
	if (a->n_gpus < 1)
		return cli_usage_error("plan", "missing --gpus (the spec names no GPU count)");
	*gpu = model_gpu_find(a->gpu_name ? a->gpu_name : (*w)->gpu, err);
	if (!*gpu)
		return cli_fail("plan", err);
	if (cli_measurements_any(a->meas) && cli_measurements_apply(a->meas, *w, *gpu, gpu, err) < 0)
		return cli_fail("plan", err);
	/* the simulator knows the model's kernels, not the measurements: with
	 * them the cost model (which uses them) decides unless asked */
	if (a->check < 0)
		a->check = !cli_measurements_any(a->meas);
	return -1;
}

/* A user's spec: its absolute path recorded so that `mosaic run PLAN` finds it. */
static int record_spec_path(const char *spec, struct plan *p, struct mo_err *err)
{
	char abs[PATH_MAX];
	const char *why = NULL;

	if (!cli_workload_is_file(spec))
		return 0;
	if (!realpath(spec, abs))
		why = strerror(errno);
	else if (strlen(abs) >= sizeof(p->workload_file))
		why = "path too long";
	if (why)
		return mo_err_set(err, MO_EINPUT, "cannot record the path of '%s' in the plan: %s", spec,
				  why);
	memcpy(p->workload_file, abs, strlen(abs) + 1); /* fits: checked above */
	return 0;
}

/* --json: the plan's summary on stdout. */
static void print_json(const struct plan_args *a, const struct plan *p, const struct workload *w,
		       const struct model_gpu *gpu)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:i, s:s, s:I, s:s, s:i, s:i, s:s}", "planner",
			      p->planner, "workload", w->name, "gpu", gpu->short_name, "gpus",
			      a->n_gpus, "times", "predicted", "predicted_iter_ns",
			      (json_int_t)p->predicted_iter_ns, "schedule", plan_schedule_name(p->schedule),
			      "microbatch_size", p->microbatch_size, "microbatches", p->microbatches,
			      "plan", a->out);

	if (!o)
		return;
	if (p->checked_iter_ns >= 0) {
		json_object_set_new(o, "checked_iter_ns", json_integer(p->checked_iter_ns));
		json_object_set_new(o, "checked_by", json_string(p->checked_by));
		json_object_set_new(o, "finalists", json_integer(p->finalists));
	}
	cli_json_print(o);
}

/* What the plan is: --explain's text, --json's summary, or one line on stderr. */
static int print_result(const struct plan_args *a, const struct plan *p,
			const struct plan_problem *pb, const struct workload *w,
			const struct model_gpu *gpu, struct mo_err *err)
{
	if (a->explain) {
		char *text = plan_explain(pb, p, err), *why = text ? plan_explain_why(pb, err) : NULL;

		if (!why) {
			free(text);
			return cli_fail("plan", err);
		}
		fputs(text, stdout);
		fputs(why, stdout);
		free(text);
		free(why);
	}
	if (a->json)
		print_json(a, p, w, gpu);
	if (a->json || a->explain || a->quiet)
		return 0;
	if (p->checked_iter_ns >= 0)
		fprintf(stderr,
			"mosaic plan: %s plan written to '%s': predicted iteration %.3f ms, %s %.3f ms (the fastest of %d finalist%s)\n",
			p->planner, a->out, p->predicted_iter_ns / 1e6, p->checked_by,
			p->checked_iter_ns / 1e6, p->finalists, p->finalists == 1 ? "" : "s");
	else
		fprintf(stderr, "mosaic plan: %s plan written to '%s': predicted iteration %.3f ms\n",
			p->planner, a->out, p->predicted_iter_ns / 1e6);
	return 0;
}

int cmd_plan(int argc, char **argv)
{
	static struct cli_measurements meas; /* large; one per process */
	struct plan_args a = {.planner = "mosaic", .check = -1, .meas = &meas};
	const struct model_gpu *gpu = NULL;
	struct workload *w = NULL;
	struct plan *p = NULL;
	struct plan_problem *pb = NULL;
	struct mo_err err;
	struct plan_checker chk;
	struct sim_check sc = {NULL, NULL, NULL};
	int rc;

	mo_err_clear(&err);
	if ((rc = parse(argc, argv, &a, &err)) >= 0)
		return rc;
	if ((rc = load(&a, &w, &gpu, &err)) >= 0)
		goto out;
	sc.w = w;
	sc.log = a.json || a.quiet ? NULL : stderr;
	sim_check_init(&chk, &sc);
	if (a.check && !a.json && !a.quiet)
		fprintf(stderr, "mosaic plan: checking %s's finalists in the simulator\n", a.planner);
	if (plan_make_checked(w, gpu, a.n_gpus, a.planner, a.check ? &chk : NULL, &p, &pb, &err) != 0) {
		rc = cli_fail("plan", &err);
		goto out;
	}
	if (meas.desc[0])
		snprintf(p->measurements, sizeof(p->measurements), "%.511s", meas.desc);
	if (record_spec_path(a.spec, p, &err) < 0 || plan_save(p, a.out, &err) < 0) {
		rc = cli_fail("plan", &err);
		goto out;
	}
	rc = print_result(&a, p, pb, w, gpu, &err);
out:
	plan_free(p);
	plan_problem_free(pb);
	workload_free(w);
	return rc;
}
