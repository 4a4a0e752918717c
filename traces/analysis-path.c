/*
 * analysis-path.c - the critical path of each (rank, step) through host and
 * GPU, walked backwards from the step's last activity, and of the job's
 * steps across ranks through collectives (the rules are in traces.h); its
 * shares by category and module per rank and for the job.
 */
#include "traces/analysis-internal.h"

#include <stdlib.h>
#include <string.h>

static const char *const cat_names[TRACE_PATH_CATS - TRACE_CLASS_COUNT] = {
	"host", "launch", "sync", "idle",
};

const char *trace_path_cat_name(int cat)
{
	if (cat >= 0 && cat < TRACE_CLASS_COUNT)
		return trace_class_name(cat);
	if (cat >= TRACE_CLASS_COUNT && cat < TRACE_PATH_CATS)
		return cat_names[cat - TRACE_CLASS_COUNT];
	return "unknown";
}

/* Collectives matched across ranks (the job's walk): the k-th
 * communication activity of a (rank, step) meets the k-th of every other
 * rank in that step. */
#define PEER_RANKS ((int64_t)1 << 24) /* ranks told apart in a key */
struct peers {
	struct trace_idmap map; /* (step, k * PEER_RANKS + rank) -> act */
	int64_t *ord;           /* ord[act]: its k, -1 when not communication */
	size_t *rb, *re;        /* each rank's range in byend */
};

/* The walk's state. */
struct walk {
	struct trace_analysis *a;
	const size_t *byend;   /* act indices sorted by (rank, end, start) */
	size_t rb, re;         /* the rank's range in byend */
	int64_t w0, t;         /* window start; the path covers [t, window end) */
	size_t limit;          /* activities at byend positions >= limit are done */
	struct trace_path *row;
	size_t share0;         /* the row's first module share in a->shares */
	int oom;
	const struct peers *peers; /* the job's walk; NULL on one rank's */
	int64_t off;           /* the walk's rank's offset: job time = t - off */
};

/* ns more for module among the shares from share0 on; 0 or -1. */
static int add_share(struct trace_analysis *a, size_t share0, const char *module, int64_t ns)
{
	size_t i;

	for (i = share0; i < a->nshares && a->shares[i].name != module; i++)
		;
	if (i == a->nshares) {
		if (MO_GROW(a->shares, a->nshares + 1, a->shares_cap) < 0)
			return -1;
		a->shares[a->nshares++] = (struct trace_path_share){module, 0};
	}
	an_add(&a->shares[i].ns, ns);
	return 0;
}

/* Put [from, t) on the path (clipped to the window) and move t to from. */
static void charge(struct walk *w, int cat, const char *module, int64_t from)
{
	int64_t dt;

	if (from < w->w0)
		from = w->w0;
	if (from >= w->t)
		return;
	dt = w->t - from;
	w->t = from;
	an_add(&w->row->cat_ns[cat], dt);
	an_add(&w->row->path_ns, dt);
	if (add_share(w->a, w->share0, module ? module : w->a->none, dt) < 0)
		w->oom = 1;
}

/* byend's order: (rank, end, start, index), a total order. */
static int cmp_byend(const void *pa, const void *pb, void *acts)
{
	const struct an_act *x = (const struct an_act *)acts + *(const size_t *)pa;
	const struct an_act *y = (const struct an_act *)acts + *(const size_t *)pb;
	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	if (x->e != y->e)
		return x->e < y->e ? -1 : 1;
	if (x->s != y->s)
		return x->s < y->s ? -1 : 1;
	return *(const size_t *)pa < *(const size_t *)pb ? -1 : 1;
}

/* Activity x's position in byend (x is of the walk's rank): a binary
 * search, where an array of every activity's position took 8 bytes an
 * activity. */
