/*
 * op.c - kernel time from shape: the launch a library would choose and a
 * roofline with efficiency terms, calibrated on measured GEMM timings.
 *
 * GEMM/bmm.  Candidate CTA tiles as cuBLAS/CUTLASS ship them (SIMT sgemm:
 * 256x128, 128x256, 128x128, 128x64, 64x128, 64x64, 128x32, 32x128, 64x32,
 * 32x32; tensor cores: 256x128, 128x256, 128x128, 128x64, 64x128, 64x64) and
 * split-K 1..8 (128x128 preferred when within PREFER_128_TOL of the
 * fastest).  For each candidate the model computes
 *   ctas         = b * ceil(m / tm) * ceil(n / tn) * split
 *   per SM       = ceil(ctas / sms) CTAs on the busiest SM, of which at most
 *                  blocks_per_sm run at once (occupancy rules)
 *   compute      = per SM * 2 tm tn (ceil(k / split) + k0)
 *                  / (peak per SM * eff * tile_eff * util)
 *   memory       = (A + B + C bytes, or the op's bytes when given: an
 *                  implicit GEMM's) / bw(active SMs)
 *   time         = launch + max(compute, memory) [+ split-K reduction]
 * and, like cuBLAS's heuristics, picks the fastest.  tile_eff rewards more
 * outputs per thread (register blocking), util is min(1, resident warps / 8)
 * (two warps per scheduler hide the FMA latency).  eff, k0 (the per-tile
 * prologue/epilogue cost in K iterations) and launch are per GPU, fitted on
 * the NeuSight training split (model_gemm_calibrate); tensor-core dtypes use
 * gemm_tc_eff (not from NeuSight, which has FP32 only: gpus.c fits it on the
 * H100 and A100 traces; other GPUs take MODEL_DEFAULT_TC_EFF, the same 0.80).
 *
 * Fused attention (FlashAttention-2 style): CTAs of ATTN_TILE_M = 128
 * queries, 4 warps, each looping over the key tiles it needs (ATTN_TILE_N
 * keys: 128 for head dims up to 64, else 64, FlashAttention-2's forward
 * kernel traits for sm80/sm90).  Work is counted in whole tiles, as the
 * kernel computes them: a partial last query or key tile costs a full one
 * (masked, not skipped), and a causal CTA visits only the key tiles up to
 * its diagonal (bottom-right aligned when m < n), so causal is about half
 * the tiles, not exactly half the flops.  Each visited tile pair is
 * 4 x 128 x ATTN_TILE_N x d flops forward, backward 2.5 times that (five
 * GEMMs instead of two), plus a fixed cost per CTA (ATTN_CTA_FIXED_TILES),
 * each at a lower efficiency than a plain GEMM (on
 * Hopper: FlashAttention-2's measured utilization, ATTN_FA2_SM90_UTIL).
 * Tensor-core GEMMs on GPUs with a fitted gemm_tc_fill_ns also pay that
 * fixed time once per kernel (gpus.c: fitted on H100 Kineto traces).
 * Elementwise, reduction, optimizer and memory ops are bandwidth rooflines
 * over the bytes given, with their flops on the FP32 pipes.
 *
 * Narrow accesses.  Tensor-core GEMM kernels load and store 16-byte vectors
 * only when every leading dimension is a multiple of 16 bytes (cuBLAS
 * documentation, "Tensor Core Usage": the leading dimensions and pointers
 * must be multiples of 16 bytes for the fastest kernels; NVIDIA's Deep
 * Learning Performance guide: dimensions multiples of 8 halves, 4 TF32);
 * otherwise cuBLAS runs CUTLASS kernels of a smaller alignment, named
 * *_alignN (N elements a load: TF32 align1 = 4-byte cp.async, bf16 align1 =
 * 2-byte loads that cp.async, whose minimum is 4 bytes, cannot do, hence
 * the Turing cutlass_75_* kernels OWLv2's H100 trace shows for its 5185-token
 * attention).  A kernel whose accesses are w < 16 bytes wide issues 16 / w
 * load/store instructions per vector's worth of data, which compete with
 * the MMAs; the model stretches the steady-state main loop by
 *   narrow = 1 + NARROW_ACCESS_C (16 / w - 1)
 * and only that: issue slots matter only where the SM is throughput-bound.
 * A tile's prologue (the K of all its pipeline stages but one, loaded
 * before the first MMA) is latency-bound in the first wave on an SM (later
 * CTAs' loads overlap the MMAs of those beside them), so the latency-bound
 * K is the prologue's divided by the waves, and k0 is never stretched.
 * NARROW_ACCESS_C is fitted with that rule on the misaligned TF32 GEMMs of
 * the two A100 HTA traces (tests/bench/gemm-align-fit.py: 244 ops, median
 * |error| 44.5 % -> 16.4 %; fitted on the larger trace alone, the smaller
 * trace held out goes 62.4 -> 31.4 %).  On Hopper the misaligned kernels
 * are pre-Hopper ones (no TMA, whose strides must be multiples of 16 bytes,
 * no wgmma): their main loop reaches PRE_HOPPER_ON_SM90 of the efficiency
 * of the sm90 kernels the GPU's gemm_tc_eff was fitted on.  Held out: the
 * H100 Kineto GEMMs under 5 us (tests/bench/kineto-op-error.py, OWLv2's
 * 5-token text-tower bmm among them) 43.2 % -> 7.4 % median |error| against
 * stretching the whole tile (the rule as first fitted, c = 0.37).  SIMT (FP32) GEMMs keep the
 * aligned model (cuBLAS's ampere_sgemm kernels on the same A100 traces show
 * no slowdown at odd sizes).  The same rule covers PyTorch's row softmax
 * (aten/src/ATen/native/cuda/SoftMax.cu, host_softmax): rows of more than
 * 1024 elements or 4096 bytes run one block per row, through shared memory
 * with 16-byte vectors only when the row is a multiple of 16 bytes
 * (can_use_smem: dim_size % ILP == 0, ILP = 16 / element size); otherwise
 * cunn_SoftMaxForward reads every element with a scalar load (ilpReduce's
 * tail loop covers rows shorter than ILP x block, 8192 halves), so its
 * memory time is stretched by narrow at w = the element size.  Rows of up
 * to 1024 elements (the warp-per-row softmax_warp_forward) are unchanged.
 * Checked and not adopted: the "narrow bytes" term OWLv2's H100 trace
 * suggests (its scores bmm, context bmm and softmax all move the 860 MB
 * misaligned score matrix at 0.8-1.0 TB/s, 24-31 % of HBM peak, which
 * would fit all three where this rule leaves them at -43 / -15 / +57 %),
 * held out on the A100 misaligned TF32 GEMMs (gemm-align-fit.py: bytes at
 * 0.24-0.31 of the peak, compute unstretched): median |error| 56.5-38.4 %
 * against this rule's 16.4 %; so that one trace's cancellation stays.
 */
