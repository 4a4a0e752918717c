/* test-model.c - the performance model (model/). */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/common/check-main.h"
#include "tests/common/kernel.h"
#include "model/model.h"

static const struct model_gpu *gpu(const char *name)
{
	struct mo_err err;
	const struct model_gpu *g = model_gpu_find(name, &err);

	ck_assert_msg(g != NULL, "%s", err.msg);
	return g;
}

/* ---- GPU specs ---- */

START_TEST(gpus_are_found_by_short_full_and_trace_names)
{
	static const struct {
		const char *query, *short_name;
	} cases[] = {
		{ "h100", "h100" },
		{ "NVIDIA H100 80GB HBM3", "h100" },
		{ "H100 80GB HBM3", "h100" },
		{ "nvidia h100 pcie", "h100-pcie" },
		{ "NVIDIA H200", "h200" },
		{ "NVIDIA A100 80GB PCIe", "a100-80gb-pcie" },
		{ "NVIDIA A100-PCIE-40GB", "a100-40gb-pcie" },
		{ "NVIDIA A100-SXM4-80GB", "a100-80gb-sxm" },
		{ "NVIDIA A100-PG509-200", "a100-pg509" },
		{ "A100 (PG509-200)", "a100-pg509" },
		{ "Tesla V100-PCIE-32GB", "v100-pcie" },
		{ "Tesla V100-SXM2-32GB", "v100-sxm2" },
		{ "Tesla V100-DGXS-32GB", "v100-dgxs" },
		{ "NVIDIA L4", "l4" },
		{ "Tesla T4", "t4" },
		{ "NVIDIA B200", "b200" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_str_eq(gpu(cases[i].query)->short_name, cases[i].short_name);
}
END_TEST

START_TEST(an_unknown_gpu_is_an_error_listing_the_known_ones)
{
	struct mo_err err;

	mo_err_clear(&err);
	ck_assert_ptr_null(model_gpu_find("NVIDIA Z9000", &err));
	ck_assert_int_eq(err.code, -MO_EINPUT);
	ck_assert_ptr_nonnull(strstr(err.msg, "unknown gpu 'NVIDIA Z9000'"));
	ck_assert_ptr_nonnull(strstr(err.msg, "h100"));
	ck_assert_ptr_nonnull(strstr(err.msg, "a100-80gb-pcie"));
}
END_TEST

START_TEST(specs_carry_the_data_sheet_and_cuda_limits)
{
	const struct model_gpu *h = gpu("h100"), *a = gpu("a100-80gb-pcie"), *v = gpu("v100-sxm2");

	ck_assert_int_eq(h->sms, 132);
	ck_assert_int_eq(h->smem_per_sm, 233472);
	ck_assert_int_eq(h->smem_per_block_optin, 232448);
	ck_assert_int_eq(h->part_min_sms, 8);
	ck_assert_int_eq(h->part_step_sms, 8);
	ck_assert_int_eq(a->sms, 108);
	ck_assert_int_eq(a->smem_per_sm, 167936);
	ck_assert_int_eq(a->smem_reserved_per_block, 1024);
	ck_assert_int_eq(a->part_min_sms, 4);
	ck_assert_int_eq(a->part_step_sms, 2);
	ck_assert_int_eq(v->smem_per_sm, 98304);
	ck_assert_int_eq(v->smem_alloc_unit, 256);
	ck_assert_int_eq(v->part_min_sms, 2);
	ck_assert_int_eq(gpu("l4")->max_warps_per_sm, 48);
	ck_assert(h->bf16_tflops > 900 && h->hbm_gbps > 3000);
	for (int i = 0; i < model_gpu_count(); i++) {
		const struct model_gpu *g = model_gpu_at(i);
		ck_assert(g->sms > 0 && g->hbm_gbps > 0 && g->fp32_tflops > 0);
		ck_assert_int_eq(g->max_warps_per_sm * g->warp_size, g->max_threads_per_sm);
	}
}
END_TEST

START_TEST(quotas_off_the_lattice_name_the_nearest_valid_ones)
{
	const struct model_gpu *h = gpu("h100");
	struct mo_err err;
	int q[64], n;

	ck_assert_int_eq(model_quota_check(h, 8, &err), 0);
	ck_assert_int_eq(model_quota_check(h, 64, &err), 0);
	ck_assert_int_eq(model_quota_check(h, 132, &err), 0); /* the whole GPU */
	ck_assert_int_eq(model_quota_check(h, 20, &err), -MO_EINPUT);
	ck_assert_ptr_nonnull(strstr(err.msg, "nearest valid quotas 16 and 24"));
	ck_assert_int_eq(model_quota_check(h, 4, &err), -MO_EINPUT);
	ck_assert_ptr_nonnull(strstr(err.msg, "nearest valid quota 8"));
	ck_assert_int_eq(model_quota_check(h, 200, &err), -MO_EINPUT);
	ck_assert_int_eq(model_quota_check(gpu("a100-80gb-pcie"), 6, &err), 0);
	ck_assert_int_eq(model_quota_check(gpu("a100-80gb-pcie"), 7, &err), -MO_EINPUT);
	n = model_quota_list(h, q, 64);
	ck_assert_int_eq(n, 17); /* 8..128 step 8, then 132 */
	ck_assert_int_eq(q[0], 8);
	ck_assert_int_eq(q[15], 128);
	ck_assert_int_eq(q[16], 132);
}
END_TEST

START_TEST(a_trace_header_finds_or_derives_its_gpu)
{
	struct trace_header h;
	struct model_gpu tmp;
	struct mo_err err;
	const struct model_gpu *g;

	trace_header_init(&h);
	h.gpu_name = "NVIDIA A100-PG509-200";
	g = model_gpu_for_header(&h, &tmp, &err);
	ck_assert_ptr_nonnull(g);
	ck_assert_str_eq(g->short_name, "a100-pg509");
	/* an unknown name with a compute capability: derived from the nearest GPU */
	h.gpu_name = "NVIDIA H100 NVL";
	h.gpu_sms = 132;
	h.gpu_cc_major = 9;
	h.gpu_cc_minor = 0;
	g = model_gpu_for_header(&h, &tmp, &err);
	ck_assert_ptr_eq(g, &tmp);
	ck_assert_str_eq(g->name, "NVIDIA H100 NVL");
	ck_assert_int_eq(g->sms, 132);
	ck_assert_int_eq(g->part_step_sms, 8);
	/* nothing to go on */
	h.gpu_name = "mystery";
	h.gpu_sms = -1;
	h.gpu_cc_major = -1;
	ck_assert_ptr_null(model_gpu_for_header(&h, &tmp, &err));
	ck_assert_ptr_nonnull(strstr(err.msg, "unknown gpu 'mystery'"));
}
END_TEST

START_TEST(dtypes_parse_and_size)
{
	ck_assert_int_eq(model_dtype_parse("bf16"), MODEL_BF16);
	ck_assert_int_eq(model_dtype_parse("FP32"), MODEL_FP32);
	ck_assert_int_eq(model_dtype_parse("half"), MODEL_FP16);
	ck_assert_int_eq(model_dtype_parse("int4"), -1);
	ck_assert_int_eq(model_dtype_bytes(MODEL_BF16), 2);
	ck_assert_int_eq(model_dtype_bytes(MODEL_FP8), 1);
	ck_assert_str_eq(model_dtype_name(MODEL_TF32), "tf32");
	ck_assert_int_eq(model_dtype_parse("INT8"), MODEL_INT8);
	ck_assert_int_eq(model_dtype_bytes(MODEL_INT8), 1);
	ck_assert_str_eq(model_dtype_name(MODEL_INT8), "int8");
}
END_TEST

static const char good_json[] =
	"[{\"name\": \"Test GPU X\", \"short_name\": \"tgx\", \"cc_major\": 9, \"cc_minor\": 0,"
	" \"sms\": 66, \"hbm_gbps\": 1000, \"fp32_tflops\": 30, \"bf16_tflops\": 400}]";

START_TEST(user_gpus_load_from_json_and_take_precedence)
{
	struct mo_err err;
	char path[] = "/tmp/mosaic-test-gpu-XXXXXX";
	int fd = mkstemp(path);
	const struct model_gpu *g;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, good_json, sizeof(good_json) - 1), (ssize_t)sizeof(good_json) - 1);
	close(fd);
	ck_assert_int_eq(model_gpu_load_file(path, &err), 0);
	unlink(path);
	g = gpu("tgx");
	ck_assert_str_eq(g->name, "Test GPU X");
	ck_assert_int_eq(g->sms, 66);
	ck_assert_int_eq(g->part_step_sms, 8);        /* from cc 9.0 */
	ck_assert_int_eq(g->smem_per_sm, 233472);
	ck_assert_int_eq(model_gpu_at(0) == g, 1);     /* loaded first */
	model_gpu_reset();
	ck_assert_ptr_null(model_gpu_find("tgx", NULL));
}
END_TEST

START_TEST(a_gpu_file_never_replaces_a_built_in_gpu)
{
	static const char *const files[] = {
		"[{\"name\": \"h100\", \"cc_major\": 9, \"cc_minor\": 0, \"sms\": 8, "
		"\"hbm_gbps\": 1, \"fp32_tflops\": 1}]",
		"[{\"name\": \"Lab\", \"short_name\": \"A100-80GB-SXM\", \"cc_major\": 8, \"cc_minor\": 0, "
		"\"sms\": 8, \"hbm_gbps\": 1, \"fp32_tflops\": 1}]",
		"[{\"name\": \"Lab\", \"cc_major\": 8, \"cc_minor\": 0, \"sms\": 8, \"hbm_gbps\": 1, "
		"\"fp32_tflops\": 1}, {\"name\": \"lab\", \"cc_major\": 8, \"cc_minor\": 0, \"sms\": 9, "
		"\"hbm_gbps\": 1, \"fp32_tflops\": 1}]",
	};
	const struct model_gpu *h100 = model_gpu_find("h100", NULL);
	int sms = h100->sms;

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct mo_err err = {0};
		char path[] = "/tmp/mosaic-test-gpu-XXXXXX";
		int fd = mkstemp(path);

		ck_assert_int_ge(fd, 0);
		ck_assert_int_eq(write(fd, files[i], strlen(files[i])), (ssize_t)strlen(files[i]));
		close(fd);
		ck_assert_int_eq(model_gpu_load_file(path, &err), -MO_EINPUT);
		ck_assert_msg(strstr(err.msg, path) && strstr(err.msg, "gpu "), "%s", err.msg);
		unlink(path);
	}
	ck_assert_ptr_eq(model_gpu_find("h100", NULL), h100);
	ck_assert_int_eq(model_gpu_find("h100", NULL)->sms, sms);
	ck_assert_ptr_null(model_gpu_find("lab", NULL));
	model_gpu_reset();
}
END_TEST

START_TEST(bad_gpu_json_names_the_field)
{
	static const struct {
		const char *json, *want;
	} cases[] = {
		{ "[{\"name\": \"x\", \"cc_major\": 9, \"cc_minor\": 0, \"sms\": 8, \"hbm_gbps\": 1,"
		  " \"fp32_tflops\": 1, \"colour\": 1}]", "[0].colour: unknown field" },
		{ "[{\"name\": \"x\", \"cc_major\": 9, \"cc_minor\": 0, \"sms\": \"8\", \"hbm_gbps\": 1,"
		  " \"fp32_tflops\": 1}]", "[0].sms: expected an integer, got a string" },
		{ "[{\"name\": \"x\", \"cc_major\": 9, \"cc_minor\": 0, \"hbm_gbps\": 1, \"fp32_tflops\": 1}]",
		  "[0].sms: missing field" },
		{ "[{\"name\": \"x\", \"cc_major\": 5, \"cc_minor\": 0, \"sms\": 8, \"hbm_gbps\": 1,"
		  " \"fp32_tflops\": 1}]", "compute capability 5.0" },
		{ "[{\"name\": \"x\", \"cc_major\": 899345920, \"cc_minor\": 5, \"sms\": 8,"
		  " \"hbm_gbps\": 1, \"fp32_tflops\": 1}]", "compute capability 899345920.5: out of range" },
		{ "[{\"name\": \"x\", \"cc_major\": 9, \"cc_minor\": 10, \"sms\": 8, \"hbm_gbps\": 1,"
		  " \"fp32_tflops\": 1}]", "compute capability 9.10: out of range" },
		{ "[1]", "[0]: expected an object, got an integer" },
		{ "{\"name\": ", "cannot parse GPU file 'mem.json': line 1, column" },
		{ "[]", "no gpus" },
		{ "[{\"name\": \"x\", \"cc_major\": 9, \"cc_minor\": 0, \"sms\": 8, \"hbm_gbps\": -1,"
		  " \"fp32_tflops\": 1}]", "[0].hbm_gbps: -1 is out of range" },
	};
	struct model_gpu out[4];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mo_err err;
		mo_err_clear(&err);
		ck_assert_int_eq(model_gpu_parse_json(cases[i].json, strlen(cases[i].json), "mem.json",
						      out, 4, &err),
				 -MO_EINPUT);
		ck_assert_msg(strstr(err.msg, cases[i].want), "case %zu: %s", i, err.msg);
		ck_assert_ptr_nonnull(strstr(err.msg, "mem.json"));
	}
}
END_TEST

/* ---- occupancy ---- */

START_TEST(blocks_per_sm_follow_the_cuda_rules)
{
	const struct model_gpu *a = gpu("a100-80gb-pcie"), *v = gpu("v100-sxm2"), *h = gpu("h100");
	struct model_occupancy o;

	/* 256 threads, 32 regs, no smem: 8 warps/block, warp limit 64/8 = 8 */
	ck_assert_int_eq(model_blocks_per_sm(a, 256, 32, 0), 8);
	/* 512 threads, 40 regs: 1280 regs/warp -> 51 warps -> 48 -> 3 blocks */
	ck_assert_int_eq(model_blocks_per_sm(a, 512, 40, 400), 3);
	/* 128 threads, 222 regs: 7168 regs/warp -> 9 warps -> 8 -> 2 blocks */
	ck_assert_int_eq(model_blocks_per_sm(a, 128, 222, 0), 2);
	/* shared memory: (48 KB + 1 KB reserved) -> floor(167936 / 50176) = 3 */
	ck_assert_int_eq(model_blocks_per_sm(a, 64, 0, 49152), 3);
	/* V100 reserves nothing: 98304 / 49152 = 2 */
	ck_assert_int_eq(model_blocks_per_sm(v, 64, 0, 49152), 2);
	/* tiny blocks hit the 32 blocks/SM limit */
	ck_assert_int_eq(model_blocks_per_sm(h, 32, 16, 0), 32);
	/* impossible launches */
	ck_assert_int_eq(model_blocks_per_sm(h, 2048, 16, 0), 0);
	ck_assert_int_eq(model_blocks_per_sm(h, 128, 256, 0), 0);
	ck_assert_int_eq(model_blocks_per_sm(a, 128, 32, 200000), 0);
	ck_assert_int_eq(model_occupancy(a, 128, 222, 0, &o), 0);
	ck_assert_str_eq(o.limiter, "registers");
	ck_assert(fabs(o.occupancy - 0.125) < 1e-9);
}
END_TEST

