/*
 * mpi.c - control messages between ranks over MPI: the plan broadcast, the
 * start barrier and the per-iteration timing gather.  Every collective is
 * entered by all ranks even when one of them failed, and a failure anywhere
 * is agreed on with an MPI_Allreduce, so no rank is left waiting.
 */
#include "engine/cuda/engine-cuda.h"

#include <errno.h>
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

int engine_cuda_mpi_init(int *argc, char ***argv, struct mo_err *err)
{
	int inited = 0, provided = 0;

	MPI_Initialized(&inited);
	if (inited)
		return 0;
	if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
		return mo_err_set(err, MO_EIO, "MPI_Init_thread failed");
	return 1;
}

void engine_cuda_mpi_finalize(int initialised_here)
{
	int fin = 0;

	MPI_Finalized(&fin);
	if (initialised_here && !fin)
		MPI_Finalize();
}

int engine_cuda_mpi_rank(int visible_gpus, struct engine_cuda_rank *out, struct mo_err *err)
{
	MPI_Comm node;

	memset(out, 0, sizeof(*out));
	MPI_Comm_rank(MPI_COMM_WORLD, &out->rank);
	MPI_Comm_size(MPI_COMM_WORLD, &out->size);
	if (MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, out->rank, MPI_INFO_NULL,
				&node) != MPI_SUCCESS)
		return mo_err_set(err, MO_EIO, "MPI_Comm_split_type failed");
	MPI_Comm_rank(node, &out->local_rank);
	MPI_Comm_size(node, &out->local_size);
	MPI_Comm_free(&node);
	out->source = "mpi";
	return engine_cuda_rank_gpu(out, visible_gpus, err);
}

