/* kernel.c - the test kernel builder (kernel.h). */
#include "tests/common/kernel.h"

#include <string.h>

struct trace_kernel test_kernel(int kclass, int64_t dur_ns, int64_t grid_x, int block_x, int regs,
				int dyn_smem)
{
	struct trace_kernel k;

	memset(&k, 0, sizeof(k));
	k.start_ns = 1000;
	k.end_ns = 1000 + dur_ns;
	k.grid_x = grid_x;
	k.grid_y = k.grid_z = 1;
	k.block_x = block_x;
	k.block_y = k.block_z = 1;
	k.registers = regs;
	k.dynamic_smem = dyn_smem;
	k.kclass = kclass;
	k.flops = k.bytes = -1;
	k.name = "k";
	return k;
}
