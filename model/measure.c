/*
 * measure.c - the measurement set and the strict reader of the documented
 * CSV form (model.h, "Measurements of GPU sharing").
 */
#include "model/model.h"
#include "model/measure-internal.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *mech_names[MODEL_MECH_COUNT] = { "whole", "green-context", "mig", "mps" };

const char *model_mech_name(int mech)
{
	return mech >= 0 && mech < MODEL_MECH_COUNT ? mech_names[mech] : "unknown";
}

int model_mech_parse(const char *s)
{
	for (int i = 0; i < MODEL_MECH_COUNT; i++)
		if (!strcmp(s, mech_names[i]))
			return i;
	return -1;
}

void model_meas_set_init(struct model_meas_set *s)
{
	memset(s, 0, sizeof(*s));
}

void model_meas_set_release(struct model_meas_set *s)
{
	free(s->m);
	free(s->skip);
	free(s->gains);
	memset(s, 0, sizeof(*s));
}

int model_meas_add_gain(struct model_meas_set *s, double gain, struct mo_err *err)
{
	if (s->ngains >= MODEL_MEAS_MAX_ROWS)
		return mo_err_set(err, MO_EINPUT, "more than %d co-location gains", MODEL_MEAS_MAX_ROWS);
	if (MO_GROW(s->gains, s->ngains + 1, s->cgains) < 0)
		return mo_err_set(err, MO_ENOMEM, "out of memory");
	s->gains[s->ngains++] = gain;
	return 0;
}

int model_meas_add(struct model_meas_set *s, const struct model_meas *m, struct mo_err *err)
{
	if (s->n >= MODEL_MEAS_MAX_ROWS)
		return mo_err_set(err, MO_EINPUT, "%s: more than %d measurements", m->where,
				  MODEL_MEAS_MAX_ROWS);
	if (!(m->ns >= MODEL_MEAS_MIN_NS && m->ns <= MODEL_MEAS_MAX_NS) ||
	    (m->whole_ns != 0 && !(m->whole_ns >= MODEL_MEAS_MIN_NS && m->whole_ns <= MODEL_MEAS_MAX_NS)))
		return mo_err_set(err, MO_EINPUT, "%s: a measured time of %g ns (whole GPU %g) is outside "
				  "%g .. %g ns", m->where, m->ns, m->whole_ns, MODEL_MEAS_MIN_NS, MODEL_MEAS_MAX_NS);
	if (MO_GROW(s->m, s->n + 1, s->cap) < 0)
		return mo_err_set(err, MO_ENOMEM, "out of memory");
	s->m[s->n++] = *m;
	return 0;
}

int model_meas_add_skip(struct model_meas_set *s, const char *where, const char *why,
			struct mo_err *err)
{
	struct model_meas_skip *k;

	if (s->nskip >= MODEL_MEAS_MAX_ROWS)
		return mo_err_set(err, MO_EINPUT, "%s: more than %d skipped items", where,
				  MODEL_MEAS_MAX_ROWS);
	if (MO_GROW(s->skip, s->nskip + 1, s->cskip) < 0)
		return mo_err_set(err, MO_ENOMEM, "out of memory");
	k = &s->skip[s->nskip++];
	snprintf(k->where, sizeof(k->where), "%s", where);
	snprintf(k->why, sizeof(k->why), "%s", why);
	return 0;
}

int model_meas_sms(const struct model_meas *m, const struct model_gpu *gpu)
{
	int sms;

	if (m->mech == MODEL_MECH_WHOLE)
		return gpu->sms;
	if (m->pct > 0)
		sms = (int)ceil(m->pct / 100.0 * gpu->sms - 1e-9);
	else
		sms = m->sms;
	if (sms < 1)
		sms = 1;
	return sms > gpu->sms ? gpu->sms : sms;
}

const char *model_meas_describe(const struct model_meas *m, char *buf, size_t size)
{
	const struct model_op *o = &m->op;
	const char *dt = model_dtype_name(o->dtype);
	char img[24] = "", seq[24] = "";

	if (m->kind == MODEL_MEAS_KIND_MODEL) {
		if (m->image)
			snprintf(img, sizeof(img), " image=%d", m->image);
		if (m->seq)
			snprintf(seq, sizeof(seq), " seq=%d", m->seq);
		snprintf(buf, size, "model %s batch=%d %s %s%s%s", m->model, m->batch,
			 m->train ? "train" : "infer", dt, img, seq);
	} else if (m->kind <= MODEL_OP_ATTENTION_BWD) {
		snprintf(buf, size, "%s %s b=%lld m=%lld n=%lld k=%lld%s", model_op_kind_name(m->kind),
			 dt, (long long)o->b, (long long)o->m, (long long)o->n, (long long)o->k,
			 o->causal ? " causal" : "");
	} else {
		snprintf(buf, size, "%s %s bytes=%lld flops=%lld", model_op_kind_name(m->kind), dt,
			 (long long)o->bytes, (long long)o->flops);
	}
	return buf;
}

