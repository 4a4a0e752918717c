/*
 * import-kineto.c - Kineto (PyTorch profiler) and Chrome trace JSON to
 * mosaic trace records, streaming.
 *
 * Input.  A Kineto object {"traceEvents": [...], "deviceProperties": [...],
 * "baseTimeNanoseconds": N, "distributedInfo": {...}, ...} with its keys in
 * any order, or a bare Chrome trace array [...] of events; plain or gzip.
 * Schema variants understood (all seen in real traces):
 *  - categories of 2021 (tb_plugin samples): "Kernel", "Memcpy", "Memset",
 *    "Operator", "Runtime"; tid a string ("stream 7", "25738"); args key
 *    "external id" in lower case;
 *  - categories of 2022 and later: "kernel", "gpu_memcpy", "gpu_memset",
 *    "cpu_op", "cuda_runtime", "cuda_driver", "user_annotation",
 *    "gpu_user_annotation", "python_function" (nn.Module events named
 *    "nn.Module: <Class>_<n>" when the profiler ran with_modules/with_stack);
 *  - ts in microseconds, integers or decimals with sub-microsecond digits.
 *    displayTimeUnit ("ns" or "ms") only tells viewers how to show times: the
 *    HTA ns-resolution trace has displayTimeUnit "ns" and ts values such as
 *    1712195495406752.797, i.e. microseconds with three decimals
 *    (nanosecond resolution); its kernels' dur values (4.928) are microseconds
 *    too.  So ts and dur are always read as microseconds.
 *  - baseTimeNanoseconds (newer Kineto): ts are then relative to it; times
 *    are written as baseTimeNanoseconds + round(ts * 1000).
 * Times are converted exactly (decimal text -> 128-bit fixed point, see
 * import-num.c): start = round(ts * 1000) and end = round((ts + dur) * 1000)
 * nanoseconds, to nearest, ties away from zero; the end is computed from the
 * exact sum, so kernel durations do not collect two rounding errors.
 *
 * Records written, in this order:
 *  1. the header (GPU from the deviceProperties entry of the device that ran
 *     the most kernels);
 *  2. DEVICE for each device a GPU event ran on, STREAM for each (device,
 *     stream), PHASE (forward, backward, optimizer, then any other
 *     "## name ##" annotation), MODULE (nn.Module instances at module_depth
 *     or shallower, in order of first appearance);
 *  3. MARKER for each user annotation, by start time: host-side ones
 *     ("## forward ##", ProfilerStep#N, Optimizer.step#..., PARAM's, ...;
 *     device -1) and gpu_user_annotation spans (their device and stream);
 *  4. the GPU activities: KERNEL, COLLECTIVE (NCCL kernels: args
 *     "Collective name" or a name starting "nccl"), MEMCPY and MEMSET, by
 *     start time (ties in file order).  Sorting uses a window of
 *     reorder_window records (default 16384); a record that arrives more than
 *     a window late is written when it arrives and counted in
 *     stats.out_of_order.  GPU activities that pass 1 saw in start order
 *     (7 of the 11 external traces) skip the window: the order is the same.
 *     In the nine external traces the GPU activities are in start order
 *     per stream; across streams the latest is a memcpy
 *     of the owlv2 trace, 4175 records late: inside the window.  Their
 *     gpu_user_annotation spans come up to 6096 events late, which is why
 *     those are written with the markers.
 *
 * Attribution of a GPU activity (module, phase, step):
 *  - its launch point: the cuda_runtime / cuda_driver call with the same
 *    correlation id (thread and time of the launch), else the CPU op with the
 *    same External id (thread and start of the op);
 *  - on that thread, the intervals enclosing the launch point (CPU ops,
 *    nn.Module events, user annotations; they nest per thread): the module is
 *    the enclosing nn.Module at module_depth (or the deepest one above it);
 *    the phase is the innermost enclosing "## name ##" annotation, or
 *    "optimizer" inside Optimizer.step / Optimizer.zero_grad;
 *  - backward: ops run by the autograd engine (on its own thread, without
 *    nn.Module events) are recognised by "autograd::engine::evaluate_function"
 *    in their name or a "Fwd thread id" > 0 in args.  Their phase is
 *    backward and their module is that of the forward op with the same
 *    "Sequence number" (the forward op that created the autograd node); a
 *    backward op without one keeps module -1;
 *  - no phase from the above: "forward" when the launch is on record
 *    (outside backward and optimizer, so this includes copies of input data
 *    before the forward pass), else -1 (kernels of warm-up steps whose host
 *    side the profiler did not keep: 436 of Qwen's 1465);
 *  - step: the enclosing ProfilerStep#N on the launch thread, else the
 *    ProfilerStep#N whose span contains the launch time on any thread.
 * The fwdbwd flow events carry the same link as sequence numbers and are not
 * needed.
 *
 * Launch facts kept: grid, block, "registers per thread", correlation,
 * device, stream, "est. achieved occupancy %" (occupancy_pct).  Kineto writes
 * one "shared memory" figure, the sum of CUPTI's static and dynamic shared
 * memory per block; it goes to static_smem and dynamic_smem stays -1
 * (unknown), unless the trace has "static shared memory" and "dynamic shared
 * memory" separately.
 *
 * One pass over the JSON (traces/import-json.c reads it; each event that
 * lies whole in its buffer is read by the event scanner, import-fast.c).  GPU activities
 * are attributed to the host code that launched them, which a Kineto file
 * may write after them, so pass 1 keeps the host side and puts each GPU
 * event (its fields, not its text: about 300 bytes a kernel) on an unlinked
 * temporary file (import-spill.c); pass 2 reads them back from there,
 * attributes them and writes them.
 *
 * Memory.  Pass 1 keeps the host side only: a launch point (thread, time:
 * 16 bytes) per External id, per Sequence number of a forward op, and per
 * runtime call without an External id (import-points.c: slots of 64 KiB
 * pages, 64 kept in memory, the rest on a temporary file); intervals (48
 * bytes) for nn.Module events, user annotations and backward ops
 * (import-ivals.c: sorted through runs, then paged the same way); names of
 * modules and annotations and one annotation record per step; the CPU ops
 * and API calls written as host records (import-host.c, sorted through runs
 * on a temporary file past 2^17).  Pass 2 adds the reorder window (a slot
 * of about 400 bytes per record held).  So memory does not grow with the
 * trace's size but with its steps and distinct names.
 *
 * Bad input (found in pass 1, before the sink sees anything): not JSON,
 * truncated JSON or gzip, an empty file, a directory, a top-level value that
 * is neither an object with a traceEvents array nor an array of events, an
 * event that is not an object or has no "ph", ts or dur that is not a number,
 * a negative dur, args that is not an object, an X event without ts or dur.
 * Messages name the file and the byte offset of the offending event in the
 * uncompressed JSON.
 *
 * The code: this file drives the passes; the JSON callbacks, pass 1, the
 * attribution, the definitions, pass 2 and the reorder window each have
 * their file (import-internal.h lists them and holds the state they share).
 */
