/* cmd-regress.c - `mosaic regress`: re-run the suite, compare with a reference. */
#include "harness/bench/bench.h"
#include "harness/cli.h"

#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char usage[] =
	"mosaic regress --reference FILE [--tolerance PCT] [--quick] [--update] [--jobs N]\n"
	"                      [--workloads a,b] [--cluster SPEC] [-o DIR] [--verbose] [--json]\n"
	"                      [--quiet]";

static void help(void)
{
	printf("usage: %s\n\n"
	       "Re-run the regression suite (every system's plan per workload on the cluster and\n"
	       "on twice as many GPUs, simulated, plus the search methods on a small instance),\n"
	       "compare predicted and simulated iteration times and mosaic's speedup with a\n"
	       "reference, print the differences.  Exit 1 when a value got worse beyond the\n"
	       "tolerance, 0 otherwise.\n\n"
	       "  --reference FILE  the reference JSON (results/reference/quick.json in CI)\n"
	       "  --tolerance PCT   allowed relative change, percent (default 1)\n"
	       "  --quick           the quick suite (must match how the reference was recorded)\n"
	       "  --update          write this run's results to FILE instead (atomically)\n"
	       "  --jobs N          run the suite in N processes (default: online CPUs)\n"
	       "  --workloads LIST  with --update: bundled workloads to record (default: all;\n"
	       "                    otherwise the reference's)\n"
	       "  --cluster SPEC    with --update: the cluster (default: the reference's, else h100x8)\n"
	       "  -o, --output DIR  keep this run's tables in DIR (default: a temporary\n"
	       "                    directory; --out DIR too)\n"
	       "  --verbose         print every compared value, not only the changed ones\n"
	       "  --json            the comparison as one JSON object on stdout: reference,\n"
	       "                    tolerance_pct, compared, regressions, better,\n"
	       "                    moved_within_tolerance (values that changed but within\n"
	       "                    the tolerance: the text summary names the largest), changes\n"
	       "                    [{workload, value, verdict, reference, now}]\n"
	       "  --quiet           no progress and no notes on stderr\n\n"
	       "MOSAIC_REGRESS_SELFTEST=worsen makes the harness answer with the worst baseline's\n"
	       "plan whenever mosaic is asked (a deliberately worse planner, for testing regress).\n",
	       usage);
}

/* What the command line asked for. */
struct args {
	const char *ref, *workloads, *cluster, *out;
	double tol;
	int quick, update, verbose, json;
};

/* One option into o and a: -1 to go on, else the exit code. */
static int option(int c, struct bench_opts *o, struct args *a, struct mo_err *err)
{
	long long v;

	switch (c) {
	case 'r': a->ref = optarg; return -1;
	case 't':
		if (cli_real("--tolerance (a percentage)", optarg, 0, 1000, &a->tol, err) < 0)
			return cli_usage_error("regress", "%s", err->msg);
		return -1;
	case 'q': a->quick = 1; return -1;
	case 'u': a->update = 1; return -1;
	case 'j':
		if (cli_int("--jobs", optarg, 1, 256, &v, err) < 0)
			return cli_usage_error("regress", "%s", err->msg);
		o->jobs = (int)v;
		return -1;
	case 'w': a->workloads = optarg; return -1;
	case 'c': a->cluster = optarg; return -1;
	case 'o': a->out = optarg; return -1;
	case 'v': a->verbose = 1; return -1;
	case 'Q': o->quiet = 1; return -1;
	case CLI_OPT_JSON: a->json = 1; return -1;
	case 'h': help(); return 0;
	default: return cli_bad_option("regress");
	}
}

/* MOSAIC_REGRESS_SELFTEST: -1 to go on, else the exit code. */
static int selftest(struct bench_opts *o)
{
	const char *v = getenv("MOSAIC_REGRESS_SELFTEST");

	if (!v || !*v)
		return -1;
	if (strcmp(v, "worsen")) {
		fprintf(stderr, "mosaic regress: unknown MOSAIC_REGRESS_SELFTEST '%s' (known: worsen)\n", v);
		return MO_EXIT_USAGE;
	}
	o->worsen = 1;
	fprintf(stderr, "mosaic regress: self-test: mosaic's plans replaced by the worst baseline's\n");
	return -1;
}

/* The sweep to run: the reference's (read into *ref_text when it exists),
 * or with --update what the options say.  -1 to go on, else the exit code. */
static int sweep_opts(struct bench_opts *o, const struct args *a, char **ref_text,
		      struct mo_err *err)
{
	struct stat st;

	if (stat(a->ref, &st) == 0) {
		if (mo_read_file(a->ref, BENCH_MAX_FILE, ref_text, NULL, err) < 0)
			return cli_fail("regress", err);
		if (!a->update || (!a->workloads && !a->cluster)) {
			if (bench_regress_ref_opts(*ref_text, a->ref, o, err))
				return cli_fail("regress", err);
			if (!a->update && a->quick != o->quick) {
				fprintf(stderr, "mosaic regress: reference '%s' was recorded %s --quick; "
						"run with%s --quick, or re-record it with --update\n", a->ref,
					o->quick ? "with" : "without", o->quick ? "" : "out");
				return MO_EXIT_USAGE;
			}
			o->quick = a->quick;
		}
	} else if (!a->update) {
		fprintf(stderr, "mosaic regress: cannot read reference '%s': no such file (create it "
				"with --update)\n", a->ref);
		return MO_EXIT_USAGE;
	}
	if (a->update) {
		o->quick = a->quick;
		if (a->cluster && bench_cluster_parse(&o->cluster, a->cluster, err))
			return cli_fail("regress", err);
		if (a->workloads && bench_workloads_parse(o, a->workloads, err))
			return cli_fail("regress", err);
	} else if (a->workloads || a->cluster) {
		return cli_usage_error("regress",
				       "--workloads and --cluster only go with --update (a comparison "
				       "runs what the reference recorded)");
	}
	if (!o->n_workloads) {
		fprintf(stderr, "mosaic regress: no bundled workloads in this build\n");
		return MO_EXIT_USAGE;
	}
	return -1;
}

