/*
 * cupti-xlate.c - CUPTI activity records (CUDA 13 layouts) -> mosaic trace
 * records, with exact NVTX attribution through correlation ids.  See
 * trace-cuda.h for what is kept and how kernels are attributed.
 *
 * CUDA 13.0 ships CUpti_ActivityKernel10 (no green-context field of its own:
 * its contextId leads to a CUpti_ActivityContext3 record, whose
 * isGreenContext and numMultiprocessors say which SM partition it ran in),
 * CUpti_ActivityMemcpy6, CUpti_ActivityMemset4, CUpti_ActivityMarker2,
 * CUpti_ActivityAPI, CUpti_ActivityContext3 and CUpti_ActivityDevice5.
 */
#include "traces/cuda/trace-cuda.h"

#include <cupti.h>
#include <stdlib.h>
#include <string.h>

/* Kernel names repeat thousands of times: they are interned in the trace
 * library's string pool (traces.h); NULL interns as "". */
static const char *intern(struct trace_strpool *p, const char *s)
{
	if (!s)
		s = "";
	return trace_strpool_intern(p, s, strlen(s));
}

/* ---- what is kept until finish ---- */

struct api_call {
	uint32_t corr, tid;
	uint64_t start, end;
	uint32_t cbid;
	int driver; /* CUPTI_ACTIVITY_KIND_DRIVER, else RUNTIME */
	int caused; /* an activity has its correlation */
};

struct mark {
	uint32_t id, tid;
	uint64_t ts;
	int flags;          /* START, END or INSTANTANEOUS */
	const char *name;   /* interned; "" for END */
	const char *domain; /* interned; "" for the default domain */
};

struct ctx_info {
	uint32_t ctx, dev;
	int green, sms;
	int partition; /* assigned at finish */
};

struct stream_key {
	uint32_t dev, ctx, stream;
	int id; /* trace stream id, assigned at finish */
};

struct act {
	struct trace_record rec; /* times, launch, names filled; ids at finish */
	uint32_t corr, dev, ctx, stream;
};

struct range {
	uint32_t tid;
	int64_t start, end;
	struct trace_cuda_range r;
	int mosaic;
	const char *name, *domain;
};

#define VEC(T) struct { T *v; size_t n, cap; }
/* Append x to vec: 0, or -1 when out of memory (MO_GROW, traces.h). */
#define VEC_PUSH(vec, x)                                                         \
	(MO_GROW((vec).v, (vec).n + 1, (vec).cap) < 0 ? -1 : ((vec).v[(vec).n++] = (x), 0))

struct trace_cuda_xlate {
	struct trace_strpool *strings;
	char producer[96], origin[256];
	VEC(struct api_call) api;
	VEC(struct mark) marks;
	VEC(struct ctx_info) ctxs;
	VEC(struct act) acts;
	VEC(CUpti_ActivityDevice5) devs;
	struct trace_cuda_xlate_stats st;
};

struct trace_cuda_xlate *trace_cuda_xlate_new(const char *producer, const char *origin)
{
	struct trace_cuda_xlate *x = calloc(1, sizeof(*x));

	if (!x || !(x->strings = trace_strpool_new())) {
		free(x);
		return NULL;
	}
	snprintf(x->producer, sizeof(x->producer), "%s", producer ? producer : "mosaic recorder");
	snprintf(x->origin, sizeof(x->origin), "%s", origin ? origin : "");
	return x;
}

void trace_cuda_xlate_free(struct trace_cuda_xlate *x)
{
	if (!x)
		return;
	trace_strpool_free(x->strings);
	free(x->api.v);
	free(x->marks.v);
	free(x->ctxs.v);
	free(x->acts.v);
	free(x->devs.v);
	free(x);
}

const struct trace_cuda_xlate_stats *trace_cuda_xlate_stats(const struct trace_cuda_xlate *x)
{
	return &x->st;
}

void trace_cuda_xlate_set_dropped(struct trace_cuda_xlate *x, uint64_t dropped)
{
	x->st.dropped = dropped;
}

int trace_cuda_xlate_has_device(const struct trace_cuda_xlate *x)
{
	return x->devs.n > 0;
}

static int oom(struct mo_err *err)
{
	return mo_err_set(err, MO_ENOMEM, "recorder: out of memory");
}

