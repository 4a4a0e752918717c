/*
 * measure-mlperf.c - the reader of MLPerf Inference result folders (closed
 * submissions; a folder holds one submitter's results/, and its systems/ or
 * measurements/, at their relative paths in the repository): NVIDIA v1.1
 * and v2.1 as copied in ../shared/external-measurements (a DGX A100,
 * A100-SXM4-80GB, as one MIG 1g.10gb slice, the same slice while the other
 * six run other benchmarks (HeteroMultiUse), 56 slices of 8 GPUs all
 * running the model (56x1g Triton), and the whole GPU (x1)); held out in
 * tests/data/heldout: NVIDIA's and Dell's v2.0 (the same GPU; Dell's
 * XE8545 as one slice and whole) and Azure's v3.0 (NC96ads_A100_v4: A100
 * 80GB PCIe, one 1g.10gb slice, and the node's 4 whole GPUs).
 *
 * A system folder's name says what ran:
 *   MIG_1x1g (NVIDIA) or MIG_1g_ (Azure): one 1g slice (14 SMs, MIG user
 *                 guide); HeteroMultiUse: beside six busy slices;
 *                 MIG_56x1g: 56 slices (throughput / 56).  A slice's
 *                 accelerators_per_node is not read: Azure's MIG JSON says
 *                 4 and "4x A100-PCIe-80GB-MIG-1x1g.10gb" (the node's 4
 *                 GPUs), yet its 5362 ResNet-50 samples/s is one slice's
 *                 (NVIDIA's one slice: 5589 on v2.1; a quarter, 1340,
 *                 would be 4x slower than any 1g slice measured; its MIG
 *                 config expects 5500 with no "* 4", its whole-GPU BERT
 *                 one 3400 * 4): our reading, tests/data/heldout/
 *                 PROVENANCE.md.
 *   MIG in another layout (MIG_3g_40gb, 7x1g, ...): skipped with the
 *                 reason unless its JSON says "(1x1g." (below), never
 *                 read as whole GPUs.
 *   x1_           the whole GPU.  x8_: not read (the x1 system of the same
 *                 round is the reference, and the 8-GPU rows would add to
 *                 the calibration set).
 *   neither       what its systems/<system>.json says: one 1g slice when
 *                 accelerator_model_name says "(1x1g." (Dell's
 *                 XE8545_A100_SXM_80GB_1xMIG_TRT), another MIG layout
 *                 skipped with the reason; else the whole GPUs of a node
 *                 (Azure's NC96ads_A100_v4_TRT): accelerators_per_node N,
 *                 throughput / N (Offline's samples spread over N engines:
 *                 Azure's config expects offline_expected_qps = 3400 * 4
 *                 for BERT on its 4 GPUs).
 * The GPU: a spelling of the table gpus[] in the folder's name (NVIDIA's
 * "<platform>_<GPU>..."), else in "accelerator_model_name" of systems/
 * <system>.json; a system of another GPU (A30, H100) is skipped with the
 * reason, a system JSON without the fields needed is an error.
 *
 * Read from results/<system>/<benchmark>/<scenario>/performance/run_1/
 * mlperf_log_summary.txt:
 *   Offline       "Samples per second": one item = one engine batch of B
 *                 samples, time = B / (samples per second); B is the
 *                 gpu_batch_size of the MIG configuration (closed/<submitter>/
 *                 configs, quoted in SOURCES.md and tests/data/heldout/
 *                 PROVENANCE.md: ResNet-50 256, BERT 64 in NVIDIA's v1.1 and
 *                 v2.1 and Azure's v3.0), also for the whole-GPU row (which
 *                 ran at its own larger batch: 2048, 1280 or 1024).
 *   SingleStream  "50.00 percentile latency (ns)" of one sample (batch 1).
 *   MultiStream, Server: skipped (queries of several samples at a tail
 *                 latency, or an arrival process: not one item's time).
 * whole_time: the whole-GPU system of the same folder, GPU, benchmark and
 * scenario.  Models: resnet50 and bert-99 / bert-99.9 =
 * bert-large at sequence 384, synthesised in the precision the submission
 * states: "weight_data_types" of measurements/<system>/<benchmark>/
 * <scenario>/<system>_<scenario>.json (the submission's own declaration,
 * MLPerf's required measurements folder; v2.1's MIG system: int8 for
 * resnet50 and bert-99, fp16 for bert-99.9); a system without that file
 * takes the statement of the other systems of the same GPU (the name up
 * to its -MIG_ / x1_ / x8_) in the folder for the same benchmark and
 * scenario when they all agree (v2.1's x1 system: its MIG system's; one
 * engine precision per GPU, benchmark and round is our reading, not a rule
 * quoted); with none (v1.1: its measurements were not copied), or when
 * they disagree, the precision NVIDIA's code documents for the benchmark
 * (documented_dtype) and the row's note says so.  A statement
 * that is not one precision (free text such as "int8, fp16", of any length)
 * or one the synthesiser has no form for (model_dtype_synthesisable: fp8)
 * skips the row with the reason.  Other benchmarks are skipped with the
 * reason; a summary whose Scenario line differs from its folder (v2.1
 * MIG 3d-unet Offline) is skipped.
 */
