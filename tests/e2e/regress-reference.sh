#!/usr/bin/env bash
# CI's planner guard: the quick suite against the committed reference
# (results/reference/quick.json).  A planner, model or simulator change that
# makes a predicted or simulated iteration time worse, or mosaic's speedup
# smaller, beyond 1% fails here; re-record deliberate changes with
#   mosaic regress --quick --update --reference results/reference/quick.json
. "$(dirname "$0")/lib.sh"
ref=results/reference/quick.json
[ -f "$ref" ] || fail "$ref is missing (it is committed)"
"$MOSAIC" regress --quick --reference "$ref" --quiet
