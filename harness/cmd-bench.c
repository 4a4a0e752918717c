/* cmd-bench.c - `mosaic bench`: the paper's evaluation on the embedded default. */
#include "harness/bench/bench.h"
#include "harness/cli.h"

#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char usage[] =
	"mosaic bench [--quick] [-o DIR] [--jobs N] [--cluster SPEC] [--shard I/N|auto]\n"
	"                    [--workloads a,b] [--timeline NAME] [--check sim|none] [--quiet]\n"
	"                    [--json] [--gpu-file FILE] [--profiles LIST] [--calibration FILE] [--matrix FILE]\n"
	"       mosaic bench --merge DIR... -o DIR [--json]";

static void help(void)
{
	printf("usage: %s\n\n"
	       "Plan every bundled workload with the temporal-only baselines (megatron,\n"
	       "distmm, spindle, optimus) and mosaic's temporal-spatial planner, run each plan\n"
	       "in the simulator, and write the paper's evaluation (Fig. 9-14 and timelines)\n"
	       "to DIR: CSV tables, gnuplot figures (PNG + SVG), report.md, summary.json.\n"
	       "Every number is simulated (sim backend) or predicted (performance model).\n\n"
	       "  --quick          the CI-sized sweep (fewer GPU counts)\n"
	       "  -o, --output DIR results directory (default results/<UTC date-time>;\n"
	       "                   --out DIR too)\n"
	       "  --jobs N         run the sweep in N processes (default: online CPUs)\n"
	       "  --cluster SPEC   GPUxCOUNT (\"h100x8\", the default; \"a100-80gb-pcie x16\")\n"
	       "  --gpu-file FILE  add GPUs from a JSON file (as `mosaic model gpus --json`)\n"
	       "                   for --cluster to name\n"
	       "                   or a JSON file {\"gpu\": NAME or {GPU spec}, \"gpus\": N,\n"
	       "                   \"gpus_per_node\": 8, \"nvlink_gbps\": 450, \"net_gbps\": 50}\n"
	       "  --shard I/N      run only tasks with index %% N == I; writes their rows and\n"
	       "                   shard.json to DIR (merge the N directories with --merge)\n"
	       "  --shard auto     I/N from mpirun, srun or a Slurm job array; writes\n"
	       "                   DIR/shards/I (then: --merge DIR/shards/* -o DIR)\n"
	       "  --workloads LIST comma-separated bundled names or spec files (default: the\n"
	       "                   bundled suite); a spec is named by its \"name\" field\n"
	       "  --timeline NAME  the workload whose iteration the timelines draw (default:\n"
	       "                   the first whose mosaic plan colocates modules on a GPU)\n"
	       "  --check sim|none sim (the default): every planner's finalists (its plans\n"
	       "                   predicted within 3%% of its best; for mosaic, every baseline's\n"
	       "                   too) run in the simulator and the fastest simulated is\n"
	       "                   kept; none: the cost model alone chooses each plan\n"
	       "  --profiles LIST, --calibration FILE, --matrix FILE\n"
	       "                   the user's measurements, as `plan` takes them: every\n"
	       "                   workload they cover is planned with them (module curves,\n"
	       "                   measured interference); shard.json records them; the\n"
	       "                   finalist check is then off unless --check sim (the\n"
	       "                   simulator does not know them: they shape the plans, the\n"
	       "                   simulated times are the simulator's)\n"
	       "  --merge DIR...   join shard directories into the report in -o DIR\n"
	       "  --json           print DIR/summary.json (per workload each system's\n"
	       "                   simulated and predicted iteration time, the speedups) on\n"
	       "                   stdout instead of the summary lines; with --shard,\n"
	       "                   {\"shard\", \"shards\", \"dir\"}\n"
	       "  --quiet          no progress on stderr\n", usage);
}

static int default_out(char *buf, size_t size, const char *suffix)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	return snprintf(buf, size, "results/%04d%02d%02d-%02d%02d%02d%s", tm.tm_year + 1900,
			tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, suffix);
}

/* Before a report is drawn: say when gnuplot is missing (the figures are
 * then written as scripts only). */
static void warn_no_gnuplot(const char *dir)
{
	if (!bench_have_gnuplot())
		fprintf(stderr, "mosaic bench: warning: gnuplot not found: figures are written as "
				"scripts only (install gnuplot-nox, then run 'mosaic plot %s')\n", dir);
}

/* The run's summary on stdout: summary.txt and where the report is, or with
 * --json summary.json as it is. */