#include "model/model.h"
#include "model/measure-internal.h"

#include <dirent.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/* The GPUs this reader knows, as MLPerf's system names and descriptions
 * spell them (NVIDIA's DGX A100 systems; Azure's system JSON, "NVIDIA
 * A100-PCIe-80GB (1x1g.10gb MIG)"), and mosaic's name for each.  Both are
 * A100s: a 1g slice is 1 of 7 GPCs, MODEL_MIG_A100_SLICE_SMS = 14 SMs
 * (NVIDIA MIG user guide, "Supported MIG Profiles"). */
static const struct {
	const char *spelling, *gpu;
} gpus[] = {
	{ "A100-SXM-80GB", "a100-80gb-sxm" },
	{ "A100-PCIe-80GB", "a100-80gb-pcie" },
};

/* What a system folder says (the header). */
struct sys {
	int ok;           /* a system this reader reads */
	int whole;        /* the whole GPU(s) */
	int share;        /* throughput divisor: 56 slices (56x1g), N whole GPUs */
	const char *busy; /* co-runner label, NULL when alone */
	const char *gpu;  /* mosaic's name, NULL when not known (why says so) */
	char why[160];
};

static const char *gpu_spelled(const char *text)
{
	for (size_t i = 0; i < sizeof(gpus) / sizeof(gpus[0]); i++)
		if (strstr(text, gpus[i].spelling))
			return gpus[i].gpu;
	return NULL;
}

/* What system's systems/<system>.json adds to its name (sy): the GPU, a
 * MIG slice the name does not spell (Dell's "1xMIG": "... (1x1g.10gb
 * MIG)"), a whole node's GPU count (share 0).  0 (sy->gpu NULL and why set
 * when the file is absent or names another GPU or MIG layout), or an error
 * naming the file. */
static int sys_json(const char *root, const char *system, struct sys *sy, struct mo_err *err)
{
	char path[4096], model[128];
	const struct model_json j = { "MLPerf system description", path, err };
	struct stat st;
	json_t *top;
	int64_t n = 1;
	int rc;

	snprintf(path, sizeof(path), "%s/systems/%s.json", root, system);
	if (stat(path, &st) != 0) {
		sy->gpu = NULL;
		snprintf(sy->why, sizeof(sy->why), "system '%.64s': its name does not say its GPU and "
			 "GPU count, and no systems/<system>.json is here", system);
		return 0;
	}
	if ((rc = model_json_load(&j, (size_t)MODEL_MEAS_MAX_BYTES, 0, &top)) < 0)
		return rc;
	rc = model_json_str(&j, top, "", "accelerator_model_name", model, sizeof(model));
	if (rc == 0 && sy->whole && strstr(model, "MIG")) {
		sy->whole = 0;
		sy->share = strstr(model, "(1x1g.") ? 1 : -1;
	}
	if (rc == 0 && !sy->share)
		rc = model_json_int(&j, top, "", "accelerators_per_node", 1, 64, &n);
	json_decref(top);
	if (rc < 0)
		return rc;
	if (!sy->share)
		sy->share = (int)n;
	if (sy->share < 0 || (!sy->gpu && !(sy->gpu = gpu_spelled(model)))) {
		sy->gpu = NULL;
		snprintf(sy->why, sizeof(sy->why), "%s '%.56s' of system '%.40s': not one this reader knows",
			 sy->share < 0 ? "MIG layout" : "GPU", model, system);
	}
	return 0;
}

/* The system folder name of root/results into sy (the header): 0, or an
 * error (a bad system JSON). */
static int sys_of(const char *root, const char *name, struct sys *sy, struct mo_err *err)
{
	int rc;

	memset(sy, 0, sizeof(*sy));
	if (strstr(name, "x8_"))
		return 0;
	sy->ok = sy->share = 1;
	if (strstr(name, "MIG_1x1g") || strstr(name, "MIG_1g_")) {
		if (strstr(name, "HeteroMultiUse"))
			sy->busy = "6xmig-other-benchmarks";
	} else if (strstr(name, "MIG_56x1g")) {
		sy->share = 56;
		sy->busy = "6xmig-same-model";
	} else {
		sy->whole = 1;
		sy->share = strstr(name, "x1_") ? 1 : 0;
	}
	sy->gpu = gpu_spelled(name);
	if (sy->gpu && sy->share && !(sy->whole && strstr(name, "MIG")))
		return 0;
	if ((rc = sys_json(root, name, sy, err)) < 0 || !sy->gpu || !sy->whole || !strstr(name, "MIG"))
		return rc;
	sy->gpu = NULL; /* a MIG system of another layout, never whole GPUs */
	snprintf(sy->why, sizeof(sy->why), "system '%.48s': a MIG layout this reader "
		 "does not know (MIG_1x1g, 1g_, 56x1g; JSON 1x1g)", name);
	return 0;
}

/* The named model of a benchmark: name and MIG batch; 0 when none. */
static int model_of(const char *bench, struct model_meas *m)
{
	if (!strcmp(bench, "resnet50")) {
		snprintf(m->model, sizeof(m->model), "resnet50");
		m->batch = 256;
		return 1;
	}
	if (!strncmp(bench, "bert-99", 7)) {
		snprintf(m->model, sizeof(m->model), "bert-large");
		m->batch = 64;
		m->seq = 384;
		return 1;
	}
	return 0;
}

/* The "weight_data_types" string of the measurements JSON at path into
 * out, cut at cap - 1 characters (a longer statement names no one
 * precision, and then reads as none): 1, 0 when there is no such file, or
 * an error (a bad file, with the line and column of a parse error). */
static int weight_types(const char *path, char *out, size_t cap, struct mo_err *err)
{
	struct stat st;
	const struct model_json j = {"MLPerf measurement", path, err};
	json_t *root, *v;
	int rc;

	if (stat(path, &st) != 0)
		return 0;
	if ((rc = model_json_load(&j, (size_t)MODEL_MEAS_MAX_BYTES, 0, &root)) < 0)
		return rc;
	v = json_object_get(root, "weight_data_types");
	if (!v || !json_is_string(v)) {
		json_decref(root);
		return mo_err_set(err, MO_EINPUT, "'%s': no \"weight_data_types\" string", path);
	}
	snprintf(out, cap, "%s", json_string_value(v));
	json_decref(root);
	return 1;
}

/* The GPU of a system folder's name: its length up to "-MIG_", "_MIG_",
 * "x1_" or "x8_" (DGX-A100_A100-SXM-80GB of all of NVIDIA's A100 systems). */
static size_t gpu_len(const char *name)
{
	static const char *const marks[] = { "-MIG_", "_MIG_", "x1_", "x8_" };
	size_t n = strlen(name);

	for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++) {
		const char *p = strstr(name, marks[i]);
		if (p && (size_t)(p - name) < n)
			n = (size_t)(p - name);
	}
	return n;
}

