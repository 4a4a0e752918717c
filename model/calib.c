/*
 * calib.c - measured GEMM timings (NeuSight CSV): loading, the deterministic
 * train/test split, error of the kernel-from-shape model and its fit.
 */
#include "model/model.h"
#include "model/model-internal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void model_gemm_set_init(struct model_gemm_set *set)
{
	memset(set, 0, sizeof(*set));
}

void model_gemm_set_release(struct model_gemm_set *set)
{
	free(set->s);
	memset(set, 0, sizeof(*set));
}

/* Split a CSV line in place (double quotes honoured); returns field count. */
static int csv_split(char *line, char **f, int max)
{
	int n = 0;
	char *p = line;

	while (n < max) {
		char *out;
		f[n++] = p;
		out = p;
		if (*p == '"') {
			p++;
			for (; *p; p++) {
				if (*p == '"' && p[1] == '"') {
					*out++ = '"';
					p++;
				} else if (*p == '"') {
					p++;
					break;
				} else {
					*out++ = *p;
				}
			}
			while (*p && *p != ',')
				p++;
		} else {
			while (*p && *p != ',' && *p != '\n' && *p != '\r')
				*out++ = *p++;
		}
		if (*p != ',') {
			*out = '\0';
			break;
		}
		p++;
		*out = '\0';
	}
	return n;
}

static int parse_i64(const char *s, int64_t *v)
{
	char *end;
	long long x;

	errno = 0;
	x = strtoll(s, &end, 10);
	if (errno || end == s || *end)
		return -1;
	*v = x;
	return 0;
}

/* The CTA tile in a cuBLAS/CUTLASS sgemm name: "..._tilesize128x64x8_..."
 * or "..._sgemm_128x64_..." (first dimension along cuBLAS's M, which is the
 * op's n because cuBLAS computes the transposed product). */
static void kernel_tile(const char *name, int *tm, int *tn)
{
	const char *p = strstr(name, "tilesize");
	int a, b;

	*tm = *tn = 0;
	if (p)
		p += 8;
	else if ((p = strstr(name, "sgemm_")))
		p += 6;
	else
		return;
	if (sscanf(p, "%dx%d", &a, &b) == 2 && a > 0 && b > 0 && a <= 1024 && b <= 1024) {
		*tm = b;
		*tn = a;
	}
}

int model_gemm_csv_load(struct model_gemm_set *set, const char *path, struct mo_err *err)
{
	FILE *fp;
	char line[8192];
	char *f[64];
	int col[7] = { -1, -1, -1, -1, -1, -1, -1 }; /* OPName Latency Device B M N K */
	int kcol = -1; /* optional: Kernel Name */
	static const char *cols[7] = { "OPName", "Latency", "Device", "B", "M", "N", "K" };
	int lineno = 0, nf, rc = mo_open_regular(path, &fp, err);

	if (rc < 0)
		return rc;
	if (!fgets(line, sizeof(line), fp)) {
		rc = mo_err_set(err, MO_EINPUT, "cannot read '%s': empty file", path);
		goto out;
	}
	lineno = 1;
	nf = csv_split(line, f, 64);
	for (int i = 0; i < nf; i++) {
		for (int c = 0; c < 7; c++)
			if (!strcmp(f[i], cols[c]))
				col[c] = i;
		if (!strcmp(f[i], "Kernel Name"))
			kcol = i;
	}
	for (int c = 0; c < 7; c++)
		if (col[c] < 0) {
			rc = mo_err_set(err, MO_EINPUT, "cannot read '%s': line 1: no column '%s'", path,
					cols[c]);
			goto out;
		}
	while (fgets(line, sizeof(line), fp)) {
		struct model_gemm_sample s;
		char *end;
		lineno++;
		if (line[0] == '\n' || line[0] == '\r' || !line[0])
			continue;
		nf = csv_split(line, f, 64);
		memset(&s, 0, sizeof(s));
		for (int c = 0; c < 7; c++)
			if (col[c] >= nf) {
				rc = mo_err_set(err, MO_EINPUT, "cannot read '%s': line %d: %d fields, no '%s'",
						path, lineno, nf, cols[c]);
				goto out;
			}
		if (!strcasecmp(f[col[0]], "linear"))
			s.bmm = 0;
		else if (!strcasecmp(f[col[0]], "bmm"))
			s.bmm = 1;
		else
			continue; /* other ops: not GEMMs */
		errno = 0;
		s.ms = strtod(f[col[1]], &end);
		if (errno || end == f[col[1]] || *end || !(s.ms > 0) || !isfinite(s.ms)) {
			rc = mo_err_set(err, MO_EINPUT, "cannot read '%s': line %d: bad Latency '%s'",
					path, lineno, f[col[1]]);
			goto out;
		}
		snprintf(s.gpu, sizeof(s.gpu), "%s", f[col[2]]);
		if (kcol >= 0 && kcol < nf)
			kernel_tile(f[kcol], &s.tile_m, &s.tile_n);
		if (parse_i64(f[col[3]], &s.b) || parse_i64(f[col[4]], &s.m) ||
		    parse_i64(f[col[5]], &s.n) || parse_i64(f[col[6]], &s.k) || s.b <= 0 || s.m <= 0 ||
		    s.n <= 0 || s.k <= 0) {
			rc = mo_err_set(err, MO_EINPUT, "cannot read '%s': line %d: bad B, M, N, K", path,
					lineno);
			goto out;
		}
		if (MO_GROW(set->s, set->n + 1, set->cap) < 0) {
			rc = mo_err_set(err, MO_ENOMEM, "cannot read '%s': out of memory", path);
			goto out;
		}
		set->s[set->n++] = s;
	}
	if (ferror(fp))
		rc = mo_err_set(err, MO_EIO, "cannot read '%s': %s", path, strerror(errno));
out:
	fclose(fp);
	return rc;
}

