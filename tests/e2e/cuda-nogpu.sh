#!/bin/bash
# cuda-nogpu.sh - without a CUDA device (or without CUDA support in the build),
# `mosaic record`, `mosaic profile` and `mosaic run --backend cuda` say so,
# suggest the simulator, exit 2, and never crash or hang.  On a machine where a
# device IS found, the test checks nothing and passes (the GPU steps of
# traces/cuda/README-gpu.md are the check there).
. "$(dirname "$0")/lib.sh"
fail=0

# run CMD...: capture status and stderr, with a time limit (a hang fails)
run() {
	timeout 60 "$@" >"$tmp/out" 2>"$tmp/err"
	status=$?
}

expect_nodev() {
	local what=$1
	if [ "$status" -eq 124 ]; then
		echo "cuda-nogpu: $what hung"; fail=1; return
	fi
	if [ "$status" -ge 128 ]; then
		echo "cuda-nogpu: $what crashed (status $status)"; cat "$tmp/err"; fail=1; return
	fi
	if [ "$status" -ne 2 ]; then
		echo "cuda-nogpu: $what exited $status, expected 2"; cat "$tmp/err"; fail=1; return
	fi
	if ! grep -q -e "no CUDA device" -e "built without CUDA support" "$tmp/err"; then
		echo "cuda-nogpu: $what did not say why:"; cat "$tmp/err"; fail=1; return
	fi
	# the simulator's commands, never a bare option the failing command lacks
	if ! grep -q -e "'mosaic run --backend sim'" "$tmp/err"; then
		echo "cuda-nogpu: $what did not suggest the simulator:"; cat "$tmp/err"; fail=1; return
	fi
	if [ "$(wc -l <"$tmp/err")" -ne 1 ]; then
		echo "cuda-nogpu: $what wrote more than one line to stderr:"; cat "$tmp/err"; fail=1
	fi
}

# Is there a device after all (record then fails for another reason: `true`
# never initialises CUDA, so no trace is written)?  Then there is nothing to check.
run "$MOSAIC" record -o "$tmp/probe.mtr" -- true
if [ "$status" -ge 124 ]; then
	echo "cuda-nogpu: record crashed or hung (status $status)"; cat "$tmp/err"; exit 1
fi
if [ "$status" -ne 2 ] || ! grep -q -e "no CUDA device" -e "built without CUDA support" "$tmp/err"; then
	skip "a CUDA device seems present (record: status $status)"
fi

run "$MOSAIC" record -o "$tmp/x.mtr" -- true
expect_nodev "record"
[ -e "$tmp/x.mtr" ] && { echo "cuda-nogpu: record left a trace behind"; fail=1; }

run "$MOSAIC" profile clip --quotas 16,32 -o "$tmp/prof"
expect_nodev "profile"

# usage errors stay usage errors (exit 2, one line), whatever the machine
run "$MOSAIC" record -- true
[ "$status" -eq 2 ] && grep -q "see 'mosaic record --help'" "$tmp/err" || { echo "cuda-nogpu: record without -o"; fail=1; }
run "$MOSAIC" profile clip --quotas 16,x
[ "$status" -eq 2 ] && grep -q "bad --quotas" "$tmp/err" || { echo "cuda-nogpu: bad quotas"; fail=1; }

# the cuda backend of `mosaic run`, when this build's run command has it
if "$MOSAIC" run --help 2>&1 | grep -q "cuda"; then
	if "$MOSAIC" plan clip --gpus 1 --planner mosaic -o "$tmp/plan.json" >/dev/null 2>&1; then
		run "$MOSAIC" run "$tmp/plan.json" --workload clip --backend cuda
		expect_nodev "run --backend cuda"
	else
		echo "cuda-nogpu: 'mosaic plan' failed; skipping run --backend cuda"
	fi
fi

# the recorder library, injected into a program that never touches CUDA,
# must not crash it, change its status, or write a trace
lib="$(dirname "$MOSAIC")/libmosaic-recorder.so"
if [ -e "$lib" ]; then
	MOSAIC_TRACE_OUT="$tmp/pre.mtr" LD_PRELOAD="$lib" timeout 30 sh -c 'exit 3' 2>/dev/null
	status=$?
	[ "$status" -eq 3 ] || { echo "cuda-nogpu: LD_PRELOAD recorder changed status to $status"; fail=1; }
	[ -e "$tmp/pre.mtr" ] && { echo "cuda-nogpu: recorder wrote a trace without CUDA work"; fail=1; }
	# SIGTERM while recording: the process still ends by the signal
	MOSAIC_TRACE_OUT="$tmp/sig.mtr" LD_PRELOAD="$lib" sleep 10 2>/dev/null &
	pid=$!
	sleep 1
	kill -TERM "$pid" 2>/dev/null
	wait "$pid"
	status=$?
	[ "$status" -eq 143 ] || { echo "cuda-nogpu: SIGTERM gave status $status"; fail=1; }
fi

exit $fail
