/*
 * sim-host.c - the simulator's host threads (see engine.h, "Host threads",
 * and engine-internal.h): each thread's clock advances by the CPU time of
 * every kernel it issues, in the order its operations are queued, and
 * blocks while the stream it launches into holds `depth` unfinished
 * kernels; the records that show it.
 */
#include "engine/engine-internal.h"

#include <string.h>

static int queue_depth(const struct engine_hosts *h)
{
	return h->depth > 0 ? h->depth : MODEL_HOST_QUEUE_DEPTH;
}

int engine_hosts_issue(struct engine_hosts *h, int host, int stream, const struct engine_kernel *k,
		       size_t n, uint64_t *first)
{
	struct engine_host *H;
	struct engine_host_queue *Q;

	if (MO_GROW(h->host, (size_t)host + 1, h->cap) ||
	    MO_GROW(h->queue, (size_t)stream + 1, h->cap_queue))
		return -1;
	while (h->n <= (size_t)host)
		memset(&h->host[h->n++], 0, sizeof(*h->host));
	while (h->n_queue <= (size_t)stream)
		memset(&h->queue[h->n_queue++], 0, sizeof(*h->queue));
	H = &h->host[host];
	Q = &h->queue[stream];
	if (MO_GROW(H->span, H->n_span + 1, H->cap_span))
		return -1;
	H->span[H->n_span].k = k;
	H->span[H->n_span].n = n;
	H->span[H->n_span++].stream = stream;
	*first = Q->issued;
	Q->issued += n;
	return 0;
}

int engine_hosts_start(struct engine_hosts *h)
{
	uint64_t d = (uint64_t)queue_depth(h);
	size_t total = 0;

	/* kernel number seq sits at seq % d, below the kernels issued: each
	 * ring is as long as the fewer of the two, all in one allocation */
	for (size_t i = 0; i < h->n_queue; i++)
		total += (size_t)(h->queue[i].issued < d ? h->queue[i].issued : d);
	if (!total || h->rings)
		return 0;
	h->rings = malloc(2 * total * sizeof(*h->rings));
	if (!h->rings)
		return -1;
	total = 0;
	for (size_t i = 0; i < h->n_queue; i++) {
		struct engine_host_queue *Q = &h->queue[i];
		size_t ring = (size_t)(Q->issued < d ? Q->issued : d);
		Q->launch = h->rings + 2 * total;
		Q->end = Q->launch + ring;
		total += ring;
	}
	return 0;
}

/* Compute the host's next launch; 0 when it waits for a kernel to end. */
static int launch_next(struct engine_hosts *h, struct engine_host *H)
{
	const struct engine_host_span *sp = &H->span[H->cur];
	struct engine_host_queue *Q = &h->queue[sp->stream];
	uint64_t d = (uint64_t)queue_depth(h);
	int64_t t = H->clock + sp->k[H->cur_k].host_ns;

	if (Q->launched >= d) { /* full: wait for the kernel d launches back */
		uint64_t oldest = Q->launched - d;
		if (Q->ended <= oldest)
			return 0;
		if (Q->end[oldest % d] > t)
			t = Q->end[oldest % d];
	}
	Q->launch[Q->launched++ % d] = t;
	H->clock = t;
	if (++H->cur_k == sp->n)
		H->cur++, H->cur_k = 0;
	return 1;
}

int engine_hosts_launch(struct engine_hosts *h, int host, int stream, uint64_t seq, int64_t *at)
{
	struct engine_host *H = &h->host[host];
	struct engine_host_queue *Q = &h->queue[stream];

	while (Q->launched <= seq)
		if (H->cur >= H->n_span || !launch_next(h, H))
			return 0;
	*at = Q->launch[seq % (uint64_t)queue_depth(h)];
	return 1;
}

void engine_hosts_ended(struct engine_hosts *h, int stream, int64_t t)
{
	struct engine_host_queue *Q = &h->queue[stream];
	Q->end[Q->ended++ % (uint64_t)queue_depth(h)] = t;
}

int engine_hosts_wait(struct engine_hosts *h, int host, int64_t op)
{
	struct engine_host *H = &h->host[host];

	if (MO_GROW(H->wait, H->n_wait + 1, H->cap_wait))
		return -1;
	H->wait[H->n_wait++] = op;
	return 0;
}

int engine_hosts_wake(struct engine_hosts *h, int host, int (*fn)(void *ctx, int64_t op),
		      void *ctx)
{
	struct engine_host *H = &h->host[host];
	int64_t *w = H->wait;
	size_t n = H->n_wait;
	int rc = 0;

	if (!n)
		return 0;
	H->wait = NULL; /* fn may park operations again */
	H->n_wait = H->cap_wait = 0;
	for (size_t i = 0; i < n && !rc; i++)
		rc = fn(ctx, w[i]);
	free(w);
	return rc;
}

void engine_hosts_release(struct engine_hosts *h)
{
	for (size_t i = 0; i < h->n; i++) {
		free(h->host[i].span);
		free(h->host[i].wait);
	}
	free(h->rings);
	free(h->host);
	free(h->queue);
	memset(h, 0, sizeof(*h));
}
