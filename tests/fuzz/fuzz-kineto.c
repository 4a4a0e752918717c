/*
 * fuzz-kineto.c - libFuzzer target for the Kineto / Chrome trace importer:
 * any bytes (plain JSON or gzip) through trace_import_kineto_mem() into a
 * sink that checks what it is given.  Must never crash, leak or hang; a
 * failed import must not have sent any record.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "traces/traces.h"

struct ctx {
	int header_seen;
	uint64_t records;
};

static int on_header(void *c, const struct trace_header *h, struct mo_err *err)
{
	struct ctx *x = c;
	if (x->header_seen || !h->producer || !h->gpu_name || !h->origin)
		abort();
	x->header_seen = 1;
	return 0;
}

static int on_record(void *c, const struct trace_record *r, struct mo_err *err)
{
	struct ctx *x = c;
	int64_t s, e;
	if (!x->header_seen)
		abort();
	if (trace_record_span(r, &s, &e) == 0 && e < s)
		abort(); /* dur is never negative */
	if (r->kind == TRACE_KIND_KERNEL && (!r->u.kernel.name || strlen(r->u.kernel.name) > 4096))
		abort();
	x->records++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctx x = {0};
	struct trace_sink sink = {on_header, on_record, &x};
	struct trace_import_stats st;
	struct trace_import_opts o;
	struct mo_err err;

	trace_import_opts_init(&o);
	o.reorder_window = 4; /* exercise the heap and late records */
	mo_err_clear(&err);
	int rc = trace_import_kineto_mem(data, size, "fuzz.json", &o, &sink, &st, &err);
	if (rc != 0 && (!err.msg[0] || strncmp(err.msg, "cannot ", 7) != 0))
		abort(); /* every failure explains itself */
	if (rc == -MO_EINPUT && (x.header_seen || x.records))
		abort(); /* bad input is found before anything is written */
	return 0;
}
