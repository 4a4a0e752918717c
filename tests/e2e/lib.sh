# tests/e2e/lib.sh - what every end-to-end test starts with.  A script sources
# it first thing after its comment:
#
#   . "$(dirname "$0")/lib.sh"
#
# and then runs from the repository root with
#   $MOSAIC      the program under test (the Makefile sets it; default:
#                build/mosaic of this tree),
#   $tmp         a fresh temporary directory, removed when the script exits
#                (add a command to run before that to $e2e_cleanup),
#   fail MSG     print "NAME: MSG" on stderr and exit 1 (the test failed),
#   skip MSG     print "NAME: SKIP: MSG" and exit 77 (optional data or tool
#                absent: `make check-e2e` counts it apart, never as a pass),
#   need TOOL    skip unless TOOL is on PATH.
# Unset variables are errors (set -u).  Not a script of its own: no #! line.
set -u
e2e_name=$(basename "$0")
cd "$(dirname "$0")/../.." || exit 3
MOSAIC=${MOSAIC:-$PWD/build/mosaic}
tmp=$(mktemp -d) || exit 3
e2e_cleanup=:
trap 'eval "$e2e_cleanup"; rm -rf "$tmp"' EXIT
fail() { echo "$e2e_name: $*" >&2; exit 1; }
skip() { echo "$e2e_name: SKIP: $*"; exit 77; }
need() { command -v "$1" >/dev/null || skip "$1 not installed"; }
