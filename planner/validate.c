/* validate.c - checking a plan against its workload and GPU. */
#include "planner/planner-internal.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define GIB (1024.0 * 1024.0 * 1024.0)

/* The unit graph of p over w's modules (pl_graph_release frees it). */
static int workload_graph(const struct plan *p, const struct workload *w, struct pl_graph *g,
			  struct mo_err *err)
{
	struct pl_modinfo mi;
	int rc;

	if (pl_modinfo_init(&mi, w->modules, sizeof(*w->modules), offsetof(struct workload_module, name),
			    offsetof(struct workload_module, layers), w->n_modules, w->edges,
			    sizeof(*w->edges), offsetof(struct workload_edge, from),
			    offsetof(struct workload_edge, to), w->n_edges))
		return mo_err_set(err, MO_ENOMEM, "plan: out of memory");
	rc = pl_graph_build(p, &mi, g, err);
	pl_modinfo_release(&mi);
	return rc;
}

/* Memory of every GPU from a built graph. */
static void graph_memory(const struct plan *p, const struct workload *w, const struct pl_graph *g,
			 int64_t *mem)
{
	for (int gi = 0; gi < p->n_gpus; gi++)
		mem[gi] = 0;
	for (int f = 0; f < g->n_flat; f++) {
		const struct pl_unit *un = &g->units[g->flat[f].unit];
		struct workload_memory wm;
		int share = pl_share(p->microbatches, un->replicas);
		int inflight = p->schedule == PLAN_SCHEDULE_GPIPE ? share
					: (un->depth < share ? un->depth : share);

		workload_memory(w, un->module, un->lb, un->le, &wm);
		mem[g->flat[f].gpu] += wm.params + wm.grads + wm.optimizer +
				       wm.act_per_sample * (int64_t)p->microbatch_size * inflight;
	}
}

int plan_memory(const struct plan *p, const struct workload *w, int64_t *mem, struct mo_err *err)
{
	struct pl_graph g;
	int rc = workload_graph(p, w, &g, err);

	if (rc)
		return rc;
	graph_memory(p, w, &g, mem);
	pl_graph_release(&g);
	return 0;
}

int plan_validate(const struct plan *p, const struct workload *w, const struct model_gpu *gpu,
		  struct mo_err *err)
{
	struct pl_graph g;
	int64_t *mem;
	int rc;

	if (p->n_gpus < 1)
		return mo_err_set(err, MO_EINPUT, "plan has no GPUs");
	if (p->microbatch_size < 1 || p->microbatches < 1)
		return mo_err_set(err, MO_EINPUT, "plan: microbatch size %d and count %d must be >= 1",
				  p->microbatch_size, p->microbatches);
	if ((int64_t)p->microbatch_size * p->microbatches != w->batch)
		return mo_err_set(err, MO_EINPUT,
				  "plan: %d microbatches of %d samples do not make the workload's batch of %d",
				  p->microbatches, p->microbatch_size, w->batch);
	for (int gi = 0; gi < p->n_gpus; gi++) {
		int sum = 0;

		for (int i = 0; i < p->gpus[gi].n_partitions; i++) {
			const struct plan_partition *pt = &p->gpus[gi].partitions[i];
			struct mo_err qe;

			mo_err_clear(&qe);
			if (!pl_quota_ok(gpu, pt->sms)) {
				model_quota_check(gpu, pt->sms, &qe);
				return mo_err_set(err, MO_EINPUT,
						  "GPU %d partition %d: %d SMs is not a quota of %s: %s", gi, i,
						  pt->sms, gpu->short_name, qe.msg[0] ? qe.msg : "off the lattice");
			}
			if (pt->n_slots == 0)
				return mo_err_set(err, MO_EINPUT, "GPU %d partition %d: no slots", gi, i);
			sum += pt->sms;
		}
		if (sum > gpu->sms)
			return mo_err_set(err, MO_EINPUT,
					  "GPU %d: partitions take %d SMs, the %s has %d", gi, sum,
					  gpu->short_name, gpu->sms);
	}
	if ((rc = workload_graph(p, w, &g, err)))
		return rc;
	mem = calloc((size_t)p->n_gpus, sizeof(*mem));
	if (!mem) {
		pl_graph_release(&g);
		return mo_err_set(err, MO_ENOMEM, "plan: out of memory");
	}
	graph_memory(p, w, &g, mem);
	for (int gi = 0; gi < p->n_gpus && !rc; gi++)
		if (mem[gi] > gpu->mem_bytes)
			rc = mo_err_set(err, MO_EINFEASIBLE,
					"GPU %d: needs %.2f GiB (weights, gradients, optimizer state and the activations of its in-flight microbatches), the %s has %.2f GiB",
					gi, mem[gi] / GIB, gpu->short_name, gpu->mem_bytes / GIB);
	free(mem);
	pl_graph_release(&g);
	return rc;
}
