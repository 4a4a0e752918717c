/*
 * import-sort.c - fixed-size records sorted in bounded memory (see
 * import-internal.h): up to cap records are sorted in memory; beyond that,
 * each full buffer is sorted and written as a run to an unlinked temporary
 * file, and the runs are merged when read back (a heap of the runs' heads,
 * each run read through a buffer of SORT_READ records).  Ties keep the order
 * records were added in (the in-memory sort is glibc's merge sort, and the
 * merge takes the earlier run first).  Records that come nearly in order,
 * as a profiler writes most events, are put in place as they are added
 * (each moved back past at most SORT_SHIFT greater ones), so an ordered
 * buffer is not sorted again; one further out of place leaves the buffer
 * to the sort.
 */
#include "traces/core-internal.h"
#include "traces/import-internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SORT_READ 1024 /* records a run reads at a time */
#ifndef SORT_SHIFT      /* the fuzz build sets it below its tiny caps */
#define SORT_SHIFT 64  /* records an added one may move back past */
#endif

struct imp_sort_run {
	long long off;      /* file offset of its next unread record */
	size_t left;        /* records not yet read from the file */
	unsigned char *buf; /* read records */
	size_t n, pos;
};

void imp_sort_init(struct imp_sort *s, size_t elem, size_t cap,
		   int (*cmp)(const void *, const void *))
{
	memset(s, 0, sizeof(*s));
	s->elem = elem;
	s->cap = cap;
	s->cmp = cmp;
}

static int io_fail(const char *name, const char *what, struct mo_err *err)
{
	return mo_err_set(err, MO_EIO, "cannot import '%s': %s its temporary file: %s", name, what,
			  strerror(errno));
}

/* Sort the buffer and append it to the file as one run. */
static int spill_run(struct imp_sort *s, const char *name, struct mo_err *err)
{
	int rc;
	if (!s->have_fd && (rc = imp_tmpfile(&s->fd, name, err)) != 0)
		return rc;
	s->have_fd = 1;
	if (MO_GROW(s->runs, s->nruns + 1, s->runs_cap) < 0)
		return mo_err_set(err, MO_ENOMEM, "cannot import '%s': out of memory", name);
	if (s->unsorted)
		qsort(s->buf, s->n, s->elem, s->cmp);
	s->unsorted = 0;
	struct imp_sort_run *r = &s->runs[s->nruns++];
	memset(r, 0, sizeof(*r));
	r->off = s->file_end;
	r->left = s->n;
	size_t bytes = s->n * s->elem, done = 0;
	while (done < bytes) {
		ssize_t w = write(s->fd, s->buf + done, bytes - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return io_fail(name, "cannot write", err);
		done += (size_t)w;
	}
	s->file_end += (long long)bytes;
	s->n = 0;
	return 0;
}

/* rec into the buffer: in place while the buffer is in order and it is at
 * most SORT_SHIFT records out of it (ties after), else at the end, the
 * buffer then left to qsort. */
static void put(struct imp_sort *s, const void *rec)
{
	size_t e = s->elem, k = s->n, lim = k > SORT_SHIFT ? k - SORT_SHIFT : 0;
	while (!s->unsorted && k > 0 && s->cmp(s->buf + (k - 1) * e, rec) > 0) {
		if (k == lim) {
			s->unsorted = 1;
			k = s->n;
			break;
		}
		k--;
	}
	memmove(s->buf + (k + 1) * e, s->buf + k * e, (s->n - k) * e);
	memcpy(s->buf + k * e, rec, e);
}

int imp_sort_add(struct imp_sort *s, const void *rec, const char *name, struct mo_err *err)
{
	int rc;
	if (s->n == s->cap && (rc = spill_run(s, name, err)) != 0)
		return rc;
	/* records of s->elem bytes, so mo_grow rather than MO_GROW; the buffer
	 * holds at most cap records (a spill empties it) and is allocated to
	 * the power of two at or above them: cap itself for the importer's
	 * caps (2^17), at least 16 for the fuzz build's tiny ones */
	if (mo_grow(&s->buf, &s->buf_cap, s->n + 1, s->elem) < 0)
		return mo_err_set(err, MO_ENOMEM, "cannot import '%s': out of memory", name);
	put(s, rec);
	s->n++;
	return 0;
}

/* Refill run r's buffer: 1 with records, 0 when it is done, < 0. */
static int run_fill(struct imp_sort *s, struct imp_sort_run *r, const char *name,
		    struct mo_err *err)
{
	if (r->pos < r->n)
		return 1;
	if (!r->left)
		return 0;
	size_t k = r->left < SORT_READ ? r->left : SORT_READ, bytes = k * s->elem, done = 0;
	while (done < bytes) {
		ssize_t g = pread(s->fd, r->buf + done, bytes - done, (off_t)(r->off + (long long)done));
		if (g < 0 && errno == EINTR)
			continue;
		if (g <= 0)
			return g == 0 ? mo_err_set(err, MO_EIO, "cannot import '%s': its temporary file "
						   "is truncated", name) : io_fail(name, "cannot read", err);
		done += (size_t)g;
	}
	r->off += (long long)bytes;
	r->left -= k;
	r->n = k;
	r->pos = 0;
	return 1;
}

static const void *head(const struct imp_sort *s, size_t run)
{
	const struct imp_sort_run *r = &s->runs[run];
	return r->buf + r->pos * s->elem;
}

/* Heap of run indexes by their head record, ties to the earlier run. */
static int run_less(const struct imp_sort *s, size_t a, size_t b)
{
	int c = s->cmp(head(s, a), head(s, b));
	return c < 0 || (c == 0 && a < b);
}

static void sift_down(struct imp_sort *s, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, m = i;
		if (l < s->nheap && run_less(s, s->heap[l], s->heap[m]))
			m = l;
		if (l + 1 < s->nheap && run_less(s, s->heap[l + 1], s->heap[m]))
			m = l + 1;
		if (m == i)
			return;
		size_t t = s->heap[i];
		s->heap[i] = s->heap[m];
		s->heap[m] = t;
		i = m;
	}
}

