#!/bin/bash
# mosaic validate --measurements: the documented CSV form and the readers of
# published data (small copies in tests/data/measurements): tables, JSON,
# -o DIR with CSV files and figures, exit codes 0/1/2, and no files left
# behind when the input is bad.
. "$(dirname "$0")/lib.sh"
data=tests/data/measurements

cat >"$tmp/m.csv" <<'CSV'
# made-up times for the test (not measurements)
kind,dtype,shape,gpu,mechanism,quota,corun,time_us,whole_time_us
gemm,bf16,m=4096 n=4096 k=4096,h100,green-context,16,none,1500,180
gemm,bf16,m=4096 n=4096 k=4096,h100,whole,-,none,180,-
elementwise,bf16,bytes=268435456,h100,green-context,32,none,120,90
model,fp16,name=resnet50 batch=32,a100-80gb-sxm,mig,14,busy=6xmig,9000,2000
model,fp16,name=vgg16 batch=32,a100-80gb-sxm,mig,14,none,9000,2000
CSV
"$MOSAIC" validate --measurements "$tmp/m.csv" >"$tmp/out.txt" 2>"$tmp/err" || fail "exit $?: $(cat "$tmp/err")"
for want in "^mechanism  *whole" "^  *green-context  *|" "^class  *gemm" "^quota  *<=16" "^corun  *solo" "^  *co-run  *|" \
	"^## worst 4 rows by absolute error" "^## worst 3 rows by slowdown error" \
	"no synthesiser for model 'vgg16'" "5 measurements read, 4 evaluated, 1 skipped"; do
	grep -q -- "$want" "$tmp/out.txt" || fail "no '$want' in: $(cat "$tmp/out.txt")"
done
"$MOSAIC" validate --measurements "$tmp/m.csv" --json >"$tmp/out.json" || fail "--json"
python3 - "$tmp/out.json" <<'PY' || fail "json: $(cat "$tmp/out.json")"
import json, sys
v = json.load(open(sys.argv[1]))
assert v["truth"] == "measured" and v["evaluated"] == 4 and v["skipped"] == 1, v
assert v["absolute"]["n"] == 4 and v["slowdown"]["n"] == 3, v
keys = {(g["dimension"], g["key"]) for g in v["groups"]}
assert ("mechanism", "mig") in keys and ("corun", "co-run") in keys, keys
w = v["worst_absolute"]
assert len(w) == 4 and abs(w[0]["error_pct"]) >= abs(w[-1]["error_pct"]), w
PY
# -o DIR: CSV files with units, figures when gnuplot is here
"$MOSAIC" validate --measurements "$tmp/m.csv" -o "$tmp/out" >/dev/null || fail "-o"
head -1 "$tmp/out/rows.csv" | grep -q "measured_us,predicted_us,error_pct" || fail "rows.csv header"
[ "$(wc -l <"$tmp/out/rows.csv")" -eq 5 ] || fail "rows.csv rows"
grep -q "vgg16" "$tmp/out/skipped.csv" || fail "skipped.csv"
grep -q '^"mechanism","mig",1,' "$tmp/out/groups.csv" || fail "groups.csv: $(cat "$tmp/out/groups.csv")"
if command -v gnuplot >/dev/null; then
	for f in predicted_vs_measured error_cdf slowdown_error_cdf; do
		[ -s "$tmp/out/$f.png" ] && [ -s "$tmp/out/$f.svg" ] || fail "figure $f"
		grep -q "measured" "$tmp/out/$f.gp" && grep -q "predicted" "$tmp/out/$f.gp" || fail "$f labels"
	done
fi
# N copies sharing S SMs against partitions of S/N (made-up times): the
# sharing and processes tables and the pairs table, text and JSON
printf 'kind,dtype,shape,gpu,mechanism,quota,corun,time_us\nelementwise,fp16,bytes=1073741824,a100-80gb-sxm,mig,14,none,5510\nelementwise,fp16,bytes=1073741824,a100-80gb-sxm,mig,28,copies=2,5000\n' >"$tmp/pair.csv"
"$MOSAIC" validate --measurements "$tmp/pair.csv" >"$tmp/pair.txt" || fail "pairs"
for want in "^sharing  *solo" "^  *same-SMs  *|" "^processes  *1" "^## N processes sharing S SMs vs N partitions" \
	"^all  *1 |   1.102" "^2  *1 |   1.102"; do
	grep -q -- "$want" "$tmp/pair.txt" || fail "no '$want' in: $(cat "$tmp/pair.txt")"