/* Run the suite into out and snapshot its tables (*snap, heap); the tasks
 * that failed are noted on stderr. */
static int run_suite(const struct bench_opts *o, const char *out, char **snap, struct mo_err *err)
{
	struct bench_table tables[BENCH_T_COUNT];
	const struct bench_table *f = &tables[BENCH_T_FAILURE];
	int rc = bench_run_jobs(o, out, err);

	for (int t = 0; t < BENCH_T_COUNT; t++)
		bench_table_init(&tables[t], bench_table_file(t), bench_table_columns(t));
	for (int t = 0; t < BENCH_T_COUNT && !rc; t++)
		rc = bench_table_read(&tables[t], out, 0, err);
	if (!rc && !(*snap = bench_regress_snapshot(o, tables)))
		rc = mo_err_set(err, MO_ENOMEM, "out of memory");
	for (int r = 0; !rc && !o->quiet && r < f->n; r++)
		fprintf(stderr, "mosaic regress: note: %s %s %s: %s\n", bench_cell(f, r, "workload"),
			bench_cell(f, r, "experiment"), bench_cell(f, r, "variant"),
			bench_cell(f, r, "message"));
	for (int t = 0; t < BENCH_T_COUNT; t++)
		bench_table_release(&tables[t]);
	return rc;
}

/* --update: the snapshot, newline-terminated, to the reference file. */
static int write_reference(const struct bench_opts *o, const char *ref, const char *snap,
			   int json, struct mo_err *err)
{
	size_t len = strlen(snap);
	char *text = malloc(len + 2);
	int rc;

	if (!text)
		return mo_err_set(err, MO_ENOMEM, "out of memory");
	memcpy(text, snap, len);
	memcpy(text + len, "\n", 2);
	rc = bench_write_file(ref, text, err);
	free(text);
	if (!rc && json)
		cli_json_print(json_pack("{s:s,s:i,s:b,s:s}", "wrote", ref, "workloads",
					 o->n_workloads, "quick", o->quick, "cluster", o->cluster.label));
	else if (!rc)
		printf("regress: wrote reference '%s' (%d workloads, %s, %s)\n", ref, o->n_workloads,
		       o->quick ? "--quick" : "full", o->cluster.label);
	return rc;
}

int cmd_regress(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"reference", required_argument, 0, 'r'}, {"tolerance", required_argument, 0, 't'},
		{"quick", no_argument, 0, 'q'},          {"update", no_argument, 0, 'u'},
		{"jobs", required_argument, 0, 'j'},     {"workloads", required_argument, 0, 'w'},
		{"cluster", required_argument, 0, 'c'},  CLI_OPTS_OUTPUT,
		{"json", no_argument, 0, CLI_OPT_JSON},
		{"verbose", no_argument, 0, 'v'},        {"quiet", no_argument, 0, 'Q'},
		{"help", no_argument, 0, 'h'},           {0, 0, 0, 0},
	};
	struct args a = {.tol = 1.0};
	char *ref_text = NULL, *snap = NULL, tmpl[] = "/tmp/mosaic-regress-XXXXXX";
	const char *out;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int c, rc, regressions = 0;
	struct bench_opts o;
	struct mo_err err;

	mo_err_clear(&err);
	if (bench_opts_init(&o, &err))
		return cli_fail("regress", &err);
	o.jobs = cpus > 0 ? (int)cpus : 1;
	optind = 1;
	while ((c = cli_getopt(argc, argv, "r:t:quj:w:c:o:vQh", longopts)) != -1)
		if ((rc = option(c, &o, &a, &err)) >= 0)
			return rc;
	if (optind < argc)
		return cli_usage_error("regress", "unexpected argument '%s'", argv[optind]);
	if (!a.ref)
		return cli_usage_error("regress", "--reference FILE is required");
	if ((rc = selftest(&o)) >= 0 || (rc = sweep_opts(&o, &a, &ref_text, &err)) >= 0) {
		free(ref_text);
		return rc;
	}
	o.suite = BENCH_SUITE_REGRESS;
	o.merge_flags = BENCH_MERGE_NO_REPORT;
	out = a.out ? a.out : mkdtemp(tmpl);
	if (!out) {
		free(ref_text);
		fprintf(stderr, "mosaic regress: cannot create a temporary directory\n");
		return MO_EXIT_SYSTEM;
	}
	rc = run_suite(&o, out, &snap, &err);
	if (!a.out)
		bench_rmtree(out);
	if (!rc && a.update)
		rc = write_reference(&o, a.ref, snap, a.json, &err);
	else if (!rc)
		rc = bench_regress_compare(ref_text, a.ref, snap, a.tol, a.verbose, a.json, stdout,
					   &regressions,
					   &err);
	free(snap);
	free(ref_text);
	if (rc)
		return cli_fail("regress", &err);
	return regressions ? 1 : 0;
}
