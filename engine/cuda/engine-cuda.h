/*
 * engine-cuda.h - the CUDA backend: running plans and profiling grids on
 * real GPUs with SM partitions (green contexts), replay kernels, NCCL and MPI.
 *
 * Layout.  The main `mosaic` binary never links libcuda, libcupti, NCCL or
 * MPI, so it starts (and says what is missing) on any machine:
 *  - plain C host logic (split.c, replay.c, rank.c, ctl.c, loader.c) is in
 *    libmosaic.a and unit-tested on the CPU;
 *  - the GPU side (backend.c, mpi.c, replay-kernels.cu) is built only with
 *    the toolkit into libmosaic-cuda.so, linked against the driver API,
 *    NCCL and Open MPI; loader.c opens it with dlopen (found beside the mosaic
 *    binary, in ../lib/mosaic/, or where MOSAIC_CUDA_LIB says).
 * Without a toolkit at build time, or without a driver or device at run time,
 * engine_cuda_run() and engine_cuda_profile() return -MO_ENODEV with a
 * message that suggests the simulator (TRACE_CUDA_SIM_HINT, traces/cuda/trace-cuda.h).
 */
#ifndef MOSAIC_ENGINE_CUDA_H
#define MOSAIC_ENGINE_CUDA_H

#include <stddef.h>
#include <stdint.h>

#include "traces/traces.h"

/* ------------------------------------------------------------------------ */
/* Entry points (loader.c: dlopen libmosaic-cuda.so)                         */
/* ------------------------------------------------------------------------ */

struct plan;
struct workload;
struct engine_run_opts;   /* engine/engine.h: the engine's one options type */
struct engine_run_result; /* engine/engine.h: the engine's one result type */

/*
 * `mosaic run PLAN --backend cuda`: one process per GPU (launch with mpirun
 * or srun; a single process runs a one-GPU plan).  The schedule is the
 * engine's (engine_schedule_build): per partition one green context and
 * one stream running its slots' tasks in schedule order; replay kernels sized
 * from workload_kernels(); CUDA events for dependencies inside a GPU; NCCL
 * send/recv for activations and gradients between GPUs and an all-reduce
 * per replicated slice; NVTX ranges in the "mosaic" domain around every
 * task, so the recorder (on when o->out is set) attributes each kernel.
 * Returns 0, -MO_ENODEV (no device, no driver, built without CUDA),
 * -MO_EINPUT (bad plan, plan GPUs != ranks, plans differ between ranks),
 * -MO_EINFEASIBLE (quotas do not fit the device's SM lattice); every rank
 * returns the same status for these.  A CUDA or NCCL failure of one rank
 * once the run has started returns on that rank only, after aborting its
 * NCCL communicators and without MPI_Finalize, so that its non-zero exit
 * makes the launcher end the job rather than leave the other ranks waiting.
 */
int engine_cuda_run(const struct plan *p, const struct workload *w,
		    const struct engine_run_opts *o, struct engine_run_result *res,
		    struct mo_err *err);

struct engine_cuda_profile_opts {
	const char *input;      /* a trace (.mtr / Kineto) whose kernels carry modules and
	                           phases; when workload is set, only named in the headers */
	const struct workload *workload; /* or a loaded workload spec (may be NULL) */
	const int *quotas;      /* SM quotas to profile each module under */
	int n_quotas;
	const char *out_dir;    /* writes <module>-q<sms>.mtr (measured) here */
	int repeats;            /* timed replays per (module, quota), >= 1 */
	int device;             /* CUDA device ordinal */
};

struct engine_cuda_profile_result {
	int modules, quotas, traces; /* traces written */
};

/*
 * `mosaic profile SPEC|TRACE --quotas LIST`: replays each module's forward
 * and backward kernels (one microbatch) alone in a green context of each
 * quota, timing every kernel with CUDA events, and writes one measured trace
 * per (module, quota) from which the scaling curves are fitted.
 */
int engine_cuda_profile(const struct engine_cuda_profile_opts *o,
			struct engine_cuda_profile_result *res, struct mo_err *err);

/* ------------------------------------------------------------------------ */
/* SM split requests (split.c)                                              */
/* ------------------------------------------------------------------------ */

/* What the device reports for its SM resource (cuDeviceGetDevResource,
 * CU_DEV_RESOURCE_TYPE_SM): smCount, minSmPartitionSize, smCoscheduledAlignment. */
struct engine_cuda_lattice {
	int sms;
	int min_sms;
	int align;
};

#define ENGINE_CUDA_MAX_PARTITIONS 32

