/* cmd-plan.c - `mosaic plan SPEC --gpus N [--gpu NAME] --planner P -o PLAN
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
	"mosaic plan SPEC --gpus N [--gpu NAME] --planner mosaic|megatron|distmm|spindle|optimus|optimal|mosaic-greedy\n"
	"            -o PLAN [--check sim|none] [--explain] [--json] [--gpu-file FILE]\n"
	"            [--profiles TRACE,TRACE,...] [--calibration FILE] [--matrix FILE]\n"
	"  plan a workload (a spec file or a bundled name) on N GPUs and write the plan\n"
	"  (JSON) with its predicted iteration time (the cost model's prediction);\n"
	"  --check sim (the default): the planner's finalists, the plans predicted\n"
	"  within 3% of its best, each run one iteration on the simulated cluster and\n"
	"  the fastest simulated wins (the plan records that time); --check none: the\n"
	"  cost model alone decides;\n"
	"  --gpu: the GPU (default: the spec's cluster gpu; --gpu-file adds GPUs from\n"
	"  a JSON file, as `mosaic model gpus` lists them); --explain: per GPU its\n"
	"  partitions, modules, quotas, predicted stage times and the bottleneck;\n"
	"  --json: a summary (planner, predicted_iter_ns, microbatch size, plan path);\n"
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

int cmd_plan(int argc, char **argv)
{
	static const struct option opts[] = {
		{"gpus", required_argument, NULL, 'n'},
		{"gpu", required_argument, NULL, 'g'},
		{"planner", required_argument, NULL, 'p'},
		{"output", required_argument, NULL, 'o'},
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
	const char *gpu_name = NULL, *out = NULL, *planner = NULL;
	static struct cli_measurements meas; /* large; one per process */
	const struct model_gpu *gpu;
	struct workload *w = NULL;
	struct plan *p = NULL;
	struct plan_problem *pb = NULL;
	struct mo_err err;
	struct plan_checker chk;
	struct sim_check sc = {NULL, NULL, NULL};
	int json = 0, explain = 0, n_gpus = 0, check = -1, c, rc = 0;

	mo_err_clear(&err);
	optind = 1;
	while ((c = getopt_long(argc, argv, "n:g:p:o:ejh", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
		{
			long long v;
			if (cli_int("--gpus", optarg, 1, PLAN_MAX_GPUS, &v, &err) < 0)
				return cli_usage_error("plan", usage, "%s", err.msg);
			n_gpus = (int)v;
			break;
		}
		case 'g': gpu_name = optarg; break;
		case 'p': planner = optarg; break;
		case 'o': out = optarg; break;
		case 'e': explain = 1; break;
		case 'j': json = 1; break;
		case 'c':
			if (strcmp(optarg, "sim") && strcmp(optarg, "none"))
				return cli_usage_error("plan", usage, "--check '%s': expected sim or none", optarg);
			check = !strcmp(optarg, "sim");
			break;
		case 'P': meas.profiles = optarg; break;
		case 'C': meas.calibration = optarg; break;
		case 'M': meas.matrix = optarg; break;
		case 'G':
			if (model_gpu_load_file(optarg, &err) < 0)
				return cli_fail("plan", &err);
			break;
		case 'h': printf("usage: %s\n", usage); return 0;
		default: return cli_usage_error("plan", usage, "unknown option");
		}
	}
	if (optind != argc - 1)
		return cli_usage_error("plan", usage, "expected one workload spec");
	if (!planner)
		return cli_usage_error("plan", usage, "missing --planner");
	if (!plan_planner_known(planner))
		return cli_usage_error("plan", usage, "unknown planner '%s'", planner);
	if (!out)
		return cli_usage_error("plan", usage, "missing -o PLAN");
	if (cli_workload_load(argv[optind], &w, &err) < 0)
		return cli_fail("plan", &err);
	cli_workload_warnings("plan", w);
	if (!n_gpus)
		n_gpus = w->gpus;
	if (n_gpus < 1) {
		workload_free(w);
		return cli_usage_error("plan", usage, "missing --gpus (the spec names no GPU count)");
	}
	gpu = model_gpu_find(gpu_name ? gpu_name : w->gpu, &err);
	if (!gpu) {
		workload_free(w);
		return cli_fail("plan", &err);
	}
	if (cli_measurements_any(&meas) && cli_measurements_apply(&meas, w, gpu, &gpu, &err) < 0) {
		workload_free(w);
		return cli_fail("plan", &err);
	}
	/* the simulator knows the model's kernels, not the measurements: with
	 * them the cost model (which uses them) decides unless asked */
	if (check < 0)
		check = !cli_measurements_any(&meas);
	sc.w = w;
	sc.log = json ? NULL : stderr;
	sim_check_init(&chk, &sc);
	if (check && !json)
		fprintf(stderr, "mosaic plan: checking %s's finalists in the simulator\n", planner);
	if (plan_make_checked(w, gpu, n_gpus, planner, check ? &chk : NULL, &p, &pb, &err) < 0) {
		rc = cli_fail("plan", &err);
		goto out;
	}
	if (meas.desc[0])
		snprintf(p->measurements, sizeof(p->measurements), "%.511s", meas.desc);
	/* a user's spec: recorded so that `mosaic run PLAN` finds it */
	if (cli_workload_is_file(argv[optind])) {
		char abs[PATH_MAX];
		const char *why = NULL;

		if (!realpath(argv[optind], abs))
			why = strerror(errno);
		else if (strlen(abs) >= sizeof(p->workload_file))
			why = "path too long";
		if (why) {
			mo_err_set(&err, MO_EINPUT, "cannot record the path of '%s' in the plan: %s",
				   argv[optind], why);
			rc = cli_fail("plan", &err);
			goto out;
		}
		memcpy(p->workload_file, abs, strlen(abs) + 1); /* fits: checked above */
	}
	if (plan_save(p, out, &err) < 0) {
		rc = cli_fail("plan", &err);
		goto out;
	}
	if (explain) {
		char *text = plan_explain(pb, p, &err), *why = text ? plan_explain_why(pb, &err) : NULL;

		if (!why) {
			free(text);
			rc = cli_fail("plan", &err);
			goto out;
		}
		fputs(text, stdout);
		fputs(why, stdout);
		free(text);
		free(why);
	}
	if (json) {
		json_t *o = json_pack("{s:s, s:s, s:s, s:i, s:s, s:I, s:s, s:i, s:i, s:s}", "planner", p->planner,
				      "workload", w->name, "gpu", gpu->short_name, "gpus", n_gpus,
				      "times", "predicted", "predicted_iter_ns",
				      (json_int_t)p->predicted_iter_ns, "schedule",
				      plan_schedule_name(p->schedule), "microbatch_size", p->microbatch_size,
				      "microbatches", p->microbatches, "plan", out);

		if (o && p->checked_iter_ns >= 0) {
			json_object_set_new(o, "checked_iter_ns", json_integer(p->checked_iter_ns));
			json_object_set_new(o, "checked_by", json_string(p->checked_by));
			json_object_set_new(o, "finalists", json_integer(p->finalists));
		}
		if (o) {
			json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
			putchar('\n');
			json_decref(o);
		}
	}
	if (!json && !explain && p->checked_iter_ns >= 0)
		fprintf(stderr,
			"mosaic plan: %s plan written to '%s': predicted iteration %.3f ms, %s %.3f ms (the fastest of %d finalist%s)\n",
			p->planner, out, p->predicted_iter_ns / 1e6, p->checked_by,
			p->checked_iter_ns / 1e6, p->finalists, p->finalists == 1 ? "" : "s");
	else if (!json && !explain)
		fprintf(stderr, "mosaic plan: %s plan written to '%s': predicted iteration %.3f ms\n",
			p->planner, out, p->predicted_iter_ns / 1e6);
out:
	plan_free(p);
	plan_problem_free(pb);
	workload_free(w);
	return rc;
}
