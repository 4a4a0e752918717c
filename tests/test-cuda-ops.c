/*
 * test-cuda-ops.c - what each rank of the cuda backend issues for the
 * engine's schedule, checked on the CPU: every task of a rank is issued once,
 * cross-stream waits point back, and executing all ranks' operations with
 * NCCL's rules (a rank has one communication stream; a send completes only
 * with the matching receive at the head of the peer's stream, an all-reduce
 * only when every member has it at the head) finishes without deadlock and
 * pairs every send with the receive of the same task.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/common/check-main.h"
#include "engine/cuda/engine-cuda.h"
#include "engine/engine.h"
#include "model/model.h"
#include "planner/planner.h"
#include "workloads/workloads.h"

static const char spec[] =
	"{\"name\": \"cuda-ops\", \"batch\": 16, \"microbatch\": 2, \"dtype\": \"bf16\","
	" \"cluster\": {\"gpu\": \"h100\", \"gpus\": 2},"
	" \"modules\": ["
	"  {\"name\": \"vision\", \"kind\": \"encoder\", \"arch\": \"vit\", \"layers\": 4, \"hidden\": 512,"
	"   \"heads\": 8, \"ffn\": 2048, \"patch\": 16, \"image\": 224},"
	"  {\"name\": \"llm\", \"kind\": \"backbone\", \"arch\": \"decoder\", \"layers\": 4, \"hidden\": 1024,"
	"   \"heads\": 16, \"ffn\": 4096, \"seq\": 256, \"vocab\": 32000, \"loss\": \"lm\"}],"
	" \"edges\": [{\"from\": \"vision\", \"to\": \"llm\"}]}";

static struct plan *base_plan(int gpus, int schedule)
{
	struct plan *p = plan_new(gpus);

	snprintf(p->gpu, sizeof(p->gpu), "h100");
	snprintf(p->workload, sizeof(p->workload), "cuda-ops");
	snprintf(p->planner, sizeof(p->planner), "test");
	p->schedule = schedule;
	p->microbatches = 8;
	p->microbatch_size = 2;
	p->predicted_iter_ns = -1;
	return p;
}

/* 0: vision and the llm's first half side by side on GPU 0 (two green
 * contexts), the second half on GPU 1;  1: the same, GPipe;  2: the whole
 * model replicated on two GPUs (all-reduce);  3: four GPUs, vision replicated
 * on 0 and 1, the llm pipelined over 2 and 3. */
static struct plan *make_plan(int which)
{
	struct plan *p;

	switch (which) {
	case 0:
	case 1:
		p = base_plan(2, which == 0 ? PLAN_SCHEDULE_1F1B : PLAN_SCHEDULE_GPIPE);
		plan_add_slot(plan_add_partition(p, 0, 32), "vision", 0, 4, 0, 0, 1);
		plan_add_slot(plan_add_partition(p, 0, 96), "llm", 0, 2, 0, 0, 1);
		plan_add_slot(plan_add_partition(p, 1, 132), "llm", 2, 4, 1, 0, 1);
		return p;
	case 2:
		p = base_plan(2, PLAN_SCHEDULE_1F1B);
		for (int g = 0; g < 2; g++) {
			plan_add_slot(plan_add_partition(p, g, 48), "vision", 0, 4, 0, g, 2);
			plan_add_slot(plan_add_partition(p, g, 80), "llm", 0, 4, 0, g, 2);
		}
		return p;
	default:
		p = base_plan(4, PLAN_SCHEDULE_1F1B);
		plan_add_slot(plan_add_partition(p, 0, 132), "vision", 0, 4, 0, 0, 2);
		plan_add_slot(plan_add_partition(p, 1, 132), "vision", 0, 4, 0, 1, 2);
		plan_add_slot(plan_add_partition(p, 2, 132), "llm", 0, 2, 0, 0, 1);
		plan_add_slot(plan_add_partition(p, 3, 132), "llm", 2, 4, 1, 0, 1);
		return p;
	}
}

/* Execute every rank's ops with NCCL's matching rules; returns the number of
 * ops completed (all of them when nothing deadlocks). */
