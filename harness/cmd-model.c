/*
 * cmd-model.c - `mosaic model`: query the performance model.
 *
 *   mosaic model gpus [--json]
 *   mosaic model kernel --gpu NAME --op linear|bmm|attention|... --shape B,M,N,K
 *                       [--dtype fp32|tf32|bf16|fp16|fp8] [--sms N] [--causal]
 *                       [--flops F] [--bytes B] [--access-bytes W] [--json]
 *   mosaic model calibrate [CSV...] [--profiles T,...] [--microbatch N] [-o FILE]
 *                       (harness/cmd-model-calib.c)
 *   mosaic model curve FILE [--module M] [--quotas LIST] [--profiles FILE...]
 *                       [--json] [--plot OUT.png]
 *   mosaic model interference --corun FILE --solo FILE... [--matrix IN] [-o OUT]
 *   mosaic model interference --gpu NAME --own GBPS --others GBPS
 *   mosaic model interference --gpu NAME [--sms N]   (the class-pair matrix)
 *
 * Every number printed is a prediction (curves from profiles are fitted to
 * the measured or simulated times of those profiles and say so).
 * Common option: --gpu-file FILE adds user GPUs (JSON) before anything else.
 */
#include "harness/cli.h"
#include "harness/plot.h"
#include "model/model.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *usage =
	"mosaic model gpus [--json]\n"
	"       mosaic model kernel --gpu NAME --op linear|bmm|attention|attention_bwd|elementwise|reduction|optimizer|memory\n"
	"                           [--shape B,M,N,K] [--dtype fp32|tf32|bf16|fp16|fp8] [--sms N] [--causal]\n"
	"                           [--flops F] [--bytes B] [--access-bytes W] [--json]\n"
	"                           (W: the GEMM kernel's access width, 1..16 bytes, instead of the\n"
	"                           one its shape implies: a measured kernel's alignN x element size)\n"
	"       mosaic model calibrate [CSV...] [--profiles TRACE,...] [--microbatch N] [--gpu NAME] [-o FILE]\n"
	"       mosaic model curve FILE [--gpu NAME] [--module M] [--quotas LIST] [--profiles FILE,...] [--json] [--plot OUT.png]\n"
	"       mosaic model interference --corun FILE --solo FILE [--solo FILE ...] [--matrix IN.json] [-o OUT.json]\n"
	"                                 [--json]\n"
	"       mosaic model interference --gpu NAME --own GBPS --others GBPS [--json]\n"
	"       mosaic model interference --gpu NAME [--sms N]  (slowdown of each kernel class beside each other class,\n"
	"                                                       two partitions of N SMs, default half the GPU)\n"
	"                                                      [--json]\n"
	"       mosaic model host TRACE... (fit CPU dispatch per kernel from measured host records)\n"
	"       (every form also takes --gpu-file FILE to add user GPUs, and --quiet, accepted as by\n"
	"       every command: model writes only errors to stderr, and calibrate's note on -o;\n"
	"       --json prints the result as JSON on stdout instead of tables; -o, --output (or\n"
	"       --out) names the file written)";

#define VERB "model"

static int parse_list(const char *s, int64_t *out, int max)
{
	int n = 0;
	const char *p = s;

	while (*p) {
		char *end;
		long long v;
		errno = 0;
		v = strtoll(p, &end, 10);
		if (errno || end == p || n >= max)
			return -1;
		out[n++] = v;
		if (*end == ',')
			end++;
		else if (*end)
			return -1;
		p = end;
	}
	return n;
}

static int cmd_gpus(int json)
{
	if (json)
		printf("[\n");
	for (int i = 0; i < model_gpu_count(); i++) {
		const struct model_gpu *g = model_gpu_at(i);
		if (json)
			printf("  {\"name\": \"%s\", \"short_name\": \"%s\", \"cc\": \"%d.%d\", \"sms\": %d, "
			       "\"hbm_gbps\": %.0f, \"fp32_tflops\": %.1f, \"bf16_tflops\": %.1f, "
			       "\"part_min_sms\": %d, \"part_step_sms\": %d}%s\n",
			       g->name, g->short_name, g->cc_major, g->cc_minor, g->sms, g->hbm_gbps,
			       g->fp32_tflops, g->bf16_tflops, g->part_min_sms, g->part_step_sms,
			       i + 1 < model_gpu_count() ? "," : "");
		else
			printf("%-16s %-26s cc %d.%d  %3d SMs  %5.0f GB/s  fp32 %5.1f  bf16 %6.1f TFLOP/s  quotas %d+%d\n",
			       g->short_name, g->name, g->cc_major, g->cc_minor, g->sms, g->hbm_gbps,
			       g->fp32_tflops, g->bf16_tflops, g->part_min_sms, g->part_step_sms);
	}
	if (json)
		printf("]\n");
	return 0;
}

