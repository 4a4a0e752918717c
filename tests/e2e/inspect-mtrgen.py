#!/usr/bin/env python3
"""Write small .mtr traces for the inspect/export end-to-end tests.

The msgpack encoding and the field order are mtr.py's, written independently
of the C writer (traces/traces.h is the spec), so these tests also check that
the reader follows the documented format.  Usage: inspect-mtrgen.py good|bad OUT
"""
import sys

from mtr import header, rec

BASE = 2**55  # absolute times above 2^53 must survive exactly


def kernel(s, e, dev, stream, module, kclass, name, part=-1):
    return rec("kernel", start_ns=BASE + s, end_ns=BASE + e, device=dev, stream=stream,
               partition=part, module=module, phase=0, microbatch=0, step=0,
               grid_x=132, grid_y=1, grid_z=1, block_x=256, block_y=1, block_z=1,
               registers=64, static_smem=0, dynamic_smem=4096, kclass=kclass, name=name)


def trace(bad):
    out = [header("inspect-mtrgen", 0, "NVIDIA H100 80GB HBM3", 132)]
    out += [rec("device", id=0, sms=132, name="NVIDIA H100 80GB HBM3"),
            rec("device", id=1, sms=132, name="NVIDIA H100 80GB HBM3"),
            rec("partition", device=0, id=0, sms=64, name="vision"),
            rec("partition", device=0, id=1, sms=64, name="llm"),
            rec("stream", device=0, id=7, partition=0, name=""),
            rec("stream", device=0, id=8, partition=1, name=""),
            rec("stream", device=1, id=7, partition=-1, name=""),
            rec("module", id=0, name="vision"),
            rec("module", id=1, name="llm"),
            rec("phase", id=0, name="forward"),
            rec("marker", start_ns=BASE, end_ns=BASE + 20000, device=-1, stream=-1,
                module=-1, phase=-1, microbatch=-1, step=0, name="step 0",
                category="user_annotation")]
    out += [kernel(1000, 2000, 0, 7, 0, 1, "sm90_gemm_vision", 0),
            kernel(2500, 3000, 0, 7, 0, 4, "add_kernel", 0),
            kernel(1500, 2600, 0, 8, 1, 1, "sm90_gemm_llm", 1),
            kernel(10000, 10400, 1, 7, 1, 2, "flash_attn_fwd"),
            rec("collective", start_ns=BASE + 10400, end_ns=BASE + 11000, device=1, stream=7,
                module=1, phase=0, coll=1, bytes=1 << 20, group_size=2, group_rank=1,
                group="dp", dtype="bf16", name="ncclDevKernel_AllReduce_Sum_bf16_RING_LL"),
            rec("memcpy", start_ns=BASE + 500, end_ns=BASE + 900, device=1, stream=7,
                bytes=4096, copy_kind=1, name="Memcpy HtoD")]
    if bad:
        out += [kernel(1800, 2200, 0, 7, 0, 1, "overlapping", 0),
                kernel(5000, 5100, 0, 9, 0, 1, "on_an_undefined_stream")]
    return b"".join(out)


if __name__ == "__main__":
    with open(sys.argv[2], "wb") as fp:
        fp.write(trace(sys.argv[1] == "bad"))
