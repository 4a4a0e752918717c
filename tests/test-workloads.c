/* test-workloads.c - the workload spec reader, parameter counts, the kernel
 * synthesiser, memory, modules from traces and one-iteration synthesis.
 * Run from the repository root (the bundled specs are read from workloads/). */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/common/check-main.h"
#include "model/model.h"
#include "traces/traces.h"
#include "workloads/workloads.h"
#include "workloads/workloads-internal.h"

static struct workload *load_ok(const char *path)
{
	struct workload *w = NULL;
	struct mo_err err;

	mo_err_clear(&err);
	ck_assert_msg(workload_load(path, &w, &err) == 0, "%s: %s", path, err.msg);
	return w;
}

static struct workload *load_str_ok(const char *json)
{
	struct workload *w = NULL;
	struct mo_err err;

	mo_err_clear(&err);
	ck_assert_msg(workload_load_string(json, "t.json", &w, &err) == 0, "%s", err.msg);
	return w;
}

static const struct model_gpu *h100(void)
{
	struct mo_err err;
	const struct model_gpu *g = model_gpu_find("h100", &err);
	ck_assert_msg(g != NULL, "%s", err.msg);
	return g;
}

/* The flops of the first kernel called name, -1 when there is none. */
static int64_t gemm_flops(const struct trace_mem *t, const char *name)
{
	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->recs[i].u.kernel.name, name))
			return t->recs[i].u.kernel.flops;
	return -1;
}

static int64_t total_params(const struct workload *w)
{
	int64_t p = 0;
	for (int m = 0; m < w->n_modules; m++)
		p += w->modules[m].params;
	return p;
}

static void assert_within(int64_t got, int64_t want, double pct, const char *what)
{
	double err = 100.0 * fabs((double)(got - want)) / (double)want;
	ck_assert_msg(err <= pct, "%s: %lld parameters, published %lld (%.2f%% off)", what,
		      (long long)got, (long long)want, err);
}

/* ---- parameter counts ---- */

START_TEST(gpt2_large_has_exactly_the_published_774m_parameters)
{
	struct workload *w = load_ok("workloads/llm/gpt2-large.json");
	/* Hugging Face gpt2-large: 774,030,080 */
	ck_assert_int_eq(total_params(w), 774030080);
	workload_free(w);
}
END_TEST

static const struct {
	const char *path;
	int64_t published; /* the paper's / model card's number */
} llms[] = {
	{"workloads/llm/bert-large.json", 340000000},  /* Devlin et al. 2019 */
	{"workloads/llm/opt-1.3b.json", 1300000000},   /* Zhang et al. 2022, Table 1 */
	{"workloads/llm/gpt3-xl.json", 1300000000},    /* Brown et al. 2020, Table 2.1 */
	{"workloads/llm/gpt2-large.json", 774000000},  /* Radford et al. 2019, Table 2 */
};

START_TEST(reference_llms_are_within_two_percent_of_their_published_counts)
{
	struct workload *w = load_ok(llms[_i].path);
	assert_within(total_params(w), llms[_i].published, 2.0, llms[_i].path);
	workload_free(w);
}
END_TEST

static const char *const bundled[] = {"clip", "qwen3-vl", "unified-io-2", "imagebind", "ofasys",
				      "llava-1.5-7b"};

START_TEST(bundled_specs_and_their_modules_are_within_two_percent_of_published_counts)
{
	char path[256];
	struct workload *w;
	int checked = 0;

	snprintf(path, sizeof path, "workloads/%s.json", bundled[_i]);
	w = load_ok(path);
	ck_assert_int_ge(w->n_modules, 2);
	if (w->published_params) {
		assert_within(total_params(w), w->published_params, 2.0, path);
		checked++;
	}
	for (int m = 0; m < w->n_modules; m++) {
		ck_assert_msg(w->modules[m].params > 0, "%s: module %s has no parameters", path,
			      w->modules[m].name);
		ck_assert_msg(w->modules[m].source[0], "%s: module %s has no source", path,
			      w->modules[m].name);
		if (w->modules[m].published_params) {
			assert_within(w->modules[m].params, w->modules[m].published_params, 2.0,
				      w->modules[m].name);
			checked++;
		}
	}
	ck_assert_msg(w->source[0], "%s has no source", path);
	/* every bundled spec but OFASys (no published count for its 4-module
	 * configuration) is checked against at least one published number */
	if (strcmp(bundled[_i], "ofasys"))
		ck_assert_int_ge(checked, 1);
	workload_free(w);
}
END_TEST

START_TEST(ofasys_has_four_modules_and_imagebind_six)
{
	struct workload *w = load_ok("workloads/ofasys.json");
	ck_assert_int_eq(w->n_modules, 4);
	workload_free(w);
	w = load_ok("workloads/imagebind.json");
	ck_assert_int_eq(w->n_modules, 6);
	workload_free(w);
}
END_TEST

START_TEST(resnet50_bottleneck_formula_gives_its_known_count)
{
	/* torchvision resnet50 without its fc layer: 25,557,032 - 2,049,000 */
	struct workload *w = load_str_ok(
		"{\"name\":\"r\",\"batch\":1,\"modules\":[{\"name\":\"r\",\"kind\":\"encoder\","
		"\"arch\":\"conv\",\"blocks\":[3,4,6,3],\"image\":224}]}");
	ck_assert_int_eq(w->modules[0].layers, 16);
	ck_assert_int_eq(w->modules[0].params, 25557032 - 2049000);
	workload_free(w);
}
END_TEST

START_TEST(conv_out_dim_projects_the_last_stage_and_sizes_the_edge)
{
	/* ResNet stages 1-2 (3 and 4 blocks) at 64x64: 8x8 pixels of 512 channels
	 * leave, projected to 256; the edge carries 64 tokens x 256 x 2 bytes */
	struct workload *w = load_str_ok(
		"{\"name\":\"c\",\"batch\":1,\"modules\":[{\"name\":\"r\",\"kind\":\"encoder\","
		"\"arch\":\"conv\",\"blocks\":[3,4],\"image\":64,\"out_dim\":256},"
		"{\"name\":\"p\",\"kind\":\"projector\",\"arch\":\"mlp\",\"layers\":1,\"in_dim\":256,"
		"\"hidden\":8,\"out_dim\":8,\"seq\":64}],\"edges\":[{\"from\":\"r\",\"to\":\"p\"}]}");
	struct trace_mem t;
	struct mo_err err;

	ck_assert_int_eq(w->edges[0].bytes_per_sample, 64 * 256 * 2);
	ck_assert_int_eq(workload_params(w, 0, 6, 7), workload_params(w, 0, 5, 6) + 512 * 256 + 256);
	trace_mem_init(&t);
	ck_assert(workload_kernels(w, 0, 6, 7, WORKLOAD_FWD, 2, h100(), &t, &err) == 0);
	ck_assert_str_eq(t.recs[t.n - 1].u.kernel.name, "gemm:out_proj");
	ck_assert_int_eq(t.recs[t.n - 1].u.kernel.flops, 2LL * 2 * 64 * 256 * 512);
	ck_assert_int_eq(t.recs[0].u.kernel.kclass, TRACE_CLASS_CONV);
	trace_mem_release(&t);
	workload_free(w);
}
END_TEST

/* The cudnn: layout transposes of layer l of a ResNet-50 at batch 2 (one
 * bottleneck block, layer 1's a 1x1, 3x3, 1x1 at 56 x 56; layer 0 with the
 * stem) in a phase on gpu: their number, the bytes of the first two
 * (bytes[0], bytes[1]) and the kernel after the first. */
static int transposes(const char *dtype, const char *gpu_name, int l, int phase, int64_t bytes[2],
		      char *next, size_t next_size)
{
	char spec[400];
	struct workload *w;
	struct trace_mem t;
	struct mo_err err;
	int n = 0;

	snprintf(spec, sizeof spec,
		 "{\"name\":\"r\",\"batch\":2,\"dtype\":\"%s\",\"modules\":[{\"name\":\"r\","
		 "\"kind\":\"encoder\",\"arch\":\"conv\",\"blocks\":[3,4,6,3],\"image\":224}]}",
		 dtype);
	w = load_str_ok(spec);
	trace_mem_init(&t);
	ck_assert_msg(workload_kernels(w, 0, l, l + 1, phase, 2, model_gpu_find(gpu_name, &err), &t,
				       &err) == 0,
		      "%s", err.msg);
	for (size_t i = 0; i < t.n; i++) {
		const struct trace_kernel *k = &t.recs[i].u.kernel;
		if (strncmp(k->name, "cudnn:", 6))
			continue;
		if (n < 2)
			bytes[n] = k->bytes;
		if (n++ == 0)
			snprintf(next, next_size, "%s", i + 1 < t.n ? t.recs[i + 1].u.kernel.name : "");
	}
	trace_mem_release(&t);
	workload_free(w);
	return n;
}

/* cuDNN runs a TF32 convolution on NCHW through NHWC kernels between layout
 * transposes (measured on A100 and H100, absent on V100): the forward of
 * the 3x3 conv transposes its input (2 x 56 x 56 x 64 fp32, read and
 * written) and its weights (64 x 64 x 3 x 3, whatever the batch);
 * backward, the 3x3 data gradient transposes three times (the output
 * gradient in, the weights, the input gradient back), its weight gradient
 * three times (its input, its output gradient, the gradient back to KCRS)
 * and the two stride-1 1x1s at 56 x 56 none.  bf16 (no TF32) and a V100
 * have none. */
START_TEST(an_fp32_conv_net_pays_cudnn_layout_transposes_on_tensor_core_gpus_only)
{
	int64_t bytes[2] = { 0, 0 };
	char next[64] = "";

	ck_assert_int_eq(transposes("fp32", "a100-80gb-sxm", 1, WORKLOAD_FWD, bytes, next, sizeof next), 2);
	ck_assert_int_eq(bytes[0], 2LL * 4 * (2 * 56 * 56 * 64));
	ck_assert_int_eq(bytes[1], 2LL * 4 * (64 * 64 * 3 * 3));
	ck_assert_str_eq(next, "cudnn:nchw_to_nhwc");
	ck_assert_int_eq(transposes("fp32", "a100-80gb-sxm", 1, WORKLOAD_BWD, bytes, next, sizeof next), 6);
	ck_assert_int_eq(transposes("fp32", "h100", 1, WORKLOAD_FWD, bytes, next, sizeof next), 2);
	ck_assert_int_eq(transposes("fp32", "v100-sxm2", 1, WORKLOAD_FWD, bytes, next, sizeof next), 0);
	ck_assert_int_eq(transposes("fp32", "v100-sxm2", 1, WORKLOAD_BWD, bytes, next, sizeof next), 0);
	ck_assert_int_eq(transposes("bf16", "a100-80gb-sxm", 1, WORKLOAD_BWD, bytes, next, sizeof next), 0);
}
END_TEST

/* Which 1x1 convolutions cuDNN runs in NHWC, by shape (synth.c's header:
 * measured per call in the A100 ResNet-50 trace): strided ones and those on
 * outputs under 14 x 14, not the stem (3 input channels: FP32 on NCHW).  By
 * hand, fp32 on an A100 at batch 2: layer 0 (stem, 1x1s and a stride-1
 * downsample at 56 x 56) transposes only its 3x3's input and weights (2);
 * layer 13 (stage 4's first block: 1x1 reduce at 14 x 14, stride-2 3x3,
 * 1x1 expand at 7 x 7, stride-2 downsample) all but the reduce's (6, the
 * 3x3's input 2 x 512 x 14 x 14 first, then its 512 x 512 x 3 x 3
 * weights); layer 14 (all at 7 x 7) all three's, first the reduce's input
 * 2 x 2048 x 7 x 7 and its 512 x 2048 weights; backward each 1x1 its data
 * gradient's three and its weight gradient's input and output gradient (no
 * weight gradient back: a 1x1's KRSC is KCRS), the 3x3 six: 16. */
START_TEST(a_strided_or_small_1x1_convolution_runs_in_nhwc_with_its_transposes)
{
	int64_t bytes[2] = { 0, 0 };
	char next[64] = "";

	ck_assert_int_eq(transposes("fp32", "a100-80gb-sxm", 0, WORKLOAD_FWD, bytes, next, sizeof next), 2);
	ck_assert_int_eq(bytes[0], 2LL * 4 * (2 * 56 * 56 * 64));
	ck_assert_int_eq(transposes("fp32", "a100-80gb-sxm", 13, WORKLOAD_FWD, bytes, next, sizeof next), 6);
	ck_assert_int_eq(bytes[0], 2LL * 4 * (2 * 14 * 14 * 512));
	ck_assert_int_eq(bytes[1], 2LL * 4 * (512 * 512 * 3 * 3));
	ck_assert_int_eq(transposes("fp32", "a100-80gb-sxm", 14, WORKLOAD_FWD, bytes, next, sizeof next), 6);
	ck_assert_int_eq(bytes[0], 2LL * 4 * (2 * 7 * 7 * 2048));
	ck_assert_int_eq(bytes[1], 2LL * 4 * (2048 * 512));
	ck_assert_str_eq(next, "cudnn:nchw_to_nhwc");
	ck_assert_int_eq(transposes("fp32", "a100-80gb-sxm", 14, WORKLOAD_BWD, bytes, next, sizeof next), 16);
	ck_assert_int_eq(transposes("fp32", "v100-sxm2", 14, WORKLOAD_FWD, bytes, next, sizeof next), 0);
}
END_TEST

