/*
 * trace-cuda.h - recording traces on real GPUs: the NVTX range encoding,
 * NCCL kernel names, the CUPTI activity translator, the CUDA driver probe
 * and the `mosaic record` runner.
 *
 * Two kinds of code live in traces/cuda/:
 *  - plain C that needs no CUDA header (nvtx.c, names.c, probe.c, record.c):
 *    built into libmosaic.a whether or not the toolkit exists, so the main
 *    `mosaic` binary never needs libcuda or libcupti to start (the driver is
 *    opened with dlopen by trace_cuda_probe());
 *  - code that includes the CUPTI headers (cupti-xlate.c, recorder.c): built
 *    only with the toolkit, into build/libmosaic-recorder.so (the injection
 *    library) and the CUDA test binaries.
 *
 * NVTX encoding.  The recorder attributes kernels to a module, a phase and a
 * microbatch through NVTX ranges in the domain named TRACE_CUDA_NVTX_DOMAIN
 * ("mosaic") whose message is a list of key=value pairs separated by ';':
 *
 *     module=vision;phase=forward;mb=3
 *     module=llm;phase=backward;mb=0;step=12
 *
 * Keys: module (required, a name of at most 63 bytes, no ';' or '='), phase
 * (forward, backward, optimizer or any name of at most 31 bytes), mb
 * (microbatch, a non-negative integer), step (training iteration, a
 * non-negative integer).  Missing keys mean "unknown" (-1 / "").  Unknown
 * keys are ignored so the encoding can grow.  A range of NVTX's default
 * domain whose message starts with TRACE_CUDA_NVTX_PREFIX counts as well.
 * traces/cuda/mosaic-nvtx.h
 * writes it from C/C++; README-gpu.md shows the same from PyTorch.
 */
#ifndef MOSAIC_TRACE_CUDA_H
#define MOSAIC_TRACE_CUDA_H

#include <stddef.h>
#include <stdint.h>

#include "traces/traces.h"

#define TRACE_CUDA_NVTX_DOMAIN "mosaic"
/* The same message in NVTX's default domain, prefixed (what
 * torch.cuda.nvtx.range_push can write): "mosaic:module=vision;phase=forward;mb=3". */
#define TRACE_CUDA_NVTX_PREFIX "mosaic:"

/* ------------------------------------------------------------------------ */
/* NVTX range messages                                                      */
/* ------------------------------------------------------------------------ */

struct trace_cuda_range {
	char module[64];  /* "" when absent */
	char phase[32];   /* "" when absent */
	int64_t microbatch; /* -1 when absent */
	int64_t step;       /* -1 when absent */
};

/*
 * Parse a range message.  Returns 0 and fills *r, or -MO_EINPUT with err
 * naming the byte offset of the problem (empty key, value too long, a
 * number that is not a non-negative integer, a pair without '=').
 */
int trace_cuda_range_parse(const char *msg, struct trace_cuda_range *r, struct mo_err *err);

/*
 * Write the message for (module, phase, mb, step) into buf (cap bytes,
 * NUL-terminated); fields that are NULL/"" or negative are left out.
 * Returns the length, or -MO_EUSAGE when it does not fit or a name holds
 * ';' or '='.  trace_cuda_range_parse() reads back exactly what it wrote.
 */
int trace_cuda_range_format(char *buf, size_t cap, const char *module, const char *phase,
			    int64_t mb, int64_t step);

/*
 * The recorder's output name from MOSAIC_TRACE_OUT's template: "%p" becomes
 * pid, "%r" rank (a string: the launcher's variable), "%%" a '%'; anything
 * else is copied.  NULL or "" gives "mosaic-%p.mtr".  Returns 0, or
 * -MO_EUSAGE when the result does not fit cap bytes.
 */
int trace_cuda_out_path(const char *tmpl, long pid, const char *rank, char *buf, size_t cap);

/* ------------------------------------------------------------------------ */
/* NCCL kernel names                                                        */
/* ------------------------------------------------------------------------ */

