/*
 * classify.c - the class of a kernel from its name.
 *
 * An ordered table of case-insensitive substrings, first match wins.  The
 * order matters: attention before GEMM (flash kernels are built on CUTLASS),
 * convolution before GEMM (implicit-GEMM convolutions), norms before
 * elementwise ("vectorized_layer_norm_kernel"), copies before elementwise
 * ("elementwise_kernel<... direct_copy_kernel_cuda ...>").  Patterns were
 * chosen on the kernel names of the external Kineto traces (H100, A100,
 * V100) and the NeuSight GEMM kernels; tests/test-model.c checks them.
 *
 * The precision of a tensor-class kernel from its name, the same way: an
 * ordered table of case-insensitive substrings, first match wins.  cuBLAS,
 * cuDNN and CUTLASS spell it in the name: "tf32" (sm80_xmma_gemm_..._tf32f32_,
 * ampere_tf32_s1688gemm_...), "bf16" or "bfloat16" (cutlass::bfloat16_t), FP8
 * ("e4m3", "e5m2", "fp8"), INT8 ("imma", "i8816", "i16832", "i8i8" of
 * TensorRT's xmma names, "int8": the GPU's INT8 tensor peak, int8_tops,
 * from the data sheets; on a GPU without INT8 tensor cores the 16-bit
 * one), 16-bit ("fp16", "f16", "h1688", "h16816", "h884", "hgemm",
 * "hmma", "half"); then the tensor-op shape with the "s" (fp32 in and out)
 * prefix, s1688/s16816 with no 16-bit word (cutlass_80_tensorop_s1688gemm_,
 * TF32 MMAs on sm80; ampere_fp16_s16816gemm_fp16_ is 16-bit, caught above);
 * last FP32 SIMT ("sgemm", "scudnn", "fp32", "f32": "..._f16f32_..." is
 * 16-bit with an FP32 accumulator, caught above).  The synthesiser names
 * its non-16-bit tensor kernels with ":fp32", ":tf32", ":fp8" or ":int8"
 * (workloads/synth.c).
 */
#include "model/model.h"

#include <ctype.h>
#include <string.h>

static const struct {
	const char *pat;
	int cls;
} rules[] = {
	/* communication */
	{ "nccl", TRACE_CLASS_COMM },
	{ "all_reduce", TRACE_CLASS_COMM },
	{ "allreduce", TRACE_CLASS_COMM },
	{ "allgather", TRACE_CLASS_COMM },
	{ "reducescatter", TRACE_CLASS_COMM },
	/* attention */
	{ "flash", TRACE_CLASS_ATTENTION },
	{ "fmha", TRACE_CLASS_ATTENTION },
	{ "sdpa", TRACE_CLASS_ATTENTION },
	{ "attention", TRACE_CLASS_ATTENTION },
	{ "attn", TRACE_CLASS_ATTENTION },
	{ "cutlassF", TRACE_CLASS_ATTENTION },
	{ "cutlassB", TRACE_CLASS_ATTENTION },
	/* convolution (cuDNN, implicit GEMM, winograd, FFT) */
	{ "conv", TRACE_CLASS_CONV },
	{ "scudnn", TRACE_CLASS_CONV },
	{ "fprop", TRACE_CLASS_CONV },
	{ "dgrad", TRACE_CLASS_CONV },
	{ "wgrad", TRACE_CLASS_CONV },
	{ "winograd", TRACE_CLASS_CONV },
	{ "im2col", TRACE_CLASS_CONV },
	{ "fft2d", TRACE_CLASS_CONV },
	{ "cask_cudnn", TRACE_CLASS_CONV },
	{ "cutlass_cudnn", TRACE_CLASS_CONV },
	{ "cudnn::cnn", TRACE_CLASS_CONV },
	/* layout transforms and copies */
	{ "nchwToNhwc", TRACE_CLASS_MEMORY },
	{ "nhwcToNchw", TRACE_CLASS_MEMORY },
	/* GEMM */
	{ "gemm", TRACE_CLASS_GEMM },
	{ "gemv", TRACE_CLASS_GEMM },
	{ "cublas", TRACE_CLASS_GEMM },
	{ "cutlass", TRACE_CLASS_GEMM },
	{ "xmma", TRACE_CLASS_GEMM },
	{ "matmul", TRACE_CLASS_GEMM },
	{ "triton_tem", TRACE_CLASS_GEMM },
	{ "triton_mm", TRACE_CLASS_GEMM },
	{ "dot_kernel", TRACE_CLASS_GEMM },
	{ "magma", TRACE_CLASS_GEMM },
	/* reductions, norms, softmax, losses, pooling */
	{ "normal", TRACE_CLASS_ELEMENTWISE }, /* random normal, not a norm */
	{ "norm", TRACE_CLASS_REDUCTION },
	{ "bn_fw", TRACE_CLASS_REDUCTION },
	{ "bn_bw", TRACE_CLASS_REDUCTION },
	{ "softmax", TRACE_CLASS_REDUCTION },
	{ "reduce", TRACE_CLASS_REDUCTION },
	{ "reduction", TRACE_CLASS_REDUCTION },
	{ "triton_red", TRACE_CLASS_REDUCTION },
	{ "triton_per", TRACE_CLASS_REDUCTION },
	{ "nll_loss", TRACE_CLASS_REDUCTION },
	{ "ClassNLLCriterion", TRACE_CLASS_REDUCTION },
	{ "cross_entropy", TRACE_CLASS_REDUCTION },
	{ "pool", TRACE_CLASS_REDUCTION },
	{ "argmax", TRACE_CLASS_REDUCTION },
	{ "cub::", TRACE_CLASS_REDUCTION },
	/* memory movement */
	{ "copy", TRACE_CLASS_MEMORY },
	{ "memcpy", TRACE_CLASS_MEMORY },
	{ "memset", TRACE_CLASS_MEMORY },
	{ "CatArray", TRACE_CLASS_MEMORY },
	{ "indexSelect", TRACE_CLASS_MEMORY },
	{ "index_elementwise", TRACE_CLASS_MEMORY },
	{ "gather", TRACE_CLASS_MEMORY },
	{ "scatter", TRACE_CLASS_MEMORY },
	{ "embedding", TRACE_CLASS_MEMORY },
	{ "transpose", TRACE_CLASS_MEMORY },
	{ "fill", TRACE_CLASS_MEMORY },
	/* elementwise, optimizers */
	{ "elementwise", TRACE_CLASS_ELEMENTWISE },
	{ "pointwise", TRACE_CLASS_ELEMENTWISE },
	{ "triton_poi", TRACE_CLASS_ELEMENTWISE },
	{ "multi_tensor_apply", TRACE_CLASS_ELEMENTWISE },
	{ "adam", TRACE_CLASS_ELEMENTWISE },
	{ "dropout", TRACE_CLASS_ELEMENTWISE },
	{ "Functor", TRACE_CLASS_ELEMENTWISE },
	{ "relu", TRACE_CLASS_ELEMENTWISE },
	{ "gelu", TRACE_CLASS_ELEMENTWISE },
	{ "silu", TRACE_CLASS_ELEMENTWISE },
	{ "sigmoid", TRACE_CLASS_ELEMENTWISE },
	{ "tanh", TRACE_CLASS_ELEMENTWISE },
	{ "scalePackedTensor", TRACE_CLASS_ELEMENTWISE },
	{ "rope", TRACE_CLASS_ELEMENTWISE },
	{ "rotary", TRACE_CLASS_ELEMENTWISE },
};