/*
 * How to obtain the plan's partitions from cuDevSmResourceSplitByCount, which
 * splits a resource into equal groups of at least minCount SMs:
 *
 *  - group mode (group_sms > 0): one call with minCount = group_sms and
 *    nbGroups = n_groups; partition i is the descriptor
 *    (cuDevResourceGenerateDesc) of groups first[i] .. first[i]+count[i]-1.
 *    group_sms is the greatest common divisor of the rounded quotas, which
 *    is on the lattice (>= min_sms, a multiple of align).
 *  - chain mode (group_sms == 0): when that divisor is below min_sms; split
 *    one group of sms[order[0]], make a green context of the remainder, read
 *    its resource back (cuGreenCtxGetDevResource) and split it for
 *    sms[order[1]], and so on (the CUDA docs forbid splitting a split
 *    result directly).  order is by decreasing size.
 *
 * sms[i] is quota i rounded up to the lattice (a multiple of align, at least
 * min_sms); rounded[i] says it changed.  unused_sms are left to no partition.
 */
struct engine_cuda_split {
	int n;
	int want[ENGINE_CUDA_MAX_PARTITIONS];
	int sms[ENGINE_CUDA_MAX_PARTITIONS];
	int rounded[ENGINE_CUDA_MAX_PARTITIONS];
	int group_sms;
	int n_groups;
	int first[ENGINE_CUDA_MAX_PARTITIONS];
	int count[ENGINE_CUDA_MAX_PARTITIONS];
	int order[ENGINE_CUDA_MAX_PARTITIONS];
	int unused_sms;
};

/*
 * Plan the split of n quotas on a device.  Errors: -MO_EUSAGE for a bad
 * lattice or n outside 1..ENGINE_CUDA_MAX_PARTITIONS; -MO_EINPUT for a quota
 * <= 0; -MO_EINFEASIBLE when a quota exceeds the device or the rounded quotas
 * sum to more SMs than it has (the message gives the rounded sum).
 */
int engine_cuda_split_plan(const int *quotas, int n, const struct engine_cuda_lattice *lat,
			   struct engine_cuda_split *out, struct mo_err *err);

/* ------------------------------------------------------------------------ */
/* Replay-kernel sizing (replay.c)                                          */
/* ------------------------------------------------------------------------ */

/*
 * Device limits (cuDeviceGetAttribute) and what the backend measured of its
 * own replay kernels on this device at start-up (calibration).
 */
struct engine_cuda_device {
	int sms;
	int warp_size;
	int max_threads_per_sm, max_blocks_per_sm;
	int regs_per_sm, reg_alloc_unit;      /* unit: registers per warp allocation */
	int smem_per_sm, smem_per_block_optin, smem_reserved_per_block;
	int replay_regs;              /* registers per thread of the replay kernels */
	double fma_per_ns_per_sm;     /* measured: FMA throughput of the compute loop per SM */
	double iter_latency_ns;       /* measured: one dependent iteration of one thread */
	double dram_bytes_per_ns;     /* measured: streaming bandwidth of the memory kernel */
	int64_t launch_ns;            /* measured: cost of an empty launch */
};

enum engine_cuda_replay_mode {
	ENGINE_CUDA_REPLAY_COMPUTE = 0, /* FMA loop: iters per thread */
	ENGINE_CUDA_REPLAY_MEMORY = 1,  /* grid-stride streaming of bytes */
	ENGINE_CUDA_REPLAY_SKIP = 2,    /* not replayed by a kernel (collectives: NCCL) */
};

/* The launch of one synthetic replay kernel. */
struct engine_cuda_replay {
	int mode;                 /* enum engine_cuda_replay_mode */
	unsigned grid[3], block[3];
	unsigned dyn_smem;        /* dynamic shared memory, padded to hold occupancy */
	int64_t iters;            /* compute: loop iterations per thread */
	int64_t bytes;            /* memory: bytes to read and write in total */
	int target_blocks_per_sm; /* the recorded kernel's occupancy */
	int blocks_per_sm;        /* the replay's occupancy (< target: registers limit it) */
	int64_t expect_ns;        /* duration the sizing aims at (the recorded one, full GPU) */
};

/* Resident blocks per SM by the CUDA occupancy rules (0 when it cannot run). */
int engine_cuda_blocks_per_sm(const struct engine_cuda_device *d, int threads, int regs,
			      int smem);