static int cmd_kernel(const char *gpu_name, const char *opname, const char *shape,
		      const char *dtype, int sms, int causal, int64_t flops, int64_t bytes, int access,
		      int json)
{
	struct mo_err err;
	const struct model_gpu *g;
	struct model_op op;
	struct model_op_pred p;
	int64_t v[4];

	mo_err_clear(&err);
	if (!gpu_name)
		return cli_usage_error(VERB, "kernel: --gpu is required");
	if (!opname)
		return cli_usage_error(VERB, "kernel: --op is required");
	g = model_gpu_find(gpu_name, &err);
	if (!g)
		return cli_fail(VERB, &err);
	memset(&op, 0, sizeof(op));
	op.kind = model_op_kind_parse(opname);
	if (op.kind < 0)
		return cli_usage_error(VERB, "kernel: unknown op '%s'", opname);
	op.dtype = dtype ? model_dtype_parse(dtype) : MODEL_FP32;
	if (op.dtype < 0)
		return cli_usage_error(VERB, "kernel: unknown dtype '%s'", dtype);
	op.causal = causal;
	op.access_bytes = access;
	op.flops = flops;
	op.bytes = bytes;
	if (shape) {
		if (parse_list(shape, v, 4) != 4)
			return cli_usage_error(VERB, "kernel: bad --shape '%s' (want B,M,N,K)",
					       shape);
		/* the NeuSight convention: linear is (B*M) x N x K */
		if (!strcasecmp(opname, "linear") || op.kind == MODEL_OP_GEMM) {
			op.b = 1;
			op.m = v[0] * v[1];
		} else {
			op.b = v[0];
			op.m = v[1];
		}
		op.n = v[2];
		op.k = v[3];
	} else if (op.kind <= MODEL_OP_ATTENTION_BWD) {
		return cli_usage_error(VERB, "kernel: --shape is required for '%s'", opname);
	}
	if (sms == 0)
		sms = g->sms;
	if (model_quota_check(g, sms, &err) < 0)
		return cli_fail(VERB, &err);
	if (model_op_predict(g, &op, sms, &p, &err) < 0)
		return cli_fail(VERB, &err);
	if (json) {
		printf("{\"gpu\": \"%s\", \"op\": \"%s\", \"dtype\": \"%s\", \"sms\": %d, "
		       "\"shape\": [%lld, %lld, %lld, %lld], \"pred_ns\": %" PRId64 ", \"kind\": \"predicted\", "
		       "\"bound\": \"%s\", \"waves\": %.3f, \"ctas\": %" PRId64 ", \"blocks_per_sm\": %d, "
		       "\"tile\": [%d, %d], \"split_k\": %d, "
		       "\"launch\": {\"grid\": [%" PRId64 ", %" PRId64 ", %" PRId64 "], \"block\": [%" PRId64 ", 1, 1], "
		       "\"registers\": %" PRId64 ", \"smem\": %" PRId64 "}, "
		       "\"flops\": %.0f, \"bytes\": %.0f, \"compute_ns\": %.0f, \"memory_ns\": %.0f, \"launch_ns\": %.0f, "
		       "\"access_bytes\": %d, \"narrow\": %.3f, \"loop_frac\": %.4f}\n",
		       g->name, opname, model_dtype_name(op.dtype), sms, (long long)op.b, (long long)op.m,
		       (long long)op.n, (long long)op.k, p.ns, model_bound_name(p.bound), p.waves,
		       p.ctas, p.blocks_per_sm, p.tile_m, p.tile_n, p.split_k, p.k.grid_x,
		       p.k.grid_y, p.k.grid_z, p.k.block_x, p.k.registers, p.k.dynamic_smem, p.flops,
		       p.bytes, p.compute_ns, p.memory_ns, p.launch_ns, p.access_bytes, p.narrow,
		       p.loop_frac);
	} else {
		printf("gpu        %s (%d of %d SMs)\n", g->name, sms, g->sms);
		printf("op         %s %s b=%lld m=%lld n=%lld k=%lld\n", opname,
		       model_dtype_name(op.dtype), (long long)op.b, (long long)op.m, (long long)op.n,
		       (long long)op.k);
		printf("pred_ns    %" PRId64 " (predicted)\n", p.ns);
		printf("bound      %s (compute %.0f ns, memory %.0f ns, launch %.0f ns)\n",
		       model_bound_name(p.bound), p.compute_ns, p.memory_ns, p.launch_ns);
		printf("launch     grid %" PRId64 "x%" PRId64 "x%" PRId64 ", block %" PRId64 ", %" PRId64
		       " regs, %" PRId64 " B smem, %d blocks/SM\n",
		       p.k.grid_x, p.k.grid_y, p.k.grid_z, p.k.block_x, p.k.registers,
		       p.k.dynamic_smem, p.blocks_per_sm);
		printf("waves      %.3f (%" PRId64 " CTAs)\n", p.waves, p.ctas);
		if (p.tile_m)
			printf("tile       %dx%d, split-K %d\n", p.tile_m, p.tile_n, p.split_k);
	}
	return 0;
}

