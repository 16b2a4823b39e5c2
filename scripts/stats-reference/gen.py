"""Reference values for fairaudit's statistics, from SciPy and statsmodels.

Every case names its inputs and the function that produced the value, so the
Rust tests (tests/it/stats.rs) can recompute it with the library.
"""
import json
import numpy as np
import scipy
import statsmodels
from scipy.stats import fisher_exact, chi2_contingency
from statsmodels.stats.proportion import (
    proportion_confint, confint_proportions_2indep, proportions_ztest)
from statsmodels.stats.multitest import multipletests

out = {"generated_by": f"scipy {scipy.__version__}, statsmodels {statsmodels.__version__}",
       "rate_ci": [], "diff_ci": [], "ratio_ci": [], "ztest": [], "fisher": [],
       "chi2": [], "p_adjust": [], "ks_p": [], "t_quantile": [], "t_sf": []}

for level in (0.95, 0.90, 0.99):
    for x, n in [(0, 10), (1, 10), (5, 10), (10, 10), (37, 200), (999, 1000), (3, 7), (231, 310), (538, 690)]:
        for method in ("wilson", "beta"):
            lo, hi = proportion_confint(x, n, alpha=1 - level, method=method)
            out["rate_ci"].append({"x": x, "n": n, "level": level, "method": method, "ci": [lo, hi]})

pairs = [(231, 310, 538, 690), (5, 40, 12, 45), (0, 25, 7, 30), (12, 12, 20, 25),
         (174, 201, 526, 499 + 100), (1, 3, 40, 41), (30, 100, 0, 50)]
for level in (0.95, 0.90):
    for x1, n1, x2, n2 in pairs:
        lo, hi = confint_proportions_2indep(x1, n1, x2, n2, method="newcomb", compare="diff", alpha=1 - level)
        out["diff_ci"].append({"x1": x1, "n1": n1, "x2": x2, "n2": n2, "level": level, "ci": [lo, hi]})
        if x2 > 0:
            # Katz log; with a zero count fairaudit adds 0.5 (statsmodels' log-adjusted)
            m = "log" if x1 > 0 else "log-adjusted"
            lo, hi = confint_proportions_2indep(x1, n1, x2, n2, method=m, compare="ratio", alpha=1 - level)
            out["ratio_ci"].append({"x1": x1, "n1": n1, "x2": x2, "n2": n2, "level": level, "method": m, "ci": [lo, hi]})

for x1, n1, x2, n2 in [(231, 310, 538, 690), (50, 120, 80, 130), (400, 1000, 430, 1000), (3000, 5000, 2500, 5000)]:
    stat, p = proportions_ztest([x1, x2], [n1, n2])
    out["ztest"].append({"x1": x1, "n1": n1, "x2": x2, "n2": n2, "p": p})

for t in [[[1, 9], [11, 3]], [[3, 1], [1, 3]], [[0, 5], [12, 30]], [[2, 30], [40, 100]], [[7, 0], [3, 9]], [[10, 10], [10, 10]], [[2, 30], [1500, 2000]], [[6, 3], [1200, 700]], [[1, 31], [905, 1005]]]:
    out["fisher"].append({"table": t, "p": fisher_exact(t)[1]})

for t in [[[231, 79], [538, 152]], [[30, 10], [20, 25], [5, 40]], [[2176, 1520], [854, 1600], [8, 24], [190, 447], [12, 6], [79, 298]], [[10, 2], [3, 15]]]:
    r = chi2_contingency(t)
    out["chi2"].append({"table": t, "statistic": r.statistic, "df": int(r.dof), "p": r.pvalue})

ps = [0.001, 0.02, 0.03, 0.04, 0.2, 0.5, 0.011, 0.0004, 0.9, 0.049]
for m, name in [("holm", "holm"), ("fdr_bh", "bh"), ("fdr_by", "by")]:
    out["p_adjust"].append({"method": name, "p": ps, "adjusted": list(multipletests(ps, method=m)[1])})
ps2 = [0.5, 1e-8, 0.0301, 0.0299, 1.0, 0.2, 0.004]
for m, name in [("holm", "holm"), ("fdr_bh", "bh"), ("fdr_by", "by")]:
    out["p_adjust"].append({"method": name, "p": ps2, "adjusted": list(multipletests(ps2, method=m)[1])})

# The asymptotic two-sample Kolmogorov-Smirnov p-value with Stephens'
# correction (docs/metrics.md): Q_KS(lambda), lambda = (sqrt(en) + 0.12 + 0.11/sqrt(en)) D.
from scipy.special import kolmogorov
for d, en in [(0.0005, 1e6), (0.01, 2500.0), (0.03, 930.4), (0.05, 500.0), (0.1, 48.0),
              (0.2, 25.0), (0.3159, 932.4474176010873), (0.02, 10000.0), (0.5, 10.0), (0.004, 1e5)]:
    lam = (en ** 0.5 + 0.12 + 0.11 / en ** 0.5) * d
    out["ks_p"].append({"d": d, "en": en, "p": float(kolmogorov(lam))})

# Student's t quantile and upper tail (Welch and OLS intervals and tests),
# over the degrees of freedom of small samples to 10M-row files and beyond.
from scipy.stats import t as student_t
dfs = [1, 1.5, 2, 3, 4.7, 10, 29.5, 100, 999, 1001, 9999, 10001, 1e5, 9999997.666139498, 1e9]
for df in dfs:
    for p in (0.95, 0.975, 0.995, 0.9995, 0.025):
        out["t_quantile"].append({"df": df, "p": p, "q": float(student_t.ppf(p, df))})
    for t in (0.1, 0.9484319059906031, 1.96, 4.0, 12.0):
        out["t_sf"].append({"df": df, "t": t, "sf": float(student_t.sf(t, df))})
# Extreme levels at small df, and far tails at large df (where the
# expansions in 1/df lose digits).
for df, p in [(1.2195, 0.99999999999999), (1.2195, 0.999999999999995), (0.5, 0.99),
              (2.5, 1e-10), (1000, 0.9999999999995), (999.5, 0.9999999), (1198, 1e-12), (1000, 0.999), (1000, 0.9995), (1e4, 1e-23),
              (996.0215789808924, 0.9), (998, 0.8), (200, 0.9), (200, 0.95), (300, 0.95), (500, 0.975),
              (101, 0.8), (150, 0.9), (99, 0.9),
              (1e5, 0.9999999999999), (1e7, 1e-15)]:
    out["t_quantile"].append({"df": df, "p": p, "q": float(student_t.ppf(p, df))})
for df, t in [(1000, 20.0), (1198, 36.15), (1e4, 3.2), (1e4, 3.1), (1e5, 10.0), (1e5, 40.0),
              (1e7, 30.0), (1e7, 100.0), (1e9, 1000.0), (1.2195, 1e6), (3, 1e-8),
              (1e4, 9.99), (1e4, 10.01), (1e7, 316.0), (1e7, 317.0), (1e9, 3162.0),
              (1000, 7.0), (1000, 7.1), (1e4, 22.0), (1e5, 70.0), (50, 1e-6), (500, -0.3),
              (996.0215789808924, 1.65), (998, 1.3), (500, 1.65), (300, 3.0), (200, 1.65), (200, 3.1),
              (200, 4.5), (250, 2.0), (150, 1.0), (150, 1.65), (199, 1.65), (99, 1.65), (101, 2.2)]:
    out["t_sf"].append({"df": df, "t": t, "sf": float(student_t.sf(t, df))})

print(json.dumps(out, indent=1))
