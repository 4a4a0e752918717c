/*
 * import-attrib.c - attribution of host and GPU activities to the module,
 * phase and step of the host code that launched them, from the launch
 * points and intervals pass 1 kept (the rules: import-kineto.c, "Attribution").
 */
#include "traces/core-internal.h"
#include "traces/import-internal.h"
#include "traces/traces.h"

void imp_attribute_point(struct imp *im, int thread, int64_t ts, int launch,
			 struct imp_attrib *a, int *bwd, int64_t *bwd_seq)
{
	struct imp_ival iv;
	int list = thread * 3;
	*bwd = 0;
	*bwd_seq = -1;
	for (int32_t i = imp_ivals_deepest(&im->ivals, list + IV_ANN - 1, ts); i >= 0; i = iv.parent) {
		imp_ivals_get(&im->ivals, list + IV_ANN - 1, i, &iv);
		const struct imp_annot *an = &im->annots[iv.aux];
		if (a->phase < 0 && an->phase >= 0)
			a->phase = an->phase;
		if (a->step < 0 && an->step >= 0)
			a->step = an->step;
	}
	/* backward ops only */
	for (int32_t i = imp_ivals_deepest(&im->ivals, list + IV_OP - 1, ts); i >= 0; i = iv.parent) {
		imp_ivals_get(&im->ivals, list + IV_OP - 1, i, &iv);
		if (iv.flags & IVF_BWD) {
			*bwd = 1;
			if (iv.seq >= 0)
				*bwd_seq = iv.seq; /* ends as the outermost one's */
		}
	}
	int32_t m = imp_ivals_deepest(&im->ivals, list + IV_MOD - 1, ts);
	if (m >= 0 && a->module_name < 0) {
		/* the enclosing module at module_depth, or the deepest one */
		imp_ivals_get(&im->ivals, list + IV_MOD - 1, m, &iv);
		while (iv.depth > im->opts.module_depth && iv.parent >= 0)
			imp_ivals_get(&im->ivals, list + IV_MOD - 1, iv.parent, &iv);
		a->module_name = iv.aux;
		if (a->phase < 0 && !*bwd)
			a->phase = 0; /* forward: inside a module, outside backward */
	}
	if (a->phase < 0 && launch && !*bwd)
		a->phase = 0; /* forward: launched by host code outside backward */
}

/* The launch point of id in t: 1 with *p, 0 when there is none (or on an
 * error, which sets im->failed). */
static int launch_point(struct imp *im, struct imp_points *t, int64_t id, struct imp_point *p)
{
	if (id < 0)
		return 0;
	int r = imp_points_get(t, id, p);
	if (r < 0)
		im->failed = 1;
	return r > 0;
}

void imp_attribute(struct imp *im, const struct imp_event *e, int64_t start,
		   struct imp_attrib *a)
{
	struct imp_point p, fp;
	int bwd = 0;
	int64_t seq = -1;

	a->module_name = -1;
	a->phase = -1;
	a->step = -1;
	int found = launch_point(im, &im->corr_pts, imp_ev_arg(e, A_CORR), &p) ||
		    launch_point(im, &im->ext_pts, imp_ev_arg(e, A_EXT), &p);
	int64_t launch_ts = start;
	if (found) {
		launch_ts = p.ts;
		imp_attribute_point(im, p.thread, launch_ts, 1, a, &bwd, &seq);
		if (bwd) {
			if (a->phase < 0)
				a->phase = 1;
			if (launch_point(im, &im->seq_pts, seq, &fp)) {
				int b2;
				int64_t s2;
				int keep_phase = a->phase;
				int64_t keep_step = a->step;
				/* the forward op gives the module; phase and step are
				 * the backward launch's own (the forward may lie in an
				 * earlier step) */
				imp_attribute_point(im, fp.thread, fp.ts, 1, a, &b2, &s2);
				a->phase = keep_phase;
				a->step = keep_step;
			}
		}
	}
	if (a->step < 0 && im->nsteps) {
		/* the last step annotation starting at or before the launch */
		size_t lo = 0, hi = im->nsteps;
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;
			if (im->annots[im->step_order[mid]].start <= launch_ts)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (size_t k = lo; k-- > 0;) {
			const struct imp_annot *an = &im->annots[im->step_order[k]];
			if (an->end >= launch_ts) {
				a->step = an->step;
				break;
			}
			if (lo - k > 8)
				break;
		}
	}
}
