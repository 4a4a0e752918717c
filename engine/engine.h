/*
 * engine.h - executing work on a GPU cluster: the discrete-event simulator
 * (the `sim` backend), trace replay, and plan execution (the schedule:
 * microbatches, pipeline order, DAG dependencies, all-reduce, optimizer).
 *
 * Three layers, each usable on its own:
 *
 *  1. The simulator (engine_sim_*): GPUs with SM partitions, streams bound to
 *     partitions, and operations queued on streams in order: kernel sequences
 *     and communication (send/recv, all-reduce) on links.  Every number it
 *     produces is SIMULATED.  Mechanisms (a fluid model at kernel granularity):
 *       - a kernel's time is the model's kernel physics (model.h, "Kernel
 *         physics": model_kphys_*): a fixed latency plus the larger of its
 *         compute time on the SMs it holds (per-SM throughput, blocks per
 *         SM hide latency but do not multiply throughput, the partial last
 *         wave) at the GPU's clock, and its DRAM traffic over the bandwidth
 *         it is given; the simulator holds no formula of its own;
 *       - kernels of different streams of one partition share its SMs in
 *         the block scheduler's order (model_sm_alloc): the kernel that
 *         started first keeps min(its blocks, the free SMs), a later one
 *         takes what is left or waits with none (no progress) until SMs
 *         free, so two kernels that fill the partition take turns and a
 *         kernel launched with fewer blocks than SMs leaves the rest to
 *         the others; the SMs a partial last wave leaves idle go to no
 *         one; kernels only ever run on their own partition's SMs;
 *       - DRAM: the GPU's achievable bandwidth is shared max-min fair among
 *         all its running kernels, each asking for its bytes over its
 *         compute time, capped by what its SMs can pull
 *         (model_kphys_bw_ceiling);
 *       - clock: the SMs held by compute-bound tensor-core kernels of the
 *         whole GPU set its clock (model_clock_factor), so a partition runs
 *         slower beside busy neighbours than alone on GPUs whose power limit
 *         binds;
 *       - collectives hold SMs and DRAM bandwidth on every GPU they run on
 *         while their data moves: model_comm_held_sms() SMs of the partition
 *         their stream is bound to, and MODEL_COMM_DRAM_* times their link
 *         rate of DRAM bandwidth (model.h);
 *       - whenever the set of running kernels (or collectives) of a GPU
 *         changes, the rates of all its kernels are recomputed and their
 *         completions rescheduled (cost grows with the number of kernels,
 *         not of thread blocks; a rate change rescales the remaining
 *         fraction of the whole kernel, latency included);
 *       - launch latency / host gaps: a kernel starts gap_ns after it could
 *         (its stream predecessor ended and its dependencies are met), and
 *         not before its release time when it has one (a host-bound launch);
 *       - links: per GPU one NVLink port (inside a node) and one network
 *         port (between nodes), latency + bandwidth, shared equally among
 *         the flows crossing them; a ring all-reduce of B bytes over n GPUs
 *         moves 2(n-1)/n * B through every port after 2(n-1) latencies; a
 *         tree all-reduce moves 2B after 2*ceil(log2 n) latencies.
 *     Events sit in an indexed 4-ary heap keyed on (time, sequence number),
 *     one waiting event per operation (a rate change moves its completion in
 *     place, with a fresh sequence number): the same inputs give the same
 *     results, byte for byte.  A kernel's rate is
 *     recomputed from the model's physics only when its inputs (its SMs, the
 *     GPU's clock, its DRAM share) changed since the last time; the
 *     physics is a pure function of them, so the results are the same.
 *
 *  2. Replay (engine_replay): re-runs a measured trace on its own GPU at its
 *     recorded SM count (see engine/replay.c for how cross-stream
 *     dependencies and host gaps are inferred).
 *
 *  3. Plan execution (engine_schedule_build, engine_run): a plan (planner.h)
 *     and a workload (workloads.h) become a schedule: per slot a compute
 *     stream (the slots of a partition time-share it) and a communication
 *     stream, tasks in one global order, and dependencies between tasks.
 *     The schedule does not depend on the backend; the sim backend runs it
 *     here, the cuda backend (engine/cuda/) issues the same order on
 *     hardware.  When the schedule's GPUs split into identical blocks of
 *     data-parallel replicas (engine_replicas_find: checked exactly), the
 *     sim backend simulates one block, its gradient all-reduces priced for
 *     the whole group, and copies its figures to every block; the result
 *     says so (engine_run_result.replicas), and engine_run_opts.replicas_full
 *     turns it off.
 *
 * Lifecycle: _new/_free for heap objects (NULL-safe free).  Functions that
 * can fail return 0 (or a non-negative id) and a negative enum mo_status on
 * failure, with err filled.  The engine never prints.
 */
