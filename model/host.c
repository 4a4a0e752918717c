/*
 * host.c - the host side: CPU time to dispatch a kernel, by class and launch
 * mode, and its fit from the API calls of measured traces (see model.h).
 *
 * The fit: per host thread, the calls that enqueued GPU work
 * (trace_api_enqueues) whose correlation matches a GPU activity of the
 * trace, in start order; the interval from one such call to the next is the
 * CPU time spent producing the next activity (Python, the dispatcher, the
 * operator, the launch itself), charged to that activity's class (memcpy
 * and memset are memory).  Intervals above MODEL_HOST_MAX_INTERVAL_NS are
 * not dispatch (data loading, synchronisation, Python work between steps)
 * and are dropped and counted.
 */
#include "model/model.h"

#include <stdlib.h>
#include <string.h>

/*
 * The eager constants of each measured host (enum model_host_cpu), classes
 * in the order of TRACE_KERNEL_CLASSES (unknown, gemm, attention, conv,
 * elementwise, reduction, communication, memory); model.h says where each
 * comes from.
 */
struct machine {
	int64_t cls[TRACE_CLASS_COUNT];
	int64_t launch, op, pycall;
};
static const struct machine machines[] = {
	[MODEL_HOST_CPU_H100_TRACES] =
		{{MODEL_HOST_OTHER_NS, MODEL_HOST_GEMM_NS, MODEL_HOST_ATTENTION_NS, MODEL_HOST_GEMM_NS,
		  MODEL_HOST_ELEMENTWISE_NS, MODEL_HOST_REDUCTION_NS, MODEL_HOST_OTHER_NS,
		  MODEL_HOST_MEMORY_NS},
		 MODEL_HOST_LAUNCH_NS, MODEL_HOST_OP_NS, MODEL_HOST_PYCALL_NS},
	/* the A100 traces' hosts (four Holistic Trace Analysis traces, 19778 intervals) */
	[MODEL_HOST_CPU_A100_TRACES] = {{20000, 58400, 55000, 20000, 46000, 88500, 189600, 53700},
					MODEL_HOST_A100_LAUNCH_NS, MODEL_HOST_A100_OP_NS, 0},
	/* the V100 traces' hosts (two traces, 15144 intervals) */
	[MODEL_HOST_CPU_V100_TRACES] = {{64700, 50300, 64700, 67300, 58600, 155100, 64700, 42800},
					MODEL_HOST_V100_LAUNCH_NS, MODEL_HOST_V100_OP_NS, 0},
};
static const char *const cpu_names[] = {"h100-traces", "a100-traces", "v100-traces"};

void model_host_init_cpu(struct model_host *h, int mode, int cpu)
{
	const struct machine *m = &machines[cpu >= 0 && cpu < MODEL_HOST_CPU_COUNT ? cpu : 0];

	memset(h, 0, sizeof(*h));
	h->mode = mode;
	memcpy(h->kernel_cpu_ns, m->cls, sizeof(h->kernel_cpu_ns));
	h->graph_launch_ns = MODEL_HOST_GRAPH_LAUNCH_NS;
	h->queue_depth = MODEL_HOST_QUEUE_DEPTH;
	h->launch_ns = m->launch;
	h->op_ns = m->op;
	h->pycall_ns = m->pycall;
}

void model_host_init(struct model_host *h, int mode)
{
	model_host_init_cpu(h, mode, MODEL_HOST_CPU_DEFAULT);
}

int model_host_cpu_of_gpu(const struct model_gpu *gpu)
{
	int cc = gpu ? gpu->cc_major * 10 + gpu->cc_minor : 0;

	return cc == 80 ? MODEL_HOST_CPU_A100_TRACES
	       : cc == 70 ? MODEL_HOST_CPU_V100_TRACES
			  : MODEL_HOST_CPU_H100_TRACES;
}

const char *model_host_cpu_name(int cpu)
{
	return cpu >= 0 && cpu < MODEL_HOST_CPU_COUNT ? cpu_names[cpu] : "unknown";
}

