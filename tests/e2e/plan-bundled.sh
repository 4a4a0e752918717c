#!/usr/bin/env bash
# The planner issue's bar on the embedded default: on every bundled workload
# on 8 H100s, mosaic's plan simulates no slower than any baseline's (each
# planner's finalists checked in the simulator, as `mosaic plan` does by
# default), and `mosaic run` of the plan reproduces the checked time.
. "$(dirname "$0")/lib.sh"

for w in clip imagebind llava-1.5-7b ofasys qwen3-vl unified-io-2; do
	for p in megatron distmm spindle optimus mosaic; do
		"$MOSAIC" plan "$w" --gpus 8 --gpu h100 --planner $p -o "$tmp/$w-$p.json" --json \
			>"$tmp/$w-$p.out" 2>"$tmp/err" || fail "$w $p failed: $(cat "$tmp/err")"
	done
	"$MOSAIC" run "$tmp/$w-mosaic.json" --workload "$w" --json >"$tmp/$w-run.out" 2>"$tmp/err" \
		|| fail "$w: run of mosaic's plan failed: $(cat "$tmp/err")"
done
python3 - "$tmp" <<'PY' || fail "mosaic is behind a baseline"
import json, sys, os
d = sys.argv[1]
for w in ["clip", "imagebind", "llava-1.5-7b", "ofasys", "qwen3-vl", "unified-io-2"]:
    t = {p: json.load(open(os.path.join(d, "%s-%s.out" % (w, p))))["checked_iter_ns"]
         for p in ["megatron", "distmm", "spindle", "optimus", "mosaic"]}
    best = min(v for p, v in t.items() if p != "mosaic")
    assert t["mosaic"] <= best, (w, t)
    run = json.load(open(os.path.join(d, w + "-run.out")))
    assert run["iter_ns"] == t["mosaic"], (w, run["iter_ns"], t["mosaic"])
    print("%-13s mosaic %9.3f ms, best baseline %9.3f ms (simulated), %.3fx" %
          (w, t["mosaic"] / 1e6, best / 1e6, best / t["mosaic"]))
PY
