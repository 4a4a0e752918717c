/*
 * import-internal.h - pieces of the Kineto / Chrome trace importer shared by
 * its files (traces/import-*.c) and its tests.  Not installed; not a
 * public API.
 */
#ifndef MOSAIC_TRACES_IMPORT_INTERNAL_H
#define MOSAIC_TRACES_IMPORT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "traces/traces.h"

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
 * A JSON number in its plain form: -?(0|[1-9][0-9]*)(.[0-9]+)? with at most
 * 18 integer and 12 fraction digits (every number of a Kineto trace but a
 * few): imp_plain_number() reads one at s (up to avail bytes) into *v and
 * gives its length, or 0 when the text there is not of that form (another
 * number, or not a number); the JSON reader's scanners, which check the
 * grammar, and imp_parse_fixed() / imp_parse_int() share it.
 * imp_plain_fixed / imp_plain_int: its value as they give it.
 */
struct imp_plain {
	uint64_t ip, fp; /* integer digits, fraction digits */
	int frac, neg;   /* how many fraction digits, a '-' */
};
static inline size_t imp_plain_digits(const unsigned char *s, size_t i, size_t avail, uint64_t *v)
{
	for (; i < avail && (unsigned)(s[i] - '0') < 10; i++)
		*v = *v * 10 + (uint64_t)(s[i] - '0');
	return i;
}
static inline size_t imp_plain_number(const unsigned char *s, size_t avail, struct imp_plain *v)
{
	size_t i = 0, i0;
	v->ip = v->fp = 0;
	v->frac = 0;
	v->neg = avail > 0 && s[0] == '-';
	i0 = i = (size_t)v->neg;
	if (i < avail && s[i] == '0')
		i++; /* no leading zero: a digit after it ends the plain form */
	else
		i = imp_plain_digits(s, i, avail, &v->ip);
	if (i == i0 || i - i0 > 18 || (i < avail && (unsigned)(s[i] - '0') < 10))
		return 0;
	if (i < avail && s[i] == '.') {
		size_t f0 = ++i;
		i = imp_plain_digits(s, i, avail, &v->fp);
		v->frac = (int)(i - f0);
		if (v->frac == 0 || v->frac > 12)
			return 0;
	}
	return i;
}
imp_fixed imp_plain_fixed(const struct imp_plain *v);
int64_t imp_plain_int(const struct imp_plain *v);

/*
 * Parse a JSON number's text (as the JSON reader hands it: sign, digits, fraction,
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
 * The trace event being parsed (one element of traceEvents): what the
 * importer keeps of it.  Strings longer than their field are cut; name is
 * heap-owned by the importer (name_cap bytes).
 */
enum cat {
	CAT_OTHER = 0, CAT_KERNEL, CAT_MEMCPY, CAT_MEMSET, CAT_CPU_OP, CAT_RUNTIME,
	CAT_USER_ANN, CAT_GPU_ANN, CAT_PYFUNC,
};

/* presence bits */
enum {
	P_PH = 1 << 0, P_TS = 1 << 1, P_DUR = 1 << 2, P_PID = 1 << 3, P_TID = 1 << 4,
	P_ARGS = 1 << 5, P_NAME = 1 << 6,
};

enum argkey {
	A_NONE = 0, A_EXT, A_CORR, A_DEVICE, A_STREAM, A_GRID, A_BLOCK, A_REGS, A_SMEM,
	A_SMEM_STATIC, A_SMEM_DYN, A_OCC, A_BYTES, A_SEQ, A_FWDTID, A_COLL, A_IN_NELEMS,
	A_OUT_NELEMS, A_GROUP_SIZE, A_DTYPE, A_PG_NAME, A_PG_RANKS, A_COUNT
};

struct imp_event {
	unsigned present;
	uint64_t args_present; /* bit per enum argkey */
	char ph;
	enum cat cat;
	imp_fixed ts, dur;
	int64_t pid, tid;
	char *name;
	size_t name_len, name_cap;
	int64_t a[A_COUNT];  /* integer args */
	int64_t grid[3], block[3];
	char coll[64], dtype[32], pg_name[128], pg_ranks[256];
	unsigned long long offset; /* where the event began */
};


