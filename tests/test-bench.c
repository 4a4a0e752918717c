/* test-bench.c - the bench library (harness/bench/): the task list its
 * experiments build, the tables, a task of every experiment run on the
 * smallest bundled workload, and every experiment's report on a few
 * hand-written rows whose derived numbers can be checked by hand. */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/common/check-main.h"
#include "harness/bench/experiment.h"
#include "harness/sim-check.h"

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */
/* ------------------------------------------------------------------------ */

/* The bundled clip workload alone on cluster (quick sweep). */
static void opts_for(struct bench_opts *o, const char *cluster, const char *workloads)
{
	struct mo_err err;

	mo_err_clear(&err);
	ck_assert_msg(bench_opts_init(o, &err) == 0, "%s", err.msg);
	o->quick = 1;
	o->quiet = 1;
	ck_assert_msg(bench_cluster_parse(&o->cluster, cluster, &err) == 0, "%s", err.msg);
	ck_assert_msg(bench_workloads_parse(o, workloads, &err) == 0, "%s", err.msg);
	snprintf(o->timeline, sizeof(o->timeline), "%s", o->workloads[0]);
}

static void tables_init(struct bench_table *t)
{
	for (int i = 0; i < BENCH_T_COUNT; i++)
		bench_table_init(&t[i], bench_table_file(i), bench_table_columns(i));
}

static void tables_release(struct bench_table *t)
{
	for (int i = 0; i < BENCH_T_COUNT; i++)
		bench_table_release(&t[i]);
}

static void add(struct bench_table *t, int id, int task, const char *row)
{
	struct mo_err err;

	mo_err_clear(&err);
	ck_assert_msg(bench_table_add(&t[id], task, row, &err) == 0, "%s: %s", row, err.msg);
}

/* A fresh temporary directory (heap). */
static char *temp_dir(void)
{
	char *d = strdup("/tmp/mosaic-test-bench-XXXXXX");

	ck_assert_ptr_nonnull(d);
	ck_assert_ptr_nonnull(mkdtemp(d));
	return d;
}

/* DIR/NAME as a string (heap); fails the test when it cannot be read. */
static char *slurp(const char *dir, const char *name)
{
	char path[4096];
	struct mo_err err;
	char *s;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	mo_err_clear(&err);
	ck_assert_msg(mo_read_file(path, BENCH_MAX_FILE, &s, NULL, &err) == 0, "%s", err.msg);
	return s;
}

/* The report of tables into a new directory, gnuplot kept off the PATH (the
 * scripts are written, nothing is rendered); the directory (heap). */
static char *report_of(const struct bench_opts *o, struct bench_table *t)
{
	char *dir = temp_dir(), *path = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
	struct mo_err err;
	int rc;

	mo_err_clear(&err);
	setenv("PATH", "/nonexistent", 1);
	rc = bench_report(o, t, dir, &err);
	if (path)
		setenv("PATH", path, 1);
	free(path);
	ck_assert_msg(rc == 0, "%s", err.msg);
	return dir;
}

static void rm_dir(char *dir)
{
	bench_rmtree(dir);
	free(dir);
}

/* CSV text s has a line equal to line. */
static int has_line(const char *s, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = s; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (!strncmp(p, line, n) && (p[n] == '\n' || p[n] == '\0'))
			return 1;
	return 0;
}

static int exp_index(const struct bench_experiment *x)
{
	for (int i = 0; i < bench_n_experiments; i++)
		if (bench_experiment_list[i] == x)
			return i;
	return -1;
}

/* ------------------------------------------------------------------------ */
/* The task list and the registry                                           */
/* ------------------------------------------------------------------------ */

