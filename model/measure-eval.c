/*
 * measure-eval.c - today's model against a measurement set: one prediction
 * per row, errors grouped by mechanism, kernel class, quota bin and co-run
 * (model.h, "Evaluation").
 */
#include "model/model.h"
#include "model/measure-internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *qbin_names[MODEL_MEAS_QBINS] = { "<=16", "17-32", "33-64", ">64", "whole" };

const char *model_meas_qbin_name(int bin)
{
	return bin >= 0 && bin < MODEL_MEAS_QBINS ? qbin_names[bin] : "?";
}

int model_meas_qbin(int sms, int gpu_sms)
{
	if (sms >= gpu_sms)
		return 4;
	return sms <= 16 ? 0 : sms <= 32 ? 1 : sms <= 64 ? 2 : 3;
}

void model_meas_report_init(struct model_meas_report *r)
{
	memset(r, 0, sizeof(*r));
}

void model_meas_report_release(struct model_meas_report *r)
{
	free(r->ev);
	model_meas_set_release(&r->skipped);
	free(r->groups);
	memset(r, 0, sizeof(*r));
}

int meas_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Statistics of the n signed errors e (scratch: n doubles). */
void meas_stats_of(const double *e, int n, double *scratch, struct model_meas_stats *out)
{
	double sum = 0;

	memset(out, 0, sizeof(*out));
	out->n = n;
	if (!n)
		return;
	for (int i = 0; i < n; i++) {
		scratch[i] = fabs(e[i]);
		sum += e[i];
	}
	qsort(scratch, (size_t)n, sizeof(double), meas_cmp_double);
	out->median = n % 2 ? scratch[n / 2] : 0.5 * (scratch[n / 2 - 1] + scratch[n / 2]);
	out->p90 = scratch[(int)ceil(0.9 * n) - 1];
	out->max = scratch[n - 1];
	out->mean = sum / n;
}

int model_meas_procs(const struct model_meas *m)
{
	return m->copies > 1 ? m->copies : m->mech == MODEL_MECH_MPS && m->busy[0] ? 2 : 1;
}

/* Predicted time of row m on sms SMs of g, n processes sharing them
 * (model_kernel_ns_shared); 0 or negative with err. */
static int predict(const struct model_meas *m, const struct model_gpu *g, int sms, int n,
		   model_meas_model_fn fn, void *ctx, double *ns, struct mo_err *err)
{
	struct model_op_pred p;
	int rc;

	if (m->kind == MODEL_MEAS_KIND_MODEL) {
		if (!fn)
			return mo_err_set(err, MO_EINPUT, "no predictor for named models");
		return fn(ctx, m, g, sms, n, ns, err);
	}
	rc = model_op_predict(g, &m->op, sms, &p, err);
	if (rc < 0)
		return rc;
	p.k.start_ns = 0;
	p.k.end_ns = p.ns;
	*ns = model_kernel_ns_shared(g, &p.k, sms, sms, n);
	return 0;
}

/*
 * The GPU row m runs on (*t) and its SMs there (*use).  MIG: the instance
 * of sms SMs as a GPU (its bandwidth, L2 and memory; busy neighbours in
 * other instances do not interfere).  The model_meas_procs(m) processes on
 * those SMs share them kernel by kernel (model_kernel_ns_shared, in
 * predict and the named-model predictor), not by splitting them.
 */
static int row_target(const struct model_meas *m, const struct model_gpu *g, int sms,
		      struct model_gpu *t, int *use, struct mo_err *err)
{
	if (m->mech == MODEL_MECH_MIG) {
		if (model_mig_instance(g, sms, t, err) < 0)
			return -MO_EINPUT;
		sms = t->sms;
	} else {
		*t = *g;
	}
	*use = sms;
	return 0;
}

/* The GPU the reference time of row m ran on (*t) and its SMs there (*use):
 * a MIG row's reference slice (ref_sms) is an instance too; else the whole
 * GPU, or ref_sms of it. */
