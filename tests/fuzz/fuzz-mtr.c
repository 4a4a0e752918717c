/*
 * fuzz-mtr.c - libFuzzer target for the .mtr reader: any bytes go through
 * trace_reader_open_mem(), every record read goes to the validator, the
 * summary, the printer and an in-memory trace, and a trace that reads
 * cleanly must survive an in-memory round trip unchanged (written, read back,
 * compared record by record).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "traces/traces.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *devnull;
	struct mo_err err = {0};
	struct trace_reader *r;
	struct trace_check *c;
	struct trace_summary *s;
	struct trace_mem t;
	struct trace_record rec;
	int rc;

	if (!devnull)
		devnull = fopen("/dev/null", "w");
	r = trace_reader_open_mem(data, size, "fuzz.mtr", &err);
	if (!r) {
		if (!err.code || !strstr(err.msg, "'fuzz.mtr'"))
			abort(); /* every failure names the file */
		return 0;
	}
	c = trace_check_new(trace_reader_header(r));
	s = trace_summary_new(1);
	trace_mem_init(&t);
	trace_summary_header(s, trace_reader_header(r), &err);
	trace_mem_set_header(&t, trace_reader_header(r), &err);
	while ((rc = trace_reader_next(r, &rec, &err)) > 0) {
		trace_check_add(c, &rec, trace_reader_index(r));
		trace_summary_add(s, &rec, &err);
		trace_mem_add(&t, &rec, &err);
		if (devnull)
			trace_record_print(devnull, &rec);
	}
	if (rc < 0 && (!err.code || !strstr(err.msg, "'fuzz.mtr'")))
		abort();
	trace_check_finish(c, NULL, NULL);
	trace_summary_finish(s);
	if (rc == 0 && t.n < 4096) {
		/* round trip through a file in memory */
		char path[64];
		struct trace_mem back;
		snprintf(path, sizeof(path), "/tmp/fuzz-mtr.%d.mtr", (int)getpid());
		if (trace_mem_save(&t, path, &err) == 0) {
			trace_mem_init(&back);
			if (trace_mem_load(&back, path, &err) < 0 || back.n != t.n)
				abort();
			for (size_t i = 0; i < t.n; i++)
				if (trace_record_diff(&t.recs[i], &back.recs[i]))
					abort();
			trace_mem_release(&back);
			remove(path);
		}
	}
	trace_mem_release(&t);
	trace_summary_free(s);
	trace_check_free(c);
	trace_reader_free(r);
	return 0;
}
