/*
 * schedule.c - a plan and a workload become tasks on streams, in one global
 * order that respects every dependency (see engine_schedule_build in
 * engine.h).  Backend-independent: the sim backend (run.c) and the cuda
 * backend issue the same tasks in the same order.
 *
 * The order comes from an ideal pipeline over the DAG's positions: a slot's
 * position (depth) is its module's base (the longest chain of stages before
 * it along the workload's edges) plus its stage.  With unit forward and
 * double backward times, every position runs its 1F1B (or GPipe) sequence
 * as early as its inputs allow; each task gets that ideal start time.  A
 * dependency always ends before its dependant starts in that ideal run, so
 * sorting by ideal time gives a global order in which every dependency comes
 * first, and a partition that holds several slots interleaves them by it.
 */
#include "engine/engine-internal.h"
#include "planner/planner.h"
#include "workloads/workloads.h"

#include <stdio.h>
#include <string.h>

const char *engine_task_kind_name(int kind)
{
	static const char *const names[] = {"forward", "backward", "send", "allreduce", "optimizer"};

	return kind >= 0 && kind <= ENGINE_TASK_OPT ? names[kind] : "unknown";
}

void engine_schedule_free(struct engine_schedule *s)
{
	if (!s)
		return;
	free(s->slots);
	free(s->parts);
	free(s->streams);
	free(s->tasks);
	free(s->peers);
	free(s->deps);
	free(s);
}

/* ---- builder state ---- */
struct ctask {
	double vt;
	int depth, kind, slot, mb;
};

struct builder {
	const struct plan *p;
	const struct workload *w;
	struct engine_schedule *s;
	int M, P;              /* microbatches, pipeline positions */
	int *order;            /* modules in topological order */
	double *vf, *vb;       /* ideal start times of forwards / backwards [depth * M + mb] */
	size_t nd, np;         /* dependencies and peers pushed so far */
	int *n_stages;         /* per module */
	int *base;             /* per module */
	int *slice_R;          /* per (module, stage): replicas; index mod_off[m] + stage */
	int *mod_off;
	int *slot_of;          /* (module, stage, replica) -> slot: slice_off[..] + replica */
	int *slice_off;
	size_t cap_tasks, cap_peers, cap_deps;
	size_t *fwd_task, *bwd_task; /* per slot, per local microbatch (mb / R) */
	size_t *slot_mb_off;
	struct trace_idmap sends; /* (send_key(from, to, mb, dir), 0) -> SEND task */
	int64_t *boundary;     /* per module: activation bytes per sample at a stage boundary */
	int *has_bwd, *has_opt;
};

static int slot_for(const struct builder *b, int m, int stage, int mb)
{
	int sl = b->mod_off[m] + stage;
	int R = b->slice_R[sl];

	return R > 0 ? b->slot_of[b->slice_off[sl] + mb % R] : -1;
}

static int ctask_cmp(const void *x, const void *y)
{
	const struct ctask *a = x, *c = y;

	if (a->vt != c->vt)
		return a->vt < c->vt ? -1 : 1;
	if (a->depth != c->depth)
		return a->depth < c->depth ? -1 : 1;
	if (a->kind != c->kind)
		return a->kind < c->kind ? -1 : 1;
	if (a->slot != c->slot)
		return a->slot < c->slot ? -1 : 1;
	return (a->mb > c->mb) - (a->mb < c->mb);
}

/*
 * Ideal start times vf[d * M + i], vb[d * M + i] of a pipeline of P
 * positions, unit forward and double backward times.  warm[d]: 1F1B warm-up
 * forwards of position d, in global microbatches (a position whose slots
 * have R replicas needs R times the textbook count so that each replica
 * keeps its pipeline full); non-increasing by at least one per position, so
 * the ideal pipeline cannot deadlock.  Returns -1 when out of memory, 1 if
 * some task could not be placed (never expected; the caller falls back on
 * GPipe order).
 */
