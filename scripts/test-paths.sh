#!/usr/bin/env bash
# Lists the test folders of one kind (unit|integration) across libs, services and tests/
# (tests/contract, the cross-service contract tests, runs with the unit tests; a service's tests/browser,
# real Chromium against real processes, runs with the integration tests). A folder followed by "alone"
# runs by itself, after the others (scripts/run-tests.sh runs the rest side by side).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
kind=${1:?unit or integration}
paths=()
if [[ $kind == integration ]]; then
  # the longest first, so that lanes running side by side end at about the same time
  for d in services/dispatch/tests/integration libs/platform/tests/integration; do [[ -d $d ]] && paths+=("$d"); done
fi
for d in libs/*/tests/"$kind" services/*/tests/"$kind"; do
  [[ -d $d && " ${paths[*]} " != *" $d "* ]] && paths+=("$d")
done
if [[ $kind == unit ]]; then
  for d in libs/contracts/tests tests/unit tests/contract; do [[ -d $d ]] && paths+=("$d"); done
else
  for d in services/*/tests/browser; do [[ -d $d ]] && paths+=("$d"); done
  # the chaos suite loads the box and kills processes under it: nothing else's timing beside it
  [[ -d tests/integration ]] && paths+=("tests/integration alone")
  # `make run` on its fixed ports, with no other folder's services up (tests/make_run/test_make_run.py)
  [[ -d tests/make_run ]] && paths+=("tests/make_run alone")
fi
printf '%s\n' "${paths[@]}"
