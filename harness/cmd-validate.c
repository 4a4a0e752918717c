/*
 * cmd-validate.c - `mosaic validate`: the performance model's predictions
 * against traces recorded at other SM quotas or co-run.
 *
 *   mosaic validate --against FILE [--against FILE ...] [FILE ...]
 *                   [--reference FULL] [--gpu NAME] [--json] [--plot OUT.png]
 *                   [--max-mape PCT]
 *
 * The reference is the trace the model predicts from (--reference, else the
 * --against trace recorded at the most SMs).  Every other trace is a target:
 * its kernels are matched to the reference's (model.h, "Kernel matching")
 * and their measured (or simulated) times compared with our prediction and
 * the wave-scaling baseline.  With --measurements the command judges the
 * model against measured GPU sharing instead (harness/validate-meas.c).  Measured and simulated ground truth are
 * reported in separate, labelled sections.  Exit 1 when --max-mape is given
 * and our kernel-level MAPE exceeds it.
 */
#include "harness/cli.h"
#include "harness/plot.h"
#include "harness/validate-meas.h"
#include "model/model.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VERB "validate"
#define MAX_FILES 64

static const char *usage =
	"mosaic validate --against FILE [--against FILE ...] [FILE ...] [--reference FULL.mtr]\n"
	"                [--gpu NAME] [--gpu-file FILE] [--json] [--plot OUT.png] [--max-mape PCT]\n"
	"       mosaic validate --measurements FILE|DIR [...] [--gpu-file FILE] [--json] [-o DIR]\n"
	"                [--max-median PCT]\n"
	"  (-o, --output or --out: the directory for the tables; --quiet: accepted as by\n"
	"  every command, validate writes only errors and the verdict to stderr)";

static int trace_quota(const struct trace_mem *t, const struct model_gpu *g)
{
	return t->header.quota_sms > 0 ? (int)t->header.quota_sms : g->sms;
}

static void print_stats_json(const char *name, const struct model_err_stats *s, int comma)
{
	printf("\"%s\": {\"n\": %d, \"mape\": %.3f, \"p50\": %.3f, \"p90\": %.3f, \"max\": %.3f}%s",
	       name, s->n, s->mape, s->p50, s->p90, s->max, comma ? ", " : "");
}

static int write_cdf(const char *png, const struct model_val_report *r, struct mo_err *err)
{
	char dir[4096], name[4096], title[160];
	double *o = NULL, *b = NULL;
	struct mo_outfile csv;
	struct plot p;
	int rc = -1;

	o = malloc(((size_t)r->nape + 1) * sizeof(double));
	b = malloc(((size_t)r->nape + 1) * sizeof(double));
	if (!o || !b) {
		mo_err_set(err, MO_ENOMEM, "out of memory");
		goto out;
	}
	memcpy(o, r->ape_ours, (size_t)r->nape * sizeof(double));
	memcpy(b, r->ape_base, (size_t)r->nape * sizeof(double));
	{
		struct model_err_stats s;
		model_err_stats_of(o, r->nape, &s); /* sorts */
		model_err_stats_of(b, r->nape, &s);
	}
	if (plot_png_csv(png, dir, name, sizeof(dir), &csv, err) < 0)
		goto out;
	fprintf(csv.fp, "abs_pct_error_ours,abs_pct_error_waves,fraction_of_kernels\n");
	for (int i = 0; i < r->nape; i++)
		fprintf(csv.fp, "%.4f,%.4f,%.6f\n", o[i], b[i], (i + 1.0) / r->nape);
	if (mo_outfile_commit(&csv, err) < 0)
		goto out;
	snprintf(title, sizeof(title),
		 "kernel time prediction error across quotas (predicted vs %s ground truth)",
		 r->source_mask == 3 ? "measured and simulated"
				     : trace_source_name(r->source_mask & 2 ? 1 : 0));
	if (plot_open(&p, dir, name, 900, 560, title, "absolute error (%)", "fraction of kernels",
		      err) < 0)
		goto out;
	fprintf(p.fp, "set datafile separator ','\nset key bottom right\nset grid\n"
		      "set logscale x\nset xrange [0.1:*]\nset yrange [0:1]\n");
	fprintf(p.fp, "plot '%s.csv' every ::1 using ($1 < 0.1 ? 0.1 : $1):3 with lines lw 2 title 'mosaic kernel model', \\\n"
		      "     '' every ::1 using ($2 < 0.1 ? 0.1 : $2):3 with lines lw 2 dt 2 title 'wave-scaling baseline'\n",
		name);
	rc = plot_close(&p, err);
out:
	free(o);
	free(b);
	return rc;
}

