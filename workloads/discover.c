/*
 * discover.c - the modules of a model found in recorded traces (what
 * `mosaic workload from-trace` writes a spec from).
 *
 * The nn.Module tree.  The importer names a kernel's module at one level of
 * the nn.Module nesting (module_depth; a kernel outside any module of that
 * level keeps the deepest one above it).  Importing at levels 0, 1, 2, ...
 * gives each kernel its path from the root model down; the levels stop when
 * one adds no name (or at WORKLOAD_DISCOVER_MAX_DEPTH).  Repeated names on a
 * path are dropped, so a name is a node and the name before it its parent.
 *
 * The cut.  A node is split into its children when it has children, it is
 * a root or a wrapper, and it is not a layer stack:
 *  - a wrapper is a class whose name ends in "Model" (Hugging Face names
 *    the models that compose sub-models so: Owlv2Model holds the vision and
 *    text transformers, BertModel the embeddings and the encoder);
 *  - a layer stack has two or more children of one class (the name without
 *    its "_<n>" instance suffix) holding at least half of its kernel time:
 *    Qwen2Model's 24 Qwen2DecoderLayers make it one module, a backbone.
 * A kernel's module is the first node on its path that is not split (a
 * split node's own kernels, outside its children, form a module of it).
 * On the four H100 TraceLens traces this gives: OWLv2 vision and text
 * transformers (the detection heads merged), BERT-small's embeddings,
 * encoder and LM head, ViT-B's embeddings and encoder, Qwen's Qwen2Model.
 *
 * Merging.  A module holding less than WORKLOAD_DISCOVER_MIN_SHARE_PCT of its
 * trace's kept kernel time and less than WORKLOAD_DISCOVER_MIN_KERNELS_PCT of
 * its kernels (a pooler, a final norm, a mask computed between two modules)
 * is not worth a place of its own in a plan: it joins the module that ran
 * before it (the first module: the one after it).  The kernel count keeps
 * modules of many small kernels: in eager PyTorch their host cost, not their
 * GPU time, is what they weigh (OWLv2's text transformer: 0.9% of the time,
 * 35% of the kernels).
 *
 * Parameters.  A trace records no tensors; what it can tell is the optimizer
 * step's kernels: PyTorch's multi_tensor_apply kernels (foreach and fused
 * Adam, SGD) give each block one chunk of 65536 elements (kChunkSize in
 * ATen's MultiTensorApply.cuh), and each kind of kernel walks every
 * parameter once, so the kind with the most blocks times 65536 bounds the
 * parameter count from above (by less than one chunk per tensor).  Optimizer
 * kernels of a module count for it; those of no module (PyTorch runs
 * optimizer.step outside the modules) are shared among the modules in
 * proportion to their backward time (their forward time without backward).
 * Estimates are marked so; traces without an optimizer step give none.
 */
#include "workloads/workloads-internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_ELEMS 65536 /* ATen MultiTensorApply.cuh kChunkSize */

struct names {
	char **s;
	int n;
	size_t cap;
};

static void names_free(struct names *nm)
{
	for (int i = 0; i < nm->n; i++)
		free(nm->s[i]);
	free(nm->s);
	memset(nm, 0, sizeof *nm);
}

/* The id of s (added when new); -1 when out of memory. */
static int name_id(struct names *nm, const char *s)
{
	for (int i = 0; i < nm->n; i++)
		if (!strcmp(nm->s[i], s))
			return i;
	if (MO_GROW(nm->s, (size_t)nm->n + 1, nm->cap) < 0)
		return -1;
	if (!(nm->s[nm->n] = strdup(s)))
		return -1;
	return nm->n++;
}

/* One trace being taken apart. */
struct one {
	const char *path;
	struct trace_mem base;      /* the first import: every record */
	size_t nk;                  /* kernels */
	size_t *kidx;               /* their indices in base */
	int (*path_ids)[WORKLOAD_DISCOVER_MAX_DEPTH]; /* name ids, root first */
	int *plen;
	int *phase;                 /* enum workload_phase or -1 */
	struct names names;
	int *parent, *split;        /* per name id */
	int64_t *ns;                /* kernel time under each name */
	int *module;                /* per kernel: its node (name id), -1 none */
};

