/*
 * params.c - parameter counts and memory of a module's layers, by formula
 * from the spec's sizes.
 *
 * Transformer block (vit, encoder, decoder): two norms (layernorm: weight and
 * bias; rmsnorm: weight), attention Q/K/V/O with grouped-query K/V heads
 * (kv_heads x head_dim), biases on all four when "bias", on Q/K/V only when
 * "qkv_bias", per-head q/k norms when "qk_norm"; MLP gated (SwiGLU: gate, up,
 * down) or plain (fc1, fc2), biases when "bias"; decoders with
 * cross_attention add a norm and Q/K/V/O over memory of width hidden.
 * Layer 0 also holds the input side: token embedding (vocab x hidden) or an
 * input projection (in_dim x hidden), learned positions (max_pos x hidden),
 * token types, the ViT patch embedding (channels x patch^2 x frames x hidden,
 * plus a bias when "patch_bias") and class token, the embedding norm.  The
 * last layer holds the output side: final norm, BERT pooler, the output
 * projection (hidden x out_dim, no bias, as CLIP and ImageBind heads), the
 * LM head (untied: vocab x hidden; encoders add the MLM transform: dense,
 * norm and a vocab bias), CLIP's logit scale.
 * Conv: ResNet bottleneck blocks (1x1, 3x3, 1x1 convolutions without bias,
 * batch norm after each, a 1x1 downsample on each stage's first block) after
 * a 7x7 stem with batch norm; "out_dim" adds a linear map of the last
 * stage's features to out_dim (OFA's image projection).
 * MLP: layers linear maps in_dim -> hidden -> ... -> out_dim, biases when
 * "bias", a norm over in_dim first when "embed_norm".
 * Everything is multiplied by "copies".  The counts are sums over the
 * parameter tensors (wl_layer_tensors), which the optimizer's kernels are
 * launched over (workloads/optimizer.c); a layer's tensors come in the order
 * PyTorch's modules register them (torchvision's ResNet: each convolution,
 * then its batch norm's weight and bias).
 */
#include "workloads/workloads-internal.h"

/* Receives the parameter tensors of a layer one by one (a copy's tensors
 * again for every copy). */
struct tensors {
	wl_tensor_fn fn;
	void *ctx;
};

static void t1(struct tensors *t, int64_t numel)
{
	if (numel > 0)
		t->fn(t->ctx, numel);
}

static void norm_tensors(struct tensors *t, const struct workload_module *m, int64_t width)
{
	t1(t, width); /* weight */
	if (m->norm != WORKLOAD_NORM_RMSNORM)
		t1(t, width); /* bias */
}

static void attn_tensors(struct tensors *t, const struct workload_module *m, int self)
{
	int64_t H = m->hidden, q = (int64_t)m->heads * m->head_dim,
		kv = (int64_t)m->kv_heads * m->head_dim;
	int qkv_bias = m->bias || m->qkv_bias;

	if (!self)
		norm_tensors(t, m, H);
	if (m->qkv_separate) {
		int64_t w[3] = {q, kv, kv};
		for (int i = 0; i < 3; i++) {
			t1(t, H * w[i]);
			if (qkv_bias)
				t1(t, w[i]);
		}
	} else {
		t1(t, H * (q + 2 * kv));
		if (qkv_bias)
			t1(t, q + 2 * kv);
	}
	if (m->qk_norm) {
		norm_tensors(t, m, m->head_dim);
		norm_tensors(t, m, m->head_dim);
	}
	t1(t, q * H);
	if (m->bias)
		t1(t, H);
}

/* One linear map in -> out with an optional bias. */
static void linear_tensors(struct tensors *t, int64_t in, int64_t out, int bias)
{
	t1(t, in * out);
	if (bias)
		t1(t, out);
}

static void block_tensors(struct tensors *t, const struct workload_module *m)
{
	int64_t H = m->hidden, F = m->ffn;

	norm_tensors(t, m, H);
	attn_tensors(t, m, 1);
	if (m->cross_attention)
		attn_tensors(t, m, 0);
	norm_tensors(t, m, H);
	if (m->act == WORKLOAD_ACT_SWIGLU && m->impl == WORKLOAD_IMPL_PYTORCH) {
		linear_tensors(t, H, F, m->bias); /* gate */
		linear_tensors(t, H, F, m->bias); /* up */
	} else {
		linear_tensors(t, H, (m->act == WORKLOAD_ACT_SWIGLU ? 2 : 1) * F, m->bias);
	}
	linear_tensors(t, F, H, m->bias);
}