#include "traces/core-internal.h"
#include "traces/import-internal.h"
#include "traces/import-input.h"
#include "traces/traces.h"

#include <stdlib.h>
#include <string.h>

/* The id of name, added when new; -1 on out of memory.  The table's pool
 * is its own, so a name's id is its pool id (dense, in the order added):
 * one hash a name. */
int imp_strtab_intern(struct imp_strtab *t, const char *s, size_t len)
{
	const char *p;
	uint32_t id;

	if (!t->pool && !(t->pool = trace_strpool_new()))
		return -1;
	if (!(p = trace_strpool_intern(t->pool, s, len)))
		return -1;
	if ((id = trace_strpool_id(p)) < t->n)
		return (int)id;
	if (MO_GROW(t->names, t->n + 1, t->cap) < 0)
		return -1;
	t->names[t->n] = p;
	return (int)t->n++;
}

void imp_strtab_free(struct imp_strtab *t)
{
	free(t->names);
	trace_strpool_free(t->pool);
	memset(t, 0, sizeof(*t));
}

int imp_fail(struct imp *im, unsigned long long offset, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	mo_err_set(im->err, MO_EINPUT, "cannot import '%s': offset %llu: %s", im->name, offset, msg);
	im->failed = 1;
	return 0; /* stops the parse */
}

