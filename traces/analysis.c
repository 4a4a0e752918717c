/*
 * analysis.c - collecting a trace's activities and API calls for the
 * analyses (see traces.h), linking launches to what they launched, and the
 * accessors.  The analyses themselves are in analysis-time.c (breakdown,
 * overlap), analysis-launch.c (launch, kernel and class statistics) and
 * analysis-path.c (critical path).
 */
#include "traces/analysis-internal.h"

#include <stdlib.h>
#include <string.h>

struct trace_analysis *trace_analysis_new(void)
{
	struct trace_analysis *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	if (!(a->pool = trace_strpool_new()) ||
	    !(a->none = trace_strpool_intern(a->pool, "(none)", 6))) {
		trace_strpool_free(a->pool);
		free(a);
		return NULL;
	}
	a->annotated = 1;
	return a;
}

void trace_analysis_free(struct trace_analysis *a)
{
	if (!a)
		return;
	trace_strpool_free(a->pool);
	trace_idmap_release(&a->modules);
	free(a->strs);
	free(a->modkeys);
	trace_idmap_release(&a->modkey_at);
	trace_big_free(a->acts);
	trace_big_free(a->calls);
	free(a->offsets);
	free(a->bd);
	free(a->ov);
	free(a->ln);
	free(a->ks);
	free(a->cs);
	free(a->ms);
	free(a->paths);
	free(a->shares);
	free(a);
}

int trace_analysis_rank(struct trace_analysis *a, int rank)
{
	if (rank > TRACE_ANALYSIS_MAX_RANK)
		return -1;
	a->rank = rank < 0 ? 0 : rank;
	if (a->rank + 1 > a->nranks)
		a->nranks = a->rank + 1;
	return 0;
}

static const char *intern(struct trace_analysis *a, const char *s)
{
	return trace_strpool_intern(a->pool, s ? s : "", s ? strlen(s) : 0);
}

/* Activities by (rank, step, device, start, end). */
static int cmp_act(const void *pa, const void *pb)
{
	const struct an_act *x = pa, *y = pb;

	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	if (x->step != y->step)
		return x->step < y->step ? -1 : 1;
	if (x->device != y->device)
		return x->device < y->device ? -1 : 1;
	if (x->s != y->s)
		return x->s < y->s ? -1 : 1;
	return x->e < y->e ? -1 : x->e > y->e;
}

/* Calls by (rank, thread, start, end). */
static int cmp_call(const void *pa, const void *pb)
{
	const struct an_call *x = pa, *y = pb;

	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	if (x->thread != y->thread)
		return x->thread < y->thread ? -1 : 1;
	if (x->s != y->s)
		return x->s < y->s ? -1 : 1;
	return x->e < y->e ? -1 : x->e > y->e;
}

/* Pooled string p's id into *id, p kept as strs[id]; 0 or -1. */
static int keep(struct trace_analysis *a, const char *p, uint32_t *id)
{
	*id = trace_strpool_id(p);
	if (*id >= a->nstrs) {
		size_t had = a->nstrs;
		if (MO_GROW(a->strs, (size_t)*id + 1, a->nstrs) < 0)
			return -1;
		memset(a->strs + had, 0, (a->nstrs - had) * sizeof(*a->strs));
	}
	a->strs[*id] = p;
	return 0;
}

/* The index in modkeys of (the rank in force, module), added when new, into
 * *at; AN_NONE for a module < 0 (none).  0 or -1. */
static int modkey(struct trace_analysis *a, int64_t module, uint32_t *at)
{
	const struct an_modkey *k = a->nmodkeys ? &a->modkeys[a->last_modkey] : NULL;
	size_t *i;

	if (module < 0) {
		*at = AN_NONE;
		return 0;
	}
	if (k && k->id == module && k->rank == a->rank) {
		*at = a->last_modkey;
		return 0;
	}
	if (!(i = trace_idmap_get(&a->modkey_at, a->rank, module))) {
		if (a->nmodkeys >= AN_NONE ||
		    MO_GROW(a->modkeys, a->nmodkeys + 1, a->modkeys_cap) < 0 ||
		    trace_idmap_put(&a->modkey_at, a->rank, module, a->nmodkeys) < 0)
			return -1;
		a->modkeys[a->nmodkeys++] = (struct an_modkey){module, a->rank};
		i = trace_idmap_get(&a->modkey_at, a->rank, module);
	}
	*at = a->last_modkey = (uint32_t)*i;
	return 0;
}

