#!/usr/bin/env bash
# fairaudit's full audit against DuckDB's bare GROUP BY (issue #20), in one run:
#   benches/compare/bar.sh                       # 10M and 100M rows, Parquet and CSV, 5 runs
#   ROWS="10000000" RUNS=7 THREADS=1 benches/compare/bar.sh
#   PEERS="aequitas aif360 fairlearn" benches/compare/bar.sh   # the peers beside them
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
venv=${DUCKDB_VENV:-$here/.venv-duckdb}
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "duckdb>=1.1"
fi
peer_args=()
if [ -n "${PEERS:-}" ]; then
  pvenv=${VENV:-$here/.venv}
  if [ ! -x "$pvenv/bin/python" ]; then
    python3 -m venv "$pvenv"
    "$pvenv/bin/pip" install -q -r "$here/requirements.txt"
  fi
  peer_args=(--peer-python "$pvenv/bin/python" --peers $PEERS --peer-timeout "${PEER_TIMEOUT:-900}")
fi
target=${CARGO_TARGET_DIR:-$root/target}
(cd "$root" && cargo build --release --bin fairaudit --example synth)
exec python3 "$here/bar.py" --fairaudit "$target/release/fairaudit" \
  --duckdb-python "$venv/bin/python" --rows ${ROWS:-10000000 100000000} \
  --runs "${RUNS:-5}" --threads "${THREADS:-0}" --json "$here/bar-results.json" \
  --formats ${FORMATS:-parquet csv} "${peer_args[@]}"
