#!/usr/bin/env bash
# mosaic regress: a fresh reference compares clean (exit 0); a deliberately
# worse planner (MOSAIC_REGRESS_SELFTEST=worsen: the harness answers "mosaic"
# with the worst baseline's plan) and a reference that promises more than the
# planner delivers, at the cluster's size or at twice it, are caught (exit 1, REGRESSION lines); a missing or
# mismatched reference is bad input (exit 2); --update writes atomically.
. "$(dirname "$0")/lib.sh"
ref="$tmp/ref.json"

"$MOSAIC" regress --quick --update --reference "$ref" --workloads clip,ofasys --quiet \
	>"$tmp/out" 2>"$tmp/err" || fail "--update failed: $(cat "$tmp/err")"
grep -q "wrote reference" "$tmp/out" || fail "--update did not say what it wrote"
ls "$tmp" | grep -q '\.tmp\.' && fail "a temporary file was left behind"
python3 - "$ref" <<'PY' || fail "the reference is wrong"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["format"] == "mosaic-regress-reference" and r["quick"] is True
assert [w["name"] for w in r["workloads"]] == ["clip", "ofasys"]
for w in r["workloads"]:
    assert "mosaic" in w["systems"], w["name"]
    m = w["systems"]["mosaic"]
    assert m["simulated_iter_ns"] > 0 and m["predicted_iter_ns"] > 0
    assert w["search"]["methods"]["mosaic"]["status"] == "ok"
    # the larger cluster of the quick sweep (16 GPUs) is part of the reference
    assert w["scale"]["16"]["simulated_iter_ns"]["mosaic"] > 0, w["scale"]
    assert w["scale"]["16"]["speedup_vs_best_baseline"] > 0
PY

# the same code against its own reference: no regression
"$MOSAIC" regress --quick --reference "$ref" --quiet >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 0 ] || fail "a fresh reference must compare clean (exit $rc): $(cat "$tmp/out" "$tmp/err")"
grep -q "0 regressions, 0 better, 0 moved within the tolerance$" "$tmp/out" ||
	fail "no summary line, or a fresh reference moved: $(cat "$tmp/out")"

# a deliberately worse planner is caught
MOSAIC_REGRESS_SELFTEST=worsen "$MOSAIC" regress --quick --reference "$ref" --quiet \
	>"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 1 ] || fail "the worsened planner must exit 1, got $rc: $(cat "$tmp/out" "$tmp/err")"
grep -q "mosaic .*REGRESSION" "$tmp/out" || fail "no REGRESSION line for mosaic: $(cat "$tmp/out")"
grep -q "self-test" "$tmp/err" || fail "the self-test is not announced on stderr"

# a planner that only got worse at 16 GPUs is caught too
python3 - "$ref" "$tmp/scale.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
s = r["workloads"][1]["scale"]["16"]
s["simulated_iter_ns"]["mosaic"] = int(s["simulated_iter_ns"]["mosaic"] * 0.8)
json.dump(r, open(sys.argv[2], "w"), indent=1)
PY
# (and --json says the same as one object; --quiet leaves stderr empty)
"$MOSAIC" regress --quick --reference "$tmp/scale.json" --quiet --json >"$tmp/out" 2>"$tmp/err"
[ $? -eq 1 ] || fail "a mosaic 25% slower at 16 GPUs must fail"
[ -s "$tmp/err" ] && fail "--quiet wrote to stderr: $(cat "$tmp/err")"
python3 - "$tmp/out" <<'PY' || fail "no x16 regression in --json: $(cat "$tmp/out")"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["regressions"] >= 1 and j["compared"] > j["regressions"], j
assert j["moved_within_tolerance"] == 0, j
bad = [c for c in j["changes"] if c["verdict"] == "REGRESSION"]
assert any(c["workload"] == "ofasys" and c["value"] == "x16 mosaic simulated iter"
           and c["now"] > c["reference"] for c in bad), bad
PY

# a reference promising a 10% faster mosaic: caught at 5%, accepted at 50%
python3 - "$ref" "$tmp/better.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
m = r["workloads"][0]["systems"]["mosaic"]
m["simulated_iter_ns"] = int(m["simulated_iter_ns"] * 0.9)
json.dump(r, open(sys.argv[2], "w"), indent=1)
PY
"$MOSAIC" regress --quick --reference "$tmp/better.json" --tolerance 5 --quiet >"$tmp/out" 2>&1
[ $? -eq 1 ] || fail "a 10% slower mosaic must fail at 5% tolerance"
grep -q "clip .*mosaic simulated iter.*REGRESSION" "$tmp/out" || fail "diff does not name the value: $(cat "$tmp/out")"
"$MOSAIC" regress --quick --reference "$tmp/better.json" --tolerance 50 --quiet >"$tmp/out" 2>&1
[ $? -eq 0 ] || fail "a 10% change must pass at 50% tolerance: $(cat "$tmp/out")"
# ... and the summary says what moved inside the tolerance, and by how much
grep -q "0 regressions, 0 better, 1 moved within the tolerance (largest +11.11%: clip mosaic simulated iter)" \
	"$tmp/out" || fail "the move within the tolerance is not named: $(cat "$tmp/out")"

# bad input: exit 2
"$MOSAIC" regress --quick --reference "$tmp/none.json" >/dev/null 2>&1
[ $? -eq 2 ] || fail "a missing reference must exit 2"
"$MOSAIC" regress --reference "$ref" --quiet >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] || fail "comparing a --quick reference without --quick must exit 2"
grep -q "quick" "$tmp/err" || fail "the quick mismatch is not explained"
echo '{"format": "something else"}' > "$tmp/wrong.json"
"$MOSAIC" regress --quick --reference "$tmp/wrong.json" >/dev/null 2>&1
[ $? -eq 2 ] || fail "a file that is not a reference must exit 2"
"$MOSAIC" regress --quick >/dev/null 2>&1
[ $? -eq 2 ] || fail "no --reference must exit 2"
MOSAIC_REGRESS_SELFTEST=bogus "$MOSAIC" regress --quick --reference "$ref" >/dev/null 2>&1
[ $? -eq 2 ] || fail "an unknown self-test must exit 2"
exit 0