/* The measured gaps of a trace, from the summary's idle breakdown. */
static void host_gaps(const struct trace_mem *t, double *idle_pct, double *wait_pct)
{
	struct trace_summary *s = trace_summary_new(0);
	struct mo_err err;
	*idle_pct = *wait_pct = -1;
	if (!s || trace_summary_header(s, &t->header, &err) < 0) {
		trace_summary_free(s);
		return;
	}
	for (size_t i = 0; i < t->n; i++)
		if (trace_summary_add(s, &t->recs[i], &err) < 0)
			break;
	trace_summary_finish(s);
	const struct trace_summary_totals *tt = trace_summary_totals(s);
	*idle_pct = tt->idle_pct;
	*wait_pct = tt->gap_ns > 0 ? 100.0 * (double)tt->host_wait_ns / (double)tt->gap_ns : 0;
	trace_summary_free(s);
}

static void print_host_fit(const char *label, const struct model_host_fit *f)
{
	printf("%-44.44s %7llu %7llu %5llu %8.1f", label, (unsigned long long)f->launches,
	       (unsigned long long)f->intervals, (unsigned long long)f->dropped,
	       f->intervals ? (double)f->issue_ns / (double)f->intervals / 1e3 : 0.0);
	for (int c = 0; c < TRACE_CLASS_COUNT; c++)
		if (f->n[c])
			printf(" %s %llu/%.1f", trace_class_name(c), (unsigned long long)f->n[c],
			       (double)f->sum_ns[c] / (double)f->n[c] / 1e3);
}

/* `mosaic model host TRACE...`: per trace and pooled, the launch intervals
 * of the issuing thread (measured) and the CPU cost per kernel they fit. */
static int cmd_host(int nfiles, char **files)
{
	struct model_host_fit all, one;
	struct mo_err err;

	if (nfiles < 1)
		return cli_usage_error(VERB, "host: no trace files");
	model_host_fit_init(&all);
	printf("%-44s %7s %7s %5s %8s  per class: intervals/mean us (measured)\n", "trace",
	       "launch", "kept", "drop", "mean us");
	for (int i = 0; i < nfiles; i++) {
		struct trace_mem t;
		double idle, wait;
		const char *base = strrchr(files[i], '/') ? strrchr(files[i], '/') + 1 : files[i];
		mo_err_clear(&err);
		model_host_fit_init(&one);
		if (trace_mem_load_any(&t, files[i], &err) < 0)
			return cli_fail(VERB, &err);
		if (model_host_fit_add(&one, &t, &err) < 0 || model_host_fit_add(&all, &t, &err) < 0) {
			trace_mem_release(&t);
			return cli_fail(VERB, &err);
		}
		host_gaps(&t, &idle, &wait);
		trace_mem_release(&t);
		print_host_fit(base, &one);
		printf("; GPU idle %.1f%%, %.1f%% of gaps waiting for the host\n", idle, wait);
	}
	print_host_fit("pooled", &all);
	printf("\n");
	return 0;
}

static int write_curve_plot(const char *png, const struct model_gpu *g, const char *label,
			    const struct model_curve *ours, const struct model_curve *base,
			    const struct model_curve *prof, struct mo_err *err)
{
	char dir[4096], name[4096], title[256];
	struct mo_outfile csv;
	struct plot p;

	if (plot_png_csv(png, dir, name, sizeof(dir), &csv, err) < 0)
		return -1;
	fprintf(csv.fp, "quota_sms,kernel_fwd_ms,kernel_bwd_ms,waves_fwd_ms,waves_bwd_ms,profile_fwd_ms,profile_bwd_ms\n");
	for (int i = 0; i < ours->n; i++) {
		fprintf(csv.fp, "%d,%.6f,%.6f,%.6f,%.6f", ours->quota[i], ours->fwd_ns[i] / 1e6,
			ours->bwd_ns[i] / 1e6, base->fwd_ns[i] / 1e6, base->bwd_ns[i] / 1e6);
		if (prof)
			fprintf(csv.fp, ",%.6f,%.6f\n", prof->fwd_ns[i] / 1e6, prof->bwd_ns[i] / 1e6);
		else
			fprintf(csv.fp, ",,\n");
	}
	if (mo_outfile_commit(&csv, err) < 0)
		return -1;
	snprintf(title, sizeof(title), "scaling curve of %s on %s (predicted)", label, g->name);
	if (plot_open(&p, dir, name, 900, 560, title, "SM quota (SMs)", "time per microbatch (ms)",
		      err) < 0)
		return -1;
	fprintf(p.fp, "set datafile separator ','\nset key top right\nset grid\n");
	fprintf(p.fp, "plot '%s.csv' every ::1 using 1:2 with linespoints lw 2 title 'forward, kernel model', \\\n", name);
	fprintf(p.fp, "     '' every ::1 using 1:3 with linespoints lw 2 title 'backward, kernel model', \\\n");
	fprintf(p.fp, "     '' every ::1 using 1:4 with lines dt 2 title 'forward, wave scaling', \\\n");
	fprintf(p.fp, "     '' every ::1 using 1:5 with lines dt 2 title 'backward, wave scaling'");
	if (prof)
		fprintf(p.fp, ", \\\n     '' every ::1 using 1:6 with linespoints dt 3 title 'forward, profile regression', \\\n"
			      "     '' every ::1 using 1:7 with linespoints dt 3 title 'backward, profile regression'");
	fprintf(p.fp, "\n");
	return plot_close(&p, err);
}

