/*
 * import-pages.c - an array of fixed-size elements in bounded memory (see
 * import-internal.h): pages of a power of two of elements, at most
 * PAGE_BYTES, PAGES_KEPT of them in memory
 * (direct-mapped by page number); a changed page pushed out goes to an
 * unlinked temporary file at its place, created when the first one does,
 * and a page never written reads as zeros.
 */
#include "traces/core-internal.h"
#include "traces/import-internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PAGE_BYTES (64u << 10)

struct imp_page {
	size_t index; /* page number held, when data */
	int dirty;
	unsigned char *data;
};

void imp_pages_init(struct imp_pages *p, size_t elem, const char *name, struct mo_err *err)
{
	memset(p, 0, sizeof(*p));
	p->elem = elem;
	p->shift = 0;
	while ((2u << p->shift) * elem <= PAGE_BYTES)
		p->shift++;
	p->page_bytes = ((size_t)1 << p->shift) * elem;
	p->name = name;
	p->err = err;
}

static int io_fail(struct imp_pages *p, const char *what)
{
	return mo_err_set(p->err, MO_EIO, "cannot import '%s': %s its temporary file: %s", p->name,
			  what, strerror(errno));
}

static int page_write(struct imp_pages *p, struct imp_page *pg)
{
	int rc;
	if (!p->have_fd && (rc = imp_tmpfile(&p->fd, p->name, p->err)) != 0)
		return rc;
	p->have_fd = 1;
	size_t done = 0;
	off_t at = (off_t)(pg->index * p->page_bytes);
	while (done < p->page_bytes) {
		ssize_t w = pwrite(p->fd, pg->data + done, p->page_bytes - done, at + (off_t)done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return io_fail(p, "cannot write");
		done += (size_t)w;
	}
	pg->dirty = 0;
	return 0;
}

static int page_read(struct imp_pages *p, struct imp_page *pg, size_t index)
{
	size_t done = 0;
	pg->index = index;
	while (p->have_fd && done < p->page_bytes) {
		ssize_t g = pread(p->fd, pg->data + done, p->page_bytes - done,
				  (off_t)(index * p->page_bytes + done));
		if (g < 0 && errno == EINTR)
			continue;
		if (g < 0)
			return io_fail(p, "cannot read");
		if (g == 0)
			break;
		done += (size_t)g;
	}
	memset(pg->data + done, 0, p->page_bytes - done);
	return 0;
}

void *imp_pages_at(struct imp_pages *p, size_t i, int write)
{
	size_t index = i >> p->shift;
	struct imp_page *pg;

	if (!p->pages && !(p->pages = calloc(PAGES_KEPT, sizeof(*p->pages)))) {
		mo_err_set(p->err, MO_ENOMEM, "cannot import '%s': out of memory", p->name);
		return NULL;
	}
	pg = &p->pages[index % PAGES_KEPT];
	if (!pg->data || pg->index != index) {
		if (!pg->data && !(pg->data = malloc(PAGE_BYTES))) {
			mo_err_set(p->err, MO_ENOMEM, "cannot import '%s': out of memory", p->name);
			return NULL;
		}
		if ((pg->dirty && page_write(p, pg) != 0) || page_read(p, pg, index) != 0)
			return NULL;
	}
	pg->dirty |= write;
	return pg->data + (i & (((size_t)1 << p->shift) - 1)) * p->elem;
}

void imp_pages_release(struct imp_pages *p)
{
	for (size_t k = 0; p->pages && k < PAGES_KEPT; k++)
		free(p->pages[k].data);
	free(p->pages);
	if (p->have_fd)
		close(p->fd);
	memset(p, 0, sizeof(*p));
}
