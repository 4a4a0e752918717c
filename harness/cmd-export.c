/* cmd-export.c - `mosaic export --perfetto FILE -o OUT.json`. */
#include "harness/cli.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

static const char usage[] = "mosaic export --perfetto FILE -o OUT.json [--json] [--quiet]";

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
	       "  -o, --output    the file to write (atomically; --out too)\n"
	       "  --json          what was written (output, events, tracks, skipped) as JSON\n"
	       "                  on stdout\n"
	       "  --quiet         no summary line on stderr\n\n"
	       "A one-line summary goes to stderr: the events and tracks written, and the\n"
	       "activities left out for lack of valid times.\n",
	       usage);
}

int cmd_export(int argc, char **argv)
{
	static const struct option opts[] = {
		{"perfetto", no_argument, NULL, 'p'},
		CLI_OPTS_OUTPUT,
		{"json", no_argument, NULL, CLI_OPT_JSON},
		{"quiet", no_argument, NULL, CLI_OPT_QUIET},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct cli_common co = {0};
	int perfetto = 0, opt;
	struct mo_err err = {0};
	struct trace_export_stats st;

	optind = 1;
	while ((opt = cli_getopt(argc, argv, "o:h", opts)) != -1) {
		if (cli_common_option(opt, &co))
			continue;
		switch (opt) {
		case 'p':
			perfetto = 1;
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
	if (!co.output)
		return cli_usage_error("export", "missing -o OUT.json");
	if (argc - optind != 1)
		return cli_usage_error("export", "expected one FILE");
	if (trace_export_perfetto_stats(argv[optind], co.output, &st, &err) < 0)
		return cli_fail("export", &err);
	if (co.json)
		cli_json_print(json_pack("{s:s,s:I,s:I,s:I}", "output", co.output, "events",
					 (json_int_t)st.events, "tracks", (json_int_t)st.tracks,
					 "skipped", (json_int_t)st.skipped));
	if (co.quiet)
		return 0;
	fprintf(stderr, "mosaic export: wrote '%s': %llu events on %llu tracks", co.output,
		(unsigned long long)st.events, (unsigned long long)st.tracks);
	if (st.skipped)
		fprintf(stderr, " (%llu activities without valid times left out)",
			(unsigned long long)st.skipped);
	fputc('\n', stderr);
	return 0;
}
