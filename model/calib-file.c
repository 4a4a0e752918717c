/*
 * calib-file.c - what `mosaic model calibrate -o FILE` fits, as a file the
 * planner reads back (`plan --calibration FILE`).  The format is in model.h
 * (struct model_calibration); this file writes it and reads it strictly:
 * unknown fields, wrong types, out-of-range numbers and another format or
 * version are refused with the file and the JSON path.
 */
#include "model/model-internal.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---- writing ---------------------------------------------------------- */

static json_t *fit_json(const struct model_curve_fit *f)
{
	return json_pack("{s:f, s:f, s:f, s:i, s:f}", "a", f->a, "b", f->b, "c", f->c, "n", f->n,
			 "max_rel_err", f->max_rel_err);
}

static json_t *module_json(const struct model_calib_module *m)
{
	json_t *q = json_array(), *f = json_array(), *b = json_array();
	json_t *o = json_pack("{s:s, s:i, s:s, s:i, s:o, s:o}", "name", m->name,
			      "microbatch", m->microbatch,
			      "source", m->source == TRACE_SOURCE_SIMULATED ? "simulated" : "measured",
			      "profiles", m->profiles, "forward_fit", fit_json(&m->fwd),
			      "backward_fit", fit_json(&m->bwd));

	for (int i = 0; i < m->curve.n; i++) {
		json_array_append_new(q, json_integer(m->curve.quota[i]));
		json_array_append_new(f, json_integer(m->curve.fwd_ns[i]));
		json_array_append_new(b, json_integer(m->curve.bwd_ns[i]));
	}
	json_object_set_new(o, "quota", q);
	json_object_set_new(o, "forward_ns", f);
	json_object_set_new(o, "backward_ns", b);
	return o;
}

static json_t *gemm_json(const struct model_calib_gemm *g)
{
	return json_pack("{s:s, s:f, s:f, s:[f, f], s:i, s:i, s:f}", "gpu", g->gpu,
			 "simt_eff", g->fit.simt_eff, "k0", g->fit.k0, "overhead_ns",
			 g->fit.overhead_ns[0], g->fit.overhead_ns[1], "train", g->train, "test",
			 g->test, "test_median_ape", g->test_median_ape);
}

json_t *model_calibration_json(const struct model_calibration *c)
{
	json_t *mods = json_array(), *gemm = json_array();

	for (int i = 0; i < c->n_modules; i++)
		json_array_append_new(mods, module_json(&c->modules[i]));
	for (int i = 0; i < c->n_gemm; i++)
		json_array_append_new(gemm, gemm_json(&c->gemm[i]));
	return json_pack("{s:s, s:i, s:s, s:o, s:o}", "format", MODEL_CALIB_FORMAT, "version",
			 MODEL_CALIB_VERSION, "gpu", c->gpu, "modules", mods, "gemm", gemm);
}

