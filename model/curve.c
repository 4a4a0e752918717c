/*
 * curve.c - module scaling curves: sampling, interpolation, the kernel-level
 * curve of a trace and the regression fitted to profiles at several quotas.
 */
#include "model/model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int64_t interp(const struct model_curve *c, const int64_t *v, int quota)
{
	if (c->n <= 0)
		return 0;
	if (quota <= c->quota[0]) {
		/* below the first sample: the time grows like 1 / quota */
		if (quota <= 0)
			quota = 1;
		return (int64_t)llround((double)v[0] * c->quota[0] / quota);
	}
	for (int i = 1; i < c->n; i++)
		if (quota <= c->quota[i]) {
			double f = (double)(quota - c->quota[i - 1]) / (c->quota[i] - c->quota[i - 1]);
			return (int64_t)llround(v[i - 1] + f * (double)(v[i] - v[i - 1]));
		}
	return v[c->n - 1];
}

int64_t model_curve_fwd_ns(const struct model_curve *c, int quota)
{
	return interp(c, c->fwd_ns, quota);
}

int64_t model_curve_bwd_ns(const struct model_curve *c, int quota)
{
	return interp(c, c->bwd_ns, quota);
}