static size_t execute(const struct engine_cuda_ops *ops, int ranks, int *mismatches)
{
	size_t *head[8], total = 0, done_all = 0;
	char *done[8];
	int progress = 1;

	*mismatches = 0;
	for (int r = 0; r < ranks; r++) {
		head[r] = calloc((size_t)ops[r].n_parts + 1, sizeof(size_t)); /* per stream: next op */
		done[r] = calloc(ops[r].n + 1, 1);
		total += ops[r].n;
	}
	/* a stream's next op: the first not-done op of that stream */
#define NEXT(r, s, out)                                                          \
	do {                                                                     \
		out = -1;                                                        \
		for (size_t i_ = head[r][s]; i_ < ops[r].n; i_++)                \
			if (!done[r][i_] && ops[r].ops[i_].part + 1 == (s)) {    \
				out = (long)i_;                                  \
				break;                                           \
			}                                                        \
	} while (0)
	while (progress) {
		progress = 0;
		for (int r = 0; r < ranks; r++)
			for (int s = 0; s <= ops[r].n_parts; s++) {
				long i;
				const struct engine_cuda_op *op;
				int ready = 1;

				NEXT(r, s, i);
				if (i < 0)
					continue;
				head[r][s] = (size_t)i;
				op = &ops[r].ops[i];
				for (size_t w = 0; w < op->n_wait; w++)
					ready &= done[r][ops[r].waits[op->wait_off + w]];
				if (!ready)
					continue;
				if (op->kind == ENGINE_CUDA_OP_COMPUTE) {
					done[r][i] = 1;
				} else if (op->kind == ENGINE_CUDA_OP_SEND) {
					long j;
					const struct engine_cuda_op *peer;
					int pready = 1;
					NEXT(op->peer, 0, j);
					if (j < 0)
						continue;
					peer = &ops[op->peer].ops[j];
					for (size_t w = 0; w < peer->n_wait; w++)
						pready &= done[op->peer][ops[op->peer].waits[peer->wait_off + w]];
					if (!pready || peer->kind != ENGINE_CUDA_OP_RECV || peer->peer != r)
						continue;
					if (peer->task != op->task)
						(*mismatches)++;
					done[r][i] = done[op->peer][j] = 1;
				} else if (op->kind == ENGINE_CUDA_OP_ALLREDUCE) {
					/* every rank holding this task must have it at the head */
					int all = 1;
					long at[8];
					for (int q = 0; q < ranks; q++) {
						at[q] = -1;
						for (size_t k = 0; k < ops[q].n; k++)
							if (ops[q].ops[k].task == op->task)
								at[q] = (long)k;
						if (at[q] >= 0) {
							long hq;
							NEXT(q, 0, hq);
							all &= hq == at[q];
							for (size_t w = 0; all && w < ops[q].ops[at[q]].n_wait; w++)
								all &= done[q][ops[q].waits[ops[q].ops[at[q]].wait_off + w]];
						}
					}
					if (!all)
						continue;
					for (int q = 0; q < ranks; q++)
						if (at[q] >= 0)
							done[q][at[q]] = 1;
				} else {
					continue; /* RECV completes with its SEND */
				}
				progress = 1;
			}
	}
#undef NEXT
	for (int r = 0; r < ranks; r++) {
		for (size_t i = 0; i < ops[r].n; i++)
			done_all += done[r][i] != 0;
		free(head[r]);
		free(done[r]);
	}
	(void)total;
	return done_all;
}

START_TEST(every_rank_issues_its_tasks_and_nothing_deadlocks)
{
	struct workload *w = NULL;
	struct mo_err err = {0};
	const struct model_gpu *gpu = model_gpu_find("h100", &err);
	struct plan *p = make_plan(_i);
	struct engine_schedule *sc = NULL;
	struct engine_cuda_ops ops[8];
	size_t total = 0, compute = 0;
	int mismatches = -1, sends = 0, recvs = 0, allreduces = 0, cross_waits = 0;

	ck_assert_ptr_nonnull(gpu);
	ck_assert_msg(workload_load_string(spec, "cuda-ops.json", &w, &err) == 0, "%s", err.msg);
	ck_assert_msg(engine_schedule_build(p, w, gpu, &sc, &err) == 0, "%s", err.msg);
	for (int r = 0; r < p->n_gpus; r++) {
		ck_assert_msg(engine_cuda_ops_build(sc, r, &ops[r], &err) == 0, "%s", err.msg);
		total += ops[r].n;
		for (size_t i = 0; i < ops[r].n; i++) {
			const struct engine_cuda_op *op = &ops[r].ops[i];
			compute += op->kind == ENGINE_CUDA_OP_COMPUTE;
			sends += op->kind == ENGINE_CUDA_OP_SEND;
			recvs += op->kind == ENGINE_CUDA_OP_RECV;
			allreduces += op->kind == ENGINE_CUDA_OP_ALLREDUCE;
			ck_assert(op->kind == ENGINE_CUDA_OP_COMPUTE ? op->part >= 0 : op->part == -1);
			ck_assert_int_lt(op->part, ops[r].n_parts);
			for (size_t k = 0; k < op->n_wait; k++) {
				size_t on = ops[r].waits[op->wait_off + k];
				ck_assert_uint_lt(on, i);                    /* earlier */
				ck_assert_int_ne(ops[r].ops[on].part, op->part); /* other stream */
				cross_waits++;
			}
		}
	}
	/* every compute task issued exactly once, on its own GPU */
	{
		size_t want = 0;
		for (size_t t = 0; t < sc->n_tasks; t++)
			want += sc->tasks[t].kind == ENGINE_TASK_FWD || sc->tasks[t].kind == ENGINE_TASK_BWD ||
				sc->tasks[t].kind == ENGINE_TASK_OPT;
		ck_assert_uint_eq(compute, want);
	}
	ck_assert_int_eq(sends, recvs);
	if (_i == 0 || _i == 1 || _i == 3)
		ck_assert_int_gt(sends, 0);
	if (_i == 2 || _i == 3)
		ck_assert_int_gt(allreduces, 0);
	if (_i == 0) /* vision -> llm inside GPU 0: waits across its two partitions */
		ck_assert_int_gt(cross_waits, 0);
	ck_assert_uint_eq(execute(ops, p->n_gpus, &mismatches), total);
	ck_assert_int_eq(mismatches, 0);
	for (int r = 0; r < p->n_gpus; r++)
		engine_cuda_ops_release(&ops[r]);
	engine_schedule_free(sc);
	plan_free(p);
	workload_free(w);
}
END_TEST

