/* sim-check.c - the simulator as the judge of a planner's finalists: one at a
 * time (judge), or all at once in child processes (judge_all). */
#include "harness/sim-check.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* What the simulation of one finalist gave: its time (-1: stopped), and
 * how many blocks of identical replicas it had and simulated (engine_run:
 * 1 and 1 when it ran in full). */
struct judged {
	int64_t iter_ns;
	int blocks, kinds;
};

static void log_one(const struct sim_check *ctx, const struct plan *p, const struct judged *j,
		    int64_t stop)
{
	char reps[64] = "";

	if (!ctx->log)
		return;
	if (j->blocks > 1)
		snprintf(reps, sizeof(reps), " (replicas: %d of %d blocks simulated)", j->kinds,
			 j->blocks);
	if (j->iter_ns >= 0)
		fprintf(ctx->log, "  finalist from %-9s microbatch %3d: predicted %10.3f ms, simulated %10.3f ms%s\n",
			p->planner, p->microbatch_size, p->predicted_iter_ns / 1e6, j->iter_ns / 1e6, reps);
	else
		fprintf(ctx->log,
			"  finalist from %-9s microbatch %3d: predicted %10.3f ms, simulated > %8.3f ms "
			"(stopped: slower than a finalist judged before)%s\n",
			p->planner, p->microbatch_size, p->predicted_iter_ns / 1e6, stop / 1e6, reps);
}

/* One iteration of p into *out: its simulated time, or -1 when it passed
 * stop (> 0) and was stopped there. */
static int simulate(const struct sim_check *ctx, const struct plan *p, int64_t stop,
		    struct judged *out, struct mo_err *err)
{
	struct engine_run_opts ro;
	struct engine_run_result res;
	int rc;

	engine_run_opts_init(&ro);
	ro.cluster = ctx->cluster;
	ro.stop_after_ns = stop;
	memset(&res, 0, sizeof(res));
	rc = engine_run(p, ctx->w, &ro, &res, err);
	if (rc == 0) {
		out->iter_ns = res.stopped ? -1 : res.iter_ns;
		out->blocks = res.replica_blocks;
		out->kinds = res.replica_kinds;
	}
	engine_run_result_release(&res);
	return rc;
}

static int judge(void *arg, const struct plan *p, int64_t *iter_ns, struct mo_err *err)
{
	const struct sim_check *ctx = arg;
	struct judged j = {0};
	int rc = simulate(ctx, p, 0, &j, err);

	if (rc == 0) {
		*iter_ns = j.iter_ns;
		log_one(ctx, p, &j, 0);
	}
	return rc;
}

/* What a child sends back: its status, what it judged, the message. */
struct reply {
	int rc;
	struct judged j;
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
		r.rc = simulate(ctx, p, stop, &r.j, &e);
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
	struct judged *got = calloc((size_t)n + 1, sizeof(*got));

	if (!stops || !got) {
		free(stops);
		free(got);
		return mo_err_set(err, MO_ENOMEM, "out of memory");
	}
	jobs = jobs < 1 ? 1 : jobs > 64 ? 64 : jobs;
	while (next < n || running > 0) {
		if (next < n && running < jobs && !rc) {
			/* stop where the best finished so far ends (none: never) */
			int64_t stop = best >= 0 ? best : 0;

			stops[next] = stop;
			if (jobs == 1 || spawn(ctx, plans[next], next, stop, &run[running]) < 0) {
				if ((rc = simulate(ctx, plans[next], stop, &got[next], err)))
					got[next].iter_ns = -2;
				else if (got[next].iter_ns >= 0 && (best < 0 || got[next].iter_ns < best))
					best = got[next].iter_ns;
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
				got[ch.idx].iter_ns = -2;
			} else if (r.rc >= 0) {
				got[ch.idx] = r.j;
				if (r.j.iter_ns >= 0 && (best < 0 || r.j.iter_ns < best))
					best = r.j.iter_ns;
			}
		}
	}
	for (int i = 0; i < n; i++)
		iter_ns[i] = got[i].iter_ns;
	if (rc == 0)
		for (int i = 0; i < n; i++)
			log_one(ctx, plans[i], &got[i], stops[i]);
	free(stops);
	free(got);
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
