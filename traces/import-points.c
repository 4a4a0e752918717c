/*
 * import-points.c - launch points by profiler id (see import-internal.h).
 */
#include "traces/core-internal.h"
#include "traces/import-internal.h"

#include <stdlib.h>
#include <string.h>

#define DENSE_RANGE (1LL << 28) /* slots of 16 bytes: a 4 GiB sparse file at most */

void imp_points_init(struct imp_points *t, const char *name, struct mo_err *err)
{
	memset(t, 0, sizeof(*t));
	imp_pages_init(&t->dense, sizeof(struct imp_point), name, err);
	trace_idmap_init(&t->far);
}

/* The slot of a dense id, else NULL with *far set (or an error: NULL and
 * *far 0, err filled). */
static struct imp_point *slot(struct imp_points *t, int64_t id, int write, int *far)
{
	*far = 0;
	if (!t->have_base) {
		if (!write) {
			*far = 1;
			return NULL;
		}
		t->base = id > 1024 ? id - 1024 : (id < 0 ? id : 0);
		t->have_base = 1;
	}
	if (id < t->base || id - t->base >= DENSE_RANGE) {
		*far = 1;
		return NULL;
	}
	return imp_pages_at(&t->dense, (size_t)(id - t->base), write);
}

int imp_points_get(struct imp_points *t, int64_t id, struct imp_point *out)
{
	int far;
	const size_t *k;
	const struct imp_point *p = slot(t, id, 0, &far);

	if (p) {
		*out = *p;
		return p->set;
	}
	if (!far)
		return t->dense.err ? t->dense.err->code : -MO_EIO;
	if (!(k = trace_idmap_get(&t->far, id, 0)))
		return 0;
	*out = t->far_pts[*k];
	return 1;
}

int imp_points_set(struct imp_points *t, int64_t id, int64_t ts, int32_t thread)
{
	int far;
	const size_t *k;
	struct imp_point *p = slot(t, id, 1, &far);
	struct imp_point v = {ts, thread, 1};

	if (p) {
		*p = v;
		return 0;
	}
	if (!far)
		return t->dense.err ? t->dense.err->code : -MO_EIO;
	if ((k = trace_idmap_get(&t->far, id, 0))) {
		t->far_pts[*k] = v;
		return 0;
	}
	if (MO_GROW(t->far_pts, t->nfar + 1, t->far_cap) < 0 ||
	    trace_idmap_put(&t->far, id, 0, t->nfar) < 0)
		return mo_err_set(t->dense.err, MO_ENOMEM, "cannot import '%s': out of memory",
				  t->dense.name);
	t->far_pts[t->nfar++] = v;
	return 0;
}

void imp_points_release(struct imp_points *t)
{
	imp_pages_release(&t->dense);
	trace_idmap_release(&t->far);
	free(t->far_pts);
	memset(t, 0, sizeof(*t));
}
