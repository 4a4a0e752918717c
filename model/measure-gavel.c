/*
 * measure-gavel.c - the reader of Gavel's co-location throughputs
 * (stanford-futuredata/gavel, physical_cluster_throughputs.json, as copied
 * in ../shared/external-measurements/gavel): training jobs alone and in
 * pairs on one GPU under MPS (no thread limits), in steps per second.
 *
 * Read: the "v100" table (the only GPU of the file in the registry; taken as
 * v100-sxm2: Gavel's V100s are not further described), single-GPU jobs
 * (scale factor 1).  A job "ResNet-50 (batch size N)" is resnet50 in
 * mode=train at batch N, fp32 (Gavel's ImageNet training script; image
 * 224), launched eager (gavel c4fa400 workloads/pytorch/image_classification/
 * imagenet/main.py: a plain PyTorch loop, lines 274-303).  Rows: the job alone on the whole GPU (time = 1 / solo steps/s), and
 * the job beside each single-GPU partner (mechanism mps at 100 %,
 * busy=<partner>, time = 1 / its co-located steps/s, whole_time = the solo
 * time).  The evaluation takes the unknown partner as a twin sharing the
 * SMs and DRAM (model.h, "Evaluation"): these rows check that term.  Jobs
 * without a synthesiser, multi-GPU jobs, pairs of 0 throughput (not run)
 * and the other GPU tables are counted in skipped items.  Every pair of
 * single-GPU jobs of the table (synthesisable or not, each pair once, a job
 * beside itself included) also gives a measured co-location gain
 * (model_meas_add_gain): its two co-located throughputs over their solo
 * ones, summed.  Left out: pairs that did not run (0), and pairs where a
 * co-located throughput is bitwise the job's solo one, which the file holds
 * for 48 of its 330 single-GPU pairs (ResNet-18 b16 beside every partner,
 * for one): a copy of the solo figure, not a measurement of the pair.
 */
#include "model/model.h"
#include "model/measure-internal.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The batch of "('ResNet-50 (batch size N)', 1)"; 0 for other jobs. */
static int resnet50_batch(const char *key, int *scale)
{
	int batch = 0;

	*scale = 0;
	if (sscanf(key, "('ResNet-50 (batch size %d)', %d)", &batch, scale) != 2)
		return 0;
	return batch > 0 ? batch : 0;
}

/* "('LM (batch size 20)', 1)" -> "LM-b20"; labels of [A-Za-z0-9._+-]. */
static void label_of(const char *key, char *out, size_t size)
{
	size_t n = 0;
	int dash = 0;

	for (const char *p = key; *p && n + 1 < size; p++) {
		if (*p == ',')
			break;
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '.' || *p == '-') {
			if (dash && n && out[n - 1] != '-' && n + 2 < size)
				out[n++] = '-';
			out[n++] = *p;
			dash = 0;
		} else {
			dash = 1;
		}
	}
	out[n] = '\0';
}

static void row_init(struct model_meas *m, const char *path, const char *job, int batch)
{
	memset(m, 0, sizeof(*m));
	snprintf(m->where, sizeof(m->where), "%.200s: v100 %.100s", path, job);
	m->kind = MODEL_MEAS_KIND_MODEL;
	m->op.dtype = MODEL_FP32;
	snprintf(m->model, sizeof(m->model), "resnet50");
	m->batch = batch;
	m->train = 1;
	snprintf(m->gpu, sizeof(m->gpu), "v100-sxm2");
	m->copies = 1;
	m->launch = MODEL_MEAS_LAUNCH_EAGER;
	snprintf(m->note, sizeof(m->note), "PyTorch ImageNet training, fp32; V100 variant not stated");
}

