/* sink.c - sinks that feed a writer or an in-memory trace. */
#include "traces/core-internal.h"

static int writer_header(void *ctx, const struct trace_header *h, struct mo_err *err)
{
	return trace_writer_begin(ctx, h, err);
}

static int writer_record(void *ctx, const struct trace_record *rec, struct mo_err *err)
{
	return trace_writer_put(ctx, rec, err);
}

int trace_sink_writer(struct trace_sink *sink, struct trace_writer **w, const char *path)
{
	*w = trace_writer_pending(path, NULL);
	if (!*w)
		return -MO_ENOMEM;
	sink->header = writer_header;
	sink->record = writer_record;
	sink->ctx = *w;
	return 0;
}

static int mem_header(void *ctx, const struct trace_header *h, struct mo_err *err)
{
	return trace_mem_set_header(ctx, h, err);
}

static int mem_record(void *ctx, const struct trace_record *rec, struct mo_err *err)
{
	return trace_mem_add(ctx, rec, err);
}

struct trace_sink trace_sink_mem(struct trace_mem *t)
{
	struct trace_sink s = {mem_header, mem_record, t};
	return s;
}