double model_host_activity_ns(const struct model_host *h, double launches, double ops,
			      double pycalls)
{
	if (h->mode == MODEL_LAUNCH_GRAPHS)
		return 0;
	if (h->mode == MODEL_LAUNCH_EXECUTOR) /* no Python runs between the kernels */
		pycalls = 0;
	return launches * (double)h->launch_ns + ops * (double)h->op_ns +
	       pycalls * (double)h->pycall_ns;
}

int64_t model_host_kernel_ns(const struct model_host *h, int kclass)
{
	if (h->mode == MODEL_LAUNCH_GRAPHS)
		return 0;
	if (h->mode == MODEL_LAUNCH_EXECUTOR) /* model.h: MODEL_LAUNCH_EXECUTOR, any class */
		return model_host_cpp_kernel_ns(h);
	if (kclass < 0 || kclass >= TRACE_CLASS_COUNT)
		kclass = TRACE_CLASS_UNKNOWN;
	return h->kernel_cpu_ns[kclass];
}

int64_t model_host_cpp_kernel_ns(const struct model_host *h)
{
	return (int64_t)model_host_activity_ns(h, 1, MODEL_HOST_BWD_OPS_PER_LAUNCH, 0);
}

int model_meas_launch_of(int mode)
{
	return mode == MODEL_LAUNCH_GRAPHS     ? MODEL_MEAS_LAUNCH_GRAPHS
	       : mode == MODEL_LAUNCH_EXECUTOR ? MODEL_MEAS_LAUNCH_EXECUTOR
					       : MODEL_MEAS_LAUNCH_EAGER;
}

int model_launch_of_meas(int launch)
{
	return launch == MODEL_MEAS_LAUNCH_GRAPHS     ? MODEL_LAUNCH_GRAPHS
	       : launch == MODEL_MEAS_LAUNCH_EXECUTOR ? MODEL_LAUNCH_EXECUTOR
	       : launch == MODEL_MEAS_LAUNCH_EAGER    ? MODEL_LAUNCH_EAGER
						      : -1;
}

int64_t model_host_sequence_ns(const struct model_host *h, const int64_t per_class[])
{
	int64_t ns = h->mode == MODEL_LAUNCH_GRAPHS ? h->graph_launch_ns : 0;
	for (int c = 0; c < TRACE_CLASS_COUNT; c++)
		ns += per_class[c] * model_host_kernel_ns(h, c);
	return ns;
}

void model_host_thread(struct trace_record *rec, int thread)
{
	trace_record_init(rec, TRACE_KIND_THREAD);
	rec->u.thread.id = thread;
	rec->u.thread.name = "simulated host thread";
}

void model_host_call(struct trace_record *rec, int thread, int64_t launch_ns, int64_t cpu_ns,
		     int64_t correlation)
{
	trace_record_init(rec, TRACE_KIND_API_CALL);
	rec->u.api_call.start_ns = launch_ns - (cpu_ns < MODEL_HOST_CALL_NS ? cpu_ns : MODEL_HOST_CALL_NS);
	rec->u.api_call.end_ns = launch_ns;
	rec->u.api_call.thread = thread;
	rec->u.api_call.correlation = correlation;
	rec->u.api_call.name = "cudaLaunchKernel";
	rec->u.api_call.category = "cuda_runtime";
}

void model_host_fit_init(struct model_host_fit *f)
{
	memset(f, 0, sizeof(*f));
}

struct corr_class {
	int64_t corr;
	int cls;
};

struct call {
	int64_t thread, start;
	int cls;
};

static int corr_cmp(const void *a, const void *b)
{
	const struct corr_class *x = a, *y = b;
	return x->corr < y->corr ? -1 : x->corr > y->corr;
}

static int call_cmp(const void *a, const void *b)
{
	const struct call *x = a, *y = b;
	if (x->thread != y->thread)
		return x->thread < y->thread ? -1 : 1;
	return x->start < y->start ? -1 : x->start > y->start;
}