/* A kernel's DRAM bytes, the first of that name (-1 when none). */
static int64_t kernel_bytes(const struct trace_mem *t, const char *name)
{
	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->recs[i].u.kernel.name, name))
			return t->recs[i].u.kernel.bytes;
	return -1;
}

/* A convolution's forward moves its input, weights and output once (cuDNN's
 * implicit GEMM), not the im2col matrix; a strided 1x1 reads only the pixels
 * it uses.  ResNet-50 at batch 2, fp32: the stem reads the 2 x 3 x 224 x 224
 * image (not 2 x 112 x 112 x 147) and writes 2 x 64 x 112 x 112; layer 1's
 * 3x3 reads 2 x 64 x 56 x 56 (not 9x that); layer 4's first downsample
 * (1x1, stride 2, 1024 -> 2048 at 14 -> 7) reads 2 x 7 x 7 x 1024.  Hand
 * computed. */
START_TEST(a_convolution_forward_moves_its_tensors_once_not_the_im2col_matrix)
{
	struct workload *w = load_str_ok(
		"{\"name\":\"r\",\"batch\":2,\"dtype\":\"fp32\",\"modules\":[{\"name\":\"r\","
		"\"kind\":\"encoder\",\"arch\":\"conv\",\"blocks\":[3,4,6,3],\"image\":224}]}");
	struct trace_mem t;
	struct mo_err err;

	trace_mem_init(&t);
	ck_assert(workload_kernels(w, 0, 0, 2, WORKLOAD_FWD, 2, model_gpu_find("a100-80gb-sxm", &err),
				   &t, &err) == 0);
	ck_assert_int_eq(kernel_bytes(&t, "conv:stem:fp32"),
			 4LL * (2 * 3 * 224 * 224 + 147 * 64 + 2 * 112 * 112 * 64));
	ck_assert_int_eq(kernel_bytes(&t, "conv:3x3:tf32"),
			 4LL * (2 * 64 * 56 * 56 + 576 * 64 + 2 * 56 * 56 * 64));
	ck_assert_int_eq(gemm_flops(&t, "conv:3x3:tf32"), 2LL * (2 * 56 * 56) * 64 * 576);
	trace_mem_release(&t);
	trace_mem_init(&t);
	ck_assert(workload_kernels(w, 0, 13, 14, WORKLOAD_FWD, 2, model_gpu_find("a100-80gb-sxm", &err),
				   &t, &err) == 0);
	ck_assert_int_eq(kernel_bytes(&t, "conv:downsample:tf32"),
			 4LL * (2 * 7 * 7 * 1024 + 1024 * 2048 + 2 * 7 * 7 * 2048));
	trace_mem_release(&t);
	workload_free(w);
}
END_TEST

/* t's kernels are exactly names[0..n), in order. */
static void kernels_are(const struct trace_mem *t, const char *const *names, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < t->n; i++)
		if (t->recs[i].kind == TRACE_KIND_KERNEL) {
			ck_assert_uint_lt(k, n);
			ck_assert_str_eq(t->recs[i].u.kernel.name, names[k]);
			k++;
		}
	ck_assert_uint_eq(k, n);
}

/* A TensorRT engine (impl "tensorrt") folds each batch norm into its
 * convolution and runs the ReLU and the residual add in the epilogue: the
 * int8 ResNet-50's stem and first bottleneck at batch 2 are six kernels
 * (four convolutions, the downsample, the max pool), no batch norm, ReLU or
 * add; the expand convolution reads the skip tensor besides its input and
 * weights (1 byte each): 2*56*56*64 + 64*256 + 2 * 2*56*56*256.  Without
 * the impl the same layer has its batch norms.  Hand counted. */
START_TEST(a_tensorrt_conv_engine_fuses_batch_norm_relu_and_the_residual_add)
{
	static const char *const names[] = {"conv:stem:int8", "max_pool", "conv:1x1_reduce:int8",
		"conv:3x3:int8", "conv:1x1_expand:int8", "conv:downsample:int8"};
	struct workload *w = load_str_ok(
		"{\"name\":\"r\",\"batch\":2,\"dtype\":\"int8\",\"modules\":[{\"name\":\"r\",\"kind\":\"encoder\","
		"\"arch\":\"conv\",\"blocks\":[3,4,6,3],\"image\":224,\"impl\":\"tensorrt\"}]}");
	struct workload *plain = load_str_ok(
		"{\"name\":\"r\",\"batch\":2,\"dtype\":\"int8\",\"modules\":[{\"name\":\"r\",\"kind\":\"encoder\","
		"\"arch\":\"conv\",\"blocks\":[3,4,6,3],\"image\":224}]}");
	const struct model_gpu *g = model_gpu_find("a100-80gb-sxm", NULL);
	struct trace_mem t;
	struct mo_err err;

	trace_mem_init(&t);
	ck_assert(workload_kernels(w, 0, 0, 1, WORKLOAD_FWD, 2, g, &t, &err) == 0);
	kernels_are(&t, names, 6);
	ck_assert_int_eq(kernel_bytes(&t, "conv:1x1_expand:int8"),
			 2LL * 56 * 56 * 64 + 64 * 256 + 2 * (2LL * 56 * 56 * 256));
	trace_mem_release(&t);
	trace_mem_init(&t);
	ck_assert(workload_kernels(plain, 0, 0, 1, WORKLOAD_FWD, 2, g, &t, &err) == 0);
	ck_assert_int_gt(kernel_bytes(&t, "batch_norm"), 0);
	ck_assert_int_eq(kernel_bytes(&t, "conv:1x1_expand:int8"), 2LL * 56 * 56 * 64 + 64 * 256 + 2LL * 56 * 56 * 256);
	trace_mem_release(&t);
	workload_free(w);
	workload_free(plain);
}
END_TEST

/* A post-norm encoder as a TensorRT engine (BERT with NVIDIA's plugins,
 * enum workload_impl): layer 0's forward at batch 2, 128 tokens, int8 is
 * eight kernels: the embedding gathers, adds and norm as one (reading the
 * token, position and token-type rows: 4 x T x H bytes with T = 256,
 * H = 64), the QKV GEMM, attention, the output GEMM, the residual add and
 * norm as one (reading both tensors: 3 x T x H), fc1 with GELU in its
 * epilogue, fc2, the second add and norm.  Without the impl the same layer
 * has its gathers, adds, GELU and separate norms; without token types the
 * embedding's kernel reads two rows (3 x T x H) and is still the
 * embedding's.  Hand counted. */
START_TEST(a_tensorrt_bert_engine_fuses_embeddings_skip_layer_norms_and_gelu)
{
	static const char *const names[] = {"emb_layer_norm", "gemm:qkv:int8", "flash_attn:int8",
		"gemm:attn_out:int8", "skip_layer_norm", "gemm:fc1:int8", "gemm:fc2:int8", "skip_layer_norm"};
	static const char *const layer = "\"kind\":\"encoder\",\"arch\":\"encoder\",\"layers\":2,"
		"\"hidden\":64,\"heads\":2,\"ffn\":256,\"seq\":128,\"vocab\":1000,\"max_pos\":512,"
		"\"type_vocab\":%d,\"act\":\"gelu\",\"norm\":\"layernorm\",\"pos\":\"learned\","
		"\"bias\":true,\"embed_norm\":true,\"final_norm\":false";
	char spec[1024], mod[512];
	const struct model_gpu *g = model_gpu_find("a100-80gb-sxm", NULL);
	struct workload *w, *plain, *no_types;
	struct trace_mem t;
	struct mo_err err;

	snprintf(mod, sizeof(mod), layer, 2);
	snprintf(spec, sizeof(spec), "{\"name\":\"b\",\"batch\":2,\"dtype\":\"int8\",\"modules\":[{"
		 "\"name\":\"b\",%s,\"impl\":\"tensorrt\"}]}", mod);
	w = load_str_ok(spec);
	snprintf(spec, sizeof(spec), "{\"name\":\"b\",\"batch\":2,\"dtype\":\"int8\",\"modules\":[{"
		 "\"name\":\"b\",%s}]}", mod);
	plain = load_str_ok(spec);
	snprintf(mod, sizeof(mod), layer, 0); /* no token types: the embedding reads two rows */
	snprintf(spec, sizeof(spec), "{\"name\":\"b\",\"batch\":2,\"dtype\":\"int8\",\"modules\":[{"
		 "\"name\":\"b\",%s,\"impl\":\"tensorrt\"}]}", mod);
	no_types = load_str_ok(spec);
	trace_mem_init(&t);
	ck_assert(workload_kernels(w, 0, 0, 1, WORKLOAD_FWD, 2, g, &t, &err) == 0);
	kernels_are(&t, names, 8);
	ck_assert_int_eq(kernel_bytes(&t, "emb_layer_norm"), 4LL * 256 * 64);
	ck_assert_int_eq(kernel_bytes(&t, "skip_layer_norm"), 3LL * 256 * 64);
	trace_mem_release(&t);
	trace_mem_init(&t);
	ck_assert(workload_kernels(plain, 0, 0, 1, WORKLOAD_FWD, 2, g, &t, &err) == 0);
	ck_assert_int_gt(kernel_bytes(&t, "gelu"), 0);
	ck_assert_int_gt(kernel_bytes(&t, "residual_add"), 0);
	ck_assert_int_eq(kernel_bytes(&t, "layer_norm"), 2LL * 256 * 64);
	ck_assert_int_eq(kernel_bytes(&t, "skip_layer_norm"), -1); /* none */
	trace_mem_release(&t);
	trace_mem_init(&t);
	ck_assert(workload_kernels(no_types, 0, 0, 1, WORKLOAD_FWD, 2, g, &t, &err) == 0);
	ck_assert_int_eq(kernel_bytes(&t, "emb_layer_norm"), 3LL * 256 * 64);
	trace_mem_release(&t);
	workload_free(w);
	workload_free(plain);
	workload_free(no_types);
}
END_TEST

/* The stem's 3 input channels keep an fp32 convolution off the TF32 tensor
 * cores (cuDNN ran it as an FP32 SIMT kernel, cudnn_infer_ampere_scudnn_
 * 128x64, in the measured A100 TF32 ResNet-50 trace, HTA nccl_data): its
 * time is the FP32 GEMM's of the same shape and bytes, above the TF32 one. */
START_TEST(a_convolution_of_three_channels_runs_in_fp32_not_tf32)
{
	struct workload *w = load_str_ok(
		"{\"name\":\"r\",\"batch\":2,\"dtype\":\"fp32\",\"modules\":[{\"name\":\"r\","
		"\"kind\":\"encoder\",\"arch\":\"conv\",\"blocks\":[3,4,6,3],\"image\":224}]}");
	const struct model_gpu *g = model_gpu_find("a100-80gb-sxm", NULL);
	struct model_op op = {.kind = MODEL_OP_GEMM, .dtype = MODEL_FP32, .b = 1,
			      .m = 2 * 112 * 112, .n = 64, .k = 147, .layout = MODEL_LAYOUT_ANY};
	struct trace_mem t;
	struct mo_err err;
	int64_t ns = -1, fp32, tf32;

	op.bytes = 4LL * (2 * 3 * 224 * 224 + 147 * 64 + 2 * 112 * 112 * 64);
	fp32 = model_op_ns(g, &op, g->sms);
	op.dtype = MODEL_TF32;
	tf32 = model_op_ns(g, &op, g->sms);
	ck_assert_int_gt(fp32, tf32);
	trace_mem_init(&t);
	ck_assert(workload_kernels(w, 0, 0, 1, WORKLOAD_FWD, 2, g, &t, &err) == 0);
	for (size_t i = 0; i < t.n; i++)
		if (!strcmp(t.recs[i].u.kernel.name, "conv:stem:fp32"))
			ns = t.recs[i].u.kernel.end_ns - t.recs[i].u.kernel.start_ns;
	ck_assert_int_eq(ns, fp32);
	trace_mem_release(&t);
	workload_free(w);
}
END_TEST

