/*
 * measure-sets.c - readers of published GPU-sharing measurements, turning
 * them into measurement rows (model.h, "Measurements of GPU sharing").
 * What each reader assumes is written in the rows' note and below; items
 * the model cannot predict are kept as skipped items with the reason.
 *
 *   l40-matmul-mps  matmul_mps_sweep.csv (mps_pct,size,dtype,bg_streams,
 *                   avg_ms,tflops): torch.matmul of two N x N fp16 matrices
 *                   on an NVIDIA L40 under CUDA_MPS_ACTIVE_THREAD_PERCENTAGE;
 *                   gemm m = n = k = N; whole_time = the 100 % row.
 *   parvagpu        <model>.csv (Mig instance,Batch size,Workload Number,
 *                   Throughput,Latency): PyTorch inference on an A100 80GB
 *                   in a MIG instance of 1/2/3/4/7 GPCs (14 SMs per GPC, 98
 *                   for 7), with 1..5 identical MPS processes inside.  Time
 *                   of one batch = batch / throughput (per process,
 *                   inferences/s; more digits than the rounded latency);
 *                   copies = Workload Number; whole_time = the 7-GPC,
 *                   1-process row of the same batch (ref_sms 98).  Rows of
 *                   0 throughput (not run) are counted as one skipped item
 *                   per file.  fp32 (the README names no mixed precision).
 *   orion           per-kernel profiles at the whole GPU without shapes:
 *                   skipped (nothing under a quota to compare).
 */
#include "model/model.h"
#include "model/measure-internal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define A100_SMS_PER_GPC 14 /* A100 MIG: 1g = 14 SMs; 7g = 98 SMs (NVIDIA MIG user guide) */
#define A100_MIG_7G_SMS 98

/* Iterate the lines of text after the header: *line gets the next data
 * line (copied, NUL-terminated), *lineno its number; 0 at the end. */
struct lines {
	const char *p, *end;
	int lineno;
	char buf[1024];
};

static void lines_init(struct lines *l, const char *text, size_t len)
{
	l->p = text;
	l->end = text + len;
	l->lineno = 0;
	/* skip the header (and comments before it) */
	while (l->p < l->end) {
		const char *nl = memchr(l->p, '\n', (size_t)(l->end - l->p));
		int comment = *l->p == '#';
		l->lineno++;
		l->p = nl ? nl + 1 : l->end;
		if (!comment)
			break;
	}
}

static int lines_next(struct lines *l)
{
	while (l->p < l->end) {
		const char *nl = memchr(l->p, '\n', (size_t)(l->end - l->p));
		size_t n = nl ? (size_t)(nl - l->p) : (size_t)(l->end - l->p);
		l->lineno++;
		if (n >= sizeof(l->buf))
			n = sizeof(l->buf) - 1;
		memcpy(l->buf, l->p, n);
		while (n && (l->buf[n - 1] == '\r' || l->buf[n - 1] == ' '))
			n--;
		l->buf[n] = '\0';
		l->p = nl ? nl + 1 : l->end;
		if (n)
			return 1;
	}
	return 0;
}

/* Split buf at commas into at most max fields; returns the count. */
static int fields(char *buf, char **f, int max)
{
	int n = 0;

	f[n++] = buf;
	for (char *c = buf; *c && n < max; c++)
		if (*c == ',') {
			*c = '\0';
			f[n++] = c + 1;
		}
	return n;
}

/* A finite number >= 0 filling the whole field. */
static int num(const char *s, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(s, &end);
	return *s && !*end && !errno && isfinite(*v) && *v >= 0 ? 0 : -1;
}

static int bad_line(const char *path, int line, const char *what, struct mo_err *err)
{
	return mo_err_set(err, MO_EINPUT, "%s:%d: %s", path, line, what);
}

/* ---- l40-matmul-mps ---- */

static int import_l40(struct model_meas_set *s, const char *path, const char *text, size_t len,
		      struct mo_err *err)
{
	struct lines l;
	size_t n0 = s->n;
	int rc;

	lines_init(&l, text, len);
	while (lines_next(&l)) {
		char *f[8];
		double pct, size, bg, ms;
		struct model_meas m;

		if (fields(l.buf, f, 8) != 6 || num(f[0], &pct) < 0 || num(f[1], &size) < 0 ||
		    num(f[3], &bg) < 0 || num(f[4], &ms) < 0 || pct <= 0 || pct > 100 || size < 1 ||
		    size > MODEL_MEAS_MAX_DIM || size != floor(size) || ms <= 0)
			return bad_line(path, l.lineno, "expected mps_pct,size,dtype,bg_streams,avg_ms,tflops "
					"with 0 < mps_pct <= 100, an integer size and avg_ms > 0", err);
		memset(&m, 0, sizeof(m));
		snprintf(m.where, sizeof(m.where), "%s:%d", path, l.lineno);
		m.kind = MODEL_OP_GEMM;
		m.op.kind = MODEL_OP_GEMM;
		m.op.dtype = model_dtype_parse(f[2]);
		if (m.op.dtype < 0)
			return bad_line(path, l.lineno, "unknown dtype", err);
		m.op.b = 1;
		m.op.m = m.op.n = m.op.k = (int64_t)size;
		snprintf(m.gpu, sizeof(m.gpu), "l40");
		m.mech = MODEL_MECH_MPS;
		m.pct = pct;
		m.copies = 1;
		if (bg > 0)
			snprintf(m.busy, sizeof(m.busy), "%d-bg-streams", (int)bg);
		m.ns = ms * 1e6;
		snprintf(m.note, sizeof(m.note), "torch.matmul, mean of 20 iterations");
		if ((rc = model_meas_add(s, &m, err)) < 0)
			return rc;
	}
	/* whole_time: the 100 % row of the same size, dtype and background */
	for (size_t i = n0; i < s->n; i++)
		for (size_t j = n0; j < s->n; j++) {
			struct model_meas *a = &s->m[i], *b = &s->m[j];
			if (a->pct < 100 && b->pct == 100 && a->op.m == b->op.m &&
			    a->op.dtype == b->op.dtype && !strcmp(a->busy, b->busy))
				a->whole_ns = b->ns;
		}
	return 0;
}

