#!/usr/bin/env bash
# mosaic bench: the quick sweep writes every table, figure and the report;
# the output does not depend on how the sweep is split (--jobs 1, --jobs 2,
# --shard + --merge give the same bytes); bad options and incomplete merges
# are refused with exit 2.
. "$(dirname "$0")/lib.sh"
need gnuplot
wl=clip,ofasys
export SOURCE_DATE_EPOCH=1700000000

"$MOSAIC" bench --quick --jobs 1 --workloads $wl --timeline ofasys --out "$tmp/j1" >"$tmp/out1" 2>"$tmp/err1" \
	|| fail "bench --jobs 1 failed: $(cat "$tmp/err1")"
grep -q "report: $tmp/j1/report.md" "$tmp/out1" || fail "no report path on stdout"
grep -q "speedup" "$tmp/out1" || fail "no speedup summary on stdout"
grep -q "^bench: \[1/" "$tmp/err1" || fail "no plain progress lines on stderr (not a tty)"

for f in iter overhead profile predictor search timeline why failures fig9_iter_time fig10_util \
	fig11_overhead fig12_cdf_module fig12_cdf_plan fig12_predictors fig13_search \
	fig14_scaling fig14_speedup fig14_density; do
	[ -s "$tmp/j1/$f.csv" ] || fail "missing $f.csv"
done
# (Fig. 12b is a table: its slowdowns are all near 1)
[ ! -e "$tmp/j1/fig12_predictors.png" ] || fail "fig12_predictors drawn as bars of about 1.0"
for f in fig9_iter_time fig10_util fig11_overhead fig12_error_cdf \
	fig13_search fig14_scaling fig14_density timeline_mosaic timeline_megatron; do
	[ -s "$tmp/j1/$f.gp" ] || fail "missing $f.gp"
	[ -s "$tmp/j1/$f.png" ] || fail "missing $f.png"
	[ -s "$tmp/j1/$f.svg" ] || fail "missing $f.svg"
	head -c 8 "$tmp/j1/$f.png" | od -An -c | grep -q 'P   N   G' || fail "$f.png is not a PNG"
done
# the why of each workload, quoted from plan --explain (predicted)
grep -q "^## Why mosaic colocates, or does not" "$tmp/j1/report.md" || fail "report.md has no why"
for w in clip ofasys; do
	grep -q "^[0-9]*,$w,8,[0-9]*,why (mosaic's candidates" "$tmp/j1/why.csv" || fail "why.csv: no why of $w"
done
# units in the headers of the raw tables
head -1 "$tmp/j1/iter.csv" | grep -q "predicted_iter_ns,simulated_iter_ns" || fail "iter.csv header"
head -1 "$tmp/j1/profile.csv" | grep -q "quota_sms,predicted_ns,simulated_ns" || fail "profile.csv header"
# both workloads x 5 systems at 8 GPUs, and the 16-GPU points of fig14
n8=$(awk -F, 'NR > 1 && $4 == 8' "$tmp/j1/iter.csv" | wc -l)
n16=$(awk -F, 'NR > 1 && $4 == 16' "$tmp/j1/iter.csv" | wc -l)
nf=$(awk 'NR > 1' "$tmp/j1/failures.csv" | wc -l)
[ $((n8 + n16 + nf)) -ge 20 ] || fail "expected 20 system runs (or failures), got $n8 + $n16 + $nf"
[ "$n8" -ge 1 ] || fail "no 8-GPU results"

python3 - "$tmp/j1" <<'PY' || fail "summary.json / report.md are wrong"
import json, sys, math, csv
d = sys.argv[1]
s = json.load(open(d + "/summary.json"))
names = [w["name"] for w in s["workloads"]]
assert names == ["clip", "ofasys"], names
assert "simulated" in s["labels"]["speedup_vs_best_baseline"]
sp = []
rows = list(csv.DictReader(open(d + "/iter.csv")))
for w in s["workloads"]:
    sysd = w["systems"]
    base = [sysd[k] for k in ("megatron", "distmm", "spindle", "optimus") if k in sysd]
    if "mosaic" in sysd and base:
        want = min(base) / sysd["mosaic"]
        assert abs(w["speedup_vs_best_baseline"] - want) < 1e-5, (w, want)
        sp.append(want)
    # the summary's times are the simulator's, as in iter.csv
    for k, v in sysd.items():
        r = [x for x in rows if x["workload"] == w["name"] and x["system"] == k and x["gpus"] == "8"]
        assert r and int(r[0]["simulated_iter_ns"]) == v, (w["name"], k)
