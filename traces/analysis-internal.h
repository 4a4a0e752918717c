/*
 * analysis-internal.h - private to traces/analysis*.c: the activities and
 * calls an analysis keeps, and the per-analysis entry points finish() runs.
 */
#ifndef MOSAIC_TRACES_ANALYSIS_INTERNAL_H
#define MOSAIC_TRACES_ANALYSIS_INTERNAL_H

#include "traces/core-internal.h"

/* The three kinds of GPU activity the breakdown tells apart. */
enum { AN_COMPUTE, AN_COMM, AN_MEMORY, AN_KINDS };

/* No name: an activity's module when it has none. */
#define AN_NONE UINT32_MAX

/* One GPU activity (kernel, collective, memcpy, memset).  The activities
 * and the calls are big blocks (core-internal.h: TRACE_BIG_GROW).  What
 * only the link needs shares its bytes with what the link sets, names are
 * the pool's 32-bit ids (an_name, an_module), the rank is 16 bits
 * (TRACE_ANALYSIS_MAX_RANK) and the kind follows from the class (an_kind):
 * 48 bytes an activity, 32 a call, most of what inspect keeps per kernel. */
struct an_act {
	int64_t s, e;          /* start, end (ns, as in the trace) */
	int64_t step;
	union {
		int64_t corr;          /* as added */
		int64_t call;          /* index into calls, -1 none (set in an_link) */
		int64_t launch_s;      /* its call's start, -1 none (once the path
					* is done and the calls are freed) */
	};
	uint32_t name;         /* its pool id */
	uint32_t module;       /* as added: its (rank, module id) key's index in
				* modkeys, AN_NONE none; in finish: the module
				* name's pool id, AN_NONE none */
	int32_t device;
	int16_t rank;
	int8_t cls;            /* enum trace_kernel_class; TRACE_CLASS_MEMORY for copies */
	int8_t is_kernel;      /* kernel or collective (kernel_stats) */
};
_Static_assert(sizeof(struct an_act) <= 48, "an_act: 48 bytes on LP64");

/* x's kind (AN_*): communication or memory by its class, else compute. */
static inline int an_kind(const struct an_act *x)
{
	return x->cls == TRACE_CLASS_COMM ? AN_COMM : x->cls == TRACE_CLASS_MEMORY ? AN_MEMORY
										 : AN_COMPUTE;
}

/* One API call with a correlation id, or any call on a thread (the path).
 * The previous call on its (rank, thread) is the one before it in calls
 * when of the same rank and thread (an_prev_call). */
struct an_call {
	int64_t s, e;
	union {
		int64_t corr;          /* as added */
		int64_t act;           /* index into acts, -1 none (set in finish) */
	};
	int32_t thread;
	int16_t rank;
	int8_t enqueues;
	int8_t may_wait;        /* the host may wait in it for the GPU (see traces.h) */
};
_Static_assert(sizeof(struct an_call) <= 32, "an_call: 32 bytes on LP64");

/* The call before calls[c] on its (rank, thread), -1 none (calls sorted). */
static inline int64_t an_prev_call(const struct an_call *calls, int64_t c)
{
	return c > 0 && calls[c - 1].rank == calls[c].rank && calls[c - 1].thread == calls[c].thread
		? c - 1 : -1;
}

/* A module as an activity names it: its rank's module id. */
struct an_modkey {
	int64_t id;
	int32_t rank;
};

struct trace_analysis {
	struct trace_strpool *pool;
	const char **strs;          /* strs[id]: the pool's string of id, for the
				     * ids activities and modules carry (NULL
				     * for the others) */
	size_t nstrs;               /* slots in strs */
	struct trace_idmap modules; /* (rank, module id) -> interned name */
	struct an_modkey *modkeys;  /* the (rank, module id) keys activities name */
	size_t nmodkeys, modkeys_cap;
	struct trace_idmap modkey_at; /* (rank, module id) -> index in modkeys */
	uint32_t last_modkey;       /* the last key added's index (a run of one
				     * module's activities looks it up once) */
	const char *none;           /* "(none)" interned: the name of no module, the
				     * same pointer as a module of that name's */
	struct an_act *acts;
	size_t nacts, acts_cap;
	struct an_call *calls;
	size_t ncalls, calls_cap;
	int acts_unordered;     /* an activity added out of cmp_act's order */
	int calls_unordered;    /* likewise for calls */
	int rank, nranks;
	int64_t *offsets;       /* per rank */
	int annotated;
	int linked;
	int finished;
	int names_interned;     /* activity names are pool pointers already */
	/* results */
	struct trace_breakdown *bd;
	size_t nbd, bd_cap;
	struct trace_overlap *ov;
	size_t nov;
	struct trace_launch *ln;
	size_t nln;
	struct trace_kernel_stats *ks, *cs, *ms;
	size_t nks, ncs, nms;
	struct trace_path *paths;
	size_t npaths;
	struct trace_path_share *shares; /* every path's modules, one block */
	size_t nshares, shares_cap;
};

