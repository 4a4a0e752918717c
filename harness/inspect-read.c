/* inspect-read.c - reading one trace or one job's rank traces for
 * `mosaic inspect` and `mosaic diff` (harness/inspect.h). */
#include "harness/inspect.h"
#include "model/model.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Feeding one rank: the name interned (once for the summary and the
 * analysis: the analysis' pool) and classified, then summary and analysis. */
struct feed {
	struct trace_summary *sum;
	struct trace_analysis *ana;
	struct inspect_names names;
};

static int feed_header(void *ctx, const struct trace_header *h, struct mo_err *err)
{
	struct feed *f = ctx;
	return trace_summary_header(f->sum, h, err);
}

/* Where an activity record keeps its name, 0 for other kinds. */
static size_t name_at(int kind)
{
	switch (kind) {
	case TRACE_KIND_KERNEL:
		return offsetof(struct trace_record, u.kernel.name);
	case TRACE_KIND_COLLECTIVE:
		return offsetof(struct trace_record, u.collective.name);
	case TRACE_KIND_MEMCPY:
		return offsetof(struct trace_record, u.memcpy.name);
	case TRACE_KIND_MEMSET:
		return offsetof(struct trace_record, u.memset.name);
	default:
		return 0;
	}
}

int inspect_name(struct inspect_names *n, struct trace_record *r, struct mo_err *err)
{
	size_t at = name_at(r->kind);
	const char **name = (const char **)((char *)r + at), *p;
	uint32_t id;

	if (!at)
		return 0;
	p = trace_strpool_intern(n->pool, *name ? *name : "", *name ? strlen(*name) : 0);
	if (!p)
		goto oom;
	*name = p;
	if (r->kind != TRACE_KIND_KERNEL || r->u.kernel.kclass >= 0)
		return 0;
	id = trace_strpool_id(p);
	if (id >= n->ncls) {
		size_t had = n->ncls;
		if (MO_GROW(n->cls, (size_t)id + 1, n->ncls) < 0)
			goto oom;
		memset(n->cls + had, -1, n->ncls - had); /* not yet classified */
	}
	if (n->cls[id] < 0)
		n->cls[id] = (int8_t)model_classify(&r->u.kernel);
	r->u.kernel.kclass = n->cls[id];
	return 0;
oom:
	return mo_err_set(err, MO_ENOMEM, "cannot classify kernels: out of memory");
}

void inspect_names_release(struct inspect_names *n)
{
	free(n->cls);
	memset(n, 0, sizeof(*n));
}

/* An activity record through a copy that takes the interned name; the
 * others (two thirds of a trace's records) as they are. */
static int feed_record(void *ctx, const struct trace_record *rec, struct mo_err *err)
{
	struct feed *f = ctx;
	struct trace_record r;
	int rc = 0;

	if (name_at(rec->kind)) {
		r = *rec;
		rc = inspect_name(&f->names, &r, err);
		rec = &r;
	}
	if (rc == 0)
		rc = trace_summary_add(f->sum, rec, err);
	return rc < 0 ? rc : trace_analysis_add(f->ana, rec, err);
}

/* "rank<N>", "rank-<N>", "rank_<N>" in a file's base name; -1 without. */
static long rank_of(const char *path)
{
	const char *base = strrchr(path, '/'), *p;

	base = base ? base + 1 : path;
	for (p = base; (p = strstr(p, "rank")); p += 4) {
		const char *d = p + 4;
		char *end;
		long v;
		if (*d == '-' || *d == '_')
			d++;
		if (!isdigit((unsigned char)*d))
			continue;
		errno = 0;
		v = strtol(d, &end, 10);
		if (!errno && v >= 0 && v < INSPECT_MAX_RANKS)
			return v;
	}
	return -1;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && !strcmp(s + n - m, suffix);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int add_file(struct inspect_job *job, const char *path, struct mo_err *err)
{
	char **files = realloc(job->files, (job->n + 1) * sizeof(*files));

	if (!files)
		return mo_err_set(err, MO_ENOMEM, "out of memory");
	job->files = files;
	if (!(files[job->n] = strdup(path)))
		return mo_err_set(err, MO_ENOMEM, "out of memory");
	job->n++;
	return 0;
}

/* The trace files of a directory, sorted by name. */
static int list_dir(struct inspect_job *job, const char *dir, struct mo_err *err)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int rc = 0;

	if (!d)
		return mo_err_set(err, MO_EINPUT, "cannot read directory '%s': %s", dir,
				  strerror(errno));
	while (rc == 0 && (e = readdir(d))) {
		char path[4096];
		if (!ends_with(e->d_name, ".json") && !ends_with(e->d_name, ".json.gz") &&
		    !ends_with(e->d_name, ".mtr"))
			continue;
		if (job->n >= INSPECT_MAX_RANKS)
			rc = mo_err_set(err, MO_EINPUT, "cannot read directory '%s': more than %d "
					"traces", dir, INSPECT_MAX_RANKS);
		else if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= sizeof(path))
			rc = mo_err_set(err, MO_EINPUT, "cannot read '%s/%s': path too long", dir,
					e->d_name);
		else
			rc = add_file(job, path, err);
	}
	closedir(d);
	if (rc == 0 && job->n == 0)
		rc = mo_err_set(err, MO_EINPUT, "cannot read directory '%s': no .json, .json.gz or "
				".mtr trace in it", dir);
	if (rc == 0)
		qsort(job->files, job->n, sizeof(*job->files), cmp_str);
	return rc;
}

