/*
 * discover-spec.c - the spec of a workload found in traces (workloads.h,
 * workload_discovery_spec): trace modules reading the discovery's trace,
 * edges in the order the modules first ran.
 */
#include "workloads/workloads-internal.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

static json_t *module_json(const struct workload_discovery *d, int m, const char *trace_ref,
			   int samples)
{
	const struct workload_found *f = &d->modules[m];
	char src[256], merged[48] = "";
	json_t *o;

	if (f->merged)
		snprintf(merged, sizeof merged, "; %d smaller module(s) merged in", f->merged);

	snprintf(src, sizeof src, "kernels recorded in trace %d (%s: %lld forward, %lld backward, "
		 "%lld optimizer)%s; params %s", f->trace,
		 d->trace.header.source == TRACE_SOURCE_SIMULATED ? "simulated" : "measured",
		 (long long)f->kernels[WORKLOAD_FWD], (long long)f->kernels[WORKLOAD_BWD],
		 (long long)f->kernels[WORKLOAD_OPT], merged,
		 f->params_estimated ? "estimated from the optimizer kernels (upper bound)"
		 : f->params ? "given by the user" : "unknown");
	o = json_pack("{s:s, s:s, s:s, s:s, s:i, s:s}", "name", f->name,
		      "kind", workload_kind_name(f->kind), "trace", trace_ref, "trace_module", f->name,
		      "trace_samples", samples, "source", src);
	if (o && f->params > 0)
		json_object_set_new(o, "params", json_integer(f->params));
	return o;
}

int workload_discovery_spec(const struct workload_discovery *d, const char *name,
			    const char *trace_ref, int samples, int batch, int gpus, char **json,
			    struct mo_err *err)
{
	json_t *root, *mods = json_array(), *edges = json_array(), *cluster;
	char src[512];

	*json = NULL;
	if (samples < 1 || batch < samples || batch % samples || gpus < 1)
		return mo_err_set(err, MO_EINPUT, "bad sizes: samples %d, batch %d (a multiple of "
				  "samples), gpus %d", samples, batch, gpus);
	snprintf(src, sizeof src, "mosaic workload from-trace of '%s' (%s on %s)",
		 d->trace.header.origin ? d->trace.header.origin : "?",
		 d->trace.header.source == TRACE_SOURCE_SIMULATED ? "simulated" : "measured",
		 d->trace.header.gpu_name ? d->trace.header.gpu_name : "an unknown GPU");
	cluster = d->gpu[0] ? json_pack("{s:s, s:i}", "gpu", d->gpu, "gpus", gpus)
			    : json_pack("{s:i}", "gpus", gpus);
	root = json_pack("{s:s, s:s, s:i, s:i, s:s, s:o}", "name", name, "source", src,
			 "batch", batch, "microbatch", samples, "dtype", model_dtype_name(d->dtype),
			 "cluster", cluster);
	for (int m = 0; mods && m < d->n_modules; m++)
		json_array_append_new(mods, module_json(d, m, trace_ref, samples));
	for (int m = 1; edges && m < d->n_modules; m++)
		json_array_append_new(edges, json_pack("{s:s, s:s}", "from", d->modules[m - 1].name,
						       "to", d->modules[m].name));
	if (root && mods && edges) {
		json_object_set_new(root, "modules", mods);
		json_object_set_new(root, "edges", edges);
		mods = edges = NULL;
		*json = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	}
	json_decref(mods);
	json_decref(edges);
	json_decref(root);
	return *json ? 0 : mo_err_set(err, MO_ENOMEM, "out of memory");
}
