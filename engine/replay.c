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

/* One replay: the trace, its activities and streams, the simulator. */
struct replay {
	const struct trace_mem *t;
	const struct engine_replay_opts *o;
	const struct model_gpu *gpu;
	int sms;                  /* the recorded SM count */
	struct engine_sim *sim;
	struct act *acts;         /* every activity, in start order */
	size_t n_acts, cap_acts;
	struct rstream *rs;
	size_t n_rs, cap_rs;
	struct engine_kernel *ks; /* one per activity */
	int64_t *deps;            /* scratch: one activity's dependencies */
	struct interval *gaps;    /* host-bound gaps */
	size_t n_gaps;
	int max_dev;
	int64_t t0, t1;           /* measured first start, last end */
};

static int nomem(const struct replay *r, struct mo_err *err)
{
	return mo_err_set(err, MO_ENOMEM, "out of memory replaying %zu activities", r->n_acts);
}

/* The stream (device, id) of r, added when new; its index, or -1 (memory). */
static int replay_stream(struct replay *r, int dev, int64_t sid)
{
	size_t j;

	for (j = 0; j < r->n_rs; j++)
		if (r->rs[j].device == dev && r->rs[j].id == sid)
			return (int)j;
	if (MO_GROW(r->rs, r->n_rs + 1, r->cap_rs))
		return -1;
	memset(&r->rs[j], 0, sizeof(*r->rs));
	r->rs[j].device = dev;
	r->rs[j].id = sid;
	r->n_rs++;
	return (int)j;
}

/* Every GPU activity of the trace, sorted by start, listed per stream. */
static int collect_activities(struct replay *r, struct mo_err *err)
{
	const struct trace_mem *t = r->t;

	for (size_t i = 0; i < t->n; i++) {
		int64_t s, e, sid;
		int dev, j;

		if (!span_of(&t->recs[i], &s, &e, &dev, &sid) || dev < 0 || s < 0 || e < s)
			continue;
		if (dev > 4095)
			return mo_err_set(err, MO_EINPUT, "record %zu: device %d is out of range", i, dev);
		if ((j = replay_stream(r, dev, sid)) < 0 ||
		    MO_GROW(r->acts, r->n_acts + 1, r->cap_acts))
			return nomem(r, err);
		r->acts[r->n_acts++] = (struct act){s, e, dev, j, i, -1};
		r->max_dev = dev > r->max_dev ? dev : r->max_dev;
		r->t0 = s < r->t0 ? s : r->t0;
		r->t1 = e > r->t1 ? e : r->t1;
	}
	if (r->n_acts == 0)
		return mo_err_set(err, MO_EINPUT, "cannot replay: the trace has no GPU activity");
	qsort(r->acts, r->n_acts, sizeof(*r->acts), act_cmp);
	for (size_t i = 0; i < r->n_acts; i++) {
		struct rstream *x = &r->rs[r->acts[i].stream];

		if (MO_GROW(x->acts, x->n + 1, x->cap))
			return nomem(r, err);
		x->acts[x->n++] = i;
	}
	return 0;
}

/* The index of the PARTITION record (device d, id want), or t->n. */
static size_t partition_record(const struct trace_mem *t, int d, int64_t want)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->recs[i].kind == TRACE_KIND_PARTITION && t->recs[i].u.partition.device == d &&
		    t->recs[i].u.partition.id == want)
			break;
	return i;
}

/* Partitions: the trace's PARTITION records (a simulated run, a
 * green-context recording) in id order, else one of the replay's SMs per
 * GPU. */
static int add_partitions(struct replay *r, struct mo_err *err)
{
	const struct trace_mem *t = r->t;
	int rc;

	for (int d = 0; d <= r->max_dev; d++) {
		int n_parts = 0;

		for (int64_t want = 0; want < 4096; want++) {
			size_t i = partition_record(t, d, want);

			if (i == t->n)
				break;
			if ((rc = engine_sim_add_partition(r->sim, d, (int)t->recs[i].u.partition.sms, err)) < 0) {
				mo_err_prefix(err, "record %zu", i);
				return rc;
			}
			n_parts++;
		}
		if (n_parts > 0 && r->o->sms > 0)
			return mo_err_set(err, MO_EUSAGE,
					  "cannot replay at %d SMs: the trace has its own SM partitions", r->o->sms);
		if (n_parts == 0 &&
		    (rc = engine_sim_add_partition(r->sim, d, r->o->sms > 0 ? r->o->sms : r->sms, err)) < 0)
			return rc;
	}
	return 0;
}

