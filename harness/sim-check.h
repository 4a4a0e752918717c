/*
 * sim-check.h - the simulator as the judge of a planner's finalists
 * (plan_make_checked), shared by `mosaic plan` and `mosaic bench`.
 *
 * The planner library may not call the engine, so the harness passes this
 * judge in: each finalist runs one training iteration on the simulated
 * cluster, and its SIMULATED iteration time is what the planner compares.
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
