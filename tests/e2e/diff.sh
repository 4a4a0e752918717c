#!/usr/bin/env bash
# mosaic diff: a trace against itself shows no change; the bert-small trace
# against a copy with one kernel three times slower (generated here) names
# that kernel first; a job against itself; exit 0 either way, 2 on bad input.
. "$(dirname "$0")/lib.sh"
need python3
BERT=tests/data/kineto/tracelens/gaunernst_bert-small-uncased__1016001.json.gz

"$MOSAIC" diff --json "$BERT" "$BERT" >"$tmp/same.json" || fail "diff of a trace with itself: exit $?"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["changed"] == 0 and d["changes"] == [] and d["unchanged"] > 0, d' \
	"$tmp/same.json" || fail "a trace differs from itself"

# the kernel of median frequency (its name is what the check expects)
python3 - "$BERT" "$tmp/slow.json.gz" >"$tmp/name" <<'PY' || fail "cannot write the slowed copy"
import collections, gzip, json, sys
doc = json.loads(gzip.decompress(open(sys.argv[1], "rb").read()))
k = [e for e in doc["traceEvents"] if e.get("ph") == "X" and e.get("cat") == "kernel"]
names = collections.Counter(e["name"] for e in k)
name = sorted(names, key=lambda n: (names[n], n))[len(names) // 2]
for e in k:
    if e["name"] == name:
        e["dur"] = e["dur"] * 3
open(sys.argv[2], "wb").write(gzip.compress(json.dumps(doc).encode()))
sys.stdout.write(name)
PY
"$MOSAIC" diff --json "$BERT" "$tmp/slow.json.gz" >"$tmp/slow.json" || fail "diff: exit $?"
python3 - "$tmp/slow.json" "$tmp/name" <<'PY' || fail "the slowed kernel is not named first"
import json, sys
d = json.load(open(sys.argv[1]))
name = open(sys.argv[2]).read()
first = d["changes"][0]
assert first["kind"] == "kernel" and first["name"] == name and first["change"] == "slower", first
assert first["test_ns"] == 3 * first["control_ns"], first
assert first["control_count"] == first["test_count"], first
assert all(c["kind"] != "kernel" for c in d["changes"][1:]), d["changes"]
PY
"$MOSAIC" diff "$BERT" "$tmp/slow.json.gz" | grep -q "slower" || fail "the text names no slower item"

# two jobs (directories of ranks)
mkdir "$tmp/a" "$tmp/b"
cp "$BERT" "$tmp/a/rank0.json.gz"
cp "$BERT" "$tmp/a/rank1.json.gz"
cp "$BERT" "$tmp/b/rank0.json.gz"
cp "$tmp/slow.json.gz" "$tmp/b/rank1.json.gz"
"$MOSAIC" diff --json "$tmp/a" "$tmp/a" | python3 -c 'import json,sys; assert json.load(sys.stdin)["changed"] == 0' ||
	fail "a job differs from itself"
"$MOSAIC" diff --json "$tmp/a" "$tmp/b" >"$tmp/job.json" || fail "diff of two jobs: exit $?"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); c=d["changes"][0]; assert c["name"] == open(sys.argv[2]).read() and c["test_count"] == c["control_count"] == 8, c' \
	"$tmp/job.json" "$tmp/name" || fail "the job diff does not name the slowed kernel first"

# bad input: exit 2, naming the file
printf '{"traceEvents": [' >"$tmp/cut.json"
"$MOSAIC" diff "$BERT" "$tmp/cut.json" >/dev/null 2>"$tmp/err"; rc=$?
[ $rc -eq 2 ] && grep -q "cut.json" "$tmp/err" || fail "a cut trace: exit $rc, $(cat "$tmp/err")"
"$MOSAIC" diff "$BERT" >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || fail "one argument: exit $rc"
echo "diff.sh: ok"
