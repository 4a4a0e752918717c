/*
 * shared.c - one of n identical processes' kernel on SMs they share with no
 * SM limit (model.h, model_kernel_ns_shared).
 */
#include "model/model.h"

double model_kernel_ns_shared(const struct model_gpu *gpu, const struct trace_kernel *k,
			      int recorded_sms, int sms, int n)
{
	struct model_kphys p;
	struct model_quota_pred q;
	struct model_gpu g = *gpu;
	double share = gpu->dram_share > 0 && gpu->dram_share < 1 ? gpu->dram_share : 1;
	int64_t d;
	int m;

	if (sms < 1)
		sms = 1;
	if (n <= 1) /* alone */
		return (double)model_kernel_ns_at_quota(gpu, k, recorded_sms, sms);
	model_kphys_from_trace(gpu, k, recorded_sms, model_clock_factor(gpu, recorded_sms), &p);
	d = p.blocks >= 1 && p.blocks < sms ? p.blocks : sms; /* the SMs its blocks fill */
	m = sms / d < n ? (int)(sms / d) : n;                 /* copies side by side */
	if (m < 1)
		m = 1;
	g.dram_share = share / m;
	model_kernel_predict_at_quota(&g, k, recorded_sms, (int)d, &q);
	return (double)q.launch_ns + (double)n / m * (double)(q.ns - q.launch_ns);
}