int imp_nomem(struct imp *im)
{
	mo_err_set(im->err, MO_ENOMEM, "cannot import '%s': out of memory", im->name);
	im->failed = 1;
	return 0;
}

/* 0, or the error of a failed interval or launch point lookup. */
int imp_lookups_failed(struct imp *im)
{
	if (!im->failed && !im->ivals.failed)
		return 0;
	im->failed = 1;
	return im->err && im->err->code ? im->err->code : -MO_EIO;
}

/* Definitions, markers and host records are counted as they are written
 * (GPU activities when attributed: pass2_event). */
static void count_written(struct trace_import_stats *st, int kind)
{
	switch (kind) {
	case TRACE_KIND_DEVICE: st->devices++; break;
	case TRACE_KIND_STREAM: st->streams++; break;
	case TRACE_KIND_PHASE: st->phases++; break;
	case TRACE_KIND_MODULE: st->modules++; break;
	case TRACE_KIND_MARKER: st->markers++; break;
	case TRACE_KIND_THREAD: st->threads++; break;
	case TRACE_KIND_CPU_OP: st->cpu_ops++; break;
	case TRACE_KIND_API_CALL: st->api_calls++; break;
	default: break;
	}
}

int imp_emit(struct imp *im, const struct trace_record *rec)
{
	int rc = im->sink->record(im->sink->ctx, rec, im->err);
	if (rc) {
		im->failed = 1;
		return rc < 0 ? rc : -MO_EIO;
	}
	if (im->st)
		count_written(im->st, rec->kind);
	return 0;
}

/* Every time written is baseTimeNanoseconds + an event's: refuse a base
 * that would overflow int64 with the earliest or latest event (near 2^63 it
 * wrapped into negative times). */
static int check_base(struct imp *im)
{
	int64_t b = im->base_ns, x;

	if (!im->have_times)
		return 0;
	if (__builtin_add_overflow(b, im->t_lo, &x) || __builtin_add_overflow(b, im->t_hi, &x)) {
		imp_fail(im, im->base_off, "baseTimeNanoseconds %lld plus event times from %lld to %lld ns "
		     "overflows 64-bit nanoseconds", (long long)b, (long long)im->t_lo,
		     (long long)im->t_hi);
		return -MO_EINPUT;
	}
	return 0;
}

/* Pass 1: the whole JSON through the callbacks. */
static int run_pass(struct imp *im, struct imp_input *in)
{
	int rc = imp_json_parse(&im->json, in, &imp_kineto_callbacks, im, im->name, im->err);

	if (rc == IMP_JSON_STOPPED)
		rc = im->err && im->err->code ? im->err->code : -MO_EINPUT;
	if (rc == 0 && im->st)
		im->st->input_bytes = in->out_total;
	imp_json_release(&im->json);
	return rc;
}

/* Pass 2: the GPU events read back from the spill, attributed and sent
 * through the reorder heap. */
static int run_pass2(struct imp *im)
{
	int rc = imp_spill_rewind(&im->spill, im->name, im->err);

	while (rc == 0 && (rc = imp_spill_get(&im->spill, &im->ev, im->name, im->err)) > 0) {
		rc = 0;
		if (!imp_pass2_event(im))
			rc = im->err && im->err->code ? im->err->code : -MO_EIO;
		else
			rc = imp_lookups_failed(im);
	}
	return rc;
}

