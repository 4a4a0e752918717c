/* mosaic.c - the `mosaic` command: dispatch to a subcommand. */
#include "harness/cli.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

struct command {
	const char *verb;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
#define X(verb, summary) {#verb, cmd_##verb, summary},
	MOSAIC_COMMANDS(X)
#undef X
};

static void usage(FILE *fp)
{
	fprintf(fp, "usage: mosaic <command> [options]\n\n"
		    "Trace-driven benchmarking of temporal-spatial multiplexing for multimodal\n"
		    "training (SM-partitioned colocation of modules on GPUs).\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(fp, "  %-10s %s\n", commands[i].verb, commands[i].summary);
	fprintf(fp, "\n'mosaic help <command>' (or 'mosaic <command> --help') describes a command and\n"
		    "all its options.\n");
}

/*
 * The dispatcher owns the exit (as git's run_builtin does): after the command,
 * stdout is flushed and checked, so output lost to a full disk or a closed
 * descriptor is a system failure (3), never a silent 0.  The exit codes are
 * those of enum mo_exit (traces/traces.h).
 */
static int finish_stdout(const char *verb, int status)
{
	int e = 0;

	errno = 0;
	if (fflush(stdout) != 0 || ferror(stdout))
		e = errno ? errno : EIO;
	if (fclose(stdout) != 0 && !e)
		e = errno ? errno : EIO;
	if (!e)
		return status;
	fprintf(stderr, "mosaic%s%s: cannot write standard output: %s\n", verb ? " " : "",
		verb ? verb : "", strerror(e));
	return status ? status : MO_EXIT_SYSTEM;
}

static const struct command *find(const char *verb)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(verb, commands[i].verb))
			return &commands[i];
	return NULL;
}

static int dispatch(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return MO_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "help") && argc > 2) { /* `mosaic help CMD` is `mosaic CMD --help` */
		char *help_argv[] = {argv[2], "--help", NULL};
		const struct command *c = find(argv[2]);
		if (!c) {
			fprintf(stderr, "mosaic help: '%s' is not a mosaic command; see 'mosaic help'\n",
				argv[2]);
			return MO_EXIT_USAGE;
		}
		return c->run(2, help_argv);
	}
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return MO_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("mosaic %s\n", MOSAIC_VERSION);
		return MO_EXIT_OK;
	}
	if (find(argv[1]))
		return find(argv[1])->run(argc - 1, argv + 1);
	fprintf(stderr, "mosaic: '%s' is not a mosaic command; see 'mosaic help'\n", argv[1]);
	return MO_EXIT_USAGE;
}

int main(int argc, char **argv)
{
	if (mo_outfile_cleanup_on_signals() < 0) {
		fprintf(stderr, "mosaic: cannot install signal handlers: %s\n", strerror(errno));
		return MO_EXIT_SYSTEM;
	}
	return finish_stdout(argc > 1 ? argv[1] : NULL, dispatch(argc, argv));
}
