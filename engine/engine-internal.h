/* engine-internal.h - shared between the engine's own files; not public. */
#ifndef MOSAIC_ENGINE_INTERNAL_H
#define MOSAIC_ENGINE_INTERNAL_H

#include <stdint.h>
#include <stdlib.h>

#include "engine/engine.h"

/* The sim backend of engine_run's table (run.c): validate, build the
 * schedule, simulate it (the trace to o->out or the file o->out_path). */
int engine_sim_run_plan(const struct plan *p, const struct workload *w,
			const struct engine_run_opts *o, struct engine_run_result *res,
			struct mo_err *err);

/*
 * Host threads and their streams' launch queues (sim-host.c).  A host
 * issues the kernels of its streams' operations in the order they were
 * queued; kernel j of the host is launched at
 *   launch_j = max(launch_{j-1} + host_ns_j, end of the kernel `depth`
 *                  launches before it on the same stream)
 * (from time 0): the host runs ahead of the GPU until that stream's queue
 * holds `depth` launched, unfinished kernels, then blocks until the oldest
 * ends.  Launch times are computed lazily, in host order, when an
 * operation wants to start a kernel; one whose launch waits for a kernel
 * that has not ended yet is parked and retried when a kernel of the same
 * host ends.  Memory: one span per operation and two rings of `depth`
 * times (or of its kernels, when fewer) per hosted stream.
 */
struct engine_host_span {   /* the kernels of one operation, in host order */
	const struct engine_kernel *k;
	size_t n;
	int stream;
};
struct engine_host {
	struct engine_host_span *span;
	size_t n_span, cap_span;
	size_t cur, cur_k;  /* the next kernel whose launch is not computed */
	int64_t clock;      /* the launch time of the last computed one */
	int64_t *wait;      /* operations waiting for a launch (sim-core ids) */
	size_t n_wait, cap_wait;
};
struct engine_host_queue {  /* a hosted stream's launch queue */
	int64_t *launch, *end;  /* rings (engine_hosts_start), indexed by the stream's kernel number mod depth */
	uint64_t issued, launched, ended;
};
struct engine_hosts {
	struct engine_host *host;
	size_t n, cap;
	struct engine_host_queue *queue; /* indexed by stream */
	size_t n_queue, cap_queue;
	int64_t *rings;                  /* every queue's launch and end rings (engine_hosts_start) */
	int depth;                       /* 0 until set: MODEL_HOST_QUEUE_DEPTH */
};
/* Queue n kernels of an operation on stream from host; *first gets the
 * stream's number of k[0].  0, or -1 when out of memory. */
int engine_hosts_issue(struct engine_hosts *h, int host, int stream, const struct engine_kernel *k,
		       size_t n, uint64_t *first);
/* Every kernel is issued: make each hosted stream's launch queue (a ring of
 * the queue depth, or of the kernels it issues when fewer; 0, or -1 out of
 * memory). */
int engine_hosts_start(struct engine_hosts *h);
/* The launch time of the stream's kernel number seq (its host's): 1 and
 * *at, or 0 when the host is still blocked on a full queue. */
int engine_hosts_launch(struct engine_hosts *h, int host, int stream, uint64_t seq, int64_t *at);
/* The stream's oldest launched kernel ended at t. */
void engine_hosts_ended(struct engine_hosts *h, int stream, int64_t t);
/* Park operation op until a kernel of host ends (0, or -1 out of memory). */
int engine_hosts_wait(struct engine_hosts *h, int host, int64_t op);
/* Unpark every operation waiting on host: fn(ctx, op) for each (it may
 * park it again); stops at and returns the first non-zero fn result. */
int engine_hosts_wake(struct engine_hosts *h, int host, int (*fn)(void *ctx, int64_t op),
		      void *ctx);
void engine_hosts_release(struct engine_hosts *h);

#endif
