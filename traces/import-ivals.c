/*
 * import-ivals.c - the importer's host intervals (see import-internal.h).
 */
#include "traces/core-internal.h"
#include "traces/import-internal.h"

#include <stdlib.h>
#include <string.h>

/* Intervals sorted in memory before sorted runs go to a temporary file. */
#ifndef IVAL_SORT_CAP
#define IVAL_SORT_CAP (1u << 17)
#endif

/* By list, then start, longer first; equal spans: annotations outside
 * modules outside ops. */
static int ival_cmp(const void *a, const void *b)
{
	const struct imp_ival *x = a, *y = b;
	if (x->list != y->list)
		return x->list < y->list ? -1 : 1;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->end != y->end)
		return x->end > y->end ? -1 : 1;
	return (int)y->type - (int)x->type;
}

void imp_ivals_init(struct imp_ivals *v, const char *name, struct mo_err *err)
{
	memset(v, 0, sizeof(*v));
	v->name = name;
	v->err = err;
	imp_sort_init(&v->pending, sizeof(struct imp_ival), IVAL_SORT_CAP, ival_cmp);
	imp_pages_init(&v->all, sizeof(struct imp_ival), name, err);
}

int imp_ivals_add(struct imp_ivals *v, const struct imp_ival *iv)
{
	return imp_sort_add(&v->pending, iv, v->name, v->err);
}

/* What linking keeps of an open interval. */
struct open_ival {
	int64_t end;
	int32_t index;
	int16_t depth;
};

int imp_ivals_finish(struct imp_ivals *v, size_t nlists)
{
	struct open_ival *stack = NULL;
	size_t sp = 0, cap = 0, k = 0;
	struct imp_ival iv;
	int rc;

	v->lists = calloc(nlists + 1, sizeof(*v->lists));
	v->nlists = nlists;
	if (!v->lists)
		return mo_err_set(v->err, MO_ENOMEM, "cannot import '%s': out of memory", v->name);
	if ((rc = imp_sort_done(&v->pending, v->name, v->err)) != 0)
		return rc;
	while ((rc = imp_sort_next(&v->pending, &iv, v->name, v->err)) > 0) {
		struct imp_ivlist *l = &v->lists[iv.list];
		if (!l->n) {
			l->lo = k;
			sp = 0;
		}
		/* pop intervals that end before this one ends: those that ended
		 * before it started, and (improper nesting) those it does not fit
		 * in, which it is then a sibling of */
		while (sp && stack[sp - 1].end < iv.end)
			sp--;
		iv.parent = sp ? stack[sp - 1].index : -1;
		iv.depth = sp && stack[sp - 1].depth < INT16_MAX ? (int16_t)(stack[sp - 1].depth + 1) : 0;
		if (MO_GROW(stack, sp + 1, cap) < 0) {
			rc = mo_err_set(v->err, MO_ENOMEM, "cannot import '%s': out of memory", v->name);
			break;
		}
		stack[sp++] = (struct open_ival){iv.end, (int32_t)l->n, iv.depth};
		struct imp_ival *slot = imp_pages_at(&v->all, k++, 1);
		if (!slot) {
			rc = v->err ? v->err->code : -MO_EIO;
			break;
		}
		*slot = iv;
		l->n++;
	}
	free(stack);
	imp_sort_release(&v->pending);
	return rc;
}

size_t imp_ivals_count(const struct imp_ivals *v, int list)
{
	return (size_t)list < v->nlists ? v->lists[list].n : 0;
}

void imp_ivals_get(struct imp_ivals *v, int list, int32_t i, struct imp_ival *out)
{
	const struct imp_ival *p = imp_pages_at(&v->all, v->lists[list].lo + (size_t)i, 0);
	if (p) {
		*out = *p;
		return;
	}
	memset(out, 0, sizeof(*out));
	out->start = INT64_MAX;
	out->parent = -1;
	v->failed = 1;
}

/* The number of intervals of a list that start at or before ts, searched
 * from the list's last answer outwards (galloping), then by halves:
 * lookups come in nearly increasing time, so most take a few probes. */
static size_t count_started(struct imp_ivals *v, int list, int64_t ts)
{
	struct imp_ivlist *l = &v->lists[list];
	struct imp_ival iv;
	size_t lo = 0, hi = l->n, step = 1;

	/* invariant: intervals before lo start at or before ts, from hi on after it */
	if (l->hint < l->n) {
		imp_ivals_get(v, list, (int32_t)l->hint, &iv);
		if (iv.start <= ts) {
			for (lo = l->hint + 1; lo + step <= hi; step *= 2) {
				imp_ivals_get(v, list, (int32_t)(lo + step - 1), &iv);
				if (iv.start > ts) {
					hi = lo + step - 1;
					break;
				}
				lo += step;
			}
		} else {
			for (hi = l->hint; step <= hi - lo; step *= 2) {
				imp_ivals_get(v, list, (int32_t)(hi - step), &iv);
				if (iv.start <= ts) {
					lo = hi - step + 1;
					break;
				}
				hi -= step;
			}
		}
	}
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		imp_ivals_get(v, list, (int32_t)mid, &iv);
		if (iv.start <= ts)
			lo = mid + 1;
		else
			hi = mid;
	}
	l->hint = lo ? lo - 1 : 0;
	return lo;
}

int32_t imp_ivals_deepest(struct imp_ivals *v, int list, int64_t ts)
{
	struct imp_ival iv;
	size_t lo = (size_t)list < v->nlists ? count_started(v, list, ts) : 0;
	if (lo == 0)
		return -1;
	int32_t i = (int32_t)(lo - 1);
	for (;;) {
		imp_ivals_get(v, list, i, &iv);
		if (iv.start <= ts && ts <= iv.end)
			return i;
		if ((i = iv.parent) < 0)
			return -1;
	}
}

void imp_ivals_release(struct imp_ivals *v)
{
	imp_sort_release(&v->pending);
	imp_pages_release(&v->all);
	free(v->lists);
	memset(v, 0, sizeof(*v));
}
