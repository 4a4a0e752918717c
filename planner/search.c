/* search.c - the temporal-spatial planners: the `mosaic` heuristic (greedy
 * construction plus iterative refinement) and the `optimal` exact search for
 * small instances, and the entry points plan_search / plan_make. */
#include "planner/planner-internal.h"

#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/*
 * The placement family F shared by mosaic's construction and optimal: every
 * module m runs as pp[m] pipeline stages (layers balanced by time at its
 * quota) x dp[m] data-parallel replicas; every such unit gets its own SM
 * partition of quotas[qi[m]] SMs; units are packed onto GPUs (several units
 * on one GPU run concurrently in their partitions).
 */
struct fam {
	int K;
	int *pp, *dp, *qi;
};

struct funit {
	int m, s, d;
	int q;          /* SMs */
	int lb, le;
	int64_t mem;    /* bytes it keeps */
	int replicas;
};

static int fam_alloc(struct fam *f, int K)
{
	f->K = K;
	f->pp = calloc((size_t)K, sizeof(int));
	f->dp = calloc((size_t)K, sizeof(int));
	f->qi = calloc((size_t)K, sizeof(int));
	return f->pp && f->dp && f->qi ? 0 : -1;
}

static void fam_release(struct fam *f)
{
	free(f->pp);
	free(f->dp);
	free(f->qi);
}

static void fam_copy(struct fam *dst, const struct fam *src)
{
	memcpy(dst->pp, src->pp, (size_t)src->K * sizeof(int));
	memcpy(dst->dp, src->dp, (size_t)src->K * sizeof(int));
	memcpy(dst->qi, src->qi, (size_t)src->K * sizeof(int));
}

/* Pipeline hops below module m along the DAG (sum of stage counts). */
static int fam_down(const struct plan_problem *pb, const struct fam *f, int m)
{
	int best = 0;

	for (int e = 0; e < pb->n_edges; e++)
		if (pb->edges[e].from == m) {
			int d = f->pp[pb->edges[e].to] + fam_down(pb, f, pb->edges[e].to);

			if (d > best)
				best = d;
		}
	return best;
}

/* Stage s of module m: layers, memory.  bounds must hold pp + 1 ints. */
static int64_t stage_mem(const struct plan_problem *pb, const struct fam *f, int m, int s,
			 const int *bd, int down)
{
	int M = pb->batch / pb->microbatch_size, share = pl_share(M, f->dp[m]);
	int depth = f->pp[m] - s + down, inflight = depth < share ? depth : share;

	return pl_slice_static(pb, m, bd[s], bd[s + 1]) + pl_slice_act(pb, m, bd[s], bd[s + 1]) * inflight;
}

/* The module's own predicted time in F (no interference): its pipeline of
 * pp stages over its share of microbatches; -1 when a stage overflows memory. */
static int64_t fam_module_ns(const struct plan_problem *pb, const struct fam *f, int m, int down,
			     int64_t *lb_out)
{
	int M = pb->batch / pb->microbatch_size, pp = f->pp[m], share = pl_share(M, f->dp[m]);
	int stack[66], *bd = pp + 1 <= 66 ? stack : malloc((size_t)(pp + 1) * sizeof(int));
	int64_t worst = 0, sum = 0, mem_over = 0;

	if (!bd)
		return -1;
	pl_split_layers(pb, m, pp, f->qi[m], bd);
	for (int s = 0; s < pp; s++) {
		int64_t t = pl_slice_ns(pb, m, bd[s], bd[s + 1], f->qi[m]);

		sum += t;
		if (t > worst)
			worst = t;
		if (stage_mem(pb, f, m, s, bd, down) > pb->gpu->mem_bytes)
			mem_over = 1;
	}
	if (bd != stack)
		free(bd);
	if (lb_out)
		*lb_out = (int64_t)share * worst;
	if (mem_over)
		return -1;
	return (int64_t)(share - 1) * worst + sum;
}

static int fam_units(const struct fam *f)
{
	int n = 0;

	for (int m = 0; m < f->K; m++)
		n += f->pp[m] * f->dp[m];
	return n;
}

static int64_t fam_sms(const struct plan_problem *pb, const struct fam *f)
{
	int64_t n = 0;

	for (int m = 0; m < f->K; m++)
		n += (int64_t)f->pp[m] * f->dp[m] * pb->quotas[f->qi[m]];
	return n;
}

/* The units of f, in topological module order, replica-major. */
static struct funit *fam_unit_list(const struct plan_problem *pb, const struct fam *f, int *n_out)
{
	int n = fam_units(f), k = 0;
	struct funit *u = malloc((size_t)(n ? n : 1) * sizeof(*u));

	if (!u)
		return NULL;
	for (int t = 0; t < f->K; t++) {
		int m = pb->topo[t], pp = f->pp[m], down = fam_down(pb, f, m);
		int *bd = malloc((size_t)(pp + 1) * sizeof(int));

		if (!bd) {
			free(u);
			return NULL;
		}
		pl_split_layers(pb, m, pp, f->qi[m], bd);
		for (int s = 0; s < pp; s++) {
			int64_t mem = stage_mem(pb, f, m, s, bd, down);

			for (int d = 0; d < f->dp[m]; d++)
				u[k + d * pp + s] = (struct funit){m, s, d, pb->quotas[f->qi[m]], bd[s],
								   bd[s + 1], mem, f->dp[m]};
		}
		k += f->dp[m] * pp;
		free(bd);
	}
	*n_out = n;
	return u;
}

/* Build the plan of units placed by gpu_of[]; NULL on OOM. */
static struct plan *units_plan(const struct plan_problem *pb, const struct funit *u, int n,
			       const int *gpu_of, const char *planner, struct plan **spare)
{
	struct plan *p = pl_plan_start(pb, planner, spare);

	if (!p)
		return NULL;
	for (int i = 0; i < n; i++) {
		struct plan_partition *part = plan_add_partition(p, gpu_of[i], u[i].q);

		if (!part || !pl_add_slot(pb, part, u[i].m, u[i].lb, u[i].le, u[i].s, u[i].d, u[i].replicas))
			goto fail;
	}
	return p;
fail:
	plan_free(p);
	return NULL;
}

