/*
 * sim-check.h - the simulator as the judge of a planner's finalists
 * (plan_make_checked), shared by `mosaic plan` and `mosaic bench`.
 *
 * The planner library may not call the engine, so the harness passes this
 * judge in: each finalist runs one training iteration on the simulated
 * cluster, and its SIMULATED iteration time is what the planner compares.
 * The finalists run in child processes, as many at a time as there are
 * online CPUs (at most 64; where no process can be made, in this one), the
 * fastest predicted first; each stops once its simulated clock passes the
 * best iteration finished before it started, so it is known slower and
 * cannot win (plan_checker.judge_all).
 * Which finalists are stopped depends on which finish first; the winner
 * does not.  The log lines come after all are judged, in order.
 */
#ifndef MOSAIC_HARNESS_SIM_CHECK_H
#define MOSAIC_HARNESS_SIM_CHECK_H

#include <stdio.h>

#include "engine/engine.h"
#include "planner/planner.h"

struct sim_check {
	const struct workload *w;
	const struct engine_cluster *cluster; /* NULL: the workload's cluster with the plan's GPU */
	FILE *log;  /* one line per judged finalist (its origin, predicted and simulated time), or NULL */
};

/* Fill chk to judge with the simulator through ctx (which must outlive the planning). */
void sim_check_init(struct plan_checker *chk, struct sim_check *ctx);

#endif
