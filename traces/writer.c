/* writer.c - the streaming .mtr writer (msgpack through msgpack-c's packer). */
#include "traces/core-internal.h"

#include <errno.h>
#include <msgpack.h>
#include <stdlib.h>
#include <string.h>

#define WBUF (256u << 10)

struct trace_writer {
	struct mo_outfile out;
	msgpack_packer pk;
	char *name;      /* for messages */
	uint64_t nrec;
	char *iobuf;     /* packed bytes not yet handed to stdio */
	size_t used;
	int failed;      /* the errno of the first failed write, EIO if none was set */
};

static int flush_buf(struct trace_writer *w)
{
	if (w->used && fwrite(w->iobuf, 1, w->used, w->out.fp) != w->used && !w->failed)
		w->failed = errno ? errno : EIO;
	w->used = 0;
	return w->failed ? -1 : 0;
}

/* msgpack-c calls this once per token: gather them, write in big blocks. */
static int write_cb(void *data, const char *buf, size_t len)
{
	struct trace_writer *w = data;

	if (w->used + len > WBUF && flush_buf(w) < 0)
		return -1;
	if (len > WBUF)
		return fwrite(buf, 1, len, w->out.fp) == len ? 0 : (w->failed = errno ? errno : EIO, -1);
	memcpy(w->iobuf + w->used, buf, len);
	w->used += len;
	return 0;
}

static int write_failed(const struct trace_writer *w, struct mo_err *err)
{
	return mo_err_set(err, MO_EIO, "cannot write '%s': %s", w->name,
			  strerror(w->failed ? w->failed : EIO));
}

static int too_long(const struct trace_writer *w, const struct trace_kind_desc *d, int header,
		    const struct trace_field *f, size_t len, struct mo_err *err)
{
	char what[64] = "header";

	if (!header)
		snprintf(what, sizeof(what), "record %llu (%s)", (unsigned long long)w->nrec, d->name);
	return mo_err_set(err, MO_EUSAGE, "cannot write '%s': %s: field '%s': string of %zu bytes "
			  "(the limit is %u)", w->name, what, f->name, len, TRACE_MAX_STRING);
}

/* Pack the fields of a header (header: 1) or of record w->nrec.  The
 * message's "what" is formatted only when a string is too long (formatting
 * it per record took 5.7% of an import's instructions). */
static int pack_fields(struct trace_writer *w, const void *base, const struct trace_kind_desc *d,
		       int header, struct mo_err *err)
{
	for (size_t i = 0; i < d->nfields; i++) {
		const struct trace_field *f = &d->fields[i];
		int rc;

		if (f->type == TRACE_FIELD_INT) {
			rc = msgpack_pack_int64(&w->pk, TRACE_FIELD_CI(base, f));
		} else {
			const char *s = TRACE_FIELD_CS(base, f);
			size_t len = s ? strlen(s) : 0;
			if (len > TRACE_MAX_STRING)
				return too_long(w, d, header, f, len, err);
			rc = msgpack_pack_str_with_body(&w->pk, s ? s : "", len);
		}
		if (rc)
			return write_failed(w, err);
	}
	return 0;
}

struct trace_writer *trace_writer_pending(const char *path, struct mo_err *err)
{
	struct trace_writer *w = calloc(1, sizeof(*w));

	if (!w || !(w->name = strdup(path))) {
		free(w);
		mo_err_set(err, MO_ENOMEM, "cannot write '%s': out of memory", path);
		return NULL;
	}
	return w;
}

int trace_writer_begin(struct trace_writer *w, const struct trace_header *h, struct mo_err *err)
{
	const struct trace_kind_desc *d = trace_header_desc();

	if (w->out.fp)
		return mo_err_set(err, MO_EUSAGE, "cannot write '%s': header written twice", w->name);
	if (!w->iobuf && !(w->iobuf = malloc(WBUF)))
		return mo_err_set(err, MO_ENOMEM, "cannot write '%s': out of memory", w->name);
	if (mo_outfile_open(&w->out, w->name, err) < 0)
		return err ? err->code : -MO_EIO;
	msgpack_packer_init(&w->pk, w, write_cb);
	if (msgpack_pack_array(&w->pk, 3 + d->nfields) ||
	    msgpack_pack_str_with_body(&w->pk, TRACE_FORMAT_MAGIC, strlen(TRACE_FORMAT_MAGIC)) ||
	    msgpack_pack_int64(&w->pk, TRACE_FORMAT_MAJOR) ||
	    msgpack_pack_int64(&w->pk, TRACE_FORMAT_MINOR))
		return write_failed(w, err);
	return pack_fields(w, h, d, 1, err);
}

struct trace_writer *trace_writer_open(const char *path, const struct trace_header *h,
				       struct mo_err *err)
{
	struct trace_writer *w = trace_writer_pending(path, err);

	if (w && trace_writer_begin(w, h, err) < 0) {
		trace_writer_abort(w);
		return NULL;
	}
	return w;
}

int trace_writer_put(struct trace_writer *w, const struct trace_record *rec, struct mo_err *err)
{
	const struct trace_kind_desc *d = trace_kind_desc(rec->kind);

	if (!w->out.fp)
		return mo_err_set(err, MO_EUSAGE, "cannot write '%s': no header written", w->name);
	if (!d)
		return mo_err_set(err, MO_EUSAGE, "cannot write '%s': record %llu: unknown kind %d",
				  w->name, (unsigned long long)w->nrec, (int)rec->kind);
	if (msgpack_pack_array(&w->pk, 1 + d->nfields) || msgpack_pack_int64(&w->pk, rec->kind))
		return write_failed(w, err);
	if (pack_fields(w, &rec->u, d, 0, err) < 0)
		return err ? err->code : -MO_EIO;
	w->nrec++;
	return 0;
}

static void writer_free(struct trace_writer *w)
{
	free(w->name);
	free(w->iobuf);
	free(w);
}

int trace_writer_close(struct trace_writer *w, struct mo_err *err)
{
	int rc;

	if (!w)
		return 0;
	if (!w->out.fp) {
		rc = mo_err_set(err, MO_EINPUT, "cannot write '%s': no trace was produced", w->name);
		writer_free(w);
		return rc;
	}
	if (flush_buf(w) < 0) {
		rc = write_failed(w, err);
		mo_outfile_abort(&w->out);
		writer_free(w);
		return rc;
	}
	rc = mo_outfile_commit(&w->out, err);
	writer_free(w);
	return rc;
}

void trace_writer_abort(struct trace_writer *w)
{
	if (!w)
		return;
	mo_outfile_abort(&w->out);
	writer_free(w);
}
