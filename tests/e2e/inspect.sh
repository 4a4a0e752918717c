#!/usr/bin/env bash
# mosaic inspect: numbers of a trace generated independently of the C writer
# (tests/e2e/inspect-mtrgen.py), --check exit codes, bad input.
. "$(dirname "$0")/lib.sh"
gen=tests/e2e/inspect-mtrgen.py

python3 "$gen" good "$tmp/good.mtr" || fail "cannot generate good.mtr"
python3 "$gen" bad "$tmp/bad.mtr" || fail "cannot generate bad.mtr"

# --json: the numbers computed by hand in inspect-mtrgen.py
"$MOSAIC" inspect --json "$tmp/good.mtr" >"$tmp/good.json" || fail "inspect --json failed"
python3 - "$tmp/good.json" <<'PY' || fail "inspect --json numbers are wrong"
import json, sys
d = json.load(open(sys.argv[1]))
base = 2**55
want = {"kernels": 5, "compute_kernels": 4, "collectives": 1, "kernel_time_ns": 3600,
        "busy_ns": 3000, "span_ns": 10000, "streams": 3, "source": "simulated",
        "first_start_ns": base + 1000, "last_end_ns": base + 11000}
for k, v in want.items():
    assert d[k] == v, (k, d[k], v)
assert d["gpu"] == {"name": "NVIDIA H100 80GB HBM3", "sms": 132}, d["gpu"]
mods = {m["name"]: (m["kernels"], m["kernel_time_ns"]) for m in d["modules"]}
assert mods == {"vision": (2, 1500), "llm": (3, 2100)}, mods
cls = {c["name"]: c["kernel_time_ns"] for c in d["classes"]}
assert cls == {"gemm": 2100, "elementwise": 500, "attention": 400, "communication": 600}, cls
devs = {x["id"]: x["busy_ns"] for x in d["devices"]}
assert devs == {0: 2000, 1: 1000}, devs
parts = {(s["device"], s["stream"]): (s["partition"], s["partition_sms"]) for s in d["per_stream"]}
assert parts == {(0, 7): (0, 64), (0, 8): (1, 64), (1, 7): (-1, -1)}, parts
assert d["memcpy"] == {"count": 1, "time_ns": 400, "bytes": 4096}, d["memcpy"]
assert d["top_kernels"][0]["name"] == "sm90_gemm_llm"
PY

# text: labelled with the source
"$MOSAIC" inspect "$tmp/good.mtr" >"$tmp/good.txt" || fail "inspect failed"
grep -q "simulated" "$tmp/good.txt" || fail "text output does not say simulated"
grep -q "partition 0 (64 SMs) / stream 7" "$tmp/good.txt" || fail "no partition in the stream table"
"$MOSAIC" inspect --top 1 "$tmp/good.mtr" | grep -q "4 more" || fail "--top 1 does not cut the list"

# --check: 0 on a good file, 1 with the problems listed on a bad one
"$MOSAIC" inspect --check "$tmp/good.mtr" >"$tmp/check.txt"; rc=$?
[ $rc -eq 0 ] || fail "--check on a good trace exited $rc"
grep -q "no problems" "$tmp/check.txt" || fail "--check did not say ok"
"$MOSAIC" inspect --check "$tmp/bad.mtr" >"$tmp/check.txt"; rc=$?
[ $rc -eq 1 ] || fail "--check on a bad trace exited $rc, not 1"
grep -q "overlaps record 11" "$tmp/check.txt" || fail "--check missed the overlap"
grep -q "stream 9 of device 0 is not defined" "$tmp/check.txt" || fail "--check missed the stream"
grep -q "2 problems" "$tmp/check.txt" || fail "--check count is wrong"
"$MOSAIC" inspect --check --json "$tmp/bad.mtr" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["check"]["problems"] == 2 and len(d["check"]["first"]) == 2, d["check"]' \
	|| fail "--check --json"

