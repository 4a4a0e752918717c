/*
 * diff.c - what changed between two analyses (traces.h, `mosaic diff`):
 * kernels, modules and classes matched by name, steps by position.
 */
#include "traces/analysis-internal.h"

#include <stdlib.h>
#include <string.h>

static const char *const kind_names[] = {"kernel", "module", "class", "step"};

const char *trace_diff_kind_name(int kind)
{
	return kind >= 0 && kind <= TRACE_DIFF_STEP ? kind_names[kind] : "unknown";
}

static int push(struct trace_diff *d, size_t *cap, const struct trace_diff_item *it)
{
	if (it->count_a == it->count_b && it->ns_a == it->ns_b) {
		d->unchanged++;
		return 0;
	}
	if (MO_GROW(d->items, d->n + 1, *cap) < 0)
		return -1;
	d->items[d->n++] = *it;
	return 0;
}

/* Rows of one side by name.  The analysis gives each side unique names (its
 * strings interned, "(none)" once for a module of that name and no module,
 * out-of-range classes "unknown" when added); should two rows still share a
 * name they are one item, counts and times summed.  Items go to d's list in
 * first-seen order (side a) or are matched to it (side b); 0 or -1 (out of
 * memory). */
static int merge_side(struct trace_namemap *where, struct trace_diff_item **items, size_t *n,
		      size_t *cap, int kind, int side, const struct trace_kernel_stats *g,
		      size_t ng)
{
	for (size_t i = 0; i < ng; i++) {
		int64_t j;
		int got = trace_namemap_get(where, g[i].name, &j);
		if (got < 0)
			return -1;
		if (!got) {
			struct trace_diff_item it = {kind, g[i].name, -1, -1, 0, 0, 0, 0};
			if (MO_GROW(*items, *n + 1, *cap) < 0 ||
			    trace_namemap_put(where, g[i].name, (int64_t)*n) < 0)
				return -1;
			j = (int64_t)(*n)++;
			(*items)[j] = it;
		}
		struct trace_diff_item *it = &(*items)[j];
		*(side ? &it->count_b : &it->count_a) += g[i].dur_ns.n;
		an_add(side ? &it->ns_b : &it->ns_a, g[i].total_ns);
	}
	return 0;
}

/* One kind of grouped statistics: a's rows matched to b's by name. */
static int diff_groups(struct trace_diff *d, size_t *cap, int kind,
		       const struct trace_kernel_stats *ga, size_t na,
		       const struct trace_kernel_stats *gb, size_t nb)
{
	struct trace_namemap *where = trace_namemap_new();
	struct trace_diff_item *items = NULL;
	size_t n = 0, items_cap = 0;
	int rc = where ? 0 : -1;

	if (rc == 0)
		rc = merge_side(where, &items, &n, &items_cap, kind, 0, ga, na);
	if (rc == 0)
		rc = merge_side(where, &items, &n, &items_cap, kind, 1, gb, nb);
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = push(d, cap, &items[i]);
	trace_namemap_free(where);
	free(items);
	return rc;
}

/* The step rows of the job (rank -1) or of the single rank. */
static size_t job_steps(const struct trace_analysis *a, const struct trace_breakdown **first)
{
	const struct trace_breakdown *b;
	size_t n = trace_analysis_breakdown(a, &b), i = 0, k;
	int rank = trace_analysis_ranks(a) > 1 ? -1 : 0;

	while (i < n && b[i].rank != rank)
		i++;
	for (k = i; k < n && b[k].rank == rank; k++)
		;
	*first = k > i ? b + i : NULL; /* b is NULL when there are no rows */
	return k - i;
}

static int diff_steps(struct trace_diff *d, size_t *cap, const struct trace_analysis *a,
		      const struct trace_analysis *b)
{
	const struct trace_breakdown *sa, *sb;
	size_t na = job_steps(a, &sa), nb = job_steps(b, &sb);

	for (size_t i = 0; i < (na > nb ? na : nb); i++) {
		struct trace_diff_item it = {TRACE_DIFF_STEP, "", -1, -1, 0, 0, 0, 0};
		if (i < na) {
			it.step_a = sa[i].step;
			it.count_a = sa[i].activities;
			it.ns_a = sa[i].window_ns;
		}
		if (i < nb) {
			it.step_b = sb[i].step;
			it.count_b = sb[i].activities;
			it.ns_b = sb[i].window_ns;
		}
		if (push(d, cap, &it) < 0)
			return -1;
	}
	return 0;
}

int64_t trace_diff_delta(const struct trace_diff_item *it)
{
	return an_sat_sub(it->ns_b, it->ns_a);
}

static int64_t impact(const struct trace_diff_item *it)
{
	int64_t x = trace_diff_delta(it);
	return x == INT64_MIN ? INT64_MAX : x < 0 ? -x : x;
}

static int cmp_item(const void *pa, const void *pb)
{
	const struct trace_diff_item *x = pa, *y = pb;
	int64_t ix = impact(x), iy = impact(y);

	if (ix != iy)
		return ix > iy ? -1 : 1;
	if (x->kind != y->kind)
		return x->kind - y->kind;
	if (x->step_a != y->step_a)
		return x->step_a < y->step_a ? -1 : 1;
	return strcmp(x->name, y->name);
}

int trace_diff_new(const struct trace_analysis *a, const struct trace_analysis *b,
		   struct trace_diff **out, struct mo_err *err)
{
	struct trace_diff *d = calloc(1, sizeof(*d));
	const struct trace_kernel_stats *ga, *gb;
	size_t cap = 0, na, nb;
	int rc = d ? 0 : -1;

	na = trace_analysis_kernel_stats(a, &ga);
	nb = trace_analysis_kernel_stats(b, &gb);
	if (rc == 0)
		rc = diff_groups(d, &cap, TRACE_DIFF_KERNEL, ga, na, gb, nb);
	na = trace_analysis_module_stats(a, &ga);
	nb = trace_analysis_module_stats(b, &gb);
	if (rc == 0)
		rc = diff_groups(d, &cap, TRACE_DIFF_MODULE, ga, na, gb, nb);
	na = trace_analysis_class_stats(a, &ga);
	nb = trace_analysis_class_stats(b, &gb);
	if (rc == 0)
		rc = diff_groups(d, &cap, TRACE_DIFF_CLASS, ga, na, gb, nb);
	if (rc == 0)
		rc = diff_steps(d, &cap, a, b);
	if (rc < 0) {
		trace_diff_free(d);
		*out = NULL;
		return mo_err_set(err, MO_ENOMEM, "cannot compare: out of memory");
	}
	if (d->n)
		qsort(d->items, d->n, sizeof(*d->items), cmp_item);
	*out = d;
	return 0;
}

void trace_diff_free(struct trace_diff *d)
{
	if (!d)
		return;
	free(d->items);
	free(d);
}
