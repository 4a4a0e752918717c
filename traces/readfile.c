/* readfile.c - a whole text file into memory (mo_read_file, contract in traces.h). */
#include "traces/traces.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Read fp to its end, a NUL byte or past max bytes into *buf (capacity *cap). */
static int read_all(FILE *fp, size_t max, char **buf, size_t *cap, size_t *n)
{
	size_t got;

	do {
		if (MO_GROW(*buf, *n + 65536 + 1, *cap) < 0)
			return -1;
		got = fread(*buf + *n, 1, *cap - *n - 1, fp);
		*n += got;
	} while (got > 0 && *n <= max && !memchr(*buf + *n - got, '\0', got));
	return 0;
}

int mo_read_file(const char *path, size_t max, char **out, size_t *len, struct mo_err *err)
{
	FILE *fp = fopen(path, "rb");
	char *buf = NULL, *nul;
	size_t n = 0, cap = 0;
	struct stat st;
	int rc = 0;

	*out = NULL;
	if (!fp)
		return mo_err_set(err, errno == ENOENT ? MO_EINPUT : MO_EIO, "cannot open '%s': %s",
				  path, strerror(errno));
	if (fstat(fileno(fp), &st) == 0 && S_ISDIR(st.st_mode))
		rc = mo_err_set(err, MO_EINPUT, "cannot read '%s': it is a directory", path);
	else if (read_all(fp, max, &buf, &cap, &n) < 0)
		rc = mo_err_set(err, MO_ENOMEM, "cannot read '%s': out of memory", path);
	else if (ferror(fp))
		rc = mo_err_set(err, MO_EIO, "cannot read '%s': %s", path, strerror(errno));
	else if (n > max)
		rc = mo_err_set(err, MO_EINPUT, "cannot read '%s': larger than %zu bytes", path, max);
	else if ((nul = memchr(buf, '\0', n)))
		rc = mo_err_set(err, MO_EINPUT, "cannot read '%s': offset %zu: a NUL byte (not text)",
				path, (size_t)(nul - buf));
	fclose(fp);
	if (rc < 0) {
		free(buf);
		return rc;
	}
	buf[n] = '\0';
	*out = buf;
	if (len)
		*len = n;
	return 0;
}
