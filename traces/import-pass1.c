/*
 * import-pass1.c - pass 1 of the Kineto importer: the host side of each
 * event (threads, launch points by correlation, External id and Sequence
 * number, intervals of CPU ops, nn.Module events and annotations, phases
 * and steps by name, the devices and streams seen) is kept and the GPU
 * events are spilled for pass 2; then the intervals are linked and the
 * steps ordered.  See import-kineto.c for what is kept and why.
 */
#include "traces/core-internal.h"
#include "traces/import-internal.h"
#include "traces/traces.h"

#include <stdlib.h>
#include <string.h>

/* "ProfilerStep#12" -> 12, else -1. */
static int64_t step_of(const char *s, size_t n)
{
	if (!imp_starts_with(s, n, "ProfilerStep#") || n == 13)
		return -1;
	int64_t v = 0;
	for (size_t i = 13; i < n; i++) {
		if (s[i] < '0' || s[i] > '9' || v > 100000000000LL)
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* The phase an annotation name names, interned; -1 if none, -2 on nomem. */
static int phase_of(struct imp *im, const char *s, size_t n)
{
	if (n >= 6 && !memcmp(s, "## ", 3) && !memcmp(s + n - 3, " ##", 3)) {
		char buf[64];
		size_t k = 0;
		for (size_t i = 3; i < n - 3 && k < sizeof(buf) - 1; i++) {
			char c = s[i];
			buf[k++] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
		}
		while (k > 0 && buf[k - 1] == ' ')
			k--;
		size_t b = 0;
		while (b < k && buf[b] == ' ')
			b++;
		if (b == k)
			return -1;
		int id = imp_strtab_intern(&im->phases, buf + b, k - b);
		return id < 0 ? -2 : id;
	}
	if (imp_starts_with(s, n, "Optimizer.step#") || imp_starts_with(s, n, "Optimizer.zero_grad#"))
		return 2;
	return -1;
}


static int thread_index(struct imp *im, int64_t pid, int64_t tid)
{
	if (im->last_thread < im->nthreads && im->threads[im->last_thread].pid == pid &&
	    im->threads[im->last_thread].tid == tid)
		return (int)im->last_thread;
	for (size_t i = 0; i < im->nthreads; i++)
		if (im->threads[i].pid == pid && im->threads[i].tid == tid)
			return (int)(im->last_thread = i);
	if (MO_GROW(im->threads, im->nthreads + 1, im->threads_cap) < 0)
		return -1;
	memset(&im->threads[im->nthreads], 0, sizeof(im->threads[0]));
	im->threads[im->nthreads].pid = pid;
	im->threads[im->nthreads].tid = tid;
	return (int)(im->last_thread = im->nthreads++);
}

/* The launch point of id in t, unless it has one: 1, or 0 on error. */
static int point_once(struct imp *im, struct imp_points *t, int64_t id, int th, int64_t ts)
{
	struct imp_point old;
	int r = imp_points_get(t, id, &old);
	if (r < 0 || (r == 0 && imp_points_set(t, id, ts, th) < 0))
		return im->failed = 1, 0;
	im->npoints += r == 0;
	return 1;
}

/* 1, or 0 on error (err filled). */
static int add_ival(struct imp *im, int thread, const struct imp_ival *v)
{
	struct imp_ival iv = *v;
	iv.list = thread * 3 + v->type - 1;
	if (imp_ivals_add(&im->ivals, &iv) < 0)
		return im->failed = 1, 0;
	return 1;
}

int imp_ev_times(struct imp *im, int64_t *start, int64_t *end)
{
	struct imp_event *e = &im->ev;
	if (imp_fixed_us_to_ns(e->ts, start) < 0)
		return imp_fail(im, e->offset, "ts out of range");
	if (e->present & P_DUR) {
		if (imp_fixed_us_to_ns(e->ts + e->dur, end) < 0)
			return imp_fail(im, e->offset, "ts + dur out of range");
	} else {
		*end = *start;
	}
	if (im->pass == 1 && (!im->have_times || *start < im->t_lo))
		im->t_lo = *start;
	if (im->pass == 1 && (!im->have_times || *end > im->t_hi))
		im->t_hi = *end;
	im->have_times = 1;
	return 1;
}

static int devstream_note(struct imp *im, int64_t device, int64_t stream, int kernel)
{
	for (size_t i = 0; i < im->nds; i++)
		if (im->ds[i].device == device && im->ds[i].stream == stream) {
			im->ds[i].kernels += (uint64_t)kernel;
			return 0;
		}
	if (MO_GROW(im->ds, im->nds + 1, im->ds_cap) < 0)
		return -1;
	im->ds[im->nds].device = device;
	im->ds[im->nds].stream = stream;
	im->ds[im->nds].kernels = (uint64_t)kernel;
	im->nds++;
	return 0;
}

/* Keep a CPU op or API call for the host records (when asked). */
static int host_note(struct imp *im, int th, int64_t start, int64_t end)
{
	const struct imp_event *e = &im->ev;
	if (!im->opts.host_records)
		return 0;
	if (e->cat == CAT_CPU_OP)
		return imp_host_add_op(&im->host, th, e->pid, e->tid, start, end, e->name,
				       e->name_len, imp_ev_arg(e, A_EXT));
	if (e->cat == CAT_RUNTIME)
		return imp_host_add_call(&im->host, th, e->pid, e->tid, start, end, e->name,
					 e->name_len, imp_ev_arg(e, A_EXT), imp_ev_arg(e, A_CORR));
	return 0;
}

int imp_pass1_event(struct imp *im)
{
	struct imp_event *e = &im->ev;
	int64_t start, end;
	int th;

	if (e->ph != 'X')
		return 1;
	if (!imp_ev_times(im, &start, &end))
		return 0;
	if (e->cat == CAT_GPU_ANN) {
		/* few: kept and written with the host markers, not in pass 2 */
		int phase = phase_of(im, e->name, e->name_len);
		int nid = imp_strtab_intern(&im->names, e->name, e->name_len);
		if (phase == -2 || nid < 0 || MO_GROW(im->annots, im->nannots + 1, im->annots_cap) < 0)
			return imp_nomem(im);
		struct imp_annot *a = &im->annots[im->nannots++];
		memset(a, 0, sizeof(*a));
		a->start = start;
		a->end = end;
		a->tid_index = -1;
		a->phase = phase;
		a->step = step_of(e->name, e->name_len);
		a->name = nid;
		a->gpu = 1;
		a->device = imp_ev_device(e);
		a->stream = imp_ev_stream(e);
		if (devstream_note(im, a->device, a->stream, 0) < 0)
			return imp_nomem(im);
		return 1;
	}
	if (imp_is_gpu_cat(e->cat)) {
		if (devstream_note(im, imp_ev_device(e), imp_ev_stream(e), e->cat == CAT_KERNEL) < 0)
			return imp_nomem(im);
		if (im->spill.n && start < im->spill_last)
			im->spill_unordered = 1;
		im->spill_last = start;
		if (imp_spill_put(&im->spill, e, im->name, im->err) < 0)
			im->failed = 1;
		return !im->failed;
	}
	if (e->cat != CAT_CPU_OP && e->cat != CAT_RUNTIME && e->cat != CAT_USER_ANN &&
	    e->cat != CAT_PYFUNC)
		return 1;
	th = thread_index(im, e->pid, e->tid);
	if (th < 0)
		return imp_nomem(im);
	if (host_note(im, th, start, end) < 0)
		return im->failed = 1, 0;

	if (e->cat == CAT_RUNTIME) {
		int64_t corr = imp_ev_arg(e, A_CORR), ext = imp_ev_arg(e, A_EXT);
		if (corr < 0)
			return 1;
		/* with an External id, the kernel carries it too: one launch point
		 * per External id (this call's, or its op's) is enough */
		return point_once(im, ext >= 0 ? &im->ext_pts : &im->corr_pts, ext >= 0 ? ext : corr,
				  th, start);
	}
	if (e->cat == CAT_PYFUNC) {
		if (!imp_starts_with(e->name, e->name_len, "nn.Module: "))
			return 1;
		int id = imp_strtab_intern(&im->names, e->name + 11, e->name_len - 11);
		if (id < 0)
			return imp_nomem(im);
		struct imp_ival v = {.start = start, .end = end, .seq = -1, .parent = -1,
				 .aux = id, .type = IV_MOD};
		return add_ival(im, th, &v);
	}
	/* CPU ops and user annotations: annotations by name */
	int64_t step = step_of(e->name, e->name_len);
	int phase = phase_of(im, e->name, e->name_len);
	if (phase == -2)
		return imp_nomem(im);
	if (e->cat == CAT_USER_ANN || step >= 0 || phase >= 0) {
		int nid = imp_strtab_intern(&im->names, e->name, e->name_len);
		if (nid < 0 || MO_GROW(im->annots, im->nannots + 1, im->annots_cap) < 0)
			return imp_nomem(im);
		struct imp_annot *a = &im->annots[im->nannots];
		memset(a, 0, sizeof(*a));
		a->start = start;
		a->end = end;
		a->tid_index = th;
		a->phase = phase;
		a->step = step;
		a->name = nid;
		struct imp_ival v = {.start = start, .end = end, .seq = -1, .parent = -1,
				 .aux = (int32_t)im->nannots, .type = IV_ANN};
		im->nannots++;
		return add_ival(im, th, &v);
	}
	/* a CPU op */
	struct imp_ival v = {.start = start, .end = end, .seq = imp_ev_arg(e, A_SEQ), .parent = -1,
			 .type = IV_OP};
	if (imp_starts_with(e->name, e->name_len, "autograd::engine::evaluate_function") ||
	    imp_ev_arg(e, A_FWDTID) > 0)
		v.flags |= IVF_BWD;
	/* only backward ops need their interval (to mark what they launch);
	 * any other op is just a launch point for its External id */
	if ((v.flags & IVF_BWD) && !add_ival(im, th, &v))
		return 0;
	int64_t ext = imp_ev_arg(e, A_EXT);
	if (ext >= 0 && !point_once(im, &im->ext_pts, ext, th, start))
		return 0;
	if (v.seq >= 0 && !(v.flags & IVF_BWD)) {
		/* the outermost (earliest) forward op of a Sequence number */
		struct imp_point old;
		int r = imp_points_get(&im->seq_pts, v.seq, &old);
		if (r < 0 || ((r == 0 || old.ts > start) &&
			      imp_points_set(&im->seq_pts, v.seq, start, th) < 0))
			return im->failed = 1, 0;
		im->npoints += r == 0;
	}
	return 1;
}

int imp_annot_cmp(const void *a, const void *b, void *ctx)
{
	const struct imp_annot *an = ctx;
	const struct imp_annot *x = &an[*(const size_t *)a], *y = &an[*(const size_t *)b];
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

/* Sort each thread's intervals, link parents, compute module depths; order
 * the step annotations.  0, or a negative MO code with err filled. */
int imp_pass1_finish(struct imp *im)
{
	int rc = imp_ivals_finish(&im->ivals, im->nthreads * 3);
	if (rc != 0)
		return rc;
	if (im->st) {
		im->st->host_events = im->npoints;
		for (size_t t = 0; t < im->nthreads * 3; t++)
			im->st->host_events += imp_ivals_count(&im->ivals, (int)t);
	}
	/* step annotations by start, for the time-based fallback */
	im->step_order = malloc((im->nannots + 1) * sizeof(size_t));
	if (!im->step_order)
		return mo_err_set(im->err, MO_ENOMEM, "cannot import '%s': out of memory", im->name);
	im->nsteps = 0;
	for (size_t i = 0; i < im->nannots; i++)
		if (im->annots[i].step >= 0 && !im->annots[i].gpu)
			im->step_order[im->nsteps++] = i;
	qsort_r(im->step_order, im->nsteps, sizeof(size_t), imp_annot_cmp, im->annots);
	return 0;
}