static int same_gpu(const char *a, const char *b)
{
	size_t n = gpu_len(a);

	return n == gpu_len(b) && !strncmp(a, b, n);
}

/* The precision NVIDIA's closed submissions document for a benchmark's
 * engines: closed/NVIDIA/code/<model>/tensorrt/README.md, "Lower
 * Precision", the same text in v1.1 (mlcommons/inference_results_v1.1
 * @7fc43356) and v2.1 (@91f7859b): ResNet-50 in INT8; BERT in INT8 for the
 * 99 % accuracy target and FP16 for the 99.9 % one.  (The measurements
 * JSONs v1.1 left out, in that repository, state the same.)  -1 for a
 * benchmark it does not document. */
static int documented_dtype(const char *bench)
{
	if (!strcmp(bench, "resnet50") || !strcmp(bench, "bert-99"))
		return MODEL_INT8;
	if (!strcmp(bench, "bert-99.9"))
		return MODEL_FP16;
	return -1;
}

/* The precision system's submission states for bench/scen (see the header)
 * into types and by (the system whose file said it); 1 when found, 0 when
 * none is, 2 when the other systems of its GPU disagree, or an error. */
static int stated_types(const char *root, const char *system, const char *bench, const char *scen,
			char *types, size_t cap, char *by, size_t bycap, struct mo_err *err)
{
	char path[4096], other[64];
	struct dirent **e = NULL;
	int n, rc;

	snprintf(path, sizeof(path), "%s/measurements/%s/%s/%s/%s_%s.json", root, system, bench, scen, system, scen);
	snprintf(by, bycap, "%s", system);
	if ((rc = weight_types(path, types, cap, err)) != 0)
		return rc;
	snprintf(path, sizeof(path), "%s/measurements", root);
	n = scandir(path, &e, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		const char *d = e[i]->d_name;
		int r = 0;
		if (rc >= 0 && d[0] != '.' && strcmp(d, system) && same_gpu(d, system)) {
			snprintf(path, sizeof(path), "%s/measurements/%s/%s/%s/%s_%s.json", root, d, bench, scen, d, scen);
			r = weight_types(path, rc ? other : types, rc ? sizeof(other) : cap, err);
		}
		if (r < 0)
			rc = r;
		else if (r && !rc)
			rc = 1, snprintf(by, bycap, "%s", d);
		else if (r && rc == 1 && strcasecmp(other, types))
			rc = 2;
		free(e[i]);
	}
	free(e);
	return rc;
}

