/*
 * workloads.h - multimodal-model workload specs (a DAG of modules, sizes,
 * batch, cluster) and the synthesiser that turns a spec into per-module
 * kernel sequences for training, plus modules built from recorded traces.
 *
 * CORE CONTRACT (used by planner/ and engine/): the declarations in this
 * first part keep their names and meaning; fields are added at the end of
 * structs, never renamed.
 *
 * A spec is a JSON file (the bundled ones are workloads/<name>.json):
 *
 * {
 *   "name": "clip", "source": "where the sizes come from",
 *   "batch": 256, "microbatch": 32, "dtype": "bf16",
 *   "cluster": {"gpu": "h100", "gpus": 8, "gpus_per_node": 8,
 *               "nvlink_gbps": 450, "net_gbps": 50},
 *   "modules": [
 *     {"name": "vision", "kind": "encoder", "arch": "vit", "source": "...",
 *      "layers": 24, "hidden": 1024, "heads": 16, "ffn": 4096,
 *      "patch": 14, "image": 224, ...},
 *     {"name": "text", "kind": "encoder", "trace": "text.mtr",
 *      "trace_module": "text_model", "trace_samples": 32}
 *   ],
 *   "edges": [{"from": "vision", "to": "llm"}]
 * }
 *
 * Field reference (every field, its type and which archs need it) is at the
 * top of workloads/spec.c; the reader rejects unknown fields, wrong types,
 * missing sizes, unknown names, cycles and edges to unknown modules, with
 * messages naming the file and the JSON path ("modules[2].heads").
 *
 * Units: sizes are counts; bytes are bytes; FLOPs count a multiply-add as 2.
 */
#ifndef MOSAIC_WORKLOADS_H
#define MOSAIC_WORKLOADS_H

#include <stdint.h>

#include "model/model.h"
#include "traces/traces.h"

/* What a module is for in the model's DAG. */
enum workload_kind {
	WORKLOAD_KIND_ENCODER = 0,   /* a modality encoder */
	WORKLOAD_KIND_PROJECTOR = 1, /* adapter between an encoder and the backbone */
	WORKLOAD_KIND_BACKBONE = 2,  /* the shared model, usually an LLM */
	WORKLOAD_KIND_DECODER = 3,   /* an output decoder */
};

/* How a module computes. */
enum workload_arch {
	WORKLOAD_ARCH_VIT = 0,     /* vision transformer: patch embedding + encoder blocks */
	WORKLOAD_ARCH_ENCODER = 1, /* bidirectional transformer over tokens (BERT, CLIP text) */
	WORKLOAD_ARCH_DECODER = 2, /* causal transformer (GPT, Llama, Qwen), optional cross-attention */
	WORKLOAD_ARCH_CONV = 3,    /* ResNet-style bottleneck CNN */
	WORKLOAD_ARCH_MLP = 4,     /* a stack of linear layers (projectors) */
	WORKLOAD_ARCH_TRACE = 5,   /* kernels taken from a recorded trace */
};

enum workload_attention { WORKLOAD_ATTN_FLASH = 0, WORKLOAD_ATTN_EAGER = 1 };
/* Activations.  GELU_NEW is the tanh GELU written as Python arithmetic
 * (Hugging Face GPT-2's "gelu_new"): eight separate elementwise kernels in
 * eager PyTorch instead of one. */
enum workload_act { WORKLOAD_ACT_GELU = 0, WORKLOAD_ACT_SWIGLU = 1, WORKLOAD_ACT_RELU = 2,
		    WORKLOAD_ACT_QUICK_GELU = 3, WORKLOAD_ACT_GELU_NEW = 4 };
enum workload_norm { WORKLOAD_NORM_LAYERNORM = 0, WORKLOAD_NORM_RMSNORM = 1 };
enum workload_pos { WORKLOAD_POS_LEARNED = 0, WORKLOAD_POS_ROPE = 1, WORKLOAD_POS_NONE = 2,
		    WORKLOAD_POS_RELATIVE = 3 };