START_TEST(bert_is_post_norm_with_an_mlm_head)
{
	struct workload *w = load_ok("workloads/llm/bert-large.json");
	struct trace_mem t;
	struct mo_err err;
	size_t i;

	trace_mem_init(&t);
	ck_assert(workload_kernels(w, 0, 23, 24, WORKLOAD_FWD, 1, h100(), &t, &err) == 0);
	/* post-norm: the block starts with the Q projection, not a norm */
	ck_assert_str_eq(t.recs[0].u.kernel.name, "gemm:q:fp32");
	for (i = 0; i < t.n && strcmp(t.recs[i].u.kernel.name, "gemm:mlm_transform:fp32"); i++)
		;
	ck_assert_msg(i < t.n, "no MLM transform");
	ck_assert_int_eq(gemm_flops(&t, "gemm:lm_head:fp32"), 2LL * 512 * 30522 * 1024);
	ck_assert_int_eq(gemm_flops(&t, "gemm:pooler:fp32"), 2LL * 1 * 1024 * 1024);
	trace_mem_release(&t);
	workload_free(w);
}
END_TEST

START_TEST(grouped_query_attention_shrinks_kv_projections)
{
	/* hidden 64, 8 heads of 8, 2 KV heads: Q 64x64, K and V 64x16 each, O 64x64 */
	struct workload *w = load_str_ok(
		"{\"name\":\"g\",\"batch\":1,\"modules\":[{\"name\":\"d\",\"kind\":\"backbone\","
		"\"arch\":\"decoder\",\"layers\":1,\"hidden\":64,\"heads\":8,\"kv_heads\":2,"
		"\"ffn\":128,\"seq\":8,\"act\":\"swiglu\",\"norm\":\"rmsnorm\",\"pos\":\"rope\","
		"\"final_norm\":false}]}");
	int64_t want = 2 * 64 + (64 * 64 + 2 * 64 * 16 + 64 * 64) + 3 * 64 * 128;
	ck_assert_int_eq(w->modules[0].params, want);
	workload_free(w);
}
END_TEST

/* ---- bad specs ---- */

#define MOD "{\"name\":\"a\",\"kind\":\"encoder\",\"arch\":\"encoder\",\"layers\":1," \
	"\"hidden\":8,\"heads\":2,\"ffn\":16,\"seq\":4}"
#define MODB "{\"name\":\"b\",\"kind\":\"encoder\",\"arch\":\"encoder\",\"layers\":1," \
	"\"hidden\":8,\"heads\":2,\"ffn\":16,\"seq\":4}"
static const struct {
	const char *json;
	const char *want; /* in the message */
} bad[] = {
	{"{\"name\":\"x\",\"batch\":1,\"modules\":[" MOD "],\"bogus\":1}", "'t.json': bogus: unknown field"},
	{"{\"name\":\"x\",\"batch\":1,\"modules\":[{\"name\":\"a\",\"kind\":\"encoder\",\"arch\":\"mlp\","
	 "\"layers\":1,\"in_dim\":2,\"hidden\":2,\"out_dim\":2,\"seq\":1,\"foo\":3}]}",
	 "modules[0].foo: unknown field"},
	{"{\"name\":\"x\",\"batch\":1,\"modules\":[{\"name\":\"a\",\"kind\":\"encoder\",\"arch\":\"encoder\","
	 "\"layers\":\"12\",\"hidden\":8,\"heads\":2,\"ffn\":16,\"seq\":4}]}",
	 "modules[0].layers: expected an integer, got a string"},
	{"{\"name\":\"x\",\"batch\":1,\"modules\":[{\"name\":\"a\",\"kind\":\"backbone\",\"arch\":\"decoder\","
	 "\"layers\":2,\"hidden\":8,\"ffn\":16,\"seq\":4}]}",
	 "modules[0].heads: missing: arch 'decoder' needs it"},
	{"{\"name\":\"x\",\"batch\":1,\"modules\":[{\"name\":\"v\",\"kind\":\"encoder\",\"arch\":\"vit\","
	 "\"layers\":2,\"hidden\":8,\"heads\":2,\"ffn\":16}]}",
	 "modules[0].patch: missing"},
	{"{\"name\":\"x\",\"batch\":1,\"modules\":[" MOD "," MODB "],\"edges\":[{\"from\":\"a\",\"to\":\"b\"},"
	 "{\"from\":\"b\",\"to\":\"a\"}]}", "edges: the module graph has a cycle"},
	{"{\"name\":\"x\",\"batch\":1,\"modules\":[" MOD "],\"edges\":[{\"from\":\"a\",\"to\":\"a\"}]}",
	 "cycle"},
	{"{\"name\":\"x\",\"batch\":1,\"modules\":[" MOD "],\"edges\":[{\"from\":\"a\",\"to\":\"zzz\"}]}",
	 "edges[0].to: unknown module 'zzz'"},
	{"{\"name\":\"x\",\"batch\":10,\"microbatch\":4,\"modules\":[" MOD "]}",
	 "batch: 10 is not a multiple of microbatch 4"},
	{"{\"name\":\"x\",\"batch\":1,\"dtype\":\"fp64\",\"modules\":[" MOD "]}",
	 "dtype: unknown value 'fp64' (known: fp32, tf32, bf16, fp16, int8)"},
	{"{\"name\":\"x\",\"batch\":1,\"modules\":[{\"name\":\"a\",\"kind\":\"encoder\",\"arch\":\"rnn\"}]}",
	 "modules[0].arch: unknown value 'rnn'"},
	{"{\"name\":\"x\",\"batch\":1,\"modules\":[{\"name\":\"a\",\"kind\":\"head\",\"arch\":\"mlp\"}]}",
	 "modules[0].kind: unknown value 'head'"},
	{"{\"name\":\"x\",\"batch\":1,\"modules\":[" MOD "," MOD "]}", "modules[1].name: duplicate module 'a'"},
	{"{\"name\":\"x\",\"batch\":1,\"modules\":[{\"name\":\"a\",\"kind\":\"encoder\",\"arch\":\"encoder\","
	 "\"layers\":1,\"hidden\":10,\"heads\":3,\"ffn\":16,\"seq\":4}]}",
	 "modules[0].heads: 3 does not divide hidden 10"},
	{"{\"name\":\"x\",\"batch\":1,\"modules\":[{\"name\":\"a\",\"kind\":\"encoder\",\"arch\":\"encoder\","
	 "\"layers\":0,\"hidden\":8,\"heads\":2,\"ffn\":16,\"seq\":4}]}", "modules[0].layers: must be positive"},
	{"{\"name\":\"x\",\"batch\":1,\"modules\":[{\"name\":\"a\",\"kind\":\"encoder\",\"arch\":\"encoder\","
	 "\"layers\":1,\"hidden\":8,\"heads\":2,\"ffn\":16,\"seq\":4,\"dropout\":1.5}]}",
	 "modules[0].dropout: 1.5 is out of range"},
	{"{\"name\":\"x\",\"batch\":1,\"modules\":[]}", "modules: expected 1 to 256 modules, got 0"},
	{"{\"name\":\"x\",\"modules\":[" MOD "]}", "batch: missing"},
	{"{\"batch\":1,\"modules\":[" MOD "]}", "name: missing"},
	{"[1,2]", "expected an object, got an array"},
	{"{\"name\":\"x\",\"batch\":1,\"modules\":[" MOD "", "cannot parse workload 't.json': line 1, column"},
	{"{\"name\":\"x\",\"name\":\"y\",\"batch\":1,\"modules\":[" MOD "]}", "cannot parse workload 't.json': line 1, column 18: duplicate object key"},
	{"{\"name\":\"x\",\"batch\":1,\"cluster\":{\"gpus\":0},\"modules\":[" MOD "]}",
	 "cluster.gpus: 0 is out of range"},
	{"{\"name\":\"x\",\"batch\":1,\"cluster\":{\"speed\":1},\"modules\":[" MOD "]}",
	 "cluster.speed: unknown field"},
	{"{\"name\":\"x\",\"batch\":1,\"cluster\":{\"cpu\":\"a100\"},\"modules\":[" MOD "]}",
	 "cluster.cpu: expected h100-traces, a100-traces or v100-traces"},
	{"{\"name\":\"x\",\"batch\":1,\"optimizer\":{\"kind\":\"lamb\"},\"modules\":[" MOD "]}",
	 "optimizer.kind: unknown value 'lamb'"},
	{"{\"name\":\"x\",\"batch\":1,\"optimizer\":{\"kernel_args\":8},\"modules\":[" MOD "]}",
	 "optimizer.kernel_args: expected 4 or 32"},
	{"{\"name\":\"x\",\"batch\":1,\"optimizer\":{\"lr\":1},\"modules\":[" MOD "]}",
	 "optimizer.lr: unknown field"},
	{"{\"name\":\"x\",\"batch\":1,\"optimizer\":[],\"modules\":[" MOD "]}", "optimizer"},
	{"{\"name\":\"x\",\"batch\":1,\"modules\":[{\"name\":\"a\",\"kind\":\"encoder\",\"arch\":\"mlp\","
	 "\"layers\":2,\"in_dim\":4000000,\"hidden\":4000000,\"out_dim\":4000000,\"seq\":1}]}",
	 "modules[0]: 32000000000000 parameters"},
	{"{\"name\":\"x\",\"batch\":1,\"modules\":[" MOD "],\"edges\":[{\"from\":\"a\"}]}",
	 "edges[0].to: missing"},
	{"{\"name\":\"x\",\"batch\":1,\"modules\":[{\"name\":\"a\",\"kind\":\"backbone\",\"arch\":\"decoder\","
	 "\"layers\":1,\"hidden\":8,\"heads\":2,\"ffn\":16,\"seq\":4,\"cross_attention\":true}]}",
	 "modules[0].cross_seq: missing"},
	{"{\"name\":\"x\",\"batch\":1,\"modules\":[{\"name\":\"a\",\"kind\":\"encoder\",\"arch\":\"conv\","
	 "\"blocks\":[3,\"4\"],\"image\":224}]}", "modules[0].blocks[1]: expected an integer"},
	{"{\"name\":\"x\",\"batch\":1,\"modules\":[{\"name\":\"a\",\"kind\":\"encoder\",\"trace\":"
	 "\"/nonexistent/t.mtr\"}]}", "/nonexistent/t.mtr"},
};

START_TEST(bad_specs_are_rejected_with_the_file_and_json_path)
{
	struct workload *w = (struct workload *)1;
	struct mo_err err;
	int rc;

	mo_err_clear(&err);
	rc = workload_load_string(bad[_i].json, "t.json", &w, &err);
	ck_assert_msg(rc < 0, "case %d accepted", _i);
	ck_assert_ptr_null(w);
	ck_assert_msg(strstr(err.msg, bad[_i].want), "case %d: message '%s' lacks '%s'", _i, err.msg,
		      bad[_i].want);
}
END_TEST

START_TEST(a_missing_file_is_bad_input)
{
	struct workload *w;
	struct mo_err err;

	mo_err_clear(&err);
	ck_assert_int_eq(workload_load("/nonexistent/spec.json", &w, &err), -MO_EINPUT);
	ck_assert_ptr_nonnull(strstr(err.msg, "cannot open '/nonexistent/spec.json'"));
}
END_TEST

/* A spec takes exactly the dtypes model_dtype_synthesisable names (all but
 * fp8), the one answer the validate and MLPerf paths ask too. */
START_TEST(spec_dtypes_are_the_synthesisable_ones)
{
	for (int d = 0; d < MODEL_NDTYPES; d++) {
		char json[256];
		struct workload *w = NULL;
		struct mo_err err;
		int rc;

		snprintf(json, sizeof(json), "{\"name\":\"x\",\"batch\":8,\"dtype\":\"%s\",\"modules\":[" MOD "]}",
			 model_dtype_name(d));
		mo_err_clear(&err);
		rc = workload_load_string(json, "t.json", &w, &err);
		ck_assert_msg((rc == 0) == model_dtype_synthesisable(d), "%s: rc %d %s", model_dtype_name(d), rc,
			      err.msg);
		ck_assert_int_eq(model_dtype_synthesisable(d), d != MODEL_FP8);
		if (rc == 0)
			ck_assert_int_eq(w->dtype, d);
		workload_free(w);
	}
	ck_assert_int_eq(model_dtype_synthesisable(-1), 0);
	ck_assert_int_eq(model_dtype_synthesisable(MODEL_NDTYPES), 0);
}
END_TEST

START_TEST(defaults_are_filled_in)
{
	struct workload *w = load_str_ok("{\"name\":\"x\",\"batch\":8,\"modules\":[" MOD "]}");
	ck_assert_int_eq(w->microbatch, 8);
	ck_assert_int_eq(workload_microbatches(w), 1);
	ck_assert_int_eq(w->dtype, MODEL_BF16);
	ck_assert_int_eq(w->modules[0].kv_heads, 2);
	ck_assert_int_eq(w->modules[0].head_dim, 4);
	ck_assert_int_eq(w->modules[0].attention, WORKLOAD_ATTN_FLASH);
	ck_assert_int_eq(workload_module_index(w, "a"), 0);
	ck_assert_int_eq(workload_module_index(w, "nope"), -1);
	workload_free(w);
}
END_TEST

