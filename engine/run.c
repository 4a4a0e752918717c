/*
 * run.c - plan execution on the sim backend: a schedule's tasks become
 * simulator operations; kernels come from the workload (cached per module,
 * layer range and phase, shared by every microbatch); results are the
 * simulated iteration time, utilisation, per-module time and the trace.
 */
#include "engine/engine-internal.h"
#include "planner/planner.h"
#include "workloads/workloads.h"

#include <stdio.h>
#include <string.h>

void engine_run_result_release(struct engine_run_result *r)
{
	if (!r)
		return;
	free(r->gpu_util);
	free(r->gpu_mem_bytes);
	free(r->gpu_peak_bytes);
	free(r->gpu_dram_util);
	free(r->modules);
	memset(r, 0, sizeof(*r));
}

struct kcache_entry {
	int module, lb, le, phase;
	struct trace_mem recs;
	struct engine_kernel *k;
	size_t n;
};

struct kcache {
	struct kcache_entry *e;
	size_t n, cap;
};

static int default_kernels(void *ctx, const struct workload *w, int module, int lb, int le,
			   int phase, int samples, const struct model_gpu *gpu, struct trace_mem *out,
			   struct mo_err *err)
{
	(void)ctx;
	return workload_kernels(w, module, lb, le, phase, samples, gpu, out, err);
}

/* The cached kernels of (module, layers, phase); *idx receives the entry. */
static int kcache_get(struct kcache *kc, const struct engine_run_opts *o, const struct workload *w,
		      const struct engine_cluster *c, int module, int lb, int le, int phase,
		      int samples, size_t *idx, struct mo_err *err)
{
	struct kcache_entry *e;
	engine_kernel_source src = o->kernels ? o->kernels : default_kernels;
	int rc;

	for (size_t i = 0; i < kc->n; i++)
		if (kc->e[i].module == module && kc->e[i].lb == lb && kc->e[i].le == le &&
		    kc->e[i].phase == phase) {
			*idx = i;
			return 0;
		}
	if (MO_GROW(kc->e, kc->n + 1, kc->cap))
		return mo_err_set(err, MO_ENOMEM, "out of memory");
	e = &kc->e[kc->n];
	memset(e, 0, sizeof(*e));
	e->module = module, e->lb = lb, e->le = le, e->phase = phase;
	trace_mem_init(&e->recs);
	rc = src(o->kernels_ctx, w, module, lb, le, phase, samples, c->gpu, &e->recs, err);
	if (rc < 0) {
		mo_err_prefix(err, "kernels of module '%s' layers %d..%d (%s)", w->modules[module].name,
			      lb, le, workload_phase_name(phase));
		trace_mem_release(&e->recs);
		return rc;
	}
	e->k = calloc(e->recs.n + 1, sizeof(*e->k));
	if (!e->k) {
		trace_mem_release(&e->recs);
		return mo_err_set(err, MO_ENOMEM, "out of memory");
	}
	/* the slice's optimizer step costs its own tensors' activity (-1: a
	 * trace module, whose kernels cost their own) */
	int64_t opt = phase == WORKLOAD_OPT && c->host.mode != MODEL_LAUNCH_GRAPHS
			      ? workload_host_opt_ns(w, module, lb, le, &c->host)
			      : -1;
	for (size_t i = 0; i < e->recs.n; i++) {
		const struct trace_record *r = &e->recs.recs[i];
		if (r->kind != TRACE_KIND_KERNEL)
			continue;
		engine_kernel_from_trace(c->gpu, &r->u.kernel, c->gpu->sms, &e->k[e->n]);
		e->k[e->n].gap_ns = c->launch_ns;
		e->k[e->n].host_ns = opt >= 0 ? 0
					      : workload_host_record_ns(w, module, phase, &c->host,
									&r->u.kernel);
		e->k[e->n].rec = r;
		e->n++;
	}
	for (size_t i = 0; opt >= 0 && i < e->n; i++)
		e->k[i].host_ns = opt / (int64_t)e->n;
	if (e->n && c->host.mode == MODEL_LAUNCH_GRAPHS)
		e->k[0].host_ns = c->host.graph_launch_ns; /* one graph launch per task */
	*idx = kc->n++;
	return 0;
}

static void kcache_release(struct kcache *kc)
{
	for (size_t i = 0; i < kc->n; i++) {
		trace_mem_release(&kc->e[i].recs);
		free(kc->e[i].k);
	}
	free(kc->e);
}

