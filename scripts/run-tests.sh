#!/usr/bin/env bash
# Runs the test folders of one kind (unit|integration), each in its own pytest process:
# every service's tests/ is its own root (their conftest modules share names), and a
# fresh process per folder keeps one service's fixtures and event loop away from another's.
#
# Folders run in AFTERCARE_TEST_LANES lanes at once (2 by default; 1 runs them one after another): unit
# folders use one core each, integration folders mostly wait (on processes starting, on seconds-long SLA
# targets). A folder that scripts/test-paths.sh marks "alone" (the chaos suite's load, `make run`'s
# fixed ports) runs after the others, by itself. Each lane draws its services' ports from a slice of its
# own (AFTERCARE_TEST_PORT_SLOT, testing/ports.py), and a folder's output is printed whole when it ends.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
kind=${1:?unit or integration}
shift
extra=("$@") # passed on to every folder's pytest
UV=${UV:-$(command -v uv || echo "$HOME/.local/bin/uv")}
lanes=${AFTERCARE_TEST_LANES:-2}
if [[ ! $lanes =~ ^[1-9][0-9]*$ ]]; then
  echo "AFTERCARE_TEST_LANES must be a whole number of lanes, 1 or more (got '$lanes')" >&2
  exit 2
fi
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
failed=()
passed_total=0
failed_total=0
shared=()
alone=()
while read -r dir mark; do
  if [[ $mark == alone ]]; then alone+=("$dir"); else shared+=("$dir"); fi
done < <(bash scripts/test-paths.sh "$kind")

declare -A dir_of=() slot_of=() started=()
free_slots=()
for ((s = 0; s < lanes; s++)); do free_slots+=("$s"); done

log_of() { echo "$logs/${1//\//_}.log"; } # dir

start() { # dir slot
  AFTERCARE_TEST_PORT_SLOT="$2/$lanes" "$UV" run pytest -q "$1" "${extra[@]}" >"$(log_of "$1")" 2>&1 &
  dir_of[$!]=$1 slot_of[$!]=$2 started[$!]=$SECONDS
}

finish() { # pid status
  local dir=${dir_of[$1]} log
  log=$(log_of "$dir")
  echo "== $kind: $dir ($((SECONDS - started[$1])) s)"
  cat "$log"
  local summary p f e
  summary=$(grep -E '^[0-9]+ (passed|failed)|^=+ .*(passed|failed)' "$log" | tail -n 1)
  p=$(grep -oE '[0-9]+ passed' <<<"$summary" | grep -oE '[0-9]+' || echo 0)
  f=$(grep -oE '[0-9]+ failed' <<<"$summary" | grep -oE '[0-9]+' || echo 0)
  e=$(grep -oE '[0-9]+ errors?' <<<"$summary" | grep -oE '[0-9]+' || echo 0)
  passed_total=$((passed_total + p))
  failed_total=$((failed_total + f + e))
  # 5 = no tests collected in that folder: a failure too, a folder of tests that runs none proves nothing
  if [[ $2 != 0 ]]; then failed+=("$dir (exit $2)"); fi
  free_slots+=("${slot_of[$1]}")
  unset "dir_of[$1]" "slot_of[$1]" "started[$1]"
}

wait_one() {
  local pid status
  wait -n -p pid "${!dir_of[@]}"
  status=$?
  finish "$pid" "$status"
}

run_folders() { # lanes dir...
  local width=$1
  shift
  for dir in "$@"; do
    while ((${#dir_of[@]} >= width)); do wait_one; done
    local slot=${free_slots[0]}
    free_slots=("${free_slots[@]:1}")
    start "$dir" "$slot"
  done
  while ((${#dir_of[@]})); do wait_one; done
}

began=$SECONDS
run_folders "$lanes" "${shared[@]}"
((${#alone[@]})) && run_folders 1 "${alone[@]}"
echo
if ((${#failed[@]})); then
  echo "$kind tests failed in: ${failed[*]}"
fi
echo "$kind: $passed_total passed, $failed_total failed ($((SECONDS - began)) s, $lanes lane(s))"
((${#failed[@]} == 0))
