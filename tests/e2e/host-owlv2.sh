#!/usr/bin/env bash
# OWLv2's two towers (workloads/eager/owlv2-towers.json: CLIP ViT-L/14 at
# 1008x1008 = 5185 tokens and the CLIP text tower on 5 tokens, eager
# attention, bf16, one H100, one eager host thread) planned and simulated,
# against the measured figures of the same towers: the kernels launched
# inside Owlv2VisionTransformer and Owlv2TextTransformer in each of the five
# forward passes of the TraceLens H100 trace
# google_owlv2-large-patch14-ensemble__1016001.json.gz (MIT; sha256
# 959efc7b...5a10, 3 MB, so not copied here: these three figures are what
# tests/bench/host-vs-measured.sh computes from it, averaged over the
# passes): 819 kernels, span 112.119 ms, GPU idle 1.9 %.
# Bounds: kernels within 15 % and idle within 10 points (the issue's goal);
# the span within 20 % (the goal is 15 %: simulated +2.2 % when written, +12.9 %
# once only the main loop of a misaligned GEMM is stretched).
# The span rests on model/op.c's narrow-access rule: cuBLAS runs alignment-1
# sm75 kernels for the odd sequence length (measured 1083 and 828 us a bmm,
# simulated 612 and 624) and PyTorch's softmax reads the 5185-wide rows with
# scalar loads (measured 2187 us, simulated 3013): the three per-kernel
# errors (-44 %, -25 %, +38 %) partly cancel; before the rule the span was
# 56 % short.  Still asserted: the attention's bmm and softmax kernels hold
# most of the simulated GPU time (measured: 89 %) and the forward is
# GPU-bound (idle under 10 %).
. "$(dirname "$0")/lib.sh"

spec=$PWD/workloads/eager/owlv2-towers.json
"$MOSAIC" plan "$spec" --gpus 1 --planner megatron -o "$tmp/plan.json" >/dev/null 2>"$tmp/err" \
	|| fail "plan: $(cat "$tmp/err")"
"$MOSAIC" run "$tmp/plan.json" --workload "$spec" -o "$tmp/sim.mtr" >/dev/null 2>"$tmp/err" \
	|| fail "run: $(cat "$tmp/err")"
"$MOSAIC" inspect --check --json "$tmp/sim.mtr" >"$tmp/sim.json" || fail "the simulated trace fails --check"
python3 - "$tmp/sim.json" <<'PY' || fail "wrong numbers"
import json, sys
s = json.load(open(sys.argv[1]))
mk, ms, mi = 819, 112.119, 1.9
span = s["span_ns"] / 1e6
attn = sum(k["kernel_time_ns"] for k in s["top_kernels"]
           if k["name"] in ("softmax", "bmm:scores", "bmm:context"))
print("measured   kernels %4d  span %8.3f ms  idle %4.1f %%" % (mk, ms, mi))
print("simulated  kernels %4d  span %8.3f ms  idle %4.1f %%  attention %.0f %% of GPU time" % (
    s["kernels"], span, s["idle_pct"], 100.0 * attn / s["kernel_time_ns"]))
assert abs(s["kernels"] - mk) <= 0.15 * mk, "kernel count"
assert abs(s["idle_pct"] - mi) <= 10, "idle fraction"
assert abs(span - ms) <= 0.20 * ms, "span"
assert attn >= 0.5 * s["kernel_time_ns"], "attention's share"
assert s["host"]["threads"] == 1 and s["host"]["launches"] == s["kernels"], s["host"]
PY
