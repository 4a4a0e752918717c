/* engine-internal.h - shared between the engine's own files; not public. */
#ifndef MOSAIC_ENGINE_INTERNAL_H
#define MOSAIC_ENGINE_INTERNAL_H

#include <stdint.h>
#include <stdlib.h>

#include "engine/engine.h"

/* Grow *arr (element size sz) so that it holds at least need elements. */
static inline int engine_grow(void **arr, size_t *cap, size_t need, size_t sz)
{
	size_t ncap;
	void *p;

	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	while (ncap < need)
		ncap *= 2;
	p = realloc(*arr, ncap * sz);
	if (!p)
		return -1;
	*arr = p;
	*cap = ncap;
	return 0;
}

#endif
