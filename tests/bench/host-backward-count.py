#!/usr/bin/env python3
"""The backward's CPU activity per launch, from measured training traces.

usage: tests/bench/host-backward-count.py [DIR]   (default ../shared/external-traces)

For each training trace (Kineto JSON: VGG13 on an H100, triosim; ResNet-50 on
a V100, the kineto tb_plugin sample; a CNN under DDP on a V100, Holistic Trace
Analysis) the launch calls are split by phase: the autograd thread (the one
running "*Backward" / "autograd::engine" operators) is the backward, launches
inside an "Optimizer.step" window the optimizer, the rest the forward.  Per
phase it prints the launches, the ATen CPU operators ("cpu_op") and Python
functions that start on the phase's thread per launch, the median interval
between consecutive launches on that thread (those above 1 ms dropped), and
what the eager activity fit of model/model.h charges a launch with that
activity: 12.36 us + 3.33 us an operator + 1.24 us a Python call.  The
backward's median operators per launch over the traces is what model/model.h
holds as MODEL_HOST_BWD_OPS_PER_LAUNCH.  Standard library only.
"""
import collections, gzip, json, os, statistics, sys

DIR = sys.argv[1] if len(sys.argv) > 1 else '../shared/external-traces'
TRACES = ['triosim/profiler_vgg13-iter41.json',
          'kineto-tb-plugin/resnet50_num_workers_0/worker0.1623143089861.pt.trace.json.gz',
          'holistic-trace-analysis/ns_resolution_trace/rank-0.Apr_03_18_51_38.1102.pt.trace.json.gz']
ENQ = ('cudaLaunchKernel', 'cudaLaunchKernelExC', 'cuLaunchKernel', 'cudaMemcpyAsync',
       'cudaMemsetAsync')
MAX_US = 1000
LAUNCH_US, OP_US, PYCALL_US = 12.36, 3.33, 1.24


def events(path):
    f = gzip.open(path) if path.endswith('.gz') else open(path)
    d = json.load(f)
    return [e for e in (d['traceEvents'] if isinstance(d, dict) else d) if e.get('ph') == 'X']


def phases(ev):
    """The phase of each event: bwd (autograd thread), opt, fwd."""
    ops = [e for e in ev if e.get('cat') in ('cpu_op', 'Operator')]
    bwd = collections.Counter(e['tid'] for e in ops
                              if 'Backward' in e['name'] or 'autograd::engine' in e['name'])
    bt = bwd.most_common(1)[0][0]
    opt = [(e['ts'], e['ts'] + e['dur']) for e in ev if e['name'].startswith('Optimizer.step')]
    if not opt:  # recorded without the profiler's optimizer annotations
        opt = [(e['ts'], e['ts'] + e['dur']) for e in ev if e.get('cat') == 'python_function'
               and 'optim' in e['name'] and 'step' in e['name']]
    return lambda e: 'bwd' if e['tid'] == bt else (
        'opt' if any(a <= e['ts'] <= b for a, b in opt) else 'fwd')


def main():
    bwd_ops = []
    for rel in TRACES:
        path = os.path.join(DIR, rel)
        if not os.path.exists(path):
            print('SKIP: %s absent' % path)
            return 0
        ev = events(path)
        ph = phases(ev)
        launches = collections.defaultdict(list)
        count = collections.defaultdict(lambda: [0, 0])
        for e in ev:
            if e.get('cat') in ('cuda_runtime', 'cuda_driver', 'Runtime') and e['name'] in ENQ:
                launches[ph(e)].append(e['ts'])
            elif e.get('cat') in ('cpu_op', 'Operator'):
                count[ph(e)][0] += 1
            elif e.get('cat') == 'python_function':
                count[ph(e)][1] += 1
        print(rel.split('/')[0])
        for p in ('fwd', 'bwd', 'opt'):
            ts = sorted(launches[p])
            iv = [b - a for a, b in zip(ts, ts[1:]) if 0 <= b - a <= MAX_US]
            n = max(len(ts), 1)
            o, py = count[p][0] / n, count[p][1] / n
            if p == 'bwd':
                bwd_ops.append(o)
            print('  %s %5d launches, %5.2f ops and %5.2f Python calls a launch, median interval '
                  '%6.1f us (measured); the fit charges %5.1f us' %
                  (p, len(ts), o, py, statistics.median(iv) if iv else float('nan'),
                   LAUNCH_US + OP_US * o + PYCALL_US * py))
    m = statistics.median(bwd_ops)
    print('backward: median %.2f ops a launch over %d traces: %.1f us a backward kernel (predicted)'
          % (m, len(bwd_ops), LAUNCH_US + OP_US * m))
    return 0


if __name__ == '__main__':
    sys.exit(main())
