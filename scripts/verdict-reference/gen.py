"""Reference values for fairaudit's verdict statistics.

Sections: Mantel-Haenszel (statsmodels StratifiedTable), ratio-of-proportions
intervals (Koopman / Miettinen-Nurminen score, Katz log), two-proportion tests
(z and Fisher), one-sided score tests against a threshold, a weighted bootstrap
of the demographic parity difference, AIF360's inequality indices on COMPAS, and
the exact expected calibration error with scores of exactly 1.

Every case names its inputs so the Rust tests can recompute it. Non-finite
numbers are written as the strings "inf", "-inf" and "nan".

Usage: gen.py OUT_JSON   (also writes fixtures/weighted_sample.csv)
Run through gen.sh, which makes the venv from requirements.txt.
"""
import csv
import json
import math
import os
import sys
import warnings
from decimal import Decimal

import numpy as np
import pandas as pd
import scipy
import statsmodels
from scipy import stats
from scipy.optimize import brentq
from scipy.stats import fisher_exact
from statsmodels.stats.contingency_tables import StratifiedTable
from statsmodels.stats.proportion import (
    confint_proportions_2indep, proportions_ztest, test_proportions_2indep)

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.normpath(os.path.join(HERE, "..", "..", "fixtures"))


# ----------------------------------------------------------------- helpers
def clean(x):
    """JSON-safe copy: numpy scalars/arrays to Python, inf/nan to strings."""
    if isinstance(x, dict):
        return {str(k): clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [clean(v) for v in x]
    if isinstance(x, np.ndarray):
        return [clean(v) for v in x.tolist()]
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        x = float(x)
        if math.isnan(x):
            return "nan"
        if math.isinf(x):
            return "inf" if x > 0 else "-inf"
        return x
    if isinstance(x, complex):
        return clean(x.real) if x.imag == 0 else str(x)
    return x


def run(fn, *args, **kw):
    """(value, error, warnings): the call's result, or the exception it raised,
    plus the text of any warnings it emitted (divide by zero etc.)."""
    with warnings.catch_warnings(record=True) as ws:
        warnings.simplefilter("always")
        with np.errstate(all="warn"):
            try:
                val, err = fn(*args, **kw), None
            except Exception as e:  # recorded, not fatal
                val, err = None, f"{type(e).__name__}: {e}"
    return val, err, sorted({str(w.message) for w in ws})


def with_diag(d, err, ws):
    if err:
        d["error"] = err
    if ws:
        d["warnings"] = ws
    return d


# Score-test inversion, independent of statsmodels' closed forms: the bounds
# are where the two-sided score test_proportions_2indep p-value equals alpha
# (brentq between grid points walking away from the estimate). Used to check
# Koopman's cubic (which statsmodels solves in closed form) and to get diff
# score intervals where statsmodels' own bracketing fails.
GRID = np.concatenate([[1e-9, 1e-7, 1e-5, 1e-4, 1e-3], np.linspace(0.005, 1, 200)])


def score_pvalue(x1, n1, x2, n2, value, compare, corr):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with np.errstate(all="ignore"):
            return float(test_proportions_2indep(x1, n1, x2, n2, value=value, compare=compare, method="score",
                                                 correction=corr, alternative="two-sided").pvalue)


def _search(f, point, bound):
    """Root of f along point(t), t in GRID (point(0) = estimate, point(1) ~ the
    domain's bound); bound if f stays positive; nan if f turns nan first."""
    prev, saw_nan = None, False
    for t in GRID:
        v = point(t)
        fv = f(v)
        if not np.isfinite(fv):
            saw_nan = True
            continue
        if fv < 0:
            if prev is None:
                return float("nan")
            return brentq(f, prev, v, xtol=1e-15, rtol=1e-15, maxiter=200)
        prev = v
    return float("nan") if saw_nan else bound


def invert_score(x1, n1, x2, n2, compare, alpha, corr):
    f = lambda v: score_pvalue(x1, n1, x2, n2, v, compare, corr) - alpha
    p1, p2 = x1 / n1, x2 / n2
    if compare == "diff":
        est = p1 - p2
        lo = -1.0 if est <= -1 else _search(f, lambda t: est - (est + 1) * t * (1 - 1e-12), -1.0)
        hi = 1.0 if est >= 1 else _search(f, lambda t: est + (1 - est) * t * (1 - 1e-12), 1.0)
        return [lo, hi]
    if x1 == 0 and x2 == 0:
        return [float("nan"), float("nan")]
    # ratio: walk over 60 e-folds on the log scale
    lo, hi = 0.0, float("inf")
    if x1 > 0:
        start = p1 / p2 if x2 > 0 else 1e12
        lo = _search(f, lambda t: start * math.exp(-60 * t), 0.0)
    if x2 > 0:
        start = p1 / p2 if x1 > 0 else 1e-12
        hi = _search(f, lambda t: start * math.exp(60 * t), float("inf"))
    return [lo, hi]


def agree(a, b, tol=1e-8):
    """both bounds equal within tol (relative, or absolute near 0); inf == inf."""
    if a is None or b is None:
        return False
    for u, v in zip(a, b):
        if math.isinf(u) or math.isinf(v) or math.isnan(u) or math.isnan(v):
            if not (u == v or (math.isnan(u) and math.isnan(v))):
                return False
        elif abs(u - v) > tol * max(1.0, abs(u), abs(v)):
            return False
    return True


out = {
    "generated_by": None,  # filled in at the end
    "conventions": {
        "non_finite": "inf / -inf / nan are written as the strings \"inf\", \"-inf\", \"nan\"",
        "tables": "2x2 table [[a, b], [c, d]]: a, b = group selected / not selected; c, d = reference selected / not",
        "proportions": "p1 = x1/n1 (the group), p2 = x2/n2 (the reference); ratio = p1/p2, diff = p1 - p2",
        "alpha": "significance level; the interval's coverage is 1 - alpha",
    },
}

# ----------------------------------------------------------------- 1. Mantel-Haenszel
# statsmodels StratifiedTable: oddsratio_pooled = sum(ad/n) / sum(bc/n);
# logodds_pooled_se is the Robins-Breslow-Greenland (1986) variance (its
# docstring cites "J. Robins, N. Breslow, S. Greenland. Estimators of the
# Mantel-Haenszel Variance Consistent in Both Sparse Data and Large-Strata
# Limiting Models. Biometrics 42 (1986)"); oddsratio_pooled_confint(method=
# "normal") is exp(log OR -/+ z * RBG se), z = norm.ppf(1 - alpha/2).
# test_null_odds: statistic = (|sum a - sum E[a]| - 0.5*corr)^2 / sum Var[a],
# with E[a] = (a+b)(a+c)/n and Var[a] = (a+b)(c+d)(a+c)(b+d) / (n^2 (n-1));
# p = 1 - chi2.cdf(statistic, 1).
MH_SOURCE_LINES = [
    "statistic = np.sum(self.table[0, 0, :] - self._apb * self._apc / self._n)",
    "statistic = np.abs(statistic)",
    "if correction:",
    "    statistic -= 0.5",
    "statistic = statistic**2",
    "pvalue = 1 - stats.chi2.cdf(statistic, 1)",
]


def check_quote():
    """The quoted lines must be in the installed statsmodels source."""
    import statsmodels.stats.contingency_tables as ct
    src = open(ct.__file__).read()
    return all(line.strip() in src for line in MH_SOURCE_LINES)


mh_cases = [
    ("three_strata_weak", [[[3, 2], [4, 3]], [[5, 5], [6, 4]], [[10, 10], [15, 15]]]),
    ("strong_association", [[[20, 5], [5, 20]], [[15, 3], [4, 18]], [[30, 10], [8, 25]]]),
    ("two_strata", [[[12, 8], [10, 10]], [[7, 13], [9, 11]]]),
    ("zero_cell_stratum", [[[0, 10], [5, 5]], [[6, 4], [3, 7]], [[8, 12], [10, 10]]]),
    ("moderate_large", [[[120, 80], [90, 110]], [[60, 140], [45, 155]]]),
]
mh = {
    "zero_cells": ("StratifiedTable(tables) with the default shift_zeros=False adds nothing: a stratum with a zero "
                   "cell just contributes ad/n = 0 or bc/n = 0 to the sums"),
    "statsmodels_continuity_correction": {
        "clamped_at_zero": False,
        "note": ("statsmodels subtracts 0.5 from |sum(a) - sum(E[a])| and squares the result without "
                 "clamping at 0, so when |sum(a) - sum(E[a])| < 0.5 the corrected statistic is "
                 "(0.5 - |D|)^2 / V > 0 (not 0), and it can exceed the uncorrected one. The p-value is "
                 "1 - chi2.cdf(statistic, 1) (not sf), so it loses precision below ~1e-16. "
                 "'statistic_clamped' / 'pvalue_clamped_sf' give max(|D| - 0.5, 0)^2 / V and chi2.sf for comparison."),
        "source_lines": MH_SOURCE_LINES,
        "source": "statsmodels/stats/contingency_tables.py, StratifiedTable.test_null_odds",
        "quote_verified_in_installed_source": check_quote(),
        "confint_method": "Robins-Breslow-Greenland variance of log pooled OR, normal approximation (method='normal')",
    },
    "cases": [],
}
for name, tables in mh_cases:
    st = StratifiedTable([np.array(t, dtype=float) for t in tables])
    t = np.asarray(tables, dtype=float)
    a, b, c, d = t[:, 0, 0], t[:, 0, 1], t[:, 1, 0], t[:, 1, 1]
    n = a + b + c + d
    sum_a = a.sum()
    sum_e = ((a + b) * (a + c) / n).sum()
    var = ((a + b) * (c + d) * (a + c) * (b + d) / (n * n * (n - 1))).sum()
    case = {"name": name, "tables": tables,
            "oddsratio_pooled": st.oddsratio_pooled,
            "logodds_pooled": st.logodds_pooled,
            "logodds_pooled_se": st.logodds_pooled_se,
            "oddsratio_pooled_confint_alpha_0.05": list(st.oddsratio_pooled_confint(alpha=0.05)),
            "oddsratio_pooled_confint_alpha_0.10": list(st.oddsratio_pooled_confint(alpha=0.10))}
    for corr in (True, False):
        r = st.test_null_odds(correction=corr)
        case["test_null_odds_correction_" + str(corr).lower()] = {"statistic": r.statistic, "pvalue": r.pvalue}
    clamped = max(abs(sum_a - sum_e) - 0.5, 0.0) ** 2 / var
    case["components"] = {"sum_a": sum_a, "sum_expected_a": sum_e, "sum_var_a": var,
                          "statistic_clamped": clamped, "pvalue_clamped_sf": stats.chi2.sf(clamped, 1)}
    mh["cases"].append(case)
out["mantel_haenszel"] = mh

# ----------------------------------------------------------------- 2. ratio intervals
# Which reference each score method follows, from statsmodels' docstrings:
#   _confint_riskratio_koopman: "Score confidence interval for ratio or
#     proportions, Koopman/Nam" ... "When correction is True, then the small
#     sample correction nobs / (nobs - 1) by Miettinen/Nurminen is used."
#     (closed form: roots of the cubic of Nam 1995, "equ 6" / "equ 5")
#   confint_proportions_2indep, parameter correction: "If correction is True
#     (default), then the Miettinen and Nurminen small sample correction to the
#     variance nobs / (nobs - 1) is used. Applies only if method='score'."
#   References: "[2] Koopman, P. A. R. 1984. Confidence Intervals for the Ratio
#     of Two Binomial Proportions. Biometrics 40 (2): 513-17." and "[3]
#     Miettinen, Olli, and Markku Nurminen. Comparative analysis of two rates.
#     Statistics in medicine 4, no. 2 (1985): 213-226."
# Found here (see 'statsmodels_behaviour' in the JSON): the closed-form Koopman
# lower bound is wrong when x1 == n1 (it returns a spurious root, e.g. 1.15625 =
# N/(x1+x2) for (12,12,20,25) where the score test puts it at 0.9286), so each
# score case also carries the numerical inversion of the score test.
# 'log' is Katz: exp(log(p1/p2) -/+ z sqrt(1/x1 - 1/n1 + 1/x2 - 1/n2));
# 'log-adjusted' adds 0.5 to every count AND to every nobs (x+0.5, n+0.5).
RATIO_SOURCE_DOC = [
    "Score confidence interval for ratio or proportions, Koopman/Nam",
    "When correction is True, then the small sample correction nobs / (nobs - 1)",
    "by Miettinen/Nurminen is used.",
]
ratio_methods = [
    ("koopman", "score", False),
    ("miettinen_nurminen", "score", True),
    ("katz_log", "log", None),
    ("log_adjusted", "log-adjusted", None),
]
ratio_cases = [(0, 50, 30, 60), (60, 60, 100, 100), (5, 40, 12, 45), (231, 310, 538, 690),
               (1, 3, 40, 41), (30, 100, 0, 50), (12, 12, 20, 25), (0, 20, 0, 30),
               (40, 100, 60, 100), (3, 7, 1, 9)]
ratio = {
    "function": "statsmodels.stats.proportion.confint_proportions_2indep(x1, n1, x2, n2, method, compare='ratio', alpha, correction)",
    "statsmodels_docstring": RATIO_SOURCE_DOC,
    "names": {"koopman": "method='score', correction=False (Koopman 1984, via Nam's cubic)",
              "miettinen_nurminen": "method='score', correction=True (variance times N/(N-1), N = n1+n2)",
              "katz_log": "method='log'", "log_adjusted": "method='log-adjusted' (x+0.5, n+0.5)"},
    "score_test_inversion": ("for score methods: the same interval found by inverting the two-sided score test "
                             "numerically (brentq), independent of statsmodels' closed-form cubic; "
                             "'closed_form_agrees_with_inversion' compares the two (rel. tol 1e-8)"),
    "statsmodels_behaviour": [
        "x1 = 0: score lower bound comes out as +/-1e-14 (a root of the cubic), i.e. 0 up to rounding; it can be slightly negative",
        "x2 = 0 (x1 > 0): score methods return [lower, inf] (numpy warns 'divide by zero'); 'log' raises ZeroDivisionError (Python division); 'log-adjusted' is finite",
        "x1 = x2 = 0: score methods return [nan, nan] ('invalid value' warning); 'log' raises ZeroDivisionError; 'log-adjusted' is finite",
        "x1 = n1: the closed-form Koopman/MN lower bound is WRONG: a spurious root (1.0000000165 for (60,60,100,100), 1.15625 for (12,12,20,25)) at which the score test p-value is nan or ~0.34, not alpha; the upper bound is right. 'score_test_inversion' gives the score interval (0.9398 and 0.9286 at alpha 0.05)",
        "x1 = n1 and x2 = n2: 'log' and 'log-adjusted' give [1, 1] (zero variance)",
    ],
    "pvalue_at_bounds": ("for score methods: the two-sided test_proportions_2indep(method='score', compare='ratio', "
                         "same correction) p-value at each finite positive bound; equals alpha when the closed-form "
                         "cubic and score-test inversion agree"),
    "cases": [],
}
for x1, n1, x2, n2 in ratio_cases:
    for alpha in (0.05, 0.10):
        for name, method, corr in ratio_methods:
            kw = dict(method=method, compare="ratio", alpha=alpha)
            if corr is not None:
                kw["correction"] = corr
            ci, err, ws = run(confint_proportions_2indep, x1, n1, x2, n2, **kw)
            case = {"x1": x1, "n1": n1, "x2": x2, "n2": n2, "alpha": alpha, "name": name,
                    "method": method, "correction": corr,
                    "ci": None if ci is None else [float(np.real(ci[0])), float(np.real(ci[1]))]}
            if method == "score" and ci is not None:
                pv = []
                for bnd in case["ci"]:
                    if np.isfinite(bnd) and bnd > 0:
                        r = run(test_proportions_2indep, x1, n1, x2, n2, value=bnd, compare="ratio",
                                method="score", correction=corr, alternative="two-sided")[0]
                        pv.append(None if r is None else float(r.pvalue))
                    else:
                        pv.append(None)
                case["pvalue_at_bounds"] = pv
                case["score_test_inversion"] = invert_score(x1, n1, x2, n2, "ratio", alpha, corr)
                case["closed_form_agrees_with_inversion"] = agree(case["ci"], case["score_test_inversion"])
            ratio["cases"].append(with_diag(case, err, ws))
out["ratio_ci"] = ratio

# ----------------------------------------------------------------- 3. equality tests
# proportions_ztest([x1,x2],[n1,n2]): pooled-variance two-sided z test.
# fisher_exact([[x1, n1-x1], [x2, n2-x2]]): two-sided (sum of tables no more likely).
diff_pairs = [(231, 310, 538, 690), (5, 40, 12, 45), (0, 25, 7, 30), (3, 7, 1, 9),
              (12, 12, 20, 25), (1, 3, 40, 41), (50, 120, 80, 130), (400, 1000, 430, 1000),
              (2, 5, 3, 6), (0, 10, 0, 12)]
dt = {"ztest": "statsmodels proportions_ztest([x1, x2], [n1, n2]) (value=None, two-sided, pooled variance)",
      "fisher": "scipy.stats.fisher_exact([[x1, n1-x1], [x2, n2-x2]]) two-sided", "cases": []}
for x1, n1, x2, n2 in diff_pairs:
    z, err, ws = run(proportions_ztest, [x1, x2], [n1, n2])
    f, err2, ws2 = run(fisher_exact, [[x1, n1 - x1], [x2, n2 - x2]])
    case = {"x1": x1, "n1": n1, "x2": x2, "n2": n2,
            "ztest": None if z is None else {"statistic": float(z[0]), "pvalue": float(z[1])},
            "fisher": None if f is None else {"oddsratio": float(f.statistic), "pvalue": float(f.pvalue)}}
    dt["cases"].append(with_diag(case, err or err2, sorted(set(ws) | set(ws2))))
out["diff_tests"] = dt

# ----------------------------------------------------------------- 4. one-sided tests
# H0: p1/p2 >= r0 vs H1: p1/p2 < r0 -> alternative='smaller' (value=r0).
# Score statistic (Miettinen-Nurminen): z = (p1 - r0 p2) / sqrt(V~), V~ from the
# constrained MLE under p1 = r0 p2, times N/(N-1) if correction. statsmodels'
# default is correction=True; both are recorded. 'ci_two_sided_alpha_0.10' holds
# the two-sided score interval at alpha 0.10 with the same correction, from
# statsmodels (or its error: its diff bracketing fails on some inputs) and by
# numerical inversion: p(smaller) < 0.05 exactly when the upper bound < value,
# p(larger) < 0.05 exactly when the lower bound > value ('decision_matches_interval').
one_ratio_cases = [(40, 100, 60, 100), (70, 100, 80, 100), (5, 40, 12, 45), (231, 310, 538, 690),
                   (30, 60, 50, 60), (0, 50, 30, 60), (45, 100, 50, 100)]
one_diff_cases = [(40, 100, 60, 100), (70, 100, 80, 100), (5, 40, 12, 45), (231, 310, 538, 690),
                  (30, 60, 50, 60), (45, 100, 50, 100)]
ost = {"function": "statsmodels test_proportions_2indep(x1, n1, x2, n2, value, compare, method='score', alternative, correction)",
       "ratio": [], "diff": []}


def score_ci(x1, n1, x2, n2, compare, corr, alpha=0.10):
    """statsmodels' two-sided score interval (or its error) and the numerical inversion."""
    ci, err, _ = run(confint_proportions_2indep, x1, n1, x2, n2, method="score",
                     compare=compare, alpha=alpha, correction=corr)
    d = {"statsmodels": None if ci is None else [float(np.real(ci[0])), float(np.real(ci[1]))],
         "score_test_inversion": invert_score(x1, n1, x2, n2, compare, alpha, corr)}
    if err:
        d["statsmodels_error"] = err
    return d


def matches(case):
    """one-sided p < 0.05 agrees with the 90% two-sided interval excluding the value"""
    lo, hi = case["ci_two_sided_alpha_0.10"]["score_test_inversion"]
    p = case["pvalue"]
    if p is None or not np.isfinite(p) or math.isnan(lo) or math.isnan(hi):
        return None
    side = hi < case["value"] if case["alternative"] == "smaller" else lo > case["value"]
    return bool((p < 0.05) == side)


for x1, n1, x2, n2 in one_ratio_cases:
    for r0 in (0.8, 0.9):
        for corr in (False, True):
            r, err, ws = run(test_proportions_2indep, x1, n1, x2, n2, value=r0, compare="ratio",
                             method="score", alternative="smaller", correction=corr)
            case = {"x1": x1, "n1": n1, "x2": x2, "n2": n2, "compare": "ratio", "value": r0,
                    "alternative": "smaller", "correction": corr,
                    "ratio": (x1 / n1) / (x2 / n2),
                    "statistic": None if r is None else float(r.statistic),
                    "pvalue": None if r is None else float(r.pvalue),
                    "ci_two_sided_alpha_0.10": score_ci(x1, n1, x2, n2, "ratio", corr)}
            case["decision_matches_interval"] = matches(case)
            ost["ratio"].append(with_diag(case, err, ws))
for x1, n1, x2, n2 in one_diff_cases:
    for d0 in (-0.1, 0.1):
        for alt in ("larger", "smaller"):
            for corr in (False, True):
                r, err, ws = run(test_proportions_2indep, x1, n1, x2, n2, value=d0, compare="diff",
                                 method="score", alternative=alt, correction=corr)
                case = {"x1": x1, "n1": n1, "x2": x2, "n2": n2, "compare": "diff", "value": d0,
                        "alternative": alt, "correction": corr, "diff": x1 / n1 - x2 / n2,
                        "statistic": None if r is None else float(r.statistic),
                        "pvalue": None if r is None else float(r.pvalue),
                        "ci_two_sided_alpha_0.10": score_ci(x1, n1, x2, n2, "diff", corr)}
                case["decision_matches_interval"] = matches(case)
                ost["diff"].append(with_diag(case, err, ws))
out["one_sided_threshold"] = ost

# ----------------------------------------------------------------- 5. weighted bootstrap
# Deterministic weighted sample: group a (n=400) selects ~0.55, group b (n=250)
# ~0.40; weights lognormal(0, 0.8), rounded to 6 decimals, independent of the
# cell so they vary a lot within each (group, y_true, y_pred) cell.
rng = np.random.default_rng(20261130)
rows = []
for g, n, base, tpr, fpr in [("a", 400, 0.50, 0.75, 0.35), ("b", 250, 0.45, 0.62, 0.22)]:
    y = (rng.random(n) < base).astype(int)
    yp = (rng.random(n) < np.where(y == 1, tpr, fpr)).astype(int)
    w = np.round(rng.lognormal(0.0, 0.8, n), 6)
    rows += [(g, int(a), int(b), f"{c:.6f}") for a, b, c in zip(y, yp, w)]
csv_path = os.path.join(FIXTURES, "weighted_sample.csv")
with open(csv_path, "w", newline="") as fh:
    wr = csv.writer(fh, lineterminator="\n")
    wr.writerow(["group", "y_true", "y_pred", "w"])
    wr.writerows(rows)
# Read back so every number below comes from exactly what the CSV holds.
with open(csv_path) as fh:
    rd = list(csv.DictReader(fh))
G = np.array([r["group"] == "b" for r in rd], dtype=int)  # 0 = a, 1 = b
YT = np.array([int(r["y_true"]) for r in rd])
YP = np.array([int(r["y_pred"]) for r in rd], dtype=float)
W = np.array([float(r["w"]) for r in rd])
N = len(rd)


def dp_diff(w, yp, g):
    """max - min over groups of sum(w*yhat)/sum(w); rows = axis -1."""
    ra = (w * yp * (g == 0)).sum(-1) / (w * (g == 0)).sum(-1)
    rb = (w * yp * (g == 1)).sum(-1) / (w * (g == 1)).sum(-1)
    return np.abs(ra - rb), ra, rb


point, ra, rb = dp_diff(W, YP, G)
# cell mean weight per (group, y_true, y_pred): what the defective bootstrap gives every row
cell = G * 4 + YT * 2 + YP.astype(int)
cell_mean = np.array([W[cell == k].mean() if (cell == k).any() else 0.0 for k in range(8)])
W_naive = cell_mean[cell]

R, SEED, CHUNK = 20000, 20261201, 2000
brng = np.random.default_rng(SEED)
rep_w, rep_naive = [], []
for _ in range(R // CHUNK):
    idx = brng.integers(0, N, size=(CHUNK, N))  # unstratified: all N rows resampled together
    rep_w.append(dp_diff(W[idx], YP[idx], G[idx])[0])
    rep_naive.append(dp_diff(W_naive[idx], YP[idx], G[idx])[0])
rep_w, rep_naive = np.concatenate(rep_w), np.concatenate(rep_naive)


def summ(v):
    lo, hi = np.percentile(v, [2.5, 97.5])  # numpy default 'linear' (type 7)
    return {"ci95": [lo, hi], "width": hi - lo, "mean": v.mean(), "sd": v.std(ddof=1)}


groups = {}
for k, name in enumerate(["a", "b"]):
    m = G == k
    w, yp = W[m], YP[m]
    r = (w * yp).sum() / w.sum()
    groups[name] = {
        "n": int(m.sum()), "sum_w": w.sum(), "sum_w2": (w * w).sum(),
        "kish_n_eff": w.sum() ** 2 / (w * w).sum(),
        "weighted_selection_rate": r, "unweighted_selection_rate": yp.mean(),
        # linearization variance of the ratio estimator sum(w y)/sum(w)
        "linearized_var": (w * w * (yp - r) ** 2).sum() / w.sum() ** 2,
        "cells": {f"y_true={t},y_pred={p}": {"rows": int((m & (YT == t) & (YP == p)).sum()),
                                             "sum_w": W[m & (YT == t) & (YP == p)].sum(),
                                             "mean_w": cell_mean[k * 4 + t * 2 + p]}
                  for t in (0, 1) for p in (0, 1)},
    }
wb = {
    "file": "fixtures/weighted_sample.csv",
    "data_seed": 20261130,
    "metric": "weighted demographic parity difference: max - min over groups of sum(w*y_pred)/sum(w)",
    "point_estimate": point,
    "groups": groups,
    "linearized_se_of_difference": math.sqrt(groups["a"]["linearized_var"] + groups["b"]["linearized_var"]),
    "bootstrap": {"replicates": R, "seed": SEED, "rng": "numpy default_rng (PCG64), integers(0, N, size=(2000, N)) in 10 chunks",
                  "resampling": "rows with replacement, all N rows together (not stratified by group)",
                  "percentile": "numpy.percentile default (linear interpolation, type 7), 2.5 and 97.5"},
    "row_weights": summ(rep_w),
    "cell_mean_weights": dict(summ(rep_naive), note=(
        "same resampled rows, but each carries the mean weight of its (group, y_true, y_pred) cell "
        "from the original sample (the defect being fixed)")),
}
wb["width_ratio_row_over_cell_mean"] = wb["row_weights"]["width"] / wb["cell_mean_weights"]["width"]
wb["note_width_ratio"] = (
    "with weights independent of the outcome, the cell-mean bootstrap loses only the within-cell weight "
    "variance, so its SD shrinks by about sqrt(Kish design effect) = sqrt(n / n_eff) (here ~1.38 and ~1.28), "
    "not 2x; a ~2x ratio would need a design effect near 4 (lognormal sigma ~1.18)")
for g in groups.values():
    g["kish_design_effect"] = g["n"] / g["kish_n_eff"]
out["weighted_bootstrap"] = wb

# ----------------------------------------------------------------- 6. inequality (AIF360)
df = pd.read_csv(os.path.join(FIXTURES, "compas_two_year.csv"))
races = sorted(df["race"].astype(str).unique())
code = {r: float(i) for i, r in enumerate(races)}
ineq = {"file": "fixtures/compas_two_year.csv", "attribute": "race", "privileged": "Caucasian",
        "unprivileged": [r for r in races if r != "Caucasian"], "rows": int(len(df)),
        "encoding": code, "results": []}
aif_error = None
try:
    import aif360
    from aif360.datasets import BinaryLabelDataset
    from aif360.metrics import ClassificationMetric
    aif_version = aif360.__version__
except Exception as e:  # fall back to the same formulas in numpy
    aif_error, aif_version = f"{type(e).__name__}: {e}", None


def ge_numpy(b, alpha):
    """AIF360's generalized_entropy_index formulas on a vector b."""
    mu = np.mean(b)
    if alpha == 1:
        return np.mean(np.log((b / mu) ** b) / mu)
    if alpha == 0:
        return -np.mean(np.log(b / mu) / mu)
    return np.mean((b / mu) ** alpha - 1) / (alpha * (alpha - 1))


for fav in (0, 1):
    yt = (df["y_true"].to_numpy() == fav).astype(float)
    yp = (df["y_pred"].to_numpy() == fav).astype(float)
    b = 1 + yp - yt
    race = df["race"].astype(str).to_numpy()
    # numpy versions, following aif360/metrics/classification_metric.py
    two = np.where(race == "Caucasian", 1, 0)
    b2 = np.array([b[two == k].mean() for k in (0, 1)])[two]
    ball = pd.Series(b).groupby(race).transform("mean").to_numpy()
    res = {"favorable_label": fav, "unfavorable_label": 1 - fav,
           "numpy": {"theil_index": ge_numpy(b, 1), "generalized_entropy_index_alpha_2": ge_numpy(b, 2),
                     "between_group_theil_index": ge_numpy(b2, 1),
                     "between_group_generalized_entropy_index_alpha_2": ge_numpy(b2, 2),
                     "between_all_groups_theil_index": ge_numpy(ball, 1),
                     "between_all_groups_generalized_entropy_index_alpha_2": ge_numpy(ball, 2)}}
    if aif_error is None:
        num = pd.DataFrame({"y": df["y_true"].astype(float), "race": df["race"].astype(str).map(code)})
        ds = BinaryLabelDataset(df=num, label_names=["y"], protected_attribute_names=["race"],
                                favorable_label=float(fav), unfavorable_label=float(1 - fav))
        dp = ds.copy(deepcopy=True)
        dp.labels = df["y_pred"].to_numpy(dtype=float).reshape(-1, 1)
        cm = ClassificationMetric(ds, dp, privileged_groups=[{"race": code["Caucasian"]}],
                                  unprivileged_groups=[{"race": code[r]} for r in races if r != "Caucasian"])
        res["aif360"] = {
            "theil_index": cm.theil_index(),
            "generalized_entropy_index_alpha_2": cm.generalized_entropy_index(alpha=2),
            "between_group_theil_index": cm.between_group_theil_index(),
            "between_group_generalized_entropy_index_alpha_2": cm.between_group_generalized_entropy_index(alpha=2),
            "between_all_groups_theil_index": cm.between_all_groups_theil_index(),
            "between_all_groups_generalized_entropy_index_alpha_2": cm.between_all_groups_generalized_entropy_index(alpha=2),
        }
        res["max_abs_diff_numpy_vs_aif360"] = max(abs(res["aif360"][k] - res["numpy"][k]) for k in res["aif360"])
    ineq["results"].append(res)
ineq["notes"] = [
    "b = 1 + [y_pred == favorable] - [y_true == favorable]; unweighted (AIF360 ignores instance weights here)",
    "between_group_*: AIF360 ClassificationMetric.between_group_*, two groups: privileged (Caucasian) vs all "
    "unprivileged races pooled; each row's b replaced by its group's mean b",
    "between_all_groups_*: AIF360 between_all_groups_*, every race its own group (6 groups)",
]
if aif_error:
    ineq["aif360_error"] = aif_error
out["inequality"] = ineq

# ----------------------------------------------------------------- 7. calibration
# 10 equal-width bins [0,0.1), ..., [0.8,0.9), [0.9,1.0] (last closed). A score's
# bin is taken from its decimal value (Decimal(repr(s)) * 10), so 0.3 -> bin 3
# even though 0.3*10 is not exactly 3 in binary. ECE = sum over non-empty bins of
# (n_bin / N) * |mean score - mean label|, with the exact mean score of the bin.
cal_cases = [
    ("brief", [1.0, 1.0, 0.95, 0.05], [1, 0, 1, 0]),
    ("all_ones", [1.0, 1.0, 1.0, 1.0], [1, 1, 0, 1]),
    ("edges", [0.0, 0.1, 0.3, 0.5, 0.7, 0.9, 1.0, 0.99, 0.45, 0.62], [0, 0, 1, 0, 1, 1, 1, 0, 1, 1]),
    ("mixed", [0.12, 0.18, 0.35, 0.41, 0.58, 0.66, 0.74, 0.88, 0.93, 1.0, 1.0, 0.07],
     [0, 1, 0, 1, 1, 0, 1, 1, 1, 1, 0, 0]),
]
cal = {"bins": 10, "edges": "[k/10, (k+1)/10) for k = 0..8, [0.9, 1.0] closed",
       "bin_rule": "min(floor(decimal value * 10), 9); for every score here this equals min(floor(s * 10.0), 9) in f64",
       "ece": "sum over non-empty bins of n_bin / N * |exact mean score - mean label|", "cases": []}
for name, s, y in cal_cases:
    s_, y_ = np.array(s, dtype=float), np.array(y, dtype=float)
    bins = np.array([min(int(Decimal(repr(v)) * 10), 9) for v in s])
    table, ece = [], 0.0
    for k in range(10):
        m = bins == k
        nk = int(m.sum())
        if nk:
            ms, ml = s_[m].mean(), y_[m].mean()
            ece += nk / len(s) * abs(ms - ml)
            table.append({"bin": k, "n": nk, "mean_score": ms, "mean_label": ml, "gap": abs(ms - ml)})
        else:
            table.append({"bin": k, "n": 0, "mean_score": None, "mean_label": None, "gap": None})
    assert all(min(int(math.floor(v * 10.0)), 9) == k for v, k in zip(s, bins))
    cal["cases"].append({"name": name, "scores": s, "labels": y, "bin_of_score": bins, "ece": ece, "per_bin": table})
out["calibration_exact_one"] = cal

# ----------------------------------------------------------------- done
parts = [f"python {sys.version.split()[0]}", f"numpy {np.__version__}", f"scipy {scipy.__version__}",
         f"statsmodels {statsmodels.__version__}", f"pandas {pd.__version__}"]
parts.append(f"aif360 {aif_version}" if aif_version else
             f"aif360 unavailable ({aif_error}); inequality from numpy following AIF360's source")
out["generated_by"] = "scripts/verdict-reference/gen.py with " + ", ".join(parts)

target = sys.argv[1] if len(sys.argv) > 1 else os.path.join(FIXTURES, "verdict-reference.json")
tmp = target + ".tmp"
with open(tmp, "w") as fh:
    json.dump(clean(out), fh, indent=1, allow_nan=False)
    fh.write("\n")
os.replace(tmp, target)
print(f"wrote {target} and {csv_path}", file=sys.stderr)