/*
 * The importer's JSON reader (import-json.c): reads the whole input, checks
 * it is one JSON value (RFC 8259; an optional UTF-8 byte order mark first)
 * and hands each token to the callbacks below, as a SAX parser does.  A
 * string's bytes are given decoded (escapes resolved), not NUL-terminated,
 * valid until the callback returns; a number's text as written.  A
 * callback returns 1 to go on, 0 to stop (it has filled err).
 * Limits: a string (key or value) of at most IMP_JSON_MAX_STRING bytes as
 * written (16 MiB: longer ones are refused at the offset of the first byte
 * past it; no trace needs more, and a bigger one would only take memory),
 * nesting at most IMP_JSON_MAX_DEPTH deep.
 */
#define IMP_JSON_MAX_STRING (16u << 20)
#define IMP_JSON_MAX_DEPTH (1u << 16)
#define IMP_JSON_STOPPED 1
struct imp_json_callbacks {
	int (*null)(void *ctx);
	int (*boolean)(void *ctx, int value);
	int (*number)(void *ctx, const char *s, size_t len);
	int (*string)(void *ctx, const unsigned char *s, size_t len);
	int (*start_map)(void *ctx);
	int (*map_key)(void *ctx, const unsigned char *s, size_t len);
	int (*end_map)(void *ctx);
	int (*start_array)(void *ctx);
	int (*end_array)(void *ctx);
};
struct imp_input;
struct mo_err;
struct imp_json {
	const struct imp_json_callbacks *cb;
	void *ctx;
	struct imp_input *in;
	const char *name;
	struct mo_err *err;
	unsigned char *buf;      /* the input being parsed */
	size_t len, pos, cap;
	unsigned long long base; /* input offset of buf[0] */
	size_t tok_end;          /* buf index just past the token being handed out */
	int eof;
	char *stack;             /* '{' or '[' per open container */
	size_t depth, stack_cap;
	unsigned char *str;      /* a string with escapes, decoded */
	size_t str_cap;
	int quiet;               /* a value being skipped (imp_json_skip_value) */
	size_t quiet_depth;      /* the depth of the object whose key it is */
};
/* Parse all of in.  0; IMP_JSON_STOPPED when a callback stopped it; or a
 * negative MO_ code with err filled: invalid JSON or a limit (-MO_EINPUT,
 * "cannot import 'name': offset N: ..." with the offset in the uncompressed
 * input), an empty input, a read error.  j is caller storage; release it
 * with imp_json_release() whatever this returned. */
int imp_json_parse(struct imp_json *j, struct imp_input *in, const struct imp_json_callbacks *cb,
		   void *ctx, const char *name, struct mo_err *err);
/* During a map_key callback: the key's value is still read and checked
 * (invalid JSON in it is refused as anywhere else) but not handed to the
 * callbacks, nor are the values, keys and containers inside it: so the
 * importer skips what it does not read without a callback per token. */
void imp_json_skip_value(struct imp_json *j);
/* During a start_map or start_array callback: the same for the rest of the
 * container just opened, its end included. */
void imp_json_skip_container(struct imp_json *j);
/* During a start_map callback: the bytes read so far past the '{' (*avail
 * of them, maybe none; what follows is read later).  imp_json_consume: the
 * callback has read the first n of them itself, up to (not including) the
 * object's '}' (it checked they are the object's members by RFC 8259 and
 * the reader's limits, and handled them): the reader goes on at the '}'.
 * So an event is read in one loop (import-fast.c) when it lies whole in
 * the buffer, and token by token otherwise. */
const unsigned char *imp_json_ahead(const struct imp_json *j, size_t *avail);
void imp_json_consume(struct imp_json *j, size_t n);
/* During a callback: the input offset just past the token it was given. */
unsigned long long imp_json_offset(const struct imp_json *j);
void imp_json_release(struct imp_json *j);

/*
 * The GPU events of an import, spilled to an unlinked temporary file ($TMPDIR,
 * else /tmp) while the first and only pass parses the JSON, and read back
 * after it, when the host side they are attributed to is known: so the
 * JSON is inflated and tokenised once, and the memory they take is a 1 MiB
 * buffer whatever the trace's size (the file lives in the page cache).
 * Caller-owned storage, zeroed to start; imp_spill_release() frees it.
 * Functions return 0, or a negative MO_ code with err filled (name: the
 * trace being imported, for messages).
 */
