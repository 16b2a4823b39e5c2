#!/usr/bin/env bash
# Regenerates fixtures/data-reference.json and the planted and extracted CSVs
# (proxy_planted, population_shares, population_bad, missing_planted,
# hmda_2018_extract, override_planted) from NumPy, pandas, SciPy and scikit-learn.
# Not needed to run the tests; the outputs are committed. VENV overrides the venv's place.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
venv=${VENV:-$here/.venv}
[ -x "$venv/bin/python" ] || { python3 -m venv "$venv"; "$venv/bin/pip" install -q -r "$here/requirements.txt"; }
"$venv/bin/python" "$here/gen.py" "$here/../../fixtures/data-reference.json"
echo "wrote fixtures/data-reference.json and the CSVs it lists under \"files\""
