/*
 * measure-pairs.c - processes sharing the same SMs against partitions of
 * the same size: each evaluated row with copies=N on S SMs is paired with
 * the row of the same item and GPU run alone in a partition (MIG, green
 * context) of S / N SMs, and the measured throughput ratio (N copies on
 * the shared SMs against N partitioned copies) is set beside the predicted
 * one (model.h, "Shared SMs against partitions"); and the summary of the
 * set's measured co-location gains (model_meas_add_gain).
 */
#include "model/model.h"
#include "model/measure-internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A partitioned solo row, by what pairs it: GPU, item, SMs. */
struct part_key {
	char key[224];
	int sms;
	size_t ev;
};

static int cmp_key(const void *a, const void *b)
{
	const struct part_key *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	return c ? c : (x->sms > y->sms) - (x->sms < y->sms);
}

static void key_of(const struct model_meas_set *s, const struct model_meas_eval *e, char *key,
		   size_t size)
{
	const struct model_meas *m = &s->m[e->idx];
	char item[160];

	snprintf(key, size, "%s|%s|%d|%d", e->gpu, model_meas_describe(m, item, sizeof(item)),
		 m->launch, m->input_pageable);
}

static int is_partition(const struct model_meas *m)
{
	return m->copies <= 1 && !m->busy[0] &&
	       (m->mech == MODEL_MECH_MIG || m->mech == MODEL_MECH_GREEN);
}

void model_meas_pair_ratios(const struct model_meas_set *s, const struct model_meas_report *r,
			    const size_t *pair, double *meas, double *pred)
{
	const struct model_meas_eval *sh = &r->ev[pair[0]], *pt = &r->ev[pair[1]];

	*meas = s->m[pt->idx].ns / s->m[sh->idx].ns;
	*pred = pt->pred_ns / sh->pred_ns;
}

/* The partitioned index, sorted; *n entries (free it). */
static struct part_key *part_index(const struct model_meas_set *s, const struct model_meas_report *r,
				   size_t *n)
{
	struct part_key *idx = malloc((r->nev ? r->nev : 1) * sizeof(*idx));

	*n = 0;
	if (!idx)
		return NULL;
	for (size_t i = 0; i < r->nev; i++) {
		if (!is_partition(&s->m[r->ev[i].idx]))
			continue;
		key_of(s, &r->ev[i], idx[*n].key, sizeof(idx[*n].key));
		idx[*n].sms = r->ev[i].sms;
		idx[(*n)++].ev = i;
	}
	qsort(idx, *n, sizeof(*idx), cmp_key);
	return idx;
}

/* Keep pair (sh, pt) among the MODEL_MEAS_WORST largest |errors| e[]. */
static void keep_worst(struct model_meas_report *r, size_t sh, size_t pt, double err, double *e)
{
	size_t j;

	for (j = r->npair_worst; j > 0 && fabs(e[j - 1]) < fabs(err); j--)
		if (j < MODEL_MEAS_WORST) {
			e[j] = e[j - 1];
			r->pair_worst[j][0] = r->pair_worst[j - 1][0];
			r->pair_worst[j][1] = r->pair_worst[j - 1][1];
		}
	if (j >= MODEL_MEAS_WORST)
		return;
	e[j] = err;
	r->pair_worst[j][0] = sh;
	r->pair_worst[j][1] = pt;
	if (r->npair_worst < MODEL_MEAS_WORST)
		r->npair_worst++;
}

