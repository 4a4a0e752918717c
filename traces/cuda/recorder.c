/*
 * recorder.c - libmosaic-recorder.so: records a CUDA program with the CUPTI
 * Activity API and writes a mosaic trace (source: measured) at exit.
 *
 * Loading.  Three ways, all into the same code:
 *  - CUDA_INJECTION64_PATH=libmosaic-recorder.so: the driver calls
 *    InitializeInjection() during cuInit (what `mosaic record` uses);
 *  - LD_PRELOAD=libmosaic-recorder.so: the constructor starts recording at
 *    load time (when CUDA_INJECTION64_PATH does not also name us);
 *  - NVTX_INJECTION64_PATH=libmosaic-recorder.so: NVTX calls
 *    InitializeInjectionNvtx2(), which we hand to libcupti's own, so NVTX
 *    ranges become CUPTI MARKER records (`mosaic record` sets it).
 *
 * Environment: MOSAIC_TRACE_OUT names the output ("%p" -> process id, "%r"
 * -> MPI rank from OMPI_COMM_WORLD_RANK / SLURM_PROCID / PMI_RANK, "%%" -> %);
 * default "mosaic-%p.mtr".  MOSAIC_RECORDER_QUIET=1 silences the one-line
 * summary on stderr.  A process that recorded no activity writes nothing
 * (children such as shells and data-loader workers inherit the variables).
 *
 * State.  An injected library has to keep process-wide state (CUPTI calls
 * back into plain functions); it is one static struct guarded by a mutex.
 *
 * Flushing.  At exit (atexit): cuptiActivityFlushAll(FORCED), then translate
 * and write.  On SIGINT/SIGTERM: a signal handler may not call CUPTI, malloc
 * or stdio, so it only stores the signal number and sem_post()s (both
 * async-signal-safe); a writer thread blocked in sem_wait() then flushes and
 * writes the trace, restores the default action and re-raises the signal so
 * the process ends with the status it would have had.  If the program had
 * installed its own handler for a signal before we start, we leave that
 * signal alone: the program decides, and a normal exit still runs atexit.
 */
#include "traces/cuda/trace-cuda.h"

#include <cupti.h>
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))
#define BUF_SIZE (8u << 20)

static struct {
	pthread_once_t once;
	pthread_mutex_t lock;
	int started;      /* CUPTI activity recording enabled */
	int written;      /* the trace has been written (or given up) */
	struct trace_cuda_xlate *x;
	uint64_t dropped;
	char out[4096];
	sem_t wake;
	volatile sig_atomic_t signo;
	int quiet;
} rec = {PTHREAD_ONCE_INIT, PTHREAD_MUTEX_INITIALIZER, 0, 0, NULL, 0, "", {{0}}, 0, 0};

static void warn(const char *what, CUptiResult r)
{
	const char *s = "unknown";
	cuptiGetResultString(r, &s);
	fprintf(stderr, "mosaic recorder: %s failed: %s\n", what, s);
}

static void CUPTIAPI buffer_requested(uint8_t **buffer, size_t *size, size_t *max_records)
{
	void *p = NULL;

	if (posix_memalign(&p, 8, BUF_SIZE))
		p = NULL;
	*buffer = p;
	*size = p ? BUF_SIZE : 0;
	*max_records = 0;
}

static void CUPTIAPI buffer_completed(CUcontext ctx, uint32_t stream, uint8_t *buffer, size_t size,
				      size_t valid)
{
	CUpti_Activity *a = NULL;
	size_t dropped = 0;
	struct mo_err err = {0};

	(void)size;
	pthread_mutex_lock(&rec.lock);
	while (rec.x && cuptiActivityGetNextRecord(buffer, valid, &a) == CUPTI_SUCCESS)
		if (trace_cuda_xlate_add(rec.x, a, &err)) {
			fprintf(stderr, "mosaic recorder: %s\n", err.msg);
			break;
		}
	if (cuptiActivityGetNumDroppedRecords(ctx, stream, &dropped) == CUPTI_SUCCESS)
		rec.dropped += dropped;
	pthread_mutex_unlock(&rec.lock);
	free(buffer);
}

