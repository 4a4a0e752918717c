#!/usr/bin/env bash
# mosaic bench on a user's model: the spec written in workloads/README.md
# ("Writing a spec"), taken verbatim from the README, runs through the whole
# sweep beside a bundled workload and gets the same report, tables and plots;
# a bad spec file is refused with exit 2 before anything is written.
. "$(dirname "$0")/lib.sh"

# The README's example spec, as a user would copy it.
awk '/^## Writing a spec/ {on = 1; next} on && /^```json/ {grab = 1; next}
     grab && /^```/ {exit} grab {print}' workloads/README.md >"$tmp/my.json"
grep -q '"name": "my-vlm"' "$tmp/my.json" || fail "no example spec in workloads/README.md"

"$MOSAIC" bench --quick --jobs 2 --workloads "$tmp/my.json",clip --out "$tmp/r" \
	>"$tmp/out" 2>"$tmp/err" || fail "bench on the README's spec failed: $(cat "$tmp/err")"
grep -q '^my-vlm ' "$tmp/out" || fail "no my-vlm row in the summary: $(cat "$tmp/out")"
grep -q '^clip ' "$tmp/out" || fail "no clip row in the summary"
# every system was planned and simulated for the user's model
for sys in megatron distmm spindle optimus mosaic; do
	grep -q "^[0-9]*,my-vlm,$sys,8," "$tmp/r/iter.csv" || fail "no 8-GPU $sys row for my-vlm in iter.csv"
done
[ ! -s "$tmp/r/failures.csv" ] || [ "$(wc -l <"$tmp/r/failures.csv")" -le 1 ] ||
	fail "failures recorded: $(cat "$tmp/r/failures.csv")"
grep -q 'my-vlm' "$tmp/r/report.md" || fail "report.md does not mention my-vlm"
for f in fig9_iter_time fig10_util fig14_scaling timeline_mosaic; do
	[ -s "$tmp/r/$f.png" ] || fail "missing $f.png"
done
python3 - "$tmp/r/shards" "$tmp/my.json" <<'PY' || fail "shard.json does not record the spec file"
import glob, json, sys
paths = glob.glob(sys.argv[1] + "/*/shard.json")
docs = [json.load(open(p)) for p in paths]
assert docs, "no shard.json"
for d in docs:
    o = d["opts"]
    assert o["workloads"] == ["my-vlm", "clip"], o["workloads"]
    assert o["workload_sources"] == [sys.argv[2], "clip"], o["workload_sources"]
PY

# A bad spec: exit 2, the file named, nothing written.
printf '{"name": "x", "modules": [' >"$tmp/bad.json"
"$MOSAIC" bench --quick --workloads "$tmp/bad.json" --out "$tmp/bad" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 2 ] || fail "bad spec: exit $rc, want 2"
grep -q "bad.json" "$tmp/err" || fail "bad spec: message does not name the file: $(cat "$tmp/err")"
[ ! -e "$tmp/bad" ] || fail "bad spec: output directory created"
# Two workloads of one name are refused.
cp "$tmp/my.json" "$tmp/my2.json"
"$MOSAIC" bench --quick --workloads "$tmp/my.json,$tmp/my2.json" --out "$tmp/dup" >/dev/null 2>"$tmp/err"
rc=$?
[ $rc -eq 2 ] || fail "duplicate names: exit $rc, want 2"
grep -q "given twice" "$tmp/err" || fail "duplicate names: $(cat "$tmp/err")"
# A user's GPU (a JSON file: a made-up half H100): bench, plan and run take
# --gpu-file; the sweep's processes and its merge know the GPU.
gpu="$tmp/gpu.json"
cat >"$gpu" <<'JSON'
[{"name": "Half H100", "short_name": "half", "cc_major": 9, "cc_minor": 0, "sms": 66,
  "clock_mhz": 1980, "mem_bytes": 85899345920, "hbm_gbps": 1676, "l2_bytes": 52428800,
  "fp32_tflops": 33.5, "tf32_tflops": 247, "bf16_tflops": 495, "fp16_tflops": 495,
  "fp8_tflops": 990, "pcie_gbps": 64}]
JSON
"$MOSAIC" bench --quick --jobs 2 --gpu-file "$gpu" --cluster halfx4 --workloads clip --out "$tmp/u" \
	>"$tmp/out" 2>"$tmp/err" || fail "bench on a --gpu-file GPU failed: $(cat "$tmp/err")"
grep -q "^[0-9]*,clip,mosaic,4," "$tmp/u/iter.csv" || fail "no 4-GPU mosaic row on the user's GPUs"
grep -q '"gpu_file": ' "$tmp/u/shards/0/shard.json" || fail "shard.json does not record the GPU file"
"$MOSAIC" plan clip --gpu-file "$gpu" --gpu half --gpus 2 --planner megatron --check none -o "$tmp/u.json" \
	2>"$tmp/err" || fail "plan --gpu-file: $(cat "$tmp/err")"
grep -q '"gpu": "Half H100"' "$tmp/u.json" || fail "the plan is not for the user's GPU"
"$MOSAIC" run "$tmp/u.json" --gpu-file "$gpu" >/dev/null 2>"$tmp/err" || fail "run --gpu-file: $(cat "$tmp/err")"
"$MOSAIC" run "$tmp/u.json" >/dev/null 2>"$tmp/err"; [ $? -eq 2 ] || fail "run without the GPU file: want exit 2"
echo "bench-user.sh: the README's spec benched beside clip"
