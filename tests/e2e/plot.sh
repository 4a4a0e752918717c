#!/usr/bin/env bash
# mosaic plot DIR: re-renders every gnuplot script of a directory from the CSV
# beside it (PNG and SVG); refuses a directory without scripts (exit 2) and
# reports a broken script (exit 1).
set -u
: "${MOSAIC:?set MOSAIC to the mosaic binary}"
cd "$(dirname "$0")/../.."
command -v gnuplot >/dev/null || { echo "plot.sh: skipped: gnuplot not installed"; exit 0; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "plot.sh: $*" >&2; exit 1; }

mkdir "$tmp/r"
printf 'x,y\n1,2\n2,4\n3,8\n' > "$tmp/r/data.csv"
cat > "$tmp/r/line.gp" <<'GP'
if (!exists("fmt")) fmt = 'png'
if (fmt eq 'svg') { set terminal svg size 400,300 } else { set terminal pngcairo size 400,300 }
set output 'line.'.fmt
set datafile separator ','
set xlabel 'x (units)'
set ylabel 'y (units)'
plot 'data.csv' using 1:2 every ::1 with linespoints title 'y'
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

# a broken script: exit 1, a message naming it, the other scripts still drawn
printf 'plot nosuchfunction(x)\n' > "$tmp/r/broken.gp"
rm -f "$tmp/r/line.png"
"$MOSAIC" plot "$tmp/r" >/dev/null 2>"$tmp/err"
[ $? -eq 1 ] || fail "a broken script must exit 1"
grep -q "broken" "$tmp/err" || fail "the message does not name the broken script"
[ -s "$tmp/r/line.png" ] || fail "the good script was not redrawn"

# no scripts, no directory, bad usage: exit 2
mkdir "$tmp/empty"
"$MOSAIC" plot "$tmp/empty" >/dev/null 2>&1; [ $? -eq 2 ] || fail "empty directory must exit 2"
"$MOSAIC" plot "$tmp/nonexistent" >/dev/null 2>&1; [ $? -eq 2 ] || fail "missing directory must exit 2"
"$MOSAIC" plot >/dev/null 2>&1; [ $? -eq 2 ] || fail "no argument must exit 2"
exit 0
