/* plot.c - gnuplot scripts and their rendering. */
#include "harness/plot.h"

#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

const char *plot_quote(char *buf, size_t size, const char *s)
{
	size_t j = 0;

	for (; *s && j + 2 < size; s++) {
		if (*s == '\'')
			buf[j++] = '\'';
		buf[j++] = *s;
	}
	buf[j] = '\0';
	return buf;
}

int plot_open(struct plot *p, const char *dir, const char *name, int width, int height,
	      const char *title, const char *xlabel, const char *ylabel, struct mo_err *err)
{
	char path[4096], q1[512], q2[512], q3[512];
	int rc;

	memset(p, 0, sizeof(*p));
	snprintf(path, sizeof(path), "%s/%s.gp", dir, name);
	rc = mo_outfile_open(&p->out, path, err);
	if (rc)
		return rc;
	p->fp = p->out.fp;
	p->dir = strdup(dir);
	p->name = strdup(name);
	fprintf(p->fp,
		"# %s: drawn by mosaic; re-render with `mosaic plot %s` or\n"
		"#   gnuplot -e \"fmt='png'\" %s.gp   (run inside this directory)\n"
		"if (!exists(\"fmt\")) fmt = 'png'\n"
		"if (fmt eq 'svg') {\n"
		"  set terminal svg size %d,%d dynamic font 'sans,12' background rgb 'white'\n"
		"} else {\n"
		"  set terminal pngcairo size %d,%d font 'sans,10' background rgb 'white'\n"
		"}\n"
		"set output '%s.'.fmt\n"
		"set datafile separator ','\n"
		"set key outside right top noenhanced\n"
		"set grid ytics lc rgb '#dddddd'\n"
		"set border 3\nset tics nomirror\n"
		"set title '%s' noenhanced\n"
		"set xlabel '%s' noenhanced\n"
		"set ylabel '%s' noenhanced\n",
		name, dir, name, width, height, width, height, name,
		plot_quote(q1, sizeof(q1), title), plot_quote(q2, sizeof(q2), xlabel),
		plot_quote(q3, sizeof(q3), ylabel));
	return 0;
}

void plot_abort(struct plot *p)
{
	mo_outfile_abort(&p->out);
	free(p->dir);
	free(p->name);
	memset(p, 0, sizeof(*p));
}

int plot_close(struct plot *p, struct mo_err *err)
{
	int rc = mo_outfile_commit(&p->out, err);

	if (!rc)
		rc = plot_render(p->dir, p->name, err);
	free(p->dir);
	free(p->name);
	memset(p, 0, sizeof(*p));
	return rc;
}

/* Run gnuplot on DIR/NAME.gp for one format, inside DIR. */
static int render_one(const char *dir, const char *name, const char *fmt, struct mo_err *err)
{
	char cmd[8192];
	int status;

	if (strchr(dir, '\'') || strchr(name, '\''))
		return mo_err_set(err, MO_EUSAGE, "cannot plot '%s/%s': quote in path", dir, name);
	snprintf(cmd, sizeof(cmd), "cd '%s' && gnuplot -e \"fmt='%s'\" '%s.gp' 2>'%s.%s.log'",
		 dir, fmt, name, name, fmt);
	status = system(cmd);
	if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return mo_err_set(err, MO_EIO,
				  "cannot plot '%s/%s.%s': gnuplot failed (see '%s/%s.%s.log'; "
				  "is gnuplot-nox installed?)", dir, name, fmt, dir, name, fmt);
	snprintf(cmd, sizeof(cmd), "%s/%s.%s.log", dir, name, fmt);
	remove(cmd);
	return 0;
}

int plot_render(const char *dir, const char *name, struct mo_err *err)
{
	int rc = render_one(dir, name, "png", err);

	return rc ? rc : render_one(dir, name, "svg", err);
}
