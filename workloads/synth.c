/*
 * synth.c - the kernel synthesiser: a module's layers -> the kernels one
 * training microbatch runs, in eager-PyTorch order.
 *
 * A layer is first described as a list of forward steps (a linear layer, a
 * batched matmul, fused attention, an elementwise op, a norm, a softmax, an
 * embedding gather, the loss...).  The forward pass emits each step's
 * forward kernels in order; the backward pass walks the same list in reverse
 * and emits each step's backward kernels (for a linear layer: the data-
 * gradient GEMM dX = dY W^T, the weight-gradient GEMM dW = X^T dY and the
 * bias reduction; for fused attention the fused backward; for eager
 * attention the two matmul gradients of each batched matmul, the softmax,
 * dropout and scale backward; for norms the input-gradient and the weight-
 * gradient reductions).  The optimizer step (clipping, then Adam, AdamW or
 * SGD as the spec says) is workloads/optimizer.c's.
 *
 * A transformer block (vit, encoder, decoder) runs, pre-norm:
 *   norm; Q/K/V (one GEMM, or three with "qkv": "separate"); q/k norms;
 *   rotary embedding (pos "rope"); attention; output GEMM; dropout;
 *   residual add; [decoder cross-attention: norm, Q GEMM, K/V GEMM over the
 *   memory, attention, output GEMM, dropout, add]; norm; MLP (fc1, act, fc2
 *   or gate+up, SwiGLU, down); dropout; residual add.
 * Encoders without a final norm (BERT) are post-norm: the norms follow the
 * residual adds.  Attention is one fused flash kernel (forward and backward),
 * or eager: [repeat_kv when grouped], scale Q ("scale_query"), [Q, K and V
 * copied contiguous with "head_copies"], scores bmm, [scale the scores],
 * mask adds (causal, padding, or both for a causal encoder: CLIP's text
 * tower adds its causal and its padding mask one after the other), softmax,
 * [with "impl": "pytorch" in a 16-bit decoder, its fp32 result cast back],
 * dropout ("attn_dropout"), context bmm, merge-heads copy.
 * Dropout kernels (output plus a one-byte mask) exist only when p > 0.
 * "impl": "pytorch" unfuses what Hugging Face eager code does not fuse:
 * RMSNorm (to float, pow, mean, rsqrt, mul, to dtype, weight mul), rotary
 * embedding (neg, cat, two muls, add per tensor), SwiGLU (separate gate and
 * up GEMMs, silu, mul); "act": "gelu_new" and "quick_gelu" are the Python
 * formulas (8 and 3 kernels).  Layer 0 adds the input side (token and
 * position gathers and adds, or the patch-embedding convolution, class
 * token and position add; embedding norm and dropout); the last layer the
 * output side (final norm, pooler, output projection, MLM transform, LM head,
 * cross-entropy as log-softmax + NLL, or a contrastive loss).
 * Conv layers are ResNet bottleneck blocks (1x1, 3x3, 1x1 convolutions with
 * batch norm and ReLU, a downsample on each stage's first block, residual
 * add; layer 0 adds the 7x7 stem and max pool).  MLP layers are a linear map
 * and an activation (not after the last).
 *
 * Shapes: tokens T = samples x seq; a linear layer over T tokens from width
 * K to width N is the GEMM M=T, N, K; convolutions are implicit GEMMs
 * (M = samples x output pixels, N = output channels, K = input channels x
 * kernel area) of class conv; with dtype fp32 they run as TF32, as PyTorch's
 * default torch.backends.cudnn.allow_tf32 does (matmuls stay true FP32).
 * A TF32 convolution on PyTorch's default NCHW layout is run by cuDNN's
 * NHWC implicit-GEMM kernels between layout transposes (nchwToNhwcKernel,
 * nhwcToNchwKernel), which the synthesiser emits as memory kernels named
 * "cudnn:nchw_to_nhwc" / "cudnn:nhwc_to_nchw" (each reads and writes the
 * tensor once), kept only on GPUs with TF32 tensor cores.  Which
 * convolutions run in NHWC, by their shape: a TF32 one (input channels a
 * multiple of 4; the stem's 3 run as an FP32 kernel on NCHW) that is kxk
 * (k > 1), strided, or on an output under 14 x 14 pixels; a stride-1 1x1 on
 * 14 x 14 or more runs as a plain GEMM over the NCHW tensor.  An NHWC
 * convolution's forward transposes its input and its weights, its data
 * gradient the output gradient and the weights in and the input gradient
 * back; its weight gradient, and that of any kxk one (the stem's too),
 * transposes its input and its output gradient, a kxk one its gradient back
 * to KCRS too (a 1x1's KRSC is KCRS); a stride-1 1x1 on 14 x 14 or more
 * none (the trace's exception, left out: the six 1x1 reduces on 1024 input
 * channels at 14 x 14, whose weight gradients transpose both).  Where this
 * comes from: the measured A100 TF32 ResNet-50 DDP trace in
 * ../shared/external-traces/holistic-trace-analysis (nccl_data, batch 32):
 * 211 transposes a step (13% of its compute-kernel time) around 25 fprop,
 * 24 dgrad and 59 wgrad implicit-GEMM kernels and none around the 81
 * GEMM kernels; the measured H100 TF32 VGG13 trace (triosim) shows them too
 * (20% of its kernel time) and the V100 FP32 ResNet traces (no tensor
 * cores) do not (0.1-0.2%).  Kernels by correlation inside each of the
 * trace's aten::cudnn_convolution calls (model/MEASUREMENTS.md, session
 * 30): every 3x3, the strided 1x1 downsamples (56 -> 28, 28 -> 14, 14 -> 7)
 * and every 1x1 on 7 x 7 outputs ran sm80_xmma implicit-GEMM kernels after
 * an input and a weight transpose (grids (1, C/32, K)), every stride-1 1x1
 * on 56 x 56 to 14 x 14 outputs a CUTLASS GEMM with none, the stem none;
 * the trace cannot place the pixel threshold between 7 x 7 and 14 x 14
 * (any there gives the same on a 224-pixel ResNet), nor say what cuDNN
 * picks at other batch sizes (it has batch 32 on 108 SMs).  The weights
 * move whatever the batch: on a few SMs at batch 1-8 they cost what the
 * batch does not.  Left out, as the trace shows them: the forward's output
 * transposes back (3x3s of stages 3-4, some stage-4 1x1s: no shape rule
 * separates them).
 * A convolution's forward moves its input activation, weights and output
 * once each (cuDNN's implicit GEMM never writes the im2col matrix; a
 * strided 1x1 reads only the pixels it uses, the smaller of the two), and
 * an fp32 one whose input channels are not a multiple of 4 (the stem's 3)
 * runs in FP32, not TF32.  Both measured in the same A100 trace, forward
 * only (tests/bench/conv-a100.py): the stem ran as cuDNN's FP32 SIMT kernel
 * (cudnn_infer_ampere_scudnn_128x64) at 16.3 TFLOPS, and the 3x3
 * convolutions at 74-118 TFLOPS, faster than the im2col bytes allow (the
 * model had them DRAM-bound at 2.2x the measured time on layer 1).  The
 * backward's convolutions keep the GEMM's operand bytes (not checked).
 * FLOPs and DRAM bytes of every kernel are
 * computed here from the shapes and the dtype's element size; durations come
 * from model_op_ns().  Each GEMM says its operand layout (model_op.layout):
 * row-major as PyTorch stores tensors, a weight gradient X^T dY (and a bmm's
 * A^T dC) with a transposed A, a convolution none (cuDNN's kernel choice is
 * not modelled); row softmaxes are marked (model_op.softmax): op.c picks
 * the misaligned kernels from them.
 */
