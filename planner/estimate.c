/* estimate.c - the cost model: a plan's predicted iteration time (the rule is
 * in planner.h above plan_estimate), computed in phases over one scratch
 * struct, each phase one static function. */
#include "planner/planner-internal.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int modinfo_from_problem(const struct plan_problem *pb, struct pl_modinfo *mi)
{
	return pl_modinfo_init(mi, pb->modules, sizeof(*pb->modules),
			       offsetof(struct plan_module_cost, name), offsetof(struct plan_module_cost, layers),
			       pb->n_modules, pb->edges, sizeof(*pb->edges), offsetof(struct plan_edge_cost, from),
			       offsetof(struct plan_edge_cost, to), pb->n_edges);
}

static double link_gbps(const struct plan_problem *pb, int a, int b)
{
	int per = pb->gpus_per_node > 0 ? pb->gpus_per_node : 8;

	return a / per == b / per ? pb->link_gbps : pb->net_gbps;
}

static int64_t xfer_ns(double bytes, double gbps)
{
	return gbps > 0 ? (int64_t)(bytes / gbps) : 0;
}

/* Communication of one microbatch from unit u to unit v (activations one way). */
/* The load of a partition of sms SMs asking for gbps of DRAM bandwidth: its
 * memory-bound fraction is its demand over its SMs' ceiling, the rest is
 * taken as tensor-core work (model_corun_slowdown). */
static void part_load(const struct model_gpu *gpu, int sms, double gbps, struct model_load *l)
{
	double ceil_s = model_dram_gbps_at(gpu, sms);

	l->sms = sms;
	l->dram_gbps = gbps;
	l->mem_frac = ceil_s > 0 ? (gbps / ceil_s < 1 ? gbps / ceil_s : 1) : 0;
	l->tensor_sms = sms * (1 - l->mem_frac);
}

/* The slowdown of a slot asking for gbps on partition r beside the other
 * partitions of its GPU: the model's co-run term (DRAM shared as the
 * simulator shares it, the clock of the busy GPU). */
static double slot_corun(const struct model_gpu *gpu, const struct plan_estimate *est,
			 const int *part_base, const double *part_gbps, int r, double gbps)
{
	struct model_load own, others[MODEL_CORUN_MAX];
	int gi = est->parts[r].gpu, n = 0;

	part_load(gpu, est->parts[r].sms, gbps, &own);
	for (int o = part_base[gi]; o < part_base[gi + 1] && n < MODEL_CORUN_MAX; o++)
		if (o != r)
			part_load(gpu, est->parts[o].sms, part_gbps[o], &others[n++]);
	return model_corun_slowdown(gpu, &own, others, n);
}

/* How much later a partition of sms SMs ends its pipeline work because an
 * all-reduce moving data from start to end (ns relative to the pipeline's
 * end) holds model_comm_held_sms() of its SMs while rem ns of its backward
 * are still to run (from -rem to 0): the overlap runs on the SMs left. */
static int64_t comm_hold_ns(int sms, int64_t start, int64_t end, int64_t rem)
{
	int64_t lo = start > -rem ? start : -rem, hi = end < 0 ? end : 0;

	double held = model_comm_held_sms(1, sms);

	if (hi <= lo)
		return 0;
	return (int64_t)llround((double)(hi - lo) * held / (sms - held));
}

static int64_t edge_comm(const struct plan_problem *pb, const struct pl_graph *g, int u, int v)
{
	const struct pl_unit *a = &g->units[u], *b = &g->units[v];
	int ga = g->flat[a->slots[0]].gpu, gb = g->flat[b->slots[0]].gpu;
	int64_t bytes = 0;

	if (ga == gb)
		return 0;
	if (a->module == b->module)
		bytes = pb->modules[a->module].boundary_bytes;
	else
		for (int e = 0; e < pb->n_edges; e++)
			if (pb->edges[e].from == a->module && pb->edges[e].to == b->module)
				bytes += pb->edges[e].bytes_per_mb;
	return xfer_ns((double)bytes, link_gbps(pb, ga, gb));
}


void plan_estimate_release(struct plan_estimate *est)
{
	if (!est)
		return;
	free(est->parts);
	est->parts = NULL;
	est->n_parts = 0;
}

/*
 * Fill and drain around a partition that hosts several pipeline units.  Along
 * a path through the DAG the partition waits for the path that reaches its
 * first own unit (head) and for the path that leaves its last own unit
 * (tail).  Between two of its own units u then v on one path, it waits for
 * the gap g (the path from u's end to v's start) only in part: while
 * microbatch i travels the gap, it runs the forwards of the next microbatches
 * of u that 1F1B lets in flight, credit[u] of work, so it idles
 * max(0, g - credit[u]) there.  The bubble is the largest head + idle gaps +
 * tail over the paths that join its own units (own marks them).  With zero
 * credit this is the longest path with the own units weighing nothing; with
 * one own unit, the classic fill and drain of a 1F1B pipeline.
 * What it reads and its scratch arrays of n_units (struct bubble).
 */
#define NEG INT64_MIN
struct bubble {
	const struct pl_graph *g;
	const int64_t *w, *comm, *credit; /* unit weights, edge communication, credit */
	const int *comm_off, *own, *has_pred;
	const int *upos;                  /* [unit] its topological position */
	int64_t *head, *tail, *idle, *dist;
	int *heap, *touched;              /* reach_from's queue and the units it reached */
};

/* Longest paths forward through units that are not own, from the units at
 * topological positions k0 on: val[x] (NEG: not reached) is carried over
 * each unit that is reached and not own, adding its weight and the edge's
 * communication; own units receive a value but pass nothing on. */