/* The CUPTI-recorded occupancy of every kernel of the external traces. */
START_TEST(occupancy_agrees_with_cupti_on_the_external_traces)
{
	FILE *fp = fopen("tests/data/occupancy/occupancy.csv", "r");
	char line[512];
	long ok = 0, total = 0, per_gpu_ok[8] = { 0 }, per_gpu[8] = { 0 };
	const char *gpus[8] = { 0 };
	int ngpus = 0;

	ck_assert_ptr_nonnull(fp);
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), fp)); /* header */
	while (fgets(line, sizeof(line), fp)) {
		char name[64];
		long gx, gy, gz, bx, by, bz, regs, smem, pct, count;
		double bps, wps;
		struct trace_kernel k;
		int gi;
		ck_assert_int_eq(sscanf(line, "%63[^,],%ld,%ld,%ld,%ld,%ld,%ld,%ld,%ld,%lf,%lf,%ld,%ld",
					name, &gx, &gy, &gz, &bx, &by, &bz, &regs, &smem, &bps, &wps,
					&pct, &count),
				 13);
		memset(&k, 0, sizeof(k));
		k.grid_x = gx, k.grid_y = gy, k.grid_z = gz;
		k.block_x = bx, k.block_y = by, k.block_z = bz;
		k.registers = regs;
		k.static_smem = smem;
		k.dynamic_smem = 0;
		for (gi = 0; gi < ngpus; gi++)
			if (!strcmp(gpus[gi], gpu(name)->short_name))
				break;
		if (gi == ngpus)
			gpus[ngpus++] = gpu(name)->short_name;
		total += count;
		per_gpu[gi] += count;
		if (model_cupti_occupancy_pct(gpu(name), &k) == pct) {
			ok += count;
			per_gpu_ok[gi] += count;
		}
	}
	fclose(fp);
	ck_assert_int_ge(total, 20000);
	for (int i = 0; i < ngpus; i++)
		fprintf(stderr, "occupancy vs CUPTI: %-12s %6ld of %6ld kernels (%.1f%%)\n", gpus[i],
			per_gpu_ok[i], per_gpu[i], 100.0 * per_gpu_ok[i] / per_gpu[i]);
	ck_assert_msg(ok >= 0.95 * total, "agreement %ld of %ld", ok, total);
}
END_TEST

/* ---- classes ---- */

START_TEST(kernels_are_classified_by_name)
{
	static const struct {
		const char *name;
		int cls;
	} cases[] = {
		{ "sm90_xmma_gemm_bf16bf16_bf16f32_f32_tn_n_tilesize128x128x64_warpgroupsize1x1x1_execute_segment_k_off_kernel__5x_cublas", TRACE_CLASS_GEMM },
		{ "void cutlass::Kernel2<cutlass_80_tensorop_bf16_s16816gemm_relu_bf16_64x64_64x6_tn_align8>(cutlass_80_tensorop_bf16_s16816gemm_relu_bf16_64x64_64x6_tn_align8::Params)", TRACE_CLASS_GEMM },
		{ "ampere_sgemm_128x64_tn", TRACE_CLASS_GEMM },
		{ "volta_sgemm_64x64_nt", TRACE_CLASS_GEMM },
		{ "void gemv2T_kernel_val<int, int, __nv_bfloat16, __nv_bfloat16, __nv_bfloat16, float, 128, 16, 4, 4, false, false>", TRACE_CLASS_GEMM },
		{ "void cublasLt::splitKreduce_kernel<32, 16, int, float, float, float, float, true, false, false>(cublasLt::cublasSplitKParams<float>)", TRACE_CLASS_GEMM },
		{ "void pytorch_flash::flash_fwd_kernel<pytorch_flash::Flash_fwd_kernel_traits<64, 128, 128, 4, false, false, cutlass::bfloat16_t>>", TRACE_CLASS_ATTENTION },
		{ "fmha_cutlassF_f16_aligned_64x64_rf_sm80(PyTorchMemEffAttention::AttentionKernel)", TRACE_CLASS_ATTENTION },
		{ "sm80_xmma_fprop_implicit_gemm_indexed_tf32f32_tf32f32_f32_nhwckrsc_nchw_tilesize128x128x16_stage4", TRACE_CLASS_CONV },
		{ "sm90_xmma_wgrad_indexed_implicit_gemm_f32f32_tf32f32_f32_nhwckrsc_nhwc_tilesize128x128x32", TRACE_CLASS_CONV },
		{ "volta_scudnn_128x64_relu_interior_nn_v1", TRACE_CLASS_CONV },
		{ "void cudnn::winograd_nonfused::winogradForwardData4x4<float, float>(cudnn::winograd_nonfused::WinogradDataParams<float, float>)", TRACE_CLASS_CONV },
		{ "void implicit_convolve_sgemm<float, float, 1024, 6, 7, 3, 3, 5, 1, false, true, true>(int, int, int)", TRACE_CLASS_CONV },
		{ "void at::native::vectorized_elementwise_kernel<4, at::native::sigmoid_kernel_cuda(at::TensorIteratorBase&)::{lambda()#2}>", TRACE_CLASS_ELEMENTWISE },
		{ "void at::native::(anonymous namespace)::multi_tensor_apply_kernel<at::native::(anonymous namespace)::TensorListMetadata<2>>", TRACE_CLASS_ELEMENTWISE },
		{ "void at::native::(anonymous namespace)::vectorized_layer_norm_kernel<c10::BFloat16, float>(int, float)", TRACE_CLASS_REDUCTION },
		{ "void (anonymous namespace)::softmax_warp_forward<c10::BFloat16, c10::BFloat16, float, 3, false, false>", TRACE_CLASS_REDUCTION },
		{ "void at::native::reduce_kernel<512, 1, at::native::ReduceOp<float, at::native::MeanOps<float, float, float, float>, unsigned int, float, 4>>", TRACE_CLASS_REDUCTION },
		{ "void cudnn::bn_fw_tr_1C11_kernel_NCHW<float, float, 512, true, 1>(cudnnTensorStruct)", TRACE_CLASS_REDUCTION },
		{ "void at::native::(anonymous namespace)::max_pool_forward_nchw<float, float>(int, float const*)", TRACE_CLASS_REDUCTION },
		{ "ncclKernel_AllReduce_RING_LL_Sum_float(ncclDevComm*, unsigned long, ncclWork*)", TRACE_CLASS_COMM },
		{ "void at::native::elementwise_kernel<128, 4, at::native::gpu_kernel_impl_nocast<at::native::direct_copy_kernel_cuda(at::TensorIteratorBase&)>>", TRACE_CLASS_MEMORY },
		{ "void at::native::(anonymous namespace)::CatArrayBatchedCopy<at::native::(anonymous namespace)::OpaqueType<2u>, unsigned int, 4, 64, 64>", TRACE_CLASS_MEMORY },
		{ "void at::native::(anonymous namespace)::indexSelectLargeIndex<c10::BFloat16, long, unsigned int, 2, 2, -2, true>", TRACE_CLASS_MEMORY },
		{ "void cudnn::ops::nchwToNhwcKernel<float, float, float, false, true, (cudnnKernelDataType_t)0>", TRACE_CLASS_MEMORY },
		{ "my_custom_kernel", TRACE_CLASS_UNKNOWN },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct trace_kernel k;
		memset(&k, 0, sizeof(k));
		k.name = cases[i].name;
		ck_assert_msg(model_classify(&k) == cases[i].cls, "%s: got %s, want %s", cases[i].name,
			      trace_class_name(model_classify(&k)), trace_class_name(cases[i].cls));
	}
}
END_TEST

/* The precision in cuBLAS/cuDNN/CUTLASS/TensorRT names (each name from a
 * measured trace or the libraries' naming), and the synthesiser's own. */
