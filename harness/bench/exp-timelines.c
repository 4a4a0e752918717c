/*
 * exp-timelines.c - the timelines: one simulated iteration of one workload
 * per system, which module runs on which GPU and partition when.  The rows
 * are recorded by the iteration-time tasks (bench_run_system gives the
 * simulator this file's sink); the report draws one figure per system.
 */
#include "harness/bench/experiment.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Recording: the simulated trace merged into boxes                         */
/* ------------------------------------------------------------------------ */

static int part_sms(const struct bench_timeline *tl, int gpu, int part)
{
	for (int i = 0; i < tl->nparts; i++)
		if (tl->parts[i].gpu == gpu && tl->parts[i].id == part)
			return tl->parts[i].sms;
	return 0;
}

static int flush_box(struct bench_timeline *tl, struct bench_tl_box *b, struct mo_err *err)
{
	const char *mod = "comm", *ph = "comm";

	if (!b->open)
		return 0;
	b->open = 0;
	if (b->module >= 0 && b->module < tl->w->n_modules)
		mod = tl->w->modules[b->module].name;
	if (b->phase >= 0 && b->phase <= WORKLOAD_OPT)
		ph = workload_phase_name(b->phase);
	return bench_add_row(tl->table, tl->task, err, "%s,%s,%d,%d,%d,%s,%s,%d,%.6f,%.6f",
			     tl->w->name, tl->system, b->gpu, b->partition,
			     b->partition >= 0 ? part_sms(tl, b->gpu, b->partition) : 0, mod, ph,
			     b->microbatch, b->start / 1e6, b->end / 1e6);
}

static int tl_header(void *ctx, const struct trace_header *h, struct mo_err *err)
{
	(void)ctx;
	(void)h;
	(void)err;
	return 0;
}

static int tl_record(void *ctx, const struct trace_record *rec, struct mo_err *err)
{
	struct bench_timeline *tl = ctx;
	const struct trace_kernel *k;
	int64_t start, end;
	int stream, module, phase, mb, dev, part;
	struct bench_tl_box *b;

	if (rec->kind == TRACE_KIND_PARTITION) {
		if (tl->nparts < BENCH_TL_MAX_PARTS) {
			tl->parts[tl->nparts].gpu = (int)rec->u.partition.device;
			tl->parts[tl->nparts].id = (int)rec->u.partition.id;
			tl->parts[tl->nparts].sms = (int)rec->u.partition.sms;
			tl->nparts++;
		}
		return 0;
	}
	if (rec->kind == TRACE_KIND_KERNEL) {
		k = &rec->u.kernel;
		start = k->start_ns, end = k->end_ns, stream = (int)k->stream;
		module = (int)k->module, phase = (int)k->phase, mb = (int)k->microbatch;
		dev = (int)k->device, part = (int)k->partition;
	} else if (rec->kind == TRACE_KIND_COLLECTIVE) {
		const struct trace_collective *c = &rec->u.collective;

		start = c->start_ns, end = c->end_ns, stream = (int)c->stream;
		module = (int)c->module, phase = -1, mb = (int)c->microbatch;
		dev = (int)c->device, part = -1;
	} else {
		return 0;
	}
	if (stream < 0)
		return 0;
	if (stream >= tl->nbox) {
		int n = stream + 64;
		struct bench_tl_box *nb = realloc(tl->boxes, (size_t)n * sizeof(*nb));

		if (!nb)
			return mo_err_set(err, MO_ENOMEM, "timeline: out of memory");
		memset(nb + tl->nbox, 0, (size_t)(n - tl->nbox) * sizeof(*nb));
		tl->boxes = nb;
		tl->nbox = n;
	}
	b = &tl->boxes[stream];
	/* One box per (partition, module, phase, microbatch) run, so a person
	 * sees which module holds which partition when; gaps of launch latency
	 * inside a run are part of its box. */
	if (b->open && b->module == module && b->phase == phase && b->microbatch == mb &&
	    b->gpu == dev && b->partition == part && start - b->end <= 50000) {
		if (end > b->end)
			b->end = end;
		return 0;
	}
	if (flush_box(tl, b, err))
		return -1;
	*b = (struct bench_tl_box){1, dev, part, module, phase, mb, start, end};
	return 0;
}

