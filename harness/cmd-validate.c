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
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define VERB "validate"
#define MAX_FILES 64

static const char *usage =
	"mosaic validate --against FILE [--against FILE ...] [FILE ...] [--reference FULL.mtr]\n"
	"                [--gpu NAME] [--gpu-file FILE] [--json] [--plot OUT.png] [--max-mape PCT]\n"
	"       mosaic validate --measurements FILE|DIR [...] [--gpu-file FILE] [--json] [-o DIR]\n"
	"                [--max-median PCT]";

static int load(const char *path, struct trace_mem *t, struct mo_err *err)
{
	struct trace_sink sink;

	trace_mem_init(t);
	sink = trace_sink_mem(t);
	if (trace_read_any(path, &sink, err) < 0) {
		trace_mem_release(t);
		return -1;
	}
	return 0;
}

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
	char *d1 = strdup(png), *d2 = strdup(png), *dir, *name, csvpath[4096], title[160];
	double *o = NULL, *b = NULL;
	struct mo_outfile csv;
	struct plot p;
	size_t len;
	int rc = -1;

	o = malloc(((size_t)r->nape + 1) * sizeof(double));
	b = malloc(((size_t)r->nape + 1) * sizeof(double));
	if (!d1 || !d2 || !o || !b) {
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
	dir = dirname(d1);
	name = basename(d2);
	len = strlen(name);
	if (len > 4 && !strcasecmp(name + len - 4, ".png"))
		name[len - 4] = '\0';
	snprintf(csvpath, sizeof(csvpath), "%s/%s.csv", dir, name);
	if (mo_outfile_open(&csv, csvpath, err) < 0)
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
	free(d1);
	free(d2);
	return rc;
}

