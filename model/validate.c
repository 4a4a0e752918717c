/*
 * validate.c - the model's predictions against traces recorded at other
 * quotas or co-run: kernel matching (see model.h), error statistics by
 * class, quota and module, ours beside the wave-scaling baseline.
 */
#include "model/model.h"
#include "model/model-internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct bin {
	int level, source, quota, kclass;
	char module[64];
	double *ours, *base;
	int n;
	size_t cap_ours, cap_base;
};

struct acc {
	struct bin *bins;
	int nbins;
	size_t cbins;
};

/* Append x to *a and y to *b, both of *n elements (capacities *ca, *cb). */
static int push2(double **a, size_t *ca, double **b, size_t *cb, int *n, double x, double y)
{
	if (MO_GROW(*a, (size_t)*n + 1, *ca) < 0 || MO_GROW(*b, (size_t)*n + 1, *cb) < 0)
		return -1;
	(*a)[*n] = x;
	(*b)[*n] = y;
	(*n)++;
	return 0;
}

static struct bin *bin_get(struct acc *a, int level, int source, int quota, int kclass,
			   const char *module)
{
	for (int i = 0; i < a->nbins; i++) {
		struct bin *b = &a->bins[i];
		if (b->level == level && b->source == source && b->quota == quota &&
		    b->kclass == kclass && !strcmp(b->module, module))
			return b;
	}
	if (MO_GROW(a->bins, (size_t)a->nbins + 1, a->cbins) < 0)
		return NULL;
	memset(&a->bins[a->nbins], 0, sizeof(a->bins[0]));
	a->bins[a->nbins].level = level;
	a->bins[a->nbins].source = source;
	a->bins[a->nbins].quota = quota;
	a->bins[a->nbins].kclass = kclass;
	snprintf(a->bins[a->nbins].module, sizeof(a->bins[0].module), "%s", module);
	return &a->bins[a->nbins++];
}

void model_val_init(struct model_val_report *r)
{
	memset(r, 0, sizeof(*r));
}

void model_val_release(struct model_val_report *r)
{
	struct acc *a = r->priv;

	if (a) {
		for (int i = 0; i < a->nbins; i++) {
			free(a->bins[i].ours);
			free(a->bins[i].base);
		}
		free(a->bins);
		free(a);
	}
	free(r->ape_ours);
	free(r->ape_base);
	memset(r, 0, sizeof(*r));
}

/* Kernels of t grouped by "module/phase", in start order. */
struct group {
	char key[128];
	size_t *idx;
	int n;
	size_t cap;
};

static int cmp_start(const void *x, const void *y, void *ctx)
{
	const struct trace_mem *t = ctx;
	const struct trace_kernel *a = &t->recs[*(const size_t *)x].u.kernel;
	const struct trace_kernel *b = &t->recs[*(const size_t *)y].u.kernel;

	if (a->start_ns != b->start_ns)
		return a->start_ns < b->start_ns ? -1 : 1;
	return *(const size_t *)x < *(const size_t *)y ? -1 : 1;
}

static void group_key(const struct trace_mem *t, const struct trace_kernel *k, char *buf,
		      size_t size)
{
	const char *m = k->module >= 0 ? model_trace_module_name(t, (int)k->module) : NULL;
	const char *p = k->phase >= 0 ? model_trace_phase_name(t, (int)k->phase) : NULL;

	snprintf(buf, size, "%s/%s", m ? m : "-", p ? p : "-");
}

static int make_groups(const struct trace_mem *t, struct group **out, int *nout)
{
	struct group *g = NULL;
	int n = 0;
	size_t cap = 0;

	for (size_t i = 0; i < t->n; i++) {
		char key[128];
		int j;
		if (t->recs[i].kind != TRACE_KIND_KERNEL)
			continue;
		group_key(t, &t->recs[i].u.kernel, key, sizeof(key));
		for (j = 0; j < n; j++)
			if (!strcmp(g[j].key, key))
				break;
		if (j == n) {
			if (MO_GROW(g, (size_t)n + 1, cap) < 0)
				goto fail;
			memset(&g[n], 0, sizeof(g[n]));
			snprintf(g[n].key, sizeof(g[n].key), "%s", key);
			n++;
		}
		if (MO_GROW(g[j].idx, (size_t)g[j].n + 1, g[j].cap) < 0)
			goto fail;
		g[j].idx[g[j].n++] = i;
	}
	for (int j = 0; j < n; j++)
		qsort_r(g[j].idx, (size_t)g[j].n, sizeof(size_t), cmp_start, (void *)t);
	*out = g;
	*nout = n;
	return 0;
fail:
	for (int j = 0; j < n; j++)
		free(g[j].idx);
	free(g);
	return -1;
}