/* The report as JSON on stdout (rp, r: the reference trace's name and data). */
static void print_json(const struct model_val_report *rep, const struct model_gpu *g,
		       const char *rp, const struct trace_mem *r)
{
	printf("{\"gpu\": \"%s\", \"reference\": \"%s\", \"reference_sms\": %d, "
	       "\"reference_source\": \"%s\", \"targets\": %d, \"matched\": %d, \"unmatched\": %d, "
	       "\"mape\": %.3f, \"baseline_mape\": %.3f, ",
	       g->name, rp, trace_quota(r, g), trace_source_name((int)r->header.source),
	       rep->ntargets, rep->matched, rep->unmatched, rep->all_ours.mape, rep->all_base.mape);
	print_stats_json("kernels", &rep->all_ours, 1);
	print_stats_json("kernels_baseline", &rep->all_base, 1);
	print_stats_json("modules", &rep->all_mod_ours, 1);
	print_stats_json("modules_baseline", &rep->all_mod_base, 1);
	printf("\"rows\": [\n");
	for (int i = 0; i < rep->nrows; i++) {
		const struct model_val_row *w = &rep->rows[i];
		printf("  {\"level\": \"%s\", \"ground_truth\": \"%s\", \"quota\": %d, ",
		       w->level ? "module" : "kernel", trace_source_name(w->source), w->quota);
		if (w->level)
			printf("\"module\": \"%s\", ", w->module);
		else
			printf("\"class\": \"%s\", ", w->kclass < 0 ? "all" : trace_class_name(w->kclass));
		print_stats_json("ours", &w->ours, 1);
		print_stats_json("baseline", &w->baseline, 0);
		printf("}%s\n", i + 1 < rep->nrows ? "," : "");
	}
	printf("]}\n");
}

/* The rows whose ground truth is source src, as a text table. */
static void print_rows(const struct model_val_report *rep, int src)
{
	printf("\n## ground truth: %s traces\n", trace_source_name(src));
	printf("%-7s %5s %-28s %5s | %8s %8s %8s %8s | %8s %8s %8s %8s\n", "level",
	       "quota", "class/module", "n", "MAPE%", "p50%", "p90%", "max%",
	       "b.MAPE%", "b.p50%", "b.p90%", "b.max%");
	for (int i = 0; i < rep->nrows; i++) {
		const struct model_val_row *w = &rep->rows[i];
		if (w->source != src)
			continue;
		printf("%-7s %5d %-28.28s %5d | %8.1f %8.1f %8.1f %8.1f | %8.1f %8.1f %8.1f %8.1f\n",
		       w->level ? "module" : "kernel", w->quota,
		       w->level ? w->module : (w->kclass < 0 ? "(all)" : trace_class_name(w->kclass)),
		       w->ours.n, w->ours.mape, w->ours.p50, w->ours.p90, w->ours.max,
		       w->baseline.mape, w->baseline.p50, w->baseline.p90, w->baseline.max);
	}
}

/* The report as text on stdout. */
static void print_text(const struct model_val_report *rep, const struct model_gpu *g,
		       const char *rp, const struct trace_mem *r)
{
	printf("# predictions of the mosaic kernel model (ours) and of wave scaling (baseline)\n");
	printf("# from '%s' (%s, %d SMs) on %s; %d target(s), %d kernels matched, %d unmatched\n",
	       rp, trace_source_name((int)r->header.source), trace_quota(r, g), g->name,
	       rep->ntargets, rep->matched, rep->unmatched);
	for (int src = 0; src <= 1; src++)
		if (rep->source_mask & (1 << src))
			print_rows(rep, src);
	printf("\nkernels: ours MAPE %.1f%% (p50 %.1f%%, p90 %.1f%%), baseline MAPE %.1f%%\n",
	       rep->all_ours.mape, rep->all_ours.p50, rep->all_ours.p90, rep->all_base.mape);
	printf("modules: ours MAPE %.1f%%, baseline MAPE %.1f%%\n", rep->all_mod_ours.mape,
	       rep->all_mod_base.mape);
	if (rep->source_mask == 3)
		printf("note: measured and simulated targets are pooled in these two summary lines; the sections above keep them apart\n");
}

/* What the command line asked for. */
struct args {
	const char *files[MAX_FILES], *ref_path, *gpu_name, *plot;
	int nfiles, json;
	double max_mape;
};

