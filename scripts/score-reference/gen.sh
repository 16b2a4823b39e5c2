#!/usr/bin/env bash
# Regenerates fixtures/score-reference.json from scikit-learn and statsmodels.
# Not needed to run the tests; the JSON is committed. VENV overrides the venv.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
venv=${VENV:-$here/.venv}
[ -x "$venv/bin/python" ] || { python3 -m venv "$venv"; "$venv/bin/pip" install -q -r "$here/requirements.txt"; }
"$venv/bin/python" "$here/gen.py" > "$here/../../fixtures/score-reference.json"
echo "wrote fixtures/score-reference.json"
