/* graph.c - the pipeline-unit graph of a plan, shared by validation and the
 * cost model: units, their replicas, their forward-path successors, depths. */
#include "planner/planner-internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int pl_quota_ok(const struct model_gpu *gpu, int sms)
{
	if (sms == gpu->sms)
		return 1;
	return model_quota_check(gpu, sms, NULL) == 0;
}

void pl_graph_release(struct pl_graph *g)
{
	if (!g)
		return;
	for (int i = 0; i < g->n_units; i++) {
		free(g->units[i].slots);
		free(g->units[i].succ);
	}
	free(g->units);
	free(g->flat);
	free(g->order);
	memset(g, 0, sizeof(*g));
}

int pl_modinfo_init(struct pl_modinfo *mi, const void *mods, size_t mod_size, size_t name_off,
		    size_t layers_off, int n_modules, const void *edges, size_t edge_size, size_t from_off,
		    size_t to_off, int n_edges)
{
	const char **names = malloc((size_t)(n_modules + 1) * sizeof(*names));
	int *layers = malloc((size_t)(n_modules + 1) * sizeof(int));
	int *ef = malloc((size_t)(n_edges + 1) * sizeof(int));
	int *et = malloc((size_t)(n_edges + 1) * sizeof(int));

	if (!names || !layers || !ef || !et) {
		free(names);
		free(layers);
		free(ef);
		free(et);
		return -1;
	}
	for (int m = 0; m < n_modules; m++) {
		const char *x = (const char *)mods + (size_t)m * mod_size;

		names[m] = x + name_off;
		memcpy(&layers[m], x + layers_off, sizeof(int));
	}
	for (int e = 0; e < n_edges; e++) {
		const char *x = (const char *)edges + (size_t)e * edge_size;

		memcpy(&ef[e], x + from_off, sizeof(int));
		memcpy(&et[e], x + to_off, sizeof(int));
	}
	*mi = (struct pl_modinfo){n_modules, names, layers, n_edges, ef, et, 0};
	return 0;
}

void pl_modinfo_release(struct pl_modinfo *mi)
{
	free((void *)mi->names);
	free((void *)mi->layers);
	free((void *)mi->efrom);
	free((void *)mi->eto);
}

/* The index of module `name`, trying *hint first (the module found last at
 * the same slot position of a partition: GPUs laid out alike repeat their
 * modules slot by slot); the others are compared only when their first
 * letter matches.  -1 when none. */
static int find_module(const struct pl_modinfo *mi, const char *name, int *hint)
{
	if (*hint >= 0 && !strcmp(mi->names[*hint], name))
		return *hint;
	for (int i = 0; i < mi->n_modules; i++)
		if (mi->names[i][0] == name[0] && !strcmp(mi->names[i], name))
			return *hint = i;
	return -1;
}

/* Unit of (module, stage) through the table ut (stage < layers[m]). */
struct unit_table {
	int *off, *ut;
};

static int find_unit(const struct unit_table *t, int m, int stage)
{
	return t->ut[t->off[m] + stage];
}

static int add_succ(struct pl_unit *u, int v)
{
	int *n = realloc(u->succ, (size_t)(u->n_succ + 1) * sizeof(int));

	if (!n)
		return -1;
	u->succ = n;
	u->succ[u->n_succ++] = v;
	return 0;
}

#define OOM() (mo_err_set(err, MO_ENOMEM, "plan: out of memory"))

/* The scratch of one graph build: the unit table and each module's stage
 * count. */
struct gb {
	const struct plan *p;
	const struct pl_modinfo *mi;
	struct pl_graph *g;
	struct unit_table tab;
	int *nstages;
	int hint[8];         /* the module last found at slot position s % 8 */
};

/* Slot sl (GPU gi, partition i, slot s) names a module, layers inside it,
 * a replica of its replicas and a stage below its layer count: its module,
 * or the error. */
