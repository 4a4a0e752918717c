/*
 * replay.c - re-run a recorded trace on the simulator, on its own GPU at its
 * recorded SM count.
 *
 * What is kept from the recording:
 *  - every activity on a GPU stream (kernels, memcpys, memsets, collective
 *    kernels), in its stream's order;
 *  - cross-stream dependencies, inferred: an activity that starts within
 *    dep_window_ns after an activity of another stream of the same GPU ended
 *    is taken to wait for it (for each other stream, the last activity that
 *    ended at or before its start).  The window is small (2 us by default):
 *    an event wait is released by the GPU within a few microseconds, while
 *    independent streams rarely line up that closely by chance.  Flow events
 *    of the Kineto file are not carried by the .mtr format, so they are not
 *    used;
 *  - host gaps: the measured idle time between an activity and the moment it
 *    became ready (its stream predecessor and its dependencies had ended) is
 *    kept as its gap, so launch-bound stretches stay launch-bound.  The
 *    first activity of a stream with no dependency keeps its offset from the
 *    start of the trace.  A gap above host_gap_ns (5 us) means the host had
 *    not launched it yet: such an activity is released at its measured start
 *    (relative to the trace's) and otherwise follows its predecessor after
 *    launch_ns (1 us); at the recorded SM count this changes nothing, and a
 *    what-if on fewer SMs (--sms) lets the slower GPU absorb host slack
 *    instead of adding every host gap on top.
 * Kernels become fluid kernels (engine_kernel_from_trace: waves at the
 * recorded SM count, DRAM traffic when the record says it); memcpys, memsets
 * and collective kernels keep their measured durations (they are bound by
 * copy engines, PCIe or the peer, none of which the single-GPU replay
 * models).  Kernels of concurrent streams share the GPU's SMs and DRAM as in
 * any simulation.
 */
#include "engine/engine-internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

struct act {
	int64_t start, end;
	int device, stream;   /* stream: index in the replay's stream table */
	size_t rec;           /* index of the record */
	int64_t op;
};

struct rstream {
	int device;
	int64_t id;
	size_t *acts;         /* indices into acts[], in start order */
	size_t n, cap, cursor, scan;
	int sim;              /* simulator stream */
	int sms;              /* SMs of its partition: what its kernels were recorded at */
};

struct interval {
	int64_t start, end;
	int device;
};

static int interval_cmp(const void *a, const void *b)
{
	const struct interval *x = a, *y = b;
	if (x->device != y->device)
		return x->device < y->device ? -1 : 1;
	return x->start < y->start ? -1 : x->start > y->start;
}

/* The union of the intervals per device, summed (sorts v). */
static int64_t busy_union(struct interval *v, size_t n)
{
	int64_t busy = 0, end = INT64_MIN;
	int dev = -1;

	qsort(v, n, sizeof(*v), interval_cmp);
	for (size_t i = 0; i < n; i++) {
		if (v[i].device != dev)
			dev = v[i].device, end = INT64_MIN;
		if (v[i].end > end) {
			busy += v[i].end - (v[i].start > end ? v[i].start : end);
			end = v[i].end;
		}
	}
	return busy;
}

static int abs_cmp(const void *a, const void *b)
{
	double x = fabs(*(const double *)a), y = fabs(*(const double *)b);
	return x < y ? -1 : x > y;
}

/* Busy time, simulated and measured, the recorded GPU idle time inside
 * host-bound gaps (the ng intervals of gaps: union with the activities minus
 * the busy time) and per-kernel errors into res. */
static int compare_work(const struct trace_mem *t, const struct act *acts, size_t n,
			const struct interval *gaps, size_t ng, const struct engine_sim *sim,
			struct engine_replay_result *res)
{
	struct interval *v = malloc((n + ng + 1) * sizeof(*v));
	double *err = malloc((n + 1) * sizeof(*err)), sum = 0;
	size_t k = 0;