/* m's dtype and note from the stated precision: 0, 1 when the row is to be
 * skipped (why says so), or an error. */
static int take_precision(const char *root, const char *system, const char *bench, const char *scen,
			  struct model_meas *m, char *why, size_t whycap, struct mo_err *err)
{
	char types[64], by[256];
	int rc = stated_types(root, system, bench, scen, types, sizeof(types), by, sizeof(by), err);

	if (rc < 0)
		return rc;
	if (rc != 1) {
		int doc = documented_dtype(bench);
		m->op.dtype = doc >= 0 ? doc : MODEL_FP16;
		snprintf(m->note, sizeof(m->note), "TensorRT engine, %s: %s %s", rc ? "systems of its GPU state "
			 "different precisions" : "precision not stated in the files", model_dtype_name(m->op.dtype),
			 doc >= 0 ? "as NVIDIA's code README documents" : "assumed");
		return 0;
	}
	m->op.dtype = model_dtype_parse(types);
	if (m->op.dtype < 0) {
		snprintf(why, whycap, "stated weight precision '%.32s': not one precision", types);
		return 1;
	}
	if (!model_dtype_synthesisable(m->op.dtype)) {
		snprintf(why, whycap, "stated weight precision '%.32s': no synthesiser for it", types);
		return 1;
	}
	snprintf(m->note, sizeof(m->note), "%s TensorRT engine (stated%s%.60s)", model_dtype_name(m->op.dtype),
		 strcmp(by, system) ? " by " : "", strcmp(by, system) ? by : "");
	return 0;
}

/* The number after "key" and a colon in summary text into v, and its line
 * into *line: 0, or -1 when the key or a number after it is absent. */
static int summary_value(const char *text, const char *key, double *v, int *line)
{
	const char *p = strstr(text, key);
	char *end;

	if (!p || !(p = strchr(p + strlen(key), ':')))
		return -1;
	*line = 1;
	for (const char *c = text; c < p; c++)
		*line += *c == '\n';
	*v = strtod(p + 1, &end);
	return end == p + 1 ? -1 : 0;
}

