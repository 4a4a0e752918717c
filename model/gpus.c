/*
 * gpus.c - built-in GPU specs, the registry, lookup by name and the
 * green-context quota lattice.
 *
 * Where the numbers come from:
 *  - SM counts, clocks, memory, HBM bandwidth, L2, peak rates, NVLink and PCIe:
 *    NVIDIA's product data sheets (H100 Tensor Core GPU data sheet, H200 data
 *    sheet, A100 Tensor Core GPU data sheet, V100 data sheet, HGX B200 / DGX
 *    B200 data sheet, L4 and T4 data sheets) and the architecture white papers
 *    (Hopper "NVIDIA H100 Tensor Core GPU Architecture", Ampere "NVIDIA A100
 *    Tensor Core GPU Architecture", Volta "NVIDIA Tesla V100 GPU
 *    Architecture").  Tensor rates are the dense (not 2:4 sparse) figures.
 *  - INT8 tensor TOP/s (int8_tops), the data sheets' "INT8 Tensor Core" rows,
 *    halved where the sheet gives only the 2:4-sparse figure (marked "*"):
 *    A100 (SXM and PCIe, 40 and 80 GB) 624 dense (1248*); H100 SXM 3958* ->
 *    1979, H100 PCIe 3026* -> 1513 (H100 data sheet); H200 3958* -> 1979;
 *    L40 "Peak INT8 Tensor TOPS" 362 dense (724*), equal to its FP8 figure;
 *    L4 485* -> 242.5; T4 130 (no sparsity on Turing); HGX B200 72 POPS* for
 *    eight GPUs -> 4500 dense each (as its FP8); V100: no INT8 tensor cores
 *    (0: INT8 work at the FP16 tensor peak, model_gpu_peak_tflops).  The
 *    V100 data sheet and the Volta white paper give no INT8 figure; its
 *    INT8 path off the tensor cores is DP4A, 4 products per FP32 lane, a
 *    derived ~62.8 TOP/s on the SXM2 (4 x 15.7), not a vendor figure, and
 *    below the FP16 tensor peak (125) that TensorRT would then build an
 *    INT8 engine's layers on, so the FP16 peak is kept.
 *    NVLink and PCIe are per direction (half the data sheets' bidirectional
 *    totals).
 *  - Per-SM and per-block limits and allocation units: the CUDA C++
 *    Programming Guide, "Compute Capabilities" (technical specifications per
 *    compute capability) and the CUDA Occupancy Calculator's per-capability
 *    constants (warp allocation granularity 4, register allocation unit 256
 *    registers per warp, shared memory allocation unit 256 B on cc 7.x and
 *    128 B on cc >= 8.0, 1 KB of shared memory reserved per block on
 *    cc >= 8.0).  The per-block and per-SM shared memory figures match the
 *    deviceProperties that the external Kineto traces carry (A100: 167936 /
 *    166912 optin; V100: 98304; H100: 233472 / 232448 optin).
 *  - Green-context lattice: CUDA Driver API, "Green Contexts" (CUDA 12.4):
 *    cuDevSmResourceSplitByCount rounds minCount up: 6.X minimum 1 SM; 7.X
 *    minimum 2 SMs, multiples of 2; 8.X minimum 4 SMs, multiples of 2; 9.0+
 *    minimum 8 SMs, multiples of 8 (Blackwell included).
 */
#include "model/model.h"
#include "model/model-internal.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GB (1000LL * 1000 * 1000)
#define GIB (1024LL * 1024 * 1024)
#define MB (1024LL * 1024)

/* The per-SM limits that differ by compute capability (see the header
 * comment); cc 8.6 allows 16 blocks per SM, 8.7 and 8.9 24. */
