/*
 * validate-meas-out.c - the CSV files and figures of `mosaic validate
 * --measurements -o DIR` (validate-meas.h).
 */
#include "harness/validate-meas.h"
#include "harness/plot.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Write a CSV field without commas or quotes (items never hold quotes). */
static void field(FILE *fp, const char *s)
{
	for (; *s; s++)
		fputc(*s == ',' || *s == '"' ? ';' : *s, fp);
}

static int write_rows(const char *dir, const struct model_meas_set *s,
		      const struct model_meas_report *r, struct mo_err *err)
{
	char path[4096], item[160];
	struct mo_outfile f;
	int rc;

	snprintf(path, sizeof(path), "%s/rows.csv", dir);
	if ((rc = mo_outfile_open(&f, path, err)) < 0)
		return rc;
	fprintf(f.fp, "where,item,class,gpu,mechanism,sms,quota_bin,corun,measured_us,predicted_us,"
		      "error_pct,measured_slowdown,predicted_slowdown,slowdown_error_pct\n");
	for (size_t i = 0; i < r->nev; i++) {
		const struct model_meas_eval *e = &r->ev[i];
		const struct model_meas *m = &s->m[e->idx];
		field(f.fp, m->where);
		fputc(',', f.fp);
		field(f.fp, model_meas_describe(m, item, sizeof(item)));
		fprintf(f.fp, ",%s,%s,%s,%d,%s,%s,%.4f,%.4f,%.3f,", e->klass, e->gpu,
			model_mech_name(m->mech), e->sms, model_meas_qbin_name(e->qbin),
			e->corun ? "co-run" : "solo", m->ns / 1e3, e->pred_ns / 1e3, e->err);
		if (e->has_slow)
			fprintf(f.fp, "%.5f,%.5f,%.3f\n", e->meas_slow, e->pred_slow, e->slow_err);
		else
			fprintf(f.fp, ",,\n");
	}
	return mo_outfile_commit(&f, err);
}

static void stats_csv(FILE *fp, const struct model_meas_stats *st)
{
	if (st->n)
		fprintf(fp, ",%d,%.3f,%.3f,%.3f,%.3f", st->n, st->median, st->p90, st->max, st->mean);
	else
		fprintf(fp, ",0,,,,");
}

static int write_groups(const char *dir, const struct model_meas_report *r, struct mo_err *err)
{
	char path[4096];
	struct mo_outfile f;
	int rc;

	snprintf(path, sizeof(path), "%s/groups.csv", dir);
	if ((rc = mo_outfile_open(&f, path, err)) < 0)
		return rc;
	fprintf(f.fp, "dimension,key,abs_n,abs_median_pct,abs_p90_pct,abs_max_pct,abs_mean_signed_pct,"
		      "slow_n,slow_median_pct,slow_p90_pct,slow_max_pct,slow_mean_signed_pct\n");
	fprintf(f.fp, "all,all");
	stats_csv(f.fp, &r->all_abs);
	stats_csv(f.fp, &r->all_slow);
	fputc('\n', f.fp);
	for (size_t i = 0; i < r->ngroups; i++) {
		fprintf(f.fp, "\"%s\",\"%s\"", r->groups[i].dim, r->groups[i].key);
		stats_csv(f.fp, &r->groups[i].abs);
		stats_csv(f.fp, &r->groups[i].slow);
		fputc('\n', f.fp);
	}
	rc = mo_outfile_commit(&f, err);
	if (rc < 0)
		return rc;
	snprintf(path, sizeof(path), "%s/skipped.csv", dir);
	if ((rc = mo_outfile_open(&f, path, err)) < 0)
		return rc;
	fprintf(f.fp, "where,why\n");
	for (size_t i = 0; i < r->skipped.nskip; i++) {
		field(f.fp, r->skipped.skip[i].where);
		fputc(',', f.fp);
		field(f.fp, r->skipped.skip[i].why);
		fputc('\n', f.fp);
	}
	return mo_outfile_commit(&f, err);
}

/* error_cdf.csv (slow 0) or slowdown_error_cdf.csv (slow 1): per mechanism,
 * its sorted |errors| and the cumulative fraction; present[mech] says
 * which mechanisms have rows. */
static int write_cdf_data(const char *dir, const struct model_meas_set *s,
			  const struct model_meas_report *r, int slow, int *present, struct mo_err *err)
{
	char path[4096];
	struct mo_outfile f;
	double *v = malloc((r->nev + 1) * sizeof(double));
	int rc;

	if (!v)
		return mo_err_set(err, MO_ENOMEM, "out of memory");
	snprintf(path, sizeof(path), "%s/%s.csv", dir, slow ? "slowdown_error_cdf" : "error_cdf");
	if ((rc = mo_outfile_open(&f, path, err)) < 0) {
		free(v);
		return rc;
	}
	fprintf(f.fp, "mechanism,%s,fraction_of_rows\n", slow ? "abs_slowdown_error_pct" : "abs_error_pct");
	for (int mech = 0; mech < MODEL_MECH_COUNT; mech++) {
		struct model_err_stats st;
		size_t n = 0;
		for (size_t i = 0; i < r->nev; i++)
			if (s->m[r->ev[i].idx].mech == mech && (!slow || r->ev[i].has_slow))
				v[n++] = fabs(slow ? r->ev[i].slow_err : r->ev[i].err);
		present[mech] = n > 0;
		if (!n)
			continue;
		model_err_stats_of(v, (int)n, &st); /* sorts v */
		for (size_t i = 0; i < n; i++)
			fprintf(f.fp, "%s,%.4f,%.6f\n", model_mech_name(mech), v[i] < 0.01 ? 0.01 : v[i],
				(i + 1.0) / (double)n);
	}
	free(v);
	return mo_outfile_commit(&f, err);
}

