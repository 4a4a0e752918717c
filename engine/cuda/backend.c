/*
 * backend.c - the cuda backend (libmosaic-cuda.so): plans and profiling
 * grids on real GPUs.  Driver API throughout (the replay kernels come from
 * an embedded fatbin through cuLibraryLoadData, so they load into any green
 * context), NCCL for traffic between GPUs, Open MPI for the control plane.
 *
 * Per process: one GPU (rank r drives plan GPU r, on its node's local GPU
 * local_rank).  Per partition of that GPU: one green context
 * (cuDevSmResourceSplitByCount -> cuDevResourceGenerateDesc ->
 * cuGreenCtxCreate, see engine_cuda_split_plan for group and chain modes)
 * and one non-blocking stream from it (cuGreenCtxStreamCreate); the slots
 * of a partition time-share it, so their tasks go to that one stream in
 * schedule order.  Communication (NCCL) runs on one stream of the primary
 * context: its kernels are not confined to a partition.
 *
 * Nothing here was run on a GPU by its authors (no GPU on the build
 * machines); every call follows the CUDA 13 / NCCL 2.28 documentation.
 */
#include "engine/cuda/engine-cuda.h"

#include <cuda.h>
#include <errno.h>
#include <mpi.h>
#include <nccl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <zlib.h>

#include "engine/engine.h"
#include "model/model.h"
#include "planner/planner.h"
#include "traces/cuda/mosaic-nvtx.h"
#include "traces/cuda/trace-cuda.h"
#include "workloads/workloads.h"

#define EXPORT __attribute__((visibility("default")))

extern const unsigned long long mosaic_replay_fatbin[];

static int cu_fail(struct mo_err *err, CUresult r, const char *what)
{
	const char *name = NULL;

	cuGetErrorName(r, &name);
	return mo_err_set(err, r == CUDA_ERROR_NO_DEVICE ? MO_ENODEV : MO_EIO, "%s failed: %s (%d)",
			  what, name ? name : "unknown CUresult", (int)r);
}

static int nccl_fail(struct mo_err *err, ncclResult_t r, const char *what)
{
	return mo_err_set(err, MO_EIO, "%s failed: %s", what, ncclGetErrorString(r));
}

