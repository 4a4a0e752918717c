/*
 * report.c - the report core: from the merged raw tables to what a person
 * reads.  It gathers iter.csv per workload and system, then lets every
 * experiment (in the paper's figure order) write its derived CSV, its
 * figure and its section of report.md, and writes summary.json and
 * summary.txt (what `mosaic bench` prints).  The one figure type and the
 * CSV and markdown helpers the experiments share are here.
 *
 * Labels: "simulated" numbers come from the engine's sim backend,
 * "predicted" ones from the performance model through the planner's cost
 * model.  Nothing here is measured on hardware.
 */
#include "harness/bench/experiment.h"

#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

const char *const bench_sys_color[BENCH_N_SYSTEMS] = {"#4e79a7", "#f28e2b", "#59a14f", "#b07aa1",
						      "#e15759"};
const char *const bench_palette[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
				     "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
				     "#1f77b4", "#8c564b"};
const int bench_n_palette = (int)(sizeof(bench_palette) / sizeof(bench_palette[0]));

int bench_figure_close(struct bench_report *c, struct plot *p, struct mo_err *err)
{
	int rc;

	if (c->have_gnuplot)
		return plot_close(p, err);
	rc = mo_outfile_commit(&p->out, err);
	free(p->dir);
	free(p->name);
	memset(p, 0, sizeof(*p));
	return rc;
}

int bench_wl_index(const struct bench_opts *o, const char *name)
{
	for (int i = 0; i < o->n_workloads; i++)
		if (!strcmp(o->workloads[i], name))
			return i;
	return -1;
}

int bench_sys_index(const char *name)
{
	for (int i = 0; i < BENCH_N_SYSTEMS; i++)
		if (!strcmp(bench_systems[i], name))
			return i;
	return -1;
}

static int count_index(const struct bench_report *c, int gpus)
{
	for (int i = 0; i < c->ncounts; i++)
		if (c->counts[i] == gpus)
			return i;
	return -1;
}

/* Format helpers: a number or "-" when missing. */
const char *bench_fmt_ms(char *buf, size_t n, double ns)
{
	if (isnan(ns) || ns <= 0)
		snprintf(buf, n, "-");
	else
		snprintf(buf, n, "%.2f", ns / 1e6);
	return buf;
}

/* ------------------------------------------------------------------------ */
/* Collect                                                                  */
/* ------------------------------------------------------------------------ */

static void collect(struct bench_report *c)
{
	const struct bench_table *it = &c->t[BENCH_T_ITER];

	c->ncounts = bench_scale_counts(c->o, c->counts, BENCH_MAX_COUNTS);
	if (count_index(c, c->o->cluster.n_gpus) < 0 && c->ncounts < BENCH_MAX_COUNTS)
		c->counts[c->ncounts++] = c->o->cluster.n_gpus;
	/* keep the counts sorted */
	for (int i = 1; i < c->ncounts; i++)
		for (int j = i; j > 0 && c->counts[j - 1] > c->counts[j]; j--) {
			int x = c->counts[j];

			c->counts[j] = c->counts[j - 1];
			c->counts[j - 1] = x;
		}
	for (int r = 0; r < it->n; r++) {
		int w = bench_wl_index(c->o, bench_cell(it, r, "workload"));
		int s = bench_sys_index(bench_cell(it, r, "system"));
		int g = (int)bench_cell_num(it, r, "gpus");
		int ci = count_index(c, g);
		struct bench_sysres v;

		if (w < 0 || s < 0)
			continue;
		v.have = 1;
		v.pred_ns = bench_cell_num(it, r, "predicted_iter_ns");
		v.sim_ns = bench_cell_num(it, r, "simulated_iter_ns");
		v.sps = bench_cell_num(it, r, "simulated_samples_per_s");
		v.util = bench_cell_num(it, r, "simulated_util_pct");
		v.partitions = (int)bench_cell_num(it, r, "partitions");
		v.colocated = (int)bench_cell_num(it, r, "colocated_gpus");
		v.mbs = (int)bench_cell_num(it, r, "microbatch_size");
		if (g == c->o->cluster.n_gpus)
			c->wl[w].sys[s] = v;
		if (ci >= 0)
			c->wl[w].scale[ci][s] = v;
	}
	c->max_speedup = NAN;
	c->max_wl = -1;
	c->n_speedups = 0;
	{
		double logsum = 0;

		for (int w = 0; w < c->o->n_workloads; w++) {
			struct bench_wlres *r = &c->wl[w];
			const int M = BENCH_N_SYSTEMS - 1; /* mosaic */

			r->best = r->best_pred = -1;
			r->speedup = r->speedup_pred = NAN;
			for (int s = 0; s < M; s++) {
				if (!r->sys[s].have)
					continue;
				if (r->best < 0 || r->sys[s].sim_ns < r->sys[r->best].sim_ns)
					r->best = s;
				if (r->best_pred < 0 || r->sys[s].pred_ns < r->sys[r->best_pred].pred_ns)
					r->best_pred = s;
			}
			if (r->best >= 0 && r->sys[M].have && r->sys[M].sim_ns > 0) {
				r->speedup = r->sys[r->best].sim_ns / r->sys[M].sim_ns;
				r->speedup_pred = r->sys[r->best_pred].pred_ns / r->sys[M].pred_ns;
				logsum += log(r->speedup);
				c->n_speedups++;
				if (c->max_wl < 0 || r->speedup > c->max_speedup) {
					c->max_speedup = r->speedup;
					c->max_wl = w;
				}
			}
		}
		c->geo_speedup = c->n_speedups ? exp(logsum / c->n_speedups) : NAN;
	}
}