static int ref_target(const struct model_meas *m, const struct model_gpu *g, struct model_gpu *t,
		      int *use, struct mo_err *err)
{
	int ref = m->ref_sms > 0 && m->ref_sms < g->sms ? m->ref_sms : g->sms;

	if (m->mech == MODEL_MECH_MIG && ref < g->sms) {
		if (model_mig_instance(g, ref, t, err) < 0)
			return -MO_EINPUT;
		*use = t->sms;
		return 0;
	}
	*t = *g;
	*use = ref;
	return 0;
}

/* One row into *e; 1 when it was evaluated, 0 when skipped (added to r). */
static int eval_row(const struct model_meas_set *s, size_t i, model_meas_model_fn fn, void *ctx,
		    struct model_meas_eval *e, struct model_meas_report *r, struct mo_err *err)
{
	const struct model_meas *m = &s->m[i];
	const struct model_gpu *g;
	struct model_gpu t;
	struct mo_err why;
	int sms, share;

	mo_err_clear(&why);
	memset(e, 0, sizeof(*e));
	g = model_gpu_find(m->gpu, &why);
	if (!g) {
		snprintf(why.msg, sizeof(why.msg), "unknown GPU '%s' (--gpu-file adds one)", m->gpu);
		goto skip;
	}
	sms = model_meas_sms(m, g);
	if (row_target(m, g, sms, &t, &share, &why) < 0 ||
	    predict(m, &t, share, model_meas_procs(m), fn, ctx, &e->pred_ns, &why) < 0)
		goto skip;
	e->idx = i;
	e->gpu = g->short_name;
	e->klass = m->kind == MODEL_MEAS_KIND_MODEL ? "model" : model_op_kind_name(m->kind);
	e->sms = sms;
	e->qbin = model_meas_qbin(sms, g->sms);
	e->corun = m->copies > 1 || m->busy[0];
	e->err = 100.0 * (e->pred_ns - m->ns) / m->ns;
	if (m->whole_ns > 0 && (m->mech != MODEL_MECH_WHOLE || e->corun)) {
		if (ref_target(m, g, &t, &share, &why) < 0 ||
		    predict(m, &t, share, 1, fn, ctx, &e->pred_whole_ns, &why) < 0)
			goto skip;
		e->has_slow = 1;
		e->meas_slow = m->ns / m->whole_ns;
		e->pred_slow = e->pred_ns / e->pred_whole_ns;
		e->slow_err = 100.0 * (e->pred_slow - e->meas_slow) / e->meas_slow;
	}
	return 1;
skip: {
	int rc = model_meas_add_skip(&r->skipped, m->where, why.msg, err);
	return rc < 0 ? rc : 0;
}
}

/* The key of evaluation e in dimension d (0 mechanism, 1 class, 2 quota,
 * 3 corun, 4 mechanism,quota,corun, 5 sharing, 6 processes on the SMs,
 * 7 the data set the row came from). */
static const char *dims[] = { "mechanism", "class", "quota", "corun", "mechanism,quota,corun",
			      "sharing", "processes", "dataset" };
#define NDIMS 8
#define DIM_DATASET 7

static const char *sharing_names[] = { "solo", "same-SMs", "isolated" };

/* How row m shares its GPU: 0 alone, 1 with other processes on its own SMs
 * (copies=N, or an MPS busy= neighbour: the block scheduler mixes their
 * blocks, as it does for plain CUDA streams), 2 beside busy partitions
 * (MIG, green contexts). */
static int sharing_of(const struct model_meas *m)
{
	if (m->copies > 1 || (m->busy[0] && m->mech == MODEL_MECH_MPS))
		return 1;
	return m->busy[0] ? 2 : 0;
}

/* The key of model_meas_procs: capped at 5 (">=5"). */
static void procs_key(int n, char *key, size_t size)
{
	if (n >= 5)
		snprintf(key, size, ">=5");
	else
		snprintf(key, size, "%d", n);
}

