/* inspect-out.c - the analyses of `mosaic inspect` as text, JSON and CSV
 * (harness/inspect.h). */
#include "harness/inspect.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

json_t *inspect_jstr(const char *s)
{
	json_t *j = json_string(s);
	size_t len = strlen(s), o = 0;
	char *buf;

	if (j)
		return j;
	buf = malloc(len * 3 + 1);
	if (!buf)
		return json_string("");
	for (size_t i = 0; i < len;) {
		const unsigned char *p = (const unsigned char *)s + i;
		size_t n = p[0] < 0x80 ? 1 : (p[0] & 0xe0) == 0xc0 ? 2 : (p[0] & 0xf0) == 0xe0 ? 3
			 : (p[0] & 0xf8) == 0xf0 ? 4 : 0;
		int ok = n > 0 && i + n <= len;
		for (size_t k = 1; ok && k < n; k++)
			ok = (p[k] & 0xc0) == 0x80;
		if (ok) {
			json_t *probe;
			char tmpb[5] = {0};
			memcpy(tmpb, p, n);
			probe = json_string(tmpb); /* overlongs and surrogates */
			ok = probe != NULL;
			json_decref(probe);
		}
		if (ok) {
			memcpy(buf + o, p, n);
			o += n;
			i += n;
		} else {
			memcpy(buf + o, "\xef\xbf\xbd", 3);
			o += 3;
			i += 1;
		}
	}
	buf[o] = '\0';
	j = json_string(buf);
	free(buf);
	return j ? j : json_string("");
}

static double ms(int64_t ns)
{
	return (double)ns / 1e6;
}

static double us(int64_t ns)
{
	return (double)ns / 1e3;
}

static double pct(int64_t part, int64_t whole)
{
	return whole > 0 ? 100.0 * (double)part / (double)whole : 0.0;
}

static const char *rank_label(int rank, char *buf, size_t cap)
{
	if (rank < 0)
		return "job";
	snprintf(buf, cap, "%d", rank);
	return buf;
}

static const char *step_label(int64_t step, int annotated, char *buf, size_t cap)
{
	if (step >= 0)
		snprintf(buf, cap, "%lld", (long long)step);
	else
		snprintf(buf, cap, "%s", annotated ? "outside" : "all");
	return buf;
}

/* ---- text ---- */

static void text_breakdown(const struct trace_analysis *a, const char *src)
{
	const struct trace_breakdown *b;
	size_t n = trace_analysis_breakdown(a, &b);
	int ann = trace_analysis_steps_annotated(a);

	printf("\nsteps         %s\n", ann ? "from the ProfilerStep annotations"
				       : "no ProfilerStep annotations: the whole trace is one step");
	printf("\ntemporal breakdown per rank and step (%s; ms summed over the rank's devices)\n", src);
	printf("  %5s %7s %10s %10s %6s %10s %6s %10s %6s %10s %6s\n", "rank", "step", "window",
	       "compute", "%", "comm", "%", "memory", "%", "idle", "%");
	for (size_t i = 0; i < n; i++) {
		char rb[16], sb[24];
		printf("  %5s %7s %10.3f %10.3f %6.1f %10.3f %6.1f %10.3f %6.1f %10.3f %6.1f\n",
		       rank_label(b[i].rank, rb, sizeof(rb)),
		       step_label(b[i].step, ann, sb, sizeof(sb)), ms(b[i].window_ns),
		       ms(b[i].compute_ns), pct(b[i].compute_ns, b[i].total_ns), ms(b[i].comm_ns),
		       pct(b[i].comm_ns, b[i].total_ns), ms(b[i].memory_ns),
		       pct(b[i].memory_ns, b[i].total_ns), ms(b[i].idle_ns),
		       pct(b[i].idle_ns, b[i].total_ns));
	}
}

