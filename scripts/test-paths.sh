#!/usr/bin/env bash
# Lists the test folders of one kind (unit|integration) across libs, services and tests/
# (tests/contract, the cross-service contract tests, runs with the unit tests; a service's tests/browser,
# real Chromium against real processes, runs with the integration tests).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
kind=${1:?unit or integration}
paths=()
for d in libs/*/tests/"$kind" services/*/tests/"$kind"; do [[ -d $d ]] && paths+=("$d"); done
if [[ $kind == unit ]]; then
  for d in libs/contracts/tests tests/unit tests/contract; do [[ -d $d ]] && paths+=("$d"); done
else
  for d in services/*/tests/browser; do [[ -d $d ]] && paths+=("$d"); done
  [[ -d tests/integration ]] && paths+=(tests/integration)
  # `make run` on its fixed ports, with no other folder's services up (tests/make_run/test_make_run.py)
  [[ -d tests/make_run ]] && paths+=(tests/make_run)
fi
printf '%s\n' "${paths[@]}"