/* The options and trace arguments into a: -1 to go on, else the exit code. */
static int parse(int argc, char **argv, struct args *a, struct mo_err *err)
{
	static const struct option opts[] = {
		{ "against", required_argument, 0, 'a' },  { "reference", required_argument, 0, 'r' },
		{ "gpu", required_argument, 0, 'g' },      { "gpu-file", required_argument, 0, 'G' },
		{ "json", no_argument, 0, 'j' },           { "plot", required_argument, 0, 'p' },
		{ "max-mape", required_argument, 0, 'm' }, { "help", no_argument, 0, 'h' },
		{ "quiet", no_argument, 0, CLI_OPT_QUIET }, { 0, 0, 0, 0 },
	};
	int c, rc;

	optind = 1;
	while ((c = cli_getopt(argc, argv, "h", opts)) != -1) {
		switch (c) {
		case 'a':
			if (a->nfiles == MAX_FILES)
				return cli_usage_error(VERB, "more than %d traces", MAX_FILES);
			a->files[a->nfiles++] = optarg;
			break;
		case 'r': a->ref_path = optarg; break;
		case 'g': a->gpu_name = optarg; break;
		case 'j': a->json = 1; break;
		case 'p': a->plot = optarg; break;
		case 'm':
			if (cli_real("--max-mape", optarg, 0, 1e6, &a->max_mape, err) < 0)
				return cli_usage_error(VERB, "%s", err->msg);
			break;
		default:
			if ((rc = cli_last_option(VERB, c, usage)) >= 0)
				return rc;
			break;
		}
	}
	for (; optind < argc; optind++) {
		if (a->nfiles == MAX_FILES)
			return cli_usage_error(VERB, "more than %d traces", MAX_FILES);
		a->files[a->nfiles++] = argv[optind];
	}
	if (a->nfiles == 0)
		return cli_usage_error(VERB, "no traces (--against FILE)");
	return -1;
}

/* Load the traces and the reference; the GPU; *ref_idx the reference among
 * the traces (the largest quota) when there is no --reference.  -1 to go
 * on, else the exit code. */
static int load_all(const struct args *a, struct trace_mem *traces, struct trace_mem *ref,
		    const struct model_gpu **g, struct model_gpu *tmp, int *ref_idx,
		    struct mo_err *err)
{
	for (int i = 0; i < a->nfiles; i++)
		if (trace_mem_load_any(&traces[i], a->files[i], err) < 0)
			return cli_fail(VERB, err);
	if (a->ref_path && trace_mem_load_any(ref, a->ref_path, err) < 0)
		return cli_fail(VERB, err);
	*g = a->gpu_name ? model_gpu_find(a->gpu_name, err)
			 : model_gpu_for_header(a->ref_path ? &ref->header : &traces[0].header, tmp, err);
	if (!*g)
		return cli_fail(VERB, err);
	if (a->ref_path)
		return -1;
	for (int i = 0; i < a->nfiles; i++)
		if (*ref_idx < 0 || trace_quota(&traces[i], *g) > trace_quota(&traces[*ref_idx], *g))
			*ref_idx = i;
	if (a->nfiles < 2)
		return cli_usage_error(VERB, "one trace and no --reference: nothing to predict it from");
	return -1;
}

int cmd_validate(int argc, char **argv)
{
	struct args a = {.max_mape = -1};
	struct trace_mem *traces = NULL, ref;
	struct model_val_report rep;
	struct model_gpu tmp;
	const struct model_gpu *g = NULL;
	const struct trace_mem *r;
	int rc, ref_idx = -1;
	struct mo_err err;

	for (int i = 1; i < argc; i++)
		if (!strncmp(argv[i], "--measurements", 14))
			return cmd_validate_measurements(argc, argv);
	mo_err_clear(&err);
	if ((rc = parse(argc, argv, &a, &err)) >= 0)
		return rc;
	traces = calloc((size_t)a.nfiles, sizeof(*traces));
	if (!traces) {
		mo_err_set(&err, MO_ENOMEM, "out of memory");
		return cli_fail(VERB, &err);
	}
	model_val_init(&rep);
	for (int i = 0; i < a.nfiles; i++)
		trace_mem_init(&traces[i]);
	trace_mem_init(&ref);
	if ((rc = load_all(&a, traces, &ref, &g, &tmp, &ref_idx, &err)) >= 0)
		goto out;
	rc = 0;
	r = a.ref_path ? &ref : &traces[ref_idx];
	for (int i = 0; i < a.nfiles; i++) {
		if (i == ref_idx)
			continue;
		if (model_validate_add(&rep, g, r, &traces[i], &err) < 0) {
			mo_err_prefix(&err, "'%s'", a.files[i]);
			rc = cli_fail(VERB, &err);
			goto out;
		}
	}
	model_val_finish(&rep);
	if (a.json)
		print_json(&rep, g, a.ref_path ? a.ref_path : a.files[ref_idx], r);
	else
		print_text(&rep, g, a.ref_path ? a.ref_path : a.files[ref_idx], r);
	if (a.plot && write_cdf(a.plot, &rep, &err) < 0) {
		rc = cli_fail(VERB, &err);
	} else if (a.max_mape >= 0 && rep.all_ours.mape > a.max_mape) {
		fprintf(stderr, "mosaic validate: kernel MAPE %.1f%% exceeds --max-mape %.1f%%\n",
			rep.all_ours.mape, a.max_mape);
		rc = 1;
	}
out:
	model_val_release(&rep);
	for (int i = 0; i < a.nfiles; i++)
		trace_mem_release(&traces[i]);
	trace_mem_release(&ref);
	free(traces);
	return rc;
}
