/*
 * bench-tasks.c - the experiments of the sweep: each task plans with the
 * planner (predicted times) and runs plans in the simulator (simulated
 * times), and writes rows to the raw tables.  Nothing here invents a number:
 * every value comes out of plan_*, engine_* or model_* calls.
 */
#include "harness/bench.h"
#include "harness/sim-check.h"
#include "harness/cli.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "planner/planner.h"
#include "workloads/workloads.h"

/* Rows are formatted into this buffer, then added. */
#define ROW_MAX 2048

static int add_row(struct bench_table *t, int task, struct mo_err *err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int add_row(struct bench_table *t, int task, struct mo_err *err, const char *fmt, ...)
{
	char buf[ROW_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return bench_table_add(t, task, buf, err);
}

/* A task that could not run: a row in failures.csv (the report lists them). */
static int fail_row(struct bench_table *tables, int task, const char *wl, const char *exp,
		    const char *variant, const struct mo_err *e)
{
	char msg[1024];

	snprintf(msg, sizeof(msg), "%s", e->msg[0] ? e->msg : "failed");
	bench_csv_clean(msg);
	return add_row(&tables[BENCH_T_FAILURE], task, NULL, "%s,%s,%s,%s", wl, exp, variant, msg);
}

/* Is rc a failure of the experiment (recorded) rather than of the harness? */
static int soft(int rc)
{
	return rc == -MO_EINFEASIBLE || rc == -MO_EUSAGE || rc == -MO_EINPUT;
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
	*out = w;
	return 0;
}

/* The simulator's cluster for w on n GPUs (what engine_run derives itself
 * when given none), so experiments can change one knob. */
static void cluster_for(const struct bench_opts *o, const struct workload *w, int n,
			struct engine_cluster *c)
{
	engine_cluster_init(c, o->cluster.gpu, n);
	if (w->gpus_per_node > 0)
		c->gpus_per_node = w->gpus_per_node;
	if (w->nvlink_gbps > 0)
		c->nvlink_gbps = w->nvlink_gbps;
	if (w->net_gbps > 0)
		c->net_gbps = w->net_gbps;
}

static int plan_partitions(const struct plan *p, int *colocated)
{
	int parts = 0, col = 0;

	for (int g = 0; g < p->n_gpus; g++) {
		int slots = 0;

		parts += p->gpus[g].n_partitions;
		for (int k = 0; k < p->gpus[g].n_partitions; k++)
			slots += p->gpus[g].partitions[k].n_slots;
		col += p->gpus[g].n_partitions > 1;
		(void)slots;
	}
	if (colocated)
		*colocated = col;
	return parts;
}

/* ------------------------------------------------------------------------ */
/* Timelines: the simulated trace, merged into boxes                         */
/* ------------------------------------------------------------------------ */

struct box {
	int open;
	int gpu, partition, module, phase, microbatch;
	int64_t start, end;
};

struct timeline {
	const struct bench_opts *o;
	const struct workload *w;
	const char *system;
	struct bench_table *table;
	int task;
	int nbox;
	struct box *boxes;          /* per stream id */
	int nparts;
	struct { int gpu, id, sms; } parts[512];
	int64_t t0;                 /* earliest start seen */
	int rc;
};

static int part_sms(const struct timeline *tl, int gpu, int part)
{
	for (int i = 0; i < tl->nparts; i++)
		if (tl->parts[i].gpu == gpu && tl->parts[i].id == part)
			return tl->parts[i].sms;
	return 0;
}

static int flush_box(struct timeline *tl, struct box *b, struct mo_err *err)
{
	const char *mod = "comm", *ph = "comm";

	if (!b->open)
		return 0;
	b->open = 0;
	if (b->module >= 0 && b->module < tl->w->n_modules)
		mod = tl->w->modules[b->module].name;
	if (b->phase >= 0 && b->phase <= WORKLOAD_OPT)
		ph = workload_phase_name(b->phase);
	return add_row(tl->table, tl->task, err, "%s,%s,%d,%d,%d,%s,%s,%d,%.6f,%.6f",
		       tl->w->name, tl->system, b->gpu, b->partition,
		       b->partition >= 0 ? part_sms(tl, b->gpu, b->partition) : 0, mod, ph,
		       b->microbatch, b->start / 1e6, b->end / 1e6);
}

static int tl_header(void *ctx, const struct trace_header *h, struct mo_err *err)
{
	(void)ctx;
	(void)h;
	(void)err;
	return 0;
}

static int tl_record(void *ctx, const struct trace_record *rec, struct mo_err *err)
{
	struct timeline *tl = ctx;
	const struct trace_kernel *k;
	int64_t start, end;
	int stream, module, phase, mb, dev, part;
	struct box *b;

	if (rec->kind == TRACE_KIND_PARTITION) {
		if (tl->nparts < (int)(sizeof(tl->parts) / sizeof(tl->parts[0]))) {
			tl->parts[tl->nparts].gpu = (int)rec->u.partition.device;
			tl->parts[tl->nparts].id = (int)rec->u.partition.id;
			tl->parts[tl->nparts].sms = (int)rec->u.partition.sms;
			tl->nparts++;
		}
		return 0;
	}
	if (rec->kind == TRACE_KIND_KERNEL) {
		k = &rec->u.kernel;
		start = k->start_ns, end = k->end_ns, stream = (int)k->stream;
		module = (int)k->module, phase = (int)k->phase, mb = (int)k->microbatch;
		dev = (int)k->device, part = (int)k->partition;
	} else if (rec->kind == TRACE_KIND_COLLECTIVE) {
		const struct trace_collective *c = &rec->u.collective;

		start = c->start_ns, end = c->end_ns, stream = (int)c->stream;
		module = (int)c->module, phase = -1, mb = (int)c->microbatch;
		dev = (int)c->device, part = -1;
	} else {
		return 0;
	}
	if (stream < 0)
		return 0;
	if (stream >= tl->nbox) {
		int n = stream + 64;
		struct box *nb = realloc(tl->boxes, (size_t)n * sizeof(*nb));

		if (!nb)
			return mo_err_set(err, MO_ENOMEM, "timeline: out of memory");
		memset(nb + tl->nbox, 0, (size_t)(n - tl->nbox) * sizeof(*nb));
		tl->boxes = nb;
		tl->nbox = n;
	}
	b = &tl->boxes[stream];
	/* One box per (partition, module, phase, microbatch) run, so a person
	 * sees which module holds which partition when; gaps of launch latency
	 * inside a run are part of its box. */
	if (b->open && b->module == module && b->phase == phase && b->microbatch == mb &&
	    b->gpu == dev && b->partition == part && start - b->end <= 50000) {
		if (end > b->end)
			b->end = end;
		return 0;
	}
	if (flush_box(tl, b, err))
		return -1;
	*b = (struct box){1, dev, part, module, phase, mb, start, end};
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Plans                                                                    */
/* ------------------------------------------------------------------------ */

/*
 * Plan w on n GPUs with system, the planner's finalists checked in the
 * simulator on the cluster the bench runs (unless o->no_check).  Self-test
 * (MOSAIC_REGRESS_SELFTEST=worsen): "mosaic" answers with the worst
 * temporal-only baseline's plan instead, a deliberately worse planner for
 * `mosaic regress` to catch.  This lives in the harness, not in the planner.
 */
static int make_plan(const struct bench_opts *o, const struct workload *w, int n,
		     const char *system, struct plan **out, struct mo_err *err)
{
	struct engine_cluster c;
	struct sim_check sc = {w, &c, NULL};
	struct plan_checker chk;
	const struct plan_checker *check = o->no_check ? NULL : &chk;

	cluster_for(o, w, n, &c);
	sim_check_init(&chk, &sc);
	if (o->worsen && !strcmp(system, "mosaic")) {
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
	return plan_make_checked(w, o->cluster.gpu, n, system, check, out, NULL, err);
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
		    make_plan(o, w, o->cluster.n_gpus, "mosaic", &p, NULL) == 0)
			plan_partitions(p, &col);
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

static int run_plan(const struct plan *p, const struct workload *w,
		    const struct engine_cluster *c, const struct trace_sink *sink,
		    struct engine_run_result *res, struct mo_err *err)
{
	struct engine_run_opts ro;

	engine_run_opts_init(&ro);
	ro.cluster = c;
	ro.out = sink;
	memset(res, 0, sizeof(*res));
	return engine_run(p, w, &ro, res, err);
}

/* fig9 / fig10 / fig14 / timelines: one system on gpus GPUs. */
static int task_system(const struct bench_opts *o, const struct bench_task *t, int index,
		       struct workload *w, struct bench_table *tables, struct mo_err *err)
{
	const char *sys = bench_systems[t->variant];
	const char *exp = t->kind == BENCH_TASK_SYSTEM ? "fig9" : "fig14";
	struct engine_cluster c;
	struct engine_run_result res;
	struct plan *p = NULL;
	struct timeline tl;
	struct trace_sink sink = {tl_header, tl_record, &tl};
	int want_tl = t->kind == BENCH_TASK_SYSTEM && t->wl == bench_timeline_workload(o);
	char variant[96];
	struct mo_err e;
	int rc, parts, col;

	snprintf(variant, sizeof(variant), "%s x%d", sys, t->gpus);
	mo_err_clear(&e);
	rc = make_plan(o, w, t->gpus, sys, &p, &e);
	if (rc)
		return soft(rc) ? fail_row(tables, index, w->name, exp, variant, &e)
				: (*err = e, rc);
	cluster_for(o, w, t->gpus, &c);
	memset(&tl, 0, sizeof(tl));
	tl.o = o, tl.w = w, tl.system = sys, tl.table = &tables[BENCH_T_TIMELINE], tl.task = index;
	rc = run_plan(p, w, &c, want_tl ? &sink : NULL, &res, &e);
	if (!rc && want_tl)
		for (int i = 0; i < tl.nbox && !rc; i++)
			rc = flush_box(&tl, &tl.boxes[i], &e);
	free(tl.boxes);
	if (rc) {
		engine_run_result_release(&res);
		plan_free(p);
		return soft(rc) ? fail_row(tables, index, w->name, exp, variant, &e)
				: (*err = e, rc);
	}
	parts = plan_partitions(p, &col);
	rc = add_row(&tables[BENCH_T_ITER], index, err,
		     "%s,%s,%d,%d,%d,%d,%d,%lld,%lld,%.3f,%.2f", w->name, sys, t->gpus,
		     p->microbatch_size, p->microbatches, parts, col,
		     (long long)p->predicted_iter_ns, (long long)res.iter_ns,
		     res.iter_ns > 0 ? w->batch / (res.iter_ns * 1e-9) : 0.0, 100.0 * res.sm_util);
	engine_run_result_release(&res);
	plan_free(p);
	return rc;
}

/* Count slot switches per iteration: consecutive compute tasks of one
 * partition's stream that belong to different slots. */
static int count_switches(const struct plan *p, const struct workload *w,
			  const struct model_gpu *gpu, struct mo_err *err)
{
	struct engine_schedule *sc = NULL;
	int *last, switches = 0;
	int rc = engine_schedule_build(p, w, gpu, &sc, err);

	if (rc)
		return rc;
	last = malloc((size_t)(sc->n_streams > 0 ? sc->n_streams : 1) * sizeof(*last));
	if (!last) {
		engine_schedule_free(sc);
		return mo_err_set(err, MO_ENOMEM, "out of memory");
	}
	for (int s = 0; s < sc->n_streams; s++)
		last[s] = -1;
	for (size_t i = 0; i < sc->n_tasks; i++) {
		const struct engine_task *tk = &sc->tasks[i];

		if (tk->kind != ENGINE_TASK_FWD && tk->kind != ENGINE_TASK_BWD &&
		    tk->kind != ENGINE_TASK_OPT)
			continue;
		if (tk->stream < 0 || tk->stream >= sc->n_streams)
			continue;
		if (last[tk->stream] >= 0 && last[tk->stream] != tk->slot)
			switches++;
		last[tk->stream] = tk->slot;
	}
	free(last);
	engine_schedule_free(sc);
	return switches;
}

/* fig11: the engine overhead the simulator models, on mosaic's plan (variant
 * 0) or megatron's (variant 1). */
static int task_overhead(const struct bench_opts *o, const struct bench_task *t, int index,
			 struct workload *w, struct bench_table *tables, struct mo_err *err)
{
	struct engine_cluster c, c0;
	struct engine_run_result r1, r0;
	struct plan *p = NULL;
	struct mo_err e;
	char what[256];
	const char *sys = t->variant ? "megatron" : "mosaic";
	int rc, sw;

	mo_err_clear(&e);
	rc = make_plan(o, w, t->gpus, sys, &p, &e);
	if (rc)
		return soft(rc) ? fail_row(tables, index, w->name, "fig11", sys, &e)
				: (*err = e, rc);
	cluster_for(o, w, t->gpus, &c);
	c0 = c;
	c0.launch_ns = 0;
	memset(&r0, 0, sizeof(r0));
	rc = run_plan(p, w, &c, NULL, &r1, &e);
	if (!rc)
		rc = run_plan(p, w, &c0, NULL, &r0, &e);
	sw = rc ? 0 : count_switches(p, w, o->cluster.gpu, &e);
	if (!rc && sw < 0)
		rc = sw;
	if (!rc) {
		snprintf(what, sizeof(what),
			 "kernel launch gaps (%lld ns per kernel); partition set-up and switches cost "
			 "nothing extra in the simulator", (long long)c.launch_ns);
		rc = add_row(&tables[BENCH_T_OVERHEAD], index, err, "%s,%s,%d,%d,%lld,%lld,%.3f,%s",
			     w->name, sys, plan_partitions(p, NULL), sw, (long long)r1.iter_ns,
			     (long long)r0.iter_ns,
			     r1.iter_ns > 0 ? 100.0 * (double)(r1.iter_ns - r0.iter_ns) / r1.iter_ns : 0.0,
			     what);
	} else if (soft(rc)) {
		rc = fail_row(tables, index, w->name, "fig11", sys, &e);
	} else {
		*err = e;
	}
	engine_run_result_release(&r1);
	engine_run_result_release(&r0);
	plan_free(p);
	return rc;
}

/* ------------------------------------------------------------------------ */
/* Per-module profiles: predicted (planner's cost arrays) vs simulated       */
/* ------------------------------------------------------------------------ */

/* Simulated time of one microbatch of module m, phase ph, alone on a
 * partition of q SMs of one GPU (kernels back to back with launch gaps). */
static int sim_module(const struct bench_opts *o, const struct workload *w, int m, int ph,
		      int samples, int q, const struct trace_mem *km, int64_t *ns,
		      struct mo_err *err)
{
	struct engine_cluster c;
	struct engine_sim *s;
	struct engine_kernel *ek;
	struct engine_sim_stats st;
	size_t n = 0;
	int rc, part, stream;

	(void)m, (void)ph, (void)samples;
	cluster_for(o, w, 1, &c);
	ek = calloc(km->n ? km->n : 1, sizeof(*ek));
	if (!ek)
		return mo_err_set(err, MO_ENOMEM, "out of memory");
	for (size_t i = 0; i < km->n; i++) {
		if (km->recs[i].kind != TRACE_KIND_KERNEL)
			continue;
		engine_kernel_from_trace(o->cluster.gpu, &km->recs[i].u.kernel, o->cluster.gpu->sms,
					 &ek[n]);
		ek[n].gap_ns = c.launch_ns;
		n++;
	}
	*ns = 0;
	if (!n) {
		free(ek);
		return 0;
	}
	s = engine_sim_new(&c, err);
	if (!s) {
		free(ek);
		return err && err->code ? err->code : -MO_ENOMEM;
	}
	part = engine_sim_add_partition(s, 0, q, err);
	rc = part < 0 ? part : 0;
	if (!rc) {
		stream = engine_sim_add_stream(s, 0, part, err);
		rc = stream < 0 ? stream : 0;
	}
	if (!rc) {
		int64_t op = engine_sim_add_kernels(s, stream, ek, n, NULL, NULL, 0, err);

		rc = op < 0 ? (int)op : 0;
	}
	if (!rc)
		rc = engine_sim_run(s, NULL, err);
	if (!rc) {
		engine_sim_stats(s, &st);
		*ns = st.span_ns;
	}
	engine_sim_free(s);
	free(ek);
	return rc;
}

static int task_profile(const struct bench_opts *o, const struct bench_task *t, int index,
			struct workload *w, struct bench_table *tables, struct mo_err *err)
{
	struct plan_problem *pb = NULL;
	struct mo_err e;
	int rc;

	(void)t;
	mo_err_clear(&e);
	rc = plan_problem_new(w, o->cluster.gpu, 1, w->microbatch, &pb, &e);
	if (rc)
		return soft(rc) ? fail_row(tables, index, w->name, "profile", "-", &e)
				: (*err = e, rc);
	for (int m = 0; m < pb->n_modules && !rc; m++) {
		const struct plan_module_cost *mc = &pb->modules[m];
		int wm = workload_module_index(w, mc->name);

		for (int ph = WORKLOAD_FWD; ph <= WORKLOAD_BWD && !rc && wm >= 0; ph++) {
			struct trace_mem km;

			trace_mem_init(&km);
			rc = workload_kernels(w, wm, 0, w->modules[wm].layers, ph, pb->microbatch_size,
					      o->cluster.gpu, &km, &e);
			int64_t full = 0;
			int fq = pb->n_quotas - 1;

			/* the model's time at the whole GPU, for the linear predictor */
			for (int l = 0; l < mc->layers; l++)
				full += (ph == WORKLOAD_FWD ? mc->fwd_ns : mc->bwd_ns)[l * pb->n_quotas + fq];
			for (int qi = 0; qi < pb->n_quotas && !rc; qi++) {
				int64_t pred = 0, sim = 0, waves = 0;

				for (int l = 0; l < mc->layers; l++)
					pred += (ph == WORKLOAD_FWD ? mc->fwd_ns : mc->bwd_ns)
						[l * pb->n_quotas + qi];
				if (pred <= 0)
					continue; /* no work in this phase (frozen module) */
				/* the wave-scaling baseline, kernel by kernel */
				for (size_t i = 0; i < km.n; i++)
					if (km.recs[i].kind == TRACE_KIND_KERNEL)
						waves += model_kernel_ns_waves(o->cluster.gpu, &km.recs[i].u.kernel,
									       o->cluster.gpu->sms,
									       pb->quotas[qi]);
				rc = sim_module(o, w, wm, ph, pb->microbatch_size, pb->quotas[qi], &km,
						&sim, &e);
				if (!rc && sim > 0)
					rc = add_row(&tables[BENCH_T_PROFILE], index, &e,
						     "%s,%s,%s,%d,%lld,%lld,%lld,%lld", w->name, mc->name,
						     workload_phase_name(ph), pb->quotas[qi],
						     (long long)pred, (long long)sim, (long long)waves,
						     (long long)llround((double)full * pb->quotas[fq] /
									pb->quotas[qi]));
			}
			trace_mem_release(&km);
		}
	}
	plan_problem_free(pb);
	if (rc)
		return soft(rc) ? fail_row(tables, index, w->name, "profile", "-", &e)
				: (*err = e, rc);
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Weaker predictors (fig12)                                                */
/* ------------------------------------------------------------------------ */

/* A deterministic number in [-1, 1] from the coordinates (splitmix64). */
static double noise(const char *wl, int m, int l, int q, int ph)
{
	uint64_t x = 0x9e3779b97f4a7c15ull;

	for (const char *s = wl; *s; s++)
		x = (x ^ (unsigned char)*s) * 0x100000001b3ull;
	x ^= (uint64_t)m * 0xbf58476d1ce4e5b9ull ^ (uint64_t)l * 0x94d049bb133111ebull ^
	     (uint64_t)q << 20 ^ (uint64_t)ph << 40;
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	x ^= x >> 31;
	return (double)(x >> 11) / (double)(1ull << 53) * 2.0 - 1.0;
}

/* Replace pb's per-layer times by the predictor's (in place). */
static int transform(const struct bench_opts *o, const struct workload *w, struct plan_problem *pb,
		     int predictor, struct mo_err *err)
{
	const struct model_gpu *gpu = pb->gpu;
	int full = pb->n_quotas - 1, rc = 0;

	for (int m = 0; m < pb->n_modules && !rc; m++) {
		struct plan_module_cost *mc = &pb->modules[m];
		int wm = workload_module_index(w, mc->name);

		for (int l = 0; l < mc->layers && !rc; l++) {
			for (int ph = WORKLOAD_FWD; ph <= WORKLOAD_BWD && !rc; ph++) {
				int64_t *arr = ph == WORKLOAD_FWD ? mc->fwd_ns : mc->bwd_ns;
				int64_t tfull = arr[l * pb->n_quotas + full];
				struct trace_mem km;

				if (predictor == 1) { /* wave scaling, kernel by kernel */
					trace_mem_init(&km);
					rc = wm < 0 ? mo_err_set(err, MO_EINPUT, "unknown module '%s'",
								 mc->name)
						    : workload_kernels(w, wm, l, l + 1, ph,
								       pb->microbatch_size, gpu, &km, err);
					for (int qi = 0; qi < pb->n_quotas && !rc; qi++) {
						int64_t sum = 0;

						if (arr[l * pb->n_quotas + qi] <= 0)
							continue;
						for (size_t i = 0; i < km.n; i++)
							if (km.recs[i].kind == TRACE_KIND_KERNEL)
								sum += model_kernel_ns_waves(
									gpu, &km.recs[i].u.kernel, gpu->sms,
									pb->quotas[qi]);
						arr[l * pb->n_quotas + qi] = sum;
					}
					trace_mem_release(&km);
					continue;
				}
				for (int qi = 0; qi < pb->n_quotas; qi++) {
					int64_t *v = &arr[l * pb->n_quotas + qi];

					if (*v <= 0)
						continue;
					if (predictor == 2) /* linear in SMs */
						*v = (int64_t)llround((double)tfull * pb->quotas[full] /
								      pb->quotas[qi]);
					else if (predictor == 3) /* the model, +-20% noise */
						*v = (int64_t)llround(
							(double)*v *
							(1.0 + 0.2 * noise(w->name, m, l, pb->quotas[qi], ph)));
				}
			}
		}
	}
	(void)o;
	return rc;
}

static int task_predictor(const struct bench_opts *o, const struct bench_task *t, int index,
			  struct workload *w, struct bench_table *tables, struct mo_err *err)
{
	const char *pred = bench_predictors[t->variant];
	struct plan_problem *pb = NULL, *weak = NULL;
	struct engine_cluster c;
	struct engine_run_result res;
	struct plan_estimate est;
	struct plan *p = NULL;
	struct mo_err e;
	int rc;

	memset(&res, 0, sizeof(res));
	memset(&est, 0, sizeof(est));
	mo_err_clear(&e);
	rc = plan_problem_new(w, o->cluster.gpu, t->gpus, w->microbatch, &pb, &e);
	if (!rc)
		rc = plan_problem_new(w, o->cluster.gpu, t->gpus, w->microbatch, &weak, &e);
	if (!rc)
		rc = transform(o, w, weak, t->variant, &e);
	if (!rc)
		rc = plan_search(weak, "mosaic", &p, &e);
	if (!rc)
		rc = plan_estimate(pb, p, &est, &e);
	if (!rc) {
		cluster_for(o, w, t->gpus, &c);
		rc = run_plan(p, w, &c, NULL, &res, &e);
	}
	if (!rc)
		rc = add_row(&tables[BENCH_T_PREDICTOR], index, err, "%s,%s,%lld,%lld,%lld", w->name,
			     pred, (long long)p->predicted_iter_ns, (long long)est.iter_ns,
			     (long long)res.iter_ns);
	else if (soft(rc))
		rc = fail_row(tables, index, w->name, "fig12", pred, &e);
	else
		*err = e;
	engine_run_result_release(&res);
	plan_estimate_release(&est);
	plan_free(p);
	plan_problem_free(pb);
	plan_problem_free(weak);
	return rc;
}

/* ------------------------------------------------------------------------ */
/* Search quality (fig13)                                                   */
/* ------------------------------------------------------------------------ */

/* GPUs of the small instance on which `optimal` can finish: the fewest of
 * 2, 4, 8 (at most the cluster's) on which mosaic finds a plan that fits. */
static int search_gpus(const struct bench_opts *o, const struct workload *w)
{
	static const int cand[] = {2, 4, 8};
	int last = 2 < o->cluster.n_gpus ? 2 : o->cluster.n_gpus;

	for (size_t i = 0; i < sizeof(cand) / sizeof(cand[0]) && cand[i] <= o->cluster.n_gpus; i++) {
		struct plan_problem *pb = NULL;
		struct plan *p = NULL;
		int ok = plan_problem_new(w, o->cluster.gpu, cand[i], w->microbatch, &pb, NULL) == 0 &&
			 plan_search(pb, "mosaic", &p, NULL) == 0;

		plan_free(p);
		plan_problem_free(pb);
		last = cand[i];
		if (ok)
			break;
	}
	return last;
}

/* Nearest lattice quota at or below sms (0 if none). */
static int lattice_floor(const struct plan_problem *pb, int sms)
{
	int best = 0;

	for (int i = 0; i < pb->n_quotas; i++)
		if (pb->quotas[i] <= sms && pb->quotas[i] > best)
			best = pb->quotas[i];
	return best;
}

/* even-split: mosaic's placement, every GPU's SMs split evenly among its
 * partitions (rounded down to the lattice). */
static int even_split(const struct plan_problem *pb, const struct plan *base, struct plan **out,
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
	*out = p;
	return 0;
}

/* random-search: mosaic's placement, quotas drawn at random (fixed seed) on
 * the lattice under each GPU's SM count; the best of 200 draws by the
 * estimate. */
static int random_search(const struct plan_problem *pb, const struct plan *base,
			 struct plan **out, struct mo_err *err)
{
	uint64_t seed = 0x243f6a8885a308d3ull;
	struct plan *best = NULL;
	int64_t best_ns = INT64_MAX;

	for (int draw = 0; draw < 200; draw++) {
		struct plan *p = plan_clone(base);
		struct plan_estimate est;
		int ok = 1;

		if (!p) {
			plan_free(best);
			return mo_err_set(err, MO_ENOMEM, "out of memory");
		}
		for (int g = 0; g < p->n_gpus && ok; g++) {
			int k = p->gpus[g].n_partitions, left = pb->gpu->sms;

			if (k == 1) {
				p->gpus[g].partitions[0].sms = pb->gpu->sms;
				continue;
			}
			for (int j = 0; j < k; j++) {
				int room = left - (k - 1 - j) * pb->quotas[0], choices = 0, pick;

				for (int qi = 0; qi < pb->n_quotas; qi++)
					choices += pb->quotas[qi] <= room && pb->quotas[qi] < pb->gpu->sms;
				if (!choices) {
					ok = 0;
					break;
				}
				seed = seed * 6364136223846793005ull + 1442695040888963407ull;
				pick = (int)((seed >> 33) % (uint64_t)choices);
				for (int qi = 0; qi < pb->n_quotas; qi++)
					if (pb->quotas[qi] <= room && pb->quotas[qi] < pb->gpu->sms &&
					    pick-- == 0) {
						p->gpus[g].partitions[j].sms = pb->quotas[qi];
						left -= pb->quotas[qi];
						break;
					}
			}
		}
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
	*out = best;
	return 0;
}

static int task_search(const struct bench_opts *o, const struct bench_task *t, int index,
		       struct workload *w, struct bench_table *tables, struct mo_err *err)
{
	const char *methods[16];
	const char *method;
	int n = search_gpus(o, w), rc;
	struct plan_problem *pb = NULL;
	struct plan *p = NULL, *base = NULL;
	struct engine_cluster c;
	struct engine_run_result res;
	struct plan_estimate est;
	struct mo_err e;
	const char *status = "ok", *note = "";
	char notebuf[1024];

	bench_search_methods(methods, 16);
	method = methods[t->variant];
	memset(&res, 0, sizeof(res));
	memset(&est, 0, sizeof(est));
	mo_err_clear(&e);
	rc = plan_problem_new(w, o->cluster.gpu, n, w->microbatch, &pb, &e);
	if (!rc) {
		if (!strcmp(method, "even-split") || !strcmp(method, "random-search")) {
			rc = plan_search(pb, "mosaic", &base, &e);
			if (!rc)
				rc = !strcmp(method, "even-split") ? even_split(pb, base, &p, &e)
								   : random_search(pb, base, &p, &e);
			if (!rc)
				snprintf(p->planner, sizeof(p->planner), "%s", method);
		} else {
			rc = plan_search(pb, method, &p, &e);
		}
	}
	if (!rc)
		rc = plan_estimate(pb, p, &est, &e);
	if (!rc) {
		cluster_for(o, w, n, &c);
		rc = run_plan(p, w, &c, NULL, &res, &e);
	}
	if (!rc) {
		rc = add_row(&tables[BENCH_T_SEARCH], index, err, "%s,%d,%s,ok,%lld,%lld,", w->name, n,
			     method, (long long)est.iter_ns, (long long)res.iter_ns);
	} else if (soft(rc)) {
		status = rc == -MO_EUSAGE ? "refused" : rc == -MO_EINFEASIBLE ? "infeasible" : "error";
		snprintf(notebuf, sizeof(notebuf), "%s", e.msg);
		bench_csv_clean(notebuf);
		note = notebuf;
		rc = add_row(&tables[BENCH_T_SEARCH], index, err, "%s,%d,%s,%s,,,%s", w->name, n,
			     method, status, note);
	} else {
		*err = e;
	}
	engine_run_result_release(&res);
	plan_estimate_release(&est);
	plan_free(p);
	plan_free(base);
	plan_problem_free(pb);
	return rc;
}

/* ------------------------------------------------------------------------ */

int bench_task_run(const struct bench_opts *o, const struct bench_task *tasks, int index,
		   struct bench_table *tables, struct mo_err *err)
{
	const struct bench_task *t = &tasks[index];
	struct workload *w = NULL;
	struct mo_err e;
	int rc;

	mo_err_clear(&e);
	rc = load_workload(o, t->wl, &w, &e);
	if (rc) {
		if (err)
			*err = e;
		return rc;
	}
	switch (t->kind) {
	case BENCH_TASK_SYSTEM:
	case BENCH_TASK_SCALE:
		rc = task_system(o, t, index, w, tables, err);
		break;
	case BENCH_TASK_OVERHEAD:
		rc = task_overhead(o, t, index, w, tables, err);
		break;
	case BENCH_TASK_PROFILE:
		rc = task_profile(o, t, index, w, tables, err);
		break;
	case BENCH_TASK_PREDICTOR:
		rc = task_predictor(o, t, index, w, tables, err);
		break;
	case BENCH_TASK_SEARCH:
		rc = task_search(o, t, index, w, tables, err);
		break;
	default:
		rc = mo_err_set(err, MO_EUSAGE, "unknown task kind %d", t->kind);
	}
	workload_free(w);
	return rc;
}
