#!/usr/bin/env bash
# mosaic run --replicas once|full: a plan whose GPUs split into blocks of
# replicas of a few kinds of identical blocks is simulated one block per
# kind and gives exactly the full simulation's figures (iteration time,
# per-GPU utilisation and memory, per-module times, kernel and
# communication counts: only the events simulated differ); plans that do
# not split so are simulated in full, and the output says why.  Exact
# equality, no tolerance: a block's events come at the same times in both
# runs (engine/replicas.c).
. "$(dirname "$0")/lib.sh"

# plan W N PLANNER NAME: a plan without the finalist check
plan() {
	"$MOSAIC" plan "$1" --gpus "$2" --planner "$3" --check none --quiet -o "$tmp/$4.json" \
		2>"$tmp/err" || fail "plan $1 $2 $3: $(cat "$tmp/err")"
}

# split NAME [per-gpu]: each GPU's slots in a partition of their own (an
# equal share of the H100's 132 SMs, on its lattice of 8), optionally
# launched by one host thread per GPU
split() {
	python3 - "$tmp/$1.json" "$tmp/$1-parts.json" "${2:-}" <<'PY' || fail "split $1"
import json, sys
p = json.load(open(sys.argv[1]))
for g in p["placement"]:
    slots = [s for q in g["partitions"] for s in q["slots"]]
    sms = 132 // len(slots) // 8 * 8
    g["partitions"] = [{"sms": sms, "slots": [s]} for s in slots]
if sys.argv[3]:
    p["host"]["issue"] = sys.argv[3]
json.dump(p, open(sys.argv[2], "w"))
PY
}

# same NAME WANT [SPEC]: run once and in full (compared by check_same at the end:
# the figures agree, and the run simulated once when WANT is "once", in
# full when "full")
cases=
same() {
	local ws=${3:+--workload $3}
	"$MOSAIC" run "$tmp/$1.json" $ws --json >"$tmp/$1.once" 2>"$tmp/err" || fail "run $1: $(cat "$tmp/err")"
	"$MOSAIC" run "$tmp/$1.json" $ws --json --replicas full >"$tmp/$1.full" 2>"$tmp/err" \
		|| fail "run $1 --replicas full: $(cat "$tmp/err")"
	cases="$cases $1:$2"
}

check_same() {
	python3 - "$tmp" $cases <<'PY' || fail "once and full differ"
import json, os, sys
for case in sys.argv[2:]:
    name, want = case.split(":")
    a, b = (json.load(open(os.path.join(sys.argv[1], name + ext))) for ext in (".once", ".full"))
    ra, rb = a["replicas"], b["replicas"]
    assert ra["simulated"] == want, (name, ra)
    assert rb["simulated"] == "full" and rb["statement"] == "in full: asked to simulate every replica", rb
    if want == "once":
        assert ra["blocks"] >= 2 and ra["blocks"] * ra["block_gpus"] == a["gpus"], (name, ra)
        assert "simulated" in ra["statement"] and "assumed: symmetric all-reduce" in ra["statement"], (name, ra)
        assert a["events"] < b["events"], (name, a["events"], b["events"])
    else:
        assert ra["statement"].startswith("in full: ") and "not identical" in ra["statement"], (name, ra)
    diff = [k for k in a if k not in ("replicas", "events") and a[k] != b[k]]
    assert not diff, (name, [(k, a[k], b[k]) for k in diff][:3])
PY
}

# Identical blocks, simulated once: two workloads at 16 and 32 GPUs, one
# partition per GPU (time-shared by its slots) and a partition per slot
# (also with one host thread per GPU); qwen3-vl's 8-GPU pipelines.
for w in clip ofasys; do
	for n in 16 32; do
		plan $w $n megatron $w-$n
		same $w-$n once
		split $w-$n
		same $w-$n-parts once
	done
