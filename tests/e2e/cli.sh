# cli.sh - the command-line conventions, checked for every command of the
# table (`mosaic help` lists them), so a new command cannot skip them:
#   - `mosaic help CMD` is `mosaic CMD --help`: exit 0, the full text on
#     stdout ("usage:" and a description), nothing on stderr, no
#     printf escapes left in it ("%%");
#   - an unknown option and an option without its value: exit 2 and one
#     line on stderr naming the option and pointing at 'mosaic CMD --help';
#   - an unknown command, for `mosaic` and for `mosaic help`: exit 2, one line;
#   - the options every command takes (harness/cli.h): each help lists --json
#     and --quiet, and each command (each form of `model` and `workload`)
#     parses them; a help that names -o says -o, --output, and the command
#     takes --output and --out for it; no help offers --out as the spelling.
. "$(dirname "$0")/lib.sh"

# parses CMD...: the options before --no-such-option are accepted (the one
# error is about --no-such-option, not about them)
parses() {
	"$MOSAIC" "$@" --no-such-option >/dev/null 2>"$tmp/pe"; r=$?
	[ $r -eq 2 ] && grep -q -- "unknown option '--no-such-option'" "$tmp/pe" ||
		fail "$*: not accepted: exit $r: $(cat "$tmp/pe")"
}

cmds=$("$MOSAIC" help | awk '/^commands:/ {on = 1; next} on && /^  [a-z]/ {print $1}')
[ "$(echo "$cmds" | wc -w)" -ge 10 ] || fail "'mosaic help' lists too few commands: $cmds"
for c in $cmds; do
	"$MOSAIC" help "$c" >"$tmp/a" 2>"$tmp/ae"; ra=$?
	"$MOSAIC" "$c" --help >"$tmp/b" 2>"$tmp/be"; rb=$?
	[ $ra -eq 0 ] && [ $rb -eq 0 ] || fail "$c: help exits $ra / --help exits $rb, expected 0"
	cmp -s "$tmp/a" "$tmp/b" || fail "$c: 'mosaic help $c' differs from 'mosaic $c --help'"
	[ -s "$tmp/ae" ] || [ -s "$tmp/be" ] && fail "$c: help wrote to stderr: $(cat "$tmp/ae" "$tmp/be")"
	grep -q "usage:" "$tmp/a" || fail "$c: help has no usage line"
	[ "$(wc -l <"$tmp/a")" -ge 3 ] || fail "$c: help is a usage line, not a description"
	grep -q "%%" "$tmp/a" && fail "$c: help shows a printf escape: $(grep "%%" "$tmp/a")"
	"$MOSAIC" "$c" --no-such-option >/dev/null 2>"$tmp/e"; r=$?
	[ $r -eq 2 ] || fail "$c: an unknown option exits $r, expected 2"
	[ "$(wc -l <"$tmp/e")" -eq 1 ] || fail "$c: an unknown option printed $(wc -l <"$tmp/e") lines: $(cat "$tmp/e")"
	grep -q -- "--no-such-option" "$tmp/e" && grep -q "see 'mosaic $c --help'" "$tmp/e" ||
		fail "$c: unknown option message: $(cat "$tmp/e")"
	grep -q -- "--json" "$tmp/a" || fail "$c: help does not list --json"
	grep -q -- "--quiet" "$tmp/a" || fail "$c: help does not list --quiet"
	grep -q -- "--out " "$tmp/a" && ! grep -q -- "--output" "$tmp/a" &&
		fail "$c: help spells the output option --out, not -o, --output"
	case $c in
	# the forms its usage lines name; model host takes only trace files, no options
	model) forms=$(sed 's/^usage://' "$tmp/a" | awk '$1 == "mosaic" && $2 == "model" {print $3}' |
		grep -v host | sort -u)
		[ "$(echo $forms)" = "calibrate curve gpus interference kernel" ] ||
			fail "model's forms: $forms" ;;
	workload) forms="show from-trace" ;;
	validate) forms="--against=x --measurements=x" ;;
	*) forms="-" ;;
	esac
	for f in $forms; do
		[ "$f" = - ] && f= || "$MOSAIC" $c $f --help >"$tmp/f" || fail "$c $f --help"
		[ -z "$f" ] && cp "$tmp/a" "$tmp/f"
		# model, validate and workload have one help text: a form's usage line is its own
		case $c in model | validate | workload)
			grep -- "$c ${f%%=*} " "$tmp/f" >"$tmp/g" && mv "$tmp/g" "$tmp/f" ;;
		esac
		parses $c $f --json --quiet
		if grep -q -- "-o \|-o," "$tmp/f"; then
			parses $c $f --output "$tmp/x" --out "$tmp/x" -o "$tmp/x"
		fi
	done
