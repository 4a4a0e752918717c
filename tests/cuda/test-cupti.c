/*
 * test-cupti.c - CUPTI activity records as CUDA 13 defines them, built in
 * memory, through the translator into mosaic records: launch facts, green
 * context partitions, NCCL collectives, memcpy kinds, memsets, and NVTX
 * attribution by correlation id and by time.  Needs the CUPTI headers, not
 * libcupti or a GPU.
 */
#include <check.h>
#include <cupti.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/common/trace-find.h"
#include "traces/cuda/trace-cuda.h"
#include "traces/traces.h"

static void feed(struct trace_cuda_xlate *x, const void *rec)
{
	struct mo_err err = {0};
	ck_assert_int_eq(trace_cuda_xlate_add(x, rec, &err), 0);
}

static void kernel(struct trace_cuda_xlate *x, const char *name, uint32_t corr, uint32_t ctx,
		   uint32_t stream, uint64_t start, uint64_t end)
{
	CUpti_ActivityKernel10 k;

	memset(&k, 0, sizeof(k));
	k.kind = CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL;
	k.name = name;
	k.correlationId = corr;
	k.deviceId = 0;
	k.contextId = ctx;
	k.streamId = stream;
	k.start = start;
	k.end = end;
	k.gridX = 132, k.gridY = 2, k.gridZ = 1;
	k.blockX = 256, k.blockY = 1, k.blockZ = 1;
	k.registersPerThread = 96;
	k.staticSharedMemory = 1024;
	k.dynamicSharedMemory = 49152;
	feed(x, &k);
}

static void call(struct trace_cuda_xlate *x, int driver, uint32_t cbid, uint32_t corr,
		 uint32_t tid, uint64_t start, uint64_t end)
{
	CUpti_ActivityAPI a;

	memset(&a, 0, sizeof(a));
	a.kind = driver ? CUPTI_ACTIVITY_KIND_DRIVER : CUPTI_ACTIVITY_KIND_RUNTIME;
	a.cbid = cbid;
	a.correlationId = corr;
	a.threadId = tid;
	a.processId = 4242;
	a.start = start;
	a.end = end;
	feed(x, &a);
}

/* A runtime call (callback id 0) on thread tid at t, 5 ns long. */
static void api(struct trace_cuda_xlate *x, uint32_t corr, uint32_t tid, uint64_t t)
{
	call(x, 0, 0, corr, tid, t, t + 5);
}

static void mark(struct trace_cuda_xlate *x, uint32_t id, uint32_t tid, uint64_t t, int flags,
		 const char *name, const char *domain)
{
	CUpti_ActivityMarker2 m;

	memset(&m, 0, sizeof(m));
	m.kind = CUPTI_ACTIVITY_KIND_MARKER;
	m.flags = (CUpti_ActivityFlag)flags;
	m.timestamp = t;
	m.id = id;
	m.objectKind = CUPTI_ACTIVITY_OBJECT_THREAD;
	m.objectId.pt.processId = 4242;
	m.objectId.pt.threadId = tid;
	m.name = name;
	m.domain = domain;
	feed(x, &m);
}

static void range(struct trace_cuda_xlate *x, uint32_t id, uint32_t tid, uint64_t s, uint64_t e,
		  const char *msg, const char *domain)
{
	/* the END arrives first on purpose: CUPTI buffers are not in order */
	mark(x, id, tid, e, CUPTI_ACTIVITY_FLAG_MARKER_END, NULL, domain);
	mark(x, id, tid, s, CUPTI_ACTIVITY_FLAG_MARKER_START, msg, domain);
}

static void context(struct trace_cuda_xlate *x, uint32_t ctx, int green, int sms)
{
	CUpti_ActivityContext3 c;

	memset(&c, 0, sizeof(c));
	c.kind = CUPTI_ACTIVITY_KIND_CONTEXT;
	c.contextId = ctx;
	c.deviceId = 0;
	c.isGreenContext = (uint8_t)green;
	c.numMultiprocessors = (uint16_t)sms;
	feed(x, &c);
}