struct imp_spill {
	int fd;                 /* open (or -1) once buf is allocated */
	unsigned char *buf;
	size_t len, pos, cap;   /* bytes in buf, read position */
	unsigned long long n;   /* events written */
	int reading;
};
int imp_spill_put(struct imp_spill *s, const struct imp_event *e, const char *name,
		  struct mo_err *err);
/* Start reading back from the first event written. */
int imp_spill_rewind(struct imp_spill *s, const char *name, struct mo_err *err);
/* The next event into e (its name buffer grown as needed): 1, 0 at the
 * end, or a negative MO_ code. */
int imp_spill_get(struct imp_spill *s, struct imp_event *e, const char *name, struct mo_err *err);
void imp_spill_release(struct imp_spill *s);

/* An unlinked temporary file in $TMPDIR (else /tmp), open for reading and
 * writing, into *fd: 0, or -MO_EIO naming the trace and the directory. */
int imp_tmpfile(int *fd, const char *name, struct mo_err *err);

/*
 * An array of fixed-size elements (at most 32 KiB each) in bounded memory
 * (import-pages.c): pages of up to 64 KiB, at most PAGES_KEPT in memory;
 * a changed page pushed out goes to an unlinked temporary file, created
 * when the first one does.  Elements never written read as zeros.  So a
 * small array costs what it holds and a big one 4 MiB, plus the page cache.
 * imp_pages_at() gives element i (write: 1 if the caller changes it), valid
 * until the next call on the same array; NULL with err filled when out of
 * memory or the file fails.  Caller storage: imp_pages_init(), then
 * imp_pages_release() (safe on zeroed storage).
 */
#ifndef PAGES_KEPT /* the fuzz build keeps 2, so its inputs use the temporary file */
#define PAGES_KEPT 64
#endif
struct imp_page;
struct imp_pages {
	size_t elem, page_bytes;
	unsigned shift;    /* a page holds 2^shift elements */
	const char *name;  /* the trace, for messages */
	struct mo_err *err;
	struct imp_page *pages; /* PAGES_KEPT, by page number modulo */
	int fd, have_fd;
};
void imp_pages_init(struct imp_pages *p, size_t elem, const char *name, struct mo_err *err);
void *imp_pages_at(struct imp_pages *p, size_t i, int write);
void imp_pages_release(struct imp_pages *p);

/*
 * Launch points by profiler id (import-points.c): where the host code that
 * launched a GPU activity ran (thread, time in ns).  Ids within 2^28 of the
 * first one are slots of an imp_pages array (they are counters: External
 * id, correlation, Sequence number); others go to the tree's hash map and a
 * list in memory.  get: 1 with *out, 0 when absent, < 0 on error (err filled);
 * set: 0 or < 0.  Caller storage: imp_points_init(), then
 * imp_points_release() (safe on zeroed storage).
 */
struct imp_point {
	int64_t ts;
	int32_t thread;
	int32_t set; /* 1 in a slot that holds a point */
};
struct imp_points {
	struct imp_pages dense;
	int64_t base;
	int have_base;
	struct trace_idmap far;   /* (id, 0) -> index in far_pts */
	struct imp_point *far_pts;
	size_t nfar, far_cap;
};
void imp_points_init(struct imp_points *t, const char *name, struct mo_err *err);
int imp_points_get(struct imp_points *t, int64_t id, struct imp_point *out);
int imp_points_set(struct imp_points *t, int64_t id, int64_t ts, int32_t thread);
void imp_points_release(struct imp_points *t);

/*
 * Fixed-size records sorted in bounded memory (import-sort.c): add them,
 * then imp_sort_done(), then take them back in cmp order with
 * imp_sort_next().  Up to cap records stay in memory (elem * cap bytes);
 * past that, sorted runs of cap records go to an unlinked temporary file
 * and are merged on reading (SORT_READ records of memory a run).  Ties keep
 * the order of addition.  Caller storage: imp_sort_init(), then
 * imp_sort_release().  Functions return 0 (next: 1 with a record, 0 at the
 * end), or a negative MO_ code with err filled (name: the trace, for
 * messages).
 */
