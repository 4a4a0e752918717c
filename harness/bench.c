/* bench.c - the sweep: options, the task list, shards, --jobs and --merge. */
#include "harness/bench.h"
#include "harness/bundled.h"
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

const char *const bench_systems[BENCH_N_SYSTEMS] = {"megatron", "distmm", "spindle", "optimus",
						    "mosaic"};
const char *const bench_predictors[BENCH_N_PREDICTORS] = {"model", "waves", "linear", "noisy20"};

/* ------------------------------------------------------------------------ */
/* Options                                                                  */
/* ------------------------------------------------------------------------ */

static int cluster_json(struct bench_cluster *c, const char *path, struct mo_err *err)
{
	json_error_t je;
	json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je), *g, *v;
	const char *key;
	int rc = 0;

	if (!root)
		return mo_err_set(err, access(path, R_OK) ? MO_EIO : MO_EINPUT,
				  "cannot read cluster '%s': line %d: %s", path, je.line, je.text);
	if (!json_is_object(root)) {
		rc = mo_err_set(err, MO_EINPUT, "cannot read cluster '%s': not a JSON object", path);
		goto out;
	}
	json_object_foreach(root, key, v) {
		if (strcmp(key, "gpu") && strcmp(key, "gpus") && strcmp(key, "gpus_per_node") &&
		    strcmp(key, "nvlink_gbps") && strcmp(key, "net_gbps") && strcmp(key, "host") &&
		    strcmp(key, "launch")) {
			rc = mo_err_set(err, MO_EINPUT,
					"cannot read cluster '%s': unknown field '%s' (known: gpu, "
					"gpus, gpus_per_node, nvlink_gbps, net_gbps, host, launch)", path, key);
			goto out;
		}
	}
	g = json_object_get(root, "gpu");
	if (json_is_string(g)) {
		c->gpu = model_gpu_find(json_string_value(g), err);
		if (!c->gpu) {
			mo_err_prefix(err, "cannot read cluster '%s': gpu", path);
			rc = err ? err->code : -MO_EINPUT;
			goto out;
		}
	} else if (json_is_object(g)) {
		/* A GPU defined inline: checked by the model's parser, then added to
		 * the GPU registry (planner and engine look GPUs up by name). */
		char *text = json_dumps(g, JSON_COMPACT), tmp[] = "/tmp/mosaic-gpu-XXXXXX";
		int n = text ? model_gpu_parse_json(text, strlen(text), path, &c->gpu_own, 1, err)
			     : -MO_ENOMEM;
		int fd = n == 1 ? mkstemp(tmp) : -1;

		if (fd >= 0) {
			FILE *fp = fdopen(fd, "w");

			if (fp) {
				fputs(text, fp);
				fclose(fp);
				n = model_gpu_load_file(tmp, err);
			} else {
				close(fd);
				n = mo_err_set(err, MO_EIO, "cannot write '%s'", tmp);
			}
			unlink(tmp);
		} else if (n == 1) {
			n = mo_err_set(err, MO_EIO, "cannot create a temporary file for the cluster's GPU");
		}
		free(text);
		if (n < 0) {
			mo_err_prefix(err, "cannot read cluster '%s': gpu", path);
			rc = n;
			goto out;
		}
		c->gpu = model_gpu_find(c->gpu_own.name, err);
		if (!c->gpu) {
			rc = err ? err->code : -MO_EINPUT;
			goto out;
		}
	} else {
		rc = mo_err_set(err, MO_EINPUT,
				"cannot read cluster '%s': 'gpu' must be a GPU name or a GPU object",
				path);
		goto out;
	}
	v = json_object_get(root, "gpus");
	if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > PLAN_MAX_GPUS) {
		rc = mo_err_set(err, MO_EINPUT,
				"cannot read cluster '%s': 'gpus' must be an integer in 1..%d", path,
				PLAN_MAX_GPUS);
		goto out;
	}
	c->n_gpus = (int)json_integer_value(v);
	if ((v = json_object_get(root, "gpus_per_node"))) {
		if (!json_is_integer(v) || json_integer_value(v) < 1) {
			rc = mo_err_set(err, MO_EINPUT,
					"cannot read cluster '%s': 'gpus_per_node' must be a positive integer",
					path);
			goto out;
		}
		c->gpus_per_node = (int)json_integer_value(v);
	}
	if ((v = json_object_get(root, "nvlink_gbps")))
		c->nvlink_gbps = json_number_value(v);
	if ((v = json_object_get(root, "net_gbps")))
		c->net_gbps = json_number_value(v);
	if (c->nvlink_gbps < 0 || c->net_gbps < 0)
		rc = mo_err_set(err, MO_EINPUT, "cannot read cluster '%s': negative bandwidth", path);
	if ((v = json_object_get(root, "host")) &&
	    (c->host_issue = model_host_issue_parse(json_string_value(v))) < 0)
		rc = mo_err_set(err, MO_EINPUT,
				"cannot read cluster '%s': 'host' must be per-slot, per-gpu or none", path);
	if ((v = json_object_get(root, "launch")) &&
	    (c->launch_mode = model_launch_parse(json_string_value(v))) < 0)
		rc = mo_err_set(err, MO_EINPUT,
				"cannot read cluster '%s': 'launch' must be eager or graphs", path);