static int slot_module(const struct pl_modinfo *mi, const struct plan_slot *sl, int gi, int i, int s,
		       int *hint, struct mo_err *err)
{
	int m = mi->by_index && sl->module_index >= 0 && sl->module_index < mi->n_modules
			? sl->module_index : find_module(mi, sl->module, hint);

	if (m < 0)
		return mo_err_set(err, MO_EINPUT, "GPU %d partition %d slot %d: unknown module '%s'", gi, i, s,
				  sl->module);
	if (sl->layer_begin < 0 || sl->layer_end > mi->layers[m] || sl->layer_begin >= sl->layer_end)
		return mo_err_set(err, MO_EINPUT,
				  "GPU %d partition %d slot %d: layers [%d, %d) outside module '%s' (%d layers)",
				  gi, i, s, sl->layer_begin, sl->layer_end, sl->module, mi->layers[m]);
	if (sl->replicas < 1 || sl->replica < 0 || sl->replica >= sl->replicas)
		return mo_err_set(err, MO_EINPUT, "GPU %d partition %d slot %d: replica %d of %d", gi, i, s,
				  sl->replica, sl->replicas);
	if (sl->stage >= mi->layers[m])
		return mo_err_set(err, MO_EINPUT,
				  "GPU %d partition %d slot %d: stage %d of module '%s', which has only %d layers",
				  gi, i, s, sl->stage, sl->module, mi->layers[m]);
	return m;
}

/* The unit of (m, sl->stage), made from sl when it is the first slot of it. */
static int slot_unit(struct gb *b, int m, const struct plan_slot *sl, struct mo_err *err)
{
	struct pl_graph *g = b->g;
	int u = find_unit(&b->tab, m, sl->stage);
	struct pl_unit *un;

	if (u >= 0)
		return u;
	u = g->n_units++;
	b->tab.ut[b->tab.off[m] + sl->stage] = u;
	un = &g->units[u];
	un->module = m;
	un->stage = sl->stage;
	un->lb = sl->layer_begin;
	un->le = sl->layer_end;
	un->replicas = sl->replicas;
	un->share_q = b->p->microbatches > 0 ? b->p->microbatches / sl->replicas : 0;
	un->share_r = b->p->microbatches > 0 ? b->p->microbatches % sl->replicas : 0;
	un->slots = malloc((size_t)sl->replicas * sizeof(int));
	if (!un->slots)
		return OOM();
	for (int r = 0; r < sl->replicas; r++)
		un->slots[r] = -1;
	if (sl->stage + 1 > b->nstages[m])
		b->nstages[m] = sl->stage + 1;
	return u;
}

/* Slot s of partition i of GPU gi into its unit, as the replica it says. */
static int add_slot(struct gb *b, int gi, int i, int s, struct mo_err *err)
{
	const struct plan_slot *sl = &b->p->gpus[gi].partitions[i].slots[s];
	struct pl_graph *g = b->g;
	struct pl_unit *un;
	int m = slot_module(b->mi, sl, gi, i, s, &b->hint[s & 7], err), u;

	if (m < 0)
		return m;
	if ((u = slot_unit(b, m, sl, err)) < 0)
		return u;
	un = &g->units[u];
	if (un->lb != sl->layer_begin || un->le != sl->layer_end || un->replicas != sl->replicas)
		return mo_err_set(err, MO_EINPUT,
				  "GPU %d partition %d slot %d: module '%s' stage %d holds layers [%d, %d) x %d replicas here but [%d, %d) x %d elsewhere",
				  gi, i, s, sl->module, sl->stage, sl->layer_begin, sl->layer_end, sl->replicas,
				  un->lb, un->le, un->replicas);
	if (un->slots[sl->replica] >= 0)
		return mo_err_set(err, MO_EINPUT,
				  "GPU %d partition %d slot %d: module '%s' stage %d replica %d appears twice",
				  gi, i, s, sl->module, sl->stage, sl->replica);
	un->slots[sl->replica] = g->n_flat;
	if (un->n_slots++ == 0)
		un->lo = un->hi = gi;
	un->lo = gi < un->lo ? gi : un->lo;
	un->hi = gi > un->hi ? gi : un->hi;
	g->flat[g->n_flat++] = (struct pl_flat){gi, i, s, u, sl->replica,
						un->share_q + (sl->replica < un->share_r)};
	return 0;
}