static int ideal_times(int sched, int P, int M, const int *warm, double *vf, double *vb)
{
	double *ef = malloc((size_t)P * M * sizeof(double)), *eb = malloc((size_t)P * M * sizeof(double));
	int *pos = calloc((size_t)P, sizeof(int));
	double *free_at = calloc((size_t)P, sizeof(double));
	int progress = 1, rc = 0;

	if (!ef || !eb || !pos || !free_at) {
		free(ef), free(eb), free(pos), free(free_at);
		return -1;
	}
	for (size_t i = 0; i < (size_t)P * M; i++)
		ef[i] = eb[i] = -1;
	while (progress) {
		progress = 0;
		for (int d = 0; d < P; d++) {
			while (pos[d] < 2 * M) {
				int kind, i;
				double ready;
				plan_nth_task(sched, M, warm[d], pos[d], &kind, &i);
				if (kind == 0)
					ready = d == 0 ? 0 : ef[(size_t)(d - 1) * M + i];
				else
					ready = d == P - 1 ? ef[(size_t)d * M + i] : eb[(size_t)(d + 1) * M + i];
				if (ready < 0)
					break;
				if (free_at[d] > ready)
					ready = free_at[d];
				if (kind == 0) {
					vf[(size_t)d * M + i] = ready;
					ef[(size_t)d * M + i] = free_at[d] = ready + 1;
				} else {
					vb[(size_t)d * M + i] = ready;
					eb[(size_t)d * M + i] = free_at[d] = ready + 2;
				}
				pos[d]++;
				progress = 1;
			}
		}
	}
	for (int d = 0; d < P; d++)
		if (pos[d] < 2 * M)
			rc = 1;
	free(ef), free(eb), free(pos), free(free_at);
	return rc;
}

static int add_task(struct builder *b, int kind, int slot, int to_slot, int mb, int stream,
		    int64_t bytes, size_t *out)
{
	struct engine_schedule *s = b->s;

	if (MO_GROW(s->tasks, s->n_tasks + 1, b->cap_tasks))
		return -1;
	s->tasks[s->n_tasks] = (struct engine_task){.kind = kind, .slot = slot, .to_slot = to_slot,
						    .microbatch = mb, .stream = stream, .bytes = bytes};
	*out = s->n_tasks++;
	return 0;
}

/*
 * Dependencies and peers of one task are contiguous: a task gets them all
 * before the next task gets any.  push_unique appends the elem_size bytes
 * at val to the task's run [*off, *off + *n) of the array at arr_addr (of
 * *total entries, capacity *cap: MO_GROW's) unless the run holds them
 * (unique = 0: the caller knows it does not; an all-reduce's thousands of
 * dependencies at 8192 GPUs took 45 s to scan).
 */
static int push_unique(void *arr_addr, size_t *cap, size_t elem_size, size_t *total, size_t *off,
		       size_t *n, const void *val, int unique)
{
	char *arr;

	memcpy(&arr, arr_addr, sizeof(arr));
	for (size_t i = 0; unique && i < *n; i++)
		if (!memcmp(arr + (*off + i) * elem_size, val, elem_size))
			return 0;
	if (mo_grow(arr_addr, cap, *total + 1, elem_size))
		return -1;
	memcpy(&arr, arr_addr, sizeof(arr));
	if (*n == 0)
		*off = *total;
	memcpy(arr + (*total)++ * elem_size, val, elem_size);
	(*n)++;
	return 0;
}

/* unique: 1 to skip a dependency or peer the task has (push_unique) */
static int push_dep_u(struct builder *b, size_t *n_deps_total, size_t task, size_t dep, int unique)
{
	struct engine_task *t = &b->s->tasks[task];

	return push_unique(&b->s->deps, &b->cap_deps, sizeof(dep), n_deps_total, &t->dep_off, &t->n_deps,
			   &dep, unique);
}

static int push_dep(struct builder *b, size_t *n_deps_total, size_t task, size_t dep)
{
	return push_dep_u(b, n_deps_total, task, dep, 1);
}

