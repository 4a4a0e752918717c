/*
 * replicas.c - identical replicas simulated once (the contract is
 * engine_replicas_find's, engine.h).  A schedule whose GPUs split into R
 * blocks of B consecutive GPUs, block r being block 0 with other replica
 * indices, runs the same operations in every block; the only thing the
 * blocks share is each slice's gradient all-reduce, which starts when its
 * last participant reaches it and moves the same bytes through every
 * participant's own port.  So every block's GPUs see the same events at the
 * same times, and block 0 alone, its all-reduces priced for the whole group
 * (engine_sim_set_comm_span), gives every block's figures.
 *
 * The check is exact, on the schedule (no heuristic), and covers what the
 * simulator reads of it: the partitions and slots of GPU g equal those of
 * GPU g mod B (module, layers, stage, replica count, gradients: all but the
 * replica index); each stream of block r holds, in order, the copies of the
 * tasks its block 0 stream holds (kind, slot, peers, bytes, and
 * dependencies on the copies of the same tasks or on the same all-reduce),
 * so a task of block r has one copy in block 0, the task at the same place
 * of the corresponding stream; the compute tasks of each GPU (the order its
 * partitions' exclusive groups and a per-GPU host thread follow) interleave
 * its streams as GPU g mod B's do; and each all-reduce holds, in every
 * block, the copies of block 0's participants at the same places of their
 * streams and waits for the copies of block 0's tasks.  The global task
 * order itself may differ between blocks (the schedule orders microbatch i
 * of replica r by the global i), and so may microbatch numbers: they only
 * tag the trace, which a collapsed run does not write.  Assumed: tasks of
 * one GPU that become ready at the same simulated instant may be handled in
 * another order in a full run (their ids interleave otherwise), which can
 * move a float sum of the rate computation by an ulp (tests/e2e/replicas.sh
 * compares full and collapsed runs).  Blocks are whole nodes or divide a
 * node, so a block's links are the same.
 */
#include "engine/engine-internal.h"

#include <stdio.h>
#include <string.h>

/* What one schedule needs whatever the block size, and scratch for one
 * candidate block size B. */
struct rep {
	const struct engine_schedule *sc;
	int gpn;               /* GPUs per node */
	int *part_first;       /* per GPU + 1: its first partition */
	int *slot_first;       /* per GPU + 1: its first slot */
	size_t *soff, *slist;  /* per stream: its tasks but all-reduces, in order (CSR) */
	size_t *idx;           /* per task: its place in its stream's list */
	int per_gpu;           /* the order that matters is each GPU's (a host thread per
				  GPU issues them), else each partition's (its exclusive group) */
	size_t *goff;          /* per GPU or partition: its compute tasks' streams, in order (CSR) */
	int *gseq;
	size_t *arpos;         /* per all-reduce participant (sc->peers): its place in the
				  participant's stream, all-reduces counted */
	int B, R;              /* block size, whole blocks (the GPUs after them hold nothing) */
	int *rep_of;           /* per block: the first block identical to it (itself: it is
				  simulated, one per kind) */
	int *kind;             /* per block: its kind, 0 .. n_kinds - 1 */
	int reps[ENGINE_REPLICA_KINDS], n_kinds;
	int *slot0;            /* per slot: the slot it copies in its kind's simulated block */
	size_t *cnt;           /* per block: scratch */
	char *why;             /* why not (the last candidate's reason) */
	size_t why_len;
	int said;              /* why holds this candidate's first reason */
};

/* Say (once per candidate) why blocks differ; 1. */
static int rep_fail(struct rep *x, const char *fmt, int a, int b)
{
	char msg[128];

	if (x->said++)
		return 1;
	snprintf(msg, sizeof(msg), fmt, a, b);
	snprintf(x->why, x->why_len, "%d blocks of %d GPU%s are not identical: %s", x->R, x->B,
		 x->B == 1 ? "" : "s", msg);
	return 1;
}

static int is_shared(const struct engine_task *tk)
{
	return tk->kind == ENGINE_TASK_ALLREDUCE;
}

/* Block of task t, -1 for an all-reduce. */
static int task_block(const struct rep *x, size_t t)
{
	const struct engine_task *tk = &x->sc->tasks[t];

	return is_shared(tk) ? -1 : x->sc->streams[tk->stream].gpu / x->B;
}