void bench_timeline_init(struct bench_timeline *tl, const struct workload *w, const char *system,
			 struct bench_table *table, int task, struct trace_sink *sink)
{
	memset(tl, 0, sizeof(*tl));
	tl->w = w, tl->system = system, tl->table = table, tl->task = task;
	*sink = (struct trace_sink){tl_header, tl_record, tl};
}

int bench_timeline_finish(struct bench_timeline *tl, int ok, struct mo_err *err)
{
	int rc = 0;

	for (int i = 0; ok && i < tl->nbox && !rc; i++)
		rc = flush_box(tl, &tl->boxes[i], err);
	free(tl->boxes);
	tl->boxes = NULL;
	tl->nbox = 0;
	return rc;
}

/* ------------------------------------------------------------------------ */
/* The report: one figure per system                                        */
/* ------------------------------------------------------------------------ */

#define TL_MAX_ROWS 1024
#define TL_MAX_MODS 32
#define TL_MAX_GPUS 4096

struct tl_common {
	char mods[TL_MAX_MODS][64];
	int nmods;
	double tmax;
};

static void tl_common_of(const struct bench_table *t, struct tl_common *tc)
{
	memset(tc, 0, sizeof(*tc));
	for (int r = 0; r < t->n; r++) {
		const char *m = bench_cell(t, r, "module");
		int found = 0;

		for (int i = 0; i < tc->nmods && !found; i++)
			found = !strcmp(tc->mods[i], m);
		if (!found && tc->nmods < TL_MAX_MODS && strcmp(m, "comm"))
			snprintf(tc->mods[tc->nmods++], sizeof(tc->mods[0]), "%s", m);
		if (bench_cell_num(t, r, "end_ms") > tc->tmax)
			tc->tmax = bench_cell_num(t, r, "end_ms");
	}
}

/* A GPU's rows, its number and the microbatches' numbers left out (data-
 * parallel replicas run other microbatches at the same times), as one
 * order-independent hash. */
static uint64_t tl_row_hash(const struct bench_table *t, int r)
{
	static const char *const cols[] = {"partition", "sms", "module", "phase", "start_ms",
					   "end_ms"};
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
		for (const char *v = bench_cell(t, r, cols[i]); v && *v; v++)
			h = (h ^ (unsigned char)*v) * 1099511628211ULL;
	return h;
}

/* Per GPU of one system: rep[g] the first GPU with the same rows, count[g]
 * how many GPUs share g's rows (on representatives).  Returns the GPUs. */
static int tl_gpu_roles(const struct bench_table *t, const char *system, int *rep, int *count)
{
	static uint64_t sig[TL_MAX_GPUS];
	int ngpu = 0;

	memset(sig, 0, sizeof(sig));
	for (int r = 0; r < t->n; r++) {
		int g = (int)bench_cell_num(t, r, "gpu");

		if (strcmp(bench_cell(t, r, "system"), system) || g < 0 || g >= TL_MAX_GPUS)
			continue;
		sig[g] += tl_row_hash(t, r);
		if (g + 1 > ngpu)
			ngpu = g + 1;
	}
	for (int g = 0; g < ngpu; g++) {
		rep[g] = g;
		count[g] = 0;
		for (int h = 0; h < g; h++)
			if (sig[h] == sig[g]) {
				rep[g] = h;
				break;
			}
		count[rep[g]]++;
	}
	return ngpu;
}

/* "gpu0" or "gpu0 (x8 alike)" */
static void tl_gpu_label(char *buf, size_t cap, int g, int count)
{
	if (count > 1)
		snprintf(buf, cap, "gpu%d (x%d alike)", g, count);
	else
		snprintf(buf, cap, "gpu%d", g);
}

/* The rows of system's timeline: (gpu, partition, sms) of its
 * representative GPUs (rep[g] == g), by GPU then partition (comm, -1, last);
 * how many (at most TL_MAX_ROWS). */