/* A 1 ns placeholder for a task with no kernels (keeps the dependency chain);
 * its record kind is none, so the trace does not show it. */
static const struct trace_record no_record = {.kind = TRACE_KIND_NONE};
static const struct engine_kernel empty_kernel = {
	.blocks = 1, .blocks_per_sm = 1, .fixed_ns = 1, .rec = &no_record};

struct mem_ev {
	int64_t t, delta;
	int gpu;
};

static int mem_ev_cmp(const void *a, const void *b)
{
	const struct mem_ev *x = a, *y = b;

	if (x->gpu != y->gpu)
		return x->gpu < y->gpu ? -1 : 1;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return (x->delta > y->delta) - (x->delta < y->delta); /* frees first */
}

/* Simulated peak memory per GPU from the tasks' simulated times. */
static int peak_memory(const struct engine_schedule *sc, const struct workload *w,
		       const struct engine_sim *sim, const int64_t *op, int64_t *peak)
{
	struct mem_ev *ev = malloc((sc->n_tasks * 2 + 1) * sizeof(*ev));
	int64_t *act = malloc(((size_t)sc->n_slots + 1) * sizeof(int64_t));
	size_t n = 0;

	if (!ev || !act) {
		free(ev);
		free(act);
		return -1;
	}
	for (int g = 0; g < sc->n_gpus; g++)
		peak[g] = 0;
	for (int s = 0; s < sc->n_slots; s++) {
		struct workload_memory wm;
		const struct engine_slot *sl = &sc->slots[s];
		workload_memory(w, sl->module, sl->layer_begin, sl->layer_end, &wm);
		peak[sl->gpu] += wm.params + wm.grads + wm.optimizer;
		act[s] = wm.act_per_sample * sc->microbatch_size;
	}
	for (size_t t = 0; t < sc->n_tasks; t++) {
		const struct engine_task *tk = &sc->tasks[t];
		const struct engine_slot *sl = &sc->slots[tk->slot];
		if (tk->kind == ENGINE_TASK_FWD) {
			ev[n++] = (struct mem_ev){engine_sim_op_start(sim, op[t]), act[tk->slot], sl->gpu};
			if (!sl->has_bwd)
				ev[n++] = (struct mem_ev){engine_sim_op_end(sim, op[t]), -act[tk->slot], sl->gpu};
		} else if (tk->kind == ENGINE_TASK_BWD) {
			ev[n++] = (struct mem_ev){engine_sim_op_end(sim, op[t]), -act[tk->slot], sl->gpu};
		}
	}
	qsort(ev, n, sizeof(*ev), mem_ev_cmp);
	for (size_t i = 0; i < n;) {
		int g = ev[i].gpu;
		int64_t cur = 0, most = 0;
		for (; i < n && ev[i].gpu == g; i++) {
			cur += ev[i].delta;
			if (cur > most)
				most = cur;
		}
		peak[g] += most;
	}
	free(ev);
	free(act);
	return 0;
}

static int send_definitions(const struct trace_sink *out, const struct workload *w,
			    const struct engine_cluster *c, struct mo_err *err)
{
	struct trace_header h;
	struct trace_record rec;
	const struct model_gpu *g = c->gpu;
	int rc;

	trace_header_init(&h);
	h.producer = "mosaic sim " MOSAIC_VERSION;
	h.source = TRACE_SOURCE_SIMULATED;
	h.origin = w->name;
	h.quota_sms = 0;
	h.gpu_name = g->name;
	h.gpu_sms = g->sms;
	h.gpu_cc_major = g->cc_major;
	h.gpu_cc_minor = g->cc_minor;
	h.gpu_mem_bytes = g->mem_bytes;
	h.gpu_max_threads_per_sm = g->max_threads_per_sm;
	h.gpu_max_threads_per_block = g->max_threads_per_block;
	h.gpu_regs_per_sm = g->regs_per_sm;
	h.gpu_regs_per_block = g->regs_per_block;
	h.gpu_smem_per_sm = g->smem_per_sm;
	h.gpu_smem_per_block = g->smem_per_block;
	h.gpu_smem_per_block_optin = g->smem_per_block_optin;
	h.gpu_warp_size = g->warp_size;
	if (out->header && (rc = out->header(out->ctx, &h, err)) != 0)
		return rc;
	for (int m = 0; m < w->n_modules; m++) {
		trace_record_init(&rec, TRACE_KIND_MODULE);
		rec.u.module.id = m;
		rec.u.module.name = w->modules[m].name;
		if ((rc = out->record(out->ctx, &rec, err)) != 0)
			return rc;
	}
	for (int ph = 0; ph <= WORKLOAD_OPT; ph++) {
		trace_record_init(&rec, TRACE_KIND_PHASE);
		rec.u.phase.id = ph;
		rec.u.phase.name = workload_phase_name(ph);
		if ((rc = out->record(out->ctx, &rec, err)) != 0)
			return rc;
	}
	return 0;
}

