#!/usr/bin/env bash
# Measured against synthesised, on the H100 eager-PyTorch traces: for each
# spec in workloads/eager, `mosaic plan` (megatron, one H100) + `mosaic run`
# (one host thread, eager, the default host model) against the measured trace
# of the same model and shapes (../shared/external-traces, TraceLens, MIT).
# Prints kernels, span and GPU idle, measured and simulated, and whether each
# is within the goal of issue 13 (kernels and span within 15 %, idle within
# 10 points).  The measured figures count the kernels whose launch calls are
# in the trace (Qwen's trace starts with 436 kernels launched before the
# profiler's window).  OWLv2's trace holds five forward passes of the whole
# detector (Owlv2ForObjectDetection) with data loading between them; its
# spec is the two towers, so its measured figures are those of the kernels
# launched inside Owlv2VisionTransformer and Owlv2TextTransformer, per pass
# (first tower kernel's start to last one's end), averaged over the passes.
# usage: MOSAIC=build/mosaic tests/bench/host-vs-measured.sh [DIR]
set -u
: "${MOSAIC:?set MOSAIC to the mosaic binary}"
cd "$(dirname "$0")/../.."
dir=${1:-../shared/external-traces/tracelens/h100}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rows=()
for pair in vit-b-nsfw:Falconsai_nsfw_image_detection__1016002 \
	    bert-small:gaunernst_bert-small-uncased__1016001 \
	    qwen1.5-0.5b:Qwen_Qwen1.5-0.5B-Chat__1016005 \
	    owlv2-towers:google_owlv2-large-patch14-ensemble__1016001; do
	spec=workloads/eager/${pair%%:*}.json trace=$dir/${pair#*:}.json.gz
	[ -f "$trace" ] || { echo "SKIP: $trace absent"; exit 0; }
	"$MOSAIC" plan "$spec" --gpus 1 --planner megatron -o "$tmp/p.json" >/dev/null &&
		"$MOSAIC" run "$tmp/p.json" --workload "$spec" -o "$tmp/s.mtr" >/dev/null &&
		"$MOSAIC" inspect --json "$tmp/s.mtr" >"$tmp/${pair%%:*}.json" || exit 3
	rows+=("${pair%%:*}" "$trace" "$tmp/${pair%%:*}.json")
done
python3 - "${rows[@]}" <<'PY'
import gzip, json, sys
ENQ = ('cudaLaunchKernel', 'cudaLaunchKernelExC', 'cuLaunchKernel')
PASSES = {'owlv2-towers': ('Owlv2ForObjectDetection_',
                           ('Owlv2VisionTransformer_', 'Owlv2TextTransformer_'))}
def figures(k):
    k.sort()
    busy, end = 0.0, k[0][0]
    for s, e in k:
        busy += max(0.0, e - max(s, end)); end = max(end, e)
    span = max(e for _, e in k) - k[0][0]
    return len(k), span / 1e3, 100.0 * (1 - busy / span)
def within(mods, t):
    return any(m['ts'] <= t <= m['ts'] + m['dur'] for m in mods)
def measured(model, path):
    ev = [e for e in json.load(gzip.open(path))['traceEvents'] if e.get('ph') == 'X']
    launched = {e['args'].get('correlation'): e['ts'] for e in ev
                if e.get('cat') in ('cuda_runtime', 'cuda_driver') and e['name'] in ENQ}
    k = [(launched[e['args']['correlation']], e['ts'], e['ts'] + e['dur']) for e in ev
         if e.get('cat') == 'kernel' and e['args'].get('correlation') in launched]
    if model not in PASSES:
        return figures([(s, e) for _, s, e in k])
    root, names = PASSES[model]
    mods = [e for e in ev if e.get('cat') == 'python_function' and
            e['name'].startswith(tuple('nn.Module: ' + n for n in names))]
    per = [figures([(s, e) for t, s, e in k if p['ts'] <= t <= p['ts'] + p['dur']
                    and within(mods, t)])
           for p in ev if p.get('cat') == 'python_function' and
           p['name'].startswith('nn.Module: ' + root)]
    return tuple(sum(x[i] for x in per) / len(per) for i in range(3))
args = sys.argv[1:]
print('%-14s %21s %25s %21s  %s' % ('model', 'kernels meas / sim', 'span ms meas / sim',
                                    'GPU idle % meas / sim', 'within the goal'))
for i in range(0, len(args), 3):
    mk, ms, mi = measured(args[i], args[i + 1])
    s = json.load(open(args[i + 2]))
    sk, ss, si = s['kernels'], s['span_ns'] / 1e6, s['idle_pct']
    ek, es, ei = 100.0 * (sk - mk) / mk, 100.0 * (ss - ms) / ms, si - mi
    ok = ['kernels' if abs(ek) <= 15 else '', 'span' if abs(es) <= 15 else '',
          'idle' if abs(ei) <= 10 else '']
    print('%-14s %5.0f / %5d (%+5.1f%%) %8.3f / %8.3f (%+5.1f%%) %5.1f / %5.1f (%+5.1f)  %s' % (
        args[i], mk, sk, ek, ms, ss, es, mi, si, ei, ' '.join(x for x in ok if x) or 'none'))
print('(measured: the H100 traces; simulated: mosaic plan + run, one eager host thread)')
PY