/* First-fit decreasing by quota (SMs and memory); 0 when everything fits. */
static int ffd_pack(const struct plan_problem *pb, const struct funit *u, int n, int *gpu_of)
{
	int N = pb->n_gpus, S = pb->gpu->sms, *order = malloc((size_t)(n ? n : 1) * sizeof(int));
	int *free_sms = malloc((size_t)N * sizeof(int)), *cnt = calloc((size_t)S + 2, sizeof(int));
	int64_t *free_mem = malloc((size_t)N * sizeof(int64_t));
	int rc = 0;

	if (!order || !free_sms || !free_mem || !cnt) {
		rc = -1;
		goto out;
	}
	for (int g = 0; g < N; g++) {
		free_sms[g] = S;
		free_mem[g] = pb->gpu->mem_bytes;
	}
	/* stable counting sort by quota, largest first */
	for (int i = 0; i < n; i++)
		cnt[S - (u[i].q < S ? u[i].q : S) + 1]++;
	for (int q = 1; q <= S + 1; q++)
		cnt[q] += cnt[q - 1];
	for (int i = 0; i < n; i++)
		order[cnt[S - (u[i].q < S ? u[i].q : S)]++] = i;
	for (int k = 0; k < n && !rc; k++) {
		int i = order[k], g;

		for (g = 0; g < N; g++)
			if (free_sms[g] >= u[i].q && free_mem[g] >= u[i].mem)
				break;
		if (g == N) {
			rc = 1;
			break;
		}
		gpu_of[i] = g;
		free_sms[g] -= u[i].q;
		free_mem[g] -= u[i].mem;
	}
out:
	free(order);
	free(free_sms);
	free(free_mem);
	free(cnt);
	return rc;
}

/* The plan of f packed by FFD (reusing *spare, see pl_plan_start); NULL
 * when it does not pack. */
static struct plan *fam_plan(const struct plan_problem *pb, const struct fam *f, const char *planner,
			     struct plan **spare)
{
	int n;
	struct funit *u = fam_unit_list(pb, f, &n);
	int *gpu_of = u ? malloc((size_t)(n ? n : 1) * sizeof(int)) : NULL;
	struct plan *p = NULL;

	if (u && gpu_of && ffd_pack(pb, u, n, gpu_of) == 0)
		p = units_plan(pb, u, n, gpu_of, planner, spare);
	free(u);
	free(gpu_of);
	return p;
}

/* Smallest pipeline depth at which module m's stages fit one GPU each. */
static int min_pp(const struct plan_problem *pb, struct fam *f, int m)
{
	int L = pb->modules[m].layers, keep = f->pp[m], down = fam_down(pb, f, m);

	for (int pp = 1; pp <= L; pp++) {
		f->pp[m] = pp;
		if (fam_module_ns(pb, f, m, down, NULL) >= 0)
			return pp;
	}
	f->pp[m] = keep;
	return -1;
}

/* ------------------------------------------------------------------------ */
/* Refinement: local moves on any plan, accepted when the estimate improves. */

static int gpu_signature_eq(const struct plan *p, int a, int b)
{
	const struct plan_gpu *x = &p->gpus[a], *y = &p->gpus[b];

	if (x->n_partitions != y->n_partitions)
		return 0;
	for (int i = 0; i < x->n_partitions; i++) {
		if (x->partitions[i].sms != y->partitions[i].sms ||
		    x->partitions[i].n_slots != y->partitions[i].n_slots)
			return 0;
		for (int s = 0; s < x->partitions[i].n_slots; s++)
			if (strcmp(x->partitions[i].slots[s].module, y->partitions[i].slots[s].module))
				return 0;
	}
	return 1;
}

/* The largest quota <= sms, -1 when none. */
static int quota_floor(const struct plan_problem *pb, int sms)
{
	int best = -1;

	for (int i = 0; i < pb->n_quotas; i++)
		if (pb->quotas[i] <= sms)
			best = pb->quotas[i];
	return best;
}

/* Split partition i of GPU g: slots [0, k) keep qa SMs, [k, n) move to a new
 * partition of qb SMs. */
static int split_partition(struct plan *p, int g, int i, int k, int qa, int qb)
{
	struct plan_partition *np, *old;
	int n;

	np = plan_add_partition(p, g, qb);
	if (!np)
		return -1;
	old = &p->gpus[g].partitions[i];
	n = old->n_slots;
	for (int s = k; s < n; s++) {
		struct plan_slot sl = old->slots[s];

		np = &p->gpus[g].partitions[p->gpus[g].n_partitions - 1];
		if (MO_GROW(np->slots, (size_t)np->n_slots + 1, np->slots_cap) < 0)
			return -1;
		np->slots[np->n_slots++] = sl; /* its module_index too */
		old = &p->gpus[g].partitions[i];
	}
	old->n_slots = k;
	old->sms = qa;
	return 0;
}

struct refiner {
	const struct plan_problem *pb;
	struct plan *best;
	int64_t best_ns;
	long evals, budget;
	int *cls;     /* [gpu] of best: the first GPU of the same layout (gpu_signature_eq) */
	int *reps;    /* scratch: the first GPU of every layout */
};

/* rf->cls for rf->best: each GPU's layout class, named by its first GPU
 * (gpu_signature_eq is an equivalence: compared with one GPU per class). */
static void refiner_classes(struct refiner *rf)
{
	int n_reps = 0;

	for (int g = 0; g < rf->best->n_gpus; g++) {
		rf->cls[g] = g;
		for (int k = 0; k < n_reps; k++)
			if (gpu_signature_eq(rf->best, rf->reps[k], g)) {
				rf->cls[g] = rf->reps[k];
				break;
			}
		if (rf->cls[g] == g)
			rf->reps[n_reps++] = g;
	}
}

/* Apply a per-GPU edit to GPU g alone (all = 0) or to every GPU whose
 * layout equals g's (all = 1), in place on rf->best; kept when the result
 * fits and improves, else undone.  An edit only changes partitions' SMs,
 * drops slots from the end of a partition (their records stay in its array)
 * and appends partitions: the undo restores each edited GPU's partition
 * count, SMs and slot counts (the appended partitions' slot arrays stay
 * with the GPU for plan_add_partition to reuse). */
typedef int (*gpu_edit)(struct plan *p, int g, const int *args);

struct gpu_undo {
	int gpu, n_partitions, first; /* its partitions' (sms, n_slots) at saved[first ..] */
};

/* Undo the edits saved in u[0 .. n) (saved: their partitions' sms, n_slots). */
static void undo_edits(struct plan *p, const struct gpu_undo *u, int n, const int *saved)
{
	for (int k = 0; k < n; k++) {
		struct plan_gpu *pg = &p->gpus[u[k].gpu];

		pg->n_partitions = u[k].n_partitions;
		for (int i = 0; i < pg->n_partitions; i++) {
			pg->partitions[i].sms = saved[u[k].first + 2 * i];
			pg->partitions[i].n_slots = saved[u[k].first + 2 * i + 1];
		}
	}
}

