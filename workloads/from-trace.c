/*
 * from-trace.c - modules built from recorded traces.
 *
 * A spec module {"name": "vision", "kind": "encoder", "trace": "v.mtr",
 * "trace_module": "visual", "trace_samples": 8} takes its kernels from the
 * trace (an .mtr, or a Kineto/Chrome JSON, plain or gzip, which the importer
 * reads and attributes to modules and phases):
 *  - the module is the MODULE record named trace_module ("" = every kernel);
 *  - the phase of a kernel is the PHASE record it points to, by name:
 *    "forward"/"fwd*" -> forward, "backward"/"bwd*"/"bw*" -> backward,
 *    "optim*"/"opt*" -> optimizer (case-insensitive); kernels of other or no
 *    phases are not used;
 *  - of each phase only the first microbatch and the first step seen are
 *    kept (one microbatch is what workload_kernels returns); when that
 *    step's forward kernels come in several runs, separated by other
 *    modules' kernels, that repeat the first run kernel for kernel (by
 *    name), they are passes of a loop (inference, evaluation) and only the
 *    first is kept; spec.c warns about it;
 *  - compute kernels only (collectives belong to the engine's schedule).
 * workload_kernels() returns them back to back from 0 in recorded order,
 * each with its recorded duration (measured on the trace's GPU, whatever GPU
 * is asked for) scaled to samples / trace_samples = s for forward and
 * backward by the kernel's recorded shape, unchanged for the optimizer:
 *  - a kernel whose launch is recorded (grid, block, registers, shared
 *    memory) and whose GPU is known: its grid is taken to grow with the
 *    samples (activation-sized kernels: GEMM tiles along the tokens, one
 *    block per row of a norm, elementwise blocks over the elements), so it
 *    gets ceil(blocks x s) blocks, and its time scales with its waves,
 *    ceil(blocks / (SMs x resident blocks per SM)) on the trace's GPU: a
 *    kernel that fills less than a wave does not get faster with fewer
 *    samples nor slower with a few more (ViT-B's 154 kernels at batch 4:
 *    most are one wave);
 *  - otherwise (no launch facts, an unknown GPU) linearly, d x s;
 * launch facts, flops and bytes are kept (the grid as recorded); module and
 * phase are rewritten to the workload's.
 */
#include "workloads/workloads-internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int wl_phase_of(const char *name)
{
	if (!strncasecmp(name, "forward", 7) || !strncasecmp(name, "fwd", 3) || !strncasecmp(name, "fw", 2))
		return WORKLOAD_FWD;
	if (!strncasecmp(name, "backward", 8) || !strncasecmp(name, "bwd", 3) || !strncasecmp(name, "bw", 2))
		return WORKLOAD_BWD;
	if (!strncasecmp(name, "optim", 5) || !strncasecmp(name, "opt", 3))
		return WORKLOAD_OPT;
	return -1;
}

void wl_trace_free(struct workload_trace *t)
{
	if (!t)
		return;
	for (int p = 0; p < 3; p++)
		trace_mem_release(&t->phase[p]);
	free(t);
}

/* The phase (WORKLOAD_FWD..OPT, -1: another) of phase id `id` in phases,
 * the tree's id map from a trace's phase ids to the phase + 1; -1 when the
 * trace defines no such id. */
static int phase_get(const struct trace_idmap *phases, int64_t id)
{
	const size_t *v = trace_idmap_get(phases, id, 0);

	return v ? (int)*v - 1 : -1;
}

/* Runs of kernels: how many, the first one's length, the shortest and the
 * longest, and the length of the run in progress. */
struct runs {
	size_t n, first, min, max, cur;
};

static void runs_end(struct runs *r)
{
	if (r->n++ == 0)
		r->first = r->min = r->max = r->cur;
	if (r->cur < r->min)
		r->min = r->cur;
	if (r->cur > r->max)
		r->max = r->cur;
	r->cur = 0;
}

