#!/usr/bin/env bash
# Installs uv (from PyPI) when missing, then the whole workspace from uv.lock.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if ! command -v uv >/dev/null 2>&1 && [[ ! -x "$HOME/.local/bin/uv" ]]; then
  echo "installing uv from PyPI"
  python3 -m pip install --user --quiet "uv>=0.5" || python3 -m pip install --quiet --break-system-packages "uv>=0.5"
fi
UV=$(command -v uv || echo "$HOME/.local/bin/uv")
# compiled once here: where PYTHONDONTWRITEBYTECODE is set (this machine sets it), Python writes no .pyc
# itself, and every process (a service, a pytest folder) compiled its imports again: dispatch imported in
# 3.4 s, 0.9 s compiled; a sync with nothing new to install compiles nothing again
"$UV" sync --frozen --all-packages --quiet --compile-bytecode
# the workspace's own packages are installed as links to their sources, which uv leaves to Python
"$UV" run --no-sync python -m compileall -q -j 0 libs/*/src services/*/src >/dev/null
