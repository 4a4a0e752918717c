/*
 * measure-import.c - loading measurement paths: the CSV form, the readers
 * of published GPU-sharing data sets (measure-sets.c and its siblings), and
 * folders walked recursively.
 */
#include "model/model.h"
#include "model/measure-internal.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int model_meas_load_csv(struct model_meas_set *s, const char *path, struct mo_err *err)
{
	char *text;
	size_t len;
	int rc = mo_read_file(path, (size_t)MODEL_MEAS_MAX_BYTES, &text, &len, err);

	if (rc < 0)
		return rc;
	rc = model_meas_parse_csv(s, text, len, path, err);
	free(text);
	return rc;
}

/* The first line of text that is not a comment, copied into line. */
static void first_line(const char *text, char *line, size_t size)
{
	const char *p = text;

	while (*p == '#') {
		p = strchr(p, '\n');
		p = p ? p + 1 : "";
	}
	snprintf(line, size, "%.*s", (int)strcspn(p, "\r\n"), p);
}

static const char *base_name(const char *path)
{
	const char *b = strrchr(path, '/');
	return b ? b + 1 : path;
}

/*
 * One file: the CSV form (header starts "kind,"), or a data set a reader
 * knows by its header or name.  1 when read, 0 when no reader knows it.
 */
static int load_file(struct model_meas_set *s, const char *path, struct mo_err *err)
{
	char *text, head[256];
	size_t len;
	int rc = mo_read_file(path, (size_t)MODEL_MEAS_MAX_BYTES, &text, &len, err);

	if (rc < 0)
		return rc;
	first_line(text, head, sizeof(head));
	if (!strncmp(head, "kind,", 5))
		rc = model_meas_parse_csv(s, text, len, path, err);
	else
		rc = meas_import_text(s, path, base_name(path), head, text, len, err);
	free(text);
	return rc < 0 ? rc : rc == 0 ? 1 : 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int walk(struct model_meas_set *s, const char *dir, int depth, int *ignored,
		struct mo_err *err);

/* One entry of a folder being walked. */
static int walk_entry(struct model_meas_set *s, const char *path, int depth, int *ignored,
		      struct mo_err *err)
{
	struct stat st;
	int rc;

	if (stat(path, &st) < 0)
		return mo_err_set(err, MO_EIO, "cannot stat '%s': %s", path, strerror(errno));
	if (S_ISDIR(st.st_mode)) {
		rc = meas_import_dir(s, path, err);
		if (rc != 1)
			return rc < 0 ? rc : 0;
		return walk(s, path, depth + 1, ignored, err);
	}
	if (!S_ISREG(st.st_mode)) {
		(*ignored)++;
		return 0;
	}
	rc = load_file(s, path, err);
	if (rc == 0)
		(*ignored)++;
	return rc < 0 ? rc : 0;
}

static int walk(struct model_meas_set *s, const char *dir, int depth, int *ignored,
		struct mo_err *err)
{
	DIR *d;
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;

	if (depth > 8)
		return mo_err_set(err, MO_EINPUT, "'%s': folders nested deeper than 8 levels", dir);
	d = opendir(dir);
	if (!d)
		return mo_err_set(err, MO_EIO, "cannot open folder '%s': %s", dir, strerror(errno));
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (MO_GROW(names, n + 1, cap) < 0) {
			rc = mo_err_set(err, MO_ENOMEM, "out of memory");
			goto out;
		}
		names[n] = malloc(strlen(dir) + strlen(e->d_name) + 2);
		if (!names[n]) {
			rc = mo_err_set(err, MO_ENOMEM, "out of memory");
			goto out;
		}
		sprintf(names[n++], "%s/%s", dir, e->d_name);
	}
	qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = walk_entry(s, names[i], depth, ignored, err);
out:
	closedir(d);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

/* The data set of a row read from `where` ("FILE" or "FILE:LINE") under
 * the folder root (root_is_set: the folder is one data set's, read whole):
 * the entry of root the file is in, without a line suffix; root's own name
 * when the row is not under it as an entry.  A name from the disk goes into
 * tables, CSV and JSON: bytes other than letters, digits and ._+- become
 * '_'. */
static void dataset_of(const char *root, int root_is_set, const char *where, char *out, size_t size)
{
	size_t n = strlen(root), b;
	const char *rest, *end;

	while (n > 1 && root[n - 1] == '/')
		n--;
	if (!root_is_set && !strncmp(where, root, n) && where[n] == '/') {
		rest = where + n + 1;
		while (*rest == '/') /* a root given with its trailing slash */
			rest++;
		end = strchr(rest, '/');
		if (!end) {
			end = strrchr(rest, ':');
			if (!end || !isdigit((unsigned char)end[1]))
				end = rest + strlen(rest);
		}
		snprintf(out, size, "%.*s", (int)(end - rest), rest);
	} else {
		for (b = n; b > 0 && root[b - 1] != '/'; b--)
			;
		snprintf(out, size, "%.*s", (int)(n - b), root + b);
	}
	for (; *out; out++)
		if (!isalnum((unsigned char)*out) && !strchr("._+-", *out))
			*out = '_';
}

int model_meas_load_path(struct model_meas_set *s, const char *path, int *ignored,
			 struct mo_err *err)
{
	size_t n0 = s->n, k0 = s->nskip, g0 = s->ngains;
	struct stat st;
	int dummy = 0, rc, is_set;

	if (!ignored)
		ignored = &dummy;
	if (stat(path, &st) < 0) /* a path the user named: bad input */
		return mo_err_set(err, MO_EINPUT, "cannot open '%s': %s", path, strerror(errno));
	if (S_ISDIR(st.st_mode)) {
		rc = meas_import_dir(s, path, err);
		is_set = rc != 1;
		if (rc == 1)
			rc = walk(s, path, 0, ignored, err);
	} else {
		is_set = 1;
		rc = load_file(s, path, err);
		if (rc == 0)
			rc = mo_err_set(err, MO_EINPUT,
					"'%s': not a measurement file (the CSV form starts with the header "
					"'kind,dtype,shape,gpu,mechanism,quota,corun,time_<unit>'; "
					"model/MEASUREMENTS.md lists the data sets with readers)",
					path);
	}
	if (rc < 0) {
		s->n = n0;
		s->nskip = k0;
		s->ngains = g0;
		return rc;
	}
	for (size_t i = n0; i < s->n; i++)
		dataset_of(path, is_set, s->m[i].where, s->m[i].dataset, sizeof(s->m[i].dataset));
	return 0;
}
