/*
 * model.h - the performance model, one section per topic in this order: GPU
 * specs and the GPU registry; occupancy and kernel classes; kernel time
 * (under an SM quota, from shape); kernel physics; calibration on measured
 * GEMM timings; module scaling curves and colocation interference;
 * validation against traces; MIG instances; measurements of GPU sharing; the
 * host side (CPU dispatch of kernels); the JSON field readers every JSON file
 * of mosaic is read with.
 *
 * The model predicts; it never reads the simulator (engine/), whose results
 * it is checked against.  Every number it returns is a prediction.
 *
 * workloads/, planner/ and engine/ use these declarations: add, do not
 * rename.
 */
#ifndef MOSAIC_MODEL_H
#define MOSAIC_MODEL_H

#include <stdint.h>

#include "traces/traces.h"

/* ------------------------------------------------------------------------ */
/* GPU specs and the GPU registry                                          */
/* ------------------------------------------------------------------------ */

/* A GPU's SMs are at most this many (the largest built-in has 144). */
#define MODEL_GPU_SMS_MAX 1024

struct model_gpu {
	/* identity */
	char name[64];        /* as CUDA reports it: "NVIDIA H100 80GB HBM3" */
	char short_name[32];  /* "h100", "a100-80gb-pcie", ... */
	int cc_major, cc_minor;
	int sms;              /* 1..MODEL_GPU_SMS_MAX (gpujson.c checks a file's) */
	int clock_mhz;        /* boost clock */
	int64_t mem_bytes;
	/* per-SM and per-block limits (the CUDA occupancy rules) */
	int warp_size;
	int max_threads_per_sm, max_threads_per_block, max_warps_per_sm, max_blocks_per_sm;
	int regs_per_sm, regs_per_block, max_regs_per_thread, reg_alloc_unit; /* unit: registers per warp */
	int smem_per_sm, smem_per_block, smem_per_block_optin, smem_reserved_per_block, smem_alloc_unit;
	int l1_smem_per_sm;   /* unified L1 + shared memory per SM, bytes (information) */
	/* throughput */
	double hbm_gbps;      /* DRAM bandwidth, GB/s (1e9 B/s) */
	int64_t l2_bytes;
	double fp32_tflops, tf32_tflops, bf16_tflops, fp8_tflops; /* dense peaks */
	double fp16_tflops;   /* dense FP16 tensor-core peak (V100/T4 have no BF16) */
	/* dense INT8 tensor-core peak, TOP/s (vendor data sheets; 0 = no INT8
	 * tensor cores: V100; INT8 work is then taken at the 16-bit peak) */
	double int8_tops;
	double nvlink_gbps;   /* per GPU, per direction; 0 when none */
	double pcie_gbps;     /* per direction */
	/* green-context partition lattice: quotas are min_sms + i * step_sms, <= sms */
	int part_min_sms, part_step_sms;
	/* The rest is optional in the GPU JSON (0 = the default each names). */
	/* kernel-from-shape calibration (model/op.c): fraction of the FP32 SIMT
	 * peak a large sgemm tile reaches, fixed cost of a kernel launch (ns) and
	 * the per-tile prologue/epilogue cost in K iterations; 0 = defaults */
	double gemm_simt_eff;
	double gemm_tc_eff;   /* the same for tensor-core dtypes (tf32/bf16/fp16/fp8) */
	double launch_ns;
	double gemm_k0;
	/* board power limit (W), for the clock under load (model_clock_knee);
	 * 0 = unknown: the clock is taken as independent of load */
	double tdp_w;
	/* the fraction (0, 1] of the achievable DRAM bandwidth this work may
	 * draw, the rest being taken by co-runners on the same SMs and DRAM
	 * (model_hbm_achievable_gbps); 0 = all.  What one SM can pull
	 * (model_sm_gbps) does not change with it. */
	double dram_share;
	/* tensor-core GEMMs (model/op.c): the fixed time a kernel spends
	 * beyond the launch filling and draining its pipeline (the first
	 * tiles' loads, the last tiles' epilogue), ns; 0 = none */
	double gemm_tc_fill_ns;
};

/*
 * Find a GPU by short name ("h100"), full CUDA name ("NVIDIA H100 80GB HBM3")
 * or a trace's GPU name, case-insensitively; NULL and err filled (listing the
 * known names) when none matches.  Built-in specs plus any loaded by
 * model_gpu_load_file().  Lifetime: a built-in's pointer is valid for the
 * whole program; a loaded GPU's pointer (from model_gpu_find, model_gpu_at or
 * model_gpu_for_header) is invalidated by the next model_gpu_load_file() or
 * model_gpu_reset(), which move or free the loaded specs: copy the struct to
 * keep it across them.
 */
const struct model_gpu *model_gpu_find(const char *name, struct mo_err *err);
/* Add the GPUs described in a JSON file (an array of objects with the field
 * names of struct model_gpu; at most 64, 16 MB).  A GPU whose name or short
 * name is a built-in GPU's ("h100") is refused (MO_EINPUT, naming it) unless
 * it restates the built-in's figures unchanged (then the built-in stays): a
 * file never silently replaces a built-in; nor may one file name a GPU twice.  A
 * later file's GPU replaces an earlier file's GPU of the same name. */
int model_gpu_load_file(const char *path, struct mo_err *err);
/* The number of known GPUs and the i-th one, for listings. */
int model_gpu_count(void);
const struct model_gpu *model_gpu_at(int i);

/* 0 when sms is a quota on gpu's partition lattice (or the whole GPU, which
 * needs no green context), else -MO_EINPUT with err saying the nearest valid
 * quotas. */
int model_quota_check(const struct model_gpu *gpu, int sms, struct mo_err *err);

/*
 * The GPU registry is the one documented piece of global state of model/:
 * built-in specs (model/gpus.c, read only) plus the GPUs added by
 * model_gpu_load_file().  Loading is not thread-safe: load user files at
 * start-up, before threads look GPUs up.  model_gpu_reset() forgets loaded
 * GPUs (tests).
 */
void model_gpu_reset(void);

/*
 * Fill the per-SM limits, allocation units and partition lattice of gpu from
 * its compute capability (cc_major, cc_minor), overwriting those fields.
 * 0, or -MO_EINPUT when the capability is not one model/ knows (< 7.0).
 */
int model_gpu_fill_cc_limits(struct model_gpu *gpu, struct mo_err *err);

/*
 * Parse a GPU JSON text (the format of model_gpu_load_file: an array of
 * objects, or one object).  Required fields: name, sms, cc_major, cc_minor,
 * hbm_gbps, fp32_tflops (the capability must be major 1..99, minor 0..9).
 * Every other field of struct model_gpu is optional:
 * limits default from the compute capability, short_name from name, others 0.
 * An unknown field, a wrong type or a missing required field is an error
 * naming what (file name, array index, field).  Fills up to max entries of
 * out and returns how many, or a negative status.
 */
int model_gpu_parse_json(const char *text, size_t len, const char *what,
			 struct model_gpu *out, int max, struct mo_err *err);

/*
 * The spec of a trace's GPU: by header gpu_name; when the name is unknown or
 * empty but the header carries sms and a compute capability, a spec derived
 * from the nearest built-in GPU of that capability with the header's limits.
 * *tmp receives derived specs; the result points at a registry entry or tmp.
 */
const struct model_gpu *model_gpu_for_header(const struct trace_header *h, struct model_gpu *tmp,
					     struct mo_err *err);

/* The valid quotas of gpu in increasing order (the lattice, then the whole
 * GPU when it is not on the lattice); returns how many (at most max). */
int model_quota_list(const struct model_gpu *gpu, int *out, int max);


/* ------------------------------------------------------------------------ */
/* Occupancy and classes                                                    */
/* ------------------------------------------------------------------------ */

/* Resident blocks per SM of a kernel, by the CUDA rules (0 if it cannot run). */
int model_blocks_per_sm(const struct model_gpu *gpu, int threads_per_block,
			int regs_per_thread, int smem_per_block);

/* The class of a kernel (enum trace_kernel_class) from its name and launch. */
int model_classify(const struct trace_kernel *k);
/* The precision (enum model_dtype) a kernel's name spells (classify.c:
 * cuBLAS/cuDNN/CUTLASS names, the synthesiser's ":fp32"/":tf32"/":fp8"),
 * -1 when it spells none. */
int model_kernel_dtype(const char *kernel_name);
/* 1 for the classes whose kernels run on tensor cores (GEMM, attention,
 * convolution), else 0. */
int model_class_tensor(int kclass);

struct model_occupancy {
	int blocks_per_sm;        /* resident blocks per SM (0: cannot run) */
	int warps_per_block;
	int lim_blocks, lim_warps, lim_regs, lim_smem; /* each limit (INT32_MAX: none) */
	const char *limiter;      /* "blocks", "warps", "registers", "shared memory", "launch" */
	double occupancy;         /* theoretical: resident warps / max warps, 0..1 */
};
/* The CUDA occupancy calculation with its intermediate limits; 0 when the
 * kernel can run, -1 when the launch itself is impossible (blocks_per_sm 0). */
int model_occupancy(const struct model_gpu *gpu, int threads_per_block, int regs_per_thread,
		    int smem_per_block, struct model_occupancy *out);

/*
 * What CUPTI records as "est. achieved occupancy %" for kernel k: the
 * theoretical occupancy capped by the grid (warps the grid can place per SM),
 * computed with the default per-block shared memory limit (48 KB: kernels
 * using more dynamic shared memory are reported as 0 by CUPTI), in single
 * precision and rounded half up.  Derived from the external A100/V100/H100
 * traces (tests/data/occupancy.csv).  -1 when k has no launch facts.
 */
int model_cupti_occupancy_pct(const struct model_gpu *gpu, const struct trace_kernel *k);

/* Launch facts of a kernel record: blocks of the grid, threads per block,
 * shared memory per block (static + dynamic), resident blocks per SM
 * (registers or shared memory unknown count as 0; at least 1). */
int64_t model_kernel_blocks(const struct trace_kernel *k);
int model_kernel_threads(const struct trace_kernel *k);
int model_kernel_smem(const struct trace_kernel *k);
int model_kernel_blocks_per_sm(const struct model_gpu *gpu, const struct trace_kernel *k);


/* ------------------------------------------------------------------------ */
/* Kernel time                                                              */
/* ------------------------------------------------------------------------ */

/* MODEL_INT8: integer tensor-core work (TensorRT INT8 engines, cuBLASLt
 * imma); its peak is model_gpu.int8_tops (TOP/s, counted as FLOP/s). */
enum model_dtype { MODEL_FP32, MODEL_TF32, MODEL_BF16, MODEL_FP16, MODEL_FP8, MODEL_INT8 };
#define MODEL_NDTYPES (MODEL_INT8 + 1)
int model_dtype_parse(const char *s);        /* -1 when unknown */
const char *model_dtype_name(int dtype);
/* 1 when workloads/ synthesises a model in dtype (a spec's "dtype"): every
 * enum model_dtype but fp8, which a spec has no form for; 0 else.  The one
 * answer workloads/spec.c, harness/validate-models.c and the MLPerf reader
 * use. */
int model_dtype_synthesisable(int dtype);
int model_dtype_bytes(int dtype);

/*
 * Time of a kernel k, measured at recorded_sms SMs, when confined to
 * quota_sms SMs: wave quantisation, compute- versus memory-bound scaling,
 * fixed launch cost.
 */
int64_t model_kernel_ns_at_quota(const struct model_gpu *gpu, const struct trace_kernel *k,
				 int recorded_sms, int quota_sms);

/* Operations the synthesiser asks the model to time (kernel from shape). */
enum model_op_kind {
	MODEL_OP_GEMM,        /* b independent M x N x K products (linear: b = 1) */
	MODEL_OP_BMM,         /* batched GEMM */
	MODEL_OP_ATTENTION,   /* fused (flash) attention forward; b = batch*heads,
	                         m = query length, n = key length, k = head dim */
	MODEL_OP_ATTENTION_BWD,
	MODEL_OP_ELEMENTWISE, /* flops and bytes given */
	MODEL_OP_REDUCTION,   /* norms, softmax, loss: flops and bytes given */
	MODEL_OP_OPTIMIZER,   /* fused Adam: bytes = DRAM traffic (state read + written) */
	MODEL_OP_MEMORY,      /* copies, embedding gathers: bytes given */
};
/* Row-major operands as PyTorch stores them: leading dimensions k (A) and n
 * (B and C); TRANS_A: A is the transpose of a row-major matrix (a weight
 * gradient's X^T, a bmm's A^T dC): m and n; ANY: no alignment rule (cuDNN's
 * implicit-GEMM convolutions, whose kernel choice op.c does not model). */
