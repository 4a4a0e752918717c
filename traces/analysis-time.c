/*
 * analysis-time.c - the temporal breakdown per (rank, step) and the
 * communication overlap per rank (see traces.h): one sweep over each
 * device's activities in a step, counting how many of each kind run.
 */
#include "traces/analysis-internal.h"

#include <stdlib.h>
#include <string.h>

struct edge {
	int64_t t;
	int delta; /* +1 start, -1 end */
	int kind;
};

static int cmp_edge(const void *pa, const void *pb)
{
	const struct edge *x = pa, *y = pb;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->delta - y->delta; /* ends first: back-to-back never double counts */
}

/* Charge dt to the row by what runs (the priority of traces.h). */
static void charge(struct trace_breakdown *row, const int *run, int64_t dt)
{
	if (dt <= 0)
		return;
	if (run[AN_COMM] > 0)
		an_add(&row->comm_ns_all, dt);
	if (run[AN_COMPUTE] > 0) {
		an_add(&row->compute_ns, dt);
		if (run[AN_COMM] > 0)
			an_add(&row->comm_overlap_ns, dt);
	} else if (run[AN_COMM] > 0) {
		an_add(&row->comm_ns, dt);
	} else if (run[AN_MEMORY] > 0) {
		an_add(&row->memory_ns, dt);
	} else {
		an_add(&row->idle_ns, dt);
	}
}

/* One device's activities acts[b..e) over the window [w0, w1). */
static int sweep(const struct an_act *acts, size_t b, size_t e, int64_t w0, int64_t w1,
		 struct edge **buf, size_t *cap, struct trace_breakdown *row)
{
	size_t n = 0;
	int run[AN_KINDS] = {0};
	int64_t cur = w0;

	for (size_t i = b; i < e; i++) {
		if (MO_GROW(*buf, n + 2, *cap) < 0)
			return -1;
		(*buf)[n++] = (struct edge){acts[i].s, +1, acts[i].kind};
		(*buf)[n++] = (struct edge){acts[i].e, -1, acts[i].kind};
	}
	qsort(*buf, n, sizeof(**buf), cmp_edge);
	for (size_t i = 0; i < n; i++) {
		charge(row, run, (*buf)[i].t - cur);
		cur = (*buf)[i].t;
		run[(*buf)[i].kind] += (*buf)[i].delta;
	}
	charge(row, run, w1 - cur);
	row->devices++;
	an_add(&row->total_ns, w1 - w0);
	return 0;
}

static struct trace_breakdown *new_row(struct trace_analysis *a, int rank, int64_t step)
{
	struct trace_breakdown *row;

	if (MO_GROW(a->bd, a->nbd + 1, a->bd_cap) < 0)
		return NULL;
	row = &a->bd[a->nbd++];
	memset(row, 0, sizeof(*row));
	row->rank = rank;
	row->step = step;
	return row;
}

static void add_row(struct trace_breakdown *to, const struct trace_breakdown *r)
{
	to->devices += r->devices;
	to->activities += r->activities;
	if (r->window_ns > to->window_ns)
		to->window_ns = r->window_ns;
	an_add(&to->total_ns, r->total_ns);
	an_add(&to->compute_ns, r->compute_ns);
	an_add(&to->comm_ns, r->comm_ns);
	an_add(&to->memory_ns, r->memory_ns);
	an_add(&to->idle_ns, r->idle_ns);
	an_add(&to->comm_ns_all, r->comm_ns_all);
	an_add(&to->comm_overlap_ns, r->comm_overlap_ns);
}

/* Rank -1 rows: one per step, the sum over ranks (ranks' rows come first,
 * sorted by rank then step; a step's job row is found by a linear search
 * over the job rows, which are few). */
static int job_rows(struct trace_analysis *a)
{
	size_t nrank_rows = a->nbd;

	for (size_t i = 0; i < nrank_rows; i++) {
		struct trace_breakdown *job = NULL;
		for (size_t j = nrank_rows; j < a->nbd && !job; j++)
			if (a->bd[j].step == a->bd[i].step)
				job = &a->bd[j];
		if (!job && !(job = new_row(a, -1, a->bd[i].step)))
			return -1;
		add_row(job, &a->bd[i]);
	}
	return 0;
}

static int overlap_rows(struct trace_analysis *a)
{
	size_t n = (size_t)a->nranks + (a->nranks > 1);

	if (!(a->ov = calloc(n, sizeof(*a->ov))))
		return -1;
	for (size_t i = 0; i < n; i++)
		a->ov[i].rank = i < (size_t)a->nranks ? (int)i : -1;
	for (size_t i = 0; i < a->nbd; i++) {
		const struct trace_breakdown *r = &a->bd[i];
		struct trace_overlap *o;
		if (r->rank < 0)
			continue;
		o = &a->ov[r->rank];
		an_add(&o->comm_ns, r->comm_ns_all);
		an_add(&o->overlapped_ns, r->comm_overlap_ns);
		if (a->nranks > 1) {
			an_add(&a->ov[n - 1].comm_ns, r->comm_ns_all);
			an_add(&a->ov[n - 1].overlapped_ns, r->comm_overlap_ns);
		}
	}
	for (size_t i = 0; i < n; i++)
		a->ov[i].pct = a->ov[i].comm_ns > 0
			? 100.0 * (double)a->ov[i].overlapped_ns / (double)a->ov[i].comm_ns : 0.0;
	a->nov = n;
	return 0;
}

int an_breakdown(struct trace_analysis *a)
{
	struct edge *buf = NULL;
	size_t cap = 0, b = 0;
	int rc = 0;

	while (rc == 0 && b < a->nacts) {
		const struct an_act *x = &a->acts[b];
		size_t e = b;
		int64_t w0 = INT64_MAX, w1 = INT64_MIN;
		struct trace_breakdown *row;

		while (e < a->nacts && a->acts[e].rank == x->rank && a->acts[e].step == x->step) {
			if (a->acts[e].s < w0)
				w0 = a->acts[e].s;
			if (a->acts[e].e > w1)
				w1 = a->acts[e].e;
			e++;
		}
		if (!(row = new_row(a, x->rank, x->step))) {
			rc = -1;
			break;
		}
		row->window_ns = w1 - w0;
		row->activities = e - b;
		for (size_t d = b; rc == 0 && d < e;) {
			size_t de = d;
			while (de < e && a->acts[de].device == a->acts[d].device)
				de++;
			rc = sweep(a->acts, d, de, w0, w1, &buf, &cap, row);
			d = de;
		}
		b = e;
	}
	free(buf);
	if (rc == 0 && a->nranks > 1)
		rc = job_rows(a);
	return rc < 0 ? rc : overlap_rows(a);
}