#include "workloads/workloads-internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum step_type {
	S_LINEAR,   /* a: M, b: N, c: K; flags: bias, input grad, weight */
	S_CONV,     /* as linear, class conv; d: input pixels per sample-row (M of dgrad) */
	S_BMM,      /* a: batch, b: M, c: N, d: K */
	S_ATTN,     /* a: batch x heads, b: query length, c: key length, d: head dim; causal */
	S_EW,       /* a: elements; reads, writes; nbwd backward kernels */
	S_NORM,     /* a: rows, b: width; rms */
	S_SOFTMAX,  /* a: rows, b: width */
	S_DROPOUT,  /* a: elements */
	S_EMBED,    /* a: tokens, b: width, c: table rows */
	S_LOSS,     /* a: rows, b: classes (log-softmax + NLL) */
	S_COPY,     /* a: elements */
	S_BN,       /* a: elements, b: channels */
	S_RED,      /* a: rows, b: width; a reduction over each row (mean) */
};

struct step {
	int type;
	const char *name;
	int64_t a, b, c, d;
	int bias, input_grad, weight, causal, rms, reads, writes, nbwd;
	int ksize;    /* conv: the kernel's side (1: a 1x1 convolution) */
	int skip;     /* conv: its epilogue adds the skip tensor (a x b elements read) */
	int bwd_only; /* no forward kernel: autograd's gradient accumulation */
	double fpe; /* FLOPs per element (elementwise, norms) */
};

struct gen {
	const struct workload *w;
	const struct workload_module *m;
	int64_t samples;
	int dtype, e;
	int trainable;  /* weights get gradients */
	int input_grad; /* the module's input needs a gradient */
	struct step *steps;
	int n;
	size_t cap;
	int oom;
};

static struct step *add(struct gen *g, int type, const char *name)
{
	struct step *s;

	if (MO_GROW(g->steps, (size_t)g->n + 1, g->cap) < 0) {
		g->oom = 1;
		return NULL;
	}
	s = &g->steps[g->n++];
	memset(s, 0, sizeof *s);
	s->type = type;
	s->name = name;
	s->weight = 1;
	s->input_grad = 1;
	s->reads = 1;
	s->writes = 1;
	s->nbwd = 1;
	return s;
}

static void linear(struct gen *g, const char *name, int64_t M, int64_t N, int64_t K, int bias)
{
	struct step *s = add(g, S_LINEAR, name);
	if (s)
		s->a = M, s->b = N, s->c = K, s->bias = bias;
}

static void ew(struct gen *g, const char *name, int64_t elems, int reads, int writes, double fpe,
	       int nbwd)
{
	struct step *s = add(g, S_EW, name);
	if (s)
		s->a = elems, s->reads = reads, s->writes = writes, s->fpe = fpe, s->nbwd = nbwd;
}

static void norm(struct gen *g, const char *name, int64_t rows, int64_t width)
{
	struct step *s;
	int64_t n = rows * width;

	if (g->m->impl == WORKLOAD_IMPL_PYTORCH && g->m->norm == WORKLOAD_NORM_RMSNORM) {
		/* x.to(float32); x * rsqrt(x.pow(2).mean(-1) + eps); .to(dtype); * weight
		 * (8 kernels a norm in the Qwen1.5-0.5B trace, the eps add included) */
		if (wl_dtype_bytes(g->dtype) != 4)
			ew(g, "rms_norm_to_float", n, 1, 2, 0, 1);
		ew(g, "rms_norm_pow", n, 2, 2, 1, 1);
		if ((s = add(g, S_RED, "rms_norm_mean")))
			s->a = rows, s->b = width;
		ew(g, "rms_norm_add_eps", rows, 2, 2, 1, 1);
		ew(g, "rms_norm_rsqrt", rows, 2, 2, 2, 1);
		ew(g, "rms_norm_mul", n, 4, 2, 1, 2);
		if (wl_dtype_bytes(g->dtype) != 4)
			ew(g, "rms_norm_to_dtype", n, 2, 1, 0, 1);
		ew(g, "rms_norm_weight_mul", n, 2, 1, 1, 2);
		return;
	}
	if ((s = add(g, S_NORM, name)))
		s->a = rows, s->b = width, s->rms = g->m->norm == WORKLOAD_NORM_RMSNORM;
}

/* A post-norm encoder (BERT) built as a TensorRT engine with NVIDIA's BERT
 * plugins (enum workload_impl): its embedding and residual norms are fused
 * and GELU runs in fc1's epilogue. */
static int trt_bert(const struct workload_module *m)
{
	return m->impl == WORKLOAD_IMPL_TENSORRT && m->arch == WORKLOAD_ARCH_ENCODER && !m->final_norm;
}

/* The residual add of a block and, post-norm, the norm after it: in a
 * TensorRT BERT one kernel that reads both tensors (SkipLayerNorm). */
static void residual(struct gen *g, const char *norm_name, int64_t T, int64_t H, int post_norm)
{
	struct step *s;

	if (trt_bert(g->m)) {
		if ((s = add(g, S_NORM, norm_name)))
			s->a = T, s->b = H, s->reads = 2, s->rms = g->m->norm == WORKLOAD_NORM_RMSNORM;
		return;
	}
	ew(g, "residual_add", T * H, 2, 1, 1, 1);
	if (post_norm)
		norm(g, norm_name, T, H);
}

static void grad_accumulate(struct gen *g, int64_t elems, int n)
{
	struct step *s = add(g, S_EW, "grad_accumulate");
	if (s)
		s->a = elems, s->reads = 2, s->writes = 1, s->fpe = 1, s->nbwd = n, s->bwd_only = 1;
}

