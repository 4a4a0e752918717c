/* progress.c - a progress bar on a terminal, plain lines otherwise. */
#include "harness/progress.h"

#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

void progress_init(struct progress *p, FILE *fp, const char *what, int total, int quiet)
{
	memset(p, 0, sizeof(*p));
	p->fp = fp;
	p->what = what;
	p->total = total;
	p->quiet = quiet;
	p->tty = !quiet && isatty(fileno(fp));
	p->t0 = now_s();
}

void progress_step(struct progress *p, const char *label)
{
	enum { BAR = 24 };
	char bar[BAR + 1];
	int fill, n, el;

	p->done++;
	if (p->quiet)
		return;
	if (!p->tty) {
		fprintf(p->fp, "%s: [%d/%d] %s\n", p->what, p->done, p->total, label);
		fflush(p->fp);
		return;
	}
	fill = p->total > 0 ? p->done * BAR / p->total : BAR;
	if (fill > BAR)
		fill = BAR;
	memset(bar, '#', (size_t)fill);
	memset(bar + fill, '.', (size_t)(BAR - fill));
	bar[BAR] = '\0';
	el = (int)(now_s() - p->t0);
	n = fprintf(p->fp, "\r%s [%s] %d/%d %3d:%02d  %.40s", p->what, bar, p->done, p->total,
		    el / 60, el % 60, label);
	if (n < p->last_width)
		fprintf(p->fp, "%*s", p->last_width - n, "");
	p->last_width = n;
	fflush(p->fp);
}

void progress_finish(struct progress *p)
{
	if (p->quiet)
		return;
	if (p->tty && p->last_width)
		fprintf(p->fp, "\r%*s\r", p->last_width, "");
	fprintf(p->fp, "%s: %d steps in %.1f s\n", p->what, p->done, now_s() - p->t0);
	fflush(p->fp);
}
