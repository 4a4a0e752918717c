/*
 * import-input.h - the importer's byte source (private to traces/): a file
 * or a memory buffer, gzip or plain (gzip detected by its magic bytes),
 * decompressed in chunks, rewindable for a second pass.
 */
#ifndef MOSAIC_TRACES_IMPORT_INPUT_H
#define MOSAIC_TRACES_IMPORT_INPUT_H

#include <stdio.h>
#include <zlib.h>

#include "traces/traces.h"

struct imp_input {
	const char *name;
	FILE *fp;                   /* file source, or NULL */
	const unsigned char *mem;   /* memory source */
	size_t mem_len, mem_pos;
	unsigned char *raw;         /* file read buffer */
	const unsigned char *raw_ptr;
	size_t raw_len, raw_pos;
	int raw_eof;
	int gzip, z_init, member_done;
	z_stream z;
	unsigned long long out_total; /* bytes handed out so far (uncompressed) */
	long long raw_file_off;       /* file offset of raw[0] */
};

/*
 * A saved position between two imp_input_read() calls, to resume a later
 * pass there without decompressing what comes before: the inflate state
 * (inflateCopy: its 32 KiB window), the unread compressed bytes and the file
 * offset.  Caller-owned; imp_snap_release() frees it (safe when unused).
 */
struct imp_snap {
	int valid;
	unsigned long long out_total;
	long long file_pos;          /* file offset just past the saved raw bytes */
	unsigned char *raw;          /* unread raw bytes (file source) */
	size_t raw_n, raw_cap;
	const unsigned char *mem_ptr; /* memory source: the same, in place */
	size_t mem_pos;
	int raw_eof, member_done;
	int z_valid;
	z_stream z;
};

/* Open a file (a directory or a missing file is -MO_EINPUT). */
int imp_input_open(struct imp_input *in, const char *path, struct mo_err *err);
/* Read from memory (not copied; must outlive the input). */
int imp_input_open_mem(struct imp_input *in, const void *data, size_t len, const char *name,
		       struct mo_err *err);
/* Start again from the first byte. */
int imp_input_rewind(struct imp_input *in, struct mo_err *err);
/* Up to cap uncompressed bytes into buf: > 0 bytes, 0 at the end, < 0 error
 * (truncated or corrupt gzip: -MO_EINPUT naming the uncompressed offset). */
long long imp_input_read(struct imp_input *in, unsigned char *buf, size_t cap, struct mo_err *err);
void imp_input_close(struct imp_input *in);
/* Save the current position into s (replacing what it held). */
int imp_input_mark(struct imp_input *in, struct imp_snap *s, struct mo_err *err);
/* Resume at a saved position (the input must be the one that made it). */
int imp_input_restore(struct imp_input *in, const struct imp_snap *s, struct mo_err *err);
void imp_snap_release(struct imp_snap *s);

#endif