/* Do t's kernels repeat the names of its first `period` kernels? */
static int repeats(const struct trace_mem *t, size_t period)
{
	if (!period || t->n % period)
		return 0;
	for (size_t i = period; i < t->n; i++) {
		const char *a = t->recs[i].u.kernel.name, *b = t->recs[i % period].u.kernel.name;

		if (strcmp(a ? a : "", b ? b : ""))
			return 0;
	}
	return 1;
}

/* The id of mod's named module in t (into *module_id; -1 when the module
 * names none) and every phase record's phase into phases.  0, or -1 with err
 * set (the module is absent, out of memory). */
static int scan_ids(const struct workload_module *mod, const struct trace_mem *t, int64_t *module_id,
		    struct trace_idmap *phases, struct mo_err *err)
{
	int found_module = !mod->trace_module[0];

	*module_id = -1;
	for (size_t i = 0; i < t->n; i++) {
		const struct trace_record *r = &t->recs[i];
		if (r->kind == TRACE_KIND_MODULE && mod->trace_module[0] &&
		    !strcmp(r->u.module.name, mod->trace_module)) {
			*module_id = r->u.module.id;
			found_module = 1;
		}
		if (r->kind == TRACE_KIND_PHASE &&
		    trace_idmap_put(phases, r->u.phase.id, 0, (size_t)(wl_phase_of(r->u.phase.name) + 1)) < 0)
			return mo_err_set(err, MO_ENOMEM, "out of memory");
	}
	if (!found_module)
		return mo_err_set(err, MO_EINPUT, "trace '%s' has no module '%s'", mod->trace,
				  mod->trace_module);
	return 0;
}

/* The kernels of mod's module (every kernel when it names none) of the first
 * microbatch and step of each phase into wt->phase[], and the runs of forward
 * kernels (each ended by any other kernel) into *fwd.  0 or -1 with err set. */
static int split_phases(const struct workload_module *mod, const struct trace_mem *t, int64_t module_id,
			const struct trace_idmap *phases, struct workload_trace *wt, struct runs *fwd,
			struct mo_err *err)
{
	int64_t first_mb[3] = {-2, -2, -2}, first_step[3] = {-2, -2, -2};
	int prev_fwd = 0;

	for (size_t i = 0; i < t->n; i++) {
		const struct trace_record *r = &t->recs[i];
		const struct trace_kernel *k = &r->u.kernel;
		struct trace_record c;
		int ph;

		if (r->kind != TRACE_KIND_KERNEL)
			continue;
		ph = mod->trace_module[0] && k->module != module_id ? -1
								 : phase_get(phases, k->phase);
		if (ph >= 0 && first_mb[ph] == -2)
			first_mb[ph] = k->microbatch, first_step[ph] = k->step;
		if (ph >= 0 && (k->microbatch != first_mb[ph] || k->step != first_step[ph]))
			ph = -1;
		if (ph == WORKLOAD_FWD)
			fwd->cur++;
		else if (prev_fwd)
			runs_end(fwd);
		prev_fwd = ph == WORKLOAD_FWD;
		if (ph < 0)
			continue;
		c = *r;
		if (trace_mem_add(&wt->phase[ph], &c, err) < 0)
			return -1;
	}
	if (prev_fwd)
		runs_end(fwd);
	return 0;
}

