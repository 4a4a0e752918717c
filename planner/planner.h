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
 *   "checked": {"by": "simulated", "iter_ns": 123999999, "finalists": 3},
 *   "placement": [
 *     {"gpu": 0, "partitions": [
 *        {"sms": 64, "slots": [
 *           {"module": "vision", "layers": [0, 24], "stage": 0,
 *            "replica": 0, "replicas": 2}
 *        ]}
 *     ]}
 *   ]
 * }
 * "checked" is optional: present when plan_make_checked ranked the
 * planner's finalists with a finer judge (see there); iter_ns is that judge's
 * time for this plan, "by" says how it was obtained.
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
	/* the module's index in the workload, -1 when not known (plan_add_slot,
	 * plan_load); not part of the JSON form.  The planners set it on the
	 * plans they build, and only their own estimates of those plans use it
	 * (in place of looking the name up); whoever renames `module` on such
	 * a plan sets it to -1. */
	int module_index;
};

/* The slots of a partition and the partitions of a GPU are heap arrays of
 * n entries with room for cap (MO_GROW's capacity: plan_add_slot and
 * plan_add_partition grow them; cap 0 with a non-NULL array means "exactly
 * n", as a hand-built array has).  A caller may shrink n and keep cap; the
 * entries of a partitions array past n keep their slot arrays (zeroed when
 * the array grows) for plan_add_partition to reuse, and plan_free frees
 * them: never free a partition's slots yourself. */
struct plan_partition {
	int sms;           /* SM quota, on the lattice of the plan's GPU */
	int n_slots;
	struct plan_slot *slots;
	size_t slots_cap;
};

struct plan_gpu {
	int n_partitions;
	struct plan_partition *partitions;
	size_t partitions_cap;
};

