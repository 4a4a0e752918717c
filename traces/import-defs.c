/*
 * import-defs.c - what the Kineto importer writes between its passes: the
 * header (the GPU that ran the most kernels), DEVICE and STREAM, PHASE,
 * MODULE (by first appearance), the MARKER records of annotations, and
 * the host records (import-host.c), attributed.
 */
#include "traces/core-internal.h"
#include "traces/import-internal.h"
#include "traces/traces.h"

#include <stdio.h>
#include <stdlib.h>

/* A module's first appearance: its earliest interval at module_depth or
 * shallower, by (start, depth, name id). */
struct mod_first {
	int64_t start;
	int32_t depth, name;
};

static int first_cmp(const void *a, const void *b)
{
	const struct mod_first *x = a, *y = b;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->depth != y->depth)
		return x->depth < y->depth ? -1 : 1;
	return x->name < y->name ? -1 : x->name > y->name;
}

/* The modules' first appearances, by name id (name -1: none), into *out. */
static int module_firsts(struct imp *im, struct mod_first **out)
{
	struct mod_first *f = malloc((im->names.n + 1) * sizeof(*f));
	struct imp_ival iv;

	if (!(*out = f))
		return imp_nomem(im), -MO_ENOMEM;
	for (size_t i = 0; i < im->names.n; i++)
		f[i].name = -1;
	for (size_t t = 0; t < im->nthreads; t++) {
		int list = (int)t * 3 + IV_MOD - 1;
		for (size_t i = 0; i < imp_ivals_count(&im->ivals, list); i++) {
			imp_ivals_get(&im->ivals, list, (int32_t)i, &iv);
			struct mod_first c = {iv.start, iv.depth, iv.aux};
			if (iv.depth <= im->opts.module_depth &&
			    (f[iv.aux].name < 0 || first_cmp(&c, &f[iv.aux]) < 0))
				f[iv.aux] = c;
		}
	}
	return im->ivals.failed ? (im->failed = 1, im->err->code) : 0;
}

/* MODULE records: modules at module_depth or shallower, by first appearance. */
static int emit_modules(struct imp *im)
{
	struct trace_record rec;
	struct mod_first *f;
	size_t n = 0;
	int rc = 0;

	im->mod_out_n = im->names.n;
	im->mod_out = malloc((im->names.n + 1) * sizeof(int));
	if (!im->mod_out)
		return imp_nomem(im), -MO_ENOMEM;
	if ((rc = module_firsts(im, &f)) != 0)
		return free(f), rc;
	for (size_t i = 0; i < im->names.n; i++) {
		im->mod_out[i] = -1;
		if (f[i].name >= 0)
			f[n++] = f[i];
	}
	qsort(f, n, sizeof(*f), first_cmp);
	for (size_t c = 0; c < n && rc == 0; c++) {
		im->mod_out[f[c].name] = im->nmodules;
		trace_record_init(&rec, TRACE_KIND_MODULE);
		rec.u.module.id = im->nmodules++;
		rec.u.module.name = im->names.names[f[c].name];
		rc = imp_emit(im, &rec);
	}
	free(f);
	return rc;
}

/* imp_host_emit()'s callbacks. */
static void host_attrib(void *ctx, int thread, int64_t ts, int64_t *module, int64_t *phase,
			int64_t *step)
{
	struct imp *im = ctx;
	struct imp_attrib at = {.module_name = -1, .phase = -1, .step = -1};
	int b;
	int64_t s;
	imp_attribute_point(im, thread, ts, 0, &at, &b, &s);
	*module = imp_module_out(im, at.module_name);
	*phase = b && at.phase < 0 ? 1 : at.phase;
	*step = at.step;
}

static int host_emit(void *ctx, const struct trace_record *rec)
{
	return imp_emit(ctx, rec);
}

/* The GPU of the header: the device with the most kernels (-1: none). */
static int64_t main_device(const struct imp *im)
{
	int64_t dev = -1;
	uint64_t best = 0;
	for (size_t i = 0; i < im->nds; i++) {
		uint64_t k = 0;
		for (size_t j = 0; j < im->nds; j++)
			if (im->ds[j].device == im->ds[i].device)
				k += im->ds[j].kernels;
		if (dev < 0 || k > best || (k == best && im->ds[i].device < dev)) {
			dev = im->ds[i].device;
			best = k;
		}
	}
	return dev;
}

