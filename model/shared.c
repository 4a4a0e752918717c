/*
 * shared.c - kernels on the same SMs: the SMs each gets in the block
 * scheduler's order (model_sm_alloc, the one rule the simulator, the
 * interference term and validate use), and one of n identical processes'
 * kernel on SMs they share with no SM limit (model_kernel_ns_shared).
 * model.h states the rule and its assumptions.
 */
#include "model/model.h"

void model_sm_alloc(const double *d, int n, double cap, int first, double *out)
{
	double left = cap > 0 ? cap : 0;

	if (first < 0 || first >= n)
		first = 0;
	for (int j = 0; j < n; j++) {
		int i = first + j < n ? first + j : first + j - n;
		double want = d[i] > 0 ? d[i] : 0;
		out[i] = want < left ? want : left;
		left -= out[i];
	}
}

/* The copies that can hold SMs at once: each holds at least one SM, so no
 * more than the GPU's SMs (gpujson.c holds a GPU file's to this bound, the
 * built-in GPUs have at most 144). */
#define SHARED_MAX MODEL_GPU_SMS_MAX

/* The body (less the fixed latency) of kernel p, taken from its recording
 * alone, run on sms SMs at the clock factor clock with bw GB/s of DRAM, as
 * the simulator times a running kernel; a collective's body does not depend
 * on the SMs. */
static double body_ns(const struct model_gpu *g, const struct trace_kernel *k, const struct model_kphys *p,
		      double sms, double clock, double bw)
{
	if (p->cls == TRACE_CLASS_COMM)
		return (double)(k->end_ns - k->start_ns) - p->lat_ns;
	return model_kphys_ns(g, p, sms, bw, clock) - p->lat_ns;
}

double model_kernel_ns_shared(const struct model_gpu *gpu, const struct trace_kernel *k,
			      int recorded_sms, int sms, int n)
{
	struct model_kphys p;
	double d[SHARED_MAX], a[SHARED_MAX], bw[SHARED_MAX], rate = 0, busy = 0, clock, comp, ceiling;
	int n_run = 0, n_alloc;

	if (gpu->sms > 0 && sms > gpu->sms)
		sms = gpu->sms;
	if (sms < 1)
		sms = 1;
	if (n <= 1) /* alone */
		return (double)model_kernel_ns_at_quota(gpu, k, recorded_sms, sms);
	if (recorded_sms <= 0 || recorded_sms > gpu->sms)
		recorded_sms = gpu->sms;
	model_kphys_from_trace(gpu, k, recorded_sms, model_clock_factor(gpu, recorded_sms), &p);
	n_alloc = n < sms ? n : sms; /* the copies past the SMs get none */
	if (n_alloc > SHARED_MAX)
		n_alloc = SHARED_MAX; /* not reached: sms <= gpu->sms <= SHARED_MAX */
	for (int i = 0; i < n_alloc; i++)
		d[i] = p.blocks >= 1 && p.blocks < sms ? (double)p.blocks : sms; /* the SMs its blocks fill */
	model_sm_alloc(d, n_alloc, sms, 0, a);
	for (; n_run < n_alloc && a[n_run] > 0; n_run++)
		busy += p.clocked ? a[n_run] : 0; /* the simulator's clock: clocked kernels' SMs */
	clock = model_clock_factor(gpu, busy);
	/* the running copies' DRAM demands at their SMs, shared max-min fair
	 * (the simulator's waterfill; a waiting copy draws nothing) */
	for (int i = 0; i < n_run; i++)
		d[i] = model_kphys_rate(gpu, &p, a[i], clock, &comp, &ceiling);
	model_fair_shares(d, n_run, model_hbm_achievable_gbps(gpu), bw);
	/* each copy is launched first in turn: its mean rate over the n orders
	 * is the mean over the n positions of one order */
	for (int i = 0; i < n_run; i++) {
		double b = body_ns(gpu, k, &p, a[i], clock, bw[i]);
		rate += b > 0 ? 1 / b : 0;
	}
	return rate > 0 ? p.lat_ns + n / rate : p.lat_ns;
}
