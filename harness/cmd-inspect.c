/* cmd-inspect.c - `mosaic inspect [--json|--csv] [--check] [--top N] FILE|DIR...`. */
#include "harness/cli.h"
#include "harness/inspect.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] = "mosaic inspect [--json|--csv] [--check] [--top N] [--quiet] FILE... | DIR";

static void help(void)
{
	printf("usage: %s\n\n"
	       "Summarise a trace: an .mtr or a Kineto / Chrome trace JSON (plain or gzip,\n"
	       "detected from its content).  Shows the GPU, kernel count, kernel time, span,\n"
	       "busy time (union of kernel intervals per device) and idle share, then time\n"
	       "by kernel class, top kernels, and time per module, phase and stream.  Every\n"
	       "time is labelled measured or simulated, from the trace's header.  With host\n"
	       "records (CPU ops, CUDA API calls), the gaps between a device's kernels are\n"
	       "split by what the GPU waited for: the host's launch of the next kernel (its\n"
	       "API call began after the gap began), other work, or unknown (no call).\n\n"
	       "Then the analyses, per rank and step (steps from ProfilerStep annotations,\n"
	       "else the whole trace is one step): the temporal breakdown (compute,\n"
	       "communication, memory, idle), communication overlapped by compute, launch\n"
	       "latency and queue length percentiles, kernel duration percentiles per\n"
	       "kernel and class, and the critical path through host and GPU by category\n"
	       "and module (their definitions: traces/traces.h, \"Analyses\").\n\n"
	       "Several files, or a directory of .json, .json.gz and .mtr files, are one\n"
	       "job's ranks (rank N from \"rankN\" in the name, else the sorted order):\n"
	       "each rank's summary, then the analyses per rank and for the whole job.\n\n"
	       "  --json        one JSON object instead of tables\n"
	       "  --csv         the analyses as CSV, one figure per row, with units\n"
	       "  --check       validate (end >= start, no overlap on a stream, every\n"
	       "                device/stream/partition/module/phase defined); list the\n"
	       "                first 20 problems and their count; exit 1 when any\n"
	       "  --top N       kernels in the top list (default 10; 0 for all)\n"
	       "  --quiet       accepted as by every command (inspect writes only errors\n"
	       "                to stderr)\n\n"
	       "Kernels without a class in the trace are classified by the model's\n"
	       "classifier.  Exit 2 on unreadable input, naming the file and where.\n",
	       usage);
}

#define SHOWN_PROBLEMS 20

/* ---- text ---- */

static double ms(int64_t ns)
{
	return (double)ns / 1e6;
}

static double pct(int64_t part, int64_t whole)
{
	return whole > 0 ? 100.0 * (double)part / (double)whole : 0.0;
}

static void print_groups(const struct trace_summary *s, enum trace_summary_by by,
			 const char *title, const char *label, size_t limit, const char *src)
{
	const struct trace_summary_group *g;
	size_t n = trace_summary_groups(s, by, &g);
	int64_t total = trace_summary_totals(s)->kernel_time_ns;

	if (!n)
		return;
	printf("\n%s (%s)\n", title, src);
	printf("  %12s %6s %9s %11s  %s\n", "time ms", "%", "kernels", "avg us", label);
	for (size_t i = 0; i < n && (!limit || i < limit); i++) {
		char name[160];
		if (by == TRACE_BY_STREAM) {
			char plain[48];
			const char *sn = g[i].name;
			snprintf(plain, sizeof(plain), "stream %lld", (long long)g[i].id);
			if (!strcmp(sn, plain)) /* the importer's default name adds nothing */
				sn = "";
			if (g[i].partition >= 0 && g[i].partition_sms >= 0)
				snprintf(name, sizeof(name), "device %lld / partition %lld (%lld SMs) / "
					 "stream %lld%s%s", (long long)g[i].device,
					 (long long)g[i].partition, (long long)g[i].partition_sms,
					 (long long)g[i].id, *sn ? " " : "", sn);
			else if (g[i].partition >= 0)
				snprintf(name, sizeof(name), "device %lld / partition %lld / stream %lld%s%s",
					 (long long)g[i].device, (long long)g[i].partition,
					 (long long)g[i].id, *sn ? " " : "", sn);
			else
				snprintf(name, sizeof(name), "device %lld / stream %lld%s%s",
					 (long long)g[i].device, (long long)g[i].id,
					 *sn ? " " : "", sn);
		} else if (by == TRACE_BY_DEVICE) {
			snprintf(name, sizeof(name), "device %lld%s%s (busy %.3f ms)", (long long)g[i].id,
				 *g[i].name ? " " : "", g[i].name, ms(g[i].busy_ns));
		} else if ((by == TRACE_BY_MODULE || by == TRACE_BY_PHASE) && g[i].id >= 0 &&
			   !*g[i].name) {
			snprintf(name, sizeof(name), "#%lld (unnamed)", (long long)g[i].id);
		} else {
			snprintf(name, sizeof(name), "%s", *g[i].name ? g[i].name : "(unnamed)");
		}
		printf("  %12.3f %6.1f %9llu %11.3f  %s\n", ms(g[i].time_ns), pct(g[i].time_ns, total),
		       (unsigned long long)g[i].count,
		       g[i].count ? (double)g[i].time_ns / (double)g[i].count / 1e3 : 0.0, name);
	}
	if (limit && n > limit)
		printf("  ... %zu more\n", n - limit);
}

