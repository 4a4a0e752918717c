/* plot-check.c - refuse a gnuplot script that is not of mosaic's template. */
#include "harness/plot.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* What a script may set (or unset) after its preamble: options that draw,
 * never ones that name files (output, print, table, loadpath, fit). */
static const char *const set_ok[] = {
	"datafile", "key", "grid", "border", "tics", "title", "xlabel", "ylabel", "style",
	"boxwidth", "yrange", "xrange", "offsets", "arrow", "logscale", "xtics", "ytics",
	"multiplot", "label", "format", NULL,
};
/* The functions a script may call (system(), sprintf(), eval ... may not). */
static const char *const call_ok[] = {"column", "strcol", "xtic", "using", "xtics", "ytics", NULL};

static int in_list(const char *const *list, const char *s, size_t len)
{
	for (; *list; list++)
		if (strlen(*list) == len && !strncmp(*list, s, len))
			return 1;
	return 0;
}

/* The preamble plot_open() writes, line by line ("%d" a number, "%n" a name
 * of letters, digits, '_' and '-'). */
static const char *const preamble[] = {
	"if (!exists(\"fmt\")) fmt = 'png'",
	"if (fmt eq 'svg') {",
	"set terminal svg size %d,%d dynamic font 'sans,12' background rgb 'white'",
	"} else {",
	"set terminal pngcairo size %d,%d font 'sans,10' background rgb 'white'",
	"}",
	"if (!exists(\"out\")) out = '%n.'.fmt",
	"set output out",
	NULL,
};

static int plain_name_char(int c)
{
	return isalnum(c) || c == '_' || c == '-' || c == '.';
}

static int matches(const char *pat, const char *s)
{
	while (*pat) {
		if (pat[0] == '%' && (pat[1] == 'd' || pat[1] == 'n')) {
			const char *start = s;
			while (pat[1] == 'd' ? isdigit((unsigned char)*s)
					     : plain_name_char((unsigned char)*s) && *s != '.')
				s++;
			if (s == start)
				return 0;
			pat += 2;
		} else if (*pat++ != *s++) {
			return 0;
		}
	}
	return *s == '\0';
}

/* A data source of `plot`: '' (the previous one) or a plain file name in the
 * script's directory (no '/', no '<' pipe, no '|'). */
static int plain_source(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!plain_name_char((unsigned char)s[i]))
			return 0;
	return !len || s[0] != '.';
}

/* One statement (continuations joined): set/unset of a listed option or plot;
 * outside quotes no backquote, '@', '!', ';', '"', braces, stray '$' or a
 * call of an unlisted function; plot reads only plain files. */
static const char *check_statement(const char *s)
{
	int is_plot = !strncmp(s, "plot ", 5), depth = 0, expect_source = is_plot;
	const char *w = s;

	if (!is_plot) {
		if (strncmp(s, "set ", 4) && strncmp(s, "unset ", 6))
			return "only set, unset and plot statements are mosaic's";
		w = strchr(s, ' ') + 1;
		if (!in_list(set_ok, w, strcspn(w, " ")))
			return "an option mosaic does not set";
	}
	for (const char *p = is_plot ? s + 5 : s; *p; p++) {
		if (*p == '\'') {
			const char *q = p + 1;
			while (*q && !(q[0] == '\'' && q[1] != '\''))
				q += q[0] == '\'' ? 2 : 1;
			if (!*q)
				return "an unterminated string";
			if (memchr(p, '`', (size_t)(q - p)))
				return "a backquote";
			if (expect_source && !plain_source(p + 1, (size_t)(q - p - 1)))
				return "plot reads something other than a file in this directory";
			expect_source = 0;
			p = q;
		} else if (isalpha((unsigned char)*p) || *p == '_') {
			const char *q = p;
			while (isalnum((unsigned char)*q) || *q == '_')
				q++;
			const char *r = q;
			while (*r == ' ')
				r++;
			if (*r == '(' && !in_list(call_ok, p, (size_t)(q - p)))
				return "a call of a function mosaic does not use";
			if (expect_source && strncmp(p, "every", 5) && strncmp(p, "using", 5))
				return "plot of something other than a file";
			expect_source = 0;
			p = q - 1;
		} else if (strchr("`@!;\"{}\\", *p) || (*p == '$' && !isdigit((unsigned char)p[1]))) {
			return "a character mosaic's scripts do not contain outside strings";
		} else if (*p == '(' || *p == '[') {
			depth++;
		} else if (*p == ')' || *p == ']') {
			depth--;
		} else if (*p == ',' && depth == 0 && is_plot) {
			expect_source = 1;
		}
	}
	return NULL;
}

static const char *check_line(const char *line, int *in_preamble)
{
	while (*line == ' ' || *line == '\t')
		line++;
	if (!*line || *line == '#')
		return NULL;
	for (int i = 0; preamble[i]; i++)
		if (matches(preamble[i], line))
			return NULL;
	if (!strncmp(line, "set terminal", 12) || !strncmp(line, "set output", 10) ||
	    !strncmp(line, "if ", 3))
		return "a terminal, output or condition that is not mosaic's preamble";
	*in_preamble = 0;
	return check_statement(line);
}

static int refuse(const char *path, int line, const char *why, struct mo_err *err)
{
	return mo_err_set(err, MO_EINPUT,
			  "cannot plot '%s': line %d: %s: not a script mosaic wrote (refused; "
			  "'mosaic bench' writes them again)", path, line, why);
}

int plot_script_check(const char *path, struct mo_err *err)
{
	FILE *fp;
	char *buf;
	size_t n;
	int line = 1, in_preamble = 1, rc = mo_open_regular(path, &fp, err);

	if (rc < 0)
		return rc;
	buf = malloc(PLOT_SCRIPT_MAX + 1);
	n = buf ? fread(buf, 1, PLOT_SCRIPT_MAX + 1, fp) : 0;
	fclose(fp);
	if (!buf)
		return mo_err_set(err, MO_ENOMEM, "cannot read '%s': out of memory", path);
	if (n > PLOT_SCRIPT_MAX || memchr(buf, '\0', n)) {
		free(buf);
		return refuse(path, 0, n > PLOT_SCRIPT_MAX ? "larger than 1 MiB" : "a NUL byte", err);
	}
	buf[n] = '\0';
	if (strncmp(buf, "# ", 2) || !strstr(buf, ": drawn by mosaic") ||
	    strstr(buf, ": drawn by mosaic") > strchr(buf, '\n'))
		rc = refuse(path, 1, "no '# NAME: drawn by mosaic' first line", err);
	for (char *s = buf, *e; !rc && *s; s = e, line++) {
		int first = line;
		e = s + strcspn(s, "\n");
		/* join continuations: "\<newline>" becomes two spaces */
		while (e > s && e[-1] == '\\' && *e == '\n') {
			if (*s == '#')
				return free(buf), refuse(path, line, "a comment continued on the next line", err);
			e[-1] = ' ';
			*e = ' ';
			e += 1 + strcspn(e + 1, "\n");
			line++;
		}
		if (*e)
			*e++ = '\0';
		if (e - s > 0 && s[strlen(s) - 1] == '\r')
			s[strlen(s) - 1] = '\0';
		const char *why = check_line(s, &in_preamble);
		if (why)
			rc = refuse(path, first, why, err);
	}
	free(buf);
	return rc;
}
