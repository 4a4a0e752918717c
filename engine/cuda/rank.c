/* rank.c - this process's MPI rank and GPU from the launcher's environment. */
#include "engine/cuda/engine-cuda.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* 1: read; 0: absent; < 0: malformed.  lenient: only the leading digits
 * count (Slurm writes counts per node as "4(x2)"). */
static int read_int(const char *(*get)(const char *, void *), void *ctx, const char *name,
		    int lenient, int *out, struct mo_err *err)
{
	const char *s = get(name, ctx);
	char *end;
	long v;

	if (!s || !*s)
		return 0;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || (*end && !lenient) || v < 0 || v > 1000000)
		return mo_err_set(err, MO_EINPUT, "bad %s '%s': expected a non-negative integer", name,
				  s);
	*out = (int)v;
	return 1;
}

int engine_cuda_rank_gpu(struct engine_cuda_rank *r, int visible_gpus, struct mo_err *err)
{
	if (visible_gpus < 1)
		return mo_err_set(err, MO_ENODEV, "rank %d sees no CUDA device", r->rank);
	if (r->local_rank >= visible_gpus)
		return mo_err_set(err, MO_EINFEASIBLE,
				  "local rank %d has no GPU of its own: %d GPUs visible on this node "
				  "(run one process per GPU)",
				  r->local_rank, visible_gpus);
	r->gpu = r->local_rank;
	return 0;
}

struct launcher {
	const char *source, *rank, *size, *local_rank, *local_size;
};
static const struct launcher launchers[] = {
	{"open-mpi", "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_LOCAL_RANK",
	 "OMPI_COMM_WORLD_LOCAL_SIZE"},
	{"slurm", "SLURM_PROCID", "SLURM_NTASKS", "SLURM_LOCALID", "SLURM_NTASKS_PER_NODE"},
	{"pmi", "PMI_RANK", "PMI_SIZE", "MPI_LOCALRANKID", "MPI_LOCALNRANKS"},
};

int engine_cuda_rank_from_env(const char *(*get)(const char *name, void *ctx), void *ctx,
			      int visible_gpus, struct engine_cuda_rank *out, struct mo_err *err)
{
	memset(out, 0, sizeof(*out));
	out->size = 1;
	out->local_size = 1;
	out->source = "single";
	for (size_t i = 0; i < sizeof(launchers) / sizeof(launchers[0]); i++) {
		const struct launcher *l = &launchers[i];
		int have_rank, rc;

		have_rank = read_int(get, ctx, l->rank, 0, &out->rank, err);
		if (have_rank < 0)
			return have_rank;
		if (!have_rank)
			continue;
		out->source = l->source;
		if ((rc = read_int(get, ctx, l->size, 0, &out->size, err)) < 0)
			return rc;
		if ((rc = read_int(get, ctx, l->local_rank, 0, &out->local_rank, err)) < 0)
			return rc;
		if (rc == 0) /* no node-local rank: assume one node */
			out->local_rank = out->rank;
		rc = read_int(get, ctx, l->local_size, 1, &out->local_size, err);
		if (rc < 0)
			return rc;
		if (rc == 0)
			out->local_size = out->size;
		break;
	}
	if (out->size < 1 || out->rank >= out->size)
		return mo_err_set(err, MO_EINPUT, "%s: rank %d outside a job of %d", out->source,
				  out->rank, out->size);
	if (out->local_size < 1 || out->local_rank >= out->local_size ||
	    out->local_size > out->size)
		return mo_err_set(err, MO_EINPUT, "%s: local rank %d of %d inconsistent with job size %d",
				  out->source, out->local_rank, out->local_size, out->size);
	return engine_cuda_rank_gpu(out, visible_gpus, err);
}