#include "model/model.h"
#include "model/model-internal.h"

#include <math.h>
#include <string.h>
#include <strings.h>

#define ATTN_FWD_EFF 0.75    /* of the GEMM efficiency (softmax, rescaling) */
#define ATTN_BWD_EFF 0.65    /* FlashAttention-2 reports ~73% fwd, ~63% bwd of peak */
/* FlashAttention-2 (PyTorch's flash kernels) on Hopper: "only 35%
 * utilization on H100" of the dense peak (Shah et al., "FlashAttention-3",
 * 2024, abstract).  By head dim, the plateau of its forward benchmark on an
 * H100 SXM5 (FA3 paper, Fig. 5, non-causal, 16k tokens): 324 TFLOPS at
 * d = 64 and 370 at d = 128 of the 989.4 dense, i.e. 0.327 and 0.374;
 * backward in the same ratio to forward as above */
#define ATTN_FA2_SM90_UTIL(d) ((d) <= 64 ? 0.327 : 0.374)
/* A CTA's fixed work (load its query tile, rescale and write its output)
 * in key-tile times, per 64 of head dim: the same benchmark rises from 282
 * to 324 TFLOPS (d = 64) and from 309 to 370 (d = 128) as the sequence
 * grows from 512 to 16k tokens, each CTA looping over 4..128 key tiles
 * (8..256 at d = 128); a fixed cost of c tiles per CTA explains that with
 * c = 0.4-0.6 at d = 64 and 0.85-1.55 at d = 128, so 0.5 per 64 of d.
 * Checked on what was not fitted: the causal curves of the same figure
 * (d = 64: 180..299 TFLOPS, the model 206..309) and the Kineto H100 traces
 * (tests/bench/kineto-op-error.py: attention median |error| 43.7% -> 14.2%). */