static void one_release(struct one *o)
{
	trace_mem_release(&o->base);
	free(o->kidx), free(o->path_ids), free(o->plen), free(o->phase);
	free(o->parent), free(o->split), free(o->ns), free(o->module);
	names_free(&o->names);
}

static int is_json(const char *path)
{
	unsigned char b[16];
	FILE *f;
	size_t n = 0;

	if (mo_open_regular(path, &f, NULL) == 0) {
		n = fread(b, 1, sizeof b, f);
		fclose(f);
	}
	return !trace_is_mtr(b, n); /* one that cannot be opened: the import says why */
}

static int import_at(const char *path, int json, int depth, struct trace_mem *t, struct mo_err *err)
{
	struct trace_import_opts o;
	struct trace_sink sink;

	trace_mem_init(t);
	if (!json)
		return trace_mem_load(t, path, err);
	trace_import_opts_init(&o);
	o.module_depth = depth;
	o.host_records = 0;
	sink = trace_sink_mem(t);
	return trace_import_kineto_opts(path, &o, &sink, NULL, err);
}

/* The MODULE and PHASE definitions of a trace, for lookups by id. */
struct defs {
	const struct trace_record **r;
	size_t n;
};

static int defs_init(struct defs *d, const struct trace_mem *t)
{
	d->n = 0;
	d->r = malloc((t->n + 1) * sizeof *d->r);
	if (!d->r)
		return -1;
	for (size_t i = 0; i < t->n; i++)
		if (t->recs[i].kind == TRACE_KIND_MODULE || t->recs[i].kind == TRACE_KIND_PHASE)
			d->r[d->n++] = &t->recs[i];
	return 0;
}

/* The name of module (kind MODULE) or phase (PHASE) id, NULL if none. */
static const char *def_name(const struct defs *d, enum trace_kind kind, int64_t id)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct trace_record *r = d->r[i];
		if (r->kind == kind && kind == TRACE_KIND_MODULE && r->u.module.id == id)
			return r->u.module.name;
		if (r->kind == kind && kind == TRACE_KIND_PHASE && r->u.phase.id == id)
			return r->u.phase.name;
	}
	return NULL;
}

/* Append t's module names of o's kernels to their paths (a name equal to
 * the path's last is the same node); returns how many paths grew, or -1
 * when out of memory. */
static int64_t add_level(struct one *o, const struct trace_mem *t)
{
	struct defs d;
	int64_t grew = 0;
	size_t k = 0;

	if (defs_init(&d, t) < 0)
		return -1;
	for (size_t i = 0; i < t->n && k < o->nk; i++) {
		const struct trace_kernel *kr = &t->recs[i].u.kernel;
		const char *nm;
		int id, *len = &o->plen[k];

		if (t->recs[i].kind != TRACE_KIND_KERNEL)
			continue;
		nm = kr->module >= 0 ? def_name(&d, TRACE_KIND_MODULE, kr->module) : NULL;
		if (!nm && kr->phase >= 0) {
			/* a record_function "phase:name" names a module */
			const char *ph = def_name(&d, TRACE_KIND_PHASE, kr->phase);
			nm = ph && strchr(ph, ':') ? strchr(ph, ':') + 1 : NULL;
		}
		k++;
		if (!nm)
			continue;
		if ((id = name_id(&o->names, nm)) < 0) {
			grew = -1;
			break;
		}
		if ((!*len || o->path_ids[k - 1][*len - 1] != id) && *len < WORKLOAD_DISCOVER_MAX_DEPTH)
			o->path_ids[k - 1][(*len)++] = id, grew++;
	}
	free(d.r);
	return grew;
}

static int64_t dur(const struct trace_kernel *k)
{
	return k->end_ns > k->start_ns ? k->end_ns - k->start_ns : 0;
}

/* Class of an instance name: without its "_<n>" suffix; its length. */
static size_t class_len(const char *s)
{
	size_t n = strlen(s), i = n;

	while (i > 0 && s[i - 1] >= '0' && s[i - 1] <= '9')
		i--;
	return i < n && i > 0 && s[i - 1] == '_' ? i - 1 : n;
}

static int is_wrapper(const char *s)
{
	size_t n = class_len(s);
	return n >= 5 && !strncmp(s + n - 5, "Model", 5);
}

