/*
 * test-mpi.c - the control messages between ranks, over real Open MPI on the
 * CPU (no GPU): run with `mpirun --allow-run-as-root --oversubscribe -np N`
 * for N = 1, 2, 4 (make check-mpi).  Each rank checks what it received; the
 * exit status is non-zero when any rank saw a wrong value.
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "engine/cuda/engine-cuda.h"

static int failures;

#define CHECK(cond)                                                              \
	do {                                                                     \
		if (!(cond)) {                                                   \
			fprintf(stderr, "rank %d: %s:%d: check failed: %s\n", rank, \
				__FILE__, __LINE__, #cond);                      \
			failures++;                                              \
		}                                                                \
	} while (0)

int main(int argc, char **argv)
{
	const char plan[] = "{\"format\": \"mosaic-plan\", \"version\": 1, \"gpus\": 4}\n";
	char path[] = "/tmp/mosaic-test-mpi-XXXXXX";
	struct engine_cuda_start s = {0};
	struct engine_cuda_rank r;
	struct engine_cuda_timing mine, *all = NULL;
	struct mo_err err = {0};
	char *bytes = NULL;
	size_t len = 0;
	int rank, size, here, total = 0, fd = -1;
	uint32_t crc;

	here = engine_cuda_mpi_init(&argc, &argv, &err);
	CHECK(here == 1);
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &size);

	/* rank -> GPU through MPI_Comm_split_type: all ranks share this node */
	CHECK(engine_cuda_mpi_rank(size, &r, &err) == 0);
	CHECK(r.rank == rank && r.size == size && r.local_rank == rank && r.local_size == size);
	CHECK(r.gpu == rank);
	if (size > 1)
		CHECK(engine_cuda_mpi_rank(size - 1, &r, &err) == (rank == size - 1 ? -MO_EINFEASIBLE : 0));

	/* plan broadcast: only rank 0 has the file */
	if (rank == 0) {
		fd = mkstemp(path);
		CHECK(fd >= 0 && write(fd, plan, sizeof(plan) - 1) == (ssize_t)(sizeof(plan) - 1));
		close(fd);
	}
	CHECK(engine_cuda_mpi_bcast_plan(path, &bytes, &len, &err) == 0);
	CHECK(bytes && len == sizeof(plan) - 1 && !memcmp(bytes, plan, len));
	crc = (uint32_t)crc32(0L, (const Bytef *)bytes, (uInt)len);
	free(bytes);
	/* a missing plan fails on every rank, none hangs */
	CHECK(engine_cuda_mpi_bcast_plan("/nonexistent/plan.json", &bytes, &len, &err) < 0);
	CHECK(bytes == NULL);

	/* start barrier: agreed parameters; a rank with another plan refuses on all */
	s.iterations = 5;
	s.warmup = 1;
	s.plan_crc = crc;
	CHECK(engine_cuda_mpi_start(&s, crc, &err) == 0);
	CHECK(s.iterations == 5 && s.warmup == 1 && s.n_ranks == size);
	s.plan_crc = crc;
	CHECK(engine_cuda_mpi_start(&s, rank == size - 1 ? crc ^ 1 : crc, &err) < 0);

	/* timing gather: rank 0 sees every rank's numbers in order */
	mine.rank = rank;
	mine.iteration = 7;
	mine.start_ns = 1000000000LL * (rank + 1);
	mine.end_ns = mine.start_ns + 5000 + rank;
	mine.busy_ns = 4000 + rank;
	mine.kernels = 100 * rank;
	if (rank == 0)
		all = calloc((size_t)size, sizeof(*all));
	CHECK(engine_cuda_mpi_gather_timing(&mine, all, &err) == 0);
	if (rank == 0) {
		for (int i = 0; i < size; i++) {
			CHECK(all[i].rank == i && all[i].iteration == 7);
			CHECK(all[i].end_ns - all[i].start_ns == 5000 + i);
			CHECK(all[i].kernels == 100 * i);
		}
		free(all);
		unlink(path);
	}

	MPI_Allreduce(&failures, &total, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
	if (rank == 0)
		printf("test-mpi: %d ranks, %d failed checks\n", size, total);
	engine_cuda_mpi_finalize(here);
	return total ? EXIT_FAILURE : EXIT_SUCCESS;
}