/* The state of one engine_sim_schedule: the simulator, its streams, the
 * kernels of each slot and phase, and the operation id of every task. */
struct sched_run {
	const struct engine_schedule *sc;
	const struct workload *w;
	const struct engine_cluster *c;
	const struct engine_run_opts *o;
	struct engine_sim *sim;
	struct kcache kc;
	size_t *slot_k;           /* per slot and phase: cache entry (SIZE_MAX: none) */
	int64_t *op;              /* per task: its simulator operation */
	int *sim_stream;          /* per schedule stream: the simulator's */
	char (*names)[96];        /* per stream: its name in the trace */
	int64_t *deps;            /* scratch: one task's dependencies */
	int *peers;               /* scratch: one task's communication streams */
	size_t cap_deps, cap_peers;
	/* identical blocks (engine_replicas_find): sc is block 0's schedule and
	 * its shared all-reduces are priced over rep's groups; blocks == 1: sc
	 * is the whole schedule */
	const struct engine_replicas *rep;
	int blocks, n_gpus;       /* ... and the whole schedule's GPUs */
	size_t n_tasks;           /* ... and tasks */
	uint64_t kernels, comms;  /* queued, counted for every block a task stands for */
};

/* How many blocks task t of r->sc stands for (1 when nothing collapsed). */
static int task_mult(const struct sched_run *r, size_t t)
{
	return r->blocks > 1 ? r->rep->mult[t] : 1;
}

/* The simulator's GPU that GPU g of the whole schedule copies, -1 none. */
static int gpu_of(const struct sched_run *r, int g)
{
	return r->blocks > 1 ? r->rep->gpu_sub[g] : g;
}

static int sched_nomem(struct mo_err *err)
{
	return mo_err_set(err, MO_ENOMEM, "out of memory running the schedule");
}

/* The partitions in the schedule's order, then the streams (named, grouped
 * by partition, bound to their host thread). */
static int sched_add_streams(struct sched_run *r, struct mo_err *err)
{
	const struct engine_schedule *sc = r->sc;
	const struct engine_cluster *c = r->c;
	int rc;

	for (int i = 0; i < sc->n_parts; i++) {
		rc = engine_sim_add_partition(r->sim, sc->parts[i].gpu,
					      sc->parts[i].sms > 0 ? sc->parts[i].sms : c->gpu->sms, err);
		if (rc < 0)
			return rc;
	}
	if (c->host.queue_depth > 0 &&
	    (rc = engine_sim_set_queue_depth(r->sim, c->host.queue_depth, err)) < 0)
		return rc;
	for (int i = 0; i < sc->n_streams; i++) {
		const struct engine_stream *st = &sc->streams[i];
		const struct engine_slot *sl = &sc->slots[st->slot];
		int s = engine_sim_add_stream(r->sim, st->gpu, st->partition, err);
		if ((r->sim_stream[i] = s) < 0)
			return s;
		if (!st->comm && !c->share_streams &&
		    (rc = engine_sim_set_group(r->sim, s, st->part, err)) < 0)
			return rc;
		if (!st->comm && c->host_issue != MODEL_HOST_NONE &&
		    (rc = engine_sim_set_host(r->sim, s,
					      c->host_issue == MODEL_HOST_PER_GPU ? st->gpu : st->slot,
					      err)) < 0)
			return rc;
		snprintf(r->names[i], sizeof(r->names[i]), "%s stage %d replica %d%s",
			 r->w->modules[sl->module].name, sl->stage, sl->replica, st->comm ? " comm" : "");
		engine_sim_set_stream_name(r->sim, s, r->names[i], NULL);
	}
	return 0;
}