/* Every slot of the plan into the units. */
static int gb_slots(struct gb *b, struct mo_err *err)
{
	const struct plan *p = b->p;
	int rc;

	for (int gi = 0; gi < p->n_gpus; gi++)
		for (int i = 0; i < p->gpus[gi].n_partitions; i++)
			for (int s = 0; s < p->gpus[gi].partitions[i].n_slots; s++)
				if ((rc = add_slot(b, gi, i, s, err)))
					return rc;
	return 0;
}

/* Completeness: every replica placed, every module's stages 0.. present and
 * covering its layers in order; stage s links to s + 1. */
static int gb_stages(struct gb *b, struct mo_err *err)
{
	const struct pl_modinfo *mi = b->mi;
	struct pl_graph *g = b->g;

	for (int u = 0; u < g->n_units; u++) {
		struct pl_unit *un = &g->units[u];
		int missing = 0;

		if (un->n_slots == un->replicas)
			continue;
		while (un->slots[missing] >= 0)
			missing++;
		return mo_err_set(err, MO_EINPUT, "module '%s' stage %d: replica %d of %d is not placed",
				  mi->names[un->module], un->stage, missing, un->replicas);
	}
	for (int m = 0; m < mi->n_modules; m++) {
		int end = 0;

		if (b->nstages[m] == 0)
			return mo_err_set(err, MO_EINPUT, "module '%s' is not placed on any GPU", mi->names[m]);
		for (int s = 0; s < b->nstages[m]; s++) {
			int u = find_unit(&b->tab, m, s);

			if (u < 0)
				return mo_err_set(err, MO_EINPUT, "module '%s': stage %d missing (stages go 0..%d)",
						  mi->names[m], s, b->nstages[m] - 1);
			if (g->units[u].lb != end)
				return mo_err_set(err, MO_EINPUT,
						  "module '%s' stage %d starts at layer %d, expected %d (stages must cover the layers in order)",
						  mi->names[m], s, g->units[u].lb, end);
			end = g->units[u].le;
			if (s + 1 < b->nstages[m] && add_succ(&g->units[u], find_unit(&b->tab, m, s + 1)))
				return OOM();
		}
		if (end != mi->layers[m])
			return mo_err_set(err, MO_EINPUT, "module '%s': layers [%d, %d) are not placed",
					  mi->names[m], end, mi->layers[m]);
	}
	return 0;
}

/* The DAG's edges (last stage of one module to the first of the next) and
 * the topological order (Kahn). */
static int gb_order(struct gb *b, struct mo_err *err)
{
	const struct pl_modinfo *mi = b->mi;
	struct pl_graph *g = b->g;
	int head = 0, tail = 0, *indeg;

	for (int e = 0; e < mi->n_edges; e++) {
		int from = find_unit(&b->tab, mi->efrom[e], b->nstages[mi->efrom[e]] - 1);

		if (add_succ(&g->units[from], find_unit(&b->tab, mi->eto[e], 0)))
			return OOM();
	}
	g->order = malloc((size_t)(g->n_units ? g->n_units : 1) * sizeof(int));
	indeg = calloc((size_t)(g->n_units ? g->n_units : 1), sizeof(int));
	if (!g->order || !indeg) {
		free(indeg);
		return OOM();
	}
	for (int u = 0; u < g->n_units; u++)
		for (int k = 0; k < g->units[u].n_succ; k++)
			indeg[g->units[u].succ[k]]++;
	for (int u = 0; u < g->n_units; u++)
		if (!indeg[u])
			g->order[tail++] = u;
	while (head < tail) {
		int u = g->order[head++];

		for (int k = 0; k < g->units[u].n_succ; k++)
			if (--indeg[g->units[u].succ[k]] == 0)
				g->order[tail++] = g->units[u].succ[k];
	}
	free(indeg);
	if (tail != g->n_units)
		return mo_err_set(err, MO_EINPUT, "the workload's module graph has a cycle");
	return 0;
}

