/*
 * analysis-time.c - the temporal breakdown per (rank, step) and the
 * communication overlap per rank (see traces.h): one sweep over each
 * device's activities in a step, counting how many of each kind run; the
 * job's rows sweep the same activities over the step's window in job time.
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

/* One device's activities acts[b..e) over the window [w0, w1): their
 * starts (in order, as acts are sorted) merged with their ends (sorted, the
 * ends first at a tie: back-to-back never double counts), which is the
 * order a sort of every edge by cmp_edge gives up to ties, and a tie adds
 * no time. */
static int sweep(const struct an_act *acts, size_t b, size_t e, int64_t w0, int64_t w1,
		 struct edge **buf, size_t *cap, struct trace_breakdown *row)
{
	size_t n = e - b, j = 0;
	int run[AN_KINDS] = {0};
	int64_t cur = w0;

	if (MO_GROW(*buf, n, *cap) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		(*buf)[i] = (struct edge){acts[b + i].e, -1, an_kind(&acts[b + i])};
	an_qsort(*buf, n, sizeof(**buf), cmp_edge);
	for (size_t i = b; i < e || j < n;) {
		struct edge x = i < e && (j == n || acts[i].s < (*buf)[j].t)
			? (struct edge){acts[i].s, +1, an_kind(&acts[i])} : (*buf)[j];
		if (x.delta > 0)
			i++;
		else
			j++;
		charge(row, run, an_sat_sub(x.t, cur));
		cur = x.t;
		run[x.kind] += x.delta;
	}
	charge(row, run, an_sat_sub(w1, cur));
	row->devices++;
	an_add(&row->total_ns, an_sat_sub(w1, w0));
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

/* A rank row's activities, acts[b..e) (sorted by device). */
struct span {
	size_t b, e;
};

/* Each device of acts[sp.b..sp.e) swept over [w0, w1) into row. */
static int sweep_devices(const struct trace_analysis *a, struct span sp, int64_t w0, int64_t w1,
			 struct edge **buf, size_t *cap, struct trace_breakdown *row)
{
	for (size_t d = sp.b; d < sp.e;) {
		size_t de = d;
		while (de < sp.e && a->acts[de].device == a->acts[d].device)
			de++;
		if (sweep(a->acts, d, de, w0, w1, buf, cap, row) < 0)
			return -1;
		d = de;
	}
	return 0;
}

/* Rank -1 rows, one per step by step number, with the ranks aligned as the
 * critical path aligns them: the step's window is the job's (each rank's
 * times less its offset; earliest start to latest end on any rank) and
 * every device of every rank that ran in the step is swept over it, so the
 * time a rank waits for the slowest one is its idle time and total_ns is
 * window x devices.  Rank rows are rows [0, nr) with spans sp. */
static int job_rows(struct trace_analysis *a, const struct span *sp, size_t nr,
		    struct edge **buf, size_t *cap)
{
	struct an_job_step *steps;
	size_t n;
	int rc = 0;

	if (an_job_steps(a, &steps, &n) < 0)
		return -1;
	for (size_t k = 0; rc == 0 && k < n; k++) {
		struct trace_breakdown *job = new_row(a, -1, steps[k].step);
		if (!job) {
			rc = -1;
			break;
		}
		job->window_ns = an_sat_sub(steps[k].w1, steps[k].w0);
		for (size_t i = 0; rc == 0 && i < nr; i++) {
			int64_t off = a->offsets[a->bd[i].rank];
			if (a->bd[i].step != steps[k].step)
				continue;
			job->activities += a->bd[i].activities;
			rc = sweep_devices(a, sp[i], an_sat_add(steps[k].w0, off),
					   an_sat_add(steps[k].w1, off), buf, cap, job);
		}
	}
	free(steps);
	return rc;
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

/* One row per (rank, step) over the rank's own window; their spans into
 * *sp (one per row). */
static int rank_rows(struct trace_analysis *a, struct span **sp, struct edge **buf, size_t *cap)
{
	size_t b = 0, sp_cap = 0;

	while (b < a->nacts) {
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
		if (MO_GROW(*sp, a->nbd + 1, sp_cap) < 0 || !(row = new_row(a, x->rank, x->step)))
			return -1;
		(*sp)[a->nbd - 1] = (struct span){b, e};
		row->window_ns = an_sat_sub(w1, w0);
		row->activities = e - b;
		if (sweep_devices(a, (*sp)[a->nbd - 1], w0, w1, buf, cap, row) < 0)
			return -1;
		b = e;
	}
	return 0;
}

int an_breakdown(struct trace_analysis *a)
{
	struct edge *buf = NULL;
	struct span *sp = NULL;
	size_t cap = 0;
	int rc = rank_rows(a, &sp, &buf, &cap);

	if (rc == 0 && a->nranks > 1)
		rc = job_rows(a, sp, a->nbd, &buf, &cap);
	free(buf);
	free(sp);
	return rc < 0 ? rc : overlap_rows(a);
}
