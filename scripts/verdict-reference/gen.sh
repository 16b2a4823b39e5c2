#!/usr/bin/env bash
# Regenerates fixtures/verdict-reference.json (and fixtures/weighted_sample.csv)
# from statsmodels, SciPy, NumPy and AIF360. Not needed to run the tests; the
# outputs are committed. VENV overrides the venv's place.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
venv=${VENV:-$here/.venv}
[ -x "$venv/bin/python" ] || { python3 -m venv "$venv"; "$venv/bin/pip" install -q -r "$here/requirements.txt"; }
"$venv/bin/python" "$here/gen.py" "$here/../../fixtures/verdict-reference.json"
echo "wrote fixtures/verdict-reference.json and fixtures/weighted_sample.csv"