static int try_edit(struct refiner *rf, int g, int all, gpu_edit fn, const int *args)
{
	struct plan *p = rf->best;
	int n = 0, n_saved = 0, ok = 1, sched = p->schedule;
	struct gpu_undo *u = malloc((size_t)p->n_gpus * sizeof(*u) + 1);
	int *saved;
	int64_t ns;

	for (int h = 0; h < p->n_gpus; h++)
		if (h == g || (all && rf->cls[h] == rf->cls[g]))
			n_saved += 2 * p->gpus[h].n_partitions;
	saved = malloc((size_t)n_saved * sizeof(int) + 1);
	if (!u || !saved) {
		free(u);
		free(saved);
		return 0;
	}
	n_saved = 0;
	for (int h = 0; h < p->n_gpus && ok; h++) {
		if (h != g && !(all && rf->cls[h] == rf->cls[g]))
			continue;
		u[n++] = (struct gpu_undo){h, p->gpus[h].n_partitions, n_saved};
		for (int i = 0; i < p->gpus[h].n_partitions; i++) {
			saved[n_saved++] = p->gpus[h].partitions[i].sms;
			saved[n_saved++] = p->gpus[h].partitions[i].n_slots;
		}
		if (fn(p, h, args))
			ok = 0;
	}
	if (ok) {
		rf->evals++;
		ok = pl_eval_sched(rf->pb, p, &ns) == 0 && ns < rf->best_ns;
	}
	if (ok) {
		p->predicted_iter_ns = ns;
		rf->best_ns = ns;
		refiner_classes(rf);
	} else {
		undo_edits(p, u, n, saved);
		p->schedule = sched;
	}
	free(u);
	free(saved);
	return ok;
}

static int edit_shift(struct plan *p, int g, const int *a)
{
	/* move a[2] SMs from partition a[0] to a[1] */
	p->gpus[g].partitions[a[0]].sms -= a[2];
	p->gpus[g].partitions[a[1]].sms += a[2];
	return 0;
}

static int edit_set(struct plan *p, int g, const int *a)
{
	p->gpus[g].partitions[a[0]].sms = a[1];
	return 0;
}

static int edit_split(struct plan *p, int g, const int *a)
{
	return split_partition(p, g, a[0], a[1], a[2], a[3]);
}

static int refine_pass(struct refiner *rf)
{
	const struct plan_problem *pb = rf->pb;
	int improved = 0, sms = pb->gpu->sms;

	for (int g = 0; g < rf->best->n_gpus && rf->evals < rf->budget; g++) {
		if (rf->cls[g] != g)
			continue; /* a GPU of the same layout was tried */
		for (int all = 1; all >= 0; all--) {
			struct plan_gpu *pg = &rf->best->gpus[g];
			int used = 0;

			for (int i = 0; i < pg->n_partitions; i++)
				used += pg->partitions[i].sms;
			/* grow a partition into free SMs */
			for (int i = 0; i < rf->best->gpus[g].n_partitions; i++) {
				pg = &rf->best->gpus[g];
				int to = quota_floor(pb, sms - used + pg->partitions[i].sms);

				if (to > pg->partitions[i].sms) {
					int a[2] = {i, to};

					if (try_edit(rf, g, all, edit_set, a)) {
						improved = 1;
						pg = &rf->best->gpus[g];
						used = 0;
						for (int j = 0; j < pg->n_partitions; j++)
							used += pg->partitions[j].sms;
					}
				}
			}
			/* shift one lattice step between partitions (rf->best may be
			 * replaced by each accepted move: no pointer into it is kept) */
			for (int i = 0; i < rf->best->gpus[g].n_partitions; i++)
				for (int j = 0; j < rf->best->gpus[g].n_partitions; j++) {
					int step = pb->gpu->part_step_sms, qi, qj;

					pg = &rf->best->gpus[g];
					if (i == j || i >= pg->n_partitions || j >= pg->n_partitions)
						continue;
					qi = pg->partitions[i].sms - step;
					qj = pg->partitions[j].sms + step;
					if (plan_problem_quota_index(pb, qi) < 0 || plan_problem_quota_index(pb, qj) < 0)
						continue;
					{
						int a[3] = {i, j, step};

						if (try_edit(rf, g, all, edit_shift, a))
							improved = 1;
					}
				}
			/* split a time-shared partition into two concurrent ones */
			for (int i = 0; i < rf->best->gpus[g].n_partitions; i++) {
				int n = rf->best->gpus[g].partitions[i].n_slots;
				int have = rf->best->gpus[g].partitions[i].sms;

				for (int k = 1; k < n; k++)
					for (int qa = 0; qa < pb->n_quotas; qa++) {
						int a[4], qb;

						if (pb->quotas[qa] >= have)
							break;
						qb = quota_floor(pb, have - pb->quotas[qa]);
						if (qb < 0)
							continue;
						a[0] = i, a[1] = k, a[2] = pb->quotas[qa], a[3] = qb;
						if (try_edit(rf, g, all, edit_split, a)) {
							improved = 1;
							goto next_gpu; /* the layout changed */
						}
					}
			}
		}
next_gpu:;
	}
	return improved;
}

static void refine(struct refiner *rf)
{
	for (int pass = 0; pass < 50 && rf->evals < rf->budget; pass++)
		if (!refine_pass(rf))
			break;
}

/* ------------------------------------------------------------------------ */
/*
 * mosaic - our reading of the Mosaic (Apollo) planner: greedy construction
 * plus iterative refinement, by the cost model's predicted iteration time
 * (scaling curves + DRAM interference), respecting memory.
 *   1. Candidates: the best plan of every temporal-only baseline (so mosaic
 *      is never worse than any of them by the model), and a construction in
 *      the family F: every module starts at its smallest fitting pipeline,
 *      one replica, the smallest quota; then, repeatedly, the module with the
 *      longest predicted time gets the upgrade (quota + one lattice step, one
 *      more replica, or one more stage) with the best time saved per SM
 *      added that still packs onto the GPUs (first-fit decreasing over SMs
 *      and memory), each step's plan evaluated in full.
 *      The best configuration of that walk is then improved by hill
 *      climbing in the family: one module's quota, replicas or stages up or
 *      down, a module trading replicas for quota or reshaped to another
 *      replica count or pipeline depth at about the same SMs (fewer,
 *      wider stages when memory allows), two modules exchanging
 *      (one grows, the other shrinks); first improvement, bounded budget.
 *   2. Refinement of copies of the best three candidates (ties in the order
 *      found): grow partitions into free SMs,
 *      move one SM step between colocated partitions, split a time-shared
 *      partition into two concurrent ones (colocation on the lattice); each
 *      move tried on one GPU and on every GPU of the same layout; accepted
 *      when the predicted iteration time drops.
 *   3. The temporal-spatial result replaces the best temporal-only candidate
 *      only when it is predicted at least pb->min_gain faster (a margin for
 *      the model's uncertainty at partial quotas).  With a finalist check
 *      (plan_make_checked, make.c) every candidate of steps 1 and 2 keeps
 *      its origin, and the judge, not the margin, decides among the
 *      finalists.
 */