/* ------------------------------------------------------------------------ */
/* Derived CSVs                                                             */
/* ------------------------------------------------------------------------ */

int bench_csv_open(struct bench_csv *c, const char *dir, const char *name, struct mo_err *err)
{
	char path[4096];
	int rc;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	rc = mo_outfile_open(&c->f, path, err);
	c->fp = rc ? NULL : c->f.fp;
	return rc;
}

int bench_csv_close(struct bench_csv *c, struct mo_err *err)
{
	return mo_outfile_commit(&c->f, err);
}

void bench_csv_num(FILE *fp, double v, const char *fmt)
{
	if (isnan(v))
		fputs(",", fp);
	else {
		fputc(',', fp);
		fprintf(fp, fmt, v);
	}
}

/* ------------------------------------------------------------------------ */
/* Markdown helpers                                                         */
/* ------------------------------------------------------------------------ */

void bench_md(struct bench_report *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(c->md, fmt, ap);
	va_end(ap);
}

void bench_md_figure(struct bench_report *c, const struct bench_figure *f)
{
	bench_md(c, "\n![%s](%s.png)\n\n*%s* (Also `%s.svg`; `%s.gp` redraws it from its CSV.)\n\n",
		 f->name, f->name, f->caption, f->name, f->name);
}

/* ------------------------------------------------------------------------ */
/* The figure                                                               */
/* ------------------------------------------------------------------------ */

int bench_figure_open(struct bench_report *c, struct bench_csv *csv, const struct bench_figure *f,
		      struct plot *p, FILE **gp, struct mo_err *err)
{
	int rc = csv ? bench_csv_close(csv, err) : 0;

	*gp = NULL;
	if (rc)
		return rc;
	rc = plot_open(p, c->dir, f->name, f->width, f->height, f->title, f->xlabel, f->ylabel, err);
	if (rc)
		return rc < 0 ? rc : -MO_EIO;
	*gp = p->fp;
	return 0;
}


void bench_gp_bars(FILE *fp, int nx, const char *yrange, double headroom, int unit_line)
{
	fprintf(fp, "set style data histograms\nset style histogram clustered gap 1\n"
		    "set style fill solid 0.9 border rgb '#333333'\nset boxwidth 0.9\n"
		    "set yrange %s\n", yrange);
	if (headroom > 0)
		fprintf(fp, "set offsets 0, 0, graph %g, 0\n", headroom);
	fprintf(fp, "set key autotitle columnhead\nset xrange [-0.6:%d.4]\n", nx - 1);
	if (unit_line)
		fprintf(fp, "set arrow from graph 0, first 1 to graph 1, first 1 nohead dt 2 "
			    "lc rgb '#555555'\n");
}

