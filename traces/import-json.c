/*
 * import-json.c - the importer's JSON reader (see import-internal.h): a
 * streaming tokenizer that checks the grammar of RFC 8259 and hands each
 * value to the importer's callbacks, reading the input in READ_CHUNK pieces.
 *
 * Buffer.  Tokens are parsed in place; the bytes of a token cut by the end
 * of a read move to the front of the buffer once and the next read goes
 * after them, so a string longer than a read is scanned once (linear time)
 * and the buffer grows only as far as the longest token (at most
 * IMP_JSON_MAX_STRING plus a read).  Strings with escapes are decoded into
 * a second buffer (\uXXXX to UTF-8; a surrogate without its pair becomes
 * '?'); bytes are not checked as UTF-8.
 */
#include "traces/import-input.h"
#include "traces/import-internal.h"
#include "traces/import-scan.h"

#include <stdlib.h>
#include <string.h>

#ifndef READ_CHUNK /* the fuzz build sets it small, so its inputs cross many read boundaries */
#define READ_CHUNK (256 * 1024)
#endif

enum { S_VALUE, S_FIRST_VALUE, S_FIRST_KEY, S_KEY, S_COLON, S_AFTER, S_DONE };

static int syntax(struct imp_json *j, size_t at, const char *what)
{
	return mo_err_set(j->err, MO_EINPUT, "cannot import '%s': offset %llu: invalid JSON: %s",
			  j->name, j->base + at, what);
}

static int nomem(struct imp_json *j)
{
	return mo_err_set(j->err, MO_ENOMEM, "cannot import '%s': out of memory", j->name);
}

/* Read more after buf[len), keeping buf[pos..len) (moved to the front):
 * 1 when bytes came, 0 at the end of the input, < 0 on error. */
static int more(struct imp_json *j)
{
	if (j->eof)
		return 0;
	if (j->pos > 0) {
		memmove(j->buf, j->buf + j->pos, j->len - j->pos);
		j->base += j->pos;
		j->len -= j->pos;
		j->pos = 0;
	}
	if (MO_GROW(j->buf, j->len + READ_CHUNK, j->cap) < 0)
		return nomem(j);
	long long n = imp_input_read(j->in, j->buf + j->len, READ_CHUNK, j->err);
	if (n < 0)
		return (int)n;
	if (n == 0) {
		j->eof = 1;
		return 0;
	}
	j->len += (size_t)n;
	return 1;
}

/* Past whitespace: 1 with a byte at pos, 0 at the end, < 0 on error. */
static int skip_ws(struct imp_json *j)
{
	if (j->pos < j->len && !is_ws[j->buf[j->pos]])
		return 1;
	for (;;) {
		j->pos = (size_t)(skip_ws_in(j->buf + j->pos, j->buf + j->len) - j->buf);
		if (j->pos < j->len)
			return 1;
		int r = more(j);
		if (r <= 0)
			return r;
	}
}

/* The string at pos (its opening quote): *n content bytes from pos + 1,
 * *esc whether it has escapes.  0, or < 0 with err filled. */
static int scan_string(struct imp_json *j, size_t *n, int *esc)
{
	size_t k = 1;
	*esc = 0;
	for (;;) {
		const unsigned char *b = j->buf + j->pos;
		size_t avail = j->len - j->pos;
		k = scan_plain(b, k, avail);
		if (k - 1 > IMP_JSON_MAX_STRING) {
			mo_err_set(j->err, MO_EINPUT, "cannot import '%s': offset %llu: a string longer "
				   "than %u MiB (the limit; not a trace mosaic imports)", j->name,
				   j->base + j->pos + 1 + IMP_JSON_MAX_STRING, IMP_JSON_MAX_STRING >> 20);
			return -MO_EINPUT;
		}
		if (k < avail) {
			if (b[k] == '"') {
				*n = k - 1;
				return 0;
			}
			if (b[k] != '\\')
				return syntax(j, j->pos + k, "a control character inside a string");
			if (k + 1 < avail) {
				*esc = 1;
				k += 2;
				continue;
			}
		}
		int r = more(j);
		if (r < 0)
			return r;
		if (r == 0)
			return syntax(j, j->len, "premature EOF inside a string");
	}
}

static int hex4(const unsigned char *s, unsigned *v)
{
	*v = 0;
	for (int i = 0; i < 4; i++) {
		unsigned char c = s[i];
		unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0')
			     : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
			     : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10) : 16u;
		if (d > 15)
			return -1;
		*v = *v << 4 | d;
	}
	return 0;
}