enum workload_loss { WORKLOAD_LOSS_NONE = 0, WORKLOAD_LOSS_LM = 1, WORKLOAD_LOSS_CONTRASTIVE = 2 };
/* How the small ops are implemented: fused kernels (Megatron, Apex,
 * Transformer Engine: one kernel per norm, rotary embedding, SwiGLU) or
 * unfused PyTorch ops as Hugging Face eager code writes them (RMSNorm in
 * Python with an fp32 upcast, rotary embedding through rotate_half, SwiGLU
 * as separate gate and up GEMMs, silu and mul). */
/* TENSORRT: an inference engine.  Convolutions (arch conv): each batch
 * norm folded into its convolution's weights and bias (MLPerf's NVIDIA
 * submissions state "affine fusion"), the ReLU and the residual add run in
 * the convolution's epilogue (TensorRT's layer fusion catalog: convolution
 * + activation, convolution + elementwise sum); the epilogue's add reads
 * the skip tensor.  Post-norm encoders (BERT) as NVIDIA builds them with
 * TensorRT's BERT plugins (NVIDIA/TensorRT demo/BERT builder.py; MLPerf
 * v1.1/v2.1 closed/NVIDIA/code/bert/tensorrt/README.md "Plugins"): the
 * token, position and token-type gathers, their adds and the embedding
 * norm are one kernel (EmbLayerNorm: reads the three rows, writes one);
 * each residual add and the norm after it are one kernel (SkipLayerNorm:
 * reads both tensors); GELU runs in fc1's epilogue (MLPerf's INT8 builder:
 * the GEMM plugin's epilogueScaleBiasGelu; demoBERT: TensorRT's fusion of
 * the GELU pattern after fc1, our reading); attention stays the fused
 * kernel (QKVToContext; timed as FlashAttention-2's tiles).  An INT8
 * engine's EmbLayerNorm is counted at 1 byte an element, though the plugin
 * keeps FP16 tables and output (one kernel a model, < 1 % of a forward).
 * Other archs as FUSED.  For inference only: a backward of such a module
 * is not a training backward (no batch-norm kernels; no embedding-table
 * or GELU gradients), and validate refuses engine=tensorrt with
 * mode=train. */
enum workload_impl { WORKLOAD_IMPL_FUSED = 0, WORKLOAD_IMPL_PYTORCH = 1, WORKLOAD_IMPL_TENSORRT = 2 };

#define WORKLOAD_MAX_STAGES 8

/*
 * One module.  Sizes an arch does not use are 0.  layers is what planners
 * slice: transformer blocks, conv bottleneck blocks, linear layers, or 1 for
 * a trace module.
 */