static int push_peer_u(struct builder *b, size_t *n_peers_total, size_t task, int stream, int unique)
{
	struct engine_task *t = &b->s->tasks[task];

	return push_unique(&b->s->peers, &b->cap_peers, sizeof(stream), n_peers_total, &t->peer_off,
			   &t->n_peers, &stream, unique);
}

static int push_peer(struct builder *b, size_t *n_peers_total, size_t task, int stream)
{
	return push_peer_u(b, n_peers_total, task, stream, 1);
}

static int64_t send_key(const struct builder *b, int from, int to, int mb, int dir)
{
	uint64_t n = (uint64_t)b->s->n_slots;

	return (int64_t)((((uint64_t)from * n + (uint64_t)to) * (uint64_t)b->M + (uint64_t)mb) * 2 +
			 (uint64_t)dir);
}

static int comm_stream(const struct builder *b, int slot)
{
	return b->s->n_slots + slot;
}

/* Emit the sends that follow a compute task (FWD: activations downstream;
 * BWD: gradients upstream) to slots on other GPUs. */
static int emit_sends(struct builder *b, size_t *nd, size_t *np, int slot, int mb, int dir,
		      size_t after)
{
	const struct engine_slot *sl = &b->s->slots[slot];
	const struct workload *w = b->w;
	int m = sl->module, targets[256], n_t = 0;
	int64_t bytes[256];

	if (dir == 0) {
		if (sl->stage + 1 < sl->n_stages) {
			targets[n_t] = slot_for(b, m, sl->stage + 1, mb);
			bytes[n_t++] = b->boundary[m];
		} else {
			for (int e = 0; e < w->n_edges && n_t < 256; e++)
				if (w->edges[e].from == m) {
					targets[n_t] = slot_for(b, w->edges[e].to, 0, mb);
					bytes[n_t++] = w->edges[e].bytes_per_sample;
				}
		}
	} else {
		if (sl->stage > 0) {
			targets[n_t] = slot_for(b, m, sl->stage - 1, mb);
			bytes[n_t++] = b->boundary[m];
		} else {
			for (int e = 0; e < w->n_edges && n_t < 256; e++) {
				int u = w->edges[e].from;
				if (w->edges[e].to == m && b->has_bwd[u]) {
					targets[n_t] = slot_for(b, u, b->n_stages[u] - 1, mb);
					bytes[n_t++] = w->edges[e].bytes_per_sample;
				}
			}
		}
	}
	for (int i = 0; i < n_t; i++) {
		int to = targets[i];
		size_t t;
		if (to < 0 || b->s->slots[to].gpu == sl->gpu)
			continue;
		if (add_task(b, ENGINE_TASK_SEND, slot, to, mb, comm_stream(b, slot),
			     bytes[i] * b->p->microbatch_size, &t) ||
		    push_peer(b, np, t, comm_stream(b, slot)) || push_peer(b, np, t, comm_stream(b, to)) ||
		    push_dep(b, nd, t, after) || trace_idmap_put(&b->sends, send_key(b, slot, to, mb, dir), 0, t))
			return -1;
	}
	return 0;
}

/* The task a consumer waits for: the producer's compute task on the same GPU,
 * else the send. */
static int input_dep(struct builder *b, size_t *nd, size_t task, int from, int to, int mb, int dir)
{
	size_t dep;
	const struct engine_slot *f = &b->s->slots[from];
	size_t k = (size_t)(mb / f->replicas);

	if (f->gpu == b->s->slots[to].gpu) {
		dep = dir == 0 ? b->fwd_task[b->slot_mb_off[from] + k] : b->bwd_task[b->slot_mb_off[from] + k];
		if (dep == SIZE_MAX)
			return 0;
	} else {
		const size_t *send = trace_idmap_get(&b->sends, send_key(b, from, to, mb, dir), 0);
		if (!send)
			return 0;
		dep = *send;
	}
	return push_dep(b, nd, task, dep);
}

