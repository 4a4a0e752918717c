/*
 * gpujson.c - user GPU specs from JSON files (strict: unknown fields, wrong
 * types and missing required fields are errors that name the field).
 */
#include "model/model.h"
#include "model/model-internal.h"

#include <jansson.h>
#include <math.h>
#include <stddef.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum ftype { F_STR, F_INT, F_I64, F_DBL };

static const struct field {
	const char *name;
	enum ftype type;
	size_t off, size;
	int required;
} fields[] = {
#define S(n, req) { #n, F_STR, offsetof(struct model_gpu, n), sizeof(((struct model_gpu *)0)->n), req }
#define I(n, req) { #n, F_INT, offsetof(struct model_gpu, n), 0, req }
#define L(n, req) { #n, F_I64, offsetof(struct model_gpu, n), 0, req }
#define D(n, req) { #n, F_DBL, offsetof(struct model_gpu, n), 0, req }
	S(name, 1), S(short_name, 0), I(cc_major, 1), I(cc_minor, 1), I(sms, 1), I(clock_mhz, 0),
	L(mem_bytes, 0), I(warp_size, 0), I(max_threads_per_sm, 0), I(max_threads_per_block, 0),
	I(max_warps_per_sm, 0), I(max_blocks_per_sm, 0), I(regs_per_sm, 0), I(regs_per_block, 0),
	I(max_regs_per_thread, 0), I(reg_alloc_unit, 0), I(smem_per_sm, 0), I(smem_per_block, 0),
	I(smem_per_block_optin, 0), I(smem_reserved_per_block, 0), I(smem_alloc_unit, 0),
	D(hbm_gbps, 1), L(l2_bytes, 0), D(fp32_tflops, 1), D(tf32_tflops, 0), D(bf16_tflops, 0),
	D(fp8_tflops, 0), D(nvlink_gbps, 0), D(pcie_gbps, 0), I(part_min_sms, 0),
	I(part_step_sms, 0), D(fp16_tflops, 0), I(l1_smem_per_sm, 0), D(gemm_simt_eff, 0),
	D(gemm_tc_eff, 0), D(launch_ns, 0), D(gemm_k0, 0), D(tdp_w, 0), D(gemm_tc_fill_ns, 0), D(int8_tops, 0),
#undef S
#undef I
#undef L
#undef D
};
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

static size_t field_index(const char *name)
{
	size_t f;

	for (f = 0; f < NFIELDS; f++)
		if (!strcmp(fields[f].name, name))
			break;
	return f;
}

/* One field's value v into g (model/json.c's value readers; at: its path). */
static int read_field(const struct model_json *j, const struct field *f, json_t *v,
		      const char *at, struct model_gpu *g)
{
	char *p = (char *)g + f->off;
	int64_t x;

	switch (f->type) {
	case F_STR:
		if (model_json_v_str(j, v, at, p, f->size) < 0)
			return -MO_EINPUT;
		return *p ? 0 : model_json_fail(j, at, "must not be empty");
	case F_INT:
	case F_I64:
		if (model_json_v_int(j, v, at, 0, f->type == F_INT ? 1000000000 : INT64_MAX, &x) < 0)
			return -MO_EINPUT;
		if (f->type == F_INT)
			*(int *)p = (int)x;
		else
			*(int64_t *)p = x;
		return 0;
	case F_DBL:
		return model_json_v_num(j, v, at, 0, 1e9, (double *)p);
	}
	return model_json_fail(j, at, "internal: bad field type");
}

/* GPU idx of the file (at: its path, "" or "[idx]"). */
static int parse_one(json_t *obj, const struct model_json *j, const char *at, struct model_gpu *g)
{
	const char *key;
	json_t *val;
	unsigned char seen[NFIELDS];
	char path[160];

	memset(g, 0, sizeof(*g));
	memset(seen, 0, sizeof(seen));
	if (model_json_v_object(j, obj, at) < 0)
		return -MO_EINPUT;
	json_object_foreach(obj, key, val) {
		size_t f = field_index(key);

		snprintf(path, sizeof(path), "%s%s%s", at, *at ? "." : "", key);
		if (f == NFIELDS)
			return model_json_fail(j, path, "unknown field");
		seen[f] = 1;
		if (read_field(j, &fields[f], val, path, g) < 0)
			return -MO_EINPUT;
	}
	for (size_t f = 0; f < NFIELDS; f++)
		if (fields[f].required && !seen[f]) {
			snprintf(path, sizeof(path), "%s%s%s", at, *at ? "." : "", fields[f].name);
			return model_json_fail(j, path, "missing field (required)");
		}
	/* a compute capability is two small numbers (major 1..99, minor 0..9);
	 * anything else is not a GPU, and would overflow major * 10 + minor */
	if (g->cc_major < 1 || g->cc_major > 99 || g->cc_minor < 0 || g->cc_minor > 9)
		return model_json_fail(j, at, "compute capability %d.%d: out of range", g->cc_major,
				       g->cc_minor);
	if (g->sms <= 0 || g->sms > MODEL_GPU_SMS_MAX)
		return model_json_fail(j, at, "sms: %d is out of range [1, %d]", g->sms, MODEL_GPU_SMS_MAX);
	if (g->hbm_gbps <= 0 || g->fp32_tflops <= 0)
		return model_json_fail(j, at, "hbm_gbps and fp32_tflops must be positive");
	/* defaults from the compute capability for limits not given */
	{
		struct model_gpu d = *g;
		struct mo_err e;
		if (model_gpu_fill_cc_limits(&d, &e) < 0)
			return model_json_fail(j, at, "%s", e.msg);
		for (size_t f = 0; f < NFIELDS; f++) {
			if (seen[f] || fields[f].type != F_INT)
				continue;
			memcpy((char *)g + fields[f].off, (char *)&d + fields[f].off, sizeof(int));
		}
	}
	if (!seen[field_index("short_name")]) /* defaults to name */
		snprintf(g->short_name, sizeof(g->short_name), "%.31s", g->name);
	if (g->warp_size <= 0 || g->max_threads_per_sm < g->warp_size || g->max_blocks_per_sm <= 0 ||
	    g->regs_per_block <= 0 || g->regs_per_sm <= 0 || g->reg_alloc_unit <= 0 ||
	    g->smem_alloc_unit <= 0 || g->max_threads_per_block <= 0 || g->part_step_sms <= 0 ||
	    g->part_min_sms <= 0)
		return model_json_fail(j, at, "per-SM limits must be positive");
	if (!seen[field_index("max_warps_per_sm")]) /* follows max_threads_per_sm */
		g->max_warps_per_sm = g->max_threads_per_sm / g->warp_size;
	if (g->max_warps_per_sm <= 0)
		return model_json_fail(j, at, "max_warps_per_sm: out of range");
	return 0;
}

