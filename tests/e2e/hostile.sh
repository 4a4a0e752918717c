#!/usr/bin/env bash
# Hostile input for every reader and every number on the command line: each
# case must exit 2 with a message naming the file (or option) and leave no
# file behind; nothing may crash (run under ASan by `make MODE=asan check`).
# Readers: workload spec JSON, plan JSON, GPU file, cluster file, .mtr, Kineto
# JSON, regress reference, bench shard (shard.json and its CSV tables).
. "$(dirname "$0")/lib.sh"
n=0

# expect2 NAME-IN-MESSAGE CMD...: exit 2, the message names it, no file in $tmp/out
expect2() {
	local want=$1; shift
	rm -rf "$tmp/out"; mkdir "$tmp/out"
	"$@" >"$tmp/stdout" 2>"$tmp/err" </dev/null; local rc=$?
	n=$((n + 1))
	[ $rc -eq 2 ] || fail "exit $rc, expected 2: $*: $(head -c 600 "$tmp/err")"
	grep -qF -- "$want" "$tmp/err" || fail "the message does not name '$want': $*: $(head -c 600 "$tmp/err")"
	[ -z "$(ls -A "$tmp/out")" ] || fail "files left behind: $*: $(ls -A "$tmp/out")"
}

# ---- numbers on the command line: range-checked, never truncated ----
for v in 4294967297 65537 0 -1 1e3 '' ' 8' 8x 99999999999999999999; do
	expect2 "--gpus" "$MOSAIC" plan clip --gpus "$v" --planner mosaic -o "$tmp/out/p.json"
done
expect2 "--batch" "$MOSAIC" synth clip --batch 4294967297 -o "$tmp/out/x.mtr"
expect2 "--microbatch" "$MOSAIC" synth clip --microbatch -4294967295 -o "$tmp/out/x.mtr"
expect2 "--jobs" "$MOSAIC" bench --quick --jobs 4294967297 --out "$tmp/out/b"
expect2 "--shard" "$MOSAIC" bench --quick --shard 4294967296/4294967297 --out "$tmp/out/b"
expect2 "h100x4294967297" "$MOSAIC" bench --quick --cluster h100x4294967297 --out "$tmp/out/b"
expect2 "--iterations" "$MOSAIC" run x.json --workload clip --iterations 4294967297
expect2 "--tolerance" "$MOSAIC" regress --reference results/reference/quick.json --tolerance nan
expect2 "--max-mape" "$MOSAIC" validate x.mtr --max-mape inf
expect2 "--top" "$MOSAIC" inspect x.mtr --top 4294967297
expect2 "--sms" "$MOSAIC" replay x.mtr --sms 4294967297
# a synthesised trace past its size limit stops with a message, no file
expect2 "more than" "$MOSAIC" synth clip --batch 16384 --microbatch 1 -o "$tmp/out/big.mtr"

# ---- hostile JSON documents, for every JSON reader ----
deep=$(printf '%.0s[' $(seq 1 100000))
printf '' > "$tmp/empty.json"
printf '{"name": "x", "modules": [' > "$tmp/truncated.json"
printf '[1, 2, 3]' > "$tmp/wrongtype.json"
printf '%s' "$deep" > "$tmp/deep.json"
printf '{"format": 1e999999}' > "$tmp/huge.json"
printf '{"format": NaN}' > "$tmp/nan.json"
printf '{"format": "a", "format": "b"}' > "$tmp/dupkey.json"
printf '{"format": "a\0b"}' > "$tmp/nul.json"
printf '{"format": "\xff\xfe"}' > "$tmp/utf8.json"
cases="empty truncated wrongtype deep huge nan dupkey nul utf8"
for c in $cases; do
	f="$tmp/$c.json"
	expect2 "$f" "$MOSAIC" workload show "$f"
	expect2 "$f" "$MOSAIC" run "$f" --workload clip -o "$tmp/out/t.mtr"
	expect2 "$f" "$MOSAIC" model gpus --gpu-file "$f"
	expect2 "$f" "$MOSAIC" bench --quick --cluster "$f" --out "$tmp/out/b"
	expect2 "$f" "$MOSAIC" regress --reference "$f"
	mkdir -p "$tmp/shard-$c"; cp "$f" "$tmp/shard-$c/shard.json"
	expect2 "$tmp/shard-$c" "$MOSAIC" bench --merge "$tmp/shard-$c" --out "$tmp/out/m"
	expect2 "$f" "$MOSAIC" import "$f" -o "$tmp/out/k.mtr"
	expect2 "$f" "$MOSAIC" inspect "$f"
done

