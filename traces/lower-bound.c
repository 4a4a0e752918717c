/* lower-bound.c - binary search over a sorted int64 field (contract in core-internal.h). */
#include "traces/core-internal.h"

#include <string.h>

size_t trace_lower_bound(const void *arr, size_t n, size_t stride, size_t off, int64_t x)
{
	size_t l = 0, r = n;

	while (l < r) {
		size_t m = l + (r - l) / 2;
		int64_t key;
		memcpy(&key, (const char *)arr + m * stride + off, sizeof(key));
		if (key < x)
			l = m + 1;
		else
			r = m;
	}
	return l;
}
