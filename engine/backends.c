/*
 * backends.c - the engine's one entry point: engine_run() picks its backend
 * from one table (sim: run.c; cuda: engine/cuda/, opened at run time) and
 * every backend fills the one result type, labelled simulated or measured.
 */
#include "engine/engine-internal.h"
#include "engine/cuda/engine-cuda.h"

#include <stdio.h>
#include <string.h>

/* The table: adding a backend is one function and one line here. */
static const struct {
	const char *name;
	int (*run)(const struct plan *p, const struct workload *w, const struct engine_run_opts *o,
		   struct engine_run_result *res, struct mo_err *err);
} backends[] = {
	{"sim", engine_sim_run_plan},
	{"cuda", engine_cuda_run},
};
#define N_BACKENDS ((int)(sizeof(backends) / sizeof(backends[0])))

const char *engine_backend_name(int i)
{
	return i >= 0 && i < N_BACKENDS ? backends[i].name : NULL;
}

void engine_run_opts_init(struct engine_run_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->backend = "sim";
	o->iterations = 5;
	o->warmup = 1;
}

int engine_run(const struct plan *p, const struct workload *w, const struct engine_run_opts *o,
	       struct engine_run_result *res, struct mo_err *err)
{
	struct engine_run_opts defo;
	const char *name;
	char known[128];
	size_t used = 0;
	int rc;

	memset(res, 0, sizeof(*res));
	if (!o) {
		engine_run_opts_init(&defo);
		o = &defo;
	}
	name = o->backend ? o->backend : "sim";
	for (int i = 0; i < N_BACKENDS; i++) {
		if (strcmp(name, backends[i].name))
			continue;
		rc = backends[i].run(p, w, o, res, err);
		res->backend = backends[i].name;
		return rc;
	}
	for (int i = 0; i < N_BACKENDS; i++)
		used += (size_t)snprintf(known + used, sizeof(known) - used, "%s%s", i ? ", " : "",
					 backends[i].name);
	return mo_err_set(err, MO_EUSAGE, "unknown backend '%s' (known: %s)", name, known);
}
