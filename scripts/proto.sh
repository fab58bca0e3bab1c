#!/usr/bin/env bash
# Contracts tooling: generate, verify, lint and guard the protos under proto/.
#
#   bash scripts/proto.sh gen       generate Python code for every proto/aftercare/**/*.proto
#   bash scripts/proto.sh check     fail when the committed generated code differs from a fresh run
#   bash scripts/proto.sh lint      buf lint (STANDARD, see proto/buf.yaml)
#   bash scripts/proto.sh breaking  buf breaking (FILE) against the last commit on `main`
#
# Generated code goes to libs/contracts/src/ so `proto/aftercare/cases/v1/cases.proto`
# becomes `from aftercare.cases.v1 import cases_pb2, cases_pb2_grpc` (with .pyi stubs from
# mypy-protobuf). Everything under libs/contracts/src/aftercare/ is generated except
# the top-level `__init__.py` and `py.typed`: `gen` replaces every subfolder, so
# never put hand-written code there.
#
# `breaking` compares the working tree's proto/ with proto/ on the tip of the local
# `main` branch: on a feature branch that is "what would merging break", on main it is
# "what do my uncommitted edits break". Set BUF_BREAKING_AGAINST to any buf input to
# compare with something else, e.g. in CI after a merge to main:
#   BUF_BREAKING_AGAINST='.git#ref=HEAD~1,subdir=proto' bash scripts/proto.sh breaking
# It skips (exit 0, with a message) only when there is no `main` branch or main has no
# .proto file under proto/ yet.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

PROTO_ROOT="proto"
OUT_ROOT="libs/contracts/src"
PKG="aftercare"
# hand-written files at the top of the generated package, kept as they are
KEPT_FILES=("__init__.py" "py.typed")

die() { echo "proto.sh: $*" >&2; exit 1; }

# Every .proto under proto/aftercare, sorted bytewise so output is stable across machines.
proto_files() {
  find "$PROTO_ROOT/$PKG" -type f -name '*.proto' -print | LC_ALL=C sort
}

# generate_into DIR: write the full generated tree for every proto into DIR/aftercare/.
generate_into() {
  local out="$1"
  local files=()
  mapfile -t files < <(proto_files)
  [[ ${#files[@]} -gt 0 ]] || die "no .proto files under $PROTO_ROOT/$PKG"
  mkdir -p "$out"

  uv run --quiet python - "$out" "$PROTO_ROOT" "${files[@]}" <<'PY'
import os
import shutil
import sys

import grpc_tools
from grpc_tools import protoc

out, proto_root, *files = sys.argv[1:]
# well-known types (google/protobuf/*.proto) ship with grpcio-tools
wkt_include = os.path.join(os.path.dirname(grpc_tools.__file__), "_proto")
plugin_dir = os.path.dirname(sys.executable)


def plugin(name: str) -> str:
    path = shutil.which(name, path=plugin_dir) or shutil.which(name)
    if path is None:
        sys.exit(f"proto.sh: {name} not found (is mypy-protobuf installed? run `uv sync --all-packages`)")
    return path


args = [
    "grpc_tools.protoc",
    f"--proto_path={proto_root}",
    f"--proto_path={wkt_include}",
    f"--plugin=protoc-gen-mypy={plugin('protoc-gen-mypy')}",
    f"--plugin=protoc-gen-mypy_grpc={plugin('protoc-gen-mypy_grpc')}",
    f"--python_out={out}",
    f"--grpc_python_out={out}",
    f"--mypy_out=quiet:{out}",
    f"--mypy_grpc_out=quiet:{out}",
    *files,
]
if protoc.main(args) != 0:
    sys.exit("proto.sh: protoc failed")

# Without grpc's own type stubs (types-grpcio) mypy sees grpc as Any and flags the
# stubs' Channel/aio.Channel overloads as unreachable; that is harmless, so say so.
MYPY_PRAGMA = '# mypy: disable-error-code="overload-cannot-match"\n'
for dirpath, _, names in os.walk(out):
    for name in names:
        if name.endswith("_pb2_grpc.pyi"):
            path = os.path.join(dirpath, name)
            with open(path, encoding="utf-8") as stub:
                text = stub.read()
            with open(path, "w", encoding="utf-8") as stub:
                stub.write(MYPY_PRAGMA + text)
PY

  # every folder of the generated tree is a regular package (the top one is kept as is)
  while IFS= read -r dir; do
    [[ "$dir" == "$out/$PKG" ]] || : > "$dir/__init__.py"
  done < <(find "$out/$PKG" -type d | LC_ALL=C sort)
}

cmd_gen() {
  local tmp
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' RETURN
  generate_into "$tmp"

  local target="$OUT_ROOT/$PKG"
  mkdir -p "$target"
  # drop the previous generation (including code for protos that no longer exist)
  find "$target" -mindepth 1 -maxdepth 1 -type d -exec rm -rf {} +
  cp -R "$tmp/$PKG/." "$target/"
  for kept in "${KEPT_FILES[@]}"; do
    [[ -e "$target/$kept" ]] || : > "$target/$kept"
  done
  echo "proto.sh: generated $(proto_files | wc -l | tr -d ' ') proto file(s) into $target"
}

cmd_check() {
  local tmp
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' RETURN
  generate_into "$tmp"

  local target="$OUT_ROOT/$PKG"
  for kept in "${KEPT_FILES[@]}"; do
    [[ -e "$target/$kept" ]] && cp "$target/$kept" "$tmp/$PKG/$kept"
  done
  if ! diff -r -q -x __pycache__ "$tmp/$PKG" "$target" >"$tmp/diff.txt" 2>&1; then
    sed -e "s#$tmp/##g" "$tmp/diff.txt" >&2
    echo "generated code is stale: run make proto" >&2
    exit 1
  fi
  echo "proto.sh: generated code is up to date"
}

cmd_lint() {
  uv run buf lint "$PROTO_ROOT"
  echo "proto.sh: buf lint clean"
}

cmd_breaking() {
  local against="${BUF_BREAKING_AGAINST:-}"
  if [[ -z "$against" ]]; then
    if ! git rev-parse --quiet --verify refs/heads/main >/dev/null; then
      echo "proto.sh: breaking skipped: there is no 'main' branch to compare with"
      return 0
    fi
    if ! git ls-tree -r --name-only main -- "$PROTO_ROOT" | grep -q '\.proto$'; then
      echo "proto.sh: breaking skipped: 'main' has no .proto files under $PROTO_ROOT/ yet"
      return 0
    fi
    against=".git#branch=main,subdir=$PROTO_ROOT"
  fi
  uv run buf breaking "$PROTO_ROOT" --against "$against"
  echo "proto.sh: no breaking changes against $against"
}

case "${1:-}" in
  gen) cmd_gen ;;
  check) cmd_check ;;
  lint) cmd_lint ;;
  breaking) cmd_breaking ;;
  *)
    echo "usage: $0 {gen|check|lint|breaking}" >&2
    exit 2
    ;;
esac