static int add_act(struct trace_analysis *a, int64_t s, int64_t e, int64_t device,
		   int64_t module, int64_t step, int64_t corr, const char *name,
		   int cls, int is_kernel)
{
	struct an_act *x;
	const char *p;

	if (s < 0 || e < s)
		return 0; /* no valid span: left out, as the summary leaves it out of times */
	if (TRACE_BIG_GROW(a->acts, a->nacts + 1, a->acts_cap) < 0)
		return -1;
	x = &a->acts[a->nacts];
	if (!(p = a->names_interned ? name : intern(a, name)) || keep(a, p, &x->name) < 0 ||
	    modkey(a, module, &x->module) < 0)
		return -1;
	if (cls < 0 || cls >= TRACE_CLASS_COUNT)
		cls = TRACE_CLASS_UNKNOWN;
	x->s = s;
	x->e = e;
	x->step = step < 0 ? -1 : step;
	x->corr = corr;
	x->rank = (int16_t)a->rank;
	x->device = (int32_t)device;
	x->cls = (int8_t)cls;
	x->is_kernel = (int8_t)is_kernel;
	if (a->nacts && !a->acts_unordered)
		a->acts_unordered = cmp_act(x - 1, x) > 0;
	a->nacts++;
	return 0;
}

static int add_call(struct trace_analysis *a, const struct trace_api_call *c)
{
	struct an_call *x;

	if (c->start_ns < 0 || c->end_ns < c->start_ns)
		return 0;
	if (TRACE_BIG_GROW(a->calls, a->ncalls + 1, a->calls_cap) < 0)
		return -1;
	x = &a->calls[a->ncalls++];
	x->s = c->start_ns;
	x->e = c->end_ns;
	x->corr = c->correlation;
	x->rank = (int16_t)a->rank;
	x->thread = (int32_t)c->thread;
	x->enqueues = (int8_t)trace_api_enqueues(c->name);
	x->may_wait = (int8_t)(!x->enqueues || ((strstr(c->name, "emcpy") || strstr(c->name, "emset")) &&
						 !strstr(c->name, "Async")));
	if (a->ncalls > 1 && !a->calls_unordered)
		a->calls_unordered = cmp_call(x - 1, x) > 0;
	return 0;
}

int trace_analysis_add(struct trace_analysis *a, const struct trace_record *rec, struct mo_err *err)
{
	const struct trace_kernel *k = &rec->u.kernel;
	const struct trace_collective *c = &rec->u.collective;
	const struct trace_memcpy *m = &rec->u.memcpy;
	const struct trace_memset *ms = &rec->u.memset;
	int rc = 0;

	if (a->nranks == 0)
		a->nranks = 1;
	switch (rec->kind) {
	case TRACE_KIND_MODULE: {
		const char *p = intern(a, rec->u.module.name);
		rc = p ? trace_idmap_put(&a->modules, a->rank, rec->u.module.id, (size_t)(uintptr_t)p)
		       : -1;
		break;
	}
	case TRACE_KIND_KERNEL:
		rc = add_act(a, k->start_ns, k->end_ns, k->device, k->module, k->step,
			     k->correlation, k->name, (int)k->kclass, 1);
		break;
	case TRACE_KIND_COLLECTIVE:
		rc = add_act(a, c->start_ns, c->end_ns, c->device, c->module, c->step,
			     c->correlation, c->name, TRACE_CLASS_COMM, 1);
		break;
	case TRACE_KIND_MEMCPY:
		rc = add_act(a, m->start_ns, m->end_ns, m->device, m->module, m->step,
			     m->correlation, m->name, TRACE_CLASS_MEMORY, 0);
		break;
	case TRACE_KIND_MEMSET:
		rc = add_act(a, ms->start_ns, ms->end_ns, ms->device, ms->module,
			     ms->step, ms->correlation, ms->name, TRACE_CLASS_MEMORY, 0);
		break;
	case TRACE_KIND_API_CALL:
		rc = add_call(a, &rec->u.api_call);
		break;
	default:
		break;
	}
	if (rc < 0)
		return mo_err_set(err, MO_ENOMEM, "cannot analyse: out of memory");
	return 0;
}

struct trace_strpool *trace_analysis_names(struct trace_analysis *a)
{
	return a->pool;
}

void trace_analysis_names_interned(struct trace_analysis *a)
{
	a->names_interned = 1;
}

static int sink_header(void *ctx, const struct trace_header *h, struct mo_err *err)
{
	return 0;
}

static int sink_record(void *ctx, const struct trace_record *rec, struct mo_err *err)
{
	return trace_analysis_add(ctx, rec, err);
}