static void device(struct trace_cuda_xlate *x)
{
	CUpti_ActivityDevice5 d;

	memset(&d, 0, sizeof(d));
	d.kind = CUPTI_ACTIVITY_KIND_DEVICE;
	d.id = 0;
	d.name = "NVIDIA H100 80GB HBM3";
	d.numMultiprocessors = 132;
	d.computeCapabilityMajor = 9;
	d.computeCapabilityMinor = 0;
	d.globalMemorySize = 85520809984ULL;
	d.numThreadsPerWarp = 32;
	d.maxWarpsPerMultiprocessor = 64;
	d.maxThreadsPerBlock = 1024;
	d.maxRegistersPerMultiprocessor = 65536;
	d.maxRegistersPerBlock = 65536;
	d.maxSharedMemoryPerMultiprocessor = 233472;
	d.maxSharedMemoryPerBlock = 49152;
	feed(x, &d);
}

static struct trace_mem run(struct trace_cuda_xlate *x)
{
	struct trace_mem t;
	struct trace_sink s;
	struct mo_err err = {0};

	trace_mem_init(&t);
	s = trace_sink_mem(&t);
	ck_assert_msg(trace_cuda_xlate_finish(x, &s, &err) == 0, "%s", err.msg);
	return t;
}

static const struct trace_kernel *kernel_by_corr(const struct trace_mem *t, int64_t corr)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->recs[i].kind == TRACE_KIND_KERNEL && t->recs[i].u.kernel.correlation == corr)
			return &t->recs[i].u.kernel;
	return NULL;
}

START_TEST(kernels_keep_their_launch_facts)
{
	struct trace_cuda_xlate *x = trace_cuda_xlate_new("mosaic recorder test", "unit");
	struct trace_mem t;
	const struct trace_kernel *k;

	device(x);
	kernel(x, "sm90_xmma_gemm_bf16", 7, 1, 13, 5000, 9000);
	t = run(x);
	ck_assert_int_eq(t.header.source, TRACE_SOURCE_MEASURED);
	ck_assert_str_eq(t.header.gpu_name, "NVIDIA H100 80GB HBM3");
	ck_assert_int_eq(t.header.gpu_sms, 132);
	ck_assert_int_eq(t.header.gpu_cc_major, 9);
	ck_assert_int_eq(t.header.gpu_max_threads_per_sm, 2048);
	ck_assert_int_eq(t.header.quota_sms, 0);
	k = kernel_by_corr(&t, 7);
	ck_assert_ptr_nonnull(k);
	ck_assert_str_eq(k->name, "sm90_xmma_gemm_bf16");
	ck_assert_int_eq(k->start_ns, 5000);
	ck_assert_int_eq(k->end_ns, 9000);
	ck_assert_int_eq(k->grid_x, 132);
	ck_assert_int_eq(k->grid_y, 2);
	ck_assert_int_eq(k->block_x, 256);
	ck_assert_int_eq(k->registers, 96);
	ck_assert_int_eq(k->static_smem, 1024);
	ck_assert_int_eq(k->dynamic_smem, 49152);
	ck_assert_int_eq(k->device, 0);
	ck_assert_int_eq(k->stream, 0);
	ck_assert_int_eq(k->partition, -1);
	ck_assert_int_eq(k->module, -1);
	ck_assert_int_eq(trace_cuda_xlate_stats(x)->kernels, 1);
	ck_assert_int_eq(trace_cuda_xlate_stats(x)->unattributed, 1);
	trace_mem_release(&t);
	trace_cuda_xlate_free(x);
}
END_TEST

