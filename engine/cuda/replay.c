/* replay.c - size a synthetic replay kernel from a recorded kernel. */
#include "engine/cuda/engine-cuda.h"

#include <string.h>

int engine_cuda_blocks_per_sm(const struct engine_cuda_device *d, int threads, int regs,
			      int smem)
{
	int warp = d->warp_size > 0 ? d->warp_size : 32;
	int warps, by_threads, by_regs, by_smem, n;

	if (threads <= 0 || smem < 0 || smem > d->smem_per_block_optin)
		return 0;
	warps = (threads + warp - 1) / warp;
	by_threads = d->max_threads_per_sm / (warps * warp);
	n = by_threads < d->max_blocks_per_sm ? by_threads : d->max_blocks_per_sm;
	if (regs > 0) {
		int unit = d->reg_alloc_unit > 0 ? d->reg_alloc_unit : 256;
		int per_warp = (regs * warp + unit - 1) / unit * unit;
		by_regs = (d->regs_per_sm / per_warp) / warps;
		if (by_regs < n)
			n = by_regs;
	}
	by_smem = d->smem_per_sm / (smem + d->smem_reserved_per_block > 0
					    ? smem + d->smem_reserved_per_block : 1);
	if (by_smem < n)
		n = by_smem;
	return n > 0 ? n : 0;
}

static int mode_of(const struct trace_kernel *k)
{
	switch (k->kclass) {
	case TRACE_CLASS_GEMM:
	case TRACE_CLASS_ATTENTION:
	case TRACE_CLASS_CONV:
		return ENGINE_CUDA_REPLAY_COMPUTE;
	case TRACE_CLASS_ELEMENTWISE:
	case TRACE_CLASS_REDUCTION:
	case TRACE_CLASS_MEMORY:
		return ENGINE_CUDA_REPLAY_MEMORY;
	case TRACE_CLASS_COMM:
		return ENGINE_CUDA_REPLAY_SKIP;
	default:
		if (k->flops > 0 && k->bytes > 0)
			return (double)k->flops / (double)k->bytes >= 8.0 ? ENGINE_CUDA_REPLAY_COMPUTE
									   : ENGINE_CUDA_REPLAY_MEMORY;
		if (k->bytes > 0)
			return ENGINE_CUDA_REPLAY_MEMORY;
		return ENGINE_CUDA_REPLAY_COMPUTE;
	}
}

int engine_cuda_replay_size(const struct engine_cuda_device *d, const struct trace_kernel *k,
			    struct engine_cuda_replay *out, struct mo_err *err)
{
	int64_t dur = k->end_ns - k->start_ns, work_ns;
	int64_t blocks, resident;
	int threads, smem, regs;

	memset(out, 0, sizeof(*out));
	if (k->start_ns < 0 || dur <= 0)
		return mo_err_set(err, MO_EINPUT, "kernel '%s': no positive duration", k->name);
	if (k->grid_x <= 0 || k->grid_y <= 0 || k->grid_z <= 0 || k->block_x <= 0 ||
	    k->block_y <= 0 || k->block_z <= 0)
		return mo_err_set(err, MO_EINPUT, "kernel '%s': no launch configuration", k->name);
	if (d->sms <= 0 || d->fma_per_ns_per_sm <= 0 || d->dram_bytes_per_ns <= 0)
		return mo_err_set(err, MO_EUSAGE, "device not calibrated");
	out->mode = mode_of(k);
	out->grid[0] = (unsigned)k->grid_x;
	out->grid[1] = (unsigned)k->grid_y;
	out->grid[2] = (unsigned)k->grid_z;
	out->block[0] = (unsigned)k->block_x;
	out->block[1] = (unsigned)k->block_y;
	out->block[2] = (unsigned)k->block_z;
	out->expect_ns = dur;
	if (out->mode == ENGINE_CUDA_REPLAY_SKIP)
		return 0;
	threads = (int)(k->block_x * k->block_y * k->block_z);
	smem = (int)((k->static_smem > 0 ? k->static_smem : 0) +
		     (k->dynamic_smem > 0 ? k->dynamic_smem : 0));
	regs = k->registers > 0 ? (int)k->registers : d->replay_regs;
	out->target_blocks_per_sm = engine_cuda_blocks_per_sm(d, threads, regs, smem);
	if (out->target_blocks_per_sm == 0)
		return mo_err_set(err, MO_EINPUT,
				  "kernel '%s': %d threads, %d registers, %d B shared memory per block "
				  "cannot run on this device",
				  k->name, threads, regs, smem);
	out->dyn_smem = (unsigned)smem;
	out->blocks_per_sm = engine_cuda_blocks_per_sm(d, threads, d->replay_regs, smem);
	if (out->blocks_per_sm > out->target_blocks_per_sm) {
		/* pad shared memory until only the recorded number of blocks fits */
		int pad = d->smem_per_sm / out->target_blocks_per_sm - d->smem_reserved_per_block;
		if (pad > d->smem_per_block_optin)
			pad = d->smem_per_block_optin;
		if (pad > smem)
			out->dyn_smem = (unsigned)pad;
		out->blocks_per_sm =
			engine_cuda_blocks_per_sm(d, threads, d->replay_regs, (int)out->dyn_smem);
	}
	if (out->blocks_per_sm == 0)
		return mo_err_set(err, MO_EINPUT, "kernel '%s': replay kernel cannot fit its block",
				  k->name);
	work_ns = dur - (d->launch_ns > 0 ? d->launch_ns : 0);
	if (work_ns < 1)
		work_ns = 1;
	blocks = k->grid_x * k->grid_y * k->grid_z;
	resident = (int64_t)out->blocks_per_sm * d->sms;
	if (out->mode == ENGINE_CUDA_REPLAY_COMPUTE) {
		int64_t waves = (blocks + resident - 1) / resident;
		int64_t per_sm = (blocks < resident ? (blocks + d->sms - 1) / d->sms
						    : out->blocks_per_sm) * threads;
		double t_iter = (double)per_sm / d->fma_per_ns_per_sm;

		if (t_iter < d->iter_latency_ns)
			t_iter = d->iter_latency_ns;
		out->iters = (int64_t)((double)work_ns / ((double)waves * t_iter) + 0.5);
		if (out->iters < 1)
			out->iters = 1;
	} else {
		int64_t min_bytes = blocks * threads * 8; /* one float read + write per thread */
		out->bytes = k->bytes > 0 ? k->bytes : (int64_t)((double)work_ns * d->dram_bytes_per_ns);
		if (out->bytes < min_bytes)
			out->bytes = min_bytes;
	}
	return 0;
}