static void key_of(const struct model_meas_set *s, const struct model_meas_eval *e, int d,
		   char *key, size_t size)
{
	const char *mech = model_mech_name(s->m[e->idx].mech);

	switch (d) {
	case 0: snprintf(key, size, "%s", mech); break;
	case 1: snprintf(key, size, "%s", e->klass); break;
	case 2: snprintf(key, size, "%s", model_meas_qbin_name(e->qbin)); break;
	case 3: snprintf(key, size, "%s", e->corun ? "co-run" : "solo"); break;
	case 4:
		snprintf(key, size, "%s,%s,%s", mech, model_meas_qbin_name(e->qbin),
			 e->corun ? "co-run" : "solo");
		break;
	case 5: snprintf(key, size, "%s", sharing_names[sharing_of(&s->m[e->idx])]); break;
	case 6: procs_key(model_meas_procs(&s->m[e->idx]), key, size); break;
	default: snprintf(key, size, "%s", s->m[e->idx].dataset);
	}
}

/* The data sets of s's rows in the order they were read, each once; at
 * most max (a folder of more data sets groups the first max). */
static int dataset_keys(const struct model_meas_set *s, char keys[][40], int max)
{
	int n = 0;

	for (size_t i = 0; i < s->n && n < max; i++) {
		int k = 0;
		while (k < n && strcmp(keys[k], s->m[i].dataset))
			k++;
		if (k == n)
			snprintf(keys[n++], 40, "%s", s->m[i].dataset);
	}
	return n;
}

/* The canonical keys of dimension d in table order; returns how many. */
static int keys_of(const struct model_meas_set *s, int d, char keys[][40], int max)
{
	int n = 0;

	if (d == DIM_DATASET)
		return dataset_keys(s, keys, max);
	switch (d) {
	case 0:
		for (int i = 0; i < MODEL_MECH_COUNT && n < max; i++)
			snprintf(keys[n++], 40, "%s", model_mech_name(i));
		break;
	case 1:
		for (int i = MODEL_OP_GEMM; i <= MODEL_OP_MEMORY && n < max; i++)
			snprintf(keys[n++], 40, "%s", model_op_kind_name(i));
		snprintf(keys[n++], 40, "model");
		break;
	case 2:
		for (int i = 0; i < MODEL_MEAS_QBINS && n < max; i++)
			snprintf(keys[n++], 40, "%s", model_meas_qbin_name(i));
		break;
	case 3:
		snprintf(keys[n++], 40, "solo");
		snprintf(keys[n++], 40, "co-run");
		break;
	case 5:
		for (int i = 0; i < 3; i++)
			snprintf(keys[n++], 40, "%s", sharing_names[i]);
		break;
	case 6:
		for (int i = 1; i <= 5; i++)
			procs_key(i, keys[n++], 40);
		break;
	default:
		for (int i = 0; i < MODEL_MECH_COUNT; i++)
			for (int j = 0; j < MODEL_MEAS_QBINS; j++)
				for (int c = 0; c < 2 && n < max; c++)
					snprintf(keys[n++], 40, "%s,%s,%s", model_mech_name(i),
						 model_meas_qbin_name(j), c ? "co-run" : "solo");
	}
	return n;
}

/* Statistics over the evaluations keep keeps (NULL: all); a is scratch of
 * 2 r->nev doubles (the absolute errors, then the slowdown errors), b of
 * r->nev. */
static void stats_where(const struct model_meas_report *r,
			int (*keep)(const struct model_meas_eval *e, const void *ctx), const void *ctx,
			double *a, double *b, struct model_meas_stats *abs_out,
			struct model_meas_stats *slow_out)
{
	int na = 0, ns = 0;

	for (size_t i = 0; i < r->nev; i++) {
		if (keep && !keep(&r->ev[i], ctx))
			continue;
		a[na++] = r->ev[i].err;
		if (r->ev[i].has_slow)
			a[r->nev + (size_t)ns++] = r->ev[i].slow_err;
	}
	meas_stats_of(a, na, b, abs_out);
	meas_stats_of(a + r->nev, ns, b, slow_out);
}

/* The evaluations whose key in dimension d is key. */
struct key_filter {
	const struct model_meas_set *s;
	int d;
	const char *key;
};

static int keep_key(const struct model_meas_eval *e, const void *ctx)
{
	const struct key_filter *f = ctx;
	char k[64];

	key_of(f->s, e, f->d, k, sizeof(k));
	return !strcmp(k, f->key);
}