static int copy_kind(uint8_t k)
{
	switch (k) {
	case CUPTI_ACTIVITY_MEMCPY_KIND_HTOD:
	case CUPTI_ACTIVITY_MEMCPY_KIND_HTOA:
		return TRACE_COPY_HTOD;
	case CUPTI_ACTIVITY_MEMCPY_KIND_DTOH:
	case CUPTI_ACTIVITY_MEMCPY_KIND_ATOH:
		return TRACE_COPY_DTOH;
	case CUPTI_ACTIVITY_MEMCPY_KIND_DTOD:
	case CUPTI_ACTIVITY_MEMCPY_KIND_ATOA:
	case CUPTI_ACTIVITY_MEMCPY_KIND_ATOD:
	case CUPTI_ACTIVITY_MEMCPY_KIND_DTOA:
		return TRACE_COPY_DTOD;
	case CUPTI_ACTIVITY_MEMCPY_KIND_HTOH:
		return TRACE_COPY_HTOH;
	case CUPTI_ACTIVITY_MEMCPY_KIND_PTOP:
		return TRACE_COPY_PTOP;
	default:
		return TRACE_COPY_UNKNOWN;
	}
}

static const char *const copy_names[] = {"Memcpy", "Memcpy HtoD", "Memcpy DtoH", "Memcpy DtoD",
					 "Memcpy HtoH", "Memcpy PtoP"};

static void set_activity(struct trace_record *rec, uint64_t start, uint64_t end, uint32_t dev,
			 uint32_t corr)
{
	/* the shared activity fields sit at the same place in every kind */
	struct trace_kernel *k = &rec->u.kernel;
	k->start_ns = (int64_t)start;
	k->end_ns = (int64_t)end;
	k->device = dev;
	k->correlation = corr;
}

static int add_kernel(struct trace_cuda_xlate *x, const CUpti_ActivityKernel10 *k,
		      struct mo_err *err)
{
	struct act a;
	const char *name = intern(x->strings, k->name);

	if (!name)
		return oom(err);
	memset(&a, 0, sizeof(a));
	a.corr = k->correlationId;
	a.dev = k->deviceId;
	a.ctx = k->contextId;
	a.stream = k->streamId;
	if (trace_cuda_is_nccl_kernel(name)) {
		struct trace_collective *c = &a.rec.u.collective;
		char dtype[32];

		trace_record_init(&a.rec, TRACE_KIND_COLLECTIVE);
		c->coll = trace_cuda_nccl_kind(name, dtype, sizeof(dtype));
		c->dtype = intern(x->strings, dtype);
		c->name = name;
		c->grid_x = k->gridX, c->grid_y = k->gridY, c->grid_z = k->gridZ;
		c->block_x = k->blockX, c->block_y = k->blockY, c->block_z = k->blockZ;
		c->registers = k->registersPerThread;
		c->static_smem = k->staticSharedMemory;
		c->dynamic_smem = k->dynamicSharedMemory;
		if (!c->dtype)
			return oom(err);
		x->st.collectives++;
	} else {
		struct trace_kernel *t = &a.rec.u.kernel;

		trace_record_init(&a.rec, TRACE_KIND_KERNEL);
		t->name = name;
		t->grid_x = k->gridX, t->grid_y = k->gridY, t->grid_z = k->gridZ;
		t->block_x = k->blockX, t->block_y = k->blockY, t->block_z = k->blockZ;
		t->registers = k->registersPerThread;
		t->static_smem = k->staticSharedMemory;
		t->dynamic_smem = k->dynamicSharedMemory;
		t->kclass = TRACE_CLASS_UNKNOWN; /* classified later (model_classify) */
		x->st.kernels++;
	}
	set_activity(&a.rec, k->start, k->end, k->deviceId, k->correlationId);
	return VEC_PUSH(x->acts, a) ? oom(err) : 0;
}

