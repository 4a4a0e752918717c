/* ops.c - one rank's share of the engine's schedule, as CUDA/NCCL operations. */
#include "engine/cuda/engine-cuda.h"

#include <stdlib.h>
#include <string.h>

#include "engine/engine-internal.h"

void engine_cuda_ops_release(struct engine_cuda_ops *o)
{
	if (!o)
		return;
	free(o->ops);
	free(o->waits);
	memset(o, 0, sizeof(*o));
}

static int stream_gpu(const struct engine_schedule *sc, int stream, int *gpu, struct mo_err *err)
{
	if (stream < 0 || stream >= sc->n_streams)
		return mo_err_set(err, MO_EINPUT, "schedule names stream %d of %d", stream,
				  sc->n_streams);
	*gpu = sc->streams[stream].gpu;
	return 0;
}

/* This rank's partitions, in the schedule's order. */
static int local_parts(const struct engine_schedule *sc, int rank, struct engine_cuda_ops *out,
		       struct mo_err *err)
{
	for (int i = 0; i < sc->n_parts; i++) {
		if (sc->parts[i].gpu != rank)
			continue;
		if (out->n_parts == ENGINE_CUDA_MAX_PARTITIONS)
			return mo_err_set(err, MO_EINPUT, "GPU %d: more than %d partitions", rank,
					  ENGINE_CUDA_MAX_PARTITIONS);
		out->part_global[out->n_parts] = i;
		out->part_sms[out->n_parts++] = sc->parts[i].sms;
	}
	return 0;
}

/* A compute task (FWD, BWD, OPT): *here when its slot is on this rank,
 * then op goes to the stream of the slot's local partition. */
static int compute_op(const struct engine_schedule *sc, const struct engine_cuda_ops *out,
		      size_t t, struct engine_cuda_op *op, int *here, struct mo_err *err)
{
	const struct engine_task *tk = &sc->tasks[t];
	int part;

	if (tk->slot < 0 || tk->slot >= sc->n_slots)
		return mo_err_set(err, MO_EINPUT, "task %zu names slot %d", t, tk->slot);
	if (sc->slots[tk->slot].gpu != out->rank)
		return 0;
	*here = 1;
	op->kind = ENGINE_CUDA_OP_COMPUTE;
	op->phase = tk->kind == ENGINE_TASK_FWD ? 0 : tk->kind == ENGINE_TASK_BWD ? 1 : 2;
	part = sc->slots[tk->slot].partition;
	/* local index: the slot's partition index on its GPU */
	for (int i = 0; i < out->n_parts; i++)
		if (sc->parts[out->part_global[i]].index == part)
			op->part = i;
	if (op->part < 0)
		return mo_err_set(err, MO_EINPUT, "task %zu: slot %d has no partition %d on GPU %d", t,
				  tk->slot, part, out->rank);
	return 0;
}

/* A SEND task: a send on the producer's rank, a receive on the consumer's. */
static int send_op(const struct engine_schedule *sc, int rank, size_t t, struct engine_cuda_op *op,
		   int *here, struct mo_err *err)
{
	const struct engine_task *tk = &sc->tasks[t];
	int from = -1, to = -1, rc;

	if (tk->n_peers != 2)
		return mo_err_set(err, MO_EINPUT, "send task %zu has %zu peers", t, tk->n_peers);
	if ((rc = stream_gpu(sc, sc->peers[tk->peer_off], &from, err)) ||
	    (rc = stream_gpu(sc, sc->peers[tk->peer_off + 1], &to, err)))
		return rc;
	if (from == rank && to != rank) {
		*here = 1;
		op->kind = ENGINE_CUDA_OP_SEND;
		op->peer = to;
	} else if (to == rank && from != rank) {
		*here = 1;
		op->kind = ENGINE_CUDA_OP_RECV;
		op->peer = from;
	}
	return 0;
}

/* An ALLREDUCE task: on every rank one of its streams is on. */
static int allreduce_op(const struct engine_schedule *sc, int rank, size_t t,
			struct engine_cuda_op *op, int *here, struct mo_err *err)
{
	const struct engine_task *tk = &sc->tasks[t];
	int rc;

