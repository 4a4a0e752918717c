/* names.c - the mosaic NVTX range encoding and NCCL kernel names (plain C). */
#include "traces/cuda/trace-cuda.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static int copy_value(char *dst, size_t cap, const char *v, size_t n, const char *key,
		      size_t off, struct mo_err *err)
{
	if (n == 0)
		return mo_err_set(err, MO_EINPUT, "offset %zu: empty value for '%s'", off, key);
	if (n >= cap)
		return mo_err_set(err, MO_EINPUT, "offset %zu: value of '%s' longer than %zu bytes",
				  off, key, cap - 1);
	memcpy(dst, v, n);
	dst[n] = '\0';
	return 0;
}

static int parse_count(const char *v, size_t n, const char *key, size_t off, int64_t *out,
		       struct mo_err *err)
{
	int64_t x = 0;

	if (n == 0 || n > 18)
		return mo_err_set(err, MO_EINPUT, "offset %zu: '%s' needs a non-negative integer",
				  off, key);
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)v[i]))
			return mo_err_set(err, MO_EINPUT,
					  "offset %zu: '%s' needs a non-negative integer",
					  off + i, key);
		x = x * 10 + (v[i] - '0');
	}
	*out = x;
	return 0;
}

int trace_cuda_range_parse(const char *msg, struct trace_cuda_range *r, struct mo_err *err)
{
	const char *p = msg;

	memset(r, 0, sizeof(*r));
	r->microbatch = -1;
	r->step = -1;
	if (!msg)
		return mo_err_set(err, MO_EINPUT, "offset 0: no range message");
	while (*p) {
		const char *end = strchr(p, ';');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		const char *eq = memchr(p, '=', len);
		size_t off = (size_t)(p - msg);
		size_t klen, vlen;
		const char *v;
		int rc = 0;

		if (len == 0) { /* tolerate ";;" and a trailing ';' */
			p += end ? 1 : 0;
			continue;
		}
		if (!eq)
			return mo_err_set(err, MO_EINPUT, "offset %zu: expected key=value", off);
		klen = (size_t)(eq - p);
		if (klen == 0)
			return mo_err_set(err, MO_EINPUT, "offset %zu: empty key", off);
		v = eq + 1;
		vlen = len - klen - 1;
		if (klen == 6 && !memcmp(p, "module", 6))
			rc = copy_value(r->module, sizeof(r->module), v, vlen, "module",
					(size_t)(v - msg), err);
		else if (klen == 5 && !memcmp(p, "phase", 5))
			rc = copy_value(r->phase, sizeof(r->phase), v, vlen, "phase",
					(size_t)(v - msg), err);
		else if (klen == 2 && !memcmp(p, "mb", 2))
			rc = parse_count(v, vlen, "mb", (size_t)(v - msg), &r->microbatch, err);
		else if (klen == 4 && !memcmp(p, "step", 4))
			rc = parse_count(v, vlen, "step", (size_t)(v - msg), &r->step, err);
		/* other keys: ignored, so the encoding can grow */
		if (rc)
			return rc;
		p += len + (end ? 1 : 0);
	}
	return 0;
}

static int bad_name(const char *s)
{
	return s && (strchr(s, ';') || strchr(s, '='));
}

int trace_cuda_range_format(char *buf, size_t cap, const char *module, const char *phase,
			    int64_t mb, int64_t step)
{
	size_t n = 0;
	int w;

	if (!buf || cap == 0 || bad_name(module) || bad_name(phase))
		return -MO_EUSAGE;
	buf[0] = '\0';
#define APPEND(...)                                                              \
	do {                                                                     \
		w = snprintf(buf + n, cap - n, __VA_ARGS__);                     \
		if (w < 0 || (size_t)w >= cap - n)                               \
			return -MO_EUSAGE;                                       \
		n += (size_t)w;                                                  \
	} while (0)
	if (module && *module)
		APPEND("%smodule=%s", n ? ";" : "", module);
	if (phase && *phase)
		APPEND("%sphase=%s", n ? ";" : "", phase);
	if (mb >= 0)
		APPEND("%smb=%lld", n ? ";" : "", (long long)mb);
	if (step >= 0)
		APPEND("%sstep=%lld", n ? ";" : "", (long long)step);
#undef APPEND
	return (int)n;
}