static void print_text(const char *path, const struct trace_summary *s, size_t top)
{
	const struct trace_summary_totals *t = trace_summary_totals(s);
	const char *src = trace_source_name(t->source);
	const struct trace_summary_group *g;
	size_t nstreams = trace_summary_groups(s, TRACE_BY_STREAM, &g);

	printf("%-13s %s\n", "trace", path);
	if (*t->producer || *t->origin)
		printf("%-13s %s%s%s\n", "produced by", t->producer, *t->origin ? ", from " : "",
		       t->origin);
	printf("%-13s %s (every time below is %s)\n", "source", src, src);
	printf("%-13s %s", "gpu", *t->gpu_name ? t->gpu_name : "(unknown)");
	if (t->gpu_sms > 0)
		printf(", %lld SMs", (long long)t->gpu_sms);
	if (t->quota_sms > 0)
		printf(", recorded under a quota of %lld SMs", (long long)t->quota_sms);
	printf("\n%-13s %llu (devices %llu, streams %llu, partitions %llu, modules %llu, "
	       "phases %llu)\n",
	       "records", (unsigned long long)t->records, (unsigned long long)t->devices,
	       (unsigned long long)t->streams, (unsigned long long)t->partitions,
	       (unsigned long long)t->modules, (unsigned long long)t->phases);
	printf("%-13s %llu (%llu compute, %llu collective) on %zu streams of %llu devices\n",
	       "kernels", (unsigned long long)t->kernels, (unsigned long long)t->compute_kernels,
	       (unsigned long long)t->collectives, nstreams,
	       (unsigned long long)t->kernel_devices);
	if (t->bad_spans)
		printf("%-13s %llu kernels have no valid start/end and are left out of times\n",
		       "warning", (unsigned long long)t->bad_spans);
	printf("%-13s %.3f ms (%s; sum of kernel durations)\n", "kernel time", ms(t->kernel_time_ns),
	       src);
	printf("%-13s %.3f ms (%s; first kernel start to last kernel end)\n", "span", ms(t->span_ns),
	       src);
	printf("%-13s %.3f ms (%s; union of kernel intervals per device, summed)%s\n", "busy",
	       ms(t->busy_ns), src, t->busy_exact ? "" : " [approximate: far out-of-order records]");
	printf("%-13s %.1f %% (of span x devices with kernels)\n", "idle", t->idle_pct);
	printf("%-13s %llu, %.3f ms, %lld bytes (%s)\n", "memcpy", (unsigned long long)t->memcpys,
	       ms(t->memcpy_ns), (long long)t->memcpy_bytes, src);
	printf("%-13s %llu, %.3f ms, %lld bytes (%s)\n", "memset", (unsigned long long)t->memsets,
	       ms(t->memset_ns), (long long)t->memset_bytes, src);
	if (t->markers)
		printf("%-13s %llu\n", "markers", (unsigned long long)t->markers);
	if (t->threads || t->cpu_ops || t->api_calls)
		printf("%-13s %llu threads, %llu CPU ops, %llu API calls (%llu enqueue GPU work)\n",
		       "host", (unsigned long long)t->threads, (unsigned long long)t->cpu_ops,
		       (unsigned long long)t->api_calls, (unsigned long long)t->launches);
	if (t->gap_ns > 0)
		printf("%-13s %.3f ms between kernels (%s): waiting for the host's launch %.3f ms "
		       "(%.1f %%), launched but waiting on other work %.3f ms (%.1f %%: behind a "
		       "kernel of the same stream %.3f ms, on another stream %.3f ms), "
		       "no launch recorded %.3f ms (%.1f %%)\n",
		       "idle gaps", ms(t->gap_ns), src, ms(t->host_wait_ns),
		       pct(t->host_wait_ns, t->gap_ns), ms(t->other_wait_ns),
		       pct(t->other_wait_ns, t->gap_ns), ms(t->kernel_wait_ns), ms(t->other_ns),
		       ms(t->unattributed_ns), pct(t->unattributed_ns, t->gap_ns));

	print_groups(s, TRACE_BY_CLASS, "time by kernel class", "class", 0, src);
	print_groups(s, TRACE_BY_KERNEL, "top kernels by total time", "kernel", top, src);
	print_groups(s, TRACE_BY_MODULE, "time per module", "module", 0, src);
	print_groups(s, TRACE_BY_PHASE, "time per phase", "phase", 0, src);
	print_groups(s, TRACE_BY_DEVICE, "time per device", "device", 0, src);
	print_groups(s, TRACE_BY_STREAM, "time per stream", "stream", 0, src);
}