/* A simulator stream per recorded stream, on the partition its STREAM
 * record names (else the GPU's first), and the SMs its kernels ran on. */
static int add_streams(struct replay *r, struct mo_err *err)
{
	const struct trace_mem *t = r->t;

	for (size_t j = 0; j < r->n_rs; j++) {
		struct rstream *x = &r->rs[j];
		size_t pi;
		int part = 0;

		for (size_t i = 0; i < t->n; i++)
			if (t->recs[i].kind == TRACE_KIND_STREAM && t->recs[i].u.stream.device == x->device &&
			    t->recs[i].u.stream.id == x->id && t->recs[i].u.stream.partition > 0)
				part = (int)t->recs[i].u.stream.partition;
		x->sim = engine_sim_add_stream(r->sim, x->device, part, err);
		if (x->sim < 0 && part > 0)
			x->sim = engine_sim_add_stream(r->sim, x->device, part = 0, err);
		if (x->sim < 0)
			return x->sim;
		pi = partition_record(t, x->device, part);
		x->sms = pi < t->n ? (int)t->recs[pi].u.partition.sms : r->sms;
	}
	return 0;
}

/* Activity a's inferred cross-stream dependencies into r->deps (their
 * count); *ready moves to the latest end among them. */
static size_t find_deps(struct replay *r, const struct act *a, int64_t *ready,
			struct engine_replay_result *res)
{
	size_t n_deps = 0;

	for (size_t j = 0; j < r->n_rs; j++) {
		struct rstream *x = &r->rs[j];
		size_t best = SIZE_MAX;

		if (j == (size_t)a->stream || x->device != a->device)
			continue;
		/* last activity of x that ended at or before a's start: x's
		 * activities run one at a time, so only the last one that
		 * started before a may still be running */
		while (x->scan < x->n && r->acts[x->acts[x->scan]].start < a->start)
			x->scan++;
		if (x->scan >= 1 && r->acts[x->acts[x->scan - 1]].end <= a->start)
			best = x->acts[x->scan - 1];
		else if (x->scan >= 2)
			best = x->acts[x->scan - 2];
		if (best == SIZE_MAX || a->start - r->acts[best].end > r->o->dep_window_ns)
			continue;
		r->deps[n_deps++] = r->acts[best].op;
		res->dependencies++;
		if (r->acts[best].end > *ready)
			*ready = r->acts[best].end;
	}
	return n_deps;
}

/* Activity i as a simulator kernel, ready at `ready` (its predecessor and
 * dependencies ended): its physics, and its host gap or release time. */
static void replay_kernel(struct replay *r, size_t i, int64_t ready)
{
	const struct act *a = &r->acts[i];
	const struct trace_record *rec = &r->t->recs[a->rec];
	struct engine_kernel *k = &r->ks[i];

	if (rec->kind == TRACE_KIND_KERNEL) {
		engine_kernel_from_trace(r->gpu, &rec->u.kernel, r->rs[a->stream].sms, k);
	} else {
		k->blocks = 1;
		k->blocks_per_sm = 1;
		k->fixed_ns = a->end - a->start > 0 ? a->end - a->start : 1;
	}
	k->gap_ns = a->start > ready ? a->start - ready : 0;
	if (k->gap_ns > r->o->host_gap_ns) {
		r->gaps[r->n_gaps++] = (struct interval){ready, a->start, a->device};
		/* host-bound: its host launched it at about its measured
		 * start; a slower GPU (--sms) would find it already queued */
		k->release_ns = a->start - r->t0;
		k->gap_ns = r->o->launch_ns < k->gap_ns ? r->o->launch_ns : k->gap_ns;
	}
	k->rec = rec;
}

