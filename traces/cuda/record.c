/*
 * record.c - `mosaic record`: run a command with the CUPTI recorder injected.
 *
 * Signals: the parent blocks SIGINT, SIGTERM and SIGCHLD and waits for them
 * with sigtimedwait(), so it needs no handler and no global state.  A SIGINT
 * or SIGTERM sent to mosaic by a process (kill, timeout, a batch system) is
 * forwarded to the child, whose recorder flushes and writes the trace; one
 * typed at the terminal already reached the child (same process group) and
 * is not sent twice.
 */
#include "traces/cuda/trace-cuda.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int trace_cuda_record(char *const argv[], const char *out_path, int *child_status,
		      struct mo_err *err)
{
	char lib[PATH_MAX];
	sigset_t set, old;
	struct stat st;
	pid_t pid;
	int ndev = 0, rc, status = 0, done = 0;
	int64_t started = (int64_t)time(NULL);

	*child_status = -1;
	if (!argv || !argv[0])
		return mo_err_set(err, MO_EUSAGE, "no command to record");
	if (!trace_cuda_built())
		return mo_err_set(err, MO_ENODEV, TRACE_CUDA_NOT_BUILT);
	rc = trace_cuda_probe(&ndev, err);
	if (rc)
		return rc;
	rc = trace_cuda_find_lib("libmosaic-recorder.so", "MOSAIC_RECORDER", lib, sizeof(lib), err);
	if (rc)
		return rc;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, &old);
	pid = fork();
	if (pid < 0) {
		rc = mo_err_set(err, MO_EIO, "cannot fork: %s", strerror(errno));
		sigprocmask(SIG_SETMASK, &old, NULL);
		return rc;
	}
	if (pid == 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		/* not LD_PRELOAD: children that never use CUDA should not load CUPTI */
		if (setenv("CUDA_INJECTION64_PATH", lib, 1) || setenv("NVTX_INJECTION64_PATH", lib, 1) ||
		    setenv("MOSAIC_TRACE_OUT", out_path, 1)) {
			fprintf(stderr, "mosaic record: cannot set the environment: %s\n",
				strerror(errno));
			_exit(127);
		}
		execvp(argv[0], argv);
		fprintf(stderr, "mosaic record: cannot run '%s': %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	while (!done) {
		struct timespec tick = {0, 100 * 1000 * 1000};
		siginfo_t si;
		int sig = sigtimedwait(&set, &si, &tick);

		if ((sig == SIGINT || sig == SIGTERM) && si.si_code == SI_USER)
			kill(pid, sig);
		if (waitpid(pid, &status, WNOHANG) == pid)
			done = 1;
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (WIFEXITED(status))
		*child_status = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		*child_status = 128 + WTERMSIG(status);
	if (*child_status == 127)
		return mo_err_set(err, MO_EIO, "cannot run '%s'", argv[0]);
	if (strchr(out_path, '%'))
		return 0; /* one file per process: names known only to them */
	if (stat(out_path, &st) != 0 || (int64_t)st.st_mtime < started - 1)
		return mo_err_set(err, MO_EIO,
				  "'%s' exited (status %d) without the recorder writing '%s'",
				  argv[0], *child_status, out_path);
	return 0;
}
