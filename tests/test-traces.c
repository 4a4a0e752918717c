/*
 * test-traces.c - the .mtr format core: round trips of every record kind,
 * compatibility rules, hostile and truncated input, validation, atomic
 * output, sinks and the streaming summary.
 */
#include <check.h>
#include <stdarg.h>
#include <dirent.h>
#include <msgpack.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "tests/common/check-main.h"
#include "traces/traces.h"
#include "traces/analysis-internal.h"
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#endif
#include "traces/core-internal.h"

static char tmpdir[256];

static void make_tmpdir(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test-traces.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void remove_tmpdir(void)
{
	DIR *d = opendir(tmpdir);
	struct dirent *e;
	char p[512];

	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", tmpdir, e->d_name);
		unlink(p);
	}
	if (d)
		closedir(d);
	rmdir(tmpdir);
}

static const char *tmp(const char *name)
{
	static char p[512];
	snprintf(p, sizeof(p), "%s/%s", tmpdir, name);
	return p;
}

static size_t count_dir_entries(void)
{
	DIR *d = opendir(tmpdir);
	struct dirent *e;
	size_t n = 0;

	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	if (d)
		closedir(d);
	return n;
}

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	unsigned char *buf;
	long n;

	ck_assert_ptr_nonnull(fp);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	ck_assert_int_eq(fread(buf, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	*len = (size_t)n;
	return buf;
}

static void spit(const char *path, const void *data, size_t len)
{
	FILE *fp = fopen(path, "wb");
	ck_assert_ptr_nonnull(fp);
	ck_assert_int_eq(fwrite(data, 1, len, fp), len);
	fclose(fp);
}

/* ---- every kind with every field set to a distinct value ---- */

static const char *const strs[] = {"", "a", "kernel<float, 128>(x)", "vision encoder", "\xce\xbb",
				   "tab\there", "quote\"back\\slash"};

/* Fill every field of rec (of kind) with values derived from seed. */
static void fill_all(struct trace_record *rec, int kind, int64_t seed)
{
	uint64_t v = (uint64_t)seed;
	int si = (int)(seed % 7);

	trace_record_init(rec, kind);
#define SET_I(n) p->n = (v = v * 6364136223846793005ull + 1442695040888963407ull, (int64_t)(v >> 1) ^ (v & 1 ? -1 : 0));
#define SET_S(n) p->n = strs[si++ % 7];
	switch (kind) {
#define X(num, lower, UPPER)                                                     \
	case num: {                                                              \
		struct trace_##lower *p = &rec->u.lower;                         \
		TRACE_##UPPER##_FIELDS(SET_I, SET_S) break;                      \
	}
		TRACE_KINDS(X)
#undef X
	}
#undef SET_I
#undef SET_S
}

/* a and b are the same record; else the message names the field */
static void assert_same(const struct trace_record *a, const struct trace_record *b)
{
	const char *field = trace_record_diff(a, b);

	ck_assert_msg(!field, "%s record: field %s differs", trace_kind_name(a->kind), field);
}

static const int all_kinds[] = {
#define X(num, lower, UPPER) num,
	TRACE_KINDS(X)
#undef X
};
#define NKINDS (sizeof(all_kinds) / sizeof(all_kinds[0]))

START_TEST(a_record_diff_names_the_first_field_that_differs)
{
	struct trace_record a, b;
	char name[] = "gemm";

	trace_record_init(&a, TRACE_KIND_KERNEL);
	a.u.kernel.name = "gemm";
	b = a;
	b.u.kernel.name = name; /* another pointer, the same text */
	ck_assert_ptr_null(trace_record_diff(&a, &b));
	b.u.kernel.flops = 7;
	b.u.kernel.name = "gemv";
	ck_assert_str_eq(trace_record_diff(&a, &b), "flops"); /* file order */
	b.u.kernel.flops = a.u.kernel.flops;
	ck_assert_str_eq(trace_record_diff(&a, &b), "name");
	trace_record_init(&b, TRACE_KIND_MEMCPY);
	ck_assert_str_eq(trace_record_diff(&a, &b), "kind");
}
END_TEST

START_TEST(every_kind_survives_a_round_trip_byte_for_byte)
{
	struct trace_header h;
	struct trace_record recs[NKINDS * 3], rec;
	struct mo_err err = {0};
	struct trace_writer *w;
	struct trace_reader *r;
	struct trace_mem t;
	unsigned char *a, *b;
	size_t la, lb, n = 0;

	make_tmpdir();
	trace_header_init(&h);
	h.producer = "test-traces";
	h.source = TRACE_SOURCE_SIMULATED;
	h.gpu_name = "NVIDIA H100 80GB HBM3";
	h.gpu_sms = 132;
	h.gpu_mem_bytes = 85520809984LL;
	w = trace_writer_open(tmp("a.mtr"), &h, &err);
	ck_assert_msg(w != NULL, "%s", err.msg);
	for (int rep = 0; rep < 3; rep++)
		for (size_t i = 0; i < NKINDS; i++) {
			fill_all(&recs[n], all_kinds[i], (int64_t)(n * 7919 + 1));
			ck_assert_msg(trace_writer_put(w, &recs[n], &err) == 0, "%s", err.msg);
			n++;
		}
	ck_assert_msg(trace_writer_close(w, &err) == 0, "%s", err.msg);

	r = trace_reader_open(tmp("a.mtr"), &err);
	ck_assert_msg(r != NULL, "%s", err.msg);
	ck_assert_str_eq(trace_reader_header(r)->gpu_name, "NVIDIA H100 80GB HBM3");
	ck_assert_int_eq(trace_reader_header(r)->source, TRACE_SOURCE_SIMULATED);
	ck_assert_int_eq(trace_reader_header(r)->gpu_mem_bytes, 85520809984LL);
	ck_assert_int_eq(trace_reader_header(r)->gpu_cc_major, -1);
	for (size_t i = 0; i < n; i++) {
		ck_assert_int_eq(trace_reader_next(r, &rec, &err), 1);
		assert_same(&recs[i], &rec);
		ck_assert_uint_eq(trace_reader_index(r), i);
	}
	ck_assert_int_eq(trace_reader_next(r, &rec, &err), 0);
	ck_assert_uint_eq(trace_reader_skipped(r), 0);
	trace_reader_free(r);

	/* read into memory, write again: the same bytes */
	trace_mem_init(&t);
	ck_assert_msg(trace_mem_load(&t, tmp("a.mtr"), &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(t.n, n);
	for (size_t i = 0; i < n; i++)
		assert_same(&recs[i], &t.recs[i]);
	ck_assert_msg(trace_mem_save(&t, tmp("b.mtr"), &err) == 0, "%s", err.msg);
	trace_mem_release(&t);
	a = slurp(tmp("a.mtr"), &la);
	b = slurp(tmp("b.mtr"), &lb);
	ck_assert_uint_eq(la, lb);
	ck_assert(memcmp(a, b, la) == 0);
	free(a);
	free(b);
	remove_tmpdir();
}
END_TEST

START_TEST(times_above_2_to_the_53_are_exact)
{
	static const int64_t times[] = {(1LL << 53) + 1, (1LL << 62) + 3, INT64_MAX, INT64_MAX - 1,
					-1, 0, 1};
	struct trace_header h;
	struct trace_record rec;
	struct mo_err err = {0};
	struct trace_writer *w;
	struct trace_reader *r;

	make_tmpdir();
	trace_header_init(&h);
	w = trace_writer_open(tmp("t.mtr"), &h, &err);
	ck_assert_ptr_nonnull(w);
	for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
		trace_record_init(&rec, TRACE_KIND_KERNEL);
		rec.u.kernel.start_ns = times[i];
		rec.u.kernel.end_ns = times[i] == INT64_MAX ? times[i] : times[i] + 1;
		ck_assert_int_eq(trace_writer_put(w, &rec, &err), 0);
	}
	ck_assert_int_eq(trace_writer_close(w, &err), 0);
	r = trace_reader_open(tmp("t.mtr"), &err);
	ck_assert_ptr_nonnull(r);
	for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
		ck_assert_int_eq(trace_reader_next(r, &rec, &err), 1);
		ck_assert_int_eq(rec.u.kernel.start_ns, times[i]);
	}
	trace_reader_free(r);
	remove_tmpdir();
}
END_TEST

START_TEST(an_imported_trace_reads_and_writes_back_byte_for_byte)
{
	static const char *const inputs[] = {
		"tests/data/kineto/hta/benchmark_result_2869224_1695835535_trace.json.gz",
		"tests/data/kineto/tracelens/gaunernst_bert-small-uncased__1016001.json.gz",
	};
	int done = 0;

	make_tmpdir();
	for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		struct mo_err err = {0};
		struct trace_sink sink;
		struct trace_writer *w;
		struct trace_mem t;
		unsigned char *a, *b;
		size_t la, lb;
		char pa[512], pb[512];

		ck_assert_msg(access(inputs[i], R_OK) == 0, "'%s' absent (committed test data)", inputs[i]);
		snprintf(pa, sizeof(pa), "%s", tmp("imported.mtr"));
		snprintf(pb, sizeof(pb), "%s", tmp("again.mtr"));
		ck_assert_int_eq(trace_sink_writer(&sink, &w, pa), 0);
		ck_assert_msg(trace_read_any(inputs[i], &sink, &err) == 0, "%s", err.msg);
		ck_assert_msg(trace_writer_close(w, &err) == 0, "%s", err.msg);
		trace_mem_init(&t);
		ck_assert_msg(trace_mem_load(&t, pa, &err) == 0, "%s", err.msg);
		ck_assert_uint_gt(t.n, 10);
		ck_assert_msg(trace_mem_save(&t, pb, &err) == 0, "%s", err.msg);
		trace_mem_release(&t);
		a = slurp(pa, &la);
		b = slurp(pb, &lb);
		ck_assert_uint_eq(la, lb);
		ck_assert(memcmp(a, b, la) == 0);
		free(a);
		free(b);
		done++;
	}
	remove_tmpdir();
	ck_assert_int_gt(done, 0);
}
END_TEST

/* ---- crafted files ---- */

struct craft {
	msgpack_sbuffer sb;
	msgpack_packer pk;
};

static void craft_init(struct craft *c)
{
	msgpack_sbuffer_init(&c->sb);
	msgpack_packer_init(&c->pk, &c->sb, msgpack_sbuffer_write);
}

static void craft_str(struct craft *c, const char *s)
{
	msgpack_pack_str_with_body(&c->pk, s, strlen(s));
}

/* A header array of version major.minor with nfields header fields given
 * as (producer, source). */
static void craft_header(struct craft *c, int major, int minor)
{
	msgpack_pack_array(&c->pk, 5);
	craft_str(c, TRACE_FORMAT_MAGIC);
	msgpack_pack_int(&c->pk, major);
	msgpack_pack_int(&c->pk, minor);
	craft_str(c, "crafted");
	msgpack_pack_int(&c->pk, TRACE_SOURCE_SIMULATED);
}

START_TEST(a_newer_major_version_is_refused)
{
	struct craft c;
	struct mo_err err = {0};
	struct trace_reader *r;

	craft_init(&c);
	craft_header(&c, TRACE_FORMAT_MAJOR + 1, 0);
	r = trace_reader_open_mem(c.sb.data, c.sb.size, "new.mtr", &err);
	ck_assert_ptr_null(r);
	ck_assert_int_eq(err.code, -MO_EVERSION);
	ck_assert_msg(strstr(err.msg, "'new.mtr'") && strstr(err.msg, "newer"), "%s", err.msg);
	ck_assert_int_eq(mo_err_exit_code(&err), 2);
	msgpack_sbuffer_destroy(&c.sb);
}
END_TEST

START_TEST(a_newer_minor_version_with_unknown_kinds_and_extra_fields_reads)
{
	struct craft c;
	struct mo_err err = {0};
	struct trace_reader *r;
	struct trace_record rec;

	craft_init(&c);
	craft_header(&c, TRACE_FORMAT_MAJOR, TRACE_FORMAT_MINOR + 5);
	/* an unknown kind, with a nested map */
	msgpack_pack_array(&c.pk, 3);
	msgpack_pack_int(&c.pk, 99);
	msgpack_pack_map(&c.pk, 1);
	craft_str(&c, "k");
	msgpack_pack_double(&c.pk, 1.5);
	msgpack_pack_nil(&c.pk);
	/* a module with an extra trailing field */
	msgpack_pack_array(&c.pk, 4);
	msgpack_pack_int(&c.pk, TRACE_KIND_MODULE);
	msgpack_pack_int(&c.pk, 3);
	craft_str(&c, "llm");
	msgpack_pack_array(&c.pk, 2);
	msgpack_pack_true(&c.pk);
	msgpack_pack_false(&c.pk);
	/* another unknown kind */
	msgpack_pack_array(&c.pk, 1);
	msgpack_pack_int(&c.pk, 1000);
	/* a kernel with only three fields: the rest default */
	msgpack_pack_array(&c.pk, 4);
	msgpack_pack_int(&c.pk, TRACE_KIND_KERNEL);
	msgpack_pack_int64(&c.pk, 100);
	msgpack_pack_int64(&c.pk, 250);
	msgpack_pack_nil(&c.pk); /* nil: the default */

	r = trace_reader_open_mem(c.sb.data, c.sb.size, "minor.mtr", &err);
	ck_assert_msg(r != NULL, "%s", err.msg);
	ck_assert_str_eq(trace_reader_header(r)->producer, "crafted");
	ck_assert_int_eq(trace_reader_header(r)->source, TRACE_SOURCE_SIMULATED);
	ck_assert_int_eq(trace_reader_header(r)->quota_sms, 0); /* header default */
	ck_assert_str_eq(trace_reader_header(r)->gpu_name, "");
	ck_assert_int_eq(trace_reader_next(r, &rec, &err), 1);
	ck_assert_int_eq(rec.kind, TRACE_KIND_MODULE);
	ck_assert_int_eq(rec.u.module.id, 3);
	ck_assert_str_eq(rec.u.module.name, "llm");
	ck_assert_uint_eq(trace_reader_index(r), 1);
	ck_assert_int_eq(trace_reader_next(r, &rec, &err), 1);
	ck_assert_int_eq(rec.kind, TRACE_KIND_KERNEL);
	ck_assert_int_eq(rec.u.kernel.start_ns, 100);
	ck_assert_int_eq(rec.u.kernel.end_ns, 250);
	ck_assert_int_eq(rec.u.kernel.device, -1);
	ck_assert_int_eq(rec.u.kernel.grid_x, -1);
	ck_assert_str_eq(rec.u.kernel.name, "");
	ck_assert_uint_eq(trace_reader_index(r), 3);
	ck_assert_int_eq(trace_reader_next(r, &rec, &err), 0);
	ck_assert_uint_eq(trace_reader_skipped(r), 2);
	trace_reader_free(r);
	msgpack_sbuffer_destroy(&c.sb);
}
END_TEST

/* A small valid file: header, device, stream, three kernels. */
static void small_trace(struct craft *c, size_t *offsets, size_t *nrec)
{
	craft_init(c);
	craft_header(c, 1, 0);
	*nrec = 0;
	offsets[(*nrec)++] = c->sb.size;
	msgpack_pack_array(&c->pk, 4);
	msgpack_pack_int(&c->pk, TRACE_KIND_DEVICE);
	msgpack_pack_int(&c->pk, 0);
	msgpack_pack_int(&c->pk, 132);
	craft_str(c, "H100");
	for (int i = 0; i < 3; i++) {
		offsets[(*nrec)++] = c->sb.size;
		msgpack_pack_array(&c->pk, 5);
		msgpack_pack_int(&c->pk, TRACE_KIND_KERNEL);
		msgpack_pack_int64(&c->pk, 1000 * i);
		msgpack_pack_int64(&c->pk, 1000 * i + 500);
		msgpack_pack_int(&c->pk, 0);
		msgpack_pack_int(&c->pk, 7);
	}
	offsets[*nrec] = c->sb.size;
}