/* Activity x's name, and its module's (NULL none; after the link). */
static inline const char *an_name(const struct trace_analysis *a, const struct an_act *x)
{
	return a->strs[x->name];
}

static inline const char *an_module(const struct trace_analysis *a, const struct an_act *x)
{
	return x->module == AN_NONE ? NULL : a->strs[x->module];
}

/* Nearest-rank percentiles of v[0..n) (sorted in place). */
void an_pctl(int64_t *v, size_t n, struct trace_pctl *out);

/* The sorts (analysis-sort.c). */
/* 1 if v[0..n) is in cmp's order (no adjacent pair out of it), else 0. */
int an_in_order(const void *v, size_t n, size_t size, int (*cmp)(const void *, const void *));
/* qsort(v, n, size, cmp), skipped when v is already in order. */
void an_qsort(void *v, size_t n, size_t size, int (*cmp)(const void *, const void *));
/* The same with cmp's third argument arg (qsort_r: no state outside the call). */
void an_qsort_r(void *v, size_t n, size_t size, int (*cmp)(const void *, const void *, void *),
		void *arg);
/* v ascending (radix sort; the same order as qsort with an_cmp_i64). */
void an_sort_i64(int64_t *v, size_t n);
/* A call's or an activity's (rank, correlation) and its index. */
struct an_join {
	int64_t corr;
	size_t idx;
	int32_t rank;
};
/* j by (rank, corr, idx) as an_cmp_join orders it, for j whose idx ascend. */
void an_sort_join(struct an_join *j, size_t n);
/* qsort comparators: int64_t ascending; an_join by (rank, corr, idx). */
int an_cmp_i64(const void *pa, const void *pb);
int an_cmp_join(const void *pa, const void *pb);
/* trace_analysis_finish's first half: activities and calls sorted, each
 * activity's module name and call linked (an_act.call, an_call.act), each
 * rank's offset; once (later calls do nothing).  0 or -1 (out of memory). */
int an_link(struct trace_analysis *a);
int an_breakdown(struct trace_analysis *a);   /* analysis-time.c */
int an_launch(struct trace_analysis *a);      /* analysis-launch.c */
int an_kernel_stats(struct trace_analysis *a);/* analysis-launch.c */
int an_path(struct trace_analysis *a);        /* analysis-path.c */
/* x - y and x + y, saturated (times of a hostile trace may be anything). */
static inline int64_t an_sat_sub(int64_t x, int64_t y)
{
	int64_t r;
	return __builtin_sub_overflow(x, y, &r) ? (y < 0 ? INT64_MAX : INT64_MIN) : r;
}

static inline int64_t an_sat_add(int64_t x, int64_t y)
{
	int64_t r;
	return __builtin_add_overflow(x, y, &r) ? (y > 0 ? INT64_MAX : INT64_MIN) : r;
}

/* The job's steps (analysis-path.c), by step number, into *out (count *n;
 * the caller frees *out): each step's window in job time (each rank's times
 * less its offset: earliest start to latest end on any rank) and its last
 * activity (ties: the lower rank).  0 or -1 (out of memory). */
struct an_job_step {
	int64_t step, w0, w1, last;
};
int an_job_steps(const struct trace_analysis *a, struct an_job_step **out, size_t *n);

/* Saturating a += v for v >= 0. */
static inline void an_add(int64_t *acc, int64_t v)
{
	*acc = v > INT64_MAX - *acc ? INT64_MAX : *acc + v;
}

#endif