/* In start order: each activity's dependencies, gap and operation. */
static int queue_activities(struct replay *r, struct engine_replay_result *res,
			    struct mo_err *err)
{
	r->ks = calloc(r->n_acts, sizeof(*r->ks));
	r->deps = calloc(r->n_rs + 1, sizeof(*r->deps));
	r->gaps = malloc((r->n_acts + 1) * sizeof(*r->gaps));
	if (!r->ks || !r->deps || !r->gaps)
		return nomem(r, err);
	for (size_t i = 0; i < r->n_acts; i++) {
		struct act *a = &r->acts[i];
		struct rstream *own = &r->rs[a->stream];
		int64_t ready = r->t0;
		size_t n_deps;

		if (own->cursor > 0 && r->acts[own->acts[own->cursor - 1]].end > ready)
			ready = r->acts[own->acts[own->cursor - 1]].end; /* stream predecessor */
		own->cursor++;
		n_deps = find_deps(r, a, &ready, res);
		replay_kernel(r, i, ready);
		a->op = engine_sim_add_kernels(r->sim, own->sim, &r->ks[i], 1, NULL, r->deps, n_deps, err);
		if (a->op < 0)
			return (int)a->op;
	}
	return 0;
}

/* After the run: spans, errors and what the result says of the replay. */
static int replay_results(struct replay *r, struct engine_replay_result *res,
			  struct mo_err *err)
{
	int64_t s0 = INT64_MAX, s1 = INT64_MIN;

	for (size_t i = 0; i < r->n_acts; i++) {
		int64_t s = engine_sim_op_start(r->sim, r->acts[i].op), e = engine_sim_op_end(r->sim, r->acts[i].op);

		s0 = s < s0 ? s : s0;
		s1 = e > s1 ? e : s1;
	}
	res->span_ns = s1 - s0;
	res->measured_span_ns = r->t1 - r->t0;
	res->error_pct = res->measured_span_ns > 0
				 ? 100.0 * (double)(res->span_ns - res->measured_span_ns) /
					   (double)res->measured_span_ns
				 : 0;
	if (compare_work(r->t, r->acts, r->n_acts, r->gaps, r->n_gaps, r->sim, res))
		return nomem(r, err);
	res->host_bound = 2 * res->host_gap_ns > res->measured_span_ns * (r->max_dev + 1);
	res->kernels = r->n_acts;
	res->streams = (int)r->n_rs;
	res->sms = r->o->sms > 0 ? r->o->sms : r->sms;
	snprintf(res->gpu, sizeof(res->gpu), "%s", r->gpu->short_name);
	return 0;
}

/* Build the simulator of r from the trace and run it. */
static int replay_run(struct replay *r, struct engine_replay_result *res, struct mo_err *err)
{
	struct engine_cluster c;
	int rc = collect_activities(r, err);

	if (rc)
		return rc;
	engine_cluster_init(&c, r->gpu, r->max_dev + 1);
	c.launch_ns = 0;
	r->sim = engine_sim_new(&c, err);
	if (!r->sim)
		return err ? err->code : -MO_ENOMEM;
	if ((rc = add_partitions(r, err)) < 0 || (rc = add_streams(r, err)) < 0 ||
	    (rc = queue_activities(r, res, err)) < 0)
		return rc;
	if ((rc = engine_sim_run(r->sim, r->o->out, err)) < 0)
		return rc;
	return replay_results(r, res, err);
}

int engine_replay(const struct trace_mem *t, const struct engine_replay_opts *o,
		  struct engine_replay_result *res, struct mo_err *err)
{
	struct engine_replay_opts defo;
	struct model_gpu tmp_gpu;
	struct replay r = {.t = t, .o = o, .max_dev = -1, .t0 = INT64_MAX, .t1 = INT64_MIN};
	int rc;

	if (!o) {
		engine_replay_opts_init(&defo);
		r.o = &defo;
	}
	memset(res, 0, sizeof(*res));
	/* by name, else a spec derived from the header's SM count and capability */
	r.gpu = model_gpu_for_header(&t->header, &tmp_gpu, err);
	if (!r.gpu) {
		mo_err_prefix(err, "the trace's GPU");
		return err ? err->code : -MO_EINPUT;
	}
	r.sms = t->header.quota_sms > 0 && t->header.quota_sms <= r.gpu->sms ? (int)t->header.quota_sms
									      : r.gpu->sms;
	if (r.o->sms < 0 || r.o->sms > r.gpu->sms)
		return mo_err_set(err, MO_EUSAGE, "cannot replay at %d SMs: the %s has %d", r.o->sms,
				  r.gpu->short_name, r.gpu->sms);
	rc = replay_run(&r, res, err);
	engine_sim_free(r.sim);
	for (size_t j = 0; j < r.n_rs; j++)
		free(r.rs[j].acts);
	free(r.rs);
	free(r.acts);
	free(r.ks);
	free(r.deps);
	free(r.gaps);
	return rc < 0 ? rc : 0;
}
