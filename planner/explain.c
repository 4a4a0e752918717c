/* explain.c - a plan explained in words: per GPU its partitions, modules,
 * quotas, predicted stage times, and the bottleneck with the reason. */
#include "planner/planner-internal.h"

#include <stdlib.h>
#include <string.h>

static double ms(int64_t ns)
{
	return (double)ns / 1e6;
}

char *plan_explain(const struct plan_problem *pb, const struct plan *p, struct mo_err *err)
{
	struct plan_estimate est;
	struct pl_sbuf b = {0};
	int r = 0, rc;

	rc = plan_estimate(pb, p, &est, err);
	if (rc)
		return NULL;
	pl_sb_printf(&b, "plan '%s' for '%s' on %d x %s: %d microbatches of %d, %s schedule\n", p->planner,
		  p->workload, p->n_gpus, pb->gpu->short_name, p->microbatches, p->microbatch_size,
		  plan_schedule_name(p->schedule));
	pl_sb_printf(&b, "all times are predicted by the cost model (scaling curves + interference), not simulated\n");
	for (int g = 0; g < p->n_gpus; g++) {
		int used = 0;

		for (int i = 0; i < p->gpus[g].n_partitions; i++)
			used += p->gpus[g].partitions[i].sms;
		pl_sb_printf(&b, "gpu %d: %d partition%s, %d of %d SMs%s\n", g, p->gpus[g].n_partitions,
			  p->gpus[g].n_partitions == 1 ? "" : "s", used, pb->gpu->sms,
			  p->gpus[g].n_partitions == 0 ? " (idle)" : "");
		for (int i = 0; i < p->gpus[g].n_partitions; i++, r++) {
			const struct plan_partition *pt = &p->gpus[g].partitions[i];
			const struct plan_part_estimate *pe = &est.parts[r];
			int qi = plan_problem_quota_index(pb, pt->sms);

			pl_sb_printf(&b, "  partition %d: %d SMs, load %.3f ms, pipeline fill/drain %.3f ms, interference x%.3f, memory %.2f GiB%s\n",
				  i, pt->sms, ms(pe->load_ns), ms(pe->path_ns), pe->interference,
				  pe->mem_bytes / (1024.0 * 1024 * 1024), r == est.bottleneck ? "  <- bottleneck" : "");
			for (int s = 0; s < pt->n_slots; s++) {
				const struct plan_slot *sl = &pt->slots[s];
				int m = -1;
				int64_t f = 0, bw = 0;

				for (int k = 0; k < pb->n_modules; k++)
					if (!strcmp(pb->modules[k].name, sl->module))
						m = k;
				if (m >= 0 && qi >= 0)
					for (int l = sl->layer_begin; l < sl->layer_end; l++) {
						f += pb->modules[m].fwd_ns[l * pb->n_quotas + qi];
						bw += pb->modules[m].bwd_ns[l * pb->n_quotas + qi];
					}
				pl_sb_printf(&b, "    %s layers [%d, %d) stage %d replica %d/%d: fwd %.3f + bwd %.3f ms per microbatch (alone), %d microbatches\n",
					  sl->module, sl->layer_begin, sl->layer_end, sl->stage, sl->replica,
					  sl->replicas, ms(f), ms(bw), pl_share(p->microbatches, sl->replicas));
			}
		}
	}
	if (est.bottleneck >= 0 && est.coupled_bound) {
		const struct plan_part_estimate *pe = &est.parts[est.bottleneck];

		pl_sb_printf(&b, "bottleneck: gpu %d partition %d (%d SMs) ends last: linked modules have different replica counts, so each replica waits on several replicas before and after it, each held by its 1F1B window; the schedule run microbatch by microbatch sets the pipeline time\n",
			  pe->gpu, pe->partition, pe->sms);
	} else if (est.bottleneck >= 0 && est.window_bound) {
		const struct plan_part_estimate *pe = &est.parts[est.bottleneck];

		pl_sb_printf(&b, "bottleneck: gpu %d partition %d (%d SMs): under 1F1B it keeps only as many microbatches in flight as there are pipeline hops after it, and the round trips through the rest of the DAG set the pipeline time\n",
			  pe->gpu, pe->partition, pe->sms);
	} else if (est.bottleneck >= 0) {
		const struct plan_part_estimate *pe = &est.parts[est.bottleneck];

		pl_sb_printf(&b, "bottleneck: gpu %d partition %d (%d SMs): its busy time %.3f ms plus the %.3f ms it waits for the pipeline to fill and drain is the longest of all partitions\n",
			  pe->gpu, pe->partition, pe->sms, ms(pe->load_ns), ms(pe->path_ns));
	}
	pl_sb_printf(&b, "predicted iteration: %.3f ms = pipeline %.3f ms + gradient all-reduce and optimizer %.3f ms\n",
		  ms(est.iter_ns), ms(est.pipeline_ns), ms(est.sync_ns));
	plan_estimate_release(&est);
	if (b.oom) {
		free(b.s);
		mo_err_set(err, MO_ENOMEM, "plan: out of memory");
		return NULL;
	}
	return b.s;
}
