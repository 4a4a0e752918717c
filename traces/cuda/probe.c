/*
 * probe.c - find the CUDA driver and the files that ship beside mosaic,
 * without linking libcuda: the main binary must start on machines without
 * a driver and say why it cannot record or run.
 */
#include "traces/cuda/trace-cuda.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef MOSAIC_CUDA_BUILT
#define MOSAIC_CUDA_BUILT 0
#endif

int trace_cuda_built(void)
{
	return MOSAIC_CUDA_BUILT;
}

/* The driver API entry points the probe needs (CUresult is an int enum). */
typedef int (*cu_init_fn)(unsigned int flags);
typedef int (*cu_count_fn)(int *count);
typedef int (*cu_errname_fn)(int res, const char **name);

static const char *cu_name(cu_errname_fn fn, int res)
{
	const char *s = NULL;

	if (fn && fn(res, &s) == 0 && s)
		return s;
	return "unknown CUresult";
}

int trace_cuda_probe(int *count, struct mo_err *err)
{
	void *h;
	cu_init_fn init;
	cu_count_fn get_count;
	cu_errname_fn errname;
	int n = 0, rc;

	if (count)
		*count = 0;
	h = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		const char *why = dlerror();
		return mo_err_set(err, MO_ENODEV,
				  "cannot load the CUDA driver 'libcuda.so.1': %s; " TRACE_CUDA_SIM_HINT,
				  why ? why : "not found");
	}
	init = (cu_init_fn)dlsym(h, "cuInit");
	get_count = (cu_count_fn)dlsym(h, "cuDeviceGetCount");
	errname = (cu_errname_fn)dlsym(h, "cuGetErrorName");
	if (!init || !get_count) {
		dlclose(h);
		return mo_err_set(err, MO_ENODEV,
				  "'libcuda.so.1' lacks cuInit/cuDeviceGetCount; " TRACE_CUDA_SIM_HINT);
	}
	rc = init(0);
	if (rc != 0) {
		mo_err_set(err, MO_ENODEV, "cuInit failed: %s (%d); " TRACE_CUDA_SIM_HINT,
			   cu_name(errname, rc), rc);
		dlclose(h);
		return -MO_ENODEV;
	}
	rc = get_count(&n);
	if (rc != 0 || n <= 0) {
		if (rc != 0)
			mo_err_set(err, MO_ENODEV, "cuDeviceGetCount failed: %s (%d); " TRACE_CUDA_SIM_HINT,
				   cu_name(errname, rc), rc);
		else
			mo_err_set(err, MO_ENODEV, "the CUDA driver sees 0 devices; " TRACE_CUDA_SIM_HINT);
		dlclose(h);
		return -MO_ENODEV;
	}
	/* keep the driver loaded: unloading libcuda after cuInit is not supported */
	if (count)
		*count = n;
	return 0;
}

static int exists(const char *p)
{
	return access(p, R_OK) == 0;
}

int trace_cuda_find_lib(const char *file, const char *env, char *buf, size_t cap,
			struct mo_err *err)
{
	char exe[PATH_MAX];
	const char *e = env ? getenv(env) : NULL;
	ssize_t n;
	char *slash;
	int w;

	if (e && *e) {
		if (!exists(e))
			return mo_err_set(err, MO_ENODEV, "cannot read '%s' (named by %s)", e, env);
		if (strlen(e) >= cap)
			return mo_err_set(err, MO_EUSAGE, "path '%s' too long", e);
		strcpy(buf, e);
		return 0;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return mo_err_set(err, MO_ENODEV, "cannot find '%s': /proc/self/exe unreadable", file);
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (slash)
		*slash = '\0';
	w = snprintf(buf, cap, "%s/%s", exe, file);
	if (w > 0 && (size_t)w < cap && exists(buf))
		return 0;
	w = snprintf(buf, cap, "%s/../lib/mosaic/%s", exe, file);
	if (w > 0 && (size_t)w < cap && exists(buf))
		return 0;
	if (!trace_cuda_built())
		return mo_err_set(err, MO_ENODEV, TRACE_CUDA_NOT_BUILT);
	return mo_err_set(err, MO_ENODEV, "cannot find '%s' in '%s' or '%s/../lib/mosaic'%s%s%s",
			  file, exe, exe, env ? " (set " : "", env ? env : "", env ? ")" : "");
}
