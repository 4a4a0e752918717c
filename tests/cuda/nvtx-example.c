/*
 * nvtx-example.c - the annotation header in use (compiled as C by gcc and as
 * C++ by nvcc in `make check-cuda`).  Run with NVTX_INJECTION64_PATH naming
 * the recorder, it must start, annotate and exit 0 even without a GPU: the
 * recorder hands NVTX to CUPTI, which then finds no device.
 */
#include <stdio.h>
#include <string.h>

#include "traces/cuda/mosaic-nvtx.h"
#include "traces/cuda/trace-cuda.h"

int main(void)
{
	for (int mb = 0; mb < 4; mb++) {
		MOSAIC_RANGE_PUSH("vision", "forward", mb);
		MOSAIC_RANGE_PUSH_STEP("llm", "backward", mb, 7);
		MOSAIC_RANGE_POP();
		MOSAIC_RANGE_POP();
	}
	{
		/* what the header writes is what the recorder parses */
		char msg[64];
		struct trace_cuda_range r;
		snprintf(msg, sizeof(msg), "module=%s;phase=%s;mb=%ld;step=%ld", "llm", "backward",
			 3L, 7L);
		if (trace_cuda_range_parse(msg, &r, NULL) || strcmp(r.module, "llm") ||
		    r.microbatch != 3 || r.step != 7) {
			fprintf(stderr, "nvtx-example: encoding mismatch\n");
			return 1;
		}
	}
	printf("nvtx-example: ok\n");
	return 0;
}
