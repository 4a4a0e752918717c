/*
 * ablation.c - two deliberately simple searches over mosaic's placement, the
 * ablations of the search-quality figure (Fig. 13): they keep the placement
 * of a plan mosaic made and only choose its SM quotas differently, so the
 * figure shows what mosaic's quota search is worth.
 */
#include "planner/planner.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Nearest lattice quota at or below sms (0 if none). */
static int lattice_floor(const struct plan_problem *pb, int sms)
{
	int best = 0;

	for (int i = 0; i < pb->n_quotas; i++)
		if (pb->quotas[i] <= sms && pb->quotas[i] > best)
			best = pb->quotas[i];
	return best;
}

int plan_even_split(const struct plan_problem *pb, const struct plan *base, struct plan **out,
		    struct mo_err *err)
{
	struct plan *p = plan_clone(base);

	if (!p)
		return mo_err_set(err, MO_ENOMEM, "out of memory");
	for (int g = 0; g < p->n_gpus; g++) {
		int k = p->gpus[g].n_partitions;

		for (int j = 0; j < k; j++)
			p->gpus[g].partitions[j].sms =
				k == 1 ? pb->gpu->sms : lattice_floor(pb, pb->gpu->sms / k);
	}
	snprintf(p->planner, sizeof(p->planner), "even-split");
	*out = p;
	return 0;
}

/* Draw one GPU's quotas: each partition a lattice quota below the whole GPU
 * that leaves room for the smallest quota of every partition after it.
 * 0, or -1 when some partition has no choice. */
static int draw_gpu(const struct plan_problem *pb, struct plan_gpu *g, uint64_t *seed)
{
	int k = g->n_partitions, left = pb->gpu->sms;

	if (k == 1) {
		g->partitions[0].sms = pb->gpu->sms;
		return 0;
	}
	for (int j = 0; j < k; j++) {
		int room = left - (k - 1 - j) * pb->quotas[0], choices = 0, pick;

		for (int qi = 0; qi < pb->n_quotas; qi++)
			choices += pb->quotas[qi] <= room && pb->quotas[qi] < pb->gpu->sms;
		if (!choices)
			return -1;
		*seed = *seed * 6364136223846793005ull + 1442695040888963407ull;
		pick = (int)((*seed >> 33) % (uint64_t)choices);
		for (int qi = 0; qi < pb->n_quotas; qi++)
			if (pb->quotas[qi] <= room && pb->quotas[qi] < pb->gpu->sms && pick-- == 0) {
				g->partitions[j].sms = pb->quotas[qi];
				left -= pb->quotas[qi];
				break;
			}
	}
	return 0;
}

int plan_random_search(const struct plan_problem *pb, const struct plan *base, struct plan **out,
		       struct mo_err *err)
{
	uint64_t seed = PLAN_RANDOM_SEED;
	struct plan *best = NULL;
	int64_t best_ns = INT64_MAX;

	for (int draw = 0; draw < PLAN_RANDOM_DRAWS; draw++) {
		struct plan *p = plan_clone(base);
		struct plan_estimate est;
		int ok = 1;

		if (!p) {
			plan_free(best);
			return mo_err_set(err, MO_ENOMEM, "out of memory");
		}
		for (int g = 0; g < p->n_gpus && ok; g++)
			ok = draw_gpu(pb, &p->gpus[g], &seed) == 0;
		memset(&est, 0, sizeof(est));
		if (ok && plan_estimate(pb, p, &est, NULL) == 0 && est.iter_ns > 0 &&
		    est.iter_ns < best_ns) {
			best_ns = est.iter_ns;
			plan_free(best);
			best = p;
			p = NULL;
		}
		plan_estimate_release(&est);
		plan_free(p);
	}
	if (!best)
		return mo_err_set(err, MO_EINFEASIBLE, "random search: no draw fits");
	best->predicted_iter_ns = best_ns;
	snprintf(best->planner, sizeof(best->planner), "random-search");
	*out = best;
	return 0;
}
