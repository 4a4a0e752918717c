/*
 * exp-why.c - why mosaic colocates, or does not: for every workload on the
 * bench's cluster, plan --explain's comparison (planner/why.c,
 * plan_explain_why) at the microbatch size of mosaic's chosen plan: its best
 * temporal-only and best colocated candidate, each predicted iteration in
 * the cost model's terms, the term that decides and the interference factor
 * at which the decision would flip.  Every number in it is predicted.
 */
#include "harness/bench/experiment.h"

#include <stdlib.h>
#include <string.h>

static int tasks(const struct bench_opts *o, struct bench_task_list *l)
{
	int rc = 0;

	for (int w = 0; w < o->n_workloads && !rc; w++)
		rc = bench_task_push(l, w, 0, o->cluster.n_gpus);
	return rc;
}

/* The text, one why.csv row per line (commas become ';'). */
static int add_lines(struct bench_table *t, int index, const struct workload *w, int gpus,
		     int mbs, char *text, struct mo_err *err)
{
	int rc = 0;

	for (char *line = text, *next; line && !rc; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		bench_csv_clean(line);
		if (*line)
			rc = bench_add_row(t, index, err, "%s,%d,%d,%s", w->name, gpus, mbs, line);
	}
	return rc;
}

static int run(const struct bench_opts *o, const struct bench_task *t, int index,
	       struct workload *w, struct bench_table *tables, struct mo_err *err)
{
	struct plan_problem *pb = NULL;
	struct plan *p = NULL;
	struct mo_err e;
	char *text = NULL;
	int rc;

	mo_err_clear(&e);
	rc = bench_make_plan(o, w, t->gpus, "mosaic", &p, &pb, &e);
	if (!rc && !pb)
		rc = mo_err_set(&e, MO_EUSAGE, "no planning problem (the regress self-test's plan)");
	if (!rc && !(text = plan_explain_why(pb, &e)))
		rc = e.code ? e.code : -MO_ENOMEM;
	if (!rc)
		rc = add_lines(&tables[BENCH_T_WHY], index, w, t->gpus, pb->microbatch_size, text, err);
	else
		rc = bench_fail(rc, tables, index, w->name, "why", "mosaic", &e, err);
	free(text);
	plan_free(p);
	plan_problem_free(pb);
	return rc;
}

static int report(struct bench_report *c, struct mo_err *err)
{
	const struct bench_table *t = &c->t[BENCH_T_WHY];

	(void)err;
	if (!t->n)
		return 0;
	bench_md(c, "## Why mosaic colocates, or does not\n\n"
		    "`plan --explain`'s comparison for each workload on %s, at the microbatch size of "
		    "mosaic's plan: its best temporal-only and best colocated candidate, each "
		    "predicted iteration split into the terms the cost model adds up, the term that "
		    "decides, and the interference factor at which the decision would flip. Every "
		    "number here is predicted (cost model), not simulated.\n",
		 c->o->cluster.label);
	for (int w = 0; w < c->o->n_workloads; w++) {
		int open = 0;

		for (int r = 0; r < t->n; r++) {
			if (strcmp(bench_cell(t, r, "workload"), c->o->workloads[w]))
				continue;
			if (!open++)
				bench_md(c, "\n**%s** (%s GPUs, microbatch %s):\n\n```\n",
					 c->o->workloads[w], bench_cell(t, r, "gpus"),
					 bench_cell(t, r, "microbatch_size"));
			bench_md(c, "%s\n", bench_cell(t, r, "line"));
		}
		if (open)
			bench_md(c, "```\n");
	}
	return 0;
}

const struct bench_experiment bench_exp_why = {
	.name = "why mosaic colocates",
	.tag = "why",
	.suites = BENCH_IN_FULL,
	.tasks = tasks,
	.run = run,
	.report = report,
};
