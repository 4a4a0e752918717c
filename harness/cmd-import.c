/* cmd-import.c - `mosaic import IN -o OUT.mtr`: Kineto / Chrome trace JSON to .mtr. */
#include "harness/cli.h"
#include "harness/inspect.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char usage[] =
	"mosaic import IN.json[.gz] -o OUT.mtr [--module-depth N] [--reorder-window N] [--json]\n"
	"                     [--quiet]";

static void help(void)
{
	printf("usage: %s\n\n"
	       "Convert a PyTorch profiler (Kineto) trace or a bare Chrome trace array,\n"
	       "plain or gzip, into a mosaic trace (measured).  Kernels keep their launch\n"
	       "facts and are attributed to modules (nn.Module events) and phases (user\n"
	       "annotations, autograd); kernel classes come from the model's classifier.\n\n"
	       "  -o, --output FILE       the .mtr to write (written atomically; --out too)\n"
	       "  --module-depth N        nn.Module nesting level that names a module:\n"
	       "                          0 the root model, 1 its children, 2 (default) theirs\n"
	       "  --reorder-window N      GPU records held back to sort by start (16384)\n"
	       "  --json                  the counts below as one JSON object on stdout\n"
	       "  --quiet                 no summary line on stderr\n\n"
	       "A one-line summary goes to stderr: events, kernels, collectives, memcpy,\n"
	       "memset, markers, the share of kernels attributed to a module and to a phase,\n"
	       "modules, and the JSON read per second (measured).  Exit 2 on bad input (no\n"
	       "file written).\n",
	       usage);
}

/* A sink in front of the writer that fills in kernel classes. */
struct classify_sink {
	struct trace_sink next;
	struct inspect_names names; /* each distinct kernel name classified once */
};

static int cls_header(void *ctx, const struct trace_header *h, struct mo_err *err)
{
	struct classify_sink *c = ctx;
	return c->next.header(c->next.ctx, h, err);
}

static int cls_record(void *ctx, const struct trace_record *rec, struct mo_err *err)
{
	struct classify_sink *c = ctx;
	if (rec->kind == TRACE_KIND_KERNEL) {
		struct trace_record r = *rec;
		int rc = inspect_name(&c->names, &r, err);
		return rc < 0 ? rc : c->next.record(c->next.ctx, &r, err);
	}
	return c->next.record(c->next.ctx, rec, err);
}

/* A clock's reading in seconds.  The summary gives CPU time beside wall
 * time: on a shared machine the wall clock mostly measures the wait for a
 * core (a 500 MB import at load 6-8 on 2 cores: 6.31 s wall = 2.75 s on a
 * core + 3.26 s in the run queue + 0.29 s blocked, mostly the output's
 * fsync; /proc/PID/schedstat, measured). */
static double clock_s(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double pct(uint64_t a, uint64_t b)
{
	return b ? 100.0 * (double)a / (double)b : 0.0;
}

/* The one-line summary on stderr. */
static void print_summary(const char *in, const char *out, const struct trace_import_stats *st,
			  double secs, double cpu)
{
	double mb = (double)st->input_bytes / 1e6;
	uint64_t k = st->kernels + st->collectives;

	fprintf(stderr,
		"imported '%s' -> '%s': %llu events, %llu kernels (%llu collective), "
		"%llu memcpy, %llu memset, %llu markers; %.1f%% of kernels attributed to a "
		"module, %.1f%% to a phase; %llu modules; %.1f MB JSON in %.2f s wall, %.2f s CPU "
		"(%.0f MB/s by CPU time, measured)\n",
		in, out, (unsigned long long)st->events, (unsigned long long)k,
		(unsigned long long)st->collectives, (unsigned long long)st->memcpys,
		(unsigned long long)st->memsets, (unsigned long long)st->markers,
		pct(st->attributed, k), pct(st->phased, k), (unsigned long long)st->modules, mb, secs,
		cpu, cpu > 0 ? mb / cpu : 0.0);
}

/* --json: the same counts as one object on stdout. */
static void print_json(const char *in, const char *out, const struct trace_import_stats *st,
		       double secs)
{
	uint64_t k = st->kernels + st->collectives;
	json_t *o = json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:f,s:f,s:I,s:f}", "events",
			      (json_int_t)st->events, "kernels", (json_int_t)k, "collectives",
			      (json_int_t)st->collectives, "memcpys", (json_int_t)st->memcpys,
			      "memsets", (json_int_t)st->memsets, "markers", (json_int_t)st->markers,
			      "modules", (json_int_t)st->modules, "attributed_pct",
			      pct(st->attributed, k), "phased_pct", pct(st->phased, k), "input_bytes",
			      (json_int_t)st->input_bytes, "measured_seconds", secs);

	json_object_set_new(o, "input", inspect_jstr(in));
	json_object_set_new(o, "output", inspect_jstr(out));
	cli_json_print(o);
}

int cmd_import(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_OPTS_OUTPUT,
		{"json", no_argument, NULL, CLI_OPT_JSON},
		{"quiet", no_argument, NULL, CLI_OPT_QUIET},
		{"module-depth", required_argument, NULL, 'd'},
		{"reorder-window", required_argument, NULL, 'w'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct trace_import_opts io;
	struct mo_err err = {0};
	struct cli_common co = {0};
	int c;

	trace_import_opts_init(&io);
	optind = 1;
	while ((c = cli_getopt(argc, argv, "o:h", opts)) != -1) {
		if (cli_common_option(c, &co))
			continue;
		switch (c) {
		case 'd':
		case 'w': {
			long long v;
			if (cli_int(c == 'd' ? "--module-depth" : "--reorder-window", optarg, c == 'd' ? 0 : 1,
				    c == 'd' ? 1000 : 100000000, &v, &err) < 0)
				return cli_usage_error("import", "%s", err.msg);
			*(c == 'd' ? &io.module_depth : &io.reorder_window) = (int)v;
			break;
		}
		case 'h':
			help();
			return 0;
		default:
			return cli_bad_option("import");
		}
	}
	if (optind != argc - 1)
		return cli_usage_error("import", "expected one input file");
	if (!co.output)
		return cli_usage_error("import", "missing -o OUT.mtr");
	const char *in = argv[optind], *out = co.output;

	struct trace_writer *w = NULL;
	struct trace_sink ws;
	int rc = trace_sink_writer(&ws, &w, out);
	if (rc < 0) {
		mo_err_set(&err, -rc, "cannot write '%s': out of memory", out);
		return cli_fail("import", &err);
	}
	struct classify_sink cs = {ws, {trace_strpool_new(), NULL, 0}};
	struct trace_sink sink = {cls_header, cls_record, &cs};
	struct trace_import_stats st;
	double t0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
	rc = cs.names.pool ? trace_import_kineto_opts(in, &io, &sink, &st, &err)
			   : mo_err_set(&err, MO_ENOMEM, "out of memory");
	if (rc == 0)
		rc = trace_writer_close(w, &err);
	else
		trace_writer_abort(w);
	trace_strpool_free(cs.names.pool); /* after the writer: it may hold its names */
	inspect_names_release(&cs.names);
	if (rc != 0)
		return cli_fail("import", &err);
	double secs = clock_s(CLOCK_MONOTONIC) - t0, cpu = clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
	if (co.json)
		print_json(in, out, &st, secs);
	if (!co.quiet)
		print_summary(in, out, &st, secs, cpu);
	return 0;
}