static int stream0(const struct rep *x, int st)
{
	const struct engine_stream *s = &x->sc->streams[st];

	return (s->comm ? x->sc->n_slots : 0) + x->slot0[s->slot];
}

/* The copy of a task in its kind's simulated block (not an all-reduce). */
static size_t copy0(const struct rep *x, size_t t)
{
	return x->slist[x->soff[stream0(x, x->sc->tasks[t].stream)] + x->idx[t]];
}

/* Per GPU its first partition and slot (both are listed GPU by GPU), and
 * that streams are slot i's compute (i) and communication (n_slots + i).
 * 0, or 1 when the schedule is not laid out so. */
static int rep_layout(struct rep *x)
{
	const struct engine_schedule *sc = x->sc;
	int p = 0, s = 0;

	for (int g = 0; g < sc->n_gpus; g++) {
		x->part_first[g] = p;
		x->slot_first[g] = s;
		while (p < sc->n_parts && sc->parts[p].gpu == g)
			p++;
		while (s < sc->n_slots && sc->slots[s].gpu == g)
			s++;
	}
	x->part_first[sc->n_gpus] = p;
	x->slot_first[sc->n_gpus] = s;
	if (p != sc->n_parts || s != sc->n_slots || sc->n_streams != 2 * sc->n_slots)
		return 1;
	for (int i = 0; i < sc->n_streams; i++)
		if (sc->streams[i].slot != i % sc->n_slots || sc->streams[i].comm != (i >= sc->n_slots))
			return 1;
	return 0;
}

/* Whose order a compute stream's tasks follow: its GPU's or its
 * partition's (struct rep.per_gpu). */
static int order_key(const struct rep *x, int st)
{
	return x->per_gpu ? x->sc->streams[st].gpu : x->sc->streams[st].part;
}

static int n_keys(const struct rep *x)
{
	return x->per_gpu ? x->sc->n_gpus : x->sc->n_parts;
}

/* The per-stream task lists, per-GPU or per-partition compute orders and
 * all-reduce places (x->soff, slist, idx, goff, gseq, arpos).  0, or -1 out
 * of memory. */
static int rep_orders(struct rep *x)
{
	const struct engine_schedule *sc = x->sc;
	size_t ns = (size_t)sc->n_streams + 1, ng = (size_t)n_keys(x) + 1;
	size_t *sfill = calloc(ns, sizeof(size_t)), *queued = calloc(ns, sizeof(size_t));
	size_t *gfill = calloc(ng, sizeof(size_t));

	if (!sfill || !queued || !gfill) {
		free(sfill), free(queued), free(gfill);
		return -1;
	}
	for (size_t t = 0; t < sc->n_tasks; t++) {
		const struct engine_task *tk = &sc->tasks[t];
		if (is_shared(tk))
			continue;
		x->soff[tk->stream + 1]++;
		if (!sc->streams[tk->stream].comm)
			x->goff[order_key(x, tk->stream) + 1]++;
	}
	for (size_t i = 0; i + 1 < ns; i++)
		x->soff[i + 1] += x->soff[i];
	for (size_t g = 0; g + 1 < ng; g++)
		x->goff[g + 1] += x->goff[g];
	for (size_t t = 0; t < sc->n_tasks; t++) {
		const struct engine_task *tk = &sc->tasks[t];
		int g = order_key(x, tk->stream);
		if (is_shared(tk)) {
			for (size_t i = 0; i < tk->n_peers; i++)
				x->arpos[tk->peer_off + i] = queued[sc->peers[tk->peer_off + i]]++;
			continue;
		}
		queued[tk->stream]++;
		x->idx[t] = sfill[tk->stream]++;
		x->slist[x->soff[tk->stream] + x->idx[t]] = t;
		if (!sc->streams[tk->stream].comm)
			x->gseq[x->goff[g] + gfill[g]++] = tk->stream;
	}
	free(sfill), free(queued), free(gfill);
	return 0;
}

static int slot_same(const struct engine_slot *a, const struct engine_slot *b)
{
	return a->partition == b->partition && a->module == b->module &&
	       a->layer_begin == b->layer_begin && a->layer_end == b->layer_end &&
	       a->stage == b->stage && a->n_stages == b->n_stages && a->replicas == b->replicas &&
	       a->depth == b->depth && a->has_bwd == b->has_bwd && a->has_opt == b->has_opt &&
	       a->grad_bytes == b->grad_bytes;
}