static void input_tensors(struct tensors *t, const struct workload_module *m)
{
	int64_t H = m->hidden;

	if (m->arch == WORKLOAD_ARCH_VIT) {
		linear_tensors(t, (int64_t)m->channels * m->patch * m->patch * m->frames, H,
			       m->patch_bias);
		if (m->cls_token)
			t1(t, H);
	} else if (m->vocab) {
		if (!m->shared_embedding)
			t1(t, (int64_t)m->vocab * H);
	} else if (m->in_dim) {
		linear_tensors(t, m->in_dim, H, m->bias);
	}
	if (m->pos == WORKLOAD_POS_LEARNED)
		t1(t, (int64_t)m->max_pos * H);
	t1(t, (int64_t)m->type_vocab * H);
	if (m->embed_norm)
		norm_tensors(t, m, H);
}

static void output_tensors(struct tensors *t, const struct workload_module *m)
{
	int64_t H = m->hidden;

	if (m->final_norm)
		norm_tensors(t, m, H);
	if (m->pooler)
		linear_tensors(t, H, H, 1);
	if (m->out_dim)
		t1(t, H * m->out_dim);
	if (m->loss == WORKLOAD_LOSS_LM) {
		if (m->arch == WORKLOAD_ARCH_ENCODER) {
			linear_tensors(t, H, H, 1); /* MLM transform */
			norm_tensors(t, m, H);
		}
		if (!m->tie_embeddings)
			t1(t, (int64_t)m->vocab * H);
		if (m->arch == WORKLOAD_ARCH_ENCODER)
			t1(t, m->vocab); /* the LM head's bias */
	}
	if (m->loss == WORKLOAD_LOSS_CONTRASTIVE)
		t1(t, 1); /* logit scale */
}

/* ResNet: the stage and block of conv layer l, and the block's widths. */
void wl_conv_block(const struct workload_module *m, int l, struct wl_conv_block *b)
{
	int s = 0, i = l, side = m->image / 4; /* after the stem and max pool */

	while (s < m->n_stages - 1 && i >= m->stage_blocks[s]) {
		i -= m->stage_blocks[s];
		s++;
	}
	b->stage = s;
	b->first = i == 0;
	b->width = m->width << s;
	b->out = 4 * b->width;
	b->in = b->first ? (s == 0 ? m->width : 4 * (m->width << (s - 1))) : b->out;
	b->stride = b->first && s > 0 ? 2 : 1;
	b->side_out = side >> s;
	b->side_in = b->first && s > 0 ? b->side_out * 2 : b->side_out;
}

/* A convolution without bias, then its batch norm (weight, bias), in
 * torchvision's order. */
static void conv_bn(struct tensors *t, int64_t weights, int64_t channels)
{
	t1(t, weights);
	t1(t, channels);
	t1(t, channels);
}

static void conv_layer_tensors(struct tensors *t, const struct workload_module *m, int l)
{
	struct wl_conv_block b;

	wl_conv_block(m, l, &b);
	if (l == 0)
		conv_bn(t, (int64_t)m->channels * m->width * 49, m->width);
	conv_bn(t, (int64_t)b.in * b.width, b.width);
	conv_bn(t, 9LL * b.width * b.width, b.width);
	conv_bn(t, (int64_t)b.width * b.out, b.out);
	if (b.first)
		conv_bn(t, (int64_t)b.in * b.out, b.out);
	if (l == m->layers - 1 && m->out_dim) /* features -> out_dim, with a bias */
		linear_tensors(t, b.out, m->out_dim, 1);
}

static void mlp_layer_tensors(struct tensors *t, const struct workload_module *m, int l)
{
	int64_t in = l == 0 ? m->in_dim : m->hidden, out = l == m->layers - 1 ? m->out_dim : m->hidden;

	if (l == 0 && m->embed_norm)
		norm_tensors(t, m, in);
	linear_tensors(t, in, out, m->bias);
}

void wl_layer_tensors(const struct workload_module *m, int l, wl_tensor_fn fn, void *ctx)
{
	struct tensors t = {fn, ctx};
	int copies = m->copies > 0 ? m->copies : 1;

	for (int c = 0; c < copies; c++) {
		switch (m->arch) {
		case WORKLOAD_ARCH_TRACE: return;
		case WORKLOAD_ARCH_CONV: conv_layer_tensors(&t, m, l); break;
		case WORKLOAD_ARCH_MLP: mlp_layer_tensors(&t, m, l); break;
		default:
			if (l == 0)
				input_tensors(&t, m);
			block_tensors(&t, m);
			if (l == m->layers - 1)
				output_tensors(&t, m);
		}
	}
}