int model_calibration_save(const struct model_calibration *c, const char *path, struct mo_err *err)
{
	json_t *root = model_calibration_json(c);
	struct mo_outfile f;
	int rc;

	if (!root)
		return mo_err_set(err, MO_ENOMEM, "out of memory");
	if ((rc = mo_outfile_open(&f, path, err)) < 0) {
		json_decref(root);
		return rc;
	}
	if (json_dumpf(root, f.fp, JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0 || fputc('\n', f.fp) == EOF) {
		json_decref(root);
		mo_outfile_abort(&f);
		return mo_err_set(err, MO_EIO, "cannot write '%s'", path);
	}
	json_decref(root);
	return mo_outfile_commit(&f, err);
}

/* ---- reading ---------------------------------------------------------- */

static int read_fit(const struct model_json *r, const char *where, json_t *o, struct model_curve_fit *f)
{
	static const char *const keys[] = {"a", "b", "c", "n", "max_rel_err", NULL};
	int64_t n;
	int rc;

	if ((rc = model_json_keys(r, o, where, keys)) < 0 || (rc = model_json_num(r, o, where, "a", -1e15, 1e15, &f->a)) < 0 ||
	    (rc = model_json_num(r, o, where, "b", -1e18, 1e18, &f->b)) < 0 ||
	    (rc = model_json_num(r, o, where, "c", -1e15, 1e15, &f->c)) < 0 ||
	    (rc = model_json_int(r, o, where, "n", 0, MODEL_CURVE_MAX, &n)) < 0 ||
	    (rc = model_json_num(r, o, where, "max_rel_err", 0, 1e6, &f->max_rel_err)) < 0)
		return rc;
	f->n = (int)n;
	return 0;
}

/* quota, forward_ns, backward_ns: arrays of one length, quotas increasing. */
static int read_curve(const struct model_json *r, const char *where, json_t *o, struct model_curve *c)
{
	json_t *q = json_object_get(o, "quota"), *f = json_object_get(o, "forward_ns");
	json_t *b = json_object_get(o, "backward_ns");
	size_t n = json_array_size(q);
	char at[200];

	if (!json_is_array(q) || !json_is_array(f) || !json_is_array(b) || n < 1 ||
	    n > MODEL_CURVE_MAX || json_array_size(f) != n || json_array_size(b) != n) {
		snprintf(at, sizeof at, "%s.quota", where);
		return model_json_fail(r, at, "quota, forward_ns and backward_ns must be arrays of one length "
			   "(1 to 64)");
	}
	memset(c, 0, sizeof *c);
	for (size_t i = 0; i < n; i++) {
		json_t *v[3] = {json_array_get(q, i), json_array_get(f, i), json_array_get(b, i)};
		static const char *const names[3] = {"quota", "forward_ns", "backward_ns"};
		for (int k = 0; k < 3; k++) {
			int64_t x = json_is_integer(v[k]) ? json_integer_value(v[k]) : -1;
			snprintf(at, sizeof at, "%s.%s[%zu]", where, names[k], i);
			if (x < (k == 0 ? 1 : 0) || x > (k == 0 ? 100000 : (int64_t)1e15))
				return model_json_fail(r, at, "%s", k == 0 ? "expected a positive integer"
						   : "expected an integer >= 0");
			if (k == 0 && i > 0 && x <= c->quota[i - 1])
				return model_json_fail(r, at, "quotas must increase");
			if (k == 0)
				c->quota[i] = (int)x;
			else if (k == 1)
				c->fwd_ns[i] = x;
			else
				c->bwd_ns[i] = x;
		}
	}
	c->n = (int)n;
	return 0;
}

static int read_module(const struct model_json *r, json_t *o, size_t i, struct model_calib_module *m)
{
	static const char *const keys[] = {"name", "microbatch", "source", "profiles", "forward_fit",
					   "backward_fit", "quota", "forward_ns", "backward_ns", NULL};
	char where[64], at[96], src[16];
	int64_t mb, np;
	int rc;

	snprintf(where, sizeof where, "modules[%zu]", i);
	if ((rc = model_json_keys(r, o, where, keys)) < 0 ||
	    (rc = model_json_str(r, o, where, "name", m->name, sizeof m->name)) < 0 ||
	    (rc = model_json_int(r, o, where, "microbatch", 0, 1 << 24, &mb)) < 0 ||
	    (rc = model_json_str(r, o, where, "source", src, sizeof src)) < 0 ||
	    (rc = model_json_int(r, o, where, "profiles", 0, 100000, &np)) < 0)
		return rc;
	if (!m->name[0])
		return model_json_fail(r, where, "empty module name");
	if (strcmp(src, "measured") && strcmp(src, "simulated")) {
		snprintf(at, sizeof at, "%s.source", where);
		return model_json_fail(r, at, "expected \"measured\" or \"simulated\"");
	}
	m->source = strcmp(src, "simulated") ? TRACE_SOURCE_MEASURED : TRACE_SOURCE_SIMULATED;
	m->microbatch = (int)mb, m->profiles = (int)np;
	snprintf(at, sizeof at, "%s.forward_fit", where);
	if ((rc = read_fit(r, at, json_object_get(o, "forward_fit"), &m->fwd)) < 0)
		return rc;
	snprintf(at, sizeof at, "%s.backward_fit", where);
	if ((rc = read_fit(r, at, json_object_get(o, "backward_fit"), &m->bwd)) < 0)
		return rc;
	return read_curve(r, where, o, &m->curve);
}

static int read_gemm(const struct model_json *r, json_t *o, size_t i, struct model_calib_gemm *g)
{
	static const char *const keys[] = {"gpu", "simt_eff", "k0", "overhead_ns", "train", "test",
					   "test_median_ape", NULL};
	json_t *ov = json_object_get(o, "overhead_ns");
	char where[64], at[96];
	int64_t tr, te;
	int rc;

	snprintf(where, sizeof where, "gemm[%zu]", i);
	if ((rc = model_json_keys(r, o, where, keys)) < 0 ||
	    (rc = model_json_str(r, o, where, "gpu", g->gpu, sizeof g->gpu)) < 0 ||
	    (rc = model_json_num(r, o, where, "simt_eff", 1e-3, 1, &g->fit.simt_eff)) < 0 ||
	    (rc = model_json_num(r, o, where, "k0", 0, 1e6, &g->fit.k0)) < 0 ||
	    (rc = model_json_int(r, o, where, "train", 0, 1 << 30, &tr)) < 0 ||
	    (rc = model_json_int(r, o, where, "test", 0, 1 << 30, &te)) < 0 ||
	    (rc = model_json_num(r, o, where, "test_median_ape", 0, 1e6, &g->test_median_ape)) < 0)
		return rc;
	if (!g->gpu[0])
		return model_json_fail(r, where, "empty gpu name");
	snprintf(at, sizeof at, "%s.overhead_ns", where);
	if (!json_is_array(ov) || json_array_size(ov) != 2 ||
	    !json_is_number(json_array_get(ov, 0)) || !json_is_number(json_array_get(ov, 1)))
		return model_json_fail(r, at, "expected two numbers (linear, bmm)");
	g->fit.overhead_ns[0] = json_number_value(json_array_get(ov, 0));
	g->fit.overhead_ns[1] = json_number_value(json_array_get(ov, 1));
	g->train = (int)tr, g->test = (int)te;
	return 0;
}

static int read_root(const struct model_json *r, json_t *root, struct model_calibration *c)
{
	static const char *const keys[] = {"format", "version", "gpu", "modules", "gemm", NULL};
	json_t *mods, *gemm, *fmt = json_object_get(root, "format");
	int64_t version;
	int rc;

	if ((rc = model_json_keys(r, root, "", keys)) < 0)
		return rc;
	if (!json_is_string(fmt) || strcmp(json_string_value(fmt), MODEL_CALIB_FORMAT))
		return model_json_fail(r, "format", "expected \"" MODEL_CALIB_FORMAT "\"");
	if ((rc = model_json_int(r, root, "", "version", 0, 1 << 30, &version)) < 0)
		return rc;
	if (version != MODEL_CALIB_VERSION)
		return model_json_fail(r, "", "version %lld: this mosaic reads version %d",
				       (long long)version, MODEL_CALIB_VERSION);
	if ((rc = model_json_str(r, root, "", "gpu", c->gpu, sizeof c->gpu)) < 0)
		return rc;
	if (!c->gpu[0])
		return model_json_fail(r, "gpu", "expected a non-empty string");
	mods = json_object_get(root, "modules");
	gemm = json_object_get(root, "gemm");
	if (!json_is_array(mods) || json_array_size(mods) > MODEL_CALIB_MAX)
		return model_json_fail(r, "modules", "expected an array of at most 32 modules");
	if (!json_is_array(gemm) || json_array_size(gemm) > MODEL_CALIB_MAX)
		return model_json_fail(r, "gemm", "expected an array of at most 32 fits");
	for (size_t i = 0; i < json_array_size(mods); i++, c->n_modules++)
		if ((rc = read_module(r, json_array_get(mods, i), i, &c->modules[i])) < 0)
			return rc;
	for (size_t i = 0; i < json_array_size(gemm); i++, c->n_gemm++)
		if ((rc = read_gemm(r, json_array_get(gemm, i), i, &c->gemm[i])) < 0)
			return rc;
	return 0;
}

int model_calibration_load(struct model_calibration *c, const char *path, struct mo_err *err)
{
	struct model_json r = {"calibration", path, err};
	json_t *root;
	int rc;

	memset(c, 0, sizeof *c);
	if ((rc = model_json_load(&r, MODEL_JSON_MAX_BYTES, JSON_REJECT_DUPLICATES, &root)) < 0)
		return rc;
	rc = read_root(&r, root, c);
	json_decref(root);
	if (rc < 0)
		memset(c, 0, sizeof *c);
	return rc;
}

int model_calibration_module(const struct model_calibration *c, const char *name)
{
	for (int i = 0; i < c->n_modules; i++)
		if (!strcmp(c->modules[i].name, name))
			return i;
	return -1;
}
