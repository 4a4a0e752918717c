/*
 * check.c - streaming validation of a trace (see traces.h).
 *
 * Per entity (device, stream, partition, module, phase) one entry: whether it
 * is defined, its definition, and the first record that used it.  Per stream,
 * the kernels (and collectives) seen so far as a set of disjoint intervals
 * sorted by start: a new kernel overlaps an earlier one exactly when it
 * overlaps the last interval that starts before it ends, so every overlap is
 * found whatever the record order, as long as the earlier kernel is among the
 * stream's latest STREAM_WINDOW by start (older ones are retired to bound
 * memory; a kernel reaching back before them is checked against the rest).
 * A kernel that overlaps is reported once and not added to the set.
 */
#include "traces/core-internal.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DESCRIBED 100
#define STREAM_WINDOW 4096

struct span {
	int64_t s, e;
	uint64_t index;
};

enum ent_type {
	ENT_DEVICE, ENT_STREAM, ENT_PARTITION, ENT_MODULE, ENT_PHASE, ENT_THREAD, ENT_COUNT
};
static const char *const ent_names[ENT_COUNT] = {"device", "stream", "partition", "module",
						 "phase", "thread"};

struct entity {
	int64_t a, b;            /* (device, id) or (id, 0) */
	int defined;
	uint64_t def_index;
	int64_t v1, v2;          /* device/partition sms; stream partition */
	uint64_t uses, first_use;
	const char *first_kind;
	/* streams: kernels so far, disjoint, sorted by start */
	struct span *iv;
	size_t niv, capiv;
};

struct trace_check {
	struct trace_header h;
	struct trace_idmap maps[ENT_COUNT];
	struct entity *ents;
	size_t nents, cap;
	uint64_t problems;
	char *described[MAX_DESCRIBED];
	size_t ndescribed;
	int oom;
};

struct trace_check *trace_check_new(const struct trace_header *h)
{
	struct trace_check *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	if (h)
		c->h = *h;
	else
		trace_header_init(&c->h);
	c->h.producer = c->h.origin = c->h.gpu_name = ""; /* strings not kept */
	for (int i = 0; i < ENT_COUNT; i++)
		trace_idmap_init(&c->maps[i]);
	return c;
}

void trace_check_free(struct trace_check *c)
{
	if (!c)
		return;
	for (int i = 0; i < ENT_COUNT; i++)
		trace_idmap_release(&c->maps[i]);
	for (size_t i = 0; i < c->ndescribed; i++)
		free(c->described[i]);
	for (size_t i = 0; i < c->nents; i++)
		free(c->ents[i].iv);
	free(c->ents);
	free(c);
}