enum model_layout { MODEL_LAYOUT_ROW, MODEL_LAYOUT_TRANS_A, MODEL_LAYOUT_ANY };
struct model_op {
	int kind;      /* enum model_op_kind */
	int dtype;     /* enum model_dtype */
	int64_t b, m, n, k;
	int causal;    /* attention */
	int64_t flops; /* work, when the kind needs it given */
	int64_t bytes; /* DRAM traffic, when the kind needs it given; a GEMM
			* (or bmm) takes it when > 0 instead of its three
			* operands' bytes (an implicit GEMM: a convolution
			* reads its input, not the im2col matrix) */
	/* GEMM/bmm operand layout (enum model_layout): which dimensions are
	 * leading dimensions; one that is not a multiple of 16 bytes makes the
	 * library pick a misaligned kernel (op.c) */
	int layout;
	/* when > 0, the width in bytes of the GEMM kernel's accesses, given
	 * instead of derived from the layout (a measured kernel's alignN times
	 * the element size; 16 = aligned) */
	int access_bytes;
	/* reduction: PyTorch's row softmax (or log-softmax, forward or
	 * backward) over m rows of n elements; its kernel depends on n (op.c) */
	int softmax;
};

/*
 * Launch configuration the library (cuBLAS/CUTLASS/flash) would choose for op
 * on gpu: grid, block, registers per thread, shared memory.  Fills the launch
 * and kclass fields of k (others untouched).
 */
void model_op_launch(const struct model_gpu *gpu, const struct model_op *op, struct trace_kernel *k);

/* Predicted time of op on sms SMs of gpu (sms = gpu->sms for the whole GPU);
 * -1 for a bad op or when no launch fits the GPU (model_op_predict says why). */
int64_t model_op_ns(const struct model_gpu *gpu, const struct model_op *op, int sms);

/* The dense peak (TFLOP/s) of gpu at dtype (enum model_dtype): the tensor
 * cores' (BF16 falls back to FP16 and back, FP8 and INT8 to FP16 then BF16:
 * on a GPU without INT8 tensor cores, V100, an INT8 engine's layers run
 * fastest on the 16-bit ones, as TensorRT then builds them), else the FP32
 * peak; *tensor_cores (if not NULL) says which.  The figures are the
 * GPU spec's (model_gpu: vendor datasheets).  Kernel times and MFU use it. */
double model_gpu_peak_tflops(const struct model_gpu *gpu, int dtype, int *tensor_cores);

/*
 * The pieces behind model_kernel_ns_at_quota(): the kernel's physics from
 * its measured time T at R SMs (model_kphys_from_trace, at the clock of a
 * GPU with R busy SMs), evaluated alone at q SMs (model_kphys_ns at the
 * clock of q busy SMs, its own DRAM ceiling).  Collectives keep T.  The
 * wave-scaling baseline is T * waves(q) / waves(R), waves(s) =
 * ceil(blocks / (bps * s)).  memory_ns and compute_ns hold the bound part
 * at q (the other is 0).
 */
struct model_quota_pred {
	int64_t ns;            /* predicted (ours) */
	int64_t baseline_ns;   /* predicted by wave scaling */
	int64_t launch_ns, memory_ns, compute_ns; /* ours, split */
	double waves_rec, waves_q;
	int blocks_per_sm;
	double mem_frac;       /* memory-bound fraction of the body at R */
	double dram_bytes;     /* estimated DRAM traffic of the kernel */
};
void model_kernel_predict_at_quota(const struct model_gpu *gpu, const struct trace_kernel *k,
				   int recorded_sms, int quota_sms, struct model_quota_pred *out);
/*
 * Kernels on the same SMs, in the block scheduler's order (the one rule the
 * simulator's streams, model_corun_slowdown_in and model_kernel_ns_shared
 * share).  The block scheduler dispatches all of an earlier kernel's blocks
 * before a later kernel's and holds no SMs back for other streams or
 * processes (Gilman et al., "Demystifying the Placement Policies of the
 * NVIDIA GPU Thread Block Scheduler for Concurrent Kernels", SIGMETRICS PER
 * 48(3), 2020: the next SM is chosen by its free resources; they measured
 * the streams of one process on Pascal, Volta and Turing; that MPS clients,
 * also inside an Ampere MIG instance, are placed alike is our reading).
 * model_sm_alloc gives kernels with SM demands d[0..n-1] (a demand is the
 * SMs its blocks fill: min(blocks, cap), one block an SM, as blocks spread
 * over the SMs first) their SMs out[0..n-1] of cap, launched in the order
 * first, first + 1, ..., n - 1, 0, ..., first - 1: each in turn takes
 * min(its demand, the SMs left), so an earlier kernel keeps what its blocks
 * fill and a later one takes the rest, possibly none (it waits: the turns).
 *   - Waves: a kernel holds its SMs until it ends, its partial last wave
 *     included (the SMs the last wave leaves idle are not handed to a later
 *     kernel: the simulator has no event at the last wave's start, so a
 *     later kernel's wait is overstated by at most one wave of the earlier).
 *   - Collectives: the SMs a running collective holds (model_comm_held_sms)
 *     come off the partition before any kernel's, as if its kernel was
 *     resident first (NCCL kernels stay resident for the whole collective;
 *     a collective launched behind a kernel that fills the SMs does not wait
 *     for it: a gap).
 *   - Blocks of two kernels are not co-resident on one SM (an earlier kernel
 *     that leaves registers or shared memory free on its SMs is taken to
 *     leave nothing to a later one).
 * Where there is no timeline (the closed forms: model_corun_slowdown_in,
 * model_kernel_ns_shared) each kernel is launched first in turn (the n
 * orders first = 0..n-1, equally often, as busy streams alternate: the one
 * that waited is dispatched when the running one ends) and own's rate is its
 * mean over the n orders, a turn in which it waits adding 0.  The simulator
 * runs the rule on its timeline (engine/sim-core.c gpu_sm_alloc).
 */
void model_sm_alloc(const double *d, int n, double cap, int first, double *out);
/*
 * The time one of n identical processes spends on kernel k (measured at
 * recorded_sms SMs) when the n share sms SMs of gpu with no SM limit (MPS
 * without an active-thread percentage, as ParvaGPU ran 1-5 processes in one
 * MIG instance; or time slices): model_sm_alloc over n copies, each
 * demanding d = min(blocks, sms) SMs.  The copies that get SMs (a[i] >= 1)
 * run side by side under the simulator's rules: the clock of the clocked
 * (tensor-core compute-bound) copies' SMs, and the DRAM bandwidth shared
 * max-min fair among the running copies' demands at their SMs (a copy on
 * fewer SMs that pulls less leaves the rest to the others).  Each copy is
 * first in turn, so its mean rate is the mean over the positions i of
 * 1 / body(a[i]), body = the kernel's time (model_kphys_ns, its recording
 * taken alone at recorded_sms) at a[i] SMs, that clock and its share, less
 * its fixed latency, which is paid once (the next copy's launch overlaps the
 * running one's body): time = latency + n / sum_i 1 / body(a[i]).  So a
 * kernel whose blocks fill the SMs runs alone and the n copies take turns,
 * each on all sms SMs with the whole DRAM bandwidth (n rounds of its body);
 * copies of a kernel that fills d < sms SMs run floor(sms / d) side by
 * side, and one more on the sms mod d SMs left.  n = 1: the kernel alone at
 * min(d, sms) SMs (model_kernel_ns_at_quota).  sms is clamped to the GPU's;
 * gpu's dram_share, if set, is the bandwidth the copies share.  Nothing
 * fitted.
 */
double model_kernel_ns_shared(const struct model_gpu *gpu, const struct trace_kernel *k,
			      int recorded_sms, int sms, int n);
/* The wave-scaling baseline alone. */
int64_t model_kernel_ns_waves(const struct model_gpu *gpu, const struct trace_kernel *k,
			      int recorded_sms, int quota_sms);
/* Achievable DRAM bandwidth (GB/s) that sms SMs of gpu can draw. */
double model_dram_gbps_at(const struct model_gpu *gpu, double sms);

enum model_bound { MODEL_BOUND_COMPUTE = 0, MODEL_BOUND_MEMORY = 1, MODEL_BOUND_LAUNCH = 2 };
const char *model_bound_name(int bound);
const char *model_op_kind_name(int kind);
int model_op_kind_parse(const char *s);   /* "gemm"/"linear", "bmm", "attention", ...; -1 */

struct model_op_pred {
	int64_t ns;              /* predicted time on sms SMs */
	struct trace_kernel k;   /* the launch model_op_launch() chose (strings "") */
	int tile_m, tile_n, split_k; /* GEMM tiling, 0 for other kinds */
	int64_t ctas;            /* thread blocks */
	double waves;            /* ctas / (blocks_per_sm * sms) */
	int blocks_per_sm;
	int bound;               /* enum model_bound */
	double flops, bytes;     /* work and DRAM traffic assumed */
	double compute_ns, memory_ns, launch_ns;
	/* the width in bytes of the kernel's global loads and stores (16: 128-bit
	 * vectors) and the factor its bound time was stretched by for narrower
	 * ones (1 when 16; op.c's narrow-access rule) */
	int access_bytes;
	double narrow;
	/* a GEMM's main loop (K / split) over main loop + the fixed per-tile
	 * prologue/epilogue k0, at 16-byte accesses: the part of its compute
	 * narrow stretches (1 for other kinds) */
	double loop_frac;
};
/* model_op_ns() with the details; 0, or -MO_EINPUT for a bad op (err says
 * which field) or a bad sms, -MO_EINFEASIBLE when no launch fits the GPU. */
int model_op_predict(const struct model_gpu *gpu, const struct model_op *op, int sms,
		     struct model_op_pred *out, struct mo_err *err);


/* ------------------------------------------------------------------------ */
/* Kernel physics (model/physics.c)                                         */
/* ------------------------------------------------------------------------ */

/*
 * The one description of what a kernel costs, used by the quota model
 * (model_kernel_ns_at_quota, the curves), the kernel-from-shape model
 * (model_op_ns) and the simulator's rates (engine/sim-core.c).  A kernel is
 *   - a fixed latency lat_ns (launch, ramp, tail) that no SM count shortens;
 *   - compute work in blocks: blocks_per_sm blocks are resident on an SM at
 *     once (occupancy) and share its throughput; wave_ns is the time one SM
 *     takes for a full wave of blocks_per_sm resident blocks at the maximum
 *     clock.  On s SMs the busiest SM gets ceil(blocks / s) blocks: whole
 *     waves cost wave_ns each and a partial last wave of r blocks costs r
 *     blocks' share of the SM's throughput, divided by the latency hiding
 *     r blocks reach, min(1, r * warps_per_block / MODEL_WARPS_FOR_PEAK).
 *     Stacked blocks thus hide latency but never multiply throughput: a
 *     grid of 128 blocks takes 4 block-times on 32 SMs, 2 on 64, 1 on 128;
 *   - DRAM traffic bytes, drawn at most at the ceiling of the SMs it holds,
 *     bw_eff * min(achievable HBM, active SMs * model_sm_gbps()), active =
 *     min(blocks, SMs), or at the share of bandwidth it is given when
 *     partitions run together;
 *   - time = lat_ns + max(compute / clock, bytes / bandwidth) (a roofline
 *     whose bound part hides the other); the clock factor (<= 1) applies to
 *     compute-bound tensor-core kernels (clocked = 1) only.
 */
struct model_kphys {
	int64_t blocks;       /* thread blocks of the grid, >= 1 */
	int blocks_per_sm;    /* resident blocks per SM by occupancy, >= 1 */
	int warps_per_block;  /* 0: unknown (a partial wave keeps full throughput) */
	double wave_ns;       /* one SM, one full wave, maximum clock */
	double bytes;         /* DRAM traffic, bytes */
	double bw_eff;        /* fraction (0, 1) of its SMs' DRAM ceiling it reaches; 0 = 1 */
	double lat_ns;        /* fixed latency */
	int clocked;          /* compute-bound on tensor cores: follows the SM clock */
	int cls;              /* enum trace_kernel_class */
};