static void text_overlap_launch(const struct trace_analysis *a, const char *src)
{
	const struct trace_overlap *o;
	const struct trace_launch *l;
	size_t n = trace_analysis_overlap(a, &o);

	printf("\ncommunication overlapped by compute per rank (%s)\n", src);
	printf("  %5s %14s %14s %6s\n", "rank", "comm ms", "overlapped ms", "%");
	for (size_t i = 0; i < n; i++) {
		char rb[16];
		printf("  %5s %14.3f %14.3f %6.1f\n", rank_label(o[i].rank, rb, sizeof(rb)),
		       ms(o[i].comm_ns), ms(o[i].overlapped_ns), o[i].pct);
	}
	n = trace_analysis_launch(a, &l);
	printf("\nlaunch: API call start to GPU start (us), and launches queued on the device "
	       "(%s)\n", src);
	printf("  %5s %9s %9s %9s %9s %10s %6s %6s %6s %6s %9s\n", "rank", "launches", "p50 us",
	       "p90 us", "p99 us", "max us", "q p50", "q p90", "q p99", "q max", "negative");
	for (size_t i = 0; i < n; i++) {
		char rb[16];
		printf("  %5s %9llu %9.1f %9.1f %9.1f %10.1f %6lld %6lld %6lld %6lld %9llu\n",
		       rank_label(l[i].rank, rb, sizeof(rb)), (unsigned long long)l[i].latency_ns.n,
		       us(l[i].latency_ns.p50), us(l[i].latency_ns.p90), us(l[i].latency_ns.p99),
		       us(l[i].latency_ns.max), (long long)l[i].queue.p50, (long long)l[i].queue.p90,
		       (long long)l[i].queue.p99, (long long)l[i].queue.max,
		       (unsigned long long)l[i].negative);
	}
}

static void text_stats(const struct trace_kernel_stats *k, size_t n, size_t top, const char *title,
		       const char *src)
{
	printf("\n%s (%s; durations in us, across ranks)\n", title, src);
	printf("  %8s %5s %11s %9s %9s %9s %9s %9s  %-13s %s\n", "kernels", "ranks", "total ms",
	       "min", "p50", "p90", "p99", "max", "class", "name");
	for (size_t i = 0; i < n && (!top || i < top); i++)
		printf("  %8llu %5llu %11.3f %9.1f %9.1f %9.1f %9.1f %9.1f  %-13s %.90s\n",
		       (unsigned long long)k[i].dur_ns.n, (unsigned long long)k[i].ranks,
		       ms(k[i].total_ns), us(k[i].dur_ns.min), us(k[i].dur_ns.p50),
		       us(k[i].dur_ns.p90), us(k[i].dur_ns.p99), us(k[i].dur_ns.max),
		       trace_class_name(k[i].cls), k[i].name);
	if (top && n > top)
		printf("  ... %zu more\n", n - top);
}

static void text_path(const struct trace_analysis *a, const char *src, size_t top)
{
	const struct trace_path *p;
	size_t n = trace_analysis_critical_path(a, &p);

	printf("\ncritical path through host and GPU (%s; summed over steps)\n", src);
	for (size_t i = 0; i < n; i++) {
		char rb[16];
		printf("  rank %s: %llu steps, window %.3f ms, on the path %.3f ms\n",
		       rank_label(p[i].rank, rb, sizeof(rb)), (unsigned long long)p[i].steps,
		       ms(p[i].window_ns), ms(p[i].path_ns));
		printf("    by category:");
		for (int c = 0; c < TRACE_PATH_CATS; c++)
			if (p[i].cat_ns[c] > 0)
				printf(" %s %.1f%%", trace_path_cat_name(c),
				       pct(p[i].cat_ns[c], p[i].path_ns));
		printf("\n    by module:");
		for (size_t m = 0; m < p[i].nmodules && (!top || m < top); m++)
			printf(" %s %.1f%%", p[i].modules[m].name, pct(p[i].modules[m].ns, p[i].path_ns));
		printf("\n");
	}
}

void inspect_analyses_text(const struct trace_analysis *a, const char *src, size_t top)
{
	const struct trace_kernel_stats *k;
	size_t n;

	text_breakdown(a, src);
	text_overlap_launch(a, src);
	n = trace_analysis_class_stats(a, &k);
	text_stats(k, n, 0, "kernel durations per class", src);
	n = trace_analysis_kernel_stats(a, &k);
	text_stats(k, n, top, "kernel durations per kernel (top by total time)", src);
	text_path(a, src, top);
}

/* ---- JSON ---- */

static json_t *jpctl(const struct trace_pctl *p)
{
	return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:f}", "n", (json_int_t)p->n, "min",
			 (json_int_t)p->min, "p50", (json_int_t)p->p50, "p90", (json_int_t)p->p90,
			 "p99", (json_int_t)p->p99, "max", (json_int_t)p->max, "mean", p->mean);
}

