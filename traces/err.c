/* err.c - struct mo_err: error reports that name their subject. */
#include "traces/traces.h"

#include <string.h>

void mo_err_clear(struct mo_err *err)
{
	if (!err)
		return;
	err->code = 0;
	err->msg[0] = '\0';
}

int mo_err_set(struct mo_err *err, int code, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
		err->code = -code;
	}
	return -code;
}

void mo_err_prefix(struct mo_err *err, const char *fmt, ...)
{
	char old[sizeof(err->msg)];
	size_t used;
	va_list ap;

	if (!err)
		return;
	memcpy(old, err->msg, sizeof(old));
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	used = strlen(err->msg);
	if (used + 2 < sizeof(err->msg)) {
		memcpy(err->msg + used, ": ", 3);
		used += 2;
		strncat(err->msg + used, old, sizeof(err->msg) - used - 1);
	}
}

int mo_err_exit_code(const struct mo_err *err)
{
	switch (err ? -err->code : 0) {
	case MO_OK:
		return MO_EXIT_OK;
	case MO_EINPUT:
	case MO_EVERSION:
	case MO_EUSAGE:
	case MO_ENODEV:
	case MO_EINFEASIBLE:
		return MO_EXIT_USAGE;
	default:
		return MO_EXIT_SYSTEM;
	}
}