done
"$MOSAIC" validate --measurements "$tmp/pair.csv" --json >"$tmp/pair.json" || fail "pairs --json"
python3 - "$tmp/pair.json" <<'PY' || fail "pairs json: $(cat "$tmp/pair.json")"
import json, sys
p = json.load(open(sys.argv[1]))["shared_vs_partitioned"]
assert [x["processes"] for x in p] == ["all", "2"], p
assert p[0]["measured_ratio"]["n"] == 1 and abs(p[0]["measured_ratio"]["median"] - 1.102) < 1e-3, p
PY
# the committed copies of published data
"$MOSAIC" validate --measurements "$data" >"$tmp/pub.txt" 2>"$tmp/err" || fail "published data: $(cat "$tmp/err")"
grep -q "^mechanism  *whole" "$tmp/pub.txt" && grep -q "^  *mig  *|" "$tmp/pub.txt" && grep -q "^  *mps  *|" "$tmp/pub.txt" \
	|| fail "mechanisms: $(cat "$tmp/pub.txt")"
grep -q "^  *co-run  *|" "$tmp/pub.txt" && grep -q "Server: a latency under a query pattern" "$tmp/pub.txt" \
	|| fail "co-run rows or skipped items: $(cat "$tmp/pub.txt")"
# Gavel's pairs: measured co-location gains (ResNet-50 b16 beside itself: 0.590)
grep -q "^## measured: 1 pairs of jobs sharing one GPU's SMs" "$tmp/pub.txt" && grep -q "^median 0.590 " "$tmp/pub.txt" \
	|| fail "co-location gains: $(cat "$tmp/pub.txt")"
# held-out published measurements (tests/data/heldout): every row read and evaluated (103 whole-GPU
# rows, 6 of Azure's MLPerf v3.0 A100 PCIe: 3 on a 1g slice, 3 whole; 23 of NVIDIA's and Dell's v2.0
# A100 SXM: 15 on a slice, 8 whole), the
# A100 fp16 16384^3 GEMM within 10 % (measured 256.5 TFLOPS: 34292.760 us)
"$MOSAIC" validate --measurements tests/data/heldout -o "$tmp/held" >"$tmp/held.txt" 2>"$tmp/err" \
	|| fail "held-out: $(cat "$tmp/err")"
grep -q "132 measurements read, 132 evaluated, 0 skipped" "$tmp/held.txt" || fail "held-out rows: $(head -3 "$tmp/held.txt")"
# one table row per data set, in the order read (text and --json): 23 Azure kernels, 8 Dell rows, ...
for want in "^dataset  *azure-whole-gpu-kernels.csv  *|  *23 " "^  *mlperf-inference-v2.0-dell  *|  *8 " \
	"^  *tensorrt-bert-a100-40gb.csv  *|  *80 "; do
	grep -q "$want" "$tmp/held.txt" || fail "held-out data-set table, '$want': $(grep -A5 '^dataset' "$tmp/held.txt")"
done
"$MOSAIC" validate --measurements tests/data/heldout/ --json | python3 -c '
import json, sys
g = [(x["key"], x["absolute"]["n"]) for x in json.load(sys.stdin)["groups"] if x["dimension"] == "dataset"]
assert g == [("azure-whole-gpu-kernels.csv", 23), ("mlperf-inference-v2.0-dell", 8),
             ("mlperf-inference-v2.0-nvidia", 15), ("mlperf-inference-v3.0-azure", 6),
             ("tensorrt-bert-a100-40gb.csv", 80)], g' || fail "held-out data sets in --json"
# Azure's slice: measured 1g/whole slowdowns from the logs (bert-99, bert-99.9, resnet50 Offline:
# 12455.7 / 4 / 491.528, 6470.04 / 4 / 255.502, 154868 / 4 / 5361.73)
awk -F, '$4 == "a100-80gb-pcie" && $5 == "mig" && $6 == 14 { printf "%.3f\n", $12 }' "$tmp/held/rows.csv" \
	| tr '\n' ' ' | grep -qx "6.335 6.331 7.221 " || fail "held-out Azure slice: $(grep pcie "$tmp/held/rows.csv")"
awk -F, '$2 == "gemm fp16 b=1 m=16384 n=16384 k=16384" { e = $11 < 0 ? -$11 : $11; found = 1; exit (e < 10 ? 0 : 1) }
	END { if (!found) exit 1 }' "$tmp/held/rows.csv" || fail "held-out A100 GEMM: $(grep 16384 "$tmp/held/rows.csv")"
# and TensorRT's BERT-Large on an A100 40GB, synthesised with TensorRT's fusions (engine=tensorrt):
# FP16 at 384 tokens, batch 64 (83.63 ms measured), and INT8 at 128 tokens, batch 128 (25.45 ms;
# +18 % without the fusions) within 10 %
for row in "bert-large batch=64 infer fp16 seq=384" "bert-large batch=128 infer int8 seq=128"; do
	awk -F, -v item="model $row" '$2 == item && $1 ~ /tensorrt-bert-a100-40gb.csv/ { e = $11 < 0 ? -$11 : $11; found = 1; exit (e < 10 ? 0 : 1) }
		END { if (!found) exit 1 }' "$tmp/held/rows.csv" || fail "held-out $row: $(grep "$row" "$tmp/held/rows.csv")"