struct workload_module {
	char name[64];
	char source[256];   /* where its sizes come from (config, paper table) */
	int kind;           /* enum workload_kind */
	int arch;           /* enum workload_arch */
	int layers;
	int hidden;         /* model width (mlp: width of the hidden layers) */
	int heads;
	int kv_heads;       /* grouped-query attention; = heads when not given */
	int head_dim;       /* = hidden / heads when not given */
	int ffn;            /* MLP inner size (per branch when gated) */
	int seq;            /* tokens per sample (vit: derived from image/patch when not given) */
	int vocab;          /* token vocabulary (embedding and LM head); 0 = inputs are embeddings */
	int max_pos;        /* learned position table size; = seq when not given */
	int type_vocab;     /* token-type embeddings (BERT); 0 none */
	int patch;          /* vit: patch side in pixels; conv: unused */
	int image;          /* vit, conv: input side in pixels */
	int channels;       /* vit, conv: input channels (3 for RGB) */
	int frames;         /* vit: temporal patch size (video); 1 for images */
	int in_dim;         /* mlp: input width; vit/encoder: width of inputs when vocab is 0 */
	int out_dim;        /* output projection after the final norm (CLIP); 0 none */
	int act;            /* enum workload_act */
	int norm;           /* enum workload_norm */
	int pos;            /* enum workload_pos */
	int bias;           /* linear layers have biases */
	int qkv_bias;       /* only the QKV projection has biases (Qwen2 style) */
	int qk_norm;        /* per-head RMSNorm of q and k (Qwen3) */
	int cls_token;      /* vit: a class token is prepended */
	int tie_embeddings; /* the LM head shares the token embedding */
	int pooler;         /* encoder: BERT pooler (dense + tanh) */
	int cross_attention;/* decoder: cross-attends to cross_seq tokens of width hidden */
	int cross_seq;
	int loss;           /* enum workload_loss */
	int frozen;         /* no weight gradients, no optimizer state */
	int attention;      /* enum workload_attention; flash by default */
	double dropout;     /* dropout probability (attention, residual); 0 = no dropout kernels */
	int n_stages;       /* conv: bottleneck blocks per stage; layers = their sum */
	int stage_blocks[WORKLOAD_MAX_STAGES];
	int width;          /* conv: base width (64 for ResNet) */
	int64_t params;     /* computed by formula from the sizes (trace module: from
	                       "params" in the spec, else 0); a spec's "params" for a
	                       sized module is checked against it, not used */
	/* trace modules */
	char trace[512];        /* path as resolved against the spec's directory */
	char trace_module[64];  /* module name in the trace; "" = every kernel */
	int trace_samples;      /* microbatch size the trace was recorded at */
	struct workload_trace *trace_data; /* private: the kernels, per phase */
	/* Measured scaling (optional, set by the caller, e.g. from profiles at
	 * several SM quotas): forward and backward time of one microbatch of
	 * measured_mbs samples at measured.quota[]; measured.n == 0 when none.
	 * The planner corrects its predictions of this module by the ratio
	 * measured / predicted at each quota (planner.h, plan_problem_new). */
	struct model_curve measured;
	int measured_mbs;
	/* added after the first contract */
	int causal;         /* encoder: causal self-attention mask (CLIP text) */
	int embed_norm;     /* a norm right after the embeddings (BERT, CLIP vision ln_pre) */
	int final_norm;     /* a norm after the last block (pre-norm models; default 1) */
	int pool;           /* out_dim projection and loss see one token per sample */
	int patch_bias;     /* vit: the patch-embedding convolution has a bias */
	int copies;         /* identical parallel copies (Qwen3-VL's deepstack mergers); 1 */
	int64_t published_params; /* "params" from the spec: the published count, or 0 */
	int shared_embedding; /* the token embedding is another module's (OFA's shared
	                         embeddings): used, but not counted in params */
	int qkv_separate;   /* Q, K and V are three GEMMs (most Hugging Face models), not one */
	int impl;           /* enum workload_impl */
	double attn_dropout;/* dropout on the attention probabilities (eager); = dropout
	                       when not given */
	int scale_query;    /* eager: the 1/sqrt(d) scaling multiplies Q (T x q elements,
	                       OPT, CLIP) instead of the score matrix (GPT-2, BERT, Llama) */
	int head_copies;    /* eager: Q, K and V are copied contiguous per head before the
	                       scores bmm (Hugging Face CLIP/OWLv2 code's _shape: three
	                       copies a layer, as the OWLv2 trace shows) */
};

/* Activations sent along an edge (gradients flow back the same way). */
struct workload_edge {
	int from, to;              /* module indices */
	int64_t bytes_per_sample;  /* activation sent from->to per sample; from the spec's
	                              "bytes_per_sample" or from's output (seq x out width x dtype) */
};

#define WORKLOAD_MAX_WARNINGS 16

/* The optimizer a training script steps (workloads/optimizer.c says what
 * each launches).  The default is what PyTorch does by default on CUDA:
 * torch.optim.Adam with foreach=None (the foreach implementation), its
 * multi_tensor_apply launches with 32 KB kernel arguments (CUDA >= 12.1),
 * after torch.nn.utils.clip_grad_norm_ (foreach). */
enum workload_opt_kind { WORKLOAD_OPT_ADAM, WORKLOAD_OPT_ADAMW, WORKLOAD_OPT_SGD };
enum workload_opt_impl {
	WORKLOAD_OPT_FOREACH, /* torch._foreach_* ops over the parameter list */
	WORKLOAD_OPT_FORLOOP, /* foreach=False: a loop over the parameters */
	WORKLOAD_OPT_FUSED,   /* fused=True: one multi_tensor_apply kernel */
};
/* "adam", "adamw", "sgd" / "foreach", "for-loop", "fused" -> the enum; -1
 * for any other string. */
int workload_opt_kind_parse(const char *s);
int workload_opt_impl_parse(const char *s);
struct workload_optimizer {
	int kind;       /* enum workload_opt_kind */
	int impl;       /* enum workload_opt_impl */
	int momentum;   /* sgd: momentum != 0 (a momentum buffer) */
	int clip;       /* gradients clipped by their global norm first */
	int args_kb;    /* multi_tensor_apply's kernel-argument size: 4 or 32 */
};

