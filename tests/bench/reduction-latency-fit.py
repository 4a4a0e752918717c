#!/usr/bin/env python3
"""Fit of model/op.c's REDUCTION_CHAIN_NS on the short reductions of the H100
Kineto traces, each trace held out in turn.

    tests/bench/reduction-latency-fit.py [--mosaic=BIN] [DIR]

DIR is ../shared/external-traces/tracelens/h100.  A reduction op (layer norm,
softmax, sum, mean: tests/bench/kineto-op-error.py reads them) is predicted
by `mosaic model kernel --op reduction --bytes N --json`; its time is its
fixed part (launch_ns) plus the rest.  The fit replaces the fixed part by an
elementwise kernel's (the same bytes) plus a chain c, the grid value
(0..4000 ns, step 100) with the smallest median |log(predicted / measured)|
over the ops measured under 5 us, on all traces but one; the held-out
trace's errors are printed with it, then the pooled fit (op.c's constant).
Qwen1.5 has no reduction under 5 us (its are RMSNorm's mean/sum pieces).
"""
import importlib.util
import math
import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location('koe', os.path.join(HERE, 'kineto-op-error.py'))
koe = importlib.util.module_from_spec(spec)
spec.loader.exec_module(koe)
SHORT = 5000


def rows_of(mosaic, path, cache):
    """(variable part + an elementwise kernel's fixed part, measured) of each short reduction."""
    out = []
    for r in koe.ops_of(path):
        kind, nbytes, dt = r['op']
        if kind != 'reduction' or r['dur'] >= SHORT:
            continue
        if r['op'] not in cache:
            red, ew = (koe.model_json(mosaic, 'h100', dt, k, ['--bytes', str(nbytes)])
                       for k in ('reduction', 'elementwise'))
            cache[r['op']] = red['pred_ns'] - red['launch_ns'] + ew['launch_ns'] if red and ew else None
        if cache[r['op']] is not None:
            out.append((cache[r['op']], r['dur']))
    return out


def fit(rows):
    return min((i * 100 for i in range(41)),
               key=lambda c: statistics.median(abs(math.log((b + c) / m)) for b, m in rows))


def show(label, rows, c):
    e = [100.0 * (b + c - m) / m for b, m in rows]
    print('  %-40s n %3d  median |e| %5.1f %%  signed %+6.1f %%  worst %+6.1f %%' %
          (label, len(e), statistics.median(abs(x) for x in e), statistics.median(e), max(e, key=abs)))


def main():
    args = [a for a in sys.argv[1:] if not a.startswith('--mosaic=')]
    mosaic = next((a.split('=', 1)[1] for a in sys.argv[1:] if a.startswith('--mosaic=')),
                  os.path.join('build', 'mosaic'))
    base = args[0] if args else '../shared/external-traces/tracelens/h100'
    if not os.path.isdir(base):
        print('SKIP: %s absent' % base)
        return 0
    cache, sets = {}, {}
    for f in sorted(os.listdir(base)):
        rows = rows_of(mosaic, os.path.join(base, f), cache)
        if rows:
            sets[f.split('__')[0]] = rows
    for held in sets:
        c = fit([r for k, v in sets.items() if k != held for r in v])
        print('held out %s: chain fitted on the others %d ns' % (held, c))
        show('without the chain', sets[held], 0)
        show('with it', sets[held], c)
    pooled = [r for v in sets.values() for r in v]
    c = fit(pooled)
    print('pooled: chain %d ns (REDUCTION_CHAIN_NS in model/op.c)' % c)
    show('without the chain', pooled, 0)
    show('with it', pooled, c)
    return 0


if __name__ == '__main__':
    sys.exit(main())
