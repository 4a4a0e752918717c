/*
 * profile.c - two small analyses the bench's experiments ask of the engine:
 * one module's kernels simulated alone on a partition (the ground truth of
 * the prediction-error figure) and how often a schedule's partitions switch
 * between slots (the overhead figure).
 */
#include "engine/engine.h"

#include <stdlib.h>

int engine_sim_alone(const struct engine_cluster *c, const struct trace_mem *km, int sms,
		     int64_t *ns, struct mo_err *err)
{
	struct engine_sim *s;
	struct engine_kernel *ek;
	struct engine_sim_stats st;
	size_t n = 0;
	int rc, part, stream = -1;

	ek = calloc(km->n ? km->n : 1, sizeof(*ek));
	if (!ek)
		return mo_err_set(err, MO_ENOMEM, "out of memory");
	for (size_t i = 0; i < km->n; i++) {
		if (km->recs[i].kind != TRACE_KIND_KERNEL)
			continue;
		engine_kernel_from_trace(c->gpu, &km->recs[i].u.kernel, c->gpu->sms, &ek[n]);
		ek[n].gap_ns = c->launch_ns;
		n++;
	}
	*ns = 0;
	if (!n) {
		free(ek);
		return 0;
	}
	s = engine_sim_new(c, err);
	if (!s) {
		free(ek);
		return err && err->code ? err->code : -MO_ENOMEM;
	}
	part = engine_sim_add_partition(s, 0, sms, err);
	rc = part < 0 ? part : 0;
	if (!rc) {
		stream = engine_sim_add_stream(s, 0, part, err);
		rc = stream < 0 ? stream : 0;
	}
	if (!rc) {
		int64_t op = engine_sim_add_kernels(s, stream, ek, n, NULL, NULL, 0, err);

		rc = op < 0 ? (int)op : 0;
	}
	if (!rc)
		rc = engine_sim_run(s, NULL, err);
	if (!rc) {
		engine_sim_stats(s, &st);
		*ns = st.span_ns;
	}
	engine_sim_free(s);
	free(ek);
	return rc;
}

int engine_schedule_switches(const struct plan *p, const struct workload *w,
			     const struct model_gpu *gpu, struct mo_err *err)
{
	struct engine_schedule *sc = NULL;
	int *last, switches = 0;
	int rc = engine_schedule_build(p, w, gpu, &sc, err);

	if (rc)
		return rc;
	last = malloc((size_t)(sc->n_streams > 0 ? sc->n_streams : 1) * sizeof(*last));
	if (!last) {
		engine_schedule_free(sc);
		return mo_err_set(err, MO_ENOMEM, "out of memory");
	}
	for (int s = 0; s < sc->n_streams; s++)
		last[s] = -1;
	for (size_t i = 0; i < sc->n_tasks; i++) {
		const struct engine_task *tk = &sc->tasks[i];

		if (tk->kind != ENGINE_TASK_FWD && tk->kind != ENGINE_TASK_BWD &&
		    tk->kind != ENGINE_TASK_OPT)
			continue;
		if (tk->stream < 0 || tk->stream >= sc->n_streams)
			continue;
		if (last[tk->stream] >= 0 && last[tk->stream] != tk->slot)
			switches++;
		last[tk->stream] = tk->slot;
	}
	free(last);
	engine_schedule_free(sc);
	return switches;
}
