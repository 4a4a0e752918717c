/* cmd-profile.c - `mosaic profile SPEC|TRACE --quotas LIST`. */
#include "harness/cli.h"
#include "engine/cuda/engine-cuda.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"mosaic profile SPEC|TRACE --quotas N,N,... [-o DIR] [--repeats N] [--device N] [--json]\n"
	"                       [--quiet]";

static void help(void)
{
	printf("usage: %s\n\n"
	       "On a CUDA GPU, replay each module's kernels alone inside a green context\n"
	       "of each SM quota and write one MEASURED trace per (module, quota),\n"
	       "DIR/<module>-q<sms>.mtr, for fitting the scaling curves.  The kernels come\n"
	       "from a trace whose kernels carry modules (mosaic record, import) or from a\n"
	       "workload spec (forward and backward of one microbatch, as synthesised);\n"
	       "each is replayed by a synthetic kernel with its grid, block, shared memory,\n"
	       "occupancy and duration at the whole GPU (see engine/cuda/engine-cuda.h).\n\n"
	       "  --quotas LIST   SM counts, e.g. 16,32,64,132 (rounded up to the device's\n"
	       "                  partition lattice; the trace header gives the real count)\n"
	       "  -o, --output    directory for the traces (default profile/; --out too)\n"
	       "  --repeats N     timed replays per module and quota (default 3)\n"
	       "  --device N      CUDA device ordinal (default 0)\n"
	       "  --json          {\"dir\", \"traces\", \"modules\", \"quotas\"} on stdout\n"
	       "                  instead of the summary line\n"
	       "  --quiet         accepted as by every command (profile writes only errors\n"
	       "                  to stderr)\n",
	       usage);
}

static int parse_quotas(const char *s, int **out, int *n)
{
	size_t cap = 0;
	int k = 0;
	int *q = NULL;

	while (*s) {
		char *end;
		long v = strtol(s, &end, 10);
		if (end == s || v <= 0 || v > 100000 || (*end && *end != ',')) {
			free(q);
			return -1;
		}
		if (MO_GROW(q, (size_t)k + 1, cap) < 0) {
			free(q);
			return -1;
		}
		q[k++] = (int)v;
		s = *end ? end + 1 : end;
	}
	if (!q || k == 0) {
		free(q);
		return -1;
	}
	*out = q;
	*n = k;
	return 0;
}

/* The command line into po, *quotas (malloc'ed, po->quotas points to it:
 * the caller frees it) and *json; -1 to go on, else the exit code (usage,
 * --help) with nothing left to free. */
static int parse_args(int argc, char **argv, struct engine_cuda_profile_opts *po, int **quotas_out,
		      int *json)
{
	static const struct option opts[] = {
		{"quotas", required_argument, NULL, 'q'},
		CLI_OPTS_OUTPUT,
		{"json", no_argument, NULL, CLI_OPT_JSON},
		{"quiet", no_argument, NULL, CLI_OPT_QUIET},
		{"repeats", required_argument, NULL, 'r'},
		{"device", required_argument, NULL, 'd'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct mo_err err = {0};
	int *quotas = NULL, opt, rc = -1;
	long long v;

	optind = 1;
	while (rc < 0 && (opt = cli_getopt(argc, argv, "o:h", opts)) != -1) {
		switch (opt) {
		case 'q':
			free(quotas);
			quotas = NULL;
			if (parse_quotas(optarg, &quotas, &po->n_quotas))
				rc = cli_usage_error("profile", "bad --quotas '%s': expected N,N,... (SMs)", optarg);
			break;
		case 'o': po->out_dir = optarg; break;
		case CLI_OPT_JSON: *json = 1; break;
		case CLI_OPT_QUIET: break;
		case 'r':
		case 'd':
			if (cli_int(opt == 'r' ? "--repeats" : "--device", optarg, opt == 'r' ? 1 : 0,
				    opt == 'r' ? 100000 : 1023, &v, &err) < 0)
				rc = cli_usage_error("profile", "%s", err.msg);
			else
				*(opt == 'r' ? &po->repeats : &po->device) = (int)v;
			break;
		case 'h': help(); rc = 0; break;
		default: rc = cli_bad_option("profile"); break;
		}
	}
	if (rc < 0 && !quotas)
		rc = cli_usage_error("profile", "missing --quotas LIST");
	if (rc < 0 && argc - optind != 1)
		rc = cli_usage_error("profile", "expected one SPEC or TRACE");
	if (rc >= 0) {
		free(quotas);
		return rc;
	}
	po->input = argv[optind];
	po->quotas = *quotas_out = quotas;
	return -1;
}

int cmd_profile(int argc, char **argv)
{
	struct engine_cuda_profile_opts po = {NULL, NULL, NULL, 0, "profile", 3, 0};
	struct workload *w = NULL;
	enum trace_file_format fmt = TRACE_FILE_UNKNOWN;
	struct engine_cuda_profile_result res;
	struct mo_err err = {0};
	int *quotas = NULL, json = 0, rc = parse_args(argc, argv, &po, &quotas, &json);

	if (rc >= 0)
		return rc;
	/* a trace mosaic reads, else a workload spec path or bundled name */
	if (trace_sniff(po.input, &fmt, NULL) < 0 || fmt == TRACE_FILE_UNKNOWN) {
		if (cli_workload_load(po.input, &w, &err) < 0) {
			free(quotas);
			return cli_fail("profile", &err);
		}
		po.workload = w;
	}
	rc = engine_cuda_profile(&po, &res, &err);
	free(quotas);
	workload_free(w);
	if (rc < 0)
		return cli_fail("profile", &err);
	if (json) {
		cli_json_print(json_pack("{s:s,s:i,s:i,s:i,s:s}", "dir", po.out_dir, "traces",
					 res.traces, "modules", res.modules, "quotas", res.quotas,
					 "times", "measured"));
		return 0;
	}
	printf("profile: %d traces (measured) for %d modules x %d quotas in '%s'\n", res.traces,
	       res.modules, res.quotas, po.out_dir);
	return 0;
}
