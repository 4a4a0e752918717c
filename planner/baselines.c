/* baselines.c - the temporal-only planners: each a documented reading of a
 * published system's policy, searching over that system's own knobs and
 * returning its best plan by the cost model (cost.c).  Every GPU holds one
 * partition of all its SMs; modules time-share it. */
#include "planner/planner-internal.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define FULL(pb) ((pb)->n_quotas - 1)

struct plan *pl_plan_start(const struct plan_problem *pb, const char *planner, struct plan **spare)
{
	struct plan *p = spare ? *spare : NULL;

	if (p && p->n_gpus == pb->n_gpus) {
		*spare = NULL;
		pl_plan_reset(p);
	} else {
		p = plan_new(pb->n_gpus);
	}
	if (!p)
		return NULL;
	snprintf(p->planner, sizeof(p->planner), "%s", planner);
	snprintf(p->workload, sizeof(p->workload), "%s", pb->workload);
	p->host_issue = pb->host_issue;
	p->launch_mode = pb->launch_mode;
	snprintf(p->gpu, sizeof(p->gpu), "%s", pb->gpu->name);
	p->microbatch_size = pb->microbatch_size;
	p->microbatches = pb->batch / pb->microbatch_size;
	p->schedule = PLAN_SCHEDULE_1F1B;
	return p;
}

void pl_plan_spare(struct plan **spare, struct plan *p)
{
	if (!spare) {
		plan_free(p);
		return;
	}
	if (*spare != p)
		plan_free(*spare);
	*spare = p;
}

int pl_keep_best(struct plan **best, int64_t *best_ns, struct plan *cand, int64_t cand_ns,
		 struct plan **spare)
{
	if (!cand)
		return 0;
	if (!*best || cand_ns < *best_ns) {
		if (*best)
			pl_plan_spare(spare, *best);
		*best = cand;
		*best_ns = cand_ns;
		return 1;
	}
	pl_plan_spare(spare, cand);
	return 0;
}

/* Evaluate cand, when its building went through (built), and keep it if it
 * fits and beats *best; the loser, or cand when not built, to *spare. */
static void consider(const struct plan_problem *pb, struct plan **best, int64_t *best_ns,
		     struct plan *cand, int built, struct plan **spare)
{
	int64_t ns;

	if (!cand)
		return;
	if (!built || pl_eval_sched(pb, cand, &ns) != 0) {
		pl_plan_spare(spare, cand);
		return;
	}
	cand->predicted_iter_ns = ns;
	pl_keep_best(best, best_ns, cand, ns, spare);
}

/* Module m split into pp balanced stages at full GPU, dp replicas each, onto
 * GPUs gpus[0 .. pp*dp) (stage-major within a replica), appended as slots to
 * each GPU's single partition (created when missing). */
static int place_module(const struct plan_problem *pb, struct plan *p, int m, int pp, int dp,
			const int *gpus)
{
	int bounds[WORKLOAD_MAX_STAGES * 64 + 2], *bd = bounds;

	if (pp > (int)(sizeof(bounds) / sizeof(bounds[0])) - 1) {
		bd = malloc((size_t)(pp + 1) * sizeof(int));
		if (!bd)
			return -1;
	}
	pl_split_layers(pb, m, pp, FULL(pb), bd);
	for (int d = 0; d < dp; d++)
		for (int s = 0; s < pp; s++) {
			int g = gpus[d * pp + s];
			struct plan_partition *part = p->gpus[g].n_partitions
				? &p->gpus[g].partitions[0] : plan_add_partition(p, g, pb->gpu->sms);

			if (!part || !pl_add_slot(pb, part, m, bd[s], bd[s + 1], s, d, dp)) {
				if (bd != bounds)
					free(bd);
				return -1;
			}
		}
	if (bd != bounds)
		free(bd);
	return 0;
}

