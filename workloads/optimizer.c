/*
 * optimizer.c - the optimizer step of a module's layers as eager PyTorch
 * launches it: gradient clipping by global norm, then Adam, AdamW or SGD in
 * the foreach, for-loop or fused implementation (struct workload_optimizer),
 * over the layers' parameter tensors (params.c, wl_layer_tensors), and the
 * host activity that launches them.
 *
 * Where the structure comes from (read in PyTorch's source, not copied):
 * - torch/optim/adam.py _multi_tensor_adam (foreach): the step counters are
 *   CPU tensors (no kernel); then _foreach_lerp_ (exp_avg), _foreach_mul_ and
 *   _foreach_addcmul_ (exp_avg_sq), _foreach_sqrt, _foreach_div_ (by the
 *   bias corrections, a scalar list), _foreach_add_ (eps), _foreach_addcdiv_
 *   (the parameters, a scalar list): 7 ops with kernels; AdamW first
 *   multiplies the parameters by 1 - lr wd (_foreach_mul_).
 *   _single_tensor_adam (for-loop) runs the same 7 as one kernel each per
 *   parameter; _fused_adam_ (fused) is one multi_tensor_apply over
 *   (param, grad, exp_avg, exp_avg_sq) after a _foreach_add_ of the step
 *   counters, which are then GPU tensors.
 * - torch/optim/sgd.py: with momentum, _foreach_mul_ and _foreach_add_ of
 *   the momentum buffers, then _foreach_add_ into the parameters (3 ops, or
 *   3 kernels a parameter in the for-loop); without, one _foreach_add_;
 *   fused: one _fused_sgd_ multi_tensor_apply.
 * - torch/nn/utils/clip_grad.py clip_grad_norm_ (foreach): _foreach_norm
 *   (a multi_tensor_apply and one cleanup kernel), stack, vector_norm, the
 *   coefficient max_norm / (norm + 1e-6) (add, reciprocal, mul), clamp, and
 *   _foreach_mul_ of the gradients; with foreach=False (our for-loop) a norm
 *   and a mul_ kernel per gradient.
 * - aten/src/ATen/native/cuda/MultiTensorApply.cuh multi_tensor_apply: each
 *   tensor is cut into chunks of 65536 elements, one CTA each; a kernel is
 *   launched when the launch holds its most CTAs (320; 2240 with 32 KB
 *   kernel arguments) or its most tensors (depth 1..5: 110, 64, 48, 36, 30;
 *   with a scalar list 96, 64, 48, 36, 30; 7 times those with 32 KB
 *   arguments) and the tensor is done, and at the end; a tensor cut by a
 *   full launch starts the next one.  32 KB arguments need CUDA >= 12.1 and
 *   a driver >= 530 (PyTorch's note there); the measured traces predate it.
 * Measured (../shared/external-traces; tests/bench/host-optimizer.py prints
 * them against these): VGG13 on an H100 (torch 2.1, Adam foreach): 7 ops x 7
 * launches = 49 kernels, grids 6 x 320 + 127; ResNet-50 on a V100 (SGD with
 * momentum, for-loop): 483 kernels = 3 x 161 tensors; a ResNet-50 under DDP
 * on a V100 and an A100 (HTA, SGD foreach): 9 kernels, grids 71/155/282 for
 * each _foreach_add_ and 180/320/8 for the _foreach_mul_.
 *
 * Traffic: parameters and gradients in the workload's dtype (e bytes), the
 * optimizer's states in fp32 (4 bytes), as workload_memory counts them;
 * each kernel reads and writes its lists once.
 * Host activity (launches = kernels; ATen operators; Python calls), counted
 * in the measured traces: every foreach call is one operator and one
 * Python call, plus one operator per tensor per call (HTA's SGD: 483
 * aten::result_type for 3 calls over 161 tensors); foreach Adam adds the
 * CPU step counters and bias corrections, 16 operators and 30.6 Python
 * calls a tensor in all (VGG13: 424 operators, 804 Python calls, 26 tensors);
 * a for-loop kernel is one operator (ResNet-50: 483 for 483), for-loop Adam
 * adds the step's add_, item and _local_scalar_dense a tensor (adam.py).
 * Python calls are counted only where the trace recorded them (VGG13).
 */
#include "workloads/workloads-internal.h"

#include <stdlib.h>
#include <string.h>

#define CHUNK 65536 /* kChunkSize */

/* One op of the step: its kernel name, multi_tensor_apply depth (lists),
 * whether it takes a scalar list, and per element the bytes of e-byte
 * tensors and of fp32 states it reads plus writes, and its FLOPs. */
struct opt_op {
	const char *name;
	int depth, scalarlist;
	int e_rw, s_rw, flops;
};