START_TEST(a_kernels_precision_is_read_from_its_name)
{
	static const struct {
		const char *name;
		int dtype;
	} cases[] = {
		{ "sm80_xmma_fprop_implicit_gemm_indexed_tf32f32_tf32f32_f32_nhwckrsc_nchw_tilesize128x128x16_stage4", MODEL_TF32 },
		{ "cutlass_80_tensorop_s1688gemm_128x128_32x3_nn_align4", MODEL_TF32 },
		{ "ampere_fp16_s16816gemm_fp16_128x128_ldg8_f2f_stages_32x5_nn", MODEL_FP16 },
		{ "void cutlass::Kernel2<cutlass_80_tensorop_bf16_s16816gemm_relu_bf16_64x64_64x6_tn_align8>", MODEL_BF16 },
		{ "sm90_xmma_gemm_bf16bf16_bf16f32_f32_tn_n_tilesize128x128x64_warpgroupsize1x1x1_execute_segment_k_off_kernel__5x_cublas", MODEL_BF16 },
		{ "void pytorch_flash::flash_fwd_kernel<pytorch_flash::Flash_fwd_kernel_traits<64, 128, 128, 4, false, false, cutlass::bfloat16_t>>", MODEL_BF16 },
		{ "fmha_cutlassF_f16_aligned_64x64_rf_sm80(PyTorchMemEffAttention::AttentionKernel)", MODEL_FP16 },
		{ "volta_h884gemm_64x64_ldg8_nn", MODEL_FP16 },
		{ "ampere_sgemm_128x64_tn", MODEL_FP32 },
		{ "cudnn_infer_ampere_scudnn_128x64_relu_interior_nn_v1", MODEL_FP32 },
		{ "sm90_xmma_gemm_e4m3e4m3_e4m3f32_f32_tn_n_tilesize128x128x128", MODEL_FP8 },
		{ "sm80_xmma_fprop_implicit_gemm_interleaved_i8i8_i8i32_f32_nchw_vect_c_32kcrs_vect_c_32", MODEL_INT8 },
		{ "ampere_int8_i16832gemm_int8_128x128_ldg16_relu_nt", MODEL_INT8 },
		{ "gemm:fc1:int8", MODEL_INT8 },
		{ "conv:3x3:tf32", MODEL_TF32 },
		{ "gemm:fc1:dgrad:fp32", MODEL_FP32 },
		{ "conv:3x3", -1 },
		{ "my_custom_kernel", -1 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_msg(model_kernel_dtype(cases[i].name) == cases[i].dtype, "%s: got %d, want %d",
			      cases[i].name, model_kernel_dtype(cases[i].name), cases[i].dtype);
	ck_assert_int_eq(model_kernel_dtype(NULL), -1);
}
END_TEST

/* ---- kernel time under a quota ---- */

static struct trace_kernel kernel(int64_t ns, int64_t blocks, int threads, int regs, int cls)
{
	return test_kernel(cls, ns, blocks, threads, regs, 0);
}

START_TEST(wave_scaling_baseline_scales_by_waves)
{
	const struct model_gpu *h = gpu("h100");
	/* 256 threads, 32 regs: 8 blocks/SM; 132 * 8 = 1056 slots -> 2112 blocks = 2 waves */
	struct trace_kernel k = kernel(100000, 2112, 256, 32, TRACE_CLASS_GEMM);

	/* 64 SMs: 512 slots -> ceil(2112 / 512) = 5 waves: 100 us * 5 / 2 */
	ck_assert_int_eq(model_kernel_ns_waves(h, &k, 132, 64), 250000);
	/* 8 SMs: 64 slots -> 33 waves */
	ck_assert_int_eq(model_kernel_ns_waves(h, &k, 132, 8), 1650000);
	ck_assert_int_eq(model_kernel_ns_waves(h, &k, 132, 132), 100000);
}
END_TEST

/* A kernel with flops and bytes splits its body by a roofline at the
 * recorded SMs, the flops at its precision's peak.  A100 (108 SMs, all
 * busy: 864 blocks), F = 2 * 4096^3 flops, bytes moved in twice the
 * time F takes at the BF16 peak (312 TFLOP/s): untagged (16-bit) the
 * memory-bound fraction is 2 / (1 + 2); TF32 (156) 2 / (2 + 2); FP32
 * (19.5, and any non-tensor class) 2 / (16 + 2).  At half the SMs the
 * TF32 kernel, compute-bound, takes longer than the 16-bit reading of it. */
START_TEST(a_kernels_flops_are_split_at_its_own_precisions_peak)
{
	const struct model_gpu *a = gpu("a100-80gb-sxm");
	double f = 2.0 * 4096 * 4096 * 4096, tc = f / 312e3;
	struct trace_kernel k = kernel(2000000, 864, 256, 64, TRACE_CLASS_CONV);
	struct model_quota_pred p16, p32, p;

	k.flops = (int64_t)f;
	k.bytes = (int64_t)llround(2 * tc * model_dram_gbps_at(a, 108));
	k.name = "conv:3x3";
	model_kernel_predict_at_quota(a, &k, 108, 54, &p16);
	ck_assert_msg(fabs(p16.mem_frac - 2.0 / 3) < 1e-6, "%g", p16.mem_frac);
	k.name = "sm80_xmma_fprop_implicit_gemm_indexed_tf32f32_tf32f32_f32_nhwckrsc_nchw";
	model_kernel_predict_at_quota(a, &k, 108, 54, &p32);
	ck_assert_msg(fabs(p32.mem_frac - 0.5) < 1e-6, "%g", p32.mem_frac);
	ck_assert_msg(p32.ns > 1.3 * p16.ns, "%lld vs %lld", (long long)p32.ns, (long long)p16.ns);
	k.name = "conv:stem:fp32";
	model_kernel_predict_at_quota(a, &k, 108, 54, &p);
	ck_assert_msg(fabs(p.mem_frac - 2.0 / 18) < 1e-6, "%g", p.mem_frac);
	/* INT8 (624 TOP/s, twice the BF16 peak): 2 / (0.5 + 2) */
	k.name = "sm80_xmma_fprop_implicit_gemm_interleaved_i8i8_i8i32_f32_nchw";
	model_kernel_predict_at_quota(a, &k, 108, 54, &p);
	ck_assert_msg(fabs(p.mem_frac - 2.0 / 2.5) < 1e-6, "%g", p.mem_frac);
	k.name = "conv:3x3:tf32";
	k.kclass = TRACE_CLASS_ELEMENTWISE;
	model_kernel_predict_at_quota(a, &k, 108, 54, &p);
	ck_assert_msg(fabs(p.mem_frac - 2.0 / 18) < 1e-6, "%g", p.mem_frac);
}
END_TEST

/* INT8 tensor peaks are the data sheets' dense figures (gpus.c); a GPU
 * without INT8 tensor cores (V100) takes INT8 work at its FP16 tensor peak;
 * a MIG instance keeps an SM's INT8 rate; an A100 INT8 GEMM of 8192^3,
 * compute-bound, takes about half its FP16 time (624 vs 312 TOP/s). */
START_TEST(int8_work_runs_at_the_data_sheets_int8_peak)
{
	const struct model_gpu *a = gpu("a100-80gb-sxm");
	struct model_op op = { .kind = MODEL_OP_GEMM, .dtype = MODEL_FP16, .b = 1, .m = 8192, .n = 8192, .k = 8192 };
	struct model_gpu g3;
	struct mo_err err;
	int64_t t16, t8;
	int tc = 0;

	ck_assert(model_gpu_peak_tflops(a, MODEL_INT8, &tc) == 624 && tc == 1);
	ck_assert(model_gpu_peak_tflops(gpu("h100"), MODEL_INT8, NULL) == 1979);
	ck_assert(model_gpu_peak_tflops(gpu("h100-pcie"), MODEL_INT8, NULL) == 1513);
	ck_assert(model_gpu_peak_tflops(gpu("l40"), MODEL_INT8, NULL) == 362);
	ck_assert(model_gpu_peak_tflops(gpu("t4"), MODEL_INT8, NULL) == 130);
	tc = 0;
	ck_assert(model_gpu_peak_tflops(gpu("v100-sxm2"), MODEL_INT8, &tc) == 125 && tc == 1);
	ck_assert_int_eq(model_mig_instance(a, 42, &g3, &err), 0);
	ck_assert_msg(fabs(g3.int8_tops - 624.0 * 42 / 108) < 1e-9, "%g", g3.int8_tops);
	t16 = model_op_ns(a, &op, 108);
	op.dtype = MODEL_INT8;
	t8 = model_op_ns(a, &op, 108);
	ck_assert_msg(t8 > 0.45 * t16 && t8 < 0.6 * t16, "int8 %lld fp16 %lld", (long long)t8, (long long)t16);
}
END_TEST

START_TEST(kernel_time_at_quota_splits_compute_memory_and_launch)
{
	const struct model_gpu *h = gpu("h100");
	struct trace_kernel k = kernel(101500, 2112, 256, 32, TRACE_CLASS_ELEMENTWISE);
	struct model_quota_pred p;
	/* H100: achievable 0.9 * 3352 GB/s, saturated at 30% of the SMs */
	double per_sm = 0.9 * 3352 / (0.3 * 132), full = 0.9 * 3352;

	/* elementwise: 90% memory-bound; the 100 us body is its memory time at
	 * the full GPU (the latency, 1.5 us, stays out of it) */
	model_kernel_predict_at_quota(h, &k, 132, 64, &p);
	ck_assert_int_eq(p.launch_ns, 1500);
	ck_assert(fabs(p.mem_frac - 0.9) < 1e-6);
	/* 64 SMs are past the knee (39.6 SMs): the same bandwidth, the same time */
	ck_assert_int_eq(p.ns, 101500);
	/* 16 SMs draw 16 * 76.2 GB/s: memory time 100 us * 3016.8 / 1218.9 */
	model_kernel_predict_at_quota(h, &k, 132, 16, &p);
	ck_assert_int_eq(p.memory_ns, (int64_t)llround(100000 * full / (16 * per_sm)));
	ck_assert_int_eq(p.ns, 1500 + p.memory_ns);
	/* the same quota gives the measured time back */
	ck_assert_int_eq(model_kernel_ns_at_quota(h, &k, 132, 132), 101500);
	/* a kernel of fewer blocks than SMs does not care about the quota above its size */
	k = kernel(50000, 16, 128, 32, TRACE_CLASS_GEMM);
	ck_assert_int_eq(model_kernel_ns_at_quota(h, &k, 132, 16), 50000);
	/* 4-warp blocks alone on an SM reach half its throughput: two stacked
	 * on 8 SMs hide each other's latency (the same time), four on 4 SMs
	 * take twice as long: 1.5 + 2 * 48.5 us */
	ck_assert_int_eq(model_kernel_ns_at_quota(h, &k, 132, 8), 50000);
	ck_assert_int_eq(model_kernel_ns_at_quota(h, &k, 132, 4), 98500);
	/* communication kernels keep their time */
	k = kernel(70000, 8, 512, 64, TRACE_CLASS_COMM);
	ck_assert_int_eq(model_kernel_ns_at_quota(h, &k, 132, 8), 70000);
	/* a tiny kernel is all latency */
	k = kernel(1200, 1, 32, 16, TRACE_CLASS_ELEMENTWISE);
	ck_assert_int_eq(model_kernel_ns_at_quota(h, &k, 132, 8), 1200);
}
END_TEST

/* ---- kernel physics: one mechanism per test, numbers by hand ---- */

static struct model_kphys kphys(int64_t blocks, int bps, int wpb, double wave_ns)
{
	struct model_kphys k;

	memset(&k, 0, sizeof(k));
	k.blocks = blocks;
	k.blocks_per_sm = bps;
	k.warps_per_block = wpb;
	k.wave_ns = wave_ns;
	return k;
}

START_TEST(stacked_blocks_share_an_sm_and_do_not_multiply_its_throughput)
{
	/* 128 blocks, 4 resident per SM, 8 warps each (latency hidden by one
	 * block): a full wave of 4 blocks takes 4 us, so one block 1 us of SM
	 * time.  Wave counting (ceil(128 / (4 * s))) would give one wave, 4 us,
	 * on 32, 64 and 128 SMs alike. */
	struct model_kphys k = kphys(128, 4, 8, 4000);

	ck_assert(fabs(model_kphys_compute_ns(&k, 32, 1) - 4000) < 1e-6);
	ck_assert(fabs(model_kphys_compute_ns(&k, 64, 1) - 2000) < 1e-6);
	ck_assert(fabs(model_kphys_compute_ns(&k, 128, 1) - 1000) < 1e-6);
	ck_assert(fabs(model_kphys_compute_ns(&k, 132, 1) - 1000) < 1e-6);
}
END_TEST

START_TEST(the_partial_last_wave_costs_its_blocks_and_its_latency)
{
	/* 2 warps per block: one block alone on an SM reaches 2 / 8 of its
	 * throughput, a full wave of 4 blocks all of it (wave 4 us, block 1 us
	 * of SM time) */
	struct model_kphys k = kphys(10 * 5, 4, 2, 4000);

	/* 10 SMs, 5 blocks each: one full wave (4 us) + one lone block at a
	 * quarter of the throughput (1 us / 0.25) = 8 us */
	ck_assert(fabs(model_kphys_compute_ns(&k, 10, 1) - 8000) < 1e-6);
	/* 50 SMs, one block each: the lone block is latency-bound: 4 us */
	ck_assert(fabs(model_kphys_compute_ns(&k, 50, 1) - 4000) < 1e-6);
	/* 25 SMs, 2 blocks each: 2 us of work at half throughput = 4 us */
	ck_assert(fabs(model_kphys_compute_ns(&k, 25, 1) - 4000) < 1e-6);
	/* 5 SMs, 10 blocks each: 2 full waves + 2 blocks at half: 8 + 4 = 12 us */
	ck_assert(fabs(model_kphys_compute_ns(&k, 5, 1) - 12000) < 1e-6);
}
END_TEST

START_TEST(hbm_saturates_with_a_fraction_of_the_sms_at_its_achievable_bandwidth)
{
	const struct model_gpu *h = gpu("h100");
	const struct model_gpu *a = gpu("a100-80gb-sxm");
	double per_sm = 0.9 * 3352 / (0.3 * 132);

	/* one H100 SM pulls 76 GB/s, 2.5 x its 1/132 share of 3352 GB/s */
	ck_assert(fabs(model_sm_gbps(h) - per_sm) < 1e-9);
	ck_assert(model_sm_gbps(h) > 2.5 * h->hbm_gbps / h->sms);
	ck_assert(fabs(model_dram_gbps_at(h, 8) - 8 * per_sm) < 1e-9);
	/* past 39.6 SMs: the achievable bandwidth, not the data sheet's */
	ck_assert(fabs(model_dram_gbps_at(h, 40) - 0.9 * 3352) < 1e-9);
	ck_assert(fabs(model_dram_gbps_at(h, 132) - 0.9 * 3352) < 1e-9);
	ck_assert(fabs(model_hbm_achievable_gbps(h) - 0.9 * 3352) < 1e-9);
	/* pre-Hopper: half of the SMs */
	ck_assert(fabs(model_dram_gbps_at(a, 54) - 0.9 * 2039) < 1e-6);
	ck_assert(model_dram_gbps_at(a, 53) < 0.9 * 2039);
}
END_TEST

START_TEST(a_kernels_fixed_latency_does_not_scale_with_the_quota)
{
	const struct model_gpu *h = gpu("h100");
	/* a GEMM of 2112 blocks (8 per SM, one warp-rich block hides latency):
	 * 11.5 us at 132 SMs = 1.5 us latency + 10 us for 16 blocks per SM */
	struct trace_kernel k = kernel(11500, 2112, 256, 32, TRACE_CLASS_GEMM);

	/* 66 SMs: 32 blocks per SM, 20 us, plus the same 1.5 us (not 23 us) */
	ck_assert_int_eq(model_kernel_ns_at_quota(h, &k, 132, 66), 21500);
	/* 33 SMs: 64 blocks per SM: 41.5 us */
	ck_assert_int_eq(model_kernel_ns_at_quota(h, &k, 132, 33), 41500);
}
END_TEST

START_TEST(a_partition_alone_runs_at_a_higher_clock_than_beside_busy_neighbours)
{
	const struct model_gpu *l4 = gpu("l4");
	const struct model_gpu *h = gpu("h100");
	const struct model_gpu *a = gpu("a100-80gb-sxm");
	/* L4: 72 W / (58 SMs * 2.04 GHz) = 0.6085 W per SM-GHz: knee
	 * 0.54 + 0.252 * (0.6085 - 0.8485) = 0.4795 */
	double knee = 0.54 + 0.252 * (72.0 / (58 * 2.04) - 0.8485);
	struct model_kphys k = kphys(58 * 4, 1, 8, 1000);

	ck_assert(fabs(model_clock_knee(l4) - knee) < 1e-9);
	/* 16 of 58 SMs busy (27.6%): the maximum clock */
	ck_assert(model_clock_factor(l4, 16) == 1.0);
	/* all busy: knee / 1 */
	ck_assert(fabs(model_clock_factor(l4, 58) - knee) < 1e-9);
	/* a tensor-core kernel on 16 SMs: 14.5 -> 15 blocks per SM, 15 us
	 * alone; beside 42 busy SMs 15 us / knee */
	k.clocked = 1;
	ck_assert(fabs(model_kphys_compute_ns(&k, 16, model_clock_factor(l4, 16)) - 15000) < 1e-6);
	ck_assert(fabs(model_kphys_compute_ns(&k, 16, model_clock_factor(l4, 58)) - 15000 / knee) < 1e-6);
	/* SIMT or memory-bound work does not follow the clock */
	k.clocked = 0;
	ck_assert(fabs(model_kphys_compute_ns(&k, 16, model_clock_factor(l4, 58)) - 15000) < 1e-6);
	/* A100 SXM: 1.3% slower with the whole GPU busy (MLPerf v1.1 MIG) */
	ck_assert(fabs(1 / model_clock_factor(a, 108) - 1.013) < 0.002);
	/* H100 SXM: its power budget keeps the clock */
	ck_assert(model_clock_factor(h, 132) == 1.0);
}
END_TEST

START_TEST(fewer_sms_never_make_a_kernel_faster)
{
	const struct model_gpu *h = gpu("h100");
	int q[64], n = model_quota_list(h, q, 64);

	for (int cls = 0; cls < TRACE_CLASS_COUNT; cls++)
		for (int64_t blocks = 1; blocks < 100000; blocks *= 7) {
			struct trace_kernel k = kernel(200000, blocks, 256, 64, cls);
			int64_t prev = INT64_MAX;
			for (int i = 0; i < n; i++) {
				int64_t t = model_kernel_ns_at_quota(h, &k, 132, q[i]);
				ck_assert_int_le(t, prev);
				prev = t;
			}
		}
}
END_TEST

/* ---- kernel time from shape ---- */

START_TEST(gemm_from_shape_picks_tiles_and_respects_rooflines)
{
	const struct model_gpu *h = gpu("h100");
	struct model_op op = { .kind = MODEL_OP_GEMM, .dtype = MODEL_BF16, .b = 1, .m = 8192,
			       .n = 8192, .k = 8192 };
	struct model_op_pred p;
	struct trace_kernel k;
	struct mo_err err;
	double tflops;

	ck_assert_int_eq(model_op_predict(h, &op, h->sms, &p, &err), 0);
	tflops = p.flops / p.ns / 1e3;
	/* a big bf16 GEMM runs at a large fraction of the dense peak, never above it */
	ck_assert_msg(tflops > 0.5 * h->bf16_tflops && tflops < h->bf16_tflops, "%.0f TFLOP/s", tflops);
	ck_assert_int_eq(p.bound, MODEL_BOUND_COMPUTE);
	ck_assert_int_ge(p.tile_m, 64);
	/* the launch is what model_op_launch reports */
	memset(&k, 0, sizeof(k));
	model_op_launch(h, &op, &k);
	ck_assert_int_eq(k.kclass, TRACE_CLASS_GEMM);
	ck_assert_int_eq(k.grid_x * k.grid_y * k.grid_z, p.ctas);
	ck_assert_int_gt(model_blocks_per_sm(h, (int)k.block_x, (int)k.registers, (int)k.dynamic_smem), 0);
	/* fewer SMs: slower, about proportionally for a big GEMM */
	ck_assert_int_gt(model_op_ns(h, &op, 64), (int64_t)(1.8 * p.ns));
	/* fp32 runs on the SIMT pipes: much slower */
	op.dtype = MODEL_FP32;
	ck_assert_int_gt(model_op_ns(h, &op, h->sms), 5 * p.ns);
	/* a GEMV-like shape is memory bound */
	op.dtype = MODEL_BF16;
	op.m = 1;
	op.n = 16384;
	op.k = 16384;
	ck_assert_int_eq(model_op_predict(h, &op, h->sms, &p, &err), 0);
	ck_assert_int_ne(p.bound, MODEL_BOUND_COMPUTE);
}
END_TEST

/* cuBLAS's misaligned kernels (op.c's narrow accesses): a leading dimension
 * that is not a multiple of 16 bytes makes the kernel's accesses narrower
 * and its compute longer; on Hopper it is also a pre-Hopper kernel. */
START_TEST(a_misaligned_gemm_runs_narrow_accesses_and_a_pre_hopper_kernel)
{
	const struct model_gpu *h = gpu("h100"), *a = gpu("a100-80gb-sxm");
	/* OWLv2's attention scores at 5185 tokens (n odd) and one token less */
	struct model_op odd = { .kind = MODEL_OP_BMM, .dtype = MODEL_BF16, .b = 16, .m = 5185,
				.n = 5185, .k = 64 };
	struct model_op even = odd;
	struct model_op_pred po, pe;
	struct mo_err err;

	even.n = 5184;
	ck_assert_int_eq(model_op_predict(h, &odd, h->sms, &po, &err), 0);
	ck_assert_int_eq(model_op_predict(h, &even, h->sms, &pe, &err), 0);
	ck_assert_int_eq(pe.access_bytes, 16);
	ck_assert_double_eq(pe.narrow, 1.0);
	ck_assert_int_eq(po.access_bytes, 2); /* bf16 align1 */
	ck_assert_double_eq_tol(po.narrow, 1 + 0.44 * 7, 1e-9);
	/* narrower accesses and the mma.sync kernel: compute over 4.08 / 0.48
	 * times the aligned one in the main loop (the tile may change), and
	 * the time longer */
	ck_assert_msg(po.compute_ns > 5 * pe.compute_ns, "%.0f vs %.0f", po.compute_ns, pe.compute_ns);
	ck_assert_int_gt(po.ns, (int64_t)(1.5 * pe.ns));
	/* n a multiple of 4 halves: 8-byte accesses, a smaller stretch */
	even.n = 5188;
	ck_assert_int_eq(model_op_predict(h, &even, h->sms, &pe, &err), 0);
	ck_assert_int_eq(pe.access_bytes, 8);
	ck_assert_double_eq_tol(pe.narrow, 1.44, 1e-9);
	/* m is a leading dimension only of a transposed A */
	even.n = 5184;
	even.m = 5185;
	ck_assert_int_eq(model_op_predict(h, &even, h->sms, &pe, &err), 0);
	ck_assert_int_eq(pe.access_bytes, 16);
	even.layout = MODEL_LAYOUT_TRANS_A;
	ck_assert_int_eq(model_op_predict(h, &even, h->sms, &pe, &err), 0);
	ck_assert_int_eq(pe.access_bytes, 2);
	/* convolutions keep the aligned model; a given width wins over the shape */
	even.layout = MODEL_LAYOUT_ANY;
	ck_assert_int_eq(model_op_predict(h, &even, h->sms, &pe, &err), 0);
	ck_assert_int_eq(pe.access_bytes, 16);
	odd.access_bytes = 16;
	ck_assert_int_eq(model_op_predict(h, &odd, h->sms, &po, &err), 0);
	ck_assert_double_eq(po.narrow, 1.0);
	/* TF32 align1 on an A100: 4-byte accesses, no pre-Hopper factor */
	odd.access_bytes = 0;
	odd.dtype = MODEL_TF32;
	ck_assert_int_eq(model_op_predict(a, &odd, a->sms, &po, &err), 0);
	ck_assert_int_eq(po.access_bytes, 4);
	ck_assert_double_eq_tol(po.narrow, 1 + 0.44 * 3, 1e-9);
	/* SIMT FP32 keeps the aligned model (cuBLAS's sgemm at odd sizes) */
	odd.dtype = MODEL_FP32;
	ck_assert_int_eq(model_op_predict(a, &odd, a->sms, &po, &err), 0);
	ck_assert_int_eq(po.access_bytes, 16);
}
END_TEST

/* Narrow accesses stretch only a GEMM's steady-state main loop: a tile's
 * prologue (all stages but one, 64 bytes of K each) runs latency-bound in
 * the first wave, and k0 is not stretched.  OWLv2's 5-token text-tower
 * bmm (12 heads, 5 x 5, K = 64; measured about 3.1 us on the H100, the
 * aligned model 2.9) fits the prologue of its one wave: no stretch. */
START_TEST(narrow_accesses_stretch_only_the_main_loop)
{
	const struct model_gpu *h = gpu("h100");
	struct model_op op = { .kind = MODEL_OP_BMM, .dtype = MODEL_BF16, .b = 12, .m = 5, .n = 5,
			       .k = 64 };
	struct model_op_pred po, pa;
	struct mo_err err;

	ck_assert_int_eq(model_op_predict(h, &op, h->sms, &po, &err), 0);
	op.access_bytes = 16;
	ck_assert_int_eq(model_op_predict(h, &op, h->sms, &pa, &err), 0);
	ck_assert_int_eq(po.access_bytes, 2);
	ck_assert_double_eq(po.loop_frac, 0);
	ck_assert_int_eq(po.ns, pa.ns);
	/* K = 1024: the 64x64 tile (4 stages: prologue 3 x 32 halves = 96),
	 * split-K 8 (128 a split), 96 CTAs in one wave: (128 - 96) / (128 + 9) */
	op.k = 1024;
	op.access_bytes = 0;
	ck_assert_int_eq(model_op_predict(h, &op, h->sms, &po, &err), 0);
	ck_assert_int_eq(po.tile_m, 64);
	ck_assert_int_eq(po.split_k, 8);
	ck_assert_double_eq_tol(po.loop_frac, 32.0 / 137, 1e-9);
	/* 4096 heads, K = 64: 4096 CTAs, 32 on the busiest SM at 4 a wave =
	 * 8 waves, the prologue's 64 of K waited for once: (64 - 8) / 73, and
	 * the compute the aligned one's times 1 - f + f x 4.08 / 0.479 */
	op.b = 4096;
	op.k = 64;
	ck_assert_int_eq(model_op_predict(h, &op, h->sms, &po, &err), 0);
	op.access_bytes = 16;
	ck_assert_int_eq(model_op_predict(h, &op, h->sms, &pa, &err), 0);
	ck_assert_int_eq(po.tile_m, 64);
	ck_assert_int_eq(pa.tile_m, 64);
	ck_assert_double_eq_tol(po.loop_frac, 56.0 / 73, 1e-9);
	ck_assert_double_eq_tol(po.compute_ns,
				pa.compute_ns * (17.0 / 73 + 56.0 / 73 * (1 + 0.44 * 7) / (0.35 / 0.73)),
				1e-6 * pa.compute_ns);
}
END_TEST

/* A reduction pays a fixed dependency chain (op.c, REDUCTION_CHAIN_NS,
 * 1900 ns) on top of an elementwise kernel's fixed time (0.6 x the 2500 ns
 * launch): a 15360-byte layer norm (OWLv2's 5 text tokens, measured about
 * 3.3 us) is 1500 + 1900 + its 148 ns of memory. */
START_TEST(a_reduction_pays_a_fixed_chain_beyond_an_elementwise_kernel)
{
	const struct model_gpu *h = gpu("h100");
	struct model_op op = { .kind = MODEL_OP_REDUCTION, .dtype = MODEL_BF16, .bytes = 15360 };
	struct model_op_pred pr, pe;
	struct mo_err err;

	ck_assert_int_eq(model_op_predict(h, &op, h->sms, &pr, &err), 0);
	op.kind = MODEL_OP_ELEMENTWISE;
	ck_assert_int_eq(model_op_predict(h, &op, h->sms, &pe, &err), 0);
	ck_assert_double_eq_tol(pe.launch_ns, 1500, 1e-9);
	ck_assert_double_eq_tol(pr.launch_ns, 1500 + 1900, 1e-9);
	ck_assert_int_eq(pr.ns, (int64_t)llround(3400 + pr.memory_ns));
	/* the chain does not scale with the SMs: the same on 16 of them */
	op.kind = MODEL_OP_REDUCTION;
	ck_assert_int_eq(model_op_predict(h, &op, 16, &pe, &err), 0);
	ck_assert_double_eq_tol(pe.launch_ns, 3400, 1e-9);
}
END_TEST

/* PyTorch's row softmax: rows over 1024 elements that are not whole 16-byte
 * vectors run cunn_SoftMaxForward's scalar loads; aligned rows and short
 * rows (the warp-per-row kernel) keep the streaming model. */
START_TEST(a_long_misaligned_softmax_row_is_read_scalar)
{
	const struct model_gpu *h = gpu("h100");
	struct model_op sm = { .kind = MODEL_OP_REDUCTION, .dtype = MODEL_BF16, .m = 82960,
			       .n = 5185, .softmax = 1 };
	struct model_op_pred p, q;
	struct mo_err err;

	sm.bytes = 2 * sm.m * sm.n * 2;
	sm.flops = 5 * sm.m * sm.n;
	ck_assert_int_eq(model_op_predict(h, &sm, h->sms, &p, &err), 0);
	ck_assert_int_eq(p.access_bytes, 2);
	sm.n = 5184;
	ck_assert_int_eq(model_op_predict(h, &sm, h->sms, &q, &err), 0);
	ck_assert_int_eq(q.access_bytes, 16);
	ck_assert_msg(p.memory_ns > 3 * q.memory_ns, "%.0f vs %.0f", p.memory_ns, q.memory_ns);
	sm.n = 1023; /* the warp-per-row kernel */
	ck_assert_int_eq(model_op_predict(h, &sm, h->sms, &q, &err), 0);
	ck_assert_int_eq(q.access_bytes, 16);
	sm.n = 5185; /* another reduction (a norm) over the same rows */
	sm.softmax = 0;
	ck_assert_int_eq(model_op_predict(h, &sm, h->sms, &q, &err), 0);
	ck_assert_int_eq(q.access_bytes, 16);
}
END_TEST

START_TEST(other_ops_from_shape)
{
	const struct model_gpu *a = gpu("a100-80gb-sxm");
	struct model_op ew = { .kind = MODEL_OP_ELEMENTWISE, .dtype = MODEL_BF16, .bytes = 1 << 30,
			       .flops = 1 << 28 };
	struct model_op att = { .kind = MODEL_OP_ATTENTION, .dtype = MODEL_BF16, .b = 64, .m = 2048,
				.n = 2048, .k = 128 };
	struct model_op bad = { .kind = MODEL_OP_GEMM, .dtype = MODEL_BF16, .b = 1, .m = 0, .n = 1, .k = 1 };
	struct model_op_pred p;
	struct mo_err err;
	int64_t t, tb, tc;

	/* 1 GiB at ~2 TB/s: about half a millisecond */
	t = model_op_ns(a, &ew, a->sms);
	ck_assert_msg(t > 500000 && t < 900000, "%lld", (long long)t);
	t = model_op_ns(a, &att, a->sms);
	att.kind = MODEL_OP_ATTENTION_BWD;
	tb = model_op_ns(a, &att, a->sms);
	ck_assert_int_gt(tb, 2 * t);
	att.kind = MODEL_OP_ATTENTION;
	att.causal = 1;
	tc = model_op_ns(a, &att, a->sms);
	ck_assert_int_lt(tc, t);
	ck_assert_int_eq(model_op_predict(a, &bad, a->sms, &p, &err), -MO_EINPUT);
	ck_assert_ptr_nonnull(strstr(err.msg, "positive b, m, n, k"));
	ck_assert_int_eq(model_op_ns(a, &bad, a->sms), -1);
	ck_assert_int_eq(model_op_predict(a, &ew, 0, &p, &err), -MO_EINPUT);
}
END_TEST

/* Tensor-core GEMMs pay the fitted pipeline fill once per kernel (H100:
 * 1500 ns; A100: 5000 ns, fitted on the HTA A100 TF32 GEMMs), not per
 * tile, and not when K fits one 64-deep block; SIMT GEMMs and GPUs
 * without a fit (V100) pay none. */
START_TEST(a_tensor_core_gemm_pays_its_pipeline_fill_once)
{
	const struct model_gpu *h = gpu("h100"), *a = gpu("a100-80gb-sxm"), *v = gpu("v100-sxm2");
	struct model_gpu h0 = *h;
	struct model_op op = { .kind = MODEL_OP_GEMM, .dtype = MODEL_BF16, .b = 1, .m = 788,
			       .n = 768, .k = 768 };
	struct model_op_pred p, p0;
	struct mo_err err;

	ck_assert(h->gemm_tc_fill_ns == 1500 && h->gemm_tc_eff == 0.8);
	ck_assert(a->gemm_tc_fill_ns == 5000 && a->gemm_tc_eff == 0.8);
	ck_assert(v->gemm_tc_fill_ns == 0 && v->gemm_tc_eff == 0);
	h0.gemm_tc_fill_ns = 0;
	for (int big = 0; big < 2; big++) {
		op.m = big ? 8192 : 788; /* 1 wave or many: the same 1500 ns */
		ck_assert_int_eq(model_op_predict(h, &op, h->sms, &p, &err), 0);
		ck_assert_int_eq(model_op_predict(&h0, &op, h->sms, &p0, &err), 0);
		ck_assert_int_eq(p.tile_m, p0.tile_m);
		ck_assert_int_eq(p.split_k, p0.split_k);
		ck_assert_int_eq(p.ns - p0.ns, 1500);
		ck_assert(fabs(p.launch_ns - p0.launch_ns - 1500) < 1e-6);
	}
	op.k = 64; /* one K block: nothing to fill */
	ck_assert_int_eq(model_op_ns(h, &op, h->sms), model_op_ns(&h0, &op, h->sms));
	op.k = 768;
	op.dtype = MODEL_FP32; /* the SIMT pipes */
	ck_assert_int_eq(model_op_ns(h, &op, h->sms), model_op_ns(&h0, &op, h->sms));
}
END_TEST

/* A GPU with no tensor-core fit (the L40) takes the fitted GPUs'
 * efficiency (MODEL_DEFAULT_TC_EFF 0.80).  By hand: 16384^3 fp16 on 14 of the
 * L40's 142 SMs, 128x128 tiles (16384 CTAs, 1 a SM, 8 warps: full
 * latency hiding), 1171 on the busiest SM, each 2 x 128 x 128 x (16384 +
 * k0 64) flop at 362 TFLOP/s / 142 x 0.80 = 264273.0 ns; no fill, the
 * clock at its boost (14 SMs are below the knee), + 2500 ns launch. */
START_TEST(a_gpu_without_a_tensor_core_fit_takes_the_fitted_gpus_efficiency)
{
	double wave = 2.0 * 128 * 128 * (16384 + 64) / (362e3 / 142 * 0.80); /* ns */
	const struct model_gpu *l = gpu("l40");
	struct model_op op = { .kind = MODEL_OP_GEMM, .dtype = MODEL_FP16, .b = 1 };
	struct model_op_pred p;
	struct mo_err err;

	op.m = op.n = op.k = 16384;
	ck_assert(l->gemm_tc_eff == 0 && l->gemm_tc_fill_ns == 0);
	ck_assert(model_clock_factor(l, 14) == 1.0);
	ck_assert_int_eq(model_op_predict(l, &op, 14, &p, &err), 0);
	ck_assert_int_eq(p.tile_m, 128);
	ck_assert_int_eq(p.tile_n, 128);
	ck_assert_int_eq(p.split_k, 1);
	ck_assert(fabs((double)p.ns - (2500 + 1171 * wave)) < 2);
}
END_TEST

/* FlashAttention-2 on Hopper at its published utilization (32.7% of the
 * dense peak at head dim 64), in whole tiles of 128 x 128 with a fixed
 * half tile per CTA, and a CTA alone on an SM hiding only half its latency.
 * By hand on the H100: 2 CTAs per SM (255 registers x 128 threads); one
 * tile pair is 4 x 128 x 128 x 64 = 4.194 MFLOP at 989.4 x 0.327 TFLOP/s.
 * b = 264, m = n = 1024: 2112 CTAs of 8 key tiles + 0.5, 16 per SM, 8 full
 * waves: 2112 x 8.5 tiles = 232.7 us, + 2.5 us launch.  Causal: the query
 * tiles visit 1..8 key tiles, 36 of 64 pairs, + 8 x 0.5 fixed: 40 of the
 * 68 tile-times.  b = 66, m = 128: 66 CTAs, one alone on each of 66 SMs:
 * 8.5 tiles at 1/132 of the rate, halved throughput: 29.09 us.  m = n = 197
 * (ViT-B, b = 48): padded to 2 x 2 tiles, 96 CTAs alone of 2.5 tiles each. */
START_TEST(flash_attention_on_hopper_runs_at_its_measured_utilization)
{
	const struct model_gpu *h = gpu("h100");
	struct model_op att = { .kind = MODEL_OP_ATTENTION, .dtype = MODEL_BF16, .b = 264, .m = 1024,
				.n = 1024, .k = 64 };
	struct model_op_pred p;
	struct mo_err err;
	double rate = 989.4e3 * 0.327, tile = 4.0 * 128 * 128 * 64; /* flop per ns; flop */

	ck_assert_int_eq(model_op_predict(h, &att, h->sms, &p, &err), 0);
	ck_assert_int_eq(p.blocks_per_sm, 2);
	ck_assert_int_eq(p.bound, MODEL_BOUND_COMPUTE);
	ck_assert(fabs((double)p.ns - (2500 + 2112 * 8.5 * tile / rate)) < 2);
	att.causal = 1;
	ck_assert_int_eq(model_op_predict(h, &att, h->sms, &p, &err), 0);
	ck_assert(fabs((double)p.ns - (2500 + 2112 * 8.5 * tile / rate * 40 / 68)) < 2);
	att.causal = 0;
	att.b = 66;
	att.m = 128;
	ck_assert_int_eq(model_op_predict(h, &att, h->sms, &p, &err), 0);
	ck_assert(fabs((double)p.ns - (2500 + 2 * 8.5 * tile / (rate / 132))) < 2);
	att.b = 48;
	att.m = att.n = 197;
	ck_assert_int_eq(model_op_predict(h, &att, h->sms, &p, &err), 0);
	ck_assert_int_eq(p.ctas, 96);
	ck_assert(fabs((double)p.ns - (2500 + 2 * 2.5 * tile / (rate / 132))) < 2);
}
END_TEST

/* The committed NeuSight subset: held-out error within a loose bound. */
START_TEST(gemm_model_error_on_held_out_neusight_timings)
{
	struct model_gemm_set set;
	struct mo_err err;
	const char *names[] = { "h100", "a100-80gb-pcie" };

	model_gemm_set_init(&set);
	ck_assert_int_eq(model_gemm_csv_load(&set, "tests/data/neusight/gemm-subset.csv", &err), 0);
	ck_assert_int_gt(set.n, 1000);
	for (int i = 0; i < 2; i++) {
		struct model_gemm_eval e;
		ck_assert_int_eq(model_gemm_evaluate(&set, gpu(names[i]), NULL, 1, &e), 0);
		fprintf(stderr, "neusight subset, held out: %-16s n=%d median %.1f%% p90 %.1f%%\n",
			names[i], e.n, e.median_ape, e.p90_ape);
		ck_assert_int_gt(e.n, 100);
		ck_assert_msg(e.median_ape < 15.0, "%s median %.1f%%", names[i], e.median_ape);
	}
	model_gemm_set_release(&set);
}
END_TEST

START_TEST(a_bad_csv_is_reported_with_its_line)
{
	char path[] = "/tmp/mosaic-test-csv-XXXXXX";
	int fd = mkstemp(path);
	const char text[] = "OPName,Latency,Device,B,M,N,K\nlinear,0.1,NVIDIA L4,1,2,3,4\nbmm,abc,NVIDIA L4,1,2,3,4\n";
	struct model_gemm_set set;
	struct mo_err err;

	ck_assert_int_eq(write(fd, text, sizeof(text) - 1), (ssize_t)sizeof(text) - 1);
	close(fd);
	model_gemm_set_init(&set);
	ck_assert_int_eq(model_gemm_csv_load(&set, path, &err), -MO_EINPUT);
	ck_assert_ptr_nonnull(strstr(err.msg, "line 3: bad Latency 'abc'"));
	model_gemm_set_release(&set);
	unlink(path);
}
END_TEST

/* ---- curves ---- */

START_TEST(curves_interpolate_between_samples)
{
	struct model_curve c = { .n = 3, .quota = { 8, 16, 32 }, .fwd_ns = { 800, 400, 200 },
				 .bwd_ns = { 1600, 800, 400 } };

	ck_assert_int_eq(model_curve_fwd_ns(&c, 16), 400);
	ck_assert_int_eq(model_curve_fwd_ns(&c, 24), 300);
	ck_assert_int_eq(model_curve_bwd_ns(&c, 12), 1200);
	ck_assert_int_eq(model_curve_fwd_ns(&c, 64), 200);  /* flat beyond */
	ck_assert_int_eq(model_curve_fwd_ns(&c, 4), 1600);  /* 1/q below */
}
END_TEST

START_TEST(the_regression_recovers_a_known_curve)
{
	int q[5] = { 8, 16, 32, 64, 128 };
	double t[5];
	struct model_curve_fit f;
	struct mo_err err;

	for (int i = 0; i < 5; i++)
		t[i] = 1000.0 + 64000.0 / q[i] + 2.0 * q[i];
	ck_assert_int_eq(model_curve_fit(q, t, 5, &f, &err), 0);
	ck_assert(fabs(f.a - 1000) < 1e-6 && fabs(f.b - 64000) < 1e-6 && fabs(f.c - 2) < 1e-9);
	ck_assert(f.max_rel_err < 1e-9);
	ck_assert_int_eq(model_curve_fit(q, t, 2, &f, &err), 0);
	ck_assert(f.c == 0);
	q[1] = 8;
	ck_assert_int_eq(model_curve_fit(q, t, 3, &f, &err), -MO_EINPUT);
}
END_TEST

/* A small synthetic trace: module "vit" fwd + bwd, module "llm" fwd. */
static void make_trace(struct trace_mem *t, int quota, double scale)
{
	struct trace_header h;
	struct trace_record r;
	struct mo_err err;
	int64_t now = 0;

	trace_mem_init(t);
	trace_header_init(&h);
	h.gpu_name = "NVIDIA H100 80GB HBM3";
	h.quota_sms = quota;
	h.source = TRACE_SOURCE_SIMULATED;
	ck_assert_int_eq(trace_mem_set_header(t, &h, &err), 0);
	trace_record_init(&r, TRACE_KIND_MODULE);
	r.u.module.id = 0;
	r.u.module.name = "vit";
	ck_assert_int_eq(trace_mem_add(t, &r, &err), 0);
	r.u.module.id = 1;
	r.u.module.name = "llm";
	ck_assert_int_eq(trace_mem_add(t, &r, &err), 0);
	trace_record_init(&r, TRACE_KIND_PHASE);
	r.u.phase.id = 0;
	r.u.phase.name = "forward";
	ck_assert_int_eq(trace_mem_add(t, &r, &err), 0);
	r.u.phase.id = 1;
	r.u.phase.name = "backward";
	ck_assert_int_eq(trace_mem_add(t, &r, &err), 0);
	for (int i = 0; i < 6; i++) {
		int64_t d = (int64_t)((20000 + 5000 * i) * scale);
		trace_record_init(&r, TRACE_KIND_KERNEL);
		r.u.kernel.start_ns = now;
		r.u.kernel.end_ns = now + d;
		now += d + 1000;
		r.u.kernel.device = 0;
		r.u.kernel.stream = 7;
		r.u.kernel.module = i < 4 ? 0 : 1;
		r.u.kernel.phase = i % 2;
		r.u.kernel.microbatch = 0;
		r.u.kernel.step = 0;
		r.u.kernel.grid_x = 4096;
		r.u.kernel.grid_y = r.u.kernel.grid_z = 1;
		r.u.kernel.block_x = 256;
		r.u.kernel.block_y = r.u.kernel.block_z = 1;
		r.u.kernel.registers = 64;
		r.u.kernel.static_smem = r.u.kernel.dynamic_smem = 0;
		r.u.kernel.name = i % 3 ? "ampere_sgemm_128x64_tn" : "vectorized_elementwise_kernel";
		r.u.kernel.kclass = model_classify(&r.u.kernel);
		ck_assert_int_eq(trace_mem_add(t, &r, &err), 0);
	}
}

START_TEST(the_kernel_level_curve_sums_kernels_per_module_and_phase)
{
	const struct model_gpu *h = gpu("h100");
	struct trace_mem t;
	struct model_curve c;
	struct mo_err err;
	int q[3] = { 32, 64, 132 };

	make_trace(&t, 0, 1.0);
	ck_assert_int_eq(model_trace_module_id(&t, "VIT"), 0);
	ck_assert_int_eq(model_curve_from_trace(&t, h, 0, q, 3, &c, &err), 0);
	ck_assert_int_eq(c.n, 3);
	/* at the recorded quota the curve is the measured sum: fwd 20+30, bwd 25+35 us */
	ck_assert_int_eq(c.fwd_ns[2], 50000);
	ck_assert_int_eq(c.bwd_ns[2], 60000);
	ck_assert_int_gt(c.fwd_ns[0], c.fwd_ns[1]);
	ck_assert_int_gt(c.fwd_ns[1], c.fwd_ns[2]);
	ck_assert(c.dram_gbps[0] > 0);
	/* bad input */
	q[1] = 60;
	ck_assert_int_eq(model_curve_from_trace(&t, h, 0, q, 3, &c, &err), -MO_EINPUT);
	ck_assert_ptr_nonnull(strstr(err.msg, "nearest valid quotas 56 and 64"));
	ck_assert_int_eq(model_curve_from_trace(&t, h, 7, NULL, 0, &c, &err), -MO_EINPUT);
	ck_assert_ptr_nonnull(strstr(err.msg, "has no kernels"));
	trace_mem_release(&t);
}
END_TEST

START_TEST(the_profile_regression_fits_traces_at_several_quotas)
{
	const struct model_gpu *h = gpu("h100");
	struct trace_mem t[4];
	const struct trace_mem *tp[4];
	int quotas[4] = { 16, 32, 64, 128 };
	struct model_curve c;
	struct model_curve_fit ff, fb;
	struct mo_err err;

	for (int i = 0; i < 4; i++) {
		/* time = 0.2 + 12.8 / q (relative to 128 SMs) */
		make_trace(&t[i], quotas[i], 0.2 + 12.8 / quotas[i] * 1.0 / (0.2 + 0.1));
		tp[i] = &t[i];
	}
	ck_assert_int_eq(model_curve_from_profiles(tp, 4, h, "vit", quotas, 4, &c, &ff, &fb, &err), 0);
	ck_assert(ff.max_rel_err < 0.01);
	ck_assert(ff.b > 0);
	for (int i = 0; i + 1 < 4; i++)
		ck_assert_int_gt(c.fwd_ns[i], c.fwd_ns[i + 1]);
	ck_assert_int_eq(model_curve_from_profiles(tp, 4, h, "audio", NULL, 0, &c, &ff, &fb, &err),
			 -MO_EINPUT);
	ck_assert_ptr_nonnull(strstr(err.msg, "no module 'audio'"));
	for (int i = 0; i < 4; i++)
		trace_mem_release(&t[i]);
}
END_TEST

/* ---- interference ---- */

START_TEST(interference_grows_with_combined_demand)
{
	const struct model_gpu *h = gpu("h100");
	double cap = h->hbm_gbps * MODEL_DRAM_EFF;

	ck_assert(model_interference(h, 500, 500) == 1.0);
	ck_assert(model_interference(h, cap / 2, cap / 2) == 1.0);
	/* a fully memory-bound module sharing with an equal one: twice slower */
	ck_assert(fabs(model_interference(h, cap, cap) - 2.0) < 1e-9);
	/* max-min fair, as the simulator shares DRAM: a demand of half the
	 * capacity is met in full beside any partner (the old proportional
	 * share said 1 + 0.5 * (1.5 - 1) = 1.25) */
	ck_assert(model_interference(h, cap / 2, cap) == 1.0);
	ck_assert(model_interference(h, cap / 2, 2 * cap) == 1.0);
	/* 0.8 C beside 0.8 C: half each; memory-bound 80% of its time:
	 * 0.2 + 0.8 * 0.8 / 0.5 = 1.48 */
	ck_assert(fabs(model_interference(h, 0.8 * cap, 0.8 * cap) - 1.48) < 1e-9);
	/* beside 0.3 C it gets the other 0.7 C: 0.2 + 0.8 * 0.8 / 0.7 */
	ck_assert(fabs(model_interference(h, 0.8 * cap, 0.3 * cap) - (0.2 + 0.64 / 0.7)) < 1e-9);
	ck_assert(model_interference(h, 0, 5 * cap) == 1.0);
}
END_TEST


/* The SMs kernels get in launch order (model_sm_alloc), by hand on 132
 * SMs: an earlier kernel keeps what its blocks fill, a later one takes the
 * rest or waits with none. */
START_TEST(kernels_get_sms_in_the_block_schedulers_order)
{
	double a[3];

	/* two that fill the SMs: the first runs, the second waits (turns) */
	model_sm_alloc((const double[]){ 132, 132 }, 2, 132, 0, a);
	ck_assert(a[0] == 132 && a[1] == 0);
	/* the other order: the second launched first */
	model_sm_alloc((const double[]){ 132, 132 }, 2, 132, 1, a);
	ck_assert(a[0] == 0 && a[1] == 132);
	/* a narrow kernel first leaves the rest to a wide one; after it, none */
	model_sm_alloc((const double[]){ 4, 132 }, 2, 132, 0, a);
	ck_assert(a[0] == 4 && a[1] == 128);
	model_sm_alloc((const double[]){ 132, 4 }, 2, 132, 0, a);
	ck_assert(a[0] == 132 && a[1] == 0);
	/* three streams: 100, the 32 left, then nothing; from the third on:
	 * 4, then 100, then the 28 left */
	model_sm_alloc((const double[]){ 100, 132, 4 }, 3, 132, 0, a);
	ck_assert(a[0] == 100 && a[1] == 32 && a[2] == 0);
	model_sm_alloc((const double[]){ 100, 132, 4 }, 3, 132, 2, a);
	ck_assert(a[2] == 4 && a[0] == 100 && a[1] == 28);
	/* no demand, no SMs; a first out of range starts at 0 */
	model_sm_alloc((const double[]){ -5, 0, 10 }, 3, 8, 7, a);
	ck_assert(a[0] == 0 && a[1] == 0 && a[2] == 8);
}
END_TEST

/* Co-runners on the same SMs (model_corun_slowdown_in), by hand on an H100
 * partition of 66 SMs: each load is launched first in turn (model_sm_alloc)
 * and waits in the turns it is not first when the earlier one fills the
 * partition; the slowdown is n / (sum of own's rates over the n turns). */
START_TEST(corunners_on_the_same_sms_take_turns_for_each_pair_of_classes)
{
	const struct model_gpu *h = gpu("h100");
	double cap = model_hbm_achievable_gbps(h);
	struct model_load gemm, mem, small;

	model_class_load(h, TRACE_CLASS_GEMM, 66, &gemm);
	model_class_load(h, TRACE_CLASS_MEMORY, 66, &mem);
	ck_assert(fabs(gemm.dram_gbps - cap * 0.15 / 0.85) < 1e-6);
	ck_assert(fabs(mem.dram_gbps - cap) < 1e-6);
	/* in other partitions: compute + compute costs nothing on an H100 SXM */
	ck_assert(model_corun_slowdown(h, &gemm, &gemm, 1) == 1.0);
	/* every pair of classes that fill the partition: own runs alone in its
	 * turn (rate 1) and waits in the other's (rate 0): 2 / 1 = 2 */
	ck_assert(fabs(model_corun_slowdown_in(h, &gemm, &gemm, 1, NULL, 0) - 2.0) < 1e-9);
	ck_assert(fabs(model_corun_slowdown_in(h, &gemm, &mem, 1, NULL, 0) - 2.0) < 1e-9);
	ck_assert(fabs(model_corun_slowdown_in(h, &mem, &gemm, 1, NULL, 0) - 2.0) < 1e-9);
	ck_assert(fabs(model_corun_slowdown_in(h, &mem, &mem, 1, NULL, 0) - 2.0) < 1e-9);
	/* three that fill the partition: 3 / 1 */
	{
		struct model_load two[2] = { gemm, gemm };
		ck_assert(fabs(model_corun_slowdown_in(h, &gemm, two, 2, NULL, 0) - 3.0) < 1e-9);
	}
	/* a co-runner whose blocks fill 10 SMs: in its turn own runs on the 56
	 * left (rate 56 / 66), in own's turn alone (rate 1): 2 / (1 + 56/66) =
	 * 132 / 122; the narrow one waits in own's turn: 2 / (1 + 0) = 2 */
	small = gemm;
	small.sms = 10;
	small.tensor_sms = 10;
	ck_assert(fabs(model_corun_slowdown_in(h, &gemm, &small, 1, NULL, 0) - 132.0 / 122) < 1e-9);
	ck_assert(fabs(model_corun_slowdown_in(h, &small, &gemm, 1, NULL, 0) - 2.0) < 1e-9);
}
END_TEST

/* dram_share takes bandwidth from the GPU, not from one SM's pull. */
START_TEST(a_dram_share_lowers_the_gpus_bandwidth_and_keeps_an_sms_pull)
{
	struct model_gpu h = *gpu("h100");
	double cap = model_hbm_achievable_gbps(&h), sm = model_sm_gbps(&h);

	h.dram_share = 0.5;
	ck_assert(fabs(model_hbm_achievable_gbps(&h) - cap / 2) < 1e-9);
	ck_assert(fabs(model_sm_gbps(&h) - sm) < 1e-9);
	ck_assert(fabs(model_dram_gbps_at(&h, 10) - 10 * sm) < 1e-9);
	ck_assert(fabs(model_dram_gbps_at(&h, 132) - cap / 2) < 1e-9);
}
END_TEST

/* A kernel recorded alone and predicted with a share of the DRAM: the share
 * is the prediction's, not the recording's.  By hand on the H100: an
 * elementwise kernel (bytes only, 1056 blocks filling the 132 SMs) moving
 * 3 GB at the achievable 3352 x 0.9 = 3016.8 GB/s took 1500 + 994431.2 ns;
 * with dram_share 0.5 its body takes twice that (it cancelled out before:
 * the recording was read with half the bandwidth, so half the bytes). */
START_TEST(a_dram_share_slows_a_kernel_recorded_alone)
{
	struct model_gpu h = *gpu("h100");
	double body = 3e9 / (3352 * 0.9);
	struct trace_kernel k = kernel(1500 + (int64_t)llround(body), 1056, 256, 32,
				       TRACE_CLASS_ELEMENTWISE);

	k.bytes = 3000000000LL;
	ck_assert(llabs(model_kernel_ns_at_quota(&h, &k, 132, 132) - (k.end_ns - k.start_ns)) <= 1);
	h.dram_share = 0.5;
	ck_assert(fabs((double)model_kernel_ns_at_quota(&h, &k, 132, 132) - (1500 + 2 * body)) < 2);
	/* two copies taking turns on the SMs with that share: each body twice */
	ck_assert(fabs(model_kernel_ns_shared(&h, &k, 132, 132, 2) - (1500 + 2 * 2 * body)) < 2);
}
END_TEST

/* L2 shared by partitions, by hand on the H100 (50 MiB = 52428800 bytes):
 * alone, or beside partitions with no DRAM traffic, a partition keeps all
 * of it; beside one drawing 3x its traffic, a quarter (12.5 MiB); two equal
 * ones half each.  A 25 MiB working set re-read 100 MB: all hits alone (100
 * MB of compulsory traffic stays 100 MB), half misses in 12.5 MiB (+50 MB);
 * nothing of it hits in no L2; no working set, nothing to miss.  A MIG 1g
 * slice holds 1/8 of the A100's 40 MiB. */
START_TEST(partitions_share_the_l2_by_their_dram_traffic)
{
	const struct model_gpu *h = gpu("h100");
	double mib = 1024.0 * 1024, l2 = 50 * mib, three = 3000, one = 1000, zero = 0;
	struct model_gpu slice;
	struct mo_err err;

	ck_assert(fabs(model_l2_share(h, 0, one, NULL, 0) - l2) < 1e-6);
	ck_assert(fabs(model_l2_share(h, 0, one, &zero, 1) - l2) < 1e-6);
	ck_assert(fabs(model_l2_share(h, 0, one, &three, 1) - l2 / 4) < 1e-6);
	ck_assert(fabs(model_l2_share(h, 0, three, &one, 1) - l2 * 3 / 4) < 1e-6);
	ck_assert(fabs(model_l2_share(h, 0, one, &one, 1) - l2 / 2) < 1e-6);
	ck_assert(fabs(model_l2_share(h, 0, zero, &one, 1)) < 1e-6);
	ck_assert(fabs(model_l2_dram_bytes(100e6, 100e6, 25 * mib, l2) - 100e6) < 1e-6);
	ck_assert(fabs(model_l2_dram_bytes(100e6, 100e6, 25 * mib, l2 / 4) - 150e6) < 1e-6);
	ck_assert(fabs(model_l2_dram_bytes(100e6, 100e6, 25 * mib, 0) - 200e6) < 1e-6);
	ck_assert(fabs(model_l2_dram_bytes(100e6, 100e6, 0, 0) - 100e6) < 1e-6);
	ck_assert_int_eq(model_mig_instance(gpu("a100-80gb-sxm"), 14, &slice, &err), 0);
	ck_assert(fabs(model_l2_share(&slice, 0, one, NULL, 0) - 40 * mib / 8) < 1);
}
END_TEST

/* ---- validation ---- */

/* A copy of src at another quota: every kernel's time scaled by f(kernel). */
static void rescale_trace(const struct trace_mem *src, struct trace_mem *dst, int quota,
			  double (*f)(const struct trace_kernel *k, int quota), int rename_from)
{
	struct trace_header h = src->header;
	struct mo_err err;
	int64_t shift = 0;
	int nk = 0;

	trace_mem_init(dst);
	h.quota_sms = quota;
	ck_assert_int_eq(trace_mem_set_header(dst, &h, &err), 0);
	for (size_t i = 0; i < src->n; i++) {
		struct trace_record r = src->recs[i];
		if (r.kind == TRACE_KIND_KERNEL) {
			int64_t d = r.u.kernel.end_ns - r.u.kernel.start_ns;
			int64_t nd = (int64_t)llround(d * f(&r.u.kernel, quota));
			r.u.kernel.start_ns += shift;
			r.u.kernel.end_ns = r.u.kernel.start_ns + nd;
			shift += nd - d;
			if (rename_from >= 0 && nk++ >= rename_from)
				r.u.kernel.name = "some_other_kernel";
		}
		ck_assert_int_eq(trace_mem_add(dst, &r, &err), 0);
	}
}

static double waves_law(const struct trace_kernel *k, int quota)
{
	/* 4096 blocks of 256 threads, 64 regs: 4 blocks/SM on H100 */
	return ceil(4096.0 / (4 * quota)) / ceil(4096.0 / (4 * 132));
}

START_TEST(validation_matches_kernels_and_reports_both_predictors)
{
	const struct model_gpu *h = gpu("h100");
	struct trace_mem ref, t64, t32;
	struct model_val_report r;
	struct mo_err err;
	int nkernel_rows = 0, nmodule_rows = 0;

	make_trace(&ref, 0, 1.0);
	rescale_trace(&ref, &t64, 64, waves_law, -1);
	rescale_trace(&ref, &t32, 32, waves_law, -1);
	model_val_init(&r);
	ck_assert_int_eq(model_validate_add(&r, h, &ref, &t64, &err), 0);
	ck_assert_int_eq(model_validate_add(&r, h, &ref, &t32, &err), 0);
	model_val_finish(&r);
	ck_assert_int_eq(r.matched, 12);
	ck_assert_int_eq(r.unmatched, 0);
	ck_assert_int_eq(r.nape, 12);
	ck_assert_int_eq(r.source_mask, 1 << TRACE_SOURCE_SIMULATED);
	/* the ground truth follows wave scaling exactly: the baseline has no error */
	ck_assert(r.all_base.max < 1e-6);
	ck_assert(r.all_ours.mape > 0 && r.all_ours.mape < 60);
	for (int i = 0; i < r.nrows; i++) {
		ck_assert(r.rows[i].quota == 64 || r.rows[i].quota == 32);
		ck_assert_int_eq(r.rows[i].source, TRACE_SOURCE_SIMULATED);
		if (r.rows[i].level == 0)
			nkernel_rows++;
		else
			nmodule_rows++;
	}
	/* per quota: gemm, elementwise, all; vit and llm, forward and backward */
	ck_assert_int_eq(nkernel_rows, 6);
	ck_assert_int_eq(nmodule_rows, 8);
	model_val_release(&r);
	trace_mem_release(&t32);
	trace_mem_release(&t64);
	trace_mem_release(&ref);
}
END_TEST

START_TEST(validation_skips_kernels_that_do_not_match)
{
	const struct model_gpu *h = gpu("h100");
	struct trace_mem ref, t, other;
	struct model_val_report r;
	struct mo_err err;
	struct trace_header hd;

	make_trace(&ref, 0, 1.0);
	rescale_trace(&ref, &t, 64, waves_law, 3); /* kernels 3.. renamed */
	model_val_init(&r);
	ck_assert_int_eq(model_validate_add(&r, h, &ref, &t, &err), 0);
	model_val_finish(&r);
	ck_assert_int_eq(r.matched, 3);
	ck_assert_int_eq(r.unmatched, 3);
	/* a target with nothing in common is an error */
	trace_mem_init(&other);
	trace_header_init(&hd);
	ck_assert_int_eq(trace_mem_set_header(&other, &hd, &err), 0);
	ck_assert_int_eq(model_validate_add(&r, h, &ref, &other, &err), -MO_EINPUT);
	ck_assert_ptr_nonnull(strstr(err.msg, "no kernel of the target matches"));
	model_val_release(&r);
	trace_mem_release(&other);
	trace_mem_release(&t);
	trace_mem_release(&ref);
}
END_TEST

START_TEST(error_statistics_are_exact)
{
	double e[5] = { 40, 10, 30, 20, 50 };
	struct model_err_stats s;

	model_err_stats_of(e, 5, &s);
	ck_assert_int_eq(s.n, 5);
	ck_assert(fabs(s.mape - 30) < 1e-9);
	ck_assert(fabs(s.p50 - 30) < 1e-9);
	ck_assert(fabs(s.p90 - 50) < 1e-9); /* nearest rank: ceil(0.9 * 5) = 5th */
	ck_assert(fabs(s.max - 50) < 1e-9);
}
END_TEST

/* ---- interference matrix ---- */

START_TEST(the_interference_matrix_calibrates_from_co_runs_and_round_trips)
{
	const struct model_gpu *h = gpu("h100");
	struct trace_mem solo, corun;
	const struct trace_mem *sp[1];
	struct model_interference_matrix m, back;
	struct mo_err err;
	char path[] = "/tmp/mosaic-test-im-XXXXXX";
	int fd = mkstemp(path);
	double own;

	close(fd);
	make_trace(&solo, 0, 1.0);
	make_trace(&corun, 0, 1.25); /* everything 25% slower together */
	sp[0] = &solo;
	model_im_init(&m);
	ck_assert_int_eq(model_im_calibrate(&m, sp, 1, &corun, &err), 0);
	ck_assert_int_eq(m.n, 2);
	ck_assert(fabs(m.slow[model_im_index(&m, "vit", 0)][model_im_index(&m, "llm", 0)] - 1.25) < 1e-3);
	ck_assert(fabs(model_im_slowdown(&m, "llm", "vit", h, 0, 0) - 1.25) < 1e-3);
	ck_assert(model_im_slowdown(&m, "vit", "vit", h, 0, 0) == 1.0);
	/* unknown pairs fall back to the bandwidth model */
	own = h->hbm_gbps * MODEL_DRAM_EFF;
	ck_assert(fabs(model_im_slowdown(&m, "vit", "audio", h, own, own) - 2.0) < 1e-9);
	ck_assert_int_eq(model_im_save(&m, path, &err), 0);
	ck_assert_int_eq(model_im_load(&back, path, &err), 0);
	ck_assert_int_eq(back.n, 2);
	ck_assert(fabs(back.slow[0][1] - m.slow[0][1]) < 1e-3);
	/* a co-run module without a solo trace */
	ck_assert_int_eq(model_im_calibrate(&m, sp, 0, &corun, &err), -MO_EINPUT);
	ck_assert_ptr_nonnull(strstr(err.msg, "has no solo trace"));
	/* bad files */
	{
		FILE *fp = fopen(path, "w");
		fputs("{\"modules\": [\"a\", \"b\"], \"slowdown\": [[1, 0.5], [1, 1]]}", fp);
		fclose(fp);
		ck_assert_int_eq(model_im_load(&back, path, &err), -MO_EINPUT);
		ck_assert_ptr_nonnull(strstr(err.msg, "slowdown[0][1]"));
		fp = fopen(path, "w");
		fputs("{\"modules\": [\"a\"], \"slowdown\": [[1]], \"extra\": 1}", fp);
		fclose(fp);
		ck_assert_int_eq(model_im_load(&back, path, &err), -MO_EINPUT);
		ck_assert_ptr_nonnull(strstr(err.msg, "unknown field 'extra'"));
	}
	unlink(path);
	trace_mem_release(&solo);
	trace_mem_release(&corun);
}
END_TEST

/* ---- calibration files ---- */

/* Write text to path. */
static void write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	ck_assert_ptr_nonnull(fp);
	fputs(text, fp);
	fclose(fp);
}

START_TEST(a_calibration_file_round_trips_and_bad_ones_name_the_file_and_the_path)
{
	static const struct {
		const char *text, *msg;
	} bad[] = {
		{"{\"format\": \"mosaic-calibration\", \"version\": 2, \"gpu\": \"h\", \"modules\": [], \"gemm\": []}",
		 "version 2: this mosaic reads version 1"},
		{"{\"format\": \"other\", \"version\": 1}", "format: expected"},
		{"{\"format\": \"mosaic-calibration\", \"version\": 1, \"gpu\": \"h\", \"modules\": [], \"gemm\": [], \"x\": 1}",
		 "x: unknown field"},
		{"{\"format\": \"mosaic-calibration\", \"version\": 1, \"gpu\": \"h\", \"modules\": [{\"name\": \"v\", "
		 "\"microbatch\": 0, \"source\": \"simulated\", \"profiles\": 2, \"forward_fit\": {\"a\": 1, \"b\": 2, "
		 "\"c\": 0, \"n\": 2, \"max_rel_err\": 0}, \"backward_fit\": {\"a\": 1, \"b\": 2, \"c\": 0, \"n\": 2, "
		 "\"max_rel_err\": 0}, \"quota\": [8, 8], \"forward_ns\": [2, 1], \"backward_ns\": [2, 1]}], \"gemm\": []}",
		 "modules[0].quota[1]: quotas must increase"},
		{"{\"format\": \"mosaic-calibration\",", "line 1"},
	};
	struct model_calibration c, back;
	struct mo_err err;
	char path[] = "/tmp/mosaic-test-cal-XXXXXX";
	int fd = mkstemp(path);

	close(fd);
	memset(&c, 0, sizeof c);
	snprintf(c.gpu, sizeof c.gpu, "NVIDIA H100 80GB HBM3");
	c.n_modules = 1, c.n_gemm = 1;
	snprintf(c.modules[0].name, sizeof c.modules[0].name, "vision");
	c.modules[0].microbatch = 8, c.modules[0].profiles = 3;
	c.modules[0].source = TRACE_SOURCE_MEASURED;
	c.modules[0].fwd = (struct model_curve_fit){100.5, 2e6, 0.25, 3, 0.01};
	c.modules[0].bwd = (struct model_curve_fit){200, 4e6, 0, 2, 0};
	c.modules[0].curve.n = 2;
	c.modules[0].curve.quota[0] = 66, c.modules[0].curve.quota[1] = 132;
	c.modules[0].curve.fwd_ns[0] = 4000, c.modules[0].curve.fwd_ns[1] = 2500;
	c.modules[0].curve.bwd_ns[0] = 9000, c.modules[0].curve.bwd_ns[1] = 5000;
	snprintf(c.gemm[0].gpu, sizeof c.gemm[0].gpu, "h100");
	c.gemm[0].fit = (struct model_gemm_fit){0.5, 120, {53000, 24000}};
	c.gemm[0].train = 70, c.gemm[0].test = 30, c.gemm[0].test_median_ape = 8.5;
	ck_assert_msg(model_calibration_save(&c, path, &err) == 0, "%s", err.msg);
	ck_assert_msg(model_calibration_load(&back, path, &err) == 0, "%s", err.msg);
	ck_assert_str_eq(back.gpu, c.gpu);
	ck_assert_int_eq(back.n_modules, 1);
	ck_assert_int_eq(model_calibration_module(&back, "vision"), 0);
	ck_assert_int_eq(model_calibration_module(&back, "text"), -1);
	ck_assert_int_eq(back.modules[0].microbatch, 8);
	ck_assert_int_eq(back.modules[0].source, TRACE_SOURCE_MEASURED);
	ck_assert(back.modules[0].fwd.a == 100.5 && back.modules[0].fwd.c == 0.25);
	ck_assert_int_eq(back.modules[0].curve.n, 2);
	ck_assert_int_eq(back.modules[0].curve.quota[1], 132);
	ck_assert_int_eq(back.modules[0].curve.bwd_ns[0], 9000);
	ck_assert_int_eq(back.n_gemm, 1);
	ck_assert(back.gemm[0].fit.k0 == 120 && back.gemm[0].fit.overhead_ns[1] == 24000);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		write_file(path, bad[i].text);
		ck_assert_int_eq(model_calibration_load(&back, path, &err), -MO_EINPUT);
		ck_assert_msg(strstr(err.msg, path) && strstr(err.msg, bad[i].msg), "%zu: %s", i, err.msg);
		ck_assert_int_eq(back.n_modules, 0);
	}
	unlink(path);
}
END_TEST