struct plan {
	char planner[32];          /* "mosaic", "megatron", ... */
	char planner_version[16];
	char workload[64];
	/* the spec file it was planned from (an absolute path, so `mosaic run
	 * PLAN` finds it from anywhere), "" for a bundled workload; optional
	 * "workload_file" in the JSON */
	char workload_file[512];
	/* the measurements the plan was made with ("profiles: vision (4
	 * profiles)"), "" for none: optional "measurements" in the JSON */
	char measurements[512];
	char gpu[64];              /* GPU name as model_gpu_find() accepts it */
	int n_gpus;
	struct plan_gpu *gpus;     /* n_gpus entries, index = GPU id */
	int schedule;              /* enum plan_schedule */
	int microbatch_size;       /* samples per microbatch */
	int microbatches;          /* global microbatches per iteration */
	int64_t predicted_iter_ns; /* the planner's prediction; -1 when none */
	int64_t checked_iter_ns;   /* the finalist check's time of this plan; -1 when unchecked */
	char checked_by[16];       /* how it was obtained ("simulated"), "" when unchecked */
	int finalists;             /* plans the check compared, 0 when unchecked */
	/* How the GPUs' partitions are driven (JSON "host": {"issue": ...,
	 * "launch": ...}; absent: the defaults): see enum model_host_issue.
	 * The planners copy them from the problem (the workload's cluster). */
	int host_issue;            /* enum model_host_issue; default MODEL_HOST_PER_SLOT */
	int launch_mode;           /* enum model_launch_mode; default MODEL_LAUNCH_EAGER */
	/* 1: the slots of each partition run as concurrent CUDA streams sharing
	 * its SMs (engine_cluster.share_streams), not one after another: the
	 * plain-streams baseline ("streams"), a GPU shared by modules without
	 * partitions.  JSON "host": {..., "streams": true}; absent: 0. */
	int share_streams;
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

#include <stdio.h>

#include "model/model.h"
#include "workloads/workloads.h"

#define PLAN_FORMAT_VERSION 1
/*
 * The most GPUs a plan may have: the largest power of two that plans within a
 * minute.  Measured with `mosaic plan W --gpus 8192` (default check: the
 * finalists simulated) on the shared 2-core development machine with its
 * load average at 10-12, wall / CPU time (user + system, the finalist
 * check's child processes included): clip 33.8 / 15.2 s, llava-1.5-7b
 * 39.2 / 16.8, qwen3-vl 57.9 / 21.5, unified-io-2 47.5 / 15.3, ofasys
 * 55.5 / 17.9, imagebind 45.3 / 18.8.  The search alone grows about as
 * N^1.1 (imagebind --check none: 1.03 s CPU at 1024 GPUs, 4.6 s at 4096),
 * so 16384 would take over a minute: 8192 is the limit.
 * plan_problem_new() refuses more up front (MO_EUSAGE, naming the size and
 * the limit), and so do `--gpus` and the plan reader.
 */
#define PLAN_MAX_GPUS 8192
#define PLANNER_VERSION "0.1.0"

/* Parse / name the schedule ("1f1b", "gpipe"); -1 when unknown. */
int plan_schedule_parse(const char *s);
const char *plan_schedule_name(int schedule);

/* A deep copy of p (NULL when out of memory). */
struct plan *plan_clone(const struct plan *p);
/* 1 when a and b place the same work the same way (schedule, microbatching,
 * every partition and slot in order); names and times are not compared. */
int plan_same_placement(const struct plan *a, const struct plan *b);
/*
 * A copy of p in canonical form (NULL when out of memory): the same work
 * with what the simulator's result depends on only through the order of
 * its events and float sums put in one order, so that two plans the
 * simulator times alike (up to that rounding: a reversed GPU order moved
 * clip's 422.6 ms by 356 ns) are plan_same_placement once both are
 * canonical.  The simulator's GPUs are identical and its
 * only shared resources are per GPU or per node (a GPU's ports, its SMs,
 * DRAM and clock; a collective crosses the network when its GPUs span
 * nodes of gpus_per_node), so it reorders: the GPUs inside each node, and
 * the full nodes among themselves (a last partial node stays last), each
 * by content; and the partitions of each GPU by content, except under
 * MODEL_HOST_PER_GPU, where one host thread issues the partitions' tasks
 * in the schedule's order, which breaks ties by slot index.  It never
 * reorders the slots of a partition (they time-share it in that order)
 * nor changes replica indices (microbatch i goes to replica i mod R).
 * gpus_per_node < 1 counts as 1.
 */
struct plan *plan_canonical(const struct plan *p, int gpus_per_node);

/* Read a plan from a JSON string; name is used in messages in place of the
 * file name.  Same rules as plan_load. */
int plan_load_string(const char *json, size_t len, const char *name, struct plan **out,
		     struct mo_err *err);

/*
 * Check a plan against a workload and a GPU: every quota on the GPU's
 * partition lattice (or the whole GPU), the partitions of a GPU summing to at
 * most its SMs, every slot naming a module of the workload with a layer range
 * inside it, stage numbers of a module consecutive from 0 and ordered by
 * layers, every layer of every module held by at least one replica set whose
 * replica indices are complete, and the memory of each GPU (parameters,
 * gradients and optimizer state of every slot it holds, plus the activations
 * of the microbatches in flight under the plan's schedule) within the GPU's
 * memory.  In flight under GPipe: every microbatch a replica processes.
 * Under 1F1B: a slot's position is the longest chain of pipeline stages
 * before it along the DAG (its module's base plus its stage), P positions in
 * all; position d keeps the warm-up forwards of plan_warmups, and a replica
 * holds ceil((w(d) + 1) / R) of them, at most the microbatches it processes.
 * Returns 0, or -MO_EINPUT with err naming the GPU / partition / slot and the
 * numbers; -MO_EINFEASIBLE when only the memory check fails.
 */
int plan_validate(const struct plan *p, const struct workload *w, const struct model_gpu *gpu,
		  struct mo_err *err);

/*
 * The 1F1B warm-up forwards of every pipeline position, the one rule that
 * the cost model, plan_validate's memory and the engine's schedule share.
 * n slices (a pipeline stage of a module, over its replicas) sit at
 * positions pos[i] in 0 .. P-1 with replicas[i] replicas.  Position d runs
 *     w(d) = max((P - d - 1) x R over its slices, F(d + 1))
 * warm-up forwards, where F(d + 1) = max over the slices at d + 1 of
 * ceil((w(d + 1) + 1) / R) x R is how many microbatches the position after it
 * keeps in flight over all its replicas (each replica runs a textbook
 * pipeline, and a position cannot start the backward of a microbatch before
 * it has fed every microbatch in flight after it); at most microbatches.
 * warm must hold P ints.
 */
void plan_warmups(int P, int n, const int *pos, const int *replicas, int microbatches, int *warm);

/* The k-th task (k < 2 M) of a pipeline position with w warm-up forwards, the
 * order every replica at that position runs its microbatches in (the engine's
 * schedule and the cost model's coupled-replica term share it): kind 0 a
 * forward, 1 a backward, and its microbatch.  1F1B: w forwards, then one
 * forward one backward, then the cool-down backwards; GPipe: all forwards,
 * then all backwards, the last microbatch first. */
void plan_nth_task(int sched, int M, int w, int k, int *kind, int *mb);

/* Bytes a plan keeps on each GPU (mem[g], g < p->n_gpus), by the rule of
 * plan_validate.  Returns 0 or -MO_EINPUT (unknown module). */
int plan_memory(const struct plan *p, const struct workload *w, int64_t *mem, struct mo_err *err);

/* ------------------------------------------------------------------------ */
/* The planning problem: the cost model's view of a workload                */
/* ------------------------------------------------------------------------ */

/*
 * A module as the planner sees it: per layer and per quota of the problem's
 * quota list, the predicted forward and backward time of one microbatch and
 * the mean DRAM bandwidth the layer draws; per layer the optimizer step time
 * (whole GPU, once per iteration), the bytes it keeps (parameters, gradients,
 * optimizer state) and the activation bytes kept per microbatch.
 * Index [l * n_quotas + qi].  All times are predictions (the model's).
 */
struct plan_module_cost {
	char name[64];
	int kind;              /* enum workload_kind */
	int layers;
	int64_t *fwd_ns, *bwd_ns;
	double *dram_gbps;
	int64_t *opt_ns;       /* [l * n_quotas + qi] optimizer step, once per iteration */
	int64_t *static_bytes; /* [l] parameters + gradients + optimizer state */
	int64_t *act_bytes;    /* [l] activations kept per microbatch */
	int64_t *grad_bytes;   /* [l] gradient bytes (the all-reduce size) */
	int64_t boundary_bytes;/* activations per microbatch crossing a stage boundary */
	/* [l * 3 + phase] eager host CPU time to issue the layer's kernels of
	 * phase (fwd, bwd, opt: model_host, quota-independent); NULL or zero:
	 * no host term (problems filled by hand) */
	int64_t *host_ns;
	/* private: prefix sums over layers, made by plan_problem_new and
	 * plan_problem_finish (fill the costs before finishing) */
	int64_t *cum_ns;       /* [l * n_quotas + qi]: fwd + bwd of layers [0, l) */
	int64_t *cum_static, *cum_act; /* [l] */
};

struct plan_edge_cost {
	int from, to;
	int64_t bytes_per_mb;  /* activations per microbatch (gradients come back alike) */
};

/*
 * A planning problem: a workload at one microbatch size on n_gpus GPUs of one
 * kind.  quotas[] is the GPU's partition lattice plus the whole GPU, ascending.
 * Heap object: plan_problem_new() builds it from a workload (synthesised
 * kernels timed under every quota by model_kernel_ns_at_quota), or
 * plan_problem_alloc() gives one with zeroed cost arrays for callers (tests)
 * to fill; plan_problem_free() releases it (NULL-safe).
 */
struct plan_problem {
	char workload[64];
	const struct model_gpu *gpu;
	int n_gpus;
	int gpus_per_node;     /* links inside a node use link_gbps, across nodes net_gbps */
	double link_gbps, net_gbps;
	int batch, microbatch_size;
	int n_quotas;
	int quotas[MODEL_CURVE_MAX];
	int n_modules;
	struct plan_module_cost *modules;
	int n_edges;
	struct plan_edge_cost *edges;
	int *topo;             /* module indices, sources first */
	int host_issue, launch_mode; /* for the plans made (from the workload's cluster) */
	int host_cpu;                /* enum model_host_cpu (the workload's cluster) */
	/* mosaic keeps the best temporal-only plan unless a temporal-spatial
	 * one is predicted at least this fraction faster (default 0.05): the
	 * model is less certain at partial quotas than at the whole GPU */
	double min_gain;
	/* measured co-run slowdowns (the workload's matrix), NULL when none:
	 * see plan_estimate */
	const struct model_interference_matrix *matrix;
};

int plan_problem_new(const struct workload *w, const struct model_gpu *gpu, int n_gpus,
		     int microbatch_size, struct plan_problem **out, struct mo_err *err);
/*
 * Measurements in the problem: plan_problem_new scales the predicted forward
 * and backward times of a module with measured scaling (workload.h,
 * workload_module.measured) by measured / predicted at each of the problem's
 * quotas, the prediction taken at the measured microbatch size; so the
 * shape of each layer's costs stays the model's and the module's totals at
 * the measured size are the measurements.  Quotas the measured curve does
 * not give are not scaled.  The same ratio applies at every microbatch size
 * (an assumption: say so where it matters).
 */
struct plan_problem *plan_problem_alloc(const struct model_gpu *gpu, int n_gpus, int n_modules,
					const int *layers, int batch, int microbatch_size);
/* After filling the costs and edges of an allocated problem: compute topo
 * (fails on a cycle) and the prefix sums the planners use. */
int plan_problem_finish(struct plan_problem *pb, struct mo_err *err);
void plan_problem_free(struct plan_problem *pb);
/* Index of quota sms in pb->quotas, -1 when not there. */
int plan_problem_quota_index(const struct plan_problem *pb, int sms);

/* ------------------------------------------------------------------------ */
/* The cost model: a plan's predicted iteration time                        */
/* ------------------------------------------------------------------------ */

/*
 * The host term: threads run ahead of their GPU, so host CPU time only
 * shows when a thread cannot keep up: the iteration lasts at least the
 * busiest thread's CPU time over all its tasks (host_ns per layer and phase,
 * or one graph launch per task under MODEL_LAUNCH_GRAPHS): a slot's
 * (MODEL_HOST_PER_SLOT) or the sum over a GPU's slots (MODEL_HOST_PER_GPU);
 * MODEL_HOST_NONE has no host term.  (A per-task max(GPU, CPU) would
 * overcharge colocated or time-shared slots whose threads overlap.)
 *
 * The estimate (a prediction, no simulation): every partition is a resource
 * that runs its slots' work one after another; a slot of layers [b, e) of
 * module m on q SMs takes, per microbatch, the sum of its layers' fwd and bwd
 * times at q, times the co-run factor model_corun_slowdown() of its
 * partition (its SMs, its DRAM demand, the rest taken as tensor-core work)
 * beside each other partition of that GPU (theirs): DRAM shared as the
 * simulator shares it, the clock of the busy GPU; with a measured matrix
 * (plan_problem.matrix) that gives the slowdown of m beside every module of
 * the GPU's other partitions, the largest of those entries instead.  A replica of R
 * processes ceil(M / R) of the M microbatches.  With load_r the busy time of
 * partition r and L_r the latency of one microbatch along the longest
 * forward + backward path of pipeline units through r (communication between
 * GPUs included, bytes / link bandwidth each way), the pipeline takes
 *     max_r (load_r + L_r - u_r)
 * where u_r is r's own share of that path (the classic (M - 1) t_max + sum t
 * of a 1F1B pipeline, generalised to DAGs and time-shared partitions).  When r
 * hosts several units of one path, a gap between two of them counts only for
 * what r cannot fill with the forwards of further microbatches that 1F1B lets
 * the earlier unit run ahead (its window - 1 forwards).  Then the
 * data-parallel gradient all-reduce (ring, 2 (R-1)/R bytes / bandwidth) and
 * the optimizer step, overlapped as DDP does: a unit's all-reduce starts when
 * its last backward ends (while the units upstream of it on that partition
 * still run theirs) and the GPU's port is free; while its data moves it
 * holds model_comm_held_sms() SMs of its partition, so the backward still to
 * run there stretches by held / (SMs - held) over the overlap, which the
 * GPU's tail takes; optimizer steps follow the
 * pipeline and their all-reduce; the slowest GPU's tail counts.  Under 1F1B a replica of
 * a unit keeps at most its window of microbatches in flight (the rule of
 * plan_validate), so the pipeline also takes at least ceil(share / window)
 * round trips (the unit's forward to the end of the DAG and back) plus the
 * forward latency reaching it (a third of that path's fwd + bwd time); GPipe has no such window.
 * When linked units have different replica counts (microbatch i goes to
 * replica i mod R of each, so replicas wait on each other's windows), the
 * pipeline takes at least the microbatch-level schedule of pl_coupled_ns
 * (planner-internal.h): the engine's order, run with the units' times.
 */
struct plan_part_estimate {
	int gpu, partition, sms;
	int64_t load_ns;      /* busy time per iteration */
	int64_t path_ns;      /* L_r - u_r: fill and drain around it */
	double interference;  /* worst slowdown factor among its slots */
	int64_t mem_bytes;    /* (per GPU, repeated on each partition of it) */
};
struct plan_estimate {
	int64_t iter_ns;       /* predicted iteration time */
	int64_t pipeline_ns;   /* the pipeline part */
	int64_t sync_ns;       /* all-reduce + optimizer part */
	int bottleneck;        /* index into parts of the partition that sets pipeline_ns */
	int n_parts;
	struct plan_part_estimate *parts; /* heap; plan_estimate_release() */
	int window_bound;      /* 1 when pipeline_ns is set by the 1F1B in-flight window */
	int coupled_bound;     /* 1 when it is set by the microbatch-level schedule of
	                          linked units with different replica counts (pl_coupled_ns) */
	int64_t host_ns;       /* the largest host thread's CPU time over the iteration
	                          (per the plan's host_issue); iter_ns is at least this */
	int host_gpu;          /* the GPU of that thread, -1 when there is no host term */
};
int plan_estimate(const struct plan_problem *pb, const struct plan *p, struct plan_estimate *est,
		  struct mo_err *err);
void plan_estimate_release(struct plan_estimate *est);

/* A human explanation (per GPU: partitions, modules, quotas, predicted stage
 * times, the bottleneck and why), heap string for the caller to free. */
char *plan_explain(const struct plan_problem *pb, const struct plan *p, struct mo_err *err);
/* Why mosaic did or did not colocate on this problem: its best temporal-only
 * and best colocated candidate (by prediction), each predicted iteration in
 * the cost model's terms (the busiest partition's compute and interference,
 * its fill/drain wait, all-reduce and optimizer, other), the term that
 * decides, and the interference factor at which the decision would flip.
 * Heap string for the caller to free; NULL with err on failure. */
char *plan_explain_why(const struct plan_problem *pb, struct mo_err *err);

/* ------------------------------------------------------------------------ */
/* The planners                                                             */
/* ------------------------------------------------------------------------ */

/*
 * Planner names: "megatron", "distmm", "spindle", "optimus" (temporal-only
 * baselines, each searching its own knobs; their policies are described in
 * planner/baselines.c), "mosaic" (temporal-spatial heuristic: greedy
 * construction plus refinement, never worse than any baseline by the
 * estimate), "mosaic-greedy" (mosaic's greedy construction alone: an
 * ablation for the search-quality figure), "optimal" (branch and bound over mosaic's placement family:
 * every module's pipeline depth, replica count and quota, every placement of
 * up to 6 units, seeded with the mosaic plan, so its answer is proven best
 * over that family; at most 16 GPUs and 6 modules, and -MO_EUSAGE "too large"
 * when its node or placement budget runs out; see planner/search.c),
 * "streams" (the plain-streams baseline, planner/streams.c: the best
 * temporal-only baseline's plan with share_streams set, so each GPU's
 * modules run as concurrent streams on all its SMs; its predicted_iter_ns
 * is that plan's temporal estimate, since the cost model does not weigh
 * stream sharing: plan_make_checked judges every baseline's plan shared).
 * mosaic never picks a streams plan: the report compares the two.
 * plan_search plans one problem (one microbatch size); the result carries the
 * estimate in predicted_iter_ns.  -MO_EINFEASIBLE when nothing fits.
 *
 * The one registry of planner names: PLAN_BASELINES lists the temporal-only
 * baselines (X(name), name also the suffix of its pl_ function), in the order
 * the bench shows them; plan_search's table, mosaic's candidate list, the
 * bench's systems and the usage texts are all built from it.
 */
#define PLAN_BASELINES(X) X(megatron) X(distmm) X(spindle) X(optimus)
#define PLAN_ONE_(name) +1
#define PLAN_N_BASELINES (0 PLAN_BASELINES(PLAN_ONE_))
#define PLAN_NAME_STR_(name) #name,
#define PLAN_NAME_BAR_(name) #name "|"
/* Every planner plan_search knows, "mosaic|megatron|...|mosaic-greedy". */
#define PLAN_PLANNER_NAMES "mosaic|" PLAN_BASELINES(PLAN_NAME_BAR_) "optimal|mosaic-greedy|streams"
int plan_planner_known(const char *name);
int plan_search(const struct plan_problem *pb, const char *planner, struct plan **out,
		struct mo_err *err);

/*
 * Ablations for the search-quality figure (planner/ablation.c): both keep the
 * placement of base (a plan of pb, normally mosaic's) and choose only its SM
 * quotas.  plan_even_split splits every GPU's SMs evenly among its
 * partitions, rounded down to pb's quota lattice (a GPU with one partition
 * keeps the whole GPU).  plan_random_search draws every partition's quota at
 * random on the lattice, below the whole GPU and leaving the smallest quota
 * for each later partition of its GPU, PLAN_RANDOM_DRAWS times from the fixed
 * seed PLAN_RANDOM_SEED (so it is deterministic), and keeps the draw with the
 * lowest plan_estimate (its predicted_iter_ns); -MO_EINFEASIBLE when no draw
 * fits.  Both name themselves in the plan's planner field.
 */
#define PLAN_RANDOM_DRAWS 200
#define PLAN_RANDOM_SEED 0x243f6a8885a308d3ull
int plan_even_split(const struct plan_problem *pb, const struct plan *base, struct plan **out,
		    struct mo_err *err);
int plan_random_search(const struct plan_problem *pb, const struct plan *base, struct plan **out,
		       struct mo_err *err);

/*
 * The whole job: plan workload w on n_gpus GPUs of gpu with the named
 * planner, trying microbatch sizes that divide the batch (the spec's, half
 * and double it) and keeping the best by the estimate.  The plan is
 * validated before it is returned.  *pb_out (if not NULL) receives the
 * problem of the chosen microbatch size (for plan_explain).
 */
int plan_make(const struct workload *w, const struct model_gpu *gpu, int n_gpus,
	      const char *planner, struct plan **out, struct plan_problem **pb_out,
	      struct mo_err *err);

/*
 * Checking the finalists.  The cost model cannot rank plans closer than its
 * error (a median of about 1.5% against the simulator on the bundled sweep),
 * so plan_make_checked hands a planner's finalists to a finer judge that the
 * caller supplies: the harness passes the engine's simulator, which planner/
 * may not call itself.  Candidates: the planner's best plan at each
 * microbatch size; for mosaic also everything it weighed (each baseline's
 * best plan, the greedy construction, the refined plans), each attributed to
 * the planner it came from.  Finalists: per origin and per kind
 * (temporal-only or not), the candidates predicted within `band` of that
 * group's best prediction, at most `per_group` of them, fastest first; so
 * mosaic's finalists include every baseline's.  A finalist that places work
 * as an earlier one, up to the order plan_canonical undoes (the problem's
 * gpus_per_node), is not judged again and takes its time (on a tie the
 * plan judged itself wins).  The winner is the
 * judged-fastest finalist: mosaic's min_gain margin, which stands for the
 * cost model's uncertainty at partial quotas, does not apply to judged
 * times.  The winner keeps predicted_iter_ns (the cost model's) and gets
 * checked_iter_ns, checked_by (chk->what) and finalists (plans judged).
 * chk NULL: plan_make.  The judge returns 0 and *iter_ns, or a negative code
 * with err filled; its errors end the planning, prefixed with the finalist.
 */
struct plan_checker {
	int (*judge)(void *ctx, const struct plan *p, int64_t *iter_ns, struct mo_err *err);
	void *ctx;
	const char *what;  /* how the judge's times are obtained: "simulated" */
	double band;       /* 0: PLAN_CHECK_BAND */
	int per_group;     /* 0: PLAN_CHECK_PER_GROUP */
	/* Optional, used instead of judge when set: judge the n distinct
	 * finalists plans[0..n) (fastest predicted first) at once, in parallel
	 * where it can, and stop judging one once it is known to be slower than
	 * a finalist already judged: iter_ns[i] is its time, or -1 when it was
	 * stopped (strictly slower than another, so it cannot win: the winner
	 * is the one judge would pick).  On failure it returns a negative code
	 * with err filled and iter_ns[i] = -2 for the finalist that failed. */
	int (*judge_all)(void *ctx, const struct plan *const *plans, int n, int64_t *iter_ns,
			 struct mo_err *err);
};
#define PLAN_CHECK_BAND 0.03
#define PLAN_CHECK_PER_GROUP 3

int plan_make_checked(const struct workload *w, const struct model_gpu *gpu, int n_gpus,
		      const char *planner, const struct plan_checker *chk, struct plan **out,
		      struct plan_problem **pb_out, struct mo_err *err);

#endif