struct workload {
	char name[64];
	char source[256];
	char path[512];            /* the file it was loaded from */
	int n_modules;
	struct workload_module *modules;
	int n_edges;
	struct workload_edge *edges;
	int batch;                 /* global samples per iteration */
	int microbatch;            /* samples per microbatch; batch % microbatch == 0 */
	int dtype;                 /* enum model_dtype of compute and weights */
	char gpu[64];              /* the cluster the spec suggests (may be overridden) */
	int gpus;
	int gpus_per_node;
	double nvlink_gbps;        /* per GPU per direction, inside a node; 0 = GPU's spec */
	double net_gbps;           /* per GPU per direction, between nodes */
	int host_issue;            /* enum model_host_issue: who issues the kernels (per-slot) */
	int launch_mode;           /* enum model_launch_mode (eager) */
	int host_cpu;              /* enum model_host_cpu: the host CPU's measured constants
	                              ("cpu" in the cluster; default MODEL_HOST_CPU_DEFAULT, 0) */
	struct workload_optimizer optimizer; /* "optimizer" in the spec */
	int64_t published_params;  /* "params" from the spec: the published total, or 0 */
	/* What a user of this spec should know although it loaded: a module
	 * built from a trace with several forward passes per step (only the
	 * first is kept), no backward kernels or no parameters.  One sentence
	 * each, naming the module; the harness prints them to stderr. */
	int n_warnings;
	char warnings[WORKLOAD_MAX_WARNINGS][256];
	/* Measured co-run slowdowns of module pairs (optional, set by the
	 * caller, e.g. `plan --matrix`; not owned, outlives the workload's
	 * planning): the planner uses them in place of its interference term
	 * for the pairs they give (planner.h, plan_estimate).  NULL when none. */
	const struct model_interference_matrix *matrix;
};

/*
 * Read and validate a spec.  *out is a heap object freed with workload_free()
 * (NULL-safe); on failure *out is NULL.  Trace modules load their trace here
 * (paths relative to the spec's directory).  Errors: -MO_EINPUT (bad spec or
 * missing file; the message names the file and JSON path), -MO_EIO,
 * -MO_ENOMEM.  Sizes are bounded so that no computed count overflows.
 */
int workload_load(const char *path, struct workload **out, struct mo_err *err);
/* The same from a JSON string; name is used in messages and as the base of
 * relative trace paths (its directory). */
int workload_load_string(const char *json, const char *name, struct workload **out,
			 struct mo_err *err);
void workload_free(struct workload *w);

/* Index of the module called name, -1 if none. */
int workload_module_index(const struct workload *w, const char *name);

/* batch / microbatch. */
int workload_microbatches(const struct workload *w);

/* Module indices in a topological order of the DAG (sources first, ties by
 * index); order must hold n_modules entries. */
void workload_topo_order(const struct workload *w, int *order);

enum workload_phase { WORKLOAD_FWD = 0, WORKLOAD_BWD = 1, WORKLOAD_OPT = 2 };
const char *workload_phase_name(int phase); /* "forward", "backward", "optimizer" */

/*
 * Append to out the kernel records of layers [layer_begin, layer_end) of
 * module m for ONE microbatch of `samples` samples on gpu, for phase
 * (WORKLOAD_OPT: the optimizer step of those layers' parameters, once per
 * iteration: gradient clipping and fused Adam; samples is ignored).
 *
 * Kernels outside the repeated blocks (embedding, patchify, position
 * embedding, final norm, output projection, LM head, loss) belong to layer 0
 * (the input side) or the last layer (the output side).
 *
 * Each record is a TRACE_KIND_KERNEL with name, kclass, grid, block,
 * registers and shared memory (model_op_launch), flops, bytes (DRAM traffic),
 * module = m, phase = phase, device 0, stream 0, partition/microbatch/step
 * -1.  Times: the kernels of one call are back to back from 0: the first
 * starts at 0 and each next one starts where the previous ended; end_ns -
 * start_ns is the predicted duration at the whole GPU (model_op_ns with
 * gpu->sms).  No module or phase definition records are added.
 *
 * A frozen module with no trainable module upstream has no backward kernels;
 * a frozen module has no weight-gradient GEMMs and no optimizer kernels.
 *
 * The shapes and kernel sequences (what runs, in which order, eager or
 * fused) are documented at the top of workloads/synth.c.
 *
 * Trace modules (arch WORKLOAD_ARCH_TRACE, layers = 1): the kernels of the
 * trace (.mtr or Kineto JSON) attributed to trace_module in the given phase
 * (PHASE records named
 * "forward"/"backward"/"optimizer", case-insensitive prefixes "fw"/"bw"/"opt"
 * accepted), of the first microbatch and step seen; durations are the
 * recorded ones (measured on the trace's GPU, whatever gpu is), scaled to
 * samples / trace_samples by each kernel's recorded launch (its waves on the
 * trace's GPU; linearly when the launch is not recorded, see
 * workloads/from-trace.c); optimizer kernels are kept as they are.
 *
 * Deterministic.  Returns 0, or a negative status with err filled.
 */