#define ATTN_CTA_FIXED_TILES(d) (0.5 * (double)(d) / 64.0)
/* FlashAttention-2's tiles (csrc/flash_attn/src/flash_fwd_launch_template.h,
 * v2.5: Flash_fwd_kernel_traits<d, 128, 128, 4> for d <= 64 and
 * <d, 128, 64, 4> for d = 96, 128 on sm80 and sm90) */
#define ATTN_TILE_M 128
#define ATTN_TILE_N(d) ((d) <= 64 ? 128 : 64)
/* The narrow-access stretch of the main loop per extra instruction of a
 * 16-byte vector's worth (header; tests/bench/gemm-align-fit.py, both A100
 * traces, with the main-loop rule) */
#define NARROW_ACCESS_C 0.44
/* A pre-Hopper (mma.sync) kernel on Hopper against the wgmma kernels:
 * FlashAttention-2 reaches 73 % of the A100's dense peak (Dao, 2023) and
 * 35 % of the H100's (Shah et al., "FlashAttention-3", 2024, abstract) */
#define PRE_HOPPER_ON_SM90 (0.35 / 0.73)
/* PyTorch's warp-per-row softmax takes rows up to this many elements and
 * bytes (SoftMax.cu: dim_size <= 1024 && dim_size * sizeof <= 4096) */
#define SOFTMAX_WARP_ELEMS 1024
#define SOFTMAX_WARP_BYTES 4096
#define BW_EFF_STREAM 0.85   /* fraction of achievable DRAM bandwidth streaming kernels reach */
/* A reduction's fixed time beyond an elementwise kernel's, ns: its CTA
 * loads, reduces across the block through shared memory and barriers
 * and (norms) reads its row again before it writes, a dependency chain
 * an elementwise kernel does not have.  Fitted on the reductions under
 * 5 us of the H100 Kineto traces (tests/bench/reduction-latency-fit.py,
 * 225 ops: median |error| 51.4 -> 5.3 %); each trace held out in turn,
 * fitted on the other two: Falconsai ViT 39.7 -> 3.0 %, BERT-small 45.8
 * -> 16.3, OWLv2 53.2 -> 10.6 (fits 1700-1900 ns).  Qwen1.5 has no
 * reduction under 5 us.  Other GPUs take the same time (no per-kernel
 * data of theirs here).  The warp-per-row softmax (rows <= 1024) has no
 * block barrier and is over-predicted by it (worst +88 %). */
#define REDUCTION_CHAIN_NS 1900.0
#define PREFER_128_TOL 0.10 /* within 10% of the fastest candidate */

static const char *op_names[] = {
	[MODEL_OP_GEMM] = "gemm", [MODEL_OP_BMM] = "bmm",
	[MODEL_OP_ATTENTION] = "attention", [MODEL_OP_ATTENTION_BWD] = "attention_bwd",
	[MODEL_OP_ELEMENTWISE] = "elementwise", [MODEL_OP_REDUCTION] = "reduction",
	[MODEL_OP_OPTIMIZER] = "optimizer", [MODEL_OP_MEMORY] = "memory",
};
#define NOPS ((int)(sizeof(op_names) / sizeof(op_names[0])))

const char *model_op_kind_name(int kind)
{
	return kind >= 0 && kind < NOPS ? op_names[kind] : "unknown";
}

int model_op_kind_parse(const char *s)
{
	if (!s)
		return -1;
	if (!strcasecmp(s, "linear"))
		return MODEL_OP_GEMM;
	for (int i = 0; i < NOPS; i++)
		if (!strcasecmp(s, op_names[i]))
			return i;
	return -1;
}

const char *model_bound_name(int b)
{
	switch (b) {
	case MODEL_BOUND_COMPUTE:
		return "compute";
	case MODEL_BOUND_MEMORY:
		return "memory";
	case MODEL_BOUND_LAUNCH:
		return "launch";
	}
	return "unknown";
}

double model_gpu_peak_tflops(const struct model_gpu *g, int dtype, int *tc)
{
	double p = 0;
	int tmp;

	if (!tc)
		tc = &tmp;
	*tc = 1;
	switch (dtype) {
	case MODEL_TF32:
		p = g->tf32_tflops;
		break;
	case MODEL_BF16:
		p = g->bf16_tflops > 0 ? g->bf16_tflops : g->fp16_tflops;
		break;
	case MODEL_FP16:
		p = g->fp16_tflops > 0 ? g->fp16_tflops : g->bf16_tflops;
		break;
	case MODEL_FP8:
	case MODEL_INT8:
		p = dtype == MODEL_FP8 ? g->fp8_tflops : g->int8_tops;
		if (p <= 0)
			p = g->fp16_tflops > 0 ? g->fp16_tflops : g->bf16_tflops;
		break;
	default:
		break;
	}
	if (p <= 0) {
		*tc = 0;
		p = g->fp32_tflops;
	}
	return p;
}

