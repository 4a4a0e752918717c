/*
 * analysis-launch.c - launch latency and queue length per rank, and kernel
 * duration statistics per kernel name and per class across ranks (see
 * traces.h), and per module (what diff compares).
 */
#include "traces/analysis-internal.h"

#include <stdlib.h>
#include <string.h>

struct launch {
	int32_t rank, device;
	int64_t call_s, end;
};

static int cmp_launch(const void *pa, const void *pb)
{
	const struct launch *x = pa, *y = pb;
	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	if (x->device != y->device)
		return x->device < y->device ? -1 : 1;
	return x->call_s < y->call_s ? -1 : x->call_s > y->call_s;
}

/* Queue lengths of launches l[0..n) sorted by (rank, device, call start):
 * the i-th launch of a device sees the device's earlier launches minus
 * those that ended by its call's start. */
static int queues(const struct launch *l, size_t n, int64_t *q)
{
	int64_t *ends = trace_big_alloc((n ? n : 1) * sizeof(*ends));

	if (!ends)
		return -1;
	for (size_t g = 0; g < n;) {
		size_t ge = g, done = 0;
		while (ge < n && l[ge].rank == l[g].rank && l[ge].device == l[g].device)
			ge++;
		for (size_t i = g; i < ge; i++)
			ends[i - g] = l[i].end;
		an_sort_i64(ends, ge - g);
		for (size_t i = g; i < ge; i++) {
			while (done < ge - g && ends[done] <= l[i].call_s)
				done++;
			q[i] = (int64_t)(i - g) > (int64_t)done ? (int64_t)(i - g - done) : 0;
		}
		g = ge;
	}
	trace_big_free(ends);
	return 0;
}

/* The row of rank (-1: every rank). */
static int launch_row(const struct trace_analysis *a, int rank, struct trace_launch *row)
{
	struct launch *l = trace_big_alloc((a->nacts ? a->nacts : 1) * sizeof(*l));
	int64_t *lat = trace_big_alloc((a->nacts ? a->nacts : 1) * sizeof(*lat));
	int64_t *q = trace_big_alloc((a->nacts ? a->nacts : 1) * sizeof(*q));
	size_t n = 0;
	int rc = -1;

	if (!l || !lat || !q)
		goto out;
	row->rank = rank;
	row->negative = 0;
	for (size_t i = 0; i < a->nacts; i++) {
		const struct an_act *x = &a->acts[i];
		if (x->call < 0 || (rank >= 0 && x->rank != rank))
			continue;
		l[n] = (struct launch){x->rank, x->device, a->calls[x->call].s, x->e};
		lat[n] = x->s - a->calls[x->call].s;
		row->negative += lat[n] < 0;
		n++;
	}
	an_qsort(l, n, sizeof(*l), cmp_launch);
	if (queues(l, n, q) < 0)
		goto out;
	an_pctl(lat, n, &row->latency_ns);
	an_pctl(q, n, &row->queue);
	rc = 0;
out:
	trace_big_free(l);
	trace_big_free(lat);
	trace_big_free(q);
	return rc;
}

int an_launch(struct trace_analysis *a)
{
	size_t n = (size_t)a->nranks + (a->nranks > 1);

	if (!(a->ln = calloc(n, sizeof(*a->ln))))
		return -1;
	a->nln = n;
	for (size_t i = 0; i < n; i++)
		if (launch_row(a, i < (size_t)a->nranks ? (int)i : -1, &a->ln[i]) < 0)
			return -1;
	return 0;
}

/* ---- kernel and class statistics ---- */

static int cmp_stats(const void *pa, const void *pb)
{
	const struct trace_kernel_stats *x = pa, *y = pb;
	if (x->total_ns != y->total_ns)
		return x->total_ns > y->total_ns ? -1 : 1;
	return strcmp(x->name, y->name);
}

enum { BY_NAME, BY_CLASS, BY_MODULE };

static const void *key_of(const struct trace_analysis *a, const struct an_act *x, int by)
{
	if (by == BY_CLASS)
		return (const void *)(uintptr_t)x->cls;
	if (by == BY_MODULE)
		return x->module ? x->module : a->none;
	return x->name;
}

/* Group the kernels by name, class or module into *out. */
static int group_stats(const struct trace_analysis *a, int by, struct trace_kernel_stats **out,
		       size_t *nout)
{
	size_t n = 0, m = 0, cap = a->nacts ? a->nacts : 1;
	struct an_keyed *k = trace_big_alloc(cap * sizeof(*k));
	int64_t *dur = trace_big_alloc(cap * sizeof(*dur));
	int *seen = calloc((size_t)a->nranks + 1, sizeof(*seen));
	struct trace_kernel_stats *st = calloc(cap, sizeof(*st));
	int rc = -1;

	if (!k || !dur || !seen || !st)
		goto out;
	for (size_t i = 0; i < a->nacts; i++)
		if (a->acts[i].is_kernel)
			k[n++] = (struct an_keyed){key_of(a, &a->acts[i], by), i};
	an_sort_keyed(k, n);
	for (size_t g = 0; g < n; m++) {
		size_t ge = g;
		const struct an_act *first = &a->acts[k[g].act];
		st[m].name = by == BY_CLASS ? trace_class_name(first->cls)
			   : by == BY_MODULE ? (const char *)key_of(a, first, by) : first->name;
		st[m].cls = first->cls;
		for (; ge < n && k[ge].key == k[g].key; ge++) {
			const struct an_act *x = &a->acts[k[ge].act];
			dur[ge - g] = x->e - x->s;
			an_add(&st[m].total_ns, x->e - x->s);
			if (seen[x->rank] != (int)m + 1) {
				seen[x->rank] = (int)m + 1;
				st[m].ranks++;
			}
		}
		an_pctl(dur, ge - g, &st[m].dur_ns);
		g = ge;
	}
	if (m)
		qsort(st, m, sizeof(*st), cmp_stats);
	*out = st;
	*nout = m;
	st = NULL;
	rc = 0;
out:
	trace_big_free(k);
	trace_big_free(dur);
	free(seen);
	free(st);
	return rc;
}

int an_kernel_stats(struct trace_analysis *a)
{
	if (group_stats(a, BY_NAME, &a->ks, &a->nks) < 0 ||
	    group_stats(a, BY_MODULE, &a->ms, &a->nms) < 0)
		return -1;
	return group_stats(a, BY_CLASS, &a->cs, &a->ncs);
}
