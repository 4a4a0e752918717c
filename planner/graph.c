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
	*mi = (struct pl_modinfo){n_modules, names, layers, n_edges, ef, et};
	return 0;
}

void pl_modinfo_release(struct pl_modinfo *mi)
{
	free((void *)mi->names);
	free((void *)mi->layers);
	free((void *)mi->efrom);
	free((void *)mi->eto);
}

static int find_module(const struct pl_modinfo *mi, const char *name)
{
	for (int i = 0; i < mi->n_modules; i++)
		if (!strcmp(mi->names[i], name))
			return i;
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

int pl_graph_build(const struct plan *p, const struct pl_modinfo *mi, struct pl_graph *g,
		   struct mo_err *err)
{
	int n = 0, *nstages = NULL, *indeg = NULL, rc = 0, tot = 0;
	struct unit_table tab = {NULL, NULL};

	memset(g, 0, sizeof(*g));
	tab.off = malloc((size_t)(mi->n_modules + 1) * sizeof(int));
	if (!tab.off)
		return OOM();
	for (int m = 0; m < mi->n_modules; m++) {
		tab.off[m] = tot;
		tot += mi->layers[m] > 0 ? mi->layers[m] : 0;
	}
	tab.ut = malloc((size_t)(tot + 1) * sizeof(int));
	if (!tab.ut) {
		free(tab.off);
		return OOM();
	}
	for (int i = 0; i < tot; i++)
		tab.ut[i] = -1;
	for (int gi = 0; gi < p->n_gpus; gi++)
		for (int i = 0; i < p->gpus[gi].n_partitions; i++)
			n += p->gpus[gi].partitions[i].n_slots;
	g->flat = calloc(n ? (size_t)n : 1, sizeof(*g->flat));
	g->units = calloc(n ? (size_t)n : 1, sizeof(*g->units));
	nstages = calloc((size_t)mi->n_modules + 1, sizeof(int));
	if (!g->flat || !g->units || !nstages) {
		rc = OOM();
		goto out;
	}
	/* slots -> units */
	for (int gi = 0; gi < p->n_gpus; gi++)
		for (int i = 0; i < p->gpus[gi].n_partitions; i++) {
			const struct plan_partition *pt = &p->gpus[gi].partitions[i];

			for (int s = 0; s < pt->n_slots; s++) {
				const struct plan_slot *sl = &pt->slots[s];
				int m = find_module(mi, sl->module), u;
				struct pl_unit *un;

				if (m < 0) {
					rc = mo_err_set(err, MO_EINPUT,
							"GPU %d partition %d slot %d: unknown module '%s'",
							gi, i, s, sl->module);
					goto out;
				}
				if (sl->layer_begin < 0 || sl->layer_end > mi->layers[m] ||
				    sl->layer_begin >= sl->layer_end) {
					rc = mo_err_set(err, MO_EINPUT,
							"GPU %d partition %d slot %d: layers [%d, %d) outside module '%s' (%d layers)",
							gi, i, s, sl->layer_begin, sl->layer_end, sl->module,
							mi->layers[m]);
					goto out;
				}
				if (sl->replicas < 1 || sl->replica < 0 || sl->replica >= sl->replicas) {
					rc = mo_err_set(err, MO_EINPUT,
							"GPU %d partition %d slot %d: replica %d of %d",
							gi, i, s, sl->replica, sl->replicas);
					goto out;
				}
				if (sl->stage >= mi->layers[m]) {
					rc = mo_err_set(err, MO_EINPUT,
							"GPU %d partition %d slot %d: stage %d of module '%s', which has only %d layers",
							gi, i, s, sl->stage, sl->module, mi->layers[m]);
					goto out;
				}
				u = find_unit(&tab, m, sl->stage);
				if (u < 0) {
					u = g->n_units++;
					tab.ut[tab.off[m] + sl->stage] = u;
					un = &g->units[u];
					un->module = m;
					un->stage = sl->stage;
					un->lb = sl->layer_begin;
					un->le = sl->layer_end;
					un->replicas = sl->replicas;
					un->slots = malloc((size_t)sl->replicas * sizeof(int));
					if (!un->slots) {
						rc = OOM();
						goto out;
					}
					for (int r = 0; r < sl->replicas; r++)
						un->slots[r] = -1;
					if (sl->stage + 1 > nstages[m])
						nstages[m] = sl->stage + 1;
				}
				un = &g->units[u];
				if (un->lb != sl->layer_begin || un->le != sl->layer_end ||
				    un->replicas != sl->replicas) {
					rc = mo_err_set(err, MO_EINPUT,
							"GPU %d partition %d slot %d: module '%s' stage %d holds layers [%d, %d) x %d replicas here but [%d, %d) x %d elsewhere",
							gi, i, s, sl->module, sl->stage, sl->layer_begin,
							sl->layer_end, sl->replicas, un->lb, un->le, un->replicas);
					goto out;
				}
				if (un->slots[sl->replica] >= 0) {
					rc = mo_err_set(err, MO_EINPUT,
							"GPU %d partition %d slot %d: module '%s' stage %d replica %d appears twice",
							gi, i, s, sl->module, sl->stage, sl->replica);
					goto out;
				}
				un->slots[sl->replica] = g->n_flat;
				un->n_slots++;
				g->flat[g->n_flat++] = (struct pl_flat){gi, i, s, u, sl->replica};
			}
		}
	/* completeness: replicas, stages, layer coverage */
	for (int u = 0; u < g->n_units; u++) {
		struct pl_unit *un = &g->units[u];

		if (un->n_slots != un->replicas) {
			int missing = 0;

			while (un->slots[missing] >= 0)
				missing++;
			rc = mo_err_set(err, MO_EINPUT, "module '%s' stage %d: replica %d of %d is not placed",
					mi->names[un->module], un->stage, missing, un->replicas);
			goto out;
		}
	}
	for (int m = 0; m < mi->n_modules; m++) {
		int end = 0;

		if (nstages[m] == 0) {
			rc = mo_err_set(err, MO_EINPUT, "module '%s' is not placed on any GPU", mi->names[m]);
			goto out;
		}
		for (int s = 0; s < nstages[m]; s++) {
			int u = find_unit(&tab, m, s);

			if (u < 0) {
				rc = mo_err_set(err, MO_EINPUT, "module '%s': stage %d missing (stages go 0..%d)",
						mi->names[m], s, nstages[m] - 1);
				goto out;
			}
			if (g->units[u].lb != end) {
				rc = mo_err_set(err, MO_EINPUT,
						"module '%s' stage %d starts at layer %d, expected %d (stages must cover the layers in order)",
						mi->names[m], s, g->units[u].lb, end);
				goto out;
			}
			end = g->units[u].le;
			if (s + 1 < nstages[m] && add_succ(&g->units[u], find_unit(&tab, m, s + 1))) {
				rc = OOM();
				goto out;
			}
		}
		if (end != mi->layers[m]) {
			rc = mo_err_set(err, MO_EINPUT, "module '%s': layers [%d, %d) are not placed",
					mi->names[m], end, mi->layers[m]);
			goto out;
		}
	}
	for (int e = 0; e < mi->n_edges; e++) {
		int a = find_unit(&tab, mi->efrom[e], nstages[mi->efrom[e]] - 1);
		int b = find_unit(&tab, mi->eto[e], 0);

		if (add_succ(&g->units[a], b)) {
			rc = OOM();
			goto out;
		}
	}
	/* topological order (Kahn) */
	g->order = malloc((size_t)(g->n_units ? g->n_units : 1) * sizeof(int));
	indeg = calloc((size_t)(g->n_units ? g->n_units : 1), sizeof(int));
	if (!g->order || !indeg) {
		rc = OOM();
		goto out;
	}
	for (int u = 0; u < g->n_units; u++)
		for (int k = 0; k < g->units[u].n_succ; k++)
			indeg[g->units[u].succ[k]]++;
	{
		int head = 0, tail = 0;

		for (int u = 0; u < g->n_units; u++)
			if (!indeg[u])
				g->order[tail++] = u;
		while (head < tail) {
			int u = g->order[head++];

			for (int k = 0; k < g->units[u].n_succ; k++)
				if (--indeg[g->units[u].succ[k]] == 0)
					g->order[tail++] = g->units[u].succ[k];
		}
		if (tail != g->n_units) {
			rc = mo_err_set(err, MO_EINPUT, "the workload's module graph has a cycle");
			goto out;
		}
	}
	/* the 1F1B window: a unit's position is the longest chain of stages
	 * before it (its module's base plus its stage), P positions in all; its
	 * warm-up forwards are plan_warmups', one microbatch more is in flight,
	 * and depth is that per replica */
	{
		int *pos = calloc((size_t)g->n_units + 1, sizeof(int)), P = 1;
		int *reps = malloc(((size_t)g->n_units + 1) * sizeof(int)), *warm;

		if (!pos || !reps) {
			free(pos);
			free(reps);
			rc = OOM();
			goto out;
		}
		for (int k = 0; k < g->n_units; k++) {
			int u = g->order[k];

			reps[u] = g->units[u].replicas;
			for (int j2 = 0; j2 < g->units[u].n_succ; j2++) {
				int v = g->units[u].succ[j2];

				if (pos[u] + 1 > pos[v])
					pos[v] = pos[u] + 1;
			}
			if (pos[u] + 1 > P)
				P = pos[u] + 1;
		}
		warm = calloc((size_t)P + 1, sizeof(int));
		if (!warm) {
			free(pos);
			free(reps);
			rc = OOM();
			goto out;
		}
		plan_warmups(P, g->n_units, pos, reps, p->microbatches > 0 ? p->microbatches : INT32_MAX - 1,
			     warm);
		for (int u = 0; u < g->n_units; u++) {
			int64_t inflight = (int64_t)warm[pos[u]] + 1, r = g->units[u].replicas;
			int64_t per = (inflight + r - 1) / r;

			g->units[u].depth = per > (1 << 30) ? (1 << 30) : (int)per;
		}
		free(pos);
		free(reps);
		free(warm);
	}
out:
	free(nstages);
	free(indeg);
	free(tab.off);
	free(tab.ut);
	if (rc)
		pl_graph_release(g);
	return rc;
}
