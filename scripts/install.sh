#!/usr/bin/env bash
# Installs uv (from PyPI) when missing, then the whole workspace from uv.lock.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if ! command -v uv >/dev/null 2>&1 && [[ ! -x "$HOME/.local/bin/uv" ]]; then
  echo "installing uv from PyPI"
  python3 -m pip install --user --quiet "uv>=0.5" || python3 -m pip install --quiet --break-system-packages "uv>=0.5"
fi
UV=$(command -v uv || echo "$HOME/.local/bin/uv")
"$UV" sync --frozen --all-packages --quiet
