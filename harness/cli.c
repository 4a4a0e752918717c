/* cli.c - shared helpers of the mosaic subcommands. */
#include "harness/cli.h"
#include "harness/bundled.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

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

int cli_workload_load(const char *arg, struct workload **out, struct mo_err *err)
{
	struct stat st;
	char names[1024] = "";
	size_t used = 0;

	if (stat(arg, &st) == 0 || strchr(arg, '/') || strstr(arg, ".json"))
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