static void imp_release(struct imp *im)
{
	free(im->threads);
	imp_ivals_release(&im->ivals);
	imp_points_release(&im->corr_pts);
	imp_points_release(&im->ext_pts);
	imp_points_release(&im->seq_pts);
	free(im->annots);
	imp_strtab_free(&im->names);
	imp_strtab_free(&im->phases);
	free(im->mod_out);
	free(im->step_order);
	free(im->ds);
	imp_host_release(&im->host);
	for (size_t i = 0; i < im->nprops; i++)
		free(im->props[i].name);
	free(im->props);
	free(im->cur_prop.name);
	for (size_t i = 0; i < im->nslots; i++)
		free(im->slots[i].strs);
	free(im->slots);
	free(im->free_slots);
	free(im->heap);
	free(im->ev.name);
	imp_spill_release(&im->spill);
}

void trace_import_opts_init(struct trace_import_opts *o)
{
	o->module_depth = 2;
	o->reorder_window = 16384;
	o->host_records = 1;
	o->token_events = 0;
}

static int import_input(struct imp_input *in, const char *name, const struct trace_import_opts *o,
			const struct trace_sink *sink, struct trace_import_stats *st,
			struct mo_err *err)
{
	struct imp im;
	int rc;

	memset(&im, 0, sizeof(im));
	im.name = name;
	if (o)
		im.opts = *o;
	else
		trace_import_opts_init(&im.opts);
	if (im.opts.module_depth < 0)
		im.opts.module_depth = 0;
	if (im.opts.reorder_window < 1)
		im.opts.reorder_window = 1;
	im.sink = sink;
	im.st = st;
	im.err = err;
	im.rank = -1;
	imp_host_init(&im.host, name, err);
	imp_ivals_init(&im.ivals, name, err);
	imp_points_init(&im.corr_pts, name, err);
	imp_points_init(&im.ext_pts, name, err);
	imp_points_init(&im.seq_pts, name, err);
	if (st)
		memset(st, 0, sizeof(*st));
	im.ev.name = calloc(1, 256); /* never NULL: events may have no name */
	im.ev.name_cap = 256;
	if (!im.ev.name) {
		rc = mo_err_set(err, MO_ENOMEM, "cannot import '%s': out of memory", name);
		goto out;
	}
	/* the fixed phases first, so their ids are stable */
	if (imp_strtab_intern(&im.phases, "forward", 7) < 0 ||
	    imp_strtab_intern(&im.phases, "backward", 8) < 0 ||
	    imp_strtab_intern(&im.phases, "optimizer", 9) < 0) {
		rc = mo_err_set(err, MO_ENOMEM, "cannot import '%s': out of memory", name);
		goto out;
	}
	im.pass = 1;
	if ((rc = run_pass(&im, in)) != 0)
		goto out;
	if ((rc = check_base(&im)) != 0)
		goto out;
	if ((rc = imp_pass1_finish(&im)) != 0)
		goto out;
	if ((rc = imp_emit_definitions(&im)) != 0)
		goto out;
	im.pass = 2;
	if ((rc = run_pass2(&im)) != 0)
		goto out;
	while (im.nheap)
		if ((rc = imp_reorder_pop(&im)) != 0)
			goto out;
out:
	imp_release(&im);
	return rc;
}

int trace_import_kineto_opts(const char *path, const struct trace_import_opts *o,
			     const struct trace_sink *sink, struct trace_import_stats *st,
			     struct mo_err *err)
{
	struct imp_input in;
	int rc = imp_input_open(&in, path, err);
	if (rc == 0)
		rc = import_input(&in, path, o, sink, st, err);
	imp_input_close(&in);
	return rc;
}

int trace_import_kineto(const char *path, const struct trace_sink *sink,
			struct trace_import_stats *st, struct mo_err *err)
{
	return trace_import_kineto_opts(path, NULL, sink, st, err);
}

int trace_import_kineto_mem(const void *data, size_t len, const char *name,
			    const struct trace_import_opts *o, const struct trace_sink *sink,
			    struct trace_import_stats *st, struct mo_err *err)
{
	struct imp_input in;
	int rc = imp_input_open_mem(&in, data, len, name, err);
	if (rc == 0)
		rc = import_input(&in, name, o, sink, st, err);
	imp_input_close(&in);
	return rc;
}
