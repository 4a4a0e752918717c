/*
 * import-gpu.c - pass 2 of the Kineto importer: a GPU event read back from
 * the spill becomes a KERNEL, COLLECTIVE (NCCL metadata: kind, bytes,
 * group, this rank), MEMCPY or MEMSET record, attributed
 * (import-attrib.c), and goes through the reorder window.
 */
#include "traces/core-internal.h"
#include "traces/import-internal.h"
#include "traces/traces.h"

#include <string.h>
#include <strings.h>

static int coll_kind(const char *s)
{
	char b[32];
	size_t k = 0;
	for (; *s && k < sizeof(b) - 1; s++) {
		char c = *s;
		if (c == '_' || c == ' ' || c == '-')
			continue;
		b[k++] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	b[k] = '\0';
	static const struct { const char *n; int kind; } t[] = {
		{"allreduce", TRACE_COLL_ALLREDUCE}, {"allgather", TRACE_COLL_ALLGATHER},
		{"allgatherbase", TRACE_COLL_ALLGATHER}, {"allgatherintotensorcoalesced", TRACE_COLL_ALLGATHER},
		{"reducescatter", TRACE_COLL_REDUCESCATTER},
		{"reducescattertensorcoalesced", TRACE_COLL_REDUCESCATTER},
		{"broadcast", TRACE_COLL_BROADCAST}, {"reduce", TRACE_COLL_REDUCE},
		{"alltoall", TRACE_COLL_ALLTOALL}, {"alltoallv", TRACE_COLL_ALLTOALL},
		{"alltoallbase", TRACE_COLL_ALLTOALL}, {"send", TRACE_COLL_SEND},
		{"recv", TRACE_COLL_RECV}, {"sendrecv", TRACE_COLL_SEND},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (!strcmp(b, t[i].n))
			return t[i].kind;
	return TRACE_COLL_UNKNOWN;
}

/* The collective from an NCCL kernel name: ncclKernel_AllReduce_RING_LL_Sum_float,
 * ncclDevKernel_AllGather_RING_LL, ... */
static int coll_from_kernel(const char *name)
{
	const char *p = strchr(name, '_');
	if (!p)
		return TRACE_COLL_UNKNOWN;
	char b[32];
	size_t k = 0;
	for (p++; *p && *p != '_' && *p != '(' && k < sizeof(b) - 1; p++)
		b[k++] = *p;
	b[k] = '\0';
	return coll_kind(b);
}

static int64_t dtype_bytes(const char *d)
{
	static const struct { const char *n; int b; } t[] = {
		{"float", 4}, {"float32", 4}, {"int", 4}, {"int32", 4}, {"uint32", 4},
		{"double", 8}, {"float64", 8}, {"long", 8}, {"int64", 8}, {"uint64", 8},
		{"half", 2}, {"float16", 2}, {"bfloat16", 2}, {"short", 2}, {"int16", 2},
		{"byte", 1}, {"char", 1}, {"int8", 1}, {"uint8", 1}, {"bool", 1},
		{"float8_e4m3fn", 1}, {"float8_e5m2", 1}, {"float8_e4m3fnuz", 1},
		{"float8_e5m2fnuz", 1},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (!strcasecmp(d, t[i].n))
			return t[i].b;
	return -1;
}

/* This rank's index in "[0, 1, 5]", or -1. */
static int64_t rank_in(const char *ranks, int64_t rank)
{
	if (rank < 0 || !ranks[0])
		return -1;
	int64_t idx = 0;
	const char *p = ranks;
	while (*p) {
		while (*p && (*p < '0' || *p > '9'))
			p++;
		if (!*p)
			break;
		int64_t v = 0;
		while (*p >= '0' && *p <= '9') {
			v = v * 10 + (*p - '0');
			p++;
			if (v > 1000000000)
				return -1;
		}
		if (v == rank)
			return idx;
		idx++;
	}
	return -1;
}

static int copy_kind_of(const char *name)
{
	if (strstr(name, "HtoD"))
		return TRACE_COPY_HTOD;
	if (strstr(name, "DtoH"))
		return TRACE_COPY_DTOH;
	if (strstr(name, "DtoD"))
		return TRACE_COPY_DTOD;
	if (strstr(name, "HtoH"))
		return TRACE_COPY_HTOH;
	if (strstr(name, "PtoP"))
		return TRACE_COPY_PTOP;
	return TRACE_COPY_UNKNOWN;
}

#define FILL_ACTIVITY(r)                                                         \
	do {                                                                     \
		(r).start_ns = im->base_ns + start;                              \
		(r).end_ns = im->base_ns + end;                                  \
		(r).device = imp_ev_device(e);                                   \
		(r).stream = imp_ev_stream(e);                                   \
		(r).module = imp_module_out(im, at.module_name);                 \
		(r).phase = at.phase;                                            \
		(r).step = at.step;                                              \
		(r).correlation = imp_ev_arg(e, A_CORR);                         \
	} while (0)

#define FILL_LAUNCH(r)                                                           \
	do {                                                                     \
		if (e->args_present & (1ULL << A_GRID)) {                        \
			(r).grid_x = e->grid[0];                                 \
			(r).grid_y = e->grid[1];                                 \
			(r).grid_z = e->grid[2];                                 \
		}                                                                \
		if (e->args_present & (1ULL << A_BLOCK)) {                       \
			(r).block_x = e->block[0];                               \
			(r).block_y = e->block[1];                               \
			(r).block_z = e->block[2];                               \
		}                                                                \
		(r).registers = imp_ev_arg(e, A_REGS);                           \
		if (e->args_present & ((1ULL << A_SMEM_STATIC) | (1ULL << A_SMEM_DYN))) { \
			(r).static_smem = imp_ev_arg(e, A_SMEM_STATIC);          \
			(r).dynamic_smem = imp_ev_arg(e, A_SMEM_DYN);            \
		} else {                                                         \
			(r).static_smem = imp_ev_arg(e, A_SMEM);                 \
		}                                                                \
	} while (0)

int imp_pass2_event(struct imp *im)
{
	struct imp_event *e = &im->ev;
	struct trace_record rec;
	struct imp_attrib at;
	int64_t start, end;

	if (e->ph != 'X' || !imp_is_gpu_cat(e->cat))
		return 1;
	if (!imp_ev_times(im, &start, &end))
		return 0;
	const char *name = e->name ? e->name : "";
	if (e->cat == CAT_GPU_ANN)
		return 1; /* written with the markers, after pass 1 */
	imp_attribute(im, e, start, &at);
	if (e->cat == CAT_KERNEL) {
		int is_coll = (e->coll[0] != '\0') || imp_starts_with(name, e->name_len, "nccl");
		if (im->st) {
			if (at.module_name >= 0 && imp_module_out(im, at.module_name) >= 0)
				im->st->attributed++;
			if (at.phase >= 0)
				im->st->phased++;
		}
		if (is_coll) {
			trace_record_init(&rec, TRACE_KIND_COLLECTIVE);
			struct trace_collective *c = &rec.u.collective;
			FILL_ACTIVITY(*c);
			FILL_LAUNCH(*c);
			c->coll = e->coll[0] ? coll_kind(e->coll) : coll_from_kernel(name);
			int64_t nel = imp_ev_arg(e, A_IN_NELEMS), db = dtype_bytes(e->dtype);
			c->bytes = (nel >= 0 && db > 0) ? nel * db : -1;
			c->group_size = imp_ev_arg(e, A_GROUP_SIZE);
			c->group_rank = rank_in(e->pg_ranks, im->rank);
			c->group = e->pg_name;
			c->dtype = e->dtype;
			c->name = name;
			if (im->st)
				im->st->collectives++;
		} else {
			trace_record_init(&rec, TRACE_KIND_KERNEL);
			struct trace_kernel *k = &rec.u.kernel;
			FILL_ACTIVITY(*k);
			FILL_LAUNCH(*k);
			k->occupancy_pct = imp_ev_arg(e, A_OCC);
			k->name = name;
			if (im->st)
				im->st->kernels++;
		}
	} else if (e->cat == CAT_MEMCPY) {
		trace_record_init(&rec, TRACE_KIND_MEMCPY);
		struct trace_memcpy *m = &rec.u.memcpy;
		FILL_ACTIVITY(*m);
		m->bytes = imp_ev_arg(e, A_BYTES);
		m->copy_kind = copy_kind_of(name);
		m->name = name;
		if (im->st)
			im->st->memcpys++;
	} else {
		trace_record_init(&rec, TRACE_KIND_MEMSET);
		struct trace_memset *m = &rec.u.memset;
		FILL_ACTIVITY(*m);
		m->bytes = imp_ev_arg(e, A_BYTES);
		m->name = name;
		if (im->st)
			im->st->memsets++;
	}
	return imp_reorder_push(im, &rec, start) ? 0 : 1;
}
