/* cmd-workload.c - `mosaic workload show [--json] SPEC`: a workload's
 * modules, parameters, FLOPs per sample and memory; `from-trace` is in
 * cmd-workload-trace.c. */
#include "harness/cli.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"
#include "workloads/workloads.h"

static const char usage[] =
	"mosaic workload from-trace ... -o SPEC.json TRACE...  (see its --help)\n"
	"mosaic workload show [--json] [--quiet] [--gpu NAME] SPEC\n"
	"  the workload's modules (kind, arch, layers), parameters (computed from the\n"
	"  sizes, and the published count when the spec gives one), FLOPs per sample\n"
	"  (forward, backward) and memory (parameters, gradients, Adam state,\n"
	"  activations per sample); SPEC is a file or a bundled name; --gpu: also the\n"
	"  predicted time of one microbatch's forward and backward and of the\n"
	"  optimizer step of each module on that GPU (whole GPU, kernels back to back);\n"
	"  --quiet: accepted as by every command (show writes only warnings to stderr)";

/* What `show` says of module m: FLOPs per sample and memory; *tp, *tf and
 * *tb gather the workload's parameters and FLOPs. */
struct figures {
	int64_t fwd, bwd;
	struct workload_memory mem;
};

static void module_figures(const struct workload *w, int m, struct figures *fg, int64_t *tp,
			   int64_t *tf, int64_t *tb)
{
	const struct workload_module *mod = &w->modules[m];

	fg->fwd = workload_flops(w, m, 0, mod->layers, WORKLOAD_FWD);
	fg->bwd = workload_flops(w, m, 0, mod->layers, WORKLOAD_BWD);
	workload_memory(w, m, 0, mod->layers, &fg->mem);
	*tp += mod->params, *tf += fg->fwd, *tb += fg->bwd;
}

static json_t *to_json(const struct workload *w, const int64_t *times)
{
	json_t *o = json_object(), *mods = json_array(), *edges = json_array();
	int64_t tp = 0, tf = 0, tb = 0;

	for (int m = 0; m < w->n_modules; m++) {
		const struct workload_module *mod = &w->modules[m];
		struct figures fg;

		module_figures(w, m, &fg, &tp, &tf, &tb);
		json_array_append_new(mods, json_pack(
			"{s:s, s:s, s:s, s:i, s:I, s:I, s:b, s:{s:I, s:I}, s:{s:I, s:I, s:I, s:I}, s:s}",
			"name", mod->name, "kind", workload_kind_name(mod->kind),
			"arch", workload_arch_name(mod->arch), "layers", mod->layers,
			"params", (json_int_t)mod->params,
			"published_params", (json_int_t)mod->published_params, "frozen", mod->frozen,
			"flops_per_sample", "forward", (json_int_t)fg.fwd, "backward", (json_int_t)fg.bwd,
			"memory_bytes", "params", (json_int_t)fg.mem.params, "grads", (json_int_t)fg.mem.grads,
			"optimizer", (json_int_t)fg.mem.optimizer,
			"activations_per_sample", (json_int_t)fg.mem.act_per_sample,
			"source", mod->source));
		if (times)
			json_object_set_new(json_array_get(mods, (size_t)m), "predicted_ns",
					    json_pack("{s:I, s:I, s:I}", "forward", (json_int_t)times[m * 3],
						      "backward", (json_int_t)times[m * 3 + 1],
						      "optimizer", (json_int_t)times[m * 3 + 2]));
	}
	for (int e = 0; e < w->n_edges; e++)
		json_array_append_new(edges, json_pack("{s:s, s:s, s:I}",
			"from", w->modules[w->edges[e].from].name, "to", w->modules[w->edges[e].to].name,
			"bytes_per_sample", (json_int_t)w->edges[e].bytes_per_sample));
	json_object_set_new(o, "name", json_string(w->name));
	json_object_set_new(o, "source", json_string(w->source));
	json_object_set_new(o, "batch", json_integer(w->batch));
	json_object_set_new(o, "microbatch", json_integer(w->microbatch));
	json_object_set_new(o, "microbatches", json_integer(workload_microbatches(w)));
	json_object_set_new(o, "dtype", json_string(model_dtype_name(w->dtype)));
	json_object_set_new(o, "cluster", json_pack("{s:s, s:i, s:i, s:f, s:f}", "gpu", w->gpu,
		"gpus", w->gpus, "gpus_per_node", w->gpus_per_node, "nvlink_gbps", w->nvlink_gbps,
		"net_gbps", w->net_gbps));
	json_object_set_new(o, "params", json_integer(tp));
	json_object_set_new(o, "published_params", json_integer(w->published_params));
	json_object_set_new(o, "flops_per_sample", json_pack("{s:I, s:I, s:I}", "forward",
		(json_int_t)tf, "backward", (json_int_t)tb, "total", (json_int_t)(tf + tb)));
	json_object_set_new(o, "modules", mods);
	json_object_set_new(o, "edges", edges);
	return o;
}

static void human(double x, char *buf, size_t n, const char *unit)
{
	static const char *const p[] = {"", "K", "M", "G", "T", "P"};
	int i = 0;
	while (x >= 1000 && i < 5)
		x /= 1000, i++;
	snprintf(buf, n, "%.*f%s%s", i ? 2 : 0, x, p[i], unit);
}

