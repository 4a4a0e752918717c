/*
 * analysis-sort.c - the analyses' sorts (analysis-internal.h): qsort skipped
 * for arrays already in order (a trace's activities and calls mostly arrive
 * so), and LSD radix sorts of 64-bit keys, a byte a pass, passes where every
 * key has the same byte skipped.  The radix sorts are stable and the order is
 * the one qsort with the matching comparator gives (the keys are totally
 * ordered); when their buffer cannot be allocated they fall back to qsort.  An input already in
 * key order is left as it is (a stable sort would not move it): one scan.
 */
#include "traces/analysis-internal.h"

#include <stdlib.h>
#include <string.h>

int an_in_order(const void *v, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	const char *p = v;

	for (size_t i = 1; i < n; i++, p += size)
		if (cmp(p, p + size) > 0)
			return 0;
	return 1;
}

void an_qsort(void *v, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	if (!an_in_order(v, n, size, cmp))
		qsort(v, n, size, cmp);
}

void an_qsort_r(void *v, size_t n, size_t size, int (*cmp)(const void *, const void *, void *),
		void *arg)
{
	const char *p = v;

	for (size_t i = 1; i < n; i++, p += size)
		if (cmp(p, p + size, arg) > 0) {
			qsort_r(v, n, size, cmp, arg);
			return;
		}
}

/* Below this many, insertion sort (the histograms cost more); the fuzz build
 * sets 2, so that fuzzing takes the radix path too. */
#ifndef RADIX_MIN
#define RADIX_MIN 48
#endif

/* static void NAME(T *v, size_t n): sort by the uint64_t KEY(element). */
#define RADIX_SORT(NAME, T, KEY, CMP)                                                      \
	static void NAME(T *v, size_t n)                                                   \
	{                                                                                  \
		size_t (*cnt)[256];                                                        \
		T *tmp, *src = v, *dst;                                                    \
		size_t in_order = 1; /* already in order: a stable sort keeps it */        \
		while (in_order < n && KEY(v[in_order - 1]) <= KEY(v[in_order]))           \
			in_order++;                                                        \
		if (in_order >= n)                                                         \
			return;                                                            \
		if (n < RADIX_MIN) {                                                       \
			for (size_t i = 1; i < n; i++) {                                   \
				T x = v[i];                                                \
				size_t j = i;                                              \
				for (; j && KEY(v[j - 1]) > KEY(x); j--)                   \
					v[j] = v[j - 1];                                   \
				v[j] = x;                                                  \
			}                                                                  \
			return;                                                            \
		}                                                                          \
		cnt = calloc(8, sizeof(*cnt));                                             \
		tmp = trace_big_alloc(n * sizeof(*tmp));                                   \
		if (!cnt || !tmp) {                                                        \
			free(cnt);                                                         \
			trace_big_free(tmp);                                               \
			qsort(v, n, sizeof(*v), CMP);                                      \
			return;                                                            \
		}                                                                          \
		for (size_t i = 0; i < n; i++)                                             \
			for (int b = 0; b < 8; b++)                                        \
				cnt[b][(KEY(v[i]) >> (8 * b)) & 255]++;                    \
		dst = tmp;                                                                 \
		for (int b = 0; b < 8; b++) {                                              \
			size_t sum = 0, *c = cnt[b];                                       \
			if (c[(KEY(v[0]) >> (8 * b)) & 255] == n)                          \
				continue; /* every key has this byte */                    \
			for (int d = 0; d < 256; d++) {                                    \
				size_t t = c[d];                                           \
				c[d] = sum;                                                \
				sum += t;                                                  \
			}                                                                  \
			for (size_t i = 0; i < n; i++)                                     \
				dst[c[(KEY(src[i]) >> (8 * b)) & 255]++] = src[i];         \
			T *t = src;                                                        \
			src = dst;                                                         \
			dst = t;                                                           \
		}                                                                          \
		if (src != v)                                                              \
			memcpy(v, src, n * sizeof(*v));                                    \
		trace_big_free(tmp);                                                       \
		free(cnt);                                                                 \
	}

/* int64_t order as unsigned: the sign bit flipped. */
#define KEY_I64(x) ((uint64_t)(x) ^ (1ull << 63))
#define KEY_CORR(x) KEY_I64((x).corr)
#define KEY_RANK(x) ((uint64_t)(x).rank ^ (1ull << 63))

RADIX_SORT(sort_i64, int64_t, KEY_I64, an_cmp_i64)
RADIX_SORT(sort_corr, struct an_join, KEY_CORR, an_cmp_join)
RADIX_SORT(sort_rank, struct an_join, KEY_RANK, an_cmp_join)

void an_sort_i64(int64_t *v, size_t n)
{
	sort_i64(v, n);
}

void an_sort_join(struct an_join *j, size_t n)
{
	sort_corr(j, n); /* stable: then by rank gives (rank, correlation, index) */
	sort_rank(j, n);
}

int an_cmp_i64(const void *pa, const void *pb)
{
	int64_t x = *(const int64_t *)pa, y = *(const int64_t *)pb;
	return x < y ? -1 : x > y;
}

int an_cmp_join(const void *pa, const void *pb)
{
	const struct an_join *x = pa, *y = pb;
	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	if (x->corr != y->corr)
		return x->corr < y->corr ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}