/* Rotary embedding of one tensor of `elems` elements. */
static void rope(struct gen *g, int64_t elems)
{
	if (g->m->impl != WORKLOAD_IMPL_PYTORCH) {
		ew(g, "rotary_embedding", elems, 2, 1, 3, 1);
		return;
	}
	/* x * cos + rotate_half(x) * sin; rotate_half = cat(-x2, x1) */
	ew(g, "rope_neg", elems / 2, 1, 1, 1, 1);
	ew(g, "rope_cat", elems, 1, 1, 0, 1);
	ew(g, "rope_mul_cos", elems, 2, 1, 1, 1);
	ew(g, "rope_mul_sin", elems, 2, 1, 1, 1);
	ew(g, "rope_add", elems, 2, 1, 1, 1);
}

static void dropout_p(struct gen *g, const char *name, int64_t elems, double p)
{
	struct step *s;
	if (p <= 0)
		return;
	if ((s = add(g, S_DROPOUT, name)))
		s->a = elems;
}

static void dropout(struct gen *g, const char *name, int64_t elems)
{
	struct step *s;
	if (g->m->dropout <= 0)
		return;
	if ((s = add(g, S_DROPOUT, name)))
		s->a = elems;
}

static void activation(struct gen *g, int64_t elems)
{
	switch (g->m->act) {
	case WORKLOAD_ACT_SWIGLU:
		if (g->m->impl == WORKLOAD_IMPL_PYTORCH) {
			ew(g, "silu", elems, 1, 1, 4, 1);
			ew(g, "swiglu_mul", elems, 2, 1, 1, 2);
		} else {
			ew(g, "silu_mul", elems, 2, 1, 5, 1);
		}
		break;
	case WORKLOAD_ACT_RELU: ew(g, "relu", elems, 1, 1, 1, 1); break;
	case WORKLOAD_ACT_QUICK_GELU:
		/* x * sigmoid(1.702 x) in Python: mul, sigmoid, mul */
		ew(g, "quick_gelu_mul", elems, 1, 1, 1, 1);
		ew(g, "quick_gelu_sigmoid", elems, 1, 1, 4, 1);
		ew(g, "quick_gelu_mul", elems, 2, 1, 1, 2);
		break;
	case WORKLOAD_ACT_GELU_NEW:
		/* 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x^3))) */
		ew(g, "gelu_new_mul", elems, 1, 1, 1, 1);
		ew(g, "gelu_new_pow", elems, 1, 1, 2, 1);
		ew(g, "gelu_new_mul", elems, 1, 1, 1, 1);
		ew(g, "gelu_new_add", elems, 2, 1, 1, 1);
		ew(g, "gelu_new_mul", elems, 1, 1, 1, 1);
		ew(g, "gelu_new_tanh", elems, 1, 1, 4, 1);
		ew(g, "gelu_new_add", elems, 1, 1, 1, 1);
		ew(g, "gelu_new_mul", elems, 2, 1, 1, 2);
		break;
	default: ew(g, "gelu", elems, 1, 1, 8, 1);
	}
}

/* Self- or cross-attention of one block: T query tokens, Tk key tokens per
 * sample (S, Sk per sample). */
static void attention(struct gen *g, int64_t T, int64_t S, int64_t Sk, int cross)
{
	const struct workload_module *m = g->m;
	int64_t H = m->hidden, d = m->head_dim, q = (int64_t)m->heads * d, kv = (int64_t)m->kv_heads * d;
	int64_t B = g->samples * m->heads, Tk = g->samples * Sk;
	int bias_qkv = m->bias || m->qkv_bias;
	struct step *s;

	if (cross) {
		linear(g, "gemm:cross_q", T, q, H, bias_qkv);
		linear(g, "gemm:cross_kv", Tk, 2 * kv, H, bias_qkv);
	} else if (m->qkv_separate) {
		grad_accumulate(g, T * H, 2); /* dX = dX_q + dX_k + dX_v */
		linear(g, "gemm:q", T, q, H, bias_qkv);
		linear(g, "gemm:k", T, kv, H, bias_qkv);
		linear(g, "gemm:v", T, kv, H, bias_qkv);
	} else {
		linear(g, "gemm:qkv", T, q + 2 * kv, H, bias_qkv);
	}
	if (m->qk_norm) {
		norm(g, "qk_norm", T * m->heads, d);
		norm(g, "qk_norm", Tk * m->kv_heads, d);
	}
	if (m->pos == WORKLOAD_POS_ROPE && !cross) {
		rope(g, T * q);
		rope(g, T * kv);
	}
	if (m->attention == WORKLOAD_ATTN_FLASH) {
		/* Hugging Face's causal SDPA path makes Q, K and V contiguous
		 * before the call and the output after its transpose: 4 copies a
		 * layer in the Qwen1.5-0.5B trace (aten::contiguous > aten::clone >
		 * aten::copy_); none in ViT-B's and BERT-small's (no mask); their
		 * gradients pass through without a kernel */
		int copies = m->impl == WORKLOAD_IMPL_PYTORCH && m->causal && !cross;
		if (copies) {
			ew(g, "contiguous", T * q, 1, 1, 0, 0);
			ew(g, "contiguous", T * kv, 1, 1, 0, 0);
			ew(g, "contiguous", T * kv, 1, 1, 0, 0);
		}
		if ((s = add(g, S_ATTN, cross ? "flash_attn:cross" : "flash_attn")))
			s->a = B, s->b = S, s->c = Sk, s->d = d, s->causal = m->causal && !cross;
		if (copies)
			ew(g, "contiguous", T * q, 1, 1, 0, 0);
	} else {
		int causal = m->causal && !cross;
		if (m->kv_heads != m->heads) /* repeat_kv: expand K and V to all heads */
			ew(g, "repeat_kv", 2 * B * Sk * d, 1, 1, 0, 1);
		if (m->scale_query)
			ew(g, "attn_scale", T * q, 1, 1, 1, 1);
		if (m->head_copies) {
			ew(g, "head_copy", T * kv, 1, 1, 0, 0);
			ew(g, "head_copy", T * kv, 1, 1, 0, 0);
			ew(g, "head_copy", T * q, 1, 1, 0, 0);
		}
		if ((s = add(g, S_BMM, "bmm:scores")))
			s->a = B, s->b = S, s->c = Sk, s->d = d;
		if (!m->scale_query)
			ew(g, "attn_scale", B * S * Sk, 1, 1, 1, 1);
		if (causal)
			ew(g, "attn_mask_add", B * S * Sk, 2, 1, 1, 0);
		if (m->arch == WORKLOAD_ARCH_ENCODER)
			ew(g, "attn_mask_add", B * S * Sk, 2, 1, 1, 0);
		if ((s = add(g, S_SOFTMAX, "softmax")))
			s->a = B * S, s->b = Sk;
		/* softmax(..., dtype=torch.float32).to(query.dtype) in 16-bit
		 * Hugging Face decoder code (Llama, Qwen2): the fp32 result is
		 * cast back; CLIP's and BERT's softmax stays in the input dtype
		 * (OWLv2's trace: cunn_SoftMaxForward<.., BFloat16, float,
		 * BFloat16>, no cast) */
		if (m->impl == WORKLOAD_IMPL_PYTORCH && g->e == 2 && m->arch == WORKLOAD_ARCH_DECODER)
			ew(g, "softmax_to_dtype", B * S * Sk, 2, 1, 0, 1);
		dropout_p(g, "attn_dropout", B * S * Sk, m->attn_dropout);
		if ((s = add(g, S_BMM, "bmm:context")))
			s->a = B, s->b = S, s->c = d, s->d = Sk;
		if ((s = add(g, S_COPY, "merge_heads")))
			s->a = T * q;
	}
	linear(g, cross ? "gemm:cross_out" : "gemm:attn_out", T, H, q, m->bias);
}