START_TEST(nvtx_ranges_attribute_kernels_through_correlation)
{
	struct trace_cuda_xlate *x = trace_cuda_xlate_new(NULL, NULL);
	struct trace_mem t;
	const struct trace_kernel *k;

	/* thread 1: vision forward mb 0; thread 2: llm backward mb 3 holding a
	 * nested llm backward mb 4; a range of another domain on thread 1 */
	range(x, 1, 1, 100, 500, "module=vision;phase=forward;mb=0", "mosaic");
	range(x, 2, 2, 150, 900, "module=llm;phase=backward;mb=3;step=9", "mosaic");
	range(x, 3, 2, 300, 400, "module=llm;phase=backward;mb=4;step=9", "mosaic");
	range(x, 4, 1, 120, 480, "ncclAllReduce", "NCCL");
	/* launches; kernels run later on the GPU, after the ranges closed */
	api(x, 11, 1, 200);
	api(x, 12, 2, 200);
	api(x, 13, 2, 350);
	api(x, 14, 1, 600);
	kernel(x, "vit_gemm", 11, 1, 7, 2000, 3000);
	kernel(x, "llm_gemm", 12, 1, 8, 2000, 2500);
	kernel(x, "llm_attn", 13, 1, 8, 2600, 2900);
	kernel(x, "late", 14, 1, 7, 3100, 3200);
	/* launched by a thread without ranges (an autograd thread) while only
	 * thread 1 had one open: attributed by time; while two threads had
	 * ranges open: left alone */
	range(x, 5, 4, 1000, 1100, "module=audio;phase=backward;mb=5", "mosaic");
	api(x, 15, 3, 1050);
	kernel(x, "autograd", 15, 1, 9, 3300, 3400);
	api(x, 16, 3, 250);
	kernel(x, "ambiguous", 16, 1, 9, 3500, 3600);
	t = run(x);

	k = kernel_by_corr(&t, 11);
	ck_assert_str_eq(test_module_name(&t, k->module), "vision");
	ck_assert_str_eq(test_phase_name(&t, k->phase), "forward");
	ck_assert_int_eq(k->microbatch, 0);
	ck_assert_int_eq(k->step, -1);
	k = kernel_by_corr(&t, 12);
	ck_assert_str_eq(test_module_name(&t, k->module), "llm");
	ck_assert_str_eq(test_phase_name(&t, k->phase), "backward");
	ck_assert_int_eq(k->microbatch, 3);
	ck_assert_int_eq(k->step, 9);
	k = kernel_by_corr(&t, 13); /* the inner range wins */
	ck_assert_int_eq(k->microbatch, 4);
	k = kernel_by_corr(&t, 14);
	ck_assert_int_eq(k->module, -1);
	k = kernel_by_corr(&t, 15); /* only thread 4's audio range open at 1050 */
	ck_assert_str_eq(test_module_name(&t, k->module), "audio");
	ck_assert_int_eq(k->microbatch, 5);
	k = kernel_by_corr(&t, 16); /* t=250: ranges open on threads 1 and 2 */
	ck_assert_int_eq(k->module, -1);
	ck_assert_int_eq(trace_cuda_xlate_stats(x)->by_correlation, 3);
	ck_assert_int_eq(trace_cuda_xlate_stats(x)->by_time, 1);
	ck_assert_int_eq(trace_cuda_xlate_stats(x)->unattributed, 2);
	/* the ranges themselves are markers; the NCCL one keeps its domain */
	ck_assert_int_eq(trace_cuda_xlate_stats(x)->markers, 5);
	{
		int nccl = 0, mosaic = 0;
		for (int i = 0; test_nth_kind(&t, TRACE_KIND_MARKER, i); i++) {
			const struct trace_marker *m = &test_nth_kind(&t, TRACE_KIND_MARKER, i)->u.marker;
			if (!strcmp(m->category, "nvtx:NCCL")) {
				nccl++;
				ck_assert_int_eq(m->start_ns, 120);
				ck_assert_int_eq(m->end_ns, 480);
				ck_assert_int_eq(m->module, -1);
			} else if (!strcmp(m->category, "nvtx:mosaic")) {
				mosaic++;
				ck_assert_int_ge(m->module, 0);
			}
		}
		ck_assert_int_eq(nccl, 1);
		ck_assert_int_eq(mosaic, 4);
	}
	trace_mem_release(&t);
	trace_cuda_xlate_free(x);
}
END_TEST