int workload_kernels(const struct workload *w, int m, int layer_begin, int layer_end, int phase,
		     int samples, const struct model_gpu *gpu, struct trace_mem *out,
		     struct mo_err *err);

/*
 * Memory of layers [lb, le) of module m, in bytes: parameters (dtype), weight
 * gradients (dtype; 0 when frozen), optimizer state (Adam m and v in fp32,
 * plus fp32 master weights when dtype is 16-bit; 0 when frozen), and the
 * activations kept for backward per sample (an estimate from the tensors
 * each op saves; 0 when the module runs no backward).  Trace modules: the
 * parameters are the spec's "params" (0 when not given) and activations are
 * unknown (0).
 */
struct workload_memory {
	int64_t params, grads, optimizer, act_per_sample;
};
void workload_memory(const struct workload *w, int m, int layer_begin, int layer_end,
		     struct workload_memory *out);

/* ---- end of the core contract ---- */

/* Parameter count of layers [lb, le) of module m (layer 0 / last layer carry
 * the embeddings and heads, as in workload_kernels). */
int64_t workload_params(const struct workload *w, int m, int layer_begin, int layer_end);

/* FLOPs of layers [lb, le) of module m for one sample in phase (computed from
 * the sizes, the same numbers the synthesised kernels carry; OPT is per
 * iteration).  Trace modules: the recorded kernels' flops where known. */
int64_t workload_flops(const struct workload *w, int m, int layer_begin, int layer_end, int phase);

/* Predicted time (ns, whole GPU, kernels back to back) of what
 * workload_kernels() returns for the same arguments: the sum of its kernels'
 * durations.  Trace modules give their (scaled) measured durations. */
int workload_predict_ns(const struct workload *w, int m, int layer_begin, int layer_end,
			int phase, int samples, const struct model_gpu *gpu, int64_t *ns,
			struct mo_err *err);

/*
 * One training iteration of the whole workload on ONE GPU, as a simulated
 * trace sent to sink: the header (producer "mosaic synth", source simulated,
 * origin the workload's name, gpu's facts, quota 0), one device, one stream,
 * a MODULE record per module (id = module index), PHASE records 0 forward,
 * 1 backward, 2 optimizer, then the kernels: for each microbatch (numbered
 * from 0) the forward of every module in topological order and the backward
 * in reverse order, then the optimizer step of every module; all back to
 * back on stream 0 from time 0, step 0.  Times are predictions
 * (workload_kernels at the whole GPU).  st (may be NULL) gets the totals.
 */
struct workload_synth_stats {
	int64_t iter_ns, fwd_ns, bwd_ns, opt_ns; /* predicted */
	int64_t kernels;
	int64_t flops;                           /* all kernels' FLOPs */
	int microbatches;
	/* the optimizer step: kernels, their GPU time (predicted, without
	 * the waits), and the CPU time its host thread spends launching them
	 * (0 without a host) */
	int64_t opt_kernels, opt_busy_ns, opt_host_ns;
};
int workload_synth_iteration(const struct workload *w, const struct model_gpu *gpu,
			     const struct trace_sink *sink, struct workload_synth_stats *st,
			     struct mo_err *err);