START_TEST(topological_order_puts_sources_first)
{
	struct workload *w = load_str_ok(
		"{\"name\":\"x\",\"batch\":1,\"modules\":[" MOD "," MODB "],"
		"\"edges\":[{\"from\":\"b\",\"to\":\"a\"}]}");
	int order[2];
	workload_topo_order(w, order);
	ck_assert_int_eq(order[0], 1);
	ck_assert_int_eq(order[1], 0);
	/* default bytes: b's output, 4 tokens x hidden 8 x 2 bytes (bf16) */
	ck_assert_int_eq(w->edges[0].bytes_per_sample, 4 * 8 * 2);
	workload_free(w);
}
END_TEST

/* ---- the synthesiser on a hand-checkable module ---- */

static const char tiny[] =
	"{\"name\":\"tiny\",\"batch\":4,\"microbatch\":2,\"dtype\":\"fp32\",\"modules\":["
	"{\"name\":\"lm\",\"kind\":\"backbone\",\"arch\":\"decoder\",\"layers\":1,\"hidden\":64,"
	"\"heads\":4,\"ffn\":256,\"seq\":16,\"vocab\":100,\"bias\":true,\"tie_embeddings\":true}]}";

START_TEST(tiny_decoder_forward_has_the_hand_counted_kernels_and_flops)
{
	struct workload *w = load_str_ok(tiny);
	struct trace_mem t;
	struct mo_err err;
	int64_t T = 2 * 16;

	trace_mem_init(&t);
	mo_err_clear(&err);
	ck_assert_msg(workload_kernels(w, 0, 0, 1, WORKLOAD_FWD, 2, h100(), &t, &err) == 0, "%s", err.msg);
	/* embedding: tokens, positions, add; block: norm, qkv, attention, out,
	 * residual, norm, fc1, gelu, fc2, residual; norm, lm_head, log_softmax, nll */
	ck_assert_int_eq(t.n, 17);
	ck_assert_int_eq(gemm_flops(&t, "gemm:qkv:fp32"), 2 * T * (3 * 64) * 64);
	ck_assert_int_eq(gemm_flops(&t, "gemm:attn_out:fp32"), 2 * T * 64 * 64);
	ck_assert_int_eq(gemm_flops(&t, "gemm:fc1:fp32"), 2 * T * 256 * 64);
	ck_assert_int_eq(gemm_flops(&t, "gemm:fc2:fp32"), 2 * T * 64 * 256);
	ck_assert_int_eq(gemm_flops(&t, "gemm:lm_head:fp32"), 2 * T * 100 * 64);
	/* causal flash attention: 4 b s s d / 2 with b = 2 samples x 4 heads */
	ck_assert_int_eq(gemm_flops(&t, "flash_attn:fp32"), 4 * 8 * 16 * 16 * 16 / 2);
	for (size_t i = 0; i < t.n; i++) {
		const struct trace_kernel *k = &t.recs[i].u.kernel;
		ck_assert_int_eq(t.recs[i].kind, TRACE_KIND_KERNEL);
		ck_assert_int_eq(k->module, 0);
		ck_assert_int_eq(k->phase, WORKLOAD_FWD);
		ck_assert_int_gt(k->end_ns, k->start_ns);
		ck_assert_int_eq(k->start_ns, i ? t.recs[i - 1].u.kernel.end_ns : 0);
		ck_assert_int_gt(k->grid_x, 0);
		ck_assert_int_gt(k->block_x, 0);
		ck_assert_int_ge(k->bytes, 0);
	}
	ck_assert_str_eq(t.recs[5].u.kernel.name, "flash_attn:fp32");
	ck_assert_int_eq(t.recs[5].u.kernel.kclass, TRACE_CLASS_ATTENTION);
	ck_assert_int_eq(t.recs[4].u.kernel.kclass, TRACE_CLASS_GEMM);      /* gemm:qkv */
	int64_t ns;
	ck_assert(workload_predict_ns(w, 0, 0, 1, WORKLOAD_FWD, 2, h100(), &ns, &err) == 0);
	ck_assert_int_eq(ns, t.recs[t.n - 1].u.kernel.end_ns);
	/* per-sample forward FLOPs are the kernels' FLOPs over 2 samples */
	int64_t sum = 0;
	for (size_t i = 0; i < t.n; i++)
		sum += t.recs[i].u.kernel.flops;
	ck_assert_int_eq(workload_flops(w, 0, 0, 1, WORKLOAD_FWD) * 2, sum);
	trace_mem_release(&t);
	workload_free(w);
}
END_TEST

START_TEST(tiny_decoder_backward_doubles_gemm_work_and_the_optimizer_clips_then_steps)
{
	struct workload *w = load_str_ok(tiny);
	struct trace_mem t;
	struct mo_err err;
	int64_t T = 2 * 16;

	trace_mem_init(&t);
	ck_assert(workload_kernels(w, 0, 0, 1, WORKLOAD_BWD, 2, h100(), &t, &err) == 0);
	ck_assert_int_eq(t.n, 34);
	ck_assert_int_eq(gemm_flops(&t, "gemm:fc1:dgrad:fp32"), 2 * T * 256 * 64);
	ck_assert_int_eq(gemm_flops(&t, "gemm:fc1:wgrad:fp32"), 2 * T * 256 * 64);
	ck_assert_int_eq(gemm_flops(&t, "gemm:qkv:wgrad:fp32"), 2 * T * 192 * 64);
	ck_assert_int_eq(gemm_flops(&t, "flash_attn_bwd:fp32"), 10 * 8 * 16 * 16 * 16 / 2);
	ck_assert_int_ge(gemm_flops(&t, "tied_grad_add"), 0);
	ck_assert_str_eq(t.recs[0].u.kernel.name, "nll_loss_bwd"); /* reverse order */
	trace_mem_release(&t);
	trace_mem_init(&t);
	ck_assert(workload_kernels(w, 0, 0, 1, WORKLOAD_OPT, 0, h100(), &t, &err) == 0);
	/* PyTorch's default: clip_grad_norm_ (foreach norm, 7 small kernels,
	 * foreach mul), then Adam's 7 foreach ops, one launch each */
	ck_assert_int_eq(t.n, 16);
	ck_assert_str_eq(t.recs[0].u.kernel.name, "clip:foreach_norm");
	ck_assert_str_eq(t.recs[15].u.kernel.name, "adam:addcdiv_param");
	ck_assert_int_eq(t.recs[15].u.kernel.phase, WORKLOAD_OPT);
	/* Adam (fp32) unfused: the 7 ops read and write 76 bytes a parameter
	 * (lerp 12, mul 8, addcmul 16, sqrt 8, div 8, add 8, addcdiv 16) */
	int64_t adam_bytes = 0;
	for (size_t i = 9; i < t.n; i++)
		adam_bytes += t.recs[i].u.kernel.bytes;
	ck_assert_int_eq(adam_bytes, w->modules[0].params * 76);
	trace_mem_release(&t);
	workload_free(w);
}
END_TEST

START_TEST(eager_attention_materialises_scores_softmax_and_dropout)
{
	static const char eager[] =
		"{\"name\":\"e\",\"batch\":1,\"modules\":[{\"name\":\"lm\",\"kind\":\"backbone\","
		"\"arch\":\"decoder\",\"layers\":1,\"hidden\":64,\"heads\":4,\"ffn\":256,\"seq\":16,"
		"\"attention\":\"eager\",\"dropout\":0.1}]}";
	struct workload *w = load_str_ok(eager);
	struct trace_mem t;
	struct mo_err err;
	const char *want[] = {"bmm:scores", "attn_scale", "attn_mask_add", "softmax", "attn_dropout",
			      "bmm:context", "merge_heads", "resid_dropout"};

	trace_mem_init(&t);
	ck_assert(workload_kernels(w, 0, 0, 1, WORKLOAD_FWD, 1, h100(), &t, &err) == 0);
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
		ck_assert_msg(gemm_flops(&t, want[i]) >= 0, "no %s kernel", want[i]);
	ck_assert_int_eq(gemm_flops(&t, "flash_attn"), -1);
	ck_assert_int_eq(gemm_flops(&t, "bmm:scores"), 2 * 4 * 16 * 16 * 16);
	trace_mem_release(&t);
	workload_free(w);
}
END_TEST

/* Kernels called name in the forward of one sample of spec's module 0. */
static int forward_kernels_named(const char *spec, const char *name)
{
	struct workload *w = load_str_ok(spec);
	struct trace_mem t;
	struct mo_err err;
	int n = 0;

	trace_mem_init(&t);
	ck_assert(workload_kernels(w, 0, 0, 1, WORKLOAD_FWD, 1, h100(), &t, &err) == 0);
	for (size_t i = 0; i < t.n; i++)
		n += t.recs[i].kind == TRACE_KIND_KERNEL && !strcmp(t.recs[i].u.kernel.name, name);
	trace_mem_release(&t);
	workload_free(w);
	return n;
}

/* OWLv2's text tower as its trace shows it: Q, K and V copied contiguous,
 * the causal and the padding mask added one after the other, the softmax
 * written in bf16; a Hugging Face decoder's fp32 softmax is cast back. */
START_TEST(clip_style_eager_attention_copies_q_k_v_adds_both_masks_and_keeps_the_softmax_dtype)
{
	static const char clip[] =
		"{\"name\":\"c\",\"batch\":1,\"dtype\":\"bf16\",\"modules\":[{\"name\":\"text\","
		"\"kind\":\"encoder\",\"arch\":\"encoder\",\"layers\":1,\"hidden\":64,\"heads\":4,"
		"\"ffn\":256,\"seq\":5,\"vocab\":100,\"causal\":true,\"impl\":\"pytorch\","
		"\"scale_query\":true,\"head_copies\":true,\"attention\":\"eager\"}]}";
	static const char llama[] =
		"{\"name\":\"l\",\"batch\":1,\"dtype\":\"bf16\",\"modules\":[{\"name\":\"lm\","
		"\"kind\":\"backbone\",\"arch\":\"decoder\",\"layers\":1,\"hidden\":64,\"heads\":4,"
		"\"ffn\":256,\"seq\":16,\"impl\":\"pytorch\",\"attention\":\"eager\"}]}";

	ck_assert_int_eq(forward_kernels_named(clip, "head_copy"), 3);
	ck_assert_int_eq(forward_kernels_named(clip, "attn_mask_add"), 2);
	ck_assert_int_eq(forward_kernels_named(clip, "softmax"), 1);
	ck_assert_int_eq(forward_kernels_named(clip, "softmax_to_dtype"), 0);
	ck_assert_int_eq(forward_kernels_named(llama, "head_copy"), 0);
	ck_assert_int_eq(forward_kernels_named(llama, "attn_mask_add"), 1);
	ck_assert_int_eq(forward_kernels_named(llama, "softmax_to_dtype"), 1);
}
END_TEST

START_TEST(pytorch_impl_unfuses_rmsnorm_rope_swiglu_and_separate_qkv_is_three_gemms)
{
	static const char spec[] =
		"{\"name\":\"p\",\"batch\":1,\"modules\":[{\"name\":\"lm\",\"kind\":\"backbone\","
		"\"arch\":\"decoder\",\"layers\":1,\"hidden\":64,\"heads\":4,\"kv_heads\":2,\"ffn\":128,"
		"\"seq\":16,\"act\":\"swiglu\",\"norm\":\"rmsnorm\",\"pos\":\"rope\",\"final_norm\":false,"
		"\"qkv\":\"separate\",\"impl\":\"pytorch\"}]}";
	struct workload *w = load_str_ok(spec);
	struct trace_mem f, b;
	struct mo_err err;
	int64_t T = 16;
	const char *want[] = {"gemm:q", "gemm:k", "gemm:v", "gemm:gate", "gemm:up", "silu", "swiglu_mul",
			      "rms_norm_pow", "rms_norm_mean", "rms_norm_to_float", "rope_cat", "rope_add"};

	trace_mem_init(&f), trace_mem_init(&b);
	ck_assert(workload_kernels(w, 0, 0, 1, WORKLOAD_FWD, 1, h100(), &f, &err) == 0);
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
		ck_assert_msg(gemm_flops(&f, want[i]) >= 0, "no %s kernel", want[i]);
	ck_assert_int_eq(gemm_flops(&f, "gemm:k"), 2 * T * 32 * 64); /* 2 KV heads of 16 */
	ck_assert_int_eq(gemm_flops(&f, "gemm:qkv"), -1);
	ck_assert_int_eq(gemm_flops(&f, "grad_accumulate"), -1); /* backward only */
	ck_assert(workload_kernels(w, 0, 0, 1, WORKLOAD_BWD, 1, h100(), &b, &err) == 0);
	ck_assert_int_ge(gemm_flops(&b, "grad_accumulate"), 0);
	ck_assert_int_eq(gemm_flops(&b, "gemm:v:wgrad"), 2 * T * 32 * 64);
	/* the same FLOPs in GEMMs as the fused form */
	trace_mem_release(&f), trace_mem_release(&b);
	workload_free(w);
}
END_TEST

