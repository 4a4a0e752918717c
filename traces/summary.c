/*
 * summary.c - streaming statistics for `mosaic inspect`.
 *
 * Memory grows with the number of distinct kernel names, streams, modules,
 * phases and devices, with each device's set of disjoint busy intervals
 * (capped at BUSY_CAP; see traces.h) and with the API calls that launched
 * GPU work (their correlation and start, for the idle breakdown), never with
 * the number of other records.
 *
 * Idle breakdown: on each device, a kernel that starts after every earlier
 * kernel of the device has ended (in record order) opens a gap; the gap is
 * host_wait when the API call with the kernel's correlation began at or
 * after the gap began (the GPU had nothing queued: it waited for the host to
 * issue the launch), other_wait when the call came earlier (the GPU waited
 * on something else: a dependency, a copy, a synchronisation), and
 * unattributed when the trace has no call for it.  other_wait is split in
 * two: kernel_wait when the kernel that ended last (opening the gap) ran on
 * the same stream as the kernel closing it (the stream's next kernel was
 * queued behind it: the gap is the GPU's own time between back-to-back
 * kernels), other when it ran on another stream (the kernel waited on
 * another stream's work, an event or a copy).
 */
#include "traces/core-internal.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define BUSY_CAP 16384
#define MAX_PROBLEMS 100

struct interval {
	int64_t s, e;
};

struct busy {
	struct interval *iv;
	size_t n, cap;
	int64_t retired;   /* busy time of intervals dropped from iv */
	int64_t watermark; /* everything before it is accounted for; INT64_MIN none */
	int clipped;
	int64_t last_end;  /* the latest kernel end so far (idle breakdown); -1 none */
	int64_t last_stream; /* the stream of the kernel that ended at last_end */
};

struct groupset {
	struct trace_idmap map;
	struct trace_summary_group *g;
	size_t n, cap;
	/* the last key looked up and its group (kernels in a row mostly share
	 * their class, module, phase, stream and device): no map lookup */
	int64_t last_a, last_b;
	size_t last;
	int has_last;
};

struct trace_summary {
	struct trace_summary_totals t;
	struct trace_strpool *pool;
	int names_interned;     /* kernel names are pool pointers already */
	struct groupset sets[TRACE_BY_COUNT];
	struct busy *busy;  /* parallel to sets[TRACE_BY_DEVICE].g */
	size_t busy_cap;
	/* definitions: names by id */
	struct trace_idmap module_names, phase_names, device_names, partition_sms;
	struct trace_idmap stream_defs; /* (device, id) -> index in stream_part */
	struct trace_ascmap launch_start; /* correlation -> start of its API call */
	int64_t *stream_part;
	const char **stream_name;
	size_t nstream_defs, stream_cap, stream_name_cap;
	struct trace_check *check;
	int with_check;
	uint64_t problems;
	char *problem_msgs[MAX_PROBLEMS];
	size_t nproblems;
	int finished, oom;
};

struct trace_summary *trace_summary_new(int with_check)
{
	struct trace_summary *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->pool = trace_strpool_new();
	if (!s->pool) {
		free(s);
		return NULL;
	}
	s->with_check = with_check;
	s->t.producer = s->t.origin = s->t.gpu_name = "";
	s->t.gpu_sms = -1;
	s->t.first_start_ns = s->t.last_end_ns = -1;
	s->t.busy_exact = 1;
	return s;
}

void trace_summary_free(struct trace_summary *s)
{
	if (!s)
		return;
	for (int i = 0; i < TRACE_BY_COUNT; i++) {
		trace_idmap_release(&s->sets[i].map);
		free(s->sets[i].g);
	}
	for (size_t i = 0; i < s->sets[TRACE_BY_DEVICE].n && s->busy; i++)
		free(s->busy[i].iv);
	free(s->busy);
	trace_idmap_release(&s->module_names);
	trace_idmap_release(&s->phase_names);
	trace_idmap_release(&s->device_names);
	trace_idmap_release(&s->partition_sms);
	trace_idmap_release(&s->stream_defs);
	trace_ascmap_release(&s->launch_start);
	free(s->stream_part);
	free(s->stream_name);
	trace_check_free(s->check);
	for (size_t i = 0; i < s->nproblems; i++)
		free(s->problem_msgs[i]);
	trace_strpool_free(s->pool);
	free(s);
}