/* The 1F1B window: a unit's position is the longest chain of stages before
 * it (its module's base plus its stage), P positions in all; its warm-up
 * forwards are plan_warmups', one microbatch more is in flight, and depth is
 * that per replica. */
static int gb_depths(const struct plan *p, struct pl_graph *g, struct mo_err *err)
{
	int *pos = calloc((size_t)g->n_units + 1, sizeof(int)), P = 1;
	int *reps = malloc(((size_t)g->n_units + 1) * sizeof(int)), *warm = NULL;

	if (!pos || !reps)
		goto oom;
	for (int k = 0; k < g->n_units; k++) {
		int u = g->order[k];

		reps[u] = g->units[u].replicas;
		for (int j = 0; j < g->units[u].n_succ; j++) {
			int v = g->units[u].succ[j];

			if (pos[u] + 1 > pos[v])
				pos[v] = pos[u] + 1;
		}
		if (pos[u] + 1 > P)
			P = pos[u] + 1;
	}
	if (!(warm = calloc((size_t)P + 1, sizeof(int))))
		goto oom;
	plan_warmups(P, g->n_units, pos, reps, p->microbatches > 0 ? p->microbatches : INT32_MAX - 1, warm);
	for (int u = 0; u < g->n_units; u++) {
		int64_t inflight = (int64_t)warm[pos[u]] + 1, r = g->units[u].replicas;
		int64_t per = (inflight + r - 1) / r;

		g->units[u].depth = per > (1 << 30) ? (1 << 30) : (int)per;
		g->units[u].pos = pos[u];
	}
	free(pos);
	free(reps);
	free(warm);
	return 0;
oom:
	free(pos);
	free(reps);
	return OOM();
}

/* The unit table (module, stage) -> unit, all -1, and the flat and unit
 * arrays for the plan's slots. */
static int gb_alloc(struct gb *b, struct mo_err *err)
{
	const struct pl_modinfo *mi = b->mi;
	int n = 0, tot = 0;

	b->tab.off = malloc((size_t)(mi->n_modules + 1) * sizeof(int));
	if (!b->tab.off)
		return OOM();
	for (int m = 0; m < mi->n_modules; m++) {
		b->tab.off[m] = tot;
		tot += mi->layers[m] > 0 ? mi->layers[m] : 0;
	}
	b->tab.ut = malloc((size_t)(tot + 1) * sizeof(int));
	for (int gi = 0; gi < b->p->n_gpus; gi++)
		for (int i = 0; i < b->p->gpus[gi].n_partitions; i++)
			n += b->p->gpus[gi].partitions[i].n_slots;
	/* a unit is a (module, stage) with stage below the module's layers
	 * and holds at least one slot: at most min(n, tot) of them */
	b->g->flat = calloc(n ? (size_t)n : 1, sizeof(*b->g->flat));
	b->g->units = calloc((size_t)(n < tot ? n : tot) + 1, sizeof(*b->g->units));
	b->nstages = calloc((size_t)mi->n_modules + 1, sizeof(int));
	if (!b->tab.ut || !b->g->flat || !b->g->units || !b->nstages)
		return OOM();
	for (int i = 0; i < tot; i++)
		b->tab.ut[i] = -1;
	return 0;
}

int pl_graph_build(const struct plan *p, const struct pl_modinfo *mi, struct pl_graph *g,
		   struct mo_err *err)
{
	struct gb b = {p, mi, g, {NULL, NULL}, NULL, {-1, -1, -1, -1, -1, -1, -1, -1}};
	int rc;

	memset(g, 0, sizeof(*g));
	if (!(rc = gb_alloc(&b, err)) && !(rc = gb_slots(&b, err)) && !(rc = gb_stages(&b, err)) &&
	    !(rc = gb_order(&b, err)))
		rc = gb_depths(p, g, err);
	free(b.nstages);
	free(b.tab.off);
	free(b.tab.ut);
	if (rc)
		pl_graph_release(g);
	return rc;
}
