/*
 * model.h - the performance model: GPU specs, occupancy, kernel classes,
 * kernel time under an SM quota, kernel time from shape, module scaling
 * curves and colocation interference.
 *
 * The model predicts; it never reads the simulator (engine/), whose results
 * it is checked against.  Every number it returns is a prediction.
 *
 * CORE CONTRACT (used by workloads/, planner/, engine/): the declarations in
 * this first part keep their names and meaning; add, do not rename.
 */
#ifndef MOSAIC_MODEL_H
#define MOSAIC_MODEL_H

#include <stdint.h>

#include "traces/traces.h"

/* ------------------------------------------------------------------------ */
/* GPU specs                                                                */
/* ------------------------------------------------------------------------ */

struct model_gpu {
	char name[64];        /* as CUDA reports it: "NVIDIA H100 80GB HBM3" */
	char short_name[32];  /* "h100", "a100-80gb-pcie", ... */
	int cc_major, cc_minor;
	int sms;
	int clock_mhz;        /* boost clock */
	int64_t mem_bytes;
	/* per-SM and per-block limits (the CUDA occupancy rules) */
	int warp_size;
	int max_threads_per_sm, max_threads_per_block, max_warps_per_sm, max_blocks_per_sm;
	int regs_per_sm, regs_per_block, max_regs_per_thread, reg_alloc_unit; /* unit: registers per warp */
	int smem_per_sm, smem_per_block, smem_per_block_optin, smem_reserved_per_block, smem_alloc_unit;
	/* throughput */
	double hbm_gbps;      /* DRAM bandwidth, GB/s (1e9 B/s) */
	int64_t l2_bytes;
	double fp32_tflops, tf32_tflops, bf16_tflops, fp8_tflops; /* dense peaks */
	double nvlink_gbps;   /* per GPU, per direction; 0 when none */
	double pcie_gbps;     /* per direction */
	/* green-context partition lattice: quotas are min_sms + i * step_sms, <= sms */
	int part_min_sms, part_step_sms;
};

/*
 * Find a GPU by short name ("h100"), full CUDA name ("NVIDIA H100 80GB HBM3")
 * or a trace's GPU name, case-insensitively; NULL and err filled (listing the
 * known names) when none matches.  Built-in specs plus any loaded by
 * model_gpu_load_file().
 */
const struct model_gpu *model_gpu_find(const char *name, struct mo_err *err);
/* Add the GPUs described in a JSON file (an array of objects with the field
 * names of struct model_gpu); they take precedence over built-in ones. */
int model_gpu_load_file(const char *path, struct mo_err *err);
/* The number of known GPUs and the i-th one, for listings. */
int model_gpu_count(void);
const struct model_gpu *model_gpu_at(int i);

/* 0 when sms is a quota on gpu's partition lattice, else -MO_EINPUT with err
 * saying the nearest valid quotas. */
int model_quota_check(const struct model_gpu *gpu, int sms, struct mo_err *err);

/* ------------------------------------------------------------------------ */
/* Occupancy and classes                                                    */
/* ------------------------------------------------------------------------ */

/* Resident blocks per SM of a kernel, by the CUDA rules (0 if it cannot run). */
int model_blocks_per_sm(const struct model_gpu *gpu, int threads_per_block,
			int regs_per_thread, int smem_per_block);

/* The class of a kernel (enum trace_kernel_class) from its name and launch. */
int model_classify(const struct trace_kernel *k);

/* ------------------------------------------------------------------------ */
/* Kernel time                                                              */
/* ------------------------------------------------------------------------ */

enum model_dtype { MODEL_FP32, MODEL_TF32, MODEL_BF16, MODEL_FP16, MODEL_FP8 };
int model_dtype_parse(const char *s);        /* -1 when unknown */
const char *model_dtype_name(int dtype);
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
	MODEL_OP_OPTIMIZER,   /* fused Adam over bytes of state */
	MODEL_OP_MEMORY,      /* copies, embedding gathers: bytes given */
};
struct model_op {
	int kind;      /* enum model_op_kind */
	int dtype;     /* enum model_dtype */
	int64_t b, m, n, k;
	int causal;    /* attention */
	int64_t flops; /* work, when the kind needs it given */
	int64_t bytes; /* DRAM traffic, when the kind needs it given */
};

/*
 * Launch configuration the library (cuBLAS/CUTLASS/flash) would choose for op
 * on gpu: grid, block, registers per thread, shared memory.  Fills the launch
 * and kclass fields of k (others untouched).
 */
void model_op_launch(const struct model_gpu *gpu, const struct model_op *op, struct trace_kernel *k);

/* Predicted time of op on sms SMs of gpu (sms = gpu->sms for the whole GPU). */
int64_t model_op_ns(const struct model_gpu *gpu, const struct model_op *op, int sms);

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

#endif
