/*
 * host-stream.c - a stream of kernels issued by one host thread: the time is
 * the max of host issue and GPU work along the stream (model.h).
 */
#include "model/model.h"

void model_host_stream_init(const struct model_host *h, struct model_host_stream *s)
{
	s->host_ns = h->mode == MODEL_LAUNCH_GRAPHS ? (double)h->graph_launch_ns : 0;
	s->end_ns = 0;
}

void model_host_stream_add(struct model_host_stream *s, double cpu_ns, double gpu_ns)
{
	s->host_ns += cpu_ns;
	s->end_ns = (s->host_ns > s->end_ns ? s->host_ns : s->end_ns) + gpu_ns;
}