struct cc_row {
	int cc, threads_per_sm, blocks_per_sm, smem_per_sm, smem_optin, smem_reserved, smem_unit,
		l1_kib;
};
static const struct cc_row cc_rows[] = {
	{ 70, 2048, 32, 98304, 98304, 0, 256, 128 },	   /* V100 */
	{ 72, 2048, 32, 98304, 98304, 0, 256, 128 },
	{ 75, 1024, 16, 65536, 65536, 0, 256, 96 },	   /* T4 */
	{ 80, 2048, 32, 167936, 166912, 1024, 128, 192 },  /* A100 */
	{ 86, 1536, 16, 102400, 101376, 1024, 128, 128 },  /* GA10x */
	{ 87, 1536, 24, 102400, 101376, 1024, 128, 128 },
	{ 89, 1536, 24, 102400, 101376, 1024, 128, 128 },  /* L4 (Ada) */
	{ 90, 2048, 32, 233472, 232448, 1024, 128, 256 },  /* H100, H200 */
	{ 100, 2048, 32, 233472, 232448, 1024, 128, 256 }, /* B200 */
};

/* Limits by compute capability. */
static int cc_limits(struct model_gpu *g)
{
	int cc = g->cc_major * 10 + g->cc_minor;
	const struct cc_row *r = NULL;

	for (size_t i = 0; i < sizeof(cc_rows) / sizeof(cc_rows[0]); i++)
		if (cc_rows[i].cc == cc)
			r = &cc_rows[i];
	g->warp_size = 32;
	g->max_threads_per_block = 1024;
	g->regs_per_sm = 65536;
	g->regs_per_block = 65536;
	g->max_regs_per_thread = 255;
	g->reg_alloc_unit = 256;
	g->smem_per_block = 49152;
	if (!r)
		return -1;
	g->max_threads_per_sm = r->threads_per_sm;
	g->max_blocks_per_sm = r->blocks_per_sm;
	g->smem_per_sm = r->smem_per_sm;
	g->smem_per_block_optin = r->smem_optin;
	g->smem_reserved_per_block = r->smem_reserved;
	g->smem_alloc_unit = r->smem_unit;
	g->l1_smem_per_sm = r->l1_kib * 1024;
	g->max_warps_per_sm = g->max_threads_per_sm / g->warp_size;
	g->part_min_sms = g->cc_major >= 9 ? 8 : g->cc_major == 8 ? 4 : 2;
	g->part_step_sms = g->cc_major >= 9 ? 8 : 2;
	return 0;
}

int model_gpu_fill_cc_limits(struct model_gpu *gpu, struct mo_err *err)
{
	if (cc_limits(gpu) < 0)
		return mo_err_set(err, MO_EINPUT,
				  "gpu '%s': compute capability %d.%d is not supported (7.0, 7.5, 8.0, 8.6, 8.9, 9.0, 10.0)",
				  gpu->name, gpu->cc_major, gpu->cc_minor);
	return 0;
}

/* One built-in GPU: the data-sheet facts; limits come from cc_limits(). */
struct builtin {
	const char *name, *short_name;
	int cc_major, cc_minor, sms, clock_mhz;
	int64_t mem_bytes;
	double hbm_gbps;
	int64_t l2_bytes;
	double fp32, tf32, bf16, fp16, fp8, nvlink, pcie;
	/* kernel-from-shape calibration (model/op.c; fitted with `mosaic model
	 * calibrate` on the NeuSight training split; 0 = defaults) */
	double simt_eff, launch_ns, k0;
	double tdp_w;         /* board power limit, W (data sheets) */
	double int8;          /* dense INT8 tensor TOP/s (data sheets; 0 = none) */
};