int model_gpu_parse_json(const char *text, size_t len, const char *what, struct model_gpu *out,
			 int max, struct mo_err *err)
{
	const struct model_json j = {"GPU file", what, err};
	json_t *root;
	int n = 0, rc = model_json_parse(&j, text, len, JSON_REJECT_DUPLICATES, &root);

	if (rc < 0)
		return rc;
	if (json_is_object(root)) {
		if (max < 1)
			rc = mo_err_set(err, MO_EUSAGE, "no room for gpus");
		else if ((rc = parse_one(root, &j, "", &out[0])) == 0)
			n = 1;
	} else if (json_is_array(root)) {
		size_t i;
		json_t *v;
		if (json_array_size(root) == 0)
			rc = mo_err_set(err, MO_EINPUT, "cannot load '%s': no gpus in the array", what);
		json_array_foreach(root, i, v) {
			if (rc)
				break;
			if ((int)i >= max) {
				rc = mo_err_set(err, MO_EINPUT, "cannot load '%s': more than %d gpus",
						what, max);
				break;
			}
			char at[32];

			snprintf(at, sizeof(at), "[%zu]", i);
			rc = parse_one(v, &j, at, &out[i]);
			n++;
		}
	} else {
		rc = mo_err_set(err, MO_EINPUT, "cannot load '%s': expected an array of gpu objects",
				what);
	}
	json_decref(root);
	return rc < 0 ? rc : n;
}

#define MAX_FILE_GPUS 64

/* The data-sheet figures a file gives: equal in a and b (the limits derived
 * from the compute capability are equal when the capability is). */
static int same_figures(const struct model_gpu *a, const struct model_gpu *b)
{
	return !strcasecmp(a->name, b->name) && a->cc_major == b->cc_major &&
	       a->cc_minor == b->cc_minor && a->sms == b->sms && a->clock_mhz == b->clock_mhz &&
	       a->mem_bytes == b->mem_bytes && a->hbm_gbps == b->hbm_gbps && a->l2_bytes == b->l2_bytes &&
	       a->fp32_tflops == b->fp32_tflops && a->tf32_tflops == b->tf32_tflops &&
	       a->bf16_tflops == b->bf16_tflops && a->fp16_tflops == b->fp16_tflops &&
	       a->fp8_tflops == b->fp8_tflops && a->int8_tops == b->int8_tops && a->nvlink_gbps == b->nvlink_gbps &&
	       a->pcie_gbps == b->pcie_gbps;
}

int model_gpu_load_file(const char *path, struct mo_err *err)
{
	char *buf = NULL;
	size_t len = 0;
	struct model_gpu *gpus = NULL;
	int n, rc;

	if ((rc = mo_read_file(path, 16u << 20, &buf, &len, err)) < 0)
		return rc;
	gpus = calloc(MAX_FILE_GPUS, sizeof(*gpus));
	if (!gpus) {
		rc = mo_err_set(err, MO_ENOMEM, "cannot load '%s': out of memory", path);
		goto out;
	}
	n = model_gpu_parse_json(buf, len, path, gpus, MAX_FILE_GPUS, err);
	if (n < 0) {
		rc = n;
		goto out;
	}
	/* a file never silently redefines a built-in GPU (restating one, figures
	 * unchanged, is allowed and adds nothing), nor names one GPU twice */
	for (int i = 0; i < n; i++) {
		const char *names[2] = {gpus[i].name, gpus[i].short_name};
		for (int k = 0; k < 2; k++) {
			const struct model_gpu *b = model_gpu_builtin(names[k]);
			if (b && same_figures(b, &gpus[i])) {
				gpus[i].name[0] = '\0'; /* the built-in stays */
				break;
			}
			if (b) {
				rc = mo_err_set(err, MO_EINPUT,
						"cannot load '%s': gpu %d: '%s' is the name of the built-in "
						"GPU '%s'; give yours another name (built-ins are never "
						"replaced)", path, i, names[k], b->name);
				goto out;
			}
		}
		for (int j = 0; j < i; j++)
			if (!strcasecmp(gpus[j].name, gpus[i].name) ||
			    (gpus[i].short_name[0] && !strcasecmp(gpus[j].short_name, gpus[i].short_name))) {
				rc = mo_err_set(err, MO_EINPUT, "cannot load '%s': gpu %d: '%s' names gpu %d "
						"again", path, i, gpus[i].name, j);
				goto out;
			}
	}
	for (int i = 0; i < n; i++)
		if (gpus[i].name[0] && model_gpu_add(&gpus[i]) < 0) {
			rc = mo_err_set(err, MO_ENOMEM, "cannot load '%s': out of memory", path);
			goto out;
		}
out:
	free(gpus);
	free(buf);
	return rc;
}
