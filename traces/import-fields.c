/*
 * import-fields.c - what the keys and values of a trace event set in struct
 * imp_event: which keys are read (at the event's level and in its args),
 * and each value's effect or its error.  One copy, called by the token
 * callbacks (import-events.c) and the event scanner (import-fast.c), so the
 * two readers agree by construction.  Functions returning int follow the
 * callbacks' convention (1 to go on, 0 with im->err filled).
 */
#include "traces/core-internal.h"
#include "traces/import-internal.h"
#include "traces/traces.h"

#include <string.h>

#define NAME_MAX_KEEP 4096

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

void imp_event_reset(struct imp *im)
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

#define KEY_IS(lit) (len == sizeof(lit) - 1 && !memcmp(s, lit, len))

/* The args key s names (both spellings of External id), by length first:
 * called for every args key, where a table scan cost 4% of an import. */
enum argkey imp_arg_key(const unsigned char *s, size_t len)
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

enum evkey imp_event_key(const unsigned char *s, size_t len)
{
	switch (len) {
	case 2: return KEY_IS("ph") ? E_PH : KEY_IS("ts") ? E_TS : E_NONE;
	case 3: return KEY_IS("cat") ? E_CAT : KEY_IS("pid") ? E_PID : KEY_IS("tid") ? E_TID
		     : KEY_IS("dur") ? E_DUR : E_NONE;
	case 4: return KEY_IS("name") ? E_NAME : KEY_IS("args") ? E_ARGS : E_NONE;
	default: return E_NONE;
	}
}

int imp_ev_wrong_type(struct imp *im, int key, const char *what)
{
	static const char *const names[] = {"", "ph", "cat", "name", "pid", "tid", "ts", "dur", "args"};
	return imp_fail(im, im->ev.offset, "event \"%s\" is %s", names[key], what);
}

static void copy_small(char *dst, size_t cap, const unsigned char *s, size_t len)
{
	if (len >= cap)
		len = cap - 1;
	memcpy(dst, s, len);
	dst[len] = '\0';
}

void imp_ev_time(struct imp *im, int key, imp_fixed v)
{
	*(key == E_TS ? &im->ev.ts : &im->ev.dur) = v;
	im->ev.present |= key == E_TS ? P_TS : P_DUR;
}

void imp_ev_id(struct imp *im, int key, int64_t v)
{
	*(key == E_PID ? &im->ev.pid : &im->ev.tid) = v;
	im->ev.present |= key == E_PID ? P_PID : P_TID;
}

int imp_ev_number(struct imp *im, int key, const char *s, size_t len)
{
	imp_fixed v;
	int64_t iv;
	switch (key) {
	case E_TS:
	case E_DUR:
		if (imp_parse_fixed(s, len, &v) < 0)
			return imp_fail(im, im->ev.offset, "number '%.*s' out of range",
					(int)(len > 40 ? 40 : len), s);
		imp_ev_time(im, key, v);
		return 1;
	case E_PID:
	case E_TID:
		if (imp_parse_int(s, len, &iv) < 0)
			iv = 0;
		imp_ev_id(im, key, iv);
		return 1;
	case E_PH: return imp_ev_wrong_type(im, key, "a number, not a string");
	case E_CAT: return imp_ev_wrong_type(im, key, "a number, not a string");
	case E_NAME: return imp_ev_wrong_type(im, key, "a number, not a string");
	case E_ARGS: return imp_ev_wrong_type(im, key, "a number, not an object");
	default: return 1;
	}
}

int imp_ev_string(struct imp *im, int key, const unsigned char *s, size_t len)
{
	struct imp_event *e = &im->ev;
	switch (key) {
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
	case E_TID:
		*(key == E_PID ? &e->pid : &e->tid) = id_of_string(s, len);
		e->present |= key == E_PID ? P_PID : P_TID;
		return 1;
	case E_TS:
	case E_DUR:
		return imp_ev_wrong_type(im, key, "a string, not a number");
	case E_ARGS:
		return imp_ev_wrong_type(im, key, "a string, not an object");
	default:
		return 1;
	}
}

/* An args key whose value is kept as an integer. */
static int int_arg(int key)
{
	return !(key == A_NONE || key == A_COLL || key == A_DTYPE || key == A_PG_NAME ||
		 key == A_PG_RANKS || key == A_GRID || key == A_BLOCK);
}

void imp_arg_int(struct imp *im, int key, int64_t v)
{
	if (!int_arg(key))
		return;
	im->ev.a[key] = v;
	im->ev.args_present |= 1ULL << key;
}

int imp_arg_number(struct imp *im, int key, const char *s, size_t len)
{
	int64_t v;
	if (int_arg(key) && imp_parse_int(s, len, &v) == 0) /* out of range: absent */
		imp_arg_int(im, key, v);
	return 1;
}

int imp_arg_string(struct imp *im, int key, const unsigned char *s, size_t len)
{
	struct imp_event *e = &im->ev;
	switch (key) {
	case A_COLL: copy_small(e->coll, sizeof(e->coll), s, len); break;
	case A_DTYPE: copy_small(e->dtype, sizeof(e->dtype), s, len); break;
	case A_PG_NAME: copy_small(e->pg_name, sizeof(e->pg_name), s, len); break;
	case A_PG_RANKS: copy_small(e->pg_ranks, sizeof(e->pg_ranks), s, len); break;
	default: break;
	}
	return 1;
}

void imp_dims_start(struct imp *im, int key)
{
	int64_t *d = key == A_GRID ? im->ev.grid : im->ev.block;
	d[0] = d[1] = d[2] = 1;
	im->dim_index = 0;
	im->ev.args_present |= 1ULL << key;
}

void imp_dim_int(struct imp *im, int key, int64_t v)
{
	if (im->dim_index < 3)
		(key == A_GRID ? im->ev.grid : im->ev.block)[im->dim_index] = v;
	im->dim_index++;
}

int imp_dim_number(struct imp *im, int key, const char *s, size_t len)
{
	int64_t iv;
	if (im->dim_index >= 3 || imp_parse_int(s, len, &iv) < 0)
		im->dim_index++;
	else
		imp_dim_int(im, key, iv);
	return 1;
}