static const struct builtin builtins[] = {
	/* H100 SXM5 80GB: 132 SMs, 1980 MHz boost, HBM3 3.35 TB/s, L2 50 MB,
	 * FP32 67 TF, TF32 494.7, BF16/FP16 989.4, FP8 1978.9 (dense),
	 * NVLink 900 GB/s total, PCIe Gen5 128 GB/s total. */
	{ "NVIDIA H100 80GB HBM3", "h100", 9, 0, 132, 1980, 80 * GIB, 3352, 50 * MB,
	  66.9, 494.7, 989.4, 989.4, 1978.9, 450, 64, 0, 0, 0, 700, 1979 },
	/* H100 PCIe: 114 SMs, 1755 MHz, HBM2e 2.0 TB/s, FP32 51.2, TF32 378,
	 * BF16 756, FP8 1513; NVLink bridge 600 GB/s total. */
	{ "NVIDIA H100 PCIe", "h100-pcie", 9, 0, 114, 1755, 80 * GIB, 2039, 50 * MB,
	  51.2, 378, 756, 756, 1513, 300, 64, 0, 0, 0, 350, 1513 },
	/* H200 SXM: H100 SXM compute, 141 GB HBM3e at 4.8 TB/s. */
	{ "NVIDIA H200", "h200", 9, 0, 132, 1980, 141 * GB, 4800, 50 * MB,
	  66.9, 494.7, 989.4, 989.4, 1978.9, 450, 64, 0, 0, 0, 700, 1979 },
	/* A100 SXM4: 108 SMs, 1410 MHz, FP32 19.5, TF32 156, BF16/FP16 312, no
	 * FP8; 80 GB HBM2e 2039 GB/s, 40 GB HBM2 1555 GB/s; L2 40 MB; NVLink
	 * 600 GB/s total; PCIe Gen4 64 GB/s total. */
	{ "NVIDIA A100-SXM4-80GB", "a100-80gb-sxm", 8, 0, 108, 1410, 80 * GIB, 2039, 40 * MB,
	  19.5, 156, 312, 312, 0, 300, 32, 0, 0, 0, 400, 624 },
	{ "NVIDIA A100-SXM4-40GB", "a100-40gb-sxm", 8, 0, 108, 1410, 40 * GIB, 1555, 40 * MB,
	  19.5, 156, 312, 312, 0, 300, 32, 0, 0, 0, 400, 624 },
	/* A100 PCIe: same chip; 80 GB HBM2e 1935 GB/s, 40 GB 1555 GB/s; NVLink
	 * bridge (2 GPUs) 600 GB/s total. */
	{ "NVIDIA A100 80GB PCIe", "a100-80gb-pcie", 8, 0, 108, 1410, 80 * GIB, 1935, 40 * MB,
	  19.5, 156, 312, 312, 0, 300, 32, 0, 0, 0, 300, 624 },
	{ "NVIDIA A100-PCIE-40GB", "a100-40gb-pcie", 8, 0, 108, 1410, 40 * GIB, 1555, 40 * MB,
	  19.5, 156, 312, 312, 0, 300, 32, 0, 0, 0, 250, 624 },
	/* PG509-200: the A100 SXM4 40 GB board of Meta's servers (108 SMs,
	 * 42297524224 bytes in the HTA traces' deviceProperties). */
	{ "NVIDIA A100-PG509-200", "a100-pg509", 8, 0, 108, 1410, 42297524224LL, 1555, 40 * MB,
	  19.5, 156, 312, 312, 0, 300, 32, 0, 0, 0, 400, 624 },
	/* V100: 80 SMs, HBM2 900 GB/s, L2 6 MB, no TF32/BF16; SXM2 1530 MHz FP32
	 * 15.7, FP16 tensor 125, NVLink 300 GB/s total; PCIe 1380 MHz FP32 14,
	 * FP16 tensor 112; PCIe Gen3 32 GB/s total.  DGXS (DGX Station) = SXM2
	 * clocks. */
	{ "Tesla V100-SXM2-32GB", "v100-sxm2", 7, 0, 80, 1530, 32 * GIB, 900, 6 * MB,
	  15.7, 0, 0, 125, 0, 150, 16, 0, 0, 0, 300, 0 },
	{ "Tesla V100-PCIE-32GB", "v100-pcie", 7, 0, 80, 1380, 32 * GIB, 900, 6 * MB,
	  14.0, 0, 0, 112, 0, 0, 16, 0, 0, 0, 250, 0 },
	{ "Tesla V100-DGXS-32GB", "v100-dgxs", 7, 0, 80, 1530, 32 * GIB, 900, 6 * MB,
	  15.7, 0, 0, 125, 0, 150, 16, 0, 0, 0, 300, 0 },
	/* B200 (HGX B200 data sheet, per GPU): HBM3e 8 TB/s, 180 GB, BF16/FP16
	 * 2250, TF32 1100, FP8 4500 TFLOP/s dense, NVLink 5 1.8 TB/s total.
	 * Not from an NVIDIA data sheet (less certain): 148 SMs and a 1980 MHz
	 * boost clock as CUDA tools report them, FP32 = 148 x 128 FMA x 2 x
	 * 1.98 GHz = 75 TFLOP/s, L2 126 MB (two dies). */
	{ "NVIDIA B200", "b200", 10, 0, 148, 1980, 180 * GB, 8000, 126 * MB,
	  75.0, 1100, 2250, 2250, 4500, 900, 64, 0, 0, 0, 1000, 4500 },
	/* L40 (data sheet): 142 SMs, 2490 MHz boost, 48 GB GDDR6 864 GB/s, L2
	 * 96 MB, FP32 90.5, TF32 90.5, FP8 362 TFLOP/s dense, no NVLink, PCIe
	 * Gen4 64 GB/s total, 300 W.  BF16/FP16: 362, not the data sheet's 181
	 * "dense": torch.matmul fp16 on a whole L40 measured 245.7 TFLOP/s
	 * (../shared/external-measurements/l40-matmul-mps, 4096^3 in 0.56 ms;
	 * 192 at 16384^3), above 181, which a dense rate cannot be; the chip's
	 * rate is AD102's 1024 FP16 tensor flops per SM and clock (Ada
	 * whitepaper: RTX 4090, 128 SMs at 2520 MHz, 330.3 TFLOP/s with FP16
	 * accumulate) x 142 SMs x 2.49 GHz = 362, the L40S data sheet's dense
	 * figure for the same 142 SMs; the file's throughput says torch ran at
	 * that rate (FP16 accumulation or a full-rate FP32 one).
	 * (model.h's clock knee for the L40 was fitted with 357 already.) */
	{ "NVIDIA L40", "l40", 8, 9, 142, 2490, 48 * GIB, 864, 96 * MB,
	  90.5, 90.5, 362, 362, 362, 0, 32, 0, 0, 0, 300, 362 },
	/* L4: 58 SMs, 2040 MHz, 24 GB GDDR6 300 GB/s, L2 48 MB, FP32 30.3, TF32
	 * 60, BF16/FP16 121, FP8 242.5 (dense); PCIe Gen4 64 GB/s total. */
	{ "NVIDIA L4", "l4", 8, 9, 58, 2040, 24 * GIB, 300, 48 * MB,
	  30.3, 60, 121, 121, 242.5, 0, 32, 0, 0, 0, 72, 242.5 },
	/* T4: 40 SMs, 1590 MHz, 16 GB GDDR6 320 GB/s, L2 4 MB, FP32 8.1, FP16
	 * tensor 65; PCIe Gen3. */
	{ "Tesla T4", "t4", 7, 5, 40, 1590, 16 * GIB, 320, 4 * MB,
	  8.1, 0, 0, 65, 0, 0, 16, 0, 0, 0, 70, 130 },
};
#define NBUILTIN ((int)(sizeof(builtins) / sizeof(builtins[0])))

