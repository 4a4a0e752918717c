/* regress.c - regression references: snapshot, options, comparison. */
#include "harness/bench/bench.h"

#include <ftw.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static json_t *ns_or_null(double v)
{
	return isnan(v) || v <= 0 ? json_null() : json_integer((json_int_t)v);
}

/* Each system's plan of workload wl on gpus GPUs (iter.csv rows): an object
 * {system: {"predicted_iter_ns", "simulated_iter_ns"}}, or with only_sim
 * {system: simulated_iter_ns}; *speedup gets mosaic's simulated speedup over
 * the best baseline (JSON null when one side is missing). */
static json_t *systems_at(const struct bench_table *it, const char *wl, int gpus, int only_sim,
			  json_t **speedup)
{
	json_t *sys = json_object();
	double best = NAN, mosaic = NAN;

	for (int s = 0; s < BENCH_N_SYSTEMS; s++)
		for (int r = 0; r < it->n; r++) {
			double sim;

			if (strcmp(bench_cell(it, r, "workload"), wl) ||
			    strcmp(bench_cell(it, r, "system"), bench_systems[s]) ||
			    (int)bench_cell_num(it, r, "gpus") != gpus)
				continue;
			sim = bench_cell_num(it, r, "simulated_iter_ns");
			if (only_sim) {
				json_object_set_new(sys, bench_systems[s], ns_or_null(sim));
			} else {
				json_t *so = json_object();

				json_object_set_new(so, "predicted_iter_ns",
						    ns_or_null(bench_cell_num(it, r, "predicted_iter_ns")));
				json_object_set_new(so, "simulated_iter_ns", ns_or_null(sim));
				json_object_set_new(sys, bench_systems[s], so);
			}
			if (s == BENCH_N_SYSTEMS - 1)
				mosaic = sim;
			else if (sim > 0 && (isnan(best) || sim < best))
				best = sim;
		}
	*speedup = isnan(best) || isnan(mosaic) || mosaic <= 0 ? json_null()
							       : json_real(round(best / mosaic * 1e6) / 1e6);
	return sys;
}

/* The other cluster sizes that ran (fig14's points): per GPU count, each
 * system's simulated iteration time and mosaic's speedup there. */
static json_t *scale_snapshot(const struct bench_opts *o, const struct bench_table *it,
			      const char *wl)
{
	json_t *scale = json_object();

	for (int r = 0; r < it->n; r++) {
		int gpus = (int)bench_cell_num(it, r, "gpus");
		char key[16];
		json_t *at, *speedup;

		snprintf(key, sizeof(key), "%d", gpus);
		if (strcmp(bench_cell(it, r, "workload"), wl) || gpus == o->cluster.n_gpus ||
		    json_object_get(scale, key))
			continue;
		at = json_object();
		json_object_set_new(at, "simulated_iter_ns", systems_at(it, wl, gpus, 1, &speedup));
		json_object_set_new(at, "speedup_vs_best_baseline", speedup);
		json_object_set_new(scale, key, at);
	}
	return scale;
}

