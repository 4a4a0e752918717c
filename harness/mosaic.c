/* mosaic.c - the `mosaic` command: dispatch to a subcommand. */
#include "harness/cli.h"

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
	fprintf(fp, "\n'mosaic <command> --help' describes a command's options.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("mosaic %s\n", MOSAIC_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].verb))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "mosaic: '%s' is not a mosaic command; see 'mosaic help'\n", argv[1]);
	return 2;
}