/*
 * Constants and their sources.
 *  MODEL_DRAM_EFF (0.9, below): achievable fraction of the data-sheet HBM
 *    bandwidth for streaming kernels (H100 SXM: about 3.0 of 3.35 TB/s in
 *    public STREAM-like measurements; ECC and refresh take the rest).
 *  MODEL_BW_SAT_SM90 (0.30), MODEL_BW_SAT_PRE90 (0.50): the fraction of the
 *    SMs at which a streaming kernel saturates the achievable bandwidth, so
 *    one SM pulls achievable / (fraction * SMs) (H100: 76 GB/s, 2.5x its
 *    1/132 share).  Pre-Hopper: about half the SMs (Jia et al., "Dissecting
 *    the NVIDIA Volta GPU Architecture via Microbenchmarking", 2018, and the
 *    Ampere follow-up).  Hopper: bounded by measured data, not fitted to a
 *    point: FineServe's MPS sweep (../shared/external-measurements/
 *    fineserve, an Ada/Hopper-class GPU) shows weight-streaming decode only
 *    14% slower at 20% of the SMs than at 100% and no slower at 40%, which
 *    puts the knee between 23% and 40%; 0.30 is inside that range.
 *  MODEL_KERNEL_LAT_NS (1500): the fixed latency of a kernel, the 1st
 *    percentile of kernel durations in the four H100 TraceLens traces of
 *    ../shared/external-traces (1.34, 1.57, 1.60, 2.18 us): the time of a
 *    kernel with almost no work.
 *  MODEL_WARPS_FOR_PEAK (8): two warps per scheduler hide the arithmetic
 *    pipeline latency (4 schedulers per SM since Volta).
 *  Clock under load: a board at its power limit lowers the clock of all
 *    SMs; the fraction of busy SMs at which that starts (the knee) follows
 *    the power budget per SM-GHz of the board, tdp_w / (sms * GHz):
 *    fitted through two measurements, L40 (0.85 W/SM/GHz; the l40-matmul-mps
 *    sweep: fp16 GEMM throughput linear in the MPS share up to ~50% and
 *    flat from 80%, knee 192/357 = 0.54) and A100 SXM (2.63 W/SM/GHz; MLPerf
 *    v1.1: a 1g.10gb slice 0.6-2.4%, median 1.3%, slower with its six
 *    neighbours busy, knee 0.987); checked on H100 PCIe (1.75 W/SM/GHz:
 *    predicts 0.77 of the boost clock under load, Chips and Cheese measured
 *    down to 0.79, "Nvidia's H100: Funny L2, and Tons of Bandwidth", 2023).
 *    H100 SXM (2.68 W/SM/GHz) comes out at 1: no clock loss predicted.
 *    Only tensor-core work is taken to push the board to its limit (the two
 *    fits are tensor-core runs; NeuSight's FP32 SIMT GEMMs, fitted without
 *    a clock term, would need efficiencies above 1 with it).
 */
#define MODEL_BW_SAT_SM90 0.30
#define MODEL_BW_SAT_PRE90 0.50
#define MODEL_KERNEL_LAT_NS 1500.0
#define MODEL_WARPS_FOR_PEAK 8.0
#define MODEL_CLOCK_W_L40 0.8485
#define MODEL_CLOCK_KNEE_L40 0.54
#define MODEL_CLOCK_KNEE_SLOPE 0.252
#define MODEL_CLOCK_KNEE_MIN 0.3

/* Achievable whole-GPU DRAM bandwidth (GB/s = bytes/ns) and what one SM can
 * pull. */
double model_hbm_achievable_gbps(const struct model_gpu *gpu);
double model_sm_gbps(const struct model_gpu *gpu);
/* The fraction of busy SMs up to which gpu keeps its maximum clock (1 when
 * tdp_w is unknown), and the clock factor (0, 1] of every SM when busy_sms
 * SMs run compute-bound work: min(1, knee / (busy_sms / sms)). */
double model_clock_knee(const struct model_gpu *gpu);
double model_clock_factor(const struct model_gpu *gpu, double busy_sms);

/* Compute time (ns) of k on sms SMs at clock factor clock (no latency). */
double model_kphys_compute_ns(const struct model_kphys *k, double sms, double clock);
/* The DRAM bandwidth (GB/s) k can draw holding sms SMs. */
double model_kphys_bw_ceiling(const struct model_gpu *gpu, const struct model_kphys *k, double sms);
/* The bandwidth k asks for on sms SMs: its bytes over its compute time,
 * capped by its ceiling (the ceiling when it has no compute time). */
double model_kphys_dram_demand(const struct model_gpu *gpu, const struct model_kphys *k, double sms,
			       double clock);
/* The two halves of model_kphys_ns for callers that share bandwidth in
 * between (the simulator): model_kphys_rate fills k's compute time and DRAM
 * ceiling on sms SMs at clock and returns its demand
 * (model_kphys_dram_demand); model_kphys_time is its time given bw_gbps of
 * bandwidth (<= 0: its ceiling). */
double model_kphys_rate(const struct model_gpu *gpu, const struct model_kphys *k, double sms, double clock,
			double *comp, double *ceiling);
double model_kphys_time(const struct model_kphys *k, double comp, double ceiling, double bw_gbps);
/* Time of k on sms SMs given bw_gbps of DRAM bandwidth (<= 0: its own
 * ceiling, i.e. alone) at clock factor clock. */
double model_kphys_ns(const struct model_gpu *gpu, const struct model_kphys *k, double sms,
		      double bw_gbps, double clock);
/*
 * The physics of a measured (or synthesised) kernel k that took end - start
 * at recorded_sms SMs, the GPU running at clock factor recorded_clock
 * (1 for a trace recorded alone on a GPU whose knee it did not pass),
 * with the whole of gpu's DRAM bandwidth: gpu's dram_share is the share a
 * prediction runs with, never applied to the recording (so a kernel recorded
 * alone and predicted with half the bandwidth takes its memory-bound body
 * twice as long; session 30: it used to cancel out).  The
 * latency is min(T, MODEL_KERNEL_LAT_NS); the body splits into a bound part
 * and its shadow by the memory-bound fraction (flops and bytes when known:
 * a roofline at the recorded SMs, the flops at the peak of the precision
 * the name spells for a tensor class, model_kernel_dtype, else the 16-bit
 * one, FP32 for the other classes; else the class: GEMM 0.15, attention 0.2, conv 0.25, elementwise 0.9,
 * reduction 0.8, memory 0.95, others 0.5); bytes are k's own (capped by what
 * its SMs could move) or the memory part at its ceiling; wave_ns is solved
 * so that model_kphys_ns at recorded_sms gives back T.
 */
void model_kphys_from_trace(const struct model_gpu *gpu, const struct trace_kernel *k, int recorded_sms,
			    double recorded_clock, struct model_kphys *out);

/*
 * Partitions running together (the planner's interference term, and what
 * the simulator does kernel by kernel).  A load is what one partition does
 * while the others run: its SMs, the DRAM bandwidth it asks for (GB/s), the
 * SMs it keeps busy with tensor-core work and the fraction of its time alone
 * that is memory-bound.  model_corun_slowdown() is the factor (>= 1) by
 * which own runs slower beside others than alone:
 *   (1 - mem_frac) * (1 + tensor share * (clock alone / clock together - 1))
 *   + mem_frac * (demand / max-min fair share of the achievable bandwidth)
 * with the clock from model_clock_factor() of the tensor SMs (own alone;
 * all together) and the fair share computed as the simulator shares DRAM
 * among running kernels (a demand under the equal share is met in full).
 * So for each pair of kernel classes: compute + compute costs only clock
 * (nothing on an H100 SXM, whose power budget keeps its clock); compute +
 * memory costs the memory partner nothing while the compute partner's small
 * demand leaves it its share; memory + memory splits the bandwidth.  At
 * most MODEL_CORUN_MAX others count.
 *
 * Co-runners on the same SMs (model_corun_slowdown_in: processes sharing one
 * partition, MPS clients without limits, kernels of several streams of one
 * partition) share the SMs as well, by model_sm_alloc (the block
 * scheduler's order): each load demands min(its sms, own's sms) of own's
 * sms SMs and is launched first in turn; in each turn own holds a of them
 * (0: it waits and that turn adds nothing to its rate) and runs as above
 * with its compute sms / a times longer, its memory-bound part getting the
 * smaller of its fair DRAM share among the loads running in that turn (a
 * waiting co-runner draws nothing) and what a SMs can pull
 * (model_dram_gbps_at); the tensor-core SMs of one partition count at most
 * once for the clock.  The slowdown is n over the sum of own's rates
 * (1 / slowdown) in the n turns.  So two loads that each fill the partition
 * take turns (2x for every pair of classes: a memory-bound kernel waits for
 * a GEMM that holds the SMs as a GEMM waits for it); a narrow co-runner of
 * 10 of 66 SMs beside one that fills them costs it 2x (it waits for the
 * wide one's turn) and the wide one 132 / 122 (in the narrow one's turn it
 * runs on the 56 SMs left).  Assumed: the loads are busy the whole time (a
 * co-runner that idles part of the time costs less; the model has no duty
 * cycle) and their kernels are as long as each other (a turn is one
 * kernel of each).  model_corun_slowdown(own, others) is the same with no
 * co-runner on own's SMs.
 */
#define MODEL_CORUN_MAX 32
struct model_load {
	double sms;
	double dram_gbps;
	double tensor_sms;
	double mem_frac;
};
double model_corun_slowdown(const struct model_gpu *gpu, const struct model_load *own,
			    const struct model_load *others, int n_others);
double model_corun_slowdown_in(const struct model_gpu *gpu, const struct model_load *own,
			       const struct model_load *same, int n_same,
			       const struct model_load *others, int n_others);
/* Max-min fair shares out[0..n-1] of cap for the demands d[0..n-1] (a demand
 * under the equal share is met in full, the rest split the remainder
 * equally), for any n >= 0 (O(n^2) at worst). */
void model_fair_shares(const double *d, int n, double cap, double *out);
/*
 * Collectives hold SMs and DRAM bandwidth while their data moves (the
 * simulator and the planner's cost model).  NCCL runs one block per channel:
 * MODEL_COMM_SMS_ALLREDUCE (24) and MODEL_COMM_SMS_SEND (7) are the median
 * grids of the NCCL kernels in the HTA traces of ../shared/external-traces
 * (A100: AllReduce 8-24 blocks, median 24; SendRecv 2-24, median 7).  On a
 * partition they take at most half its SMs (their blocks then share SMs with
 * compute blocks).  DRAM: a collective reads what it sends and writes what
 * it receives (2 bytes of DRAM traffic per byte on the link); a ring
 * all-reduce also reads its own chunk to add the received one (3).
 */
#define MODEL_COMM_SMS_ALLREDUCE 24
#define MODEL_COMM_SMS_SEND 7
#define MODEL_COMM_DRAM_SEND 2.0
#define MODEL_COMM_DRAM_ALLREDUCE 3.0
/* SMs a collective (allreduce 1: all-reduce, 0: send/recv) holds on a
 * partition of part_sms SMs. */
double model_comm_held_sms(int allreduce, int part_sms);

/*
 * L2 shared by partitions.  Green-context partitions, MPS clients and the
 * streams of one partition share the GPU's whole L2 (only MIG slices it:
 * model_mig_instance gives an instance its 1/8 .. 8/8).  Two functions, no
 * fitted constant:
 *  - model_l2_share(): the L2 bytes a partition holds while others run, of
 *    the l2 bytes of the cache (gpu->l2_bytes when <= 0).  An LRU cache
 *    filled by several streams holds each in proportion to the rate at which
 *    it inserts lines, i.e. to its misses, i.e. to its DRAM traffic: the
 *    characteristic-time approximation of LRU (Che, Tung and Wang,
 *    "Hierarchical Web caching systems: modeling, design and experimental
 *    results", IEEE JSAC 20(7), 2002), in which a stream of rate r occupies
 *    r x T of the cache while it misses.  So share = l2 x own GB/s / (own +
 *    others' GB/s); a partition alone (or with no traffic at all) keeps it
 *    all; two equal ones half each.
 *  - model_l2_dram_bytes(): the DRAM traffic of work that moves `bytes`
 *    compulsory bytes and re-reads `reuse` bytes from a working set of `ws`
 *    bytes (an activation one kernel writes and the next reads, a weight
 *    read by every microbatch) holding `cap` bytes of L2: references spread
 *    over the working set hit with probability min(1, cap / ws), so the
 *    re-reads add reuse x (1 - min(1, cap / ws)) bytes of DRAM traffic.
 * Stated plainly: no data set in ../shared measures L2 contention between
 * partitions (the MIG rows have each slice's own L2; the green-context and
 * MPS rows have no working sets), so nothing here is calibrated, and the
 * planner and the simulator do not charge it: their loads carry no working
 * set (kernels from traces and shapes give DRAM bytes, not reuse).  Kernels
 * from traces keep that.  Kernels from shapes charge every operand once
 * (no reuse between kernels on any GPU), so a smaller L2 could only add
 * tile re-reads inside a kernel; checked in session 30 (model/MEASUREMENTS.md,
 * temporary builds): charging every re-read of a GEMM whose operands exceed
 * the L2 moves ParvaGPU's 1g co-run rows -18.0 -> -16.1 % at most, and
 * reuse between kernels moves every subset away, so neither is wired.
 * `mosaic model interference --gpu NAME` prints the shares of its matrix's
 * partitions.  L2 bandwidth is not modelled (on every GPU here it exceeds
 * the HBM bandwidth that bounds the memory-bound partitions: A100 5120 B per
 * clock, the Ampere white paper).
 */