static void through_others(const struct bubble *b, int k0, int64_t *val)
{
	const struct pl_graph *g = b->g;

	for (int k = k0; k < g->n_units; k++) {
		int u = g->order[k];

		if (b->own[u] || val[u] == NEG)
			continue;
		for (int j = 0; j < g->units[u].n_succ; j++) {
			int v = g->units[u].succ[j];
			int64_t c = val[u] + b->w[u] + b->comm[b->comm_off[u] + j];

			if (c > val[v])
				val[v] = c;
		}
	}
}

/* v reached (dist[v] was NEG) into the queue, a min-heap on topological position. */
static void reach_push(const struct bubble *b, int *n, int v)
{
	int i = (*n)++;

	for (; i > 0 && b->upos[b->heap[(i - 1) / 2]] > b->upos[v]; i = (i - 1) / 2)
		b->heap[i] = b->heap[(i - 1) / 2];
	b->heap[i] = v;
}

static int reach_pop(const struct bubble *b, int *n)
{
	int top = b->heap[0], last = b->heap[--*n], i = 0;

	for (;;) {
		int c = 2 * i + 1;

		if (c >= *n)
			break;
		if (c + 1 < *n && b->upos[b->heap[c + 1]] < b->upos[b->heap[c]])
			c++;
		if (b->upos[b->heap[c]] >= b->upos[last])
			break;
		b->heap[i] = b->heap[c];
		i = c;
	}
	if (*n)
		b->heap[i] = last;
	return top;
}

/* v reached at c: a first reach lists and queues it, a later one keeps the larger. */
static void reach_relax(const struct bubble *b, int v, int64_t c, int *nq, int *nt)
{
	if (b->dist[v] == NEG) {
		b->touched[(*nt)++] = v;
		b->dist[v] = c;
		reach_push(b, nq, v);
	} else if (c > b->dist[v]) {
		b->dist[v] = c;
	}
}

/* through_others from own unit u alone (its successors at the edge's
 * communication), visiting only the units it reaches, in topological order:
 * dist (all NEG before) gets their values; returns how many are listed in
 * touched, for the caller to set back to NEG. */
static int reach_from(const struct bubble *b, int u)
{
	const struct pl_graph *g = b->g;
	int nq = 0, nt = 0;

	for (int j = 0; j < g->units[u].n_succ; j++)
		reach_relax(b, g->units[u].succ[j], b->comm[b->comm_off[u] + j], &nq, &nt);
	while (nq > 0) {
		int x = reach_pop(b, &nq);

		if (b->own[x])
			continue;
		for (int j = 0; j < g->units[x].n_succ; j++)
			reach_relax(b, g->units[x].succ[j], b->dist[x] + b->w[x] + b->comm[b->comm_off[x] + j],
				    &nq, &nt);
	}
	return nt;
}

static int64_t shared_bubble(const struct bubble *b, const int *owned, int n_own)
{
	const struct pl_graph *g = b->g;
	const int *own = b->own;
	int64_t best = 0, *head = b->head, *tail = b->tail, *idle = b->idle, *dist = b->dist;

	/* head: the longest path into each unit through other units only */
	for (int u = 0; u < g->n_units; u++) {
		head[u] = b->has_pred[u] ? NEG : 0;
		dist[u] = NEG;
	}
	through_others(b, 0, head);
	/* tail: the longest path out of each unit through other units only */
	for (int k = g->n_units - 1; k >= 0; k--) {
		int u = g->order[k];
		int64_t t = g->units[u].n_succ ? NEG : 0;

		for (int j = 0; j < g->units[u].n_succ; j++) {
			int v = g->units[u].succ[j];
			int64_t c = b->comm[b->comm_off[u] + j];

			if (!own[v] && tail[v] != NEG && c + b->w[v] + tail[v] > t)
				t = c + b->w[v] + tail[v];
		}
		tail[u] = t;
	}
	/* idle before each own unit, own units in topological order: the gaps
	 * from u to the own units it reaches through other units */
	for (int u = 0; u < g->n_units; u++)
		idle[u] = own[u] ? head[u] : NEG;
	for (int k = 0; k < g->n_units; k++) {
		int u = g->order[k], nt;

		if (!own[u] || idle[u] == NEG)
			continue;
		nt = reach_from(b, u);
		for (int i = 0; i < n_own; i++) {
			int x = owned[i];

			if (dist[x] != NEG) {
				int64_t gap = dist[x] - b->credit[u], c = idle[u] + (gap > 0 ? gap : 0);

				if (c > idle[x])
					idle[x] = c;
			}
		}
		for (int i = 0; i < nt; i++)
			dist[b->touched[i]] = NEG;
	}
	for (int i = 0; i < n_own; i++) {
		int u = owned[i];

		if (idle[u] != NEG && tail[u] != NEG && idle[u] + tail[u] > best)
			best = idle[u] + tail[u];
	}
	return best;
}
#undef NEG

/* A slot's host CPU time per microbatch (fwd, bwd) and for its optimizer
 * step, under the plan's launch mode; zero without a host term. */
static void slot_host(const struct plan_problem *pb, const struct plan *p,
		      const struct plan_module_cost *mc, int lb, int le, int64_t *hf, int64_t *hb,
		      int64_t *ho)
{
	*hf = *hb = *ho = 0;
	if (p->host_issue == MODEL_HOST_NONE || !mc->host_ns)
		return;
	for (int l = lb; l < le; l++) {
		*hf += mc->host_ns[l * 3];
		*hb += mc->host_ns[l * 3 + 1];
		*ho += mc->host_ns[l * 3 + 2];
	}
	if (p->launch_mode == MODEL_LAUNCH_GRAPHS) { /* one graph launch per task */
		*hf = *hf > 0 ? MODEL_HOST_GRAPH_LAUNCH_NS : 0;
		*hb = *hb > 0 ? MODEL_HOST_GRAPH_LAUNCH_NS : 0;
		*ho = *ho > 0 ? MODEL_HOST_GRAPH_LAUNCH_NS : 0;
	}
	(void)pb;
}

