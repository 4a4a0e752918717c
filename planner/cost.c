/* cost.c - the planning problem (per-layer scaling curves from the model) and
 * the cost model: a plan's predicted iteration time (see planner.h). */
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
 * and, when host is not NULL, the eager host CPU time to issue them. */
int pl_time_layer(const struct workload *w, int m, int l, int phase, int samples,
		  struct plan_problem *pb, int64_t *ns, int64_t *bytes, int64_t *host,
		  struct mo_err *err)
{
	struct trace_mem tm;
	struct model_host mh;
	int rc;

	model_host_init(&mh, MODEL_LAUNCH_EAGER);
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
	for (size_t i = 0; i < tm.n; i++) {
		const struct trace_record *r = &tm.recs[i];

		if (r->kind != TRACE_KIND_KERNEL)
			continue;
		if (r->u.kernel.bytes > 0)
			*bytes += r->u.kernel.bytes;
		if (host)
			*host += model_host_kernel_ns(&mh, (int)r->u.kernel.kclass);
		for (int qi = 0; qi < pb->n_quotas; qi++)
			ns[qi] += model_kernel_ns_at_quota(pb->gpu, &r->u.kernel, pb->gpu->sms, pb->quotas[qi]);
	}
	trace_mem_release(&tm);
	return 0;
}

