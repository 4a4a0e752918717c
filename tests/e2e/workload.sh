#!/usr/bin/env bash
# mosaic workload show: parameters, FLOPs and memory of the bundled specs
# (by path and by bundled name), and clear errors on bad specs.
. "$(dirname "$0")/lib.sh"

for spec in clip qwen3-vl unified-io-2 imagebind ofasys llava-1.5-7b; do
	"$MOSAIC" workload show --json "workloads/$spec.json" >"$tmp/$spec.json" 2>"$tmp/err" \
		|| fail "$spec: show failed: $(cat "$tmp/err")"
	python3 - "$tmp/$spec.json" "$spec" <<'PY' || fail "$spec: wrong JSON"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["name"] == sys.argv[2], d["name"]
mods = d["modules"]
assert len(mods) >= 2
assert d["params"] == sum(m["params"] for m in mods) > 0
if d["published_params"]:
    assert abs(d["params"] - d["published_params"]) <= 0.02 * d["published_params"], d["params"]
for m in mods:
    assert m["params"] > 0 and m["layers"] >= 1, m
    if m["published_params"]:
        assert abs(m["params"] - m["published_params"]) <= 0.02 * m["published_params"], m
    mem = m["memory_bytes"]
    assert mem["params"] > 0 and mem["activations_per_sample"] >= 0, m
    if m["frozen"]:
        assert mem["grads"] == 0 and mem["optimizer"] == 0, m
    else:
        assert mem["optimizer"] >= 4 * m["params"], m
    assert m["flops_per_sample"]["forward"] > 0, m
f = d["flops_per_sample"]
assert f["total"] == f["forward"] + f["backward"]
assert d["batch"] == d["microbatch"] * d["microbatches"]
for e in d["edges"]:
    assert e["bytes_per_sample"] > 0, e
PY
done

# the published GPT-2-large count, exactly
"$MOSAIC" workload show --json workloads/llm/gpt2-large.json | python3 -c '
import json, sys; d = json.load(sys.stdin); assert d["params"] == 774030080, d["params"]' \
	|| fail "gpt2-large is not 774,030,080 parameters"

# --gpu adds each module's predicted times, labelled
"$MOSAIC" workload show --json --gpu h100 clip >"$tmp/gpu.json" 2>"$tmp/err" || fail "--gpu: $(cat "$tmp/err")"
python3 - "$tmp/gpu.json" <<'PY' || fail "--gpu: wrong JSON"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["predicted_on"] == "h100", d.get("predicted_on")
for m in d["modules"]:
    p = m["predicted_ns"]
    assert p["forward"] > 0 and p["backward"] > p["forward"] and p["optimizer"] > 0, m
PY
"$MOSAIC" workload show --gpu nosuchgpu clip >/dev/null 2>&1; [ $? -eq 2 ] || fail "--gpu nosuchgpu: exit not 2"

# a bundled name works from any directory; the text form lists the modules
(cd "$tmp" && "$MOSAIC" workload show clip) >"$tmp/clip.txt" 2>"$tmp/err" \
	|| fail "bundled name: $(cat "$tmp/err")"
grep -q '^vision ' "$tmp/clip.txt" && grep -q '^text ' "$tmp/clip.txt" || fail "text form lacks modules"

# bad input: exit 2, a message naming the file and the JSON path, nothing on stdout
printf '{"name":"x","batch":1,"modules":[{"name":"a","kind":"encoder","arch":"decoder","layers":1}]}' \
	>"$tmp/bad.json"
"$MOSAIC" workload show "$tmp/bad.json" >"$tmp/out" 2>"$tmp/err"
[ $? -eq 2 ] || fail "bad spec: exit code not 2"
[ -s "$tmp/out" ] && fail "bad spec: wrote to stdout"
grep -q "bad.json': modules\[0\].hidden: missing" "$tmp/err" || fail "bad spec message: $(cat "$tmp/err")"
"$MOSAIC" workload show "$tmp/nope.json" 2>/dev/null; [ $? -eq 2 ] || fail "missing file: exit code not 2"
"$MOSAIC" workload 2>/dev/null; [ $? -eq 2 ] || fail "no action: exit code not 2"
"$MOSAIC" workload frobnicate clip 2>/dev/null; [ $? -eq 2 ] || fail "unknown action: exit code not 2"
exit 0