/* ---- JSON ---- */

#define jstr inspect_jstr

static json_t *jgroups(const struct trace_summary *s, enum trace_summary_by by, size_t limit)
{
	const struct trace_summary_group *g;
	size_t n = trace_summary_groups(s, by, &g);
	json_t *a = json_array();

	for (size_t i = 0; i < n && (!limit || i < limit); i++) {
		json_t *o = json_object();
		json_object_set_new(o, "name", jstr(g[i].name));
		if (by == TRACE_BY_STREAM) {
			json_object_set_new(o, "device", json_integer(g[i].device));
			json_object_set_new(o, "stream", json_integer(g[i].id));
			json_object_set_new(o, "partition", json_integer(g[i].partition));
			json_object_set_new(o, "partition_sms", json_integer(g[i].partition_sms));
		} else if (by != TRACE_BY_KERNEL) {
			json_object_set_new(o, "id", json_integer(g[i].id));
		}
		json_object_set_new(o, "kernels", json_integer((json_int_t)g[i].count));
		json_object_set_new(o, "kernel_time_ns", json_integer(g[i].time_ns));
		json_object_set_new(o, "min_ns", json_integer(g[i].min_ns));
		json_object_set_new(o, "max_ns", json_integer(g[i].max_ns));
		if (by == TRACE_BY_DEVICE)
			json_object_set_new(o, "busy_ns", json_integer(g[i].busy_ns));
		json_array_append_new(a, o);
	}
	return a;
}

static void add_problem(void *ctx, const char *msg)
{
	json_t *a = ctx;
	if (json_array_size(a) < SHOWN_PROBLEMS)
		json_array_append_new(a, jstr(msg));
}