char *bench_regress_snapshot(const struct bench_opts *o, const struct bench_table *tables)
{
	const struct bench_table *it = &tables[BENCH_T_ITER], *se = &tables[BENCH_T_SEARCH];
	json_t *root = json_object(), *wls = json_array(), *labels = json_object();
	char *text;

	json_object_set_new(root, "format", json_string("mosaic-regress-reference"));
	json_object_set_new(root, "version", json_integer(1));
	json_object_set_new(root, "mosaic_version", json_string(MOSAIC_VERSION));
	json_object_set_new(root, "quick", json_boolean(o->quick));
	json_object_set_new(root, "cluster", json_string(o->cluster.spec));
	json_object_set_new(root, "cluster_label", json_string(o->cluster.label));
	json_object_set_new(labels, "predicted_iter_ns",
			    json_string("predicted: the planner's estimate (performance model)"));
	json_object_set_new(labels, "simulated_iter_ns",
			    json_string("simulated: one iteration of the plan in the sim backend"));
	json_object_set_new(labels, "speedup_vs_best_baseline",
			    json_string("simulated: best temporal-only baseline's iteration time / mosaic's"));
	json_object_set_new(labels, "search",
			    json_string("search methods on a small instance: predicted and simulated"));
	json_object_set_new(root, "labels", labels);
	for (int w = 0; w < o->n_workloads; w++) {
		json_t *wo = json_object(), *search = json_object(), *methods = json_object();
		json_t *speedup, *sys = systems_at(it, o->workloads[w], o->cluster.n_gpus, 0, &speedup);
		int gpus = 0;

		json_object_set_new(wo, "name", json_string(o->workloads[w]));
		json_object_set_new(wo, "systems", sys);
		json_object_set_new(wo, "speedup_vs_best_baseline", speedup);
		for (int r = 0; r < se->n; r++) {
			json_t *mo;

			if (strcmp(bench_cell(se, r, "workload"), o->workloads[w]))
				continue;
			gpus = (int)bench_cell_num(se, r, "gpus");
			mo = json_object();
			json_object_set_new(mo, "status", json_string(bench_cell(se, r, "status")));
			json_object_set_new(mo, "predicted_iter_ns",
					    ns_or_null(bench_cell_num(se, r, "predicted_iter_ns")));
			json_object_set_new(mo, "simulated_iter_ns",
					    ns_or_null(bench_cell_num(se, r, "simulated_iter_ns")));
			json_object_set_new(methods, bench_cell(se, r, "method"), mo);
		}
		json_object_set_new(search, "gpus", json_integer(gpus));
		json_object_set_new(search, "methods", methods);
		json_object_set_new(wo, "search", search);
		json_object_set_new(wo, "scale", scale_snapshot(o, it, o->workloads[w]));
		json_array_append_new(wls, wo);
	}
	json_object_set_new(root, "workloads", wls);
	text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
	json_decref(root);
	return text;
}

static json_t *load_ref(const char *text, const char *name, struct mo_err *err)
{
	const struct model_json j = {"regress reference", name, err};
	json_t *root;
	const char *fmt;

	if (model_json_parse(&j, text, strlen(text), JSON_REJECT_DUPLICATES, &root) < 0)
		return NULL;
	fmt = json_string_value(json_object_get(root, "format"));
	if (!fmt || strcmp(fmt, "mosaic-regress-reference") ||
	    !json_is_array(json_object_get(root, "workloads"))) {
		json_decref(root);
		mo_err_set(err, MO_EINPUT,
			   "cannot read '%s': not a mosaic regress reference (format "
			   "\"mosaic-regress-reference\" with a \"workloads\" array)", name);
		return NULL;
	}
	if (json_array_size(json_object_get(root, "workloads")) == 0) {
		json_decref(root);
		mo_err_set(err, MO_EINPUT, "cannot read '%s': the reference has no workloads "
			   "(nothing to compare; re-record it with --update)", name);
		return NULL;
	}
	if (json_integer_value(json_object_get(root, "version")) > 1) {
		long long version = (long long)json_integer_value(json_object_get(root, "version"));
		json_decref(root);
		mo_err_set(err, MO_EVERSION, "cannot read '%s': reference version %lld is newer than "
			   "this mosaic understands (1)", name, version);
		return NULL;
	}
	return root;
}

int bench_regress_ref_opts(const char *ref_json, const char *ref_name, struct bench_opts *o,
			   struct mo_err *err)
{
	json_t *root = load_ref(ref_json, ref_name, err), *v;
	const char *cl;
	size_t i;
	char list[2048] = "";
	int rc = 0;

	if (!root)
		return err ? err->code : -MO_EINPUT;
	o->quick = json_is_true(json_object_get(root, "quick"));
	cl = json_string_value(json_object_get(root, "cluster"));
	if (cl)
		rc = bench_cluster_parse(&o->cluster, cl, err);
	json_array_foreach(json_object_get(root, "workloads"), i, v) {
		const char *n = json_string_value(json_object_get(v, "name"));

		if (!n) {
			rc = mo_err_set(err, MO_EINPUT, "cannot read '%s': workloads[%zu] has no name",
					ref_name, i);
			break;
		}
		strncat(list, i ? "," : "", sizeof(list) - strlen(list) - 1);
		strncat(list, n, sizeof(list) - strlen(list) - 1);
	}
	if (!rc && list[0])
		rc = bench_workloads_parse(o, list, err);
	if (rc)
		mo_err_prefix(err, "reference '%s'", ref_name);
	json_decref(root);
	return rc;
}

