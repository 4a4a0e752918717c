/* json.c - the path-aware JSON field readers (model_json_*, contract in model.h). */
#include "model/model.h"

#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

int model_json_parse(const struct model_json *j, const char *text, size_t len, size_t flags,
		     struct json_t **root)
{
	json_error_t je;

	*root = json_loadb(text, len, flags, &je);
	if (!*root)
		return mo_err_set(j->err, MO_EINPUT, "cannot parse %s '%s': line %d, column %d: %s",
				  j->what, j->file, je.line, je.column, je.text);
	return 0;
}

int model_json_load(const struct model_json *j, size_t max, size_t flags, struct json_t **root)
{
	char *text;
	size_t len;
	int rc;

	*root = NULL;
	if ((rc = mo_read_file(j->file, max, &text, &len, j->err)) < 0)
		return rc;
	rc = model_json_parse(j, text, len, flags, root);
	free(text);
	return rc;
}

/* "path.key" (or "key" at the top level) into buf. */
static const char *at(char *buf, size_t size, const char *path, const char *key)
{
	snprintf(buf, size, "%s%s%s", path, path[0] ? "." : "", key);
	return buf;
}

static const char *type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a number";
	case JSON_TRUE: case JSON_FALSE: return "a boolean";
	case JSON_NULL: return "null";
	}
	return "?";
}

/* The one type check of every reader: "expected <expected>, got <its type>". */
static int want(const struct model_json *j, const json_t *v, const char *path, int ok,
		const char *expected)
{
	return ok ? 0 : model_json_fail(j, path, "expected %s, got %s", expected, type_name(v));
}

/* "unknown field (known: a, b, c)" */
static int unknown_field(const struct model_json *j, const char *path, const char *const *allowed)
{
	char list[400] = "";

	for (int i = 0; allowed[i]; i++) {
		strncat(list, i ? ", " : "", sizeof(list) - strlen(list) - 1);
		strncat(list, allowed[i], sizeof(list) - strlen(list) - 1);
	}
	return model_json_fail(j, path, "unknown field (known: %s)", list);
}

int model_json_keys(const struct model_json *j, json_t *obj, const char *path,
		    const char *const *allowed)
{
	const char *key;
	json_t *v;
	char p[512];

	if (model_json_v_object(j, obj, path))
		return -MO_EINPUT;
	json_object_foreach(obj, key, v) {
		const char *const *a = allowed;

		while (*a && strcmp(*a, key))
			a++;
		if (!*a)
			return unknown_field(j, at(p, sizeof(p), path, key), allowed);
	}
	return 0;
}

int model_json_v_int(const struct model_json *j, json_t *v, const char *path, int64_t lo,
		     int64_t hi, int64_t *out)
{
	/* JSON has one number type: 224.0 is the integer 224 (below 2^53, exact) */
	int integral = json_is_real(v) && json_real_value(v) == floor(json_real_value(v)) &&
		       fabs(json_real_value(v)) < 9e15;

	if (want(j, v, path, json_is_integer(v) || integral, "an integer"))
		return -MO_EINPUT;
	*out = integral ? (int64_t)json_real_value(v) : json_integer_value(v);
	if (*out < lo || *out > hi)
		return model_json_fail(j, path, "%lld is out of range [%lld, %lld]", (long long)*out,
				       (long long)lo, (long long)hi);
	return 0;
}

int model_json_v_num(const struct model_json *j, json_t *v, const char *path, double lo,
		     double hi, double *out)
{
	if (want(j, v, path, json_is_number(v) && isfinite(json_number_value(v)), "a number"))
		return -MO_EINPUT;
	*out = json_number_value(v);
	if (!(*out >= lo && *out <= hi))
		return model_json_fail(j, path, "%g is out of range [%g, %g]", *out, lo, hi);
	return 0;
}

int model_json_v_str(const struct model_json *j, json_t *v, const char *path, char *dst,
		     size_t cap)
{
	if (want(j, v, path, json_is_string(v), "a string"))
		return -MO_EINPUT;
	if (json_string_length(v) >= cap)
		return model_json_fail(j, path, "string longer than %zu bytes", cap - 1);
	if (strlen(json_string_value(v)) != json_string_length(v))
		return model_json_fail(j, path, "string contains a NUL byte");
	memcpy(dst, json_string_value(v), json_string_length(v) + 1);
	return 0;
}

int model_json_v_bool(const struct model_json *j, json_t *v, const char *path, int *out)
{
	if (want(j, v, path, json_is_boolean(v), "a boolean"))
		return -MO_EINPUT;
	*out = json_is_true(v);
	return 0;
}

int model_json_v_enum(const struct model_json *j, json_t *v, const char *path,
		      const char *const *names, int *out)
{
	char buf[64], list[256] = "";
	int i;

	if (model_json_v_str(j, v, path, buf, sizeof(buf)) < 0)
		return -MO_EINPUT;
	for (i = 0; names[i]; i++)
		if (!strcasecmp(buf, names[i])) {
			*out = i;
			return 0;
		}
	for (i = 0; names[i]; i++) {
		strncat(list, i ? ", " : "", sizeof(list) - strlen(list) - 1);
		strncat(list, names[i], sizeof(list) - strlen(list) - 1);
	}
	return model_json_fail(j, path, "unknown value '%s' (known: %s)", buf, list);
}

int model_json_v_object(const struct model_json *j, json_t *v, const char *path)
{
	return want(j, v, path, json_is_object(v), "an object");
}

int model_json_v_array(const struct model_json *j, json_t *v, const char *path, size_t max)
{
	if (want(j, v, path, json_is_array(v), "an array"))
		return -MO_EINPUT;
	if (json_array_size(v) > max)
		return model_json_fail(j, path, "more than %zu entries", max);
	return 0;
}

/* The field key of obj, its path in p; NULL after "missing field". */
static json_t *get(const struct model_json *j, json_t *obj, const char *path, const char *key,
		   char p[512])
{
	json_t *v = json_object_get(obj, key);

	at(p, 512, path, key);
	if (!v)
		model_json_fail(j, p, "missing field");
	return v;
}

int model_json_field(const struct model_json *j, json_t *obj, const char *path, const char *key,
		     json_t **out)
{
	char p[512];

	return (*out = get(j, obj, path, key, p)) ? 0 : -MO_EINPUT;
}

int model_json_int(const struct model_json *j, json_t *obj, const char *path, const char *key,
		   int64_t lo, int64_t hi, int64_t *out)
{
	char p[512];
	json_t *v = get(j, obj, path, key, p);

	return v ? model_json_v_int(j, v, p, lo, hi, out) : -MO_EINPUT;
}

int model_json_num(const struct model_json *j, json_t *obj, const char *path, const char *key,
		   double lo, double hi, double *out)
{
	char p[512];
	json_t *v = get(j, obj, path, key, p);

	return v ? model_json_v_num(j, v, p, lo, hi, out) : -MO_EINPUT;
}

int model_json_str(const struct model_json *j, json_t *obj, const char *path, const char *key,
		   char *dst, size_t cap)
{
	char p[512];
	json_t *v = get(j, obj, path, key, p);

	return v ? model_json_v_str(j, v, p, dst, cap) : -MO_EINPUT;
}

int model_json_array(const struct model_json *j, json_t *obj, const char *path, const char *key,
		     size_t max, json_t **out)
{
	char p[512];

	*out = get(j, obj, path, key, p);
	return *out ? model_json_v_array(j, *out, p, max) : -MO_EINPUT;
}
