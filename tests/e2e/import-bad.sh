#!/usr/bin/env bash
# import-bad.sh - `mosaic import` on bad input: exit 2, a message naming the
# file (and the byte offset where there is one), and no output file left
# behind, not even a temporary.  Good input: exit 0 and a summary line.
. "$(dirname "$0")/lib.sh"
fail=0

good=tests/data/kineto/tracelens/gaunernst_bert-small-uncased__1016001.json.gz

# name | content (printf format) | what the message must contain
check() {
	local name=$1 want=$2
	local in="$tmp/$name" out="$tmp/out-$name.mtr"
	"$MOSAIC" import "$in" -o "$out" 2>"$tmp/err"
	local rc=$?
	if [ $rc -ne 2 ]; then echo "FAIL $name: exit $rc, want 2"; fail=1; fi
	if ! grep -q "'$in'" "$tmp/err"; then echo "FAIL $name: message does not name the file: $(cat "$tmp/err")"; fail=1; fi
	if ! grep -q -- "$want" "$tmp/err"; then echo "FAIL $name: '$want' not in: $(cat "$tmp/err")"; fail=1; fi
	if ls "$tmp" | grep -q "^out-$name.mtr"; then echo "FAIL $name: output file left behind"; fail=1; fi
}

: >"$tmp/empty.json";                       check empty.json "empty file"
printf '{"traceEvents": [{"ph":"X"' >"$tmp/trunc.json"; check trunc.json "offset"
printf '{"traceEvents": [{"ph":"X","cat":"kernel","ts":"12","dur":1}]}' >"$tmp/tsstr.json"
check tsstr.json 'offset 17: event "ts" is a string'
printf '{"traceEvents": [{"ph":"X","ts":1,"dur":-5}]}' >"$tmp/negdur.json"; check negdur.json "negative"
printf '{"traceEvents": [{"ph":"X","ts":1,"dur":2,"args":[]}]}' >"$tmp/args.json"; check args.json "args"
printf '{"traceEvents": [{"ph":"X","ts":1}]}' >"$tmp/nodur.json"; check nodur.json 'no "dur"'
printf 'this is not JSON\n' >"$tmp/text.json"; check text.json "offset"
printf '{"hello": "world"}' >"$tmp/obj.json"; check obj.json "not a Kineto"
head -c 20000 "$good" >"$tmp/trunc.json.gz"; check trunc.json.gz "truncated gzip"
printf '{"traceEvents": []}' | gzip -c >"$tmp/ok.json.gz"; head -c 15 "$tmp/ok.json.gz" >"$tmp/hdr.json.gz"
check hdr.json.gz "gzip"
mkdir "$tmp/dir.json"; check dir.json "directory"
check missing.json "No such file"

# usage errors
"$MOSAIC" import 2>/dev/null; [ $? -eq 2 ] || { echo "FAIL: no arguments should exit 2"; fail=1; }
"$MOSAIC" import "$good" 2>/dev/null; [ $? -eq 2 ] || { echo "FAIL: missing -o should exit 2"; fail=1; }
"$MOSAIC" import "$good" -o "$tmp/x.mtr" --module-depth -1 2>/dev/null
[ $? -eq 2 ] || { echo "FAIL: bad --module-depth should exit 2"; fail=1; }

# an unwritable output: exit non-zero, nothing left
"$MOSAIC" import "$good" -o "$tmp/no/such/dir/x.mtr" 2>"$tmp/err"
[ $? -ne 0 ] || { echo "FAIL: unwritable output should fail"; fail=1; }

# the good case: exit 0, a summary with the numbers, a file that reads back
"$MOSAIC" import "$good" -o "$tmp/good.mtr" 2>"$tmp/err" || { echo "FAIL good: $(cat "$tmp/err")"; fail=1; }
grep -q "60 kernels" "$tmp/err" || { echo "FAIL good: summary: $(cat "$tmp/err")"; fail=1; }
grep -q "100.0% of kernels attributed" "$tmp/err" || { echo "FAIL good: attribution: $(cat "$tmp/err")"; fail=1; }
grep -q "MB/s" "$tmp/err" || { echo "FAIL good: no MB/s: $(cat "$tmp/err")"; fail=1; }
[ -s "$tmp/good.mtr" ] || { echo "FAIL good: no output"; fail=1; }
"$MOSAIC" inspect --check "$tmp/good.mtr" >/dev/null 2>"$tmp/err" || { echo "FAIL good: inspect --check: $(cat "$tmp/err")"; fail=1; }
# deterministic: the same input gives the same bytes, plain or gzip
gzip -dc "$good" >"$tmp/good.json"
"$MOSAIC" import "$tmp/good.json" -o "$tmp/good2.mtr" 2>/dev/null || { echo "FAIL: plain import"; fail=1; }
"$MOSAIC" import "$good" -o "$tmp/good3.mtr" 2>/dev/null || { echo "FAIL: second import"; fail=1; }
cmp -s "$tmp/good.mtr" "$tmp/good3.mtr" || { echo "FAIL: two imports differ"; fail=1; }
# (the header names the input file, so plain and gzip differ only there)
[ "$(stat -c %s "$tmp/good.mtr")" -gt 0 ] && [ -s "$tmp/good2.mtr" ] || { echo "FAIL: empty output"; fail=1; }
ls "$tmp" | grep -q '\.tmp\.' && { echo "FAIL: temporary files left: $(ls "$tmp")"; fail=1; }
exit $fail