static void block(struct gen *g, int post_norm)
{
	const struct workload_module *m = g->m;
	int64_t S = m->seq, T = g->samples * S, H = m->hidden, F = m->ffn;

	if (!post_norm)
		norm(g, "norm:attn", T, H);
	attention(g, T, S, S, 0);
	dropout(g, "resid_dropout", T * H);
	residual(g, "norm:attn", T, H, post_norm);
	if (m->cross_attention) {
		norm(g, "norm:cross", T, H);
		attention(g, T, S, m->cross_seq, 1);
		dropout(g, "resid_dropout", T * H);
		ew(g, "residual_add", T * H, 2, 1, 1, 1);
	}
	if (!post_norm)
		norm(g, "norm:mlp", T, H);
	if (m->act == WORKLOAD_ACT_SWIGLU && m->impl == WORKLOAD_IMPL_PYTORCH) {
		grad_accumulate(g, T * H, 1); /* dX = dX_gate + dX_up */
		linear(g, "gemm:gate", T, F, H, m->bias);
		linear(g, "gemm:up", T, F, H, m->bias);
	} else if (m->act == WORKLOAD_ACT_SWIGLU) {
		linear(g, "gemm:gate_up", T, 2 * F, H, m->bias);
	} else {
		linear(g, "gemm:fc1", T, F, H, m->bias);
	}
	if (!(trt_bert(m) && m->act == WORKLOAD_ACT_GELU))
		activation(g, T * F); /* else in fc1's epilogue */
	linear(g, "gemm:fc2", T, H, F, m->bias);
	dropout(g, "resid_dropout", T * H);
	residual(g, "norm:mlp", T, H, post_norm);
}

static void input_side(struct gen *g)
{
	const struct workload_module *m = g->m;
	int64_t S = m->seq, T = g->samples * S, H = m->hidden;
	struct step *s;

	if (trt_bert(m) && m->vocab && m->embed_norm) { /* EmbLayerNorm: gathers, adds and norm */
		if ((s = add(g, S_NORM, "norm:embed")))
			s->a = T, s->b = H, s->reads = 1 + (m->pos == WORKLOAD_POS_LEARNED) + (m->type_vocab > 0);
		return;
	}
	if (m->arch == WORKLOAD_ARCH_VIT) {
		int64_t patches = S - m->cls_token;
		if ((s = add(g, S_CONV, "conv:patch_embed"))) {
			s->a = g->samples * patches, s->b = H;
			s->c = (int64_t)m->channels * m->patch * m->patch * m->frames;
			s->bias = m->patch_bias, s->input_grad = 0;
		}
		if (m->cls_token && (s = add(g, S_COPY, "cat_cls_token")))
			s->a = T * H;
	} else if (m->vocab) {
		if ((s = add(g, S_EMBED, "embedding:tokens")))
			s->a = T, s->b = H, s->c = m->vocab;
	} else if (m->in_dim) {
		linear(g, "gemm:input_proj", T, H, m->in_dim, m->bias);
		if (!g->input_grad)
			g->steps[g->n - 1].input_grad = 0;
	}
	if (m->pos == WORKLOAD_POS_LEARNED) {
		if (m->arch != WORKLOAD_ARCH_VIT && (s = add(g, S_EMBED, "embedding:positions")))
			s->a = T, s->b = H, s->c = m->max_pos;
		ew(g, "pos_embed_add", T * H, 2, 1, 1, 1);
	}
	if (m->type_vocab) {
		if ((s = add(g, S_EMBED, "embedding:token_types")))
			s->a = T, s->b = H, s->c = m->type_vocab;
		ew(g, "type_embed_add", T * H, 2, 1, 1, 1);
	}
	if (m->embed_norm)
		norm(g, "norm:embed", T, H);
	dropout(g, "embed_dropout", T * H);
}

static void loss(struct gen *g, int64_t rows, int64_t classes)
{
	struct step *s;
	if ((s = add(g, S_LOSS, "cross_entropy")))
		s->a = rows, s->b = classes;
}

static void output_side(struct gen *g)
{
	const struct workload_module *m = g->m;
	int64_t S = m->seq, T = g->samples * S, H = m->hidden;
	int64_t rows = m->pool ? g->samples : T;

	if (m->final_norm)
		norm(g, "norm:final", rows, H);
	if (m->pooler) {
		linear(g, "gemm:pooler", g->samples, H, H, 1);
		ew(g, "tanh", g->samples * H, 1, 1, 4, 1);
	}
	if (m->out_dim)
		linear(g, "gemm:out_proj", rows, m->out_dim, H, 0);
	if (m->loss == WORKLOAD_LOSS_LM) {
		if (m->arch == WORKLOAD_ARCH_ENCODER) {
			linear(g, "gemm:mlm_transform", T, H, H, 1);
			activation(g, T * H);
			norm(g, "norm:mlm", T, H);
		}
		linear(g, "gemm:lm_head", T, m->vocab, H, m->arch == WORKLOAD_ARCH_ENCODER);
		if (m->tie_embeddings)
			g->steps[g->n - 1].weight = 2; /* gradient added into the embedding's */
		if (wl_dtype_bytes(g->dtype) == 2)
			ew(g, "logits_float", T * m->vocab, 1, 2, 0, 1);
		loss(g, T, m->vocab);
	} else if (m->loss == WORKLOAD_LOSS_CONTRASTIVE) {
		int64_t D = m->out_dim ? m->out_dim : H;
		norm(g, "l2_normalize", g->samples, D);
		linear(g, "gemm:contrastive_logits", g->samples, g->samples, D, 0);
		g->steps[g->n - 1].weight = 0;
		loss(g, g->samples, g->samples);
	}
}

static struct step *conv(struct gen *g, const char *name, int64_t side_out, int64_t cout, int64_t cin,
			 int ksize, int64_t side_in, int input_grad)
{
	struct step *s = add(g, S_CONV, name);
	if (s) {
		s->a = g->samples * side_out * side_out, s->b = cout, s->c = cin * ksize * ksize;
		s->d = g->samples * side_in * side_in;
		s->input_grad = input_grad;
		s->ksize = ksize;
	}
	return s;
}