int plan_problem_new(const struct workload *w, const struct model_gpu *gpu, int n_gpus,
		     int microbatch_size, struct plan_problem **out, struct mo_err *err)
{
	struct plan_problem *pb;
	int *layers = malloc((size_t)(w->n_modules + 1) * sizeof(int)), rc = 0;
	int64_t f[MODEL_CURVE_MAX], b[MODEL_CURVE_MAX], o[MODEL_CURVE_MAX];

	*out = NULL;
	if (!layers)
		return mo_err_set(err, MO_ENOMEM, "plan: out of memory");
	if (n_gpus < 1 || n_gpus > PLAN_MAX_GPUS)
		return free(layers), mo_err_set(err, MO_EUSAGE,
			"plan: %d GPUs: from 1 to %d (PLAN_MAX_GPUS: planning time grows as GPUs "
			"squared; the limit plans within a minute)", n_gpus, PLAN_MAX_GPUS);
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
	pb->edges = calloc((size_t)(w->n_edges + 1), sizeof(*pb->edges));
	if (!pb->edges) {
		rc = mo_err_set(err, MO_ENOMEM, "plan: out of memory");
		goto fail;
	}
	pb->n_edges = w->n_edges;
	for (int e = 0; e < w->n_edges; e++)
		pb->edges[e] = (struct plan_edge_cost){w->edges[e].from, w->edges[e].to,
						       w->edges[e].bytes_per_sample * microbatch_size};
	for (int m = 0; m < w->n_modules; m++) {
		const struct workload_module *wm = &w->modules[m];
		struct plan_module_cost *mc = &pb->modules[m];
		int nq = pb->n_quotas;

		snprintf(mc->name, sizeof(mc->name), "%s", wm->name);
		mc->kind = wm->kind;
		mc->boundary_bytes = (int64_t)wm->seq * wm->hidden * model_dtype_bytes(w->dtype) *
				     microbatch_size;
		for (int l = 0; l < wm->layers; l++) {
			int64_t fb, bb, ob;
			struct workload_memory mem;

			int64_t *h = &mc->host_ns[l * 3];

			if ((rc = pl_time_layer(w, m, l, WORKLOAD_FWD, microbatch_size, pb, f, &fb, &h[0], err)) ||
			    (rc = pl_time_layer(w, m, l, WORKLOAD_BWD, microbatch_size, pb, b, &bb, &h[1], err)) ||
			    (rc = pl_time_layer(w, m, l, WORKLOAD_OPT, microbatch_size, pb, o, &ob, &h[2], err))) {
				mo_err_prefix(err, "module '%s' layer %d", wm->name, l);
				goto fail;
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
	}
	for (int m = 0; m < w->n_modules; m++)
		if ((rc = pl_apply_measured(w, m, pb, err)) < 0)
			goto fail;
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

int64_t pl_slice_static(const struct plan_problem *pb, int m, int lb, int le)
{
	int64_t s = 0;

	if (pb->modules[m].cum_static)
		return pb->modules[m].cum_static[le] - pb->modules[m].cum_static[lb];
	for (int l = lb; l < le; l++)
		s += pb->modules[m].static_bytes[l];
	return s;
}

int64_t pl_slice_act(const struct plan_problem *pb, int m, int lb, int le)
{
	int64_t s = 0;

	if (pb->modules[m].cum_act)
		return pb->modules[m].cum_act[le] - pb->modules[m].cum_act[lb];
	for (int l = lb; l < le; l++)
		s += pb->modules[m].act_bytes[l];
	return s;
}

void pl_split_layers(const struct plan_problem *pb, int m, int n, int qi, int *bounds)
{
	int L = pb->modules[m].layers;
	int64_t total = pl_slice_ns(pb, m, 0, L, qi), acc = 0;
	int l = 0;

	bounds[0] = 0;
	for (int s = 1; s < n; s++) {
		/* advance until the prefix reaches s/n of the total, leaving a layer per stage */
		double target = (double)total * s / n;

		while (l < L - (n - s) && (l < s || acc + pl_slice_ns(pb, m, l, l + 1, qi) / 2.0 <= target)) {
			acc += pl_slice_ns(pb, m, l, l + 1, qi);
			l++;
		}
		bounds[s] = l;
	}
	bounds[n] = L;
}

/* ---- the estimate ---- */

static int modinfo_from_problem(const struct plan_problem *pb, struct pl_modinfo *mi)
{
	const char **names = malloc((size_t)(pb->n_modules + 1) * sizeof(*names));
	int *layers = malloc((size_t)(pb->n_modules + 1) * sizeof(int));
	int *ef = malloc((size_t)(pb->n_edges + 1) * sizeof(int));
	int *et = malloc((size_t)(pb->n_edges + 1) * sizeof(int));

	if (!names || !layers || !ef || !et) {
		free(names);
		free(layers);
		free(ef);
		free(et);
		return -1;
	}
	for (int m = 0; m < pb->n_modules; m++) {
		names[m] = pb->modules[m].name;
		layers[m] = pb->modules[m].layers;
	}
	for (int e = 0; e < pb->n_edges; e++) {
		ef[e] = pb->edges[e].from;
		et[e] = pb->edges[e].to;
	}
	*mi = (struct pl_modinfo){pb->n_modules, names, layers, pb->n_edges, ef, et};
	return 0;
}

static void modinfo_release(struct pl_modinfo *mi)
{
	free((void *)mi->names);
	free((void *)mi->layers);
	free((void *)mi->efrom);
	free((void *)mi->eto);
}

static double link_gbps(const struct plan_problem *pb, int a, int b)
{
	int per = pb->gpus_per_node > 0 ? pb->gpus_per_node : 8;

	return a / per == b / per ? pb->link_gbps : pb->net_gbps;
}

static int64_t xfer_ns(double bytes, double gbps)
{
	return gbps > 0 ? (int64_t)(bytes / gbps) : 0;
}

/* Communication of one microbatch from unit u to unit v (activations one way). */
/* The load of a partition of sms SMs asking for gbps of DRAM bandwidth: its
 * memory-bound fraction is its demand over its SMs' ceiling, the rest is
 * taken as tensor-core work (model_corun_slowdown). */
static void part_load(const struct model_gpu *gpu, int sms, double gbps, struct model_load *l)
{
	double ceil_s = model_dram_gbps_at(gpu, sms);

	l->sms = sms;
	l->dram_gbps = gbps;
	l->mem_frac = ceil_s > 0 ? (gbps / ceil_s < 1 ? gbps / ceil_s : 1) : 0;
	l->tensor_sms = sms * (1 - l->mem_frac);
}

/* The slowdown of a slot asking for gbps on partition r beside the other
 * partitions of its GPU: the model's co-run term (DRAM shared as the
 * simulator shares it, the clock of the busy GPU). */
static double slot_corun(const struct model_gpu *gpu, const struct plan_estimate *est,
			 const int *part_base, const double *part_gbps, int r, double gbps)
{
	struct model_load own, others[MODEL_CORUN_MAX];
	int gi = est->parts[r].gpu, n = 0;

	part_load(gpu, est->parts[r].sms, gbps, &own);
	for (int o = part_base[gi]; o < part_base[gi + 1] && n < MODEL_CORUN_MAX; o++)
		if (o != r)
			part_load(gpu, est->parts[o].sms, part_gbps[o], &others[n++]);
	return model_corun_slowdown(gpu, &own, others, n);
}

/* How much later a partition of sms SMs ends its pipeline work because an
 * all-reduce moving data from start to end (ns relative to the pipeline's
 * end) holds model_comm_held_sms() of its SMs while rem ns of its backward
 * are still to run (from -rem to 0): the overlap runs on the SMs left. */
static int64_t comm_hold_ns(int sms, int64_t start, int64_t end, int64_t rem)
{
	int64_t lo = start > -rem ? start : -rem, hi = end < 0 ? end : 0;

	double held = model_comm_held_sms(1, sms);

	if (hi <= lo)
		return 0;
	return (int64_t)llround((double)(hi - lo) * held / (sms - held));
}

static int64_t edge_comm(const struct plan_problem *pb, const struct pl_graph *g, int u, int v)
{
	const struct pl_unit *a = &g->units[u], *b = &g->units[v];
	int ga = g->flat[a->slots[0]].gpu, gb = g->flat[b->slots[0]].gpu;
	int64_t bytes = 0;

	if (ga == gb)
		return 0;
	if (a->module == b->module)
		bytes = pb->modules[a->module].boundary_bytes;
	else
		for (int e = 0; e < pb->n_edges; e++)
			if (pb->edges[e].from == a->module && pb->edges[e].to == b->module)
				bytes += pb->edges[e].bytes_per_mb;
	return xfer_ns((double)bytes, link_gbps(pb, ga, gb));
}

struct part_ref {
	int gpu, part, first_slot; /* first_slot: index into the partition table */
};

void plan_estimate_release(struct plan_estimate *est)
{
	if (!est)
		return;
	free(est->parts);
	est->parts = NULL;
	est->n_parts = 0;
}

/*
 * Fill and drain around a partition that hosts several pipeline units.  Along
 * a path through the DAG the partition waits for the path that reaches its
 * first own unit (head) and for the path that leaves its last own unit
 * (tail).  Between two of its own units u then v on one path, it waits for
 * the gap g (the path from u's end to v's start) only in part: while
 * microbatch i travels the gap, it runs the forwards of the next microbatches
 * of u that 1F1B lets in flight, credit[u] of work, so it idles
 * max(0, g - credit[u]) there.  The bubble is the largest head + idle gaps +
 * tail over the paths that join its own units (own marks them).  With zero
 * credit this is the longest path with the own units weighing nothing; with
 * one own unit, the classic fill and drain of a 1F1B pipeline.
 * Scratch arrays of n_units: head, tail, idle, dist.
 */
#define NEG INT64_MIN
/* Longest paths forward through units that are not own, from the units at
 * topological positions k0 on: val[x] (NEG: not reached) is carried over
 * each unit that is reached and not own, adding its weight and the edge's
 * communication; own units receive a value but pass nothing on. */
static void through_others(const struct pl_graph *g, const int64_t *w, const int64_t *comm,
			   const int *comm_off, const int *own, int k0, int64_t *val)
{
	for (int k = k0; k < g->n_units; k++) {
		int u = g->order[k];

		if (own[u] || val[u] == NEG)
			continue;
		for (int j = 0; j < g->units[u].n_succ; j++) {
			int v = g->units[u].succ[j];
			int64_t c = val[u] + w[u] + comm[comm_off[u] + j];

			if (c > val[v])
				val[v] = c;
		}
	}
}

static int64_t shared_bubble(const struct pl_graph *g, const int64_t *w, const int64_t *comm,
			     const int *comm_off, const int *own, const int64_t *credit,
			     const int *has_pred, int64_t *head, int64_t *tail, int64_t *idle,
			     int64_t *dist)
{
	int64_t best = 0;

	/* head: the longest path into each unit through other units only */
	for (int u = 0; u < g->n_units; u++)
		head[u] = has_pred[u] ? NEG : 0;
	through_others(g, w, comm, comm_off, own, 0, head);
	/* tail: the longest path out of each unit through other units only */
	for (int k = g->n_units - 1; k >= 0; k--) {
		int u = g->order[k];
		int64_t t = g->units[u].n_succ ? NEG : 0;

		for (int j = 0; j < g->units[u].n_succ; j++) {
			int v = g->units[u].succ[j];

			if (!own[v] && tail[v] != NEG && comm[comm_off[u] + j] + w[v] + tail[v] > t)
				t = comm[comm_off[u] + j] + w[v] + tail[v];
		}
		tail[u] = t;
	}
	/* idle before each own unit, own units in topological order: the gaps
	 * from u to the own units it reaches through other units */
	for (int u = 0; u < g->n_units; u++)
		idle[u] = own[u] ? head[u] : NEG;
	for (int k = 0; k < g->n_units; k++) {
		int u = g->order[k];

		if (!own[u] || idle[u] == NEG)
			continue;
		for (int x = 0; x < g->n_units; x++)
			dist[x] = NEG;
		for (int j = 0; j < g->units[u].n_succ; j++)
			if (comm[comm_off[u] + j] > dist[g->units[u].succ[j]])
				dist[g->units[u].succ[j]] = comm[comm_off[u] + j];
		through_others(g, w, comm, comm_off, own, k + 1, dist);
		for (int x = 0; x < g->n_units; x++)
			if (own[x] && dist[x] != NEG) {
				int64_t gap = dist[x] - credit[u], c = idle[u] + (gap > 0 ? gap : 0);

				if (c > idle[x])
					idle[x] = c;
			}
	}
	for (int u = 0; u < g->n_units; u++)
		if (own[u] && idle[u] != NEG && tail[u] != NEG && idle[u] + tail[u] > best)
			best = idle[u] + tail[u];
	return best;
}
#undef NEG

/* A slot's host CPU time per microbatch (fwd, bwd) and for its optimizer
 * step, under the plan's launch mode; zero without a host term. */
static void slot_host(const struct plan_problem *pb, const struct plan *p,
		      const struct plan_module_cost *mc, int lb, int le, int64_t *hf, int64_t *hb,
		      int64_t *ho)
{
	*hf = *hb = *ho = 0;
	if (p->host_issue == MODEL_HOST_NONE || !mc->host_ns)
		return;
	for (int l = lb; l < le; l++) {
		*hf += mc->host_ns[l * 3];
		*hb += mc->host_ns[l * 3 + 1];
		*ho += mc->host_ns[l * 3 + 2];
	}
	if (p->launch_mode == MODEL_LAUNCH_GRAPHS) { /* one graph launch per task */
		*hf = *hf > 0 ? MODEL_HOST_GRAPH_LAUNCH_NS : 0;
		*hb = *hb > 0 ? MODEL_HOST_GRAPH_LAUNCH_NS : 0;
		*ho = *ho > 0 ? MODEL_HOST_GRAPH_LAUNCH_NS : 0;
	}
	(void)pb;
}

/* The largest host thread's CPU time over the iteration: per slot, or per
 * GPU (the sum over its slots); iter_ns is at least that. */
static void host_bound(const struct plan *p, const struct pl_graph *g, int M, const int64_t *hf,
		       const int64_t *hb, const int64_t *ho, struct plan_estimate *est)
{
	est->host_ns = 0;
	est->host_gpu = -1;
	if (p->host_issue == MODEL_HOST_NONE)
		return;
	for (int gi = 0; gi < p->n_gpus; gi++) {
		int64_t per_gpu = 0;
		for (int f = 0; f < g->n_flat; f++) {
			const struct pl_unit *un = &g->units[g->flat[f].unit];
			int64_t t;
			if (g->flat[f].gpu != gi)
				continue;
			t = (int64_t)pl_replica_share(M, un->replicas, g->flat[f].replica) *
				    (hf[f] + hb[f]) + ho[f];
			per_gpu += t;
			if (p->host_issue == MODEL_HOST_PER_SLOT && t > est->host_ns) {
				est->host_ns = t;
				est->host_gpu = gi;
			}
		}
		if (p->host_issue == MODEL_HOST_PER_GPU && per_gpu > est->host_ns) {
			est->host_ns = per_gpu;
			est->host_gpu = gi;
		}
	}
	if (est->host_ns > est->iter_ns)
		est->iter_ns = est->host_ns;
}

int plan_estimate(const struct plan_problem *pb, const struct plan *p, struct plan_estimate *est,
		  struct mo_err *err)
{
	struct pl_modinfo mi;
	struct pl_graph g;
	int nq = pb->n_quotas, M = p->microbatches, rc = 0, np = 0;
	int *part_base = NULL, *slot_part = NULL, *slot_qi = NULL, *on_r = NULL;
	double *slot_gbps = NULL, *part_gbps = NULL, *gpu_gbps = NULL;
	int64_t *slot_f = NULL, *slot_b = NULL, *unit_w = NULL, *pre = NULL, *suf = NULL, *gsync = NULL;
	int64_t *succ_comm_cache = NULL, *credit = NULL, *idle = NULL, *dist = NULL;
	int64_t *slot_hf = NULL, *slot_hb = NULL, *slot_ho = NULL;
	int *succ_off = NULL, *has_pred = NULL;

	memset(est, 0, sizeof(*est));
	if (modinfo_from_problem(pb, &mi))
		return mo_err_set(err, MO_ENOMEM, "plan: out of memory");
	rc = pl_graph_build(p, &mi, &g, err);
	modinfo_release(&mi);
	if (rc)
		return rc;
	part_base = calloc((size_t)p->n_gpus + 1, sizeof(int));
	if (!part_base)
		goto oom;
	for (int gi = 0; gi < p->n_gpus; gi++) {
		part_base[gi] = np;
		np += p->gpus[gi].n_partitions;
	}
	part_base[p->n_gpus] = np;
	est->parts = calloc((size_t)(np ? np : 1), sizeof(*est->parts));
	slot_part = calloc((size_t)g.n_flat + 1, sizeof(int));
	slot_qi = calloc((size_t)g.n_flat + 1, sizeof(int));
	slot_gbps = calloc((size_t)g.n_flat + 1, sizeof(double));
	slot_f = calloc((size_t)g.n_flat + 1, sizeof(int64_t));
	slot_b = calloc((size_t)g.n_flat + 1, sizeof(int64_t));
	part_gbps = calloc((size_t)np + 1, sizeof(double));
	gpu_gbps = calloc((size_t)p->n_gpus + 1, sizeof(double));
	unit_w = calloc((size_t)g.n_units + 1, sizeof(int64_t));
	pre = calloc((size_t)g.n_units + 1, sizeof(int64_t));
	suf = calloc((size_t)g.n_units + 1, sizeof(int64_t));
	on_r = calloc((size_t)g.n_units + 1, sizeof(int));
	gsync = calloc((size_t)p->n_gpus + 1, sizeof(int64_t));
	succ_off = calloc((size_t)g.n_units + 1, sizeof(int));
	has_pred = calloc((size_t)g.n_units + 1, sizeof(int));
	credit = calloc((size_t)g.n_units + 1, sizeof(int64_t));
	idle = calloc((size_t)g.n_units + 1, sizeof(int64_t));
	dist = calloc((size_t)g.n_units + 1, sizeof(int64_t));
	slot_hf = calloc((size_t)g.n_flat + 1, sizeof(int64_t));
	slot_hb = calloc((size_t)g.n_flat + 1, sizeof(int64_t));
	slot_ho = calloc((size_t)g.n_flat + 1, sizeof(int64_t));
	if (!slot_hf || !slot_hb || !slot_ho)
		goto oom;
	if (!est->parts || !slot_part || !slot_qi || !slot_gbps || !slot_f || !slot_b || !part_gbps ||
	    !gpu_gbps || !unit_w || !pre || !suf || !on_r || !gsync || !succ_off ||
	    !has_pred || !credit || !idle || !dist)
		goto oom;
	est->n_parts = np;
	for (int gi = 0; gi < p->n_gpus; gi++)
		for (int i = 0; i < p->gpus[gi].n_partitions; i++) {
			struct plan_part_estimate *pe = &est->parts[part_base[gi] + i];

			pe->gpu = gi;
			pe->partition = i;
			pe->sms = p->gpus[gi].partitions[i].sms;
			pe->interference = 1.0;
			if (plan_problem_quota_index(pb, pe->sms) < 0) {
				rc = mo_err_set(err, MO_EINPUT,
						"GPU %d partition %d: %d SMs is not a quota of %s", gi, i,
						pe->sms, pb->gpu->short_name);
				goto out;
			}
		}
	/* per slot: quota, time-weighted DRAM demand */
	for (int f = 0; f < g.n_flat; f++) {
		const struct pl_flat *fl = &g.flat[f];
		const struct pl_unit *un = &g.units[fl->unit];
		const struct plan_module_cost *mc = &pb->modules[un->module];
		int r = part_base[fl->gpu] + fl->part, qi = plan_problem_quota_index(pb, est->parts[r].sms);
		double bytes = 0;
		int64_t fs = 0, bs = 0;

		for (int l = un->lb; l < un->le; l++) {
			int k = l * nq + qi;

			fs += mc->fwd_ns[k];
			bs += mc->bwd_ns[k];
			bytes += mc->dram_gbps[k] * (double)(mc->fwd_ns[k] + mc->bwd_ns[k]);
		}
		slot_part[f] = r;
		slot_qi[f] = qi;
		slot_host(pb, p, mc, un->lb, un->le, &slot_hf[f], &slot_hb[f], &slot_ho[f]);
		slot_f[f] = fs;
		slot_b[f] = bs;
		slot_gbps[f] = fs + bs > 0 ? bytes / (double)(fs + bs) : 0;
	}
	/* partition demand: time-weighted mean of its slots; GPU demand: sum */
	{
		double *wsum = calloc((size_t)np + 1, sizeof(double)), *tsum = calloc((size_t)np + 1, sizeof(double));

		if (!wsum || !tsum) {
			free(wsum);
			free(tsum);
			goto oom;
		}
		for (int f = 0; f < g.n_flat; f++) {
			double t = (double)(slot_f[f] + slot_b[f]);

			wsum[slot_part[f]] += slot_gbps[f] * t;
			tsum[slot_part[f]] += t;
		}
		for (int r = 0; r < np; r++) {
			part_gbps[r] = tsum[r] > 0 ? wsum[r] / tsum[r] : 0;
			gpu_gbps[est->parts[r].gpu] += part_gbps[r];
		}
		free(wsum);
		free(tsum);
	}
	/* interference and load */
	for (int f = 0; f < g.n_flat; f++) {
		int r = slot_part[f], gi = est->parts[r].gpu;
		double others = gpu_gbps[gi] - part_gbps[r], slow = 1.0;
		const struct pl_unit *un = &g.units[g.flat[f].unit];

		if (p->gpus[gi].n_partitions > 1 && others > 1e-9) {
			slow = slot_corun(pb->gpu, est, part_base, part_gbps, r, slot_gbps[f]);
			if (!(slow >= 1.0))
				slow = 1.0;
		}
		if (slow > est->parts[r].interference)
			est->parts[r].interference = slow;
		slot_f[f] = (int64_t)llround((double)slot_f[f] * slow);
		slot_b[f] = (int64_t)llround((double)slot_b[f] * slow);
		est->parts[r].load_ns += (int64_t)pl_replica_share(M, un->replicas, g.flat[f].replica) *
					 (slot_f[f] + slot_b[f]);
	}
	/* unit weights: slowest replica, per microbatch, fwd + bwd; credit: the
	 * forwards of the further microbatches 1F1B lets a replica run ahead */
	for (int u = 0; u < g.n_units; u++) {
		int64_t fwd = 0;
		int share = pl_share(M, g.units[u].replicas), window = share;
		int ahead;

		if (p->schedule == PLAN_SCHEDULE_1F1B && g.units[u].depth < share)
			window = g.units[u].depth;
		ahead = window - 1;

		for (int k = 0; k < g.units[u].n_slots; k++) {
			int f = g.units[u].slots[k];

			if (slot_f[f] + slot_b[f] > unit_w[u])
				unit_w[u] = slot_f[f] + slot_b[f];
			if (slot_f[f] > fwd)
				fwd = slot_f[f];
		}
		credit[u] = (ahead > 0 ? ahead : 0) * fwd;
	}
	/* communication along successor edges, both ways */
	{
		int tot = 0;

		for (int u = 0; u < g.n_units; u++) {
			succ_off[u] = tot;
			tot += g.units[u].n_succ;
		}
		succ_comm_cache = calloc((size_t)tot + 1, sizeof(int64_t));
		if (!succ_comm_cache)
			goto oom;
		for (int u = 0; u < g.n_units; u++)
			for (int k = 0; k < g.units[u].n_succ; k++) {
				succ_comm_cache[succ_off[u] + k] = 2 * edge_comm(pb, &g, u, g.units[u].succ[k]);
				has_pred[g.units[u].succ[k]] = 1;
			}
	}
	/* the longest paths into and out of every unit (its own weight excluded) */
	{
		int64_t *pin = calloc((size_t)g.n_units + 1, sizeof(int64_t));
		int64_t *sout = calloc((size_t)g.n_units + 1, sizeof(int64_t));
		int *pstart = calloc((size_t)np + 2, sizeof(int)), *plist = malloc(((size_t)g.n_flat + 1) * sizeof(int));

		if (!pin || !sout || !pstart || !plist) {
			free(pin);
			free(sout);
			free(pstart);
			free(plist);
			goto oom;
		}
		for (int k = 0; k < g.n_units; k++) {
			int u = g.order[k];

			for (int j = 0; j < g.units[u].n_succ; j++) {
				int v = g.units[u].succ[j];
				int64_t c = pin[u] + unit_w[u] + succ_comm_cache[succ_off[u] + j];

				if (c > pin[v])
					pin[v] = c;
			}
		}
		for (int k = g.n_units - 1; k >= 0; k--) {
			int u = g.order[k];

			for (int j = 0; j < g.units[u].n_succ; j++) {
				int v = g.units[u].succ[j];
				int64_t c = succ_comm_cache[succ_off[u] + j] + unit_w[v] + sout[v];

				if (c > sout[u])
					sout[u] = c;
			}
		}
		/* slots by partition */
		for (int f = 0; f < g.n_flat; f++)
			pstart[slot_part[f] + 1]++;
		for (int r = 0; r < np; r++)
			pstart[r + 1] += pstart[r];
		{
			int *fill = calloc((size_t)np + 1, sizeof(int));

			if (!fill) {
				free(pin);
				free(sout);
				free(pstart);
				free(plist);
				goto oom;
			}
			for (int f = 0; f < g.n_flat; f++)
				plist[pstart[slot_part[f]] + fill[slot_part[f]]++] = f;
			free(fill);
		}
		/* per partition: the longest path through it with its own units
		 * weighing 0 (one unit: from the paths above; several: a DP) */
		est->bottleneck = -1;
		for (int r = 0; r < np; r++) {
			int64_t best = 0;
			int a = pstart[r], b = pstart[r + 1], single = 1;

			if (a == b)
				continue;
			for (int k = a + 1; k < b; k++)
				if (g.flat[plist[k]].unit != g.flat[plist[a]].unit)
					single = 0;
			if (single) {
				int u = g.flat[plist[a]].unit;

				best = pin[u] + sout[u];
			} else {
				for (int k = a; k < b; k++)
					on_r[g.flat[plist[k]].unit] = 1;
				best = shared_bubble(&g, unit_w, succ_comm_cache, succ_off, on_r, credit, has_pred,
						     pre, suf, idle, dist);
				for (int k = a; k < b; k++)
					on_r[g.flat[plist[k]].unit] = 0;
			}
			est->parts[r].path_ns = best;
			if (est->bottleneck < 0 || est->parts[r].load_ns + best > est->pipeline_ns) {
				est->pipeline_ns = est->parts[r].load_ns + best;
				est->bottleneck = r;
			}
		}
		/* 1F1B admits at most `depth` microbatches in flight per replica of a
		 * unit (its memory rule): a replica's share of microbatches then needs
		 * ceil(share / depth) round trips from its forward to the end of the
		 * DAG and back, after the forward latency that reaches it. */
		if (p->schedule == PLAN_SCHEDULE_1F1B)
			for (int u = 0; u < g.n_units; u++) {
				const struct pl_unit *un = &g.units[u];
				int share = pl_share(M, un->replicas), win = un->depth < share ? un->depth : share;
				int64_t t = (int64_t)((share + win - 1) / win) * (unit_w[u] + sout[u]) + pin[u] / 3;

				if (t > est->pipeline_ns) {
					est->pipeline_ns = t;
					est->bottleneck = slot_part[un->slots[0]];
					est->window_bound = 1;
				}
			}
		free(pin);
		free(sout);
		free(pstart);
		free(plist);
	}
	/* gradient all-reduce (ring) and optimizer step per GPU, as DDP overlaps
	 * them: units in reverse topological order finish their last backward
	 * one after another (on each partition, the units after them still have
	 * their backward to run); a unit's all-reduce starts when its backward
	 * ends and the GPU's port is free (all-reduces share it, one after
	 * another); a partition's optimizer steps run after the pipeline and
	 * after their unit's all-reduce.  Times relative to the pipeline's end. */
	{
		int64_t *rem = calloc((size_t)np + 1, sizeof(int64_t));
		int64_t *popt = calloc((size_t)np + 1, sizeof(int64_t));
		int64_t *port = malloc(((size_t)p->n_gpus + 1) * sizeof(int64_t));
		int64_t *held = calloc((size_t)np + 1, sizeof(int64_t));

		if (!rem || !popt || !port || !held) {
			free(rem);
			free(popt);
			free(port);
			free(held);
			goto oom;
		}
		for (int gi = 0; gi < p->n_gpus; gi++)
			port[gi] = INT64_MIN;
		for (int f = 0; f < g.n_flat; f++)
			rem[slot_part[f]] += slot_b[f];
		for (int k = g.n_units - 1; k >= 0; k--) {
			const struct pl_unit *un = &g.units[g.order[k]];
			const struct plan_module_cost *mc = &pb->modules[un->module];

			for (int i = 0; i < un->n_slots; i++) {
				int f = un->slots[i], r = slot_part[f], gi = g.flat[f].gpu;
				int64_t ready, opt = 0;

				rem[r] -= slot_b[f];
				ready = -rem[r];
				for (int l = un->lb; l < un->le; l++)
					opt += mc->opt_ns[l * nq + slot_qi[f]];
				if (un->replicas > 1) {
					double bytes = 0;
					int lo = gi, hi = gi;

					for (int l = un->lb; l < un->le; l++)
						bytes += (double)mc->grad_bytes[l];
					for (int j = 0; j < un->n_slots; j++) {
						int og = g.flat[un->slots[j]].gpu;

						lo = og < lo ? og : lo;
						hi = og > hi ? og : hi;
					}
					int64_t start = port[gi] > ready ? port[gi] : ready;

					port[gi] = start + xfer_ns(2.0 * (un->replicas - 1) / un->replicas * bytes,
								   link_gbps(pb, lo, hi));
					held[r] += comm_hold_ns(est->parts[r].sms, start, port[gi], rem[r]);
					ready = port[gi];
				}
				if (ready < 0)
					ready = 0; /* optimizer steps follow the pipeline */
				popt[r] = (popt[r] > ready ? popt[r] : ready) + opt;
			}
		}
		for (int gi = 0; gi < p->n_gpus; gi++) {
			gsync[gi] = port[gi] > 0 ? port[gi] : 0;
			for (int r = part_base[gi]; r < part_base[gi + 1]; r++) {
				if (popt[r] > gsync[gi])
					gsync[gi] = popt[r];
				if (held[r] > gsync[gi])
					gsync[gi] = held[r];
			}
			if (gsync[gi] > est->sync_ns)
				est->sync_ns = gsync[gi];
		}
		free(rem);
		free(popt);
		free(port);
		free(held);
	}
	/* memory per GPU */
	for (int f = 0; f < g.n_flat; f++) {
		const struct pl_unit *un = &g.units[g.flat[f].unit];
		int share = pl_share(M, un->replicas);
		int inflight = p->schedule == PLAN_SCHEDULE_GPIPE ? share
					: (un->depth < share ? un->depth : share);
		int64_t b = pl_slice_static(pb, un->module, un->lb, un->le) +
			    pl_slice_act(pb, un->module, un->lb, un->le) * inflight;

		for (int r = part_base[g.flat[f].gpu]; r < part_base[g.flat[f].gpu + 1]; r++)
			est->parts[r].mem_bytes += b;
	}
	est->iter_ns = est->pipeline_ns + est->sync_ns;
	host_bound(p, &g, M, slot_hf, slot_hb, slot_ho, est);
	goto out;
oom:
	rc = mo_err_set(err, MO_ENOMEM, "plan: out of memory");
out:
	free(slot_hf);
	free(slot_hb);
	free(slot_ho);
	free(part_base);
	free(slot_part);
	free(slot_qi);
	free(slot_gbps);
	free(slot_f);
	free(slot_b);
	free(part_gbps);
	free(gpu_gbps);
	free(unit_w);
	free(pre);
	free(suf);
	free(on_r);
	free(gsync);
	free(succ_off);
	free(has_pred);
	free(credit);
	free(idle);
	free(dist);
	free(succ_comm_cache);
	pl_graph_release(&g);
	if (rc)
		plan_estimate_release(est);
	return rc;
}

static int eval_flags(const struct plan_problem *pb, const struct plan *p, int64_t *iter_ns,
		      int *window)
{
	struct plan_estimate est;
	int rc = plan_estimate(pb, p, &est, NULL), over = 0;

	if (rc)
		return rc;
	*iter_ns = est.iter_ns;
	*window = est.window_bound;
	for (int r = 0; r < est.n_parts; r++)
		if (est.parts[r].mem_bytes > pb->gpu->mem_bytes)
			over = 1;
	plan_estimate_release(&est);
	return over;
}

int pl_eval(const struct plan_problem *pb, const struct plan *p, int64_t *iter_ns)
{
	int window;

	return eval_flags(pb, p, iter_ns, &window);
}

int pl_eval_sched(const struct plan_problem *pb, struct plan *p, int64_t *iter_ns)
{
	int64_t a = 0, b = 0;
	int ra, rb, window = 0;

	p->schedule = PLAN_SCHEDULE_1F1B;
	ra = eval_flags(pb, p, &a, &window);
	if (ra < 0)
		return ra;
	if (ra == 0 && !window) {
		/* GPipe keeps more in flight and gains nothing without the window */
		*iter_ns = a;
		return 0;
	}
	p->schedule = PLAN_SCHEDULE_GPIPE;
	rb = eval_flags(pb, p, &b, &window);
	if (rb < 0)
		return rb;
	if (ra == 0 && (rb != 0 || a <= b)) {
		p->schedule = PLAN_SCHEDULE_1F1B;
		*iter_ns = a;
		return 0;
	}
	if (rb == 0) {
		*iter_ns = b;
		return 0;
	}
	p->schedule = PLAN_SCHEDULE_1F1B;
	*iter_ns = a;
	return 1;
}