START_TEST(runtime_and_driver_calls_become_api_call_records)
{
	struct trace_cuda_xlate *x = trace_cuda_xlate_new(NULL, NULL);
	const struct trace_cuda_xlate_stats *st;
	struct trace_mem t;
	const struct trace_record *r;
	int64_t first_call = -1, first_kernel = -1;

	/* OS thread 77 launches kernel 21, then synchronises (no activity);
	 * thread 55 launches kernel 23 through the driver; a call CUPTI could
	 * not time; a call mosaic has no name for */
	call(x, 0, CUPTI_RUNTIME_TRACE_CBID_cudaLaunchKernel_v7000, 21, 77, 100, 105);
	call(x, 0, CUPTI_RUNTIME_TRACE_CBID_cudaStreamSynchronize_v3020, 22, 77, 200, 2100);
	call(x, 1, CUPTI_DRIVER_TRACE_CBID_cuLaunchKernel, 23, 55, 300, 304);
	call(x, 0, CUPTI_RUNTIME_TRACE_CBID_cudaMemcpyAsync_v3020, 24, 77, 0, 0);
	call(x, 0, 9999, 25, 77, 400, 401);
	kernel(x, "k21", 21, 1, 7, 1000, 2000);
	kernel(x, "k23", 23, 1, 7, 2000, 2500);
	t = run(x);
	st = trace_cuda_xlate_stats(x);
	ck_assert_uint_eq(st->threads, 2);
	ck_assert_uint_eq(st->api_calls, 4);
	ck_assert_uint_eq(st->api_untimed, 1);
	/* threads: ids in the order of the OS ids */
	ck_assert_ptr_nonnull(r = test_nth_kind(&t, TRACE_KIND_THREAD, 0));
	ck_assert_int_eq(r->u.thread.id, 0);
	ck_assert_int_eq(r->u.thread.tid, 55);
	ck_assert_ptr_nonnull(r = test_nth_kind(&t, TRACE_KIND_THREAD, 1));
	ck_assert_int_eq(r->u.thread.tid, 77);
	ck_assert_ptr_null(test_nth_kind(&t, TRACE_KIND_THREAD, 2));
	/* calls in time order, named, on their thread, correlated when they
	 * caused an activity */
	ck_assert_ptr_nonnull(r = test_nth_kind(&t, TRACE_KIND_API_CALL, 0));
	ck_assert_str_eq(r->u.api_call.name, "cudaLaunchKernel");
	ck_assert_str_eq(r->u.api_call.category, "cuda_runtime");
	ck_assert_int_eq(r->u.api_call.start_ns, 100);
	ck_assert_int_eq(r->u.api_call.end_ns, 105);
	ck_assert_int_eq(r->u.api_call.thread, 1);
	ck_assert_int_eq(r->u.api_call.correlation, 21);
	ck_assert_ptr_nonnull(r = test_nth_kind(&t, TRACE_KIND_API_CALL, 1));
	ck_assert_str_eq(r->u.api_call.name, "cudaStreamSynchronize");
	ck_assert_int_eq(r->u.api_call.correlation, -1);
	ck_assert_ptr_nonnull(r = test_nth_kind(&t, TRACE_KIND_API_CALL, 2));
	ck_assert_str_eq(r->u.api_call.name, "cuLaunchKernel");
	ck_assert_str_eq(r->u.api_call.category, "cuda_driver");
	ck_assert_int_eq(r->u.api_call.thread, 0);
	ck_assert_int_eq(r->u.api_call.correlation, 23);
	ck_assert_ptr_nonnull(r = test_nth_kind(&t, TRACE_KIND_API_CALL, 3));
	ck_assert_str_eq(r->u.api_call.name, "cuda runtime call 9999");
	ck_assert_int_eq(r->u.api_call.correlation, -1);
	ck_assert_ptr_null(test_nth_kind(&t, TRACE_KIND_API_CALL, 4));
	/* a launch precedes the kernel it caused in the record order */
	for (size_t i = 0; i < t.n; i++) {
		if (first_call < 0 && t.recs[i].kind == TRACE_KIND_API_CALL)
			first_call = (int64_t)i;
		if (first_kernel < 0 && t.recs[i].kind == TRACE_KIND_KERNEL)
			first_kernel = (int64_t)i;
	}
	ck_assert_int_lt(first_call, first_kernel);
	ck_assert_int_eq(kernel_by_corr(&t, 21)->correlation, 21);
	trace_mem_release(&t);
	trace_cuda_xlate_free(x);
}
END_TEST

