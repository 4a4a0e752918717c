/*
 * traces.h - the mosaic trace format (.mtr) and the base utilities every
 * other mosaic library uses (errors, growable arrays, whole-file reading, the
 * hash map and string pool, atomic output files).
 *
 * A trace is a msgpack stream: one header object, then records, each a
 * msgpack array [kind, field, field, ...].  Record kinds and their fields are
 * declared once, in TRACE_KINDS below; the struct definitions, the writer,
 * the reader, the printer and the validator are all generated from that list.
 *
 * Compatibility rules:
 *  - A reader refuses a file whose major version is newer than its own.
 *  - A record kind the reader does not know is skipped and counted.
 *  - A record with more fields than the reader knows keeps the known ones
 *    (fields are only ever appended, with a minor version bump); a record with
 *    fewer fields gets the defaults (-1 for integers, "" for strings) for the
 *    missing ones.
 *
 * Times are integer nanoseconds (int64_t) everywhere, absolute, so values
 * above 2^53 survive a round trip exactly.  Identifiers (device, stream,
 * partition, module, phase) are small non-negative integers; -1 means none.
 *
 * Memory: the reader streams.  A record handed to the caller, including its
 * strings, stays valid only until the next call on that reader; copy what you
 * keep.  Memory does not grow with the number of records read.
 */
#ifndef MOSAIC_TRACES_H
#define MOSAIC_TRACES_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ------------------------------------------------------------------------ */
/* Errors (shared by every mosaic library)                                  */
/* ------------------------------------------------------------------------ */

/* Status codes returned (negated) by library functions; 0 is success. */
enum mo_status {
	MO_OK = 0,
	MO_EINPUT = 1,   /* bad input: corrupt, truncated, wrong type, unknown name */
	MO_EIO = 2,      /* the operating system refused (open, read, write, rename) */
	MO_ENOMEM = 3,   /* out of memory */
	MO_EVERSION = 4, /* a format version newer than this build understands */
	MO_EUSAGE = 5,   /* the caller asked for something impossible */
	MO_ENODEV = 6,   /* no CUDA device, or CUDA support not built in */
	MO_EINFEASIBLE = 7, /* a valid request that has no solution (does not fit) */
};

/*
 * An error report, filled by the function that failed.  The message names the
 * subject (file, byte offset, record index) in the git style:
 *   cannot read 'x.mtr': byte 1234: truncated record
 * Callers add context in front with mo_err_prefix(), never replace it.
 */
struct mo_err {
	int code;        /* a negative enum mo_status, 0 when no error */
	char msg[1024];
};