/* MOSAIC_TRACE_OUT with %p, %r and %% expanded. */
static void out_path(char *buf, size_t cap)
{
	const char *rank = getenv("OMPI_COMM_WORLD_RANK");

	if (!rank)
		rank = getenv("SLURM_PROCID");
	if (!rank)
		rank = getenv("PMI_RANK");
	if (trace_cuda_out_path(getenv("MOSAIC_TRACE_OUT"), (long)getpid(), rank, buf, cap))
		trace_cuda_out_path(NULL, (long)getpid(), rank, buf, cap);
}

/* Without a DEVICE activity record, ask the driver (already loaded by the
 * program) for the GPU facts the header carries. */
typedef int (*attr_fn)(int *v, int attrib, int dev);
typedef int (*name_fn)(char *name, int len, int dev);
typedef int (*mem_fn)(size_t *bytes, int dev);

static void device_from_driver(void)
{
	void *h = dlopen("libcuda.so.1", RTLD_NOW | RTLD_NOLOAD);
	CUpti_ActivityDevice5 d;
	attr_fn attr;
	name_fn name;
	mem_fn mem;
	char gpu[256] = "";
	int v;
	struct mo_err err = {0};

	if (!h)
		return;
	attr = (attr_fn)dlsym(h, "cuDeviceGetAttribute");
	name = (name_fn)dlsym(h, "cuDeviceGetName");
	mem = (mem_fn)dlsym(h, "cuDeviceTotalMem_v2");
	if (!attr || !name)
		return;
	memset(&d, 0, sizeof(d));
	d.kind = CUPTI_ACTIVITY_KIND_DEVICE;
	d.id = 0;
	if (name(gpu, (int)sizeof(gpu), 0) != 0)
		return;
	d.name = gpu;
#define A(field, attrib)                                                         \
	if (attr(&v, attrib, 0) == 0)                                            \
		d.field = (uint32_t)v;
	A(numMultiprocessors, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT)
	A(computeCapabilityMajor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR)
	A(computeCapabilityMinor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR)
	A(numThreadsPerWarp, CU_DEVICE_ATTRIBUTE_WARP_SIZE)
	A(maxThreadsPerBlock, CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK)
	A(maxRegistersPerBlock, CU_DEVICE_ATTRIBUTE_MAX_REGISTERS_PER_BLOCK)
	A(maxRegistersPerMultiprocessor, CU_DEVICE_ATTRIBUTE_MAX_REGISTERS_PER_MULTIPROCESSOR)
	A(maxSharedMemoryPerBlock, CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK)
	A(maxSharedMemoryPerMultiprocessor, CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_MULTIPROCESSOR)
#undef A
	if (attr(&v, CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_MULTIPROCESSOR, 0) == 0 &&
	    d.numThreadsPerWarp)
		d.maxWarpsPerMultiprocessor = (uint32_t)v / d.numThreadsPerWarp;
	if (mem) {
		size_t bytes = 0;
		if (mem(&bytes, 0) == 0)
			d.globalMemorySize = bytes;
	}
	trace_cuda_xlate_add(rec.x, &d, &err);
}

/* Flush CUPTI and write the trace once; called at exit or from the writer
 * thread after a signal. */
