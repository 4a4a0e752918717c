# cli.sh - the command-line conventions, checked for every command of the
# table (`mosaic help` lists them), so a new command cannot skip them:
#   - `mosaic help CMD` is `mosaic CMD --help`: exit 0, the full text on
#     stdout ("usage:" and a description), nothing on stderr, no
#     printf escapes left in it ("%%");
#   - an unknown option and an option without its value: exit 2 and one
#     line on stderr naming the option and pointing at 'mosaic CMD --help';
#   - an unknown command, for `mosaic` and for `mosaic help`: exit 2, one line.
. "$(dirname "$0")/lib.sh"

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
done
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
exit 0