assert sp, "no speedup computed"
assert abs(s["max_speedup"] - max(sp)) < 1e-5
assert abs(s["geomean_speedup"] - math.exp(sum(map(math.log, sp)) / len(sp))) < 1e-5
r = open(d + "/report.md").read()
# the timelines show the workload --timeline names (ofasys: its mosaic plan colocates
# modules on 8 identical GPUs)
assert "One simulated training iteration of **ofasys**" in r, "timeline workload"
tl = list(csv.DictReader(open(d + "/timeline_mosaic.csv")))
assert any(x["partition"] != "0" for x in tl), "mosaic's timeline shows no second partition"
# one colour per module in every timeline; GPUs alike drawn once, with their
# count (ofasys' mosaic plan: 8 identical GPUs); one time axis for all
colour, xr = {}, set()
for sysname in ("megatron", "distmm", "spindle", "optimus", "mosaic"):
    for x in csv.DictReader(open(d + "/timeline_%s.csv" % sysname)):
        if x["module_index"] != "-1":
            assert colour.setdefault(x["module"], x["module_index"]) == x["module_index"], \
                ("module colours differ between timelines", sysname, x)
    gp = open(d + "/timeline_%s.gp" % sysname).read()
    xr.add([l for l in gp.splitlines() if l.startswith("set xrange")][0])
assert len(xr) == 1, ("timelines on different time axes", xr)
# Fig. 9 draws speedups over the best baseline, each bar labelled with its value
f9 = list(csv.DictReader(open(d + "/fig9_iter_time.csv")))
for x in f9:
    for sysname in ("megatron", "distmm", "spindle", "optimus", "mosaic"):
        sp = float(x[sysname + "_simulated_speedup_vs_best_baseline"])
        rel = float(x[sysname + "_simulated_rel_best_baseline"])
        assert abs(sp * rel - 1) < 1e-3, (x["workload"], sysname, sp, rel)
        assert x[sysname + "_speedup_label"] == "%.2fx" % sp, x
gp9 = open(d + "/fig9_iter_time.gp").read()
assert "speedup" in gp9 and "with labels" in gp9, "Fig. 9 is not speedups with labelled values"
assert {x["gpu"] for x in tl} == {"0"}, "mosaic's 8 identical GPUs drawn more than once"
assert "gpu0 (x8 alike)" in open(d + "/timeline_mosaic.gp").read(), "no GPU count in the labels"
for needle in ("simulated", "predicted", "Fig. 9", "Fig. 10", "Fig. 11", "Fig. 12", "Fig. 13",
               "Fig. 14", "Timelines", "geometric mean", "--quick", "8 x h100",
               "fig9_iter_time.png", "timeline_mosaic.png"):
    assert needle in r, needle
assert "measured on hardware" in r
PY

# same bytes whatever the split
"$MOSAIC" bench --quick --jobs 2 --workloads $wl --timeline ofasys --out "$tmp/j2" >/dev/null 2>"$tmp/err2" \
	|| fail "bench --jobs 2 failed: $(cat "$tmp/err2")"
for i in 0 1 2; do
	"$MOSAIC" bench --quick --shard $i/3 --workloads $wl --timeline ofasys --out "$tmp/s$i" --quiet >/dev/null \
		2>"$tmp/err3" || fail "bench --shard $i/3 failed: $(cat "$tmp/err3")"
	[ -s "$tmp/s$i/shard.json" ] || fail "no shard.json in shard $i"
done
"$MOSAIC" bench --merge "$tmp/s2" "$tmp/s0" "$tmp/s1" -o "$tmp/m" --json >"$tmp/mj" 2>"$tmp/err4" \
	|| fail "bench --merge failed: $(cat "$tmp/err4")"
