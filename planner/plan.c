/* plan.c - the plan format: lifecycle and the strict JSON reader / writer. */
#include "planner/planner-internal.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define PLAN_MAX_PARTS 256
#define PLAN_MAX_SLOTS 4096

static void copy_str(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);

	if (n >= cap)
		n = cap - 1;
	memcpy(dst, src, n);
	dst[n] = 0;
}

int plan_schedule_parse(const char *s)
{
	if (!strcmp(s, "1f1b"))
		return PLAN_SCHEDULE_1F1B;
	if (!strcmp(s, "gpipe"))
		return PLAN_SCHEDULE_GPIPE;
	return -1;
}

const char *plan_schedule_name(int schedule)
{
	return schedule == PLAN_SCHEDULE_GPIPE ? "gpipe" : "1f1b";
}

/* The fields plan_new sets, on a zeroed plan. */
static void plan_defaults(struct plan *p)
{
	p->schedule = PLAN_SCHEDULE_1F1B;
	p->microbatch_size = 1;
	p->microbatches = 1;
	p->predicted_iter_ns = -1;
	p->checked_iter_ns = -1;
	copy_str(p->planner_version, sizeof(p->planner_version), PLANNER_VERSION);
}

struct plan *plan_new(int n_gpus)
{
	struct plan *p;

	if (n_gpus < 0 || n_gpus > PLAN_MAX_GPUS)
		return NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->n_gpus = n_gpus;
	p->gpus = calloc(n_gpus ? (size_t)n_gpus : 1, sizeof(*p->gpus));
	if (!p->gpus) {
		free(p);
		return NULL;
	}
	plan_defaults(p);
	return p;
}

void pl_plan_reset(struct plan *p)
{
	int n_gpus = p->n_gpus;
	struct plan_gpu *gpus = p->gpus;

	memset(p, 0, sizeof(*p));
	p->n_gpus = n_gpus;
	p->gpus = gpus;
	plan_defaults(p);
	for (int g = 0; g < n_gpus; g++) {
		for (int i = 0; i < gpus[g].n_partitions; i++)
			gpus[g].partitions[i].n_slots = 0;
		gpus[g].n_partitions = 0;
	}
}

void plan_free(struct plan *p)
{
	if (!p)
		return;
	for (int g = 0; g < p->n_gpus; g++) {
		const struct plan_gpu *pg = &p->gpus[g];
		size_t n = (size_t)pg->n_partitions > pg->partitions_cap ? (size_t)pg->n_partitions
									  : pg->partitions_cap;

		for (size_t i = 0; i < n; i++) /* the reusable ones past n_partitions too */
			free(pg->partitions[i].slots);
		free(pg->partitions);
	}
	free(p->gpus);
	free(p);
}

struct plan_partition *plan_add_partition(struct plan *p, int gpu, int sms)
{
	struct plan_gpu *g;
	struct plan_partition *np;
	size_t live;

	if (!p || gpu < 0 || gpu >= p->n_gpus)
		return NULL;
	g = &p->gpus[gpu];
	live = (size_t)g->n_partitions > g->partitions_cap ? (size_t)g->n_partitions : g->partitions_cap;
	if (MO_GROW_FROM(g->partitions, (size_t)g->n_partitions + 1, g->partitions_cap, 2) < 0)
		return NULL;
	if (g->partitions_cap > live) /* new entries hold no slot array */
		memset(g->partitions + live, 0, (g->partitions_cap - live) * sizeof(*np));
	np = &g->partitions[g->n_partitions++];
	np->sms = sms;
	np->n_slots = 0; /* its slot array, if any, is reused */
	return np;
}

/* A new last slot of part with everything but its name; NULL when out of memory. */
static struct plan_slot *slot_append(struct plan_partition *part, int layer_begin, int layer_end,
				     int stage, int replica, int replicas, int module_index)
{
	struct plan_slot *ns;

	if (MO_GROW_FROM(part->slots, (size_t)part->n_slots + 1, part->slots_cap, 2) < 0)
		return NULL;
	ns = &part->slots[part->n_slots++];
	ns->layer_begin = layer_begin;
	ns->layer_end = layer_end;
	ns->stage = stage;
	ns->replica = replica;
	ns->replicas = replicas;
	ns->module_index = module_index;
	return ns;
}

