/*
 * physics.c - the kernel-physics core: what one kernel costs on a number of
 * SMs, at a clock, with a share of DRAM bandwidth.  The quota model
 * (quota.c), the kernel-from-shape model (op.c), the interference term
 * (interference.c) and the simulator's rate computation (engine/sim-core.c)
 * all call these functions; no other file has a kernel time formula of its
 * own.  The mechanisms and where each constant comes from are in model.h
 * ("Kernel physics").
 */
#include "model/model.h"
#include "model/model-internal.h"

#include <math.h>

/* ---- DRAM ---- */

static double sat_frac(const struct model_gpu *g)
{
	return g->cc_major >= 9 ? MODEL_BW_SAT_SM90 : MODEL_BW_SAT_PRE90;
}

/* The achievable fraction of the data-sheet bandwidth, times share. */
static double achievable(const struct model_gpu *g, double share)
{
	return g->hbm_gbps * MODEL_DRAM_EFF * share;
}

double model_hbm_achievable_gbps(const struct model_gpu *g)
{
	return achievable(g, g->dram_share > 0 && g->dram_share < 1 ? g->dram_share : 1);
}

double model_sm_gbps(const struct model_gpu *g)
{
	return achievable(g, 1) / (sat_frac(g) * (g->sms > 0 ? g->sms : 1));
}

/* What sms SMs can draw from cap GB/s. */
static double dram_at(const struct model_gpu *gpu, double sms, double cap)
{
	double bw = sms * model_sm_gbps(gpu);

	return bw < cap ? bw : cap;
}

double model_dram_gbps_at(const struct model_gpu *gpu, double sms)
{
	return dram_at(gpu, sms, model_hbm_achievable_gbps(gpu));
}

/* ---- clock under load ---- */

double model_clock_knee(const struct model_gpu *g)
{
	double w_per_sm_ghz, knee;

	if (g->tdp_w <= 0 || g->clock_mhz <= 0 || g->sms <= 0)
		return 1.0;
	w_per_sm_ghz = g->tdp_w / (g->sms * g->clock_mhz / 1000.0);
	knee = MODEL_CLOCK_KNEE_L40 + MODEL_CLOCK_KNEE_SLOPE * (w_per_sm_ghz - MODEL_CLOCK_W_L40);
	if (knee > 1)
		knee = 1;
	if (knee < MODEL_CLOCK_KNEE_MIN)
		knee = MODEL_CLOCK_KNEE_MIN;
	return knee;
}

double model_clock_factor(const struct model_gpu *g, double busy_sms)
{
	double knee = model_clock_knee(g), frac;

	if (knee >= 1 || g->sms <= 0)
		return 1.0;
	frac = busy_sms / g->sms;
	return frac <= knee ? 1.0 : knee / frac;
}

/* ---- one kernel ---- */

/* Latency hiding: the fraction of the SM's throughput n resident blocks
 * reach (two warps per scheduler hide the pipeline latency). */
static double util_of(const struct model_kphys *k, double n)
{
	double u;

	if (k->warps_per_block <= 0)
		return 1.0;
	u = n * k->warps_per_block / MODEL_WARPS_FOR_PEAK;
	return u < 1 ? u : 1.0;
}

double model_kphys_compute_ns(const struct model_kphys *k, double sms, double clock)
{
	double per, full, rest, bps = k->blocks_per_sm > 0 ? k->blocks_per_sm : 1;
	double block_ns, t;

	if (k->wave_ns <= 0)
		return 0;
	if (sms < 1)
		sms = 1;
	sms = floor(sms + 1e-9);
	per = ceil((double)(k->blocks > 0 ? k->blocks : 1) / sms - 1e-12); /* busiest SM */
	block_ns = k->wave_ns * util_of(k, bps) / bps; /* SM-time of one block */
	full = floor(per / bps + 1e-12);
	rest = per - full * bps;
	t = full * k->wave_ns;
	if (rest > 0)
		t += rest * block_ns / util_of(k, rest); /* the partial last wave */
	return k->clocked && clock > 0 ? t / clock : t;
}

