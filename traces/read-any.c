/* read-any.c - what a trace file is, and reading any of them into a sink. */
#include "traces/core-internal.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

/* The first bytes of path (gzip looked through); *n of them, or an error. */
static int peek(const char *path, unsigned char *buf, size_t size, size_t *n, struct mo_err *err)
{
	gzFile gz;
	int fd, got, rc = mo_open_regular_fd(path, &fd, err);

	if (rc < 0)
		return rc;
	gz = gzdopen(fd, "rb");
	if (!gz) {
		close(fd);
		return mo_err_set(err, MO_ENOMEM, "cannot read '%s': out of memory", path);
	}
	got = gzread(gz, buf, (unsigned)size);
	if (got < 0) {
		int zerr;
		const char *msg = gzerror(gz, &zerr);

		rc = mo_err_set(err, zerr == Z_ERRNO ? MO_EIO : MO_EINPUT, "cannot read '%s': %s",
				    path, zerr == Z_ERRNO ? strerror(errno) : msg);
		gzclose(gz);
		return rc;
	}
	gzclose(gz);
	*n = (size_t)got;
	return 0;
}

static enum trace_file_format classify(const unsigned char *p, size_t n)
{
	size_t i = 0;

	if (trace_is_mtr(p, n))
		return TRACE_FILE_MTR;
	if (n >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf) /* UTF-8 BOM */
		i = 3;
	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r'))
		i++;
	if (i < n && (p[i] == '{' || p[i] == '['))
		return TRACE_FILE_CHROME_JSON;
	return TRACE_FILE_UNKNOWN;
}

int trace_sniff(const char *path, enum trace_file_format *fmt, struct mo_err *err)
{
	unsigned char buf[4096];
	size_t n = 0;
	int rc = peek(path, buf, sizeof(buf), &n, err);

	*fmt = TRACE_FILE_UNKNOWN;
	if (rc < 0)
		return rc;
	*fmt = classify(buf, n);
	return 0;
}

int trace_read_any(const char *path, const struct trace_sink *sink, struct mo_err *err)
{
	unsigned char buf[4096];
	size_t n = 0;
	struct trace_reader *r;
	struct trace_record rec;
	int rc;

	if (strcmp(path, "-") != 0) { /* stdin cannot be sniffed: it must be an .mtr */
		rc = peek(path, buf, sizeof(buf), &n, err);
		if (rc < 0)
			return rc;
		if (n == 0)
			return mo_err_set(err, MO_EINPUT, "cannot read '%s': empty file (not a trace)",
					  path);
		switch (classify(buf, n)) {
		case TRACE_FILE_CHROME_JSON:
			return trace_import_kineto(path, sink, NULL, err);
		case TRACE_FILE_MTR:
			break;
		default:
			if (n > 0 && ((buf[0] & 0xf0) == 0x90 || buf[0] == 0xdc || buf[0] == 0xdd))
				break; /* msgpack: let the reader say what is wrong */
			return mo_err_set(err, MO_EINPUT,
					  "cannot read '%s': not a trace (neither a mosaic .mtr nor "
					  "a Kineto / Chrome trace JSON)",
					  path);
		}
	}
	r = trace_reader_open(path, err);
	if (!r)
		return err ? err->code : -MO_EINPUT;
	rc = sink->header ? sink->header(sink->ctx, trace_reader_header(r), err) : 0;
	while (rc == 0 && (rc = trace_reader_next(r, &rec, err)) > 0)
		rc = sink->record ? sink->record(sink->ctx, &rec, err) : 0;
	trace_reader_free(r);
	return rc < 0 ? rc : 0;
}

int trace_mem_load_any(struct trace_mem *t, const char *path, struct mo_err *err)
{
	struct trace_sink sink;
	int rc;

	trace_mem_init(t);
	sink = trace_sink_mem(t);
	rc = trace_read_any(path, &sink, err);
	if (rc < 0)
		trace_mem_release(t);
	return rc;
}