cmp -s "$tmp/mj" "$tmp/m/summary.json" || fail "bench --json did not print summary.json"
for f in "$tmp"/j1/*.csv "$tmp/j1/summary.json" "$tmp/j1/summary.txt"; do
	b=$(basename "$f")
	cmp -s "$f" "$tmp/j2/$b" || fail "$b differs between --jobs 1 and --jobs 2"
	cmp -s "$f" "$tmp/m/$b" || fail "$b differs between --jobs 1 and --shard/--merge"
done
for f in "$tmp"/j1/*.gp; do   # scripts: the same apart from the comment naming the directory
	b=$(basename "$f")
	cmp -s <(grep -v '^#' "$f") <(grep -v '^#' "$tmp/m/$b") || fail "$b differs after --merge"
done

# --shard auto takes I/N from the launcher (as mpirun sets it) and writes
# DIR/shards/I (one rank is enough to show it: the split is --shard's)
OMPI_COMM_WORLD_RANK=1 OMPI_COMM_WORLD_SIZE=3 "$MOSAIC" bench --quick --shard auto \
	--workloads $wl --out "$tmp/auto" --quiet >/dev/null 2>"$tmp/err3" \
	|| fail "bench --shard auto (rank 1) failed: $(cat "$tmp/err3")"
[ ! -e "$tmp/auto/shards/0" ] && [ ! -e "$tmp/auto/shards/2" ] || fail "--shard auto ran other ranks' shards"
cmp -s "$tmp/s1/iter.csv" "$tmp/auto/shards/1/iter.csv" || fail "--shard auto rank 1 != --shard 1/3"
env -u OMPI_COMM_WORLD_RANK -u PMI_RANK -u SLURM_PROCID -u SLURM_ARRAY_TASK_ID \
	"$MOSAIC" bench --quick --shard auto --out "$tmp/bad" >/dev/null 2>&1
[ $? -eq 2 ] || fail "--shard auto without a launcher must exit 2"

# an incomplete or mixed merge is refused
"$MOSAIC" bench --merge "$tmp/s0" "$tmp/s1" --out "$tmp/bad" >/dev/null 2>"$tmp/err5"
[ $? -eq 2 ] || fail "a merge missing a shard must exit 2"
grep -q "shard 2/3 is missing" "$tmp/err5" || fail "missing-shard message: $(cat "$tmp/err5")"
"$MOSAIC" bench --merge "$tmp/s0" "$tmp/s0" "$tmp/s1" --out "$tmp/bad" >/dev/null 2>"$tmp/err5"
[ $? -eq 2 ] || fail "a merge with a shard twice must exit 2"
# a shard whose tables lost rows (cut short, edited) is refused, nothing written
cp -r "$tmp/s1" "$tmp/s1cut"
head -n 1 "$tmp/s1/iter.csv" > "$tmp/s1cut/iter.csv"
grep -v '^task' "$tmp/s1/iter.csv" | tail -n +3 >> "$tmp/s1cut/iter.csv"
"$MOSAIC" bench --merge "$tmp/s2" "$tmp/s0" "$tmp/s1cut" --out "$tmp/bad2" >/dev/null 2>"$tmp/err6"
[ $? -eq 2 ] || fail "a merge of an incomplete shard must exit 2"
grep -q "incomplete shard" "$tmp/err6" || fail "incomplete shard: message: $(cat "$tmp/err6")"
[ -e "$tmp/bad2" ] && fail "an incomplete merge wrote '$tmp/bad2'"
sed 's/"tasks": [0-9]*/"tasks": 4294967298/' "$tmp/s1/shard.json" > "$tmp/s1cut/shard.json"
cp "$tmp/s1/iter.csv" "$tmp/s1cut/iter.csv"
"$MOSAIC" bench --merge "$tmp/s2" "$tmp/s0" "$tmp/s1cut" --out "$tmp/bad2" >/dev/null 2>"$tmp/err6"
[ $? -eq 2 ] || fail "a shard.json with tasks out of range must exit 2"
"$MOSAIC" bench --merge "$tmp/j1/shards/0" "$tmp/s1" "$tmp/s2" --out "$tmp/bad" >/dev/null 2>"$tmp/err5"
[ $? -eq 2 ] || fail "a merge of different sweeps must exit 2"

