#!/usr/bin/env bash
# Lists the test folders of one kind (unit|integration) across libs, services and tests/
# (tests/contract, the cross-service contract tests, runs with the unit tests).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
kind=${1:?unit or integration}
paths=()
for d in libs/*/tests/"$kind" services/*/tests/"$kind"; do [[ -d $d ]] && paths+=("$d"); done
if [[ $kind == unit ]]; then
  for d in libs/contracts/tests tests/unit tests/contract; do [[ -d $d ]] && paths+=("$d"); done
else
  [[ -d tests/integration ]] && paths+=(tests/integration)
fi
printf '%s\n' "${paths[@]}"