	for (size_t j = 0; j < tk->n_peers; j++) {
		int g = -1;
		if ((rc = stream_gpu(sc, sc->peers[tk->peer_off + j], &g, err)))
			return rc;
		*here |= g == rank;
	}
	op->kind = ENGINE_CUDA_OP_ALLREDUCE;
	op->microbatch = -1;
	return 0;
}

/* The op of task t on this rank (*here 0: none). */
static int task_op(const struct engine_schedule *sc, const struct engine_cuda_ops *out, size_t t,
		   struct engine_cuda_op *op, int *here, struct mo_err *err)
{
	const struct engine_task *tk = &sc->tasks[t];

	memset(op, 0, sizeof(*op));
	op->task = t;
	op->peer = -1;
	op->part = -1;
	op->slot = tk->slot;
	op->microbatch = tk->microbatch;
	op->bytes = tk->bytes;
	*here = 0;
	switch (tk->kind) {
	case ENGINE_TASK_FWD:
	case ENGINE_TASK_BWD:
	case ENGINE_TASK_OPT: return compute_op(sc, out, t, op, here, err);
	case ENGINE_TASK_SEND: return send_op(sc, out->rank, t, op, here, err);
	case ENGINE_TASK_ALLREDUCE: return allreduce_op(sc, out->rank, t, op, here, err);
	default: return mo_err_set(err, MO_EINPUT, "task %zu of unknown kind %d", t, tk->kind);
	}
}

/* op's waits: the earlier ops of this rank (op_of: task -> op, or -1) that
 * task t depends on and that run on another stream. */
static int add_waits(const struct engine_schedule *sc, size_t t, const long *op_of,
		     struct engine_cuda_ops *out, size_t *cap_w, struct engine_cuda_op *op,
		     struct mo_err *err)
{
	const struct engine_task *tk = &sc->tasks[t];

	op->wait_off = out->n ? out->ops[out->n - 1].wait_off + out->ops[out->n - 1].n_wait : 0;
	for (size_t d = 0; d < tk->n_deps; d++) {
		size_t dep = sc->deps[tk->dep_off + d];
		long o;
		if (dep >= t)
			return mo_err_set(err, MO_EINPUT, "task %zu depends on a later task %zu", t, dep);
		o = op_of[dep];
		if (o < 0 || out->ops[o].part == op->part)
			continue;
		if (MO_GROW(out->waits, op->wait_off + op->n_wait + 1, *cap_w) < 0)
			return mo_err_set(err, MO_ENOMEM, "out of memory");
		out->waits[op->wait_off + op->n_wait++] = (size_t)o;
	}
	return 0;
}

int engine_cuda_ops_build(const struct engine_schedule *sc, int rank, struct engine_cuda_ops *out,
			  struct mo_err *err)
{
	long *op_of = NULL; /* task -> op index on this rank, or -1 */
	size_t cap_w = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	out->rank = rank;
	if ((rc = local_parts(sc, rank, out, err)) < 0)
		return rc;
	out->ops = calloc(sc->n_tasks + 1, sizeof(*out->ops));
	op_of = malloc((sc->n_tasks + 1) * sizeof(*op_of));
	if (!out->ops || !op_of) {
		rc = mo_err_set(err, MO_ENOMEM, "out of memory");
		goto fail;
	}
	for (size_t t = 0; t < sc->n_tasks; t++) {
		struct engine_cuda_op op;
		int here;

		op_of[t] = -1;
		if ((rc = task_op(sc, out, t, &op, &here, err)) < 0)
			goto fail;
		if (!here)
			continue;
		if ((rc = add_waits(sc, t, op_of, out, &cap_w, &op, err)) < 0)
			goto fail;
		op_of[t] = (long)out->n;
		out->ops[out->n++] = op;
	}
	free(op_of);
	return 0;
fail:
	free(op_of);
	engine_cuda_ops_release(out);
	return rc;
}
