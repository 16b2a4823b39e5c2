#!/usr/bin/env bash
# Time of `fairaudit audit` over 1, 2, 4 and 8 monthly partitions (1M rows
# each, Parquet), to show that time grows linearly with total rows.
#   benches/compare/many_files.sh [ROWS_PER_FILE]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
rows=${1:-1000000}
target=${CARGO_TARGET_DIR:-$root/target}
(cd "$root" && cargo build --release --bin fairaudit --example synth)
dir="$here/data/months"
mkdir -p "$dir"
for m in 1 2 3 4 5 6 7 8; do
  f="$dir/2026-0$m.parquet"
  [ -f "$f" ] || "$target/release/examples/synth" --rows "$rows" --seed "$m" --out "$f"
done
echo "| files | rows | wall s | peak MB |"
echo "|---|---|---|---|"
for k in 1 2 4 8; do
  files=$(ls "$dir"/2026-0[1-$k].parquet)
  /usr/bin/time -f "%e %M" -o /tmp/fa-many.time "$target/release/fairaudit" audit $files \
    --attr sex --attr race --attr age_band --intersect --format json --fail-on never > /dev/null
  read -r wall kb < /tmp/fa-many.time
  echo "| $k | $((k * rows)) | $wall | $((kb / 1024)) |"
done