static int tl_rows(const struct bench_table *t, const char *system, const int *rep,
		   int rows[TL_MAX_ROWS][3])
{
	int nrows = 0;

	for (int r = 0; r < t->n; r++) {
		int g = (int)bench_cell_num(t, r, "gpu"), k = (int)bench_cell_num(t, r, "partition");
		int found = 0;

		if (strcmp(bench_cell(t, r, "system"), system) || g < 0 || g >= TL_MAX_GPUS ||
		    rep[g] != g)
			continue;
		for (int i = 0; i < nrows && !found; i++)
			found = rows[i][0] == g && rows[i][1] == k;
		if (!found && nrows < TL_MAX_ROWS) {
			int i = nrows++, kk = k < 0 ? 1 << 20 : k;

			while (i > 0 && (rows[i - 1][0] > g ||
					 (rows[i - 1][0] == g && (rows[i - 1][1] < 0 ? 1 << 20 : rows[i - 1][1]) > kk))) {
				memcpy(rows[i], rows[i - 1], sizeof(rows[0]));
				i--;
			}
			rows[i][0] = g, rows[i][1] = k, rows[i][2] = (int)bench_cell_num(t, r, "sms");
		}
	}
	return nrows;
}

/* timeline_<system>.csv: every box of the system's representative GPUs,
 * with its row and module index (-1: comm and optimizer, drawn grey). */
static int tl_csv(struct bench_report *c, const struct tl_common *tc, const char *system,
		  const int *rep, int rows[TL_MAX_ROWS][3], int nrows, struct mo_err *err)
{
	const struct bench_table *t = &c->t[BENCH_T_TIMELINE];
	char csvname[80];
	struct bench_csv f;
	int rc;

	snprintf(csvname, sizeof(csvname), "timeline_%s.csv", system);
	if ((rc = bench_csv_open(&f, c->dir, csvname, err)))
		return rc;
	fprintf(f.fp, "row,start_ms,end_ms,module_index,module,phase,microbatch,gpu,partition,sms\n");
	for (int r = 0; r < t->n; r++) {
		int g = (int)bench_cell_num(t, r, "gpu"), k = (int)bench_cell_num(t, r, "partition");
		int row = -1, mi = -1;
		const char *m = bench_cell(t, r, "module"), *ph = bench_cell(t, r, "phase");

		if (strcmp(bench_cell(t, r, "system"), system) || g < 0 || g >= TL_MAX_GPUS ||
		    rep[g] != g)
			continue;
		for (int i = 0; i < nrows; i++)
			if (rows[i][0] == g && rows[i][1] == k)
				row = i;
		for (int i = 0; i < tc->nmods; i++)
			if (!strcmp(tc->mods[i], m))
				mi = i;
		if (!strcmp(ph, "comm") || !strcmp(ph, "optimizer"))
			mi = -1;
		fprintf(f.fp, "%d,%s,%s,%d,%s,%s,%s,%d,%d,%s\n", row, bench_cell(t, r, "start_ms"),
			bench_cell(t, r, "end_ms"), mi, m, ph, bench_cell(t, r, "microbatch"), g, k,
			bench_cell(t, r, "sms"));
	}
	return bench_csv_close(&f, err);
}

/* The gnuplot commands of system's timeline: one labelled row per (GPU,
 * partition), boxes pale forward, dark backward, grey comm and optimizer;
 * every system on the same axis (the longest iteration). */