static size_t utf8(unsigned char *o, unsigned cp)
{
	if (cp < 0x80) {
		o[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (unsigned char)(0xc0 | cp >> 6);
		o[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (unsigned char)(0xe0 | cp >> 12);
		o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (unsigned char)(0xf0 | cp >> 18);
	o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return 4;
}

/* A \u escape at s[i] (the backslash) of an n-byte string: its code point
 * (a surrogate pair joined) into o; *i moves past it.  0, or -1 if bad. */
static int unicode_escape(const unsigned char *s, size_t n, size_t *i, unsigned char *o, size_t *k)
{
	unsigned cp, lo;
	if (*i + 6 > n || hex4(s + *i + 2, &cp) < 0)
		return -1;
	*i += 6;
	if (cp >= 0xd800 && cp <= 0xdbff && *i + 6 <= n && s[*i] == '\\' && s[*i + 1] == 'u' &&
	    hex4(s + *i + 2, &lo) == 0 && lo >= 0xdc00 && lo <= 0xdfff) {
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
		*i += 6;
	} else if (cp >= 0xd800 && cp <= 0xdfff) {
		cp = '?';
	}
	*k += utf8(o + *k, cp);
	return 0;
}

/* Decode the n content bytes at s (escapes in them) into j->str: its
 * length, or < 0 with err filled (at: the buffer index of s[0]). */
static long long decode(struct imp_json *j, const unsigned char *s, size_t n, size_t at)
{
	size_t k = 0;
	if (MO_GROW(j->str, n + 1, j->str_cap) < 0)
		return nomem(j);
	for (size_t i = 0; i < n;) {
		if (s[i] != '\\') {
			j->str[k++] = s[i++];
			continue;
		}
		static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
		const char *e = s[i + 1] ? strchr(from, s[i + 1]) : NULL;
		if (e) {
			j->str[k++] = (unsigned char)to[e - from];
			i += 2;
		} else if (s[i + 1] != 'u' || unicode_escape(s, n, &i, j->str, &k) < 0) {
			return syntax(j, at + i, "a bad escape inside a string");
		}
	}
	return (long long)k;
}

/* The number at pos: *n bytes of valid JSON number text (the bytes of
 * num_char after it make it bad, as in "01" or "1.2.3").  0 or < 0. */
static int scan_number(struct imp_json *j, size_t *n)
{
	for (;;) {
		const unsigned char *s = j->buf + j->pos;
		size_t avail = j->len - j->pos, i = number_end(s, avail);
		int bad = i > avail; /* ~(where it failed) */
		if (bad)
			i = ~i;
		if (i < avail || j->eof) {
			if (!bad && (i == avail || !num_char[s[i]])) {
				*n = i;
				return 0;
			}
			return syntax(j, j->pos + i, "a bad number");
		}
		int r = more(j); /* the number may go on in the next read */
		if (r < 0)
			return r;
	}
}

/* true, false or null at pos (lit): 0 or < 0. */
static int scan_literal(struct imp_json *j, const char *lit)
{
	size_t n = strlen(lit);
	while (j->len - j->pos < n) {
		int r = more(j);
		if (r < 0)
			return r;
		if (r == 0)
			break;
	}
	size_t have = j->len - j->pos < n ? j->len - j->pos : n;
	if (memcmp(j->buf + j->pos, lit, have) != 0)
		return syntax(j, j->pos, "an unexpected character");
	if (have < n)
		return syntax(j, j->len, "premature EOF");
	return 0;
}

static int push(struct imp_json *j, char c)
{
	if (j->depth >= IMP_JSON_MAX_DEPTH)
		return syntax(j, j->pos, "nested deeper than the limit");
	if (MO_GROW(j->stack, j->depth + 1, j->stack_cap) < 0)
		return nomem(j);
	j->stack[j->depth++] = c;
	return 0;
}

/* After a token handed out while quiet: the skipped value ends when the
 * depth is back at the object whose key it was. */
static void quiet_token(struct imp_json *j)
{
	if (j->depth == j->quiet_depth)
		j->quiet = 0;
}

/* A string at pos to the string or key callback (checked only, when quiet). */
static int string_token(struct imp_json *j, int key)
{
	size_t n = 0;
	int esc = 0, rc;
	if ((rc = scan_string(j, &n, &esc)) != 0)
		return rc;
	const unsigned char *s = j->buf + j->pos + 1;
	size_t len = n;
	if (esc) {
		long long d = decode(j, s, n, j->pos + 1);
		if (d < 0)
			return (int)d;
		s = j->str;
		len = (size_t)d;
	}
	j->tok_end = j->pos += n + 2;
	if (j->quiet) {
		if (!key)
			quiet_token(j);
		return 0;
	}
	int ok = key ? j->cb->map_key(j->ctx, s, len) : j->cb->string(j->ctx, s, len);
	return ok ? 0 : IMP_JSON_STOPPED;
}

/* A value starting with c at pos; *state becomes what follows it. */
static int value(struct imp_json *j, unsigned char c, int *state)
{
	int rc, ok;
	size_t n = 0;

	if (c == '{' || c == '[') {
		if ((rc = push(j, (char)c)) != 0)
			return rc;
		j->tok_end = ++j->pos;
		*state = c == '{' ? S_FIRST_KEY : S_FIRST_VALUE;
		if (j->quiet)
			return 0;
		ok = c == '{' ? j->cb->start_map(j->ctx) : j->cb->start_array(j->ctx);
		return ok ? 0 : IMP_JSON_STOPPED;
	}
	*state = j->depth ? S_AFTER : S_DONE;
	if (c == '"')
		return string_token(j, 0);
	if (c == '-' || (c >= '0' && c <= '9')) {
		if ((rc = scan_number(j, &n)) != 0)
			return rc;
		const char *s = (const char *)j->buf + j->pos;
		j->tok_end = j->pos += n;
		if (j->quiet) {
			quiet_token(j);
			return 0;
		}
		return j->cb->number(j->ctx, s, n) ? 0 : IMP_JSON_STOPPED;
	}
	const char *lit = c == 't' ? "true" : c == 'f' ? "false" : c == 'n' ? "null" : NULL;
	if (!lit)
		return syntax(j, j->pos, "an unexpected character");
	if ((rc = scan_literal(j, lit)) != 0)
		return rc;
	j->tok_end = j->pos += strlen(lit);
	if (j->quiet) {
		quiet_token(j);
		return 0;
	}
	ok = c == 'n' ? j->cb->null(j->ctx) : j->cb->boolean(j->ctx, c == 't');
	return ok ? 0 : IMP_JSON_STOPPED;
}

/* The } or ] at pos closes the innermost container. */
static int close_container(struct imp_json *j, int *state)
{
	char open = j->stack[--j->depth];
	j->tok_end = ++j->pos;
	*state = j->depth ? S_AFTER : S_DONE;
	if (j->quiet) {
		quiet_token(j);
		return 0;
	}
	int ok = open == '{' ? j->cb->end_map(j->ctx) : j->cb->end_array(j->ctx);
	return ok ? 0 : IMP_JSON_STOPPED;
}

/* What follows a value inside a container: a comma or its end. */
static int after(struct imp_json *j, unsigned char c, int *state)
{
	char open = j->stack[j->depth - 1];
	if (c == ',') {
		j->pos++;
		*state = open == '{' ? S_KEY : S_VALUE;
		return 0;
	}
	if (c == (open == '{' ? '}' : ']'))
		return close_container(j, state);
	return syntax(j, j->pos, open == '{' ? "expected ',' or '}'" : "expected ',' or ']'");
}

static int step(struct imp_json *j, unsigned char c, int *state)
{
	switch (*state) {
	case S_DONE:
		return syntax(j, j->pos, "trailing garbage after the JSON value");
	case S_COLON:
		if (c != ':')
			return syntax(j, j->pos, "expected ':' after an object key");
		j->pos++;
		*state = S_VALUE;
		return 0;
	case S_AFTER:
		return after(j, c, state);
	case S_FIRST_KEY:
		if (c == '}')
			return close_container(j, state);
		/* fall through */
	case S_KEY:
		if (c != '"')
			return syntax(j, j->pos, "expected an object key (a string)");
		*state = S_COLON;
		int rc = string_token(j, 1);
		if (rc == 0 && j->pos < j->len && j->buf[j->pos] == ':') {
			j->pos++; /* the colon right after the key (most keys) */
			*state = S_VALUE;
		}
		return rc;
	case S_FIRST_VALUE:
		if (c == ']')
			return close_container(j, state);
		/* fall through */
	default:
		return value(j, c, state);
	}
}

int imp_json_parse(struct imp_json *j, struct imp_input *in, const struct imp_json_callbacks *cb,
		   void *ctx, const char *name, struct mo_err *err)
{
	int state = S_VALUE, r;

	memset(j, 0, sizeof(*j));
	j->in = in;
	j->cb = cb;
	j->ctx = ctx;
	j->name = name;
	j->err = err;
	if ((r = more(j)) < 0)
		return r;
	if (r == 0)
		return mo_err_set(err, MO_EINPUT, "cannot import '%s': empty file", name);
	if (j->len >= 3 && j->buf[0] == 0xef && j->buf[1] == 0xbb && j->buf[2] == 0xbf)
		j->pos = 3; /* a UTF-8 byte order mark */
	for (;;) {
		if ((r = skip_ws(j)) < 0)
			return r;
		if (r == 0)
			return state == S_DONE ? 0 : syntax(j, j->len, "premature EOF");
		if ((r = step(j, j->buf[j->pos], &state)) != 0)
			return r;
	}
}

void imp_json_skip_value(struct imp_json *j)
{
	j->quiet = 1;
	j->quiet_depth = j->depth;
}

void imp_json_skip_container(struct imp_json *j)
{
	j->quiet = 1;
	j->quiet_depth = j->depth - 1;
}

const unsigned char *imp_json_ahead(const struct imp_json *j, size_t *avail)
{
	*avail = j->len - j->pos;
	return j->buf + j->pos;
}

void imp_json_consume(struct imp_json *j, size_t n)
{
	j->pos += n;
}

unsigned long long imp_json_offset(const struct imp_json *j)
{
	return j->base + j->tok_end;
}

void imp_json_release(struct imp_json *j)
{
	free(j->buf);
	free(j->str);
	free(j->stack);
	memset(j, 0, sizeof(*j));
}