void bench_gp_bar_series(FILE *fp, const char *csv, int col, int n, const char *const *titles,
			 const char *const *colors)
{
	for (int i = 0; i < n; i++)
		fprintf(fp, "%s'%s' using %d:xtic(1) title '%s' lc rgb '%s'", i ? ", \\\n     " : "plot ",
			csv, col + i, titles[i], colors[i]);
}

/* The values above the bars: bar i of n sits at x + (i - (n - 1) / 2) / (n + gap). */
void bench_gp_bar_labels(FILE *fp, int value_col, int label_col, int n)
{
	for (int i = 0; i < n; i++)
		fprintf(fp, ", \\\n     '' using ($0 + (%d - %d / 2.0) / %d.0):(column(%d) + 0.03):(strcol(%d)) "
			    "with labels rotate by 90 left notitle",
			i, n - 1, n + 1, value_col + i, label_col + i);
}

/* ------------------------------------------------------------------------ */
/* Statistics of error samples                                              */
/* ------------------------------------------------------------------------ */

int bench_dcmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double bench_pct_at(const double *v, int n, double q)
{
	int i;

	if (n <= 0)
		return NAN;
	i = (int)ceil(q * n) - 1;
	if (i < 0)
		i = 0;
	if (i >= n)
		i = n - 1;
	return v[i];
}

/* ------------------------------------------------------------------------ */
/* summary.json and summary.txt                                             */
/* ------------------------------------------------------------------------ */

static json_t *jnum(double v)
{
	return isnan(v) ? json_null() : json_real(round(v * 1e6) / 1e6);
}

static int summary(struct bench_report *c, struct mo_err *err)
{
	json_t *root = json_object(), *wls = json_array(), *labels = json_object();
	char path[4096], *text;
	int rc, M = BENCH_N_SYSTEMS - 1;
	struct mo_outfile f;

	json_object_set_new(root, "format", json_string("mosaic-bench-summary"));
	json_object_set_new(root, "version", json_integer(1));
	json_object_set_new(root, "mosaic_version", json_string(MOSAIC_VERSION));
	json_object_set_new(root, "cluster", json_string(c->o->cluster.label));
	json_object_set_new(root, "quick", json_boolean(c->o->quick));
	json_object_set_new(labels, "systems", json_string("simulated iteration time in ns (sim backend)"));
	json_object_set_new(labels, "predicted", json_string("predicted iteration time in ns (performance model, planner's estimate)"));
	json_object_set_new(labels, "speedup_vs_best_baseline",
			    json_string("simulated: best temporal-only baseline's iter_ns / mosaic's iter_ns"));
	json_object_set_new(labels, "max_speedup", json_string("simulated"));
	json_object_set_new(labels, "geomean_speedup", json_string("simulated"));
	json_object_set_new(root, "labels", labels);
	for (int w = 0; w < c->o->n_workloads; w++) {
		const struct bench_wlres *r = &c->wl[w];
		json_t *o = json_object(), *sys = json_object(), *pred = json_object();

		json_object_set_new(o, "name", json_string(c->o->workloads[w]));
		for (int s = 0; s < BENCH_N_SYSTEMS; s++) {
			if (!r->sys[s].have)
				continue;
			json_object_set_new(sys, bench_systems[s], json_integer((json_int_t)r->sys[s].sim_ns));
			json_object_set_new(pred, bench_systems[s], json_integer((json_int_t)r->sys[s].pred_ns));
		}
		json_object_set_new(o, "systems", sys);
		json_object_set_new(o, "predicted", pred);
		json_object_set_new(o, "best_baseline",
				    r->best >= 0 ? json_string(bench_systems[r->best]) : json_null());
		json_object_set_new(o, "speedup_vs_best_baseline", jnum(r->speedup));
		json_object_set_new(o, "predicted_speedup_vs_best_baseline", jnum(r->speedup_pred));
		json_array_append_new(wls, o);
	}
	json_object_set_new(root, "workloads", wls);
	json_object_set_new(root, "max_speedup", jnum(c->max_speedup));
	json_object_set_new(root, "max_speedup_workload",
			    c->max_wl >= 0 ? json_string(c->o->workloads[c->max_wl]) : json_null());
	json_object_set_new(root, "geomean_speedup", jnum(c->geo_speedup));
	text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
	json_decref(root);
	if (!text)
		return mo_err_set(err, MO_ENOMEM, "out of memory");
	snprintf(path, sizeof(path), "%s/summary.json", c->dir);
	rc = mo_outfile_open(&f, path, err);
	if (!rc) {
		fprintf(f.fp, "%s\n", text);
		rc = mo_outfile_commit(&f, err);
	}
	free(text);
	if (rc)
		return rc;
	/* the lines `mosaic bench` prints */
	snprintf(path, sizeof(path), "%s/summary.txt", c->dir);
	rc = mo_outfile_open(&f, path, err);
	if (rc)
		return rc;
	fprintf(f.fp, "simulated iteration times (sim backend), ms\n");
	fprintf(f.fp, "%-16s %14s %14s %-10s %9s\n", "workload", "mosaic", "best baseline",
		"baseline", "speedup");
	for (int w = 0; w < c->o->n_workloads; w++) {
		const struct bench_wlres *r = &c->wl[w];
		char b1[32], b2[32];

		fprintf(f.fp, "%-16s %14s %14s %-10s ", c->o->workloads[w],
			bench_fmt_ms(b1, sizeof(b1), r->sys[M].have ? r->sys[M].sim_ns : NAN),
			bench_fmt_ms(b2, sizeof(b2), r->best >= 0 ? r->sys[r->best].sim_ns : NAN),
			r->best >= 0 ? bench_systems[r->best] : "-");
		if (isnan(r->speedup))
			fprintf(f.fp, "%9s\n", "-");
		else
			fprintf(f.fp, "%8.3fx\n", r->speedup);
	}
	if (c->n_speedups)
		fprintf(f.fp, "speedup of mosaic over the best baseline (simulated): max %.3fx (%s), "
			      "geomean %.3fx\n", c->max_speedup, c->o->workloads[c->max_wl], c->geo_speedup);
	else
		fprintf(f.fp, "no speedup: no workload has both a mosaic and a baseline plan\n");
	return mo_outfile_commit(&f, err);
}