struct trace_sink trace_analysis_sink(struct trace_analysis *a)
{
	struct trace_sink sink = {sink_header, sink_record, a};
	return sink;
}

/* A call that can launch: enqueues, with a correlation. */
static int launches(const struct an_call *c)
{
	return c->corr >= 0 && c->enqueues;
}

/* (rank, corr) of x against y's. */
static int cmp_key(int32_t xr, int64_t xc, int32_t yr, int64_t yc)
{
	if (xr != yr)
		return xr < yr ? -1 : 1;
	return xc < yc ? -1 : xc > yc;
}

/* 1 when the calls that can launch and the activities with a correlation
 * are each in (rank, correlation) order already (as a trace's mostly are). */
static int join_in_order(const struct trace_analysis *a)
{
	const struct an_call *pc = NULL;
	const struct an_act *px = NULL;

	for (size_t i = 0; i < a->ncalls; i++)
		if (launches(&a->calls[i])) {
			if (pc && cmp_key(pc->rank, pc->corr, a->calls[i].rank, a->calls[i].corr) > 0)
				return 0;
			pc = &a->calls[i];
		}
	for (size_t i = 0; i < a->nacts; i++)
		if (a->acts[i].corr >= 0) {
			if (px && cmp_key(px->rank, px->corr, a->acts[i].rank, a->acts[i].corr) > 0)
				return 0;
			px = &a->acts[i];
		}
	return 1;
}

/* link_launches' join on the arrays themselves, when join_in_order: the
 * same links, no copies.  A call's act and an activity's call take the
 * place of their correlation, each once it has been read. */
static void join_direct(struct trace_analysis *a)
{
	size_t j = 0;
	int64_t match = -1, kc = -1;
	int32_t kr = 0;

	for (size_t i = 0; i < a->nacts; i++) {
		struct an_act *x = &a->acts[i];
		if (x->corr < 0) {
			x->call = -1;
			continue;
		}
		if (kc < 0 || x->rank != kr || x->corr != kc) { /* a new key: its calls */
			kr = x->rank;
			kc = x->corr;
			match = -1;
			for (int c; j < a->ncalls; j++) {
				struct an_call *call = &a->calls[j];
				if (launches(call) && (c = cmp_key(call->rank, call->corr, kr, kc)) >= 0) {
					if (c > 0)
						break;
					if (match >= 0)
						a->calls[match].act = -1;
					match = (int64_t)j; /* the last of the key's calls */
				} else {
					call->act = -1;
				}
			}
			if (match >= 0)
				a->calls[match].act = (int64_t)i;
		}
		x->call = match;
	}
	for (; j < a->ncalls; j++)
		a->calls[j].act = -1;
}

/* A (rank, thread)'s calls in calls (sorted, so contiguous): the next
 * launching one at and its end. */
struct an_run {
	size_t at, end;
};

/* The first launching call in [i, end), end when none. */
static size_t next_launch(const struct trace_analysis *a, size_t i, size_t end)
{
	while (i < end && !launches(&a->calls[i]))
		i++;
	return i;
}

/* Run x's next call before run y's in (rank, correlation, index) order. */
static int run_less(const struct trace_analysis *a, const struct an_run *x, const struct an_run *y)
{
	const struct an_call *p = &a->calls[x->at], *q = &a->calls[y->at];
	int c = cmp_key(p->rank, p->corr, q->rank, q->corr);
	return c < 0 || (c == 0 && x->at < y->at);
}

