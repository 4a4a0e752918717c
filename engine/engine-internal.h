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

/* The model's physics of an engine kernel (the fields it shares). */
static inline struct model_kphys engine_kphys(const struct engine_kernel *k)
{
	struct model_kphys p = { 0 };

	p.blocks = k->blocks;
	p.blocks_per_sm = k->blocks_per_sm;
	p.warps_per_block = k->warps_per_block;
	p.wave_ns = k->wave_ns;
	p.bytes = k->bytes;
	p.bw_eff = k->bw_eff;
	p.lat_ns = k->lat_ns;
	p.clocked = k->clocked;
	return p;
}

#endif