/* ------------------------------------------------------------------------ */

static void git_describe(char *buf, size_t size)
{
	FILE *p;

	buf[0] = '\0';
	/* only inside a mosaic checkout: elsewhere git would describe another repository */
	if (access("harness/bench/bench.h", F_OK) != 0 || access(".git", F_OK) != 0) {
		snprintf(buf, size, "not available");
		return;
	}
	p = popen("git describe --always --dirty 2>/dev/null", "r");
	if (p) {
		if (!fgets(buf, (int)size, p))
			buf[0] = '\0';
		pclose(p);
	}
	buf[strcspn(buf, "\n")] = '\0';
	if (!buf[0])
		snprintf(buf, size, "not available");
}

/* Every experiment's section, in the paper's figure order ("9" < "12a" <
 * "12b" < "14a"), those without a figure last, the list's order otherwise. */
static int fig_before(const struct bench_experiment *a, const struct bench_experiment *b)
{
	long na, nb;
	char *ea, *eb;

	if (!a->figure || !b->figure)
		return a->figure && !b->figure;
	na = strtol(a->figure, &ea, 10);
	nb = strtol(b->figure, &eb, 10);
	return na != nb ? na < nb : strcmp(ea, eb) < 0;
}

static int sections(struct bench_report *c, struct mo_err *err)
{
	const struct bench_experiment *order[64];
	int n = 0, rc = 0;

	for (int i = 0; i < bench_n_experiments && n < 64; i++) {
		int j = n++;

		for (; j > 0 && fig_before(bench_experiment_list[i], order[j - 1]); j--)
			order[j] = order[j - 1];
		order[j] = bench_experiment_list[i];
	}
	for (int i = 0; i < n && !rc; i++)
		if (order[i]->report)
			rc = order[i]->report(c, err);
	return rc;
}

