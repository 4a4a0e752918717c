/*
 * reader.c - the streaming .mtr reader.
 *
 * The file is read in chunks into a buffer.  Before msgpack-c sees any bytes,
 * scan_object() walks the next object's headers and checks that it is complete
 * and within the limits of core-internal.h (arrays <= 64 elements, strings <=
 * 1 MiB, nesting <= 8, <= 4096 objects, <= 16 MiB per record).  Only then does
 * msgpack_unpack() decode exactly those bytes into a zone that is cleared per
 * record, so msgpack-c never allocates from a declared length that the bytes
 * do not back, and memory stays flat.  A 10-byte file cannot make the reader
 * allocate more than its chunk buffer.
 */
#include "traces/core-internal.h"

#include <errno.h>
#include <msgpack.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define CHUNK (64u << 10)

struct trace_reader {
	char *name;
	FILE *fp;
	int own_fp;
	const unsigned char *data; /* buf, or the caller's memory */
	unsigned char *buf;
	size_t cap, len, pos;      /* data[pos..len) not yet consumed */
	uint64_t base;             /* file offset of data[0] */
	int eof;
	msgpack_zone zone;
	int zone_ok;
	struct trace_header header;
	char *hstr;                /* the header's strings */
	char *sbuf;                /* the current record's strings */
	size_t scap;
	uint64_t count;            /* records consumed, unknown kinds included */
	uint64_t last_index, last_offset;
	uint64_t skipped;
	int failed;
};

enum { SCAN_DONE, SCAN_MORE, SCAN_BAD };

static uint64_t be(const unsigned char *p, unsigned n)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/* Check that p[0..n) starts with one complete msgpack object within the
 * limits; *used gets its length, or *why and *at say what is wrong. */
static int scan_object(const unsigned char *p, size_t n, size_t *used, const char **why,
		       size_t *at)
{
	uint64_t remain[TRACE_MAX_DEPTH + 1];
	unsigned depth = 0;
	size_t pos = 0, nodes = 0;

	remain[0] = 1;
	for (;;) {
		unsigned c, lensz = 0, extra = 0;
		uint64_t body = 0, count = 0;
		int container = 0;

		while (remain[depth] == 0) {
			if (depth == 0) {
				*used = pos;
				return SCAN_DONE;
			}
			depth--;
		}
		remain[depth]--;
		*at = pos;
		if (++nodes > TRACE_MAX_NODES) {
			*why = "more than 4096 objects in one record";
			return SCAN_BAD;
		}
		if (pos >= n)
			return SCAN_MORE;
		c = p[pos];
		if (c <= 0x7f || c >= 0xe0 || c == 0xc0 || c == 0xc2 || c == 0xc3) {
			pos += 1;
			continue;
		}
		if ((c & 0xf0) == 0x80) {
			count = (uint64_t)(c & 0x0f) * 2, container = 2;
		} else if ((c & 0xf0) == 0x90) {
			count = c & 0x0f, container = 1;
		} else if ((c & 0xe0) == 0xa0) {
			body = c & 0x1f;
		} else {
			switch (c) {
			case 0xc4: case 0xd9: lensz = 1; break;        /* bin8, str8 */
			case 0xc5: case 0xda: lensz = 2; break;        /* bin16, str16 */
			case 0xc6: case 0xdb: lensz = 4; break;        /* bin32, str32 */
			case 0xc7: lensz = 1, extra = 1; break;        /* ext8 */
			case 0xc8: lensz = 2, extra = 1; break;        /* ext16 */
			case 0xc9: lensz = 4, extra = 1; break;        /* ext32 */
			case 0xca: body = 4; break;                    /* float32 */
			case 0xcb: body = 8; break;                    /* float64 */
			case 0xcc: case 0xd0: body = 1; break;
			case 0xcd: case 0xd1: body = 2; break;
			case 0xce: case 0xd2: body = 4; break;
			case 0xcf: case 0xd3: body = 8; break;
			case 0xd4: body = 2; break;                    /* fixext 1 (+type) */
			case 0xd5: body = 3; break;
			case 0xd6: body = 5; break;
			case 0xd7: body = 9; break;
			case 0xd8: body = 17; break;
			case 0xdc: lensz = 2, container = 1; break;
			case 0xdd: lensz = 4, container = 1; break;
			case 0xde: lensz = 2, container = 2; break;
			case 0xdf: lensz = 4, container = 2; break;
			default:
				*why = "invalid msgpack byte 0xc1";
				return SCAN_BAD;
			}
		}
		if (lensz) {
			uint64_t len;
			if (n - pos < 1 + lensz)
				return SCAN_MORE;
			len = be(p + pos + 1, lensz);
			if (container)
				count = container == 2 ? len * 2 : len;
			else
				body = len + extra;
		}
		if (container) {
			if (count > (uint64_t)TRACE_MAX_ARRAY * (container == 2 ? 2 : 1)) {
				*why = container == 2 ? "map of more than 64 pairs"
						      : "array of more than 64 elements";
				return SCAN_BAD;
			}
			if (depth + 1 > TRACE_MAX_DEPTH) {
				*why = "objects nested more than 8 deep";
				return SCAN_BAD;
			}
			pos += 1 + lensz;
			remain[++depth] = count;
			continue;
		}
		if (body > TRACE_MAX_STRING + 1u) {
			*why = "string or binary longer than 1 MiB";
			return SCAN_BAD;
		}
		if (n - pos < 1 + lensz + body)
			return SCAN_MORE;
		pos += 1 + lensz + body;
	}
}

