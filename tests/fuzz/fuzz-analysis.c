/*
 * fuzz-analysis.c - libFuzzer target for the time analyses and the diff
 * (traces/analysis*.c, diff.c) on hostile traces: any bytes go through the
 * .mtr reader (seeds: tests/fuzz/corpus/analysis, times near the int64
 * limits, unsorted, overlapping, zero-length), every record read into one
 * analysis as rank 0 and into a second as a job of up to four ranks (the
 * first byte picks how records are dealt), then every analysis is read and
 * the two diffed, each with itself too.  Must never crash, leak, hang or
 * overflow (UBSan); a diff of an analysis with itself changes nothing.  The
 * API calls' correlations and starts also go into an ascending map (what the
 * summary keeps) and an id map, which must answer alike for every key put.
 * The analyses' big blocks (TRACE_BIG_MIN is 512 bytes in the fuzz build, so
 * their mappings and mremap growth are fuzzed) must all be unmapped after
 * (ASan does not see a leaked mapping: trace_big_live counts them).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "traces/traces.h"
#include "traces/core-internal.h"

/* Read every row of every analysis (the sums are where overflows show). */
static void read_all(const struct trace_analysis *a)
{
	const struct trace_breakdown *b;
	const struct trace_overlap *o;
	const struct trace_launch *l;
	const struct trace_kernel_stats *k;
	const struct trace_path *p;
	volatile uint64_t sink = 0; /* xor: the values may be anything */
	size_t n;

	n = trace_analysis_breakdown(a, &b);
	for (size_t i = 0; i < n; i++)
		sink ^= (uint64_t)b[i].total_ns;
	n = trace_analysis_overlap(a, &o);
	for (size_t i = 0; i < n; i++)
		sink ^= (uint64_t)o[i].overlapped_ns;
	n = trace_analysis_launch(a, &l);
	sink ^= (uint64_t)(int64_t)n;
	n = trace_analysis_kernel_stats(a, &k);
	sink ^= (uint64_t)(int64_t)n;
	n = trace_analysis_class_stats(a, &k);
	sink ^= (uint64_t)(int64_t)n;
	n = trace_analysis_module_stats(a, &k);
	sink ^= (uint64_t)(int64_t)n;
	n = trace_analysis_critical_path(a, &p);
	sink ^= (uint64_t)(int64_t)n;
	for (int r = 0; r < trace_analysis_ranks(a); r++)
		sink ^= (uint64_t)trace_analysis_rank_offset(a, r);
	(void)sink;
}

static void self_diff(const struct trace_analysis *a)
{
	struct trace_diff *d = NULL;
	struct mo_err err = {0};
	if (trace_diff_new(a, a, &d, &err) == 0 && d->n != 0)
		abort(); /* a trace against itself changed */
	trace_diff_free(d);
}

/* The ascending map against the id map, on every key put (keys[0..n)). */
static void maps_agree(struct trace_ascmap *asc, const struct trace_idmap *want,
		       const int64_t *keys, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		const size_t *w = trace_idmap_get(want, keys[k], 0);
		int64_t got;
		if (!w || !trace_ascmap_get(asc, keys[k], &got) || got != (int64_t)*w)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mo_err err = {0};
	struct trace_record rec;
	struct trace_diff *d = NULL;
	int rc, ranks = size ? 1 + data[size - 1] % 4 : 1;
	uint64_t i = 0;
	struct trace_ascmap asc = {0};
	struct trace_idmap want;
	int64_t *keys = NULL;
	size_t nkeys = 0, keys_cap = 0;

	struct trace_reader *r = trace_reader_open_mem(data, size, "fuzz.mtr", &err);
	if (!r)
		return 0;
	struct trace_analysis *one = trace_analysis_new(), *job = trace_analysis_new();
	if (!one || !job)
		abort();
	trace_idmap_init(&want);
	while ((rc = trace_reader_next(r, &rec, &err)) > 0) {
		if (rec.kind == TRACE_KIND_API_CALL) {
			int64_t c = rec.u.api_call.correlation, t = rec.u.api_call.start_ns;
			if (MO_GROW(keys, nkeys + 1, keys_cap) < 0 || trace_ascmap_put(&asc, c, t) < 0 ||
			    trace_idmap_put(&want, c, 0, (size_t)t) < 0)
				abort();
			keys[nkeys++] = c;
		}
		if (trace_analysis_add(one, &rec, &err) < 0)
			break;
		trace_analysis_rank(job, (int)(i++ % (uint64_t)ranks));
		if (trace_analysis_add(job, &rec, &err) < 0)
			break;
	}
	if (trace_analysis_finish(one, &err) == 0 && trace_analysis_finish(job, &err) == 0) {
		read_all(one);
		read_all(job);
		self_diff(one);
		self_diff(job);
		if (trace_diff_new(one, job, &d, &err) == 0)
			for (size_t k = 0; k < d->n; k++)
				(void)trace_diff_delta(&d->items[k]);
		trace_diff_free(d);
	}
	maps_agree(&asc, &want, keys, nkeys);
	trace_ascmap_release(&asc);
	trace_idmap_release(&want);
	free(keys);
	trace_analysis_free(one);
	trace_analysis_free(job);
	trace_reader_free(r);
	if (trace_big_live() != 0)
		abort(); /* a big block was not freed */
	return 0;
}
