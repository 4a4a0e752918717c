/*
 * import-host.c - the host side of a Kineto trace: CPU operators ("cpu_op")
 * and CUDA runtime / driver calls ("cuda_runtime", "cuda_driver"), kept by
 * the importer's first pass and written as THREAD, CPU_OP and API_CALL
 * records (see traces.h) between the markers and the GPU activities.
 *
 * Order and nesting: items are sorted once, by (start, thread, longer
 * first, operators before calls; ties in file order), and written in that
 * order.  Restricted to one thread that is the order nesting needs, so a
 * sweep with a stack of open operators per thread links them: an operator
 * that ends after the one on top of its stack (improper nesting) closes it
 * and becomes its sibling, as the importer does for its own intervals.  An
 * operator's id is its rank in (thread, start, longer first) order (threads
 * in order of first event): the operators of the threads before its own,
 * counted as they are added, plus its rank on its thread.  A parent comes
 * before its children.
 * A call's category is "cuda_driver" when its name starts with "cu" and not
 * "cuda" (cuLaunchKernel), else "cuda_runtime": Kineto writes both
 * categories and the importer's parser folds them together.
 *
 * Memory: each distinct name once, and items (48 bytes) sorted through
 * imp_sort: at most HOST_SORT_CAP items in memory, the rest on a temporary
 * file as sorted runs merged on reading (items that come in order, as a
 * profiler mostly writes them, are not sorted again); an H100 OWLv2
 * inference trace (24378 operators, 9292 calls) stays in memory (about
 * 1.6 MB).  The stacks hold the operators open at one time on each thread.
 */
#include "traces/core-internal.h"
#include "traces/import-internal.h"

#include <stdlib.h>
#include <string.h>

/* Items sorted in memory before sorted runs go to a temporary file: 2^17
 * (6 MiB of 48-byte items; an OWLv2 inference trace has 33670).  The fuzz
 * build sets it small, so its inputs take the temporary file's path. */
#ifndef HOST_SORT_CAP
#define HOST_SORT_CAP (1u << 17)
#endif

enum { ITEM_OP = 0, ITEM_CALL = 1 };

struct imp_host_item {
	int64_t start, end, ext, corr;
	const char *name;
	int32_t thread;
	uint8_t type;
};

static int item_cmp(const void *a, const void *b)
{
	const struct imp_host_item *x = a, *y = b;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->thread != y->thread)
		return x->thread < y->thread ? -1 : 1;
	if (x->end != y->end)
		return x->end > y->end ? -1 : 1;
	return (int)x->type - (int)y->type;
}

void imp_host_init(struct imp_host *h, const char *name, struct mo_err *err)
{
	memset(h, 0, sizeof(*h));
	h->name = name;
	h->err = err;
	imp_sort_init(&h->order, sizeof(struct imp_host_item), HOST_SORT_CAP, item_cmp);
}

static int nomem(struct imp_host *h)
{
	return mo_err_set(h->err, MO_ENOMEM, "cannot import '%s': out of memory", h->name);
}