static double launch_of(const struct model_gpu *g)
{
	return g->launch_ns > 0 ? g->launch_ns : MODEL_DEFAULT_LAUNCH_NS;
}

/* A CTA tile: SIMT (tc 0: k-depth 8 of fp32 per stage) or tensor cores
 * (tc 1: k-depth 32 of 16-bit); shared memory = stages x (tm + tn) x depth. */
struct tile {
	int tc, tm, tn, threads, regs, stages;
};

static const struct tile gemm_tiles[] = {
	{ 0, 256, 128, 256, 128, 3 }, { 0, 128, 256, 256, 128, 3 }, { 0, 128, 128, 256, 120, 3 },
	{ 0, 128, 64, 128, 120, 3 },  { 0, 64, 128, 128, 120, 3 },  { 0, 64, 64, 64, 120, 3 },
	{ 0, 128, 32, 128, 64, 3 },   { 0, 32, 128, 128, 64, 3 },   { 0, 64, 32, 64, 64, 3 },
	{ 0, 32, 32, 64, 48, 3 },     { 1, 256, 128, 256, 232, 3 }, { 1, 128, 256, 256, 232, 3 },
	{ 1, 128, 128, 256, 168, 4 }, { 1, 128, 64, 128, 168, 4 },  { 1, 64, 128, 128, 168, 4 },
	{ 1, 64, 64, 128, 128, 4 },
};
#define NTILES ((int)(sizeof(gemm_tiles) / sizeof(gemm_tiles[0])))

static int tile_smem(const struct tile *t)
{
	return t->stages * (t->tm + t->tn) * (t->tc ? 32 * 2 : 8 * 4);
}

static int64_t cdiv(int64_t a, int64_t b)
{
	return (a + b - 1) / b;
}

static void set_launch(struct trace_kernel *k, int64_t gx, int64_t gy, int64_t gz, int threads,
		       int regs, int smem, int cls)
{
	k->grid_x = gx > 0 ? gx : 1;
	k->grid_y = gy > 0 ? gy : 1;
	k->grid_z = gz > 0 ? gz : 1;
	k->block_x = threads;
	k->block_y = 1;
	k->block_z = 1;
	k->registers = regs;
	k->static_smem = 0;
	k->dynamic_smem = smem;
	k->kclass = cls;
}

/* The physics of a launch from shape (wave_ns filled by the caller). */
static struct model_kphys phys_of(int64_t ctas, int bps, int threads, double bytes, double bw_eff,
				  int clocked)
{
	struct model_kphys k = { 0 };

	k.blocks = ctas > 0 ? ctas : 1;
	k.blocks_per_sm = bps > 0 ? bps : 1;
	k.warps_per_block = (threads + 31) / 32;
	k.bytes = bytes;
	k.bw_eff = bw_eff > 0 ? bw_eff : BW_EFF_STREAM;
	k.clocked = clocked;
	return k;
}

/* The details every prediction fills: launch shape, work, the two bounds
 * and which one wins (tie: the bound when compute and memory are equal;
 * launch when the fixed time exceeds both). */
static void fill_pred(struct model_op_pred *o, int64_t ctas, int bps, int sms, double flops,
		      double bytes, double comp, double mem, double launch, int tie)
{
	o->ctas = ctas;
	o->blocks_per_sm = bps;
	o->waves = (double)ctas / ((double)bps * sms);
	o->flops = flops;
	o->bytes = bytes;
	o->compute_ns = comp;
	o->memory_ns = mem;
	o->launch_ns = launch;
	o->bound = comp > mem ? MODEL_BOUND_COMPUTE : comp < mem ? MODEL_BOUND_MEMORY : tie;
	if (launch > (comp > mem ? comp : mem))
		o->bound = MODEL_BOUND_LAUNCH;
}

/* Latency hiding of a full wave (see model_kphys_compute_ns). */
static double util_full(const struct model_kphys *k)
{
	double u = (double)k->blocks_per_sm * k->warps_per_block / MODEL_WARPS_FOR_PEAK;

	return u < 1 ? u : 1.0;
}

/* The width (bytes) of a GEMM's operand accesses: the largest power-of-two
 * number of elements, up to 16 bytes, that divides every leading dimension
 * (struct model_op's layout says which they are). */
