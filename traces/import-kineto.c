/*
 * import-kineto.c - Kineto (PyTorch profiler) and Chrome trace JSON to
 * mosaic trace records, streaming.
 *
 * Input.  A Kineto object {"traceEvents": [...], "deviceProperties": [...],
 * "baseTimeNanoseconds": N, "distributedInfo": {...}, ...} with its keys in
 * any order, or a bare Chrome trace array [...] of events; plain or gzip.
 * Schema variants understood (all seen in real traces):
 *  - categories of 2021 (tb_plugin samples): "Kernel", "Memcpy", "Memset",
 *    "Operator", "Runtime"; tid a string ("stream 7", "25738"); args key
 *    "external id" in lower case;
 *  - categories of 2022 and later: "kernel", "gpu_memcpy", "gpu_memset",
 *    "cpu_op", "cuda_runtime", "cuda_driver", "user_annotation",
 *    "gpu_user_annotation", "python_function" (nn.Module events named
 *    "nn.Module: <Class>_<n>" when the profiler ran with_modules/with_stack);
 *  - ts in microseconds, integers or decimals with sub-microsecond digits.
 *    displayTimeUnit ("ns" or "ms") only tells viewers how to show times: the
 *    HTA ns-resolution trace has displayTimeUnit "ns" and ts values such as
 *    1712195495406752.797, i.e. microseconds with three decimals
 *    (nanosecond resolution); its kernels' dur values (4.928) are microseconds
 *    too.  So ts and dur are always read as microseconds.
 *  - baseTimeNanoseconds (newer Kineto): ts are then relative to it; times
 *    are written as baseTimeNanoseconds + round(ts * 1000).
 * Times are converted exactly (decimal text -> 128-bit fixed point, see
 * import-num.c): start = round(ts * 1000) and end = round((ts + dur) * 1000)
 * nanoseconds, to nearest, ties away from zero; the end is computed from the
 * exact sum, so kernel durations do not collect two rounding errors.
 *
 * Records written, in this order:
 *  1. the header (GPU from the deviceProperties entry of the device that ran
 *     the most kernels);
 *  2. DEVICE for each device a GPU event ran on, STREAM for each (device,
 *     stream), PHASE (forward, backward, optimizer, then any other
 *     "## name ##" annotation), MODULE (nn.Module instances at module_depth
 *     or shallower, in order of first appearance);
 *  3. MARKER for each user annotation, by start time: host-side ones
 *     ("## forward ##", ProfilerStep#N, Optimizer.step#..., PARAM's, ...;
 *     device -1) and gpu_user_annotation spans (their device and stream);
 *  4. the GPU activities: KERNEL, COLLECTIVE (NCCL kernels: args
 *     "Collective name" or a name starting "nccl"), MEMCPY and MEMSET, by
 *     start time (ties in file order).  Sorting uses a window of
 *     reorder_window records (default 16384); a record that arrives more than
 *     a window late is written when it arrives and counted in
 *     stats.out_of_order.  In the nine external traces the GPU activities
 *     are in start order per stream; across streams the latest is a memcpy
 *     of the owlv2 trace, 4175 records late: inside the window.  Their
 *     gpu_user_annotation spans come up to 6096 events late, which is why
 *     those are written with the markers.
 *
 * Attribution of a GPU activity (module, phase, step):
 *  - its launch point: the cuda_runtime / cuda_driver call with the same
 *    correlation id (thread and time of the launch), else the CPU op with the
 *    same External id (thread and start of the op);
 *  - on that thread, the intervals enclosing the launch point (CPU ops,
 *    nn.Module events, user annotations; they nest per thread): the module is
 *    the enclosing nn.Module at module_depth (or the deepest one above it);
 *    the phase is the innermost enclosing "## name ##" annotation, or
 *    "optimizer" inside Optimizer.step / Optimizer.zero_grad;
 *  - backward: ops run by the autograd engine (on its own thread, without
 *    nn.Module events) are recognised by "autograd::engine::evaluate_function"
 *    in their name or a "Fwd thread id" > 0 in args.  Their phase is
 *    backward and their module is that of the forward op with the same
 *    "Sequence number" (the forward op that created the autograd node); a
 *    backward op without one keeps module -1;
 *  - no phase from the above: "forward" when the launch is on record
 *    (outside backward and optimizer, so this includes copies of input data
 *    before the forward pass), else -1 (kernels of warm-up steps whose host
 *    side the profiler did not keep: 436 of Qwen's 1465);
 *  - step: the enclosing ProfilerStep#N on the launch thread, else the
 *    ProfilerStep#N whose span contains the launch time on any thread.
 * The fwdbwd flow events carry the same link as sequence numbers and are not
 * needed.
 *
 * Launch facts kept: grid, block, "registers per thread", correlation,
 * device, stream, "est. achieved occupancy %" (occupancy_pct).  Kineto writes
 * one "shared memory" figure, the sum of CUPTI's static and dynamic shared
 * memory per block; it goes to static_smem and dynamic_smem stays -1
 * (unknown), unless the trace has "static shared memory" and "dynamic shared
 * memory" separately.
 *
 * One pass over the JSON (traces/import-json.c reads it).  GPU activities
 * are attributed to the host code that launched them, which a Kineto file
 * may write after them, so pass 1 keeps the host side and puts each GPU
 * event (its fields, not its text: about 300 bytes a kernel) on an unlinked
 * temporary file (import-spill.c); pass 2 reads them back from there,
 * attributes them and writes them.
 *
 * Memory.  Pass 1 keeps the host side only: a launch point (thread, time:
 * 16 bytes) per External id, per Sequence number of a forward op, and per
 * runtime call without an External id (import-points.c: slots of 64 KiB
 * pages, 64 kept in memory, the rest on a temporary file); intervals (48
 * bytes) for nn.Module events, user annotations and backward ops
 * (import-ivals.c: sorted through runs, then paged the same way); names of
 * modules and annotations and one annotation record per step; the CPU ops
 * and API calls written as host records (import-host.c, sorted through runs
 * on a temporary file past 2^17).  Pass 2 adds the reorder window (a slot
 * of about 400 bytes per record held).  So memory does not grow with the
 * trace's size but with its steps and distinct names.
 *
 * Bad input (found in pass 1, before the sink sees anything): not JSON,
 * truncated JSON or gzip, an empty file, a directory, a top-level value that
 * is neither an object with a traceEvents array nor an array of events, an
 * event that is not an object or has no "ph", ts or dur that is not a number,
 * a negative dur, args that is not an object, an X event without ts or dur.
 * Messages name the file and the byte offset of the offending event in the
 * uncompressed JSON.
 */
#include "traces/core-internal.h"
#include "traces/import-internal.h"
#include "traces/import-input.h"
#include "traces/traces.h"

#include <stdlib.h>
#include <string.h>

#define NAME_MAX_KEEP 4096

/* ------------------------------------------------------------------------ */
/* Small containers                                                          */
/* ------------------------------------------------------------------------ */


/* Interned strings: id -> name (in the tree's string pool), name -> id (the
 * pooled pointer's id in the tree's hash map). */
struct strtab {
	const char **names;
	size_t n, cap;
	struct trace_strpool *pool;
	struct trace_idmap index; /* (pooled pointer, 0) -> id */
};

/* The id of name, added when new; -1 on out of memory. */
static int strtab_intern(struct strtab *t, const char *s, size_t len)
{
	const char *p;
	const size_t *id;

	if (!t->pool && !(t->pool = trace_strpool_new()))
		return -1;
	if (!(p = trace_strpool_intern(t->pool, s, len)))
		return -1;
	if ((id = trace_idmap_get(&t->index, (int64_t)(intptr_t)p, 0)))
		return (int)*id;
	if (MO_GROW(t->names, t->n + 1, t->cap) < 0 ||
	    trace_idmap_put(&t->index, (int64_t)(intptr_t)p, 0, t->n) < 0)
		return -1;
	t->names[t->n] = p;
	return (int)t->n++;
}

static void strtab_free(struct strtab *t)
{
	free(t->names);
	trace_strpool_free(t->pool);
	trace_idmap_release(&t->index);
	memset(t, 0, sizeof(*t));
}

/* ------------------------------------------------------------------------ */
/* Host-side model built in pass 1                                           */
/* ------------------------------------------------------------------------ */

struct thread {
	int64_t pid, tid;
};

/* A host-side annotation (user_annotation, ProfilerStep#N, ## x ##). */
struct annot {
	int64_t start, end;
	int64_t tid_index;
	int phase; /* phase id or -1 */
	int64_t step; /* ProfilerStep number or -1 */
	int name;  /* id in names */
	int gpu;   /* a gpu_user_annotation: on device, stream, not a host interval */
	int64_t device, stream;
};

struct devstream {
	int64_t device, stream;
	uint64_t kernels;
};

struct devprop {
	int64_t id;
	struct trace_header h; /* gpu_* fields and gpu_name (owned) */
	char *name;
};

/* ------------------------------------------------------------------------ */
/* The importer                                                              */
/* ------------------------------------------------------------------------ */

enum frame {
	F_TOP_MAP, F_EVENTS, F_EVENT, F_ARGS, F_ARGS_DIM, F_PROPS, F_PROP, F_DINFO,
};

enum topkey { T_NONE, T_EVENTS, T_PROPS, T_BASE, T_DINFO };
enum evkey { E_NONE, E_PH, E_CAT, E_NAME, E_PID, E_TID, E_TS, E_DUR, E_ARGS };

/* A GPU record held back for sorting: the heap orders small items, the
 * records stay in their slots (reused, with their string buffers). */
struct reorder_item {
	int64_t start;
	uint64_t seq;
	uint32_t slot;
};