double model_kphys_bw_ceiling(const struct model_gpu *g, const struct model_kphys *k, double sms)
{
	double act = (double)(k->blocks > 0 ? k->blocks : 1);
	double bw;

	if (act > sms)
		act = sms;
	bw = model_dram_gbps_at(g, act);
	if (k->bw_eff > 0 && k->bw_eff < 1)
		bw *= k->bw_eff;
	return bw;
}

double model_kphys_rate(const struct model_gpu *g, const struct model_kphys *k, double sms, double clock,
			double *comp, double *ceiling)
{
	*comp = model_kphys_compute_ns(k, sms, clock);
	*ceiling = k->bytes > 0 ? model_kphys_bw_ceiling(g, k, sms) : 0;
	if (k->bytes <= 0)
		return 0;
	if (*comp <= 0 || k->bytes / *comp > *ceiling)
		return *ceiling;
	return k->bytes / *comp;
}

double model_kphys_time(const struct model_kphys *k, double comp, double ceiling, double bw_gbps)
{
	double mem = 0;

	if (k->bytes > 0) {
		if (bw_gbps <= 0 || bw_gbps > ceiling)
			bw_gbps = ceiling;
		mem = k->bytes / bw_gbps;
	}
	return k->lat_ns + (comp > mem ? comp : mem);
}

double model_kphys_ns(const struct model_gpu *g, const struct model_kphys *k, double sms,
		      double bw_gbps, double clock)
{
	double comp, ceiling;

	model_kphys_rate(g, k, sms, clock, &comp, &ceiling);
	return model_kphys_time(k, comp, ceiling, bw_gbps);
}

double model_kphys_dram_demand(const struct model_gpu *g, const struct model_kphys *k, double sms,
			       double clock)
{
	double comp, ceiling;

	return model_kphys_rate(g, k, sms, clock, &comp, &ceiling);
}

/* ---- a measured kernel ---- */

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

/* The peak (TFLOP/s) k computes at: a tensor-class kernel's precision as
 * its name spells it (model_kernel_dtype), the 16-bit one when it spells
 * none; FP32 for the other classes. */
static double kernel_peak(const struct model_gpu *g, const struct trace_kernel *k, int cls)
{
	int dtype = model_class_tensor(cls) ? model_kernel_dtype(k->name) : MODEL_FP32;

	return model_gpu_peak_tflops(g, dtype >= 0 ? dtype : MODEL_BF16, NULL);
}