/*
 * The registry (documented global state, see model.h): built-in specs made
 * once from the table, then user-loaded ones, which take precedence.
 */
static struct model_gpu builtin_specs[NBUILTIN];
static pthread_once_t builtin_once = PTHREAD_ONCE_INIT;
static struct model_gpu *loaded;
static int nloaded;
static size_t cloaded;

/* Calibration of the kernel-from-shape model (model/op.c), fitted on the
 * training split of the NeuSight GEMM timings with `mosaic model calibrate`
 * (see tests/bench/bench-model.c for the held-out error).  Indexed by short
 * name; GPUs not listed use the defaults of op.c.
 *
 * Tensor-core GEMMs (tc_eff, tc_fill_ns) are fitted on the H100 only: on
 * the 1853 GEMM kernels (30 shapes: cuBLAS sm90_xmma, CUTLASS sm80/sm75
 * and gemv kernels) of the four TraceLens H100 PyTorch traces in
 * ../shared/external-traces (Kineto records each kernel's time; the shapes
 * are the Input Dims of the aten op that launched it;
 * tests/bench/kineto-op-error.py computes the errors), by a grid search
 * (tc_eff 0.6, 0.7, 0.8, 0.9 x fill 0, 0.5, 1, 1.5, 2 us) minimising the
 * mean of the median and the mean absolute log error, kernels of one aten op
 * summed (a split-K GEMM's reduction kernel included), checked leaving one
 * trace out: each fit on three traces chose 0.8 and 1500 ns (2000 ns
 * without BERT-small), and the median error of the held-out trace fell
 * (ViT-B 30.3% -> 16.9%, Qwen1.5 10.0 -> 3.6, BERT-small 20.7 -> 9.3,
 * OWLv2 17.5 -> 5.8).
 *
 * A100 TF32 GEMMs (tc_eff 0.80, tc_fill_ns 5000) are fitted the same way on
 * the A100 TF32 tensor-core GEMMs (CUTLASS tensorop_s1688gemm kernels, an
 * fp32 aten op run as TF32) of two measured HTA traces in
 * ../shared/external-traces/holistic-trace-analysis, none of them a
 * validation set: trace_diff/control (A100-PG509-200, a recommendation
 * model, 1380 ops) and negative_queue_length_values_check/rank0
 * (A100-SXM4-80GB, torchrec, 10 ops), shapes with M, N, K multiples of 4
 * only (the align1 kernels of odd shapes run 45% slower than any
 * efficiency predicts: op.c's narrow-access rule, fitted on them).  Grid tc_eff 0.6..0.9 x fill
 * 0..8000 ns: the pooled optimum is 0.80 / 5000 (median |error| 31.1% ->
 * 16.5%, signed -31.1 -> -1.0; > 100 us GEMMs +13.5 -> +2.2); the fill,
 * not the efficiency, carries it (0.7..0.9 at 4-5 us score within 3%).
 * Leaving one trace out: fitted on control alone (0.80 / 5000), rank0's
 * median |error| falls 45.6 -> 18.8%; fitted on rank0's 10 ops alone
 * (0.80 / 8000), control's rises 31.1 -> 39.4%: rank0 alone is too small
 * to fit.  Shared by the A100 variants (one chip).  On the shared
 * measurements (`mosaic validate --measurements`, A100 rows) it moves the
 * ParvaGPU median |error| 24.2 -> 23.6% (with the cuDNN layout transposes
 * of workloads/synth.c).  Other GPUs keep the defaults: no data here
 * measures their tensor-core kernels one by one, so they take the
 * efficiency both fits came to, MODEL_DEFAULT_TC_EFF = 0.80, and no fill.
 * Checked, not fitted: the L40's fp16 GEMMs under MPS
 * (../shared/external-measurements/l40-matmul-mps) run at 83-93% of the
 * 362 TFLOP/s peak per SM at 15 SMs (2048^3..16384^3), so 0.80 is still
 * low for the L40 (validate: +27 -> +12% signed on those 50 rows). */