void trace_summary_names_interned(struct trace_summary *s)
{
	s->names_interned = 1;
}

static const char *intern(struct trace_summary *s, const char *str)
{
	const char *p = trace_strpool_intern(s->pool, str ? str : "", str ? strlen(str) : 0);
	if (!p)
		s->oom = 1;
	return p ? p : "";
}

int trace_summary_header(struct trace_summary *s, const struct trace_header *h, struct mo_err *err)
{
	s->t.source = (int)h->source;
	s->t.producer = intern(s, h->producer);
	s->t.origin = intern(s, h->origin);
	s->t.gpu_name = intern(s, h->gpu_name);
	s->t.gpu_sms = h->gpu_sms;
	s->t.quota_sms = h->quota_sms;
	if (s->with_check && !s->check && !(s->check = trace_check_new(h)))
		s->oom = 1;
	if (s->oom)
		return mo_err_set(err, MO_ENOMEM, "cannot summarise: out of memory");
	return 0;
}

/* The group at index i of gs, key (a, b), noted as the last looked up. */
static struct trace_summary_group *remember(struct groupset *gs, int64_t a, int64_t b, size_t i)
{
	gs->has_last = 1;
	gs->last_a = a;
	gs->last_b = b;
	gs->last = i;
	return &gs->g[i];
}

/* The group of key (a, b) in set, created with defaults. */
static struct trace_summary_group *group(struct trace_summary *s, enum trace_summary_by by,
					 int64_t a, int64_t b)
{
	struct groupset *gs = &s->sets[by];
	size_t *idx;
	struct trace_summary_group *g;

	if (gs->has_last && gs->last_a == a && gs->last_b == b)
		return &gs->g[gs->last];
	if ((idx = trace_idmap_get(&gs->map, a, b)))
		return remember(gs, a, b, *idx);
	if (MO_GROW(gs->g, gs->n + 1, gs->cap) < 0 ||
	    trace_idmap_put(&gs->map, a, b, gs->n) < 0)
		return NULL;
	if (by == TRACE_BY_DEVICE) {
		if (MO_GROW(s->busy, gs->n + 1, s->busy_cap) < 0)
			return NULL;
		memset(&s->busy[gs->n], 0, sizeof(*s->busy));
		s->busy[gs->n].watermark = INT64_MIN;
		s->busy[gs->n].last_end = -1;
	}
	g = remember(gs, a, b, gs->n++);
	g->name = "";
	g->id = by == TRACE_BY_STREAM ? b : a;
	g->device = by == TRACE_BY_STREAM ? a : -1;
	g->partition = g->partition_sms = -1;
	g->count = 0;
	g->time_ns = 0;
	g->min_ns = INT64_MAX;
	g->max_ns = -1;
	g->busy_ns = -1;
	return g;
}

/* *acc += v for v >= 0, saturating at INT64_MAX: a hostile trace's times
 * (each within int64) may add up past it. */
static void add_sat(int64_t *acc, int64_t v)
{
	*acc = v > INT64_MAX - *acc ? INT64_MAX : *acc + v;
}

static void tally(struct trace_summary_group *g, int64_t dur)
{
	g->count++;
	if (dur < 0)
		return;
	add_sat(&g->time_ns, dur);
	if (dur < g->min_ns)
		g->min_ns = dur;
	if (dur > g->max_ns)
		g->max_ns = dur;
}

