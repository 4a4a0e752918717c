/* names.c - names of enumerations, record initialisers and the field
 * descriptor tables generated from TRACE_KINDS. */
#include "traces/core-internal.h"

#include <stddef.h>
#include <string.h>
#include <strings.h>

const char *trace_source_name(int source)
{
	switch (source) {
	case TRACE_SOURCE_MEASURED:
		return "measured";
	case TRACE_SOURCE_SIMULATED:
		return "simulated";
	default:
		return "unknown";
	}
}

static const char *const class_names[] = {
#define X(e, s) s,
	TRACE_KERNEL_CLASSES(X)
#undef X
};

/* names[i] of an n-entry table, "unknown" out of range. */
static const char *name_in(const char *const *names, int n, int i)
{
	return i < 0 || i >= n ? "unknown" : names[i];
}

const char *trace_class_name(int cls)
{
	return name_in(class_names, TRACE_CLASS_COUNT, cls);
}

static const char *const coll_names[] = {
#define X(e, s) s,
	TRACE_COLLECTIVES(X)
#undef X
};

const char *trace_collective_name(int kind)
{
	return name_in(coll_names, TRACE_COLL_COUNT, kind);
}

int trace_collective_parse(const char *name)
{
	if (!name)
		return TRACE_COLL_UNKNOWN;
	for (int i = 0; i < TRACE_COLL_COUNT; i++)
		if (!strcasecmp(name, coll_names[i]))
			return i;
	return TRACE_COLL_UNKNOWN;
}

/* ---- descriptor tables ---- */

#define TF_I(n) {#n, TRACE_FIELD_INT, offsetof(TF_STRUCT, n)},
#define TF_S(n) {#n, TRACE_FIELD_STR, offsetof(TF_STRUCT, n)},

#define TF_STRUCT struct trace_header
static const struct trace_field header_fields[] = {TRACE_HEADER_FIELDS(TF_I, TF_S)};
#undef TF_STRUCT
#define TF_STRUCT struct trace_device
static const struct trace_field device_fields[] = {TRACE_DEVICE_FIELDS(TF_I, TF_S)};
#undef TF_STRUCT
#define TF_STRUCT struct trace_stream
static const struct trace_field stream_fields[] = {TRACE_STREAM_FIELDS(TF_I, TF_S)};
#undef TF_STRUCT
#define TF_STRUCT struct trace_partition
static const struct trace_field partition_fields[] = {TRACE_PARTITION_FIELDS(TF_I, TF_S)};
#undef TF_STRUCT
#define TF_STRUCT struct trace_module
static const struct trace_field module_fields[] = {TRACE_MODULE_FIELDS(TF_I, TF_S)};
#undef TF_STRUCT
#define TF_STRUCT struct trace_phase
static const struct trace_field phase_fields[] = {TRACE_PHASE_FIELDS(TF_I, TF_S)};
#undef TF_STRUCT
#define TF_STRUCT struct trace_kernel
static const struct trace_field kernel_fields[] = {TRACE_KERNEL_FIELDS(TF_I, TF_S)};
#undef TF_STRUCT
#define TF_STRUCT struct trace_memcpy
static const struct trace_field memcpy_fields[] = {TRACE_MEMCPY_FIELDS(TF_I, TF_S)};
#undef TF_STRUCT
#define TF_STRUCT struct trace_memset
static const struct trace_field memset_fields[] = {TRACE_MEMSET_FIELDS(TF_I, TF_S)};
#undef TF_STRUCT
#define TF_STRUCT struct trace_collective
static const struct trace_field collective_fields[] = {TRACE_COLLECTIVE_FIELDS(TF_I, TF_S)};
#undef TF_STRUCT
#define TF_STRUCT struct trace_marker
static const struct trace_field marker_fields[] = {TRACE_MARKER_FIELDS(TF_I, TF_S)};
#undef TF_STRUCT
#define TF_STRUCT struct trace_thread
static const struct trace_field thread_fields[] = {TRACE_THREAD_FIELDS(TF_I, TF_S)};
#undef TF_STRUCT
#define TF_STRUCT struct trace_cpu_op
static const struct trace_field cpu_op_fields[] = {TRACE_CPU_OP_FIELDS(TF_I, TF_S)};
#undef TF_STRUCT
#define TF_STRUCT struct trace_api_call
static const struct trace_field api_call_fields[] = {TRACE_API_CALL_FIELDS(TF_I, TF_S)};
#undef TF_STRUCT