struct plan_slot *plan_add_slot(struct plan_partition *part, const char *module,
				int layer_begin, int layer_end, int stage,
				int replica, int replicas)
{
	struct plan_slot *ns;

	if (!part || !module)
		return NULL;
	ns = slot_append(part, layer_begin, layer_end, stage, replica, replicas, -1);
	if (ns) {
		memset(ns->module, 0, sizeof(ns->module));
		copy_str(ns->module, sizeof(ns->module), module);
	}
	return ns;
}

struct plan_slot *pl_add_slot(const struct plan_problem *pb, struct plan_partition *part, int m,
			      int layer_begin, int layer_end, int stage, int replica, int replicas)
{
	struct plan_slot *ns = slot_append(part, layer_begin, layer_end, stage, replica, replicas, m);

	/* both names are char[64] with a NUL inside: the bytes after it are
	 * not part of the name */
	if (ns) {
		memcpy(ns->module, pb->modules[m].name, sizeof(ns->module));
		ns->module[sizeof(ns->module) - 1] = 0;
	}
	return ns;
}

struct plan *plan_clone(const struct plan *p)
{
	struct plan *c = plan_new(p->n_gpus);

	if (!c)
		return NULL;
	memcpy(c->planner, p->planner, sizeof(c->planner));
	memcpy(c->planner_version, p->planner_version, sizeof(c->planner_version));
	memcpy(c->workload, p->workload, sizeof(c->workload));
	memcpy(c->workload_file, p->workload_file, sizeof(c->workload_file));
	memcpy(c->measurements, p->measurements, sizeof(c->measurements));
	memcpy(c->gpu, p->gpu, sizeof(c->gpu));
	c->schedule = p->schedule;
	c->microbatch_size = p->microbatch_size;
	c->microbatches = p->microbatches;
	c->predicted_iter_ns = p->predicted_iter_ns;
	c->checked_iter_ns = p->checked_iter_ns;
	memcpy(c->checked_by, p->checked_by, sizeof(c->checked_by));
	c->finalists = p->finalists;
	c->host_issue = p->host_issue;
	c->launch_mode = p->launch_mode;
	c->share_streams = p->share_streams;
	/* one allocation per array, of exactly its entries (cap = n) */
	for (int g = 0; g < p->n_gpus; g++) {
		const struct plan_gpu *src = &p->gpus[g];
		struct plan_gpu *dst = &c->gpus[g];

		if (!src->n_partitions)
			continue;
		dst->partitions = calloc((size_t)src->n_partitions, sizeof(*dst->partitions));
		if (!dst->partitions)
			goto fail;
		dst->n_partitions = src->n_partitions;
		dst->partitions_cap = (size_t)src->n_partitions;
		for (int i = 0; i < src->n_partitions; i++) {
			const struct plan_partition *sp = &src->partitions[i];
			struct plan_partition *dp = &dst->partitions[i];

			dp->sms = sp->sms;
			if (!sp->n_slots)
				continue;
			dp->slots = malloc((size_t)sp->n_slots * sizeof(*dp->slots));
			if (!dp->slots)
				goto fail;
			memcpy(dp->slots, sp->slots, (size_t)sp->n_slots * sizeof(*dp->slots));
			dp->n_slots = sp->n_slots;
			dp->slots_cap = (size_t)sp->n_slots;
		}
	}
	return c;
fail:
	plan_free(c);
	return NULL;
}

int plan_same_placement(const struct plan *a, const struct plan *b)
{
	if (a->n_gpus != b->n_gpus || a->schedule != b->schedule ||
	    a->microbatch_size != b->microbatch_size || a->microbatches != b->microbatches)
		return 0;
	for (int g = 0; g < a->n_gpus; g++) {
		const struct plan_gpu *ga = &a->gpus[g], *gb = &b->gpus[g];

		if (ga->n_partitions != gb->n_partitions)
			return 0;
		for (int i = 0; i < ga->n_partitions; i++) {
			const struct plan_partition *pa = &ga->partitions[i], *pb = &gb->partitions[i];

			if (pa->sms != pb->sms || pa->n_slots != pb->n_slots)
				return 0;
			for (int k = 0; k < pa->n_slots; k++) {
				const struct plan_slot *x = &pa->slots[k], *y = &pb->slots[k];

				if (strcmp(x->module, y->module) || x->layer_begin != y->layer_begin ||
				    x->layer_end != y->layer_end || x->stage != y->stage ||
				    x->replica != y->replica || x->replicas != y->replicas)
					return 0;
			}
		}
	}
	return 1;
}

/* ---- reading ---- */

