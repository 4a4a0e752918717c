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
 * Memory: each distinct name once, and items (56 bytes) sorted twice (for
 * nesting, then by time) through imp_sort: at most HOST_SORT_CAP items of
 * each sort in memory, the rest on a temporary file as sorted runs merged
 * on reading; an H100 OWLv2 inference trace (24378 operators, 9292 calls)
 * stays in memory (about 1.9 MB).
 */
#include "traces/core-internal.h"
#include "traces/import-internal.h"

#include <stdlib.h>
#include <string.h>

/* Items sorted in memory before sorted runs go to a temporary file: 2^17
 * (7 MiB of 56-byte items; an OWLv2 inference trace has 33670).  The fuzz
 * build sets it small, so its inputs take the temporary file's path. */
#ifndef HOST_SORT_CAP
#define HOST_SORT_CAP (1u << 17)
#endif

enum { ITEM_OP = 0, ITEM_CALL = 1 };

struct imp_host_item {
	int64_t start, end, ext, corr;
	const char *name;
	int32_t thread, parent; /* parent: the enclosing operator's id, -1 */
	int32_t id;             /* operators: id; calls: -1 */
	int16_t depth;
	uint8_t type;
};

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

void imp_host_init(struct imp_host *h, const char *name, struct mo_err *err)
{
	memset(h, 0, sizeof(*h));
	h->name = name;
	h->err = err;
	imp_sort_init(&h->order, sizeof(struct imp_host_item), HOST_SORT_CAP, nest_cmp);
}

static int add(struct imp_host *h, int thread, int64_t pid, int64_t tid, int type, int64_t start,
	       int64_t end, const char *name, size_t len, int64_t ext, int64_t corr)
{
	struct imp_host_item it;

	if (!h->names && !(h->names = trace_strpool_new()))
		return mo_err_set(h->err, MO_ENOMEM, "cannot import '%s': out of memory", h->name);
	while ((size_t)thread >= h->nthreads) {
		if (MO_GROW(h->threads, h->nthreads + 1, h->threads_cap) < 0)
			return mo_err_set(h->err, MO_ENOMEM, "cannot import '%s': out of memory",
					  h->name);
		h->threads[h->nthreads].pid = h->threads[h->nthreads].tid = -1;
		h->threads[h->nthreads++].used = 0;
	}
	h->threads[thread].pid = pid;
	h->threads[thread].tid = tid;
	h->threads[thread].used = 1;
	memset(&it, 0, sizeof(it));
	it.name = trace_strpool_intern(h->names, name, len);
	if (!it.name)
		return mo_err_set(h->err, MO_ENOMEM, "cannot import '%s': out of memory", h->name);
	it.start = start;
	it.end = end;
	it.ext = ext;
	it.corr = corr;
	it.thread = thread;
	it.parent = it.id = -1;
	it.depth = 0;
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

/* What nesting keeps of an open operator. */
struct open_op {
	int64_t end;
	int32_t id;
	int16_t depth;
};

/* Take the items in nesting order, give operators ids, link parents and
 * depths, and put them into *bytime (sorted by time_cmp). */
static int nest(struct imp_host *h, struct imp_sort *bytime)
{
	struct open_op *stack = NULL;
	size_t sp = 0, cap = 0;
	int32_t next_id = 0, prev = -1;
	struct imp_host_item it;
	int rc;

	while ((rc = imp_sort_next(&h->order, &it, h->name, h->err)) > 0) {
		if (it.thread != prev)
			sp = 0;
		prev = it.thread;
		while (sp && (stack[sp - 1].end < it.end || stack[sp - 1].end <= it.start))
			sp--;
		if (sp) {
			it.parent = stack[sp - 1].id;
			it.depth = stack[sp - 1].depth < INT16_MAX ? (int16_t)(stack[sp - 1].depth + 1)
								    : INT16_MAX;
		}
		if (it.type == ITEM_OP) {
			it.id = next_id++;
			if (MO_GROW(stack, sp + 1, cap) < 0) {
				rc = mo_err_set(h->err, MO_ENOMEM, "cannot import '%s': out of memory",
						h->name);
				break;
			}
			stack[sp++] = (struct open_op){it.end, it.id, it.depth};
		}
		if ((rc = imp_sort_add(bytime, &it, h->name, h->err)) != 0)
			break;
	}
	free(stack);
	return rc;
}

static int is_driver(const char *name)
{
	return name[0] == 'c' && name[1] == 'u' && strncmp(name, "cuda", 4) != 0;
}

/* The record of one item, with its attribution. */
static void item_record(const struct imp_host_item *it, int64_t base_ns, imp_host_attrib_fn attrib,
			void *ctx, struct trace_record *rec)
{
	if (it->type == ITEM_OP) {
		struct trace_cpu_op *o = &rec->u.cpu_op;
		trace_record_init(rec, TRACE_KIND_CPU_OP);
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
		struct trace_api_call *c = &rec->u.api_call;
		trace_record_init(rec, TRACE_KIND_API_CALL);
		c->start_ns = base_ns + it->start;
		c->end_ns = base_ns + it->end;
		c->thread = it->thread;
		c->parent = it->parent;
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

int imp_host_emit(struct imp_host *h, int64_t base_ns, imp_host_attrib_fn attrib,
		  imp_host_emit_fn emit, void *ctx)
{
	struct imp_sort bytime;
	struct imp_host_item it;
	struct trace_record rec;
	int rc;

	imp_sort_init(&bytime, sizeof(struct imp_host_item), HOST_SORT_CAP, time_cmp);
	if ((rc = imp_sort_done(&h->order, h->name, h->err)) == 0 &&
	    (rc = nest(h, &bytime)) == 0 && (rc = imp_sort_done(&bytime, h->name, h->err)) == 0)
		rc = emit_threads(h, emit, ctx);
	imp_sort_release(&h->order);
	while (rc == 0 && (rc = imp_sort_next(&bytime, &it, h->name, h->err)) > 0) {
		item_record(&it, base_ns, attrib, ctx, &rec);
		if ((rc = emit(ctx, &rec)) != 0)
			break;
	}
	imp_sort_release(&bytime);
	return rc;
}

void imp_host_release(struct imp_host *h)
{
	imp_sort_release(&h->order);
	free(h->threads);
	trace_strpool_free(h->names);
	memset(h, 0, sizeof(*h));
}
