#!/usr/bin/env bash
# The README's commands on the other supported Pythons (3.12, 3.13): a fresh clone, a fresh
# virtual environment made by scripts/install.sh, the demo clinic seeded, a few test files.
# CI runs it after the suites; a Python that is not on the machine is reported, not faked.
set -euo pipefail
cd "$(dirname "$0")/.."
source="$PWD"
# The embedded databases of a fresh data directory, as the README's demo command uses: never a
# PostgreSQL the calling shell points at (its keystore belongs to another installation's root key).
unset DATABASE_URL KEYSTORE_DATABASE_URL KLINIKA_ROOT_KEY KLINIKA_ROOT_KEY_FILE
for version in 3.12 3.13; do
  python=""
  for candidate in "python$version" /root/.pyenv/versions/"$version".*/bin/python"$version"; do
    if "$candidate" -c 'import sys' >/dev/null 2>&1; then python="$candidate"; break; fi
  done
  if [ -z "$python" ]; then
    echo "--- Python $version: not installed on this machine, not checked"
    continue
  fi
  echo "--- Python $version ($python): install, demo clinic, tests"
  work="$(mktemp -d)"
  git clone -q "$source" "$work/klinika"
  (
    cd "$work/klinika"
    PYTHON="$python" bash scripts/install.sh
    mkdir "$work/run" && cd "$work/run"
    KLINIKA_DATA_DIR="$work/run/var" "$work/klinika/.venv/bin/klinika" demo --no-serve >/dev/null
    cd "$work/klinika"
    PATH="$work/klinika/.venv/bin:$PATH" .venv/bin/python -m pytest -p no:cacheprovider -q tests/crypto tests/repo tests/architecture
  )
  rm -rf "$work"
done
