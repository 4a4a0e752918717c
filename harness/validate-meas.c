/*
 * validate-meas.c - `mosaic validate --measurements FILE|DIR ...`: today's
 * model against measured GPU sharing (model.h, "Measurements of GPU
 * sharing"): error tables by mechanism, kernel class, quota, co-run,
 * sharing, processes and data set, the worst rows, --json, and -o DIR for
 * CSV files and plots.
 */
#include "harness/validate-meas.h"
#include "harness/cli.h"
#include "harness/plot.h"
#include "model/model.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define VERB "validate"
#define MAX_PATHS 64

static const char *usage =
	"mosaic validate --measurements FILE|DIR [--measurements ...] [--gpu-file FILE] [--json]\n"
	"                [-o DIR] [--max-median PCT]";

/* ", \"name\": v" at prec decimals, or null when v is
 * not finite: JSON has no inf or nan (the readers refuse such times, so a
 * null here is a predicted figure gone wrong, shown rather than hidden). */
static void json_num(const char *name, int prec, double v)
{
	printf(", \"%s\": ", name);
	if (isfinite(v))
		printf("%.*f", prec, v);
	else
		printf("null");
}

/* "name": {"n": .., keys[0..3]: median, p90, max, mean at prec decimals}. */
static void stats_obj(const char *name, const struct model_meas_stats *s, const char *const keys[4], int prec)
{
	printf("\"%s\": {\"n\": %d", name, s->n);
	json_num(keys[0], prec, s->median);
	json_num(keys[1], prec, s->p90);
	json_num(keys[2], prec, s->max);
	json_num(keys[3], prec, s->mean);
	printf("}");
}

static void stats_json(const char *name, const struct model_meas_stats *s)
{
	static const char *const keys[4] = { "median_abs_pct", "p90_abs_pct", "max_abs_pct", "mean_signed_pct" };
	stats_obj(name, s, keys, 3);
}

static void pair_key(int procs, char *buf, size_t size)
{
	if (!procs)
		snprintf(buf, size, "all");
	else
		snprintf(buf, size, procs >= 5 ? ">=%d" : "%d", procs);
}

static void ratio_json(const char *name, const struct model_meas_stats *s)
{
	static const char *const keys[4] = { "median", "p90", "max", "mean" };
	stats_obj(name, s, keys, 4);
}

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

static void eval_json(const struct model_meas_set *s, const struct model_meas_eval *e)
{
	const struct model_meas *m = &s->m[e->idx];
	char item[160];

	printf("{\"where\": ");
	json_str(m->where);
	printf(", \"item\": ");
	json_str(model_meas_describe(m, item, sizeof(item)));
	printf(", \"gpu\": \"%s\", \"mechanism\": \"%s\", \"sms\": %d, \"corun\": \"%s\"",
	       e->gpu, model_mech_name(m->mech), e->sms, e->corun ? "co-run" : "solo");
	json_num("measured_ns", 1, m->ns);
	json_num("predicted_ns", 1, e->pred_ns);
	json_num("error_pct", 3, e->err);
	if (e->has_slow) {
		json_num("measured_slowdown", 4, e->meas_slow);
		json_num("predicted_slowdown", 4, e->pred_slow);
		json_num("slowdown_error_pct", 3, e->slow_err);
	}
	printf("}");
}