START_TEST(without_api_records_time_attributes_only_unambiguous_kernels)
{
	struct trace_cuda_xlate *x = trace_cuda_xlate_new(NULL, NULL);
	struct trace_mem t;

	range(x, 1, 1, 1000, 2000, "module=audio;phase=forward;mb=1", "mosaic");
	range(x, 2, 2, 1500, 3000, "module=llm;phase=forward;mb=1", "mosaic");
	range(x, 3, 1, 4000, 5000, "module=audio", "mosaic");
	range(x, 4, 1, 6000, 7000, "phase=forward;mb=x", "mosaic"); /* bad */
	/* the default domain with the prefix (torch.cuda.nvtx) counts too */
	range(x, 5, 1, 8000, 9000, "mosaic:module=proj;phase=backward;mb=2", NULL);
	range(x, 6, 1, 8100, 8900, "aten::mm", NULL);
	kernel(x, "e", 5, 1, 7, 8500, 8600);
	kernel(x, "a", 1, 1, 7, 1100, 1200);  /* only audio open */
	kernel(x, "b", 2, 1, 7, 1600, 1700);  /* audio and llm open: ambiguous */
	kernel(x, "c", 3, 1, 7, 2500, 2600);  /* only llm */
	kernel(x, "d", 4, 1, 7, 4500, 4600);  /* audio, no phase */
	t = run(x);
	ck_assert_str_eq(test_module_name(&t, kernel_by_corr(&t, 1)->module), "audio");
	ck_assert_int_eq(kernel_by_corr(&t, 2)->module, -1);
	ck_assert_str_eq(test_module_name(&t, kernel_by_corr(&t, 3)->module), "llm");
	ck_assert_str_eq(test_module_name(&t, kernel_by_corr(&t, 4)->module), "audio");
	ck_assert_int_eq(kernel_by_corr(&t, 4)->phase, -1);
	ck_assert_int_eq(kernel_by_corr(&t, 4)->microbatch, -1);
	ck_assert_str_eq(test_module_name(&t, kernel_by_corr(&t, 5)->module), "proj");
	ck_assert_str_eq(test_phase_name(&t, kernel_by_corr(&t, 5)->phase), "backward");
	ck_assert_int_eq(kernel_by_corr(&t, 5)->microbatch, 2);
	ck_assert_int_eq(trace_cuda_xlate_stats(x)->by_time, 4);
	ck_assert_int_eq(trace_cuda_xlate_stats(x)->unattributed, 1);
	ck_assert_int_eq(trace_cuda_xlate_stats(x)->bad_ranges, 1);
	trace_mem_release(&t);
	trace_cuda_xlate_free(x);
}
END_TEST

