/*
 * curve.c - module scaling curves: sampling, interpolation, the kernel-level
 * curve of a trace and the regression fitted to profiles at several quotas.
 */
#include "model/model.h"
#include "model/model-internal.h"

#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static int64_t interp(const struct model_curve *c, const int64_t *v, int quota)
{
	if (c->n <= 0)
		return 0;
	if (quota <= c->quota[0]) {
		/* below the first sample: the time grows like 1 / quota */
		if (quota <= 0)
			quota = 1;
		return (int64_t)llround((double)v[0] * c->quota[0] / quota);
	}
	for (int i = 1; i < c->n; i++)
		if (quota <= c->quota[i]) {
			double f = (double)(quota - c->quota[i - 1]) / (c->quota[i] - c->quota[i - 1]);
			return (int64_t)llround(v[i - 1] + f * (double)(v[i] - v[i - 1]));
		}
	return v[c->n - 1];
}

int64_t model_curve_fwd_ns(const struct model_curve *c, int quota)
{
	return interp(c, c->fwd_ns, quota);
}

int64_t model_curve_bwd_ns(const struct model_curve *c, int quota)
{
	return interp(c, c->bwd_ns, quota);
}

/* ---- traces: modules, phases, partitions ---- */

static const char *rec_name_of(const struct trace_mem *t, enum trace_kind kind, int id)
{
	for (size_t i = 0; i < t->n; i++) {
		const struct trace_record *r = &t->recs[i];
		if (r->kind != kind)
			continue;
		if (kind == TRACE_KIND_MODULE && r->u.module.id == id)
			return r->u.module.name;
		if (kind == TRACE_KIND_PHASE && r->u.phase.id == id)
			return r->u.phase.name;
	}
	return NULL;
}

int model_trace_module_id(const struct trace_mem *t, const char *name)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->recs[i].kind == TRACE_KIND_MODULE && t->recs[i].u.module.name &&
		    !strcasecmp(t->recs[i].u.module.name, name))
			return (int)t->recs[i].u.module.id;
	return -1;
}

int model_trace_phase_is_backward(const struct trace_mem *t, int phase)
{
	const char *n = phase >= 0 ? rec_name_of(t, TRACE_KIND_PHASE, phase) : NULL;

	if (!n)
		return 0;
	return strcasestr(n, "backward") || strcasestr(n, "bwd") || strcasestr(n, "optim") ||
	       strcasestr(n, "grad") || !strcasecmp(n, "step");
}

const char *model_trace_module_name(const struct trace_mem *t, int id)
{
	return rec_name_of(t, TRACE_KIND_MODULE, id);
}

const char *model_trace_phase_name(const struct trace_mem *t, int id)
{
	return rec_name_of(t, TRACE_KIND_PHASE, id);
}

int model_trace_kernel_sms(const struct trace_mem *t, const struct trace_kernel *k,
		      const struct model_gpu *gpu)
{
	if (k->partition >= 0)
		for (size_t i = 0; i < t->n; i++) {
			const struct trace_record *r = &t->recs[i];
			if (r->kind == TRACE_KIND_PARTITION && r->u.partition.id == k->partition &&
			    (r->u.partition.device == k->device || r->u.partition.device < 0) &&
			    r->u.partition.sms > 0)
				return (int)r->u.partition.sms;
		}
	if (t->header.quota_sms > 0)
		return (int)t->header.quota_sms;
	return gpu->sms;
}

int model_tindex_build(const struct trace_mem *t, struct model_tindex *ix)
{
	int maxph = -1, maxpart = -1;

	memset(ix, 0, sizeof(*ix));
	for (size_t i = 0; i < t->n; i++) {
		const struct trace_record *r = &t->recs[i];
		if (r->kind == TRACE_KIND_PHASE && r->u.phase.id > maxph && r->u.phase.id < 65536)
			maxph = (int)r->u.phase.id;
		if (r->kind == TRACE_KIND_PARTITION && r->u.partition.id > maxpart &&
		    r->u.partition.id < 65536)
			maxpart = (int)r->u.partition.id;
	}
	ix->nphase = maxph + 1;
	ix->npart = maxpart + 1;
	ix->bwd = calloc((size_t)ix->nphase + 1, 1);
	ix->part_sms = calloc((size_t)ix->npart + 1, sizeof(int));
	if (!ix->bwd || !ix->part_sms) {
		model_tindex_release(ix);
		return -MO_ENOMEM;
	}
	for (int p = 0; p < ix->nphase; p++)
		ix->bwd[p] = (unsigned char)model_trace_phase_is_backward(t, p);
	for (size_t i = 0; i < t->n; i++) {
		const struct trace_record *r = &t->recs[i];
		if (r->kind == TRACE_KIND_PARTITION && r->u.partition.id >= 0 &&
		    r->u.partition.id < ix->npart && r->u.partition.sms > 0 &&
		    !ix->part_sms[r->u.partition.id])
			ix->part_sms[r->u.partition.id] = (int)r->u.partition.sms;
	}
	return 0;
}

