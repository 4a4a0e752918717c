/*
 * experiment.h - inside the bench library (harness/bench/, not for its
 * callers): what an experiment is, the list of them, and the pieces the
 * experiment files share: running a plan (run.c), recording a timeline
 * (exp-timelines.c) and writing a report section (report.c).
 *
 * An experiment is one file exp-NAME.c defining one
 *   const struct bench_experiment bench_exp_NAME
 * and one line X(NAME) in BENCH_EXPERIMENTS below.  Its tasks() adds the
 * tasks of the sweep it needs (none for an experiment that only reads other
 * experiments' tables), run() runs one of them and writes rows to the raw
 * tables (bench.h's BENCH_TABLES), report() turns the merged tables into its
 * derived CSV, its figure (struct bench_figure) and its section of
 * report.md.  Every number a run() writes comes out of plan_*, engine_* or
 * model_* calls: simulated (the engine's sim backend) or predicted (the
 * performance model through the planner's cost model), never invented.
 */
#ifndef MOSAIC_HARNESS_BENCH_EXPERIMENT_H
#define MOSAIC_HARNESS_BENCH_EXPERIMENT_H

#include <stdio.h>

#include "harness/bench/bench.h"
#include "engine/engine.h"
#include "harness/plot.h"
#include "planner/planner.h"
#include "workloads/workloads.h"

/* ------------------------------------------------------------------------ */
/* The registry                                                             */
/* ------------------------------------------------------------------------ */

/*
 * Every experiment, in the sweep's task order: task i of a sweep is the i-th
 * task the experiments' tasks() add in this order, and the raw tables'
 * first column is that index, so reordering this list renumbers the tasks
 * (and changes every CSV of a bench run).  Experiments without tasks can go
 * anywhere.  The report orders its sections by the paper's figure instead
 * (struct bench_experiment's figure; those without one come last).
 */
#define BENCH_EXPERIMENTS(X)                                                            \
	X(iter_time) X(search_quality) X(overhead) X(prediction_error) X(predictors)   \
	X(scaling) X(why) X(utilisation) X(grid_density) X(timelines) X(launch_grid)

struct bench_report;

/* The tasks being built by bench_tasks(): push adds one of the current
 * experiment (0, or -MO_ENOMEM). */
struct bench_task_list {
	struct bench_task *v;
	int n;
	size_t cap;
	int exp; /* the experiment whose tasks() is running (its index in the list) */
};
int bench_task_push(struct bench_task_list *l, int wl, int variant, int gpus);

struct bench_experiment {
	const char *name;   /* what it shows: "iteration time" */
	const char *figure; /* the paper's figure it reproduces ("9", "12a"); NULL for none */
	const char *tag;    /* progress labels and failures.csv's "experiment" column ("fig9") */
	unsigned suites;    /* the suites whose sweep has its tasks: bits 1 << BENCH_SUITE_* */
	/* Add its tasks to l for the options o; NULL: it has none. */
	int (*tasks)(const struct bench_opts *o, struct bench_task_list *l);
	/* The variant's name in a progress label ("mosaic"); NULL: none. */
	const char *(*variant)(const struct bench_opts *o, const struct bench_task *t);
	int label_gpus;     /* the progress label ends in " xGPUS" */
	/* Run task t (index of the sweep) on workload w: rows into tables. */
	int (*run)(const struct bench_opts *o, const struct bench_task *t, int index,
		   struct workload *w, struct bench_table *tables, struct mo_err *err);
	/* Its derived CSV, figure and section of report.md; NULL: none. */
	int (*report)(struct bench_report *c, struct mo_err *err);
};

#define X(n) extern const struct bench_experiment bench_exp_##n;
BENCH_EXPERIMENTS(X)
#undef X

/* The list (BENCH_EXPERIMENTS' order) and its length. */
extern const struct bench_experiment *const bench_experiment_list[];
extern const int bench_n_experiments;

/* The bits of struct bench_experiment's suites. */
#define BENCH_IN_FULL (1u << BENCH_SUITE_FULL)
#define BENCH_IN_BOTH ((1u << BENCH_SUITE_FULL) | (1u << BENCH_SUITE_REGRESS))

/* ------------------------------------------------------------------------ */
/* Running a task (run.c)                                                   */
/* ------------------------------------------------------------------------ */