double model_l2_share(const struct model_gpu *gpu, double l2, double own_gbps, const double *others_gbps,
		      int n_others);
double model_l2_dram_bytes(double bytes, double reuse, double ws, double cap);

/* The load of a partition of sms SMs running kernels of class cls (enum
 * trace_kernel_class) back to back, by the class's memory-bound fraction
 * (model_kphys_from_trace): memory-bound classes ask for their SMs' DRAM
 * ceiling, compute-bound ones for the shadow of their traffic, tensor-core
 * classes (GEMM, attention, conv) keep their SMs busy. */
void model_class_load(const struct model_gpu *gpu, int cls, double sms, struct model_load *out);


/* ------------------------------------------------------------------------ */
/* Calibration on measured GEMM timings (NeuSight CSV)                      */
/* ------------------------------------------------------------------------ */

/*
 * One measured linear/bmm op of a NeuSight CSV (columns OPName, Latency (ms),
 * Device, ..., B, M, N, K).  linear is (B*M) x N x K; bmm is B products of
 * M x N x K.  All NeuSight timings are FP32 (sgemm kernels).
 */
struct model_gemm_sample {
	char gpu[64];
	int bmm;               /* 0 linear, 1 bmm */
	int64_t b, m, n, k;
	double ms;             /* measured */
	/* the CTA tile of the kernel cuBLAS ran (column "Kernel Name", when
	 * present), in the op's orientation: tile_m along m, tile_n along n
	 * (cuBLAS computes C^T, so its first tile dimension runs along n); 0
	 * when unknown */
	int tile_m, tile_n;
};
struct model_gemm_set {
	struct model_gemm_sample *s;
	size_t n, cap;
};
void model_gemm_set_init(struct model_gemm_set *set);
void model_gemm_set_release(struct model_gemm_set *set);
/* Append the rows of a NeuSight CSV; errors name the file and line. */
int model_gemm_csv_load(struct model_gemm_set *set, const char *path, struct mo_err *err);
/* The deterministic split: 1 when sample i belongs to the held-out 30 %. */
int model_gemm_is_test(const struct model_gemm_sample *s);
/* The op of a sample. */
void model_gemm_sample_op(const struct model_gemm_sample *s, struct model_op *op);

struct model_gemm_eval {
	int n;                 /* samples evaluated */
	double median_ape, p90_ape, mape; /* absolute percentage errors, % */
};
/* How often model_op_predict() picks the CTA tile cuBLAS ran, over the
 * samples of set for gpu that name one: *agree of *n. */
void model_gemm_tile_agreement(const struct model_gemm_set *set, const struct model_gpu *gpu,
			       int *agree, int *n);
/*
 * A fit of the GEMM model on NeuSight data: the kernel efficiency terms
 * (copied into struct model_gpu: gemm_simt_eff, gemm_k0) and the fixed
 * per-op overhead that NeuSight's op latencies carry beyond the kernel
 * (framework dispatch, timing; floors of ~24 us for bmm and ~53 us for
 * linear on H100).  The overheads are properties of that measurement, not
 * of the kernels: model_op_ns() never adds them.
 */
struct model_gemm_fit {
	double simt_eff, k0;
	double overhead_ns[2]; /* linear, bmm */
};
/* The built-in fit for gpu (from its spec and the table in calib.c). */
void model_gemm_fit_get(const struct model_gpu *gpu, struct model_gemm_fit *fit);
/* Error of model_op_ns() + the fit's overhead against the samples of set
 * whose device is gpu, split test (which = 1), train (0) or all (-1);
 * fit NULL: the built-in one. */
int model_gemm_evaluate(const struct model_gemm_set *set, const struct model_gpu *gpu,
			const struct model_gemm_fit *fit, int which, struct model_gemm_eval *out);
/*
 * Fit simt_eff, k0 and the two overheads on the training samples of set for
 * gpu (coordinate descent minimising the mean of the median and the mean
 * absolute log error); fills
 * fit and the train and test errors.  -MO_EINPUT when set has fewer than 10
 * training samples for the GPU.
 */
int model_gemm_calibrate(const struct model_gemm_set *set, const struct model_gpu *gpu,
			 struct model_gemm_fit *fit, struct model_gemm_eval *train,
			 struct model_gemm_eval *test, struct mo_err *err);


/* ------------------------------------------------------------------------ */
/* Module scaling curves and interference                                   */
/* ------------------------------------------------------------------------ */

/*
 * A module's time as a function of its quota, sampled on the lattice:
 * quota[i] SMs -> fwd_ns[i], bwd_ns[i] (per microbatch), and the module's mean
 * DRAM bandwidth demand at each quota (bytes per ns), which drives the
 * interference term.
 */
#define MODEL_CURVE_MAX 64
struct model_curve {
	int n;
	int quota[MODEL_CURVE_MAX];
	int64_t fwd_ns[MODEL_CURVE_MAX], bwd_ns[MODEL_CURVE_MAX];
	double dram_gbps[MODEL_CURVE_MAX];
};
/* Time at any quota (interpolated between samples; exact at samples). */
int64_t model_curve_fwd_ns(const struct model_curve *c, int quota);
int64_t model_curve_bwd_ns(const struct model_curve *c, int quota);

/*
 * Slowdown factor (>= 1) of a module demanding own_gbps of DRAM bandwidth
 * when colocated with others demanding others_gbps in total on gpu.
 */
double model_interference(const struct model_gpu *gpu, double own_gbps, double others_gbps);

/* ---- end of the core contract; the rest of the model's API follows ---- */

/* The id of the module named name in trace t (case-insensitive), -1. */
int model_trace_module_id(const struct trace_mem *t, const char *name);
/* Whether phase id of t is a backward phase ("backward", "bwd", ...), and
 * whether it counts for the curves at all (forward, backward, optimizer). */
int model_trace_phase_is_backward(const struct trace_mem *t, int phase);

/*
 * (a) Kernel-level curve: for module (-1: every kernel of the trace) of
 * trace t recorded on gpu (at the header's quota_sms, 0 = whole GPU), the
 * sum of model_kernel_ns_at_quota() over its kernels at each quota, forward
 * and backward (optimizer counts as backward), divided by the number of
 * (step, microbatch) pairs seen (at least 1).  quotas NULL or nq 0: the
 * whole lattice.  -MO_EINPUT when the module has no kernels (err names it)
 * or a quota is off the lattice.
 */
int model_curve_from_trace(const struct trace_mem *t, const struct model_gpu *gpu, int module,
			   const int *quotas, int nq, struct model_curve *out, struct mo_err *err);
/* The same with the wave-scaling baseline for each kernel. */
int model_curve_from_trace_baseline(const struct trace_mem *t, const struct model_gpu *gpu,
				    int module, const int *quotas, int nq, struct model_curve *out,
				    struct mo_err *err);

/*
 * (b) The regression of profiles at a grid of quotas: t(q) = a + b / q + c * q
 * fitted by least squares (a: serial part, b / q: the part that divides over
 * SMs, c * q: the overhead growing with the partition).  n >= 3 samples of
 * distinct quotas for the full model; with 2 samples c is fixed to 0; with 1
 * the curve is flat.
 */
struct model_curve_fit {
	double a, b, c;
	int n;
	double max_rel_err;   /* worst relative residual on the samples */
};
int model_curve_fit(const int *quota, const double *ns, int n, struct model_curve_fit *out,
		    struct mo_err *err);
double model_curve_fit_eval(const struct model_curve_fit *f, double quota);
/*
 * Fit the regression to measured profiles: traces[i] holds module (by name,
 * NULL: all kernels) run alone at its header's quota_sms (0 = whole GPU); the
 * module's kernel time per (step, microbatch) is the sample.  Fills out at
 * quotas (NULL: lattice) and the fits.  -MO_EINPUT when a trace lacks the
 * module or two traces have the same quota.
 */
int model_curve_from_profiles(const struct trace_mem *const *traces, int ntraces,
			      const struct model_gpu *gpu, const char *module, const int *quotas,
			      int nq, struct model_curve *out, struct model_curve_fit *fit_fwd,
			      struct model_curve_fit *fit_bwd, struct mo_err *err);

/*
 * A calibration file: what `mosaic model calibrate -o FILE` fits, for the
 * planner (`plan --calibration FILE`).  JSON, versioned:
 *
 * { "format": "mosaic-calibration", "version": 1,
 *   "gpu": "NVIDIA H100 80GB HBM3",          the GPU the profiles ran on
 *   "modules": [                              one per module profiled at 2+ quotas
 *     { "name": "vision", "microbatch": 32,   samples per microbatch (0 unknown:
 *                                             the reader's spec's microbatch)
 *       "source": "simulated", "profiles": 3, measured or simulated; traces fitted
 *       "forward_fit":  {"a": ..., "b": ..., "c": ..., "n": 3, "max_rel_err": ...},
 *       "backward_fit": {...},                model_curve_fit of t(q) = a + b/q + c q
 *       "quota": [8, 16, ...],                the fit at the GPU's lattice (SMs)
 *       "forward_ns": [...], "backward_ns": [...] } ],   per microbatch, ns
 *   "gemm": [                                 kernel-from-shape fits (NeuSight CSVs)
 *     { "gpu": "h100", "simt_eff": 0.62, "k0": 180, "overhead_ns": [lin, bmm],
 *       "train": 700, "test": 300, "test_median_ape": 9.1 } ] }
 *
 * Every field is required; unknown fields, another format or version, wrong
 * types and out-of-range numbers are refused (-MO_EINPUT, the message names
 * the file and the JSON path, e.g. "modules[1].forward_ns[3]").  A reader
 * of a newer version refuses older ones only when it must: bump
 * MODEL_CALIB_VERSION when a field changes meaning.
 */
#define MODEL_CALIB_FORMAT "mosaic-calibration"
#define MODEL_CALIB_VERSION 1
#define MODEL_CALIB_MAX 32 /* modules, and GEMM fits, in one file */
struct model_calib_module {
	char name[64];
	int microbatch;              /* 0: unknown */
	int source;                  /* enum trace_source of the profiles */
	int profiles;
	struct model_curve_fit fwd, bwd;
	struct model_curve curve;    /* the fits at the lattice (dram_gbps unused: 0) */
};
struct model_calib_gemm {
	char gpu[64];                /* short name */
	struct model_gemm_fit fit;
	int train, test;
	double test_median_ape;      /* %, held-out samples */
};
struct model_calibration {
	char gpu[64];
	int n_modules, n_gemm;
	struct model_calib_module modules[MODEL_CALIB_MAX];
	struct model_calib_gemm gemm[MODEL_CALIB_MAX];
};
/* Write c to path atomically (mo_outfile); -MO_EIO on failure. */
int model_calibration_save(const struct model_calibration *c, const char *path, struct mo_err *err);
/* The same document as a jansson object (the caller releases it; NULL when
 * out of memory). */
struct json_t *model_calibration_json(const struct model_calibration *c);
/* Read path into *c (zeroed on failure). */
int model_calibration_load(struct model_calibration *c, const char *path, struct mo_err *err);
/* Index of the module called name in c, -1 if none. */
int model_calibration_module(const struct model_calibration *c, const char *name);

/*
 * model_interference(): model_corun_slowdown() of a module asking for
 * own_gbps beside one partner asking for others_gbps, no clock term (the
 * SMs are unknown here), memory-bound in the fraction min(1, own / C) of
 * its time, C the achievable bandwidth (MODEL_DRAM_EFF of the peak).  A
 * demand under the max-min fair share costs nothing, as in the simulator.
 */
#define MODEL_DRAM_EFF 0.9

/*
 * A pairwise matrix of measured slowdowns: slow[i][j] is the factor by which
 * module names[i] runs slower when colocated with names[j] (1 = none).
 * File format (JSON):
 *   { "gpu": "NVIDIA H100 80GB HBM3",
 *     "modules": ["vit", "llm"],
 *     "slowdown": [[1.0, 1.08], [1.03, 1.0]] }
 */
#define MODEL_IM_MAX 32
struct model_interference_matrix {
	int n;
	char gpu[64];
	char names[MODEL_IM_MAX][64];
	double slow[MODEL_IM_MAX][MODEL_IM_MAX];
};
void model_im_init(struct model_interference_matrix *m);
int model_im_load(struct model_interference_matrix *m, const char *path, struct mo_err *err);
int model_im_save(const struct model_interference_matrix *m, const char *path, struct mo_err *err);
/* Index of a module name, adding it when add is set; -1 when absent/full. */
int model_im_index(struct model_interference_matrix *m, const char *name, int add);
/*
 * Calibrate from traces: solo[i] each hold modules run alone, corun holds
 * several modules run at the same time (in their own partitions).  For each
 * pair of modules (a, b) of corun, slow[a][b] = a's kernel time in corun /
 * a's kernel time in the solo trace that has a (per (step, microbatch)).
 * With more than two modules in corun, every partner of a gets the same
 * factor.  -MO_EINPUT when a module of corun has no solo trace.
 */
