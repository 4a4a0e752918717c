/* canon.c - a plan's canonical form: the same placement with what the
 * simulator's result cannot depend on put in one order (see
 * plan_canonical in planner.h). */
#include "planner/planner.h"

#include <stdlib.h>
#include <string.h>

static int cmp_int(int a, int b)
{
	return (a > b) - (a < b);
}

static int slot_cmp(const struct plan_slot *x, const struct plan_slot *y)
{
	int d = strcmp(x->module, y->module);

	if (!d)
		d = cmp_int(x->layer_begin, y->layer_begin);
	if (!d)
		d = cmp_int(x->layer_end, y->layer_end);
	if (!d)
		d = cmp_int(x->stage, y->stage);
	if (!d)
		d = cmp_int(x->replica, y->replica);
	return d ? d : cmp_int(x->replicas, y->replicas);
}

static int part_cmp(const void *a, const void *b)
{
	const struct plan_partition *x = a, *y = b;
	int d = cmp_int(x->sms, y->sms);

	if (!d)
		d = cmp_int(x->n_slots, y->n_slots);
	for (int k = 0; !d && k < x->n_slots; k++)
		d = slot_cmp(&x->slots[k], &y->slots[k]);
	return d;
}

static int gpu_cmp(const void *a, const void *b)
{
	const struct plan_gpu *x = a, *y = b;
	int d = cmp_int(x->n_partitions, y->n_partitions);

	for (int i = 0; !d && i < x->n_partitions; i++)
		d = part_cmp(&x->partitions[i], &y->partitions[i]);
	return d;
}

/* Whole nodes of *(int *)per GPUs each, GPU by GPU. */
static int node_cmp(const void *a, const void *b, void *per)
{
	const struct plan_gpu *x = a, *y = b;
	int d = 0;

	for (int g = 0; !d && g < *(const int *)per; g++)
		d = gpu_cmp(&x[g], &y[g]);
	return d;
}

struct plan *plan_canonical(const struct plan *p, int gpus_per_node)
{
	struct plan *c = plan_clone(p);
	int per = gpus_per_node > 0 ? gpus_per_node : 1, full = p->n_gpus / per;

	if (!c)
		return NULL;
	if (p->host_issue != MODEL_HOST_PER_GPU)
		for (int g = 0; g < c->n_gpus; g++)
			if (c->gpus[g].n_partitions > 1) /* a GPU may have none (NULL array) */
				qsort(c->gpus[g].partitions, (size_t)c->gpus[g].n_partitions,
				      sizeof(*c->gpus[g].partitions), part_cmp);
	for (int g = 0; g < c->n_gpus; g += per) {
		int n = c->n_gpus - g < per ? c->n_gpus - g : per;

		if (n > 1)
			qsort(c->gpus + g, (size_t)n, sizeof(*c->gpus), gpu_cmp);
	}
	if (full > 1)
		qsort_r(c->gpus, (size_t)full, (size_t)per * sizeof(*c->gpus), node_cmp, &per);
	return c;
}