static json_t *summary_json(const char *path, const struct trace_summary *s, size_t top, int check)
{
	const struct trace_summary_totals *t = trace_summary_totals(s);
	const struct trace_summary_group *g;
	json_t *o = json_object(), *gpu = json_object(), *m;

	json_object_set_new(o, "file", jstr(path));
	json_object_set_new(o, "source", json_string(trace_source_name(t->source)));
	json_object_set_new(o, "producer", jstr(t->producer));
	json_object_set_new(o, "origin", jstr(t->origin));
	json_object_set_new(gpu, "name", jstr(t->gpu_name));
	json_object_set_new(gpu, "sms", json_integer(t->gpu_sms));
	json_object_set_new(o, "gpu", gpu);
	json_object_set_new(o, "quota_sms", json_integer(t->quota_sms));
	json_object_set_new(o, "records", json_integer((json_int_t)t->records));
	json_object_set_new(o, "kernels", json_integer((json_int_t)t->kernels));
	json_object_set_new(o, "compute_kernels", json_integer((json_int_t)t->compute_kernels));
	json_object_set_new(o, "collectives", json_integer((json_int_t)t->collectives));
	json_object_set_new(o, "bad_spans", json_integer((json_int_t)t->bad_spans));
	json_object_set_new(o, "kernel_time_ns", json_integer(t->kernel_time_ns));
	json_object_set_new(o, "busy_ns", json_integer(t->busy_ns));
	json_object_set_new(o, "busy_exact", json_boolean(t->busy_exact));
	json_object_set_new(o, "span_ns", json_integer(t->span_ns));
	json_object_set_new(o, "first_start_ns", json_integer(t->first_start_ns));
	json_object_set_new(o, "last_end_ns", json_integer(t->last_end_ns));
	json_object_set_new(o, "idle_pct", json_real(t->idle_pct));
	json_object_set_new(o, "streams",
			    json_integer((json_int_t)trace_summary_groups(s, TRACE_BY_STREAM, &g)));
	json_object_set_new(o, "kernel_devices", json_integer((json_int_t)t->kernel_devices));
	m = json_object();
	json_object_set_new(m, "devices", json_integer((json_int_t)t->devices));
	json_object_set_new(m, "streams", json_integer((json_int_t)t->streams));
	json_object_set_new(m, "partitions", json_integer((json_int_t)t->partitions));
	json_object_set_new(m, "modules", json_integer((json_int_t)t->modules));
	json_object_set_new(m, "phases", json_integer((json_int_t)t->phases));
	json_object_set_new(o, "defined", m);
	m = json_object();
	json_object_set_new(m, "count", json_integer((json_int_t)t->memcpys));
	json_object_set_new(m, "time_ns", json_integer(t->memcpy_ns));
	json_object_set_new(m, "bytes", json_integer(t->memcpy_bytes));
	json_object_set_new(o, "memcpy", m);
	m = json_object();
	json_object_set_new(m, "count", json_integer((json_int_t)t->memsets));
	json_object_set_new(m, "time_ns", json_integer(t->memset_ns));
	json_object_set_new(m, "bytes", json_integer(t->memset_bytes));
	json_object_set_new(o, "memset", m);
	json_object_set_new(o, "markers", json_integer((json_int_t)t->markers));
	m = json_object();
	json_object_set_new(m, "threads", json_integer((json_int_t)t->threads));
	json_object_set_new(m, "cpu_ops", json_integer((json_int_t)t->cpu_ops));
	json_object_set_new(m, "api_calls", json_integer((json_int_t)t->api_calls));
	json_object_set_new(m, "launches", json_integer((json_int_t)t->launches));
	json_object_set_new(o, "host", m);
	m = json_object();
	json_object_set_new(m, "gap_ns", json_integer(t->gap_ns));
	json_object_set_new(m, "host_wait_ns", json_integer(t->host_wait_ns));
	json_object_set_new(m, "other_wait_ns", json_integer(t->other_wait_ns));
	json_object_set_new(m, "unattributed_ns", json_integer(t->unattributed_ns));
	json_object_set_new(m, "kernel_wait_ns", json_integer(t->kernel_wait_ns));
	json_object_set_new(m, "other_ns", json_integer(t->other_ns));
	json_object_set_new(o, "idle", m);
	json_object_set_new(o, "classes", jgroups(s, TRACE_BY_CLASS, 0));
	json_object_set_new(o, "modules", jgroups(s, TRACE_BY_MODULE, 0));
	json_object_set_new(o, "phases", jgroups(s, TRACE_BY_PHASE, 0));
	json_object_set_new(o, "devices", jgroups(s, TRACE_BY_DEVICE, 0));
	json_object_set_new(o, "per_stream", jgroups(s, TRACE_BY_STREAM, 0));
	json_object_set_new(o, "top_kernels", jgroups(s, TRACE_BY_KERNEL, top));
	if (check) {
		json_t *c = json_object(), *list = json_array();
		uint64_t n = trace_summary_problems(s, add_problem, list);
		json_object_set_new(c, "problems", json_integer((json_int_t)n));
		json_object_set_new(c, "first", list);
		json_object_set_new(o, "check", c);
	}
	return o;
}

