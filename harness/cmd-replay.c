/* cmd-replay.c - `mosaic replay TRACE`: re-run a recorded trace on the
 * simulator at its recorded GPU and SM count; compare the spans. */
#include "harness/cli.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"

static const char usage[] =
	"mosaic replay TRACE [--json] [-o OUT.mtr] [--window NS] [--sms N] [--quiet]\n"
	"  re-run a trace (.mtr, or Kineto / Chrome JSON) on the simulator, on its own\n"
	"  GPU at its recorded SM count,\n"
	"  keeping streams, inferred cross-stream dependencies and host gaps;\n"
	"  --json: span_ns (simulated), measured_span_ns, error_pct, kernels, and the\n"
	"  GPU's own work: busy_ns / measured_busy_ns / busy_error_pct (union of the\n"
	"  activities per device), per-kernel |error| median / p90 / max and signed\n"
	"  mean (kernels only), host_gap_ns (recorded idle time before host-bound\n"
	"  launches) and host_bound (over half the span: the span error then mostly\n"
	"  replays the recorded gaps)\n"
	"  -o, --output (or --out): write the simulated trace; --window: dependency\n"
	"  window (default 2000 ns);\n"
	"  --sms N: what-if, run it on N SMs instead of the recorded count (simulated);\n"
	"  --quiet: accepted as by every command (replay writes only errors to stderr)";

static int put_record(void *ctx, const struct trace_record *rec, struct mo_err *err)
{
	return trace_writer_put(ctx, rec, err);
}

/* What the command line asks. */
struct replay_args {
	struct engine_replay_opts ro;
	const char *trace, *out;
	int json;
};

/* Parse the options into a: -1 to go on, else the exit code. */
static int parse_args(int argc, char **argv, struct replay_args *a)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'},
		CLI_OPTS_OUTPUT,
		{"quiet", no_argument, NULL, CLI_OPT_QUIET},
		{"window", required_argument, NULL, 'w'},
		{"sms", required_argument, NULL, 's'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct mo_err err;
	long long v;
	int c;

	mo_err_clear(&err);
	optind = 1;
	while ((c = cli_getopt(argc, argv, "jo:h", opts)) != -1) {
		if (c == 'j') {
			a->json = 1;
		} else if (c == 'o') {
			a->out = optarg;
		} else if (c == 'w') {
			if (cli_int("--window (ns)", optarg, 0, INT64_MAX, &v, &err) < 0)
				return cli_usage_error("replay", "%s", err.msg);
			a->ro.dep_window_ns = v;
		} else if (c == 's') {
			if (cli_int("--sms", optarg, 1, CLI_MAX_SMS, &v, &err) < 0)
				return cli_usage_error("replay", "%s", err.msg);
			a->ro.sms = (int)v;
		} else if (c == 'h') {
			printf("usage: %s\n", usage);
			return 0;
		} else if (c != CLI_OPT_QUIET) {
			return cli_bad_option("replay");
		}
	}
	if (optind != argc - 1)
		return cli_usage_error("replay", "expected one trace");
	a->trace = argv[optind];
	return -1;
}

/* -o: the simulated trace's writer (the input's module and phase
 * definitions first) and the sink the replay sends its records to. */
static struct trace_writer *open_output(const struct replay_args *a, const struct trace_mem *t,
					struct trace_sink *sink, struct mo_err *err)
{
	struct trace_header h = t->header;
	struct trace_writer *w;

	h.producer = "mosaic replay " MOSAIC_VERSION;
	h.source = TRACE_SOURCE_SIMULATED;
	h.origin = a->trace;
	if (a->ro.sms > 0)
		h.quota_sms = a->ro.sms; /* what-if at N SMs: a trace recorded under that quota */
	w = trace_writer_open(a->out, &h, err);
	if (!w)
		return NULL;
	for (size_t i = 0; i < t->n; i++)
		if ((t->recs[i].kind == TRACE_KIND_MODULE || t->recs[i].kind == TRACE_KIND_PHASE) &&
		    trace_writer_put(w, &t->recs[i], err) < 0) {
			trace_writer_abort(w);
			return NULL;
		}
	sink->header = NULL;
	sink->record = put_record;
	sink->ctx = w;
	return w;
}