static const struct {
	const char *short_name;
	double simt_eff, launch_ns, k0, tc_eff, tc_fill_ns;
} calib[] = {
	/* fitted (held-out median errors in bench-model); GPUs sharing a chip
	 * share the fit of the measured one */
	{ "h100", 0.74, 0, 9, 0.80, 1500 },
	{ "h100-pcie", 0.74, 0, 9, 0.80, 1500 },
	{ "h200", 0.74, 0, 9, 0.80, 1500 },
	{ "a100-80gb-pcie", 0.96, 0, 33, 0.80, 5000 },
	{ "a100-40gb-pcie", 0.86, 0, 25, 0.80, 5000 },
	{ "a100-80gb-sxm", 0.96, 0, 33, 0.80, 5000 },
	{ "a100-40gb-sxm", 0.86, 0, 25, 0.80, 5000 },
	{ "a100-pg509", 0.86, 0, 25, 0.80, 5000 },
	{ "v100-pcie", 1.00, 0, 33, 0, 0 },
	{ "v100-sxm2", 1.00, 0, 33, 0, 0 },
	{ "v100-dgxs", 1.00, 0, 33, 0, 0 },
	{ "l4", 0.30, 0, 57, 0, 0 },
	{ "t4", 0.50, 0, 33, 0, 0 },
	{ NULL, 0, 0, 0, 0, 0 },
};