static int emit_header(struct imp *im)
{
	struct trace_header h;
	int64_t dev = main_device(im);
	int rc;

	trace_header_init(&h);
	char producer[64];
	snprintf(producer, sizeof(producer), "mosaic import %s", MOSAIC_VERSION);
	h.producer = producer;
	h.source = TRACE_SOURCE_MEASURED;
	h.origin = im->name;
	h.quota_sms = 0;
	const struct imp_devprop *gp = NULL;
	for (size_t i = 0; i < im->nprops; i++)
		if (im->props[i].id == dev || (!gp && i + 1 == im->nprops && dev < 0))
			gp = &im->props[i];
	if (!gp && im->nprops == 1)
		gp = &im->props[0];
	if (gp) {
#define COPY(f) h.f = gp->h.f;
		COPY(gpu_sms) COPY(gpu_cc_major) COPY(gpu_cc_minor) COPY(gpu_mem_bytes)
		COPY(gpu_max_threads_per_sm) COPY(gpu_max_threads_per_block) COPY(gpu_regs_per_sm)
		COPY(gpu_regs_per_block) COPY(gpu_smem_per_sm) COPY(gpu_smem_per_block)
		COPY(gpu_smem_per_block_optin) COPY(gpu_warp_size)
#undef COPY
		h.gpu_name = gp->name ? gp->name : "";
	}
	if ((rc = im->sink->header(im->sink->ctx, &h, im->err)) != 0)
		return rc < 0 ? rc : -MO_EIO;
	return 0;
}

/* DEVICE records (each device once), then STREAM records. */
static int emit_devices(struct imp *im)
{
	struct trace_record rec;
	int rc;

	for (size_t i = 0; i < im->nds; i++) {
		int seen = 0;
		if (im->ds[i].device < 0)
			continue;
		for (size_t j = 0; j < i; j++)
			seen |= im->ds[j].device == im->ds[i].device;
		if (seen)
			continue;
		trace_record_init(&rec, TRACE_KIND_DEVICE);
		rec.u.device.id = im->ds[i].device;
		rec.u.device.name = "";
		for (size_t p = 0; p < im->nprops; p++)
			if (im->props[p].id == im->ds[i].device) {
				rec.u.device.sms = im->props[p].h.gpu_sms;
				rec.u.device.name = im->props[p].name ? im->props[p].name : "";
			}
		if ((rc = imp_emit(im, &rec)) != 0)
			return rc;
	}
	for (size_t i = 0; i < im->nds; i++) {
		char nm[48];
		if (im->ds[i].device < 0 || im->ds[i].stream < 0)
			continue;
		trace_record_init(&rec, TRACE_KIND_STREAM);
		rec.u.stream.device = im->ds[i].device;
		rec.u.stream.id = im->ds[i].stream;
		snprintf(nm, sizeof(nm), "stream %lld", (long long)im->ds[i].stream);
		rec.u.stream.name = nm;
		if ((rc = imp_emit(im, &rec)) != 0)
			return rc;
	}
	return 0;
}

static int emit_phases(struct imp *im)
{
	struct trace_record rec;
	int rc;

	for (size_t i = 0; i < im->phases.n; i++) {
		trace_record_init(&rec, TRACE_KIND_PHASE);
		rec.u.phase.id = (int64_t)i;
		rec.u.phase.name = im->phases.names[i];
		if ((rc = imp_emit(im, &rec)) != 0)
			return rc;
	}
	return 0;
}

/* The MARKER record of a host or GPU annotation. */
static void marker_record(struct imp *im, const struct imp_annot *a, struct trace_record *rec)
{
	struct imp_attrib at = {.module_name = -1, .phase = -1, .step = -1};
	int b;
	int64_t s;
	if (!a->gpu)
		imp_attribute_point(im, (int)a->tid_index, a->start, 0, &at, &b, &s);
	trace_record_init(rec, TRACE_KIND_MARKER);
	struct trace_marker *m = &rec->u.marker;
	m->start_ns = im->base_ns + a->start;
	m->end_ns = im->base_ns + a->end;
	m->module = imp_module_out(im, at.module_name);
	m->phase = a->phase >= 0 ? a->phase : at.phase;
	m->step = a->step >= 0 ? a->step : at.step;
	m->name = im->names.names[a->name];
	if (a->gpu) {
		m->device = a->device;
		m->stream = a->stream;
		m->category = "gpu_user_annotation";
	} else {
		m->category = "user_annotation";
	}
}

/* MARKER records, by start. */
static int emit_markers(struct imp *im)
{
	struct trace_record rec;
	int rc = 0;
	size_t *order = malloc((im->nannots + 1) * sizeof(size_t));

	if (!order)
		return imp_nomem(im), -MO_ENOMEM;
	for (size_t i = 0; i < im->nannots; i++)
		order[i] = i;
	qsort_r(order, im->nannots, sizeof(size_t), imp_annot_cmp, im->annots);
	for (size_t k = 0; k < im->nannots && rc == 0; k++) {
		marker_record(im, &im->annots[order[k]], &rec);
		rc = imp_emit(im, &rec);
	}
	free(order);
	return rc;
}

/* Definitions, host markers and host records, between the passes. */
int imp_emit_definitions(struct imp *im)
{
	int rc;

	if ((rc = emit_header(im)) != 0 || (rc = emit_devices(im)) != 0 ||
	    (rc = emit_phases(im)) != 0 || (rc = emit_modules(im)) != 0 ||
	    (rc = emit_markers(im)) != 0 || (rc = imp_lookups_failed(im)) != 0)
		return rc;
	if (im->opts.host_records &&
	    (rc = imp_host_emit(&im->host, im->base_ns, host_attrib, host_emit, im)) != 0)
		return rc;
	return imp_lookups_failed(im);
}