static void free_groups(struct group *g, int n)
{
	for (int j = 0; j < n; j++)
		free(g[j].idx);
	free(g);
}

static int same_name(const char *a, const char *b)
{
	return !strcmp(a ? a : "", b ? b : "");
}

/* Whether target ran modules side by side in partitions. */
static int is_corun(const struct trace_mem *t)
{
	int64_t first = -2;
	int parts = 0;

	for (size_t i = 0; i < t->n; i++) {
		const struct trace_kernel *k = &t->recs[i].u.kernel;
		if (t->recs[i].kind != TRACE_KIND_KERNEL || k->module < 0)
			continue;
		if (k->partition >= 0)
			parts = 1;
		if (first == -2)
			first = k->module;
		else if (k->module != first)
			return parts;
	}
	return 0;
}

#define MAXMOD 128

/* Where and when a group of kernels ran: its device and partition (-1: the
 * whole GPU; mixed when its kernels ran on several) and the span from its
 * first start to its last end. */
struct span {
	int64_t device, partition, start, end;
	int mixed;
};

static struct span group_span(const struct trace_mem *t, const struct group *g)
{
	struct span s = {-1, -1, INT64_MAX, INT64_MIN, 0};

	for (int i = 0; i < g->n; i++) {
		const struct trace_kernel *k = &t->recs[g->idx[i]].u.kernel;

		if (i == 0)
			s.device = k->device, s.partition = k->partition;
		else if (k->device != s.device || k->partition != s.partition)
			s.mixed = 1;
		if (k->start_ns < s.start)
			s.start = k->start_ns;
		if (k->end_ns > s.end)
			s.end = k->end_ns;
	}
	if (g->n == 0)
		s.start = s.end = 0;
	return s;
}

/* The share of g's span during which h ran beside it: 0 when both ran on
 * one place each and that is another GPU, or the same partition (groups of
 * one partition run one after another, never side by side); else the overlap
 * of their spans over g's span. */
static double corun_share(const struct span *g, const struct span *h)
{
	int64_t lo = g->start > h->start ? g->start : h->start;
	int64_t hi = g->end < h->end ? g->end : h->end;

	if (!g->mixed && !h->mixed &&
	    (g->device != h->device || g->partition == h->partition))
		return 0;
	if (g->end <= g->start || hi <= lo)
		return 0;
	return (double)(hi - lo) / (double)(g->end - g->start);
}

/* What one module/phase group of the reference sums over its matched
 * kernels, and where and when it ran in the target. */
struct gsum {
	double pred, base, meas, bytes;
	int quota;
	struct span span;
};

/* The two predictions of the reference's kernel kr against the target's
 * measured kernel kt: pushed to the report and its bins, summed into *sum.
 * 0, or -1 out of memory. */
static int add_kernel(struct model_val_report *r, struct acc *a, const struct model_gpu *gpu,
		      const struct trace_mem *ref, const struct model_tindex *ixr,
		      const struct trace_mem *target, const struct model_tindex *ixt,
		      const struct trace_kernel *kr, const struct trace_kernel *kt, int source,
		      struct gsum *sum)
{
	double m = (double)(kt->end_ns - kt->start_ns), eo, eb;
	int q = model_tindex_kernel_sms(ixt, target, kt, gpu);
	int cls = kr->kclass >= 0 && kr->kclass < TRACE_CLASS_COUNT ? (int)kr->kclass : model_classify(kr);
	struct model_quota_pred p;
	struct bin *b;

	model_kernel_predict_at_quota(gpu, kr, model_tindex_kernel_sms(ixr, ref, kr, gpu), q, &p);
	eo = fabs((double)p.ns - m) / m * 100.0;
	eb = fabs((double)p.baseline_ns - m) / m * 100.0;
	if (push2(&r->ape_ours, &r->cap_ours, &r->ape_base, &r->cap_base, &r->nape, eo, eb) < 0)
		return -1;
	b = bin_get(a, 0, source, q, cls, "");
	if (!b || push2(&b->ours, &b->cap_ours, &b->base, &b->cap_base, &b->n, eo, eb) < 0)
		return -1;
	b = bin_get(a, 0, source, q, -1, "");
	if (!b || push2(&b->ours, &b->cap_ours, &b->base, &b->cap_base, &b->n, eo, eb) < 0)
		return -1;
	sum->pred += (double)p.ns;
	sum->base += (double)p.baseline_ns;
	sum->meas += m;
	sum->bytes += p.dram_bytes;
	sum->quota = q;
	return 0;
}