/* The kernels of every slot and phase it has, from the cache. */
static int sched_load_kernels(struct sched_run *r, struct mo_err *err)
{
	const struct engine_schedule *sc = r->sc;
	int rc;

	for (int s = 0; s < sc->n_slots; s++) {
		const struct engine_slot *sl = &sc->slots[s];
		for (int ph = 0; ph <= WORKLOAD_OPT; ph++) {
			r->slot_k[s * 3 + ph] = SIZE_MAX;
			if ((ph == WORKLOAD_BWD && !sl->has_bwd) || (ph == WORKLOAD_OPT && !sl->has_opt))
				continue;
			if ((rc = kcache_get(&r->kc, r->o, r->w, r->c, sl->module, sl->layer_begin,
					     sl->layer_end, ph, sc->microbatch_size, &r->slot_k[s * 3 + ph],
					     err)) < 0)
				return rc;
		}
	}
	return 0;
}

/* Task t as one simulator operation (its kernels, or its communication). */
static int sched_queue_task(struct sched_run *r, size_t t, struct mo_err *err)
{
	const struct engine_schedule *sc = r->sc;
	const struct engine_task *tk = &sc->tasks[t];
	struct engine_tags tags = {-1, -1, -1, -1};

	if (MO_GROW(r->deps, tk->n_deps + 1, r->cap_deps) ||
	    MO_GROW(r->peers, tk->n_peers + 1, r->cap_peers))
		return sched_nomem(err);
	for (size_t i = 0; i < tk->n_deps; i++)
		r->deps[i] = r->op[sc->deps[tk->dep_off + i]];
	tags.module = sc->slots[tk->slot].module;
	tags.microbatch = tk->microbatch;
	if (tk->kind == ENGINE_TASK_FWD || tk->kind == ENGINE_TASK_BWD || tk->kind == ENGINE_TASK_OPT) {
		int ph = tk->kind == ENGINE_TASK_FWD ? WORKLOAD_FWD
			 : tk->kind == ENGINE_TASK_BWD ? WORKLOAD_BWD : WORKLOAD_OPT;
		size_t e = r->slot_k[tk->slot * 3 + ph];
		const struct engine_kernel *k = &empty_kernel;
		size_t n = 1;
		if (e != SIZE_MAX && r->kc.e[e].n > 0) {
			k = r->kc.e[e].k;
			n = r->kc.e[e].n;
		}
		tags.phase = ph;
		r->kernels += n * (uint64_t)task_mult(r, t);
		r->op[t] = engine_sim_add_kernels(r->sim, r->sim_stream[tk->stream], k, n, &tags, r->deps,
						  tk->n_deps, err);
	} else {
		for (size_t i = 0; i < tk->n_peers; i++)
			r->peers[i] = r->sim_stream[sc->peers[tk->peer_off + i]];
		tags.phase = tk->kind == ENGINE_TASK_ALLREDUCE ? WORKLOAD_OPT : -1;
		r->comms += (uint64_t)task_mult(r, t);
		r->op[t] = engine_sim_add_comm(r->sim,
					       tk->kind == ENGINE_TASK_SEND ? ENGINE_COMM_SEND
									    : ENGINE_COMM_ALLREDUCE,
					       r->peers, (int)tk->n_peers, tk->bytes, &tags, r->deps,
					       tk->n_deps, err);
		if (r->op[t] >= 0 && r->blocks > 1 && r->rep->span_gpus[t] > 0) {
			int rc = engine_sim_set_comm_span(r->sim, r->op[t], r->rep->span_gpus[t],
							  r->rep->span_net[t], err);
			if (rc < 0)
				return rc;
		}
	}
	return r->op[t] < 0 ? (int)r->op[t] : 0;
}

/* Counts and per-GPU SM and DRAM utilisation of the run (a GPU of a
 * collapsed block has its simulated copy's figures, gpu_of; summed in the
 * same order as a full run sums them). */
static int sched_gpu_results(const struct sched_run *r, struct engine_run_result *res,
			     struct mo_err *err)
{
	const struct model_gpu *gpu = r->c->gpu;
	int n = r->n_gpus;
	struct engine_sim_stats st;

