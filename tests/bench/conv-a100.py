#!/usr/bin/env python3
"""A convolution's forward from its shape against the measured A100 trace.

usage: tests/bench/conv-a100.py [--mosaic BIN] [TRACE]
       (default TRACE: ../shared/external-traces/holistic-trace-analysis/
        nccl_parser_config/nccl_data.json.gz)

The trace (Holistic Trace Analysis, MIT) is a torchvision ResNet-50 trained
under DDP on an A100-PG509-200 in fp32 (TF32 convolutions), batch 32 (the
first layout transpose's grid z), 3 steps.  Its CPU operators carry no
shapes, so each forward aten::cudnn_convolution (not inside
aten::convolution_backward) is matched in order to ResNet-50's 53
convolutions (stem; per bottleneck 1x1 reduce, 3x3, 1x1 expand, downsample
on a stage's first block: torchvision's order); its measured time is the
kernels it launched (by correlation) but cuDNN's NCHW/NHWC layout
transposes (the synthesiser emits those as kernels of their own), averaged
over the steps.  Each convolution is predicted with `mosaic model kernel`
as the implicit GEMM M = 32 x output pixels, N = output channels, K = input
channels x kernel area:
  before: TF32, DRAM bytes of the GEMM's operands (the im2col matrix M x K);
  after:  the input activation, weights and output once each (the im2col
          bytes when smaller: a strided 1x1), and FP32 when the input
          channels are not a multiple of 4 (the stem: cuDNN's FP32 SIMT
          kernel in this trace), as workloads/synth.c emits them.
Prints per convolution kind the signed median error of both, then the
median |error| and the sums.  Nothing is fitted.  Standard library only.
"""
import argparse
import collections
import gzip
import json
import os
import statistics
import subprocess
import sys

DEFAULT = '../shared/external-traces/holistic-trace-analysis/nccl_parser_config/nccl_data.json.gz'
BATCH = 32


def resnet50_convs():
    """(name, cin, cout, k, side_in, side_out) in torchvision's forward order."""
    convs = [('stem', 3, 64, 7, 224, 112)]
    cin, side = 64, 56
    for stage, (blocks, width) in enumerate(zip((3, 4, 6, 3), (64, 128, 256, 512))):
        for blk in range(blocks):
            so = side // 2 if stage > 0 and blk == 0 else side
            convs += [('1x1_reduce', cin, width, 1, side, side), ('3x3', width, width, 3, side, so),
                      ('1x1_expand', width, 4 * width, 1, so, so)]
            if blk == 0:
                convs.append(('downsample', cin, 4 * width, 1, side, so))
            cin, side = 4 * width, so
    return convs


def measured(path):
    """Per forward convolution: its kernels' time (us) without the transposes."""
    ev = json.load(gzip.open(path) if path.endswith('.gz') else open(path))['traceEvents']
    kern = {e['args']['correlation']: e for e in ev if e.get('cat') == 'kernel'}
    calls = sorted((e for e in ev if e.get('cat') == 'cuda_runtime'
                    and e.get('args', {}).get('correlation') in kern), key=lambda e: e['ts'])
    bwd = [(e['ts'], e['ts'] + e['dur'], e['tid']) for e in ev
           if e.get('cat') == 'cpu_op' and e['name'] == 'aten::convolution_backward']
    out = []
    for o in sorted((e for e in ev if e.get('cat') == 'cpu_op'
                     and e['name'] == 'aten::cudnn_convolution'), key=lambda e: e['ts']):
        a, b = o['ts'], o['ts'] + o['dur']
        if any(x <= a and b <= y and t == o['tid'] for x, y, t in bwd):
            continue
        ks = [kern[c['args']['correlation']] for c in calls if a <= c['ts'] <= b and c['tid'] == o['tid']]
        out.append(sum(k['dur'] for k in ks if 'nchwToNhwc' not in k['name']
                       and 'nhwcToNchw' not in k['name']))
    return out


def predict(mosaic, m, n, k, dtype, nbytes):
    cmd = [mosaic, 'model', 'kernel', '--gpu', 'a100-pg509', '--op', 'linear', '--shape',
           '1,%d,%d,%d' % (m, n, k), '--dtype', dtype, '--bytes', str(nbytes), '--json']
    p = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(p.stdout)['pred_ns'] / 1e3


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--mosaic', default=os.environ.get('MOSAIC', 'build/mosaic'))
    ap.add_argument('trace', nargs='?', default=DEFAULT)
    a = ap.parse_args()
    if not os.path.exists(a.trace):
        print('SKIP: %s absent' % a.trace)
        return 0
    convs = resnet50_convs()
    meas = measured(a.trace)
    steps = len(meas) // len(convs)
    if steps < 1 or len(meas) % len(convs):
        print('%s: %d forward convolutions, not a multiple of ResNet-50\'s %d'
              % (a.trace, len(meas), len(convs)), file=sys.stderr)
        return 1
    err = collections.defaultdict(lambda: ([], []))
    tot = [0.0, 0.0, 0.0]
    for i, (name, cin, cout, ks, si, so) in enumerate(convs):
        m, n, k = BATCH * so * so, cout, cin * ks * ks
        t = statistics.mean(meas[i + len(convs) * s] for s in range(steps))
        im2col = (m * k + k * n + m * n) * 4
        implicit = (min(m * k, BATCH * cin * si * si) + k * n + m * n) * 4
        before = predict(a.mosaic, m, n, k, 'tf32', im2col)
        after = predict(a.mosaic, m, n, k, 'tf32' if cin % 4 == 0 else 'fp32', implicit)
        for j, p in enumerate((before, after)):
            err[name][j].append(100.0 * (p - t) / t)
        tot[0] += t
        tot[1] += before
        tot[2] += after
    print('ResNet-50 forward convolutions, A100-PG509-200, batch %d, %d steps (measured vs '
          'predicted)' % (BATCH, steps))
    print('%-12s %3s  %18s  %18s' % ('kind', 'n', 'before: signed med', 'after: signed med'))
    for name, (b, f) in err.items():
        print('%-12s %3d  %17.1f%%  %17.1f%%' % (name, len(b), statistics.median(b), statistics.median(f)))
    allb = [abs(x) for b, _ in err.values() for x in b]
    alla = [abs(x) for _, f in err.values() for x in f]
    print('all %d: median |error| %.1f%% -> %.1f%%, max %.1f%% -> %.1f%%; sum measured %.0f us, '
          'predicted %.0f -> %.0f us' % (len(allb), statistics.median(allb), statistics.median(alla),
                                          max(allb), max(alla), tot[0], tot[1], tot[2]))
    return 0


if __name__ == '__main__':
    sys.exit(main())
