/* sim-check.c - the simulator as the judge of a planner's finalists: one at a
 * time (judge), or all at once in child processes (judge_all). */
#include "harness/sim-check.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void log_one(const struct sim_check *ctx, const struct plan *p, int64_t iter_ns, int64_t stop)
{
	if (!ctx->log)
		return;
	if (iter_ns >= 0)
		fprintf(ctx->log, "  finalist from %-9s microbatch %3d: predicted %10.3f ms, simulated %10.3f ms\n",
			p->planner, p->microbatch_size, p->predicted_iter_ns / 1e6, iter_ns / 1e6);
	else
		fprintf(ctx->log,
			"  finalist from %-9s microbatch %3d: predicted %10.3f ms, simulated > %8.3f ms "
			"(stopped: slower than a finalist judged before)\n",
			p->planner, p->microbatch_size, p->predicted_iter_ns / 1e6, stop / 1e6);
}

/* One iteration of p; *iter_ns its simulated time, or -1 when it passed stop
 * (> 0) and was stopped there. */
static int simulate(const struct sim_check *ctx, const struct plan *p, int64_t stop, int64_t *iter_ns,
		    struct mo_err *err)
{
	struct engine_run_opts ro;
	struct engine_run_result res;
	int rc;

	engine_run_opts_init(&ro);
	ro.cluster = ctx->cluster;
	ro.stop_after_ns = stop;
	memset(&res, 0, sizeof(res));
	rc = engine_run(p, ctx->w, &ro, &res, err);
	if (rc == 0)
		*iter_ns = res.stopped ? -1 : res.iter_ns;
	engine_run_result_release(&res);
	return rc;
}

static int judge(void *arg, const struct plan *p, int64_t *iter_ns, struct mo_err *err)
{
	const struct sim_check *ctx = arg;
	int rc = simulate(ctx, p, 0, iter_ns, err);

	if (rc == 0)
		log_one(ctx, p, *iter_ns, 0);
	return rc;
}

/* What a child sends back: its status, the time, the message. */
struct reply {
	int rc;
	int64_t iter_ns;
	char msg[sizeof(((struct mo_err *)0)->msg)];
};

struct child {
	pid_t pid;
	int fd, idx;
	int64_t stop;
};

/* Start finalist i in a child process stopping at stop; -1 when it cannot
 * (no pipe, no fork: the caller simulates it here). */
static int spawn(const struct sim_check *ctx, const struct plan *p, int i, int64_t stop, struct child *ch)
{
	int fds[2];

	if (pipe(fds))
		return -1;
	if (ctx->log)
		fflush(ctx->log);
	ch->pid = fork();
	if (ch->pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (ch->pid == 0) {
		struct reply r;
		struct mo_err e;
		ssize_t off = 0;

		close(fds[0]);
		memset(&r, 0, sizeof(r));
		mo_err_clear(&e);
		r.rc = simulate(ctx, p, stop, &r.iter_ns, &e);
		memcpy(r.msg, e.msg, sizeof(r.msg));
		while (off < (ssize_t)sizeof(r)) {
			ssize_t w = write(fds[1], (char *)&r + off, sizeof(r) - (size_t)off);
			if (w <= 0 && errno != EINTR)
				_exit(3);
			off += w > 0 ? w : 0;
		}
		_exit(0);
	}
	close(fds[1]);
	ch->fd = fds[0];
	ch->idx = i;
	ch->stop = stop;
	return 0;
}

/* Wait for one of the n running children, take it out of run[] and fill *r
 * (a failed child: r->rc < 0 with its message). */
static struct child reap(struct child *run, int *n, struct reply *r)
{
	struct pollfd pf[64];
	struct child ch;
	int k = 0, status;
	ssize_t off = 0;

	for (int i = 0; i < *n; i++)
		pf[i] = (struct pollfd){run[i].fd, POLLIN, 0};
	while (poll(pf, (nfds_t)*n, -1) < 0 && errno == EINTR)
		;
	while (k < *n - 1 && !pf[k].revents)
		k++;
	ch = run[k];
	run[k] = run[--*n];
	memset(r, 0, sizeof(*r));
	while (off < (ssize_t)sizeof(*r)) {
		ssize_t got = read(ch.fd, (char *)r + off, sizeof(*r) - (size_t)off);
		if (got <= 0 && !(got < 0 && errno == EINTR))
			break;
		off += got > 0 ? got : 0;
	}
	close(ch.fd);
	while (waitpid(ch.pid, &status, 0) < 0 && errno == EINTR)
		;
	if (off != (ssize_t)sizeof(*r) || !WIFEXITED(status) || WEXITSTATUS(status)) {
		r->rc = -MO_EIO;
		snprintf(r->msg, sizeof(r->msg), "the simulation's process ended without a result");
	}
	return ch;
}

static int judge_all(void *arg, const struct plan *const *plans, int n, int64_t *iter_ns,
		     struct mo_err *err)
{
	const struct sim_check *ctx = arg;
	struct child run[64];
	int jobs = (int)sysconf(_SC_NPROCESSORS_ONLN);
	int running = 0, next = 0, rc = 0;
	int64_t best = -1, *stops = calloc((size_t)n + 1, sizeof(int64_t));

	if (!stops)
		return mo_err_set(err, MO_ENOMEM, "out of memory");
	jobs = jobs < 1 ? 1 : jobs > 64 ? 64 : jobs;
	while (next < n || running > 0) {
		if (next < n && running < jobs && !rc) {
			/* stop where the best finished so far ends (none: never) */
			int64_t stop = best >= 0 ? best : 0;

			stops[next] = stop;
			if (jobs == 1 || spawn(ctx, plans[next], next, stop, &run[running]) < 0) {
				if ((rc = simulate(ctx, plans[next], stop, &iter_ns[next], err)))
					iter_ns[next] = -2;
				else if (iter_ns[next] >= 0 && (best < 0 || iter_ns[next] < best))
					best = iter_ns[next];
			} else {
				running++;
			}
			next++;
			continue;
		}
		if (running == 0)
			break;
		{
			struct reply r;
			struct child ch = reap(run, &running, &r);

			if (r.rc < 0 && !rc) {
				rc = mo_err_set(err, -r.rc, "%s", r.msg);
				iter_ns[ch.idx] = -2;
			} else if (r.rc >= 0) {
				iter_ns[ch.idx] = r.iter_ns;
				if (r.iter_ns >= 0 && (best < 0 || r.iter_ns < best))
					best = r.iter_ns;
			}
		}
	}
	if (rc == 0)
		for (int i = 0; i < n; i++)
			log_one(ctx, plans[i], iter_ns[i], stops[i]);
	free(stops);
	return rc;
}

void sim_check_init(struct plan_checker *chk, struct sim_check *ctx)
{
	memset(chk, 0, sizeof(*chk));
	chk->judge = judge;
	chk->judge_all = judge_all;
	chk->ctx = ctx;
	chk->what = "simulated";
}