struct imp_sort_run;
struct imp_sort {
	size_t elem, cap;
	int (*cmp)(const void *, const void *);
	unsigned char *buf;   /* records in memory */
	size_t n, buf_cap, pos;
	int unsorted;         /* the buffer is not in order (qsort it) */
	int fd, have_fd, reading;
	long long file_end;
	struct imp_sort_run *runs;
	size_t nruns, runs_cap;
	size_t *heap, nheap;  /* runs by their next record */
};
void imp_sort_init(struct imp_sort *s, size_t elem, size_t cap,
		   int (*cmp)(const void *, const void *));
int imp_sort_add(struct imp_sort *s, const void *rec, const char *name, struct mo_err *err);
int imp_sort_done(struct imp_sort *s, const char *name, struct mo_err *err);
int imp_sort_next(struct imp_sort *s, void *rec, const char *name, struct mo_err *err);
void imp_sort_release(struct imp_sort *s);

/*
 * Host intervals (import-ivals.c): CPU ops, nn.Module events and user
 * annotations, each on one list (a thread's intervals of one kind: each
 * kind nests properly within itself - the Python stack, the
 * record_function stack - but kinds overlap each other slightly, so each
 * has its own hierarchy).  Added in any order during pass 1; after
 * imp_ivals_finish() a list is sorted by start (longer first), each
 * interval knows its enclosing one (parent, an index in the list) and its
 * depth.  They go through an imp_sort and live in an imp_pages array, so
 * memory stays bounded whatever the trace's size.  Functions return 0 or a
 * negative MO code with err filled; after a failed get (out of memory, the
 * temporary file) the interval read is empty (start INT64_MAX, parent -1)
 * and v->failed is set, so lookups need not check each call.
 */
enum ival_type { IV_OP = 1, IV_MOD = 2, IV_ANN = 3 };
enum { IVF_BWD = 1 };
struct imp_ival {
	int64_t start, end; /* ns relative to the file's time base */
	int64_t seq;        /* IV_OP: Sequence number or -1 */
	int32_t parent;     /* index of the enclosing interval on its list, -1 */
	int32_t aux;        /* IV_MOD: module name id; IV_ANN: annotation index */
	int32_t list;       /* which list */
	int16_t depth;      /* number of enclosing intervals on its list */
	uint8_t type, flags;
};
struct imp_ivals {
	struct imp_sort pending;  /* pass 1 */
	struct imp_pages all;     /* after finish: list after list */
	struct imp_ivlist { size_t lo, n, hint; } *lists; /* hint: the last search's answer */
	size_t nlists;
	const char *name;
	struct mo_err *err;
	int failed;
};
void imp_ivals_init(struct imp_ivals *v, const char *name, struct mo_err *err);
int imp_ivals_add(struct imp_ivals *v, const struct imp_ival *iv);
/* Sort and link; lists are numbered 0 .. nlists - 1. */
int imp_ivals_finish(struct imp_ivals *v, size_t nlists);
size_t imp_ivals_count(const struct imp_ivals *v, int list);
/* Interval i of a list into *out. */
void imp_ivals_get(struct imp_ivals *v, int list, int32_t i, struct imp_ival *out);
/* The deepest interval of a list containing ts (its index), or -1. */
int32_t imp_ivals_deepest(struct imp_ivals *v, int list, int64_t ts);
void imp_ivals_release(struct imp_ivals *v);

/*
 * The host side of an import (import-host.c): CPU operators and CUDA API
 * calls kept by pass 1, written as THREAD, CPU_OP and API_CALL records.
 * Caller-owned storage: imp_host_init() (name and err: the trace and where
 * errors go), then imp_host_release() (safe on zeroed storage).  thread is
 * the importer's index of (pid, tid); times are ns relative to the file's
 * time base.  The adders return 0, or a negative MO code with err filled
 * (out of memory, the temporary file of a big trace's sorted runs).
 */
struct trace_record;
struct trace_import_stats;
struct trace_strpool;
struct imp_host_item;
struct imp_host {
	const char *name;       /* the trace, for messages */
	struct mo_err *err;
	struct imp_sort order;  /* items by start, thread, longer first */
	struct imp_host_thread { int64_t pid, tid, ops; int used; } *threads; /* ops: operators added */
	size_t nthreads, threads_cap;
	struct trace_strpool *names;
};
void imp_host_init(struct imp_host *h, const char *name, struct mo_err *err);
int imp_host_add_op(struct imp_host *h, int thread, int64_t pid, int64_t tid, int64_t start,
		    int64_t end, const char *name, size_t len, int64_t ext);
