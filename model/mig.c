/*
 * mig.c - a MIG GPU instance as the GPU it is: its own SMs and its share
 * of DRAM bandwidth, L2 and memory (model.h, "MIG instances").
 */
#include "model/model.h"

/* Memory slices (of 8) of an A100 GPU instance of 1..7 compute slices; 0
 * where no profile exists (NVIDIA MIG user guide, "Supported MIG Profiles",
 * A100 table: 1g 1/8, 2g 2/8, 3g 4/8, 4g 4/8, 7g 8/8). */
static const int mem_eighths[8] = { 0, 1, 2, 4, 4, 0, 0, 8 };

void model_gpu_portion(const struct model_gpu *gpu, int sms, double mem_frac,
		       struct model_gpu *out)
{
	struct model_gpu g = *gpu;
	double f = (double)sms / gpu->sms; /* the peaks are the whole GPU's: op.c and
					      the physics take sms of them per SM */

	g.sms = sms;
	model_gpu_scale_peaks(&g, f);
	g.hbm_gbps = gpu->hbm_gbps * mem_frac;
	g.l2_bytes = (int64_t)((double)gpu->l2_bytes * mem_frac);
	g.mem_bytes = (int64_t)((double)gpu->mem_bytes * mem_frac);
	g.tdp_w = 0; /* power is not partitioned: the clock is taken as independent of load */
	*out = g;
}

int model_mig_instance(const struct model_gpu *gpu, int sms, struct model_gpu *out,
		       struct mo_err *err)
{
	int slices = sms / MODEL_MIG_A100_SLICE_SMS;

	if (gpu->cc_major != 8 || gpu->cc_minor != 0 || gpu->sms != 108)
		return mo_err_set(err, MO_EINPUT, "MIG instances are modelled on the A100 only, not '%s'",
				  gpu->short_name);
	if (sms % MODEL_MIG_A100_SLICE_SMS || slices < 1 || slices > 7 || !mem_eighths[slices])
		return mo_err_set(err, MO_EINPUT, "no A100 MIG instance has %d SMs (1g 14, 2g 28, 3g "
				  "42, 4g 56, 7g 98)", sms);
	model_gpu_portion(gpu, sms, mem_eighths[slices] / 8.0, out);
	return 0;
}