int trace_cuda_xlate_add(struct trace_cuda_xlate *x, const void *activity, struct mo_err *err)
{
	const CUpti_Activity *rec = activity;
	struct act a;

	x->st.records++;
	switch (rec->kind) {
	case CUPTI_ACTIVITY_KIND_KERNEL:
	case CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL:
		return add_kernel(x, activity, err);
	case CUPTI_ACTIVITY_KIND_MEMCPY: {
		const CUpti_ActivityMemcpy6 *m = activity;
		int ck = copy_kind(m->copyKind);

		memset(&a, 0, sizeof(a));
		trace_record_init(&a.rec, TRACE_KIND_MEMCPY);
		a.rec.u.memcpy.bytes = (int64_t)m->bytes;
		a.rec.u.memcpy.copy_kind = ck;
		a.rec.u.memcpy.name = copy_names[ck];
		set_activity(&a.rec, m->start, m->end, m->deviceId, m->correlationId);
		a.corr = m->correlationId, a.dev = m->deviceId, a.ctx = m->contextId;
		a.stream = m->streamId;
		x->st.memcpys++;
		return VEC_PUSH(x->acts, a) ? oom(err) : 0;
	}
	case CUPTI_ACTIVITY_KIND_MEMSET: {
		const CUpti_ActivityMemset4 *m = activity;

		memset(&a, 0, sizeof(a));
		trace_record_init(&a.rec, TRACE_KIND_MEMSET);
		a.rec.u.memset.bytes = (int64_t)m->bytes;
		a.rec.u.memset.name = "Memset";
		set_activity(&a.rec, m->start, m->end, m->deviceId, m->correlationId);
		a.corr = m->correlationId, a.dev = m->deviceId, a.ctx = m->contextId;
		a.stream = m->streamId;
		x->st.memsets++;
		return VEC_PUSH(x->acts, a) ? oom(err) : 0;
	}
	case CUPTI_ACTIVITY_KIND_RUNTIME:
	case CUPTI_ACTIVITY_KIND_DRIVER: {
		const CUpti_ActivityAPI *api = activity;
		struct api_call c = {api->correlationId, api->threadId, api->start, api->end, api->cbid,
				     api->kind == CUPTI_ACTIVITY_KIND_DRIVER, 0};
		return VEC_PUSH(x->api, c) ? oom(err) : 0;
	}
	case CUPTI_ACTIVITY_KIND_MARKER: {
		const CUpti_ActivityMarker2 *m = activity;
		struct mark mk;

		mk.id = m->id;
		mk.tid = m->objectKind == CUPTI_ACTIVITY_OBJECT_THREAD ? m->objectId.pt.threadId : 0;
		mk.ts = m->timestamp;
		mk.flags = (int)m->flags;
		mk.name = intern(x->strings, m->name);
		mk.domain = intern(x->strings, m->domain);
		if (!mk.name || !mk.domain)
			return oom(err);
		return VEC_PUSH(x->marks, mk) ? oom(err) : 0;
	}
	case CUPTI_ACTIVITY_KIND_CONTEXT: {
		const CUpti_ActivityContext3 *c = activity;
		struct ctx_info ci = {c->contextId, c->deviceId, c->isGreenContext != 0,
				      c->isGreenContext ? c->numMultiprocessors : 0, -1};
		return VEC_PUSH(x->ctxs, ci) ? oom(err) : 0;
	}
	case CUPTI_ACTIVITY_KIND_DEVICE: {
		CUpti_ActivityDevice5 d = *(const CUpti_ActivityDevice5 *)activity;

		d.name = intern(x->strings, d.name);
		if (!d.name)
			return oom(err);
		return VEC_PUSH(x->devs, d) ? oom(err) : 0;
	}
	default:
		x->st.ignored++;
		return 0;
	}
}

/* ---- finish: attribute, define, sort, emit ---- */

static int cmp_api(const void *a, const void *b)
{
	const struct api_call *x = a, *y = b;
	return x->corr < y->corr ? -1 : x->corr > y->corr;
}

static int cmp_mark(const void *a, const void *b)
{
	const struct mark *x = a, *y = b;
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return (x->flags & CUPTI_ACTIVITY_FLAG_MARKER_END) - (y->flags & CUPTI_ACTIVITY_FLAG_MARKER_END);
}

static int cmp_range(const void *a, const void *b)
{
	const struct range *x = a, *y = b;
	if (x->tid != y->tid)
		return x->tid < y->tid ? -1 : 1;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->end > y->end ? -1 : x->end < y->end; /* outer first */
}

/* Start and end of an activity, a marker or an API call. */
static void rec_span(const struct trace_record *r, int64_t *s, int64_t *e)
{
	if (r->kind == TRACE_KIND_API_CALL)
		*s = r->u.api_call.start_ns, *e = r->u.api_call.end_ns;
	else
		trace_record_span(r, s, e);
}

static int cmp_act(const void *a, const void *b)
{
	const struct act *x = a, *y = b;
	int64_t s1, s2, e1, e2;

	rec_span(&x->rec, &s1, &e1);
	rec_span(&y->rec, &s2, &e2);
	if (s1 != s2)
		return s1 < s2 ? -1 : 1;
	if (e1 != e2)
		return e1 < e2 ? -1 : 1;
	return x->corr < y->corr ? -1 : x->corr > y->corr;
}