/* One summary file into a row (0), a skipped item (0), or an error. */
static int read_summary(struct model_meas_set *s, const char *root, const char *path, const char *system,
			const char *bench, const char *scen, struct mo_err *err)
{
	struct sys sy;
	struct model_meas m;
	char *text, want[64], why[160];
	const char *key;
	size_t len;
	double v;
	int rc, line;

	if ((rc = sys_of(root, system, &sy, err)) < 0 || !sy.ok)
		return rc;
	if (!sy.gpu)
		return model_meas_add_skip(s, path, sy.why, err);
	if (strcmp(scen, "Offline") && strcmp(scen, "SingleStream")) {
		snprintf(why, sizeof(why), "%.16s: a latency under a query pattern, not one item's time", scen);
		return model_meas_add_skip(s, path, why, err);
	}
	memset(&m, 0, sizeof(m));
	if (!model_of(bench, &m)) {
		snprintf(why, sizeof(why), "no synthesiser for MLPerf benchmark '%.64s'", bench);
		return model_meas_add_skip(s, path, why, err);
	}
	if ((rc = take_precision(root, system, bench, scen, &m, why, sizeof(why), err)) != 0)
		return rc < 0 ? rc : model_meas_add_skip(s, path, why, err);
	if ((rc = mo_read_file(path, (size_t)MODEL_MEAS_MAX_BYTES, &text, &len, err)) < 0)
		return rc;
	snprintf(want, sizeof(want), "Scenario : %s\n", scen);
	if (!strstr(text, want)) {
		free(text);
		return model_meas_add_skip(s, path, "the summary's Scenario differs from its folder", err);
	}
	key = !strcmp(scen, "Offline") ? "Samples per second" : "50.00 percentile latency (ns)";
	rc = summary_value(text, key, &v, &line);
	free(text);
	if (rc < 0)
		return mo_err_set(err, MO_EINPUT, "'%s': no %s value", path, key);
	if (!isfinite(v) || v <= 0)
		return mo_err_set(err, MO_EINPUT, "'%s':%d: %s %g is not a finite positive number", path, line,
				  key, v);
	snprintf(m.where, sizeof(m.where), "%.*s", (int)sizeof(m.where) - 1, path);
	m.kind = MODEL_MEAS_KIND_MODEL;
	snprintf(m.gpu, sizeof(m.gpu), "%s", sy.gpu);
	m.mech = sy.whole ? MODEL_MECH_WHOLE : MODEL_MECH_MIG;
	m.sms = sy.whole ? 0 : MODEL_MIG_A100_SLICE_SMS;
	m.copies = 1;
	m.launch = MODEL_MEAS_LAUNCH_GRAPHS; /* TensorRT engines: CUDA graphs or back-to-back enqueue */
	m.tensorrt = 1; /* its layer fusions (model_meas.tensorrt) */
	if (sy.busy)
		snprintf(m.busy, sizeof(m.busy), "%s", sy.busy);
	if (!strcmp(scen, "SingleStream")) {
		m.batch = 1;
		m.ns = v;
	} else {
		m.ns = m.batch / (v / sy.share) * 1e9;
	}
	return model_meas_add(s, &m, err);
}

/* Visit the summaries under root/results in sorted order. */
static int scan(struct model_meas_set *s, const char *root, struct mo_err *err)
{
	char path[4096];
	struct dirent **sys = NULL;
	int nsys, rc = 0;

	snprintf(path, sizeof(path), "%s/results", root);
	nsys = scandir(path, &sys, NULL, alphasort);
	if (nsys < 0)
		return mo_err_set(err, MO_EIO, "cannot read folder '%s'", path);
	for (int i = 0; i < nsys; i++) {
		struct dirent **b = NULL;
		int nb;
		if (sys[i]->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/results/%s", root, sys[i]->d_name);
		nb = scandir(path, &b, NULL, alphasort);
		for (int j = 0; j < nb; j++) {
			static const char *scens[] = { "Offline", "SingleStream", "MultiStream", "Server" };
			for (int k = 0; k < 4 && rc == 0 && b[j]->d_name[0] != '.'; k++) {
				struct stat st;
				snprintf(path, sizeof(path), "%s/results/%s/%s/%s/performance/run_1/mlperf_log_summary.txt",
					 root, sys[i]->d_name, b[j]->d_name, scens[k]);
				if (stat(path, &st) == 0)
					rc = read_summary(s, root, path, sys[i]->d_name, b[j]->d_name, scens[k], err);
			}
			free(b[j]);
		}
		free(b);
	}
	for (int i = 0; i < nsys; i++)
		free(sys[i]);
	free(sys);
	return rc;
}

/* The component of where after "results/": system, benchmark, scenario. */
static void parts(const char *where, char *sys, char *bench, char *scen)
{
	const char *p = strstr(where, "/results/");

	sys[0] = bench[0] = scen[0] = '\0';
	if (!p)
		return;
	sscanf(p + 9, "%255[^/]/%255[^/]/%255[^/]", sys, bench, scen);
}

int meas_import_mlperf(struct model_meas_set *s, const char *root, struct mo_err *err)
{
	size_t n0 = s->n;
	int rc = scan(s, root, err);

	if (rc < 0)
		return rc;
	/* whole_time: the whole-GPU row of the same benchmark, scenario and GPU */
	for (size_t i = n0; i < s->n; i++) {
		char si[256], bi[256], ci[256];
		if (s->m[i].mech == MODEL_MECH_WHOLE)
			continue;
		parts(s->m[i].where, si, bi, ci);
		for (size_t j = n0; j < s->n; j++) {
			char sj[256], bj[256], cj[256];
			if (s->m[j].mech != MODEL_MECH_WHOLE)
				continue;
			parts(s->m[j].where, sj, bj, cj);
			if (!strcmp(bi, bj) && !strcmp(ci, cj) && !strcmp(s->m[i].gpu, s->m[j].gpu) &&
			    !s->m[i].whole_ns)
				s->m[i].whole_ns = s->m[j].ns;
		}
	}
	return 0;
}