START_TEST(the_quick_sweep_of_the_bundled_suite_has_354_tasks_in_the_list_order)
{
	struct bench_opts o;
	struct bench_task *t = NULL;
	struct mo_err err;
	int n, last = -1;

	mo_err_clear(&err);
	ck_assert_int_eq(bench_opts_init(&o, &err), 0);
	o.quick = 1;
	n = bench_tasks(&o, &t, &err);
	/* 6 workloads: 30 iteration-time, 30 search, 12 overhead, 6 profile, 24
	 * predictor, 30 scaling (16 GPUs), 6 why and 216 launch-grid tasks (3
	 * modes x 2 microbatch sizes x 6 systems each: the 5 and streams) */
	ck_assert_int_eq(n, 354);
	for (int i = 0; i < n; i++) {
		ck_assert_int_ge(t[i].exp, last);
		last = t[i].exp;
	}
	ck_assert_int_eq(t[0].exp, exp_index(&bench_exp_iter_time));
	ck_assert_int_eq(t[n - 223].exp, exp_index(&bench_exp_scaling));
	ck_assert_int_eq(t[n - 223].gpus, 16);
	ck_assert_int_eq(t[n - 217].exp, exp_index(&bench_exp_why));
	ck_assert_int_eq(t[n - 216].exp, exp_index(&bench_exp_launch_grid));
	ck_assert_int_eq(t[n - 1].exp, exp_index(&bench_exp_launch_grid));
	free(t);
}
END_TEST

START_TEST(the_regress_suite_leaves_out_the_full_only_experiments)
{
	struct bench_opts o;
	struct bench_task *t = NULL;
	struct mo_err err;
	int n;

	mo_err_clear(&err);
	ck_assert_int_eq(bench_opts_init(&o, &err), 0);
	o.quick = 1;
	o.suite = BENCH_SUITE_REGRESS;
	n = bench_tasks(&o, &t, &err);
	ck_assert_int_eq(n, 90); /* no overhead, profile, predictor or why task */
	for (int i = 0; i < n; i++)
		ck_assert(bench_experiment_list[t[i].exp]->suites & (1u << BENCH_SUITE_REGRESS));
	free(t);
}
END_TEST

START_TEST(task_labels_name_the_experiment_workload_variant_and_gpus)
{
	struct bench_opts o;
	struct bench_task t;
	char buf[128];

	opts_for(&o, "h100x2", "clip");
	t = (struct bench_task){exp_index(&bench_exp_iter_time), 0, 4, 2};
	bench_task_label(&o, &t, buf, sizeof(buf));
	ck_assert_str_eq(buf, "fig9 clip/mosaic");
	t = (struct bench_task){exp_index(&bench_exp_scaling), 0, 0, 16};
	bench_task_label(&o, &t, buf, sizeof(buf));
	ck_assert_str_eq(buf, "fig14 clip/megatron x16");
	t = (struct bench_task){exp_index(&bench_exp_prediction_error), 0, 0, 1};
	bench_task_label(&o, &t, buf, sizeof(buf));
	ck_assert_str_eq(buf, "profile clip");
	t = (struct bench_task){exp_index(&bench_exp_search_quality), 0, 2, 0};
	bench_task_label(&o, &t, buf, sizeof(buf));
	ck_assert_str_eq(buf, "fig13 clip/even-split");
}
END_TEST