static int add(struct imp_host *h, int thread, int64_t pid, int64_t tid, int type, int64_t start,
	       int64_t end, const char *name, size_t len, int64_t ext, int64_t corr)
{
	struct imp_host_item it;

	if (!h->names && !(h->names = trace_strpool_new()))
		return nomem(h);
	while ((size_t)thread >= h->nthreads) {
		if (MO_GROW(h->threads, h->nthreads + 1, h->threads_cap) < 0)
			return nomem(h);
		memset(&h->threads[h->nthreads], 0, sizeof(h->threads[0]));
		h->threads[h->nthreads].pid = h->threads[h->nthreads].tid = -1;
		h->nthreads++;
	}
	struct imp_host_thread *t = &h->threads[thread];
	t->pid = pid;
	t->tid = tid;
	t->used = 1;
	t->ops += type == ITEM_OP;
	memset(&it, 0, sizeof(it));
	it.name = trace_strpool_intern(h->names, name, len);
	if (!it.name)
		return nomem(h);
	it.start = start;
	it.end = end;
	it.ext = ext;
	it.corr = corr;
	it.thread = thread;
	it.type = (uint8_t)type;
	return imp_sort_add(&h->order, &it, h->name, h->err);
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

/* An operator open on a thread's stack. */
struct open_op {
	int64_t end, id;
	int16_t depth;
};

/* A thread's nesting state during the sweep. */
struct nest_thread {
	struct open_op *stack;
	size_t sp, cap;
	int64_t next_id;
};

/* Where an item nests: the enclosing operator (parent id, -1) and depth;
 * an operator gets its id and is pushed.  0 or -MO_ENOMEM. */
struct placed {
	int64_t id, parent;
	int16_t depth;
};

static int place(struct nest_thread *t, const struct imp_host_item *it, struct placed *p)
{
	while (t->sp && (t->stack[t->sp - 1].end < it->end || t->stack[t->sp - 1].end <= it->start))
		t->sp--;
	p->id = p->parent = -1;
	p->depth = 0;
	if (t->sp) {
		const struct open_op *top = &t->stack[t->sp - 1];
		p->parent = top->id;
		p->depth = top->depth < INT16_MAX ? (int16_t)(top->depth + 1) : INT16_MAX;
	}
	if (it->type != ITEM_OP)
		return 0;
	p->id = t->next_id++;
	if (MO_GROW(t->stack, t->sp + 1, t->cap) < 0)
		return -MO_ENOMEM;
	t->stack[t->sp++] = (struct open_op){it->end, p->id, p->depth};
	return 0;
}

static int is_driver(const char *name)
{
	return name[0] == 'c' && name[1] == 'u' && strncmp(name, "cuda", 4) != 0;
}

/* The record of one item, with its place and attribution. */
static void item_record(const struct imp_host_item *it, const struct placed *p, int64_t base_ns,
			imp_host_attrib_fn attrib, void *ctx, struct trace_record *rec)
{
	if (it->type == ITEM_OP) {
		struct trace_cpu_op *o = &rec->u.cpu_op;
		trace_record_init(rec, TRACE_KIND_CPU_OP);
		o->start_ns = base_ns + it->start;
		o->end_ns = base_ns + it->end;
		o->thread = it->thread;
		o->id = p->id;
		o->parent = p->parent;
		o->depth = p->depth;
		o->external_id = it->ext;
		o->name = it->name;
		attrib(ctx, it->thread, it->start, &o->module, &o->phase, &o->step);
	} else {
		struct trace_api_call *c = &rec->u.api_call;
		trace_record_init(rec, TRACE_KIND_API_CALL);
		c->start_ns = base_ns + it->start;
		c->end_ns = base_ns + it->end;
		c->thread = it->thread;
		c->parent = p->parent;
		c->correlation = it->corr;
		c->external_id = it->ext;
		c->name = it->name;
		c->category = is_driver(it->name) ? "cuda_driver" : "cuda_runtime";
	}
}

static int emit_threads(struct imp_host *h, imp_host_emit_fn emit, void *ctx)
{
	struct trace_record rec;
	char nm[48];
	int rc;

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
	}
	return 0;
}

/* The items in sorted order, nested per thread, as records. */
static int sweep(struct imp_host *h, int64_t base_ns, imp_host_attrib_fn attrib,
		 imp_host_emit_fn emit, void *ctx)
{
	struct nest_thread *ts = calloc(h->nthreads + 1, sizeof(*ts));
	struct imp_host_item it;
	struct trace_record rec;
	struct placed p;
	int64_t ids = 0;
	int rc;

	if (!ts)
		return nomem(h);
	for (size_t t = 0; t < h->nthreads; t++) {
		ts[t].next_id = ids;
		ids += h->threads[t].ops;
	}
	while ((rc = imp_sort_next(&h->order, &it, h->name, h->err)) > 0) {
		if (place(&ts[it.thread], &it, &p) < 0) {
			rc = nomem(h);
			break;
		}
		item_record(&it, &p, base_ns, attrib, ctx, &rec);
		if ((rc = emit(ctx, &rec)) != 0)
			break;
	}
	for (size_t t = 0; t < h->nthreads; t++)
		free(ts[t].stack);
	free(ts);
	return rc;
}

int imp_host_emit(struct imp_host *h, int64_t base_ns, imp_host_attrib_fn attrib,
		  imp_host_emit_fn emit, void *ctx)
{
	int rc = imp_sort_done(&h->order, h->name, h->err);
	if (rc == 0)
		rc = emit_threads(h, emit, ctx);
	if (rc == 0)
		rc = sweep(h, base_ns, attrib, emit, ctx);
	imp_sort_release(&h->order);
	return rc;
}

void imp_host_release(struct imp_host *h)
{
	imp_sort_release(&h->order);
	free(h->threads);
	trace_strpool_free(h->names);
	memset(h, 0, sizeof(*h));
}