/* The options of `mosaic model curve`. */
struct curve_args {
	const char *gpu_name, *module, *plot, *profiles, *file;
	int quotas[MODEL_CURVE_MAX], nq, json;
};

/* What `mosaic model curve` prints: the kernel model's curve, the
 * wave-scaling baseline's and, with --profiles, the regression on them. */
struct curve_out {
	struct model_curve ours, base, prof;
	struct model_curve_fit ff, fb;
	int nprof;
	char label[128];
};

/* Parse curve's options into a: -1 to go on, else the exit code. */
static int curve_parse(int argc, char **argv, struct curve_args *a)
{
	static const struct option opts[] = {
		{ "gpu", required_argument, 0, 'g' },      { "module", required_argument, 0, 'm' },
		{ "quotas", required_argument, 0, 'q' },   { "profiles", required_argument, 0, 'p' },
		{ "json", no_argument, 0, 'j' },           { "plot", required_argument, 0, 'P' },
		{ "gpu-file", required_argument, 0, 'G' }, { "help", no_argument, 0, 'h' },
		{ "quiet", no_argument, 0, CLI_OPT_QUIET }, { 0, 0, 0, 0 },
	};
	struct mo_err err;
	int c, rc;

	memset(a, 0, sizeof(*a));
	mo_err_clear(&err);
	optind = 1;
	while ((c = cli_getopt(argc, argv, "h", opts)) != -1) {
		switch (c) {
		case 'g': a->gpu_name = optarg; break;
		case 'm': a->module = optarg; break;
		case 'p': a->profiles = optarg; break;
		case 'j': a->json = 1; break;
		case 'P': a->plot = optarg; break;
		case 'q': {
			int64_t v[MODEL_CURVE_MAX];
			a->nq = parse_list(optarg, v, MODEL_CURVE_MAX);
			if (a->nq <= 0)
				return cli_usage_error(VERB, "curve: bad --quotas '%s'", optarg);
			for (int i = 0; i < a->nq; i++)
				a->quotas[i] = (int)v[i];
			break;
		}
		default:
			if ((rc = cli_last_option(VERB, c, usage)) >= 0)
				return rc;
			break;
		}
	}
	if (optind + 1 != argc)
		return cli_usage_error(VERB, "curve: expected one trace file");
	a->file = argv[optind];
	return -1;
}

/* Load the --profiles traces into t[0..*n) and fit the regression on them. */
static int curve_profiles(const struct curve_args *a, const struct model_gpu *g,
			  struct trace_mem *t, struct curve_out *c, struct mo_err *err)
{
	char *save = NULL, *list = strdup(a->profiles);
	int rc = list ? 0 : mo_err_set(err, MO_ENOMEM, "out of memory");

	for (char *f = list ? strtok_r(list, ",", &save) : NULL; f && rc == 0;
	     f = strtok_r(NULL, ",", &save)) {
		if (c->nprof == MODEL_CURVE_MAX)
			rc = mo_err_set(err, MO_EINPUT, "too many profiles");
		else if ((rc = trace_mem_load_any(&t[c->nprof], f, err)) == 0)
			c->nprof++;
	}
	free(list);
	if (rc < 0)
		return rc;
	{
		const struct trace_mem *tp[MODEL_CURVE_MAX];
		for (int i = 0; i < c->nprof; i++)
			tp[i] = &t[i];
		return model_curve_from_profiles(tp, c->nprof, g, a->module, a->nq ? a->quotas : NULL,
						 a->nq, &c->prof, &c->ff, &c->fb, err);
	}
}

static int recorded_sms(const struct trace_mem *t, const struct model_gpu *g)
{
	return t->header.quota_sms > 0 ? (int)t->header.quota_sms : g->sms;
}

static void curve_print_json(const struct curve_args *a, const struct model_gpu *g,
			     const struct trace_mem *t, const struct curve_out *c)
{
	const struct model_curve *o = &c->ours, *b = &c->base;

	printf("{\"gpu\": \"%s\", \"module\": \"%s\", \"trace\": \"%s\", \"source\": \"%s\", "
	       "\"kind\": \"predicted\", \"recorded_sms\": %d,\n \"points\": [\n",
	       g->name, c->label, a->file, trace_source_name((int)t->header.source), recorded_sms(t, g));
	for (int i = 0; i < o->n; i++) {
		printf("  {\"quota\": %d, \"fwd_ns\": %" PRId64 ", \"bwd_ns\": %" PRId64
		       ", \"waves_fwd_ns\": %" PRId64 ", \"waves_bwd_ns\": %" PRId64 ", \"dram_gbps\": %.1f",
		       o->quota[i], o->fwd_ns[i], o->bwd_ns[i], b->fwd_ns[i], b->bwd_ns[i], o->dram_gbps[i]);
		if (c->nprof)
			printf(", \"profile_fwd_ns\": %" PRId64 ", \"profile_bwd_ns\": %" PRId64,
			       c->prof.fwd_ns[i], c->prof.bwd_ns[i]);
		printf("}%s\n", i + 1 < o->n ? "," : "");
	}
	printf(" ]");
	if (c->nprof)
		printf(",\n \"regression\": {\"form\": \"a + b/q + c*q\", \"profiles\": %d, "
		       "\"fwd\": [%.6g, %.6g, %.6g], \"bwd\": [%.6g, %.6g, %.6g], "
		       "\"max_rel_err_fwd\": %.4f, \"max_rel_err_bwd\": %.4f}",
		       c->nprof, c->ff.a, c->ff.b, c->ff.c, c->fb.a, c->fb.b, c->fb.c, c->ff.max_rel_err,
		       c->fb.max_rel_err);
	printf("}\n");
}

