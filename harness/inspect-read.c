/* inspect-read.c - reading one trace or one job's rank traces for
 * `mosaic inspect` and `mosaic diff` (harness/inspect.h). */
#include "harness/inspect.h"
#include "model/model.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Feeding one rank: classify, then summary and analysis. */
struct feed {
	struct trace_summary *sum;
	struct trace_analysis *ana;
	struct trace_namemap *classes;
};

static int feed_header(void *ctx, const struct trace_header *h, struct mo_err *err)
{
	struct feed *f = ctx;
	return trace_summary_header(f->sum, h, err);
}

int inspect_classify(struct trace_namemap *classes, const struct trace_kernel *k, int64_t *cls,
		     struct mo_err *err)
{
	int rc = trace_namemap_get(classes, k->name, cls);

	if (rc == 0) {
		*cls = model_classify(k);
		rc = trace_namemap_put(classes, k->name, *cls) < 0 ? -1 : 1;
	}
	return rc < 0 ? mo_err_set(err, MO_ENOMEM, "cannot classify kernels: out of memory") : 0;
}

static int feed_record(void *ctx, const struct trace_record *rec, struct mo_err *err)
{
	struct feed *f = ctx;
	struct trace_record r;
	int rc;

	if (rec->kind == TRACE_KIND_KERNEL && rec->u.kernel.kclass < 0) {
		r = *rec;
		if (inspect_classify(f->classes, &r.u.kernel, &r.u.kernel.kclass, err) < 0)
			return -MO_ENOMEM;
		rec = &r;
	}
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
	f.classes = trace_namemap_new();
	if (!job->sums || !job->ana || !f.classes)
		rc = mo_err_set(err, MO_ENOMEM, "out of memory");
	for (size_t i = 0; rc == 0 && i < job->n; i++) {
		struct trace_sink sink = {feed_header, feed_record, &f};
		if (!(job->sums[i] = trace_summary_new(check))) {
			rc = mo_err_set(err, MO_ENOMEM, "out of memory");
			break;
		}
		f.sum = job->sums[i];
		f.ana = job->ana;
		trace_analysis_rank(job->ana, job->ranks[i]);
		if ((rc = trace_read_any(job->files[i], &sink, err)) == 0)
			trace_summary_finish(job->sums[i]);
	}
	if (rc == 0)
		rc = trace_analysis_finish(job->ana, err);
	trace_namemap_free(f.classes);
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