void model_tindex_release(struct model_tindex *ix)
{
	free(ix->bwd);
	free(ix->part_sms);
	memset(ix, 0, sizeof(*ix));
}

int model_tindex_is_bwd(const struct model_tindex *ix, int phase)
{
	return phase >= 0 && phase < ix->nphase && ix->bwd[phase];
}

int model_tindex_kernel_sms(const struct model_tindex *ix, const struct trace_mem *t,
			    const struct trace_kernel *k, const struct model_gpu *gpu)
{
	if (k->partition >= 0 && k->partition < ix->npart && ix->part_sms[k->partition] > 0)
		return ix->part_sms[k->partition];
	if (t->header.quota_sms > 0)
		return (int)t->header.quota_sms;
	return gpu->sms;
}

/* The microbatches the module's kernels belong to: distinct (step,
 * microbatch) pairs.  Kernels outside any microbatch (microbatch < 0: the
 * optimizer, once per step) add no pair; they are counted only when no
 * kernel has a microbatch (a trace without that attribution: one pair per
 * step). */
static int count_pairs(const struct trace_mem *t, int module)
{
	int64_t *seen = NULL;
	int n = 0, with_mb = 0;
	size_t cap = 0;

	for (size_t i = 0; i < t->n; i++)
		if (t->recs[i].kind == TRACE_KIND_KERNEL && t->recs[i].u.kernel.microbatch >= 0 &&
		    (module < 0 || t->recs[i].u.kernel.module == module))
			with_mb = 1;
	for (size_t i = 0; i < t->n; i++) {
		const struct trace_kernel *k = &t->recs[i].u.kernel;
		int64_t key;
		int j;
		if (t->recs[i].kind != TRACE_KIND_KERNEL || (module >= 0 && k->module != module) ||
		    (with_mb && k->microbatch < 0))
			continue;
		key = ((k->step + 1) << 32) ^ (k->microbatch + 1);
		for (j = 0; j < n; j++)
			if (seen[j] == key)
				break;
		if (j < n)
			continue;
		if (MO_GROW(seen, (size_t)n + 1, cap) < 0)
			break;
		seen[n++] = key;
	}
	free(seen);
	return n > 0 ? n : 1;
}

static int module_label(const struct trace_mem *t, int module, char *buf, size_t size)
{
	const char *n = module >= 0 ? rec_name_of(t, TRACE_KIND_MODULE, module) : NULL;

	if (module < 0)
		return snprintf(buf, size, "(all kernels)");
	return n ? snprintf(buf, size, "%s", n) : snprintf(buf, size, "#%d", module);
}

static int set_quotas(const struct model_gpu *gpu, const int *quotas, int nq,
		      struct model_curve *out, struct mo_err *err)
{
	memset(out, 0, sizeof(*out));
	if (!quotas || nq <= 0) {
		out->n = model_quota_list(gpu, out->quota, MODEL_CURVE_MAX);
		return 0;
	}
	if (nq > MODEL_CURVE_MAX)
		return mo_err_set(err, MO_EINPUT, "too many quotas (%d, at most %d)", nq,
				  MODEL_CURVE_MAX);
	for (int i = 0; i < nq; i++) {
		if (model_quota_check(gpu, quotas[i], err) < 0)
			return -MO_EINPUT;
		if (i && quotas[i] <= quotas[i - 1])
			return mo_err_set(err, MO_EINPUT, "quotas must increase (%d after %d)",
					  quotas[i], quotas[i - 1]);
		out->quota[i] = quotas[i];
	}
	out->n = nq;
	return 0;
}

static int curve_kernels(const struct trace_mem *t, const struct model_gpu *gpu, int module,
			 const int *quotas, int nq, struct model_curve *out, int baseline,
			 struct mo_err *err)
{
	double fwd[MODEL_CURVE_MAX], bwd[MODEL_CURVE_MAX], bytes = 0;
	struct model_tindex ix;
	size_t nk = 0;
	int pairs, rc;

