/* trace-find.c - record lookups in an in-memory trace (trace-find.h). */
#include "tests/common/trace-find.h"

size_t test_count_kind(const struct trace_mem *t, enum trace_kind k)
{
	size_t n = 0;

	for (size_t i = 0; i < t->n; i++)
		n += t->recs[i].kind == k;
	return n;
}

const struct trace_record *test_nth_kind(const struct trace_mem *t, enum trace_kind k, size_t nth)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->recs[i].kind == k && nth-- == 0)
			return &t->recs[i];
	return NULL;
}

const char *test_module_name(const struct trace_mem *t, int64_t id)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->recs[i].kind == TRACE_KIND_MODULE && t->recs[i].u.module.id == id)
			return t->recs[i].u.module.name;
	return "(none)";
}

const char *test_phase_name(const struct trace_mem *t, int64_t id)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->recs[i].kind == TRACE_KIND_PHASE && t->recs[i].u.phase.id == id)
			return t->recs[i].u.phase.name;
	return "(none)";
}