static void finish(void)
{
	struct trace_writer *w = NULL;
	struct trace_sink sink;
	const struct trace_cuda_xlate_stats *st;
	struct mo_err err = {0};
	int closed = 0;
	CUptiResult r;

	pthread_mutex_lock(&rec.lock);
	if (!rec.started || rec.written) {
		pthread_mutex_unlock(&rec.lock);
		return;
	}
	rec.written = 1;
	pthread_mutex_unlock(&rec.lock);
	/* buffer_completed takes the lock: flush without holding it */
	r = cuptiActivityFlushAll(CUPTI_ACTIVITY_FLAG_FLUSH_FORCED);
	if (r != CUPTI_SUCCESS)
		warn("cuptiActivityFlushAll", r);
	pthread_mutex_lock(&rec.lock);
	st = trace_cuda_xlate_stats(rec.x);
	if (st->records == 0) {
		pthread_mutex_unlock(&rec.lock);
		return; /* no CUDA work in this process: write nothing */
	}
	/* a DEVICE record normally comes with the first context; else ask the driver */
	if (!trace_cuda_xlate_has_device(rec.x))
		device_from_driver();
	trace_cuda_xlate_set_dropped(rec.x, rec.dropped);
	if (trace_sink_writer(&sink, &w, rec.out) == 0 &&
	    trace_cuda_xlate_finish(rec.x, &sink, &err) == 0 &&
	    (closed = 1, trace_writer_close(w, &err) == 0)) {
		if (!rec.quiet)
			fprintf(stderr,
				"mosaic recorder: wrote '%s' (measured): %llu kernels, %llu collectives, "
				"%llu memcpy, %llu memset, %llu markers; attributed %llu by correlation, "
				"%llu by time, %llu unattributed; %llu dropped\n",
				rec.out, (unsigned long long)st->kernels,
				(unsigned long long)st->collectives, (unsigned long long)st->memcpys,
				(unsigned long long)st->memsets, (unsigned long long)st->markers,
				(unsigned long long)st->by_correlation,
				(unsigned long long)st->by_time, (unsigned long long)st->unattributed,
				(unsigned long long)st->dropped);
	} else {
		if (!closed) /* close releases the writer even when it fails */
			trace_writer_abort(w);
		fprintf(stderr, "mosaic recorder: cannot write '%s': %s\n", rec.out,
			err.msg[0] ? err.msg : "out of memory");
	}
	pthread_mutex_unlock(&rec.lock);
}

static void on_signal(int sig)
{
	rec.signo = sig;
	sem_post(&rec.wake); /* async-signal-safe */
}

static void *writer_thread(void *arg)
{
	sigset_t all;

	(void)arg;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL); /* signals go to the program's threads */
	while (sem_wait(&rec.wake) != 0 && errno == EINTR)
		;
	finish();
	signal(rec.signo, SIG_DFL);
	kill(getpid(), rec.signo);
	return NULL;
}

static void watch_signals(void)
{
	static const int sigs[] = {SIGINT, SIGTERM};
	pthread_t t;
	int mine = 0;

	if (sem_init(&rec.wake, 0, 0) != 0)
		return;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		struct sigaction old, sa;

		if (sigaction(sigs[i], NULL, &old) != 0)
			continue;
		if (old.sa_handler != SIG_DFL || (old.sa_flags & SA_SIGINFO))
			continue; /* the program handles it */
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_signal;
		sigemptyset(&sa.sa_mask);
		sa.sa_flags = SA_RESTART;
		if (sigaction(sigs[i], &sa, NULL) == 0)
			mine = 1;
	}
	if (mine && pthread_create(&t, NULL, writer_thread, NULL) == 0)
		pthread_detach(t);
}

/*
 * CUPTI enabled no activity kind: nothing will be recorded.  Say why in the
 * user's terms.  Without a loadable driver that is the whole story; with one,
 * CUPTI's own error is all we know (cuInit is not called here: the driver may
 * be calling us from inside its own cuInit).
 */
static void say_nothing_recorded(CUptiResult r)
{
	const char *s = "unknown";
	void *h = dlopen("libcuda.so.1", RTLD_LAZY | RTLD_LOCAL | RTLD_NOLOAD);

	if (!h)
		h = dlopen("libcuda.so.1", RTLD_LAZY | RTLD_LOCAL);
	if (!h) {
		const char *why = dlerror();

		fprintf(stderr,
			"mosaic recorder: recording nothing: cannot load the CUDA driver "
			"'libcuda.so.1' (%s); " TRACE_CUDA_SIM_HINT "\n",
			why ? why : "not found");
		return;
	}
	dlclose(h);
	cuptiGetResultString(r, &s);
	fprintf(stderr,
		"mosaic recorder: recording nothing: CUPTI enabled no activity kind (%s); "
		"is a GPU visible to this process? otherwise " TRACE_CUDA_SIM_COMMANDS "\n",
		s);
}