/* A batch norm and its ReLU; none under a TensorRT engine (folded into the
 * convolution before it, the ReLU in its epilogue: enum workload_impl). */
static void bn(struct gen *g, int64_t elems, int64_t channels, int relu)
{
	struct step *s;

	if (g->m->impl == WORKLOAD_IMPL_TENSORRT)
		return;
	s = add(g, S_BN, "batch_norm");
	if (s)
		s->a = elems, s->b = channels;
	if (relu)
		ew(g, "relu", elems, 1, 1, 1, 1);
}

static void conv_layer(struct gen *g, int l)
{
	const struct workload_module *m = g->m;
	struct wl_conv_block b;
	struct step *expand;
	int64_t n = g->samples, so, si;

	if (l == 0) {
		int64_t img = m->image;
		conv(g, "conv:stem", img / 2, m->width, m->channels, 7, img, 0);
		bn(g, n * (img / 2) * (img / 2) * m->width, m->width, 1);
		ew(g, "max_pool", n * (img / 4) * (img / 4) * m->width, 4, 1, 9, 1);
	}
	wl_conv_block(m, l, &b);
	so = b.side_out, si = b.side_in;
	conv(g, "conv:1x1_reduce", si, b.width, b.in, 1, si, 1);
	bn(g, n * si * si * b.width, b.width, 1);
	conv(g, "conv:3x3", so, b.width, b.width, 3, si, 1);
	bn(g, n * so * so * b.width, b.width, 1);
	expand = conv(g, "conv:1x1_expand", so, b.out, b.width, 1, so, 1);
	bn(g, n * so * so * b.out, b.out, 0);
	if (b.first) {
		conv(g, "conv:downsample", so, b.out, b.in, 1, si, 1);
		bn(g, n * so * so * b.out, b.out, 0);
	}
	if (m->impl == WORKLOAD_IMPL_TENSORRT) {
		if (expand)
			expand->skip = 1; /* the add and ReLU in its epilogue */
	} else {
		ew(g, "residual_add", n * so * so * b.out, 2, 1, 1, 1);
		ew(g, "relu", n * so * so * b.out, 1, 1, 1, 1);
	}
	if (l == m->layers - 1 && m->out_dim)
		linear(g, "gemm:out_proj", n * so * so, m->out_dim, b.out, 1);
}

static void mlp_layer(struct gen *g, int l)
{
	const struct workload_module *m = g->m;
	int64_t T = g->samples * m->seq;
	int64_t in = l == 0 ? m->in_dim : m->hidden, out = l == m->layers - 1 ? m->out_dim : m->hidden;

	if (l == 0 && m->embed_norm)
		norm(g, "norm:input", T, in);
	linear(g, "gemm:mlp", T, out, in, m->bias);
	if (l == 0 && !g->input_grad)
		g->steps[g->n - 1].input_grad = 0;
	if (l < m->layers - 1)
		activation(g, T * out);
}

/* Build the forward steps of layer l. */
static void layer_steps(struct gen *g, int l)
{
	const struct workload_module *m = g->m;

	switch (m->arch) {
	case WORKLOAD_ARCH_CONV: conv_layer(g, l); return;
	case WORKLOAD_ARCH_MLP: mlp_layer(g, l); return;
	default: break;
	}
	if (l == 0)
		input_side(g);
	/* BERT-style encoders without a final norm are post-norm. */
	block(g, m->arch == WORKLOAD_ARCH_ENCODER && !m->final_norm);
	if (l == m->layers - 1)
		output_side(g);
}

/* ---- emitting ---- */

struct emitter {
	struct gen *g;
	wl_emit_fn emit;
	void *ctx;
	int rc;
	int tc_layout; /* the ops put now are cuDNN layout transposes */
	int layout;    /* the GEMM put now's operand layout (enum model_layout) */
	int softmax;   /* the reduction put now is a row softmax (model_op) */
};

void wl_op_set(struct wl_op *op, const char *name, int opkind, int kclass, int dtype, int64_t b,
	       int64_t m, int64_t n, int64_t k, int64_t flops, int64_t bytes)
{
	memset(op, 0, sizeof *op);
	op->name = name;
	op->op.kind = opkind;
	op->op.dtype = dtype;
	op->op.b = b, op->op.m = m, op->op.n = n, op->op.k = k;
	op->op.flops = op->flops = flops;
	op->op.bytes = op->bytes = bytes;
	op->kclass = kclass;
}

static void put(struct emitter *em, const char *name, int opkind, int kclass, int64_t b, int64_t M,
		int64_t N, int64_t K, int causal, int64_t flops, int64_t bytes)
{
	struct wl_op op;

	if (em->rc)
		return;
	wl_op_set(&op, name, opkind, kclass, em->g->dtype, b, M, N, K, flops, bytes);
	op.op.causal = causal;
	op.op.layout = kclass == TRACE_CLASS_CONV ? MODEL_LAYOUT_ANY : em->layout;
	op.op.softmax = em->softmax;
	op.tc_layout = em->tc_layout;
	em->rc = em->emit(em->ctx, &op);
}

/* cuDNN's NCHW <-> NHWC transpose of elems elements around a TF32
 * convolution (the header: when; read and written once). */
static void put_nchw(struct emitter *em, const char *name, int64_t elems)
{
	em->tc_layout = 1;
	put(em, name, MODEL_OP_MEMORY, TRACE_CLASS_MEMORY, 1, elems, 0, 0, 0, 0,
	    2 * elems * em->g->e);
	em->tc_layout = 0;
}

/* The elements of a convolution's input activation, when its kernels run on
 * TF32 tensor cores in NHWC (an fp32 conv net); 0 otherwise. */
static int64_t nchw_input(const struct emitter *em, const struct step *s)
{
	if (s->type != S_CONV || em->g->dtype != MODEL_FP32 || s->ksize < 1)
		return 0;
	return s->d * (s->c / ((int64_t)s->ksize * s->ksize));
}

/* Whether cuDNN runs this convolution's forward and data gradient in NHWC,
 * between transposes of the input and the weights (the header: the rule and
 * where it comes from): a TF32 one (input channels a multiple of 4) that is
 * kxk, strided, or on an output under 14 x 14 pixels. */
static int nhwc_conv(const struct emitter *em, const struct step *s)
{
	int64_t area = (int64_t)s->ksize * s->ksize;

	if (!nchw_input(em, s) || (s->c / area) % 4)
		return 0;
	return s->ksize > 1 || s->d != s->a || s->a / em->g->samples < 14 * 14;
}