int imp_sort_done(struct imp_sort *s, const char *name, struct mo_err *err)
{
	int rc;
	s->reading = 1;
	s->pos = 0;
	if (!s->nruns) { /* all in memory */
		if (s->unsorted)
			qsort(s->buf, s->n, s->elem, s->cmp);
		s->unsorted = 0;
		return 0;
	}
	if (s->n && (rc = spill_run(s, name, err)) != 0)
		return rc;
	free(s->buf);
	s->buf = NULL;
	s->buf_cap = 0;
	s->heap = malloc(s->nruns * sizeof(*s->heap));
	if (!s->heap)
		return mo_err_set(err, MO_ENOMEM, "cannot import '%s': out of memory", name);
	for (size_t i = 0; i < s->nruns; i++) {
		s->runs[i].buf = malloc(SORT_READ * s->elem);
		if (!s->runs[i].buf)
			return mo_err_set(err, MO_ENOMEM, "cannot import '%s': out of memory", name);
		if ((rc = run_fill(s, &s->runs[i], name, err)) < 0)
			return rc;
		if (rc)
			s->heap[s->nheap++] = i;
	}
	for (size_t i = s->nheap / 2; i-- > 0;)
		sift_down(s, i);
	return 0;
}

int imp_sort_next(struct imp_sort *s, void *rec, const char *name, struct mo_err *err)
{
	if (!s->nruns) {
		if (s->pos == s->n)
			return 0;
		memcpy(rec, s->buf + s->pos++ * s->elem, s->elem);
		return 1;
	}
	if (!s->nheap)
		return 0;
	struct imp_sort_run *r = &s->runs[s->heap[0]];
	memcpy(rec, r->buf + r->pos++ * s->elem, s->elem);
	int rc = run_fill(s, r, name, err);
	if (rc < 0)
		return rc;
	if (!rc)
		s->heap[0] = s->heap[--s->nheap];
	sift_down(s, 0);
	return 1;
}

void imp_sort_release(struct imp_sort *s)
{
	for (size_t i = 0; i < s->nruns; i++)
		free(s->runs[i].buf);
	free(s->runs);
	free(s->heap);
	free(s->buf);
	if (s->have_fd)
		close(s->fd);
	memset(s, 0, sizeof(*s));
}
