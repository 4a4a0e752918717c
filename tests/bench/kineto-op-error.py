#!/usr/bin/env python3
"""Kernels from shape against measured Kineto traces: per aten op, the model's
predicted time (`mosaic model kernel`) against the measured time of the op's
kernels (summed: a split-K GEMM's reduction kernel belongs to its GEMM).

    tests/bench/kineto-op-error.py [--gpu h100] [--gpu-file F] [--mosaic BIN]
                                   [--detail gemm,attention] TRACE.json.gz...

An fp32 op whose first kernel is a TF32 tensor-core kernel (PyTorch's
allow_tf32) is predicted as tf32.  An op's shape comes from the Input Dims Kineto records with record_shapes:
aten::addmm / mm (linear), bmm, scaled_dot_product_attention and the flash
and efficient attention ops (causal from their arguments), layer norm,
softmax and other reductions (bytes: input read and written), and the common
elementwise ops (bytes: the largest input, read once per operand of that
size, written once).  A kernel belongs to the op whose External id it
carries.  Prints the median |error|, the signed median and the p90 |error|
by class and by the op's measured duration (< 5 us, 5-20, 20-100, > 100).
This is how the H100 tensor-core numbers of model/gpus.c were fitted and the
README's table was made (../shared/external-traces/tracelens/h100/*).
"""
import argparse
import collections
import gzip
import json
import os
import statistics
import subprocess
import sys

DTYPES = {'c10::BFloat16': ('bf16', 2), 'c10::Half': ('fp16', 2), 'float': ('fp32', 4)}
ATTN = ('aten::_scaled_dot_product_flash_attention', 'aten::_scaled_dot_product_efficient_attention',
        'aten::_scaled_dot_product_cudnn_attention', 'aten::_flash_attention_forward',
        'aten::_efficient_attention_forward')
REDUCE = ('aten::native_layer_norm', 'aten::_softmax', 'aten::native_group_norm',
          'aten::native_batch_norm', 'aten::_log_softmax', 'aten::sum', 'aten::mean')
ELEMENTWISE = ('aten::add', 'aten::mul', 'aten::gelu', 'aten::silu', 'aten::add_', 'aten::mul_',
               'aten::sub', 'aten::div', 'aten::relu', 'aten::relu_', 'aten::tanh', 'aten::copy_',
               'aten::where', 'aten::pow', 'aten::rsqrt', 'aten::neg', 'aten::cat', 'aten::sigmoid',
               'aten::exp')


def prod(a):
    p = 1
    for x in a:
        p *= x
    return p


def op_of(name, args):
    """(kind, shape or bytes, dtype) of a cpu_op, or None."""
    dims, types = args.get('Input Dims', []), args.get('Input type', [])
    if not dims or not types:
        return None
    dt = DTYPES.get(types[0]) or (DTYPES.get(types[1]) if len(types) > 1 else None)
    if not dt:
        return None
    d, size = dt
    ci = args.get('Concrete Inputs', [])
    if name == 'aten::addmm' and len(dims) >= 3 and len(dims[1]) == 2 and len(dims[2]) == 2:
        return ('linear', (1, dims[1][0], dims[2][1], dims[1][1]), d)
    if name == 'aten::mm' and len(dims[0]) == 2 and len(dims[1]) == 2:
        return ('linear', (1, dims[0][0], dims[1][1], dims[0][1]), d)
    if name == 'aten::bmm' and len(dims[0]) == 3:
        return ('bmm', (dims[0][0], dims[0][1], dims[1][2], dims[0][2]), d)
    if name == 'aten::scaled_dot_product_attention' and len(dims[0]) == 4:
        b, h, m, k = dims[0]
        return ('attention', (b * h, m, dims[1][2], k, int(len(ci) > 5 and ci[5] == 'True')), d)
    if name in ATTN and len(dims[0]) == 4:
        if name in ('aten::_flash_attention_forward', 'aten::_efficient_attention_forward'):
            b, m, h, k = dims[0]
            n = dims[1][1]
        else:
            b, h, m, k = dims[0]
            n = dims[1][2]
        causal = name == 'aten::_scaled_dot_product_flash_attention' and len(ci) > 4 and ci[4] == 'True'
        return ('attention', (b * h, m, n, k, int(causal)), d)
    if name in REDUCE:
        return ('reduction', prod(dims[0]) * size * 2, d)
    if name in ELEMENTWISE:
        ins = [prod(x) for x in dims if x]
        if not ins:
            return None
        big = max(ins)
        return ('elementwise', big * size * (ins.count(big) + 1), d)
    return None


def is_tf32_kernel(name):
    """True for a TF32 tensor-core kernel: cuBLAS/cuDNN name the data type
    (tf32), CUTLASS the instruction (s1688 / s16816: fp32 in, TF32 MMA)."""
    n = name.lower()
    return 'tf32' in n or 's1688' in n or 's16816' in n