/*
 * The scratch of one estimate: the plan's unit graph and, per slot (flat
 * index), partition (index r over all GPUs, part_base[gpu] the first of a
 * GPU), unit and GPU, what the phases below compute and hand on.
 */
struct est {
	const struct plan_problem *pb;
	const struct plan *p;
	struct plan_estimate *e;
	struct pl_graph g;
	int np, M, n_succ;
	int *part_base;                 /* [n_gpus + 1] */
	int *slot_part;                 /* [flat] partition */
	int *part_qi;                   /* [np] quota index of each partition */
	int64_t *slot_opt;              /* [flat] optimizer step time at its quota */
	double *slot_gbps;              /* [flat] time-weighted DRAM demand */
	int64_t *slot_f, *slot_b;       /* [flat] fwd, bwd per microbatch (interference applied) */
	int64_t *slot_hf, *slot_hb, *slot_ho; /* [flat] host CPU time */
	double *part_gbps, *wsum, *tsum; /* [np] */
	double *gpu_gbps;               /* [n_gpus] */
	int64_t *unit_w, *credit, *pin, *sout; /* [unit] */
	int64_t *unit_f, *unit_b;        /* [unit] the slowest replica's fwd, bwd per microbatch */
	int *succ_off, *has_pred, *own; /* [unit] */
	int64_t *comm;                  /* [succ_off[u] + j]: both ways along u's j-th successor */
	int64_t *head, *tail, *idle, *dist; /* [unit] scratch of shared_bubble */
	int *upos, *wheap, *touched;    /* [unit] topological positions; scratch of reach_from */
	int *pstart, *plist, *cursor;   /* slots by partition: plist[pstart[r] .. pstart[r + 1]) */
	int *ulist, *ulen, *htab, hcap; /* per partition its units, sorted; a table of unit sets */
	int *u_qi;                      /* [unit] quota index + 1 of the slot last timed, 0: none */
	int *u_slot;                    /* [unit] that slot (its replicas at that quota time alike) */
	int64_t *rem, *popt, *held, *gsync; /* sync phase: [np] x 3, [n_gpus] */
	int64_t *u_xfer;                /* [unit] its all-reduce time */
	int64_t *host;                  /* [n_gpus] the host phase's per-GPU time */
	int64_t *u_mem;                 /* [unit] memory of one of its slots */
	int *g_rep;                     /* [n_gpus] the first GPU laid out alike (itself: a representative) */
	int *f_act;                     /* [flat] 1: on a representative GPU (computed) */
	int *act, n_act;                /* the flats on representatives, in flat order */
	int *reps, n_reps;              /* the representative GPUs, ascending */
	int *sorder;                    /* scratch: one GPU's active flats in est_sync's order */
	int *g_first, *ctab, ccap;      /* [n_gpus + 1] each GPU's first flat; a table of GPU layouts */
	char *arena;                    /* the one allocation all the arrays above live in */
};

/* The arrays, first those the phases accumulate into (zeroed), then those
 * they set before reading (left as malloc gives them). */
#define EST_ZEROED(X)                                                                       \
	X(slot_opt, nf) X(wsum, s->np) X(tsum, s->np) X(gpu_gbps, p->n_gpus) X(unit_w, nu)  \
	X(unit_f, nu) X(unit_b, nu)                                                          \
	X(pin, nu) X(sout, nu) X(has_pred, nu) X(own, nu) X(pstart, s->np + 1)             \
	X(cursor, s->np) X(htab, s->hcap) X(u_qi, nu) X(rem, s->np) X(popt, s->np)          \
	X(held, s->np) X(host, p->n_gpus) X(ctab, s->ccap)
#define EST_SET(X)                                                                          \
	X(part_base, p->n_gpus + 1) X(slot_part, nf) X(part_qi, s->np) X(slot_gbps, nf)     \
	X(slot_f, nf) X(slot_b, nf) X(slot_hf, nf) X(slot_hb, nf) X(slot_ho, nf)            \
	X(part_gbps, s->np) X(credit, nu) X(succ_off, nu) X(comm, s->n_succ) X(head, nu)    \
	X(tail, nu) X(idle, nu) X(dist, nu) X(plist, nf) X(ulist, nf) X(ulen, s->np)       \
	X(act, nf) X(reps, p->n_gpus) X(sorder, nf) X(u_slot, nu) X(u_xfer, nu) X(gsync, p->n_gpus)       \
	X(u_mem, nu) X(g_rep, p->n_gpus) X(f_act, nf) X(g_first, p->n_gpus + 1) X(upos, nu)    \
	X(wheap, nu) X(touched, nu)

static void est_free(struct est *s)
{
	free(s->arena);
	pl_graph_release(&s->g);
}

/* Every array of n + 1 elements, carved from one allocation, those of
 * EST_ZEROED zeroed; -1 when out of memory. */