START_TEST(green_contexts_become_partitions)
{
	struct trace_cuda_xlate *x = trace_cuda_xlate_new(NULL, NULL);
	struct trace_mem t;
	const struct trace_record *p;
	int parts = 0, streams = 0;

	device(x);
	context(x, 1, 0, 0);
	context(x, 6, 1, 48);
	context(x, 5, 1, 64);
	kernel(x, "in_green_64", 1, 5, 20, 100, 200);
	kernel(x, "in_green_48", 2, 6, 21, 100, 300);
	kernel(x, "primary", 3, 1, 7, 400, 500);
	t = run(x);
	for (int i = 0; (p = test_nth_kind(&t, TRACE_KIND_PARTITION, i)); i++) {
		parts++;
		if (p->u.partition.id == 0)
			ck_assert_int_eq(p->u.partition.sms, 64); /* context 5 < 6 */
		else
			ck_assert_int_eq(p->u.partition.sms, 48);
	}
	ck_assert_int_eq(parts, 2);
	for (int i = 0; (p = test_nth_kind(&t, TRACE_KIND_STREAM, i)); i++)
		streams++;
	ck_assert_int_eq(streams, 3);
	ck_assert_int_eq(kernel_by_corr(&t, 1)->partition, 0);
	ck_assert_int_eq(kernel_by_corr(&t, 2)->partition, 1);
	ck_assert_int_eq(kernel_by_corr(&t, 3)->partition, -1);
	ck_assert_int_eq(t.header.quota_sms, 0); /* mixed */
	trace_mem_release(&t);
	trace_cuda_xlate_free(x);

	/* all work in one 64-SM green context: the header says so */
	x = trace_cuda_xlate_new(NULL, NULL);
	context(x, 5, 1, 64);
	kernel(x, "k", 1, 5, 20, 100, 200);
	t = run(x);
	ck_assert_int_eq(t.header.quota_sms, 64);
	trace_mem_release(&t);
	trace_cuda_xlate_free(x);
}
END_TEST

START_TEST(nccl_memcpy_and_memset_records)
{
	struct trace_cuda_xlate *x = trace_cuda_xlate_new(NULL, NULL);
	struct trace_mem t;
	CUpti_ActivityMemcpy6 m;
	CUpti_ActivityMemset4 s;
	const struct trace_record *r;

	kernel(x, "ncclDevKernel_AllReduce_Sum_bf16_RING_LL", 1, 1, 9, 100, 900);
	memset(&m, 0, sizeof(m));
	m.kind = CUPTI_ACTIVITY_KIND_MEMCPY;
	m.copyKind = CUPTI_ACTIVITY_MEMCPY_KIND_HTOD;
	m.bytes = 1 << 20;
	m.start = 10, m.end = 90, m.deviceId = 0, m.contextId = 1, m.streamId = 7;
	m.correlationId = 2;
	feed(x, &m);
	m.copyKind = CUPTI_ACTIVITY_MEMCPY_KIND_PTOP;
	m.start = 950, m.end = 990, m.correlationId = 3;
	feed(x, &m);
	memset(&s, 0, sizeof(s));
	s.kind = CUPTI_ACTIVITY_KIND_MEMSET;
	s.bytes = 4096;
	s.start = 1000, s.end = 1010, s.deviceId = 0, s.contextId = 1, s.streamId = 7;
	s.correlationId = 4;
	feed(x, &s);
	t = run(x);
	r = test_nth_kind(&t, TRACE_KIND_COLLECTIVE, 0);
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(r->u.collective.coll, TRACE_COLL_ALLREDUCE);
	ck_assert_str_eq(r->u.collective.dtype, "bf16");
	ck_assert_int_eq(r->u.collective.grid_x, 132);
	ck_assert_ptr_null(test_nth_kind(&t, TRACE_KIND_KERNEL, 0));
	r = test_nth_kind(&t, TRACE_KIND_MEMCPY, 0);
	ck_assert_int_eq(r->u.memcpy.copy_kind, TRACE_COPY_HTOD);
	ck_assert_int_eq(r->u.memcpy.bytes, 1 << 20);
	r = test_nth_kind(&t, TRACE_KIND_MEMCPY, 1);
	ck_assert_int_eq(r->u.memcpy.copy_kind, TRACE_COPY_PTOP);
	r = test_nth_kind(&t, TRACE_KIND_MEMSET, 0);
	ck_assert_int_eq(r->u.memset.bytes, 4096);
	ck_assert_int_eq(r->u.memset.start_ns, 1000);
	ck_assert_int_eq(trace_cuda_xlate_stats(x)->collectives, 1);
	trace_mem_release(&t);
	trace_cuda_xlate_free(x);
}
END_TEST

