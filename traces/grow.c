/* grow.c - the growable-array helper behind MO_GROW (contract in traces.h). */
#include "traces/traces.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int mo_grow(void *ptr_addr, size_t *alloc, size_t nr, size_t elem_size)
{
	return mo_grow_from(ptr_addr, alloc, nr, elem_size, 16);
}

int mo_grow_from(void *ptr_addr, size_t *alloc, size_t nr, size_t elem_size, size_t first)
{
	return mo_grow_with(ptr_addr, alloc, nr, elem_size, first, realloc);
}

int mo_grow_with(void *ptr_addr, size_t *alloc, size_t nr, size_t elem_size, size_t first,
		 void *(*re)(void *, size_t))
{
	size_t ncap = first > 0 ? first : 1;
	void *old, *p;

	if (nr <= *alloc)
		return 0;
	while (ncap < nr) {
		if (ncap > SIZE_MAX / 2)
			return -1;
		ncap *= 2;
	}
	if (elem_size && ncap > SIZE_MAX / elem_size)
		return -1;
	memcpy(&old, ptr_addr, sizeof(old));
	p = re(old, ncap * elem_size);
	if (!p)
		return -1;
	memcpy(ptr_addr, &p, sizeof(p));
	*alloc = ncap;
	return 0;
}