int imp_host_add_call(struct imp_host *h, int thread, int64_t pid, int64_t tid, int64_t start,
		      int64_t end, const char *name, size_t len, int64_t ext, int64_t corr);
/* Module, phase and step of host code running on thread at ts. */
typedef void (*imp_host_attrib_fn)(void *ctx, int thread, int64_t ts, int64_t *module,
				   int64_t *phase, int64_t *step);
/* Where records go; non-zero stops the import and is returned. */
typedef int (*imp_host_emit_fn)(void *ctx, const struct trace_record *rec);
/* Write the threads, then operators and calls by start time (then
 * thread, longer first, operators first), nested, adding base_ns (emit
 * counts them).  0, a negative MO code with h's err
 * filled, or what emit returned. */
int imp_host_emit(struct imp_host *h, int64_t base_ns, imp_host_attrib_fn attrib,
		  imp_host_emit_fn emit, void *ctx);
void imp_host_release(struct imp_host *h);

/*
 * The Kineto importer's state and the files it is split into (the format,
 * attribution rules and memory bounds: import-kineto.c):
 *  - import-kineto.c: the entry points, the two passes in order, errors,
 *    writing a record to the sink, interned names;
 *  - import-events.c: the JSON callbacks, which build struct imp_event and
 *    refuse what is not a trace event;
 *  - import-fast.c: the event scanner, which reads most events in one loop
 *    instead (import-fields.c: what each key and value sets, for both);
 *  - import-pass1.c: the host side of each event, the GPU events spilled;
 *  - import-attrib.c: module, phase and step of a launch;
 *  - import-defs.c: header, definitions, markers and host records, written
 *    between the passes;
 *  - import-gpu.c: pass 2, the GPU records;
 *  - import-reorder.c: the window that writes them by start time.
 * Functions returning int that take a struct imp either follow the
 * callbacks' convention (1 to go on, 0 with im->err filled and im->failed
 * set) or the library's (0 or a negative MO code); each says which.
 */
/* Interned strings: id -> name (in the tree's string pool); a name's id is
 * the pool's own (trace_strpool_id). */
struct imp_strtab {
	const char **names;     /* by id: the pool's own ids */
	size_t n, cap;
	struct trace_strpool *pool;
};

struct imp_thread {
	int64_t pid, tid;
};

/* A host-side annotation (user_annotation, ProfilerStep#N, ## x ##). */
struct imp_annot {
	int64_t start, end;
	int64_t tid_index;
	int phase; /* phase id or -1 */
	int64_t step; /* ProfilerStep number or -1 */
	int name;  /* id in names */
	int gpu;   /* a gpu_user_annotation: on device, stream, not a host interval */
	int64_t device, stream;
};

struct imp_devstream {
	int64_t device, stream;
	uint64_t kernels;
};

struct imp_devprop {
	int64_t id;
	struct trace_header h; /* gpu_* fields and gpu_name (owned) */
	char *name;
};

enum imp_frame {
	F_TOP_MAP, F_EVENTS, F_EVENT, F_ARGS, F_ARGS_DIM, F_PROPS, F_PROP, F_DINFO,
};

enum topkey { T_NONE, T_EVENTS, T_PROPS, T_BASE, T_DINFO };
enum evkey { E_NONE, E_PH, E_CAT, E_NAME, E_PID, E_TID, E_TS, E_DUR, E_ARGS };

/* A GPU record held back for sorting: the heap orders small items, the
 * records stay in their slots (reused, with their string buffers). */
struct imp_reorder_item {
	int64_t start;
	uint64_t seq;
	uint32_t slot;
};

struct imp_reorder_slot {
	struct trace_record rec;
	char *strs; /* owned copies of the record's strings */
	size_t strs_cap;
};

struct imp {
	const char *name;
	struct trace_import_opts opts;
	const struct trace_sink *sink;
	struct trace_import_stats *st;
	struct mo_err *err;
	int pass;
	struct imp_json json;
	int failed; /* err filled by a callback */

