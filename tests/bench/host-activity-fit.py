#!/usr/bin/env python3
"""The eager host model's activity constants and per-layer inventory.

usage: tests/bench/host-activity-fit.py [DIR]   (default ../shared/external-traces/tracelens/h100)

From the measured H100 Kineto traces (TraceLens, MIT): every interval between
consecutive launch calls on one thread whose correlation matches a GPU
activity (the intervals model/host.c's fit uses, those above 1 ms dropped)
and the CPU operators ("cpu_op") and Python functions ("python_function")
that start in it.  Prints the least-squares fit
    interval = a + b x ops + c x python calls
pooled over all traces, each trace's issue-time error under it, the same
leaving each trace out of the fit, and per trace the activity of one layer
(its nn.Module interval) and of the rest (first launch to last, outside the
layers): what model/model.h (MODEL_HOST_LAUNCH_NS, _OP_NS, _PYCALL_NS) and
workloads/host-inventory.c hold.  OWLv2's trace gives the "clip" rows: per
tower (Owlv2VisionTransformer, Owlv2TextTransformer) its Owlv2EncoderLayer
intervals and the rest of the tower's interval, averaged over the passes.
Standard library only.
"""
import bisect, gzip, json, os, sys

DIR = sys.argv[1] if len(sys.argv) > 1 else '../shared/external-traces/tracelens/h100'
TRACES = [('Falconsai_nsfw_image_detection__1016002', 'ViTLayer'),
          ('gaunernst_bert-small-uncased__1016001', 'BertLayer'),
          ('Qwen_Qwen1.5-0.5B-Chat__1016005', 'Qwen2DecoderLayer'),
          ('google_owlv2-large-patch14-ensemble__1016001', None)]
ENQ = ('cudaLaunchKernel', 'cudaLaunchKernelExC', 'cuLaunchKernel', 'cudaMemcpyAsync',
       'cudaMemsetAsync')
MAX_US = 1000


def count(a, s, t):
    return bisect.bisect_right(a, t) - bisect.bisect_right(a, s)


def solve(X, y):
    k = len(X[0])
    M = [[sum(r[i] * r[j] for r in X) for j in range(k)] for i in range(k)]
    v = [sum(r[i] * yy for r, yy in zip(X, y)) for i in range(k)]
    for i in range(k):
        for j in range(i + 1, k):
            f = M[j][i] / M[i][i]
            M[j] = [a - f * b for a, b in zip(M[j], M[i])]
            v[j] -= f * v[i]
    x = [0.0] * k
    for i in reversed(range(k)):
        x[i] = (v[i] - sum(M[i][c] * x[c] for c in range(i + 1, k))) / M[i][i]
    return x


def issue_err(coef, rows):
    p = sum(coef[0] + coef[1] * r[0] + coef[2] * r[1] for r in rows)
    y = sum(r[2] for r in rows)
    return 100.0 * (p - y) / y


def towers(name, ev, arrays):
    """OWLv2's CLIP towers: per tower, its layers' and the rest's activity."""
    mods = [e for e in ev if e.get('cat') == 'python_function' and e['name'].startswith('nn.Module: ')]
    layers = [e for e in mods if e['name'].startswith('nn.Module: Owlv2EncoderLayer_')]
    for tower in ('Owlv2VisionTransformer', 'Owlv2TextTransformer'):
        passes = [e for e in mods if e['name'].startswith('nn.Module: ' + tower + '_')]
        tot, per, n = [0, 0, 0, 0], [0, 0, 0, 0], 0
        for t in passes:
            end = t['ts'] + t['dur']
            tot = [x + count(a, t['ts'] - 1, end) for x, a in zip(tot, arrays)]
            for m in layers:
                if t['ts'] <= m['ts'] and m['ts'] + m['dur'] <= end:
                    n += 1
                    per = [x + count(a, m['ts'] - 1, m['ts'] + m['dur']) for x, a in zip(per, arrays)]
        k = len(passes)
        print('%-40s clip %-22s %d layers a pass: layer launches %.1f kernels %.1f ops %.1f '
              'python %.1f; rest: %.1f %.1f %.1f %.1f' % ((name[:40], tower, n // k) +
                                                           tuple(x / n for x in per) +
                                                           tuple((t - p) / k for t, p in zip(tot, per))))


rows = {}
for name, layer in TRACES:
    path = os.path.join(DIR, name + '.json.gz')
    if not os.path.exists(path):
        print('SKIP: %s absent' % path)
        sys.exit(0)
    ev = [e for e in json.load(gzip.open(path))['traceEvents'] if e.get('ph') == 'X']
    gpu = {e['args'].get('correlation'): e.get('cat') for e in ev
           if e.get('cat') in ('kernel', 'gpu_memset', 'gpu_memcpy')}
    calls = sorted((e['tid'], e['ts'], gpu[e['args']['correlation']]) for e in ev
                   if e.get('cat') in ('cuda_runtime', 'cuda_driver') and e['name'] in ENQ
                   and e['args'].get('correlation') in gpu)
    ops = sorted(e['ts'] for e in ev if e.get('cat') == 'cpu_op')
    py = sorted(e['ts'] for e in ev if e.get('cat') == 'python_function')
    rows[name] = [(count(ops, s0, s1), count(py, s0, s1), s1 - s0)
                  for (t0, s0, _), (t1, s1, _) in zip(calls, calls[1:])
                  if t0 == t1 and 0 <= s1 - s0 <= MAX_US]
    launches = sorted(c[1] for c in calls)
    kernels = sorted(c[1] for c in calls if c[2] == 'kernel')
    if not layer:
        towers(name, ev, (launches, kernels, ops, py))
        continue
    first, last = launches[0], launches[-1]
    total = [count(a, first - 1, last) for a in (launches, kernels, ops, py)]
    mods = [e for e in ev if e.get('cat') == 'python_function'
            and e['name'].startswith('nn.Module: ' + layer + '_')]
    per = [0, 0, 0, 0]
    for m in mods:
        for i, a in enumerate((launches, kernels, ops, py)):
            per[i] += count(a, m['ts'] - 1, m['ts'] + m['dur'])
    n = len(mods)
    print('%-40s %2d x %-18s layer: launches %.1f kernels %.1f ops %.1f python %.1f;'
          ' rest: %d %d %d %d' % ((name[:40], n, layer) + tuple(x / n for x in per) +
                                  tuple(t - p for t, p in zip(total, per))))

allrows = [r for v in rows.values() for r in v]
coef = solve([(1, r[0], r[1]) for r in allrows], [r[2] for r in allrows])
print('pooled over %d intervals: %.2f us a launch + %.2f us an op + %.2f us a Python call'
      % (len(allrows), coef[0], coef[1], coef[2]))
for name, r in rows.items():
    rest = [x for n, v in rows.items() if n != name for x in v]
    loo = solve([(1, x[0], x[1]) for x in rest], [x[2] for x in rest])
    print('  %-40s %5d intervals, mean %.1f us: issue time %+.1f%% (left out of the fit: %+.1f%%)'
          % (name[:40], len(r), sum(x[2] for x in r) / len(r), issue_err(coef, r),
             issue_err(loo, r)))
