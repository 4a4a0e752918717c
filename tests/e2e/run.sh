#!/usr/bin/env bash
# mosaic run: a temporal-only and a temporal-spatial plan of the same workload
# run on the simulator with --json (simulated iteration time, utilisation,
# per-GPU memory, per-module time); -o writes a simulated trace that
# `mosaic replay` reproduces; the same inputs give byte-identical traces;
# bad plans, bad backends and plans that do not fit exit 2 with a clear
# message and leave no trace behind.
. "$(dirname "$0")/lib.sh"
spec=tests/data/plan-mm.json

for p in megatron mosaic; do
	"$MOSAIC" plan "$spec" --gpus 4 --planner $p -o "$tmp/$p.json" >/dev/null 2>"$tmp/err" \
		|| fail "planning with $p failed: $(cat "$tmp/err")"
	"$MOSAIC" run "$tmp/$p.json" --workload "$spec" --json -o "$tmp/$p.mtr" >"$tmp/$p.out" 2>"$tmp/err" \
		|| fail "run of the $p plan failed: $(cat "$tmp/err")"
	[ -s "$tmp/$p.mtr" ] || fail "no trace written for $p"
done
python3 - "$tmp" <<'PY' || fail "run output is wrong"
import json, sys, os
d = sys.argv[1]
for p in ["megatron", "mosaic"]:
    r = json.load(open(os.path.join(d, p + ".out")))
    assert r["source"] == "simulated" and r["iter_ns_label"] == "simulated", r
    assert r["backend"] == "sim"
    assert r["iter_ns"] > 0 and r["gpus"] == 4, r
    assert 0 < r["sm_util"] <= 1, r["sm_util"]
    assert 0 < r["dram_util"] <= 1, r["dram_util"]
    assert len(r["per_gpu"]) == 4
    for g in r["per_gpu"]:
        assert 0 <= g["sm_util"] <= 1 and 0 < g["mem_bytes"] <= g["mem_capacity_bytes"], g
        assert 0 < g["peak_mem_bytes"] <= g["mem_bytes"], g
    assert abs(sum(g["sm_util"] for g in r["per_gpu"]) / 4 - r["sm_util"]) < 1e-3
    names = [m["name"] for m in r["modules"]]
    assert names == ["vision", "proj", "llm"], names
    for m in r["modules"]:
        assert m["busy_ns"] == m["fwd_ns"] + m["bwd_ns"] + m["opt_ns"] and m["fwd_ns"] > 0, m
        assert 0 < m["span_ns"] <= r["iter_ns"], m
    # the simulation and the planner's prediction agree within a factor of 2
    assert 0.5 < r["iter_ns"] / r["predicted_iter_ns"] < 2, (r["iter_ns"], r["predicted_iter_ns"])
PY

# the simulated trace: valid, labelled simulated, with partitions; replay reproduces it
"$MOSAIC" inspect "$tmp/mosaic.mtr" --check >/dev/null 2>"$tmp/err" || fail "trace does not validate: $(cat "$tmp/err")"
"$MOSAIC" replay "$tmp/mosaic.mtr" --json >"$tmp/replay.out" 2>"$tmp/err" || fail "replay failed: $(cat "$tmp/err")"
python3 - "$tmp" <<'PY' || fail "replay of the simulated run is off"
import json, sys, os
d = sys.argv[1]
run = json.load(open(os.path.join(d, "mosaic.out")))
rep = json.load(open(os.path.join(d, "replay.out")))
assert abs(rep["error_pct"]) < 3, rep
# the first kernel starts after one launch gap and its host thread's CPU
# time for it (at most 70 us, MODEL_HOST_ATTENTION_NS)
assert abs(rep["measured_span_ns"] - run["iter_ns"]) <= 10000 + 70000, (rep, run["iter_ns"])
PY

# a replicated plan's trace (sends, all-reduce) validates too
"$MOSAIC" inspect "$tmp/megatron.mtr" --check >/dev/null 2>"$tmp/err" || fail "megatron trace does not validate: $(cat "$tmp/err")"