START_TEST(frozen_modules_skip_weight_gradients_and_the_optimizer)
{
	static const char spec[] =
		"{\"name\":\"f\",\"batch\":1,\"modules\":["
		"{\"name\":\"v\",\"kind\":\"encoder\",\"arch\":\"vit\",\"layers\":2,\"hidden\":32,"
		"\"heads\":2,\"ffn\":64,\"patch\":4,\"image\":16,\"frozen\":true},"
		"{\"name\":\"p\",\"kind\":\"projector\",\"arch\":\"mlp\",\"layers\":2,\"in_dim\":32,"
		"\"hidden\":64,\"out_dim\":64,\"seq\":16,\"frozen\":true},"
		"{\"name\":\"l\",\"kind\":\"backbone\",\"arch\":\"decoder\",\"layers\":1,\"hidden\":64,"
		"\"heads\":2,\"ffn\":64,\"seq\":32,\"vocab\":50}],"
		"\"edges\":[{\"from\":\"v\",\"to\":\"p\"},{\"from\":\"p\",\"to\":\"l\"}]}";
	struct workload *w = load_str_ok(spec);
	struct workload_memory mem;
	struct trace_mem t;
	struct mo_err err;

	trace_mem_init(&t);
	/* nothing trainable upstream of the frozen vision encoder: no backward */
	ck_assert(workload_kernels(w, 0, 0, 2, WORKLOAD_BWD, 1, h100(), &t, &err) == 0);
	ck_assert_int_eq(t.n, 0);
	ck_assert(workload_kernels(w, 0, 0, 2, WORKLOAD_OPT, 1, h100(), &t, &err) == 0);
	ck_assert_int_eq(t.n, 0);
	/* the frozen projector feeds a trainable LLM but gets no gradient itself:
	 * no backward either (its input needs none) */
	ck_assert(workload_kernels(w, 1, 0, 2, WORKLOAD_BWD, 1, h100(), &t, &err) == 0);
	for (size_t i = 0; i < t.n; i++)
		ck_assert_ptr_null(strstr(t.recs[i].u.kernel.name, "wgrad"));
	workload_memory(w, 0, 0, 2, &mem);
	ck_assert_int_eq(mem.grads, 0);
	ck_assert_int_eq(mem.optimizer, 0);
	ck_assert_int_eq(mem.act_per_sample, 0);
	ck_assert_int_eq(mem.params, w->modules[0].params * 2);
	trace_mem_release(&t);
	workload_free(w);
}
END_TEST

START_TEST(memory_counts_adam_state_and_master_weights)
{
	struct workload *w = load_str_ok(tiny); /* fp32 */
	struct workload_memory mem;
	int64_t p = w->modules[0].params;

	workload_memory(w, 0, 0, 1, &mem);
	ck_assert_int_eq(mem.params, 4 * p);
	ck_assert_int_eq(mem.grads, 4 * p);
	ck_assert_int_eq(mem.optimizer, 8 * p);
	ck_assert_int_gt(mem.act_per_sample, 16 * 64 * 4);
	workload_free(w);
	w = load_ok("workloads/llm/gpt3-xl.json"); /* bf16: 2 + 2 + 12 bytes per parameter */
	p = w->modules[0].params;
	workload_memory(w, 0, 0, w->modules[0].layers, &mem);
	ck_assert_int_eq(mem.params + mem.grads + mem.optimizer, 16 * p);
	workload_free(w);
}
END_TEST

START_TEST(layer_slices_add_up_to_the_whole_module)
{
	struct workload *w = load_ok("workloads/qwen3-vl.json");
	const struct model_gpu *g = h100();
	struct mo_err err;

	for (int m = 0; m < w->n_modules; m++) {
		int L = w->modules[m].layers, cut = L / 2;
		struct trace_mem all, a, b;
		ck_assert_int_eq(workload_params(w, m, 0, cut) + workload_params(w, m, cut, L),
				 w->modules[m].params);
		for (int ph = 0; ph < 3; ph++) {
			trace_mem_init(&all), trace_mem_init(&a), trace_mem_init(&b);
			ck_assert(workload_kernels(w, m, 0, L, ph, 2, g, &all, &err) == 0);
			ck_assert(workload_kernels(w, m, 0, cut, ph, 2, g, &a, &err) == 0);
			ck_assert(workload_kernels(w, m, cut, L, ph, 2, g, &b, &err) == 0);
			/* the optimizer's launches pack a whole list: slices may
			 * launch more, never fewer */
			if (w->modules[m].copies == 1 && ph != WORKLOAD_OPT)
				ck_assert_int_eq(all.n, a.n + b.n);
			else if (ph == WORKLOAD_OPT)
				ck_assert_int_le(all.n, a.n + b.n);
			ck_assert_int_eq(workload_flops(w, m, 0, L, ph),
					 workload_flops(w, m, 0, cut, ph) + workload_flops(w, m, cut, L, ph));
			trace_mem_release(&all), trace_mem_release(&a), trace_mem_release(&b);
		}
	}
	workload_free(w);
}
END_TEST

START_TEST(synthesis_is_deterministic)
{
	struct workload *w = load_ok("workloads/clip.json");
	struct trace_mem a, b;
	struct mo_err err;

	trace_mem_init(&a), trace_mem_init(&b);
	for (int m = 0; m < w->n_modules; m++)
		for (int ph = 0; ph < 3; ph++) {
			ck_assert(workload_kernels(w, m, 0, w->modules[m].layers, ph, 8, h100(), &a, &err) == 0);
			ck_assert(workload_kernels(w, m, 0, w->modules[m].layers, ph, 8, h100(), &b, &err) == 0);
		}
	ck_assert_int_eq(a.n, b.n);
	for (size_t i = 0; i < a.n; i++) {
		ck_assert_str_eq(a.recs[i].u.kernel.name, b.recs[i].u.kernel.name);
		ck_assert_int_eq(a.recs[i].u.kernel.start_ns, b.recs[i].u.kernel.start_ns);
		ck_assert_int_eq(a.recs[i].u.kernel.end_ns, b.recs[i].u.kernel.end_ns);
		ck_assert_int_eq(a.recs[i].u.kernel.grid_x, b.recs[i].u.kernel.grid_x);
	}
	trace_mem_release(&a), trace_mem_release(&b);
	workload_free(w);
}
END_TEST

START_TEST(bad_kernel_requests_are_refused)
{
	struct workload *w = load_str_ok(tiny);
	struct trace_mem t;
	struct mo_err err;

	trace_mem_init(&t);
	ck_assert_int_eq(workload_kernels(w, 5, 0, 1, WORKLOAD_FWD, 1, h100(), &t, &err), -MO_EUSAGE);
	ck_assert_int_eq(workload_kernels(w, 0, 0, 2, WORKLOAD_FWD, 1, h100(), &t, &err), -MO_EUSAGE);
	ck_assert_int_eq(workload_kernels(w, 0, 0, 1, 7, 1, h100(), &t, &err), -MO_EUSAGE);
	ck_assert_int_eq(workload_kernels(w, 0, 0, 1, WORKLOAD_FWD, 0, h100(), &t, &err), -MO_EUSAGE);
	ck_assert_int_eq(t.n, 0);
	trace_mem_release(&t);
	workload_free(w);
}
END_TEST


/* ---- the optimizer step (workloads/optimizer.c) ---- */

struct opt_count {
	int kernels, per_name[8];
	const char *names[8];
	int64_t elems, first_elems;
	const struct model_gpu *gpu; /* when set: ns sums the kernels' predicted times */
	int64_t ns;
};

static int count_opt(void *vctx, const struct wl_op *op)
{
	struct opt_count *c = vctx;
	int i = 0;

	if (!c->kernels)
		c->first_elems = op->op.m;
	c->kernels++;
	c->elems += op->op.m;
	if (c->gpu)
		c->ns += model_op_ns(c->gpu, &op->op, c->gpu->sms);
	while (i < 7 && c->names[i] && strcmp(c->names[i], op->name))
		i++;
	c->names[i] = op->name;
	c->per_name[i]++;
	return 0;
}

/* torchvision's VGG13: ten 3x3 convolutions and three linear layers, each
 * weight and bias (26 tensors, 133,047,848 parameters). */
static size_t vgg13(int64_t *t)
{
	static const int conv[][2] = {{3, 64}, {64, 64}, {64, 128}, {128, 128}, {128, 256},
				      {256, 256}, {256, 512}, {512, 512}, {512, 512}, {512, 512}};
	static const int fc[][2] = {{25088, 4096}, {4096, 4096}, {4096, 1000}};
	size_t n = 0;

	for (int i = 0; i < 10; i++)
		t[n++] = 9LL * conv[i][0] * conv[i][1], t[n++] = conv[i][1];
	for (int i = 0; i < 3; i++)
		t[n++] = (int64_t)fc[i][0] * fc[i][1], t[n++] = fc[i][1];
	return n;
}

/* The measured VGG13 H100 trace (torch 2.1, Adam foreach, 4 KB arguments):
 * 7 ops with kernels, 7 multi_tensor_apply launches each (49), 3552 us of
 * GPU time, and 424 CPU operators and 804 Python calls in Optimizer.step.  With 32 KB
 * arguments (current PyTorch) one launch an op; fused: the step counters'
 * add and one kernel per 320 chunks; the for-loop 7 kernels a tensor. */
START_TEST(adam_launches_what_the_measured_vgg13_step_launched)
{
	int64_t t[26];
	size_t n = vgg13(t);
	struct workload_optimizer o = {.kind = WORKLOAD_OPT_ADAM, .args_kb = 4};
	struct opt_count c = {.gpu = h100()};
	struct wl_host_activity a;

	ck_assert_int_eq(wl_opt_step(&o, MODEL_FP32, t, n, 1, count_opt, &c, &a), 0);
	ck_assert_int_eq(c.kernels, 49);
	/* their GPU time: 3552 us measured; the test's bound 60 % */
	ck_assert_msg(c.ns > 0.4 * 3552e3 && c.ns < 1.6 * 3552e3, "predicted %lld ns", (long long)c.ns);
	fprintf(stderr, "vgg13 adam foreach (4 KB): 49 kernels, %lld ns predicted on an H100\n", (long long)c.ns);
	for (int i = 0; i < 7; i++)
		ck_assert_int_eq(c.per_name[i], 7);
	ck_assert_int_eq(c.elems, 7 * 133047848LL);
	ck_assert_int_eq((int)a.launches, 49);
	ck_assert_int_eq((int)lround(a.ops), 424);
	ck_assert_int_eq((int)lround(a.pycalls), 804);
	o.args_kb = 32;
	memset(&c, 0, sizeof c);
	wl_opt_step(&o, MODEL_FP32, t, n, 1, count_opt, &c, NULL);
	ck_assert_int_eq(c.kernels, 7);
	o.impl = WORKLOAD_OPT_FUSED, o.args_kb = 4;
	memset(&c, 0, sizeof c);
	wl_opt_step(&o, MODEL_FP32, t, n, 1, count_opt, &c, NULL);
	ck_assert_int_eq(c.kernels, 1 + 7); /* 26 step counters; 2050 chunks / 320 */
	o.impl = WORKLOAD_OPT_FORLOOP;
	memset(&c, 0, sizeof c);
	wl_opt_step(&o, MODEL_FP32, t, n, 1, count_opt, &c, &a);
	ck_assert_int_eq(c.kernels, 7 * 26);
	ck_assert_int_eq((int)a.ops, 10 * 26);
}
END_TEST

/* ResNet-50's 161 tensors (params.c, torchvision's order): SGD with
 * momentum in a loop launches 3 kernels a tensor (the kineto V100 trace:
 * 483); foreach, 3 ops of 3 launches (the HTA traces: 9 kernels, 486 CPU
 * operators); the first _foreach_mul_ launch holds 180 chunks (its grid). */
START_TEST(sgd_launches_what_the_measured_resnet50_steps_launched)
{
	struct workload *w = load_ok("workloads/train/resnet50-sgd-v100.json");
	struct opt_count c = {0};
	struct wl_host_activity a;

	ck_assert_int_eq(w->modules[0].params, 25557032);
	ck_assert_int_eq(wl_opt_ops(w, 0, 0, w->modules[0].layers, count_opt, &c, &a), 0);
	ck_assert_int_eq(c.kernels, 483);
	ck_assert_int_eq((int)a.ops, 483);
	w->optimizer.impl = WORKLOAD_OPT_FOREACH;
	memset(&c, 0, sizeof c);
	wl_opt_ops(w, 0, 0, w->modules[0].layers, count_opt, &c, &a);
	ck_assert_int_eq(c.kernels, 9);
	ck_assert_str_eq(c.names[0], "sgd:mul_momentum");
	ck_assert_int_eq(c.per_name[0], 3);
	ck_assert_int_eq(c.per_name[1], 3);
	ck_assert_int_eq(c.per_name[2], 3);
	ck_assert_int_le(c.first_elems, 180LL * 65536);
	ck_assert_int_gt(c.first_elems, 179LL * 65536 / 2);
	ck_assert_int_eq((int)a.ops, 486);
	/* clipping adds a norm and a scaling per launch group and 7 small kernels */
	w->optimizer.clip = 1;
	memset(&c, 0, sizeof c);
	wl_opt_ops(w, 0, 0, w->modules[0].layers, count_opt, &c, NULL);
	ck_assert_int_eq(c.kernels, 9 + 3 + 7 + 3);
	/* a later layer range has no once-a-step kernels */
	memset(&c, 0, sizeof c);
	wl_opt_ops(w, 0, 1, 2, count_opt, &c, NULL);
	ck_assert_int_eq(c.kernels, 5 * 1);
	workload_free(w);
}
END_TEST