#ifndef MOSAIC_ENGINE_H
#define MOSAIC_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "model/model.h"
#include "traces/traces.h"

struct plan;
struct workload;

/* ------------------------------------------------------------------------ */
/* The cluster                                                              */
/* ------------------------------------------------------------------------ */

enum engine_allreduce_algo { ENGINE_ALLREDUCE_RING = 0, ENGINE_ALLREDUCE_TREE = 1 };

/*
 * Host threads.  In eager PyTorch each kernel costs its host thread CPU time
 * (model_host: per kernel class, fitted on measured H100 traces) before it is
 * launched, and the GPU cannot start a kernel before its launch.  Who issues
 * a plan's kernels is the plan's host_issue (enum model_host_issue: one
 * thread per slot, the default; one per GPU; none).  Threads of one Python
 * process share the GIL, which serialises their Python work: on such a host
 * the truth lies towards per-gpu; processes under MPS are per-slot.  Under
 * MODEL_LAUNCH_GRAPHS each task costs one graph launch instead.  A thread
 * issues its tasks in the schedule's order and runs ahead of the GPU
 * without blocking (the launch queue depth, >= 777 in flight measured, is
 * not reached by one iteration of a host-bound module; a GPU-bound one does
 * not wait for its host anyway).  Communication costs no host time.
 */

/*
 * A cluster of identical GPUs.  engine_cluster_init() fills the defaults
 * below from the GPU spec; change what you know better.
 */
struct engine_cluster {
	const struct model_gpu *gpu; /* not owned */
	int n_gpus;
	int gpus_per_node;          /* GPUs sharing NVLink; default 8 */
	double nvlink_gbps;         /* per GPU per direction (GB/s); default gpu->nvlink_gbps,
	                               or gpu->pcie_gbps when the GPU has no NVLink */
	int64_t nvlink_latency_ns;  /* per hop; default 3000 */
	double net_gbps;            /* network (InfiniBand) per GPU per direction; default 50 */
	int64_t net_latency_ns;     /* per hop; default 8000 */
	int64_t launch_ns;          /* gap between consecutive kernels of a stream; default 1000
	                               (the 10th-percentile gap between back-to-back kernels in the
	                               external H100 traces: VGG13 training 1.0 us, Qwen1.5 0.96 us) */
	int allreduce_algo;         /* enum engine_allreduce_algo; default ring */
	/* The host (see "Host threads" below): who issues the launches of a
	 * plan's kernels, and at what CPU cost per kernel. */
	int host_issue;             /* enum model_host_issue; default MODEL_HOST_PER_SLOT (engine_run
	                               takes it from the plan) */
	struct model_host host;     /* default model_host_init(EAGER); engine_run sets its mode
	                               from the plan's launch_mode */
	/* 1: the slots of a partition run as concurrent CUDA streams sharing
	 * its SMs block by block, as the physics core runs concurrent kernels
	 * (no exclusive group, engine_sim_set_group): a GPU shared by modules
	 * through plain streams, without partitions, when the plan is
	 * temporal-only.  Default 0: the slots of a partition time-share it. */
	int share_streams;
};
void engine_cluster_init(struct engine_cluster *c, const struct model_gpu *gpu, int n_gpus);
/* engine_cluster_init(), then what workload w's cluster says (GPUs per node,
 * NVLink and network bandwidth, where it gives them): the cluster engine_run
 * uses when its caller gives none (run.c). */
void engine_cluster_for_workload(struct engine_cluster *c, const struct model_gpu *gpu, int n_gpus,
				 const struct workload *w);

/* ------------------------------------------------------------------------ */
/* The simulator                                                            */
/* ------------------------------------------------------------------------ */

/*
 * What the simulator needs to know of one kernel.  Either a fluid kernel
 * (fixed_ns == 0: blocks, blocks_per_sm, wave_ns, bytes) or a fixed-duration
 * activity that holds its stream but no SMs (fixed_ns > 0: a memcpy, a
 * memset, a measured collective in a replay).
 */