static int est_alloc(struct est *s)
{
	const struct plan *p = s->p;
	int nf = s->g.n_flat, nu = s->g.n_units;
	size_t total = 0, zeroed;
	char *at;

	s->np = 0;
	for (int gi = 0; gi < p->n_gpus; gi++)
		s->np += p->gpus[gi].n_partitions;
	s->n_succ = 0;
	for (int u = 0; u < nu; u++)
		s->n_succ += s->g.units[u].n_succ;
	for (s->hcap = 16; s->hcap < 2 * s->np; s->hcap *= 2)
		;
	for (s->ccap = 16; s->ccap < 2 * p->n_gpus; s->ccap *= 2)
		;
#define EST_SIZE(name, n) ((((size_t)(n) + 1) * sizeof(*s->name) + 7) & ~(size_t)7)
#define SIZE_ONE(name, n) total += EST_SIZE(name, n);
	EST_ZEROED(SIZE_ONE)
	zeroed = total;
	EST_SET(SIZE_ONE)
#undef SIZE_ONE
	s->arena = malloc(total);
	s->e->parts = calloc((size_t)(s->np ? s->np : 1), sizeof(*s->e->parts));
	if (!s->arena || !s->e->parts)
		return -1;
	memset(s->arena, 0, zeroed);
	at = s->arena;
#define CARVE_ONE(name, n) s->name = (void *)at; at += EST_SIZE(name, n);
	EST_ZEROED(CARVE_ONE)
	EST_SET(CARVE_ONE)
#undef CARVE_ONE
#undef EST_SIZE
	return 0;
}

/* The partitions of the representative GPUs (est_alike), each on a quota of
 * the problem's list (a GPU laid out alike has the same quotas: the first
 * GPU with a quota off the list is a representative). */
static int est_parts(struct est *s, struct mo_err *err)
{
	const struct plan *p = s->p;
	int np = 0, last_sms = -1, last_qi = -1;

	for (int gi = 0; gi < p->n_gpus; gi++) {
		s->part_base[gi] = np;
		np += p->gpus[gi].n_partitions;
	}
	s->part_base[p->n_gpus] = np;
	s->e->n_parts = np;
	for (int k = 0; k < s->n_reps; k++) {
		int gi = s->reps[k];

		for (int i = 0; i < p->gpus[gi].n_partitions; i++) {
			struct plan_part_estimate *pe = &s->e->parts[s->part_base[gi] + i];

			pe->gpu = gi;
			pe->partition = i;
			pe->sms = p->gpus[gi].partitions[i].sms;
			pe->interference = 1.0;
			if (pe->sms != last_sms) /* GPUs mostly repeat their neighbour's quotas */
				last_qi = plan_problem_quota_index(s->pb, last_sms = pe->sms);
			s->part_qi[s->part_base[gi] + i] = last_qi;
			if (s->part_qi[s->part_base[gi] + i] < 0)
				return mo_err_set(err, MO_EINPUT, "GPU %d partition %d: %d SMs is not a quota of %s",
						  gi, i, pe->sms, s->pb->gpu->short_name);
		}
	}
	return 0;
}

/* GPUs a and b are laid out alike: the same partitions (SMs) holding the
 * same units in the same order, each slot with the same share of the
 * microbatches.  Every phase below then computes the same for both. */
static int layout_eq(const struct est *s, int a, int b)
{
	const struct plan_gpu *x = &s->p->gpus[a], *y = &s->p->gpus[b];
	int n = s->g_first[a + 1] - s->g_first[a];

	if (x->n_partitions != y->n_partitions || n != s->g_first[b + 1] - s->g_first[b])
		return 0;
	for (int i = 0; i < x->n_partitions; i++)
		if (x->partitions[i].sms != y->partitions[i].sms)
			return 0;
	for (int k = 0; k < n; k++) {
		const struct pl_flat *fa = &s->g.flat[s->g_first[a] + k], *fb = &s->g.flat[s->g_first[b] + k];

		if (fa->part != fb->part || fa->unit != fb->unit || fa->share != fb->share)
			return 0;
	}
	return 1;
}

/* A hash of GPU g's layout (what layout_eq compares). */
static uint64_t layout_hash(const struct est *s, int g)
{
	const struct plan_gpu *x = &s->p->gpus[g];
	uint64_t h = 1469598103934665603ULL;

	h = (h ^ (uint64_t)x->n_partitions) * 1099511628211ULL;
	for (int i = 0; i < x->n_partitions; i++)
		h = (h ^ (uint64_t)x->partitions[i].sms) * 1099511628211ULL;
	for (int f = s->g_first[g]; f < s->g_first[g + 1]; f++) {
		const struct pl_flat *fl = &s->g.flat[f];

		h = (h ^ (uint64_t)(fl->part * 7919 + fl->unit)) * 1099511628211ULL;
		h = (h ^ (uint64_t)fl->share) * 1099511628211ULL;
	}
	return h;
}

/* Which GPUs are computed: with `alike` only the first of every layout (the
 * others would give the same numbers: per-GPU results are left zero for
 * them), else all; the phases after it visit act and reps only.  The graph
 * lists every GPU's slots together, in GPU order. */
static void est_alike(struct est *s, int alike)
{
	const struct plan *p = s->p;

	for (int f = 0, g = 0; g <= p->n_gpus; g++) {
		while (f < s->g.n_flat && s->g.flat[f].gpu < g)
			f++;
		s->g_first[g] = f;
	}
	for (int g = 0; g < p->n_gpus; g++) {
		int slot;

		s->g_rep[g] = g;
		if (!alike)
			continue;
		slot = (int)(layout_hash(s, g) & (uint64_t)(s->ccap - 1));
		for (; s->ctab[slot]; slot = (slot + 1) & (s->ccap - 1))
			if (layout_eq(s, s->ctab[slot] - 1, g)) {
				s->g_rep[g] = s->ctab[slot] - 1;
				break;
			}
		if (s->g_rep[g] == g)
			s->ctab[slot] = g + 1;
	}
	s->n_act = s->n_reps = 0;
	for (int g = 0; g < p->n_gpus; g++)
		if (s->g_rep[g] == g)
			s->reps[s->n_reps++] = g;
	for (int f = 0; f < s->g.n_flat; f++) {
		s->f_act[f] = s->g_rep[s->g.flat[f].gpu] == s->g.flat[f].gpu;
		if (s->f_act[f])
			s->act[s->n_act++] = f;
	}
}

