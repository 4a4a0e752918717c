#!/usr/bin/env bash
# Measurements into the plan, end to end on simulated profiles:
#   profile (synth + replay --sms, as `mosaic profile` writes them on a GPU)
#   -> model calibrate -o FILE -> plan --calibration FILE
# gives the plan --profiles gives (the same fits, read back from the file),
# and the plan records what it used; --matrix (measured co-run slowdowns)
# moves the plan; bad calibration and matrix files exit 2 naming the file
# and where.
. "$(dirname "$0")/lib.sh"

"$MOSAIC" synth clip --gpu h100 -o "$tmp/clip.mtr" >/dev/null 2>&1 || fail "synth clip"
for q in 32 64 132; do
	"$MOSAIC" replay "$tmp/clip.mtr" --sms $q -o "$tmp/prof-$q.mtr" >/dev/null 2>&1 || fail "replay --sms $q"
done
profs="$tmp/prof-32.mtr,$tmp/prof-64.mtr,$tmp/prof-132.mtr"
"$MOSAIC" model calibrate --profiles "$profs" -o "$tmp/cal.json" >"$tmp/out" 2>"$tmp/err" \
	|| fail "calibrate: $(cat "$tmp/err")"
grep -q '^vision  *3 ' "$tmp/out" && grep -q '^text  *3 ' "$tmp/out" || fail "fits: $(cat "$tmp/out")"
python3 - "$tmp/cal.json" <<'PY' || fail "calibration file"
import json, sys
c = json.load(open(sys.argv[1]))
assert c["format"] == "mosaic-calibration" and c["version"] == 1, c
assert c["gpu"] == "NVIDIA H100 80GB HBM3", c["gpu"]
m = {x["name"]: x for x in c["modules"]}
assert set(m) == {"vision", "text"}, m.keys()
v = m["vision"]
assert v["source"] == "simulated" and v["profiles"] == 3 and v["microbatch"] == 0, v
assert len(v["quota"]) == len(v["forward_ns"]) == len(v["backward_ns"]) > 3, v
assert v["quota"][-1] == 132 and v["forward_ns"][0] > v["forward_ns"][-1] > 0, v
assert v["forward_fit"]["n"] == 3 and v["forward_fit"]["max_rel_err"] < 0.05, v["forward_fit"]
PY
"$MOSAIC" plan clip --gpus 4 --planner mosaic --calibration "$tmp/cal.json" -o "$tmp/pc.json" \
	2>"$tmp/err" || fail "plan --calibration: $(cat "$tmp/err")"
"$MOSAIC" plan clip --gpus 4 --planner mosaic --profiles "$profs" -o "$tmp/pp.json" 2>/dev/null \
	|| fail "plan --profiles"
"$MOSAIC" plan clip --gpus 4 --planner mosaic --check none -o "$tmp/pn.json" 2>/dev/null || fail "plan"
python3 - "$tmp/pc.json" "$tmp/pp.json" "$tmp/pn.json" <<'PY' || fail "calibration did not reach the plan"
import json, sys
c, p, n = (json.load(open(f)) for f in sys.argv[1:4])
assert c["measurements"].startswith("calibration '") and "vision, text (scaling curves)" in c["measurements"], c["measurements"]
assert c["predicted_iter_ns"] == p["predicted_iter_ns"] != n["predicted_iter_ns"], (c["predicted_iter_ns"], p["predicted_iter_ns"], n["predicted_iter_ns"])
assert "checked" not in json.dumps(c), "the finalist check should be off with measurements"
PY

# a measured matrix: a 3x slowdown for vision beside text (and back) stops
# mosaic colocating them; 1.0 lets it; both are recorded
printf '{"gpu": "h100", "modules": ["vision", "text"], "slowdown": [[1.0, %s], [%s, 1.0]]}\n' \
	3.0 3.0 >"$tmp/mx3.json"
printf '{"gpu": "h100", "modules": ["vision", "text"], "slowdown": [[1.0, 1.0], [1.0, 1.0]]}\n' >"$tmp/mx1.json"
for m in mx3 mx1; do
	"$MOSAIC" plan clip --gpus 4 --planner mosaic --matrix "$tmp/$m.json" -o "$tmp/p-$m.json" \
		2>"$tmp/err" || fail "plan --matrix $m: $(cat "$tmp/err")"
done
python3 - "$tmp/p-mx3.json" "$tmp/p-mx1.json" <<'PY' || fail "the matrix did not reach the plan"
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
parts = lambda p: max(len(g["partitions"]) for g in p["placement"])
assert parts(a) == 1 and parts(b) > 1, (parts(a), parts(b))
assert "matrix '" in a["measurements"] and "(2 of its 2 modules)" in a["measurements"], a["measurements"]
PY

# bad files: exit 2, the file and where named, no plan written
bad() { # name, file text, expected message part
	printf '%s\n' "$2" >"$tmp/$1.json"
	"$MOSAIC" plan clip --gpus 4 --planner mosaic --calibration "$tmp/$1.json" -o "$tmp/x.json" 2>"$tmp/err"
	[ $? -eq 2 ] || fail "$1: exit not 2"
	grep -q "$tmp/$1.json" "$tmp/err" && grep -q -- "$3" "$tmp/err" || fail "$1: message: $(cat "$tmp/err")"
	[ ! -e "$tmp/x.json" ] || fail "$1: a plan was written"
}
python3 -c "
import json; c = json.load(open('$tmp/cal.json')); c['version'] = 2; print(json.dumps(c))" >"$tmp/v2"
bad version "$(cat "$tmp/v2")" "version 2: this mosaic reads version 1"
python3 -c "
import json; c = json.load(open('$tmp/cal.json')); c['modules'][1]['forward_ns'][3] = -5; print(json.dumps(c))" >"$tmp/neg"
bad negative "$(cat "$tmp/neg")" "modules\[1\].forward_ns\[3\]: expected an integer >= 0"
python3 -c "
import json; c = json.load(open('$tmp/cal.json')); c['modules'][0]['colour'] = 1; print(json.dumps(c))" >"$tmp/unk"
bad unknown "$(cat "$tmp/unk")" "modules\[0\]\.colour: unknown field"
bad truncated '{"format": "mosaic-calibration", "version": 1,' "line 2"
bad format '{"format": "other", "version": 1}' "format: expected"
printf '{"gpu": "h100", "modules": ["vision", "text"], "slowdown": [[1.0, 0.5], [1.0, 1.0]]}\n' >"$tmp/mxbad.json"
"$MOSAIC" plan clip --gpus 4 --planner mosaic --matrix "$tmp/mxbad.json" -o "$tmp/x.json" 2>"$tmp/err"
[ $? -eq 2 ] || fail "bad matrix: exit not 2"
grep -q "mxbad.json.*slowdown\[0\]\[1\]" "$tmp/err" || fail "bad matrix: message: $(cat "$tmp/err")"
printf '{"gpu": "a100-80gb-sxm", "modules": ["vision", "text"], "slowdown": [[1.0, 1.1], [1.1, 1.0]]}\n' >"$tmp/mxa.json"
"$MOSAIC" plan clip --gpus 4 --planner mosaic --matrix "$tmp/mxa.json" -o "$tmp/x.json" 2>"$tmp/err"
[ $? -eq 2 ] || fail "matrix of another GPU: exit not 2"
[ ! -e "$tmp/x.json" ] || fail "a refused plan was written"
exit 0
