#!/usr/bin/env bash
# mosaic replay: a committed measured trace (H100, BERT-small; A100 AlexNet
# with two streams) is imported and replayed on its own GPU at its recorded
# SM count; the simulated span is within 10% of the measured one (the
# fidelity target is 3%; bench and the Check suite print the figures);
# --json names the fields; bad input exits 2.
. "$(dirname "$0")/lib.sh"

n=0
for f in tests/data/kineto/tracelens/gaunernst_bert-small-uncased__1016001.json.gz \
	 tests/data/kineto/hta/benchmark_result_2869224_1695835535_trace.json.gz; do
	[ -f "$f" ] || { echo "replay.sh: $f missing (committed test data)" >&2; exit 1; }
	n=$((n + 1))
	"$MOSAIC" import "$f" -o "$tmp/t$n.mtr" >/dev/null 2>"$tmp/err" || fail "import of $f failed: $(cat "$tmp/err")"
	"$MOSAIC" replay "$tmp/t$n.mtr" --json -o "$tmp/sim$n.mtr" >"$tmp/r$n.json" 2>"$tmp/err" \
		|| fail "replay of $f failed: $(cat "$tmp/err")"
	python3 - "$tmp/r$n.json" <<'PY' || fail "replay of $f is off: $(cat "$tmp/r$n.json")"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["source"] == "simulated" and r["measured_source"] == "measured"
assert r["span_ns"] > 0 and r["measured_span_ns"] > 0 and r["kernels"] > 0, r
assert abs(r["error_pct"]) < 10, r
assert abs(100.0 * (r["span_ns"] - r["measured_span_ns"]) / r["measured_span_ns"] - r["error_pct"]) < 1e-6
PY
	"$MOSAIC" inspect "$tmp/sim$n.mtr" --check >/dev/null 2>"$tmp/err" || fail "replayed trace invalid: $(cat "$tmp/err")"
	"$MOSAIC" replay "$tmp/t$n.mtr" >"$tmp/text" 2>&1 || fail "text replay failed"
	grep -q "simulated span" "$tmp/text" || fail "text output: $(cat "$tmp/text")"
	grep -q "(measured)" "$tmp/text" || fail "text output does not label the recorded span: $(cat "$tmp/text")"
	# the Kineto file directly gives the same numbers
	"$MOSAIC" replay "$f" --json >"$tmp/direct.json" 2>"$tmp/err" || fail "direct replay of $f failed: $(cat "$tmp/err")"
	cmp -s "$tmp/direct.json" "$tmp/r$n.json" || python3 - "$tmp/direct.json" "$tmp/r$n.json" <<'PY' || fail "direct and imported replays differ"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for k in ("span_ns", "measured_span_ns", "kernels", "streams", "dependencies", "measured_source"):
    assert a[k] == b[k], (k, a[k], b[k])
PY
done
# what-if at fewer SMs: never faster, and labelled
f=tests/data/kineto/tracelens/gaunernst_bert-small-uncased__1016001.json.gz
if [ -f "$f" ]; then
	"$MOSAIC" replay "$f" --json --sms 32 >"$tmp/q.json" 2>"$tmp/err" || fail "replay --sms 32 failed: $(cat "$tmp/err")"
	python3 - "$tmp/q.json" <<'PY' || fail "replay at 32 SMs is wrong: $(cat "$tmp/q.json")"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["sms"] == 32 and r["what_if_sms"] == 32, r
assert r["span_ns"] > r["measured_span_ns"], r
PY
	"$MOSAIC" replay "$f" --sms 1000 >/dev/null 2>"$tmp/err"; [ $? -eq 2 ] || fail "--sms 1000 did not exit 2"
	grep -q "1000 SMs" "$tmp/err" || fail "--sms 1000 message: $(cat "$tmp/err")"
fi
[ $n -gt 0 ] || echo "replay.sh: no committed traces found; only the error cases ran"

printf 'not a trace' >"$tmp/bad.mtr"
"$MOSAIC" replay "$tmp/bad.mtr" >/dev/null 2>"$tmp/err"; [ $? -eq 2 ] || fail "a bad trace did not exit 2"
grep -q "bad.mtr" "$tmp/err" || fail "message does not name the file: $(cat "$tmp/err")"
"$MOSAIC" replay >/dev/null 2>&1; [ $? -eq 2 ] || fail "no argument did not exit 2"
"$MOSAIC" replay "$tmp/none.mtr" >/dev/null 2>&1; [ $? -eq 2 ] || fail "a missing file did not exit 2"
exit 0