/* The order keys of block b: GPUs or global partition indices [*lo, *hi). */
static void block_keys(const struct rep *x, int b, int *lo, int *hi)
{
	*lo = x->per_gpu ? b * x->B : x->part_first[b * x->B];
	*hi = x->per_gpu ? (b + 1) * x->B : x->part_first[(b + 1) * x->B];
}

/* GPU g holds what GPU g0 holds (partitions, slots but their replica
 * index); fills slot0 of g's slots.  0, or 1 (x->why says where). */
static int gpu_same(struct rep *x, int g, int g0)
{
	const struct engine_schedule *sc = x->sc;
	int np = x->part_first[g + 1] - x->part_first[g];
	int ns = x->slot_first[g + 1] - x->slot_first[g];

	if (np != x->part_first[g0 + 1] - x->part_first[g0] ||
	    ns != x->slot_first[g0 + 1] - x->slot_first[g0])
		return rep_fail(x, "GPU %d has other partitions or slots than GPU %d", g, g0);
	for (int i = 0; i < np; i++)
		if (sc->parts[x->part_first[g] + i].sms != sc->parts[x->part_first[g0] + i].sms)
			return rep_fail(x, "GPU %d's partitions differ from GPU %d's", g, g0);
	for (int i = 0; i < ns; i++) {
		int s = x->slot_first[g] + i, s0 = x->slot_first[g0] + i;
		if (!slot_same(&sc->slots[s], &sc->slots[s0]))
			return rep_fail(x, "GPU %d's slots differ from GPU %d's", g, g0);
		x->slot0[s] = s0;
	}
	return 0;
}

/* Block b's GPUs hold what block k's hold, each of its streams as many
 * tasks as its copy, and it runs its compute tasks in the same
 * interleaving of its streams (per GPU, or per partition).  Fills slot0 of
 * b's slots.  0, or 1. */
static int block_layout_same(struct rep *x, int b, int k)
{
	const struct engine_schedule *sc = x->sc;
	int lo, hi, lo0, hi0;

	for (int i = 0; i < x->B; i++)
		if (gpu_same(x, b * x->B + i, k * x->B + i))
			return 1;
	for (int s = x->slot_first[b * x->B]; s < x->slot_first[(b + 1) * x->B]; s++)
		for (int c = 0; c < 2; c++) {
			int i = s + c * sc->n_slots, i0 = stream0(x, i);
			if (x->soff[i + 1] - x->soff[i] != x->soff[i0 + 1] - x->soff[i0])
				return rep_fail(x, "stream %d holds other tasks than stream %d", i, i0);
		}
	block_keys(x, b, &lo, &hi);
	block_keys(x, k, &lo0, &hi0);
	for (int q = lo, q0 = lo0; q < hi; q++, q0++)
		for (size_t i = x->goff[q], j = x->goff[q0]; i < x->goff[q + 1]; i++, j++)
			if (stream0(x, x->gseq[i]) != x->gseq[j])
				return rep_fail(x, x->per_gpu ? "GPU %d runs its tasks in another order than GPU %d"
							      : "partition %d runs its tasks in another order than partition %d",
						q, q0);
	return 0;
}

/* Dependency d of a task of block r stands where e of its copy stands:
 * the same shared all-reduce, or the copy of e (e itself when r is
 * simulated). */
static int dep_same(const struct rep *x, size_t d, size_t e, int r)
{
	if (task_block(x, e) < 0)
		return d == e;
	return task_block(x, d) == r && (x->rep_of[r] == r ? d == e : copy0(x, d) == e);
}

/* Task t of block r is task u of r's kind's simulated block with block
 * r's slots; every task stays in its block (its peers and dependencies,
 * all-reduces aside). */
static int task_same(const struct rep *x, size_t t, size_t u, int r)
{
	const struct engine_schedule *sc = x->sc;
	const struct engine_task *a = &sc->tasks[t], *b = &sc->tasks[u];

	if (a->kind != b->kind || x->slot0[a->slot] != b->slot ||
	    (a->to_slot >= 0 ? x->slot0[a->to_slot] : -1) != b->to_slot ||
	    stream0(x, a->stream) != b->stream || a->bytes != b->bytes || a->n_peers != b->n_peers ||
	    a->n_deps != b->n_deps)
		return 0;
	for (size_t i = 0; i < a->n_peers; i++) {
		int st = sc->peers[a->peer_off + i];
		if (sc->streams[st].gpu / x->B != r || stream0(x, st) != sc->peers[b->peer_off + i])
			return 0;
	}
	for (size_t i = 0; i < a->n_deps; i++)
		if (!dep_same(x, sc->deps[a->dep_off + i], sc->deps[b->dep_off + i], r))
			return 0;
	return 1;
}

