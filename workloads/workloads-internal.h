/*
 * workloads-internal.h - what the files of workloads/ share and nobody else
 * sees: the operation list the synthesiser generates (kernels, FLOPs and
 * memory are all derived from it) and the trace-module storage.
 */
#ifndef MOSAIC_WORKLOADS_INTERNAL_H
#define MOSAIC_WORKLOADS_INTERNAL_H

#include "workloads/workloads.h"

/* One synthesised kernel before it is timed: the op the model times, the
 * kernel name, its class, and the work it does. */
struct wl_op {
	const char *name;
	struct model_op op;
	int kclass;      /* enum trace_kernel_class */
	int64_t flops;   /* FLOPs (multiply-add = 2) */
	int64_t bytes;   /* DRAM bytes read + written */
	int tc_layout;   /* a cuDNN layout transpose that runs only on GPUs with
			  * TF32 tensor cores (synth.c's header) */
};

/* Receives the ops in execution order; non-zero stops the generator. */
typedef int (*wl_emit_fn)(void *ctx, const struct wl_op *op);

/*
 * Generate the ops of layers [lb, le) of module m (not a trace module) for
 * one microbatch of `samples` samples in phase.  Returns what emit returned
 * when it stopped, else 0.
 */
int wl_gen_ops(const struct workload *w, int m, int lb, int le, int phase, int64_t samples,
	       wl_emit_fn emit, void *ctx);

/* True when module m needs a backward pass: it is trainable or something
 * upstream of it (along edges into it) is. */
int wl_needs_backward(const struct workload *w, int m);

/* Trace modules: the recorded kernels per phase (workload_load fills it). */
struct workload_trace {
	struct trace_mem phase[3]; /* WORKLOAD_FWD, _BWD, _OPT; kernels only */
	char gpu_name[64];         /* the trace's GPU */
	/* forward kernels of the first step in this many runs between other
	 * modules' kernels; when the runs repeat the first kernel for kernel
	 * (several passes of an inference or evaluation loop), fwd_repeats is
	 * their number and phase[FWD] keeps the first only */
	int fwd_runs, fwd_repeats;
	struct model_gpu gpu;      /* the trace's GPU (model_gpu_for_header) */
	int have_gpu;              /* gpu is known */
};
int wl_trace_load(struct workload_module *mod, struct mo_err *err);
/* The phase a PHASE record's name means: "forward"/"fwd*"/"fw*" -> WORKLOAD_FWD,
 * "backward"/"bwd*"/"bw*" -> _BWD, "optim*"/"opt*" -> _OPT (case-insensitive
 * prefixes, so "forward:bottom_mlp" is forward), -1 for any other. */
int wl_phase_of(const char *name);
/* Add a warning to w (printf-style; dropped beyond WORKLOAD_MAX_WARNINGS). */
void wl_warn(struct workload *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void wl_trace_free(struct workload_trace *t);
/* Duration d (ns) of recorded kernel k at s times the samples it was
 * recorded with: by its waves on the trace's GPU, linear without launch
 * facts (workloads/from-trace.c says why). */
int64_t wl_trace_scale(const struct workload_trace *wt, const struct trace_kernel *k, int64_t d,
		       double s);
/* workload_kernels for a trace module (layers [0, 1)). */
int wl_trace_kernels(const struct workload *w, int m, int phase, int samples,
		     struct trace_mem *out, struct mo_err *err);

/* A ResNet bottleneck block: conv layer l of module m is block `first` of its
 * stage; widths in channels, sides in pixels. */
struct wl_conv_block {
	int stage, first, in, width, out, stride, side_in, side_out;
};
void wl_conv_block(const struct workload_module *m, int l, struct wl_conv_block *b);

/* An upper bound of the largest product (FLOPs, bytes, parameters) module m
 * computes for `samples` samples, in double; specs and requests above
 * WL_SCALE_MAX are refused so that int64 arithmetic never overflows. */
#define WL_SCALE_MAX 1e17
/* The most parameters a sized module may have (about the largest published
 * model's, Switch-C's 1.6 T), so that its optimizer step stays under ~10^6
 * kernels (95,000 launches an op at 4 KB arguments; workloads/optimizer.c). */
#define WL_PARAMS_MAX 2000000000000LL
double wl_module_scale(const struct workload_module *m, int64_t samples);

/* The parameter tensors of layer l of module m (not a trace module), in
 * registration order, each copy's again: fn(ctx, elements) for each
 * (params.c). */
typedef void (*wl_tensor_fn)(void *ctx, int64_t numel);
void wl_layer_tensors(const struct workload_module *m, int l, wl_tensor_fn fn, void *ctx);

/* op as synth.c's kernels fill it: a memset, then the name, kind, class,
 * dtype, sizes b x m x n x k, and FLOPs and bytes (the model's and the
 * kernel's); the layout row-major. */
void wl_op_set(struct wl_op *op, const char *name, int opkind, int kclass, int dtype, int64_t b,
	       int64_t m, int64_t n, int64_t k, int64_t flops, int64_t bytes);

/* The optimizer step over layers [lb, le) of module m (workloads/optimizer.c):
 * emits its kernels; the host activity that launches them when act is not
 * NULL (launches, ATen operators, Python calls, per step). */
struct wl_host_activity {
	double launches, kernels, ops, pycalls;
};
int wl_opt_ops(const struct workload *w, int m, int lb, int le, wl_emit_fn emit, void *ctx,
	       struct wl_host_activity *act);
/* The same over the n tensors given (elements each) of dtype; first: the
 * step's once-only kernels (the clip coefficient's) are emitted too. */
int wl_opt_step(const struct workload_optimizer *o, int dtype, const int64_t *tensors, size_t n,
		int first, wl_emit_fn emit, void *ctx, struct wl_host_activity *act);

/* Bytes of one element of dtype (enum model_dtype). */
int wl_dtype_bytes(int dtype);

#endif