# bad input: exit 2, a message naming the file, nothing on stdout
: >"$tmp/empty.mtr"
mkdir "$tmp/dir.mtr"
head -c 100 "$tmp/good.mtr" >"$tmp/cut.mtr"
echo "just some text" >"$tmp/text.mtr"
printf '\xdc\x00\x14\xacmosaic-trace\x09\x00' >"$tmp/newer.mtr"
for f in empty dir cut text newer; do
	"$MOSAIC" inspect "$tmp/$f.mtr" >"$tmp/out" 2>"$tmp/err"; rc=$?
	[ $rc -eq 2 ] || fail "$f: exit $rc, not 2"
	[ -s "$tmp/out" ] && fail "$f: wrote to stdout"
	grep -q "$tmp/$f.mtr" "$tmp/err" || fail "$f: message does not name the file: $(cat "$tmp/err")"
done
grep -q "newer" "$tmp/err" || fail "newer version: $(cat "$tmp/err")"
"$MOSAIC" inspect "$tmp/cut.mtr" 2>&1 | grep -q "byte .*truncated" || fail "cut: no byte offset"
"$MOSAIC" inspect "$tmp/nonexistent.mtr" 2>/dev/null; [ $? -eq 2 ] || fail "missing file: not 2"
"$MOSAIC" inspect 2>/dev/null; [ $? -eq 2 ] || fail "no FILE: not 2"
"$MOSAIC" inspect --top x "$tmp/good.mtr" 2>/dev/null; [ $? -eq 2 ] || fail "--top x: not 2"

# Kineto traces, inspected directly and after import: kernels, kernel time,
# busy and span equal figures computed here from the JSON with exact decimals
# (each timestamp and end rounded to the nearest ns)
found=0
for k in tests/data/kineto/*/*.json.gz; do
	[ -f "$k" ] || continue
	found=1
	"$MOSAIC" inspect --json "$k" >"$tmp/k.json" || fail "inspect of '$k' failed"
	"$MOSAIC" import "$k" -o "$tmp/k.mtr" 2>/dev/null || fail "import of '$k' failed"
	"$MOSAIC" inspect --json "$tmp/k.mtr" >"$tmp/k-mtr.json" || fail "inspect of the import failed"
	python3 - "$k" "$tmp/k.json" "$tmp/k-mtr.json" <<'PY' || fail "'$k': numbers differ"
import gzip, json, sys
from decimal import Decimal, ROUND_HALF_UP

def ns(x):
    return int((Decimal(x) * 1000).to_integral_value(rounding=ROUND_HALF_UP))

d = json.load(gzip.open(sys.argv[1], "rt"), parse_float=Decimal, parse_int=Decimal)
ev = d["traceEvents"] if isinstance(d, dict) else d
ks = []
for e in ev:
    if isinstance(e, dict) and e.get("ph") == "X" and str(e.get("cat", "")).lower() == "kernel":
        s = ns(e["ts"])
        ks.append((s, ns(Decimal(e["ts"]) + Decimal(e.get("dur", 0))),
                   str((e.get("args") or {}).get("device", e.get("pid")))))
busy = 0
for dev in set(k[2] for k in ks):
    ce = None
    for s, en in sorted((s, en) for s, en, d in ks if d == dev):
        if ce is None or s > ce:
            if ce is not None:
                busy += ce - cs
            cs, ce = s, en
        else:
            ce = max(ce, en)
    busy += ce - cs
want = {"kernels": len(ks), "kernel_time_ns": sum(en - s for s, en, _ in ks), "busy_ns": busy,
        "span_ns": max(k[1] for k in ks) - min(k[0] for k in ks), "source": "measured"}
for path in sys.argv[2:]:
    got = json.load(open(path))
    for key, v in want.items():
        assert got[key] == v, (path, key, got[key], v)
PY
done
[ $found -eq 1 ] || fail "no Kineto traces in tests/data/kineto (committed test data)"
exit 0