/* Innermost mosaic range on thread tid containing t (ranges sorted). */
static const struct range *innermost(const struct range *rg, size_t n, uint32_t tid, int64_t t)
{
	size_t lo = 0, hi = n;

	/* last range with (tid, start) <= (tid, t) */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (rg[mid].tid < tid || (rg[mid].tid == tid && rg[mid].start <= t))
			lo = mid + 1;
		else
			hi = mid;
	}
	while (lo > 0) {
		const struct range *r = &rg[--lo];
		if (r->tid != tid)
			break;
		if (r->end >= t)
			return r;
	}
	return NULL;
}

static int thread_has_ranges(const struct range *rg, size_t n, uint32_t tid)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (rg[mid].tid < tid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && rg[lo].tid == tid;
}

struct names {
	const char **v;
	size_t n, cap;
};

static int name_id(struct names *ns, const char *s)
{
	for (size_t i = 0; i < ns->n; i++)
		if (ns->v[i] == s) /* interned */
			return (int)i;
	if (MO_GROW(ns->v, ns->n + 1, ns->cap) < 0)
		return -1;
	ns->v[ns->n] = s;
	return (int)ns->n++;
}

static struct ctx_info *find_ctx(struct trace_cuda_xlate *x, uint32_t ctx)
{
	for (size_t i = 0; i < x->ctxs.n; i++)
		if (x->ctxs.v[i].ctx == ctx)
			return &x->ctxs.v[i];
	return NULL;
}

static void fill_header(struct trace_cuda_xlate *x, struct trace_header *h)
{
	trace_header_init(h);
	h->producer = x->producer;
	h->source = TRACE_SOURCE_MEASURED;
	h->origin = x->origin;
	if (x->devs.n > 0) {
		const CUpti_ActivityDevice5 *d = &x->devs.v[0];
		h->gpu_name = d->name;
		h->gpu_sms = d->numMultiprocessors;
		h->gpu_cc_major = d->computeCapabilityMajor;
		h->gpu_cc_minor = d->computeCapabilityMinor;
		h->gpu_mem_bytes = (int64_t)d->globalMemorySize;
		h->gpu_max_threads_per_sm = (int64_t)d->maxWarpsPerMultiprocessor * d->numThreadsPerWarp;
		h->gpu_max_threads_per_block = d->maxThreadsPerBlock;
		h->gpu_regs_per_sm = d->maxRegistersPerMultiprocessor;
		h->gpu_regs_per_block = d->maxRegistersPerBlock;
		h->gpu_smem_per_sm = d->maxSharedMemoryPerMultiprocessor;
		h->gpu_smem_per_block = d->maxSharedMemoryPerBlock;
		h->gpu_warp_size = d->numThreadsPerWarp;
	}
}

static int emit(const struct trace_sink *sink, const struct trace_record *r, struct mo_err *err)
{
	return sink->record(sink->ctx, r, err);
}

/* The name of a runtime or driver call: the calls that enqueue GPU work or
 * wait for it, by their CUPTI callback ids (cupti_runtime_cbid.h,
 * cupti_driver_cbid.h of CUDA 13); others by number. */
static const char *api_name(struct trace_cuda_xlate *x, const struct api_call *c)
{
	static const struct {
		int driver;
		uint32_t cbid;
		const char *name;
	} names[] = {
#define R(n, v) {0, CUPTI_RUNTIME_TRACE_CBID_##n##_##v, #n}
#define D(n) {1, CUPTI_DRIVER_TRACE_CBID_##n, #n}
		R(cudaLaunchKernel, v7000), R(cudaLaunchKernelExC, v11060),
		R(cudaLaunchCooperativeKernel, v9000), R(cudaGraphLaunch, v10000),
		R(cudaMemcpy, v3020), R(cudaMemcpyAsync, v3020), R(cudaMemset, v3020),
		R(cudaMemsetAsync, v3020), R(cudaStreamSynchronize, v3020),
		R(cudaDeviceSynchronize, v3020), R(cudaEventSynchronize, v3020),
		R(cudaEventRecord, v3020), R(cudaStreamWaitEvent, v3020), R(cudaMalloc, v3020),
		R(cudaFree, v3020), R(cudaMallocAsync, v11020), R(cudaFreeAsync, v11020),
		D(cuLaunchKernel), D(cuLaunchKernelEx), D(cuGraphLaunch), D(cuMemcpyAsync),
		D(cuMemcpyHtoDAsync_v2), D(cuMemcpyDtoHAsync_v2), D(cuMemsetD8Async),
		D(cuStreamSynchronize), D(cuCtxSynchronize), D(cuEventSynchronize),
		D(cuEventRecord), D(cuStreamWaitEvent),
#undef R
#undef D
	};
	char buf[48];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].driver == c->driver && names[i].cbid == c->cbid)
			return names[i].name;
	snprintf(buf, sizeof(buf), "%s call %u", c->driver ? "cuda driver" : "cuda runtime", c->cbid);
	return intern(x->strings, buf);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* The host side: a THREAD record per CPU thread that made calls (ids in
 * the order of the OS thread ids), then the API calls join the activities
 * for the time sort.  Calls without timestamps are left out and counted. */
