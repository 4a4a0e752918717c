/*
 * interference.c - slowdown of colocated modules from shared DRAM bandwidth,
 * and the pairwise matrix measured from co-run traces.
 */
#include "model/model.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

double model_interference(const struct model_gpu *gpu, double own_gbps, double others_gbps)
{
	struct model_load own = { 0 }, other = { 0 };
	double cap = model_hbm_achievable_gbps(gpu);

	if (cap <= 0 || own_gbps <= 0)
		return 1.0;
	own.dram_gbps = own_gbps;
	own.mem_frac = own_gbps / cap < 1 ? own_gbps / cap : 1;
	other.dram_gbps = others_gbps > 0 ? others_gbps : 0;
	return model_corun_slowdown(gpu, &own, &other, 1);
}

/* ---- the pairwise matrix ---- */

void model_im_init(struct model_interference_matrix *m)
{
	memset(m, 0, sizeof(*m));
	for (int i = 0; i < MODEL_IM_MAX; i++)
		for (int j = 0; j < MODEL_IM_MAX; j++)
			m->slow[i][j] = 1.0;
}

int model_im_index(struct model_interference_matrix *m, const char *name, int add)
{
	for (int i = 0; i < m->n; i++)
		if (!strcasecmp(m->names[i], name))
			return i;
	if (!add || m->n >= MODEL_IM_MAX || !*name || strlen(name) >= sizeof(m->names[0]))
		return -1;
	snprintf(m->names[m->n], sizeof(m->names[0]), "%s", name);
	return m->n++;
}

int model_im_load(struct model_interference_matrix *m, const char *path, struct mo_err *err)
{
	const struct model_json r = {"interference matrix", path, err};
	json_t *root, *mods, *sl, *gpu;
	const char *key;
	json_t *val;
	size_t i, j, n;
	int rc;

	model_im_init(m);
	if ((rc = model_json_load(&r, MODEL_JSON_MAX_BYTES, JSON_REJECT_DUPLICATES, &root)) < 0)
		return rc;
	if (!json_is_object(root)) {
		rc = mo_err_set(err, MO_EINPUT, "cannot load '%s': expected an object", path);
		goto out;
	}
	json_object_foreach(root, key, val) {
		if (strcmp(key, "gpu") && strcmp(key, "modules") && strcmp(key, "slowdown")) {
			rc = mo_err_set(err, MO_EINPUT, "cannot load '%s': unknown field '%s'", path, key);
			goto out;
		}
	}
	gpu = json_object_get(root, "gpu");
	mods = json_object_get(root, "modules");
	sl = json_object_get(root, "slowdown");
	if (gpu && (!json_is_string(gpu) || strlen(json_string_value(gpu)) >= sizeof(m->gpu))) {
		rc = mo_err_set(err, MO_EINPUT, "cannot load '%s': field 'gpu': expected a string", path);
		goto out;
	}
	if (gpu)
		snprintf(m->gpu, sizeof(m->gpu), "%s", json_string_value(gpu));
	if (!json_is_array(mods) || !json_is_array(sl)) {
		rc = mo_err_set(err, MO_EINPUT,
				"cannot load '%s': fields 'modules' and 'slowdown' must be arrays", path);
		goto out;
	}
	n = json_array_size(mods);
	if (n > MODEL_IM_MAX || json_array_size(sl) != n) {
		rc = mo_err_set(err, MO_EINPUT,
				"cannot load '%s': 'slowdown' must be a %zu x %zu matrix (at most %d modules)",
				path, n, n, MODEL_IM_MAX);
		goto out;
	}
	for (i = 0; i < n; i++) {
		json_t *name = json_array_get(mods, i);
		if (!json_is_string(name) || model_im_index(m, json_string_value(name), 0) >= 0 ||
		    model_im_index(m, json_string_value(name), 1) < 0) {
			rc = mo_err_set(err, MO_EINPUT,
					"cannot load '%s': modules[%zu]: expected a new, non-empty name", path, i);
			goto out;
		}
	}
	for (i = 0; i < n; i++) {
		json_t *row = json_array_get(sl, i);
		if (!json_is_array(row) || json_array_size(row) != n) {
			rc = mo_err_set(err, MO_EINPUT, "cannot load '%s': slowdown[%zu]: expected %zu numbers",
					path, i, n);
			goto out;
		}
		for (j = 0; j < n; j++) {
			json_t *v = json_array_get(row, j);
			double x = json_is_number(v) ? json_number_value(v) : -1;
			if (!(x >= 1.0 && x < 1000.0)) {
				rc = mo_err_set(err, MO_EINPUT,
						"cannot load '%s': slowdown[%zu][%zu]: expected a number >= 1", path,
						i, j);
				goto out;
			}
			m->slow[i][j] = x;
		}
	}
out:
	json_decref(root);
	if (rc)
		model_im_init(m);
	return rc;
}

