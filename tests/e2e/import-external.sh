#!/usr/bin/env bash
# import-external.sh - every Kineto trace we have (the two committed under
# tests/data/kineto and, when present, the nine in ../shared/external-traces or
# $MOSAIC_EXTERNAL_TRACES) imports, and `mosaic inspect --json` on the .mtr
# gives exactly the kernel count, kernel_time_ns, busy_ns and span_ns that
# tests/data/kineto/expected.py computed from the JSON independently
# (expected.tsv).  The issue allows 1 ns per kernel; we require equality.
. "$(dirname "$0")/lib.sh"
EXPECTED=tests/data/kineto/expected.tsv
EXT=${MOSAIC_EXTERNAL_TRACES:-../shared/external-traces}

need python3 # to read inspect's JSON

files=(tests/data/kineto/tracelens/*.json.gz tests/data/kineto/hta/*.json.gz)
if [ -d "$EXT" ]; then
	while IFS= read -r f; do files+=("$f"); done < <(find "$EXT" -name '*.json*' ! -path '*/neusight/*' | sort)
else
	echo "import-external: '$EXT' not found: only the committed traces"
fi

fail=0
n=0
for f in "${files[@]}"; do
	base=$(basename "$f")
	want=$(awk -F'\t' -v b="$base" '$1 == b {print $2, $3, $4, $5}' "$EXPECTED")
	if [ -z "$want" ]; then
		# A trace added to ../shared since expected.tsv was written: compute
		# its figures now, by the same independent reader.
		want=$(python3 tests/data/kineto/expected.py "$f" | awk -F'\t' 'NR == 2 {print $2, $3, $4, $5}')
		[ -n "$want" ] || { echo "FAIL $base: expected.py gave no figures"; fail=1; continue; }
		echo "import-external: $base has no row in $EXPECTED: figures from expected.py"
	fi
	out="$tmp/$base.mtr"
	if ! "$MOSAIC" import "$f" -o "$out" 2>"$tmp/err"; then
		echo "FAIL $base: import failed: $(cat "$tmp/err")"; fail=1; continue
	fi
	grep -q "^imported '" "$tmp/err" || { echo "FAIL $base: no summary line"; fail=1; }
	for src in "$out" "$f"; do
		if ! "$MOSAIC" inspect --json "$src" >"$tmp/json" 2>"$tmp/err"; then
			echo "FAIL $base: inspect failed on $src: $(cat "$tmp/err")"; fail=1; continue
		fi
		got=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["kernels"], d["kernel_time_ns"], d["busy_ns"], d["span_ns"])' "$tmp/json")
		if [ "$got" != "$want" ]; then
			echo "FAIL $base ($src): got '$got', want '$want' (kernels kernel_time_ns busy_ns span_ns)"
			fail=1
		fi
	done
	src=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["source"])' "$tmp/json")
	[ "$src" = measured ] || { echo "FAIL $base: source '$src', want measured"; fail=1; }
	n=$((n + 1))
done
echo "import-external: $n traces compared"
exit $fail