/* One figure with a point set or line per mechanism present: csv holds the
 * mechanism in column mech_col, using is the gnuplot `using` with %s for
 * the mechanism test; setup is written before the plot command. */
struct figure {
	const char *name, *title, *xlabel, *ylabel, *setup, *csv, *using, *style, *extra;
	int mech_col;
	int slow;   /* the mechanisms present come from the slowdown rows */
};

static int plot_by_mechanism(const char *dir, const struct figure *f, const int *present,
			     struct mo_err *err)
{
	struct plot p;
	int rc, first = 1, any = 0;

	for (int mech = 0; mech < MODEL_MECH_COUNT; mech++)
		any |= present[mech];
	if (!any) /* nothing to draw (no slowdown rows) */
		return 0;
	rc = plot_open(&p, dir, f->name, 900, 600, f->title, f->xlabel, f->ylabel, err);
	if (rc < 0)
		return rc;
	fprintf(p.fp, "%splot ", f->setup);
	for (int mech = 0; mech < MODEL_MECH_COUNT; mech++) {
		char test[64];
		if (!present[mech])
			continue;
		snprintf(test, sizeof(test), "strcol(%d) eq '%s'", f->mech_col, model_mech_name(mech));
		fprintf(p.fp, "%s'%s' every ::1 using ", first ? "" : ", \\\n     ", f->csv);
		fprintf(p.fp, f->using, test);
		fprintf(p.fp, " with %s title 'measured vs predicted, %s'", f->style, model_mech_name(mech));
		first = 0;
	}
	if (f->extra)
		fprintf(p.fp, "%s%s", first ? "" : ", \\\n     ", f->extra);
	fprintf(p.fp, "\n");
	return plot_close(&p, err);
}

static const struct figure figures[] = {
	{ "predicted_vs_measured",
	  "kernel and model times under GPU sharing: predicted (today's model) vs measured",
	  "measured time (us)", "predicted time (us)", "set logscale xy\nset key inside top left\nset grid\n",
	  "rows.csv", "(%s ? $9 : NaN):10", "points pt 7 ps 0.6",
	  "'diagonal.csv' every ::1 using 1:2 with lines lc rgb '#888888' dt 2 title 'predicted = measured'",
	  5, 0 },
	{ "error_cdf", "absolute error of predicted vs measured time, by mechanism",
	  "|predicted - measured| / measured (%)", "fraction of measured rows",
	  "set logscale x\nset yrange [0:1]\nset key inside bottom right\nset grid\n", "error_cdf.csv",
	  "(%s ? $2 : NaN):3", "steps lw 2", NULL, 1, 0 },
	{ "slowdown_error_cdf",
	  "error of the predicted vs measured slowdown (time at the quota / whole GPU), by mechanism",
	  "|predicted - measured slowdown| / measured slowdown (%)", "fraction of measured rows",
	  "set logscale x\nset yrange [0:1]\nset key inside bottom right\nset grid\n",
	  "slowdown_error_cdf.csv", "(%s ? $2 : NaN):3", "steps lw 2", NULL, 1, 1 },
};

/* diagonal.csv: the line predicted = measured across the range of both. */
static int write_diagonal(const char *dir, const struct model_meas_set *s,
			  const struct model_meas_report *r, struct mo_err *err)
{
	char path[4096];
	struct mo_outfile f;
	double lo = INFINITY, hi = 0;
	int rc;

	for (size_t i = 0; i < r->nev; i++) {
		double a = s->m[r->ev[i].idx].ns / 1e3, b = r->ev[i].pred_ns / 1e3;
		lo = fmin(lo, fmin(a, b));
		hi = fmax(hi, fmax(a, b));
	}
	snprintf(path, sizeof(path), "%s/diagonal.csv", dir);
	if ((rc = mo_outfile_open(&f, path, err)) < 0)
		return rc;
	fprintf(f.fp, "time_us,same_time_us\n%.6g,%.6g\n%.6g,%.6g\n", lo, lo, hi, hi);
	return mo_outfile_commit(&f, err);
}

int validate_meas_write(const char *dir, const struct model_meas_set *s,
			const struct model_meas_report *r, struct mo_err *err)
{
	int present[2][MODEL_MECH_COUNT] = { { 0 } }, rc;

	if (mkdir(dir, 0777) < 0 && errno != EEXIST)
		return mo_err_set(err, MO_EIO, "cannot create '%s': %s", dir, strerror(errno));
	if ((rc = write_rows(dir, s, r, err)) < 0 || (rc = write_groups(dir, r, err)) < 0 ||
	    (rc = write_cdf_data(dir, s, r, 0, present[0], err)) < 0 ||
	    (rc = write_cdf_data(dir, s, r, 1, present[1], err)) < 0)
		return rc;
	if (!r->nev) /* nothing to draw */
		return 0;
	if ((rc = write_diagonal(dir, s, r, err)) < 0)
		return rc;
	for (size_t i = 0; i < sizeof(figures) / sizeof(figures[0]); i++)
		if ((rc = plot_by_mechanism(dir, &figures[i], present[figures[i].slow], err)) < 0)
			return rc;
	return 0;
}