struct engine_kernel {
	int64_t blocks;       /* thread blocks (grid size), >= 1 */
	int blocks_per_sm;    /* resident blocks per SM by occupancy, >= 1 */
	double wave_ns;       /* one full wave of blocks_per_sm blocks on one SM */
	double bytes;         /* DRAM traffic; 0 for none */
	double bw_eff;        /* fraction (0..1] of its SMs' DRAM ceiling it reaches;
	                         0 means 1 */
	int64_t fixed_ns;     /* > 0: fixed duration, no SMs, no DRAM */
	int64_t gap_ns;       /* host gap before it starts */
	/* What the output trace says of it (kind KERNEL, MEMCPY, MEMSET or
	 * COLLECTIVE); times, device, stream and partition are filled in by the
	 * simulator, module/phase/microbatch/step from the operation's tags when
	 * those are >= 0.  NULL: a bare kernel record. */
	const struct trace_record *rec;
	int64_t release_ns;   /* > 0: it never starts before this absolute time (its host
	                         launched it then); 0: no such bound */
	/* the rest of its physics (struct model_kphys); 0 = none */
	double lat_ns;        /* fixed latency, not shortened by SMs */
	int warps_per_block;  /* latency hiding of a partial wave; 0: full throughput */
	int clocked;          /* compute-bound tensor-core work: follows the clock */
	int64_t host_ns;      /* CPU time its host thread spends to launch it (only on a
	                         stream with a host, engine_sim_set_host); 0 none */
};

/*
 * Fill *out from a kernel that took its measured (or synthesised) duration
 * end_ns - start_ns at recorded_sms SMs of gpu: model_kphys_from_trace()
 * (alone, at the clock of recorded_sms busy SMs).  Alone at recorded_sms
 * it takes exactly its duration.  out->rec is left NULL and gap_ns 0.
 */
void engine_kernel_from_trace(const struct model_gpu *gpu, const struct trace_kernel *k,
			      int recorded_sms, struct engine_kernel *out);
/* The model's physics of a fluid kernel (the fields they share; what the
 * simulator's rates are computed from). */
struct model_kphys engine_kernel_kphys(const struct engine_kernel *k);

/* Tags an operation gives the records it emits; -1 = none. */
struct engine_tags {
	int module, phase, microbatch, step;
};

enum engine_comm_kind {
	ENGINE_COMM_SEND = 0,      /* streams[0] sends bytes to streams[1] */
	ENGINE_COMM_ALLREDUCE = 1, /* bytes per rank, ring or tree (cluster) */
};

struct engine_sim;
struct engine_sim *engine_sim_new(const struct engine_cluster *c, struct mo_err *err);
void engine_sim_free(struct engine_sim *s);

/* A partition of gpu with sms SMs; returns its index on that GPU (>= 0).
 * The partitions of one GPU may not sum above its SM count. */
int engine_sim_add_partition(struct engine_sim *s, int gpu, int sms, struct mo_err *err);
/* A stream bound to a partition; returns its id (>= 0, global). */
int engine_sim_add_stream(struct engine_sim *s, int gpu, int partition, struct mo_err *err);

/* Name a stream in the output trace (not copied: must outlive the run). */
int engine_sim_set_stream_name(struct engine_sim *s, int stream, const char *name,
			       struct mo_err *err);

/*
 * Put a stream in an exclusive group (>= 0): the operations of the streams of
 * one group never run at the same time (a partition time-sharing its slots);
 * when several are ready, the one queued first goes first.  When all the
 * streams of a group (two or more) are launched by one host thread
 * (engine_sim_set_host), its operations run strictly in the order they were
 * queued, the order that thread issues them: otherwise a later operation
 * could hold the partition while it waits for a launch of the thread, which
 * is blocked on an earlier operation's full launch queue (a deadlock).
 */
int engine_sim_set_group(struct engine_sim *s, int stream, int group, struct mo_err *err);

/*
 * Give a stream a host thread (host >= 0; streams may share one), before
 * any operation is queued on it (-MO_EUSAGE after).  The
 * thread issues the kernels of its streams' operations in the order they
 * are queued: kernel i of an operation is launched when the thread has
 * spent the host_ns of every kernel it issued before, and of kernel i
 * itself, from time 0; the kernel starts no earlier than its launch.  The
 * output trace then has a THREAD record per host and an API_CALL
 * ("cudaLaunchKernel") before each kernel,
 * with matching correlation ids (the call is the last MODEL_HOST_CALL_NS of
 * the kernel's CPU time).
 */
