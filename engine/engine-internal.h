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

/* Host threads' clocks (sim-host.c): CPU time spent issuing so far. */
struct engine_hosts {
	int64_t *clock;
	size_t n, cap;
};
/* Issue n kernels from host: their CPU time is spent; *first_launch gets
 * the launch time of k[0].  0, or -1 when out of memory. */
int engine_hosts_issue(struct engine_hosts *h, int host, const struct engine_kernel *k, size_t n,
		       int64_t *first_launch);
void engine_hosts_release(struct engine_hosts *h);
/* The API call that launched a kernel at launch_ns after cpu_ns of host
 * work: the last MODEL_HOST_CALL_NS of it (or all of it when shorter). */
void engine_hosts_call(struct trace_record *rec, int host, int64_t launch_ns, int64_t cpu_ns,
		       int64_t correlation);
/* The THREAD record of host. */
void engine_hosts_thread(struct trace_record *rec, int host);

#endif
