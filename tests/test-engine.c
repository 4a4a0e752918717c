/*
 * test-engine.c - the engine: simulator mechanisms against hand-computed
 * cases, replay, plan execution and bad plans.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/engine.h"
#include "model/model.h"
#include "traces/traces.h"

/* A GPU with round numbers: 132 SMs, 1000 GB/s HBM (1000 B/ns), NVLink
 * 400 GB/s (400 B/ns). */
static struct model_gpu test_gpu(void)
{
	struct model_gpu g;

	memset(&g, 0, sizeof(g));
	snprintf(g.name, sizeof(g.name), "Test GPU");
	snprintf(g.short_name, sizeof(g.short_name), "test");
	g.sms = 132;
	g.hbm_gbps = 1000;
	g.nvlink_gbps = 400;
	g.pcie_gbps = 50;
	g.mem_bytes = 80LL << 30;
	g.max_threads_per_block = 1024;
	g.part_min_sms = 8;
	g.part_step_sms = 8;
	g.fp32_tflops = 50;
	g.bf16_tflops = 1000;
	return g;
}

static struct engine_kernel compute_kernel(int64_t blocks, int bps, double wave_ns)
{
	struct engine_kernel k;

	memset(&k, 0, sizeof(k));
	k.blocks = blocks;
	k.blocks_per_sm = bps;
	k.wave_ns = wave_ns;
	return k;
}

START_TEST(a_kernel_runs_in_waves_of_its_partition)
{
	struct model_gpu g = test_gpu();
	struct engine_cluster c;
	struct mo_err err;
	struct engine_sim *s;
	/* 264 blocks, 1 block per SM, 66 SMs: 4 waves of 1000 ns. */
	struct engine_kernel k = compute_kernel(264, 1, 1000);
	int64_t op;

	engine_cluster_init(&c, &g, 1);
	s = engine_sim_new(&c, &err);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(engine_sim_add_partition(s, 0, 66, &err), 0);
	ck_assert_int_eq(engine_sim_add_stream(s, 0, 0, &err), 0);
	op = engine_sim_add_kernels(s, 0, &k, 1, NULL, NULL, 0, &err);
	ck_assert_int_ge(op, 0);
	ck_assert_int_eq(engine_sim_run(s, NULL, &err), 0);
	ck_assert_int_eq(engine_sim_op_end(s, op) - engine_sim_op_start(s, op), 4000);
	/* busy SM-time: 66 SMs for 4000 ns */
	ck_assert(fabs(engine_sim_gpu_busy_sm_ns(s, 0) - 66.0 * 4000) < 1);
	engine_sim_free(s);
}
END_TEST

START_TEST(a_partial_last_wave_counts_as_a_whole_wave)
{
	struct model_gpu g = test_gpu();
	struct engine_cluster c;
	struct mo_err err;
	struct engine_sim *s;
	/* 265 blocks at 2 per SM on 64 SMs: 128 per wave, 3 waves. */
	struct engine_kernel k = compute_kernel(265, 2, 500);
	int64_t op;

	engine_cluster_init(&c, &g, 1);
	s = engine_sim_new(&c, &err);
	engine_sim_add_partition(s, 0, 64, &err);
	engine_sim_add_stream(s, 0, 0, &err);
	op = engine_sim_add_kernels(s, 0, &k, 1, NULL, NULL, 0, &err);
	ck_assert_int_eq(engine_sim_run(s, NULL, &err), 0);
	ck_assert_int_eq(engine_sim_op_end(s, op), 1500);
	engine_sim_free(s);
}
END_TEST

