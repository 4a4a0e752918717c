/*
 * spec.c - reading and validating workload specs (JSON, jansson).
 *
 * Top-level fields:
 *   name (string, required), source (string), batch (int > 0, required),
 *   microbatch (int > 0, divides batch; default batch), dtype ("fp32",
 *   "tf32", "bf16", "fp16", "int8": a quantized inference engine, its
 *   tensor kernels at the GPU's INT8 peak, 1-byte tensors; default "bf16"), params (int: the published
 *   total, for comparison only), cluster (object), optimizer (object),
 *   modules (array, required, at least one), edges (array).
 * optimizer: kind ("adam" | "adamw" | "sgd"; default adam), impl ("foreach"
 *   | "for-loop" | "fused"; default foreach), momentum (boolean, sgd;
 *   default false), clip_grad_norm (boolean; default true), kernel_args
 *   (4 | 32: KB of a multi_tensor_apply launch's arguments; default 32);
 *   see struct workload_optimizer.
 * cluster: gpu (string), gpus (int > 0), gpus_per_node (int > 0),
 *   nvlink_gbps, net_gbps (numbers >= 0), links (string: free text),
 *   host ("per-slot" | "per-gpu" | "none": who issues the kernels, see
 *   model_host_issue; default per-slot), launch ("eager" | "graphs" | "executor";
 *   default eager), cpu ("h100-traces" | "a100-traces" | "v100-traces": whose
 *   measured host CPU times the kernels' dispatch costs, see enum
 *   model_host_cpu; default h100-traces, for every GPU).
 * edges[i]: from, to (module names, required), bytes_per_sample (int >= 0;
 *   default: the from-module's output per sample).
 * modules[i]: name (required, unique), kind (encoder|projector|backbone|
 *   decoder, required), arch (vit|encoder|decoder|conv|mlp|trace; "trace"
 *   when a "trace" field is given), source, params (published count), and:
 *   sizes (ints): layers hidden heads kv_heads head_dim ffn seq vocab max_pos
 *     type_vocab patch image channels frames in_dim out_dim cross_seq width
 *     copies
 *   blocks (array of ints: conv bottleneck blocks per stage; sets layers)
 *   act (gelu|gelu_new|quick_gelu|relu|swiglu), norm (layernorm|rmsnorm),
 *   pos (learned|rope|relative|none; relative: T5-style bias tables, whose
 *     few parameters and bias add are not modelled), loss (none|lm|contrastive),
 *   attention (flash|eager), dropout (number in [0, 1)), qkv (fused|separate),
 *   impl (fused|pytorch|tensorrt: see enum workload_impl)
 *   flags (booleans): bias qkv_bias qk_norm cls_token tie_embeddings pooler
 *     cross_attention frozen causal embed_norm final_norm pool patch_bias
 *     shared_embedding scale_query head_copies
 *   attn_dropout (number in [0, 1); default: dropout)
 *   trace (path, relative to the spec's directory), trace_module (string),
 *   trace_samples (int > 0; default the microbatch)
 * Sizes each arch needs:
 *   vit: layers hidden heads ffn patch, and image or seq
 *   encoder, decoder: layers hidden heads ffn seq
 *   conv: blocks image (out_dim: a final linear projection)
 *   mlp: layers in_dim hidden out_dim seq
 * cross_attention needs cross_seq.  A sized module has at most 2 x 10^12
 * parameters (WL_PARAMS_MAX).  Unknown fields are errors.
 */
#include "workloads/workloads-internal.h"

#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- names ---- */

static const char *const kind_names[] = {"encoder", "projector", "backbone", "decoder", NULL};
static const char *const arch_names[] = {"vit", "encoder", "decoder", "conv", "mlp", "trace", NULL};
static const char *const attn_names[] = {"flash", "eager", NULL};
static const char *const act_names[] = {"gelu", "swiglu", "relu", "quick_gelu", "gelu_new", NULL};
static const char *const norm_names[] = {"layernorm", "rmsnorm", NULL};
static const char *const pos_names[] = {"learned", "rope", "none", "relative", NULL};
static const char *const loss_names[] = {"none", "lm", "contrastive", NULL};
static const char *const qkv_names[] = {"fused", "separate", NULL};
static const char *const impl_names[] = {"fused", "pytorch", "tensorrt", NULL};
static const char *const opt_kind_names[] = {"adam", "adamw", "sgd", NULL};
static const char *const opt_impl_names[] = {"foreach", "for-loop", "fused", NULL};

static int name_index(const char *const *names, const char *s)
{
	for (int i = 0; s && names[i]; i++)
		if (!strcmp(names[i], s))
			return i;
	return -1;
}
int workload_opt_kind_parse(const char *s) { return name_index(opt_kind_names, s); }
int workload_opt_impl_parse(const char *s) { return name_index(opt_impl_names, s); }

static const char *name_at(const char *const *names, int n, int i)
{
	return i >= 0 && i < n ? names[i] : "unknown";
}
const char *workload_kind_name(int kind) { return name_at(kind_names, 4, kind); }
const char *workload_arch_name(int arch) { return name_at(arch_names, 6, arch); }
const char *workload_phase_name(int phase)
{
	static const char *const p[] = {"forward", "backward", "optimizer"};
	return name_at(p, 3, phase);
}

