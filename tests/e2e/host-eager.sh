#!/usr/bin/env bash
# The host side end to end: BERT-small inference (workloads/eager/bert-small.json)
# synthesised, planned on one H100 and simulated with one host thread per
# module (eager PyTorch CPU cost per kernel, model/host.c), against the
# measured H100 trace of the same model and shapes (tests/data/kineto/tracelens,
# MIT).  Measured: 60 kernels, span 3.908 ms, GPU idle 92.1 %, all of it waiting
# for the host; simulated (host model of model/host.c with BERT's counted CPU
# activity, workloads/host-inventory.c): 61 kernels, 3.661 ms (-6.3 %), idle
# 92.8 %.  Bounds looser than the issue's goal (15 % / 10 points): kernels
# within 15 %, idle within 10 points, span within 25 %; with --host none the
# GPU is no longer idle (the old simulator).  tests/bench/host-vs-measured.sh
# prints the same for ViT-B and Qwen1.5-0.5B on ../shared.
. "$(dirname "$0")/lib.sh"

kineto=$PWD/tests/data/kineto/tracelens/gaunernst_bert-small-uncased__1016001.json.gz
spec=$PWD/workloads/eager/bert-small.json
[ -f "$kineto" ] || { echo "host-eager.sh: skipped ($kineto absent)"; exit 0; }
"$MOSAIC" inspect --json "$kineto" >"$tmp/measured.json" || fail "inspect of the measured trace"
for host in per-slot none; do
	sed "s/\"gpus\": 1}/\"gpus\": 1, \"host\": \"$host\"}/" "$spec" >"$tmp/spec-$host.json"
	grep -q "\"host\": \"$host\"" "$tmp/spec-$host.json" || fail "could not set host $host"
	"$MOSAIC" plan "$tmp/spec-$host.json" --gpus 1 --planner megatron -o "$tmp/plan-$host.json" \
		>/dev/null 2>"$tmp/err" || fail "plan: $(cat "$tmp/err")"
	grep -q "\"issue\": \"$host\"" "$tmp/plan-$host.json" || fail "the plan does not say host $host"
	"$MOSAIC" run "$tmp/plan-$host.json" --workload "$tmp/spec-$host.json" -o "$tmp/sim-$host.mtr" \
		>/dev/null 2>"$tmp/err" || fail "run: $(cat "$tmp/err")"
	"$MOSAIC" inspect --check --json "$tmp/sim-$host.mtr" >"$tmp/sim-$host.json" \
		|| fail "the simulated trace ($host) fails --check"
done
python3 - "$tmp/measured.json" "$tmp/sim-per-slot.json" "$tmp/sim-none.json" <<'PY' || fail "wrong numbers"
import json, sys
m, s, n = (json.load(open(p)) for p in sys.argv[1:4])
def row(name, d):
    return "%-10s kernels %4d  span %7.3f ms  idle %5.1f %%  host wait %5.1f %% of gaps" % (
        name, d["kernels"], d["span_ns"] / 1e6, d["idle_pct"],
        100.0 * d["idle"]["host_wait_ns"] / d["idle"]["gap_ns"] if d["idle"]["gap_ns"] else 0)
print(row("measured", m)); print(row("simulated", s)); print(row("no host", n))
assert abs(s["kernels"] - m["kernels"]) <= 0.15 * m["kernels"], "kernel count"
assert abs(s["idle_pct"] - m["idle_pct"]) <= 10, "idle fraction"
assert abs(s["span_ns"] - m["span_ns"]) <= 0.25 * m["span_ns"], "span"
assert s["idle"]["host_wait_ns"] >= 0.9 * s["idle"]["gap_ns"], "gaps are host wait"
assert s["host"]["threads"] == 1 and s["host"]["launches"] == s["kernels"], s["host"]
assert n["idle_pct"] < 50 and n["host"]["threads"] == 0, "without a host the GPU is busy"
PY

# The same model issued by a graph executor (model.h MODEL_LAUNCH_EXECUTOR:
# TensorFlow's tf.function, Keras' model.fit): every kernel costs its host
# thread a launch and 2.44 CPU operators, 12360 + 2.44 x 3330 = 20485 ns on
# the H100 host, so the host-bound simulated span is at least 61 x 20485 ns
# = 1.250 ms and below the eager one (BERT's eager kernels cost 61 us each).
sed 's/"gpus": 1}/"gpus": 1, "launch": "executor"}/' "$spec" >"$tmp/spec-exec.json"
grep -q '"launch": "executor"' "$tmp/spec-exec.json" || fail "could not set launch executor"
"$MOSAIC" plan "$tmp/spec-exec.json" --gpus 1 --planner megatron -o "$tmp/plan-exec.json" \
	>/dev/null 2>"$tmp/err" || fail "plan (executor): $(cat "$tmp/err")"
"$MOSAIC" run "$tmp/plan-exec.json" --workload "$tmp/spec-exec.json" -o "$tmp/sim-exec.mtr" \
	>/dev/null 2>"$tmp/err" || fail "run (executor): $(cat "$tmp/err")"
"$MOSAIC" inspect --check --json "$tmp/sim-exec.mtr" >"$tmp/sim-exec.json" \
	|| fail "the simulated trace (executor) fails --check"
python3 - "$tmp/sim-exec.json" "$tmp/sim-per-slot.json" "$tmp/plan-exec.json" <<'PY' || fail "wrong executor numbers"
import json, sys
x, e, p = (json.load(open(p)) for p in sys.argv[1:4])
print("executor   kernels %4d  span %7.3f ms  idle %5.1f %%  planner's prediction %7.3f ms" % (
    x["kernels"], x["span_ns"] / 1e6, x["idle_pct"], p["predicted_iter_ns"] / 1e6))
# the planner prices the executor's host as the simulator does (it priced
# eager Python: 3.720 ms predicted against 1.292 simulated)
assert abs(p["predicted_iter_ns"] - x["span_ns"]) <= 0.10 * x["span_ns"], "planner's executor host"
assert x["kernels"] == e["kernels"], "same kernels"
assert x["span_ns"] >= x["kernels"] * 20485 - 1, "each kernel waits for its 20.485 us of host"
assert x["span_ns"] < 0.5 * e["span_ns"], "a C++ executor issues faster than eager Python"
assert x["idle"]["host_wait_ns"] >= 0.9 * x["idle"]["gap_ns"], "gaps are host wait"
PY