int model_im_calibrate(struct model_interference_matrix *m, const struct trace_mem *const *solo,
		       int nsolo, const struct trace_mem *corun, struct mo_err *err);
/* The slowdown of module a colocated with b: the matrix entry when both are
 * known, else model_interference(gpu, own_gbps, others_gbps). */
double model_im_slowdown(const struct model_interference_matrix *m, const char *a, const char *b,
			 const struct model_gpu *gpu, double own_gbps, double others_gbps);


/* ------------------------------------------------------------------------ */
/* Validation: predictions against traces at other quotas or co-run         */
/* ------------------------------------------------------------------------ */

/*
 * Kernel matching: kernels of the reference and of the target are grouped by
 * (module, phase) and ordered by start time within a group; the i-th kernel
 * of a group in the reference is matched with the i-th of the same group in
 * the target when their names are equal (the same program replayed); a name
 * mismatch skips ahead in the target by up to MODEL_MATCH_WINDOW kernels to
 * resynchronise, else the reference kernel stays unmatched.  Modules and
 * phases are matched by name.  The quota of a target kernel is its
 * partition's SM count when it ran in one, else the target header's
 * quota_sms, else the whole GPU.
 */
#define MODEL_MATCH_WINDOW 8

struct model_err_stats {
	int n;
	double mape, p50, p90, max; /* absolute percentage errors, % */
};
/* Statistics of n absolute percentage errors (sorted in place). */
void model_err_stats_of(double *ape, int n, struct model_err_stats *out);

#define MODEL_VAL_MAX_ROWS 256
struct model_val_row {
	int level;            /* 0 kernel, 1 module */
	int source;           /* enum trace_source of the target's ground truth */
	int quota;            /* SMs of the target */
	int kclass;           /* kernel rows: enum trace_kernel_class, -1 all */
	char module[64];      /* module rows: module/phase; "" for kernel rows */
	struct model_err_stats ours, baseline;
};
struct model_val_report {
	int nrows;
	struct model_val_row rows[MODEL_VAL_MAX_ROWS];
	/* all kernel-level errors, for the CDF (ours and baseline), heap owned */
	double *ape_ours, *ape_base;
	int nape;
	size_t cap_ours, cap_base; /* their capacities (MO_GROW, traces.h) */
	int source_mask;      /* bit per enum trace_source seen among targets */
	int matched, unmatched;
	struct model_err_stats all_ours, all_base;               /* kernels */
	struct model_err_stats all_mod_ours, all_mod_base;       /* modules */
	int ntargets;
	void *priv;           /* accumulation between add and finish */
};
void model_val_init(struct model_val_report *r);
void model_val_release(struct model_val_report *r);
/*
 * Add the errors of predicting target from ref (both on gpu).  Predicted
 * kernel time = model_kernel_ns_at_quota(ref kernel, ref quota, target
 * quota); baseline = wave scaling.  Module rows compare the sums over
 * matched kernels per (module, phase); when the target is a co-run (two or
 * more modules in SM partitions) our module prediction is multiplied by
 * model_interference() with the modules' predicted DRAM demands (the
 * kernel rows and the baseline never include interference).  -MO_EINPUT
 * when nothing matched.
 */
int model_validate_add(struct model_val_report *r, const struct model_gpu *gpu,
		       const struct trace_mem *ref, const struct trace_mem *target,
		       struct mo_err *err);
/* Compute the summary rows (call once after the last add). */
void model_val_finish(struct model_val_report *r);


/* ------------------------------------------------------------------------ */
/* MIG instances                                                            */
/* ------------------------------------------------------------------------ */

/*
 * A MIG GPU instance is not an SM quota of the whole GPU: it owns its compute
 * slices (SMs) and its memory slices, i.e. its fraction of the DRAM
 * bandwidth, of the L2 and of the memory, and nothing it runs interferes with
 * other instances (NVIDIA MIG user guide, docs.nvidia.com/datacenter/tesla/
 * mig-user-guide, "Supported MIG Profiles": on the A100, 40 GB and 80 GB,
 * 7 compute slices of 14 SMs and 8 memory slices; 1g = 1/8 of the memory and
 * L2, 2g = 2/8, 3g = 4/8, 4g = 4/8, 7g = 8/8).  The model times work in an
 * instance by predicting on that smaller GPU, so libraries' launch choices,
 * wave quantisation and the DRAM ceiling are the instance's.  MPS processes
 * inside one instance do share it: validate (measure-eval.c) times each of N
 * identical copies kernel by kernel on the instance's SMs
 * (model_kernel_ns_shared: turns for kernels that fill them, side by side
 * with a share of the DRAM bandwidth for narrower ones); L2 is not divided.
 *
 * Assumptions: the instance runs at the boost clock (power is not
 * partitioned by MIG and the neighbours' load is unknown, so tdp_w = 0 turns
 * the clock-under-load term off); DRAM bandwidth, L2 and memory split in
 * proportion to the memory slices.  Other GPUs than the A100 (H100, A30)
 * are refused until their slice shapes are written down.
 */
#define MODEL_MIG_A100_SLICE_SMS 14
/* A copy of gpu owning sms SMs and mem_frac of its DRAM bandwidth, L2 and
 * memory, and sms / gpu->sms of its FLOP/s peaks (the peaks are a whole
 * GPU's, which op.c and the physics share out per SM: each SM of the copy
 * keeps an SM's rate; until stop 25 the peaks were kept whole, so a 3g SM
 * computed 108/42 as fast as an A100 SM and every MIG slice looked
 * DRAM-bound); the clock-under-load term off; other fields as gpu's. */
void model_gpu_portion(const struct model_gpu *gpu, int sms, double mem_frac,
		       struct model_gpu *out);
/* Scale g's FLOP/s peaks (fp32, tf32, bf16, fp16, fp8, int8) by f: a GPU of f times
 * the SMs of the one g describes, each SM at the same rate. */
void model_gpu_scale_peaks(struct model_gpu *g, double f);
/* The A100 MIG instance of sms SMs (14, 28, 42, 56, 98) as a GPU; -MO_EINPUT
 * for another GPU or SM count (err says which). */
int model_mig_instance(const struct model_gpu *gpu, int sms, struct model_gpu *out,
		       struct mo_err *err);


/* ------------------------------------------------------------------------ */
/* Measurements of GPU sharing (mosaic validate --measurements)             */
/* ------------------------------------------------------------------------ */

/*
 * A measurement is one timed item (a kernel-level op, or a named model that
 * workloads/ can synthesise) on one GPU under one sharing mechanism at one
 * quota, alone or beside co-runners.  They come from the documented CSV form
 * below (model_meas_load_csv) or from the readers of published data sets
 * (model_meas_load_path).  model/MEASUREMENTS.md is the user's copy of this
 * specification.
 *
 * THE CSV FORM (version 1).  UTF-8 text (a leading byte order mark is
 * skipped), '\n' or "\r\n" line ends.  Lines
 * starting with '#' and blank lines are comments.  The first other line is
 * the header and must be exactly (no spaces, this order):
 *
 *   kind,dtype,shape,gpu,mechanism,quota,corun,time_<u>[,whole_time_<u>]
 *
 * where <u> is the unit of every time in the file: ns, us or ms (the same
 * unit in both time columns).  Every further line is one measurement with
 * exactly as many fields as the header; fields hold no quotes, commas or
 * leading/trailing spaces.
 *
 *   kind       gemm (alias linear), bmm, attention, attention_bwd,
 *              elementwise, reduction (aliases norm, softmax), optimizer,
 *              memory (struct model_op's kinds), or model (a named model).
 *   dtype      fp32, tf32, bf16, fp16, fp8 or int8: the op's dtype, or the
 *              dtype a named model is synthesised in (not fp8).
 *   shape      space-separated key=value pairs, each key once:
 *                gemm:        m n k, optional b (default 1): b products of
 *                             m x n x k (a linear layer is m = tokens)
 *                bmm:         b m n k
 *                attention, attention_bwd: b m n k, optional causal=0|1
 *                             (b = batch x heads, m = query length,
 *                             n = key length, k = head dim)
 *                elementwise, reduction, optimizer, memory: bytes (DRAM
 *                             traffic), optional flops
 *                model:       name=<n> batch=<samples>, optional
 *                             mode=infer|train (default infer: one forward;
 *                             train: forward, backward and optimizer),
 *                             image=<pixels>, seq=<tokens>
 *              Integers are decimal, 1 ..  MODEL_MEAS_MAX_DIM for dims and
 *              batch, 0 .. MODEL_MEAS_MAX_WORK for bytes and flops, and
 *              b * m * n * k <= MODEL_MEAS_MAX_WORK.
 *   gpu        a name model_gpu_find() knows (short or CUDA name, e.g. h100
 *              or "NVIDIA H100 80GB HBM3"), built in or from --gpu-file.
 *   mechanism  whole (the whole GPU, no sharing), green-context (CUDA green
 *              context with an SM count), mig (a MIG GPU instance; quota =
 *              its SMs, e.g. 14 for A100 1g), mps (CUDA MPS client).
 *   quota      whole: '-' or the GPU's SM count.  green-context, mig: SMs,
 *              1 .. the GPU's SMs.  mps: SMs as above, or an active-thread
 *              percentage 'P%' (0 < P <= 100), taken as
 *              ceil(P / 100 x SMs) SMs: NVIDIA's MPS documentation
 *              (docs.nvidia.com/deploy/mps, CUDA_MPS_ACTIVE_THREAD_PERCENTAGE:
 *              "constrain the portion of available threads of each device";
 *              on Volta and later the portion is provisioned as SMs; the
 *              rounding to whole SMs is our reading, the pages we found do
 *              not state its direction).
 *   corun      none (alone on the GPU or in an otherwise idle GPU);
 *              copies=N (2 <= N <= 64 identical processes share this quota's
 *              SMs, as MPS clients without limits: predicted by
 *              model_kernel_ns_shared, the copies taking turns on kernels
 *              that fill the SMs and running narrower ones side by side);
 *              busy=<label> (other work ran beside it, e.g.
 *              busy=6xmig-offline; label of [A-Za-z0-9._+-], at most 47
 *              characters).  Under green contexts and MIG the neighbours
 *              are in other partitions and are predicted as absent (their
 *              demand is unknown); under MPS they share the row's SMs and
 *              DRAM, and the unknown neighbour is taken as a twin of the
 *              row's own work (as copies=2).
 *   time_<u>   the measured time of one item (one op; one batch of a named
 *              model), finite, MODEL_MEAS_MIN_NS .. MODEL_MEAS_MAX_NS
 *              nanoseconds (every reader's rows: model_meas_add).
 *   whole_time_<u>  optional column: the measured time of the same item,
 *              alone on the whole GPU, or '-' when not measured.  A row
 *              without it takes the time of the first row of the file that
 *              times the same item (kind, dtype, shape) on the same GPU
 *              (spelled the same) with mechanism whole and corun none.
 *              When known, a row under a reduced quota or with co-runners
 *              is also judged as a slowdown (time / whole_time, predicted
 *              and measured).
 *
 * Limits: a file is at most MODEL_MEAS_MAX_BYTES bytes, a line at most
 * MODEL_MEAS_MAX_LINE bytes, a set at most MODEL_MEAS_MAX_ROWS rows.  A
 * second header line, a row with the wrong field count, a bad number (empty,
 * NaN, infinity, negative, out of range, trailing text), an unknown kind,
 * dtype, key, mechanism or GPU is an error "FILE:LINE:COLUMN: field 'NAME':
 * ..." (column: 1-based byte of the field's start) with -MO_EINPUT, and the
 * set is left as it was before the call (no partial load).
 */
#define MODEL_MEAS_MAX_BYTES (16L << 20)
#define MODEL_MEAS_MAX_LINE 1024
#define MODEL_MEAS_MAX_ROWS 200000
#define MODEL_MEAS_MAX_DIM (1L << 24)
#define MODEL_MEAS_MAX_WORK (1LL << 60)
#define MODEL_MEAS_MAX_NS 1e15
#define MODEL_MEAS_MIN_NS 1.0 /* below a GPU clock period: no measured item is shorter */

enum model_mech { MODEL_MECH_WHOLE, MODEL_MECH_GREEN, MODEL_MECH_MIG, MODEL_MECH_MPS };
#define MODEL_MECH_COUNT 4
const char *model_mech_name(int mech);  /* "whole", "green-context", "mig", "mps" */
int model_mech_parse(const char *s);    /* -1 when unknown */

