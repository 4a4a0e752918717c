/*
 * inspect.h - what `mosaic inspect` and `mosaic diff` share: reading one
 * trace or one job's traces (one file per rank) into a summary per rank and
 * one analysis for the job, and writing the analyses as text, JSON and CSV.
 */
#ifndef MOSAIC_HARNESS_INSPECT_H
#define MOSAIC_HARNESS_INSPECT_H

#include "traces/traces.h"

#include <jansson.h>

/* The most rank files one job may have (a directory of more is refused). */
#define INSPECT_MAX_RANKS 4096

/*
 * A job: files[i] is rank ranks[i]'s trace with its summary sums[i]; ana
 * holds every rank's activities.  Ranks come from "rank<N>", "rank-<N>" or
 * "rank_<N>" in a file's name, else from the file's place in the sorted
 * list; two files of one rank are refused.
 */
struct inspect_job {
	char **files;
	int *ranks;
	struct trace_summary **sums;
	size_t n;
	struct trace_analysis *ana;
};

/*
 * Read the traces named by args[0..nargs): files, or one directory whose
 * .json, .json.gz and .mtr files are the ranks.  Kernels without a class
 * are classified by the model's classifier (each distinct name once).  With
 * check the summaries also validate.  0, or a negative status with err
 * naming the file; inspect_job_release() after either.
 */
int inspect_job_read(struct inspect_job *job, char *const *args, size_t nargs, int check,
		     struct mo_err *err);
void inspect_job_release(struct inspect_job *job);

/* Kernel names interned in pool and their classes: cls[id] for the name of
 * pool id id, -1 not yet classified (ncls ids have a slot). */
struct inspect_names {
	struct trace_strpool *pool;
	int8_t *cls;
	size_t ncls;
};
/* r's name (a kernel's, collective's, memcpy's or memset's; other records
 * are left) replaced by its copy in n->pool, hashed once here for every
 * consumer of r; a kernel without a class (kclass < 0) gets model_classify's,
 * run once per distinct name (it lower-cases the name and tries every rule:
 * 4-6% of an import when run per kernel).  0 or -MO_ENOMEM. */
int inspect_name(struct inspect_names *n, struct trace_record *r, struct mo_err *err);
/* Frees the classes (not the pool). */
void inspect_names_release(struct inspect_names *n);

/* "measured" or "simulated" when every rank of every job says so, else a
 * warning that they are mixed. */
const char *inspect_source(const struct inspect_job *jobs, size_t njobs);

/* A JSON string from bytes that may not be valid UTF-8 (U+FFFD for bad ones). */
json_t *inspect_jstr(const char *s);

/* The analyses: text tables after the summary; JSON keys breakdown, steps,
 * overlap, launch, kernel_stats, critical_path added to o; CSV rows
 * "analysis,rank,step,item,metric,value,unit,source" (with that header; source: measured or simulated). */
void inspect_analyses_text(const struct trace_analysis *a, const char *src, size_t top);
void inspect_analyses_json(const struct trace_analysis *a, json_t *o, size_t top);
void inspect_analyses_csv(const struct trace_analysis *a, const char *src, size_t top);

#endif
