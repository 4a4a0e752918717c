// nvtx-kernel.cu - the annotation header from C++ around a kernel launch,
// compiled by nvcc for sm_80 and sm_90 with warnings as errors (make cuda).
#include <cstdio>

#include <cuda_runtime.h>

#include "traces/cuda/mosaic-nvtx.h"

__global__ void scale(float *x, float a, int n)
{
	int i = blockIdx.x * blockDim.x + threadIdx.x;
	if (i < n)
		x[i] *= a;
}

int main()
{
	float *x = nullptr;
	int n = 1 << 20;
	cudaError_t e = cudaMalloc(&x, n * sizeof(float));

	if (e != cudaSuccess) {
		std::fprintf(stderr, "nvtx-kernel: %s\n", cudaGetErrorString(e));
		return 2;
	}
	for (int mb = 0; mb < 4; mb++) {
		MOSAIC_RANGE_PUSH("vision", "forward", mb);
		scale<<<(n + 255) / 256, 256>>>(x, 1.5f, n);
		MOSAIC_RANGE_POP();
	}
	e = cudaDeviceSynchronize();
	cudaFree(x);
	return e == cudaSuccess ? 0 : 1;
}