/* 3g and 4g own the same 4/8 of the memory and 42 and 56 SMs: a
 * compute-bound GEMM (bf16 8192^3, 4096 128x128 tiles: 98 waves on 42 SMs,
 * 74 on 56, hand counted) takes about 98/74 = 1.32x as long on 3g; a
 * streaming kernel (1 GiB elementwise, DRAM-bound on both) the same time
 * within 5 %.  Before the instance's peaks were scaled, a 3g SM ran at
 * 108/42 of an A100 SM's rate and the GEMM took the same time on both. */
START_TEST(a_mig_instance_computes_at_its_own_sms_rate)
{
	struct mo_err err;
	const struct model_gpu *g = model_gpu_find("a100-80gb-sxm", &err);
	struct model_gpu g3, g4;
	struct model_op op = {.kind = MODEL_OP_GEMM, .dtype = MODEL_BF16, .b = 1,
			      .m = 8192, .n = 8192, .k = 8192};
	double r;

	ck_assert_int_eq(model_mig_instance(g, 42, &g3, &err), 0);
	ck_assert_int_eq(model_mig_instance(g, 56, &g4, &err), 0);
	r = (double)model_op_ns(&g3, &op, 42) / (double)model_op_ns(&g4, &op, 56);
	ck_assert_msg(r > 1.25 && r < 1.36, "3g/4g GEMM %.3f", r);
	op = (struct model_op){.kind = MODEL_OP_ELEMENTWISE, .dtype = MODEL_BF16, .b = 1,
			       .m = 1LL << 29, .bytes = 1LL << 30, .flops = 1LL << 29};
	r = (double)model_op_ns(&g3, &op, 42) / (double)model_op_ns(&g4, &op, 56);
	ck_assert_msg(r > 0.95 && r < 1.05, "3g/4g elementwise %.3f", r);
}
END_TEST