START_TEST(partitions_come_in_plan_order_with_their_quotas)
{
	struct workload *w = NULL;
	struct mo_err err = {0};
	const struct model_gpu *gpu = model_gpu_find("h100", &err);
	struct plan *p = make_plan(0);
	struct engine_schedule *sc = NULL;
	struct engine_cuda_ops ops;

	ck_assert_msg(workload_load_string(spec, "cuda-ops.json", &w, &err) == 0, "%s", err.msg);
	ck_assert_msg(engine_schedule_build(p, w, gpu, &sc, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(engine_cuda_ops_build(sc, 0, &ops, &err), 0);
	ck_assert_int_eq(ops.n_parts, 2);
	ck_assert_int_eq(ops.part_sms[0], 32);
	ck_assert_int_eq(ops.part_sms[1], 96);
	engine_cuda_ops_release(&ops);
	ck_assert_int_eq(engine_cuda_ops_build(sc, 1, &ops, &err), 0);
	ck_assert_int_eq(ops.n_parts, 1);
	ck_assert_int_eq(ops.part_sms[0], 132);
	engine_cuda_ops_release(&ops);
	/* a rank the plan does not have issues nothing */
	ck_assert_int_eq(engine_cuda_ops_build(sc, 5, &ops, &err), 0);
	ck_assert_uint_eq(ops.n, 0);
	engine_cuda_ops_release(&ops);
	engine_schedule_free(sc);
	plan_free(p);
	workload_free(w);
}
END_TEST


/* The executor above can fail: swap two communication ops of rank 1 (a
 * receive order the sender does not follow) and it must report it. */
START_TEST(the_checker_catches_reordered_communication)
{
	struct workload *w = NULL;
	struct mo_err err = {0};
	const struct model_gpu *gpu = model_gpu_find("h100", &err);
	struct plan *p = make_plan(0);
	struct engine_schedule *sc = NULL;
	struct engine_cuda_ops ops[2];
	long first = -1, second = -1;
	size_t total;
	int mismatches = 0;

	ck_assert_msg(workload_load_string(spec, "cuda-ops.json", &w, &err) == 0, "%s", err.msg);
	ck_assert_msg(engine_schedule_build(p, w, gpu, &sc, &err) == 0, "%s", err.msg);
	for (int r = 0; r < 2; r++)
		ck_assert_int_eq(engine_cuda_ops_build(sc, r, &ops[r], &err), 0);
	total = ops[0].n + ops[1].n;
	for (size_t i = 0; i < ops[1].n && second < 0; i++)
		if (ops[1].ops[i].kind == ENGINE_CUDA_OP_RECV && ops[1].ops[i].n_wait == 0) {
			if (first < 0)
				first = (long)i;
			else
				second = (long)i;
		}
	ck_assert_int_ge(second, 0);
	{
		struct engine_cuda_op t = ops[1].ops[first];
		ops[1].ops[first].task = ops[1].ops[second].task;
		ops[1].ops[second].task = t.task;
	}
	ck_assert(execute(ops, 2, &mismatches) < total || mismatches > 0);
	for (int r = 0; r < 2; r++)
		engine_cuda_ops_release(&ops[r]);
	engine_schedule_free(sc);
	plan_free(p);
	workload_free(w);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("cuda-ops");
	TCase *tc = tcase_create("ops");

	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, every_rank_issues_its_tasks_and_nothing_deadlocks, 0, 4);
	tcase_add_test(tc, partitions_come_in_plan_order_with_their_quotas);
	tcase_add_test(tc, the_checker_catches_reordered_communication);
	suite_add_tcase(s, tc);
	return s;
}