/* Slots, streams (compute and comm per slot) and partitions from the plan;
 * each module's stage count. */
static int build_slots(struct builder *b, struct mo_err *err)
{
	const struct plan *p = b->p;
	const struct workload *w = b->w;
	struct engine_schedule *s = b->s;
	int si = 0, gp = 0;

	for (int g = 0; g < p->n_gpus; g++)
		for (int i = 0; i < p->gpus[g].n_partitions; i++, gp++) {
			const struct plan_partition *pt = &p->gpus[g].partitions[i];
			s->parts[gp] = (struct engine_part){g, i, pt->sms};
			for (int j = 0; j < pt->n_slots; j++, si++) {
				const struct plan_slot *ps = &pt->slots[j];
				struct engine_slot *sl = &s->slots[si];
				int m = workload_module_index(w, ps->module);
				if (m < 0)
					return mo_err_set(err, MO_EINPUT,
							  "GPU %d partition %d slot %d: unknown module '%s'", g,
							  i, j, ps->module);
				s->streams[si] = (struct engine_stream){g, i, 0, gp, si};
				s->streams[s->n_slots + si] = (struct engine_stream){g, i, 1, gp, si};
				sl->gpu = g;
				sl->partition = i;
				sl->module = m;
				sl->layer_begin = ps->layer_begin;
				sl->layer_end = ps->layer_end > ps->layer_begin ? ps->layer_end
										: w->modules[m].layers;
				sl->stage = ps->stage;
				sl->replica = ps->replica;
				sl->replicas = ps->replicas > 0 ? ps->replicas : 1;
				if (sl->stage < 0 || sl->replica < 0 || sl->replica >= sl->replicas)
					return mo_err_set(err, MO_EINPUT,
							  "GPU %d partition %d slot %d: bad stage %d or replica %d of %d",
							  g, i, j, sl->stage, sl->replica, sl->replicas);
				if (sl->stage + 1 > b->n_stages[m])
					b->n_stages[m] = sl->stage + 1;
			}
		}
	return 0;
}

/* Activations at a stage boundary of module m: tokens x width x dtype, else
 * what the module sends along its first out-edge. */
static int64_t boundary_bytes(const struct workload *w, int m)
{
	const struct workload_module *md = &w->modules[m];
	int dt = model_dtype_bytes(w->dtype);
	int64_t bytes = (int64_t)(md->seq > 0 ? md->seq : 1) * (md->hidden > 0 ? md->hidden : 0) *
			(dt > 0 ? dt : 2);

	if (bytes == 0)
		for (int e = 0; e < w->n_edges; e++)
			if (w->edges[e].from == m)
				return w->edges[e].bytes_per_sample;
	return bytes;
}

/* Per module, in topological order: which have backward / optimizer kernels
 * (workloads.h rules), the boundary activations, the pipeline base along the
 * DAG; b->P the pipeline's positions. */
static int build_modules(struct builder *b, struct mo_err *err)
{
	const struct workload *w = b->w;
	int nm = w->n_modules;

	workload_topo_order(w, b->order);
	for (int oi = 0; oi < nm; oi++) {
		int m = b->order[oi], trainable_up = 0;
		for (int e = 0; e < w->n_edges; e++)
			if (w->edges[e].to == m && (b->has_bwd[w->edges[e].from] ||
						    !w->modules[w->edges[e].from].frozen))
				trainable_up = 1;
		b->has_bwd[m] = !w->modules[m].frozen || trainable_up;
		b->has_opt[m] = !w->modules[m].frozen;
		if (b->n_stages[m] == 0)
			return mo_err_set(err, MO_EINPUT, "module '%s' is on no GPU of the plan",
					  w->modules[m].name);
		b->boundary[m] = boundary_bytes(w, m);
	}
	for (int oi = 0; oi < nm; oi++) {
		int m = b->order[oi];
		for (int e = 0; e < w->n_edges; e++)
			if (w->edges[e].to == m) {
				int u = w->edges[e].from;
				if (b->base[u] + b->n_stages[u] > b->base[m])
					b->base[m] = b->base[u] + b->n_stages[u];
			}
		if (b->base[m] + b->n_stages[m] > b->P)
			b->P = b->base[m] + b->n_stages[m];
	}
	b->s->depth = b->P;
	return 0;
}

