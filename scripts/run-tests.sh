#!/usr/bin/env bash
# Runs the test folders of one kind (unit|integration), each in its own pytest process:
# every service's tests/ is its own root (their conftest modules share names), and a
# fresh process per folder keeps one service's fixtures and event loop away from another's.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
kind=${1:?unit or integration}
shift
UV=${UV:-$(command -v uv || echo "$HOME/.local/bin/uv")}
failed=()
passed_total=0
failed_total=0
for dir in $(bash scripts/test-paths.sh "$kind"); do
  echo "== $kind: $dir"
  log=$(mktemp)
  "$UV" run pytest -q "$dir" "$@" 2>&1 | tee "$log"
  status=${PIPESTATUS[0]}
  summary=$(grep -E '^[0-9]+ (passed|failed)|^=+ .*(passed|failed)' "$log" | tail -n 1)
  p=$(grep -oE '[0-9]+ passed' <<<"$summary" | grep -oE '[0-9]+' || echo 0)
  f=$(grep -oE '[0-9]+ failed' <<<"$summary" | grep -oE '[0-9]+' || echo 0)
  e=$(grep -oE '[0-9]+ errors?' <<<"$summary" | grep -oE '[0-9]+' || echo 0)
  passed_total=$((passed_total + p))
  failed_total=$((failed_total + f + e))
  rm -f "$log"
  # 5 = no tests collected in that folder: a failure too, a folder of tests that runs none proves nothing
  if [[ $status != 0 ]]; then failed+=("$dir (exit $status)"); fi
done
echo
if ((${#failed[@]})); then
  echo "$kind tests failed in: ${failed[*]}"
fi
echo "$kind: $passed_total passed, $failed_total failed"
((${#failed[@]} == 0))
