#!/usr/bin/env bash
# `mosaic workload from-trace`: a whole workload from one recorded trace.
# BERT-small's H100 inference trace (tests/data/kineto/tracelens, MIT): the
# modules found (embeddings, encoder, LM head), the warnings it deserves (no
# backward, no parameters, unknown samples), a spec and its kernels written
# atomically that `workload show`, `plan` and `synth` accept; --params
# reaches the spec; bad input exits 2 and writes nothing.
. "$(dirname "$0")/lib.sh"

kineto=$PWD/tests/data/kineto/tracelens/gaunernst_bert-small-uncased__1016001.json.gz
[ -f "$kineto" ] || fail "$kineto absent (committed test data)"

"$MOSAIC" workload from-trace "$kineto" -o "$tmp/bert.json" >"$tmp/out" 2>"$tmp/err" \
	|| fail "from-trace: $(cat "$tmp/err")"
[ -f "$tmp/bert.json" ] && [ -f "$tmp/bert.mtr" ] || fail "spec or kernels not written"
ls "$tmp" | grep -q '\.tmp\.' && fail "a temporary was left: $(ls "$tmp")"
grep -q '^BertEmbeddings_0 .*encoder' "$tmp/out" || fail "modules: $(cat "$tmp/out")"
grep -q '^BertEncoder_0 .*backbone *48 ' "$tmp/out" || fail "encoder: $(cat "$tmp/out")"
grep -q '^BertOnlyMLMHead_0 .*decoder' "$tmp/out" || fail "head: $(cat "$tmp/out")"
for w in "no backward kernels" 'no "params"' "samples per microbatch .* unknown" \
	"edges chain the modules"; do
	grep -q "$w" "$tmp/err" || fail "warning '$w' missing: $(cat "$tmp/err")"
done
"$MOSAIC" inspect --check "$tmp/bert.mtr" >/dev/null 2>&1 || fail "the kept kernels fail --check"
"$MOSAIC" workload show --json "$tmp/bert.json" >"$tmp/show.json" 2>/dev/null || fail "show"
python3 - "$tmp/bert.json" "$tmp/show.json" <<'PY' || fail "wrong spec"
import json, sys
spec, show = (json.load(open(p)) for p in sys.argv[1:3])
assert [m["name"] for m in spec["modules"]] == ["BertEmbeddings_0", "BertEncoder_0", "BertOnlyMLMHead_0"], spec
assert all(m["trace"] == "bert.mtr" and m["trace_samples"] == 1 for m in spec["modules"]), spec
assert spec["edges"] == [{"from": "BertEmbeddings_0", "to": "BertEncoder_0"},
                         {"from": "BertEncoder_0", "to": "BertOnlyMLMHead_0"}], spec["edges"]
assert spec["cluster"]["gpu"] == "h100" and spec["dtype"] == "bf16", spec
assert "measured" in spec["source"], spec["source"]
assert [m["arch"] for m in show["modules"]] == ["trace"] * 3, show
PY
"$MOSAIC" plan "$tmp/bert.json" --gpus 2 --planner mosaic -o "$tmp/plan.json" >/dev/null 2>"$tmp/err" \
	|| fail "plan refuses the spec: $(cat "$tmp/err")"
"$MOSAIC" synth "$tmp/bert.json" --gpu h100 -o "$tmp/synth.mtr" >/dev/null 2>&1 || fail "synth refuses it"

# the user's parameter counts reach the spec (BERT-small's encoder, by formula)
"$MOSAIC" workload from-trace --samples 1 --params BertEncoder_0=12609536 "$kineto" \
	-o "$tmp/p.json" >"$tmp/out" 2>"$tmp/err" || fail "--params: $(cat "$tmp/err")"
grep -q "samples per microbatch" "$tmp/err" && fail "--samples given, still warned"
python3 -c "
import json, sys
m = json.load(open('$tmp/p.json'))['modules'][1]
assert m['params'] == 12609536 and 'given by the user' in m['source'], m" || fail "params not in the spec"

# bad input: exit 2, nothing written
"$MOSAIC" workload from-trace "$tmp/nope.json.gz" -o "$tmp/x.json" 2>"$tmp/err"
[ $? -eq 2 ] || fail "missing trace: exit not 2"
"$MOSAIC" workload from-trace --params Nope=1 "$kineto" -o "$tmp/x.json" 2>"$tmp/err"
[ $? -eq 2 ] || fail "unknown --params module: exit not 2"
grep -q "no module 'Nope'" "$tmp/err" || fail "message: $(cat "$tmp/err")"
"$MOSAIC" workload from-trace "$kineto" 2>/dev/null
[ $? -eq 2 ] || fail "no -o: exit not 2"
[ -e "$tmp/x.json" ] || [ -e "$tmp/x.mtr" ] && fail "bad input wrote a file"
exit 0