/*
 * Size the replay of kernel k recorded at full GPU (d->sms SMs): same grid,
 * block and shared memory; dynamic shared memory padded so the replay has the
 * recorded kernel's blocks per SM; compute-bound classes (gemm, attention,
 * conv; unknown with flops/bytes >= 8 or neither known) loop, memory-bound
 * ones (elementwise, reduction, memory) stream k->bytes when known, else the
 * bytes the measured bandwidth moves in the recorded duration; communication
 * kernels are skipped (NCCL replays them).  Errors: -MO_EINPUT for a kernel
 * without a positive duration or launch, or one the device cannot run.
 */
int engine_cuda_replay_size(const struct engine_cuda_device *d, const struct trace_kernel *k,
			    struct engine_cuda_replay *out, struct mo_err *err);

/* ------------------------------------------------------------------------ */
/* One rank's share of the engine's schedule (ops.c)                        */
/* ------------------------------------------------------------------------ */

struct engine_schedule;

enum engine_cuda_op_kind {
	ENGINE_CUDA_OP_COMPUTE = 0,   /* replay a slot's kernels (FWD, BWD or OPT) */
	ENGINE_CUDA_OP_SEND = 1,      /* ncclSend to peer */
	ENGINE_CUDA_OP_RECV = 2,      /* ncclRecv from peer */
	ENGINE_CUDA_OP_ALLREDUCE = 3, /* ncclAllReduce on the task's sub-communicator */
};

/*
 * What one rank issues, in the schedule's global task order.  Compute ops go
 * to the stream of their partition (part: local index 0..n_parts-1); NCCL
 * ops to the rank's one communication stream (part -1).  Before an op, its
 * stream waits for the ops in waits[wait_off .. wait_off+n_wait) (earlier
 * ops of this rank on OTHER streams; same-stream order is implicit).
 * Dependencies on other ranks' tasks are carried by the SEND/RECV pairs.
 */
struct engine_cuda_op {
	int kind;                /* enum engine_cuda_op_kind */
	size_t task;             /* index in the schedule */
	int part;                /* local partition, or -1 for the communication stream */
	int slot, phase;         /* compute: slot and workload phase (0 fwd, 1 bwd, 2 opt) */
	int microbatch;          /* -1 for ALLREDUCE and OPT */
	int peer;                /* SEND/RECV: the other rank; else -1 */
	int64_t bytes;           /* NCCL ops */
	size_t wait_off, n_wait;
};

struct engine_cuda_ops {
	int rank;
	int n_parts;                                /* this GPU's partitions */
	int part_sms[ENGINE_CUDA_MAX_PARTITIONS];   /* their quotas, in plan order */
	int part_global[ENGINE_CUDA_MAX_PARTITIONS];/* their index in the schedule */
	size_t n;
	struct engine_cuda_op *ops;
	size_t *waits;
};

/*
 * The ops of rank `rank` (= plan GPU) in schedule sc.  Errors: -MO_EINPUT
 * when the GPU has more than ENGINE_CUDA_MAX_PARTITIONS partitions or a task
 * names a stream or peer outside the schedule; -MO_ENOMEM.
 * Release with engine_cuda_ops_release().
 */
int engine_cuda_ops_build(const struct engine_schedule *sc, int rank, struct engine_cuda_ops *out,
			  struct mo_err *err);
void engine_cuda_ops_release(struct engine_cuda_ops *o);

/* ------------------------------------------------------------------------ */
/* MPI rank -> GPU (rank.c)                                                 */
/* ------------------------------------------------------------------------ */

struct engine_cuda_rank {
	int rank, size;             /* in the job */
	int local_rank, local_size; /* on this node */
	int gpu;                    /* CUDA device ordinal this rank drives */
	const char *source;         /* "open-mpi", "slurm", "pmi", "mpi", "single" */
};

/*
 * The rank and GPU of this process from the launcher's environment, read
 * through get (getenv-like; ctx passed through): Open MPI
 * (OMPI_COMM_WORLD_RANK/SIZE/LOCAL_RANK/LOCAL_SIZE), Slurm (SLURM_PROCID,
 * SLURM_NTASKS, SLURM_LOCALID, SLURM_NTASKS_PER_NODE), PMI/MPICH (PMI_RANK,
 * PMI_SIZE, MPI_LOCALRANKID, MPI_LOCALNRANKS), else a single process.  The
 * GPU is the local rank.  Errors: -MO_EINPUT for malformed or inconsistent
 * values; -MO_EINFEASIBLE when the local rank has no GPU of its own
 * (local_rank >= visible_gpus: one process per GPU).
 */
int engine_cuda_rank_from_env(const char *(*get)(const char *name, void *ctx), void *ctx,
			      int visible_gpus, struct engine_cuda_rank *out, struct mo_err *err);
