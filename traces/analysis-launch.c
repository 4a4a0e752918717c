/*
 * analysis-launch.c - launch latency and queue length per rank, and kernel
 * duration statistics per kernel name and per class across ranks (see
 * traces.h), and per module (what diff compares).
 */
#include "traces/analysis-internal.h"

#include <stdlib.h>
#include <string.h>

/* Launched activities (indices into a's acts) by (rank, device, call
 * start); a is qsort_r's argument (no state outside the call). */
static int launch_order(const void *pa, const void *pb, void *arg)
{
	const struct trace_analysis *a = arg;
	const struct an_act *x = &a->acts[*(const size_t *)pa];
	const struct an_act *y = &a->acts[*(const size_t *)pb];
	int64_t xs = a->calls[x->call].s, ys = a->calls[y->call].s;

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
	an_qsort_r(ix, n, sizeof(*ix), launch_order, (void *)a);
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

/* A kernel's group: its class, or its name's or module's pool id (dense:
 * below the pool's count), so the groups are a table, not a sort. */
static size_t key_of(const struct trace_analysis *a, const struct an_act *x, int by)
{
	if (by == BY_CLASS)
		return (size_t)x->cls;
	return trace_strpool_id(by == BY_MODULE ? (x->module ? x->module : a->none) : x->name);
}

/* Each group's count (in st[g].dur_ns.n), total, ranks, class and name (of
 * its first kernel), in one pass over the kernels in their order (ranks
 * ascend in it, so a group meets a new rank when its last rank differs). */
static void group_count(const struct trace_analysis *a, int by, struct trace_kernel_stats *st,
			int *last_rank)
{
	for (size_t i = 0; i < a->nacts; i++) {
		const struct an_act *x = &a->acts[i];
		if (!x->is_kernel)
			continue;
		struct trace_kernel_stats *g = &st[key_of(a, x, by)];
		if (!g->dur_ns.n++) {
			g->name = by == BY_CLASS ? trace_class_name(x->cls)
				: by == BY_MODULE ? (x->module ? x->module : a->none) : x->name;
			g->cls = x->cls;
		}
		an_add(&g->total_ns, x->e - x->s);
		if (g->dur_ns.n == 1 || last_rank[g - st] != x->rank) {
			last_rank[g - st] = x->rank;
			g->ranks++;
		}
	}
}

/* Group the kernels by name, class or module into *out: a count per group,
 * then each kernel's duration into its group's slice of one array (8 bytes
 * a kernel), then each slice's percentiles. */
static int group_stats(const struct trace_analysis *a, int by, struct trace_kernel_stats **out,
		       size_t *nout)
{
	size_t ng = by == BY_CLASS ? TRACE_CLASS_COUNT : trace_strpool_count(a->pool), m = 0, sum = 0;
	struct trace_kernel_stats *st = calloc(ng ? ng : 1, sizeof(*st));
	size_t *at = malloc((ng ? ng : 1) * sizeof(*at));
	int *last_rank = malloc((ng ? ng : 1) * sizeof(*last_rank));
	int64_t *dur = NULL;
	int rc = -1;

	if (!st || !at || !last_rank)
		goto out;
	group_count(a, by, st, last_rank);
	for (size_t g = 0; g < ng; g++) {
		at[g] = sum;
		sum += st[g].dur_ns.n;
	}
	if (!(dur = trace_big_alloc((sum ? sum : 1) * sizeof(*dur))))
		goto out;
	for (size_t i = 0; i < a->nacts; i++)
		if (a->acts[i].is_kernel)
			dur[at[key_of(a, &a->acts[i], by)]++] = a->acts[i].e - a->acts[i].s;
	for (size_t g = 0; g < ng; g++) /* at[g] is now the end of g's slice */
		if (st[g].dur_ns.n) {
			size_t n = st[g].dur_ns.n;
			st[m] = st[g];
			an_pctl(dur + at[g] - n, n, &st[m++].dur_ns);
		}
	if (m)
		qsort(st, m, sizeof(*st), cmp_stats);
	*out = st;
	*nout = m;
	st = NULL;
	rc = 0;
out:
	trace_big_free(dur);
	free(at);
	free(last_rank);
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
