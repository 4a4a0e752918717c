/*
 * import-internal.h - pieces of the Kineto / Chrome trace importer shared by
 * its files (traces/import-*.c) and its tests.  Not installed; not a
 * public API.
 */
#ifndef MOSAIC_TRACES_IMPORT_INTERNAL_H
#define MOSAIC_TRACES_IMPORT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

/*
 * A JSON number as exact fixed point: value * 10^12, so microsecond
 * timestamps keep 12 fractional digits (a picosecond is 10^-6 us) and values
 * up to about 1.7e26 fit.  Digits beyond the 12th fractional one are dropped;
 * that never changes a round-half-away-from-zero result of one value (the
 * dropped digits cannot turn a value below a tie into a tie).
 */
typedef __int128 imp_fixed;
#define IMP_FIXED_ONE ((imp_fixed)1000000000000LL)

/*
 * Parse a JSON number's text (as yajl hands it: sign, digits, fraction,
 * exponent) into *out.  Returns 0, or -1 when the text is not a number or the
 * value is out of range (|value| >= 1e26).
 */
int imp_parse_fixed(const char *s, size_t len, imp_fixed *out);

/*
 * Microseconds (fixed point) to integer nanoseconds, rounded to nearest,
 * ties away from zero.  Returns 0, or -1 when the result does not fit int64.
 */
int imp_fixed_us_to_ns(imp_fixed us, int64_t *ns);

/* A JSON number's value rounded to an integer (ties away from zero),
 * saturated to int64; fast for plain integers.  0, or -1 if not a number
 * or out of imp_parse_fixed()'s range. */
int imp_parse_int(const char *s, size_t len, int64_t *out);

/* The integer value of a fixed-point number rounded to nearest (ties away
 * from zero), saturated to the int64 range. */
int64_t imp_fixed_to_int(imp_fixed v);

#endif
