#!/usr/bin/env bash
# mosaic inspect's analyses: on the committed Kineto traces (and, when present,
# the A100 DDP, H100 ViT-B and V100 traces of ../shared/external-traces or
# $MOSAIC_EXTERNAL_TRACES) each analysis agrees exactly with tests/data/kineto/analyses.py, which reads the
# JSON another way; the DDP trace shows overlap, ViT-B host-bound idle; --csv
# has units; a directory or several files are one job's ranks; bad input is
# refused naming the file.
. "$(dirname "$0")/lib.sh"
need python3
EXT=${MOSAIC_EXTERNAL_TRACES:-../shared/external-traces}
REF=tests/data/kineto/analyses.py
BERT=tests/data/kineto/tracelens/gaunernst_bert-small-uncased__1016001.json.gz
ALEX=tests/data/kineto/hta/benchmark_result_2869224_1695835535_trace.json.gz

agree() { # trace
	"$MOSAIC" inspect --json --top 0 "$1" >"$tmp/a.json" || fail "inspect --json '$1' failed"
	python3 "$REF" "$1" "$tmp/a.json" || fail "'$1': the analyses disagree with $REF"
}
agree "$BERT"
agree "$ALEX"

# the keys, with their meaning kept beside the old ones
python3 - "$tmp/a.json" <<'PY' || fail "inspect --json keys"
import json, sys
d = json.load(open(sys.argv[1]))
for k in ("kernels", "busy_ns", "idle", "classes", "top_kernels", "breakdown", "overlap", "launch",
          "kernel_stats", "critical_path", "steps"):
    assert k in d, k
i = d["idle"]
assert i["other_wait_ns"] == i["kernel_wait_ns"] + i["other_ns"], i
assert i["gap_ns"] == i["host_wait_ns"] + i["other_wait_ns"] + i["unattributed_ns"], i
b = d["breakdown"][0]
assert b["compute_ns"] + b["communication_ns"] + b["memory_ns"] + b["idle_ns"] == b["total_ns"], b
PY

# external traces: agreement, then the issue's plausibility checks
if [ -d "$EXT" ]; then
	ddp=$(find "$EXT" -name 'nccl_data.json.gz' | head -n 1)
	vit=$(find "$EXT" -name 'Falconsai_nsfw_image_detection*' | head -n 1)
	for f in "$ddp" "$vit" $(find "$EXT" -name 'rank-0.*.json.gz'); do
		[ -n "$f" ] && agree "$f"
	done
	if [ -n "$ddp" ]; then
		"$MOSAIC" inspect --json "$ddp" >"$tmp/ddp.json" || fail "inspect DDP"
		python3 -c 'import json,sys; o=json.load(open(sys.argv[1]))["overlap"][0]; assert o["overlapped_ns"] > 0 and o["communication_ns"] > o["overlapped_ns"], o' \
			"$tmp/ddp.json" || fail "the DDP trace shows no overlap"
	fi
	if [ -n "$vit" ]; then
		"$MOSAIC" inspect --json "$vit" >"$tmp/vit.json" || fail "inspect ViT"
		python3 - "$tmp/vit.json" <<'PY' || fail "ViT-B is not host-bound idle"
import json, sys
d = json.load(open(sys.argv[1]))
b = d["breakdown"][0]
assert b["idle_pct"] > 50, b
assert d["idle"]["host_wait_ns"] > 0.9 * d["idle"]["gap_ns"], d["idle"]
host = {c["name"]: c["pct"] for c in d["critical_path"][0]["by_category"]}.get("host", 0)
assert host > 50, d["critical_path"][0]
PY
	fi
else
	echo "inspect-analyses.sh: '$EXT' not found: only the committed traces"
fi

# --csv: one figure per row, each with its unit and source
"$MOSAIC" inspect --csv "$BERT" >"$tmp/a.csv" || fail "inspect --csv failed"
python3 - "$tmp/a.csv" <<'PY' || fail "inspect --csv rows"
import csv, sys
rows = list(csv.reader(open(sys.argv[1])))
assert rows[0] == ["analysis", "rank", "step", "item", "metric", "value", "unit", "source"], rows[0]
seen = set()
for r in rows[1:]:
    assert len(r) == 8, r
    float(r[5])
    assert r[6] in ("ns", "%", "count", "launches"), r
    assert r[7] == "measured", r
    seen.add(r[0])
assert seen == {"breakdown", "overlap", "launch", "class_stats", "kernel_stats", "critical_path"}, seen
PY
"$MOSAIC" inspect --csv --json "$BERT" >/dev/null 2>&1 && fail "--csv --json accepted"

# a job: a directory of two ranks (the same trace twice)
mkdir "$tmp/job"
cp "$BERT" "$tmp/job/rank1.json.gz"
cp "$BERT" "$tmp/job/rank0.json.gz"
echo "not a trace" >"$tmp/job/README"
"$MOSAIC" inspect --json "$tmp/job" >"$tmp/job.json" || fail "inspect DIR failed"
"$MOSAIC" inspect --json "$tmp/job/rank0.json.gz" "$tmp/job/rank1.json.gz" >"$tmp/job2.json" ||
	fail "inspect FILE FILE failed"
cmp -s "$tmp/job.json" "$tmp/job2.json" || fail "a directory and its files read differently"
python3 - "$tmp/job.json" <<'PY' || fail "the job's figures"
import json, sys
d = json.load(open(sys.argv[1]))
assert [r["rank"] for r in d["ranks"]] == [0, 1], d["ranks"]
assert d["ranks"][0]["kernels"] == d["ranks"][1]["kernels"] > 0
job = [b for b in d["breakdown"] if b["rank"] == -1]
one = [b for b in d["breakdown"] if b["rank"] == 0]
assert len(job) == len(one) and job[0]["compute_ns"] == 2 * one[0]["compute_ns"], (job, one)
assert d["kernel_stats"]["kernels"][0]["ranks"] == 2
assert d["kernel_stats"]["kernels"][0]["duration_ns"]["n"] % 2 == 0
assert [p["rank"] for p in d["critical_path"]] == [0, 1, -1]
PY
"$MOSAIC" inspect "$tmp/job" >"$tmp/job.txt" || fail "inspect DIR (text) failed"
grep -q '^== rank 1' "$tmp/job.txt" || fail "the text names no rank 1"

# bad input: exit 2, naming the file
cp "$BERT" "$tmp/job/rank-1.json.gz"
"$MOSAIC" inspect "$tmp/job" >/dev/null 2>"$tmp/err"; rc=$?
[ $rc -eq 2 ] && grep -q "rank 1 again" "$tmp/err" || fail "a duplicate rank: exit $rc, $(cat "$tmp/err")"
rm "$tmp/job/rank-1.json.gz"
printf '{"traceEvents": [' >"$tmp/job/rank2.json"
"$MOSAIC" inspect "$tmp/job" >/dev/null 2>"$tmp/err"; rc=$?
[ $rc -eq 2 ] && grep -q "rank2.json" "$tmp/err" || fail "a cut rank: exit $rc, $(cat "$tmp/err")"
mkdir "$tmp/empty"
"$MOSAIC" inspect "$tmp/empty" >/dev/null 2>"$tmp/err"; rc=$?
[ $rc -eq 2 ] && grep -q "no .json" "$tmp/err" || fail "an empty directory: exit $rc"
echo "inspect-analyses.sh: ok"