static void print_problem(void *ctx, const char *msg)
{
	int *shown = ctx;
	if (*shown < SHOWN_PROBLEMS) {
		printf("  %s\n", msg);
		++*shown;
	}
}

static void print_check(const char *path, const struct trace_summary *s)
{
	int shown = 0;
	uint64_t n = trace_summary_problems(s, print_problem, &shown);

	if (n > (uint64_t)shown)
		printf("  ... (only the first %d are listed)\n", shown);
	if (n)
		printf("%s: %llu problem%s\n", path, (unsigned long long)n, n == 1 ? "" : "s");
	else
		printf("%s: ok, no problems in %llu records\n", path,
		       (unsigned long long)trace_summary_totals(s)->records);
}

static void print_job_json(const struct inspect_job *job, size_t top, int check)
{
	json_t *o;

	if (job->n == 1) {
		o = summary_json(job->files[0], job->sums[0], top, check);
	} else {
		json_t *ranks = json_array();
		o = json_object();
		json_object_set_new(o, "source", json_string(inspect_source(job, 1)));
		for (size_t i = 0; i < job->n; i++) {
			json_t *r = summary_json(job->files[i], job->sums[i], top, check);
			json_object_set_new(r, "rank", json_integer(job->ranks[i]));
			json_object_set_new(r, "align_offset_ns",
					    json_integer(trace_analysis_rank_offset(job->ana,
										    job->ranks[i])));
			json_array_append_new(ranks, r);
		}
		json_object_set_new(o, "ranks", ranks);
	}
	inspect_analyses_json(job->ana, o, top);
	cli_json_print(o);
}

int cmd_inspect(int argc, char **argv)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'},
		{"csv", no_argument, NULL, 'v'},
		{"check", no_argument, NULL, 'c'},
		{"top", required_argument, NULL, 't'},
		{"quiet", no_argument, NULL, CLI_OPT_QUIET},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int json = 0, csv = 0, check = 0, opt, rc = 0;
	long top = 10;
	struct mo_err err = {0};
	struct inspect_job job;

	optind = 1;
	while ((opt = cli_getopt(argc, argv, "h", opts)) != -1) {
		switch (opt) {
		case 'j':
			json = 1;
			break;
		case 'v':
			csv = 1;
			break;
		case 'c':
			check = 1;
			break;
		case 't':
		{
			long long v;
			if (cli_int("--top", optarg, 0, 1000000, &v, &err) < 0)
				return cli_usage_error("inspect", "%s", err.msg);
			top = (long)v;
			break;
		}
		case CLI_OPT_QUIET: /* nothing on stderr but errors anyway */
			break;
		case 'h':
			help();
			return 0;
		default:
			return cli_bad_option("inspect");
		}
	}
	if (argc - optind < 1)
		return cli_usage_error("inspect", "expected FILE... or a DIR");
	if (json && csv)
		return cli_usage_error("inspect", "--json and --csv are exclusive");
	if (inspect_job_read(&job, argv + optind, (size_t)(argc - optind), check, &err) < 0) {
		inspect_job_release(&job);
		return cli_fail("inspect", &err);
	}
	if (json) {
		print_job_json(&job, (size_t)top, check);
	} else if (csv) {
		inspect_analyses_csv(job.ana, inspect_source(&job, 1), (size_t)top);
	} else {
		for (size_t i = 0; i < job.n; i++) {
			if (job.n > 1)
				printf("%s== rank %d\n", i ? "\n" : "", job.ranks[i]);
			if (check)
				print_check(job.files[i], job.sums[i]);
			else
				print_text(job.files[i], job.sums[i], (size_t)top);
		}
		if (!check)
			inspect_analyses_text(job.ana, inspect_source(&job, 1), (size_t)top);
	}
	for (size_t i = 0; i < job.n; i++)
		if (check && trace_summary_problems(job.sums[i], NULL, NULL))
			rc = 1;
	inspect_job_release(&job);
	return rc; /* the dispatcher flushes and checks stdout */
}