/*
 * True when a kernel name is an NCCL device kernel ("ncclKernel_...",
 * "ncclDevKernel_..."), which the recorder turns into a COLLECTIVE record.
 */
int trace_cuda_is_nccl_kernel(const char *name);

/*
 * The collective of an NCCL kernel name (enum trace_collective_kind):
 * "ncclDevKernel_AllReduce_Sum_bf16_RING_LL" -> TRACE_COLL_ALLREDUCE,
 * "ncclKernel_SendRecv_..." -> TRACE_COLL_SEND, and the element type when
 * the name carries one ("bf16", "f32", ...; "" otherwise) into dtype.
 */
int trace_cuda_nccl_kind(const char *name, char *dtype, size_t dtype_cap);

/* ------------------------------------------------------------------------ */
/* CUDA driver probe (dlopen; no link-time dependency on libcuda)           */
/* ------------------------------------------------------------------------ */

/*
 * Open the CUDA driver (libcuda.so.1) with dlopen, call cuInit(0) and
 * cuDeviceGetCount().  Returns 0 and the device count (> 0) in *count, or
 * -MO_ENODEV with err saying why: the driver library is missing (the dlerror
 * text), cuInit failed (its CUresult name, e.g. CUDA_ERROR_NO_DEVICE), or
 * no device is visible.  Never hangs; safe to call more than once.
 */
int trace_cuda_probe(int *count, struct mo_err *err);

/*
 * The hint every no-device message ends with, and the message of a build
 * without CUDA.  They name the simulator's commands, not an option of the
 * command that failed (`record` and `profile` have no --backend).
 */
#define TRACE_CUDA_SIM_COMMANDS \
	"the simulator needs none: 'mosaic run --backend sim', 'mosaic synth', 'mosaic replay'"
#define TRACE_CUDA_SIM_HINT "no CUDA device found; " TRACE_CUDA_SIM_COMMANDS
#define TRACE_CUDA_NOT_BUILT                                                          \
	"mosaic was built without CUDA support (no CUDA toolkit at build time); rebuild " \
	"with CUDA_HOME set, or use the simulator (" TRACE_CUDA_SIM_COMMANDS ")"

/* 1 when this build of mosaic has its CUDA parts (the toolkit was found). */
int trace_cuda_built(void);

/*
 * Find a file that ships beside the mosaic binary (the recorder or the CUDA
 * backend library): env names an environment variable that overrides the
 * search (e.g. MOSAIC_RECORDER); otherwise the directory of
 * /proc/self/exe, then ../lib/mosaic/ relative to it.  Returns 0 and the path
 * in buf, or -MO_ENODEV with err saying where it looked.
 */
int trace_cuda_find_lib(const char *file, const char *env, char *buf, size_t cap,
			struct mo_err *err);

/* ------------------------------------------------------------------------ */
/* `mosaic record`: run a command under the recorder                        */
/* ------------------------------------------------------------------------ */

/*
 * Probe for a device, find libmosaic-recorder.so, then run argv (argv[0]
 * looked up in PATH) with CUDA_INJECTION64_PATH and NVTX_INJECTION64_PATH
 * naming the recorder and MOSAIC_TRACE_OUT = out_path ("%p", "%r" expanded
 * by the recorder in each process).  SIGINT and SIGTERM received
 * while waiting are forwarded to the child (the recorder flushes on them).
 * Returns 0 with the child's exit status in *child_status (0-255, or 128 +
 * signal), or a negative status: -MO_ENODEV (no device / no CUDA support),
 * -MO_EIO (fork/exec failed, or the child exited without writing out_path).
 */
int trace_cuda_record(char *const argv[], const char *out_path, int *child_status,
		      struct mo_err *err);

/* ------------------------------------------------------------------------ */
/* CUPTI activity translator (cupti-xlate.c; needs the CUPTI headers)       */
/* ------------------------------------------------------------------------ */