/* Statistics over the evaluations whose key in dimension d is key (d < 0:
 * all); scratch as stats_where's. */
static void group_stats(const struct model_meas_set *s, const struct model_meas_report *r, int d,
			const char *key, double *a, double *b, struct model_meas_stats *abs_out,
			struct model_meas_stats *slow_out)
{
	const struct key_filter f = {s, d, key};

	stats_where(r, d >= 0 ? keep_key : NULL, &f, a, b, abs_out, slow_out);
}

int model_meas_stats_where(const struct model_meas_report *r,
			   int (*keep)(const struct model_meas_eval *e, const void *ctx),
			   const void *ctx, struct model_meas_stats *abs_out,
			   struct model_meas_stats *slow_out)
{
	double *a = malloc((3 * r->nev + 1) * sizeof(double));

	if (!a)
		return -MO_ENOMEM;
	stats_where(r, keep, ctx, a, a + 2 * r->nev, abs_out, slow_out);
	free(a);
	return 0;
}

/* The indices of the (up to) MODEL_MEAS_WORST largest |errors|. */
static size_t worst_of(const struct model_meas_report *r, int slow, size_t *out)
{
	size_t n = 0;

	for (size_t i = 0; i < r->nev; i++) {
		const struct model_meas_eval *e = &r->ev[i];
		double v;
		size_t j;
		if (slow && !e->has_slow)
			continue;
		v = fabs(slow ? e->slow_err : e->err);
		for (j = n; j > 0; j--) {
			const struct model_meas_eval *o = &r->ev[out[j - 1]];
			if (fabs(slow ? o->slow_err : o->err) >= v)
				break;
			if (j < MODEL_MEAS_WORST)
				out[j] = out[j - 1];
		}
		if (j < MODEL_MEAS_WORST) {
			out[j] = i;
			if (n < MODEL_MEAS_WORST)
				n++;
		}
	}
	return n;
}

int model_meas_evaluate(const struct model_meas_set *s, model_meas_model_fn fn, void *ctx,
			struct model_meas_report *r, struct mo_err *err)
{
	char keys[64][40];
	double *a = NULL, *b = NULL;
	size_t cap = 0;
	int rc = 0;

	for (size_t i = 0; i < s->nskip; i++)
		if ((rc = model_meas_add_skip(&r->skipped, s->skip[i].where, s->skip[i].why, err)) < 0)
			return rc;
	r->ev = calloc(s->n ? s->n : 1, sizeof(*r->ev));
	cap = (size_t)NDIMS * 64;
	r->groups = calloc(cap, sizeof(*r->groups));
	if (!r->ev || !r->groups)
		return mo_err_set(err, MO_ENOMEM, "out of memory");
	for (size_t i = 0; i < s->n; i++) {
		rc = eval_row(s, i, fn, ctx, &r->ev[r->nev], r, err);
		if (rc < 0)
			return rc;
		r->nev += (size_t)rc;
	}
	a = malloc((2 * r->nev + 1) * sizeof(double));
	b = malloc((r->nev + 1) * sizeof(double));
	if (!a || !b) {
		rc = mo_err_set(err, MO_ENOMEM, "out of memory");
		goto out;
	}
	group_stats(s, r, -1, NULL, a, b, &r->all_abs, &r->all_slow);
	for (int d = 0; d < NDIMS; d++) {
		int nk = keys_of(s, d, keys, 64);
		for (int k = 0; k < nk; k++) {
			struct model_meas_group *g = &r->groups[r->ngroups];
			group_stats(s, r, d, keys[k], a, b, &g->abs, &g->slow);
			if (!g->abs.n)
				continue;
			snprintf(g->dim, sizeof(g->dim), "%s", dims[d]);
			snprintf(g->key, sizeof(g->key), "%s", keys[k]);
			r->ngroups++;
		}
	}
	r->nworst = worst_of(r, 0, r->worst);
	r->nworst_slow = worst_of(r, 1, r->worst_slow);
	rc = meas_pairs(s, r, err);
out:
	free(a);
	free(b);
	return rc;
}