	engine_sim_stats(r->sim, &st);
	res->source = TRACE_SOURCE_SIMULATED;
	res->iter_ns = res->iter_ns_min = res->iter_ns_max = st.span_ns;
	res->iterations = 1;
	res->kernels = r->blocks > 1 ? r->kernels : st.kernels;
	res->comms = r->blocks > 1 ? r->comms : st.comms;
	res->events = st.events;
	res->tasks = r->n_tasks;
	res->n_gpus = n;
	res->gpu_util = calloc((size_t)n, sizeof(double));
	res->gpu_dram_util = calloc((size_t)n, sizeof(double));
	if (!res->gpu_util || !res->gpu_dram_util)
		return sched_nomem(err);
	for (int g = 0; g < n; g++) {
		double avail = (double)gpu->sms * (double)st.span_ns;
		double bw = (gpu->hbm_gbps > 0 ? gpu->hbm_gbps : 1000) * (double)st.span_ns;
		int s = gpu_of(r, g); /* -1: an engine_sim_* of no GPU, 0 */
		res->gpu_util[g] = avail > 0 ? engine_sim_gpu_busy_sm_ns(r->sim, s) / avail : 0;
		res->sm_util += res->gpu_util[g] / n;
		res->gpu_dram_util[g] = bw > 0 ? engine_sim_gpu_dram_bytes(r->sim, s) / bw : 0;
		res->dram_util += res->gpu_dram_util[g] / n;
	}
	return 0;
}

/* Per module: busy time per phase and the span of its compute tasks. */
static int sched_module_results(const struct sched_run *r, struct engine_run_result *res,
				struct mo_err *err)
{
	const struct engine_schedule *sc = r->sc;
	int nm = r->w->n_modules;
	int64_t *first = malloc(((size_t)nm + 1) * sizeof(int64_t));
	int64_t *last = calloc((size_t)nm + 1, sizeof(int64_t));

	res->n_modules = nm;
	res->modules = calloc((size_t)nm + 1, sizeof(*res->modules));
	if (!first || !last || !res->modules) {
		free(first);
		free(last);
		return sched_nomem(err);
	}
	for (int m = 0; m < nm; m++) {
		snprintf(res->modules[m].name, sizeof(res->modules[m].name), "%s", r->w->modules[m].name);
		first[m] = INT64_MAX;
	}
	for (size_t t = 0; t < sc->n_tasks; t++) {
		const struct engine_task *tk = &sc->tasks[t];
		int m = sc->slots[tk->slot].module;
		struct engine_module_time *mt = &res->modules[m];
		int64_t s0 = engine_sim_op_start(r->sim, r->op[t]), s1 = engine_sim_op_end(r->sim, r->op[t]);
		int64_t d = (s1 - s0) * task_mult(r, t); /* every block's copy of it */
		if (tk->kind == ENGINE_TASK_SEND || tk->kind == ENGINE_TASK_ALLREDUCE)
			continue;
		mt->busy_ns += d;
		if (tk->kind == ENGINE_TASK_FWD)
			mt->fwd_ns += d;
		else if (tk->kind == ENGINE_TASK_BWD)
			mt->bwd_ns += d;
		else
			mt->opt_ns += d;
		if (s0 < first[m])
			first[m] = s0;
		if (s1 > last[m])
			last[m] = s1;
	}
	for (int m = 0; m < nm; m++)
		res->modules[m].span_ns = first[m] == INT64_MAX ? 0 : last[m] - first[m];
	free(first);
	free(last);
	return 0;
}

/* Simulated peak memory of every GPU (a GPU of a collapsed block: its
 * copy's; one that holds nothing: 0). */
static int sched_peaks(const struct sched_run *r, struct engine_run_result *res, struct mo_err *err)
{
	int64_t *sub = calloc((size_t)r->sc->n_gpus + 1, sizeof(int64_t));

	res->gpu_peak_bytes = calloc((size_t)r->n_gpus + 1, sizeof(int64_t));
	if (!sub || !res->gpu_peak_bytes || peak_memory(r->sc, r->w, r->sim, r->op, sub)) {
		free(sub);
		return sched_nomem(err);
	}
	for (int g = 0; g < r->n_gpus; g++)
		res->gpu_peak_bytes[g] = gpu_of(r, g) >= 0 ? sub[gpu_of(r, g)] : 0;
	free(sub);
	return 0;
}

