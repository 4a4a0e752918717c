/*
 * fuzz-gpuspec.c - libFuzzer target for the user GPU spec reader: any bytes
 * through model_gpu_parse_json().  An accepted spec must satisfy what the
 * rest of the model relies on (positive limits, a lattice that fits), and
 * the occupancy rules, the quota lattice and a GEMM prediction must run on
 * it without a crash or undefined behaviour: a time, or "does not fit".
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct model_gpu gpus[4];
	struct mo_err err;
	int n;

	mo_err_clear(&err);
	n = model_gpu_parse_json((const char *)data, size, "fuzz.json", gpus, 4, &err);
	if (n < 0) {
		if (!err.msg[0] || err.code != n)
			abort(); /* every failure says why */
		return 0;
	}
	for (int i = 0; i < n; i++) {
		const struct model_gpu *g = &gpus[i];
		struct model_op op = { .kind = MODEL_OP_GEMM, .dtype = MODEL_BF16, .b = 1, .m = 512,
				       .n = 512, .k = 512 };
		int q[64], nq;
		if (g->sms <= 0 || g->warp_size <= 0 || g->max_warps_per_sm <= 0 ||
		    g->part_step_sms <= 0 || !g->name[0])
			abort();
		(void)model_blocks_per_sm(g, 256, 64, 1024);
		(void)model_blocks_per_sm(g, 1024, 255, 48 * 1024);
		nq = model_quota_list(g, q, 64);
		for (int j = 0; j < nq; j++)
			if (q[j] <= 0 || q[j] > g->sms)
				abort();
		{
			struct model_op_pred p;
			struct mo_err e2;
			int rc = model_op_predict(g, &op, g->sms, &p, &e2);
			if ((rc == 0 && p.ns < 0) || (rc < 0 && rc != -MO_EINFEASIBLE))
				abort(); /* a time, or "does not fit" */
		}
	}
	return 0;
}
