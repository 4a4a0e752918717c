#!/usr/bin/env bash
# Outputs mosaic writes: a failed write is an error (exit 3), never a crash; a
# directory target is refused (exit 2); a FIFO or device target is written in
# place, never replaced; a planted symlink at a guessable temporary name is not
# written through; stdout lost to a full disk is exit 3; nothing is left behind.
. "$(dirname "$0")/lib.sh"
reader=
e2e_cleanup='[ -n "$reader" ] && kill "$reader" 2>/dev/null'
leftovers() { find "$tmp" -name '*.tmp.*' | grep -q . && fail "temporaries left: $(find "$tmp" -name '*.tmp.*')"; }

# -o DIR: refused with a message, no crash (was a use-after-free)
mkdir "$tmp/d"
"$MOSAIC" synth clip -o "$tmp/d" >/dev/null 2>"$tmp/err"; rc=$?
[ $rc -eq 2 ] || fail "synth -o DIR: exit $rc, expected 2: $(cat "$tmp/err")"
grep -q "cannot write '$tmp/d'" "$tmp/err" || fail "synth -o DIR: message: $(cat "$tmp/err")"
leftovers

# a write that fails at close (full device): exit 3 naming the file
"$MOSAIC" synth clip -o /dev/full >/dev/null 2>"$tmp/err"; rc=$?
[ $rc -eq 3 ] || fail "synth -o /dev/full: exit $rc, expected 3: $(cat "$tmp/err")"
grep -q "cannot write '/dev/full'" "$tmp/err" || fail "synth -o /dev/full: message: $(cat "$tmp/err")"

# a FIFO is written in place and stays a FIFO
mkfifo "$tmp/fifo"
cat "$tmp/fifo" > "$tmp/through" & reader=$!
"$MOSAIC" synth clip -o "$tmp/fifo" >/dev/null 2>"$tmp/err" || fail "synth -o FIFO: $(cat "$tmp/err")"
wait "$reader"; reader=
[ -p "$tmp/fifo" ] || fail "the FIFO was replaced"
"$MOSAIC" inspect --check "$tmp/through" >/dev/null 2>&1 || fail "the trace through the FIFO is not valid"
# /dev/null stays a character device
"$MOSAIC" synth clip -o /dev/null >/dev/null 2>"$tmp/err" || fail "synth -o /dev/null: $(cat "$tmp/err")"
[ -c /dev/null ] || fail "/dev/null is no longer a character device"

# the temporary's name is not guessable: a symlink planted at the old name
# (OUT.tmp.PID.0) is not followed
echo keep > "$tmp/victim"
sh -c 'ln -s "$1/victim" "$1/out.mtr.tmp.$$.0"; exec "$2" synth clip -o "$1/out.mtr"' sh "$tmp" "$MOSAIC" \
	>/dev/null 2>"$tmp/err" || fail "synth beside a planted symlink: $(cat "$tmp/err")"
[ "$(cat "$tmp/victim")" = keep ] || fail "the planted symlink was written through"
rm -f "$tmp"/out.mtr.tmp.*
leftovers

# stdout on a full disk: exit 3 with a message (the dispatcher checks stdout)
"$MOSAIC" workload show clip > /dev/full 2>"$tmp/err"; rc=$?
[ $rc -eq 3 ] || fail "workload show > /dev/full: exit $rc, expected 3"
grep -q "standard output" "$tmp/err" || fail "no message for the lost stdout: $(cat "$tmp/err")"
"$MOSAIC" help > /dev/full 2>/dev/null; rc=$?
[ $rc -eq 3 ] || fail "help > /dev/full: exit $rc, expected 3"
exit 0
