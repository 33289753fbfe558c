#!/usr/bin/env bash
# Installs everything (Debian's PostgreSQL 15 and Chromium, the Python packages in .venv) and runs
# the whole test suite twice: on SQLite, then on a real PostgreSQL server.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1 || ! command -v pg_ctlcluster >/dev/null 2>&1 || ! command -v msgfmt >/dev/null 2>&1; then
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql chromium gettext libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core
fi
bash scripts/install.sh
# The project's virtual environment first: its python runs the tests, and the `klinika`
# the tests start is the one installed there (not another installation on the PATH).
export VIRTUAL_ENV="$PWD/.venv" PATH="$PWD/.venv/bin:$PATH"

echo "=== architecture: the floors of DESIGN.md (import-linter) ==="
(cd src && lint-imports ../pyproject.toml --no-cache)

echo "=== test suite on SQLite ==="
env -u DATABASE_URL -u KEYSTORE_DATABASE_URL .venv/bin/python -m pytest -p no:cacheprovider "$@"

echo "=== test suite on PostgreSQL ==="
eval "$(bash scripts/postgres.sh)"
.venv/bin/python -m pytest -p no:cacheprovider "$@"

if [ $# -eq 0 ]; then
  echo "=== the README's commands on Python 3.12 and 3.13 ==="
  bash scripts/other-pythons.sh
fi