static int is_array_byte(unsigned c)
{
	return (c & 0xf0) == 0x90 || c == 0xdc || c == 0xdd;
}

int trace_is_mtr(const void *prefix, size_t len)
{
	const unsigned char *p = prefix;
	size_t i, mlen = strlen(TRACE_FORMAT_MAGIC);

	if (len < 1 || !is_array_byte(p[0]))
		return 0;
	i = (p[0] & 0xf0) == 0x90 ? 1 : p[0] == 0xdc ? 3 : 5;
	if (len < i + 1)
		return 0;
	if (p[i] == (0xa0 | mlen))
		i += 1;
	else if (p[i] == 0xd9 && len > i + 1 && p[i + 1] == mlen)
		i += 2;
	else
		return 0;
	return len >= i + mlen && !memcmp(p + i, TRACE_FORMAT_MAGIC, mlen);
}

static const char *where(const struct trace_reader *r, char *buf, size_t size)
{
	if (r->count == 0 && !r->hstr)
		snprintf(buf, size, "header");
	else
		snprintf(buf, size, "record %llu", (unsigned long long)r->count);
	return buf;
}

/* Read more of the file; 0 read some, 1 end of file, < 0 error. */
static int fill(struct trace_reader *r, struct mo_err *err)
{
	size_t got;

	if (r->eof || !r->fp)
		return 1;
	if (r->pos > 0) {
		memmove(r->buf, r->buf + r->pos, r->len - r->pos);
		r->base += r->pos;
		r->len -= r->pos;
		r->pos = 0;
	}
	if (MO_GROW(r->buf, r->len + CHUNK, r->cap) < 0)
		return mo_err_set(err, MO_ENOMEM, "cannot read '%s': out of memory", r->name);
	r->data = r->buf;
	got = fread(r->buf + r->len, 1, r->cap - r->len, r->fp);
	if (got == 0) {
		if (ferror(r->fp))
			return mo_err_set(err, errno == EISDIR ? MO_EINPUT : MO_EIO,
					  "cannot read '%s': %s", r->name, strerror(errno));
		r->eof = 1;
		return 1;
	}
	r->len += got;
	return 0;
}

/* The next complete object: 1 and *p, *n; 0 at a clean end; < 0 error. */
static int next_object(struct trace_reader *r, const unsigned char **p, size_t *n,
		       struct mo_err *err)
{
	char w[48];

