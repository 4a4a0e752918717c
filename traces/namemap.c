/* namemap.c - strings to integers (traces.h): the string pool gives each
 * distinct name one address, the id map keys on it. */
#include "traces/core-internal.h"

#include <stdlib.h>
#include <string.h>

struct trace_namemap {
	struct trace_strpool *pool;
	struct trace_idmap map;
};

struct trace_namemap *trace_namemap_new(void)
{
	struct trace_namemap *m = calloc(1, sizeof(*m));

	if (m && !(m->pool = trace_strpool_new())) {
		free(m);
		return NULL;
	}
	return m;
}

void trace_namemap_free(struct trace_namemap *m)
{
	if (!m)
		return;
	trace_strpool_free(m->pool);
	trace_idmap_release(&m->map);
	free(m);
}

static const char *key(struct trace_namemap *m, const char *name)
{
	return trace_strpool_intern(m->pool, name ? name : "", name ? strlen(name) : 0);
}

int trace_namemap_get(struct trace_namemap *m, const char *name, int64_t *val)
{
	const char *k = key(m, name);
	size_t *v;

	if (!k)
		return -1;
	if (!(v = trace_idmap_get(&m->map, (int64_t)(intptr_t)k, 0)))
		return 0;
	*val = (int64_t)*v;
	return 1;
}

int trace_namemap_put(struct trace_namemap *m, const char *name, int64_t val)
{
	const char *k = key(m, name);

	return k ? trace_idmap_put(&m->map, (int64_t)(intptr_t)k, 0, (size_t)val) : -1;
}
