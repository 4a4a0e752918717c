/*
 * host-inventory.c - the CPU activity eager PyTorch spends around the
 * kernels of each layer kind, counted in the measured H100 traces, and the
 * CPU time per kernel it gives (workloads.h, workload_host_kernel_ns).
 * The optimizer step's activity is counted by workloads/optimizer.c (its
 * header: foreach calls, per-tensor dispatch, Adam's CPU step counters).
 */
#include "workloads/workloads-internal.h"

#include <string.h>

/* What one forward pass spends on the host: launches (kernels, memsets and
 * copies enqueued), the kernels among them, ATen CPU operators (every
 * "cpu_op" event, any depth) and Python function events. */
struct activity {
	double launches, kernels, ops, pycalls;
};

struct inventory {
	int arch;
	int clip;              /* 1: Hugging Face's CLIP/OWLv2 layer code (eager
	                          attention with per-head copies, head_copies);
	                          0: the others of the arch */
	struct activity layer; /* one layer (the nn.Module of one block) */
	struct activity rest;  /* the rest of the forward: embeddings, heads, the
	                          model's own Python, first launch to last */
};

/*
 * Counted in ../shared/external-traces/tracelens/h100 (TraceLens, MIT;
 * inference forward, bf16, SDPA, recorded with Python stacks) with
 * tests/bench/host-activity-fit.py: a layer is the interval of its
 * nn.Module python_function event (every layer of a trace has the same
 * counts but one Qwen layer with 166 Python calls instead of 153 (153.5 on average)); the rest
 * is everything between the first and the last launch outside the layers.
 * The CLIP towers are counted in OWLv2's trace (Owlv2EncoderLayer inside
 * Owlv2VisionTransformer and Owlv2TextTransformer, five forward passes
 * averaged; the rest is each tower's interval outside its layers; the same
 * script, its "clip" rows).  Modules of these architectures written as
 * Hugging Face eager code ("impl": "pytorch") get them, CLIP's rows when
 * their attention copies heads as CLIP's does; others keep the per-class
 * constants.
 */
static const struct inventory inventories[] = {
	/* Falconsai/nsfw_image_detection (HF ViTLayer x 12, batch 4) */
	{WORKLOAD_ARCH_VIT, 0, {12, 12, 102, 144}, {12, 10, 30, 108}},
	/* gaunernst/bert-small-uncased (HF BertLayer x 4, 1 x 141 tokens) */
	{WORKLOAD_ARCH_ENCODER, 0, {12, 12, 103, 209}, {13, 12, 56, 250}},
	/* Qwen/Qwen1.5-0.5B-Chat (HF Qwen2DecoderLayer x 24, 16 x 559 tokens;
	 * 7 of a layer's 49 launches are cuBLAS workspace memsets) */
	{WORKLOAD_ARCH_DECODER, 0, {49, 42, 171, 153.5}, {22, 21, 76, 311}},
	/* google/owlv2-large-patch14-ensemble's vision tower (24 layers at
	 * 5185 tokens; 6 of a layer's 27 launches are memsets) and text tower
	 * (12 layers, 5 tokens) */
	{WORKLOAD_ARCH_VIT, 1, {27, 21, 118, 285}, {11, 9, 40, 241}},
	{WORKLOAD_ARCH_ENCODER, 1, {24, 24, 124, 307}, {19, 18, 95, 311}},
};

int64_t workload_host_kernel_ns(const struct workload *w, int m, int phase,
				const struct model_host *h, int kclass)
{
	const struct workload_module *wm = &w->modules[m];

	if (h->mode == MODEL_LAUNCH_GRAPHS)
		return 0;
	if (h->mode == MODEL_LAUNCH_EXECUTOR) /* a graph executor: every phase alike */
		return model_host_kernel_ns(h, kclass);
	if (phase == WORKLOAD_BWD) /* autograd's thread, any module */
		return model_host_cpp_kernel_ns(h);
	if (phase == WORKLOAD_OPT) {
		int64_t ns = workload_host_opt_kernel_ns(w, m, h);
		return ns >= 0 ? ns : model_host_kernel_ns(h, kclass);
	}
	if (phase != WORKLOAD_FWD || wm->impl != WORKLOAD_IMPL_PYTORCH)
		return model_host_kernel_ns(h, kclass);
	for (size_t i = 0; i < sizeof inventories / sizeof inventories[0]; i++) {
		const struct inventory *v = &inventories[i];
		double L = wm->layers;
		if (v->arch != wm->arch || v->clip != (wm->head_copies != 0))
			continue;
		return (int64_t)(model_host_activity_ns(h, L * v->layer.launches + v->rest.launches,
							L * v->layer.ops + v->rest.ops,
							L * v->layer.pycalls + v->rest.pycalls) /
				 (L * v->layer.kernels + v->rest.kernels));
	}
	return model_host_kernel_ns(h, kclass);
}

int64_t workload_host_record_ns(const struct workload *w, int m, int phase,
				const struct model_host *h, const struct trace_kernel *k)
{
	if (k->name && !strncmp(k->name, "cudnn:", 6))
		return h->mode == MODEL_LAUNCH_GRAPHS ? 0 : MODEL_HOST_CALL_NS;
	return workload_host_kernel_ns(w, m, phase, h, (int)k->kclass);
}

int64_t workload_host_opt_kernel_ns(const struct workload *w, int m, const struct model_host *h)
{
	const struct workload_module *wm = &w->modules[m];
	struct wl_host_activity a;

	if (h->mode == MODEL_LAUNCH_GRAPHS)
		return 0;
	if (h->mode == MODEL_LAUNCH_EXECUTOR) /* per kernel, as every other phase's */
		return model_host_kernel_ns(h, TRACE_CLASS_ELEMENTWISE);
	/* the step's activity over the module's tensors (optimizer.c) */
	if (wm->arch == WORKLOAD_ARCH_TRACE || wl_opt_ops(w, m, 0, wm->layers, NULL, NULL, &a) < 0 ||
	    a.kernels <= 0)
		return -1;
	/* workload_host_opt_ns of the whole module, from the activity just counted */
	return (int64_t)model_host_activity_ns(h, a.launches, a.ops, a.pycalls) / (int64_t)a.kernels;
}

int64_t workload_host_opt_ns(const struct workload *w, int m, int lb, int le,
			     const struct model_host *h)
{
	struct wl_host_activity a;

	if (w->modules[m].arch == WORKLOAD_ARCH_TRACE)
		return -1;
	if (h->mode == MODEL_LAUNCH_GRAPHS || wl_opt_ops(w, m, lb, le, NULL, NULL, &a) < 0)
		return 0;
	if (h->mode == MODEL_LAUNCH_EXECUTOR) /* per kernel, as every other phase's */
		return (int64_t)a.kernels * model_host_kernel_ns(h, TRACE_CLASS_ELEMENTWISE);
	return (int64_t)model_host_activity_ns(h, a.launches, a.ops, a.pycalls);
}
