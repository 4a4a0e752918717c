#!/usr/bin/env bash
# mosaic plot DIR: re-renders every gnuplot script of a directory from the CSV
# beside it (PNG and SVG); refuses a directory without scripts and scripts of
# any form but mosaic's (exit 2, nothing of theirs runs); a gnuplot that fails
# or hangs leaves the old images in place (exit 3).
. "$(dirname "$0")/lib.sh"
need gnuplot

mkdir "$tmp/r"
printf 'x,y\n1,2\n2,4\n3,8\n' > "$tmp/r/data.csv"
cat > "$tmp/r/line.gp" <<'GP'
# line: drawn by mosaic; re-render with `mosaic plot DIR`
if (!exists("fmt")) fmt = 'png'
if (fmt eq 'svg') {
  set terminal svg size 400,300 dynamic font 'sans,12' background rgb 'white'
} else {
  set terminal pngcairo size 400,300 font 'sans,10' background rgb 'white'
}
if (!exists("out")) out = 'line.'.fmt
set output out
set datafile separator ','
set xlabel 'x (units)' noenhanced
set ylabel 'y (units)' noenhanced
plot 'data.csv' using 1:2 every ::1 with linespoints title 'y', \
     '' using ($1 * 2):(column(2)) every ::1 with lines title 'twice'
GP
"$MOSAIC" plot "$tmp/r" >"$tmp/out" 2>"$tmp/err" || fail "plot failed: $(cat "$tmp/err")"
[ -s "$tmp/r/line.png" ] && [ -s "$tmp/r/line.svg" ] || fail "no PNG/SVG rendered"
grep -q "line.png" "$tmp/out" || fail "rendered files not listed on stdout"
grep -q "<svg" "$tmp/r/line.svg" || fail "line.svg is not SVG"

# the data changes, the figure follows
cp "$tmp/r/line.png" "$tmp/old.png"
printf 'x,y\n1,9\n2,1\n3,5\n' > "$tmp/r/data.csv"
"$MOSAIC" plot "$tmp/r" >/dev/null 2>&1 || fail "second plot failed"
cmp -s "$tmp/old.png" "$tmp/r/line.png" && fail "the PNG did not change with its CSV"

# a script mosaic did not write is refused (exit 2), not run; the others are
# still drawn
good_head=$(sed -n 1,9p "$tmp/r/line.gp")
bad() { # NAME BODY: a script with mosaic's preamble and a hostile body
	{ printf '%s\n' "$good_head" | sed "s/line/$1/g"; printf '%s\n' "$2"; } > "$tmp/r/$1.gp"
}
bad sys "plot 'data.csv' using 1:(system('touch $tmp/pwned'))"
bad shell "!touch $tmp/pwned"
bad pipe "plot '< touch $tmp/pwned' using 1:2"
bad bq "set title '\`touch $tmp/pwned\`'"
bad macro "set title 'x'; @cmd"
bad out "set output '$tmp/pwned'"
bad print "set print '| touch $tmp/pwned'"
bad load "load '$tmp/other.gp'"
bad path "plot '/etc/passwd' using 1:2"
bad cont "# comment \\
system('touch $tmp/pwned')"
printf 'plot nosuchfunction(x)\n' > "$tmp/r/broken.gp"
rm -f "$tmp/r/line.png"
"$MOSAIC" plot "$tmp/r" >/dev/null 2>"$tmp/err"; rc=$?
[ $rc -eq 2 ] || fail "scripts mosaic did not write must exit 2 (got $rc)"
[ -e "$tmp/pwned" ] && fail "a hostile script ran"
for n in sys shell pipe bq macro out print load path cont broken; do
	grep -q "$n.gp': line [0-9]*: .*not a script mosaic wrote" "$tmp/err" \
		|| fail "$n.gp: no refusal naming it and the line: $(cat "$tmp/err")"
	[ -e "$tmp/r/$n.png" ] && fail "$n.gp was rendered"
	rm -f "$tmp/r/$n.gp"
done
[ -s "$tmp/r/line.png" ] || fail "the good script was not redrawn"

# gnuplot fails or hangs: the images drawn before stay, nothing half-written
# is left, the exit is non-zero and the message says why
"$MOSAIC" plot "$tmp/r" >/dev/null 2>&1 || fail "redraw failed"
cp "$tmp/r/line.png" "$tmp/good.png"
mkdir "$tmp/bin"
printf '#!/bin/sh\necho "fake gnuplot: refusing" >&2\nexit 1\n' > "$tmp/bin/gnuplot"
chmod +x "$tmp/bin/gnuplot"
PATH="$tmp/bin:$PATH" "$MOSAIC" plot "$tmp/r" >/dev/null 2>"$tmp/err"; rc=$?
[ $rc -ne 0 ] || fail "a failing gnuplot must not exit 0"
grep -q "fake gnuplot: refusing" "$tmp/err" || fail "gnuplot's message is not passed on: $(cat "$tmp/err")"
cmp -s "$tmp/good.png" "$tmp/r/line.png" || fail "a failed render replaced the image"
find "$tmp/r" -name '*.tmp.*' | grep -q . && fail "a failed render left a temporary"
printf '#!/bin/sh\nexec sleep 600\n' > "$tmp/bin/gnuplot"
MOSAIC_PLOT_TIMEOUT=1 PATH="$tmp/bin:$PATH" "$MOSAIC" plot "$tmp/r" >/dev/null 2>"$tmp/err"; rc=$?
[ $rc -ne 0 ] || fail "a hanging gnuplot must not exit 0"
grep -q "longer than 1 s" "$tmp/err" || fail "no timeout message: $(cat "$tmp/err")"
cmp -s "$tmp/good.png" "$tmp/r/line.png" || fail "a killed render replaced the image"
find "$tmp/r" -name '*.tmp.*' | grep -q . && fail "a killed render left a temporary"

# no scripts, no directory, bad usage: exit 2
mkdir "$tmp/empty"
"$MOSAIC" plot "$tmp/empty" >/dev/null 2>&1; [ $? -eq 2 ] || fail "empty directory must exit 2"
"$MOSAIC" plot "$tmp/nonexistent" >/dev/null 2>&1; [ $? -eq 2 ] || fail "missing directory must exit 2"
"$MOSAIC" plot >/dev/null 2>&1; [ $? -eq 2 ] || fail "no argument must exit 2"
exit 0
