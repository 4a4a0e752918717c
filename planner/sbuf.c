/* sbuf.c - a growing string for the planner's explanations (pl_sb_printf). */
#include "planner/planner-internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void pl_sb_printf(struct pl_sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (b->oom)
		return;
	for (;;) {
		va_start(ap, fmt);
		k = vsnprintf(b->s ? b->s + b->n : NULL, b->s ? b->cap - b->n : 0, fmt, ap);
		va_end(ap);
		if (k < 0) {
			b->oom = 1;
			return;
		}
		if (b->s && b->n + (size_t)k < b->cap) {
			b->n += (size_t)k;
			return;
		}
		{
			size_t nc = (b->cap ? b->cap * 2 : 4096) + (size_t)k;
			char *ns = realloc(b->s, nc);

			if (!ns) {
				b->oom = 1;
				return;
			}
			b->s = ns;
			b->cap = nc;
		}
	}
}