out:
	json_decref(root);
	return rc;
}

int bench_cluster_parse(struct bench_cluster *c, const char *spec, struct mo_err *err)
{
	char name[256];
	const char *x;
	struct stat st;
	long n = 8;
	size_t len;

	memset(c, 0, sizeof(*c));
	c->host_issue = c->launch_mode = -1;
	snprintf(c->spec, sizeof(c->spec), "%s", spec);
	if (strstr(spec, ".json") || (stat(spec, &st) == 0 && S_ISREG(st.st_mode))) {
		int rc = cluster_json(c, spec, err);

		if (rc)
			return rc;
	} else {
		/* NAME x N, NAMExN or NAME (8 GPUs) */
		snprintf(name, sizeof(name), "%s", spec);
		x = strrchr(name, 'x');
		if (x && x[1] && strspn(x + 1, "0123456789") == strlen(x + 1)) {
			long long v;
			n = cli_int("count", x + 1, 1, PLAN_MAX_GPUS, &v, NULL) < 0 ? -1 : (long)v;
			name[x - name] = '\0';
		}
		len = strlen(name);
		while (len && isspace((unsigned char)name[len - 1]))
			name[--len] = '\0';
		if (!len || n < 1 || n > PLAN_MAX_GPUS)
			return mo_err_set(err, MO_EUSAGE,
					  "bad cluster '%s': expected GPUxCOUNT (\"h100x8\", "
					  "\"a100-80gb-pcie x16\", 1 to %d GPUs) or a JSON file", spec,
					  PLAN_MAX_GPUS);
		c->gpu = model_gpu_find(name, err);
		if (!c->gpu) {
			mo_err_prefix(err, "bad cluster '%s'", spec);
			return err ? err->code : -MO_EUSAGE;
		}
		c->n_gpus = (int)n;
	}
	snprintf(c->label, sizeof(c->label), "%d x %s%s%s%s%s", c->n_gpus,
		 c->gpu->short_name[0] ? c->gpu->short_name : c->gpu->name,
		 c->host_issue >= 0 ? ", host " : "",
		 c->host_issue >= 0 ? model_host_issue_name(c->host_issue) : "",
		 c->launch_mode >= 0 ? ", launch " : "",
		 c->launch_mode >= 0 ? model_launch_name(c->launch_mode) : "");
	return 0;
}

static int bundled_index(const char *name)
{
	for (int i = 0; i < bundled_spec_count; i++)
		if (!strcmp(bundled_specs[i].name, name))
			return i;
	return -1;
}