/* Task t of block r depends on block r and all-reduces only, and sends
 * inside block r only. */
static int task_inside(const struct rep *x, size_t t, int r)
{
	const struct engine_schedule *sc = x->sc;
	const struct engine_task *a = &sc->tasks[t];

	for (size_t i = 0; i < a->n_peers; i++)
		if (sc->streams[sc->peers[a->peer_off + i]].gpu / x->B != r)
			return 0;
	for (size_t i = 0; i < a->n_deps; i++) {
		int rd = task_block(x, sc->deps[a->dep_off + i]);
		if (rd >= 0 && rd != r)
			return 0;
	}
	return 1;
}

/* The tasks of block b (by its streams) are its copies of block k's
 * (k == b: they stay inside b).  0, or 1. */
static int block_tasks_same(struct rep *x, int b, int k)
{
	const struct engine_schedule *sc = x->sc;

	for (int s = x->slot_first[b * x->B]; s < x->slot_first[(b + 1) * x->B]; s++)
		for (int c = 0; c < 2; c++) {
			int i = s + c * sc->n_slots;
			for (size_t j = x->soff[i]; j < x->soff[i + 1]; j++) {
				size_t t = x->slist[j];
				if (k == b ? !task_inside(x, t, b) : !task_same(x, t, copy0(x, t), b))
					return rep_fail(x, k == b ? "task %d of block %d sends to or waits for another block"
								  : "task %d of block %d is not its copy", (int)t, b);
			}
		}
	return 0;
}

/* Each block's kind: the first simulated block it is identical to, or a
 * new kind (at most ENGINE_REPLICA_KINDS).  0, or 1 (x->why). */
static int rep_kinds(struct rep *x)
{
	const struct engine_schedule *sc = x->sc;

	x->n_kinds = 0;
	if (x->part_first[x->R * x->B] != sc->n_parts)
		return rep_fail(x, "GPUs %d.. after the last whole block hold partitions (%d)",
				x->R * x->B, sc->n_parts - x->part_first[x->R * x->B]);
	for (int b = 0; b < x->R; b++) {
		int q = 0;
		for (; q < x->n_kinds; q++) {
			int k = x->reps[q];
			x->rep_of[b] = k;
			if (!block_layout_same(x, b, k) && !block_tasks_same(x, b, k))
				break;
		}
		if (q < x->n_kinds) {
			x->kind[b] = q;
			continue;
		}
		if (x->n_kinds == ENGINE_REPLICA_KINDS)
			return 1; /* why: the first difference */
		x->rep_of[b] = b;
		x->kind[b] = x->n_kinds;
		x->reps[x->n_kinds++] = b;
		for (int s = x->slot_first[b * x->B]; s < x->slot_first[(b + 1) * x->B]; s++)
			x->slot0[s] = s;
		if (block_tasks_same(x, b, b))
			return 1;
	}
	return x->n_kinds < x->R ? 0 : 1;
}

/* Items i of list v (n of them) that lie in block r, in order, are those
 * that lie in r's kind's simulated block (v0, from off0[kind] to
 * off0[kind + 1]) one for one under same(): participants or dependencies
 * of a shared all-reduce.  x->cnt is per block scratch. */
static int split_same(struct rep *x, size_t n, const void *v, const size_t *off0, const void *v0,
		      int (*block)(const struct rep *, const void *, size_t),
		      int (*same)(const struct rep *, const void *, size_t, const void *, size_t, int))
{
	memset(x->cnt, 0, (size_t)x->R * sizeof(*x->cnt));
	for (size_t i = 0; i < n; i++) {
		int r = block(x, v, i), q;
		size_t j;
		if (r < 0)
			return 0;
		q = x->kind[r];
		j = off0[q] + x->cnt[r]++;
		if (j >= off0[q + 1] || !same(x, v, i, v0, j, r))
			return 0;
	}
	for (int r = 0; r < x->R; r++)
		if (x->cnt[r] != off0[x->kind[r] + 1] - off0[x->kind[r]])
			return 0;
	return 1;
}

