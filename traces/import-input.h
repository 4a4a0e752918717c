/*
 * import-input.h - the importer's byte source (private to traces/): a file
 * or a memory buffer, gzip or plain (gzip detected by its magic bytes),
 * decompressed in chunks.
 */
#ifndef MOSAIC_TRACES_IMPORT_INPUT_H
#define MOSAIC_TRACES_IMPORT_INPUT_H

#include <isa-l/igzip_lib.h>
#include <stdio.h>

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
	int gzip, member_done;
	struct inflate_state *z;    /* igzip's state (about 60 KiB) when gzip */
	unsigned long long out_total; /* bytes handed out so far (uncompressed) */
};

/* Open a file (a directory or a missing file is -MO_EINPUT). */
int imp_input_open(struct imp_input *in, const char *path, struct mo_err *err);
/* Read from memory (not copied; must outlive the input). */
int imp_input_open_mem(struct imp_input *in, const void *data, size_t len, const char *name,
		       struct mo_err *err);
/* Up to cap uncompressed bytes into buf: > 0 bytes, 0 at the end, < 0 error
 * (truncated or corrupt gzip: -MO_EINPUT naming the uncompressed offset). */
long long imp_input_read(struct imp_input *in, unsigned char *buf, size_t cap, struct mo_err *err);
void imp_input_close(struct imp_input *in);

#endif