/* Per slot: its quota, fwd and bwd time alone, time-weighted DRAM demand, host
 * and optimizer time; a replica at the quota of the one timed before it copies that one. */
static void est_slots(struct est *s)
{
	const struct plan_problem *pb = s->pb;
	int nq = pb->n_quotas;

	for (int a = 0; a < s->n_act; a++) {
		int f = s->act[a];
		const struct pl_flat *fl = &s->g.flat[f];
		const struct pl_unit *un = &s->g.units[fl->unit];
		const struct plan_module_cost *mc = &pb->modules[un->module];
		int r = s->part_base[fl->gpu] + fl->part, qi = s->part_qi[r];
		double bytes = 0;
		int64_t fs = 0, bs = 0;

		s->slot_part[f] = r;
		if (s->u_qi[fl->unit] == qi + 1) {
			int o = s->u_slot[fl->unit];

			s->slot_f[f] = s->slot_f[o];
			s->slot_b[f] = s->slot_b[o];
			s->slot_gbps[f] = s->slot_gbps[o];
			s->slot_hf[f] = s->slot_hf[o];
			s->slot_hb[f] = s->slot_hb[o];
			s->slot_ho[f] = s->slot_ho[o];
			s->slot_opt[f] = s->slot_opt[o];
			continue;
		}
		for (int l = un->lb; l < un->le; l++) {
			int k = l * nq + qi;

			fs += mc->fwd_ns[k];
			bs += mc->bwd_ns[k];
			bytes += mc->dram_gbps[k] * (double)(mc->fwd_ns[k] + mc->bwd_ns[k]);
		}
		slot_host(pb, s->p, mc, un->lb, un->le, &s->slot_hf[f], &s->slot_hb[f], &s->slot_ho[f]);
		for (int l = un->lb; l < un->le; l++)
			s->slot_opt[f] += mc->opt_ns[l * nq + qi];
		s->slot_f[f] = fs;
		s->slot_b[f] = bs;
		s->slot_gbps[f] = fs + bs > 0 ? bytes / (double)(fs + bs) : 0;
		s->u_qi[fl->unit] = qi + 1;
		s->u_slot[fl->unit] = f;
	}
}

/* Partition demand: the time-weighted mean of its slots; GPU demand: the sum.
 * Then each slot's co-run slowdown beside the GPU's other partitions, and
 * each partition's load. */
static void est_interference(struct est *s)
{
	struct plan_estimate *est = s->e;

	for (int a = 0; a < s->n_act; a++) {
		int f = s->act[a];
		double t = (double)(s->slot_f[f] + s->slot_b[f]);

		s->wsum[s->slot_part[f]] += s->slot_gbps[f] * t;
		s->tsum[s->slot_part[f]] += t;
	}
	for (int k = 0; k < s->n_reps; k++)
		for (int r = s->part_base[s->reps[k]]; r < s->part_base[s->reps[k] + 1]; r++) {
			s->part_gbps[r] = s->tsum[r] > 0 ? s->wsum[r] / s->tsum[r] : 0;
			s->gpu_gbps[est->parts[r].gpu] += s->part_gbps[r];
		}
	for (int a = 0; a < s->n_act; a++) {
		int f = s->act[a], r = s->slot_part[f], gi = est->parts[r].gpu;
		double others = s->gpu_gbps[gi] - s->part_gbps[r], slow = 1.0;
		const struct pl_unit *un = &s->g.units[s->g.flat[f].unit];

		if (s->p->gpus[gi].n_partitions > 1 && others > 1e-9) {
			slow = slot_corun(s->pb->gpu, est, s->part_base, s->part_gbps, r, s->slot_gbps[f]);
			if (!(slow >= 1.0))
				slow = 1.0;
		}
		if (s->p->gpus[gi].n_partitions > 1 && s->pb->matrix)
			slow = pl_matrix_slowdown(s->pb, s->p, gi, r - s->part_base[gi], un->module, slow);
		if (slow > est->parts[r].interference)
			est->parts[r].interference = slow;
		if (slow != 1.0) { /* at 1 the rounding gives the times back */
			s->slot_f[f] = (int64_t)llround((double)s->slot_f[f] * slow);
			s->slot_b[f] = (int64_t)llround((double)s->slot_b[f] * slow);
		}
		est->parts[r].load_ns += (int64_t)s->g.flat[f].share * (s->slot_f[f] + s->slot_b[f]);
	}
}

/* Unit weights: the slowest replica, per microbatch, fwd + bwd; credit: the
 * forwards of the further microbatches 1F1B lets a replica run ahead.  Then
 * the communication along successor edges, both ways. */
