/*
 * import-events.c - the Kineto importer's JSON callbacks: they follow where
 * the reader is (top-level object, traceEvents, an event, its args,
 * deviceProperties, distributedInfo), fill struct imp_event from the keys
 * the importer reads (the others are skipped without callbacks), refuse
 * events that are not Chrome trace events, and hand each finished event
 * to pass 1 (import-pass1.c).  See import-kineto.c for the format.
 */
#include "traces/core-internal.h"
#include "traces/import-internal.h"
#include "traces/traces.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAME_MAX_KEEP 4096

static unsigned long long cur_offset(struct imp *im)
{
	return imp_json_offset(&im->json);
}

static enum cat cat_of(const unsigned char *s, size_t n)
{
#define IS(lit) (n == sizeof(lit) - 1 && !memcmp(s, lit, n))
	if (IS("kernel") || IS("Kernel"))
		return CAT_KERNEL;
	if (IS("gpu_memcpy") || IS("Memcpy"))
		return CAT_MEMCPY;
	if (IS("gpu_memset") || IS("Memset"))
		return CAT_MEMSET;
	if (IS("cpu_op") || IS("Operator") || IS("operator"))
		return CAT_CPU_OP;
	if (IS("cuda_runtime") || IS("Runtime") || IS("cuda_driver") || IS("runtime"))
		return CAT_RUNTIME;
	if (IS("user_annotation") || IS("User annotation"))
		return CAT_USER_ANN;
	if (IS("gpu_user_annotation") || IS("GPU user annotation"))
		return CAT_GPU_ANN;
	if (IS("python_function"))
		return CAT_PYFUNC;
	return CAT_OTHER;
#undef IS
}

/* Normalise a pid/tid string: digits -> the number, "stream N" -> N, other
 * strings -> a hash with the top bit set (never equal to a number). */
static int64_t id_of_string(const unsigned char *s, size_t n)
{
	size_t i = 0;
	if (n > 7 && !memcmp(s, "stream ", 7))
		i = 7;
	if (i < n) {
		int64_t v = 0;
		size_t j = i;
		for (; j < n && s[j] >= '0' && s[j] <= '9' && v < 100000000000000LL; j++)
			v = v * 10 + (s[j] - '0');
		if (j == n)
			return v;
	}
	return (int64_t)(trace_hash_bytes((const char *)s, n) | 0x4000000000000000ULL) * -1;
}

static enum imp_frame top(const struct imp *im)
{
	return im->stack[im->depth - 1];
}

static int push(struct imp *im, enum imp_frame f)
{
	if (im->depth >= (int)(sizeof(im->stack) / sizeof(im->stack[0])))
		return imp_fail(im, cur_offset(im), "nesting too deep");
	im->stack[im->depth++] = f;
	im->key = 0;
	return 1;
}

static void event_reset(struct imp *im)
{
	struct imp_event *e = &im->ev;
	e->present = 0;
	e->args_present = 0;
	e->ph = 0;
	e->cat = CAT_OTHER;
	e->name_len = 0;
	if (e->name)
		e->name[0] = '\0';
	e->coll[0] = e->dtype[0] = e->pg_name[0] = e->pg_ranks[0] = '\0';
	e->pid = e->tid = -1;
}

static int finish_event(struct imp *im)
{
	struct imp_event *e = &im->ev;

	if (im->st && im->pass == 1)
		im->st->events++;
	if (!(e->present & P_PH))
		return imp_fail(im, e->offset, "event has no \"ph\" (not a Chrome trace event)");
	if (e->ph == 'X' || e->ph == 'B' || e->ph == 'E' || e->ph == 'i' || e->ph == 'I') {
		if (!(e->present & P_TS))
			return imp_fail(im, e->offset, "event '%.80s' has no \"ts\"", e->name ? e->name : "");
	}
	if (e->ph == 'X') {
		if (!(e->present & P_DUR))
			return imp_fail(im, e->offset, "complete event '%.80s' has no \"dur\"",
				    e->name ? e->name : "");
		if (e->dur < 0)
			return imp_fail(im, e->offset, "event '%.80s' has a negative \"dur\"",
				    e->name ? e->name : "");
	}
	if (im->pass == 1) {
		int r = imp_pass1_event(im);
		if (r && im->st && !(e->ph == 'X' && (imp_is_gpu_cat(e->cat) || e->cat == CAT_CPU_OP ||
						   e->cat == CAT_RUNTIME || e->cat == CAT_USER_ANN ||
						   e->cat == CAT_PYFUNC)))
			im->st->ignored++;
		return r;
	}
	return imp_pass2_event(im);
}