/* ---- the CSV reader ---- */

enum { F_KIND, F_DTYPE, F_SHAPE, F_GPU, F_MECH, F_QUOTA, F_CORUN, F_TIME, F_WHOLE, NFIELDS };
static const char *field_names[NFIELDS] = { "kind",  "dtype", "shape", "gpu",       "mechanism",
					    "quota", "corun", "time",  "whole_time" };

struct csv_ctx {
	const char *name;
	int line;
	const char *line_start;
	double unit_ns;       /* ns per unit of the time columns */
	int nfields;          /* 8 or 9 */
	struct mo_err *err;
};

/* The error for field f starting at p: "NAME:LINE:COL: field 'F': ...". */
static int bad(const struct csv_ctx *c, int f, const char *p, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int bad(const struct csv_ctx *c, int f, const char *p, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (f < -1) /* the row as a whole */
		return mo_err_set(c->err, MO_EINPUT, "%s:%d:%d: %s", c->name, c->line,
				  (int)(p - c->line_start) + 1, msg);
	return mo_err_set(c->err, MO_EINPUT, "%s:%d:%d: field '%s': %s", c->name, c->line,
			  (int)(p - c->line_start) + 1, f >= 0 ? field_names[f] : "header", msg);
}

/* A decimal integer in [lo, hi], the whole of s. */
static int parse_int(const char *s, long long lo, long long hi, long long *out)
{
	char *end;
	long long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/* A finite decimal number > 0, the whole of s (no hex, no exponent games:
 * strtod's forms of NaN and infinity are refused). */
static int parse_pos(const char *s, double *out)
{
	char *end;
	double v;

	if (!((*s >= '0' && *s <= '9') || *s == '.'))
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !isfinite(v) || v <= 0)
		return -1;
	*out = v;
	return 0;
}

/* Split the line (NUL-terminated, no line end) at commas into f[]; refuse
 * quotes and surrounding spaces.  Returns the field count or -1. */
static int split(const struct csv_ctx *c, char *line, char **f, int max)
{
	int n = 0;
	char *p = line;

	for (;;) {
		char *q;
		if (n == max)
			return bad(c, -2, p, "more than %d fields", max - 1), -1;
		f[n++] = p;
		q = p + strcspn(p, ",");
		if (memchr(p, '"', (size_t)(q - p)))
			return bad(c, n <= NFIELDS ? n - 1 : -1, p, "quotes are not allowed"), -1;
		if (q > p && (p[0] == ' ' || q[-1] == ' ' || p[0] == '\t' || q[-1] == '\t'))
			return bad(c, n <= NFIELDS ? n - 1 : -1, p,
				   "leading or trailing space"), -1;
		if (!*q)
			return n;
		*q = '\0';
		p = q + 1;
	}
}

static int parse_header(struct csv_ctx *c, char **f, int nf)
{
	static const char *fixed[] = { "kind", "dtype", "shape", "gpu", "mechanism", "quota", "corun" };
	static const struct {
		const char *u;
		double ns;
	} units[] = { { "ns", 1 }, { "us", 1e3 }, { "ms", 1e6 } };
	const char *unit = NULL;

	if (nf != 8 && nf != 9)
		return bad(c, -1, f[0],
			   "expected 8 or 9 columns "
			   "'kind,dtype,shape,gpu,mechanism,quota,corun,time_<ns|us|ms>[,whole_time_<unit>]', got %d",
			   nf);
	for (int i = 0; i < 7; i++)
		if (strcmp(f[i], fixed[i]))
			return bad(c, i, f[i], "header column %d is '%s', expected '%s'", i + 1, f[i],
				   fixed[i]);
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strncmp(f[7], "time_", 5) && !strcmp(f[7] + 5, units[i].u)) {
			unit = units[i].u;
			c->unit_ns = units[i].ns;
		}
	if (!unit)
		return bad(c, F_TIME, f[7], "header column 8 is '%s', expected time_ns, time_us or time_ms",
			   f[7]);
	if (nf == 9 && (strncmp(f[8], "whole_time_", 11) || strcmp(f[8] + 11, unit)))
		return bad(c, F_WHOLE, f[8], "header column 9 is '%s', expected 'whole_time_%s'", f[8],
			   unit);
	c->nfields = nf;
	return 0;
}

