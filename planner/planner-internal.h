/* planner-internal.h - what the files of planner/ share (not public). */
#ifndef MOSAIC_PLANNER_INTERNAL_H
#define MOSAIC_PLANNER_INTERNAL_H

#include "planner/planner.h"

/*
 * The pipeline-unit graph of a plan: a unit is one stage of one module's
 * pipeline, (module, stage), with its layer range and its replicas (one slot
 * each).  Units are linked along a microbatch's forward path: stage s to s+1
 * of a module, the last stage of a module to the first stage of each module
 * its DAG edges lead to.
 */
struct pl_flat {
	int gpu, part, slot;
	int unit;
	int replica;      /* which replica of its unit */
	int share;        /* microbatches it processes: pl_replica_share */
};
struct pl_unit {
	int module, stage, lb, le, replicas;
	int n_slots;
	int *slots;       /* indices into flat, by replica */
	int n_succ;
	int *succ;        /* unit indices */
	int depth;        /* 1F1B: microbatches one replica keeps in flight, >= 1 */
	int pos;          /* pipeline position: the longest chain of units before it */
	int share_q, share_r; /* M / replicas, M % replicas: replica k processes q + (k < r) */
	int lo, hi;       /* the lowest and highest GPU of its replicas */
};
struct pl_graph {
	int n_units;
	struct pl_unit *units;
	int n_flat;
	struct pl_flat *flat;
	int *order;       /* units in topological order */
};

struct pl_modinfo {
	int n_modules;
	const char *const *names;
	const int *layers;
	int n_edges;
	const int *efrom, *eto;
	/* 1: the slots' module_index is trusted (plans the planners built for
	 * this problem, estimated by them): no lookup by name */
	int by_index;
};

/* mi from n_modules records of mod_size bytes at mods (a name char array at
 * name_off, an int layer count at layers_off) and n_edges records at edges
 * (int from / to at from_off / to_off); the names stay the records'.
 * 0, or -1 when out of memory; pl_modinfo_release frees. */
int pl_modinfo_init(struct pl_modinfo *mi, const void *mods, size_t mod_size, size_t name_off,
		    size_t layers_off, int n_modules, const void *edges, size_t edge_size, size_t from_off,
		    size_t to_off, int n_edges);
void pl_modinfo_release(struct pl_modinfo *mi);
int pl_graph_build(const struct plan *p, const struct pl_modinfo *mi, struct pl_graph *g,
		   struct mo_err *err);
void pl_graph_release(struct pl_graph *g);

/*
 * The pipeline of a plan whose linked units have different replica counts
 * (6 replicas feeding 8: microbatch i goes to replica i mod R of each unit,
 * so every replica waits on several replicas of its neighbours, each bound
 * by its own 1F1B window).  Runs the schedule the engine builds
 * (engine/schedule.c) at microbatch granularity: every replica of a unit at
 * pipeline position d takes its microbatches in the order plan_nth_task
 * gives d (plan_warmups' warm-ups), one after another on its own stream; a
 * forward starts when the unit's predecessors have sent that microbatch
 * (their forward's end plus the edge's one-way communication), a backward
 * when its own forward has run and every successor with a backward has sent
 * the gradient back.  uf[u], ub[u]: the unit's forward and backward time per
 * microbatch (ub 0: no backward); comm[succ_off[u] + j]: both ways along u's
 * j-th successor.  Returns the time the last task ends (ns) and *last its
 * unit; 0 (and *last -1) when every link joins equal replica counts (the
 * replicas then run independent pipelines, which the estimate's terms
 * cover); -1 when out of memory.  Partitions shared by several units are
 * left to the estimate's load term.
 */
int64_t pl_coupled_ns(const struct pl_graph *g, int sched, int M, const int64_t *uf, const int64_t *ub,
		      const int64_t *comm, const int *succ_off, int *last);

/* Valid quota: the whole GPU or on its lattice. */
int pl_quota_ok(const struct model_gpu *gpu, int sms);

/* Microbatches processed by one replica of R (the busiest, replica 0). */
static inline int pl_share(int microbatches, int replicas)
{
	return (microbatches + replicas - 1) / replicas;
}

/* Microbatches processed by replica k of R: k, k + R, ... (none when k >= M). */
static inline int pl_replica_share(int microbatches, int replicas, int k)
{
	return k < microbatches ? (microbatches - k + replicas - 1) / replicas : 0;
}

/* The estimate of p: 0 and *iter_ns when every GPU's memory fits, 1 (and
 * *iter_ns) when some GPU overflows, < 0 on a malformed plan. */
int pl_eval(const struct plan_problem *pb, const struct plan *p, int64_t *iter_ns);
/* The same, choosing p's schedule (1F1B or GPipe) for the better estimate
 * among those that fit (1F1B on ties). */
int pl_eval_sched(const struct plan_problem *pb, struct plan *p, int64_t *iter_ns);

/* planners */
int pl_megatron(const struct plan_problem *pb, struct plan **out, struct mo_err *err);
int pl_distmm(const struct plan_problem *pb, struct plan **out, struct mo_err *err);
int pl_spindle(const struct plan_problem *pb, struct plan **out, struct mo_err *err);
int pl_optimus(const struct plan_problem *pb, struct plan **out, struct mo_err *err);
int pl_mosaic(const struct plan_problem *pb, struct plan **out, struct mo_err *err);
int pl_optimal(const struct plan_problem *pb, struct plan **out, struct mo_err *err);

