/*
 * fuzz-analysis.c - libFuzzer target for the time analyses and the diff
 * (traces/analysis*.c, diff.c) on hostile traces: any bytes go through the
 * .mtr reader (seeds: tests/fuzz/corpus/analysis, times near the int64
 * limits, unsorted, overlapping, zero-length), every record read into one
 * analysis as rank 0 and into a second as a job of up to four ranks (the
 * first byte picks how records are dealt), then every analysis is read and
 * the two diffed, each with itself too.  Must never crash, leak, hang or
 * overflow (UBSan); a diff of an analysis with itself changes nothing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "traces/traces.h"

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mo_err err = {0};
	struct trace_record rec;
	struct trace_diff *d = NULL;
	int rc, ranks = size ? 1 + data[size - 1] % 4 : 1;
	uint64_t i = 0;

	struct trace_reader *r = trace_reader_open_mem(data, size, "fuzz.mtr", &err);
	if (!r)
		return 0;
	struct trace_analysis *one = trace_analysis_new(), *job = trace_analysis_new();
	if (!one || !job)
		abort();
	while ((rc = trace_reader_next(r, &rec, &err)) > 0) {
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
	trace_analysis_free(one);
	trace_analysis_free(job);
	trace_reader_free(r);
	return 0;
}
