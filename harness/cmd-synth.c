/* cmd-synth.c - `mosaic synth SPEC --gpu NAME -o OUT.mtr [--json]`: one
 * training iteration of a workload on one GPU as a simulated trace. */
#include "harness/cli.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "model/model.h"
#include "workloads/workloads.h"

static const char usage[] =
	"mosaic synth SPEC [--gpu NAME] [--batch N] [--microbatch N] [--launch eager|graphs|executor]\n"
	"             [--optimizer adam|adamw|sgd] [--optimizer-impl foreach|for-loop|fused]\n"
	"             [--cpu h100-traces|a100-traces|v100-traces]\n"
	"             -o OUT.mtr [--json] [--quiet]\n"
	"  one training iteration (every microbatch's forward and backward, then the\n"
	"  optimizer step) of the workload on one GPU, kernels back to back on one\n"
	"  stream, written as a simulated trace (-o, --output, or --out); SPEC is a\n"
	"  file or a bundled name;\n"
	"  --gpu: the GPU (default: the spec's cluster gpu); --json: the predicted\n"
	"  iter_ns, fwd_ns, bwd_ns, opt_ns and counts on stdout; --batch N: N samples\n"
	"  per iteration, in one microbatch unless --microbatch says otherwise;\n"
	"  modules built from traces replay their measured kernel durations (a note\n"
	"  on stderr says so, unless --quiet); --launch: one host thread launches the kernels, eager PyTorch\n"
	"  (each kernel its CPU time, model/host.c and workloads/host-inventory.c)\n"
	"  or CUDA graphs (one graph launch per module and phase of a microbatch);\n"
	"  --cpu: whose measured host CPU times it costs (default: the spec's cluster\n"
	"  cpu, else h100-traces, whatever the GPU; model.h, enum model_host_cpu);\n"
	"  a kernel starts no earlier than its launch, and the trace shows the calls;\n"
	"  --optimizer, --optimizer-impl: the spec's optimizer kind and implementation\n"
	"  instead (workloads/optimizer.c); --json adds the optimizer step's kernels,\n"
	"  GPU time (opt_busy_ns) and launching CPU time (opt_host_ns)";

/* The most records a synthesised trace may have: at the measured ~70 bytes and
 * ~1 million records a second of the writer (clip, 1024 microbatches of 1:
 * 1.33 million kernels, 93 MB, 1.4 s), about 290 MB and 4 s.  Larger requests
 * stop at the limit with a message and leave no file. */
#define SYNTH_MAX_RECORDS (1 << 22)

struct capped_sink {
	struct trace_sink next;
	int64_t records;
	const char *out;
};

static int capped_header(void *ctx, const struct trace_header *h, struct mo_err *err)
{
	struct capped_sink *c = ctx;
	return c->next.header(c->next.ctx, h, err);
}

static int capped_record(void *ctx, const struct trace_record *rec, struct mo_err *err)
{
	struct capped_sink *c = ctx;

	if (++c->records > SYNTH_MAX_RECORDS)
		return mo_err_set(err, MO_EUSAGE,
				  "cannot write '%s': more than %d records (the limit of a synthesised "
				  "trace; use fewer microbatches or layers)", c->out, SYNTH_MAX_RECORDS);
	return c->next.record(c->next.ctx, rec, err);
}

/* What synth prints: the predicted times and counts, as JSON with --json. */
static void print_stats(const struct workload *w, const struct model_gpu *gpu,
			const struct workload_synth_stats *st, const char *out, int json)
{
	if (json) {
		cli_json_print(json_pack(
			"{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:i, s:i, s:I, s:I, s:I, s:I, s:I, s:s}",
			"workload", w->name, "gpu", gpu->short_name, "times", "predicted", "iter_ns",
			(json_int_t)st->iter_ns, "fwd_ns", (json_int_t)st->fwd_ns, "bwd_ns",
			(json_int_t)st->bwd_ns, "opt_ns", (json_int_t)st->opt_ns, "microbatches",
			st->microbatches, "microbatch", w->microbatch, "kernels", (json_int_t)st->kernels,
			"flops", (json_int_t)st->flops, "opt_kernels", (json_int_t)st->opt_kernels,
			"opt_busy_ns", (json_int_t)st->opt_busy_ns, "opt_host_ns",
			(json_int_t)st->opt_host_ns, "trace", out));
		return;
	}
	printf("workload %s on one %s: %d microbatches of %d, %lld kernels -> %s\n", w->name,
	       gpu->short_name, st->microbatches, w->microbatch, (long long)st->kernels, out);
	printf("predicted iteration %.3f ms (forward %.3f ms, backward %.3f ms, optimizer %.3f ms)\n",
	       st->iter_ns / 1e6, st->fwd_ns / 1e6, st->bwd_ns / 1e6, st->opt_ns / 1e6);
}

/* The options that override the spec (-1 or 0: keep it); -1 after the usage
 * error of a batch that is not a multiple of the microbatch. */
