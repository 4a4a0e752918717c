/* cmd-workload-trace.c - `mosaic workload from-trace TRACE... -o SPEC.json`:
 * a workload spec from recorded traces (workloads.h, workload_discover),
 * with the kernels it keeps in SPEC.mtr beside it. */
#include "harness/cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workloads/workloads.h"

static const char usage[] =
	"mosaic workload from-trace [--samples N] [--batch N] [--gpus N] [--module-depth N]\n"
	"                           [--params MODULE=N]... [--name NAME] [--json] [--quiet]\n"
	"                           -o SPEC.json TRACE...\n"
	"  a workload spec from recorded traces (.mtr, or Kineto JSON, plain or gzip): the\n"
	"  modules (the nn.Module tree cut below the root and \"...Model\" wrappers, layer\n"
	"  stacks kept whole; `mosaic:module=` NVTX ranges; \"phase:name\" record_function\n"
	"  names), one microbatch of one step, the phases, edges in the order the modules\n"
	"  ran, parameters (--params, or estimated from the optimizer's kernels); the kept\n"
	"  kernels go to SPEC.mtr beside SPEC.json.  It warns about what the traces lack.\n"
	"  --samples: samples per microbatch the traces were recorded at (1 assumed, with a\n"
	"  warning); --batch: global batch (default 8 x samples); --gpus: cluster size (8);\n"
	"  --module-depth N: the nn.Modules of level N instead of the automatic cut;\n"
	"  -o, --output (or --out): the spec to write; --json: print the spec written on\n"
	"  stdout instead of what was found; --quiet: accepted as by every command\n"
	"  (from-trace writes only warnings to stderr)";

struct ft_opts {
	long long samples, batch, gpus, depth;
	const char *out, *name;
	const char *params[64];
	int n_params, json;
};

static int parse(int argc, char **argv, struct ft_opts *o, struct mo_err *err)
{
	static const struct option opts[] = {
		{"samples", required_argument, NULL, 's'}, {"batch", required_argument, NULL, 'b'},
		{"gpus", required_argument, NULL, 'g'}, {"module-depth", required_argument, NULL, 'd'},
		{"params", required_argument, NULL, 'p'}, {"name", required_argument, NULL, 'n'},
		CLI_OPTS_OUTPUT, {"help", no_argument, NULL, 'h'},
		{"json", no_argument, NULL, CLI_OPT_JSON}, {"quiet", no_argument, NULL, CLI_OPT_QUIET},
		{NULL, 0, NULL, 0},
	};
	int c;

	optind = 1;
	while ((c = cli_getopt(argc, argv, "o:h", opts)) != -1) {
		int rc = 0;
		switch (c) {
		case 's': rc = cli_int("--samples", optarg, 1, 1 << 20, &o->samples, err); break;
		case 'b': rc = cli_int("--batch", optarg, 1, 1 << 24, &o->batch, err); break;
		case 'g': rc = cli_int("--gpus", optarg, 1, 4096, &o->gpus, err); break;
		case 'd': rc = cli_int("--module-depth", optarg, 0, 64, &o->depth, err); break;
		case 'n': o->name = optarg; break;
		case 'o': o->out = optarg; break;
		case CLI_OPT_JSON: o->json = 1; break;
		case CLI_OPT_QUIET: break;
		case 'p':
			if (o->n_params == 64)
				return mo_err_set(err, MO_EUSAGE, "more than 64 --params");
			o->params[o->n_params++] = optarg;
			break;
		case 'h': return 1;
		default: return mo_err_set(err, MO_EUSAGE, "%s", cli_getopt_error());
		}
		if (rc < 0)
			return rc;
	}
	if (!o->out)
		return mo_err_set(err, MO_EUSAGE, "missing -o SPEC.json");
	if (optind >= argc)
		return mo_err_set(err, MO_EUSAGE, "no trace");
	return 0;
}

/* --params MODULE=N onto the found modules. */
static int apply_params(struct workload_discovery *d, const struct ft_opts *o, struct mo_err *err)
{
	for (int i = 0; i < o->n_params; i++) {
		const char *eq = strchr(o->params[i], '=');
		long long n;
		int m = 0;

		if (!eq)
			return mo_err_set(err, MO_EUSAGE, "bad --params '%s': expected MODULE=N",
					  o->params[i]);
		while (m < d->n_modules && (strlen(d->modules[m].name) != (size_t)(eq - o->params[i]) ||
					   strncmp(d->modules[m].name, o->params[i],
						   (size_t)(eq - o->params[i]))))
			m++;
		if (m == d->n_modules)
			return mo_err_set(err, MO_EUSAGE, "bad --params '%s': no module '%.*s' found "
					  "(found: %s%s)", o->params[i], (int)(eq - o->params[i]),
					  o->params[i], d->modules[0].name, d->n_modules > 1 ? ", ..." : "");
		if (cli_int("--params", eq + 1, 0, (long long)1e15, &n, err) < 0)
			return -MO_EUSAGE;
		d->modules[m].params = n;
		d->modules[m].params_estimated = 0;
	}
	return 0;
}

