/* outfile-signal.c - the temporaries of unfinished output files, removed when
 * a signal kills the process. */
#include "traces/core-internal.h"

#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <unistd.h>

/* A fixed table of pointers, read by the handler without locks: a slot holds
 * a temporary's name from its creation until commit or abort, and the pid of
 * the process that created it (a forked child inherits the table: it must
 * not remove its parent's temporaries when it is killed). */
static _Atomic(const char *) slots[TRACE_OUTFILE_SLOTS];
static _Atomic(pid_t) owners[TRACE_OUTFILE_SLOTS];

int trace_outfile_register(const char *tmp_path)
{
	for (int i = 0; i < TRACE_OUTFILE_SLOTS; i++) {
		const char *none = NULL;
		atomic_store(&owners[i], getpid());
		if (atomic_compare_exchange_strong(&slots[i], &none, tmp_path))
			return i;
	}
	return -1;
}

void trace_outfile_unregister(int slot)
{
	if (slot >= 0 && slot < TRACE_OUTFILE_SLOTS)
		atomic_store(&slots[slot], NULL);
}

/* Async-signal-safe: getpid(2), unlink(2) and raise(3) only. */
static void remove_temporaries(int sig)
{
	pid_t me = getpid();

	for (int i = 0; i < TRACE_OUTFILE_SLOTS; i++) {
		const char *p = atomic_load(&slots[i]);
		if (p && atomic_load(&owners[i]) == me)
			unlink(p);
	}
	raise(sig); /* SA_RESETHAND restored the default action: die of sig */
}

int mo_outfile_cleanup_on_signals(void)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGQUIT};
	struct sigaction sa = {0};

	sa.sa_handler = remove_temporaries;
	sa.sa_flags = SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		struct sigaction old;
		/* a signal the parent chose to ignore (nohup, SIGPIPE) stays ignored */
		if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
			continue;
		if (sigaction(sigs[i], &sa, NULL) != 0)
			return -MO_EIO;
	}
	return 0;
}