static void curve_print_text(const struct curve_args *a, const struct model_gpu *g,
			     const struct trace_mem *t, const struct curve_out *c)
{
	const struct model_curve *o = &c->ours, *b = &c->base;

	printf("# scaling curve of %s on %s from '%s' (%s trace recorded at %d SMs)\n", c->label,
	       g->name, a->file, trace_source_name((int)t->header.source), recorded_sms(t, g));
	printf("# predicted time per microbatch, ms: kernel model | wave-scaling baseline%s\n",
	       c->nprof ? " | regression on profiles" : "");
	printf("%6s %10s %10s | %10s %10s | %9s", "quota", "fwd_ms", "bwd_ms", "waves_fwd",
	       "waves_bwd", "dram_GB/s");
	if (c->nprof)
		printf(" | %10s %10s", "prof_fwd", "prof_bwd");
	printf("\n");
	for (int i = 0; i < o->n; i++) {
		printf("%6d %10.4f %10.4f | %10.4f %10.4f | %9.1f", o->quota[i], o->fwd_ns[i] / 1e6,
		       o->bwd_ns[i] / 1e6, b->fwd_ns[i] / 1e6, b->bwd_ns[i] / 1e6, o->dram_gbps[i]);
		if (c->nprof)
			printf(" | %10.4f %10.4f", c->prof.fwd_ns[i] / 1e6, c->prof.bwd_ns[i] / 1e6);
		printf("\n");
	}
	if (c->nprof)
		printf("# regression t(q) = a + b/q + c*q over %d profiles: fwd a=%.4g b=%.4g c=%.4g (max rel err %.1f%%), bwd a=%.4g b=%.4g c=%.4g (max rel err %.1f%%)\n",
		       c->nprof, c->ff.a, c->ff.b, c->ff.c, c->ff.max_rel_err * 100, c->fb.a, c->fb.b,
		       c->fb.c, c->fb.max_rel_err * 100);
}

/* The curves of a->file's module (all kernels without --module) on g. */
static int curve_compute(const struct curve_args *a, const struct model_gpu *g,
			 const struct trace_mem *t, struct trace_mem *prof_t, struct curve_out *c,
			 struct mo_err *err)
{
	int mod = -1;

	if (a->module && (mod = model_trace_module_id(t, a->module)) < 0)
		return mo_err_set(err, MO_EINPUT, "no module '%s' in '%s'", a->module, a->file);
	snprintf(c->label, sizeof(c->label), "%s", a->module ? a->module : "all kernels");
	if (model_curve_from_trace(t, g, mod, a->nq ? a->quotas : NULL, a->nq, &c->ours, err) < 0 ||
	    model_curve_from_trace_baseline(t, g, mod, a->nq ? a->quotas : NULL, a->nq, &c->base,
					    err) < 0)
		return -1;
	return a->profiles ? curve_profiles(a, g, prof_t, c, err) : 0;
}

static int cmd_curve(int argc, char **argv)
{
	struct curve_args a;
	struct curve_out c = { .nprof = 0 };
	struct trace_mem t, prof_t[MODEL_CURVE_MAX];
	struct model_gpu tmp;
	const struct model_gpu *g;
	struct mo_err err;
	int rc = curve_parse(argc, argv, &a);

	if (rc >= 0)
		return rc;
	rc = 0;
	mo_err_clear(&err);
	if (trace_mem_load_any(&t, a.file, &err) < 0)
		return cli_fail(VERB, &err);
	g = a.gpu_name ? model_gpu_find(a.gpu_name, &err) : model_gpu_for_header(&t.header, &tmp, &err);
	if (!g || curve_compute(&a, g, &t, prof_t, &c, &err) < 0) {
		rc = cli_fail(VERB, &err);
		goto out;
	}
	if (a.json)
		curve_print_json(&a, g, &t, &c);
	else
		curve_print_text(&a, g, &t, &c);
	if (a.plot && write_curve_plot(a.plot, g, c.label, &c.ours, &c.base, c.nprof ? &c.prof : NULL,
				       &err) < 0)
		rc = cli_fail(VERB, &err);
out:
	for (int i = 0; i < c.nprof; i++)
		trace_mem_release(&prof_t[i]);
	trace_mem_release(&t);
	return rc;
}

/* The predicted slowdown of each kernel class beside each other class:
 * two partitions of sms SMs (same 0: model_corun_slowdown), or two loads
 * taking turns on the same sms SMs (same 1: model_corun_slowdown_in). */