/* Without "optimizer" a spec steps PyTorch's default: Adam foreach with
 * 32 KB arguments after clip_grad_norm_; the host pays the step's counted
 * activity per kernel, more than an elementwise launch. */
START_TEST(the_default_optimizer_is_pytorchs_and_costs_its_activity)
{
	struct workload *w = load_str_ok(tiny);
	struct model_host eager;
	struct opt_count c = {0};

	ck_assert_int_eq(w->optimizer.kind, WORKLOAD_OPT_ADAM);
	ck_assert_int_eq(w->optimizer.impl, WORKLOAD_OPT_FOREACH);
	ck_assert_int_eq(w->optimizer.args_kb, 32);
	ck_assert_int_eq(w->optimizer.clip, 1);
	wl_opt_ops(w, 0, 0, w->modules[0].layers, count_opt, &c, NULL);
	ck_assert_int_eq(c.kernels, 1 + 7 + 1 + 7);
	model_host_init(&eager, MODEL_LAUNCH_EAGER);
	ck_assert_int_gt(workload_host_kernel_ns(w, 0, WORKLOAD_OPT, &eager, TRACE_CLASS_ELEMENTWISE),
			 MODEL_HOST_ELEMENTWISE_NS);
	workload_free(w);
}
END_TEST

/* ---- the host's CPU time per kernel ---- */

/* BERT-small (4 layers) by hand from workloads/host-inventory.c: launches
 * 4 x 12 + 13 = 61, CPU operators 4 x 103 + 56 = 468, Python calls
 * 4 x 209 + 250 = 1086, kernels 4 x 12 + 12 = 60: (61 x 12360 + 468 x 3330 +
 * 1086 x 1240) / 60 = 3659040 / 60 = 60984 ns a forward kernel. */
START_TEST(a_hugging_face_layer_costs_the_host_its_counted_activity)
{
	struct workload *w = load_ok("workloads/eager/bert-small.json"), *t = load_str_ok(tiny);
	struct model_host eager, graphs;

	model_host_init(&eager, MODEL_LAUNCH_EAGER);
	model_host_init(&graphs, MODEL_LAUNCH_GRAPHS);
	ck_assert_int_eq(workload_host_kernel_ns(w, 0, WORKLOAD_FWD, &eager, TRACE_CLASS_GEMM), 60984);
	ck_assert_int_eq(workload_host_kernel_ns(w, 0, WORKLOAD_FWD, &eager, TRACE_CLASS_ELEMENTWISE),
			 60984);
	/* a backward kernel, of any module: 12360 + 2.44 x 3330 = 20485.2 ns;
	 * fused modules' forwards keep the class constants */
	ck_assert_int_eq(workload_host_kernel_ns(w, 0, WORKLOAD_BWD, &eager, TRACE_CLASS_GEMM), 20485);
	ck_assert_int_eq(workload_host_kernel_ns(t, 0, WORKLOAD_BWD, &eager, TRACE_CLASS_REDUCTION),
			 20485);
	ck_assert_int_eq(workload_host_kernel_ns(w, 0, WORKLOAD_OPT, &eager, TRACE_CLASS_ELEMENTWISE),
			 MODEL_HOST_ELEMENTWISE_NS);
	ck_assert_int_eq(workload_host_kernel_ns(t, 0, WORKLOAD_FWD, &eager, TRACE_CLASS_REDUCTION),
			 MODEL_HOST_REDUCTION_NS);
	ck_assert_int_eq(workload_host_kernel_ns(w, 0, WORKLOAD_FWD, &graphs, TRACE_CLASS_GEMM), 0);
	/* a graph executor: every phase's kernels cost the backward's 20485 ns,
	 * the counted Python of the Hugging Face layer and optimizer none */
	model_host_init(&graphs, MODEL_LAUNCH_EXECUTOR);
	for (int ph = WORKLOAD_FWD; ph <= WORKLOAD_OPT; ph++)
		ck_assert_int_eq(workload_host_kernel_ns(w, 0, ph, &graphs, TRACE_CLASS_GEMM), 20485);
	/* the optimizer step too (the simulator's and the synthesiser's paths):
	 * 20485 ns a kernel, none of optimizer.c's counted Python or foreach ops */
	{
		struct workload *r = load_ok("workloads/train/resnet50-sgd-foreach-a100.json");
		int64_t opt = workload_host_opt_ns(r, 0, 0, r->modules[0].layers, &graphs);
		ck_assert_int_eq(workload_host_opt_kernel_ns(r, 0, &graphs), 20485);
		ck_assert(opt > 0 && opt % 20485 == 0);
		workload_free(r);
	}
	workload_free(w);
	workload_free(t);
}
END_TEST

/* One rule for a kernel's CPU time (workload_host_record_ns): a kernel
 * cuDNN launches inside a convolution's call costs its cudaLaunchKernel
 * call, 4500 ns (0 under graphs); any other kernel what
 * workload_host_kernel_ns gives its class (a fused module's forward GEMM:
 * 30600 ns).  The host is the workload's "cpu": the A100 traces' host costs
 * a backward kernel 33520 + 2.44 x 6350 = 49014 ns. */
START_TEST(a_kernel_a_library_launches_costs_its_launch_call)
{
	struct workload *t = load_str_ok(tiny);
	struct workload *a = load_str_ok("{\"name\":\"x\",\"batch\":1,\"cluster\":{\"cpu\":"
					 "\"a100-traces\"},\"modules\":[" MOD "]}");
	struct trace_kernel k = {.name = "cudnn:nchw_to_nhwc", .kclass = TRACE_CLASS_MEMORY};
	struct trace_kernel g = {.name = "gemm", .kclass = TRACE_CLASS_GEMM};
	struct model_host eager, graphs;

	model_host_init(&eager, MODEL_LAUNCH_EAGER);
	model_host_init(&graphs, MODEL_LAUNCH_GRAPHS);
	ck_assert_int_eq(workload_host_record_ns(t, 0, WORKLOAD_FWD, &eager, &k), 4500);
	ck_assert_int_eq(workload_host_record_ns(t, 0, WORKLOAD_BWD, &eager, &k), 4500);
	ck_assert_int_eq(workload_host_record_ns(t, 0, WORKLOAD_FWD, &graphs, &k), 0);
	ck_assert_int_eq(workload_host_record_ns(t, 0, WORKLOAD_FWD, &eager, &g), MODEL_HOST_GEMM_NS);
	ck_assert_int_eq(t->host_cpu, MODEL_HOST_CPU_H100_TRACES);
	ck_assert_int_eq(a->host_cpu, MODEL_HOST_CPU_A100_TRACES);
	model_host_init_cpu(&eager, MODEL_LAUNCH_EAGER, a->host_cpu);
	ck_assert_int_eq(workload_host_record_ns(a, 0, WORKLOAD_BWD, &eager, &g), 49014);
	workload_free(t);
	workload_free(a);
}
END_TEST

/* Launched by one eager thread, every kernel follows its API call and
 * starts no earlier than the thread has spent every earlier kernel's CPU
 * time and its own; under graphs the thread spends one graph launch per
 * module and phase of a microbatch (5 here: 2 x forward, 2 x backward, the
 * optimizer), so the iteration lasts at least the back-to-back one plus one
 * graph launch and at most plus five. */
START_TEST(a_launched_iteration_waits_for_its_host_thread)
{
	struct workload *w = load_str_ok(tiny);
	struct workload_synth_stats plain, st;
	struct model_host h;
	struct trace_mem t;
	struct trace_sink sink;
	struct mo_err err;
	int64_t clock = 0, prev_end = 0, calls = 0, kernels = 0, call_end = -1, corr = -1;

	trace_mem_init(&t);
	sink = trace_sink_mem(&t);
	ck_assert(workload_synth_iteration(w, h100(), &sink, &plain, &err) == 0);
	trace_mem_release(&t);
	model_host_init(&h, MODEL_LAUNCH_EAGER);
	trace_mem_init(&t);
	sink = trace_sink_mem(&t);
	ck_assert_msg(workload_synth_iteration_host(w, h100(), &h, &sink, &st, &err) == 0, "%s",
		      err.msg);
	for (size_t i = 0; i < t.n; i++) {
		const struct trace_record *r = &t.recs[i];
		if (r->kind == TRACE_KIND_API_CALL) {
			calls++;
			call_end = r->u.api_call.end_ns;
			corr = r->u.api_call.correlation;
		} else if (r->kind == TRACE_KIND_KERNEL) {
			const struct trace_kernel *k = &r->u.kernel;
			kernels++;
			clock += workload_host_kernel_ns(w, 0, (int)k->phase, &h, (int)k->kclass);
			ck_assert_int_eq(call_end, clock);
			ck_assert_int_eq(corr, k->correlation);
			ck_assert_int_eq(k->start_ns, clock > prev_end ? clock : prev_end);
			prev_end = k->end_ns;
		}
	}
	ck_assert_int_eq(calls, kernels);
	ck_assert_int_eq(kernels, plain.kernels);
	ck_assert_int_eq(st.iter_ns, prev_end);
	ck_assert_int_ge(st.iter_ns, clock);
	trace_mem_release(&t);

	model_host_init(&h, MODEL_LAUNCH_GRAPHS);
	trace_mem_init(&t);
	sink = trace_sink_mem(&t);
	ck_assert(workload_synth_iteration_host(w, h100(), &h, &sink, &st, &err) == 0);
	ck_assert_int_ge(st.iter_ns, plain.iter_ns + MODEL_HOST_GRAPH_LAUNCH_NS);
	ck_assert_int_le(st.iter_ns, plain.iter_ns + 5 * MODEL_HOST_GRAPH_LAUNCH_NS);
	trace_mem_release(&t);
	workload_free(w);
}
END_TEST

/* ---- one iteration ---- */

static void check_problem(void *ctx, const char *problem)
{
	fprintf(stderr, "trace problem: %s\n", problem);
	(*(int *)ctx)++;
}

START_TEST(an_iteration_runs_every_microbatch_then_the_optimizer_and_passes_the_checker)
{
	struct workload *w = load_str_ok(tiny);
	struct workload_synth_stats st;
	struct trace_mem t, f, b, o;
	struct trace_sink sink;
	struct trace_check *c;
	struct mo_err err;
	int problems = 0;

	trace_mem_init(&t), trace_mem_init(&f), trace_mem_init(&b), trace_mem_init(&o);
	sink = trace_sink_mem(&t);
	ck_assert_msg(workload_synth_iteration(w, h100(), &sink, &st, &err) == 0, "%s", err.msg);
	ck_assert(workload_kernels(w, 0, 0, 1, WORKLOAD_FWD, 2, h100(), &f, &err) == 0);
	ck_assert(workload_kernels(w, 0, 0, 1, WORKLOAD_BWD, 2, h100(), &b, &err) == 0);
	ck_assert(workload_kernels(w, 0, 0, 1, WORKLOAD_OPT, 2, h100(), &o, &err) == 0);
	ck_assert_int_eq(st.microbatches, 2);
	ck_assert_int_eq(st.kernels, (int64_t)(2 * (f.n + b.n) + o.n));
	ck_assert_int_eq(st.fwd_ns, 2 * f.recs[f.n - 1].u.kernel.end_ns);
	ck_assert_int_eq(st.bwd_ns, 2 * b.recs[b.n - 1].u.kernel.end_ns);
	ck_assert_int_eq(st.opt_ns, o.recs[o.n - 1].u.kernel.end_ns);
	ck_assert_int_eq(st.iter_ns, st.fwd_ns + st.bwd_ns + st.opt_ns);
	ck_assert_int_eq(t.header.source, TRACE_SOURCE_SIMULATED);
	c = trace_check_new(&t.header);
	for (size_t i = 0; i < t.n; i++)
		trace_check_add(c, &t.recs[i], i);
	ck_assert_int_eq(trace_check_finish(c, check_problem, &problems), 0);
	trace_check_free(c);
	trace_mem_release(&t), trace_mem_release(&f), trace_mem_release(&b), trace_mem_release(&o);
	workload_free(w);
}
END_TEST

/* Predicted single-GPU iteration times of the reference LLM configurations:
 * printed (they are compared with measurements kept aside), and checked for
 * sanity only: backward slower than forward, the iteration the sum. */