static void print_json(const struct model_meas_set *s, const struct model_meas_report *r,
		       const struct validate_sens *sens, int ignored)
{
	printf("{\"truth\": \"measured\", \"prediction\": \"predicted by today's model\", "
	       "\"rows\": %zu, \"evaluated\": %zu, \"skipped\": %zu, \"ignored_files\": %d,\n",
	       s->n, r->nev, r->skipped.nskip, ignored);
	stats_json("absolute", &r->all_abs);
	printf(",\n");
	stats_json("slowdown", &r->all_slow);
	printf(",\n\"groups\": [\n");
	for (size_t i = 0; i < r->ngroups; i++) {
		const struct model_meas_group *g = &r->groups[i];
		printf("  {\"dimension\": \"%s\", \"key\": ", g->dim);
		json_str(g->key); /* a data set's key is a name from the disk */
		printf(", ");
		stats_json("absolute", &g->abs);
		printf(", ");
		stats_json("slowdown", &g->slow);
		printf("}%s\n", i + 1 < r->ngroups ? "," : "");
	}
	printf("],\n\"worst_absolute\": [\n");
	for (size_t i = 0; i < r->nworst; i++) {
		printf("  ");
		eval_json(s, &r->ev[r->worst[i]]);
		printf("%s\n", i + 1 < r->nworst ? "," : "");
	}
	printf("],\n\"worst_slowdown\": [\n");
	for (size_t i = 0; i < r->nworst_slow; i++) {
		printf("  ");
		eval_json(s, &r->ev[r->worst_slow[i]]);
		printf("%s\n", i + 1 < r->nworst_slow ? "," : "");
	}
	printf("],\n\"shared_vs_partitioned\": [\n");
	for (int i = 0; i < r->npairs; i++) {
		char key[8];
		pair_key(r->pairs[i].procs, key, sizeof(key));
		printf("  {\"processes\": \"%s\", ", key);
		ratio_json("measured_ratio", &r->pairs[i].meas);
		printf(", ");
		ratio_json("predicted_ratio", &r->pairs[i].pred);
		printf(", ");
		stats_json("ratio_error", &r->pairs[i].err);
		printf("}%s\n", i + 1 < r->npairs ? "," : "");
	}
	printf("],\n\"corun_gain\": {\"truth\": \"measured\", \"n\": %d", r->gains.n);
	json_num("median", 4, r->gains.median);
	json_num("p10", 4, r->gains.p10);
	json_num("p90", 4, r->gains.p90);
	json_num("min", 4, r->gains.min);
	json_num("max", 4, r->gains.max);
	json_num("below_1", 4, r->gains.below);
	printf("}");
	printf(",\n\"host_sensitivity\": [\n");
	for (int i = 0; i < sens->n; i++)
		for (int own = 0; own < 2; own++) {
			const struct validate_sens_row *w = &sens->row[i];
			printf("  {\"rows\": \"%s\", \"host\": \"%s\", ", w->rows,
			       own ? "own-traces" : model_host_cpu_name(MODEL_HOST_CPU_DEFAULT));
			stats_json("absolute", own ? &w->own_abs : &w->def_abs);
			printf(", ");
			stats_json("slowdown", own ? &w->own_slow : &w->def_slow);
			printf("}%s\n", i + 1 < sens->n || !own ? "," : "");
		}
	printf("]");
	printf(",\n\"skipped_items\": [\n");
	for (size_t i = 0; i < r->skipped.nskip; i++) {
		printf("  {\"where\": ");
		json_str(r->skipped.skip[i].where);
		printf(", \"why\": ");
		json_str(r->skipped.skip[i].why);
		printf("}%s\n", i + 1 < r->skipped.nskip ? "," : "");
	}
	printf("]}\n");
}

static void stats_cols(const struct model_meas_stats *s)
{
	if (!s->n)
		printf(" | %5s %7s %7s %7s %7s", "0", "-", "-", "-", "-");
	else
		printf(" | %5d %7.1f %7.1f %7.1f %+7.1f", s->n, s->median, s->p90, s->max, s->mean);
}

static void print_worst(const struct model_meas_set *s, const struct model_meas_report *r,
			const size_t *idx, size_t n, int slow)
{
	printf("%-3s %-44s %-14s %-13s %4s %-6s %12s %12s %8s  %s\n", "#", "item", "gpu", "mechanism",
	       "SMs", "corun", slow ? "meas.slow" : "measured_us", slow ? "pred.slow" : "predicted_us",
	       "error%", "where");
	for (size_t i = 0; i < n; i++) {
		const struct model_meas_eval *e = &r->ev[idx[i]];
		const struct model_meas *m = &s->m[e->idx];
		char item[160];
		printf("%-3zu %-44.44s %-14.14s %-13s %4d %-6s", i + 1,
		       model_meas_describe(m, item, sizeof(item)), e->gpu, model_mech_name(m->mech),
		       e->sms, e->corun ? "co-run" : "solo");
		if (slow)
			printf(" %12.3f %12.3f %+8.1f", e->meas_slow, e->pred_slow, e->slow_err);
		else
			printf(" %12.2f %12.2f %+8.1f", m->ns / 1e3, e->pred_ns / 1e3, e->err);
		printf("  %s\n", m->where);
	}
}