int engine_sim_set_host(struct engine_sim *s, int stream, int host, struct mo_err *err);
/*
 * The launch queue of every hosted stream holds at most depth launched,
 * unfinished kernels (default MODEL_HOST_QUEUE_DEPTH): a host thread that
 * launches into a full queue blocks until the queue's oldest kernel ends,
 * and so do its later launches on every stream (kernel j of a host is
 * launched at max(launch of j-1 + its host_ns, end of the kernel depth
 * launches before j on j's stream)).  Set it before queueing operations
 * (-MO_EUSAGE after, or when depth < 1).  Synchronisation of the host with
 * the GPU (cudaStreamSynchronize, .item()) is not modelled.
 */
int engine_sim_set_queue_depth(struct engine_sim *s, int depth, struct mo_err *err);

/*
 * Queue a sequence of n kernels on stream, run back to back (each after its
 * gap_ns), after every operation in deps (ids returned earlier) has ended.
 * The kernel array is NOT copied: it must outlive engine_sim_run(), so one
 * array can serve many operations.  Returns the operation id (>= 0).
 */
int64_t engine_sim_add_kernels(struct engine_sim *s, int stream, const struct engine_kernel *k,
			       size_t n, const struct engine_tags *tags, const int64_t *deps,
			       size_t n_deps, struct mo_err *err);
/*
 * Queue a communication on n streams (one per participating GPU, in rank
 * order): it starts when it heads every one of them and deps have ended.
 * A SEND is queued on its sender's stream only; streams[1] names the
 * receiver (its GPU).
 */
int64_t engine_sim_add_comm(struct engine_sim *s, int kind, const int *streams, int n,
			    int64_t bytes, const struct engine_tags *tags, const int64_t *deps,
			    size_t n_deps, struct mo_err *err);
/*
 * Price all-reduce op (before the run) as if it ran over `gpus` distinct GPUs
 * (at least its own participants'), spanning nodes when net is 1: its
 * latency and the bytes through every port follow that group, and its flows
 * take the network ports when net.  Its data still moves through its own
 * participants' ports only, and it holds SMs and DRAM on their GPUs only.
 * This is how a run simulates one of several identical blocks of replicas
 * (engine_replicas_find): the other blocks' participants would add a flow to
 * their own ports only, at the same times by symmetry.  -MO_EUSAGE when op is
 * not an all-reduce, gpus is below its own count, or net is 0 while its own
 * participants span nodes.
 */
int engine_sim_set_comm_span(struct engine_sim *s, int64_t op, int gpus, int net,
			     struct mo_err *err);

/*
 * Run everything queued.  When out is not NULL, the simulator sends it one
 * DEVICE, PARTITION and STREAM record per object, then one record per kernel
 * or communication as it ends (the caller sends the header and module/phase
 * definitions before).  Fails with -MO_EINPUT if some operation can never
 * start.  A simulator runs once.  Returns 0, or 1 when it stopped at the
 * limit of engine_sim_set_stop (the operations left are not run).
 */
int engine_sim_run(struct engine_sim *s, const struct trace_sink *out, struct mo_err *err);
/* Stop the run at the first event after simulated time t (ns; <= 0: never):
 * an operation starts or ends after t, so the span is longer than t.  Events
 * made stale by a rate change do not count. */
void engine_sim_set_stop(struct engine_sim *s, int64_t t);

/* Simulated start and end of an operation (after the run). */
int64_t engine_sim_op_start(const struct engine_sim *s, int64_t op);
int64_t engine_sim_op_end(const struct engine_sim *s, int64_t op);

struct engine_sim_stats {
	int64_t span_ns;        /* end of the last operation (simulated) */
	uint64_t kernels;       /* kernels simulated */
	uint64_t comms;         /* communications simulated */
	uint64_t events;        /* events processed; a completion moved by a rate change
				 * counts as one (the event it superseded) */
};
void engine_sim_stats(const struct engine_sim *s, struct engine_sim_stats *st);
/* SM-time (SM x ns) the kernels of a GPU held, for utilisation. */
double engine_sim_gpu_busy_sm_ns(const struct engine_sim *s, int gpu);
/* Bytes the kernels of a GPU moved to and from its DRAM (for bandwidth use). */
double engine_sim_gpu_dram_bytes(const struct engine_sim *s, int gpu);