/* Agree on failure: returns non-zero on every rank when any rank failed. */
static int any_failed(int failed)
{
	int any = 0;

	MPI_Allreduce(&failed, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
	return any;
}

int engine_cuda_mpi_bcast_plan(const char *plan_path, char **bytes, size_t *len,
			       struct mo_err *err)
{
	int rank, failed = 0, rc = 0;
	uint8_t *msg = NULL;
	uint64_t mlen = 0;
	const uint8_t *payload;
	size_t plen;

	*bytes = NULL;
	*len = 0;
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	if (rank == 0) {
		char *file = NULL;
		size_t flen = 0;
		size_t packed = 0;

		/* the wire format's payload length is a u32 */
		rc = mo_read_file(plan_path, UINT32_MAX - ENGINE_CUDA_MSG_HEADER, &file, &flen, err);
		if (!rc) {
			msg = malloc(ENGINE_CUDA_MSG_HEADER + flen);
			if (!msg)
				rc = mo_err_set(err, MO_ENOMEM, "out of memory");
			else
				rc = engine_cuda_msg_pack(ENGINE_CUDA_MSG_PLAN, 0, file, flen, msg,
							  ENGINE_CUDA_MSG_HEADER + flen, &packed, err);
		}
		free(file);
		mlen = rc ? 0 : packed;
		failed = rc != 0;
	}
	/* length first (0 = rank 0 failed), then the message */
	MPI_Bcast(&mlen, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
	if (mlen == 0) {
		free(msg);
		if (rank != 0)
			return mo_err_set(err, MO_EINPUT, "rank 0 could not read the plan '%s'",
					  plan_path);
		return rc;
	}
	if (rank != 0 && !(msg = malloc(mlen)))
		failed = 1;
	if (any_failed(failed)) {
		free(msg);
		return mo_err_set(err, MO_ENOMEM, "a rank ran out of memory receiving the plan");
	}
	if (mlen > (uint64_t)INT32_MAX) {
		free(msg);
		return mo_err_set(err, MO_EINPUT, "plan '%s' larger than 2 GiB", plan_path);
	}
	MPI_Bcast(msg, (int)mlen, MPI_BYTE, 0, MPI_COMM_WORLD);
	rc = engine_cuda_msg_unpack(msg, mlen, ENGINE_CUDA_MSG_PLAN, NULL, &payload, &plen, err);
	if (!rc) {
		*bytes = malloc(plen + 1);
		if (!*bytes)
			rc = mo_err_set(err, MO_ENOMEM, "out of memory");
		else {
			memcpy(*bytes, payload, plen);
			(*bytes)[plen] = '\0';
			*len = plen;
		}
	}
	free(msg);
	if (any_failed(rc != 0)) {
		if (!rc) {
			free(*bytes);
			*bytes = NULL;
			*len = 0;
			rc = mo_err_set(err, MO_EINPUT, "another rank could not receive the plan");
		}
		return rc;
	}
	return 0;
}

int engine_cuda_mpi_start(struct engine_cuda_start *s, uint32_t my_plan_crc, struct mo_err *err)
{
	uint8_t pay[ENGINE_CUDA_START_BYTES], msg[ENGINE_CUDA_MSG_HEADER + ENGINE_CUDA_START_BYTES];
	const uint8_t *p;
	size_t len = sizeof(msg), plen;
	int rank, size, rc = 0;

	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &size);
	if (rank == 0) {
		s->n_ranks = size;
		engine_cuda_start_encode(s, pay);
		rc = engine_cuda_msg_pack(ENGINE_CUDA_MSG_START, 0, pay, sizeof(pay), msg, sizeof(msg),
					  &len, err);
	}
	MPI_Bcast(msg, (int)sizeof(msg), MPI_BYTE, 0, MPI_COMM_WORLD);
	if (!rc)
		rc = engine_cuda_msg_unpack(msg, sizeof(msg), ENGINE_CUDA_MSG_START, NULL, &p, &plen,
					    err);
	if (!rc)
		rc = engine_cuda_start_decode(p, plen, s, err);
	if (!rc && s->n_ranks != size)
		rc = mo_err_set(err, MO_EINPUT, "start message for %d ranks in a job of %d",
				s->n_ranks, size);
	if (!rc && (uint32_t)s->plan_crc != my_plan_crc)
		rc = mo_err_set(err, MO_EINPUT,
				"rank %d holds a different plan (CRC %08x, rank 0 has %08x)", rank,
				my_plan_crc, (uint32_t)s->plan_crc);
	if (any_failed(rc != 0) && !rc)
		rc = mo_err_set(err, MO_EINPUT, "another rank refused the start message");
	MPI_Barrier(MPI_COMM_WORLD);
	return rc;
}

int engine_cuda_mpi_gather_timing(const struct engine_cuda_timing *mine,
				  struct engine_cuda_timing *all, struct mo_err *err)
{
	enum { MSG = ENGINE_CUDA_MSG_HEADER + ENGINE_CUDA_TIMING_BYTES };
	uint8_t pay[ENGINE_CUDA_TIMING_BYTES], msg[MSG], *recv = NULL;
	size_t len;
	int rank, size, rc, failed = 0;

	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &size);
	engine_cuda_timing_encode(mine, pay);
	rc = engine_cuda_msg_pack(ENGINE_CUDA_MSG_TIMING, rank, pay, sizeof(pay), msg, sizeof(msg),
				  &len, err);
	if (rank == 0 && !(recv = malloc((size_t)size * MSG)))
		failed = 1;
	if (any_failed(failed || rc)) {
		free(recv);
		return rc ? rc : mo_err_set(err, MO_ENOMEM, "out of memory gathering timings");
	}
	MPI_Gather(msg, MSG, MPI_BYTE, recv, MSG, MPI_BYTE, 0, MPI_COMM_WORLD);
	if (rank == 0) {
		for (int r = 0; r < size && !rc; r++) {
			const uint8_t *p;
			size_t plen;
			int from = -1;

			rc = engine_cuda_msg_unpack(recv + (size_t)r * MSG, MSG, ENGINE_CUDA_MSG_TIMING,
						    &from, &p, &plen, err);
			if (!rc)
				rc = engine_cuda_timing_decode(p, plen, &all[r], err);
			if (!rc && (from != r || all[r].rank != r))
				rc = mo_err_set(err, MO_EINPUT, "timing slot %d holds rank %d", r, from);
			if (rc)
				mo_err_prefix(err, "timing from rank %d", r);
		}
		free(recv);
	}
	return rc;
}
