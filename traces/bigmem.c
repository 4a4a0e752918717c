/*
 * bigmem.c - large arrays in mappings of their own (contract in
 * core-internal.h).
 *
 * Why: on this project's machine (a paravirtualised VM) a page fault costs
 * about 6-10 us, so an array's first touch, not its use, was the largest
 * cost of `mosaic inspect`'s analyses (perf, generated 200 MB trace: page
 * faults and realloc's copies about a fifth of its CPU time, measured).  A
 * block of at least TRACE_BIG_MIN bytes is an anonymous mapping of its own,
 * advised for transparent huge pages (one fault per 2 MB where the kernel
 * grants them; without them, ordinary pages as before), 2 MB aligned (a huge
 * page needs an aligned 2 MB of its mapping), that grows with mremap: the
 * pages already touched move with it into an aligned place, nothing is
 * copied.  Smaller blocks are plain malloc.  Under AddressSanitizer the
 * bytes of a mapping past the caller's size are poisoned, so that reading
 * or writing past an array is caught as it is in a malloc'ed one.
 */
#include "traces/core-internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#if defined(__SANITIZE_ADDRESS__)
#define BIG_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BIG_ASAN 1
#endif
#endif
#ifdef BIG_ASAN
#include <sanitizer/asan_interface.h>
#define BIG_POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define BIG_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define BIG_POISON(p, n) ((void)(p), (void)(n))
#define BIG_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

/* Before the caller's bytes: the mapping's length (0: a malloc'ed block)
 * and the caller's size.  64 bytes keep the caller's bytes 64-byte aligned
 * in a mapping, and malloc's alignment otherwise. */
struct big_hdr {
	size_t mapped, bytes;
	unsigned char pad[64 - 2 * sizeof(size_t)];
};

#define BIG_HUGE ((size_t)2 << 20) /* an x86-64 transparent huge page */

static size_t live; /* mappings not unmapped yet (trace_big_live) */

size_t trace_big_live(void)
{
	return __atomic_load_n(&live, __ATOMIC_RELAXED);
}

/* The caller's bytes of h, bytes of them; in a mapping the rest is poisoned
 * (AddressSanitizer builds; nothing otherwise). */
static void *user(struct big_hdr *h, size_t bytes)
{
	char *u = (char *)h + sizeof(*h);

	if (h->mapped) {
		BIG_UNPOISON(h, sizeof(*h) + bytes);
		BIG_POISON(u + bytes, h->mapped - sizeof(*h) - bytes);
	}
	h->bytes = bytes;
	return u;
}

/* total rounded up to whole huge pages; 0 on overflow. */
static size_t map_len(size_t total)
{
	return total > SIZE_MAX - BIG_HUGE ? 0 : (total + BIG_HUGE - 1) & ~(BIG_HUGE - 1);
}

static void advise(void *base, size_t len)
{
#ifdef MADV_HUGEPAGE
	(void)madvise(base, len, MADV_HUGEPAGE); /* a hint: refused is fine */
#endif
}

/* A fresh mapping of len bytes (whole huge pages) at a 2 MB boundary, NULL
 * when out of memory: BIG_HUGE more mapped, the ends cut off. */
static void *map_aligned(size_t len)
{
	char *p, *a;
	size_t head;

	if (len > SIZE_MAX - BIG_HUGE)
		return NULL;
	p = mmap(NULL, len + BIG_HUGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	a = (char *)(((uintptr_t)p + BIG_HUGE - 1) & ~(uintptr_t)(BIG_HUGE - 1));
	head = (size_t)(a - p);
	if (head)
		munmap(p, head);
	if (BIG_HUGE - head)
		munmap(a + len, BIG_HUGE - head);
	advise(a, len);
	return a;
}

static void *map_new(size_t bytes)
{
	size_t len = map_len(bytes + sizeof(struct big_hdr));
	struct big_hdr *h;

	if (!len || !(h = map_aligned(len)))
		return NULL;
	h->mapped = len;
	__atomic_add_fetch(&live, 1, __ATOMIC_RELAXED);
	return user(h, bytes);
}

void *trace_big_alloc(size_t bytes)
{
	struct big_hdr *h;

	if (bytes > SIZE_MAX - sizeof(*h))
		return NULL;
	if (bytes + sizeof(*h) >= TRACE_BIG_MIN)
		return map_new(bytes);
	if (!(h = malloc(bytes + sizeof(*h))))
		return NULL;
	h->mapped = 0;
	return user(h, bytes);
}

/* A mapped block h to bytes (grown, or kept when it has room). */
static void *map_grow(struct big_hdr *h, size_t bytes)
{
	size_t len = map_len(bytes + sizeof(*h));
	struct big_hdr *n;

	if (!len)
		return NULL;
	if (len <= h->mapped)
		return user(h, bytes);
	BIG_UNPOISON(h, h->mapped); /* the shadow does not move with the pages */
	n = mremap(h, h->mapped, len, 0); /* in place when the pages after are free */
	if (n == MAP_FAILED) { /* else moved onto a fresh aligned mapping, replacing it */
		void *to = map_aligned(len);
		if (!to || (n = mremap(h, h->mapped, len, MREMAP_MAYMOVE | MREMAP_FIXED, to)) ==
				   MAP_FAILED) {
			if (to)
				munmap(to, len);
			(void)user(h, h->bytes); /* untouched: its tail poisoned again */
			return NULL;
		}
	}
	advise(n, len);
	n->mapped = len;
	return user(n, bytes);
}

void *trace_big_realloc(void *p, size_t bytes)
{
	struct big_hdr *h, *n;
	void *q;

	if (!p)
		return trace_big_alloc(bytes);
	if (bytes > SIZE_MAX - sizeof(*h))
		return NULL;
	h = (struct big_hdr *)((char *)p - sizeof(*h));
	if (h->mapped)
		return map_grow(h, bytes);
	if (bytes + sizeof(*h) < TRACE_BIG_MIN) {
		if (!(n = realloc(h, bytes + sizeof(*h))))
			return NULL;
		return user(n, bytes);
	}
	if (!(q = map_new(bytes)))
		return NULL;
	memcpy(q, p, h->bytes < bytes ? h->bytes : bytes);
	free(h);
	return q;
}

void trace_big_free(void *p)
{
	struct big_hdr *h;

	if (!p)
		return;
	h = (struct big_hdr *)((char *)p - sizeof(*h));
	if (!h->mapped) {
		free(h);
		return;
	}
	BIG_UNPOISON(h, h->mapped);
	munmap(h, h->mapped);
	__atomic_sub_fetch(&live, 1, __ATOMIC_RELAXED);
}

int trace_big_grow(void *ptr_addr, size_t *cap, size_t nr, size_t elem_size)
{
	return mo_grow_with(ptr_addr, cap, nr, elem_size, 16, trace_big_realloc);
}