static void est_units(struct est *s)
{
	const struct pl_graph *g = &s->g;

	for (int k = 0; k < g->n_units; k++) {
		s->upos[g->order[k]] = k;
		s->credit[k] = 0; /* first the slowest replica's forward */
	}
	for (int a = 0; a < s->n_act; a++) {
		int f = s->act[a], u = g->flat[f].unit;

		if (s->slot_f[f] + s->slot_b[f] > s->unit_w[u])
			s->unit_w[u] = s->slot_f[f] + s->slot_b[f];
		if (s->slot_f[f] > s->credit[u])
			s->credit[u] = s->slot_f[f];
		if (s->slot_f[f] > s->unit_f[u])
			s->unit_f[u] = s->slot_f[f];
		if (s->slot_b[f] > s->unit_b[u])
			s->unit_b[u] = s->slot_b[f];
	}
	for (int u = 0; u < g->n_units; u++) {
		int share = pl_share(s->M, g->units[u].replicas), window = share;
		int ahead;

		if (s->p->schedule == PLAN_SCHEDULE_1F1B && g->units[u].depth < share)
			window = g->units[u].depth;
		ahead = window - 1;
		s->credit[u] = (ahead > 0 ? ahead : 0) * s->credit[u];
	}
	for (int u = 0, tot = 0; u < g->n_units; u++) {
		s->succ_off[u] = tot;
		tot += g->units[u].n_succ;
	}
	for (int u = 0; u < g->n_units; u++)
		for (int k = 0; k < g->units[u].n_succ; k++) {
			s->comm[s->succ_off[u] + k] = 2 * edge_comm(s->pb, g, u, g->units[u].succ[k]);
			s->has_pred[g->units[u].succ[k]] = 1;
		}
}

/* The longest paths into (pin) and out of (sout) every unit, its own weight
 * excluded; and the representatives' slots grouped by partition. */
static void est_paths(struct est *s)
{
	const struct pl_graph *g = &s->g;

	for (int k = 0; k < g->n_units; k++) {
		int u = g->order[k];

		for (int j = 0; j < g->units[u].n_succ; j++) {
			int v = g->units[u].succ[j];
			int64_t c = s->pin[u] + s->unit_w[u] + s->comm[s->succ_off[u] + j];

			if (c > s->pin[v])
				s->pin[v] = c;
		}
	}
	for (int k = g->n_units - 1; k >= 0; k--) {
		int u = g->order[k];

		for (int j = 0; j < g->units[u].n_succ; j++) {
			int v = g->units[u].succ[j];
			int64_t c = s->comm[s->succ_off[u] + j] + s->unit_w[v] + s->sout[v];

			if (c > s->sout[u])
				s->sout[u] = c;
		}
	}
	for (int a = 0; a < s->n_act; a++)
		s->pstart[s->slot_part[s->act[a]] + 1]++;
	for (int r = 0; r < s->np; r++)
		s->pstart[r + 1] += s->pstart[r];
	for (int a = 0; a < s->n_act; a++) {
		int f = s->act[a];

		s->plist[s->pstart[s->slot_part[f]] + s->cursor[s->slot_part[f]]++] = f;
	}
}

/* Partition r's units, sorted and distinct, into ulist from pstart[r];
 * returns a hash of them. */
static uint64_t part_units(struct est *s, int r)
{
	int a = s->pstart[r], b = s->pstart[r + 1], n = 0;
	int *u = s->ulist + a;
	uint64_t h = 1469598103934665603ULL;

	for (int k = a; k < b; k++) { /* insertion sort: a partition holds few slots */
		int x = s->g.flat[s->plist[k]].unit, j = n++;

		for (; j > 0 && u[j - 1] > x; j--)
			u[j] = u[j - 1];
		u[j] = x;
	}
	s->ulen[r] = 0;
	for (int k = 0; k < n; k++)
		if (k == 0 || u[k] != u[k - 1]) {
			u[s->ulen[r]++] = u[k];
			h = (h ^ (uint64_t)u[k]) * 1099511628211ULL;
		}
	return h;
}

/* The fill and drain around partition r that hosts several units: the same
 * for every partition that hosts the same units (replicas of one placement),
 * so computed once per set of units. */
static int64_t multi_bubble(struct est *s, int r)
{
	uint64_t h = part_units(s, r);
	int slot = (int)(h & (uint64_t)(s->hcap - 1)), n = s->ulen[r], *u = s->ulist + s->pstart[r];
	int64_t best;

	for (; s->htab[slot]; slot = (slot + 1) & (s->hcap - 1)) {
		int o = s->htab[slot] - 1;

		if (s->ulen[o] == n && !memcmp(s->ulist + s->pstart[o], u, (size_t)n * sizeof(int)))
			return s->e->parts[o].path_ns;
	}
	for (int k = 0; k < n; k++)
		s->own[u[k]] = 1;
	{
		const struct bubble b = {&s->g, s->unit_w, s->comm, s->credit, s->succ_off, s->own,
					 s->has_pred, s->upos, s->head, s->tail, s->idle, s->dist,
					 s->wheap, s->touched};

		best = shared_bubble(&b, u, n);
	}
	for (int k = 0; k < n; k++)
		s->own[u[k]] = 0;
	s->htab[slot] = r + 1;
	return best;
}

/* The longest path through partition r (it holds slots) with its own units
 * weighing 0. */
static int64_t part_path(struct est *s, int r)
{
	const struct pl_graph *g = &s->g;
	int a = s->pstart[r], b = s->pstart[r + 1];

	for (int k = a + 1; k < b; k++)
		if (g->flat[s->plist[k]].unit != g->flat[s->plist[a]].unit)
			return multi_bubble(s, r);
	return s->pin[g->flat[s->plist[a]].unit] + s->sout[g->flat[s->plist[a]].unit];
}

/* Per partition: the longest path through it with its own units weighing 0
 * (one unit: from the paths above; several: multi_bubble); the pipeline part
 * is the largest load + path.  Then the 1F1B window: at most `depth`
 * microbatches in flight per replica of a unit (its memory rule), so a
 * replica's share of microbatches needs ceil(share / depth) round trips from
 * its forward to the end of the DAG and back, after the forward latency that
 * reaches it. */