int model_gemm_is_test(const struct model_gemm_sample *s)
{
	/* FNV-1a over the op and shape (not the device), so a shape is held
	 * out on every GPU alike */
	uint64_t h = 1469598103934665603ULL;
	int64_t v[5] = { s->bmm, s->b, s->m, s->n, s->k };

	for (int i = 0; i < 5; i++)
		for (int j = 0; j < 8; j++) {
			h ^= (uint64_t)((v[i] >> (8 * j)) & 0xff);
			h *= 1099511628211ULL;
		}
	return h % 10 < 3;
}

void model_gemm_sample_op(const struct model_gemm_sample *s, struct model_op *op)
{
	memset(op, 0, sizeof(*op));
	op->dtype = MODEL_FP32;
	if (s->bmm) {
		op->kind = MODEL_OP_BMM;
		op->b = s->b;
		op->m = s->m;
	} else {
		op->kind = MODEL_OP_GEMM;
		op->b = 1;
		op->m = s->b * s->m;
	}
	op->n = s->n;
	op->k = s->k;
}

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

void model_err_stats_of(double *ape, int n, struct model_err_stats *o)
{
	double sum = 0;

	memset(o, 0, sizeof(*o));
	o->n = n;
	if (n <= 0)
		return;
	qsort(ape, (size_t)n, sizeof(double), cmp_dbl);
	for (int i = 0; i < n; i++)
		sum += ape[i];
	o->mape = sum / n;
	o->p50 = n % 2 ? ape[n / 2] : 0.5 * (ape[n / 2 - 1] + ape[n / 2]);
	o->p90 = ape[(int)ceil(0.9 * n) - 1]; /* nearest rank */
	o->max = ape[n - 1];
}

static int match_gpu(const struct model_gemm_sample *s, const struct model_gpu *gpu)
{
	const struct model_gpu *g = model_gpu_find(s->gpu, NULL);

	return g && !strcmp(g->name, gpu->name);
}

/*
 * Fitted with `mosaic model calibrate linear.csv bmm.csv` on the training
 * split of the NeuSight data (see tests/bench/bench-model.c for the held-out
 * error): simt_eff, k0, per-op overheads (linear, bmm) in ns.
 */
static const struct {
	const char *name;
	struct model_gemm_fit fit;
} fits[] = {
	{ "h100", { 0.74, 9, { 42000, 22000 } } },
	{ "a100-80gb-pcie", { 0.96, 33, { 42000, 32000 } } },
	{ "a100-40gb-pcie", { 0.86, 25, { 52000, 36000 } } },
	{ "v100-pcie", { 1.00, 33, { 48000, 16000 } } },
	{ "l4", { 0.30, 57, { 10000, 50000 } } },
	{ "t4", { 0.50, 33, { 60000, 32000 } } },
	{ NULL, { 0, 0, { 0, 0 } } },
};

void model_gemm_fit_get(const struct model_gpu *gpu, struct model_gemm_fit *f)
{
	f->simt_eff = gpu->gemm_simt_eff > 0 ? gpu->gemm_simt_eff : MODEL_DEFAULT_SIMT_EFF;
	f->k0 = gpu->gemm_k0 > 0 ? gpu->gemm_k0 : MODEL_DEFAULT_K0;
	f->overhead_ns[0] = f->overhead_ns[1] = 0;
	for (int i = 0; fits[i].name; i++)
		if (!strcmp(fits[i].name, gpu->short_name)) {
			f->overhead_ns[0] = fits[i].fit.overhead_ns[0];
			f->overhead_ns[1] = fits[i].fit.overhead_ns[1];
		}
}

