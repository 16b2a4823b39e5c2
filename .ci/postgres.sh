#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server (Debian's package) on a Unix socket for
# the engine tests, and prints the PG* variables that reach it.
#   eval "$(.ci/postgres.sh)"
set -euo pipefail
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$bin" ] || { echo "echo 'NOTICE: PostgreSQL is not installed'"; exit 0; }
base=${PG_TEST_DIR:-/tmp/fairaudit-pg}
port=${PG_TEST_PORT:-55432}
mkdir -p "$base"
chown postgres:postgres "$base" 2>/dev/null || true
run() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi; }
if [ ! -f "$base/data/PG_VERSION" ]; then
  run "$bin/initdb -D $base/data -A trust -U postgres >/dev/null"
fi
if ! run "$bin/pg_ctl -D $base/data status" >/dev/null 2>&1; then
  run "$bin/pg_ctl -D $base/data -l $base/log -o \"-k $base -p $port -c listen_addresses=''\" -w start" >/dev/null
fi
echo "export PGHOST=$base PGPORT=$port PGUSER=postgres PGDATABASE=postgres"