/* The module of slice i (an index over all modules' stages). */
static int slice_module(const struct builder *b, int i)
{
	int m = 0;

	while (b->mod_off[m + 1] <= i)
		m++;
	return m;
}

/* Slices (module, stage): their replica counts, every slot's depth, and the
 * slot table (module, stage, replica) -> slot, each replica held once. */
static int build_slices(struct builder *b, struct mo_err *err)
{
	const struct workload *w = b->w;
	struct engine_schedule *s = b->s;
	int nm = w->n_modules, tot = 0;

	for (int m = 0; m < nm; m++)
		b->mod_off[m + 1] = b->mod_off[m] + b->n_stages[m];
	b->slice_R = calloc((size_t)b->mod_off[nm] + 1, sizeof(int));
	b->slice_off = calloc((size_t)b->mod_off[nm] + 1, sizeof(int));
	if (!b->slice_R || !b->slice_off)
		return -MO_ENOMEM;
	for (int i = 0; i < s->n_slots; i++) {
		struct engine_slot *sl = &s->slots[i];
		int idx = b->mod_off[sl->module] + sl->stage;
		sl->n_stages = b->n_stages[sl->module];
		sl->depth = b->base[sl->module] + sl->stage;
		if (b->slice_R[idx] && b->slice_R[idx] != sl->replicas)
			return mo_err_set(err, MO_EINPUT,
					  "module '%s' stage %d: slots disagree on the replica count (%d and %d)",
					  w->modules[sl->module].name, sl->stage, b->slice_R[idx], sl->replicas);
		b->slice_R[idx] = sl->replicas;
	}
	for (int i = 0; i < b->mod_off[nm]; i++) {
		if (b->slice_R[i] == 0) {
			int m = slice_module(b, i);
			return mo_err_set(err, MO_EINPUT, "module '%s' has no slot for stage %d",
					  w->modules[m].name, i - b->mod_off[m]);
		}
		b->slice_off[i] = tot;
		tot += b->slice_R[i];
	}
	b->slot_of = malloc(((size_t)tot + 1) * sizeof(int));
	if (!b->slot_of)
		return -MO_ENOMEM;
	for (int i = 0; i < tot; i++)
		b->slot_of[i] = -1;
	for (int i = 0; i < s->n_slots; i++) {
		struct engine_slot *sl = &s->slots[i];
		int idx = b->slice_off[b->mod_off[sl->module] + sl->stage] + sl->replica;
		if (b->slot_of[idx] >= 0)
			return mo_err_set(err, MO_EINPUT, "module '%s' stage %d replica %d is held twice",
					  w->modules[sl->module].name, sl->stage, sl->replica);
		b->slot_of[idx] = i;
	}
	for (int i = 0; i < b->mod_off[nm]; i++)
		for (int r = 0; r < b->slice_R[i]; r++)
			if (b->slot_of[b->slice_off[i] + r] < 0) {
				int m = slice_module(b, i);
				return mo_err_set(err, MO_EINPUT, "module '%s' stage %d: replica %d of %d is missing",
						  w->modules[m].name, i - b->mod_off[m], r, b->slice_R[i]);
			}
	for (int i = 0; i < s->n_slots; i++) {
		struct engine_slot *sl = &s->slots[i];
		struct workload_memory wm;
		sl->has_bwd = b->has_bwd[sl->module];
		sl->has_opt = b->has_opt[sl->module];
		workload_memory(w, sl->module, sl->layer_begin, sl->layer_end, &wm);
		sl->grad_bytes = wm.grads;
	}
	return 0;
}

/* The ideal start times b->vf, b->vb of every position and microbatch
 * (GPipe order when the schedule's cannot be placed). */