#define RESHAPE_MAX 32 /* replica counts tried by a reshape move */

/* Apply move k of the neighbourhood of f to t; 0 when it is a valid config. */
static int fam_move(const struct plan_problem *pb, const struct fam *f, struct fam *t, int k)
{
	int K = f->K, nsingle = 6 * K, nres = 2 * RESHAPE_MAX * K;
	static const int dq[6] = {1, -1, 0, 0, 0, 0}, dd[6] = {0, 0, 1, -1, 0, 0}, dpp[6] = {0, 0, 0, 0, 1, -1};

	fam_copy(t, f);
	if (k < nsingle) {
		/* one module: quota, replicas or stages up or down */
		int m = k / 6, c = k % 6;

		t->qi[m] += dq[c], t->dp[m] += dd[c], t->pp[m] += dpp[c];
	} else if (k < nsingle + 4 * K) {
		/* one module: trade replicas for quota */
		int m = (k - nsingle) / 4, c = (k - nsingle) % 4;

		if (c == 0)
			t->dp[m]++, t->qi[m]--;
		else if (c == 1)
			t->dp[m]--, t->qi[m]++;
		else if (c == 2)
			t->dp[m] *= 2, t->qi[m] = plan_problem_quota_index(pb, quota_floor(pb, pb->quotas[t->qi[m]] / 2));
		else if (t->dp[m] % 2 == 0)
			t->dp[m] /= 2, t->qi[m] = plan_problem_quota_index(pb, quota_floor(pb, pb->quotas[t->qi[m]] * 2));
		else
			return -1;
	} else if (k < nsingle + 4 * K + 2 * nres) {
		/* one module reshaped at about the same SMs: d replicas (first
		 * half of these moves) or d pipeline stages (second half) of the
		 * largest quota that keeps d x q within what the module holds now,
		 * or one lattice step more */
		int j = (k - nsingle - 4 * K) % nres, m = j / (2 * RESHAPE_MAX), d = (j / 2) % RESHAPE_MAX + 1;
		int up = j % 2, *dim = k - nsingle - 4 * K < nres ? t->dp : t->pp, now = dim[m], q;

		if (d == now || d > 2 * now + 2)
			return -1;
		q = quota_floor(pb, (int)((int64_t)now * pb->quotas[f->qi[m]] / d));
		if (q < 0)
			return -1;
		dim[m] = d;
		t->qi[m] = plan_problem_quota_index(pb, q) + up;
	} else {
		/* two modules: one grows (quota or replicas), the other shrinks */
		int j = k - nsingle - 4 * K - 2 * nres, a = j / (4 * K), b = (j / 4) % K, c = j % 4;

		if (a >= K || a == b)
			return -1;
		if (c & 1)
			t->dp[a]++;
		else
			t->qi[a]++;
		if (c & 2)
			t->dp[b]--;
		else
			t->qi[b]--;
	}
	for (int m = 0; m < K; m++)
		if (t->qi[m] < 0 || t->qi[m] >= pb->n_quotas || t->dp[m] < 1 || t->pp[m] < 1 ||
		    t->pp[m] > pb->modules[m].layers)
			return -1;
	if (fam_sms(pb, t) > (int64_t)pb->n_gpus * pb->gpu->sms)
		return -1;
	return 0;
}

/* Hill climbing in the family from f: single-module moves, replica/quota
 * trades and two-module exchanges, first improvement taken, within an
 * evaluation budget that shrinks with the cluster (each evaluation costs
 * more there).  Updates f, *best and *best_ns. */
static void fam_climb(const struct plan_problem *pb, struct fam *f, struct plan **best,
		      int64_t *best_ns)
{
	int K = f->K, n_moves = 6 * K + 4 * K + 4 * RESHAPE_MAX * K + 4 * K * K;
	long budget = 40000L / (pb->n_gpus > 0 ? pb->n_gpus : 1), evals = 0;
	struct fam t;
	struct plan *spare = NULL;

	if (budget < 200)
		budget = 200;
	if (fam_alloc(&t, K))
		return;
	for (int improved = 1; improved && evals < budget;) {
		improved = 0;
		for (int k = 0; k < n_moves && evals < budget; k++) {
			struct plan *p;
			int64_t ns;

			if (fam_move(pb, f, &t, k))
				continue;
			p = fam_plan(pb, &t, "mosaic", &spare);
			evals++;
			if (!p)
				continue;
			if (pl_eval_sched(pb, p, &ns) == 0 && ns < *best_ns) {
				p->predicted_iter_ns = ns;
				pl_keep_best(best, best_ns, p, ns, &spare);
				fam_copy(f, &t);
				improved = 1;
			} else {
				pl_plan_spare(&spare, p);
			}
		}
	}
	fam_release(&t);
	plan_free(spare);
}

/* Apply upgrade c to module m of t: 0 one quota step up, 1 one more
 * data-parallel replica, 2 one more pipeline stage.  0, or -1 when m cannot
 * take it (the largest quota, or a stage per layer already). */
static int fam_upgrade(const struct plan_problem *pb, struct fam *t, int m, int c)
{
	if (c == 0 && t->qi[m] + 1 < pb->n_quotas)
		t->qi[m]++;
	else if (c == 1)
		t->dp[m]++;
	else if (c == 2 && t->pp[m] < pb->modules[m].layers)
		t->pp[m]++;
	else
		return -1;
	return 0;
}

/* One step of the greedy walk: the upgrades of the slowest module (worst,
 * worst_ns alone) that shorten it within cap SMs, best time saved per SM
 * added first, until one gives a plan; f takes it.  1 when f moved, 0 when
 * no upgrade did (t: scratch). */