/* ------------------------------------------------------------------------ */
/* Replay                                                                   */
/* ------------------------------------------------------------------------ */

struct engine_replay_opts {
	int64_t dep_window_ns;   /* cross-stream dependency window; default 2000 */
	int64_t host_gap_ns;     /* idle gap above which a launch counts as host-bound
	                            (released at its measured start); default 5000 */
	int64_t launch_ns;       /* gap of a host-bound launch once released; default 1000 */
	int sms;                 /* 0: the recorded SM count; else run a trace recorded
	                            without partitions on this many SMs (a what-if: kernels
	                            rescale by waves and DRAM ceiling, host gaps stay) */
	const struct trace_sink *out; /* the simulated trace, or NULL */
};
void engine_replay_opts_init(struct engine_replay_opts *o);

struct engine_replay_result {
	int64_t span_ns;          /* simulated: first start to last end */
	int64_t measured_span_ns; /* measured, same activities */
	double error_pct;         /* 100 * (span - measured) / measured */
	uint64_t kernels;         /* activities replayed */
	uint64_t dependencies;    /* cross-stream dependencies inferred */
	int streams;
	int sms;                  /* SMs the replay ran at */
	char gpu[64];             /* short name of the GPU */
	/* The span is a weak test of the GPU model when host gaps fill it (they
	 * are replayed as measured): these compare the GPU's own work. */
	int64_t busy_ns;          /* simulated: union of activity intervals per device, summed */
	int64_t measured_busy_ns; /* measured, same activities */
	double busy_error_pct;    /* 100 * (busy - measured busy) / measured busy */
	uint64_t compared;        /* kernels whose durations are compared (memcpys,
	                             memsets and collectives replay their own) */
	double kernel_err_median, kernel_err_p90, kernel_err_max; /* of |error|, % */
	double kernel_err_mean;   /* signed mean of the per-kernel errors, % */
	int64_t host_gap_ns;      /* measured: GPU idle time (no activity on the device)
	                             inside the gaps before host-bound activities (gaps
	                             above host_gap_ns), summed over devices */
	int host_bound;           /* that is over half of span x devices */
};

/* Replay a trace held in memory (t may be measured or simulated). */
int engine_replay(const struct trace_mem *t, const struct engine_replay_opts *o,
		  struct engine_replay_result *res, struct mo_err *err);

/* ------------------------------------------------------------------------ */
/* The schedule: a plan as tasks on streams (backend-independent)           */
/* ------------------------------------------------------------------------ */

enum engine_task_kind {
	ENGINE_TASK_FWD = 0,       /* forward of one microbatch through a slot */
	ENGINE_TASK_BWD = 1,       /* backward of one microbatch */
	ENGINE_TASK_SEND = 2,      /* activations (after FWD) or gradients (after BWD)
	                              from one slot to another on a different GPU */
	ENGINE_TASK_ALLREDUCE = 3, /* gradients of one slice across its replicas */
	ENGINE_TASK_OPT = 4,       /* the optimizer step of a slot */
};
const char *engine_task_kind_name(int kind);

/* A slot of the plan as the schedule sees it. */
struct engine_slot {
	int gpu, partition;        /* partition: index on its GPU */
	int module;                /* workload module index */
	int layer_begin, layer_end;
	int stage, n_stages;       /* stage of its module's pipeline, and how many */
	int replica, replicas;
	int depth;                 /* pipeline position in the whole DAG (0 = first) */
	int has_bwd, has_opt;      /* whether the workload gives it such kernels */
	int64_t grad_bytes;        /* gradients it all-reduces */
};

/* A partition of the schedule (GPU 0's partitions first, in plan order). */
struct engine_part {
	int gpu, index, sms;       /* index: on its GPU */
};

/*
 * A stream of the schedule: per slot one compute stream (stream i = slot i)
 * and one communication stream (n_slots + i).  The compute streams of one
 * partition time-share it: at most one runs a task at a time, and when
 * several have a task ready, the task earliest in the schedule's order goes
 * first (the order within a slot is fixed: its 1F1B or GPipe sequence).
 */
struct engine_stream {
	int gpu, partition, comm;  /* partition: index on its GPU */
	int part;                  /* global partition index (the exclusive group) */
	int slot;
};

