/*
 * planner.h - the plan format and the planners that produce plans.
 *
 * CORE CONTRACT (the plan format, used by engine/ and harness/): the
 * declarations in this first part keep their names and meaning; add fields at
 * the end of structs, never rename.
 *
 * A plan says, for every GPU of the cluster, how its SMs are partitioned and
 * which work each partition runs:
 *
 *   gpu -> partitions (each `sms` SMs on the GPU's green-context lattice;
 *          the partitions of one GPU run concurrently, their SMs sum to at
 *          most the GPU's SM count; a temporal-only plan has one partition
 *          of all SMs per GPU)
 *       -> slots (the work a partition time-shares, one after another:
 *          layers [layer_begin, layer_end) of one module of the workload,
 *          as pipeline stage `stage` of that module's pipeline, replica
 *          `replica` of `replicas`)
 *
 * Microbatches: an iteration processes the global batch as
 * n_microbatches = batch / microbatch_size global microbatches, numbered
 * 0..n-1.  A module (or layer slice) held by R replicas is processed for
 * microbatch i by replica i % R.  Activations flow along the workload's DAG
 * edges and from stage s to stage s+1 of a module; gradients flow back.
 * Replicas of one module synchronise gradients with an all-reduce at the end
 * of the iteration, then the optimizer step runs.
 *
 * JSON form (written by plan_save, read by plan_load):
 * {
 *   "format": "mosaic-plan", "version": 1,
 *   "planner": "mosaic", "planner_version": "0.1.0",
 *   "workload": "clip", "gpu": "NVIDIA H100 80GB HBM3", "gpus": 8,
 *   "schedule": "1f1b" | "gpipe",
 *   "microbatch_size": 4, "microbatches": 32,
 *   "predicted_iter_ns": 123456789,
 *   "placement": [
 *     {"gpu": 0, "partitions": [
 *        {"sms": 64, "slots": [
 *           {"module": "vision", "layers": [0, 24], "stage": 0,
 *            "replica": 0, "replicas": 2}
 *        ]}
 *     ]}
 *   ]
 * }
 */
#ifndef MOSAIC_PLANNER_H
#define MOSAIC_PLANNER_H

#include <stdint.h>

#include "traces/traces.h"

enum plan_schedule { PLAN_SCHEDULE_1F1B = 0, PLAN_SCHEDULE_GPIPE = 1 };

struct plan_slot {
	char module[64];   /* module name in the workload */
	int layer_begin;   /* layers [layer_begin, layer_end) of the module; */
	int layer_end;     /* 0 and the module's layer count for all of it */
	int stage;         /* pipeline stage of this module's pipeline, from 0 */
	int replica;       /* data-parallel replica index, 0 .. replicas-1 */
	int replicas;      /* how many replicas hold this slice of the module */
};

struct plan_partition {
	int sms;           /* SM quota, on the lattice of the plan's GPU */
	int n_slots;
	struct plan_slot *slots;
};

struct plan_gpu {
	int n_partitions;
	struct plan_partition *partitions;
};

struct plan {
	char planner[32];          /* "mosaic", "megatron", ... */
	char planner_version[16];
	char workload[64];
	char gpu[64];              /* GPU name as model_gpu_find() accepts it */
	int n_gpus;
	struct plan_gpu *gpus;     /* n_gpus entries, index = GPU id */
	int schedule;              /* enum plan_schedule */
	int microbatch_size;       /* samples per microbatch */
	int microbatches;          /* global microbatches per iteration */
	int64_t predicted_iter_ns; /* the planner's prediction; -1 when none */
};

/* Heap lifecycle: plan_new() gives an empty plan with n_gpus GPUs (no
 * partitions); plan_free() releases everything (NULL-safe). */
struct plan *plan_new(int n_gpus);
void plan_free(struct plan *p);
/* Append a partition to a GPU / a slot to a partition; return its pointer. */
struct plan_partition *plan_add_partition(struct plan *p, int gpu, int sms);
struct plan_slot *plan_add_slot(struct plan_partition *part, const char *module,
				int layer_begin, int layer_end, int stage,
				int replica, int replicas);

/* Read / write the JSON form.  plan_load errors name the file and the JSON
 * path ("placement[2].partitions[0].sms"); plan_save writes atomically. */
int plan_load(const char *path, struct plan **out, struct mo_err *err);
int plan_save(const struct plan *p, const char *path, struct mo_err *err);

/* ---- end of the core contract; validation and the planners follow ---- */

#endif