static void print_json(const struct replay_args *a, const struct trace_mem *t,
		       const struct engine_replay_result *res)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:i, s:I, s:I, s:f, s:I, s:i, s:I, s:I}",
			      "trace", a->trace, "source", "simulated",
			      "measured_source", trace_source_name((int)t->header.source), "gpu", res->gpu,
			      "sms", res->sms, "span_ns", (json_int_t)res->span_ns,
			      "measured_span_ns", (json_int_t)res->measured_span_ns,
			      "error_pct", res->error_pct, "kernels", (json_int_t)res->kernels,
			      "streams", res->streams, "dependencies", (json_int_t)res->dependencies,
			      "window_ns", (json_int_t)a->ro.dep_window_ns);
	char *s;

	if (o && a->ro.sms > 0)
		json_object_set_new(o, "what_if_sms", json_integer(a->ro.sms));
	if (o)
		json_object_update_new(
			o, json_pack("{s:I, s:I, s:f, s:I, s:f, s:f, s:f, s:f, s:I, s:b}", "busy_ns",
				     (json_int_t)res->busy_ns, "measured_busy_ns",
				     (json_int_t)res->measured_busy_ns, "busy_error_pct",
				     res->busy_error_pct, "kernels_compared", (json_int_t)res->compared,
				     "kernel_error_median_pct", res->kernel_err_median,
				     "kernel_error_p90_pct", res->kernel_err_p90, "kernel_error_max_pct",
				     res->kernel_err_max, "kernel_error_mean_pct", res->kernel_err_mean,
				     "host_gap_ns", (json_int_t)res->host_gap_ns, "host_bound",
				     res->host_bound));
	s = o ? json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	if (s)
		printf("%s\n", s);
	free(s);
	json_decref(o);
}

static void print_text(const struct replay_args *a, const struct trace_mem *t,
		       const struct engine_replay_result *res)
{
	const char *what = a->ro.sms > 0 ? "change" : "error";

	printf("replay of '%s' on %s at %d SMs%s: simulated span %.3f ms, recorded %.3f ms (%s), "
	       "%s %+.2f%%\n  %llu activities on %d streams, %llu cross-stream "
	       "dependencies inferred (window %lld ns)\n",
	       a->trace, res->gpu, res->sms, a->ro.sms > 0 ? " (what-if)" : "",
	       res->span_ns / 1e6, res->measured_span_ns / 1e6,
	       trace_source_name((int)t->header.source), what, res->error_pct,
	       (unsigned long long)res->kernels, res->streams,
	       (unsigned long long)res->dependencies, (long long)a->ro.dep_window_ns);
	printf("  GPU work: simulated busy %.3f ms, recorded %.3f ms, %s %+.2f%%; per kernel "
	       "|%s| median %.2f%%, p90 %.2f%%, max %.2f%% (signed mean %+.2f%%, %llu kernels)\n",
	       res->busy_ns / 1e6, res->measured_busy_ns / 1e6, what, res->busy_error_pct, what,
	       res->kernel_err_median, res->kernel_err_p90, res->kernel_err_max,
	       res->kernel_err_mean, (unsigned long long)res->compared);
	if (res->host_bound)
		printf("  host gaps dominate: %.3f ms of the recorded span waited for the host's "
		       "launches (replayed as recorded), so the span %s says little about the GPU\n",
		       res->host_gap_ns / 1e6, what);
}

int cmd_replay(int argc, char **argv)
{
	struct replay_args a = {.out = NULL};
	struct engine_replay_result res;
	struct trace_mem t;
	struct trace_writer *w = NULL;
	struct trace_sink sink;
	struct mo_err err;
	int rc;

	engine_replay_opts_init(&a.ro);
	if ((rc = parse_args(argc, argv, &a)) >= 0)
		return rc;
	mo_err_clear(&err);
	/* an .mtr, or a Kineto / Chrome trace JSON imported on the fly */
	if (trace_mem_load_any(&t, a.trace, &err) < 0) {
		cli_fail("replay", &err);
		return MO_EXIT_USAGE;
	}
	if (a.out) {
		if (!(w = open_output(&a, &t, &sink, &err)))
			goto fail;
		a.ro.out = &sink;
	}
	if ((rc = engine_replay(&t, &a.ro, &res, &err)) < 0) {
		mo_err_prefix(&err, "cannot replay '%s'", a.trace);
		goto fail;
	}
	rc = w ? trace_writer_close(w, &err) : 0;
	w = NULL;
	if (rc < 0)
		goto fail;
	if (a.json)
		print_json(&a, &t, &res);
	else
		print_text(&a, &t, &res);
	trace_mem_release(&t);
	return 0;
fail:
	trace_writer_abort(w);
	trace_mem_release(&t);
	return cli_fail("replay", &err);
}
