/* coupling.c - the cost model's term for pipelines whose units have
 * different replica counts (the rule is in planner-internal.h above
 * pl_coupled_ns). */
#include "planner/planner-internal.h"

#include <stdint.h>
#include <stdlib.h>

/* One evaluation's arrays: per unit its predecessors (CSR, with the edge's
 * one-way communication), its units by position, per (unit, microbatch) the
 * end of its forward and backward (-1: not yet), per replica stream the time
 * it is free, and per slot of dunit the time the task being placed there
 * may start (run_task's scratch). */
struct cp {
	const struct pl_graph *g;
	int M;
	const int64_t *uf, *ub, *comm;
	const int *succ_off;
	int *poff, *pred, *doff, *dunit, *soff;
	int64_t *pcomm, *ef, *eb, *sfree, *ready;
	int64_t end;
	int last;
};

static int64_t later(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

/* When unit u may start the task (kind, mb) by its inputs; -1: not yet known. */
static int64_t task_ready(const struct cp *c, int u, int kind, int mb)
{
	const struct pl_unit *un = &c->g->units[u];
	size_t M = (size_t)c->M;
	int64_t t = 0;

	if (kind == 0) {
		for (int k = c->poff[u]; k < c->poff[u + 1]; k++) {
			int64_t e = c->ef[(size_t)c->pred[k] * M + (size_t)mb];

			if (e < 0)
				return -1;
			t = later(t, e + c->pcomm[k]);
		}
		return t;
	}
	if ((t = c->ef[(size_t)u * M + (size_t)mb]) < 0)
		return -1;
	for (int j = 0; j < un->n_succ; j++) {
		int v = un->succ[j];
		int64_t e = c->eb[(size_t)v * M + (size_t)mb];

		if (c->ub[v] <= 0)
			continue; /* no backward: sends no gradient back */
		if (e < 0)
			return -1;
		t = later(t, e + c->comm[c->succ_off[u] + j] / 2);
	}
	return t;
}

/* Position d's task (kind, mb) on every unit there, each on the stream of
 * its replica mb % R, once all their inputs are known; 0 when not yet. */
static int run_task(struct cp *c, int d, int kind, int mb)
{
	size_t M = (size_t)c->M;

	for (int k = c->doff[d]; k < c->doff[d + 1]; k++) {
		int u = c->dunit[k];

		c->ready[k] = kind == 1 && c->ub[u] <= 0 ? 0 : task_ready(c, u, kind, mb);
		if (c->ready[k] < 0)
			return 0;
	}
	for (int k = c->doff[d]; k < c->doff[d + 1]; k++) {
		int u = c->dunit[k];
		int64_t dur = kind == 0 ? c->uf[u] : c->ub[u], *sf, e;

		if (kind == 1 && dur <= 0)
			continue;
		sf = &c->sfree[c->soff[u] + mb % c->g->units[u].replicas];
		e = *sf = later(*sf, c->ready[k]) + dur;
		(kind == 0 ? c->ef : c->eb)[(size_t)u * M + (size_t)mb] = e;
		if (e > c->end)
			c->end = e, c->last = u;
	}
	return 1;
}

/* Every position's tasks in its order, each as soon as its inputs are
 * known (the order ideal_times in the engine meets them in); 0 when every
 * task ran. */
static int run_all(struct cp *c, int sched, int P, const int *warm)
{
	int *kp = calloc((size_t)P, sizeof(int)), progress = 1, left = 0;

	if (!kp)
		return -1;
	while (progress) {
		progress = 0;
		for (int d = 0; d < P; d++)
			while (kp[d] < 2 * c->M) {
				int kind, mb;

				plan_nth_task(sched, c->M, warm[d], kp[d], &kind, &mb);
				if (!run_task(c, d, kind, mb))
					break;
				kp[d]++;
				progress = 1;
			}
	}
	for (int d = 0; d < P; d++)
		left += kp[d] < 2 * c->M;
	free(kp);
	return left ? 1 : 0;
}

/* The CSR lists: predecessors with one-way communication, units by
 * position, replica streams; -1 when out of memory. */
static int cp_lists(struct cp *c, int P)
{
	const struct pl_graph *g = c->g;
	int n = g->n_units;
	int *npred = calloc((size_t)n + 1, sizeof(int)), *nunit = calloc((size_t)P + 1, sizeof(int));

	if (!npred || !nunit) {
		free(npred), free(nunit);
		return -1;
	}
	for (int u = 0; u < n; u++) {
		for (int j = 0; j < g->units[u].n_succ; j++)
			c->poff[g->units[u].succ[j] + 1]++;
		c->doff[g->units[u].pos + 1]++;
		c->soff[u + 1] = c->soff[u] + g->units[u].replicas;
	}
	for (int u = 0; u < n; u++)
		c->poff[u + 1] += c->poff[u];
	for (int d = 0; d < P; d++)
		c->doff[d + 1] += c->doff[d];
	for (int u = 0; u < n; u++) {
		int d = g->units[u].pos;

		for (int j = 0; j < g->units[u].n_succ; j++) {
			int v = g->units[u].succ[j], k = c->poff[v] + npred[v]++;

			c->pred[k] = u;
			c->pcomm[k] = c->comm[c->succ_off[u] + j] / 2;
		}
		c->dunit[c->doff[d] + nunit[d]++] = u;
	}
	free(npred), free(nunit);
	return 0;
}

static int coupled(const struct pl_graph *g)
{
	for (int u = 0; u < g->n_units; u++)
		for (int j = 0; j < g->units[u].n_succ; j++)
			if (g->units[g->units[u].succ[j]].replicas != g->units[u].replicas)
				return 1;
	return 0;
}

int64_t pl_coupled_ns(const struct pl_graph *g, int sched, int M, const int64_t *uf, const int64_t *ub,
		      const int64_t *comm, const int *succ_off, int *last)
{
	struct cp c = {.g = g, .M = M, .uf = uf, .ub = ub, .comm = comm, .succ_off = succ_off};
	int n = g->n_units, P = 0, ne = 0, *pos = NULL, *reps = NULL, *warm = NULL, rc = -1;

	*last = -1;
	if (M <= 0 || !coupled(g))
		return 0;
	for (int u = 0; u < n; u++) {
		P = g->units[u].pos + 1 > P ? g->units[u].pos + 1 : P;
		ne += g->units[u].n_succ;
	}
	c.poff = calloc((size_t)n + 1, sizeof(int));
	c.pred = malloc(((size_t)ne + 1) * sizeof(int));
	c.pcomm = malloc(((size_t)ne + 1) * sizeof(int64_t));
	c.doff = calloc((size_t)P + 1, sizeof(int));
	c.dunit = malloc(((size_t)n + 1) * sizeof(int));
	c.soff = calloc((size_t)n + 1, sizeof(int));
	c.ready = calloc((size_t)n + 1, sizeof(int64_t));
	pos = malloc(((size_t)n + 1) * sizeof(int));
	reps = malloc(((size_t)n + 1) * sizeof(int));
	warm = malloc(((size_t)P + 1) * sizeof(int));
	if (c.poff && c.pred && c.pcomm && c.doff && c.dunit && c.soff && c.ready && pos && reps && warm &&
	    !cp_lists(&c, P)) {
		c.ef = malloc((size_t)n * (size_t)M * sizeof(int64_t));
		c.eb = malloc((size_t)n * (size_t)M * sizeof(int64_t));
		c.sfree = calloc((size_t)c.soff[n] + 1, sizeof(int64_t));
	}
	if (c.ef && c.eb && c.sfree) {
		for (size_t i = 0; i < (size_t)n * (size_t)M; i++)
			c.ef[i] = c.eb[i] = -1;
		for (int u = 0; u < n; u++)
			pos[u] = g->units[u].pos, reps[u] = g->units[u].replicas;
		plan_warmups(P, n, pos, reps, M, warm);
		rc = run_all(&c, sched, P, warm);
	}
	free(c.poff), free(c.pred), free(c.pcomm), free(c.doff), free(c.dunit), free(c.soff);
	free(c.ready), free(c.ef), free(c.eb), free(c.sfree), free(pos), free(reps), free(warm);
	if (rc < 0)
		return -1;
	*last = rc ? -1 : c.last;
	return rc ? 0 : c.end;
}