enum shape_key { K_B, K_M, K_N, K_K, K_CAUSAL, K_BYTES, K_FLOPS, K_NAME, K_BATCH, K_MODE, K_IMAGE,
		 K_SEQ, K_LAUNCH, K_INPUT, K_ENGINE, NK };

/* A named model's word-valued key (mode, launch, input, engine) into m:
 * 0, or the error naming the value. */
static int shape_word(const struct csv_ctx *c, const char *at, int key, const char *v, struct model_meas *m)
{
	int mode;

	switch (key) {
	case K_MODE:
		if (strcmp(v, "infer") && strcmp(v, "train"))
			return bad(c, F_SHAPE, at, "mode must be infer or train, not '%s'", v);
		m->train = !strcmp(v, "train");
		return 0;
	case K_LAUNCH:
		if ((mode = model_launch_parse(v)) < 0)
			return bad(c, F_SHAPE, at, "launch must be eager, graphs or executor, not '%s'", v);
		m->launch = model_meas_launch_of(mode);
		return 0;
	case K_INPUT:
		if (strcmp(v, "pageable") && strcmp(v, "none"))
			return bad(c, F_SHAPE, at, "input must be pageable or none, not '%s'", v);
		m->input_pageable = !strcmp(v, "pageable");
		return 0;
	default: /* K_ENGINE */
		if (strcmp(v, "framework") && strcmp(v, "tensorrt"))
			return bad(c, F_SHAPE, at, "engine must be framework or tensorrt, not '%s'", v);
		m->tensorrt = !strcmp(v, "tensorrt");
		return 0;
	}
}

/* One key=value of a shape into m; seen is a bit set of keys given. */
static int shape_pair(const struct csv_ctx *c, const char *at, char *kv, struct model_meas *m,
		      unsigned *seen)
{
	static const char *keys[NK] = { "b", "m", "n", "k", "causal", "bytes", "flops", "name", "batch",
					"mode", "image", "seq", "launch", "input", "engine" };
	char *eq = strchr(kv, '=');
	long long v = 0;
	int key = -1;

	if (!eq || eq == kv || !eq[1])
		return bad(c, F_SHAPE, at, "'%s' is not key=value", kv);
	*eq = '\0';
	for (int i = 0; i < NK; i++)
		if (!strcmp(kv, keys[i]))
			key = i;
	if (key < 0)
		return bad(c, F_SHAPE, at, "unknown key '%s'", kv);
	if (*seen & (1u << key))
		return bad(c, F_SHAPE, at, "key '%s' given twice", kv);
	*seen |= 1u << key;
	if ((m->kind == MODEL_MEAS_KIND_MODEL) != (key >= K_NAME))
		return bad(c, F_SHAPE, at, "key '%s' does not apply to this kind", kv);
	if (key == K_NAME) {
		size_t len = strlen(eq + 1);
		if (len >= sizeof(m->model) || strspn(eq + 1, "abcdefghijklmnopqrstuvwxyz0123456789-_.") != len)
			return bad(c, F_SHAPE, at, "bad model name '%s' (lowercase letters, digits, '-', '_', '.'; at most %zu)",
				   eq + 1, sizeof(m->model) - 1);
		memcpy(m->model, eq + 1, len + 1);
		return 0;
	}
	if (key == K_MODE || key == K_LAUNCH || key == K_INPUT || key == K_ENGINE)
		return shape_word(c, at, key, eq + 1, m);
	if (key == K_CAUSAL) {
		if (parse_int(eq + 1, 0, 1, &v) < 0)
			return bad(c, F_SHAPE, at, "causal must be 0 or 1, not '%s'", eq + 1);
	} else if (key == K_BYTES || key == K_FLOPS) {
		if (parse_int(eq + 1, 0, MODEL_MEAS_MAX_WORK, &v) < 0)
			return bad(c, F_SHAPE, at, "%s must be an integer 0..%lld, not '%s'", kv,
				   (long long)MODEL_MEAS_MAX_WORK, eq + 1);
	} else if (parse_int(eq + 1, 1, MODEL_MEAS_MAX_DIM, &v) < 0) {
		return bad(c, F_SHAPE, at, "%s must be an integer 1..%ld, not '%s'", kv,
			   (long)MODEL_MEAS_MAX_DIM, eq + 1);
	}
	switch (key) {
	case K_B: m->op.b = v; break;
	case K_M: m->op.m = v; break;
	case K_N: m->op.n = v; break;
	case K_K: m->op.k = v; break;
	case K_CAUSAL: m->op.causal = (int)v; break;
	case K_BYTES: m->op.bytes = v; break;
	case K_FLOPS: m->op.flops = v; break;
	case K_BATCH: m->batch = (int)v; break;
	case K_IMAGE: m->image = (int)v; break;
	case K_SEQ: m->seq = (int)v; break;
	}
	return 0;
}