int model_im_save(const struct model_interference_matrix *m, const char *path, struct mo_err *err)
{
	struct mo_outfile f;

	if (mo_outfile_open(&f, path, err) < 0)
		return -1;
	fprintf(f.fp, "{\n  \"gpu\": \"%s\",\n  \"modules\": [", m->gpu);
	for (int i = 0; i < m->n; i++)
		fprintf(f.fp, "%s\"%s\"", i ? ", " : "", m->names[i]);
	fprintf(f.fp, "],\n  \"slowdown\": [\n");
	for (int i = 0; i < m->n; i++) {
		fprintf(f.fp, "    [");
		for (int j = 0; j < m->n; j++)
			fprintf(f.fp, "%s%.4f", j ? ", " : "", m->slow[i][j]);
		fprintf(f.fp, "]%s\n", i + 1 < m->n ? "," : "");
	}
	fprintf(f.fp, "  ]\n}\n");
	return mo_outfile_commit(&f, err);
}

/* Kernel time of module id in t per (step, microbatch) pair. */
static double module_time(const struct trace_mem *t, int id)
{
	double sum = 0;
	int64_t keys[256];
	int nkeys = 0;

	for (size_t i = 0; i < t->n; i++) {
		const struct trace_kernel *k = &t->recs[i].u.kernel;
		int64_t key;
		int j;
		if (t->recs[i].kind != TRACE_KIND_KERNEL || k->module != id)
			continue;
		sum += (double)(k->end_ns - k->start_ns);
		key = ((k->step + 1) << 32) ^ (k->microbatch + 1);
		for (j = 0; j < nkeys; j++)
			if (keys[j] == key)
				break;
		if (j == nkeys && nkeys < 256)
			keys[nkeys++] = key;
	}
	return nkeys ? sum / nkeys : 0;
}

int model_im_calibrate(struct model_interference_matrix *m, const struct trace_mem *const *solo,
		       int nsolo, const struct trace_mem *corun, struct mo_err *err)
{
	int ids[MODEL_IM_MAX], nm = 0;
	const char *names[MODEL_IM_MAX];
	double slow[MODEL_IM_MAX];

	for (size_t i = 0; i < corun->n; i++) {
		const struct trace_record *r = &corun->recs[i];
		if (r->kind != TRACE_KIND_MODULE || module_time(corun, (int)r->u.module.id) <= 0)
			continue;
		if (nm == MODEL_IM_MAX)
			return mo_err_set(err, MO_EINPUT, "co-run trace: more than %d modules", MODEL_IM_MAX);
		ids[nm] = (int)r->u.module.id;
		names[nm++] = r->u.module.name;
	}
	if (nm < 2)
		return mo_err_set(err, MO_EINPUT, "co-run trace: %d module(s) with kernels, need 2 or more",
				  nm);
	for (int a = 0; a < nm; a++) {
		double alone = 0;
		for (int s = 0; s < nsolo && alone <= 0; s++) {
			int id = model_trace_module_id(solo[s], names[a]);
			if (id >= 0)
				alone = module_time(solo[s], id);
		}
		if (alone <= 0)
			return mo_err_set(err, MO_EINPUT, "module '%s' of the co-run trace has no solo trace",
					  names[a]);
		slow[a] = module_time(corun, ids[a]) / alone;
		if (slow[a] < 1.0)
			slow[a] = 1.0; /* faster together is noise, not negative interference */
	}
	for (int a = 0; a < nm; a++) {
		int ia = model_im_index(m, names[a], 1);
		if (ia < 0)
			return mo_err_set(err, MO_EINPUT, "matrix full (%d modules)", MODEL_IM_MAX);
		for (int b = 0; b < nm; b++) {
			int ib = model_im_index(m, names[b], 1);
			if (ib < 0)
				return mo_err_set(err, MO_EINPUT, "matrix full (%d modules)", MODEL_IM_MAX);
			if (a != b)
				m->slow[ia][ib] = slow[a];
		}
	}
	if (!m->gpu[0] && corun->header.gpu_name)
		snprintf(m->gpu, sizeof(m->gpu), "%s", corun->header.gpu_name);
	return 0;
}

double model_im_slowdown(const struct model_interference_matrix *m, const char *a, const char *b,
			 const struct model_gpu *gpu, double own_gbps, double others_gbps)
{
	if (m && a && b) {
		int ia = model_im_index((struct model_interference_matrix *)m, a, 0);
		int ib = model_im_index((struct model_interference_matrix *)m, b, 0);
		if (ia >= 0 && ib >= 0)
			return m->slow[ia][ib];
	}
	return model_interference(gpu, own_gbps, others_gbps);
}