static void print_text(const struct workload *w, const int64_t *times, const char *gpu)
{
	int64_t tp = 0, tf = 0, tb = 0;
	char a[32], b[32], c[32], d[32], e[32], f[32], g[32];

	printf("workload %s: %d modules, %d edges, batch %d = %d microbatches of %d, %s, "
	       "cluster %d x %s\n", w->name, w->n_modules, w->n_edges, w->batch,
	       workload_microbatches(w), w->microbatch, model_dtype_name(w->dtype), w->gpus, w->gpu);
	printf("%-14s %-9s %-7s %6s %10s %10s %12s %12s %9s %9s %9s %11s\n", "module", "kind", "arch",
	       "layers", "params", "published", "fwd/sample", "bwd/sample", "weights", "grads",
	       "adam", "act/sample");
	for (int m = 0; m < w->n_modules; m++) {
		const struct workload_module *mod = &w->modules[m];
		struct figures fg;

		module_figures(w, m, &fg, &tp, &tf, &tb);
		human((double)mod->params, a, sizeof a, "");
		if (mod->published_params)
			human((double)mod->published_params, b, sizeof b, "");
		else
			snprintf(b, sizeof b, "-");
		human((double)fg.fwd, c, sizeof c, "FLOP");
		human((double)fg.bwd, d, sizeof d, "FLOP");
		human((double)fg.mem.params, e, sizeof e, "B");
		human((double)fg.mem.grads, f, sizeof f, "B");
		human((double)fg.mem.optimizer, g, sizeof g, "B");
		printf("%-14s %-9s %-7s %6d %10s %10s %12s %12s %9s %9s %9s", mod->name,
		       workload_kind_name(mod->kind), workload_arch_name(mod->arch), mod->layers, a, b,
		       c, d, e, f, g);
		human((double)fg.mem.act_per_sample, a, sizeof a, "B");
		printf(" %11s%s\n", a, mod->frozen ? "  (frozen)" : "");
	}
	human((double)tp, a, sizeof a, "");
	if (w->published_params)
		human((double)w->published_params, b, sizeof b, "");
	else
		snprintf(b, sizeof b, "-");
	human((double)tf, c, sizeof c, "FLOP");
	human((double)tb, d, sizeof d, "FLOP");
	printf("%-14s %-9s %-7s %6s %10s %10s %12s %12s\n", "total", "", "", "", a, b, c, d);
	if (times) {
		printf("predicted on one %s, whole GPU, per microbatch of %d (optimizer: per iteration):\n",
		       gpu, w->microbatch);
		for (int m = 0; m < w->n_modules; m++)
			printf("  %-12s forward %10.3f ms  backward %10.3f ms  optimizer %8.3f ms\n",
			       w->modules[m].name, times[m * 3] / 1e6, times[m * 3 + 1] / 1e6,
			       times[m * 3 + 2] / 1e6);
	}
	for (int i = 0; i < w->n_edges; i++) {
		human((double)w->edges[i].bytes_per_sample, a, sizeof a, "B");
		printf("edge %s -> %s: %s per sample\n", w->modules[w->edges[i].from].name,
		       w->modules[w->edges[i].to].name, a);
	}
}

int cmd_workload(int argc, char **argv)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'},
		{"gpu", required_argument, NULL, 'g'},
		{"quiet", no_argument, NULL, CLI_OPT_QUIET},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct workload *w = NULL;
	const struct model_gpu *gpu = NULL;
	const char *gpu_name = NULL;
	int64_t *times = NULL;
	struct mo_err err;
	int json = 0, c, rc;

	mo_err_clear(&err);
	if (argc >= 2 && !strcmp(argv[1], "from-trace"))
		return cmd_workload_from_trace(argc - 1, argv + 1);
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: %s\n", usage);
		return 0;
	}
	if (argc < 2)
		return cli_usage_error("workload", "missing action (show or from-trace)");
	if (strcmp(argv[1], "show"))
		return cli_usage_error("workload", "unknown action '%s' (known: show, from-trace)",
				       argv[1]);
	argc--, argv++;
	optind = 1;
	while ((c = cli_getopt(argc, argv, "jg:h", opts)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		case 'g': gpu_name = optarg; break;
		default:
			if ((rc = cli_last_option("workload", c, usage)) >= 0)
				return rc;
			break;
		}
	}
	if (optind != argc - 1)
		return cli_usage_error("workload", "expected one workload spec");
	if (cli_workload_load(argv[optind], &w, &err) < 0)
		return cli_fail("workload", &err);
	cli_workload_warnings("workload", w);
	if (gpu_name) {
		gpu = model_gpu_find(gpu_name, &err);
		times = gpu ? calloc((size_t)w->n_modules * 3, sizeof *times) : NULL;
		for (int m = 0; times && m < w->n_modules; m++)
			for (int ph = 0; ph < 3; ph++)
				if (workload_predict_ns(w, m, 0, w->modules[m].layers, ph, w->microbatch, gpu,
							&times[m * 3 + ph], &err) < 0) {
					free(times);
					times = NULL;
					break;
				}
		if (!times) {
			if (!err.code)
				mo_err_set(&err, MO_ENOMEM, "out of memory");
			workload_free(w);
			return cli_fail("workload", &err);
		}
	}
	if (json) {
		json_t *o = to_json(w, times);
		if (gpu)
			json_object_set_new(o, "predicted_on", json_string(gpu->short_name));
		cli_json_print(o);
	} else {
		print_text(w, times, gpu ? gpu->short_name : NULL);
	}
	free(times);
	workload_free(w);
	return 0;
}