/* Participants: indices into sc->peers (so their places, arpos, go along). */
static int peer_block(const struct rep *x, const void *v, size_t i)
{
	return x->sc->streams[x->sc->peers[((const size_t *)v)[i]]].gpu / x->B;
}

static int peer_same(const struct rep *x, const void *v, size_t i, const void *v0, size_t j, int r)
{
	size_t a = ((const size_t *)v)[i], b = ((const size_t *)v0)[j];

	return stream0(x, x->sc->peers[a]) == x->sc->peers[b] && x->arpos[a] == x->arpos[b];
}

static int dep_block(const struct rep *x, const void *v, size_t i)
{
	return task_block(x, ((const size_t *)v)[i]);
}

static int dep_same_at(const struct rep *x, const void *v, size_t i, const void *v0, size_t j, int r)
{
	return dep_same(x, ((const size_t *)v)[i], ((const size_t *)v0)[j], r);
}

/* The items of list v (n) that lie in simulated blocks, grouped by kind
 * (v0, off0 per kind + 1). */
static void split_kinds(const struct rep *x, size_t n, const size_t *v,
			int (*block)(const struct rep *, const void *, size_t), size_t *v0,
			size_t *off0)
{
	size_t m = 0;

	for (int q = 0; q < x->n_kinds; q++) {
		off0[q] = m;
		for (size_t i = 0; i < n; i++) {
			int r = block(x, v, i);
			if (r >= 0 && r == x->reps[q])
				v0[m++] = v[i];
		}
	}
	off0[x->n_kinds] = m;
}

/* A shared all-reduce holds, in every block, the copies of its kind's
 * simulated block's participants (in order, at the same places of their
 * streams) and waits for the copies of the tasks it waits for there; the
 * simulated blocks hold one participant at least.  1 yes, 0 no, -1 out of
 * memory. */
static int allreduce_same(struct rep *x, size_t t)
{
	const struct engine_schedule *sc = x->sc;
	const struct engine_task *a = &sc->tasks[t];
	size_t *pi = malloc((a->n_peers + 1) * sizeof(*pi)), *p0 = malloc((a->n_peers + 1) * sizeof(*p0));
	size_t *d0 = malloc((a->n_deps + 1) * sizeof(*d0));
	size_t poff[ENGINE_REPLICA_KINDS + 1], doff[ENGINE_REPLICA_KINDS + 1];
	int ok;

	if (!pi || !p0 || !d0) {
		free(pi), free(p0), free(d0);
		return -1;
	}
	for (size_t i = 0; i < a->n_peers; i++)
		pi[i] = a->peer_off + i;
	split_kinds(x, a->n_peers, pi, peer_block, p0, poff);
	split_kinds(x, a->n_deps, sc->deps + a->dep_off, dep_block, d0, doff);
	ok = poff[x->n_kinds] > 0 && split_same(x, a->n_peers, pi, poff, p0, peer_block, peer_same) &&
	     split_same(x, a->n_deps, sc->deps + a->dep_off, doff, d0, dep_block, dep_same_at);
	free(pi), free(p0), free(d0);
	return ok;
}

/* Every shared all-reduce is the same in each block.  0, 1 (x->why), or -1
 * out of memory. */
static int rep_allreduces(struct rep *x)
{
	const struct engine_schedule *sc = x->sc;

	for (size_t t = 0; t < sc->n_tasks; t++) {
		int ok;
		if (task_block(x, t) >= 0 || (ok = allreduce_same(x, t)) > 0)
			continue;
		return ok < 0 ? -1
			      : rep_fail(x, "all-reduce task %d is not the same in every block", (int)t, 0);
	}
	return 0;
}

/* The GPUs of the participants of task t: how many distinct, and whether
 * they span nodes.  seen is per GPU scratch, zeroed, left zeroed. */
static void span_of(const struct rep *x, size_t t, char *seen, int *gpus, int *net)
{
	const struct engine_schedule *sc = x->sc;
	const struct engine_task *a = &sc->tasks[t];
	const int *peers = sc->peers + a->peer_off;
	int node0 = sc->streams[peers[0]].gpu / x->gpn;

	*gpus = 0;
	*net = 0;
	for (size_t i = 0; i < a->n_peers; i++) {
		int g = sc->streams[peers[i]].gpu;
		*gpus += !seen[g];
		seen[g] = 1;
		*net |= g / x->gpn != node0;
	}
	for (size_t i = 0; i < a->n_peers; i++)
		seen[sc->streams[peers[i]].gpu] = 0;
}