# ---- hostile .mtr ----
"$MOSAIC" synth clip -o "$tmp/good.mtr" >/dev/null || fail "synth for the .mtr cases failed"
head -c 100 "$tmp/good.mtr" > "$tmp/cut.mtr"
printf '\x93\xa3MTR\x01' > "$tmp/tiny.mtr"
head -c 4096 /dev/urandom > "$tmp/random.mtr"
for c in cut tiny random empty; do
	[ -e "$tmp/$c.mtr" ] || : > "$tmp/$c.mtr"
	expect2 "$tmp/$c.mtr" "$MOSAIC" inspect "$tmp/$c.mtr"
	expect2 "$tmp/$c.mtr" "$MOSAIC" export --perfetto "$tmp/$c.mtr" -o "$tmp/out/x.json"
done

# ---- a shard's CSV tables: bad task index, wrong field count, NUL ----
"$MOSAIC" bench --quick --workloads clip --shard 0/1 --out "$tmp/sh" --quiet >/dev/null 2>&1 \
	|| fail "bench --shard 0/1 for the CSV cases failed"
for c in task4294967297 taskneg fields nul; do
	rm -rf "$tmp/sh-$c"; cp -r "$tmp/sh" "$tmp/sh-$c"
	case $c in
	task4294967297) sed -i '2s/^[0-9]*,/4294967297,/' "$tmp/sh-$c/iter.csv" ;;
	taskneg) sed -i '2s/^[0-9]*,/-1,/' "$tmp/sh-$c/iter.csv" ;;
	fields) sed -i '2s/$/,extra/' "$tmp/sh-$c/iter.csv" ;;
	nul) printf '0,\0\n' >> "$tmp/sh-$c/iter.csv" ;;
	esac
	expect2 "$tmp/sh-$c/iter.csv" "$MOSAIC" bench --merge "$tmp/sh-$c" --out "$tmp/out/m"
done

# ---- regress reference: unbounded, empty ----
expect2 "/dev/zero" "$MOSAIC" regress --reference /dev/zero
expect2 "$tmp" "$MOSAIC" regress --reference "$tmp"
printf '{"format": "mosaic-regress-reference", "version": 1, "workloads": []}' > "$tmp/noref.json"
expect2 "no workloads" "$MOSAIC" regress --reference "$tmp/noref.json"
printf '{"format": "mosaic-regress-reference", "version": 9, "workloads": [{"name": "clip"}]}' > "$tmp/v9.json"
expect2 "version 9" "$MOSAIC" regress --reference "$tmp/v9.json"

# ---- a FIFO or a device is not a regular file: refused at once, never waited on ----
# (a FIFO with no writer blocked open(2) for ever before; `timeout` turns a hang into 124)
mkfifo "$tmp/fifo.json"
for f in "$tmp/fifo.json" /dev/null; do
	expect2 "$f" timeout 60 "$MOSAIC" workload show "$f"
	expect2 "$f" timeout 60 "$MOSAIC" run "$f" --workload clip -o "$tmp/out/t.mtr"
	expect2 "$f" timeout 60 "$MOSAIC" model gpus --gpu-file "$f"
	expect2 "$f" timeout 60 "$MOSAIC" bench --quick --cluster "$f" --out "$tmp/out/b"
	expect2 "$f" timeout 60 "$MOSAIC" bench --quick --calibration "$f" --out "$tmp/out/b"
	expect2 "$f" timeout 60 "$MOSAIC" regress --reference "$f"
	expect2 "$f" timeout 60 "$MOSAIC" import "$f" -o "$tmp/out/k.mtr"
	expect2 "$f" timeout 60 "$MOSAIC" inspect "$f"
	expect2 "$f" timeout 60 "$MOSAIC" export --perfetto "$f" -o "$tmp/out/x.json"
	expect2 "$f" timeout 60 "$MOSAIC" model calibrate "$f" -o "$tmp/out/c.json"
	expect2 "$f" timeout 60 "$MOSAIC" bench --quick --matrix "$f" --out "$tmp/out/b"
	expect2 "$f" timeout 60 "$MOSAIC" validate --measurements "$f" -o "$tmp/out/v"
	expect2 "$f" timeout 60 "$MOSAIC" workload from-trace "$f" -o "$tmp/out/w.json"
done
expect2 "is a FIFO" timeout 60 "$MOSAIC" inspect "$tmp/fifo.json"
# a path that names nothing readable is bad input (2), not a system failure (3)
ln -s "$tmp/loop-b" "$tmp/loop-a" && ln -s "$tmp/loop-a" "$tmp/loop-b"
expect2 "loop-a" "$MOSAIC" inspect "$tmp/loop-a"
expect2 "loop-a" "$MOSAIC" workload show "$tmp/loop-a"
expect2 "is a character device" timeout 60 "$MOSAIC" regress --reference /dev/zero

# ---- GPU file: a built-in's name is never replaced ----
printf '[{"name": "h100", "cc_major": 9, "cc_minor": 0, "sms": 8, "hbm_gbps": 1, "fp32_tflops": 1}]' > "$tmp/h100.json"
expect2 "built-in" "$MOSAIC" model gpus --gpu-file "$tmp/h100.json"

echo "hostile.sh: $n cases"
exit 0
