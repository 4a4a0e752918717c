/*
 * iteration.c - one training iteration of a workload on one GPU as a
 * simulated trace (what `mosaic synth` writes).  The kernels of one module
 * and phase are the same for every microbatch, so each is synthesised once
 * and replayed with the time offset and microbatch number.
 */
#include "workloads/workloads-internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void gpu_header(struct trace_header *h, const struct workload *w, const struct model_gpu *gpu)
{
	trace_header_init(h);
	h->producer = "mosaic synth " MOSAIC_VERSION;
	h->source = TRACE_SOURCE_SIMULATED;
	h->origin = w->name;
	h->quota_sms = 0;
	h->gpu_name = gpu->name;
	h->gpu_sms = gpu->sms;
	h->gpu_cc_major = gpu->cc_major;
	h->gpu_cc_minor = gpu->cc_minor;
	h->gpu_mem_bytes = gpu->mem_bytes;
	h->gpu_max_threads_per_sm = gpu->max_threads_per_sm;
	h->gpu_max_threads_per_block = gpu->max_threads_per_block;
	h->gpu_regs_per_sm = gpu->regs_per_sm;
	h->gpu_regs_per_block = gpu->regs_per_block;
	h->gpu_smem_per_sm = gpu->smem_per_sm;
	h->gpu_smem_per_block = gpu->smem_per_block;
	h->gpu_smem_per_block_optin = gpu->smem_per_block_optin;
	h->gpu_warp_size = gpu->warp_size;
}

static int put(const struct trace_sink *sink, const struct trace_record *rec, struct mo_err *err)
{
	return sink->record(sink->ctx, rec, err);
}

/* The host thread of a launched iteration: its clock and the API call that
 * launches kernel k, which costs the thread cpu (sets *t to the kernel's
 * start). */
static int launch(const struct model_host *host, int64_t cpu, const struct trace_record *k,
		  int first, int64_t *clock, int64_t *t, const struct trace_sink *sink,
		  struct mo_err *err)
{
	struct trace_record call;

	if (first && host->mode == MODEL_LAUNCH_GRAPHS)
		cpu = host->graph_launch_ns;
	*clock += cpu;
	if (*clock > *t)
		*t = *clock;
	model_host_call(&call, 0, *clock, cpu, k->u.kernel.correlation);
	return put(sink, &call, err);
}

/* Where a synthesised iteration stands: the GPU's clock t, its host
 * thread's clock, and the figures so far. */
struct timeline {
	int64_t t, clock;
	struct workload_synth_stats s;
};

/* The kernels c of module m in phase (microbatch mb), back to back on the
 * GPU after tl->t, each launched by the host thread first when there is one. */
static int emit_module(const struct workload *w, const struct model_host *host, int m, int phase,
		       int mb, const struct trace_mem *c, struct timeline *tl,
		       const struct trace_sink *sink, struct mo_err *err)
{
	struct trace_record rec;
	int64_t t0 = tl->t;
	int first = 1, rc;
	/* asked once: it walks every parameter tensor */
	int64_t opt_cpu = host && phase == WORKLOAD_OPT ? workload_host_opt_kernel_ns(w, m, host) : -1;

	for (size_t k = 0; k < c->n; k++) {
		rec = c->recs[k];
		if (rec.kind != TRACE_KIND_KERNEL)
			continue;
		int64_t d = rec.u.kernel.end_ns - rec.u.kernel.start_ns, c0 = tl->clock;
		rec.u.kernel.correlation = tl->s.kernels;
		if (host) {
			int64_t cpu = opt_cpu >= 0 ? opt_cpu
						   : workload_host_record_ns(w, m, phase, host,
									     &rec.u.kernel);
			if ((rc = launch(host, cpu, &rec, first, &tl->clock, &tl->t, sink, err)) != 0)
				return rc;
		}
		if (phase == WORKLOAD_OPT)
			tl->s.opt_kernels++, tl->s.opt_busy_ns += d, tl->s.opt_host_ns += tl->clock - c0;
		first = 0;
		rec.u.kernel.start_ns = tl->t;
		rec.u.kernel.end_ns = tl->t + d;
		rec.u.kernel.microbatch = phase == WORKLOAD_OPT ? -1 : mb;
		rec.u.kernel.step = 0;
		tl->t += d;
		tl->s.kernels++;
		if (rec.u.kernel.flops > 0)
			tl->s.flops += rec.u.kernel.flops;
		if ((rc = put(sink, &rec, err)) != 0)
			return rc;
	}
	if (phase == WORKLOAD_FWD)
		tl->s.fwd_ns += tl->t - t0;
	else if (phase == WORKLOAD_BWD)
		tl->s.bwd_ns += tl->t - t0;
	else
		tl->s.opt_ns += tl->t - t0;
	return 0;
}

