/* cmd-record.c - `mosaic record -o OUT.mtr -- CMD ARGS...`. */
#include "harness/cli.h"
#include "traces/cuda/trace-cuda.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>

static const char usage[] = "mosaic record -o OUT.mtr [--json] [--quiet] [--] CMD [ARGS...]";

static void help(void)
{
	printf("usage: %s\n\n"
	       "Run CMD on a CUDA GPU with the mosaic recorder (CUPTI Activity API) injected\n"
	       "and write what it ran as a measured trace: kernels with their launch\n"
	       "configuration and green-context partition, NCCL kernels as collectives,\n"
	       "memcpy, memset and NVTX ranges.  Kernels launched inside an NVTX range of\n"
	       "the \"mosaic\" domain (\"module=vision;phase=forward;mb=3\", see\n"
	       "traces/cuda/mosaic-nvtx.h) get its module, phase and microbatch.\n\n"
	       "  -o, --output    the trace to write; \"%%p\" becomes the process id and\n"
	       "                  \"%%r\" the MPI rank (one file per process of a job);\n"
	       "                  --out too\n"
	       "  --json          {\"output\", \"command\", \"status\"} on stdout when done\n"
	       "  --quiet         no note on stderr when CMD exits with a failure status\n\n"
	       "Exit status: CMD's status when it is not 0 (the trace is still written),\n"
	       "2 when there is no CUDA device or mosaic was built without CUDA.\n",
	       usage);
}

int cmd_record(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_OPTS_OUTPUT,
		{"json", no_argument, NULL, CLI_OPT_JSON},
		{"quiet", no_argument, NULL, CLI_OPT_QUIET},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct cli_common co = {0};
	int opt, status = 0, rc;
	struct mo_err err = {0};

	optind = 1;
	/* '+': stop at the first non-option, which is the command */
	while ((opt = cli_getopt(argc, argv, "+o:h", opts)) != -1) {
		if (cli_common_option(opt, &co))
			continue;
		switch (opt) {
		case 'h':
			help();
			return 0;
		default:
			return cli_bad_option("record");
		}
	}
	if (!co.output)
		return cli_usage_error("record", "missing -o OUT.mtr");
	if (optind >= argc)
		return cli_usage_error("record", "missing the command to record");
	rc = trace_cuda_record(argv + optind, co.output, &status, &err);
	if (rc < 0)
		return cli_fail("record", &err);
	if (co.json)
		cli_json_print(json_pack("{s:s,s:s,s:i}", "output", co.output, "command", argv[optind],
					 "status", status));
	if (status != 0) {
		if (!co.quiet)
			fprintf(stderr, "mosaic record: '%s' exited with status %d; trace written to '%s'\n",
				argv[optind], status, co.output);
		return status;
	}
	return 0;
}