START_TEST(two_memory_bound_partitions_share_hbm)
{
	struct model_gpu g = test_gpu();
	struct engine_cluster c;
	struct mo_err err;
	struct engine_sim *s;
	struct engine_kernel k = compute_kernel(66, 1, 10);
	int64_t a, b, alone;

	/* 1 MB at 1000 B/ns: alone 1000 ns (66 SMs at 2 * 1000 / 132 B/ns per SM
	 * can draw all of HBM); two at once share HBM: 2000 ns each. */
	k.bytes = 1e6;
	engine_cluster_init(&c, &g, 1);
	s = engine_sim_new(&c, &err);
	engine_sim_add_partition(s, 0, 66, &err);
	engine_sim_add_partition(s, 0, 66, &err);
	engine_sim_add_stream(s, 0, 0, &err);
	engine_sim_add_stream(s, 0, 1, &err);
	engine_sim_add_stream(s, 0, 0, &err);
	a = engine_sim_add_kernels(s, 0, &k, 1, NULL, NULL, 0, &err);
	b = engine_sim_add_kernels(s, 1, &k, 1, NULL, NULL, 0, &err);
	alone = engine_sim_add_kernels(s, 2, &k, 1, NULL, &b, 1, &err);
	/* the third waits for b and for a (it shares a's partition but not its
	 * stream: it runs after b, alongside nothing) */
	ck_assert_int_eq(engine_sim_run(s, NULL, &err), 0);
	ck_assert_int_eq(engine_sim_op_end(s, a), 2000);
	ck_assert_int_eq(engine_sim_op_end(s, b), 2000);
	ck_assert_int_eq(engine_sim_op_end(s, alone) - engine_sim_op_start(s, alone), 1000);
	engine_sim_free(s);
}
END_TEST

START_TEST(a_small_partition_cannot_draw_all_of_hbm)
{
	struct model_gpu g = test_gpu();
	struct engine_cluster c;
	struct mo_err err;
	struct engine_sim *s;
	struct engine_kernel k = compute_kernel(1000, 1, 1);
	int64_t a;

	/* 33 SMs draw at most 33 * 2 * 1000 / 132 = 500 B/ns: 1 MB takes 2000 ns. */
	k.bytes = 1e6;
	engine_cluster_init(&c, &g, 1);
	s = engine_sim_new(&c, &err);
	engine_sim_add_partition(s, 0, 33, &err);
	engine_sim_add_stream(s, 0, 0, &err);
	a = engine_sim_add_kernels(s, 0, &k, 1, NULL, NULL, 0, &err);
	ck_assert_int_eq(engine_sim_run(s, NULL, &err), 0);
	ck_assert_int_eq(engine_sim_op_end(s, a), 2000);
	engine_sim_free(s);
}
END_TEST

START_TEST(kernels_of_two_streams_share_their_partition)
{
	struct model_gpu g = test_gpu();
	struct engine_cluster c;
	struct mo_err err;
	struct engine_sim *s;
	/* alone on 132 SMs: 1 wave of 1000 ns; two at once get 66 SMs each: 2 waves */
	struct engine_kernel k = compute_kernel(132, 1, 1000);
	/* a kernel of 4 blocks only wants 4 SMs: the other keeps 128 */
	struct engine_kernel small = compute_kernel(4, 1, 100);
	int64_t a, b;

	engine_cluster_init(&c, &g, 1);
	s = engine_sim_new(&c, &err);
	engine_sim_add_partition(s, 0, 132, &err);
	engine_sim_add_stream(s, 0, 0, &err);
	engine_sim_add_stream(s, 0, 0, &err);
	a = engine_sim_add_kernels(s, 0, &k, 1, NULL, NULL, 0, &err);
	b = engine_sim_add_kernels(s, 1, &k, 1, NULL, NULL, 0, &err);
	ck_assert_int_eq(engine_sim_run(s, NULL, &err), 0);
	ck_assert_int_eq(engine_sim_op_end(s, a), 2000);
	ck_assert_int_eq(engine_sim_op_end(s, b), 2000);
	engine_sim_free(s);

	s = engine_sim_new(&c, &err);
	engine_sim_add_partition(s, 0, 132, &err);
	engine_sim_add_stream(s, 0, 0, &err);
	engine_sim_add_stream(s, 0, 0, &err);
	a = engine_sim_add_kernels(s, 0, &small, 1, NULL, NULL, 0, &err);
	b = engine_sim_add_kernels(s, 1, &k, 1, NULL, NULL, 0, &err);
	ck_assert_int_eq(engine_sim_run(s, NULL, &err), 0);
	ck_assert_int_eq(engine_sim_op_end(s, a), 100);
	/* 128 SMs for 132 blocks: 2 waves while the small one runs (100 ns of
	 * 2000 = 5% done), then 1 wave on 132 SMs for the remaining 95%: 950 */
	ck_assert_int_eq(engine_sim_op_end(s, b), 1050);
	engine_sim_free(s);
}
END_TEST

