/* mem.c - whole traces in memory, strings interned in a pool. */
#include "traces/core-internal.h"

#include <stdlib.h>
#include <string.h>

void trace_mem_init(struct trace_mem *t)
{
	memset(t, 0, sizeof(*t));
	trace_header_init(&t->header);
}

void trace_mem_release(struct trace_mem *t)
{
	if (!t)
		return;
	free(t->recs);
	trace_strpool_free(t->strings);
	trace_mem_init(t);
}

const char *trace_mem_strdup(struct trace_mem *t, const char *s)
{
	if (!s)
		s = "";
	if (!t->strings && !(t->strings = trace_strpool_new()))
		return NULL;
	return trace_strpool_intern(t->strings, s, strlen(s));
}

/* Replace every string field of base by its pooled copy. */
static int intern_fields(struct trace_mem *t, void *base, const struct trace_kind_desc *d)
{
	for (size_t i = 0; i < d->nfields; i++) {
		const struct trace_field *f = &d->fields[i];
		const char *s;

		if (f->type != TRACE_FIELD_STR)
			continue;
		s = trace_mem_strdup(t, TRACE_FIELD_S(base, f));
		if (!s)
			return -1;
		TRACE_FIELD_S(base, f) = s;
	}
	return 0;
}

int trace_mem_set_header(struct trace_mem *t, const struct trace_header *h, struct mo_err *err)
{
	struct trace_header copy = *h;

	if (intern_fields(t, &copy, trace_header_desc()) < 0)
		return mo_err_set(err, MO_ENOMEM, "cannot keep a trace in memory: out of memory");
	t->header = copy;
	return 0;
}

int trace_mem_add(struct trace_mem *t, const struct trace_record *rec, struct mo_err *err)
{
	const struct trace_kind_desc *d = trace_kind_desc(rec->kind);
	struct trace_record copy = *rec;

	if (!d)
		return mo_err_set(err, MO_EUSAGE, "cannot add a record of unknown kind %d",
				  (int)rec->kind);
	if (MO_GROW(t->recs, t->n + 1, t->cap) < 0 ||
	    intern_fields(t, &copy.u, d) < 0)
		return mo_err_set(err, MO_ENOMEM, "cannot keep a trace in memory: out of memory");
	t->recs[t->n++] = copy;
	return 0;
}

int trace_mem_load(struct trace_mem *t, const char *path, struct mo_err *err)
{
	struct trace_reader *r;
	struct trace_record rec;
	int rc;

	trace_mem_release(t);
	r = trace_reader_open(path, err);
	if (!r)
		return err ? err->code : -MO_EINPUT;
	rc = trace_mem_set_header(t, trace_reader_header(r), err);
	while (rc == 0 && (rc = trace_reader_next(r, &rec, err)) > 0)
		rc = trace_mem_add(t, &rec, err);
	t->skipped = trace_reader_skipped(r);
	trace_reader_free(r);
	if (rc < 0)
		trace_mem_release(t);
	return rc < 0 ? rc : 0;
}

int trace_mem_save(const struct trace_mem *t, const char *path, struct mo_err *err)
{
	struct trace_writer *w = trace_writer_open(path, &t->header, err);

	if (!w)
		return err ? err->code : -MO_EIO;
	for (size_t i = 0; i < t->n; i++) {
		if (trace_writer_put(w, &t->recs[i], err) < 0) {
			trace_writer_abort(w);
			return err ? err->code : -MO_EIO;
		}
	}
	return trace_writer_close(w, err);
}