static void failures(struct bench_report *c)
{
	const struct bench_table *t = &c->t[BENCH_T_FAILURE];

	bench_md(c, "## What did not run\n\n");
	if (!t->n) {
		bench_md(c, "Every task produced its results.\n");
		return;
	}
	bench_md(c, "These tasks produced no numbers (a planner refused or nothing fit); their cells "
	      "above are '-'.\n\n| workload | experiment | variant | why |\n|---|---|---|---|\n");
	for (int r = 0; r < t->n; r++)
		bench_md(c, "| %s | %s | %s | %s |\n", bench_cell(t, r, "workload"),
		   bench_cell(t, r, "experiment"), bench_cell(t, r, "variant"),
		   bench_cell(t, r, "message"));
}

int bench_have_gnuplot(void)
{
	return system("gnuplot --version >/dev/null 2>&1") == 0;
}

int bench_report(const struct bench_opts *o, struct bench_table *tables, const char *dir,
		 struct mo_err *err)
{
	struct bench_report *c = calloc(1, sizeof(*c));
	char path[4096], when[64], git[128];
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	time_t now = sde ? (time_t)strtoll(sde, NULL, 10) : time(NULL);
	struct tm tm;
	int rc;

	if (!c)
		return mo_err_set(err, MO_ENOMEM, "out of memory");
	c->o = o;
	c->t = tables;
	c->dir = dir;
	collect(c);
	c->have_gnuplot = bench_have_gnuplot();
	snprintf(path, sizeof(path), "%s/report.md", dir);
	rc = mo_outfile_open(&c->md_out, path, err);
	if (rc) {
		free(c);
		return rc;
	}
	c->md = c->md_out.fp;
	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
	git_describe(git, sizeof(git));
	bench_md(c, "# mosaic bench report\n\n"
	      "| | |\n|---|---|\n"
	      "| mosaic | %s (git %s) |\n| date | %s |\n| cluster | %s (%s, %d SMs) |\n"
	      "| run | %s%s |\n| workloads | ",
	   MOSAIC_VERSION, git, when, o->cluster.label, o->cluster.gpu ? o->cluster.gpu->name : "?",
	   o->cluster.gpu ? o->cluster.gpu->sms : 0,
	   o->quick ? "--quick" : "full", o->worsen ? " (SELF-TEST: mosaic replaced by the worst "
						     "baseline's plan)" : "");
	for (int w = 0; w < o->n_workloads; w++)
		bench_md(c, "%s%s", w ? ", " : "", o->workloads[w]);
	bench_md(c, " |\n| systems | ");
	for (int s = 0; s < BENCH_N_SYSTEMS; s++)
		bench_md(c, "%s%s", s ? ", " : "", bench_systems[s]);
	bench_md(c, " |\n| backend | sim (discrete-event simulator); no GPU was used |\n%s\n"
	      "**What the numbers are.** *Simulated*: produced by mosaic's discrete-event GPU "
	      "simulator running the plan (iteration times, utilisation, throughput, timelines). "
	      "*Predicted*: the performance model's estimate, through the planner's cost model. "
	      "Nothing in this report is measured on hardware. Speedups compare simulated "
	      "iteration times and name their baseline.\n\n",
	   c->have_gnuplot ? "" : "\n**gnuplot was not found: the figures below exist only as "
				  "scripts (`*.gp`); install gnuplot-nox and run `mosaic plot DIR` to "
				  "draw them.**\n");
	rc = sections(c, err);
	if (!rc) {
		failures(c);
		bench_md(c, "\n## Files\n\nRaw tables (one row per result, first column the sweep's task "
		      "index): `iter.csv`, `overhead.csv`, `profile.csv`, `predictor.csv`, `search.csv`, "
		      "`timeline.csv`, `failures.csv`. Figure data: `fig*.csv`, `timeline_*.csv`. "
		      "Scripts: `*.gp`. Summary: `summary.json`.\n");
		rc = mo_outfile_commit(&c->md_out, err);
	} else {
		mo_outfile_abort(&c->md_out);
	}
	if (!rc)
		rc = summary(c, err);
	free(c);
	return rc;
}

