#!/usr/bin/env bash
# mosaic plan: every planner writes a valid plan with a predicted iteration
# time; mosaic is no worse than any baseline, by the simulated time of the
# checked finalists (the default) and by the prediction with --check none;
# --explain names the bottleneck; bad requests exit 2 and leave no plan behind.
. "$(dirname "$0")/lib.sh"
spec=tests/data/plan-mm.json

for p in megatron distmm spindle optimus mosaic; do
	"$MOSAIC" plan "$spec" --gpus 4 --planner $p -o "$tmp/$p.json" --json >"$tmp/$p.out" 2>"$tmp/err" \
		|| fail "$p failed: $(cat "$tmp/err")"
	"$MOSAIC" plan "$spec" --gpus 4 --planner $p --check none -o "$tmp/none-$p.json" --json \
		>"$tmp/none-$p.out" 2>"$tmp/err" || fail "$p --check none failed: $(cat "$tmp/err")"
done
python3 - "$tmp" <<'PY' || fail "plans are wrong"
import json, sys, os
d = sys.argv[1]
pred, checked = {}, {}
for p in ["megatron", "distmm", "spindle", "optimus", "mosaic"]:
    out = json.load(open(os.path.join(d, p + ".out")))
    plan = json.load(open(os.path.join(d, p + ".json")))
    # checked by default: the simulated time of the winner among the finalists
    assert out["checked_by"] == "simulated" and out["finalists"] >= 1, out
    assert plan["checked"] == {"by": "simulated", "iter_ns": out["checked_iter_ns"],
                               "finalists": out["finalists"]}, plan.get("checked")
    checked[p] = out["checked_iter_ns"]
    none = json.load(open(os.path.join(d, "none-" + p + ".out")))
    assert "checked_iter_ns" not in none, none
    assert "checked" not in json.load(open(os.path.join(d, "none-" + p + ".json")))
    pred[p] = none["predicted_iter_ns"]
    assert out["times"] == "predicted", out
    assert plan["format"] == "mosaic-plan" and plan["version"] == 1
    assert plan["planner"] == p, plan["planner"]
    assert plan["gpus"] == 4 and len(plan["placement"]) == 4
    assert plan["predicted_iter_ns"] == out["predicted_iter_ns"] > 0
    assert plan["microbatch_size"] * plan["microbatches"] == 64
    for g in plan["placement"]:
        assert sum(pt["sms"] for pt in g["partitions"]) <= 132
        for pt in g["partitions"]:
            assert pt["sms"] == 132 or pt["sms"] % 8 == 0, pt["sms"]
    if p != "mosaic":
        assert all(len(g["partitions"]) <= 1 for g in plan["placement"]), p + " is not temporal-only"
assert pred["mosaic"] <= min(pred[p] for p in pred if p != "mosaic"), pred
assert checked["mosaic"] <= min(checked[p] for p in checked if p != "mosaic"), checked
PY

# the checked time is the simulator's: `mosaic run` of the plan agrees.  The
# plain-streams baseline's plan says so ("streams": true) and runs each GPU's
# modules as concurrent streams: the same placement without the mark (the
# modules one after another) runs differently.
"$MOSAIC" plan "$spec" --gpus 4 --planner streams -o "$tmp/streams.json" 2>"$tmp/err" \
	|| fail "streams failed: $(cat "$tmp/err")"
sed 's/, "streams": true//' "$tmp/streams.json" >"$tmp/unshared.json"
for p in mosaic streams unshared; do
	"$MOSAIC" run "$tmp/$p.json" --workload "$spec" --json >"$tmp/$p.run" 2>"$tmp/err" \
		|| fail "run of the $p plan failed: $(cat "$tmp/err")"