/* A container the importer does not read (an object or array where it
 * wants neither): the JSON reader checks the rest of it without callbacks. */
static int skip_container(struct imp *im)
{
	imp_json_skip_container(&im->json);
	return 1;
}

/* The document's one top-level value (an object or an array) starts as
 * frame f; a second one is an error. */
static int push_top(struct imp *im, enum imp_frame f)
{
	if (im->top_seen)
		return imp_fail(im, cur_offset(im), "more than one JSON value");
	im->top_seen = 1;
	return push(im, f);
}

static int cb_start_map(void *ctx)
{
	struct imp *im = ctx;
	if (im->depth == 0)
		return push_top(im, F_TOP_MAP);
	switch (top(im)) {
	case F_TOP_MAP:
		if (im->key == T_DINFO)
			return push(im, F_DINFO);
		if (im->key == T_EVENTS)
			return imp_fail(im, cur_offset(im), "\"traceEvents\" is not an array");
		return skip_container(im);
	case F_EVENTS:
		event_reset(im);
		im->ev.offset = cur_offset(im) - 1;
		return push(im, F_EVENT);
	case F_EVENT:
		if (im->key == E_ARGS) {
			im->ev.present |= P_ARGS;
			return push(im, F_ARGS);
		}
		if (im->key >= E_PH && im->key <= E_DUR)
			return imp_fail(im, im->ev.offset, "event field is an object, not a value");
		return skip_container(im);
	case F_PROPS:
		memset(&im->cur_prop, 0, sizeof(im->cur_prop));
		trace_header_init(&im->cur_prop.h);
		im->cur_prop.id = -1;
		return push(im, F_PROP);
	default:
		return skip_container(im);
	}
}

static int cb_end_map(void *ctx)
{
	struct imp *im = ctx;
	enum imp_frame f = top(im);
	im->depth--;
	im->key = 0;
	if (f == F_EVENT)
		return finish_event(im);
	if (f == F_ARGS) {
		im->key = E_NONE;
		return 1;
	}
	if (f == F_PROP) {
		if (im->pass == 1) {
			if (MO_GROW(im->props, im->nprops + 1, im->props_cap) < 0) {
				free(im->cur_prop.name);
				return imp_nomem(im);
			}
			im->props[im->nprops++] = im->cur_prop;
		} else {
			free(im->cur_prop.name);
		}
		memset(&im->cur_prop, 0, sizeof(im->cur_prop));
		return 1;
	}
	if (f == F_TOP_MAP && !im->have_events)
		return imp_fail(im, cur_offset(im), "no \"traceEvents\" array: not a Kineto / Chrome trace");
	return 1;
}

static int cb_start_array(void *ctx)
{
	struct imp *im = ctx;
	if (im->depth == 0) {
		im->have_events = 1;
		return push_top(im, F_EVENTS);
	}
	switch (top(im)) {
	case F_TOP_MAP:
		if (im->key == T_EVENTS) {
			if (im->have_events)
				return imp_fail(im, cur_offset(im), "more than one \"traceEvents\"");
			im->have_events = 1;
			return push(im, F_EVENTS);
		}
		if (im->key == T_PROPS)
			return push(im, F_PROPS);
		return skip_container(im);
	case F_EVENTS:
		return imp_fail(im, cur_offset(im), "trace event is an array, not an object");
	case F_EVENT:
		if (im->key == E_ARGS)
			return imp_fail(im, im->ev.offset, "event \"args\" is not an object");
		if (im->key >= E_PH && im->key <= E_DUR)
			return imp_fail(im, im->ev.offset, "event field is an array, not a value");
		return skip_container(im);
	case F_ARGS:
		if (im->key == A_GRID || im->key == A_BLOCK) {
			int k = im->key;
			im->dim_index = 0;
			int r = push(im, F_ARGS_DIM);
			im->key = k;
			if (k == A_GRID)
				im->ev.grid[0] = im->ev.grid[1] = im->ev.grid[2] = 1;
			else
				im->ev.block[0] = im->ev.block[1] = im->ev.block[2] = 1;
			im->ev.args_present |= 1ULL << k;
			return r;
		}
		return skip_container(im);
	default:
		return skip_container(im);
	}
}