static const char *const top_keys[] = {"format", "version", "planner", "planner_version",
	"workload", "workload_file", "measurements", "gpu", "gpus", "schedule", "microbatch_size", "microbatches",
	"predicted_iter_ns", "checked", "host", "placement", NULL};
static const char *const checked_keys[] = {"by", "iter_ns", "finalists", NULL};
static const char *const host_keys[] = {"issue", "launch", "streams", NULL};
static const char *const gpu_keys[] = {"gpu", "partitions", NULL};
static const char *const part_keys[] = {"sms", "slots", NULL};
static const char *const slot_keys[] = {"module", "layers", "stage", "replica", "replicas", NULL};

static int read_slot(const struct model_json *r, json_t *js, const char *path,
		     struct plan_partition *part)
{
	char module[64], p[512];
	int64_t stage, replica, replicas;
	json_t *layers;
	json_int_t lb, le;
	struct plan_slot *s;

	if (!json_is_object(js))
		return model_json_fail(r, path, "expected an object");
	if (model_json_keys(r, js, path, slot_keys) ||
	    model_json_str(r, js, path, "module", module, sizeof(module)) ||
	    model_json_array(r, js, path, "layers", 2, &layers) ||
	    model_json_int(r, js, path, "stage", 0, 1 << 20, &stage) ||
	    model_json_int(r, js, path, "replicas", 1, 1 << 20, &replicas) ||
	    model_json_int(r, js, path, "replica", 0, replicas - 1, &replica))
		return r->err->code;
	snprintf(p, sizeof(p), "%s.layers", path);
	if (json_array_size(layers) != 2 || !json_is_integer(json_array_get(layers, 0)) ||
	    !json_is_integer(json_array_get(layers, 1)))
		return model_json_fail(r, p, "expected [begin, end] integers");
	lb = json_integer_value(json_array_get(layers, 0));
	le = json_integer_value(json_array_get(layers, 1));
	if (lb < 0 || le <= lb || le > (1 << 20))
		return model_json_fail(r, p, "need 0 <= begin < end");
	if (!module[0])
		return model_json_fail(r, path, "empty module name");
	s = plan_add_slot(part, module, (int)lb, (int)le, (int)stage, (int)replica, (int)replicas);
	if (!s)
		return mo_err_set(r->err, MO_ENOMEM, "cannot read plan '%s': out of memory", r->file);
	return 0;
}

/* The optional "host" object: issue and launch, optionally streams. */
static int read_host(const struct model_json *r, json_t *jh, struct plan *p)
{
	char issue[16], launch[16];
	json_t *js;

	if (!json_is_object(jh))
		return model_json_fail(r, "host", "expected an object");
	if (model_json_keys(r, jh, "host", host_keys) ||
	    model_json_str(r, jh, "host", "issue", issue, sizeof(issue)) ||
	    model_json_str(r, jh, "host", "launch", launch, sizeof(launch)))
		return r->err->code;
	if ((js = json_object_get(jh, "streams")) &&
	    model_json_v_bool(r, js, "host.streams", &p->share_streams))
		return r->err->code;
	p->host_issue = model_host_issue_parse(issue);
	p->launch_mode = model_launch_parse(launch);
	if (p->host_issue < 0)
		return model_json_fail(r, "host.issue",
				       "expected \"per-slot\", \"per-gpu\" or \"none\", found \"%s\"",
			   issue);
	if (p->launch_mode < 0)
		return model_json_fail(r, "host.launch", "expected \"eager\" or \"graphs\", found \"%s\"",
				       launch);
	return 0;
}

/* The optional "checked" object: all three fields or none. */
static int read_checked(const struct model_json *r, json_t *jc, struct plan *p)
{
	int64_t ns, n;

	if (!json_is_object(jc))
		return model_json_fail(r, "checked", "expected an object");
	if (model_json_keys(r, jc, "checked", checked_keys) ||
	    model_json_str(r, jc, "checked", "by", p->checked_by, sizeof(p->checked_by)) ||
	    model_json_int(r, jc, "checked", "iter_ns", 0, INT64_MAX, &ns) ||
	    model_json_int(r, jc, "checked", "finalists", 1, 1 << 20, &n))
		return r->err->code;
	p->checked_iter_ns = ns;
	p->finalists = (int)n;
	return 0;
}

static int no_memory(const struct model_json *r)
{
	return mo_err_set(r->err, MO_ENOMEM, "cannot read plan '%s': out of memory", r->file);
}

