/*
 * cmd-model-calib.c - `mosaic model calibrate`: fit the model to
 * measurements and, with -o, write the fits for the planner
 * (model.h, struct model_calibration; `plan --calibration FILE`):
 *  - CSV files of GEMM timings (NeuSight's): the kernel-efficiency terms of
 *    each GPU they cover (model_gemm_calibrate);
 *  - --profiles: traces of modules run alone at several SM quotas (`mosaic
 *    profile` on a GPU, `replay --sms` simulated): each module held by two or
 *    more of them gets its scaling curve fitted (model_curve_from_profiles).
 */
#include "harness/cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"

static const char usage[] =
	"mosaic model calibrate [CSV...] [--profiles TRACE,TRACE,...] [--microbatch N]\n"
	"                       [--gpu NAME] [--gpu-file FILE] [-o FILE] [--json] [--quiet]\n"
	"  CSV: GEMM timings (NeuSight's format): fit each GPU's kernel efficiency\n"
	"  (70%% train, 30%% held out); --profiles: traces of modules at several SM\n"
	"  quotas: fit each module's t(q) = a + b/q + c*q, forward and backward;\n"
	"  --microbatch: the samples per microbatch the profiles ran (default unknown:\n"
	"  the planned spec's); -o: write the fits as JSON (format: model/model.h,\n"
	"  \"mosaic-calibration\" version 1) for `plan --calibration FILE` (-o, --output,\n"
	"  or --out); --json: the fits in that format on stdout instead of the tables;\n"
	"  --quiet: no note on stderr of the file written";

/* Fit the GEMM model on the CSVs into c (and print the table). */
static int fit_gemm(char **files, int n, const char *gpu_name, FILE *tab,
		    struct model_calibration *c, struct mo_err *err)
{
	struct model_gemm_set set;
	const struct model_gpu *want = gpu_name ? model_gpu_find(gpu_name, err) : NULL;
	int rc = 0;

	if (gpu_name && !want)
		return err->code;
	model_gemm_set_init(&set);
	for (int i = 0; i < n && rc == 0; i++)
		rc = model_gemm_csv_load(&set, files[i], err);
	if (rc == 0 && tab)
		fprintf(tab, "# kernel-from-shape calibration on measured GEMM timings (FP32); fitted on 70%%,\n"
		       "# error on the held-out 30%%; now_p50: held-out error of the built-in constants\n"
		       "%-16s %6s %6s %8s %6s %9s %9s | %8s | %8s %8s %9s\n", "gpu", "train", "test",
		       "simt_eff", "k0", "ovh_lin", "ovh_bmm", "now_p50", "test_p50", "test_p90",
		       "test_mape");
	for (int i = 0; rc == 0 && i < model_gpu_count(); i++) {
		const struct model_gpu *g = model_gpu_at(i);
		struct model_gemm_eval before, tr, te;
		struct model_calib_gemm *cg = &c->gemm[c->n_gemm];

		if ((want && want != g) || c->n_gemm == MODEL_CALIB_MAX)
			continue;
		model_gemm_evaluate(&set, g, NULL, 1, &before);
		if (before.n == 0)
			continue;
		if (model_gemm_calibrate(&set, g, &cg->fit, &tr, &te, err) < 0) {
			fprintf(stderr, "mosaic model: %s\n", err->msg);
			continue;
		}
		snprintf(cg->gpu, sizeof cg->gpu, "%s", g->short_name);
		cg->train = tr.n, cg->test = te.n, cg->test_median_ape = te.median_ape;
		c->n_gemm++;
		if (tab)
			fprintf(tab, "%-16s %6d %6d %8.3f %6.0f %9.0f %9.0f | %7.1f%% | %7.1f%% %7.1f%% %8.1f%%\n",
		       g->short_name, tr.n, te.n, cg->fit.simt_eff, cg->fit.k0, cg->fit.overhead_ns[0],
		       cg->fit.overhead_ns[1], before.median_ape, te.median_ape, te.p90_ape, te.mape);
	}
	model_gemm_set_release(&set);
	if (rc == 0 && !c->n_gemm)
		rc = mo_err_set(err, MO_EINPUT, "calibrate: no samples of a known gpu in the CSV files");
	return rc;
}

/* Fit every module held by two or more profiles into c (and print them). */
static int fit_profiles(const char *list, int mbs, const char *gpu_name, FILE *tab,
			struct model_calibration *c, struct mo_err *err)
{
	struct trace_mem t[MODEL_CURVE_MAX];
	struct model_gpu tmp;
	const struct model_gpu *gpu = NULL;
	int n = 0, rc = cli_profiles_load(list, t, &n, err);