/* Add [st, en) to a device's busy set. */
static int busy_add(struct busy *b, int64_t st, int64_t en)
{
	size_t lo, hi;

	if (st < b->watermark) {
		b->clipped = 1;
		if (en <= b->watermark)
			return 0;
		st = b->watermark;
	}
	if (en <= st)
		return 0;
	if (b->n && st >= b->iv[b->n - 1].s) { /* the common, time-ordered case */
		struct interval *last = &b->iv[b->n - 1];
		if (st <= last->e) {
			if (en > last->e)
				last->e = en;
			return 0;
		}
		lo = hi = b->n;
	} else {
		/* lo: first interval with e >= st; hi: first with s > en, i.e.
		 * s >= en + 1 (at en = INT64_MAX none: every s < its e) */
		const size_t stride = sizeof(*b->iv);
		lo = trace_lower_bound(b->iv, b->n, stride, offsetof(struct interval, e), st);
		hi = en == INT64_MAX || lo == b->n /* (iv is NULL while n is 0) */
			     ? b->n
			     : lo + trace_lower_bound(b->iv + lo, b->n - lo, stride,
						      offsetof(struct interval, s), en + 1);
	}
	if (lo < hi) { /* merge iv[lo..hi) with [st, en) */
		if (b->iv[lo].s < st)
			st = b->iv[lo].s;
		if (b->iv[hi - 1].e > en)
			en = b->iv[hi - 1].e;
		b->iv[lo].s = st;
		b->iv[lo].e = en;
		memmove(&b->iv[lo + 1], &b->iv[hi], (b->n - hi) * sizeof(*b->iv));
		b->n -= hi - lo - 1;
		return 0;
	}
	if (MO_GROW(b->iv, b->n + 1, b->cap) < 0)
		return -1;
	memmove(&b->iv[lo + 1], &b->iv[lo], (b->n - lo) * sizeof(*b->iv));
	b->iv[lo].s = st;
	b->iv[lo].e = en;
	b->n++;
	if (b->n > BUSY_CAP) { /* retire the oldest half */
		size_t half = b->n / 2;
		for (size_t i = 0; i < half; i++)
			add_sat(&b->retired, b->iv[i].e - b->iv[i].s);
		b->watermark = b->iv[half - 1].e;
		memmove(b->iv, b->iv + half, (b->n - half) * sizeof(*b->iv));
		b->n -= half;
	}
	return 0;
}

/* The idle breakdown: the gap a kernel [st, en) of stream with correlation
 * corr closes on its device (see the top of this file). */
static void idle_note(struct trace_summary *s, struct busy *b, int64_t st, int64_t en,
		      int64_t stream, int64_t corr)
{
	if (b->last_end >= 0 && st > b->last_end) {
		int64_t gap = st - b->last_end;
		int64_t call;
		add_sat(&s->t.gap_ns, gap);
		if (corr < 0 || !trace_ascmap_get(&s->launch_start, corr, &call))
			add_sat(&s->t.unattributed_ns, gap);
		else if (call >= b->last_end)
			add_sat(&s->t.host_wait_ns, gap);
		else {
			add_sat(&s->t.other_wait_ns, gap);
			add_sat(stream == b->last_stream ? &s->t.kernel_wait_ns : &s->t.other_ns, gap);
		}
	}
	if (en > b->last_end) {
		b->last_end = en;
		b->last_stream = stream;
	}
}