START_TEST(a_file_cut_at_any_byte_gives_a_clean_error_naming_the_offset)
{
	struct craft c;
	size_t offsets[8], nrec;

	small_trace(&c, offsets, &nrec);
	for (size_t len = 0; len < c.sb.size; len++) {
		struct mo_err err = {0};
		struct trace_record rec;
		struct trace_reader *r;
		unsigned char *copy = malloc(len + 1); /* exact size: ASan sees overreads */
		size_t got = 0, boundary = (size_t)-1;
		int rc = 0;

		memcpy(copy, c.sb.data, len);
		r = trace_reader_open_mem(copy, len, "cut.mtr", &err);
		if (r) {
			while ((rc = trace_reader_next(r, &rec, &err)) > 0)
				got++;
			trace_reader_free(r);
		} else {
			rc = err.code;
		}
		for (size_t i = 0; i <= nrec; i++)
			if (offsets[i] == len)
				boundary = i;
		if (boundary != (size_t)-1) { /* cut between records: a shorter, valid file */
			ck_assert_msg(rc == 0, "len %zu: %s", len, err.msg);
			ck_assert_uint_eq(got, boundary);
		} else {
			char want[64];
			size_t start = 0;
			ck_assert_msg(rc == -MO_EINPUT, "len %zu: rc %d", len, rc);
			for (size_t i = 0; i < nrec; i++)
				if (offsets[i] < len)
					start = offsets[i];
			snprintf(want, sizeof(want), "byte %zu", len ? start : 0);
			ck_assert_msg(strstr(err.msg, "'cut.mtr'"), "%s", err.msg);
			ck_assert_msg(len == 0 ? strstr(err.msg, "empty") != NULL
					       : strstr(err.msg, "truncated") && strstr(err.msg, want),
				      "len %zu: %s", len, err.msg);
		}
		free(copy);
	}
	msgpack_sbuffer_destroy(&c.sb);
}
END_TEST

/* ---- hostile input as literal bytes ---- */

#define HDR 0x95, 0xac, 'm', 'o', 's', 'a', 'i', 'c', '-', 't', 'r', 'a', 'c', 'e', 0x01, 0x00, \
	    0xa0, 0x00

static const unsigned char bad_not_msgpack[] = "hello, world\n";
static const unsigned char bad_huge_array[] = {0xdd, 0xff, 0xff, 0xff, 0xff, 0x00};
static const unsigned char bad_huge_string[] = {0x93, 0xdb, 0xff, 0xff, 0xff, 0xf0, 'x'};
static const unsigned char bad_deep[] = {0x91, 0x91, 0x91, 0x91, 0x91, 0x91, 0x91, 0x91, 0x91,
					 0x91, 0x90};
static const unsigned char bad_magic[] = {0x93, 0xa5, 'h', 'e', 'l', 'l', 'o', 0x01, 0x00};
static const unsigned char bad_top_map[] = {0x81, 0xa1, 'a', 0x01};
static const unsigned char bad_record_not_array[] = {HDR, 0x05};
static const unsigned char bad_kind_string[] = {HDR, 0x92, 0xa1, 'k', 0x01};
static const unsigned char bad_kind_zero[] = {HDR, 0x92, 0x00, 0x01};
static const unsigned char bad_kind_negative[] = {HDR, 0x92, 0xff, 0x01};
static const unsigned char bad_empty_record[] = {HDR, 0x90};
static const unsigned char bad_int_is_string[] = {HDR, 0x93, 0x06, 0x01, 0xa1, '2'};
static const unsigned char bad_int_too_big[] = {HDR, 0x92, 0x06, 0xcf, 0xff, 0xff, 0xff, 0xff,
						0xff, 0xff, 0xff, 0xff};
static const unsigned char bad_str_is_int[] = {HDR, 0x93, 0x04, 0x01, 0x02};
static const unsigned char bad_str_nul[] = {HDR, 0x93, 0x04, 0x01, 0xa3, 'a', 0x00, 'b'};
static const unsigned char bad_c1[] = {HDR, 0x92, 0x04, 0xc1};
static const unsigned char bad_version_type[] = {0x93, 0xac, 'm', 'o', 's', 'a', 'i', 'c', '-',
						 't', 'r', 'a', 'c', 'e', 0xa1, '1', 0x00};
static const unsigned char bad_big_map[] = {HDR, 0x92, 0x63, 0xde, 0x10, 0x00};
static const unsigned char bad_huge_ext[] = {HDR, 0x92, 0x63, 0xc9, 0x7f, 0xff, 0xff, 0xff, 0x01};

static const struct {
	const char *name;
	const unsigned char *data;
	size_t len;
	int code;
	const char *want; /* in the message */
} bad_inputs[] = {
#define B(d, code, want) {#d, d, sizeof(d), code, want}
	{"empty", (const unsigned char *)"", 0, -MO_EINPUT, "empty file"},
	{"not msgpack", bad_not_msgpack, sizeof(bad_not_msgpack) - 1, -MO_EINPUT, "not a mosaic trace"},
	B(bad_huge_array, -MO_EINPUT, "more than 64 elements"),
	B(bad_huge_string, -MO_EINPUT, "longer than 1 MiB"),
	B(bad_deep, -MO_EINPUT, "nested more than 8"),
	B(bad_magic, -MO_EINPUT, "not a mosaic trace"),
	B(bad_top_map, -MO_EINPUT, "byte 0"),
	B(bad_record_not_array, -MO_EINPUT, "byte 18: record 0: not a msgpack array"),
	B(bad_kind_string, -MO_EINPUT, "kind is not an integer"),
	B(bad_kind_zero, -MO_EINPUT, "invalid record kind 0"),
	B(bad_kind_negative, -MO_EINPUT, "invalid record kind -1"),
	B(bad_empty_record, -MO_EINPUT, "empty record"),
	B(bad_int_is_string, -MO_EINPUT, "field 'end_ns': expected an integer, got a string"),
	B(bad_int_too_big, -MO_EINPUT, "field 'start_ns': expected an integer, got an integer above"),
	B(bad_str_is_int, -MO_EINPUT, "field 'name': expected a string, got an integer"),
	B(bad_str_nul, -MO_EINPUT, "NUL"),
	B(bad_c1, -MO_EINPUT, "0xc1"),
	B(bad_version_type, -MO_EINPUT, "bad format version"),
	B(bad_big_map, -MO_EINPUT, "map of more than 64 pairs"),
	B(bad_huge_ext, -MO_EINPUT, "longer than 1 MiB"),
#undef B
};

START_TEST(bad_input_is_refused_with_a_message_that_names_it)
{
	struct mo_err err = {0};
	struct trace_reader *r;
	struct trace_record rec;
	unsigned char *copy = malloc(bad_inputs[_i].len + 1);
	int rc;

	memcpy(copy, bad_inputs[_i].data, bad_inputs[_i].len);
	r = trace_reader_open_mem(copy, bad_inputs[_i].len, "bad.mtr", &err);
	if (r) {
		while ((rc = trace_reader_next(r, &rec, &err)) > 0)
			;
		ck_assert_msg(rc < 0, "%s: accepted", bad_inputs[_i].name);
		/* reading on after an error keeps failing */
		ck_assert_int_lt(trace_reader_next(r, &rec, NULL), 0);
		trace_reader_free(r);
	}
	ck_assert_msg(err.code == bad_inputs[_i].code, "%s: code %d: %s", bad_inputs[_i].name,
		      err.code, err.msg);
	ck_assert_msg(strstr(err.msg, "'bad.mtr'") && strstr(err.msg, bad_inputs[_i].want),
		      "%s: '%s' lacks '%s'", bad_inputs[_i].name, err.msg, bad_inputs[_i].want);
	free(copy);
}
END_TEST

START_TEST(missing_files_and_directories_are_bad_input)
{
	struct mo_err err = {0};

	ck_assert_ptr_null(trace_reader_open("/nonexistent/x.mtr", &err));
	ck_assert_int_eq(err.code, -MO_EINPUT);
	ck_assert_ptr_null(trace_reader_open("/tmp", &err));
	ck_assert_int_eq(err.code, -MO_EINPUT);
	ck_assert_msg(strstr(err.msg, "directory"), "%s", err.msg);
}
END_TEST

START_TEST(sniffing_tells_mtr_from_json_from_other_files)
{
	struct craft c;
	size_t offsets[8], nrec;
	enum trace_file_format fmt;
	struct mo_err err = {0};

	make_tmpdir();
	small_trace(&c, offsets, &nrec);
	ck_assert(trace_is_mtr(c.sb.data, c.sb.size));
	ck_assert(!trace_is_mtr(c.sb.data, 5));
	ck_assert(!trace_is_mtr("{\"traceEvents\": []}", 19));
	spit(tmp("s.mtr"), c.sb.data, c.sb.size);
	ck_assert_int_eq(trace_sniff(tmp("s.mtr"), &fmt, &err), 0);
	ck_assert_int_eq(fmt, TRACE_FILE_MTR);
	spit(tmp("s.json"), "\xef\xbb\xbf  \n{\"traceEvents\": []}", 24);
	ck_assert_int_eq(trace_sniff(tmp("s.json"), &fmt, &err), 0);
	ck_assert_int_eq(fmt, TRACE_FILE_CHROME_JSON);
	spit(tmp("s.txt"), "hello", 5);
	ck_assert_int_eq(trace_sniff(tmp("s.txt"), &fmt, &err), 0);
	ck_assert_int_eq(fmt, TRACE_FILE_UNKNOWN);
	ck_assert_int_lt(trace_sniff(tmpdir, &fmt, &err), 0);
	ck_assert_int_eq(err.code, -MO_EINPUT);
	msgpack_sbuffer_destroy(&c.sb);
	remove_tmpdir();
}
END_TEST

/* ---- atomic output ---- */

START_TEST(an_aborted_write_leaves_no_file)
{
	struct trace_header h;
	struct trace_record rec;
	struct mo_err err = {0};
	struct trace_writer *w;
	struct trace_sink sink;
	struct stat st;

	make_tmpdir();
	trace_header_init(&h);
	w = trace_writer_open(tmp("gone.mtr"), &h, &err);
	ck_assert_ptr_nonnull(w);
	trace_record_init(&rec, TRACE_KIND_MODULE);
	rec.u.module.id = 0;
	rec.u.module.name = "vision";
	ck_assert_int_eq(trace_writer_put(w, &rec, &err), 0);
	ck_assert_uint_eq(count_dir_entries(), 1); /* the temporary */
	ck_assert_int_ne(stat(tmp("gone.mtr"), &st), 0);
	trace_writer_abort(w);
	ck_assert_uint_eq(count_dir_entries(), 0);

	/* a sink writer that never saw a header fails to close and leaves nothing */
	ck_assert_int_eq(trace_sink_writer(&sink, &w, tmp("never.mtr")), 0);
	ck_assert_int_lt(trace_writer_close(w, &err), 0);
	ck_assert_uint_eq(count_dir_entries(), 0);

	/* through a sink: the file appears only on close */
	ck_assert_int_eq(trace_sink_writer(&sink, &w, tmp("sink.mtr")), 0);
	ck_assert_int_eq(sink.header(sink.ctx, &h, &err), 0);
	ck_assert_int_eq(sink.record(sink.ctx, &rec, &err), 0);
	ck_assert_int_ne(stat(tmp("sink.mtr"), &st), 0);
	ck_assert_int_eq(trace_writer_close(w, &err), 0);
	ck_assert_int_eq(stat(tmp("sink.mtr"), &st), 0);
	ck_assert_uint_eq(count_dir_entries(), 1);

	/* writing into a missing directory fails cleanly */
	ck_assert_ptr_null(trace_writer_open("/nonexistent/dir/x.mtr", &h, &err));
	ck_assert_int_eq(err.code, -MO_EIO);
	remove_tmpdir();
}
END_TEST

START_TEST(a_temporary_is_created_exclusively_under_an_unpredictable_name)
{
	struct mo_outfile a, b;
	struct mo_err err = {0};
	char victim[512], planted[600];
	FILE *fp;

	make_tmpdir();
	/* the old predictable name, planted as a symlink: never written through */
	snprintf(victim, sizeof(victim), "%s", tmp("victim"));
	fp = fopen(victim, "w");
	ck_assert_ptr_nonnull(fp);
	fputs("keep", fp);
	fclose(fp);
	snprintf(planted, sizeof(planted), "%s.tmp.%ld.0", tmp("out.csv"), (long)getpid());
	ck_assert_int_eq(symlink(victim, planted), 0);
	ck_assert_int_eq(mo_outfile_open(&a, tmp("out.csv"), &err), 0);
	ck_assert_int_eq(mo_outfile_open(&b, tmp("out.csv"), &err), 0);
	ck_assert_str_ne(a.tmp_path, b.tmp_path);
	ck_assert_str_ne(a.tmp_path, planted);
	ck_assert_str_ne(b.tmp_path, planted);
	fputs("a", a.fp);
	fputs("b", b.fp);
	mo_outfile_abort(&b);
	ck_assert_int_eq(mo_outfile_commit(&a, &err), 0);
	fp = fopen(victim, "r");
	{
		char buf[8] = "";
		ck_assert_ptr_nonnull(fgets(buf, sizeof(buf), fp));
		ck_assert_str_eq(buf, "keep");
	}
	fclose(fp);
	ck_assert_uint_eq(count_dir_entries(), 3); /* victim, planted link, out.csv */
	remove_tmpdir();
}
END_TEST

START_TEST(a_fifo_or_device_is_written_in_place_and_a_directory_refused)
{
	struct mo_outfile f;
	struct mo_err err = {0};
	struct stat st;
	pid_t pid;
	int status;

	make_tmpdir();
	ck_assert_int_eq(mkfifo(tmp("fifo"), 0600), 0);
	pid = fork();
	if (pid == 0) { /* the reader */
		FILE *fp = fopen(tmp("fifo"), "r");
		char buf[16] = "";
		_exit(fp && fgets(buf, sizeof(buf), fp) && !strcmp(buf, "through") ? 0 : 1);
	}
	ck_assert_int_eq(mo_outfile_open(&f, tmp("fifo"), &err), 0);
	ck_assert_ptr_null(f.tmp_path);
	fputs("through", f.fp);
	ck_assert_int_eq(mo_outfile_commit(&f, &err), 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ck_assert_int_eq(lstat(tmp("fifo"), &st), 0);
	ck_assert(S_ISFIFO(st.st_mode));

	/* /dev/null stays a device; /dev/full reports the lost write */
	ck_assert_int_eq(mo_outfile_open(&f, "/dev/null", &err), 0);
	fputs("x", f.fp);
	ck_assert_int_eq(mo_outfile_commit(&f, &err), 0);
	ck_assert_int_eq(stat("/dev/null", &st), 0);
	ck_assert(S_ISCHR(st.st_mode));
	ck_assert_int_eq(mo_outfile_open(&f, "/dev/full", &err), 0);
	fputs("x", f.fp);
	ck_assert_int_eq(mo_outfile_commit(&f, &err), -MO_EIO);
	ck_assert_ptr_nonnull(strstr(err.msg, "/dev/full"));

	ck_assert_int_eq(mkdir(tmp("dir"), 0700), 0);
	ck_assert_int_eq(mo_outfile_open(&f, tmp("dir"), &err), -MO_EUSAGE);
	ck_assert_ptr_nonnull(strstr(err.msg, "directory"));
	ck_assert_uint_eq(count_dir_entries(), 2); /* fifo, dir */
	rmdir(tmp("dir"));
	remove_tmpdir();
}
END_TEST

START_TEST(a_signal_removes_the_temporaries_and_still_kills)
{
	static const int sigs[] = {SIGTERM, SIGINT};

	make_tmpdir();
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		int status;
		pid_t pid = fork();

		if (pid == 0) {
			struct mo_outfile f, g;
			signal(sigs[i], SIG_DFL);
			if (mo_outfile_cleanup_on_signals() < 0 ||
			    mo_outfile_open(&f, tmp("a.csv"), NULL) < 0 ||
			    mo_outfile_open(&g, tmp("b.csv"), NULL) < 0)
				_exit(3);
			fputs("partial", f.fp);
			fflush(f.fp);
			raise(sigs[i]);
			_exit(4); /* not reached */
		}
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == sigs[i],
			      "the child must die of signal %d (status 0x%x)", sigs[i], status);
		ck_assert_uint_eq(count_dir_entries(), 0);
	}
	/* a forked child killed by a signal leaves its parent's temporaries alone */
	{
		struct mo_outfile f;
		int status;
		pid_t pid;

		ck_assert_int_eq(mo_outfile_open(&f, tmp("parent.csv"), NULL), 0);
		pid = fork();
		if (pid == 0) {
			signal(SIGTERM, SIG_DFL);
			if (mo_outfile_cleanup_on_signals() < 0)
				_exit(3);
			raise(SIGTERM);
			_exit(4);
		}
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
		ck_assert_uint_eq(count_dir_entries(), 1);
		ck_assert_int_eq(mo_outfile_commit(&f, NULL), 0);
	}
	remove_tmpdir();
}
END_TEST