/* Do two or more children of node x of one class hold half its time? */
static int is_stack(const struct one *o, int x)
{
	for (int a = 0; a < o->names.n; a++) {
		int64_t t = 0;
		int count = 0;
		size_t la = class_len(o->names.s[a]);

		if (o->parent[a] != x)
			continue;
		for (int b = 0; b < o->names.n; b++)
			if (o->parent[b] == x && class_len(o->names.s[b]) == la &&
			    !strncmp(o->names.s[a], o->names.s[b], la))
				t += o->ns[b], count++;
		if (count >= 2 && 2 * t >= o->ns[x])
			return 1;
	}
	return 0;
}

/* Parents, times and the cut (see the top of the file); then each kernel's module. */
static int cut_tree(struct one *o, int fixed)
{
	int n = o->names.n;

	o->parent = malloc(((size_t)n + 1) * sizeof *o->parent);
	o->split = calloc((size_t)n + 1, sizeof *o->split);
	o->ns = calloc((size_t)n + 1, sizeof *o->ns);
	o->module = malloc((o->nk + 1) * sizeof *o->module);
	if (!o->parent || !o->split || !o->ns || !o->module)
		return -1;
	for (int i = 0; i < n; i++)
		o->parent[i] = -2; /* unseen */
	for (size_t k = 0; k < o->nk; k++)
		for (int l = 0; l < o->plen[k]; l++) {
			int id = o->path_ids[k][l];
			o->parent[id] = l ? o->path_ids[k][l - 1] : -1;
			o->ns[id] += dur(&o->base.recs[o->kidx[k]].u.kernel);
		}
	for (int x = 0; x < n && !fixed; x++) {
		int children = 0;
		for (int c = 0; c < n; c++)
			children += o->parent[c] == x;
		o->split[x] = children && (o->parent[x] == -1 || is_wrapper(o->names.s[x])) &&
			      !is_stack(o, x);
	}
	for (size_t k = 0; k < o->nk; k++) {
		int l = 0;
		while (l < o->plen[k] - 1 && o->split[o->path_ids[k][l]])
			l++;
		o->module[k] = o->plen[k] && o->phase[k] >= 0 ? o->path_ids[k][l] : -1;
	}
	return 0;
}

static int load_one(struct one *o, const char *path, int depth, struct mo_err *err)
{
	int json = is_json(path), rc;
	int64_t grew = 1;

	o->path = path;
	if ((rc = import_at(path, json, depth < 0 ? 0 : depth, &o->base, err)) < 0)
		return rc;
	for (size_t i = 0; i < o->base.n; i++)
		o->nk += o->base.recs[i].kind == TRACE_KIND_KERNEL;
	o->kidx = malloc((o->nk + 1) * sizeof *o->kidx);
	o->path_ids = calloc(o->nk + 1, sizeof *o->path_ids);
	o->plen = calloc(o->nk + 1, sizeof *o->plen);
	o->phase = malloc((o->nk + 1) * sizeof *o->phase);
	if (!o->kidx || !o->path_ids || !o->plen || !o->phase)
		return mo_err_set(err, MO_ENOMEM, "out of memory");
	{
		struct defs d;
		size_t k = 0;
		if (defs_init(&d, &o->base) < 0)
			return mo_err_set(err, MO_ENOMEM, "out of memory");
		for (size_t i = 0; i < o->base.n; i++) {
			const struct trace_kernel *kr = &o->base.recs[i].u.kernel;
			const char *ph;
			if (o->base.recs[i].kind != TRACE_KIND_KERNEL)
				continue;
			ph = kr->phase >= 0 ? def_name(&d, TRACE_KIND_PHASE, kr->phase) : NULL;
			o->phase[k] = ph ? wl_phase_of(ph) : -1;
			o->kidx[k++] = i;
		}
		free(d.r);
	}
	grew = add_level(o, &o->base);
	for (int lv = 1; json && depth < 0 && grew > 0 && lv < WORKLOAD_DISCOVER_MAX_DEPTH; lv++) {
		struct trace_mem t;
		if ((rc = import_at(path, json, lv, &t, err)) < 0)
			return rc;
		grew = add_level(o, &t);
		trace_mem_release(&t);
	}
	if (grew < 0 || cut_tree(o, depth >= 0) < 0)
		return mo_err_set(err, MO_ENOMEM, "out of memory");
	return 0;
}

