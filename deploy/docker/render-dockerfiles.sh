#!/usr/bin/env bash
# Renders services/<name>/Dockerfile for every line of deploy/services.tsv from the one template
# deploy/docker/service.Dockerfile, so seven Dockerfiles cannot drift apart.
#   deploy/docker/render-dockerfiles.sh          write them
#   deploy/docker/render-dockerfiles.sh --check  write nothing; exit 1 if any is missing or differs
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
template="$root/deploy/docker/service.Dockerfile"
table="$root/deploy/services.tsv"
extra_table="$root/deploy/extra-ports.tsv"
check=0
case "${1:-}" in
  --check) check=1 ;;
  "") ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

extra_ports() { # service -> " 2525 ..." (its ports beyond http and grpc, deploy/extra-ports.tsv)
  awk -F '\t' -v service="$1" '$1 == service { printf " %s", $3 }' "$extra_table"
}

render() { # service package http grpc
  # the syntax directive must stay the first line, so the notice goes second
  sed -n '1p' "$template"
  echo "# GENERATED from deploy/docker/service.Dockerfile by deploy/docker/render-dockerfiles.sh: edit those, not this."
  sed -e '1d' -e '/^## /d' -e '/^##$/d' \
      -e "s/@SERVICE@/$1/g" -e "s/@PACKAGE@/$2/g" \
      -e "s/@HTTP_PORT@/$3/g" -e "s/@GRPC_PORT@/$4/g" -e "s/@EXTRA_PORTS@/$(extra_ports "$1")/g" "$template"
}

stale=0
while IFS=$'\t' read -r service package http grpc; do
  [[ -z "$service" || "$service" == \#* ]] && continue
  folder="$root/services/$service"
  target="$folder/Dockerfile"
  # services/* are uv workspace members: a folder holding only a Dockerfile would stop every `uv`
  # command in the repository, so a service gets its Dockerfile once its pyproject.toml exists
  if [[ ! -f "$folder/pyproject.toml" ]]; then
    if [[ -e "$target" ]]; then
      echo "broken: services/$service has a Dockerfile but no pyproject.toml (uv refuses the workspace)" >&2
      stale=1
    else
      echo "pending: services/$service (no pyproject.toml yet; rerun this script when it lands)"
    fi
    continue
  fi
  if ((check)); then
    if ! diff -u --label "$target (committed)" --label "$target (rendered)" \
         "$target" <(render "$service" "$package" "$http" "$grpc") 2>/dev/null >&2; then
      echo "stale: services/$service/Dockerfile (run deploy/docker/render-dockerfiles.sh)" >&2
      stale=1
    else
      echo "in sync: services/$service/Dockerfile"
    fi
  else
    render "$service" "$package" "$http" "$grpc" >"$target"
    echo "wrote services/$service/Dockerfile"
  fi
done <"$table"
exit "$stale"