static int build_ideal(struct builder *b)
{
	struct engine_schedule *s = b->s;
	int P = b->P, M = b->M, ir;
	int *warm = calloc((size_t)P + 1, sizeof(int));
	int *pos = malloc(((size_t)s->n_slots + 1) * sizeof(int));
	int *reps = malloc(((size_t)s->n_slots + 1) * sizeof(int));

	b->vf = malloc((size_t)P * M * sizeof(double));
	b->vb = malloc((size_t)P * M * sizeof(double));
	if (!b->vf || !b->vb || !warm || !pos || !reps) {
		free(warm), free(pos), free(reps);
		return -MO_ENOMEM;
	}
	for (int i = 0; i < s->n_slots; i++)
		pos[i] = s->slots[i].depth, reps[i] = s->slots[i].replicas;
	plan_warmups(P, s->n_slots, pos, reps, M, warm);
	free(pos), free(reps);
	ir = ideal_times(b->p->schedule, P, M, warm, b->vf, b->vb);
	if (ir > 0)
		ir = ideal_times(PLAN_SCHEDULE_GPIPE, P, M, warm, b->vf, b->vb) ? -1 : 0;
	free(warm);
	return ir < 0 ? -MO_ENOMEM : 0;
}

/* The compute tasks of every slot, sorted by ideal time (the global order);
 * *n_ct receives their number.  NULL when out of memory. */
static struct ctask *compute_order(struct builder *b, size_t *n_ct)
{
	struct engine_schedule *s = b->s;
	int M = b->M;
	struct ctask *ct;

	b->slot_mb_off[0] = 0;
	for (int i = 0; i < s->n_slots; i++)
		b->slot_mb_off[i + 1] = b->slot_mb_off[i] + (size_t)(M + s->slots[i].replicas - 1) / s->slots[i].replicas;
	b->fwd_task = malloc((b->slot_mb_off[s->n_slots] + 1) * sizeof(size_t));
	b->bwd_task = malloc((b->slot_mb_off[s->n_slots] + 1) * sizeof(size_t));
	ct = malloc((b->slot_mb_off[s->n_slots] * 2 + 1) * sizeof(*ct));
	if (!b->fwd_task || !b->bwd_task || !ct) {
		free(ct);
		return NULL;
	}
	for (size_t i = 0; i < b->slot_mb_off[s->n_slots]; i++)
		b->fwd_task[i] = b->bwd_task[i] = SIZE_MAX;
	*n_ct = 0;
	for (int i = 0; i < s->n_slots; i++) {
		const struct engine_slot *sl = &s->slots[i];
		for (int mb = sl->replica; mb < M; mb += sl->replicas) {
			ct[(*n_ct)++] = (struct ctask){b->vf[(size_t)sl->depth * M + mb], sl->depth, 0, i, mb};
			if (sl->has_bwd)
				ct[(*n_ct)++] = (struct ctask){b->vb[(size_t)sl->depth * M + mb], sl->depth, 1, i, mb};
		}
	}
	qsort(ct, *n_ct, sizeof(*ct), ctask_cmp);
	return ct;
}

/* A forward task: its inputs (the previous stage, or the last stage of each
 * module feeding this one), then the sends of its activations. */
static int forward_task(struct builder *b, const struct ctask *x, size_t t)
{
	const struct workload *w = b->w;
	const struct engine_slot *sl = &b->s->slots[x->slot];
	int m = sl->module, mb = x->mb;

	b->fwd_task[b->slot_mb_off[x->slot] + (size_t)(mb / sl->replicas)] = t;
	if (sl->stage > 0) {
		if (input_dep(b, &b->nd, t, slot_for(b, m, sl->stage - 1, mb), x->slot, mb, 0))
			return -1;
	} else {
		for (int e = 0; e < w->n_edges; e++)
			if (w->edges[e].to == m &&
			    input_dep(b, &b->nd, t, slot_for(b, w->edges[e].from, b->n_stages[w->edges[e].from] - 1, mb),
				      x->slot, mb, 0))
				return -1;
	}
	return emit_sends(b, &b->nd, &b->np, x->slot, mb, 0, t);
}