static int cb_end_array(void *ctx)
{
	struct imp *im = ctx;
	enum imp_frame f = top(im);
	im->depth--;
	im->key = f == F_ARGS_DIM ? A_NONE : 0;
	return 1;
}

#define KEY_IS(lit) (len == sizeof(lit) - 1 && !memcmp(s, lit, len))

/* The args key s names (both spellings of External id), by length first:
 * called for every args key, where a table scan cost 4% of an import. */
static enum argkey arg_key(const unsigned char *s, size_t len)
{
	switch (len) {
	case 4: return KEY_IS("grid") ? A_GRID : A_NONE;
	case 5: return KEY_IS("block") ? A_BLOCK : KEY_IS("bytes") ? A_BYTES
		     : KEY_IS("dtype") ? A_DTYPE : A_NONE;
	case 6: return KEY_IS("device") ? A_DEVICE : KEY_IS("stream") ? A_STREAM : A_NONE;
	case 10: return KEY_IS("Group size") ? A_GROUP_SIZE : A_NONE;
	case 11: return KEY_IS("External id") || KEY_IS("external id") ? A_EXT
		      : KEY_IS("correlation") ? A_CORR : A_NONE;
	case 13: return KEY_IS("shared memory") ? A_SMEM : KEY_IS("Fwd thread id") ? A_FWDTID
		      : KEY_IS("In msg nelems") ? A_IN_NELEMS : A_NONE;
	case 14: return KEY_IS("Out msg nelems") ? A_OUT_NELEMS : A_NONE;
	case 15: return KEY_IS("Sequence number") ? A_SEQ
		      : KEY_IS("Collective name") ? A_COLL : A_NONE;
	case 18: return KEY_IS("Process Group Name") ? A_PG_NAME : A_NONE;
	case 19: return KEY_IS("Process Group Ranks") ? A_PG_RANKS : A_NONE;
	case 20: return KEY_IS("registers per thread") ? A_REGS
		      : KEY_IS("static shared memory") ? A_SMEM_STATIC : A_NONE;
	case 21: return KEY_IS("dynamic shared memory") ? A_SMEM_DYN : A_NONE;
	case 25: return KEY_IS("est. achieved occupancy %") ? A_OCC : A_NONE;
	default: return A_NONE;
	}
}

static int cb_map_key(void *ctx, const unsigned char *s, size_t len)
{
	struct imp *im = ctx;
	switch (top(im)) {
	case F_EVENT:
		im->key = E_NONE;
		switch (len) {
		case 2:
			if (KEY_IS("ph")) im->key = E_PH;
			else if (KEY_IS("ts")) im->key = E_TS;
			break;
		case 3:
			if (KEY_IS("cat")) im->key = E_CAT;
			else if (KEY_IS("pid")) im->key = E_PID;
			else if (KEY_IS("tid")) im->key = E_TID;
			else if (KEY_IS("dur")) im->key = E_DUR;
			break;
		case 4:
			if (KEY_IS("name")) im->key = E_NAME;
			else if (KEY_IS("args")) im->key = E_ARGS;
			break;
		}
		if (im->key == E_NONE)
			imp_json_skip_value(&im->json);
		return 1;
	case F_ARGS:
		im->key = arg_key(s, len);
		if (im->key == A_NONE)
			imp_json_skip_value(&im->json);
		return 1;
	case F_TOP_MAP:
		im->key = T_NONE;
		if (KEY_IS("traceEvents")) im->key = T_EVENTS;
		else if (KEY_IS("deviceProperties")) im->key = T_PROPS;
		else if (KEY_IS("baseTimeNanoseconds")) im->key = T_BASE;
		else if (KEY_IS("distributedInfo")) im->key = T_DINFO;
		if (im->key == T_NONE)
			imp_json_skip_value(&im->json);
		return 1;
	case F_PROP: {
		static const char *const pk[] = {
			"id", "name", "totalGlobalMem", "computeMajor", "computeMinor",
			"maxThreadsPerBlock", "maxThreadsPerMultiprocessor", "regsPerBlock",
			"regsPerMultiprocessor", "warpSize", "sharedMemPerBlock",
			"sharedMemPerMultiprocessor", "numSms", "sharedMemPerBlockOptin",
			"multiProcessorCount",
		};
		im->prop_key = -1;
		for (size_t i = 0; i < sizeof(pk) / sizeof(pk[0]); i++)
			if (strlen(pk[i]) == len && !memcmp(pk[i], s, len))
				im->prop_key = (int)i;
		return 1;
	}
	case F_DINFO:
		im->key = KEY_IS("rank") ? 1 : 0;
		return 1;
	default:
		return 1;
	}
}

