/*
 * bench.h - the bench library (harness/bench/, its own archive
 * libmosaic-bench.a): the evaluation sweep behind `mosaic bench` and
 * `mosaic regress`, used by harness/cmd-bench.c and cmd-regress.c.
 *
 * Layout: opts.c (options, cluster, workloads), driver.c (the task list,
 * shards, --jobs, merge), table.c (CSV tables), regress.c (references),
 * run.c (what every experiment's task does: plan, simulate, record),
 * measurements.c (the user's --profiles, --calibration and --matrix in the
 * sweep), report.c (the report core: one figure type, report.md,
 * summary.json) and
 * one file per experiment, exp-*.c, listed in experiment.h (the library's
 * internal header, which says how to add one).
 *
 * The sweep is a list of tasks (workload x experiment x variant), built the
 * same way in every process from the options, so task i means the same thing
 * everywhere.  A shard I/N runs the tasks with index % N == I and writes the
 * rows they produce into a directory: one CSV per raw table, every row
 * starting with its task index, plus shard.json (what was run).  Merging
 * joins shard directories (rows sorted by task index, so the result does not
 * depend on how the sweep was split), then writes the derived tables, the
 * gnuplot figures, report.md and summary.json.  --jobs N forks N children
 * that run shards I/N into DIR/shards/I and merges them: one mechanism.
 *
 * Every number written is simulated (engine sim backend) or predicted (the
 * model through the planner's cost model); column names and report text say
 * which.  Nothing is measured on hardware here.
 */
#ifndef MOSAIC_HARNESS_BENCH_BENCH_H
#define MOSAIC_HARNESS_BENCH_BENCH_H

#include <stdint.h>
#include <stdio.h>

#include "model/model.h"
#include "planner/planner.h"
#include "traces/traces.h"

/* ------------------------------------------------------------------------ */
/* Options                                                                  */
/* ------------------------------------------------------------------------ */

#define BENCH_MAX_WORKLOADS 32
/* The most tasks a sweep (and a shard.json's "tasks") may have: a full bench
 * of the 6 bundled workloads has a few hundred; 32 workloads at most. */
#define BENCH_MAX_TASKS 100000
#define BENCH_DEFAULT_CLUSTER "h100x8"

/* The cluster every workload runs on (the bench overrides the specs'). */
struct bench_cluster {
	char spec[256];              /* as given on the command line */
	char label[96];              /* "8 x h100" */
	struct model_gpu gpu_own;    /* a GPU defined inline by a JSON cluster file */
	const struct model_gpu *gpu; /* the registry's entry or &gpu_own */
	int n_gpus;
	int gpus_per_node;           /* 0 = engine default */
	double nvlink_gbps, net_gbps;/* 0 = engine default */
	int host_issue, launch_mode; /* enum model_host_issue / model_launch_mode; -1 = the
	                                workload's (per-slot, eager) */
};

enum bench_suite {
	BENCH_SUITE_FULL = 0,    /* every experiment (mosaic bench) */
	BENCH_SUITE_REGRESS = 1, /* iteration times per system + search quality (mosaic regress) */
};

struct bench_opts {
	int quick;
	int suite;                   /* enum bench_suite */
	int jobs;                    /* >= 1 */
	int quiet;                   /* no progress output */
	int worsen;                  /* self-test: MOSAIC_REGRESS_SELFTEST=worsen */
	int merge_flags;             /* for bench_run_jobs' merge: BENCH_MERGE_* */
	int n_workloads;
	char workloads[BENCH_MAX_WORKLOADS][64]; /* workload names, in sweep order */
	/* where each comes from: a bundled name, or the spec file given (a
	 * user's model), loaded again by every process of the sweep */
	char workload_src[BENCH_MAX_WORKLOADS][512];
	struct bench_cluster cluster;
	char timeline[64];           /* the timelines' workload; "" until bench_timeline_choose */
	char gpu_file[512];          /* --gpu-file: user GPUs (loaded by the caller), "" for none */
	int no_check;                /* plan by the cost model alone (no simulated finalist check) */
	/* The user's measurements (as `plan` takes them; harness/bench/
	 * measurements.c), "" for none: --profiles LIST, --calibration FILE,
	 * --matrix FILE, and the matrix as loaded (bench_measurements_load). */
	char profiles[4096], calibration[512], matrix[512];
	struct model_interference_matrix matrix_data;
};

