#!/usr/bin/env bash
# Side-by-side comparison of fairaudit with Fairlearn, AIF360 and Aequitas on
# the same generated files, plus the polars read floor. See README.md here.
#   ROWS="1000000 10000000" TOOLS="fairlearn aif360 aequitas" benches/compare/run.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
venv=${VENV:-$here/.venv}
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q -r "$here/requirements.txt"
fi
(cd "$root" && cargo build --release --bin fairaudit --example synth --example floor)
exec python3 "$here/compare.py" --root "$root" --peer-python "$venv/bin/python" "$@"
