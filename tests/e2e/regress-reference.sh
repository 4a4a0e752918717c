#!/usr/bin/env bash
# CI's planner guard: the quick suite against the committed reference
# (results/reference/quick.json).  A planner, model or simulator change that
# makes a predicted or simulated iteration time worse, or mosaic's speedup
# smaller, beyond 1% fails here; re-record deliberate changes with
#   mosaic regress --quick --update --reference results/reference/quick.json
set -u
: "${MOSAIC:?set MOSAIC to the mosaic binary}"
cd "$(dirname "$0")/../.."
ref=results/reference/quick.json
[ -f "$ref" ] || { echo "regress-reference.sh: $ref is missing (it is committed)" >&2; exit 1; }
exec "$MOSAIC" regress --quick --reference "$ref" --quiet