done
python3 - "$tmp" <<'PY' || fail "checked time differs from mosaic run, or streams are not shared"
import json, sys, os
d = sys.argv[1]
run = {p: json.load(open(os.path.join(d, p + ".run")))["iter_ns"] for p in ("mosaic", "streams", "unshared")}
plan = {p: json.load(open(os.path.join(d, p + ".json"))) for p in ("mosaic", "streams")}
for p in plan:
    assert run[p] == plan[p]["checked"]["iter_ns"], (p, run[p], plan[p]["checked"])
assert plan["streams"]["planner"] == "streams" and plan["streams"]["host"]["streams"] is True
assert "streams" not in plan["mosaic"]["host"], plan["mosaic"]["host"]
assert run["streams"] != run["unshared"], run
PY
"$MOSAIC" plan "$spec" --gpus 2 --planner mosaic -o "$tmp/e.json" --explain >"$tmp/explain" 2>"$tmp/err" \
	|| fail "--explain failed: $(cat "$tmp/err")"
grep -q "^gpu 1:" "$tmp/explain" || fail "--explain lists no gpu 1"
grep -q "bottleneck" "$tmp/explain" || fail "--explain names no bottleneck"
grep -q "predicted iteration" "$tmp/explain" || fail "--explain gives no predicted iteration"

# bad requests: exit 2, a message, no output file
expect2() {
	local what=$1; shift
	"$MOSAIC" plan "$@" >/dev/null 2>"$tmp/err"
	local rc=$?
	[ $rc -eq 2 ] || fail "$what: exit $rc, expected 2 ($(cat "$tmp/err"))"
	grep -q "mosaic plan" "$tmp/err" || fail "$what: no message"
}
expect2 "unknown planner" "$spec" --gpus 2 --planner bogus -o "$tmp/x.json"
expect2 "no -o" "$spec" --gpus 2 --planner mosaic
expect2 "bad --gpus" "$spec" --gpus zero --planner mosaic -o "$tmp/x.json"
expect2 "bad --check" "$spec" --gpus 2 --planner mosaic --check maybe -o "$tmp/x.json"
expect2 "unknown gpu" "$spec" --gpus 2 --gpu nosuchgpu --planner mosaic -o "$tmp/x.json"
"$MOSAIC" plan /nonexistent/spec.json --gpus 2 --planner mosaic -o "$tmp/x.json" 2>"$tmp/err" \
	&& fail "a missing spec succeeded"
grep -q "nonexistent/spec.json" "$tmp/err" || fail "missing spec: no message naming it"
expect2 "optimal too large" "$spec" --gpus 64 --planner optimal -o "$tmp/x.json"
grep -q "too large" "$tmp/err" || fail "optimal on 64 GPUs does not say it is too large"
[ ! -e "$tmp/x.json" ] || fail "a failed plan left a file"

# a request that cannot fit: distmm needs a GPU per module
"$MOSAIC" plan "$spec" --gpus 2 --planner distmm -o "$tmp/x.json" 2>"$tmp/err" && fail "distmm on 2 GPUs for 3 modules succeeded"
grep -q "3 modules need at least 3 GPUs" "$tmp/err" || fail "distmm infeasible message: $(cat "$tmp/err")"
[ ! -e "$tmp/x.json" ] || fail "an infeasible plan left a file"
# --explain says why mosaic colocated or not: its best temporal-only and best
# colocated candidates in the cost model's terms; the terms add up to each
# iteration, and the deciding term is the one that pushes hardest the way the
# decision went
for wl in ofasys qwen3-vl; do
	"$MOSAIC" plan $wl --gpus 8 --planner mosaic --check none --explain -o "$tmp/why.json" \
		>"$tmp/why.txt" 2>/dev/null || fail "plan --explain $wl"
	python3 - "$tmp/why.txt" <<'PY' || fail "$wl: the why is inconsistent: $(sed -n '/^why/,$p' "$tmp/why.txt")"
import re, sys
text = open(sys.argv[1]).read()
why = text[text.index("\nwhy ("):]
rows = {}
for line in why.splitlines():
    m = re.match(r"  (.+?)\s+(-?[0-9.]+)\s+(-?[0-9.]+)\s+([+-][0-9.]+)$", line)
    if m:
        rows[m.group(1).strip()] = (float(m.group(2)), float(m.group(3)), float(m.group(4)))
