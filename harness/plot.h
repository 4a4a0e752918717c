/*
 * plot.h - gnuplot figures that can be re-rendered from their data.
 *
 * A figure is a gnuplot script DIR/NAME.gp that reads CSV files in DIR and
 * draws NAME.png and NAME.svg.  plot_open() writes the script's preamble
 * (terminal chosen by the `fmt` variable, title, axis labels with units);
 * the caller writes the plot commands to p->fp; plot_close() commits the
 * script and renders both images.  `mosaic plot DIR` re-renders every
 * script of a results directory with plot_render().
 */
#ifndef MOSAIC_HARNESS_PLOT_H
#define MOSAIC_HARNESS_PLOT_H

#include <stdio.h>

#include "traces/traces.h"

struct plot {
	FILE *fp;               /* write gnuplot commands here */
	struct mo_outfile out;  /* the script, committed by plot_close() */
	char *dir, *name;
};

/* Start DIR/NAME.gp (width x height pixels for the PNG). */
int plot_open(struct plot *p, const char *dir, const char *name, int width, int height,
	      const char *title, const char *xlabel, const char *ylabel, struct mo_err *err);
/* Commit the script and render NAME.png and NAME.svg (gnuplot must be on PATH). */
int plot_close(struct plot *p, struct mo_err *err);
/* Forget an unfinished plot (no files left behind). */
void plot_abort(struct plot *p);
/* Render DIR/NAME.gp to PNG and SVG. */
int plot_render(const char *dir, const char *name, struct mo_err *err);
/* Quote s for a gnuplot single-quoted string (doubles single quotes) into buf. */
const char *plot_quote(char *buf, size_t size, const char *s);

#endif
