/*
 * analysis-launch.c - launch latency and queue length per rank, and kernel
 * duration statistics per kernel name and per class across ranks (see
 * traces.h), and per module (what diff compares).
 */
#include "traces/analysis-internal.h"

#include <stdlib.h>
#include <string.h>

/* Whether acts[i] is one of row rank's launched activities (-1: every rank's). */
static int launched(const struct trace_analysis *a, size_t i, int rank)
{
	return a->acts[i].launch_s >= 0 && (rank < 0 || a->acts[i].rank == rank);
}

/* Queue lengths of the launches of one (rank, device) in place of their
 * sorted call starts cs[0..n): the i-th launch by call start sees the
 * device's earlier launches minus those that ended by its call (ends[0..n)
 * sorted).  Launches with the same call start may come in any order: the
 * lengths they get are the same set, and only the set is reported. */
static void queues(int64_t *cs, const int64_t *ends, size_t n)
{
	size_t done = 0;

	for (size_t i = 0; i < n; i++) {
		while (done < n && ends[done] <= cs[i])
			done++;
		cs[i] = i > done ? (int64_t)(i - done) : 0;
	}
}

/* The launches' groups by (rank, device): ids in groups, counts (then
 * slice ends) in at, and the last lookup's key and value (a device's
 * activities mostly follow one another). */
struct lgroups {
	struct trace_idmap map;
	size_t *at, n, cap;
	int32_t rank, device;
	size_t *last;
};

/* The group of x's (rank, device), added (its count 0) when new; NULL: out
 * of memory. */
static size_t *group_of(struct lgroups *gs, const struct an_act *x)
{
	if (gs->last && gs->rank == x->rank && gs->device == x->device)
		return gs->last;
	gs->rank = x->rank;
	gs->device = x->device;
	if (!(gs->last = trace_idmap_get(&gs->map, x->rank, x->device))) {
		if (MO_GROW(gs->at, gs->n + 1, gs->cap) < 0 ||
		    trace_idmap_put(&gs->map, x->rank, x->device, gs->n) < 0)
			return NULL;
		gs->at[gs->n++] = 0;
		gs->last = trace_idmap_get(&gs->map, x->rank, x->device);
	}
	return gs->last;
}

/* The queue lengths of the row's launches into q (ends as long): grouped
 * by (rank, device), each group's call starts into its slice of q and its
 * ends into the same slice of ends, both sorted, then queues().  0 or -1
 * (out of memory). */
static int group_queues(const struct trace_analysis *a, int rank, int64_t *q, int64_t *ends)
{
	struct lgroups gs = {0};
	size_t *g, sum = 0;
	int rc = -1;

	for (size_t i = 0; i < a->nacts; i++) /* count each group's launches */
		if (launched(a, i, rank)) {
			if (!(g = group_of(&gs, &a->acts[i])))
				goto out;
			gs.at[*g]++;
		}
	for (size_t k = 0; k < gs.n; k++) { /* at[k]: where k's slice starts */
		size_t c = gs.at[k];
		gs.at[k] = sum;
		sum += c;
	}
	for (size_t i = 0; i < a->nacts; i++)
		if (launched(a, i, rank)) {
			g = group_of(&gs, &a->acts[i]); /* there: no allocation */
			q[gs.at[*g]] = a->acts[i].launch_s;
			ends[gs.at[*g]++] = a->acts[i].e;
		}
	for (size_t k = 0, b = 0; k < gs.n; b = gs.at[k++]) { /* at[k]: k's slice's end */
		an_sort_i64(q + b, gs.at[k] - b);
		an_sort_i64(ends + b, gs.at[k] - b);
		queues(q + b, ends + b, gs.at[k] - b);
	}
	rc = 0;
out:
	free(gs.at);
	trace_idmap_release(&gs.map);
	return rc;
}

/* The row of rank (-1: every rank).  The latencies' array takes the call
 * starts once their percentiles are read, then the queue lengths: 16 bytes
 * a launch with the ends, and a group's sort's 8. */
static int launch_row(const struct trace_analysis *a, int rank, struct trace_launch *row)
{
	int64_t *v = trace_big_alloc((a->nacts ? a->nacts : 1) * sizeof(*v)), *ends = NULL;
	size_t n = 0;
	int rc = -1;

	if (!v)
		return -1;
	row->rank = rank;
	row->negative = 0;
	for (size_t i = 0; i < a->nacts; i++)
		if (launched(a, i, rank)) {
			v[n] = a->acts[i].s - a->acts[i].launch_s;
			row->negative += v[n++] < 0;
		}
	an_pctl(v, n, &row->latency_ns);
	if (!(ends = trace_big_alloc((n ? n : 1) * sizeof(*ends))) ||
	    group_queues(a, rank, v, ends) < 0)
		goto out;
	trace_big_free(ends);
	ends = NULL;
	an_pctl(v, n, &row->queue);
	rc = 0;
out:
	trace_big_free(ends);
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
	if (by == BY_MODULE)
		return x->module == AN_NONE ? trace_strpool_id(a->none) : x->module;
	return x->name;
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
				: by == BY_MODULE ? (an_module(a, x) ? an_module(a, x) : a->none)
				: an_name(a, x);
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