static int gemm_access_bytes(const struct model_op *op, int es)
{
	int64_t lda = op->layout == MODEL_LAYOUT_TRANS_A ? op->m : op->k;
	int a = es < 16 ? 16 / es : 1;

	if (op->access_bytes > 0)
		return op->access_bytes;
	if (op->layout == MODEL_LAYOUT_ANY)
		return 16;
	while (a > 1 && (lda % a || op->n % a))
		a /= 2;
	return a * es;
}

/* The stretch of a kernel whose accesses are w bytes wide (the header). */
static double narrow_of(int w)
{
	return w >= 16 ? 1.0 : 1.0 + NARROW_ACCESS_C * (16.0 / w - 1.0);
}

/* The K of a tile that runs latency-bound, averaged over the waves on an
 * SM: the prologue loads all stages but one (each of the tile's k-depth,
 * tile_smem: 64 bytes of K a row on tensor cores, 32 SIMT), at most the
 * tile's whole K, before its first MMA; only the first wave waits for it,
 * later CTAs' loads overlap the MMAs of those resident beside them. */
static double gemm_latency_k(const struct tile *t, int es, int64_t kk, int64_t ctas, int sms,
			     int bps)
{
	double pro = (t->stages - 1) * (t->tc ? 64.0 : 32.0) / es;
	int64_t waves = cdiv(cdiv(ctas, sms), bps);

	return (pro < (double)kk ? pro : (double)kk) / (double)(waves > 0 ? waves : 1);
}

/* Time of one GEMM candidate on sms SMs. */
static double gemm_candidate(const struct model_gpu *g, const struct model_op *op, int sms,
			     const struct tile *t, int split, int tc, double peak,
			     struct model_op_pred *o)
{
	int64_t tiles_m = cdiv(op->m, t->tm), tiles_n = cdiv(op->n, t->tn);
	int64_t ctas = op->b * tiles_m * tiles_n * split;
	int64_t kk = cdiv(op->k, split);
	int bps = model_blocks_per_sm(g, t->threads, t->regs, tile_smem(t));
	double eff, k0, tile_eff, comp, mem, bytes, red = 0, launch = launch_of(g);
	/* the pipeline's fill and drain, once per kernel; a K that fits one
	 * 64-deep block has no pipeline to fill */
	double fill = tc && op->k > 64 ? g->gemm_tc_fill_ns : 0;
	int es = model_dtype_bytes(op->dtype);
	int acc = tc ? gemm_access_bytes(op, es) : 16;
	double narrow = narrow_of(acc), slow = 1, loop_k;
	struct model_kphys kp;

	if (bps <= 0)
		return -1;
	if (tc) {
		eff = g->gemm_tc_eff > 0 ? g->gemm_tc_eff : MODEL_DEFAULT_TC_EFF;
		if (acc < 16 && g->cc_major >= 9)
			slow = PRE_HOPPER_ON_SM90;
		tile_eff = ((double)t->tm * t->tn / (t->tm * t->tn + 32.0 * (t->tm + t->tn))) /
			   (128.0 * 128 / (128.0 * 128 + 32.0 * 256));
	} else {
		double opt = (double)t->tm * t->tn / t->threads; /* outputs per thread */
		eff = g->gemm_simt_eff > 0 ? g->gemm_simt_eff : MODEL_DEFAULT_SIMT_EFF;
		tile_eff = (opt / (opt + 8.0)) / (64.0 / (64.0 + 8.0));
	}
	if (tile_eff > 1)
		tile_eff = 1;
	k0 = g->gemm_k0 > 0 ? g->gemm_k0 : MODEL_DEFAULT_K0;
	bytes = op->bytes > 0 ? (double)op->bytes /* given: an implicit GEMM's (the header) */
			      : (double)op->b * ((double)op->m * op->k + (double)op->k * op->n +
						 (double)op->m * op->n) * es;
	/* one tile's time on an SM at full throughput, times the blocks of a
	 * wave; narrow accesses and the pre-Hopper kernel stretch only the
	 * steady-state main loop, not the prologue's K nor k0 (the header) */
	loop_k = (double)kk - gemm_latency_k(t, es, kk, ctas, sms, bps);
	kp = phys_of(ctas, bps, t->threads, bytes, 0, tc);
	kp.wave_ns = bps * 2.0 * t->tm * t->tn * ((double)kk - loop_k + k0 + loop_k * narrow / slow) /
		     (peak * 1e3 / g->sms * eff * tile_eff) / util_full(&kp);
	comp = model_kphys_compute_ns(&kp, sms, model_clock_factor(g, sms));
	mem = bytes / model_kphys_bw_ceiling(g, &kp, sms);
	if (split > 1) /* partial sums written and re-read by a reduction kernel */
		red = launch * 0.5 + (double)op->b * op->m * op->n * 4.0 * (split + 1) /
					     (model_dram_gbps_at(g, sms) * BW_EFF_STREAM);
	if (o) {
		o->tile_m = t->tm;
		o->tile_n = t->tn;
		o->split_k = split;
		o->access_bytes = acc;
		o->narrow = narrow;
		o->loop_frac = loop_k / ((double)kk + k0);
		fill_pred(o, ctas, bps, sms, 2.0 * op->b * op->m * op->n * op->k, bytes, comp, mem,
			  launch + fill + red, MODEL_BOUND_COMPUTE);
		set_launch(&o->k, tiles_n, tiles_m, op->b * split, t->threads, t->regs, tile_smem(t),
			   TRACE_CLASS_GEMM);
	}
	return launch + fill + (comp > mem ? comp : mem) + red;
}