static int host_records(struct trace_cuda_xlate *x, const struct trace_sink *sink,
			struct mo_err *err)
{
	uint32_t *tids = malloc((x->api.n + 1) * sizeof(*tids));
	size_t nt = 0;
	struct trace_record r;
	int rc = 0;

	if (!tids)
		return oom(err);
	for (size_t i = 0; i < x->api.n; i++)
		tids[i] = x->api.v[i].tid;
	if (x->api.n)
		qsort(tids, x->api.n, sizeof(*tids), cmp_u32);
	for (size_t i = 0; i < x->api.n; i++)
		if (i == 0 || tids[i] != tids[nt - 1])
			tids[nt++] = tids[i];
	for (size_t i = 0; i < nt && !rc; i++) {
		trace_record_init(&r, TRACE_KIND_THREAD);
		r.u.thread.id = (int64_t)i;
		r.u.thread.tid = tids[i];
		r.u.thread.name = "";
		rc = emit(sink, &r, err);
		x->st.threads++;
	}
	for (size_t i = 0; i < x->api.n && !rc; i++) {
		const struct api_call *c = &x->api.v[i];
		struct act a;
		struct trace_api_call *t = &a.rec.u.api_call;
		uint32_t *tid = bsearch(&c->tid, tids, nt, sizeof(*tids), cmp_u32);

		if (c->start == 0 && c->end == 0) {
			x->st.api_untimed++;
			continue;
		}
		memset(&a, 0, sizeof(a));
		trace_record_init(&a.rec, TRACE_KIND_API_CALL);
		t->start_ns = (int64_t)c->start;
		t->end_ns = (int64_t)c->end;
		t->thread = tid - tids;
		t->correlation = c->caused ? (int64_t)c->corr : -1;
		t->name = api_name(x, c);
		t->category = c->driver ? "cuda_driver" : "cuda_runtime";
		a.corr = c->corr;
		if (!t->name || VEC_PUSH(x->acts, a))
			rc = oom(err);
		x->st.api_calls++;
	}
	free(tids);
	return rc;
}

/* What trace_cuda_xlate_finish builds, phase by phase. */
struct finish {
	struct range *rg;          /* ranges and instants, by thread and start */
	size_t nrg, nmosaic;       /* nmosaic: of them mosaic ranges */
	struct stream_key *sk;     /* the activities' streams, in order of appearance */
	size_t nsk, cap_sk;
	struct names modules, phases;
	int quota;                 /* the activities' SMs: -1 none yet, 0 mixed */
};