/* The pairs found (shared ev, partitioned ev) into pairs, *np of them. */
static void find_pairs(const struct model_meas_set *s, struct model_meas_report *r,
		       const struct part_key *idx, size_t nidx, size_t (*pairs)[2], size_t *np)
{
	double werr[MODEL_MEAS_WORST];
	struct part_key want;

	*np = 0;
	for (size_t i = 0; i < r->nev; i++) {
		const struct model_meas *m = &s->m[r->ev[i].idx];
		const struct part_key *hit;
		double meas, pred;
		if (m->copies <= 1 || r->ev[i].sms % m->copies)
			continue;
		key_of(s, &r->ev[i], want.key, sizeof(want.key));
		want.sms = r->ev[i].sms / m->copies;
		hit = nidx ? bsearch(&want, idx, nidx, sizeof(*idx), cmp_key) : NULL;
		if (!hit)
			continue;
		pairs[*np][0] = i;
		pairs[*np][1] = hit->ev;
		model_meas_pair_ratios(s, r, pairs[*np], &meas, &pred);
		keep_worst(r, i, hit->ev, 100.0 * (pred - meas) / meas, werr);
		(*np)++;
	}
}

/* Statistics of the pairs with procs copies (0: all) into out. */
static void pair_stats(const struct model_meas_set *s, const struct model_meas_report *r,
		       size_t (*pairs)[2], size_t np, int procs, double *buf,
		       struct model_meas_pair_stats *out)
{
	double *me = buf, *pr = buf + np, *er = buf + 2 * np, *scratch = buf + 3 * np;
	int n = 0;

	for (size_t i = 0; i < np; i++) {
		int c = s->m[r->ev[pairs[i][0]].idx].copies;
		if (procs && (procs < 5 ? c != procs : c < 5))
			continue;
		model_meas_pair_ratios(s, r, pairs[i], &me[n], &pr[n]);
		er[n] = 100.0 * (pr[n] - me[n]) / me[n];
		n++;
	}
	out->procs = procs;
	meas_stats_of(me, n, scratch, &out->meas);
	meas_stats_of(pr, n, scratch, &out->pred);
	meas_stats_of(er, n, scratch, &out->err);
}

/* The set's measured co-location gains into r->gains. */
static int gain_stats(const struct model_meas_set *s, struct model_meas_report *r, struct mo_err *err)
{
	struct model_meas_gain_stats *g = &r->gains;
	size_t n = s->ngains, below = 0;
	double *v;

	memset(g, 0, sizeof(*g));
	if (!n)
		return 0;
	v = malloc(n * sizeof(*v));
	if (!v)
		return mo_err_set(err, MO_ENOMEM, "out of memory");
	memcpy(v, s->gains, n * sizeof(*v));
	qsort(v, n, sizeof(*v), meas_cmp_double);
	for (size_t i = 0; i < n; i++)
		below += v[i] < 1;
	g->n = (int)n;
	g->median = n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
	g->p10 = v[(size_t)ceil(0.1 * (double)n) - 1];
	g->p90 = v[(size_t)ceil(0.9 * (double)n) - 1];
	g->min = v[0];
	g->max = v[n - 1];
	g->below = (double)below / (double)n;
	free(v);
	return 0;
}

int meas_pairs(const struct model_meas_set *s, struct model_meas_report *r, struct mo_err *err)
{
	size_t nidx = 0, np = 0, (*pairs)[2] = NULL;
	struct part_key *idx = part_index(s, r, &nidx);
	double *buf = NULL;
	int rc = 0;

	pairs = malloc((r->nev ? r->nev : 1) * sizeof(*pairs));
	buf = malloc((4 * r->nev + 1) * sizeof(double));
	if (!idx || !pairs || !buf) {
		rc = mo_err_set(err, MO_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = gain_stats(s, r, err)) < 0)
		goto out;
	find_pairs(s, r, idx, nidx, pairs, &np);
	r->npairs = 0;
	if (np)
		for (int procs = 0; procs <= 5; procs += procs ? 1 : 2) {
			struct model_meas_pair_stats *p = &r->pairs[r->npairs];
			pair_stats(s, r, pairs, np, procs, buf, p);
			if (p->meas.n)
				r->npairs++;
		}
out:
	free(idx);
	free(pairs);
	free(buf);
	return rc;
}