START_TEST(every_experiment_has_a_distinct_name_and_runs_what_it_lists)
{
	for (int i = 0; i < bench_n_experiments; i++) {
		const struct bench_experiment *x = bench_experiment_list[i];

		ck_assert_ptr_nonnull(x->name);
		ck_assert_msg(x->report || x->run, "%s does nothing", x->name);
		ck_assert_msg(!x->tasks == !x->run && (!x->tasks || (x->tag && x->suites)),
			      "%s: tasks, run, tag and suites go together", x->name);
		for (int j = 0; j < i; j++)
			ck_assert_str_ne(x->name, bench_experiment_list[j]->name);
	}
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Tables                                                                   */
/* ------------------------------------------------------------------------ */

START_TEST(a_table_written_and_read_back_is_sorted_by_task)
{
	struct bench_table t, u;
	struct mo_err err;
	char *dir = temp_dir();

	mo_err_clear(&err);
	bench_table_init(&t, "x", "a,b");
	bench_table_init(&u, "x", "a,b");
	ck_assert_int_eq(bench_table_add(&t, 7, "late,2", &err), 0);
	ck_assert_int_eq(bench_table_add(&t, 3, "early,1", &err), 0);
	ck_assert_int_ne(bench_table_add(&t, 3, "one field too many,1,2", &err), 0);
	ck_assert_int_eq(bench_table_write(&t, dir, &err), 0);
	ck_assert_int_eq(bench_table_read(&u, dir, 0, &err), 0);
	ck_assert_int_eq(u.n, 2);
	ck_assert_str_eq(bench_cell(&u, 0, "a"), "early");
	ck_assert(bench_cell_num(&u, 1, "b") == 2.0);
	bench_table_release(&t);
	bench_table_release(&u);
	rm_dir(dir);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Every experiment's task on the smallest bundled workload                  */
/* ------------------------------------------------------------------------ */

/* Run the first task of experiment x for clip on 2 H100s; rows of table id. */
static int rows_of_first_task(const struct bench_experiment *x, int id)
{
	struct bench_opts o;
	struct bench_table t[BENCH_T_COUNT];
	struct bench_task *tasks = NULL;
	struct mo_err err;
	int n, i, rows;

	opts_for(&o, "h100x2", "clip");
	mo_err_clear(&err);
	n = bench_tasks(&o, &tasks, &err);
	ck_assert_int_gt(n, 0);
	for (i = 0; i < n && tasks[i].exp != exp_index(x); i++)
		;
	ck_assert_msg(i < n, "%s has no task", x->name);
	tables_init(t);
	ck_assert_msg(bench_task_run(&o, tasks, i, t, &err) == 0, "%s", err.msg);
	ck_assert_msg(t[BENCH_T_FAILURE].n == 0, "%s failed: %s", x->name,
		      t[BENCH_T_FAILURE].n ? bench_cell(&t[BENCH_T_FAILURE], 0, "message") : "");
	rows = t[id].n;
	for (int r = 0; r < rows; r++)
		ck_assert_int_eq(t[id].rows[r].task, i);
	tables_release(t);
	free(tasks);
	return rows;
}

/* What the first task of each experiment writes: exactly `rows` rows into
 * `table`, or with at_least more than `rows`. */
static const struct {
	const char *what;
	const struct bench_experiment *exp;
	int table, rows, at_least;
} first_tasks[] = {
	{"an iteration-time task writes one iter row", &bench_exp_iter_time, BENCH_T_ITER, 1, 0},
	{"and the timeline", &bench_exp_iter_time, BENCH_T_TIMELINE, 0, 1},
	{"a search-quality task writes one search row", &bench_exp_search_quality, BENCH_T_SEARCH,
	 1, 0},
	{"an overhead task writes one overhead row", &bench_exp_overhead, BENCH_T_OVERHEAD, 1, 0},
	/* clip: 2 modules x forward and backward x the H100's lattice */
	{"a prediction-error task profiles every module, phase and quota",
	 &bench_exp_prediction_error, BENCH_T_PROFILE, 8, 1},
	{"a predictors task writes one predictor row", &bench_exp_predictors, BENCH_T_PREDICTOR, 1,
	 0},
	{"a why task writes plan --explain's comparison line by line", &bench_exp_why, BENCH_T_WHY,
	 1, 1},
	{"a scaling task writes one iter row at its GPU count", &bench_exp_scaling, BENCH_T_ITER, 1,
	 0},
};

START_TEST(each_experiments_first_task_writes_its_rows)
{
	int n = rows_of_first_task(first_tasks[_i].exp, first_tasks[_i].table);

	ck_assert_msg(first_tasks[_i].at_least ? n > first_tasks[_i].rows : n == first_tasks[_i].rows,
		      "%s: %d rows", first_tasks[_i].what, n);
}
END_TEST

/* The simulated finalist check (harness/sim-check.c) fails with the
 * child's message and a negative code when a finalist cannot be simulated:
 * here a plan of clip judged against imagebind (its modules are not placed). */
START_TEST(a_finalist_that_cannot_be_simulated_fails_the_check)
{
	struct workload *clip = NULL, *other = NULL;
	struct plan *p = NULL;
	struct mo_err err;
	const struct model_gpu *gpu;
	struct sim_check ctx;
	struct plan_checker chk;
	int64_t ns[1] = {0};
	const struct plan *plans[1];

	mo_err_clear(&err);
	ck_assert_msg(workload_load("workloads/clip.json", &clip, &err) == 0, "%s", err.msg);
	ck_assert_msg(workload_load("workloads/imagebind.json", &other, &err) == 0, "%s", err.msg);
	ck_assert_ptr_nonnull(gpu = model_gpu_find("h100", &err));
	ck_assert_msg(plan_make(clip, gpu, 8, "megatron", &p, NULL, &err) == 0, "%s", err.msg);
	ctx = (struct sim_check){other, NULL, NULL};
	sim_check_init(&chk, &ctx);
	plans[0] = p;
	mo_err_clear(&err);
	ck_assert_int_lt(chk.judge_all(chk.ctx, plans, 1, ns, &err), 0);
	ck_assert_int_lt(err.code, 0);
	ck_assert_msg(strstr(err.msg, "bad plan"), "%s", err.msg);
	ck_assert_int_eq(ns[0], -2);
	plan_free(p);
	workload_free(clip);
	workload_free(other);
}
END_TEST

/* The first launch-grid task (clip, eager-per-gpu, microbatch 1, megatron)
 * keeps clip's 16 microbatches: a global batch of 16. */
START_TEST(a_launch_grid_task_writes_one_row_at_its_mode_and_microbatch_size)
{
	struct bench_opts o;
	struct bench_table t[BENCH_T_COUNT];
	struct bench_task *tasks = NULL;
	struct mo_err err;
	int n, i;

	opts_for(&o, "h100x2", "clip");
	mo_err_clear(&err);
	n = bench_tasks(&o, &tasks, &err);
	for (i = 0; i < n && tasks[i].exp != exp_index(&bench_exp_launch_grid); i++)
		;
	ck_assert_int_lt(i, n);
	tables_init(t);
	ck_assert_msg(bench_task_run(&o, tasks, i, t, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(t[BENCH_T_FAILURE].n, 0);
	ck_assert_int_eq(t[BENCH_T_GRID].n, 1);
	ck_assert_str_eq(bench_cell(&t[BENCH_T_GRID], 0, "mode"), "eager-per-gpu");
	ck_assert_str_eq(bench_cell(&t[BENCH_T_GRID], 0, "microbatch_size"), "1");
	ck_assert_str_eq(bench_cell(&t[BENCH_T_GRID], 0, "batch"), "16");
	ck_assert_str_eq(bench_cell(&t[BENCH_T_GRID], 0, "system"), "megatron");
	ck_assert(bench_cell_num(&t[BENCH_T_GRID], 0, "simulated_mfu_pct") > 0);
	ck_assert(bench_cell_num(&t[BENCH_T_GRID], 0, "simulated_mfu_pct") <
		  bench_cell_num(&t[BENCH_T_GRID], 0, "simulated_util_pct"));
	tables_release(t);
	free(tasks);
}
END_TEST

/* ------------------------------------------------------------------------ */
/* Every experiment's report on hand-written rows                            */
/* ------------------------------------------------------------------------ */

/* clip on 8 GPUs: megatron 200 ms, distmm 250 ms, mosaic 100 ms simulated
 * (predicted 190, 240, 110), utilisation 40, 30, 80 %; at 16 GPUs megatron
 * 4 and mosaic 6 samples/s. */
static void iter_rows(struct bench_table *t)
{
	add(t, BENCH_T_ITER, 0, "clip,megatron,8,4,8,8,0,190000000,200000000,2.000,40.00");
	add(t, BENCH_T_ITER, 1, "clip,distmm,8,4,8,8,0,240000000,250000000,1.600,30.00");
	add(t, BENCH_T_ITER, 4, "clip,mosaic,8,4,8,10,2,110000000,100000000,4.000,80.00");
	add(t, BENCH_T_ITER, 40, "clip,megatron,16,4,8,16,0,100000000,100000000,4.000,40.00");
	add(t, BENCH_T_ITER, 44, "clip,mosaic,16,4,8,18,2,70000000,66000000,6.000,80.00");
}

static char *report_with(void (*fill)(struct bench_table *))
{
	struct bench_opts o;
	struct bench_table t[BENCH_T_COUNT];
	char *dir;

	opts_for(&o, "h100x8", "clip");
	tables_init(t);
	fill(t);
	dir = report_of(&o, t);
	tables_release(t);
	return dir;
}

/* The report of fill's rows has, in its file, each of the whole lines that
 * follow (up to a NULL). */
static __attribute__((sentinel)) void expect_report_lines(void (*fill)(struct bench_table *),
							     const char *file, ...)
{
	char *dir = report_with(fill), *text = slurp(dir, file);
	const char *line;
	va_list ap;

	va_start(ap, file);
	while ((line = va_arg(ap, const char *)))
		ck_assert_msg(has_line(text, line), "%s has no line '%s':\n%s", file, line, text);
	va_end(ap);
	free(text);
	rm_dir(dir);
}

START_TEST(iteration_time_reports_the_speedup_over_the_best_baseline)
{
	char *dir = report_with(iter_rows), *csv = slurp(dir, "fig9_iter_time.csv");
	char *sum = slurp(dir, "summary.json");

	/* megatron is the best baseline (200 ms); mosaic 2x faster */
	ck_assert_msg(strstr(csv, ",megatron,2.0000,") != NULL, "%s", csv);
	ck_assert_msg(strstr(csv, ",2.00x\n") != NULL, "%s", csv);
	ck_assert_msg(strstr(sum, "\"geomean_speedup\": 2.0") != NULL, "%s", sum);
	free(csv);
	free(sum);
	rm_dir(dir);
}
END_TEST

START_TEST(utilisation_lists_each_systems_simulated_utilisation)
{
	expect_report_lines(iter_rows, "fig10_util.csv", "clip,40.00,30.00,,,80.00", NULL);
}
END_TEST

START_TEST(scaling_compares_mosaic_with_the_best_baseline_per_gpu_count)
{
	expect_report_lines(iter_rows, "fig14_scaling.csv", "8,4.000,2.000", "16,6.000,4.000", NULL);
}
END_TEST

static void overhead_rows(struct bench_table *t)
{
	add(t, BENCH_T_OVERHEAD, 10, "clip,mosaic,10,4,100000000,98500000,1.500,launch gaps");
	add(t, BENCH_T_OVERHEAD, 11, "clip,megatron,8,0,200000000,199000000,0.500,launch gaps");
}

START_TEST(overhead_lists_mosaic_and_megatron_side_by_side)
{
	expect_report_lines(overhead_rows, "fig11_overhead.csv", "clip,1.500,0.500", NULL);
}
END_TEST

/* One module, forward, at two quotas: the model 10% and 20% high, the
 * waves baseline exact, linear scaling 50% high at the smaller quota. */
static void profile_rows(struct bench_table *t)
{
	add(t, BENCH_T_PROFILE, 20, "clip,vision,forward,66,110,100,100,150");
	add(t, BENCH_T_PROFILE, 20, "clip,vision,forward,132,60,50,50,50");
}

START_TEST(prediction_error_is_the_relative_error_against_the_simulator)
{
	char *dir = report_with(profile_rows), *csv = slurp(dir, "fig12_cdf_module.csv");
	char *lin = slurp(dir, "fig12_cdf_module_linear.csv");

	ck_assert_msg(has_line(csv, "10.0000,0.500000"), "%s", csv);
	ck_assert_msg(has_line(csv, "20.0000,1.000000"), "%s", csv);
	ck_assert_msg(has_line(lin, "0.0000,0.500000") && has_line(lin, "50.0000,1.000000"), "%s",
		      lin);
	free(csv);
	free(lin);
	rm_dir(dir);
}
END_TEST

START_TEST(grid_density_interpolates_a_sparser_grid_of_the_simulated_profile)
{
	/* two quotas are the smallest and the whole: every grid keeps both,
	 * so interpolation is exact */
	expect_report_lines(profile_rows, "fig14_density.csv", "8,2,0.0000,0.0000,0.0000", NULL);
}
END_TEST

static void predictor_rows(struct bench_table *t)
{
	add(t, BENCH_T_PREDICTOR, 30, "clip,model,100,100,100000000");
	add(t, BENCH_T_PREDICTOR, 31, "clip,waves,90,100,150000000");
	add(t, BENCH_T_PREDICTOR, 32, "clip,linear,90,100,100000000");
}

START_TEST(predictors_report_the_slowdown_against_the_full_models_plan)
{
	expect_report_lines(predictor_rows, "fig12_predictors.csv", "clip,1.5000,1.0000,", NULL);
}
END_TEST

static void search_rows(struct bench_table *t)
{
	add(t, BENCH_T_SEARCH, 5, "clip,2,mosaic,ok,110,121,");
	add(t, BENCH_T_SEARCH, 6, "clip,2,optimal,ok,100,110,");
	add(t, BENCH_T_SEARCH, 7, "clip,2,mosaic-greedy,refused,,,too large");
}

START_TEST(search_quality_is_relative_to_the_exact_search)
{
	char *dir = report_with(search_rows), *csv = slurp(dir, "fig13_search.csv");
	char *md = slurp(dir, "report.md");

	/* mosaic: 110 / 100 predicted, 121 / 110 simulated */
	ck_assert_msg(strstr(csv, "clip,optimal,1.1000,") != NULL, "%s", csv);
	ck_assert_msg(strstr(csv, ",1.1000,") != NULL, "%s", csv);
	ck_assert_msg(strstr(md, "clip / mosaic-greedy: refused (too large)") != NULL, "%s", md);
	free(csv);
	free(md);
	rm_dir(dir);
}
END_TEST

/* Two GPUs of mosaic alike but for their number and microbatches. */
static void timeline_rows(struct bench_table *t)
{
	add(t, BENCH_T_TIMELINE, 4, "clip,mosaic,0,0,66,vision,forward,0,0.000000,1.000000");
	add(t, BENCH_T_TIMELINE, 4, "clip,mosaic,0,1,66,text,forward,0,0.000000,2.000000");
	add(t, BENCH_T_TIMELINE, 4, "clip,mosaic,1,0,66,vision,forward,1,0.000000,1.000000");
	add(t, BENCH_T_TIMELINE, 4, "clip,mosaic,1,1,66,text,forward,1,0.000000,2.000000");
}

START_TEST(timelines_draw_gpus_alike_once_with_their_count)
{
	char *dir = report_with(timeline_rows), *csv = slurp(dir, "timeline_mosaic.csv");
	char *gp = slurp(dir, "timeline_mosaic.gp");

	ck_assert_msg(has_line(csv, "0,0.000000,1.000000,0,vision,forward,0,0,0,66"), "%s", csv);
	ck_assert_msg(strstr(csv, ",1,0,66\n") == NULL, "GPU 1 drawn again:\n%s", csv);
	ck_assert_msg(strstr(gp, "gpu0 (x2 alike) p1 (66 SMs)") != NULL, "%s", gp);
	free(csv);
	free(gp);
	rm_dir(dir);
}
END_TEST

static void why_rows(struct bench_table *t)
{
	add(t, BENCH_T_WHY, 130, "clip,8,4,why (mosaic's candidates at microbatch 4)");
	add(t, BENCH_T_WHY, 130, "clip,8,4,  decides: its pipeline fill/drain wait");
}

START_TEST(why_quotes_the_comparison_per_workload)
{
	char *dir = report_with(why_rows), *md = slurp(dir, "report.md");

	ck_assert_msg(strstr(md, "**clip** (8 GPUs, microbatch 4):\n\n```\nwhy (mosaic's "
				 "candidates at microbatch 4)\n  decides: its pipeline fill/drain "
				 "wait\n```\n") != NULL, "%s", md);
	free(md);
	rm_dir(dir);
}
END_TEST

START_TEST(scaling_draws_the_speedup_per_gpu_count_with_labels)
{
	char *dir = report_with(iter_rows), *csv = slurp(dir, "fig14_speedup.csv");
	char *gp = slurp(dir, "fig14_scaling.gp");

	/* 4 / 2 samples/s at 8 GPUs, 6 / 4 at 16 */
	ck_assert_msg(has_line(csv, "8,2.0000,2.00x"), "%s", csv);
	ck_assert_msg(has_line(csv, "16,1.5000,1.50x"), "%s", csv);
	ck_assert_msg(strstr(gp, "'fig14_speedup.csv' using 2:xtic(1) title 'clip'") != NULL, "%s", gp);
	ck_assert_msg(strstr(gp, "(strcol(3)) with labels") != NULL, "%s", gp);
	free(csv);
	free(gp);
	rm_dir(dir);
}
END_TEST

/* clip at microbatch 1 (quick sizes 1 and 4): eager-per-gpu mosaic =
 * megatron; eager-per-partition optimus 120 samples/s beats megatron's
 * 100, mosaic 240, plain streams 160; graphs mosaic 250 over megatron 200;
 * nothing at 4. */
static void grid_rows(struct bench_table *t)
{
	static const struct {
		int task;
		const char *row;
	} rows[] = {
		{100, "clip,eager-per-gpu,1,16,megatron,8,0,1,1,100.000,20.00,2.00"},
		{104, "clip,eager-per-gpu,1,16,mosaic,8,0,1,1,100.000,20.00,2.00"},
		{110, "clip,eager-per-partition,1,16,megatron,8,0,1,1,100.000,20.00,2.00"},
		{113, "clip,eager-per-partition,1,16,optimus,8,0,1,1,120.000,30.00,3.00"},
		{114, "clip,eager-per-partition,1,16,mosaic,16,8,1,1,240.000,60.00,6.00"},
		{115, "clip,eager-per-partition,1,16,streams,8,0,1,1,160.000,40.00,4.00"},
		{120, "clip,graphs,1,16,megatron,8,0,1,1,200.000,40.00,4.00"},
		{124, "clip,graphs,1,16,mosaic,16,8,1,1,250.000,50.00,5.00"},
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		add(t, BENCH_T_GRID, rows[i].task, rows[i].row);
}

START_TEST(the_launch_grid_compares_mosaic_with_the_best_baseline_of_the_same_mode)
{
	char *dir = report_with(grid_rows), *csv = slurp(dir, "launch_grid.csv");
	char *geo = slurp(dir, "launch_grid_geomean.csv"), *md = slurp(dir, "report.md");

	ck_assert_msg(has_line(csv, "clip,eager-per-partition,1,optimus,120.000,240.000,2.0000,8,"
				    "30.00,3.00,60.00,6.00,160.000,1.5000"), "%s", csv);
	ck_assert_msg(has_line(csv, "clip,graphs,1,megatron,200.000,250.000,1.2500,8,40.00,4.00,"
				    "50.00,5.00,,"), "%s", csv);
	ck_assert_msg(has_line(csv, "clip,graphs,4,,,,,,,,,,,"), "%s", csv);
	ck_assert_msg(has_line(geo, "1,1.0000,2.0000,1.2500,1.00x,2.00x,1.25x"), "%s", geo);
	ck_assert_msg(has_line(geo, "4,,,,,,"), "%s", geo);
	ck_assert_msg(strstr(md, "| clip | eager-per-partition | 2.00x (optimus) | - | 60 / 6.0 (30 / 3.0) | - |"),
		      "%s", md);
	ck_assert_msg(strstr(md, "eager-per-partition: mb 1 geomean 1.50x, max 1.50x over 1;"), "%s", md);
	free(csv);
	free(geo);
	free(md);
	rm_dir(dir);
}
END_TEST

START_TEST(the_report_orders_sections_by_the_papers_figures)
{
	char *dir = report_with(iter_rows), *md = slurp(dir, "report.md");
	const char *f9 = strstr(md, "## Fig. 9"), *f10 = strstr(md, "## Fig. 10");
	const char *f14 = strstr(md, "## Fig. 14"), *none = strstr(md, "## What did not run");

	ck_assert(f9 && f10 && f14 && none);
	ck_assert(f9 < f10 && f10 < f14 && f14 < none);
	free(md);
	rm_dir(dir);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("bench");
	TCase *list = tcase_create("task list"), *tab = tcase_create("tables");
	TCase *run = tcase_create("tasks"), *rep = tcase_create("reports");

	tcase_add_test(list, the_quick_sweep_of_the_bundled_suite_has_354_tasks_in_the_list_order);
	tcase_add_test(list, the_regress_suite_leaves_out_the_full_only_experiments);
	tcase_add_test(list, task_labels_name_the_experiment_workload_variant_and_gpus);
	tcase_add_test(list, every_experiment_has_a_distinct_name_and_runs_what_it_lists);
	tcase_add_test(tab, a_table_written_and_read_back_is_sorted_by_task);
	tcase_set_timeout(run, 120);
	tcase_add_loop_test(run, each_experiments_first_task_writes_its_rows, 0,
			    sizeof(first_tasks) / sizeof(first_tasks[0]));
	tcase_add_test(run, a_launch_grid_task_writes_one_row_at_its_mode_and_microbatch_size);
	tcase_add_test(run, a_finalist_that_cannot_be_simulated_fails_the_check);
	tcase_add_test(rep, iteration_time_reports_the_speedup_over_the_best_baseline);
	tcase_add_test(rep, utilisation_lists_each_systems_simulated_utilisation);
	tcase_add_test(rep, scaling_compares_mosaic_with_the_best_baseline_per_gpu_count);
	tcase_add_test(rep, overhead_lists_mosaic_and_megatron_side_by_side);
	tcase_add_test(rep, prediction_error_is_the_relative_error_against_the_simulator);
	tcase_add_test(rep, grid_density_interpolates_a_sparser_grid_of_the_simulated_profile);
	tcase_add_test(rep, predictors_report_the_slowdown_against_the_full_models_plan);
	tcase_add_test(rep, search_quality_is_relative_to_the_exact_search);
	tcase_add_test(rep, timelines_draw_gpus_alike_once_with_their_count);
	tcase_add_test(rep, why_quotes_the_comparison_per_workload);
	tcase_add_test(rep, scaling_draws_the_speedup_per_gpu_count_with_labels);
	tcase_add_test(rep, the_report_orders_sections_by_the_papers_figures);
	tcase_add_test(rep, the_launch_grid_compares_mosaic_with_the_best_baseline_of_the_same_mode);
	suite_add_tcase(s, list);
	suite_add_tcase(s, tab);
	suite_add_tcase(s, run);
	suite_add_tcase(s, rep);
	return s;
}
