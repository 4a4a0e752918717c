/*
 * import-scan.h - the byte-level scanners of the importer's JSON reader
 * (import-json.c), shared with the event scanner (import-fast.c) so both
 * read strings, numbers and whitespace by the same rules: one copy of each.
 * Private to traces/.  All work on a buffer [s, s + avail) and never read
 * past it.
 */
#ifndef MOSAIC_TRACES_IMPORT_SCAN_H
#define MOSAIC_TRACES_IMPORT_SCAN_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Bytes that end the fast scan of a string: the quote, the backslash and
 * the control characters JSON does not allow in a string. */
#define X8(c) [c] = 1, [c + 1] = 1, [c + 2] = 1, [c + 3] = 1, [c + 4] = 1, [c + 5] = 1, \
	[c + 6] = 1, [c + 7] = 1
static const unsigned char str_stop[256] = {X8(0), X8(8), X8(16), X8(24), ['"'] = 1,
					    ['\\'] = 1};
/* Bytes a number's text is made of. */
static const unsigned char num_char[256] = {X8('0'), ['8'] = 1, ['9'] = 1, ['-'] = 1,
					    ['+'] = 1, ['.'] = 1, ['e'] = 1, ['E'] = 1};
#undef X8
static const unsigned char is_ws[256] = {[' '] = 1, ['\n'] = 1, ['\r'] = 1, ['\t'] = 1};

/* The bytes among the 8 at s that end the fast scan of a string (a quote,
 * a backslash or a byte below 0x20), a word at a time: a byte of x ^ c is
 * zero where x has c; (v - 0x01..) & ~v & 0x80.. flags the zero bytes of v
 * and (x - 0x20..) & ~x & 0x80.. the bytes of x below 0x20.  Non-zero when
 * there is one; a borrow can flag a byte above the first stop, never below
 * it, so in memory order the lowest flag is the first stop. */
static inline uint64_t stop_mask8(const unsigned char *s)
{
	const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
	uint64_t x, q, b;
	memcpy(&x, s, 8);
	q = x ^ (ones * '"');
	b = x ^ (ones * '\\');
	return (((q - ones) & ~q) | ((b - ones) & ~b) | ((x - ones * 0x20) & ~x)) & high;
}

/* From k, past the bytes of b[..avail) that do not end a string: byte by
 * byte first (most strings, keys above all, are short), then by words. */
static inline size_t scan_plain(const unsigned char *b, size_t k, size_t avail)
{
	size_t lim = avail - k > 16 ? k + 16 : avail;
	for (; k < lim; k++)
		if (str_stop[b[k]])
			return k;
	for (; k + 8 <= avail; k += 8) {
		uint64_t m = stop_mask8(b + k);
		if (m) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
			k += (size_t)__builtin_ctzll(m) >> 3; /* the first byte in memory is lowest */
#endif
			break;
		}
	}
	while (k < avail && !str_stop[b[k]])
		k++;
	return k;
}

/* Past the whitespace at p, before e: byte by byte (most runs are one
 * space), but the indentation after a newline a word at a time. */
static inline const unsigned char *skip_ws_in(const unsigned char *p, const unsigned char *e)
{
	const uint64_t spaces = 0x2020202020202020ull;
	while (p < e && is_ws[*p]) {
		if (*p++ != '\n')
			continue;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		uint64_t x;
		while (e - p >= 8 && (memcpy(&x, p, 8), x == spaces))
			p += 8;
		if (e - p >= 8)
			p += (size_t)__builtin_ctzll(x ^ spaces) >> 3; /* the first non-space */
#endif
	}
	return p;
}

/* The grammar of the number at s (RFC 8259: -?(0|[1-9][0-9]*)(.[0-9]+)?
 * ([eE][+-]?[0-9]+)?), read up to avail bytes: where it ends, or
 * ~(where it fails) (a digit missing).  One pass over the bytes. */
static inline size_t number_end(const unsigned char *s, size_t avail)
{
#define DIGIT(i) ((i) < avail && s[i] >= '0' && s[i] <= '9')
	size_t i = avail && s[0] == '-';
	if (i < avail && s[i] == '0') {
		i++;
	} else {
		if (!DIGIT(i))
			return ~i;
		while (DIGIT(i))
			i++;
	}
	if (i < avail && s[i] == '.') {
		i++;
		if (!DIGIT(i))
			return ~i;
		while (DIGIT(i))
			i++;
	}
	if (i < avail && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < avail && (s[i] == '+' || s[i] == '-'))
			i++;
		if (!DIGIT(i))
			return ~i;
		while (DIGIT(i))
			i++;
	}
	return i;
#undef DIGIT
}

#endif
