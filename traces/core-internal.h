/*
 * core-internal.h - private to traces/: the field descriptor tables generated
 * from TRACE_KINDS the reader, writer, printer and validator share (the
 * string pool and the id map they use are public: traces.h).  Nothing here
 * is part of the public contract.
 */
#ifndef MOSAIC_TRACES_CORE_INTERNAL_H
#define MOSAIC_TRACES_CORE_INTERNAL_H

#include "traces/traces.h"

/* Limits the reader enforces on hostile input (the writer refuses to write
 * what the reader would refuse). */
#define TRACE_MAX_STRING (1u << 20)        /* bytes in one string */
#define TRACE_MAX_ARRAY 64u                /* elements of one array (pairs of a map) */
#define TRACE_MAX_DEPTH 8u                 /* nesting of arrays/maps in a record */
#define TRACE_MAX_NODES 4096u              /* msgpack objects in one record */
#define TRACE_MAX_RECORD (16u << 20)       /* bytes of one record */

enum { TRACE_FIELD_INT = 1, TRACE_FIELD_STR = 2 };

/* One field of a record struct: its name, type and offset in the struct. */
struct trace_field {
	const char *name;
	int type;
	size_t off;
};

/* A record kind (or the header): name and fields in file order. */
struct trace_kind_desc {
	const char *name;
	const struct trace_field *fields;
	size_t nfields;
};

/* The descriptor of a known kind, NULL for anything else. */
const struct trace_kind_desc *trace_kind_desc(int kind);
/* The header's descriptor (fields after magic, major, minor). */
const struct trace_kind_desc *trace_header_desc(void);

/* The body of a record (the struct inside the union). */
static inline void *trace_record_body(struct trace_record *rec) { return &rec->u; }
static inline const void *trace_record_cbody(const struct trace_record *rec) { return &rec->u; }
#define TRACE_FIELD_I(base, f) (*(int64_t *)((char *)(base) + (f)->off))
#define TRACE_FIELD_S(base, f) (*(const char **)((char *)(base) + (f)->off))
#define TRACE_FIELD_CI(base, f) (*(const int64_t *)((const char *)(base) + (f)->off))
#define TRACE_FIELD_CS(base, f) (*(const char *const *)((const char *)(base) + (f)->off))

/* A 64-bit hash of len bytes (pool.c; the string pool's hash). */
uint64_t trace_hash_bytes(const char *s, size_t len);

/*
 * The index of the first of n elements of arr (stride bytes apart) whose
 * int64 field at byte offset off is >= x, or n when none is; the fields
 * must be in ascending order.  arr is not read when n is 0.
 */
size_t trace_lower_bound(const void *arr, size_t n, size_t stride, size_t off, int64_t x);

/*
 * Ascending map (ascmap.c): int64 keys to int64 values, with the id map's
 * put contract, for keys that mostly come in ascending order (the
 * correlation ids of a trace's API calls).  While every key put is greater
 * than the last, the pairs are a blocked delta encoding: blocks of
 * TRACE_ASC_BLOCK pairs, each the first pair as it is (a trace_ascblock,
 * found by binary search) and the others as varints of their key's step
 * less one and their value's zigzag step from the pair before (in bytes, a
 * big block, see below): 3-5 bytes a pair on a trace's calls, not 16.  The
 * first key that is not greater turns it into an id map, which then holds
 * every pair.  _get gives 1 and the value in *val, or 0 when the key is not
 * in the map (a cursor makes ascending lookups within a block linear, so
 * get is not const); _put 0 or -1 when out of memory; _release frees all
 * (a zeroed map is empty).
 */
#define TRACE_ASC_BLOCK 32
struct trace_ascblock {
	int64_t key, val;        /* the block's first pair */
	size_t at;               /* where the rest's encoding starts in bytes */
};
struct trace_ascmap {
	struct trace_ascblock *blk;
	size_t nblk, blk_cap;
	uint8_t *bytes;
	size_t nbytes, bytes_cap;
	size_t n;                /* pairs encoded */
	int64_t last_key, last_val;
	struct {                 /* the last pair get decoded: blk[b]'s i-th at byte at */
		size_t b, i, at;
		int64_t key, val;
	} cur;
	int mapped;              /* the pairs are in map, not the blocks */
	struct trace_idmap map;  /* (key, 0) -> value */
};
int trace_ascmap_get(struct trace_ascmap *m, int64_t key, int64_t *val);
int trace_ascmap_put(struct trace_ascmap *m, int64_t key, int64_t val);
void trace_ascmap_release(struct trace_ascmap *m);

/*
 * Large arrays (bigmem.c): a block of at least TRACE_BIG_MIN bytes
 * (header included) is an anonymous mapping of its own, advised for
 * transparent huge pages, grown by mremap (no copy); smaller ones are
 * malloc'ed.  The analyses keep their per-activity arrays in them (page
 * faults were the largest share of their cost).  trace_big_alloc and
 * trace_big_realloc return NULL when out of memory (the old block is then
 * untouched) and keep 64-byte alignment in mappings, malloc's otherwise;
 * trace_big_free is NULL-safe; never mix them with malloc/free.
 * trace_big_grow is MO_GROW's contract (traces.h) for these blocks:
 * TRACE_BIG_GROW(ptr, nr, cap).  trace_big_live counts the mappings not
 * freed yet (tests check it returns to its value before an analysis).
 */
#ifndef TRACE_BIG_MIN /* the fuzz build sets 512, to fuzz the mappings */
#define TRACE_BIG_MIN ((size_t)1 << 20)
#endif
void *trace_big_alloc(size_t bytes);
void *trace_big_realloc(void *p, size_t bytes);
void trace_big_free(void *p);
int trace_big_grow(void *ptr_addr, size_t *cap, size_t nr, size_t elem_size);
#define TRACE_BIG_GROW(ptr, nr, cap) trace_big_grow(&(ptr), &(cap), (nr), sizeof(*(ptr)))
size_t trace_big_live(void);

/* Temporaries of open output files (outfile-signal.c): at most this many are
 * registered for removal on a signal at once (more than mosaic ever has open:
 * a bench report keeps about five). */
#define TRACE_OUTFILE_SLOTS 256
/* Register a temporary's name (kept, not copied); returns the slot or -1 when full. */
int trace_outfile_register(const char *tmp_path);
/* Forget a slot (a no-op for -1). */
void trace_outfile_unregister(int slot);

/* A writer with a name but no file yet (for trace_sink_writer); begin()
 * opens the output and writes the header. */
struct trace_writer *trace_writer_pending(const char *path, struct mo_err *err);
int trace_writer_begin(struct trace_writer *w, const struct trace_header *h, struct mo_err *err);

#endif
