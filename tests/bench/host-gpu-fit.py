#!/usr/bin/env python3
"""The eager host model's activity constants per GPU (its own machine's traces).

usage: tests/bench/host-gpu-fit.py [DIR]   (default ../shared/external-traces)

tests/bench/host-activity-fit.py fits the H100 constants on four inference
traces recorded with Python stacks.  The A100 and V100 traces among the
external traces (Holistic Trace Analysis, MIT; the kineto tb_plugin sample,
BSD) were recorded without Python stacks, so here the interval between
consecutive launch calls on one thread (whose correlation matches a GPU
activity; those above 1 ms dropped, as model/host.c's fit does) is fitted,
per GPU, as
    interval = a (a launch) + b x the ATen CPU operators that start in it
                                on the same thread
by least squares; Python's time is inside a and b.  Prints per GPU the fit,
each trace's issue time (sum of its intervals) under it, and the same with
the trace left out of the fit: what model/model.h's named hosts
a100-traces and v100-traces (model_host_init_cpu) hold.  Both the old (2021: "Runtime", "Kernel",
"Operator") and the current Kineto category names are read.  Standard
library only.
"""
import bisect, collections, gzip, json, os, sys

DIR = sys.argv[1] if len(sys.argv) > 1 else '../shared/external-traces'
HTA = 'holistic-trace-analysis/'
SETS = {
    'a100': [HTA + 'nccl_parser_config/nccl_data.json.gz',
             HTA + 'critical_path/alexnet/benchmark_result_2869224_1695835535_trace.json.gz',
             HTA + 'trace_diff/control/control.json.gz',
             HTA + 'negative_queue_length_values_check/rank0.json.gz'],
    'v100': [HTA + 'ns_resolution_trace/rank-0.Apr_03_18_51_38.1102.pt.trace.json.gz',
             'kineto-tb-plugin/resnet50_num_workers_0/worker0.1623143089861.pt.trace.json.gz'],
}
ENQ = ('cudaLaunchKernel', 'cudaLaunchKernelExC', 'cuLaunchKernel', 'cudaMemcpyAsync',
       'cudaMemsetAsync')
GPU = ('kernel', 'gpu_memset', 'gpu_memcpy', 'Kernel', 'Memset', 'Memcpy')
RUNTIME = ('cuda_runtime', 'cuda_driver', 'Runtime')
OPS = ('cpu_op', 'Operator')
MAX_US = 1000


def intervals(path):
    """(operators on the thread, interval us) of each kept launch interval."""
    ev = [e for e in json.load(gzip.open(path))['traceEvents'] if e.get('ph') == 'X']
    gpu = {e['args'].get('correlation') for e in ev if e.get('cat') in GPU}
    calls = sorted((str(e['tid']), e['ts']) for e in ev
                   if e.get('cat') in RUNTIME and e['name'] in ENQ
                   and e['args'].get('correlation') in gpu)
    ops = collections.defaultdict(list)
    for e in ev:
        if e.get('cat') in OPS:
            ops[str(e['tid'])].append(e['ts'])
    for v in ops.values():
        v.sort()
    rows = []
    for (t0, s0), (t1, s1) in zip(calls, calls[1:]):
        if t0 == t1 and 0 <= s1 - s0 <= MAX_US:
            a = ops[t0]
            rows.append((bisect.bisect_right(a, s1) - bisect.bisect_right(a, s0), s1 - s0))
    return rows


def fit(rows):
    n = len(rows)
    sx = sum(r[0] for r in rows); sy = sum(r[1] for r in rows)
    sxx = sum(r[0] * r[0] for r in rows); sxy = sum(r[0] * r[1] for r in rows)
    b = (n * sxy - sx * sy) / (n * sxx - sx * sx)
    return (sy - b * sx) / n, b


def issue_err(coef, rows):
    p = sum(coef[0] + coef[1] * r[0] for r in rows)
    y = sum(r[1] for r in rows)
    return 100.0 * (p - y) / y


for gpu, paths in SETS.items():
    rows = {}
    for p in paths:
        path = os.path.join(DIR, p)
        if not os.path.exists(path):
            print('SKIP: %s absent' % path)
            sys.exit(0)
        rows[p] = intervals(path)
    allrows = [r for v in rows.values() for r in v]
    coef = fit(allrows)
    print('%s, pooled over %d intervals of %d traces: %.2f us a launch + %.2f us an op'
          % (gpu, len(allrows), len(rows), coef[0], coef[1]))
    for p, r in rows.items():
        rest = [x for q, v in rows.items() if q != p for x in v]
        loo = fit(rest) if len(rows) > 2 else None
        print('  %-44s %5d intervals, mean %6.1f us, %.2f ops: issue time %+6.1f%%'
              ' (left out of the fit: %s)'
              % (os.path.basename(p)[:44], len(r), sum(x[1] for x in r) / len(r),
                 sum(x[0] for x in r) / len(r), issue_err(coef, r),
                 '%+.1f%%' % issue_err(loo, r) if loo else
                 'one trace left, %.2f + %.2f: %+.1f%%' % (fit(rest) + (issue_err(fit(rest), r),))))
