/*
 * progress.h - progress of a long run on stderr (private to harness/).
 *
 * On a terminal (isatty) a one-line bar redrawn in place:
 *     bench [#########.........] 12/40  0:07  fig9 clip/mosaic
 * otherwise (a log file, CI) one plain line per finished step:
 *     bench: [12/40] fig9 clip/mosaic
 * Caller-owned storage: progress_init() then progress_step() per finished
 * step, progress_finish() at the end (clears the bar, prints the total).
 */
#ifndef MOSAIC_HARNESS_PROGRESS_H
#define MOSAIC_HARNESS_PROGRESS_H

#include <stdio.h>

struct progress {
	FILE *fp;          /* where it draws (stderr) */
	const char *what;  /* "bench", "regress" */
	int total, done;
	int tty;           /* redraw in place */
	int quiet;         /* draw nothing */
	double t0;         /* monotonic seconds at init */
	int last_width;    /* characters of the last bar, to clear it */
};

/* Start a progress of total steps on fp; tty is detected from fp's fd.
 * quiet suppresses all output (tests). */
void progress_init(struct progress *p, FILE *fp, const char *what, int total, int quiet);
/* One step finished; label says which. */
void progress_step(struct progress *p, const char *label);
/* Done: clear the bar and print "what: N steps in S s". */
void progress_finish(struct progress *p);

#endif