/*
 * One task.  Compute tasks (FWD, BWD, OPT) run the kernels of their slot
 * on its partition's compute stream; SEND runs on the sender's and the
 * receiver's communication streams (peers[0], peers[1]); ALLREDUCE on the
 * communication streams of every replica (peers).  deps are indices of
 * earlier tasks.  Tasks are listed in one global order consistent with
 * every dependency; issuing each stream's tasks in that order can never
 * deadlock, whatever the tasks' durations.
 */
struct engine_task {
	int kind;                  /* enum engine_task_kind */
	int slot;                  /* compute: its slot; SEND: the producer's slot; ALLREDUCE:
	                              replica 0's slot */
	int to_slot;               /* SEND: the consumer's slot; else -1 */
	int microbatch;            /* -1 for ALLREDUCE, OPT */
	int stream;                /* compute: its stream; comm: peers[0] */
	int64_t bytes;             /* SEND, ALLREDUCE: bytes (per rank) */
	size_t peer_off, n_peers;  /* comm streams, in peers[] */
	size_t dep_off, n_deps;    /* in deps[] */
};

struct engine_schedule {
	int n_gpus, n_parts;       /* partitions over all GPUs */
	struct engine_part *parts;
	int schedule;              /* enum plan_schedule */
	int microbatches, microbatch_size;
	int n_slots;
	struct engine_slot *slots;
	int n_streams;
	struct engine_stream *streams;
	size_t n_tasks;
	struct engine_task *tasks;
	int *peers;
	size_t *deps;
	int depth;                 /* pipeline positions of the DAG */
};

/*
 * Build the schedule of plan p for workload w on gpu.  The plan is
 * validated first (plan_validate: quotas on the lattice, quotas summing to
 * at most the GPU, known modules and complete layer coverage, memory);
 * errors name the GPU, partition or slot and the numbers.
 *
 * Order: microbatch i goes to replica i % R of each slice.  Activations flow
 * along the workload's edges (last stage of the producer to first stage of
 * the consumer) and from stage s to s+1 of a module; gradients flow back.
 * Each slot runs its microbatches in the plan's schedule (1F1B: warm-up
 * forwards, one-forward-one-backward, cool-down backwards; GPipe: all
 * forwards then all backwards).  The global task order is the order of an
 * ideal pipeline over the DAG's positions with unit forward and double
 * backward times (a position whose slots have R replicas warms up R times
 * the textbook count, so each replica's pipeline stays full).  The slots of
 * one partition time-share it: the sim backend runs, whenever the partition
 * is free, the ready task earliest in that order (a backend that issues
 * tasks strictly in the global order is also deadlock-free).  Then per slice
 * with R > 1 the gradient all-reduce, then the optimizer step of every slot.
 * *out is freed with engine_schedule_free() (NULL-safe).
 */
int engine_schedule_build(const struct plan *p, const struct workload *w,
			  const struct model_gpu *gpu, struct engine_schedule **out,
			  struct mo_err *err);
void engine_schedule_free(struct engine_schedule *s);

/*
 * Identical replicas simulated once (engine/replicas.c).  A schedule's GPUs
 * may split into `blocks` blocks of `block_gpus` consecutive GPUs (whole
 * nodes, or a divisor of a node; the GPUs after the last whole block must
 * hold nothing) of a few kinds: a block is identical to the first block of
 * its kind up to replica indices (the same partitions, slots (module,
 * layers, stage, replica count) and tasks, on identical GPUs; each stream's
 * tasks and each partition's turns in the same order, so its replicas get
 * as many microbatches; every task inside its block but the gradient
 * all-reduces, each holding in every block the participants and
 * dependencies the first block of its kind holds).  Then every block's GPUs
 * see the events of the first block of its kind at the same times: an
 * all-reduce starts when the last block reaches it, which is when the last
 * first-of-its-kind does, and its data moves through each participant's
 * own port, which carries the same flows in every block of a kind.
 * engine_replicas_find checks this exactly (never by heuristic) for the
 * smallest block size that gives fewer kinds than blocks (at most
 * ENGINE_REPLICA_KINDS kinds); when it holds,
 * *out has blocks >= 2 and kinds, and sub is the schedule of one block of
 * each kind (kind q on GPUs q * block_gpus ...; tasks in the same order,
 * each all-reduce over their participants only) with, per task of sub, how
 * many blocks it stands for (mult: the blocks of its kind; 1 for an
 * all-reduce) and the all-reduce's whole group (span_gpus distinct GPUs,
 * spanning nodes when span_net) to price it over
 * (engine_sim_set_comm_span); gpu_sub maps each GPU to its copy in sub (-1:
 * it holds nothing).  Otherwise blocks is 1, sub NULL, and why says which
 * condition failed first for the last block size tried (the largest: whole
 * nodes, or a divisor of one, up to half the GPUs).  0, or
 * -MO_ENOMEM.  engine_sim_schedule uses it unless told not to
 * (engine_run_opts.replicas_full).
 */