/* Rows are formatted into a buffer of this size, then added. */
#define BENCH_ROW_MAX 2048
int bench_add_row(struct bench_table *t, int task, struct mo_err *err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* A task that could not run: a row in failures.csv (the report lists them); 0. */
int bench_fail_row(struct bench_table *tables, int task, const char *wl, const char *exp,
		   const char *variant, const struct mo_err *e);
/* Is rc a failure of the experiment (recorded as a row) rather than of the harness? */
int bench_soft(int rc);
/* rc of a task step that failed with e: a failures.csv row when bench_soft(rc),
 * else e copied to err and rc. */
int bench_fail(int rc, struct bench_table *tables, int task, const char *wl, const char *exp,
	       const char *variant, const struct mo_err *e, struct mo_err *err);
/* The simulator's cluster for w on n GPUs (what engine_run derives itself
 * when given none), so experiments can change one knob. */
void bench_cluster_for(const struct bench_opts *o, const struct workload *w, int n,
		       struct engine_cluster *c);
/* Partitions of p; *colocated (if not NULL) the GPUs with more than one. */
int bench_plan_partitions(const struct plan *p, int *colocated);
/* Plan w on n GPUs with system, finalists checked in the simulator unless
 * o->no_check (and the regress self-test's worse "mosaic", run.c); *pb_out
 * (if not NULL) the problem of the chosen microbatch size, as plan_make
 * gives it (NULL for the self-test's plan). */
int bench_make_plan(const struct bench_opts *o, const struct workload *w, int n,
		    const char *system, struct plan **out, struct plan_problem **pb_out,
		    struct mo_err *err);
/* Simulate p on c (sink: the trace, or NULL); res released by the caller. */
int bench_run_plan(const struct plan *p, const struct workload *w, const struct engine_cluster *c,
		   const struct trace_sink *sink, struct engine_run_result *res, struct mo_err *err);
/* Plan and simulate one system (bench_systems[t->variant]) on t->gpus GPUs:
 * an iter.csv row (and the timeline's rows when with_timeline); failures are
 * recorded under tag. */
int bench_run_system(const struct bench_opts *o, const struct bench_task *t, int index,
		     struct workload *w, struct bench_table *tables, const char *tag,
		     int with_timeline, struct mo_err *err);
/* The tasks of bench_run_system: every workload x every system on gpus GPUs. */
int bench_push_systems(struct bench_task_list *l, const struct bench_opts *o, int gpus);
/* The variant of such a task: its system's name. */
const char *bench_system_variant(const struct bench_opts *o, const struct bench_task *t);

/* ------------------------------------------------------------------------ */
/* Timelines (exp-timelines.c): a simulated trace merged into boxes          */
/* ------------------------------------------------------------------------ */

/* One box per (partition, module, phase, microbatch) run of a stream. */
struct bench_tl_box {
	int open;
	int gpu, partition, module, phase, microbatch;
	int64_t start, end;
};
/* BENCH_TL_MAX_PARTS: partitions whose SM counts are remembered (a plan of
 * PLAN_MAX_GPUS GPUs at a few partitions each). */
#define BENCH_TL_MAX_PARTS 512
struct bench_timeline {
	const struct workload *w;
	const char *system;
	struct bench_table *table; /* rows go here (timeline.csv) */
	int task;
	int nbox;
	struct bench_tl_box *boxes; /* per stream id */
	int nparts;
	struct { int gpu, id, sms; } parts[BENCH_TL_MAX_PARTS];
};
/* Start recording; the sink to give engine_run. */
void bench_timeline_init(struct bench_timeline *tl, const struct workload *w, const char *system,
			 struct bench_table *table, int task, struct trace_sink *sink);
/* Write the open boxes (when ok) and free the timeline's memory. */
int bench_timeline_finish(struct bench_timeline *tl, int ok, struct mo_err *err);

/* ------------------------------------------------------------------------ */
/* The report (report.c)                                                    */
/* ------------------------------------------------------------------------ */

#define BENCH_MAX_COUNTS 8
#define BENCH_MAX_METHODS 16

/* One system's result for one workload at one GPU count (iter.csv). */
struct bench_sysres {
	int have;
	double pred_ns, sim_ns, sps, util;
	int partitions, colocated, mbs;
};

struct bench_wlres {
	struct bench_sysres sys[BENCH_N_SYSTEMS];                    /* at the cluster's GPU count */
	struct bench_sysres scale[BENCH_MAX_COUNTS][BENCH_N_SYSTEMS]; /* per GPU count */
	int best;           /* best baseline (simulated), -1 */
	double speedup;     /* NAN when not computable */
	int best_pred;      /* best baseline by prediction */
	double speedup_pred;
};

/* What every report section reads: the options, the merged tables and
 * iter.csv gathered per workload and system. */
struct bench_report {
	const struct bench_opts *o;
	struct bench_table *t;     /* BENCH_T_COUNT merged tables */
	const char *dir;
	int counts[BENCH_MAX_COUNTS], ncounts; /* the GPU counts of iter.csv, sorted */
	struct bench_wlres wl[BENCH_MAX_WORKLOADS];
	double max_speedup, geo_speedup;
	int max_wl, n_speedups;
	FILE *md;                  /* report.md being written */
	struct mo_outfile md_out;
	int have_gnuplot;          /* 0: scripts are written, not rendered */
};

/* Colours: one per system (bench_systems' order) and a palette (modules,
 * methods, workloads) used alike in every figure. */
extern const char *const bench_sys_color[BENCH_N_SYSTEMS];
extern const char *const bench_palette[];
extern const int bench_n_palette;

/* A derived CSV: header line first; committed by bench_csv_close. */
struct bench_csv {
	struct mo_outfile f;
	FILE *fp;
};

/*
 * The one figure type: a gnuplot script NAME.gp drawing the CSV(s) of the
 * results directory into NAME.png and NAME.svg, and the image with its
 * caption in report.md.  bench_figure_open() first commits the figure's
 * CSV (csv; NULL when there is none to commit here), then writes the
 * script's preamble (plot.h) and sets *gp to the stream for the plot
 * commands: 0, or a negative status with err filled and *gp NULL;
 * bench_figure_close() renders (or only commits the script when gnuplot is
 * absent: the report says so); bench_md_figure() puts the image and its
 * caption into report.md where the section wants it.
 */
struct bench_figure {
	const char *name;                  /* NAME.gp, NAME.png, NAME.svg */
	int width, height;                 /* PNG pixels */
	const char *title, *xlabel, *ylabel;
	const char *caption;               /* under the image in report.md */
};
int bench_figure_open(struct bench_report *c, struct bench_csv *csv, const struct bench_figure *f,
		      struct plot *p, FILE **gp, struct mo_err *err);
int bench_figure_close(struct bench_report *c, struct plot *p, struct mo_err *err);
void bench_md_figure(struct bench_report *c, const struct bench_figure *f);
/* Clustered bars of nx groups (one per x tick): yrange ("[0:*]"), headroom
 * above the tallest bar (a fraction of the graph, 0 for none), a dashed line
 * at y = 1 when unit_line. */
void bench_gp_bars(FILE *fp, int nx, const char *yrange, double headroom, int unit_line);
/* "plot " and n bar series of csv: columns col.. col + n - 1, titled and
 * coloured by titles[i] and colors[i] (no newline: more may follow). */
void bench_gp_bar_series(FILE *fp, const char *csv, int col, int n, const char *const *titles,
			 const char *const *colors);
/* After bench_gp_bar_series of n bars from value_col: each bar's label (the
 * CSV's column label_col + i) written above it, rotated. */
void bench_gp_bar_labels(FILE *fp, int value_col, int label_col, int n);

int bench_csv_open(struct bench_csv *c, const char *dir, const char *name, struct mo_err *err);
int bench_csv_close(struct bench_csv *c, struct mo_err *err);
/* ",v" in fmt, or "," for NaN. */
void bench_csv_num(FILE *fp, double v, const char *fmt);

/* report.md */
void bench_md(struct bench_report *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "%.2f" of ns in ms, or "-" when missing. */
const char *bench_fmt_ms(char *buf, size_t n, double ns);
/* Index of a workload of the sweep, a system of bench_systems; -1 when none. */
int bench_wl_index(const struct bench_opts *o, const char *name);
int bench_sys_index(const char *name);

/* Percentiles and CDFs of error samples. */
int bench_dcmp(const void *a, const void *b);
/* v sorted ascending: the value at quantile q (nearest rank); NaN when n = 0. */
double bench_pct_at(const double *v, int n, double q);

#endif