void model_kphys_from_trace(const struct model_gpu *g, const struct trace_kernel *k, int recorded_sms,
			    double recorded_clock, struct model_kphys *out)
{
	double t = (double)(k->end_ns - k->start_ns), body, act, ceil_r, comp_r, mem_r, mf;
	int cls = k->kclass >= 0 && k->kclass < TRACE_CLASS_COUNT ? (int)k->kclass : model_classify(k);
	struct model_occupancy occ;
	struct model_kphys unit;

	if (t < 1)
		t = 1;
	if (recorded_sms <= 0 || recorded_sms > g->sms)
		recorded_sms = g->sms;
	if (recorded_clock <= 0)
		recorded_clock = 1;
	out->cls = cls;
	out->blocks = model_kernel_blocks(k);
	model_occupancy(g, model_kernel_threads(k), (int)k->registers, model_kernel_smem(k), &occ);
	out->blocks_per_sm = occ.blocks_per_sm > 0 ? occ.blocks_per_sm : 1; /* model_kernel_blocks_per_sm */
	out->warps_per_block = occ.warps_per_block > 0 ? occ.warps_per_block : 0;
	out->lat_ns = t < MODEL_KERNEL_LAT_NS ? t : MODEL_KERNEL_LAT_NS;
	out->bw_eff = 0;
	body = t - out->lat_ns;
	act = (double)(out->blocks < recorded_sms ? out->blocks : recorded_sms);
	/* recorded alone: g's dram_share is the prediction's, not the recording's */
	ceil_r = dram_at(g, act, achievable(g, 1));
	/* memory-bound share of the body at R: from flops and bytes when both
	 * are known (roofline at the recorded SMs), else the class */
	if (k->flops > 0 && k->bytes > 0) {
		double peak = kernel_peak(g, k, cls);
		double tc = (double)k->flops / (peak * 1e3 * act / g->sms);
		double tm = (double)k->bytes / ceil_r;
		mf = tm / (tc + tm);
	} else if (k->bytes > 0 && k->flops == 0) {
		mf = 1;
	} else {
		mf = class_mem_frac(cls);
	}
	/* roofline with overlap: the bound part takes the whole body, the other
	 * runs in its shadow (in proportion to the two fractions) */
	if (mf >= 0.5) {
		mem_r = body;
		comp_r = body * (1 - mf) / mf;
	} else {
		comp_r = body;
		mem_r = body * mf / (1 - mf);
	}
	out->bytes = k->bytes > 0 ? (double)k->bytes : mem_r * ceil_r;
	if (out->bytes > mem_r * ceil_r)
		out->bytes = mem_r * ceil_r; /* more than its SMs could move: keep what fits */
	if (mem_r > 0 && out->bytes > 0)
		out->bw_eff = out->bytes / (mem_r * ceil_r); /* fraction of the ceiling reached */
	if (out->bw_eff >= 1 || out->bw_eff <= 0)
		out->bw_eff = 0;
	out->clocked = mf < 0.5 && model_class_tensor(cls);
	/* the compute part at unit wave time, to solve for wave_ns */
	unit = *out;
	unit.wave_ns = 1;
	{
		double c1 = model_kphys_compute_ns(&unit, recorded_sms, recorded_clock);
		out->wave_ns = c1 > 0 ? comp_r / c1 : 0;
	}
}

/* ---- partitions running together ---- */

void model_fair_shares(const double *d, int n, double cap, double *out)
{
	double given = 0;
	int left = n;

	for (int i = 0; i < n; i++)
		out[i] = -1; /* not yet given: a share is never negative */
	for (;;) {
		double share = (cap - given) / (left > 0 ? left : 1);
		int progressed = 0;
		for (int i = 0; i < n; i++)
			if (out[i] < 0 && d[i] <= share) {
				out[i] = d[i] > 0 ? d[i] : 0;
				given += out[i];
				left--;
				progressed = 1;
			}
		if (!progressed) {
			for (int i = 0; i < n; i++)
				if (out[i] < 0)
					out[i] = share;
			return;
		}
	}
}

/* Own's slowdown in one turn: own holds a[0] of its sms SMs, same[i] holds
 * a[1 + i] (0: it waits, drawing no DRAM and no clock); the others run. */
static double corun_turn(const struct model_gpu *g, const struct model_load *own,
			 const struct model_load *same, int n_same, const double *a,
			 const struct model_load *others, int n_others)
{
	double d[MODEL_CORUN_MAX + 1], s[MODEL_CORUN_MAX + 1], tensor, mf, tf, f_alone, f_co;
	double stretch = 1, bw, slow, same_tensor = own->tensor_sms, sms = a[0];
	int n = 1;

	if (sms > 0 && sms < own->sms)
		stretch = own->sms / sms; /* its compute runs on the SMs it is given */
	d[0] = own->dram_gbps > 0 ? own->dram_gbps : 0;
	for (int i = 0; i < n_same && n <= MODEL_CORUN_MAX; i++) {
		if (a[1 + i] <= 0)
			continue; /* waiting */
		d[n++] = same[i].dram_gbps > 0 ? same[i].dram_gbps : 0;
		same_tensor += same[i].tensor_sms > 0 ? same[i].tensor_sms : 0;
	}
	tensor = same_tensor < own->sms ? same_tensor : own->sms; /* one partition's SMs */
	for (int i = 0; i < n_others && n <= MODEL_CORUN_MAX; i++) {
		d[n++] = others[i].dram_gbps > 0 ? others[i].dram_gbps : 0;
		tensor += others[i].tensor_sms > 0 ? others[i].tensor_sms : 0;
	}
	model_fair_shares(d, n, model_hbm_achievable_gbps(g), s);
	bw = s[0];
	if (stretch > 1 && model_dram_gbps_at(g, sms) < bw)
		bw = model_dram_gbps_at(g, sms); /* fewer SMs pull less */
	mf = own->mem_frac < 0 ? 0 : own->mem_frac > 1 ? 1 : own->mem_frac;
	tf = own->sms > 0 ? own->tensor_sms / own->sms : 0;
	f_alone = model_clock_factor(g, own->tensor_sms);
	f_co = model_clock_factor(g, tensor);
	slow = (1 - mf) * stretch * (1 + (tf > 1 ? 1 : tf) * (f_alone / f_co - 1));
	slow += mf * (d[0] > 0 && bw > 0 && bw < d[0] ? d[0] / bw : 1);
	return slow < 1 ? 1 : slow;
}