/* 1. ranges from START/END pairs (same id); instants are 0-length. */
static int fin_ranges(struct trace_cuda_xlate *x, struct finish *f, struct mo_err *err)
{
	if (x->marks.n > 1)
		qsort(x->marks.v, x->marks.n, sizeof(*x->marks.v), cmp_mark);
	f->rg = calloc(x->marks.n + 1, sizeof(*f->rg));
	if (!f->rg)
		return oom(err);
	for (size_t i = 0; i < x->marks.n; i++) {
		const struct mark *m = &x->marks.v[i];
		struct range *o = &f->rg[f->nrg];

		if (m->flags & CUPTI_ACTIVITY_FLAG_MARKER_END)
			continue; /* consumed with its start, or unmatched */
		o->tid = m->tid;
		o->start = (int64_t)m->ts;
		o->end = o->start;
		o->name = m->name;
		o->domain = m->domain;
		if (m->flags & CUPTI_ACTIVITY_FLAG_MARKER_START) {
			if (i + 1 < x->marks.n && x->marks.v[i + 1].id == m->id &&
			    (x->marks.v[i + 1].flags & CUPTI_ACTIVITY_FLAG_MARKER_END))
				o->end = (int64_t)x->marks.v[i + 1].ts;
			else
				o->end = INT64_MAX; /* still open at exit */
		} else if (!(m->flags & CUPTI_ACTIVITY_FLAG_MARKER_INSTANTANEOUS)) {
			continue;
		}
		o->r.microbatch = o->r.step = -1;
		if (!strcmp(m->domain, TRACE_CUDA_NVTX_DOMAIN) ||
		    (!m->domain[0] && !strncmp(m->name, TRACE_CUDA_NVTX_PREFIX,
					       strlen(TRACE_CUDA_NVTX_PREFIX)))) {
			const char *msg = m->domain[0] ? m->name
						       : m->name + strlen(TRACE_CUDA_NVTX_PREFIX);
			if (trace_cuda_range_parse(msg, &o->r, NULL) == 0 && o->r.module[0])
				o->mosaic = 1, f->nmosaic++;
			else
				x->st.bad_ranges++;
		}
		f->nrg++;
	}
	if (f->nrg > 1)
		qsort(f->rg, f->nrg, sizeof(*f->rg), cmp_range);
	return 0;
}

/* The mosaic range an activity belongs to (mr: the nmosaic mosaic ranges),
 * or NULL: the innermost one open on its launch call's thread at the call,
 * else by time when the answer is unique over threads. */
static const struct range *attribute_one(struct trace_cuda_xlate *x, const struct range *mr,
					 size_t nmosaic, struct act *a)
{
	struct api_call key = {.corr = a->corr}, *c;
	const struct range *hit = NULL;
	int64_t when;
	int found = 0;

	c = x->api.n ? bsearch(&key, x->api.v, x->api.n, sizeof(key), cmp_api) : NULL;
	if (c)
		c->caused = 1;
	if (c && nmosaic) {
		hit = innermost(mr, nmosaic, c->tid, (int64_t)c->start);
		if (hit)
			x->st.by_correlation++;
	}
	if (hit || !nmosaic || (c && thread_has_ranges(mr, nmosaic, c->tid)))
		return hit;
	/* time fallback, unique over threads: at the launch call when it ran
	 * on a thread that never opens ranges (PyTorch's autograd threads),
	 * else at the kernel's start */
	when = c ? (int64_t)c->start : a->rec.u.kernel.start_ns;
	for (size_t j = 0; j < nmosaic;) {
		uint32_t tid = mr[j].tid;
		const struct range *h2 = innermost(mr, nmosaic, tid, when);
		if (h2) {
			found++;
			hit = h2;
		}
		while (j < nmosaic && mr[j].tid == tid)
			j++;
	}
	if (found != 1)
		return NULL;
	x->st.by_time++;
	return hit;
}

/* The module and phase ids of a mosaic range (defined on first use). */
static int range_ids(struct trace_cuda_xlate *x, struct finish *f, const struct range *rg,
		     int64_t *module, int64_t *phase)
{
	*module = name_id(&f->modules, intern(x->strings, rg->r.module));
	*phase = rg->r.phase[0] ? name_id(&f->phases, intern(x->strings, rg->r.phase)) : -1;
	return *module < 0 || (rg->r.phase[0] && *phase < 0) ? -1 : 0;
}

/* 2. attribute activities to mosaic ranges; every mosaic range's module
 * and phase get an id, also those that attributed nothing. */
static int fin_attribute(struct trace_cuda_xlate *x, struct finish *f, struct mo_err *err)
{
	struct range *mr = calloc(f->nmosaic + 1, sizeof(*mr)); /* for the lookups */
	size_t k = 0;
	int64_t m, ph;

	if (x->api.n > 1)
		qsort(x->api.v, x->api.n, sizeof(*x->api.v), cmp_api);
	if (!mr)
		return oom(err);
	for (size_t i = 0; i < f->nrg; i++)
		if (f->rg[i].mosaic)
			mr[k++] = f->rg[i];
	for (size_t i = 0; i < x->acts.n; i++) {
		struct trace_kernel *t = &x->acts.v[i].rec.u.kernel; /* shared activity prefix */
		const struct range *hit = attribute_one(x, mr, f->nmosaic, &x->acts.v[i]);

		if (!hit) {
			x->st.unattributed++;
			continue;
		}
		if (range_ids(x, f, hit, &t->module, &t->phase) < 0) {
			free(mr);
			return oom(err);
		}
		t->microbatch = hit->r.microbatch;
		t->step = hit->r.step;
	}
	free(mr);
	for (size_t i = 0; i < f->nrg; i++)
		if (f->rg[i].mosaic && range_ids(x, f, &f->rg[i], &m, &ph) < 0)
			return oom(err);
	return 0;
}

