#!/usr/bin/env bash
# A workload module built from a recorded trace: BERT-small's encoder from a
# real Kineto trace (tests/data/kineto/tracelens, H100, MIT) feeding a
# synthesised projector; show and synth use the recorded kernels.  params:
# BERT-small's 4 encoder layers of width 512 (ffn 2048), by formula.
. "$(dirname "$0")/lib.sh"

kineto=$PWD/tests/data/kineto/tracelens/gaunernst_bert-small-uncased__1016001.json.gz
[ -f "$kineto" ] || fail "$kineto absent (committed test data)"
"$MOSAIC" import "$kineto" -o "$tmp/bert.mtr" >/dev/null 2>"$tmp/err" || fail "import: $(cat "$tmp/err")"
cat >"$tmp/spec.json" <<JSON
{"name": "bert-from-trace", "batch": 2, "microbatch": 1, "dtype": "bf16",
 "modules": [
   {"name": "encoder", "kind": "encoder", "trace": "bert.mtr", "trace_module": "BertEncoder_0",
    "trace_samples": 1, "params": 12609536},
   {"name": "head", "kind": "projector", "arch": "mlp", "layers": 2, "in_dim": 512,
    "hidden": 512, "out_dim": 512, "seq": 128, "bias": true}
 ],
 "edges": [{"from": "encoder", "to": "head", "bytes_per_sample": 131072}]}
JSON
"$MOSAIC" workload show --json "$tmp/spec.json" >"$tmp/show.json" 2>"$tmp/err" || fail "show: $(cat "$tmp/err")"
"$MOSAIC" synth "$tmp/spec.json" --gpu h100 -o "$tmp/out.mtr" --json >"$tmp/synth.json" 2>"$tmp/err" \
	|| fail "synth: $(cat "$tmp/err")"
"$MOSAIC" inspect --check "$tmp/out.mtr" >/dev/null 2>&1 || fail "the synthesised trace fails --check"
"$MOSAIC" inspect --json "$tmp/out.mtr" >"$tmp/inspect.json" || fail "inspect failed"
python3 - "$tmp/show.json" "$tmp/synth.json" "$tmp/inspect.json" <<'PY' || fail "wrong numbers"
import json, sys
show, synth, ins = (json.load(open(p)) for p in sys.argv[1:4])
enc = show["modules"][0]
assert enc["arch"] == "trace" and enc["layers"] == 1 and enc["params"] == 12609536, enc
assert show["modules"][1]["params"] == 2 * (512 * 512 + 512), show["modules"][1]
# the encoder's 48 recorded forward kernels (0.233 ms measured) run once per
# microbatch (2), then the head's forward; the trace has no backward of it
assert synth["microbatches"] == 2, synth
assert synth["fwd_ns"] > 2 * 230000, synth
text = json.dumps(ins)
assert "encoder" in text and "head" in text
PY
# a trace module name the trace lacks is bad input
sed 's/BertEncoder_0/NoSuchModule/' "$tmp/spec.json" >"$tmp/bad.json"
"$MOSAIC" workload show "$tmp/bad.json" 2>"$tmp/err"; [ $? -eq 2 ] || fail "unknown trace module: exit not 2"
grep -q "no module 'NoSuchModule'" "$tmp/err" || fail "message: $(cat "$tmp/err")"
# the Kineto JSON can be named directly
sed "s|\"bert.mtr\"|\"$kineto\"|" "$tmp/spec.json" >"$tmp/direct.json"
"$MOSAIC" workload show "$tmp/direct.json" >/dev/null 2>"$tmp/err" || fail "kineto directly: $(cat "$tmp/err")"
exit 0
