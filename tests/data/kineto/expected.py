#!/usr/bin/env python3
"""Reference figures for Kineto / Chrome trace imports, computed from the JSON
independently of mosaic's importer (Python's json module with exact Decimal
numbers, no shared code).

For each trace given (plain or gzip JSON), prints one tab-separated line:
    file kernels kernel_time_ns busy_ns span_ns
where kernels are the complete ("X") events of category kernel (any case:
"kernel" or the 2021 "Kernel"; NCCL kernels included), each kernel's start is
round(ts * 1000) ns and its end round((ts + dur) * 1000) ns, rounded to nearest
with ties away from zero (ts and dur are microseconds in the Chrome trace
format; displayTimeUnit does not change that), kernel_time_ns is the sum of
end - start, busy_ns is the length of the union of kernel intervals per device
(args.device, else pid), summed over devices, and span_ns is last end minus
first start.  baseTimeNanoseconds shifts every time equally and so changes
none of these figures.

usage: expected.py FILE... > expected.tsv   (file is printed as its basename)
"""
import decimal
import gzip
import json
import os
import sys

D = decimal.Decimal


def load(path):
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    return json.loads(raw, parse_float=D, parse_int=D)


def to_ns(us):
    return int((us * 1000).quantize(D(1), rounding=decimal.ROUND_HALF_UP))


def figures(doc):
    events = doc["traceEvents"] if isinstance(doc, dict) else doc
    per_dev = {}
    n = 0
    total = 0
    lo = hi = None
    for e in events:
        if e.get("ph") != "X" or str(e.get("cat", "")).lower() != "kernel":
            continue
        start = to_ns(e["ts"])
        end = to_ns(e["ts"] + e["dur"])
        n += 1
        total += end - start
        lo = start if lo is None else min(lo, start)
        hi = end if hi is None else max(hi, end)
        args = e.get("args") or {}
        dev = args.get("device", e.get("pid"))
        per_dev.setdefault(str(dev), []).append((start, end))
    busy = 0
    for iv in per_dev.values():
        iv.sort()
        cur_s, cur_e = iv[0]
        for s, t in iv[1:]:
            if s > cur_e:
                busy += cur_e - cur_s
                cur_s, cur_e = s, t
            else:
                cur_e = max(cur_e, t)
        busy += cur_e - cur_s
    span = (hi - lo) if n else 0
    return n, total, busy, span


def main(paths):
    print("file\tkernels\tkernel_time_ns\tbusy_ns\tspan_ns")
    for p in paths:
        n, total, busy, span = figures(load(p))
        print(f"{os.path.basename(p)}\t{n}\t{total}\t{busy}\t{span}")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
