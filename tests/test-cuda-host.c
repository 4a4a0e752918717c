/*
 * test-cuda-host.c - the host-side logic of the CUDA parts, on the CPU:
 * the NVTX range encoding, NCCL kernel names, SM split requests, replay
 * kernel sizing, rank -> GPU mapping, control message framing, and the
 * no-device paths of the probe and the loader.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <stdio.h>
#include <unistd.h>

#include "tests/common/check-main.h"
#include "tests/common/kernel.h"
#include "engine/cuda/engine-cuda.h"
#include "engine/engine.h"
#include "model/model.h"
#include "workloads/workloads.h"
#include "traces/cuda/trace-cuda.h"
#include "traces/traces.h"

/* ---- NVTX range encoding ---- */

START_TEST(range_message_gives_module_phase_and_microbatch)
{
	struct trace_cuda_range r;
	struct mo_err err = {0};

	ck_assert_int_eq(trace_cuda_range_parse("module=vision;phase=forward;mb=3", &r, &err), 0);
	ck_assert_str_eq(r.module, "vision");
	ck_assert_str_eq(r.phase, "forward");
	ck_assert_int_eq(r.microbatch, 3);
	ck_assert_int_eq(r.step, -1);
	ck_assert_int_eq(trace_cuda_range_parse("step=12;mb=0;module=llm;x=y;", &r, &err), 0);
	ck_assert_str_eq(r.module, "llm");
	ck_assert_str_eq(r.phase, "");
	ck_assert_int_eq(r.microbatch, 0);
	ck_assert_int_eq(r.step, 12);
}
END_TEST