static void put_gemm(struct emitter *em, const char *name, int kclass, int64_t b, int64_t M,
		     int64_t N, int64_t K)
{
	int64_t e = em->g->e;
	int dtype = em->g->dtype;

	/* PyTorch runs fp32 convolutions on TF32 tensor cores by default
	 * (torch.backends.cudnn.allow_tf32), fp32 matmuls in true FP32 */
	if (kclass == TRACE_CLASS_CONV && dtype == MODEL_FP32)
		em->g->dtype = MODEL_TF32;
	put(em, name, b > 1 ? MODEL_OP_BMM : MODEL_OP_GEMM, kclass, b, M, N, K, 0, 2 * b * M * N * K,
	    b * (M * K + K * N + M * N) * e);
	em->g->dtype = dtype;
}

static void put_ew(struct emitter *em, const char *name, int64_t elems, int rw, double fpe)
{
	put(em, name, MODEL_OP_ELEMENTWISE, TRACE_CLASS_ELEMENTWISE, 1, elems, 0, 0, 0,
	    (int64_t)(fpe * (double)elems), elems * rw * em->g->e);
}

static void put_red(struct emitter *em, const char *name, int64_t rows, int64_t width, int rw,
		    double fpe)
{
	put(em, name, MODEL_OP_REDUCTION, TRACE_CLASS_REDUCTION, 1, rows, width, 0, 0,
	    (int64_t)(fpe * (double)(rows * width)), rows * width * rw * em->g->e);
}

/* PyTorch's row softmax (forward or backward, log or not) over rows of
 * width elements: a reduction whose kernel depends on the width (model_op). */
static void put_softmax(struct emitter *em, const char *name, int64_t rows, int64_t width,
			int rw, double fpe)
{
	em->softmax = 1;
	put_red(em, name, rows, width, rw, fpe);
	em->softmax = 0;
}

/* A convolution's forward as cuDNN's implicit GEMM runs it: the GEMM's
 * FLOPs, but the DRAM traffic of the input activation, the weights and the
 * output once each, not of the im2col matrix (kernel area x the input for
 * a stride-1 kxk convolution), which the kernel never writes out
 * (the header: where this comes from). */
static void put_conv_fwd(struct emitter *em, const struct step *s)
{
	int64_t e = em->g->e, area = (int64_t)s->ksize * s->ksize;
	int64_t in = s->d * (s->c / area), a = s->a * s->c;
	int dtype = em->g->dtype;

	if (dtype == MODEL_FP32 && (s->c / area) % 4 == 0) /* TF32 tensor cores (put_gemm) */
		em->g->dtype = MODEL_TF32;
	put(em, s->name, MODEL_OP_GEMM, TRACE_CLASS_CONV, 1, s->a, s->b, s->c, 0,
	    2 * s->a * s->b * s->c,
	    ((in < a ? in : a) + s->c * s->b + s->a * s->b * (s->skip ? 2 : 1)) * e);
	em->g->dtype = dtype;
}

/* A weight gradient X^T dY (or a bmm's A^T dC): A is a transposed view. */
static void put_gemm_ta(struct emitter *em, const char *name, int kclass, int64_t b, int64_t M,
			int64_t N, int64_t K)
{
	em->layout = MODEL_LAYOUT_TRANS_A;
	put_gemm(em, name, kclass, b, M, N, K);
	em->layout = MODEL_LAYOUT_ROW;
}

/* Names of backward kernels: "<forward name>:<suffix>" from a fixed set, so
 * the strings stay static. */
