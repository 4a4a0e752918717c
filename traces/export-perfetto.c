/*
 * export-perfetto.c - Chrome / Perfetto trace JSON from any trace.
 *
 * Pass 1 reads the definitions, the tracks the activities use and the
 * earliest start; pass 2 streams one event per activity.  Memory holds the
 * track table and the names of devices, partitions, streams, modules and
 * phases, never the events.
 *
 * Host records: each THREAD is a track of the "host" process (tid
 * HOST_TID_BASE + its id); CPU_OP and API_CALL records are complete events
 * on it, and an API call that enqueues GPU work (trace_api_enqueues) starts
 * a flow arrow (id: its correlation) that ends at the GPU activity with the
 * same correlation.
 */
#include "traces/core-internal.h"

#include <stdlib.h>
#include <string.h>

#define HOST_TID_BASE 1000000

struct track {
	int64_t device, stream, partition;
	int64_t tid;
};

struct exporter {
	struct trace_header h;
	struct trace_strpool *pool;
	struct trace_idmap dev_names, dev_sms, part_sms, stream_part, stream_names, module_names,
		phase_names;
	struct trace_idmap track_idx; /* (device, stream) -> index in tracks */
	struct track *tracks;
	size_t ntracks, cap;
	int64_t max_device;
	int host_markers;
	struct trace_idmap threads; /* thread id -> tid (OS) */
	int has_calls;              /* API calls seen: GPU activities end flows */
	int64_t t0;
	int pass;
	FILE *fp;
	struct trace_export_stats st;
	int first_event;
	int oom;
};

static const char *intern(struct exporter *x, const char *s)
{
	const char *p = trace_strpool_intern(x->pool, s ? s : "", s ? strlen(s) : 0);
	if (!p)
		x->oom = 1;
	return p ? p : "";
}

static void put_str(struct exporter *x, struct trace_idmap *m, int64_t a, int64_t b, const char *s)
{
	if (trace_idmap_put(m, a, b, (size_t)(uintptr_t)intern(x, s)) < 0)
		x->oom = 1;
}

static const char *get_str(const struct trace_idmap *m, int64_t a, int64_t b)
{
	size_t *v = trace_idmap_get(m, a, b);
	return v ? (const char *)(uintptr_t)*v : NULL;
}

static int64_t get_int(const struct trace_idmap *m, int64_t a, int64_t b, int64_t dflt)
{
	size_t *v = trace_idmap_get(m, a, b);
	return v ? (int64_t)*v : dflt;
}

/* ---- JSON output ---- */