START_TEST(a_failed_close_releases_the_writer_once)
{
	struct trace_header h;
	struct trace_writer *w;
	struct mo_err err = {0};

	trace_header_init(&h);
	w = trace_writer_open("/dev/full", &h, &err);
	ck_assert_ptr_nonnull(w);
	ck_assert_int_eq(trace_writer_close(w, &err), -MO_EIO);
	ck_assert_msg(strstr(err.msg, "No space left"), "%s", err.msg);
}
END_TEST

START_TEST(the_in_memory_sink_keeps_strings)
{
	struct trace_mem t;
	struct trace_sink sink;
	struct trace_header h;
	struct trace_record rec;
	struct mo_err err = {0};
	char name[32];

	trace_mem_init(&t);
	sink = trace_sink_mem(&t);
	trace_header_init(&h);
	strcpy(name, "gpu");
	h.gpu_name = name;
	ck_assert_int_eq(sink.header(sink.ctx, &h, &err), 0);
	trace_record_init(&rec, TRACE_KIND_PHASE);
	strcpy(name, "forward");
	rec.u.phase.name = name;
	ck_assert_int_eq(sink.record(sink.ctx, &rec, &err), 0);
	strcpy(name, "clobbered");
	ck_assert_str_eq(t.header.gpu_name, "gpu");
	ck_assert_str_eq(t.recs[0].u.phase.name, "forward");
	ck_assert_ptr_eq(trace_mem_strdup(&t, "forward"), t.recs[0].u.phase.name);
	trace_mem_release(&t);
}
END_TEST

START_TEST(names_and_initialisers)
{
	struct trace_record rec;
	int64_t s, e;

	ck_assert_str_eq(trace_kind_name(TRACE_KIND_KERNEL), "kernel");
	ck_assert_str_eq(trace_kind_name(0), "unknown");
	ck_assert_str_eq(trace_kind_name(1000), "unknown");
	ck_assert_str_eq(trace_class_name(TRACE_CLASS_GEMM), "gemm");
	ck_assert_str_eq(trace_class_name(-3), "unknown");
	ck_assert_str_eq(trace_collective_name(TRACE_COLL_ALLREDUCE), "allreduce");
	ck_assert_int_eq(trace_collective_parse("AllGather"), TRACE_COLL_ALLGATHER);
	ck_assert_int_eq(trace_collective_parse("nope"), TRACE_COLL_UNKNOWN);
	ck_assert_str_eq(trace_source_name(TRACE_SOURCE_SIMULATED), "simulated");
	trace_record_init(&rec, TRACE_KIND_COLLECTIVE);
	ck_assert_int_eq(rec.u.collective.group_rank, -1);
	ck_assert_str_eq(rec.u.collective.dtype, "");
	rec.u.collective.start_ns = 5;
	rec.u.collective.end_ns = 9;
	ck_assert_int_eq(trace_record_span(&rec, &s, &e), 0);
	ck_assert_int_eq(s, 5);
	ck_assert_int_eq(e, 9);
	trace_record_init(&rec, TRACE_KIND_MODULE);
	ck_assert_int_lt(trace_record_span(&rec, &s, &e), 0);
}
END_TEST

/* ---- validation ---- */

struct problems {
	int n;
	char text[4096];
};

static void collect(void *ctx, const char *msg)
{
	struct problems *p = ctx;
	p->n++;
	strncat(p->text, msg, sizeof(p->text) - strlen(p->text) - 2);
	strcat(p->text, "\n");
}

/* Finish c, expecting n problems among which each of the NULL-terminated
 * messages after n (substrings); frees c. */
static void finish_expecting(struct trace_check *c, unsigned n, ...)
{
	struct problems p = {0};
	va_list ap;
	const char *want;

	ck_assert_uint_eq(trace_check_finish(c, collect, &p), n);
	va_start(ap, n);
	while ((want = va_arg(ap, const char *)))
		ck_assert_msg(strstr(p.text, want), "'%s' not in '%s'", want, p.text);
	va_end(ap);
	trace_check_free(c);
}

static void add_def(struct trace_check *c, uint64_t *idx, int kind, int64_t a, int64_t b,
		    int64_t x)
{
	struct trace_record rec;

	trace_record_init(&rec, kind);
	switch (kind) {
	case TRACE_KIND_DEVICE:
		rec.u.device.id = a, rec.u.device.sms = x;
		break;
	case TRACE_KIND_STREAM:
		rec.u.stream.device = a, rec.u.stream.id = b, rec.u.stream.partition = x;
		break;
	case TRACE_KIND_PARTITION:
		rec.u.partition.device = a, rec.u.partition.id = b, rec.u.partition.sms = x;
		break;
	case TRACE_KIND_MODULE:
		rec.u.module.id = a;
		break;
	case TRACE_KIND_PHASE:
		rec.u.phase.id = a;
		break;
	}
	trace_check_add(c, &rec, (*idx)++);
}

static void add_kernel(struct trace_check *c, uint64_t *idx, int64_t s, int64_t e, int64_t dev,
		       int64_t stream, int64_t module)
{
	struct trace_record rec;

	trace_record_init(&rec, TRACE_KIND_KERNEL);
	rec.u.kernel.start_ns = s;
	rec.u.kernel.end_ns = e;
	rec.u.kernel.device = dev;
	rec.u.kernel.stream = stream;
	rec.u.kernel.module = module;
	trace_check_add(c, &rec, (*idx)++);
}

static struct trace_check *good_defs(uint64_t *idx)
{
	struct trace_check *c = trace_check_new(NULL);

	*idx = 0;
	add_def(c, idx, TRACE_KIND_DEVICE, 0, 0, 132);
	add_def(c, idx, TRACE_KIND_PARTITION, 0, 1, 64);
	add_def(c, idx, TRACE_KIND_PARTITION, 0, 2, 64);
	add_def(c, idx, TRACE_KIND_STREAM, 0, 7, 1);
	add_def(c, idx, TRACE_KIND_STREAM, 0, 8, -1);
	add_def(c, idx, TRACE_KIND_MODULE, 0, 0, 0);
	return c;
}

START_TEST(a_good_trace_has_no_problems)
{
	uint64_t idx;
	struct trace_check *c = good_defs(&idx);
	struct problems p = {0};

	add_kernel(c, &idx, 0, 100, 0, 7, 0);
	add_kernel(c, &idx, 100, 200, 0, 7, 0);  /* touching is not overlapping */
	add_kernel(c, &idx, 50, 150, 0, 8, -1);  /* another stream may overlap */
	add_kernel(c, &idx, 200, 200, 0, 7, 0);  /* empty kernel */
	add_def(c, &idx, TRACE_KIND_PHASE, 4, 0, 0);
	add_kernel(c, &idx, 300, 400, 0, 7, 0);
	ck_assert_uint_eq(trace_check_finish(c, collect, &p), 0);
	ck_assert_int_eq(p.n, 0);
	trace_check_free(c);
}
END_TEST