/* The keys each kind needs (bits of enum shape_key). */
static int shape_check(const struct csv_ctx *c, const char *at, struct model_meas *m, unsigned seen)
{
	unsigned need;
	const char *what;

	switch (m->kind) {
	case MODEL_MEAS_KIND_MODEL:
		need = (1u << K_NAME) | (1u << K_BATCH), what = "name and batch";
		break;
	case MODEL_OP_GEMM:
		need = (1u << K_M) | (1u << K_N) | (1u << K_K), what = "m, n and k";
		if (!(seen & (1u << K_B)))
			m->op.b = 1;
		break;
	case MODEL_OP_BMM:
	case MODEL_OP_ATTENTION:
	case MODEL_OP_ATTENTION_BWD:
		need = (1u << K_B) | (1u << K_M) | (1u << K_N) | (1u << K_K), what = "b, m, n and k";
		break;
	default:
		need = 1u << K_BYTES, what = "bytes";
	}
	if ((seen & need) != need)
		return bad(c, F_SHAPE, at, "%s needs %s", m->kind < 0 ? "model" : model_op_kind_name(m->kind),
			   what);
	if (m->tensorrt && m->train)
		return bad(c, F_SHAPE, at, "engine=tensorrt is an inference engine: not with mode=train");
	if ((seen & (1u << K_CAUSAL)) && m->kind != MODEL_OP_ATTENTION && m->kind != MODEL_OP_ATTENTION_BWD)
		return bad(c, F_SHAPE, at, "causal applies to attention only");
	if (m->kind >= 0 && (double)m->op.b * m->op.m * m->op.n * m->op.k > (double)MODEL_MEAS_MAX_WORK)
		return bad(c, F_SHAPE, at, "b * m * n * k exceeds %lld", (long long)MODEL_MEAS_MAX_WORK);
	return 0;
}

static int parse_kind(const struct csv_ctx *c, const char *s, struct model_meas *m)
{
	static const struct {
		const char *alias;
		int kind;
	} aliases[] = { { "model", MODEL_MEAS_KIND_MODEL }, { "norm", MODEL_OP_REDUCTION },
			{ "softmax", MODEL_OP_REDUCTION }, { "linear", MODEL_OP_GEMM } };

	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (!strcmp(s, aliases[i].alias)) {
			m->kind = aliases[i].kind;
			return 0;
		}
	for (int k = MODEL_OP_GEMM; k <= MODEL_OP_MEMORY; k++)
		if (!strcmp(s, model_op_kind_name(k))) {
			m->kind = k;
			return 0;
		}
	return bad(c, F_KIND, s,
		   "unknown kind '%s' (gemm, linear, bmm, attention, attention_bwd, elementwise, "
		   "reduction, norm, softmax, optimizer, memory, model)", s);
}

static int parse_shape(const struct csv_ctx *c, char *s, struct model_meas *m)
{
	unsigned seen = 0;
	char *p = s;

	if (!*s)
		return bad(c, F_SHAPE, s, "empty");
	while (*p) {
		char *sp = strchr(p, ' ');
		if (sp)
			*sp = '\0';
		if (!*p)
			return bad(c, F_SHAPE, p, "two spaces in a row");
		if (shape_pair(c, p, p, m, &seen) < 0)
			return -1;
		if (!sp)
			break;
		p = sp + 1;
		if (!*p)
			return bad(c, F_SHAPE, p, "trailing space");
	}
	return shape_check(c, s, m, seen);
}

static int parse_quota(const struct csv_ctx *c, const char *s, const struct model_gpu *g,
		       struct model_meas *m)
{
	long long v;
	size_t len = strlen(s);

