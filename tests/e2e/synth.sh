#!/usr/bin/env bash
# mosaic synth: one training iteration of every bundled spec as a simulated
# trace that passes `inspect --check`; predicted times add up; bad input
# leaves no file behind.
. "$(dirname "$0")/lib.sh"

for spec in clip qwen3-vl unified-io-2 imagebind ofasys llava-1.5-7b; do
	"$MOSAIC" synth "workloads/$spec.json" --gpu h100 -o "$tmp/$spec.mtr" --json \
		>"$tmp/$spec.out" 2>"$tmp/err" || fail "$spec: synth failed: $(cat "$tmp/err")"
	python3 - "$tmp/$spec.out" <<'PY' || fail "$spec: wrong JSON"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["times"] == "predicted"
assert d["iter_ns"] == d["fwd_ns"] + d["bwd_ns"] + d["opt_ns"] > 0, d
assert d["bwd_ns"] > 0 and d["fwd_ns"] > 0, d  # frozen encoders have no backward
assert d["kernels"] > 0 and d["microbatches"] >= 1, d
PY
	"$MOSAIC" inspect --check "$tmp/$spec.mtr" >"$tmp/check" 2>&1 \
		|| fail "$spec: inspect --check: $(cat "$tmp/check")"
done

# the trace says simulated, names the modules and phases, and its kernel
# time is the predicted iteration
"$MOSAIC" inspect --json "$tmp/clip.mtr" >"$tmp/inspect.json" || fail "inspect failed"
python3 - "$tmp/inspect.json" "$tmp/clip.out" <<'PY' || fail "clip trace summary is wrong"
import json, sys
s = json.load(open(sys.argv[1]))
d = json.load(open(sys.argv[2]))
text = json.dumps(s)
assert "simulated" in text, "trace not marked simulated"
for name in ("vision", "text", "forward", "backward", "optimizer"):
    assert name in text, name
PY

# the same spec on another GPU; deterministic output
"$MOSAIC" synth workloads/llm/gpt2-large.json --gpu a100-80gb-sxm -o "$tmp/a.mtr" --json >"$tmp/a1" \
	|| fail "gpt2-large on a100 failed"
"$MOSAIC" synth workloads/llm/gpt2-large.json --gpu a100-80gb-sxm -o "$tmp/b.mtr" --json >"$tmp/a2" \
	|| fail "gpt2-large on a100 failed (2)"
cmp -s "$tmp/a.mtr" "$tmp/b.mtr" || fail "synth is not deterministic"
"$MOSAIC" synth workloads/llm/gpt2-large.json --gpu h100 -o "$tmp/h.mtr" --json >"$tmp/h1" \
	|| fail "gpt2-large on h100 failed"
python3 - "$tmp/a1" "$tmp/h1" <<'PY' || fail "an H100 should be faster than an A100"
import json, sys
a = json.load(open(sys.argv[1])); h = json.load(open(sys.argv[2]))
assert h["iter_ns"] < a["iter_ns"], (h["iter_ns"], a["iter_ns"])
PY
"$MOSAIC" export --perfetto "$tmp/h.mtr" -o "$tmp/h.json" 2>/dev/null || fail "export of a synth trace failed"

# --batch: one microbatch of that many samples
"$MOSAIC" synth workloads/llm/gpt2-large.json --gpu h100 --batch 8 -o "$tmp/b8.mtr" --json >"$tmp/b8" \
	|| fail "--batch 8 failed"
python3 - "$tmp/b8" "$tmp/h1" <<'PY' || fail "--batch 8 is wrong"
import json, sys
b8 = json.load(open(sys.argv[1])); b4 = json.load(open(sys.argv[2]))
assert b8["microbatches"] == 1 and b8["microbatch"] == 8, b8
assert b4["iter_ns"] < b8["iter_ns"] < 3 * b4["iter_ns"], (b4["iter_ns"], b8["iter_ns"])
PY
"$MOSAIC" synth clip --batch 100 --microbatch 30 -o "$tmp/z.mtr" 2>/dev/null
[ $? -eq 2 ] || fail "batch not a multiple of microbatch: exit not 2"

# bad input: exit 2 and no output file
"$MOSAIC" synth clip --gpu nosuchgpu -o "$tmp/x.mtr" 2>"$tmp/err"
[ $? -eq 2 ] || fail "unknown gpu: exit code not 2"
grep -q "nosuchgpu" "$tmp/err" || fail "unknown gpu: message lacks the name"
[ -e "$tmp/x.mtr" ] && fail "unknown gpu: left a file"
"$MOSAIC" synth clip --gpu h100 2>/dev/null; [ $? -eq 2 ] || fail "no -o: exit code not 2"
printf '{"name":"x"' >"$tmp/bad.json"
"$MOSAIC" synth "$tmp/bad.json" -o "$tmp/y.mtr" 2>/dev/null; [ $? -eq 2 ] || fail "bad spec: exit code not 2"
[ -e "$tmp/y.mtr" ] && fail "bad spec: left a file"
ls "$tmp" | grep -q '\.tmp\.' && fail "a temporary file was left behind"
exit 0