static const struct {
	const char *msg;
	const char *offset; /* expected in the message */
} bad_ranges[] = {
	{"module", "offset 0"},
	{"module=vision;mb=x", "offset 17"},
	{"module=vision;mb=-1", "offset 17"},
	{"=3", "offset 0"},
	{"module=;phase=forward", "offset 7"},
	{"module=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "longer"},
	{"mb=99999999999999999999", "offset 3"},
};

START_TEST(bad_range_messages_are_refused_with_their_offset)
{
	struct trace_cuda_range r;
	struct mo_err err = {0};

	ck_assert_int_eq(trace_cuda_range_parse(bad_ranges[_i].msg, &r, &err), -MO_EINPUT);
	ck_assert_msg(strstr(err.msg, bad_ranges[_i].offset), "'%s' -> '%s'", bad_ranges[_i].msg,
		      err.msg);
}
END_TEST

START_TEST(range_format_round_trips)
{
	char buf[128];
	struct trace_cuda_range r;
	struct mo_err err = {0};

	ck_assert_int_gt(trace_cuda_range_format(buf, sizeof(buf), "audio", "backward", 7, 2), 0);
	ck_assert_str_eq(buf, "module=audio;phase=backward;mb=7;step=2");
	ck_assert_int_eq(trace_cuda_range_parse(buf, &r, &err), 0);
	ck_assert_str_eq(r.module, "audio");
	ck_assert_str_eq(r.phase, "backward");
	ck_assert_int_eq(r.microbatch, 7);
	ck_assert_int_eq(r.step, 2);
	ck_assert_int_eq(trace_cuda_range_format(buf, sizeof(buf), "a;b", "forward", 0, -1),
			 -MO_EUSAGE);
	ck_assert_int_eq(trace_cuda_range_format(buf, 8, "vision", "forward", 0, -1), -MO_EUSAGE);
	ck_assert_int_eq(trace_cuda_range_format(buf, sizeof(buf), "llm", NULL, -1, -1), 10);
	ck_assert_str_eq(buf, "module=llm");
}
END_TEST


START_TEST(output_names_expand_pid_and_rank)
{
	char buf[64];

	ck_assert_int_eq(trace_cuda_out_path("run-%r.mtr", 42, "3", buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "run-3.mtr");
	ck_assert_int_eq(trace_cuda_out_path("%p-%%-%x", 1234, NULL, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "1234-%-%x");
	ck_assert_int_eq(trace_cuda_out_path(NULL, 7, "1", buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "mosaic-7.mtr");
	ck_assert_int_eq(trace_cuda_out_path("r%r", 7, NULL, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "r0");
	ck_assert_int_eq(trace_cuda_out_path("abcdefgh%p", 123456, "0", buf, 12), -MO_EUSAGE);
	ck_assert_int_eq(trace_cuda_out_path("abcdefgh", 1, "0", buf, 9), 0);
	ck_assert_int_eq(trace_cuda_out_path("abcdefghi", 1, "0", buf, 9), -MO_EUSAGE);
}
END_TEST

/* ---- NCCL kernel names ---- */

static const struct {
	const char *name;
	int kind;
	const char *dtype;
} nccl_names[] = {
	{"ncclDevKernel_AllReduce_Sum_bf16_RING_LL", TRACE_COLL_ALLREDUCE, "bf16"},
	{"ncclKernel_AllGather_RING_LL_Sum_int8_t", TRACE_COLL_ALLGATHER, "int8_t"},
	{"ncclDevKernel_ReduceScatter_Sum_f32_RING_SIMPLE", TRACE_COLL_REDUCESCATTER, "f32"},
	{"ncclDevKernel_Reduce_Sum_f16_RING_LL", TRACE_COLL_REDUCE, "f16"},
	{"ncclDevKernel_Broadcast_RING_LL", TRACE_COLL_BROADCAST, ""},
	{"ncclDevKernel_SendRecv(ncclDevKernelArgsStorage<4096ul>)", TRACE_COLL_SEND, ""},
	{"ncclKernel_AllReduce_RING_LL_Sum_float(ncclWorkElem)", TRACE_COLL_ALLREDUCE, "float"},
	{"ncclDevKernel_Foo_bar", TRACE_COLL_UNKNOWN, ""},
	{"ampere_sgemm_128x64_nn", TRACE_COLL_UNKNOWN, ""},
};

START_TEST(nccl_kernel_names_give_the_collective_and_type)
{
	char dtype[32];

	ck_assert_int_eq(trace_cuda_nccl_kind(nccl_names[_i].name, dtype, sizeof(dtype)),
			 nccl_names[_i].kind);
	ck_assert_str_eq(dtype, nccl_names[_i].dtype);
	ck_assert_int_eq(trace_cuda_is_nccl_kernel(nccl_names[_i].name),
			 strncmp(nccl_names[_i].name, "nccl", 4) == 0);
}
END_TEST

/* ---- SM split requests ---- */

static const struct engine_cuda_lattice h100 = {132, 8, 8};
static const struct engine_cuda_lattice a100 = {108, 4, 2};

START_TEST(h100_quotas_split_into_common_groups)
{
	int q[] = {64, 48, 16};
	struct engine_cuda_split s;
	struct mo_err err = {0};

	ck_assert_int_eq(engine_cuda_split_plan(q, 3, &h100, &s, &err), 0);
	ck_assert_int_eq(s.group_sms, 16);
	ck_assert_int_eq(s.n_groups, 8);
	ck_assert_int_eq(s.first[0], 0);
	ck_assert_int_eq(s.count[0], 4);
	ck_assert_int_eq(s.first[1], 4);
	ck_assert_int_eq(s.count[1], 3);
	ck_assert_int_eq(s.first[2], 7);
	ck_assert_int_eq(s.count[2], 1);
	ck_assert_int_eq(s.unused_sms, 4);
	ck_assert_int_eq(s.rounded[0] + s.rounded[1] + s.rounded[2], 0);
}
END_TEST

START_TEST(quotas_off_the_lattice_are_rounded_up)
{
	int q[] = {60, 30};
	struct engine_cuda_split s;
	struct mo_err err = {0};

	ck_assert_int_eq(engine_cuda_split_plan(q, 2, &h100, &s, &err), 0);
	ck_assert_int_eq(s.sms[0], 64);
	ck_assert_int_eq(s.sms[1], 32);
	ck_assert(s.rounded[0] && s.rounded[1]);
	ck_assert_int_eq(s.group_sms, 32);
	/* a quota under the minimum becomes the minimum */
	q[0] = 2;
	ck_assert_int_eq(engine_cuda_split_plan(q, 1, &a100, &s, &err), 0);
	ck_assert_int_eq(s.sms[0], 4);
}
END_TEST

START_TEST(quotas_without_a_common_group_chain_largest_first)
{
	int q[] = {6, 40, 4}; /* gcd 2 < min 4 on A100 */
	struct engine_cuda_split s;
	struct mo_err err = {0};

	ck_assert_int_eq(engine_cuda_split_plan(q, 3, &a100, &s, &err), 0);
	ck_assert_int_eq(s.group_sms, 0);
	ck_assert_int_eq(s.order[0], 1);
	ck_assert_int_eq(s.order[1], 0);
	ck_assert_int_eq(s.order[2], 2);
	ck_assert_int_eq(s.unused_sms, 108 - 50);
}
END_TEST

START_TEST(quotas_that_do_not_fit_are_refused)
{
	int over[] = {64, 72};     /* 136 > 132 */
	int rounded[] = {66, 66};  /* 72 + 72 after rounding */
	int big[] = {140};
	int zero[] = {0};
	struct engine_cuda_split s;
	struct mo_err err = {0};
	struct engine_cuda_lattice bad = {132, 0, 8};

	ck_assert_int_eq(engine_cuda_split_plan(over, 2, &h100, &s, &err), -MO_EINFEASIBLE);
	ck_assert_ptr_nonnull(strstr(err.msg, "136"));
	ck_assert_int_eq(engine_cuda_split_plan(rounded, 2, &h100, &s, &err), -MO_EINFEASIBLE);
	ck_assert_ptr_nonnull(strstr(err.msg, "144"));
	ck_assert_int_eq(engine_cuda_split_plan(big, 1, &h100, &s, &err), -MO_EINFEASIBLE);
	ck_assert_int_eq(engine_cuda_split_plan(zero, 1, &h100, &s, &err), -MO_EINPUT);
	ck_assert_int_eq(engine_cuda_split_plan(zero, 0, &h100, &s, &err), -MO_EUSAGE);
	ck_assert_int_eq(engine_cuda_split_plan(big, 1, &bad, &s, &err), -MO_EUSAGE);
}
END_TEST

/* ---- replay sizing ---- */

/* H100-like limits; calibration figures chosen round: 128 iterations per ns
 * per SM, 4 ns latency per iteration, 3000 B/ns, no launch cost. */
static struct engine_cuda_device dev(void)
{
	struct engine_cuda_device d = {
		.sms = 132, .warp_size = 32, .max_threads_per_sm = 2048, .max_blocks_per_sm = 32,
		.regs_per_sm = 65536, .reg_alloc_unit = 256, .smem_per_sm = 233472,
		.smem_per_block_optin = 232448, .smem_reserved_per_block = 1024,
		.replay_regs = 32, .fma_per_ns_per_sm = 128, .iter_latency_ns = 4,
		.dram_bytes_per_ns = 3000, .launch_ns = 0,
	};
	return d;
}

START_TEST(occupancy_follows_the_cuda_limits)
{
	struct engine_cuda_device d = dev();

	ck_assert_int_eq(engine_cuda_blocks_per_sm(&d, 256, 32, 0), 8);   /* threads */
	ck_assert_int_eq(engine_cuda_blocks_per_sm(&d, 256, 128, 0), 2);  /* registers */
	ck_assert_int_eq(engine_cuda_blocks_per_sm(&d, 128, 32, 100 * 1024), 2); /* smem */
	ck_assert_int_eq(engine_cuda_blocks_per_sm(&d, 32, 16, 0), 32);   /* block limit */
	ck_assert_int_eq(engine_cuda_blocks_per_sm(&d, 128, 32, 240 * 1024), 0);
}
END_TEST

START_TEST(compute_kernels_loop_for_their_duration)
{
	struct engine_cuda_device d = dev();
	/* 264 blocks of 256 threads, 128 registers: 2 blocks/SM, one wave;
	 * 512 threads/SM / 128 per ns = 4 ns per iteration; 40 us -> 10000 */
	struct trace_kernel k = test_kernel(TRACE_CLASS_GEMM, 40000, 264, 256, 128, 0);
	struct engine_cuda_replay r;
	struct mo_err err = {0};

	ck_assert_int_eq(engine_cuda_replay_size(&d, &k, &r, &err), 0);
	ck_assert_int_eq(r.mode, ENGINE_CUDA_REPLAY_COMPUTE);
	ck_assert_int_eq(r.target_blocks_per_sm, 2);
	ck_assert_int_eq(r.blocks_per_sm, 2); /* padded: replay uses fewer registers */
	ck_assert_uint_eq(r.dyn_smem, 233472 / 2 - 1024);
	ck_assert_int_eq(r.iters, 10000);
	ck_assert_uint_eq(r.grid[0], 264);
	ck_assert_uint_eq(r.block[0], 256);
	/* twice the blocks: two waves, half the iterations */
	k.grid_x = 528;
	ck_assert_int_eq(engine_cuda_replay_size(&d, &k, &r, &err), 0);
	ck_assert_int_eq(r.iters, 5000);
}
END_TEST

START_TEST(memory_kernels_stream_their_bytes)
{
	struct engine_cuda_device d = dev();
	struct trace_kernel k = test_kernel(TRACE_CLASS_ELEMENTWISE, 10000, 1024, 256, 16, 0);
	struct engine_cuda_replay r;
	struct mo_err err = {0};

	ck_assert_int_eq(engine_cuda_replay_size(&d, &k, &r, &err), 0);
	ck_assert_int_eq(r.mode, ENGINE_CUDA_REPLAY_MEMORY);
	ck_assert_int_eq(r.bytes, 30000000); /* 10 us at 3000 B/ns */
	k.bytes = 123456789;
	ck_assert_int_eq(engine_cuda_replay_size(&d, &k, &r, &err), 0);
	ck_assert_int_eq(r.bytes, 123456789);
	/* unknown class: arithmetic intensity decides */
	k.kclass = TRACE_CLASS_UNKNOWN;
	k.flops = 100 * k.bytes;
	ck_assert_int_eq(engine_cuda_replay_size(&d, &k, &r, &err), 0);
	ck_assert_int_eq(r.mode, ENGINE_CUDA_REPLAY_COMPUTE);
	k.kclass = TRACE_CLASS_COMM;
	ck_assert_int_eq(engine_cuda_replay_size(&d, &k, &r, &err), 0);
	ck_assert_int_eq(r.mode, ENGINE_CUDA_REPLAY_SKIP);
}
END_TEST

START_TEST(kernels_that_cannot_be_replayed_are_refused)
{
	struct engine_cuda_device d = dev();
	struct trace_kernel k = test_kernel(TRACE_CLASS_GEMM, 0, 10, 128, 32, 0);
	struct engine_cuda_replay r;
	struct mo_err err = {0};

	ck_assert_int_eq(engine_cuda_replay_size(&d, &k, &r, &err), -MO_EINPUT);
	k = test_kernel(TRACE_CLASS_GEMM, 100, 0, 128, 32, 0);
	ck_assert_int_eq(engine_cuda_replay_size(&d, &k, &r, &err), -MO_EINPUT);
	k = test_kernel(TRACE_CLASS_GEMM, 100, 10, 128, 32, 300 * 1024);
	ck_assert_int_eq(engine_cuda_replay_size(&d, &k, &r, &err), -MO_EINPUT);
	ck_assert_ptr_nonnull(strstr(err.msg, "cannot run"));
	d.fma_per_ns_per_sm = 0;
	k = test_kernel(TRACE_CLASS_GEMM, 100, 10, 128, 32, 0);
	ck_assert_int_eq(engine_cuda_replay_size(&d, &k, &r, &err), -MO_EUSAGE);
}
END_TEST


/* Every kernel the synthesiser makes for the bundled workloads can be
 * replayed on an H100-like device (the backend sizes them all before a run). */
START_TEST(every_synthesised_kernel_can_be_replayed)
{
	static const char *const specs[] = {"workloads/clip.json", "workloads/qwen3-vl.json",
					    "workloads/imagebind.json", "workloads/ofasys.json",
					    "workloads/unified-io-2.json", "workloads/llava-1.5-7b.json"};
	struct engine_cuda_device d = dev();
	struct mo_err err = {0};
	const struct model_gpu *gpu = model_gpu_find("h100", &err);
	long replayed = 0, skipped = 0;

	ck_assert_ptr_nonnull(gpu);
	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		struct workload *w = NULL;

		ck_assert_msg(access(specs[i], R_OK) == 0, "'%s' not found (committed)", specs[i]);
		ck_assert_msg(workload_load(specs[i], &w, &err) == 0, "%s", err.msg);
		for (int m = 0; m < w->n_modules; m++)
			for (int ph = 0; ph < 3; ph++) {
				struct trace_mem t;

				trace_mem_init(&t);
				ck_assert_msg(workload_kernels(w, m, 0, w->modules[m].layers, ph, w->microbatch,
							       gpu, &t, &err) == 0, "%s", err.msg);
				for (size_t k = 0; k < t.n; k++) {
					struct engine_cuda_replay r;
					const struct trace_kernel *tk = &t.recs[k].u.kernel;

					if (t.recs[k].kind != TRACE_KIND_KERNEL)
						continue;
					ck_assert_msg(engine_cuda_replay_size(&d, tk, &r, &err) == 0,
						      "%s: %s", specs[i], err.msg);
					ck_assert_int_gt(r.blocks_per_sm, 0);
					ck_assert_int_le(r.blocks_per_sm, r.target_blocks_per_sm);
					ck_assert(r.mode == ENGINE_CUDA_REPLAY_SKIP || r.iters > 0 || r.bytes > 0);
					replayed += r.mode != ENGINE_CUDA_REPLAY_SKIP;
					skipped += r.mode == ENGINE_CUDA_REPLAY_SKIP;
				}
				trace_mem_release(&t);
			}
		workload_free(w);
	}
	fprintf(stderr, "replay sizing: %ld kernels sized, %ld communication kernels skipped\n",
		replayed, skipped);
}
END_TEST


/* Kernels measured on an H100 (a Kineto trace in tests/data) size too. */
START_TEST(measured_kernels_can_be_replayed)
{
	const char *path = "tests/data/kineto/tracelens/gaunernst_bert-small-uncased__1016001.json.gz";
	struct engine_cuda_device d = dev();
	struct mo_err err = {0};
	struct trace_mem t;
	struct trace_sink sink;
	long sized = 0, zero = 0;

	ck_assert_msg(access(path, R_OK) == 0, "'%s' not found (committed test data)", path);
	trace_mem_init(&t);
	sink = trace_sink_mem(&t);
	ck_assert_msg(trace_read_any(path, &sink, &err) == 0, "%s", err.msg);
	for (size_t k = 0; k < t.n; k++) {
		struct engine_cuda_replay r;
		const struct trace_kernel *tk = &t.recs[k].u.kernel;

		if (t.recs[k].kind != TRACE_KIND_KERNEL)
			continue;
		if (tk->end_ns <= tk->start_ns) {
			zero++;
			continue;
		}
		ck_assert_msg(engine_cuda_replay_size(&d, tk, &r, &err) == 0, "%s", err.msg);
		ck_assert_int_eq(r.expect_ns, tk->end_ns - tk->start_ns);
		sized++;
	}
	ck_assert_int_gt(sized, 10);
	fprintf(stderr, "replay sizing: %ld measured kernels sized, %ld of zero length\n", sized, zero);
	trace_mem_release(&t);
}
END_TEST

/* ---- rank -> GPU ---- */

static const char *table_get(const char *name, void *ctx)
{
	const char *const *kv = ctx;

	for (; kv[0]; kv += 2)
		if (!strcmp(kv[0], name))
			return kv[1];
	return NULL;
}

START_TEST(open_mpi_local_rank_picks_the_gpu)
{
	const char *env[] = {"OMPI_COMM_WORLD_RANK", "5", "OMPI_COMM_WORLD_SIZE", "8",
			     "OMPI_COMM_WORLD_LOCAL_RANK", "1", "OMPI_COMM_WORLD_LOCAL_SIZE", "4",
			     "SLURM_PROCID", "0", NULL};
	struct engine_cuda_rank r;
	struct mo_err err = {0};

	ck_assert_int_eq(engine_cuda_rank_from_env(table_get, env, 4, &r, &err), 0);
	ck_assert_str_eq(r.source, "open-mpi");
	ck_assert_int_eq(r.rank, 5);
	ck_assert_int_eq(r.size, 8);
	ck_assert_int_eq(r.local_rank, 1);
	ck_assert_int_eq(r.gpu, 1);
}
END_TEST

START_TEST(slurm_and_pmi_and_single_process)
{
	const char *slurm[] = {"SLURM_PROCID", "6", "SLURM_NTASKS", "8", "SLURM_LOCALID", "2",
			       "SLURM_NTASKS_PER_NODE", "4(x2)", NULL};
	const char *pmi[] = {"PMI_RANK", "3", "PMI_SIZE", "4", "MPI_LOCALRANKID", "3", NULL};
	const char *none[] = {NULL};
	struct engine_cuda_rank r;
	struct mo_err err = {0};

	ck_assert_int_eq(engine_cuda_rank_from_env(table_get, slurm, 8, &r, &err), 0);
	ck_assert_str_eq(r.source, "slurm");
	ck_assert_int_eq(r.gpu, 2);
	ck_assert_int_eq(r.local_size, 4);
	ck_assert_int_eq(engine_cuda_rank_from_env(table_get, pmi, 4, &r, &err), 0);
	ck_assert_str_eq(r.source, "pmi");
	ck_assert_int_eq(r.gpu, 3);
	ck_assert_int_eq(engine_cuda_rank_from_env(table_get, none, 1, &r, &err), 0);
	ck_assert_str_eq(r.source, "single");
	ck_assert_int_eq(r.rank, 0);
	ck_assert_int_eq(r.size, 1);
	ck_assert_int_eq(r.gpu, 0);
}
END_TEST

START_TEST(bad_or_oversubscribed_ranks_are_refused)
{
	const char *bad[] = {"OMPI_COMM_WORLD_RANK", "x", NULL};
	const char *outside[] = {"OMPI_COMM_WORLD_RANK", "4", "OMPI_COMM_WORLD_SIZE", "4", NULL};
	const char *over[] = {"OMPI_COMM_WORLD_RANK", "2", "OMPI_COMM_WORLD_SIZE", "4",
			      "OMPI_COMM_WORLD_LOCAL_RANK", "2", NULL};
	struct engine_cuda_rank r;
	struct mo_err err = {0};

	ck_assert_int_eq(engine_cuda_rank_from_env(table_get, bad, 4, &r, &err), -MO_EINPUT);
	ck_assert_int_eq(engine_cuda_rank_from_env(table_get, outside, 4, &r, &err), -MO_EINPUT);
	ck_assert_int_eq(engine_cuda_rank_from_env(table_get, over, 2, &r, &err), -MO_EINFEASIBLE);
	ck_assert_ptr_nonnull(strstr(err.msg, "one process per GPU"));
	ck_assert_int_eq(engine_cuda_rank_from_env(table_get, over, 0, &r, &err), -MO_ENODEV);
}
END_TEST

/* ---- control messages ---- */

START_TEST(timing_messages_round_trip)
{
	struct engine_cuda_timing t = {3, 17, 1700000000123456789LL, 1700000000223456789LL,
				       99999999, 4242};
	struct engine_cuda_timing back;
	uint8_t pay[ENGINE_CUDA_TIMING_BYTES], msg[128];
	const uint8_t *p;
	size_t len, plen;
	int rank = -1;
	struct mo_err err = {0};

	engine_cuda_timing_encode(&t, pay);
	ck_assert_int_eq(engine_cuda_msg_pack(ENGINE_CUDA_MSG_TIMING, 3, pay, sizeof(pay), msg,
					      sizeof(msg), &len, &err), 0);
	ck_assert_uint_eq(len, ENGINE_CUDA_MSG_HEADER + ENGINE_CUDA_TIMING_BYTES);
	ck_assert_int_eq(engine_cuda_msg_unpack(msg, len, ENGINE_CUDA_MSG_TIMING, &rank, &p, &plen,
						&err), 0);
	ck_assert_int_eq(rank, 3);
	ck_assert_int_eq(engine_cuda_timing_decode(p, plen, &back, &err), 0);
	ck_assert_int_eq(back.rank, 3);
	ck_assert_int_eq(back.iteration, 17);
	ck_assert_int_eq(back.start_ns, 1700000000123456789LL);
	ck_assert_int_eq(back.end_ns, 1700000000223456789LL);
	ck_assert_int_eq(back.busy_ns, 99999999);
	ck_assert_int_eq(back.kernels, 4242);
	/* a fixed byte image: little-endian, independent of the host */
	ck_assert_int_eq(memcmp(msg, "MOSC\x01\x00\x03\x00\x03\x00\x00\x00\x28\x00\x00\x00", 16), 0);
}
END_TEST

START_TEST(damaged_messages_are_refused)
{
	struct engine_cuda_start s = {10, 2, 4, 0x12345678};
	struct engine_cuda_start back;
	uint8_t pay[ENGINE_CUDA_START_BYTES], msg[64], copy[64];
	const uint8_t *p;
	size_t len, plen;
	struct mo_err err = {0};

	engine_cuda_start_encode(&s, pay);
	ck_assert_int_eq(engine_cuda_msg_pack(ENGINE_CUDA_MSG_START, 0, pay, sizeof(pay), msg,
					      sizeof(msg), &len, &err), 0);
	ck_assert_int_eq(engine_cuda_msg_unpack(msg, len, ENGINE_CUDA_MSG_START, NULL, &p, &plen,
						&err), 0);
	ck_assert_int_eq(engine_cuda_start_decode(p, plen, &back, &err), 0);
	ck_assert_int_eq(back.plan_crc, 0x12345678);
	ck_assert_int_eq(back.n_ranks, 4);
	/* wrong type, truncated, flipped payload bit, bad magic, newer version */
	ck_assert_int_eq(engine_cuda_msg_unpack(msg, len, ENGINE_CUDA_MSG_PLAN, NULL, &p, &plen,
						&err), -MO_EINPUT);
	ck_assert_ptr_nonnull(strstr(err.msg, "offset 6"));
	ck_assert_int_eq(engine_cuda_msg_unpack(msg, len - 1, 0, NULL, &p, &plen, &err),
			 -MO_EINPUT);
	ck_assert_int_eq(engine_cuda_msg_unpack(msg, 10, 0, NULL, &p, &plen, &err), -MO_EINPUT);
	memcpy(copy, msg, len);
	copy[len - 1] ^= 1;
	ck_assert_int_eq(engine_cuda_msg_unpack(copy, len, 0, NULL, &p, &plen, &err), -MO_EINPUT);
	ck_assert_ptr_nonnull(strstr(err.msg, "checksum"));
	memcpy(copy, msg, len);
	copy[0] = 'X';
	ck_assert_int_eq(engine_cuda_msg_unpack(copy, len, 0, NULL, &p, &plen, &err), -MO_EINPUT);
	memcpy(copy, msg, len);
	copy[4] = 9;
	ck_assert_int_eq(engine_cuda_msg_unpack(copy, len, 0, NULL, &p, &plen, &err),
			 -MO_EVERSION);
	/* a message that does not fit the caller's buffer */
	ck_assert_int_eq(engine_cuda_msg_pack(ENGINE_CUDA_MSG_START, 0, pay, sizeof(pay), msg, 30,
					      &len, &err), -MO_EUSAGE);
	/* payloads of the wrong size or with impossible values */
	ck_assert_int_eq(engine_cuda_start_decode(pay, 19, &back, &err), -MO_EINPUT);
	s.iterations = 0;
	engine_cuda_start_encode(&s, pay);
	ck_assert_int_eq(engine_cuda_start_decode(pay, sizeof(pay), &back, &err), -MO_EINPUT);
}
END_TEST

/* ---- no device ---- */

START_TEST(without_a_driver_the_probe_says_so)
{
	struct mo_err err = {0};
	int n = -1;
	int rc = trace_cuda_probe(&n, &err);

	if (rc == 0) { /* a machine with a GPU: nothing to check here */
		ck_assert_int_gt(n, 0);
		return;
	}
	ck_assert_int_eq(rc, -MO_ENODEV);
	ck_assert_int_eq(n, 0);
	ck_assert_ptr_nonnull(strstr(err.msg, "--backend sim"));
}
END_TEST

START_TEST(the_loader_fails_cleanly_without_a_device)
{
	struct engine_run_opts o;
	struct engine_run_result res;
	struct engine_cuda_profile_opts po = {"t.mtr", NULL, NULL, 0, "out", 1, 0};
	struct engine_cuda_profile_result pres;
	struct mo_err err = {0};
	int n;

	if (trace_cuda_built() && trace_cuda_probe(&n, &err) == 0)
		return; /* a GPU machine: the e2e tests cover it */
	engine_run_opts_init(&o);
	o.backend = "cuda";
	o.plan_path = "plan.json";
	o.iterations = 1;
	o.warmup = 0;
	ck_assert_int_eq(engine_cuda_run(NULL, NULL, &o, &res, &err), -MO_ENODEV);
	ck_assert_int_eq(mo_err_exit_code(&err), 2);
	ck_assert_ptr_nonnull(strstr(err.msg, "--backend sim"));
	ck_assert_int_eq(engine_cuda_profile(&po, &pres, &err), -MO_ENODEV);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("cuda-host");
	TCase *t = tcase_create("nvtx");

	tcase_add_test(t, range_message_gives_module_phase_and_microbatch);
	tcase_add_loop_test(t, bad_range_messages_are_refused_with_their_offset, 0,
			    sizeof(bad_ranges) / sizeof(bad_ranges[0]));
	tcase_add_test(t, range_format_round_trips);
	tcase_add_test(t, output_names_expand_pid_and_rank);
	tcase_add_loop_test(t, nccl_kernel_names_give_the_collective_and_type, 0,
			    sizeof(nccl_names) / sizeof(nccl_names[0]));
	suite_add_tcase(s, t);
	t = tcase_create("split");
	tcase_add_test(t, h100_quotas_split_into_common_groups);
	tcase_add_test(t, quotas_off_the_lattice_are_rounded_up);
	tcase_add_test(t, quotas_without_a_common_group_chain_largest_first);
	tcase_add_test(t, quotas_that_do_not_fit_are_refused);
	suite_add_tcase(s, t);
	t = tcase_create("replay");
	tcase_add_test(t, occupancy_follows_the_cuda_limits);
	tcase_add_test(t, compute_kernels_loop_for_their_duration);
	tcase_add_test(t, memory_kernels_stream_their_bytes);
	tcase_add_test(t, kernels_that_cannot_be_replayed_are_refused);
	tcase_add_test(t, every_synthesised_kernel_can_be_replayed);
	tcase_add_test(t, measured_kernels_can_be_replayed);
	suite_add_tcase(s, t);
	t = tcase_create("ranks");
	tcase_add_test(t, open_mpi_local_rank_picks_the_gpu);
	tcase_add_test(t, slurm_and_pmi_and_single_process);
	tcase_add_test(t, bad_or_oversubscribed_ranks_are_refused);
	tcase_add_test(t, timing_messages_round_trip);
	tcase_add_test(t, damaged_messages_are_refused);
	suite_add_tcase(s, t);
	t = tcase_create("nodev");
	tcase_add_test(t, without_a_driver_the_probe_says_so);
	tcase_add_test(t, the_loader_fails_cleanly_without_a_device);
	suite_add_tcase(s, t);
	return s;
}
