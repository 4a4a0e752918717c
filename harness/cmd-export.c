/* cmd-export.c - `mosaic export --perfetto FILE -o OUT.json`. */
#include "harness/cli.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char usage[] = "mosaic export --perfetto FILE -o OUT.json";

static void help(void)
{
	printf("usage: %s\n\n"
	       "Write a trace (.mtr, or Kineto / Chrome trace JSON) as Chrome trace JSON\n"
	       "that ui.perfetto.dev and chrome://tracing open: one process per GPU, one\n"
	       "thread track per stream (named \"partition N (S SMs) / stream M\" when the\n"
	       "stream runs in an SM partition), kernels, memcpy, memset, collectives and\n"
	       "markers as events with their launch facts, module and phase in args.\n"
	       "Timestamps are microseconds from the earliest activity, exact to the ns;\n"
	       "otherData says whether the times are measured or simulated.\n\n"
	       "  --perfetto      the format (the only one so far)\n"
	       "  -o, --output    the file to write (atomically)\n",
	       usage);
}

int cmd_export(int argc, char **argv)
{
	static const struct option opts[] = {
		{"perfetto", no_argument, NULL, 'p'},
		{"output", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *out = NULL;
	int perfetto = 0, opt;
	struct mo_err err = {0};
	struct trace_export_stats st;

	optind = 1;
	while ((opt = cli_getopt(argc, argv, "o:h", opts)) != -1) {
		switch (opt) {
		case 'p':
			perfetto = 1;
			break;
		case 'o':
			out = optarg;
			break;
		case 'h':
			help();
			return 0;
		default:
			return cli_bad_option("export");
		}
	}
	if (!perfetto)
		return cli_usage_error("export", "say which format: --perfetto");
	if (!out)
		return cli_usage_error("export", "missing -o OUT.json");
	if (argc - optind != 1)
		return cli_usage_error("export", "expected one FILE");
	if (trace_export_perfetto_stats(argv[optind], out, &st, &err) < 0)
		return cli_fail("export", &err);
	fprintf(stderr, "mosaic export: wrote '%s': %llu events on %llu tracks", out,
		(unsigned long long)st.events, (unsigned long long)st.tracks);
	if (st.skipped)
		fprintf(stderr, " (%llu activities without valid times left out)",
			(unsigned long long)st.skipped);
	fputc('\n', stderr);
	return 0;
}