static void print_summary(const char *dir, int json)
{
	char path[4096], *text;

	snprintf(path, sizeof(path), "%s/%s", dir, json ? "summary.json" : "summary.txt");
	if (mo_read_file(path, BENCH_MAX_FILE, &text, NULL, NULL) == 0)
		fputs(text, stdout);
	free(text);
	if (!json)
		printf("report: %s/report.md\n", dir);
}

/* "I/N" with 0 <= I < N <= 65536 (cli_int for each half). */
static int parse_shard(const char *arg, int *i, int *n)
{
	char head[32];
	const char *slash = strchr(arg, '/');
	long long a, b;

	if (!slash || (size_t)(slash - arg) >= sizeof(head))
		return -1;
	memcpy(head, arg, (size_t)(slash - arg));
	head[slash - arg] = '\0';
	if (cli_int("I", head, 0, 65535, &a, NULL) < 0 || cli_int("N", slash + 1, 1, 65536, &b, NULL) < 0 ||
	    a >= b)
		return -1;
	*i = (int)a, *n = (int)b;
	return 0;
}

/* What the command line asked for, beside the sweep's options. */
struct args {
	const char *out, *cluster, *workloads, *timeline, *check;
	int merge, shard_i, shard_n, shard_auto, json;
};

/* One option into o and a: -1 to go on, else the exit code. */
static int option(int c, struct bench_opts *o, struct args *a, struct mo_err *err)
{
	long long v;

	switch (c) {
	case 'q': o->quick = 1; return -1;
	case 'o': a->out = optarg; return -1;
	case 'j':
		if (cli_int("--jobs", optarg, 1, 256, &v, err) < 0)
			return cli_usage_error("bench", "%s", err->msg);
		o->jobs = (int)v;
		return -1;
	case 'c': a->cluster = optarg; return -1;
	case 's':
		if (!strcmp(optarg, "auto")) {
			a->shard_auto = 1;
			a->shard_n = 1;
		} else if (parse_shard(optarg, &a->shard_i, &a->shard_n) < 0) {
			return cli_usage_error("bench",
					       "bad --shard '%s': expected I/N with 0 <= I < N", optarg);
		}
		return -1;
	case 'w': a->workloads = optarg; return -1;
	case 't': a->timeline = optarg; return -1;
	case 'C':
		a->check = optarg;
		if (strcmp(a->check, "sim") && strcmp(a->check, "none"))
			return cli_usage_error("bench", "bad --check '%s': sim or none", optarg);
		o->no_check = !strcmp(a->check, "none");
		return -1;
	case 'G':
		if (strlen(optarg) >= sizeof(o->gpu_file))
			return cli_usage_error("bench", "--gpu-file path too long");
		if (model_gpu_load_file(optarg, err) < 0)
			return cli_fail("bench", err);
		snprintf(o->gpu_file, sizeof(o->gpu_file), "%s", optarg);
		return -1;
	case 'P': case 'A': case 'M': {
		char *dst = c == 'P' ? o->profiles : c == 'A' ? o->calibration : o->matrix;
		size_t cap = c == 'P' ? sizeof(o->profiles) : sizeof(o->matrix);
		if (strlen(optarg) >= cap)
			return cli_usage_error("bench", "measurement path too long");
		snprintf(dst, cap, "%s", optarg);
		return -1;
	}
	case 'm': a->merge = 1; return -1;
	case 'Q': o->quiet = 1; return -1;
	case CLI_OPT_JSON: a->json = 1; return -1;
	case 'h': help(); return 0;
	default: return cli_bad_option("bench");
	}
}

/* --merge DIR... -o DIR */
static int merge(int argc, char **argv, const struct bench_opts *o, const struct args *a,
		 struct mo_err *err)
{
	if (!a->out)
		return cli_usage_error("bench", "--merge needs -o DIR");
	if (optind >= argc)
		return cli_usage_error("bench", "--merge needs shard directories");
	if (a->shard_n || a->cluster || a->workloads || a->timeline || a->check || o->quick ||
	    bench_measurements_any(o))
		return cli_usage_error("bench",
				       "--merge takes the sweep's options from the shards; give only -o");
	warn_no_gnuplot(a->out);
	if (bench_merge((const char *const *)argv + optind, argc - optind, a->out, 0, NULL, NULL, err))
		return cli_fail("bench", err);
	print_summary(a->out, a->json);
	return 0;
}

