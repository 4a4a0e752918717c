/* pool.c - the string pool and the id map (traces.h): the tree's one hash table. */
#include "traces/core-internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}

/* Eight bytes a step (a byte a step was 7 % of `mosaic inspect`): each word
 * xor-multiplied in, the length folded, mixed at the end.  Nothing depends on
 * the values beyond the tables' slots (no order, nothing written). */
uint64_t trace_hash_bytes(const char *s, size_t len)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ len, w;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		memcpy(&w, s + i, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdull;
		h ^= h >> 29;
	}
	if (i < len) {
		w = 0;
		memcpy(&w, s + i, len - i);
		h = (h ^ w) * 0xff51afd7ed558ccdull;
	}
	return mix64(h);
}

/* ---- string pool ---- */

struct pool_block {
	struct pool_block *next;
	size_t used, size;
	char data[];
};

struct trace_strpool {
	struct pool_block *blocks;
	const char **slots; /* open addressing, NULL = empty */
	size_t *lens;
	size_t cap, n;
};

struct trace_strpool *trace_strpool_new(void)
{
	return calloc(1, sizeof(struct trace_strpool));
}

size_t trace_strpool_count(const struct trace_strpool *p)
{
	return p ? p->n : 0;
}

void trace_strpool_free(struct trace_strpool *p)
{
	if (!p)
		return;
	while (p->blocks) {
		struct pool_block *b = p->blocks;
		p->blocks = b->next;
		free(b);
	}
	free(p->slots);
	free(p->lens);
	free(p);
}

static int pool_rehash(struct trace_strpool *p)
{
	size_t ncap = p->cap ? p->cap * 2 : 64;
	const char **slots = calloc(ncap, sizeof(*slots));
	size_t *lens = calloc(ncap, sizeof(*lens));

	if (!slots || !lens) {
		free(slots);
		free(lens);
		return -1;
	}
	for (size_t i = 0; i < p->cap; i++) {
		if (!p->slots[i])
			continue;
		size_t j = trace_hash_bytes(p->slots[i], p->lens[i]) & (ncap - 1);
		while (slots[j])
			j = (j + 1) & (ncap - 1);
		slots[j] = p->slots[i];
		lens[j] = p->lens[i];
	}
	free(p->slots);
	free(p->lens);
	p->slots = slots;
	p->lens = lens;
	p->cap = ncap;
	return 0;
}

static char *pool_alloc(struct trace_strpool *p, size_t len)
{
	struct pool_block *b = p->blocks;

	if (!b || b->size - b->used < len) {
		size_t size = len > 32768 ? len : 65536;
		b = malloc(sizeof(*b) + size);
		if (!b)
			return NULL;
		b->used = 0;
		b->size = size;
		if (len > 32768 && p->blocks) { /* big string: keep the current block current */
			b->next = p->blocks->next;
			p->blocks->next = b;
		} else {
			b->next = p->blocks;
			p->blocks = b;
		}
	}
	b->used += len;
	return b->data + b->used - len;
}

const char *trace_strpool_intern(struct trace_strpool *p, const char *s, size_t len)
{
	size_t j;
	char *copy;
	uint32_t id;

	if ((p->n + 1) * 2 > p->cap && pool_rehash(p) < 0)
		return NULL;
	j = trace_hash_bytes(s, len) & (p->cap - 1);
	while (p->slots[j]) {
		if (p->lens[j] == len && !memcmp(p->slots[j], s, len))
			return p->slots[j];
		j = (j + 1) & (p->cap - 1);
	}
	if (p->n >= UINT32_MAX)
		return NULL; /* no id left */
	copy = pool_alloc(p, sizeof(uint32_t) + len + 1);
	if (!copy)
		return NULL;
	id = (uint32_t)p->n;
	memcpy(copy, &id, sizeof(id)); /* the id, then the string */
	copy += sizeof(id);
	memcpy(copy, s, len);
	copy[len] = '\0';
	p->slots[j] = copy;
	p->lens[j] = len;
	p->n++;
	return copy;
}

uint32_t trace_strpool_id(const char *s)
{
	uint32_t id;

	memcpy(&id, s - sizeof(id), sizeof(id));
	return id;
}

/* ---- id map ---- */

void trace_idmap_init(struct trace_idmap *m)
{
	memset(m, 0, sizeof(*m));
}

void trace_idmap_release(struct trace_idmap *m)
{
	free(m->ka);
	free(m->kb);
	free(m->vals);
	free(m->used);
	memset(m, 0, sizeof(*m));
}

static size_t idmap_slot(int64_t a, int64_t b, size_t cap)
{
	return mix64((uint64_t)a * 0x9e3779b97f4a7c15ull ^ mix64((uint64_t)b)) & (cap - 1);
}

size_t *trace_idmap_get(const struct trace_idmap *m, int64_t a, int64_t b)
{
	if (!m->cap)
		return NULL;
	for (size_t j = idmap_slot(a, b, m->cap); m->used[j]; j = (j + 1) & (m->cap - 1))
		if (m->ka[j] == a && m->kb[j] == b)
			return &m->vals[j];
	return NULL;
}

static int idmap_rehash(struct trace_idmap *m)
{
	struct trace_idmap n;

	n.cap = m->cap ? m->cap * 2 : 32;
	n.n = m->n;
	n.ka = malloc(n.cap * sizeof(*n.ka));
	n.kb = malloc(n.cap * sizeof(*n.kb));
	n.vals = malloc(n.cap * sizeof(*n.vals));
	n.used = calloc(n.cap, 1);
	if (!n.ka || !n.kb || !n.vals || !n.used) {
		trace_idmap_release(&n);
		return -1;
	}
	for (size_t i = 0; i < m->cap; i++) {
		if (!m->used[i])
			continue;
		size_t j = idmap_slot(m->ka[i], m->kb[i], n.cap);
		while (n.used[j])
			j = (j + 1) & (n.cap - 1);
		n.used[j] = 1;
		n.ka[j] = m->ka[i];
		n.kb[j] = m->kb[i];
		n.vals[j] = m->vals[i];
	}
	trace_idmap_release(m);
	*m = n;
	return 0;
}

int trace_idmap_put(struct trace_idmap *m, int64_t a, int64_t b, size_t val)
{
	size_t *v = trace_idmap_get(m, a, b);
	size_t j;

	if (v) {
		*v = val;
		return 0;
	}
	if ((m->n + 1) * 2 > m->cap && idmap_rehash(m) < 0)
		return -1;
	for (j = idmap_slot(a, b, m->cap); m->used[j]; j = (j + 1) & (m->cap - 1))
		;
	m->used[j] = 1;
	m->ka[j] = a;
	m->kb[j] = b;
	m->vals[j] = val;
	m->n++;
	return 0;
}