/* The format, the version and the GPU count: a new plan of that size. */
static int read_head(const struct model_json *r, json_t *root, struct plan **out)
{
	char fmt[32];
	int64_t version, gpus;

	if (!json_is_object(root))
		return model_json_fail(r, "(top)", "expected an object");
	if (model_json_keys(r, root, "", top_keys) ||
	    model_json_str(r, root, "", "format", fmt, sizeof(fmt)))
		return r->err->code;
	if (strcmp(fmt, "mosaic-plan"))
		return model_json_fail(r, "format", "expected \"mosaic-plan\", found \"%s\"", fmt);
	if (model_json_int(r, root, "", "version", 1, 1 << 30, &version))
		return r->err->code;
	if (version > PLAN_FORMAT_VERSION)
		return mo_err_set(r->err, MO_EVERSION,
				  "cannot read plan '%s': version %lld is newer than this build's %d",
				  r->file, (long long)version, PLAN_FORMAT_VERSION);
	if (model_json_int(r, root, "", "gpus", 1, PLAN_MAX_GPUS, &gpus))
		return r->err->code;
	*out = plan_new((int)gpus);
	return *out ? 0 : no_memory(r);
}

/* The plan's scalar fields and its optional sections; *placement the
 * placement array (read by read_placement). */
static int read_fields(const struct model_json *r, json_t *root, struct plan *p, json_t **placement)
{
	char sched[16];
	int64_t mbs, mbn, pred;

	if (model_json_str(r, root, "", "planner", p->planner, sizeof(p->planner)) ||
	    model_json_str(r, root, "", "planner_version", p->planner_version,
			   sizeof(p->planner_version)) ||
	    model_json_str(r, root, "", "workload", p->workload, sizeof(p->workload)) ||
	    model_json_str(r, root, "", "gpu", p->gpu, sizeof(p->gpu)) ||
	    model_json_str(r, root, "", "schedule", sched, sizeof(sched)) ||
	    model_json_int(r, root, "", "microbatch_size", 1, 1 << 30, &mbs) ||
	    model_json_int(r, root, "", "microbatches", 1, 1 << 30, &mbn) ||
	    model_json_int(r, root, "", "predicted_iter_ns", -1, INT64_MAX, &pred) ||
	    model_json_array(r, root, "", "placement", PLAN_MAX_GPUS, placement))
		return -1;
	if (plan_schedule_parse(sched) < 0)
		return model_json_fail(r, "schedule", "expected \"1f1b\" or \"gpipe\", found \"%s\"", sched);
	p->schedule = plan_schedule_parse(sched);
	p->microbatch_size = (int)mbs;
	p->microbatches = (int)mbn;
	p->predicted_iter_ns = pred;
	if (json_object_get(root, "checked") && read_checked(r, json_object_get(root, "checked"), p))
		return -1;
	if (json_object_get(root, "workload_file") &&
	    model_json_str(r, root, "", "workload_file", p->workload_file, sizeof(p->workload_file)))
		return -1;
	if (json_object_get(root, "measurements") &&
	    model_json_str(r, root, "", "measurements", p->measurements, sizeof(p->measurements)))
		return -1;
	if (json_object_get(root, "host") && read_host(r, json_object_get(root, "host"), p))
		return -1;
	return 0;
}

/* One partition of GPU gid (placement[i].partitions[j]) and its slots. */
static int read_partition(const struct model_json *r, json_t *jp, const char *ppath, int gid,
			  struct plan *p)
{
	json_t *slots;
	int64_t sms;
	struct plan_partition *part;

	if (!json_is_object(jp))
		return model_json_fail(r, ppath, "expected an object");
	if (model_json_keys(r, jp, ppath, part_keys) ||
	    model_json_int(r, jp, ppath, "sms", 1, 1 << 20, &sms) ||
	    model_json_array(r, jp, ppath, "slots", PLAN_MAX_SLOTS, &slots))
		return -1;
	part = plan_add_partition(p, gid, (int)sms);
	if (!part)
		return no_memory(r);
	for (size_t k = 0; k < json_array_size(slots); k++) {
		char spath[256];

		snprintf(spath, sizeof(spath), "%s.slots[%zu]", ppath, k);
		if (read_slot(r, json_array_get(slots, k), spath, part))
			return -1;
	}
	return 0;
}