#define MODEL_MEAS_KIND_MODEL (-1)      /* kind of a named-model item */

struct model_meas {
	char where[320];     /* "FILE:LINE" of the row, or the converter's source */
	int kind;            /* enum model_op_kind, or MODEL_MEAS_KIND_MODEL */
	struct model_op op;  /* op items (dtype also set for models) */
	char model[32];      /* named model: "resnet50", "bert-large", ... */
	int batch, train, image, seq; /* named model; image/seq 0 = default */
	char gpu[64];        /* as given; resolved by model_gpu_find() */
	int mech;            /* enum model_mech */
	int sms;             /* SMs given (0 when pct is) */
	double pct;          /* MPS percentage given, 0 when sms is */
	int copies;          /* corun=copies=N: N; else 1 */
	char busy[48];       /* corun=busy=<label>: label; else "" */
	double ns;           /* measured time, ns */
	double whole_ns;     /* measured whole-GPU time, ns; 0 when absent */
	int ref_sms;         /* SMs whole_ns was measured on when that was not
	                        the whole GPU (a converter's MIG 7g, 98 SMs);
	                        0 = the whole GPU (always 0 from the CSV form) */
	char note[128];      /* a converter's note (what it assumed), "" */
	int launch;          /* named model: how its kernels were launched, enum
	                        model_meas_launch (shape key launch=) */
	int input_pageable;  /* named model: each timed batch first copies its
	                        input from pageable host memory (shape key
	                        input=pageable; default input=none) */
	int tensorrt;        /* named model: a TensorRT engine (the MLPerf
	                        reader); a convolutional model is synthesised
	                        with workloads' impl "tensorrt" */	char dataset[40];    /* the data set the row came from: the folder or
	                        file directly under the folder given to
	                        model_meas_load_path, or that path's own name
	                        when it is a file or a data set's folder
	                        (truncated to 39 bytes); "" from other loaders */
};
/*
 * A pageable host-to-device copy's bandwidth, GB/s, for a named model whose
 * timed batch copies its input first (input=pageable): the copy is
 * synchronous for the host and ordered after the previous batch's kernels,
 * so it adds input bytes / this to every batch.  The input is what the
 * script builds: an image model's fp32 batch x 3 x image x image, a sequence
 * model's three int64 batch x seq tensors.  5.7 GB/s is the median of the
 * seven copies of at least 1 MiB measured from pageable memory on an A100
 * host (Kineto, PARAM AlexNet, A100-PG509-200,
 * ../shared/external-traces/holistic-trace-analysis/critical_path: 4.3 to
 * 11.2 GB/s; 4.3-4.4 for the three of 16 MB and more); a V100 DGX Station
 * measured 9.9-10.7 GB/s on ResNet-50's 19 MB batches (kineto-tb-plugin)
 * and an H100 host 18.3 (TraceLens OWLv2): a host figure, not a GPU one.
 * The rate is the copies' DMA time; on the PARAM host each DMA also began
 * 253-264 us after its cudaMemcpyAsync call (not charged).
 */
#define MODEL_MEAS_PAGEABLE_H2D_GBPS 5.7
/* Who launched a named model's kernels: unknown (no host term: the
 * prediction is the GPU's time alone), eager (PyTorch: each kernel costs its
 * host thread model_host's eager CPU time and starts no earlier than it is
 * issued), graphs (CUDA graphs or back-to-back launches, as MLPerf's
 * TensorRT harness does: one graph launch per batch), executor (a framework
 * graph's C++ executor, as Keras' model.fit runs a TensorFlow step: each
 * kernel costs a launch and MODEL_HOST_BWD_OPS_PER_LAUNCH operators). */
enum model_meas_launch { MODEL_MEAS_LAUNCH_UNKNOWN = 0, MODEL_MEAS_LAUNCH_EAGER = 1,
			 MODEL_MEAS_LAUNCH_GRAPHS = 2,
			 MODEL_MEAS_LAUNCH_EXECUTOR = 3 /* a framework's C++ graph executor
			                                   (MODEL_LAUNCH_EXECUTOR) */ };

/* An item a converter read but the evaluation cannot use, and why. */
struct model_meas_skip {
	char where[320];
	char why[160];
};

struct model_meas_set {
	struct model_meas *m;
	size_t n, cap;
	struct model_meas_skip *skip;
	size_t nskip, cskip;
	double *gains;        /* measured co-location gains of pairs (below) */
	size_t ngains, cgains;
};
void model_meas_set_init(struct model_meas_set *s);
void model_meas_set_release(struct model_meas_set *s);
/* Append a row / a skipped item (0 or -MO_ENOMEM; -MO_EINPUT past
 * MODEL_MEAS_MAX_ROWS, or, naming m->where, for a row whose time or
 * non-zero whole-GPU time is not finite within MODEL_MEAS_MIN_NS ..
 * MODEL_MEAS_MAX_NS: every reader's one range check). */
int model_meas_add(struct model_meas_set *s, const struct model_meas *m, struct mo_err *err);
int model_meas_add_skip(struct model_meas_set *s, const char *where, const char *why,
			struct mo_err *err);
/*
 * A measured co-location gain: for two jobs measured alone and together on
 * one GPU's SMs (MPS without limits), the sum of both jobs' co-located over
 * solo throughputs: 1 = as fast as taking turns, 2 = neither slowed, below 1
 * = sharing lost to taking turns.  Measured only: no prediction is made of
 * it (a reader adds every pair it has, whether or not the model can
 * synthesise the jobs: the Gavel reader, each pair of single-GPU jobs of
 * its v100 table once, a job with itself included).  The evaluation
 * summarises them (model_meas_report.gains).  0, -MO_ENOMEM, or -MO_EINPUT
 * past MODEL_MEAS_MAX_ROWS gains.
 */
int model_meas_add_gain(struct model_meas_set *s, double gain, struct mo_err *err);

/* The SMs a row runs on, on gpu: the whole GPU, the SMs given, or the MPS
 * percentage rounded up to whole SMs (see quota above). */
int model_meas_sms(const struct model_meas *m, const struct model_gpu *gpu);

/*
 * Load a path: a file in the CSV form above, a file or folder of a
 * published data set that model/ has a reader for (l40-matmul-mps,
 * parvagpu, MLPerf Inference results, MISO logs, Gavel throughputs; see
 * model/MEASUREMENTS.md), or a folder, walked recursively (at most 8
 * levels, names in sorted order): its files in the CSV form and the data sets it holds are read; other
 * files are counted in *ignored (may be NULL).  All or nothing per call.
 * Each row read gets its dataset (struct model_meas), which validate's
 * "dataset" tables group by.
 */
int model_meas_load_path(struct model_meas_set *s, const char *path, int *ignored,
			 struct mo_err *err);

/* A one-line description of the item of m ("gemm fp16 b=1 m=4096 n=4096
 * k=4096", "model resnet50 batch=32 infer fp16") into buf; returns buf. */
const char *model_meas_describe(const struct model_meas *m, char *buf, size_t size);

/* Parse CSV text of the form above (name is used in messages) and append
 * its rows to s; all or nothing. */
int model_meas_parse_csv(struct model_meas_set *s, const char *text, size_t len,
			 const char *name, struct mo_err *err);
/* The same from a file (at most MODEL_MEAS_MAX_BYTES). */
int model_meas_load_csv(struct model_meas_set *s, const char *path, struct mo_err *err);

/*
 * Evaluation: every row is predicted with today's model and compared with
 * its measurement.  Op rows: model_op_predict() on the row's SMs.  MIG rows
 * run on the instance as a GPU (model_mig_instance); their busy=
 * neighbours do not interfere; their reference slice (ref_sms) is an
 * instance too.  N processes on the same SMs (model_meas_procs: copies=N,
 * or an MPS row's busy= neighbour taken as a twin, N = 2) share them kernel
 * by kernel as the block scheduler does (model_kernel_ns_shared: a kernel
 * that fills the SMs runs alone, the N take turns; narrower ones side by
 * side); until session 28 each ran on SMs / N with 1/N of the bandwidth.
 * The reference (whole-GPU) time is one process's.  Named-model rows: the
 * caller's predictor fn with procs = N (workloads/ synthesises models;
 * model/ does not depend on it); NULL skips them.  A row the model cannot predict (an op
 * that fits no launch, an unknown GPU, a model fn failure) is skipped and
 * listed with the reason, never dropped silently.
 *
 * Errors are percentages, signed (predicted - measured) / measured x 100:
 *   absolute: the predicted time against the measured time;
 *   slowdown: when the row has a whole-GPU measurement and runs under a
 *     reduced quota or with co-runners, the predicted slowdown
 *     pred(quota) / pred(whole GPU) against the measured time / whole_time.
 * Statistics of a group: n, median, p90 and max of |error|, and the signed
 * mean (> 0: the model predicts too slow).
 */
typedef int (*model_meas_model_fn)(void *ctx, const struct model_meas *m,
				   const struct model_gpu *gpu, int sms, int procs, double *ns,
				   struct mo_err *err);
/* The processes on row m's SMs: copies=N, 2 for an MPS row's busy=
 * neighbour (its work unknown, taken as a twin of the row's own), else 1. */
int model_meas_procs(const struct model_meas *m);

/* Quota bins of the tables: <=16, 17-32, 33-64, >64 SMs (not whole), whole. */
#define MODEL_MEAS_QBINS 5
const char *model_meas_qbin_name(int bin);
int model_meas_qbin(int sms, int gpu_sms);

struct model_meas_stats {
	int n;
	double median, p90, max;  /* of |error|, % */
	double mean;              /* signed mean error, % */
};

struct model_meas_eval {
	size_t idx;               /* the row of the set */
	const char *gpu;          /* short name of the resolved GPU (registry) */
	const char *klass;        /* op kind name, or "model" */
	int sms, qbin, corun;     /* corun: 0 solo, 1 co-run */
	double pred_ns;           /* predicted time at the row's quota */
	double pred_whole_ns;     /* predicted on the whole GPU (0: not needed) */
	double err;               /* absolute, signed % */
	int has_slow;
	double meas_slow, pred_slow, slow_err; /* slowdown, signed % */
};

/* A row of the tables: dim is "mechanism", "class", "quota", "corun",
 * "mechanism,quota,corun", "sharing" or "processes"; key the value ("mig",
 * "gemm", "<=16", "solo", "mig,<=16,solo", "same-SMs", "2").  sharing: solo
 * (alone), same-SMs (copies=N, or an MPS busy= neighbour: other processes'
 * blocks on the row's own SMs, as plain CUDA streams' share them) or
 * isolated (busy partitions beside its own: MIG, green contexts);
 * processes: the processes on the row's SMs (1, 2, 3, 4, ">=5"; an MPS
 * busy= neighbour counts as one, the twin the prediction takes). */
struct model_meas_group {
	char dim[24];
	char key[40];
	struct model_meas_stats abs, slow;
};

/*
 * Shared SMs against partitions of the same size.  A row with copies=N on S
 * SMs (N processes whose blocks the block scheduler mixes on the same SMs,
 * as it mixes plain CUDA streams' under MPS without limits) is paired with
 * the evaluated row of the same item on the same GPU run alone in a
 * partition (MIG or green context, no co-runner) of S / N SMs.  The ratio
 * is the throughput of the N shared copies over N partitioned ones: time
 * partitioned / time shared (> 1: sharing the SMs wins); measured from the
 * two measured times, predicted from the two predictions, and the error of
 * the predicted ratio (signed %, > 0: the model favours sharing too much).
 * Statistics per N (2, 3, 4, >= 5; procs 5 = ">= 5") and over all (procs
 * 0); pair_worst holds (shared ev, partitioned ev) of the largest |errors|.
 * Under MIG a partition of S / N SMs may own a different share of the
 * memory slices than 1/N of the S-SM instance (the A100's 3g owns 4 of 8,
 * three 1g 3 of 8): the prediction models that; the comparison is then not
 * of SMs alone.
 */
struct model_meas_pair_stats {
	int procs;                                /* N, 0 = all */
	struct model_meas_stats meas, pred, err;  /* ratios; err in % */
};
#define MODEL_MEAS_PAIR_ROWS 5

/* The set's measured co-location gains (model_meas_add_gain): n, median,
 * 10th and 90th percentile, min, max, and the fraction below 1. */
struct model_meas_gain_stats {
	int n;
	double median, p10, p90, min, max, below;
};