static const struct opt_op adamw_decay = {"adamw:mul_weight_decay", 1, 0, 2, 0, 1};
static const struct opt_op adam_ops[] = {
	{"adam:lerp_exp_avg", 2, 0, 1, 2, 3},    {"adam:mul_exp_avg_sq", 1, 0, 0, 2, 1},
	{"adam:addcmul_exp_avg_sq", 3, 0, 2, 2, 3}, {"adam:sqrt", 2, 0, 0, 2, 1},
	{"adam:div_bias_correction", 1, 1, 0, 2, 1}, {"adam:add_eps", 1, 0, 0, 2, 1},
	{"adam:addcdiv_param", 3, 1, 2, 2, 3},
};
static const struct opt_op sgd_ops[] = {
	{"sgd:mul_momentum", 1, 0, 0, 2, 1},
	{"sgd:add_momentum", 2, 0, 1, 2, 2},
	{"sgd:add_param", 2, 0, 2, 1, 2},
};
static const struct opt_op sgd_plain = {"sgd:add_param", 2, 0, 3, 0, 2};
static const struct opt_op adam_fused = {"adam:fused", 4, 0, 3, 4, 12};
static const struct opt_op sgd_fused_mom = {"sgd:fused", 3, 0, 3, 2, 4};
static const struct opt_op sgd_fused = {"sgd:fused", 2, 0, 3, 0, 2};
static const struct opt_op step_add = {"adam:add_step", 1, 0, 0, 2, 1};
static const struct opt_op clip_norm = {"clip:foreach_norm", 1, 0, 1, 0, 2};
static const struct opt_op clip_mul = {"clip:foreach_mul", 1, 0, 2, 0, 1};
static const struct opt_op clip_vec_norm = {"clip:norm", 1, 0, 1, 0, 2};
static const struct opt_op clip_grad_mul = {"clip:mul", 1, 0, 2, 0, 1};
/* the clip coefficient's small kernels over the per-tensor norms */
static const char *const clip_small[] = {"clip:norm_cleanup", "clip:stack", "clip:total_norm",
					 "clip:add_eps", "clip:reciprocal", "clip:mul_max_norm",
					 "clip:clamp"};

/* a launch's most tensors by depth, without and with a scalar list */
static const int max_tensors[2][5] = {{110, 64, 48, 36, 30}, {96, 64, 48, 36, 30}};

struct step {
	int dtype;
	wl_emit_fn emit;
	void *ctx;
	int rc;
	int64_t *t;        /* the tensors' elements */
	size_t n, cap;
	int e;             /* bytes of a parameter or gradient element */
	int big;           /* 32 KB kernel arguments */
	struct wl_host_activity act;
};

static void add_tensor(void *vctx, int64_t numel)
{
	struct step *s = vctx;

	if (s->rc)
		return;
	if (MO_GROW(s->t, s->n + 1, s->cap) < 0) {
		s->rc = -MO_ENOMEM;
		return;
	}
	s->t[s->n++] = numel;
}

/* One kernel of op over elems elements. */
static void kernel(struct step *s, const struct opt_op *o, int opkind, int64_t elems)
{
	struct wl_op op;
	int64_t bytes = elems * (o->e_rw * s->e + o->s_rw * 4);

	s->act.launches++, s->act.kernels++;
	if (s->rc || !s->emit)
		return;
	wl_op_set(&op, o->name, opkind, TRACE_CLASS_ELEMENTWISE, s->dtype, 1, elems, 0, 0,
		  elems * o->flops, bytes);
	s->rc = s->emit(s->ctx, &op);
}

/* multi_tensor_apply of op over the tensors (the header's launch rule),
 * a tensor's chunks taken a launch's worth at a time. */
static void mta(struct step *s, const struct opt_op *o)
{
	int64_t max_t = max_tensors[o->scalarlist != 0][o->depth - 1] * (s->big ? 7 : 1);
	int64_t max_b = s->big ? 2240 : 320, blocks = 0, tensors = 0, elems = 0;

	for (size_t i = 0; i < s->n; i++) {
		int64_t chunks = (s->t[i] + CHUNK - 1) / CHUNK, done = 0;
		tensors++;
		while (done < chunks) {
			int64_t take = chunks - done < max_b - blocks ? chunks - done : max_b - blocks;
			int last;
			done += take;
			blocks += take;
			last = done == chunks;
			elems += last ? s->t[i] - (done - take) * CHUNK : take * CHUNK;
			if ((tensors == max_t && last) || blocks == max_b) {
				kernel(s, o, MODEL_OP_OPTIMIZER, elems);
				blocks = 0, elems = 0;
				tensors = last ? 0 : 1;
			}
		}
	}
	if (blocks)
		kernel(s, o, MODEL_OP_OPTIMIZER, elems);
	s->act.ops += 1 + (double)s->n; /* the call; its per-tensor dispatch */
	s->act.pycalls += 1;
}