/* Whether task t is simulated: an all-reduce, or a task of a block that
 * is simulated (its kind's first). */
static int task_kept(const struct rep *x, size_t t)
{
	int r = task_block(x, t);

	return r < 0 || x->rep_of[r] == r;
}

/* The simulated blocks' partitions, slots and streams, renumbered: the
 * simulated block of kind q holds GPUs q * B ... (q + 1) * B - 1.  part_new
 * and slot_new receive each kept partition's and slot's new index. */
static void sub_layout(const struct rep *x, struct engine_schedule *u, int *part_new,
		       int *slot_new)
{
	const struct engine_schedule *sc = x->sc;
	int np = 0, ns = 0;

	for (int q = 0; q < x->n_kinds; q++) {
		int g0 = x->reps[q] * x->B;
		for (int p = x->part_first[g0]; p < x->part_first[g0 + x->B]; p++, np++) {
			part_new[p] = np;
			u->parts[np] = sc->parts[p];
			u->parts[np].gpu = q * x->B + sc->parts[p].gpu - g0;
		}
		for (int s = x->slot_first[g0]; s < x->slot_first[g0 + x->B]; s++, ns++)
			slot_new[s] = ns;
	}
	for (int s = 0; s < sc->n_slots; s++) {
		int b = sc->slots[s].gpu / x->B;
		if (x->rep_of[b] != b)
			continue;
		u->slots[slot_new[s]] = sc->slots[s];
		u->slots[slot_new[s]].gpu = x->kind[b] * x->B + sc->slots[s].gpu % x->B;
		for (int c = 0; c < 2; c++) {
			struct engine_stream *st = &u->streams[slot_new[s] + c * u->n_slots];
			*st = sc->streams[s + c * sc->n_slots];
			st->gpu = u->slots[slot_new[s]].gpu;
			st->slot = slot_new[s];
			st->part = part_new[st->part];
		}
	}
}

/* Stream st of the whole schedule in the simulated one (it is kept). */
static int stream_new(const struct rep *x, const struct engine_schedule *u, const int *slot_new,
		      int st)
{
	const struct engine_stream *s = &x->sc->streams[st];

	return (s->comm ? u->n_slots : 0) + slot_new[s->slot];
}

/* The kept tasks (task_kept) in the global order, renumbered (newidx);
 * an all-reduce over the simulated blocks' participants only, priced over
 * the whole group (out->span_gpus, span_net); out->mult: how many blocks a
 * task stands for.  seen is per GPU scratch, zeroed. */
static void sub_tasks(const struct rep *x, struct engine_schedule *u, const int *slot_new,
		      const size_t *newidx, char *seen, struct engine_replicas *out)
{
	const struct engine_schedule *sc = x->sc;
	int count[ENGINE_REPLICA_KINDS] = {0};
	size_t np = 0, nd = 0;

	for (int b = 0; b < x->R; b++)
		count[x->kind[b]]++;
	for (size_t t = 0; t < sc->n_tasks; t++) {
		const struct engine_task *a = &sc->tasks[t];
		struct engine_task *b;
		if (!task_kept(x, t))
			continue;
		b = &u->tasks[newidx[t]];
		*b = *a;
		b->peer_off = np;
		b->dep_off = nd;
		b->n_peers = b->n_deps = 0;
		for (size_t j = 0; j < a->n_peers; j++) {
			int st = sc->peers[a->peer_off + j], r = sc->streams[st].gpu / x->B;
			if (x->rep_of[r] == r)
				u->peers[np + b->n_peers++] = stream_new(x, u, slot_new, st);
		}
		for (size_t j = 0; j < a->n_deps; j++) {
			size_t d = sc->deps[a->dep_off + j];
			if (task_kept(x, d))
				u->deps[nd + b->n_deps++] = newidx[d];
		}
		np += b->n_peers;
		nd += b->n_deps;
		if (!is_shared(a)) {
			b->stream = stream_new(x, u, slot_new, a->stream);
			b->slot = slot_new[a->slot];
			b->to_slot = a->to_slot >= 0 ? slot_new[a->to_slot] : -1;
			out->mult[newidx[t]] = count[x->kind[task_block(x, t)]];
			continue;
		}
		b->stream = u->peers[b->peer_off]; /* allreduce_same: one at least */
		b->slot = u->streams[b->stream].slot;
		out->mult[newidx[t]] = 1;
		span_of(x, t, seen, &out->span_gpus[newidx[t]], &out->span_net[newidx[t]]);
		out->shared++;
	}
}

