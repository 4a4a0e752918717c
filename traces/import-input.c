/*
 * import-input.c - the importer's byte source: a file or a memory buffer,
 * gzip (any number of concatenated members, detected by the magic bytes
 * 1f 8b) or plain, read in chunks.  gzip is inflated with ISA-L's igzip
 * (libisal: about 3x zlib's inflate on one core), which also checks each
 * member's CRC-32 and length.
 */
#include "traces/import-input.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#ifndef RAW_CHUNK /* the fuzz build sets it small (compressed reads of many sizes) */
#define RAW_CHUNK (256 * 1024)
#endif

static int fill_raw(struct imp_input *in, struct mo_err *err)
{
	if (in->fp) {
		size_t n = fread(in->raw, 1, RAW_CHUNK, in->fp);
		if (n == 0 && ferror(in->fp))
			return mo_err_set(err, MO_EIO, "cannot read '%s': %s", in->name,
					  strerror(errno ? errno : EIO));
		in->raw_len = n;
		in->raw_pos = 0;
		in->raw_eof = n == 0;
	} else {
		size_t left = in->mem_len - in->mem_pos;
		size_t n = left < RAW_CHUNK ? left : RAW_CHUNK;
		in->raw_ptr = in->mem + in->mem_pos;
		in->mem_pos += n;
		in->raw_len = n;
		in->raw_pos = 0;
		in->raw_eof = n == 0;
		return 0;
	}
	in->raw_ptr = in->raw;
	return 0;
}

static int truncated(struct imp_input *in, struct mo_err *err)
{
	return mo_err_set(err, MO_EINPUT, "cannot read '%s': offset %llu: truncated gzip stream",
			  in->name, (unsigned long long)in->out_total);
}

static const char *isal_error(int code)
{
	switch (code) {
	case ISAL_INVALID_BLOCK: return "invalid deflate block";
	case ISAL_INVALID_SYMBOL: return "invalid deflate symbol";
	case ISAL_INVALID_LOOKBACK: return "invalid distance too far back";
	case ISAL_INVALID_WRAPPER: return "invalid gzip header";
	case ISAL_UNSUPPORTED_METHOD: return "not deflate";
	case ISAL_INCORRECT_CHECKSUM: return "incorrect data check";
	default: return "inflate failed";
	}
}

static int start(struct imp_input *in, struct mo_err *err)
{
	int rc;

	in->raw_len = in->raw_pos = 0;
	in->raw_eof = 0;
	in->out_total = 0;
	in->member_done = 0;
	if ((rc = fill_raw(in, err)) < 0)
		return rc;
	in->gzip = in->raw_len >= 2 && in->raw_ptr[0] == 0x1f && in->raw_ptr[1] == 0x8b;
	if (in->gzip) {
		if (!in->z && !(in->z = malloc(sizeof(*in->z))))
			return mo_err_set(err, MO_ENOMEM, "cannot read '%s': out of memory", in->name);
		isal_inflate_init(in->z);
		in->z->crc_flag = ISAL_GZIP;
	}
	return 0;
}

int imp_input_open(struct imp_input *in, const char *path, struct mo_err *err)
{
	int rc;

	memset(in, 0, sizeof(*in));
	in->name = path;
	if ((rc = mo_open_regular(path, &in->fp, err)) < 0)
		return rc;
	in->raw = malloc(RAW_CHUNK);
	if (!in->raw) {
		imp_input_close(in);
		return mo_err_set(err, MO_ENOMEM, "cannot read '%s': out of memory", path);
	}
	return start(in, err);
}

int imp_input_open_mem(struct imp_input *in, const void *data, size_t len, const char *name,
		       struct mo_err *err)
{
	memset(in, 0, sizeof(*in));
	in->name = name;
	in->mem = data;
	in->mem_len = len;
	return start(in, err);
}

long long imp_input_read(struct imp_input *in, unsigned char *buf, size_t cap, struct mo_err *err)
{
	int rc;

	if (!in->gzip) {
		if (in->raw_pos == in->raw_len) {
			if (in->raw_eof)
				return 0;
			if ((rc = fill_raw(in, err)) < 0)
				return rc;
			if (in->raw_eof)
				return 0;
		}
		size_t n = in->raw_len - in->raw_pos;
		if (n > cap)
			n = cap;
		memcpy(buf, in->raw_ptr + in->raw_pos, n);
		in->raw_pos += n;
		in->out_total += n;
		return (long long)n;
	}
	for (;;) {
		if (in->raw_pos == in->raw_len && !in->raw_eof) {
			if ((rc = fill_raw(in, err)) < 0)
				return rc;
		}
		if (in->member_done) {
			/* another gzip member may follow (concatenated files) */
			if (in->raw_pos == in->raw_len && in->raw_eof)
				return 0;
			isal_inflate_reset(in->z);
			in->z->crc_flag = ISAL_GZIP;
			in->member_done = 0;
		}
		if (in->raw_pos == in->raw_len && in->raw_eof)
			return truncated(in, err);
		in->z->next_in = (uint8_t *)(in->raw_ptr + in->raw_pos);
		in->z->avail_in = (uint32_t)(in->raw_len - in->raw_pos);
		in->z->next_out = buf;
		in->z->avail_out = (uint32_t)cap;
		int zr = isal_inflate(in->z);
		in->raw_pos = in->raw_len - in->z->avail_in;
		size_t produced = cap - in->z->avail_out;
		in->out_total += produced;
		if (zr < 0)
			return mo_err_set(err, MO_EINPUT, "cannot read '%s': offset %llu: corrupt gzip data (%s)",
					  in->name, (unsigned long long)in->out_total, isal_error(zr));
		if (in->z->block_state == ISAL_BLOCK_FINISH)
			in->member_done = 1;
		if (produced > 0)
			return (long long)produced;
	}
}

void imp_input_close(struct imp_input *in)
{
	free(in->z);
	in->z = NULL;
	if (in->fp)
		fclose(in->fp);
	in->fp = NULL;
	free(in->raw);
	in->raw = NULL;
}
