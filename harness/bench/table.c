/* table.c - the bench's CSV tables in memory, on disk, and file helpers. */
#include "harness/bench/bench.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *const table_files[] = {
#define X(id, file, cols) file,
	BENCH_TABLES(X)
#undef X
};
static const char *const table_cols[] = {
#define X(id, file, cols) cols,
	BENCH_TABLES(X)
#undef X
};

const char *bench_table_file(int t)
{
	return t >= 0 && t < BENCH_T_COUNT ? table_files[t] : "?";
}

const char *bench_table_columns(int t)
{
	return t >= 0 && t < BENCH_T_COUNT ? table_cols[t] : "";
}

void bench_csv_clean(char *s)
{
	for (; *s; s++) {
		if (*s == ',' || *s == '"')
			*s = ';';
		else if (*s == '\n' || *s == '\r' || *s == '\t')
			*s = ' ';
	}
}

/* Split a line on commas into a heap array of heap strings. */
static char **split(const char *line, int *nf)
{
	int n = 1, i = 0;
	const char *p;
	char **f;

	for (p = line; *p; p++)
		n += *p == ',';
	f = calloc((size_t)n, sizeof(*f));
	if (!f)
		return NULL;
	p = line;
	for (;;) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);

		while (len && (p[len - 1] == '\n' || p[len - 1] == '\r'))
			len--;
		f[i] = strndup(p, len);
		if (!f[i]) {
			while (i--)
				free(f[i]);
			free(f);
			return NULL;
		}
		i++;
		if (!e)
			break;
		p = e + 1;
	}
	*nf = n;
	return f;
}

static void free_fields(char **f, int nf)
{
	for (int i = 0; i < nf; i++)
		free(f[i]);
	free(f);
}

void bench_table_init(struct bench_table *t, const char *name, const char *columns_after_task)
{
	char *cols;

	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "%s", name);
	if (asprintf(&cols, "task,%s", columns_after_task) < 0)
		return;
	t->cols = split(cols, &t->ncols);
	if (!t->cols)
		t->ncols = 0;
	free(cols);
}

void bench_table_release(struct bench_table *t)
{
	for (int i = 0; i < t->n; i++)
		free_fields(t->rows[i].f, t->rows[i].nf);
	free(t->rows);
	free_fields(t->cols, t->ncols);
	memset(t, 0, sizeof(*t));
}

static int add_fields(struct bench_table *t, int task, char **f, int nf, struct mo_err *err)
{
	if (nf != t->ncols) {
		free_fields(f, nf);
		return mo_err_set(err, MO_EINPUT, "table '%s': row of task %d has %d fields, not %d",
				  t->name, task, nf, t->ncols);
	}
	if (MO_GROW(t->rows, (size_t)t->n + 1, t->cap) < 0) {
		free_fields(f, nf);
		return mo_err_set(err, MO_ENOMEM, "table '%s': out of memory", t->name);
	}
	t->rows[t->n].task = task;
	t->rows[t->n].seq = t->n;
	t->rows[t->n].nf = nf;
	t->rows[t->n].f = f;
	t->n++;
	return 0;
}

int bench_table_add(struct bench_table *t, int task, const char *fields, struct mo_err *err)
{
	char *line;
	char **f;
	int nf;

	if (asprintf(&line, "%d,%s", task, fields) < 0)
		return mo_err_set(err, MO_ENOMEM, "table '%s': out of memory", t->name);
	f = split(line, &nf);
	free(line);
	if (!f)
		return mo_err_set(err, MO_ENOMEM, "table '%s': out of memory", t->name);
	return add_fields(t, task, f, nf, err);
}