static void est_pipeline(struct est *s)
{
	struct plan_estimate *est = s->e;
	const struct pl_graph *g = &s->g;

	est->bottleneck = -1;
	for (int i = 0; i < s->n_reps; i++)
		for (int r = s->part_base[s->reps[i]]; r < s->part_base[s->reps[i] + 1]; r++) {
			int64_t best;

			if (s->pstart[r] == s->pstart[r + 1])
				continue;
			best = part_path(s, r);
			est->parts[r].path_ns = best;
			if (est->bottleneck < 0 || est->parts[r].load_ns + best > est->pipeline_ns) {
				est->pipeline_ns = est->parts[r].load_ns + best;
				est->bottleneck = r;
			}
		}
	if (s->p->schedule != PLAN_SCHEDULE_1F1B)
		return;
	for (int u = 0; u < g->n_units; u++) {
		const struct pl_unit *un = &g->units[u];
		int share = pl_share(s->M, un->replicas), win = un->depth < share ? un->depth : share;
		int64_t t = (int64_t)((share + win - 1) / win) * (s->unit_w[u] + s->sout[u]) + s->pin[u] / 3;

		if (t > est->pipeline_ns) {
			est->pipeline_ns = t;
			est->bottleneck = s->part_base[g->flat[un->slots[0]].gpu] + g->flat[un->slots[0]].part;
			est->window_bound = 1;
		}
	}
}

/* Linked units of different replica counts: the microbatch-level schedule
 * (pl_coupled_ns) when it ends later than the terms above; its last unit's
 * first replica names the bottleneck.  -1 when out of memory. */
static int est_coupled(struct est *s)
{
	struct plan_estimate *est = s->e;
	int last;
	int64_t t = pl_coupled_ns(&s->g, s->p->schedule, s->M, s->unit_f, s->unit_b, s->comm, s->succ_off, &last);

	if (t < 0)
		return -1;
	if (last >= 0 && t > est->pipeline_ns) {
		const struct pl_flat *fl = &s->g.flat[s->g.units[last].slots[0]];

		est->pipeline_ns = t;
		est->bottleneck = s->part_base[fl->gpu] + fl->part;
		est->window_bound = 0;
		est->coupled_bound = 1;
	}
	return 0;
}

/*
 * Gradient all-reduce (ring) and optimizer step per GPU, as DDP overlaps
 * them: units in reverse topological order finish their last backward one
 * after another (on each partition, the units after them still have their
 * backward to run); a unit's all-reduce starts when its backward ends and
 * the GPU's port is free (all-reduces share it, one after another); a
 * partition's optimizer steps run after the pipeline and after their unit's
 * all-reduce.  Times relative to the pipeline's end.
 */
/* GPU gi's slots in the order est_sync meets them: units in reverse
 * topological order, a unit's replicas in order; into sorder, how many. */
static int sync_order(struct est *s, int gi)
{
	const struct pl_graph *g = &s->g;
	int n = 0;

	for (int f = s->g_first[gi]; f < s->g_first[gi + 1]; f++) {
		int j = n++, pu = s->upos[g->flat[f].unit], rp = g->flat[f].replica;

		for (; j > 0; j--) {
			const struct pl_flat *o = &g->flat[s->sorder[j - 1]];

			if (s->upos[o->unit] > pu || (s->upos[o->unit] == pu && o->replica < rp))
				break;
			s->sorder[j] = s->sorder[j - 1];
		}
		s->sorder[j] = f;
	}
	return n;
}

/* The all-reduce time of every unit with replicas (its gradients over its
 * GPUs' link), into u_xfer. */
static void sync_xfer(struct est *s)
{
	const struct plan_problem *pb = s->pb;

	for (int u = 0; u < s->g.n_units; u++) {
		const struct pl_unit *un = &s->g.units[u];
		const struct plan_module_cost *mc = &pb->modules[un->module];
		double bytes = 0;

		s->u_xfer[u] = 0;
		if (un->replicas < 2)
			continue;
		for (int l = un->lb; l < un->le; l++)
			bytes += (double)mc->grad_bytes[l];
		s->u_xfer[u] = xfer_ns(2.0 * (un->replicas - 1) / un->replicas * bytes,
				       link_gbps(pb, un->lo, un->hi));
	}
}

static void est_sync(struct est *s)
{
	const struct pl_graph *g = &s->g;
	struct plan_estimate *est = s->e;

	sync_xfer(s);
	for (int a = 0; a < s->n_act; a++)
		s->rem[s->slot_part[s->act[a]]] += s->slot_b[s->act[a]];
	for (int k = 0; k < s->n_reps; k++) {
		int gi = s->reps[k], n = sync_order(s, gi);
		int64_t port = INT64_MIN;

		for (int i = 0; i < n; i++) {
			int f = s->sorder[i], r = s->slot_part[f], u = g->flat[f].unit;
			int64_t ready;

			s->rem[r] -= s->slot_b[f];
			ready = -s->rem[r];
			if (g->units[u].replicas > 1) {
				int64_t start = port > ready ? port : ready;

				port = start + s->u_xfer[u];
				s->held[r] += comm_hold_ns(est->parts[r].sms, start, port, s->rem[r]);
				ready = port;
			}
			if (ready < 0)
				ready = 0; /* optimizer steps follow the pipeline */
			s->popt[r] = (s->popt[r] > ready ? s->popt[r] : ready) + s->slot_opt[f];
		}
		s->gsync[gi] = port > 0 ? port : 0;
		for (int r = s->part_base[gi]; r < s->part_base[gi + 1]; r++) {
			if (s->popt[r] > s->gsync[gi])
				s->gsync[gi] = s->popt[r];
			if (s->held[r] > s->gsync[gi])
				s->gsync[gi] = s->held[r];
		}
		if (s->gsync[gi] > est->sync_ns)
			est->sync_ns = s->gsync[gi];
	}
}

