/*
 * fuzz-mlperf.c - libFuzzer target for the MLPerf reader's stated
 * precision: any bytes as the measurements JSON of an MLPerf result folder
 * (one MIG Offline summary beside it) through model_meas_load_path().  A
 * failure must say why and leave the set as it was; an accepted set holds
 * the one row in a precision the synthesiser has (int8, fp16, fp32), or
 * lists it as skipped.  (The reader takes a folder, made once per run.)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SYS "A100-SXM-80GB-MIG_1x1g_TRT" /* a GPU the reader knows, by its name */
static char dir[64], json[256], summary[256];
static const char *const subs[] = { "/results", "/results/" SYS, "/results/" SYS "/resnet50",
	"/results/" SYS "/resnet50/Offline", "/results/" SYS "/resnet50/Offline/performance",
	"/results/" SYS "/resnet50/Offline/performance/run_1", "/measurements", "/measurements/" SYS,
	"/measurements/" SYS "/resnet50", "/measurements/" SYS "/resnet50/Offline" };
#define NSUB (sizeof(subs) / sizeof(subs[0]))

static void cleanup(void)
{
	char p[256];

	unlink(json);
	unlink(summary);
	for (size_t i = NSUB; i-- > 0;) {
		snprintf(p, sizeof(p), "%s%s", dir, subs[i]);
		rmdir(p);
	}
	rmdir(dir);
}

static void make_tree(void)
{
	char p[256];
	FILE *fp;

	snprintf(dir, sizeof(dir), "/tmp/fuzz-mlperf.XXXXXX");
	if (!mkdtemp(dir))
		abort();
	atexit(cleanup);
	for (size_t i = 0; i < NSUB; i++) {
		snprintf(p, sizeof(p), "%s%s", dir, subs[i]);
		if (mkdir(p, 0700) < 0)
			abort();
	}
	snprintf(summary, sizeof(summary), "%s%s/mlperf_log_summary.txt", dir, subs[5]);
	snprintf(json, sizeof(json), "%s%s/" SYS "_Offline.json", dir, subs[9]);
	fp = fopen(summary, "w");
	if (!fp || fputs("Scenario : Offline\nSamples per second: 1000\n", fp) < 0 || fclose(fp) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct model_meas_set s;
	struct mo_err err;
	FILE *fp;

	if (!dir[0])
		make_tree();
	fp = fopen(json, "wb");
	if (!fp || fwrite(data, 1, size, fp) != size || fclose(fp) != 0)
		abort();
	model_meas_set_init(&s);
	mo_err_clear(&err);
	if (model_meas_load_path(&s, dir, NULL, &err) < 0) {
		if (!err.msg[0] || s.n || s.nskip)
			abort(); /* every failure says why; nothing half-read stays */
		model_meas_set_release(&s);
		return 0;
	}
	if (s.n + s.nskip != 1)
		abort();
	if (s.n && !model_dtype_synthesisable(s.m[0].op.dtype))
		abort(); /* a row kept is one the synthesiser can build */
	model_meas_set_release(&s);
	return 0;
}
