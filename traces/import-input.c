/*
 * import-input.c - the importer's byte source: a file or a memory buffer,
 * gzip (any number of concatenated members, detected by the magic bytes
 * 1f 8b) or plain, read in chunks and rewindable for a second pass.
 */
#include "traces/import-input.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef RAW_CHUNK /* the fuzz build sets it small (compressed reads of many sizes) */
#define RAW_CHUNK (256 * 1024)
#endif

static int fill_raw(struct imp_input *in, struct mo_err *err)
{
	if (in->fp) {
		in->raw_file_off += (long long)in->raw_len;
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

static int start(struct imp_input *in, struct mo_err *err)
{
	int rc;

	in->raw_len = in->raw_pos = 0;
	in->raw_eof = 0;
	in->out_total = 0;
	in->raw_file_off = 0;
	in->member_done = 0;
	if ((rc = fill_raw(in, err)) < 0)
		return rc;
	in->gzip = in->raw_len >= 2 && in->raw_ptr[0] == 0x1f && in->raw_ptr[1] == 0x8b;
	if (in->gzip) {
		if (in->z_init)
			inflateEnd(&in->z);
		memset(&in->z, 0, sizeof(in->z));
		if (inflateInit2(&in->z, 16 + MAX_WBITS) != Z_OK)
			return mo_err_set(err, MO_ENOMEM, "cannot read '%s': out of memory", in->name);
		in->z_init = 1;
	}
	return 0;
}

int imp_input_open(struct imp_input *in, const char *path, struct mo_err *err)
{
	struct stat sb;

	memset(in, 0, sizeof(*in));
	in->name = path;
	if (stat(path, &sb) != 0)
		return mo_err_set(err, errno == ENOENT ? MO_EINPUT : MO_EIO, "cannot read '%s': %s",
				  path, strerror(errno));
	if (S_ISDIR(sb.st_mode))
		return mo_err_set(err, MO_EINPUT, "cannot read '%s': is a directory", path);
	in->fp = fopen(path, "rb");
	if (!in->fp)
		return mo_err_set(err, MO_EIO, "cannot read '%s': %s", path, strerror(errno));
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

int imp_input_rewind(struct imp_input *in, struct mo_err *err)
{
	if (in->fp) {
		if (fseek(in->fp, 0, SEEK_SET) != 0)
			return mo_err_set(err, MO_EIO, "cannot read '%s' twice: %s", in->name,
					  strerror(errno));
		clearerr(in->fp);
	} else {
		in->mem_pos = 0;
	}
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
			if (inflateReset(&in->z) != Z_OK)
				return mo_err_set(err, MO_EINPUT, "cannot read '%s': gzip reset failed",
						  in->name);
			in->member_done = 0;
		}
		if (in->raw_pos == in->raw_len && in->raw_eof)
			return mo_err_set(err, MO_EINPUT,
					  "cannot read '%s': offset %llu: truncated gzip stream",
					  in->name, (unsigned long long)in->out_total);
		in->z.next_in = (Bytef *)(in->raw_ptr + in->raw_pos);
		in->z.avail_in = (uInt)(in->raw_len - in->raw_pos);
		in->z.next_out = buf;
		in->z.avail_out = (uInt)cap;
		int zr = inflate(&in->z, Z_NO_FLUSH);
		in->raw_pos = in->raw_len - in->z.avail_in;
		size_t produced = cap - in->z.avail_out;
		in->out_total += produced;
		if (zr == Z_STREAM_END) {
			in->member_done = 1;
		} else if (zr != Z_OK && zr != Z_BUF_ERROR) {
			return mo_err_set(err, MO_EINPUT, "cannot read '%s': offset %llu: corrupt gzip data (%s)",
					  in->name, (unsigned long long)in->out_total,
					  in->z.msg ? in->z.msg : "inflate failed");
		}
		if (produced > 0)
			return (long long)produced;
		if (zr == Z_BUF_ERROR && in->raw_pos == in->raw_len && in->raw_eof)
			return mo_err_set(err, MO_EINPUT,
					  "cannot read '%s': offset %llu: truncated gzip stream",
					  in->name, (unsigned long long)in->out_total);
	}
}

void imp_input_close(struct imp_input *in)
{
	if (in->z_init)
		inflateEnd(&in->z);
	in->z_init = 0;
	if (in->fp)
		fclose(in->fp);
	in->fp = NULL;
	free(in->raw);
	in->raw = NULL;
}

int imp_input_mark(struct imp_input *in, struct imp_snap *s, struct mo_err *err)
{
	size_t left = in->raw_len - in->raw_pos;

	s->valid = 0;
	s->out_total = in->out_total;
	s->raw_eof = in->raw_eof;
	s->member_done = in->member_done;
	if (in->fp) {
		if (left > s->raw_cap) {
			unsigned char *p = realloc(s->raw, left);
			if (!p)
				return mo_err_set(err, MO_ENOMEM, "cannot import '%s': out of memory", in->name);
			s->raw = p;
			s->raw_cap = left;
		}
		if (left)
			memcpy(s->raw, in->raw_ptr + in->raw_pos, left);
		s->raw_n = left;
		s->file_pos = in->raw_file_off + (long long)in->raw_len;
	} else {
		s->mem_ptr = in->raw_ptr ? in->raw_ptr + in->raw_pos : in->mem;
		s->raw_n = left;
		s->mem_pos = in->mem_pos;
	}
	if (s->z_valid) {
		inflateEnd(&s->z);
		s->z_valid = 0;
	}
	if (in->gzip) {
		if (inflateCopy(&s->z, &in->z) != Z_OK)
			return mo_err_set(err, MO_ENOMEM, "cannot import '%s': out of memory", in->name);
		s->z_valid = 1;
	}
	s->valid = 1;
	return 0;
}

int imp_input_restore(struct imp_input *in, const struct imp_snap *s, struct mo_err *err)
{
	if (in->fp) {
		if (fseek(in->fp, (long)s->file_pos, SEEK_SET) != 0)
			return mo_err_set(err, MO_EIO, "cannot read '%s' twice: %s", in->name,
					  strerror(errno));
		clearerr(in->fp);
		if (s->raw_n)
			memcpy(in->raw, s->raw, s->raw_n);
		in->raw_ptr = in->raw;
		in->raw_len = s->raw_n;
		in->raw_pos = 0;
		in->raw_file_off = s->file_pos - (long long)s->raw_n;
	} else {
		in->raw_ptr = s->mem_ptr;
		in->raw_len = s->raw_n;
		in->raw_pos = 0;
		in->mem_pos = s->mem_pos;
	}
	in->raw_eof = s->raw_eof;
	in->member_done = s->member_done;
	in->out_total = s->out_total;
	if (in->gzip) {
		if (in->z_init)
			inflateEnd(&in->z);
		in->z_init = 0;
		if (!s->z_valid || inflateCopy(&in->z, (z_streamp)&s->z) != Z_OK)
			return mo_err_set(err, MO_ENOMEM, "cannot import '%s': out of memory", in->name);
		in->z_init = 1;
	}
	return 0;
}

void imp_snap_release(struct imp_snap *s)
{
	if (s->z_valid)
		inflateEnd(&s->z);
	free(s->raw);
	memset(s, 0, sizeof(*s));
}