/* The schedule of one block of each kind (sub_layout, sub_tasks) and the
 * map of every GPU to its simulated copy (out->gpu_sub, -1: holds
 * nothing).  0, or -1 out of memory. */
static int rep_sub(const struct rep *x, struct engine_replicas *out)
{
	const struct engine_schedule *sc = x->sc;
	struct engine_schedule *u = calloc(1, sizeof(*u));
	size_t nd = 0, np = 0, nt = 0;
	char *seen = calloc((size_t)sc->n_gpus, 1);
	size_t *newidx = malloc((sc->n_tasks + 1) * sizeof(size_t));
	int *part_new = malloc(((size_t)sc->n_parts + 1) * sizeof(int));
	int *slot_new = malloc(((size_t)sc->n_slots + 1) * sizeof(int));
	int rc = -1;

	out->sub = u;
	out->gpu_sub = malloc(((size_t)sc->n_gpus + 1) * sizeof(int));
	if (!u || !seen || !newidx || !part_new || !slot_new || !out->gpu_sub)
		goto done;
	*u = *sc;
	u->parts = NULL, u->slots = NULL, u->streams = NULL, u->tasks = NULL;
	u->peers = NULL, u->deps = NULL;
	u->n_gpus = x->n_kinds * x->B;
	u->n_parts = u->n_slots = 0;
	for (int q = 0; q < x->n_kinds; q++) {
		int g0 = x->reps[q] * x->B;
		u->n_parts += x->part_first[g0 + x->B] - x->part_first[g0];
		u->n_slots += x->slot_first[g0 + x->B] - x->slot_first[g0];
	}
	u->n_streams = 2 * u->n_slots;
	for (size_t t = 0; t < sc->n_tasks; t++)
		if (task_kept(x, t)) {
			newidx[t] = nt++;
			np += sc->tasks[t].n_peers;
			nd += sc->tasks[t].n_deps;
		}
	u->n_tasks = nt;
	u->parts = malloc(((size_t)u->n_parts + 1) * sizeof(*u->parts));
	u->slots = malloc(((size_t)u->n_slots + 1) * sizeof(*u->slots));
	u->streams = malloc(((size_t)u->n_streams + 1) * sizeof(*u->streams));
	u->tasks = malloc((nt + 1) * sizeof(*u->tasks));
	u->peers = malloc((np + 1) * sizeof(*u->peers));
	u->deps = malloc((nd + 1) * sizeof(*u->deps));
	out->span_gpus = calloc(nt + 1, sizeof(int));
	out->span_net = calloc(nt + 1, sizeof(int));
	out->mult = calloc(nt + 1, sizeof(int));
	if (!u->parts || !u->slots || !u->streams || !u->tasks || !u->peers || !u->deps ||
	    !out->span_gpus || !out->span_net || !out->mult)
		goto done;
	sub_layout(x, u, part_new, slot_new);
	sub_tasks(x, u, slot_new, newidx, seen, out);
	for (int g = 0; g < sc->n_gpus; g++)
		out->gpu_sub[g] = g < x->R * x->B ? x->kind[g / x->B] * x->B + g % x->B : -1;
	rc = 0;
done:
	free(seen);
	free(newidx);
	free(part_new);
	free(slot_new);
	return rc;
}

/* Try blocks of B GPUs: 0 (a kind of block repeats), 1 (x->why), -1 no
 * memory. */
static int rep_try(struct rep *x, int B)
{
	int rc;

	x->B = B;
	x->R = x->sc->n_gpus / B;
	x->said = 0;
	if ((rc = rep_kinds(x)) != 0)
		return rc;
	return rep_allreduces(x);
}

static void rep_free(struct rep *x)
{
	free(x->part_first);
	free(x->slot_first);
	free(x->soff);
	free(x->slist);
	free(x->idx);
	free(x->goff);
	free(x->gseq);
	free(x->arpos);
	free(x->slot0);
	free(x->cnt);
	free(x->rep_of);
	free(x->kind);
}