/* A kind added to TRACE_KINDS without a table above fails to compile here. */
static const struct trace_kind_desc kind_descs[TRACE_KIND_MAX] = {
#define X(num, lower, UPPER)                                                     \
	[num] = {#lower, lower##_fields, sizeof(lower##_fields) / sizeof(lower##_fields[0])},
	TRACE_KINDS(X)
#undef X
};

static const struct trace_kind_desc header_desc = {
	"header", header_fields, sizeof(header_fields) / sizeof(header_fields[0])};

const struct trace_kind_desc *trace_kind_desc(int kind)
{
	if (kind <= 0 || kind >= TRACE_KIND_MAX || !kind_descs[kind].name)
		return NULL;
	return &kind_descs[kind];
}

const struct trace_kind_desc *trace_header_desc(void)
{
	return &header_desc;
}

const char *trace_kind_name(int kind)
{
	const struct trace_kind_desc *d = trace_kind_desc(kind);
	return d ? d->name : "unknown";
}

/* ---- initialisers ---- */

static void fill_defaults(void *base, const struct trace_kind_desc *d)
{
	for (size_t i = 0; i < d->nfields; i++) {
		const struct trace_field *f = &d->fields[i];
		if (f->type == TRACE_FIELD_INT)
			TRACE_FIELD_I(base, f) = -1;
		else
			TRACE_FIELD_S(base, f) = "";
	}
}

void trace_header_init(struct trace_header *h)
{
	memset(h, 0, sizeof(*h));
	fill_defaults(h, &header_desc);
	h->source = TRACE_SOURCE_MEASURED;
	h->quota_sms = 0;
}

void trace_record_init(struct trace_record *rec, enum trace_kind kind)
{
	const struct trace_kind_desc *d = trace_kind_desc(kind);

	memset(rec, 0, sizeof(*rec));
	rec->kind = kind;
	if (d)
		fill_defaults(&rec->u, d);
}

const char *trace_record_diff(const struct trace_record *a, const struct trace_record *b)
{
	const struct trace_kind_desc *d = trace_kind_desc(a->kind);
	const void *p = trace_record_cbody(a), *q = trace_record_cbody(b);

	if (a->kind != b->kind)
		return "kind";
	for (size_t i = 0; d && i < d->nfields; i++) {
		const struct trace_field *f = &d->fields[i];
		if (f->type == TRACE_FIELD_INT ? TRACE_FIELD_CI(p, f) != TRACE_FIELD_CI(q, f)
					       : strcmp(TRACE_FIELD_CS(p, f), TRACE_FIELD_CS(q, f)))
			return f->name;
	}
	return NULL;
}

int trace_record_span(const struct trace_record *rec, int64_t *start_ns, int64_t *end_ns)
{
	int64_t s, e;

	switch (rec->kind) {
	case TRACE_KIND_KERNEL:
		s = rec->u.kernel.start_ns, e = rec->u.kernel.end_ns;
		break;
	case TRACE_KIND_MEMCPY:
		s = rec->u.memcpy.start_ns, e = rec->u.memcpy.end_ns;
		break;
	case TRACE_KIND_MEMSET:
		s = rec->u.memset.start_ns, e = rec->u.memset.end_ns;
		break;
	case TRACE_KIND_COLLECTIVE:
		s = rec->u.collective.start_ns, e = rec->u.collective.end_ns;
		break;
	case TRACE_KIND_MARKER:
		s = rec->u.marker.start_ns, e = rec->u.marker.end_ns;
		break;
	default:
		return -1;
	}
	if (start_ns)
		*start_ns = s;
	if (end_ns)
		*end_ns = e;
	return 0;
}

int trace_api_enqueues(const char *name)
{
	static const char *const prefixes[] = {
		"cudaLaunchKernel", "cuLaunchKernel", "cudaLaunchCooperativeKernel",
		"cudaMemcpy", "cudaMemset", "cuMemcpy", "cuMemset", "cudaGraphLaunch",
		"cuGraphLaunch",
	};
	for (size_t i = 0; name && i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (!strncmp(name, prefixes[i], strlen(prefixes[i])))
			return 1;
	return 0;
}
