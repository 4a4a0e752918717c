/* outfile.c - output files that appear under their name only when complete. */
#include "traces/traces.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int mo_outfile_open(struct mo_outfile *f, const char *path, struct mo_err *err)
{
	static unsigned long counter;
	size_t len = strlen(path) + 64;

	memset(f, 0, sizeof(*f));
	f->path = strdup(path);
	f->tmp_path = malloc(len);
	if (!f->path || !f->tmp_path) {
		mo_outfile_abort(f);
		return mo_err_set(err, MO_ENOMEM, "cannot write '%s': out of memory", path);
	}
	snprintf(f->tmp_path, len, "%s.tmp.%ld.%lu", path, (long)getpid(), counter++);
	f->fp = fopen(f->tmp_path, "wb");
	if (!f->fp) {
		int e = errno;
		mo_outfile_abort(f);
		return mo_err_set(err, MO_EIO, "cannot write '%s': %s", path, strerror(e));
	}
	return 0;
}

int mo_outfile_commit(struct mo_outfile *f, struct mo_err *err)
{
	int failed = 0, e = 0;

	if (!f->fp)
		return mo_err_set(err, MO_EUSAGE, "cannot commit '%s': not open",
				  f->path ? f->path : "?");
	if (ferror(f->fp) || fflush(f->fp) != 0) {
		failed = 1;
		e = errno;
	}
	if (fclose(f->fp) != 0 && !failed) {
		failed = 1;
		e = errno;
	}
	f->fp = NULL;
	if (!failed && rename(f->tmp_path, f->path) != 0) {
		failed = 1;
		e = errno;
	}
	if (failed) {
		int rc = mo_err_set(err, MO_EIO, "cannot write '%s': %s", f->path,
				    strerror(e ? e : EIO));
		mo_outfile_abort(f);
		return rc;
	}
	free(f->path);
	free(f->tmp_path);
	f->path = f->tmp_path = NULL;
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
	if (f->tmp_path)
		unlink(f->tmp_path);
	free(f->path);
	free(f->tmp_path);
	f->path = f->tmp_path = NULL;
}
