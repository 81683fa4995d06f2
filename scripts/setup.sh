#!/usr/bin/env bash
# Set up everything netcase needs on a fresh Debian machine with Python 3.11+:
# system packages (ICU for followthemoney's PyICU, Pango for PDF briefs, chromium for browser
# tests), the virtual environment, and the pinned front-end packages from package.json.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
need_apt=()
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
for pkg in libicu-dev pkg-config libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core chromium nodejs npm; do
  if [ "$pkg" = nodejs ] || [ "$pkg" = npm ]; then command -v "$pkg" >/dev/null 2>&1 && continue; fi
  have_pkg "$pkg" || need_apt+=("$pkg")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "setup: installing system packages: ${need_apt[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "setup: please install these Debian packages first: ${need_apt[*]}" >&2
    exit 1
  fi
fi

if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip 2>&1 | grep -v "is ignored" || true
.venv/bin/python -m pip install -q -e '.[dev,spark]' 2>&1 | grep -v "is ignored" || true
.venv/bin/python -c "import netcase, followthemoney, splink" || { echo "setup: Python packages failed to install" >&2; exit 1; }

if [ -f package.json ]; then
  if [ ! -d node_modules ] || [ package.json -nt node_modules ] || { [ -f package-lock.json ] && [ package-lock.json -nt node_modules ]; }; then
    if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --silent; else npm install --no-audit --no-fund --silent; fi
    touch node_modules
  fi
  [ -x scripts/vendor_static.sh ] && scripts/vendor_static.sh
fi
echo "setup: ready"
