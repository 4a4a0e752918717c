#!/bin/bash
# mosaic model: gpus, kernel (NeuSight shape convention), calibrate, curve;
# bad input (unknown GPU, quota off the lattice, unknown or empty module).
. "$(dirname "$0")/lib.sh"
python3 tests/e2e/model-mtrgen.py "$tmp" || fail "cannot generate traces"

out=$("$MOSAIC" model gpus) || fail "gpus"
echo "$out" | grep -q "NVIDIA H100 80GB HBM3" || fail "gpus lists no H100"
"$MOSAIC" model gpus --json | python3 -c 'import json,sys; g=json.load(sys.stdin); assert len(g) >= 10 and any(x["short_name"] == "b200" for x in g)' \
	|| fail "gpus --json"

# user GPUs from a JSON file; strict about fields
cat >"$tmp/gpus.json" <<'JSON'
[{"name": "Lab GPU 9000", "short_name": "lab9k", "cc_major": 9, "cc_minor": 0, "sms": 64,
  "hbm_gbps": 2000, "fp32_tflops": 30, "bf16_tflops": 400}]
JSON
"$MOSAIC" model gpus --gpu-file "$tmp/gpus.json" | grep -q "^lab9k .*Lab GPU 9000" || fail "--gpu-file not listed"
"$MOSAIC" model kernel --gpu-file "$tmp/gpus.json" --gpu "Lab GPU 9000" --op linear --shape 1,512,512,512 --dtype bf16 >/dev/null \
	|| fail "kernel on a user gpu"
echo '[{"name": "x", "cc_major": 9, "cc_minor": 0, "sms": 64, "hbm_gbps": 1, "fp32_tflops": 1, "sm_count": 3}]' >"$tmp/bad.json"
"$MOSAIC" model gpus --gpu-file "$tmp/bad.json" 2>"$tmp/err" >/dev/null; [ $? -eq 2 ] || fail "bad gpu file: exit code"
grep -q "bad.json': \[0\].sm_count: unknown field" "$tmp/err" || fail "bad gpu file message: $(cat "$tmp/err")"

# kernel: JSON with pred_ns, full CUDA names accepted
j=$("$MOSAIC" model kernel --gpu "NVIDIA A100 80GB PCIe" --op linear --shape 1,1024,2560,2560 --json) || fail "kernel"
echo "$j" | python3 -c '
import json, sys
k = json.load(sys.stdin)
assert k["pred_ns"] > 0 and k["kind"] == "predicted", k
assert k["shape"] == [1, 1024, 2560, 2560] and k["dtype"] == "fp32", k
assert k["bound"] in ("compute", "memory", "launch"), k' || fail "kernel json: $j"
a=$("$MOSAIC" model kernel --gpu h100 --op bmm --shape 16,512,512,64 --dtype bf16 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["pred_ns"])')
b=$("$MOSAIC" model kernel --gpu h100 --op bmm --shape 16,512,512,64 --dtype bf16 --sms 16 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["pred_ns"])')
[ "$b" -gt "$a" ] || fail "16 SMs ($b ns) not slower than 132 ($a ns)"
"$MOSAIC" model kernel --gpu h100 --op linear --shape 1,64,64,64 | grep -q "^pred_ns" || fail "kernel text"

# bad input: exit 2 with clear messages
"$MOSAIC" model kernel --gpu z9000 --op linear --shape 1,2,3,4 2>"$tmp/err"; [ $? -eq 2 ] || fail "unknown gpu: exit code"
grep -q "unknown gpu 'z9000'" "$tmp/err" && grep -q "h100" "$tmp/err" || fail "unknown gpu message: $(cat "$tmp/err")"
"$MOSAIC" model kernel --gpu h100 --op linear --shape 1,2,3,4 --sms 20 2>"$tmp/err"; [ $? -eq 2 ] || fail "off-lattice: exit code"
grep -q "nearest valid quotas 16 and 24" "$tmp/err" || fail "off-lattice message: $(cat "$tmp/err")"
"$MOSAIC" model kernel --gpu h100 --op linear --shape 1,2,3 2>/dev/null; [ $? -eq 2 ] || fail "bad shape"
"$MOSAIC" model kernel --gpu h100 --op conv3d --shape 1,2,3,4 2>/dev/null; [ $? -eq 2 ] || fail "bad op"
"$MOSAIC" model frobnicate 2>/dev/null; [ $? -eq 2 ] || fail "bad subcommand"

# calibrate on the committed NeuSight subset
"$MOSAIC" model calibrate tests/data/neusight/gemm-subset.csv --gpu h100 >"$tmp/cal" || fail "calibrate"
grep -q "^h100 " "$tmp/cal" || fail "calibrate output: $(cat "$tmp/cal")"