static void builtin_make(void)
{
	for (int i = 0; i < NBUILTIN; i++) {
		const struct builtin *b = &builtins[i];
		struct model_gpu *g = &builtin_specs[i];

		memset(g, 0, sizeof(*g));
		snprintf(g->name, sizeof(g->name), "%s", b->name);
		snprintf(g->short_name, sizeof(g->short_name), "%s", b->short_name);
		g->cc_major = b->cc_major;
		g->cc_minor = b->cc_minor;
		g->sms = b->sms;
		g->clock_mhz = b->clock_mhz;
		g->mem_bytes = b->mem_bytes;
		cc_limits(g);
		g->hbm_gbps = b->hbm_gbps;
		g->l2_bytes = b->l2_bytes;
		g->fp32_tflops = b->fp32;
		g->tf32_tflops = b->tf32;
		g->bf16_tflops = b->bf16;
		g->fp16_tflops = b->fp16;
		g->fp8_tflops = b->fp8;
		g->int8_tops = b->int8;
		g->nvlink_gbps = b->nvlink;
		g->pcie_gbps = b->pcie;
		g->gemm_simt_eff = b->simt_eff;
		g->launch_ns = b->launch_ns;
		g->gemm_k0 = b->k0;
		g->tdp_w = b->tdp_w;
		for (int j = 0; calib[j].short_name; j++)
			if (!strcmp(calib[j].short_name, g->short_name)) {
				g->gemm_simt_eff = calib[j].simt_eff;
				if (calib[j].launch_ns > 0)
					g->launch_ns = calib[j].launch_ns;
				g->gemm_k0 = calib[j].k0;
				g->gemm_tc_eff = calib[j].tc_eff;
				g->gemm_tc_fill_ns = calib[j].tc_fill_ns;
			}
	}
}

/* Built once, thread-safely, on first use. */
static void builtin_init(void)
{
	pthread_once(&builtin_once, builtin_make);
}

int model_gpu_count(void)
{
	builtin_init();
	return nloaded + NBUILTIN;
}

const struct model_gpu *model_gpu_at(int i)
{
	builtin_init();
	if (i < 0)
		return NULL;
	if (i < nloaded)
		return &loaded[i];
	i -= nloaded;
	return i < NBUILTIN ? &builtin_specs[i] : NULL;
}

void model_gpu_reset(void)
{
	free(loaded);
	loaded = NULL;
	nloaded = cloaded = 0;
}

/* Compare two names ignoring case, spaces, '-' and '_' (so "A100-PCIE-40GB",
 * "a100 pcie 40gb" and "A100_PCIE_40GB" match). */
static int name_eq(const char *a, const char *b)
{
	for (;;) {
		while (*a == ' ' || *a == '-' || *a == '_')
			a++;
		while (*b == ' ' || *b == '-' || *b == '_')
			b++;
		if (!*a || !*b)
			return !*a && !*b;
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return 0;
		a++;
		b++;
	}
}

/* Strip a leading "NVIDIA " or "Tesla " vendor word. */
static const char *strip_vendor(const char *s)
{
	if (!strncasecmp(s, "NVIDIA ", 7))
		return s + 7;
	if (!strncasecmp(s, "Tesla ", 6))
		return s + 6;
	return s;
}

const struct model_gpu *model_gpu_builtin(const char *name)
{
	builtin_init();
	for (int i = 0; name && *name && i < NBUILTIN; i++)
		if (name_eq(builtin_specs[i].name, name) || name_eq(builtin_specs[i].short_name, name) ||
		    name_eq(strip_vendor(builtin_specs[i].name), strip_vendor(name)))
			return &builtin_specs[i];
	return NULL;
}

