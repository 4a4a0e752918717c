/* json.c - the path-aware JSON field readers (model_json_*, contract in model.h). */
#include "model/model.h"

#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int model_json_fail(const struct model_json *j, const char *path, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (path && *path)
		return mo_err_set(j->err, MO_EINPUT, "cannot read %s '%s': %s: %s", j->what, j->file,
				  path, what);
	return mo_err_set(j->err, MO_EINPUT, "cannot read %s '%s': %s", j->what, j->file, what);
}

/* "path.key" (or "key" at the top level) into buf. */
static const char *at(char *buf, size_t size, const char *path, const char *key)
{
	snprintf(buf, size, "%s%s%s", path, path[0] ? "." : "", key);
	return buf;
}

int model_json_keys(const struct model_json *j, json_t *obj, const char *path,
		    const char *const *allowed)
{
	const char *key;
	json_t *v;
	char p[512];

	if (!json_is_object(obj))
		return model_json_fail(j, path, "expected an object");
	json_object_foreach(obj, key, v) {
		const char *const *a = allowed;

		while (*a && strcmp(*a, key))
			a++;
		if (!*a)
			return model_json_fail(j, at(p, sizeof(p), path, key), "unknown field");
	}
	return 0;
}

/* *v = the field key of obj, p its path; 0, or "missing field". */
static int field(const struct model_json *j, json_t *obj, const char *path, const char *key,
		 json_t **v, char p[512])
{
	at(p, 512, path, key);
	*v = json_object_get(obj, key);
	return *v ? 0 : model_json_fail(j, p, "missing field");
}

int model_json_field(const struct model_json *j, json_t *obj, const char *path, const char *key,
		     json_t **out)
{
	char p[512];

	return field(j, obj, path, key, out, p);
}

int model_json_int(const struct model_json *j, json_t *obj, const char *path, const char *key,
		   int64_t lo, int64_t hi, int64_t *out)
{
	json_t *v;
	char p[512];

	if (field(j, obj, path, key, &v, p))
		return -MO_EINPUT;
	if (!json_is_integer(v))
		return model_json_fail(j, p, "expected an integer");
	*out = json_integer_value(v);
	if (*out < lo || *out > hi)
		return model_json_fail(j, p, "%lld not in [%lld, %lld]", (long long)*out,
				       (long long)lo, (long long)hi);
	return 0;
}

int model_json_num(const struct model_json *j, json_t *obj, const char *path, const char *key,
		   double lo, double hi, double *out)
{
	json_t *v;
	char p[512];

	if (field(j, obj, path, key, &v, p))
		return -MO_EINPUT;
	if (!json_is_number(v) || !isfinite(json_number_value(v)))
		return model_json_fail(j, p, "expected a number");
	*out = json_number_value(v);
	if (!(*out >= lo && *out <= hi))
		return model_json_fail(j, p, "%g not in [%g, %g]", *out, lo, hi);
	return 0;
}

int model_json_str(const struct model_json *j, json_t *obj, const char *path, const char *key,
		   char *dst, size_t cap)
{
	json_t *v;
	char p[512];

	if (field(j, obj, path, key, &v, p))
		return -MO_EINPUT;
	if (!json_is_string(v))
		return model_json_fail(j, p, "expected a string");
	if (json_string_length(v) >= cap || strlen(json_string_value(v)) != json_string_length(v))
		return model_json_fail(j, p, "string too long or containing NUL");
	memcpy(dst, json_string_value(v), json_string_length(v) + 1);
	return 0;
}

int model_json_array(const struct model_json *j, json_t *obj, const char *path, const char *key,
		     size_t max, json_t **out)
{
	char p[512];

	if (field(j, obj, path, key, out, p))
		return -MO_EINPUT;
	if (!json_is_array(*out))
		return model_json_fail(j, p, "expected an array");
	if (json_array_size(*out) > max)
		return model_json_fail(j, p, "more than %zu entries", max);
	return 0;
}