int trace_cuda_out_path(const char *tmpl, long pid, const char *rank, char *buf, size_t cap)
{
	size_t n = 0;

	if (!buf || cap == 0)
		return -MO_EUSAGE;
	if (!tmpl || !*tmpl)
		tmpl = "mosaic-%p.mtr";
	if (!rank || !*rank)
		rank = "0";
	for (const char *t = tmpl; *t; t++) {
		char num[32];
		const char *piece = NULL;
		size_t len;

		if (t[0] == '%' && t[1] == 'p') {
			snprintf(num, sizeof(num), "%ld", pid);
			piece = num, t++;
		} else if (t[0] == '%' && t[1] == 'r') {
			piece = rank, t++;
		} else if (t[0] == '%' && t[1] == '%') {
			piece = "%", t++;
		}
		len = piece ? strlen(piece) : 1;
		if (n + len >= cap)
			return -MO_EUSAGE;
		memcpy(buf + n, piece ? piece : t, len);
		n += len;
	}
	buf[n] = '\0';
	return 0;
}

int trace_cuda_is_nccl_kernel(const char *name)
{
	return name && (!strncmp(name, "ncclKernel_", 11) || !strncmp(name, "ncclDevKernel_", 14));
}

/* Longer names first so "ReduceScatter" is not read as "Reduce". */
static const struct {
	const char *token;
	int kind;
} nccl_ops[] = {
	{"AllReduce", TRACE_COLL_ALLREDUCE},
	{"AllGather", TRACE_COLL_ALLGATHER},
	{"ReduceScatter", TRACE_COLL_REDUCESCATTER},
	{"Broadcast", TRACE_COLL_BROADCAST},
	{"AllToAll", TRACE_COLL_ALLTOALL},
	{"SendRecv", TRACE_COLL_SEND},
	{"Send", TRACE_COLL_SEND},
	{"Recv", TRACE_COLL_RECV},
	{"Reduce", TRACE_COLL_REDUCE},
};

/* Element types as NCCL spells them in kernel names. */
static const char *const nccl_types[] = {
	"i8", "u8", "i32", "u32", "i64", "u64", "f16", "f32", "f64", "bf16",
	"f8e4m3", "f8e5m2", "int8_t", "uint8_t", "int32_t", "uint32_t", "int64_t",
	"uint64_t", "half", "float", "double", "__nv_bfloat16",
};

int trace_cuda_nccl_kind(const char *name, char *dtype, size_t dtype_cap)
{
	const char *p;
	int kind = TRACE_COLL_UNKNOWN;

	if (dtype && dtype_cap)
		dtype[0] = '\0';
	if (!trace_cuda_is_nccl_kernel(name))
		return TRACE_COLL_UNKNOWN;
	p = strchr(name, '_') + 1;
	/* the operation is the token right after the prefix */
	for (size_t i = 0; i < sizeof(nccl_ops) / sizeof(nccl_ops[0]); i++) {
		size_t n = strlen(nccl_ops[i].token);
		if (!strncasecmp(p, nccl_ops[i].token, n) && (p[n] == '_' || p[n] == '\0' ||
							      p[n] == '(')) {
			kind = nccl_ops[i].kind;
			break;
		}
	}
	/* the element type is one of the later '_'-separated tokens */
	if (dtype && dtype_cap) {
		const char *t = p;
		while ((t = strchr(t, '_')) != NULL) {
			const char *s = ++t;
			for (size_t i = 0; i < sizeof(nccl_types) / sizeof(nccl_types[0]); i++) {
				size_t n = strlen(nccl_types[i]);
				if (!strncmp(s, nccl_types[i], n) &&
				    (s[n] == '\0' || s[n] == '_' || s[n] == '(') && n < dtype_cap) {
					memcpy(dtype, s, n);
					dtype[n] = '\0';
					return kind;
				}
			}
		}
	}
	return kind;
}