struct bname {
	const char *fwd, *dgrad, *wgrad, *bgrad;
};
static const char *suffix(const char *fwd, int which)
{
	static const struct bname names[] = {
#define N(x) {x, x ":dgrad", x ":wgrad", x ":bias_grad"}
		N("gemm:qkv"), N("gemm:q"), N("gemm:k"), N("gemm:v"), N("gemm:gate"), N("gemm:up"),
		N("gemm:cross_q"), N("gemm:cross_kv"), N("gemm:attn_out"),
		N("gemm:cross_out"), N("gemm:gate_up"), N("gemm:fc1"), N("gemm:fc2"),
		N("gemm:input_proj"), N("gemm:pooler"), N("gemm:out_proj"), N("gemm:mlm_transform"),
		N("gemm:lm_head"), N("gemm:contrastive_logits"), N("gemm:mlp"),
		N("conv:patch_embed"), N("conv:stem"), N("conv:1x1_reduce"), N("conv:3x3"),
		N("conv:1x1_expand"), N("conv:downsample"), N("bmm:scores"), N("bmm:context"),
#undef N
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (!strcmp(names[i].fwd, fwd))
			return which == 0 ? names[i].dgrad : which == 1 ? names[i].wgrad : names[i].bgrad;
	return fwd;
}

/* Fused attention of step s (batch x heads a, queries b, keys c, head size
 * d): fmul FLOPs per query-key-dim (halved when causal), io times the
 * query and key rows of d elements moved. */
static void put_attn(struct emitter *em, const char *name, int opkind, const struct step *s,
		     int64_t fmul, int64_t io)
{
	int64_t f = fmul * s->a * s->b * s->c * s->d;

	if (s->causal)
		f /= 2;
	put(em, name, opkind, TRACE_CLASS_ATTENTION, s->a, s->b, s->c, s->d, s->causal, f,
	    s->a * (io * s->b + io * s->c) * s->d * em->g->e);
}

/* The forward kernel name of norm step s: a TensorRT fused norm (reads > 1)
 * is the embedding's (EmbLayerNorm) or a residual's (SkipLayerNorm). */
static const char *norm_kernel(const struct step *s)
{
	if (s->rms)
		return "rms_norm";
	if (s->reads == 1)
		return "layer_norm";
	return !strcmp(s->name, "norm:embed") ? "emb_layer_norm" : "skip_layer_norm";
}

static void emit_fwd(struct emitter *em, const struct step *s)
{
	int64_t e = em->g->e;

	if (s->bwd_only)
		return;
	switch (s->type) {
	case S_LINEAR:
		put_gemm(em, s->name, TRACE_CLASS_GEMM, 1, s->a, s->b, s->c);
		break;
	case S_CONV:
		if (nhwc_conv(em, s)) {
			put_nchw(em, "cudnn:nchw_to_nhwc", nchw_input(em, s));
			put_nchw(em, "cudnn:nchw_to_nhwc", s->b * s->c); /* the weights */
		}
		if (s->ksize >= 1) /* a ResNet convolution; a patch embedding (no
				    * overlap) reads its input once as it is */
			put_conv_fwd(em, s);
		else
			put_gemm(em, s->name, TRACE_CLASS_CONV, 1, s->a, s->b, s->c);
		break;
	case S_BMM:
		put_gemm(em, s->name, TRACE_CLASS_GEMM, s->a, s->b, s->c, s->d);
		break;
	case S_ATTN:
		put_attn(em, s->name, MODEL_OP_ATTENTION, s, 4, 2);
		break;
	case S_EW:
		put_ew(em, s->name, s->a, s->reads + s->writes, s->fpe);
		break;
	case S_NORM: /* reads > 1: a TensorRT fused norm, adding its inputs first */
		put_red(em, norm_kernel(s), s->a, s->b, s->reads + 1, (s->rms ? 4 : 8) + s->reads - 1);
		break;
	case S_SOFTMAX:
		put_softmax(em, "softmax", s->a, s->b, 2, 5);
		break;
	case S_DROPOUT:
		/* writes the output and a one-byte mask */
		put(em, s->name, MODEL_OP_ELEMENTWISE, TRACE_CLASS_ELEMENTWISE, 1, s->a, 0, 0, 0,
		    3 * s->a, s->a * (2 * e + 1));
		break;
	case S_EMBED:
		put(em, s->name, MODEL_OP_MEMORY, TRACE_CLASS_MEMORY, 1, s->a, s->b, 0, 0, 0,
		    2 * s->a * s->b * e + s->a * 8);
		break;
	case S_LOSS:
		put_softmax(em, "log_softmax", s->a, s->b, 2, 5);
		put(em, "nll_loss", MODEL_OP_REDUCTION, TRACE_CLASS_REDUCTION, 1, s->a, 1, 0, 0, s->a,
		    s->a * (4 + 8));
		break;
	case S_COPY:
		put(em, s->name, MODEL_OP_MEMORY, TRACE_CLASS_MEMORY, 1, s->a, 0, 0, 0, 0, 2 * s->a * e);
		break;
	case S_BN:
		put_red(em, "batch_norm", s->a / s->b, s->b, 2, 6);
		break;
	case S_RED:
		put_red(em, s->name, s->a, s->b, 1, 1);
		break;
	}
}

static void emit_bwd(struct emitter *em, const struct step *s)
{
	struct gen *g = em->g;
	int64_t e = g->e;
	int wgrad = g->trainable && s->weight;

	switch (s->type) {
	case S_LINEAR:
	case S_CONV: {
		int cls = s->type == S_CONV ? TRACE_CLASS_CONV : TRACE_CLASS_GEMM;
		int64_t dM = s->type == S_CONV && s->d ? s->d : s->a, x = nchw_input(em, s);
		int nhwc = s->type == S_CONV && nhwc_conv(em, s);
		if (s->input_grad) {
			if (nhwc) {
				put_nchw(em, "cudnn:nchw_to_nhwc", s->a * s->b);
				put_nchw(em, "cudnn:nchw_to_nhwc", s->b * s->c); /* the weights */
			}
			put_gemm(em, suffix(s->name, 0), cls, 1, dM, s->c, s->b);
			if (nhwc)
				put_nchw(em, "cudnn:nhwc_to_nchw", x);
		}
		if (wgrad) {
			if (nhwc || (x && s->ksize > 1)) { /* its input, its output gradient */
				put_nchw(em, "cudnn:nchw_to_nhwc", x);
				put_nchw(em, "cudnn:nchw_to_nhwc", s->a * s->b);
			}
			put_gemm_ta(em, suffix(s->name, 1), cls, 1, s->c, s->b, s->a);
			if (x && s->ksize > 1) /* the weight gradient back to KCRS (a 1x1's
						* KRSC is KCRS) */
				put_nchw(em, "cudnn:nhwc_to_nchw", s->b * s->c);
			if (s->bias)
				put_red(em, suffix(s->name, 2), s->a, s->b, 1, 1);
			if (s->weight == 2) /* tied: add into the embedding gradient */
				put_ew(em, "tied_grad_add", s->b * s->c, 3, 1);
		}
		break;
	}
	case S_BMM:
		/* C = A B: dA = dC B^T, dB = A^T dC */
		put_gemm(em, suffix(s->name, 0), TRACE_CLASS_GEMM, s->a, s->b, s->d, s->c);
		put_gemm_ta(em, suffix(s->name, 1), TRACE_CLASS_GEMM, s->a, s->d, s->c, s->b);
		break;
	case S_ATTN:
		put_attn(em, "flash_attn_bwd", MODEL_OP_ATTENTION_BWD, s, 10, 4);
		break;
	case S_EW:
		for (int i = 0; i < s->nbwd; i++)
			put_ew(em, s->name, s->a, s->bwd_only ? s->reads + s->writes : s->reads + 2,
			       s->fpe + 1);
		break;
	case S_NORM:
		put_red(em, s->rms ? "rms_norm_bwd" : "layer_norm_bwd", s->a, s->b, 4, s->rms ? 6 : 10);
		if (g->trainable)
			put_red(em, s->rms ? "rms_norm_bwd_weight" : "layer_norm_bwd_weight", s->a, s->b,
				2, 2);
		break;
	case S_SOFTMAX:
		put_softmax(em, "softmax_bwd", s->a, s->b, 3, 4);
		break;
	case S_DROPOUT:
		put(em, "dropout_bwd", MODEL_OP_ELEMENTWISE, TRACE_CLASS_ELEMENTWISE, 1, s->a, 0, 0, 0,
		    s->a, s->a * (2 * e + 1));
		break;
	case S_EMBED:
		if (!wgrad)
			break;
		put_ew(em, "embedding_bwd_zero", s->c * s->b, 1, 0);
		put(em, "embedding_bwd_sort", MODEL_OP_MEMORY, TRACE_CLASS_MEMORY, 1, s->a, 0, 0, 0, 0,
		    s->a * 32);
		put(em, "embedding_bwd", MODEL_OP_MEMORY, TRACE_CLASS_MEMORY, 1, s->a, s->b, 0, 0,
		    s->a * s->b, 3 * s->a * s->b * e);
		break;
	case S_LOSS:
		put_ew(em, "nll_loss_bwd", s->a * s->b, 1, 0);
		put_softmax(em, "log_softmax_bwd", s->a, s->b, 3, 3);
		break;
	case S_COPY: /* a copy's gradient is the same copy back */
		emit_fwd(em, s);
		break;
	case S_BN:
		put_red(em, "batch_norm_bwd", s->a / s->b, s->b, 3, 8);
		break;
	case S_RED: /* the mean's gradient broadcast back over the row */
		put_ew(em, s->name, s->a * s->b, 2, 1);
		break;
	}
}

static int upstream_needs_grad(const struct workload *w, int m)
{
	for (int e = 0; e < w->n_edges; e++)
		if (w->edges[e].to == m && wl_needs_backward(w, w->edges[e].from))
			return 1;
	return 0;
}

int wl_gen_ops(const struct workload *w, int mi, int lb, int le, int phase, int64_t samples,
	       wl_emit_fn emit, void *ctx)
{
	const struct workload_module *m = &w->modules[mi];
	struct gen g = {.w = w, .m = m, .samples = samples, .dtype = w->dtype};
	struct emitter em = {.g = &g, .emit = emit, .ctx = ctx};
	int copies = m->copies > 0 ? m->copies : 1;

	g.e = wl_dtype_bytes(w->dtype);
	g.trainable = !m->frozen;
	g.input_grad = upstream_needs_grad(w, mi);
	if (lb < 0)
		lb = 0;
	if (le > m->layers)
		le = m->layers;
	if (phase == WORKLOAD_BWD && !wl_needs_backward(w, mi))
		return 0;
	if (phase == WORKLOAD_OPT)
		return wl_opt_ops(w, mi, lb, le, emit, ctx, NULL);
	for (int c = 0; c < copies && !em.rc; c++) {
		for (int l = lb; l < le && !em.rc; l++) {
			g.n = 0;
			layer_steps(&g, l);
			if (g.oom) {
				free(g.steps);
				return -MO_ENOMEM;
			}
			if (phase == WORKLOAD_FWD)
				for (int i = 0; i < g.n && !em.rc; i++)
					emit_fwd(&em, &g.steps[i]);
			else
				for (int i = g.n - 1; i >= 0 && !em.rc; i--)
					emit_bwd(&em, &g.steps[i]);
		}
	}
	free(g.steps);
	return em.rc;
}

/* ---- the public entry points ---- */

struct kctx {
	const struct workload *w;
	const struct model_gpu *gpu;
	struct trace_mem *out;
	struct mo_err *err;
	int m, phase;
	int64_t t;
};

/* The kernel's name: the op's, with ":<dtype>" after it when it is a
 * tensor-class kernel that does not run in 16 bits (fp32, tf32, int8), the
 * precision model_kernel_dtype() reads back (as from a cuBLAS name), so
 * the physics core splits its time at its own peak.  Copied into the trace
 * by trace_mem_add. */
static const char *kernel_name(const struct wl_op *op, char *buf, size_t size)
{
	int d = op->op.dtype;

	if (!model_class_tensor(op->kclass) || d == MODEL_BF16 || d == MODEL_FP16)
		return op->name;
	snprintf(buf, size, "%s:%s", op->name, model_dtype_name(d));
	return buf;
}

static int add_kernel(void *vctx, const struct wl_op *op)
{
	struct kctx *c = vctx;
	struct trace_record rec;
	struct trace_kernel *k = &rec.u.kernel;
	char name[160];
	int64_t ns;

	if (op->tc_layout && c->gpu->tf32_tflops <= 0)
		return 0; /* no TF32 tensor cores: cuDNN runs NCHW as it is */
	trace_record_init(&rec, TRACE_KIND_KERNEL);
	model_op_launch(c->gpu, &op->op, k);
	k->kclass = op->kclass;
	k->name = kernel_name(op, name, sizeof name);
	k->flops = op->flops;
	k->bytes = op->bytes;
	k->device = 0;
	k->stream = 0;
	k->module = c->m;
	k->phase = c->phase;
	ns = model_op_ns(c->gpu, &op->op, c->gpu->sms);
	if (ns < 1)
		ns = 1;
	k->start_ns = c->t;
	k->end_ns = c->t + ns;
	c->t += ns;
	return trace_mem_add(c->out, &rec, c->err);
}

int workload_kernels(const struct workload *w, int m, int layer_begin, int layer_end, int phase,
		     int samples, const struct model_gpu *gpu, struct trace_mem *out, struct mo_err *err)
{
	struct kctx c = {.w = w, .gpu = gpu, .out = out, .err = err, .m = m, .phase = phase};
	int rc;

	if (m < 0 || m >= w->n_modules)
		return mo_err_set(err, MO_EUSAGE, "workload '%s': no module %d", w->name, m);
	if (phase < WORKLOAD_FWD || phase > WORKLOAD_OPT)
		return mo_err_set(err, MO_EUSAGE, "workload '%s': bad phase %d", w->name, phase);
	if (layer_begin < 0 || layer_end > w->modules[m].layers || layer_begin > layer_end)
		return mo_err_set(err, MO_EUSAGE, "workload '%s': module '%s': bad layers [%d, %d) of %d",
				  w->name, w->modules[m].name, layer_begin, layer_end,
				  w->modules[m].layers);
	if (samples < 1 && phase != WORKLOAD_OPT)
		return mo_err_set(err, MO_EUSAGE, "workload '%s': %d samples", w->name, samples);
	if (w->modules[m].arch == WORKLOAD_ARCH_TRACE) {
		if (layer_begin == layer_end)
			return 0;
		return wl_trace_kernels(w, m, phase, samples, out, err);
	}
	if (!gpu)
		return mo_err_set(err, MO_EUSAGE, "workload '%s': no GPU given", w->name);
	if (wl_module_scale(&w->modules[m], samples > 0 ? samples : 1) > WL_SCALE_MAX)
		return mo_err_set(err, MO_EUSAGE, "workload '%s': module '%s': %d samples is too large",
				  w->name, w->modules[m].name, samples);
	rc = wl_gen_ops(w, m, layer_begin, layer_end, phase, samples > 0 ? samples : 1, add_kernel, &c);
	if (rc == -MO_ENOMEM && (!err || !err->code))
		return mo_err_set(err, MO_ENOMEM, "out of memory");
	return rc;
}

int workload_predict_ns(const struct workload *w, int m, int layer_begin, int layer_end,
			int phase, int samples, const struct model_gpu *gpu, int64_t *ns,
			struct mo_err *err)
{
	struct trace_mem t;
	int rc;

	*ns = 0;
	trace_mem_init(&t);
	rc = workload_kernels(w, m, layer_begin, layer_end, phase, samples, gpu, &t, err);
	for (size_t i = 0; !rc && i < t.n; i++)
		*ns += t.recs[i].u.kernel.end_ns - t.recs[i].u.kernel.start_ns;
	trace_mem_release(&t);
	return rc;
}

struct fctx {
	int64_t flops;
};
static int add_flops(void *vctx, const struct wl_op *op)
{
	((struct fctx *)vctx)->flops += op->flops;
	return 0;
}

int64_t workload_flops(const struct workload *w, int m, int lb, int le, int phase)
{
	struct fctx c = {0};

	if (m < 0 || m >= w->n_modules)
		return 0;
	if (w->modules[m].arch == WORKLOAD_ARCH_TRACE) {
		const struct workload_trace *t = w->modules[m].trace_data;
		if (!t || phase < 0 || phase > 2 || lb >= le)
			return 0;
		for (size_t i = 0; i < t->phase[phase].n; i++)
			if (t->phase[phase].recs[i].u.kernel.flops > 0)
				c.flops += t->phase[phase].recs[i].u.kernel.flops;
		if (phase != WORKLOAD_OPT && w->modules[m].trace_samples > 0)
			c.flops /= w->modules[m].trace_samples;
		return c.flops;
	}
	wl_gen_ops(w, m, lb, le, phase, 1, add_flops, &c);
	return c.flops;
}