/* Defaults: full suite, 1 job, the default cluster, every bundled workload. */
int bench_opts_init(struct bench_opts *o, struct mo_err *err);
/* "h100x8", "a100-80gb-pcie x16", or a JSON file
 *   {"gpu": "h100" | {GPU object as model_gpu_parse_json}, "gpus": 16,
 *    "gpus_per_node": 8, "nvlink_gbps": 450, "net_gbps": 50,
 *    "host": "per-slot" | "per-gpu" | "none", "launch": "eager" | "graphs"} */
int bench_cluster_parse(struct bench_cluster *c, const char *spec, struct mo_err *err);
/* A comma-separated list of workloads: bundled names or spec files (a path,
 * or a name ending in .json).  Each file is loaded and validated here (exit
 * 2 on a bad spec before anything runs); its workload is named by the spec's
 * "name".  Names must be distinct. */
int bench_workloads_parse(struct bench_opts *o, const char *list, struct mo_err *err);

/*
 * Measurements (harness/bench/measurements.c).  _load reads the matrix into
 * o->matrix_data and checks the calibration file (exit 2 on a bad one before
 * anything runs); _apply puts them into a workload of the sweep: the module
 * curves of --profiles and --calibration as measured scaling, the matrix
 * when two or more of its modules are w's (a workload they do not cover is
 * planned without them; a calibration's GEMM fit is `plan`'s only: the
 * sweep's GPU stays the cluster's).  _any: whether any is given.
 */
int bench_measurements_load(struct bench_opts *o, struct mo_err *err);
struct workload;
int bench_measurements_apply(const struct bench_opts *o, struct workload *w, struct mo_err *err);
int bench_measurements_any(const struct bench_opts *o);

/* ------------------------------------------------------------------------ */
/* Tables                                                                   */
/* ------------------------------------------------------------------------ */

/* The raw tables tasks write (X(id, file name, columns after "task")). */
#define BENCH_TABLES(X)                                                          \
	X(ITER, "iter",                                                          \
	  "workload,system,gpus,microbatch_size,microbatches,partitions,colocated_gpus,"  \
	  "predicted_iter_ns,simulated_iter_ns,simulated_samples_per_s,simulated_util_pct") \
	X(OVERHEAD, "overhead",                                                  \
	  "workload,system,partitions,switches_per_iter,simulated_iter_ns,"         \
	  "simulated_iter_no_overhead_ns,overhead_pct,what")                       \
	X(PROFILE, "profile",                                                    \
	  "workload,module,phase,quota_sms,predicted_ns,simulated_ns,"             \
	  "waves_predicted_ns,linear_predicted_ns")                                \
	X(PREDICTOR, "predictor",                                                \
	  "workload,predictor,own_predicted_iter_ns,predicted_iter_ns,simulated_iter_ns") \
	X(SEARCH, "search",                                                      \
	  "workload,gpus,method,status,predicted_iter_ns,simulated_iter_ns,note")  \
	X(TIMELINE, "timeline",                                                  \
	  "workload,system,gpu,partition,sms,module,phase,microbatch,start_ms,end_ms") \
	X(WHY, "why", "workload,gpus,microbatch_size,line")                      \
	X(GRID, "grid",                                                          \
	  "workload,mode,microbatch_size,batch,system,partitions,colocated_gpus," \
	  "predicted_iter_ns,simulated_iter_ns,simulated_samples_per_s,"         \
	  "simulated_util_pct,simulated_mfu_pct")                                \
	X(FAILURE, "failures", "workload,experiment,variant,message")

enum bench_table_id {
#define X(id, file, cols) BENCH_T_##id,
	BENCH_TABLES(X)
#undef X
	BENCH_T_COUNT
};
const char *bench_table_file(int t);    /* "iter" */
const char *bench_table_columns(int t); /* without the leading "task" */