/* The fastest GEMM candidate of the kind tc (tile index *bi, split *bs);
 * with within > 0, the first 128x128 candidate no slower than within
 * instead (*bi, *bs unchanged when there is none).  Its time, or -1. */
static double scan_tiles(const struct model_gpu *g, const struct model_op *op, int sms, int tc,
			 double peak, double within, int *bi, int *bs)
{
	double best = -1;

	for (int i = 0; i < NTILES; i++) {
		const struct tile *t = &gemm_tiles[i];
		if (t->tc != tc || (within > 0 && (t->tm != 128 || t->tn != 128)))
			continue;
		for (int s = 1; s <= 8; s++) {
			double ns;
			if (s > 1 && op->k / s < 128)
				break;
			ns = gemm_candidate(g, op, sms, t, s, tc, peak, NULL);
			if (ns > 0 && (within > 0 ? ns <= within : best < 0 || ns < best * 0.999)) {
				best = ns;
				*bi = i;
				*bs = s;
				if (within > 0)
					return best;
			}
		}
	}
	return best;
}

static void predict_gemm(const struct model_gpu *g, const struct model_op *op, int sms,
			 struct model_op_pred *o)
{
	int tc, bi = 0, bs = 1;
	double peak = model_gpu_peak_tflops(g, op->dtype, &tc);
	double best = scan_tiles(g, op, sms, tc, peak, 0, &bi, &bs);

	if (best < 0) {
		o->ns = -1; /* no tile fits this GPU's limits */
		return;
	}
	/* like cuBLAS's heuristics, prefer the 128x128 workhorse tile unless
	 * another is clearly faster (NeuSight: 45% of H100 and 53% of A100
	 * sgemm rows ran a 128x128 tile) */
	scan_tiles(g, op, sms, tc, peak, best * (1 + PREFER_128_TOL), &bi, &bs);
	o->ns = (int64_t)llround(gemm_candidate(g, op, sms, &gemm_tiles[bi], bs, tc, peak, o));
}

/* The (query tile, key tile) pairs a FlashAttention-2 launch computes, over
 * all b heads: every pair when not causal, else those a query tile's last
 * row reaches (its keys end at row + n - m, bottom-right aligned). */
static double attention_tile_pairs(const struct model_op *op)
{
	int64_t tn = ATTN_TILE_N(op->k), qt = cdiv(op->m, ATTN_TILE_M), kt = cdiv(op->n, tn);
	double pairs = 0;

	if (!op->causal)
		return (double)op->b * qt * kt;
	for (int64_t i = 0; i < qt; i++) {
		int64_t last = (i + 1) * ATTN_TILE_M;
		int64_t keys = (last < op->m ? last : op->m) + op->n - op->m;
		int64_t t = keys > 0 ? cdiv(keys, tn) : 0;
		pairs += (double)(t < kt ? t : kt);
	}
	return pairs * op->b;
}

