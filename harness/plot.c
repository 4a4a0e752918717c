/* plot.c - gnuplot scripts and their rendering. */
#include "harness/plot.h"

#include <errno.h>
#include <libgen.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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
		"if (!exists(\"out\")) out = '%s.'.fmt\n"
		"set output out\n"
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

/* Seconds gnuplot may take for one image: $MOSAIC_PLOT_TIMEOUT, else PLOT_TIMEOUT_S. */
static int timeout_ms(void)
{
	const char *e = getenv("MOSAIC_PLOT_TIMEOUT");
	char *end;
	long s = e ? strtol(e, &end, 10) : 0;

	if (!e || *end || s < 1 || s > 86400)
		s = PLOT_TIMEOUT_S;
	return (int)(s * 1000);
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The child: inside DIR, stdin from /dev/null, stderr into the pipe. */
static void exec_gnuplot(const char *dir, const char *expr, const char *script, int errfd)
{
	int null = open("/dev/null", O_RDWR);

	if (chdir(dir) != 0 || null < 0)
		_exit(126);
	dup2(null, 0);
	dup2(null, 1);
	dup2(errfd, 2);
	execlp("gnuplot", "gnuplot", "-e", expr, script, (char *)NULL);
	_exit(127);
}

/* Wait for the child, keeping the start of its stderr in msg; kill it after
 * the timeout.  Returns the wait status, or -1 after a timeout. */
static int wait_gnuplot(pid_t pid, int errfd, char *msg, size_t size)
{
	int64_t deadline = now_ms() + timeout_ms();
	size_t used = 0;
	int status;

	for (;;) {
		struct pollfd pfd = {errfd, POLLIN, 0};
		int64_t left = deadline - now_ms();
		char buf[512];
		ssize_t n;

		if (left <= 0 || poll(&pfd, 1, (int)left) == 0) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -1;
		}
		n = read(errfd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (ssize_t i = 0; i < n && used + 1 < size; i++)
			msg[used++] = buf[i] == '\n' ? ' ' : buf[i];
	}
	msg[used] = '\0';
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return status;
}

/* Run gnuplot on DIR/NAME.gp for one format, inside DIR, drawing into a
 * temporary beside DIR/NAME.FMT that replaces it only when gnuplot exited 0
 * and wrote something. */
static int render_one(const char *dir, const char *name, const char *fmt, struct mo_err *err)
{
	char path[4096], expr[4200], script[4096], msg[400] = "";
	struct mo_outfile o;
	struct stat st;
	int fds[2], status, rc;
	const char *tmp;
	pid_t pid;

	if (strchr(dir, '\'') || strchr(name, '\''))
		return mo_err_set(err, MO_EUSAGE, "cannot plot '%s/%s': quote in path", dir, name);
	snprintf(path, sizeof(path), "%s/%s.%s", dir, name, fmt);
	snprintf(script, sizeof(script), "%s.gp", name);
	if ((rc = mo_outfile_open(&o, path, err)) < 0)
		return rc;
	tmp = o.tmp_path ? strrchr(o.tmp_path, '/') : NULL;
	tmp = tmp ? tmp + 1 : o.tmp_path ? o.tmp_path : path + strlen(dir) + 1;
	snprintf(expr, sizeof(expr), "fmt='%s'; out='%s'", fmt, tmp);
	if (pipe2(fds, O_CLOEXEC) != 0 || (pid = fork()) < 0) {
		mo_outfile_abort(&o);
		return mo_err_set(err, MO_EIO, "cannot plot '%s': cannot start gnuplot: %s", path,
				  strerror(errno));
	}
	if (pid == 0)
		exec_gnuplot(dir, expr, script, fds[1]);
	close(fds[1]);
	status = wait_gnuplot(pid, fds[0], msg, sizeof(msg));
	close(fds[0]);
	if (status == -1) {
		mo_outfile_abort(&o);
		return mo_err_set(err, MO_EIO, "cannot plot '%s': gnuplot took longer than %d s "
				  "(killed; MOSAIC_PLOT_TIMEOUT sets the limit)", path, timeout_ms() / 1000);
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
	    fstat(fileno(o.fp), &st) != 0 || (S_ISREG(st.st_mode) && st.st_size == 0)) {
		mo_outfile_abort(&o);
		if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
			snprintf(msg, sizeof(msg), "gnuplot not found (install gnuplot-nox)");
		return mo_err_set(err, MO_EIO, "cannot plot '%s': gnuplot failed: %s", path,
				  msg[0] ? msg : "no image written");
	}
	return mo_outfile_commit(&o, err);
}

int plot_render(const char *dir, const char *name, struct mo_err *err)
{
	char script[4096];
	int rc;

	snprintf(script, sizeof(script), "%s/%s.gp", dir, name);
	if ((rc = plot_script_check(script, err)) < 0)
		return rc;
	rc = render_one(dir, name, "png", err);

	return rc ? rc : render_one(dir, name, "svg", err);
}

int plot_png_csv(const char *png, char *dir, char *name, size_t cap, struct mo_outfile *csv,
		 struct mo_err *err)
{
	char *d1 = strdup(png), *d2 = strdup(png), path[4096];
	size_t len;
	int rc;

	if (!d1 || !d2) {
		free(d1);
		free(d2);
		return mo_err_set(err, MO_ENOMEM, "out of memory");
	}
	snprintf(dir, cap, "%s", dirname(d1));
	snprintf(name, cap, "%s", basename(d2));
	free(d1);
	free(d2);
	len = strlen(name);
	if (len > 4 && !strcasecmp(name + len - 4, ".png"))
		name[len - 4] = '\0';
	snprintf(path, sizeof(path), "%s/%s.csv", dir, name);
	rc = mo_outfile_open(csv, path, err);
	return rc < 0 ? rc : 0;
}
