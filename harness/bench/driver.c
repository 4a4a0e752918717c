/* driver.c - the sweep: the task list (from the experiments), shards, --jobs
 * and --merge. */
#include "harness/bench/experiment.h"
#include "harness/cli.h"
#include "harness/progress.h"
#include "planner/planner.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* ------------------------------------------------------------------------ */
/* The task list                                                            */
/* ------------------------------------------------------------------------ */

const struct bench_experiment *const bench_experiment_list[] = {
#define X(n) &bench_exp_##n,
	BENCH_EXPERIMENTS(X)
#undef X
};
const int bench_n_experiments =
	(int)(sizeof(bench_experiment_list) / sizeof(bench_experiment_list[0]));

int bench_timeline_workload(const struct bench_opts *o)
{
	for (int i = 0; i < o->n_workloads; i++)
		if (!strcmp(o->workloads[i], o->timeline[0] ? o->timeline : "qwen3-vl"))
			return i;
	return o->n_workloads ? 0 : -1;
}

int bench_task_push(struct bench_task_list *l, int wl, int variant, int gpus)
{
	if (MO_GROW(l->v, (size_t)l->n + 1, l->cap) < 0)
		return -MO_ENOMEM;
	l->v[l->n++] = (struct bench_task){l->exp, wl, variant, gpus};
	return 0;
}

int bench_tasks(const struct bench_opts *o, struct bench_task **out, struct mo_err *err)
{
	struct bench_task_list l = {NULL, 0, 0, 0};
	int rc = 0;

	for (int e = 0; e < bench_n_experiments && !rc; e++) {
		const struct bench_experiment *x = bench_experiment_list[e];

		l.exp = e;
		if (x->tasks && (x->suites & (1u << o->suite)))
			rc = x->tasks(o, &l);
	}
	if (rc || l.n > BENCH_MAX_TASKS) {
		free(l.v);
		return rc ? mo_err_set(err, MO_ENOMEM, "bench: out of memory")
			  : mo_err_set(err, MO_EUSAGE, "bench: %d tasks, more than %d", l.n,
				       BENCH_MAX_TASKS);
	}
	*out = l.v;
	return l.n;
}

void bench_task_label(const struct bench_opts *o, const struct bench_task *t, char *buf,
		      size_t size)
{
	const char *wl = t->wl >= 0 && t->wl < o->n_workloads ? o->workloads[t->wl] : "?";
	const struct bench_experiment *x;
	int n;

	if (t->exp < 0 || t->exp >= bench_n_experiments) {
		snprintf(buf, size, "task %d", t->exp);
		return;
	}
	x = bench_experiment_list[t->exp];
	n = snprintf(buf, size, "%s %s", x->tag, wl);
	if (x->variant && n >= 0 && (size_t)n < size)
		n += snprintf(buf + n, size - (size_t)n, "/%s", x->variant(o, t));
	if (x->label_gpus && n >= 0 && (size_t)n < size)
		snprintf(buf + n, size - (size_t)n, " x%d", t->gpus);
}

/* ------------------------------------------------------------------------ */
/* Shards                                                                   */
/* ------------------------------------------------------------------------ */

/* The integer member key of o when it is in [lo, hi], else -1. */
static int json_int_in(const json_t *o, const char *key, int lo, int hi)
{
	json_t *v = json_object_get(o, key);
	json_int_t x = json_is_integer(v) ? json_integer_value(v) : -1;

	return x >= lo && x <= hi ? (int)x : -1;
}

/* 1 when the environment has name as an integer 0..INT_MAX (a launcher's rank or size). */
static int env_int(const char *name, long *out)
{
	const char *v = getenv(name);
	long long x;

	if (!v || cli_int(name, v, 0, INT_MAX, &x, NULL) < 0)
		return 0;
	*out = (long)x;
	return 1;
}

