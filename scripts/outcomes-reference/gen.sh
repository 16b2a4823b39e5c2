#!/usr/bin/env bash
# Regenerates fixtures/outcomes-reference.json (and the extract
# fixtures/hmda_2018_controls_sample.csv) from NumPy, pandas, SciPy and
# statsmodels. Not needed to run the tests; the outputs are committed.
# VENV overrides the venv's place. Needs shared/data/hmda_2018_controls.csv
# (SHARED_DATA overrides the folder; default /work/shared/data).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
venv=${VENV:-$here/.venv}
[ -x "$venv/bin/python" ] || { python3 -m venv "$venv"; "$venv/bin/pip" install -q -r "$here/requirements.txt"; }
"$venv/bin/python" "$here/gen.py" "$here/../../fixtures/outcomes-reference.json"
echo "wrote fixtures/outcomes-reference.json and fixtures/hmda_2018_controls_sample.csv"