static void start(void)
{
	static const CUpti_ActivityKind kinds[] = {
		CUPTI_ACTIVITY_KIND_DEVICE,  CUPTI_ACTIVITY_KIND_CONTEXT,
		CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL, CUPTI_ACTIVITY_KIND_MEMCPY,
		CUPTI_ACTIVITY_KIND_MEMSET,  CUPTI_ACTIVITY_KIND_RUNTIME,
		CUPTI_ACTIVITY_KIND_DRIVER,  CUPTI_ACTIVITY_KIND_MARKER,
	};
	char origin[512];
	CUptiResult r, first_fail = CUPTI_SUCCESS;
	int enabled = 0;
	ssize_t n;

	rec.quiet = getenv("MOSAIC_RECORDER_QUIET") && strcmp(getenv("MOSAIC_RECORDER_QUIET"), "0");
	out_path(rec.out, sizeof(rec.out));
	n = readlink("/proc/self/exe", origin, sizeof(origin) - 1);
	origin[n > 0 ? n : 0] = '\0';
	rec.x = trace_cuda_xlate_new("mosaic recorder " MOSAIC_VERSION, origin);
	if (!rec.x) {
		fprintf(stderr, "mosaic recorder: out of memory\n");
		return;
	}
	r = cuptiActivityRegisterCallbacks(buffer_requested, buffer_completed);
	if (r != CUPTI_SUCCESS) {
		warn("cuptiActivityRegisterCallbacks", r);
		return;
	}
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		/* devices and contexts that exist already (a late start through NVTX)
		 * are dumped: partitions need their context records */
		if (kinds[i] == CUPTI_ACTIVITY_KIND_DEVICE || kinds[i] == CUPTI_ACTIVITY_KIND_CONTEXT)
			r = cuptiActivityEnableAndDump(kinds[i]);
		else
			r = cuptiActivityEnable(kinds[i]);
		if (r == CUPTI_SUCCESS) {
			enabled++;
			continue;
		}
		if (!first_fail)
			first_fail = r;
	}
	if (!enabled) { /* no driver or no device: say so once, record nothing */
		say_nothing_recorded(first_fail);
		return;
	}
	if (enabled < (int)(sizeof(kinds) / sizeof(kinds[0])))
		warn("cuptiActivityEnable (some kinds; recording the rest)", first_fail);
	rec.started = 1;
	atexit(finish);
	watch_signals();
}

static void start_once(void)
{
	pthread_once(&rec.once, start);
}

/* Called by the CUDA driver during cuInit when CUDA_INJECTION64_PATH names us. */
EXPORT int InitializeInjection(void);
int InitializeInjection(void)
{
	start_once();
	return rec.started ? 1 : 0;
}

/* LD_PRELOAD: start at load time, unless the driver will call us anyway. */
__attribute__((constructor)) static void preload(void)
{
	const char *inj = getenv("CUDA_INJECTION64_PATH");

	if (inj && strstr(inj, "libmosaic-recorder"))
		return;
	if (getenv("LD_PRELOAD") && strstr(getenv("LD_PRELOAD"), "libmosaic-recorder"))
		start_once();
}

/* NVTX_INJECTION64_PATH: hand NVTX to libcupti, which turns ranges into
 * MARKER activity records. */
typedef int (*nvtx_init_fn)(void *get_export_table);

static int forward_nvtx(const char *symbol, void *get_export_table)
{
	Dl_info info;
	void *h;
	nvtx_init_fn fn;

	if (!dladdr((void *)cuptiActivityEnable, &info) || !info.dli_fname)
		return 0;
	h = dlopen(info.dli_fname, RTLD_NOW | RTLD_NOLOAD);
	if (!h)
		return 0;
	*(void **)&fn = dlsym(h, symbol);
	return fn ? fn(get_export_table) : 0;
}

EXPORT int InitializeInjectionNvtx2(void *get_export_table);
int InitializeInjectionNvtx2(void *get_export_table)
{
	start_once();
	return forward_nvtx("InitializeInjectionNvtx2", get_export_table);
}

EXPORT int InitializeInjectionNvtx(void *get_export_table);
int InitializeInjectionNvtx(void *get_export_table)
{
	start_once();
	return forward_nvtx("InitializeInjectionNvtx", get_export_table);
}