/* SPEC.json -> SPEC.mtr (path and the name the spec gives it). */
static int sidecar(const char *spec, char *path, size_t cap, const char **ref)
{
	size_t n = strlen(spec);
	const char *slash;

	if (n > 5 && !strcmp(spec + n - 5, ".json"))
		n -= 5;
	if ((size_t)snprintf(path, cap, "%.*s.mtr", (int)n, spec) >= cap)
		return -1;
	slash = strrchr(path, '/');
	*ref = slash ? slash + 1 : path;
	return 0;
}

static int write_text(const char *path, const char *text, struct mo_err *err)
{
	struct mo_outfile f;
	int rc = mo_outfile_open(&f, path, err);

	if (rc < 0)
		return rc;
	if (fputs(text, f.fp) == EOF || fputc('\n', f.fp) == EOF) {
		mo_outfile_abort(&f);
		return mo_err_set(err, MO_EIO, "cannot write '%s'", path);
	}
	return mo_outfile_commit(&f, err);
}

static void print_found(const struct workload_discovery *d, const struct workload *w)
{
	printf("workload %s: %d modules from %lld kernels (%lld kept), %s; times measured "
	       "(kept kernels, every pass), spec fwd: one microbatch as the spec runs it\n",
	       w->name, d->n_modules,
	       (long long)d->kernels, (long long)d->trace.n ? (long long)(d->kernels -
	       d->unattributed - d->other_steps) : 0LL, d->gpu[0] ? d->gpu : "unknown gpu");
	printf("%-28s %-9s %8s %12s %12s %12s %13s %7s %s\n", "module", "kind", "kernels",
	       "forward ms", "backward ms", "optim ms", "spec fwd ms", "merged", "params");
	for (int m = 0; m < d->n_modules; m++) {
		const struct workload_found *f = &d->modules[m];
		int64_t spec_fwd = -1;
		char p[48];

		/* the spec's forward: one microbatch, the first pass when there are several */
		if (workload_predict_ns(w, m, 0, 1, WORKLOAD_FWD, w->microbatch, NULL, &spec_fwd,
					NULL) < 0)
			spec_fwd = -1;

		if (f->params)
			snprintf(p, sizeof p, "%lld%s", (long long)f->params,
				 f->params_estimated ? " (estimated)" : "");
		else
			snprintf(p, sizeof p, "unknown");
		printf("%-28s %-9s %8lld %12.3f %12.3f %12.3f %13.3f %7d %s\n", f->name,
		       workload_kind_name(f->kind),
		       (long long)(f->kernels[0] + f->kernels[1] + f->kernels[2]), f->ns[0] / 1e6,
		       f->ns[1] / 1e6, f->ns[2] / 1e6, spec_fwd / 1e6, f->merged, p);
	}
}

int cmd_workload_from_trace(int argc, char **argv)
{
	struct ft_opts o = {.samples = 0, .batch = 0, .gpus = 8, .depth = -1};
	struct workload_discover_opts dopt;
	struct workload_discovery d;
	struct workload *w = NULL;
	struct mo_err err;
	char mtr[1024], name[64], *json = NULL;
	const char *ref, *base;
	int rc;

	mo_err_clear(&err);
	if ((rc = parse(argc, argv, &o, &err)) != 0) {
		if (rc > 0)
			return printf("usage: %s\n", usage), 0;
		return cli_usage_error("workload", "%s", err.msg);
	}
	if (sidecar(o.out, mtr, sizeof mtr, &ref) < 0)
		return cli_usage_error("workload", "-o '%s': path too long", o.out);
	base = strrchr(ref, '/') ? strrchr(ref, '/') + 1 : ref;
	snprintf(name, sizeof name, "%.*s", (int)(strlen(base) - 4), base);
	dopt.module_depth = (int)o.depth;
	rc = workload_discover((const char *const *)argv + optind, argc - optind, &dopt, &d, &err);
	if (rc == 0)
		rc = apply_params(&d, &o, &err);
	if (rc == 0 && !o.samples)
		fprintf(stderr, "mosaic workload: warning: the samples per microbatch the traces were "
			"recorded at are unknown: 1 assumed (give --samples)\n");
	if (rc == 0)
		rc = workload_discovery_spec(&d, o.name ? o.name : name, ref, o.samples ? (int)o.samples : 1,
					     o.batch ? (int)o.batch : 8 * (o.samples ? (int)o.samples : 1),
					     (int)o.gpus, &json, &err);
	if (rc == 0 && (rc = trace_mem_save(&d.trace, mtr, &err)) == 0)
		rc = write_text(o.out, json, &err);
	if (rc == 0 && (rc = workload_load(o.out, &w, &err)) < 0)
		mo_err_prefix(&err, "the spec written does not load");
	if (rc == 0) {
		for (int i = 0; i < d.n_warnings; i++)
			fprintf(stderr, "mosaic workload: warning: %s\n", d.warnings[i]);
		cli_workload_warnings("workload", w);
		if (o.json)
			fputs(json, stdout);
		else
			print_found(&d, w);
	}
	free(json);
	workload_free(w);
	workload_discovery_release(&d);
	return rc < 0 ? cli_fail("workload", &err) : 0;
}