/* Match the kernels of the reference's group gr to the target's group t in
 * order (by name, within MODEL_MATCH_WINDOW) and add each pair; the count
 * matched, or -1 out of memory. */
static int match_group(struct model_val_report *r, struct acc *a, const struct model_gpu *gpu,
		       const struct trace_mem *ref, const struct model_tindex *ixr,
		       const struct trace_mem *target, const struct model_tindex *ixt,
		       const struct group *gr, const struct group *t, int source, struct gsum *sum)
{
	int j = 0, matched = 0;

	for (int i = 0; i < gr->n; i++) {
		const struct trace_kernel *kr = &ref->recs[gr->idx[i]].u.kernel, *kt;
		int found = -1;
		for (int w = 0; w <= MODEL_MATCH_WINDOW && j + w < t->n; w++)
			if (same_name(kr->name, target->recs[t->idx[j + w]].u.kernel.name)) {
				found = j + w;
				break;
			}
		if (found < 0) {
			r->unmatched++;
			continue;
		}
		kt = &target->recs[t->idx[found]].u.kernel;
		j = found + 1;
		if (kt->end_ns <= kt->start_ns) {
			r->unmatched++;
			continue;
		}
		if (add_kernel(r, a, gpu, ref, ixr, target, ixt, kr, kt, source, sum) < 0)
			return -1;
		matched++;
	}
	return matched;
}

/* One row per module/phase group; co-runs of a solo reference get the
 * interference term on our prediction.  0, or -1 out of memory. */
static int add_module_rows(struct model_val_report *r, struct acc *a, const struct model_gpu *gpu,
			   const struct group *gr, int ngr, const struct gsum *sum, int corun,
			   int source)
{
	for (int g = 0; g < ngr; g++) {
		double p = sum[g].pred, eo, eb;
		struct bin *b;
		if (sum[g].meas <= 0)
			continue;
		if (corun) {
			double own = p > 0 ? sum[g].bytes / p : 0, others = 0;
			for (int h = 0; h < ngr; h++)
				if (h != g && sum[h].pred > 0)
					others += sum[h].bytes / sum[h].pred *
						  corun_share(&sum[g].span, &sum[h].span);
			p *= model_interference(gpu, own, others);
		}
		eo = fabs(p - sum[g].meas) / sum[g].meas * 100.0;
		eb = fabs(sum[g].base - sum[g].meas) / sum[g].meas * 100.0;
		b = bin_get(a, 1, source, sum[g].quota, -1, gr[g].key);
		if (!b || push2(&b->ours, &b->cap_ours, &b->base, &b->cap_base, &b->n, eo, eb) < 0)
			return -1;
	}
	return 0;
}

/* Every group of the reference against its namesake in the target: the
 * kernels matched, or -1 out of memory. */
static int match_groups(struct model_val_report *r, struct acc *a, const struct model_gpu *gpu,
			const struct trace_mem *ref, const struct model_tindex *ixr,
			const struct group *gr, int ngr, const struct trace_mem *target,
			const struct model_tindex *ixt, const struct group *gt, int ngt, int source,
			struct gsum *sum)
{
	int matched = 0;

	for (int g = 0; g < ngr; g++) {
		const struct group *t = NULL;
		int n;
		sum[g] = (struct gsum){ .span = { -1, -1, 0, 0, 0 } };
		for (int h = 0; h < ngt; h++)
			if (!strcmp(gt[h].key, gr[g].key))
				t = &gt[h];
		if (!t) {
			r->unmatched += gr[g].n;
			continue;
		}
		sum[g].span = group_span(target, t);
		n = match_group(r, a, gpu, ref, ixr, target, ixt, &gr[g], t, source, &sum[g]);
		if (n < 0)
			return -1;
		matched += n;
	}
	return matched;
}

int model_validate_add(struct model_val_report *r, const struct model_gpu *gpu,
		       const struct trace_mem *ref, const struct trace_mem *target,
		       struct mo_err *err)
{
	struct acc *a = r->priv;
	struct group *gr = NULL, *gt = NULL;
	int ngr = 0, ngt = 0, rc = 0, matched, source = (int)target->header.source;
	struct gsum sum[MAXMOD];
	struct model_tindex ixr, ixt;

