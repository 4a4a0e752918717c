/*
 * kernel.h - the one builder of a test kernel record, shared by the suites
 * that feed single kernels to the model and to the CUDA replay sizing
 * (test-model, test-cuda-host).
 */
#ifndef MOSAIC_TESTS_KERNEL_H
#define MOSAIC_TESTS_KERNEL_H

#include <stdint.h>

#include "traces/traces.h"

/*
 * A kernel of class kclass that ran dur_ns (from 1000 ns), on a 1-D grid of
 * grid_x blocks of block_x threads, with regs registers per thread and
 * dyn_smem bytes of dynamic shared memory (no static); FLOPs and bytes
 * unknown (-1); named "k".
 */
struct trace_kernel test_kernel(int kclass, int64_t dur_ns, int64_t grid_x, int block_x, int regs,
				int dyn_smem);

#endif