/* The sweep's cluster, workloads and timeline from a: -1 to go on, else the exit code. */
static int sweep_opts(struct bench_opts *o, const struct args *a, struct mo_err *err)
{
	if (a->cluster && bench_cluster_parse(&o->cluster, a->cluster, err))
		return cli_fail("bench", err);
	if (a->workloads && bench_workloads_parse(o, a->workloads, err))
		return cli_fail("bench", err);
	if (bench_measurements_load(o, err))
		return cli_fail("bench", err);
	if (bench_measurements_any(o) && !a->check)
		o->no_check = 1; /* the simulator does not know the measurements */
	if (a->timeline)
		snprintf(o->timeline, sizeof(o->timeline), "%s", a->timeline);
	if (bench_timeline_choose(o, err))
		return cli_fail("bench", err);
	if (!o->n_workloads) {
		fprintf(stderr, "mosaic bench: no bundled workloads in this build\n");
		return MO_EXIT_USAGE;
	}
	return -1;
}

/* Where the results go: -o, DIR/shards/I for --shard auto, else results/<date-time>. */
static int out_dir(struct args *a, int quiet, char *buf, size_t size, struct mo_err *err)
{
	if (a->shard_auto) {
		const char *which;

		if (bench_shard_from_env(&a->shard_i, &a->shard_n, &which, err))
			return cli_fail("bench", err);
		if (!quiet)
			fprintf(stderr, "mosaic bench: shard %d/%d from %s\n", a->shard_i, a->shard_n,
				which);
		if (a->out) { /* every rank shares -o: each writes DIR/shards/I */
			snprintf(buf, size, "%s/shards/%d", a->out, a->shard_i);
			a->out = buf;
		}
	}
	if (!a->out) {
		char suffix[64] = "";

		if (a->shard_n)
			snprintf(suffix, sizeof(suffix), "-shard%dof%d", a->shard_i, a->shard_n);
		default_out(buf, size, suffix);
		a->out = buf;
	}
	return -1;
}

int cmd_bench(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"quick", no_argument, 0, 'q'},     CLI_OPTS_OUTPUT,
		{"json", no_argument, 0, CLI_OPT_JSON},
		{"jobs", required_argument, 0, 'j'}, {"cluster", required_argument, 0, 'c'},
		{"shard", required_argument, 0, 's'}, {"workloads", required_argument, 0, 'w'},
		{"merge", no_argument, 0, 'm'},     {"quiet", no_argument, 0, 'Q'},
		{"timeline", required_argument, 0, 't'}, {"help", no_argument, 0, 'h'},
		{"check", required_argument, 0, 'C'}, {"gpu-file", required_argument, 0, 'G'},
		{"profiles", required_argument, 0, 'P'}, {"calibration", required_argument, 0, 'A'},
		{"matrix", required_argument, 0, 'M'},
		{0, 0, 0, 0},
	};
	struct bench_opts o;
	struct args a = {.shard_i = -1};
	struct mo_err err;
	char outbuf[600];
	int c, rc;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	mo_err_clear(&err);
	if (bench_opts_init(&o, &err))
		return cli_fail("bench", &err);
	o.jobs = cpus > 0 ? (int)cpus : 1;
	optind = 1;
	while ((c = cli_getopt(argc, argv, "qo:j:c:s:w:mQt:C:h", longopts)) != -1)
		if ((rc = option(c, &o, &a, &err)) >= 0)
			return rc;
	if (a.merge)
		return merge(argc, argv, &o, &a, &err);
	if (optind < argc)
		return cli_usage_error("bench", "unexpected argument '%s'", argv[optind]);
	if ((rc = sweep_opts(&o, &a, &err)) >= 0 || (rc = out_dir(&a, o.quiet, outbuf, sizeof(outbuf), &err)) >= 0)
		return rc;
	if (a.shard_n) {
		if (bench_run_shard(&o, a.shard_i, a.shard_n, a.out, -1, &err))
			return cli_fail("bench", &err);
		if (a.json)
			cli_json_print(json_pack("{s:i,s:i,s:s}", "shard", a.shard_i, "shards",
						 a.shard_n, "dir", a.out));
		else
			printf("shard %d/%d: %s (join the shards with 'mosaic bench --merge DIR... "
			       "-o DIR')\n", a.shard_i, a.shard_n, a.out);
		return 0;
	}
	warn_no_gnuplot(a.out);
	if (bench_run_jobs(&o, a.out, &err))
		return cli_fail("bench", &err);
	print_summary(a.out, a.json);
	return 0;
}