/* Ranks from the names, else the order; duplicates refused. */
static int assign_ranks(struct inspect_job *job, struct mo_err *err)
{
	int named = job->n > 1;

	if (!(job->ranks = calloc(job->n, sizeof(*job->ranks))))
		return mo_err_set(err, MO_ENOMEM, "out of memory");
	for (size_t i = 0; i < job->n && named; i++)
		named = rank_of(job->files[i]) >= 0;
	for (size_t i = 0; i < job->n; i++) {
		job->ranks[i] = named ? (int)rank_of(job->files[i]) : (int)i;
		for (size_t j = 0; j < i; j++)
			if (job->ranks[j] == job->ranks[i])
				return mo_err_set(err, MO_EINPUT, "cannot read '%s': rank %d again "
						  "(already '%s')", job->files[i], job->ranks[i],
						  job->files[j]);
	}
	return 0;
}

int inspect_job_read(struct inspect_job *job, char *const *args, size_t nargs, int check,
		     struct mo_err *err)
{
	struct stat st;
	struct feed f = {0};
	int rc = 0;

	memset(job, 0, sizeof(*job));
	if (nargs == 1 && stat(args[0], &st) == 0 && S_ISDIR(st.st_mode))
		rc = list_dir(job, args[0], err);
	else
		for (size_t i = 0; rc == 0 && i < nargs; i++)
			rc = add_file(job, args[i], err);
	if (rc < 0 || (rc = assign_ranks(job, err)) < 0)
		return rc;
	job->sums = calloc(job->n, sizeof(*job->sums));
	job->ana = trace_analysis_new();
	if (!job->sums || !job->ana)
		return mo_err_set(err, MO_ENOMEM, "out of memory");
	f.names.pool = trace_analysis_names(job->ana); /* outlives the summaries */
	trace_analysis_names_interned(job->ana);
	for (size_t i = 0; rc == 0 && i < job->n; i++) {
		struct trace_sink sink = {feed_header, feed_record, &f};
		if (!(job->sums[i] = trace_summary_new(check))) {
			rc = mo_err_set(err, MO_ENOMEM, "out of memory");
			break;
		}
		trace_summary_names_interned(job->sums[i]);
		f.sum = job->sums[i];
		f.ana = job->ana;
		if (trace_analysis_rank(job->ana, job->ranks[i]) < 0)
			rc = mo_err_set(err, MO_EINPUT, "cannot read '%s': rank %d, more than the "
					"%d an analysis takes", job->files[i], job->ranks[i],
					TRACE_ANALYSIS_MAX_RANK);
		else if ((rc = trace_read_any(job->files[i], &sink, err)) == 0)
			trace_summary_finish(job->sums[i]);
	}
	if (rc == 0)
		rc = trace_analysis_finish(job->ana, err);
	inspect_names_release(&f.names);
	return rc;
}

void inspect_job_release(struct inspect_job *job)
{
	for (size_t i = 0; i < job->n; i++) {
		free(job->files[i]);
		if (job->sums)
			trace_summary_free(job->sums[i]);
	}
	free(job->files);
	free(job->ranks);
	free(job->sums);
	trace_analysis_free(job->ana);
	memset(job, 0, sizeof(*job));
}

const char *inspect_source(const struct inspect_job *jobs, size_t njobs)
{
	int src = njobs && jobs[0].n ? trace_summary_totals(jobs[0].sums[0])->source : 0;

	for (size_t j = 0; j < njobs; j++)
		for (size_t i = 0; i < jobs[j].n; i++)
			if (trace_summary_totals(jobs[j].sums[i])->source != src)
				return "mixed measured and simulated (compare with care)";
	return trace_source_name(src);
}