#define CU(call)                                                                 \
	do {                                                                     \
		CUresult r_ = (call);                                            \
		if (r_ != CUDA_SUCCESS) {                                        \
			rc = cu_fail(err, r_, #call);                            \
			goto fail;                                               \
		}                                                                \
	} while (0)
#define NC(call)                                                                 \
	do {                                                                     \
		ncclResult_t r_ = (call);                                        \
		if (r_ != ncclSuccess) {                                         \
			rc = nccl_fail(err, r_, #call);                          \
			goto fail;                                               \
		}                                                                \
	} while (0)

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* ------------------------------------------------------------------------ */
/* The device: limits, replay kernels, calibration                          */
/* ------------------------------------------------------------------------ */

struct gpu {
	CUdevice dev;
	CUcontext primary;
	CUlibrary lib;
	CUkernel kcompute, kmemory;
	CUdevResource sm;            /* the whole device's SMs */
	struct engine_cuda_lattice lat;
	struct engine_cuda_device d; /* limits and calibration */
	CUdeviceptr sink, src, dst;
	size_t buf_bytes;
	char name[256];
	int cc_major, cc_minor, warp, max_threads_per_block, regs_per_block, smem_per_block;
	size_t mem_bytes;
};

static int attr(CUdevice dev, CUdevice_attribute a, int *out, struct mo_err *err)
{
	CUresult r = cuDeviceGetAttribute(out, a, dev);
	return r == CUDA_SUCCESS ? 0 : cu_fail(err, r, "cuDeviceGetAttribute");
}

/* Launch a replay; memory replays stream between src and dst (g's buffers
 * when 0: each partition of a run has its own, so colocated modules do not
 * share cache lines they would not share in training). */
static int launch_on(struct gpu *g, const struct engine_cuda_replay *r, CUstream s,
		     CUdeviceptr src, CUdeviceptr dst)
{
	if (r->mode == ENGINE_CUDA_REPLAY_COMPUTE) {
		long long iters = r->iters;
		void *args[] = {&g->sink, &iters};
		return cuLaunchKernel((CUfunction)g->kcompute, r->grid[0], r->grid[1], r->grid[2],
				      r->block[0], r->block[1], r->block[2], r->dyn_smem, s, args,
				      NULL);
	}
	if (r->mode == ENGINE_CUDA_REPLAY_MEMORY) {
		long long elems = (long long)(g->buf_bytes / 16), want = (r->bytes + 31) / 32;
		long long n = want < elems ? want : elems, passes;
		void *args[4];

		if (n < 1)
			n = 1;
		passes = (want + n - 1) / n;
		if (!src || !dst)
			src = g->src, dst = g->dst;
		args[0] = &src;
		args[1] = &dst;
		args[2] = &n;
		args[3] = &passes;
		return cuLaunchKernel((CUfunction)g->kmemory, r->grid[0], r->grid[1], r->grid[2],
				      r->block[0], r->block[1], r->block[2], r->dyn_smem, s, args,
				      NULL);
	}
	return CUDA_SUCCESS; /* SKIP: collectives are NCCL's */
}

static int launch(struct gpu *g, const struct engine_cuda_replay *r, CUstream s)
{
	return launch_on(g, r, s, 0, 0);
}

/* GPU time of reps launches of r on s, in ns per launch (CUDA events). */
static int time_replay(struct gpu *g, const struct engine_cuda_replay *r, CUstream s, int reps,
		       double *ns, struct mo_err *err)
{
	CUevent a = NULL, b = NULL;
	float ms = 0;
	int rc = 0;

	CU(cuEventCreate(&a, CU_EVENT_DEFAULT));
	CU(cuEventCreate(&b, CU_EVENT_DEFAULT));
	CU(launch(g, r, s)); /* warm-up */
	CU(cuEventRecord(a, s));
	for (int i = 0; i < reps; i++)
		CU(launch(g, r, s));
	CU(cuEventRecord(b, s));
	CU(cuEventSynchronize(b));
	CU(cuEventElapsedTime(&ms, a, b));
	*ns = (double)ms * 1e6 / reps;
fail:
	if (a)
		cuEventDestroy(a);
	if (b)
		cuEventDestroy(b);
	return rc;
}

/* Measure the replay kernels on the whole device (see engine_cuda_device). */
static int calibrate(struct gpu *g, struct mo_err *err)
{
	struct engine_cuda_replay r;
	CUstream s = NULL;
	double t0, t1;
	int rc = 0, bps;

	CU(cuStreamCreate(&s, CU_STREAM_NON_BLOCKING));
	memset(&r, 0, sizeof(r));
	r.mode = ENGINE_CUDA_REPLAY_COMPUTE;
	r.grid[0] = r.grid[1] = r.grid[2] = 1;
	r.block[0] = 32, r.block[1] = r.block[2] = 1;
	r.iters = 0;
	if ((rc = time_replay(g, &r, s, 200, &t0, err)))
		goto fail;
	g->d.launch_ns = (int64_t)t0;
	r.iters = 1 << 20;
	if ((rc = time_replay(g, &r, s, 3, &t1, err)))
		goto fail;
	g->d.iter_latency_ns = (t1 - t0) / (double)r.iters;
	bps = g->d.max_threads_per_sm / 256;
	r.grid[0] = (unsigned)(g->d.sms * (bps > 0 ? bps : 1));
	r.block[0] = 256;
	r.iters = 1 << 16;
	if ((rc = time_replay(g, &r, s, 3, &t1, err)))
		goto fail;
	g->d.fma_per_ns_per_sm =
		(double)r.grid[0] * 256.0 * (double)r.iters / (t1 - t0) / (double)g->d.sms;
	r.mode = ENGINE_CUDA_REPLAY_MEMORY;
	r.bytes = (int64_t)g->buf_bytes * 2 * 4; /* 4 passes of read + write */
	if ((rc = time_replay(g, &r, s, 3, &t1, err)))
		goto fail;
	g->d.dram_bytes_per_ns = (double)r.bytes / t1;
	if (!(g->d.iter_latency_ns > 0) || !(g->d.fma_per_ns_per_sm > 0) ||
	    !(g->d.dram_bytes_per_ns > 0))
		rc = mo_err_set(err, MO_EIO,
				"calibration of the replay kernels failed (latency %.3g ns, %.3g "
				"iterations/ns/SM, %.3g B/ns)",
				g->d.iter_latency_ns, g->d.fma_per_ns_per_sm, g->d.dram_bytes_per_ns);
fail:
	if (s)
		cuStreamDestroy(s);
	return rc;
}

static void gpu_close(struct gpu *g)
{
	if (!g->primary)
		return;
	cuCtxSetCurrent(g->primary);
	if (g->sink)
		cuMemFree(g->sink);
	if (g->src)
		cuMemFree(g->src);
	if (g->dst)
		cuMemFree(g->dst);
	if (g->lib)
		cuLibraryUnload(g->lib);
	cuDevicePrimaryCtxRelease(g->dev);
	memset(g, 0, sizeof(*g));
}

static int gpu_open(int ordinal, struct gpu *g, struct mo_err *err)
{
	int rc = 0, v = 0;

	memset(g, 0, sizeof(*g));
	CU(cuInit(0));
	CU(cuDeviceGet(&g->dev, ordinal));
	CU(cuDevicePrimaryCtxRetain(&g->primary, g->dev));
	CU(cuCtxSetCurrent(g->primary));
	CU(cuDeviceGetName(g->name, (int)sizeof(g->name), g->dev));
	CU(cuDeviceTotalMem(&g->mem_bytes, g->dev));
#define A(a, dst)                                                                \
	do {                                                                     \
		if ((rc = attr(g->dev, a, &v, err)))                             \
			goto fail;                                               \
		dst = v;                                                         \
	} while (0)
	A(CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, g->d.sms);
	A(CU_DEVICE_ATTRIBUTE_WARP_SIZE, g->d.warp_size);
	A(CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_MULTIPROCESSOR, g->d.max_threads_per_sm);
	A(CU_DEVICE_ATTRIBUTE_MAX_BLOCKS_PER_MULTIPROCESSOR, g->d.max_blocks_per_sm);
	A(CU_DEVICE_ATTRIBUTE_MAX_REGISTERS_PER_MULTIPROCESSOR, g->d.regs_per_sm);
	A(CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_MULTIPROCESSOR, g->d.smem_per_sm);
	A(CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN, g->d.smem_per_block_optin);
	A(CU_DEVICE_ATTRIBUTE_RESERVED_SHARED_MEMORY_PER_BLOCK, g->d.smem_reserved_per_block);
	A(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, g->cc_major);
	A(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, g->cc_minor);
	A(CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK, g->max_threads_per_block);
	A(CU_DEVICE_ATTRIBUTE_MAX_REGISTERS_PER_BLOCK, g->regs_per_block);
	A(CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK, g->smem_per_block);
#undef A
	g->warp = g->d.warp_size;
	g->d.reg_alloc_unit = 256; /* registers are allocated per warp in units of 256 */
	/* the SM lattice, as the device reports it */
	CU(cuDeviceGetDevResource(g->dev, &g->sm, CU_DEV_RESOURCE_TYPE_SM));
	g->lat.sms = (int)g->sm.sm.smCount;
	g->lat.min_sms = (int)g->sm.sm.minSmPartitionSize;
	g->lat.align = (int)g->sm.sm.smCoscheduledAlignment;
	/* the replay kernels, loaded context-independently */
	CU(cuLibraryLoadData(&g->lib, mosaic_replay_fatbin, NULL, NULL, 0, NULL, NULL, 0));
	CU(cuLibraryGetKernel(&g->kcompute, g->lib, "mosaic_replay_compute"));
	CU(cuLibraryGetKernel(&g->kmemory, g->lib, "mosaic_replay_memory"));
	CU(cuKernelSetAttribute(CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
				g->d.smem_per_block_optin, g->kcompute, g->dev));
	CU(cuKernelSetAttribute(CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
				g->d.smem_per_block_optin, g->kmemory, g->dev));
	{
		int r1 = 0, r2 = 0;
		CU(cuKernelGetAttribute(&r1, CU_FUNC_ATTRIBUTE_NUM_REGS, g->kcompute, g->dev));
		CU(cuKernelGetAttribute(&r2, CU_FUNC_ATTRIBUTE_NUM_REGS, g->kmemory, g->dev));
		g->d.replay_regs = r1 > r2 ? r1 : r2;
	}
	/* streaming buffers: 256 MiB each, less on small GPUs */
	g->buf_bytes = (size_t)256 << 20;
	while (g->buf_bytes > ((size_t)1 << 20) && g->buf_bytes * 8 > g->mem_bytes)
		g->buf_bytes /= 2;
	CU(cuMemAlloc(&g->sink, 64));
	CU(cuMemAlloc(&g->src, g->buf_bytes));
	CU(cuMemAlloc(&g->dst, g->buf_bytes));
	CU(cuMemsetD8(g->src, 0, g->buf_bytes));
	if ((rc = calibrate(g, err)))
		goto fail;
	return 0;
fail:
	gpu_close(g);
	return rc;
}

/* ------------------------------------------------------------------------ */
/* Green contexts                                                           */
/* ------------------------------------------------------------------------ */

struct part {
	int sms;              /* what the green context got */
	CUgreenCtx green;
	CUcontext ctx;
	CUstream stream;
	CUdeviceptr src, dst; /* its own streaming buffers (runs only) */
};

static void parts_destroy(struct part *p, int n)
{
	for (int i = 0; i < n; i++) {
		if (p[i].src)
			cuMemFree(p[i].src);
		if (p[i].dst)
			cuMemFree(p[i].dst);
		if (p[i].stream)
			cuStreamDestroy(p[i].stream);
		if (p[i].green)
			cuGreenCtxDestroy(p[i].green);
	}
	memset(p, 0, sizeof(*p) * (size_t)n);
}

static int green_from(struct gpu *g, CUdevResource *res, unsigned n, CUgreenCtx *out,
		      struct mo_err *err)
{
	CUdevResourceDesc desc;
	int rc = 0;

	CU(cuDevResourceGenerateDesc(&desc, res, n));
	CU(cuGreenCtxCreate(out, desc, g->dev, CU_GREEN_CTX_DEFAULT_STREAM));
fail:
	return rc;
}

static int parts_create(struct gpu *g, const int *quotas, int n, struct part *out,
			struct mo_err *err)
{
	struct engine_cuda_split sp;
	CUdevResource groups[ENGINE_CUDA_MAX_PARTITIONS * 8];
	CUgreenCtx temps[ENGINE_CUDA_MAX_PARTITIONS];
	int n_temps = 0, rc;

	memset(out, 0, sizeof(*out) * (size_t)n);
	if ((rc = engine_cuda_split_plan(quotas, n, &g->lat, &sp, err)))
		return rc;
	if (sp.group_sms > 0) {
		unsigned nb = (unsigned)sp.n_groups;

		if (sp.n_groups > (int)(sizeof(groups) / sizeof(groups[0])))
			return mo_err_set(err, MO_EINFEASIBLE, "%d SM groups of %d: too many",
					  sp.n_groups, sp.group_sms);
		CU(cuDevSmResourceSplitByCount(groups, &nb, &g->sm, NULL, 0,
					       (unsigned)sp.group_sms));
		if ((int)nb < sp.n_groups) {
			rc = mo_err_set(err, MO_EINFEASIBLE,
					"the device split into %u groups of %d SMs, the plan needs %d",
					nb, sp.group_sms, sp.n_groups);
			goto fail;
		}
		for (int i = 0; i < n; i++)
			if ((rc = green_from(g, &groups[sp.first[i]], (unsigned)sp.count[i],
					     &out[i].green, err)))
				goto fail;
	} else {
		CUdevResource cur = g->sm;

		for (int k = 0; k < n; k++) {
			int i = sp.order[k];
			CUdevResource one, rest;
			unsigned nb = 1;

			CU(cuDevSmResourceSplitByCount(&one, &nb, &cur, &rest, 0, (unsigned)sp.sms[i]));
			if (nb < 1) {
				rc = mo_err_set(err, MO_EINFEASIBLE,
						"cannot split %d SMs for partition %d", sp.sms[i], i);
				goto fail;
			}
			if ((rc = green_from(g, &one, 1, &out[i].green, err)))
				goto fail;
			if (k + 1 < n) {
				/* a split result cannot be split again: go through a context */
				if ((rc = green_from(g, &rest, 1, &temps[n_temps], err)))
					goto fail;
				CU(cuGreenCtxGetDevResource(temps[n_temps++], &cur,
							    CU_DEV_RESOURCE_TYPE_SM));
			}
		}
	}
	for (int i = 0; i < n; i++) {
		CUdevResource res;

		CU(cuCtxFromGreenCtx(&out[i].ctx, out[i].green));
		CU(cuGreenCtxStreamCreate(&out[i].stream, out[i].green, CU_STREAM_NON_BLOCKING, 0));
		CU(cuGreenCtxGetDevResource(out[i].green, &res, CU_DEV_RESOURCE_TYPE_SM));
		out[i].sms = (int)res.sm.smCount;
	}
	for (int i = 0; i < n_temps; i++)
		cuGreenCtxDestroy(temps[i]);
	return 0;
fail:
	for (int i = 0; i < n_temps; i++)
		cuGreenCtxDestroy(temps[i]);
	parts_destroy(out, n);
	return rc;
}

/* ------------------------------------------------------------------------ */
/* Replay lists                                                             */
/* ------------------------------------------------------------------------ */

struct replay_list {
	size_t n;
	struct engine_cuda_replay *r;
	struct trace_kernel *k;  /* the kernels replayed (strings owned by mem) */
	struct trace_mem mem;
};

static void replay_list_release(struct replay_list *l)
{
	free(l->r);
	free(l->k);
	trace_mem_release(&l->mem);
	memset(l, 0, sizeof(*l));
}

/* Size a replay for every kernel record of l->mem. */
static int replay_list_size(struct gpu *g, struct replay_list *l, int phase_filter,
			    struct mo_err *err)
{
	l->r = calloc(l->mem.n + 1, sizeof(*l->r));
	l->k = calloc(l->mem.n + 1, sizeof(*l->k));
	if (!l->r || !l->k)
		return mo_err_set(err, MO_ENOMEM, "out of memory");
	for (size_t i = 0; i < l->mem.n; i++) {
		const struct trace_record *rec = &l->mem.recs[i];
		int rc;

		if (rec->kind != TRACE_KIND_KERNEL)
			continue;
		if (phase_filter >= 0 && rec->u.kernel.phase != phase_filter)
			continue;
		rc = engine_cuda_replay_size(&g->d, &rec->u.kernel, &l->r[l->n], err);
		if (rc == -MO_EINPUT && rec->u.kernel.end_ns <= rec->u.kernel.start_ns)
			continue; /* zero-length records: nothing to replay */
		if (rc)
			return rc;
		l->k[l->n++] = rec->u.kernel;
	}
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Running a plan                                                           */
/* ------------------------------------------------------------------------ */

static uint32_t file_crc(const char *path, struct mo_err *err, int *rc)
{
	FILE *fp;
	unsigned char buf[65536];
	uLong c = crc32(0L, Z_NULL, 0);
	size_t n;

	if ((*rc = mo_open_regular(path, &fp, err)) < 0)
		return 0;
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
		c = crc32(c, buf, (uInt)n);
	fclose(fp);
	return (uint32_t)c;
}

/* Agree on failure across ranks so nobody waits for a rank that gave up. */
static int all_ok(int rc)
{
	int bad = rc != 0, any = 0;
	MPI_Allreduce(&bad, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
	return !any;
}

/* Is rank `me` a member of all-reduce task t? */
static int in_allreduce(const struct engine_schedule *sc, const struct engine_task *t, int me)
{
	for (size_t j = 0; j < t->n_peers; j++)
		if (sc->streams[sc->peers[t->peer_off + j]].gpu == me)
			return 1;
	return 0;
}

/* One rank's run of a plan: what each phase of engine_cuda_backend_run
 * sets up and the next one uses. */
struct run {
	const struct plan *p;
	const struct workload *w;
	const struct engine_run_opts *o;
	int iters, total;                 /* timed iterations; with the warm-up ones */
	struct engine_cuda_rank rk;
	const struct model_gpu *spec;
	struct engine_schedule *sc;
	struct engine_cuda_ops ops;
	struct gpu g;
	struct part parts[ENGINE_CUDA_MAX_PARTITIONS];
	int n_parts;
	struct replay_list *lists;        /* per slot and phase */
	ncclComm_t world, *sub;           /* sub: per all-reduce task */
	CUstream cs;                      /* communication stream (primary context) */
	CUevent *ev, *t0, *t1;            /* per op: done; compute start and end */
	CUdeviceptr nbuf_a, nbuf_b;       /* NCCL buffers */
	struct engine_cuda_timing *all;   /* rank 0: one iteration's timing of every rank */
	int64_t *iter_ns;                 /* rank 0: per timed iteration, the slowest rank */
	uint64_t kernels_here;            /* replay kernels this rank launches per iteration */
};

/* The driver, this process's rank and GPU, and a job of one rank per plan GPU. */
static int run_join(struct run *r, struct mo_err *err)
{
	int ndev = 0, rc = 0;
	CUresult cr = cuInit(0);

	if (cr == CUDA_SUCCESS)
		cr = cuDeviceGetCount(&ndev);
	if (cr != CUDA_SUCCESS)
		rc = cu_fail(err, cr, "cuInit");
	if (!rc)
		rc = engine_cuda_mpi_rank(ndev, &r->rk, err);
	if (!rc && r->p->n_gpus != r->rk.size)
		rc = mo_err_set(err, MO_EINPUT,
				"the plan uses %d GPUs but the job has %d ranks (one process per GPU: "
				"mpirun -np %d)",
				r->p->n_gpus, r->rk.size, r->p->n_gpus);
	return rc;
}

/* The same plan everywhere: rank 0 broadcasts its file, every rank compares
 * its own copy's CRC at the start barrier. */
static int run_same_plan(struct run *r, struct mo_err *err)
{
	const char *path = r->o->plan_path;
	char *bytes = NULL;
	size_t len = 0;
	uint32_t mine = 0;
	struct engine_cuda_start st = {r->iters, r->total - r->iters, r->rk.size, 0};
	int rc;

	if (!path)
		return 0;
	rc = engine_cuda_mpi_bcast_plan(path, &bytes, &len, err);
	if (!rc)
		st.plan_crc = (uint32_t)crc32(0L, (const Bytef *)bytes, (uInt)len);
	free(bytes);
	if (!rc)
		mine = file_crc(path, err, &rc);
	if (!all_ok(rc))
		return rc ? rc : mo_err_set(err, MO_EINPUT, "another rank could not read the plan");
	return engine_cuda_mpi_start(&st, mine, err);
}

/* The schedule, this rank's ops, its GPU and the green contexts of its
 * partitions; every rank agrees on the outcome. */
static int run_prepare(struct run *r, struct mo_err *err)
{
	int rc;

	r->spec = model_gpu_find(r->p->gpu, err);
	rc = r->spec ? engine_schedule_build(r->p, r->w, r->spec, &r->sc, err) : -MO_EINPUT;
	if (!rc)
		rc = engine_cuda_ops_build(r->sc, r->rk.rank, &r->ops, err);
	if (!rc)
		rc = gpu_open(r->rk.gpu, &r->g, err);
	if (!all_ok(rc))
		return rc ? rc : mo_err_set(err, MO_EIO, "another rank could not open its GPU "
					    "or schedule (see its message)");
	r->n_parts = r->ops.n_parts;
	rc = r->n_parts ? parts_create(&r->g, r->ops.part_sms, r->n_parts, r->parts, err) : 0;
	if (rc) {
		mo_err_prefix(err, "GPU %d (%s)", r->rk.rank, r->g.name);
		r->n_parts = 0;
	}
	if (!all_ok(rc) && !rc) {
		parts_destroy(r->parts, r->n_parts);
		r->n_parts = 0;
		return mo_err_set(err, MO_EIO, "another rank could not create its partitions "
				  "(see its message)");
	}
	return rc;
}

/* NCCL: a world communicator, one per replicated slice's all-reduce, their
 * buffers; the per-op arrays; the partitions' streaming buffers. */
static int run_comms(struct run *r, struct mo_err *err)
{
	const struct engine_schedule *sc = r->sc;
	ncclUniqueId id;
	int64_t max_bytes = 4;
	int rc = 0;

	cuCtxSetCurrent(r->g.primary);
	if (r->rk.rank == 0)
		NC(ncclGetUniqueId(&id));
	MPI_Bcast(&id, (int)sizeof(id), MPI_BYTE, 0, MPI_COMM_WORLD);
	NC(ncclCommInitRank(&r->world, r->rk.size, id, r->rk.rank));
	CU(cuStreamCreate(&r->cs, CU_STREAM_NON_BLOCKING));
	r->sub = calloc(sc->n_tasks + 1, sizeof(*r->sub));
	r->ev = calloc(r->ops.n + 1, sizeof(*r->ev));
	r->t0 = calloc(r->ops.n + 1, sizeof(*r->t0));
	r->t1 = calloc(r->ops.n + 1, sizeof(*r->t1));
	r->iter_ns = calloc((size_t)r->total, sizeof(*r->iter_ns));
	r->lists = calloc((size_t)sc->n_slots * 3 + 1, sizeof(*r->lists));
	if (!r->sub || !r->ev || !r->t0 || !r->t1 || !r->iter_ns || !r->lists)
		return mo_err_set(err, MO_ENOMEM, "out of memory");
	for (int s = 0; s < sc->n_slots * 3; s++)
		trace_mem_init(&r->lists[s].mem);
	for (size_t t = 0; t < sc->n_tasks; t++) {
		const struct engine_task *tk = &sc->tasks[t];
		if ((tk->kind == ENGINE_TASK_SEND || tk->kind == ENGINE_TASK_ALLREDUCE) &&
		    tk->bytes > max_bytes)
			max_bytes = tk->bytes;
		if (tk->kind == ENGINE_TASK_ALLREDUCE) /* collective over every rank, in order */
			NC(ncclCommSplit(r->world,
					 in_allreduce(sc, tk, r->rk.rank) ? (int)t : NCCL_SPLIT_NOCOLOR,
					 r->rk.rank, &r->sub[t], NULL));
	}
	CU(cuMemAlloc(&r->nbuf_a, (size_t)max_bytes));
	CU(cuMemAlloc(&r->nbuf_b, (size_t)max_bytes));
	for (int k = 0; k < r->n_parts; k++) {
		CU(cuMemAlloc(&r->parts[k].src, r->g.buf_bytes));
		CU(cuMemAlloc(&r->parts[k].dst, r->g.buf_bytes));
		CU(cuMemsetD8(r->parts[k].src, 0, r->g.buf_bytes));
	}
	return 0;
fail:
	return rc;
}

/* The replay kernels of this GPU's slots, and the ops' events (each in the
 * context of the stream it is recorded on). */
static int run_replays(struct run *r, struct mo_err *err)
{
	const struct engine_schedule *sc = r->sc;
	int rc = 0;

	for (int s = 0; s < sc->n_slots; s++) {
		const struct engine_slot *sl = &sc->slots[s];
		if (sl->gpu != r->rk.rank)
			continue;
		for (int ph = 0; ph < 3; ph++) {
			struct replay_list *l = &r->lists[s * 3 + ph];
			if ((ph == WORKLOAD_BWD && !sl->has_bwd) || (ph == WORKLOAD_OPT && !sl->has_opt))
				continue;
			rc = workload_kernels(r->w, sl->module, sl->layer_begin, sl->layer_end, ph,
					      sc->microbatch_size, r->spec, &l->mem, err);
			if (!rc)
				rc = replay_list_size(&r->g, l, -1, err);
			if (rc)
				return rc;
		}
	}
	for (size_t i = 0; i < r->ops.n; i++) {
		const struct engine_cuda_op *op = &r->ops.ops[i];
		CU(cuCtxSetCurrent(op->part >= 0 ? r->parts[op->part].ctx : r->g.primary));
		CU(cuEventCreate(&r->ev[i], CU_EVENT_DISABLE_TIMING));
		if (op->kind == ENGINE_CUDA_OP_COMPUTE) {
			CU(cuEventCreate(&r->t0[i], CU_EVENT_DEFAULT));
			CU(cuEventCreate(&r->t1[i], CU_EVENT_DEFAULT));
		}
	}
	return 0;
fail:
	return rc;
}

/* Issue op i of iteration it on its stream, after its waits; then its event. */
static int run_issue(struct run *r, size_t i, int it, struct mo_err *err)
{
	const struct engine_cuda_op *op = &r->ops.ops[i];
	CUstream s = op->part >= 0 ? r->parts[op->part].stream : r->cs;
	int rc = 0;

	CU(cuCtxSetCurrent(op->part >= 0 ? r->parts[op->part].ctx : r->g.primary));
	for (size_t k = 0; k < op->n_wait; k++)
		CU(cuStreamWaitEvent(s, r->ev[r->ops.waits[op->wait_off + k]], 0));
	switch (op->kind) {
	case ENGINE_CUDA_OP_SEND:
		NC(ncclSend((void *)r->nbuf_a, (size_t)op->bytes, ncclChar, op->peer, r->world, s));
		break;
	case ENGINE_CUDA_OP_RECV:
		NC(ncclRecv((void *)r->nbuf_b, (size_t)op->bytes, ncclChar, op->peer, r->world, s));
		break;
	case ENGINE_CUDA_OP_ALLREDUCE:
		NC(ncclAllReduce((void *)r->nbuf_a, (void *)r->nbuf_b, (size_t)op->bytes / 4, ncclFloat,
				 ncclSum, r->sub[op->task], s));
		break;
	default: {
		const struct engine_slot *sl = &r->sc->slots[op->slot];
		const struct replay_list *l = &r->lists[op->slot * 3 + op->phase];
		const struct part *pt = &r->parts[op->part];

		mosaic_range_push(r->w->modules[sl->module].name, workload_phase_name(op->phase),
				  op->microbatch, it);
		CU(cuEventRecord(r->t0[i], s));
		for (size_t k = 0; k < l->n; k++)
			CU(launch_on(&r->g, &l->r[k], s, pt->src, pt->dst));
		CU(cuEventRecord(r->t1[i], s));
		MOSAIC_RANGE_POP();
		if (it == 0)
			r->kernels_here += l->n;
	}
	}
	CU(cuEventRecord(r->ev[i], s));
	return 0;
fail:
	return rc;
}

/* One iteration on this rank: every op issued, every stream synchronised;
 * the host clock around it and the compute time its events measured. */
static int run_iteration(struct run *r, int it, struct engine_cuda_timing *mine,
			 struct mo_err *err)
{
	int64_t busy = 0;
	int rc = 0;

	MPI_Barrier(MPI_COMM_WORLD);
	mine->start_ns = now_ns();
	for (size_t i = 0; i < r->ops.n; i++)
		if ((rc = run_issue(r, i, it, err)) != 0)
			return rc;
	for (int k = 0; k < r->n_parts; k++)
		CU(cuStreamSynchronize(r->parts[k].stream));
	CU(cuStreamSynchronize(r->cs));
	mine->end_ns = now_ns();
	for (size_t i = 0; i < r->ops.n; i++)
		if (r->t0[i]) {
			float ms = 0;
			CU(cuEventElapsedTime(&ms, r->t0[i], r->t1[i]));
			busy += (int64_t)((double)ms * 1e6);
		}
	mine->rank = r->rk.rank;
	mine->iteration = it - (r->total - r->iters);
	mine->busy_ns = busy;
	mine->kernels = (int32_t)r->kernels_here;
	return 0;
fail:
	return rc;
}

/* A timed iteration's timings gathered on rank 0: the slowest rank's span,
 * busy time and kernels summed over ranks. */
static int run_gather(struct run *r, const struct engine_cuda_timing *mine,
		      struct engine_run_result *res, struct mo_err *err)
{
	int64_t slow = 0, sum_busy = 0;
	uint64_t sum_k = 0;
	int rc;

	if (r->rk.rank == 0 && !r->all) {
		r->all = calloc((size_t)r->rk.size, sizeof(*r->all));
		if (!r->all)
			return mo_err_set(err, MO_ENOMEM, "out of memory");
	}
	if ((rc = engine_cuda_mpi_gather_timing(mine, r->all, err)))
		return rc;
	if (r->rk.rank != 0)
		return 0;
	for (int k = 0; k < r->rk.size; k++) {
		if (r->all[k].end_ns - r->all[k].start_ns > slow)
			slow = r->all[k].end_ns - r->all[k].start_ns;
		sum_busy += r->all[k].busy_ns;
		sum_k += (uint64_t)r->all[k].kernels;
	}
	r->iter_ns[mine->iteration] = slow;
	res->busy_ns = sum_busy;
	res->kernels = sum_k;
	return 0;
}

/* The result: rank 0's min, mean and max over the timed iterations, given
 * to every rank, and the partitions of all ranks. */
static void run_summary(struct run *r, struct engine_run_result *res)
{
	int mine_parts = r->n_parts, sum_parts = 0;
	int64_t v[6];

	if (r->rk.rank == 0) {
		int64_t sum = 0;
		res->iter_ns_min = INT64_MAX;
		for (int i = 0; i < r->iters; i++) {
			sum += r->iter_ns[i];
			if (r->iter_ns[i] < res->iter_ns_min)
				res->iter_ns_min = r->iter_ns[i];
			if (r->iter_ns[i] > res->iter_ns_max)
				res->iter_ns_max = r->iter_ns[i];
		}
		res->iter_ns = sum / r->iters;
	}
	res->source = TRACE_SOURCE_MEASURED;
	res->n_gpus = r->rk.size;
	res->iterations = r->iters;
	res->rank = r->rk.rank;
	MPI_Allreduce(&mine_parts, &sum_parts, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
	res->partitions = sum_parts;
	v[0] = res->iter_ns_min, v[1] = res->iter_ns, v[2] = res->iter_ns_max;
	v[3] = res->busy_ns, v[4] = (int64_t)res->kernels, v[5] = 0;
	MPI_Bcast(v, 6, MPI_INT64_T, 0, MPI_COMM_WORLD);
	res->iter_ns_min = v[0], res->iter_ns = v[1], res->iter_ns_max = v[2];
	res->busy_ns = v[3], res->kernels = (uint64_t)v[4];
}

/* The CUDA and NCCL objects of run_comms and run_replays (communicators
 * aborted after a failure rc, destroyed otherwise). */
static void run_release_cuda(struct run *r, int rc)
{
	for (size_t i = 0; r->ev && i < r->ops.n; i++) {
		if (r->ev[i])
			cuEventDestroy(r->ev[i]);
		if (r->t0[i])
			cuEventDestroy(r->t0[i]);
		if (r->t1[i])
			cuEventDestroy(r->t1[i]);
	}
	for (size_t t = 0; r->sub && t < r->sc->n_tasks; t++)
		if (r->sub[t])
			(rc ? ncclCommAbort : ncclCommDestroy)(r->sub[t]);
	if (r->lists)
		for (int s = 0; s < r->sc->n_slots * 3; s++)
			replay_list_release(&r->lists[s]);
	if (r->g.primary)
		cuCtxSetCurrent(r->g.primary);
	if (r->nbuf_a)
		cuMemFree(r->nbuf_a);
	if (r->nbuf_b)
		cuMemFree(r->nbuf_b);
	if (r->cs)
		cuStreamDestroy(r->cs);
	if (r->world)
		(rc ? ncclCommAbort : ncclCommDestroy)(r->world);
	parts_destroy(r->parts, r->n_parts);
}

/* Set up the communicators and replays, run every iteration, sum up. */
static int run_iterations(struct run *r, struct engine_run_result *res, struct mo_err *err)
{
	int rc;

	if ((rc = run_comms(r, err)) != 0 || (rc = run_replays(r, err)) != 0)
		return rc;
	for (int it = 0; it < r->total; it++) {
		struct engine_cuda_timing mine;

		if ((rc = run_iteration(r, it, &mine, err)) != 0)
			return rc;
		if (it >= r->total - r->iters && (rc = run_gather(r, &mine, res, err)) != 0)
			return rc;
	}
	run_summary(r, res);
	return 0;
}

EXPORT int engine_cuda_backend_run(const struct plan *p, const struct workload *w,
				   const struct engine_run_opts *o, struct engine_run_result *res,
				   struct mo_err *err);
int engine_cuda_backend_run(const struct plan *p, const struct workload *w,
			    const struct engine_run_opts *o, struct engine_run_result *res,
			    struct mo_err *err)
{
	struct run r = {.p = p, .w = w, .o = o};
	int here, rc;

	memset(res, 0, sizeof(*res));
	r.iters = o->iterations > 0 ? o->iterations : 1;
	r.total = r.iters + (o->warmup > 0 ? o->warmup : 0);
	if ((here = engine_cuda_mpi_init(NULL, NULL, err)) < 0)
		return here;
	rc = run_join(&r, err);
	if (!all_ok(rc) && !rc)
		rc = mo_err_set(err, MO_EIO, "another rank could not join the job (see its message)");
	if (!rc && (rc = run_same_plan(&r, err)) == 0 && (rc = run_prepare(&r, err)) == 0) {
		/* From here on a failure is one rank's alone: it must not leave the
		 * others waiting in NCCL or MPI.  It aborts its communicators and
		 * returns without MPI_Finalize, so the launcher (mpirun, srun) ends
		 * the job when this process exits non-zero. */
		rc = run_iterations(&r, res, err);
		run_release_cuda(&r, rc);
		if (rc)
			here = -1; /* no MPI_Finalize */
	}
	gpu_close(&r.g);
	engine_cuda_ops_release(&r.ops);
	free(r.lists);
	free(r.sub);
	free(r.ev);
	free(r.t0);
	free(r.t1);
	free(r.all);
	free(r.iter_ns);
	engine_schedule_free(r.sc);
	if (here >= 0)
		engine_cuda_mpi_finalize(here);
	return rc;
}

/* ------------------------------------------------------------------------ */
/* Profiling grid                                                           */
/* ------------------------------------------------------------------------ */

struct prof_module {
	char name[64];
	struct replay_list list;
	const char *phase_names[8];
	int n_phases;
};

/* Kernels per module from a trace (kernels carrying module ids). */
static int modules_from_trace(struct gpu *g, const char *path, struct prof_module **out, int *n,
			      struct mo_err *err)
{
	struct trace_mem t;
	int rc, nm = 0;
	struct prof_module *m = NULL;

	if ((rc = trace_mem_load_any(&t, path, err)))
		goto done;
	for (size_t i = 0; i < t.n; i++)
		if (t.recs[i].kind == TRACE_KIND_MODULE && t.recs[i].u.module.id + 1 > nm)
			nm = (int)t.recs[i].u.module.id + 1;
	if (nm == 0) {
		rc = mo_err_set(err, MO_EINPUT, "'%s': no module definitions: nothing to profile",
				path);
		goto done;
	}
	m = calloc((size_t)nm, sizeof(*m));
	if (!m) {
		rc = mo_err_set(err, MO_ENOMEM, "out of memory");
		goto done;
	}
	for (int j = 0; j < nm; j++) {
		trace_mem_init(&m[j].list.mem);
		snprintf(m[j].name, sizeof(m[j].name), "module%d", j);
	}
	for (size_t i = 0; i < t.n && !rc; i++) {
		const struct trace_record *r = &t.recs[i];
		if (r->kind == TRACE_KIND_MODULE)
			snprintf(m[r->u.module.id].name, sizeof(m[0].name), "%s", r->u.module.name);
		else if (r->kind == TRACE_KIND_KERNEL && r->u.kernel.module >= 0 &&
			 r->u.kernel.module < nm)
			rc = trace_mem_add(&m[r->u.kernel.module].list.mem, r, err);
	}
	for (int j = 0; j < nm && !rc; j++)
		rc = replay_list_size(g, &m[j].list, -1, err);
done:
	trace_mem_release(&t);
	if (rc) {
		for (int j = 0; m && j < nm; j++)
			replay_list_release(&m[j].list);
		free(m);
		return rc;
	}
	*out = m;
	*n = nm;
	return 0;
}

/* Kernels per module from a workload spec: forward and backward of all
 * layers for one microbatch, as workload_kernels() synthesises them. */
static int modules_from_spec(struct gpu *g, const struct workload *w, struct prof_module **out,
			     int *n, struct mo_err *err)
{
	const struct model_gpu *spec;
	struct prof_module *m = NULL;
	int rc = 0;

	spec = model_gpu_find(g->name, NULL);
	if (!spec)
		spec = model_gpu_find(w->gpu, err);
	if (!spec)
		return -MO_EINPUT;
	m = calloc((size_t)w->n_modules + 1, sizeof(*m));
	if (!m)
		return mo_err_set(err, MO_ENOMEM, "out of memory");
	for (int j = 0; j < w->n_modules; j++)
		trace_mem_init(&m[j].list.mem);
	for (int j = 0; j < w->n_modules && !rc; j++) {
		snprintf(m[j].name, sizeof(m[j].name), "%s", w->modules[j].name);
		rc = workload_kernels(w, j, 0, w->modules[j].layers, WORKLOAD_FWD, w->microbatch, spec,
				      &m[j].list.mem, err);
		if (!rc)
			rc = workload_kernels(w, j, 0, w->modules[j].layers, WORKLOAD_BWD,
					      w->microbatch, spec, &m[j].list.mem, err);
		if (!rc)
			rc = replay_list_size(g, &m[j].list, -1, err);
	}
	*n = w->n_modules;
	if (rc) {
		for (int j = 0; j < *n; j++)
			replay_list_release(&m[j].list);
		free(m);
		return rc;
	}
	*out = m;
	return 0;
}

static void safe_name(char *dst, size_t cap, const char *s)
{
	size_t i = 0;
	for (; s[i] && i + 1 < cap; i++)
		dst[i] = (s[i] == '/' || s[i] == ' ' || s[i] == '\\') ? '_' : s[i];
	dst[i] = '\0';
}

/* Replay one module's kernels `repeats` times on a partition; write a trace. */
static int profile_one(struct gpu *g, struct part *pt, const struct prof_module *m,
		       const struct engine_cuda_profile_opts *o, struct mo_err *err)
{
	const struct replay_list *l = &m->list;
	size_t nk = l->n * (size_t)o->repeats;
	CUevent *e = calloc(nk + 1, sizeof(*e) * 2);
	struct trace_header h;
	struct trace_record r;
	struct trace_writer *wr = NULL;
	struct trace_sink sink;
	char path[4096], name[64];
	int rc = 0;

	if (!e)
		return mo_err_set(err, MO_ENOMEM, "out of memory");
	CU(cuCtxSetCurrent(pt->ctx));
	for (size_t i = 0; i < 2 * nk; i++)
		CU(cuEventCreate(&e[i], CU_EVENT_DEFAULT));
	for (size_t k = 0; k < l->n; k++) /* warm-up */
		CU(launch(g, &l->r[k], pt->stream));
	for (int rep = 0; rep < o->repeats; rep++)
		for (size_t k = 0; k < l->n; k++) {
			size_t i = (size_t)rep * l->n + k;
			CU(cuEventRecord(e[2 * i], pt->stream));
			CU(launch(g, &l->r[k], pt->stream));
			CU(cuEventRecord(e[2 * i + 1], pt->stream));
		}
	CU(cuStreamSynchronize(pt->stream));

	safe_name(name, sizeof(name), m->name);
	snprintf(path, sizeof(path), "%s/%s-q%d.mtr", o->out_dir, name, pt->sms);
	trace_header_init(&h);
	h.producer = "mosaic profile " MOSAIC_VERSION;
	h.source = TRACE_SOURCE_MEASURED;
	h.origin = o->input;
	h.quota_sms = pt->sms;
	h.gpu_name = g->name;
	h.gpu_sms = g->d.sms;
	h.gpu_cc_major = g->cc_major;
	h.gpu_cc_minor = g->cc_minor;
	h.gpu_mem_bytes = (int64_t)g->mem_bytes;
	h.gpu_max_threads_per_sm = g->d.max_threads_per_sm;
	h.gpu_max_threads_per_block = g->max_threads_per_block;
	h.gpu_regs_per_sm = g->d.regs_per_sm;
	h.gpu_regs_per_block = g->regs_per_block;
	h.gpu_smem_per_sm = g->d.smem_per_sm;
	h.gpu_smem_per_block = g->smem_per_block;
	h.gpu_smem_per_block_optin = g->d.smem_per_block_optin;
	h.gpu_warp_size = g->warp;
	if ((rc = trace_sink_writer(&sink, &wr, path)) || (rc = sink.header(sink.ctx, &h, err)))
		goto fail;
#define PUT()                                                                    \
	do {                                                                     \
		if ((rc = sink.record(sink.ctx, &r, err)))                       \
			goto fail;                                               \
	} while (0)
	trace_record_init(&r, TRACE_KIND_DEVICE);
	r.u.device.id = 0, r.u.device.sms = g->d.sms, r.u.device.name = g->name;
	PUT();
	trace_record_init(&r, TRACE_KIND_PARTITION);
	r.u.partition.device = 0, r.u.partition.id = 0, r.u.partition.sms = pt->sms;
	r.u.partition.name = "green context";
	PUT();
	trace_record_init(&r, TRACE_KIND_STREAM);
	r.u.stream.device = 0, r.u.stream.id = 0, r.u.stream.partition = 0;
	r.u.stream.name = "replay";
	PUT();
	trace_record_init(&r, TRACE_KIND_MODULE);
	r.u.module.id = 0, r.u.module.name = m->name;
	PUT();
	for (int ph = 0; ph < 3; ph++) {
		trace_record_init(&r, TRACE_KIND_PHASE);
		r.u.phase.id = ph, r.u.phase.name = workload_phase_name(ph);
		PUT();
	}
	for (int rep = 0; rep < o->repeats; rep++)
		for (size_t k = 0; k < l->n; k++) {
			size_t i = (size_t)rep * l->n + k;
			float from0 = 0, len = 0;

			if (l->r[k].mode == ENGINE_CUDA_REPLAY_SKIP)
				continue;
			CU(cuEventElapsedTime(&from0, e[0], e[2 * i]));
			CU(cuEventElapsedTime(&len, e[2 * i], e[2 * i + 1]));
			r.kind = TRACE_KIND_KERNEL;
			r.u.kernel = l->k[k]; /* launch facts, class, flops, bytes, name */
			r.u.kernel.start_ns = (int64_t)((double)from0 * 1e6);
			r.u.kernel.end_ns = r.u.kernel.start_ns + (int64_t)((double)len * 1e6);
			r.u.kernel.device = 0, r.u.kernel.stream = 0, r.u.kernel.partition = 0;
			r.u.kernel.module = 0;
			r.u.kernel.phase = l->k[k].phase >= 0 && l->k[k].phase < 3 ? l->k[k].phase : -1;
			r.u.kernel.microbatch = 0, r.u.kernel.step = rep;
			r.u.kernel.correlation = (int64_t)i;
			PUT();
		}
#undef PUT
	rc = trace_writer_close(wr, err);
	wr = NULL;
fail:
	if (wr)
		trace_writer_abort(wr);
	for (size_t i = 0; i < 2 * nk; i++)
		if (e[i])
			cuEventDestroy(e[i]);
	free(e);
	return rc;
}

EXPORT int engine_cuda_backend_profile(const struct engine_cuda_profile_opts *o,
				       struct engine_cuda_profile_result *res, struct mo_err *err);
int engine_cuda_backend_profile(const struct engine_cuda_profile_opts *o,
				struct engine_cuda_profile_result *res, struct mo_err *err)
{
	enum trace_file_format fmt = TRACE_FILE_UNKNOWN;
	struct prof_module *mods = NULL;
	struct gpu g;
	int n_mods = 0, rc;

	memset(res, 0, sizeof(*res));
	if (o->n_quotas < 1 || o->repeats < 1)
		return mo_err_set(err, MO_EUSAGE, "need at least one quota and one repeat");
	if (mkdir(o->out_dir, 0777) != 0 && errno != EEXIST)
		return mo_err_set(err, MO_EIO, "cannot create '%s': %s", o->out_dir, strerror(errno));
	if ((rc = gpu_open(o->device, &g, err)))
		return rc;
	if (o->workload)
		rc = modules_from_spec(&g, o->workload, &mods, &n_mods, err);
	else if (trace_sniff(o->input, &fmt, NULL) == 0 && fmt != TRACE_FILE_UNKNOWN)
		rc = modules_from_trace(&g, o->input, &mods, &n_mods, err);
	else
		rc = mo_err_set(err, MO_EINPUT, "'%s' is not a trace mosaic reads", o->input);
	for (int q = 0; q < o->n_quotas && !rc; q++) {
		struct part pt;

		if ((rc = parts_create(&g, &o->quotas[q], 1, &pt, err))) {
			mo_err_prefix(err, "quota %d SMs", o->quotas[q]);
			break;
		}
		for (int j = 0; j < n_mods && !rc; j++) {
			if (mods[j].list.n == 0)
				continue;
			rc = profile_one(&g, &pt, &mods[j], o, err);
			if (!rc)
				res->traces++;
		}
		parts_destroy(&pt, 1);
		res->quotas++;
	}
	res->modules = n_mods;
	for (int j = 0; j < n_mods; j++)
		replay_list_release(&mods[j].list);
	free(mods);
	gpu_close(&g);
	return rc;
}