/* A backward task: after its own forward and the gradients from downstream
 * (the next stage, or the first stage of each trainable consumer), then the
 * sends of its gradients. */
static int backward_task(struct builder *b, const struct ctask *x, size_t t)
{
	const struct workload *w = b->w;
	const struct engine_slot *sl = &b->s->slots[x->slot];
	int m = sl->module, mb = x->mb;
	size_t k = b->slot_mb_off[x->slot] + (size_t)(mb / sl->replicas);

	b->bwd_task[k] = t;
	if (push_dep(b, &b->nd, t, b->fwd_task[k]))
		return -1;
	if (sl->stage + 1 < sl->n_stages) {
		if (input_dep(b, &b->nd, t, slot_for(b, m, sl->stage + 1, mb), x->slot, mb, 1))
			return -1;
	} else {
		for (int e = 0; e < w->n_edges; e++)
			if (w->edges[e].from == m && b->has_bwd[w->edges[e].to] &&
			    input_dep(b, &b->nd, t, slot_for(b, w->edges[e].to, 0, mb), x->slot, mb, 1))
				return -1;
	}
	return emit_sends(b, &b->nd, &b->np, x->slot, mb, 1, t);
}

/* The compute tasks in their global order, with their inputs and sends. */
static int build_compute(struct builder *b)
{
	size_t n_ct = 0;
	struct ctask *ct = compute_order(b, &n_ct);
	int rc = ct ? 0 : -1;

	for (size_t c = 0; c < n_ct && !rc; c++) {
		const struct ctask *x = &ct[c];
		size_t t;
		if (add_task(b, x->kind == 0 ? ENGINE_TASK_FWD : ENGINE_TASK_BWD, x->slot, -1, x->mb, x->slot,
			     0, &t))
			rc = -1;
		else
			rc = x->kind == 0 ? forward_task(b, x, t) : backward_task(b, x, t);
	}
	free(ct);
	return rc;
}

/* The gradient all-reduce of slice i (when replicated and trainable), after
 * every backward of its replicas; *ar its task, SIZE_MAX when none. */
static int slice_allreduce(struct builder *b, int i, size_t *ar)
{
	struct engine_schedule *s = b->s;
	int R = b->slice_R[i], first = b->slot_of[b->slice_off[i]];
	const struct engine_slot *s0 = &s->slots[first];

	*ar = SIZE_MAX;
	if (R <= 1 || !s0->has_opt || s0->grad_bytes <= 0)
		return 0;
	if (add_task(b, ENGINE_TASK_ALLREDUCE, first, -1, -1, comm_stream(b, first), s0->grad_bytes, ar))
		return -1;
	for (int r = 0; r < R; r++) {
		int sl = b->slot_of[b->slice_off[i] + r];
		size_t lo = b->slot_mb_off[sl], hi = b->slot_mb_off[sl + 1];
		/* each replica's slot and backward tasks are its own: no repeats */
		if (push_peer_u(b, &b->np, *ar, comm_stream(b, sl), 0))
			return -1;
		for (size_t q = lo; q < hi; q++)
			if (b->bwd_task[q] != SIZE_MAX && push_dep_u(b, &b->nd, *ar, b->bwd_task[q], 0))
				return -1;
	}
	return 0;
}

/* Gradient all-reduce per slice, then the optimizer step of every slot. */
static int build_sync(struct builder *b)
{
	struct engine_schedule *s = b->s;

	for (int i = 0; i < b->mod_off[b->w->n_modules]; i++) {
		size_t ar;
		if (slice_allreduce(b, i, &ar))
			return -1;
		for (int r = 0; r < b->slice_R[i]; r++) {
			int sl = b->slot_of[b->slice_off[i] + r];
			size_t t;
			if (!s->slots[sl].has_opt)
				continue;
			if (add_task(b, ENGINE_TASK_OPT, sl, -1, -1, sl, 0, &t))
				return -1;
			/* its stream already ran every compute task before it */
			if (ar != SIZE_MAX && push_dep(b, &b->nd, t, ar))
				return -1;
		}
	}
	return 0;
}