static int fam_step(const struct plan_problem *pb, struct fam *f, struct fam *t, int worst,
		    int64_t worst_ns, int64_t cap, struct plan **spare)
{
	int tried[3] = {0, 0, 0};

	for (int round = 0; round < 3; round++) {
		double best_eff = 0;
		int pick = -1;
		struct plan *q;

		for (int c = 0; c < 3; c++) {
			int64_t nt, dsms;

			if (tried[c])
				continue;
			fam_copy(t, f);
			if (fam_upgrade(pb, t, worst, c) < 0)
				continue;
			dsms = fam_sms(pb, t) - fam_sms(pb, f);
			nt = fam_module_ns(pb, t, worst, fam_down(pb, t, worst), NULL);
			if (nt < 0 || nt >= worst_ns || dsms <= 0 || fam_sms(pb, t) > cap)
				continue;
			if (pick < 0 || (double)(worst_ns - nt) / (double)dsms > best_eff) {
				best_eff = (double)(worst_ns - nt) / (double)dsms;
				pick = c;
			}
		}
		if (pick < 0)
			return 0;
		tried[pick] = 1;
		fam_copy(t, f);
		fam_upgrade(pb, t, worst, pick);
		if ((q = fam_plan(pb, t, "mosaic", spare))) {
			pl_plan_spare(spare, q);
			fam_copy(f, t);
			return 1;
		}
	}
	return 0;
}

/* The greedy walk in the family F, then (climb) hill climbing from its best
 * configuration; *out the best plan seen (NULL when nothing fits).  Returns
 * 0, 1 when no module's stages fit a GPU, -1 when out of memory. */
static int fam_construct(const struct plan_problem *pb, int climb, struct plan **out,
			 int64_t *out_ns)
{
	int K = pb->n_modules, rc = 0, have_bf = 0;
	struct fam f = {0}, t = {0}, bf = {0};
	struct plan *best = NULL, *spare = NULL;
	int64_t best_ns = 0, cap = (int64_t)pb->n_gpus * pb->gpu->sms;

	if (fam_alloc(&f, K) || fam_alloc(&t, K) || fam_alloc(&bf, K)) {
		rc = -1;
		goto out;
	}
	for (int m = 0; m < K; m++)
		f.pp[m] = 1, f.dp[m] = 1, f.qi[m] = 0;
	/* stage depths from the sinks up, so fam_down sees final values */
	for (int k = K - 1; k >= 0; k--) {
		if (min_pp(pb, &f, pb->topo[k]) < 0) {
			rc = 1;
			goto out;
		}
	}
	for (int iter = 0; iter < 100000; iter++) {
		struct plan *p = fam_plan(pb, &f, "mosaic", &spare);
		int64_t ns, worst_ns = 0;
		int worst = -1;

		if (!p) {
			if (iter == 0)
				rc = 1;
			break;
		}
		if (pl_eval_sched(pb, p, &ns) == 0) {
			p->predicted_iter_ns = ns;
			if (pl_keep_best(&best, &best_ns, p, ns, &spare))
				fam_copy(&bf, &f), have_bf = 1;
		} else {
			pl_plan_spare(&spare, p);
		}
		for (int m = 0; m < K; m++) {
			int64_t mns = fam_module_ns(pb, &f, m, fam_down(pb, &f, m), NULL);

			if (worst < 0 || mns > worst_ns)
				worst = m, worst_ns = mns;
		}
		if (!fam_step(pb, &f, &t, worst, worst_ns, cap, &spare))
			break;
	}
	if (have_bf && climb)
		fam_climb(pb, &bf, &best, &best_ns);
out:
	plan_free(spare);
	fam_release(&f);
	fam_release(&t);
	fam_release(&bf);
	*out = best;
	*out_ns = best_ns;
	return rc;
}

typedef int (*planner_fn)(const struct plan_problem *, struct plan **, struct mo_err *);
static const struct {
	const char *name;
	planner_fn fn;
} baselines[] = {
#define BASELINE(name) {#name, pl_##name},
	PLAN_BASELINES(BASELINE)
};
#define N_BASELINES ((int)(sizeof(baselines) / sizeof(baselines[0])))

#define REFINED 3 /* candidates refined */

int pl_mosaic_candidates(const struct plan_problem *pb, int problem, struct pl_cands *c,
			 struct mo_err *err)
{
	int first = c->n, n, ord[N_BASELINES + 1];

	for (int b = 0; b < N_BASELINES; b++) {
		struct plan *p = NULL;

		if (baselines[b].fn(pb, &p, NULL) == 0 && p &&
		    pl_cands_add(c, p, baselines[b].name, problem))
			goto oom;
	}
	{
		struct plan *p = NULL;
		int64_t pns = 0;

		if (fam_construct(pb, 1, &p, &pns) < 0)
			goto oom;
		if (p) {
			p->predicted_iter_ns = pns;
			if (pl_cands_add(c, p, "mosaic", problem))
				goto oom;
		}
	}
	if (c->n == first)
		return mo_err_set(err, MO_EINFEASIBLE,
				  "mosaic: nothing fits: %d modules on %d %s (%d SMs, %.1f GiB each); the model does not fit or there are more modules than SM partitions",
				  pb->n_modules, pb->n_gpus, pb->gpu->short_name, pb->gpu->sms,
				  pb->gpu->mem_bytes / (1024.0 * 1024 * 1024));
	/* refine copies of the REFINED best so far (ties in the order found; the
	 * originals stay candidates of the planner they came from): plans
	 * predicted alike can refine very differently (megatron's and optimus'
	 * plans of ofasys on 8 GPUs tie, and only optimus' refines to the
	 * colocated plan that wins) */
	n = c->n - first;
	pl_cands_by_prediction(c, first, ord);
	for (int r = 0; r < REFINED && r < n; r++) {
		const struct plan *src = c->v[ord[r]].p;
		struct refiner rf = {pb, plan_clone(src), src->predicted_iter_ns, 0, 4000, NULL, NULL};

		rf.cls = malloc((size_t)src->n_gpus * sizeof(int) + 1);
		rf.reps = malloc((size_t)src->n_gpus * sizeof(int) + 1);
		if (!rf.best || !rf.cls || !rf.reps) {
			plan_free(rf.best);
			free(rf.cls);
			free(rf.reps);
			goto oom;
		}
		refiner_classes(&rf);
		refine(&rf);
		free(rf.cls);
		free(rf.reps);
		rf.best->predicted_iter_ns = rf.best_ns;
		snprintf(rf.best->planner, sizeof(rf.best->planner), "mosaic");
		if (pl_cands_add(c, rf.best, "mosaic", problem))
			goto oom;
	}
	return 0;
oom:
	return mo_err_set(err, MO_ENOMEM, "plan: out of memory");
}

