/* cmd-regress.c - `mosaic regress`: re-run the suite, compare with a reference. */
#include "harness/bench/bench.h"
#include "harness/cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char usage[] =
	"mosaic regress --reference FILE [--tolerance PCT] [--quick] [--update] [--jobs N]\n"
	"                      [--workloads a,b] [--cluster SPEC] [--out DIR] [--verbose]";

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
	       "  --out DIR         keep this run's tables in DIR (default: a temporary directory)\n"
	       "  --verbose         print every compared value, not only the changed ones\n\n"
	       "MOSAIC_REGRESS_SELFTEST=worsen makes the harness answer with the worst baseline's\n"
	       "plan whenever mosaic is asked (a deliberately worse planner, for testing regress).\n",
	       usage);
}

int cmd_regress(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"reference", required_argument, 0, 'r'}, {"tolerance", required_argument, 0, 't'},
		{"quick", no_argument, 0, 'q'},          {"update", no_argument, 0, 'u'},
		{"jobs", required_argument, 0, 'j'},     {"workloads", required_argument, 0, 'w'},
		{"cluster", required_argument, 0, 'c'},  {"out", required_argument, 0, 'o'},
		{"verbose", no_argument, 0, 'v'},        {"quiet", no_argument, 0, 'Q'},
		{"help", no_argument, 0, 'h'},           {0, 0, 0, 0},
	};
	const char *ref = NULL, *workloads = NULL, *cluster = NULL, *out = NULL;
	const char *selftest = getenv("MOSAIC_REGRESS_SELFTEST");
	struct bench_table tables[BENCH_T_COUNT];
	double tol = 1.0;
	int c, quick = 0, update = 0, verbose = 0, rc = 0, regressions = 0, made_dir = 0;
	char *ref_text = NULL, *snap = NULL, tmpl[] = "/tmp/mosaic-regress-XXXXXX";
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	struct bench_opts o;
	struct mo_err err;
	struct stat st;

	mo_err_clear(&err);
	if (bench_opts_init(&o, &err))
		return cli_fail("regress", &err);
	o.jobs = cpus > 0 ? (int)cpus : 1;
	optind = 1;
	while ((c = getopt_long(argc, argv, "r:t:quj:w:c:o:vQh", longopts, NULL)) != -1) {
		long long v;

		switch (c) {
		case 'r': ref = optarg; break;
		case 't':
			if (cli_real("--tolerance (a percentage)", optarg, 0, 1000, &tol, &err) < 0)
				return cli_usage_error("regress", usage, "%s", err.msg);
			break;
		case 'q': quick = 1; break;
		case 'u': update = 1; break;
		case 'j':
			if (cli_int("--jobs", optarg, 1, 256, &v, &err) < 0)
				return cli_usage_error("regress", usage, "%s", err.msg);
			o.jobs = (int)v;
			break;
		case 'w': workloads = optarg; break;
		case 'c': cluster = optarg; break;
		case 'o': out = optarg; break;
		case 'v': verbose = 1; break;
		case 'Q': o.quiet = 1; break;
		case 'h': help(); return 0;
		default: return cli_usage_error("regress", usage, "unknown option");
		}
	}
	if (optind < argc)
		return cli_usage_error("regress", usage, "unexpected argument '%s'", argv[optind]);
	if (!ref)
		return cli_usage_error("regress", usage, "--reference FILE is required");
	if (selftest && *selftest) {
		if (strcmp(selftest, "worsen")) {
			fprintf(stderr, "mosaic regress: unknown MOSAIC_REGRESS_SELFTEST '%s' (known: "
					"worsen)\n", selftest);
			return 2;
		}
		o.worsen = 1;
		fprintf(stderr, "mosaic regress: self-test: mosaic's plans replaced by the worst "
				"baseline's\n");
	}
	if (stat(ref, &st) == 0) {
		ref_text = bench_read_file(ref, NULL, &err);
		if (!ref_text)
			return cli_fail("regress", &err);
		if (!update || (!workloads && !cluster)) {
			int q = quick;

			rc = bench_regress_ref_opts(ref_text, ref, &o, &err);
			if (rc) {
				free(ref_text);
				return cli_fail("regress", &err);
			}
			if (!update && q != o.quick) {
				free(ref_text);
				fprintf(stderr, "mosaic regress: reference '%s' was recorded %s --quick; "
						"run with%s --quick, or re-record it with --update\n", ref,
					o.quick ? "with" : "without", o.quick ? "" : "out");
				return 2;
			}
			o.quick = q;
		}
	} else if (!update) {
		fprintf(stderr, "mosaic regress: cannot read reference '%s': no such file (create it "
				"with --update)\n", ref);
		return 2;
	}
	if (update) {
		o.quick = quick;
		if (cluster && bench_cluster_parse(&o.cluster, cluster, &err)) {
			free(ref_text);
			return cli_fail("regress", &err);
		}
		if (workloads && bench_workloads_parse(&o, workloads, &err)) {
			free(ref_text);
			return cli_fail("regress", &err);
		}
	} else if (workloads || cluster) {
		free(ref_text);
		return cli_usage_error("regress", usage,
				       "--workloads and --cluster only go with --update (a comparison "
				       "runs what the reference recorded)");
	}
	if (!o.n_workloads) {
		free(ref_text);
		fprintf(stderr, "mosaic regress: no bundled workloads in this build\n");
		return 2;
	}
	o.suite = BENCH_SUITE_REGRESS;
	o.merge_flags = BENCH_MERGE_NO_REPORT;
	if (!out) {
		out = mkdtemp(tmpl);
		if (!out) {
			free(ref_text);
			fprintf(stderr, "mosaic regress: cannot create a temporary directory\n");
			return 1;
		}
		made_dir = 1;
	}
	rc = bench_run_jobs(&o, out, &err);
	for (int t = 0; t < BENCH_T_COUNT; t++)
		bench_table_init(&tables[t], bench_table_file(t), bench_table_columns(t));
	for (int t = 0; t < BENCH_T_COUNT && !rc; t++)
		rc = bench_table_read(&tables[t], out, 0, &err);
	if (!rc) {
		snap = bench_regress_snapshot(&o, tables);
		if (!snap)
			rc = mo_err_set(&err, MO_ENOMEM, "out of memory");
	}
	if (!rc && tables[BENCH_T_FAILURE].n)
		for (int r = 0; r < tables[BENCH_T_FAILURE].n; r++)
			fprintf(stderr, "mosaic regress: note: %s %s %s: %s\n",
				bench_cell(&tables[BENCH_T_FAILURE], r, "workload"),
				bench_cell(&tables[BENCH_T_FAILURE], r, "experiment"),
				bench_cell(&tables[BENCH_T_FAILURE], r, "variant"),
				bench_cell(&tables[BENCH_T_FAILURE], r, "message"));
	for (int t = 0; t < BENCH_T_COUNT; t++)
		bench_table_release(&tables[t]);
	if (made_dir)
		bench_rmtree(out);
	if (!rc && update) {
		size_t len = strlen(snap);
		char *text = malloc(len + 2);

		if (!text) {
			rc = mo_err_set(&err, MO_ENOMEM, "out of memory");
		} else {
			memcpy(text, snap, len);
			text[len] = '\n';
			text[len + 1] = '\0';
			rc = bench_write_file(ref, text, &err);
			free(text);
		}
		if (!rc)
			printf("regress: wrote reference '%s' (%d workloads, %s, %s)\n", ref, o.n_workloads,
			       o.quick ? "--quick" : "full", o.cluster.label);
	} else if (!rc) {
		rc = bench_regress_compare(ref_text, ref, snap, tol, verbose, stdout, &regressions, &err);
	}
	free(snap);
	free(ref_text);
	if (rc)
		return cli_fail("regress", &err);
	return regressions ? 1 : 0;
}