/* Queue every task, run the simulator and fill res (0, or a negative code). */
static int sched_simulate(struct sched_run *r, struct engine_run_result *res, struct mo_err *err)
{
	const struct engine_run_opts *o = r->o;
	int rc;

	if ((rc = sched_add_streams(r, err)) < 0 || (rc = sched_load_kernels(r, err)) < 0)
		return rc;
	for (size_t t = 0; t < r->sc->n_tasks; t++)
		if ((rc = sched_queue_task(r, t, err)) < 0)
			return rc;
	if (o->out && (rc = send_definitions(o->out, r->w, r->c, err)) != 0)
		return rc;
	if (o->stop_after_ns > 0)
		engine_sim_set_stop(r->sim, o->stop_after_ns);
	if ((rc = engine_sim_run(r->sim, o->out, err)) < 0)
		return rc;
	if (rc == 1) { /* longer than stop_after_ns: no results */
		res->stopped = 1;
		res->iter_ns = -1;
		return 0;
	}
	if ((rc = sched_gpu_results(r, res, err)) < 0 || (rc = sched_module_results(r, res, err)) < 0)
		return rc;
	return sched_peaks(r, res, err);
}

/* Whether to simulate one block of identical replicas (rep->blocks > 1) or
 * every GPU; res->replicas states which, and why.  0, or -MO_ENOMEM. */
static int replicas_choose(const struct engine_schedule *sc, const struct engine_cluster *c,
			   const struct engine_run_opts *o, struct engine_replicas *rep,
			   struct engine_run_result *res, struct mo_err *err)
{
	char what[128], idle[48] = "";
	int rc;

	memset(rep, 0, sizeof(*rep));
	rep->blocks = 1;
	rep->block_gpus = sc->n_gpus;
	if (o->replicas_full)
		snprintf(rep->why, sizeof(rep->why), "asked to simulate every replica");
	else if (o->out)
		snprintf(rep->why, sizeof(rep->why), "a trace was asked for (it holds every GPU)");
	else if ((rc = engine_replicas_find(sc, c, rep, err)) < 0)
		return rc;
	res->replica_blocks = rep->blocks;
	res->replica_block_gpus = rep->block_gpus;
	res->replica_kinds = rep->kinds;
	if (rep->blocks == 1) {
		snprintf(res->replicas, sizeof(res->replicas), "in full: %s", rep->why);
		return 0;
	}
	if (rep->kinds == 1)
		snprintf(what, sizeof(what), "%d identical blocks of %d GPU%s, simulated once",
			 rep->blocks, rep->block_gpus, rep->block_gpus == 1 ? "" : "s");
	else
		snprintf(what, sizeof(what), "%d blocks of %d GPU%s in %d kinds of identical blocks, "
			 "one of each simulated", rep->blocks, rep->block_gpus,
			 rep->block_gpus == 1 ? "" : "s", rep->kinds);
	if (rep->blocks * rep->block_gpus < sc->n_gpus)
		snprintf(idle, sizeof(idle), ", GPUs %d-%d idle", rep->blocks * rep->block_gpus,
			 sc->n_gpus - 1);
	if (rep->shared)
		snprintf(res->replicas, sizeof(res->replicas), "%s%s; assumed: symmetric all-reduce "
			 "(%zu all-reduces priced over the whole group)", what, idle, rep->shared);
	else
		snprintf(res->replicas, sizeof(res->replicas), "%s%s (nothing passes between them)",
			 what, idle);
	return 0;
}

int engine_sim_schedule(const struct engine_schedule *sc, const struct workload *w,
			const struct engine_cluster *c, const struct engine_run_opts *o,
			struct engine_run_result *res, struct mo_err *err)
{
	struct engine_run_opts defo;
	struct sched_run r = {.sc = sc, .w = w, .c = c, .o = o, .n_gpus = sc->n_gpus,
			      .n_tasks = sc->n_tasks};
	struct engine_replicas rep;
	struct engine_cluster bc;
	int rc;

	if (!o) {
		engine_run_opts_init(&defo);
		r.o = &defo;
	}
	memset(res, 0, sizeof(*res));
	if ((rc = replicas_choose(sc, c, r.o, &rep, res, err)) < 0)
		return rc;
	r.rep = &rep;
	r.blocks = rep.blocks;
	bc = *c;
	if (rep.blocks > 1) { /* a block of each kind alone, on its own GPUs */
		r.sc = sc = rep.sub;
		bc.n_gpus = sc->n_gpus;
		r.c = c = &bc;
	}
	r.sim = engine_sim_new(c, err);
	if (!r.sim) {
		engine_replicas_release(&rep);
		memset(res, 0, sizeof(*res));
		return err ? err->code : -MO_ENOMEM;
	}
	r.sim_stream = malloc(((size_t)sc->n_streams + 1) * sizeof(int));
	r.op = malloc((sc->n_tasks + 1) * sizeof(int64_t));
	r.slot_k = malloc(((size_t)sc->n_slots * 3 + 1) * sizeof(size_t));
	r.names = calloc((size_t)sc->n_streams + 1, sizeof(*r.names));
	if (!r.sim_stream || !r.op || !r.slot_k || !r.names)
		rc = sched_nomem(err);
	else
		rc = sched_simulate(&r, res, err);
	if (rc < 0)
		engine_run_result_release(res);
	engine_replicas_release(&rep);
	engine_sim_free(r.sim);
	kcache_release(&r.kc);
	free(r.slot_k);
	free(r.op);
	free(r.deps);
	free(r.peers);
	free(r.sim_stream);
	free(r.names);
	return rc < 0 ? rc : 0;
}

