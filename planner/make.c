/* make.c - the whole planning job: every microbatch size, the candidates of
 * each, the optional check of the finalists by a finer judge, the winner. */
#include "planner/planner-internal.h"

#include <stdlib.h>
#include <string.h>

int pl_cands_add(struct pl_cands *c, struct plan *p, const char *origin, int problem)
{
	if (MO_GROW(c->v, (size_t)c->n + 1, c->cap) < 0) {
		plan_free(p);
		return -MO_ENOMEM;
	}
	c->v[c->n++] = (struct pl_cand){.p = p, .origin = origin, .problem = problem, .judged_ns = -1};
	return 0;
}

void pl_cands_release(struct pl_cands *c)
{
	for (int i = 0; i < c->n; i++)
		plan_free(c->v[i].p);
	free(c->v);
	c->v = NULL;
	c->n = 0;
	c->cap = 0;
}

int pl_temporal_only(const struct plan *p)
{
	for (int g = 0; g < p->n_gpus; g++)
		if (p->gpus[g].n_partitions > 1)
			return 0;
	return 1;
}

void pl_cands_by_prediction(const struct pl_cands *c, int first, int *ord)
{
	for (int i = first; i < c->n; i++) {
		int j = i - first;

		for (; j > 0 && c->v[ord[j - 1]].p->predicted_iter_ns > c->v[i].p->predicted_iter_ns; j--)
			ord[j] = ord[j - 1];
		ord[j] = i;
	}
}

static int64_t cand_ns(const struct pl_cand *c, int judged)
{
	return judged ? c->judged_ns : c->p->predicted_iter_ns;
}

/* a faster than b; at the same judged time, the one simulated itself (its
 * twin's time can differ from its own by float summation order) */
static int cand_better(const struct pl_cand *a, const struct pl_cand *b, int judged)
{
	int64_t x = cand_ns(a, judged), y = cand_ns(b, judged);

	return x < y || (judged && x == y && !a->judged_as_twin && b->judged_as_twin);
}

int pl_cands_choose(const struct pl_cands *c, int judged, double margin)
{
	int t = -1, s = -1;

	for (int i = 0; i < c->n; i++) {
		int *k = pl_temporal_only(c->v[i].p) ? &t : &s;

		if (cand_ns(&c->v[i], judged) >= 0 && (*k < 0 || cand_better(&c->v[i], &c->v[*k], judged)))
			*k = i;
	}
	if (s >= 0 && t >= 0) {
		double ts = (double)cand_ns(&c->v[s], judged), tt = (double)cand_ns(&c->v[t], judged);

		return ts < tt && ts <= (1.0 - margin) * tt ? s : t;
	}
	return s >= 0 ? s : t;
}

/* Same origin and same kind. */
static int same_group(const struct pl_cand *a, const struct pl_cand *b)
{
	return !strcmp(a->origin, b->origin) && pl_temporal_only(a->p) == pl_temporal_only(b->p);
}

/* same[r] for each finalist ord[r]: the earlier distinct finalist q whose
 * canonical form (plan_canonical) is its own, or -1. */
static int find_same(const struct pl_cands *c, const int *ord, int gpus_per_node, int *same)
{
	struct plan **canon = calloc((size_t)c->n, sizeof(*canon));
	int rc = 0;

	for (int r = 0; canon && r < c->n; r++) {
		same[r] = -1;
		if (!c->v[ord[r]].finalist)
			continue;
		if (!(canon[r] = plan_canonical(c->v[ord[r]].p, gpus_per_node))) {
			rc = -1;
			break;
		}
		for (int q = 0; q < r && same[r] < 0; q++)
			if (canon[q] && same[q] < 0 && plan_same_placement(canon[r], canon[q]))
				same[r] = q;
	}
	for (int r = 0; canon && r < c->n; r++)
		plan_free(canon[r]);
	free(canon);
	return canon ? rc : -1;
}