done
split clip-16 per-gpu
same clip-16-parts once
plan qwen3-vl 64 megatron qwen-64
same qwen-64 once
grep -q '"statement": "8 identical blocks of 8 GPUs, simulated once; assumed: symmetric all-reduce (10 all-reduces priced over the whole group)"' \
	"$tmp/qwen-64.once" || fail "qwen3-vl at 64 GPUs: $(grep statement "$tmp/qwen-64.once")"

# Blocks of two kinds, one of each simulated: one GPU with other quotas;
# 17 microbatches over 16 replicas (replica 0 runs two).
python3 - "$tmp/clip-16-parts.json" "$tmp/clip-16-hetero.json" <<'PY' || fail "hetero plan"
import json, sys
p = json.load(open(sys.argv[1]))
q = p["placement"][5]["partitions"]
q[0]["sms"], q[1]["sms"] = 32, 96
json.dump(p, open(sys.argv[2], "w"))
PY
same clip-16-hetero once
grep -q '"statement": "16 blocks of 1 GPU in 2 kinds of identical blocks, one of each simulated' \
	"$tmp/clip-16-hetero.once" || fail "other quotas: $(grep statement "$tmp/clip-16-hetero.once")"
python3 - workloads/clip.json "$tmp/clip-17.spec.json" "$tmp/clip-16.json" "$tmp/clip-17.json" <<'PY' \
	|| fail "17 microbatches"
import json, sys
w, p = json.load(open(sys.argv[1])), json.load(open(sys.argv[3]))
p["microbatches"] = 17
w["batch"] = 17 * p["microbatch_size"]
json.dump(w, open(sys.argv[2], "w"))
json.dump(p, open(sys.argv[4], "w"))
PY
same clip-17 once "$tmp/clip-17.spec.json"
grep -q 'in 2 kinds of identical blocks' "$tmp/clip-17.once" || fail "17 microbatches: $(grep statement "$tmp/clip-17.once")"

# Not identical, simulated in full (and saying why): a microbatch that
# crosses blocks (clip's 16 vision replicas and 8 text replicas meet at the
# loss), a time-shared partition whose slots take their turns in another
# order in each replica.
plan clip 8 mosaic clip-8
same clip-8 full
grep -q 'sends to or waits for another block' "$tmp/clip-8.once" || fail "crossing microbatches: $(grep statement "$tmp/clip-8.once")"
plan qwen3-vl 8 megatron qwen-8
same qwen-8 full
grep -q 'runs its tasks in another order' "$tmp/qwen-8.once" || fail "qwen3-vl at 8 GPUs: $(grep statement "$tmp/qwen-8.once")"

# A run that writes its trace simulates every GPU; text output states it.
"$MOSAIC" run "$tmp/clip-16.json" -o "$tmp/clip-16.mtr" >"$tmp/out" 2>"$tmp/err" || fail "run -o: $(cat "$tmp/err")"
grep -q '^replicas: in full: a trace was asked for' "$tmp/out" || fail "run -o: $(grep replicas "$tmp/out")"
"$MOSAIC" run "$tmp/clip-16.json" >"$tmp/out" 2>"$tmp/err" || fail "run: $(cat "$tmp/err")"
grep -q '^replicas: 16 identical blocks of 1 GPU, simulated once' "$tmp/out" || fail "run: $(grep replicas "$tmp/out")"
"$MOSAIC" run "$tmp/clip-16.json" --replicas twice >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] || fail "--replicas twice: want exit 2"
grep -q "expected once or full" "$tmp/err" || fail "--replicas twice: $(cat "$tmp/err")"

# The finalist check says which finalists it simulated a block of.
"$MOSAIC" plan clip --gpus 16 --planner megatron -o "$tmp/clip-16-checked.json" 2>"$tmp/err" \
	|| fail "plan with the check: $(cat "$tmp/err")"
grep -q '^  finalist from megatron .*simulated .* ms (replicas: 1 of 16 blocks simulated)$' "$tmp/err" \
	|| fail "finalist lines: $(grep finalist "$tmp/err")"
check_same

