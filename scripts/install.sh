#!/usr/bin/env bash
# Installs klinika and its Python dependencies (pinned in pyproject.toml).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install -q --disable-pip-version-check -e ".[test]"