static json_t *jbreakdown(const struct trace_analysis *a)
{
	const struct trace_breakdown *b;
	size_t n = trace_analysis_breakdown(a, &b);
	json_t *arr = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, json_pack(
			"{s:i,s:I,s:I,s:I,s:I,s:I,s:I,s:f,s:I,s:f,s:I,s:f,s:I,s:f,s:I,s:I}",
			"rank", b[i].rank, "step", (json_int_t)b[i].step,
			"devices", (json_int_t)b[i].devices, "activities", (json_int_t)b[i].activities,
			"window_ns", (json_int_t)b[i].window_ns, "total_ns", (json_int_t)b[i].total_ns,
			"compute_ns", (json_int_t)b[i].compute_ns,
			"compute_pct", pct(b[i].compute_ns, b[i].total_ns),
			"communication_ns", (json_int_t)b[i].comm_ns,
			"communication_pct", pct(b[i].comm_ns, b[i].total_ns),
			"memory_ns", (json_int_t)b[i].memory_ns,
			"memory_pct", pct(b[i].memory_ns, b[i].total_ns),
			"idle_ns", (json_int_t)b[i].idle_ns, "idle_pct", pct(b[i].idle_ns, b[i].total_ns),
			"communication_all_ns", (json_int_t)b[i].comm_ns_all,
			"communication_overlapped_ns", (json_int_t)b[i].comm_overlap_ns));
	return arr;
}

static json_t *jstats(const struct trace_kernel_stats *k, size_t n, size_t top)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < n && (!top || i < top); i++) {
		json_t *o = json_pack("{s:s,s:I,s:I}", "class", trace_class_name(k[i].cls), "ranks",
				      (json_int_t)k[i].ranks, "total_ns", (json_int_t)k[i].total_ns);
		json_object_set_new(o, "name", inspect_jstr(k[i].name));
		json_object_set_new(o, "duration_ns", jpctl(&k[i].dur_ns));
		json_array_append_new(arr, o);
	}
	return arr;
}

static json_t *jpath(const struct trace_analysis *a, size_t top)
{
	const struct trace_path *p;
	size_t n = trace_analysis_critical_path(a, &p);
	json_t *arr = json_array();

	for (size_t i = 0; i < n; i++) {
		json_t *o = json_pack("{s:i,s:I,s:I,s:I}", "rank", p[i].rank, "steps",
				      (json_int_t)p[i].steps, "window_ns", (json_int_t)p[i].window_ns,
				      "path_ns", (json_int_t)p[i].path_ns);
		json_t *cats = json_array(), *mods = json_array();
		for (int c = 0; c < TRACE_PATH_CATS; c++)
			if (p[i].cat_ns[c] > 0)
				json_array_append_new(cats, json_pack("{s:s,s:I,s:f}", "name",
					trace_path_cat_name(c), "ns", (json_int_t)p[i].cat_ns[c],
					"pct", pct(p[i].cat_ns[c], p[i].path_ns)));
		for (size_t m = 0; m < p[i].nmodules && (!top || m < top); m++) {
			json_t *mo = json_pack("{s:I,s:f}", "ns", (json_int_t)p[i].modules[m].ns, "pct",
					       pct(p[i].modules[m].ns, p[i].path_ns));
			json_object_set_new(mo, "name", inspect_jstr(p[i].modules[m].name));
			json_array_append_new(mods, mo);
		}
		json_object_set_new(o, "by_category", cats);
		json_object_set_new(o, "by_module", mods);
		json_array_append_new(arr, o);
	}
	return arr;
}

void inspect_analyses_json(const struct trace_analysis *a, json_t *o, size_t top)
{
	const struct trace_overlap *ov;
	const struct trace_launch *l;
	const struct trace_kernel_stats *k;
	size_t n;
	json_t *arr, *ks;
	int ann = trace_analysis_steps_annotated(a);

	json_object_set_new(o, "steps", json_pack("{s:b,s:s}", "annotated", ann, "note",
		ann ? "steps from the ProfilerStep annotations"
		    : "no ProfilerStep annotations: the whole trace is one step (-1)"));
	json_object_set_new(o, "breakdown", jbreakdown(a));
	n = trace_analysis_overlap(a, &ov);
	arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, json_pack("{s:i,s:I,s:I,s:f}", "rank", ov[i].rank,
			"communication_ns", (json_int_t)ov[i].comm_ns,
			"overlapped_ns", (json_int_t)ov[i].overlapped_ns, "overlapped_pct", ov[i].pct));
	json_object_set_new(o, "overlap", arr);
	n = trace_analysis_launch(a, &l);
	arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, json_pack("{s:i,s:o,s:o,s:I}", "rank", l[i].rank,
			"latency_ns", jpctl(&l[i].latency_ns), "queue_length", jpctl(&l[i].queue),
			"negative_latencies", (json_int_t)l[i].negative));
	json_object_set_new(o, "launch", arr);
	ks = json_object();
	n = trace_analysis_kernel_stats(a, &k);
	json_object_set_new(ks, "kernels", jstats(k, n, top));
	json_object_set_new(ks, "kernel_names", json_integer((json_int_t)n));
	n = trace_analysis_class_stats(a, &k);
	json_object_set_new(ks, "classes", jstats(k, n, 0));
	json_object_set_new(o, "kernel_stats", ks);
	json_object_set_new(o, "critical_path", jpath(a, top));
}