/* MIG user guide, A100 table: 3g = 3/7 of the compute, 4/8 of memory and
 * L2; 2g = 2/8; 1g = 1/8; 5 slices is no profile; H100 is not written
 * down yet. */
START_TEST(a_mig_instance_is_a_gpu_with_its_slices_of_memory_bandwidth_and_l2)
{
	struct mo_err err;
	const struct model_gpu *g = model_gpu_find("a100-80gb-sxm", &err);
	struct model_gpu t;

	ck_assert_int_eq(model_mig_instance(g, 42, &t, &err), 0);
	ck_assert_int_eq(t.sms, 42);
	ck_assert_double_eq_tol(t.hbm_gbps, 2039 / 2.0, 1e-9);
	ck_assert_int_eq(t.l2_bytes, g->l2_bytes / 2);
	ck_assert_int_eq(t.mem_bytes, g->mem_bytes / 2);
	/* the peaks are the instance's: each SM keeps the whole GPU's rate */
	ck_assert_double_eq_tol(t.fp32_tflops, g->fp32_tflops * 42 / 108, 1e-12);
	ck_assert_double_eq_tol(t.tf32_tflops, g->tf32_tflops * 42 / 108, 1e-12);
	ck_assert_double_eq_tol(t.bf16_tflops, g->bf16_tflops * 42 / 108, 1e-12);
	ck_assert_double_eq_tol(t.fp16_tflops, g->fp16_tflops * 42 / 108, 1e-12);
	ck_assert_int_eq(model_mig_instance(g, 28, &t, &err), 0);
	ck_assert_double_eq_tol(t.hbm_gbps, 2039 / 4.0, 1e-9);
	ck_assert_int_eq(model_mig_instance(g, 14, &t, &err), 0);
	ck_assert_double_eq_tol(t.hbm_gbps, 2039 / 8.0, 1e-9);
	ck_assert_int_eq(model_mig_instance(g, 70, &t, &err), -MO_EINPUT);
	ck_assert_ptr_nonnull(strstr(err.msg, "70 SMs"));
	ck_assert_int_eq(model_mig_instance(g, 20, &t, &err), -MO_EINPUT);
	ck_assert_int_eq(model_mig_instance(model_gpu_find("h100", &err), 16, &t, &err), -MO_EINPUT);
}
END_TEST

