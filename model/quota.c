/*
 * quota.c - a measured kernel's time when confined to another number of SMs.
 *
 * See model.h (model_kernel_predict_at_quota) for the model.  What it rests
 * on:
 *  - wave quantisation: a grid runs in ceil(blocks / (blocks per SM * SMs))
 *    waves of resident blocks, each about as long as one block (the CUDA
 *    execution model; the "tail effect" of the CUDA best-practices guide);
 *  - DRAM bandwidth saturates before all SMs issue loads: by Little's law an
 *    SM sustains (bytes in flight) / (DRAM latency), and streaming
 *    microbenchmarks on V100/A100/H100 (e.g. Jia et al., "Dissecting the
 *    NVIDIA Volta GPU Architecture via Microbenchmarking", 2018, and the
 *    Ampere/Hopper follow-ups) reach the HBM plateau with roughly half the
 *    SMs.  We take MODEL_BW_SATURATION = 0.55 of the SMs as the knee;
 *  - a fixed launch cost that no SM count shortens.
 * Collective kernels (class communication) are bound by links, not SMs:
 * their time is kept.
 */
#include "model/model.h"
#include "model/model-internal.h"

#include <math.h>

double model_dram_gbps_at(const struct model_gpu *gpu, double sms)
{
	double per_sm = gpu->hbm_gbps / (MODEL_BW_SATURATION * gpu->sms);
	double bw = sms * per_sm;

	return bw < gpu->hbm_gbps ? bw : gpu->hbm_gbps;
}

static double waves(int64_t blocks, int bps, int sms)
{
	double slots = (double)bps * sms;

	return ceil((double)blocks / slots);
}

static double class_mem_frac(int cls)
{
	switch (cls) {
	case TRACE_CLASS_GEMM:
		return 0.15;
	case TRACE_CLASS_ATTENTION:
		return 0.2;
	case TRACE_CLASS_CONV:
		return 0.25;
	case TRACE_CLASS_ELEMENTWISE:
		return 0.9;
	case TRACE_CLASS_REDUCTION:
		return 0.8;
	case TRACE_CLASS_MEMORY:
		return 0.95;
	default:
		return 0.5;
	}
}

static double peak_tflops(const struct model_gpu *gpu, const char *name)
{
	(void)name;
	return gpu->bf16_tflops > 0 ? gpu->bf16_tflops : gpu->fp16_tflops > 0 ? gpu->fp16_tflops
									   : gpu->fp32_tflops;
}

void model_kernel_predict_at_quota(const struct model_gpu *gpu, const struct trace_kernel *k,
				   int recorded_sms, int quota_sms, struct model_quota_pred *o)
{
	int64_t t = k->end_ns - k->start_ns;
	int64_t blocks = model_kernel_blocks(k);
	int cls = k->kclass >= 0 && k->kclass < TRACE_CLASS_COUNT ? (int)k->kclass
										   : model_classify(k);
	double launch, body, mem, comp, act_r, act_q;

	if (t < 0)
		t = 0;
	if (recorded_sms <= 0)
		recorded_sms = gpu->sms;
	if (quota_sms <= 0)
		quota_sms = gpu->sms;
	o->blocks_per_sm = model_kernel_blocks_per_sm(gpu, k);
	o->waves_rec = waves(blocks, o->blocks_per_sm, recorded_sms);
	o->waves_q = waves(blocks, o->blocks_per_sm, quota_sms);
	o->baseline_ns = (int64_t)llround((double)t * o->waves_q / o->waves_rec);

	launch = MODEL_QUOTA_LAUNCH_NS;
	if (launch > t)
		launch = (double)t;
	body = (double)t - launch;
	act_r = blocks < recorded_sms ? (double)blocks : recorded_sms;
	act_q = blocks < quota_sms ? (double)blocks : quota_sms;

	if (cls == TRACE_CLASS_COMM) {
		o->mem_frac = 0;
		o->launch_ns = (int64_t)launch;
		o->memory_ns = 0;
		o->compute_ns = (int64_t)body;
		o->ns = t;
		o->baseline_ns = t;
		o->dram_bytes = k->bytes > 0 ? (double)k->bytes : 0;
		return;
	}
	if (k->flops > 0 && k->bytes > 0) {
		/* roofline at the recorded SMs */
		double tc = (double)k->flops / (peak_tflops(gpu, k->name) * 1e3 * act_r / gpu->sms);
		double tm = (double)k->bytes / model_dram_gbps_at(gpu, act_r);
		o->mem_frac = tm / (tc + tm);
	} else if (k->bytes > 0 && k->flops == 0) {
		o->mem_frac = 1;
	} else {
		o->mem_frac = class_mem_frac(cls);
	}
	mem = body * o->mem_frac;
	comp = body - mem;
	o->dram_bytes = k->bytes > 0 ? (double)k->bytes : mem * model_dram_gbps_at(gpu, act_r);
	comp = comp * o->waves_q / o->waves_rec;
	mem = mem * model_dram_gbps_at(gpu, act_r) / model_dram_gbps_at(gpu, act_q);
	o->launch_ns = (int64_t)llround(launch);
	o->memory_ns = (int64_t)llround(mem);
	o->compute_ns = (int64_t)llround(comp);
	o->ns = o->launch_ns + o->memory_ns + o->compute_ns;
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