int wl_dtype_bytes(int dtype)
{
	switch (dtype) {
	case MODEL_FP32: case MODEL_TF32: return 4;
	case MODEL_BF16: case MODEL_FP16: return 2;
	case MODEL_FP8: case MODEL_INT8: return 1;
	default: return 4;
	}
}

/* ---- the parser state ---- */

/* The reader: errors through model/json.c, the tree's one JSON field reader,
 * "cannot read workload 'FILE': PATH: what is wrong". */
struct pctx {
	struct model_json j;
	char path[256]; /* JSON path of the object being read */
};

/* The path of field key of the object read (the object's own path when key
 * is NULL) into buf. */
static const char *key_path(const struct pctx *p, const char *key, char buf[320])
{
	snprintf(buf, 320, "%s%s%s", p->path, key && p->path[0] ? "." : "", key ? key : "");
	return buf;
}

static int perr(struct pctx *p, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int perr(struct pctx *p, const char *field, const char *fmt, ...)
{
	char msg[512], at[320];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return model_json_fail(&p->j, key_path(p, field, at), "%s", msg);
}

/* The field key's value v checked by model/json.c's value readers. */
static int get_int(struct pctx *p, const char *key, json_t *v, int64_t lo, int64_t hi, int64_t *out)
{
	char at[320];
	return model_json_v_int(&p->j, v, key_path(p, key, at), lo, hi, out);
}

static int get_num(struct pctx *p, const char *key, json_t *v, double lo, double hi, double *out)
{
	char at[320];
	return model_json_v_num(&p->j, v, key_path(p, key, at), lo, hi, out);
}

static int get_str(struct pctx *p, const char *key, json_t *v, char *dst, size_t cap)
{
	char at[320];
	return model_json_v_str(&p->j, v, key_path(p, key, at), dst, cap);
}

static int get_enum(struct pctx *p, const char *key, json_t *v, const char *const *names, int *out)
{
	char at[320];
	return model_json_v_enum(&p->j, v, key_path(p, key, at), names, out);
}

static int get_bool(struct pctx *p, const char *key, json_t *v, int *out)
{
	char at[320];
	return model_json_v_bool(&p->j, v, key_path(p, key, at), out);
}

/* v (the field key, or with NULL the object read) is an object / an array. */
static int get_object(struct pctx *p, const char *key, json_t *v)
{
	char at[320];
	return model_json_v_object(&p->j, v, key_path(p, key, at));
}

static int get_array(struct pctx *p, const char *key, json_t *v)
{
	char at[320];
	return model_json_v_array(&p->j, v, key_path(p, key, at), (size_t)-1);
}

/* ---- modules ---- */

enum ftype { F_INT, F_BOOL, F_ENUM, F_STR, F_DOUBLE, F_I64 };
struct field {
	const char *key;
	enum ftype type;
	size_t off;
	const char *const *names; /* F_ENUM */
	size_t cap;               /* F_STR */
};
#define MOFF(f) offsetof(struct workload_module, f)
#define FI(k) {#k, F_INT, MOFF(k), NULL, 0}
#define FB(k) {#k, F_BOOL, MOFF(k), NULL, 0}
#define FE(k, names) {#k, F_ENUM, MOFF(k), names, 0}
static const struct field module_fields[] = {
	{"name", F_STR, MOFF(name), NULL, sizeof(((struct workload_module *)0)->name)},
	{"source", F_STR, MOFF(source), NULL, sizeof(((struct workload_module *)0)->source)},
	FE(kind, kind_names), FE(arch, arch_names), FE(attention, attn_names), FE(act, act_names),
	FE(norm, norm_names), FE(pos, pos_names), FE(loss, loss_names), FE(impl, impl_names),
	{"qkv", F_ENUM, MOFF(qkv_separate), qkv_names, 0}, /* "separate" sets qkv_separate */
	{"dropout", F_DOUBLE, MOFF(dropout), NULL, 0},
	{"attn_dropout", F_DOUBLE, MOFF(attn_dropout), NULL, 0},
	{"params", F_I64, MOFF(published_params), NULL, 0},
	{"trace", F_STR, MOFF(trace), NULL, sizeof(((struct workload_module *)0)->trace)},
	{"trace_module", F_STR, MOFF(trace_module), NULL,
	 sizeof(((struct workload_module *)0)->trace_module)},
	FI(layers), FI(hidden), FI(heads), FI(kv_heads), FI(head_dim), FI(ffn), FI(seq), FI(vocab),
	FI(max_pos), FI(type_vocab), FI(patch), FI(image), FI(channels), FI(frames), FI(in_dim),
	FI(out_dim), FI(cross_seq), FI(width), FI(copies), FI(trace_samples),
	FB(bias), FB(qkv_bias), FB(qk_norm), FB(cls_token), FB(tie_embeddings), FB(pooler),
	FB(cross_attention), FB(frozen), FB(causal), FB(embed_norm), FB(final_norm), FB(pool),
	FB(patch_bias), FB(shared_embedding), FB(scale_query),
	FB(head_copies),
	{"blocks", F_INT, 0, NULL, 0}, /* handled specially */
	{NULL, 0, 0, NULL, 0},
};

static int parse_blocks(struct pctx *p, json_t *v, struct workload_module *mod)
{
	size_t i;
	json_t *b;
	int64_t x;
	int rc;

	if ((rc = get_array(p, "blocks", v)) < 0)
		return rc;
	if (json_array_size(v) < 1 || json_array_size(v) > WORKLOAD_MAX_STAGES)
		return perr(p, "blocks", "expected 1 to %d stages, got %zu", WORKLOAD_MAX_STAGES,
			    json_array_size(v));
	json_array_foreach(v, i, b) {
		char key[32];
		snprintf(key, sizeof key, "blocks[%zu]", i);
		if ((rc = get_int(p, key, b, 1, 1000, &x)) < 0)
			return rc;
		mod->stage_blocks[i] = (int)x;
	}
	mod->n_stages = (int)json_array_size(v);
	return 0;
}

/* Which sizes were given (bit per field index). */
static int parse_module_fields(struct pctx *p, json_t *obj, struct workload_module *mod,
			       unsigned long long *given)
{
	const char *key;
	json_t *v;
	int rc, i;

	if ((rc = get_object(p, NULL, obj)) < 0)
		return rc;
	json_object_foreach(obj, key, v) {
		for (i = 0; module_fields[i].key; i++)
			if (!strcmp(key, module_fields[i].key))
				break;
		if (!module_fields[i].key)
			return perr(p, key, "unknown field");
		const struct field *f = &module_fields[i];
		char *dst = (char *)mod + f->off;
		int64_t x;
		*given |= 1ULL << i;
		if (!strcmp(key, "blocks")) {
			rc = parse_blocks(p, v, mod);
		} else {
			switch (f->type) {
			case F_INT:
				rc = get_int(p, key, v, 0, 1 << 24, &x);
				if (!rc)
					*(int *)dst = (int)x;
				break;
			case F_I64:
				rc = get_int(p, key, v, 0, INT64_MAX / 4, &x);
				if (!rc)
					*(int64_t *)dst = x;
				break;
			case F_BOOL: rc = get_bool(p, key, v, (int *)dst); break;
			case F_ENUM: rc = get_enum(p, key, v, f->names, (int *)dst); break;
			case F_STR: rc = get_str(p, key, v, dst, f->cap); break;
			case F_DOUBLE: rc = get_num(p, key, v, 0.0, 0.999, (double *)dst); break;
			default: rc = perr(p, key, "internal: bad field type");
			}
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int field_index(const char *key)
{
	int i;
	for (i = 0; module_fields[i].key; i++)
		if (!strcmp(module_fields[i].key, key))
			return i;
	return -1;
}

static int was_given(unsigned long long given, const char *key)
{
	int i = field_index(key);
	return i >= 0 && (given >> i) & 1;
}

static int require(struct pctx *p, const struct workload_module *mod, unsigned long long given,
		   const char *keys)
{
	char buf[256], *save = NULL, *k;

	snprintf(buf, sizeof buf, "%s", keys);
	for (k = strtok_r(buf, " ", &save); k; k = strtok_r(NULL, " ", &save))
		if (!was_given(given, k))
			return perr(p, k, "missing: arch '%s' needs it", workload_arch_name(mod->arch));
	return 0;
}

/* Positive sizes: every given size field of int type must be > 0 except
 * a few that may be 0. */
static int check_positive(struct pctx *p, const struct workload_module *mod, unsigned long long given)
{
	static const char *const may_be_zero[] = {"vocab", "type_vocab", "out_dim", "max_pos",
						  "cross_seq", NULL};
	int i, j;

	for (i = 0; module_fields[i].key; i++) {
		if (module_fields[i].type != F_INT || !((given >> i) & 1) ||
		    !strcmp(module_fields[i].key, "blocks"))
			continue;
		for (j = 0; may_be_zero[j]; j++)
			if (!strcmp(may_be_zero[j], module_fields[i].key))
				break;
		if (may_be_zero[j])
			continue;
		if (*(const int *)((const char *)mod + module_fields[i].off) <= 0)
			return perr(p, module_fields[i].key, "must be positive");
	}
	return 0;
}

/* Name, kind and architecture (a module with a trace and no arch is a
 * trace module). */
static int check_identity(struct pctx *p, struct workload_module *mod, unsigned long long given)
{
	if (!mod->name[0])
		return perr(p, "name", was_given(given, "name") ? "must not be empty" : "missing");
	if (mod->kind < 0)
		return perr(p, "kind", "missing (encoder, projector, backbone or decoder)");
	if (mod->arch < 0) {
		if (!was_given(given, "trace"))
			return perr(p, "arch", "missing (vit, encoder, decoder, conv, mlp or trace)");
		mod->arch = WORKLOAD_ARCH_TRACE;
	}
	return 0;
}

/* A ViT: its sequence from the image and patch when not given. */
static int check_vit(struct pctx *p, struct workload_module *mod, unsigned long long given)
{
	int rc;

	if ((rc = require(p, mod, given, "layers hidden heads ffn patch")) < 0)
		return rc;
	if (!was_given(given, "image") && !was_given(given, "seq"))
		return perr(p, "image", "missing: arch 'vit' needs image or seq");
	if (!mod->seq) {
		if (mod->image % mod->patch)
			return perr(p, "image", "%d is not a multiple of patch %d", mod->image, mod->patch);
		int64_t side = mod->image / mod->patch;
		if (side * side > 1 << 24)
			return perr(p, "image", "more than 2^24 patches");
		mod->seq = (int)(side * side) + mod->cls_token;
	}
	return 0;
}

/* A conv net: its layers are its blocks. */
static int check_conv(struct pctx *p, struct workload_module *mod, unsigned long long given)
{
	int rc, n = 0;

	if ((rc = require(p, mod, given, "blocks image")) < 0)
		return rc;
	for (int s = 0; s < mod->n_stages; s++)
		n += mod->stage_blocks[s];
	if (was_given(given, "layers") && mod->layers != n)
		return perr(p, "layers", "%d does not match the %d blocks", mod->layers, n);
	mod->layers = n;
	if (mod->width > 4096)
		return perr(p, "width", "%d is more than 4096", mod->width);
	if (mod->image < 32 || mod->image % 32)
		return perr(p, "image", "%d is not a multiple of 32", mod->image);
	return 0;
}

/* What each architecture requires, and the fields only one of them takes. */
static int check_arch(struct pctx *p, struct workload_module *mod, unsigned long long given,
		      const struct workload *w)
{
	int rc = 0;

	switch (mod->arch) {
	case WORKLOAD_ARCH_VIT: rc = check_vit(p, mod, given); break;
	case WORKLOAD_ARCH_ENCODER:
	case WORKLOAD_ARCH_DECODER: rc = require(p, mod, given, "layers hidden heads ffn seq"); break;
	case WORKLOAD_ARCH_CONV: rc = check_conv(p, mod, given); break;
	case WORKLOAD_ARCH_MLP: rc = require(p, mod, given, "layers in_dim hidden out_dim seq"); break;
	case WORKLOAD_ARCH_TRACE:
		if (!mod->trace[0])
			return perr(p, "trace", "missing: arch 'trace' needs it");
		if (was_given(given, "layers") && mod->layers != 1)
			return perr(p, "layers", "a trace module has 1 layer");
		mod->layers = 1;
		if (!mod->trace_samples)
			mod->trace_samples = w->microbatch;
		break;
	}
	if (rc < 0)
		return rc;
	if (mod->arch != WORKLOAD_ARCH_TRACE && (was_given(given, "trace_module") ||
						  was_given(given, "trace_samples") ||
						  was_given(given, "trace")))
		return perr(p, "trace", "only a trace module (arch 'trace') takes a trace");
	if (mod->arch != WORKLOAD_ARCH_CONV && was_given(given, "blocks"))
		return perr(p, "blocks", "only arch 'conv' takes blocks");
	return 0;
}

/* A transformer (vit, encoder, decoder): heads, positions, cross-attention
 * and the loss, with their defaults. */
static int check_transformer(struct pctx *p, struct workload_module *mod, unsigned long long given)
{
	if (!mod->kv_heads)
		mod->kv_heads = mod->heads;
	if (mod->kv_heads > mod->heads || mod->heads % mod->kv_heads)
		return perr(p, "kv_heads", "%d does not divide heads %d", mod->kv_heads, mod->heads);
	if (!mod->head_dim) {
		if (mod->hidden % mod->heads)
			return perr(p, "heads", "%d does not divide hidden %d (give head_dim)", mod->heads,
				    mod->hidden);
		mod->head_dim = mod->hidden / mod->heads;
	}
	if (mod->pos == WORKLOAD_POS_LEARNED && !mod->max_pos)
		mod->max_pos = mod->seq;
	if (mod->cross_attention && !mod->cross_seq)
		return perr(p, "cross_seq", "missing: cross_attention needs it");
	if (mod->cross_attention && mod->arch != WORKLOAD_ARCH_DECODER)
		return perr(p, "cross_attention", "only arch 'decoder' cross-attends");
	if (!was_given(given, "loss") && mod->arch == WORKLOAD_ARCH_DECODER && mod->vocab)
		mod->loss = WORKLOAD_LOSS_LM;
	if (mod->loss == WORKLOAD_LOSS_LM && !mod->vocab)
		return perr(p, "loss", "'lm' needs vocab");
	if (mod->arch == WORKLOAD_ARCH_DECODER)
		mod->causal = 1;
	if (mod->arch == WORKLOAD_ARCH_VIT && mod->vocab)
		return perr(p, "vocab", "arch 'vit' takes pixels, not tokens");
	return 0;
}

static int parse_module(struct pctx *p, json_t *obj, struct workload_module *mod,
			const struct workload *w)
{
	unsigned long long given = 0;
	int rc;

	memset(mod, 0, sizeof *mod);
	mod->final_norm = 1;
	mod->copies = 1;
	mod->arch = -1;
	mod->kind = -1;
	mod->channels = 3;
	mod->frames = 1;
	mod->width = 64;
	if ((rc = parse_module_fields(p, obj, mod, &given)) < 0 ||
	    (rc = check_identity(p, mod, given)) < 0 || (rc = check_positive(p, mod, given)) < 0 ||
	    (rc = check_arch(p, mod, given, w)) < 0)
		return rc;
	if ((mod->arch == WORKLOAD_ARCH_VIT || mod->arch == WORKLOAD_ARCH_ENCODER ||
	     mod->arch == WORKLOAD_ARCH_DECODER) &&
	    (rc = check_transformer(p, mod, given)) < 0)
		return rc;
	if (mod->arch == WORKLOAD_ARCH_VIT && mod->loss == WORKLOAD_LOSS_LM)
		return perr(p, "loss", "arch 'vit' has no LM head");
	if (!was_given(given, "attn_dropout"))
		mod->attn_dropout = mod->dropout;
	if (mod->layers > 100000)
		return perr(p, "layers", "%d is more than 100000", mod->layers);
	if (mod->copies > 64)
		return perr(p, "copies", "%d is more than 64", mod->copies);
	if (mod->tie_embeddings && !mod->vocab)
		return perr(p, "tie_embeddings", "needs vocab");
	return 0;
}

/* ---- the workload ---- */

static int parse_optimizer(struct pctx *p, json_t *obj, struct workload_optimizer *o)
{
	const char *key;
	json_t *v;
	int64_t x;
	int rc = 0;

	snprintf(p->path, sizeof p->path, "optimizer");
	if (!json_is_object(obj))
		return get_object(p, NULL, obj);
	json_object_foreach(obj, key, v) {
		if (!strcmp(key, "kind"))
			rc = get_enum(p, key, v, opt_kind_names, &o->kind);
		else if (!strcmp(key, "impl"))
			rc = get_enum(p, key, v, opt_impl_names, &o->impl);
		else if (!strcmp(key, "momentum"))
			rc = get_bool(p, key, v, &o->momentum);
		else if (!strcmp(key, "clip_grad_norm"))
			rc = get_bool(p, key, v, &o->clip);
		else if (!strcmp(key, "kernel_args")) {
			if (!(rc = get_int(p, key, v, 4, 32, &x)) && x != 4 && x != 32)
				return perr(p, key, "expected 4 or 32");
			o->args_kb = (int)x;
		} else
			return perr(p, key, "unknown field");
		if (rc < 0)
			return rc;
	}
	p->path[0] = 0;
	return 0;
}

static int parse_cluster(struct pctx *p, json_t *obj, struct workload *w)
{
	const char *key;
	json_t *v;
	int64_t x;
	int rc = 0;
	char links[256];

	snprintf(p->path, sizeof p->path, "cluster");
	if (!json_is_object(obj))
		return get_object(p, NULL, obj);
	json_object_foreach(obj, key, v) {
		if (!strcmp(key, "gpu")) {
			rc = get_str(p, key, v, w->gpu, sizeof w->gpu);
		} else if (!strcmp(key, "gpus")) {
			if (!(rc = get_int(p, key, v, 1, 1 << 20, &x)))
				w->gpus = (int)x;
		} else if (!strcmp(key, "gpus_per_node")) {
			if (!(rc = get_int(p, key, v, 1, 1024, &x)))
				w->gpus_per_node = (int)x;
		} else if (!strcmp(key, "nvlink_gbps")) {
			rc = get_num(p, key, v, 0, 1e6, &w->nvlink_gbps);
		} else if (!strcmp(key, "net_gbps")) {
			rc = get_num(p, key, v, 0, 1e6, &w->net_gbps);
		} else if (!strcmp(key, "links")) {
			rc = get_str(p, key, v, links, sizeof links);
		} else if (!strcmp(key, "cpu")) {
			if (!(rc = get_str(p, key, v, links, sizeof links)) &&
			    (w->host_cpu = model_host_cpu_parse(links)) < 0)
				return perr(p, key, "expected h100-traces, a100-traces or v100-traces");
		} else if (!strcmp(key, "host") || !strcmp(key, "launch")) {
			int host = !strcmp(key, "host");
			if (!(rc = get_str(p, key, v, links, sizeof links))) {
				int x2 = host ? model_host_issue_parse(links) : model_launch_parse(links);
				if (x2 < 0)
					return perr(p, key, host ? "expected per-slot, per-gpu or none"
								 : "expected eager, graphs or executor");
				*(host ? &w->host_issue : &w->launch_mode) = x2;
			}
		} else {
			return perr(p, key, "unknown field");
		}
		if (rc < 0)
			return rc;
	}
	p->path[0] = 0;
	return 0;
}

static int parse_edges(struct pctx *p, json_t *arr, struct workload *w)
{
	size_t i;
	json_t *e;

	if (!json_is_array(arr)) {
		p->path[0] = 0;
		return get_array(p, "edges", arr);
	}
	if (json_array_size(arr) > 4096)
		return perr(p, "edges", "more than 4096 edges");
	w->edges = calloc(json_array_size(arr) + 1, sizeof *w->edges);
	if (!w->edges)
		return mo_err_set(p->j.err, MO_ENOMEM, "out of memory");
	json_array_foreach(arr, i, e) {
		struct workload_edge *ed = &w->edges[i];
		char from[64] = "", to[64] = "";
		const char *key;
		json_t *v;
		int rc = 0;
		int64_t x;

		snprintf(p->path, sizeof p->path, "edges[%zu]", i);
		if (!json_is_object(e))
			return get_object(p, NULL, e);
		ed->bytes_per_sample = -1;
		json_object_foreach(e, key, v) {
			if (!strcmp(key, "from"))
				rc = get_str(p, key, v, from, sizeof from);
			else if (!strcmp(key, "to"))
				rc = get_str(p, key, v, to, sizeof to);
			else if (!strcmp(key, "bytes_per_sample")) {
				if (!(rc = get_int(p, key, v, 0, INT64_MAX / 4, &x)))
					ed->bytes_per_sample = x;
			} else
				return perr(p, key, "unknown field");
			if (rc < 0)
				return rc;
		}
		if (!from[0])
			return perr(p, "from", "missing");
		if (!to[0])
			return perr(p, "to", "missing");
		ed->from = workload_module_index(w, from);
		ed->to = workload_module_index(w, to);
		if (ed->from < 0)
			return perr(p, "from", "unknown module '%s'", from);
		if (ed->to < 0)
			return perr(p, "to", "unknown module '%s'", to);
		for (size_t j = 0; j < i; j++)
			if (w->edges[j].from == ed->from && w->edges[j].to == ed->to)
				return perr(p, NULL, "duplicate edge '%s' -> '%s'", from, to);
		w->n_edges++;
	}
	p->path[0] = 0;
	return 0;
}

/* Kahn's algorithm; fills order (when not NULL) and returns the number of
 * modules ordered (< n_modules when there is a cycle). */
static int topo(const struct workload *w, int *order)
{
	int n = w->n_modules, done = 0, i, e;
	int *indeg = calloc((size_t)n + 1, sizeof *indeg);
	char *taken = calloc((size_t)n + 1, 1);

	if (!indeg || !taken) {
		free(indeg);
		free(taken);
		return -1;
	}
	for (e = 0; e < w->n_edges; e++)
		indeg[w->edges[e].to]++;
	while (done < n) {
		for (i = 0; i < n; i++)
			if (!taken[i] && !indeg[i])
				break;
		if (i == n)
			break;
		taken[i] = 1;
		if (order)
			order[done] = i;
		done++;
		for (e = 0; e < w->n_edges; e++)
			if (w->edges[e].from == i)
				indeg[w->edges[e].to]--;
	}
	free(indeg);
	free(taken);
	return done;
}

void workload_topo_order(const struct workload *w, int *order)
{
	topo(w, order);
}

/* Output width of a module per token, and tokens per sample, for edges. */
static int64_t output_bytes_per_sample(const struct workload *w, const struct workload_module *m)
{
	int64_t e = wl_dtype_bytes(w->dtype), width, tokens = m->seq;

	switch (m->arch) {
	case WORKLOAD_ARCH_MLP: width = m->out_dim; break;
	case WORKLOAD_ARCH_CONV: {
		int s = m->n_stages, side = m->image / (4 << (s - 1));
		width = m->out_dim ? m->out_dim : (int64_t)m->width * 4 << (s - 1);
		tokens = (int64_t)side * side;
		break;
	}
	case WORKLOAD_ARCH_TRACE: width = 0; tokens = 0; break;
	default: width = m->out_dim && !m->pool ? m->out_dim : m->hidden;
		 if (m->pool) tokens = 1, width = m->out_dim ? m->out_dim : m->hidden;
	}
	return tokens * width * e * (m->copies > 0 ? m->copies : 1);
}

/* The spec's dtype: one of the model's names the synthesiser builds
 * (model_dtype_synthesisable: all but fp8). */
static int get_dtype(struct pctx *p, const char *key, json_t *v, int *out)
{
	int ds[MODEL_NDTYPES], nd = 0, i = 0, rc;
	const char *dtypes[MODEL_NDTYPES + 1] = {NULL};

	for (int d = 0; d < MODEL_NDTYPES; d++)
		if (model_dtype_synthesisable(d))
			dtypes[nd] = model_dtype_name(d), ds[nd++] = d;
	if (!(rc = get_enum(p, key, v, dtypes, &i)))
		*out = ds[i];
	return rc;
}

/* The objects of a spec's top level that other parsers read. */
struct spec_parts {
	json_t *modules, *edges, *cluster, *opt;
};

/* The top level's scalar fields into w, its objects into parts; the batch
 * and microbatch checked.  0 or a negative error. */
static int parse_top(struct pctx *p, json_t *root, struct workload *w, struct spec_parts *parts)
{
	const char *key;
	json_t *v;
	int64_t x;
	int rc = 0, have_batch = 0, have_micro = 0;

	json_object_foreach(root, key, v) {
		if (!strcmp(key, "name"))
			rc = get_str(p, key, v, w->name, sizeof w->name);
		else if (!strcmp(key, "source"))
			rc = get_str(p, key, v, w->source, sizeof w->source);
		else if (!strcmp(key, "batch")) {
			if (!(rc = get_int(p, key, v, 1, 1 << 24, &x)))
				w->batch = (int)x, have_batch = 1;
		} else if (!strcmp(key, "microbatch")) {
			if (!(rc = get_int(p, key, v, 1, 1 << 24, &x)))
				w->microbatch = (int)x, have_micro = 1;
		} else if (!strcmp(key, "dtype"))
			rc = get_dtype(p, key, v, &w->dtype);
		else if (!strcmp(key, "params"))
			rc = get_int(p, key, v, 0, INT64_MAX / 4, &w->published_params);
		else if (!strcmp(key, "modules"))
			parts->modules = v;
		else if (!strcmp(key, "edges"))
			parts->edges = v;
		else if (!strcmp(key, "cluster"))
			parts->cluster = v;
		else if (!strcmp(key, "optimizer"))
			parts->opt = v;
		else
			return perr(p, key, "unknown field");
		if (rc < 0)
			return rc;
	}
	if (!w->name[0])
		return perr(p, "name", "missing");
	if (!have_batch)
		return perr(p, "batch", "missing");
	if (!have_micro)
		w->microbatch = w->batch;
	if (w->batch % w->microbatch)
		return perr(p, "batch", "%d is not a multiple of microbatch %d", w->batch, w->microbatch);
	return 0;
}

/* The "modules" array into w->modules: 1 to 256, names unique, sizes bounded. */
static int parse_modules(struct pctx *p, json_t *modules, struct workload *w)
{
	int rc;

	if (!modules)
		return perr(p, "modules", "missing");
	if (!json_is_array(modules))
		return get_array(p, "modules", modules);
	if (json_array_size(modules) < 1 || json_array_size(modules) > 256)
		return perr(p, "modules", "expected 1 to 256 modules, got %zu", json_array_size(modules));
	w->modules = calloc(json_array_size(modules), sizeof *w->modules);
	if (!w->modules)
		return mo_err_set(p->j.err, MO_ENOMEM, "out of memory");
	for (size_t i = 0; i < json_array_size(modules); i++) {
		snprintf(p->path, sizeof p->path, "modules[%zu]", i);
		if ((rc = parse_module(p, json_array_get(modules, i), &w->modules[i], w)) < 0)
			return rc;
		if (workload_module_index(w, w->modules[i].name) >= 0)
			return perr(p, "name", "duplicate module '%s'", w->modules[i].name);
		if (wl_module_scale(&w->modules[i], w->microbatch) > WL_SCALE_MAX)
			return perr(p, NULL, "too large: a kernel or the parameter count would exceed "
				    "10^17 (sizes x microbatch %d)", w->microbatch);
		w->n_modules++;
	}
	p->path[0] = 0;
	return 0;
}

/* The edges' default sizes and the modules' parameter counts (bounded). */
static int finish_graph(struct pctx *p, struct workload *w)
{
	if (topo(w, NULL) < w->n_modules)
		return perr(p, "edges", "the module graph has a cycle");
	for (int e = 0; e < w->n_edges; e++)
		if (w->edges[e].bytes_per_sample < 0)
			w->edges[e].bytes_per_sample =
				output_bytes_per_sample(w, &w->modules[w->edges[e].from]);
	for (int m = 0; m < w->n_modules; m++) {
		w->modules[m].params = workload_params(w, m, 0, w->modules[m].layers);
		/* the optimizer launches a kernel per 320 x 65536 parameters
		 * (workloads/optimizer.c): keep their number bounded */
		if (w->modules[m].arch != WORKLOAD_ARCH_TRACE && w->modules[m].params > WL_PARAMS_MAX) {
			snprintf(p->path, sizeof p->path, "modules[%d]", m);
			return perr(p, NULL, "%lld parameters: more than %.0e", (long long)w->modules[m].params,
				    (double)WL_PARAMS_MAX);
		}
	}
	return 0;
}

static int parse_workload(struct pctx *p, json_t *root, struct workload *w)
{
	struct spec_parts parts = {NULL, NULL, NULL, NULL};
	int rc;

	if (!json_is_object(root))
		return get_object(p, NULL, root);
	w->dtype = MODEL_BF16;
	if ((rc = parse_top(p, root, w, &parts)) < 0)
		return rc;
	w->gpus = 1;
	w->gpus_per_node = 8;
	snprintf(w->gpu, sizeof w->gpu, "h100");
	if (parts.cluster && (rc = parse_cluster(p, parts.cluster, w)) < 0)
		return rc;
	w->optimizer = (struct workload_optimizer){.clip = 1, .args_kb = 32};
	if (parts.opt && (rc = parse_optimizer(p, parts.opt, &w->optimizer)) < 0)
		return rc;
	if ((rc = parse_modules(p, parts.modules, w)) < 0)
		return rc;
	if (parts.edges && (rc = parse_edges(p, parts.edges, w)) < 0)
		return rc;
	return finish_graph(p, w);
}

void wl_warn(struct workload *w, const char *fmt, ...)
{
	va_list ap;

	if (w->n_warnings >= WORKLOAD_MAX_WARNINGS)
		return;
	va_start(ap, fmt);
	vsnprintf(w->warnings[w->n_warnings++], sizeof(w->warnings[0]), fmt, ap);
	va_end(ap);
}

/* What a module built from a trace silently lacks or had to drop. */
static void trace_module_warnings(struct workload *w, const struct workload_module *mod)
{
	const struct workload_trace *wt = mod->trace_data;

	if (wt->fwd_repeats > 1)
		wl_warn(w, "module '%s': the trace has %d forward passes in one step (an inference "
			"or evaluation loop?): the first is kept", mod->name, wt->fwd_repeats);
	else if (wt->fwd_runs > 1)
		wl_warn(w, "module '%s': its forward kernels come in %d runs between other modules' "
			"kernels, not repeats of one pass: all are kept as one forward", mod->name,
			wt->fwd_runs);
	if (!wt->phase[WORKLOAD_BWD].n)
		wl_warn(w, "module '%s': the trace has no backward kernels (an inference trace?): "
			"it trains with a forward only", mod->name);
	if (mod->params <= 0)
		wl_warn(w, "module '%s': no \"params\": no weights, gradients or optimizer state in "
			"memory and no gradient all-reduce", mod->name);
}

/* Resolve trace paths against the spec's directory and load them. */
static int load_traces(struct workload *w, const char *name, struct mo_err *err)
{
	const char *slash = strrchr(name, '/');
	int dirlen = slash ? (int)(slash - name + 1) : 0;

	for (int m = 0; m < w->n_modules; m++) {
		struct workload_module *mod = &w->modules[m];
		char path[sizeof mod->trace];
		int rc;

		if (mod->arch != WORKLOAD_ARCH_TRACE)
			continue;
		if (mod->trace[0] != '/' && dirlen) {
			if ((size_t)snprintf(path, sizeof path, "%.*s%s", dirlen, name, mod->trace) >=
			    sizeof path)
				return mo_err_set(err, MO_EINPUT, "cannot read workload '%s': modules[%d].trace: "
						  "path too long", name, m);
			memcpy(mod->trace, path, sizeof path);
		}
		if ((rc = wl_trace_load(mod, err)) < 0) {
			mo_err_prefix(err, "cannot read workload '%s': modules[%d]", name, m);
			return rc;
		}
		mod->params = mod->published_params;
		trace_module_warnings(w, mod);
	}
	return 0;
}

static int load_json(json_t *root, const char *name, struct workload **out, struct mo_err *err)
{
	struct pctx p = {.j = {"workload", name, err}};
	struct workload *w = calloc(1, sizeof *w);
	int rc;

	*out = NULL;
	if (!w) {
		json_decref(root);
		return mo_err_set(err, MO_ENOMEM, "out of memory");
	}
	snprintf(w->path, sizeof w->path, "%s", name);
	rc = parse_workload(&p, root, w);
	json_decref(root);
	if (!rc)
		rc = load_traces(w, name, err);
	if (rc < 0) {
		workload_free(w);
		return rc;
	}
	*out = w;
	return 0;
}

int workload_load(const char *path, struct workload **out, struct mo_err *err)
{
	const struct model_json j = {"workload", path, err};
	json_t *root;
	int rc;

	*out = NULL;
	if ((rc = model_json_load(&j, MODEL_JSON_MAX_BYTES, JSON_REJECT_DUPLICATES, &root)) < 0)
		return rc;
	return load_json(root, path, out, err);
}

int workload_load_string(const char *json, const char *name, struct workload **out,
			 struct mo_err *err)
{
	const struct model_json j = {"workload", name ? name : "<string>", err};
	json_t *root;
	int rc;

	*out = NULL;
	if ((rc = model_json_parse(&j, json, strlen(json), JSON_REJECT_DUPLICATES, &root)) < 0)
		return rc;
	return load_json(root, j.file, out, err);
}

void workload_free(struct workload *w)
{
	if (!w)
		return;
	if (w->modules)
		for (int m = 0; m < w->n_modules; m++)
			wl_trace_free(w->modules[m].trace_data);
	free(w->modules);
	free(w->edges);
	free(w);
}

int workload_module_index(const struct workload *w, const char *name)
{
	for (int m = 0; m < w->n_modules; m++)
		if (!strcmp(w->modules[m].name, name))
			return m;
	return -1;
}

int workload_microbatches(const struct workload *w)
{
	return w->microbatch > 0 ? w->batch / w->microbatch : 0;
}

double wl_module_scale(const struct workload_module *m, int64_t samples)
{
	double T = (double)samples * (m->seq > 0 ? m->seq : 1), big = 0, x;
	double wmax = 1;
	const double widths[] = {m->hidden, m->ffn, 2.0 * m->ffn, m->vocab, m->in_dim, m->out_dim,
				 (double)m->heads * m->head_dim, m->max_pos, m->type_vocab,
				 (double)m->channels * m->patch * m->patch * m->frames,
				 (double)((int64_t)m->width * 4 << (m->n_stages > 0 ? m->n_stages - 1 : 0))};

	if (m->arch == WORKLOAD_ARCH_TRACE)
		return 0;
	for (size_t i = 0; i < sizeof widths / sizeof widths[0]; i++)
		if (widths[i] > wmax)
			wmax = widths[i];
	x = T * wmax * wmax; /* the largest GEMM */
	if (x > big)
		big = x;
	x = (double)samples * m->heads * (double)(m->seq + 1) * (m->seq + m->cross_seq + 1) *
	    (m->head_dim + 1); /* attention */
	if (x > big)
		big = x;
	if (m->arch == WORKLOAD_ARCH_CONV) {
		x = (double)samples * m->image * m->image * 9.0 * wmax * wmax;
		if (x > big)
			big = x;
	}
	x = (double)m->layers * wmax * wmax * 4; /* parameters */
	if (x > big)
		big = x;
	return big * (m->copies > 0 ? m->copies : 1) * 16;
}

int wl_needs_backward(const struct workload *w, int m)
{
	/* In topological order: a module needs backward when it is trainable or
	 * one of its inputs needs backward. */
	int n = w->n_modules, r;
	int *order = malloc(sizeof(int) * (size_t)n);
	char *need = calloc((size_t)n, 1);

	if (!order || !need) {
		free(order);
		free(need);
		return !w->modules[m].frozen;
	}
	topo(w, order);
	for (int i = 0; i < n; i++) {
		int x = order[i];
		need[x] = !w->modules[x].frozen;
		for (int e = 0; e < w->n_edges && !need[x]; e++)
			if (w->edges[e].to == x && need[w->edges[e].from])
				need[x] = 1;
	}
	r = need[m];
	free(order);
	free(need);
	return r;
}