static void lower(char *dst, size_t size, const char *src)
{
	size_t i;

	for (i = 0; i + 1 < size && src[i]; i++)
		dst[i] = (char)tolower((unsigned char)src[i]);
	dst[i] = '\0';
}

int model_classify(const struct trace_kernel *k)
{
	char name[2048], pat[64];

	lower(name, sizeof(name), k && k->name ? k->name : "");
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		lower(pat, sizeof(pat), rules[i].pat);
		if (strstr(name, pat))
			return rules[i].cls;
	}
	return TRACE_CLASS_UNKNOWN;
}

static const struct {
	const char *pat;
	int dtype;
} precisions[] = {
	{ "tf32", MODEL_TF32 },   { "bf16", MODEL_BF16 },   { "bfloat16", MODEL_BF16 },
	{ "e4m3", MODEL_FP8 },    { "e5m2", MODEL_FP8 },    { "fp8", MODEL_FP8 },
	{ "imma", MODEL_INT8 },   { "i8816", MODEL_INT8 },  { "i16832", MODEL_INT8 },
	{ "i8i8", MODEL_INT8 },   { "int8", MODEL_INT8 },
	{ "fp16", MODEL_FP16 },   { "f16", MODEL_FP16 },    { "h1688", MODEL_FP16 },
	{ "h16816", MODEL_FP16 }, { "h884", MODEL_FP16 },   { "hgemm", MODEL_FP16 },
	{ "hmma", MODEL_FP16 },
	{ "half", MODEL_FP16 },   { "s1688", MODEL_TF32 },  { "s16816", MODEL_TF32 },
	{ "sgemm", MODEL_FP32 },  { "scudnn", MODEL_FP32 }, { "fp32", MODEL_FP32 },
	{ "f32", MODEL_FP32 },
};

int model_class_tensor(int kclass)
{
	return kclass == TRACE_CLASS_GEMM || kclass == TRACE_CLASS_ATTENTION || kclass == TRACE_CLASS_CONV;
}

int model_kernel_dtype(const char *kernel_name)
{
	char name[2048];

	lower(name, sizeof(name), kernel_name ? kernel_name : "");
	for (size_t i = 0; i < sizeof(precisions) / sizeof(precisions[0]); i++)
		if (strstr(name, precisions[i].pat))
			return precisions[i].dtype;
	return -1;
}
