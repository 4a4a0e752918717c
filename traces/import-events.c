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

static unsigned long long cur_offset(struct imp *im)
{
	return imp_json_offset(&im->json);
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
		imp_event_reset(im);
		im->ev.offset = cur_offset(im) - 1;
		if (!push(im, F_EVENT))
			return 0;
		return im->opts.token_events ? 1 : imp_fast_event(im);
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
			int r = push(im, F_ARGS_DIM);
			im->key = k;
			imp_dims_start(im, k);
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

static int cb_map_key(void *ctx, const unsigned char *s, size_t len)
{
	struct imp *im = ctx;
	switch (top(im)) {
	case F_EVENT:
		im->key = imp_event_key(s, len);
		if (im->key == E_NONE)
			imp_json_skip_value(&im->json);
		return 1;
	case F_ARGS:
		im->key = imp_arg_key(s, len);
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

static int cb_number(void *ctx, const char *s, size_t len)
{
	struct imp *im = ctx;
	imp_fixed v;

	if (im->depth == 0)
		return imp_fail(im, cur_offset(im), "a number, not a trace");
	switch (top(im)) {
	case F_EVENT:
		return imp_ev_number(im, im->key, s, len);
	case F_ARGS:
		return imp_arg_number(im, im->key, s, len);
	case F_ARGS_DIM:
		return imp_dim_number(im, im->key, s, len);
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

static int cb_string(void *ctx, const unsigned char *s, size_t len)
{
	struct imp *im = ctx;

	if (im->depth == 0)
		return imp_fail(im, cur_offset(im), "a string, not a trace");
	switch (top(im)) {
	case F_EVENT:
		return imp_ev_string(im, im->key, s, len);
	case F_ARGS:
		return imp_arg_string(im, im->key, s, len);
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
			return imp_ev_wrong_type(im, im->key, buf);
		}
		if (im->key == E_ARGS) {
			char buf[64];
			snprintf(buf, sizeof(buf), "%s, not an object", what);
			return imp_ev_wrong_type(im, im->key, buf);
		}
		if (im->key == E_PH) {
			char buf[64];
			snprintf(buf, sizeof(buf), "%s, not a string", what);
			return imp_ev_wrong_type(im, im->key, buf);
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