	/* parser state */
	enum imp_frame stack[64];
	int depth;         /* number of frames */
	int top_seen;
	int have_events;
	int key;           /* current key in the innermost frame (per frame kind) */
	int dim_index;
	struct imp_event ev;
	struct imp_devprop cur_prop;
	int prop_key;

	/* file-level facts */
	int64_t base_ns;
	unsigned long long base_off; /* where baseTimeNanoseconds is, for messages */
	int64_t t_lo, t_hi;      /* the earliest start and latest end (ns, before the base) */
	int have_times;
	int have_base;
	int64_t rank;
	struct imp_devprop *props;
	size_t nprops, props_cap;

	/* pass 1 */
	struct imp_thread *threads;
	size_t nthreads, threads_cap;
	size_t last_thread;
	size_t npoints;          /* launch points kept */
	struct imp_points corr_pts, ext_pts, seq_pts;
	struct imp_ivals ivals;  /* by thread * 3 + type - 1 */
	struct imp_annot *annots;
	size_t nannots, annots_cap;
	struct imp_strtab names;     /* annotation and module names */
	struct imp_strtab phases;    /* phase names; 0 forward, 1 backward, 2 optimizer */
	int *mod_out;            /* name id -> module id written, or -1 */
	size_t mod_out_n;
	int nmodules;
	size_t *step_order;      /* annotations with a step, by start */
	size_t nsteps;
	struct imp_devstream *ds;
	size_t nds, ds_cap;
	struct imp_host host;    /* CPU ops and API calls to write (import-host.c) */

	/* the GPU events, kept on a temporary file until pass 1 has seen the
	 * host side, then read back by pass 2 (import-spill.c) */
	struct imp_spill spill;
	int64_t spill_last;      /* start (ns) of the last GPU event spilled */
	int spill_unordered;     /* one started before the one spilled before it */

	/* pass 2 */
	struct imp_reorder_item *heap;
	size_t nheap, heap_cap;
	struct imp_reorder_slot *slots;
	size_t nslots, slots_cap;
	uint32_t *free_slots;     /* slots not in the heap */
	size_t nfree, free_cap;
	uint64_t seqno;
	int64_t last_emitted;
	int emitted_any;
};

struct imp_attrib {
	int module_name; /* name id or -1 */
	int phase;
	int64_t step;
};


/* Errors (callback convention: they return 0 and set im->failed).
 * imp_fail: "cannot import 'name': offset N: msg" (MO_EINPUT). */
