/* cmd-plot.c - `mosaic plot DIR`: re-render every gnuplot script of DIR from its CSVs. */
#include "harness/cli.h"
#include "harness/plot.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] = "mosaic plot [--json] [--quiet] DIR";

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int cmd_plot(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"json", no_argument, 0, CLI_OPT_JSON}, {"quiet", no_argument, 0, CLI_OPT_QUIET},
		{"help", no_argument, 0, 'h'}, {0, 0, 0, 0},
	};
	json_t *files = NULL; /* --json: the images written */
	struct mo_err err;
	struct dirent *de;
	char **names = NULL;
	int n = 0, c, rc = 0, json = 0;
	size_t cap = 0;
	DIR *d;

	mo_err_clear(&err);
	optind = 1;
	while ((c = cli_getopt(argc, argv, "h", longopts)) != -1) {
		if (c == 'h') {
			printf("usage: %s\n\nRe-render every gnuplot script DIR/*.gp (written by "
			       "'mosaic bench') to PNG and SVG\nfrom the CSV files beside it.  Scripts "
			       "not of mosaic's form are refused, not run\n(exit 2); gnuplot gets %d s "
			       "per image (MOSAIC_PLOT_TIMEOUT).  The images written are listed on\n"
			       "stdout, one a line, or with --json as {\"images\": [...]}; --quiet is\n"
			       "accepted as by every command (plot writes only errors to stderr).\n",
			       usage, PLOT_TIMEOUT_S);
			return 0;
		}
		if (c == CLI_OPT_JSON)
			json = 1;
		else if (c != CLI_OPT_QUIET)
			return cli_bad_option("plot");
	}
	if (argc - optind != 1 || !(d = opendir(argv[optind]))) {
		if (argc - optind != 1)
			return cli_usage_error("plot", "expected one results directory");
		fprintf(stderr, "mosaic plot: cannot open '%s': %s\n", argv[optind], strerror(errno));
		return MO_EXIT_USAGE;
	}
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (len <= 3 || strcmp(de->d_name + len - 3, ".gp"))
			continue;
		if (MO_GROW(names, (size_t)n + 1, cap) < 0)
			break;
		names[n++] = strndup(de->d_name, len - 3);
	}
	closedir(d);
	if (!n) {
		fprintf(stderr, "mosaic plot: no gnuplot scripts (*.gp) in '%s'\n", argv[optind]);
		free(names);
		return MO_EXIT_USAGE;
	}
	if (json)
		files = json_array();
	qsort(names, (size_t)n, sizeof(*names), cmp);
	for (int i = 0; i < n; i++) {
		if (!names[i])
			mo_err_set(&err, MO_ENOMEM, "out of memory");
		if (!names[i] || plot_render(argv[optind], names[i], &err)) {
			int code = mo_err_exit_code(&err);
			fprintf(stderr, "mosaic plot: %s\n", err.msg);
			rc = code > rc ? code : rc; /* the worst: 3 (system) over 2 (input) */
			mo_err_clear(&err);
		} else if (files) {
			json_array_append_new(files, json_sprintf("%s/%s.png", argv[optind], names[i]));
			json_array_append_new(files, json_sprintf("%s/%s.svg", argv[optind], names[i]));
		} else {
			printf("%s/%s.png\n%s/%s.svg\n", argv[optind], names[i], argv[optind], names[i]);
		}
		free(names[i]);
	}
	free(names);
	if (files)
		cli_json_print(json_pack("{s:o}", "images", files));
	return rc;
}
