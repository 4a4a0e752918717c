/*
 * import-fast.c - the event scanner (see import-internal.h): one trace event
 * read in one loop from the JSON reader's buffer, keys dispatched as they
 * are scanned, the values the importer keeps handed to import-fields.c and
 * the others skipped by a scanner that still checks their grammar.  No
 * state machine turn nor callback per token: the token reader costs about
 * twice as much per event (bench-import: the generated trace).
 *
 * It reads only what it is sure of and gives up (BAIL) at anything else:
 * the end of the buffer, an escape, a value of a type the importer refuses
 * or treats specially, nesting deeper than FAST_DEPTH, invalid JSON.  Then
 * the event is reset and the token reader reads it again from its '{', so
 * that errors and their offsets come from one place.  A field function
 * that fails (an out-of-range "ts", a wrong type) fails here as it would
 * there: the tokens before it are the same and were checked alike.
 */
#include "traces/import-internal.h"
#include "traces/import-scan.h"

enum { BAIL = -1, FAIL = 0, OK = 1 };
#define FAST_DEPTH 32
#define INLINE static inline __attribute__((always_inline)) /* the scanner's steps, in its loops */

struct fast {
	const unsigned char *p, *e; /* the next byte, the end of the buffer */
	struct imp *im;
};

/* Past whitespace; BAIL when the buffer ends first. */
INLINE int ws(struct fast *f)
{
	if (f->p < f->e && !is_ws[*f->p])
		return OK;
	f->p = skip_ws_in(f->p, f->e);
	return f->p < f->e ? OK : BAIL;
}

/* The string at p (its '"'), without escapes: its bytes into *s, *n. */
INLINE int string(struct fast *f, const unsigned char **s, size_t *n)
{
	size_t avail = (size_t)(f->e - f->p), k = scan_plain(f->p, 1, avail);
	if (k >= avail || f->p[k] != '"' || k - 1 > IMP_JSON_MAX_STRING)
		return BAIL;
	*s = f->p + 1;
	*n = k - 1;
	f->p += k + 1;
	return OK;
}

/* The number at p, as the token reader takes it (its grammar, and no
 * number byte after it): its text into *s, *n. */
INLINE int number(struct fast *f, const char **s, size_t *n)
{
	size_t avail = (size_t)(f->e - f->p), i = number_end(f->p, avail);
	if (i >= avail || num_char[f->p[i]])
		return BAIL; /* bad, or it may go on past the buffer */
	*s = (const char *)f->p;
	*n = i;
	f->p += i;
	return OK;
}

/* A number in the plain form (import-internal.h) ending in the buffer: 1
 * with its value, p past it (its grammar checked, as number() does); else
 * 0 and p unmoved, for number() to read. */
INLINE int plain(struct fast *f, struct imp_plain *v)
{
	size_t avail = (size_t)(f->e - f->p), n = imp_plain_number(f->p, avail, v);
	if (!n || n >= avail || num_char[f->p[n]])
		return 0;
	f->p += n;
	return 1;
}

/* A key, its ':' and the whitespace after it: the key's bytes. */
INLINE int key(struct fast *f, const unsigned char **s, size_t *n)
{
	if (ws(f) != OK || *f->p != '"' || string(f, s, n) != OK || ws(f) != OK || *f->p != ':')
		return BAIL;
	f->p++;
	return ws(f);
}

/* A string, number or literal at p, checked and passed over. */
INLINE int scalar(struct fast *f)
{
	const unsigned char *s;
	const char *t;
	size_t n;
	unsigned char c = *f->p;
	if (c == '"')
		return string(f, &s, &n);
	if (c == '-' || (c >= '0' && c <= '9'))
		return number(f, &t, &n);
	n = c == 't' ? 4 : c == 'f' ? 5 : c == 'n' ? 4 : 0;
	if (!n || (size_t)(f->e - f->p) <= n ||
	    memcmp(f->p, c == 't' ? "true" : c == 'f' ? "false" : "null", n) != 0)
		return BAIL;
	f->p += n;
	return OK;
}

/* After a value at depth d: commas and closing brackets, until the next
 * value to read (1) or the end of the outermost one (0); BAIL. */
static int after_value(struct fast *f, const unsigned char *open, int *d)
{
	const unsigned char *s;
	size_t n;
	while (*d > 0) {
		if (ws(f) != OK)
			return BAIL;
		unsigned char o = open[*d - 1];
		if (*f->p == ',') {
			f->p++;
			return o == '{' && key(f, &s, &n) != OK ? BAIL : 1;
		}
		if (*f->p != (o == '{' ? '}' : ']'))
			return BAIL;
		f->p++;
		--*d;
	}
	return 0;
}

