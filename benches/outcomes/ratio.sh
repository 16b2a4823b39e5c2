#!/usr/bin/env bash
# The outcomes issue's ratio: a numeric outcome with three controls against
# the binary audit of the same file, whole processes in alternation (so that
# a slow moment of the machine hits both), medians of RUNS.
#
#   benches/outcomes/ratio.sh [FILE]      (FILE from benches/outcomes/gen.py)
#   env: RUNS (default 11), BIN (default target/release/fairaudit or $CARGO_TARGET_DIR's)
set -euo pipefail
FILE=${1:-benches/compare/data/outcomes_10m.parquet}
RUNS=${RUNS:-11}
BIN=${BIN:-${CARGO_TARGET_DIR:-target}/release/fairaudit}
BASE=(audit "$FILE" --attr race --attr sex --label y_true --prediction y_pred --bootstrap 0 --fail-on never)
declare -A CASES=(
  [binary]=""
  [value]="--value rate_spread"
  [controls]="--control ltv_band --control dti_band --control income_band"
  [both]="--value rate_spread --control ltv_band --control dti_band --control income_band"
)
ORDER=(binary value controls both)
out=$(mktemp)
for ((r = 0; r < RUNS; r++)); do
  for c in "${ORDER[@]}"; do
    # shellcheck disable=SC2086
    /usr/bin/time -f "$c %e %U %S %M" "$BIN" "${BASE[@]}" ${CASES[$c]} >/dev/null 2>>"$out"
  done
done
python3 - "$out" "${ORDER[@]}" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.split() and l.split()[0] in sys.argv[2:]]
by = {}
for c, wall, user, sys_, kb in rows:
    by.setdefault(c, []).append((float(wall), float(user) + float(sys_), int(kb)))
base = statistics.median(w for w, _, _ in by["binary"])
print(f"{'case':10} {'wall s':>7} {'cpu s':>7} {'peak MB':>8} {'x binary':>9}  (medians of {len(by['binary'])})")
for c in sys.argv[2:]:
    w = statistics.median(x[0] for x in by[c]); cpu = statistics.median(x[1] for x in by[c])
    mb = statistics.median(x[2] for x in by[c]) / 1024
    print(f"{c:10} {w:7.3f} {cpu:7.3f} {mb:8.0f} {w / base:9.2f}")
PY
rm -f "$out"
