#!/usr/bin/env bash
# The examination issue's ratio: `fairaudit data` on the three attributes and
# every other column (10 screened) against the plain audit of the same file,
# whole processes in alternation (so that a slow moment of the machine hits
# both), medians of RUNS.
#
#   benches/examine/ratio.sh [FILE]   (FILE from benches/examine/gen.py, or
#                                      that file written as CSV by polars)
#   env: RUNS (default 7), BIN (default target/release/fairaudit or $CARGO_TARGET_DIR's)
set -euo pipefail
FILE=${1:-benches/compare/data/examine_10m.parquet}
RUNS=${RUNS:-7}
BIN=${BIN:-${CARGO_TARGET_DIR:-target}/release/fairaudit}
ATTRS=(--attr sex --attr race --attr age_band)
out=$(mktemp)
dir=$(mktemp -d)
for ((r = 0; r < RUNS; r++)); do
  /usr/bin/time -f "audit %e %U %S %M" "$BIN" audit "$FILE" "${ATTRS[@]}" --fail-on never --out "$dir/a.json" >/dev/null 2>>"$out"
  /usr/bin/time -f "data %e %U %S %M" "$BIN" data "$FILE" "${ATTRS[@]}" --fail-on never --out "$dir/d.json" >/dev/null 2>>"$out"
done
python3 - "$out" <<'PY'
import statistics, sys
by = {}
for l in open(sys.argv[1]):
    f = l.split()
    if f and f[0] in ("audit", "data"):
        by.setdefault(f[0], []).append((float(f[1]), float(f[2]) + float(f[3]), int(f[4])))
base = statistics.median(w for w, _, _ in by["audit"])
print(f"{'run':6} {'wall s':>7} {'cpu s':>7} {'peak MB':>8} {'x audit':>8}  (medians of {len(by['audit'])})")
for c in ("audit", "data"):
    w = statistics.median(x[0] for x in by[c]); cpu = statistics.median(x[1] for x in by[c])
    mb = statistics.median(x[2] for x in by[c]) / 1024
    print(f"{c:6} {w:7.3f} {cpu:7.3f} {mb:8.0f} {w / base:8.2f}")
PY
rm -rf "$out" "$dir"
