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
/* Seconds gnuplot may take for one image before it is killed (the
 * environment's MOSAIC_PLOT_TIMEOUT, 1 to 86400, overrides it).  The largest
 * figure of a full bench renders in well under a second. */
#define PLOT_TIMEOUT_S 60
/* Render DIR/NAME.gp to PNG and SVG.  Each image is drawn into a temporary
 * beside its target (gnuplot's `out` variable names it) and renamed into
 * place only when gnuplot exited 0 and wrote a non-empty file; gnuplot's
 * first lines on stderr go into the error message (no log file is left). */
int plot_render(const char *dir, const char *name, struct mo_err *err);
/*
 * Refuse (MO_EINPUT, naming the line) a script that is not of mosaic's
 * template: a '# NAME: drawn by mosaic' first line, plot_open()'s preamble,
 * then only `set`/`unset` of drawing options (never output, print, table or
 * loadpath) and `plot` of plain CSV names in the script's directory; no
 * backquote, '@' macro, '!' shell escape, ';', double quote or call of a
 * function other than column, strcol and xtic.  plot_render() checks every
 * script before gnuplot sees it, so `mosaic plot DIR` on someone else's
 * directory runs none of their code.  At most PLOT_SCRIPT_MAX bytes.
 */
#define PLOT_SCRIPT_MAX (1u << 20)
int plot_script_check(const char *path, struct mo_err *err);
/* A figure asked for as a file OUT.png: its directory into dir and its name
 * without ".png" into name (dirname/basename rules; each cap bytes), and
 * DIR/NAME.csv opened as *csv for the figure's data.  0, or -MO_ENOMEM /
 * mo_outfile_open's error (csv not open then). */
int plot_png_csv(const char *png, char *dir, char *name, size_t cap, struct mo_outfile *csv,
		 struct mo_err *err);
/* Quote s for a gnuplot single-quoted string (doubles single quotes) into buf. */
const char *plot_quote(char *buf, size_t size, const char *s);

#endif