int pl_mosaic(const struct plan_problem *pb, struct plan **out, struct mo_err *err)
{
	struct pl_cands c = {0};
	int rc = pl_mosaic_candidates(pb, 0, &c, err), win;

	if (rc == 0) {
		win = pl_cands_choose(&c, 0, pb->min_gain);
		*out = c.v[win].p;
		c.v[win].p = NULL;
	}
	pl_cands_release(&c);
	return rc;
}

/* mosaic-greedy: the greedy walk alone (no baselines as candidates, no hill
 * climbing, no refinement), for measuring what the rest of mosaic adds. */
static int pl_mosaic_greedy(const struct plan_problem *pb, struct plan **out, struct mo_err *err)
{
	int64_t ns = 0;
	int rc = fam_construct(pb, 0, out, &ns);

	if (rc < 0)
		return mo_err_set(err, MO_ENOMEM, "plan: out of memory");
	if (!*out)
		return mo_err_set(err, MO_EINFEASIBLE, "mosaic-greedy: nothing fits on %d %s", pb->n_gpus,
				  pb->gpu->short_name);
	(*out)->predicted_iter_ns = ns;
	return 0;
}

/* ------------------------------------------------------------------------ */
/*
 * optimal - exact search over the family F (every module's pipeline depth,
 * replica count and quota on the lattice, and every placement of the units
 * onto GPUs up to GPU and replica symmetry when there are at most
 * OPT_EXACT_UNITS units; first-fit decreasing beyond), with branch and bound:
 * a module's share of microbatches times its slowest stage at its quota is a
 * lower bound of the iteration time (interference, communication and
 * pipeline fill only add), so a partial assignment whose bound reaches the
 * incumbent is cut, and so is one whose SM-time area (SMs x busy time of
 * all its units) exceeds what all GPUs' SMs give in the incumbent's time.
 * Per module, options beaten by another option on bound, area, SMs and unit
 * count together are skipped (a restriction: placement effects such as
 * interference are not part of that comparison).  The incumbent starts at
 * the mosaic heuristic's plan (at least as good as every temporal-only
 * baseline), returned when nothing in F beats it: the answer is the best of
 * F and that plan, proven by the exhaustive search.  Refuses (-MO_EUSAGE) instances
 * whose search space is too large, instead of running for hours.
 */
#define OPT_MAX_GPUS 16
#define OPT_MAX_MODULES 6
#define OPT_EXACT_UNITS 6
#ifndef OPT_MAX_NODES
#define OPT_MAX_NODES 10000000L
#endif
#ifndef OPT_MAX_LEAVES
#define OPT_MAX_LEAVES 600000L
#endif
/* Refused at once, before any search: instances whose configuration space
 * (the product over modules of their undominated options) exceeds 10^11.7.
 * Measured on the bundled workloads at 4, 8 and 16 H100s and every
 * microbatch size plan_make tries: the largest space the search finished
 * within the node and leaf limits was 10^11.64 (imagebind x4, microbatch
 * 128, 48 k placements bounded); every space above 10^11.7 (imagebind x8 and
 * x16: 10^13.0 and 10^13.9) ran into the limits after 35-105 s.  Below it
 * the size alone does not decide (10^9.64 and 10^11.63 gave up, 10^11.64
 * finished): the node and leaf limits above stay as the backstop there. */
#define OPT_MAX_LOG10_SPACE 11.7

struct opt_option {
	int pp, dp, qi;
	int64_t lb;      /* its busiest unit's load: share x slowest stage */
	double area;     /* SM-time its units occupy: SMs x ns */
	int64_t sms;
};

struct optimal {
	const struct plan_problem *pb;
	int K, *mods;
	struct opt_option **opts;
	int *n_opts;
	struct fam f;
	struct plan *best;
	int64_t best_ns;
	long leaves, nodes;
	int aborted;
	int64_t *rest_sms;   /* [i]: the fewest SMs modules i..K-1 can take */
	double *rest_area;   /* [i]: the least SM-time they occupy */
	/* placement search */
	struct funit *u;
	int nu, *gpu_of, *free_sms;
	int64_t *free_mem;
};

static int cmp_opt(const void *a, const void *b)
{
	const struct opt_option *x = a, *y = b;

	return x->lb < y->lb ? -1 : x->lb > y->lb;
}

/* A leaf: the plan of units u on GPUs gpu_of, kept when it fits and beats
 * the incumbent; counted against the leaf limit (past it, the search
 * aborts; with stop_at_limit the leaf is not evaluated then). */
static void opt_try(struct optimal *o, const struct funit *u, int n, const int *gpu_of, int stop_at_limit)
{
	struct plan *p = units_plan(o->pb, u, n, gpu_of, "optimal", NULL);
	int64_t ns;

	if (++o->leaves > OPT_MAX_LEAVES) {
		o->aborted = 1;
		if (stop_at_limit) {
			plan_free(p);
			return;
		}
	}
	if (p && pl_eval_sched(o->pb, p, &ns) == 0 && ns < o->best_ns) {
		p->predicted_iter_ns = ns;
		plan_free(o->best);
		o->best = p;
		o->best_ns = ns;
	} else {
		plan_free(p);
	}
}

static void opt_place(struct optimal *o, int k, int used)
{
	const struct plan_problem *pb = o->pb;

	if (o->aborted)
		return;
	if (k == o->nu) {
		opt_try(o, o->u, o->nu, o->gpu_of, 1);
		return;
	}
	for (int g = 0; g < pb->n_gpus && g <= used; g++) {
		const struct funit *x = &o->u[k];

		/* replicas of one stage are interchangeable: keep their GPUs ordered */
		if (k > 0 && o->u[k - 1].m == x->m && o->u[k - 1].s == x->s && o->u[k - 1].d + 1 == x->d &&
		    g < o->gpu_of[k - 1])
			continue;
		if (o->free_sms[g] < x->q || o->free_mem[g] < x->mem)
			continue;
		o->gpu_of[k] = g;
		o->free_sms[g] -= x->q;
		o->free_mem[g] -= x->mem;
		opt_place(o, k + 1, g == used ? used + 1 : used);
		o->free_sms[g] += x->q;
		o->free_mem[g] += x->mem;
	}
}