/* _foreach_add_ of the fused optimizer's step counters: one-element GPU
 * tensors, so the tensor limit cuts the launches. */
static void step_counters(struct step *s)
{
	int64_t max_t = max_tensors[0][0] * (s->big ? 7 : 1);

	for (int64_t i = 0; i < (int64_t)s->n; i += max_t)
		kernel(s, &step_add, MODEL_OP_OPTIMIZER,
		       (int64_t)s->n - i < max_t ? (int64_t)s->n - i : max_t);
	s->act.ops += 1 + (double)s->n;
	s->act.pycalls += 1;
}

/* op as one kernel per tensor (foreach=False). */
static void loop(struct step *s, const struct opt_op *o)
{
	for (size_t i = 0; i < s->n; i++) {
		kernel(s, o, MODEL_OP_ELEMENTWISE, s->t[i]);
		s->act.ops += 1;
	}
}

static void apply(struct step *s, const struct opt_op *o, int foreach)
{
	if (foreach)
		mta(s, o);
	else
		loop(s, o);
}

/* clip_grad_norm_; the small kernels over the per-tensor norms once a step
 * (with the module's first layer; their few FLOPs left out, so that layer
 * slices' FLOPs add up to the module's). */
static void clip(struct step *s, int foreach, int first)
{
	apply(s, foreach ? &clip_norm : &clip_vec_norm, foreach);
	for (size_t i = 0; first && i < sizeof clip_small / sizeof clip_small[0]; i++) {
		struct opt_op o = {clip_small[i], 1, 0, 0, 2, 0};
		if (i == 0 && !foreach)
			continue; /* no cleanup kernel without _foreach_norm */
		kernel(s, &o, MODEL_OP_ELEMENTWISE, (int64_t)s->n);
		s->act.ops += 1;
	}
	apply(s, foreach ? &clip_mul : &clip_grad_mul, foreach);
}

static void step_kernels(struct step *s, const struct workload_optimizer *o, int first)
{
	int foreach = o->impl != WORKLOAD_OPT_FORLOOP;

	if (o->clip)
		clip(s, foreach, first);
	if (o->kind == WORKLOAD_OPT_SGD) {
		if (o->impl == WORKLOAD_OPT_FUSED)
			mta(s, o->momentum ? &sgd_fused_mom : &sgd_fused);
		else if (!o->momentum)
			apply(s, &sgd_plain, foreach);
		else
			for (size_t i = 0; i < sizeof sgd_ops / sizeof sgd_ops[0]; i++)
				apply(s, &sgd_ops[i], foreach);
		return;
	}
	if (o->impl == WORKLOAD_OPT_FUSED) {
		step_counters(s);
		mta(s, &adam_fused); /* AdamW's decay inside */
		return;
	}
	if (o->kind == WORKLOAD_OPT_ADAMW)
		apply(s, &adamw_decay, foreach);
	for (size_t i = 0; i < sizeof adam_ops / sizeof adam_ops[0]; i++)
		apply(s, &adam_ops[i], foreach);
	/* the CPU step counters and bias corrections (the header's counts) */
	if (foreach) {
		s->act.ops += 1 + (16.0 - 7) * (double)s->n; /* 7 a tensor counted by mta */
		s->act.pycalls += 1 + 30.6 * (double)s->n;
	} else {
		s->act.ops += 3.0 * (double)s->n;
	}
}

int wl_opt_step(const struct workload_optimizer *o, int dtype, const int64_t *tensors, size_t n,
		int first, wl_emit_fn emit, void *ctx, struct wl_host_activity *act)
{
	struct step s = {.dtype = dtype, .emit = emit, .ctx = ctx, .t = (int64_t *)tensors, .n = n,
			 .e = wl_dtype_bytes(dtype), .big = o->args_kb != 4};

	if (n)
		step_kernels(&s, o, first);
	if (act)
		*act = s.act;
	return s.rc;
}

int wl_opt_ops(const struct workload *w, int m, int lb, int le, wl_emit_fn emit, void *ctx,
	       struct wl_host_activity *act)
{
	const struct workload_module *wm = &w->modules[m];
	struct step s = {0};
	int rc;

	if (act)
		memset(act, 0, sizeof *act);
	if (wm->frozen || wm->arch == WORKLOAD_ARCH_TRACE)
		return 0;
	for (int l = lb < 0 ? 0 : lb; l < le && l < wm->layers && !s.rc; l++)
		wl_layer_tensors(wm, l, add_tensor, &s);
	rc = s.rc ? s.rc
		  : wl_opt_step(&w->optimizer, w->dtype, s.t, s.n, lb <= 0, emit, ctx, act);
	free(s.t);
	return rc;
}