#define MODEL_MEAS_WORST 10
struct model_meas_report {
	struct model_meas_eval *ev;
	size_t nev;
	struct model_meas_set skipped; /* .skip: the set's skipped items, then the
	                                  evaluation's (.m unused) */
	struct model_meas_group *groups;
	size_t ngroups;
	struct model_meas_stats all_abs, all_slow;
	size_t worst[MODEL_MEAS_WORST], nworst;           /* ev indices by |err| */
	size_t worst_slow[MODEL_MEAS_WORST], nworst_slow; /* ev indices by |slow_err| */
	struct model_meas_pair_stats pairs[MODEL_MEAS_PAIR_ROWS]; /* all, then N = 2.. */
	int npairs;
	size_t pair_worst[MODEL_MEAS_WORST][2], npair_worst;
	struct model_meas_gain_stats gains;
};
/* The measured and predicted ratio of a pair (shared ev, partitioned ev). */
void model_meas_pair_ratios(const struct model_meas_set *s, const struct model_meas_report *r,
			    const size_t *pair, double *meas, double *pred);
void model_meas_report_init(struct model_meas_report *r);
void model_meas_report_release(struct model_meas_report *r);
/* Statistics of the evaluations of r that keep(e, ctx) selects (keep NULL:
 * all): absolute errors into *abs_out, slowdown errors into *slow_out.  0,
 * or -MO_ENOMEM. */
int model_meas_stats_where(const struct model_meas_report *r,
			   int (*keep)(const struct model_meas_eval *e, const void *ctx),
			   const void *ctx, struct model_meas_stats *abs_out,
			   struct model_meas_stats *slow_out);
/* Evaluate set s into r (which must be freshly initialised).  0, or
 * -MO_ENOMEM. */
int model_meas_evaluate(const struct model_meas_set *s, model_meas_model_fn fn, void *ctx,
			struct model_meas_report *r, struct mo_err *err);


/* ------------------------------------------------------------------------ */
/* The host side: CPU dispatch of kernels (model/host.c)                    */
/* ------------------------------------------------------------------------ */

/*
 * In eager PyTorch every kernel costs the host CPU time (Python, the
 * dispatcher, the operator's own code, the launch call); a small module's
 * GPU mostly waits for it.  model_host gives that time per kernel class and
 * launch mode; the engine's host threads and the planner's cost model charge
 * it.  Every number here is a prediction.
 *
 * The eager constants are the mean interval between consecutive launch calls
 * on the issuing thread, charged to the class of the activity the later call
 * launched (model_host_fit_add), pooled over the four measured H100 traces in
 * ../shared/external-traces/tracelens/h100 (ViT-B batch 4, BERT-small,
 * Qwen1.5-0.5B batch 16, OWLv2-large; inference, bf16, PyTorch eager, 6565
 * intervals kept, 11 above 1 ms dropped), as `mosaic model host` prints them.
 * Those traces were recorded under the PyTorch profiler with shapes and
 * Python stacks, so the profiler's own overhead IS in these constants; how
 * much of it is was not measured here (no trace of the same runs without
 * the profiler exists among our inputs).  The mean interval per trace is
 * 27.1 us (Qwen) to 64.6 us (BERT-small): charging these class constants to
 * each trace's own kernels gives its issue time within -43% (BERT-small)
 * to +46% (Qwen1.5-0.5B); ViT-B -26%, OWLv2 -5%.  The spread is per model
 * (Python around each op), not per class.
 */
#define MODEL_HOST_GEMM_NS 30600        /* 1838 intervals; conv (6) shares it */
#define MODEL_HOST_ATTENTION_NS 70000   /* 40 intervals */
#define MODEL_HOST_ELEMENTWISE_NS 26500 /* 1934 intervals */
#define MODEL_HOST_REDUCTION_NS 48000   /* 676 intervals (norms, softmax) */
#define MODEL_HOST_MEMORY_NS 57600      /* 2071 intervals (copies, memsets and the
                                           Python around them) */
#define MODEL_HOST_OTHER_NS 39900       /* unknown and communication: the pooled
                                           mean over all 6565 intervals */
/*
 * The CPU activity around the launches: over the same 6565 intervals, the
 * interval is, by least squares, 12.36 us per launch + 3.33 us per ATen CPU
 * operator (every "cpu_op" event that starts in the interval, at any
 * nesting depth, including views and reshapes that launch nothing) + 1.24 us
 * per Python function event ("python_function": nn.Module calls and the
 * Python they run; the traces were recorded with Python stacks, so this
 * part is mostly the profiler's Python tracer).  Charged to each trace's
 * own counts it gives its issue time within +10.6% (ViT-B), -5.8%
 * (BERT-small), +3.6% (Qwen1.5-0.5B), -0.8% (OWLv2), and leaving each trace
 * out of the fit in turn, +11.8 / -5.9 / +5.7 / -1.5% for the trace left
 * out; the class constants above give -43%..+46%.  The spread between
 * models is their CPU operators and Python calls per kernel (BERT-small 7.8
 * and 18.1, Qwen1.5-0.5B 3.5 and 3.3), not the kernels' classes.  Derived
 * with tests/bench/host-activity-fit.py from the Kineto JSON (mosaic's
 * importer keeps the CPU operators but not the Python functions).
 * workloads/ counts the activity of each layer kind (workload_host_kernel_ns).
 */
#define MODEL_HOST_LAUNCH_NS 12360
#define MODEL_HOST_OP_NS 3330
#define MODEL_HOST_PYCALL_NS 1240
/*
 * The backward's activity.  The autograd engine launches the backward
 * kernels from its own C++ thread: no Python runs there (0 Python function
 * events on the autograd thread of VGG13's trace, recorded with Python
 * stacks).  ATen CPU operators per launch on that thread, counted in the
 * three training traces of ../shared/external-traces (tests/bench/
 * host-backward-count.py): 1.81 (VGG13, H100, one iteration with Adam,
 * triosim; 180 launches), 2.44 (ResNet-50, V100, the kineto tb_plugin
 * sample; 3540), 3.13 (a CNN under DDP, V100, Holistic Trace Analysis;
 * 3820); the median, 2.44, is this constant.  With the activity fit above a
 * backward kernel costs 12.36 + 2.44 x 3.33 = 20.5 us (predicted; the class
 * constants charged 26.5-70 us).  Against each trace's own median launch
 * interval on that thread (measured, its own CPU and PyTorch): VGG13 on the
 * H100 11.0 us where the fit with its own count says 18.4 (+67 %), ResNet-50
 * 52.0 us against 20.5 (-61 %), the DDP CNN 22.2 against 22.8 (+3 %).  The
 * optimizer keeps the class constants: the one H100 training trace's Adam
 * step waits for the GPU (27.3 ms for 49 launches) and the V100 ResNet-50's
 * per-parameter SGD (37 us median a launch, 3 launches a parameter) is
 * neither Adam nor an H100 host, so no measured trace gives an H100
 * optimizer's CPU time or its kernels per parameter.
 */
#define MODEL_HOST_BWD_OPS_PER_LAUNCH 2.44
/*
 * A framework's graph executor (MODEL_LAUNCH_EXECUTOR): the kernels of a
 * TensorFlow graph (tf.function; Keras' model.fit runs each training step as
 * one unless run_eagerly) are issued by TensorFlow's C++ executor with no
 * Python between them.  No trace of TensorFlow is among our inputs, so its
 * per-kernel CPU time is taken from the nearest measured case, autograd's
 * C++ thread above: a launch and MODEL_HOST_BWD_OPS_PER_LAUNCH CPU
 * operators, no Python call, i.e. model_host_activity_ns(h, 1,
 * MODEL_HOST_BWD_OPS_PER_LAUNCH, 0) = 20.5 us on the H100 host (12.36 +
 * 2.44 x 3.33), for every kernel of every phase.  Two assumptions, stated,
 * not measured or fitted (nothing here was fitted to a TensorFlow
 * measurement): (1) TensorFlow's executor costs per kernel what ATen's
 * dispatch does; (2) one host thread issues the kernels one after another,
 * as the host stream model does: TensorFlow's executor runs the operators
 * that are ready on an inter-op thread pool, so a graph with independent
 * branches may issue faster than modelled (a chain of layers, as ResNet's
 * is, has few ready at once).  Under this mode model_host_activity_ns
 * charges no Python calls.
 */
/*
 * The hosts of the other traces (model_host_init_cpu with "a100-traces" or
 * "v100-traces"), from the machines that recorded the A100 and V100 traces
 * in ../shared/external-traces, which were recorded without Python
 * stacks: per GPU, the launch intervals on each thread (the same intervals
 * as the H100 fit, those above 1 ms dropped) fitted by least squares as a
 * launch + b x the ATen CPU operators starting in the interval on that
 * thread (tests/bench/host-gpu-fit.py, in make bench-host; Python's time is
 * inside a and b, so a Python call costs 0 there); the class constants are
 * the pooled mean interval per class, as `mosaic model host` prints them
 * (classes without intervals get the pooled mean over all classes).
 *  - A100 (compute capability 8.0): four training traces of Holistic Trace
 *    Analysis (a CNN under DDP, PARAM AlexNet's forward, a recommendation
 *    model, a torchrec model; 19708 intervals): 33.52 us a launch + 6.35 us
 *    an operator.  The traces disagree: their mean intervals are 134.7,
 *    120.6, 36.9 and 35.0 us at 2.4-4.0 operators a launch, so the fit
 *    gives their issue times -62.5, -59.6, +59.6 and +49.9 %, and leaving
 *    each out of the fit -76.3, -59.8, +116.5 and +69.7 % for the trace left
 *    out.  Class means: gemm 58.4, conv 20.0, elementwise 46.0, reduction
 *    88.5, memory 53.7, communication 189.6, unknown 20.0, attention (none
 *    seen) the pooled 55.0 us.
 *  - V100 (compute capability 7.0): a CNN under DDP (V100-SXM2, Holistic
 *    Trace Analysis) and ResNet-50 (V100-DGXS, the kineto tb_plugin sample;
 *    15144 intervals): 60.15 us a launch + 1.62 us an operator; their issue
 *    times +6.9 and -4.3 %; each fitted alone and charged to the other, +65.2
 *    % (the CNN from ResNet-50's fit) and -8.9 %.  Class means: gemm 50.3,
 *    conv 67.3, elementwise 58.6, reduction 155.1, memory 42.8, the rest
 *    the pooled 64.7 us.
 * The CNN V100 and torchrec A100 traces are GPU-bound (2.5 % and 67.7 %
 * idle, 19.5 % and 5.5 % of their gaps waiting for the host): some of their
 * intervals are the host waiting on a full queue, not CPU work.  All
 * predicted, measured under the profiler.
 *
 * Which host a prediction uses (one rule for the simulator, the planner,
 * `mosaic synth` and `mosaic validate`): the host CPU is a property of the
 * machine, not of the GPU, so no GPU selects a host.  Every GPU gets
 * MODEL_HOST_CPU_DEFAULT, the H100 traces' host, unless the workload names
 * another ("cluster": {"cpu": "a100-traces"}; `mosaic synth --cpu`).  Why
 * that one: it is the only fit that predicts a trace it was not fitted on
 * (leave-one-out -5.9..+11.8 % over four models), while the A100 traces'
 * own four machines disagree 3.8x (35.0 to 134.7 us a launch) and predict
 * each other -76..+117 %: what separates them is the machine and the
 * program, not the A100.  The CPUs are not recorded in any of these traces
 * (Kineto stores the GPU's properties, not the CPU's), and neither is the
 * CPU of the measured sets validate reads (MISO's and ParvaGPU's
 * repositories and papers' abstracts name the A100 only), so no measured
 * host matches them; `mosaic validate` prints the rows again with the host
 * of each GPU's own traces as a sensitivity row.  So the default is a
 * convention, not a finding: the H100 traces are one machine (their
 * leave-one-out is across models, not machines), recorded with Python
 * stacks (the profiler's overhead is inside their constants), and nothing
 * shows they predict an unknown host better than the A100 fits.  A user's machine: `mosaic
 * model host TRACE` fits its constants from a trace of it.
 */
#define MODEL_HOST_A100_LAUNCH_NS 33520
#define MODEL_HOST_A100_OP_NS 6350
#define MODEL_HOST_V100_LAUNCH_NS 60150
#define MODEL_HOST_V100_OP_NS 1620
/* The launch call itself (the last part of a kernel's CPU time): median
 * cudaLaunchKernel duration 4.5 us in the ViT-B, BERT-small and OWLv2 traces,
 * 3.2 us in Qwen1.5-0.5B (measured, under the profiler). */