/* ---- CSV: one row per figure ---- */

static void csv_name(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"')
			putchar('"');
		putchar(*s == '\n' || *s == '\r' ? ' ' : *s);
	}
	putchar('"');
}

static void row(const char *src, const char *an, int rank, const char *step, const char *item,
		const char *metric, double v, const char *unit)
{
	char rb[16];
	printf("%s,%s,%s,", an, rank_label(rank, rb, sizeof(rb)), step);
	csv_name(item);
	printf(",%s,%.17g,%s,%s\n", metric, v, unit, src);
}

static void csv_pctl(const char *src, const char *an, int rank, const char *item, const char *what,
		     const struct trace_pctl *p, const char *unit)
{
	char m[64];
	const char *names[] = {"min", "p50", "p90", "p99", "max"};
	int64_t v[] = {p->min, p->p50, p->p90, p->p99, p->max};

	snprintf(m, sizeof(m), "%s_n", what);
	row(src, an, rank, "", item, m, (double)p->n, "count");
	for (int i = 0; i < 5; i++) {
		snprintf(m, sizeof(m), "%s_%s", what, names[i]);
		row(src, an, rank, "", item, m, (double)v[i], unit);
	}
}

void inspect_analyses_csv(const struct trace_analysis *a, const char *src, size_t top)
{
	const struct trace_breakdown *b;
	const struct trace_overlap *o;
	const struct trace_launch *l;
	const struct trace_kernel_stats *k;
	const struct trace_path *p;
	size_t n = trace_analysis_breakdown(a, &b);
	int ann = trace_analysis_steps_annotated(a);

	printf("analysis,rank,step,item,metric,value,unit,source\n");
	for (size_t i = 0; i < n; i++) {
		char sb[24];
		const char *st = step_label(b[i].step, ann, sb, sizeof(sb));
		const char *m[] = {"window", "compute", "communication", "memory", "idle"};
		int64_t v[] = {b[i].window_ns, b[i].compute_ns, b[i].comm_ns, b[i].memory_ns,
			       b[i].idle_ns};
		for (int j = 0; j < 5; j++) {
			char mm[40];
			snprintf(mm, sizeof(mm), "%s_ns", m[j]);
			row(src, "breakdown", b[i].rank, st, "", mm, (double)v[j], "ns");
			snprintf(mm, sizeof(mm), "%s_pct", m[j]);
			if (j)
				row(src, "breakdown", b[i].rank, st, "", mm, pct(v[j], b[i].total_ns), "%");
		}
	}
	n = trace_analysis_overlap(a, &o);
	for (size_t i = 0; i < n; i++) {
		row(src, "overlap", o[i].rank, "", "", "communication_ns", (double)o[i].comm_ns, "ns");
		row(src, "overlap", o[i].rank, "", "", "overlapped_ns", (double)o[i].overlapped_ns, "ns");
		row(src, "overlap", o[i].rank, "", "", "overlapped_pct", o[i].pct, "%");
	}
	n = trace_analysis_launch(a, &l);
	for (size_t i = 0; i < n; i++) {
		csv_pctl(src, "launch", l[i].rank, "", "latency", &l[i].latency_ns, "ns");
		csv_pctl(src, "launch", l[i].rank, "", "queue_length", &l[i].queue, "launches");
	}
	n = trace_analysis_class_stats(a, &k);
	for (size_t i = 0; i < n; i++)
		csv_pctl(src, "class_stats", -1, k[i].name, "duration", &k[i].dur_ns, "ns");
	n = trace_analysis_kernel_stats(a, &k);
	for (size_t i = 0; i < n && (!top || i < top); i++)
		csv_pctl(src, "kernel_stats", -1, k[i].name, "duration", &k[i].dur_ns, "ns");
	n = trace_analysis_critical_path(a, &p);
	for (size_t i = 0; i < n; i++) {
		row(src, "critical_path", p[i].rank, "", "", "window_ns", (double)p[i].window_ns, "ns");
		row(src, "critical_path", p[i].rank, "", "", "path_ns", (double)p[i].path_ns, "ns");
		for (int c = 0; c < TRACE_PATH_CATS; c++)
			row(src, "critical_path", p[i].rank, "", trace_path_cat_name(c), "category_ns",
			    (double)p[i].cat_ns[c], "ns");
		for (size_t m = 0; m < p[i].nmodules && (!top || m < top); m++)
			row(src, "critical_path", p[i].rank, "", p[i].modules[m].name, "module_ns",
			    (double)p[i].modules[m].ns, "ns");
	}
}
