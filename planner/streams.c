/* streams.c - the plain-streams baseline ("streams"): a GPU's modules share
 * all its SMs as concurrent CUDA streams, without partitions.  Its plans are
 * the temporal-only baselines' plans marked share_streams (planner.h), so
 * the report can tell what colocation gains from what hiding the host
 * gains: streams overlap one module's host gaps with another's kernels as
 * partitions do, but give no module SMs of its own. */
#include "planner/planner-internal.h"

#include <stdio.h>

int pl_streams_candidates(const struct plan_problem *pb, int problem, struct pl_cands *c,
			  struct mo_err *err)
{
	static const char *const names[] = {PLAN_BASELINES(PLAN_NAME_STR_)};
	int first = c->n;

	for (int b = 0; b < PLAN_N_BASELINES; b++) {
		struct plan *p = NULL;

		if (plan_search(pb, names[b], &p, NULL) || !p)
			continue;
		p->share_streams = 1;
		if (pl_cands_add(c, p, names[b], problem))
			return mo_err_set(err, MO_ENOMEM, "streams: out of memory");
	}
	if (c->n == first)
		return mo_err_set(err, MO_EINFEASIBLE,
				  "streams: nothing fits: no temporal-only baseline places %d modules on %d %s",
				  pb->n_modules, pb->n_gpus, pb->gpu->short_name);
	return 0;
}

int pl_streams(const struct plan_problem *pb, struct plan **out, struct mo_err *err)
{
	struct pl_cands c = {0};
	int rc = pl_streams_candidates(pb, 0, &c, err);

	if (rc == 0) {
		int win = pl_cands_choose(&c, 0, 0);

		*out = c.v[win].p;
		c.v[win].p = NULL;
	}
	pl_cands_release(&c);
	return rc;
}