static int add_kernel(struct trace_summary *s, const char *name, int cls, int64_t st, int64_t en,
		      int64_t device, int64_t stream, int64_t partition, int64_t module,
		      int64_t phase, int64_t corr)
{
	int64_t dur = (st >= 0 && en >= st) ? en - st : -1;
	struct trace_summary_group *g;
	const char *iname;

	s->t.kernels++;
	if (dur < 0)
		s->t.bad_spans++;
	else {
		add_sat(&s->t.kernel_time_ns, dur);
		if (s->t.first_start_ns < 0 || st < s->t.first_start_ns)
			s->t.first_start_ns = st;
		if (en > s->t.last_end_ns)
			s->t.last_end_ns = en;
	}
	if (cls < 0 || cls >= TRACE_CLASS_COUNT)
		cls = TRACE_CLASS_UNKNOWN;
	if (!(g = group(s, TRACE_BY_CLASS, cls, 0)))
		return -1;
	tally(g, dur);
	if (!(g = group(s, TRACE_BY_MODULE, module < 0 ? -1 : module, 0)))
		return -1;
	tally(g, dur);
	if (!(g = group(s, TRACE_BY_PHASE, phase < 0 ? -1 : phase, 0)))
		return -1;
	tally(g, dur);
	if (!(g = group(s, TRACE_BY_STREAM, device, stream)))
		return -1;
	if (g->partition < 0 && partition >= 0)
		g->partition = partition;
	tally(g, dur);
	if (!(g = group(s, TRACE_BY_DEVICE, device, 0)))
		return -1;
	tally(g, dur);
	if (dur >= 0) {
		struct busy *b = &s->busy[g - s->sets[TRACE_BY_DEVICE].g];
		idle_note(s, b, st, en, stream, corr);
		if (busy_add(b, st, en) < 0)
			return -1;
	}
	iname = s->names_interned ? name : intern(s, name);
	if (!(g = group(s, TRACE_BY_KERNEL, (int64_t)(intptr_t)iname, 0)))
		return -1;
	g->name = iname;
	g->id = -1;
	tally(g, dur);
	return 0;
}

static int put_name(struct trace_summary *s, struct trace_idmap *m, int64_t a, int64_t b,
		    const char *name)
{
	const char *p = intern(s, name);
	return trace_idmap_put(m, a, b, (size_t)(uintptr_t)p);
}

int trace_summary_add(struct trace_summary *s, const struct trace_record *rec, struct mo_err *err)
{
	const struct trace_kernel *k;
	const struct trace_collective *c;
	int rc = 0;

	if (s->check)
		trace_check_add(s->check, rec, s->t.records);
	s->t.records++;
	switch (rec->kind) {
	case TRACE_KIND_DEVICE:
		s->t.devices++;
		rc = put_name(s, &s->device_names, rec->u.device.id, 0, rec->u.device.name);
		break;
	case TRACE_KIND_STREAM: {
		size_t *idx = trace_idmap_get(&s->stream_defs, rec->u.stream.device, rec->u.stream.id);
		size_t i = idx ? *idx : s->nstream_defs;
		s->t.streams++;
		if (!idx) {
			if (MO_GROW(s->stream_part, i + 1, s->stream_cap) < 0 ||
			    MO_GROW(s->stream_name, i + 1, s->stream_name_cap) < 0 ||
			    trace_idmap_put(&s->stream_defs, rec->u.stream.device, rec->u.stream.id,
					    i) < 0) {
				rc = -1;
				break;
			}
			s->nstream_defs++;
		}
		s->stream_part[i] = rec->u.stream.partition;
		s->stream_name[i] = intern(s, rec->u.stream.name);
		break;
	}
	case TRACE_KIND_PARTITION:
		s->t.partitions++;
		rc = trace_idmap_put(&s->partition_sms, rec->u.partition.device, rec->u.partition.id,
				     (size_t)rec->u.partition.sms);
		break;
	case TRACE_KIND_MODULE:
		s->t.modules++;
		rc = put_name(s, &s->module_names, rec->u.module.id, 0, rec->u.module.name);
		break;
	case TRACE_KIND_PHASE:
		s->t.phases++;
		rc = put_name(s, &s->phase_names, rec->u.phase.id, 0, rec->u.phase.name);
		break;
	case TRACE_KIND_KERNEL:
		k = &rec->u.kernel;
		s->t.compute_kernels++;
		rc = add_kernel(s, k->name, (int)(k->kclass < 0 || k->kclass >= TRACE_CLASS_COUNT
							  ? TRACE_CLASS_UNKNOWN : k->kclass),
				k->start_ns, k->end_ns, k->device, k->stream, k->partition, k->module,
				k->phase, k->correlation);
		break;
	case TRACE_KIND_COLLECTIVE:
		c = &rec->u.collective;
		s->t.collectives++;
		rc = add_kernel(s, c->name, TRACE_CLASS_COMM, c->start_ns, c->end_ns, c->device,
				c->stream, c->partition, c->module, c->phase, c->correlation);
		break;
	case TRACE_KIND_MEMCPY:
		s->t.memcpys++;
		if (rec->u.memcpy.start_ns >= 0 && rec->u.memcpy.end_ns >= rec->u.memcpy.start_ns)
			add_sat(&s->t.memcpy_ns, rec->u.memcpy.end_ns - rec->u.memcpy.start_ns);
		if (rec->u.memcpy.bytes > 0)
			add_sat(&s->t.memcpy_bytes, rec->u.memcpy.bytes);
		break;
	case TRACE_KIND_MEMSET:
		s->t.memsets++;
		if (rec->u.memset.start_ns >= 0 && rec->u.memset.end_ns >= rec->u.memset.start_ns)
			add_sat(&s->t.memset_ns, rec->u.memset.end_ns - rec->u.memset.start_ns);
		if (rec->u.memset.bytes > 0)
			add_sat(&s->t.memset_bytes, rec->u.memset.bytes);
		break;
	case TRACE_KIND_MARKER:
		s->t.markers++;
		break;
	case TRACE_KIND_THREAD:
		s->t.threads++;
		break;
	case TRACE_KIND_CPU_OP:
		s->t.cpu_ops++;
		break;
	case TRACE_KIND_API_CALL:
		s->t.api_calls++;
		s->t.launches += (uint64_t)trace_api_enqueues(rec->u.api_call.name);
		if (rec->u.api_call.correlation >= 0 && rec->u.api_call.start_ns >= 0) {
			rc = trace_ascmap_put(&s->launch_start, rec->u.api_call.correlation,
					      rec->u.api_call.start_ns);
		}
		break;
	default:
		break;
	}
	if (rc < 0 || s->oom)
		return mo_err_set(err, MO_ENOMEM, "cannot summarise: out of memory");
	return 0;
}