static size_t pos_of(const struct walk *w, int64_t x)
{
	size_t lo = w->rb, hi = w->re, want = (size_t)x;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cmp_byend(&w->byend[mid], &want, w->a->acts) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The rank's activity that ended last at or before t, at a byend position
 * below w->limit; -1 none. */
static int64_t ended_by(const struct walk *w, int64_t t)
{
	size_t lo = w->rb, hi = w->limit < w->re ? w->limit : w->re;

	while (lo < hi) { /* first position with end > t */
		size_t mid = lo + (hi - lo) / 2;
		if (w->a->acts[w->byend[mid]].e <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo > w->rb ? (int64_t)w->byend[lo - 1] : -1;
}

/* Back along the host thread from call c (the path is at its start). */
static int64_t host_walk(struct walk *w, int64_t c, const char *module)
{
	const struct an_call *calls = w->a->calls;

	for (c = an_prev_call(calls, c); w->t > w->w0; c = an_prev_call(calls, c)) {
		if (c < 0) {
			charge(w, TRACE_PATH_HOST, module, w->w0);
			return -1;
		}
		if (calls[c].may_wait) {
			int64_t y = ended_by(w, calls[c].e);
			if (y >= 0 && w->a->acts[y].e >= calls[c].s) { /* it waited for y */
				charge(w, TRACE_PATH_HOST, module, calls[c].e);
				charge(w, TRACE_PATH_SYNC, module, w->a->acts[y].e);
				return y;
			}
		}
		charge(w, TRACE_PATH_HOST, module, calls[c].s);
		if (calls[c].act >= 0)
			module = an_module(w->a, &w->a->acts[calls[c].act]);
	}
	return -1;
}

/* Activity x's start in job time. */
static int64_t job_start(const struct trace_analysis *a, int64_t x)
{
	return an_sat_sub(a->acts[x].s, a->offsets[a->acts[x].rank]);
}

/* The peer of collective x (itself among them) that started last in job
 * time: x when it did, or when x is not a matched collective. */
static int64_t last_arrival(const struct walk *w, int64_t x)
{
	const struct trace_analysis *a = w->a;
	int64_t best = x, at = job_start(a, x), k = w->peers->ord[x];

	for (int r = 0; k >= 0 && r < a->nranks; r++) {
		const size_t *p = trace_idmap_get(&w->peers->map, a->acts[x].step,
						  k * PEER_RANKS + r);
		if (p && job_start(a, (int64_t)*p) > at) {
			best = (int64_t)*p;
			at = job_start(a, best);
		}
	}
	return best;
}

/* Move the walk to p's rank, at p's start (the path is there in job time). */
static void switch_rank(struct walk *w, int64_t p)
{
	int r = w->a->acts[p].rank;
	int64_t off = w->a->offsets[r];

	w->w0 = an_sat_add(an_sat_sub(w->w0, w->off), off);
	w->t = an_sat_add(an_sat_sub(w->t, w->off), off);
	w->off = off;
	w->rb = w->peers->rb[r];
	w->re = w->peers->re[r];
	w->limit = w->re;
}

/* The walk of one step from its last activity x. */
static void walk_step(struct walk *w, int64_t x)
{
	const struct trace_analysis *a = w->a;
	size_t guard = 4 * (a->nacts + a->ncalls) + 16;

	while (x >= 0 && w->t > w->w0 && guard-- && !w->oom) {
		const struct an_act *X = &a->acts[x];
		int64_t q, qe;

		size_t at = pos_of(w, x);
		if (at < w->limit)
			w->limit = at;
		if (X->e < w->t)
			charge(w, TRACE_PATH_IDLE, an_module(a, X), X->e);
		if (w->peers && an_kind(X) == AN_COMM) {
			int64_t p = last_arrival(w, x);
			if (p != x) { /* it ended when rank p arrived: go there */
				charge(w, X->cls, an_module(a, X), an_sat_add(job_start(a, p), w->off));
				switch_rank(w, p);
				x = p;
				continue;
			}
		}
		charge(w, X->cls, an_module(a, X), X->s);
		q = ended_by(w, X->s);
		qe = q >= 0 ? a->acts[q].e : INT64_MIN;
		if (X->call >= 0 && a->calls[X->call].s >= qe && a->calls[X->call].s <= X->s) {
			charge(w, TRACE_PATH_LAUNCH, an_module(a, X), a->calls[X->call].s);
			x = host_walk(w, X->call, an_module(a, X));
		} else {
			x = q;
		}
	}
	charge(w, TRACE_PATH_IDLE, NULL, w->w0);
}

static int cmp_share(const void *pa, const void *pb)
{
	const struct trace_path_share *x = pa, *y = pb;
	if (x->ns != y->ns)
		return x->ns > y->ns ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* One rank's steps (acts[b..e) in step order) into row. */
static void rank_path(struct walk *w, size_t b, size_t e)
{
	while (b < e && !w->oom) {
		size_t se = b;
		int64_t last = (int64_t)b, w1;
		w->w0 = INT64_MAX;
		for (; se < e && w->a->acts[se].step == w->a->acts[b].step; se++) {
			if (w->a->acts[se].s < w->w0)
				w->w0 = w->a->acts[se].s;
			if (w->a->acts[se].e >= w->a->acts[last].e)
				last = (int64_t)se;
		}
		w1 = w->a->acts[last].e;
		w->t = w1;
		w->limit = w->re;
		walk_step(w, last);
		w->row->steps++;
		an_add(&w->row->window_ns, w1 - w->w0);
		b = se;
	}
}

static int cmp_job_step(const void *pa, const void *pb)
{
	const struct an_job_step *x = pa, *y = pb;
	return x->step < y->step ? -1 : x->step > y->step;
}

/* See analysis-internal.h. */
int an_job_steps(const struct trace_analysis *a, struct an_job_step **out, size_t *n)
{
	struct trace_idmap by_step;
	size_t cap = 0;
	int rc = 0;

	trace_idmap_init(&by_step);
	*out = NULL;
	*n = 0;
	for (size_t i = 0; rc == 0 && i < a->nacts; i++) {
		const struct an_act *x = &a->acts[i];
		int64_t s = job_start(a, (int64_t)i), e = an_sat_sub(x->e, a->offsets[x->rank]);
		size_t *j = trace_idmap_get(&by_step, x->step, 0);
		if (!j) {
			if (MO_GROW(*out, *n + 1, cap) < 0 || trace_idmap_put(&by_step, x->step, 0, *n) < 0) {
				rc = -1;
				break;
			}
			(*out)[*n] = (struct an_job_step){x->step, s, e, (int64_t)i};
			j = trace_idmap_get(&by_step, x->step, 0);
			++*n;
		}
		struct an_job_step *js = &(*out)[*j];
		if (s < js->w0)
			js->w0 = s;
		if (e > js->w1) { /* ties keep the lower rank */
			js->w1 = e;
			js->last = (int64_t)i;
		}
	}
	trace_idmap_release(&by_step);
	if (rc == 0 && *n)
		qsort(*out, *n, sizeof(**out), cmp_job_step);
	return rc;
}

/* Each rank's communication activities numbered per step, into p (its rb
 * and re are filled by the ranks' walks); 0 or -1. */
static int match_peers(const struct trace_analysis *a, struct peers *p)
{
	int64_t k = 0;

	if (!(p->ord = trace_big_alloc((a->nacts ? a->nacts : 1) * sizeof(*p->ord))))
		return -1;
	for (size_t i = 0; i < a->nacts; i++) {
		const struct an_act *x = &a->acts[i];
		if (i == 0 || x->rank != x[-1].rank || x->step != x[-1].step)
			k = 0;
		p->ord[i] = an_kind(x) == AN_COMM ? k++ : -1;
		if (p->ord[i] >= 0 &&
		    trace_idmap_put(&p->map, x->step, p->ord[i] * PEER_RANKS + x->rank, i) < 0)
			return -1;
	}
	return 0;
}

/* The job row: each step walked across ranks from its last activity; 0 or -1. */
static int job_path(struct walk *w, struct peers *peers)
{
	struct trace_analysis *a = w->a;
	struct an_job_step *steps;
	size_t n;

	if (match_peers(a, peers) < 0 || an_job_steps(a, &steps, &n) < 0)
		return -1;
	w->peers = peers;
	w->row = &a->paths[a->npaths - 1];
	w->row->rank = -1;
	w->share0 = a->nshares;
	for (size_t i = 0; i < n && !w->oom; i++) {
		int r = a->acts[steps[i].last].rank;
		w->off = a->offsets[r];
		w->rb = peers->rb[r];
		w->re = peers->re[r];
		w->limit = w->re;
		w->w0 = an_sat_add(steps[i].w0, w->off);
		w->t = an_sat_add(steps[i].w1, w->off);
		walk_step(w, steps[i].last);
		w->row->steps++;
		an_add(&w->row->window_ns, an_sat_sub(steps[i].w1, steps[i].w0));
	}
	free(steps);
	w->row->modules = (const void *)(uintptr_t)w->share0; /* an index until the end */
	w->row->nmodules = a->nshares - w->share0;
	return w->oom ? -1 : 0;
}

int an_path(struct trace_analysis *a)
{
	size_t n = (size_t)a->nranks + (a->nranks > 1), b = 0;
	size_t *byend = trace_big_alloc((a->nacts ? a->nacts : 1) * sizeof(*byend));
	struct walk w = {.a = a, .byend = byend};
	struct peers peers = {0};
	int rc = -1;

	trace_idmap_init(&peers.map);
	peers.rb = calloc((size_t)a->nranks + 1, sizeof(*peers.rb));
	peers.re = calloc((size_t)a->nranks + 1, sizeof(*peers.re));
	if (!byend || !peers.rb || !peers.re || !(a->paths = calloc(n, sizeof(*a->paths))))
		goto out;
	a->npaths = n;
	for (size_t i = 0; i < a->nacts; i++)
		byend[i] = i;
	an_qsort_r(byend, a->nacts, sizeof(*byend), cmp_byend, a->acts);
	for (int r = 0; r < a->nranks; r++) {
		size_t e = b;
		a->paths[r].rank = r;
		while (e < a->nacts && a->acts[e].rank == r)
			e++;
		w.rb = w.re; /* byend is sorted by rank first, like acts */
		for (w.re = w.rb; w.re < a->nacts && a->acts[byend[w.re]].rank == r; w.re++)
			;
		peers.rb[r] = w.rb;
		peers.re[r] = w.re;
		w.row = &a->paths[r];
		w.share0 = a->nshares;
		rank_path(&w, b, e);
		a->paths[r].modules = (const void *)(uintptr_t)w.share0; /* an index until the end */
		a->paths[r].nmodules = a->nshares - w.share0;
		b = e;
	}
	if (w.oom || (n > (size_t)a->nranks && job_path(&w, &peers) < 0))
		goto out;
	for (size_t r = 0; r < n; r++) {
		size_t at = (size_t)(uintptr_t)a->paths[r].modules; /* shares is NULL when none */
		struct trace_path_share *s = a->paths[r].nmodules ? a->shares + at : NULL;
		if (s)
			qsort(s, a->paths[r].nmodules, sizeof(*s), cmp_share);
		a->paths[r].modules = s;
	}
	rc = 0;
out:
	trace_big_free(byend);
	trace_big_free(peers.ord);
	free(peers.rb);
	free(peers.re);
	trace_idmap_release(&peers.map);
	return rc;
}