/*
 * The same, launched by one host thread (host NULL: the above): a THREAD
 * record (id 0) after the stream, and before each kernel the API call that
 * launched it (model_host_call, same correlation); the thread spends
 * workload_host_kernel_ns per kernel (under graphs, one graph launch before
 * each module's phase of a microbatch) and a kernel starts at the later of
 * its launch and the previous kernel's end.  The launch queue's depth is
 * not applied (the simulator's is).  The times in st include the waits.
 */
int workload_synth_iteration_host(const struct workload *w, const struct model_gpu *gpu,
				  const struct model_host *host, const struct trace_sink *sink,
				  struct workload_synth_stats *st, struct mo_err *err);

/*
 * The CPU time a kernel of module m in phase costs its host thread under
 * host's launch mode (0 under graphs).  A forward kernel of a module written
 * as Hugging Face eager code ("impl": "pytorch") of an architecture whose
 * CPU activity was counted in a measured trace (vit, encoder, decoder, and
 * CLIP's vit and encoder towers, whose attention copies heads;
 * workloads/host-inventory.c: launches, ATen CPU operators and Python calls
 * per layer and outside the layers) costs that activity's
 * model_host_activity_ns averaged over the module's forward kernels.  A
 * backward kernel of any module costs one launch and
 * MODEL_HOST_BWD_OPS_PER_LAUNCH CPU operators, no Python (autograd's C++
 * thread; counted in measured training traces, model.h).  An optimizer
 * kernel of a sized module costs workload_host_opt_ns of the whole module
 * over its optimizer kernels.  Any other kernel (other forwards, trace
 * modules' optimizers) costs model_host_kernel_ns(host, kclass).
 */
int64_t workload_host_kernel_ns(const struct workload *w, int m, int phase,
				const struct model_host *h, int kclass);
/*
 * The CPU time of synthesised kernel k, the one rule every caller uses (the
 * simulator, the planner's cost, `mosaic synth`, validate's named models):
 * a kernel a library launches inside another kernel's call (cuDNN's layout
 * transposes, named "cudnn:", workloads/synth.c) costs its cudaLaunchKernel
 * call, MODEL_HOST_CALL_NS (4.5 us, the measured median call; 0 under
 * graphs): no PyTorch operator or Python dispatches it, the library calls
 * cudaLaunchKernel inside the convolution's call.  An assumption, stated:
 * no trace here separates the library's own CPU work around that call.
 * Any other kernel costs workload_host_kernel_ns(w, m, phase, h, k->kclass).
 */
int64_t workload_host_record_ns(const struct workload *w, int m, int phase,
				const struct model_host *h, const struct trace_kernel *k);
/*
 * What workload_host_kernel_ns gives each optimizer kernel of module m: the
 * module's workload_host_opt_ns over its optimizer kernels (0 under graphs);
 * -1 for a trace module or a module without them.  It walks every parameter
 * tensor: callers that launch many kernels ask once per module.
 */
int64_t workload_host_opt_kernel_ns(const struct workload *w, int m, const struct model_host *h);
/*
 * The CPU time of the optimizer step over layers [lb, le) of module m (a
 * sized module; -1 for a trace module, whose kernels cost
 * workload_host_kernel_ns each): the activity workloads/optimizer.c counts
 * (launches, ATen operators, Python calls) at host's eager constants; 0
 * under graphs or for a frozen module.  It adds up over layer slices but for
 * a launch per op and slice (the planner times layer by layer).
 */
int64_t workload_host_opt_ns(const struct workload *w, int m, int lb, int le,
			     const struct model_host *h);

/* Names of the enumerations (for printing and the spec reader). */
const char *workload_kind_name(int kind);
const char *workload_arch_name(int arch);

/* ---- workloads from recorded traces (mosaic workload from-trace) ---- */