static void opt_leaf(struct optimal *o)
{
	const struct plan_problem *pb = o->pb;
	int n;
	struct funit *u = fam_unit_list(pb, &o->f, &n);

	if (!u)
		return;
	if (n <= OPT_EXACT_UNITS) {
		/* units sorted stage-major within a module for the symmetry rule */
		struct funit *v = malloc((size_t)n * sizeof(*v));
		int k = 0;

		if (!v) {
			free(u);
			return;
		}
		/* order: by module (topological), stage, replica */
		for (int t = 0; t < pb->n_modules; t++)
			for (int s = 0; s < n; s++)
				for (int i = 0; i < n; i++)
					if (u[i].m == pb->topo[t] && u[i].s == s)
						v[k++] = u[i];
		o->u = v;
		o->nu = n;
		o->gpu_of = calloc((size_t)n, sizeof(int));
		o->free_sms = malloc((size_t)pb->n_gpus * sizeof(int));
		o->free_mem = malloc((size_t)pb->n_gpus * sizeof(int64_t));
		if (o->gpu_of && o->free_sms && o->free_mem) {
			for (int g = 0; g < pb->n_gpus; g++) {
				o->free_sms[g] = pb->gpu->sms;
				o->free_mem[g] = pb->gpu->mem_bytes;
			}
			opt_place(o, 0, 0);
		}
		free(o->gpu_of);
		free(o->free_sms);
		free(o->free_mem);
		free(v);
	} else {
		int *gpu_of = malloc((size_t)n * sizeof(int));

		if (gpu_of && ffd_pack(pb, u, n, gpu_of) == 0)
			opt_try(o, u, n, gpu_of, 0);
		free(gpu_of);
	}
	free(u);
}

static void opt_dfs(struct optimal *o, int i, int64_t lb, int64_t sms, double area)
{
	const struct plan_problem *pb = o->pb;

	if (o->aborted)
		return;
	if (++o->nodes > OPT_MAX_NODES) {
		o->aborted = 1;
		return;
	}
	if (i == o->K) {
		opt_leaf(o);
		return;
	}
	for (int k = 0; k < o->n_opts[i]; k++) {
		const struct opt_option *op = &o->opts[i][k];
		int m = o->mods[i];
		int64_t nl = op->lb > lb ? op->lb : lb;
		int64_t ns = sms + op->sms;
		double na = area + op->area, cap = (double)pb->n_gpus * pb->gpu->sms;

		if (o->best && nl >= o->best_ns)
			break; /* options are sorted by bound */
		if (ns > (int64_t)pb->n_gpus * pb->gpu->sms)
			continue;
		/* the SMs of all GPUs cannot do the work in less than area / SMs,
		 * counting the least the remaining modules need */
		if (ns + o->rest_sms[i + 1] > (int64_t)pb->n_gpus * pb->gpu->sms)
			continue;
		if (o->best && (na + o->rest_area[i + 1]) / cap >= (double)o->best_ns)
			continue;
		o->f.pp[m] = op->pp;
		o->f.dp[m] = op->dp;
		o->f.qi[m] = op->qi;
		opt_dfs(o, i + 1, nl, ns, na);
	}
}

/* Drop the options of module i that another beats (or ties, coming
 * first) on bound, area, SMs and unit count together. */
static void opt_drop_dominated(struct optimal *o, int i)
{
	int keep = 0;

	for (int a = 0; a < o->n_opts[i]; a++) {
		const struct opt_option *x = &o->opts[i][a];
		int dom = 0;

		for (int b = 0; b < o->n_opts[i] && !dom; b++) {
			const struct opt_option *y = &o->opts[i][b];

			if (b != a && y->lb <= x->lb && y->area <= x->area && y->sms <= x->sms &&
			    y->pp * y->dp <= x->pp * x->dp &&
			    (y->lb < x->lb || y->area < x->area || y->sms < x->sms ||
			     y->pp * y->dp < x->pp * x->dp || b < a))
				dom = 1;
		}
		if (!dom)
			o->opts[i][keep++] = *x;
	}
	o->n_opts[i] = keep;
}

/* The options of module i (o->mods[i]) with their bounds (fam_down with
 * pp = 1: the smallest in-flight count, so memory is not over-pruned),
 * undominated, sorted by bound.  -1 when out of memory. */
static int opt_module_options(struct optimal *o, int i)
{
	const struct plan_problem *pb = o->pb;
	int m = o->mods[i], L = pb->modules[m].layers, cap = 0, N = pb->n_gpus, max_units = 2 * N;
	struct fam f1;

	if (fam_alloc(&f1, o->K))
		return -1;
	for (int j = 0; j < o->K; j++)
		f1.pp[j] = 1, f1.dp[j] = 1, f1.qi[j] = 0;
	for (int pp = 1; pp <= L && pp <= N; pp++)
		for (int dp = 1; pp * dp <= max_units; dp++)
			cap += pb->n_quotas;
	o->opts[i] = malloc((size_t)(cap ? cap : 1) * sizeof(**o->opts));
	if (!o->opts[i]) {
		fam_release(&f1);
		return -1;
	}
	for (int pp = 1; pp <= L && pp <= N; pp++)
		for (int dp = 1; pp * dp <= max_units; dp++)
			for (int qi = 0; qi < pb->n_quotas; qi++) {
				int64_t lb;

				if ((int64_t)pp * dp * pb->quotas[qi] > (int64_t)N * pb->gpu->sms)
					continue;
				f1.pp[m] = pp, f1.dp[m] = dp, f1.qi[m] = qi;
				if (fam_module_ns(pb, &f1, m, 0, &lb) < 0)
					continue;
				o->opts[i][o->n_opts[i]++] = (struct opt_option){pp, dp, qi, lb,
					(double)pb->quotas[qi] * dp * pl_share(pb->batch / pb->microbatch_size, dp) *
					(double)pl_slice_ns(pb, m, 0, L, qi),
					(int64_t)pp * dp * pb->quotas[qi]};
			}
	fam_release(&f1);
	opt_drop_dominated(o, i);
	qsort(o->opts[i], (size_t)o->n_opts[i], sizeof(**o->opts), cmp_opt);
	return 0;
}

/* Heaviest modules first (their bound prunes most). */
static void opt_order_modules(struct optimal *o)
{
	for (int i = 0; i < o->K; i++)
		for (int j = i + 1; j < o->K; j++) {
			int64_t li = o->n_opts[i] ? o->opts[i][0].lb : INT64_MAX;
			int64_t lj = o->n_opts[j] ? o->opts[j][0].lb : INT64_MAX;

			if (lj > li) {
				int tm = o->mods[i], tn = o->n_opts[i];
				struct opt_option *to = o->opts[i];

				o->mods[i] = o->mods[j], o->n_opts[i] = o->n_opts[j], o->opts[i] = o->opts[j];
				o->mods[j] = tm, o->n_opts[j] = tn, o->opts[j] = to;
			}
		}
}

/* The least the modules i.. need: rest_sms[i], rest_area[i].  -1 when out of
 * memory. */
