/*
 * loader.c - open the CUDA backend (libmosaic-cuda.so) at run time, so the
 * mosaic binary starts without libcuda, NCCL or MPI and reports what is
 * missing instead of failing to load.
 */
#include "engine/cuda/engine-cuda.h"
#include "traces/cuda/trace-cuda.h"

#include <dlfcn.h>
#include <limits.h>

typedef int (*run_fn)(const struct engine_cuda_run_opts *o, struct mo_err *err);
typedef int (*profile_fn)(const struct engine_cuda_profile_opts *o, struct mo_err *err);

static void *open_backend(const char *symbol, struct mo_err *err)
{
	char path[PATH_MAX];
	int ndev = 0;
	void *h, *fn;

	if (!trace_cuda_built()) {
		mo_err_set(err, MO_ENODEV,
			   "mosaic was built without CUDA support (no CUDA toolkit at build time); "
			   "use '--backend sim' to simulate, or rebuild with CUDA_HOME set");
		return NULL;
	}
	if (trace_cuda_probe(&ndev, err))
		return NULL;
	if (trace_cuda_find_lib("libmosaic-cuda.so", "MOSAIC_CUDA_LIB", path, sizeof(path), err))
		return NULL;
	/* RTLD_GLOBAL: Open MPI loads its components with dlopen and needs libmpi's symbols */
	h = dlopen(path, RTLD_NOW | RTLD_GLOBAL);
	if (!h) {
		const char *why = dlerror();
		mo_err_set(err, MO_ENODEV, "cannot load the CUDA backend '%s': %s", path,
			   why ? why : "unknown error");
		return NULL;
	}
	fn = dlsym(h, symbol);
	if (!fn) {
		mo_err_set(err, MO_ENODEV, "'%s' lacks %s (stale build?)", path, symbol);
		return NULL;
	}
	/* never dlclose: libcuda, NCCL and MPI do not support being unloaded */
	return fn;
}

int engine_cuda_run(const struct engine_cuda_run_opts *o, struct mo_err *err)
{
	void *fn = open_backend("engine_cuda_backend_run", err);
	run_fn run;

	if (!fn)
		return err ? err->code : -MO_ENODEV;
	*(void **)&run = fn;
	return run(o, err);
}

int engine_cuda_profile(const struct engine_cuda_profile_opts *o, struct mo_err *err)
{
	void *fn = open_backend("engine_cuda_backend_profile", err);
	profile_fn profile;

	if (!fn)
		return err ? err->code : -MO_ENODEV;
	*(void **)&profile = fn;
	return profile(o, err);
}
