/*
 * import-num.c - exact decimal arithmetic for JSON numbers.
 *
 * Chrome trace timestamps are microseconds written as decimals, sometimes
 * with sub-microsecond digits (4458677009853.422).  A double holds about 16
 * significant digits, so above 2^50 us * 1000 it can no longer tell adjacent
 * nanoseconds apart; we never go through a double.  The number's text is
 * read digit by digit into a 128-bit fixed-point value (10^-12 units).
 */
#include "traces/import-internal.h"

#define FRAC_DIGITS 12
/* |value| must stay below 1e26 so that value * 1e12 < 1e38 < 2^127. */
#define INT_DIGITS_MAX 26

static const int64_t pow10_tab[19] = {
	1LL, 10LL, 100LL, 1000LL, 10000LL, 100000LL, 1000000LL, 10000000LL, 100000000LL,
	1000000000LL, 10000000000LL, 100000000000LL, 1000000000000LL, 10000000000000LL,
	100000000000000LL, 1000000000000000LL, 10000000000000000LL, 100000000000000000LL,
	1000000000000000000LL,
};

static int parse_slow(const char *s, size_t len, imp_fixed *out);

imp_fixed imp_plain_fixed(const struct imp_plain *v)
{
	imp_fixed f = (imp_fixed)v->ip * pow10_tab[FRAC_DIGITS] +
		      (imp_fixed)(v->fp * (uint64_t)pow10_tab[FRAC_DIGITS - v->frac]);
	return v->neg ? -f : f;
}

int64_t imp_plain_int(const struct imp_plain *v)
{
	if (v->frac)
		return imp_fixed_to_int(imp_plain_fixed(v));
	return v->neg ? -(int64_t)v->ip : (int64_t)v->ip; /* ip < 10^18 */
}

/* The common case, fast: the plain form (import-internal.h).  Anything
 * else goes to the general parser. */
int imp_parse_fixed(const char *s, size_t len, imp_fixed *out)
{
	struct imp_plain v;
	if (imp_plain_number((const unsigned char *)s, len, &v) != len || !len)
		return parse_slow(s, len, out);
	*out = imp_plain_fixed(&v);
	return 0;
}

int imp_parse_int(const char *s, size_t len, int64_t *out)
{
	struct imp_plain v;
	imp_fixed f;
	if (len && imp_plain_number((const unsigned char *)s, len, &v) == len) {
		*out = imp_plain_int(&v);
		return 0;
	}
	if (imp_parse_fixed(s, len, &f) < 0)
		return -1;
	*out = imp_fixed_to_int(f);
	return 0;
}

static int parse_slow(const char *s, size_t len, imp_fixed *out)
{
	size_t i = 0;
	int neg = 0, seen_digit = 0;
	/* digits collected as an integer mantissa with a decimal exponent */
	imp_fixed mant = 0;
	int mant_digits = 0;  /* significant digits kept in mant */
	long exp10 = 0;       /* value = mant * 10^exp10 */

	if (i < len && (s[i] == '-' || s[i] == '+')) {
		neg = s[i] == '-';
		i++;
	}
	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
		seen_digit = 1;
		if (mant == 0 && s[i] == '0')
			continue;
		if (mant_digits < 37) {
			mant = mant * 10 + (s[i] - '0');
			mant_digits++;
		} else {
			exp10++; /* a digit we cannot keep: only its weight */
		}
	}
	if (i < len && s[i] == '.') {
		i++;
		for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
			seen_digit = 1;
			if (mant_digits < 37 && (mant != 0 || s[i] != '0')) {
				mant = mant * 10 + (s[i] - '0');
				mant_digits++;
				exp10--;
			} else if (mant == 0) {
				exp10--; /* leading zero of the fraction */
			}
			/* else: beyond 37 significant digits, dropped */
		}
	}
	if (!seen_digit)
		return -1;
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		int eneg = 0, edig = 0;
		long e = 0;
		i++;
		if (i < len && (s[i] == '-' || s[i] == '+')) {
			eneg = s[i] == '-';
			i++;
		}
		for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
			edig = 1;
			if (e < 100000)
				e = e * 10 + (s[i] - '0');
		}
		if (!edig)
			return -1;
		exp10 += eneg ? -e : e;
	}
	if (i != len)
		return -1;
	if (mant == 0) {
		*out = 0;
		return 0;
	}
	/* scale to 10^-12 units: value * 1e12 = mant * 10^(exp10 + 12) */
	long shift = exp10 + FRAC_DIGITS;
	if (shift >= 0) {
		/* integer digits of the result = mant_digits + shift */
		if (mant_digits + shift > INT_DIGITS_MAX + FRAC_DIGITS)
			return -1;
		for (long k = 0; k < shift; k++)
			mant *= 10;
	} else {
		for (long k = 0; k < -shift && mant != 0; k++)
			mant /= 10; /* truncation: see import-internal.h */
	}
	*out = neg ? -mant : mant;
	return 0;
}

/* a / d and a % d for d below 2^32, by 64-bit divisions of 32-bit digits
 * (which compile to multiplications for a constant d), not a call to the
 * 128-bit division (its time showed in an import's profile). */
static inline unsigned __int128 div_small(unsigned __int128 a, uint32_t d, uint64_t *rem)
{
	uint64_t hi = (uint64_t)(a >> 64), lo = (uint64_t)a;
	uint64_t qh = hi / d, r = hi % d;
	uint64_t t = (r << 32) | (lo >> 32); /* r < d < 2^32: fits */
	uint64_t q1 = t / d;
	t = ((t % d) << 32) | (lo & 0xffffffffu);
	*rem = t % d;
	return ((unsigned __int128)qh << 64) + (q1 << 32) + t / d;
}

/* v / d rounded to nearest, ties away from zero (d below 2^32 takes
 * div_small). */
static inline imp_fixed round_div(imp_fixed v, imp_fixed d)
{
	int neg = v < 0;
	unsigned __int128 a = neg ? -(unsigned __int128)v : (unsigned __int128)v, q;
	if (d < ((imp_fixed)1 << 32)) {
		uint64_t r;
		q = div_small(a, (uint32_t)d, &r);
		q += 2 * (imp_fixed)r >= d;
	} else {
		q = a / (unsigned __int128)d;
		q += 2 * (a % (unsigned __int128)d) >= (unsigned __int128)d;
	}
	return neg ? -(imp_fixed)q : (imp_fixed)q;
}

int imp_fixed_us_to_ns(imp_fixed us, int64_t *ns)
{
	/* 1 ns = 1e-3 us = 1e9 fixed units */
	imp_fixed q = round_div(us, (imp_fixed)1000000000LL);
	if (q > (imp_fixed)INT64_MAX || q < (imp_fixed)INT64_MIN)
		return -1;
	*ns = (int64_t)q;
	return 0;
}

int64_t imp_fixed_to_int(imp_fixed v)
{
	imp_fixed q = round_div(v, IMP_FIXED_ONE);
	if (q > (imp_fixed)INT64_MAX)
		return INT64_MAX;
	if (q < (imp_fixed)INT64_MIN)
		return INT64_MIN;
	return (int64_t)q;
}