START_TEST(reference_llm_iterations_are_predicted_on_h100_and_a100)
{
	static const char *const gpus[] = {"h100", "a100-80gb-sxm"};
	struct mo_err err;

	for (size_t i = 0; i < sizeof llms / sizeof llms[0]; i++)
		for (int g = 0; g < 2; g++) {
			struct workload *w = load_ok(llms[i].path);
			const struct model_gpu *gpu = model_gpu_find(gpus[g], &err);
			struct workload_synth_stats st;
			struct trace_mem t;
			struct trace_sink sink;

			ck_assert_ptr_nonnull(gpu);
			trace_mem_init(&t);
			sink = trace_sink_mem(&t);
			ck_assert(workload_synth_iteration(w, gpu, &sink, &st, &err) == 0);
			printf("predicted %-12s on %-14s batch %3d: iteration %8.1f ms (fwd %.1f, bwd %.1f, opt %.1f)\n",
			       w->name, gpu->short_name, w->batch, st.iter_ns / 1e6, st.fwd_ns / 1e6,
			       st.bwd_ns / 1e6, st.opt_ns / 1e6);
			ck_assert_int_gt(st.bwd_ns, st.fwd_ns);
			ck_assert_int_eq(st.iter_ns, st.fwd_ns + st.bwd_ns + st.opt_ns);
			trace_mem_release(&t);
			workload_free(w);
		}
}
END_TEST

/* ---- modules from traces ---- */

static void put_def(struct trace_mem *t, int kind, int id, const char *name)
{
	struct trace_record r;
	struct mo_err err;
	trace_record_init(&r, kind);
	if (kind == TRACE_KIND_MODULE)
		r.u.module.id = id, r.u.module.name = name;
	else
		r.u.phase.id = id, r.u.phase.name = name;
	ck_assert(trace_mem_add(t, &r, &err) == 0);
}

static void put_kernel(struct trace_mem *t, int module, int phase, int mb, int64_t start,
		       int64_t dur, const char *name)
{
	struct trace_record r;
	struct mo_err err;
	trace_record_init(&r, TRACE_KIND_KERNEL);
	r.u.kernel.module = module, r.u.kernel.phase = phase, r.u.kernel.microbatch = mb;
	r.u.kernel.start_ns = start, r.u.kernel.end_ns = start + dur;
	r.u.kernel.device = 0, r.u.kernel.stream = 7, r.u.kernel.name = name;
	r.u.kernel.grid_x = 132, r.u.kernel.block_x = 256, r.u.kernel.flops = 1000;
	ck_assert(trace_mem_add(t, &r, &err) == 0);
}

/* A new directory dir (a mkdtemp template), path = dir/v.mtr, and an empty
 * trace t with an H100 header. */
static void new_h100_trace(struct trace_mem *t, char *dir, char *path, size_t cap)
{
	struct trace_header h;
	struct mo_err err;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, cap, "%s/v.mtr", dir);
	trace_mem_init(t);
	trace_header_init(&h);
	h.producer = "test", h.gpu_name = "NVIDIA H100 80GB HBM3", h.gpu_sms = 132;
	ck_assert(trace_mem_set_header(t, &h, &err) == 0);
}