int cmd_validate(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "against", required_argument, 0, 'a' },  { "reference", required_argument, 0, 'r' },
		{ "gpu", required_argument, 0, 'g' },      { "gpu-file", required_argument, 0, 'G' },
		{ "json", no_argument, 0, 'j' },           { "plot", required_argument, 0, 'p' },
		{ "max-mape", required_argument, 0, 'm' }, { "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	const char *files[MAX_FILES], *ref_path = NULL, *gpu_name = NULL, *plot = NULL;
	int nfiles = 0, json = 0, c, rc = 0, ref_idx = -1;
	double max_mape = -1;
	struct trace_mem *traces = NULL, ref;
	int have_ref = 0;
	struct model_val_report rep;
	struct model_gpu tmp;
	const struct model_gpu *g = NULL;
	struct mo_err err;

	for (int i = 1; i < argc; i++)
		if (!strncmp(argv[i], "--measurements", 14))
			return cmd_validate_measurements(argc, argv);
	mo_err_clear(&err);
	model_val_init(&rep);
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			if (nfiles == MAX_FILES)
				return cli_usage_error(VERB, usage, "more than %d traces", MAX_FILES);
			files[nfiles++] = optarg;
			break;
		case 'r':
			ref_path = optarg;
			break;
		case 'g':
			gpu_name = optarg;
			break;
		case 'G':
			if (model_gpu_load_file(optarg, &err) < 0)
				return cli_fail(VERB, &err);
			break;
		case 'j':
			json = 1;
			break;
		case 'p':
			plot = optarg;
			break;
		case 'm':
			if (cli_real("--max-mape", optarg, 0, 1e6, &max_mape, &err) < 0)
				return cli_usage_error(VERB, usage, "%s", err.msg);
			break;
		case 'h':
			printf("usage: %s\n", usage);
			return 0;
		default:
			return cli_usage_error(VERB, usage, "bad option");
		}
	}
	for (; optind < argc; optind++) {
		if (nfiles == MAX_FILES)
			return cli_usage_error(VERB, usage, "more than %d traces", MAX_FILES);
		files[nfiles++] = argv[optind];
	}
	if (nfiles == 0)
		return cli_usage_error(VERB, usage, "no traces (--against FILE)");
	traces = calloc((size_t)nfiles, sizeof(*traces));
	if (!traces) {
		mo_err_set(&err, MO_ENOMEM, "out of memory");
		return cli_fail(VERB, &err);
	}
	for (int i = 0; i < nfiles; i++)
		trace_mem_init(&traces[i]);
	trace_mem_init(&ref);
	for (int i = 0; i < nfiles; i++)
		if (load(files[i], &traces[i], &err) < 0) {
			rc = cli_fail(VERB, &err);
			goto out;
		}
	if (ref_path) {
		if (load(ref_path, &ref, &err) < 0) {
			rc = cli_fail(VERB, &err);
			goto out;
		}
		have_ref = 1;
	}
	{
		const struct trace_header *h = have_ref ? &ref.header : &traces[0].header;
		g = gpu_name ? model_gpu_find(gpu_name, &err) : model_gpu_for_header(h, &tmp, &err);
		if (!g) {
			rc = cli_fail(VERB, &err);
			goto out;
		}
	}
	if (!have_ref) {
		for (int i = 0; i < nfiles; i++)
			if (ref_idx < 0 || trace_quota(&traces[i], g) > trace_quota(&traces[ref_idx], g))
				ref_idx = i;
		if (nfiles < 2) {
			rc = cli_usage_error(VERB, usage,
					     "one trace and no --reference: nothing to predict it from");
			goto out;
		}
	}
	for (int i = 0; i < nfiles; i++) {
		const struct trace_mem *r = have_ref ? &ref : &traces[ref_idx];
		if (i == ref_idx)
			continue;
		if (model_validate_add(&rep, g, r, &traces[i], &err) < 0) {
			mo_err_prefix(&err, "'%s'", files[i]);
			rc = cli_fail(VERB, &err);
			goto out;
		}
	}
	model_val_finish(&rep);
	{
		const char *rp = have_ref ? ref_path : files[ref_idx];
		const struct trace_mem *r = have_ref ? &ref : &traces[ref_idx];
		if (json) {
			printf("{\"gpu\": \"%s\", \"reference\": \"%s\", \"reference_sms\": %d, "
			       "\"reference_source\": \"%s\", \"targets\": %d, \"matched\": %d, \"unmatched\": %d, "
			       "\"mape\": %.3f, \"baseline_mape\": %.3f, ",
			       g->name, rp, trace_quota(r, g), trace_source_name((int)r->header.source),
			       rep.ntargets, rep.matched, rep.unmatched, rep.all_ours.mape,
			       rep.all_base.mape);
			print_stats_json("kernels", &rep.all_ours, 1);
			print_stats_json("kernels_baseline", &rep.all_base, 1);
			print_stats_json("modules", &rep.all_mod_ours, 1);
			print_stats_json("modules_baseline", &rep.all_mod_base, 1);
			printf("\"rows\": [\n");
			for (int i = 0; i < rep.nrows; i++) {
				const struct model_val_row *w = &rep.rows[i];
				printf("  {\"level\": \"%s\", \"ground_truth\": \"%s\", \"quota\": %d, ",
				       w->level ? "module" : "kernel", trace_source_name(w->source), w->quota);
				if (w->level)
					printf("\"module\": \"%s\", ", w->module);
				else
					printf("\"class\": \"%s\", ", w->kclass < 0 ? "all" : trace_class_name(w->kclass));
				print_stats_json("ours", &w->ours, 1);
				print_stats_json("baseline", &w->baseline, 0);
				printf("}%s\n", i + 1 < rep.nrows ? "," : "");
			}
			printf("]}\n");
		} else {
			printf("# predictions of the mosaic kernel model (ours) and of wave scaling (baseline)\n");
			printf("# from '%s' (%s, %d SMs) on %s; %d target(s), %d kernels matched, %d unmatched\n",
			       rp, trace_source_name((int)r->header.source), trace_quota(r, g), g->name,
			       rep.ntargets, rep.matched, rep.unmatched);
			for (int src = 0; src <= 1; src++) {
				if (!(rep.source_mask & (1 << src)))
					continue;
				printf("\n## ground truth: %s traces\n", trace_source_name(src));
				printf("%-7s %5s %-28s %5s | %8s %8s %8s %8s | %8s %8s %8s %8s\n", "level",
				       "quota", "class/module", "n", "MAPE%", "p50%", "p90%", "max%",
				       "b.MAPE%", "b.p50%", "b.p90%", "b.max%");
				for (int i = 0; i < rep.nrows; i++) {
					const struct model_val_row *w = &rep.rows[i];
					if (w->source != src)
						continue;
					printf("%-7s %5d %-28.28s %5d | %8.1f %8.1f %8.1f %8.1f | %8.1f %8.1f %8.1f %8.1f\n",
					       w->level ? "module" : "kernel", w->quota,
					       w->level ? w->module
							: (w->kclass < 0 ? "(all)" : trace_class_name(w->kclass)),
					       w->ours.n, w->ours.mape, w->ours.p50, w->ours.p90, w->ours.max,
					       w->baseline.mape, w->baseline.p50, w->baseline.p90,
					       w->baseline.max);
				}
			}
			printf("\nkernels: ours MAPE %.1f%% (p50 %.1f%%, p90 %.1f%%), baseline MAPE %.1f%%\n",
			       rep.all_ours.mape, rep.all_ours.p50, rep.all_ours.p90, rep.all_base.mape);
			printf("modules: ours MAPE %.1f%%, baseline MAPE %.1f%%\n", rep.all_mod_ours.mape,
			       rep.all_mod_base.mape);
			if (rep.source_mask == 3)
				printf("note: measured and simulated targets are pooled in these two summary lines; the sections above keep them apart\n");
		}
	}
	if (plot && write_cdf(plot, &rep, &err) < 0) {
		rc = cli_fail(VERB, &err);
		goto out;
	}
	if (max_mape >= 0 && rep.all_ours.mape > max_mape) {
		fprintf(stderr, "mosaic validate: kernel MAPE %.1f%% exceeds --max-mape %.1f%%\n",
			rep.all_ours.mape, max_mape);
		rc = 1;
	}
out:
	model_val_release(&rep);
	for (int i = 0; i < nfiles; i++)
		trace_mem_release(&traces[i]);
	trace_mem_release(&ref);
	free(traces);
	return rc;
}