/* The smallest block size whose blocks come in fewer kinds than blocks
 * (x then holds its kinds; a larger one could leave fewer GPUs to simulate
 * only with fewer kinds, and trying every size costs a pass over the tasks
 * each: 8192 GPUs took 58 s); x->B, or 0 when none (out->why says why), or
 * -1 out of memory. */
static int rep_search(struct rep *x, struct engine_replicas *out)
{
	const struct engine_schedule *sc = x->sc;
	int tried = 0;

	if (rep_layout(x)) {
		snprintf(out->why, sizeof(out->why), "the schedule is not laid out GPU by GPU");
		return 0;
	}
	if (rep_orders(x))
		return -1;
	for (int B = 1; B <= sc->n_gpus / 2; B++) {
		int rc;
		if (B % x->gpn && x->gpn % B)
			continue; /* blocks are whole nodes or divide one */
		tried = 1;
		if ((rc = rep_try(x, B)) <= 0)
			return rc < 0 ? -1 : B;
	}
	if (!tried)
		snprintf(out->why, sizeof(out->why),
			 "%d GPUs in nodes of %d: no block of whole nodes, nor one dividing a node, "
			 "splits them", sc->n_gpus, x->gpn);
	return 0;
}

static int rep_alloc(struct rep *x)
{
	const struct engine_schedule *sc = x->sc;
	size_t ng = (size_t)sc->n_gpus + 1, ns = (size_t)sc->n_streams + 1, nt = sc->n_tasks + 1;
	size_t npeers = 1;

	for (size_t t = 0; t < sc->n_tasks; t++)
		npeers += sc->tasks[t].n_peers;
	x->part_first = malloc(ng * sizeof(int));
	x->slot_first = malloc(ng * sizeof(int));
	x->soff = calloc(ns, sizeof(size_t));
	x->slist = malloc(nt * sizeof(size_t));
	x->idx = malloc(nt * sizeof(size_t));
	x->goff = calloc((size_t)n_keys(x) + 1, sizeof(size_t));
	x->gseq = malloc(nt * sizeof(int));
	x->arpos = malloc(npeers * sizeof(size_t));
	x->slot0 = malloc(((size_t)sc->n_slots + 1) * sizeof(int));
	x->cnt = malloc(ng * sizeof(size_t));
	x->rep_of = malloc(ng * sizeof(int));
	x->kind = malloc(ng * sizeof(int));
	return x->part_first && x->slot_first && x->soff && x->slist && x->idx && x->goff &&
	       x->gseq && x->arpos && x->slot0 && x->cnt && x->rep_of && x->kind ? 0 : -1;
}

int engine_replicas_find(const struct engine_schedule *sc, const struct engine_cluster *c,
			 struct engine_replicas *out, struct mo_err *err)
{
	struct rep x = {.sc = sc, .gpn = c->gpus_per_node > 0 ? c->gpus_per_node : 1,
			.per_gpu = c->host_issue == MODEL_HOST_PER_GPU};
	int B = 0;

	memset(out, 0, sizeof(*out));
	out->blocks = 1;
	out->block_gpus = sc->n_gpus;
	x.why = out->why;
	x.why_len = sizeof(out->why);
	if (sc->n_gpus < 2) {
		snprintf(out->why, sizeof(out->why), "one GPU");
		return 0;
	}
	if (rep_alloc(&x) || (B = rep_search(&x, out)) < 0 || (B > 0 && rep_sub(&x, out) < 0)) {
		rep_free(&x);
		engine_replicas_release(out);
		return mo_err_set(err, MO_ENOMEM, "out of memory looking for identical replicas");
	}
	if (B > 0) {
		out->blocks = x.R;
		out->block_gpus = B;
		out->kinds = x.n_kinds;
		out->why[0] = 0;
	}
	rep_free(&x);
	return 0;
}

void engine_replicas_release(struct engine_replicas *r)
{
	if (!r)
		return;
	engine_schedule_free(r->sub);
	free(r->span_gpus);
	free(r->span_net);
	free(r->mult);
	free(r->gpu_sub);
	r->sub = NULL;
	r->span_gpus = r->span_net = r->mult = r->gpu_sub = NULL;
}
