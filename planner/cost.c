/* cost.c - the planning problem (per-layer scaling curves from the model),
 * its slices and layer splits (the estimate itself is in estimate.c). */
#include "planner/planner-internal.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- the problem ---- */

static void module_free(struct plan_module_cost *mc)
{
	free(mc->fwd_ns);
	free(mc->bwd_ns);
	free(mc->dram_gbps);
	free(mc->opt_ns);
	free(mc->static_bytes);
	free(mc->act_bytes);
	free(mc->grad_bytes);
	free(mc->host_ns);
	free(mc->cum_ns);
	free(mc->cum_static);
	free(mc->cum_act);
}

/* Prefix sums of every module's costs (see struct plan_module_cost). */
static int build_prefix(struct plan_problem *pb)
{
	int nq = pb->n_quotas;

	for (int m = 0; m < pb->n_modules; m++) {
		struct plan_module_cost *mc = &pb->modules[m];
		int L = mc->layers > 0 ? mc->layers : 0;

		free(mc->cum_ns);
		free(mc->cum_static);
		free(mc->cum_act);
		mc->cum_ns = calloc((size_t)(L + 1) * nq, sizeof(int64_t));
		mc->cum_static = calloc((size_t)L + 1, sizeof(int64_t));
		mc->cum_act = calloc((size_t)L + 1, sizeof(int64_t));
		if (!mc->cum_ns || !mc->cum_static || !mc->cum_act)
			return -1;
		for (int l = 0; l < L; l++) {
			for (int qi = 0; qi < nq; qi++)
				mc->cum_ns[(l + 1) * nq + qi] = mc->cum_ns[l * nq + qi] +
					mc->fwd_ns[l * nq + qi] + mc->bwd_ns[l * nq + qi];
			mc->cum_static[l + 1] = mc->cum_static[l] + mc->static_bytes[l];
			mc->cum_act[l + 1] = mc->cum_act[l] + mc->act_bytes[l];
		}
	}
	return 0;
}

void plan_problem_free(struct plan_problem *pb)
{
	if (!pb)
		return;
	for (int m = 0; m < pb->n_modules; m++)
		module_free(&pb->modules[m]);
	free(pb->modules);
	free(pb->edges);
	free(pb->topo);
	free(pb);
}

static void fill_quotas(struct plan_problem *pb)
{
	const struct model_gpu *gpu = pb->gpu;
	int step = gpu->part_step_sms > 0 ? gpu->part_step_sms : gpu->sms;
	int lo = gpu->part_min_sms > 0 ? gpu->part_min_sms : step;

	pb->n_quotas = 0;
	for (int q = lo; q < gpu->sms && pb->n_quotas < MODEL_CURVE_MAX - 1; q += step)
		if (model_quota_check(gpu, q, NULL) == 0)
			pb->quotas[pb->n_quotas++] = q;
	pb->quotas[pb->n_quotas++] = gpu->sms;
}

int plan_problem_quota_index(const struct plan_problem *pb, int sms)
{
	for (int i = 0; i < pb->n_quotas; i++)
		if (pb->quotas[i] == sms)
			return i;
	return -1;
}

