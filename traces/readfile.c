/* readfile.c - opening regular files only, and a whole text file into memory
 * (mo_open_regular, mo_read_file; contract in traces.h). */
#include "traces/traces.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* What a file that is not a regular one is, for the message. */
static const char *file_kind(mode_t mode)
{
	if (S_ISDIR(mode))
		return "it is a directory";
	if (S_ISFIFO(mode))
		return "it is a FIFO (a pipe), not a regular file (save it to a file first)";
	if (S_ISCHR(mode))
		return "it is a character device, not a regular file";
	if (S_ISBLK(mode))
		return "it is a block device, not a regular file";
	if (S_ISSOCK(mode))
		return "it is a socket, not a regular file";
	return "not a regular file";
}

/* An errno of open(2) or stat(2) as a status: the path names nothing
 * readable (bad input) or the system refused. */
static int open_status(int e)
{
	return e == ENOENT || e == ENOTDIR || e == ELOOP || e == ENAMETOOLONG || e == EISDIR
		       ? MO_EINPUT : MO_EIO;
}

int mo_open_regular_fd(const char *path, int *fd, struct mo_err *err)
{
	struct stat before, st;
	int rc = 0;

	/* stat first: a device is refused without being opened (opening some
	 * has effects); then the file opened must be the one seen.  O_NONBLOCK
	 * keeps a path swapped for a FIFO in between from blocking the open (the
	 * inode check then refuses it); on a regular file it changes nothing. */
	*fd = -1;
	if (stat(path, &before) != 0)
		return mo_err_set(err, open_status(errno), "cannot open '%s': %s", path,
				  strerror(errno));
	if (!S_ISREG(before.st_mode))
		return mo_err_set(err, MO_EINPUT, "cannot read '%s': %s", path,
				  file_kind(before.st_mode));
	*fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (*fd < 0)
		return mo_err_set(err, open_status(errno), "cannot open '%s': %s", path,
				  strerror(errno));
	if (fstat(*fd, &st) != 0)
		rc = mo_err_set(err, MO_EIO, "cannot read '%s': %s", path, strerror(errno));
	else if (st.st_dev != before.st_dev || st.st_ino != before.st_ino)
		rc = mo_err_set(err, MO_EINPUT, "cannot read '%s': it was replaced while being opened",
				path);
	if (rc < 0) {
		close(*fd);
		*fd = -1;
	}
	return rc;
}

int mo_open_regular(const char *path, FILE **fp, struct mo_err *err)
{
	int fd, rc = mo_open_regular_fd(path, &fd, err);

	*fp = NULL;
	if (rc < 0)
		return rc;
	if (!(*fp = fdopen(fd, "rb"))) {
		rc = mo_err_set(err, MO_EIO, "cannot read '%s': %s", path, strerror(errno));
		close(fd);
	}
	return rc;
}

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
	FILE *fp;
	char *buf = NULL, *nul;
	size_t n = 0, cap = 0;
	int rc;

	*out = NULL;
	if ((rc = mo_open_regular(path, &fp, err)) < 0)
		return rc;
	if (read_all(fp, max, &buf, &cap, &n) < 0)
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
