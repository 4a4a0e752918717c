/* cmd-plot.c - `mosaic plot DIR`: re-render every gnuplot script of DIR from its CSVs. */
#include "harness/cli.h"
#include "harness/plot.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] = "mosaic plot DIR";

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int cmd_plot(int argc, char **argv)
{
	static const struct option longopts[] = {{"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
	struct mo_err err;
	struct dirent *de;
	char **names = NULL;
	int n = 0, c, rc = 0;
	size_t cap = 0;
	DIR *d;

	mo_err_clear(&err);
	optind = 1;
	while ((c = cli_getopt(argc, argv, "h", longopts)) != -1) {
		if (c == 'h') {
			printf("usage: %s\n\nRe-render every gnuplot script DIR/*.gp (written by "
			       "'mosaic bench') to PNG and SVG\nfrom the CSV files beside it.  Scripts "
			       "not of mosaic's form are refused, not run\n(exit 2); gnuplot gets %d s "
			       "per image (MOSAIC_PLOT_TIMEOUT).\n", usage, PLOT_TIMEOUT_S);
			return 0;
		}
		return cli_bad_option("plot");
	}
	if (argc - optind != 1)
		return cli_usage_error("plot", "expected one results directory");
	d = opendir(argv[optind]);
	if (!d) {
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
	qsort(names, (size_t)n, sizeof(*names), cmp);
	for (int i = 0; i < n; i++) {
		if (!names[i])
			mo_err_set(&err, MO_ENOMEM, "out of memory");
		if (!names[i] || plot_render(argv[optind], names[i], &err)) {
			int code = mo_err_exit_code(&err);
			fprintf(stderr, "mosaic plot: %s\n", err.msg);
			rc = code > rc ? code : rc; /* the worst: 3 (system) over 2 (input) */
			mo_err_clear(&err);
		} else {
			printf("%s/%s.png\n%s/%s.svg\n", argv[optind], names[i], argv[optind], names[i]);
		}
		free(names[i]);
	}
	free(names);
	return rc;
}