#define MODEL_HOST_CALL_NS 4500
/* One graph launch of a captured sequence, CPU: not measured in our traces.
 * 8 us is the CPU time CUDA.jl's documentation (cuda.juliagpu.org, "Graphs")
 * reports for launching a captured 4-layer MLP as a graph (3.5 us for an
 * 80-kernel ODE step; 50 us for the same MLP launched kernel by kernel).
 * NVIDIA's CUDA Programming Guide (section 4.2, CUDA Graphs) says only that
 * a graph launches "with very little overhead"; a third-party measurement
 * (ahrefs/ocannl issue 488: RTX 5070 Ti, CUDA 13.3) puts a replay plus its
 * synchronisation at about 15 us + 0.58 us per node.  The GPU-side spacing
 * of a graph's kernels is not modelled (they run back to back). */
#define MODEL_HOST_GRAPH_LAUNCH_NS 8000
/* Launched, unfinished kernels a stream's queue holds before a launch into
 * it blocks the host (the simulator enforces it: engine_sim_set_queue_depth).
 * CUDA documents no such limit for host launches (the documented
 * cudaLimitDevRuntimePendingLaunchCount, 2048 by default, bounds device-side
 * launches only).  Measured by a user (NVIDIA developer forum, "CUDA stream
 * are blocked when launch lots of kernels (>1000)", 2018, also on Stack
 * Overflow 53970187): launches return in 4-5 us until about 1000 kernels are
 * pending on a stream, then at the kernels' pace; three streams each held
 * about 1000, and raising the device-runtime limit changed nothing.  At
 * least 777 were in flight in the OWLv2 trace (measured lower bound).  1024
 * is the commonly reported figure; per stream. */
#define MODEL_HOST_QUEUE_DEPTH 1024
/* Longer intervals between launches are not dispatch (data loading,
 * synchronisation) and are left out of the fit. */
#define MODEL_HOST_MAX_INTERVAL_NS 1000000

/*
 * Who issues the kernels (the simulator and the planner's cost model charge
 * each kernel's CPU time to that thread):
 *  - MODEL_HOST_PER_SLOT ("per-slot", the default): one issuing thread (or
 *    process) per colocated module (slot), as Mosaic's engine drives each
 *    module's partition from its own thread; their CPU time overlaps;
 *  - MODEL_HOST_PER_GPU ("per-gpu"): one thread per GPU issues every module
 *    of the GPU in schedule order (mosaic's own CUDA backend; also what the
 *    GIL makes of several Python threads in one process); CPU times add up;
 *  - MODEL_HOST_NONE ("none"): no CPU cost, only the launch gap between
 *    kernels (mosaic before host modelling).
 */
enum model_host_issue { MODEL_HOST_PER_SLOT = 0, MODEL_HOST_PER_GPU = 1, MODEL_HOST_NONE = 2 };
const char *model_host_issue_name(int issue); /* "per-slot", "per-gpu", "none"; "unknown" */
int model_host_issue_parse(const char *s);    /* -1 when unknown */
const char *model_launch_name(int mode);      /* "eager", "graphs", "executor" */
int model_launch_parse(const char *s);        /* -1 when unknown */

enum model_launch_mode {
	MODEL_LAUNCH_EAGER = 0,  /* every kernel dispatched by Python/ATen */
	MODEL_LAUNCH_GRAPHS = 1, /* a captured CUDA graph replayed: one launch per sequence */
	MODEL_LAUNCH_EXECUTOR = 2, /* a framework's C++ graph executor issues each kernel, no
	                              Python (TensorFlow's tf.function, which Keras' model.fit
	                              runs a step as): every kernel of every phase costs a
	                              launch and MODEL_HOST_BWD_OPS_PER_LAUNCH operators, issued
	                              one after another (both assumptions, stated above) */
};

struct model_host {
	int mode;                                /* enum model_launch_mode */
	int64_t kernel_cpu_ns[TRACE_CLASS_COUNT]; /* eager CPU time per kernel, by class */
	int64_t graph_launch_ns;                 /* CPU time of one graph launch */
	int queue_depth;                         /* launches in flight before the host blocks */
	int64_t launch_ns, op_ns, pycall_ns;     /* eager CPU time per launch, CPU operator
	                                            and Python call (model_host_activity_ns) */
};
/* The measured hosts (see "Which host a prediction uses" above): the
 * machines that recorded the H100, the A100 and the V100 traces. */
enum model_host_cpu {
	MODEL_HOST_CPU_H100_TRACES = 0,
	MODEL_HOST_CPU_A100_TRACES = 1,
	MODEL_HOST_CPU_V100_TRACES = 2,
	MODEL_HOST_CPU_COUNT = 3,
	MODEL_HOST_CPU_DEFAULT = MODEL_HOST_CPU_H100_TRACES,
};
const char *model_host_cpu_name(int cpu); /* "h100-traces", "a100-traces", "v100-traces" */
int model_host_cpu_parse(const char *s);  /* -1 when unknown */
/* The constants above for mode on host cpu (enum model_host_cpu; out of
 * range: the default). */
void model_host_init_cpu(struct model_host *h, int mode, int cpu);
/* The same on MODEL_HOST_CPU_DEFAULT, whatever the GPU. */
void model_host_init(struct model_host *h, int mode);
/* The host whose traces were recorded with gpu's kind (compute capability
 * 8.0: a100-traces, 7.0: v100-traces, else h100-traces): not what any
 * prediction uses, only validate's sensitivity row. */
int model_host_cpu_of_gpu(const struct model_gpu *gpu);
/*
 * One host thread issuing a stream of kernels while the GPU runs ahead of it
 * or waits for it: kernel i is issued when the host has spent its CPU time
 * cpu_ns (what the simulator charges it: workload_host_kernel_ns for a
 * synthesised kernel, model_host_kernel_ns by class otherwise; host_ns +=
 * cpu_ns) and starts at max(issued, the previous
 * kernel's end).  The stream lasts end_ns = max over the stream of host
 * issue and GPU work, in order.  The launch queue depth is not modelled
 * here (MODEL_HOST_QUEUE_DEPTH is far above a batch's kernels; the
 * simulator enforces it).  Under graphs the
 * host spends one graph launch before the first kernel.
 */
struct model_host_stream {
	double host_ns, end_ns;
};
void model_host_stream_init(const struct model_host *h, struct model_host_stream *s);
void model_host_stream_add(struct model_host_stream *s, double cpu_ns, double gpu_ns);
/* The records of a host thread's launches (the simulator's and a launched
 * `mosaic synth`'s): the THREAD record of thread `thread` ("simulated host
 * thread"), and the API call ("cudaLaunchKernel", cuda_runtime) that
 * launched an activity with `correlation` at launch_ns after cpu_ns of CPU
 * work: its last MODEL_HOST_CALL_NS (or all of it when shorter). */
void model_host_thread(struct trace_record *rec, int thread);
void model_host_call(struct trace_record *rec, int thread, int64_t launch_ns, int64_t cpu_ns,
		     int64_t correlation);
/* Eager CPU time of `launches` launches with `ops` CPU operators and
 * `pycalls` Python function calls around them (0 under graphs). */
double model_host_activity_ns(const struct model_host *h, double launches, double ops,
			      double pycalls);
/* CPU time to dispatch one kernel of kclass (0 under graphs). */
int64_t model_host_kernel_ns(const struct model_host *h, int kclass);
/* CPU time of one kernel issued from C++ with no Python between kernels
 * (autograd's backward thread; a graph executor, MODEL_LAUNCH_EXECUTOR): a
 * launch and MODEL_HOST_BWD_OPS_PER_LAUNCH CPU operators (0 under graphs). */
int64_t model_host_cpp_kernel_ns(const struct model_host *h);
/* A measurement's launch (enum model_meas_launch) for a launch mode (enum
 * model_launch_mode), and back (-1 for MODEL_MEAS_LAUNCH_UNKNOWN). */
int model_meas_launch_of(int mode);
int model_launch_of_meas(int launch);
/* CPU time to issue a sequence with per_class[c] kernels of class c (under
 * graphs: one graph launch). */
int64_t model_host_sequence_ns(const struct model_host *h, const int64_t per_class[]);

/* The fit: accumulate one or more traces with host records, then turn the
 * pooled means into a model_host (classes without intervals get the pooled
 * mean over all classes). */
struct model_host_fit {
	uint64_t launches;   /* enqueue calls matched to a GPU activity */
	uint64_t intervals;  /* kept intervals */
	uint64_t dropped;    /* intervals above MODEL_HOST_MAX_INTERVAL_NS */
	int64_t issue_ns;    /* sum of kept intervals */
	int64_t sum_ns[TRACE_CLASS_COUNT];
	uint64_t n[TRACE_CLASS_COUNT];
};
void model_host_fit_init(struct model_host_fit *f);
int model_host_fit_add(struct model_host_fit *f, const struct trace_mem *t, struct mo_err *err);
void model_host_from_fit(const struct model_host_fit *f, struct model_host *h);

/* ------------------------------------------------------------------------ */
/* JSON field readers (model/json.c)                                        */
/* ------------------------------------------------------------------------ */

/*
 * The one path-aware reader of the JSON files mosaic reads with jansson
 * (model/ is the lowest library that links it): every message names the
 * file and the field's path in the same words,
 *   cannot read plan 'x.json': placement[2].partitions[0].sms: expected an integer
 * A struct model_json says what the file is (what: "plan", "calibration", "workload", "GPU file", "cluster"),
 * its name (file) and where errors go (err).  path is the path of the object
 * read ("" at the top level, "placement[2]"), key one of its fields.  Each
 * function returns 0, or -MO_EINPUT with err filled; none allocates.
 */
struct json_t;
struct model_json {
	const char *what;
	const char *file;
	struct mo_err *err;
};
/*
 * model_json_load reads the JSON file j->file, a regular file of at most max
 * bytes (mo_read_file: FIFOs and devices refused, bounded before parsing),
 * into *root (the caller json_decrefs it), parsed with jansson's flags
 * (JSON_REJECT_DUPLICATES, ...).  model_json_parse does the same from len
 * bytes of text.  0, or a negative status with *root NULL: mo_read_file's,
 * or -MO_EINPUT "cannot parse <what> '<file>': line L, column C: <why>".
 * The largest JSON file mosaic reads (a plan of 8192 GPUs is ~10 MB):
 */
#define MODEL_JSON_MAX_BYTES (256L << 20)
int model_json_load(const struct model_json *j, size_t max, size_t flags, struct json_t **root);
int model_json_parse(const struct model_json *j, const char *text, size_t len, size_t flags,
		     struct json_t **root);
/* -MO_EINPUT: "cannot read <what> '<file>': <path>: <message>" (no path when ""). */
int model_json_fail(const struct model_json *j, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* obj is an object and each of its keys is in allowed (NULL-terminated). */
int model_json_keys(const struct model_json *j, struct json_t *obj, const char *path,
		    const char *const *allowed);
/* *out = obj's field key ("missing field" when absent). */
int model_json_field(const struct model_json *j, struct json_t *obj, const char *path,
		     const char *key, struct json_t **out);
/* The field is an integer in [lo, hi]. */
int model_json_int(const struct model_json *j, struct json_t *obj, const char *path,
		   const char *key, int64_t lo, int64_t hi, int64_t *out);
/* The field is a finite number in [lo, hi]. */
int model_json_num(const struct model_json *j, struct json_t *obj, const char *path,
		   const char *key, double lo, double hi, double *out);
/* The field is a string of fewer than cap bytes with no NUL, copied to dst. */
int model_json_str(const struct model_json *j, struct json_t *obj, const char *path,
		   const char *key, char *dst, size_t cap);
/* The field is an array of at most max entries (*out). */
int model_json_array(const struct model_json *j, struct json_t *obj, const char *path,
		     const char *key, size_t max, struct json_t **out);
/*
 * The same checks on a value v whose own path is path (an array element, or
 * a field a reader found walking a table of fields, as the workload spec
 * reader does); the field readers above are these after the lookup.  Every
 * type error names what the value is ("expected an integer, got a string");
 * a range error the value and the range ("0 is out of range [1, 1048576]").
 * An integer may be written as an integral number (224.0: JSON has one
 * number type; below 2^53, exact).  An enum is a string among names (a
 * NULL-terminated list, compared without case; *out its index; the error
 * lists them).
 */
int model_json_v_int(const struct model_json *j, struct json_t *v, const char *path, int64_t lo,
		     int64_t hi, int64_t *out);
int model_json_v_num(const struct model_json *j, struct json_t *v, const char *path, double lo,
		     double hi, double *out);
int model_json_v_str(const struct model_json *j, struct json_t *v, const char *path, char *dst,
		     size_t cap);
int model_json_v_bool(const struct model_json *j, struct json_t *v, const char *path, int *out);
int model_json_v_enum(const struct model_json *j, struct json_t *v, const char *path,
		      const char *const *names, int *out);
int model_json_v_object(const struct model_json *j, struct json_t *v, const char *path);
int model_json_v_array(const struct model_json *j, struct json_t *v, const char *path, size_t max);

#endif
