/*
 * occupancy.c - resident blocks per SM by the CUDA occupancy rules, and the
 * occupancy CUPTI estimates.
 *
 * The rules (CUDA Occupancy Calculator; CUDA C++ Programming Guide,
 * "Compute Capabilities"):
 *   warps per block    = ceil(threads / warp size)
 *   by blocks          = max blocks per SM
 *   by warps           = floor(max warps per SM / warps per block)
 *   by registers       = floor(floor(regs per SM / regs per warp) rounded down
 *                        to the warp allocation granularity (4) / warps per block),
 *                        regs per warp = ceil(regs per thread * 32, 256)
 *   by shared memory   = floor(smem per SM / ceil(smem + reserved, unit))
 * and the launch fails when threads, registers per thread or shared memory
 * exceed the per-block limits.
 */
#include "model/model.h"

#include <math.h>
#include <stdint.h>

#define WARP_ALLOC_GRANULARITY 4

static int ceil_to(int v, int unit)
{
	return unit > 0 ? (v + unit - 1) / unit * unit : v;
}

int model_occupancy(const struct model_gpu *gpu, int threads, int regs, int smem,
		    struct model_occupancy *o)
{
	int wpb, lim;

	o->blocks_per_sm = 0;
	o->lim_blocks = o->lim_warps = o->lim_regs = o->lim_smem = INT32_MAX;
	o->occupancy = 0;
	o->limiter = "launch";
	if (regs < 0)
		regs = 0;
	if (smem < 0)
		smem = 0;
	if (threads <= 0 || threads > gpu->max_threads_per_block || regs > gpu->max_regs_per_thread ||
	    smem > gpu->smem_per_block_optin) {
		o->warps_per_block = threads > 0 ? (threads + gpu->warp_size - 1) / gpu->warp_size : 0;
		return -1;
	}
	wpb = (threads + gpu->warp_size - 1) / gpu->warp_size;
	o->warps_per_block = wpb;
	o->lim_blocks = gpu->max_blocks_per_sm;
	o->lim_warps = gpu->max_warps_per_sm / wpb;
	if (regs > 0) {
		int per_warp = ceil_to(regs * gpu->warp_size, gpu->reg_alloc_unit);
		int warps = gpu->regs_per_block / per_warp;
		warps = warps / WARP_ALLOC_GRANULARITY * WARP_ALLOC_GRANULARITY;
		if (warps < wpb)
			return -1; /* too many registers for one block */
		o->lim_regs = warps / wpb * (gpu->regs_per_sm / gpu->regs_per_block);
	}
	{
		int per_block = ceil_to(smem + gpu->smem_reserved_per_block, gpu->smem_alloc_unit);
		if (per_block > 0)
			o->lim_smem = gpu->smem_per_sm / per_block;
	}
	lim = o->lim_blocks;
	o->limiter = "blocks";
	if (o->lim_warps < lim) {
		lim = o->lim_warps;
		o->limiter = "warps";
	}
	if (o->lim_regs < lim) {
		lim = o->lim_regs;
		o->limiter = "registers";
	}
	if (o->lim_smem < lim) {
		lim = o->lim_smem;
		o->limiter = "shared memory";
	}
	o->blocks_per_sm = lim;
	o->occupancy = (double)lim * wpb / gpu->max_warps_per_sm;
	return lim > 0 ? 0 : -1;
}

int model_blocks_per_sm(const struct model_gpu *gpu, int threads_per_block, int regs_per_thread,
			int smem_per_block)
{
	struct model_occupancy o;

	model_occupancy(gpu, threads_per_block, regs_per_thread, smem_per_block, &o);
	return o.blocks_per_sm;
}

static int64_t dim(int64_t v)
{
	return v > 0 ? v : 1;
}

int64_t model_kernel_blocks(const struct trace_kernel *k)
{
	return dim(k->grid_x) * dim(k->grid_y) * dim(k->grid_z);
}

int model_kernel_threads(const struct trace_kernel *k)
{
	return (int)(dim(k->block_x) * dim(k->block_y) * dim(k->block_z));
}

int model_kernel_smem(const struct trace_kernel *k)
{
	return (int)((k->static_smem > 0 ? k->static_smem : 0) +
		     (k->dynamic_smem > 0 ? k->dynamic_smem : 0));
}

int model_kernel_blocks_per_sm(const struct model_gpu *gpu, const struct trace_kernel *k)
{
	int b = model_blocks_per_sm(gpu, model_kernel_threads(k), (int)k->registers,
				    model_kernel_smem(k));
	return b > 0 ? b : 1;
}

int model_cupti_occupancy_pct(const struct model_gpu *gpu, const struct trace_kernel *k)
{
	struct model_occupancy o;
	int smem = model_kernel_smem(k);
	float warps_grid, warps, pct;

	if (k->grid_x <= 0 || k->block_x <= 0)
		return -1;
	model_occupancy(gpu, model_kernel_threads(k), (int)k->registers, smem, &o);
	if (smem > gpu->smem_per_block)
		o.blocks_per_sm = 0; /* CUPTI uses the default 48 KB per-block limit */
	warps_grid = (float)model_kernel_blocks(k) * (float)o.warps_per_block / (float)gpu->sms;
	warps = (float)(o.blocks_per_sm * o.warps_per_block);
	if (warps_grid < warps)
		warps = warps_grid;
	pct = warps / (float)gpu->max_warps_per_sm * 100.0f;
	return (int)floorf(pct + 0.5f);
}
