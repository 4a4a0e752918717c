/*
 * loader.c - open the CUDA backend (libmosaic-cuda.so) at run time, so the
 * mosaic binary starts without libcuda, NCCL or MPI and reports what is
 * missing instead of failing to load.
 */
#include "engine/cuda/engine-cuda.h"
#include "engine/engine.h"
#include "traces/cuda/trace-cuda.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdlib.h>

typedef int (*run_fn)(const struct plan *p, const struct workload *w,
		      const struct engine_run_opts *o, struct engine_run_result *res,
		      struct mo_err *err);
typedef int (*profile_fn)(const struct engine_cuda_profile_opts *o,
			  struct engine_cuda_profile_result *res, struct mo_err *err);

/*
 * Turn the recorder on for this process: it must be named before the first
 * cuInit (the probe below), which is when the driver loads injections.
 */
static void recorder_on(const char *out)
{
	char lib[PATH_MAX];

	if (!out || trace_cuda_find_lib("libmosaic-recorder.so", "MOSAIC_RECORDER", lib,
					sizeof(lib), NULL))
		return;
	setenv("CUDA_INJECTION64_PATH", lib, 1);
	setenv("NVTX_INJECTION64_PATH", lib, 1);
	setenv("MOSAIC_TRACE_OUT", out, 1);
}

static void *open_backend(const char *symbol, const char *trace_out, struct mo_err *err)
{
	char path[PATH_MAX];
	int ndev = 0;
	void *h, *fn;

	if (!trace_cuda_built()) {
		mo_err_set(err, MO_ENODEV, TRACE_CUDA_NOT_BUILT);
		return NULL;
	}
	recorder_on(trace_out);
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

int engine_cuda_run(const struct plan *p, const struct workload *w,
		    const struct engine_run_opts *o, struct engine_run_result *res,
		    struct mo_err *err)
{
	void *fn;
	run_fn run;

	if (o->out)
		return mo_err_set(err, MO_EUSAGE, "the cuda backend records its traces to files "
				  "(out_path), not to a sink");
	fn = open_backend("engine_cuda_backend_run", o->out_path, err);
	if (!fn)
		return -MO_ENODEV;
	*(void **)&run = fn;
	return run(p, w, o, res, err);
}

int engine_cuda_profile(const struct engine_cuda_profile_opts *o,
			struct engine_cuda_profile_result *res, struct mo_err *err)
{
	void *fn = open_backend("engine_cuda_backend_profile", NULL, err);
	profile_fn profile;

	if (!fn)
		return -MO_ENODEV;
	*(void **)&profile = fn;
	return profile(o, res, err);
}
