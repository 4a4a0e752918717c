/* cli.c - shared helpers of the mosaic subcommands. */
#include "harness/cli.h"

#include <stdarg.h>
#include <stdio.h>

int cli_fail(const char *verb, const struct mo_err *err)
{
	fprintf(stderr, "mosaic %s: %s\n", verb, err->msg[0] ? err->msg : "failed");
	return mo_err_exit_code(err) ? mo_err_exit_code(err) : 1;
}

int cli_usage_error(const char *verb, const char *usage, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "mosaic %s: ", verb);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: %s\n", usage);
	return 2;
}