static int cmp_group(const void *pa, const void *pb)
{
	const struct trace_summary_group *a = pa, *b = pb;
	int c;

	if (a->time_ns != b->time_ns)
		return a->time_ns > b->time_ns ? -1 : 1;
	if (a->device != b->device)
		return a->device < b->device ? -1 : 1;
	if (a->id != b->id)
		return a->id < b->id ? -1 : 1;
	c = strcmp(a->name, b->name);
	return c;
}

static const char *lookup_name(const struct trace_idmap *m, int64_t a, int64_t b)
{
	size_t *v = trace_idmap_get(m, a, b);
	return v ? (const char *)(uintptr_t)*v : "";
}

static void keep_problem(void *ctx, const char *msg)
{
	struct trace_summary *s = ctx;
	if (s->nproblems < MAX_PROBLEMS && (s->problem_msgs[s->nproblems] = strdup(msg)))
		s->nproblems++;
}

void trace_summary_finish(struct trace_summary *s)
{
	struct groupset *gs;

	if (s->finished)
		return;
	s->finished = 1;
	/* names */
	gs = &s->sets[TRACE_BY_CLASS];
	for (size_t i = 0; i < gs->n; i++)
		gs->g[i].name = trace_class_name((int)gs->g[i].id);
	gs = &s->sets[TRACE_BY_MODULE];
	for (size_t i = 0; i < gs->n; i++)
		gs->g[i].name = gs->g[i].id < 0 ? "(none)"
						: lookup_name(&s->module_names, gs->g[i].id, 0);
	gs = &s->sets[TRACE_BY_PHASE];
	for (size_t i = 0; i < gs->n; i++)
		gs->g[i].name = gs->g[i].id < 0 ? "(none)"
						: lookup_name(&s->phase_names, gs->g[i].id, 0);
	gs = &s->sets[TRACE_BY_STREAM];
	for (size_t i = 0; i < gs->n; i++) {
		struct trace_summary_group *g = &gs->g[i];
		size_t *idx = trace_idmap_get(&s->stream_defs, g->device, g->id);
		size_t *sms;
		if (idx) {
			g->name = s->stream_name[*idx];
			if (s->stream_part[*idx] >= 0)
				g->partition = s->stream_part[*idx];
		}
		if (g->partition >= 0 &&
		    (sms = trace_idmap_get(&s->partition_sms, g->device, g->partition)))
			g->partition_sms = (int64_t)*sms;
	}
	/* busy time per device */
	gs = &s->sets[TRACE_BY_DEVICE];
	s->t.busy_ns = 0;
	for (size_t i = 0; i < gs->n; i++) {
		struct busy *b = &s->busy[i];
		int64_t busy = b->retired;
		for (size_t j = 0; j < b->n; j++)
			add_sat(&busy, b->iv[j].e - b->iv[j].s);
		gs->g[i].busy_ns = busy;
		gs->g[i].name = lookup_name(&s->device_names, gs->g[i].id, 0);
		add_sat(&s->t.busy_ns, busy);
		if (b->clipped)
			s->t.busy_exact = 0;
		if (gs->g[i].max_ns >= 0)
			s->t.kernel_devices++;
	}
	if (s->t.first_start_ns >= 0) {
		s->t.span_ns = s->t.last_end_ns - s->t.first_start_ns;
		if (s->t.span_ns > 0 && s->t.kernel_devices)
			s->t.idle_pct = 100.0 * (1.0 - (double)s->t.busy_ns /
							   ((double)s->t.span_ns *
							    (double)s->t.kernel_devices));
	}
	for (int by = 0; by < TRACE_BY_COUNT; by++) {
		gs = &s->sets[by];
		for (size_t i = 0; i < gs->n; i++)
			if (gs->g[i].max_ns < 0)
				gs->g[i].min_ns = -1;
		if (gs->n)
			qsort(gs->g, gs->n, sizeof(*gs->g), cmp_group);
		trace_idmap_release(&gs->map); /* indices are stale now */
		gs->has_last = 0;
	}
	/* every call's start, read only while kernels are added (16 bytes a
	 * call: inspect's analyses of the job run after it, and a job's ranks'
	 * summaries are kept to the end) */
	trace_ascmap_release(&s->launch_start);
	if (s->check)
		s->problems = trace_check_finish(s->check, keep_problem, s);
}