	rc = set_quotas(gpu, quotas, nq, out, err);
	if (rc < 0)
		return rc;
	if (model_tindex_build(t, &ix) < 0)
		return mo_err_set(err, MO_ENOMEM, "out of memory");
	memset(fwd, 0, sizeof(fwd));
	memset(bwd, 0, sizeof(bwd));
	for (size_t i = 0; i < t->n; i++) {
		const struct trace_kernel *k = &t->recs[i].u.kernel;
		struct trace_kernel kc;
		int rec_sms, is_bwd;
		if (t->recs[i].kind != TRACE_KIND_KERNEL || (module >= 0 && k->module != module))
			continue;
		nk++;
		rec_sms = model_tindex_kernel_sms(&ix, t, k, gpu);
		is_bwd = model_tindex_is_bwd(&ix, (int)k->phase);
		if (k->kclass < 0 || k->kclass >= TRACE_CLASS_COUNT) {
			kc = *k; /* classify once, not at every quota */
			kc.kclass = model_classify(k);
			k = &kc;
		}
		for (int q = 0; q < out->n; q++) {
			struct model_quota_pred p;
			model_kernel_predict_at_quota(gpu, k, rec_sms, out->quota[q], &p);
			if (q == 0)
				bytes += p.dram_bytes;
			(is_bwd ? bwd : fwd)[q] += (double)(baseline ? p.baseline_ns : p.ns);
		}
	}
	model_tindex_release(&ix);
	if (nk == 0) {
		char label[80];
		module_label(t, module, label, sizeof(label));
		return mo_err_set(err, MO_EINPUT, "module '%s' has no kernels in the trace", label);
	}
	pairs = count_pairs(t, module);
	for (int q = 0; q < out->n; q++) {
		double total = fwd[q] + bwd[q];
		out->fwd_ns[q] = (int64_t)llround(fwd[q] / pairs);
		out->bwd_ns[q] = (int64_t)llround(bwd[q] / pairs);
		out->dram_gbps[q] = total > 0 ? bytes / total : 0; /* bytes per ns = GB/s */
	}
	return 0;
}

int model_curve_from_trace(const struct trace_mem *t, const struct model_gpu *gpu, int module,
			   const int *quotas, int nq, struct model_curve *out, struct mo_err *err)
{
	return curve_kernels(t, gpu, module, quotas, nq, out, 0, err);
}

int model_curve_from_trace_baseline(const struct trace_mem *t, const struct model_gpu *gpu,
				    int module, const int *quotas, int nq, struct model_curve *out,
				    struct mo_err *err)
{
	return curve_kernels(t, gpu, module, quotas, nq, out, 1, err);
}

/* ---- the regression t(q) = a + b / q + c q ---- */

/* Solve the k x k system m x = v (k <= 3) by Gaussian elimination. */
static int solve(double m[3][3], double v[3], int k, double x[3])
{
	for (int c = 0; c < k; c++) {
		int p = c;
		for (int r = c + 1; r < k; r++)
			if (fabs(m[r][c]) > fabs(m[p][c]))
				p = r;
		if (fabs(m[p][c]) < 1e-300)
			return -1;
		for (int j = 0; j < k; j++) {
			double tmp = m[c][j];
			m[c][j] = m[p][j];
			m[p][j] = tmp;
		}
		{
			double tmp = v[c];
			v[c] = v[p];
			v[p] = tmp;
		}
		for (int r = c + 1; r < k; r++) {
			double f = m[r][c] / m[c][c];
			for (int j = c; j < k; j++)
				m[r][j] -= f * m[c][j];
			v[r] -= f * v[c];
		}
	}
	for (int r = k - 1; r >= 0; r--) {
		double s = v[r];
		for (int j = r + 1; j < k; j++)
			s -= m[r][j] * x[j];
		x[r] = s / m[r][r];
	}
	return 0;
}

double model_curve_fit_eval(const struct model_curve_fit *f, double q)
{
	if (q <= 0)
		q = 1;
	return f->a + f->b / q + f->c * q;
}

int model_curve_fit(const int *quota, const double *ns, int n, struct model_curve_fit *o,
		    struct mo_err *err)
{
	double m[3][3] = { { 0 } }, v[3] = { 0 }, x[3] = { 0 };
	int k;