#define ENGINE_REPLICA_KINDS 8
struct engine_replicas {
	int blocks, block_gpus, kinds;
	size_t shared;                /* all-reduces among the blocks */
	char why[192];
	struct engine_schedule *sub;
	int *span_gpus, *span_net;    /* per task of sub (0: not shared) */
	int *mult;                    /* per task of sub */
	int *gpu_sub;                 /* per GPU of the whole schedule */
};
int engine_replicas_find(const struct engine_schedule *sc, const struct engine_cluster *c,
			 struct engine_replicas *out, struct mo_err *err);
void engine_replicas_release(struct engine_replicas *r);

/*
 * Two analyses for the bench (engine/profile.c).  engine_sim_alone: the
 * kernels of km (a module's forward or backward, as workload_kernels gives
 * them) simulated back to back, c->launch_ns apart, alone on one partition
 * of sms SMs of one GPU of c; *ns the simulated span (0 when km has no
 * kernel).  engine_schedule_switches: per iteration, how often a
 * partition's compute streams pass from one slot to another (consecutive
 * forward, backward or optimizer tasks of one stream that belong to
 * different slots), from the schedule of p; a count, or a negative code.
 */
int engine_sim_alone(const struct engine_cluster *c, const struct trace_mem *km, int sms,
		     int64_t *ns, struct mo_err *err);
int engine_schedule_switches(const struct plan *p, const struct workload *w,
			     const struct model_gpu *gpu, struct mo_err *err);

/* ------------------------------------------------------------------------ */
/* Running a plan: one entry point, backends in one table                   */
/* ------------------------------------------------------------------------ */

/*
 * engine_run() runs a plan on a backend chosen by name from one table
 * (engine/backends.c):
 *   "sim"   the discrete-event simulator above (every number SIMULATED);
 *   "cuda"  real GPUs (engine/cuda/engine-cuda.h, opened at run time: every
 *           number MEASURED).  Without a CUDA build, driver or device it fails
 *           with -MO_ENODEV and a message that suggests the simulator.
 * Both fill the one result type below, labelled with what its numbers are.
 * Adding a backend: one function with engine_run's signature and one line in
 * the table.
 */

/* Where kernels come from: workload_kernels() by default; tests give their own. */
typedef int (*engine_kernel_source)(void *ctx, const struct workload *w, int module,
				    int layer_begin, int layer_end, int phase, int samples,
				    const struct model_gpu *gpu, struct trace_mem *out,
				    struct mo_err *err);

struct engine_run_opts {
	const char *backend;              /* a name of the table: "sim" (default) or "cuda" */
	/* The trace of the run, header included: a sink (sim only), or a file
	 * path: sim writes the simulated trace there (when out is NULL); cuda
	 * records one measured trace per rank, "%r" in the path becoming the rank. */
	const struct trace_sink *out;
	const char *out_path;
	/* sim only */
	const struct engine_cluster *cluster; /* NULL: from the workload's cluster and the plan's GPU */
	engine_kernel_source kernels;     /* NULL: workload_kernels */
	void *kernels_ctx;
	/* > 0: stop once the simulated clock passes it (a judge that only needs
	 * to know the iteration is longer); the result then has stopped = 1,
	 * iter_ns -1 and nothing else */
	int64_t stop_after_ns;
	/* 1: simulate every replica, even when the schedule's GPUs split into
	 * identical blocks (engine_replicas_find) that are otherwise simulated
	 * once; a run that writes a trace always simulates every replica */
	int replicas_full;
	/* cuda only */
	const char *plan_path;            /* the plan's file: every rank checks it holds the same
	                                     bytes as rank 0; NULL skips the check */
	int iterations;                   /* timed iterations; default 5 */
	int warmup;                       /* untimed iterations before them; default 1 */
};
void engine_run_opts_init(struct engine_run_opts *o);