done
# input=pageable: the batch's fp32 input (64 x 3 x 224 x 224 x 4 bytes) is
# copied first at 5.7 GB/s (model.h MODEL_MEAS_PAGEABLE_H2D_GBPS): +6.76 ms
printf 'kind,dtype,shape,gpu,mechanism,quota,corun,time_us\nmodel,fp32,name=resnet50 batch=64 launch=eager input=pageable,a100-80gb-sxm,whole,-,none,30000\nmodel,fp32,name=resnet50 batch=64 launch=eager,a100-80gb-sxm,whole,-,none,30000\n' >"$tmp/in.csv"
"$MOSAIC" validate --measurements "$tmp/in.csv" -o "$tmp/in" >/dev/null || fail "input=pageable"
python3 - "$tmp/in/rows.csv" <<'PY' || fail "input copy: $(cat "$tmp/in/rows.csv")"
import csv, sys
r = list(csv.DictReader(open(sys.argv[1])))
d = float(r[0]["predicted_us"]) - float(r[1]["predicted_us"])
want = 64 * 3 * 224 * 224 * 4 / 5.7 / 1e3
assert abs(d - want) < 0.01 * want, (d, want)
PY
# a named model's host is the simulator's: validate's prediction of a training
# batch (eager and a graph executor) is the iteration `mosaic synth --launch`
# gives the same workload on one thread (workload_host_kernel_ns for every
# kernel, workloads/host-inventory.c), to the nanosecond
printf 'kind,dtype,shape,gpu,mechanism,quota,corun,time_us\nmodel,bf16,name=resnet50 batch=2 mode=train launch=eager,h100,whole,-,none,30000\nmodel,bf16,name=resnet50 batch=2 mode=train launch=executor,h100,whole,-,none,30000\n' >"$tmp/h.csv"
"$MOSAIC" validate --measurements "$tmp/h.csv" -o "$tmp/h" >/dev/null || fail "host rows"
cat >"$tmp/r50.json" <<'JSON'
{"name": "resnet50", "batch": 2, "dtype": "bf16", "cluster": {"gpu": "h100", "gpus": 1},
 "modules": [{"name": "net", "kind": "encoder", "arch": "conv", "blocks": [3, 4, 6, 3], "image": 224}]}
JSON
for l in eager executor; do
	"$MOSAIC" synth "$tmp/r50.json" --gpu h100 --launch $l --json -o "$tmp/r50-$l.mtr" >"$tmp/r50-$l.json" \
		|| fail "synth --launch $l"
done
python3 - "$tmp/h/rows.csv" "$tmp/r50-eager.json" "$tmp/r50-executor.json" <<'PY' || fail "validate's host differs from synth's"
import csv, json, sys
r = list(csv.DictReader(open(sys.argv[1])))
for row, path in zip(r, sys.argv[2:]):
    it = json.load(open(path))["iter_ns"] / 1e3
    assert abs(float(row["predicted_us"]) - it) < 0.01, (row["item"], row["predicted_us"], it)
assert float(r[1]["predicted_us"]) < 0.5 * float(r[0]["predicted_us"]), "executor faster than eager"
PY
# one host rule (model.h, enum model_host_cpu): on an A100, fp32 (TF32 convolutions
# between cuDNN's layout transposes, each charged its launch call), validate's
# prediction is synth's default iteration to the nanosecond; the A100 traces'
# host, named, is slower; validate prints the other host as a sensitivity row
printf 'kind,dtype,shape,gpu,mechanism,quota,corun,time_us\nmodel,fp32,name=resnet50 batch=2 mode=train launch=eager,a100-80gb-sxm,whole,-,none,30000\n' >"$tmp/a.csv"
"$MOSAIC" validate --measurements "$tmp/a.csv" -o "$tmp/a" >"$tmp/a.txt" || fail "A100 host row"
grep -q "^## sensitivity: the host CPU" "$tmp/a.txt" && grep -q "^a100-80gb-sxm  *h100-traces  *|     1 " "$tmp/a.txt" \
	&& grep -q "^  *own-traces  *|     1 " "$tmp/a.txt" || fail "host sensitivity row: $(cat "$tmp/a.txt")"
sed 's/"bf16"/"fp32"/; s/"h100"/"a100-80gb-sxm"/' "$tmp/r50.json" >"$tmp/r50a.json"
"$MOSAIC" synth "$tmp/r50a.json" --launch eager --json -o "$tmp/r50a.mtr" >"$tmp/r50a.json.out" \
	|| fail "synth on the A100"