/* The host fit on the committed BERT-small trace (measured, H100): 61
 * enqueue calls matched to GPU activity, one thread, first to last
 * 3873316 ns, the longest interval 247014 ns (below the 1 ms cut) - figures
 * from the JSON by a short Python script (Decimal times rounded to ns). */
START_TEST(the_host_fit_reads_launch_intervals_of_a_measured_trace)
{
	struct trace_mem t;
	struct trace_sink sink;
	struct model_host_fit f;
	struct model_host h;
	struct mo_err err;
	uint64_t n = 0;

	trace_mem_init(&t);
	sink = trace_sink_mem(&t);
	ck_assert_int_eq(trace_read_any("tests/data/kineto/tracelens/"
					"gaunernst_bert-small-uncased__1016001.json.gz", &sink, &err), 0);
	model_host_fit_init(&f);
	ck_assert_int_eq(model_host_fit_add(&f, &t, &err), 0);
	ck_assert_uint_eq(f.launches, 61);
	ck_assert_uint_eq(f.intervals, 60);
	ck_assert_uint_eq(f.dropped, 0);
	ck_assert_int_eq(f.issue_ns, 3873316);
	for (int c = 0; c < TRACE_CLASS_COUNT; c++)
		n += f.n[c];
	ck_assert_uint_eq(n, 60);
	/* fitted from this trace alone, the mean interval is 64.6 us per kernel */
	model_host_init(&h, MODEL_LAUNCH_EAGER);
	model_host_from_fit(&f, &h);
	int64_t per_class[TRACE_CLASS_COUNT] = {0};
	for (int c = 0; c < TRACE_CLASS_COUNT; c++)
		per_class[c] = (int64_t)f.n[c];
	int64_t issue = model_host_sequence_ns(&h, per_class);
	ck_assert_int_le(llabs(issue - 3873316), 60); /* integer means: < 1 ns per interval */
	/* graphs: one launch, whatever the kernels */
	model_host_init(&h, MODEL_LAUNCH_GRAPHS);
	ck_assert_int_eq(model_host_sequence_ns(&h, per_class), MODEL_HOST_GRAPH_LAUNCH_NS);
	ck_assert_int_eq(model_host_kernel_ns(&h, TRACE_CLASS_GEMM), 0);
	model_host_init(&h, MODEL_LAUNCH_EAGER);
	ck_assert_int_eq(model_host_kernel_ns(&h, TRACE_CLASS_GEMM), MODEL_HOST_GEMM_NS);
	ck_assert_int_eq(model_host_kernel_ns(&h, 99), MODEL_HOST_OTHER_NS);
	trace_mem_release(&t);
}
END_TEST