static void prop_set(struct imp *im, int64_t v)
{
	struct trace_header *h = &im->cur_prop.h;
	switch (im->prop_key) {
	case 0: im->cur_prop.id = v; break;
	case 2: h->gpu_mem_bytes = v; break;
	case 3: h->gpu_cc_major = v; break;
	case 4: h->gpu_cc_minor = v; break;
	case 5: h->gpu_max_threads_per_block = v; break;
	case 6: h->gpu_max_threads_per_sm = v; break;
	case 7: h->gpu_regs_per_block = v; break;
	case 8: h->gpu_regs_per_sm = v; break;
	case 9: h->gpu_warp_size = v; break;
	case 10: h->gpu_smem_per_block = v; break;
	case 11: h->gpu_smem_per_sm = v; break;
	case 12: case 14: h->gpu_sms = v; break;
	case 13: h->gpu_smem_per_block_optin = v; break;
	default: break;
	}
}

static int wrong_type(struct imp *im, const char *what)
{
	static const char *const names[] = {"", "ph", "cat", "name", "pid", "tid", "ts", "dur", "args"};
	return imp_fail(im, im->ev.offset, "event \"%s\" is %s", names[im->key], what);
}

static int cb_number(void *ctx, const char *s, size_t len)
{
	struct imp *im = ctx;
	imp_fixed v;

	if (im->depth == 0)
		return imp_fail(im, cur_offset(im), "a number, not a trace");
	switch (top(im)) {
	case F_EVENT:
		switch (im->key) {
		case E_TS:
		case E_DUR:
			if (imp_parse_fixed(s, len, &v) < 0)
				return imp_fail(im, im->ev.offset, "number '%.*s' out of range",
					    (int)(len > 40 ? 40 : len), s);
			if (im->key == E_TS) {
				im->ev.ts = v;
				im->ev.present |= P_TS;
			} else {
				im->ev.dur = v;
				im->ev.present |= P_DUR;
			}
			return 1;
		case E_PID:
		case E_TID: {
			int64_t iv;
			if (imp_parse_int(s, len, &iv) < 0)
				iv = 0;
			if (im->key == E_PID) {
				im->ev.pid = iv;
				im->ev.present |= P_PID;
			} else {
				im->ev.tid = iv;
				im->ev.present |= P_TID;
			}
			return 1;
		}
		case E_PH: return wrong_type(im, "a number, not a string");
		case E_CAT: return wrong_type(im, "a number, not a string");
		case E_NAME: return wrong_type(im, "a number, not a string");
		case E_ARGS: return wrong_type(im, "a number, not an object");
		default: return 1;
		}
	case F_ARGS:
		if (im->key == A_NONE || im->key == A_COLL || im->key == A_DTYPE ||
		    im->key == A_PG_NAME || im->key == A_PG_RANKS || im->key == A_GRID ||
		    im->key == A_BLOCK)
			return 1;
		if (imp_parse_int(s, len, &im->ev.a[im->key]) < 0)
			return 1; /* out of range: treat as absent */
		im->ev.args_present |= 1ULL << im->key;
		return 1;
	case F_ARGS_DIM:
		if (im->dim_index < 3) {
			int64_t *d = im->key == A_GRID ? im->ev.grid : im->ev.block;
			int64_t iv;
			if (imp_parse_int(s, len, &iv) == 0)
				d[im->dim_index] = iv;
		}
		im->dim_index++;
		return 1;
	case F_TOP_MAP:
		if (im->key == T_BASE) {
			im->base_off = cur_offset(im);
			if (imp_parse_fixed(s, len, &v) != 0 || v > (imp_fixed)INT64_MAX * IMP_FIXED_ONE ||
			    v < (imp_fixed)INT64_MIN * IMP_FIXED_ONE)
				return imp_fail(im, im->base_off, "baseTimeNanoseconds out of range");
			im->base_ns = imp_fixed_to_int(v);
			im->have_base = 1;
		}
		return 1;
	case F_PROP:
		if (imp_parse_fixed(s, len, &v) == 0)
			prop_set(im, imp_fixed_to_int(v));
		return 1;
	case F_DINFO:
		if (im->key == 1 && imp_parse_fixed(s, len, &v) == 0)
			im->rank = imp_fixed_to_int(v);
		return 1;
	case F_EVENTS:
		return imp_fail(im, cur_offset(im), "trace event is a number, not an object");
	default:
		return 1;
	}
}

