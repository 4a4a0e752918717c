/*
 * mosaic-nvtx.h - annotate a C or C++ CUDA program so `mosaic record`
 * attributes every kernel to a module, a training phase and a microbatch.
 *
 *     #include "mosaic-nvtx.h"       (needs the CUDA toolkit's nvtx3 headers;
 *                                     link with -ldl, nothing else)
 *     MOSAIC_RANGE_PUSH("vision", "forward", mb);
 *     vit_forward<<<...>>>(...);    // kernels launched here get the range
 *     MOSAIC_RANGE_POP();
 *
 * Ranges nest (the innermost wins) and are per thread: a kernel belongs to
 * the innermost range open on the thread that launched it, at the time of the
 * launch call (the recorder matches the launch's CUPTI correlation id, so
 * asynchronous execution does not matter).  The message encoding is the one
 * trace-cuda.h documents: "module=vision;phase=forward;mb=3[;step=N]", in the
 * NVTX domain "mosaic".  Without a tool attached every call is a cheap no-op.
 */
#ifndef MOSAIC_NVTX_H
#define MOSAIC_NVTX_H

#include <stdio.h>
#include <string.h>

#include <nvtx3/nvToolsExt.h>

static inline nvtxDomainHandle_t mosaic_nvtx_domain(void)
{
	/* NVTX returns the same handle for the same name; the race is benign */
	static nvtxDomainHandle_t domain;
	if (!domain)
		domain = nvtxDomainCreateA("mosaic");
	return domain;
}

/* Push a range; step < 0 leaves the step out. */
static inline void mosaic_range_push(const char *module, const char *phase, long mb, long step)
{
	char msg[160];
	nvtxEventAttributes_t a;

	if (step >= 0)
		snprintf(msg, sizeof(msg), "module=%s;phase=%s;mb=%ld;step=%ld", module, phase, mb,
			 step);
	else
		snprintf(msg, sizeof(msg), "module=%s;phase=%s;mb=%ld", module, phase, mb);
	memset(&a, 0, sizeof(a));
	a.version = NVTX_VERSION;
	a.size = NVTX_EVENT_ATTRIB_STRUCT_SIZE;
	a.messageType = NVTX_MESSAGE_TYPE_ASCII;
	a.message.ascii = msg;
	nvtxDomainRangePushEx(mosaic_nvtx_domain(), &a);
}

#define MOSAIC_RANGE_PUSH(module, phase, mb) mosaic_range_push((module), (phase), (long)(mb), -1L)
#define MOSAIC_RANGE_PUSH_STEP(module, phase, mb, step)                           \
	mosaic_range_push((module), (phase), (long)(mb), (long)(step))
#define MOSAIC_RANGE_POP() nvtxDomainRangePop(mosaic_nvtx_domain())

#endif
