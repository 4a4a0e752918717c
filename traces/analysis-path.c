/*
 * analysis-path.c - the critical path of each (rank, step) through host and
 * GPU, walked backwards from the step's last activity (the rules are in
 * traces.h), and its shares by category and module per rank.
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

/* The walk's state. */
struct walk {
	struct trace_analysis *a;
	const size_t *byend;   /* act indices sorted by (rank, end, start) */
	const size_t *pos;     /* pos[act]: its place in byend */
	size_t rb, re;         /* the rank's range in byend */
	int64_t w0, t;         /* window start; the path covers [t, window end) */
	size_t limit;          /* activities at byend positions >= limit are done */
	struct trace_path *row;
	size_t share0;         /* the row's first module share in a->shares */
	int oom;
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
	if (add_share(w->a, w->share0, module ? module : "(none)", dt) < 0)
		w->oom = 1;
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

	for (c = calls[c].prev; w->t > w->w0; c = calls[c].prev) {
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
			module = w->a->acts[calls[c].act].module;
	}
	return -1;
}

/* The walk of one step from its last activity x. */
static void walk_step(struct walk *w, int64_t x)
{
	const struct trace_analysis *a = w->a;
	size_t guard = 4 * (a->nacts + a->ncalls) + 16;

	while (x >= 0 && w->t > w->w0 && guard-- && !w->oom) {
		const struct an_act *X = &a->acts[x];
		int64_t q, qe;

		if (w->pos[x] < w->limit)
			w->limit = w->pos[x];
		if (X->e < w->t)
			charge(w, TRACE_PATH_IDLE, X->module, X->e);
		charge(w, X->cls, X->module, X->s);
		q = ended_by(w, X->s);
		qe = q >= 0 ? a->acts[q].e : INT64_MIN;
		if (X->call >= 0 && a->calls[X->call].s >= qe && a->calls[X->call].s <= X->s) {
			charge(w, TRACE_PATH_LAUNCH, X->module, a->calls[X->call].s);
			x = host_walk(w, X->call, X->module);
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

static const struct an_act *sort_acts;
static int cmp_byend(const void *pa, const void *pb)
{
	const struct an_act *x = &sort_acts[*(const size_t *)pa], *y = &sort_acts[*(const size_t *)pb];
	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	if (x->e != y->e)
		return x->e < y->e ? -1 : 1;
	if (x->s != y->s)
		return x->s < y->s ? -1 : 1;
	return *(const size_t *)pa < *(const size_t *)pb ? -1 : 1;
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

/* The job row: every rank's figures summed; 0 or -1. */
static int job_path(struct trace_analysis *a)
{
	struct trace_path *job = &a->paths[a->npaths - 1];
	size_t share0 = a->nshares;

	job->rank = -1;
	for (size_t r = 0; r + 1 < a->npaths; r++) {
		size_t first = (size_t)(uintptr_t)a->paths[r].modules;
		an_add(&job->window_ns, a->paths[r].window_ns);
		an_add(&job->path_ns, a->paths[r].path_ns);
		job->steps += a->paths[r].steps;
		for (int c = 0; c < TRACE_PATH_CATS; c++)
			an_add(&job->cat_ns[c], a->paths[r].cat_ns[c]);
		for (size_t i = 0; i < a->paths[r].nmodules; i++)
			if (add_share(a, share0, a->shares[first + i].name,
				      a->shares[first + i].ns) < 0)
				return -1;
	}
	job->modules = (const void *)(uintptr_t)share0;
	job->nmodules = a->nshares - share0;
	return 0;
}

int an_path(struct trace_analysis *a)
{
	size_t n = (size_t)a->nranks + (a->nranks > 1), b = 0;
	size_t *byend = malloc((a->nacts ? a->nacts : 1) * sizeof(*byend));
	size_t *pos = malloc((a->nacts ? a->nacts : 1) * sizeof(*pos));
	struct walk w = {.a = a, .byend = byend, .pos = pos};

	if (!byend || !pos || !(a->paths = calloc(n, sizeof(*a->paths))))
		goto oom;
	a->npaths = n;
	for (size_t i = 0; i < a->nacts; i++)
		byend[i] = i;
	sort_acts = a->acts;
	qsort(byend, a->nacts, sizeof(*byend), cmp_byend);
	for (size_t i = 0; i < a->nacts; i++)
		pos[byend[i]] = i;
	for (int r = 0; r < a->nranks; r++) {
		size_t e = b;
		a->paths[r].rank = r;
		while (e < a->nacts && a->acts[e].rank == r)
			e++;
		w.rb = w.re; /* byend is sorted by rank first, like acts */
		for (w.re = w.rb; w.re < a->nacts && a->acts[byend[w.re]].rank == r; w.re++)
			;
		w.row = &a->paths[r];
		w.share0 = a->nshares;
		rank_path(&w, b, e);
		a->paths[r].modules = (const void *)(uintptr_t)w.share0; /* an index until the end */
		a->paths[r].nmodules = a->nshares - w.share0;
		b = e;
	}
	if (w.oom || (n > (size_t)a->nranks && job_path(a) < 0))
		goto oom;
	for (size_t r = 0; r < n; r++) {
		struct trace_path_share *s = a->shares + (size_t)(uintptr_t)a->paths[r].modules;
		if (a->paths[r].nmodules)
			qsort(s, a->paths[r].nmodules, sizeof(*s), cmp_share);
		a->paths[r].modules = s;
	}
	free(byend);
	free(pos);
	return 0;
oom:
	free(byend);
	free(pos);
	return -1;
}
