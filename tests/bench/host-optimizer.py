#!/usr/bin/env python3
"""The optimizer step, measured against synthesised (workloads/optimizer.c).

usage: MOSAIC=build/mosaic tests/bench/host-optimizer.py [--check] [DIR]
       (DIR: default ../shared/external-traces)

For each measured training trace whose model mosaic can build (ResNet-50, the
specs in workloads/train/), the kernels launched inside the first
"Optimizer.step" window: their number, their GPU time (the sum of their
durations) and the window's CPU time; against `mosaic synth SPEC --launch
eager --json`'s opt_kernels, opt_busy_ns and opt_host_ns (the launching CPU
time the host model charges).  VGG13 (H100, Adam foreach) has no spec (mosaic
has no VGG architecture): its measured figures are printed, and
tests/test-workloads.c checks its tensors' kernel count and CPU activity.
With --check: exit 1 unless every kernel count is exact and every GPU time
within 60 % (the bench's looser bound, for tests/e2e/host-optimizer.sh).
Standard library only.
"""
import gzip, json, os, subprocess, sys, tempfile

ROWS = [  # (label, trace under DIR, spec or None)
    ('ResNet-50 V100 SGD for-loop',
     'kineto-tb-plugin/resnet50_num_workers_0/worker0.1623143089861.pt.trace.json.gz',
     'workloads/train/resnet50-sgd-v100.json'),
    ('ResNet-50 V100 SGD foreach',
     'holistic-trace-analysis/ns_resolution_trace/rank-0.Apr_03_18_51_38.1102.pt.trace.json.gz',
     'workloads/train/resnet50-sgd-foreach-v100.json'),
    ('ResNet-50 A100 SGD foreach',
     'holistic-trace-analysis/nccl_parser_config/nccl_data.json.gz',
     'workloads/train/resnet50-sgd-foreach-a100.json'),
    ('VGG13 H100 Adam foreach', 'triosim/profiler_vgg13-iter41.json', None),
]
ENQ = ('cudaLaunchKernel', 'cudaLaunchKernelExC', 'cuLaunchKernel')


def events(path):
    f = gzip.open(path) if path.endswith('.gz') else open(path)
    d = json.load(f)
    return [e for e in (d['traceEvents'] if isinstance(d, dict) else d) if e.get('ph') == 'X']


def corr(e):
    a = e.get('args', {})
    return a.get('correlation', a.get('correlation id'))


def measured(path):
    """kernels, GPU us, CPU us of the first Optimizer.step window."""
    ev = events(path)
    a, b = min((e['ts'], e['ts'] + e['dur']) for e in ev
               if e['name'].startswith('Optimizer.step#'))
    launched = {corr(e) for e in ev if e.get('cat') in ('cuda_runtime', 'Runtime')
                and e['name'] in ENQ and a <= e['ts'] <= b}
    k = [e for e in ev if e.get('cat') in ('kernel', 'Kernel') and corr(e) in launched]
    return len(k), sum(e['dur'] for e in k), b - a


def synthesised(mosaic, spec):
    with tempfile.TemporaryDirectory(prefix='host-optimizer') as tmp:
        out = subprocess.run([mosaic, 'synth', spec, '--launch', 'eager', '--json', '-o',
                              os.path.join(tmp, 's.mtr')], check=True, capture_output=True,
                             text=True).stdout
    s = json.loads(out)
    return s['opt_kernels'], s['opt_busy_ns'] / 1e3, s['opt_host_ns'] / 1e3


def pct(s, m):
    return 100.0 * (s - m) / m if m else float('nan')


def main():
    args = [a for a in sys.argv[1:] if a != '--check']
    check = '--check' in sys.argv[1:]
    root = args[0] if args else '../shared/external-traces'
    mosaic = os.environ.get('MOSAIC', 'build/mosaic')
    bad, absent, read = [], [], 0
    print('%-28s %15s %30s %30s' % ('optimizer step', 'kernels m / s', 'GPU time us m / s',
                                     'CPU time us m / s'))
    for label, rel, spec in ROWS:
        path = os.path.join(root, rel)
        if not os.path.exists(path):
            absent.append(path)
            continue
        read += 1
        mk, mg, mc = measured(path)
        if not spec:
            print('%-28s %6d / %6s %12.0f / %15s %12.0f / %15s' % (label, mk, '-', mg, '-', mc, '-'))
            continue
        sk, sg, sc = synthesised(mosaic, spec)
        print('%-28s %6d / %6d %12.0f / %8.0f (%+4.0f%%) %12.0f / %8.0f (%+4.0f%%)' % (
            label, mk, sk, mg, sg, pct(sg, mg), mc, sc, pct(sc, mc)))
        if sk != mk or abs(pct(sg, mg)) > 60:
            bad.append(label)
    print('(measured: the traces\' first Optimizer.step; synthesised: mosaic synth, one eager '
          'host thread; CPU time: the step\'s window / the launching time charged)')
    for path in absent:
        print('absent (row left out): %s' % path)
    if not read:
        print('SKIP: no measured trace under %s' % root)
        return 0
    if check and bad:
        print('outside the bound: ' + ', '.join(bad))
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