struct plan_problem *plan_problem_alloc(const struct model_gpu *gpu, int n_gpus, int n_modules,
					const int *layers, int batch, int microbatch_size)
{
	struct plan_problem *pb = calloc(1, sizeof(*pb));

	if (!pb)
		return NULL;
	pb->gpu = gpu;
	pb->n_gpus = n_gpus;
	pb->gpus_per_node = 8;
	pb->link_gbps = gpu->nvlink_gbps > 0 ? gpu->nvlink_gbps : gpu->pcie_gbps;
	pb->net_gbps = 50;
	pb->batch = batch;
	pb->microbatch_size = microbatch_size;
	pb->min_gain = 0.05;
	fill_quotas(pb);
	pb->modules = calloc((size_t)(n_modules ? n_modules : 1), sizeof(*pb->modules));
	pb->topo = calloc((size_t)(n_modules ? n_modules : 1), sizeof(int));
	if (!pb->modules || !pb->topo)
		goto fail;
	pb->n_modules = n_modules;
	for (int m = 0; m < n_modules; m++) {
		struct plan_module_cost *mc = &pb->modules[m];
		size_t nl = (size_t)(layers[m] > 0 ? layers[m] : 1), nq = (size_t)pb->n_quotas;

		snprintf(mc->name, sizeof(mc->name), "m%d", m);
		mc->layers = layers[m];
		mc->fwd_ns = calloc(nl * nq, sizeof(int64_t));
		mc->bwd_ns = calloc(nl * nq, sizeof(int64_t));
		mc->dram_gbps = calloc(nl * nq, sizeof(double));
		mc->opt_ns = calloc(nl * nq, sizeof(int64_t));
		mc->static_bytes = calloc(nl, sizeof(int64_t));
		mc->act_bytes = calloc(nl, sizeof(int64_t));
		mc->grad_bytes = calloc(nl, sizeof(int64_t));
		mc->host_ns = calloc(nl * 3, sizeof(int64_t));
		if (!mc->fwd_ns || !mc->bwd_ns || !mc->dram_gbps || !mc->opt_ns || !mc->static_bytes ||
		    !mc->act_bytes || !mc->grad_bytes || !mc->host_ns)
			goto fail;
		pb->topo[m] = m;
	}
	return pb;
fail:
	plan_problem_free(pb);
	return NULL;
}

int plan_problem_finish(struct plan_problem *pb, struct mo_err *err)
{
	int n = pb->n_modules, *indeg = calloc((size_t)(n ? n : 1), sizeof(int)), head = 0, tail = 0;

	if (!indeg)
		return mo_err_set(err, MO_ENOMEM, "plan: out of memory");
	for (int e = 0; e < pb->n_edges; e++) {
		if (pb->edges[e].from < 0 || pb->edges[e].from >= n || pb->edges[e].to < 0 ||
		    pb->edges[e].to >= n) {
			free(indeg);
			return mo_err_set(err, MO_EINPUT, "plan problem: edge %d names no module", e);
		}
		indeg[pb->edges[e].to]++;
	}
	for (int m = 0; m < n; m++)
		if (!indeg[m])
			pb->topo[tail++] = m;
	while (head < tail) {
		int m = pb->topo[head++];

		for (int e = 0; e < pb->n_edges; e++)
			if (pb->edges[e].from == m && --indeg[pb->edges[e].to] == 0)
				pb->topo[tail++] = pb->edges[e].to;
	}
	free(indeg);
	if (tail != n)
		return mo_err_set(err, MO_EINPUT, "plan problem: the module graph has a cycle");
	if (build_prefix(pb))
		return mo_err_set(err, MO_ENOMEM, "plan: out of memory");
	return 0;
}

/* Kernel times of one layer and phase under every quota; returns DRAM bytes
 * and, when host is not NULL, the host CPU time to issue them one by one:
 * by a graph executor's cost under MODEL_LAUNCH_EXECUTOR, else eagerly
 * (under MODEL_LAUNCH_GRAPHS the estimate turns a nonzero time into one
 * graph launch per task, estimate.c slot_host). */
int pl_time_layer(const struct workload *w, int m, int l, int phase, int samples,
		  struct plan_problem *pb, int64_t *ns, int64_t *bytes, int64_t *host,
		  struct mo_err *err)
{
	struct trace_mem tm;
	struct model_host mh;
	int64_t opt_host;
	int rc;

	model_host_init_cpu(&mh, pb->launch_mode == MODEL_LAUNCH_EXECUTOR ? MODEL_LAUNCH_EXECUTOR
									 : MODEL_LAUNCH_EAGER, pb->host_cpu);
	if (host)
		*host = 0;
	trace_mem_init(&tm);
	rc = workload_kernels(w, m, l, l + 1, phase, samples, pb->gpu, &tm, err);
	if (rc) {
		trace_mem_release(&tm);
		return rc;
	}
	for (int qi = 0; qi < pb->n_quotas; qi++)
		ns[qi] = 0;
	*bytes = 0;
	/* the optimizer step's CPU time by its tensors (per kernel otherwise) */
	opt_host = phase == WORKLOAD_OPT ? workload_host_opt_ns(w, m, l, l + 1, &mh) : -1;
	if (host && opt_host >= 0)
		*host = opt_host;
	for (size_t i = 0; i < tm.n; i++) {
		const struct trace_record *r = &tm.recs[i];

		if (r->kind != TRACE_KIND_KERNEL)
			continue;
		if (r->u.kernel.bytes > 0)
			*bytes += r->u.kernel.bytes;
		if (host && opt_host < 0)
			*host += workload_host_record_ns(w, m, phase, &mh, &r->u.kernel);
		for (int qi = 0; qi < pb->n_quotas; qi++)
			ns[qi] += model_kernel_ns_at_quota(pb->gpu, &r->u.kernel, pb->gpu->sms, pb->quotas[qi]);
	}
	trace_mem_release(&tm);
	return 0;
}

