/*
 * interference.c - slowdown of colocated modules from shared DRAM bandwidth,
 * and the pairwise matrix measured from co-run traces.
 */
#include "model/model.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

double model_interference(const struct model_gpu *gpu, double own_gbps, double others_gbps)
{
	double cap = gpu->hbm_gbps * MODEL_DRAM_EFF;
	double total, frac;

	if (own_gbps < 0)
		own_gbps = 0;
	if (others_gbps < 0)
		others_gbps = 0;
	total = own_gbps + others_gbps;
	if (cap <= 0 || total <= cap || own_gbps <= 0)
		return 1.0;
	frac = own_gbps / cap;
	if (frac > 1)
		frac = 1;
	return 1.0 + frac * (total / cap - 1.0);
}