/* 3. partitions (green contexts, per device in context-id order). */
static void fin_partitions(struct trace_cuda_xlate *x)
{
	for (size_t i = 0; i < x->ctxs.n; i++) {
		struct ctx_info *ci = &x->ctxs.v[i];
		int id = 0;
		if (!ci->green)
			continue;
		for (size_t j = 0; j < x->ctxs.n; j++)
			if (x->ctxs.v[j].green && x->ctxs.v[j].dev == ci->dev &&
			    x->ctxs.v[j].ctx < ci->ctx)
				id++;
		ci->partition = id;
	}
}

/* 4. streams and partitions of activities; the header's quota. */
static int fin_streams(struct trace_cuda_xlate *x, struct finish *f, struct mo_err *err)
{
	f->quota = -1;
	for (size_t i = 0; i < x->acts.n; i++) {
		struct act *a = &x->acts.v[i];
		struct trace_kernel *t = &a->rec.u.kernel;
		struct ctx_info *ci = find_ctx(x, a->ctx);
		struct stream_key *sk;
		size_t j;
		int sms = ci && ci->green ? ci->sms : 0;

		for (j = 0; j < f->nsk; j++)
			if (f->sk[j].dev == a->dev && f->sk[j].ctx == a->ctx && f->sk[j].stream == a->stream)
				break;
		if (j == f->nsk) {
			int id = 0;
			if (MO_GROW(f->sk, f->nsk + 1, f->cap_sk) < 0)
				return oom(err);
			for (size_t q = 0; q < f->nsk; q++)
				id += f->sk[q].dev == a->dev;
			sk = &f->sk[f->nsk++];
			sk->dev = a->dev, sk->ctx = a->ctx, sk->stream = a->stream;
			sk->id = id;
		}
		t->stream = f->sk[j].id;
		t->partition = ci && ci->green ? ci->partition : -1;
		if (f->quota == -1)
			f->quota = sms;
		else if (f->quota != sms)
			f->quota = 0;
	}
	return 0;
}

/* 5a. the devices: those CUPTI described, then those seen only in activities. */
static int emit_devices(struct trace_cuda_xlate *x, const struct finish *f,
			const struct trace_sink *sink, struct mo_err *err)
{
	struct trace_record r;
	int rc;

	for (size_t i = 0; i < x->devs.n; i++) {
		trace_record_init(&r, TRACE_KIND_DEVICE);
		r.u.device.id = x->devs.v[i].id;
		r.u.device.sms = x->devs.v[i].numMultiprocessors;
		r.u.device.name = x->devs.v[i].name;
		if ((rc = emit(sink, &r, err)))
			return rc;
	}
	for (size_t i = 0; i < f->nsk; i++) {
		int known = 0;
		for (size_t j = 0; j < x->devs.n; j++)
			known |= x->devs.v[j].id == f->sk[i].dev;
		for (size_t j = 0; j < i; j++)
			known |= f->sk[j].dev == f->sk[i].dev;
		if (known)
			continue;
		trace_record_init(&r, TRACE_KIND_DEVICE);
		r.u.device.id = f->sk[i].dev;
		r.u.device.name = "unknown";
		if ((rc = emit(sink, &r, err)))
			return rc;
	}
	return 0;
}

