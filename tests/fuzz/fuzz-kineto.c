/*
 * fuzz-kineto.c - libFuzzer target for the Kineto / Chrome trace importer:
 * any bytes (plain JSON or gzip) through trace_import_kineto_mem() into a
 * sink that checks what it is given.  Must never crash, leak or hang; a
 * failed import must not have sent any record.  Each input is read twice,
 * by the event scanner and token by token (opts.token_events): the same
 * status, message, counts and records (the build's READ_CHUNK of 97 bytes
 * puts events and tokens across the scanner's buffer edges).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "traces/traces.h"

struct ctx {
	int header_seen;
	uint64_t records;
	struct trace_sink keep; /* then into a trace_mem, to compare */
};

static int on_header(void *c, const struct trace_header *h, struct mo_err *err)
{
	struct ctx *x = c;
	if (x->header_seen || !h->producer || !h->gpu_name || !h->origin)
		abort();
	x->header_seen = 1;
	return x->keep.header(x->keep.ctx, h, err);
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
	return x->keep.record(x->keep.ctx, r, err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Import data with the reader chosen; records into t (initialised here). */
static int run(const uint8_t *data, size_t size, int token_events, struct trace_mem *t,
	       struct trace_import_stats *st, struct mo_err *err)
{
	struct ctx x = {0};
	struct trace_sink check = {on_header, on_record, &x};
	struct trace_import_opts o;

	trace_mem_init(t);
	x.keep = trace_sink_mem(t);
	trace_import_opts_init(&o);
	o.reorder_window = 4; /* exercise the heap and late records */
	o.token_events = token_events;
	mo_err_clear(err);
	int rc = trace_import_kineto_mem(data, size, "fuzz.json", &o, &check, st, err);
	if (rc != 0 && (!err->msg[0] || strncmp(err->msg, "cannot ", 7) != 0))
		abort(); /* every failure explains itself */
	if (rc == -MO_EINPUT && (x.header_seen || x.records))
		abort(); /* bad input is found before anything is written */
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct trace_mem t[2];
	struct trace_import_stats st[2];
	struct mo_err err[2];
	int rc[2];

	for (int k = 0; k < 2; k++)
		rc[k] = run(data, size, k, &t[k], &st[k], &err[k]);
	if (rc[0] != rc[1] || strcmp(err[0].msg, err[1].msg) != 0 || t[0].n != t[1].n)
		abort(); /* the two readers disagree */
	if (rc[0] == 0 && (st[0].events != st[1].events || st[0].ignored != st[1].ignored))
		abort();
	for (size_t i = 0; i < t[0].n; i++)
		if (trace_record_diff(&t[0].recs[i], &t[1].recs[i]))
			abort();
	trace_mem_release(&t[0]);
	trace_mem_release(&t[1]);
	return 0;
}