static int opt_rest(struct optimal *o)
{
	o->rest_sms = calloc((size_t)o->K + 1, sizeof(int64_t));
	o->rest_area = calloc((size_t)o->K + 1, sizeof(double));
	if (!o->rest_sms || !o->rest_area)
		return -1;
	for (int i = o->K - 1; i >= 0; i--) {
		int64_t ms = INT64_MAX;
		double ma = 1e300;

		for (int k = 0; k < o->n_opts[i]; k++) {
			if (o->opts[i][k].sms < ms)
				ms = o->opts[i][k].sms;
			if (o->opts[i][k].area < ma)
				ma = o->opts[i][k].area;
		}
		if (!o->n_opts[i])
			ms = 0, ma = 0;
		o->rest_sms[i] = o->rest_sms[i + 1] + ms;
		o->rest_area[i] = o->rest_area[i + 1] + ma;
	}
	return 0;
}

/* The search state: modules in topological order, each at one stage, one
 * replica, the whole GPU, then their options.  0, or the error. */
static int opt_init(struct optimal *o, const struct plan_problem *pb, struct mo_err *err)
{
	int K = pb->n_modules;

	memset(o, 0, sizeof(*o));
	o->pb = pb;
	o->K = K;
	o->mods = malloc((size_t)K * sizeof(int));
	o->opts = calloc((size_t)K, sizeof(*o->opts));
	o->n_opts = calloc((size_t)K, sizeof(int));
	if (!o->mods || !o->opts || !o->n_opts || fam_alloc(&o->f, K))
		return mo_err_set(err, MO_ENOMEM, "plan: out of memory");
	for (int i = 0; i < K; i++) {
		o->mods[i] = pb->topo[i];
		o->f.pp[i] = 1, o->f.dp[i] = 1, o->f.qi[i] = pb->n_quotas - 1;
	}
	for (int i = 0; i < K; i++)
		if (opt_module_options(o, i))
			return mo_err_set(err, MO_ENOMEM, "plan: out of memory");
	opt_order_modules(o);
	return 0;
}

/* The product of the modules' option counts, refused above 10^OPT_MAX_LOG10_SPACE. */
static int opt_space_check(const struct optimal *o, struct mo_err *err)
{
	double space = 0;

	for (int i = 0; i < o->K; i++)
		space += log10(o->n_opts[i] > 1 ? o->n_opts[i] : 1);
	if (space > OPT_MAX_LOG10_SPACE)
		return mo_err_set(err, MO_EUSAGE,
				  "optimal: instance too large for exact search (%d modules on %d GPUs, "
				  "microbatch %d: 10^%.1f configurations, at most 10^%.1f): use --planner mosaic",
				  o->K, o->pb->n_gpus, o->pb->microbatch_size, space, OPT_MAX_LOG10_SPACE);
	return 0;
}

/* The search from the incumbent: the mosaic heuristic's plan (itself at
 * least as good as every temporal-only baseline); the bound only cuts what
 * cannot beat it. */
static int opt_search(struct optimal *o, struct mo_err *err)
{
	struct plan *p = NULL;

	if (pl_mosaic(o->pb, &p, NULL) == 0 && p)
		pl_keep_best(&o->best, &o->best_ns, p, p->predicted_iter_ns, NULL);
	if (opt_rest(o))
		return mo_err_set(err, MO_ENOMEM, "plan: out of memory");
	opt_dfs(o, 0, 0, 0, 0);
	if (o->aborted)
		return mo_err_set(err, MO_EUSAGE,
				  "optimal: instance too large for exact search (more than %ld configurations or %ld placements to bound): use --planner mosaic",
				  OPT_MAX_NODES, OPT_MAX_LEAVES);
	if (!o->best)
		return mo_err_set(err, MO_EINFEASIBLE, "optimal: nothing fits on %d %s", o->pb->n_gpus,
				  o->pb->gpu->short_name);
	return 0;
}

int pl_optimal(const struct plan_problem *pb, struct plan **out, struct mo_err *err)
{
	struct optimal o;
	int K = pb->n_modules, N = pb->n_gpus;
	int rc;

	if (N > OPT_MAX_GPUS || K > OPT_MAX_MODULES)
		return mo_err_set(err, MO_EUSAGE,
				  "optimal: instance too large for exact search (%d GPUs, %d modules; at most %d GPUs and %d modules): use --planner mosaic",
				  N, K, OPT_MAX_GPUS, OPT_MAX_MODULES);
	rc = opt_init(&o, pb, err);
	if (!rc && !(rc = opt_space_check(&o, err)) && !(rc = opt_search(&o, err))) {
		snprintf(o.best->planner, sizeof(o.best->planner), "optimal");
		o.best->predicted_iter_ns = o.best_ns;
		*out = o.best;
		o.best = NULL;
	}
	plan_free(o.best);
	for (int i = 0; i < K && o.opts; i++)
		free(o.opts[i]);
	free(o.opts);
	free(o.n_opts);
	free(o.mods);
	free(o.rest_sms);
	free(o.rest_area);
	fam_release(&o.f);
	return rc;
}

/* ------------------------------------------------------------------------ */

static const struct {
	const char *name;
	planner_fn fn;
} planners[] = {
	{"mosaic", pl_mosaic},
	{"mosaic-greedy", pl_mosaic_greedy},
	PLAN_BASELINES(BASELINE)
	{"optimal", pl_optimal},
	{"streams", pl_streams},
};

int plan_planner_known(const char *name)
{
	for (size_t i = 0; i < sizeof(planners) / sizeof(planners[0]); i++)
		if (!strcmp(planners[i].name, name))
			return 1;
	return 0;
}

int plan_search(const struct plan_problem *pb, const char *planner, struct plan **out,
		struct mo_err *err)
{
	*out = NULL;
	for (size_t i = 0; i < sizeof(planners) / sizeof(planners[0]); i++)
		if (!strcmp(planners[i].name, planner)) {
			int rc = planners[i].fn(pb, out, err);

			if (rc == 0) {
				snprintf((*out)->planner, sizeof((*out)->planner), "%s", planner);
				snprintf((*out)->planner_version, sizeof((*out)->planner_version), "%s",
					 PLANNER_VERSION);
			}
			return rc;
		}
	{
		char known[256];
		size_t k = 0;

		known[0] = '\0';
		for (size_t i = 0; i < sizeof(planners) / sizeof(planners[0]) && k < sizeof(known); i++)
			k += (size_t)snprintf(known + k, sizeof(known) - k, "%s%s", i ? ", " : "",
					      planners[i].name);
		return mo_err_set(err, MO_EUSAGE, "unknown planner '%s' (known: %s)", planner, known);
	}
}