/* Module m's predicted cost per layer and quota (forward, backward and
 * optimizer time, DRAM rate, host time) and its memory per layer into
 * pb->modules[m], at microbatch_size samples.  0, or pl_time_layer's
 * nonzero error with err prefixed by the module and layer. */
static int cost_module(const struct workload *w, int m, int microbatch_size, struct plan_problem *pb,
		       struct mo_err *err)
{
	const struct workload_module *wm = &w->modules[m];
	struct plan_module_cost *mc = &pb->modules[m];
	int nq = pb->n_quotas, rc;
	int64_t f[MODEL_CURVE_MAX], b[MODEL_CURVE_MAX], o[MODEL_CURVE_MAX];

	snprintf(mc->name, sizeof(mc->name), "%s", wm->name);
	mc->kind = wm->kind;
	mc->boundary_bytes = (int64_t)wm->seq * wm->hidden * model_dtype_bytes(w->dtype) * microbatch_size;
	for (int l = 0; l < wm->layers; l++) {
		int64_t fb, bb, ob, *h = &mc->host_ns[l * 3];
		struct workload_memory mem;

		if ((rc = pl_time_layer(w, m, l, WORKLOAD_FWD, microbatch_size, pb, f, &fb, &h[0], err)) ||
		    (rc = pl_time_layer(w, m, l, WORKLOAD_BWD, microbatch_size, pb, b, &bb, &h[1], err)) ||
		    (rc = pl_time_layer(w, m, l, WORKLOAD_OPT, microbatch_size, pb, o, &ob, &h[2], err))) {
			mo_err_prefix(err, "module '%s' layer %d", wm->name, l);
			return rc;
		}
		for (int qi = 0; qi < nq; qi++) {
			int64_t t = f[qi] + b[qi];

			mc->fwd_ns[l * nq + qi] = f[qi];
			mc->bwd_ns[l * nq + qi] = b[qi];
			mc->opt_ns[l * nq + qi] = o[qi];
			mc->dram_gbps[l * nq + qi] = t > 0 ? (double)(fb + bb) / (double)t : 0;
		}
		workload_memory(w, m, l, l + 1, &mem);
		mc->static_bytes[l] = mem.params + mem.grads + mem.optimizer;
		mc->act_bytes[l] = mem.act_per_sample * microbatch_size;
		mc->grad_bytes[l] = mem.grads;
	}
	return 0;
}

