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

/* The copies that can hold SMs at once: sms SMs hold at most sms of them. */
#define SHARED_MAX 256

/* The body (less the fixed latency) of kernel p, taken from its recording
 * alone, run on sms SMs of g (whose dram_share is the running copies') at
 * the clock of busy SMs; a collective's body does not depend on the SMs. */
static double body_ns(const struct model_gpu *g, const struct trace_kernel *k, const struct model_kphys *p,
		      double sms, double busy)
{
	double comp, ceiling;

	if (p->cls == TRACE_CLASS_COMM)
		return (double)(k->end_ns - k->start_ns) - p->lat_ns;
	model_kphys_rate(g, p, sms, model_clock_factor(g, busy), &comp, &ceiling);
	return model_kphys_time(p, comp, ceiling, 0) - p->lat_ns;
}

double model_kernel_ns_shared(const struct model_gpu *gpu, const struct trace_kernel *k,
			      int recorded_sms, int sms, int n)
{
	struct model_kphys p;
	struct model_gpu g = *gpu;
	double share = gpu->dram_share > 0 && gpu->dram_share < 1 ? gpu->dram_share : 1;
	double d[SHARED_MAX], a[SHARED_MAX], rate = 0, busy = 0;
	int n_run = 0, n_alloc;

	if (sms < 1)
		sms = 1;
	if (n <= 1) /* alone */
		return (double)model_kernel_ns_at_quota(gpu, k, recorded_sms, sms);
	if (recorded_sms <= 0 || recorded_sms > gpu->sms)
		recorded_sms = gpu->sms;
	model_kphys_from_trace(gpu, k, recorded_sms, model_clock_factor(gpu, recorded_sms), &p);
	n_alloc = n < SHARED_MAX ? n : SHARED_MAX; /* the rest get no SM (sms <= SHARED_MAX) */
	for (int i = 0; i < n_alloc; i++)
		d[i] = p.blocks >= 1 && p.blocks < sms ? (double)p.blocks : sms; /* the SMs its blocks fill */
	model_sm_alloc(d, n_alloc, sms, 0, a);
	for (int i = 0; i < n_alloc && a[i] > 0; i++) {
		n_run++;
		busy += a[i];
	}
	g.dram_share = share / n_run; /* the running copies share the DRAM (n_run >= 1) */
	/* each copy is launched first in turn: its mean rate over the n orders
	 * is the mean over the n positions of one order */
	for (int i = 0; i < n_run; i++) {
		double b = body_ns(&g, k, &p, a[i], busy);
		rate += b > 0 ? 1 / b : 0;
	}
	return rate > 0 ? p.lat_ns + n / rate : p.lat_ns;
}
