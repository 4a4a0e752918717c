/*
 * import-spill.c - the importer's GPU events kept on a temporary file
 * between its parse and their attribution (see import-internal.h).
 *
 * Record layout (native byte order, read back by the process that wrote
 * it): a fixed head (presence bits, ph, category, name length, ts, dur,
 * pid, tid, offset, which of the four small strings follow), then the
 * integer args present in args_present (grid and block as three values
 * each), the name, and each small string present as a 16-bit length and
 * its bytes.  A generated trace's kernel takes about 300 bytes here against
 * about 700 of JSON.
 */
#include "traces/core-internal.h"
#include "traces/import-internal.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SPILL_BUF (1u << 20)

struct head {
	imp_fixed ts, dur;
	int64_t pid, tid;
	uint64_t args_present, offset;
	uint32_t present;
	uint16_t name_len;
	uint8_t ph, cat, strs;
};

/* The largest record: head, every arg, the longest name and strings. */
#define SPILL_MAX (sizeof(struct head) + (A_COUNT + 6) * 8 + 8192 + 4 * 258)

static int io_fail(const char *name, const char *what, struct mo_err *err)
{
	return mo_err_set(err, MO_EIO, "cannot import '%s': %s its temporary file: %s", name, what,
			  strerror(errno));
}

int imp_tmpfile(int *fd, const char *name, struct mo_err *err)
{
	const char *dir = getenv("TMPDIR");
	char path[4096];

	if (!dir || !dir[0])
		dir = "/tmp";
	snprintf(path, sizeof(path), "%s/mosaic-import-XXXXXX", dir);
	*fd = mkstemp(path);
	if (*fd < 0)
		return mo_err_set(err, MO_EIO, "cannot import '%s': cannot create a temporary file "
				  "in '%s': %s", name, dir, strerror(errno));
	unlink(path);
	return 0;
}

static int open_file(struct imp_spill *s, const char *name, struct mo_err *err)
{
	s->buf = malloc(SPILL_BUF);
	if (!s->buf)
		return mo_err_set(err, MO_ENOMEM, "cannot import '%s': out of memory", name);
	s->cap = SPILL_BUF;
	return imp_tmpfile(&s->fd, name, err);
}