done
[ "$(echo "$forms" | wc -w)" -ge 1 ] || fail "no forms"
# an option that needs a value, given none (plan's --gpus, run's --backend)
"$MOSAIC" plan clip --gpus >/dev/null 2>"$tmp/e"; r=$?
[ $r -eq 2 ] && [ "$(wc -l <"$tmp/e")" -eq 1 ] && grep -q "'--gpus' needs a value" "$tmp/e" ||
	fail "plan --gpus without a value: exit $r: $(cat "$tmp/e")"
"$MOSAIC" help no-such-command >/dev/null 2>"$tmp/e"; r=$?
[ $r -eq 2 ] && [ "$(wc -l <"$tmp/e")" -eq 1 ] || fail "help of an unknown command: exit $r: $(cat "$tmp/e")"
"$MOSAIC" no-such-command >/dev/null 2>"$tmp/e"; r=$?
[ $r -eq 2 ] && [ "$(wc -l <"$tmp/e")" -eq 1 ] || fail "an unknown command: exit $r: $(cat "$tmp/e")"
# plan's defaults: the mosaic planner, the spec's GPU count
"$MOSAIC" plan clip -o "$tmp/p.json" --check none --json >"$tmp/pj" 2>"$tmp/e" ||
	fail "plan without --planner and --gpus: $(cat "$tmp/e")"
python3 - "$tmp/pj" <<'PY' || fail "plan's defaults"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["planner"] == "mosaic", j
assert j["gpus"] >= 1, j
PY
# --json and --quiet where they were missing: import, export, the forms of
# model interference, model calibrate
k=tests/data/kineto/hta/benchmark_result_2869224_1695835535_trace.json.gz
[ -f "$k" ] || fail "missing test data $k"
"$MOSAIC" import "$k" --out "$tmp/k.mtr" --json --quiet >"$tmp/ij" 2>"$tmp/e" ||
	fail "import --json: $(cat "$tmp/e")"
[ -s "$tmp/e" ] && fail "import --quiet wrote to stderr: $(cat "$tmp/e")"
"$MOSAIC" export --perfetto "$tmp/k.mtr" --output "$tmp/k.json" --json >"$tmp/ej" 2>"$tmp/e" ||
	fail "export --json: $(cat "$tmp/e")"
[ -s "$tmp/e" ] || fail "export without --quiet wrote no summary line"
"$MOSAIC" model interference --gpu h100 --json >"$tmp/mj" || fail "interference --json"
"$MOSAIC" model interference --gpu h100 --own 1000 --others 2000 --json >"$tmp/oj" ||
	fail "interference --own --json"
"$MOSAIC" model calibrate tests/data/neusight/gemm-subset.csv --json >"$tmp/cj" 2>"$tmp/e" ||
	fail "calibrate --json: $(cat "$tmp/e")"
python3 - "$tmp" <<'PY' || fail "a --json output is wrong"
import json, sys
d = sys.argv[1]
i = json.load(open(d + "/ij"))
assert i["kernels"] > 0 and i["output"].endswith("k.mtr") and i["events"] >= i["kernels"], i
e = json.load(open(d + "/ej"))
assert e["events"] >= i["kernels"] and e["tracks"] >= 1, e
m = json.load(open(d + "/mj"))
n = len(m["classes"])
assert n >= 2 and m["kind"] == "predicted", m
for k in ("slowdown", "same_sms_slowdown"):
    assert len(m[k]) == n and all(len(r) == n and min(r) >= 1.0 for r in m[k]), m[k]
o = json.load(open(d + "/oj"))
assert o["slowdown"] >= 1.0 and o["kind"] == "predicted", o
c = json.load(open(d + "/cj"))
assert c["format"] == "mosaic-calibration" and len(c["gemm"]) >= 1, c
PY
exit 0
