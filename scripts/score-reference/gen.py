"""Reference values for fairaudit's score metrics and conditional parity:
scikit-learn's roc_auc_score and brier_score_loss per group on the bundled
German credit and COMPAS data, and statsmodels' Mantel-Haenszel results.
Run with a venv holding scikit-learn, pandas, statsmodels (e.g. the peers venv):
    python scripts/score-reference/gen.py > fixtures/score-reference.json
"""
import json
import os
import sys

import numpy as np
import pandas as pd
import sklearn
import statsmodels
from sklearn.metrics import brier_score_loss, roc_auc_score
from statsmodels.stats.contingency_tables import StratifiedTable

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "fixtures")
out = {"generated_by": f"scikit-learn {sklearn.__version__}, statsmodels {statsmodels.__version__}, numpy {np.__version__}, pandas {pd.__version__}", "auc": [], "mantel_haenszel": []}

for name, attr in [("german_credit.csv", "sex"), ("german_credit.csv", "age_group"), ("compas_two_year.csv", "race"), ("compas_two_year.csv", "sex")]:
    df = pd.read_csv(os.path.join(root, name))
    for g, d in df.groupby(attr):
        y, s = d["y_true"].values, d["score"].values
        if len(set(y)) < 2:
            continue
        out["auc"].append({"file": name, "attribute": attr, "group": str(g), "auc": roc_auc_score(y, s),
                           "brier": brier_score_loss(y, s), "n": int(len(d)),
                           "mean_score_positive": float(s[y == 1].mean()), "mean_score_negative": float(s[y == 0].mean())})
    y, s = df["y_true"].values, df["score"].values
    out["auc"].append({"file": name, "attribute": None, "group": None, "auc": roc_auc_score(y, s), "brier": brier_score_loss(y, s), "n": int(len(df))})

# Conditional parity on German credit: sex, stratified by age_band; female vs male.
df = pd.read_csv(os.path.join(root, "german_credit.csv"))
tables = []
for band, d in df.groupby("age_band"):
    f = d[d.sex == "female"]
    m = d[d.sex == "male"]
    tables.append(np.array([[f.y_pred.sum(), len(f) - f.y_pred.sum()], [m.y_pred.sum(), len(m) - m.y_pred.sum()]], dtype=float))
st = StratifiedTable(tables)
t = st.test_null_odds(correction=True)
out["mantel_haenszel"].append({"file": "german_credit.csv", "attribute": "sex", "stratify": "age_band", "group": "female", "reference": "male",
                                "odds_ratio": st.oddsratio_pooled, "statistic": t.statistic, "p_value": t.pvalue})
json.dump(out, sys.stdout, indent=1)
print()