# deterministic: the same run gives the same bytes
"$MOSAIC" run "$tmp/mosaic.json" --workload "$spec" -o "$tmp/again.mtr" >/dev/null 2>&1 || fail "second run failed"
cmp -s "$tmp/mosaic.mtr" "$tmp/again.mtr" || fail "two runs of one plan gave different traces"

# text output names the label
"$MOSAIC" run "$tmp/mosaic.json" --workload "$spec" >"$tmp/text" 2>&1 || fail "text run failed"
grep -q "simulated" "$tmp/text" || fail "text output does not say simulated"

# bad backend: exit 2, clear message
"$MOSAIC" run "$tmp/mosaic.json" --workload "$spec" --backend nope >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] || fail "unknown backend did not exit 2"
grep -q "backend 'nope'" "$tmp/err" || fail "unknown backend message: $(cat "$tmp/err")"
# (--backend cuda without a device is checked by cuda-nogpu.sh)

# bad plans: quota off the lattice, quotas above the GPU, unknown module
python3 - "$tmp" <<'PY'
import json, sys, os
d = sys.argv[1]
p = json.load(open(os.path.join(d, "megatron.json")))
def save(name, f):
    q = json.loads(json.dumps(p)); f(q); json.dump(q, open(os.path.join(d, name), "w"))
def lattice(q): q["placement"][0]["partitions"][0]["sms"] = 60
def above(q):
    pts = q["placement"][0]["partitions"]
    pts[0]["sms"] = 128
    pts.append({"sms": 64, "slots": [dict(pts[0]["slots"][0])]})
def unknown(q): q["placement"][0]["partitions"][0]["slots"][0]["module"] = "audio"
save("lattice.json", lattice); save("above.json", above); save("unknown.json", unknown)
PY
for b in lattice:"60 SMs" above:"192" unknown:"audio"; do
	name=${b%%:*}; want=${b#*:}
	rm -f "$tmp/bad.mtr"
	"$MOSAIC" run "$tmp/$name.json" --workload "$spec" -o "$tmp/bad.mtr" >/dev/null 2>"$tmp/err"
	[ $? -eq 2 ] || fail "bad plan '$name' did not exit 2"
	grep -q "$want" "$tmp/err" || fail "bad plan '$name': message lacks '$want': $(cat "$tmp/err")"
	[ ! -e "$tmp/bad.mtr" ] || fail "bad plan '$name' left a trace behind"
done

# a plan that does not fit: names the GPU and the GiB, exit 2
python3 - "$tmp" "$spec" <<'PY'
import json, sys, os
d, spec = sys.argv[1], sys.argv[2]
w = json.load(open(spec))
w["batch"] = 2048; w["microbatch"] = 2048
json.dump(w, open(os.path.join(d, "big-spec.json"), "w"))
p = json.load(open(os.path.join(d, "megatron.json")))
p["microbatch_size"] = 2048; p["microbatches"] = 1
json.dump(p, open(os.path.join(d, "big.json"), "w"))
PY
"$MOSAIC" run "$tmp/big.json" --workload "$tmp/big-spec.json" >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] || fail "a plan that does not fit did not exit 2: $(cat "$tmp/err")"
grep -q "GPU [0-9]*: needs .* GiB" "$tmp/err" || fail "memory message: $(cat "$tmp/err")"

# usage errors
# without --workload the plan's own spec file is used; gone, it is bad input
cp "$spec" "$tmp/gone.json"
"$MOSAIC" plan "$tmp/gone.json" --gpus 2 --planner megatron --check none -o "$tmp/gone-plan.json" \
	>/dev/null 2>&1 || fail "plan of a copied spec failed"
"$MOSAIC" run "$tmp/gone-plan.json" >/dev/null 2>&1 || fail "run without --workload failed"
rm "$tmp/gone.json"
"$MOSAIC" run "$tmp/gone-plan.json" >/dev/null 2>"$tmp/err"; [ $? -eq 2 ] || fail "vanished spec did not exit 2"
grep -q "gone.json" "$tmp/err" || fail "vanished spec: message does not name it: $(cat "$tmp/err")"
"$MOSAIC" run "$tmp/missing.json" --workload "$spec" >/dev/null 2>&1; [ $? -eq 2 ] || fail "missing plan did not exit 2"
exit 0