/* ------------------------------------------------------------------------ */
/*
 * megatron - Megatron-LM's reading for multimodal models (Shoeybi et al.
 * 2019; Narayanan et al., SC'21, "Efficient large-scale language model
 * training on GPU clusters using Megatron-LM"): the whole model is one
 * pipeline.  Modules are concatenated in topological order (encoders first,
 * then the backbone) into one sequence of layers, cut into S contiguous
 * stages of balanced predicted time (min-max partition), each stage on one
 * whole GPU, the pipeline replicated D times for data parallelism (S x D <=
 * N), 1F1B schedule.  Knobs searched: S, D (and, in plan_make, the
 * microbatch size).  No tensor parallelism (a stage must fit one GPU).
 */

struct seq_layer {
	int m, l;
	int64_t ns;
};

/* Cut seq[0..n) into exactly S contiguous non-empty parts minimising the
 * largest part; cut[0..S] boundaries. */
static void minmax_cut(const struct seq_layer *seq, int n, int S, int *cut)
{
	int64_t lo = 0, hi = 0;

	for (int i = 0; i < n; i++) {
		hi += seq[i].ns;
		if (seq[i].ns > lo)
			lo = seq[i].ns;
	}
	while (lo < hi) {
		int64_t mid = lo + (hi - lo) / 2, acc = 0;
		int parts = 1;

		for (int i = 0; i < n; i++) {
			if (acc + seq[i].ns > mid) {
				parts++;
				acc = 0;
			}
			acc += seq[i].ns;
		}
		if (parts <= S)
			hi = mid;
		else
			lo = mid + 1;
	}
	/* greedy at the bound, keeping enough layers for the remaining parts */
	{
		int64_t acc = 0;
		int k = 1;

		cut[0] = 0;
		for (int i = 0; i < n; i++) {
			int left = n - i, need = S - k;

			if (k < S && (left <= need || (acc + seq[i].ns > lo && i > cut[k - 1]))) {
				cut[k++] = i;
				acc = 0;
			}
			acc += seq[i].ns;
		}
		while (k < S) /* not reached when n >= S */
			cut[k++] = n;
		cut[S] = n;
	}
}

static struct plan *megatron_plan(const struct plan_problem *pb, const struct seq_layer *seq, int n,
				  int S, int D, struct plan **spare)
{
	struct plan *p = pl_plan_start(pb, "megatron", spare);
	int *cut = malloc((size_t)(S + 1) * sizeof(int));
	int *mstage = calloc((size_t)pb->n_modules, sizeof(int));

	if (!p || !cut || !mstage)
		goto fail;
	minmax_cut(seq, n, S, cut);
	for (int g = 0; g < S * D; g++)
		if (!plan_add_partition(p, g, pb->gpu->sms))
			goto fail;
	for (int s = 0; s < S; s++) {
		int i = cut[s];

		while (i < cut[s + 1]) {
			int m = seq[i].m, lb = seq[i].l, j = i;

			while (j < cut[s + 1] && seq[j].m == m)
				j++;
			for (int d = 0; d < D; d++)
				if (!pl_add_slot(pb, &p->gpus[d * S + s].partitions[0], m, lb, lb + (j - i),
						 mstage[m], d, D))
					goto fail;
			mstage[m]++;
			i = j;
		}
	}
	free(cut);
	free(mstage);
	return p;
fail:
	free(cut);
	free(mstage);
	plan_free(p);
	return NULL;
}