/* One entry of the placement (placement[i]: a GPU not listed before). */
static int read_gpu(const struct model_json *r, json_t *jg, size_t i, char *seen, struct plan *p)
{
	json_t *parts;
	char path[128];
	int64_t gid;

	snprintf(path, sizeof(path), "placement[%zu]", i);
	if (!json_is_object(jg))
		return model_json_fail(r, path, "expected an object");
	if (model_json_keys(r, jg, path, gpu_keys) ||
	    model_json_int(r, jg, path, "gpu", 0, p->n_gpus - 1, &gid) ||
	    model_json_array(r, jg, path, "partitions", PLAN_MAX_PARTS, &parts))
		return -1;
	if (seen[gid]) {
		char d[64];

		snprintf(d, sizeof(d), "GPU %lld listed twice", (long long)gid);
		return model_json_fail(r, path, "%s", d);
	}
	seen[gid] = 1;
	for (size_t j = 0; j < json_array_size(parts); j++) {
		char ppath[192];

		snprintf(ppath, sizeof(ppath), "%s.partitions[%zu]", path, j);
		if (read_partition(r, json_array_get(parts, j), ppath, (int)gid, p))
			return -1;
	}
	return 0;
}

/* The placement: one entry per GPU of the plan, each GPU once. */
static int read_placement(const struct model_json *r, json_t *placement, struct plan *p)
{
	char *seen;
	int rc = 0;

	if ((int64_t)json_array_size(placement) != p->n_gpus) {
		char d[96];

		snprintf(d, sizeof(d), "%zu entries for %lld GPUs", json_array_size(placement),
			 (long long)p->n_gpus);
		return model_json_fail(r, "placement", "%s", d);
	}
	seen = calloc((size_t)p->n_gpus, 1);
	if (!seen)
		return no_memory(r);
	for (size_t i = 0; i < json_array_size(placement) && rc == 0; i++)
		rc = read_gpu(r, json_array_get(placement, i), i, seen, p);
	free(seen);
	return rc;
}

static int read_plan(const struct model_json *r, json_t *root, struct plan **out)
{
	struct plan *p = NULL;
	json_t *placement;
	int rc;

	if ((rc = read_head(r, root, &p)) != 0)
		return rc;
	if (read_fields(r, root, p, &placement) || read_placement(r, placement, p)) {
		rc = r->err && r->err->code ? r->err->code : -MO_EINPUT;
		plan_free(p);
		return rc;
	}
	*out = p;
	return 0;
}

/* The plan in root (released here). */
static int load_root(json_t *root, const char *name, struct plan **out, struct mo_err *err)
{
	struct mo_err local;
	struct model_json r = {"plan", name, err ? err : &local};
	int rc;

	mo_err_clear(r.err);
	rc = read_plan(&r, root, out);
	json_decref(root);
	return rc;
}

int plan_load_string(const char *json, size_t len, const char *name, struct plan **out,
		     struct mo_err *err)
{
	const struct model_json j = {"plan", name, err};
	json_t *root;
	int rc = model_json_parse(&j, json, len, JSON_REJECT_DUPLICATES, &root);

	*out = NULL;
	if (rc < 0)
		return rc;
	return load_root(root, name, out, err);
}

int plan_load(const char *path, struct plan **out, struct mo_err *err)
{
	const struct model_json j = {"plan", path, err};
	json_t *root;
	int rc = model_json_load(&j, MODEL_JSON_MAX_BYTES, JSON_REJECT_DUPLICATES, &root);

	*out = NULL;
	if (rc < 0)
		return rc;
	return load_root(root, path, out, err);
}

/* ---- writing ---- */

/* A JSON string literal for s (jansson escapes it); "" on OOM. */
static int put_str(FILE *fp, const char *s)
{
	json_t *j = json_string(s);
	char *t = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;
	int rc = fputs(t ? t : "\"\"", fp);

	free(t);
	json_decref(j);
	return rc;
}

