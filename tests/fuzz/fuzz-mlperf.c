/*
 * fuzz-mlperf.c - libFuzzer target for the MLPerf reader's two JSON files:
 * any bytes as the measurements JSON (stated precision) of an MLPerf result
 * folder, or, when the input starts with 's', the rest as its system
 * description (systems/<system>.json: GPU, MIG slice, GPU count), the other
 * file a valid one, one Offline summary beside them, through
 * model_meas_load_path().  The system's name spells no GPU, so the
 * description is always read.  A failure must say why and leave the set as
 * it was; an accepted set holds the one row, on a known GPU at a positive
 * time, in a precision the synthesiser has (int8, fp16, fp32), or lists it
 * as skipped.  (The reader takes a folder, made once per run.)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SYS "Z_TRT" /* a name that spells no GPU: the description says it */
static char dir[64], json[256], sysjson[256], summary[256];
static const char *const subs[] = { "/results", "/results/" SYS, "/results/" SYS "/resnet50",
	"/results/" SYS "/resnet50/Offline", "/results/" SYS "/resnet50/Offline/performance",
	"/results/" SYS "/resnet50/Offline/performance/run_1", "/measurements", "/measurements/" SYS,
	"/measurements/" SYS "/resnet50", "/measurements/" SYS "/resnet50/Offline", "/systems" };
#define NSUB (sizeof(subs) / sizeof(subs[0]))

static void cleanup(void)
{
	char p[256];

	unlink(json);
	unlink(sysjson);
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
	snprintf(sysjson, sizeof(sysjson), "%s/systems/" SYS ".json", dir);
	fp = fopen(summary, "w");
	if (!fp || fputs("Scenario : Offline\nSamples per second: 1000\n", fp) < 0 || fclose(fp) != 0)
		abort();
}

#define STATED "{\"weight_data_types\": \"int8\"}"
#define SYS_JSON "{\"accelerator_model_name\": \"NVIDIA A100-SXM-80GB\", \"accelerators_per_node\": 1}"

/* The size bytes of data as the file path. */
static void put(const char *path, const uint8_t *data, size_t size)
{
	FILE *fp = fopen(path, "wb");

	if (!fp || fwrite(data, 1, size, fp) != size || fclose(fp) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct model_meas_set s;
	struct mo_err err;

	if (!dir[0])
		make_tree();
	if (size && data[0] == 's') {
		put(json, (const uint8_t *)STATED, sizeof(STATED) - 1);
		put(sysjson, data + 1, size - 1);
	} else {
		put(json, data, size);
		put(sysjson, (const uint8_t *)SYS_JSON, sizeof(SYS_JSON) - 1);
	}
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
	if (s.n && (!model_gpu_find(s.m[0].gpu, &err) || !(s.m[0].ns > 0)))
		abort(); /* on a GPU mosaic knows, at a positive time */
	model_meas_set_release(&s);
	return 0;
}