/* One table in memory: rows of string fields, the first field the task. */
struct bench_row {
	int task;
	int seq;          /* order of arrival (stable sort) */
	int nf;
	char **f;         /* nf fields, f[0] the task index */
};
struct bench_table {
	char name[64];
	int ncols;
	char **cols;      /* column names, cols[0] = "task" */
	int n;
	size_t cap;
	struct bench_row *rows;
};
void bench_table_init(struct bench_table *t, const char *name, const char *columns_after_task);
void bench_table_release(struct bench_table *t);
/* Append a row: fields is a comma-separated line WITHOUT the task column. */
int bench_table_add(struct bench_table *t, int task, const char *fields, struct mo_err *err);
/* Read DIR/NAME.csv and append its rows (header must match). Missing file: 0
 * rows when may_miss. */
int bench_table_read(struct bench_table *t, const char *dir, int may_miss, struct mo_err *err);
/* Sort rows by (task, seq). */
void bench_table_sort(struct bench_table *t);
/* Sort, then write DIR/NAME.csv atomically. */
int bench_table_write(struct bench_table *t, const char *dir, struct mo_err *err);
int bench_table_col(const struct bench_table *t, const char *name); /* -1 if none */
const char *bench_cell(const struct bench_table *t, int row, const char *col);
double bench_cell_num(const struct bench_table *t, int row, const char *col); /* NaN if none */

/* Make a field safe for CSV (commas, newlines, quotes become ';' or ' '). */
void bench_csv_clean(char *s);

/* ------------------------------------------------------------------------ */
/* The sweep                                                                */
/* ------------------------------------------------------------------------ */

#define BENCH_N_SYSTEMS (PLAN_N_BASELINES + 1) /* planner.h's baselines, then mosaic */
extern const char *const bench_systems[BENCH_N_SYSTEMS]; /* baselines first, mosaic last */
#define BENCH_N_PREDICTORS 4
extern const char *const bench_predictors[BENCH_N_PREDICTORS]; /* "model", "waves", "linear", "noisy20" */

/* One task of the sweep: an experiment's run on one workload and variant. */
struct bench_task {
	int exp;        /* the experiment: index into experiment.h's list */
	int wl;         /* index into opts->workloads */
	int variant;    /* the experiment's: system / predictor / search method index */
	int gpus;       /* GPU count of the run */
};

/* The task list for o (heap, free()); returns how many or a negative status. */
int bench_tasks(const struct bench_opts *o, struct bench_task **out, struct mo_err *err);
/* "fig9 clip/mosaic" */
void bench_task_label(const struct bench_opts *o, const struct bench_task *t, char *buf,
		      size_t size);
/* The GPU counts of the scaling experiment (Fig. 14a) for o. */
int bench_scale_counts(const struct bench_opts *o, int *out, int max);
/* The search methods of Fig. 13: names plan_search knows (the planner's
 * ablations even-split and random-search among them). */
int bench_search_methods(const char **out, int max);
/* The workload of the timelines: o->timeline, else qwen3-vl if present, else
 * the first; -1 when there is none. */
int bench_timeline_workload(const struct bench_opts *o);
/* Fill o->timeline: kept when set (it must be one of o->workloads), else the
 * first workload whose mosaic plan on the cluster colocates modules on a GPU
 * (so the timelines show colocation; plans only, no simulation), else as
 * bench_timeline_workload says.  Deterministic: every shard chooses alike. */
int bench_timeline_choose(struct bench_opts *o, struct mo_err *err);

/* Run one task; rows go to tables[BENCH_T_*].  A task that cannot run (a
 * planner refuses, nothing fits) records a FAILURE row and returns 0; a
 * negative return is an error of the harness itself. */
int bench_task_run(const struct bench_opts *o, const struct bench_task *tasks, int index,
		   struct bench_table *tables, struct mo_err *err);

/*
 * The shard of this process from its launcher's environment (--shard auto):
 * Open MPI (OMPI_COMM_WORLD_RANK/SIZE), MPICH and Intel MPI (PMI_RANK/SIZE),
 * srun (SLURM_PROCID/SLURM_NTASKS, when more than one task) or a Slurm job
 * array (SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN of SLURM_ARRAY_TASK_COUNT).
 * 0 and *which names the variables, or -MO_EUSAGE when none is set.
 */
int bench_shard_from_env(int *shard, int *nshards, const char **which, struct mo_err *err);

/* Run shard I/N of the sweep into dir (creating it): CSVs and shard.json.
 * progress_fd >= 0: write one line per finished task there instead of
 * drawing progress (children of --jobs). */