static void count(void *ctx, int64_t numel)
{
	*(int64_t *)ctx += numel;
}

int64_t workload_params(const struct workload *w, int mi, int lb, int le)
{
	const struct workload_module *m;
	int64_t p = 0;

	if (mi < 0 || mi >= w->n_modules)
		return 0;
	m = &w->modules[mi];
	if (lb < 0)
		lb = 0;
	if (le > m->layers)
		le = m->layers;
	if (m->arch == WORKLOAD_ARCH_TRACE)
		return lb < le ? m->published_params : 0;
	for (int l = lb; l < le; l++)
		wl_layer_tensors(m, l, count, &p);
	return p;
}

/* Activation bytes kept for backward, per sample, of layer l. */
static int64_t act_layer(const struct workload *w, const struct workload_module *m, int l)
{
	int64_t e = wl_dtype_bytes(w->dtype), H = m->hidden, F = m->ffn, S = m->seq;
	int64_t q = (int64_t)m->heads * m->head_dim, kv = (int64_t)m->kv_heads * m->head_dim;
	int64_t per_tok, a;
	int drop = m->dropout > 0;

	switch (m->arch) {
	case WORKLOAD_ARCH_TRACE:
		return 0;
	case WORKLOAD_ARCH_MLP: {
		int64_t in = l == 0 ? m->in_dim : m->hidden;
		return S * (in + m->hidden) * e;
	}
	case WORKLOAD_ARCH_CONV: {
		struct wl_conv_block b;
		wl_conv_block(m, l, &b);
		a = ((int64_t)b.in * b.side_in * b.side_in + (int64_t)b.width * 4 * b.side_out * b.side_out +
		     (int64_t)b.width * 2 * b.side_in * b.side_in + (int64_t)b.out * 3 * b.side_out * b.side_out) * e;
		if (l == 0)
			a += ((int64_t)m->channels * m->image * m->image + 3LL * m->width * m->image * m->image / 4) * e;
		return a;
	}
	default:
		break;
	}
	/* norms, Q/K/V, attention output, MLP inputs and activation input */
	per_tok = (2 * H + H + q + 2 * kv + q + H + (m->act == WORKLOAD_ACT_SWIGLU ? 3 : 2) * F) * e;
	if (drop)
		per_tok += 2 * H; /* dropout masks, one byte per element */
	if (m->attention == WORKLOAD_ATTN_EAGER)
		per_tok += (int64_t)m->heads * S * (e + (m->attn_dropout > 0 ? 1 + e : 0));
	else
		per_tok += (int64_t)m->heads * 4; /* flash: log-sum-exp per row */
	if (m->cross_attention)
		per_tok += (H + 2 * q) * e;
	a = per_tok * S;
	if (m->cross_attention)
		a += (int64_t)m->cross_seq * (H + 2 * kv) * e;
	if (l == 0)
		a += S * H * e;
	if (l == m->layers - 1) {
		a += S * H * e;
		if (m->loss == WORKLOAD_LOSS_LM)
			a += S * m->vocab * 4; /* fp32 log-softmax kept for the loss */
	}
	return a;
}

void workload_memory(const struct workload *w, int mi, int lb, int le, struct workload_memory *out)
{
	const struct workload_module *m;
	int64_t p, e = wl_dtype_bytes(w->dtype), copies;

	out->params = out->grads = out->optimizer = out->act_per_sample = 0;
	if (mi < 0 || mi >= w->n_modules)
		return;
	m = &w->modules[mi];
	if (lb < 0)
		lb = 0;
	if (le > m->layers)
		le = m->layers;
	copies = m->copies > 0 ? m->copies : 1;
	p = workload_params(w, mi, lb, le);
	out->params = p * e;
	if (!m->frozen) {
		out->grads = p * e;
		out->optimizer = p * 8 + (e == 2 ? p * 4 : 0);
	}
	for (int l = lb; l < le; l++)
		out->act_per_sample += act_layer(w, m, l) * copies;
	if (m->frozen && !wl_needs_backward(w, mi))
		out->act_per_sample = 0; /* nothing is kept: no backward runs */
}