# curve: kernel model, baseline, profile regression, plot
"$MOSAIC" model curve "$tmp/ref.mtr" --module vit --quotas 16,32,64,132 --json >"$tmp/c.json" || fail "curve"
python3 - "$tmp/c.json" <<'PY' || fail "curve json"
import json, sys
c = json.load(open(sys.argv[1]))
p = c["points"]
assert [x["quota"] for x in p] == [16, 32, 64, 132], p
assert all(p[i]["fwd_ns"] >= p[i + 1]["fwd_ns"] for i in range(3)), p
assert p[-1]["fwd_ns"] > 0 and p[-1]["bwd_ns"] > 0
assert c["kind"] == "predicted" and c["source"] == "simulated"
PY
# per microbatch: a synthesised iteration of 16 microbatches and one optimizer
# step gives forward / 16 at the recorded quota (the optimizer is no 17th
# microbatch: it was forward / 17 before)
"$MOSAIC" synth clip --gpu h100 -o "$tmp/clip.mtr" --json >"$tmp/s.json" 2>/dev/null || fail "synth clip"
"$MOSAIC" model curve "$tmp/clip.mtr" --quotas 132 --json >"$tmp/cc.json" || fail "curve of clip"
python3 - "$tmp/s.json" "$tmp/cc.json" <<'PY' || fail "curve per microbatch"
import json, sys
s, c = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
want, got = s["fwd_ns"] / s["microbatches"], c["points"][0]["fwd_ns"]
assert abs(got - want) <= 1e-3 * want, (got, want)
want_b = (s["bwd_ns"] + s["opt_ns"]) / s["microbatches"]   # the optimizer amortised
got_b = c["points"][0]["bwd_ns"]
assert abs(got_b - want_b) <= 1e-3 * want_b, (got_b, want_b)
PY
"$MOSAIC" model curve "$tmp/ref.mtr" --module llm --profiles "$tmp/ref.mtr,$tmp/q64.mtr,$tmp/q32.mtr,$tmp/q16.mtr" >"$tmp/c.txt" \
	|| fail "curve --profiles"
grep -q "regression t(q) = a + b/q + c\*q over 4 profiles" "$tmp/c.txt" || fail "no regression: $(cat "$tmp/c.txt")"
if command -v gnuplot >/dev/null; then
	"$MOSAIC" model curve "$tmp/ref.mtr" --plot "$tmp/curve.png" >/dev/null || fail "curve --plot"
	[ -s "$tmp/curve.png" ] && [ -s "$tmp/curve.gp" ] && [ -s "$tmp/curve.csv" ] || fail "curve plot files"
fi
"$MOSAIC" model curve "$tmp/ref.mtr" --module audio 2>"$tmp/err"; [ $? -eq 2 ] || fail "unknown module: exit code"
grep -q "no module 'audio'" "$tmp/err" || fail "unknown module message"
"$MOSAIC" model curve "$tmp/empty.mtr" --module vit 2>"$tmp/err"; [ $? -eq 2 ] || fail "empty module: exit code"
grep -q "module 'vit' has no kernels" "$tmp/err" || fail "empty module message: $(cat "$tmp/err")"
"$MOSAIC" model curve "$tmp/ref.mtr" --quotas 8,12 2>"$tmp/err"; [ $? -eq 2 ] || fail "curve off-lattice"
grep -q "nearest valid quotas 8 and 16" "$tmp/err" || fail "curve off-lattice message"
"$MOSAIC" model curve "$tmp/nonexistent.mtr" 2>/dev/null; [ $? -ne 0 ] || fail "missing file"

# interference: the matrix from a co-run trace (10% slower together), and the bandwidth model
"$MOSAIC" model interference --corun "$tmp/corun.mtr" --solo "$tmp/q64.mtr" -o "$tmp/im.json" >"$tmp/im.txt" || fail "interference"
python3 - "$tmp/im.json" <<'PY' || fail "interference matrix: $(cat "$tmp/im.json")"
import json, sys
m = json.load(open(sys.argv[1]))
assert m["modules"] == ["vit", "llm"], m
assert abs(m["slowdown"][0][1] - 1.1) < 0.01 and abs(m["slowdown"][1][0] - 1.1) < 0.01, m
assert m["slowdown"][0][0] == 1.0
PY
"$MOSAIC" model interference --corun "$tmp/corun.mtr" --solo "$tmp/ref.mtr" --matrix "$tmp/im.json" >/dev/null || fail "interference --matrix"
"$MOSAIC" model interference --corun "$tmp/corun.mtr" --solo "$tmp/empty.mtr" 2>"$tmp/err"; [ $? -eq 2 ] || fail "interference without solo"
grep -q "has no solo trace" "$tmp/err" || fail "interference message: $(cat "$tmp/err")"
s=$("$MOSAIC" model interference --gpu h100 --own 3000 --others 3000 | python3 -c 'import json,sys; print(json.load(sys.stdin)["slowdown"])')
python3 -c "import sys; assert float('$s') > 1.5" || fail "no slowdown at 2x demand: $s"
s=$("$MOSAIC" model interference --gpu h100 --own 100 --others 100 | python3 -c 'import json,sys; print(json.load(sys.stdin)["slowdown"])')
python3 -c "import sys; assert float('$s') == 1.0" || fail "slowdown at low demand: $s"
# the class matrix: two GEMM partitions of an H100 cost each other nothing,
# two GEMMs taking turns on the same SMs each take twice as long
"$MOSAIC" model interference --gpu h100 --sms 66 >"$tmp/cm.txt" || fail "class matrix"
[ "$(awk '/^gemm / {print $2}' "$tmp/cm.txt" | tr '\n' ' ')" = "1.000 2.000 " ] ||
	fail "gemm beside gemm (partitions, same SMs): $(cat "$tmp/cm.txt")"
exit 0
