#!/usr/bin/env bash
# bench --profiles / --calibration / --matrix: the user's measurements reach
# the sweep's plans and shard.json records them.  Simulated profiles of clip
# (synth + replay --sms), their calibration, and a measured matrix that makes
# clip's vision and text 3x slower side by side: mosaic then colocates
# nothing, where with a matrix that measured them free of interference (1x)
# it colocates (the model's own DRAM and clock terms alone keep clip's
# modules apart since the FlashAttention-2 tile model of issue 12); a bad
# file exits 2 before anything runs.
. "$(dirname "$0")/lib.sh"

"$MOSAIC" synth clip --gpu h100 -o "$tmp/clip.mtr" >/dev/null 2>&1 || fail "synth clip"
for q in 32 132; do
	"$MOSAIC" replay "$tmp/clip.mtr" --sms $q -o "$tmp/prof-$q.mtr" >/dev/null 2>&1 || fail "replay --sms $q"
done
"$MOSAIC" model calibrate --profiles "$tmp/prof-32.mtr,$tmp/prof-132.mtr" -o "$tmp/cal.json" \
	>/dev/null 2>"$tmp/err" || fail "calibrate: $(cat "$tmp/err")"
printf '{"gpu": "h100", "modules": ["vision", "text"], "slowdown": [[1.0, 3.0], [3.0, 1.0]]}\n' >"$tmp/mx.json"
printf '{"gpu": "h100", "modules": ["vision", "text"], "slowdown": [[1.0, 1.0], [1.0, 1.0]]}\n' >"$tmp/free.json"

run() { # out dir, extra options...
	local out=$1
	shift
	"$MOSAIC" bench --quick --quiet --jobs 2 --workloads clip --out "$out" "$@" >/dev/null \
		2>"$tmp/err" || fail "bench $*: $(cat "$tmp/err")"
}
run "$tmp/with" --calibration "$tmp/cal.json" --matrix "$tmp/mx.json"
run "$tmp/free" --calibration "$tmp/cal.json" --matrix "$tmp/free.json"
python3 - "$tmp/with" "$tmp/free" "$tmp/cal.json" "$tmp/mx.json" <<'PY' || fail "measurements did not reach the sweep"
import csv, glob, json, sys
w, wo, cal, mx = sys.argv[1:5]
shards = glob.glob(w + "/shards/*/shard.json")
assert shards, "no shard.json"
for s in shards:
    o = json.load(open(s))["opts"]
    assert o["measurements"] == {"profiles": "", "calibration": cal, "matrix": mx}, o
    assert o["check"] is False, "the finalist check should be off"
def mosaic_parts(d):
    return [int(r["partitions"]) - int(r["gpus"]) for r in csv.DictReader(open(d + "/iter.csv"))
            if r["system"] == "mosaic"]
assert all(p == 0 for p in mosaic_parts(w)), mosaic_parts(w)      # one partition per GPU
assert any(p > 0 for p in mosaic_parts(wo)), mosaic_parts(wo)     # colocated somewhere (1x matrix)
PY
printf '{"format": "mosaic-calibration", "version": 7}\n' >"$tmp/bad.json"
"$MOSAIC" bench --quick --quiet --workloads clip --calibration "$tmp/bad.json" --out "$tmp/bad" 2>"$tmp/err"
[ $? -eq 2 ] || fail "bad calibration: exit not 2"
grep -q "bad.json" "$tmp/err" || fail "bad calibration: message: $(cat "$tmp/err")"
[ ! -e "$tmp/bad" ] || fail "a refused bench wrote results"
exit 0