it = rows.pop("iteration")
for col in (0, 1):
    assert abs(sum(r[col] for r in rows.values()) - it[col]) < 0.01, (col, rows, it)
colocates = it[1] <= 0.95 * it[0]
name = re.search(r"decides: (.+?) \([+-]", why).group(1)
push = {k: (-v[2] if colocates else v[2]) for k, v in rows.items()}
assert name == max(push, key=push.get), (name, push)
assert "sensitivity:" in why and "best temporal-only:" in why and "best colocated:" in why
PY
done

# profile -> plan --profiles: simulated profiles of clip at 32, 64 and 132 SMs
# (`replay --sms` writes the quota in the header, as `mosaic profile` does on
# a GPU); the plan uses them, says so, and predicts differently than without
"$MOSAIC" synth clip --gpu h100 -o "$tmp/clip.mtr" >/dev/null 2>&1 || fail "synth clip"
for q in 32 64 132; do
	"$MOSAIC" replay "$tmp/clip.mtr" --sms $q -o "$tmp/prof-$q.mtr" >/dev/null 2>&1 || fail "replay --sms $q"
	"$MOSAIC" inspect --json "$tmp/prof-$q.mtr" | grep -q "\"quota_sms\": $q" || fail "profile at $q: no quota in the header"
done
profs="$tmp/prof-32.mtr,$tmp/prof-64.mtr,$tmp/prof-132.mtr"
"$MOSAIC" plan clip --gpus 4 --planner mosaic --profiles "$profs" -o "$tmp/pp.json" 2>"$tmp/err" \
	|| fail "plan --profiles: $(cat "$tmp/err")"
grep -q '"measurements": "profiles: vision (3 profiles), text (3 profiles)"' "$tmp/pp.json" \
	|| fail "the plan does not record its measurements: $(grep measurements "$tmp/pp.json")"
! grep -q '"checked"' "$tmp/pp.json" || fail "with profiles the simulator's check should be off by default"
"$MOSAIC" plan clip --gpus 4 --planner mosaic --check none -o "$tmp/pn.json" 2>/dev/null || fail "plan clip"
python3 - "$tmp/pp.json" "$tmp/pn.json" <<'PY' || fail "profiles did not change the prediction"
import json, sys
a, b = (json.load(open(f))["predicted_iter_ns"] for f in sys.argv[1:3])
assert a != b, (a, b)
PY
"$MOSAIC" plan clip --gpus 4 --planner mosaic --profiles "$tmp/prof-32.mtr" -o "$tmp/p1.json" 2>"$tmp/err"
[ $? -eq 2 ] || fail "one profile: want exit 2"
grep -q "no module of workload 'clip' is in two or more" "$tmp/err" || fail "one profile: $(cat "$tmp/err")"
"$MOSAIC" plan clip --gpus 4 --planner mosaic --profiles "$tmp/prof-32.mtr,$tmp/prof-32.mtr" -o "$tmp/p1.json" 2>"$tmp/err"
[ $? -eq 2 ] || fail "two profiles at one quota: want exit 2"
[ ! -e "$tmp/p1.json" ] || fail "a refused plan left a file"

# optimal sizes its search space first and refuses a space too large before
# searching (imagebind on 8 GPUs: 10^13 configurations), with the size
"$MOSAIC" plan imagebind --gpus 8 --planner optimal --check none -o "$tmp/x.json" 2>"$tmp/err"
[ $? -eq 2 ] || fail "optimal on imagebind x8: want exit 2"
grep -q "10^13.[0-9] configurations, at most 10^11.7" "$tmp/err" || fail "optimal refusal: $(cat "$tmp/err")"
[ ! -e "$tmp/x.json" ] || fail "a refused plan left a file"
exit 0