/*
 * Turns CUPTI activity records (as CUDA 13 defines them: CUpti_ActivityKernel10,
 * CUpti_ActivityMemcpy6, CUpti_ActivityMemset4, CUpti_ActivityMarker2,
 * CUpti_ActivityAPI for RUNTIME and DRIVER, CUpti_ActivityContext3,
 * CUpti_ActivityDevice5) into mosaic trace records.
 *
 * CUPTI delivers records in buffers, not in time order, and a kernel can
 * arrive before the NVTX range or the API call that explains it; the
 * translator therefore keeps what it needs in memory (about 150 bytes per
 * activity) and emits everything in trace_cuda_xlate_finish():
 *  - the header (source measured, GPU facts from the first DEVICE record);
 *  - device, partition (one per green context: CONTEXT records with
 *    isGreenContext set, sms = numMultiprocessors), stream, module and
 *    phase definitions;
 *  - a THREAD record per host thread that made runtime or driver calls
 *    (ids 0.. in the order of the OS thread ids, tid the OS id);
 *  - kernels, collectives (NCCL kernels), memcpys, memsets, markers and an
 *    API_CALL per runtime or driver call (name from its CUPTI callback id:
 *    the launch, copy, memset, graph, synchronisation, event and allocation
 *    calls by name, others "cuda runtime call <cbid>"; category
 *    cuda_runtime or cuda_driver; correlation the call's when an activity
 *    has it, else -1; calls CUPTI could not time are left out and
 *    counted), sorted by (start, end, correlation).
 *
 * Attribution.  A kernel, memcpy or memset is attributed through its
 * correlation id: the RUNTIME or DRIVER API record with that id gives the
 * host thread and the time of the launch call; the innermost `mosaic`-domain
 * NVTX range open on that thread at that time gives module, phase,
 * microbatch and step exactly.  Otherwise the translator falls back to
 * time: at the launch call's time when the call ran on a thread that never
 * opens a range (PyTorch's autograd threads), at the kernel's start when
 * there is no API record; the activity gets the innermost `mosaic` range
 * open at that time if exactly one thread has one, and stays unattributed
 * (-1) rather than guessed when several do.  Counts of each case are in
 * trace_cuda_xlate_stats.
 */
struct trace_cuda_xlate;

struct trace_cuda_xlate_stats {
	uint64_t records;       /* activity records seen */
	uint64_t ignored;       /* of kinds the translator does not use */
	uint64_t kernels, collectives, memcpys, memsets, markers;
	uint64_t by_correlation; /* activities attributed through the API record */
	uint64_t by_time;        /* attributed by the time fallback */
	uint64_t unattributed;   /* left without a module */
	uint64_t bad_ranges;     /* mosaic-domain messages that did not parse */
	uint64_t dropped;        /* records CUPTI reported dropped (set by the recorder) */
	uint64_t threads;        /* host threads that made runtime or driver calls */
	uint64_t api_calls;      /* API_CALL records written */
	uint64_t api_untimed;    /* calls CUPTI gave no timestamps (start = end = 0), left out */
};

/* producer and origin go into the header (copied). */
struct trace_cuda_xlate *trace_cuda_xlate_new(const char *producer, const char *origin);
void trace_cuda_xlate_free(struct trace_cuda_xlate *x);
/*
 * Feed one CUPTI activity record (a CUpti_Activity *, as returned by
 * cuptiActivityGetNextRecord).  Strings it points to (kernel names, marker
 * names) are copied.  Returns 0, or -MO_ENOMEM.
 */
int trace_cuda_xlate_add(struct trace_cuda_xlate *x, const void *activity, struct mo_err *err);
/* Emit the trace into sink (header first); returns 0 or the sink's status. */
int trace_cuda_xlate_finish(struct trace_cuda_xlate *x, const struct trace_sink *sink,
			    struct mo_err *err);
const struct trace_cuda_xlate_stats *trace_cuda_xlate_stats(const struct trace_cuda_xlate *x);
void trace_cuda_xlate_set_dropped(struct trace_cuda_xlate *x, uint64_t dropped);
/* 1 when a DEVICE record was fed (the header's GPU facts are known). */
int trace_cuda_xlate_has_device(const struct trace_cuda_xlate *x);

#endif