/* ------------------------------------------------------------------------ */

struct cmp {
	FILE *fp;
	double tol;
	int verbose, regressions, better, checked, header;
	int moved;             /* values that changed within the tolerance */
	double most_moved;     /* the largest of those changes, percent (signed) */
	char most_moved_at[160]; /* its workload and value */
	json_t *rows; /* --json: the lines as objects, else NULL */
};

/* One line of the comparison: the texts for the table; a and b, the values
 * as they are (ns or a ratio; NAN: none), for --json's rows. */
static void line(struct cmp *c, const char *wl, const char *item, const char *ref,
		 const char *now, const char *change, const char *verdict, double a, double b)
{
	if (c->rows) {
		json_t *o = json_pack("{s:s,s:s,s:s}", "workload", wl, "value", item, "verdict",
				      verdict);
		json_object_set_new(o, "reference", isnan(a) ? json_null() : json_real(a));
		json_object_set_new(o, "now", isnan(b) ? json_null() : json_real(b));
		json_array_append_new(c->rows, o);
		return;
	}
	if (!c->header++)
		fprintf(c->fp, "%-14s %-34s %14s %14s %9s  %s\n", "workload", "value", "reference",
			"now", "change", "verdict");
	fprintf(c->fp, "%-14s %-34s %14s %14s %9s  %s\n", wl, item, ref, now, change, verdict);
}

/* Compare one value; lower_better says which way is worse.  Times are
 * shown in ms, other values as they are. */
static void value(struct cmp *c, const char *wl, const char *item, json_t *ref, json_t *cur,
		  int lower_better, int is_ns)
{
	char r[32], n[32], ch[32];
	double a, b;

	if (!ref || json_is_null(ref)) {
		if (cur && !json_is_null(cur) && c->verbose)
			line(c, wl, item, "-", "(new)", "", "new", NAN, json_number_value(cur));
		return;
	}
	a = json_number_value(ref);
	snprintf(r, sizeof(r), is_ns ? "%.3f ms" : "%.4f", is_ns ? a / 1e6 : a);
	c->checked++;
	if (!cur || json_is_null(cur)) {
		c->regressions++;
		line(c, wl, item, r, "none", "", "REGRESSION (no result now)", a, NAN);
		return;
	}
	b = json_number_value(cur);
	snprintf(n, sizeof(n), is_ns ? "%.3f ms" : "%.4f", is_ns ? b / 1e6 : b);
	snprintf(ch, sizeof(ch), "%+.2f%%", a != 0 ? 100.0 * (b - a) / a : 0.0);
	if (lower_better ? b > a * (1 + c->tol / 100) : b < a * (1 - c->tol / 100)) {
		c->regressions++;
		line(c, wl, item, r, n, ch, "REGRESSION", a, b);
	} else if (lower_better ? b < a * (1 - c->tol / 100) : b > a * (1 + c->tol / 100)) {
		c->better++;
		line(c, wl, item, r, n, ch, "better", a, b);
	} else {
		double pct = a != 0 ? 100.0 * (b - a) / a : 0.0;

		if (b != a) {
			c->moved++;
			if (fabs(pct) >= fabs(c->most_moved)) {
				c->most_moved = pct;
				snprintf(c->most_moved_at, sizeof(c->most_moved_at), "%s %s", wl, item);
			}
		}
		if (c->verbose)
			line(c, wl, item, r, n, ch, "ok", a, b);
	}
}

/* The predicted and simulated iteration times of each entry of the map rs
 * against the same key of cs, as the items "<prefix><key> <pred>" and
 * "<prefix><key> <sim>". */
static void iter_times(struct cmp *c, const char *wl, json_t *rs, json_t *cs, const char *prefix,
		       const char *pred, const char *sim)
{
	const char *key;
	json_t *v;

	json_object_foreach(rs, key, v) {
		char item[96];
		json_t *cv = json_object_get(cs, key);

		snprintf(item, sizeof(item), "%s%s %s", prefix, key, pred);
		value(c, wl, item, json_object_get(v, "predicted_iter_ns"),
		      cv ? json_object_get(cv, "predicted_iter_ns") : NULL, 1, 1);
		snprintf(item, sizeof(item), "%s%s %s", prefix, key, sim);
		value(c, wl, item, json_object_get(v, "simulated_iter_ns"),
		      cv ? json_object_get(cv, "simulated_iter_ns") : NULL, 1, 1);
	}
}

