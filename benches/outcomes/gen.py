#!/usr/bin/env python3
"""10M generated loan decisions with a numeric outcome and three banded controls,
for the timing of `--value` + `--control` against the binary audit
(docs/performance.md). Deterministic (seed 20261130).

    gen.py [ROWS] [OUT.parquet | OUT.csv]

A `.csv` OUT is written without quotes (as most exports are), the same rows.
"""
import sys

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000
out = sys.argv[2] if len(sys.argv) > 2 else "benches/compare/data/outcomes_10m.parquet"
rng = np.random.default_rng(20261130)
race = rng.choice(np.array(["white", "black", "hispanic", "asian", "other"]), n, p=[0.6, 0.15, 0.15, 0.07, 0.03])
sex = rng.choice(np.array(["male", "female"]), n)
bands = np.array(["q1", "q2", "q3", "q4", "q5"])
ltv, dti, inc = (rng.integers(0, 5, n) for _ in range(3))
logit = -0.5 + 0.3 * inc - 0.25 * ltv - 0.2 * dti - 0.4 * (race == "black")
y_pred = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(np.int8)
y_true = (rng.random(n) < 0.6).astype(np.int8)
rate_spread = np.round(1.5 + 0.2 * ltv + 0.15 * dti - 0.1 * inc + 0.1 * (race == "black") + rng.normal(0, 0.5, n), 3)
t = pa.table({
    "race": race, "sex": sex, "y_true": y_true, "y_pred": y_pred, "rate_spread": rate_spread,
    "ltv_band": bands[ltv], "dti_band": bands[dti], "income_band": bands[inc],
})
if out.endswith(".csv"):
    import pyarrow.csv as pc

    # pyarrow quotes the header's names whatever the style: plain names first.
    with open(out, "wb") as f:
        f.write((",".join(t.column_names) + "\n").encode())
        pc.write_csv(t, f, pc.WriteOptions(quoting_style="none", include_header=False))
else:
    pq.write_table(t, out)
print(f"wrote {n} rows to {out}")
