#!/usr/bin/env python3
"""Write small synthetic .mtr traces for the model and validate end-to-end tests.

Traces of two modules ("vit", "llm"), forward and backward, on an H100, as if
recorded at several SM quotas.  Their times follow a hand-written law (waves
of the grid over the quota, plus a DRAM-bound share that saturates at 72 SMs),
written here, not taken from mosaic, and the header says "simulated": they are
test inputs for the plumbing (matching, rows, exit codes, plots), not
measurements, and the errors `mosaic validate` reports on them say nothing
about the model's accuracy on hardware.  The msgpack encoding is mtr.py's,
which follows traces/traces.h independently of the C writer.

Usage: model-mtrgen.py DIR   (writes ref.mtr, q64.mtr, q32.mtr, q16.mtr,
       corun.mtr, other.mtr and empty.mtr into DIR)
"""
import math
import os
import sys

import mtr
from mtr import rec


GPU = "NVIDIA H100 80GB HBM3"

# (module, phase, name, class, blocks, us at 132 SMs, DRAM-bound share)
KERNELS = [
    (0, 0, "sm90_xmma_gemm_bf16bf16_bf16f32_f32_tn_n_tilesize128x128x64", 1, 2048, 120.0, 0.15),
    (0, 0, "vectorized_layer_norm_kernel", 5, 4096, 30.0, 0.8),
    (0, 0, "flash_fwd_kernel", 2, 512, 80.0, 0.2),
    (0, 1, "sm90_xmma_gemm_bf16bf16_bf16f32_f32_nt_n_tilesize128x128x64", 1, 2048, 240.0, 0.15),
    (0, 1, "vectorized_elementwise_kernel_gelu_backward", 4, 8192, 40.0, 0.9),
    (1, 0, "sm90_xmma_gemm_bf16bf16_bf16f32_f32_tn_n_tilesize256x128x64", 1, 1024, 300.0, 0.1),
    (1, 0, "softmax_warp_forward", 5, 132, 25.0, 0.8),
    (1, 1, "sm90_xmma_gemm_bf16bf16_bf16f32_f32_nn_n_tilesize256x128x64", 1, 1024, 600.0, 0.1),
]
BPS = 4  # 256 threads, 64 registers: 4 blocks per SM on H100 here


def duration(blocks, us, mem, quota):
    waves = math.ceil(blocks / (BPS * quota)) / math.ceil(blocks / (BPS * 132))
    bw = min(quota, 72) / 72.0
    return int(1000 * (us * (1 - mem) * waves + us * mem / bw))


def header(quota):
    return mtr.header("model-mtrgen", quota, GPU, 132)


def defs(parts=None):
    out = [rec("device", id=0, sms=132, name=GPU),
           rec("module", id=0, name="vit"), rec("module", id=1, name="llm"),
           rec("phase", id=0, name="forward"), rec("phase", id=1, name="backward")]
    if parts:
        for i, sms in enumerate(parts):
            out.append(rec("partition", device=0, id=i, sms=sms, name=["vit", "llm"][i]))
            out.append(rec("stream", device=0, id=7 + i, partition=i, name=""))
    else:
        out.append(rec("stream", device=0, id=7, partition=-1, name=""))
    return out


def kernel(s, d, module, phase, name, kclass, blocks, stream=7, part=-1, step=0):
    return rec("kernel", start_ns=s, end_ns=s + d, device=0, stream=stream, partition=part,
               module=module, phase=phase, microbatch=0, step=step, grid_x=blocks, grid_y=1,
               grid_z=1, block_x=256, block_y=1, block_z=1, registers=64, static_smem=0,
               dynamic_smem=0, kclass=kclass, name=name)


def solo(quota, rename=False):
    out = [header(0 if quota == 132 else quota)] + defs()
    t = 1000
    for step in range(2):
        for (m, p, name, kc, blocks, us, mem) in KERNELS:
            d = duration(blocks, us, mem, quota)
            out.append(kernel(t, d, m, p, "other_" + name if rename else name, kc, blocks,
                              step=step))
            t += d + 500
    return b"".join(out)


def corun():
    # vit on 64 SMs and llm on 64 SMs at the same time; 10% slower from sharing
    out = [header(0)] + defs([64, 64])
    t = {0: 1000, 1: 1000}
    for (m, p, name, kc, blocks, us, mem) in KERNELS:
        d = int(duration(blocks, us, mem, 64) * 1.1)
        out.append(kernel(t[m], d, m, p, name, kc, blocks, stream=7 + m, part=m))
        t[m] += d + 500
    return b"".join(out)


if __name__ == "__main__":
    d = sys.argv[1]
    files = {"ref.mtr": solo(132), "q64.mtr": solo(64), "q32.mtr": solo(32),
             "q16.mtr": solo(16), "corun.mtr": corun(), "other.mtr": solo(64, rename=True),
             "empty.mtr": b"".join([header(0)] + defs())}
    for n, b in files.items():
        with open(os.path.join(d, n), "wb") as fp:
            fp.write(b)