/* The rows of one job of the v100 table. */
static int read_job(struct model_meas_set *s, const char *path, const char *job, json_t *entry,
		    int batch, int *not_run, struct mo_err *err)
{
	json_t *solo = json_object_get(entry, "null"), *v;
	const char *partner;
	struct model_meas m;
	double solo_ns;
	int rc;

	if (!json_is_number(solo) || !(json_number_value(solo) > 0))
		return mo_err_set(err, MO_EINPUT, "'%s': v100 %s: no solo throughput", path, job);
	solo_ns = 1e9 / json_number_value(solo);
	row_init(&m, path, job, batch);
	m.mech = MODEL_MECH_WHOLE;
	m.ns = solo_ns;
	if ((rc = model_meas_add(s, &m, err)) < 0)
		return rc;
	json_object_foreach(entry, partner, v) {
		json_t *t = json_array_get(v, 0);
		if (!strcmp(partner, "null"))
			continue;
		if (!json_is_number(t) || json_number_value(t) < 0)
			return mo_err_set(err, MO_EINPUT, "'%s': v100 %s with %s: not [throughput, ...]",
					  path, job, partner);
		if (strstr(partner, "', 1)") == NULL)
			continue; /* multi-GPU partner */
		if (json_number_value(t) == 0) { /* the pair did not run (out of memory) */
			(*not_run)++;
			continue;
		}
		row_init(&m, path, job, batch);
		snprintf(m.where + strlen(m.where), sizeof(m.where) - strlen(m.where), " with %.100s",
			 partner);
		m.mech = MODEL_MECH_MPS;
		m.pct = 100;
		label_of(partner, m.busy, sizeof(m.busy));
		m.ns = 1e9 / json_number_value(t);
		m.whole_ns = solo_ns;
		if ((rc = model_meas_add(s, &m, err)) < 0)
			return rc;
	}
	return 0;
}

static double solo_of(json_t *entry)
{
	return json_is_object(entry) ? json_number_value(json_object_get(entry, "null")) : 0;
}

/* The co-location gain of every pair of single-GPU jobs of table, once. */
static int add_gains(struct model_meas_set *s, json_t *table, struct mo_err *err)
{
	const char *a, *b;
	json_t *ea, *pr;

	json_object_foreach(table, a, ea) {
		double sa = solo_of(ea);
		if (!strstr(a, "', 1)") || !(sa > 0))
			continue;
		json_object_foreach(ea, b, pr) {
			json_t *eb = json_object_get(table, b);
			double sb = solo_of(eb), ta, tb;
			int rc;
			if (!strcmp(b, "null") || !strstr(b, "', 1)") || !(sb > 0))
				continue;
			if (strcmp(a, b) > 0 && json_object_get(eb, a))
				continue; /* counted from b's entry */
			ta = json_number_value(json_array_get(pr, 0));
			tb = json_number_value(json_array_get(pr, 1));
			if (!(ta > 0) || !(tb > 0) || ta == sa || tb == sb)
				continue; /* not run, or a copy of the solo figure */
			if ((rc = model_meas_add_gain(s, ta / sa + tb / sb, err)) < 0)
				return rc;
		}
	}
	return 0;
}

int meas_import_gavel(struct model_meas_set *s, const char *path, struct mo_err *err)
{
	const struct model_json j = {"Gavel table", path, err};
	json_t *root, *gpu, *entry;
	const char *gname, *job;
	int other = 0, multi = 0, not_run = 0;
	int rc = model_json_load(&j, MODEL_MEAS_MAX_BYTES, 0, &root);
	char why[160];

	if (rc < 0)
		return rc;
	if (!json_is_object(root)) {
		json_decref(root);
		return model_json_fail(&j, "", "not a JSON object");
	}
	json_object_foreach(root, gname, gpu) {
		if (rc < 0)
			break;
		if (strcmp(gname, "v100")) {
			snprintf(why, sizeof(why), "gavel table '%.40s': GPU not in the registry or a "
				 "duplicate (_unconsolidated) table", gname);
			if ((rc = model_meas_add_skip(s, path, why, err)) < 0)
				break;
			continue;
		}
		json_object_foreach(gpu, job, entry) {
			int scale, batch = resnet50_batch(job, &scale);
			if (!json_is_object(entry)) {
				rc = mo_err_set(err, MO_EINPUT, "'%s': v100 %s: not an object", path, job);
				break;
			}
			if (!strstr(job, "', 1)")) {
				multi++;
				continue;
			}
			if (!batch) {
				other++;
				continue;
			}
			if ((rc = read_job(s, path, job, entry, batch, &not_run, err)) < 0)
				break;
		}
		if (rc >= 0)
			rc = add_gains(s, gpu, err);
	}
	json_decref(root);
	if (rc < 0)
		return rc;
	snprintf(why, sizeof(why), "gavel v100: %d single-GPU job types without a synthesiser, "
		 "%d multi-GPU jobs, %d ResNet-50 pairs not run (0 throughput)", other, multi, not_run);
	return model_meas_add_skip(s, path, why, err);
}