const struct trace_summary_totals *trace_summary_totals(const struct trace_summary *s)
{
	return &s->t;
}

size_t trace_summary_groups(const struct trace_summary *s, enum trace_summary_by by,
			    const struct trace_summary_group **groups)
{
	if ((int)by < 0 || by >= TRACE_BY_COUNT) {
		*groups = NULL;
		return 0;
	}
	*groups = s->sets[by].g;
	return s->sets[by].n;
}

uint64_t trace_summary_problems(const struct trace_summary *s,
				void (*cb)(void *ctx, const char *problem), void *ctx)
{
	for (size_t i = 0; cb && i < s->nproblems; i++)
		cb(ctx, s->problem_msgs[i]);
	return s->problems;
}

static int sink_header(void *ctx, const struct trace_header *h, struct mo_err *err)
{
	return trace_summary_header(ctx, h, err);
}

static int sink_record(void *ctx, const struct trace_record *rec, struct mo_err *err)
{
	return trace_summary_add(ctx, rec, err);
}

struct trace_sink trace_summary_sink(struct trace_summary *s)
{
	struct trace_sink sink = {sink_header, sink_record, s};
	return sink;
}

int trace_summary_read(struct trace_summary *s, const char *path, struct mo_err *err)
{
	struct trace_sink sink = trace_summary_sink(s);
	int rc = trace_read_any(path, &sink, err);

	if (rc == 0)
		trace_summary_finish(s);
	return rc;
}