def enclosing_ops(ev):
    """For traces whose kernels carry the launch's correlation as External
    id (HTA's A100 traces): correlation -> the cpu_ops open on the launching
    thread when the runtime call was made, innermost first."""
    by_tid = collections.defaultdict(list)
    for e in ev:
        if e.get('cat') in ('cpu_op', 'cuda_runtime'):
            by_tid[(e['pid'], e['tid'])].append(e)
    out = {}
    for evs in by_tid.values():
        evs.sort(key=lambda e: (e['ts'], -e.get('dur', 0)))
        stack = []
        for e in evs:
            while stack and stack[-1]['ts'] + stack[-1]['dur'] < e['ts']:
                stack.pop()
            if e['cat'] == 'cpu_op':
                stack.append(e)
            elif 'correlation' in e['args']:
                out[e['args']['correlation']] = stack[::-1]
    return out


def ops_of(path):
    """The measured ops of one trace: dicts with op, dur (ns), kernels."""
    ev = json.load(gzip.open(path) if path.endswith('.gz') else open(path))['traceEvents']
    cpu = collections.defaultdict(list)
    for e in ev:
        if e.get('cat') == 'cpu_op':
            cpu[e['args'].get('External id')].append(e)
    around = None
    out = {}
    for e in ev:
        if e.get('cat') != 'kernel':
            continue
        xid = e['args'].get('External id')
        cands = sorted(cpu.get(xid, []),
                       key=lambda c: (c['name'] != 'aten::scaled_dot_product_attention', c['dur']))
        if not cands:
            around = around if around is not None else enclosing_ops(ev)
            cands = around.get(e['args'].get('correlation'), [])
        op = None
        for c in cands:
            op = op_of(c['name'], c['args'])
            if op:
                key = (c['pid'], c['tid'], c['ts'])
                break
        if not op:
            continue
        r = out.setdefault(key, dict(trace=os.path.basename(path), op=op, dur=0, kernels=0,
                                     kernel=e['name']))
        r['dur'] += e['dur'] * 1000
        r['kernels'] += 1
        if r['op'][2] == 'fp32' and is_tf32_kernel(e['name']):
            r['op'], r['kernel'] = (r['op'][0], r['op'][1], 'tf32'), e['name']
    return list(out.values())


def model_json(mosaic, gpu, dtype, kind, extra, gpu_file=None):
    """`mosaic model kernel --json` of one op (extra: its shape options), or None."""
    cmd = [mosaic, 'model', 'kernel', '--gpu', gpu, '--dtype', dtype, '--op', kind, '--json'] + extra
    if gpu_file:
        cmd += ['--gpu-file', gpu_file]
    p = subprocess.run(cmd, capture_output=True, text=True)
    return json.loads(p.stdout) if p.returncode == 0 else None


def predict(a, kind, shape, dtype):
    if kind == 'attention':
        extra = ['--shape', ','.join(map(str, shape[:4]))] + (['--causal'] if shape[4] else [])
    elif kind in ('linear', 'bmm'):
        extra = ['--shape', ','.join(map(str, shape))]
    else:
        extra = ['--bytes', str(shape)]
    j = model_json(a.mosaic, a.gpu, dtype, kind, extra, a.gpu_file)
    return j['pred_ns'] if j else None


def bucket(ns):
    return '<5us' if ns < 5000 else '5-20us' if ns < 20000 else '20-100us' if ns < 100000 else '>100us'


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('traces', nargs='+')
    ap.add_argument('--gpu', default='h100')
    ap.add_argument('--gpu-file')
    ap.add_argument('--mosaic', default=os.path.join('build', 'mosaic'))
    ap.add_argument('--detail', default='', help='classes whose ops are listed one by one')
    a = ap.parse_args()
    cache, groups = {}, collections.defaultdict(list)
    for path in a.traces:
        for r in ops_of(path):
            kind, shape, dtype = r['op']
            if r['op'] not in cache:
                cache[r['op']] = predict(a, kind, shape, dtype)
            pred = cache[r['op']]
            if not pred:
                continue
            cls = 'gemm' if kind in ('linear', 'bmm') else kind
            e = 100.0 * (pred - r['dur']) / r['dur']
            for key in ((cls, bucket(r['dur'])), (cls, 'all'), ('all', 'all')):
                groups[key].append(e)
            if cls in a.detail.split(','):
                print('%-24.24s %-45s measured %9.0f ns predicted %9.0f ns %+6.1f%%  %s' %
                      (r['trace'], r['op'], r['dur'], pred, e, r['kernel'][:70]))
    print('%-12s %-9s %6s %9s %9s %9s' % ('class', 'duration', 'ops', 'med|e|%', 'med e%', 'p90|e|%'))
    for key in sorted(groups):
        v = groups[key]
        ab = sorted(abs(x) for x in v)
        print('%-12s %-9s %6d %9.1f %+9.1f %9.1f' % (key[0], key[1], len(v), statistics.median(ab),
                                                   statistics.median(v), ab[max(0, -(-9 * len(v) // 10) - 1)]))
    return 0


if __name__ == '__main__':
    sys.exit(main())