/* Shared SMs against partitions of the same size (model.h). */
static void print_pairs(const struct model_meas_set *s, const struct model_meas_report *r)
{
	printf("\n## N processes sharing S SMs vs N partitions of S/N SMs (measured and predicted)\n"
	       "# ratio: throughput shared / partitioned (time partitioned / time shared; > 1: sharing\n"
	       "# wins); error: predicted ratio vs measured, %% (> 0: the model favours sharing)\n");
	printf("%-6s %5s | %-23s | %-23s | %s\n", "N", "n", "measured ratio", "predicted ratio",
	       "error of the ratio");
	printf("%-6s %5s | %7s %7s %7s | %7s %7s %7s | %7s %7s %7s %7s\n", "", "", "median", "mean",
	       "max", "median", "mean", "max", "med%", "p90%", "max%", "mean%");
	for (int i = 0; i < r->npairs; i++) {
		const struct model_meas_pair_stats *p = &r->pairs[i];
		char key[8];
		pair_key(p->procs, key, sizeof(key));
		printf("%-6s %5d | %7.3f %7.3f %7.3f | %7.3f %7.3f %7.3f | %7.1f %7.1f %7.1f %+7.1f\n",
		       key, p->meas.n, p->meas.median, p->meas.mean, p->meas.max, p->pred.median,
		       p->pred.mean, p->pred.max, p->err.median, p->err.p90, p->err.max, p->err.mean);
	}
	printf("%-3s %-44s %-14s %4s %3s %9s %9s %8s  %s\n", "#", "item", "gpu", "S", "N", "meas.ratio",
	       "pred.ratio", "error%", "where (shared)");
	for (size_t i = 0; i < r->npair_worst; i++) {
		const struct model_meas_eval *e = &r->ev[r->pair_worst[i][0]];
		const struct model_meas *m = &s->m[e->idx];
		double meas, pred;
		char item[160];
		model_meas_pair_ratios(s, r, r->pair_worst[i], &meas, &pred);
		printf("%-3zu %-44.44s %-14.14s %4d %3d %9.3f %9.3f %+8.1f  %s\n", i + 1,
		       model_meas_describe(m, item, sizeof(item)), e->gpu, e->sms, m->copies, meas,
		       pred, 100.0 * (pred - meas) / meas, m->where);
	}
}

static void print_gains(const struct model_meas_gain_stats *g)
{
	printf("\n## measured: %d pairs of jobs sharing one GPU's SMs (MPS without limits)\n"
	       "# gain: the two jobs' co-located over solo throughputs, summed (1: as fast as taking\n"
	       "# turns, 2: neither slowed; measured only, no prediction)\n"
	       "median %.3f  p10 %.3f  p90 %.3f  min %.3f  max %.3f  below 1: %.1f%% of pairs\n",
	       g->n, g->median, g->p10, g->p90, g->min, g->max, 100 * g->below);
}

/* The host CPU's sensitivity row (validate-meas.h). */
static void print_sens(const struct validate_sens *s)
{
	printf("\n## sensitivity: the host CPU (predicted both ways; the tables above use the first)\n"
	       "# %s: every GPU on the H100 traces' host, the default of the simulator, planner\n"
	       "# and synth (model.h, enum model_host_cpu); own-traces: each GPU on the host of the\n"
	       "# traces recorded with its kind (A100: a100-traces, V100: v100-traces, others as before)\n",
	       model_host_cpu_name(MODEL_HOST_CPU_DEFAULT));
	printf("%-21s %-13s | %5s %7s %7s %7s %7s | %5s %7s %7s %7s %7s\n", "rows", "host", "n",
	       "med%", "p90%", "max%", "mean%", "n", "med%", "p90%", "max%", "mean%");
	for (int i = 0; i < s->n; i++) {
		const struct validate_sens_row *r = &s->row[i];
		printf("%-21s %-13s", r->rows, model_host_cpu_name(MODEL_HOST_CPU_DEFAULT));
		stats_cols(&r->def_abs);
		stats_cols(&r->def_slow);
		printf("\n%-21s %-13s", "", "own-traces");
		stats_cols(&r->own_abs);
		stats_cols(&r->own_slow);
		printf("\n");
	}
}

static void print_text(const struct model_meas_set *s, const struct model_meas_report *r,
		       const struct validate_sens *sens, int ignored)
{
	const char *last = "";

	printf("# measured GPU sharing against today's model (predicted)\n");
	printf("# %zu measurements read, %zu evaluated, %zu skipped (listed at the end), "
	       "%d files without a reader ignored\n",
	       s->n, r->nev, r->skipped.nskip, ignored);
	printf("# absolute: predicted vs measured time at the row's quota; slowdown: predicted\n"
	       "# time(quota)/time(whole GPU) vs measured, for rows with a whole-GPU measurement\n"
	       "# (or the data set's largest slice); errors in %%, |error| for median/p90/max,\n"
	       "# mean signed (> 0: predicted too slow)\n\n");
	printf("%-21s %-28s | %5s %7s %7s %7s %7s | %5s %7s %7s %7s %7s\n", "dimension", "key", "n",
	       "med%", "p90%", "max%", "mean%", "n", "med%", "p90%", "max%", "mean%");
	printf("%-21s %-28s | %-37s | %-37s\n", "", "", "absolute (time)", "slowdown (vs whole)");
	printf("%-21s %-28s", "all", "all");
	stats_cols(&r->all_abs);
	stats_cols(&r->all_slow);
	printf("\n");
	for (size_t i = 0; i < r->ngroups; i++) {
		const struct model_meas_group *g = &r->groups[i];
		printf("%-21s %-28s", strcmp(last, g->dim) ? g->dim : "", g->key);
		stats_cols(&g->abs);
		stats_cols(&g->slow);
		printf("\n");
		last = g->dim;
	}
	printf("\n## worst %zu rows by absolute error (measured vs predicted time)\n", r->nworst);
	print_worst(s, r, r->worst, r->nworst, 0);
	if (r->nworst_slow) {
		printf("\n## worst %zu rows by slowdown error (measured vs predicted slowdown)\n",
		       r->nworst_slow);
		print_worst(s, r, r->worst_slow, r->nworst_slow, 1);
	}
	if (r->npairs)
		print_pairs(s, r);
	if (r->gains.n)
		print_gains(&r->gains);
	print_sens(sens);
	if (r->skipped.nskip) {
		printf("\n## skipped items (%zu): the model cannot predict them\n", r->skipped.nskip);
		for (size_t i = 0; i < r->skipped.nskip; i++)
			printf("%s: %s\n", r->skipped.skip[i].where, r->skipped.skip[i].why);
	}
}