int imp_fail(struct imp *im, unsigned long long offset, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int imp_nomem(struct imp *im);
/* 0, or the error of a failed interval or launch point lookup. */
int imp_lookups_failed(struct imp *im);
/* The id of a name in t, added when new; -1 on out of memory. */
int imp_strtab_intern(struct imp_strtab *t, const char *s, size_t len);
void imp_strtab_free(struct imp_strtab *t);
/* rec to the sink, counted in the stats: 0 or a negative MO code. */
int imp_emit(struct imp *im, const struct trace_record *rec);

/* The JSON callbacks (ctx: the struct imp); each event goes to
 * imp_pass1_event() when it ends. */
extern const struct imp_json_callbacks imp_kineto_callbacks;

/* What an event's keys and values set (import-fields.c; callback
 * convention).  key: an enum evkey for the imp_ev_ functions, an enum argkey
 * for the args ones; strings decoded, numbers as written (valid JSON).
 * imp_dims_start: a "grid" or "block" array opens (all three dimensions 1);
 * imp_dim_number: its next element. */
void imp_event_reset(struct imp *im);
enum evkey imp_event_key(const unsigned char *s, size_t len);
enum argkey imp_arg_key(const unsigned char *s, size_t len);
int imp_ev_number(struct imp *im, int key, const char *s, size_t len);
int imp_ev_string(struct imp *im, int key, const unsigned char *s, size_t len);
int imp_ev_wrong_type(struct imp *im, int key, const char *what);
int imp_arg_number(struct imp *im, int key, const char *s, size_t len);
int imp_arg_string(struct imp *im, int key, const unsigned char *s, size_t len);
void imp_dims_start(struct imp *im, int key);
int imp_dim_number(struct imp *im, int key, const char *s, size_t len);
/* The same with a number's value (the scanner's plain numbers): "ts" or
 * "dur", "pid" or "tid", an args key, a dimension. */
void imp_ev_time(struct imp *im, int key, imp_fixed v);
void imp_ev_id(struct imp *im, int key, int64_t v);
void imp_arg_int(struct imp *im, int key, int64_t v);
void imp_dim_int(struct imp *im, int key, int64_t v);

/* The event scanner (import-fast.c; callback convention), called as an
 * event's '{' has been read: when the whole event lies in the reader's
 * buffer and is in the plain form it knows (no escapes, values of the
 * expected types, nesting at most 32 deep in skipped values), its members
 * are read in one loop, through the functions above, and consumed, so the
 * reader goes on at its '}'; otherwise nothing is consumed, the event is
 * as imp_event_reset() left it, and the reader hands its tokens to the
 * callbacks.  Either way the event, its errors and their offsets are the
 * same: the scanner gives up at anything the callbacks would refuse. */
int imp_fast_event(struct imp *im);

/* Pass 1 (callback convention): the host side of im->ev kept, a GPU event
 * spilled.  imp_ev_times: the event's start and end in ns (before the
 * base), noting the file's time range in pass 1. */
int imp_pass1_event(struct imp *im);
int imp_ev_times(struct imp *im, int64_t *start, int64_t *end);
/* After pass 1: intervals linked, steps ordered; 0 or a negative MO code. */
int imp_pass1_finish(struct imp *im);
/* qsort_r order of annotation indices (ctx: the annotations) by start. */
int imp_annot_cmp(const void *a, const void *b, void *ctx);

/* Attribution (import-attrib.c).  imp_attribute_point: what encloses ts on
 * thread (launch: ts is a launch point, so "forward" when nothing else
 * says); *bwd when inside a backward op, *bwd_seq its Sequence number.
 * imp_attribute: a GPU event's, through its launch point. */
void imp_attribute_point(struct imp *im, int thread, int64_t ts, int launch,
			 struct imp_attrib *a, int *bwd, int64_t *bwd_seq);
void imp_attribute(struct imp *im, const struct imp_event *e, int64_t start,
		   struct imp_attrib *a);

/* Header, definitions, markers and host records: 0 or a negative MO code. */
int imp_emit_definitions(struct imp *im);

/* Pass 2 (callback convention): the GPU event in im->ev as a record, into
 * the reorder window. */
int imp_pass2_event(struct imp *im);
/* The reorder window: push copies rec (and its strings), writing the
 * earliest record first when the window is full; pop writes the earliest.
 * When pass 1 spilled the GPU events in start order, push writes rec at
 * once: the window would write them in arrival order anyway.  0 or a
 * negative MO code. */
int imp_reorder_push(struct imp *im, const struct trace_record *rec, int64_t start);
int imp_reorder_pop(struct imp *im);

/* Small readers of events and of the state. */
static inline int imp_is_gpu_cat(enum cat c)
{
	return c == CAT_KERNEL || c == CAT_MEMCPY || c == CAT_MEMSET || c == CAT_GPU_ANN;
}

static inline int imp_starts_with(const char *s, size_t n, const char *prefix)
{
	size_t p = strlen(prefix);
	return n >= p && !memcmp(s, prefix, p);
}

static inline int64_t imp_ev_device(const struct imp_event *e)
{
	if (e->args_present & (1ULL << A_DEVICE))
		return e->a[A_DEVICE];
	if ((e->present & P_PID) && e->pid >= 0)
		return e->pid;
	return -1;
}

static inline int64_t imp_ev_stream(const struct imp_event *e)
{
	if (e->args_present & (1ULL << A_STREAM))
		return e->a[A_STREAM];
	if ((e->present & P_TID) && e->tid >= 0)
		return e->tid;
	return -1;
}

static inline int64_t imp_ev_arg(const struct imp_event *e, enum argkey k)
{
	return (e->args_present & (1ULL << k)) ? e->a[k] : -1;
}

static inline int imp_module_out(const struct imp *im, int name_id)
{
	if (name_id < 0 || (size_t)name_id >= im->mod_out_n)
		return -1;
	return im->mod_out[name_id];
}

#endif