int model_gpu_add(const struct model_gpu *g)
{
	/* a later file replaces an earlier GPU of the same name */
	for (int i = 0; i < nloaded; i++)
		if (name_eq(loaded[i].name, g->name)) {
			loaded[i] = *g;
			return 0;
		}
	if (MO_GROW(loaded, (size_t)nloaded + 1, cloaded) < 0)
		return -MO_ENOMEM;
	/* newest first, so later files take precedence */
	memmove(&loaded[1], &loaded[0], (size_t)nloaded * sizeof(*loaded));
	loaded[0] = *g;
	nloaded++;
	return 0;
}

const struct model_gpu *model_gpu_find(const char *name, struct mo_err *err)
{
	int n = model_gpu_count();
	char list[768];
	size_t len = 0;

	if (!name)
		name = "";
	for (int pass = 0; pass < 3; pass++)
		for (int i = 0; i < n; i++) {
			const struct model_gpu *g = model_gpu_at(i);
			if (pass == 0 && (name_eq(g->name, name) || name_eq(g->short_name, name)))
				return g;
			/* "H100 80GB HBM3" without the vendor word */
			if (pass == 1 && name_eq(strip_vendor(g->name), strip_vendor(name)))
				return g;
			/* trace names such as "A100 (PG509-200)" */
			if (pass == 2) {
				char buf[96];
				size_t k = 0;
				for (const char *p = strip_vendor(name); *p && k + 1 < sizeof(buf); p++)
					if (*p != '(' && *p != ')')
						buf[k++] = *p;
				buf[k] = '\0';
				if (k && name_eq(strip_vendor(g->name), buf))
					return g;
			}
		}
	list[0] = '\0';
	for (int i = 0; i < n && len + 40 < sizeof(list); i++) {
		const struct model_gpu *g = model_gpu_at(i);
		len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s", i ? ", " : "",
					g->short_name);
	}
	mo_err_set(err, MO_EINPUT, "unknown gpu '%s' (known: %s; or the full name CUDA reports)",
		   name, list);
	return NULL;
}

const struct model_gpu *model_gpu_for_header(const struct trace_header *h, struct model_gpu *tmp,
					     struct mo_err *err)
{
	const struct model_gpu *g;
	struct mo_err e2;

	mo_err_clear(&e2);
	g = model_gpu_find(h->gpu_name ? h->gpu_name : "", &e2);
	if (g)
		return g;
	if (h->gpu_sms > 0 && h->gpu_cc_major > 0) {
		const struct model_gpu *best = NULL;
		for (int i = 0; i < model_gpu_count(); i++) {
			const struct model_gpu *c = model_gpu_at(i);
			if (c->cc_major == h->gpu_cc_major && c->cc_minor == h->gpu_cc_minor &&
			    (!best || abs(c->sms - (int)h->gpu_sms) < abs(best->sms - (int)h->gpu_sms)))
				best = c;
		}
		if (best) {
			*tmp = *best;
			snprintf(tmp->name, sizeof(tmp->name), "%s",
				 h->gpu_name && *h->gpu_name ? h->gpu_name : "unnamed gpu");
			snprintf(tmp->short_name, sizeof(tmp->short_name), "derived");
			tmp->sms = (int)h->gpu_sms;
			if (h->gpu_mem_bytes > 0)
				tmp->mem_bytes = h->gpu_mem_bytes;
			if (h->gpu_smem_per_sm > 0)
				tmp->smem_per_sm = (int)h->gpu_smem_per_sm;
			if (h->gpu_smem_per_block_optin > 0)
				tmp->smem_per_block_optin = (int)h->gpu_smem_per_block_optin;
			if (h->gpu_max_threads_per_sm > 0) {
				tmp->max_threads_per_sm = (int)h->gpu_max_threads_per_sm;
				tmp->max_warps_per_sm = tmp->max_threads_per_sm / tmp->warp_size;
			}
			model_gpu_scale_peaks(tmp, (double)tmp->sms / best->sms);
			return tmp;
		}
	}
	if (err)
		*err = e2;
	return NULL;
}