int pl_megatron(const struct plan_problem *pb, struct plan **out, struct mo_err *err)
{
	struct seq_layer *seq;
	int n = 0, k = 0, N = pb->n_gpus;
	struct plan *best = NULL, *spare = NULL;
	int64_t best_ns = 0;

	for (int m = 0; m < pb->n_modules; m++)
		n += pb->modules[m].layers;
	seq = malloc((size_t)(n ? n : 1) * sizeof(*seq));
	if (!seq)
		return mo_err_set(err, MO_ENOMEM, "plan: out of memory");
	for (int t = 0; t < pb->n_modules; t++) {
		int m = pb->topo[t];

		for (int l = 0; l < pb->modules[m].layers; l++)
			seq[k++] = (struct seq_layer){m, l, pl_slice_ns(pb, m, l, l + 1, FULL(pb))};
	}
	for (int S = 1; S <= N && S <= n; S++)
		for (int D = N / S; D >= 1; D--) {
			consider(pb, &best, &best_ns, megatron_plan(pb, seq, n, S, D, &spare), 1, &spare);
			if (D < N / S - 1) /* fewer replicas than fit never helps but the all-reduce */
				break;
		}
	plan_free(spare);
	free(seq);
	if (!best)
		return mo_err_set(err, MO_EINFEASIBLE,
				  "megatron: no pipeline of whole-GPU stages fits %d x %s (%.1f GiB each)", N,
				  pb->gpu->short_name, pb->gpu->mem_bytes / (1024.0 * 1024 * 1024));
	*out = best;
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Module groups of whole GPUs, shared by distmm and spindle. */

/*
 * A module's pipelines at full GPU, by depth: for pp = 1 .. L stages
 * (balanced split), the slowest stage's time and the largest number of
 * microbatches a replica may keep in flight with every stage's memory
 * (static + in-flight activations, a stage s of pp keeping min(pp - s, share))
 * within the budget: -1 when a stage does not fit even alone, INT_MAX when
 * none limits it.  They do not depend on the group size, so they are made
 * once per module.
 */
struct depths {
	int L;
	int64_t *worst;  /* [pp] */
	int *max_share;  /* [pp] */
};

static int depths_make(const struct plan_problem *pb, int m, int64_t budget, struct depths *d)
{
	int L = pb->modules[m].layers;
	int *bd = malloc((size_t)(L + 2) * sizeof(int));

	d->L = L;
	d->worst = calloc((size_t)L + 1, sizeof(int64_t));
	d->max_share = calloc((size_t)L + 1, sizeof(int));
	if (!bd || !d->worst || !d->max_share) {
		free(bd);
		return -1;
	}
	for (int pp = 1; pp <= L; pp++) {
		int64_t worst = 0;
		int ms = INT_MAX;

		pl_split_layers(pb, m, pp, FULL(pb), bd);
		for (int s = 0; s < pp; s++) {
			int64_t st = pl_slice_static(pb, m, bd[s], bd[s + 1]);
			int64_t act = pl_slice_act(pb, m, bd[s], bd[s + 1]);
			int64_t t = pl_slice_ns(pb, m, bd[s], bd[s + 1], FULL(pb));

			if (t > worst)
				worst = t;
			if (st + act > budget) { /* not even one microbatch in flight */
				ms = -1;
			} else if (act > 0 && ms >= 0 && st + act * (int64_t)(pp - s) > budget) {
				int64_t q = (budget - st) / act; /* the most in flight that fit */

				if (q < ms)
					ms = (int)q;
			}
		}
		d->worst[pp] = worst;
		d->max_share[pp] = ms;
	}
	free(bd);
	return 0;
}

static void depths_release(struct depths *d)
{
	free(d->worst);
	free(d->max_share);
}

/* Predicted time of module m alone on n whole GPUs as its best (pp, dp) with
 * pp * dp <= n: ((M/dp) + pp - 1) x slowest stage; memory must fit (static
 * + in-flight activations).  Returns -1 when nothing fits. */
static int64_t module_time(const struct plan_problem *pb, const struct depths *d, int n, int *pp_out,
			   int *dp_out)
{
	int M = pb->batch / pb->microbatch_size;
	int64_t best = -1;

	for (int pp = 1; pp <= n && pp <= d->L; pp++) {
		int dp = n / pp, share = pl_share(M, dp);

		/* a stage keeps min(pp - s, share) in flight: it fits when that
		 * is at most what its memory allows */
		if (share <= d->max_share[pp]) {
			int64_t T = (int64_t)(share + pp - 1) * d->worst[pp];

			if (best < 0 || T < best) {
				best = T;
				*pp_out = pp;
				*dp_out = dp;
			}
		}
	}
	return best;
}

/* module_time of the modules mods[0..k) at every group size 1..n under one
 * memory budget, each computed once (t = -3: not yet). */
struct mt_memo {
	const struct plan_problem *pb;
	const int *mods;
	int k, n;
	int64_t budget;
	int64_t *t;  /* [i * (n + 1) + c] */
	int *pp, *dp;
	struct depths *d; /* [i], made when first needed (L = 0: not yet) */
};

static int mt_memo_init(struct mt_memo *mm, const struct plan_problem *pb, const int *mods, int k,
			int n, int64_t budget)
{
	size_t sz = (size_t)k * (size_t)(n + 1);

	*mm = (struct mt_memo){pb, mods, k, n, budget, malloc(sz * sizeof(int64_t)),
			       malloc(sz * sizeof(int)), malloc(sz * sizeof(int)),
			       calloc((size_t)k + 1, sizeof(struct depths))};
	if (!mm->t || !mm->pp || !mm->dp || !mm->d)
		return -1;
	for (size_t i = 0; i < sz; i++)
		mm->t[i] = -3;
	return 0;
}

static void mt_memo_release(struct mt_memo *mm)
{
	for (int i = 0; mm->d && i < mm->k; i++)
		depths_release(&mm->d[i]);
	free(mm->d);
	free(mm->t);
	free(mm->pp);
	free(mm->dp);
}

/* module_time of mods[i] on c GPUs (c <= mm->n), its pp and dp when not
 * NULL; -2 when out of memory. */
static int64_t mt_get(struct mt_memo *mm, int i, int c, int *pp, int *dp)
{
	size_t x = (size_t)i * (size_t)(mm->n + 1) + (size_t)c;

	if (mm->t[x] == -3) {
		if (!mm->d[i].worst && depths_make(mm->pb, mm->mods[i], mm->budget, &mm->d[i]))
			return -2;
		mm->pp[x] = mm->dp[x] = 1;
		mm->t[x] = module_time(mm->pb, &mm->d[i], c, &mm->pp[x], &mm->dp[x]);
	}
	if (pp)
		*pp = mm->pp[x];
	if (dp)
		*dp = mm->dp[x];
	return mm->t[x];
}

/* The start of the water-filling: every module at its smallest group that
 * fits (at most mm->n GPUs each).  cnt[] receives the sizes, *used their
 * sum; returns -1 when a module fits no group, -2 when out of memory. */
static int wf_start(struct mt_memo *mm, int *cnt, int *used)
{
	*used = 0;
	for (int i = 0; i < mm->k; i++) {
		int64_t t;

		cnt[i] = 1;
		while ((t = mt_get(mm, i, cnt[i], NULL, NULL)) < 0) {
			if (t == -2)
				return -2;
			if (++cnt[i] > mm->n)
				return -1;
		}
		*used += cnt[i];
	}
	return 0;
}

/* One step of the water-filling: the next GPU to the module with the longest
 * predicted time (the first of equals).  Returns 0, or -2 when out of memory. */
static int wf_step(struct mt_memo *mm, int *cnt)
{
	int worst = -1;
	int64_t wt = -1;

	for (int i = 0; i < mm->k; i++) {
		int64_t t = mt_get(mm, i, cnt[i], NULL, NULL);

		if (t == -2)
			return -2;
		if (t > wt) {
			wt = t;
			worst = i;
		}
	}
	cnt[worst]++;
	return 0;
}

/* Give the n GPUs (n <= mm->n) to the modules by water-filling: every module
 * starts with its smallest group that fits, then the next GPU goes to the
 * module with the longest predicted time.  cnt[] receives the sizes;
 * returns -1 when they do not fit, -2 when out of memory. */
static int water_fill(struct mt_memo *mm, int n, int *cnt)
{
	int used, rc = wf_start(mm, cnt, &used);

	if (rc)
		return rc;
	if (used > n)
		return -1;
	for (; used < n; used++)
		if (wf_step(mm, cnt))
			return -2;
	return 0;
}

/* The modules' groups cnt[] side by side from GPU 0 (group i on its first
 * pp x dp GPUs, its best shape), as one plan of `planner`; NULL on failure.
 * gpus is scratch of at least the plan's GPU count; rot places the groups
 * from the last GPU down. */
static int place_groups(struct mt_memo *mm, struct plan *p, const int *cnt, int rot, int *gpus)
{
	int g0 = 0, N = p->n_gpus;

	for (int i = 0; i < mm->k; i++) {
		int pp = 1, dp = 1;

		mt_get(mm, i, cnt[i], &pp, &dp);
		for (int j = 0; j < pp * dp; j++)
			gpus[j] = rot ? (N - 1 - (g0 + j)) : g0 + j;
		if (place_module(mm->pb, p, mm->mods[i], pp, dp, gpus))
			return -1;
		g0 += cnt[i];
	}
	return 0;
}

/* What place_groups lays out for cnt: each group's pp, dp and first GPU,
 * three integers a group into sig.  Two prefixes with the same layout make
 * the same plan (the group that grew left its new GPU empty and is the last
 * group): qwen3-vl at 1024 GPUs, 2008 of distmm's 3719 plans were the one
 * before again. */
static void groups_layout(struct mt_memo *mm, const int *cnt, int *sig)
{
	int g0 = 0;

	for (int i = 0; i < mm->k; i++) {
		int pp = 1, dp = 1;

		mt_get(mm, i, cnt[i], &pp, &dp);
		sig[3 * i] = pp;
		sig[3 * i + 1] = dp;
		sig[3 * i + 2] = g0;
		g0 += cnt[i];
	}
}

/*
 * distmm - DistMM (Huang et al., NSDI'24, "DistMM: Accelerating distributed
 * multimodal model training"): each module gets its own group of whole GPUs,
 * the groups sized so the modules' predicted times balance; inside a group
 * the module runs data-parallel or pipelined (its best pp x dp); the modules'
 * groups run concurrently, activations flowing between groups per
 * microbatch.  Knobs searched: group sizes (water-filling from every module
 * at its smallest fitting group, then each of the remaining GPUs to the
 * slowest module, every intermediate split evaluated), pp and dp per group.
 */
int pl_distmm(const struct plan_problem *pb, struct plan **out, struct mo_err *err)
{
	int K = pb->n_modules, N = pb->n_gpus, used = 0, rc = -1;
	int *mods = malloc((size_t)K * sizeof(int)), *cnt = malloc((size_t)K * sizeof(int));
	int *gpus = malloc((size_t)N * sizeof(int)), *sig = malloc((size_t)K * 6 * sizeof(int));
	struct mt_memo mm = {0};
	struct plan *best = NULL, *spare = NULL;
	int64_t best_ns = 0;

	if (!mods || !cnt || !gpus || !sig)
		goto oom;
	for (int i = 0; i < K; i++)
		mods[i] = pb->topo[i];
	if (K <= N) {
		if (mt_memo_init(&mm, pb, mods, K, N, pb->gpu->mem_bytes))
			goto oom;
		/* every prefix of the water-filling, and the full one: the prefix
		 * of n + 1 GPUs is that of n plus one step */
		rc = wf_start(&mm, cnt, &used);
		if (rc == -2)
			goto oom;
		for (int n = used > K ? used : K, first = n; rc == 0 && n <= N; n++) {
			int *now = sig + 3 * K * (n & 1), *before = sig + 3 * K * !(n & 1);
			struct plan *p;

			for (; used < n; used++)
				if (wf_step(&mm, cnt))
					goto oom;
			groups_layout(&mm, cnt, now);
			if (n > first && !memcmp(now, before, (size_t)K * 3 * sizeof(int)))
				continue; /* the plan just considered, again */
			p = pl_plan_start(pb, "distmm", &spare);
			/* GPUs a group does not use stay empty: give them nothing */
			consider(pb, &best, &best_ns, p, p && !place_groups(&mm, p, cnt, 0, gpus), &spare);
		}
	}
	plan_free(spare);
	mt_memo_release(&mm);
	free(mods);
	free(cnt);
	free(gpus);
	free(sig);
	if (!best)
		return mo_err_set(err, K > N ? MO_EINFEASIBLE : MO_EINFEASIBLE,
				  K > N ? "distmm: %d modules need at least %d GPUs (one group each), have %d"
					: "distmm: no grouping of %d modules on %d GPUs fits memory (have %d)",
				  K, K > N ? K : N, N);
	*out = best;
	return 0;
oom:
	mt_memo_release(&mm);
	plan_free(best);
	plan_free(spare);
	free(mods);
	free(cnt);
	free(gpus);
	free(sig);
	return mo_err_set(err, MO_ENOMEM, "plan: out of memory");
}

/*
 * spindle - Spindle (Wang et al., 2024, "Spindle: Efficient distributed
 * training of multi-task large models via wavefront scheduling"): the module
 * DAG is cut into waves (modules whose longest path from a source has the
 * same length); the waves run one after another, each over all GPUs; inside
 * a wave its modules get disjoint groups of whole GPUs sized to balance them
 * (water-filling, each module its best pp x dp in its group).  A GPU thus
 * time-shares one module of every wave.  When a wave has more modules than
 * GPUs, its modules are packed onto groups round-robin by predicted time.
 * Knobs searched: group sizes per wave (as distmm), pp and dp per group, the
 * rotation of groups over GPUs (which wave-mates share GPUs), and the share
 * of a GPU's memory each module may take (deeper pipelines leave room for the
 * other waves' modules on the same GPUs).
 */
int pl_spindle(const struct plan_problem *pb, struct plan **out, struct mo_err *err)
{
	int K = pb->n_modules, N = pb->n_gpus, nw = 0;
	int *level = calloc((size_t)K, sizeof(int)), *mods = malloc((size_t)K * sizeof(int));
	int *cnt = malloc((size_t)K * sizeof(int)), *gpus = malloc((size_t)(N > K ? N : K) * sizeof(int));
	struct plan *best = NULL;
	int64_t best_ns = 0;

	if (!level || !mods || !cnt || !gpus) {
		free(level);
		free(mods);
		free(cnt);
		free(gpus);
		return mo_err_set(err, MO_ENOMEM, "plan: out of memory");
	}
	for (int t = 0; t < K; t++) {
		int m = pb->topo[t];

		for (int e = 0; e < pb->n_edges; e++)
			if (pb->edges[e].to == m && level[pb->edges[e].from] + 1 > level[m])
				level[m] = level[pb->edges[e].from] + 1;
		if (level[m] + 1 > nw)
			nw = level[m] + 1;
	}
	for (int knob = 0; knob < 10; knob++) {
		/* rotation of the groups, and the memory each module may take of
		 * a GPU (the other waves' modules share it) */
		static const double share[] = {1.0, 0.75, 0.5, 0.35, 0.25};
		int rot = knob % 2;
		int64_t budget = (int64_t)(share[knob / 2] * (double)pb->gpu->mem_bytes);
		struct plan *p = pl_plan_start(pb, "spindle", NULL);
		int ok = p != NULL;

		for (int w = 0; w < nw && ok; w++) {
			int k = 0;

			for (int t = 0; t < K; t++)
				if (level[pb->topo[t]] == w)
					mods[k++] = pb->topo[t];
			if (k <= N) {
				struct mt_memo mm;

				if (mt_memo_init(&mm, pb, mods, k, N, budget) || water_fill(&mm, N, cnt) ||
				    place_groups(&mm, p, cnt, rot, gpus))
					ok = 0;
				mt_memo_release(&mm);
			} else {
				/* more modules than GPUs: each module whole on one GPU,
				 * the slowest first onto the least loaded GPU */
				int64_t *load = calloc((size_t)N, sizeof(int64_t));

				if (!load) {
					ok = 0;
					break;
				}
				for (int i = 0; i < k && ok; i++) {
					int pick = 0, g;

					for (int j = 1; j < N; j++)
						if (load[j] < load[pick])
							pick = j;
					g = rot ? N - 1 - pick : pick;
					load[pick] += pl_slice_ns(pb, mods[i], 0, pb->modules[mods[i]].layers, FULL(pb));
					if (place_module(pb, p, mods[i], 1, 1, &g))
						ok = 0;
				}
				free(load);
			}
		}
		consider(pb, &best, &best_ns, p, ok, NULL);
	}
	free(level);
	free(mods);
	free(cnt);
	free(gpus);
	if (!best)
		return mo_err_set(err, MO_EINFEASIBLE, "spindle: no wavefront placement on %d %s fits memory",
				  N, pb->gpu->short_name);
	*out = best;
	return 0;
}

/*
 * optimus - Optimus (Feng et al., USENIX ATC'25, "Optimus: Accelerating
 * large-scale multi-modal LLM training by bubble exploitation"): the backbone
 * (the modules of kind backbone or decoder; the largest module when none is
 * marked) runs as a pipeline of S stages replicated D times over all GPUs;
 * the encoder-side modules are spread data-parallel over every GPU of that
 * pipeline, time-sharing each GPU with its backbone stage so their work runs
 * in the pipeline's bubbles.  Knobs searched: S and D of the backbone (S x D
 * <= N), and the encoders' own pipeline depth E (an encoder too large for one
 * GPU is cut into E stages placed on E consecutive GPUs, N / E replicas).
 */
int pl_optimus(const struct plan_problem *pb, struct plan **out, struct mo_err *err)
{
	int K = pb->n_modules, N = pb->n_gpus, nb = 0, big = 0, enc_layers = 0;
	int *isbb = calloc((size_t)K, sizeof(int)), *gpus = malloc((size_t)N * sizeof(int));
	struct seq_layer *seq = NULL;
	struct plan *best = NULL, *spare = NULL;
	int64_t best_ns = 0;
	int n = 0;

	if (!isbb || !gpus)
		goto oom;
	for (int m = 0; m < K; m++) {
		if (pb->modules[m].kind == WORKLOAD_KIND_BACKBONE || pb->modules[m].kind == WORKLOAD_KIND_DECODER)
			isbb[m] = 1, nb++;
		if (pl_slice_ns(pb, m, 0, pb->modules[m].layers, FULL(pb)) >
		    pl_slice_ns(pb, big, 0, pb->modules[big].layers, FULL(pb)))
			big = m;
	}
	if (!nb)
		isbb[big] = 1;
	for (int m = 0; m < K; m++)
		if (isbb[m])
			n += pb->modules[m].layers;
	seq = malloc((size_t)n * sizeof(*seq));
	if (!seq)
		goto oom;
	n = 0;
	for (int t = 0; t < K; t++)
		if (isbb[pb->topo[t]])
			for (int l = 0; l < pb->modules[pb->topo[t]].layers; l++)
				seq[n++] = (struct seq_layer){pb->topo[t], l,
					pl_slice_ns(pb, pb->topo[t], l, l + 1, FULL(pb))};
	for (int m = 0; m < K; m++)
		if (!isbb[m] && pb->modules[m].layers > enc_layers)
			enc_layers = pb->modules[m].layers;
	for (int S = 1; S <= N && S <= n; S++) {
		int D = N / S;

		/* from E >= every encoder's layers on, each encoder has one stage
		 * per layer: the same plan again, which cannot win a tie */
		for (int E = 1; E <= N && (E == 1 || E / 2 < enc_layers); E *= 2) {
			/* the backbone pipeline (megatron_plan over the backbone layers only) */
			struct plan *p = megatron_plan(pb, seq, n, S, D, &spare);
			int ok = p != NULL;

			if (!p)
				break;
			snprintf(p->planner, sizeof(p->planner), "optimus");
			for (int t = 0; t < K && ok; t++) {
				int m = pb->topo[t], e = E <= pb->modules[m].layers ? E : pb->modules[m].layers;
				int rep = (S * D) / e;

				if (isbb[m])
					continue;
				for (int j = 0; j < rep * e; j++)
					gpus[j] = j;
				if (rep < 1 || place_module(pb, p, m, e, rep, gpus))
					ok = 0;
			}
			consider(pb, &best, &best_ns, p, ok, &spare);
		}
	}
	plan_free(spare);
	free(isbb);
	free(gpus);
	free(seq);
	if (!best)
		return mo_err_set(err, MO_EINFEASIBLE,
				  "optimus: no backbone pipeline with encoders in its bubbles fits %d %s", N,
				  pb->gpu->short_name);
	*out = best;
	return 0;
oom:
	free(isbb);
	free(gpus);
	free(seq);
	return mo_err_set(err, MO_ENOMEM, "plan: out of memory");
}
