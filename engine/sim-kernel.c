/*
 * sim-kernel.c - what the simulator makes of a kernel record: its waves, its
 * DRAM traffic and its compute/memory split (see engine_kernel_from_trace in
 * engine.h).  Uses the model's GPU specs and occupancy (the CUDA rules), never
 * the model's time predictions.
 */
#include "engine/engine-internal.h"

#include <math.h>
#include <string.h>

static int64_t pos(int64_t v)
{
	return v > 0 ? v : 1;
}

void engine_kernel_from_trace(const struct model_gpu *gpu, const struct trace_kernel *k,
			      int recorded_sms, struct engine_kernel *out)
{
	int64_t dur = k->end_ns - k->start_ns;
	int64_t blocks = pos(k->grid_x) * pos(k->grid_y) * pos(k->grid_z);
	int threads = (int)(pos(k->block_x) * pos(k->block_y) * pos(k->block_z));
	int smem = (int)((k->static_smem > 0 ? k->static_smem : 0) +
			 (k->dynamic_smem > 0 ? k->dynamic_smem : 0));
	int bps = 1, sms = recorded_sms > 0 ? recorded_sms : gpu->sms;
	double waves, held, hbm = gpu->hbm_gbps > 0 ? gpu->hbm_gbps : 1000;

	memset(out, 0, sizeof(*out));
	if (dur < 1)
		dur = 1;
	if (threads > 0 && threads <= gpu->max_threads_per_block) {
		bps = model_blocks_per_sm(gpu, threads, k->registers > 0 ? (int)k->registers : 0,
					  smem);
		if (bps < 1)
			bps = 1;
	}
	out->blocks = blocks;
	out->blocks_per_sm = bps;
	waves = ceil((double)blocks / ((double)bps * sms) - 1e-12);
	if (waves < 1)
		waves = 1;
	held = (double)(blocks < sms ? blocks : sms); /* blocks spread over SMs first */
	out->wave_ns = (double)dur / waves;
	out->bytes = 0;
	out->bw_eff = 0;
	if (k->bytes > 0) {
		double t_mem = (double)k->bytes / hbm; /* ns at the HBM peak */
		double peak = gpu->fp32_tflops;
		int tensor = k->kclass == TRACE_CLASS_GEMM || k->kclass == TRACE_CLASS_ATTENTION ||
			     k->kclass == TRACE_CLASS_CONV;
		/* what its SMs could draw at the recorded size */
		double ceiling = ENGINE_SM_BW_FACTOR * hbm / gpu->sms * held;
		double drawn = (double)k->bytes / (double)dur;
		if (ceiling > hbm)
			ceiling = hbm;
		if (tensor && gpu->bf16_tflops > 0)
			peak = gpu->bf16_tflops;
		double t_comp = k->flops > 0 && peak > 0 ? (double)k->flops / (peak * 1e3) : 0;
		out->bytes = (double)k->bytes;
		if (drawn > ceiling) {
			/* more traffic than its SMs could move in its time: the
			 * estimate is high; keep what fits */
			out->bytes = ceiling * (double)dur;
			drawn = ceiling;
		}
		if (t_mem >= t_comp) {
			/* memory-bound: alone, its traffic at the bandwidth it
			 * reached takes the whole duration; compute keeps the
			 * roofline ratio */
			out->wave_ns = (double)dur * (t_mem > 0 ? t_comp / t_mem : 0) / waves;
			out->bw_eff = drawn / ceiling;
			if (out->bw_eff <= 0)
				out->bw_eff = 1e-6;
		}
	}
}
