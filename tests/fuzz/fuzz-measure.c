/*
 * fuzz-measure.c - libFuzzer target for the measurement CSV reader: any
 * bytes through model_meas_parse_csv().  A failure must say why and leave
 * the set as it was (no partial load); an accepted set must hold rows the
 * evaluation can take: positive finite times, a known mechanism, a quota
 * on the GPU; and the evaluation must run on it without a crash.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct model_meas_set s;
	struct model_meas_report r;
	struct mo_err err;
	int rc;

	model_meas_set_init(&s);
	mo_err_clear(&err);
	rc = model_meas_parse_csv(&s, (const char *)data, size, "fuzz.csv", &err);
	if (rc < 0) {
		if (!err.msg[0] || err.code != rc || s.n != 0)
			abort(); /* every failure says why; nothing half-read stays */
		model_meas_set_release(&s);
		return 0;
	}
	for (size_t i = 0; i < s.n; i++) {
		const struct model_meas *m = &s.m[i];
		const struct model_gpu *g = model_gpu_find(m->gpu, &err);
		int sms;
		if (!g || !(m->ns > 0) || !isfinite(m->ns) || m->whole_ns < 0 || m->mech < 0 ||
		    m->mech >= MODEL_MECH_COUNT || m->copies < 1)
			abort();
		sms = model_meas_sms(m, g);
		if (sms < 1 || sms > g->sms)
			abort();
	}
	/* the evaluation (ops only: named models need workloads/) */
	if (s.n <= 64) {
		model_meas_report_init(&r);
		if (model_meas_evaluate(&s, NULL, NULL, &r, &err) < 0)
			abort();
		if (r.nev + r.skipped.nskip != s.n)
			abort(); /* every row evaluated or listed as skipped */
		model_meas_report_release(&r);
	}
	model_meas_set_release(&s);
	return 0;
}
