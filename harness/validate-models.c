/*
 * validate-models.c - the named models `mosaic validate --measurements`
 * can predict, synthesised by workloads/ (validate-meas.h).
 */
#include "harness/validate-meas.h"
#include "workloads/workloads.h"

#include <stdio.h>
#include <string.h>

/* Module JSON of each name; %d is the image side or the sequence length. */
static const struct {
	const char *name;
	const char *module;
	int dflt;      /* default image / seq; 0 = the row must give it */
	int uses_seq;
} known[] = {
	{ "resnet50", "{\"name\": \"net\", \"kind\": \"encoder\", \"arch\": \"conv\", "
		      "\"blocks\": [3, 4, 6, 3], \"image\": %d}", 224, 0 },
	{ "resnet101", "{\"name\": \"net\", \"kind\": \"encoder\", \"arch\": \"conv\", "
		       "\"blocks\": [3, 4, 23, 3], \"image\": %d}", 224, 0 },
	{ "resnet152", "{\"name\": \"net\", \"kind\": \"encoder\", \"arch\": \"conv\", "
		       "\"blocks\": [3, 8, 36, 3], \"image\": %d}", 224, 0 },
	{ "bert-large", "{\"name\": \"net\", \"kind\": \"encoder\", \"arch\": \"encoder\", "
			"\"layers\": 24, \"hidden\": 1024, \"heads\": 16, \"ffn\": 4096, \"seq\": %d, "
			"\"vocab\": 30522, \"max_pos\": 512, \"type_vocab\": 2, \"act\": \"gelu\", "
			"\"norm\": \"layernorm\", \"pos\": \"learned\", \"bias\": true, "
			"\"embed_norm\": true, \"final_norm\": false}", 384, 1 },
	{ "bert-base", "{\"name\": \"net\", \"kind\": \"encoder\", \"arch\": \"encoder\", "
		       "\"layers\": 12, \"hidden\": 768, \"heads\": 12, \"ffn\": 3072, \"seq\": %d, "
		       "\"vocab\": 30522, \"max_pos\": 512, \"type_vocab\": 2, \"act\": \"gelu\", "
		       "\"norm\": \"layernorm\", \"pos\": \"learned\", \"bias\": true, "
		       "\"embed_norm\": true, \"final_norm\": false}", 0, 1 },
};

/* The phase's kernels at sms SMs (synthesised on gpu) added to the stream:
 * back to back, or no earlier than the host issues them (h, NULL when the
 * launch is unknown). */
static int phase_ns(const struct workload *w, int phase, int batch, const struct model_gpu *gpu,
		    int sms, int procs, const struct model_host *h, struct model_host_stream *st,
		    struct mo_err *err)
{
	struct trace_mem t;
	int rc;

	trace_mem_init(&t);
	rc = workload_kernels(w, 0, 0, w->modules[0].layers, phase, batch, gpu, &t, err);
	for (size_t i = 0; rc == 0 && i < t.n; i++) {
		const struct trace_kernel *k = &t.recs[i].u.kernel;
		double g;
		if (t.recs[i].kind != TRACE_KIND_KERNEL)
			continue;
		g = model_kernel_ns_shared(gpu, k, gpu->sms, sms, procs);
		if (h) /* the simulator's CPU time a kernel */
			model_host_stream_add(st, (double)workload_host_record_ns(w, 0, phase, h, k), g);
		else /* unknown launch */
			st->end_ns += g;
	}
	trace_mem_release(&t);
	return rc;
}

int validate_model_predict(void *ctx, const struct model_meas *m, const struct model_gpu *gpu,
			   int sms, int procs, double *ns, struct mo_err *err)
{
	char module[1024], spec[1400], *end;
	struct workload *w = NULL;
	struct model_host host;
	struct model_host_stream st;
	const struct model_host *hp;
	const struct validate_host_choice *choice = ctx;
	int k = -1, size, rc;

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (!strcmp(m->model, known[i].name))
			k = (int)i;
	if (k < 0)
		return mo_err_set(err, MO_EINPUT, "no synthesiser for model '%s' (known: resnet50, "
				  "resnet101, resnet152, bert-large, bert-base)", m->model);
	if (!model_dtype_synthesisable(m->op.dtype))
		return mo_err_set(err, MO_EINPUT, "workloads/ does not synthesise %s models",
				  model_dtype_name(m->op.dtype));
	size = known[k].uses_seq ? m->seq : m->image;
	if (!size)
		size = known[k].dflt;
	if (!size)
		return mo_err_set(err, MO_EINPUT, "model '%s' needs seq= (not stated by the source)",
				  m->model);
	snprintf(module, sizeof(module), known[k].module, size);
	end = strrchr(module, '}');
	if (m->tensorrt && end) /* a TensorRT engine's fusions (enum workload_impl) */
		snprintf(end, sizeof(module) - (size_t)(end - module), ", \"impl\": \"tensorrt\"}");
	snprintf(spec, sizeof(spec),
		 "{\"name\": \"%s\", \"batch\": %d, \"dtype\": \"%s\", \"modules\": [%s]}", m->model,
		 m->batch, model_dtype_name(m->op.dtype), module);
	rc = workload_load_string(spec, m->model, &w, err);
	if (rc < 0)
		return rc;
	model_host_init_cpu(&host, m->launch == MODEL_MEAS_LAUNCH_UNKNOWN
					   ? MODEL_LAUNCH_EAGER
					   : model_launch_of_meas(m->launch),
			    choice && choice->per_gpu ? model_host_cpu_of_gpu(gpu)
						      : MODEL_HOST_CPU_DEFAULT);
	hp = m->launch == MODEL_MEAS_LAUNCH_UNKNOWN ? NULL : &host;
	st.host_ns = st.end_ns = 0;
	if (hp)
		model_host_stream_init(hp, &st);
	if (m->input_pageable) { /* model.h: MODEL_MEAS_PAGEABLE_H2D_GBPS */
		double bytes = known[k].uses_seq ? 3.0 * 8 * m->batch * size
						 : 4.0 * 3 * m->batch * size * size;
		st.end_ns = (st.host_ns > st.end_ns ? st.host_ns : st.end_ns) +
			    bytes / MODEL_MEAS_PAGEABLE_H2D_GBPS;
		st.host_ns = st.end_ns;
	}
	rc = phase_ns(w, WORKLOAD_FWD, m->batch, gpu, sms, procs, hp, &st, err);
	if (rc == 0 && m->train)
		rc = phase_ns(w, WORKLOAD_BWD, m->batch, gpu, sms, procs, hp, &st, err);
	if (rc == 0 && m->train)
		rc = phase_ns(w, WORKLOAD_OPT, m->batch, gpu, sms, procs, hp, &st, err);
	*ns = st.end_ns;
	workload_free(w);
	return rc;
}