/* 5b. partitions (green contexts) and streams. */
static int emit_streams(struct trace_cuda_xlate *x, const struct finish *f,
			const struct trace_sink *sink, struct mo_err *err)
{
	struct trace_record r;
	char name[64];
	int rc;

	for (size_t i = 0; i < x->ctxs.n; i++) {
		if (!x->ctxs.v[i].green)
			continue;
		snprintf(name, sizeof(name), "green-ctx-%u", x->ctxs.v[i].ctx);
		trace_record_init(&r, TRACE_KIND_PARTITION);
		r.u.partition.device = x->ctxs.v[i].dev;
		r.u.partition.id = x->ctxs.v[i].partition;
		r.u.partition.sms = x->ctxs.v[i].sms;
		r.u.partition.name = intern(x->strings, name);
		if ((rc = emit(sink, &r, err)))
			return rc;
	}
	for (size_t i = 0; i < f->nsk; i++) {
		struct ctx_info *ci = find_ctx(x, f->sk[i].ctx);
		snprintf(name, sizeof(name), "ctx%u/stream%u", f->sk[i].ctx, f->sk[i].stream);
		trace_record_init(&r, TRACE_KIND_STREAM);
		r.u.stream.device = f->sk[i].dev;
		r.u.stream.id = f->sk[i].id;
		r.u.stream.partition = ci && ci->green ? ci->partition : -1;
		r.u.stream.name = intern(x->strings, name);
		if ((rc = emit(sink, &r, err)))
			return rc;
	}
	return 0;
}

/* 5c. module and phase definitions. */
static int emit_names(const struct finish *f, const struct trace_sink *sink, struct mo_err *err)
{
	struct trace_record r;
	int rc;

	for (size_t i = 0; i < f->modules.n; i++) {
		trace_record_init(&r, TRACE_KIND_MODULE);
		r.u.module.id = (int64_t)i;
		r.u.module.name = f->modules.v[i];
		if ((rc = emit(sink, &r, err)))
			return rc;
	}
	for (size_t i = 0; i < f->phases.n; i++) {
		trace_record_init(&r, TRACE_KIND_PHASE);
		r.u.phase.id = (int64_t)i;
		r.u.phase.name = f->phases.v[i];
		if ((rc = emit(sink, &r, err)))
			return rc;
	}
	return 0;
}

/* 5d. markers join the activities as records (sorted with them by time). */
static int fin_markers(struct trace_cuda_xlate *x, struct finish *f, struct mo_err *err)
{
	for (size_t i = 0; i < f->nrg; i++) {
		const struct range *rg = &f->rg[i];
		struct act a;
		struct trace_marker *m = &a.rec.u.marker;
		char cat[80];

		memset(&a, 0, sizeof(a));
		trace_record_init(&a.rec, TRACE_KIND_MARKER);
		m->start_ns = rg->start;
		m->end_ns = rg->end == INT64_MAX ? rg->start : rg->end;
		m->name = rg->name;
		snprintf(cat, sizeof(cat), "nvtx%s%s", rg->domain[0] ? ":" : "", rg->domain);
		m->category = intern(x->strings, cat);
		if (rg->mosaic) {
			range_ids(x, f, rg, &m->module, &m->phase); /* defined by fin_attribute */
			m->microbatch = rg->r.microbatch;
			m->step = rg->r.step;
		}
		a.corr = UINT32_MAX;
		if (VEC_PUSH(x->acts, a))
			return oom(err);
		x->st.markers++;
	}
	return 0;
}

/* 5. emit: header, definitions, then activities and markers by time. */
static int fin_emit(struct trace_cuda_xlate *x, struct finish *f, const struct trace_sink *sink,
		    struct mo_err *err)
{
	struct trace_header h;
	int rc;

	fill_header(x, &h);
	h.quota_sms = f->quota > 0 ? f->quota : 0;
	if ((rc = sink->header(sink->ctx, &h, err)) || (rc = emit_devices(x, f, sink, err)) ||
	    (rc = emit_streams(x, f, sink, err)) || (rc = emit_names(f, sink, err)) ||
	    (rc = host_records(x, sink, err)) || (rc = fin_markers(x, f, err)))
		return rc;
	if (x->acts.n > 1)
		qsort(x->acts.v, x->acts.n, sizeof(*x->acts.v), cmp_act);
	for (size_t i = 0; i < x->acts.n; i++)
		if ((rc = emit(sink, &x->acts.v[i].rec, err)))
			return rc;
	return 0;
}

int trace_cuda_xlate_finish(struct trace_cuda_xlate *x, const struct trace_sink *sink,
			    struct mo_err *err)
{
	struct finish f;
	int rc;

	memset(&f, 0, sizeof(f));
	if ((rc = fin_ranges(x, &f, err)) == 0 && (rc = fin_attribute(x, &f, err)) == 0) {
		fin_partitions(x);
		if ((rc = fin_streams(x, &f, err)) == 0)
			rc = fin_emit(x, &f, sink, err);
	}
	free(f.rg);
	free(f.sk);
	free(f.modules.v);
	free(f.phases.v);
	return rc;
}