double model_corun_slowdown_in(const struct model_gpu *g, const struct model_load *own,
			       const struct model_load *same, int n_same,
			       const struct model_load *others, int n_others)
{
	double d[MODEL_CORUN_MAX + 1], a[MODEL_CORUN_MAX + 1], rate = 0;
	int n;

	if (n_same > MODEL_CORUN_MAX)
		n_same = MODEL_CORUN_MAX;
	a[0] = own->sms;
	if (own->sms <= 0 || n_same <= 0) {
		for (int i = 0; i < n_same; i++)
			a[1 + i] = 1;
		return corun_turn(g, own, same, n_same, a, others, n_others);
	}
	/* each load is launched first in turn (model_sm_alloc in each of the n
	 * orders); own's mean rate over the turns, a turn it waits adding 0 */
	n = 1 + n_same;
	d[0] = own->sms;
	for (int i = 0; i < n_same; i++)
		d[1 + i] = same[i].sms < own->sms ? same[i].sms : own->sms;
	for (int r = 0; r < n; r++) {
		model_sm_alloc(d, n, own->sms, r, a);
		if (a[0] > 0)
			rate += 1 / corun_turn(g, own, same, n_same, a, others, n_others);
	}
	return n / rate; /* the turn that starts at own gives it all its SMs: rate > 0 */
}

double model_corun_slowdown(const struct model_gpu *g, const struct model_load *own,
			    const struct model_load *others, int n_others)
{
	return model_corun_slowdown_in(g, own, NULL, 0, others, n_others);
}

void model_class_load(const struct model_gpu *g, int cls, double sms, struct model_load *out)
{
	double mf = class_mem_frac(cls), ceil_s = model_dram_gbps_at(g, sms);

	out->sms = sms;
	if (mf >= 0.5) {
		out->dram_gbps = ceil_s;
		out->mem_frac = 1;
		out->tensor_sms = 0;
	} else {
		out->dram_gbps = ceil_s * mf / (1 - mf);
		out->mem_frac = 0;
		out->tensor_sms = model_class_tensor(cls) ? sms : 0;
	}
}

double model_l2_share(const struct model_gpu *gpu, double l2, double own_gbps, const double *others_gbps,
		      int n_others)
{
	double all = own_gbps > 0 ? own_gbps : 0;

	if (l2 <= 0)
		l2 = (double)gpu->l2_bytes;
	for (int i = 0; i < n_others; i++)
		all += others_gbps[i] > 0 ? others_gbps[i] : 0;
	if (all <= 0 || own_gbps >= all)
		return l2;
	return l2 * (own_gbps > 0 ? own_gbps : 0) / all;
}

double model_l2_dram_bytes(double bytes, double reuse, double ws, double cap)
{
	double hit = ws <= 0 || cap >= ws ? 1 : cap > 0 ? cap / ws : 0;

	return bytes + (reuse > 0 ? reuse : 0) * (1 - hit);
}

double model_comm_held_sms(int allreduce, int part_sms)
{
	double n = allreduce ? MODEL_COMM_SMS_ALLREDUCE : MODEL_COMM_SMS_SEND;

	return n < part_sms / 2.0 ? n : part_sms / 2.0;
}
