/*
 * fuzz-spec.c - libFuzzer target for the workload spec reader: any bytes
 * through workload_load_string(); when a spec is accepted, every derived
 * quantity (parameters, FLOPs, memory, edge sizes) and, for small modules,
 * the synthesised kernels of every phase must be computable without a crash,
 * a leak or undefined behaviour, and must be non-negative.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"
#include "workloads/workloads.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	struct workload *w = NULL;
	struct mo_err err;
	const struct model_gpu *gpu = model_gpu_find("h100", &err);

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = 0;
	mo_err_clear(&err);
	if (workload_load_string(s, "fuzz.json", &w, &err) == 0) {
		int *order = malloc(sizeof(int) * (size_t)w->n_modules);
		if (w->n_modules < 1 || w->batch % w->microbatch || !order)
			abort();
		workload_topo_order(w, order);
		free(order);
		for (int e = 0; e < w->n_edges; e++)
			if (w->edges[e].bytes_per_sample < 0)
				abort();
		for (int m = 0; m < w->n_modules; m++) {
			const struct workload_module *mod = &w->modules[m];
			struct workload_memory mem;
			if (mod->params < 0 || mod->layers < 1)
				abort();
			workload_memory(w, m, 0, mod->layers, &mem);
			if (mem.params < 0 || mem.grads < 0 || mem.optimizer < 0 || mem.act_per_sample < 0)
				abort();
			for (int ph = 0; ph < 3; ph++) {
				if (workload_flops(w, m, 0, mod->layers, ph) < 0)
					abort();
				if (mod->layers <= 4 && mod->copies <= 4 && gpu) {
					struct trace_mem t;
					trace_mem_init(&t);
					workload_kernels(w, m, 0, mod->layers, ph, w->microbatch, gpu, &t, &err);
					for (size_t i = 0; i < t.n; i++)
						if (t.recs[i].u.kernel.end_ns < t.recs[i].u.kernel.start_ns)
							abort();
					trace_mem_release(&t);
				}
			}
		}
		workload_free(w);
	} else if (w) {
		abort(); /* a failed load leaves *out NULL */
	}
	free(s);
	return 0;
}