	if (rc == 0)
		gpu = gpu_name ? model_gpu_find(gpu_name, err)
			       : model_gpu_for_header(&t[0].header, &tmp, err);
	if (rc == 0 && !gpu)
		rc = err->code ? err->code : -MO_EINPUT;
	if (rc == 0)
		snprintf(c->gpu, sizeof c->gpu, "%s", gpu->name);
	if (rc == 0 && tab)
		fprintf(tab, "# module scaling curves fitted on %d profiles (%s on %s), per microbatch%s\n"
		       "%-16s %8s %12s %12s %12s %8s %14s\n", n,
		       t[0].header.source == TRACE_SOURCE_SIMULATED ? "simulated" : "measured",
		       gpu->name, mbs ? "" : " (its size unknown: give --microbatch)", "module",
		       "profiles", "fwd a ns", "fwd b ns*SM", "fwd c ns/SM", "max_err", "fwd whole ms");
	for (int i = 0; rc == 0 && i < n; i++)
		for (size_t r = 0; rc == 0 && r < t[i].n; r++) {
			const struct trace_record *rec = &t[i].recs[r];
			const struct trace_mem *mine[MODEL_CURVE_MAX];
			struct model_calib_module *m = &c->modules[c->n_modules];
			int k = 0;

			if (rec->kind != TRACE_KIND_MODULE ||
			    model_calibration_module(c, rec->u.module.name) >= 0)
				continue;
			for (int j = 0; j < n; j++)
				if (model_trace_module_id(&t[j], rec->u.module.name) >= 0)
					mine[k++] = &t[j];
			if (k < 2)
				continue;
			if (c->n_modules == MODEL_CALIB_MAX) {
				rc = mo_err_set(err, MO_EINPUT, "--profiles: more than %d modules",
						MODEL_CALIB_MAX);
				break;
			}
			memset(m, 0, sizeof *m);
			snprintf(m->name, sizeof m->name, "%s", rec->u.module.name);
			rc = model_curve_from_profiles(mine, k, gpu, m->name, NULL, 0, &m->curve,
						       &m->fwd, &m->bwd, err);
			if (rc < 0) {
				mo_err_prefix(err, "--profiles: module '%s'", m->name);
				break;
			}
			m->microbatch = mbs, m->profiles = k, m->source = (int)t[0].header.source;
			c->n_modules++;
			if (tab)
				fprintf(tab, "%-16s %8d %12.0f %12.0f %12.2f %7.1f%% %14.3f\n", m->name, k, m->fwd.a,
			       m->fwd.b, m->fwd.c, 100 * m->fwd.max_rel_err,
			       model_curve_fwd_ns(&m->curve, gpu->sms) / 1e6);
		}
	if (rc == 0 && !c->n_modules)
		rc = mo_err_set(err, MO_EINPUT, "--profiles: no module is in two or more of the traces");
	for (int i = 0; i < n; i++)
		trace_mem_release(&t[i]);
	return rc;
}

int cmd_model_calibrate(int argc, char **argv)
{
	static const struct option opts[] = {
		{"profiles", required_argument, NULL, 'p'}, {"microbatch", required_argument, NULL, 'm'},
		{"gpu", required_argument, NULL, 'g'}, {"gpu-file", required_argument, NULL, 'G'},
		CLI_OPTS_OUTPUT, {"help", no_argument, NULL, 'h'},
		{"json", no_argument, NULL, CLI_OPT_JSON}, {"quiet", no_argument, NULL, CLI_OPT_QUIET},
		{NULL, 0, NULL, 0},
	};
	struct model_calibration *c = calloc(1, sizeof *c);
	const char *profiles = NULL, *out = NULL, *gpu = NULL;
	long long mbs = 0;
	struct mo_err err;
	int ch, rc = 0, json = 0, quiet = 0;

	mo_err_clear(&err);
	if (!c) {
		mo_err_set(&err, MO_ENOMEM, "out of memory");
		return cli_fail("model", &err);
	}
	optind = 1;
	while (rc == 0 && (ch = cli_getopt(argc, argv, "o:h", opts)) != -1) {
		switch (ch) {
		case 'p': profiles = optarg; break;
		case 'o': out = optarg; break;
		case CLI_OPT_JSON: json = 1; break;
		case CLI_OPT_QUIET: quiet = 1; break;
		case 'g': gpu = optarg; break;
		case 'm':
			if (cli_int("--microbatch", optarg, 1, 1 << 24, &mbs, &err) < 0)
				rc = cli_usage_error("model", "%s", err.msg);
			break;
		case 'G':
			if (model_gpu_load_file(optarg, &err) < 0)
				rc = cli_fail("model", &err);
			break;
		case 'h': printf("usage: %s\n", usage); free(c); return 0;
		default: rc = cli_bad_option("model");
		}
	}
	if (rc == 0 && optind == argc && !profiles)
		rc = cli_usage_error("model", "calibrate: no CSV files and no --profiles");
	if (rc == 0 && optind < argc && fit_gemm(argv + optind, argc - optind, gpu, json ? NULL : stdout, c, &err) < 0)
		rc = cli_fail("model", &err);
	if (rc == 0 && profiles && fit_profiles(profiles, (int)mbs, gpu, json ? NULL : stdout, c, &err) < 0)
		rc = cli_fail("model", &err);
	if (rc == 0 && !c->gpu[0] && c->n_gemm)
		snprintf(c->gpu, sizeof c->gpu, "%s", c->gemm[0].gpu);
	if (rc == 0 && out && model_calibration_save(c, out, &err) < 0)
		rc = cli_fail("model", &err);
	else if (rc == 0 && out && !quiet)
		fprintf(stderr, "mosaic model: calibration written to '%s' (%d module curves, %d GEMM "
			"fits)\n", out, c->n_modules, c->n_gemm);
	if (rc == 0 && json)
		cli_json_print(model_calibration_json(c));
	free(c);
	return rc;
}