int workload_synth_iteration(const struct workload *w, const struct model_gpu *gpu,
			     const struct trace_sink *sink, struct workload_synth_stats *st,
			     struct mo_err *err)
{
	return workload_synth_iteration_host(w, gpu, NULL, sink, st, err);
}

int workload_synth_iteration_host(const struct workload *w, const struct model_gpu *gpu,
				  const struct model_host *host, const struct trace_sink *sink,
				  struct workload_synth_stats *st, struct mo_err *err)
{
	static const char *const phase_names[] = {"forward", "backward", "optimizer"};
	struct timeline tl = {0};
	struct trace_header h;
	struct trace_record rec;
	struct trace_mem *cache = NULL;
	int *order = NULL, n = w->n_modules, nmb = workload_microbatches(w), rc;

	if (!gpu)
		return mo_err_set(err, MO_EUSAGE, "workload '%s': no GPU given", w->name);
	cache = calloc((size_t)n * 3, sizeof *cache);
	order = calloc((size_t)n, sizeof *order);
	if (!cache || !order) {
		rc = mo_err_set(err, MO_ENOMEM, "out of memory");
		goto out;
	}
	for (int i = 0; i < n * 3; i++)
		trace_mem_init(&cache[i]);
	workload_topo_order(w, order);
	for (int m = 0; m < n; m++)
		for (int p = 0; p < 3; p++)
			if ((rc = workload_kernels(w, m, 0, w->modules[m].layers, p, w->microbatch, gpu,
						   &cache[m * 3 + p], err)) < 0) {
				mo_err_prefix(err, "module '%s' %s", w->modules[m].name, phase_names[p]);
				goto out;
			}

	gpu_header(&h, w, gpu);
	if ((rc = sink->header(sink->ctx, &h, err)) != 0)
		goto out;
	trace_record_init(&rec, TRACE_KIND_DEVICE);
	rec.u.device.id = 0, rec.u.device.sms = gpu->sms, rec.u.device.name = gpu->name;
	if ((rc = put(sink, &rec, err)) != 0)
		goto out;
	trace_record_init(&rec, TRACE_KIND_STREAM);
	rec.u.stream.device = 0, rec.u.stream.id = 0, rec.u.stream.name = "synth";
	if ((rc = put(sink, &rec, err)) != 0)
		goto out;
	if (host) {
		model_host_thread(&rec, 0);
		if ((rc = put(sink, &rec, err)) != 0)
			goto out;
	}
	for (int m = 0; m < n; m++) {
		trace_record_init(&rec, TRACE_KIND_MODULE);
		rec.u.module.id = m, rec.u.module.name = w->modules[m].name;
		if ((rc = put(sink, &rec, err)) != 0)
			goto out;
	}
	for (int p = 0; p < 3; p++) {
		trace_record_init(&rec, TRACE_KIND_PHASE);
		rec.u.phase.id = p, rec.u.phase.name = phase_names[p];
		if ((rc = put(sink, &rec, err)) != 0)
			goto out;
	}
	for (int mb = 0; mb <= nmb; mb++) {
		/* microbatches 0..nmb-1: forward then backward; "nmb": the optimizer */
		for (int pass = 0; pass < 2; pass++) {
			int phase = mb == nmb ? WORKLOAD_OPT : pass;
			if (mb == nmb && pass == 1)
				break;
			for (int i = 0; i < n; i++) {
				int m = phase == WORKLOAD_BWD ? order[n - 1 - i] : order[i];
				if ((rc = emit_module(w, host, m, phase, mb, &cache[m * 3 + phase], &tl,
						      sink, err)) != 0)
					goto out;
			}
		}
	}
	tl.s.iter_ns = tl.t;
	tl.s.microbatches = nmb;
	if (st)
		*st = tl.s;
	rc = 0;
out:
	if (cache)
		for (int i = 0; i < n * 3; i++)
			trace_mem_release(&cache[i]);
	free(cache);
	free(order);
	return rc;
}