static void predict_attention(const struct model_gpu *g, const struct model_op *op, int sms,
			      struct model_op_pred *o, int bwd)
{
	int tc, es = model_dtype_bytes(op->dtype);
	double peak = model_gpu_peak_tflops(g, op->dtype, &tc);
	double eff = (tc ? (g->gemm_tc_eff > 0 ? g->gemm_tc_eff : MODEL_DEFAULT_TC_EFF)
			 : (g->gemm_simt_eff > 0 ? g->gemm_simt_eff : MODEL_DEFAULT_SIMT_EFF)) *
		     (bwd ? ATTN_BWD_EFF : ATTN_FWD_EFF);
	if (tc && g->cc_major >= 9) /* FlashAttention-2's mma.sync path, not Hopper's wgmma */
		eff = ATTN_FA2_SM90_UTIL(op->k) * (bwd ? ATTN_BWD_EFF / ATTN_FWD_EFF : 1.0);
	int threads = bwd ? 256 : 128, regs = 255;
	int smem = (int)((bwd ? 3 * 128 + 2 * 64 : 128 + 2 * 64) * op->k * es);
	int64_t ctas = op->b * cdiv(bwd ? op->n : op->m, 128);
	double tile_flops = 4.0 * ATTN_TILE_M * ATTN_TILE_N(op->k) * op->k * (bwd ? 2.5 : 1.0);
	double flops = attention_tile_pairs(op) * tile_flops;
	double work = flops + (double)ctas * ATTN_CTA_FIXED_TILES(op->k) * tile_flops;
	double bytes = (double)op->b * (op->m + op->n) * op->k * es * (bwd ? 4.0 : 2.0);
	int bps = model_blocks_per_sm(g, threads, regs, smem);
	double comp, mem, launch = launch_of(g);
	struct model_kphys kp;

	if (bps <= 0) {
		smem = g->smem_per_block_optin;
		bps = 1;
	}
	/* a flash CTA fills its SM only beside a second one: alone (a short
	 * sequence's partial wave) its 4 warps hide half the latency, the
	 * same rule as every kernel (model_kphys_compute_ns) */
	kp = phys_of(ctas, bps, threads, bytes, 0, tc);
	kp.wave_ns = bps * work / (double)ctas / (peak * 1e3 / g->sms * eff);
	comp = model_kphys_compute_ns(&kp, sms, model_clock_factor(g, sms));
	mem = bytes / model_kphys_bw_ceiling(g, &kp, sms);
	fill_pred(o, ctas, bps, sms, flops, bytes, comp, mem, launch, MODEL_BOUND_COMPUTE);
	set_launch(&o->k, cdiv(bwd ? op->n : op->m, 128), op->b, 1, threads, regs, smem,
		   TRACE_CLASS_ATTENTION);
	o->ns = (int64_t)llround(launch + (comp > mem ? comp : mem));
}

static void predict_stream(const struct model_gpu *g, const struct model_op *op, int sms,
			   struct model_op_pred *o)
{
	int threads = op->kind == MODEL_OP_REDUCTION ? 512 : 128;
	int per_cta = threads * 16; /* bytes a CTA moves: 16 B vectors per thread */
	double bytes = op->bytes > 0 ? (double)op->bytes : 0;
	double flops = op->flops > 0 ? (double)op->flops : 0;
	int64_t ctas = (int64_t)ceil(bytes / per_cta);
	int cls = op->kind == MODEL_OP_REDUCTION ? TRACE_CLASS_REDUCTION
		  : op->kind == MODEL_OP_MEMORY  ? TRACE_CLASS_MEMORY
						 : TRACE_CLASS_ELEMENTWISE;
	double eff = op->kind == MODEL_OP_REDUCTION ? 0.8 * BW_EFF_STREAM : BW_EFF_STREAM;
	double launch = launch_of(g) * 0.6 + (op->kind == MODEL_OP_REDUCTION ? REDUCTION_CHAIN_NS : 0);
	double mem, comp;
	int bps, es = model_dtype_bytes(op->dtype);
	struct model_kphys kp;

