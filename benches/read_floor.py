#!/usr/bin/env python3
"""The read floor of a speed target stated as a ratio of two runs over one file:
the time Arrow C++ (pyarrow) takes only to decode the columns each run reads,
on two threads, text columns as dictionaries (as fairaudit's coded readers
read them), nothing computed. If reading the larger column set alone takes
more than the target's multiple of reading the smaller one, no reader on this
machine can meet the target by counting faster.

    read_floor.py FILE COLS_A COLS_B [RUNS]

COLS_* are comma-separated column names. The two sets are read in
alternation; medians of RUNS (default 11). Used in docs/performance.md:

    read_floor.py benches/compare/data/outcomes_10m.parquet \\
        race,sex,y_true,y_pred race,sex,y_true,y_pred,rate_spread,ltv_band,dti_band,income_band
    read_floor.py benches/compare/data/examine_10m.parquet \\
        sex,race,age_band,y_true,y_pred \\
        sex,race,age_band,y_true,y_pred,zip3,income,dti,ltv,loan_amount,tenure,channel,branch,employment,score
"""
import statistics
import sys
import time

import pyarrow as pa
import pyarrow.parquet as pq


def main() -> None:
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    path, sets = sys.argv[1], [s.split(",") for s in sys.argv[2:4]]
    runs = int(sys.argv[4]) if len(sys.argv) > 4 else 11
    pa.set_cpu_count(2)
    pa.set_io_thread_count(2)
    schema = pq.read_schema(path)
    text = [f.name for f in schema if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)]
    times: list[list[float]] = [[], []]
    for _ in range(runs):
        for i, cols in enumerate(sets):
            t = time.perf_counter()
            table = pq.read_table(path, columns=cols, use_threads=True, read_dictionary=text)
            times[i].append(time.perf_counter() - t)
            del table
    a, b = (statistics.median(t) for t in times)
    print(f"pyarrow {pa.__version__}, medians of {runs}, two threads")
    print(f"  {len(sets[0]):2} columns: {a:.3f} s")
    print(f"  {len(sets[1]):2} columns: {b:.3f} s  ({b / a:.2f}x)")


if __name__ == "__main__":
    main()