struct reorder_slot {
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
	enum frame stack[64];
	int depth;         /* number of frames */
	int top_seen;
	int have_events;
	int key;           /* current key in the innermost frame (per frame kind) */
	int dim_index;
	struct imp_event ev;
	struct devprop cur_prop;
	int prop_key;

	/* file-level facts */
	int64_t base_ns;
	unsigned long long base_off; /* where baseTimeNanoseconds is, for messages */
	int64_t t_lo, t_hi;      /* the earliest start and latest end (ns, before the base) */
	int have_times;
	int have_base;
	int64_t rank;
	struct devprop *props;
	size_t nprops, props_cap;

	/* pass 1 */
	struct thread *threads;
	size_t nthreads, threads_cap;
	size_t last_thread;
	size_t npoints;          /* launch points kept */
	struct imp_points corr_pts, ext_pts, seq_pts;
	struct imp_ivals ivals;  /* by thread * 3 + type - 1 */
	struct annot *annots;
	size_t nannots, annots_cap;
	struct strtab names;     /* annotation and module names */
	struct strtab phases;    /* phase names; 0 forward, 1 backward, 2 optimizer */
	int *mod_out;            /* name id -> module id written, or -1 */
	size_t mod_out_n;
	int nmodules;
	size_t *step_order;      /* annotations with a step, by start */
	size_t nsteps;
	struct devstream *ds;
	size_t nds, ds_cap;
	struct imp_host host;    /* CPU ops and API calls to write (import-host.c) */

	/* the GPU events, kept on a temporary file until pass 1 has seen the
	 * host side, then read back by pass 2 (import-spill.c) */
	struct imp_spill spill;

	/* pass 2 */
	struct reorder_item *heap;
	size_t nheap, heap_cap;
	struct reorder_slot *slots;
	size_t nslots, slots_cap;
	uint32_t *free_slots;     /* slots not in the heap */
	size_t nfree, free_cap;
	uint64_t seqno;
	int64_t last_emitted;
	int emitted_any;
};

static int fail(struct imp *im, unsigned long long offset, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct imp *im, unsigned long long offset, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	mo_err_set(im->err, MO_EINPUT, "cannot import '%s': offset %llu: %s", im->name, offset, msg);
	im->failed = 1;
	return 0; /* stops the parse */
}

static int nomem(struct imp *im)
{
	mo_err_set(im->err, MO_ENOMEM, "cannot import '%s': out of memory", im->name);
	im->failed = 1;
	return 0;
}

/* 0, or the error of a failed interval or launch point lookup. */
static int lookups_failed(struct imp *im)
{
	if (!im->failed && !im->ivals.failed)
		return 0;
	im->failed = 1;
	return im->err && im->err->code ? im->err->code : -MO_EIO;
}

static unsigned long long cur_offset(struct imp *im)
{
	return imp_json_offset(&im->json);
}

/* ---- classification helpers ---- */

static enum cat cat_of(const unsigned char *s, size_t n)
{
#define IS(lit) (n == sizeof(lit) - 1 && !memcmp(s, lit, n))
	if (IS("kernel") || IS("Kernel"))
		return CAT_KERNEL;
	if (IS("gpu_memcpy") || IS("Memcpy"))
		return CAT_MEMCPY;
	if (IS("gpu_memset") || IS("Memset"))
		return CAT_MEMSET;
	if (IS("cpu_op") || IS("Operator") || IS("operator"))
		return CAT_CPU_OP;
	if (IS("cuda_runtime") || IS("Runtime") || IS("cuda_driver") || IS("runtime"))
		return CAT_RUNTIME;
	if (IS("user_annotation") || IS("User annotation"))
		return CAT_USER_ANN;
	if (IS("gpu_user_annotation") || IS("GPU user annotation"))
		return CAT_GPU_ANN;
	if (IS("python_function"))
		return CAT_PYFUNC;
	return CAT_OTHER;
#undef IS
}

static int is_gpu_cat(enum cat c)
{
	return c == CAT_KERNEL || c == CAT_MEMCPY || c == CAT_MEMSET || c == CAT_GPU_ANN;
}

static int starts_with(const char *s, size_t n, const char *prefix)
{
	size_t p = strlen(prefix);
	return n >= p && !memcmp(s, prefix, p);
}