static void sift_down(const struct trace_analysis *a, struct an_run *h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, m = i;
		if (l < n && run_less(a, &h[l], &h[m]))
			m = l;
		if (l + 1 < n && run_less(a, &h[l + 1], &h[m]))
			m = l + 1;
		if (m == i)
			return;
		struct an_run t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

/* The launching calls' keys into c (nc of them) in (rank, correlation,
 * index) order.  Each (rank, thread)'s launches mostly come in correlation
 * order (a process numbers its launches as they are made), so they are
 * merged as runs through a heap, with no copy to sort; a run out of that
 * order leaves c to the radix sort (and its copy).  0 or -1 (out of memory). */
static int launch_keys(const struct trace_analysis *a, struct an_join *c, size_t nc)
{
	struct an_run *h = NULL;
	size_t n = 0, cap = 0, k = 0;
	int merge = 1;

	for (size_t b = 0, e; b < a->ncalls; b = e) {
		int64_t last = INT64_MIN;
		for (e = b; e < a->ncalls && a->calls[e].rank == a->calls[b].rank &&
			    a->calls[e].thread == a->calls[b].thread; e++)
			if (launches(&a->calls[e])) {
				merge &= a->calls[e].corr >= last;
				last = a->calls[e].corr;
			}
		if (merge && next_launch(a, b, e) < e) {
			if (MO_GROW(h, n + 1, cap) < 0)
				return -1;
			h[n++] = (struct an_run){next_launch(a, b, e), e};
		}
	}
	if (!merge) {
		for (size_t i = 0; i < a->ncalls; i++)
			if (launches(&a->calls[i]))
				c[k++] = (struct an_join){a->calls[i].corr, i, a->calls[i].rank};
		an_sort_join(c, nc);
		free(h);
		return 0;
	}
	for (size_t i = n / 2; i-- > 0;)
		sift_down(a, h, n, i);
	while (n) {
		const struct an_call *x = &a->calls[h[0].at];
		c[k++] = (struct an_join){x->corr, h[0].at, x->rank};
		if ((h[0].at = next_launch(a, h[0].at + 1, h[0].end)) == h[0].end)
			h[0] = h[--n];
		sift_down(a, h, n, 0);
	}
	free(h);
	return 0;
}

/* The end of (rank, corr)'s keys in c[0..n) (sorted): the first greater. */
static size_t past_key(const struct an_join *c, size_t n, int32_t rank, int64_t corr)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cmp_key(c[mid].rank, c[mid].corr, rank, corr) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Each activity's launch: the last enqueuing call of its rank with its
 * correlation (a graph launch's kernels share it), and each call's first
 * activity.  On the arrays themselves when both are in (rank,
 * correlation) order; else the launching calls' keys sorted (launch_keys:
 * 24 bytes a launch) and each activity's found by binary search (a map of
 * every call was 13 % of `mosaic inspect`; sorted copies of both sides
 * took 72 bytes a kernel with the sort's). */
static int link_launches(struct trace_analysis *a)
{
	struct an_join *c;
	size_t nc = 0;

	if (join_in_order(a)) {
		join_direct(a);
		return 0;
	}
	for (size_t i = 0; i < a->ncalls; i++)
		nc += (size_t)launches(&a->calls[i]);
	if (!(c = trace_big_alloc((nc ? nc : 1) * sizeof(*c))) || launch_keys(a, c, nc) < 0) {
		trace_big_free(c);
		return -1;
	}
	for (size_t i = 0; i < a->ncalls; i++)
		a->calls[i].act = -1; /* its correlation read */
	for (size_t i = 0; i < a->nacts; i++) {
		struct an_act *x = &a->acts[i];
		size_t w = x->corr < 0 ? 0 : past_key(c, nc, x->rank, x->corr);
		if (w && c[w - 1].rank == x->rank && c[w - 1].corr == x->corr) {
			x->call = (int64_t)c[w - 1].idx;
			if (a->calls[x->call].act < 0)
				a->calls[x->call].act = (int64_t)i;
		} else {
			x->call = -1;
		}
	}
	trace_big_free(c);
	return 0;
}

/* Each activity's module key in place of its module name's id (AN_NONE
 * for a key no module record defines), the keys freed; then the launch
 * links. */
static int link(struct trace_analysis *a)
{
	uint32_t *name = malloc((a->nmodkeys ? a->nmodkeys : 1) * sizeof(*name));

	if (!name)
		return -1;
	for (size_t k = 0; k < a->nmodkeys; k++) {
		size_t *m = trace_idmap_get(&a->modules, a->modkeys[k].rank, a->modkeys[k].id);
		name[k] = AN_NONE;
		if (m && keep(a, (const char *)(uintptr_t)*m, &name[k]) < 0) {
			free(name);
			return -1;
		}
	}
	for (size_t i = 0; i < a->nacts; i++)
		if (a->acts[i].module != AN_NONE)
			a->acts[i].module = name[a->acts[i].module];
	free(name);
	free(a->modkeys);
	a->modkeys = NULL;
	a->nmodkeys = a->modkeys_cap = 0;
	trace_idmap_release(&a->modkey_at);
	return link_launches(a);
}

/* Each rank's offset: the first start of its lowest step >= 0, else of its
 * step -1 (acts are sorted by rank, then step, so -1 comes first). */
static void align(struct trace_analysis *a)
{
	size_t b = 0;

	while (b < a->nacts) {
		int r = a->acts[b].rank;
		size_t e = b, lo, hi;
		int64_t first = INT64_MAX;

		while (e < a->nacts && a->acts[e].rank == r)
			e++;
		for (lo = b; lo < e && a->acts[lo].step < 0; lo++)
			;
		if (lo == e) {
			a->annotated = 0;
			lo = b;
		}
		for (hi = lo; hi < e && a->acts[hi].step == a->acts[lo].step; hi++)
			if (a->acts[hi].s < first)
				first = a->acts[hi].s;
		a->offsets[r] = first;
		b = e;
	}
}

int an_link(struct trace_analysis *a)
{
	if (a->linked)
		return 0;
	a->linked = 1;
	if (a->nranks == 0)
		a->nranks = 1;
	if (a->acts_unordered) /* found out as they were added (an_in_order's test) */
		qsort(a->acts, a->nacts, sizeof(*a->acts), cmp_act);
	if (a->calls_unordered)
		qsort(a->calls, a->ncalls, sizeof(*a->calls), cmp_call);
	if (!(a->offsets = calloc((size_t)a->nranks, sizeof(*a->offsets))) || link(a) < 0)
		return -1;
	align(a);
	return 0;
}

/* Each activity's call index replaced by its call's start (all that the
 * launch rows read), and the calls freed: 32 bytes a call off the phases
 * after the path. */
static void drop_calls(struct trace_analysis *a)
{
	for (size_t i = 0; i < a->nacts; i++)
		if (a->acts[i].call >= 0)
			a->acts[i].launch_s = a->calls[a->acts[i].call].s;
	trace_big_free(a->calls);
	a->calls = NULL;
	a->ncalls = a->calls_cap = 0;
}

int trace_analysis_finish(struct trace_analysis *a, struct mo_err *err)
{
	if (a->finished)
		return 0;
	a->finished = 1;
	if (an_link(a) < 0 || an_breakdown(a) < 0 || an_path(a) < 0)
		goto oom;
	drop_calls(a);
	if (an_launch(a) < 0 || an_kernel_stats(a) < 0)
		goto oom;
	return 0;
oom:
	return mo_err_set(err, MO_ENOMEM, "cannot analyse: out of memory");
}

int trace_analysis_steps_annotated(const struct trace_analysis *a)
{
	return a->annotated;
}

int trace_analysis_ranks(const struct trace_analysis *a)
{
	return a->nranks;
}

int64_t trace_analysis_rank_offset(const struct trace_analysis *a, int rank)
{
	return a->offsets && rank >= 0 && rank < a->nranks ? a->offsets[rank] : 0;
}

size_t trace_analysis_breakdown(const struct trace_analysis *a, const struct trace_breakdown **rows)
{
	*rows = a->bd;
	return a->nbd;
}

size_t trace_analysis_overlap(const struct trace_analysis *a, const struct trace_overlap **rows)
{
	*rows = a->ov;
	return a->nov;
}

size_t trace_analysis_launch(const struct trace_analysis *a, const struct trace_launch **rows)
{
	*rows = a->ln;
	return a->nln;
}

size_t trace_analysis_kernel_stats(const struct trace_analysis *a,
				   const struct trace_kernel_stats **rows)
{
	*rows = a->ks;
	return a->nks;
}

size_t trace_analysis_class_stats(const struct trace_analysis *a,
				  const struct trace_kernel_stats **rows)
{
	*rows = a->cs;
	return a->ncs;
}

size_t trace_analysis_module_stats(const struct trace_analysis *a,
				   const struct trace_kernel_stats **rows)
{
	*rows = a->ms;
	return a->nms;
}

size_t trace_analysis_critical_path(const struct trace_analysis *a, const struct trace_path **rows)
{
	*rows = a->paths;
	return a->npaths;
}

void an_pctl(int64_t *v, size_t n, struct trace_pctl *out)
{
	static const int ps[] = {50, 90, 99};
	int64_t *dst[] = {&out->p50, &out->p90, &out->p99};
	double sum = 0;

	out->n = n;
	if (!n) {
		out->min = out->p50 = out->p90 = out->p99 = out->max = -1;
		out->mean = 0;
		return;
	}
	an_sort_i64(v, n);
	for (size_t i = 0; i < n; i++)
		sum += (double)v[i];
	out->min = v[0];
	out->max = v[n - 1];
	out->mean = sum / (double)n;
	for (int i = 0; i < 3; i++) {
		size_t pos = ((size_t)ps[i] * n + 99) / 100; /* ceil(p n / 100), 1-based */
		*dst[i] = v[pos ? pos - 1 : 0];
	}
}
