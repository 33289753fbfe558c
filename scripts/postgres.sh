#!/usr/bin/env bash
# Installs (if needed) and starts a local PostgreSQL 15 with the klinika role and its two
# databases: clinic data and keystore are separate databases, as in production.
# Prints the two URLs as shell exports; use: eval "$(bash scripts/postgres.sh)"
set -euo pipefail
if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >&2
fi
pg_ctlcluster 15 main start >&2 2>/dev/null || pg_ctlcluster 15 main status >&2
for _ in $(seq 1 30); do su postgres -c "pg_isready -q" && break; sleep 1; done
su postgres -c "psql -tAc \"SELECT 1 FROM pg_roles WHERE rolname='klinika'\"" | grep -q 1 \
  || su postgres -c "psql -q -c \"CREATE ROLE klinika LOGIN SUPERUSER PASSWORD 'klinika'\"" >&2
for db in klinika klinika_keystore; do
  su postgres -c "psql -tAc \"SELECT 1 FROM pg_database WHERE datname='$db'\"" | grep -q 1 \
    || su postgres -c "createdb -O klinika $db" >&2
done
echo "export DATABASE_URL=postgres://klinika:klinika@127.0.0.1:5432/klinika"
echo "export KEYSTORE_DATABASE_URL=postgres://klinika:klinika@127.0.0.1:5432/klinika_keystore"