static int override(struct workload *w, int okind, int oimpl, int cpu, int batch, int micro)
{
	int b = batch ? batch : w->batch;
	int mb = micro ? micro : batch ? batch : w->microbatch;

	if (okind >= 0)
		w->optimizer.kind = okind;
	if (oimpl >= 0)
		w->optimizer.impl = oimpl;
	if (cpu >= 0)
		w->host_cpu = cpu;
	if (b % mb) {
		cli_usage_error("synth", "batch %d is not a multiple of microbatch %d", b, mb);
		return -1;
	}
	w->batch = b;
	w->microbatch = mb;
	return 0;
}

int cmd_synth(int argc, char **argv)
{
	static const struct option opts[] = {
		{"gpu", required_argument, NULL, 'g'},
		CLI_OPTS_OUTPUT,
		{"json", no_argument, NULL, 'j'},
		{"quiet", no_argument, NULL, CLI_OPT_QUIET},
		{"batch", required_argument, NULL, 'b'},
		{"microbatch", required_argument, NULL, 'm'},
		{"launch", required_argument, NULL, 'l'},
		{"cpu", required_argument, NULL, 'C'},
		{"optimizer", required_argument, NULL, 'O'},
		{"optimizer-impl", required_argument, NULL, 'I'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *gpu_name = NULL, *out = NULL;
	const struct model_gpu *gpu;
	struct workload *w = NULL;
	struct workload_synth_stats st;
	struct trace_writer *tw = NULL;
	struct trace_sink sink;
	struct mo_err err;
	int json = 0, quiet = 0, c, rc, batch = 0, micro = 0, launch = -1, okind = -1, oimpl = -1;
	int cpu = -1;
	struct model_host host;

	mo_err_clear(&err);
	optind = 1;
	while ((c = cli_getopt(argc, argv, "g:o:jb:m:l:h", opts)) != -1) {
		switch (c) {
		case 'b':
		case 'm': {
			long long v;
			if (cli_int(c == 'b' ? "--batch" : "--microbatch", optarg, 1, 1 << 24, &v, &err) < 0)
				return cli_usage_error("synth", "%s", err.msg);
			*(c == 'b' ? &batch : &micro) = (int)v;
			break;
		}
		case 'l':
			if ((launch = model_launch_parse(optarg)) < 0)
				return cli_usage_error("synth",
						       "--launch '%s': expected eager, graphs or executor", optarg);
			break;
		case 'C':
			if ((cpu = model_host_cpu_parse(optarg)) < 0)
				return cli_usage_error("synth", "--cpu '%s': expected h100-traces, "
						       "a100-traces or v100-traces", optarg);
			break;
		case 'O':
			if ((okind = workload_opt_kind_parse(optarg)) < 0)
				return cli_usage_error("synth", "--optimizer '%s': expected adam, adamw or sgd",
						       optarg);
			break;
		case 'I':
			if ((oimpl = workload_opt_impl_parse(optarg)) < 0)
				return cli_usage_error("synth", "--optimizer-impl '%s': expected foreach, "
						       "for-loop or fused", optarg);
			break;
		case 'g': gpu_name = optarg; break;
		case 'o': out = optarg; break;
		case 'j': json = 1; break;
		case CLI_OPT_QUIET: quiet = 1; break;
		default:
			if ((rc = cli_last_option("synth", c, usage)) >= 0)
				return rc;
			break;
		}
	}
	if (optind != argc - 1)
		return cli_usage_error("synth", "expected one workload spec");
	if (!out)
		return cli_usage_error("synth", "missing -o OUT.mtr");
	if (cli_workload_load(argv[optind], &w, &err) < 0)
		return cli_fail("synth", &err);
	cli_workload_warnings("synth", w);
	if (override(w, okind, oimpl, cpu, batch, micro) < 0) {
		workload_free(w);
		return MO_EXIT_USAGE;
	}
	gpu = model_gpu_find(gpu_name ? gpu_name : w->gpu, &err);
	if (!gpu) {
		workload_free(w);
		return cli_fail("synth", &err);
	}
	if (launch >= 0)
		model_host_init_cpu(&host, launch, w->host_cpu);
	struct capped_sink cap = {.out = out};
	sink = (struct trace_sink){capped_header, capped_record, &cap};
	if (trace_sink_writer(&cap.next, &tw, out) < 0 ||
	    workload_synth_iteration_host(w, gpu, launch < 0 ? NULL : &host, &sink, &st, &err) != 0) {
		if (!err.code)
			mo_err_set(&err, MO_ENOMEM, "cannot write '%s': out of memory", out);
		trace_writer_abort(tw);
		workload_free(w);
		return cli_fail("synth", &err);
	}
	/* close releases the writer whether or not it succeeds */
	if (trace_writer_close(tw, &err) < 0) {
		workload_free(w);
		return cli_fail("synth", &err);
	}
	for (int m = 0; m < w->n_modules && !quiet; m++)
		if (w->modules[m].arch == WORKLOAD_ARCH_TRACE)
			fprintf(stderr, "mosaic synth: note: module '%s' replays kernel durations measured "
				"in '%s' (not predicted)\n", w->modules[m].name, w->modules[m].trace);
	print_stats(w, gpu, &st, out, json);
	rc = 0;
	workload_free(w);
	return rc;
}
