/* opts.c - the sweep's options: the cluster, the workloads, and the options
 * as JSON (shard.json's "opts") and back. */
#include "harness/bench/bench.h"
#include "harness/bundled.h"
#include "harness/cli.h"
#include "planner/planner.h"

#include <ctype.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *const bench_systems[BENCH_N_SYSTEMS] = {PLAN_BASELINES(PLAN_NAME_STR_) "mosaic"};
const char *const bench_predictors[BENCH_N_PREDICTORS] = {"model", "waves", "linear", "noisy20"};

/* ------------------------------------------------------------------------ */
/* Options                                                                  */
/* ------------------------------------------------------------------------ */

/* The optional fields of a cluster file: gpus_per_node, the bandwidths, host, launch. */
static int cluster_options(const struct model_json *j, json_t *root, struct bench_cluster *c)
{
	char text[32];
	json_t *v;
	int64_t x;

	if ((v = json_object_get(root, "gpus_per_node"))) {
		if (model_json_v_int(j, v, "gpus_per_node", 1, 1 << 20, &x) < 0)
			return -MO_EINPUT;
		c->gpus_per_node = (int)x;
	}
	if (((v = json_object_get(root, "nvlink_gbps")) &&
	     model_json_v_num(j, v, "nvlink_gbps", 0, 1e9, &c->nvlink_gbps) < 0) ||
	    ((v = json_object_get(root, "net_gbps")) &&
	     model_json_v_num(j, v, "net_gbps", 0, 1e9, &c->net_gbps) < 0))
		return -MO_EINPUT;
	if ((v = json_object_get(root, "host")) &&
	    (model_json_v_str(j, v, "host", text, sizeof(text)) < 0 ||
	     (c->host_issue = model_host_issue_parse(text)) < 0))
		return model_json_fail(j, "host", "must be per-slot, per-gpu or none");
	if ((v = json_object_get(root, "launch")) &&
	    (model_json_v_str(j, v, "launch", text, sizeof(text)) < 0 ||
	     (c->launch_mode = model_launch_parse(text)) < 0))
		return model_json_fail(j, "launch", "must be eager, graphs or executor");
	return 0;
}

static int cluster_json(struct bench_cluster *c, const char *path, struct mo_err *err)
{
	static const char *const fields[] = {"gpu", "gpus", "gpus_per_node", "nvlink_gbps",
					     "net_gbps", "host", "launch", NULL};
	const struct model_json j = {"cluster", path, err};
	json_t *root, *g;
	int64_t x;
	int rc = model_json_load(&j, MODEL_JSON_MAX_BYTES, JSON_REJECT_DUPLICATES, &root);

	if (rc < 0)
		return rc;
	if ((rc = model_json_keys(&j, root, "", fields)) < 0 ||
	    (rc = model_json_field(&j, root, "", "gpu", &g)) < 0)
		goto out;
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
	if ((rc = model_json_int(&j, root, "", "gpus", 1, PLAN_MAX_GPUS, &x)) < 0)
		goto out;
	c->n_gpus = (int)x;
	rc = cluster_options(&j, root, c);
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
	if (bench_measurements_any(o))
		json_object_set_new(root, "measurements", json_pack("{s:s, s:s, s:s}",
			"profiles", o->profiles, "calibration", o->calibration, "matrix", o->matrix));
	s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(root);
	return s;
}

int bench_opts_from_json(struct bench_opts *o, const char *json, const char *what,
			 struct mo_err *err)
{
	const struct model_json j = {"bench options", what, err};
	json_t *root, *wl, *v;
	const char *cl;
	size_t i;
	int rc;

	memset(o, 0, sizeof(*o));
	o->jobs = 1;
	if ((rc = model_json_parse(&j, json, strlen(json), JSON_REJECT_DUPLICATES, &root)) < 0)
		return rc;
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
	v = json_object_get(root, "measurements");
	if (json_is_object(v)) {
		json_t *f;
		if (json_is_string(f = json_object_get(v, "profiles")))
			snprintf(o->profiles, sizeof(o->profiles), "%s", json_string_value(f));
		if (json_is_string(f = json_object_get(v, "calibration")))
			snprintf(o->calibration, sizeof(o->calibration), "%s", json_string_value(f));
		if (json_is_string(f = json_object_get(v, "matrix")))
			snprintf(o->matrix, sizeof(o->matrix), "%s", json_string_value(f));
		if ((rc = bench_measurements_load(o, err)) < 0)
			goto out;
	}
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

