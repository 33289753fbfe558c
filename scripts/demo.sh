#!/usr/bin/env bash
# Installs klinika (into .venv) and starts the generated demo clinic on the embedded SQLite database.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
exec .venv/bin/klinika demo "$@"