/* Add one workload (a bundled name or a spec file) to the sweep. */
static int workload_add(struct bench_opts *o, const char *arg, struct mo_err *err)
{
	char name[sizeof(o->workloads[0])];

	if (strlen(arg) >= sizeof(o->workload_src[0]))
		return mo_err_set(err, MO_EUSAGE, "workload '%.40s...' too long", arg);
	int b = bundled_index(arg);

	if (b >= 0) {
		snprintf(name, sizeof(name), "%s", bundled_specs[b].name);
	} else {
		struct workload *w = NULL;
		int rc = cli_workload_load(arg, &w, err);

		if (rc)
			return rc;
		cli_workload_warnings("bench", w);
		rc = strlen(w->name) >= sizeof(name)
			     ? mo_err_set(err, MO_EINPUT, "cannot use '%s': name '%s' too long (at most %zu bytes)",
					  arg, w->name, sizeof(name) - 1)
			     : 0;
		snprintf(name, sizeof(name), "%s", w->name);
		workload_free(w);
		if (rc)
			return rc;
	}
	for (int i = 0; i < o->n_workloads; i++)
		if (!strcmp(o->workloads[i], name))
			return mo_err_set(err, MO_EUSAGE, "workload '%s' given twice", name);
	if (o->n_workloads == BENCH_MAX_WORKLOADS)
		return mo_err_set(err, MO_EUSAGE, "too many workloads (at most %d)",
				  BENCH_MAX_WORKLOADS);
	snprintf(o->workloads[o->n_workloads], sizeof(o->workloads[0]), "%s", name);
	snprintf(o->workload_src[o->n_workloads++], sizeof(o->workload_src[0]), "%s", arg);
	return 0;
}

int bench_workloads_parse(struct bench_opts *o, const char *list, struct mo_err *err)
{
	char buf[8192], *tok, *save = NULL;
	int rc;

	if (strlen(list) >= sizeof(buf))
		return mo_err_set(err, MO_EUSAGE, "workload list too long (at most %zu bytes)",
				  sizeof(buf) - 1);
	snprintf(buf, sizeof(buf), "%s", list);
	o->n_workloads = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		if ((rc = workload_add(o, tok, err)))
			return rc;
	if (!o->n_workloads)
		return mo_err_set(err, MO_EUSAGE, "empty workload list");
	return 0;
}

int bench_opts_init(struct bench_opts *o, struct mo_err *err)
{
	memset(o, 0, sizeof(*o));
	o->jobs = 1;
	for (int i = 0; i < bundled_spec_count && o->n_workloads < BENCH_MAX_WORKLOADS; i++) {
		snprintf(o->workloads[o->n_workloads], sizeof(o->workloads[0]), "%s",
			 bundled_specs[i].name);
		snprintf(o->workload_src[o->n_workloads++], sizeof(o->workload_src[0]), "%s",
			 bundled_specs[i].name);
	}
	return bench_cluster_parse(&o->cluster, BENCH_DEFAULT_CLUSTER, err);
}

char *bench_opts_json(const struct bench_opts *o)
{
	json_t *root = json_object(), *wl = json_array();
	char *s;

	json_t *src = json_array();

	for (int i = 0; i < o->n_workloads; i++) {
		json_array_append_new(wl, json_string(o->workloads[i]));
		json_array_append_new(src, json_string(o->workload_src[i]));
	}
	json_object_set_new(root, "quick", json_boolean(o->quick));
	json_object_set_new(root, "suite",
			    json_string(o->suite == BENCH_SUITE_REGRESS ? "regress" : "full"));
	json_object_set_new(root, "worsen", json_boolean(o->worsen));
	json_object_set_new(root, "check", json_boolean(!o->no_check));
	json_object_set_new(root, "cluster", json_string(o->cluster.spec));
	json_object_set_new(root, "cluster_label", json_string(o->cluster.label));
	json_object_set_new(root, "gpu", json_string(o->cluster.gpu ? o->cluster.gpu->name : ""));
	json_object_set_new(root, "gpus", json_integer(o->cluster.n_gpus));
	json_object_set_new(root, "workloads", wl);
	json_object_set_new(root, "workload_sources", src);
	json_object_set_new(root, "timeline", json_string(o->timeline));
	if (o->gpu_file[0])
		json_object_set_new(root, "gpu_file", json_string(o->gpu_file));
	s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(root);
	return s;
}