START_TEST(a_module_can_come_from_a_recorded_trace)
{
	char dir[] = "/tmp/mosaic-wl-XXXXXX", path[256], spec[1024];
	struct trace_mem t, out;
	struct workload *w;
	struct mo_err err;

	new_h100_trace(&t, dir, path, sizeof path);
	put_def(&t, TRACE_KIND_MODULE, 3, "visual");
	put_def(&t, TRACE_KIND_MODULE, 4, "other");
	put_def(&t, TRACE_KIND_PHASE, 0, "forward");
	put_def(&t, TRACE_KIND_PHASE, 1, "backward");
	put_kernel(&t, 3, 0, 0, 100, 1000, "k1");
	put_kernel(&t, 4, 0, 0, 1200, 500, "other module");
	put_kernel(&t, 3, 0, 0, 2000, 3000, "k2");
	put_kernel(&t, 3, 1, 0, 6000, 4000, "k1 bwd");
	put_kernel(&t, 3, 0, 1, 9000, 1000, "next microbatch");
	ck_assert_msg(trace_mem_save(&t, path, &err) == 0, "%s", err.msg);
	trace_mem_release(&t);

	snprintf(spec, sizeof spec,
		 "{\"name\":\"t\",\"batch\":8,\"microbatch\":4,\"modules\":[{\"name\":\"vision\","
		 "\"kind\":\"encoder\",\"trace\":\"v.mtr\",\"trace_module\":\"visual\","
		 "\"trace_samples\":2,\"params\":1234}]}");
	snprintf(path, sizeof path, "%s/spec.json", dir);
	ck_assert_msg(workload_load_string(spec, path, &w, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(w->modules[0].arch, WORKLOAD_ARCH_TRACE);
	ck_assert_int_eq(w->modules[0].layers, 1);
	ck_assert_int_eq(w->modules[0].params, 1234);
	trace_mem_init(&out);
	ck_assert(workload_kernels(w, 0, 0, 1, WORKLOAD_FWD, 4, NULL, &out, &err) == 0);
	ck_assert_int_eq(out.n, 2); /* k1 and k2 of microbatch 0 of module "visual" */
	ck_assert_str_eq(out.recs[0].u.kernel.name, "k1");
	ck_assert_int_eq(out.recs[0].u.kernel.start_ns, 0);
	/* 132 blocks of 256 threads fill less than one wave of the H100 (132 SMs
	 * x 8 resident blocks) at 2 samples and at 4: the time stays */
	ck_assert_int_eq(out.recs[0].u.kernel.end_ns, 1000);
	ck_assert_int_eq(out.recs[1].u.kernel.start_ns, 1000);
	ck_assert_int_eq(out.recs[1].u.kernel.end_ns, 4000);
	ck_assert_int_eq(out.recs[1].u.kernel.module, 0);
	ck_assert_int_eq(out.recs[1].u.kernel.stream, 0);
	ck_assert_int_eq(out.recs[1].u.kernel.grid_x, 132);
	trace_mem_release(&out);
	trace_mem_init(&out);
	ck_assert(workload_kernels(w, 0, 0, 1, WORKLOAD_BWD, 2, NULL, &out, &err) == 0);
	ck_assert_int_eq(out.n, 1);
	ck_assert_int_eq(out.recs[0].u.kernel.end_ns, 4000);
	ck_assert_int_eq(out.recs[0].u.kernel.phase, WORKLOAD_BWD);
	trace_mem_release(&out);
	workload_free(w);

	/* a module name the trace does not have */
	snprintf(spec, sizeof spec,
		 "{\"name\":\"t\",\"batch\":1,\"modules\":[{\"name\":\"v\",\"kind\":\"encoder\","
		 "\"trace\":\"v.mtr\",\"trace_module\":\"nope\"}]}");
	ck_assert_int_eq(workload_load_string(spec, path, &w, &err), -MO_EINPUT);
	ck_assert_ptr_nonnull(strstr(err.msg, "has no module 'nope'"));
	snprintf(path, sizeof path, "%s/v.mtr", dir);
	unlink(path);
	rmdir(dir);
}
END_TEST

START_TEST(repeated_forward_passes_keep_the_first_and_are_warned_about)
{
	char dir[] = "/tmp/mosaic-wl-XXXXXX", path[256], spec[1024];
	struct trace_mem t, out;
	struct workload *w;
	struct mo_err err;

	new_h100_trace(&t, dir, path, sizeof path);
	put_def(&t, TRACE_KIND_MODULE, 3, "visual");
	put_def(&t, TRACE_KIND_MODULE, 4, "text");
	put_def(&t, TRACE_KIND_PHASE, 0, "forward");
	/* an inference loop: three passes of visual (a, b) then text (c), no
	 * microbatch or step attribution, no backward */
	for (int pass = 0; pass < 3; pass++) {
		put_kernel(&t, 3, 0, -1, 10000 * pass, 1000, "a");
		put_kernel(&t, 3, 0, -1, 10000 * pass + 1000, 2000, "b");
		put_kernel(&t, 4, 0, -1, 10000 * pass + 3000, 500, "c");
	}
	ck_assert_msg(trace_mem_save(&t, path, &err) == 0, "%s", err.msg);
	trace_mem_release(&t);
	snprintf(spec, sizeof spec,
		 "{\"name\":\"t\",\"batch\":2,\"microbatch\":1,\"modules\":[{\"name\":\"vision\","
		 "\"kind\":\"encoder\",\"trace\":\"v.mtr\",\"trace_module\":\"visual\","
		 "\"trace_samples\":1}]}");
	snprintf(path, sizeof path, "%s/spec.json", dir);
	ck_assert_msg(workload_load_string(spec, path, &w, &err) == 0, "%s", err.msg);
	trace_mem_init(&out);
	ck_assert(workload_kernels(w, 0, 0, 1, WORKLOAD_FWD, 1, NULL, &out, &err) == 0);
	ck_assert_int_eq(out.n, 2); /* one pass: a and b, 3 us (was 6 kernels, 9 us) */
	ck_assert_int_eq(out.recs[1].u.kernel.end_ns, 3000);
	trace_mem_release(&out);
	ck_assert_int_eq(w->n_warnings, 3);
	ck_assert_ptr_nonnull(strstr(w->warnings[0], "3 forward passes in one step"));
	ck_assert_ptr_nonnull(strstr(w->warnings[1], "no backward kernels"));
	ck_assert_ptr_nonnull(strstr(w->warnings[2], "no \"params\""));
	workload_free(w);
	snprintf(path, sizeof path, "%s/v.mtr", dir);
	unlink(path);
	rmdir(dir);
}
END_TEST

/* One kernel of module 3, forward, with grid_x blocks of 256 threads (8
 * resident per H100 SM: 1056 blocks a wave), or no launch facts (grid 0). */
static void put_grid_kernel(struct trace_mem *t, int64_t start, int64_t grid, const char *name)
{
	struct trace_record r;
	struct mo_err err;

	trace_record_init(&r, TRACE_KIND_KERNEL);
	r.u.kernel.module = 3, r.u.kernel.phase = 0, r.u.kernel.microbatch = 0;
	r.u.kernel.start_ns = start, r.u.kernel.end_ns = start + 1000;
	r.u.kernel.device = 0, r.u.kernel.stream = 7, r.u.kernel.name = name;
	r.u.kernel.grid_x = grid, r.u.kernel.grid_y = grid ? 1 : 0, r.u.kernel.grid_z = grid ? 1 : 0;
	r.u.kernel.block_x = grid ? 256 : 0, r.u.kernel.block_y = grid ? 1 : 0;
	r.u.kernel.block_z = grid ? 1 : 0;
	ck_assert(trace_mem_add(t, &r, &err) == 0);
}

START_TEST(trace_kernels_scale_with_their_waves_not_a_flat_factor)
{
	char dir[] = "/tmp/mosaic-wl-XXXXXX", path[256], spec[1024];
	struct trace_mem t, out;
	struct workload *w;
	struct mo_err err;
	/* at 2x the samples: 10 waves -> 20 (2x), one full wave -> 2, a
	 * quarter wave -> half a wave (the same time), no launch -> linear */
	static const int64_t grid[4] = {10560, 1056, 264, 0}, want[4] = {2000, 2000, 1000, 2000};

	new_h100_trace(&t, dir, path, sizeof path);
	put_def(&t, TRACE_KIND_MODULE, 3, "m");
	put_def(&t, TRACE_KIND_PHASE, 0, "forward");
	for (int i = 0; i < 4; i++)
		put_grid_kernel(&t, 2000 * i, grid[i], "k");
	ck_assert_msg(trace_mem_save(&t, path, &err) == 0, "%s", err.msg);
	trace_mem_release(&t);
	snprintf(spec, sizeof spec,
		 "{\"name\":\"t\",\"batch\":4,\"microbatch\":2,\"modules\":[{\"name\":\"m\","
		 "\"kind\":\"encoder\",\"trace\":\"v.mtr\",\"trace_module\":\"m\","
		 "\"trace_samples\":1}]}");
	snprintf(path, sizeof path, "%s/spec.json", dir);
	ck_assert_msg(workload_load_string(spec, path, &w, &err) == 0, "%s", err.msg);
	trace_mem_init(&out);
	ck_assert(workload_kernels(w, 0, 0, 1, WORKLOAD_FWD, 2, NULL, &out, &err) == 0);
	ck_assert_int_eq(out.n, 4);
	for (int i = 0; i < 4; i++)
		ck_assert_msg(out.recs[i].u.kernel.end_ns - out.recs[i].u.kernel.start_ns == want[i],
			      "grid %lld: %lld ns", (long long)grid[i],
			      (long long)(out.recs[i].u.kernel.end_ns - out.recs[i].u.kernel.start_ns));
	trace_mem_release(&out);
	workload_free(w);
	snprintf(path, sizeof path, "%s/v.mtr", dir);
	unlink(path);
	rmdir(dir);
}
END_TEST

/* A kernel of module `module` (-1 none) in phase with grid blocks. */
static void put_phase_kernel(struct trace_mem *t, int module, int phase, int64_t start,
			     int64_t grid, const char *name)
{
	put_kernel(t, module, phase, 0, start, 1000, name);
	t->recs[t->n - 1].u.kernel.grid_x = grid;
	t->recs[t->n - 1].u.kernel.grid_y = t->recs[t->n - 1].u.kernel.grid_z = 1;
}

/* A discovery test's trace: new_h100_trace with modules 1..n named names[]
 * and phases 0 forward and 1 backward defined. */
static void discovery_trace(struct trace_mem *t, char *dir, char *path, size_t cap,
			    const char *const names[], int n)
{
	new_h100_trace(t, dir, path, cap);
	for (int i = 0; i < n; i++)
		put_def(t, TRACE_KIND_MODULE, i + 1, names[i]);
	put_def(t, TRACE_KIND_PHASE, 0, "forward");
	put_def(t, TRACE_KIND_PHASE, 1, "backward");
}

/* Save t to path, release it, discover path into d (asserted to succeed). */
static void discover_saved(struct trace_mem *t, const char *path, struct workload_discovery *d)
{
	const char *paths[1] = {path};
	struct mo_err err;

	ck_assert_msg(trace_mem_save(t, path, &err) == 0, "%s", err.msg);
	trace_mem_release(t);
	ck_assert_msg(workload_discover(paths, 1, NULL, d, &err) == 0, "%s", err.msg);
}

START_TEST(discovery_takes_nvtx_modules_merges_small_ones_and_counts_the_unattributed)
{
	static const char *const names[] = {"vision", "pool", "llm"};
	char dir[] = "/tmp/mosaic-wl-XXXXXX", path[256];
	struct trace_mem t;
	struct workload_discovery d;

	discovery_trace(&t, dir, path, sizeof path, names, 3);
	put_def(&t, TRACE_KIND_PHASE, 5, "forward:bottom_mlp"); /* a record_function name */
	for (int i = 0; i < 20; i++) /* 20 us of vision, 40 of the LLM */
		put_phase_kernel(&t, 1, 0, 1000 * i, 1, "v");
	put_phase_kernel(&t, 2, 0, 20000, 1, "pool"); /* 1 kernel: under 2% and 10% */
	for (int i = 0; i < 40; i++)
		put_phase_kernel(&t, 3, 0, 21000 + 1000 * i, 1, "l");
	for (int i = 0; i < 10; i++)
		put_phase_kernel(&t, -1, 5, 61000 + 1000 * i, 1, "mlp");
	put_phase_kernel(&t, -1, -1, 71000, 1, "warm-up"); /* no module, no phase */
	put_kernel(&t, 3, 1, 1, 72000, 1000, "next microbatch's backward");
	discover_saved(&t, path, &d);
	ck_assert_int_eq(d.n_modules, 3);
	ck_assert_str_eq(d.modules[0].name, "vision");
	ck_assert_int_eq(d.modules[0].kernels[WORKLOAD_FWD], 21); /* with pool merged in */
	ck_assert_int_eq(d.modules[0].merged, 1);
	ck_assert_int_eq(d.modules[0].kind, WORKLOAD_KIND_ENCODER);
	ck_assert_str_eq(d.modules[1].name, "llm");
	ck_assert_int_eq(d.modules[1].kind, WORKLOAD_KIND_BACKBONE);
	ck_assert_str_eq(d.modules[2].name, "bottom_mlp");
	ck_assert_int_eq(d.modules[2].kind, WORKLOAD_KIND_DECODER);
	ck_assert_int_eq(d.kernels, 73);
	ck_assert_int_eq(d.unattributed, 1);
	ck_assert_int_eq(d.other_steps, 1);
	ck_assert_int_eq(d.modules[1].params, 0);
	workload_discovery_release(&d);
	unlink(path);
	rmdir(dir);
}
END_TEST

START_TEST(discovery_estimates_parameters_from_the_optimizer_kernels)
{
	static const char *const names[] = {"a", "b"};
	char dir[] = "/tmp/mosaic-wl-XXXXXX", path[256];
	struct trace_mem t;
	struct workload_discovery d;

	discovery_trace(&t, dir, path, sizeof path, names, 2);
	put_def(&t, TRACE_KIND_PHASE, 2, "optimizer");
	for (int i = 0; i < 10; i++) {
		put_phase_kernel(&t, 1, 0, 1000 * i, 1, "fa");
		put_phase_kernel(&t, 2, 0, 10000 + 1000 * i, 1, "fb");
	}
	/* backward: b three times as long as a */
	put_phase_kernel(&t, 2, 1, 20000, 1, "bb");
	put_phase_kernel(&t, 2, 1, 21000, 1, "bb");
	put_phase_kernel(&t, 2, 1, 22000, 1, "bb");
	put_phase_kernel(&t, 1, 1, 23000, 1, "ba");
	/* module a's own fused step: two launches of one kernel, 3 + 2 chunks;
	 * another kind of kernel walking fewer blocks does not add */
	put_phase_kernel(&t, 1, 2, 30000, 3, "multi_tensor_apply_kernel<Adam>");
	put_phase_kernel(&t, 1, 2, 31000, 2, "multi_tensor_apply_kernel<Adam>");
	put_phase_kernel(&t, 1, 2, 32000, 1, "multi_tensor_apply_kernel<Norm>");
	/* outside every module: 8 chunks, shared 1:3 by backward time */
	put_phase_kernel(&t, -1, 2, 33000, 8, "multi_tensor_apply_kernel<Adam>");
	discover_saved(&t, path, &d);
	ck_assert_int_eq(d.n_modules, 2);
	ck_assert_int_eq(d.modules[0].params, 5 * 65536 + 2 * 65536);
	ck_assert_int_eq(d.modules[1].params, 6 * 65536);
	ck_assert(d.modules[0].params_estimated && d.modules[1].params_estimated);
	ck_assert_int_eq(d.modules[0].kernels[WORKLOAD_OPT], 3);
	workload_discovery_release(&d);
	unlink(path);
	rmdir(dir);
}
END_TEST

START_TEST(discovery_cuts_the_nn_module_tree_of_a_kineto_trace_below_its_wrappers)
{
	const char *paths[1] = {"tests/data/kineto/tracelens/gaunernst_bert-small-uncased__1016001.json.gz"};
	struct workload_discovery d;
	struct mo_err err;
	char *json = NULL;
	struct workload_discover_opts o = {.module_depth = 1};

	if (access(paths[0], R_OK)) {
		printf("SKIP discovery on the BERT-small trace: %s absent\n", paths[0]);
		return;
	}
	/* BertLMHeadModel (root) and BertModel (a wrapper) are split; BertEncoder
	 * is a stack of BertLayers; BertModel's own 2 mask kernels (1.8%) join
	 * the embeddings */
	ck_assert_msg(workload_discover(paths, 1, NULL, &d, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(d.n_modules, 3);
	ck_assert_str_eq(d.modules[0].name, "BertEmbeddings_0");
	ck_assert_int_eq(d.modules[0].merged, 1);
	ck_assert_str_eq(d.modules[1].name, "BertEncoder_0");
	ck_assert_int_eq(d.modules[1].kernels[WORKLOAD_FWD], 48);
	ck_assert_str_eq(d.modules[2].name, "BertOnlyMLMHead_0");
	ck_assert_int_eq(d.kernels, 60);
	ck_assert_int_eq(d.unattributed, 0);
	ck_assert_str_eq(d.gpu, "h100");
	ck_assert_int_eq(d.dtype, MODEL_BF16);
	ck_assert(workload_discovery_spec(&d, "bert", "bert.mtr", 1, 8, 8, &json, &err) == 0);
	ck_assert_ptr_nonnull(strstr(json, "\"trace_module\": \"BertEncoder_0\""));
	ck_assert_ptr_nonnull(strstr(json, "\"from\": \"BertEncoder_0\""));
	free(json);
	workload_discovery_release(&d);
	/* a fixed level: BertLMHeadModel's children */
	ck_assert_msg(workload_discover(paths, 1, &o, &d, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(d.n_modules, 2);
	ck_assert_str_eq(d.modules[0].name, "BertModel_0");
	workload_discovery_release(&d);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("workloads");
	TCase *tc = tcase_create("params");
	tcase_add_test(tc, gpt2_large_has_exactly_the_published_774m_parameters);
	tcase_add_loop_test(tc, reference_llms_are_within_two_percent_of_their_published_counts, 0,
			    sizeof llms / sizeof llms[0]);
	tcase_add_loop_test(tc, bundled_specs_and_their_modules_are_within_two_percent_of_published_counts,
			    0, sizeof bundled / sizeof bundled[0]);
	tcase_add_test(tc, ofasys_has_four_modules_and_imagebind_six);
	tcase_add_test(tc, resnet50_bottleneck_formula_gives_its_known_count);
	tcase_add_test(tc, grouped_query_attention_shrinks_kv_projections);
	tcase_add_test(tc, conv_out_dim_projects_the_last_stage_and_sizes_the_edge);
	tcase_add_test(tc, an_fp32_conv_net_pays_cudnn_layout_transposes_on_tensor_core_gpus_only);
	tcase_add_test(tc, a_strided_or_small_1x1_convolution_runs_in_nhwc_with_its_transposes);
	tcase_add_test(tc, a_tensorrt_conv_engine_fuses_batch_norm_relu_and_the_residual_add);
	tcase_add_test(tc, a_tensorrt_bert_engine_fuses_embeddings_skip_layer_norms_and_gelu);
	tcase_add_test(tc, a_convolution_forward_moves_its_tensors_once_not_the_im2col_matrix);
	tcase_add_test(tc, a_convolution_of_three_channels_runs_in_fp32_not_tf32);
	suite_add_tcase(s, tc);

	tc = tcase_create("spec");
	tcase_add_loop_test(tc, bad_specs_are_rejected_with_the_file_and_json_path, 0,
			    sizeof bad / sizeof bad[0]);
	tcase_add_test(tc, a_missing_file_is_bad_input);
	tcase_add_test(tc, defaults_are_filled_in);
	tcase_add_test(tc, spec_dtypes_are_the_synthesisable_ones);
	tcase_add_test(tc, topological_order_puts_sources_first);
	suite_add_tcase(s, tc);

	tc = tcase_create("synth");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, tiny_decoder_forward_has_the_hand_counted_kernels_and_flops);
	tcase_add_test(tc, tiny_decoder_backward_doubles_gemm_work_and_the_optimizer_clips_then_steps);
	tcase_add_test(tc, eager_attention_materialises_scores_softmax_and_dropout);
	tcase_add_test(tc, clip_style_eager_attention_copies_q_k_v_adds_both_masks_and_keeps_the_softmax_dtype);
	tcase_add_test(tc, bert_is_post_norm_with_an_mlm_head);
	tcase_add_test(tc, pytorch_impl_unfuses_rmsnorm_rope_swiglu_and_separate_qkv_is_three_gemms);
	tcase_add_test(tc, frozen_modules_skip_weight_gradients_and_the_optimizer);
	tcase_add_test(tc, memory_counts_adam_state_and_master_weights);
	tcase_add_test(tc, layer_slices_add_up_to_the_whole_module);
	tcase_add_test(tc, synthesis_is_deterministic);
	tcase_add_test(tc, bad_kernel_requests_are_refused);
	tcase_add_test(tc, an_iteration_runs_every_microbatch_then_the_optimizer_and_passes_the_checker);
	tcase_add_test(tc, a_hugging_face_layer_costs_the_host_its_counted_activity);
	tcase_add_test(tc, a_kernel_a_library_launches_costs_its_launch_call);
	tcase_add_test(tc, a_launched_iteration_waits_for_its_host_thread);
	tcase_add_test(tc, adam_launches_what_the_measured_vgg13_step_launched);
	tcase_add_test(tc, sgd_launches_what_the_measured_resnet50_steps_launched);
	tcase_add_test(tc, the_default_optimizer_is_pytorchs_and_costs_its_activity);
	tcase_add_test(tc, reference_llm_iterations_are_predicted_on_h100_and_a100);
	tcase_add_test(tc, a_module_can_come_from_a_recorded_trace);
	tcase_add_test(tc, repeated_forward_passes_keep_the_first_and_are_warned_about);
	tcase_add_test(tc, trace_kernels_scale_with_their_waves_not_a_flat_factor);
	tcase_add_test(tc, discovery_takes_nvtx_modules_merges_small_ones_and_counts_the_unattributed);
	tcase_add_test(tc, discovery_estimates_parameters_from_the_optimizer_kernels);
	tcase_add_test(tc, discovery_cuts_the_nn_module_tree_of_a_kineto_trace_below_its_wrappers);
	suite_add_tcase(s, tc);
	return s;
}