int bench_table_read(struct bench_table *t, const char *dir, int may_miss, struct mo_err *err)
{
	char path[4096], *text, *line, *save = NULL;
	size_t len;
	int lineno = 0, rc = 0;
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s.csv", dir, t->name);
	if (may_miss && stat(path, &st) != 0)
		return 0;
	if (mo_read_file(path, BENCH_MAX_FILE, &text, &len, err) < 0)
		return -MO_EIO;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char **f;
		int nf;
		char *end;
		long task;

		lineno++;
		f = split(line, &nf);
		if (!f) {
			rc = mo_err_set(err, MO_ENOMEM, "cannot read '%s': out of memory", path);
			break;
		}
		if (lineno == 1) {
			int same = nf == t->ncols;

			for (int i = 0; same && i < nf; i++)
				same = !strcmp(f[i], t->cols[i]);
			free_fields(f, nf);
			if (!same) {
				rc = mo_err_set(err, MO_EINPUT,
						"cannot read '%s': line 1: columns differ from this "
						"mosaic's '%s' table (a shard from another version?)",
						path, t->name);
				break;
			}
			continue;
		}
		errno = 0;
		task = strtol(f[0], &end, 10);
		if (end == f[0] || *end || errno || task < 0 || task >= BENCH_MAX_TASKS) {
			rc = mo_err_set(err, MO_EINPUT, "cannot read '%s': line %d: bad task index "
					"'%.40s' (an integer from 0 to %d)", path, lineno, f[0],
					BENCH_MAX_TASKS - 1);
			free_fields(f, nf);
			break;
		}
		rc = add_fields(t, (int)task, f, nf, err);
		if (rc) {
			mo_err_prefix(err, "cannot read '%s': line %d", path, lineno);
			break;
		}
	}
	if (!rc && lineno == 0)
		rc = mo_err_set(err, MO_EINPUT, "cannot read '%s': empty file", path);
	free(text);
	return rc;
}

static int row_cmp(const void *a, const void *b)
{
	const struct bench_row *x = a, *y = b;

	if (x->task != y->task)
		return x->task < y->task ? -1 : 1;
	return (x->seq > y->seq) - (x->seq < y->seq);
}

void bench_table_sort(struct bench_table *t)
{
	if (t->n > 1)
		qsort(t->rows, (size_t)t->n, sizeof(*t->rows), row_cmp);
	for (int i = 0; i < t->n; i++)
		t->rows[i].seq = i;
}

int bench_table_write(struct bench_table *t, const char *dir, struct mo_err *err)
{
	struct mo_outfile f;
	char path[4096];
	int rc;

	bench_table_sort(t);
	snprintf(path, sizeof(path), "%s/%s.csv", dir, t->name);
	rc = mo_outfile_open(&f, path, err);
	if (rc)
		return rc;
	for (int c = 0; c < t->ncols; c++)
		fprintf(f.fp, "%s%s", c ? "," : "", t->cols[c]);
	fputc('\n', f.fp);
	for (int i = 0; i < t->n; i++) {
		for (int c = 0; c < t->rows[i].nf; c++)
			fprintf(f.fp, "%s%s", c ? "," : "", t->rows[i].f[c]);
		fputc('\n', f.fp);
	}
	return mo_outfile_commit(&f, err);
}

int bench_table_col(const struct bench_table *t, const char *name)
{
	for (int c = 0; c < t->ncols; c++)
		if (!strcmp(t->cols[c], name))
			return c;
	return -1;
}

const char *bench_cell(const struct bench_table *t, int row, const char *col)
{
	int c = bench_table_col(t, col);

	if (c < 0 || row < 0 || row >= t->n || c >= t->rows[row].nf)
		return "";
	return t->rows[row].f[c];
}

double bench_cell_num(const struct bench_table *t, int row, const char *col)
{
	const char *s = bench_cell(t, row, col);
	char *end;
	double v;

	if (!*s)
		return NAN;
	v = strtod(s, &end);
	return *end ? NAN : v;
}

/* ------------------------------------------------------------------------ */

int bench_mkdir_p(const char *path, struct mo_err *err)
{
	char buf[4096];
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof(buf))
		return mo_err_set(err, MO_EUSAGE, "cannot create directory '%s': bad name", path);
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0777) && errno != EEXIST)
			return mo_err_set(err, MO_EIO, "cannot create directory '%s': %s", buf,
					  strerror(errno));
		*p = '/';
	}
	if (mkdir(buf, 0777) && errno != EEXIST)
		return mo_err_set(err, MO_EIO, "cannot create directory '%s': %s", buf,
				  strerror(errno));
	return 0;
}

int bench_write_file(const char *path, const char *text, struct mo_err *err)
{
	struct mo_outfile f;
	int rc = mo_outfile_open(&f, path, err);

	if (rc)
		return rc;
	fputs(text, f.fp);
	return mo_outfile_commit(&f, err);
}