void model_gpu_scale_peaks(struct model_gpu *g, double f)
{
	g->fp32_tflops *= f;
	g->tf32_tflops *= f;
	g->bf16_tflops *= f;
	g->fp16_tflops *= f;
	g->fp8_tflops *= f;
	g->int8_tops *= f;
}

int model_quota_list(const struct model_gpu *gpu, int *out, int max)
{
	int n = 0, last = 0;

	for (int q = gpu->part_min_sms; q <= gpu->sms && gpu->part_step_sms > 0;
	     q += gpu->part_step_sms) {
		if (n < max)
			out[n] = q;
		n++;
		last = q;
	}
	if (last != gpu->sms) {
		if (n < max)
			out[n] = gpu->sms;
		n++;
	}
	return n < max ? n : max;
}

int model_quota_check(const struct model_gpu *gpu, int sms, struct mo_err *err)
{
	int lo, hi;

	if (sms == gpu->sms)
		return 0; /* the whole GPU, no green context */
	if (sms >= gpu->part_min_sms && sms <= gpu->sms && gpu->part_step_sms > 0 &&
	    (sms - gpu->part_min_sms) % gpu->part_step_sms == 0)
		return 0;
	if (sms < gpu->part_min_sms) {
		return mo_err_set(err, MO_EINPUT,
				  "quota %d SMs is off the partition lattice of '%s' (minimum %d, step %d): nearest valid quota %d",
				  sms, gpu->short_name, gpu->part_min_sms, gpu->part_step_sms,
				  gpu->part_min_sms);
	}
	if (sms > gpu->sms)
		return mo_err_set(err, MO_EINPUT,
				  "quota %d SMs is more than '%s' has (%d SMs)", sms,
				  gpu->short_name, gpu->sms);
	lo = gpu->part_min_sms + (sms - gpu->part_min_sms) / gpu->part_step_sms * gpu->part_step_sms;
	hi = lo + gpu->part_step_sms;
	if (hi > gpu->sms)
		hi = gpu->sms;
	return mo_err_set(err, MO_EINPUT,
			  "quota %d SMs is off the partition lattice of '%s' (minimum %d, step %d): nearest valid quotas %d and %d",
			  sms, gpu->short_name, gpu->part_min_sms, gpu->part_step_sms, lo, hi);
}

/* ---- dtypes ---- */

static const struct {
	const char *name;
	int bytes;
} dtypes[] = {
	[MODEL_FP32] = { "fp32", 4 }, [MODEL_TF32] = { "tf32", 4 }, [MODEL_BF16] = { "bf16", 2 },
	[MODEL_FP16] = { "fp16", 2 }, [MODEL_FP8] = { "fp8", 1 }, [MODEL_INT8] = { "int8", 1 },
};

int model_dtype_synthesisable(int dtype)
{
	return dtype >= 0 && dtype < MODEL_NDTYPES && dtype != MODEL_FP8;
}

int model_dtype_parse(const char *s)
{
	if (!s)
		return -1;
	for (int i = 0; i < (int)(sizeof(dtypes) / sizeof(dtypes[0])); i++)
		if (!strcasecmp(s, dtypes[i].name))
			return i;
	if (!strcasecmp(s, "float32") || !strcasecmp(s, "float"))
		return MODEL_FP32;
	if (!strcasecmp(s, "bfloat16"))
		return MODEL_BF16;
	if (!strcasecmp(s, "float16") || !strcasecmp(s, "half"))
		return MODEL_FP16;
	if (!strcasecmp(s, "fp8e4m3") || !strcasecmp(s, "fp8e5m2") || !strcasecmp(s, "float8"))
		return MODEL_FP8;
	return -1;
}

const char *model_dtype_name(int dtype)
{
	if (dtype < 0 || dtype >= (int)(sizeof(dtypes) / sizeof(dtypes[0])))
		return "unknown";
	return dtypes[dtype].name;
}

int model_dtype_bytes(int dtype)
{
	if (dtype < 0 || dtype >= (int)(sizeof(dtypes) / sizeof(dtypes[0])))
		return 4;
	return dtypes[dtype].bytes;
}