	/* a row softmax over long rows that are not whole 16-byte vectors:
	 * scalar loads (the header) */
	if (op->kind == MODEL_OP_REDUCTION && op->softmax && es < 16 && op->n % (16 / es) &&
	    (op->n > SOFTMAX_WARP_ELEMS || op->n * es > SOFTMAX_WARP_BYTES)) {
		o->access_bytes = es;
		o->narrow = narrow_of(es);
		eff /= o->narrow;
	}
	if (ctas < 1)
		ctas = 1;
	if (op->kind == MODEL_OP_OPTIMIZER && ctas > (int64_t)sms * 4)
		ctas = (int64_t)sms * 4; /* multi_tensor_apply: a few CTAs per SM, looping */
	bps = model_blocks_per_sm(g, threads, 32, op->kind == MODEL_OP_REDUCTION ? 4096 : 0);
	/* the flops on the FP32 pipes at half their peak, spread over the CTAs */
	kp = phys_of(ctas, bps, threads, bytes, eff, 0);
	kp.warps_per_block = threads / 32;
	kp.wave_ns = bps * flops / (double)ctas / (g->fp32_tflops * 1e3 / g->sms * 0.5);
	mem = bytes / model_kphys_bw_ceiling(g, &kp, sms);
	comp = model_kphys_compute_ns(&kp, sms, 1);
	fill_pred(o, ctas, bps, sms, flops, bytes, comp, mem, launch, MODEL_BOUND_MEMORY);
	set_launch(&o->k, ctas, 1, 1, threads, 32, op->kind == MODEL_OP_REDUCTION ? 4096 : 0, cls);
	o->ns = (int64_t)llround(launch + (comp > mem ? comp : mem));
}

int model_op_predict(const struct model_gpu *gpu, const struct model_op *op, int sms,
		     struct model_op_pred *o, struct mo_err *err)
{
	memset(o, 0, sizeof(*o));
	o->k.start_ns = o->k.end_ns = -1;
	o->k.device = o->k.stream = o->k.partition = o->k.module = o->k.phase = -1;
	o->k.microbatch = o->k.step = o->k.correlation = -1;
	o->k.occupancy_pct = o->k.flops = o->k.bytes = -1;
	o->k.name = "";
	o->access_bytes = 16;
	o->narrow = 1;
	o->loop_frac = 1;
	if (sms <= 0 || sms > gpu->sms)
		return mo_err_set(err, MO_EINPUT, "bad SM count %d for '%s' (1..%d)", sms,
				  gpu->short_name, gpu->sms);
	if (op->kind < 0 || op->kind >= NOPS)
		return mo_err_set(err, MO_EINPUT, "unknown op kind %d", op->kind);
	if (op->dtype < MODEL_FP32 || op->dtype > MODEL_INT8)
		return mo_err_set(err, MO_EINPUT, "unknown dtype %d", op->dtype);
	switch (op->kind) {
	case MODEL_OP_GEMM:
	case MODEL_OP_BMM:
	case MODEL_OP_ATTENTION:
	case MODEL_OP_ATTENTION_BWD:
		if (op->b <= 0 || op->m <= 0 || op->n <= 0 || op->k <= 0)
			return mo_err_set(err, MO_EINPUT,
					  "%s needs positive b, m, n, k (got %lld, %lld, %lld, %lld)",
					  op_names[op->kind], (long long)op->b, (long long)op->m,
					  (long long)op->n, (long long)op->k);
		break;
	default:
		if (op->bytes < 0 || op->flops < 0 || (op->bytes == 0 && op->flops == 0))
			return mo_err_set(err, MO_EINPUT, "%s needs bytes or flops given",
					  op_names[op->kind]);
	}
	switch (op->kind) {
	case MODEL_OP_GEMM:
	case MODEL_OP_BMM:
		predict_gemm(gpu, op, sms, o);
		break;
	case MODEL_OP_ATTENTION:
		predict_attention(gpu, op, sms, o, 0);
		break;
	case MODEL_OP_ATTENTION_BWD:
		predict_attention(gpu, op, sms, o, 1);
		break;
	default:
		predict_stream(gpu, op, sms, o);
	}
	if (o->ns < 0)
		return mo_err_set(err, MO_EINFEASIBLE,
				  "no launch configuration of %s fits the limits of '%s'",
				  op_names[op->kind], gpu->short_name);
	return 0;
}

void model_op_launch(const struct model_gpu *gpu, const struct model_op *op, struct trace_kernel *k)
{
	struct model_op_pred p;

	if (model_op_predict(gpu, op, gpu->sms, &p, NULL) < 0) {
		set_launch(k, 1, 1, 1, 128, 32, 0, TRACE_CLASS_UNKNOWN);
		return;
	}
	set_launch(k, p.k.grid_x, p.k.grid_y, p.k.grid_z, (int)p.k.block_x, (int)p.k.registers,
		   (int)p.k.dynamic_smem, (int)p.k.kclass);
}

int64_t model_op_ns(const struct model_gpu *gpu, const struct model_op *op, int sms)
{
	struct model_op_pred p;

	if (model_op_predict(gpu, op, sms, &p, NULL) < 0)
		return -1;
	return p.ns;
}
