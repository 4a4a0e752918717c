/* split.c - SM split requests: plan quotas -> cuDevSmResourceSplitByCount calls. */
#include "engine/cuda/engine-cuda.h"

#include <string.h>

static int gcd(int a, int b)
{
	while (b) {
		int t = a % b;
		a = b;
		b = t;
	}
	return a;
}

int engine_cuda_split_plan(const int *quotas, int n, const struct engine_cuda_lattice *lat,
			   struct engine_cuda_split *out, struct mo_err *err)
{
	int sum = 0, g = 0;

	memset(out, 0, sizeof(*out));
	if (!lat || lat->sms <= 0 || lat->min_sms <= 0 || lat->align <= 0 ||
	    lat->min_sms > lat->sms)
		return mo_err_set(err, MO_EUSAGE, "bad SM lattice (sms %d, min %d, align %d)",
				  lat ? lat->sms : 0, lat ? lat->min_sms : 0, lat ? lat->align : 0);
	if (n < 1 || n > ENGINE_CUDA_MAX_PARTITIONS)
		return mo_err_set(err, MO_EUSAGE, "%d partitions: need 1 to %d", n,
				  ENGINE_CUDA_MAX_PARTITIONS);
	out->n = n;
	for (int i = 0; i < n; i++) {
		int q = quotas[i], r;

		if (q <= 0)
			return mo_err_set(err, MO_EINPUT, "partition %d: quota %d SMs must be positive",
					  i, q);
		if (q > lat->sms)
			return mo_err_set(err, MO_EINFEASIBLE,
					  "partition %d: quota %d SMs exceeds the device's %d", i, q,
					  lat->sms);
		r = (q + lat->align - 1) / lat->align * lat->align;
		if (r < lat->min_sms)
			r = (lat->min_sms + lat->align - 1) / lat->align * lat->align;
		out->want[i] = q;
		out->sms[i] = r;
		out->rounded[i] = r != q;
		sum += r;
		g = gcd(g, r);
	}
	if (sum > lat->sms) {
		return mo_err_set(err, MO_EINFEASIBLE,
				  "partitions need %d SMs after rounding to the device lattice "
				  "(min %d, multiple of %d), the device has %d",
				  sum, lat->min_sms, lat->align, lat->sms);
	}
	out->unused_sms = lat->sms - sum;
	/* order: decreasing size, stable */
	for (int i = 0; i < n; i++)
		out->order[i] = i;
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && out->sms[out->order[j]] > out->sms[out->order[j - 1]]; j--) {
			int t = out->order[j];
			out->order[j] = out->order[j - 1];
			out->order[j - 1] = t;
		}
	if (g >= lat->min_sms) { /* g is a multiple of align: every sms[i] is */
		int next = 0;

		out->group_sms = g;
		for (int i = 0; i < n; i++) {
			out->first[i] = next;
			out->count[i] = out->sms[i] / g;
			next += out->count[i];
		}
		out->n_groups = next;
	} else {
		out->group_sms = 0;
		for (int i = 0; i < n; i++) {
			out->first[i] = -1;
			out->count[i] = 1;
		}
		out->n_groups = n;
	}
	return 0;
}