START_TEST(partitions_do_not_share_sms)
{
	struct model_gpu g = test_gpu();
	struct engine_cluster c;
	struct mo_err err;
	struct engine_sim *s;
	struct engine_kernel k = compute_kernel(264, 1, 1000);
	int64_t a, b;

	engine_cluster_init(&c, &g, 1);
	s = engine_sim_new(&c, &err);
	engine_sim_add_partition(s, 0, 66, &err);
	engine_sim_add_partition(s, 0, 66, &err);
	engine_sim_add_stream(s, 0, 0, &err);
	engine_sim_add_stream(s, 0, 1, &err);
	a = engine_sim_add_kernels(s, 0, &k, 1, NULL, NULL, 0, &err);
	b = engine_sim_add_kernels(s, 1, &k, 1, NULL, NULL, 0, &err);
	ck_assert_int_eq(engine_sim_run(s, NULL, &err), 0);
	ck_assert_int_eq(engine_sim_op_end(s, a), 4000);
	ck_assert_int_eq(engine_sim_op_end(s, b), 4000);
	ck_assert(fabs(engine_sim_gpu_busy_sm_ns(s, 0) - 132.0 * 4000) < 1);
	engine_sim_free(s);
}
END_TEST

START_TEST(partitions_may_not_exceed_the_gpu)
{
	struct model_gpu g = test_gpu();
	struct engine_cluster c;
	struct mo_err err;
	struct engine_sim *s;

	engine_cluster_init(&c, &g, 1);
	s = engine_sim_new(&c, &err);
	ck_assert_int_eq(engine_sim_add_partition(s, 0, 96, &err), 0);
	ck_assert_int_eq(engine_sim_add_partition(s, 0, 48, &err), -MO_EINPUT);
	ck_assert_ptr_nonnull(strstr(err.msg, "does not fit"));
	engine_sim_free(s);
}
END_TEST

START_TEST(streams_run_in_order_and_wait_for_dependencies)
{
	struct model_gpu g = test_gpu();
	struct engine_cluster c;
	struct mo_err err;
	struct engine_sim *s;
	struct engine_kernel k[2];
	int64_t a, b, d;

	k[0] = compute_kernel(8, 1, 300);
	k[1] = compute_kernel(8, 1, 200);
	k[1].gap_ns = 50; /* host gap before the second kernel */
	engine_cluster_init(&c, &g, 1);
	s = engine_sim_new(&c, &err);
	engine_sim_add_partition(s, 0, 64, &err);
	engine_sim_add_partition(s, 0, 64, &err);
	engine_sim_add_stream(s, 0, 0, &err);
	engine_sim_add_stream(s, 0, 1, &err);
	a = engine_sim_add_kernels(s, 0, k, 2, NULL, NULL, 0, &err);   /* 0..300, 350..550 */
	b = engine_sim_add_kernels(s, 0, k, 1, NULL, NULL, 0, &err);   /* 550..850 */
	d = engine_sim_add_kernels(s, 1, &k[1], 1, NULL, &a, 1, &err); /* after a: 550+50 .. 800 */
	ck_assert_int_eq(engine_sim_run(s, NULL, &err), 0);
	ck_assert_int_eq(engine_sim_op_end(s, a), 550);
	ck_assert_int_eq(engine_sim_op_start(s, b), 550);
	ck_assert_int_eq(engine_sim_op_end(s, b), 850);
	ck_assert_int_eq(engine_sim_op_start(s, d), 600);
	ck_assert_int_eq(engine_sim_op_end(s, d), 800);
	engine_sim_free(s);
}
END_TEST