	for (;;) {
		size_t avail = r->len - r->pos, used, at = 0;
		const char *why = NULL;
		int rc;

		if (avail == 0) {
			rc = fill(r, err);
			if (rc < 0)
				return rc;
			if (rc > 0)
				return 0;
			continue;
		}
		if (!is_array_byte(r->data[r->pos]))
			return mo_err_set(err, MO_EINPUT,
					  "cannot read '%s': byte %llu: %s: not a msgpack array%s",
					  r->name, (unsigned long long)(r->base + r->pos),
					  where(r, w, sizeof(w)),
					  r->hstr ? "" : " (not a mosaic trace)");
		rc = scan_object(r->data + r->pos, avail, &used, &why, &at);
		if (rc == SCAN_DONE) {
			*p = r->data + r->pos;
			*n = used;
			return 1;
		}
		if (rc == SCAN_BAD)
			return mo_err_set(err, MO_EINPUT, "cannot read '%s': byte %llu: %s: %s",
					  r->name, (unsigned long long)(r->base + r->pos + at),
					  where(r, w, sizeof(w)), why);
		if (avail >= TRACE_MAX_RECORD)
			return mo_err_set(err, MO_EINPUT,
					  "cannot read '%s': byte %llu: %s: larger than 16 MiB",
					  r->name, (unsigned long long)(r->base + r->pos),
					  where(r, w, sizeof(w)));
		rc = fill(r, err);
		if (rc < 0)
			return rc;
		if (rc > 0)
			return mo_err_set(err, MO_EINPUT,
					  "cannot read '%s': byte %llu: %s: truncated (the file ends "
					  "at byte %llu)",
					  r->name, (unsigned long long)(r->base + r->pos),
					  where(r, w, sizeof(w)), (unsigned long long)(r->base + r->len));
	}
}

static int decode(struct trace_reader *r, const unsigned char *p, size_t n, msgpack_object *obj,
		  struct mo_err *err)
{
	size_t off = 0;
	msgpack_unpack_return ret;
	char w[48];

	msgpack_zone_clear(&r->zone);
	ret = msgpack_unpack((const char *)p, n, &off, &r->zone, obj);
	if ((ret != MSGPACK_UNPACK_SUCCESS && ret != MSGPACK_UNPACK_EXTRA_BYTES) || off != n ||
	    obj->type != MSGPACK_OBJECT_ARRAY)
		return mo_err_set(err, ret == MSGPACK_UNPACK_NOMEM_ERROR ? MO_ENOMEM : MO_EINPUT,
				  "cannot read '%s': byte %llu: %s: cannot decode msgpack", r->name,
				  (unsigned long long)(r->base + r->pos), where(r, w, sizeof(w)));
	return 0;
}

static const char *type_name(msgpack_object_type t)
{
	switch (t) {
	case MSGPACK_OBJECT_NIL: return "nil";
	case MSGPACK_OBJECT_BOOLEAN: return "a boolean";
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
	case MSGPACK_OBJECT_NEGATIVE_INTEGER: return "an integer";
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64: return "a float";
	case MSGPACK_OBJECT_STR: return "a string";
	case MSGPACK_OBJECT_ARRAY: return "an array";
	case MSGPACK_OBJECT_MAP: return "a map";
	case MSGPACK_OBJECT_BIN: return "binary";
	default: return "an extension";
	}
}

/* Fill the fields of base from items[first..n); missing or nil fields keep
 * their defaults; strings are copied to *cursor with a NUL. */
static int get_fields(struct trace_reader *r, const msgpack_object *items, uint32_t n,
		      uint32_t first, void *base, const struct trace_kind_desc *d, char **cursor,
		      struct mo_err *err)
{
	char w[48];

	for (size_t i = 0; i < d->nfields && first + i < n; i++) {
		const struct trace_field *f = &d->fields[i];
		const msgpack_object *o = &items[first + i];
		const char *bad = NULL;

		if (o->type == MSGPACK_OBJECT_NIL)
			continue;
		if (f->type == TRACE_FIELD_INT) {
			if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
				if (o->via.u64 > INT64_MAX)
					bad = "an integer above 2^63-1";
				else
					TRACE_FIELD_I(base, f) = (int64_t)o->via.u64;
			} else if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
				TRACE_FIELD_I(base, f) = o->via.i64;
			} else {
				bad = type_name(o->type);
			}
			if (bad)
				return mo_err_set(err, MO_EINPUT,
						  "cannot read '%s': byte %llu: %s (%s): field '%s': "
						  "expected an integer, got %s",
						  r->name, (unsigned long long)(r->base + r->pos),
						  where(r, w, sizeof(w)), d->name, f->name, bad);
		} else {
			if (o->type != MSGPACK_OBJECT_STR)
				return mo_err_set(err, MO_EINPUT,
						  "cannot read '%s': byte %llu: %s (%s): field '%s': "
						  "expected a string, got %s",
						  r->name, (unsigned long long)(r->base + r->pos),
						  where(r, w, sizeof(w)), d->name, f->name,
						  type_name(o->type));
			if (o->via.str.size > TRACE_MAX_STRING ||
			    (o->via.str.size && memchr(o->via.str.ptr, '\0', o->via.str.size)))
				return mo_err_set(err, MO_EINPUT,
						  "cannot read '%s': byte %llu: %s (%s): field '%s': "
						  "%s",
						  r->name, (unsigned long long)(r->base + r->pos),
						  where(r, w, sizeof(w)), d->name, f->name,
						  o->via.str.size > TRACE_MAX_STRING
							  ? "string longer than 1 MiB"
							  : "string contains a NUL byte");
			if (o->via.str.size) /* ptr may be NULL for "" */
				memcpy(*cursor, o->via.str.ptr, o->via.str.size);
			(*cursor)[o->via.str.size] = '\0';
			TRACE_FIELD_S(base, f) = *cursor;
			*cursor += o->via.str.size + 1;
		}
	}
	return 0;
}

