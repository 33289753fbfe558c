#!/usr/bin/env bash
# Installs klinika and its Python dependencies (pinned in pyproject.toml) into the virtual
# environment .venv of the project (made here if missing, with $PYTHON or python3): a
# Debian or Ubuntu system Python refuses `pip install` outside a virtual environment.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -n "${PYTHON:-}" ] && [ -x .venv/bin/python ]; then
  wanted="$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
  have="$(.venv/bin/python -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
  if [ "$wanted" != "$have" ]; then
    echo ".venv has Python $have, not $PYTHON ($wanted): remove .venv to make it anew with $PYTHON" >&2
    exit 1
  fi
fi
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  if ! "$PYTHON" -c 'import sys; sys.exit(not (3, 11) <= sys.version_info[:2] < (3, 14))' 2>/dev/null; then
    echo "klinika needs Python 3.11, 3.12 or 3.13; $PYTHON is $("$PYTHON" --version 2>&1 || echo missing)." \
         "Set PYTHON to one of them, e.g. PYTHON=python3.12 bash $0" >&2
    exit 1
  fi
  if ! "$PYTHON" -m venv .venv >/dev/null 2>&1; then
    rm -rf .venv
    # Debian and Ubuntu ship venv apart from Python itself.
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && [ "$("$PYTHON" -c 'import sys; print(sys.prefix)')" = /usr ]; then
      apt-get update -q
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-venv
      "$PYTHON" -m venv .venv
    else
      echo "cannot make a virtual environment with $PYTHON: install its venv module" \
           "(Debian/Ubuntu: apt-get install python3-venv) or set PYTHON to another Python." >&2
      exit 1
    fi
  fi
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -e ".[test]"