static void dwarn(struct workload_discovery *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void dwarn(struct workload_discovery *d, const char *fmt, ...)
{
	va_list ap;

	if (d->n_warnings >= WORKLOAD_MAX_WARNINGS)
		return;
	va_start(ap, fmt);
	vsnprintf(d->warnings[d->n_warnings++], sizeof d->warnings[0], fmt, ap);
	va_end(ap);
}

/* Follow merges: the node whose module node x now belongs to. */
static int rep_of(const int *rep, int x)
{
	while (rep[x] != x)
		x = rep[x];
	return x;
}

/* Is module j small: below the minimum share of the time and of the kernels? */
static int small(const int64_t *ns, const int64_t *nk, int j, int64_t total, int64_t kernels)
{
	return (double)ns[j] * 100.0 < WORKLOAD_DISCOVER_MIN_SHARE_PCT * (double)total &&
	       (double)nk[j] * 100.0 < WORKLOAD_DISCOVER_MIN_KERNELS_PCT * (double)kernels;
}

/* Merge the small modules into their neighbours in order of first
 * appearance (ord[0..*n), with times ns and kernel counts nk); rep maps each
 * node to its representative; merged[j] counts modules merged into ord[j]. */
static void merge_small(int *ord, int64_t *ns, int64_t *nk, int *merged, int *n, int *rep)
{
	int64_t total = 0, kernels = 0;

	for (int j = 0; j < *n; j++)
		total += ns[j], kernels += nk[j];
	while (*n > 1) {
		int s = -1, t;
		for (int j = 0; j < *n; j++)
			if (small(ns, nk, j, total, kernels) && (s < 0 || ns[j] < ns[s]))
				s = j;
		if (s < 0)
			break;
		t = s > 0 ? s - 1 : 1;
		ns[t] += ns[s], nk[t] += nk[s], merged[t] += merged[s] + 1;
		rep[ord[s]] = ord[t];
		memmove(&ord[s], &ord[s + 1], (size_t)(*n - s - 1) * sizeof *ord);
		memmove(&ns[s], &ns[s + 1], (size_t)(*n - s - 1) * sizeof *ns);
		memmove(&nk[s], &nk[s + 1], (size_t)(*n - s - 1) * sizeof *nk);
		memmove(&merged[s], &merged[s + 1], (size_t)(*n - s - 1) * sizeof *merged);
		(*n)--;
	}
}

/* Is kernel k of o kept (its module, the chosen step and microbatch)? */
static int kept(const struct one *o, size_t k, int64_t step, int64_t mb)
{
	const struct trace_kernel *kr = &o->base.recs[o->kidx[k]].u.kernel;
	return o->module[k] >= 0 && kr->step == step && kr->microbatch == mb;
}

static int found_index(const struct workload_discovery *d, const char *name)
{
	for (int i = 0; i < d->n_modules; i++)
		if (!strcmp(d->modules[i].name, name))
			return i;
	return -1;
}

/* Count o's kernels into d's totals; the steps seen go to steps[0..*ns). */
static void count_kernels(struct workload_discovery *d, const struct one *o, int64_t step,
			  int64_t mb, int64_t *steps, int *nsteps)
{
	for (size_t k = 0; k < o->nk; k++) {
		const struct trace_kernel *kr = &o->base.recs[o->kidx[k]].u.kernel;
		int s = 0;

		d->kernels++, d->kernel_ns += dur(kr);
		if (o->module[k] < 0)
			d->unattributed++, d->unattributed_ns += dur(kr);
		else if (!kept(o, k, step, mb))
			d->other_steps++;
		while (s < *nsteps && steps[s] != kr->step)
			s++;
		if (s == *nsteps && *nsteps < 1000)
			steps[(*nsteps)++] = kr->step;
	}
}

/* Elements the optimizer kernels of o's step owned by found module `owner`
 * (-1: of no module) walk: the most blocks of one kernel name times
 * CHUNK_ELEMS (see the top of the file); 0 when there are none. */
static int64_t opt_elems(const struct one *o, int64_t step, const int *rep, const int *fidx,
			 int owner)
{
	int64_t best = 0;

	for (size_t a = 0; a < o->nk; a++) {
		const struct trace_kernel *ka = &o->base.recs[o->kidx[a]].u.kernel;
		int64_t blocks = 0;

		if (o->phase[a] != WORKLOAD_OPT || ka->step != step || !ka->name ||
		    !strstr(ka->name, "multi_tensor_apply"))
			continue;
		for (size_t b = a; b < o->nk; b++) {
			const struct trace_kernel *kb = &o->base.recs[o->kidx[b]].u.kernel;
			int own = o->module[b] < 0 ? -1 : fidx[rep_of(rep, o->module[b])];
			if (o->phase[b] == WORKLOAD_OPT && kb->step == step && own == owner &&
			    kb->name && !strcmp(kb->name, ka->name))
				blocks += model_kernel_blocks(kb);
		}
		if (blocks * CHUNK_ELEMS > best)
			best = blocks * CHUNK_ELEMS;
	}
	return best;
}

/* Parameters of the modules found in o (indices base..), estimated from the
 * optimizer step's kernels (see the top of the file). */
static void estimate_params(struct workload_discovery *d, const struct one *o, int64_t step,
			    const int *rep, const int *fidx, int base)
{
	int64_t shared = opt_elems(o, step, rep, fidx, -1), weight = 0;

	for (int i = base; i < d->n_modules; i++) {
		const struct workload_found *f = &d->modules[i];
		weight += f->ns[WORKLOAD_BWD] ? f->ns[WORKLOAD_BWD] : f->ns[WORKLOAD_FWD];
	}
	for (int i = base; i < d->n_modules; i++) {
		struct workload_found *f = &d->modules[i];
		int64_t w = f->ns[WORKLOAD_BWD] ? f->ns[WORKLOAD_BWD] : f->ns[WORKLOAD_FWD];
		f->params = opt_elems(o, step, rep, fidx, i);
		if (shared && weight > 0)
			f->params += (int64_t)((double)shared * (double)w / (double)weight + 0.5);
		f->params_estimated = f->params > 0;
	}
}

/* The found modules of trace ti (o): their names and kept kernels, which go
 * to kern with module = the found index, phase canonical, times after *t0. */
static int take_modules(struct workload_discovery *d, const struct one *o, int ti,
			struct trace_mem *kern, int64_t *t0, int64_t *steps, int *nsteps,
			struct mo_err *err)
{
	int n = o->names.n, count = 0, base = d->n_modules, rc = 0;
	int *rep = malloc(((size_t)n + 1) * 3 * sizeof *rep), *ord = rep + n + 1, *fidx = ord + n + 1;
	int64_t *ns = calloc(2 * ((size_t)n + 1), sizeof *ns), *nk = ns + n + 1;
	int64_t step, mb, shift = 0, end = *t0;
	int merged[WORKLOAD_DISCOVER_MAX + 1] = {0};
	size_t first = 0;

	while (first < o->nk && (o->module[first] < 0 || o->phase[first] != WORKLOAD_FWD))
		first++;
	if (!rep || !ns) {
		rc = mo_err_set(err, MO_ENOMEM, "out of memory");
		goto out;
	}
	if (first == o->nk) {
		rc = mo_err_set(err, MO_EINPUT, "trace '%s': no forward kernel with a module "
				"(nn.Module events, `mosaic:module=` NVTX ranges or \"phase:name\" "
				"record_function names)", o->path);
		goto out;
	}
	step = o->base.recs[o->kidx[first]].u.kernel.step;
	mb = o->base.recs[o->kidx[first]].u.kernel.microbatch;
	count_kernels(d, o, step, mb, steps, nsteps);
	for (int x = 0; x < n; x++)
		rep[x] = x, fidx[x] = -1;
	for (size_t k = 0; k < o->nk; k++) {
		int j = 0;
		if (!kept(o, k, step, mb))
			continue;
		while (j < count && ord[j] != o->module[k])
			j++;
		if (j == count)
			ord[count++] = o->module[k];
		ns[j] += dur(&o->base.recs[o->kidx[k]].u.kernel), nk[j]++;
	}
	merge_small(ord, ns, nk, merged, &count, rep);
	if (base + count > WORKLOAD_DISCOVER_MAX) {
		rc = mo_err_set(err, MO_EINPUT, "trace '%s': more than %d modules", o->path,
				WORKLOAD_DISCOVER_MAX);
		goto out;
	}
	for (int j = 0; j < count; j++) {
		struct workload_found *f = &d->modules[base + j];
		memset(f, 0, sizeof *f);
		snprintf(f->name, sizeof f->name, "%s", o->names.s[ord[j]]);
		if (found_index(d, f->name) >= 0)
			snprintf(f->name, sizeof f->name, "%.54s_t%d", o->names.s[ord[j]], ti % 1000);
		f->trace = ti, f->merged = merged[j];
		fidx[ord[j]] = base + j;
		d->n_modules++;
	}
	for (size_t k = 0; k < o->nk && rc == 0; k++) {
		struct trace_record r;
		struct workload_found *f;

		if (!kept(o, k, step, mb))
			continue;
		r = o->base.recs[o->kidx[k]];
		if (!shift)
			shift = *t0 - r.u.kernel.start_ns + (*t0 ? 1000 : 0);
		f = &d->modules[fidx[rep_of(rep, o->module[k])]];
		r.u.kernel.module = f - d->modules;
		r.u.kernel.phase = o->phase[k];
		r.u.kernel.step = 0, r.u.kernel.microbatch = 0;
		r.u.kernel.start_ns += shift, r.u.kernel.end_ns += shift;
		if (r.u.kernel.kclass < 0)
			r.u.kernel.kclass = model_classify(&r.u.kernel);
		f->kernels[o->phase[k]]++, f->ns[o->phase[k]] += dur(&r.u.kernel);
		if (r.u.kernel.end_ns > end)
			end = r.u.kernel.end_ns;
		rc = trace_mem_add(kern, &r, err);
	}
	*t0 = end;
	if (rc == 0)
		estimate_params(d, o, step, rep, fidx, base);
out:
	free(rep);
	free(ns);
	return rc;
}

/* The kernels' dtype, from the names of the GEMMs (cuBLAS and CUTLASS name
 * theirs "..._bf16_...", "...f16..."); bf16 when none says. */
static int guess_dtype(const struct trace_mem *t)
{
	int f16 = 0, f32 = 0;

	for (size_t i = 0; i < t->n; i++) {
		const struct trace_kernel *k = &t->recs[i].u.kernel;
		if (t->recs[i].kind != TRACE_KIND_KERNEL || k->kclass != TRACE_CLASS_GEMM || !k->name)
			continue;
		if (strstr(k->name, "bf16") || strstr(k->name, "BFloat16"))
			return MODEL_BF16;
		if (strstr(k->name, "f16") || strstr(k->name, "Half"))
			f16 = 1;
		else
			f32 = 1;
	}
	return f16 ? MODEL_FP16 : f32 ? MODEL_FP32 : MODEL_BF16;
}

/* d->trace: the header, devices, streams, modules, phases, then kern. */
static int assemble(struct workload_discovery *d, const struct one *ones, int n,
		    const struct trace_mem *kern, struct mo_err *err)
{
	static const char *const phases[3] = {"forward", "backward", "optimizer"};
	struct trace_header h = ones[0].base.header;
	struct trace_record r;
	int rc;

	h.producer = "mosaic workload from-trace";
	h.origin = ones[0].path;
	if ((rc = trace_mem_set_header(&d->trace, &h, err)) < 0)
		return rc;
	for (int i = 0; i < n; i++)
		for (size_t j = 0; j < ones[i].base.n; j++) {
			const struct trace_record *s = &ones[i].base.recs[j];
			int dup = 0;
			if (s->kind != TRACE_KIND_DEVICE && s->kind != TRACE_KIND_STREAM)
				continue;
			for (size_t e = 0; e < d->trace.n && !dup; e++) {
				const struct trace_record *x = &d->trace.recs[e];
				dup = x->kind == s->kind &&
				      (s->kind == TRACE_KIND_DEVICE ? x->u.device.id == s->u.device.id
				       : x->u.stream.device == s->u.stream.device &&
						x->u.stream.id == s->u.stream.id);
			}
			if (!dup && (rc = trace_mem_add(&d->trace, s, err)) < 0)
				return rc;
		}
	for (int m = 0; m < d->n_modules; m++) {
		trace_record_init(&r, TRACE_KIND_MODULE);
		r.u.module.id = m, r.u.module.name = d->modules[m].name;
		if ((rc = trace_mem_add(&d->trace, &r, err)) < 0)
			return rc;
	}
	for (int p = 0; p < 3; p++) {
		trace_record_init(&r, TRACE_KIND_PHASE);
		r.u.phase.id = p, r.u.phase.name = phases[p];
		if ((rc = trace_mem_add(&d->trace, &r, err)) < 0)
			return rc;
	}
	for (size_t i = 0; i < kern->n; i++)
		if ((rc = trace_mem_add(&d->trace, &kern->recs[i], err)) < 0)
			return rc;
	return 0;
}

/* Kinds by position around the longest module; the warnings. */
static void describe(struct workload_discovery *d, int steps)
{
	int big = 0;
	int64_t t[WORKLOAD_DISCOVER_MAX];

	for (int m = 0; m < d->n_modules; m++) {
		const struct workload_found *f = &d->modules[m];
		t[m] = f->ns[0] + f->ns[1] + f->ns[2];
		if (t[m] > t[big])
			big = m;
	}
	for (int m = 0; m < d->n_modules; m++)
		d->modules[m].kind = m < big ? WORKLOAD_KIND_ENCODER
				     : m == big ? WORKLOAD_KIND_BACKBONE : WORKLOAD_KIND_DECODER;
	if (d->unattributed)
		dwarn(d, "%lld of %lld kernels (%.1f%% of the kernel time) have no module or no "
		      "phase (warm-up steps whose host side the profiler dropped, kernels outside "
		      "every module): left out", (long long)d->unattributed, (long long)d->kernels,
		      d->kernel_ns ? 100.0 * (double)d->unattributed_ns / (double)d->kernel_ns : 0.0);
	if (d->other_steps)
		dwarn(d, "the traces hold %d step(s) and more than one microbatch or step: %lld "
		      "kernels of other steps or microbatches left out (one microbatch of one step "
		      "is kept)", steps, (long long)d->other_steps);
	for (int m = 0; m < d->n_modules; m++)
		if (d->modules[m].params_estimated)
			dwarn(d, "module '%s': %lld parameters estimated from the optimizer step's "
			      "multi_tensor_apply kernels (an upper bound: 65536 elements a block)",
			      d->modules[m].name, (long long)d->modules[m].params);
	if (d->n_modules > 1)
		dwarn(d, "the edges chain the modules in the order they first ran (a trace records "
		      "no tensors) and carry no activation bytes: check them");
}

void workload_discovery_release(struct workload_discovery *d)
{
	if (d)
		trace_mem_release(&d->trace);
}

int workload_discover(const char *const *paths, int n, const struct workload_discover_opts *o,
		      struct workload_discovery *d, struct mo_err *err)
{
	struct one *ones = calloc((size_t)n + 1, sizeof *ones);
	struct trace_mem kern;
	struct model_gpu tmp;
	const struct model_gpu *g;
	int64_t t0 = 0, steps[1000];
	int rc = 0, nsteps = 0;

	memset(d, 0, sizeof *d);
	trace_mem_init(&d->trace);
	trace_mem_init(&kern);
	if (!ones)
		return mo_err_set(err, MO_ENOMEM, "out of memory");
	if (n < 1)
		rc = mo_err_set(err, MO_EUSAGE, "no trace");
	for (int i = 0; i < n && rc == 0; i++) {
		trace_mem_init(&ones[i].base);
		if ((rc = load_one(&ones[i], paths[i], o ? o->module_depth : -1, err)) == 0)
			rc = take_modules(d, &ones[i], i, &kern, &t0, steps, &nsteps, err);
	}
	if (rc == 0)
		rc = assemble(d, ones, n, &kern, err);
	if (rc == 0) {
		d->dtype = guess_dtype(&d->trace);
		g = model_gpu_for_header(&d->trace.header, &tmp, NULL);
		snprintf(d->gpu, sizeof d->gpu, "%s", g && g != &tmp ? g->short_name : "");
		describe(d, nsteps);
	}
	for (int i = 0; i < n; i++)
		one_release(&ones[i]);
	free(ones);
	trace_mem_release(&kern);
	return rc;
}