	if (!a) {
		a = calloc(1, sizeof(*a));
		if (!a)
			return mo_err_set(err, MO_ENOMEM, "validate: out of memory");
		r->priv = a;
	}
	if (source < 0 || source > 1)
		source = TRACE_SOURCE_MEASURED;
	memset(&ixr, 0, sizeof(ixr));
	memset(&ixt, 0, sizeof(ixt));
	if (model_tindex_build(ref, &ixr) < 0 || model_tindex_build(target, &ixt) < 0 ||
	    make_groups(ref, &gr, &ngr) < 0 || make_groups(target, &gt, &ngt) < 0) {
		rc = mo_err_set(err, MO_ENOMEM, "validate: out of memory");
		goto out;
	}
	if (ngr > MAXMOD) {
		rc = mo_err_set(err, MO_EINPUT, "validate: more than %d module/phase groups", MAXMOD);
		goto out;
	}
	matched = match_groups(r, a, gpu, ref, &ixr, gr, ngr, target, &ixt, gt, ngt, source, sum);
	if (matched == 0)
		rc = mo_err_set(err, MO_EINPUT,
				"validate: no kernel of the target matches the reference (same module, phase and kernel names expected)");
	if (matched <= 0)
		goto out_nomem;
	r->matched += matched;
	r->ntargets++;
	/* a reference that co-ran already holds its co-runners' interference:
	 * the term would count it twice */
	if (add_module_rows(r, a, gpu, gr, ngr, sum, is_corun(target) && !is_corun(ref), source) < 0)
		goto out_nomem;
	r->source_mask |= 1 << source;
	goto out;
out_nomem:
	if (rc == 0)
		rc = mo_err_set(err, MO_ENOMEM, "validate: out of memory");
out:
	model_tindex_release(&ixr);
	model_tindex_release(&ixt);
	free_groups(gr, ngr);
	free_groups(gt, ngt);
	return rc;
}

static int cmp_bin(const void *x, const void *y)
{
	const struct bin *a = x, *b = y;

	if (a->level != b->level)
		return a->level - b->level;
	if (a->source != b->source)
		return a->source - b->source;
	if (a->quota != b->quota)
		return a->quota - b->quota;
	if (a->kclass != b->kclass)
		return a->kclass - b->kclass;
	return strcmp(a->module, b->module);
}

void model_val_finish(struct model_val_report *r)
{
	struct acc *a = r->priv;
	double *mo = NULL, *mb = NULL, *tmp;
	int nm = 0;
	size_t cmo = 0, cmb = 0;

	r->nrows = 0;
	if (!a)
		return;
	qsort(a->bins, (size_t)a->nbins, sizeof(a->bins[0]), cmp_bin);
	for (int i = 0; i < a->nbins; i++) {
		struct bin *b = &a->bins[i];
		struct model_val_row *row;
		if (b->level == 1)
			for (int k = 0; k < b->n; k++)
				push2(&mo, &cmo, &mb, &cmb, &nm, b->ours[k], b->base[k]);
		if (r->nrows == MODEL_VAL_MAX_ROWS)
			continue;
		row = &r->rows[r->nrows++];
		memset(row, 0, sizeof(*row));
		row->level = b->level;
		row->source = b->source;
		row->quota = b->quota;
		row->kclass = b->kclass;
		snprintf(row->module, sizeof(row->module), "%s", b->module);
		model_err_stats_of(b->ours, b->n, &row->ours);
		model_err_stats_of(b->base, b->n, &row->baseline);
	}
	/* overall kernel stats (sorting copies keeps the CDF arrays paired) */
	tmp = malloc(((size_t)r->nape + 1) * sizeof(double));
	if (tmp) {
		memcpy(tmp, r->ape_ours, (size_t)r->nape * sizeof(double));
		model_err_stats_of(tmp, r->nape, &r->all_ours);
		memcpy(tmp, r->ape_base, (size_t)r->nape * sizeof(double));
		model_err_stats_of(tmp, r->nape, &r->all_base);
		free(tmp);
	}
	model_err_stats_of(mo, nm, &r->all_mod_ours);
	model_err_stats_of(mb, nm, &r->all_mod_base);
	free(mo);
	free(mb);
}