/* Max-min fair shares for more demands than the co-runner bound: 39
 * demands of 1 and one of 100 under a cap of 50 give 39 x 1 and 11. */
START_TEST(fair_shares_meet_the_small_demands_for_any_number_of_them)
{
	double d[40], out[40];

	for (int i = 0; i < 40; i++)
		d[i] = i < 39 ? 1 : 100;
	model_fair_shares(d, 40, 50, out);
	for (int i = 0; i < 39; i++)
		ck_assert_double_eq_tol(out[i], 1, 1e-12);
	ck_assert_double_eq_tol(out[39], 11, 1e-12);
}
END_TEST

/* N processes sharing SMs with no SM limit (model_kernel_ns_shared), by
 * hand on an A100 at 54 SMs (HBM 2039 GB/s x 0.9 achievable, saturated by
 * half the 108 SMs: one SM pulls 2039 x 0.9 / 54).  A 100 us streaming
 * kernel of 4096 blocks (memory-bound: 100 us at 54 SMs too, fixed latency
 * L = 1.5 us) fills the SMs, so 3 processes take turns on its body and
 * overlap its latency: 1500 + 3 x 98500 = 297000 ns (a 3-way split would
 * give each 18 SMs).  A 10 us kernel of 4 blocks (recorded alone on 108 SMs:
 * 8500 ns of body at the 4 SMs' pull) fills 4 SMs: 54 / 4 = 13 copies fit
 * side by side, each pulling no more than its 1/13 of the bandwidth, so up
 * to 13 processes take 10000 ns each.  16 processes: 13 copies on 4 SMs and
 * one on the 2 SMs left run at once; the 2-SM copy pulls 2/54 of the
 * bandwidth, the 13 others 4/54 each: 54/54, so max-min fair sharing (the
 * simulator's) meets every demand (an equal 1/14 split would hold the 4-SM
 * copies to 1/14 < 4/54 and stretch them to 8500 x 56/54).  So the 4-SM
 * copies take 8500 ns of body, the 2-SM one 17000.  Each copy is first in
 * turn: 1500 + 16 / (13 / 8500 + 1 / 17000) = 1500 + 16 x 17000 / 27 =
 * 11574.074 ns.  One process: the kernel alone; more SMs than the GPU's:
 * the GPU's.  On a GPU of 1024 SMs (saturating the HBM at 512) 300 copies
 * of a 1-block kernel all run side by side (each pulls 1/512 of the
 * bandwidth, 300/512 together): as long as 2 copies. */
