/* cmd-record.c - `mosaic record -o OUT.mtr -- CMD ARGS...`. */
#include "harness/cli.h"
#include "traces/cuda/trace-cuda.h"

#include <getopt.h>
#include <stdio.h>

static const char usage[] = "mosaic record -o OUT.mtr [--] CMD [ARGS...]";

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
	       "                  \"%%r\" the MPI rank (one file per process of a job)\n\n"
	       "Exit status: CMD's status when it is not 0 (the trace is still written),\n"
	       "2 when there is no CUDA device or mosaic was built without CUDA.\n",
	       usage);
}

int cmd_record(int argc, char **argv)
{
	static const struct option opts[] = {
		{"output", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *out = NULL;
	int opt, status = 0, rc;
	struct mo_err err = {0};

	optind = 1;
	/* '+': stop at the first non-option, which is the command */
	while ((opt = cli_getopt(argc, argv, "+o:h", opts)) != -1) {
		switch (opt) {
		case 'o':
			out = optarg;
			break;
		case 'h':
			help();
			return 0;
		default:
			return cli_bad_option("record");
		}
	}
	if (!out)
		return cli_usage_error("record", "missing -o OUT.mtr");
	if (optind >= argc)
		return cli_usage_error("record", "missing the command to record");
	rc = trace_cuda_record(argv + optind, out, &status, &err);
	if (rc < 0)
		return cli_fail("record", &err);
	if (status != 0) {
		fprintf(stderr, "mosaic record: '%s' exited with status %d; trace written to '%s'\n",
			argv[optind], status, out);
		return status;
	}
	return 0;
}
