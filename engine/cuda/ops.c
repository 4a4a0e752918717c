/* ops.c - one rank's share of the engine's schedule, as CUDA/NCCL operations. */
#include "engine/cuda/engine-cuda.h"

#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"

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

int engine_cuda_ops_build(const struct engine_schedule *sc, int rank, struct engine_cuda_ops *out,
			  struct mo_err *err)
{
	long *op_of = NULL; /* task -> op index on this rank, or -1 */
	size_t cap_w = 0;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	out->rank = rank;
	for (int i = 0; i < sc->n_parts; i++) {
		if (sc->parts[i].gpu != rank)
			continue;
		if (out->n_parts == ENGINE_CUDA_MAX_PARTITIONS)
			return mo_err_set(err, MO_EINPUT, "GPU %d: more than %d partitions", rank,
					  ENGINE_CUDA_MAX_PARTITIONS);
		out->part_global[out->n_parts] = i;
		out->part_sms[out->n_parts++] = sc->parts[i].sms;
	}
	out->ops = calloc(sc->n_tasks + 1, sizeof(*out->ops));
	op_of = malloc((sc->n_tasks + 1) * sizeof(*op_of));
	if (!out->ops || !op_of) {
		rc = mo_err_set(err, MO_ENOMEM, "out of memory");
		goto fail;
	}
	for (size_t t = 0; t < sc->n_tasks; t++) {
		const struct engine_task *tk = &sc->tasks[t];
		struct engine_cuda_op op;
		int here = 0;

		op_of[t] = -1;
		memset(&op, 0, sizeof(op));
		op.task = t;
		op.peer = -1;
		op.part = -1;
		op.slot = tk->slot;
		op.microbatch = tk->microbatch;
		op.bytes = tk->bytes;
		switch (tk->kind) {
		case ENGINE_TASK_FWD:
		case ENGINE_TASK_BWD:
		case ENGINE_TASK_OPT: {
			int part;
			if (tk->slot < 0 || tk->slot >= sc->n_slots) {
				rc = mo_err_set(err, MO_EINPUT, "task %zu names slot %d", t, tk->slot);
				goto fail;
			}
			if (sc->slots[tk->slot].gpu != rank)
				break;
			here = 1;
			op.kind = ENGINE_CUDA_OP_COMPUTE;
			op.phase = tk->kind == ENGINE_TASK_FWD ? 0 : tk->kind == ENGINE_TASK_BWD ? 1 : 2;
			part = sc->slots[tk->slot].partition;
			/* local index: the slot's partition index on its GPU */
			op.part = -1;
			for (int i = 0; i < out->n_parts; i++)
				if (sc->parts[out->part_global[i]].index == part)
					op.part = i;
			if (op.part < 0) {
				rc = mo_err_set(err, MO_EINPUT, "task %zu: slot %d has no partition %d on GPU %d",
						t, tk->slot, part, rank);
				goto fail;
			}
			break;
		}
		case ENGINE_TASK_SEND: {
			int from = -1, to = -1;
			if (tk->n_peers != 2) {
				rc = mo_err_set(err, MO_EINPUT, "send task %zu has %zu peers", t, tk->n_peers);
				goto fail;
			}
			if ((rc = stream_gpu(sc, sc->peers[tk->peer_off], &from, err)) ||
			    (rc = stream_gpu(sc, sc->peers[tk->peer_off + 1], &to, err)))
				goto fail;
			if (from == rank && to != rank) {
				here = 1;
				op.kind = ENGINE_CUDA_OP_SEND;
				op.peer = to;
			} else if (to == rank && from != rank) {
				here = 1;
				op.kind = ENGINE_CUDA_OP_RECV;
				op.peer = from;
			}
			break;
		}
		case ENGINE_TASK_ALLREDUCE:
			for (size_t j = 0; j < tk->n_peers; j++) {
				int g = -1;
				if ((rc = stream_gpu(sc, sc->peers[tk->peer_off + j], &g, err)))
					goto fail;
				here |= g == rank;
			}
			op.kind = ENGINE_CUDA_OP_ALLREDUCE;
			op.microbatch = -1;
			break;
		default:
			rc = mo_err_set(err, MO_EINPUT, "task %zu of unknown kind %d", t, tk->kind);
			goto fail;
		}
		if (!here)
			continue;
		/* waits: earlier ops of this rank on other streams */
		op.wait_off = out->n ? out->ops[out->n - 1].wait_off + out->ops[out->n - 1].n_wait : 0;
		for (size_t d = 0; d < tk->n_deps; d++) {
			size_t dep = sc->deps[tk->dep_off + d];
			long o;
			if (dep >= t) {
				rc = mo_err_set(err, MO_EINPUT, "task %zu depends on a later task %zu", t, dep);
				goto fail;
			}
			o = op_of[dep];
			if (o < 0 || out->ops[o].part == op.part)
				continue;
			if (op.wait_off + op.n_wait == cap_w) {
				size_t ncap = cap_w ? cap_w * 2 : 64;
				size_t *nw = realloc(out->waits, ncap * sizeof(*nw));
				if (!nw) {
					rc = mo_err_set(err, MO_ENOMEM, "out of memory");
					goto fail;
				}
				out->waits = nw;
				cap_w = ncap;
			}
			out->waits[op.wait_off + op.n_wait++] = (size_t)o;
		}
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