/* ---- parvagpu ---- */

static int import_parvagpu(struct model_meas_set *s, const char *path, const char *base,
			   const char *text, size_t len, struct mo_err *err)
{
	struct lines l;
	size_t n0 = s->n;
	int zero = 0, rc;
	char model[32];

	snprintf(model, sizeof(model), "%.*s", (int)strcspn(base, "."), base);
	lines_init(&l, text, len);
	while (lines_next(&l)) {
		char *f[8];
		double gpc, batch, procs, thr, lat;
		struct model_meas m;

		if (fields(l.buf, f, 8) != 5 || num(f[0], &gpc) < 0 || num(f[1], &batch) < 0 ||
		    num(f[2], &procs) < 0 || num(f[3], &thr) < 0 || num(f[4], &lat) < 0 ||
		    (gpc != 1 && gpc != 2 && gpc != 3 && gpc != 4 && gpc != 7) || batch < 1 ||
		    batch > 65536 || batch != floor(batch) || procs < 1 || procs > 64 ||
		    procs != floor(procs))
			return bad_line(path, l.lineno, "expected 'Mig instance (1,2,3,4,7),Batch size,"
					"Workload Number,Throughput,Latency'", err);
		if (thr == 0) {
			zero++;
			continue;
		}
		memset(&m, 0, sizeof(m));
		snprintf(m.where, sizeof(m.where), "%s:%d", path, l.lineno);
		m.kind = MODEL_MEAS_KIND_MODEL;
		m.op.dtype = MODEL_FP32;
		snprintf(m.model, sizeof(m.model), "%s", model);
		m.batch = (int)batch;
		snprintf(m.gpu, sizeof(m.gpu), "a100-80gb-sxm");
		m.mech = MODEL_MECH_MIG;
		m.sms = gpc == 7 ? A100_MIG_7G_SMS : (int)gpc * A100_SMS_PER_GPC;
		m.copies = (int)procs;
		m.launch = MODEL_MEAS_LAUNCH_EAGER; /* PyTorch (NGC pytorch:21.11, README) */
		/* scripts/dl_infer_runtime.py (5f3de1e) builds images_cpu once,
		 * a pageable torch.ones batch (line 66), and times
		 * images_cpu.to(device) with model(images_gpu) (lines 78-87).
		 * The copy is blocking (no non_blocking: PyTorch's
		 * cudaMemcpyAsync then cudaStreamSynchronize), so it waits for
		 * the previous batch's kernels; nothing else synchronises. */
		m.input_pageable = 1;
		m.ns = batch / thr * 1e9;
		m.ref_sms = A100_MIG_7G_SMS;
		snprintf(m.note, sizeof(m.note), "PyTorch inference, fp32 assumed, A100 80GB form factor "
			 "not stated (SXM assumed)");
		if ((rc = model_meas_add(s, &m, err)) < 0)
			return rc;
	}
	for (size_t i = n0; i < s->n; i++)
		for (size_t j = n0; j < s->n; j++) {
			struct model_meas *a = &s->m[i], *b = &s->m[j];
			if (i != j && b->sms == A100_MIG_7G_SMS && b->copies == 1 && a->batch == b->batch)
				a->whole_ns = b->ns;
		}
	if (zero) {
		char why[96];
		snprintf(why, sizeof(why), "%d rows of 0 throughput (configurations not run)", zero);
		if ((rc = model_meas_add_skip(s, path, why, err)) < 0)
			return rc;
	}
	return 0;
}

int meas_import_text(struct model_meas_set *s, const char *path, const char *base,
		     const char *head, const char *text, size_t len, struct mo_err *err)
{
	if (!strcmp(head, "mps_pct,size,dtype,bg_streams,avg_ms,tflops"))
		return import_l40(s, path, text, len, err);
	if (!strcmp(head, "Mig instance,Batch size,Workload Number,Throughput,Latency"))
		return import_parvagpu(s, path, base, text, len, err);
	if (!strncmp(head, "model,qformat,tp,mps_percentage,", 32))
		return model_meas_add_skip(s, path, "fineserve: the GPU is not stated in the source, "
					   "and the quantized LLM serving steps have no synthesiser", err);
	if (!strcmp(head, "Name,Profile,Memory_footprint,SM_usage,Duration"))
		return model_meas_add_skip(s, path, "per-kernel profile at the whole GPU without "
					   "shapes (orion): nothing under a quota to compare", err);
	return 1;
}

/* Whether path/name exists (and is a folder when dir is set). */
static int has(const char *path, const char *name, int dir)
{
	char p[4096];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", path, name);
	return stat(p, &st) == 0 && (!dir || S_ISDIR(st.st_mode));
}

int meas_import_dir(struct model_meas_set *s, const char *path, struct mo_err *err)
{
	int rc;

	if (has(path, "results", 1) && (has(path, "systems", 1) || has(path, "measurements", 1)))
		rc = meas_import_mlperf(s, path, err);
	else if (has(path, "batch.json", 0))
		rc = meas_import_miso(s, path, err);
	else if (has(path, "physical_cluster_throughputs.json", 0)) {
		char file[4096];
		snprintf(file, sizeof(file), "%s/physical_cluster_throughputs.json", path);
		rc = meas_import_gavel(s, file, err);
	}
	else
		return 1;
	return rc < 0 ? rc : 0;
}