/* "ProfilerStep#12" -> 12, else -1. */
static int64_t step_of(const char *s, size_t n)
{
	if (!starts_with(s, n, "ProfilerStep#") || n == 13)
		return -1;
	int64_t v = 0;
	for (size_t i = 13; i < n; i++) {
		if (s[i] < '0' || s[i] > '9' || v > 100000000000LL)
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* The phase an annotation name names, interned; -1 if none, -2 on nomem. */
static int phase_of(struct imp *im, const char *s, size_t n)
{
	if (n >= 6 && !memcmp(s, "## ", 3) && !memcmp(s + n - 3, " ##", 3)) {
		char buf[64];
		size_t k = 0;
		for (size_t i = 3; i < n - 3 && k < sizeof(buf) - 1; i++) {
			char c = s[i];
			buf[k++] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
		}
		while (k > 0 && buf[k - 1] == ' ')
			k--;
		size_t b = 0;
		while (b < k && buf[b] == ' ')
			b++;
		if (b == k)
			return -1;
		int id = strtab_intern(&im->phases, buf + b, k - b);
		return id < 0 ? -2 : id;
	}
	if (starts_with(s, n, "Optimizer.step#") || starts_with(s, n, "Optimizer.zero_grad#"))
		return 2;
	return -1;
}

/* Normalise a pid/tid string: digits -> the number, "stream N" -> N, other
 * strings -> a hash with the top bit set (never equal to a number). */
static int64_t id_of_string(const unsigned char *s, size_t n)
{
	size_t i = 0;
	if (n > 7 && !memcmp(s, "stream ", 7))
		i = 7;
	if (i < n) {
		int64_t v = 0;
		size_t j = i;
		for (; j < n && s[j] >= '0' && s[j] <= '9' && v < 100000000000000LL; j++)
			v = v * 10 + (s[j] - '0');
		if (j == n)
			return v;
	}
	return (int64_t)(trace_hash_bytes((const char *)s, n) | 0x4000000000000000ULL) * -1;
}

/* ---- pass 1: host side ---- */

static int thread_index(struct imp *im, int64_t pid, int64_t tid)
{
	if (im->last_thread < im->nthreads && im->threads[im->last_thread].pid == pid &&
	    im->threads[im->last_thread].tid == tid)
		return (int)im->last_thread;
	for (size_t i = 0; i < im->nthreads; i++)
		if (im->threads[i].pid == pid && im->threads[i].tid == tid)
			return (int)(im->last_thread = i);
	if (MO_GROW(im->threads, im->nthreads + 1, im->threads_cap) < 0)
		return -1;
	memset(&im->threads[im->nthreads], 0, sizeof(im->threads[0]));
	im->threads[im->nthreads].pid = pid;
	im->threads[im->nthreads].tid = tid;
	return (int)(im->last_thread = im->nthreads++);
}

/* The launch point of id in t, unless it has one: 1, or 0 on error. */
static int point_once(struct imp *im, struct imp_points *t, int64_t id, int th, int64_t ts)
{
	struct imp_point old;
	int r = imp_points_get(t, id, &old);
	if (r < 0 || (r == 0 && imp_points_set(t, id, ts, th) < 0))
		return im->failed = 1, 0;
	im->npoints += r == 0;
	return 1;
}

/* 1, or 0 on error (err filled). */
static int add_ival(struct imp *im, int thread, const struct imp_ival *v)
{
	struct imp_ival iv = *v;
	iv.list = thread * 3 + v->type - 1;
	if (imp_ivals_add(&im->ivals, &iv) < 0)
		return im->failed = 1, 0;
	return 1;
}

static int ev_times(struct imp *im, int64_t *start, int64_t *end)
{
	struct imp_event *e = &im->ev;
	if (imp_fixed_us_to_ns(e->ts, start) < 0)
		return fail(im, e->offset, "ts out of range");
	if (e->present & P_DUR) {
		if (imp_fixed_us_to_ns(e->ts + e->dur, end) < 0)
			return fail(im, e->offset, "ts + dur out of range");
	} else {
		*end = *start;
	}
	if (im->pass == 1 && (!im->have_times || *start < im->t_lo))
		im->t_lo = *start;
	if (im->pass == 1 && (!im->have_times || *end > im->t_hi))
		im->t_hi = *end;
	im->have_times = 1;
	return 1;
}

static int devstream_note(struct imp *im, int64_t device, int64_t stream, int kernel)
{
	for (size_t i = 0; i < im->nds; i++)
		if (im->ds[i].device == device && im->ds[i].stream == stream) {
			im->ds[i].kernels += (uint64_t)kernel;
			return 0;
		}
	if (MO_GROW(im->ds, im->nds + 1, im->ds_cap) < 0)
		return -1;
	im->ds[im->nds].device = device;
	im->ds[im->nds].stream = stream;
	im->ds[im->nds].kernels = (uint64_t)kernel;
	im->nds++;
	return 0;
}

static int64_t ev_device(const struct imp_event *e)
{
	if (e->args_present & (1ULL << A_DEVICE))
		return e->a[A_DEVICE];
	if ((e->present & P_PID) && e->pid >= 0)
		return e->pid;
	return -1;
}

static int64_t ev_stream(const struct imp_event *e)
{
	if (e->args_present & (1ULL << A_STREAM))
		return e->a[A_STREAM];
	if ((e->present & P_TID) && e->tid >= 0)
		return e->tid;
	return -1;
}

static int64_t ev_arg(const struct imp_event *e, enum argkey k)
{
	return (e->args_present & (1ULL << k)) ? e->a[k] : -1;
}

/* Keep a CPU op or API call for the host records (when asked). */
static int host_note(struct imp *im, int th, int64_t start, int64_t end)
{
	const struct imp_event *e = &im->ev;
	if (!im->opts.host_records)
		return 0;
	if (e->cat == CAT_CPU_OP)
		return imp_host_add_op(&im->host, th, e->pid, e->tid, start, end, e->name,
				       e->name_len, ev_arg(e, A_EXT));
	if (e->cat == CAT_RUNTIME)
		return imp_host_add_call(&im->host, th, e->pid, e->tid, start, end, e->name,
					 e->name_len, ev_arg(e, A_EXT), ev_arg(e, A_CORR));
	return 0;
}

static int pass1_event(struct imp *im)
{
	struct imp_event *e = &im->ev;
	int64_t start, end;
	int th;

	if (e->ph != 'X')
		return 1;
	if (!ev_times(im, &start, &end))
		return 0;
	if (e->cat == CAT_GPU_ANN) {
		/* few: kept and written with the host markers, not in pass 2 */
		int phase = phase_of(im, e->name, e->name_len);
		int nid = strtab_intern(&im->names, e->name, e->name_len);
		if (phase == -2 || nid < 0 || MO_GROW(im->annots, im->nannots + 1, im->annots_cap) < 0)
			return nomem(im);
		struct annot *a = &im->annots[im->nannots++];
		memset(a, 0, sizeof(*a));
		a->start = start;
		a->end = end;
		a->tid_index = -1;
		a->phase = phase;
		a->step = step_of(e->name, e->name_len);
		a->name = nid;
		a->gpu = 1;
		a->device = ev_device(e);
		a->stream = ev_stream(e);
		if (devstream_note(im, a->device, a->stream, 0) < 0)
			return nomem(im);
		return 1;
	}
	if (is_gpu_cat(e->cat)) {
		if (devstream_note(im, ev_device(e), ev_stream(e), e->cat == CAT_KERNEL) < 0)
			return nomem(im);
		if (imp_spill_put(&im->spill, e, im->name, im->err) < 0)
			im->failed = 1;
		return !im->failed;
	}
	if (e->cat != CAT_CPU_OP && e->cat != CAT_RUNTIME && e->cat != CAT_USER_ANN &&
	    e->cat != CAT_PYFUNC)
		return 1;
	th = thread_index(im, e->pid, e->tid);
	if (th < 0)
		return nomem(im);
	if (host_note(im, th, start, end) < 0)
		return im->failed = 1, 0;

	if (e->cat == CAT_RUNTIME) {
		int64_t corr = ev_arg(e, A_CORR), ext = ev_arg(e, A_EXT);
		if (corr < 0)
			return 1;
		/* with an External id, the kernel carries it too: one launch point
		 * per External id (this call's, or its op's) is enough */
		return point_once(im, ext >= 0 ? &im->ext_pts : &im->corr_pts, ext >= 0 ? ext : corr,
				  th, start);
	}
	if (e->cat == CAT_PYFUNC) {
		if (!starts_with(e->name, e->name_len, "nn.Module: "))
			return 1;
		int id = strtab_intern(&im->names, e->name + 11, e->name_len - 11);
		if (id < 0)
			return nomem(im);
		struct imp_ival v = {.start = start, .end = end, .seq = -1, .parent = -1,
				 .aux = id, .type = IV_MOD};
		return add_ival(im, th, &v);
	}
	/* CPU ops and user annotations: annotations by name */
	int64_t step = step_of(e->name, e->name_len);
	int phase = phase_of(im, e->name, e->name_len);
	if (phase == -2)
		return nomem(im);
	if (e->cat == CAT_USER_ANN || step >= 0 || phase >= 0) {
		int nid = strtab_intern(&im->names, e->name, e->name_len);
		if (nid < 0 || MO_GROW(im->annots, im->nannots + 1, im->annots_cap) < 0)
			return nomem(im);
		struct annot *a = &im->annots[im->nannots];
		memset(a, 0, sizeof(*a));
		a->start = start;
		a->end = end;
		a->tid_index = th;
		a->phase = phase;
		a->step = step;
		a->name = nid;
		struct imp_ival v = {.start = start, .end = end, .seq = -1, .parent = -1,
				 .aux = (int32_t)im->nannots, .type = IV_ANN};
		im->nannots++;
		return add_ival(im, th, &v);
	}
	/* a CPU op */
	struct imp_ival v = {.start = start, .end = end, .seq = ev_arg(e, A_SEQ), .parent = -1,
			 .type = IV_OP};
	if (starts_with(e->name, e->name_len, "autograd::engine::evaluate_function") ||
	    ev_arg(e, A_FWDTID) > 0)
		v.flags |= IVF_BWD;
	/* only backward ops need their interval (to mark what they launch);
	 * any other op is just a launch point for its External id */
	if ((v.flags & IVF_BWD) && !add_ival(im, th, &v))
		return 0;
	int64_t ext = ev_arg(e, A_EXT);
	if (ext >= 0 && !point_once(im, &im->ext_pts, ext, th, start))
		return 0;
	if (v.seq >= 0 && !(v.flags & IVF_BWD)) {
		/* the outermost (earliest) forward op of a Sequence number */
		struct imp_point old;
		int r = imp_points_get(&im->seq_pts, v.seq, &old);
		if (r < 0 || ((r == 0 || old.ts > start) &&
			      imp_points_set(&im->seq_pts, v.seq, start, th) < 0))
			return im->failed = 1, 0;
		im->npoints += r == 0;
	}
	return 1;
}

static int step_cmp(const void *a, const void *b, void *ctx)
{
	const struct annot *an = ctx;
	const struct annot *x = &an[*(const size_t *)a], *y = &an[*(const size_t *)b];
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

/* Sort each thread's intervals, link parents, compute module depths; order
 * the step annotations.  0, or a negative MO code with err filled. */
static int pass1_finish(struct imp *im)
{
	int rc = imp_ivals_finish(&im->ivals, im->nthreads * 3);
	if (rc != 0)
		return rc;
	if (im->st) {
		im->st->host_events = im->npoints;
		for (size_t t = 0; t < im->nthreads * 3; t++)
			im->st->host_events += imp_ivals_count(&im->ivals, (int)t);
	}
	/* step annotations by start, for the time-based fallback */
	im->step_order = malloc((im->nannots + 1) * sizeof(size_t));
	if (!im->step_order)
		return mo_err_set(im->err, MO_ENOMEM, "cannot import '%s': out of memory", im->name);
	im->nsteps = 0;
	for (size_t i = 0; i < im->nannots; i++)
		if (im->annots[i].step >= 0 && !im->annots[i].gpu)
			im->step_order[im->nsteps++] = i;
	qsort_r(im->step_order, im->nsteps, sizeof(size_t), step_cmp, im->annots);
	return 0;
}

/* ---- attribution ---- */

struct attrib {
	int module_name; /* name id or -1 */
	int phase;
	int64_t step;
};

static void attribute_point(struct imp *im, int thread, int64_t ts, int launch, struct attrib *a,
			    int *bwd, int64_t *bwd_seq)
{
	struct imp_ival iv;
	int list = thread * 3;
	*bwd = 0;
	*bwd_seq = -1;
	for (int32_t i = imp_ivals_deepest(&im->ivals, list + IV_ANN - 1, ts); i >= 0; i = iv.parent) {
		imp_ivals_get(&im->ivals, list + IV_ANN - 1, i, &iv);
		const struct annot *an = &im->annots[iv.aux];
		if (a->phase < 0 && an->phase >= 0)
			a->phase = an->phase;
		if (a->step < 0 && an->step >= 0)
			a->step = an->step;
	}
	/* backward ops only */
	for (int32_t i = imp_ivals_deepest(&im->ivals, list + IV_OP - 1, ts); i >= 0; i = iv.parent) {
		imp_ivals_get(&im->ivals, list + IV_OP - 1, i, &iv);
		if (iv.flags & IVF_BWD) {
			*bwd = 1;
			if (iv.seq >= 0)
				*bwd_seq = iv.seq; /* ends as the outermost one's */
		}
	}
	int32_t m = imp_ivals_deepest(&im->ivals, list + IV_MOD - 1, ts);
	if (m >= 0 && a->module_name < 0) {
		/* the enclosing module at module_depth, or the deepest one */
		imp_ivals_get(&im->ivals, list + IV_MOD - 1, m, &iv);
		while (iv.depth > im->opts.module_depth && iv.parent >= 0)
			imp_ivals_get(&im->ivals, list + IV_MOD - 1, iv.parent, &iv);
		a->module_name = iv.aux;
		if (a->phase < 0 && !*bwd)
			a->phase = 0; /* forward: inside a module, outside backward */
	}
	if (a->phase < 0 && launch && !*bwd)
		a->phase = 0; /* forward: launched by host code outside backward */
}

/* The launch point of id in t: 1 with *p, 0 when there is none (or on an
 * error, which sets im->failed). */
static int launch_point(struct imp *im, struct imp_points *t, int64_t id, struct imp_point *p)
{
	if (id < 0)
		return 0;
	int r = imp_points_get(t, id, p);
	if (r < 0)
		im->failed = 1;
	return r > 0;
}

static void attribute(struct imp *im, const struct imp_event *e, int64_t start, struct attrib *a)
{
	struct imp_point p, fp;
	int bwd = 0;
	int64_t seq = -1;

	a->module_name = -1;
	a->phase = -1;
	a->step = -1;
	int found = launch_point(im, &im->corr_pts, ev_arg(e, A_CORR), &p) ||
		    launch_point(im, &im->ext_pts, ev_arg(e, A_EXT), &p);
	int64_t launch_ts = start;
	if (found) {
		launch_ts = p.ts;
		attribute_point(im, p.thread, launch_ts, 1, a, &bwd, &seq);
		if (bwd) {
			if (a->phase < 0)
				a->phase = 1;
			if (launch_point(im, &im->seq_pts, seq, &fp)) {
				int b2;
				int64_t s2;
				int keep_phase = a->phase;
				int64_t keep_step = a->step;
				/* the forward op gives the module; phase and step are
				 * the backward launch's own (the forward may lie in an
				 * earlier step) */
				attribute_point(im, fp.thread, fp.ts, 1, a, &b2, &s2);
				a->phase = keep_phase;
				a->step = keep_step;
			}
		}
	}
	if (a->step < 0 && im->nsteps) {
		/* the last step annotation starting at or before the launch */
		size_t lo = 0, hi = im->nsteps;
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;
			if (im->annots[im->step_order[mid]].start <= launch_ts)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (size_t k = lo; k-- > 0;) {
			const struct annot *an = &im->annots[im->step_order[k]];
			if (an->end >= launch_ts) {
				a->step = an->step;
				break;
			}
			if (lo - k > 8)
				break;
		}
	}
}

/* ---- pass 2: GPU records through the reorder heap ---- */

static int heap_less(const struct reorder_item *x, const struct reorder_item *y)
{
	return x->start < y->start || (x->start == y->start && x->seq < y->seq);
}

/* Definitions, markers and host records are counted as they are written
 * (GPU activities when attributed: pass2_event). */
static void count_written(struct trace_import_stats *st, int kind)
{
	switch (kind) {
	case TRACE_KIND_DEVICE: st->devices++; break;
	case TRACE_KIND_STREAM: st->streams++; break;
	case TRACE_KIND_PHASE: st->phases++; break;
	case TRACE_KIND_MODULE: st->modules++; break;
	case TRACE_KIND_MARKER: st->markers++; break;
	case TRACE_KIND_THREAD: st->threads++; break;
	case TRACE_KIND_CPU_OP: st->cpu_ops++; break;
	case TRACE_KIND_API_CALL: st->api_calls++; break;
	default: break;
	}
}

static int emit(struct imp *im, const struct trace_record *rec)
{
	int rc = im->sink->record(im->sink->ctx, rec, im->err);
	if (rc) {
		im->failed = 1;
		return rc < 0 ? rc : -MO_EIO;
	}
	if (im->st)
		count_written(im->st, rec->kind);
	return 0;
}

static int heap_pop_emit(struct imp *im)
{
	struct reorder_item top = im->heap[0];
	struct reorder_slot *sl = &im->slots[top.slot];
	im->heap[0] = im->heap[--im->nheap];
	size_t i = 0;
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < im->nheap && heap_less(&im->heap[l], &im->heap[m]))
			m = l;
		if (r < im->nheap && heap_less(&im->heap[r], &im->heap[m]))
			m = r;
		if (m == i)
			break;
		struct reorder_item tmp = im->heap[i];
		im->heap[i] = im->heap[m];
		im->heap[m] = tmp;
		i = m;
	}
	if (im->emitted_any && top.start < im->last_emitted && im->st)
		im->st->out_of_order++;
	im->last_emitted = top.start;
	im->emitted_any = 1;
	im->free_slots[im->nfree++] = top.slot; /* room: one per slot */
	return emit(im, &sl->rec);
}

/* Copy rec's strings into one allocation owned by the item. */
static int heap_push(struct imp *im, const struct trace_record *rec, int64_t start)
{
	const char **fields[3];
	int nf = 0;
	struct reorder_item it;

	if (im->nheap >= (size_t)im->opts.reorder_window) {
		int rc = heap_pop_emit(im);
		if (rc)
			return rc;
	}
	if (!im->nfree) { /* a new slot (the free list has room for every slot) */
		if (MO_GROW(im->slots, im->nslots + 1, im->slots_cap) < 0 ||
		    MO_GROW(im->free_slots, im->nslots + 1, im->free_cap) < 0)
			return nomem(im), -MO_ENOMEM;
		memset(&im->slots[im->nslots], 0, sizeof(*im->slots));
		im->free_slots[im->nfree++] = (uint32_t)im->nslots++;
	}
	if (MO_GROW(im->heap, im->nheap + 1, im->heap_cap) < 0)
		return nomem(im), -MO_ENOMEM;
	it.start = start;
	it.seq = im->seqno++;
	it.slot = im->free_slots[--im->nfree];
	struct reorder_slot *sl = &im->slots[it.slot];
	sl->rec = *rec;
	switch (rec->kind) {
	case TRACE_KIND_KERNEL: fields[nf++] = &sl->rec.u.kernel.name; break;
	case TRACE_KIND_MEMCPY: fields[nf++] = &sl->rec.u.memcpy.name; break;
	case TRACE_KIND_MEMSET: fields[nf++] = &sl->rec.u.memset.name; break;
	case TRACE_KIND_COLLECTIVE:
		fields[nf++] = &sl->rec.u.collective.name;
		fields[nf++] = &sl->rec.u.collective.group;
		fields[nf++] = &sl->rec.u.collective.dtype;
		break;
	case TRACE_KIND_MARKER:
		fields[nf++] = &sl->rec.u.marker.name;
		fields[nf++] = &sl->rec.u.marker.category;
		break;
	default: break;
	}
	size_t total = 1;
	for (int i = 0; i < nf; i++)
		total += strlen(*fields[i]) + 1;
	if (MO_GROW(sl->strs, total, sl->strs_cap) < 0) {
		im->free_slots[im->nfree++] = it.slot;
		return nomem(im), -MO_ENOMEM;
	}
	char *p = sl->strs;
	for (int i = 0; i < nf; i++) {
		size_t l = strlen(*fields[i]) + 1;
		memcpy(p, *fields[i], l);
		*fields[i] = p;
		p += l;
	}
	size_t i = im->nheap++;
	im->heap[i] = it;
	while (i > 0) {
		size_t par = (i - 1) / 2;
		if (!heap_less(&im->heap[i], &im->heap[par]))
			break;
		struct reorder_item tmp = im->heap[i];
		im->heap[i] = im->heap[par];
		im->heap[par] = tmp;
		i = par;
	}
	return 0;
}

static int coll_kind(const char *s)
{
	char b[32];
	size_t k = 0;
	for (; *s && k < sizeof(b) - 1; s++) {
		char c = *s;
		if (c == '_' || c == ' ' || c == '-')
			continue;
		b[k++] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	b[k] = '\0';
	static const struct { const char *n; int kind; } t[] = {
		{"allreduce", TRACE_COLL_ALLREDUCE}, {"allgather", TRACE_COLL_ALLGATHER},
		{"allgatherbase", TRACE_COLL_ALLGATHER}, {"allgatherintotensorcoalesced", TRACE_COLL_ALLGATHER},
		{"reducescatter", TRACE_COLL_REDUCESCATTER},
		{"reducescattertensorcoalesced", TRACE_COLL_REDUCESCATTER},
		{"broadcast", TRACE_COLL_BROADCAST}, {"reduce", TRACE_COLL_REDUCE},
		{"alltoall", TRACE_COLL_ALLTOALL}, {"alltoallv", TRACE_COLL_ALLTOALL},
		{"alltoallbase", TRACE_COLL_ALLTOALL}, {"send", TRACE_COLL_SEND},
		{"recv", TRACE_COLL_RECV}, {"sendrecv", TRACE_COLL_SEND},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (!strcmp(b, t[i].n))
			return t[i].kind;
	return TRACE_COLL_UNKNOWN;
}

/* The collective from an NCCL kernel name: ncclKernel_AllReduce_RING_LL_Sum_float,
 * ncclDevKernel_AllGather_RING_LL, ... */
static int coll_from_kernel(const char *name)
{
	const char *p = strchr(name, '_');
	if (!p)
		return TRACE_COLL_UNKNOWN;
	char b[32];
	size_t k = 0;
	for (p++; *p && *p != '_' && *p != '(' && k < sizeof(b) - 1; p++)
		b[k++] = *p;
	b[k] = '\0';
	return coll_kind(b);
}

static int64_t dtype_bytes(const char *d)
{
	static const struct { const char *n; int b; } t[] = {
		{"float", 4}, {"float32", 4}, {"int", 4}, {"int32", 4}, {"uint32", 4},
		{"double", 8}, {"float64", 8}, {"long", 8}, {"int64", 8}, {"uint64", 8},
		{"half", 2}, {"float16", 2}, {"bfloat16", 2}, {"short", 2}, {"int16", 2},
		{"byte", 1}, {"char", 1}, {"int8", 1}, {"uint8", 1}, {"bool", 1},
		{"float8_e4m3fn", 1}, {"float8_e5m2", 1}, {"float8_e4m3fnuz", 1},
		{"float8_e5m2fnuz", 1},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (!strcasecmp(d, t[i].n))
			return t[i].b;
	return -1;
}

/* This rank's index in "[0, 1, 5]", or -1. */
static int64_t rank_in(const char *ranks, int64_t rank)
{
	if (rank < 0 || !ranks[0])
		return -1;
	int64_t idx = 0;
	const char *p = ranks;
	while (*p) {
		while (*p && (*p < '0' || *p > '9'))
			p++;
		if (!*p)
			break;
		int64_t v = 0;
		while (*p >= '0' && *p <= '9') {
			v = v * 10 + (*p - '0');
			p++;
			if (v > 1000000000)
				return -1;
		}
		if (v == rank)
			return idx;
		idx++;
	}
	return -1;
}

static int copy_kind_of(const char *name)
{
	if (strstr(name, "HtoD"))
		return TRACE_COPY_HTOD;
	if (strstr(name, "DtoH"))
		return TRACE_COPY_DTOH;
	if (strstr(name, "DtoD"))
		return TRACE_COPY_DTOD;
	if (strstr(name, "HtoH"))
		return TRACE_COPY_HTOH;
	if (strstr(name, "PtoP"))
		return TRACE_COPY_PTOP;
	return TRACE_COPY_UNKNOWN;
}

static int module_out(const struct imp *im, int name_id)
{
	if (name_id < 0 || (size_t)name_id >= im->mod_out_n)
		return -1;
	return im->mod_out[name_id];
}

#define FILL_ACTIVITY(r)                                                         \
	do {                                                                     \
		(r).start_ns = im->base_ns + start;                              \
		(r).end_ns = im->base_ns + end;                                  \
		(r).device = ev_device(e);                                       \
		(r).stream = ev_stream(e);                                       \
		(r).module = module_out(im, at.module_name);                     \
		(r).phase = at.phase;                                            \
		(r).step = at.step;                                              \
		(r).correlation = ev_arg(e, A_CORR);                             \
	} while (0)

#define FILL_LAUNCH(r)                                                           \
	do {                                                                     \
		if (e->args_present & (1ULL << A_GRID)) {                        \
			(r).grid_x = e->grid[0];                                 \
			(r).grid_y = e->grid[1];                                 \
			(r).grid_z = e->grid[2];                                 \
		}                                                                \
		if (e->args_present & (1ULL << A_BLOCK)) {                       \
			(r).block_x = e->block[0];                               \
			(r).block_y = e->block[1];                               \
			(r).block_z = e->block[2];                               \
		}                                                                \
		(r).registers = ev_arg(e, A_REGS);                               \
		if (e->args_present & ((1ULL << A_SMEM_STATIC) | (1ULL << A_SMEM_DYN))) { \
			(r).static_smem = ev_arg(e, A_SMEM_STATIC);              \
			(r).dynamic_smem = ev_arg(e, A_SMEM_DYN);                \
		} else {                                                         \
			(r).static_smem = ev_arg(e, A_SMEM);                     \
		}                                                                \
	} while (0)

static int pass2_event(struct imp *im)
{
	struct imp_event *e = &im->ev;
	struct trace_record rec;
	struct attrib at;
	int64_t start, end;

	if (e->ph != 'X' || !is_gpu_cat(e->cat))
		return 1;
	if (!ev_times(im, &start, &end))
		return 0;
	const char *name = e->name ? e->name : "";
	if (e->cat == CAT_GPU_ANN)
		return 1; /* written with the markers, after pass 1 */
	attribute(im, e, start, &at);
	if (e->cat == CAT_KERNEL) {
		int is_coll = (e->coll[0] != '\0') || starts_with(name, e->name_len, "nccl");
		if (im->st) {
			if (at.module_name >= 0 && module_out(im, at.module_name) >= 0)
				im->st->attributed++;
			if (at.phase >= 0)
				im->st->phased++;
		}
		if (is_coll) {
			trace_record_init(&rec, TRACE_KIND_COLLECTIVE);
			struct trace_collective *c = &rec.u.collective;
			FILL_ACTIVITY(*c);
			FILL_LAUNCH(*c);
			c->coll = e->coll[0] ? coll_kind(e->coll) : coll_from_kernel(name);
			int64_t nel = ev_arg(e, A_IN_NELEMS), db = dtype_bytes(e->dtype);
			c->bytes = (nel >= 0 && db > 0) ? nel * db : -1;
			c->group_size = ev_arg(e, A_GROUP_SIZE);
			c->group_rank = rank_in(e->pg_ranks, im->rank);
			c->group = e->pg_name;
			c->dtype = e->dtype;
			c->name = name;
			if (im->st)
				im->st->collectives++;
		} else {
			trace_record_init(&rec, TRACE_KIND_KERNEL);
			struct trace_kernel *k = &rec.u.kernel;
			FILL_ACTIVITY(*k);
			FILL_LAUNCH(*k);
			k->occupancy_pct = ev_arg(e, A_OCC);
			k->name = name;
			if (im->st)
				im->st->kernels++;
		}
	} else if (e->cat == CAT_MEMCPY) {
		trace_record_init(&rec, TRACE_KIND_MEMCPY);
		struct trace_memcpy *m = &rec.u.memcpy;
		FILL_ACTIVITY(*m);
		m->bytes = ev_arg(e, A_BYTES);
		m->copy_kind = copy_kind_of(name);
		m->name = name;
		if (im->st)
			im->st->memcpys++;
	} else {
		trace_record_init(&rec, TRACE_KIND_MEMSET);
		struct trace_memset *m = &rec.u.memset;
		FILL_ACTIVITY(*m);
		m->bytes = ev_arg(e, A_BYTES);
		m->name = name;
		if (im->st)
			im->st->memsets++;
	}
	return heap_push(im, &rec, start) ? 0 : 1;
}

/* ------------------------------------------------------------------------ */
/* JSON callbacks                                                            */
/* ------------------------------------------------------------------------ */

static enum frame top(const struct imp *im)
{
	return im->stack[im->depth - 1];
}

static int push(struct imp *im, enum frame f)
{
	if (im->depth >= (int)(sizeof(im->stack) / sizeof(im->stack[0])))
		return fail(im, cur_offset(im), "nesting too deep");
	im->stack[im->depth++] = f;
	im->key = 0;
	return 1;
}

static void event_reset(struct imp *im)
{
	struct imp_event *e = &im->ev;
	e->present = 0;
	e->args_present = 0;
	e->ph = 0;
	e->cat = CAT_OTHER;
	e->name_len = 0;
	if (e->name)
		e->name[0] = '\0';
	e->coll[0] = e->dtype[0] = e->pg_name[0] = e->pg_ranks[0] = '\0';
	e->pid = e->tid = -1;
}

static int finish_event(struct imp *im)
{
	struct imp_event *e = &im->ev;

	if (im->st && im->pass == 1)
		im->st->events++;
	if (!(e->present & P_PH))
		return fail(im, e->offset, "event has no \"ph\" (not a Chrome trace event)");
	if (e->ph == 'X' || e->ph == 'B' || e->ph == 'E' || e->ph == 'i' || e->ph == 'I') {
		if (!(e->present & P_TS))
			return fail(im, e->offset, "event '%.80s' has no \"ts\"", e->name ? e->name : "");
	}
	if (e->ph == 'X') {
		if (!(e->present & P_DUR))
			return fail(im, e->offset, "complete event '%.80s' has no \"dur\"",
				    e->name ? e->name : "");
		if (e->dur < 0)
			return fail(im, e->offset, "event '%.80s' has a negative \"dur\"",
				    e->name ? e->name : "");
	}
	if (im->pass == 1) {
		int r = pass1_event(im);
		if (r && im->st && !(e->ph == 'X' && (is_gpu_cat(e->cat) || e->cat == CAT_CPU_OP ||
						   e->cat == CAT_RUNTIME || e->cat == CAT_USER_ANN ||
						   e->cat == CAT_PYFUNC)))
			im->st->ignored++;
		return r;
	}
	return pass2_event(im);
}

/* A container the importer does not read (an object or array where it
 * wants neither): the JSON reader checks the rest of it without callbacks. */
static int skip_container(struct imp *im)
{
	imp_json_skip_container(&im->json);
	return 1;
}

static int cb_start_map(void *ctx)
{
	struct imp *im = ctx;
	if (im->depth == 0) {
		if (im->top_seen)
			return fail(im, cur_offset(im), "more than one JSON value");
		im->top_seen = 1;
		return push(im, F_TOP_MAP);
	}
	switch (top(im)) {
	case F_TOP_MAP:
		if (im->key == T_DINFO)
			return push(im, F_DINFO);
		if (im->key == T_EVENTS)
			return fail(im, cur_offset(im), "\"traceEvents\" is not an array");
		return skip_container(im);
	case F_EVENTS:
		event_reset(im);
		im->ev.offset = cur_offset(im) - 1;
		return push(im, F_EVENT);
	case F_EVENT:
		if (im->key == E_ARGS) {
			im->ev.present |= P_ARGS;
			return push(im, F_ARGS);
		}
		if (im->key >= E_PH && im->key <= E_DUR)
			return fail(im, im->ev.offset, "event field is an object, not a value");
		return skip_container(im);
	case F_PROPS:
		memset(&im->cur_prop, 0, sizeof(im->cur_prop));
		trace_header_init(&im->cur_prop.h);
		im->cur_prop.id = -1;
		return push(im, F_PROP);
	default:
		return skip_container(im);
	}
}

static int cb_end_map(void *ctx)
{
	struct imp *im = ctx;
	enum frame f = top(im);
	im->depth--;
	im->key = 0;
	if (f == F_EVENT) {
		im->key = 0;
		return finish_event(im);
	}
	if (f == F_ARGS) {
		im->key = E_NONE;
		return 1;
	}
	if (f == F_PROP) {
		if (im->pass == 1) {
			if (MO_GROW(im->props, im->nprops + 1, im->props_cap) < 0) {
				free(im->cur_prop.name);
				return nomem(im);
			}
			im->props[im->nprops++] = im->cur_prop;
		} else {
			free(im->cur_prop.name);
		}
		memset(&im->cur_prop, 0, sizeof(im->cur_prop));
		return 1;
	}
	if (f == F_TOP_MAP && !im->have_events)
		return fail(im, cur_offset(im), "no \"traceEvents\" array: not a Kineto / Chrome trace");
	return 1;
}

static int cb_start_array(void *ctx)
{
	struct imp *im = ctx;
	if (im->depth == 0) {
		if (im->top_seen)
			return fail(im, cur_offset(im), "more than one JSON value");
		im->top_seen = 1;
		im->have_events = 1;
		return push(im, F_EVENTS);
	}
	switch (top(im)) {
	case F_TOP_MAP:
		if (im->key == T_EVENTS) {
			if (im->have_events)
				return fail(im, cur_offset(im), "more than one \"traceEvents\"");
			im->have_events = 1;
			return push(im, F_EVENTS);
		}
		if (im->key == T_PROPS)
			return push(im, F_PROPS);
		return skip_container(im);
	case F_EVENTS:
		return fail(im, cur_offset(im), "trace event is an array, not an object");
	case F_EVENT:
		if (im->key == E_ARGS)
			return fail(im, im->ev.offset, "event \"args\" is not an object");
		if (im->key >= E_PH && im->key <= E_DUR)
			return fail(im, im->ev.offset, "event field is an array, not a value");
		return skip_container(im);
	case F_ARGS:
		if (im->key == A_GRID || im->key == A_BLOCK) {
			int k = im->key;
			im->dim_index = 0;
			int r = push(im, F_ARGS_DIM);
			im->key = k;
			if (k == A_GRID)
				im->ev.grid[0] = im->ev.grid[1] = im->ev.grid[2] = 1;
			else
				im->ev.block[0] = im->ev.block[1] = im->ev.block[2] = 1;
			im->ev.args_present |= 1ULL << k;
			return r;
		}
		return skip_container(im);
	default:
		return skip_container(im);
	}
}

static int cb_end_array(void *ctx)
{
	struct imp *im = ctx;
	enum frame f = top(im);
	im->depth--;
	im->key = f == F_ARGS_DIM ? A_NONE : 0;
	return 1;
}

#define KEY_IS(lit) (len == sizeof(lit) - 1 && !memcmp(s, lit, len))

/* The args key s names (both spellings of External id), by length first:
 * called for every args key, where a table scan cost 4% of an import. */
static enum argkey arg_key(const unsigned char *s, size_t len)
{
	switch (len) {
	case 4: return KEY_IS("grid") ? A_GRID : A_NONE;
	case 5: return KEY_IS("block") ? A_BLOCK : KEY_IS("bytes") ? A_BYTES
		     : KEY_IS("dtype") ? A_DTYPE : A_NONE;
	case 6: return KEY_IS("device") ? A_DEVICE : KEY_IS("stream") ? A_STREAM : A_NONE;
	case 10: return KEY_IS("Group size") ? A_GROUP_SIZE : A_NONE;
	case 11: return KEY_IS("External id") || KEY_IS("external id") ? A_EXT
		      : KEY_IS("correlation") ? A_CORR : A_NONE;
	case 13: return KEY_IS("shared memory") ? A_SMEM : KEY_IS("Fwd thread id") ? A_FWDTID
		      : KEY_IS("In msg nelems") ? A_IN_NELEMS : A_NONE;
	case 14: return KEY_IS("Out msg nelems") ? A_OUT_NELEMS : A_NONE;
	case 15: return KEY_IS("Sequence number") ? A_SEQ
		      : KEY_IS("Collective name") ? A_COLL : A_NONE;
	case 18: return KEY_IS("Process Group Name") ? A_PG_NAME : A_NONE;
	case 19: return KEY_IS("Process Group Ranks") ? A_PG_RANKS : A_NONE;
	case 20: return KEY_IS("registers per thread") ? A_REGS
		      : KEY_IS("static shared memory") ? A_SMEM_STATIC : A_NONE;
	case 21: return KEY_IS("dynamic shared memory") ? A_SMEM_DYN : A_NONE;
	case 25: return KEY_IS("est. achieved occupancy %") ? A_OCC : A_NONE;
	default: return A_NONE;
	}
}

static int cb_map_key(void *ctx, const unsigned char *s, size_t len)
{
	struct imp *im = ctx;
	switch (top(im)) {
	case F_EVENT:
		im->key = E_NONE;
		switch (len) {
		case 2:
			if (KEY_IS("ph")) im->key = E_PH;
			else if (KEY_IS("ts")) im->key = E_TS;
			break;
		case 3:
			if (KEY_IS("cat")) im->key = E_CAT;
			else if (KEY_IS("pid")) im->key = E_PID;
			else if (KEY_IS("tid")) im->key = E_TID;
			else if (KEY_IS("dur")) im->key = E_DUR;
			break;
		case 4:
			if (KEY_IS("name")) im->key = E_NAME;
			else if (KEY_IS("args")) im->key = E_ARGS;
			break;
		}
		if (im->key == E_NONE)
			imp_json_skip_value(&im->json);
		return 1;
	case F_ARGS:
		im->key = arg_key(s, len);
		if (im->key == A_NONE)
			imp_json_skip_value(&im->json);
		return 1;
	case F_TOP_MAP:
		im->key = T_NONE;
		if (KEY_IS("traceEvents")) im->key = T_EVENTS;
		else if (KEY_IS("deviceProperties")) im->key = T_PROPS;
		else if (KEY_IS("baseTimeNanoseconds")) im->key = T_BASE;
		else if (KEY_IS("distributedInfo")) im->key = T_DINFO;
		if (im->key == T_NONE)
			imp_json_skip_value(&im->json);
		return 1;
	case F_PROP: {
		static const char *const pk[] = {
			"id", "name", "totalGlobalMem", "computeMajor", "computeMinor",
			"maxThreadsPerBlock", "maxThreadsPerMultiprocessor", "regsPerBlock",
			"regsPerMultiprocessor", "warpSize", "sharedMemPerBlock",
			"sharedMemPerMultiprocessor", "numSms", "sharedMemPerBlockOptin",
			"multiProcessorCount",
		};
		im->prop_key = -1;
		for (size_t i = 0; i < sizeof(pk) / sizeof(pk[0]); i++)
			if (strlen(pk[i]) == len && !memcmp(pk[i], s, len))
				im->prop_key = (int)i;
		return 1;
	}
	case F_DINFO:
		im->key = KEY_IS("rank") ? 1 : 0;
		return 1;
	default:
		return 1;
	}
}

static void prop_set(struct imp *im, int64_t v)
{
	struct trace_header *h = &im->cur_prop.h;
	switch (im->prop_key) {
	case 0: im->cur_prop.id = v; break;
	case 2: h->gpu_mem_bytes = v; break;
	case 3: h->gpu_cc_major = v; break;
	case 4: h->gpu_cc_minor = v; break;
	case 5: h->gpu_max_threads_per_block = v; break;
	case 6: h->gpu_max_threads_per_sm = v; break;
	case 7: h->gpu_regs_per_block = v; break;
	case 8: h->gpu_regs_per_sm = v; break;
	case 9: h->gpu_warp_size = v; break;
	case 10: h->gpu_smem_per_block = v; break;
	case 11: h->gpu_smem_per_sm = v; break;
	case 12: case 14: h->gpu_sms = v; break;
	case 13: h->gpu_smem_per_block_optin = v; break;
	default: break;
	}
}

static int wrong_type(struct imp *im, const char *what)
{
	static const char *const names[] = {"", "ph", "cat", "name", "pid", "tid", "ts", "dur", "args"};
	return fail(im, im->ev.offset, "event \"%s\" is %s", names[im->key], what);
}

static int cb_number(void *ctx, const char *s, size_t len)
{
	struct imp *im = ctx;
	imp_fixed v;

	if (im->depth == 0)
		return fail(im, cur_offset(im), "a number, not a trace");
	switch (top(im)) {
	case F_EVENT:
		switch (im->key) {
		case E_TS:
		case E_DUR:
			if (imp_parse_fixed(s, len, &v) < 0)
				return fail(im, im->ev.offset, "number '%.*s' out of range",
					    (int)(len > 40 ? 40 : len), s);
			if (im->key == E_TS) {
				im->ev.ts = v;
				im->ev.present |= P_TS;
			} else {
				im->ev.dur = v;
				im->ev.present |= P_DUR;
			}
			return 1;
		case E_PID:
		case E_TID: {
			int64_t iv;
			if (imp_parse_int(s, len, &iv) < 0)
				iv = 0;
			if (im->key == E_PID) {
				im->ev.pid = iv;
				im->ev.present |= P_PID;
			} else {
				im->ev.tid = iv;
				im->ev.present |= P_TID;
			}
			return 1;
		}
		case E_PH: return wrong_type(im, "a number, not a string");
		case E_CAT: return wrong_type(im, "a number, not a string");
		case E_NAME: return wrong_type(im, "a number, not a string");
		case E_ARGS: return wrong_type(im, "a number, not an object");
		default: return 1;
		}
	case F_ARGS:
		if (im->key == A_NONE || im->key == A_COLL || im->key == A_DTYPE ||
		    im->key == A_PG_NAME || im->key == A_PG_RANKS || im->key == A_GRID ||
		    im->key == A_BLOCK)
			return 1;
		if (imp_parse_int(s, len, &im->ev.a[im->key]) < 0)
			return 1; /* out of range: treat as absent */
		im->ev.args_present |= 1ULL << im->key;
		return 1;
	case F_ARGS_DIM:
		if (im->dim_index < 3) {
			int64_t *d = im->key == A_GRID ? im->ev.grid : im->ev.block;
			int64_t iv;
			if (imp_parse_int(s, len, &iv) == 0)
				d[im->dim_index] = iv;
		}
		im->dim_index++;
		return 1;
	case F_TOP_MAP:
		if (im->key == T_BASE) {
			im->base_off = cur_offset(im);
			if (imp_parse_fixed(s, len, &v) != 0 || v > (imp_fixed)INT64_MAX * IMP_FIXED_ONE ||
			    v < (imp_fixed)INT64_MIN * IMP_FIXED_ONE)
				return fail(im, im->base_off, "baseTimeNanoseconds out of range");
			im->base_ns = imp_fixed_to_int(v);
			im->have_base = 1;
		}
		return 1;
	case F_PROP:
		if (imp_parse_fixed(s, len, &v) == 0)
			prop_set(im, imp_fixed_to_int(v));
		return 1;
	case F_DINFO:
		if (im->key == 1 && imp_parse_fixed(s, len, &v) == 0)
			im->rank = imp_fixed_to_int(v);
		return 1;
	case F_EVENTS:
		return fail(im, cur_offset(im), "trace event is a number, not an object");
	default:
		return 1;
	}
}

static void copy_small(char *dst, size_t cap, const unsigned char *s, size_t len)
{
	if (len >= cap)
		len = cap - 1;
	memcpy(dst, s, len);
	dst[len] = '\0';
}

static int cb_string(void *ctx, const unsigned char *s, size_t len)
{
	struct imp *im = ctx;
	struct imp_event *e = &im->ev;

	if (im->depth == 0)
		return fail(im, cur_offset(im), "a string, not a trace");
	switch (top(im)) {
	case F_EVENT:
		switch (im->key) {
		case E_PH:
			e->ph = len ? (char)s[0] : 0;
			e->present |= P_PH;
			return 1;
		case E_CAT:
			e->cat = cat_of(s, len);
			return 1;
		case E_NAME:
			if (len > NAME_MAX_KEEP)
				len = NAME_MAX_KEEP;
			if (MO_GROW(e->name, len + 1, e->name_cap) < 0)
				return nomem(im);
			memcpy(e->name, s, len);
			e->name[len] = '\0';
			e->name_len = len;
			e->present |= P_NAME;
			return 1;
		case E_PID:
			e->pid = id_of_string(s, len);
			e->present |= P_PID;
			return 1;
		case E_TID:
			e->tid = id_of_string(s, len);
			e->present |= P_TID;
			return 1;
		case E_TS:
		case E_DUR:
			return wrong_type(im, "a string, not a number");
		case E_ARGS:
			return wrong_type(im, "a string, not an object");
		default:
			return 1;
		}
	case F_ARGS:
		switch (im->key) {
		case A_COLL: copy_small(e->coll, sizeof(e->coll), s, len); break;
		case A_DTYPE: copy_small(e->dtype, sizeof(e->dtype), s, len); break;
		case A_PG_NAME: copy_small(e->pg_name, sizeof(e->pg_name), s, len); break;
		case A_PG_RANKS: copy_small(e->pg_ranks, sizeof(e->pg_ranks), s, len); break;
		default: break;
		}
		return 1;
	case F_PROP:
		if (im->prop_key == 1 && !im->cur_prop.name) {
			im->cur_prop.name = malloc(len + 1);
			if (!im->cur_prop.name)
				return nomem(im);
			memcpy(im->cur_prop.name, s, len);
			im->cur_prop.name[len] = '\0';
		}
		return 1;
	case F_EVENTS:
		return fail(im, cur_offset(im), "trace event is a string, not an object");
	default:
		return 1;
	}
}

static int cb_scalar_other(struct imp *im, const char *what)
{
	if (im->depth == 0)
		return fail(im, cur_offset(im), "%s, not a trace", what);
	if (top(im) == F_EVENTS)
		return fail(im, cur_offset(im), "trace event is %s, not an object", what);
	if (top(im) == F_EVENT) {
		if (im->key == E_TS || im->key == E_DUR) {
			char buf[64];
			snprintf(buf, sizeof(buf), "%s, not a number", what);
			return wrong_type(im, buf);
		}
		if (im->key == E_ARGS) {
			char buf[64];
			snprintf(buf, sizeof(buf), "%s, not an object", what);
			return wrong_type(im, buf);
		}
		if (im->key == E_PH) {
			char buf[64];
			snprintf(buf, sizeof(buf), "%s, not a string", what);
			return wrong_type(im, buf);
		}
	}
	if (top(im) == F_ARGS_DIM)
		im->dim_index++;
	return 1;
}

static int cb_null(void *ctx)
{
	return cb_scalar_other(ctx, "null");
}

static int cb_boolean(void *ctx, int b)
{
	(void)b;
	return cb_scalar_other(ctx, "a boolean");
}

static const struct imp_json_callbacks callbacks = {
	.null = cb_null,
	.boolean = cb_boolean,
	.number = cb_number,
	.string = cb_string,
	.start_map = cb_start_map,
	.map_key = cb_map_key,
	.end_map = cb_end_map,
	.start_array = cb_start_array,
	.end_array = cb_end_array,
};

/* ------------------------------------------------------------------------ */
/* Driving the parser                                                        */
/* ------------------------------------------------------------------------ */

/* Every time written is baseTimeNanoseconds + an event's: refuse a base
 * that would overflow int64 with the earliest or latest event (near 2^63 it
 * wrapped into negative times). */
static int check_base(struct imp *im)
{
	int64_t b = im->base_ns, x;

	if (!im->have_times)
		return 0;
	if (__builtin_add_overflow(b, im->t_lo, &x) || __builtin_add_overflow(b, im->t_hi, &x)) {
		fail(im, im->base_off, "baseTimeNanoseconds %lld plus event times from %lld to %lld ns "
		     "overflows 64-bit nanoseconds", (long long)b, (long long)im->t_lo,
		     (long long)im->t_hi);
		return -MO_EINPUT;
	}
	return 0;
}

/* Pass 1: the whole JSON through the callbacks. */
static int run_pass(struct imp *im, struct imp_input *in)
{
	int rc = imp_json_parse(&im->json, in, &callbacks, im, im->name, im->err);

	if (rc == IMP_JSON_STOPPED)
		rc = im->err && im->err->code ? im->err->code : -MO_EINPUT;
	if (rc == 0 && im->st)
		im->st->input_bytes = in->out_total;
	imp_json_release(&im->json);
	return rc;
}

/* Pass 2: the GPU events read back from the spill, attributed and sent
 * through the reorder heap. */
static int run_pass2(struct imp *im)
{
	int rc = imp_spill_rewind(&im->spill, im->name, im->err);

	while (rc == 0 && (rc = imp_spill_get(&im->spill, &im->ev, im->name, im->err)) > 0) {
		rc = 0;
		if (!pass2_event(im))
			rc = im->err && im->err->code ? im->err->code : -MO_EIO;
		else
			rc = lookups_failed(im);
	}
	return rc;
}

/* A module's first appearance: its earliest interval at module_depth or
 * shallower, by (start, depth, name id). */
struct mod_first {
	int64_t start;
	int32_t depth, name;
};

static int first_cmp(const void *a, const void *b)
{
	const struct mod_first *x = a, *y = b;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->depth != y->depth)
		return x->depth < y->depth ? -1 : 1;
	return x->name < y->name ? -1 : x->name > y->name;
}

/* The modules' first appearances, by name id (name -1: none), into *out. */
static int module_firsts(struct imp *im, struct mod_first **out)
{
	struct mod_first *f = malloc((im->names.n + 1) * sizeof(*f));
	struct imp_ival iv;

	if (!(*out = f))
		return nomem(im), -MO_ENOMEM;
	for (size_t i = 0; i < im->names.n; i++)
		f[i].name = -1;
	for (size_t t = 0; t < im->nthreads; t++) {
		int list = (int)t * 3 + IV_MOD - 1;
		for (size_t i = 0; i < imp_ivals_count(&im->ivals, list); i++) {
			imp_ivals_get(&im->ivals, list, (int32_t)i, &iv);
			struct mod_first c = {iv.start, iv.depth, iv.aux};
			if (iv.depth <= im->opts.module_depth &&
			    (f[iv.aux].name < 0 || first_cmp(&c, &f[iv.aux]) < 0))
				f[iv.aux] = c;
		}
	}
	return im->ivals.failed ? (im->failed = 1, im->err->code) : 0;
}

/* MODULE records: modules at module_depth or shallower, by first appearance. */
static int emit_modules(struct imp *im)
{
	struct trace_record rec;
	struct mod_first *f;
	size_t n = 0;
	int rc = 0;

	im->mod_out_n = im->names.n;
	im->mod_out = malloc((im->names.n + 1) * sizeof(int));
	if (!im->mod_out)
		return nomem(im), -MO_ENOMEM;
	if ((rc = module_firsts(im, &f)) != 0)
		return free(f), rc;
	for (size_t i = 0; i < im->names.n; i++) {
		im->mod_out[i] = -1;
		if (f[i].name >= 0)
			f[n++] = f[i];
	}
	qsort(f, n, sizeof(*f), first_cmp);
	for (size_t c = 0; c < n && rc == 0; c++) {
		im->mod_out[f[c].name] = im->nmodules;
		trace_record_init(&rec, TRACE_KIND_MODULE);
		rec.u.module.id = im->nmodules++;
		rec.u.module.name = im->names.names[f[c].name];
		rc = emit(im, &rec);
	}
	free(f);
	return rc;
}

/* imp_host_emit()'s callbacks. */
static void host_attrib(void *ctx, int thread, int64_t ts, int64_t *module, int64_t *phase,
			int64_t *step)
{
	struct imp *im = ctx;
	struct attrib at = {.module_name = -1, .phase = -1, .step = -1};
	int b;
	int64_t s;
	attribute_point(im, thread, ts, 0, &at, &b, &s);
	*module = module_out(im, at.module_name);
	*phase = b && at.phase < 0 ? 1 : at.phase;
	*step = at.step;
}

static int host_emit(void *ctx, const struct trace_record *rec)
{
	return emit(ctx, rec);
}

/* The GPU of the header: the device with the most kernels (-1: none). */
static int64_t main_device(const struct imp *im)
{
	int64_t dev = -1;
	uint64_t best = 0;
	for (size_t i = 0; i < im->nds; i++) {
		uint64_t k = 0;
		for (size_t j = 0; j < im->nds; j++)
			if (im->ds[j].device == im->ds[i].device)
				k += im->ds[j].kernels;
		if (dev < 0 || k > best || (k == best && im->ds[i].device < dev)) {
			dev = im->ds[i].device;
			best = k;
		}
	}
	return dev;
}

static int emit_header(struct imp *im)
{
	struct trace_header h;
	int64_t dev = main_device(im);
	int rc;

	trace_header_init(&h);
	char producer[64];
	snprintf(producer, sizeof(producer), "mosaic import %s", MOSAIC_VERSION);
	h.producer = producer;
	h.source = TRACE_SOURCE_MEASURED;
	h.origin = im->name;
	h.quota_sms = 0;
	const struct devprop *gp = NULL;
	for (size_t i = 0; i < im->nprops; i++)
		if (im->props[i].id == dev || (!gp && i + 1 == im->nprops && dev < 0))
			gp = &im->props[i];
	if (!gp && im->nprops == 1)
		gp = &im->props[0];
	if (gp) {
#define COPY(f) h.f = gp->h.f;
		COPY(gpu_sms) COPY(gpu_cc_major) COPY(gpu_cc_minor) COPY(gpu_mem_bytes)
		COPY(gpu_max_threads_per_sm) COPY(gpu_max_threads_per_block) COPY(gpu_regs_per_sm)
		COPY(gpu_regs_per_block) COPY(gpu_smem_per_sm) COPY(gpu_smem_per_block)
		COPY(gpu_smem_per_block_optin) COPY(gpu_warp_size)
#undef COPY
		h.gpu_name = gp->name ? gp->name : "";
	}
	if ((rc = im->sink->header(im->sink->ctx, &h, im->err)) != 0)
		return rc < 0 ? rc : -MO_EIO;
	return 0;
}

/* DEVICE records (each device once), then STREAM records. */
static int emit_devices(struct imp *im)
{
	struct trace_record rec;
	int rc;

	for (size_t i = 0; i < im->nds; i++) {
		int seen = 0;
		if (im->ds[i].device < 0)
			continue;
		for (size_t j = 0; j < i; j++)
			seen |= im->ds[j].device == im->ds[i].device;
		if (seen)
			continue;
		trace_record_init(&rec, TRACE_KIND_DEVICE);
		rec.u.device.id = im->ds[i].device;
		rec.u.device.name = "";
		for (size_t p = 0; p < im->nprops; p++)
			if (im->props[p].id == im->ds[i].device) {
				rec.u.device.sms = im->props[p].h.gpu_sms;
				rec.u.device.name = im->props[p].name ? im->props[p].name : "";
			}
		if ((rc = emit(im, &rec)) != 0)
			return rc;
	}
	for (size_t i = 0; i < im->nds; i++) {
		char nm[48];
		if (im->ds[i].device < 0 || im->ds[i].stream < 0)
			continue;
		trace_record_init(&rec, TRACE_KIND_STREAM);
		rec.u.stream.device = im->ds[i].device;
		rec.u.stream.id = im->ds[i].stream;
		snprintf(nm, sizeof(nm), "stream %lld", (long long)im->ds[i].stream);
		rec.u.stream.name = nm;
		if ((rc = emit(im, &rec)) != 0)
			return rc;
	}
	return 0;
}

static int emit_phases(struct imp *im)
{
	struct trace_record rec;
	int rc;

	for (size_t i = 0; i < im->phases.n; i++) {
		trace_record_init(&rec, TRACE_KIND_PHASE);
		rec.u.phase.id = (int64_t)i;
		rec.u.phase.name = im->phases.names[i];
		if ((rc = emit(im, &rec)) != 0)
			return rc;
	}
	return 0;
}

/* The MARKER record of a host or GPU annotation. */
static void marker_record(struct imp *im, const struct annot *a, struct trace_record *rec)
{
	struct attrib at = {.module_name = -1, .phase = -1, .step = -1};
	int b;
	int64_t s;
	if (!a->gpu)
		attribute_point(im, (int)a->tid_index, a->start, 0, &at, &b, &s);
	trace_record_init(rec, TRACE_KIND_MARKER);
	struct trace_marker *m = &rec->u.marker;
	m->start_ns = im->base_ns + a->start;
	m->end_ns = im->base_ns + a->end;
	m->module = module_out(im, at.module_name);
	m->phase = a->phase >= 0 ? a->phase : at.phase;
	m->step = a->step >= 0 ? a->step : at.step;
	m->name = im->names.names[a->name];
	if (a->gpu) {
		m->device = a->device;
		m->stream = a->stream;
		m->category = "gpu_user_annotation";
	} else {
		m->category = "user_annotation";
	}
}

/* MARKER records, by start. */
static int emit_markers(struct imp *im)
{
	struct trace_record rec;
	int rc = 0;
	size_t *order = malloc((im->nannots + 1) * sizeof(size_t));

	if (!order)
		return nomem(im), -MO_ENOMEM;
	for (size_t i = 0; i < im->nannots; i++)
		order[i] = i;
	qsort_r(order, im->nannots, sizeof(size_t), step_cmp, im->annots);
	for (size_t k = 0; k < im->nannots && rc == 0; k++) {
		marker_record(im, &im->annots[order[k]], &rec);
		rc = emit(im, &rec);
	}
	free(order);
	return rc;
}

/* Definitions, host markers and host records, between the passes. */
static int emit_definitions(struct imp *im)
{
	int rc;

	if ((rc = emit_header(im)) != 0 || (rc = emit_devices(im)) != 0 ||
	    (rc = emit_phases(im)) != 0 || (rc = emit_modules(im)) != 0 ||
	    (rc = emit_markers(im)) != 0 || (rc = lookups_failed(im)) != 0)
		return rc;
	if (im->opts.host_records &&
	    (rc = imp_host_emit(&im->host, im->base_ns, host_attrib, host_emit, im)) != 0)
		return rc;
	return lookups_failed(im);
}

static void imp_release(struct imp *im)
{
	free(im->threads);
	imp_ivals_release(&im->ivals);
	imp_points_release(&im->corr_pts);
	imp_points_release(&im->ext_pts);
	imp_points_release(&im->seq_pts);
	free(im->annots);
	strtab_free(&im->names);
	strtab_free(&im->phases);
	free(im->mod_out);
	free(im->step_order);
	free(im->ds);
	imp_host_release(&im->host);
	for (size_t i = 0; i < im->nprops; i++)
		free(im->props[i].name);
	free(im->props);
	free(im->cur_prop.name);
	for (size_t i = 0; i < im->nslots; i++)
		free(im->slots[i].strs);
	free(im->slots);
	free(im->free_slots);
	free(im->heap);
	free(im->ev.name);
	imp_spill_release(&im->spill);
}

void trace_import_opts_init(struct trace_import_opts *o)
{
	o->module_depth = 2;
	o->reorder_window = 16384;
	o->host_records = 1;
}

static int import_input(struct imp_input *in, const char *name, const struct trace_import_opts *o,
			const struct trace_sink *sink, struct trace_import_stats *st,
			struct mo_err *err)
{
	struct imp im;
	int rc;

	memset(&im, 0, sizeof(im));
	im.name = name;
	if (o)
		im.opts = *o;
	else
		trace_import_opts_init(&im.opts);
	if (im.opts.module_depth < 0)
		im.opts.module_depth = 0;
	if (im.opts.reorder_window < 1)
		im.opts.reorder_window = 1;
	im.sink = sink;
	im.st = st;
	im.err = err;
	im.rank = -1;
	imp_host_init(&im.host, name, err);
	imp_ivals_init(&im.ivals, name, err);
	imp_points_init(&im.corr_pts, name, err);
	imp_points_init(&im.ext_pts, name, err);
	imp_points_init(&im.seq_pts, name, err);
	if (st)
		memset(st, 0, sizeof(*st));
	im.ev.name = calloc(1, 256); /* never NULL: events may have no name */
	im.ev.name_cap = 256;
	if (!im.ev.name) {
		rc = mo_err_set(err, MO_ENOMEM, "cannot import '%s': out of memory", name);
		goto out;
	}
	/* the fixed phases first, so their ids are stable */
	if (strtab_intern(&im.phases, "forward", 7) < 0 ||
	    strtab_intern(&im.phases, "backward", 8) < 0 ||
	    strtab_intern(&im.phases, "optimizer", 9) < 0) {
		rc = mo_err_set(err, MO_ENOMEM, "cannot import '%s': out of memory", name);
		goto out;
	}
	im.pass = 1;
	if ((rc = run_pass(&im, in)) != 0)
		goto out;
	if ((rc = check_base(&im)) != 0)
		goto out;
	if ((rc = pass1_finish(&im)) != 0)
		goto out;
	if ((rc = emit_definitions(&im)) != 0)
		goto out;
	im.pass = 2;
	if ((rc = run_pass2(&im)) != 0)
		goto out;
	while (im.nheap)
		if ((rc = heap_pop_emit(&im)) != 0)
			goto out;
out:
	imp_release(&im);
	return rc;
}

int trace_import_kineto_opts(const char *path, const struct trace_import_opts *o,
			     const struct trace_sink *sink, struct trace_import_stats *st,
			     struct mo_err *err)
{
	struct imp_input in;
	int rc = imp_input_open(&in, path, err);
	if (rc == 0)
		rc = import_input(&in, path, o, sink, st, err);
	imp_input_close(&in);
	return rc;
}

int trace_import_kineto(const char *path, const struct trace_sink *sink,
			struct trace_import_stats *st, struct mo_err *err)
{
	return trace_import_kineto_opts(path, NULL, sink, st, err);
}

int trace_import_kineto_mem(const void *data, size_t len, const char *name,
			    const struct trace_import_opts *o, const struct trace_sink *sink,
			    struct trace_import_stats *st, struct mo_err *err)
{
	struct imp_input in;
	int rc = imp_input_open_mem(&in, data, len, name, err);
	if (rc == 0)
		rc = import_input(&in, name, o, sink, st, err);
	imp_input_close(&in);
	return rc;
}
