/*
 * sim-host.c - the simulator's host threads (see engine.h, "Host threads"):
 * each thread's clock advances by the CPU time of every kernel it issues,
 * in the order its operations are queued; the records that show it.
 */
#include "engine/engine-internal.h"

#include <string.h>

int engine_hosts_issue(struct engine_hosts *h, int host, const struct engine_kernel *k, size_t n,
		       int64_t *first_launch)
{
	if (engine_grow((void **)&h->clock, &h->cap, (size_t)host + 1, sizeof(*h->clock)))
		return -1;
	while (h->n <= (size_t)host)
		h->clock[h->n++] = 0;
	*first_launch = h->clock[host] + k[0].host_ns;
	for (size_t i = 0; i < n; i++)
		h->clock[host] += k[i].host_ns;
	return 0;
}

void engine_hosts_release(struct engine_hosts *h)
{
	free(h->clock);
	memset(h, 0, sizeof(*h));
}

void engine_hosts_call(struct trace_record *rec, int host, int64_t launch_ns, int64_t cpu_ns,
		       int64_t correlation)
{
	trace_record_init(rec, TRACE_KIND_API_CALL);
	rec->u.api_call.start_ns = launch_ns - (cpu_ns < MODEL_HOST_CALL_NS ? cpu_ns : MODEL_HOST_CALL_NS);
	rec->u.api_call.end_ns = launch_ns;
	rec->u.api_call.thread = host;
	rec->u.api_call.correlation = correlation;
	rec->u.api_call.name = "cudaLaunchKernel";
	rec->u.api_call.category = "cuda_runtime";
}

void engine_hosts_thread(struct trace_record *rec, int host)
{
	trace_record_init(rec, TRACE_KIND_THREAD);
	rec->u.thread.id = host;
	rec->u.thread.name = "simulated host thread";
}
