/*
 * test-measure.c - measurements of GPU sharing (model/measure*.c): the
 * strict CSV reader, the readers of published data sets on the small
 * copies in tests/data/measurements, and the evaluation's statistics.
 * (A second Check suite of model/, kept apart from test-model.c so that the
 * kernel-physics work and this one do not edit the same file.)
 */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tests/common/check-main.h"
#include "model/model.h"

#define DATA "tests/data/measurements"

static const char header[] = "kind,dtype,shape,gpu,mechanism,quota,corun,time_us,whole_time_us\n";

static int parse(struct model_meas_set *s, const char *text, struct mo_err *err)
{
	mo_err_clear(err);
	return model_meas_parse_csv(s, text, strlen(text), "t.csv", err);
}

START_TEST(good_rows_are_read_with_their_units_quotas_and_co_runners)
{
	static const char text[] =
		"# comment\n"
		"kind,dtype,shape,gpu,mechanism,quota,corun,time_ms,whole_time_ms\r\n"
		"gemm,bf16,m=4096 n=2048 k=1024,h100,green-context,16,none,1.5,0.25\r\n"
		"\n"
		"attention,fp16,b=32 m=512 n=512 k=64 causal=1,NVIDIA H100 80GB HBM3,mps,50%,copies=2,2,-\n"
		"model,fp32,name=resnet50 batch=8 mode=train image=32,a100-40gb-sxm,mig,14,busy=6xmig,30,9\n"
		"norm,bf16,bytes=1000 flops=10,h100,whole,-,none,0.01,-\n";
	struct model_meas_set s;
	struct mo_err err;
	const struct model_meas *m;

	model_meas_set_init(&s);
	ck_assert_int_eq(parse(&s, text, &err), 0);
	ck_assert_uint_eq(s.n, 4);
	m = &s.m[0];
	ck_assert_int_eq(m->kind, MODEL_OP_GEMM);
	ck_assert_int_eq(m->op.b, 1);
	ck_assert_int_eq(m->op.m, 4096);
	ck_assert_int_eq(m->op.n, 2048);
	ck_assert_int_eq(m->op.k, 1024);
	ck_assert_int_eq(m->op.dtype, MODEL_BF16);
	ck_assert_int_eq(m->mech, MODEL_MECH_GREEN);
	ck_assert_int_eq(m->sms, 16);
	ck_assert_int_eq(m->copies, 1);
	ck_assert_double_eq_tol(m->ns, 1.5e6, 1e-6);
	ck_assert_double_eq_tol(m->whole_ns, 0.25e6, 1e-6);
	ck_assert_str_eq(m->where, "t.csv:3");
	m = &s.m[1];
	ck_assert_int_eq(m->kind, MODEL_OP_ATTENTION);
	ck_assert_int_eq(m->op.causal, 1);
	ck_assert_int_eq(m->mech, MODEL_MECH_MPS);
	ck_assert_double_eq(m->pct, 50);
	ck_assert_int_eq(m->copies, 2);
	ck_assert_double_eq(m->whole_ns, 0);
	m = &s.m[2];
	ck_assert_int_eq(m->kind, MODEL_MEAS_KIND_MODEL);
	ck_assert_str_eq(m->model, "resnet50");
	ck_assert_int_eq(m->batch, 8);
	ck_assert_int_eq(m->train, 1);
	ck_assert_int_eq(m->image, 32);
	ck_assert_str_eq(m->busy, "6xmig");
	m = &s.m[3];
	ck_assert_int_eq(m->kind, MODEL_OP_REDUCTION);
	ck_assert_int_eq(m->op.bytes, 1000);
	ck_assert_int_eq(m->op.flops, 10);
	ck_assert_int_eq(m->mech, MODEL_MECH_WHOLE);
	ck_assert_double_eq_tol(m->ns, 1e4, 1e-9);
	model_meas_set_release(&s);
}
END_TEST

