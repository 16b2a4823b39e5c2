"""Generates benches/compare/data/examine_10m.parquet: 10M decisions with three
protected attributes (sex, race, age_band), y_true / y_pred, and ten further
columns to screen (numeric and categorical, one planted proxy: zip3).

    python benches/examine/gen.py [ROWS]
"""
import sys
from pathlib import Path

import numpy as np
import polars as pl

n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000
rng = np.random.default_rng(20261130)
race = rng.choice(["white", "black", "hispanic", "asian", "other"], n, p=[0.55, 0.2, 0.15, 0.07, 0.03])
sex = rng.choice(["female", "male"], n)
age = rng.choice(["18-25", "26-40", "41-60", "60+"], n, p=[0.15, 0.4, 0.3, 0.15])
race_code = np.searchsorted(["asian", "black", "hispanic", "other", "white"], race)
own = rng.random(n) < 0.7
zip_num = np.where(own, race_code * 20 + rng.integers(0, 20, n), rng.integers(0, 100, n))
zip3 = np.char.zfill((zip_num * 7 + 11).astype(str), 3)
income = np.maximum(8000, rng.normal(50000 + 3000 * (race == "white"), 15000, n)).round()
dti = rng.beta(2, 5, n).round(3)
ltv = rng.uniform(0.3, 1.0, n).round(4)
amount = (rng.lognormal(12, 0.5, n)).round(-3)
tenure = rng.exponential(5, n).round(2)
channel = rng.choice(["web", "branch", "phone", "broker"], n, p=[0.5, 0.25, 0.15, 0.1])
branch = rng.integers(1, 51, n)
employment = rng.choice(["salaried", "self", "retired", "student", "none", "other"], n)
score = rng.random(n).round(4)
logit = -0.4 + (income - 50000) / 20000 - 2 * (dti - 0.3)
y_true = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(np.int8)
y_pred = np.where(rng.random(n) < 0.15, 1 - y_true, y_true).astype(np.int8)
df = pl.DataFrame({
    "sex": sex, "race": race, "age_band": age, "y_true": y_true, "y_pred": y_pred,
    "zip3": zip3, "income": income, "dti": dti, "ltv": ltv, "loan_amount": amount,
    "tenure": tenure, "channel": channel, "branch": branch, "employment": employment, "score": score,
})
out = Path(__file__).resolve().parents[1] / "compare" / "data" / f"examine_{n // 1_000_000}m.parquet"
df.write_parquet(out)
print(out, df.shape)