int wl_trace_load(struct workload_module *mod, struct mo_err *err)
{
	struct trace_mem t;
	struct workload_trace *wt = NULL;
	struct trace_idmap phases;
	int64_t module_id;
	int rc;
	struct runs fwd = {0, 0, 0, 0, 0};

	trace_idmap_init(&phases);
	if ((rc = trace_mem_load_any(&t, mod->trace, err)) < 0)
		goto out;
	wt = calloc(1, sizeof *wt);
	if (!wt) {
		rc = mo_err_set(err, MO_ENOMEM, "out of memory");
		goto out;
	}
	for (int p = 0; p < 3; p++)
		trace_mem_init(&wt->phase[p]);
	snprintf(wt->gpu_name, sizeof wt->gpu_name, "%s", t.header.gpu_name ? t.header.gpu_name : "");
	{
		struct model_gpu tmp;
		const struct model_gpu *g = model_gpu_for_header(&t.header, &tmp, NULL);
		if (g)
			wt->gpu = *g, wt->have_gpu = 1;
	}
	if ((rc = scan_ids(mod, &t, &module_id, &phases, err)) < 0 ||
	    (rc = split_phases(mod, &t, module_id, &phases, wt, &fwd, err)) < 0)
		goto out;
	wt->fwd_runs = fwd.n;
	if (fwd.n > 1 && fwd.min == fwd.max && repeats(&wt->phase[WORKLOAD_FWD], fwd.first)) {
		/* the same forward again and again: keep the first pass (a prefix) */
		wt->fwd_repeats = (int)fwd.n;
		wt->phase[WORKLOAD_FWD].n = fwd.first;
	}
	if (!wt->phase[WORKLOAD_FWD].n) {
		rc = mo_err_set(err, MO_EINPUT, "trace '%s': no forward kernels of module '%s'",
				mod->trace, mod->trace_module[0] ? mod->trace_module : "(any)");
		goto out;
	}
	mod->trace_data = wt;
	wt = NULL;
	rc = 0;
out:
	wl_trace_free(wt);
	trace_idmap_release(&phases);
	trace_mem_release(&t);
	return rc;
}

/* Waves of a launch of `blocks` blocks on the trace's GPU (0: unknown). */
static int64_t waves(const struct workload_trace *wt, const struct trace_kernel *k, int64_t blocks)
{
	int64_t per = wt->have_gpu && k->grid_x > 0 && k->block_x > 0
			      ? (int64_t)wt->gpu.sms * model_kernel_blocks_per_sm(&wt->gpu, k) : 0;
	return per > 0 && blocks > 0 ? (blocks + per - 1) / per : 0;
}

/* Duration d of kernel k recorded at trace_samples, at s times as many
 * samples (see the top of the file). */
int64_t wl_trace_scale(const struct workload_trace *wt, const struct trace_kernel *k, int64_t d,
		       double s)
{
	int64_t blocks = model_kernel_blocks(k);
	int64_t w0 = waves(wt, k, blocks), w1 = waves(wt, k, (int64_t)ceil((double)blocks * s));

	if (s == 1.0)
		return d;
	if (w0 > 0 && w1 > 0)
		return (int64_t)((double)d * (double)w1 / (double)w0 + 0.5);
	return (int64_t)((double)d * s + 0.5);
}

int wl_trace_kernels(const struct workload *w, int m, int phase, int samples,
		     struct trace_mem *out, struct mo_err *err)
{
	const struct workload_module *mod = &w->modules[m];
	const struct workload_trace *wt = mod->trace_data;
	double scale = 1.0;
	int64_t t = 0;

	if (!wt)
		return mo_err_set(err, MO_EUSAGE, "workload '%s': module '%s': trace not loaded",
				  w->name, mod->name);
	if (phase != WORKLOAD_OPT && mod->trace_samples > 0)
		scale = (double)samples / mod->trace_samples;
	for (size_t i = 0; i < wt->phase[phase].n; i++) {
		struct trace_record rec = wt->phase[phase].recs[i];
		struct trace_kernel *k = &rec.u.kernel;
		int64_t d = k->end_ns - k->start_ns;
		int rc;

		if (d < 0)
			d = 0;
		if (phase != WORKLOAD_OPT)
			d = wl_trace_scale(wt, k, d, scale);
		if (d < 1)
			d = 1;
		k->start_ns = t;
		k->end_ns = t + d;
		t += d;
		k->device = 0;
		k->stream = 0;
		k->partition = -1;
		k->module = m;
		k->phase = phase;
		k->microbatch = -1;
		k->step = -1;
		k->correlation = -1;
		if ((rc = trace_mem_add(out, &rec, err)) < 0)
			return rc;
	}
	return 0;
}
