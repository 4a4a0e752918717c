/* ascmap.c - the ascending map (core-internal.h): a blocked delta encoding
 * while its keys ascend, an id map after.  The summary keeps each API call's
 * start by its correlation id in one, from the first API call to the end of
 * the import (a Kineto trace's host records come before its GPU records):
 * as an id map from the start it was about 10 % of `mosaic inspect`
 * (growing a hash table of every call, and its pages); as an array of
 * pairs, 16 bytes a call at the import's end, the peak of inspect's memory. */
#include "traces/core-internal.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* The most bytes a pair's encoding takes: two 64-bit varints. */
#define PAIR_MAX 20

static uint8_t *put_varint(uint8_t *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	return p;
}

static uint64_t get_varint(const uint8_t **pp)
{
	const uint8_t *p = *pp;
	uint64_t v = 0;
	int shift = 0;

	do {
		v |= (uint64_t)(*p & 0x7f) << shift;
		shift += 7;
	} while (*p++ & 0x80);
	*pp = p;
	return v;
}

/* The pair after (*key, *val), whose encoding starts at bytes[*at]. */
static void next_pair(const struct trace_ascmap *m, size_t *at, int64_t *key, int64_t *val)
{
	const uint8_t *p = m->bytes + *at;
	uint64_t dk = get_varint(&p) + 1, z = get_varint(&p);

	*key = (int64_t)((uint64_t)*key + dk);
	*val = (int64_t)((uint64_t)*val + ((z >> 1) ^ (0 - (z & 1))));
	*at = (size_t)(p - m->bytes);
}

/* Pairs in block b. */
static size_t block_pairs(const struct trace_ascmap *m, size_t b)
{
	return b + 1 < m->nblk ? TRACE_ASC_BLOCK : m->n - b * TRACE_ASC_BLOCK;
}

int trace_ascmap_get(struct trace_ascmap *m, int64_t key, int64_t *val)
{
	size_t b, i, at, cnt;
	int64_t k, v;

	if (m->mapped) {
		size_t *got = trace_idmap_get(&m->map, key, 0);
		if (got)
			*val = (int64_t)*got;
		return got != NULL;
	}
	b = trace_lower_bound(m->blk, m->nblk, sizeof(*m->blk), offsetof(struct trace_ascblock, key),
			      key);
	if (b < m->nblk && m->blk[b].key == key) {
		*val = m->blk[b].val;
		return 1;
	}
	if (b == 0)
		return 0; /* below the first key (or the map is empty) */
	b--;
	if (m->cur.b == b + 1 && m->cur.key <= key) { /* on from the last lookup */
		i = m->cur.i, at = m->cur.at, k = m->cur.key, v = m->cur.val;
	} else {
		i = 0, at = m->blk[b].at, k = m->blk[b].key, v = m->blk[b].val;
	}
	for (cnt = block_pairs(m, b); k < key && i + 1 < cnt; i++)
		next_pair(m, &at, &k, &v);
	m->cur.b = b + 1, m->cur.i = i, m->cur.at = at, m->cur.key = k, m->cur.val = v;
	if (k != key)
		return 0;
	*val = v;
	return 1;
}

/* Every pair into the id map, the blocks freed. */
static int to_map(struct trace_ascmap *m)
{
	for (size_t b = 0; b < m->nblk; b++) {
		size_t at = m->blk[b].at, cnt = block_pairs(m, b);
		int64_t k = m->blk[b].key, v = m->blk[b].val;
		for (size_t i = 0; i < cnt; i++) {
			if (i)
				next_pair(m, &at, &k, &v);
			if (trace_idmap_put(&m->map, k, 0, (size_t)v) < 0) {
				trace_idmap_release(&m->map);
				return -1;
			}
		}
	}
	trace_big_free(m->blk);
	trace_big_free(m->bytes);
	m->blk = NULL;
	m->bytes = NULL;
	m->nblk = m->blk_cap = m->nbytes = m->bytes_cap = m->n = 0;
	m->mapped = 1;
	return 0;
}

int trace_ascmap_put(struct trace_ascmap *m, int64_t key, int64_t val)
{
	if (!m->mapped && m->n && key <= m->last_key && to_map(m) < 0)
		return -1;
	if (m->mapped)
		return trace_idmap_put(&m->map, key, 0, (size_t)val);
	if (m->n % TRACE_ASC_BLOCK == 0) {
		if (TRACE_BIG_GROW(m->blk, m->nblk + 1, m->blk_cap) < 0)
			return -1;
		m->blk[m->nblk++] = (struct trace_ascblock){key, val, m->nbytes};
	} else {
		uint64_t d = (uint64_t)val - (uint64_t)m->last_val;
		uint8_t *p;
		if (TRACE_BIG_GROW(m->bytes, m->nbytes + PAIR_MAX, m->bytes_cap) < 0)
			return -1;
		p = put_varint(m->bytes + m->nbytes, (uint64_t)key - (uint64_t)m->last_key - 1);
		p = put_varint(p, (d << 1) ^ (0 - (d >> 63)));
		m->nbytes = (size_t)(p - m->bytes);
	}
	m->last_key = key;
	m->last_val = val;
	m->n++;
	return 0;
}

void trace_ascmap_release(struct trace_ascmap *m)
{
	trace_big_free(m->blk);
	trace_big_free(m->bytes);
	trace_idmap_release(&m->map);
	memset(m, 0, sizeof(*m));
}