/* The candidate plans of one planning job (make.c), each with the planner
 * it came from and the index of its problem (microbatch size). */
struct pl_cand {
	struct plan *p;
	const char *origin;   /* a planner name (static storage) */
	int problem;
	int finalist;         /* chosen for the check */
	int64_t judged_ns;    /* the check's time; -1 when not judged */
	int judged_as_twin;   /* judged_ns is an earlier finalist's whose canonical
	                         form is this plan's (it was not simulated itself) */
};
struct pl_cands {
	int n;
	size_t cap;
	struct pl_cand *v;
};
/* Append p (taken: freed on failure); 0 or -MO_ENOMEM. */
int pl_cands_add(struct pl_cands *c, struct plan *p, const char *origin, int problem);
void pl_cands_release(struct pl_cands *c);
/* ord[0 .. n - first) = the candidates first .. n - 1 by predicted time,
 * ties in the order they were added. */
void pl_cands_by_prediction(const struct pl_cands *c, int first, int *ord);
/* 1 when every GPU of p has a single partition. */
int pl_temporal_only(const struct plan *p);
/*
 * The winner: T the fastest temporal-only candidate, S the fastest other one
 * (by judged_ns when judged is set, skipping the unjudged; else by
 * predicted_iter_ns); S when S < T and S <= (1 - margin) T, else T.  Ties
 * keep the earlier candidate, except that at the same judged time a plan
 * judged itself beats one judged as its twin.  -1 when no candidate has a
 * time.
 */
int pl_cands_choose(const struct pl_cands *c, int judged, double margin);
/* mosaic's candidates at one problem (search.c): each baseline's best, the
 * greedy construction and the refinements of the three best among those. */
int pl_mosaic_candidates(const struct plan_problem *pb, int problem, struct pl_cands *c,
			 struct mo_err *err);

/* The plain-streams baseline (streams.c): each baseline's best plan at one
 * problem, marked share_streams, attributed to its baseline. */
int pl_streams_candidates(const struct plan_problem *pb, int problem, struct pl_cands *c,
			  struct mo_err *err);
int pl_streams(const struct plan_problem *pb, struct plan **out, struct mo_err *err);

/* A growing string: pl_sb_printf appends; on allocation failure oom is set
 * and later appends do nothing.  s is the caller's to free. */
struct pl_sbuf {
	char *s;
	size_t n, cap;
	int oom;
};
void pl_sb_printf(struct pl_sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Predicted kernel times (ns[qi] for every quota of pb) and DRAM bytes of
 * layer l of module m in one phase at `samples` per microbatch, and (host
 * not NULL) the eager host CPU time to issue its kernels (cost.c). */
int pl_time_layer(const struct workload *w, int m, int l, int phase, int samples,
		  struct plan_problem *pb, int64_t *ns, int64_t *bytes, int64_t *host,
		  struct mo_err *err);
/* Scale module m's predicted times by its measurements, if any (measured.c;
 * the rule is in planner.h under plan_problem_new). */
int pl_apply_measured(const struct workload *w, int m, struct plan_problem *pb, struct mo_err *err);
/* The co-run slowdown of module m in partition pi of GPU gi of plan p with
 * pb's measured matrix: the largest entry slow[m][b] over the modules b of
 * the GPU's other partitions when the matrix gives every such pair (with
 * several partners the largest pairwise factor: their joint effect was not
 * measured), else `model`, the cost model's own factor. */
double pl_matrix_slowdown(const struct plan_problem *pb, const struct plan *p, int gi, int pi, int m,
			  double model);

/* Shared helpers of the planners (search.c). */
/* An empty plan of pb's GPUs for `planner`: *spare reused when spare and
 * *spare are not NULL (then *spare is NULL), else a new one. */
struct plan *pl_plan_start(const struct plan_problem *pb, const char *planner, struct plan **spare);
/* plan_add_slot of module m of pb (its name and module_index m); NULL when
 * out of memory (plan.c). */
struct plan_slot *pl_add_slot(const struct plan_problem *pb, struct plan_partition *part, int m,
			      int layer_begin, int layer_end, int stage, int replica, int replicas);
/* p as plan_new(p->n_gpus) leaves a plan, its arrays kept for reuse (plan.c). */
void pl_plan_reset(struct plan *p);
/* Per-layer cost at quota index qi of layers [lb, le) of module m (fwd + bwd). */
int64_t pl_slice_ns(const struct plan_problem *pb, int m, int lb, int le, int qi);
int64_t pl_slice_static(const struct plan_problem *pb, int m, int lb, int le);
int64_t pl_slice_act(const struct plan_problem *pb, int m, int lb, int le);
/* Split layers [0, L) of module m into n stages of balanced time at quota qi;
 * bounds[0..n] (bounds[0] = 0, bounds[n] = L). */
void pl_split_layers(const struct plan_problem *pb, int m, int n, int qi, int *bounds);
/* Keep *best the better of *best and cand; the other goes to *spare (the
 * plan there before is freed) for pl_plan_start to reuse, or is freed when
 * spare is NULL.  Returns 1 when cand won. */
int pl_keep_best(struct plan **best, int64_t *best_ns, struct plan *cand, int64_t cand_ns,
		 struct plan **spare);
/* Put p into *spare as pl_keep_best does with a loser (freed when spare is NULL). */
void pl_plan_spare(struct plan **spare, struct plan *p);

#endif