/* Clear an error report. */
void mo_err_clear(struct mo_err *err);
/* Fill err (if not NULL) and return -code (code is a positive enum mo_status). */
int mo_err_set(struct mo_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Put context in front of the existing message: "<context>: <old message>". */
void mo_err_prefix(struct mo_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/*
 * The exit codes of every mosaic program, documented here once:
 *   0  ok;
 *   1  it ran and found problems (a failed validation, a regression);
 *   2  bad usage or bad input (MO_EINPUT, MO_EUSAGE, MO_EVERSION, MO_ENODEV,
 *      MO_EINFEASIBLE);
 *   3  a system failure (MO_EIO, MO_ENOMEM: a full disk, a refused write).
 */
enum mo_exit {
	MO_EXIT_OK = 0,
	MO_EXIT_PROBLEMS = 1,
	MO_EXIT_USAGE = 2,
	MO_EXIT_SYSTEM = 3,
};
/* The exit code for a status (enum mo_exit): 0 for no error, 2 or 3 otherwise. */
int mo_err_exit_code(const struct mo_err *err);

/* ------------------------------------------------------------------------ */
/* Growable arrays (one helper for the whole tree, after git's ALLOC_GROW)  */
/* ------------------------------------------------------------------------ */

/*
 * MO_GROW(ptr, nr, alloc) makes the heap array ptr, which has room for alloc
 * elements, hold at least nr elements; ptr is any object pointer lvalue (NULL
 * with alloc 0 to start) and alloc a size_t lvalue.  When alloc < nr the
 * array is reallocated to the first of 16, 32, 64, ... that is >= nr, and
 * ptr and alloc are updated; the elements already there are kept, the new
 * ones are uninitialised.  It never shrinks.  It evaluates to 0, or to -1
 * when the size in bytes would overflow size_t or realloc fails; then ptr
 * and alloc are unchanged (the caller still owns and frees ptr).  Appending
 * one element: `if (MO_GROW(v, n + 1, cap) < 0) return oom; v[n++] = x;`.
 * mo_grow() is the function behind it: ptr_addr is the address of the
 * pointer (of any object pointer type; it is read and written with memcpy,
 * never through a void ** lvalue, so no aliasing rule is broken).
 */
#define MO_GROW(ptr, nr, alloc) mo_grow(&(ptr), &(alloc), (nr), sizeof(*(ptr)))
int mo_grow(void *ptr_addr, size_t *alloc, size_t nr, size_t elem_size);
/* MO_GROW_FROM: the same, growing to first, 2 first, 4 first, ... (first >=
 * 1) instead of from 16: for the many small arrays of one structure (a
 * 1024-GPU plan's partitions and slots). */
#define MO_GROW_FROM(ptr, nr, alloc, first) mo_grow_from(&(ptr), &(alloc), (nr), sizeof(*(ptr)), (first))
int mo_grow_from(void *ptr_addr, size_t *alloc, size_t nr, size_t elem_size, size_t first);
/* The same with another realloc (re: the old block or NULL, the new size in
 * bytes; NULL when out of memory, the old block untouched). */
int mo_grow_with(void *ptr_addr, size_t *alloc, size_t nr, size_t elem_size, size_t first,
		 void *(*re)(void *, size_t));

/* ------------------------------------------------------------------------ */
/* Reading files (traces/readfile.c)                                       */
/* ------------------------------------------------------------------------ */

/*
 * mo_open_regular opens path for reading only if it is a regular file: a
 * FIFO, device, socket or directory is refused (MO_EINPUT, naming the path
 * and what it is) by stat(2), without being opened (opening some devices has
 * effects) or waited on; the file opened must be the one stat saw.  0 and
 * *fp a stream in binary mode the caller fcloses, or a negative status with
 * *fp NULL and err set: MO_EINPUT when path names nothing readable (missing,
 * a symlink loop, too long) or not a regular file, MO_EIO when the system
 * refuses otherwise (permissions, ...).
 * mo_open_regular_fd is the same for a file descriptor (for gzdopen).
 */
int mo_open_regular(const char *path, FILE **fp, struct mo_err *err);
int mo_open_regular_fd(const char *path, int *fd, struct mo_err *err);

/*
 * mo_read_file reads the whole text file path into a NUL-terminated heap
 * string *out (the caller frees it) of *len bytes (len may be NULL).  0, or
 * a negative status with *out NULL and err naming the file: MO_EINPUT when
 * it does not exist, is not a regular file (mo_open_regular), holds more
 * than max bytes or holds a NUL byte (naming its offset: not text); MO_EIO
 * when opening or reading fails otherwise; MO_ENOMEM.  It reads at most
 * max + 64 KiB before refusing, so a file that grows as it is read stops it.
 */
int mo_read_file(const char *path, size_t max, char **out, size_t *len, struct mo_err *err);

/* ------------------------------------------------------------------------ */
/* Hash map and string pool (the tree's one hash table, traces/pool.c)      */
/* ------------------------------------------------------------------------ */

/*
 * Id map: a key of two int64 (device and stream, an id and 0, a pointer
 * and 0) to a size_t value (an index into the caller's array); open
 * addressing with linear probing, kept at most half full, so it holds about
 * 50 to 100 bytes a key.  Caller-owned storage: _init before use, _release
 * frees everything (the map is then empty and usable again).  The address
 * trace_idmap_get() returns stays valid only until the next put on the same
 * map (a put may move every value).
 */
struct trace_idmap {
	int64_t *ka, *kb;
	size_t *vals;
	unsigned char *used;
	size_t cap, n;
};
void trace_idmap_init(struct trace_idmap *m);
/* The value's address, NULL when the key is absent. */
size_t *trace_idmap_get(const struct trace_idmap *m, int64_t a, int64_t b);
/* Insert or replace; 0 or -1 when out of memory (the map is then unchanged). */
int trace_idmap_put(struct trace_idmap *m, int64_t a, int64_t b, size_t val);
void trace_idmap_release(struct trace_idmap *m);

/*
 * String pool: interned NUL-terminated copies; equal strings give the same
 * pointer, so pooled strings compare by address.  A pooled string stays at
 * its address until trace_strpool_free() (NULL-safe), which frees them all.
 */
struct trace_strpool;
struct trace_strpool *trace_strpool_new(void);
/* The pooled copy of s (len bytes, no NUL needed); NULL when out of memory. */
const char *trace_strpool_intern(struct trace_strpool *p, const char *s, size_t len);
/* How many distinct strings the pool holds (0 for NULL). */
size_t trace_strpool_count(const struct trace_strpool *p);
/* A pooled string's id: 0, 1, ... in the order the pool first saw them, so
 * below trace_strpool_count (a table indexed by it needs no hash).  s must
 * be a pointer trace_strpool_intern returned (the id is stored before it). */
uint32_t trace_strpool_id(const char *s);
void trace_strpool_free(struct trace_strpool *p);

/* ------------------------------------------------------------------------ */
/* Atomic output files                                                      */
/* ------------------------------------------------------------------------ */

/*
 * Output goes to a temporary file beside the target, "<path>.tmp.<12 random
 * characters>", created exclusively (O_EXCL: an existing file or a planted
 * symlink is never written through) with mode 0666 less the umask.  It is
 * flushed, fsync'ed and renamed over the target only by mo_outfile_commit(),
 * so a failed, interrupted or crashed run never leaves a partial file under
 * the real name.  A target that exists and is a character device or a FIFO
 * (/dev/null, /dev/stdout, a named pipe) is written in place instead, never
 * replaced; a directory or any other kind of file is refused (MO_EUSAGE).
 * Caller-owned storage: mo_outfile_open() initialises *f; exactly one of
 * commit or abort must follow; both release everything.
 *
 * While it exists a temporary's name is registered (up to TRACE_OUTFILE_SLOTS
 * at once, see traces/core-internal.h; more are still written, unregistered)
 * so that mo_outfile_cleanup_on_signals() can remove it.
 */
struct mo_outfile {
	FILE *fp;
	char *path;     /* the final name */
	char *tmp_path; /* the name being written; NULL when written in place */
	int slot;       /* the registration of tmp_path, -1 if none */
};
int mo_outfile_open(struct mo_outfile *f, const char *path, struct mo_err *err);
/* Flush, fsync, close and rename into place.  On failure the temporary is removed. */
int mo_outfile_commit(struct mo_outfile *f, struct mo_err *err);
/* Close and remove the temporary.  Safe on an unopened or committed file. */
void mo_outfile_abort(struct mo_outfile *f);
/*
 * For programs (main() calls it once): on SIGINT, SIGTERM, SIGHUP, SIGPIPE
 * and SIGQUIT remove every registered temporary, then die of the signal as
 * before (the handler is async-signal-safe: unlink(2) and raise(3) only).
 * Signals the parent left ignored stay ignored.  Returns 0, or -MO_EIO.
 */
int mo_outfile_cleanup_on_signals(void);

/* ------------------------------------------------------------------------ */
/* Enumerations carried in records                                          */
/* ------------------------------------------------------------------------ */

/* Where a trace's times come from.  Reports never mix the two unlabelled. */
enum trace_source {
	TRACE_SOURCE_MEASURED = 0,  /* recorded on hardware (CUPTI, Kineto) */
	TRACE_SOURCE_SIMULATED = 1, /* produced by mosaic's simulator or synthesiser */
};
const char *trace_source_name(int source); /* "measured", "simulated", "unknown" */

/* Kernel classes (see model.h for the classifier). */
#define TRACE_KERNEL_CLASSES(X)                                                  \
	X(UNKNOWN, "unknown")                                                    \
	X(GEMM, "gemm")                                                          \
	X(ATTENTION, "attention")                                                \
	X(CONV, "conv")                                                          \
	X(ELEMENTWISE, "elementwise")                                            \
	X(REDUCTION, "reduction")                                                \
	X(COMM, "communication")                                                 \
	X(MEMORY, "memory")
enum trace_kernel_class {
#define X(e, s) TRACE_CLASS_##e,
	TRACE_KERNEL_CLASSES(X)
#undef X
	TRACE_CLASS_COUNT
};
const char *trace_class_name(int cls); /* "gemm", ...; "unknown" when out of range */

/* Memory copy directions. */
enum trace_copy_kind {
	TRACE_COPY_UNKNOWN = 0,
	TRACE_COPY_HTOD = 1,
	TRACE_COPY_DTOH = 2,
	TRACE_COPY_DTOD = 3,
	TRACE_COPY_HTOH = 4,
	TRACE_COPY_PTOP = 5,
};

/* Collective operations (NCCL). */
#define TRACE_COLLECTIVES(X)                                                     \
	X(UNKNOWN, "unknown")                                                    \
	X(ALLREDUCE, "allreduce")                                                \
	X(ALLGATHER, "allgather")                                                \
	X(REDUCESCATTER, "reducescatter")                                        \
	X(BROADCAST, "broadcast")                                                \
	X(REDUCE, "reduce")                                                      \
	X(ALLTOALL, "alltoall")                                                  \
	X(SEND, "send")                                                          \
	X(RECV, "recv")
enum trace_collective_kind {
#define X(e, s) TRACE_COLL_##e,
	TRACE_COLLECTIVES(X)
#undef X
	TRACE_COLL_COUNT
};
const char *trace_collective_name(int kind);
int trace_collective_parse(const char *name); /* case-insensitive; TRACE_COLL_UNKNOWN if none */

/* ------------------------------------------------------------------------ */
/* The record kinds: declared once                                          */
/* ------------------------------------------------------------------------ */

/*
 * Each field list takes two macros: I(name) for an int64_t field and S(name)
 * for a string field.  Kind numbers are part of the file format: never reuse
 * or renumber one; append fields only at the end of a list.
 */

/* The header: what produced the trace and on which GPU. */
#define TRACE_HEADER_FIELDS(I, S)                                                \
	S(producer)      /* "mosaic import 0.1", "mosaic sim 0.1", ... */          \
	I(source)        /* enum trace_source */                                   \
	S(origin)        /* what it came from: input file name, workload name */   \
	I(quota_sms)     /* SMs the work was confined to; 0 = the whole GPU */     \
	S(gpu_name)      /* as CUDA reports it: "NVIDIA H100 80GB HBM3" */         \
	I(gpu_sms)                                                                 \
	I(gpu_cc_major)                                                            \
	I(gpu_cc_minor)                                                            \
	I(gpu_mem_bytes)                                                           \
	I(gpu_max_threads_per_sm)                                                  \
	I(gpu_max_threads_per_block)                                               \
	I(gpu_regs_per_sm)                                                         \
	I(gpu_regs_per_block)                                                      \
	I(gpu_smem_per_sm)                                                         \
	I(gpu_smem_per_block)                                                      \
	I(gpu_smem_per_block_optin)                                                \
	I(gpu_warp_size)

/* A GPU of the trace.  Every device id used by a record must be defined. */
#define TRACE_DEVICE_FIELDS(I, S)                                                \
	I(id) I(sms) S(name)

/* A stream, unique by (device, id).  partition is -1 outside green contexts. */
#define TRACE_STREAM_FIELDS(I, S)                                                \
	I(device) I(id) I(partition) S(name)

/* An SM partition (green context) of a device, unique by (device, id). */
#define TRACE_PARTITION_FIELDS(I, S)                                             \
	I(device) I(id) I(sms) S(name)

/* A module of the model (vision encoder, LLM, ...). */
#define TRACE_MODULE_FIELDS(I, S)                                                \
	I(id) S(name)

/* A phase of training: "forward", "backward", "optimizer", ... */
#define TRACE_PHASE_FIELDS(I, S)                                                 \
	I(id) S(name)

/* Fields shared by every activity that ran on a GPU stream. */
#define TRACE_ACTIVITY_FIELDS(I, S)                                              \
	I(start_ns) I(end_ns) I(device) I(stream) I(partition) I(module) I(phase)  \
	I(microbatch) I(step) I(correlation)

/* Launch configuration shared by kernels and collective kernels. */
#define TRACE_LAUNCH_FIELDS(I, S)                                                \
	I(grid_x) I(grid_y) I(grid_z) I(block_x) I(block_y) I(block_z)             \
	I(registers) I(static_smem) I(dynamic_smem)

/*
 * A compute kernel.  kclass is an enum trace_kernel_class; occupancy_pct is
 * the occupancy the profiler estimated (-1 unknown); flops and bytes are the
 * work and DRAM traffic when known (synthesised kernels), -1 otherwise.
 */
#define TRACE_KERNEL_FIELDS(I, S)                                                \
	TRACE_ACTIVITY_FIELDS(I, S) TRACE_LAUNCH_FIELDS(I, S)                      \
	I(kclass) I(occupancy_pct) I(flops) I(bytes) S(name)

/* A memory copy; copy_kind is an enum trace_copy_kind. */
#define TRACE_MEMCPY_FIELDS(I, S)                                                \
	TRACE_ACTIVITY_FIELDS(I, S) I(bytes) I(copy_kind) S(name)

/* A memset. */
#define TRACE_MEMSET_FIELDS(I, S)                                                \
	TRACE_ACTIVITY_FIELDS(I, S) I(bytes) S(name)

/*
 * A collective (NCCL) kernel: its launch facts and the collective's metadata.
 * coll is an enum trace_collective_kind; bytes is the message size per rank.
 */
#define TRACE_COLLECTIVE_FIELDS(I, S)                                            \
	TRACE_ACTIVITY_FIELDS(I, S) TRACE_LAUNCH_FIELDS(I, S)                      \
	I(coll) I(bytes) I(group_size) I(group_rank) S(group) S(dtype) S(name)

/*
 * A named range or instant (user annotation, profiler step, NVTX range).
 * device -1 means a host-side marker; end_ns == start_ns is an instant.
 */
#define TRACE_MARKER_FIELDS(I, S)                                                \
	I(start_ns) I(end_ns) I(device) I(stream) I(module) I(phase)               \
	I(microbatch) I(step) S(name) S(category)

/*
 * The host side (format 1.1).  A host thread, unique by id (ids are small
 * integers given by the producer); pid and tid are the operating system's
 * (or the profiler's) numbers, -1 unknown.
 */
#define TRACE_THREAD_FIELDS(I, S)                                                \
	I(id) I(pid) I(tid) S(name)

/*
 * A CPU operator on a host thread: an aten op, a record_function range, an
 * optimizer step ("cpu_op" events of the PyTorch profiler).  id numbers the
 * trace's operators (unique, >= 0); parent is the id of the innermost
 * operator enclosing it on the same thread (-1 at top level) and depth the
 * number of operators enclosing it, so operators nest by (thread, parent).
 * external_id is the profiler's "External id" (shared with the runtime calls
 * and kernels the operator caused), -1 unknown.  module, phase and step are
 * attributed as for the kernels the operator launches.
 */
#define TRACE_CPU_OP_FIELDS(I, S)                                                \
	I(start_ns) I(end_ns) I(thread) I(id) I(parent) I(depth) I(external_id)    \
	I(module) I(phase) I(step) S(name)

/*
 * A CUDA runtime or driver API call on a host thread (cudaLaunchKernel,
 * cuLaunchKernel, cudaMemcpyAsync, cudaStreamSynchronize, ...).  correlation
 * equals the correlation field of the GPU activity the call caused (kernel,
 * memcpy, memset, collective), -1 when it caused none or it is unknown;
 * parent is the id of the innermost CPU operator enclosing the call on its
 * thread (-1 none).  category is "cuda_runtime" or "cuda_driver".
 */
#define TRACE_API_CALL_FIELDS(I, S)                                              \
	I(start_ns) I(end_ns) I(thread) I(parent) I(correlation) I(external_id)    \
	S(name) S(category)

/*
 * Whether an API call of this name enqueues GPU work: a kernel launch
 * (cudaLaunchKernel, cudaLaunchKernelExC, cuLaunchKernel, cuLaunchKernelEx,
 * cudaLaunchCooperativeKernel), a copy or a memset (cudaMemcpy*,
 * cudaMemset*, cuMemcpy*, cuMemset*) or a graph launch (cudaGraphLaunch,
 * cuGraphLaunch).  Other calls (cudaFuncSetAttribute, cudaStreamSynchronize,
 * ...) carry a correlation id too but cause no GPU activity.
 */
int trace_api_enqueues(const char *name);

/*
 * The list of kinds: X(number, name, NAME).  The number is written in the
 * file; 0 is reserved for the header.
 */
#define TRACE_KINDS(X)                                                           \
	X(1, device, DEVICE)                                                     \
	X(2, stream, STREAM)                                                     \
	X(3, partition, PARTITION)                                               \
	X(4, module, MODULE)                                                     \
	X(5, phase, PHASE)                                                       \
	X(6, kernel, KERNEL)                                                     \
	X(7, memcpy, MEMCPY)                                                     \
	X(8, memset, MEMSET)                                                     \
	X(9, collective, COLLECTIVE)                                             \
	X(10, marker, MARKER)                                                    \
	X(11, thread, THREAD)                                                    \
	X(12, cpu_op, CPU_OP)                                                    \
	X(13, api_call, API_CALL)

#define TRACE_FORMAT_MAGIC "mosaic-trace"
#define TRACE_FORMAT_MAJOR 1
#define TRACE_FORMAT_MINOR 1 /* 1.1: thread, cpu_op, api_call */

/* Generated structs: struct trace_header, struct trace_kernel, ... */
#define TRACE_GEN_I(n) int64_t n;
#define TRACE_GEN_S(n) const char *n;
struct trace_header {
	TRACE_HEADER_FIELDS(TRACE_GEN_I, TRACE_GEN_S)
};
#define X(num, lower, UPPER)                                                     \
	struct trace_##lower {                                                   \
		TRACE_##UPPER##_FIELDS(TRACE_GEN_I, TRACE_GEN_S)                 \
	};
TRACE_KINDS(X)
#undef X

enum trace_kind {
	TRACE_KIND_NONE = 0,
#define X(num, lower, UPPER) TRACE_KIND_##UPPER = num,
	TRACE_KINDS(X)
#undef X
	TRACE_KIND_MAX
};
const char *trace_kind_name(int kind); /* "kernel", ...; "unknown" */

/* One record: kind selects the member of the union. */
struct trace_record {
	enum trace_kind kind;
	union {
#define X(num, lower, UPPER) struct trace_##lower lower;
		TRACE_KINDS(X)
#undef X
	} u;
};

/*
 * Initialisers: every integer field -1, every string "" (except the header,
 * whose source is measured, quota 0 and strings ""), so producers only set
 * what they know.  trace_record_init() sets kind and the defaults.
 */
void trace_header_init(struct trace_header *h);
void trace_record_init(struct trace_record *rec, enum trace_kind kind);

/* Start/end of an activity record (kernel, memcpy, memset, collective,
 * marker); returns 0 and fills both when the kind has a time span. */
int trace_record_span(const struct trace_record *rec, int64_t *start_ns, int64_t *end_ns);

/* Where two records differ: NULL when they are equal (same kind, every
 * field equal, strings by content), else "kind" or the name of the first
 * field in file order that differs.  Records of an unknown kind compare by
 * kind alone. */
const char *trace_record_diff(const struct trace_record *a, const struct trace_record *b);

/* ------------------------------------------------------------------------ */
/* Writing                                                                  */
/* ------------------------------------------------------------------------ */

/*
 * A streaming writer.  trace_writer_open() writes the header at once through
 * an mo_outfile; trace_writer_close() commits the file under its name;
 * trace_writer_abort() removes it.  Either releases the writer (NULL-safe).
 * Writing is deterministic: the same records give the same bytes.
 */
struct trace_writer;
struct trace_writer *trace_writer_open(const char *path, const struct trace_header *h,
				       struct mo_err *err);
int trace_writer_put(struct trace_writer *w, const struct trace_record *rec, struct mo_err *err);
int trace_writer_close(struct trace_writer *w, struct mo_err *err);
void trace_writer_abort(struct trace_writer *w);

/* ------------------------------------------------------------------------ */
/* Reading                                                                  */
/* ------------------------------------------------------------------------ */

/*
 * A streaming reader over a file (path "-" is stdin).  Errors name the file
 * and the byte offset or record index.  Usage:
 *
 *   struct trace_reader *r = trace_reader_open(path, &err);
 *   struct trace_record rec;
 *   int rc;
 *   while ((rc = trace_reader_next(r, &rec, &err)) > 0)
 *           use(&rec);
 *   trace_reader_free(r);   // rc == 0 at the end, < 0 on error
 */
struct trace_reader;
struct trace_reader *trace_reader_open(const char *path, struct mo_err *err);
/* Also accepts an in-memory buffer (not copied; must outlive the reader). */
struct trace_reader *trace_reader_open_mem(const void *data, size_t len, const char *name,
					   struct mo_err *err);
const struct trace_header *trace_reader_header(const struct trace_reader *r);
/* 1: a record was read; 0: end of file; < 0: error (err filled). */
int trace_reader_next(struct trace_reader *r, struct trace_record *rec, struct mo_err *err);
/* Records of unknown kinds skipped so far. */
uint64_t trace_reader_skipped(const struct trace_reader *r);
/* Index of the last record returned (0-based) and the byte offset it began at. */
uint64_t trace_reader_index(const struct trace_reader *r);
uint64_t trace_reader_offset(const struct trace_reader *r);
void trace_reader_free(struct trace_reader *r);

/* True when the file starts like an .mtr (for content sniffing). */
int trace_is_mtr(const void *prefix, size_t len);

/* ------------------------------------------------------------------------ */
/* In-memory traces                                                         */
/* ------------------------------------------------------------------------ */

/*
 * A whole trace in memory, for consumers that need random access (replay,
 * the performance model, workloads built from traces).  Strings are owned by
 * the trace.  trace_mem_init() makes an empty trace; trace_mem_add() copies a
 * record in (strings included); trace_mem_load() reads a file;
 * trace_mem_save() writes one; trace_mem_release() frees everything.
 * Records keep file order.
 */
struct trace_mem {
	struct trace_header header;
	struct trace_record *recs;
	size_t n, cap;
	uint64_t skipped;    /* unknown kinds skipped while loading */
	struct trace_strpool *strings; /* private */
};
void trace_mem_init(struct trace_mem *t);
int trace_mem_set_header(struct trace_mem *t, const struct trace_header *h, struct mo_err *err);
int trace_mem_add(struct trace_mem *t, const struct trace_record *rec, struct mo_err *err);
int trace_mem_load(struct trace_mem *t, const char *path, struct mo_err *err);
int trace_mem_save(const struct trace_mem *t, const char *path, struct mo_err *err);
/* Intern a string in the trace's pool; the result lives as long as the trace. */
const char *trace_mem_strdup(struct trace_mem *t, const char *s);
void trace_mem_release(struct trace_mem *t);

/* ------------------------------------------------------------------------ */
/* Printing and validation                                                  */
/* ------------------------------------------------------------------------ */

/* One line per record, "kind field=value ...", generated from TRACE_KINDS. */
void trace_record_print(FILE *fp, const struct trace_record *rec);

/*
 * Validation: end >= start, no two kernels (or collectives) overlap on one
 * (device, stream), every device, stream, partition, module and phase a record
 * refers to is defined somewhere in the trace, partitions fit their device.
 * Feed records in file order with trace_check_add(), then trace_check_finish().
 * Problems are counted and the first few are described; memory grows with the
 * number of distinct streams and definitions, not with the number of records.
 */
struct trace_check;
struct trace_check *trace_check_new(const struct trace_header *h);
void trace_check_add(struct trace_check *c, const struct trace_record *rec, uint64_t index);
/* Returns the number of problems found; each is reported through cb. */
uint64_t trace_check_finish(struct trace_check *c,
			    void (*cb)(void *ctx, const char *problem), void *ctx);
void trace_check_free(struct trace_check *c);

/* ------------------------------------------------------------------------ */
/* Sinks: where producers send records                                      */
/* ------------------------------------------------------------------------ */

/*
 * A record consumer.  Producers (the importer, the synthesiser, the simulator,
 * the recorder) call header() once, then record() for each record in order.
 * A non-zero return stops the producer, which returns it.  trace_sink_writer()
 * and trace_sink_mem() adapt a writer and an in-memory trace.
 */
struct trace_sink {
	int (*header)(void *ctx, const struct trace_header *h, struct mo_err *err);
	int (*record)(void *ctx, const struct trace_record *rec, struct mo_err *err);
	void *ctx;
};
/* A sink that writes to path; call trace_writer_close()/abort() on *w after. */
int trace_sink_writer(struct trace_sink *sink, struct trace_writer **w, const char *path);
struct trace_sink trace_sink_mem(struct trace_mem *t);

/* ------------------------------------------------------------------------ */
/* Import: Kineto / Chrome trace JSON, plain or gzip                        */
/* ------------------------------------------------------------------------ */

/* What a file is, from its first bytes (gzip is looked through). */
enum trace_file_format {
	TRACE_FILE_UNKNOWN = 0,
	TRACE_FILE_MTR,
	TRACE_FILE_CHROME_JSON, /* Kineto object or bare Chrome trace array */
};
int trace_sniff(const char *path, enum trace_file_format *fmt, struct mo_err *err);

/* Counts of what an import saw and produced. */
struct trace_import_stats {
	uint64_t input_bytes;    /* uncompressed JSON bytes parsed (one pass) */
	uint64_t events;         /* trace events seen */
	uint64_t kernels, memcpys, memsets, collectives, markers;
	uint64_t attributed;     /* kernels (and collectives) given a module */
	uint64_t ignored;        /* events of categories mosaic does not keep */
	/* appended by the importer: */
	uint64_t phased;         /* kernels (and collectives) given a phase */
	uint64_t host_events;    /* host-side items kept (in memory or on the
	                            importer's temporary files): intervals
	                            (modules, annotations, backward ops) and
	                            launch points (per External id, correlation
	                            and forward Sequence number) */
	uint64_t out_of_order;   /* GPU records that arrived later than the reorder
	                            window allowed, so were written late */
	uint64_t modules, phases, devices, streams; /* definitions written */
	uint64_t threads, cpu_ops, api_calls; /* host records written */
};

/*
 * Import options.  trace_import_opts_init() sets the defaults.
 *  - module_depth: which level of the nn.Module nesting names a kernel's
 *    module: 0 the root model (one module for everything), 1 its children,
 *    2 (the default) their children: for a CLIP-like model
 *    Owlv2ForObjectDetection / Owlv2Model / Owlv2VisionTransformer.  A kernel
 *    launched in a shallower module gets that one.
 *  - reorder_window: GPU records held back to put them in start order
 *    (default 16384).
 */
struct trace_import_opts {
	int module_depth;
	int reorder_window;
	int host_records; /* write THREAD, CPU_OP and API_CALL records (default 1) */
	int token_events; /* read every event token by token (default 0: events
			   * that lie whole in the read buffer are read in one
			   * loop; the result is the same, for tests and fuzzing) */
};
void trace_import_opts_init(struct trace_import_opts *o);

/*
 * Stream a Kineto (PyTorch profiler) or bare Chrome trace JSON file, plain or
 * gzip, into sink as a measured trace.  See traces/import-kineto.c for the
 * schema variants understood and how kernels are attributed to modules and
 * phases.  st may be NULL.  The file is read (inflated, parsed) once; the
 * GPU events wait on an unlinked temporary file in $TMPDIR (else /tmp) until
 * the host side they are attributed to is known.  Memory is bounded: the
 * host records, launch points and intervals it keeps go through sorted runs
 * and 64 KiB pages that spill to temporary files past a fixed amount, plus
 * the reorder window; what still grows in memory is one annotation (about
 * 100 bytes) per profiler step or user annotation and each distinct name
 * (`make bench-self` prints the peak RSS at 0.5, 1 and 4 GB; the temporary
 * files take about 300 bytes per kernel and 48 per CPU op or API call, in
 * the page cache or on disk).  Errors name the file and the byte offset
 * (uncompressed) and are found while parsing, before the sink sees
 * anything; a temporary file that cannot be made or written is -MO_EIO.
 * Kernels get kclass -1 (unclassified): traces/ does not depend on the model's
 * classifier; callers that want classes set them (mosaic import does).
 */
int trace_import_kineto(const char *path, const struct trace_sink *sink,
			struct trace_import_stats *st, struct mo_err *err);
/* The same with options (o may be NULL for the defaults). */
int trace_import_kineto_opts(const char *path, const struct trace_import_opts *o,
			     const struct trace_sink *sink, struct trace_import_stats *st,
			     struct mo_err *err);
/* The same from memory (not copied); name is used in messages. */
int trace_import_kineto_mem(const void *data, size_t len, const char *name,
			    const struct trace_import_opts *o, const struct trace_sink *sink,
			    struct trace_import_stats *st, struct mo_err *err);

/* Read any trace file (an .mtr or a Kineto/Chrome JSON) into sink. */
int trace_read_any(const char *path, const struct trace_sink *sink, struct mo_err *err);
/*
 * Load any trace file (as trace_read_any: an .mtr, or a Kineto/Chrome JSON
 * imported with the default options) into t, which this initialises; the
 * caller releases it with trace_mem_release().  0, or a negative status with
 * t released (empty).  trace_mem_load() reads only an .mtr.
 */
int trace_mem_load_any(struct trace_mem *t, const char *path, struct mo_err *err);

/*
 * A map from strings to integers, for work done once per distinct name
 * (classifying a kernel by its name: traces repeat a few hundred names over
 * millions of kernels).  Memory grows with the distinct names.
 * trace_namemap_get() returns 1 and fills *val when name is present, 0 when
 * absent, -1 when out of memory; trace_namemap_put() returns 0 or -1.
 */
struct trace_namemap;
struct trace_namemap *trace_namemap_new(void);      /* NULL when out of memory */
void trace_namemap_free(struct trace_namemap *m);   /* NULL-safe */
int trace_namemap_get(struct trace_namemap *m, const char *name, int64_t *val);
int trace_namemap_put(struct trace_namemap *m, const char *name, int64_t val);

/* ------------------------------------------------------------------------ */
/* Summary (what `mosaic inspect` shows)                                    */
/* ------------------------------------------------------------------------ */

/*
 * Streaming statistics over a trace: counts, kernel time, busy time (union of
 * kernel intervals per device), span, time per class, module, phase, stream
 * and the top kernels by total time.  Feed it through trace_summary_sink().
 * Kernels here are compute kernels and collective kernels alike.
 */
struct trace_summary; /* defined in traces/summary.c; accessors below */

/* A new, empty summary (NULL when out of memory).  With with_check set it
 * also runs the validator over the same records (trace_summary_problems). */
struct trace_summary *trace_summary_new(int with_check);
void trace_summary_free(struct trace_summary *s); /* NULL-safe */
/* A sink that feeds s; call trace_summary_finish() after the last record. */
struct trace_sink trace_summary_sink(struct trace_summary *s);
/* After this, the kernel and collective names added to s are pointers a
 * string pool's trace_strpool_intern returned (never NULL), and that pool
 * outlives s: s keeps them as they are instead of interning them again. */
void trace_summary_names_interned(struct trace_summary *s);
/* Feed s directly (what the sink does).  index is the record's position. */
int trace_summary_header(struct trace_summary *s, const struct trace_header *h, struct mo_err *err);
int trace_summary_add(struct trace_summary *s, const struct trace_record *rec, struct mo_err *err);
/* Compute busy time and sort the groups, and free what only adding needs
 * (the start of every API call by correlation).  Call once, after the last
 * record. */
void trace_summary_finish(struct trace_summary *s);
/* Read path (an .mtr, or a Kineto / Chrome JSON) into s and finish it. */
int trace_summary_read(struct trace_summary *s, const char *path, struct mo_err *err);

/*
 * The totals.  Kernel times use only kernels with a start and end >= start
 * (bad_spans counts the others, which still count as kernels).  busy_ns is
 * exact unless busy_exact is 0: a device's set of disjoint busy intervals is
 * kept to 16384 entries; beyond that its oldest intervals are retired, and a
 * later kernel reaching back before them is clipped (only when records come
 * far out of time order).  idle_pct = 100 * (1 - busy_ns / (span_ns *
 * devices that ran kernels)).  Header strings live as long as s.
 */
struct trace_summary_totals {
	int source;               /* enum trace_source of the header */
	const char *producer, *origin, *gpu_name;
	int64_t gpu_sms, quota_sms;
	uint64_t records;         /* records seen (all kinds) */
	uint64_t devices, streams, partitions, modules, phases; /* definitions */
	uint64_t kernels;         /* compute kernels + collective kernels */
	uint64_t compute_kernels, collectives;
	uint64_t bad_spans;
	int64_t kernel_time_ns;   /* sum of kernel durations */
	int64_t busy_ns;          /* union of kernel intervals per device, summed */
	int busy_exact;
	int64_t span_ns;          /* first kernel start to last kernel end; 0 if none */
	int64_t first_start_ns, last_end_ns; /* -1 when no kernel */
	uint64_t kernel_devices;  /* devices that ran at least one kernel */
	double idle_pct;
	uint64_t memcpys, memsets, markers;
	int64_t memcpy_ns, memcpy_bytes, memset_ns, memset_bytes;
	/* the host side (format 1.1 records): */
	uint64_t threads, cpu_ops, api_calls;
	uint64_t launches;        /* API calls that enqueue GPU work (trace_api_enqueues) */
	/* Idle breakdown (see summary.c): gaps between a device's kernels,
	 * summed over devices, split by what the GPU waited for.  Without
	 * API calls in the trace all of gap_ns is unattributed. */
	int64_t gap_ns;
	int64_t host_wait_ns;     /* the next kernel's launch call began after the gap began */
	int64_t other_wait_ns;    /* it began before: the GPU waited on something else */
	int64_t kernel_wait_ns;   /* part of other_wait: the gap opened by a kernel of the
	                             same stream (back-to-back kernels, see summary.c) */
	int64_t other_ns;         /* the rest of other_wait: opened by another stream */
	int64_t unattributed_ns;  /* no launch call recorded for the next kernel */
};
const struct trace_summary_totals *trace_summary_totals(const struct trace_summary *s);

/* Kernels grouped by one key. */
enum trace_summary_by {
	TRACE_BY_CLASS,   /* id: enum trace_kernel_class; collectives are "communication" */
	TRACE_BY_MODULE,  /* id: module id, -1 for kernels of no module ("(none)") */
	TRACE_BY_PHASE,   /* id: phase id, -1 for none */
	TRACE_BY_STREAM,  /* id: stream id, device: its device, partition from its definition */
	TRACE_BY_DEVICE,  /* id: device id; busy_ns filled */
	TRACE_BY_KERNEL,  /* name: kernel name; id -1 */
	TRACE_BY_COUNT
};
struct trace_summary_group {
	const char *name;   /* class/module/phase/stream/kernel/device name ("" unknown) */
	int64_t id, device, partition, partition_sms; /* -1 when not applicable */
	uint64_t count;     /* kernels */
	int64_t time_ns;    /* summed durations */
	int64_t min_ns, max_ns;
	int64_t busy_ns;    /* devices only, else -1 */
};
/* The groups, sorted by time (largest first, ties by id then name); valid
 * until trace_summary_free().  Only groups with at least one kernel. */
size_t trace_summary_groups(const struct trace_summary *s, enum trace_summary_by by,
			    const struct trace_summary_group **groups);
/* With with_check: the number of problems; the first 100 go through cb. */
uint64_t trace_summary_problems(const struct trace_summary *s,
				void (*cb)(void *ctx, const char *problem), void *ctx);

/* The header as one line, like trace_record_print(). */
void trace_header_print(FILE *fp, const struct trace_header *h);

/* ------------------------------------------------------------------------ */
/* Analyses (what `mosaic inspect` adds to the summary)                     */
/* ------------------------------------------------------------------------ */

/*
 * Time analyses over one trace or one job's traces (one per rank).  Feed the
 * records of each rank through trace_analysis_sink() after
 * trace_analysis_rank(), then call trace_analysis_finish() once.  Unlike the
 * summary, an analysis keeps every GPU activity (kernel, collective, memcpy,
 * memset: 48 bytes each) and every API call (32 bytes each) in memory,
 * because the critical path and the percentiles need them all; finish
 * frees the calls once the critical path is walked (the launch rows keep
 * each activity's call start in its 48 bytes).
 *
 * Activities are classed compute (every kernel class but communication and
 * memory), communication (collectives and kernels classed communication) and
 * memory (memcpy, memset and kernels classed memory).  Kernels that carry no
 * class (kclass < 0) count as compute: callers classify first.
 *
 * Steps: an activity's step is its record's step field (the importer takes it
 * from the ProfilerStep#N annotations).  When no activity of a rank carries a
 * step, that rank's whole trace is one step, numbered -1, and
 * trace_analysis_steps_annotated() says 0.  When some do, activities outside
 * every step form step -1 ("outside the annotated steps").
 *
 * Ranks are aligned by shifting each rank's times so that the first activity
 * of its lowest-numbered step starts at 0 (clocks of different hosts are not
 * synchronised).  Per-rank figures do not depend on it; the job's rows of
 * the breakdown and of the critical path compare ranks in this job time.
 *
 * Percentiles are nearest-rank: the p-th percentile of n sorted values is
 * the value at 1-based position ceil(p * n / 100).
 */
struct trace_analysis; /* defined in traces/analysis-internal.h */

struct trace_analysis *trace_analysis_new(void);   /* NULL when out of memory */
void trace_analysis_free(struct trace_analysis *a); /* NULL-safe */
/* Records that follow belong to rank (a negative rank is taken as 0); a
 * single trace is rank 0.  0, or -1 for a rank above TRACE_ANALYSIS_MAX_RANK
 * (refused: the rank of the records that follow stays as it was). */
#define TRACE_ANALYSIS_MAX_RANK 32767
int trace_analysis_rank(struct trace_analysis *a, int rank);
/* A sink that feeds a (header() accepts anything). */
struct trace_sink trace_analysis_sink(struct trace_analysis *a);
int trace_analysis_add(struct trace_analysis *a, const struct trace_record *rec, struct mo_err *err);
/* Compute everything below.  Call once, after the last record; 0 or -MO_ENOMEM. */
int trace_analysis_finish(struct trace_analysis *a, struct mo_err *err);
/* The pool the analysis interns names in (it lives as long as a).  After
 * trace_analysis_names_interned(a), the name of every activity record
 * (kernel, collective, memcpy, memset) added is a pointer this pool's
 * trace_strpool_intern returned (never NULL): a keeps it as it is, with no
 * second hash of the name.  A caller that also feeds a summary (see
 * trace_summary_names_interned) hashes each name once for both. */
struct trace_strpool *trace_analysis_names(struct trace_analysis *a);
void trace_analysis_names_interned(struct trace_analysis *a);
/* 1 when every rank with activities has annotated steps (see above). */
int trace_analysis_steps_annotated(const struct trace_analysis *a);
/* Ranks seen (the highest rank given + 1), and the shift applied to a rank's
 * times to align it (ns subtracted; 0 for a rank with no activity). */
int trace_analysis_ranks(const struct trace_analysis *a);
int64_t trace_analysis_rank_offset(const struct trace_analysis *a, int rank);

/*
 * Temporal breakdown of one (rank, step): the step's window is the first
 * start to the last end of the rank's activities in the step; on each of the
 * rank's devices that ran an activity in the step, each instant of the
 * window counts once, as compute when a compute activity runs, else
 * communication when one runs, else memory, else idle; so compute + comm +
 * memory + idle = window_ns x devices = total_ns.  comm_ns_all is the time a
 * communication activity runs (overlapped or not) and comm_overlap_ns the part
 * of it when a compute activity runs too.  Rows come sorted by rank, then
 * step; with more than one rank, rows of rank -1 follow, one per step by
 * step number, for the whole job with the ranks aligned as the critical
 * path aligns them: window_ns is the step's window in job time (each rank's
 * times less its offset, earliest start to latest end on any rank) and each
 * device of each rank that ran in the step counts over that window, so the
 * time a rank waits for the slowest one is idle, and total_ns = window_ns x
 * devices (summed over ranks).  comm_ns_all and comm_overlap_ns are
 * per-device times, so the job's are the sums of the ranks'.
 */
struct trace_breakdown {
	int rank;
	int64_t step;
	uint64_t devices, activities;
	int64_t window_ns, total_ns;
	int64_t compute_ns, comm_ns, memory_ns, idle_ns;
	int64_t comm_ns_all, comm_overlap_ns;
};
size_t trace_analysis_breakdown(const struct trace_analysis *a, const struct trace_breakdown **rows);

/* Nearest-rank percentiles of n values (all -1 when n is 0). */
struct trace_pctl {
	uint64_t n;
	int64_t min, p50, p90, p99, max;
	double mean;
};

/*
 * Communication overlap per rank (summed over the rank's steps), then, with
 * more than one rank, rank -1 for the whole job: comm_ns is the time a
 * communication activity runs, overlapped_ns the part of it when a compute
 * activity runs on the same device; pct = 100 * overlapped / comm (0 without
 * communication).
 */
struct trace_overlap {
	int rank;
	int64_t comm_ns, overlapped_ns;
	double pct;
};
size_t trace_analysis_overlap(const struct trace_analysis *a, const struct trace_overlap **rows);

/*
 * Launch statistics per rank (then rank -1, the job, with more than one):
 * latency_ns is, for each GPU activity whose API call is in the trace (same
 * correlation; the kernels of one graph launch all share its call), its start
 * minus the call's start (negative values, possible when host and GPU clocks
 * disagree, are counted in negative and kept); queue is, for each such
 * activity, the number of activities of the same device launched earlier
 * (by their calls' starts) and not finished when its call began.
 */
struct trace_launch {
	int rank;
	struct trace_pctl latency_ns, queue;
	uint64_t negative;
};
size_t trace_analysis_launch(const struct trace_analysis *a, const struct trace_launch **rows);

/*
 * Kernel durations per kernel name across ranks (kernels and collectives;
 * not copies), sorted by total time, largest first (ties by name).  cls is
 * the enum trace_kernel_class of the name's first kernel; ranks the number
 * of ranks that ran it.  Per class: the same, one row per class present;
 * per module: one row per module name ("(none)" for kernels of no module),
 * cls that of its first kernel.
 */
struct trace_kernel_stats {
	const char *name;
	int cls;
	uint64_t ranks;
	int64_t total_ns;
	struct trace_pctl dur_ns;
};
size_t trace_analysis_kernel_stats(const struct trace_analysis *a,
				   const struct trace_kernel_stats **rows);
size_t trace_analysis_class_stats(const struct trace_analysis *a,
				  const struct trace_kernel_stats **rows);
size_t trace_analysis_module_stats(const struct trace_analysis *a,
				   const struct trace_kernel_stats **rows);

/*
 * The critical path of each (rank, step), walked backwards from the step's
 * last-ending activity X:
 *  - X's run is on the path (its kernel class, memory for copies);
 *  - when X's launch call began after every activity of the rank that ended
 *    before X started (the GPU waited for the host), the time from the call's
 *    start to X's start is "launch", and the path moves to the host: the time
 *    back to the previous API call of the same thread is "host"; a previous
 *    call in which the host may wait for the GPU (one that enqueues nothing,
 *    such as a synchronisation, or a copy or memset without "Async" in its
 *    name) while an activity of the rank ended during it is "sync": the
 *    host waited for the GPU, and the path goes to the rank's activity that
 *    ended last before the call returned; any other call keeps the path on
 *    the host;
 *  - otherwise the path goes to the activity that ended last before X began
 *    (any stream of the rank) and the time between is "idle".
 * The walk stops at the step's window start, so the path's time is the
 * window's length when it reaches it.
 * With more than one rank, rank -1 is the job: each step walked across
 * ranks in job time (each rank's times less its offset,
 * trace_analysis_rank_offset()), from the last activity of the step on any
 * rank, over the job's window of the step (earliest start to latest end).
 * A collective ends when its slowest rank arrives: the k-th communication
 * activity of a (rank, step) is matched with the k-th of every other rank
 * in that step, and when the walk reaches one whose match on another rank
 * started later, the collective from that arrival on is on the path and the
 * walk goes on at that rank, from its collective's start (so a rank that
 * waited in a collective is not charged for the wait).
 * Shares are summed per rank over its steps (and for the job), by category
 * (TRACE_PATH_CATS: the kernel classes, then host, launch, sync, idle) and
 * by module (the module of the activity, or of the activity the host was
 * launching; "(none)" without one).
 */
enum { TRACE_PATH_HOST = TRACE_CLASS_COUNT, TRACE_PATH_LAUNCH, TRACE_PATH_SYNC,
       TRACE_PATH_IDLE, TRACE_PATH_CATS };
const char *trace_path_cat_name(int cat); /* class names, "host", "launch", "sync", "idle" */
struct trace_path_share {
	const char *name;
	int64_t ns;
};
struct trace_path {
	int rank;
	uint64_t steps;
	int64_t window_ns;      /* the steps' windows, summed */
	int64_t path_ns;        /* time on the path, summed */
	int64_t cat_ns[TRACE_PATH_CATS];
	const struct trace_path_share *modules; /* sorted by ns, largest first */
	size_t nmodules;
};
size_t trace_analysis_critical_path(const struct trace_analysis *a, const struct trace_path **rows);

/*
 * The difference of two analyses, control a and test b (`mosaic diff`):
 * kernels (by name), modules (by name), classes and steps whose time or count
 * changed.  A kernel, module or class compares its total kernel time and
 * kernel count across ranks; a step compares its window (the job's, rank -1,
 * with more than one rank, else rank 0's) and activity count, steps paired in
 * order (the first step of a with the first of b: two runs rarely share
 * step numbers).  Rows of one side that share a name (a module named
 * "(none)" and no module; classes out of range, all "unknown") are one item,
 * summed.  Items that changed neither time nor count are left out and
 * counted in unchanged.  Items come sorted by impact, |ns_b - ns_a| largest
 * first; ties: kernels, modules, classes, steps, then by name.  One side's
 * count is 0 for an item that appeared or disappeared.  Names point into a
 * and b: keep both until trace_diff_free().
 */
enum trace_diff_kind { TRACE_DIFF_KERNEL, TRACE_DIFF_MODULE, TRACE_DIFF_CLASS, TRACE_DIFF_STEP };
const char *trace_diff_kind_name(int kind); /* "kernel", "module", "class", "step" */
struct trace_diff_item {
	int kind;
	const char *name;       /* for a step: "" (see step_a, step_b) */
	int64_t step_a, step_b; /* steps only, else -1; -1 also when one side has none */
	uint64_t count_a, count_b;
	int64_t ns_a, ns_b;
};
struct trace_diff {
	struct trace_diff_item *items;
	size_t n;
	size_t unchanged;
};
/* ns_b - ns_a, saturated to the int64 range (a hostile trace's times may be
 * anything); impact is its absolute value, INT64_MAX at most. */
int64_t trace_diff_delta(const struct trace_diff_item *it);
/* 0, or -MO_ENOMEM; *out is freed by trace_diff_free() (NULL-safe). */
int trace_diff_new(const struct trace_analysis *a, const struct trace_analysis *b,
		   struct trace_diff **out, struct mo_err *err);
void trace_diff_free(struct trace_diff *d);

/* ------------------------------------------------------------------------ */
/* Export                                                                   */
/* ------------------------------------------------------------------------ */

/*
 * Chrome/Perfetto trace JSON (ui.perfetto.dev opens it): one process per
 * device, one thread track per stream, or per SM partition and stream when
 * partitions are defined; kernels as complete events with their launch
 * facts, module and phase in args.  Host records go to a "host" process,
 * one track per CPU thread (operators and API calls), with a flow arrow
 * from each launch call to the GPU activity of its correlation.  Written
 * atomically to out_path.
 */
int trace_export_perfetto(const char *in_path, const char *out_path, struct mo_err *err);

/*
 * The same, with counts.  The input is read twice (first the track table and
 * the time origin, then the events), so in_path must be a file, not "-".
 * Timestamps are microseconds relative to the earliest activity, printed
 * exactly with three decimals (ns); otherData.time_origin_ns holds the origin.
 * Activities with no start or with end < start are left out and counted.
 */
struct trace_export_stats {
	uint64_t events;   /* trace events written (metadata included) */
	uint64_t tracks;   /* thread tracks */
	uint64_t skipped;  /* activities left out */
};
int trace_export_perfetto_stats(const char *in_path, const char *out_path,
				struct trace_export_stats *st, struct mo_err *err);

#endif