/* The class of a GPU activity record, and its correlation; -1 if none. */
static int activity_class(const struct trace_record *r, int64_t *corr)
{
	switch (r->kind) {
	case TRACE_KIND_KERNEL:
		*corr = r->u.kernel.correlation;
		return r->u.kernel.kclass >= 0 && r->u.kernel.kclass < TRACE_CLASS_COUNT
			       ? (int)r->u.kernel.kclass : model_classify(&r->u.kernel);
	case TRACE_KIND_COLLECTIVE:
		*corr = r->u.collective.correlation;
		return TRACE_CLASS_COMM;
	case TRACE_KIND_MEMCPY:
		*corr = r->u.memcpy.correlation;
		return TRACE_CLASS_MEMORY;
	case TRACE_KIND_MEMSET:
		*corr = r->u.memset.correlation;
		return TRACE_CLASS_MEMORY;
	default:
		return -1;
	}
}

int model_host_fit_add(struct model_host_fit *f, const struct trace_mem *t, struct mo_err *err)
{
	struct corr_class *acts = malloc((t->n + 1) * sizeof(*acts));
	struct call *calls = malloc((t->n + 1) * sizeof(*calls));
	size_t na = 0, nc = 0;

	if (!acts || !calls) {
		free(acts);
		free(calls);
		return mo_err_set(err, MO_ENOMEM, "cannot fit the host model: out of memory");
	}
	for (size_t i = 0; i < t->n; i++) {
		int64_t corr = -1;
		int cls = activity_class(&t->recs[i], &corr);
		if (cls >= 0 && corr >= 0) {
			acts[na].corr = corr;
			acts[na++].cls = cls;
		}
	}
	qsort(acts, na, sizeof(*acts), corr_cmp);
	for (size_t i = 0; i < t->n; i++) {
		const struct trace_api_call *c = &t->recs[i].u.api_call;
		struct corr_class key = {.corr = c->correlation}, *hit;
		if (t->recs[i].kind != TRACE_KIND_API_CALL || !trace_api_enqueues(c->name) ||
		    !(hit = bsearch(&key, acts, na, sizeof(*acts), corr_cmp)))
			continue;
		calls[nc].thread = c->thread;
		calls[nc].start = c->start_ns;
		calls[nc++].cls = hit->cls;
	}
	qsort(calls, nc, sizeof(*calls), call_cmp);
	f->launches += nc;
	for (size_t i = 1; i < nc; i++) {
		int64_t dt = calls[i].start - calls[i - 1].start;
		if (calls[i].thread != calls[i - 1].thread)
			continue;
		if (dt > MODEL_HOST_MAX_INTERVAL_NS || dt < 0) {
			f->dropped++;
			continue;
		}
		f->intervals++;
		f->issue_ns += dt;
		f->sum_ns[calls[i].cls] += dt;
		f->n[calls[i].cls]++;
	}
	free(acts);
	free(calls);
	return 0;
}

void model_host_from_fit(const struct model_host_fit *f, struct model_host *h)
{
	int64_t all = f->intervals ? f->issue_ns / (int64_t)f->intervals : 0;
	for (int c = 0; c < TRACE_CLASS_COUNT; c++) {
		if (f->n[c])
			h->kernel_cpu_ns[c] = f->sum_ns[c] / (int64_t)f->n[c];
		else if (all)
			h->kernel_cpu_ns[c] = all;
	}
}

static const char *const issue_names[] = {"per-slot", "per-gpu", "none"};
static const char *const launch_names[] = {"eager", "graphs", "executor"};

static int name_index(const char *const *names, int n, const char *s)
{
	for (int i = 0; s && i < n; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

const char *model_host_issue_name(int issue)
{
	return issue >= 0 && issue <= MODEL_HOST_NONE ? issue_names[issue] : "unknown";
}

int model_host_issue_parse(const char *s)
{
	return name_index(issue_names, MODEL_HOST_NONE + 1, s);
}

const char *model_launch_name(int mode)
{
	return mode == MODEL_LAUNCH_GRAPHS || mode == MODEL_LAUNCH_EXECUTOR ? launch_names[mode]
									    : launch_names[0];
}

int model_launch_parse(const char *s)
{
	return name_index(launch_names, 3, s);
}

int model_host_cpu_parse(const char *s)
{
	return name_index(cpu_names, MODEL_HOST_CPU_COUNT, s);
}