START_TEST(a_byte_order_mark_before_the_header_is_skipped)
{
	static const char text[] = "\xef\xbb\xbfkind,dtype,shape,gpu,mechanism,quota,corun,time_ns\r\n"
				   "memory,fp16,bytes=4096,h100,mig,16,none,2000\r\n";
	struct model_meas_set s;
	struct mo_err err;

	model_meas_set_init(&s);
	ck_assert_msg(parse(&s, text, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(s.n, 1);
	ck_assert_int_eq(s.m[0].kind, MODEL_OP_MEMORY);
	ck_assert_double_eq(s.m[0].ns, 2000);
	model_meas_set_release(&s);
}
END_TEST

START_TEST(a_row_without_whole_time_takes_it_from_the_whole_gpu_row_of_the_same_item)
{
	static const char text[] =
		"kind,dtype,shape,gpu,mechanism,quota,corun,time_us\n"
		"gemm,bf16,m=64 n=64 k=64,h100,green-context,16,none,30\n"
		"gemm,bf16,m=64 n=64 k=128,h100,green-context,16,none,50\n"   /* another shape */
		"gemm,bf16,m=64 n=64 k=64,h100,green-context,8,copies=2,70\n"
		"gemm,bf16,m=64 n=64 k=64,h100,whole,-,busy=x,12\n"          /* not alone */
		"gemm,bf16,m=64 n=64 k=64,h100,whole,132,none,10\n"
		"gemm,bf16,m=64 n=64 k=64,h100,whole,-,none,11\n";           /* not the first */
	struct model_meas_set s;
	struct mo_err err;

	model_meas_set_init(&s);
	ck_assert_int_eq(parse(&s, text, &err), 0);
	ck_assert_uint_eq(s.n, 6);
	ck_assert_double_eq_tol(s.m[0].whole_ns, 10e3, 1e-9);
	ck_assert_double_eq(s.m[1].whole_ns, 0);
	ck_assert_double_eq_tol(s.m[2].whole_ns, 10e3, 1e-9);
	ck_assert_double_eq_tol(s.m[3].whole_ns, 10e3, 1e-9); /* a co-run on the whole GPU */
	ck_assert_double_eq(s.m[4].whole_ns, 0);
	ck_assert_double_eq(s.m[5].whole_ns, 0);
	model_meas_set_release(&s);
}
END_TEST

/* Bad inputs as literal bytes: each must fail with file:line:column and the
 * field named, and leave the set as it was. */
START_TEST(bad_rows_fail_with_file_line_column_and_field)
{
	static const struct {
		const char *what;
		const char *text;
		size_t len;      /* 0: strlen */
		const char *msg; /* expected part of the message */
	} cases[] = {
		{ "empty", "", 0, "t.csv: no header line" },
		{ "only comments", "# nothing\n", 0, "no header line" },
		{ "truncated row", "kind,dtype,shape,gpu,mechanism,quota,corun,time_us\ngemm,fp16,m=1 n=1 k=1,h100", 0,
		  "t.csv:2:23: field 'gpu': 4 fields, the header has 8: the row ends after 'gpu'" },
		{ "wrong type", "kind,dtype,shape,gpu,mechanism,quota,corun,time_us\ngemm,fp16,m=1 n=1 k=1,h100,whole,-,none,abc\n", 0,
		  "t.csv:2:41: field 'time': expected a positive finite number, not 'abc'" },
		{ "NaN", "kind,dtype,shape,gpu,mechanism,quota,corun,time_us\ngemm,fp16,m=1 n=1 k=1,h100,whole,-,none,nan\n", 0,
		  "field 'time': expected a positive finite number, not 'nan'" },
		{ "infinity", "kind,dtype,shape,gpu,mechanism,quota,corun,time_us\ngemm,fp16,m=1 n=1 k=1,h100,whole,-,none,inf\n", 0,
		  "field 'time'" },
		{ "negative", "kind,dtype,shape,gpu,mechanism,quota,corun,time_us\ngemm,fp16,m=1 n=1 k=1,h100,whole,-,none,-5\n", 0,
		  "t.csv:2:41: field 'time'" },
		{ "zero", "kind,dtype,shape,gpu,mechanism,quota,corun,time_us\ngemm,fp16,m=1 n=1 k=1,h100,whole,-,none,0\n", 0,
		  "field 'time'" },
		{ "huge time", "kind,dtype,shape,gpu,mechanism,quota,corun,time_ms\ngemm,fp16,m=1 n=1 k=1,h100,whole,-,none,1e300\n", 0,
		  "field 'time': '1e300' exceeds" },
		{ "huge dim", "kind,dtype,shape,gpu,mechanism,quota,corun,time_us\ngemm,fp16,m=99999999999 n=1 k=1,h100,whole,-,none,1\n", 0,
		  "t.csv:2:11: field 'shape': m must be an integer 1.." },
		{ "huge work", "kind,dtype,shape,gpu,mechanism,quota,corun,time_us\nbmm,fp16,b=16777216 m=16777216 n=16777216 k=16777216,h100,whole,-,none,1\n", 0,
		  "field 'shape': b * m * n * k exceeds" },
		{ "duplicate header", "kind,dtype,shape,gpu,mechanism,quota,corun,time_us\nkind,dtype,shape,gpu,mechanism,quota,corun,time_us\n", 0,
		  "t.csv:2:1: field 'kind': a second header line" },
		{ "unknown mechanism", "kind,dtype,shape,gpu,mechanism,quota,corun,time_us\ngemm,fp16,m=1 n=1 k=1,h100,timeslice,8,none,1\n", 0,
		  "t.csv:2:28: field 'mechanism': unknown mechanism 'timeslice'" },
		{ "unknown GPU", "kind,dtype,shape,gpu,mechanism,quota,corun,time_us\ngemm,fp16,m=1 n=1 k=1,rtx9090,whole,-,none,1\n", 0,
		  "t.csv:2:23: field 'gpu': unknown GPU 'rtx9090'" },
		{ "unknown kind", "kind,dtype,shape,gpu,mechanism,quota,corun,time_us\nconv,fp16,m=1 n=1 k=1,h100,whole,-,none,1\n", 0,
		  "t.csv:2:1: field 'kind': unknown kind 'conv'" },
		{ "unknown dtype", "kind,dtype,shape,gpu,mechanism,quota,corun,time_us\ngemm,int4,m=1 n=1 k=1,h100,whole,-,none,1\n", 0,
		  "t.csv:2:6: field 'dtype': unknown dtype 'int4'" },
		{ "unknown key", "kind,dtype,shape,gpu,mechanism,quota,corun,time_us\ngemm,fp16,m=1 n=1 k=1 z=2,h100,whole,-,none,1\n", 0,
		  "field 'shape': unknown key 'z'" },
		{ "missing key", "kind,dtype,shape,gpu,mechanism,quota,corun,time_us\nbmm,fp16,m=1 n=1 k=1,h100,whole,-,none,1\n", 0,
		  "field 'shape': bmm needs b, m, n and k" },
		{ "key twice", "kind,dtype,shape,gpu,mechanism,quota,corun,time_us\ngemm,fp16,m=1 m=2 n=1 k=1,h100,whole,-,none,1\n", 0,
		  "field 'shape': key 'm' given twice" },
		{ "model key on an op", "kind,dtype,shape,gpu,mechanism,quota,corun,time_us\ngemm,fp16,m=1 n=1 k=1 batch=2,h100,whole,-,none,1\n", 0,
		  "key 'batch' does not apply" },
		{ "quota beyond the GPU", "kind,dtype,shape,gpu,mechanism,quota,corun,time_us\ngemm,fp16,m=1 n=1 k=1,h100,green-context,200,none,1\n", 0,
		  "t.csv:2:42: field 'quota': green-context: SMs 1..132" },
		{ "percentage outside mps", "kind,dtype,shape,gpu,mechanism,quota,corun,time_us\ngemm,fp16,m=1 n=1 k=1,h100,mig,50%,none,1\n", 0,
		  "field 'quota': mig: SMs" },
		{ "percentage above 100", "kind,dtype,shape,gpu,mechanism,quota,corun,time_us\ngemm,fp16,m=1 n=1 k=1,h100,mps,150%,none,1\n", 0,
		  "field 'quota': percentage must be in (0, 100]" },
		{ "whole with a quota", "kind,dtype,shape,gpu,mechanism,quota,corun,time_us\ngemm,fp16,m=1 n=1 k=1,h100,whole,64,none,1\n", 0,
		  "field 'quota': whole GPU: '-' or 132" },
		{ "bad corun", "kind,dtype,shape,gpu,mechanism,quota,corun,time_us\ngemm,fp16,m=1 n=1 k=1,h100,whole,-,alone,1\n", 0,
		  "field 'corun': expected none, copies=N or busy=<label>" },
		{ "one copy", "kind,dtype,shape,gpu,mechanism,quota,corun,time_us\ngemm,fp16,m=1 n=1 k=1,h100,whole,-,copies=1,1\n", 0,
		  "field 'corun': copies=N needs 2 <= N <= 64" },
		{ "empty field", "kind,dtype,shape,gpu,mechanism,quota,corun,time_us\ngemm,,m=1 n=1 k=1,h100,whole,-,none,1\n", 0,
		  "t.csv:2:6: field 'dtype': empty" },
		{ "quotes", "kind,dtype,shape,gpu,mechanism,quota,corun,time_us\ngemm,fp16,\"m=1 n=1 k=1\",h100,whole,-,none,1\n", 0,
		  "field 'shape': quotes are not allowed" },
		{ "space around a field", "kind,dtype,shape,gpu,mechanism,quota,corun,time_us\ngemm, fp16,m=1 n=1 k=1,h100,whole,-,none,1\n", 0,
		  "field 'dtype': leading or trailing space" },
		{ "too many fields", "kind,dtype,shape,gpu,mechanism,quota,corun,time_us\ngemm,fp16,m=1 n=1 k=1,h100,whole,-,none,1,2\n", 0,
		  "t.csv:2:43: 9 or more fields, the header has 8" },
		{ "bad header", "kind,dtype,shape,gpu,mech,quota,corun,time_us\n", 0,
		  "t.csv:1:22: field 'mechanism': header column 5 is 'mech'" },
		{ "bad unit", "kind,dtype,shape,gpu,mechanism,quota,corun,time_s\n", 0,
		  "field 'time': header column 8 is 'time_s'" },
		{ "mixed units", "kind,dtype,shape,gpu,mechanism,quota,corun,time_us,whole_time_ms\n", 0,
		  "field 'whole_time': header column 9 is 'whole_time_ms', expected 'whole_time_us'" },
		{ "NUL byte", "kind,dtype\0", 11, "t.csv: a NUL byte" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct model_meas_set s;
		struct mo_err err;
		static const char good[] =
			"kind,dtype,shape,gpu,mechanism,quota,corun,time_us\ngemm,fp16,m=8 n=8 k=8,h100,whole,-,none,3\n";
		int rc;

		model_meas_set_init(&s);
		ck_assert_int_eq(parse(&s, good, &err), 0);
		ck_assert_uint_eq(s.n, 1);
		mo_err_clear(&err);
		rc = model_meas_parse_csv(&s, cases[i].text,
					  cases[i].len ? cases[i].len : strlen(cases[i].text), "t.csv",
					  &err);
		ck_assert_msg(rc == -MO_EINPUT, "%s: rc %d", cases[i].what, rc);
		ck_assert_msg(strstr(err.msg, cases[i].msg) != NULL, "%s: got '%s', want '%s'",
			      cases[i].what, err.msg, cases[i].msg);
		ck_assert_msg(s.n == 1, "%s: partial load (%zu rows)", cases[i].what, s.n);
		model_meas_set_release(&s);
	}
}
END_TEST

START_TEST(a_line_longer_than_the_limit_is_refused)
{
	size_t n = strlen(header) + MODEL_MEAS_MAX_LINE + 2;
	char *text = malloc(n + 1);
	struct model_meas_set s;
	struct mo_err err;

	strcpy(text, header);
	memset(text + strlen(header), 'x', MODEL_MEAS_MAX_LINE + 1);
	text[n - 1] = '\n';
	text[n] = '\0';
	model_meas_set_init(&s);
	ck_assert_int_eq(parse(&s, text, &err), -MO_EINPUT);
	ck_assert_msg(strstr(err.msg, "t.csv:2:1: line longer than 1024 bytes"), "%s", err.msg);
	model_meas_set_release(&s);
	free(text);
}
END_TEST

START_TEST(mps_percentages_round_up_to_whole_sms)
{
	struct mo_err err;
	const struct model_gpu *h100 = model_gpu_find("h100", &err);
	struct model_meas m;

	memset(&m, 0, sizeof(m));
	m.mech = MODEL_MECH_MPS;
	m.pct = 10; /* 13.2 SMs */
	ck_assert_int_eq(model_meas_sms(&m, h100), 14);
	m.pct = 50;
	ck_assert_int_eq(model_meas_sms(&m, h100), 66);
	m.pct = 100;
	ck_assert_int_eq(model_meas_sms(&m, h100), 132);
	m.pct = 0.1;
	ck_assert_int_eq(model_meas_sms(&m, h100), 1);
	m.pct = 0;
	m.sms = 24;
	ck_assert_int_eq(model_meas_sms(&m, h100), 24);
	m.mech = MODEL_MECH_WHOLE;
	ck_assert_int_eq(model_meas_sms(&m, h100), 132);
}
END_TEST

/* Rows whose measured time is the prediction times (1 + e / 100): the
 * errors are exactly e, and the statistics are checked by hand. */
START_TEST(the_evaluation_reports_exact_errors_by_group_and_the_worst_rows)
{
	static const double e[] = { 10, -20, 30, -40 };
	static const int sms[] = { 16, 16, 64, 132 };
	struct model_meas_set s;
	struct model_meas_report r;
	struct mo_err err;
	const struct model_gpu *g = model_gpu_find("h100", &err);

	model_meas_set_init(&s);
	for (int i = 0; i < 4; i++) {
		struct model_meas m;
		memset(&m, 0, sizeof(m));
		snprintf(m.where, sizeof(m.where), "row%d", i);
		m.kind = m.op.kind = MODEL_OP_GEMM;
		m.op.dtype = MODEL_BF16;
		m.op.b = 1;
		m.op.m = m.op.n = m.op.k = 2048;
		snprintf(m.gpu, sizeof(m.gpu), "h100");
		m.mech = sms[i] == 132 ? MODEL_MECH_WHOLE : MODEL_MECH_GREEN;
		m.sms = sms[i];
		m.copies = 1;
		m.ns = (double)model_op_ns(g, &m.op, sms[i]) / (1 + e[i] / 100);
		if (i == 0) /* measured slowdown 2x the predicted one: error -50 % */
			m.whole_ns = m.ns / (2.0 * model_op_ns(g, &m.op, 16) / model_op_ns(g, &m.op, 132));
		ck_assert_int_eq(model_meas_add(&s, &m, &err), 0);
	}
	{
		struct model_meas m = s.m[0];
		snprintf(m.model, sizeof(m.model), "resnet50");
		m.kind = MODEL_MEAS_KIND_MODEL;
		snprintf(m.where, sizeof(m.where), "model-row");
		ck_assert_int_eq(model_meas_add(&s, &m, &err), 0);
	}
	model_meas_report_init(&r);
	ck_assert_int_eq(model_meas_evaluate(&s, NULL, NULL, &r, &err), 0);
	ck_assert_uint_eq(r.nev, 4);
	ck_assert_uint_eq(r.skipped.nskip, 1); /* the named model: no predictor given */
	ck_assert_str_eq(r.skipped.skip[0].where, "model-row");
	ck_assert_str_eq(r.skipped.skip[0].why, "no predictor for named models");
	/* |e| sorted: 10 20 30 40 */
	ck_assert_int_eq(r.all_abs.n, 4);
	ck_assert_double_eq_tol(r.all_abs.median, 25, 0.01);
	ck_assert_double_eq_tol(r.all_abs.p90, 40, 0.01);
	ck_assert_double_eq_tol(r.all_abs.max, 40, 0.01);
	ck_assert_double_eq_tol(r.all_abs.mean, -5, 0.01);
	ck_assert_int_eq(r.all_slow.n, 1);
	ck_assert_double_eq_tol(r.all_slow.median, 50, 0.01);
	ck_assert_double_eq_tol(r.all_slow.mean, -50, 0.01);
	/* groups: mechanism green-context holds rows 0..2, quota <=16 rows 0, 1 */
	for (size_t i = 0; i < r.ngroups; i++) {
		const struct model_meas_group *gr = &r.groups[i];
		if (!strcmp(gr->dim, "mechanism") && !strcmp(gr->key, "green-context")) {
			ck_assert_int_eq(gr->abs.n, 3);
			ck_assert_double_eq_tol(gr->abs.median, 20, 0.01);
			ck_assert_double_eq_tol(gr->abs.mean, 20.0 / 3, 0.01);
		}
		if (!strcmp(gr->dim, "quota") && !strcmp(gr->key, "<=16"))
			ck_assert_int_eq(gr->abs.n, 2);
		if (!strcmp(gr->dim, "quota"))
			ck_assert_str_ne(gr->key, "17-32"); /* empty groups are left out */
	}
	ck_assert_uint_eq(r.nworst, 4);
	ck_assert_str_eq(s.m[r.ev[r.worst[0]].idx].where, "row3");
	ck_assert_str_eq(s.m[r.ev[r.worst[3]].idx].where, "row0");
	model_meas_report_release(&r);
	model_meas_set_release(&s);
}
END_TEST

/* A row streaming 1 GiB (fp16 elementwise) on gpu, mechanism mech, sms. */
static struct model_meas stream_row(const char *where, const char *gpu_name, int mech, int sms)
{
	struct model_meas m;

	memset(&m, 0, sizeof(m));
	snprintf(m.where, sizeof(m.where), "%s", where);
	m.kind = m.op.kind = MODEL_OP_ELEMENTWISE;
	m.op.dtype = MODEL_FP16;
	m.op.bytes = 1LL << 30;
	snprintf(m.gpu, sizeof(m.gpu), "%s", gpu_name);
	m.mech = mech;
	m.sms = sms;
	m.copies = 1;
	return m;
}

/* A MIG row is predicted on the instance as a GPU: 1g owns 1/8 of the
 * A100's DRAM bandwidth (not 14 SMs' pull on the whole GPU's), two MPS
 * copies in 2g (2/8) take turns on it, each stream filling the SMs
 * (model_kernel_ns_shared): the same time as 1g's, and the 7g reference
 * owns all of it.
 * Hand-checked: a streaming kernel reaches 0.85 of the achievable 0.9 x
 * the data sheet's 2039 GB/s (model.h); 1 GiB at 0.85 x 0.9 x 2039 / 8 =
 * 195.0 GB/s is 5.51 ms; at the whole 1560 GB/s 0.688 ms (slowdown 8).
 * The old SM-quota reading gave 0.85 x 14 x 1835 / (0.5 x 108) = 404 GB/s:
 * 2.66 ms. */
START_TEST(a_mig_row_runs_on_its_instance_bandwidth_shared_by_its_mps_copies)
{
	static const int sms[] = { 14, 28 }, copies[] = { 1, 2 };
	struct model_meas_set s;
	struct model_meas_report r;
	struct mo_err err;

	model_meas_set_init(&s);
	for (int i = 0; i < 2; i++) {
		struct model_meas m = stream_row(i ? "mig1" : "mig0", "a100-80gb-sxm", MODEL_MECH_MIG,
						 sms[i]);
		m.copies = copies[i];
		m.ns = 5.51e6;
		m.whole_ns = 0.688e6;
		m.ref_sms = 98;
		ck_assert_int_eq(model_meas_add(&s, &m, &err), 0);
	}
	model_meas_report_init(&r);
	ck_assert_int_eq(model_meas_evaluate(&s, NULL, NULL, &r, &err), 0);
	ck_assert_uint_eq(r.nev, 2);
	for (int i = 0; i < 2; i++) {
		ck_assert_double_eq_tol(r.ev[i].pred_ns, 5.51e6, 0.03 * 5.51e6);
		ck_assert_double_eq_tol(r.ev[i].pred_whole_ns, 0.688e6, 0.03 * 0.688e6);
		ck_assert_double_eq_tol(r.ev[i].pred_slow, 8.0, 0.1);
	}
	model_meas_report_release(&r);
	model_meas_set_release(&s);
}
END_TEST

/* An MPS row's busy= neighbour shares the row's SMs and DRAM; its work is
 * unknown, so it is taken as a twin: a stream fills the SMs, so the two take
 * turns (model_kernel_ns_shared).  By hand on an H100: 1 GiB streamed alone
 * pulls the whole achievable bandwidth, 1 GiB twice in turns takes twice as
 * long.  A green-context
 * row's busy= neighbours are in other partitions: as alone at its SMs. */
START_TEST(an_mps_row_beside_a_busy_neighbour_shares_its_sms_and_bandwidth_with_a_twin)
{
	static const int mech[] = { MODEL_MECH_WHOLE, MODEL_MECH_MPS, MODEL_MECH_GREEN };
	struct model_meas_set s;
	struct model_meas_report r;
	struct mo_err err;

	model_meas_set_init(&s);
	for (int i = 0; i < 3; i++) {
		struct model_meas m = stream_row(i ? "busy" : "alone", "h100", mech[i], i == 2 ? 66 : 132);
		if (i)
			snprintf(m.busy, sizeof(m.busy), "other-job");
		m.ns = 1e6;
		m.whole_ns = i ? 1e6 : 0;
		ck_assert_int_eq(model_meas_add(&s, &m, &err), 0);
	}
	model_meas_report_init(&r);
	ck_assert_int_eq(model_meas_evaluate(&s, NULL, NULL, &r, &err), 0);
	ck_assert_uint_eq(r.nev, 3);
	ck_assert_double_eq_tol(r.ev[1].pred_ns / r.ev[0].pred_ns, 2.0, 0.02);
	ck_assert_double_eq_tol(r.ev[1].pred_slow, 2.0, 0.02);
	/* 66 SMs alone still saturate the HBM: no slowdown */
	ck_assert_double_eq_tol(r.ev[2].pred_slow, 1.0, 0.02);
	model_meas_report_release(&r);
	model_meas_set_release(&s);
}
END_TEST

/* Shared SMs against partitions of the same size: two copies of a 1 GiB
 * stream sharing a 2g instance (28 SMs) are paired with the same stream
 * alone in a 1g instance (14 SMs).  Measured 5.51 ms in 1g and 5.00 ms each
 * in 2g: the shared pair does 5.51 / 5.00 = 1.102x the partitioned pair's
 * work.  Predicted: the 2g copies take turns on 2/8 of the bandwidth, as
 * 1g streams on 1/8 (the test above): ratio 1.00, error (1.00 - 1.102) / 1.102 =
 * -9.3 %.  A copies=2 row on 3g (42 SMs: no 21-SM partition row) and one of
 * another item have no partner.  The sharing dimension counts the three
 * copies rows as same-SMs, the processes dimension as 2. */
START_TEST(shared_sms_are_paired_with_partitions_of_the_same_size)
{
	static const char csv[] =
		"kind,dtype,shape,gpu,mechanism,quota,corun,time_ms\n"
		"elementwise,fp16,bytes=1073741824,a100-80gb-sxm,mig,14,none,5.51\n"
		"elementwise,fp16,bytes=1073741824,a100-80gb-sxm,mig,28,copies=2,5.00\n"
		"elementwise,fp16,bytes=1073741824,a100-80gb-sxm,mig,42,copies=2,4.00\n"
		"elementwise,fp16,bytes=536870912,a100-80gb-sxm,mig,28,copies=2,2.50\n";
	struct model_meas_set s;
	struct model_meas_report r;
	struct mo_err err;
	double meas, pred;
	int same = 0, two = 0;

	model_meas_set_init(&s);
	ck_assert_int_eq(model_meas_parse_csv(&s, csv, sizeof(csv) - 1, "pairs.csv", &err), 0);
	model_meas_report_init(&r);
	ck_assert_int_eq(model_meas_evaluate(&s, NULL, NULL, &r, &err), 0);
	ck_assert_uint_eq(r.nev, 4);
	ck_assert_int_eq(r.npairs, 2); /* all, and N = 2 */
	ck_assert_int_eq(r.pairs[0].procs, 0);
	ck_assert_int_eq(r.pairs[1].procs, 2);
	ck_assert_int_eq(r.pairs[0].meas.n, 1);
	ck_assert_double_eq_tol(r.pairs[0].meas.median, 5.51 / 5.00, 1e-9);
	ck_assert_double_eq_tol(r.pairs[0].pred.median, 1.0, 0.03);
	ck_assert_double_eq_tol(r.pairs[0].err.mean, -9.3, 3);
	ck_assert_uint_eq(r.npair_worst, 1);
	ck_assert_uint_eq(r.ev[r.pair_worst[0][0]].idx, 1);
	ck_assert_uint_eq(r.ev[r.pair_worst[0][1]].idx, 0);
	model_meas_pair_ratios(&s, &r, r.pair_worst[0], &meas, &pred);
	ck_assert_double_eq_tol(meas, 1.102, 0.001);
	for (size_t i = 0; i < r.ngroups; i++) {
		const struct model_meas_group *gr = &r.groups[i];
		if (!strcmp(gr->dim, "sharing") && !strcmp(gr->key, "same-SMs"))
			same = gr->abs.n;
		if (!strcmp(gr->dim, "processes") && !strcmp(gr->key, "2"))
			two = gr->abs.n;
	}
	ck_assert_int_eq(same, 3);
	ck_assert_int_eq(two, 3);
	model_meas_report_release(&r);
	model_meas_set_release(&s);
}
END_TEST

START_TEST(a_model_row_says_how_its_kernels_were_launched_its_input_copied_and_its_engine)
{
	static const char ok[] = "kind,dtype,shape,gpu,mechanism,quota,corun,time_us\n"
				 "model,fp16,name=resnet50 batch=1 launch=eager,h100,whole,-,none,5000\n"
				 "model,fp16,name=resnet50 batch=1 launch=graphs,h100,whole,-,none,900\n"
				 "model,fp16,name=resnet50 batch=1,h100,whole,-,none,900\n"
				 "model,fp16,name=resnet50 batch=1 input=pageable,h100,whole,-,none,900\n"
				 "model,fp16,name=resnet50 batch=1 input=none,h100,whole,-,none,900\n"
				 "model,fp16,name=resnet50 batch=1 launch=executor,h100,whole,-,none,900\n"
				 "model,int8,name=bert-large batch=1 engine=tensorrt,h100,whole,-,none,900\n"
				 "model,int8,name=bert-large batch=1 engine=framework,h100,whole,-,none,900\n";
	/* each refused with its file, line, column and the reason */
	static const struct {
		const char *row, *want;
	} bad[] = {
		{ "model,fp16,name=resnet50 batch=1 launch=lazy,h100,whole,-,none,5000",
		  "launch must be eager, graphs or executor, not 'lazy'" },
		{ "model,fp16,name=resnet50 batch=1 input=pinned,h100,whole,-,none,5",
		  "input must be pageable or none, not 'pinned'" },
		{ "model,fp16,name=bert-large batch=1 engine=onnx,h100,whole,-,none,5",
		  "r.csv:2:36: field 'shape': engine must be framework or tensorrt, not 'onnx'" },
		{ "model,fp16,name=bert-large batch=1 engine=tensorrt mode=train,h100,whole,-,none,5",
		  "engine=tensorrt is an inference engine: not with mode=train" },
		{ "gemm,fp16,m=1 n=1 k=1 engine=tensorrt,h100,whole,-,none,5",
		  "key 'engine' does not apply to this kind" },
	};
	char text[256];
	struct model_meas_set s;
	struct mo_err err;

	model_meas_set_init(&s);
	ck_assert_int_eq(model_meas_parse_csv(&s, ok, sizeof(ok) - 1, "ok.csv", &err), 0);
	ck_assert_int_eq(s.m[0].launch, MODEL_MEAS_LAUNCH_EAGER);
	ck_assert_int_eq(s.m[1].launch, MODEL_MEAS_LAUNCH_GRAPHS);
	ck_assert_int_eq(s.m[2].launch, MODEL_MEAS_LAUNCH_UNKNOWN);
	/* and whether each batch first copies its input from pageable memory */
	ck_assert(!s.m[2].input_pageable && s.m[3].input_pageable && !s.m[4].input_pageable);
	ck_assert_int_eq(s.m[5].launch, MODEL_MEAS_LAUNCH_EXECUTOR);
	/* and whether it ran as a TensorRT engine (default: the framework) */
	ck_assert(!s.m[5].tensorrt && s.m[6].tensorrt && !s.m[7].tensorrt);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int n = snprintf(text, sizeof(text), "kind,dtype,shape,gpu,mechanism,quota,corun,time_us\n%s\n",
				 bad[i].row);
		ck_assert_int_eq(model_meas_parse_csv(&s, text, (size_t)n, "r.csv", &err), -MO_EINPUT);
		ck_assert_msg(strstr(err.msg, bad[i].want), "case %zu: %s", i, err.msg);
	}
	model_meas_set_release(&s);
}
END_TEST

/* ---- readers of published data (small copies in tests/data) ---- */

START_TEST(the_l40_mps_sweep_becomes_gemm_rows_with_the_100_percent_row_as_whole)
{
	struct model_meas_set s;
	struct mo_err err;
	const struct model_meas *m;

	model_meas_set_init(&s);
	ck_assert_msg(model_meas_load_path(&s, DATA "/l40-matmul-mps/matmul_mps_sweep.csv", NULL, &err) == 0,
		      "%s", err.msg);
	ck_assert_uint_eq(s.n, 50);
	/* line 2: 10,1024,float16,0,0.09,24.91; the 100 % row of 1024: 0.02 ms */
	m = &s.m[0];
	ck_assert_str_eq(m->where, DATA "/l40-matmul-mps/matmul_mps_sweep.csv:2");
	ck_assert_int_eq(m->kind, MODEL_OP_GEMM);
	ck_assert_int_eq(m->op.m, 1024);
	ck_assert_int_eq(m->op.k, 1024);
	ck_assert_int_eq(m->op.dtype, MODEL_FP16);
	ck_assert_int_eq(m->mech, MODEL_MECH_MPS);
	ck_assert_double_eq(m->pct, 10);
	ck_assert_str_eq(m->gpu, "l40");
	ck_assert_double_eq_tol(m->ns, 90000, 1e-6);
	ck_assert_double_eq_tol(m->whole_ns, 20000, 1e-6);
	/* the 100 % rows carry no whole time of their own: 16384 at 100 % */
	m = &s.m[49];
	ck_assert_double_eq(m->pct, 100);
	ck_assert_int_eq(m->op.m, 16384);
	ck_assert_double_eq_tol(m->ns, 45.79e6, 1);
	ck_assert_double_eq(m->whole_ns, 0);
	model_meas_set_release(&s);
}
END_TEST

START_TEST(parvagpu_rows_are_mig_slices_with_mps_copies_and_the_7g_row_as_reference)
{
	struct model_meas_set s;
	struct mo_err err;
	const struct model_meas *m;
	size_t zero_skips = 0;

	model_meas_set_init(&s);
	ck_assert_msg(model_meas_load_path(&s, DATA "/parvagpu/resnet50.csv", NULL, &err) == 0, "%s",
		      err.msg);
	/* line 3: 1,1,2,125.968,0.008: 1 GPC (14 SMs), batch 1, 2 processes */
	m = &s.m[1];
	ck_assert_str_eq(m->where, DATA "/parvagpu/resnet50.csv:3");
	ck_assert_int_eq(m->kind, MODEL_MEAS_KIND_MODEL);
	ck_assert_str_eq(m->model, "resnet50");
	ck_assert_int_eq(m->batch, 1);
	ck_assert_int_eq(m->mech, MODEL_MECH_MIG);
	ck_assert_int_eq(m->sms, 14);
	ck_assert_int_eq(m->copies, 2);
	ck_assert_int_eq(m->launch, MODEL_MEAS_LAUNCH_EAGER); /* PyTorch */
	/* each timed step copies its pageable input, blocking
	 * (dl_infer_runtime.py:85 at 5f3de1e) */
	ck_assert_int_eq(m->input_pageable, 1);
	ck_assert_double_eq_tol(m->ns, 1e9 / 125.968, 1e-3);
	/* reference: line 182, 7,1,1,195.826 (98 SMs) */
	ck_assert_int_eq(m->ref_sms, 98);
	ck_assert_double_eq_tol(m->whole_ns, 1e9 / 195.826, 1e-3);
	for (size_t i = 0; i < s.nskip; i++)
		zero_skips += strstr(s.skip[i].why, "0 throughput") != NULL;
	ck_assert_uint_eq(zero_skips, 1);
	model_meas_set_release(&s);
}
END_TEST

START_TEST(an_unknown_file_is_an_error_and_a_folder_walk_counts_what_it_ignores)
{
	struct model_meas_set s;
	struct mo_err err;
	int ignored = 0;

	model_meas_set_init(&s);
	ck_assert_int_eq(model_meas_load_path(&s, DATA "/parvagpu/LICENSE", NULL, &err), -MO_EINPUT);
	ck_assert_msg(strstr(err.msg, "not a measurement file"), "%s", err.msg);
	ck_assert_int_eq(model_meas_load_path(&s, DATA "/parvagpu", &ignored, &err), 0);
	ck_assert_int_eq(ignored, 1); /* LICENSE */
	ck_assert_uint_gt(s.n, 100);
	model_meas_set_release(&s);
}
END_TEST

/* Every row knows its data set: the entry of the folder given that it came
 * from (a file's name, a data set's folder), or the path's own name when
 * the path is a file or one data set's folder (a trailing slash too). */
START_TEST(each_row_is_labelled_with_the_data_set_it_came_from)
{
	static const struct {
		const char *path, *first, *last;
		size_t n;
	} cases[] = {
		{"tests/data/heldout", "azure-whole-gpu-kernels.csv", "tensorrt-bert-a100-40gb.csv", 132},
		{"tests/data/heldout/", "azure-whole-gpu-kernels.csv", "tensorrt-bert-a100-40gb.csv", 132},
		{"tests/data/heldout/azure-whole-gpu-kernels.csv", "azure-whole-gpu-kernels.csv",
		 "azure-whole-gpu-kernels.csv", 23},
		{"tests/data/heldout/mlperf-inference-v3.0-azure/", "mlperf-inference-v3.0-azure",
		 "mlperf-inference-v3.0-azure", 6},
	};

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct model_meas_set s;
		struct mo_err err;
		size_t mlperf = 0;

		model_meas_set_init(&s);
		ck_assert_msg(model_meas_load_path(&s, cases[c].path, NULL, &err) == 0, "%s", err.msg);
		ck_assert_uint_eq(s.n, cases[c].n);
		ck_assert_str_eq(s.m[0].dataset, cases[c].first);
		ck_assert_str_eq(s.m[s.n - 1].dataset, cases[c].last);
		for (size_t i = 0; i < s.n; i++)
			mlperf += !strcmp(s.m[i].dataset, "mlperf-inference-v2.0-dell");
		ck_assert_uint_eq(mlperf, c < 2 ? 8 : 0);
		model_meas_set_release(&s);
	}
}
END_TEST

START_TEST(mlperf_summaries_become_model_rows_per_batch_with_the_whole_gpu_as_reference)
{
	static const double whole_offline = 256 / 39830.1 * 1e9;
	struct model_meas_set s;
	struct mo_err err;
	const struct model_meas *m;

	model_meas_set_init(&s);
	ck_assert_msg(model_meas_load_path(&s, DATA "/mlperf-inference-v1.1", NULL, &err) == 0, "%s",
		      err.msg);
	ck_assert_uint_eq(s.n, 6);
	/* MIG 1g alone, Offline: 5316.2 samples/s, one engine batch of 256;
	 * v1.1's measurements folder (the stated precision) is not copied:
	 * int8 as NVIDIA's code documents ResNet-50's engines */
	m = &s.m[0];
	ck_assert_int_eq(m->op.dtype, MODEL_INT8);
	ck_assert_msg(strstr(m->note, "not stated in the files: int8 as NVIDIA's code README documents"), "%s",
		      m->note);
	ck_assert_msg(strstr(m->where, "MIG_1x1g.10gb_TRT/resnet50/Offline/"), "%s", m->where);
	ck_assert_str_eq(m->model, "resnet50");
	ck_assert_int_eq(m->batch, 256);
	ck_assert_int_eq(m->launch, MODEL_MEAS_LAUNCH_GRAPHS); /* TensorRT */
	ck_assert_int_eq(m->tensorrt, 1);
	ck_assert_int_eq(m->mech, MODEL_MECH_MIG);
	ck_assert_int_eq(m->sms, 14);
	ck_assert_str_eq(m->busy, "");
	ck_assert_double_eq_tol(m->ns, 256 / 5316.2 * 1e9, 1);
	ck_assert_double_eq_tol(m->whole_ns, whole_offline, 1);
	/* SingleStream: the median latency of one sample, 652284 ns vs 461486 */
	m = &s.m[1];
	ck_assert_int_eq(m->batch, 1);
	ck_assert_double_eq_tol(m->ns, 652284, 1e-6);
	ck_assert_double_eq_tol(m->whole_ns, 461486, 1e-6);
	/* beside six busy slices: 5270.08 samples/s */
	m = &s.m[2];
	ck_assert_str_eq(m->busy, "6xmig-other-benchmarks");
	ck_assert_double_eq_tol(m->ns, 256 / 5270.08 * 1e9, 1);
	ck_assert_double_eq_tol(m->whole_ns, whole_offline, 1);
	/* 56 slices of 8 GPUs: 283469 samples/s in all, per slice / 56 */
	m = &s.m[3];
	ck_assert_str_eq(m->busy, "6xmig-same-model");
	ck_assert_double_eq_tol(m->ns, 256 / (283469 / 56.0) * 1e9, 1);
	/* the whole GPU */
	ck_assert_int_eq(s.m[4].mech, MODEL_MECH_WHOLE);
	ck_assert_double_eq_tol(s.m[4].ns, whole_offline, 1);
	ck_assert_int_eq(s.m[5].mech, MODEL_MECH_WHOLE);
	/* the Server run is listed as skipped, with its reason */
	ck_assert_uint_eq(s.nskip, 1);
	ck_assert_msg(strstr(s.skip[0].why, "Server: a latency under a query pattern"), "%s", s.skip[0].why);
	model_meas_set_release(&s);
}
END_TEST

/* v2.1: the MIG system states int8 weights for resnet50 Offline; the
 * whole-GPU system, without a measurements file here, takes that statement */
START_TEST(mlperf_rows_take_the_precision_the_submission_states)
{
	struct model_meas_set s;
	struct mo_err err;

	model_meas_set_init(&s);
	ck_assert_msg(model_meas_load_path(&s, DATA "/mlperf-inference-v2.1", NULL, &err) == 0, "%s",
		      err.msg);
	ck_assert_uint_eq(s.n, 2);
	ck_assert_int_eq(s.m[0].op.dtype, MODEL_INT8);
	ck_assert_msg(!strcmp(s.m[0].note, "int8 TensorRT engine (stated)"), "%s", s.m[0].note);
	ck_assert_double_eq_tol(s.m[0].ns, 256 / 5589.01 * 1e9, 1);
	ck_assert_int_eq(s.m[1].mech, MODEL_MECH_WHOLE);
	ck_assert_int_eq(s.m[1].op.dtype, MODEL_INT8);
	ck_assert_msg(strstr(s.m[1].note, "stated by DGX-A100_A100-SXM-80GB-MIG_1x1g.10gb_TRT"), "%s",
		      s.m[1].note);
	model_meas_set_release(&s);
}
END_TEST

/* The folders of path made one by one (mkdir -p): 0 when made. */
static int mkpath(const char *path)
{
	char p[512];

	snprintf(p, sizeof(p), "%s", path);
	for (char *c = p + 1; *c; c++)
		if (*c == '/') {
			*c = '\0';
			if (mkdir(p, 0700) < 0 && errno != EEXIST)
				return -1;
			*c = '/';
		}
	return mkdir(p, 0700) < 0 && errno != EEXIST ? -1 : 0;
}

/* text into the file path under folder dir (made): 0 when written. */
static int put(const char *dir, const char *path, const char *text)
{
	char p[512];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, path);
	*strrchr(p, '/') = '\0';
	if (mkpath(p) < 0)
		return -1;
	snprintf(p, sizeof(p), "%s/%s", dir, path);
	if (!(f = fopen(p, "w")))
		return -1;
	fputs(text, f);
	return fclose(f);
}