static void count_problem(void *ctx, const char *problem)
{
	(*(int *)ctx)++;
	fprintf(stderr, "problem: %s\n", problem);
}

START_TEST(the_written_trace_reads_back_and_validates)
{
	struct trace_cuda_xlate *x = trace_cuda_xlate_new("mosaic recorder test", "unit");
	struct trace_writer *w = NULL;
	struct trace_sink sink;
	struct trace_reader *rd;
	struct trace_record rec;
	struct trace_check *c;
	struct mo_err err = {0};
	char path[] = "/tmp/mosaic-test-cupti-XXXXXX";
	int fd = mkstemp(path), problems = 0, kernels = 0, rc;

	ck_assert_int_ge(fd, 0);
	close(fd);
	device(x);
	context(x, 5, 1, 64);
	range(x, 1, 1, 100, 500, "module=vision;phase=forward;mb=0", "mosaic");
	api(x, 1, 1, 200);
	api(x, 2, 1, 300);
	kernel(x, "k1", 1, 5, 20, 1000, 2000);
	kernel(x, "k2", 2, 5, 20, 2000, 2500);
	ck_assert_int_eq(trace_sink_writer(&sink, &w, path), 0);
	ck_assert_msg(trace_cuda_xlate_finish(x, &sink, &err) == 0, "%s", err.msg);
	ck_assert_msg(trace_writer_close(w, &err) == 0, "%s", err.msg);
	rd = trace_reader_open(path, &err);
	ck_assert_msg(rd != NULL, "%s", err.msg);
	ck_assert_int_eq(trace_reader_header(rd)->source, TRACE_SOURCE_MEASURED);
	c = trace_check_new(trace_reader_header(rd));
	while ((rc = trace_reader_next(rd, &rec, &err)) > 0) {
		trace_check_add(c, &rec, trace_reader_index(rd));
		kernels += rec.kind == TRACE_KIND_KERNEL;
	}
	ck_assert_int_eq(rc, 0);
	ck_assert_int_eq(trace_check_finish(c, count_problem, &problems), 0);
	ck_assert_int_eq(problems, 0);
	ck_assert_int_eq(kernels, 2);
	trace_check_free(c);
	trace_reader_free(rd);
	unlink(path);
	trace_cuda_xlate_free(x);
}
END_TEST

START_TEST(unknown_activity_kinds_are_counted_and_skipped)
{
	struct trace_cuda_xlate *x = trace_cuda_xlate_new(NULL, NULL);
	CUpti_ActivityOverhead3 o;
	struct trace_mem t;

	memset(&o, 0, sizeof(o));
	o.kind = CUPTI_ACTIVITY_KIND_OVERHEAD;
	feed(x, &o);
	t = run(x);
	ck_assert_int_eq(trace_cuda_xlate_stats(x)->ignored, 1);
	ck_assert_int_eq(trace_cuda_xlate_stats(x)->records, 1);
	trace_mem_release(&t);
	trace_cuda_xlate_free(x);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cupti");
	TCase *tc = tcase_create("xlate");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, kernels_keep_their_launch_facts);
	tcase_add_test(tc, nvtx_ranges_attribute_kernels_through_correlation);
	tcase_add_test(tc, runtime_and_driver_calls_become_api_call_records);
	tcase_add_test(tc, without_api_records_time_attributes_only_unambiguous_kernels);
	tcase_add_test(tc, green_contexts_become_partitions);
	tcase_add_test(tc, nccl_memcpy_and_memset_records);
	tcase_add_test(tc, the_written_trace_reads_back_and_validates);
	tcase_add_test(tc, unknown_activity_kinds_are_counted_and_skipped);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