static void copy_small(char *dst, size_t cap, const unsigned char *s, size_t len)
{
	if (len >= cap)
		len = cap - 1;
	memcpy(dst, s, len);
	dst[len] = '\0';
}

static int cb_string(void *ctx, const unsigned char *s, size_t len)
{
	struct imp *im = ctx;
	struct imp_event *e = &im->ev;

	if (im->depth == 0)
		return imp_fail(im, cur_offset(im), "a string, not a trace");
	switch (top(im)) {
	case F_EVENT:
		switch (im->key) {
		case E_PH:
			e->ph = len ? (char)s[0] : 0;
			e->present |= P_PH;
			return 1;
		case E_CAT:
			e->cat = cat_of(s, len);
			return 1;
		case E_NAME:
			if (len > NAME_MAX_KEEP)
				len = NAME_MAX_KEEP;
			if (MO_GROW(e->name, len + 1, e->name_cap) < 0)
				return imp_nomem(im);
			memcpy(e->name, s, len);
			e->name[len] = '\0';
			e->name_len = len;
			e->present |= P_NAME;
			return 1;
		case E_PID:
			e->pid = id_of_string(s, len);
			e->present |= P_PID;
			return 1;
		case E_TID:
			e->tid = id_of_string(s, len);
			e->present |= P_TID;
			return 1;
		case E_TS:
		case E_DUR:
			return wrong_type(im, "a string, not a number");
		case E_ARGS:
			return wrong_type(im, "a string, not an object");
		default:
			return 1;
		}
	case F_ARGS:
		switch (im->key) {
		case A_COLL: copy_small(e->coll, sizeof(e->coll), s, len); break;
		case A_DTYPE: copy_small(e->dtype, sizeof(e->dtype), s, len); break;
		case A_PG_NAME: copy_small(e->pg_name, sizeof(e->pg_name), s, len); break;
		case A_PG_RANKS: copy_small(e->pg_ranks, sizeof(e->pg_ranks), s, len); break;
		default: break;
		}
		return 1;
	case F_PROP:
		if (im->prop_key == 1 && !im->cur_prop.name) {
			im->cur_prop.name = malloc(len + 1);
			if (!im->cur_prop.name)
				return imp_nomem(im);
			memcpy(im->cur_prop.name, s, len);
			im->cur_prop.name[len] = '\0';
		}
		return 1;
	case F_EVENTS:
		return imp_fail(im, cur_offset(im), "trace event is a string, not an object");
	default:
		return 1;
	}
}

static int cb_scalar_other(struct imp *im, const char *what)
{
	if (im->depth == 0)
		return imp_fail(im, cur_offset(im), "%s, not a trace", what);
	if (top(im) == F_EVENTS)
		return imp_fail(im, cur_offset(im), "trace event is %s, not an object", what);
	if (top(im) == F_EVENT) {
		if (im->key == E_TS || im->key == E_DUR) {
			char buf[64];
			snprintf(buf, sizeof(buf), "%s, not a number", what);
			return wrong_type(im, buf);
		}
		if (im->key == E_ARGS) {
			char buf[64];
			snprintf(buf, sizeof(buf), "%s, not an object", what);
			return wrong_type(im, buf);
		}
		if (im->key == E_PH) {
			char buf[64];
			snprintf(buf, sizeof(buf), "%s, not a string", what);
			return wrong_type(im, buf);
		}
	}
	if (top(im) == F_ARGS_DIM)
		im->dim_index++;
	return 1;
}

static int cb_null(void *ctx)
{
	return cb_scalar_other(ctx, "null");
}

static int cb_boolean(void *ctx, int b)
{
	(void)b;
	return cb_scalar_other(ctx, "a boolean");
}

const struct imp_json_callbacks imp_kineto_callbacks = {
	.null = cb_null,
	.boolean = cb_boolean,
	.number = cb_number,
	.string = cb_string,
	.start_map = cb_start_map,
	.map_key = cb_map_key,
	.end_map = cb_end_map,
	.start_array = cb_start_array,
	.end_array = cb_end_array,
};