/* One line per top-level field and per slot, so plans read and diff well. */
static int write_plan(const struct plan *p, FILE *fp)
{
	fprintf(fp, "{\n  \"format\": \"mosaic-plan\",\n  \"version\": %d,\n", PLAN_FORMAT_VERSION);
	fputs("  \"planner\": ", fp), put_str(fp, p->planner);
	fputs(",\n  \"planner_version\": ", fp), put_str(fp, p->planner_version);
	fputs(",\n  \"workload\": ", fp), put_str(fp, p->workload);
	if (p->workload_file[0])
		fputs(",\n  \"workload_file\": ", fp), put_str(fp, p->workload_file);
	if (p->measurements[0])
		fputs(",\n  \"measurements\": ", fp), put_str(fp, p->measurements);
	fputs(",\n  \"gpu\": ", fp), put_str(fp, p->gpu);
	fprintf(fp, ",\n  \"gpus\": %d,\n  \"schedule\": \"%s\",\n  \"microbatch_size\": %d,\n"
		    "  \"microbatches\": %d,\n  \"predicted_iter_ns\": %lld,\n",
		p->n_gpus, plan_schedule_name(p->schedule), p->microbatch_size, p->microbatches,
		(long long)p->predicted_iter_ns);
	if (p->checked_iter_ns >= 0) {
		fputs("  \"checked\": {\"by\": ", fp), put_str(fp, p->checked_by);
		fprintf(fp, ", \"iter_ns\": %lld, \"finalists\": %d},\n", (long long)p->checked_iter_ns,
			p->finalists);
	}
	fprintf(fp, "  \"host\": {\"issue\": \"%s\", \"launch\": \"%s\"%s},\n",
		model_host_issue_name(p->host_issue), model_launch_name(p->launch_mode),
		p->share_streams ? ", \"streams\": true" : "");
	fputs("  \"placement\": [\n", fp);
	for (int g = 0; g < p->n_gpus; g++) {
		fprintf(fp, "    {\"gpu\": %d, \"partitions\": [", g);
		for (int i = 0; i < p->gpus[g].n_partitions; i++) {
			const struct plan_partition *pt = &p->gpus[g].partitions[i];

			fprintf(fp, "%s\n      {\"sms\": %d, \"slots\": [", i ? "," : "", pt->sms);
			for (int k = 0; k < pt->n_slots; k++) {
				const struct plan_slot *sl = &pt->slots[k];

				fprintf(fp, "%s\n        {\"module\": ", k ? "," : "");
				put_str(fp, sl->module);
				fprintf(fp, ", \"layers\": [%d, %d], \"stage\": %d, \"replica\": %d, \"replicas\": %d}",
					sl->layer_begin, sl->layer_end, sl->stage, sl->replica, sl->replicas);
			}
			fputs(pt->n_slots ? "\n      ]}" : "]}", fp);
		}
		fprintf(fp, "%s]}%s\n", p->gpus[g].n_partitions ? "\n    " : "", g + 1 < p->n_gpus ? "," : "");
	}
	fputs("  ]\n}\n", fp);
	return ferror(fp) ? -1 : 0;
}

int plan_save(const struct plan *p, const char *path, struct mo_err *err)
{
	struct mo_outfile f;
	int rc = mo_outfile_open(&f, path, err);

	if (rc)
		return rc;
	if (write_plan(p, f.fp)) {
		mo_outfile_abort(&f);
		return mo_err_set(err, MO_EIO, "cannot write '%s': write failed", path);
	}
	return mo_outfile_commit(&f, err);
}

void plan_warmups(int P, int n, const int *pos, const int *replicas, int microbatches, int *warm)
{
	for (int d = 0; d < P; d++)
		warm[d] = 0;
	for (int i = 0; i < n; i++) {
		int want = (P - pos[i] - 1) * replicas[i];

		if (want > warm[pos[i]])
			warm[pos[i]] = want;
	}
	for (int d = P - 2; d >= 0; d--)
		for (int i = 0; i < n; i++)
			if (pos[i] == d + 1) {
				int r = replicas[i] > 0 ? replicas[i] : 1;
				int64_t fly = (int64_t)(warm[d + 1] + 1 + r - 1) / r * r;

				if (fly > microbatches)
					fly = microbatches;
				if (fly > warm[d])
					warm[d] = (int)fly;
			}
	for (int d = 0; d < P; d++)
		if (warm[d] > microbatches)
			warm[d] = microbatches;
}

void plan_nth_task(int sched, int M, int w, int k, int *kind, int *mb)
{
	if (sched == PLAN_SCHEDULE_GPIPE) {
		if (k < M)
			*kind = 0, *mb = k;
		else
			*kind = 1, *mb = 2 * M - 1 - k;
		return;
	}
	if (k < w) {
		*kind = 0, *mb = k;
	} else if (k < w + 2 * (M - w)) {
		int j = k - w;
		if (j % 2 == 0)
			*kind = 0, *mb = w + j / 2;
		else
			*kind = 1, *mb = j / 2;
	} else {
		*kind = 1, *mb = M - w + (k - w - 2 * (M - w));
	}
}
