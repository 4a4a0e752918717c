#!/usr/bin/env bash
# The synthesiser against a measured training trace: ResNet-50, batch 32,
# fp32, on a Tesla V100-DGXS-32GB (pytorch/kineto tb_plugin sample, BSD; in
# ../shared/external-traces, six profiler steps of forward, backward and
# SGD).  Prints predicted and measured kernel time per iteration and checks
# they agree within 15%.  Skips when the external trace is absent.
. "$(dirname "$0")/lib.sh"
trace=${MOSAIC_EXTERNAL:-../shared/external-traces}/kineto-tb-plugin/resnet50_num_workers_0/worker0.1623143089861.pt.trace.json.gz
[ -f "$trace" ] || skip "$trace absent (optional external data)"

cat >"$tmp/r50.json" <<'JSON'
{"name": "resnet50", "source": "torchvision resnet50 trunk (fc omitted: 0.1% of the FLOPs)",
 "batch": 32, "microbatch": 32, "dtype": "fp32",
 "modules": [{"name": "resnet50", "kind": "encoder", "arch": "conv", "blocks": [3, 4, 6, 3],
              "image": 224, "source": "He et al. 2016, Table 1"}]}
JSON
"$MOSAIC" synth "$tmp/r50.json" --gpu v100-dgxs -o "$tmp/r50.mtr" --json >"$tmp/pred.json" 2>"$tmp/err" \
	|| fail "synth: $(cat "$tmp/err")"
"$MOSAIC" inspect --json "$trace" >"$tmp/meas.json" 2>"$tmp/err" || fail "inspect: $(cat "$tmp/err")"
python3 - "$tmp/pred.json" "$tmp/meas.json" <<'PY' || fail "prediction off by more than 15%"
import json, sys
p = json.load(open(sys.argv[1])); m = json.load(open(sys.argv[2]))
steps = 6  # ProfilerStep#5 .. #10
ph = {x["name"]: x["kernel_time_ns"] / steps for x in m["phases"]}
meas = m["kernel_time_ns"] / steps
err = (p["iter_ns"] - meas) / meas
print("resnet50 b32 fp32 v100: predicted iteration %.1f ms (fwd %.1f, bwd %.1f, opt %.1f); "
      "measured kernel time %.1f ms (fwd %.1f, bwd %.1f, opt %.1f); error %+.1f%%" % (
      p["iter_ns"] / 1e6, p["fwd_ns"] / 1e6, p["bwd_ns"] / 1e6, p["opt_ns"] / 1e6,
      meas / 1e6, ph["forward"] / 1e6, ph["backward"] / 1e6, ph["optimizer"] / 1e6, 100 * err))
assert abs(err) <= 0.15, err
PY
exit 0