static int flush(struct imp_spill *s, const char *name, struct mo_err *err)
{
	size_t off = 0;
	while (off < s->len) {
		ssize_t w = write(s->fd, s->buf + off, s->len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return io_fail(name, "cannot write", err);
		off += (size_t)w;
	}
	s->len = 0;
	return 0;
}

static void put(struct imp_spill *s, const void *p, size_t n)
{
	memcpy(s->buf + s->len, p, n);
	s->len += n;
}

static void put_str(struct imp_spill *s, const char *str)
{
	uint16_t n = (uint16_t)strlen(str);
	put(s, &n, sizeof(n));
	put(s, str, n);
}

/* The event's four small strings (collective, dtype, group name, ranks):
 * where each is in struct imp_event, and its size. */
#define FIELD(f) {offsetof(struct imp_event, f), sizeof(((struct imp_event *)0)->f)}
static const struct { size_t off, cap; } small[4] = {
	FIELD(coll), FIELD(dtype), FIELD(pg_name), FIELD(pg_ranks),
};
#undef FIELD

int imp_spill_put(struct imp_spill *s, const struct imp_event *e, const char *name,
		  struct mo_err *err)
{
	struct head h;
	int rc;

	if (!s->buf && (rc = open_file(s, name, err)) != 0)
		return rc;
	if (s->cap - s->len < SPILL_MAX && (rc = flush(s, name, err)) != 0)
		return rc;
	memset(&h, 0, sizeof(h));
	h.ts = e->ts;
	h.dur = e->dur;
	h.pid = e->pid;
	h.tid = e->tid;
	h.args_present = e->args_present;
	h.offset = e->offset;
	h.present = e->present;
	h.name_len = (uint16_t)e->name_len;
	h.ph = (uint8_t)e->ph;
	h.cat = (uint8_t)e->cat;
	for (int i = 0; i < 4; i++)
		h.strs |= (uint8_t)(((const char *)e)[small[i].off] ? 1u << i : 0);
	put(s, &h, sizeof(h));
	for (int k = 0; k < A_COUNT; k++) {
		if (!(e->args_present & (1ULL << k)))
			continue;
		if (k == A_GRID || k == A_BLOCK)
			put(s, k == A_GRID ? e->grid : e->block, 3 * sizeof(int64_t));
		else
			put(s, &e->a[k], sizeof(int64_t));
	}
	put(s, e->name, e->name_len);
	for (int i = 0; i < 4; i++)
		if (h.strs & (1u << i))
			put_str(s, (const char *)e + small[i].off);
	s->n++;
	return 0;
}

int imp_spill_rewind(struct imp_spill *s, const char *name, struct mo_err *err)
{
	int rc;

	if (!s->buf)
		return 0;
	if (!s->reading && (rc = flush(s, name, err)) != 0)
		return rc;
	if (lseek(s->fd, 0, SEEK_SET) < 0)
		return io_fail(name, "cannot rewind", err);
	s->reading = 1;
	s->len = s->pos = 0;
	return 0;
}

/* At least SPILL_MAX bytes from pos on, or all that is left. */
static int fill(struct imp_spill *s, const char *name, struct mo_err *err)
{
	if (s->len - s->pos >= SPILL_MAX)
		return 0;
	memmove(s->buf, s->buf + s->pos, s->len - s->pos);
	s->len -= s->pos;
	s->pos = 0;
	while (s->len < s->cap) {
		ssize_t r = read(s->fd, s->buf + s->len, s->cap - s->len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return io_fail(name, "cannot read", err);
		if (r == 0)
			break;
		s->len += (size_t)r;
	}
	return 0;
}

static void get(struct imp_spill *s, void *p, size_t n)
{
	memcpy(p, s->buf + s->pos, n);
	s->pos += n;
}

static void get_str(struct imp_spill *s, char *dst, size_t cap)
{
	uint16_t n;
	get(s, &n, sizeof(n));
	size_t k = n < cap ? n : cap - 1;
	memcpy(dst, s->buf + s->pos, k);
	dst[k] = '\0';
	s->pos += n;
}

int imp_spill_get(struct imp_spill *s, struct imp_event *e, const char *name, struct mo_err *err)
{
	struct head h;
	int rc;

	if (!s->buf || !s->n)
		return 0;
	if ((rc = fill(s, name, err)) != 0)
		return rc;
	if (s->pos == s->len)
		return 0;
	if (s->len - s->pos < sizeof(h))
		return mo_err_set(err, MO_EIO, "cannot import '%s': its temporary file is truncated",
				  name);
	get(s, &h, sizeof(h));
	if (MO_GROW(e->name, (size_t)h.name_len + 1, e->name_cap) < 0)
		return mo_err_set(err, MO_ENOMEM, "cannot import '%s': out of memory", name);
	e->ts = h.ts;
	e->dur = h.dur;
	e->pid = h.pid;
	e->tid = h.tid;
	e->args_present = h.args_present;
	e->offset = h.offset;
	e->present = h.present;
	e->ph = (char)h.ph;
	e->cat = (enum cat)h.cat;
	for (int k = 0; k < A_COUNT; k++) {
		if (!(h.args_present & (1ULL << k)))
			continue;
		if (k == A_GRID || k == A_BLOCK)
			get(s, k == A_GRID ? e->grid : e->block, 3 * sizeof(int64_t));
		else
			get(s, &e->a[k], sizeof(int64_t));
	}
	get(s, e->name, h.name_len);
	e->name[h.name_len] = '\0';
	e->name_len = h.name_len;
	for (int i = 0; i < 4; i++) {
		char *f = (char *)e + small[i].off;
		if (h.strs & (1u << i))
			get_str(s, f, small[i].cap);
		else
			f[0] = '\0';
	}
	return 1;
}

void imp_spill_release(struct imp_spill *s)
{
	if (s->buf && s->fd >= 0)
		close(s->fd);
	free(s->buf);
	memset(s, 0, sizeof(*s));
}
