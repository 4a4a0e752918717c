/* cmd-diff.c - `mosaic diff [--json] [--top N] A B`. */
#include "harness/cli.h"
#include "harness/inspect.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] = "mosaic diff [--json] [--top N] [--quiet] CONTROL TEST";

static void help(void)
{
	printf("usage: %s\n\n"
	       "Compare two traces, or two jobs (directories of per-rank traces): the\n"
	       "kernels (by name), modules, kernel classes and steps whose time or count\n"
	       "changed from CONTROL to TEST, sorted by impact (the absolute change in\n"
	       "time, largest first).  Kernels, modules and classes compare their kernel\n"
	       "time and count summed over ranks; steps their window (first start to\n"
	       "last end), paired in order.  Items that appear or disappear show a count\n"
	       "of 0 on one side.  Exit 0 whether or not anything changed, 2 on bad\n"
	       "input.\n\n"
	       "  --json     one JSON object instead of a table\n"
	       "  --top N    changes listed (default 20; 0 for all)\n"
	       "  --quiet    accepted as by every command (diff writes only errors to\n"
	       "             stderr)\n",
	       usage);
}

static double pct_change(int64_t a, int64_t b)
{
	return a > 0 ? 100.0 * ((double)b - (double)a) / (double)a : 0.0;
}

static const char *verdict(const struct trace_diff_item *it)
{
	if (!it->count_a && it->count_b)
		return "appeared";
	if (it->count_a && !it->count_b)
		return "disappeared";
	if (it->ns_b != it->ns_a)
		return it->ns_b > it->ns_a ? "slower" : "faster";
	return "count";
}

static void item_label(const struct trace_diff_item *it, char *buf, size_t cap)
{
	if (it->kind == TRACE_DIFF_STEP)
		snprintf(buf, cap, "step %lld -> %lld", (long long)it->step_a, (long long)it->step_b);
	else
		snprintf(buf, cap, "%.100s", it->name);
}

static void print_text(const char *a, const char *b, const char *src, const struct trace_diff *d,
		       size_t top)
{
	printf("control       %s\ntest          %s\n", a, b);
	printf("changed       %zu items (%zu unchanged); times are %s\n", d->n, d->unchanged, src);
	if (!d->n)
		return;
	printf("\n  %-7s %-11s %12s %12s %12s %8s %8s %8s  %s\n", "kind", "change", "control ms",
	       "test ms", "delta ms", "delta %", "count A", "count B", "name");
	for (size_t i = 0; i < d->n && (!top || i < top); i++) {
		const struct trace_diff_item *it = &d->items[i];
		char name[128];
		item_label(it, name, sizeof(name));
		printf("  %-7s %-11s %12.3f %12.3f %+12.3f %+8.1f %8llu %8llu  %s\n",
		       trace_diff_kind_name(it->kind), verdict(it), (double)it->ns_a / 1e6,
		       (double)it->ns_b / 1e6, (double)trace_diff_delta(it) / 1e6,
		       pct_change(it->ns_a, it->ns_b), (unsigned long long)it->count_a,
		       (unsigned long long)it->count_b, name);
	}
	if (top && d->n > top)
		printf("  ... %zu more\n", d->n - top);
}

static void print_json(const char *a, const char *b, const char *src, const struct trace_diff *d,
		       size_t top)
{
	json_t *o = json_object(), *arr = json_array();

	json_object_set_new(o, "control", inspect_jstr(a));
	json_object_set_new(o, "test", inspect_jstr(b));
	json_object_set_new(o, "source", json_string(src));
	json_object_set_new(o, "changed", json_integer((json_int_t)d->n));
	json_object_set_new(o, "unchanged", json_integer((json_int_t)d->unchanged));
	for (size_t i = 0; i < d->n && (!top || i < top); i++) {
		const struct trace_diff_item *it = &d->items[i];
		json_t *x = json_pack("{s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:f}", "kind",
				      trace_diff_kind_name(it->kind), "change", verdict(it),
				      "control_ns", (json_int_t)it->ns_a, "test_ns", (json_int_t)it->ns_b,
				      "delta_ns", (json_int_t)trace_diff_delta(it),
				      "control_count", (json_int_t)it->count_a,
				      "test_count", (json_int_t)it->count_b,
				      "delta_pct", pct_change(it->ns_a, it->ns_b));
		json_object_set_new(x, "name", inspect_jstr(it->name));
		if (it->kind == TRACE_DIFF_STEP) {
			json_object_set_new(x, "control_step", json_integer(it->step_a));
			json_object_set_new(x, "test_step", json_integer(it->step_b));
		}
		json_array_append_new(arr, x);
	}
	json_object_set_new(o, "changes", arr);
	cli_json_print(o);
}

int cmd_diff(int argc, char **argv)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'},
		{"top", required_argument, NULL, 't'},
		{"quiet", no_argument, NULL, CLI_OPT_QUIET},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int json = 0, opt, rc = 0;
	long long top = 20;
	struct mo_err err = {0};
	struct inspect_job ja = {0}, jb = {0};
	struct trace_diff *d = NULL;

	optind = 1;
	while ((opt = cli_getopt(argc, argv, "h", opts)) != -1) {
		switch (opt) {
		case 'j':
			json = 1;
			break;
		case 't':
			if (cli_int("--top", optarg, 0, 1000000, &top, &err) < 0)
				return cli_usage_error("diff", "%s", err.msg);
			break;
		case CLI_OPT_QUIET: /* nothing on stderr but errors anyway */
			break;
		case 'h':
			help();
			return 0;
		default:
			return cli_bad_option("diff");
		}
	}
	if (argc - optind != 2)
		return cli_usage_error("diff", "expected CONTROL and TEST");
	if (inspect_job_read(&ja, argv + optind, 1, 0, &err) < 0 ||
	    inspect_job_read(&jb, argv + optind + 1, 1, 0, &err) < 0 ||
	    trace_diff_new(ja.ana, jb.ana, &d, &err) < 0) {
		rc = cli_fail("diff", &err);
		goto out;
	}
	if (json)
		print_json(argv[optind], argv[optind + 1], inspect_source((const struct inspect_job[]){ja, jb}, 2), d, (size_t)top);
	else
		print_text(argv[optind], argv[optind + 1], inspect_source((const struct inspect_job[]){ja, jb}, 2), d, (size_t)top);
out:
	trace_diff_free(d);
	inspect_job_release(&ja);
	inspect_job_release(&jb);
	return rc;
}