/* Any value at p (whitespace skipped before it), checked and passed over. */
static int skip_value(struct fast *f)
{
	unsigned char open[FAST_DEPTH];
	const unsigned char *s;
	size_t n;
	int d = 0, r = 1; /* r: a `continue` (an open container's first member) tests it */
	do {
		if (ws(f) != OK)
			return BAIL;
		unsigned char c = *f->p;
		if (c == '{' || c == '[') {
			if (d == FAST_DEPTH)
				return BAIL;
			open[d++] = c;
			f->p++;
			if (ws(f) != OK)
				return BAIL;
			if (*f->p != (c == '{' ? '}' : ']')) {
				if (c == '{' && key(f, &s, &n) != OK)
					return BAIL;
				continue; /* the first member */
			}
			f->p++;
			d--;
		} else if (scalar(f) != OK) {
			return BAIL;
		}
		r = after_value(f, open, &d);
	} while (r == 1);
	return r == 0 ? OK : BAIL;
}

/* A "grid" or "block" array of numbers at p (its '['). */
static int dims(struct fast *f, int k)
{
	const char *t;
	size_t n;
	imp_dims_start(f->im, k);
	f->p++;
	if (ws(f) != OK)
		return BAIL;
	if (*f->p == ']') {
		f->p++;
		return OK;
	}
	for (;;) {
		struct imp_plain v;
		if (plain(f, &v))
			imp_dim_int(f->im, k, imp_plain_int(&v));
		else if (number(f, &t, &n) != OK)
			return BAIL;
		else
			imp_dim_number(f->im, k, t, n);
		if (ws(f) != OK)
			return BAIL;
		if (*f->p == ']') {
			f->p++;
			return OK;
		}
		if (*f->p != ',')
			return BAIL;
		f->p++;
		if (ws(f) != OK)
			return BAIL;
	}
}

/* One value of args under key k (an enum argkey), at p. */
static int arg_value(struct fast *f, int k)
{
	const unsigned char *s;
	const char *t;
	size_t n;
	unsigned char c = *f->p;
	if (k == A_NONE)
		return skip_value(f);
	if ((k == A_GRID || k == A_BLOCK) && c == '[')
		return dims(f, k);
	if (c == '"')
		return string(f, &s, &n) != OK ? BAIL : imp_arg_string(f->im, k, s, n);
	if (c == '-' || (c >= '0' && c <= '9')) {
		struct imp_plain v;
		if (plain(f, &v))
			return imp_arg_int(f->im, k, imp_plain_int(&v)), OK;
		return number(f, &t, &n) != OK ? BAIL : imp_arg_number(f->im, k, t, n);
	}
	return skip_value(f); /* the callbacks skip objects, arrays and literals here */
}

/* A number under event key k, at p: "ts", "dur", "pid" and "tid" in the
 * plain form set from its value, any other through imp_ev_number. */
INLINE int ev_number(struct fast *f, int k)
{
	struct imp_plain v;
	const char *t;
	size_t n;
	if (k >= E_PID && k <= E_DUR && plain(f, &v)) {
		if (k == E_TS || k == E_DUR)
			imp_ev_time(f->im, k, imp_plain_fixed(&v));
		else
			imp_ev_id(f->im, k, imp_plain_int(&v));
		return OK;
	}
	return number(f, &t, &n) != OK ? BAIL : imp_ev_number(f->im, k, t, n);
}

/* The members of an object at p (its '{'): an event's (args 0) or its
 * args' (1), each value given to its field function, up to the object's
 * '}': past it when past is set, else at it. */
static int members(struct fast *f, int args, int past)
{
	const unsigned char *s;
	size_t n;
	int r;
	f->p++;
	if (ws(f) != OK)
		return BAIL;
	if (*f->p != '}') {
		for (;;) {
			if (key(f, &s, &n) != OK)
				return BAIL;
			if (args) {
				r = arg_value(f, imp_arg_key(s, n));
			} else {
				int k = imp_event_key(s, n);
				unsigned char c = *f->p;
				if (k == E_NONE)
					r = skip_value(f);
				else if (k == E_ARGS && c == '{')
					r = (f->im->ev.present |= P_ARGS, members(f, 1, 1));
				else if (c == '"')
					r = string(f, &s, &n) != OK ? BAIL : imp_ev_string(f->im, k, s, n);
				else if (c == '-' || (c >= '0' && c <= '9'))
					r = ev_number(f, k);
				else
					r = BAIL; /* args not an object; an object, array or literal
						   * where a value is read: the callbacks refuse most */
			}
			if (r != OK)
				return r;
			if (ws(f) != OK)
				return BAIL;
			if (*f->p == '}')
				break;
			if (*f->p != ',')
				return BAIL;
			f->p++;
		}
	}
	f->p += past;
	return OK;
}

int imp_fast_event(struct imp *im)
{
	size_t avail;
	const unsigned char *b = imp_json_ahead(&im->json, &avail);
	struct fast f = {b - 1, b + avail, im}; /* members() starts at the '{' */
	int r = members(&f, 0, 0);
	if (r == OK) {
		imp_json_consume(&im->json, (size_t)(f.p - b));
		return 1;
	}
	if (r == FAIL)
		return 0;
	imp_event_reset(im);
	return 1;
}