	memset(o, 0, sizeof(*o));
	if (n <= 0)
		return mo_err_set(err, MO_EINPUT, "no profiles to fit");
	for (int i = 0; i < n; i++) {
		if (quota[i] <= 0)
			return mo_err_set(err, MO_EINPUT, "profile %d: quota %d", i, quota[i]);
		for (int j = 0; j < i; j++)
			if (quota[j] == quota[i])
				return mo_err_set(err, MO_EINPUT, "two profiles at quota %d", quota[i]);
	}
	o->n = n;
	if (n == 1) {
		o->a = ns[0];
		return 0;
	}
	k = n >= 3 ? 3 : 2;
	/* scale q by 100 to keep the system well conditioned */
	for (int i = 0; i < n; i++) {
		double q = quota[i] / 100.0, f[3] = { 1.0, 1.0 / q, q };
		for (int r = 0; r < k; r++) {
			for (int c = 0; c < k; c++)
				m[r][c] += f[r] * f[c];
			v[r] += f[r] * ns[i];
		}
	}
	if (solve(m, v, k, x) < 0)
		return mo_err_set(err, MO_EINPUT, "profiles do not determine a curve");
	o->a = x[0];
	o->b = x[1] * 100.0;
	o->c = k == 3 ? x[2] / 100.0 : 0;
	for (int i = 0; i < n; i++) {
		double r = fabs(model_curve_fit_eval(o, quota[i]) - ns[i]) / (ns[i] > 0 ? ns[i] : 1);
		if (r > o->max_rel_err)
			o->max_rel_err = r;
	}
	return 0;
}

int model_curve_from_profiles(const struct trace_mem *const *traces, int ntraces,
			      const struct model_gpu *gpu, const char *module, const int *quotas,
			      int nq, struct model_curve *out, struct model_curve_fit *fit_fwd,
			      struct model_curve_fit *fit_bwd, struct mo_err *err)
{
	int q[MODEL_CURVE_MAX];
	double f[MODEL_CURVE_MAX], b[MODEL_CURVE_MAX];
	int rc;

	if (ntraces <= 0)
		return mo_err_set(err, MO_EINPUT, "no profiles");
	if (ntraces > MODEL_CURVE_MAX)
		return mo_err_set(err, MO_EINPUT, "too many profiles (%d, at most %d)", ntraces,
				  MODEL_CURVE_MAX);
	for (int i = 0; i < ntraces; i++) {
		const struct trace_mem *t = traces[i];
		int mod = -1, pairs;
		size_t nk = 0;
		if (module) {
			mod = model_trace_module_id(t, module);
			if (mod < 0)
				return mo_err_set(err, MO_EINPUT, "profile %d ('%s'): no module '%s'", i,
						  t->header.origin ? t->header.origin : "", module);
		}
		q[i] = t->header.quota_sms > 0 ? (int)t->header.quota_sms : gpu->sms;
		f[i] = b[i] = 0;
		for (size_t j = 0; j < t->n; j++) {
			const struct trace_kernel *k = &t->recs[j].u.kernel;
			if (t->recs[j].kind != TRACE_KIND_KERNEL || (mod >= 0 && k->module != mod))
				continue;
			nk++;
			if (model_trace_phase_is_backward(t, (int)k->phase))
				b[i] += (double)(k->end_ns - k->start_ns);
			else
				f[i] += (double)(k->end_ns - k->start_ns);
		}
		if (!nk)
			return mo_err_set(err, MO_EINPUT, "profile %d: module '%s' has no kernels", i,
					  module ? module : "(all kernels)");
		pairs = count_pairs(t, mod);
		f[i] /= pairs;
		b[i] /= pairs;
	}
	rc = model_curve_fit(q, f, ntraces, fit_fwd, err);
	if (rc == 0)
		rc = model_curve_fit(q, b, ntraces, fit_bwd, err);
	if (rc < 0)
		return rc;
	rc = set_quotas(gpu, quotas, nq, out, err);
	if (rc < 0)
		return rc;
	for (int i = 0; i < out->n; i++) {
		double fv = model_curve_fit_eval(fit_fwd, out->quota[i]);
		double bv = model_curve_fit_eval(fit_bwd, out->quota[i]);
		out->fwd_ns[i] = fv > 0 ? (int64_t)llround(fv) : 0;
		out->bwd_ns[i] = bv > 0 ? (int64_t)llround(bv) : 0;
	}
	return 0;
}