/*
 * The GPU of a rank whose local_rank is known (rank.c; the environment and
 * the MPI paths share it): r->gpu = r->local_rank, 0; -MO_ENODEV when no
 * device is visible, -MO_EINFEASIBLE when the local rank has no GPU of its
 * own (local_rank >= visible_gpus).
 */
int engine_cuda_rank_gpu(struct engine_cuda_rank *r, int visible_gpus, struct mo_err *err);

/* ------------------------------------------------------------------------ */
/* Control messages between ranks (ctl.c; sent by mpi.c)                    */
/* ------------------------------------------------------------------------ */

/*
 * Wire format, little-endian, independent of the host's struct layout:
 *   0  "MOSC"            4 bytes
 *   4  version (1)       u16
 *   6  type              u16 (enum engine_cuda_msg_type)
 *   8  sender rank       i32
 *  12  payload length    u32
 *  16  CRC-32 of payload u32 (zlib crc32)
 *  20  payload
 */
#define ENGINE_CUDA_MSG_HEADER 20
#define ENGINE_CUDA_MSG_VERSION 1
enum engine_cuda_msg_type {
	ENGINE_CUDA_MSG_PLAN = 1,   /* payload: the plan file's bytes, from rank 0 */
	ENGINE_CUDA_MSG_START = 2,  /* payload: struct engine_cuda_start */
	ENGINE_CUDA_MSG_TIMING = 3, /* payload: struct engine_cuda_timing */
};

/* Start of a run, broadcast by rank 0 before the start barrier. */
struct engine_cuda_start {
	int32_t iterations, warmup;
	int32_t n_ranks;
	int64_t plan_crc;        /* CRC-32 of the plan bytes every rank must hold */
};
#define ENGINE_CUDA_START_BYTES 20

/* One rank's timing of one iteration, gathered on rank 0. */
struct engine_cuda_timing {
	int32_t rank, iteration;
	int64_t start_ns, end_ns; /* host clock (CLOCK_REALTIME) around the iteration */
	int64_t busy_ns;          /* union of kernel time on the rank's GPU */
	int32_t kernels;          /* kernels launched */
};
#define ENGINE_CUDA_TIMING_BYTES 40

/* Frame payload as a message into buf (cap bytes); *len gets its size. */
int engine_cuda_msg_pack(int type, int rank, const void *payload, size_t plen, uint8_t *buf,
			 size_t cap, size_t *len, struct mo_err *err);
/* Check a message (magic, version, type, length, CRC) and point at its
 * payload.  Errors (-MO_EINPUT) name the byte offset. */
int engine_cuda_msg_unpack(const uint8_t *buf, size_t len, int want_type, int *rank,
			   const uint8_t **payload, size_t *plen, struct mo_err *err);
void engine_cuda_start_encode(const struct engine_cuda_start *s, uint8_t out[ENGINE_CUDA_START_BYTES]);
int engine_cuda_start_decode(const uint8_t *in, size_t len, struct engine_cuda_start *s,
			     struct mo_err *err);
void engine_cuda_timing_encode(const struct engine_cuda_timing *t,
			       uint8_t out[ENGINE_CUDA_TIMING_BYTES]);
int engine_cuda_timing_decode(const uint8_t *in, size_t len, struct engine_cuda_timing *t,
			      struct mo_err *err);

/* ---- mpi.c (built with mpicc into libmosaic-cuda.so and tests/cuda) ---- */

/* MPI_Init_thread when MPI is not initialised yet (returns 1 if it did). */
int engine_cuda_mpi_init(int *argc, char ***argv, struct mo_err *err);
void engine_cuda_mpi_finalize(int initialised_here);
/* Rank, size and node-local rank through MPI_Comm_split_type(SHARED). */
int engine_cuda_mpi_rank(int visible_gpus, struct engine_cuda_rank *out, struct mo_err *err);
/* Rank 0 reads plan_path and broadcasts it; every rank gets the bytes in
 * *bytes (malloc'ed, caller frees) and *len.  All ranks fail together. */
int engine_cuda_mpi_bcast_plan(const char *plan_path, char **bytes, size_t *len,
			       struct mo_err *err);
/* Rank 0 broadcasts s; each rank checks s->plan_crc against its plan bytes;
 * then all ranks pass a barrier. */
int engine_cuda_mpi_start(struct engine_cuda_start *s, uint32_t my_plan_crc, struct mo_err *err);
/* Gather one timing from every rank on rank 0 (all: size entries there;
 * may be NULL elsewhere). */
int engine_cuda_mpi_gather_timing(const struct engine_cuda_timing *mine,
				  struct engine_cuda_timing *all, struct mo_err *err);

#endif
