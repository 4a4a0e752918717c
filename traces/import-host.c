/*
 * import-host.c - the host side of a Kineto trace: CPU operators ("cpu_op")
 * and CUDA runtime / driver calls ("cuda_runtime", "cuda_driver"), kept by
 * the importer's first pass and written as THREAD, CPU_OP and API_CALL
 * records (see traces.h) between the markers and the GPU activities.
 *
 * Nesting: per thread, items sorted by (start, longer first, operators
 * before calls) and swept with a stack of open operators; an operator that
 * ends after the one on top of the stack (improper nesting) closes it and
 * becomes its sibling, as the importer does for its own intervals.  An
 * operator's id is its rank in that order (threads in order of first event).
 * A call's category is "cuda_driver" when its name starts with "cu" and not
 * "cuda" (cuLaunchKernel), else "cuda_runtime": Kineto writes both
 * categories and the importer's parser folds them together.
 *
 * Memory: 56 bytes an item plus each distinct name once; an H100 OWLv2
 * inference trace (24378 operators, 9292 calls) keeps about 1.9 MB.
 */
#include "traces/core-internal.h"
#include "traces/import-internal.h"

#include <stdlib.h>
#include <string.h>

enum { ITEM_OP = 0, ITEM_CALL = 1 };

struct imp_host_item {
	int64_t start, end, ext, corr;
	const char *name;
	int32_t thread, parent; /* parent: the enclosing operator's id, -1 */
	int32_t id;             /* operators: id; calls: -1 */
	int16_t depth;
	uint8_t type;
};

static int add(struct imp_host *h, int thread, int64_t pid, int64_t tid, int type, int64_t start,
	       int64_t end, const char *name, size_t len, int64_t ext, int64_t corr)
{
	if (!h->names && !(h->names = trace_strpool_new()))
		return -1;
	while ((size_t)thread >= h->nthreads) {
		if (MO_GROW(h->threads, h->nthreads + 1, h->threads_cap) < 0)
			return -1;
		h->threads[h->nthreads].pid = h->threads[h->nthreads].tid = -1;
		h->threads[h->nthreads++].used = 0;
	}
	h->threads[thread].pid = pid;
	h->threads[thread].tid = tid;
	h->threads[thread].used = 1;
	if (MO_GROW(h->items, h->n + 1, h->cap) < 0)
		return -1;
	struct imp_host_item *it = &h->items[h->n];
	it->name = trace_strpool_intern(h->names, name, len);
	if (!it->name)
		return -1;
	it->start = start;
	it->end = end;
	it->ext = ext;
	it->corr = corr;
	it->thread = thread;
	it->parent = it->id = -1;
	it->depth = 0;
	it->type = (uint8_t)type;
	h->n++;
	return 0;
}

int imp_host_add_op(struct imp_host *h, int thread, int64_t pid, int64_t tid, int64_t start,
		    int64_t end, const char *name, size_t len, int64_t ext)
{
	return add(h, thread, pid, tid, ITEM_OP, start, end, name, len, ext, -1);
}

int imp_host_add_call(struct imp_host *h, int thread, int64_t pid, int64_t tid, int64_t start,
		      int64_t end, const char *name, size_t len, int64_t ext, int64_t corr)
{
	return add(h, thread, pid, tid, ITEM_CALL, start, end, name, len, ext, corr);
}

static int nest_cmp(const void *a, const void *b)
{
	const struct imp_host_item *x = a, *y = b;
	if (x->thread != y->thread)
		return x->thread < y->thread ? -1 : 1;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->end != y->end)
		return x->end > y->end ? -1 : 1;
	return (int)x->type - (int)y->type;
}

static int time_cmp(const void *a, const void *b)
{
	const struct imp_host_item *x = a, *y = b;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->thread != y->thread)
		return x->thread < y->thread ? -1 : 1;
	if (x->depth != y->depth)
		return x->depth < y->depth ? -1 : 1;
	return (int)x->type - (int)y->type;
}

/* Sort per thread, give operators ids, link parents and depths. */
static int nest(struct imp_host *h)
{
	size_t *stack = malloc((h->n + 1) * sizeof(*stack));
	size_t sp = 0;
	int32_t next_id = 0;

	if (!stack)
		return -1;
	qsort(h->items, h->n, sizeof(*h->items), nest_cmp);
	for (size_t i = 0; i < h->n; i++) {
		struct imp_host_item *it = &h->items[i];
		if (i && it->thread != h->items[i - 1].thread)
			sp = 0;
		while (sp && (h->items[stack[sp - 1]].end < it->end ||
			      h->items[stack[sp - 1]].end <= it->start))
			sp--;
		if (sp) {
			const struct imp_host_item *p = &h->items[stack[sp - 1]];
			it->parent = p->id;
			it->depth = p->depth < INT16_MAX ? (int16_t)(p->depth + 1) : INT16_MAX;
		}
		if (it->type == ITEM_OP) {
			it->id = next_id++;
			stack[sp++] = i;
		}
	}
	free(stack);
	qsort(h->items, h->n, sizeof(*h->items), time_cmp);
	return 0;
}

static int is_driver(const char *name)
{
	return name[0] == 'c' && name[1] == 'u' && strncmp(name, "cuda", 4) != 0;
}

int imp_host_emit(struct imp_host *h, int64_t base_ns, imp_host_attrib_fn attrib,
		  imp_host_emit_fn emit, void *ctx, struct trace_import_stats *st)
{
	struct trace_record rec;
	char nm[48];
	int rc;

	if (h->n && nest(h) < 0)
		return -MO_ENOMEM;
	for (size_t t = 0; t < h->nthreads; t++) {
		if (!h->threads[t].used)
			continue;
		trace_record_init(&rec, TRACE_KIND_THREAD);
		rec.u.thread.id = (int64_t)t;
		rec.u.thread.pid = h->threads[t].pid;
		rec.u.thread.tid = h->threads[t].tid;
		snprintf(nm, sizeof(nm), "thread %lld", (long long)h->threads[t].tid);
		rec.u.thread.name = nm;
		if ((rc = emit(ctx, &rec)) != 0)
			return rc;
		if (st)
			st->threads++;
	}
	for (size_t i = 0; i < h->n; i++) {
		const struct imp_host_item *it = &h->items[i];
		if (it->type == ITEM_OP) {
			struct trace_cpu_op *o = &rec.u.cpu_op;
			trace_record_init(&rec, TRACE_KIND_CPU_OP);
			o->start_ns = base_ns + it->start;
			o->end_ns = base_ns + it->end;
			o->thread = it->thread;
			o->id = it->id;
			o->parent = it->parent;
			o->depth = it->depth;
			o->external_id = it->ext;
			o->name = it->name;
			attrib(ctx, it->thread, it->start, &o->module, &o->phase, &o->step);
		} else {
			struct trace_api_call *c = &rec.u.api_call;
			trace_record_init(&rec, TRACE_KIND_API_CALL);
			c->start_ns = base_ns + it->start;
			c->end_ns = base_ns + it->end;
			c->thread = it->thread;
			c->parent = it->parent;
			c->correlation = it->corr;
			c->external_id = it->ext;
			c->name = it->name;
			c->category = is_driver(it->name) ? "cuda_driver" : "cuda_runtime";
		}
		if ((rc = emit(ctx, &rec)) != 0)
			return rc;
		if (st && it->type == ITEM_OP)
			st->cpu_ops++;
		else if (st)
			st->api_calls++;
	}
	return 0;
}

void imp_host_release(struct imp_host *h)
{
	free(h->items);
	free(h->threads);
	trace_strpool_free(h->names);
	memset(h, 0, sizeof(*h));
}