START_TEST(validation_finds_each_kind_of_problem)
{
	static const struct {
		const char *what;
		int64_t s, e, dev, stream, module;
		const char *want;
	} cases[] = {
		{"end before start", 100, 90, 0, 7, 0, "record 7 (kernel): ends before it starts"},
		{"overlap", 50, 150, 0, 7, 0, "record 7 (kernel): overlaps record 6 on device 0 stream 7"},
		{"undefined stream", 1000, 1100, 0, 9, 0, "stream 9 of device 0 is not defined"},
		{"undefined device", 1000, 1100, 3, 7, 0, "device 3 is not defined"},
		{"undefined module", 1000, 1100, 0, 7, 5, "module 5 is not defined"},
		{"no device", 1000, 1100, -1, -1, 0, "no device"},
		{"no start", -1, 1100, 0, 7, 0, "no start time"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t idx;
		struct trace_check *c = good_defs(&idx);
		struct problems p = {0};

		add_kernel(c, &idx, 0, 100, 0, 7, 0);
		add_kernel(c, &idx, cases[i].s, cases[i].e, cases[i].dev, cases[i].stream,
			   cases[i].module);
		ck_assert_msg(trace_check_finish(c, collect, &p) >= 1, "%s: no problem",
			      cases[i].what);
		ck_assert_msg(strstr(p.text, cases[i].want), "%s: got '%s'", cases[i].what, p.text);
		trace_check_free(c);
	}
}
END_TEST

START_TEST(host_records_need_a_defined_thread_and_a_valid_span)
{
	uint64_t idx;
	struct trace_check *c = good_defs(&idx);
	struct trace_record rec;

	trace_record_init(&rec, TRACE_KIND_THREAD);
	rec.u.thread.id = 0;
	trace_check_add(c, &rec, idx++);
	trace_record_init(&rec, TRACE_KIND_CPU_OP);
	rec.u.cpu_op.start_ns = 10, rec.u.cpu_op.end_ns = 20, rec.u.cpu_op.thread = 0;
	trace_check_add(c, &rec, idx++); /* fine */
	rec.u.cpu_op.thread = 4;
	trace_check_add(c, &rec, idx++); /* record 8: undefined thread */
	trace_record_init(&rec, TRACE_KIND_API_CALL);
	rec.u.api_call.start_ns = 30, rec.u.api_call.end_ns = 25, rec.u.api_call.thread = 0;
	trace_check_add(c, &rec, idx++); /* record 9: ends before it starts */
	finish_expecting(c, 2,
			 "record 8 (cpu_op): thread 4 is not defined",
			 "record 9 (api_call): ends before it starts",
			 NULL);
}
END_TEST

START_TEST(overlaps_are_found_whatever_the_record_order)
{
	uint64_t idx;
	struct trace_check *c = good_defs(&idx);

	add_kernel(c, &idx, 0, 100, 0, 7, 0);      /* record 6 */
	add_kernel(c, &idx, 200, 300, 0, 7, 0);    /* record 7 */
	add_kernel(c, &idx, 50, 60, 0, 7, 0);      /* record 8: inside record 6 */
	add_kernel(c, &idx, 100, 200, 0, 7, 0);    /* record 9: fits the gap exactly */
	add_kernel(c, &idx, 150, 150, 0, 7, 0);    /* record 10: empty, inside record 9 */
	finish_expecting(c, 2,
			 "record 8 (kernel): overlaps record 6",
			 "record 10 (kernel): overlaps record 9",
			 NULL);
}
END_TEST

START_TEST(partitions_must_fit_their_device)
{
	uint64_t idx;
	struct trace_check *c = good_defs(&idx);

	add_def(c, &idx, TRACE_KIND_PARTITION, 0, 3, 200);
	add_def(c, &idx, TRACE_KIND_STREAM, 0, 11, 9); /* undefined partition */
	add_def(c, &idx, TRACE_KIND_DEVICE, 0, 0, 100); /* redefined differently */
	finish_expecting(c, 4,
			 "partition 3 has 200 SMs, device 0 only 132",
			 "partitions of device 0 have 328 SMs",
			 "partition 9 of device 0 is not defined",
			 "defined again differently",
			 NULL);
}
END_TEST

/* ---- summary ---- */

static void sum_kernel(struct trace_summary *s, int64_t st, int64_t en, int64_t dev,
		       int64_t stream, int64_t module, int cls, const char *name)
{
	struct trace_record rec;
	struct mo_err err = {0};

	trace_record_init(&rec, TRACE_KIND_KERNEL);
	rec.u.kernel.start_ns = st;
	rec.u.kernel.end_ns = en;
	rec.u.kernel.device = dev;
	rec.u.kernel.stream = stream;
	rec.u.kernel.module = module;
	rec.u.kernel.kclass = cls;
	rec.u.kernel.name = name;
	ck_assert_int_eq(trace_summary_add(s, &rec, &err), 0);
}

START_TEST(the_summary_saturates_sums_of_huge_times_instead_of_overflowing)
{
	struct trace_summary *s = trace_summary_new(0);
	struct trace_header h;
	struct mo_err err = {0};
	const struct trace_summary_totals *t;
	const int64_t big = INT64_MAX / 4 * 3; /* each span fits, two sum past INT64_MAX */

	trace_header_init(&h);
	ck_assert_int_eq(trace_summary_header(s, &h, &err), 0);
	/* two devices, each a kernel of about 3/4 INT64_MAX (the fuzzer found
	 * such an .mtr: signed overflow in the kernel time, the class group's
	 * time and the busy sum) */
	sum_kernel(s, 0, big, 0, 1, -1, TRACE_CLASS_GEMM, "k");
	sum_kernel(s, 1, big, 1, 1, -1, TRACE_CLASS_GEMM, "k");
	trace_summary_finish(s);
	t = trace_summary_totals(s);
	ck_assert_uint_eq(t->kernels, 2);
	ck_assert(t->kernel_time_ns == INT64_MAX);
	ck_assert(t->busy_ns == INT64_MAX);
	trace_summary_free(s);
}
END_TEST

START_TEST(the_summary_counts_busy_time_as_a_union_per_device)
{
	struct trace_summary *s = trace_summary_new(1);
	struct trace_header h;
	struct trace_record rec;
	struct mo_err err = {0};
	const struct trace_summary_totals *t;
	const struct trace_summary_group *g;
	size_t n;

	trace_header_init(&h);
	h.source = TRACE_SOURCE_SIMULATED;
	h.gpu_name = "H100";
	ck_assert_int_eq(trace_summary_header(s, &h, &err), 0);
	trace_record_init(&rec, TRACE_KIND_MODULE);
	rec.u.module.id = 1;
	rec.u.module.name = "vision";
	ck_assert_int_eq(trace_summary_add(s, &rec, &err), 0);
	/* device 0: [100,200) and [150,300) on two streams, [400,500): busy 300 */
	sum_kernel(s, 100, 200, 0, 7, 1, TRACE_CLASS_GEMM, "gemm_a");
	sum_kernel(s, 400, 500, 0, 7, 1, TRACE_CLASS_GEMM, "gemm_a");
	sum_kernel(s, 150, 300, 0, 8, -1, TRACE_CLASS_ELEMENTWISE, "add");
	/* device 1, out of order: [1000,1010), [0,10), [5,20): busy 30 */
	sum_kernel(s, 1000, 1010, 1, 3, 1, TRACE_CLASS_GEMM, "gemm_b");
	sum_kernel(s, 0, 10, 1, 3, 1, TRACE_CLASS_GEMM, "gemm_b");
	sum_kernel(s, 5, 20, 1, 4, 1, 99, "odd");
	sum_kernel(s, 50, 40, 1, 4, 1, 1, "bad"); /* end < start: counted, no time */
	trace_record_init(&rec, TRACE_KIND_COLLECTIVE);
	rec.u.collective.start_ns = 600, rec.u.collective.end_ns = 700;
	rec.u.collective.device = 0, rec.u.collective.stream = 9, rec.u.collective.name = "nccl";
	ck_assert_int_eq(trace_summary_add(s, &rec, &err), 0);
	trace_record_init(&rec, TRACE_KIND_MEMCPY);
	rec.u.memcpy.start_ns = 0, rec.u.memcpy.end_ns = 30, rec.u.memcpy.bytes = 4096;
	ck_assert_int_eq(trace_summary_add(s, &rec, &err), 0);
	trace_summary_finish(s);

	t = trace_summary_totals(s);
	ck_assert_uint_eq(t->kernels, 8);
	ck_assert_uint_eq(t->compute_kernels, 7);
	ck_assert_uint_eq(t->collectives, 1);
	ck_assert_uint_eq(t->bad_spans, 1);
	ck_assert_int_eq(t->kernel_time_ns, 100 + 100 + 150 + 10 + 10 + 15 + 100);
	ck_assert_int_eq(t->busy_ns, 300 + 100 + 30);
	ck_assert(t->busy_exact);
	ck_assert_int_eq(t->span_ns, 1010);
	ck_assert_uint_eq(t->kernel_devices, 2);
	ck_assert_uint_eq(t->memcpys, 1);
	ck_assert_int_eq(t->memcpy_bytes, 4096);
	ck_assert_str_eq(t->gpu_name, "H100");
	ck_assert_int_eq(t->source, TRACE_SOURCE_SIMULATED);

	n = trace_summary_groups(s, TRACE_BY_MODULE, &g);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(g[0].name, "(none)");
	ck_assert_int_eq(g[0].time_ns, 250);
	ck_assert_str_eq(g[1].name, "vision");
	ck_assert_uint_eq(g[1].count, 6);
	ck_assert_int_eq(g[1].time_ns, 100 + 100 + 10 + 10 + 15);

	n = trace_summary_groups(s, TRACE_BY_KERNEL, &g);
	ck_assert_uint_eq(n, 6);
	ck_assert_str_eq(g[0].name, "gemm_a");
	ck_assert_int_eq(g[0].time_ns, 200);
	ck_assert_int_eq(g[0].min_ns, 100);

	n = trace_summary_groups(s, TRACE_BY_CLASS, &g);
	ck_assert_str_eq(g[0].name, "gemm");
	ck_assert_int_eq(g[0].time_ns, 220);
	ck_assert_uint_eq(g[0].count, 5); /* "bad" is a gemm too */

	n = trace_summary_groups(s, TRACE_BY_DEVICE, &g);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(g[0].id, 0);
	ck_assert_int_eq(g[0].busy_ns, 400);

	/* the validator ran too: streams and devices are undefined, one bad span */
	ck_assert_uint_gt(trace_summary_problems(s, NULL, NULL), 1);
	trace_summary_free(s);
}
END_TEST

/* n kernels of 10 ns every 100 ns on one device, fed in a scrambled order
 * (or in time order), then a long kernel covering [0, 55). */
static const struct trace_summary_totals *busy_run(struct trace_summary *s, int n, int scrambled)
{
	struct mo_err err = {0};
	struct trace_header h;

	trace_header_init(&h);
	ck_assert_int_eq(trace_summary_header(s, &h, &err), 0);
	for (int i = 0; i < n; i++) {
		int64_t k = scrambled ? (int64_t)((i * 7919LL) % n) : i;
		sum_kernel(s, k * 100, k * 100 + 10, 0, 1, -1, 0, "k");
	}
	sum_kernel(s, 0, 55, 0, 2, -1, 0, "long");
	trace_summary_finish(s);
	return trace_summary_totals(s);
}

START_TEST(busy_time_is_exact_out_of_order_within_the_interval_cap)
{
	struct trace_summary *s = trace_summary_new(0);
	const struct trace_summary_totals *t = busy_run(s, 10000, 1);

	ck_assert_int_eq(t->busy_ns, 10000 * 10 + 45);
	ck_assert(t->busy_exact);
	trace_summary_free(s);
}
END_TEST

START_TEST(busy_time_beyond_the_cap_is_exact_in_order_and_flagged_otherwise)
{
	struct trace_summary *s = trace_summary_new(0);
	const struct trace_summary_totals *t = busy_run(s, 50000, 0);

	/* in time order until the long kernel, which reaches back 50000
	 * intervals: it is clipped, and the total says so */
	ck_assert(!t->busy_exact);
	ck_assert_int_eq(t->busy_ns, 50000 * 10);
	trace_summary_free(s);

	s = trace_summary_new(0);
	t = busy_run(s, 50000, 1);
	ck_assert(!t->busy_exact);
	ck_assert_int_le(t->busy_ns, 50000 * 10 + 45);
	trace_summary_free(s);
}
END_TEST

/* ---- export ---- */

/* Host records in the export: a CPU thread track with its op and launch
 * call, and a flow arrow from the call to the kernel it caused. */
START_TEST(the_perfetto_export_draws_cpu_threads_and_launch_arrows)
{
	struct trace_header h;
	struct trace_record rec;
	struct mo_err err = {0};
	struct trace_writer *w;
	struct trace_export_stats st;
	json_error_t jerr;
	json_t *root, *ev, *e;
	size_t i;
	int ops = 0, calls = 0, starts = 0, ends = 0;
	char in[512], out[512];

	make_tmpdir();
	trace_header_init(&h);
	w = trace_writer_open(tmp("h.mtr"), &h, &err);
	ck_assert_ptr_nonnull(w);
	trace_record_init(&rec, TRACE_KIND_THREAD);
	rec.u.thread.id = 0, rec.u.thread.tid = 4242;
	ck_assert_int_eq(trace_writer_put(w, &rec, &err), 0);
	trace_record_init(&rec, TRACE_KIND_CPU_OP);
	rec.u.cpu_op.start_ns = 1000, rec.u.cpu_op.end_ns = 9000, rec.u.cpu_op.thread = 0;
	rec.u.cpu_op.id = 0, rec.u.cpu_op.name = "aten::linear";
	ck_assert_int_eq(trace_writer_put(w, &rec, &err), 0);
	trace_record_init(&rec, TRACE_KIND_API_CALL);
	rec.u.api_call.start_ns = 5000, rec.u.api_call.end_ns = 8000, rec.u.api_call.thread = 0;
	rec.u.api_call.correlation = 77, rec.u.api_call.name = "cudaLaunchKernel";
	rec.u.api_call.category = "cuda_runtime";
	ck_assert_int_eq(trace_writer_put(w, &rec, &err), 0);
	trace_record_init(&rec, TRACE_KIND_KERNEL);
	rec.u.kernel.start_ns = 10000, rec.u.kernel.end_ns = 12000;
	rec.u.kernel.device = 0, rec.u.kernel.stream = 7, rec.u.kernel.correlation = 77;
	rec.u.kernel.name = "gemm";
	ck_assert_int_eq(trace_writer_put(w, &rec, &err), 0);
	ck_assert_int_eq(trace_writer_close(w, &err), 0);

	snprintf(in, sizeof(in), "%s", tmp("h.mtr"));
	snprintf(out, sizeof(out), "%s", tmp("h.json"));
	ck_assert_msg(trace_export_perfetto_stats(in, out, &st, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(st.tracks, 2); /* the stream and the CPU thread */
	root = json_load_file(out, 0, &jerr);
	ck_assert_msg(root != NULL, "%s at %d", jerr.text, jerr.position);
	ev = json_object_get(root, "traceEvents");
	json_array_foreach(ev, i, e) {
		const char *ph = json_string_value(json_object_get(e, "ph"));
		const char *cat = json_string_value(json_object_get(e, "cat"));
		if (!strcmp(ph, "X") && !strcmp(cat, "cpu_op")) {
			ops++;
			ck_assert(json_real_value(json_object_get(e, "ts")) == 0.0); /* the origin */
		}
		calls += !strcmp(ph, "X") && !strcmp(cat, "cuda_runtime");
		if (!strcmp(ph, "s") || !strcmp(ph, "f")) {
			ck_assert_int_eq(json_integer_value(json_object_get(e, "id")), 77);
			starts += !strcmp(ph, "s");
			ends += !strcmp(ph, "f");
			ck_assert(json_real_value(json_object_get(e, "ts")) == (*ph == 's' ? 4.0 : 9.0));
		}
	}
	ck_assert_int_eq(ops, 1);
	ck_assert_int_eq(calls, 1);
	ck_assert_int_eq(starts, 1);
	ck_assert_int_eq(ends, 1);
	json_decref(root);
	remove_tmpdir();
}
END_TEST

START_TEST(the_perfetto_export_is_valid_json_whatever_the_names)
{
	struct trace_header h;
	struct trace_record rec;
	struct mo_err err = {0};
	struct trace_writer *w;
	struct trace_export_stats st;
	json_error_t jerr;
	json_t *root, *ev, *e;
	size_t i;
	int kernels = 0;
	char in[512], out[512];

	make_tmpdir();
	trace_header_init(&h);
	h.gpu_name = "GPU \"quoted\"";
	w = trace_writer_open(tmp("u.mtr"), &h, &err);
	ck_assert_ptr_nonnull(w);
	trace_record_init(&rec, TRACE_KIND_KERNEL);
	rec.u.kernel.start_ns = (1LL << 62) + 1;
	rec.u.kernel.end_ns = (1LL << 62) + 1234;
	rec.u.kernel.device = 0;
	rec.u.kernel.stream = 7;
	rec.u.kernel.name = "bad\xff\xc3(\x01tab\t\xed\xa0\x80\xce\xbb";
	ck_assert_int_eq(trace_writer_put(w, &rec, &err), 0);
	rec.u.kernel.start_ns += 5000;
	rec.u.kernel.end_ns = rec.u.kernel.start_ns - 1; /* bad span: left out */
	ck_assert_int_eq(trace_writer_put(w, &rec, &err), 0);
	ck_assert_int_eq(trace_writer_close(w, &err), 0);

	snprintf(in, sizeof(in), "%s", tmp("u.mtr"));
	snprintf(out, sizeof(out), "%s", tmp("u.json"));
	ck_assert_msg(trace_export_perfetto_stats(in, out, &st, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(st.skipped, 1);
	ck_assert_uint_eq(st.tracks, 1);
	root = json_load_file(out, 0, &jerr);
	ck_assert_msg(root != NULL, "%s at %d", jerr.text, jerr.position);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(root, "otherData"),
							    "time_origin_ns")),
			 (1LL << 62) + 1);
	ev = json_object_get(root, "traceEvents");
	json_array_foreach(ev, i, e) {
		if (strcmp(json_string_value(json_object_get(e, "ph")), "X"))
			continue;
		kernels++;
		ck_assert_str_eq(json_string_value(json_object_get(e, "name")),
				 "bad\xef\xbf\xbd\xef\xbf\xbd(\x01tab\t\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xce\xbb");
		ck_assert(json_real_value(json_object_get(e, "ts")) == 0.0);
		ck_assert(json_real_value(json_object_get(e, "dur")) == 1.233);
	}
	ck_assert_int_eq(kernels, 1);
	json_decref(root);

	/* bad input leaves no output */
	spit(tmp("x.mtr"), "xyz", 3);
	snprintf(in, sizeof(in), "%s", tmp("x.mtr"));
	snprintf(out, sizeof(out), "%s", tmp("x.json"));
	ck_assert_int_lt(trace_export_perfetto(in, out, &err), 0);
	ck_assert_int_eq(err.code, -MO_EINPUT);
	ck_assert_uint_eq(count_dir_entries(), 3);
	ck_assert_int_lt(trace_export_perfetto("-", tmp("y.json"), &err), 0);
	remove_tmpdir();
}
END_TEST

/* ---- analyses ---- */

static void ana_act(struct trace_analysis *a, int kind, int64_t st, int64_t en, int64_t stream,
		    int cls, int64_t step, int64_t corr, const char *name)
{
	struct trace_record rec;
	struct mo_err err = {0};

	trace_record_init(&rec, kind);
	if (kind == TRACE_KIND_MEMCPY) {
		rec.u.memcpy.start_ns = st;
		rec.u.memcpy.end_ns = en;
		rec.u.memcpy.device = 0;
		rec.u.memcpy.stream = stream;
		rec.u.memcpy.step = step;
		rec.u.memcpy.correlation = corr;
	} else {
		rec.u.kernel.start_ns = st;
		rec.u.kernel.end_ns = en;
		rec.u.kernel.device = 0;
		rec.u.kernel.stream = stream;
		rec.u.kernel.kclass = cls;
		rec.u.kernel.step = step;
		rec.u.kernel.correlation = corr;
		rec.u.kernel.name = name;
	}
	ck_assert_int_eq(trace_analysis_add(a, &rec, &err), 0);
}

static void ana_call_on(struct trace_analysis *a, int64_t thread, int64_t st, int64_t en,
			int64_t corr, const char *name)
{
	struct trace_record rec;
	struct mo_err err = {0};

	trace_record_init(&rec, TRACE_KIND_API_CALL);
	rec.u.api_call.start_ns = st;
	rec.u.api_call.end_ns = en;
	rec.u.api_call.thread = thread;
	rec.u.api_call.correlation = corr;
	rec.u.api_call.name = name;
	ck_assert_int_eq(trace_analysis_add(a, &rec, &err), 0);
}

static void ana_call(struct trace_analysis *a, int64_t st, int64_t en, int64_t corr, const char *name)
{
	ana_call_on(a, 0, st, en, corr, name);
}

static void ana_finish(struct trace_analysis *a)
{
	struct mo_err err = {0};
	ck_assert_int_eq(trace_analysis_finish(a, &err), 0);
}

START_TEST(the_breakdown_counts_each_instant_once_compute_before_communication_before_memory)
{
	struct trace_analysis *a = trace_analysis_new();
	const struct trace_breakdown *b;
	const struct trace_overlap *o;

	ana_act(a, TRACE_KIND_KERNEL, 0, 100, 7, TRACE_CLASS_GEMM, -1, -1, "gemm");
	ana_act(a, TRACE_KIND_KERNEL, 50, 150, 8, TRACE_CLASS_COMM, -1, -1, "nccl");
	ana_act(a, TRACE_KIND_MEMCPY, 140, 200, 9, -1, -1, -1, NULL);
	ana_act(a, TRACE_KIND_KERNEL, 250, 300, 7, TRACE_CLASS_ELEMENTWISE, -1, -1, "add");
	ana_finish(a);
	ck_assert_uint_eq(trace_analysis_breakdown(a, &b), 1);
	ck_assert_int_eq(b[0].window_ns, 300);
	ck_assert_int_eq(b[0].compute_ns, 150);
	ck_assert_int_eq(b[0].comm_ns, 50);
	ck_assert_int_eq(b[0].memory_ns, 50);
	ck_assert_int_eq(b[0].idle_ns, 50);
	ck_assert_int_eq(b[0].total_ns, 300);
	ck_assert_int_eq(b[0].comm_ns_all, 100);
	ck_assert_int_eq(b[0].comm_overlap_ns, 50);
	ck_assert_uint_eq(trace_analysis_overlap(a, &o), 1);
	ck_assert_int_eq(o[0].overlapped_ns, 50);
	ck_assert(o[0].pct > 49.99 && o[0].pct < 50.01);
	trace_analysis_free(a);
}
END_TEST

static uint64_t lcg(uint64_t *x);

START_TEST(the_breakdown_of_random_overlapping_activities_matches_a_count_per_nanosecond)
{
	static const int cls[] = {TRACE_CLASS_GEMM, TRACE_CLASS_COMM, -1};
	uint64_t x = 11;

	for (int round = 0; round < 300; round++) {
		struct trace_analysis *a = trace_analysis_new();
		const struct trace_breakdown *b;
		int64_t st[12], en[12], want[5] = {0}, w0 = INT64_MAX, w1 = 0, t0 = 0;
		int kind[12], n = 1 + (int)(lcg(&x) % 12);
		for (int i = 0; i < n; i++) { /* starts ascend (ties too); ends in any order */
			t0 += (int64_t)(lcg(&x) % 4) * 5;
			st[i] = t0;
			en[i] = t0 + (int64_t)(lcg(&x) % 8) * 5;
			kind[i] = (int)(lcg(&x) % 3);
			ana_act(a, kind[i] == 2 ? TRACE_KIND_MEMCPY : TRACE_KIND_KERNEL, st[i], en[i],
				(int64_t)(lcg(&x) % 3), cls[kind[i]], -1, -1, "k");
			w0 = st[i] < w0 ? st[i] : w0;
			w1 = en[i] > w1 ? en[i] : w1;
		}
		ana_finish(a);
		for (int64_t t = w0; t < w1; t++) { /* compute, comm, memory, idle, overlap */
			int run[3] = {0};
			for (int i = 0; i < n; i++)
				run[kind[i]] += st[i] <= t && t < en[i];
			want[run[0] ? 0 : run[1] ? 1 : run[2] ? 2 : 3]++;
			want[4] += run[0] && run[1];
		}
		ck_assert_uint_eq(trace_analysis_breakdown(a, &b), 1);
		ck_assert_int_eq(b[0].compute_ns, want[0]);
		ck_assert_int_eq(b[0].comm_ns, want[1]);
		ck_assert_int_eq(b[0].memory_ns, want[2]);
		ck_assert_int_eq(b[0].idle_ns, want[3]);
		ck_assert_int_eq(b[0].comm_overlap_ns, want[4]);
		trace_analysis_free(a);
	}
}
END_TEST

START_TEST(steps_come_from_the_records_else_the_whole_trace_is_one_step)
{
	struct trace_analysis *a = trace_analysis_new();
	const struct trace_breakdown *b;

	ana_act(a, TRACE_KIND_KERNEL, 0, 10, 7, TRACE_CLASS_GEMM, -1, -1, "k");
	ana_act(a, TRACE_KIND_KERNEL, 20, 30, 7, TRACE_CLASS_GEMM, -1, -1, "k");
	ana_finish(a);
	ck_assert_int_eq(trace_analysis_steps_annotated(a), 0);
	ck_assert_uint_eq(trace_analysis_breakdown(a, &b), 1);
	ck_assert_int_eq(b[0].step, -1);
	ck_assert_int_eq(b[0].window_ns, 30);
	trace_analysis_free(a);

	a = trace_analysis_new();
	ana_act(a, TRACE_KIND_KERNEL, 100, 110, 7, TRACE_CLASS_GEMM, 4, -1, "k");
	ana_act(a, TRACE_KIND_KERNEL, 130, 150, 7, TRACE_CLASS_GEMM, 5, -1, "k");
	ana_act(a, TRACE_KIND_KERNEL, 170, 200, 7, TRACE_CLASS_GEMM, 5, -1, "k");
	ana_finish(a);
	ck_assert_int_eq(trace_analysis_steps_annotated(a), 1);
	ck_assert_uint_eq(trace_analysis_breakdown(a, &b), 2);
	ck_assert_int_eq(b[0].step, 4);
	ck_assert_int_eq(b[0].window_ns, 10);
	ck_assert_int_eq(b[1].step, 5);
	ck_assert_int_eq(b[1].window_ns, 70);
	ck_assert_int_eq(b[1].idle_ns, 20);
	ck_assert_int_eq(trace_analysis_rank_offset(a, 0), 100);
	trace_analysis_free(a);
}
END_TEST

START_TEST(launch_latency_and_queue_length_follow_each_launch_call)
{
	struct trace_analysis *a = trace_analysis_new();
	const struct trace_launch *l;

	ana_call(a, 0, 5, 1, "cudaLaunchKernel");
	ana_call(a, 10, 15, 2, "cudaLaunchKernel");
	ana_call(a, 20, 25, 3, "cudaLaunchKernel");
	ana_call(a, 26, 27, 4, "cudaFuncSetAttribute"); /* launches nothing */
	ana_act(a, TRACE_KIND_KERNEL, 100, 200, 7, TRACE_CLASS_GEMM, -1, 1, "k");
	ana_act(a, TRACE_KIND_KERNEL, 200, 300, 7, TRACE_CLASS_GEMM, -1, 2, "k");
	ana_act(a, TRACE_KIND_KERNEL, 300, 400, 7, TRACE_CLASS_GEMM, -1, 3, "k");
	ana_act(a, TRACE_KIND_KERNEL, 400, 410, 7, TRACE_CLASS_GEMM, -1, 4, "k");
	ana_finish(a);
	ck_assert_uint_eq(trace_analysis_launch(a, &l), 1);
	ck_assert_uint_eq(l[0].latency_ns.n, 3);
	ck_assert_int_eq(l[0].latency_ns.min, 100);
	ck_assert_int_eq(l[0].latency_ns.p50, 190); /* nearest rank: 2nd of 3 */
	ck_assert_int_eq(l[0].latency_ns.p90, 280);
	ck_assert_int_eq(l[0].queue.min, 0);
	ck_assert_int_eq(l[0].queue.p50, 1);
	ck_assert_int_eq(l[0].queue.max, 2);
	ck_assert_uint_eq(l[0].negative, 0);
	trace_analysis_free(a);
}
END_TEST

START_TEST(kernel_statistics_are_nearest_rank_percentiles_per_name_and_class)
{
	struct trace_analysis *a = trace_analysis_new();
	const struct trace_kernel_stats *k;

	for (int i = 1; i <= 10; i++)
		ana_act(a, TRACE_KIND_KERNEL, 1000 * i, 1000 * i + i, 7, TRACE_CLASS_GEMM, -1, -1,
			"long");
	ana_act(a, TRACE_KIND_KERNEL, 50000, 50003, 7, TRACE_CLASS_ELEMENTWISE, -1, -1, "short");
	ana_act(a, TRACE_KIND_MEMCPY, 60000, 61000, 7, -1, -1, -1, NULL); /* not a kernel */
	ana_finish(a);
	ck_assert_uint_eq(trace_analysis_kernel_stats(a, &k), 2);
	ck_assert_str_eq(k[0].name, "long");
	ck_assert_int_eq(k[0].total_ns, 55);
	ck_assert_int_eq(k[0].dur_ns.p50, 5);
	ck_assert_int_eq(k[0].dur_ns.p90, 9);
	ck_assert_int_eq(k[0].dur_ns.p99, 10);
	ck_assert_uint_eq(k[0].ranks, 1);
	ck_assert_uint_eq(trace_analysis_class_stats(a, &k), 2);
	ck_assert_str_eq(k[0].name, "gemm");
	ck_assert_str_eq(k[1].name, "elementwise");
	ck_assert_int_eq(k[1].dur_ns.max, 3);
	trace_analysis_free(a);
}
END_TEST

/* The groups of kernel_stats, class_stats and module_stats are tables
 * indexed by pool id and class: on kernels of 12 names, 4 modules (3 named,
 * and none), 3 ranks and 3 classes, added out of order and with memcpys and
 * modules interned between them, each row's count, total, ranks and
 * percentiles are a brute-force count's over the same kernels. */
START_TEST(kernel_statistics_per_name_module_and_class_agree_with_a_count_by_hand)
{
	enum { N = 600, NAMES = 12 };
	static const char *const names[NAMES] = {"k0", "k1", "k2", "k3", "k4", "k5",
						 "k6", "k7", "k8", "k9", "k10", "k11"};
	static const char *const mods[] = {"enc", "dec", "head"};
	static const int classes[] = {TRACE_CLASS_GEMM, TRACE_CLASS_ELEMENTWISE, TRACE_CLASS_COMM};
	static int key[3][N], rk[N];
	static int64_t dur[N], v[N];
	struct trace_analysis *a = trace_analysis_new();
	struct trace_record rec;
	struct mo_err err = {0};
	uint64_t x = 11;

	for (int r = 0; r < 3; r++)
		for (int m = 0; m < 3; m++) {
			trace_analysis_rank(a, r);
			trace_record_init(&rec, TRACE_KIND_MODULE);
			rec.u.module.id = m;
			rec.u.module.name = mods[m];
			ck_assert_int_eq(trace_analysis_add(a, &rec, &err), 0);
		}
	for (int i = 0; i < N; i++) {
		int nm = (int)(lcg(&x) % NAMES), r = (int)(lcg(&x) % 3), m = (int)(lcg(&x) % 4) - 1;
		int64_t s = (int64_t)(lcg(&x) % 100000);
		dur[i] = (int64_t)(lcg(&x) % 5000);
		rk[i] = r;
		key[0][i] = nm;
		key[1][i] = m + 1; /* 0: no module */
		key[2][i] = nm % 3; /* a name's class */
		trace_analysis_rank(a, r);
		trace_record_init(&rec, TRACE_KIND_KERNEL);
		rec.u.kernel.start_ns = s;
		rec.u.kernel.end_ns = s + dur[i];
		rec.u.kernel.kclass = classes[nm % 3];
		rec.u.kernel.module = m;
		rec.u.kernel.name = names[nm];
		ck_assert_int_eq(trace_analysis_add(a, &rec, &err), 0);
		if (i % 7 == 0)
			ana_act(a, TRACE_KIND_MEMCPY, s, s + 9, 1, -1, -1, -1, NULL);
	}
	ana_finish(a);
	for (int by = 0; by < 3; by++) {
		const struct trace_kernel_stats *st;
		size_t n = by == 0 ? trace_analysis_kernel_stats(a, &st)
			 : by == 1 ? trace_analysis_module_stats(a, &st) : trace_analysis_class_stats(a, &st);
		size_t seen_rows = 0;
		for (size_t row = 0; row < n; row++) {
			int k = -1;
			for (int c = 0; c < (by == 0 ? NAMES : by == 1 ? 4 : 3); c++) {
				const char *nm = by == 0 ? names[c] : by == 1 ? (c ? mods[c - 1] : "(none)")
					       : trace_class_name(classes[c]);
				if (!strcmp(nm, st[row].name))
					k = c;
			}
			ck_assert_int_ge(k, 0);
			size_t cnt = 0;
			int64_t total = 0;
			uint64_t ranks = 0;
			for (int r = 0; r < 3; r++) {
				int on = 0;
				for (int i = 0; i < N; i++)
					on |= key[by][i] == k && rk[i] == r;
				ranks += (uint64_t)on;
			}
			for (int i = 0; i < N; i++)
				if (key[by][i] == k) {
					v[cnt++] = dur[i];
					total += dur[i];
				}
			qsort(v, cnt, sizeof(*v), an_cmp_i64);
			ck_assert_uint_eq(st[row].dur_ns.n, cnt);
			ck_assert_int_eq(st[row].total_ns, total);
			ck_assert_uint_eq(st[row].ranks, ranks);
			ck_assert_int_eq(st[row].dur_ns.min, v[0]);
			ck_assert_int_eq(st[row].dur_ns.p50, v[(50 * cnt + 99) / 100 - 1]);
			ck_assert_int_eq(st[row].dur_ns.p90, v[(90 * cnt + 99) / 100 - 1]);
			ck_assert_int_eq(st[row].dur_ns.max, v[cnt - 1]);
			if (by == 0)
				ck_assert_int_eq(st[row].cls, classes[k % 3]);
			seen_rows += cnt;
		}
		ck_assert_uint_eq(seen_rows, N); /* every kernel in one row */
	}
	trace_analysis_free(a);
}
END_TEST

/* A pooled string's id is its rank among the pool's distinct strings, the
 * same each time it is interned again. */
START_TEST(pooled_strings_have_dense_ids_in_first_seen_order)
{
	struct trace_strpool *p = trace_strpool_new();
	char buf[40000];
	const char *s[3];

	memset(buf, 'x', sizeof(buf));
	s[0] = trace_strpool_intern(p, "alpha", 5);
	s[1] = trace_strpool_intern(p, buf, sizeof(buf)); /* a big string: its own block */
	s[2] = trace_strpool_intern(p, "", 0);
	for (int i = 0; i < 3; i++)
		ck_assert_uint_eq(trace_strpool_id(s[i]), i);
	for (int i = 0; i < 1000; i++) {
		char nm[16];
		int len = snprintf(nm, sizeof(nm), "n%d", i % 300);
		const char *q = trace_strpool_intern(p, nm, (size_t)len);
		ck_assert_uint_eq(trace_strpool_id(q), 3 + i % 300);
	}
	ck_assert_ptr_eq(trace_strpool_intern(p, "alpha", 5), s[0]);
	ck_assert_uint_eq(trace_strpool_count(p), 303);
	ck_assert_int_eq(s[1][39999], 'x');
	ck_assert_int_eq(s[1][40000], 0);
	trace_strpool_free(p);
}
END_TEST

static int64_t path_cat(const struct trace_path *p, int cat)
{
	return p->cat_ns[cat];
}

START_TEST(the_critical_path_follows_the_gpu_then_the_host_then_a_synchronisation)
{
	struct trace_analysis *a = trace_analysis_new();
	const struct trace_path *p;

	/* A [0,50) launched early; the host syncs [20,60), then launches B at
	 * [70,75); B runs [80,90): B 10, launch 10, host 10, sync 10, A 50.
	 * _i == 1: a blocking cudaMemcpy (it enqueues a copy) waits the same. */
	ana_call(a, -5, -2, 1, "cudaLaunchKernel");
	ana_call(a, 20, 60, -1, _i ? "cudaMemcpy" : "cudaStreamSynchronize");
	ana_call(a, 70, 75, 2, "cudaLaunchKernel");
	ana_act(a, TRACE_KIND_KERNEL, 0, 50, 7, TRACE_CLASS_GEMM, -1, 1, "A");
	ana_act(a, TRACE_KIND_KERNEL, 80, 90, 7, TRACE_CLASS_ELEMENTWISE, -1, 2, "B");
	ana_finish(a);
	ck_assert_uint_eq(trace_analysis_critical_path(a, &p), 1);
	ck_assert_int_eq(p[0].window_ns, 90);
	ck_assert_int_eq(p[0].path_ns, 90);
	ck_assert_int_eq(path_cat(&p[0], TRACE_CLASS_GEMM), 50);
	ck_assert_int_eq(path_cat(&p[0], TRACE_CLASS_ELEMENTWISE), 10);
	ck_assert_int_eq(path_cat(&p[0], TRACE_PATH_LAUNCH), 10);
	ck_assert_int_eq(path_cat(&p[0], TRACE_PATH_HOST), 10);
	ck_assert_int_eq(path_cat(&p[0], TRACE_PATH_SYNC), 10);
	ck_assert_uint_eq(p[0].nmodules, 1);
	ck_assert_str_eq(p[0].modules[0].name, "(none)");
	trace_analysis_free(a);

	/* GPU-bound: B queued long before A ended: A, idle 5, B. */
	a = trace_analysis_new();
	ana_call(a, -9, -8, 1, "cudaLaunchKernel");
	ana_call(a, -7, -6, 2, "cudaLaunchKernel");
	ana_act(a, TRACE_KIND_KERNEL, 0, 100, 7, TRACE_CLASS_GEMM, -1, 1, "A");
	ana_act(a, TRACE_KIND_KERNEL, 105, 200, 7, TRACE_CLASS_GEMM, -1, 2, "B");
	ana_finish(a);
	trace_analysis_critical_path(a, &p);
	ck_assert_int_eq(path_cat(&p[0], TRACE_CLASS_GEMM), 195);
	ck_assert_int_eq(path_cat(&p[0], TRACE_PATH_IDLE), 5);
	ck_assert_int_eq(path_cat(&p[0], TRACE_PATH_HOST), 0);
	trace_analysis_free(a);
}
END_TEST

/* The pitfalls of analysing a step at a time (the bounded design): these
 * pin what the analyses give when a step's figures depend on records outside
 * it, so that a version that drops a step's records once it is closed fails
 * here unless it keeps what they need. */

/* Step 2's critical path looks back past its start: its last kernel C
 * [160, 200) was launched early (call at 130), so it waited for the rank's
 * activity that ended last before it, a memcpy D [90, 155) of step 1 (not
 * step 2's B [120, 150)): step 2's path is C 40, idle 5, D 35 (clipped at
 * the window's start, 120).  Step 1: D 65 and idle 90 (nothing of the rank
 * ended before D started). */
START_TEST(a_steps_critical_path_looks_back_past_the_steps_start)
{
	struct trace_analysis *a = trace_analysis_new();
	const struct trace_path *p;

	ana_act(a, TRACE_KIND_KERNEL, 0, 100, 7, TRACE_CLASS_GEMM, 1, -1, "A");
	ana_act(a, TRACE_KIND_MEMCPY, 90, 155, 7, -1, 1, -1, NULL);
	ana_call(a, 130, 132, 7, "cudaLaunchKernel");
	ana_act(a, TRACE_KIND_KERNEL, 120, 150, 7, TRACE_CLASS_ELEMENTWISE, 2, -1, "B");
	ana_act(a, TRACE_KIND_KERNEL, 160, 200, 7, TRACE_CLASS_ELEMENTWISE, 2, 7, "C");
	ana_finish(a);
	ck_assert_uint_eq(trace_analysis_critical_path(a, &p), 1);
	ck_assert_uint_eq(p[0].steps, 2);
	ck_assert_int_eq(p[0].window_ns, 155 + 80);
	ck_assert_int_eq(p[0].path_ns, 155 + 80);
	ck_assert_int_eq(path_cat(&p[0], TRACE_CLASS_MEMORY), 65 + 35); /* 35 of it in step 2 */
	ck_assert_int_eq(path_cat(&p[0], TRACE_CLASS_ELEMENTWISE), 40);
	ck_assert_int_eq(path_cat(&p[0], TRACE_PATH_IDLE), 90 + 5);
	ck_assert_int_eq(path_cat(&p[0], TRACE_CLASS_GEMM), 0);
	trace_analysis_free(a);
}
END_TEST

/* A launch's queue counts every earlier launch of its device, whatever its
 * step, less every launch of the device that ended by its call, even one
 * called later (a skewed clock's).  (a) Step 2's launch at 60 finds both of
 * step 1's kernels queued: queues 0, 1, 2.  (b) A launch called at 200 whose
 * kernel ran [15, 25) ends before the call at 30: queues 0, 0, 1, 0 (the
 * earlier-launches-only rule gives 0, 1, 2, 0). */
START_TEST(a_launch_queue_counts_the_devices_launches_of_every_step)
{
	for (int skew = 0; skew < 2; skew++) {
		struct trace_analysis *a = trace_analysis_new();
		const struct trace_launch *l;

		ana_call(a, 10, 12, 1, "cudaLaunchKernel");
		ana_call(a, 30, 32, 2, "cudaLaunchKernel");
		ana_call(a, 60, 62, 4, "cudaLaunchKernel");
		if (skew)
			ana_call(a, 200, 202, 3, "cudaLaunchKernel");
		ana_act(a, TRACE_KIND_KERNEL, 20, 100, 7, TRACE_CLASS_GEMM, 1, 1, "k");
		ana_act(a, TRACE_KIND_KERNEL, 100, 150, 7, TRACE_CLASS_GEMM, 1, 2, "k");
		ana_act(a, TRACE_KIND_KERNEL, 150, 170, 7, TRACE_CLASS_GEMM, 2, 4, "k");
		if (skew)
			ana_act(a, TRACE_KIND_KERNEL, 15, 25, 7, TRACE_CLASS_GEMM, 2, 3, "k");
		ana_finish(a);
		ck_assert_uint_eq(trace_analysis_launch(a, &l), 1);
		ck_assert_uint_eq(l[0].queue.n, 3 + skew);
		ck_assert_int_eq(l[0].queue.min, 0);
		ck_assert_int_eq(l[0].queue.max, skew ? 1 : 2);
		ck_assert_int_eq(l[0].queue.p50, skew ? 0 : 1);
		ck_assert_uint_eq(l[0].negative, (uint64_t)skew);
		trace_analysis_free(a);
	}
}
END_TEST

/* Queue lengths against a count by hand: 300 launches on 2 ranks x 3
 * devices (distinct call starts, random spans, some ending before their
 * call), memcpys without a launch between them, added out of order; each
 * rank's row and the job's have the lengths of every launch i of a (rank,
 * device): its earlier launches less the group's launches ended by i's call. */
START_TEST(launch_queues_per_device_agree_with_a_count_by_hand)
{
	enum { N = 300 };
	static int64_t cs[N], s[N], e[N], q[N + 1];
	static int rk[N], dev[N];
	struct trace_analysis *a = trace_analysis_new();
	struct trace_record rec;
	struct mo_err err = {0};
	const struct trace_launch *l;
	uint64_t x = 5;

	for (int i = 0; i < N; i++) {
		cs[i] = 10 * i + 100;
		s[i] = cs[i] + (int64_t)(lcg(&x) % 400) - 50;
		e[i] = s[i] + (int64_t)(lcg(&x) % 300);
		rk[i] = (int)(lcg(&x) % 2);
		dev[i] = (int)(lcg(&x) % 3);
	}
	for (int k = 0; k < N; k++) {
		int i = (k * 7) % N; /* out of order */
		trace_analysis_rank(a, rk[i]);
		ana_call(a, cs[i], cs[i] + 2, i + 1, "cudaLaunchKernel");
		trace_record_init(&rec, TRACE_KIND_KERNEL);
		rec.u.kernel.start_ns = s[i];
		rec.u.kernel.end_ns = e[i];
		rec.u.kernel.device = dev[i];
		rec.u.kernel.kclass = TRACE_CLASS_GEMM;
		rec.u.kernel.correlation = i + 1;
		rec.u.kernel.name = "k";
		ck_assert_int_eq(trace_analysis_add(a, &rec, &err), 0);
		if (k % 3 == 0) { /* no launch: on another device in between */
			trace_record_init(&rec, TRACE_KIND_MEMCPY);
			rec.u.memcpy.start_ns = s[i];
			rec.u.memcpy.end_ns = s[i] + 5;
			rec.u.memcpy.device = (dev[i] + 1) % 3;
			ck_assert_int_eq(trace_analysis_add(a, &rec, &err), 0);
		}
	}
	ana_finish(a);
	ck_assert_uint_eq(trace_analysis_launch(a, &l), 3);
	for (int row = 0; row < 3; row++) {
		size_t n = 0;
		for (int i = 0; i < N; i++) {
			int64_t earlier = 0, done = 0;
			if (row < 2 && rk[i] != row)
				continue;
			for (int j = 0; j < N; j++)
				if (rk[j] == rk[i] && dev[j] == dev[i]) {
					earlier += cs[j] < cs[i];
					done += e[j] <= cs[i];
				}
			q[n++] = earlier > done ? earlier - done : 0;
		}
		qsort(q, n, sizeof(*q), an_cmp_i64);
		ck_assert_int_eq(l[row].rank, row < 2 ? row : -1);
		ck_assert_uint_eq(l[row].queue.n, n);
		ck_assert_int_eq(l[row].queue.p50, q[(50 * n + 99) / 100 - 1]);
		ck_assert_int_eq(l[row].queue.p90, q[(90 * n + 99) / 100 - 1]);
		ck_assert_int_eq(l[row].queue.max, q[n - 1]);
		double sum = 0;
		for (size_t i = 0; i < n; i++)
			sum += (double)q[i];
		ck_assert_double_eq_tol(l[row].queue.mean, sum / (double)n, 1e-9);
	}
	trace_analysis_free(a);
}
END_TEST

/* The job's rows need every rank's step, though the ranks' files are read
 * one after another: rank 1 (offset 1000) runs step 1 for 200 ns where rank
 * 0 takes 100, so the job's step 1 is [0, 200) in job time and its step 2
 * [100, 260) (rank 0's step 2 starts at 100, rank 1's ends at 260).  The
 * job's breakdown sweeps both ranks' devices over those windows; its path
 * for step 2 runs back from rank 1's last kernel [200, 260) into rank 1's
 * step-1 kernel (ended by its start), clipped at 100. */
START_TEST(the_jobs_rows_take_every_ranks_step)
{
	struct trace_analysis *a = trace_analysis_new();
	const struct trace_breakdown *b;
	const struct trace_path *p;
	size_t n;

	for (int r = 0; r < 2; r++) {
		int64_t o = 1000 * r, len = r ? 200 : 100, len2 = r ? 60 : 50;
		trace_analysis_rank(a, r);
		ana_act(a, TRACE_KIND_KERNEL, o, o + len, 7, TRACE_CLASS_GEMM, 1, -1, "k");
		ana_act(a, TRACE_KIND_KERNEL, o + len, o + len + len2, 7, TRACE_CLASS_GEMM, 2, -1,
			"k");
	}
	ana_finish(a);
	n = trace_analysis_breakdown(a, &b);
	ck_assert_uint_eq(n, 6); /* 2 ranks x 2 steps, then the job's 2 */
	ck_assert_int_eq(b[4].rank, -1);
	ck_assert_int_eq(b[4].step, 1);
	ck_assert_int_eq(b[4].window_ns, 200);
	ck_assert_int_eq(b[4].total_ns, 400);
	ck_assert_int_eq(b[4].compute_ns, 300);
	ck_assert_int_eq(b[4].idle_ns, 100);
	ck_assert_int_eq(b[5].step, 2);
	ck_assert_int_eq(b[5].window_ns, 160);
	ck_assert_int_eq(b[5].total_ns, 320);
	ck_assert_int_eq(b[5].compute_ns, 110);
	ck_assert_int_eq(b[5].idle_ns, 210);
	ck_assert_uint_eq(trace_analysis_critical_path(a, &p), 3);
	ck_assert_int_eq(p[0].path_ns, 150);
	ck_assert_int_eq(p[1].path_ns, 260);
	ck_assert_int_eq(p[2].rank, -1);
	ck_assert_int_eq(p[2].window_ns, 200 + 160);
	ck_assert_int_eq(path_cat(&p[2], TRACE_CLASS_GEMM), 200 + 160);
	trace_analysis_free(a);
}
END_TEST

START_TEST(two_ranks_give_rows_per_rank_and_for_the_whole_job)
{
	struct trace_analysis *a = trace_analysis_new();
	const struct trace_breakdown *b;
	const struct trace_overlap *o;
	const struct trace_kernel_stats *k;
	const struct trace_path *p;

	for (int r = 0; r < 2; r++) {
		trace_analysis_rank(a, r);
		ana_act(a, TRACE_KIND_KERNEL, 1000 * r, 1000 * r + 100, 7, TRACE_CLASS_GEMM, 3, -1, "k");
		ana_act(a, TRACE_KIND_KERNEL, 1000 * r + 50, 1000 * r + 150, 8, TRACE_CLASS_COMM, 3,
			-1, "nccl");
	}
	ana_finish(a);
	ck_assert_int_eq(trace_analysis_ranks(a), 2);
	ck_assert_int_eq(trace_analysis_rank_offset(a, 1), 1000);
	ck_assert_uint_eq(trace_analysis_breakdown(a, &b), 3);
	ck_assert_int_eq(b[2].rank, -1);
	ck_assert_int_eq(b[2].compute_ns, 200);
	ck_assert_int_eq(b[2].total_ns, 300);
	ck_assert_uint_eq(trace_analysis_overlap(a, &o), 3);
	ck_assert_int_eq(o[2].rank, -1);
	ck_assert_int_eq(o[2].comm_ns, 200);
	ck_assert_int_eq(o[2].overlapped_ns, 100);
	ck_assert_uint_eq(trace_analysis_kernel_stats(a, &k), 2);
	ck_assert_uint_eq(k[0].ranks, 2);
	ck_assert_uint_eq(k[0].dur_ns.n, 2);
	ck_assert_uint_eq(trace_analysis_critical_path(a, &p), 3);
	ck_assert_int_eq(p[0].path_ns, 150);
	ck_assert_int_eq(p[1].path_ns, 150);
	/* the job's step, ranks aligned: one window of 150, not their sum */
	ck_assert_int_eq(p[2].window_ns, 150);
	ck_assert_int_eq(p[2].path_ns, 150);
	trace_analysis_free(a);
}
END_TEST

/* Rank 1 computes 300 ns before the all-reduce, rank 0 100 ns: rank 0's
 * collective waits for rank 1 until 300 (job time; rank 1's clock is 1000
 * ahead), so the job's path is rank 1's compute and the collective after
 * its arrival, not rank 0's wait. */
START_TEST(the_job_critical_path_crosses_to_the_rank_a_collective_waited_for)
{
	struct trace_analysis *a = trace_analysis_new();
	const struct trace_path *p;

	for (int r = 0; r < 2; r++) {
		int64_t t0 = 1000 * r, compute = r ? 300 : 100;
		trace_analysis_rank(a, r);
		ana_act(a, TRACE_KIND_KERNEL, t0, t0 + compute, 7, TRACE_CLASS_GEMM, 3, -1, "fwd");
		ana_act(a, TRACE_KIND_KERNEL, t0 + compute, t0 + 400, 8, TRACE_CLASS_COMM, 3, -1,
			"nccl");
	}
	ana_finish(a);
	/* each rank alone: its own compute and all of its collective; the job
	 * (row 2): rank 1's compute, then the collective from its arrival */
	static const struct { int row, cat; int64_t ns; } want[] = {
		{0, TRACE_CLASS_GEMM, 100}, {0, TRACE_CLASS_COMM, 300}, {1, TRACE_CLASS_GEMM, 300},
		{2, TRACE_CLASS_GEMM, 300}, {2, TRACE_CLASS_COMM, 100}, {2, TRACE_PATH_IDLE, 0},
	};
	ck_assert_uint_eq(trace_analysis_critical_path(a, &p), 3);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		ck_assert_int_eq(path_cat(&p[want[i].row], want[i].cat), want[i].ns);
	ck_assert_int_eq(p[2].rank, -1);
	ck_assert_int_eq(p[2].window_ns, 400);
	ck_assert_int_eq(p[2].path_ns, 400);
	trace_analysis_free(a);
}
END_TEST

/* The breakdown's job row with the ranks aligned (worked by hand): in job
 * time rank 0 computes [0, 100) and all-reduces [100, 400); rank 1 (clock
 * 1,000,000 ahead) computes [0, 300) and all-reduces [300, 450).  The job's
 * step window is [0, 450): rank 0's device is idle over [400, 450) while
 * rank 1 finishes, so compute 100 + 300, communication 300 + 150, idle 50,
 * total 2 x 450.  Summing the ranks' own rows (the old job row) said total
 * 400 + 450 = 850 and idle 0. */
START_TEST(the_job_breakdown_sweeps_every_rank_over_the_aligned_step_window)
{
	struct trace_analysis *a = trace_analysis_new();
	const struct trace_breakdown *b;
	const struct trace_overlap *o;

	for (int r = 0; r < 2; r++) {
		int64_t t0 = 1000000 * r, compute = r ? 300 : 100, end = r ? 450 : 400;
		trace_analysis_rank(a, r);
		ana_act(a, TRACE_KIND_KERNEL, t0, t0 + compute, 7, TRACE_CLASS_GEMM, 3, -1, "fwd");
		ana_act(a, TRACE_KIND_KERNEL, t0 + compute, t0 + end, 8, TRACE_CLASS_COMM, 3, -1,
			"nccl");
	}
	ana_finish(a);
	ck_assert_uint_eq(trace_analysis_breakdown(a, &b), 3);
	ck_assert_int_eq(b[0].idle_ns, 0);
	ck_assert_int_eq(b[0].total_ns, 400);
	ck_assert_int_eq(b[2].rank, -1);
	ck_assert_int_eq(b[2].step, 3);
	ck_assert_uint_eq(b[2].devices, 2);
	ck_assert_uint_eq(b[2].activities, 4);
	ck_assert_int_eq(b[2].window_ns, 450);
	ck_assert_int_eq(b[2].total_ns, 900);
	ck_assert_int_eq(b[2].compute_ns, 400);
	ck_assert_int_eq(b[2].comm_ns, 450);
	ck_assert_int_eq(b[2].memory_ns, 0);
	ck_assert_int_eq(b[2].idle_ns, 50);
	ck_assert_int_eq(b[2].comm_ns_all, 450);
	ck_assert_int_eq(b[2].comm_overlap_ns, 0);
	/* overlap is per device: the job's is the ranks' sum */
	ck_assert_uint_eq(trace_analysis_overlap(a, &o), 3);
	ck_assert_int_eq(o[2].comm_ns, 450);
	ck_assert_int_eq(o[2].overlapped_ns, 0);
	trace_analysis_free(a);
}
END_TEST

START_TEST(queued_gaps_split_into_same_stream_and_other_stream_waits)
{
	struct trace_summary *s = trace_summary_new(0);
	struct trace_record rec;
	struct mo_err err = {0};
	const struct trace_summary_totals *t;
	const int64_t corr[] = {1, 2, 3}, calls[] = {1, 2, 25};

	for (int i = 0; i < 3; i++) {
		trace_record_init(&rec, TRACE_KIND_API_CALL);
		rec.u.api_call.start_ns = calls[i];
		rec.u.api_call.end_ns = calls[i] + 1;
		rec.u.api_call.correlation = corr[i];
		rec.u.api_call.name = "cudaLaunchKernel";
		ck_assert_int_eq(trace_summary_add(s, &rec, &err), 0);
	}
	/* every launch is queued before the gaps: stream 1 runs [100,110), then
	 * [120,130) behind it (kernel wait 10); stream 2 runs [150,160) after
	 * stream 1's kernel (other 20), then [170,180) behind it (kernel wait 10) */
	sum_kernel(s, 100, 110, 0, 1, -1, TRACE_CLASS_GEMM, "a");
	trace_record_init(&rec, TRACE_KIND_KERNEL);
	rec.u.kernel.start_ns = 120;
	rec.u.kernel.end_ns = 130;
	rec.u.kernel.device = 0;
	rec.u.kernel.stream = 1;
	rec.u.kernel.correlation = 2;
	rec.u.kernel.name = "b";
	ck_assert_int_eq(trace_summary_add(s, &rec, &err), 0);
	rec.u.kernel.start_ns = 150;
	rec.u.kernel.end_ns = 160;
	rec.u.kernel.stream = 2;
	rec.u.kernel.correlation = 1;
	ck_assert_int_eq(trace_summary_add(s, &rec, &err), 0);
	rec.u.kernel.start_ns = 170;
	rec.u.kernel.end_ns = 180;
	rec.u.kernel.correlation = 3;
	ck_assert_int_eq(trace_summary_add(s, &rec, &err), 0);
	trace_summary_finish(s);
	t = trace_summary_totals(s);
	ck_assert_int_eq(t->gap_ns, 10 + 20 + 10);
	ck_assert_int_eq(t->other_wait_ns, 40);
	ck_assert_int_eq(t->kernel_wait_ns, 20);
	ck_assert_int_eq(t->other_ns, 20);
	ck_assert_int_eq(t->host_wait_ns, 0);
	ck_assert_int_eq(t->unattributed_ns, 0);
	trace_summary_free(s);
}
END_TEST

START_TEST(a_diff_sorts_changes_by_impact_and_counts_what_did_not_change)
{
	struct trace_analysis *a = trace_analysis_new(), *b = trace_analysis_new();
	struct trace_diff *d;
	struct mo_err err = {0};

	ana_act(a, TRACE_KIND_KERNEL, 0, 100, 7, TRACE_CLASS_GEMM, -1, -1, "same");
	ana_act(a, TRACE_KIND_KERNEL, 100, 110, 7, TRACE_CLASS_ELEMENTWISE, -1, -1, "gone");
	ana_act(b, TRACE_KIND_KERNEL, 0, 100, 7, TRACE_CLASS_GEMM, -1, -1, "same");
	ana_act(b, TRACE_KIND_KERNEL, 100, 130, 7, TRACE_CLASS_REDUCTION, -1, -1, "new");
	ana_finish(a);
	ana_finish(b);
	ck_assert_int_eq(trace_diff_new(a, b, &d, &err), 0);
	/* kernel new +30, class reduction +30, module (none) 110 -> 130 (+20),
	 * the step's window 110 -> 130 (+20), kernel gone -10, class
	 * elementwise -10; kernel same and class gemm did not change */
	ck_assert_uint_eq(d->n, 6);
	ck_assert_int_eq(d->items[0].kind, TRACE_DIFF_KERNEL);
	ck_assert_str_eq(d->items[0].name, "new");
	ck_assert_uint_eq(d->items[0].count_a, 0);
	ck_assert_int_eq(d->items[1].kind, TRACE_DIFF_CLASS);
	ck_assert_int_eq(d->items[2].kind, TRACE_DIFF_MODULE);
	ck_assert_int_eq(d->items[3].kind, TRACE_DIFF_STEP);
	ck_assert_int_eq(d->items[3].ns_b - d->items[3].ns_a, 20);
	ck_assert_str_eq(d->items[4].name, "gone");
	ck_assert_uint_eq(d->items[4].count_b, 0);
	ck_assert_uint_eq(d->unchanged, 2); /* kernel same, class gemm */
	trace_diff_free(d);
	ck_assert_int_eq(trace_diff_new(a, a, &d, &err), 0);
	ck_assert_uint_eq(d->n, 0);
	trace_diff_free(d);
	trace_analysis_free(a);
	trace_analysis_free(b);
}
END_TEST

/* Rows that share a name are one item: two classes out of range both read
 * as the same name (a hostile trace's; a module named "(none)" and no module
 * likewise), so a trace against itself still changes nothing. */
/* A module record named "(none)" and activities with no module are one
 * module row (the analysis' own name for "no module"), so a trace diffed
 * with itself changes nothing. */
START_TEST(a_module_named_none_is_the_same_row_as_no_module)
{
	struct trace_analysis *a = trace_analysis_new();
	const struct trace_kernel_stats *st;
	struct trace_diff *d;
	struct trace_record rec;
	struct mo_err err = {0};

	trace_record_init(&rec, TRACE_KIND_MODULE);
	rec.u.module.id = 3;
	rec.u.module.name = "(none)";
	ck_assert_int_eq(trace_analysis_add(a, &rec, &err), 0);
	trace_record_init(&rec, TRACE_KIND_KERNEL);
	rec.u.kernel.start_ns = 0;
	rec.u.kernel.end_ns = 10;
	rec.u.kernel.stream = 7;
	rec.u.kernel.module = 3;
	rec.u.kernel.name = "k1";
	ck_assert_int_eq(trace_analysis_add(a, &rec, &err), 0);
	ana_act(a, TRACE_KIND_KERNEL, 10, 30, 7, TRACE_CLASS_GEMM, -1, -1, "k2");
	ana_finish(a);
	ck_assert_uint_eq(trace_analysis_module_stats(a, &st), 1);
	ck_assert_str_eq(st[0].name, "(none)");
	ck_assert_uint_eq(st[0].dur_ns.n, 2);
	ck_assert_int_eq(st[0].total_ns, 30);
	ck_assert_int_eq(trace_diff_new(a, a, &d, &err), 0);
	ck_assert_uint_eq(d->n, 0);
	trace_diff_free(d);
	trace_analysis_free(a);
}
END_TEST

/* A hostile trace's times may be anything: the delta saturates. */
START_TEST(a_diff_delta_saturates)
{
	struct trace_diff_item it = {.kind = TRACE_DIFF_KERNEL, .name = "k"};
	it.ns_a = INT64_MIN;
	it.ns_b = INT64_MAX;
	ck_assert_int_eq(trace_diff_delta(&it), INT64_MAX);
	it.ns_a = INT64_MAX;
	it.ns_b = INT64_MIN;
	ck_assert_int_eq(trace_diff_delta(&it), INT64_MIN);
	it.ns_a = 5;
	it.ns_b = -7;
	ck_assert_int_eq(trace_diff_delta(&it), -12);
}
END_TEST

START_TEST(a_name_map_keeps_one_value_per_distinct_name)
{
	struct trace_namemap *m = trace_namemap_new();
	int64_t v = -7;

	ck_assert_int_eq(trace_namemap_get(m, "gemm_kernel", &v), 0);
	ck_assert_int_eq(v, -7);
	ck_assert_int_eq(trace_namemap_put(m, "gemm_kernel", 1), 0);
	ck_assert_int_eq(trace_namemap_put(m, "", 4), 0);
	ck_assert_int_eq(trace_namemap_get(m, "gemm_kernel", &v), 1);
	ck_assert_int_eq(v, 1);
	ck_assert_int_eq(trace_namemap_get(m, NULL, &v), 1); /* NULL reads as "" */
	ck_assert_int_eq(v, 4);
	trace_namemap_free(m);
	trace_namemap_free(NULL);
}
END_TEST

/* A deterministic stream of numbers for the sort and map tests. */
static uint64_t lcg(uint64_t *x)
{
	*x = *x * 6364136223846793005ull + 1442695040888963407ull;
	return *x >> 11;
}

START_TEST(the_analyses_sorts_give_the_order_qsort_gives)
{
	static const size_t sizes[] = {0, 1, 2, 47, 48, 49, 1000, 20000};
	uint64_t x = 7;

	for (size_t t = 0; t < sizeof(sizes) / sizeof(*sizes); t++) {
		size_t n = sizes[t];
		int64_t *v = malloc((n + 1) * sizeof(*v)), *w = malloc((n + 1) * sizeof(*w));
		struct an_join *j = malloc((n + 1) * sizeof(*j)), *jq = malloc((n + 1) * sizeof(*j));
		for (size_t i = 0; i < n; i++) {
			uint64_t r = lcg(&x);
			/* small values, negatives, both extremes and ties */
			v[i] = i % 7 == 0 ? (int64_t)(r % 5) - 2 : i % 11 == 0 ? INT64_MIN + (int64_t)(r % 3)
			     : i % 13 == 0 ? INT64_MAX - (int64_t)(r % 3) : (int64_t)(r << 9);
			j[i] = (struct an_join){(int64_t)(r % 300), i, (int32_t)(r / 300 % 3)};
		}
		memcpy(w, v, n * sizeof(*v));
		memcpy(jq, j, n * sizeof(*j));
		an_sort_i64(v, n);
		qsort(w, n, sizeof(*w), an_cmp_i64);
		an_sort_join(j, n);
		qsort(jq, n, sizeof(*jq), an_cmp_join);
		for (size_t i = 0; i < n; i++) {
			ck_assert_int_eq(v[i], w[i]);
			ck_assert_int_eq(j[i].rank, jq[i].rank);
			ck_assert_int_eq(j[i].corr, jq[i].corr);
			ck_assert_uint_eq(j[i].idx, jq[i].idx);
		}
		ck_assert_int_eq(an_in_order(w, n, sizeof(*w), an_cmp_i64), 1);
		if (n > 2) { /* one pair out of order is seen, and an_qsort sorts it */
			int64_t y = w[0];
			w[0] = w[n - 1];
			w[n - 1] = y;
			ck_assert_int_eq(an_in_order(w, n, sizeof(*w), an_cmp_i64), w[0] == w[n - 1]);
			an_qsort(w, n, sizeof(*w), an_cmp_i64);
			ck_assert_int_eq(memcmp(v, w, n * sizeof(*v)), 0);
		}
		free(v);
		free(w);
		free(j);
		free(jq);
	}
}
END_TEST

/* An input already in key order: the radix sorts leave it after one scan,
 * which must still be qsort's order (join: sorted by correlation, not by
 * rank, so the rank pass moves it). */
START_TEST(the_analyses_sorts_of_inputs_in_key_order_give_qsorts_order)
{
	enum { N = 3000 };
	static struct an_join j[N], jq[N];

	for (size_t i = 0; i < N; i++) {
		j[i] = (struct an_join){(int64_t)(i / 3), i, (int32_t)(i * 7 % 3)};
	}
	memcpy(jq, j, sizeof(j));
	an_sort_join(j, N);
	qsort(jq, N, sizeof(*jq), an_cmp_join);
	ck_assert_int_eq(memcmp(j, jq, sizeof(j)), 0);
	ck_assert_int_eq(j[0].rank, 0);
	ck_assert_int_eq(j[N - 1].rank, 2);
}
END_TEST

/* Big blocks keep their bytes as they grow from malloc into a mapping and
 * on by mremap, stay aligned, are poisoned past their size under ASan, and
 * every mapping is unmapped again. */
START_TEST(a_big_block_keeps_its_bytes_as_it_grows_and_is_unmapped)
{
	size_t live0 = trace_big_live(), cap = 0;
	uint64_t *v = NULL;
	unsigned char *small = trace_big_alloc(100);

	ck_assert_ptr_nonnull(small);
	memset(small, 0xab, 100);
	size_t bad = 0, misaligned = 0;
	for (size_t i = 0; i < 600000; i++) { /* 16 B .. 8 MB: malloc, then mapped */
		if (TRACE_BIG_GROW(v, i + 1, cap) < 0)
			break;
		v[i] = i * 2654435761u;
		misaligned += (uintptr_t)v % 16 != 0;
	}
	ck_assert_uint_eq(cap, 1u << 20);
	ck_assert_uint_eq(misaligned, 0);
	ck_assert_uint_eq(trace_big_live(), live0 + 1);
	ck_assert_uint_eq((uintptr_t)v % 64, 0);
	ck_assert_uint_eq(((uintptr_t)v - 64) % ((uintptr_t)2 << 20), 0); /* huge-page aligned */
	for (size_t i = 0; i < 600000; i++)
		bad += v[i] != i * 2654435761u;
	ck_assert_uint_eq(bad, 0);
	unsigned char *big = trace_big_realloc(small, TRACE_BIG_MIN * 3);
	ck_assert_ptr_nonnull(big);
	for (size_t i = 0; i < 100; i++)
		ck_assert_uint_eq(big[i], 0xab);
	big[TRACE_BIG_MIN * 3 - 1] = 1;
#if defined(__SANITIZE_ADDRESS__)
	/* under ASan the mapping past the caller's bytes is poisoned, not before */
	ck_assert_int_eq(__asan_address_is_poisoned(big + TRACE_BIG_MIN * 3 - 1), 0);
	ck_assert_int_ne(__asan_address_is_poisoned(big + TRACE_BIG_MIN * 3), 0);
	ck_assert_int_ne(__asan_address_is_poisoned((char *)v + cap * sizeof(*v)), 0);
#endif
	ck_assert_ptr_eq(trace_big_realloc(big, 10), big); /* a mapping is never shrunk */
#if defined(__SANITIZE_ADDRESS__)
	ck_assert_int_ne(__asan_address_is_poisoned(big + 10), 0);
	ck_assert_ptr_eq(trace_big_realloc(big, TRACE_BIG_MIN * 3), big);
	ck_assert_int_eq(__asan_address_is_poisoned(big + TRACE_BIG_MIN * 3 - 1), 0);
#endif
	ck_assert_uint_eq(trace_big_live(), live0 + 2);
	trace_big_free(big);
	trace_big_free(v);
	trace_big_free(NULL);
	ck_assert_uint_eq(trace_big_live(), live0);
	ck_assert_ptr_null(trace_big_alloc(SIZE_MAX - 8));
	ck_assert_ptr_null(trace_big_alloc(SIZE_MAX / 2));
	ck_assert_uint_eq(trace_big_live(), live0);
}
END_TEST

START_TEST(an_ascending_map_answers_as_an_id_map_in_both_forms)
{
	for (int turn = 0; turn < 3; turn++) { /* ascending only; a step back; repeats */
		struct trace_ascmap m = {0};
		struct trace_idmap want;
		uint64_t x = 11 + turn;
		int64_t key = -50;

		trace_idmap_init(&want);
		for (int i = 0; i < 3000; i++) {
			int64_t val = (int64_t)lcg(&x) - (1ll << 40);
			key += 1 + (int64_t)(lcg(&x) % 4);
			if ((turn == 1 && i == 2000) || (turn == 2 && i % 100 == 99))
				key -= 1 + (int64_t)(lcg(&x) % 40); /* back: a key again or a smaller new one */
			ck_assert_int_eq(trace_ascmap_put(&m, key, val), 0);
			ck_assert_int_eq(trace_idmap_put(&want, key, 0, (size_t)val), 0);
		}
		ck_assert_int_eq(m.mapped, turn > 0);
		for (int64_t k = -60; k < key + 10; k++) {
			size_t *w = trace_idmap_get(&want, k, 0);
			int64_t got;
			ck_assert_int_eq(trace_ascmap_get(&m, k, &got), w != NULL);
			if (w)
				ck_assert_int_eq(got, (int64_t)*w);
		}
		for (int64_t k = key + 10; k >= -60; k -= 7) { /* backwards: the cursor restarts */
			size_t *w = trace_idmap_get(&want, k, 0);
			int64_t got;
			ck_assert_int_eq(trace_ascmap_get(&m, k, &got), w != NULL);
			if (w)
				ck_assert_int_eq(got, (int64_t)*w);
		}
		trace_ascmap_release(&m);
		ck_assert_int_eq(trace_ascmap_get(&m, 1, &key), 0);
		trace_idmap_release(&want);
	}
}
END_TEST

START_TEST(an_ascending_map_keeps_the_extremes)
{
	static const int64_t keys[] = {INT64_MIN, INT64_MIN + 1, -1, 0, INT64_MAX - 1, INT64_MAX};
	static const int64_t vals[] = {INT64_MAX, INT64_MIN, 0, -1, INT64_MIN, INT64_MAX};
	struct trace_ascmap m = {0};
	int64_t got;

	for (size_t i = 0; i < 6; i++)
		ck_assert_int_eq(trace_ascmap_put(&m, keys[i], vals[i]), 0);
	ck_assert_int_eq(m.mapped, 0);
	for (size_t i = 0; i < 6; i++) {
		ck_assert_int_eq(trace_ascmap_get(&m, keys[i], &got), 1);
		ck_assert_int_eq(got, vals[i]);
	}
	ck_assert_int_eq(trace_ascmap_get(&m, 1, &got), 0);
	ck_assert_int_eq(trace_ascmap_get(&m, INT64_MIN + 2, &got), 0);
	trace_ascmap_release(&m);
}
END_TEST

/* Every act's call and call's act as the rule gives them (brute force):
 * the last enqueuing call of the act's rank and correlation; a call's first
 * such act.  Acts and calls are added in their sorted order, two ranks.
 * Once finished, the calls are freed and each act keeps its call's start. */
static void check_links(const int64_t *act_corr, const int64_t *call_corr, const int *enq, int n,
			int threads)
{
	struct trace_analysis *a = trace_analysis_new();

	for (int r = 0; r < 2; r++) {
		trace_analysis_rank(a, r);
		for (int j = 0; j < n; j++) /* thread 0's calls, then thread 1's */
			ana_call_on(a, threads > 1 && 2 * j >= n, 10 * j, 10 * j + 5, call_corr[j],
				    enq[j] ? "cudaLaunchKernel" : "cudaFuncSetAttribute");
		for (int i = 0; i < n; i++)
			ana_act(a, TRACE_KIND_KERNEL, 1000 + 10 * i, 1005 + 10 * i, 7, TRACE_CLASS_GEMM,
				-1, act_corr[i], "k");
	}
	ck_assert_int_eq(an_link(a), 0);
	ck_assert_uint_eq(a->nacts, 2 * (size_t)n);
	ck_assert_uint_eq(a->ncalls, 2 * (size_t)n);
	for (int r = 0; r < 2; r++)
		for (int i = 0; i < n; i++) {
			int64_t want = -1;
			for (int j = 0; j < n; j++)
				if (act_corr[i] >= 0 && enq[j] && call_corr[j] == act_corr[i])
					want = (int64_t)(r * n + j);
			ck_assert_int_eq(a->acts[r * n + i].call, want);
		}
	for (int r = 0; r < 2; r++)
		for (int j = 0; j < n; j++) {
			int64_t want = -1;
			for (int i = n - 1; i >= 0; i--)
				if (a->acts[r * n + i].call == (int64_t)(r * n + j))
					want = (int64_t)(r * n + i);
			ck_assert_int_eq(a->calls[r * n + j].act, want);
		}
	int64_t *call = malloc(2 * (size_t)n * sizeof(*call));
	for (int i = 0; i < 2 * n; i++)
		call[i] = a->acts[i].call;
	ana_finish(a);
	ck_assert_ptr_null(a->calls);
	for (int i = 0; i < 2 * n; i++) /* call j starts at 10 j on either rank */
		ck_assert_int_eq(a->acts[i].launch_s, call[i] < 0 ? -1 : 10 * (call[i] % n));
	free(call);
	trace_analysis_free(a);
}

START_TEST(launch_links_are_the_same_on_the_arrays_in_order_and_on_sorted_copies)
{
	enum { N = 40 };
	uint64_t x = 7;

	for (int round = 0; round < 300; round++) {
		int64_t act_corr[N], call_corr[N];
		/* rounds 1 mod 3: the direct join; 2 mod 3: two threads, each
		 * one's launches in correlation order (merged); else sorted */
		int enq[N], in_order = round % 3 == 1, threads = round % 3 == 2 ? 2 : 1;
		int64_t ca = 0, cc = 0;
		for (int i = 0; i < N; i++) {
			ca += in_order ? (int64_t)(lcg(&x) % 3) : 0;
			cc += in_order || threads > 1 ? (int64_t)(lcg(&x) % 3) : 0;
			if (threads > 1 && 2 * i == N)
				cc = (int64_t)(lcg(&x) % 4); /* thread 1's from the start again */
			act_corr[i] = in_order ? ca : (int64_t)(lcg(&x) % 12);
			call_corr[i] = in_order || threads > 1 ? cc : (int64_t)(lcg(&x) % 12);
			if (lcg(&x) % 8 == 0)
				act_corr[i] = -1;
			if (lcg(&x) % 8 == 0)
				call_corr[i] = -1;
			enq[i] = lcg(&x) % 5 != 0;
		}
		check_links(act_corr, call_corr, enq, N, threads);
	}
}
END_TEST

/* A kernel of rank r in module m (-1 none) with duration d. */
static void ana_mod_kernel(struct trace_analysis *a, int r, int64_t m, int64_t s, int64_t d)
{
	struct trace_record rec;
	struct mo_err err = {0};

	ck_assert_int_eq(trace_analysis_rank(a, r), 0);
	trace_record_init(&rec, TRACE_KIND_KERNEL);
	rec.u.kernel.start_ns = s;
	rec.u.kernel.end_ns = s + d;
	rec.u.kernel.kclass = TRACE_CLASS_GEMM;
	rec.u.kernel.module = m;
	rec.u.kernel.name = "k";
	ck_assert_int_eq(trace_analysis_add(a, &rec, &err), 0);
}

static void ana_module(struct trace_analysis *a, int r, int64_t id, const char *name)
{
	struct trace_record rec;
	struct mo_err err = {0};

	ck_assert_int_eq(trace_analysis_rank(a, r), 0);
	trace_record_init(&rec, TRACE_KIND_MODULE);
	rec.u.module.id = id;
	rec.u.module.name = name;
	ck_assert_int_eq(trace_analysis_add(a, &rec, &err), 0);
}

START_TEST(modules_are_named_by_rank_and_id_whenever_their_records_come)
{
	/* rank 0's module 1 is "enc", rank 1's module 1 is "dec" (defined after
	 * its kernels), module 7 is never defined and -1 is none: both count as
	 * "(none)", and so does a module of that name */
	static const struct {
		const char *name;
		uint64_t n;
		int64_t total;
	} want[] = {{"(none)", 5, 5 + 6 + 7 + 8 + 9}, {"dec", 3, 30 + 31 + 32}, {"enc", 2, 40 + 41}};
	struct trace_analysis *a = trace_analysis_new();
	const struct trace_kernel_stats *st;

	ck_assert_ptr_nonnull(a);
	ana_module(a, 0, 1, "enc");
	ana_module(a, 0, 2, "(none)");
	ana_mod_kernel(a, 0, 1, 0, 40);
	ana_mod_kernel(a, 0, 1, 100, 41); /* the same key again */
	ana_mod_kernel(a, 1, 1, 0, 30);   /* the same id next, another rank */
	ana_mod_kernel(a, 0, 2, 200, 5);
	ana_mod_kernel(a, 0, 7, 300, 6);
	ana_mod_kernel(a, 1, 1, 100, 31);
	ana_mod_kernel(a, 1, -1, 200, 7);
	ana_mod_kernel(a, 0, -1, 400, 8);
	ana_mod_kernel(a, 1, 1, 300, 32);
	ana_mod_kernel(a, 1, 7, 400, 9);
	ana_module(a, 1, 1, "dec");
	ana_finish(a);
	ck_assert_uint_eq(trace_analysis_module_stats(a, &st), 3);
	for (size_t i = 0; i < 3; i++) { /* by total, descending */
		size_t w = st[i].total_ns == want[0].total ? 0 : st[i].total_ns == want[1].total ? 1 : 2;
		ck_assert_str_eq(st[i].name, want[w].name);
		ck_assert_uint_eq(st[i].dur_ns.n, want[w].n);
		ck_assert_int_eq(st[i].total_ns, want[w].total);
	}
	trace_analysis_free(a);
}
END_TEST

START_TEST(an_analysis_refuses_a_rank_above_its_largest_and_keeps_the_last)
{
	struct trace_analysis *a = trace_analysis_new();
	const struct trace_breakdown *bd;

	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(trace_analysis_rank(a, TRACE_ANALYSIS_MAX_RANK), 0);
	ck_assert_int_eq(trace_analysis_rank(a, 2), 0);
	ck_assert_int_eq(trace_analysis_rank(a, TRACE_ANALYSIS_MAX_RANK + 1), -1);
	ana_act(a, TRACE_KIND_KERNEL, 10, 20, 7, TRACE_CLASS_GEMM, 0, -1, "k");
	ana_finish(a);
	ck_assert_int_eq(trace_analysis_ranks(a), TRACE_ANALYSIS_MAX_RANK + 1);
	ck_assert_uint_ge(trace_analysis_breakdown(a, &bd), 1);
	ck_assert_int_eq(bd[0].rank, 2); /* the refused rank left rank 2 in place */
	trace_analysis_free(a);
}
END_TEST

START_TEST(a_kernel_links_to_the_last_launch_call_of_its_correlation)
{
	struct trace_analysis *a = trace_analysis_new();
	const struct trace_launch *l;

	ana_call(a, 0, 5, 1, "cudaLaunchKernel");
	ana_call(a, 50, 55, 1, "cudaLaunchKernel");    /* the same correlation again: this one */
	ana_call(a, 60, 65, 1, "cudaFuncSetAttribute"); /* launches nothing */
	ana_call(a, 70, 75, 2, "cudaGraphLaunch");
	ana_act(a, TRACE_KIND_KERNEL, 100, 200, 7, TRACE_CLASS_GEMM, -1, 1, "k");
	ana_act(a, TRACE_KIND_KERNEL, 200, 300, 7, TRACE_CLASS_GEMM, -1, 2, "g"); /* one graph */
	ana_act(a, TRACE_KIND_KERNEL, 300, 400, 7, TRACE_CLASS_GEMM, -1, 2, "g");
	ana_act(a, TRACE_KIND_KERNEL, 400, 410, 7, TRACE_CLASS_GEMM, -1, 3, "none"); /* no call */
	ana_finish(a);
	ck_assert_uint_eq(trace_analysis_launch(a, &l), 1);
	ck_assert_uint_eq(l[0].latency_ns.n, 3);
	ck_assert_int_eq(l[0].latency_ns.min, 50);  /* 100 - 50, not 100 - 0 */
	ck_assert_int_eq(l[0].latency_ns.p50, 130); /* 200 - 70 */
	ck_assert_int_eq(l[0].latency_ns.max, 230); /* 300 - 70 */
	trace_analysis_free(a);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("traces");
	TCase *tc = tcase_create("format");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, a_record_diff_names_the_first_field_that_differs);
	tcase_add_test(tc, every_kind_survives_a_round_trip_byte_for_byte);
	tcase_add_test(tc, times_above_2_to_the_53_are_exact);
	tcase_add_test(tc, an_imported_trace_reads_and_writes_back_byte_for_byte);
	tcase_add_test(tc, a_newer_major_version_is_refused);
	tcase_add_test(tc, a_newer_minor_version_with_unknown_kinds_and_extra_fields_reads);
	tcase_add_test(tc, a_file_cut_at_any_byte_gives_a_clean_error_naming_the_offset);
	tcase_add_loop_test(tc, bad_input_is_refused_with_a_message_that_names_it, 0,
			    (int)(sizeof(bad_inputs) / sizeof(bad_inputs[0])));
	tcase_add_test(tc, missing_files_and_directories_are_bad_input);
	tcase_add_test(tc, sniffing_tells_mtr_from_json_from_other_files);
	tcase_add_test(tc, an_aborted_write_leaves_no_file);
	tcase_add_test(tc, a_temporary_is_created_exclusively_under_an_unpredictable_name);
	tcase_add_test(tc, a_fifo_or_device_is_written_in_place_and_a_directory_refused);
	tcase_add_test(tc, a_signal_removes_the_temporaries_and_still_kills);
	tcase_add_test(tc, a_failed_close_releases_the_writer_once);
	tcase_add_test(tc, the_in_memory_sink_keeps_strings);
	tcase_add_test(tc, names_and_initialisers);
	suite_add_tcase(s, tc);

	tc = tcase_create("validation");
	tcase_add_test(tc, a_good_trace_has_no_problems);
	tcase_add_test(tc, validation_finds_each_kind_of_problem);
	tcase_add_test(tc, overlaps_are_found_whatever_the_record_order);
	tcase_add_test(tc, host_records_need_a_defined_thread_and_a_valid_span);
	tcase_add_test(tc, partitions_must_fit_their_device);
	suite_add_tcase(s, tc);

	tc = tcase_create("export");
	tcase_add_test(tc, the_perfetto_export_draws_cpu_threads_and_launch_arrows);
	tcase_add_test(tc, the_perfetto_export_is_valid_json_whatever_the_names);
	suite_add_tcase(s, tc);

	tc = tcase_create("summary");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, the_summary_counts_busy_time_as_a_union_per_device);
	tcase_add_test(tc, the_summary_saturates_sums_of_huge_times_instead_of_overflowing);
	tcase_add_test(tc, busy_time_is_exact_out_of_order_within_the_interval_cap);
	tcase_add_test(tc, busy_time_beyond_the_cap_is_exact_in_order_and_flagged_otherwise);
	tcase_add_test(tc, queued_gaps_split_into_same_stream_and_other_stream_waits);
	suite_add_tcase(s, tc);

	tc = tcase_create("analysis");
	tcase_add_test(tc, the_breakdown_counts_each_instant_once_compute_before_communication_before_memory);
	tcase_add_test(tc, steps_come_from_the_records_else_the_whole_trace_is_one_step);
	tcase_add_test(tc, launch_latency_and_queue_length_follow_each_launch_call);
	tcase_add_test(tc, kernel_statistics_are_nearest_rank_percentiles_per_name_and_class);
	tcase_add_loop_test(tc, the_critical_path_follows_the_gpu_then_the_host_then_a_synchronisation,
			    0, 2);
	tcase_add_test(tc, two_ranks_give_rows_per_rank_and_for_the_whole_job);
	tcase_add_test(tc, the_job_critical_path_crosses_to_the_rank_a_collective_waited_for);
	tcase_add_test(tc, the_job_breakdown_sweeps_every_rank_over_the_aligned_step_window);
	tcase_add_test(tc, a_diff_sorts_changes_by_impact_and_counts_what_did_not_change);
	tcase_add_test(tc, a_diff_delta_saturates);
	tcase_add_test(tc, a_module_named_none_is_the_same_row_as_no_module);
	tcase_add_test(tc, a_name_map_keeps_one_value_per_distinct_name);
	tcase_add_test(tc, the_analyses_sorts_give_the_order_qsort_gives);
	tcase_add_test(tc, kernel_statistics_per_name_module_and_class_agree_with_a_count_by_hand);
	tcase_add_test(tc, pooled_strings_have_dense_ids_in_first_seen_order);
	tcase_add_test(tc, a_steps_critical_path_looks_back_past_the_steps_start);
	tcase_add_test(tc, a_launch_queue_counts_the_devices_launches_of_every_step);
	tcase_add_test(tc, launch_queues_per_device_agree_with_a_count_by_hand);
	tcase_add_test(tc, the_jobs_rows_take_every_ranks_step);
	tcase_add_test(tc, the_analyses_sorts_of_inputs_in_key_order_give_qsorts_order);
	tcase_add_test(tc, a_big_block_keeps_its_bytes_as_it_grows_and_is_unmapped);
	tcase_add_test(tc, an_ascending_map_answers_as_an_id_map_in_both_forms);
	tcase_add_test(tc, an_ascending_map_keeps_the_extremes);
	tcase_add_test(tc, a_kernel_links_to_the_last_launch_call_of_its_correlation);
	tcase_add_test(tc, an_analysis_refuses_a_rank_above_its_largest_and_keeps_the_last);
	tcase_add_test(tc, modules_are_named_by_rank_and_id_whenever_their_records_come);
	tcase_add_test(tc, launch_links_are_the_same_on_the_arrays_in_order_and_on_sorted_copies);
	tcase_add_test(tc, the_breakdown_of_random_overlapping_activities_matches_a_count_per_nanosecond);
	suite_add_tcase(s, tc);
	return s;
}