/*
 * Finding the modules of a model in recorded traces (workloads/discover.c
 * has the rules and why).  Each trace (an .mtr, or a Kineto / Chrome JSON)
 * gives modules:
 *  - Kineto JSON with nn.Module events: the nn.Module tree (imported at
 *    depths 0..WORKLOAD_DISCOVER_MAX_DEPTH-1) is cut where the model stops
 *    being a wrapper: the root and Hugging Face style "...Model" wrappers are
 *    split into their children unless their children are a layer stack (two
 *    or more instances of one class holding at least half their time);
 *    module_depth >= 0 takes the nn.Modules of that level instead;
 *  - an .mtr: its MODULE records (nn.Modules, `mosaic:module=` NVTX ranges);
 *  - kernels without a module whose phase is a record_function name
 *    "phase:name" ("## forward:bottom_mlp ##"): the module "name".
 * Modules with less than WORKLOAD_DISCOVER_MIN_SHARE_PCT of the kept kernel
 * time and less than WORKLOAD_DISCOVER_MIN_KERNELS_PCT of the kernels are merged into the module that runs before them (the first one into
 * the next).  Of each trace, one step and one microbatch are kept: those of
 * the first forward kernel with a module.  Kernels with no module or no
 * phase (warm-up steps whose host side the profiler dropped) are counted and
 * left out.
 */
#define WORKLOAD_DISCOVER_MAX_DEPTH 5 /* nn.Module levels looked at (the four H100 traces need 3) */
#define WORKLOAD_DISCOVER_MIN_SHARE_PCT 2.0   /* our choice: below a plan's resolution */
#define WORKLOAD_DISCOVER_MIN_KERNELS_PCT 10.0 /* our choice: see discover.c */
#define WORKLOAD_DISCOVER_MAX 64 /* modules found in all traces together */

struct workload_discover_opts {
	int module_depth; /* -1: the automatic cut above; >= 0: that nn.Module level */
};

struct workload_found {
	char name[64];      /* the trace's name of the module */
	int trace;          /* index of the trace it came from */
	int kind;           /* enum workload_kind: the longest module is the backbone,
	                       those before it encoders, after it decoders */
	int merged;         /* smaller modules merged into it */
	int64_t kernels[3]; /* kept kernels per phase (WORKLOAD_FWD, _BWD, _OPT) */
	int64_t ns[3];      /* their measured (or simulated) time, summed */
	int64_t params;     /* parameters; 0 unknown */
	int params_estimated; /* params estimated from optimizer kernels (see discover.c) */
};

struct workload_discovery {
	/* What a spec's trace modules read: the first trace's header, its
	 * DEVICE and STREAM records (and the others' that differ), a MODULE
	 * record per found module (id = index), PHASE 0 forward, 1 backward, 2
	 * optimizer, then the kept kernels with module and phase rewritten,
	 * step 0 and microbatch 0, kclass set by model_classify when unknown;
	 * the kernels of trace i follow those of trace i-1 in time. */
	struct trace_mem trace;
	int n_modules;
	struct workload_found modules[WORKLOAD_DISCOVER_MAX];
	int dtype;          /* enum model_dtype, from the GEMM kernels' names (bf16 when none say) */
	char gpu[32];       /* the first trace's GPU, model_gpu_for_header's short name; "" unknown */
	int64_t kernels, kernel_ns;           /* all kernels of the traces */
	int64_t unattributed, unattributed_ns; /* of them, without a module or a phase */
	int64_t other_steps;                  /* with a module and phase, of other steps or microbatches */
	int steps;                            /* distinct steps seen in the traces (at most 1000 counted) */
	int n_warnings;
	char warnings[WORKLOAD_MAX_WARNINGS][256];
};

/*
 * Find the modules of paths[0..n) into *d (caller-owned; released with
 * workload_discovery_release, also after a failure).  Deterministic.
 * Errors: -MO_EINPUT (unreadable trace, no module with forward kernels;
 * the message names the file), -MO_EIO, -MO_ENOMEM.
 */
int workload_discover(const char *const *paths, int n, const struct workload_discover_opts *o,
		      struct workload_discovery *d, struct mo_err *err);
void workload_discovery_release(struct workload_discovery *d);

/*
 * The spec of a discovery (a JSON text in *json, malloc'ed, caller frees):
 * name, source, batch, microbatch = samples (the microbatch the traces were
 * recorded at), dtype, cluster {gpu, gpus}, one trace module per found
 * module (trace = trace_ref, trace_module, trace_samples = samples, params
 * when known, source saying where each figure comes from), and edges chaining
 * the modules in the order they first run (the order, not measured data
 * flow: a trace records no tensors).  Returns 0 or -MO_EINPUT / -MO_ENOMEM.
 */
int workload_discovery_spec(const struct workload_discovery *d, const char *name,
			    const char *trace_ref, int samples, int batch, int gpus, char **json,
			    struct mo_err *err);

#endif
