/*
 * measure-miso.c - the reader of the MISO training logs (socc22-miso, as
 * copied in ../shared/external-measurements/miso): per-iteration training
 * times of Keras/TensorFlow models on an A100 40GB in a MIG slice of 1g.5gb,
 * 2g.10gb, 3g.20gb, 4g.20gb or 7g.40gb (14, 28, 42, 56, 98 SMs).
 *
 * A folder holding batch.json and files <slice>_<model>_train<batch>.json
 * (a JSON object of measurement windows, each a list of iteration times in
 * seconds; the first of each list is warm-up and is dropped).  One row per
 * file: a named model in mode=train, batch from the name, time = the median
 * iteration time; whole_time = the 7g.40gb file of the same model and batch
 * (ref_sms 98).  Models: resnet = Keras ResNet-50 at 32x32 (CIFAR) input
 * (resnet50 image=32); bert = BERT-base fine-tuning (its sequence length is
 * not stated: skipped by the predictor with that reason); the others
 * (mobilenet, transformer, cyclegan, deepspeech2) have no synthesiser and
 * are skipped.  dtype tf32: TensorFlow runs fp32 matmuls as TF32 on A100 by
 * default.  The A100 40GB form factor is not stated (SXM assumed).  launch
 * executor: mps/models/resnet_train.py (socc22-miso 39b1ee6) trains with
 * Keras' model.fit (lines 140, 229), which runs each step as one
 * tf.function: TensorFlow's C++ executor issues the kernels (model.h,
 * MODEL_LAUNCH_EXECUTOR); the timed window (lines 183-186) is one step
 * from batch begin to batch end, whose logs Keras converts to numbers,
 * waiting for the GPU.
 */
#include "model/model.h"
#include "model/measure-internal.h"

#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *name;
	int sms;
} slices[] = { { "1g.5gb", 14 }, { "2g.10gb", 28 }, { "3g.20gb", 42 }, { "4g.20gb", 56 }, { "7g.40gb", 98 } };

/* The median iteration time (s) of a MISO log, warm-up dropped. */
static int median_of(const char *path, double *out, struct mo_err *err)
{
	const struct model_json j = {"MISO log", path, err};
	json_t *root, *v;
	const char *key;
	double *t = NULL;
	size_t n = 0, cap = 0;
	int rc = model_json_load(&j, MODEL_MEAS_MAX_BYTES, 0, &root);

	if (rc < 0)
		return rc;
	if (!json_is_object(root)) {
		json_decref(root);
		return model_json_fail(&j, "", "not a JSON object");
	}
	json_object_foreach(root, key, v) {
		size_t i;
		json_t *x;
		if (!json_is_array(v)) {
			rc = mo_err_set(err, MO_EINPUT, "'%s': window '%s' is not a list", path, key);
			goto out;
		}
		json_array_foreach(v, i, x) {
			if (!json_is_number(x) || !(json_number_value(x) > 0)) {
				rc = mo_err_set(err, MO_EINPUT, "'%s': window '%s' item %zu: not a time > 0",
						path, key, i);
				goto out;
			}
			if (i == 0)
				continue;
			if (MO_GROW(t, n + 1, cap) < 0) {
				rc = mo_err_set(err, MO_ENOMEM, "out of memory");
				goto out;
			}
			t[n++] = json_number_value(x);
		}
	}
	if (!n) {
		rc = mo_err_set(err, MO_EINPUT, "'%s': no iteration times after warm-up", path);
		goto out;
	}
	qsort(t, n, sizeof(*t), meas_cmp_double);
	*out = n % 2 ? t[n / 2] : 0.5 * (t[n / 2 - 1] + t[n / 2]);
out:
	free(t);
	json_decref(root);
	return rc;
}

/* One log file named <slice>_<model>_train<batch>.json; 1 when the name
 * does not have that form. */
static int read_log(struct model_meas_set *s, const char *dir, const char *name, struct mo_err *err)
{
	char slice[16], model[32], path[4096];
	struct model_meas m;
	int batch, sms = 0, rc;
	double med = 0;

	if (sscanf(name, "%15[^_]_%31[^_]_train%d.json", slice, model, &batch) != 3 || batch < 1)
		return 1;
	for (size_t i = 0; i < sizeof(slices) / sizeof(slices[0]); i++)
		if (!strcmp(slice, slices[i].name))
			sms = slices[i].sms;
	if (!sms)
		return 1;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((rc = median_of(path, &med, err)) < 0)
		return rc;
	memset(&m, 0, sizeof(m));
	snprintf(m.where, sizeof(m.where), "%.*s", (int)sizeof(m.where) - 1, path);
	m.kind = MODEL_MEAS_KIND_MODEL;
	m.op.dtype = MODEL_TF32;
	if (!strcmp(model, "resnet")) {
		snprintf(m.model, sizeof(m.model), "resnet50");
		m.image = 32;
	} else if (!strcmp(model, "bert")) {
		snprintf(m.model, sizeof(m.model), "bert-base");
	} else {
		snprintf(m.model, sizeof(m.model), "%s", model);
	}
	m.batch = batch;
	m.train = 1;
	snprintf(m.gpu, sizeof(m.gpu), "a100-40gb-sxm");
	m.mech = MODEL_MECH_MIG;
	m.sms = sms;
	m.copies = 1;
	m.ns = med * 1e9;
	m.ref_sms = 98;
	m.launch = MODEL_MEAS_LAUNCH_EXECUTOR; /* model.fit runs each step as a tf.function */
	snprintf(m.note, sizeof(m.note), "Keras/TensorFlow training, median iteration, tf32 assumed");
	return model_meas_add(s, &m, err);
}

int meas_import_miso(struct model_meas_set *s, const char *dir, struct mo_err *err)
{
	struct dirent **e = NULL;
	size_t n0 = s->n;
	int n = scandir(dir, &e, NULL, alphasort), rc = 0;

	if (n < 0)
		return mo_err_set(err, MO_EIO, "cannot read folder '%s'", dir);
	for (int i = 0; i < n; i++) {
		if (rc >= 0 && e[i]->d_name[0] != '.' && strcmp(e[i]->d_name, "batch.json"))
			rc = read_log(s, dir, e[i]->d_name, err);
		if (rc == 1) { /* not a log: partition_code.json, LICENSE */
			rc = 0;
		}
		free(e[i]);
	}
	free(e);
	if (rc < 0)
		return rc;
	for (size_t i = n0; i < s->n; i++)
		for (size_t j = n0; j < s->n; j++) {
			struct model_meas *a = &s->m[i], *b = &s->m[j];
			if (i != j && b->sms == 98 && !strcmp(a->model, b->model) && a->batch == b->batch)
				a->whole_ns = b->ns;
		}
	return 0;
}