START_TEST(a_ring_all_reduce_takes_the_textbook_time)
{
	struct model_gpu g = test_gpu();
	struct engine_cluster c;
	struct mo_err err;
	struct engine_sim *s;
	int streams[8];
	int64_t op, bytes = 800000000, expect;

	engine_cluster_init(&c, &g, 8);
	s = engine_sim_new(&c, &err);
	for (int i = 0; i < 8; i++) {
		engine_sim_add_partition(s, i, 132, &err);
		streams[i] = engine_sim_add_stream(s, i, 0, &err);
	}
	op = engine_sim_add_comm(s, ENGINE_COMM_ALLREDUCE, streams, 8, bytes, NULL, NULL, 0, &err);
	ck_assert_int_ge(op, 0);
	ck_assert_int_eq(engine_sim_run(s, NULL, &err), 0);
	/* 2(n-1)/n * bytes / bw + 2(n-1) * latency */
	expect = (int64_t)ceil(2.0 * 7 / 8 * bytes / 400.0) + 14 * c.nvlink_latency_ns;
	ck_assert_int_eq(engine_sim_op_end(s, op), expect);
	engine_sim_free(s);
}
END_TEST

START_TEST(an_all_reduce_across_nodes_uses_the_network)
{
	struct model_gpu g = test_gpu();
	struct engine_cluster c;
	struct mo_err err;
	struct engine_sim *s;
	int streams[2];
	int64_t op, bytes = 100000000;

	engine_cluster_init(&c, &g, 16);
	s = engine_sim_new(&c, &err);
	for (int i = 0; i < 16; i++)
		engine_sim_add_partition(s, i, 132, &err);
	streams[0] = engine_sim_add_stream(s, 0, 0, &err);
	streams[1] = engine_sim_add_stream(s, 8, 0, &err);
	op = engine_sim_add_comm(s, ENGINE_COMM_ALLREDUCE, streams, 2, bytes, NULL, NULL, 0, &err);
	ck_assert_int_eq(engine_sim_run(s, NULL, &err), 0);
	ck_assert_int_eq(engine_sim_op_end(s, op),
			 (int64_t)ceil(1.0 * bytes / 50.0) + 2 * c.net_latency_ns);
	engine_sim_free(s);
}
END_TEST

START_TEST(two_sends_share_a_link)
{
	struct model_gpu g = test_gpu();
	struct engine_cluster c;
	struct mo_err err;
	struct engine_sim *s;
	int st[4];
	int64_t a, b, bytes = 4000000;

	engine_cluster_init(&c, &g, 3);
	s = engine_sim_new(&c, &err);
	for (int i = 0; i < 3; i++)
		engine_sim_add_partition(s, i, 132, &err);
	st[0] = engine_sim_add_stream(s, 0, 0, &err);
	st[1] = engine_sim_add_stream(s, 1, 0, &err);
	st[2] = engine_sim_add_stream(s, 0, 0, &err);
	st[3] = engine_sim_add_stream(s, 2, 0, &err);
	int p1[2] = {st[0], st[1]}, p2[2] = {st[2], st[3]};
	a = engine_sim_add_comm(s, ENGINE_COMM_SEND, p1, 2, bytes, NULL, NULL, 0, &err);
	b = engine_sim_add_comm(s, ENGINE_COMM_SEND, p2, 2, bytes, NULL, NULL, 0, &err);
	ck_assert_int_eq(engine_sim_run(s, NULL, &err), 0);
	/* GPU 0's port carries both: 200 B/ns each */
	ck_assert_int_eq(engine_sim_op_end(s, a), c.nvlink_latency_ns + bytes / 200);
	ck_assert_int_eq(engine_sim_op_end(s, b), c.nvlink_latency_ns + bytes / 200);
	engine_sim_free(s);
}
END_TEST