/* The kernel classes of the interference matrix, in its order. */
static const int matrix_classes[] = { TRACE_CLASS_GEMM, TRACE_CLASS_ATTENTION, TRACE_CLASS_CONV,
				      TRACE_CLASS_REDUCTION, TRACE_CLASS_ELEMENTWISE,
				      TRACE_CLASS_MEMORY };
#define N_MATRIX_CLASSES ((int)(sizeof(matrix_classes) / sizeof(matrix_classes[0])))

static void class_matrix_of(const struct model_gpu *g, int sms, int same)
{
	const int *cls = matrix_classes;
	int n = N_MATRIX_CLASSES;

	printf("%-12s", same ? "same SMs" : "");
	for (int j = 0; j < n; j++)
		printf(" %11s", trace_class_name(cls[j]));
	printf("\n");
	for (int i = 0; i < n; i++) {
		struct model_load a;
		model_class_load(g, cls[i], sms, &a);
		printf("%-12s", trace_class_name(cls[i]));
		for (int j = 0; j < n; j++) {
			struct model_load b;
			model_class_load(g, cls[j], sms, &b);
			printf(" %11.3f", same ? model_corun_slowdown_in(g, &a, &b, 1, NULL, 0)
					      : model_corun_slowdown(g, &a, &b, 1));
		}
		printf("\n");
	}
}

/* The L2 each of two partitions of sms SMs keeps (model_l2_share): a
 * memory-bound one beside a compute-bound (GEMM) one, and two memory-bound. */
static void l2_shares(const struct model_gpu *g, int sms)
{
	struct model_load mem, gemm;
	double mb = 1024.0 * 1024;

	model_class_load(g, TRACE_CLASS_ELEMENTWISE, sms, &mem);
	model_class_load(g, TRACE_CLASS_GEMM, sms, &gemm);
	printf("# L2 (%.0f MB, shared in proportion to DRAM traffic, LRU): memory-bound beside GEMM keeps %.1f MB,\n"
	       "# the GEMM %.1f MB; two memory-bound partitions %.1f MB each (not charged: no working sets known)\n",
	       (double)g->l2_bytes / mb, model_l2_share(g, 0, mem.dram_gbps, &gemm.dram_gbps, 1) / mb,
	       model_l2_share(g, 0, gemm.dram_gbps, &mem.dram_gbps, 1) / mb,
	       model_l2_share(g, 0, mem.dram_gbps, &mem.dram_gbps, 1) / mb);
}

/* --json's class matrix: the slowdowns side by side (same) or on the same SMs. */
static json_t *class_matrix_json(const struct model_gpu *g, int sms, int same)
{
	json_t *rows = json_array();

	for (int i = 0; i < N_MATRIX_CLASSES; i++) {
		json_t *row = json_array();
		struct model_load a, b;

		model_class_load(g, matrix_classes[i], sms, &a);
		for (int j = 0; j < N_MATRIX_CLASSES; j++) {
			model_class_load(g, matrix_classes[j], sms, &b);
			json_array_append_new(row, json_real(same ? model_corun_slowdown_in(g, &a, &b, 1, NULL, 0)
								  : model_corun_slowdown(g, &a, &b, 1)));
		}
		json_array_append_new(rows, row);
	}
	return rows;
}

static int class_matrix(const struct model_gpu *g, int sms, int json)
{
	if (2 * sms > g->sms)
		sms = g->sms / 2;
	if (json) {
		json_t *cls = json_array();

		for (int i = 0; i < N_MATRIX_CLASSES; i++)
			json_array_append_new(cls, json_string(trace_class_name(matrix_classes[i])));
		cli_json_print(json_pack("{s:s,s:i,s:s,s:o,s:o,s:o}", "gpu", g->name, "sms", sms,
					 "kind", "predicted", "classes", cls, "slowdown",
					 class_matrix_json(g, sms, 0), "same_sms_slowdown",
					 class_matrix_json(g, sms, 1)));
		return 0;
	}
	printf("# predicted slowdown of the row class beside the column class on %s: two partitions of %d SMs\n"
	       "# (DRAM shared max-min fair of %.0f GB/s achievable, %.1f GB/s per SM; clock knee %.2f of the SMs)\n",
	       g->name, sms, model_hbm_achievable_gbps(g), model_sm_gbps(g), model_clock_knee(g));
	class_matrix_of(g, sms, 0);
	printf("# the same two classes on the same %d SMs (processes sharing one partition, MPS without limits):\n"
	       "# they take turns on the SMs in the block scheduler's order (each launched first in turn) and share the DRAM\n", sms);
	class_matrix_of(g, sms, 1);
	l2_shares(g, sms);
	return 0;
}

/* The options of `mosaic model interference`. */
struct interference_args {
	const char *corun, *matrix, *outp, *gpu_name, *solo[MODEL_IM_MAX];
	double own, others;
	int nsolo, sms, json;
};

