/*
 * fuzz-gavel.c - libFuzzer target for the reader of Gavel's co-location
 * throughputs: any bytes as a folder's physical_cluster_throughputs.json
 * through model_meas_load_path().  A failure must say why and leave the set
 * as it was (no rows, skipped items or gains half-read); an accepted set's
 * co-location gains must be positive and finite, and the evaluation must
 * run on it without a crash.  (The reader takes a path, so each input is
 * written to a file in a folder made once per run.)
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64], file[128];

static void cleanup(void)
{
	unlink(file);
	rmdir(dir);
}

static void write_input(const uint8_t *data, size_t size)
{
	FILE *fp;

	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "/tmp/fuzz-gavel.XXXXXX");
		if (!mkdtemp(dir))
			abort();
		snprintf(file, sizeof(file), "%s/physical_cluster_throughputs.json", dir);
		atexit(cleanup);
	}
	fp = fopen(file, "wb");
	if (!fp || fwrite(data, 1, size, fp) != size || fclose(fp) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct model_meas_set s;
	struct model_meas_report r;
	struct mo_err err;

	write_input(data, size);
	model_meas_set_init(&s);
	mo_err_clear(&err);
	if (model_meas_load_path(&s, dir, NULL, &err) < 0) {
		if (!err.msg[0] || s.n || s.nskip || s.ngains)
			abort(); /* every failure says why; nothing half-read stays */
		model_meas_set_release(&s);
		return 0;
	}
	for (size_t i = 0; i < s.ngains; i++)
		if (!(s.gains[i] > 0) || !isfinite(s.gains[i]))
			abort();
	model_meas_report_init(&r);
	if (model_meas_evaluate(&s, NULL, NULL, &r, &err) < 0)
		abort();
	if (r.gains.n != (int)s.ngains)
		abort();
	model_meas_report_release(&r);
	model_meas_set_release(&s);
	return 0;
}