int cmd_validate_measurements(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "measurements", required_argument, 0, 'M' }, { "gpu-file", required_argument, 0, 'G' },
		{ "json", no_argument, 0, 'j' },              CLI_OPTS_OUTPUT,
		{ "quiet", no_argument, 0, CLI_OPT_QUIET },
		{ "csv", required_argument, 0, 'o' },         { "max-median", required_argument, 0, 'm' },
		{ "help", no_argument, 0, 'h' },              { 0, 0, 0, 0 },
	};
	const char *paths[MAX_PATHS], *gpu_files[MAX_PATHS], *outdir = NULL;
	int npaths = 0, ngpu = 0, json = 0, c, rc = 0, ignored = 0;
	double max_median = -1;
	struct model_meas_set set;
	struct model_meas_report rep, own;
	struct validate_sens sens;
	struct validate_host_choice per_gpu = {.per_gpu = 1};
	struct mo_err err;

	mo_err_clear(&err);
	optind = 1;
	while ((c = cli_getopt(argc, argv, "ho:", opts)) != -1) {
		switch (c) {
		case 'M':
			if (npaths == MAX_PATHS)
				return cli_usage_error(VERB, "more than %d --measurements", MAX_PATHS);
			paths[npaths++] = optarg;
			break;
		case 'G':
			if (ngpu == MAX_PATHS)
				return cli_usage_error(VERB, "more than %d --gpu-file", MAX_PATHS);
			gpu_files[ngpu++] = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 'o':
			outdir = optarg;
			break;
		case 'm':
			if (cli_real("--max-median", optarg, 0, 1e9, &max_median, &err) < 0)
				return cli_usage_error(VERB, "%s", err.msg);
			break;
		default:
			if ((rc = cli_last_option(VERB, c, usage)) >= 0)
				return rc;
			break;
		}
	}
	if (optind < argc)
		return cli_usage_error(VERB, "unexpected argument '%s'", argv[optind]);
	if (!npaths)
		return cli_usage_error(VERB, "no --measurements");
	for (int i = 0; i < ngpu; i++)
		if (model_gpu_load_file(gpu_files[i], &err) < 0)
			return cli_fail(VERB, &err);
	model_meas_set_init(&set);
	model_meas_report_init(&rep);
	model_meas_report_init(&own);
	for (int i = 0; i < npaths; i++)
		if (model_meas_load_path(&set, paths[i], &ignored, &err) < 0) {
			rc = cli_fail(VERB, &err);
			goto out;
		}
	if (model_meas_evaluate(&set, validate_model_predict, NULL, &rep, &err) < 0 ||
	    model_meas_evaluate(&set, validate_model_predict, &per_gpu, &own, &err) < 0 ||
	    (validate_sens_compute(&rep, &own, &sens) < 0 &&
	     mo_err_set(&err, MO_ENOMEM, "validate: out of memory") < 0)) {
		rc = cli_fail(VERB, &err);
		goto out;
	}
	if (outdir && validate_meas_write(outdir, &set, &rep, &err) < 0) {
		rc = cli_fail(VERB, &err);
		goto out;
	}
	if (json)
		print_json(&set, &rep, &sens, ignored);
	else
		print_text(&set, &rep, &sens, ignored);
	if (max_median >= 0 && rep.all_abs.n && rep.all_abs.median > max_median) {
		fprintf(stderr, "mosaic validate: median absolute error %.1f%% exceeds --max-median %.1f%%\n",
			rep.all_abs.median, max_median);
		rc = 1;
	}
out:
	model_meas_report_release(&rep);
	model_meas_report_release(&own);
	model_meas_set_release(&set);
	return rc;
}