/* The arrays sized by the plan and the workload (all zeroed). */
static int build_alloc(struct builder *b)
{
	const struct plan *p = b->p;
	struct engine_schedule *s = b->s;
	size_t nm = (size_t)b->w->n_modules;

	s->n_gpus = p->n_gpus;
	for (int g = 0; g < p->n_gpus; g++)
		for (int i = 0; i < p->gpus[g].n_partitions; i++)
			s->n_slots += p->gpus[g].partitions[i].n_slots, s->n_parts++;
	s->slots = calloc((size_t)s->n_slots + 1, sizeof(*s->slots));
	s->n_streams = 2 * s->n_slots;
	s->streams = calloc((size_t)s->n_streams + 1, sizeof(*s->streams));
	s->parts = calloc((size_t)s->n_parts + 1, sizeof(*s->parts));
	b->n_stages = calloc(nm, sizeof(int));
	b->base = calloc(nm, sizeof(int));
	b->mod_off = calloc(nm + 1, sizeof(int));
	b->boundary = calloc(nm, sizeof(int64_t));
	b->has_bwd = calloc(nm, sizeof(int));
	b->has_opt = calloc(nm, sizeof(int));
	b->order = malloc(nm * sizeof(int));
	b->slot_mb_off = malloc(((size_t)s->n_slots + 1) * sizeof(size_t));
	return s->slots && s->streams && s->parts && b->n_stages && b->base && b->mod_off && b->boundary &&
	       b->has_bwd && b->has_opt && b->order && b->slot_mb_off ? 0 : -1;
}

/* The phases in order; a phase's own error is kept, anything else is out of
 * memory. */
static int build(struct builder *b, struct mo_err *err)
{
	int rc;

	b->M = b->p->microbatches;
	if (build_alloc(b))
		return mo_err_set(err, MO_ENOMEM, "out of memory building the schedule");
	if ((rc = build_slots(b, err)) || (rc = build_modules(b, err)) || (rc = build_slices(b, err)))
		return rc == -MO_ENOMEM ? mo_err_set(err, MO_ENOMEM, "out of memory building the schedule") : rc;
	if (build_ideal(b) || build_compute(b) || build_sync(b))
		return mo_err_set(err, MO_ENOMEM, "out of memory building the schedule");
	return 0;
}

int engine_schedule_build(const struct plan *p, const struct workload *w,
			  const struct model_gpu *gpu, struct engine_schedule **out,
			  struct mo_err *err)
{
	struct builder b;
	int rc;

	*out = NULL;
	rc = plan_validate(p, w, gpu, err);
	if (rc < 0) {
		mo_err_prefix(err, "bad plan");
		return rc;
	}
	memset(&b, 0, sizeof(b));
	b.p = p;
	b.w = w;
	b.s = calloc(1, sizeof(*b.s));
	if (!b.s)
		return mo_err_set(err, MO_ENOMEM, "out of memory");
	b.s->schedule = p->schedule;
	b.s->microbatches = p->microbatches;
	b.s->microbatch_size = p->microbatch_size;
	rc = build(&b, err);
	free(b.order);
	free(b.vf);
	free(b.vb);
	free(b.n_stages);
	free(b.base);
	free(b.slice_R);
	free(b.mod_off);
	free(b.slot_of);
	free(b.slice_off);
	free(b.fwd_task);
	free(b.bwd_task);
	free(b.slot_mb_off);
	trace_idmap_release(&b.sends);
	free(b.boundary);
	free(b.has_bwd);
	free(b.has_opt);
	if (rc < 0) {
		engine_schedule_free(b.s);
		return rc;
	}
	*out = b.s;
	return 0;
}
