#!/usr/bin/env bash
# The optimizer step as eager PyTorch launches it (workloads/optimizer.c),
# against the measured training traces in ../shared/external-traces: the
# ResNet-50 specs of workloads/train/ synthesised (`mosaic synth --launch
# eager`) launch exactly the measured kernels (483 for the V100's SGD
# for-loop, 9 for the HTA traces' SGD foreach) and their GPU time is within
# 60 % of the measured (simulated +48 %, +9 %, +1 % when written);
# tests/bench/host-optimizer.py prints the table (make bench-host).
. "$(dirname "$0")/lib.sh"

dir=../shared/external-traces
[ -d "$dir" ] || skip "$dir absent"
MOSAIC="$MOSAIC" python3 tests/bench/host-optimizer.py --check "$dir" >"$tmp/out" 2>"$tmp/err" ||
	fail "measured vs synthesised: $(cat "$tmp/out" "$tmp/err")"
cat "$tmp/out"
grep -q '^SKIP' "$tmp/out" && skip "$(grep '^SKIP' "$tmp/out")"
grep -q '^absent.*resnet50_num_workers_0' "$tmp/out" ||
	grep -q '^ResNet-50 V100 SGD for-loop *483 / *483' "$tmp/out" || fail "the for-loop's kernels"
# --optimizer overrides the spec: fused SGD is one launch group
"$MOSAIC" synth workloads/train/resnet50-sgd-v100.json --optimizer-impl fused --json \
	-o "$tmp/s.mtr" >"$tmp/s.json" || fail "synth --optimizer-impl fused"
grep -q '"opt_kernels": 4' "$tmp/s.json" || fail "fused SGD: $(cat "$tmp/s.json")"
"$MOSAIC" synth workloads/train/resnet50-sgd-v100.json --optimizer lamb -o "$tmp/x.mtr" \
	2>"$tmp/err" && fail "--optimizer lamb accepted"
[ -e "$tmp/x.mtr" ] && fail "a bad --optimizer left a file"
exit 0