int bench_run_shard(const struct bench_opts *o, int shard, int nshards, const char *dir,
		    int progress_fd, struct mo_err *err);
/* Fork o->jobs children over dir/shards/I, then merge into dir. */
int bench_run_jobs(const struct bench_opts *o, const char *dir, struct mo_err *err);
/*
 * Merge shard directories into out (NULL: nowhere): tables, then (unless
 * flags has BENCH_MERGE_NO_REPORT) figures, report.md and summary.json.
 * Options are read back from the shards' shard.json (they must agree; every
 * shard of the split must be there exactly once).  tables_out (if not NULL)
 * receives the merged, sorted tables (BENCH_T_COUNT of them, release each);
 * opts_out the options.
 */
#define BENCH_MERGE_NO_REPORT 1
int bench_merge(const char *const *dirs, int ndirs, const char *out, int flags,
		struct bench_table *tables_out, struct bench_opts *opts_out, struct mo_err *err);

/* ------------------------------------------------------------------------ */
/* Report (report.c and each experiment's report)                           */
/* ------------------------------------------------------------------------ */

/* Derived tables, figures, report.md and summary.json in dir from the merged
 * raw tables.  o says what ran.  Without gnuplot on PATH (bench_have_gnuplot
 * 0) the figures are written as scripts only and report.md says so; the
 * caller tells the user (`mosaic plot DIR` draws them later). */
int bench_report(const struct bench_opts *o, struct bench_table *tables, const char *dir,
		 struct mo_err *err);
int bench_have_gnuplot(void);

/* ------------------------------------------------------------------------ */
/* Regression references (regress.c)                                       */
/* ------------------------------------------------------------------------ */

/*
 * A reference is JSON (results/reference/quick.json):
 *   {"format": "mosaic-regress-reference", "version": 1, "quick": true,
 *    "cluster": "h100x8", "labels": {...},
 *    "workloads": [{"name": "clip",
 *       "systems": {"megatron": {"predicted_iter_ns": N, "simulated_iter_ns": N}, ...},
 *       "speedup_vs_best_baseline": 1.07,
 *       "search": {"gpus": 2, "methods": {"mosaic": {"status": "ok",
 *                  "predicted_iter_ns": N, "simulated_iter_ns": N}, ...}}}]}
 * Iteration times are lower-is-better, the speedup higher-is-better.
 */
/* The reference of a regress run's merged tables, as JSON text (heap). */
char *bench_regress_snapshot(const struct bench_opts *o, const struct bench_table *tables);
/* Take quick, cluster and workloads from a reference into o. */
int bench_regress_ref_opts(const char *ref_json, const char *ref_name, struct bench_opts *o,
			   struct mo_err *err);
/*
 * Compare cur with ref; print the differences (all lines when verbose) to
 * fp as a table, or with json one object {"reference", "tolerance_pct",
 * "compared", "regressions", "better", "changes": [{"workload", "value",
 * "verdict", "reference", "now"}]} (values in ns or as ratios, null when
 * absent); *regressions receives how many values got worse beyond tol_pct.
 */
int bench_regress_compare(const char *ref_json, const char *ref_name, const char *cur_json,
			  double tol_pct, int verbose, int json, FILE *fp, int *regressions,
			  struct mo_err *err);
/* Remove a directory tree the harness created (results of a regress run). */
void bench_rmtree(const char *dir);

/* ------------------------------------------------------------------------ */
/* Helpers shared by the bench files                                        */
/* ------------------------------------------------------------------------ */

int bench_mkdir_p(const char *path, struct mo_err *err);
/* The largest results file the bench reads back (mo_read_file's max, in
 * bytes): every results file mosaic writes (CSV tables, shard.json,
 * references) is far smaller. */
#define BENCH_MAX_FILE (64u << 20)
/* Write a string to path atomically. */
int bench_write_file(const char *path, const char *text, struct mo_err *err);
/* Describe the options as JSON text (shard.json's "opts"), heap string. */
char *bench_opts_json(const struct bench_opts *o);
/* Parse that JSON back (the cluster spec is parsed again). */
int bench_opts_from_json(struct bench_opts *o, const char *json, const char *what,
			 struct mo_err *err);

#endif