/* Errors (APE %, or |log ratio| when logerr) of the matching samples. */
static int collect(const struct model_gemm_set *set, const struct model_gpu *gpu,
		   const struct model_gemm_fit *fit, int which, const unsigned char *mask,
		   double *out, int logerr)
{
	struct model_gpu g = *gpu;
	int n = 0;

	g.gemm_simt_eff = fit->simt_eff;
	g.gemm_k0 = fit->k0;
	for (size_t i = 0; i < set->n; i++) {
		const struct model_gemm_sample *s = &set->s[i];
		struct model_op op;
		double pred, meas;
		if (mask ? !mask[i] : !match_gpu(s, gpu))
			continue;
		if (which >= 0 && model_gemm_is_test(s) != which)
			continue;
		model_gemm_sample_op(s, &op);
		pred = (double)model_op_ns(&g, &op, g.sms) + fit->overhead_ns[s->bmm ? 1 : 0];
		meas = s->ms * 1e6;
		out[n++] = logerr ? fabs(log(pred / meas)) : fabs(pred - meas) / meas * 100.0;
	}
	return n;
}

int model_gemm_evaluate(const struct model_gemm_set *set, const struct model_gpu *gpu,
			const struct model_gemm_fit *fit, int which, struct model_gemm_eval *o)
{
	double *e = malloc((set->n ? set->n : 1) * sizeof(double));
	struct model_gemm_fit f;
	struct model_err_stats st;
	int n;

	memset(o, 0, sizeof(*o));
	if (!e)
		return -MO_ENOMEM;
	if (!fit) {
		model_gemm_fit_get(gpu, &f);
		fit = &f;
	}
	n = collect(set, gpu, fit, which, NULL, e, 0);
	model_err_stats_of(e, n, &st);
	o->n = n;
	o->median_ape = st.p50;
	o->p90_ape = st.p90;
	o->mape = st.mape;
	free(e);
	return 0;
}

void model_gemm_tile_agreement(const struct model_gemm_set *set, const struct model_gpu *gpu,
			       int *agree, int *n)
{
	*agree = *n = 0;
	for (size_t i = 0; i < set->n; i++) {
		const struct model_gemm_sample *s = &set->s[i];
		struct model_op op;
		struct model_op_pred p;
		if (!s->tile_m || !match_gpu(s, gpu))
			continue;
		model_gemm_sample_op(s, &op);
		if (model_op_predict(gpu, &op, gpu->sms, &p, NULL) < 0)
			continue;
		(*n)++;
		*agree += p.tile_m == s->tile_m && p.tile_n == s->tile_n;
	}
}

static double objective(const struct model_gemm_set *set, const struct model_gpu *g,
			const struct model_gemm_fit *fit, const unsigned char *mask, double *buf)
{
	struct model_err_stats st;
	int n = collect(set, g, fit, 0, mask, buf, 1);

	model_err_stats_of(buf, n, &st);
	/* half the median, half the mean: the median alone leaves a long tail
	 * (A100 held-out p90 42% instead of 26%) */
	return 0.5 * st.p50 + 0.5 * st.mape;
}

int model_gemm_calibrate(const struct model_gemm_set *set, const struct model_gpu *gpu,
			 struct model_gemm_fit *fit, struct model_gemm_eval *train,
			 struct model_gemm_eval *test, struct mo_err *err)
{
	double *buf = malloc((set->n ? set->n : 1) * sizeof(double));
	unsigned char *mask = calloc(set->n ? set->n : 1, 1);
	int ntrain = 0;
	struct model_gemm_fit f;
	double best;

	if (!buf || !mask) {
		free(buf);
		free(mask);
		return mo_err_set(err, MO_ENOMEM, "calibrate: out of memory");
	}
	for (size_t i = 0; i < set->n; i++) {
		mask[i] = (unsigned char)match_gpu(&set->s[i], gpu);
		ntrain += mask[i] && !model_gemm_is_test(&set->s[i]);
	}
	if (ntrain < 10) {
		free(buf);
		free(mask);
		return mo_err_set(err, MO_EINPUT,
				  "calibrate: %d training samples for '%s' (need 10 or more)", ntrain,
				  gpu->name);
	}
	f.simt_eff = MODEL_DEFAULT_SIMT_EFF;
	f.k0 = MODEL_DEFAULT_K0;
	f.overhead_ns[0] = f.overhead_ns[1] = 0;
	best = objective(set, gpu, &f, mask, buf);
	/* coordinate descent over 1-D grids, a few rounds */
	for (int round = 0; round < 3; round++) {
		for (int p = 0; p < 4; p++) {
			int steps = p == 0 ? 46 : p == 1 ? 33 : 41;
			for (int i = 0; i < steps; i++) {
				struct model_gemm_fit t = f;
				double e;
				if (p == 0)
					t.simt_eff = 0.30 + 0.02 * i;          /* 0.30 .. 1.20 */
				else if (p == 1)
					t.k0 = 1.0 + 8.0 * i;                   /* 1 .. 257 */
				else
					t.overhead_ns[p - 2] = 2000.0 * i;      /* 0 .. 80 us */
				e = objective(set, gpu, &t, mask, buf);
				if (e < best) {
					best = e;
					f = t;
				}
			}
		}
	}
	*fit = f;
	free(buf);
	free(mask);
	if (train)
		model_gemm_evaluate(set, gpu, fit, 0, train);
	if (test)
		model_gemm_evaluate(set, gpu, fit, 1, test);
	return 0;
}