/* A data set's name comes from the disk and goes into tables, CSV and JSON:
 * bytes other than letters, digits and ._+- become '_'. */
START_TEST(a_data_set_name_from_the_disk_is_made_safe)
{
	char dir[] = "/tmp/mosaic-dataset-XXXXXX", cmd[64];
	struct model_meas_set s;
	struct mo_err err;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(put(dir, "my data,\"x\"\033[31m.csv",
			     "kind,dtype,shape,gpu,mechanism,quota,corun,time_us\n"
			     "gemm,fp16,m=512 n=512 k=512,h100,whole,-,none,50\n"), 0);
	model_meas_set_init(&s);
	ck_assert_msg(model_meas_load_path(&s, dir, NULL, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(s.n, 1);
	ck_assert_str_eq(s.m[0].dataset, "my_data__x___31m.csv");
	model_meas_set_release(&s);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* A tree made in dir (mkdtemp) with one Offline summary of system sys and
 * benchmark bench (1000 samples/s) and its measurements JSON holding json
 * (NULL: none); 0 when made. */
static int mlperf_sys_tree(char *dir, const char *sys, const char *bench, const char *json)
{
	char path[512];

	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "results/%s/%s/Offline/performance/run_1/mlperf_log_summary.txt", sys, bench);
	if (put(dir, path, "Scenario : Offline\nSamples per second: 1000\n") < 0)
		return -1;
	if (json) {
		snprintf(path, sizeof(path), "measurements/%s/%s/Offline/%s_Offline.json", sys, bench, sys);
		return put(dir, path, json);
	}
	snprintf(path, sizeof(path), "%s/measurements", dir);
	return mkpath(path);
}

#define MLPERF_SYS "A100-SXM-80GB-MIG_1x1g_TRT"

static int mlperf_bench_tree(char *dir, const char *bench, const char *json)
{
	return mlperf_sys_tree(dir, MLPERF_SYS, bench, json);
}

static int mlperf_tree(char *dir, const char *json)
{
	return mlperf_bench_tree(dir, "resnet50", json);
}

/* With no statement in the files, each benchmark takes the precision
 * NVIDIA's code README documents for its engines (v1.1 and v2.1). */
START_TEST(mlperf_unstated_precision_is_what_nvidia_documents_per_benchmark)
{
	static const struct {
		const char *bench;
		int dtype;
	} cases[] = { { "resnet50", MODEL_INT8 }, { "bert-99", MODEL_INT8 }, { "bert-99.9", MODEL_FP16 } };

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char dir[] = "/tmp/mosaic-test-mlperf-XXXXXX", cmd[64];
		struct model_meas_set s;
		struct mo_err err = { 0 };

		ck_assert_int_eq(mlperf_bench_tree(dir, cases[i].bench, NULL), 0);
		model_meas_set_init(&s);
		ck_assert_msg(model_meas_load_path(&s, dir, NULL, &err) == 0, "case %zu: %s", i, err.msg);
		ck_assert_uint_eq(s.n, 1);
		ck_assert_int_eq(s.m[0].op.dtype, cases[i].dtype);
		ck_assert_msg(strstr(s.m[0].note, "as NVIDIA's code README documents"), "%s", s.m[0].note);
		model_meas_set_release(&s);
		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		ck_assert_int_eq(system(cmd), 0);
	}
}
END_TEST

static int mlperf_statement(const char *dir, const char *system, const char *json)
{
	char path[512];

	snprintf(path, sizeof(path), "measurements/%s/resnet50/Offline/%s_Offline.json", system, system);
	return put(dir, path, json);
}

START_TEST(mlperf_stated_precision_bad_or_unknown_is_refused_or_skipped)
{
	static const struct {
		const char *json, *want, *why;
		int rc, n, nskip;
	} cases[] = {
		{ "{\"weight_data_types\": \"int8\"}", "", NULL, 0, 1, 0 },
		{ "{\"weight_data_types\": \"bf16\"}", "", NULL, 0, 1, 0 },
		{ "{\"weight_data_types\": \"int4\"}", "", "stated weight precision 'int4': not one precision", 0, 0, 1 },
		{ "{\"weight_data_types\": \"int8, fp16\"}", "", "'int8, fp16': not one precision", 0, 0, 1 },
		{ "{\"weight_data_types\": \"int8 for the convolutions, fp16 for the rest of the layers, fp32 "
		  "accumulation\"}", "", "'int8 for the convolutions, fp16 ': not one precision", 0, 0, 1 },
		{ "{\"weight_data_types\": \"fp8\"}", "", "'fp8': no synthesiser for it", 0, 0, 1 },
		{ "{\"input_data_types\": \"int8\"}", "no \"weight_data_types\" string", NULL, -MO_EINPUT, 0, 0 },
		{ "{\"weight_data_types\": ", "A100-SXM-80GB-MIG_1x1g_TRT_Offline.json': line 1, column 22", NULL, -MO_EINPUT, 0, 0 },
		{ NULL, "", NULL, 0, 1, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char dir[] = "/tmp/mosaic-test-mlperf-XXXXXX", cmd[64];
		struct model_meas_set s;
		struct mo_err err = { 0 };
		int rc;

		ck_assert_int_eq(mlperf_tree(dir, cases[i].json), 0);
		model_meas_set_init(&s);
		rc = model_meas_load_path(&s, dir, NULL, &err);
		ck_assert_msg(rc == cases[i].rc, "case %zu: rc %d %s", i, rc, err.msg);
		ck_assert_msg(strstr(err.msg, cases[i].want), "case %zu: %s", i, err.msg);
		if (rc == 0) {
			ck_assert_uint_eq(s.n, (size_t)cases[i].n);
			ck_assert_uint_eq(s.nskip, (size_t)cases[i].nskip);
		}
		if (cases[i].why)
			ck_assert_msg(strstr(s.skip[0].why, cases[i].why), "case %zu: %s", i, s.skip[0].why);
		if (!cases[i].json) /* no statement: what NVIDIA documents for resnet50 */
			ck_assert_int_eq(s.m[0].op.dtype, MODEL_INT8);
		model_meas_set_release(&s);
		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		ck_assert_int_eq(system(cmd), 0);
	}
}
END_TEST

/* A system without its own statement (A100-SXM-80GB-MIG_1x1g_TRT) takes only
 * those of other systems of its GPU (A100-SXM-80GB), and only when they agree. */
START_TEST(mlperf_precision_falls_back_only_to_agreeing_systems_of_the_same_gpu)
{
	static const struct {
		const char *sys[2], *json[2], *note;
		int dtype;
	} cases[] = {
		{ { "A100-PCIe-80GB-MIG_1x1g_TRT", NULL }, { "{\"weight_data_types\": \"int8\"}", NULL },
		  "not stated in the files: int8 as NVIDIA's code README documents", MODEL_INT8 },
		{ { "A100-SXM-80GBx1_TRT", "A100-PCIe-80GB-MIG_1x1g_TRT" }, { "{\"weight_data_types\": \"int8\"}", "{\"weight_data_types\": \"fp32\"}" },
		  "int8 TensorRT engine (stated by A100-SXM-80GBx1_TRT)", MODEL_INT8 },
		{ { "A100-SXM-80GBx1_TRT", "A100-SXM-80GBx8_TRT" }, { "{\"weight_data_types\": \"int8\"}", "{\"weight_data_types\": \"fp32\"}" },
		  "systems of its GPU state different precisions: int8 as NVIDIA's code README documents",
		  MODEL_INT8 },
		{ { "A100-SXM-80GBx1_TRT", "A100-SXM-80GBx8_TRT" }, { "{\"weight_data_types\": \"int8\"}", "{\"weight_data_types\": \"INT8\"}" },
		  "int8 TensorRT engine (stated by A100-SXM-80GBx1_TRT)", MODEL_INT8 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char dir[] = "/tmp/mosaic-test-mlperf-XXXXXX", cmd[64];
		struct model_meas_set s;
		struct mo_err err = { 0 };

		ck_assert_int_eq(mlperf_tree(dir, NULL), 0);
		for (int k = 0; k < 2 && cases[i].sys[k]; k++)
			ck_assert_int_eq(mlperf_statement(dir, cases[i].sys[k], cases[i].json[k]), 0);
		model_meas_set_init(&s);
		ck_assert_msg(model_meas_load_path(&s, dir, NULL, &err) == 0, "case %zu: %s", i, err.msg);
		ck_assert_uint_eq(s.n, 1);
		ck_assert_int_eq(s.m[0].op.dtype, cases[i].dtype);
		ck_assert_msg(strstr(s.m[0].note, cases[i].note), "case %zu: %s", i, s.m[0].note);
		model_meas_set_release(&s);
		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		ck_assert_int_eq(system(cmd), 0);
	}
}
END_TEST

/* The n rows of held-out MLPerf folder dir (tests/data/heldout) into s:
 * all read, on gpu, the first half on a 1g slice (14 SMs) alone, the rest
 * the whole GPU, TensorRT engines. */
static void load_held_out_slices(struct model_meas_set *s, const char *dir, size_t n, const char *gpu)
{
	char path[256];
	struct mo_err err;

	snprintf(path, sizeof(path), "tests/data/heldout/%s", dir);
	model_meas_set_init(s);
	ck_assert_msg(model_meas_load_path(s, path, NULL, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(s->n, n);
	ck_assert_uint_eq(s->nskip, 0);
	for (size_t i = 0; i < n; i++) {
		ck_assert_str_eq(s->m[i].gpu, gpu);
		ck_assert_int_eq(s->m[i].mech, i < n / 2 ? MODEL_MECH_MIG : MODEL_MECH_WHOLE);
		ck_assert_int_eq(s->m[i].sms, i < n / 2 ? 14 : 0);
		ck_assert_str_eq(s->m[i].busy, "");
		ck_assert_int_eq(s->m[i].tensorrt, 1);
	}
}

/* Held out (tests/data/heldout, PROVENANCE.md): Azure's v3.0 submission,
 * an A100 80GB PCIe (a GPU no constant was fitted on) as one 1g.10gb slice
 * and as the 4 whole GPUs of an NC96ads_A100_v4 node.  Neither name spells
 * the GPU: its systems/<system>.json does ("NVIDIA A100-PCIe-80GB (1x1g.10gb
 * MIG)", "NVIDIA A100-PCIe-80GB" with accelerators_per_node 4). */
START_TEST(mlperf_azure_rows_are_a100_pcie_slices_and_per_gpu_shares_of_the_node)
{
	struct model_meas_set s;
	const struct model_meas *m;

	load_held_out_slices(&s, "mlperf-inference-v3.0-azure", 6, "a100-80gb-pcie");
	/* bert-99 on the slice: 491.528 samples/s, batch 64 (Azure's MIG
	 * config), int8 as its measurements JSON states; the node: 12455.7
	 * samples/s over 4 GPUs */
	m = &s.m[0];
	ck_assert_msg(strstr(m->where, "NC96ads_A100_v4_MIG_1g_10gb_TRT/bert-99/Offline/"), "%s", m->where);
	ck_assert_str_eq(m->model, "bert-large");
	ck_assert_int_eq(m->batch, 64);
	ck_assert_int_eq(m->seq, 384);
	ck_assert_int_eq(m->op.dtype, MODEL_INT8);
	ck_assert_double_eq_tol(m->ns, 64 / 491.528 * 1e9, 1);
	ck_assert_double_eq_tol(m->whole_ns, 64 / (12455.7 / 4) * 1e9, 1);
	/* bert-99.9: fp16 (stated), 255.502 vs 6470.04 / 4 */
	m = &s.m[1];
	ck_assert_int_eq(m->op.dtype, MODEL_FP16);
	ck_assert_double_eq_tol(m->ns, 64 / 255.502 * 1e9, 1);
	ck_assert_double_eq_tol(m->whole_ns, 64 / (6470.04 / 4) * 1e9, 1);
	/* resnet50: 5361.73 vs 154868 / 4 samples/s at batch 256 */
	m = &s.m[2];
	ck_assert_str_eq(m->model, "resnet50");
	ck_assert_int_eq(m->batch, 256);
	ck_assert_double_eq_tol(m->ns, 256 / 5361.73 * 1e9, 1);
	ck_assert_double_eq_tol(m->whole_ns, 256 / (154868 / 4.0) * 1e9, 1);
	/* the node's resnet50 row, one GPU's share */
	m = &s.m[5];
	ck_assert_msg(strstr(m->where, "/NC96ads_A100_v4_TRT/resnet50/"), "%s", m->where);
	ck_assert_double_eq_tol(m->ns, 256 / (154868 / 4.0) * 1e9, 1);
	model_meas_set_release(&s);
}
END_TEST

/* A slice's whole-GPU reference is a whole-GPU run of its own GPU: beside
 * an A100 PCIe slice, an A100 SXM x1 run of the same benchmark is not one
 * (whole_ns stays 0), an A100 PCIe x1 run is. */
START_TEST(mlperf_whole_gpu_reference_is_of_the_same_gpu)
{
	for (int same = 0; same < 2; same++) {
		char dir[] = "/tmp/mosaic-test-mlperf-XXXXXX", cmd[64], path[256];
		const char *whole = same ? "A100-PCIe-80GBx1_TRT" : "A100-SXM-80GBx1_TRT";
		struct model_meas_set s;
		struct mo_err err = { 0 };
		double want;

		ck_assert_int_eq(mlperf_sys_tree(dir, "A100-PCIe-80GB-MIG_1x1g_TRT", "resnet50",
						 "{\"weight_data_types\": \"int8\"}"), 0);
		snprintf(path, sizeof(path), "results/%s/resnet50/Offline/performance/run_1/mlperf_log_summary.txt", whole);
		ck_assert_int_eq(put(dir, path, "Scenario : Offline\nSamples per second: 8000\n"), 0);
		model_meas_set_init(&s);
		ck_assert_msg(model_meas_load_path(&s, dir, NULL, &err) == 0, "%s", err.msg);
		ck_assert_uint_eq(s.n, 2);
		ck_assert_str_eq(s.m[0].gpu, "a100-80gb-pcie");
		ck_assert_int_eq(s.m[1].mech, MODEL_MECH_WHOLE);
		want = same ? 256 / 8000.0 * 1e9 : 0;
		ck_assert_double_eq_tol(s.m[0].whole_ns, want, 1e-6);
		model_meas_set_release(&s);
		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		ck_assert_int_eq(system(cmd), 0);
	}
}
END_TEST

/* Held out: Dell's v2.0 XE8545, whose folder names spell neither the GPU
 * (A100_SXM_80GB) nor the slice (1xMIG): its system JSONs say "NVIDIA
 * A100-SXM-80GB (1x1g.10gb MIG)" and "NVIDIA A100-SXM-80GB". */
START_TEST(mlperf_dell_rows_take_the_slice_and_the_gpu_from_the_system_description)
{
	struct model_meas_set s;

	load_held_out_slices(&s, "mlperf-inference-v2.0-dell", 8, "a100-80gb-sxm");
	/* resnet50 Offline: 5224.5 samples/s on the slice, 40471 whole */
	ck_assert_msg(strstr(s.m[2].where, "XE8545_A100_SXM_80GB_1xMIG_TRT/resnet50/Offline/"), "%s", s.m[2].where);
	ck_assert_double_eq_tol(s.m[2].ns, 256 / 5224.5 * 1e9, 1);
	ck_assert_double_eq_tol(s.m[2].whole_ns, 256 / 40471.0 * 1e9, 1);
	/* resnet50 SingleStream: median latency 654555 ns, whole 451903 */
	ck_assert_int_eq(s.m[3].batch, 1);
	ck_assert_double_eq_tol(s.m[3].ns, 654555, 1e-6);
	ck_assert_double_eq_tol(s.m[3].whole_ns, 451903, 1e-6);
	model_meas_set_release(&s);
}
END_TEST

/* A system whose name does not spell its GPU takes it, a 1g slice, and a
 * whole node's GPU count from systems/<system>.json: another GPU or MIG
 * layout or no such file skips its rows with the reason; a file without
 * the fields is refused, named. */
START_TEST(mlperf_system_description_names_the_gpu_or_the_row_is_skipped_or_refused)
{
	static const struct {
		const char *sys, *json, *want, *why, *gpu;
		int rc, mech;
		double ns;
	} cases[] = {
		{ "Z_TRT", "{\"accelerator_model_name\": \"NVIDIA A100-PCIe-80GB\", \"accelerators_per_node\": 4}",
		  "", NULL, "a100-80gb-pcie", 0, MODEL_MECH_WHOLE, 256 / 250.0 * 1e9 },
		{ "Z_MIG_1g_10gb_TRT", "{\"accelerator_model_name\": \"NVIDIA A100-PCIe-80GB (1x1g.10gb MIG)\"}",
		  "", NULL, "a100-80gb-pcie", 0, MODEL_MECH_MIG, 256 / 1000.0 * 1e9 },
		{ "Z_1xMIG_TRT", "{\"accelerator_model_name\": \"NVIDIA A100-SXM-80GB (1x1g.10gb MIG)\", "
		  "\"accelerators_per_node\": 1}", "", NULL, "a100-80gb-sxm", 0, MODEL_MECH_MIG, 256 / 1000.0 * 1e9 },
		{ "Z_TRT", "{\"accelerator_model_name\": \"NVIDIA A30\", \"accelerators_per_node\": 1}", "",
		  "GPU 'NVIDIA A30' of system 'Z_TRT': not one this reader knows", NULL, 0, 0, 0 },
		{ "Z_TRT", "{\"accelerator_model_name\": \"NVIDIA A100-SXM-80GB (2x3g.40gb MIG)\"}", "",
		  "MIG layout 'NVIDIA A100-SXM-80GB (2x3g.40gb MIG)' of system 'Z_TRT'", NULL, 0, 0, 0 },
		/* a MIG layout named only by the folder: never whole GPUs */
		{ "Z_MIG_3g_40gb_TRT", "{\"accelerator_model_name\": \"NVIDIA A100-PCIe-80GB\", "
		  "\"accelerators_per_node\": 4}", "", "a MIG layout this reader does not know", NULL, 0, 0, 0 },
		{ "DGX_A100-SXM-80GB-MIG_7x1g_TRT", "{\"accelerator_model_name\": \"NVIDIA A100-SXM-80GB\", "
		  "\"accelerators_per_node\": 1}", "", "a MIG layout this reader does not know", NULL, 0, 0, 0 },
		{ "Z_TRT", NULL, "", "no systems/<system>.json is here", NULL, 0, 0, 0 },
		{ "Z_TRT", "{\"accelerators_per_node\": 4}", "Z_TRT.json': accelerator_model_name: missing", NULL,
		  NULL, -MO_EINPUT, 0, 0 },
		{ "Z_TRT", "{\"accelerator_model_name\": \"NVIDIA A100-PCIe-80GB\", \"accelerators_per_node\": \"4\"}",
		  "accelerators_per_node: expected an integer", NULL, NULL, -MO_EINPUT, 0, 0 },
		{ "Z_TRT", "{\"accelerator_model_name\": \"NVIDIA A100-PCIe-80GB\", \"accelerators_per_node\": 0}",
		  "accelerators_per_node: 0 is out of range", NULL, NULL, -MO_EINPUT, 0, 0 },
		{ "Z_TRT", "{\"accelerator_model_name\": ", "Z_TRT.json': line 1, column 27", NULL, NULL,
		  -MO_EINPUT, 0, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char dir[] = "/tmp/mosaic-test-mlperf-XXXXXX", cmd[64], path[128];
		struct model_meas_set s;
		struct mo_err err = { 0 };
		int rc;

		ck_assert_int_eq(mlperf_sys_tree(dir, cases[i].sys, "resnet50", "{\"weight_data_types\": \"int8\"}"), 0);
		snprintf(path, sizeof(path), "systems/%s.json", cases[i].sys);
		if (cases[i].json)
			ck_assert_int_eq(put(dir, path, cases[i].json), 0);
		model_meas_set_init(&s);
		rc = model_meas_load_path(&s, dir, NULL, &err);
		ck_assert_msg(rc == cases[i].rc, "case %zu: rc %d %s", i, rc, err.msg);
		ck_assert_msg(strstr(err.msg, cases[i].want), "case %zu: %s", i, err.msg);
		if (rc == 0 && cases[i].why) {
			ck_assert_uint_eq(s.n, 0);
			ck_assert_uint_eq(s.nskip, 1);
			ck_assert_msg(strstr(s.skip[0].why, cases[i].why), "case %zu: %s", i, s.skip[0].why);
		} else if (rc == 0) {
			ck_assert_uint_eq(s.n, 1);
			ck_assert_str_eq(s.m[0].gpu, cases[i].gpu);
			ck_assert_int_eq(s.m[0].mech, cases[i].mech);
			ck_assert_double_eq_tol(s.m[0].ns, cases[i].ns, 1);
		}
		model_meas_set_release(&s);
		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		ck_assert_int_eq(system(cmd), 0);
	}
}
END_TEST

/* A summary value that is not a finite positive number, or gives a time
 * outside MODEL_MEAS_MIN_NS .. MODEL_MEAS_MAX_NS, is refused naming the file
 * (and the line for the value itself), never a row of inf or 0. */
START_TEST(mlperf_summary_values_out_of_range_are_refused)
{
	static const struct {
		const char *scen, *line, *want;
	} cases[] = {
		{ "Offline", "Samples per second: inf", ":2: Samples per second inf is not a finite positive" },
		{ "Offline", "Samples per second: nan", ":2: Samples per second nan is not a finite positive" },
		{ "Offline", "Samples per second: -5", ":2: Samples per second -5 is not a finite positive" },
		{ "Offline", "Samples per second: 0", ":2: Samples per second 0 is not a finite positive" },
		{ "Offline", "Samples per second: 1e-300", "mlperf_log_summary.txt: a measured time of inf ns" },
		{ "Offline", "Samples per second: 1e308", "is outside 1 .. 1e+15 ns" },
		{ "SingleStream", "50.00 percentile latency (ns) : inf", ":2: 50.00 percentile latency (ns) inf" },
		{ "SingleStream", "50.00 percentile latency (ns) : 0.5", "a measured time of 0.5 ns" },
		{ "Offline", "Samples per second: none", "no Samples per second value" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char dir[] = "/tmp/mosaic-test-mlperf-XXXXXX", cmd[384], path[256], text[128];
		struct model_meas_set s;
		struct mo_err err = { 0 };

		ck_assert_int_eq(mlperf_tree(dir, NULL), 0);
		snprintf(path, sizeof(path), "results/%s/resnet50/%s/performance/run_1", MLPERF_SYS, cases[i].scen);
		snprintf(cmd, sizeof(cmd), "%s/%s", dir, path);
		ck_assert_int_eq(mkpath(cmd), 0);
		snprintf(path + strlen(path), sizeof(path) - strlen(path), "/mlperf_log_summary.txt");
		snprintf(text, sizeof(text), "Scenario : %s\n%s\n", cases[i].scen, cases[i].line);
		ck_assert_int_eq(put(dir, path, text), 0);
		model_meas_set_init(&s);
		ck_assert_int_eq(model_meas_load_path(&s, dir, NULL, &err), -MO_EINPUT);
		ck_assert_msg(strstr(err.msg, cases[i].want) && strstr(err.msg, "mlperf_log_summary.txt"),
			      "case %zu: %s", i, err.msg);
		model_meas_set_release(&s);
		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		ck_assert_int_eq(system(cmd), 0);
	}
}
END_TEST

START_TEST(miso_logs_become_training_rows_with_the_median_iteration_and_7g_as_reference)
{
	struct model_meas_set s;
	struct mo_err err;
	const struct model_meas *m;

	model_meas_set_init(&s);
	ck_assert_msg(model_meas_load_path(&s, DATA "/miso", NULL, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(s.n, 2);
	/* 1g.5gb_resnet_train512.json: 1744 iterations after warm-up, median 0.1637 s;
	 * 7g.40gb: 7739 iterations, median 0.0366 s */
	m = &s.m[0];
	ck_assert_str_eq(m->model, "resnet50");
	ck_assert_int_eq(m->image, 32);
	ck_assert_int_eq(m->batch, 512);
	ck_assert_int_eq(m->train, 1);
	ck_assert_int_eq(m->op.dtype, MODEL_TF32);
	/* mps/models/resnet_train.py: model.fit, each step one tf.function */
	ck_assert_int_eq(m->launch, MODEL_MEAS_LAUNCH_EXECUTOR);
	ck_assert_str_eq(m->gpu, "a100-40gb-sxm");
	ck_assert_int_eq(m->mech, MODEL_MECH_MIG);
	ck_assert_int_eq(m->sms, 14);
	ck_assert_double_eq_tol(m->ns, 0.1637e9, 1);
	ck_assert_int_eq(m->ref_sms, 98);
	ck_assert_double_eq_tol(m->whole_ns, 0.0366e9, 1);
	ck_assert_int_eq(s.m[1].sms, 98);
	ck_assert_double_eq(s.m[1].whole_ns, 0); /* the reference itself */
	model_meas_set_release(&s);
}
END_TEST

START_TEST(gavel_pairs_become_mps_co_runs_of_the_solo_job)
{
	struct model_meas_set s;
	struct mo_err err;
	const struct model_meas *m;

	model_meas_set_init(&s);
	ck_assert_msg(model_meas_load_path(&s, DATA "/gavel", NULL, &err) == 0, "%s", err.msg);
	/* ResNet-50 b16 alone (12.2169 steps/s) and beside its 26 single-GPU partners */
	ck_assert_uint_eq(s.n, 27);
	m = &s.m[0];
	ck_assert_int_eq(m->mech, MODEL_MECH_WHOLE);
	ck_assert_str_eq(m->model, "resnet50");
	ck_assert_int_eq(m->batch, 16);
	ck_assert_int_eq(m->train, 1);
	ck_assert_str_eq(m->gpu, "v100-sxm2");
	ck_assert_int_eq(m->launch, MODEL_MEAS_LAUNCH_EAGER); /* imagenet/main.py: PyTorch eager */
	ck_assert_double_eq_tol(m->ns, 1e9 / 12.21691492060599, 1e-3);
	/* beside ResNet-18 b16: 11.3961 steps/s */
	m = &s.m[1];
	ck_assert_int_eq(m->mech, MODEL_MECH_MPS);
	ck_assert_double_eq(m->pct, 100);
	ck_assert_str_eq(m->busy, "ResNet-18-batch-size-16");
	ck_assert_double_eq_tol(m->ns, 1e9 / 11.396129065315943, 1e-3);
	ck_assert_double_eq_tol(m->whole_ns, 1e9 / 12.21691492060599, 1e-3);
	/* ResNet-18 (no synthesiser) and the 2-GPU ResNet-50 job: one skipped item */
	ck_assert_uint_eq(s.nskip, 1);
	ck_assert_msg(strstr(s.skip[0].why, "1 single-GPU job types without a synthesiser, 1 multi-GPU jobs"),
		      "%s", s.skip[0].why);
	/* co-location gains, each single-GPU pair once: ResNet-50 b16 beside
	 * itself 3.6053 + 3.6053 over 12.2169 twice = 0.590.  Left out:
	 * ResNet-18 b16 beside itself and beside ResNet-50 b16, where its
	 * co-located throughput is bitwise its solo 32.3534 (a copy, not a
	 * measurement), and the 2-GPU job */
	ck_assert_uint_eq(s.ngains, 1);
	ck_assert_double_eq_tol(s.gains[0], 2 * 3.6053140003441353 / 12.21691492060599, 1e-9);
	model_meas_set_release(&s);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("measure");
	TCase *tc = tcase_create("measure");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, good_rows_are_read_with_their_units_quotas_and_co_runners);
	tcase_add_test(tc, a_byte_order_mark_before_the_header_is_skipped);
	tcase_add_test(tc, a_row_without_whole_time_takes_it_from_the_whole_gpu_row_of_the_same_item);
	tcase_add_test(tc, bad_rows_fail_with_file_line_column_and_field);
	tcase_add_test(tc, a_line_longer_than_the_limit_is_refused);
	tcase_add_test(tc, mps_percentages_round_up_to_whole_sms);
	tcase_add_test(tc, the_evaluation_reports_exact_errors_by_group_and_the_worst_rows);
	tcase_add_test(tc, a_mig_row_runs_on_its_instance_bandwidth_shared_by_its_mps_copies);
	tcase_add_test(tc, an_mps_row_beside_a_busy_neighbour_shares_its_sms_and_bandwidth_with_a_twin);
	tcase_add_test(tc, shared_sms_are_paired_with_partitions_of_the_same_size);
	tcase_add_test(tc, a_model_row_says_how_its_kernels_were_launched_its_input_copied_and_its_engine);
	tcase_add_test(tc, the_l40_mps_sweep_becomes_gemm_rows_with_the_100_percent_row_as_whole);
	tcase_add_test(tc, parvagpu_rows_are_mig_slices_with_mps_copies_and_the_7g_row_as_reference);
	tcase_add_test(tc, mlperf_summaries_become_model_rows_per_batch_with_the_whole_gpu_as_reference);
	tcase_add_test(tc, mlperf_rows_take_the_precision_the_submission_states);
	tcase_add_test(tc, mlperf_stated_precision_bad_or_unknown_is_refused_or_skipped);
	tcase_add_test(tc, mlperf_precision_falls_back_only_to_agreeing_systems_of_the_same_gpu);
	tcase_add_test(tc, mlperf_unstated_precision_is_what_nvidia_documents_per_benchmark);
	tcase_add_test(tc, mlperf_azure_rows_are_a100_pcie_slices_and_per_gpu_shares_of_the_node);
	tcase_add_test(tc, mlperf_dell_rows_take_the_slice_and_the_gpu_from_the_system_description);
	tcase_add_test(tc, mlperf_whole_gpu_reference_is_of_the_same_gpu);
	tcase_add_test(tc, mlperf_system_description_names_the_gpu_or_the_row_is_skipped_or_refused);
	tcase_add_test(tc, mlperf_summary_values_out_of_range_are_refused);
	tcase_add_test(tc, miso_logs_become_training_rows_with_the_median_iteration_and_7g_as_reference);
	tcase_add_test(tc, gavel_pairs_become_mps_co_runs_of_the_solo_job);
	tcase_add_test(tc, an_unknown_file_is_an_error_and_a_folder_walk_counts_what_it_ignores);
	tcase_add_test(tc, each_row_is_labelled_with_the_data_set_it_came_from);
	tcase_add_test(tc, a_data_set_name_from_the_disk_is_made_safe);
	suite_add_tcase(s, tc);
	return s;
}