/* Parse interference's options into a: -1 to go on, else the exit code. */
static int interference_parse(int argc, char **argv, struct interference_args *a)
{
	static const struct option opts[] = {
		{ "corun", required_argument, 0, 'c' },  { "solo", required_argument, 0, 's' },
		{ "matrix", required_argument, 0, 'm' },
		{ "gpu", required_argument, 0, 'g' },    { "own", required_argument, 0, 'w' },
		{ "others", required_argument, 0, 'x' }, { "gpu-file", required_argument, 0, 'G' },
		{ "sms", required_argument, 0, 'n' },    CLI_OPTS_OUTPUT,
		{ "json", no_argument, 0, CLI_OPT_JSON }, { "quiet", no_argument, 0, CLI_OPT_QUIET },
		{ "help", no_argument, 0, 'h' },         { 0, 0, 0, 0 },
	};
	struct mo_err err;
	int c, rc;

	memset(a, 0, sizeof(*a));
	a->own = a->others = -1;
	mo_err_clear(&err);
	optind = 1;
	while ((c = cli_getopt(argc, argv, "ho:", opts)) != -1) {
		switch (c) {
		case 'c': a->corun = optarg; break;
		case 'm': a->matrix = optarg; break;
		case 'o': a->outp = optarg; break;
		case CLI_OPT_JSON: a->json = 1; break;
		case 'g': a->gpu_name = optarg; break;
		case 's':
			if (a->nsolo == MODEL_IM_MAX)
				return cli_usage_error(VERB, "interference: too many --solo");
			a->solo[a->nsolo++] = optarg;
			break;
		case 'w':
		case 'x':
			if (cli_real(c == 'w' ? "--own (GB/s)" : "--others (GB/s)", optarg, 0, 1e9,
				     c == 'w' ? &a->own : &a->others, &err) < 0)
				return cli_usage_error(VERB, "interference: %s", err.msg);
			break;
		case 'n': {
			long long v;
			if (cli_int("--sms", optarg, 1, CLI_MAX_SMS, &v, &err) < 0)
				return cli_usage_error(VERB, "interference: %s", err.msg);
			a->sms = (int)v;
			break;
		}
		default:
			if ((rc = cli_last_option(VERB, c, usage)) >= 0)
				return rc;
			break;
		}
	}
	if (optind < argc)
		return cli_usage_error(VERB, "interference: unexpected argument '%s'", argv[optind]);
	return -1;
}

/* Without --corun: the class-pair matrix on --gpu, or the bandwidth term for
 * --own and --others. */
static int interference_predict(const struct interference_args *a)
{
	const struct model_gpu *g;
	struct mo_err err;

	if (!a->gpu_name || (a->own < 0) != (a->others < 0))
		return cli_usage_error(VERB, "interference: --corun and --solo, or --gpu, --own and --others");
	mo_err_clear(&err);
	g = model_gpu_find(a->gpu_name, &err);
	if (!g)
		return cli_fail(VERB, &err);
	if (a->own < 0)
		return class_matrix(g, a->sms > 0 ? a->sms : g->sms / 2, a->json);
	printf("{\"gpu\": \"%s\", \"own_gbps\": %.3f, \"others_gbps\": %.3f, \"slowdown\": %.4f, "
	       "\"kind\": \"predicted\"}\n",
	       g->name, a->own, a->others, model_interference(g, a->own, a->others));
	return 0;
}

static void print_matrix(const struct model_interference_matrix *m, const struct trace_mem *co,
			 const char *corun)
{
	printf("# slowdown of the row module when colocated with the column module\n");
	printf("# (from the %s times of '%s' and its solo traces; 1 = none)\n",
	       trace_source_name((int)co->header.source), corun);
	printf("%-16s", "");
	for (int j = 0; j < m->n; j++)
		printf(" %10.10s", m->names[j]);
	printf("\n");
	for (int i = 0; i < m->n; i++) {
		printf("%-16.16s", m->names[i]);
		for (int j = 0; j < m->n; j++)
			printf(" %10.3f", m->slow[i][j]);
		printf("\n");
	}
}

/* --json: the matrix as `-o` writes it, and where its times come from. */
static void print_matrix_json(const struct model_interference_matrix *m, const struct trace_mem *co)
{
	json_t *names = json_array(), *rows = json_array();

	for (int i = 0; i < m->n; i++) {
		json_t *row = json_array();

		json_array_append_new(names, json_string(m->names[i]));
		for (int j = 0; j < m->n; j++)
			json_array_append_new(row, json_real(m->slow[i][j]));
		json_array_append_new(rows, row);
	}
	cli_json_print(json_pack("{s:s,s:s,s:o,s:o}", "gpu", m->gpu, "source",
				 trace_source_name((int)co->header.source), "modules", names,
				 "slowdown", rows));
}

/* With --corun: calibrate the matrix from the co-run and solo traces
 * (traces loaded into co and st[0..a->nsolo), released by the caller). */
static int interference_calibrate(const struct interference_args *a, struct trace_mem *co,
				  struct trace_mem *st, int *nst, struct model_interference_matrix *m,
				  struct mo_err *err)
{
	const struct trace_mem *sp[MODEL_IM_MAX];