/* One workload of the reference (rw) against this run's (cw). */
static void compare_workload(struct cmp *c, const char *name, json_t *rw, json_t *cw)
{
	const char *key;
	json_t *v;

	iter_times(c, name, json_object_get(rw, "systems"), json_object_get(cw, "systems"), "",
		   "predicted iter", "simulated iter");
	value(c, name, "mosaic speedup vs best baseline",
	      json_object_get(rw, "speedup_vs_best_baseline"),
	      json_object_get(cw, "speedup_vs_best_baseline"), 0, 0);
	json_object_foreach(json_object_get(rw, "scale"), key, v) {
		json_t *cv = json_object_get(json_object_get(cw, "scale"), key), *sv;
		const char *sk;
		char item[96];

		json_object_foreach(json_object_get(v, "simulated_iter_ns"), sk, sv) {
			snprintf(item, sizeof(item), "x%s %s simulated iter", key, sk);
			value(c, name, item, sv,
			      cv ? json_object_get(json_object_get(cv, "simulated_iter_ns"), sk) : NULL,
			      1, 1);
		}
		snprintf(item, sizeof(item), "x%s mosaic speedup", key);
		value(c, name, item, json_object_get(v, "speedup_vs_best_baseline"),
		      cv ? json_object_get(cv, "speedup_vs_best_baseline") : NULL, 0, 0);
	}
	iter_times(c, name, json_object_get(json_object_get(rw, "search"), "methods"),
		   json_object_get(json_object_get(cw, "search"), "methods"), "search ", "predicted",
		   "simulated");
}

int bench_regress_compare(const char *ref_json, const char *ref_name, const char *cur_json,
			  double tol_pct, int verbose, int json, FILE *fp, int *regressions,
			  struct mo_err *err)
{
	json_t *ref = load_ref(ref_json, ref_name, err), *cur, *rw;
	struct cmp c = {.fp = fp, .tol = tol_pct, .verbose = verbose, .rows = json ? json_array() : NULL};
	size_t i;

	if (!ref)
		return err ? err->code : -MO_EINPUT;
	cur = load_ref(cur_json, "this run", err);
	if (!cur) {
		json_decref(ref);
		return -MO_EINPUT;
	}
	json_array_foreach(json_object_get(ref, "workloads"), i, rw) {
		const char *name = json_string_value(json_object_get(rw, "name"));
		json_t *cw = NULL, *v;
		size_t j;

		json_array_foreach(json_object_get(cur, "workloads"), j, v)
			if (name && !strcmp(json_string_value(json_object_get(v, "name")) ?: "", name))
				cw = v;
		if (!name)
			continue;
		if (!cw) {
			c.regressions++;
			line(&c, name, "(workload)", "present", "missing", "", "REGRESSION", NAN, NAN);
			continue;
		}
		compare_workload(&c, name, rw, cw);
	}
	if (json) {
		json_t *o = json_pack("{s:s,s:f,s:i,s:i,s:i,s:i,s:o}", "reference", ref_name,
				      "tolerance_pct", tol_pct, "compared", c.checked, "regressions",
				      c.regressions, "better", c.better, "moved_within_tolerance",
				      c.moved, "changes", c.rows);
		json_dumpf(o, fp, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', fp);
		json_decref(o);
	} else {
		fprintf(fp, "regress: %d values compared with '%s' (tolerance %.2f%%): %d "
			    "regression%s, %d better, %d moved within the tolerance", c.checked, ref_name,
			tol_pct, c.regressions, c.regressions == 1 ? "" : "s", c.better, c.moved);
		if (c.moved)
			fprintf(fp, " (largest %+.2f%%: %s)", c.most_moved, c.most_moved_at);
		fputc('\n', fp);
	}
	if (c.better && !c.regressions && !json)
		fprintf(fp, "regress: values improved beyond the tolerance; record them with --update\n");
	*regressions = c.regressions;
	json_decref(ref);
	json_decref(cur);
	return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

void bench_rmtree(const char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}