static void tl_script(FILE *gp, const struct tl_common *tc, const char *system,
		      int rows[TL_MAX_ROWS][3], int nrows, const int *count)
{
	char q[256];

	fprintf(gp, "set yrange [%f:-0.7] \nset xrange [0:%f]\nset ytics (", nrows - 0.3,
		tc->tmax * 1.01);
	for (int i = 0; i < nrows; i++) {
		char gl[48], lab[96];

		tl_gpu_label(gl, sizeof(gl), rows[i][0], count[rows[i][0]]);
		if (rows[i][1] < 0)
			snprintf(lab, sizeof(lab), "%s comm", gl);
		else
			snprintf(lab, sizeof(lab), "%s p%d (%d SMs)", gl, rows[i][1], rows[i][2]);
		fprintf(gp, "%s'%s' %d", i ? ", " : "", plot_quote(q, sizeof(q), lab), i);
	}
	fprintf(gp, ")\nset grid noytics xtics\nset key outside right top\n"
		      "set style fill solid 1.0 noborder\n"
		      "plot 'timeline_%s.csv' every ::1 using (column(4)==-1 ? ($2+$3)/2 : 1/0):1:(($3-$2)/2):(0.38) "
		      "with boxxyerror fs solid 0.9 noborder lc rgb '#9a9a9a' "
		      "title 'comm / optimizer' ,\\\n", system);
	for (int i = 0; i < tc->nmods; i++)
		fprintf(gp,
			"     '' every ::1 using ((column(4)==%d && strcol(6) eq 'forward') ? ($2+$3)/2 : 1/0):1:"
			"(($3-$2)/2):(0.38) with boxxyerror fs transparent solid 0.45 noborder lc rgb '%s' "
			"notitle, \\\n"
			"     '' every ::1 using ((column(4)==%d && strcol(6) ne 'forward') ? ($2+$3)/2 : 1/0):1:"
			"(($3-$2)/2):(0.38) with boxxyerror fs solid 1.0 noborder lc rgb '%s' title '%s'%s\n",
			i, bench_palette[i % bench_n_palette], i, bench_palette[i % bench_n_palette],
			plot_quote(q, sizeof(q), tc->mods[i]), i + 1 < tc->nmods ? ", \\" : "");
	if (!tc->nmods)
		fprintf(gp, "     1/0 notitle\n");
}

/* One system's timeline: its CSV and its figure. */
static int timeline_one(struct bench_report *c, const struct tl_common *tc, const char *system,
			int twl, struct mo_err *err)
{
	static int rep[TL_MAX_GPUS], count[TL_MAX_GPUS];
	char name[64], title[256], caption[256];
	int rows[TL_MAX_ROWS][3], nrows, rc, h; /* gpu, partition, sms */
	struct plot p;
	struct bench_figure fig = {name, 1200, 420, title, "time (ms, simulated)", "", caption};
	FILE *gp;

	tl_gpu_roles(&c->t[BENCH_T_TIMELINE], system, rep, count);
	snprintf(name, sizeof(name), "timeline_%s", system);
	if (!(nrows = tl_rows(&c->t[BENCH_T_TIMELINE], system, rep, rows)))
		return 0;
	if ((rc = tl_csv(c, tc, system, rep, rows, nrows, err)))
		return rc;
	snprintf(caption, sizeof(caption),
		 "%s: which module runs on which GPU and partition over one simulated iteration "
		 "(GPUs alike drawn once).", system);
	snprintf(title, sizeof(title),
		 "Timeline: one iteration of %s planned by %s (simulated; pale = forward, dark = backward)",
		 c->o->workloads[twl], system);
	h = 160 + 26 * nrows;
	fig.height = h < 420 ? 420 : h;
	if ((rc = bench_figure_open(c, NULL, &fig, &p, &gp, err)))
		return rc;
	tl_script(gp, tc, system, rows, nrows, count);
	if ((rc = bench_figure_close(c, &p, err)))
		return rc;
	bench_md_figure(c, &fig);
	return 0;
}

static int report(struct bench_report *c, struct mo_err *err)
{
	const struct bench_table *t = &c->t[BENCH_T_TIMELINE];
	int twl = bench_timeline_workload(c->o), rc = 0;
	struct tl_common tc;

	if (!t->n || twl < 0)
		return 0;
	bench_md(c, "## Timelines\n\nOne simulated training iteration of **%s** per system, one row per "
	      "GPU role and SM partition (plus its communication stream; GPUs whose iteration is "
	      "identical, such as data-parallel replicas, are drawn once with their count), one box "
	      "per module run of one microbatch (pale: forward, dark: backward, grey: communication "
	      "and optimizer), every system on the same time axis and each module in the same "
	      "colour. Colocated modules show up as several partition rows of one GPU busy at the "
	      "same time. (The timelines' workload is `--timeline`, by default the first whose "
	      "mosaic plan colocates modules.)\n", c->o->workloads[twl]);
	tl_common_of(t, &tc);
	for (int s = 0; s < BENCH_N_SYSTEMS && !rc; s++)
		rc = timeline_one(c, &tc, bench_systems[s], twl, err);
	return rc;
}

/* ------------------------------------------------------------------------ */
/* summary.json and summary.txt                                             */

const struct bench_experiment bench_exp_timelines = {
	.name = "timelines",
	.report = report,
};