/* A sink that folds every record into a hash. */
struct hash_ctx {
	uint64_t h;
	int n;
};
static void hash_bytes(struct hash_ctx *c, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		c->h = (c->h ^ b[i]) * 1099511628211ULL;
}
static int hash_record(void *ctx, const struct trace_record *rec, struct mo_err *err)
{
	struct hash_ctx *c = ctx;
	int64_t t0 = 0, t1 = 0;

	c->n++;
	hash_bytes(c, &rec->kind, sizeof(rec->kind));
	if (rec->kind == TRACE_KIND_KERNEL) {
		t0 = rec->u.kernel.start_ns;
		t1 = rec->u.kernel.end_ns;
		hash_bytes(c, &rec->u.kernel.stream, sizeof(int64_t));
	}
	hash_bytes(c, &t0, sizeof(t0));
	hash_bytes(c, &t1, sizeof(t1));
	return 0;
}

static uint64_t run_mixed(int *n)
{
	struct model_gpu g = test_gpu();
	struct engine_cluster c;
	struct mo_err err;
	struct engine_sim *s;
	struct engine_kernel k[3];
	struct hash_ctx hc = {1469598103934665603ULL, 0};
	struct trace_sink sink = {NULL, hash_record, &hc};
	int64_t prev = -1;

	k[0] = compute_kernel(300, 2, 700);
	k[1] = compute_kernel(40, 1, 900);
	k[1].bytes = 3e6;
	k[2] = compute_kernel(1000, 4, 50);
	k[2].bytes = 1e5;
	engine_cluster_init(&c, &g, 1);
	s = engine_sim_new(&c, &err);
	engine_sim_add_partition(s, 0, 64, &err);
	engine_sim_add_partition(s, 0, 40, &err);
	for (int i = 0; i < 4; i++)
		engine_sim_add_stream(s, 0, i % 2, &err);
	for (int i = 0; i < 200; i++) {
		int64_t op = engine_sim_add_kernels(s, i % 4, k, 1 + (i % 3), NULL,
						    prev >= 0 && i % 5 == 0 ? &prev : NULL,
						    prev >= 0 && i % 5 == 0, &err);
		prev = op;
	}
	ck_assert_int_eq(engine_sim_run(s, &sink, &err), 0);
	engine_sim_free(s);
	*n = hc.n;
	return hc.h;
}

START_TEST(the_same_inputs_give_the_same_trace)
{
	int n1, n2;
	uint64_t h1 = run_mixed(&n1), h2 = run_mixed(&n2);

	ck_assert_int_eq(n1, 7 + 399); /* definitions + kernels */
	ck_assert_int_eq(n1, n2);
	ck_assert(h1 == h2);
}
END_TEST

static Suite *engine_suite(void)
{
	Suite *s = suite_create("engine");
	TCase *sim = tcase_create("simulator");

	tcase_add_test(sim, a_kernel_runs_in_waves_of_its_partition);
	tcase_add_test(sim, a_partial_last_wave_counts_as_a_whole_wave);
	tcase_add_test(sim, two_memory_bound_partitions_share_hbm);
	tcase_add_test(sim, a_small_partition_cannot_draw_all_of_hbm);
	tcase_add_test(sim, kernels_of_two_streams_share_their_partition);
	tcase_add_test(sim, partitions_do_not_share_sms);
	tcase_add_test(sim, partitions_may_not_exceed_the_gpu);
	tcase_add_test(sim, streams_run_in_order_and_wait_for_dependencies);
	tcase_add_test(sim, a_ring_all_reduce_takes_the_textbook_time);
	tcase_add_test(sim, an_all_reduce_across_nodes_uses_the_network);
	tcase_add_test(sim, two_sends_share_a_link);
	tcase_add_test(sim, the_same_inputs_give_the_same_trace);
	suite_add_tcase(s, sim);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(engine_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
