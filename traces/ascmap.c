/* ascmap.c - the ascending map (core-internal.h): an array while its keys
 * ascend, an id map after.  The summary keeps each API call's start by its
 * correlation id in one; as an id map from the start it was about 10 % of
 * `mosaic inspect` (growing a hash table of every call, and its pages). */
#include "traces/core-internal.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

int64_t *trace_ascmap_get(struct trace_ascmap *m, int64_t key)
{
	size_t i;

	if (m->mapped) {
		size_t *v = trace_idmap_get(&m->map, key, 0);
		return (int64_t *)v;
	}
	i = trace_lower_bound(m->v, m->n, sizeof(*m->v), offsetof(struct trace_ascpair, key), key);
	return i < m->n && m->v[i].key == key ? &m->v[i].val : NULL;
}

/* Every pair into the id map, the array freed. */
static int to_map(struct trace_ascmap *m)
{
	for (size_t i = 0; i < m->n; i++)
		if (trace_idmap_put(&m->map, m->v[i].key, 0, (size_t)m->v[i].val) < 0) {
			trace_idmap_release(&m->map);
			return -1;
		}
	trace_big_free(m->v);
	m->v = NULL;
	m->n = m->cap = 0;
	m->mapped = 1;
	return 0;
}

int trace_ascmap_put(struct trace_ascmap *m, int64_t key, int64_t val)
{
	if (!m->mapped && m->n && key <= m->v[m->n - 1].key && to_map(m) < 0)
		return -1;
	if (m->mapped)
		return trace_idmap_put(&m->map, key, 0, (size_t)val);
	if (TRACE_BIG_GROW(m->v, m->n + 1, m->cap) < 0)
		return -1;
	m->v[m->n++] = (struct trace_ascpair){key, val};
	return 0;
}

void trace_ascmap_release(struct trace_ascmap *m)
{
	trace_big_free(m->v);
	trace_idmap_release(&m->map);
	memset(m, 0, sizeof(*m));
}