/* Judge the finalists (candidates ord[0 .. c->n) by prediction, marked):
 * those placing work as an earlier finalist (find_same) take its time; the
 * distinct ones go to chk->judge_all at once, or one by one to chk->judge.
 * *judged: how many distinct ones. */
static int judge_distinct(struct pl_cands *c, const int *ord, const struct plan_checker *chk,
			  int gpus_per_node, int *judged, struct mo_err *err)
{
	const struct plan **plans = malloc((size_t)c->n * sizeof(*plans));
	int64_t *ns = malloc((size_t)c->n * sizeof(*ns));
	int *which = malloc((size_t)c->n * sizeof(*which)), *same = malloc((size_t)c->n * sizeof(*same));
	int n = 0, rc = 0, bad = -1;

	if (!plans || !ns || !which || !same || find_same(c, ord, gpus_per_node, same)) {
		rc = mo_err_set(err, MO_ENOMEM, "plan: out of memory");
		goto out;
	}
	for (int r = 0; r < c->n; r++)
		if (c->v[ord[r]].finalist && same[r] < 0) {
			which[n] = r;
			plans[n++] = c->v[ord[r]].p;
		}
	if (chk->judge_all) {
		rc = chk->judge_all(chk->ctx, plans, n, ns, err);
		for (int i = 0; rc && i < n && bad < 0; i++)
			if (ns[i] == -2)
				bad = i;
	} else {
		for (int i = 0; i < n && !rc; i++)
			if ((rc = chk->judge(chk->ctx, plans[i], &ns[i], err)))
				bad = i;
	}
	if (rc) {
		if (bad >= 0) {
			const struct pl_cand *x = &c->v[ord[which[bad]]];

			mo_err_prefix(err, "checking the finalist from %s (microbatch %d, predicted %.3f ms)",
				      x->origin, x->p->microbatch_size, x->p->predicted_iter_ns / 1e6);
		}
		goto out;
	}
	for (int i = 0; i < n; i++)
		c->v[ord[which[i]]].judged_ns = ns[i];
	for (int r = 0; r < c->n; r++)
		if (same[r] >= 0) {
			c->v[ord[r]].judged_ns = c->v[ord[same[r]]].judged_ns;
			c->v[ord[r]].judged_as_twin = 1;
		}
	*judged = n;
out:
	free(plans);
	free(ns);
	free(which);
	free(same);
	return rc;
}

/* Mark the finalists (see plan_make_checked), judge each distinct one;
 * *judged receives how many plans were judged. */
static int check_finalists(struct pl_cands *c, const struct plan_checker *chk, int gpus_per_node,
			   int *judged, struct mo_err *err)
{
	double band = chk->band > 0 ? chk->band : PLAN_CHECK_BAND;
	int per = chk->per_group > 0 ? chk->per_group : PLAN_CHECK_PER_GROUP;
	int *ord = malloc((size_t)c->n * sizeof(*ord)), rc;

	if (!ord)
		return mo_err_set(err, MO_ENOMEM, "plan: out of memory");
	*judged = 0;
	pl_cands_by_prediction(c, 0, ord);
	for (int r = 0; r < c->n; r++) {
		struct pl_cand *x = &c->v[ord[r]];
		int64_t lead = -1;
		int taken = 0;

		for (int q = 0; q < r; q++) {
			const struct pl_cand *y = &c->v[ord[q]];

			if (same_group(x, y)) {
				if (lead < 0)
					lead = y->p->predicted_iter_ns;
				taken += y->finalist;
			}
		}
		x->finalist = taken < per &&
			      (lead < 0 || (double)x->p->predicted_iter_ns <= (1.0 + band) * (double)lead);
	}
	rc = judge_distinct(c, ord, chk, gpus_per_node, judged, err);
	free(ord);
	return rc;
}

/* The microbatch sizes tried: the spec's, half and double it (dividing the batch). */
static int microbatch_sizes(const struct workload *w, int *sizes)
{
	int n = 0;

	sizes[n++] = w->microbatch;
	if (w->microbatch % 2 == 0)
		sizes[n++] = w->microbatch / 2;
	if (w->microbatch * 2 <= w->batch && w->batch % (w->microbatch * 2) == 0)
		sizes[n++] = w->microbatch * 2;
	return n;
}

