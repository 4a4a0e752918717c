/* sim-check.c - the simulator as the judge of a planner's finalists. */
#include "harness/sim-check.h"

#include <string.h>

static int judge(void *arg, const struct plan *p, int64_t *iter_ns, struct mo_err *err)
{
	const struct sim_check *ctx = arg;
	struct engine_run_opts ro;
	struct engine_run_result res;
	int rc;

	engine_run_opts_init(&ro);
	ro.cluster = ctx->cluster;
	memset(&res, 0, sizeof(res));
	rc = engine_run(p, ctx->w, &ro, &res, err);
	if (rc == 0) {
		*iter_ns = res.iter_ns;
		if (ctx->log)
			fprintf(ctx->log,
				"  finalist from %-9s microbatch %3d: predicted %10.3f ms, simulated %10.3f ms\n",
				p->planner, p->microbatch_size, p->predicted_iter_ns / 1e6,
				res.iter_ns / 1e6);
	}
	engine_run_result_release(&res);
	return rc;
}

void sim_check_init(struct plan_checker *chk, struct sim_check *ctx)
{
	memset(chk, 0, sizeof(*chk));
	chk->judge = judge;
	chk->ctx = ctx;
	chk->what = "simulated";
}