int plan_problem_new(const struct workload *w, const struct model_gpu *gpu, int n_gpus,
		     int microbatch_size, struct plan_problem **out, struct mo_err *err)
{
	struct plan_problem *pb;
	int *layers = malloc((size_t)(w->n_modules + 1) * sizeof(int)), rc = 0;

	*out = NULL;
	if (!layers)
		return mo_err_set(err, MO_ENOMEM, "plan: out of memory");
	if (n_gpus < 1 || n_gpus > PLAN_MAX_GPUS)
		return free(layers), mo_err_set(err, MO_EUSAGE,
			"plan: %d GPUs: from 1 to %d (PLAN_MAX_GPUS: the largest cluster that "
			"plans within a minute)", n_gpus, PLAN_MAX_GPUS);
	if (microbatch_size < 1 || w->batch % microbatch_size)
		return free(layers), mo_err_set(err, MO_EUSAGE,
			"plan: microbatch size %d does not divide the batch of %d", microbatch_size, w->batch);
	for (int m = 0; m < w->n_modules; m++)
		layers[m] = w->modules[m].layers;
	pb = plan_problem_alloc(gpu, n_gpus, w->n_modules, layers, w->batch, microbatch_size);
	free(layers);
	if (!pb)
		return mo_err_set(err, MO_ENOMEM, "plan: out of memory");
	snprintf(pb->workload, sizeof(pb->workload), "%s", w->name);
	if (w->gpus_per_node > 0)
		pb->gpus_per_node = w->gpus_per_node;
	if (w->nvlink_gbps > 0)
		pb->link_gbps = w->nvlink_gbps;
	if (w->net_gbps > 0)
		pb->net_gbps = w->net_gbps;
	pb->host_issue = w->host_issue;
	pb->launch_mode = w->launch_mode;
	pb->host_cpu = w->host_cpu;
	pb->edges = calloc((size_t)(w->n_edges + 1), sizeof(*pb->edges));
	if (!pb->edges) {
		rc = mo_err_set(err, MO_ENOMEM, "plan: out of memory");
		goto fail;
	}
	pb->n_edges = w->n_edges;
	for (int e = 0; e < w->n_edges; e++)
		pb->edges[e] = (struct plan_edge_cost){w->edges[e].from, w->edges[e].to,
						       w->edges[e].bytes_per_sample * microbatch_size};
	for (int m = 0; m < w->n_modules; m++)
		if ((rc = cost_module(w, m, microbatch_size, pb, err)) != 0)
			goto fail;
	for (int m = 0; m < w->n_modules; m++)
		if ((rc = pl_apply_measured(w, m, pb, err)) < 0)
			goto fail;
	pb->matrix = w->matrix;
	workload_topo_order(w, pb->topo);
	if (build_prefix(pb)) {
		rc = mo_err_set(err, MO_ENOMEM, "plan: out of memory");
		goto fail;
	}
	*out = pb;
	return 0;
fail:
	plan_problem_free(pb);
	return rc ? rc : -MO_EINPUT;
}

/* ---- slices ---- */

int64_t pl_slice_ns(const struct plan_problem *pb, int m, int lb, int le, int qi)
{
	const struct plan_module_cost *mc = &pb->modules[m];
	int64_t t = 0;

	if (mc->cum_ns)
		return mc->cum_ns[le * pb->n_quotas + qi] - mc->cum_ns[lb * pb->n_quotas + qi];
	for (int l = lb; l < le; l++)
		t += mc->fwd_ns[l * pb->n_quotas + qi] + mc->bwd_ns[l * pb->n_quotas + qi];
	return t;
}

/* The sum of per[lb .. le): from the prefix sums cum when there are some. */
static int64_t slice_sum(const int64_t *cum, const int64_t *per, int lb, int le)
{
	int64_t s = 0;

	if (cum)
		return cum[le] - cum[lb];
	for (int l = lb; l < le; l++)
		s += per[l];
	return s;
}

int64_t pl_slice_static(const struct plan_problem *pb, int m, int lb, int le)
{
	return slice_sum(pb->modules[m].cum_static, pb->modules[m].static_bytes, lb, le);
}

int64_t pl_slice_act(const struct plan_problem *pb, int m, int lb, int le)
{
	return slice_sum(pb->modules[m].cum_act, pb->modules[m].act_bytes, lb, le);
}

/* The first layer l in [lo, hi) whose midpoint, the prefix before it plus
 * half its own time, passes target; hi when none does.  The midpoints grow
 * with l (times are not negative), so a binary search finds it. */
static int split_point(const struct plan_problem *pb, int m, int qi, int lo, int hi, double target)
{
	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;

		if ((double)pl_slice_ns(pb, m, 0, mid, qi) + pl_slice_ns(pb, m, mid, mid + 1, qi) / 2.0 <= target)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void pl_split_layers(const struct plan_problem *pb, int m, int n, int qi, int *bounds)
{
	int L = pb->modules[m].layers;
	int64_t total = pl_slice_ns(pb, m, 0, L, qi);
	int l = 0;

	bounds[0] = 0;
	for (int s = 1; s < n; s++) {
		/* the prefix reaching s/n of the total, leaving a layer per stage
		 * and giving one to every stage before */
		double target = (double)total * s / n;
		int lim = L - (n - s);

		if (l < lim && l < s)
			l = s < lim ? s : lim;
		if (l < lim)
			l = split_point(pb, m, qi, l, lim, target);
		bounds[s] = l;
	}
	bounds[n] = L;
}