static int read_header(struct trace_reader *r, struct mo_err *err)
{
	const struct trace_kind_desc *d = trace_header_desc();
	const unsigned char *p;
	size_t n;
	msgpack_object obj;
	const msgpack_object *it;
	int64_t major, minor;
	char *cursor;
	int rc = next_object(r, &p, &n, err);

	if (rc == 0)
		return mo_err_set(err, MO_EINPUT, "cannot read '%s': empty file (not a mosaic trace)",
				  r->name);
	if (rc < 0)
		return rc;
	if (decode(r, p, n, &obj, err) < 0)
		return err ? err->code : -MO_EINPUT;
	it = obj.via.array.ptr;
	if (obj.via.array.size < 3 || it[0].type != MSGPACK_OBJECT_STR ||
	    it[0].via.str.size != strlen(TRACE_FORMAT_MAGIC) ||
	    memcmp(it[0].via.str.ptr, TRACE_FORMAT_MAGIC, it[0].via.str.size))
		return mo_err_set(err, MO_EINPUT,
				  "cannot read '%s': byte 0: not a mosaic trace (no '%s' header)",
				  r->name, TRACE_FORMAT_MAGIC);
	if (it[1].type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
	    it[2].type != MSGPACK_OBJECT_POSITIVE_INTEGER || it[1].via.u64 > 1000000 ||
	    it[2].via.u64 > 1000000)
		return mo_err_set(err, MO_EINPUT, "cannot read '%s': byte 0: header: bad format version",
				  r->name);
	major = (int64_t)it[1].via.u64;
	minor = (int64_t)it[2].via.u64;
	if (major > TRACE_FORMAT_MAJOR)
		return mo_err_set(err, MO_EVERSION,
				  "cannot read '%s': format version %lld.%lld is newer than this "
				  "mosaic reads (%d.%d); upgrade mosaic",
				  r->name, (long long)major, (long long)minor, TRACE_FORMAT_MAJOR,
				  TRACE_FORMAT_MINOR);
	r->hstr = malloc(n + d->nfields + 1);
	if (!r->hstr)
		return mo_err_set(err, MO_ENOMEM, "cannot read '%s': out of memory", r->name);
	cursor = r->hstr;
	trace_header_init(&r->header);
	rc = get_fields(r, it, obj.via.array.size, 3, &r->header, d, &cursor, err);
	r->pos += n;
	return rc;
}

static struct trace_reader *reader_new(const char *name, struct mo_err *err)
{
	struct trace_reader *r = calloc(1, sizeof(*r));

	if (!r || !(r->name = strdup(name))) {
		free(r);
		mo_err_set(err, MO_ENOMEM, "cannot read '%s': out of memory", name);
		return NULL;
	}
	if (!msgpack_zone_init(&r->zone, 8192)) {
		free(r->name);
		free(r);
		mo_err_set(err, MO_ENOMEM, "cannot read '%s': out of memory", name);
		return NULL;
	}
	r->zone_ok = 1;
	return r;
}

static struct trace_reader *reader_start(struct trace_reader *r, struct mo_err *err)
{
	if (read_header(r, err) < 0) {
		trace_reader_free(r);
		return NULL;
	}
	return r;
}

struct trace_reader *trace_reader_open(const char *path, struct mo_err *err)
{
	struct trace_reader *r = reader_new(path, err);
	struct stat st;