static void jstr(FILE *fp, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");

	fputc('"', fp);
	while (*p) {
		unsigned c = *p;
		size_t n = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3
			 : (c & 0xf8) == 0xf0 ? 4 : 0;
		int ok = n > 0;
		uint32_t cp = 0;

		if (c < 0x80) {
			if (c == '"' || c == '\\')
				fprintf(fp, "\\%c", c);
			else if (c < 0x20)
				fprintf(fp, "\\u%04x", c);
			else
				fputc((int)c, fp);
			p++;
			continue;
		}
		cp = c & (n == 2 ? 0x1f : n == 3 ? 0x0f : 0x07);
		for (size_t k = 1; ok && k < n; k++) {
			ok = (p[k] & 0xc0) == 0x80;
			cp = cp << 6 | (p[k] & 0x3f);
		}
		if (ok) /* no overlongs, surrogates or values above U+10FFFF */
			ok = !((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) ||
			       (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
			       (cp >= 0xd800 && cp <= 0xdfff));
		if (ok) {
			fwrite(p, 1, n, fp);
			p += n;
		} else {
			fputs("\\ufffd", fp);
			p++;
		}
	}
	fputc('"', fp);
}

/* Microseconds with exactly three decimals from integer nanoseconds. */
static void jus(FILE *fp, int64_t ns)
{
	if (ns < 0) /* cannot happen: times are relative to the earliest start */
		ns = 0;
	fprintf(fp, "%lld.%03lld", (long long)(ns / 1000), (long long)(ns % 1000));
}

static void begin_event(struct exporter *x)
{
	fputs(x->first_event ? "\n" : ",\n", x->fp);
	x->first_event = 0;
	x->st.events++;
}

static void meta(struct exporter *x, const char *what, int64_t pid, int64_t tid, const char *name,
		 int64_t sort)
{
	begin_event(x);
	fprintf(x->fp, "{\"ph\":\"M\",\"name\":\"%s\",\"pid\":%lld,\"tid\":%lld,\"args\":{", what,
		(long long)pid, (long long)tid);
	if (name) {
		fputs("\"name\":", x->fp);
		jstr(x->fp, name);
	} else {
		fprintf(x->fp, "\"sort_index\":%lld", (long long)sort);
	}
	fputs("}}", x->fp);
}

static int64_t pid_of(const struct exporter *x, int64_t device)
{
	return device >= 0 ? device + 1 : x->max_device + 2;
}

static int64_t tid_of(const struct exporter *x, int64_t device, int64_t stream)
{
	size_t *i = trace_idmap_get(&x->track_idx, device < 0 ? -1 : device, stream < 0 ? -1 : stream);
	return i ? x->tracks[*i].tid : 0;
}

/* ---- pass 1 ---- */

static void use_track(struct exporter *x, int64_t device, int64_t stream, int64_t partition)
{
	size_t *i;

	if (device < 0)
		device = -1;
	if (stream < 0)
		stream = -1;
	i = trace_idmap_get(&x->track_idx, device, stream);
	if (i) {
		if (x->tracks[*i].partition < 0 && partition >= 0)
			x->tracks[*i].partition = partition;
		return;
	}
	if (MO_GROW(x->tracks, x->ntracks + 1, x->cap) < 0 ||
	    trace_idmap_put(&x->track_idx, device, stream, x->ntracks) < 0) {
		x->oom = 1;
		return;
	}
	x->tracks[x->ntracks].device = device;
	x->tracks[x->ntracks].stream = stream;
	x->tracks[x->ntracks].partition = partition < 0 ? -1 : partition;
	x->tracks[x->ntracks].tid = 0;
	x->ntracks++;
	if (device > x->max_device)
		x->max_device = device;
	if (device < 0)
		x->host_markers = 1;
}

struct act {
	int64_t start, end, device, stream, partition, module, phase, microbatch, step, correlation;
};

static int get_act(const struct trace_record *rec, struct act *a)
{
#define ACT(k, part)                                                             \
	a->start = rec->u.k.start_ns, a->end = rec->u.k.end_ns, a->device = rec->u.k.device, \
	a->stream = rec->u.k.stream, a->partition = part, a->module = rec->u.k.module, \
	a->phase = rec->u.k.phase, a->microbatch = rec->u.k.microbatch, a->step = rec->u.k.step
#define GPU_ACT(k) (ACT(k, rec->u.k.partition), a->correlation = rec->u.k.correlation)
	switch (rec->kind) {
	case TRACE_KIND_KERNEL: return GPU_ACT(kernel), 1;
	case TRACE_KIND_MEMCPY: return GPU_ACT(memcpy), 1;
	case TRACE_KIND_MEMSET: return GPU_ACT(memset), 1;
	case TRACE_KIND_COLLECTIVE: return GPU_ACT(collective), 1;
	case TRACE_KIND_MARKER:
		ACT(marker, -1);
		a->correlation = -1;
		if (a->device < 0)
			a->stream = -1;
		return 1;
	default:
		return 0;
	}
#undef GPU_ACT
#undef ACT
}

static int p1_header(void *ctx, const struct trace_header *h, struct mo_err *err)
{
	struct exporter *x = ctx;
	x->h = *h;
	x->h.producer = intern(x, h->producer);
	x->h.origin = intern(x, h->origin);
	x->h.gpu_name = intern(x, h->gpu_name);
	return x->oom ? mo_err_set(err, MO_ENOMEM, "cannot export: out of memory") : 0;
}

static int p1_record(void *ctx, const struct trace_record *rec, struct mo_err *err)
{
	struct exporter *x = ctx;
	struct act a;

	switch (rec->kind) {
	case TRACE_KIND_DEVICE:
		put_str(x, &x->dev_names, rec->u.device.id, 0, rec->u.device.name);
		if (trace_idmap_put(&x->dev_sms, rec->u.device.id, 0, (size_t)rec->u.device.sms) < 0)
			x->oom = 1;
		break;
	case TRACE_KIND_PARTITION:
		if (trace_idmap_put(&x->part_sms, rec->u.partition.device, rec->u.partition.id,
				    (size_t)rec->u.partition.sms) < 0)
			x->oom = 1;
		break;
	case TRACE_KIND_STREAM:
		put_str(x, &x->stream_names, rec->u.stream.device, rec->u.stream.id, rec->u.stream.name);
		if (trace_idmap_put(&x->stream_part, rec->u.stream.device, rec->u.stream.id,
				    (size_t)rec->u.stream.partition) < 0)
			x->oom = 1;
		break;
	case TRACE_KIND_MODULE:
		put_str(x, &x->module_names, rec->u.module.id, 0, rec->u.module.name);
		break;
	case TRACE_KIND_PHASE:
		put_str(x, &x->phase_names, rec->u.phase.id, 0, rec->u.phase.name);
		break;
	case TRACE_KIND_THREAD:
		if (trace_idmap_put(&x->threads, rec->u.thread.id, 0, (size_t)rec->u.thread.tid) < 0)
			x->oom = 1;
		break;
	case TRACE_KIND_CPU_OP:
	case TRACE_KIND_API_CALL: {
		int64_t st = rec->kind == TRACE_KIND_CPU_OP ? rec->u.cpu_op.start_ns
							   : rec->u.api_call.start_ns;
		x->has_calls |= rec->kind == TRACE_KIND_API_CALL;
		if (st >= 0 && (x->t0 < 0 || st < x->t0))
			x->t0 = st;
		break;
	}
	default:
		if (get_act(rec, &a) && a.start >= 0 && a.end >= a.start) {
			if (x->t0 < 0 || a.start < x->t0)
				x->t0 = a.start;
			use_track(x, a.device, a.stream, a.partition);
		}
	}
	return x->oom ? mo_err_set(err, MO_ENOMEM, "cannot export: out of memory") : 0;
}

static int cmp_track(const void *pa, const void *pb)
{
	const struct track *a = pa, *b = pb;
	if (a->device != b->device)
		return a->device < b->device ? -1 : 1;
	if (a->partition != b->partition)
		return a->partition < b->partition ? -1 : 1;
	return a->stream < b->stream ? -1 : a->stream > b->stream;
}

/* The host threads' tracks, in the "host" process. */
static void write_thread_tracks(struct exporter *x)
{
	char name[64];
	int64_t pid = pid_of(x, -1);

	if (x->threads.n && !x->host_markers) {
		meta(x, "process_name", pid, 0, "host", 0);
		meta(x, "process_sort_index", pid, 0, NULL, pid);
	}
	for (size_t j = 0; j < x->threads.cap; j++) {
		if (!x->threads.used[j])
			continue;
		snprintf(name, sizeof(name), "CPU thread %lld", (long long)x->threads.vals[j]);
		meta(x, "thread_name", pid, HOST_TID_BASE + x->threads.ka[j], name, 0);
		meta(x, "thread_sort_index", pid, HOST_TID_BASE + x->threads.ka[j], NULL,
		     HOST_TID_BASE + x->threads.ka[j]);
		x->st.tracks++;
	}
}

/* Resolve partitions, number the tracks and write the metadata events. */
static void write_tracks(struct exporter *x)
{
	int64_t last_dev = INT64_MIN;
	char name[512];

	for (size_t i = 0; i < x->ntracks; i++) {
		struct track *t = &x->tracks[i];
		int64_t p = get_int(&x->stream_part, t->device, t->stream, -1);
		if (p >= 0)
			t->partition = p;
	}
	if (x->ntracks)
		qsort(x->tracks, x->ntracks, sizeof(*x->tracks), cmp_track);
	trace_idmap_release(&x->track_idx);
	for (size_t i = 0; i < x->ntracks; i++) {
		struct track *t = &x->tracks[i];
		const char *sname = get_str(&x->stream_names, t->device, t->stream);
		int64_t pid = pid_of(x, t->device);

		t->tid = (int64_t)i + 1;
		if (trace_idmap_put(&x->track_idx, t->device, t->stream, i) < 0)
			x->oom = 1;
		if (t->device != last_dev) {
			if (t->device >= 0) {
				const char *dn = get_str(&x->dev_names, t->device, 0);
				int64_t sms = get_int(&x->dev_sms, t->device, 0, -1);
				if (!dn || !*dn)
					dn = *x->h.gpu_name ? x->h.gpu_name : "GPU";
				if (sms <= 0)
					sms = x->h.gpu_sms;
				if (sms > 0)
					snprintf(name, sizeof(name), "GPU %lld: %s (%lld SMs)",
						 (long long)t->device, dn, (long long)sms);
				else
					snprintf(name, sizeof(name), "GPU %lld: %s", (long long)t->device, dn);
			} else {
				snprintf(name, sizeof(name), "host");
			}
			meta(x, "process_name", pid, 0, name, 0);
			meta(x, "process_sort_index", pid, 0, NULL, pid);
			last_dev = t->device;
		}
		if (t->device < 0)
			snprintf(name, sizeof(name), "markers");
		else if (t->stream < 0 && t->partition < 0)
			snprintf(name, sizeof(name), "no stream");
		else {
			int64_t psms = get_int(&x->part_sms, t->device, t->partition, -1);
			int n = 0;
			if (t->partition >= 0 && psms > 0)
				n = snprintf(name, sizeof(name), "partition %lld (%lld SMs) / ",
					     (long long)t->partition, (long long)psms);
			else if (t->partition >= 0)
				n = snprintf(name, sizeof(name), "partition %lld / ",
					     (long long)t->partition);
			if (t->stream >= 0)
				snprintf(name + n, sizeof(name) - (size_t)n, "stream %lld%s%s%s",
					 (long long)t->stream, sname && *sname ? " (" : "",
					 sname && *sname ? sname : "", sname && *sname ? ")" : "");
			else
				snprintf(name + n, sizeof(name) - (size_t)n, "no stream");
		}
		meta(x, "thread_name", pid, t->tid, name, 0);
		meta(x, "thread_sort_index", pid, t->tid, NULL, t->tid);
	}
	x->st.tracks = x->ntracks;
	write_thread_tracks(x);
}

/* ---- pass 2 ---- */

static void arg_int(FILE *fp, const char *key, int64_t v, int *first)
{
	if (v < 0)
		return;
	fprintf(fp, "%s\"%s\":%lld", *first ? "" : ",", key, (long long)v);
	*first = 0;
}

static void arg_str(FILE *fp, const char *key, const char *v, int *first)
{
	if (!v || !*v)
		return;
	fprintf(fp, "%s\"%s\":", *first ? "" : ",", key);
	jstr(fp, v);
	*first = 0;
}

static void arg_dim3(FILE *fp, const char *key, int64_t a, int64_t b, int64_t c, int *first)
{
	if (a < 0)
		return;
	fprintf(fp, "%s\"%s\":[%lld,%lld,%lld]", *first ? "" : ",", key, (long long)a,
		(long long)(b < 0 ? 1 : b), (long long)(c < 0 ? 1 : c));
	*first = 0;
}

#define LAUNCH_ARGS(k)                                                           \
	arg_dim3(fp, "grid", k->grid_x, k->grid_y, k->grid_z, &first);             \
	arg_dim3(fp, "block", k->block_x, k->block_y, k->block_z, &first);         \
	arg_int(fp, "registers", k->registers, &first);                            \
	arg_int(fp, "static_smem", k->static_smem, &first);                        \
	arg_int(fp, "dynamic_smem", k->dynamic_smem, &first)

static const char *copy_kind_name(int64_t k)
{
	static const char *const names[] = {"unknown", "HtoD", "DtoH", "DtoD", "HtoH", "PtoP"};
	return k >= 0 && k <= 5 ? names[k] : "unknown";
}

static int p2_header(void *ctx, const struct trace_header *h, struct mo_err *err)
{
	return 0;
}

/* A flow arrow's end ("f") or start ("s") at ns on (pid, tid). */
static void flow(struct exporter *x, int start, int64_t id, int64_t pid, int64_t tid, int64_t ns)
{
	begin_event(x);
	fprintf(x->fp, "{\"name\":\"launch\",\"cat\":\"launch\",\"ph\":\"%s\",%s\"id\":%lld,"
		       "\"pid\":%lld,\"tid\":%lld,\"ts\":",
		start ? "s" : "f", start ? "" : "\"bp\":\"e\",", (long long)id, (long long)pid,
		(long long)tid);
	jus(x->fp, ns - x->t0);
	fputs("}", x->fp);
}

/* A CPU operator or API call on its thread's track (and a launch's flow). */
static int p2_host(struct exporter *x, const struct trace_record *rec, struct mo_err *err)
{
	int cpu = rec->kind == TRACE_KIND_CPU_OP, first = 1;
	int64_t st = cpu ? rec->u.cpu_op.start_ns : rec->u.api_call.start_ns;
	int64_t en = cpu ? rec->u.cpu_op.end_ns : rec->u.api_call.end_ns;
	int64_t tid = HOST_TID_BASE + (cpu ? rec->u.cpu_op.thread : rec->u.api_call.thread);
	int64_t pid = pid_of(x, -1);
	const char *name = cpu ? rec->u.cpu_op.name : rec->u.api_call.name;

	if (st < 0 || en < st) {
		x->st.skipped++;
		return 0;
	}
	begin_event(x);
	fputs("{\"name\":", x->fp);
	jstr(x->fp, *name ? name : "(unnamed)");
	fputs(",\"cat\":", x->fp);
	jstr(x->fp, cpu ? "cpu_op" : rec->u.api_call.category);
	fprintf(x->fp, ",\"ph\":\"X\",\"pid\":%lld,\"tid\":%lld,\"ts\":", (long long)pid,
		(long long)tid);
	jus(x->fp, st - x->t0);
	fputs(",\"dur\":", x->fp);
	jus(x->fp, en - st);
	fputs(",\"args\":{", x->fp);
	if (cpu) {
		arg_int(x->fp, "id", rec->u.cpu_op.id, &first);
		arg_int(x->fp, "parent", rec->u.cpu_op.parent, &first);
		arg_int(x->fp, "external_id", rec->u.cpu_op.external_id, &first);
	} else {
		arg_int(x->fp, "correlation", rec->u.api_call.correlation, &first);
		arg_int(x->fp, "parent", rec->u.api_call.parent, &first);
	}
	fputs("}}", x->fp);
	if (!cpu && rec->u.api_call.correlation >= 0 && trace_api_enqueues(name))
		flow(x, 1, rec->u.api_call.correlation, pid, tid, st);
	if (ferror(x->fp))
		return mo_err_set(err, MO_EIO, "cannot write the export: write failed");
	return 0;
}

static int p2_record(void *ctx, const struct trace_record *rec, struct mo_err *err)
{
	struct exporter *x = ctx;
	FILE *fp = x->fp;
	struct act a;
	const char *name = "", *cat = "";
	const char *mname, *pname;
	int first = 1, instant;

	if (rec->kind == TRACE_KIND_CPU_OP || rec->kind == TRACE_KIND_API_CALL)
		return p2_host(x, rec, err);
	if (!get_act(rec, &a))
		return 0;
	if (a.start < 0 || a.end < a.start) {
		x->st.skipped++;
		return 0;
	}
	switch (rec->kind) {
	case TRACE_KIND_KERNEL: name = rec->u.kernel.name, cat = "kernel"; break;
	case TRACE_KIND_MEMCPY: name = rec->u.memcpy.name, cat = "memcpy"; break;
	case TRACE_KIND_MEMSET: name = rec->u.memset.name, cat = "memset"; break;
	case TRACE_KIND_COLLECTIVE: name = rec->u.collective.name, cat = "collective"; break;
	default:
		name = rec->u.marker.name;
		cat = *rec->u.marker.category ? rec->u.marker.category : "marker";
	}
	if (!*name)
		name = rec->kind == TRACE_KIND_MEMCPY   ? "memcpy"
		       : rec->kind == TRACE_KIND_MEMSET ? "memset"
							: "(unnamed)";
	instant = rec->kind == TRACE_KIND_MARKER && a.end == a.start;
	begin_event(x);
	fputs("{\"name\":", fp);
	jstr(fp, name);
	fputs(",\"cat\":", fp);
	jstr(fp, cat);
	fprintf(fp, ",\"ph\":\"%s\",\"pid\":%lld,\"tid\":%lld,\"ts\":", instant ? "i" : "X",
		(long long)pid_of(x, a.device < 0 ? -1 : a.device),
		(long long)tid_of(x, a.device, a.stream));
	jus(fp, a.start - x->t0);
	if (instant) {
		fputs(",\"s\":\"t\"", fp);
	} else {
		fputs(",\"dur\":", fp);
		jus(fp, a.end - a.start);
	}
	fputs(",\"args\":{", fp);
	if (rec->kind == TRACE_KIND_KERNEL) {
		const struct trace_kernel *k = &rec->u.kernel;
		if (k->kclass >= 0)
			arg_str(fp, "class", trace_class_name((int)k->kclass), &first);
		LAUNCH_ARGS(k);
		arg_int(fp, "occupancy_pct", k->occupancy_pct, &first);
		arg_int(fp, "flops", k->flops, &first);
		arg_int(fp, "bytes", k->bytes, &first);
	} else if (rec->kind == TRACE_KIND_COLLECTIVE) {
		const struct trace_collective *k = &rec->u.collective;
		arg_str(fp, "collective", trace_collective_name((int)k->coll), &first);
		arg_int(fp, "bytes", k->bytes, &first);
		arg_int(fp, "group_size", k->group_size, &first);
		arg_int(fp, "group_rank", k->group_rank, &first);
		arg_str(fp, "group", k->group, &first);
		arg_str(fp, "dtype", k->dtype, &first);
		LAUNCH_ARGS(k);
	} else if (rec->kind == TRACE_KIND_MEMCPY) {
		arg_int(fp, "bytes", rec->u.memcpy.bytes, &first);
		arg_str(fp, "copy", copy_kind_name(rec->u.memcpy.copy_kind), &first);
	} else if (rec->kind == TRACE_KIND_MEMSET) {
		arg_int(fp, "bytes", rec->u.memset.bytes, &first);
	}
	arg_int(fp, "partition", a.partition, &first);
	mname = a.module >= 0 ? get_str(&x->module_names, a.module, 0) : NULL;
	pname = a.phase >= 0 ? get_str(&x->phase_names, a.phase, 0) : NULL;
	if (mname && *mname)
		arg_str(fp, "module", mname, &first);
	else
		arg_int(fp, "module", a.module, &first);
	if (pname && *pname)
		arg_str(fp, "phase", pname, &first);
	else
		arg_int(fp, "phase", a.phase, &first);
	arg_int(fp, "microbatch", a.microbatch, &first);
	arg_int(fp, "step", a.step, &first);
	arg_int(fp, "correlation", a.correlation, &first);
	arg_int(fp, "start_ns", a.start, &first);
	fputs("}}", fp);
	if (x->has_calls && a.correlation >= 0 && rec->kind != TRACE_KIND_MARKER)
		flow(x, 0, a.correlation, pid_of(x, a.device < 0 ? -1 : a.device),
		     tid_of(x, a.device, a.stream), a.start);
	if (ferror(fp))
		return mo_err_set(err, MO_EIO, "cannot write the export: write failed");
	return 0;
}

/* ---- entry points ---- */

static void exporter_release(struct exporter *x)
{
	trace_strpool_free(x->pool);
	trace_idmap_release(&x->dev_names);
	trace_idmap_release(&x->dev_sms);
	trace_idmap_release(&x->part_sms);
	trace_idmap_release(&x->stream_part);
	trace_idmap_release(&x->stream_names);
	trace_idmap_release(&x->module_names);
	trace_idmap_release(&x->phase_names);
	trace_idmap_release(&x->track_idx);
	trace_idmap_release(&x->threads);
	free(x->tracks);
}

int trace_export_perfetto_stats(const char *in_path, const char *out_path,
				struct trace_export_stats *st, struct mo_err *err)
{
	struct exporter x;
	struct trace_sink sink;
	struct mo_outfile out;
	int rc;

	if (!strcmp(in_path, "-"))
		return mo_err_set(err, MO_EUSAGE,
				  "cannot export from standard input: the input is read twice");
	memset(&x, 0, sizeof(x));
	x.t0 = -1;
	x.max_device = -1;
	x.first_event = 1;
	x.pool = trace_strpool_new();
	if (!x.pool)
		return mo_err_set(err, MO_ENOMEM, "cannot export: out of memory");
	sink.header = p1_header;
	sink.record = p1_record;
	sink.ctx = &x;
	rc = trace_read_any(in_path, &sink, err);
	if (rc < 0)
		goto done;
	if (x.t0 < 0)
		x.t0 = 0;
	rc = mo_outfile_open(&out, out_path, err);
	if (rc < 0)
		goto done;
	x.fp = out.fp;
	fputs("{\"displayTimeUnit\":\"ns\",\"otherData\":{\"source\":", x.fp);
	jstr(x.fp, trace_source_name((int)x.h.source));
	fputs(",\"producer\":", x.fp);
	jstr(x.fp, x.h.producer);
	fputs(",\"origin\":", x.fp);
	jstr(x.fp, x.h.origin);
	fputs(",\"gpu\":", x.fp);
	jstr(x.fp, x.h.gpu_name);
	fprintf(x.fp, ",\"gpu_sms\":%lld,\"quota_sms\":%lld,\"time_origin_ns\":%lld,"
		      "\"time_unit\":\"us, relative to time_origin_ns\"},\n\"traceEvents\":[",
		(long long)x.h.gpu_sms, (long long)x.h.quota_sms, (long long)x.t0);
	write_tracks(&x);
	if (x.oom) {
		rc = mo_err_set(err, MO_ENOMEM, "cannot export: out of memory");
		mo_outfile_abort(&out);
		goto done;
	}
	sink.header = p2_header;
	sink.record = p2_record;
	rc = trace_read_any(in_path, &sink, err);
	if (rc < 0) {
		mo_outfile_abort(&out);
		goto done;
	}
	fputs("\n]}\n", x.fp);
	rc = mo_outfile_commit(&out, err);
done:
	if (st)
		*st = x.st;
	exporter_release(&x);
	return rc < 0 ? rc : 0;
}

int trace_export_perfetto(const char *in_path, const char *out_path, struct mo_err *err)
{
	return trace_export_perfetto_stats(in_path, out_path, NULL, err);
}