/* The backends of the table, in order: name i (NULL past the last). */
const char *engine_backend_name(int i);

struct engine_module_time {
	char name[64];
	int64_t busy_ns;   /* GPU time of its tasks (forward, backward, optimizer), summed */
	int64_t span_ns;   /* first start to last end of its tasks */
	int64_t fwd_ns, bwd_ns, opt_ns; /* busy time per phase */
};

/*
 * What a run gives.  Every time and count is what `source` says: SIMULATED
 * (sim) or MEASURED (cuda).  A field a backend does not give is 0 or NULL
 * (cuda gives no per-GPU or per-module numbers, memory or events).
 */
struct engine_run_result {
	const char *backend;      /* the table's name of the backend that ran it */
	int source;               /* enum trace_source: TRACE_SOURCE_SIMULATED or _MEASURED */
	int64_t iter_ns;          /* iteration time (cuda: the mean over the timed iterations
	                             of the slowest rank's host wall clock) */
	int64_t iter_ns_min, iter_ns_max; /* over the timed iterations (sim: iter_ns) */
	int iterations;           /* iterations timed (sim: 1) */
	int n_gpus;
	uint64_t kernels;         /* kernels run (cuda: replay kernels per iteration, all ranks) */
	/* sim */
	double sm_util;           /* mean over GPUs of busy SM-time / (SMs x iter_ns) */
	double *gpu_util;         /* per GPU, 0..1 */
	int64_t *gpu_mem_bytes;   /* per GPU, the plan's memory rule (plan_memory) */
	int n_modules;
	struct engine_module_time *modules;
	uint64_t comms, events, tasks;
	int64_t gpu_mem_capacity; /* bytes per GPU */
	/* SIMULATED peak per GPU: parameters, gradients and optimizer state of
	 * its slots plus the activations of the microbatches in flight at each
	 * simulated instant (kept from a forward's start to its backward's end) */
	int64_t *gpu_peak_bytes;
	double *gpu_dram_util;    /* SIMULATED: DRAM bytes moved / (HBM bandwidth x iter_ns) */
	double dram_util;         /* mean over GPUs */
	int stopped;              /* 1: stopped at opts.stop_after_ns, the iteration is longer */
	/* sim: how the replicas were simulated.  replica_blocks > 1: the GPUs
	 * split into that many blocks of replica_block_gpus GPUs, of
	 * replica_kinds kinds of identical blocks, and one block of each kind
	 * alone was simulated (engine_replicas_find), every per-GPU figure of
	 * a block copied from its kind's, module busy times, kernels and
	 * communications counted for every block; events are those simulated.
	 * replicas: that statement, or why every GPU was simulated ("in full:
	 * ..."). */
	int replica_blocks, replica_block_gpus, replica_kinds;
	char replicas[384];
	/* cuda */
	int64_t busy_ns;          /* compute-task GPU time per iteration, summed over
	                             partitions and ranks (CUDA events) */
	int partitions;           /* green contexts created, all ranks */
	int rank;                 /* this process's MPI rank: every rank gets the numbers
	                             above, only rank 0 should print them (sim: 0) */
};
void engine_run_result_release(struct engine_run_result *r);

/*
 * Run one training iteration of plan p for workload w on o->backend (sim:
 * validate, build the schedule, simulate it; cuda: see engine-cuda.h).
 * Errors: -MO_EINPUT (bad plan: the message names what), -MO_EINFEASIBLE
 * (does not fit in memory: names the GPU and the GiB), -MO_EUSAGE (unknown
 * backend: the message lists the table), -MO_ENODEV (cuda without a device
 * or CUDA build), -MO_EIO (a trace that cannot be written), -MO_ENOMEM.
 */
int engine_run(const struct plan *p, const struct workload *w, const struct engine_run_opts *o,
	       struct engine_run_result *res, struct mo_err *err);

/*
 * The sim backend on a built schedule (what engine_run uses).  res is filled
 * except gpu_mem_bytes.
 */
int engine_sim_schedule(const struct engine_schedule *sc, const struct workload *w,
			const struct engine_cluster *c, const struct engine_run_opts *o,
			struct engine_run_result *res, struct mo_err *err);

#endif
