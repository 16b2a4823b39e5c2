#!/usr/bin/env bash
# Regenerates fixtures/stats-reference.json from SciPy and statsmodels.
# Not needed to run the tests; the JSON is committed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
venv=${VENV:-$here/.venv}
[ -x "$venv/bin/python" ] || { python3 -m venv "$venv"; "$venv/bin/pip" install -q -r "$here/requirements.txt"; }
"$venv/bin/python" "$here/gen.py" > "$here/../../fixtures/stats-reference.json"
echo "wrote fixtures/stats-reference.json"