	if (m->mech == MODEL_MECH_WHOLE) {
		if (strcmp(s, "-") && (parse_int(s, g->sms, g->sms, &v) < 0))
			return bad(c, F_QUOTA, s, "whole GPU: '-' or %d, not '%s'", g->sms, s);
		return 0;
	}
	if (m->mech == MODEL_MECH_MPS && len > 1 && s[len - 1] == '%') {
		char buf[32];
		if (len >= sizeof(buf))
			return bad(c, F_QUOTA, s, "bad percentage '%s'", s);
		memcpy(buf, s, len - 1);
		buf[len - 1] = '\0';
		if (parse_pos(buf, &m->pct) < 0 || m->pct > 100)
			return bad(c, F_QUOTA, s, "percentage must be in (0, 100], not '%s'", s);
		return 0;
	}
	if (parse_int(s, 1, g->sms, &v) < 0)
		return bad(c, F_QUOTA, s, "%s: SMs 1..%d of %s%s, not '%s'", model_mech_name(m->mech),
			   g->sms, g->short_name, m->mech == MODEL_MECH_MPS ? " or a percentage P%" : "", s);
	m->sms = (int)v;
	return 0;
}

static int parse_corun(const struct csv_ctx *c, const char *s, struct model_meas *m)
{
	long long v;

	m->copies = 1;
	if (!strcmp(s, "none"))
		return 0;
	if (!strncmp(s, "copies=", 7)) {
		if (parse_int(s + 7, 2, 64, &v) < 0)
			return bad(c, F_CORUN, s, "copies=N needs 2 <= N <= 64, not '%s'", s + 7);
		m->copies = (int)v;
		return 0;
	}
	if (!strncmp(s, "busy=", 5)) {
		size_t len = strlen(s + 5);
		if (!len || len >= sizeof(m->busy) ||
		    strspn(s + 5, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._+-") != len)
			return bad(c, F_CORUN, s, "busy=<label>: 1..%zu of [A-Za-z0-9._+-], not '%s'",
				   sizeof(m->busy) - 1, s + 5);
		memcpy(m->busy, s + 5, len + 1);
		return 0;
	}
	return bad(c, F_CORUN, s, "expected none, copies=N or busy=<label>, not '%s'", s);
}

static int parse_time(const struct csv_ctx *c, int f, const char *s, double *ns)
{
	double v;

	if (f == F_WHOLE && !strcmp(s, "-")) {
		*ns = 0;
		return 0;
	}
	if (parse_pos(s, &v) < 0)
		return bad(c, f, s, "expected a positive finite number, not '%s'", s);
	v *= c->unit_ns;
	if (v > MODEL_MEAS_MAX_NS)
		return bad(c, f, s, "'%s' exceeds %g ns", s, MODEL_MEAS_MAX_NS);
	*ns = v;
	return 0;
}

static int parse_row(struct csv_ctx *c, char **f, int nf, struct model_meas *m)
{
	const struct model_gpu *g;
	struct mo_err gerr;
	int d;

	memset(m, 0, sizeof(*m));
	snprintf(m->where, sizeof(m->where), "%s:%d", c->name, c->line);
	if (nf < c->nfields)
		return bad(c, nf - 1, f[nf - 1], "%d fields, the header has %d: the row ends after '%s'",
			   nf, c->nfields, field_names[nf - 1]);
	if (nf > c->nfields)
		return bad(c, -2, f[c->nfields], "%d or more fields, the header has %d", nf, c->nfields);
	for (int i = 0; i < nf; i++)
		if (!*f[i])
			return bad(c, i, f[i], "empty");
	if (parse_kind(c, f[F_KIND], m) < 0)
		return -1;
	d = model_dtype_parse(f[F_DTYPE]);
	if (d < 0 || strcmp(f[F_DTYPE], model_dtype_name(d)))
		return bad(c, F_DTYPE, f[F_DTYPE], "unknown dtype '%s' (fp32, tf32, bf16, fp16, fp8, int8)",
			   f[F_DTYPE]);
	m->op.kind = m->kind < 0 ? MODEL_OP_GEMM : m->kind;
	m->op.dtype = d;
	if (parse_shape(c, f[F_SHAPE], m) < 0)
		return -1;
	g = model_gpu_find(f[F_GPU], &gerr);
	if (!g || strlen(f[F_GPU]) >= sizeof(m->gpu))
		return bad(c, F_GPU, f[F_GPU], "unknown GPU '%s' (mosaic model gpus lists them; "
			   "--gpu-file adds one)", f[F_GPU]);
	snprintf(m->gpu, sizeof(m->gpu), "%s", f[F_GPU]);
	m->mech = model_mech_parse(f[F_MECH]);
	if (m->mech < 0)
		return bad(c, F_MECH, f[F_MECH], "unknown mechanism '%s' (whole, green-context, mig, mps)",
			   f[F_MECH]);
	if (parse_quota(c, f[F_QUOTA], g, m) < 0 || parse_corun(c, f[F_CORUN], m) < 0)
		return -1;
	if (parse_time(c, F_TIME, f[F_TIME], &m->ns) < 0)
		return -1;
	if (nf == 9 && parse_time(c, F_WHOLE, f[F_WHOLE], &m->whole_ns) < 0)
		return -1;
	return 0;
}

/* Whether a and b time the same item (kind, shape, dtype, model sizes). */
static int same_item(const struct model_meas *a, const struct model_meas *b)
{
	const struct model_op *x = &a->op, *y = &b->op;

	return a->kind == b->kind && x->dtype == y->dtype && x->b == y->b && x->m == y->m &&
	       x->n == y->n && x->k == y->k && x->causal == y->causal && x->flops == y->flops &&
	       x->bytes == y->bytes && !strcmp(a->model, b->model) && a->batch == b->batch &&
	       a->train == b->train && a->image == b->image && a->seq == b->seq;
}

/* Rows n0.. of s without a whole-GPU time take it from the first solo
 * whole-GPU row of the same item and GPU among them. */
static void pair_whole(struct model_meas_set *s, size_t n0)
{
	for (size_t i = n0; i < s->n; i++) {
		struct model_meas *a = &s->m[i];
		if (a->whole_ns > 0 || (a->mech == MODEL_MECH_WHOLE && a->copies == 1 && !a->busy[0]))
			continue;
		for (size_t j = n0; j < s->n; j++) {
			const struct model_meas *b = &s->m[j];
			if (b->mech == MODEL_MECH_WHOLE && b->copies == 1 && !b->busy[0] &&
			    !strcmp(a->gpu, b->gpu) && same_item(a, b)) {
				a->whole_ns = b->ns;
				break;
			}
		}
	}
}

int model_meas_parse_csv(struct model_meas_set *s, const char *text, size_t len, const char *name,
			 struct mo_err *err)
{
	struct csv_ctx c = { .name = name, .err = err };
	size_t n0 = s->n, off = 0;
	char line[MODEL_MEAS_MAX_LINE + 1];
	char *f[NFIELDS + 1];

	if (len > (size_t)MODEL_MEAS_MAX_BYTES)
		return mo_err_set(err, MO_EINPUT, "%s: %zu bytes, more than the limit of %ld", name, len,
				  (long)MODEL_MEAS_MAX_BYTES);
	if (memchr(text, '\0', len))
		return mo_err_set(err, MO_EINPUT, "%s: a NUL byte (not a text file)", name);
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3)) /* a UTF-8 byte order mark */
		off = 3;
	while (off < len) {
		const char *nl = memchr(text + off, '\n', len - off);
		size_t ll = nl ? (size_t)(nl - (text + off)) : len - off;
		struct model_meas m;
		int nf;

		c.line++;
		if (ll > MODEL_MEAS_MAX_LINE) {
			mo_err_set(err, MO_EINPUT, "%s:%d:1: line longer than %d bytes", name, c.line,
				   MODEL_MEAS_MAX_LINE);
			goto fail;
		}
		memcpy(line, text + off, ll);
		off += ll + (nl != NULL);
		if (ll && line[ll - 1] == '\r')
			ll--;
		line[ll] = '\0';
		c.line_start = line;
		if (!ll || line[0] == '#')
			continue;
		nf = split(&c, line, f, NFIELDS + 1);
		if (nf < 0)
			goto fail;
		if (!c.nfields) {
			if (parse_header(&c, f, nf) < 0)
				goto fail;
			continue;
		}
		if (!strcmp(f[0], "kind")) {
			bad(&c, F_KIND, f[0], "a second header line");
			goto fail;
		}
		if (parse_row(&c, f, nf, &m) < 0 || model_meas_add(s, &m, err) < 0)
			goto fail;
	}
	if (!c.nfields)
		return mo_err_set(err, MO_EINPUT, "%s: no header line (kind,dtype,shape,gpu,mechanism,"
				  "quota,corun,time_<ns|us|ms>[,whole_time_<unit>])", name);
	pair_whole(s, n0);
	return 0;
fail:
	s->n = n0;
	return err && err->code ? err->code : -MO_EINPUT;
}
