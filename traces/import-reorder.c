/*
 * import-reorder.c - the window that writes GPU records by start time: a
 * binary heap of (start, arrival) over slots that hold the records and
 * their strings (reused); a record more than a window late is written as
 * it comes and counted in stats.out_of_order.  Records that pass 1 saw in
 * start order skip the window (written as they come, which is the order
 * it would give them).
 */
#include "traces/core-internal.h"
#include "traces/import-internal.h"
#include "traces/traces.h"

#include <string.h>

static int heap_less(const struct imp_reorder_item *x, const struct imp_reorder_item *y)
{
	return x->start < y->start || (x->start == y->start && x->seq < y->seq);
}


int imp_reorder_pop(struct imp *im)
{
	struct imp_reorder_item top = im->heap[0];
	struct imp_reorder_slot *sl = &im->slots[top.slot];
	im->heap[0] = im->heap[--im->nheap];
	size_t i = 0;
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < im->nheap && heap_less(&im->heap[l], &im->heap[m]))
			m = l;
		if (r < im->nheap && heap_less(&im->heap[r], &im->heap[m]))
			m = r;
		if (m == i)
			break;
		struct imp_reorder_item tmp = im->heap[i];
		im->heap[i] = im->heap[m];
		im->heap[m] = tmp;
		i = m;
	}
	if (im->emitted_any && top.start < im->last_emitted && im->st)
		im->st->out_of_order++;
	im->last_emitted = top.start;
	im->emitted_any = 1;
	im->free_slots[im->nfree++] = top.slot; /* room: one per slot */
	return imp_emit(im, &sl->rec);
}

/* Copy rec's strings into one allocation owned by the item. */
int imp_reorder_push(struct imp *im, const struct trace_record *rec, int64_t start)
{
	const char **fields[3];
	int nf = 0;
	struct imp_reorder_item it;

	if (!im->spill_unordered)
		return imp_emit(im, rec);
	if (im->nheap >= (size_t)im->opts.reorder_window) {
		int rc = imp_reorder_pop(im);
		if (rc)
			return rc;
	}
	if (!im->nfree) { /* a new slot (the free list has room for every slot) */
		if (MO_GROW(im->slots, im->nslots + 1, im->slots_cap) < 0 ||
		    MO_GROW(im->free_slots, im->nslots + 1, im->free_cap) < 0)
			return imp_nomem(im), -MO_ENOMEM;
		memset(&im->slots[im->nslots], 0, sizeof(*im->slots));
		im->free_slots[im->nfree++] = (uint32_t)im->nslots++;
	}
	if (MO_GROW(im->heap, im->nheap + 1, im->heap_cap) < 0)
		return imp_nomem(im), -MO_ENOMEM;
	it.start = start;
	it.seq = im->seqno++;
	it.slot = im->free_slots[--im->nfree];
	struct imp_reorder_slot *sl = &im->slots[it.slot];
	sl->rec = *rec;
	switch (rec->kind) {
	case TRACE_KIND_KERNEL: fields[nf++] = &sl->rec.u.kernel.name; break;
	case TRACE_KIND_MEMCPY: fields[nf++] = &sl->rec.u.memcpy.name; break;
	case TRACE_KIND_MEMSET: fields[nf++] = &sl->rec.u.memset.name; break;
	case TRACE_KIND_COLLECTIVE:
		fields[nf++] = &sl->rec.u.collective.name;
		fields[nf++] = &sl->rec.u.collective.group;
		fields[nf++] = &sl->rec.u.collective.dtype;
		break;
	case TRACE_KIND_MARKER:
		fields[nf++] = &sl->rec.u.marker.name;
		fields[nf++] = &sl->rec.u.marker.category;
		break;
	default: break;
	}
	size_t total = 1;
	for (int i = 0; i < nf; i++)
		total += strlen(*fields[i]) + 1;
	if (MO_GROW(sl->strs, total, sl->strs_cap) < 0) {
		im->free_slots[im->nfree++] = it.slot;
		return imp_nomem(im), -MO_ENOMEM;
	}
	char *p = sl->strs;
	for (int i = 0; i < nf; i++) {
		size_t l = strlen(*fields[i]) + 1;
		memcpy(p, *fields[i], l);
		*fields[i] = p;
		p += l;
	}
	size_t i = im->nheap++;
	im->heap[i] = it;
	while (i > 0) {
		size_t par = (i - 1) / 2;
		if (!heap_less(&im->heap[i], &im->heap[par]))
			break;
		struct imp_reorder_item tmp = im->heap[i];
		im->heap[i] = im->heap[par];
		im->heap[par] = tmp;
		i = par;
	}
	return 0;
}
