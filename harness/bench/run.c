/*
 * run.c - what every experiment's task does: load its workload on the
 * bench's cluster, plan (predicted times) and simulate (simulated times),
 * record rows or a failure; and the task dispatcher.
 */
#include "harness/bench/experiment.h"
#include "harness/cli.h"
#include "harness/sim-check.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

int bench_add_row(struct bench_table *t, int task, struct mo_err *err, const char *fmt, ...)
{
	char buf[BENCH_ROW_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return bench_table_add(t, task, buf, err);
}

int bench_fail_row(struct bench_table *tables, int task, const char *wl, const char *exp,
		   const char *variant, const struct mo_err *e)
{
	char msg[1024];

	snprintf(msg, sizeof(msg), "%s", e->msg[0] ? e->msg : "failed");
	bench_csv_clean(msg);
	return bench_add_row(&tables[BENCH_T_FAILURE], task, NULL, "%s,%s,%s,%s", wl, exp, variant,
			     msg);
}

int bench_soft(int rc)
{
	return rc == -MO_EINFEASIBLE || rc == -MO_EUSAGE || rc == -MO_EINPUT;
}

int bench_fail(int rc, struct bench_table *tables, int task, const char *wl, const char *exp,
	       const char *variant, const struct mo_err *e, struct mo_err *err)
{
	if (bench_soft(rc))
		return bench_fail_row(tables, task, wl, exp, variant, e);
	if (err)
		*err = *e;
	return rc;
}

/* The workload, with the bench's cluster in place of the spec's. */
static int load_workload(const struct bench_opts *o, int wl, struct workload **out,
			 struct mo_err *err)
{
	struct workload *w;
	int rc = cli_workload_load(o->workload_src[wl], &w, err);

	if (rc)
		return rc;
	if (strcmp(w->name, o->workloads[wl])) {
		/* a spec file edited while the sweep runs */
		rc = mo_err_set(err, MO_EINPUT, "'%s' now names workload '%s', not '%s'",
				o->workload_src[wl], w->name, o->workloads[wl]);
		workload_free(w);
		return rc;
	}
	snprintf(w->gpu, sizeof(w->gpu), "%s", o->cluster.gpu->name);
	w->gpus = o->cluster.n_gpus;
	if (o->cluster.gpus_per_node)
		w->gpus_per_node = o->cluster.gpus_per_node;
	if (o->cluster.nvlink_gbps > 0)
		w->nvlink_gbps = o->cluster.nvlink_gbps;
	if (o->cluster.net_gbps > 0)
		w->net_gbps = o->cluster.net_gbps;
	if (o->cluster.host_issue >= 0)
		w->host_issue = o->cluster.host_issue;
	if (o->cluster.launch_mode >= 0)
		w->launch_mode = o->cluster.launch_mode;
	if ((rc = bench_measurements_apply(o, w, err)) < 0) {
		workload_free(w);
		return rc;
	}
	*out = w;
	return 0;
}

void bench_cluster_for(const struct bench_opts *o, const struct workload *w, int n,
		       struct engine_cluster *c)
{
	engine_cluster_for_workload(c, o->cluster.gpu, n, w);
}

int bench_plan_partitions(const struct plan *p, int *colocated)
{
	int parts = 0, col = 0;

	for (int g = 0; g < p->n_gpus; g++) {
		parts += p->gpus[g].n_partitions;
		col += p->gpus[g].n_partitions > 1;
	}
	if (colocated)
		*colocated = col;
	return parts;
}

/* The regress self-test (MOSAIC_REGRESS_SELFTEST=worsen): "mosaic" answers
 * with the worst temporal-only baseline's plan, a deliberately worse planner
 * for `mosaic regress` to catch.  This lives in the harness, not in the
 * planner. */
static int worst_baseline(const struct bench_opts *o, const struct workload *w, int n,
			  const struct plan_checker *check, struct plan **out, struct mo_err *err)
{
	struct plan *worst = NULL;
	int rc = -MO_EINFEASIBLE;

	for (int s = 0; s < BENCH_N_SYSTEMS - 1; s++) {
		struct plan *p = NULL;
		struct mo_err e;

		mo_err_clear(&e);
		if (plan_make_checked(w, o->cluster.gpu, n, bench_systems[s], check, &p, NULL, &e)) {
			if (err)
				*err = e;
			continue;
		}
		if (!worst || p->predicted_iter_ns > worst->predicted_iter_ns) {
			plan_free(worst);
			worst = p;
		} else {
			plan_free(p);
		}
		rc = 0;
	}
	if (!rc)
		snprintf(worst->planner, sizeof(worst->planner), "mosaic");
	*out = worst;
	return rc;
}

int bench_make_plan(const struct bench_opts *o, const struct workload *w, int n,
		    const char *system, struct plan **out, struct plan_problem **pb_out,
		    struct mo_err *err)
{
	struct engine_cluster c;
	struct sim_check sc = {w, &c, NULL};
	struct plan_checker chk;
	const struct plan_checker *check = o->no_check ? NULL : &chk;

	bench_cluster_for(o, w, n, &c);
	sim_check_init(&chk, &sc);
	if (pb_out)
		*pb_out = NULL;
	if (o->worsen && !strcmp(system, "mosaic"))
		return worst_baseline(o, w, n, check, out, err);
	return plan_make_checked(w, o->cluster.gpu, n, system, check, out, pb_out, err);
}

int bench_timeline_choose(struct bench_opts *o, struct mo_err *err)
{
	if (o->timeline[0]) {
		for (int i = 0; i < o->n_workloads; i++)
			if (!strcmp(o->workloads[i], o->timeline))
				return 0;
		return mo_err_set(err, MO_EUSAGE, "timeline workload '%s' is not in the sweep",
				  o->timeline);
	}
	for (int i = 0; i < o->n_workloads; i++) {
		struct workload *w = NULL;
		struct plan *p = NULL;
		int col = 0;

		if (load_workload(o, i, &w, NULL) == 0 &&
		    bench_make_plan(o, w, o->cluster.n_gpus, "mosaic", &p, NULL, NULL) == 0)
			bench_plan_partitions(p, &col);
		plan_free(p);
		workload_free(w);
		if (col > 0) {
			snprintf(o->timeline, sizeof(o->timeline), "%s", o->workloads[i]);
			return 0;
		}
	}
	if (o->n_workloads)
		snprintf(o->timeline, sizeof(o->timeline), "%s",
			 o->workloads[bench_timeline_workload(o)]);
	return 0;
}

int bench_run_plan(const struct plan *p, const struct workload *w, const struct engine_cluster *c,
		   const struct trace_sink *sink, struct engine_run_result *res, struct mo_err *err)
{
	struct engine_run_opts ro;

	engine_run_opts_init(&ro);
	ro.cluster = c;
	ro.out = sink;
	memset(res, 0, sizeof(*res));
	return engine_run(p, w, &ro, res, err);
}

int bench_run_system(const struct bench_opts *o, const struct bench_task *t, int index,
		     struct workload *w, struct bench_table *tables, const char *tag,
		     int with_timeline, struct mo_err *err)
{
	const char *sys = bench_systems[t->variant];
	struct engine_cluster c;
	struct engine_run_result res;
	struct plan *p = NULL;
	struct bench_timeline tl;
	struct trace_sink sink;
	char variant[96];
	struct mo_err e;
	int rc, parts, col;

	snprintf(variant, sizeof(variant), "%s x%d", sys, t->gpus);
	mo_err_clear(&e);
	rc = bench_make_plan(o, w, t->gpus, sys, &p, NULL, &e);
	if (rc)
		return bench_fail(rc, tables, index, w->name, tag, variant, &e, err);
	bench_cluster_for(o, w, t->gpus, &c);
	bench_timeline_init(&tl, w, sys, &tables[BENCH_T_TIMELINE], index, &sink);
	rc = bench_run_plan(p, w, &c, with_timeline ? &sink : NULL, &res, &e);
	rc = bench_timeline_finish(&tl, !rc && with_timeline, &e) ?: rc;
	if (rc) {
		engine_run_result_release(&res);
		plan_free(p);
		return bench_fail(rc, tables, index, w->name, tag, variant, &e, err);
	}
	parts = bench_plan_partitions(p, &col);
	rc = bench_add_row(&tables[BENCH_T_ITER], index, err,
			   "%s,%s,%d,%d,%d,%d,%d,%lld,%lld,%.3f,%.2f", w->name, sys, t->gpus,
			   p->microbatch_size, p->microbatches, parts, col,
			   (long long)p->predicted_iter_ns, (long long)res.iter_ns,
			   res.iter_ns > 0 ? w->batch / (res.iter_ns * 1e-9) : 0.0, 100.0 * res.sm_util);
	engine_run_result_release(&res);
	plan_free(p);
	return rc;
}

int bench_push_systems(struct bench_task_list *l, const struct bench_opts *o, int gpus)
{
	int rc = 0;

	for (int w = 0; w < o->n_workloads && !rc; w++)
		for (int s = 0; s < BENCH_N_SYSTEMS && !rc; s++)
			rc = bench_task_push(l, w, s, gpus);
	return rc;
}

const char *bench_system_variant(const struct bench_opts *o, const struct bench_task *t)
{
	(void)o;
	return bench_systems[t->variant];
}

int bench_task_run(const struct bench_opts *o, const struct bench_task *tasks, int index,
		   struct bench_table *tables, struct mo_err *err)
{
	const struct bench_task *t = &tasks[index];
	struct workload *w = NULL;
	struct mo_err e;
	int rc;

	if (t->exp < 0 || t->exp >= bench_n_experiments || !bench_experiment_list[t->exp]->run)
		return mo_err_set(err, MO_EUSAGE, "task %d: no experiment %d to run", index, t->exp);
	mo_err_clear(&e);
	rc = load_workload(o, t->wl, &w, &e);
	if (rc) {
		if (err)
			*err = e;
		return rc;
	}
	rc = bench_experiment_list[t->exp]->run(o, t, index, w, tables, err);
	workload_free(w);
	return rc;
}