	if (!r)
		return NULL;
	if (strcmp(path, "-")) {
		if (mo_open_regular(path, &r->fp, err) < 0) {
			trace_reader_free(r);
			return NULL;
		}
		r->own_fp = 1;
	} else {
		r->fp = stdin;
		if (fstat(fileno(r->fp), &st) == 0 && S_ISDIR(st.st_mode)) {
			mo_err_set(err, MO_EINPUT, "cannot read '%s': is a directory", path);
			trace_reader_free(r);
			return NULL;
		}
	}
	return reader_start(r, err);
}

struct trace_reader *trace_reader_open_mem(const void *data, size_t len, const char *name,
					   struct mo_err *err)
{
	struct trace_reader *r = reader_new(name ? name : "<memory>", err);

	if (!r)
		return NULL;
	r->data = data;
	r->len = len;
	r->eof = 1;
	return reader_start(r, err);
}

const struct trace_header *trace_reader_header(const struct trace_reader *r)
{
	return &r->header;
}

int trace_reader_next(struct trace_reader *r, struct trace_record *rec, struct mo_err *err)
{
	char w[48];

	if (r->failed)
		return mo_err_set(err, MO_EUSAGE, "cannot read '%s': reading after an error", r->name);
	for (;;) {
		const struct trace_kind_desc *d;
		const unsigned char *p;
		size_t n;
		msgpack_object obj;
		const msgpack_object *it;
		char *cursor;
		int rc = next_object(r, &p, &n, err);

		if (rc <= 0) {
			r->failed = rc < 0;
			return rc;
		}
		if (decode(r, p, n, &obj, err) < 0)
			goto fail;
		it = obj.via.array.ptr;
		if (obj.via.array.size == 0 || (it[0].type != MSGPACK_OBJECT_POSITIVE_INTEGER &&
						 it[0].type != MSGPACK_OBJECT_NEGATIVE_INTEGER)) {
			mo_err_set(err, MO_EINPUT, "cannot read '%s': byte %llu: %s: %s", r->name,
				   (unsigned long long)(r->base + r->pos), where(r, w, sizeof(w)),
				   obj.via.array.size ? "the record kind is not an integer"
						      : "empty record");
			goto fail;
		}
		if (it[0].type == MSGPACK_OBJECT_NEGATIVE_INTEGER || it[0].via.u64 == 0) {
			mo_err_set(err, MO_EINPUT, "cannot read '%s': byte %llu: %s: invalid record kind %lld",
				   r->name, (unsigned long long)(r->base + r->pos), where(r, w, sizeof(w)),
				   (long long)it[0].via.i64);
			goto fail;
		}
		d = it[0].via.u64 < TRACE_KIND_MAX ? trace_kind_desc((int)it[0].via.u64) : NULL;
		if (!d) { /* a kind from a newer minor version: skip and count */
			r->skipped++;
			r->count++;
			r->pos += n;
			continue;
		}
		if (MO_GROW(r->sbuf, n + d->nfields + 1, r->scap) < 0) {
			mo_err_set(err, MO_ENOMEM, "cannot read '%s': out of memory", r->name);
			goto fail;
		}
		cursor = r->sbuf;
		trace_record_init(rec, (enum trace_kind)it[0].via.u64);
		if (get_fields(r, it, obj.via.array.size, 1, &rec->u, d, &cursor, err) < 0)
			goto fail;
		r->last_index = r->count++;
		r->last_offset = r->base + r->pos;
		r->pos += n;
		return 1;
	}
fail:
	r->failed = 1;
	return err ? err->code : -MO_EINPUT;
}

uint64_t trace_reader_skipped(const struct trace_reader *r)
{
	return r->skipped;
}

uint64_t trace_reader_index(const struct trace_reader *r)
{
	return r->last_index;
}

uint64_t trace_reader_offset(const struct trace_reader *r)
{
	return r->last_offset;
}

void trace_reader_free(struct trace_reader *r)
{
	if (!r)
		return;
	if (r->own_fp && r->fp)
		fclose(r->fp);
	if (r->zone_ok)
		msgpack_zone_destroy(&r->zone);
	free(r->buf);
	free(r->hstr);
	free(r->sbuf);
	free(r->name);
	free(r);
}
