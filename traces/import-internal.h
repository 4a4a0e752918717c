/*
 * import-internal.h - pieces of the Kineto / Chrome trace importer shared by
 * its files (traces/import-*.c) and its tests.  Not installed; not a
 * public API.
 */
#ifndef MOSAIC_TRACES_IMPORT_INTERNAL_H
#define MOSAIC_TRACES_IMPORT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

/*
 * A JSON number as exact fixed point: value * 10^12, so microsecond
 * timestamps keep 12 fractional digits (a picosecond is 10^-6 us) and values
 * up to about 1.7e26 fit.  Digits beyond the 12th fractional one are dropped;
 * that never changes a round-half-away-from-zero result of one value (the
 * dropped digits cannot turn a value below a tie into a tie).
 */
typedef __int128 imp_fixed;
#define IMP_FIXED_ONE ((imp_fixed)1000000000000LL)

/*
 * Parse a JSON number's text (as yajl hands it: sign, digits, fraction,
 * exponent) into *out.  Returns 0, or -1 when the text is not a number or the
 * value is out of range (|value| >= 1e26).
 */
int imp_parse_fixed(const char *s, size_t len, imp_fixed *out);

/*
 * Microseconds (fixed point) to integer nanoseconds, rounded to nearest,
 * ties away from zero.  Returns 0, or -1 when the result does not fit int64.
 */
int imp_fixed_us_to_ns(imp_fixed us, int64_t *ns);

/* A JSON number's value rounded to an integer (ties away from zero),
 * saturated to int64; fast for plain integers.  0, or -1 if not a number
 * or out of imp_parse_fixed()'s range. */
int imp_parse_int(const char *s, size_t len, int64_t *out);

/* The integer value of a fixed-point number rounded to nearest (ties away
 * from zero), saturated to the int64 range. */
int64_t imp_fixed_to_int(imp_fixed v);

/*
 * The host side of an import (import-host.c): CPU operators and CUDA API
 * calls kept by pass 1, written as THREAD, CPU_OP and API_CALL records.
 * Caller-owned storage, zeroed to start; imp_host_release() frees it.
 * thread is the importer's index of (pid, tid); times are ns relative to
 * the file's time base.  The adders return 0 or -1 when out of memory.
 */
struct trace_record;
struct trace_import_stats;
struct trace_strpool;
struct imp_host_item;
struct imp_host {
	struct imp_host_item *items;
	size_t n, cap;
	struct imp_host_thread { int64_t pid, tid; int used; } *threads;
	size_t nthreads, threads_cap;
	struct trace_strpool *names;
};
int imp_host_add_op(struct imp_host *h, int thread, int64_t pid, int64_t tid, int64_t start,
		    int64_t end, const char *name, size_t len, int64_t ext);
int imp_host_add_call(struct imp_host *h, int thread, int64_t pid, int64_t tid, int64_t start,
		      int64_t end, const char *name, size_t len, int64_t ext, int64_t corr);
/* Module, phase and step of host code running on thread at ts. */
typedef void (*imp_host_attrib_fn)(void *ctx, int thread, int64_t ts, int64_t *module,
				   int64_t *phase, int64_t *step);
/* Where records go; non-zero stops the import and is returned. */
typedef int (*imp_host_emit_fn)(void *ctx, const struct trace_record *rec);
/* Nest, then write the threads, then operators and calls by start time,
 * adding base_ns; counts go to st (may be NULL).  0, -MO_ENOMEM, or what
 * emit returned. */
int imp_host_emit(struct imp_host *h, int64_t base_ns, imp_host_attrib_fn attrib,
		  imp_host_emit_fn emit, void *ctx, struct trace_import_stats *st);
void imp_host_release(struct imp_host *h);

#endif
