/*
 * trace-find.h - looking records up in an in-memory trace, shared by the
 * suites that check what an importer or translator produced (test-import,
 * tests/cuda/test-cupti).  Linear scans: test traces are small.
 */
#ifndef MOSAIC_TESTS_TRACE_FIND_H
#define MOSAIC_TESTS_TRACE_FIND_H

#include <stddef.h>
#include <stdint.h>

#include "traces/traces.h"

/* How many records of kind k t holds. */
size_t test_count_kind(const struct trace_mem *t, enum trace_kind k);
/* The nth (from 0) record of kind k, NULL when there are fewer. */
const struct trace_record *test_nth_kind(const struct trace_mem *t, enum trace_kind k, size_t nth);
/* The name of module (phase) id as t defines it, "(none)" when it does not. */
const char *test_module_name(const struct trace_mem *t, int64_t id);
const char *test_phase_name(const struct trace_mem *t, int64_t id);

#endif