"$MOSAIC" synth "$tmp/r50a.json" --launch eager --cpu a100-traces --json -o "$tmp/r50b.mtr" \
	>"$tmp/r50b.json.out" || fail "synth --cpu a100-traces"
python3 - "$tmp/a/rows.csv" "$tmp/r50a.json.out" "$tmp/r50b.json.out" <<'PY' || fail "A100: validate's host differs from synth's"
import csv, json, sys
r = list(csv.DictReader(open(sys.argv[1])))[0]
dflt, a100 = (json.load(open(p))["iter_ns"] / 1e3 for p in sys.argv[2:])
assert abs(float(r["predicted_us"]) - dflt) < 0.01, (r["predicted_us"], dflt)
assert a100 > 1.2 * dflt, (a100, dflt)
PY
"$MOSAIC" synth "$tmp/r50a.json" --cpu a100 -o "$tmp/x.mtr" 2>"$tmp/err"; [ $? -eq 2 ] || fail "--cpu a100 accepted"
# a GPU the registry lacks: bad input, unless --gpu-file adds it
cat >"$tmp/gpu.json" <<'JSON'
[{"name": "Test GPU 7", "short_name": "testgpu7", "sms": 40, "cc_major": 8, "cc_minor": 0,
  "hbm_gbps": 1000, "fp32_tflops": 10, "bf16_tflops": 100}]
JSON
printf 'kind,dtype,shape,gpu,mechanism,quota,corun,time_us\ngemm,bf16,m=512 n=512 k=512,testgpu7,green-context,8,none,50\n' >"$tmp/g.csv"
"$MOSAIC" validate --measurements "$tmp/g.csv" >/dev/null 2>"$tmp/err"; [ $? -eq 2 ] || fail "unknown GPU accepted"
grep -q "g.csv:2:29: field 'gpu': unknown GPU 'testgpu7'" "$tmp/err" || fail "unknown GPU message: $(cat "$tmp/err")"
"$MOSAIC" validate --measurements "$tmp/g.csv" --gpu-file "$tmp/gpu.json" >"$tmp/g.txt" || fail "--gpu-file"
grep -q "1 measurements read, 1 evaluated" "$tmp/g.txt" || fail "--gpu-file row: $(cat "$tmp/g.txt")"
# a threshold that cannot hold: exit 1
"$MOSAIC" validate --measurements "$tmp/m.csv" --max-median 0 >/dev/null 2>&1; [ $? -eq 1 ] || fail "--max-median exit"
# bad input: exit 2, the place named, no output files
printf 'kind,dtype,shape,gpu,mechanism,quota,corun,time_us\ngemm,fp16,m=1 n=1 k=1,h100,whole,-,none,nan\n' >"$tmp/bad.csv"
"$MOSAIC" validate --measurements "$tmp/bad.csv" -o "$tmp/badout" >"$tmp/bad.out" 2>"$tmp/err"; rc=$?
[ $rc -eq 2 ] || fail "bad row: exit $rc"
grep -q "bad.csv:2:41: field 'time'" "$tmp/err" || fail "bad row message: $(cat "$tmp/err")"
[ ! -e "$tmp/badout" ] && [ ! -s "$tmp/bad.out" ] || fail "output left after a bad row"
# an MLPerf summary whose throughput is not a finite positive number: exit 2, file and line, no output
ml="$tmp/ml/results/A100-SXM-80GB-MIG_1x1g_TRT/resnet50/Offline/performance/run_1"
mkdir -p "$ml" "$tmp/ml/measurements" && printf 'Scenario : Offline\nSamples per second: inf\n' >"$ml/mlperf_log_summary.txt"
"$MOSAIC" validate --measurements "$tmp/ml" --json -o "$tmp/mlout" >"$tmp/ml.out" 2>"$tmp/err"; rc=$?
[ $rc -eq 2 ] || fail "MLPerf throughput inf: exit $rc"
grep -q "mlperf_log_summary.txt':2: Samples per second inf" "$tmp/err" || fail "MLPerf inf message: $(cat "$tmp/err")"
[ ! -e "$tmp/mlout" ] && [ ! -s "$tmp/ml.out" ] || fail "output left after an MLPerf inf"
"$MOSAIC" validate --measurements "$data/parvagpu/LICENSE" 2>/dev/null; [ $? -eq 2 ] || fail "unknown file"
"$MOSAIC" validate --measurements "$tmp/none.csv" 2>/dev/null; [ $? -eq 2 ] || fail "missing file"
"$MOSAIC" validate --measurements "$tmp/m.csv" extra 2>/dev/null; [ $? -eq 2 ] || fail "stray argument"
exit 0