	if (!v || !err) {
		free(v);
		free(err);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		v[i] = (struct interval){acts[i].start, acts[i].end, acts[i].device};
	res->measured_busy_ns = busy_union(v, n);
	for (size_t i = 0; i < n; i++)
		v[i] = (struct interval){acts[i].start, acts[i].end, acts[i].device};
	memcpy(v + n, gaps, ng * sizeof(*v));
	res->host_gap_ns = busy_union(v, n + ng) - res->measured_busy_ns;
	for (size_t i = 0; i < n; i++) {
		int64_t s = engine_sim_op_start(sim, acts[i].op), e = engine_sim_op_end(sim, acts[i].op);
		int64_t m = acts[i].end - acts[i].start;
		v[i] = (struct interval){s, e, acts[i].device};
		if (t->recs[acts[i].rec].kind == TRACE_KIND_KERNEL && m > 0) {
			err[k] = 100.0 * (double)(e - s - m) / (double)m;
			sum += err[k++];
		}
	}
	res->busy_ns = busy_union(v, n);
	res->busy_error_pct = res->measured_busy_ns > 0
				      ? 100.0 * (double)(res->busy_ns - res->measured_busy_ns) /
						(double)res->measured_busy_ns
				      : 0;
	res->compared = k;
	if (k) {
		qsort(err, k, sizeof(*err), abs_cmp);
		res->kernel_err_median = fabs(err[k / 2]);
		res->kernel_err_p90 = fabs(err[(size_t)(0.9 * (double)(k - 1))]);
		res->kernel_err_max = fabs(err[k - 1]);
		res->kernel_err_mean = sum / (double)k;
	}
	free(v);
	free(err);
	return 0;
}

void engine_replay_opts_init(struct engine_replay_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->dep_window_ns = 2000;
	o->host_gap_ns = 5000;
	o->launch_ns = 1000;
}

static int act_cmp(const void *a, const void *b)
{
	const struct act *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->rec < y->rec ? -1 : x->rec > y->rec;
}

static int span_of(const struct trace_record *r, int64_t *s, int64_t *e, int *dev, int64_t *st)
{
	switch (r->kind) {
	case TRACE_KIND_KERNEL:
		*s = r->u.kernel.start_ns, *e = r->u.kernel.end_ns;
		*dev = (int)r->u.kernel.device, *st = r->u.kernel.stream;
		return 1;
	case TRACE_KIND_MEMCPY:
		*s = r->u.memcpy.start_ns, *e = r->u.memcpy.end_ns;
		*dev = (int)r->u.memcpy.device, *st = r->u.memcpy.stream;
		return 1;
	case TRACE_KIND_MEMSET:
		*s = r->u.memset.start_ns, *e = r->u.memset.end_ns;
		*dev = (int)r->u.memset.device, *st = r->u.memset.stream;
		return 1;
	case TRACE_KIND_COLLECTIVE:
		*s = r->u.collective.start_ns, *e = r->u.collective.end_ns;
		*dev = (int)r->u.collective.device, *st = r->u.collective.stream;
		return 1;
	default:
		return 0;
	}
}

int engine_replay(const struct trace_mem *t, const struct engine_replay_opts *o,
		  struct engine_replay_result *res, struct mo_err *err)
{
	struct engine_replay_opts defo;
	struct model_gpu tmp_gpu;
	const struct model_gpu *gpu;
	struct engine_cluster c;
	struct engine_sim *sim = NULL;
	struct act *acts = NULL;
	struct rstream *rs = NULL;
	struct engine_kernel *ks = NULL;
	size_t n_acts = 0, cap_acts = 0, n_rs = 0, cap_rs = 0, n_gaps = 0;
	struct interval *gaps = NULL;
	int max_dev = -1, sms, rc = 0;
	int64_t t0 = INT64_MAX, t1 = INT64_MIN, *deps = NULL;