int bench_opts_from_json(struct bench_opts *o, const char *json, const char *what,
			 struct mo_err *err)
{
	json_error_t je;
	json_t *root = json_loads(json, JSON_REJECT_DUPLICATES, &je), *wl, *v;
	const char *cl;
	size_t i;
	int rc = 0;

	memset(o, 0, sizeof(*o));
	o->jobs = 1;
	if (!root)
		return mo_err_set(err, MO_EINPUT, "cannot parse '%s': line %d: %s", what, je.line,
				  je.text);
	o->quick = json_is_true(json_object_get(root, "quick"));
	o->worsen = json_is_true(json_object_get(root, "worsen"));
	o->no_check = json_is_false(json_object_get(root, "check"));
	v = json_object_get(root, "suite");
	o->suite = json_is_string(v) && !strcmp(json_string_value(v), "regress")
			   ? BENCH_SUITE_REGRESS : BENCH_SUITE_FULL;
	wl = json_object_get(root, "workloads");
	cl = json_string_value(json_object_get(root, "cluster"));
	if (!json_is_array(wl) || !cl) {
		rc = mo_err_set(err, MO_EINPUT, "cannot parse '%s': missing 'workloads' or 'cluster'",
				what);
		goto out;
	}
	json_array_foreach(wl, i, v) {
		if (!json_is_string(v) || o->n_workloads == BENCH_MAX_WORKLOADS) {
			rc = mo_err_set(err, MO_EINPUT, "cannot parse '%s': workloads[%zu]", what, i);
			goto out;
		}
		snprintf(o->workloads[o->n_workloads], sizeof(o->workloads[0]), "%s",
			 json_string_value(v));
		/* older shards recorded names only: bundled workloads */
		v = json_array_get(json_object_get(root, "workload_sources"), i);
		snprintf(o->workload_src[o->n_workloads], sizeof(o->workload_src[0]), "%s",
			 json_is_string(v) ? json_string_value(v) : o->workloads[o->n_workloads]);
		o->n_workloads++;
	}
	v = json_object_get(root, "timeline");
	if (json_is_string(v))
		snprintf(o->timeline, sizeof(o->timeline), "%s", json_string_value(v));
	/* The cluster as recorded (a JSON cluster file need not exist any more). */
	snprintf(o->cluster.spec, sizeof(o->cluster.spec), "%s", cl);
	snprintf(o->cluster.label, sizeof(o->cluster.label), "%s",
		 json_string_value(json_object_get(root, "cluster_label"))
			 ? json_string_value(json_object_get(root, "cluster_label")) : cl);
	o->cluster.n_gpus = (int)json_integer_value(json_object_get(root, "gpus"));
	v = json_object_get(root, "gpu_file");
	if (json_is_string(v))
		snprintf(o->gpu_file, sizeof(o->gpu_file), "%s", json_string_value(v));
	v = json_object_get(root, "gpu");
	o->cluster.gpu = json_is_string(v) ? model_gpu_find(json_string_value(v), NULL) : NULL;
	if (!o->cluster.gpu && o->gpu_file[0] && json_is_string(v)) {
		/* a user GPU: its file, as the sweep loaded it */
		if (model_gpu_load_file(o->gpu_file, err) < 0) {
			rc = err ? err->code : -MO_EINPUT;
			goto out;
		}
		o->cluster.gpu = model_gpu_find(json_string_value(v), NULL);
	}
	if (!o->cluster.gpu) {
		int n = o->cluster.n_gpus;
		char label[96];

		/* not in the registry: maybe the spec (a JSON file) defines it */
		snprintf(label, sizeof(label), "%s", o->cluster.label);
		if (bench_cluster_parse(&o->cluster, cl, NULL) == 0) {
			o->cluster.n_gpus = n;
			snprintf(o->cluster.label, sizeof(o->cluster.label), "%s", label);
		}
	}
	if (!o->cluster.gpu)
		rc = mo_err_set(err, MO_EINPUT, "cannot parse '%s': unknown cluster GPU", what);
out:
	json_decref(root);
	return rc;
}