int bench_shard_from_env(int *shard, int *nshards, const char **which, struct mo_err *err)
{
	static const char *const pairs[][3] = {
		{"OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "Open MPI"},
		{"PMI_RANK", "PMI_SIZE", "PMI (MPICH, Intel MPI)"},
		{"SLURM_PROCID", "SLURM_NTASKS", "srun"},
	};
	long i, n, min = 0;

	for (size_t k = 0; k < sizeof(pairs) / sizeof(pairs[0]); k++) {
		if (!env_int(pairs[k][0], &i) || !env_int(pairs[k][1], &n))
			continue;
		if (k == 2 && n < 2)
			continue; /* a single srun task: maybe an array job */
		if (n < 1 || i < 0 || i >= n)
			return mo_err_set(err, MO_EUSAGE, "bad %s shard: %s=%ld of %s=%ld", pairs[k][2],
					  pairs[k][0], i, pairs[k][1], n);
		*shard = (int)i, *nshards = (int)n, *which = pairs[k][2];
		return 0;
	}
	if (env_int("SLURM_ARRAY_TASK_ID", &i) && env_int("SLURM_ARRAY_TASK_COUNT", &n)) {
		env_int("SLURM_ARRAY_TASK_MIN", &min);
		i -= min;
		if (n < 1 || i < 0 || i >= n)
			return mo_err_set(err, MO_EUSAGE,
					  "bad Slurm array shard: task %ld (from %ld) of %ld; use a "
					  "contiguous array such as --array=0-%ld", i + min, min, n, n - 1);
		*shard = (int)i, *nshards = (int)n, *which = "Slurm array";
		return 0;
	}
	return mo_err_set(err, MO_EUSAGE,
			  "--shard auto: no launcher found (set by mpirun, srun or a Slurm job array: "
			  "OMPI_COMM_WORLD_RANK/SIZE, PMI_RANK/SIZE, SLURM_PROCID/SLURM_NTASKS, "
			  "SLURM_ARRAY_TASK_ID/COUNT)");
}

static void tables_init(struct bench_table *tables)
{
	for (int t = 0; t < BENCH_T_COUNT; t++)
		bench_table_init(&tables[t], bench_table_file(t), bench_table_columns(t));
}

static void tables_release(struct bench_table *tables)
{
	for (int t = 0; t < BENCH_T_COUNT; t++)
		bench_table_release(&tables[t]);
}

int bench_run_shard(const struct bench_opts *o, int shard, int nshards, const char *dir,
		    int progress_fd, struct mo_err *err)
{
	struct bench_table tables[BENCH_T_COUNT];
	struct bench_task *tasks = NULL;
	struct progress pr;
	char path[4096], label[256], *opts = NULL, *manifest = NULL;
	int n, rc, mine = 0;

	if (nshards < 1 || shard < 0 || shard >= nshards)
		return mo_err_set(err, MO_EUSAGE, "bad shard %d/%d", shard, nshards);
	n = bench_tasks(o, &tasks, err);
	if (n < 0)
		return n;
	rc = bench_mkdir_p(dir, err);
	if (rc) {
		free(tasks);
		return rc;
	}
	tables_init(tables);
	for (int i = shard; i < n; i += nshards)
		mine++;
	progress_init(&pr, stderr, "bench", mine, o->quiet || progress_fd >= 0);
	for (int i = shard; i < n && !rc; i += nshards) {
		rc = bench_task_run(o, tasks, i, tables, err);
		bench_task_label(o, &tasks[i], label, sizeof(label));
		if (rc) {
			mo_err_prefix(err, "%s", label);
			break;
		}
		if (progress_fd >= 0) {
			char line[300];
			int len = snprintf(line, sizeof(line), "%.280s\n", label);

			if (write(progress_fd, line, (size_t)len) < 0) {
				/* progress is best effort */
			}
		}
		progress_step(&pr, label);
	}
	if (!rc)
		progress_finish(&pr);
	for (int t = 0; t < BENCH_T_COUNT && !rc; t++)
		rc = bench_table_write(&tables[t], dir, err);
	if (!rc) {
		opts = bench_opts_json(o);
		if (!opts || asprintf(&manifest,
				      "{\n\"format\": \"mosaic-bench-shard\",\n\"version\": 1,\n"
				      "\"mosaic_version\": \"%s\",\n\"shard\": %d,\n\"shards\": %d,\n"
				      "\"tasks\": %d,\n\"opts\": %s\n}\n",
				      MOSAIC_VERSION, shard, nshards, n, opts) < 0) {
			manifest = NULL;
			rc = mo_err_set(err, MO_ENOMEM, "bench: out of memory");
		}
	}
	if (!rc) {
		snprintf(path, sizeof(path), "%s/shard.json", dir);
		rc = bench_write_file(path, manifest, err);
	}
	free(opts);
	free(manifest);
	tables_release(tables);
	free(tasks);
	return rc;
}

int bench_run_jobs(const struct bench_opts *o, const char *dir, struct mo_err *err)
{
	int jobs = o->jobs < 1 ? 1 : o->jobs, fds[2], rc = 0, failed = 0, total;
	struct bench_task *tasks = NULL;
	char **dirs = calloc((size_t)jobs, sizeof(*dirs));
	pid_t *pids = calloc((size_t)jobs, sizeof(*pids));
	struct progress pr;

	if (!dirs || !pids) {
		free(dirs);
		free(pids);
		return mo_err_set(err, MO_ENOMEM, "bench: out of memory");
	}
	total = bench_tasks(o, &tasks, err);
	free(tasks);
	if (total < 0) {
		rc = total;
		goto out;
	}
	for (int i = 0; i < jobs; i++)
		if (asprintf(&dirs[i], "%s/shards/%d", dir, i) < 0) {
			dirs[i] = NULL;
			rc = mo_err_set(err, MO_ENOMEM, "bench: out of memory");
			goto out;
		}
	if (jobs == 1) {
		rc = bench_run_shard(o, 0, 1, dirs[0], -1, err);
	} else {
		if (pipe(fds)) {
			rc = mo_err_set(err, MO_EIO, "bench: cannot create a pipe: %s", strerror(errno));
			goto out;
		}
		fflush(stdout);
		fflush(stderr);
		for (int i = 0; i < jobs; i++) {
			pid_t pid = fork();

			if (pid < 0) {
				rc = mo_err_set(err, MO_EIO, "bench: cannot fork: %s", strerror(errno));
				break;
			}
			if (pid == 0) {
				struct mo_err e;
				int crc;

				mo_err_clear(&e);
				close(fds[0]);
				crc = bench_run_shard(o, i, jobs, dirs[i], fds[1], &e);
				if (crc)
					fprintf(stderr, "mosaic bench: shard %d/%d: %s\n", i, jobs, e.msg);
				fflush(stderr);
				_exit(crc ? (mo_err_exit_code(&e) ? mo_err_exit_code(&e) : 1) : 0);
			}
			pids[i] = pid;
		}
		close(fds[1]);
		progress_init(&pr, stderr, "bench", total, o->quiet);
		{
			FILE *in = fdopen(fds[0], "r");
			char line[512];

			while (in && fgets(line, sizeof(line), in)) {
				line[strcspn(line, "\n")] = '\0';
				progress_step(&pr, line);
			}
			if (in)
				fclose(in);
			else
				close(fds[0]);
		}
		for (int i = 0; i < jobs; i++) {
			int st;

			if (pids[i] <= 0)
				continue;
			while (waitpid(pids[i], &st, 0) < 0 && errno == EINTR)
				;
			if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
				failed++;
		}
		if (!rc && failed)
			rc = mo_err_set(err, MO_EIO, "bench: %d of %d shards failed (see above)",
					failed, jobs);
		if (!rc)
			progress_finish(&pr);
	}
	if (!rc)
		rc = bench_merge((const char *const *)dirs, jobs, dir, o->merge_flags, NULL, NULL, err);
out:
	for (int i = 0; i < jobs; i++)
		free(dirs[i]);
	free(dirs);
	free(pids);
	return rc;
}

/* ------------------------------------------------------------------------ */
/* Merge                                                                    */
/* ------------------------------------------------------------------------ */

/*
 * A shard is complete when its rows (those after before[t] in each table)
 * are all of tasks it ran (index % shards == shard, below ntasks) and every
 * task it ran left at least one row (each task writes a result or a failure
 * row): a shard cut short or edited is refused, not reported without results.
 */
static int shard_complete(const struct bench_table *tables, const int *before, const char *dir,
			  int shard, int shards, int ntasks, struct mo_err *err)
{
	int mine = ntasks > shard ? (ntasks - shard + shards - 1) / shards : 0, missing = 0, first = -1;
	char *got = calloc((size_t)(mine ? mine : 1), 1);

	if (!got)
		return mo_err_set(err, MO_ENOMEM, "bench: out of memory");
	for (int t = 0; t < BENCH_T_COUNT; t++)
		for (int r = before[t]; r < tables[t].n; r++) {
			int task = tables[t].rows[r].task;
			if (task >= ntasks || task % shards != shard) {
				free(got);
				return mo_err_set(err, MO_EINPUT,
						  "cannot merge '%s': %s.csv has a row of task %d, which "
						  "shard %d/%d of %d tasks did not run", dir, tables[t].name,
						  task, shard, shards, ntasks);
			}
			got[task / shards] = 1;
		}
	for (int i = 0; i < mine; i++)
		if (!got[i] && missing++ == 0)
			first = shard + i * shards;
	free(got);
	if (missing)
		return mo_err_set(err, MO_EINPUT,
				  "cannot merge '%s': incomplete shard: %d of its %d tasks left no row "
				  "(the first: task %d); run the shard again", dir, missing, mine, first);
	return 0;
}

/* What every shard of one sweep must agree on. */
struct merge {
	int shards, ntasks;  /* -1 until the first shard */
	char *opts;          /* the first shard's options (compact JSON, keys sorted) */
	char *seen;          /* per shard index: given yet */
};

/* DIR/shard.json: the shard I/N, the sweep's task count, its options (heap). */
static int shard_manifest(const char *dir, int *sh, int *nsh, int *nt, char **opts,
			  struct mo_err *err)
{
	char path[4096], *text;
	size_t len;
	const struct model_json j = {"bench shard", path, err};
	json_t *root;
	const char *v;
	int rc;

	*opts = NULL;
	snprintf(path, sizeof(path), "%s/shard.json", dir);
	if (mo_read_file(path, BENCH_MAX_FILE, &text, &len, err) < 0) {
		mo_err_prefix(err, "cannot merge '%s' (not a shard directory of mosaic bench?)", dir);
		return -MO_EINPUT;
	}
	rc = model_json_parse(&j, text, len, JSON_REJECT_DUPLICATES, &root);
	free(text);
	if (rc < 0)
		return rc;
	v = json_string_value(json_object_get(root, "mosaic_version"));
	*sh = json_int_in(root, "shard", 0, 65535);
	*nsh = json_int_in(root, "shards", 1, 65536);
	*nt = json_int_in(root, "tasks", 0, BENCH_MAX_TASKS);
	if (strcmp(json_string_value(json_object_get(root, "format")) ?: "", "mosaic-bench-shard"))
		mo_err_set(err, MO_EINPUT, "cannot merge '%s': not a mosaic bench shard", path);
	else if (strcmp(v ?: "", MOSAIC_VERSION))
		mo_err_set(err, MO_EINPUT, "cannot merge '%s': written by mosaic %s, this is %s", path,
			   v ?: "?", MOSAIC_VERSION);
	else if (*sh < 0 || *nsh < 0 || *nt < 0)
		mo_err_set(err, MO_EINPUT, "cannot merge '%s': 'shard' (0..65535), 'shards' "
			   "(1..65536) and 'tasks' (0..%d) must be integers in range", path,
			   BENCH_MAX_TASKS);
	else if (!(*opts = json_dumps(json_object_get(root, "opts"), JSON_COMPACT | JSON_SORT_KEYS)))
		mo_err_set(err, MO_EINPUT, "cannot merge '%s': no options", path);
	json_decref(root);
	return *opts ? 0 : -MO_EINPUT;
}

/* The shard in dir (its manifest's sh/nsh/nt/opts, opts taken over) is of
 * the same sweep as those before it (the first of which is in first), and
 * not given twice. */
static int shard_agrees(struct merge *m, const char *dir, const char *first, int sh, int nsh,
			int nt, char *opts, struct mo_err *err)
{
	if (m->shards < 0) {
		m->shards = nsh;
		m->ntasks = nt;
		m->opts = opts;
		if (!(m->seen = calloc((size_t)(nsh > 0 ? nsh : 1), 1)))
			return mo_err_set(err, MO_ENOMEM, "bench: out of memory");
	} else {
		int same = nsh == m->shards && nt == m->ntasks && !strcmp(opts, m->opts);

		free(opts);
		if (!same)
			return mo_err_set(err, MO_EINPUT,
					  "cannot merge '%s': it ran a different sweep than '%s' "
					  "(options, shard count or task list differ)", dir, first);
	}
	if (sh >= m->shards)
		return mo_err_set(err, MO_EINPUT, "cannot merge '%s/shard.json': bad shard %d/%d", dir,
				  sh, nsh);
	if (m->seen[sh])
		return mo_err_set(err, MO_EINPUT, "cannot merge '%s': shard %d/%d given twice", dir, sh,
				  m->shards);
	m->seen[sh] = 1;
	return 0;
}

/* One shard directory: its manifest checked, its rows appended to tables. */
static int merge_one(struct merge *m, struct bench_table *tables, const char *dir,
		     const char *first, struct mo_err *err)
{
	int sh = -1, nsh = -1, nt = -1, before[BENCH_T_COUNT], rc;
	char *opts = NULL;

	rc = shard_manifest(dir, &sh, &nsh, &nt, &opts, err);
	if (!rc)
		rc = shard_agrees(m, dir, first, sh, nsh, nt, opts, err);
	for (int t = 0; t < BENCH_T_COUNT; t++)
		before[t] = tables[t].n;
	for (int t = 0; t < BENCH_T_COUNT && !rc; t++)
		rc = bench_table_read(&tables[t], dir, 0, err);
	return rc ? rc : shard_complete(tables, before, dir, sh, m->shards, m->ntasks, err);
}

/* Every shard given; the options, read back, make the shards' task count. */
static int merge_check(const struct merge *m, const char *first, struct bench_opts *o,
		       struct mo_err *err)
{
	struct bench_task *tasks = NULL;
	int n, rc;

	for (int s = 0; s < m->shards; s++)
		if (!m->seen[s])
			return mo_err_set(err, MO_EINPUT, "cannot merge: shard %d/%d is missing (give "
					  "every shard directory)", s, m->shards);
	if (m->shards < 0)
		return mo_err_set(err, MO_EUSAGE, "cannot merge: no shard directories");
	rc = bench_opts_from_json(o, m->opts, "shard.json", err);
	if (rc)
		return rc;
	n = bench_tasks(o, &tasks, err);
	free(tasks);
	if (n >= 0 && n != m->ntasks)
		return mo_err_set(err, MO_EINPUT, "cannot merge '%s': its options make %d tasks here, "
				  "the shards say %d (another mosaic version?)", first, n, m->ntasks);
	return n < 0 ? n : 0;
}

int bench_merge(const char *const *dirs, int ndirs, const char *out, int flags,
		struct bench_table *tables_out, struct bench_opts *opts_out, struct mo_err *err)
{
	struct bench_table tables[BENCH_T_COUNT];
	struct merge m = {-1, -1, NULL, NULL};
	struct bench_opts o;
	int rc = 0;

	tables_init(tables);
	for (int d = 0; d < ndirs && !rc; d++)
		rc = merge_one(&m, tables, dirs[d], dirs[0], err);
	if (!rc)
		rc = merge_check(&m, ndirs ? dirs[0] : "", &o, err);
	if (!rc && out) {
		rc = bench_mkdir_p(out, err);
		for (int t = 0; t < BENCH_T_COUNT && !rc; t++)
			rc = bench_table_write(&tables[t], out, err);
		if (!rc && !(flags & BENCH_MERGE_NO_REPORT))
			rc = bench_report(&o, tables, out, err);
	} else if (!rc) {
		for (int t = 0; t < BENCH_T_COUNT; t++)
			bench_table_sort(&tables[t]);
	}
	if (!rc && opts_out)
		*opts_out = o;
	if (!rc && tables_out)
		memcpy(tables_out, tables, sizeof(tables));
	else
		tables_release(tables);
	free(m.opts);
	free(m.seen);
	return rc;
}
