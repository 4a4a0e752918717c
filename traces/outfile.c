/* outfile.c - output files that appear under their name only when complete. */
#include "traces/core-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Tries at an unused temporary name before giving up (as mkstemp does). */
#define TMP_TRIES 100

/* Twelve unpredictable characters: getrandom(2), else the clock and pid mixed. */
static void random_suffix(char *out)
{
	static const char alphabet[] =
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-";
	unsigned char r[12];

	if (getrandom(r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r)) {
		struct timespec ts;
		uint64_t x;
		clock_gettime(CLOCK_REALTIME, &ts);
		x = (uint64_t)ts.tv_nsec * 0x9E3779B97F4A7C15ull ^ (uint64_t)ts.tv_sec ^
		    ((uint64_t)getpid() << 32) ^ (uint64_t)(uintptr_t)out;
		for (size_t i = 0; i < sizeof(r); i++) {
			x ^= x >> 29, x *= 0xBF58476D1CE4E5B9ull, x ^= x >> 32;
			r[i] = (unsigned char)x;
		}
	}
	for (size_t i = 0; i < sizeof(r); i++)
		out[i] = alphabet[r[i] & 63];
	out[sizeof(r)] = '\0';
}

/* Create "<path>.tmp.<random>" exclusively (O_EXCL: never an existing file,
 * never through a planted symlink), mode 0666 less the umask. */
static int create_temporary(struct mo_outfile *f, struct mo_err *err)
{
	size_t len = strlen(f->path) + 32;
	int fd = -1;

	if (!(f->tmp_path = malloc(len)))
		return mo_err_set(err, MO_ENOMEM, "cannot write '%s': out of memory", f->path);
	for (int i = 0; i < TMP_TRIES && fd < 0; i++) {
		char suffix[16];
		random_suffix(suffix);
		snprintf(f->tmp_path, len, "%s.tmp.%s", f->path, suffix);
		fd = open(f->tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0666);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	if (fd < 0) {
		int e = errno;
		free(f->tmp_path);
		f->tmp_path = NULL;
		return mo_err_set(err, MO_EIO, "cannot write '%s': %s", f->path, strerror(e));
	}
	f->slot = trace_outfile_register(f->tmp_path);
	if (!(f->fp = fdopen(fd, "wb"))) {
		close(fd);
		return mo_err_set(err, MO_ENOMEM, "cannot write '%s': out of memory", f->path);
	}
	return 0;
}

/* A character device or a FIFO (/dev/null, /dev/stdout, a pipe) is written in
 * place: renaming over it would replace the node by a regular file. */
static int open_in_place(struct mo_outfile *f, struct mo_err *err)
{
	int fd = open(f->path, O_WRONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0 || !(f->fp = fdopen(fd, "wb"))) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return mo_err_set(err, MO_EIO, "cannot write '%s': %s", f->path, strerror(e));
	}
	return 0;
}

int mo_outfile_open(struct mo_outfile *f, const char *path, struct mo_err *err)
{
	struct stat st;
	int rc;

	memset(f, 0, sizeof(*f));
	f->slot = -1;
	if (!(f->path = strdup(path)))
		return mo_err_set(err, MO_ENOMEM, "cannot write '%s': out of memory", path);
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode))
			rc = open_in_place(f, err);
		else
			rc = mo_err_set(err, MO_EUSAGE, "cannot write '%s': %s", path,
					S_ISDIR(st.st_mode) ? "it is a directory" :
					"not a regular file, a character device or a FIFO");
	} else {
		rc = create_temporary(f, err);
	}
	if (rc < 0)
		mo_outfile_abort(f);
	return rc;
}

/* Flush stdio and, for a temporary, the kernel's cache (fsync): after the
 * rename the name holds the whole file even if the machine stops. */
static int finish_stream(struct mo_outfile *f)
{
	int e = 0;

	if (ferror(f->fp) || fflush(f->fp) != 0)
		e = errno ? errno : EIO;
	if (!e && f->tmp_path && fsync(fileno(f->fp)) != 0)
		e = errno;
	if (fclose(f->fp) != 0 && !e)
		e = errno ? errno : EIO;
	f->fp = NULL;
	return e;
}

int mo_outfile_commit(struct mo_outfile *f, struct mo_err *err)
{
	int e;

	if (!f->fp)
		return mo_err_set(err, MO_EUSAGE, "cannot commit '%s': not open",
				  f->path ? f->path : "?");
	errno = 0;
	e = finish_stream(f);
	if (!e && f->tmp_path && rename(f->tmp_path, f->path) != 0)
		e = errno;
	if (e) {
		int rc = mo_err_set(err, MO_EIO, "cannot write '%s': %s", f->path, strerror(e));
		mo_outfile_abort(f);
		return rc;
	}
	trace_outfile_unregister(f->slot);
	free(f->path);
	free(f->tmp_path);
	f->path = f->tmp_path = NULL;
	f->slot = -1;
	return 0;
}

void mo_outfile_abort(struct mo_outfile *f)
{
	if (!f)
		return;
	if (f->fp) {
		fclose(f->fp);
		f->fp = NULL;
	}
	if (f->tmp_path) {
		unlink(f->tmp_path);
		trace_outfile_unregister(f->slot);
	}
	free(f->path);
	free(f->tmp_path);
	f->path = f->tmp_path = NULL;
	f->slot = -1;
}