	if (a->matrix && model_im_load(m, a->matrix, err) < 0)
		return -1;
	if (trace_mem_load_any(co, a->corun, err) < 0)
		return -1;
	for (*nst = 0; *nst < a->nsolo; (*nst)++) {
		if (trace_mem_load_any(&st[*nst], a->solo[*nst], err) < 0)
			return -1;
		sp[*nst] = &st[*nst];
	}
	if (model_im_calibrate(m, sp, a->nsolo, co, err) < 0)
		return -1;
	return a->outp ? model_im_save(m, a->outp, err) : 0;
}

/* `mosaic model interference`: calibrate the pairwise matrix from co-run
 * traces, or evaluate the bandwidth model for two demands. */
static int cmd_interference(int argc, char **argv)
{
	struct interference_args a;
	struct trace_mem co, st[MODEL_IM_MAX];
	struct model_interference_matrix m;
	struct mo_err err;
	int rc = interference_parse(argc, argv, &a), nst = 0;

	if (rc >= 0)
		return rc;
	if (!a.corun)
		return interference_predict(&a);
	if (a.nsolo == 0)
		return cli_usage_error(VERB, "interference: --corun needs --solo traces");
	mo_err_clear(&err);
	model_im_init(&m);
	trace_mem_init(&co);
	rc = 0;
	if (interference_calibrate(&a, &co, st, &nst, &m, &err) < 0)
		rc = cli_fail(VERB, &err);
	else if (a.json)
		print_matrix_json(&m, &co);
	else
		print_matrix(&m, &co, a.corun);
	for (int i = 0; i < nst; i++)
		trace_mem_release(&st[i]);
	trace_mem_release(&co);
	return rc;
}

int cmd_model(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "gpu", required_argument, 0, 'g' },   { "op", required_argument, 0, 'o' },
		{ "shape", required_argument, 0, 's' }, { "dtype", required_argument, 0, 'd' },
		{ "sms", required_argument, 0, 'q' },   { "causal", no_argument, 0, 'c' },
		{ "flops", required_argument, 0, 'F' }, { "bytes", required_argument, 0, 'B' },
		{ "json", no_argument, 0, 'j' },        { "gpu-file", required_argument, 0, 'G' },
		{ "quiet", no_argument, 0, CLI_OPT_QUIET }, { "access-bytes", required_argument, 0, 'A' },
		{ "help", no_argument, 0, 'h' },        { 0, 0, 0, 0 },
	};
	const char *gpu = NULL, *op = NULL, *shape = NULL, *dtype = NULL, *sub;
	int sms = 0, causal = 0, json = 0, access = 0, c, rc;
	int64_t flops = 0, bytes = 0;
	struct mo_err err;

	if (argc < 2)
		return cli_usage_error(VERB, "missing subcommand");
	sub = argv[1];
	if (!strcmp(sub, "-h") || !strcmp(sub, "--help")) {
		printf("usage: %s\n", usage);
		return 0;
	}
	if (!strcmp(sub, "curve"))
		return cmd_curve(argc - 1, argv + 1);
	if (!strcmp(sub, "calibrate"))
		return cmd_model_calibrate(argc - 1, argv + 1);
	if (!strcmp(sub, "interference"))
		return cmd_interference(argc - 1, argv + 1);
	if (!strcmp(sub, "host"))
		return cmd_host(argc - 2, argv + 2);
	argc--;
	argv++;
	optind = 1;
	while ((c = cli_getopt(argc, argv, "h", opts)) != -1) {
		switch (c) {
		case 'g':
			gpu = optarg;
			break;
		case 'o':
			op = optarg;
			break;
		case 's':
			shape = optarg;
			break;
		case 'd':
			dtype = optarg;
			break;
		case 'q':
		{
			long long v;
			if (cli_int("--sms", optarg, 1, CLI_MAX_SMS, &v, &err) < 0)
				return cli_usage_error(VERB, "%s", err.msg);
			sms = (int)v;
			break;
		}
		case 'c':
			causal = 1;
			break;
		case 'A': {
			long long v;
			if (cli_int("--access-bytes", optarg, 1, 16, &v, &err) < 0)
				return cli_usage_error(VERB, "%s", err.msg);
			access = (int)v;
			break;
		}
		case 'F':
		case 'B': {
			long long v;
			if (cli_int(c == 'F' ? "--flops" : "--bytes", optarg, 0, INT64_MAX, &v, &err) < 0)
				return cli_usage_error(VERB, "%s", err.msg);
			if (c == 'F')
				flops = v;
			else
				bytes = v;
			break;
		}
		case 'j':
			json = 1;
			break;
		default:
			if ((rc = cli_last_option(VERB, c, usage)) >= 0)
				return rc;
			break;
		}
	}
	if (!strcmp(sub, "gpus"))
		return cmd_gpus(json);
	if (!strcmp(sub, "kernel")) {
		if (optind < argc)
			return cli_usage_error(VERB, "kernel: unexpected argument '%s'",
					       argv[optind]);
		return cmd_kernel(gpu, op, shape, dtype, sms, causal, flops, bytes, access, json);
	}
	return cli_usage_error(VERB, "unknown subcommand '%s'", sub);
}