static void problem(struct trace_check *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void problem(struct trace_check *c, const char *fmt, ...)
{
	c->problems++;
	if (c->ndescribed < MAX_DESCRIBED) {
		char buf[512];
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(buf, sizeof(buf), fmt, ap);
		va_end(ap);
		c->described[c->ndescribed] = strdup(buf);
		if (c->described[c->ndescribed])
			c->ndescribed++;
	}
}

static struct entity *entity(struct trace_check *c, enum ent_type t, int64_t a, int64_t b)
{
	size_t *idx = trace_idmap_get(&c->maps[t], a, b);
	struct entity *e;

	if (idx)
		return &c->ents[*idx];
	if (MO_GROW(c->ents, c->nents + 1, c->cap) < 0 ||
	    trace_idmap_put(&c->maps[t], a, b, c->nents) < 0) {
		c->oom = 1;
		return NULL;
	}
	e = &c->ents[c->nents++];
	memset(e, 0, sizeof(*e));
	e->a = a;
	e->b = b;
	return e;
}

static void use(struct trace_check *c, enum ent_type t, int64_t a, int64_t b, uint64_t index,
		const char *kind)
{
	struct entity *e = entity(c, t, a, b);

	if (!e)
		return;
	if (e->uses++ == 0) {
		e->first_use = index;
		e->first_kind = kind;
	}
}

static void define(struct trace_check *c, enum ent_type t, int64_t a, int64_t b, int64_t v1,
		   int64_t v2, uint64_t index)
{
	struct entity *e = entity(c, t, a, b);

	if (!e)
		return;
	if (e->defined) {
		if (e->v1 != v1 || e->v2 != v2)
			problem(c, "record %llu (%s): %s %lld%s%.0lld defined again differently "
				   "(first at record %llu)",
				(unsigned long long)index, ent_names[t], ent_names[t],
				(long long)(t == ENT_DEVICE || t >= ENT_MODULE ? a : b),
				t == ENT_STREAM || t == ENT_PARTITION ? " of device " : "",
				(long long)(t == ENT_STREAM || t == ENT_PARTITION ? a : 0),
				(unsigned long long)e->def_index);
		return;
	}
	e->defined = 1;
	e->def_index = index;
	e->v1 = v1;
	e->v2 = v2;
}

/* Check [st, en) against the stream's kernels, then add it. */
static void stream_kernel(struct trace_check *c, struct entity *s, const char *kind,
			  uint64_t index, int64_t st, int64_t en)
{
	size_t j = s->niv; /* the first interval that starts at or after en */

	if (s->niv && s->iv[s->niv - 1].s >= en)
		j = trace_lower_bound(s->iv, s->niv, sizeof(*s->iv), offsetof(struct span, s), en);
	if (j > 0 && s->iv[j - 1].e > st) {
		const struct span *o = &s->iv[j - 1];
		problem(c, "record %llu (%s): overlaps record %llu on device %lld stream %lld "
			   "([%lld, %lld) and [%lld, %lld) ns)",
			(unsigned long long)index, kind, (unsigned long long)o->index,
			(long long)s->a, (long long)s->b, (long long)o->s, (long long)o->e,
			(long long)st, (long long)en);
		return;
	}
	if (en == st)
		return;
	if (MO_GROW(s->iv, s->niv + 1, s->capiv) < 0) {
		c->oom = 1;
		return;
	}
	memmove(&s->iv[j + 1], &s->iv[j], (s->niv - j) * sizeof(*s->iv));
	s->iv[j].s = st;
	s->iv[j].e = en;
	s->iv[j].index = index;
	s->niv++;
	if (s->niv > STREAM_WINDOW) {
		size_t half = s->niv / 2;
		memmove(s->iv, s->iv + half, (s->niv - half) * sizeof(*s->iv));
		s->niv -= half;
	}
}

static void check_activity(struct trace_check *c, const char *kind, uint64_t index, int64_t start,
			   int64_t end, int64_t device, int64_t stream, int64_t partition,
			   int64_t module, int64_t phase, int gpu, int overlap)
{
	if (start < 0)
		problem(c, "record %llu (%s): no start time (start_ns %lld)", (unsigned long long)index,
			kind, (long long)start);
	else if (end < start)
		problem(c, "record %llu (%s): ends before it starts (start_ns %lld, end_ns %lld)",
			(unsigned long long)index, kind, (long long)start, (long long)end);
	if (device < 0 && gpu)
		problem(c, "record %llu (%s): no device", (unsigned long long)index, kind);
	if (device >= 0)
		use(c, ENT_DEVICE, device, 0, index, kind);
	if (device >= 0 && stream >= 0) {
		struct entity *s;
		use(c, ENT_STREAM, device, stream, index, kind);
		s = entity(c, ENT_STREAM, device, stream);
		if (s && overlap && start >= 0 && end >= start)
			stream_kernel(c, s, kind, index, start, end);
	}
	if (device >= 0 && partition >= 0)
		use(c, ENT_PARTITION, device, partition, index, kind);
	if (module >= 0)
		use(c, ENT_MODULE, module, 0, index, kind);
	if (phase >= 0)
		use(c, ENT_PHASE, phase, 0, index, kind);
}

/* A host record: a time span on a defined thread. */
static void check_host(struct trace_check *c, const char *kind, uint64_t index, int64_t start,
		       int64_t end, int64_t thread)
{
	check_activity(c, kind, index, start, end, -1, -1, -1, -1, -1, 0, 0);
	if (thread < 0)
		problem(c, "record %llu (%s): no thread", (unsigned long long)index, kind);
	else
		use(c, ENT_THREAD, thread, 0, index, kind);
}

void trace_check_add(struct trace_check *c, const struct trace_record *rec, uint64_t index)
{
#define u (&rec->u)
	const char *kind = trace_kind_name(rec->kind);

	switch (rec->kind) {
	case TRACE_KIND_DEVICE:
		if (u->device.id < 0)
			problem(c, "record %llu (device): negative device id %lld",
				(unsigned long long)index, (long long)u->device.id);
		else
			define(c, ENT_DEVICE, u->device.id, 0, u->device.sms, 0, index);
		break;
	case TRACE_KIND_STREAM:
		if (u->stream.device < 0 || u->stream.id < 0) {
			problem(c, "record %llu (stream): negative device or stream id",
				(unsigned long long)index);
			break;
		}
		define(c, ENT_STREAM, u->stream.device, u->stream.id, u->stream.partition, 0, index);
		use(c, ENT_DEVICE, u->stream.device, 0, index, kind);
		if (u->stream.partition >= 0)
			use(c, ENT_PARTITION, u->stream.device, u->stream.partition, index, kind);
		break;
	case TRACE_KIND_PARTITION:
		if (u->partition.device < 0 || u->partition.id < 0) {
			problem(c, "record %llu (partition): negative device or partition id",
				(unsigned long long)index);
			break;
		}
		if (u->partition.sms <= 0)
			problem(c, "record %llu (partition): partition %lld of device %lld has %lld SMs",
				(unsigned long long)index, (long long)u->partition.id,
				(long long)u->partition.device, (long long)u->partition.sms);
		define(c, ENT_PARTITION, u->partition.device, u->partition.id, u->partition.sms, 0,
		       index);
		use(c, ENT_DEVICE, u->partition.device, 0, index, kind);
		break;
	case TRACE_KIND_MODULE:
	case TRACE_KIND_PHASE: {
		int64_t id = rec->kind == TRACE_KIND_MODULE ? u->module.id : u->phase.id;
		if (id < 0)
			problem(c, "record %llu (%s): negative id %lld", (unsigned long long)index, kind,
				(long long)id);
		else
			define(c, rec->kind == TRACE_KIND_MODULE ? ENT_MODULE : ENT_PHASE, id, 0, 0, 0,
			       index);
		break;
	}
#define ACT(k, overlap)                                                          \
	check_activity(c, kind, index, u->k.start_ns, u->k.end_ns, u->k.device, u->k.stream, \
		       u->k.partition, u->k.module, u->k.phase, 1, overlap)
	case TRACE_KIND_KERNEL:
		ACT(kernel, 1);
		break;
	case TRACE_KIND_COLLECTIVE:
		ACT(collective, 1);
		break;
	case TRACE_KIND_MEMCPY:
		ACT(memcpy, 0);
		break;
	case TRACE_KIND_MEMSET:
		ACT(memset, 0);
		break;
#undef ACT
	case TRACE_KIND_MARKER:
		check_activity(c, kind, index, u->marker.start_ns, u->marker.end_ns, u->marker.device,
			       u->marker.stream, -1, u->marker.module, u->marker.phase, 0, 0);
		break;
	case TRACE_KIND_THREAD:
		if (u->thread.id < 0)
			problem(c, "record %llu (thread): negative thread id %lld",
				(unsigned long long)index, (long long)u->thread.id);
		else
			define(c, ENT_THREAD, u->thread.id, 0, u->thread.pid, u->thread.tid, index);
		break;
	case TRACE_KIND_CPU_OP:
		check_host(c, kind, index, u->cpu_op.start_ns, u->cpu_op.end_ns, u->cpu_op.thread);
		if (u->cpu_op.module >= 0)
			use(c, ENT_MODULE, u->cpu_op.module, 0, index, kind);
		if (u->cpu_op.phase >= 0)
			use(c, ENT_PHASE, u->cpu_op.phase, 0, index, kind);
		break;
	case TRACE_KIND_API_CALL:
		check_host(c, kind, index, u->api_call.start_ns, u->api_call.end_ns,
			   u->api_call.thread);
		break;
	default:
		break;
	}
#undef u
}

uint64_t trace_check_finish(struct trace_check *c,
			    void (*cb)(void *ctx, const char *problem), void *ctx)
{
	/* SMs of partitions per device, summed: index by device entity. */
	int64_t *sum = calloc(c->nents ? c->nents : 1, sizeof(*sum));

	if (c->h.quota_sms > 0 && c->h.gpu_sms > 0 && c->h.quota_sms > c->h.gpu_sms)
		problem(c, "header: quota of %lld SMs exceeds the GPU's %lld SMs",
			(long long)c->h.quota_sms, (long long)c->h.gpu_sms);
	for (int t = 0; t < ENT_COUNT; t++) {
		for (size_t j = 0; j < c->maps[t].cap; j++) {
			const struct entity *e;
			if (!c->maps[t].used[j])
				continue;
			e = &c->ents[c->maps[t].vals[j]];
			if (e->uses && !e->defined) {
				if (t == ENT_STREAM || t == ENT_PARTITION)
					problem(c, "record %llu (%s): %s %lld of device %lld is not "
						   "defined (%llu records use it)",
						(unsigned long long)e->first_use, e->first_kind,
						ent_names[t], (long long)e->b, (long long)e->a,
						(unsigned long long)e->uses);
				else
					problem(c, "record %llu (%s): %s %lld is not defined (%llu "
						   "records use it)",
						(unsigned long long)e->first_use, e->first_kind,
						ent_names[t], (long long)e->a,
						(unsigned long long)e->uses);
			}
			if (t == ENT_PARTITION && e->defined) {
				size_t *di = trace_idmap_get(&c->maps[ENT_DEVICE], e->a, 0);
				const struct entity *dev = di ? &c->ents[*di] : NULL;
				if (dev && dev->defined && dev->v1 > 0) {
					if (e->v1 > dev->v1)
						problem(c, "record %llu (partition): partition %lld has "
							   "%lld SMs, device %lld only %lld",
							(unsigned long long)e->def_index, (long long)e->b,
							(long long)e->v1, (long long)e->a,
							(long long)dev->v1);
					if (sum && e->v1 > 0)
						sum[*di] += e->v1;
				}
			}
		}
	}
	for (size_t j = 0; sum && j < c->maps[ENT_DEVICE].cap; j++) {
		const struct entity *dev;
		size_t i;
		if (!c->maps[ENT_DEVICE].used[j])
			continue;
		i = c->maps[ENT_DEVICE].vals[j];
		dev = &c->ents[i];
		if (dev->defined && dev->v1 > 0 && sum[i] > dev->v1)
			problem(c, "record %llu (device): the partitions of device %lld have %lld SMs "
				   "in all, more than its %lld",
				(unsigned long long)dev->def_index, (long long)dev->a, (long long)sum[i],
				(long long)dev->v1);
	}
	if (c->oom || !sum)
		problem(c, "validation incomplete: out of memory");
	free(sum);
	for (size_t i = 0; cb && i < c->ndescribed; i++)
		cb(ctx, c->described[i]);
	return c->problems;
}
