/*
 * exp-grid-density.c - profiling-grid density (the paper's Fig. 14b): how
 * sparse a profiling grid may be.  The simulated profile of each (workload,
 * module, phase) over every lattice quota (profile.csv, from the
 * prediction-error tasks) is the ground truth; a curve sampled every k SMs
 * (plus the smallest quota and the whole GPU) is interpolated with the
 * model's curve interpolation (model_curve_fwd_ns) and compared at every
 * lattice quota.  It runs no task of its own.
 */
#include "harness/bench/experiment.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const struct bench_figure figure = {
	"fig14_density", 900, 480,
	"Fig. 14b: profiling-grid density against accuracy (interpolated vs simulated)", "profiling grid step (SMs)", "abs. error at every lattice quota (%)",
	"Error of module scaling curves interpolated from a sparser profiling grid, "
	"against the simulated time at every quota."};

static int report(struct bench_report *c, struct mo_err *err)
{
	static const int steps[] = {8, 16, 32, 64};
	const struct bench_table *t = &c->t[BENCH_T_PROFILE];
	double *ape;
	struct bench_csv f;
	struct plot p;
	FILE *gp;
	int rc, nsteps = (int)(sizeof(steps) / sizeof(steps[0]));

	if (!t->n)
		return 0;
	ape = calloc((size_t)t->n + 1, sizeof(*ape));
	if (!ape)
		return mo_err_set(err, MO_ENOMEM, "out of memory");
	rc = bench_csv_open(&f, c->dir, "fig14_density.csv", err);
	if (rc) {
		free(ape);
		return rc;
	}
	fprintf(f.fp, "step_sms,samples_per_curve,median_abs_error_pct,p90_abs_error_pct,"
		      "max_abs_error_pct\n");
	bench_md(c, "\n**Profiling-grid density.** Ground truth: each module's simulated time at every "
	      "lattice quota (the per-module profiles of Fig. 12). A profile sampled every k SMs "
	      "(plus the smallest quota and the whole GPU) is interpolated with the model's curve "
	      "interpolation and compared with the simulated time at every lattice quota "
	      "(simulated vs interpolated-from-simulated).\n\n"
	      "| step (SMs) | samples per curve | median %% | p90 %% | max %% |\n"
	      "|---:|---:|---:|---:|---:|\n");
	for (int si = 0; si < nsteps; si++) {
		int n = 0, samples = 0;

		for (int r0 = 0; r0 < t->n;) {
			/* one curve: consecutive rows of one (workload, module, phase) */
			int r1 = r0;
			struct model_curve cv;
			int qmin = (int)bench_cell_num(t, r0, "quota_sms"), qmax = qmin;

			while (r1 < t->n && !strcmp(bench_cell(t, r1, "workload"), bench_cell(t, r0, "workload")) &&
			       !strcmp(bench_cell(t, r1, "module"), bench_cell(t, r0, "module")) &&
			       !strcmp(bench_cell(t, r1, "phase"), bench_cell(t, r0, "phase")))
				r1++;
			for (int r = r0; r < r1; r++) {
				int q = (int)bench_cell_num(t, r, "quota_sms");

				qmin = q < qmin ? q : qmin;
				qmax = q > qmax ? q : qmax;
			}
			memset(&cv, 0, sizeof(cv));
			for (int r = r0; r < r1 && cv.n < MODEL_CURVE_MAX; r++) {
				int q = (int)bench_cell_num(t, r, "quota_sms");

				if (q % steps[si] && q != qmin && q != qmax)
					continue;
				cv.quota[cv.n] = q;
				cv.fwd_ns[cv.n] = (int64_t)bench_cell_num(t, r, "simulated_ns");
				cv.bwd_ns[cv.n] = cv.fwd_ns[cv.n];
				cv.n++;
			}
			if (r0 == 0)
				samples = cv.n;
			for (int r = r0; r < r1; r++) {
				double s = bench_cell_num(t, r, "simulated_ns");
				double a = (double)model_curve_fwd_ns(&cv, (int)bench_cell_num(t, r, "quota_sms"));

				if (s > 0)
					ape[n++] = 100.0 * fabs(a - s) / s;
			}
			r0 = r1;
		}
		qsort(ape, (size_t)n, sizeof(*ape), bench_dcmp);
		fprintf(f.fp, "%d,%d,%.4f,%.4f,%.4f\n", steps[si], samples, bench_pct_at(ape, n, 0.5),
			bench_pct_at(ape, n, 0.9), n ? ape[n - 1] : NAN);
		bench_md(c, "| %d | %d | %.2f | %.2f | %.2f |\n", steps[si], samples, bench_pct_at(ape, n, 0.5),
		   bench_pct_at(ape, n, 0.9), n ? ape[n - 1] : NAN);
	}
	free(ape);
	rc = bench_figure_open(c, &f, &figure, &p, &gp, err);
	if (rc)
		return rc;
	fprintf(gp, "set logscale x 2\nset xtics (8, 16, 32, 64)\nset xrange [6:80]\n"
		      "set yrange [0:*]\nset key inside left top\n"
		      "plot 'fig14_density.csv' using 1:3 every ::1 with linespoints lw 2 pt 7 "
		      "lc rgb '#4e79a7' title 'median', \\\n"
		      "     '' using 1:4 every ::1 with linespoints lw 2 pt 5 lc rgb '#f28e2b' title 'p90', \\\n"
		      "     '' using 1:5 every ::1 with linespoints lw 2 pt 9 lc rgb '#e15759' title 'max'\n");
	rc = bench_figure_close(c, &p, err);
	if (!rc)
		bench_md_figure(c, &figure);
	return rc;
}

/* ------------------------------------------------------------------------ */
/* Timelines                                                                */
/* ------------------------------------------------------------------------ */

/* The timelines share what a reader compares across them: one colour per
 * module (its order of first appearance over every system's rows), one time
 * axis (the longest iteration), and one row per distinct GPU role: GPUs whose
 * rows are identical but for the GPU's number (data-parallel replicas) are
 * drawn once, labelled with their count. */

const struct bench_experiment bench_exp_grid_density = {
	.name = "profiling-grid density",
	.figure = "14b",
	.report = report,
};
