/*
 * analysis-launch.c - launch latency and queue length per rank, and kernel
 * duration statistics per kernel name and per class across ranks (see
 * traces.h), and per module (what diff compares).
 */
#include "traces/analysis-internal.h"

#include <stdlib.h>
#include <string.h>

/* The activities a launch row sorts (by launch_order), and their calls. */
static const struct an_act *order_acts;
static const struct an_call *order_calls;

/* Launched activities (indices) by (rank, device, call start). */
static int launch_order(const void *pa, const void *pb)
{
	const struct an_act *x = &order_acts[*(const size_t *)pa];
	const struct an_act *y = &order_acts[*(const size_t *)pb];
	int64_t xs = order_calls[x->call].s, ys = order_calls[y->call].s;

	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	if (x->device != y->device)
		return x->device < y->device ? -1 : 1;
	return xs < ys ? -1 : xs > ys;
}

/* Queue lengths into q[0..n) of the launched activities ix[0..n) sorted by
 * (rank, device, call start): the i-th launch of a device sees the device's
 * earlier launches minus those that ended by its call's start.  Launches
 * with the same call start may come in any order: the lengths they get are
 * the same set, and only the set is reported. */
static int queues(const struct trace_analysis *a, const size_t *ix, size_t n, int64_t *q)
{
	int64_t *ends = trace_big_alloc((n ? n : 1) * sizeof(*ends));

	if (!ends)
		return -1;
	for (size_t g = 0; g < n;) {
		const struct an_act *first = &a->acts[ix[g]];
		size_t ge = g, done = 0;
		for (; ge < n && a->acts[ix[ge]].rank == first->rank &&
		       a->acts[ix[ge]].device == first->device; ge++)
			ends[ge - g] = a->acts[ix[ge]].e;
		an_sort_i64(ends, ge - g);
		for (size_t i = g; i < ge; i++) {
			int64_t call_s = a->calls[a->acts[ix[i]].call].s;
			while (done < ge - g && ends[done] <= call_s)
				done++;
			q[i] = (int64_t)(i - g) > (int64_t)done ? (int64_t)(i - g - done) : 0;
		}
		g = ge;
	}
	trace_big_free(ends);
	return 0;
}

/* The row of rank (-1: every rank).  The latencies' array takes the queue
 * lengths once their percentiles are read. */
static int launch_row(const struct trace_analysis *a, int rank, struct trace_launch *row)
{
	size_t *ix = trace_big_alloc((a->nacts ? a->nacts : 1) * sizeof(*ix));
	int64_t *v = trace_big_alloc((a->nacts ? a->nacts : 1) * sizeof(*v));
	size_t n = 0;
	int rc = -1;

	if (!ix || !v)
		goto out;
	row->rank = rank;
	row->negative = 0;
	for (size_t i = 0; i < a->nacts; i++) {
		const struct an_act *x = &a->acts[i];
		if (x->call < 0 || (rank >= 0 && x->rank != rank))
			continue;
		ix[n] = i;
		v[n] = x->s - a->calls[x->call].s;
		row->negative += v[n] < 0;
		n++;
	}
	an_pctl(v, n, &row->latency_ns);
	order_acts = a->acts;
	order_calls = a->calls;
	an_qsort(ix, n, sizeof(*ix), launch_order);
	if (queues(a, ix, n, v) < 0)
		goto out;
	an_pctl(v, n, &row->queue);
	rc = 0;
out:
	trace_big_free(ix);
	trace_big_free(v);
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
