#!/usr/bin/env bash
# mosaic export --perfetto: valid Chrome trace JSON with the right tracks,
# exact timestamps, and no output file left behind on bad input.
. "$(dirname "$0")/lib.sh"

python3 tests/e2e/inspect-mtrgen.py good "$tmp/good.mtr" || fail "cannot generate good.mtr"
"$MOSAIC" export --perfetto "$tmp/good.mtr" -o "$tmp/good.json" 2>"$tmp/err" \
	|| fail "export failed: $(cat "$tmp/err")"
python3 - "$tmp/good.json" <<'PY' || fail "the export is wrong"
import json, sys
d = json.load(open(sys.argv[1]))
base = 2**55
assert d["otherData"]["source"] == "simulated"
assert d["otherData"]["time_origin_ns"] == base  # the host marker starts first
ev = d["traceEvents"]
procs = {e["pid"]: e["args"]["name"] for e in ev if e["ph"] == "M" and e["name"] == "process_name"}
threads = {(e["pid"], e["tid"]): e["args"]["name"]
           for e in ev if e["ph"] == "M" and e["name"] == "thread_name"}
assert procs[1] == "GPU 0: NVIDIA H100 80GB HBM3 (132 SMs)", procs
assert procs[2].startswith("GPU 1"), procs
assert "host" in procs.values(), procs
names = sorted(threads.values())
assert "partition 0 (64 SMs) / stream 7" in names, names
assert "partition 1 (64 SMs) / stream 8" in names, names
assert "stream 7" in names, names
kern = {e["name"]: e for e in ev if e.get("cat") == "kernel"}
assert len(kern) == 4, kern.keys()
k = kern["sm90_gemm_vision"]
assert k["ph"] == "X" and k["ts"] == 1.0 and k["dur"] == 1.0, k
assert threads[(k["pid"], k["tid"])] == "partition 0 (64 SMs) / stream 7"
a = k["args"]
assert a["grid"] == [132, 1, 1] and a["block"] == [256, 1, 1] and a["registers"] == 64, a
assert a["module"] == "vision" and a["phase"] == "forward" and a["class"] == "gemm", a
assert a["microbatch"] == 0 and a["dynamic_smem"] == 4096 and a["start_ns"] == base + 1000, a
coll = [e for e in ev if e.get("cat") == "collective"]
assert len(coll) == 1 and coll[0]["args"]["collective"] == "allreduce", coll
assert coll[0]["ts"] == 10.4 and coll[0]["dur"] == 0.6, coll
assert coll[0]["args"]["bytes"] == 1 << 20 and coll[0]["args"]["dtype"] == "bf16"
cp = [e for e in ev if e.get("cat") == "memcpy"]
assert len(cp) == 1 and cp[0]["args"]["copy"] == "HtoD" and cp[0]["ts"] == 0.5, cp
mk = [e for e in ev if e.get("cat") == "user_annotation"]
assert len(mk) == 1 and mk[0]["dur"] == 20.0, mk
PY
# timestamps are printed exactly: three decimals, integer arithmetic
grep -q '"ts":10.400,"dur":0.600' "$tmp/good.json" || fail "timestamps not printed with ns precision"
[ "$(ls "$tmp" | grep -c tmp)" -eq 0 ] || fail "temporary files left behind"

# bad input: exit 2, a message naming the file, no output file
: >"$tmp/empty.mtr"
mkdir "$tmp/dir.mtr"
head -c 200 "$tmp/good.mtr" >"$tmp/cut.mtr"
echo "just some text" >"$tmp/text.mtr"
for f in empty dir cut text; do
	"$MOSAIC" export --perfetto "$tmp/$f.mtr" -o "$tmp/out-$f.json" 2>"$tmp/err"; rc=$?
	[ $rc -eq 2 ] || fail "$f: exit $rc, not 2"
	grep -q "$tmp/$f.mtr" "$tmp/err" || fail "$f: message does not name the file: $(cat "$tmp/err")"
	ls "$tmp" | grep -q "out-$f" && fail "$f: output file left behind"
done
"$MOSAIC" export "$tmp/good.mtr" -o "$tmp/x.json" 2>/dev/null; [ $? -eq 2 ] || fail "no format: not 2"
"$MOSAIC" export --perfetto "$tmp/good.mtr" 2>/dev/null; [ $? -eq 2 ] || fail "no -o: not 2"
"$MOSAIC" export --perfetto "$tmp/good.mtr" -o "$tmp/no/such/dir.json" 2>/dev/null
[ $? -ne 0 ] || fail "an unwritable output succeeded"

# a Kineto trace exports and parses
k=tests/data/kineto/hta/benchmark_result_2869224_1695835535_trace.json.gz
if [ -f "$k" ]; then
	"$MOSAIC" export --perfetto "$k" -o "$tmp/k.json" 2>/dev/null || fail "Kineto export failed"
	python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); assert d["traceEvents"]' \
		"$tmp/k.json" || fail "Kineto export does not parse"
else
	fail "$k absent (committed test data)"
fi
exit 0
