/*
 * quota.c - a measured kernel's time when confined to another number of SMs:
 * the kernel's physics (physics.c, model_kphys_from_trace) taken from its
 * recorded time, evaluated at the quota, alone (its own DRAM ceiling, the
 * clock of a GPU with only its SMs busy).  Collective kernels (class
 * communication) are bound by links, not SMs: their time is kept.  The
 * wave-scaling baseline is T * waves(q) / waves(R) with waves(s) =
 * ceil(blocks / (blocks per SM * s)).
 */
#include "model/model.h"
#include "model/model-internal.h"

#include <math.h>

static double waves(int64_t blocks, int bps, int sms)
{
	double slots = (double)bps * sms;

	return ceil((double)blocks / slots);
}

void model_kernel_predict_at_quota(const struct model_gpu *gpu, const struct trace_kernel *k,
				   int recorded_sms, int quota_sms, struct model_quota_pred *o)
{
	int64_t t = k->end_ns - k->start_ns;
	int64_t blocks = model_kernel_blocks(k);
	struct model_kphys p;
	double comp, mem, clock, ceiling;

	if (t < 0)
		t = 0;
	if (recorded_sms <= 0 || recorded_sms > gpu->sms)
		recorded_sms = gpu->sms;
	if (quota_sms <= 0 || quota_sms > gpu->sms)
		quota_sms = gpu->sms;
	model_kphys_from_trace(gpu, k, recorded_sms, model_clock_factor(gpu, recorded_sms), &p);
	o->blocks_per_sm = p.blocks_per_sm;
	o->waves_rec = waves(blocks, o->blocks_per_sm, recorded_sms);
	o->waves_q = waves(blocks, o->blocks_per_sm, quota_sms);
	o->baseline_ns = (int64_t)llround((double)t * o->waves_q / o->waves_rec);
	o->dram_bytes = p.bytes;
	if (p.cls == TRACE_CLASS_COMM) {
		o->mem_frac = 0;
		o->launch_ns = (int64_t)llround(p.lat_ns);
		o->memory_ns = 0;
		o->compute_ns = t - o->launch_ns;
		o->ns = t;
		o->baseline_ns = t;
		o->dram_bytes = k->bytes > 0 ? (double)k->bytes : 0;
		return;
	}
	{
		double c_r = model_kphys_compute_ns(&p, recorded_sms, model_clock_factor(gpu, recorded_sms));
		double m_r = p.bytes > 0 ? p.bytes / model_kphys_bw_ceiling(gpu, &p, recorded_sms) : 0;
		o->mem_frac = c_r + m_r > 0 ? m_r / (c_r + m_r) : 0;
	}
	clock = model_clock_factor(gpu, quota_sms);
	model_kphys_rate(gpu, &p, quota_sms, clock, &comp, &ceiling);
	mem = p.bytes > 0 ? p.bytes / ceiling : 0;
	o->launch_ns = (int64_t)llround(p.lat_ns);
	o->memory_ns = (int64_t)llround(mem > comp ? mem : 0);
	o->compute_ns = (int64_t)llround(mem > comp ? 0 : comp);
	o->ns = (int64_t)llround(model_kphys_time(&p, comp, ceiling, 0));
}

int64_t model_kernel_ns_at_quota(const struct model_gpu *gpu, const struct trace_kernel *k,
				 int recorded_sms, int quota_sms)
{
	struct model_quota_pred p;

	model_kernel_predict_at_quota(gpu, k, recorded_sms, quota_sms, &p);
	return p.ns;
}

int64_t model_kernel_ns_waves(const struct model_gpu *gpu, const struct trace_kernel *k,
			      int recorded_sms, int quota_sms)
{
	struct model_quota_pred p;

	model_kernel_predict_at_quota(gpu, k, recorded_sms, quota_sms, &p);
	return p.baseline_ns;
}
