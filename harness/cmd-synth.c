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

/* What the command line asked for (-1 or 0: the spec's). */
struct synth_args {
	const char *gpu_name, *out;
	int json, quiet, batch, micro, launch, okind, oimpl, cpu;
};

/* One option c with its argument into a; 0, or the usage error's exit code. */
static int take_option(int c, struct synth_args *a)
{
	struct mo_err err;
	long long v;

	mo_err_clear(&err);
	switch (c) {
	case 'b':
	case 'm':
		if (cli_int(c == 'b' ? "--batch" : "--microbatch", optarg, 1, 1 << 24, &v, &err) < 0)
			return cli_usage_error("synth", "%s", err.msg);
		*(c == 'b' ? &a->batch : &a->micro) = (int)v;
		return 0;
	case 'l':
		if ((a->launch = model_launch_parse(optarg)) < 0)
			return cli_usage_error("synth", "--launch '%s': expected eager, graphs or executor", optarg);
		return 0;
	case 'C':
		if ((a->cpu = model_host_cpu_parse(optarg)) < 0)
			return cli_usage_error("synth", "--cpu '%s': expected h100-traces, "
					       "a100-traces or v100-traces", optarg);
		return 0;
	case 'O':
		if ((a->okind = workload_opt_kind_parse(optarg)) < 0)
			return cli_usage_error("synth", "--optimizer '%s': expected adam, adamw or sgd", optarg);
		return 0;
	case 'I':
		if ((a->oimpl = workload_opt_impl_parse(optarg)) < 0)
			return cli_usage_error("synth", "--optimizer-impl '%s': expected foreach, "
					       "for-loop or fused", optarg);
		return 0;
	case 'g': a->gpu_name = optarg; return 0;
	case 'o': a->out = optarg; return 0;
	case 'j': a->json = 1; return 0;
	case CLI_OPT_QUIET: a->quiet = 1; return 0;
	}
	return -1;
}

/* The command line into a; -1 to go on, else the exit code (usage, --help). */
static int parse_args(int argc, char **argv, struct synth_args *a)
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
	int c, rc;

	*a = (struct synth_args){.launch = -1, .okind = -1, .oimpl = -1, .cpu = -1};
	optind = 1;
	while ((c = cli_getopt(argc, argv, "g:o:jb:m:l:h", opts)) != -1) {
		if ((rc = take_option(c, a)) > 0)
			return rc;
		if (rc < 0 && (rc = cli_last_option("synth", c, usage)) >= 0)
			return rc;
	}
	if (optind != argc - 1)
		return cli_usage_error("synth", "expected one workload spec");
	if (!a->out)
		return cli_usage_error("synth", "missing -o OUT.mtr");
	return -1;
}

/* The iteration of w on gpu written to out through the record cap; 0 or -1
 * with err set and no file left. */
static int write_iteration(const struct workload *w, const struct model_gpu *gpu,
			   const struct model_host *host, const char *out,
			   struct workload_synth_stats *st, struct mo_err *err)
{
	struct capped_sink cap = {.out = out};
	struct trace_sink sink = {capped_header, capped_record, &cap};
	struct trace_writer *tw = NULL;

	if (trace_sink_writer(&cap.next, &tw, out) < 0 ||
	    workload_synth_iteration_host(w, gpu, host, &sink, st, err) != 0) {
		if (!err->code)
			mo_err_set(err, MO_ENOMEM, "cannot write '%s': out of memory", out);
		trace_writer_abort(tw);
		return -1;
	}
	/* close releases the writer whether or not it succeeds */
	return trace_writer_close(tw, err) < 0 ? -1 : 0;
}

int cmd_synth(int argc, char **argv)
{
	struct synth_args a;
	const struct model_gpu *gpu;
	struct workload *w = NULL;
	struct workload_synth_stats st;
	struct model_host host;
	struct mo_err err;
	int rc = parse_args(argc, argv, &a);

	if (rc >= 0)
		return rc;
	mo_err_clear(&err);
	if (cli_workload_load(argv[optind], &w, &err) < 0)
		return cli_fail("synth", &err);
	cli_workload_warnings("synth", w);
	if (override(w, a.okind, a.oimpl, a.cpu, a.batch, a.micro) < 0) {
		workload_free(w);
		return MO_EXIT_USAGE;
	}
	gpu = model_gpu_find(a.gpu_name ? a.gpu_name : w->gpu, &err);
	if (gpu && a.launch >= 0)
		model_host_init_cpu(&host, a.launch, w->host_cpu);
	if (!gpu || write_iteration(w, gpu, a.launch < 0 ? NULL : &host, a.out, &st, &err) < 0) {
		workload_free(w);
		return cli_fail("synth", &err);
	}
	for (int m = 0; m < w->n_modules && !a.quiet; m++)
		if (w->modules[m].arch == WORKLOAD_ARCH_TRACE)
			fprintf(stderr, "mosaic synth: note: module '%s' replays kernel durations measured "
				"in '%s' (not predicted)\n", w->modules[m].name, w->modules[m].trace);
	print_stats(w, gpu, &st, a.out, a.json);
	workload_free(w);
	return 0;
}