START_TEST(processes_sharing_sms_take_turns_on_kernels_that_fill_them)
{
	const struct model_gpu *a = gpu("a100-80gb-sxm");
	struct model_gpu wide;
	struct trace_kernel big, small;

	memset(&big, 0, sizeof(big));
	big.grid_x = 4096, big.grid_y = big.grid_z = 1;
	big.block_x = 256, big.block_y = big.block_z = 1;
	big.registers = 32;
	big.end_ns = 100000;
	big.name = "vectorized_elementwise_kernel";
	big.kclass = model_classify(&big);
	small = big;
	small.grid_x = 4;
	small.end_ns = 10000;
	ck_assert_double_eq_tol(model_kernel_ns_shared(a, &big, a->sms, 54, 1),
				(double)model_kernel_ns_at_quota(a, &big, a->sms, 54), 1e-9);
	ck_assert_double_eq_tol(model_kernel_ns_shared(a, &big, a->sms, 54, 1), 100000, 1e-9);
	ck_assert_double_eq_tol(model_kernel_ns_shared(a, &big, a->sms, 54, 3), 297000, 1e-9);
	ck_assert_double_eq_tol(model_kernel_ns_shared(a, &small, a->sms, 54, 13), 10000, 1e-9);
	ck_assert_double_eq_tol(model_kernel_ns_shared(a, &small, a->sms, 54, 16), 11574.074, 1e-3);
	ck_assert_double_eq_tol(model_kernel_ns_shared(a, &small, a->sms, 500, 16),
				model_kernel_ns_shared(a, &small, a->sms, a->sms, 16), 1e-9);
	wide = *a;
	wide.sms = MODEL_GPU_SMS_MAX;
	wide.hbm_gbps = a->hbm_gbps * wide.sms / a->sms;
	small.grid_x = 1;
	ck_assert_double_eq_tol(model_kernel_ns_shared(&wide, &small, wide.sms, wide.sms, 300),
				model_kernel_ns_shared(&wide, &small, wide.sms, wide.sms, 2), 1e-6);
}
END_TEST

/* The host is the machine's, not the GPU's (model.h): every caller's
 * default is the H100 traces' host whatever the GPU; the A100 and V100
 * traces' hosts are named; validate's sensitivity row maps a GPU to the
 * host of its own traces. */
START_TEST(the_host_is_named_not_taken_from_the_gpu)
{
	struct model_host h;

	model_host_init_cpu(&h, MODEL_LAUNCH_EAGER, MODEL_HOST_CPU_A100_TRACES);
	ck_assert_int_eq(h.launch_ns, MODEL_HOST_A100_LAUNCH_NS);
	ck_assert_int_eq(h.op_ns, MODEL_HOST_A100_OP_NS);
	ck_assert_int_eq(h.pycall_ns, 0);
	ck_assert_int_eq(model_host_kernel_ns(&h, TRACE_CLASS_GEMM), 58400);
	model_host_init_cpu(&h, MODEL_LAUNCH_EAGER, MODEL_HOST_CPU_V100_TRACES);
	ck_assert_int_eq(h.launch_ns, MODEL_HOST_V100_LAUNCH_NS);
	ck_assert_int_eq(model_host_kernel_ns(&h, TRACE_CLASS_REDUCTION), 155100);
	model_host_init(&h, MODEL_LAUNCH_EAGER);
	ck_assert_int_eq(h.launch_ns, MODEL_HOST_LAUNCH_NS);
	ck_assert_int_eq(model_host_kernel_ns(&h, TRACE_CLASS_GEMM), MODEL_HOST_GEMM_NS);
	model_host_init_cpu(&h, MODEL_LAUNCH_GRAPHS, 99); /* out of range: the default */
	ck_assert_int_eq(h.pycall_ns, MODEL_HOST_PYCALL_NS);
	ck_assert_int_eq(model_host_kernel_ns(&h, TRACE_CLASS_GEMM), 0);
	ck_assert_int_eq(model_host_cpu_parse("a100-traces"), MODEL_HOST_CPU_A100_TRACES);
	ck_assert_int_eq(model_host_cpu_parse("a100"), -1);
	ck_assert_str_eq(model_host_cpu_name(MODEL_HOST_CPU_DEFAULT), "h100-traces");
	ck_assert_int_eq(model_host_cpu_of_gpu(model_gpu_find("a100-80gb-sxm", NULL)),
			 MODEL_HOST_CPU_A100_TRACES);
	ck_assert_int_eq(model_host_cpu_of_gpu(model_gpu_find("v100-sxm2", NULL)),
			 MODEL_HOST_CPU_V100_TRACES);
	ck_assert_int_eq(model_host_cpu_of_gpu(model_gpu_find("l4", NULL)), /* cc 8.9 */
			 MODEL_HOST_CPU_H100_TRACES);
}
END_TEST

/* Hand-checked with the fitted eager GEMM dispatch (30.6 us): three 10 us
 * GEMMs wait on the host, 3 x 30.6 + 10 = 101.8 us (30 us back to back);
 * three 100 us GEMMs keep the GPU busy, 30.6 + 300 = 330.6 us; under graphs
 * one 8 us graph launch, then 30 us of GPU work. */
START_TEST(a_kernel_stream_lasts_the_max_of_host_issue_and_gpu_work)
{
	struct model_host h;
	struct model_host_stream s;

	model_host_init(&h, MODEL_LAUNCH_EAGER);
	model_host_stream_init(&h, &s);
	for (int i = 0; i < 3; i++)
		model_host_stream_add(&s, (double)model_host_kernel_ns(&h, TRACE_CLASS_GEMM), 10000);
	ck_assert_double_eq_tol(s.end_ns, 101800, 1e-6);
	model_host_stream_init(&h, &s);
	for (int i = 0; i < 3; i++)
		model_host_stream_add(&s, (double)model_host_kernel_ns(&h, TRACE_CLASS_GEMM), 100000);
	ck_assert_double_eq_tol(s.end_ns, 330600, 1e-6);
	model_host_init(&h, MODEL_LAUNCH_GRAPHS);
	model_host_stream_init(&h, &s);
	for (int i = 0; i < 3; i++)
		model_host_stream_add(&s, (double)model_host_kernel_ns(&h, TRACE_CLASS_GEMM), 10000);
	ck_assert_double_eq_tol(s.end_ns, 38000, 1e-6);
}
END_TEST

/* A graph executor (TensorFlow's tf.function) issues every kernel from C++:
 * a launch and 2.44 CPU operators, no Python, whatever the class: 12360 +
 * 2.44 x 3330 = 20485.2 ns on the H100 host; three 10 us GEMMs wait on it,
 * 3 x 20485 + 10000 = 71455 ns (eager: 101800); an activity's Python calls
 * cost nothing; the A100 host's own launch and operator figures: 33520 +
 * 2.44 x 6350 = 49014 ns. */
START_TEST(a_graph_executor_costs_each_kernel_a_launch_and_its_operators_without_python)
{
	struct model_host h;
	struct model_host_stream s;

	model_host_init(&h, MODEL_LAUNCH_EXECUTOR);
	ck_assert_int_eq(model_host_kernel_ns(&h, TRACE_CLASS_GEMM), 20485);
	ck_assert_int_eq(model_host_kernel_ns(&h, TRACE_CLASS_REDUCTION), 20485);
	ck_assert_int_eq(model_host_kernel_ns(&h, TRACE_CLASS_MEMORY), 20485);
	ck_assert_double_eq_tol(model_host_activity_ns(&h, 2, 4, 100), 2 * 12360 + 4 * 3330, 1e-6);
	model_host_stream_init(&h, &s);
	for (int i = 0; i < 3; i++)
		model_host_stream_add(&s, (double)model_host_kernel_ns(&h, TRACE_CLASS_GEMM), 10000);
	ck_assert_double_eq_tol(s.end_ns, 71455, 1e-6);
	model_host_init_cpu(&h, MODEL_LAUNCH_EXECUTOR, MODEL_HOST_CPU_A100_TRACES);
	ck_assert_int_eq(model_host_kernel_ns(&h, TRACE_CLASS_CONV), 49014);
	ck_assert_int_eq(model_launch_parse("executor"), MODEL_LAUNCH_EXECUTOR);
	ck_assert_str_eq(model_launch_name(MODEL_LAUNCH_EXECUTOR), "executor");
	ck_assert_str_eq(model_launch_name(MODEL_LAUNCH_GRAPHS), "graphs");
	ck_assert_int_eq(model_launch_parse("xla"), -1);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("model");
	TCase *tc = tcase_create("model");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, gpus_are_found_by_short_full_and_trace_names);
	tcase_add_test(tc, a_misaligned_gemm_runs_narrow_accesses_and_a_pre_hopper_kernel);
	tcase_add_test(tc, narrow_accesses_stretch_only_the_main_loop);
	tcase_add_test(tc, a_reduction_pays_a_fixed_chain_beyond_an_elementwise_kernel);
	tcase_add_test(tc, a_long_misaligned_softmax_row_is_read_scalar);
	tcase_add_test(tc, a_kernel_stream_lasts_the_max_of_host_issue_and_gpu_work);
	tcase_add_test(tc, the_host_is_named_not_taken_from_the_gpu);
	tcase_add_test(tc, processes_sharing_sms_take_turns_on_kernels_that_fill_them);
	tcase_add_test(tc, fair_shares_meet_the_small_demands_for_any_number_of_them);
	tcase_add_test(tc, a_graph_executor_costs_each_kernel_a_launch_and_its_operators_without_python);
	tcase_add_test(tc, a_mig_instance_is_a_gpu_with_its_slices_of_memory_bandwidth_and_l2);
	tcase_add_test(tc, a_mig_instance_computes_at_its_own_sms_rate);
	tcase_add_test(tc, an_unknown_gpu_is_an_error_listing_the_known_ones);
	tcase_add_test(tc, specs_carry_the_data_sheet_and_cuda_limits);
	tcase_add_test(tc, quotas_off_the_lattice_name_the_nearest_valid_ones);
	tcase_add_test(tc, a_trace_header_finds_or_derives_its_gpu);
	tcase_add_test(tc, dtypes_parse_and_size);
	tcase_add_test(tc, user_gpus_load_from_json_and_take_precedence);
	tcase_add_test(tc, a_gpu_file_never_replaces_a_built_in_gpu);
	tcase_add_test(tc, bad_gpu_json_names_the_field);
	tcase_add_test(tc, blocks_per_sm_follow_the_cuda_rules);
	tcase_add_test(tc, occupancy_agrees_with_cupti_on_the_external_traces);
	tcase_add_test(tc, kernels_are_classified_by_name);
	tcase_add_test(tc, a_kernels_precision_is_read_from_its_name);
	tcase_add_test(tc, a_kernels_flops_are_split_at_its_own_precisions_peak);
	tcase_add_test(tc, int8_work_runs_at_the_data_sheets_int8_peak);
	tcase_add_test(tc, wave_scaling_baseline_scales_by_waves);
	tcase_add_test(tc, kernel_time_at_quota_splits_compute_memory_and_launch);
	tcase_add_test(tc, stacked_blocks_share_an_sm_and_do_not_multiply_its_throughput);
	tcase_add_test(tc, the_partial_last_wave_costs_its_blocks_and_its_latency);
	tcase_add_test(tc, hbm_saturates_with_a_fraction_of_the_sms_at_its_achievable_bandwidth);
	tcase_add_test(tc, a_kernels_fixed_latency_does_not_scale_with_the_quota);
	tcase_add_test(tc, a_partition_alone_runs_at_a_higher_clock_than_beside_busy_neighbours);
	tcase_add_test(tc, fewer_sms_never_make_a_kernel_faster);
	tcase_add_test(tc, gemm_from_shape_picks_tiles_and_respects_rooflines);
	tcase_add_test(tc, other_ops_from_shape);
	tcase_add_test(tc, gemm_model_error_on_held_out_neusight_timings);
	tcase_add_test(tc, a_bad_csv_is_reported_with_its_line);
	tcase_add_test(tc, curves_interpolate_between_samples);
	tcase_add_test(tc, the_regression_recovers_a_known_curve);
	tcase_add_test(tc, the_kernel_level_curve_sums_kernels_per_module_and_phase);
	tcase_add_test(tc, the_profile_regression_fits_traces_at_several_quotas);
	tcase_add_test(tc, interference_grows_with_combined_demand);
	tcase_add_test(tc, kernels_get_sms_in_the_block_schedulers_order);
	tcase_add_test(tc, corunners_on_the_same_sms_take_turns_for_each_pair_of_classes);
	tcase_add_test(tc, a_tensor_core_gemm_pays_its_pipeline_fill_once);
	tcase_add_test(tc, a_gpu_without_a_tensor_core_fit_takes_the_fitted_gpus_efficiency);
	tcase_add_test(tc, flash_attention_on_hopper_runs_at_its_measured_utilization);
	tcase_add_test(tc, a_dram_share_lowers_the_gpus_bandwidth_and_keeps_an_sms_pull);
	tcase_add_test(tc, a_dram_share_slows_a_kernel_recorded_alone);
	tcase_add_test(tc, partitions_share_the_l2_by_their_dram_traffic);
	tcase_add_test(tc, validation_matches_kernels_and_reports_both_predictors);
	tcase_add_test(tc, validation_skips_kernels_that_do_not_match);
	tcase_add_test(tc, error_statistics_are_exact);
	tcase_add_test(tc, the_interference_matrix_calibrates_from_co_runs_and_round_trips);
	tcase_add_test(tc, a_calibration_file_round_trips_and_bad_ones_name_the_file_and_the_path);
	tcase_add_test(tc, the_host_fit_reads_launch_intervals_of_a_measured_trace);
	suite_add_tcase(s, tc);
	return s;
}
