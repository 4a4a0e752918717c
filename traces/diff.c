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

/* One kind of grouped statistics: a's rows matched to b's by name. */
static int diff_groups(struct trace_diff *d, size_t *cap, int kind,
		       const struct trace_kernel_stats *ga, size_t na,
		       const struct trace_kernel_stats *gb, size_t nb)
{
	struct trace_namemap *in_b = trace_namemap_new();
	char *matched = calloc(nb ? nb : 1, 1);
	int rc = in_b && matched ? 0 : -1;

	for (size_t j = 0; rc == 0 && j < nb; j++)
		rc = trace_namemap_put(in_b, gb[j].name, (int64_t)j);
	for (size_t i = 0; rc == 0 && i < na; i++) {
		struct trace_diff_item it = {kind, ga[i].name, -1, -1, ga[i].dur_ns.n, 0,
					     ga[i].total_ns, 0};
		int64_t j;
		int got = trace_namemap_get(in_b, ga[i].name, &j);
		if (got < 0) {
			rc = -1;
			break;
		}
		if (got) {
			matched[j] = 1;
			it.count_b = gb[j].dur_ns.n;
			it.ns_b = gb[j].total_ns;
		}
		rc = push(d, cap, &it);
	}
	for (size_t j = 0; rc == 0 && j < nb; j++)
		if (!matched[j]) {
			struct trace_diff_item it = {kind, gb[j].name, -1, -1, 0, gb[j].dur_ns.n, 0,
						     gb[j].total_ns};
			rc = push(d, cap, &it);
		}
	trace_namemap_free(in_b);
	free(matched);
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
	*first = b + i;
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

static int64_t impact(const struct trace_diff_item *it)
{
	int64_t x = it->ns_b - it->ns_a;
	return x < 0 ? -x : x;
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
