/* cmd-bench.c - `mosaic bench`: the paper's evaluation on the embedded default. */
#include "harness/bench/bench.h"
#include "harness/cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char usage[] =
	"mosaic bench [--quick] [--out DIR] [--jobs N] [--cluster SPEC] [--shard I/N|auto]\n"
	"                    [--workloads a,b] [--timeline NAME] [--check sim|none] [--quiet]\n"
	"                    [--gpu-file FILE]\n"
	"       mosaic bench --merge DIR... --out DIR";

static void help(void)
{
	printf("usage: %s\n\n"
	       "Plan every bundled workload with the temporal-only baselines (megatron,\n"
	       "distmm, spindle, optimus) and mosaic's temporal-spatial planner, run each plan\n"
	       "in the simulator, and write the paper's evaluation (Fig. 9-14 and timelines)\n"
	       "to DIR: CSV tables, gnuplot figures (PNG + SVG), report.md, summary.json.\n"
	       "Every number is simulated (sim backend) or predicted (performance model).\n\n"
	       "  --quick          the CI-sized sweep (fewer GPU counts)\n"
	       "  --out DIR        results directory (default results/<UTC date-time>)\n"
	       "  --jobs N         run the sweep in N processes (default: online CPUs)\n"
	       "  --cluster SPEC   GPUxCOUNT (\"h100x8\", the default; \"a100-80gb-pcie x16\")\n"
	       "  --gpu-file FILE  add GPUs from a JSON file (as `mosaic model gpus --json`)\n"
	       "                   for --cluster to name\n"
	       "                   or a JSON file {\"gpu\": NAME or {GPU spec}, \"gpus\": N,\n"
	       "                   \"gpus_per_node\": 8, \"nvlink_gbps\": 450, \"net_gbps\": 50}\n"
	       "  --shard I/N      run only tasks with index %% N == I; writes their rows and\n"
	       "                   shard.json to DIR (merge the N directories with --merge)\n"
	       "  --shard auto     I/N from mpirun, srun or a Slurm job array; writes\n"
	       "                   DIR/shards/I (then: --merge DIR/shards/* --out DIR)\n"
	       "  --workloads LIST comma-separated bundled names or spec files (default: the\n"
	       "                   bundled suite); a spec is named by its \"name\" field\n"
	       "  --timeline NAME  the workload whose iteration the timelines draw (default:\n"
	       "                   the first whose mosaic plan colocates modules on a GPU)\n"
	       "  --check sim|none sim (the default): every planner's finalists (its plans\n"
	       "                   predicted within 3%% of its best; for mosaic, every baseline's\n"
	       "                   too) run in the simulator and the fastest simulated is\n"
	       "                   kept; none: the cost model alone chooses each plan\n"
	       "  --merge DIR...   join shard directories into the report in --out DIR\n"
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

static void print_summary(const char *dir)
{
	char path[4096], *text;

	snprintf(path, sizeof(path), "%s/summary.txt", dir);
	text = bench_read_file(path, NULL, NULL);
	if (text)
		fputs(text, stdout);
	free(text);
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

int cmd_bench(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"quick", no_argument, 0, 'q'},     {"out", required_argument, 0, 'o'},
		{"jobs", required_argument, 0, 'j'}, {"cluster", required_argument, 0, 'c'},
		{"shard", required_argument, 0, 's'}, {"workloads", required_argument, 0, 'w'},
		{"merge", no_argument, 0, 'm'},     {"quiet", no_argument, 0, 'Q'},
		{"timeline", required_argument, 0, 't'}, {"help", no_argument, 0, 'h'},
		{"check", required_argument, 0, 'C'}, {"gpu-file", required_argument, 0, 'G'},
		{0, 0, 0, 0},
	};
	struct bench_opts o;
	struct mo_err err;
	const char *out = NULL, *cluster = NULL, *workloads = NULL, *timeline = NULL, *check = NULL;
	char outbuf[512];
	int c, merge = 0, shard_i = -1, shard_n = 0, shard_auto = 0, rc;
	char autobuf[600];
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	mo_err_clear(&err);
	if (bench_opts_init(&o, &err))
		return cli_fail("bench", &err);
	o.jobs = cpus > 0 ? (int)cpus : 1;
	optind = 1;
	while ((c = getopt_long(argc, argv, "qo:j:c:s:w:mQt:C:h", longopts, NULL)) != -1) {
		long long v;

		switch (c) {
		case 'q': o.quick = 1; break;
		case 'o': out = optarg; break;
		case 'j':
			if (cli_int("--jobs", optarg, 1, 256, &v, &err) < 0)
				return cli_usage_error("bench", usage, "%s", err.msg);
			o.jobs = (int)v;
			break;
		case 'c': cluster = optarg; break;
		case 's':
			if (!strcmp(optarg, "auto")) {
				shard_auto = 1;
				shard_n = 1;
				break;
			}
			if (parse_shard(optarg, &shard_i, &shard_n) < 0)
				return cli_usage_error("bench", usage,
						       "bad --shard '%s': expected I/N with 0 <= I < N",
						       optarg);
			break;
		case 'w': workloads = optarg; break;
		case 't': timeline = optarg; break;
		case 'C':
			check = optarg;
			if (strcmp(check, "sim") && strcmp(check, "none"))
				return cli_usage_error("bench", usage, "bad --check '%s': sim or none", optarg);
			o.no_check = !strcmp(check, "none");
			break;
		case 'G':
			if (strlen(optarg) >= sizeof(o.gpu_file))
				return cli_usage_error("bench", usage, "--gpu-file path too long");
			if (model_gpu_load_file(optarg, &err) < 0)
				return cli_fail("bench", &err);
			snprintf(o.gpu_file, sizeof(o.gpu_file), "%s", optarg);
			break;
		case 'm': merge = 1; break;
		case 'Q': o.quiet = 1; break;
		case 'h': help(); return 0;
		default: return cli_usage_error("bench", usage, "unknown option");
		}
	}
	if (merge) {
		if (!out)
			return cli_usage_error("bench", usage, "--merge needs --out DIR");
		if (optind >= argc)
			return cli_usage_error("bench", usage, "--merge needs shard directories");
		if (shard_n || cluster || workloads || timeline || check || o.quick)
			return cli_usage_error("bench", usage,
					       "--merge takes the sweep's options from the shards; "
					       "give only --out");
		rc = bench_merge((const char *const *)argv + optind, argc - optind, out, 0, NULL,
				 NULL, &err);
		if (rc)
			return cli_fail("bench", &err);
		print_summary(out);
		return 0;
	}
	if (optind < argc)
		return cli_usage_error("bench", usage, "unexpected argument '%s'", argv[optind]);
	if (cluster && bench_cluster_parse(&o.cluster, cluster, &err))
		return cli_fail("bench", &err);
	if (workloads && bench_workloads_parse(&o, workloads, &err))
		return cli_fail("bench", &err);
	if (timeline)
		snprintf(o.timeline, sizeof(o.timeline), "%s", timeline);
	if (bench_timeline_choose(&o, &err))
		return cli_fail("bench", &err);
	if (!o.n_workloads) {
		fprintf(stderr, "mosaic bench: no bundled workloads in this build\n");
		return 2;
	}
	if (shard_auto) {
		const char *which;

		if (bench_shard_from_env(&shard_i, &shard_n, &which, &err))
			return cli_fail("bench", &err);
		fprintf(stderr, "mosaic bench: shard %d/%d from %s\n", shard_i, shard_n, which);
		if (out) { /* every rank shares --out: each writes DIR/shards/I */
			snprintf(autobuf, sizeof(autobuf), "%s/shards/%d", out, shard_i);
			out = autobuf;
		}
	}
	if (!out) {
		char suffix[64] = "";

		if (shard_n)
			snprintf(suffix, sizeof(suffix), "-shard%dof%d", shard_i, shard_n);
		default_out(outbuf, sizeof(outbuf), suffix);
		out = outbuf;
	}
	if (shard_n) {
		rc = bench_run_shard(&o, shard_i, shard_n, out, -1, &err);
		if (rc)
			return cli_fail("bench", &err);
		printf("shard %d/%d: %s (join the shards with 'mosaic bench --merge DIR... --out DIR')\n",
		       shard_i, shard_n, out);
		return 0;
	}
	rc = bench_run_jobs(&o, out, &err);
	if (rc)
		return cli_fail("bench", &err);
	print_summary(out);
	return 0;
}