# the cluster forms: GPU xCOUNT, and a JSON file with an inline GPU spec
"$MOSAIC" bench --quick --jobs 2 --cluster "a100-80gb-pcie x16" --workloads clip --out "$tmp/a100" \
	--quiet >/dev/null 2>"$tmp/err6" || fail "--cluster 'a100-80gb-pcie x16' failed: $(cat "$tmp/err6")"
grep -q "16 x a100-80gb-pcie" "$tmp/a100/report.md" || fail "the report does not name the a100 cluster"
awk -F, 'NR > 1 && $4 != 16 && $4 != 8 { bad = 1 } END { exit bad }' "$tmp/a100/iter.csv" \
	|| fail "a100 x16 ran other GPU counts than 8 and 16"
cat > "$tmp/cluster.json" <<'JSON'
{"gpu": {"name": "Test GPU 100", "short_name": "tgpu", "sms": 108, "cc_major": 8, "cc_minor": 0,
         "hbm_gbps": 1500, "fp32_tflops": 19.5, "bf16_tflops": 312, "mem_bytes": 42949672960,
         "nvlink_gbps": 300},
 "gpus": 4, "gpus_per_node": 2, "net_gbps": 25}
JSON
"$MOSAIC" bench --quick --jobs 1 --cluster "$tmp/cluster.json" --workloads clip --out "$tmp/custom" \
	--quiet >/dev/null 2>"$tmp/err7" || fail "--cluster FILE.json failed: $(cat "$tmp/err7")"
grep -q "4 x tgpu (Test GPU 100, 108 SMs)" "$tmp/custom/report.md" || fail "custom cluster not in the report"
echo '{"gpu": "h100", "gpus": 4, "bogus": 1}' > "$tmp/bad.json"
"$MOSAIC" bench --quick --cluster "$tmp/bad.json" --out "$tmp/bad" >/dev/null 2>"$tmp/err8"
[ $? -eq 2 ] || fail "an unknown cluster field must exit 2"
grep -q "bogus: unknown field" "$tmp/err8" || fail "cluster error message: $(cat "$tmp/err8")"

# without gnuplot: the numbers and scripts are written, the report says the
# figures are missing, and `mosaic plot` draws them later
mkdir "$tmp/nognuplot" && ln -s /bin/false "$tmp/nognuplot/gnuplot"
PATH="$tmp/nognuplot:$PATH" "$MOSAIC" bench --quick --jobs 1 --workloads clip --out "$tmp/ng" \
	--quiet >/dev/null 2>"$tmp/err9" || fail "bench without gnuplot failed: $(cat "$tmp/err9")"
grep -q "gnuplot not found" "$tmp/err9" || fail "no warning without gnuplot"
grep -q "gnuplot was not found" "$tmp/ng/report.md" || fail "the report hides the missing figures"
ls "$tmp/ng"/*.png >/dev/null 2>&1 && fail "PNGs without gnuplot?"
"$MOSAIC" plot "$tmp/ng" >/dev/null 2>"$tmp/err9" || fail "plot after the fact failed: $(cat "$tmp/err9")"
[ -s "$tmp/ng/fig9_iter_time.png" ] || fail "mosaic plot did not draw fig9"

# without --timeline the timelines draw the first workload whose mosaic plan
# colocates modules (clip, at 1.012x, since reductions pay their fixed chain)
"$MOSAIC" bench --quick --jobs 2 --workloads $wl --out "$tmp/tl" --quiet >/dev/null \
	2>"$tmp/err10" || fail "bench without --timeline failed: $(cat "$tmp/err10")"
grep -q "One simulated training iteration of \*\*clip\*\*" "$tmp/tl/report.md" || fail "default timeline workload"

# bad usage
for args in "--shard 3/3" "--shard x" "--jobs 0" "--cluster nosuchgpu" "--workloads nosuch" \
	"--merge" "--bogus" "--timeline qwen3-vl --workloads clip"; do
	"$MOSAIC" bench $args --out "$tmp/bad" >/dev/null 2>&1
	[ $? -eq 2 ] || fail "'bench $args' must exit 2"
done
"$MOSAIC" bench --help | grep -q -- "--cluster SPEC" || fail "--help does not describe --cluster"
exit 0