/* ------------------------------------------------------------------------ */
/* The task list                                                            */
/* ------------------------------------------------------------------------ */

int bench_scale_counts(const struct bench_opts *o, int *out, int max)
{
	static const int full[] = {8, 16, 32, 64}, quick[] = {8, 16};
	const int *c = o->quick ? quick : full;
	int n = o->quick ? 2 : 4, k = 0;

	for (int i = 0; i < n && k < max; i++)
		out[k++] = c[i];
	return k;
}

/* Search methods of fig13: the planner's own (when it knows them) and the
 * harness's simple searches over mosaic's placement (bench-tasks.c). */
static const char *const search_methods[] = {"mosaic", "mosaic-greedy", "even-split",
					     "random-search", "optimal"};
#define N_SEARCH ((int)(sizeof(search_methods) / sizeof(search_methods[0])))

static int harness_method(const char *m)
{
	return !strcmp(m, "even-split") || !strcmp(m, "random-search");
}

int bench_search_methods(const char **out, int max)
{
	int k = 0;

	for (int i = 0; i < N_SEARCH && k < max; i++)
		if (harness_method(search_methods[i]) || plan_planner_known(search_methods[i]))
			out[k++] = search_methods[i];
	return k;
}

int bench_timeline_workload(const struct bench_opts *o)
{
	for (int i = 0; i < o->n_workloads; i++)
		if (!strcmp(o->workloads[i], o->timeline[0] ? o->timeline : "qwen3-vl"))
			return i;
	return o->n_workloads ? 0 : -1;
}

static int push(struct bench_task **v, int *n, int *cap, int kind, int wl, int variant, int gpus)
{
	if (*n == *cap) {
		int c = *cap ? 2 * *cap : 64;
		struct bench_task *t = realloc(*v, (size_t)c * sizeof(*t));

		if (!t)
			return -MO_ENOMEM;
		*v = t;
		*cap = c;
	}
	(*v)[*n] = (struct bench_task){kind, wl, variant, gpus};
	(*n)++;
	return 0;
}

int bench_tasks(const struct bench_opts *o, struct bench_task **out, struct mo_err *err)
{
	struct bench_task *v = NULL;
	int n = 0, cap = 0, rc = 0, counts[8], nc = bench_scale_counts(o, counts, 8);
	int full = o->suite == BENCH_SUITE_FULL, G = o->cluster.n_gpus;
	const char *methods[16];
	int nm = bench_search_methods(methods, 16);

	for (int w = 0; w < o->n_workloads && !rc; w++)
		for (int s = 0; s < BENCH_N_SYSTEMS && !rc; s++)
			rc = push(&v, &n, &cap, BENCH_TASK_SYSTEM, w, s, G);
	for (int w = 0; w < o->n_workloads && !rc; w++)
		for (int m = 0; m < nm && !rc; m++)
			rc = push(&v, &n, &cap, BENCH_TASK_SEARCH, w, m, 0);
	if (full) {
		for (int w = 0; w < o->n_workloads && !rc; w++)
			for (int k = 0; k < 2 && !rc; k++) /* mosaic, megatron */
				rc = push(&v, &n, &cap, BENCH_TASK_OVERHEAD, w, k, G);
		for (int w = 0; w < o->n_workloads && !rc; w++)
			rc = push(&v, &n, &cap, BENCH_TASK_PROFILE, w, 0, 1);
		for (int w = 0; w < o->n_workloads && !rc; w++)
			for (int p = 0; p < BENCH_N_PREDICTORS && !rc; p++)
				rc = push(&v, &n, &cap, BENCH_TASK_PREDICTOR, w, p, G);
	}
	/* fig14's larger clusters; the regression suite keeps those up to twice
	 * the cluster, so that a planner change that only hurts at scale shows */
	for (int c = 0; c < nc && !rc; c++) {
		if (counts[c] == G)
			continue; /* the SYSTEM tasks are that point */
		if (!full && counts[c] > 2 * G)
			continue;
		for (int w = 0; w < o->n_workloads && !rc; w++)
			for (int s = 0; s < BENCH_N_SYSTEMS && !rc; s++)
				rc = push(&v, &n, &cap, BENCH_TASK_SCALE, w, s, counts[c]);
	}
	if (rc) {
		free(v);
		return mo_err_set(err, MO_ENOMEM, "bench: out of memory");
	}
	*out = v;
	return n;
}

