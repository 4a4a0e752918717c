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
	"mosaic replay TRACE [--json] [-o OUT.mtr] [--window NS] [--sms N]\n"
	"  re-run a trace (.mtr, or Kineto / Chrome JSON) on the simulator, on its own\n"
	"  GPU at its recorded SM count,\n"
	"  keeping streams, inferred cross-stream dependencies and host gaps;\n"
	"  --json: span_ns (simulated), measured_span_ns, error_pct, kernels, and the\n"
	"  GPU's own work: busy_ns / measured_busy_ns / busy_error_pct (union of the\n"
	"  activities per device), per-kernel |error| median / p90 / max and signed\n"
	"  mean (kernels only), host_gap_ns (recorded idle time before host-bound\n"
	"  launches) and host_bound (over half the span: the span error then mostly\n"
	"  replays the recorded gaps)\n"
	"  -o: write the simulated trace; --window: dependency window (default 2000 ns);\n"
	"  --sms N: what-if, run it on N SMs instead of the recorded count (simulated)";

static int put_record(void *ctx, const struct trace_record *rec, struct mo_err *err)
{
	return trace_writer_put(ctx, rec, err);
}

int cmd_replay(int argc, char **argv)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'},
		{"output", required_argument, NULL, 'o'},
		{"window", required_argument, NULL, 'w'},
		{"sms", required_argument, NULL, 's'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct engine_replay_opts ro;
	struct engine_replay_result res;
	struct trace_mem t;
	struct trace_writer *w = NULL;
	struct trace_sink sink;
	struct mo_err err;
	const char *out = NULL;
	int json = 0, c, rc;

	engine_replay_opts_init(&ro);
	mo_err_clear(&err);
	optind = 1;
	while ((c = getopt_long(argc, argv, "jo:h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = 1;
			break;
		case 'o':
			out = optarg;
			break;
		case 'w': {
			long long v;
			if (cli_int("--window (ns)", optarg, 0, INT64_MAX, &v, &err) < 0)
				return cli_usage_error("replay", usage, "%s", err.msg);
			ro.dep_window_ns = v;
			break;
		}
		case 's': {
			long long v;
			if (cli_int("--sms", optarg, 1, CLI_MAX_SMS, &v, &err) < 0)
				return cli_usage_error("replay", usage, "%s", err.msg);
			ro.sms = (int)v;
			break;
		}
		case 'h':
			printf("usage: %s\n", usage);
			return 0;
		default:
			return cli_usage_error("replay", usage, "unknown option");
		}
	}
	if (optind != argc - 1)
		return cli_usage_error("replay", usage, "expected one trace");
	trace_mem_init(&t);
	{
		/* an .mtr, or a Kineto / Chrome trace JSON imported on the fly */
		struct trace_sink in = trace_sink_mem(&t);
		if (trace_read_any(argv[optind], &in, &err) < 0) {
			trace_mem_release(&t);
			cli_fail("replay", &err);
			return 2;
		}
	}
	if (out) {
		struct trace_header h = t.header;
		h.producer = "mosaic replay " MOSAIC_VERSION;
		h.source = TRACE_SOURCE_SIMULATED;
		h.origin = argv[optind];
		if (ro.sms > 0)
			h.quota_sms = ro.sms; /* what-if at N SMs: a trace recorded under that quota */
		w = trace_writer_open(out, &h, &err);
		if (!w) {
			trace_mem_release(&t);
			return cli_fail("replay", &err);
		}
		/* module and phase definitions of the input, then the simulator's records */
		for (size_t i = 0; i < t.n; i++)
			if ((t.recs[i].kind == TRACE_KIND_MODULE || t.recs[i].kind == TRACE_KIND_PHASE) &&
			    trace_writer_put(w, &t.recs[i], &err) < 0)
				goto fail;
		sink.header = NULL;
		sink.record = put_record;
		sink.ctx = w;
		ro.out = &sink;
	}
	rc = engine_replay(&t, &ro, &res, &err);
	if (rc < 0) {
		mo_err_prefix(&err, "cannot replay '%s'", argv[optind]);
		goto fail;
	}
	if (w && trace_writer_close(w, &err) < 0) {
		w = NULL;
		goto fail;
	}
	w = NULL;
	if (json) {
		json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:i, s:I, s:I, s:f, s:I, s:i, s:I, s:I}",
				      "trace", argv[optind], "source", "simulated",
				      "measured_source", trace_source_name((int)t.header.source), "gpu", res.gpu,
				      "sms", res.sms, "span_ns", (json_int_t)res.span_ns,
				      "measured_span_ns", (json_int_t)res.measured_span_ns,
				      "error_pct", res.error_pct, "kernels", (json_int_t)res.kernels,
				      "streams", res.streams, "dependencies",
				      (json_int_t)res.dependencies, "window_ns",
				      (json_int_t)ro.dep_window_ns);
		if (o && ro.sms > 0)
			json_object_set_new(o, "what_if_sms", json_integer(ro.sms));
		if (o)
			json_object_update_new(
				o, json_pack("{s:I, s:I, s:f, s:I, s:f, s:f, s:f, s:f, s:I, s:b}", "busy_ns",
					     (json_int_t)res.busy_ns, "measured_busy_ns",
					     (json_int_t)res.measured_busy_ns, "busy_error_pct",
					     res.busy_error_pct, "kernels_compared", (json_int_t)res.compared,
					     "kernel_error_median_pct", res.kernel_err_median,
					     "kernel_error_p90_pct", res.kernel_err_p90, "kernel_error_max_pct",
					     res.kernel_err_max, "kernel_error_mean_pct", res.kernel_err_mean,
					     "host_gap_ns", (json_int_t)res.host_gap_ns, "host_bound",
					     res.host_bound));
		char *s = o ? json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
		if (s)
			printf("%s\n", s);
		free(s);
		json_decref(o);
	} else {
		printf("replay of '%s' on %s at %d SMs%s: simulated span %.3f ms, recorded %.3f ms (%s), "
		       "%s %+.2f%%\n  %llu activities on %d streams, %llu cross-stream "
		       "dependencies inferred (window %lld ns)\n",
		       argv[optind], res.gpu, res.sms, ro.sms > 0 ? " (what-if)" : "",
		       res.span_ns / 1e6, res.measured_span_ns / 1e6,
		       trace_source_name((int)t.header.source), ro.sms > 0 ? "change" : "error",
		       res.error_pct, (unsigned long long)res.kernels, res.streams,
		       (unsigned long long)res.dependencies, (long long)ro.dep_window_ns);
		printf("  GPU work: simulated busy %.3f ms, recorded %.3f ms, %s %+.2f%%; per kernel "
		       "|%s| median %.2f%%, p90 %.2f%%, max %.2f%% (signed mean %+.2f%%, %llu kernels)\n",
		       res.busy_ns / 1e6, res.measured_busy_ns / 1e6, ro.sms > 0 ? "change" : "error",
		       res.busy_error_pct, ro.sms > 0 ? "change" : "error", res.kernel_err_median,
		       res.kernel_err_p90, res.kernel_err_max, res.kernel_err_mean,
		       (unsigned long long)res.compared);
		if (res.host_bound)
			printf("  host gaps dominate: %.3f ms of the recorded span waited for the host's "
			       "launches (replayed as recorded), so the span %s says little about the GPU\n",
			       res.host_gap_ns / 1e6, ro.sms > 0 ? "change" : "error");
	}
	trace_mem_release(&t);
	return 0;
fail:
	trace_writer_abort(w);
	trace_mem_release(&t);
	return cli_fail("replay", &err);
}