	if (!o) {
		engine_replay_opts_init(&defo);
		o = &defo;
	}
	memset(res, 0, sizeof(*res));
	/* by name, else a spec derived from the header's SM count and capability */
	gpu = model_gpu_for_header(&t->header, &tmp_gpu, err);
	if (!gpu) {
		mo_err_prefix(err, "the trace's GPU");
		return err ? err->code : -MO_EINPUT;
	}
	sms = t->header.quota_sms > 0 && t->header.quota_sms <= gpu->sms ? (int)t->header.quota_sms
									 : gpu->sms;
	if (o->sms < 0 || o->sms > gpu->sms) {
		rc = mo_err_set(err, MO_EUSAGE, "cannot replay at %d SMs: the %s has %d", o->sms,
				gpu->short_name, gpu->sms);
		goto out;
	}
	/* Activities and their streams. */
	for (size_t i = 0; i < t->n; i++) {
		int64_t s, e, sid;
		int dev;
		size_t j;
		if (!span_of(&t->recs[i], &s, &e, &dev, &sid) || dev < 0 || s < 0 || e < s)
			continue;
		if (dev > 4095) {
			rc = mo_err_set(err, MO_EINPUT, "record %zu: device %d is out of range", i, dev);
			goto out;
		}
		for (j = 0; j < n_rs; j++)
			if (rs[j].device == dev && rs[j].id == sid)
				break;
		if (j == n_rs) {
			if (engine_grow((void **)&rs, &cap_rs, n_rs + 1, sizeof(*rs)))
				goto nomem;
			memset(&rs[n_rs], 0, sizeof(*rs));
			rs[n_rs].device = dev;
			rs[n_rs].id = sid;
			n_rs++;
		}
		if (engine_grow((void **)&acts, &cap_acts, n_acts + 1, sizeof(*acts)))
			goto nomem;
		acts[n_acts] = (struct act){s, e, dev, (int)j, i, -1};
		n_acts++;
		if (dev > max_dev)
			max_dev = dev;
		if (s < t0)
			t0 = s;
		if (e > t1)
			t1 = e;
	}
	if (n_acts == 0) {
		rc = mo_err_set(err, MO_EINPUT, "cannot replay: the trace has no GPU activity");
		goto out;
	}
	qsort(acts, n_acts, sizeof(*acts), act_cmp);
	for (size_t i = 0; i < n_acts; i++) {
		struct rstream *r = &rs[acts[i].stream];
		if (engine_grow((void **)&r->acts, &r->cap, r->n + 1, sizeof(*r->acts)))
			goto nomem;
		r->acts[r->n++] = i;
	}
	engine_cluster_init(&c, gpu, max_dev + 1);
	c.launch_ns = 0;
	sim = engine_sim_new(&c, err);
	if (!sim) {
		rc = err ? err->code : -MO_ENOMEM;
		goto out;
	}
	/* Partitions: the trace's PARTITION records (a simulated run, a
	 * green-context recording) in id order, else one of `sms` per GPU. */
	for (int d = 0; d <= max_dev; d++) {
		int n_parts = 0;
		for (int64_t want = 0; want < 4096; want++) {
			size_t i;
			for (i = 0; i < t->n; i++)
				if (t->recs[i].kind == TRACE_KIND_PARTITION &&
				    t->recs[i].u.partition.device == d && t->recs[i].u.partition.id == want)
					break;
			if (i == t->n)
				break;
			if ((rc = engine_sim_add_partition(sim, d, (int)t->recs[i].u.partition.sms, err)) < 0) {
				mo_err_prefix(err, "record %zu", i);
				goto out;
			}
			n_parts++;
		}
		if (n_parts > 0 && o->sms > 0) {
			rc = mo_err_set(err, MO_EUSAGE,
					"cannot replay at %d SMs: the trace has its own SM partitions", o->sms);
			goto out;
		}
		if (n_parts == 0 && (rc = engine_sim_add_partition(sim, d, o->sms > 0 ? o->sms : sms, err)) < 0)
			goto out;
	}
	for (size_t j = 0; j < n_rs; j++) {
		int part = 0;
		for (size_t i = 0; i < t->n; i++)
			if (t->recs[i].kind == TRACE_KIND_STREAM && t->recs[i].u.stream.device == rs[j].device &&
			    t->recs[i].u.stream.id == rs[j].id && t->recs[i].u.stream.partition > 0)
				part = (int)t->recs[i].u.stream.partition;
		rs[j].sim = engine_sim_add_stream(sim, rs[j].device, part, err);
		if (rs[j].sim < 0 && part > 0)
			rs[j].sim = engine_sim_add_stream(sim, rs[j].device, part = 0, err);
		rs[j].sms = sms;
		for (size_t i = 0; i < t->n; i++)
			if (t->recs[i].kind == TRACE_KIND_PARTITION &&
			    t->recs[i].u.partition.device == rs[j].device && t->recs[i].u.partition.id == part)
				rs[j].sms = (int)t->recs[i].u.partition.sms;
		if (rs[j].sim < 0) {
			rc = rs[j].sim;
			goto out;
		}
	}
	ks = calloc(n_acts, sizeof(*ks));
	deps = calloc(n_rs + 1, sizeof(*deps));
	gaps = malloc((n_acts + 1) * sizeof(*gaps));
	if (!ks || !deps || !gaps)
		goto nomem;
	/* In start order: dependencies, gaps, operations. */
	for (size_t i = 0; i < n_acts; i++) {
		struct act *a = &acts[i];
		const struct trace_record *r = &t->recs[a->rec];
		struct rstream *own = &rs[a->stream];
		size_t n_deps = 0;
		int64_t ready = t0;
		/* stream predecessor */
		if (own->cursor > 0) {
			const struct act *p = &acts[own->acts[own->cursor - 1]];
			if (p->end > ready)
				ready = p->end;
		}
		own->cursor++;
		for (size_t j = 0; j < n_rs; j++) {
			struct rstream *x = &rs[j];
			size_t best = SIZE_MAX;
			if (j == (size_t)a->stream || x->device != a->device)
				continue;
			/* last activity of x that ended at or before a's start: x's
			 * activities run one at a time, so only the last one that
			 * started before a may still be running */
			while (x->scan < x->n && acts[x->acts[x->scan]].start < a->start)
				x->scan++;
			if (x->scan >= 1 && acts[x->acts[x->scan - 1]].end <= a->start)
				best = x->acts[x->scan - 1];
			else if (x->scan >= 2)
				best = x->acts[x->scan - 2];
			if (best == SIZE_MAX || a->start - acts[best].end > o->dep_window_ns)
				continue;
			deps[n_deps++] = acts[best].op;
			res->dependencies++;
			if (acts[best].end > ready)
				ready = acts[best].end;
		}
		if (r->kind == TRACE_KIND_KERNEL) {
			engine_kernel_from_trace(gpu, &r->u.kernel, own->sms, &ks[i]);
		} else {
			ks[i].blocks = 1;
			ks[i].blocks_per_sm = 1;
			ks[i].fixed_ns = a->end - a->start > 0 ? a->end - a->start : 1;
		}
		ks[i].gap_ns = a->start > ready ? a->start - ready : 0;
		if (ks[i].gap_ns > o->host_gap_ns) {
			gaps[n_gaps++] = (struct interval){ready, a->start, a->device};
			/* host-bound: its host launched it at about its measured
			 * start; a slower GPU (--sms) would find it already queued */
			ks[i].release_ns = a->start - t0;
			ks[i].gap_ns = o->launch_ns < ks[i].gap_ns ? o->launch_ns : ks[i].gap_ns;
		}
		ks[i].rec = r;
		a->op = engine_sim_add_kernels(sim, own->sim, &ks[i], 1, NULL, deps, n_deps, err);
		if (a->op < 0) {
			rc = (int)a->op;
			goto out;
		}
	}
	if ((rc = engine_sim_run(sim, o->out, err)) < 0)
		goto out;
	{
		int64_t s0 = INT64_MAX, s1 = INT64_MIN;
		for (size_t i = 0; i < n_acts; i++) {
			int64_t s = engine_sim_op_start(sim, acts[i].op), e = engine_sim_op_end(sim, acts[i].op);
			if (s < s0)
				s0 = s;
			if (e > s1)
				s1 = e;
		}
		res->span_ns = s1 - s0;
	}
	res->measured_span_ns = t1 - t0;
	res->error_pct = res->measured_span_ns > 0
				 ? 100.0 * (double)(res->span_ns - res->measured_span_ns) /
					   (double)res->measured_span_ns
				 : 0;
	if (compare_work(t, acts, n_acts, gaps, n_gaps, sim, res))
		goto nomem;
	res->host_bound = 2 * res->host_gap_ns > res->measured_span_ns * (max_dev + 1);
	res->kernels = n_acts;
	res->streams = (int)n_rs;
	res->sms = o->sms > 0 ? o->sms : sms;
	snprintf(res->gpu, sizeof(res->gpu), "%s", gpu->short_name);
	rc = 0;
	goto out;
nomem:
	rc = mo_err_set(err, MO_ENOMEM, "out of memory replaying %zu activities", n_acts);
out:
	engine_sim_free(sim);
	for (size_t j = 0; j < n_rs; j++)
		free(rs[j].acts);
	free(rs);
	free(acts);
	free(ks);
	free(deps);
	free(gaps);
	return rc < 0 ? rc : 0;
}
