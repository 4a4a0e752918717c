/* cli.c - shared helpers of the mosaic subcommands. */
#include "harness/cli.h"
#include "harness/bundled.h"
#include "model/model.h"

#include <ctype.h>
#include <jansson.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int cli_fail(const char *verb, const struct mo_err *err)
{
	fprintf(stderr, "mosaic %s: %s\n", verb, err->msg[0] ? err->msg : "failed");
	return mo_err_exit_code(err) ? mo_err_exit_code(err) : 1;
}

int cli_usage_error(const char *verb, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "mosaic %s: ", verb);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "; see 'mosaic %s --help'\n", verb);
	return MO_EXIT_USAGE;
}

/* What the last cli_getopt() call found wrong ("" when nothing). */
static char getopt_error[160];

const char *cli_getopt_error(void)
{
	return getopt_error[0] ? getopt_error : "bad option";
}

int cli_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts)
{
	char opts[96];
	const char *arg;
	size_t lead = shortopts[0] == '+' || shortopts[0] == '-';
	int c;

	/* ':' after any '+' or '-': a missing value is told apart (':') */
	snprintf(opts, sizeof(opts), "%.*s:%s", (int)lead, shortopts, shortopts + lead);
	opterr = 0;
	getopt_error[0] = '\0';
	c = getopt_long(argc, argv, opts, longopts, NULL);
	if (c != '?' && c != ':')
		return c;
	arg = optind > 0 && optind <= argc ? argv[optind - 1] : "";
	if (c == ':')
		snprintf(getopt_error, sizeof(getopt_error), "option '%.100s' needs a value", arg);
	else if (optopt && strncmp(arg, "--", 2))
		snprintf(getopt_error, sizeof(getopt_error), "unknown option '-%c'", optopt);
	else
		snprintf(getopt_error, sizeof(getopt_error), "unknown option '%.*s'",
			 (int)strcspn(arg, "="), arg);
	return '?';
}

int cli_common_option(int c, struct cli_common *co)
{
	if (c == 'o')
		co->output = optarg;
	else if (c == CLI_OPT_JSON)
		co->json = 1;
	else if (c == CLI_OPT_QUIET)
		co->quiet = 1;
	return c == 'o' || c == CLI_OPT_JSON || c == CLI_OPT_QUIET;
}

void cli_json_print(json_t *o)
{
	if (o)
		json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	else
		fputs("null", stdout);
	putchar('\n');
	json_decref(o);
}

int cli_bad_option(const char *verb)
{
	return cli_usage_error(verb, "%s", cli_getopt_error());
}

int cli_last_option(const char *verb, int c, const char *usage)
{
	struct mo_err err;

	switch (c) {
	case 'h':
		printf("usage: %s\n", usage);
		return MO_EXIT_OK;
	case 'G':
		mo_err_clear(&err);
		return model_gpu_load_file(optarg, &err) < 0 ? cli_fail(verb, &err) : -1;
	case CLI_OPT_QUIET:
		return -1;
	default:
		return cli_bad_option(verb);
	}
}

/* A number starts with a digit, or a sign and a digit (no blanks, no "nan"). */
static int starts_number(const char *s)
{
	if (*s == '-' || *s == '+')
		s++;
	return isdigit((unsigned char)s[0]) || (s[0] == '.' && isdigit((unsigned char)s[1]));
}

int cli_int(const char *what, const char *arg, long long min, long long max, long long *out,
	    struct mo_err *err)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(arg, &end, 10);
	if (!starts_number(arg) || *end || errno || v < min || v > max)
		return mo_err_set(err, MO_EUSAGE, "bad %s '%s': expected an integer from %lld to %lld",
				  what, arg, min, max);
	*out = v;
	return 0;
}

int cli_real(const char *what, const char *arg, double min, double max, double *out,
	     struct mo_err *err)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (!starts_number(arg) || *end || errno || !isfinite(v) || v < min || v > max)
		return mo_err_set(err, MO_EUSAGE, "bad %s '%s': expected a number from %g to %g",
				  what, arg, min, max);
	*out = v;
	return 0;
}

void cli_workload_warnings(const char *verb, const struct workload *w)
{
	for (int i = 0; i < w->n_warnings; i++)
		fprintf(stderr, "mosaic %s: warning: workload '%s': %s\n", verb, w->name,
			w->warnings[i]);
}

int cli_workload_is_file(const char *arg)
{
	struct stat st;

	return stat(arg, &st) == 0 || strchr(arg, '/') || strstr(arg, ".json");
}

int cli_workload_load(const char *arg, struct workload **out, struct mo_err *err)
{
	char names[1024] = "";
	size_t used = 0;

	if (cli_workload_is_file(arg))
		return workload_load(arg, out, err);
	for (int i = 0; i < bundled_spec_count; i++) {
		if (!strcmp(arg, bundled_specs[i].name))
			return workload_load_string(bundled_specs[i].json, bundled_specs[i].name,
						    out, err);
		used += (size_t)snprintf(names + used, used < sizeof(names) ? sizeof(names) - used : 0,
					 "%s%s", i ? ", " : "", bundled_specs[i].name);
		if (used >= sizeof(names))
			used = sizeof(names) - 1;
	}
	return mo_err_set(err, MO_EINPUT,
			  "cannot read '%s': no such file, nor a bundled workload (bundled: %s)", arg,
			  bundled_spec_count ? names : "none");
}