int plan_make(const struct workload *w, const struct model_gpu *gpu, int n_gpus,
	      const char *planner, struct plan **out, struct plan_problem **pb_out,
	      struct mo_err *err)
{
	return plan_make_checked(w, gpu, n_gpus, planner, NULL, out, pb_out, err);
}

int plan_make_checked(const struct workload *w, const struct model_gpu *gpu, int n_gpus,
		      const char *planner, const struct plan_checker *chk, struct plan **out,
		      struct plan_problem **pb_out, struct mo_err *err)
{
	struct plan_problem *pbs[3] = {NULL, NULL, NULL};
	struct pl_cands c = {0};
	int sizes[3], n_sizes, rc = 0, win, judged = 0, mosaic = !strcmp(planner, "mosaic");
	int streams = !strcmp(planner, "streams");
	double margin = 0;
	struct plan *p;
	struct mo_err last;

	*out = NULL;
	if (pb_out)
		*pb_out = NULL;
	if (!plan_planner_known(planner))
		return plan_search(NULL, planner, out, err);
	if (n_gpus < 1)
		return mo_err_set(err, MO_EUSAGE, "plan: need at least 1 GPU, got %d", n_gpus);
	n_sizes = microbatch_sizes(w, sizes);
	mo_err_clear(&last);
	for (int i = 0; i < n_sizes; i++) {
		struct mo_err e;

		mo_err_clear(&e);
		rc = plan_problem_new(w, gpu, n_gpus, sizes[i], &pbs[i], &e);
		if (rc) {
			if (err)
				*err = e;
			goto out;
		}
		if (mosaic) {
			margin = pbs[i]->min_gain;
			rc = pl_mosaic_candidates(pbs[i], i, &c, &e);
		} else if (streams) {
			rc = pl_streams_candidates(pbs[i], i, &c, &e);
		} else {
			p = NULL;
			rc = plan_search(pbs[i], planner, &p, &e);
			if (rc == 0 && pl_cands_add(&c, p, planner, i))
				rc = mo_err_set(&e, MO_ENOMEM, "plan: out of memory");
		}
		if (rc == -MO_EUSAGE || rc == -MO_ENOMEM) {
			if (err)
				*err = e;
			goto out;
		}
		if (rc) { /* nothing at this size; another may do */
			if (!last.code)
				last = e;
			rc = 0;
		}
	}
	if (!c.n) {
		if (err)
			*err = last;
		rc = last.code ? last.code : -MO_EINFEASIBLE;
		goto out;
	}
	if (chk && (rc = check_finalists(&c, chk, pbs[0] ? pbs[0]->gpus_per_node : 1, &judged, err)))
		goto out;
	win = pl_cands_choose(&c, chk != NULL, mosaic && !chk ? margin : 0);
	p = c.v[win].p;
	snprintf(p->planner, sizeof(p->planner), "%s", planner);
	snprintf(p->planner_version, sizeof(p->planner_version), "%s", PLANNER_VERSION);
	snprintf(p->workload, sizeof(p->workload), "%s", w->name);
	if (chk) {
		p->checked_iter_ns = c.v[win].judged_ns;
		snprintf(p->checked_by, sizeof(p->checked_by), "%s", chk->what ? chk->what : "checked");
		p->finalists = judged;
	}
	rc = plan_validate(p, w, gpu, err);
	if (rc) {
		mo_err_prefix(err, "%s planned an invalid plan (a planner bug)", planner);
		goto out;
	}
	c.v[win].p = NULL;
	*out = p;
	if (pb_out) {
		*pb_out = pbs[c.v[win].problem];
		pbs[c.v[win].problem] = NULL;
	}
out:
	pl_cands_release(&c);
	for (int i = 0; i < 3; i++)
		plan_problem_free(pbs[i]);
	return rc;
}