void bench_task_label(const struct bench_opts *o, const struct bench_task *t, char *buf,
		      size_t size)
{
	const char *wl = t->wl >= 0 && t->wl < o->n_workloads ? o->workloads[t->wl] : "?";
	const char *m[16];

	switch (t->kind) {
	case BENCH_TASK_SYSTEM:
		snprintf(buf, size, "fig9 %s/%s", wl, bench_systems[t->variant]);
		break;
	case BENCH_TASK_SCALE:
		snprintf(buf, size, "fig14 %s/%s x%d", wl, bench_systems[t->variant], t->gpus);
		break;
	case BENCH_TASK_OVERHEAD:
		snprintf(buf, size, "fig11 %s/%s", wl, t->variant ? "megatron" : "mosaic");
		break;
	case BENCH_TASK_PROFILE:
		snprintf(buf, size, "profile %s", wl);
		break;
	case BENCH_TASK_PREDICTOR:
		snprintf(buf, size, "fig12 %s/%s", wl, bench_predictors[t->variant]);
		break;
	case BENCH_TASK_SEARCH:
		snprintf(buf, size, "fig13 %s/%s", wl,
			 t->variant < bench_search_methods(m, 16) ? m[t->variant] : "?");
		break;
	default:
		snprintf(buf, size, "task %d", t->kind);
	}
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

int bench_merge(const char *const *dirs, int ndirs, const char *out, int flags,
		struct bench_table *tables_out, struct bench_opts *opts_out, struct mo_err *err)
{
	struct bench_table tables[BENCH_T_COUNT];
	struct bench_opts o;
	char *first_opts = NULL, *seen = NULL;
	int shards = -1, ntasks = -1, rc = 0;

	tables_init(tables);
	for (int d = 0; d < ndirs && !rc; d++) {
		char path[4096], *text, *opts;
		json_error_t je;
		json_t *root;
		int sh, nsh, nt;

		snprintf(path, sizeof(path), "%s/shard.json", dirs[d]);
		text = bench_read_file(path, NULL, err);
		if (!text) {
			mo_err_prefix(err, "cannot merge '%s' (not a shard directory of mosaic bench?)",
				      dirs[d]);
			rc = -MO_EINPUT;
			break;
		}
		root = json_loads(text, JSON_REJECT_DUPLICATES, &je);
		free(text);
		if (!root) {
			rc = mo_err_set(err, MO_EINPUT, "cannot parse '%s': line %d column %d: %s", path,
					je.line, je.column, je.text);
			break;
		}
		if (strcmp(json_string_value(json_object_get(root, "format")) ?: "",
				    "mosaic-bench-shard")) {
			json_decref(root);
			rc = mo_err_set(err, MO_EINPUT, "cannot merge '%s': not a mosaic bench shard",
					path);
			break;
		}
		if (strcmp(json_string_value(json_object_get(root, "mosaic_version")) ?: "",
			   MOSAIC_VERSION)) {
			rc = mo_err_set(err, MO_EINPUT,
					"cannot merge '%s': written by mosaic %s, this is %s", path,
					json_string_value(json_object_get(root, "mosaic_version")) ?: "?",
					MOSAIC_VERSION);
			json_decref(root);
			break;
		}
		sh = json_int_in(root, "shard", 0, 65535);
		nsh = json_int_in(root, "shards", 1, 65536);
		nt = json_int_in(root, "tasks", 0, BENCH_MAX_TASKS);
		if (sh < 0 || nsh < 0 || nt < 0) {
			json_decref(root);
			rc = mo_err_set(err, MO_EINPUT, "cannot merge '%s': 'shard' (0..65535), 'shards' "
					"(1..65536) and 'tasks' (0..%d) must be integers in range", path,
					BENCH_MAX_TASKS);
			break;
		}
		opts = json_dumps(json_object_get(root, "opts"), JSON_COMPACT | JSON_SORT_KEYS);
		json_decref(root);
		if (!opts) {
			rc = mo_err_set(err, MO_EINPUT, "cannot merge '%s': no options", path);
			break;
		}
		if (shards < 0) {
			shards = nsh;
			ntasks = nt;
			first_opts = opts;
			seen = calloc((size_t)(nsh > 0 ? nsh : 1), 1);
			if (!seen) {
				rc = mo_err_set(err, MO_ENOMEM, "bench: out of memory");
				break;
			}
		} else {
			int same = nsh == shards && nt == ntasks && !strcmp(opts, first_opts);

			free(opts);
			if (!same) {
				rc = mo_err_set(err, MO_EINPUT,
						"cannot merge '%s': it ran a different sweep than '%s' "
						"(options, shard count or task list differ)",
						dirs[d], dirs[0]);
				break;
			}
		}
		if (sh < 0 || sh >= shards || nsh < 1) {
			rc = mo_err_set(err, MO_EINPUT, "cannot merge '%s': bad shard %d/%d", path, sh,
					nsh);
			break;
		}
		if (seen[sh]) {
			rc = mo_err_set(err, MO_EINPUT, "cannot merge '%s': shard %d/%d given twice",
					dirs[d], sh, shards);
			break;
		}
		seen[sh] = 1;
		{
			int before[BENCH_T_COUNT];
			for (int t = 0; t < BENCH_T_COUNT; t++)
				before[t] = tables[t].n;
			for (int t = 0; t < BENCH_T_COUNT && !rc; t++)
				rc = bench_table_read(&tables[t], dirs[d], 0, err);
			if (!rc)
				rc = shard_complete(tables, before, dirs[d], sh, shards, ntasks, err);
		}
	}
	for (int s = 0; !rc && s < shards; s++)
		if (!seen[s])
			rc = mo_err_set(err, MO_EINPUT,
					"cannot merge: shard %d/%d is missing (give every shard "
					"directory)", s, shards);
	if (!rc && !ndirs)
		rc = mo_err_set(err, MO_EUSAGE, "cannot merge: no shard directories");
	if (!rc)
		rc = bench_opts_from_json(&o, first_opts, "shard.json", err);
	if (!rc) { /* the shards' task count is the one their options give here */
		struct bench_task *tasks = NULL;
		int n = bench_tasks(&o, &tasks, err);
		free(tasks);
		if (n >= 0 && n != ntasks)
			rc = mo_err_set(err, MO_EINPUT, "cannot merge '%s': its options make %d tasks "
					"here, the shards say %d (another mosaic version?)", dirs[0], n,
					ntasks);
		else if (n < 0)
			rc = n;
	}
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
	if (!rc && tables_out) {
		memcpy(tables_out, tables, sizeof(tables));
	} else {
		tables_release(tables);
	}
	free(first_opts);
	free(seen);
	return rc;
}
