/*
 * sim-kernel.c - what the simulator makes of a kernel record: the model's
 * kernel physics (model_kphys_from_trace), copied into the engine's kernel
 * (see engine_kernel_from_trace in engine.h).
 */
#include "engine/engine-internal.h"

#include <string.h>

void engine_kernel_from_trace(const struct model_gpu *gpu, const struct trace_kernel *k,
			      int recorded_sms, struct engine_kernel *out)
{
	struct model_kphys p;
	int sms = recorded_sms > 0 && recorded_sms <= gpu->sms ? recorded_sms : gpu->sms;

	memset(out, 0, sizeof(*out));
	model_kphys_from_trace(gpu, k, sms, model_clock_factor(gpu, sms), &p);
	out->blocks = p.blocks;
	out->blocks_per_sm = p.blocks_per_sm;
	out->wave_ns = p.wave_ns;
	out->bytes = p.bytes;
	out->bw_eff = p.bw_eff;
	out->lat_ns = p.lat_ns;
	out->warps_per_block = p.warps_per_block;
	out->clocked = p.clocked;
}

struct model_kphys engine_kernel_kphys(const struct engine_kernel *k)
{
	struct model_kphys p = { 0 };

	p.blocks = k->blocks;
	p.blocks_per_sm = k->blocks_per_sm;
	p.warps_per_block = k->warps_per_block;
	p.wave_ns = k->wave_ns;
	p.bytes = k->bytes;
	p.bw_eff = k->bw_eff;
	p.lat_ns = k->lat_ns;
	p.clocked = k->clocked;
	return p;
}