void engine_cluster_for_workload(struct engine_cluster *c, const struct model_gpu *gpu, int n_gpus,
				 const struct workload *w)
{
	engine_cluster_init(c, gpu, n_gpus);
	if (w->gpus_per_node > 0)
		c->gpus_per_node = w->gpus_per_node;
	if (w->nvlink_gbps > 0)
		c->nvlink_gbps = w->nvlink_gbps;
	if (w->net_gbps > 0)
		c->net_gbps = w->net_gbps;
}

/* The cluster a plan runs on: o->cluster, else the workload's, on the
 * plan's GPU; host issue and launch mode from the plan, the host CPU from
 * the workload. */
static void plan_cluster(const struct plan *p, const struct workload *w,
			 const struct engine_run_opts *o, const struct model_gpu *gpu,
			 struct engine_cluster *c)
{
	if (o->cluster) {
		*c = *o->cluster;
		c->gpu = gpu;
		c->n_gpus = p->n_gpus;
	} else {
		engine_cluster_for_workload(c, gpu, p->n_gpus, w);
	}
	c->host_issue = p->host_issue;
	if (p->share_streams)
		c->share_streams = 1;
	model_host_init_cpu(&c->host, p->launch_mode, w->host_cpu);
}

/* Simulate the schedule; the trace to o->out, or to the file o->out_path. */
static int simulate_to(const struct engine_schedule *sc, const struct workload *w,
		       const struct engine_cluster *c, const struct engine_run_opts *o,
		       struct engine_run_result *res, struct mo_err *err)
{
	struct engine_run_opts fo;
	struct trace_writer *tw = NULL;
	struct trace_sink sink;
	int rc;

	if (o->out || !o->out_path)
		return engine_sim_schedule(sc, w, c, o, res, err);
	if (trace_sink_writer(&sink, &tw, o->out_path) < 0)
		return mo_err_set(err, MO_ENOMEM, "out of memory");
	fo = *o;
	fo.out = &sink;
	if ((rc = engine_sim_schedule(sc, w, c, &fo, res, err)) < 0) {
		trace_writer_abort(tw);
		return rc;
	}
	if ((rc = trace_writer_close(tw, err)) < 0)
		engine_run_result_release(res);
	return rc;
}

int engine_sim_run_plan(const struct plan *p, const struct workload *w,
			const struct engine_run_opts *o, struct engine_run_result *res,
			struct mo_err *err)
{
	struct engine_schedule *sc = NULL;
	struct engine_cluster c;
	const struct model_gpu *gpu;
	int rc;

	gpu = model_gpu_find(p->gpu[0] ? p->gpu : w->gpu, err);
	if (!gpu) {
		mo_err_prefix(err, "plan GPU '%s'", p->gpu);
		return err ? err->code : -MO_EINPUT;
	}
	if ((rc = engine_schedule_build(p, w, gpu, &sc, err)) < 0)
		return rc;
	plan_cluster(p, w, o, gpu, &c);
	rc = simulate_to(sc, w, &c, o, res, err);
	if (rc == 0) {
		res->gpu_mem_bytes = calloc((size_t)p->n_gpus, sizeof(int64_t));
		res->gpu_mem_capacity = gpu->mem_bytes;
		if (!res->gpu_mem_bytes) {
			rc = mo_err_set(err, MO_ENOMEM, "out of memory");
			engine_run_result_release(res);
		} else if ((rc = plan_memory(p, w, res->gpu_mem_bytes, err)) < 0) {
			engine_run_result_release(res);
		}
	}
	engine_schedule_free(sc);
	return rc;
}