/* Memory per GPU (repeated on each partition of it), by plan_validate's rule. */
static void est_memory(struct est *s)
{
	const struct pl_graph *g = &s->g;

	for (int u = 0; u < g->n_units; u++) {
		const struct pl_unit *un = &g->units[u];
		int share = pl_share(s->M, un->replicas);
		int inflight = s->p->schedule == PLAN_SCHEDULE_GPIPE ? share
					: (un->depth < share ? un->depth : share);

		s->u_mem[u] = pl_slice_static(s->pb, un->module, un->lb, un->le) +
			      pl_slice_act(s->pb, un->module, un->lb, un->le) * inflight;
	}
	for (int a = 0; a < s->n_act; a++) {
		int f = s->act[a];
		int64_t b = s->u_mem[g->flat[f].unit];

		for (int r = s->part_base[g->flat[f].gpu]; r < s->part_base[g->flat[f].gpu + 1]; r++)
			s->e->parts[r].mem_bytes += b;
	}
}

/* The largest host thread's CPU time over the iteration: per slot, or per
 * GPU (the sum over its slots); iter_ns is at least that.  The first GPU with
 * the largest time names it. */
static void est_host(struct est *s)
{
	const struct plan *p = s->p;
	const struct pl_graph *g = &s->g;
	struct plan_estimate *est = s->e;
	int64_t *per = s->host;

	est->host_ns = 0;
	est->host_gpu = -1;
	if (p->host_issue == MODEL_HOST_NONE)
		return;
	for (int a = 0; a < s->n_act; a++) {
		int f = s->act[a], gi = g->flat[f].gpu;
		int64_t t = (int64_t)g->flat[f].share * (s->slot_hf[f] + s->slot_hb[f]) + s->slot_ho[f];

		if (p->host_issue == MODEL_HOST_PER_GPU)
			per[gi] += t;
		else if (t > per[gi])
			per[gi] = t;
	}
	for (int k = 0; k < s->n_reps; k++) /* the first GPU of a layout is its representative */
		if (per[s->reps[k]] > est->host_ns) {
			est->host_ns = per[s->reps[k]];
			est->host_gpu = s->reps[k];
		}
	if (est->host_ns > est->iter_ns)
		est->iter_ns = est->host_ns;
}

/* The estimate; with alike, GPUs laid out like an earlier one are not
 * computed again (the totals are the same; their per-partition figures stay
 * zero). */
static int estimate(const struct plan_problem *pb, const struct plan *p, int alike,
		    struct plan_estimate *est, struct mo_err *err)
{
	struct est s;
	struct pl_modinfo mi;
	int rc;

	memset(est, 0, sizeof(*est));
	memset(&s, 0, sizeof(s));
	s.pb = pb;
	s.p = p;
	s.e = est;
	s.M = p->microbatches;
	if (modinfo_from_problem(pb, &mi))
		return mo_err_set(err, MO_ENOMEM, "plan: out of memory");
	mi.by_index = alike; /* the planners' own evaluations */
	rc = pl_graph_build(p, &mi, &s.g, err);
	pl_modinfo_release(&mi);
	if (rc)
		return rc;
	if (est_alloc(&s)) {
		rc = mo_err_set(err, MO_ENOMEM, "plan: out of memory");
		goto out;
	}
	est_alike(&s, alike);
	if ((rc = est_parts(&s, err)))
		goto out;
	est_slots(&s);
	est_interference(&s);
	est_units(&s);
	est_paths(&s);
	est_pipeline(&s);
	if (est_coupled(&s)) {
		rc = mo_err_set(err, MO_ENOMEM, "plan: out of memory");
		goto out;
	}
	est_sync(&s);
	est_memory(&s);
	est->iter_ns = est->pipeline_ns + est->sync_ns;
	est_host(&s);
out:
	est_free(&s);
	if (rc)
		plan_estimate_release(est);
	return rc;
}

int plan_estimate(const struct plan_problem *pb, const struct plan *p, struct plan_estimate *est,
		  struct mo_err *err)
{
	return estimate(pb, p, 0, est, err);
}

static int eval_flags(const struct plan_problem *pb, const struct plan *p, int64_t *iter_ns,
		      int *window)
{
	struct plan_estimate est;
	int rc = estimate(pb, p, 1, &est, NULL), over = 0;

	if (rc)
		return rc;
	*iter_ns = est.iter_ns;
	*window = est.window_bound || est.coupled_bound;
	for (int r = 0; r < est.n_parts; r++)
		if (est.parts[r].mem_bytes > pb->gpu->mem_bytes)
			over = 1;
	plan_estimate_release(&est);
	return over;
}

int pl_eval(const struct plan_problem *pb, const struct plan *p, int64_t *iter_ns)
{
	int window;

	return eval_flags(pb, p, iter_ns, &window);
}

int pl_eval_sched(const struct plan_problem *pb, struct plan *p, int64_t *iter_ns)
{
	int64_t a = 0, b = 0;
	int ra, rb, window = 0;

	p->schedule = PLAN_SCHEDULE_1F1B;
	ra = eval_flags(pb, p, &a, &window);
	if (ra < 0)
		return ra;
	if (ra == 0 && !window) {
		/* GPipe keeps more in flight and gains nothing without the window */
		*iter_ns = a;
		return 0;
	}
	p->schedule = PLAN_SCHEDULE_GPIPE;
	rb = eval_flags(pb, p, &b, &window);
	if (rb < 0)
		return rb;
	if (ra == 0 && (rb != 0 || a <= b)) {
		p->schedule = PLAN_SCHEDULE_1F1B;
		*iter_ns = a;
		return 0;
	}
	if (rb == 0) {
		*iter_ns = b;
		return 0;
	}
	p->schedule = PLAN_SCHEDULE_1F1B;
	*iter_ns = a;
	return 1;
}
