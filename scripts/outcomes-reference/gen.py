"""Reference values for fairaudit's outcome analyses beyond a binary decision.

Sections (see the JSON's "conventions" and each case's "inputs"):

  multiclass  COMPAS decile score mapped to ProPublica's three risk levels
              (Low / Medium / High): level counts and rates per race, the
              chi-square test race x level, Goodman simultaneous intervals and
              Bonferroni-Wilson intervals, the favourable (Low) rate and its
              impact ratio, error rates against two-year recidivism and the
              per-race confusion matrix y_true x level.
  numeric     HMDA: a numeric outcome (the model score) per race: descriptive
              statistics, Welch t-test and interval, Cohen's d, two-sample KS;
              and a regression case (truth = standardized loan amount,
              prediction = truth + seeded noise): MAE, RMSE, mean signed error,
              bounded group loss.
  controlled  HMDA with its legitimate credit factors: raw and adjusted odds
              ratios (Binomial GLM on rows and on grouped cells), the
              likelihood-ratio test of the race term, the share of the raw gap
              explained, and an OLS of the score with the same controls.

Inputs: fixtures/compas_two_year.csv (already a fixture) and an extract of
shared/data/hmda_2018_controls.csv (17 MB) that this script writes to
fixtures/hmda_2018_controls_sample.csv: 15,000 source lines copied verbatim,
chosen by numpy default_rng(20261130).choice without replacement, kept in file
order, plus one appended column `loan_amount_pred` (see REGRESSION below). All
HMDA reference values are computed on that extract *as read back from disk*,
so the Rust side can recompute them from the fixture alone.

Non-finite numbers are written as the strings "inf", "-inf" and "nan".

Usage: gen.py OUT_JSON   (also writes fixtures/hmda_2018_controls_sample.csv)
Run through gen.sh, which makes the venv from requirements.txt.
"""
import json
import math
import os
import sys
import warnings

import numpy as np
import pandas as pd
import scipy
import statsmodels
import statsmodels.api as sm
import statsmodels.formula.api as smf
from scipy import special, stats
from statsmodels.stats.proportion import multinomial_proportions_confint, proportion_confint

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.normpath(os.path.join(HERE, "..", "..", "fixtures"))
SHARED_DATA = os.environ.get("SHARED_DATA", "/work/shared/data")

COMPAS_FILE = "fixtures/compas_two_year.csv"
HMDA_SOURCE = "shared/data/hmda_2018_controls.csv"
HMDA_FILE = "fixtures/hmda_2018_controls_sample.csv"
HMDA_ROWS = 15_000          # extract size (keeps the file under 2 MB)
HMDA_SEED = 20261130        # numpy default_rng seed choosing the extract's lines
NOISE_SEED = 7              # numpy default_rng seed of the regression noise
NOISE_SD = 0.5              # sd of the regression noise (loan_amount_std has sd ~1)
Z975 = float(stats.norm.ppf(0.975))


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
    return x


def caught(fn, *args, **kw):
    """(value, sorted warning texts): runs fn recording warnings instead of printing them."""
    with warnings.catch_warnings(record=True) as ws:
        warnings.simplefilter("always")
        val = fn(*args, **kw)
    return val, sorted({f"{w.category.__name__}: {w.message}" for w in ws})


out = {
    "generated_by": None,  # filled in at the end
    "conventions": {
        "non_finite": "inf / -inf / nan are written as the strings \"inf\", \"-inf\", \"nan\"",
        "files": "paths are relative to the repository root; every case has an `inputs` block naming "
                 "file, columns, filters, group column, reference group and bands",
        "groups": "groups are listed in lexicographic (byte) order of their label",
        "differences": "group minus reference; ratios group / reference",
        "intervals": "[lower, upper]",
    },
}

# =================================================================== 1. multiclass
# COMPAS: ProPublica's mapping of decile_score to a three-level risk label.
compas = pd.read_csv(os.path.join(FIXTURES, "compas_two_year.csv"))
assert compas["decile_score"].between(1, 10).all()
LEVELS = ["Low", "Medium", "High"]
compas["risk_level"] = pd.cut(compas["decile_score"], bins=[0, 4, 7, 10], labels=LEVELS).astype(str)
races = sorted(compas["race"].unique())
REF_COMPAS = "Caucasian"

mc = {
    "inputs": {
        "file": COMPAS_FILE,
        "filter": "none: all 7,214 rows (propublica_filter is ignored)",
        "group_column": "race",
        "derived_column": {"risk_level": "decile_score 1-4 -> Low, 5-7 -> Medium, 8-10 -> High"},
        "levels": LEVELS,
        "truth_column": "y_true (1 = reoffended within two years)",
        "favourable_level": "Low",
        "reference_group": REF_COMPAS,
    },
    "groups": {},
}

# --- counts and rates per group (and overall)
table = []
for g in races + ["(all)"]:
    sub = compas if g == "(all)" else compas[compas["race"] == g]
    n = len(sub)
    counts = [int((sub["risk_level"] == L).sum()) for L in LEVELS]
    if g != "(all)":
        table.append(counts)
    entry = {"n": n, "levels": {L: {"count": c, "rate": c / n} for L, c in zip(LEVELS, counts)}}
    # Goodman (1965) simultaneous 95% intervals for the three proportions together.
    good = multinomial_proportions_confint(np.array(counts), alpha=0.05, method="goodman")
    # Wilson per level with a Bonferroni split of alpha over the 3 levels.
    for i, L in enumerate(LEVELS):
        lo, hi = proportion_confint(counts[i], n, alpha=0.05 / 3, method="wilson")
        entry["levels"][L]["goodman_95"] = [good[i, 0], good[i, 1]]
        entry["levels"][L]["wilson_bonferroni_95"] = [lo, hi]
    if g == "(all)":
        mc["overall"] = entry
    else:
        mc["groups"][g] = entry
mc["interval_methods"] = {
    "goodman_95": "statsmodels multinomial_proportions_confint(counts=[Low, Medium, High], alpha=0.05, "
                  "method='goodman'): simultaneous, chi2(1) quantile at 1 - alpha/k with k = 3",
    "wilson_bonferroni_95": "statsmodels proportion_confint(count, n, alpha=0.05/3, method='wilson') per level",
    "note": "the two agree to within 1e-15 here, as they must: Goodman's interval for one proportion is the "
            "Wilson score interval (no continuity correction) at chi2_1(1 - alpha/k) = z(1 - alpha/(2k))^2, "
            "i.e. Wilson with a Bonferroni split over the k = 3 levels",
}

# --- chi-square test of independence race x level (6 x 3)
chi2, p, dof, expected = stats.chi2_contingency(np.array(table))
mc["chi2_independence"] = {
    "rows": races, "columns": LEVELS, "observed": table,
    "statistic": chi2, "dof": dof, "p": p, "expected": expected,
    "min_expected": float(expected.min()),
    "cells_expected_below_5": int((expected < 5).sum()),
    "method": "scipy.stats.chi2_contingency(observed) with defaults: Pearson statistic, no continuity "
              "correction (it only applies when dof = 1)",
    "note": "Native American (n = 18) and Asian (n = 32) have expected counts below 5; the chi-square "
            "approximation is rough there",
}

# --- favourable (Low) rate and impact ratio against Caucasian
ref_low = mc["groups"][REF_COMPAS]["levels"]["Low"]["rate"]
mc["favourable"] = {
    "definition": "favourable rate = share with risk_level == Low; impact_ratio = rate(group) / rate(Caucasian)",
    "groups": {g: {"rate": mc["groups"][g]["levels"]["Low"]["rate"],
                   "impact_ratio": mc["groups"][g]["levels"]["Low"]["rate"] / ref_low} for g in races},
}

# --- error rates and confusion matrices against y_true
mc["error_rates"] = {
    "definition": {
        "thresholds": "binary predictions from the level: 'high' = (risk_level == High); "
                      "'medium_or_high' = (risk_level in {Medium, High}) which equals decile_score >= 5 "
                      "(the fixture's y_pred). Against y_true: TPR = TP/(TP+FN) = P(pred=1 | y_true=1), "
                      "FPR = FP/(FP+TN) = P(pred=1 | y_true=0), FNR = 1 - TPR, TNR = 1 - FPR",
        "by_level": "one-vs-rest per level L with prediction (risk_level == L) against the binary truth "
                    "y_true: tpr = P(level = L | y_true = 1), fpr = P(level = L | y_true = 0). The three "
                    "tpr (and the three fpr) of a group sum to 1.",
        "confusion": "rows y_true = 0, 1; columns Low, Medium, High (counts)",
    },
    "groups": {},
}
for g in races + ["(all)"]:
    sub = compas if g == "(all)" else compas[compas["race"] == g]
    y = sub["y_true"].to_numpy()
    lvl = sub["risk_level"].to_numpy()
    conf = [[int(((y == t) & (lvl == L)).sum()) for L in LEVELS] for t in (0, 1)]
    e = {"n": len(sub), "positives": int(y.sum()), "negatives": int((y == 0).sum()),
         "confusion": conf, "thresholds": {}, "by_level": {}}
    for name, pred in (("high", lvl == "High"), ("medium_or_high", lvl != "Low")):
        tp = int((pred & (y == 1)).sum()); fn = int((~pred & (y == 1)).sum())
        fp = int((pred & (y == 0)).sum()); tn = int((~pred & (y == 0)).sum())
        e["thresholds"][name] = {
            "tp": tp, "fp": fp, "fn": fn, "tn": tn,
            "tpr": tp / (tp + fn) if tp + fn else float("nan"),
            "fpr": fp / (fp + tn) if fp + tn else float("nan"),
            "fnr": fn / (tp + fn) if tp + fn else float("nan"),
            "tnr": tn / (fp + tn) if fp + tn else float("nan"),
        }
    for j, L in enumerate(LEVELS):
        e["by_level"][L] = {"tpr": conf[1][j] / e["positives"], "fpr": conf[0][j] / e["negatives"]}
    if g == "(all)":
        mc["error_rates"]["overall"] = e
    else:
        mc["error_rates"]["groups"][g] = e
# sanity: medium_or_high is the fixture's y_pred
assert ((compas["risk_level"] != "Low").astype(int) == compas["y_pred"]).all()
out["multiclass"] = mc

# =================================================================== HMDA extract
# 15,000 lines of the 17 MB source copied byte for byte (chosen with a fixed
# seed, kept in source order), plus the synthetic prediction column.
src_path = os.path.join(SHARED_DATA, "hmda_2018_controls.csv")
with open(src_path, newline="") as fh:
    header, *lines = fh.read().splitlines()
pick = np.sort(np.random.default_rng(HMDA_SEED).choice(len(lines), size=HMDA_ROWS, replace=False))
chosen = [lines[i] for i in pick]
# REGRESSION: prediction = loan_amount_std + N(0, NOISE_SD) noise, one draw per
# extract row in file order from default_rng(NOISE_SEED), rounded to 6 decimals
# and stored in the file (numpy's normal generator is not reproducible in Rust).
cols = header.split(",")
i_amt = cols.index("loan_amount_std")
noise = np.random.default_rng(NOISE_SEED).normal(0.0, NOISE_SD, size=HMDA_ROWS)
pred = [float(ln.split(",")[i_amt]) + z for ln, z in zip(chosen, noise)]
extract_path = os.path.join(FIXTURES, "hmda_2018_controls_sample.csv")
with open(extract_path, "w", newline="") as fh:
    fh.write(header + ",loan_amount_pred\n")
    for ln, v in zip(chosen, pred):
        fh.write(f"{ln},{v:.6f}\n")
hmda = pd.read_csv(extract_path)           # everything below uses the file as read back
assert len(hmda) == HMDA_ROWS and hmda["row_id"].is_monotonic_increasing
extract_bytes = os.path.getsize(extract_path)
assert extract_bytes < 2_000_000, extract_bytes
hraces = sorted(hmda["race"].unique())
REF = hmda["race"].value_counts().idxmax()   # the largest group: white
assert REF == "white"

out["hmda_extract"] = {
    "file": HMDA_FILE, "source": HMDA_SOURCE, "rows": HMDA_ROWS, "bytes": extract_bytes,
    "selection": f"numpy.random.default_rng({HMDA_SEED}).choice(160338, size={HMDA_ROWS}, replace=False) "
                 "over the source's data lines (0-based, header excluded), sorted; lines copied verbatim",
    "added_column": f"loan_amount_pred = loan_amount_std + numpy.random.default_rng({NOISE_SEED})."
                    f"normal(0, {NOISE_SD}, size={HMDA_ROWS}) in file order, written with 6 decimals",
    "race_counts": {g: int((hmda["race"] == g).sum()) for g in hraces},
}

# =================================================================== 2. numeric
num = {}


def describe(x):
    mean_ci = stats.t.interval(0.95, len(x) - 1, loc=np.mean(x), scale=stats.sem(x))
    return {"n": len(x), "mean": float(np.mean(x)), "sd": float(np.std(x, ddof=1)),
            "mean_ci95": [float(mean_ci[0]), float(mean_ci[1])],
            "median": float(np.median(x)),
            "p10": float(np.percentile(x, 10, method="linear")),
            "p90": float(np.percentile(x, 90, method="linear"))}


def compare(x, r):
    """x = group values, r = reference values."""
    w = stats.ttest_ind(x, r, equal_var=False)
    ci = w.confidence_interval(0.95)
    n1, n2 = len(x), len(r)
    s1, s2 = np.std(x, ddof=1), np.std(r, ddof=1)
    pooled = math.sqrt(((n1 - 1) * s1 ** 2 + (n2 - 1) * s2 ** 2) / (n1 + n2 - 2))
    diff = float(np.mean(x) - np.mean(r))
    ks_a = stats.ks_2samp(x, r, alternative="two-sided", method="asymp")
    ks_e, ks_e_warn = caught(stats.ks_2samp, x, r, alternative="two-sided", method="exact")
    m1, m2 = float(np.mean(x)), float(np.mean(r))
    ratio = m1 / m2
    se_log = math.sqrt(s1 ** 2 / (n1 * m1 ** 2) + s2 ** 2 / (n2 * m2 ** 2))
    z = stats.norm.ppf(0.975)
    en = n1 * n2 / (n1 + n2)
    lam = (math.sqrt(en) + 0.12 + 0.11 / math.sqrt(en)) * ks_a.statistic
    return {
        "mean_difference": diff,
        "mean_ratio": ratio,
        "mean_ratio_ci95": [ratio * math.exp(-z * se_log), ratio * math.exp(z * se_log)],
        "ks_p_stephens": float(special.kolmogorov(lam)),
        "welch": {"statistic": w.statistic, "p": w.pvalue, "df": w.df, "ci95": [ci.low, ci.high]},
        "cohens_d": diff / pooled,
        "pooled_sd": pooled,
        "smd_average_variance": diff / math.sqrt((s1 ** 2 + s2 ** 2) / 2),
        "ks": {"statistic": ks_a.statistic, "p_asymp": ks_a.pvalue, "p_exact": ks_e.pvalue,
               **({"exact_warnings": ks_e_warn} if ks_e_warn else {})},
    }


def numeric_case(col, note):
    sub = hmda[["race", col]]
    case = {
        "inputs": {"file": HMDA_FILE, "outcome_column": col, "group_column": "race",
                   "reference_group": REF, "filter": "rows with a missing outcome excluded", "note": note},
        "excluded_missing": {g: int(sub.loc[sub["race"] == g, col].isna().sum()) for g in hraces},
        "groups": {}, "vs_reference": {},
    }
    vals = {g: sub.loc[(sub["race"] == g) & sub[col].notna(), col].to_numpy() for g in hraces}
    for g in hraces:
        case["groups"][g] = describe(vals[g])
    for g in hraces:
        if g != REF:
            case["vs_reference"][g] = compare(vals[g], vals[REF])
    return case


num["definitions"] = {
    "sd": "sample standard deviation, ddof = 1",
    "percentiles": "numpy.percentile(x, q, method='linear') (the default; type 7)",
    "welch": "scipy.stats.ttest_ind(group, reference, equal_var=False): statistic, pvalue, df "
             "(Welch-Satterthwaite); ci95 = result.confidence_interval(0.95), of mean(group) - mean(reference)",
    "cohens_d": "(mean_g - mean_r) / s_pooled, s_pooled = sqrt(((n_g-1) s_g^2 + (n_r-1) s_r^2) / (n_g + n_r - 2))",
    "smd_average_variance": "(mean_g - mean_r) / sqrt((s_g^2 + s_r^2) / 2) (the unweighted-average "
                            "variance SMD used in balance tables), for comparison",
    "ks": "scipy.stats.ks_2samp(group, reference, alternative='two-sided'): statistic = sup |F_g - F_r|; "
          "p_asymp with method='asymp' (= scipy.stats.kstwo.sf(D, round(n_g n_r / (n_g + n_r)))); "
          "p_exact with method='exact'",
    "ks_p_stephens": "the p-value fairaudit documents: scipy.special.kolmogorov(lambda), lambda = "
                     "(sqrt(en) + 0.12 + 0.11 / sqrt(en)) D, en = n_g n_r / (n_g + n_r), D = ks_2samp's statistic",
    "mean_ci95": "scipy.stats.t.interval(0.95, n - 1, loc=mean, scale=scipy.stats.sem(x))",
    "mean_ratio_ci95": "delta method on the log scale: ratio * exp(+-z se), se^2 = s_g^2/(n_g m_g^2) + "
                       "s_r^2/(n_r m_r^2), z = scipy.stats.norm.ppf(0.975)",
}
num["score_by_race"] = numeric_case(
    "score", "score = the model's out-of-fold probability of a high-priced loan (0..1); the data has no "
             "rate spread, interest rate or raw loan amount, so the score is the numeric outcome here")

# --- regression case: per-group loss of a synthetic prediction
truth, predc = "loan_amount_std", "loan_amount_pred"
# --- the same over the groups fairaudit judges (at least MIN_GROUP rows;
# its default --min-group-size): Native American (18 rows) is left out
MIN_GROUP = 30
judged = [i for i, r in enumerate(table) if sum(r) >= MIN_GROUP]
chi2j, pj, dofj, _ = stats.chi2_contingency(np.array([table[i] for i in judged]))
mc["chi2_independence_judged"] = {
    "rows": [races[i] for i in judged], "left_out": [races[i] for i in range(len(races)) if i not in judged],
    "min_group": MIN_GROUP, "statistic": chi2j, "dof": dofj, "p": pj,
    "method": "scipy.stats.chi2_contingency over the groups with at least min_group rows",
}

reg = {
    "inputs": {"file": HMDA_FILE, "truth_column": truth, "prediction_column": predc,
               "group_column": "race", "filter": "rows with a missing truth or prediction excluded",
               "prediction_made_as": out["hmda_extract"]["added_column"]},
    "definitions": {
        "error": "prediction - truth",
        "mae": "mean |error|", "mse": "mean error^2", "rmse": "sqrt(mse)",
        "mean_signed_error": "mean (prediction - truth)",
        "bounded_group_loss": "max over groups of the group's mean loss (Fairlearn's BoundedGroupLoss "
                              "quantity), given for squared loss (mse) and absolute loss (mae)",
    },
    "excluded_missing": {g: int(hmda.loc[hmda["race"] == g, [truth, predc]].isna().any(axis=1).sum())
                         for g in hraces},
    "groups": {},
}
for g in hraces + ["(all)"]:
    sub = hmda if g == "(all)" else hmda[hmda["race"] == g]
    sub = sub[sub[truth].notna() & sub[predc].notna()]
    err = sub[predc].to_numpy() - sub[truth].to_numpy()
    e = {"n": len(err), "mae": float(np.mean(np.abs(err))), "mse": float(np.mean(err ** 2)),
         "rmse": float(math.sqrt(np.mean(err ** 2))), "mean_signed_error": float(np.mean(err))}
    if g == "(all)":
        reg["overall"] = e
    else:
        reg["groups"][g] = e
# The rows with a prediction, by which fairaudit sizes a group.
with_value = {g: int(hmda.loc[hmda["race"] == g, predc].notna().sum()) for g in hraces}
for loss in ("mse", "mae"):
    worst = max(hraces, key=lambda g: reg["groups"][g][loss])
    reg[f"bounded_group_loss_{loss}"] = {"value": reg["groups"][worst][loss], "group": worst}
    big = [g for g in hraces if with_value[g] >= MIN_GROUP]
    worst = max(big, key=lambda g: reg["groups"][g][loss])
    reg[f"bounded_group_loss_{loss}_judged"] = {
        "value": reg["groups"][worst][loss], "group": worst, "min_group": MIN_GROUP,
        "left_out": [g for g in hraces if g not in big]}
num["regression"] = reg
out["numeric"] = num

# =================================================================== 3. controlled
# Binary outcome: the file has no action_taken (no approvals/denials): every row
# is a loan and y_true = 1 marks a high-priced (adverse) loan. The favourable
# decision is therefore "not high-priced": favorable = 1 - y_true. No rows are
# excluded. Flip the signs of all coefficients for the adverse-outcome model.
hmda["favorable"] = 1 - hmda["y_true"]
BANDS = ["ltv_band", "dti_band", "income_band", "loan_amount_band"]
STD_OF = {"ltv_band": "loan_to_value_std", "dti_band": "debt_to_income_std",
          "income_band": "income_std", "loan_amount_band": "loan_amount_std"}
RACE_TERM = f"C(race, Treatment('{REF}'))"
BAND_TERMS = [f"C({b}, Treatment('q1'))" for b in BANDS]
FORMULA = "favorable ~ " + " + ".join([RACE_TERM] + BAND_TERMS)
FORMULA_NORACE = "favorable ~ " + " + ".join(BAND_TERMS)


def band_edges(df):
    """observed [min, max] of the standardized source value inside each band level."""
    return {b: {lvl: [float(g.min()), float(g.max()), int(len(g))]
                for lvl, g in df.groupby(b)[STD_OF[b]]} for b in BANDS}


src_full = pd.read_csv(src_path)
ctrl = {
    "inputs": {
        "file": HMDA_FILE,
        "outcome": "favorable = 1 - y_true (1 = loan NOT high-priced). The data has no action_taken "
                   "column and no denied applications; the README defines y_true = high-priced loan "
                   "(adverse). No rows excluded.",
        "group_column": "race", "reference_group": REF, "group_levels": hraces,
        "controls": BANDS,
        "bands": {
            "definition": "the source's own categorical band columns are used as they are, nothing is "
                          "re-banded: ltv_band, income_band, loan_amount_band = quintile bands q1..q5 of "
                          "loan-to-value, income, loan amount; dti_band = q1..q5 plus 'missing'. Every band "
                          "level is treated as a category with q1 as the reference level (so dti_band's "
                          "dummies are missing, q2, q3, q4, q5).",
            "levels": {b: sorted(hmda[b].unique()) for b in BANDS},
            "std_value_ranges_full_source": {
                "definition": "[min, max, rows] of the matching *_std column inside each band in the full "
                              "160,338-row source: the bands are disjoint intervals of the standardized "
                              "value. They are not equal-count: ltv_band q4 holds 59,245 rows and q5 4,541. "
                              "dti 'missing' rows all carry the value -1.156406, which is also q1's maximum; "
                              "the Rust side should read the band columns, not re-band the *_std values",
                **band_edges(src_full)},
        },
        "formula": FORMULA,
        "formula_without_race": FORMULA_NORACE,
    },
}

# --- cell structure: empty cells, separation checks
xt = pd.crosstab(hmda["race"], hmda["favorable"])
cells_obs = hmda.groupby(["race"] + BANDS, observed=True).size()
n_possible = len(hraces) * np.prod([hmda[b].nunique() for b in BANDS])
empty_cells, one_outcome_cells = {}, {}
for b in BANDS:
    t = hmda.groupby(["race", b, "favorable"]).size().unstack(fill_value=0).reindex(
        pd.MultiIndex.from_product([hraces, sorted(hmda[b].unique())]), fill_value=0)
    empty_cells[b] = [f"{r}/{lvl}" for (r, lvl), row in t.iterrows() if row[0] == 0 and row[1] == 0]
    one_outcome_cells[b] = [f"{r}/{lvl}: favorable={int(row[1])}, not={int(row[0])}"
                            for (r, lvl), row in t.iterrows() if (row[0] == 0) != (row[1] == 0)]
ctrl["cells"] = {
    "race_x_outcome": {g: {"favorable": int(xt.loc[g, 1]), "not_favorable": int(xt.loc[g, 0])} for g in hraces},
    "race_x_bands_nonempty_cells": int(len(cells_obs)),
    "race_x_bands_possible_cells": int(n_possible),
    "race_x_band_empty_cells": empty_cells,
    "race_x_band_cells_with_one_outcome_only": one_outcome_cells,
    "dti_band_missing_rows": int((hmda["dti_band"] == "missing").sum()),
}

# --- (a) raw odds ratio of the favourable outcome vs the reference
raw = {}
a_r, b_r = int(xt.loc[REF, 1]), int(xt.loc[REF, 0])
for g in hraces:
    if g == REF:
        continue
    a, b = int(xt.loc[g, 1]), int(xt.loc[g, 0])
    lor = math.log((a / b) / (a_r / b_r))
    se = math.sqrt(1 / a + 1 / b + 1 / a_r + 1 / b_r)
    raw[g] = {"table": [[a, b], [a_r, b_r]], "odds_ratio": math.exp(lor), "log_odds_ratio": lor,
              "woolf_se": se, "woolf_ci95": [math.exp(lor - Z975 * se), math.exp(lor + Z975 * se)]}
ctrl["raw_odds_ratio"] = {
    "definition": "table [[group favorable, group not], [reference favorable, reference not]]; "
                  "OR = (a/b)/(c/d); Woolf (log) 95% interval exp(log OR +- z SE), SE = sqrt(1/a+1/b+1/c+1/d)",
    "groups": raw,
}


def coef_table(res):
    """each parameter with its term and level so nothing has to be parsed from the name."""
    rows = []
    ci = res.conf_int(0.05)
    for name in res.params.index:
        if name == "Intercept":
            term, level = "Intercept", None
        else:
            inner = name.split("(", 1)[1].split(",", 1)[0]   # column name
            term, level = inner, name.rsplit("[T.", 1)[1].rstrip("]")
        rows.append({"name": name, "term": term, "level": level, "coef": res.params[name],
                     "se": res.bse[name], "stat": res.tvalues[name], "p": res.pvalues[name],
                     "ci95": [ci.loc[name, 0], ci.loc[name, 1]]})
    return rows


def race_or(res):
    """adjusted odds ratio exp(coef) of each race level vs the reference, Wald 95% interval."""
    rows = {}
    for g in hraces:
        if g == REF:
            continue
        b, se = float(res.params[f"{RACE_TERM}[T.{g}]"]), float(res.bse[f"{RACE_TERM}[T.{g}]"])
        rows[g] = {"coef": b, "se": se, "odds_ratio": math.exp(b),
                   "wald_ci95": [math.exp(b - Z975 * se), math.exp(b + Z975 * se)],
                   "wald_p": res.pvalues[f"{RACE_TERM}[T.{g}]"]}
    return rows


def glm_summary(res, warns):
    return {"nobs": res.nobs, "df_model": res.df_model, "df_resid": res.df_resid,
            "deviance": res.deviance, "null_deviance": res.null_deviance, "llf": res.llf,
            "pearson_chi2": res.pearson_chi2, "aic": res.aic,
            "converged": bool(res.converged), "iterations": res.fit_history["iteration"],
            **({"warnings": warns} if warns else {})}


def lr_test(full, reduced):
    stat = reduced.deviance - full.deviance
    df = int(round(full.df_model - reduced.df_model))
    return {"deviance_without_race": reduced.deviance, "deviance_with_race": full.deviance,
            "statistic": stat, "df": df, "p": stats.chi2.sf(stat, df),
            "definition": "deviance(model without race) - deviance(full model) ~ chi2(df = race levels - 1)"}


# --- (b) Binomial GLM on the row-level data
# a fresh family per fit: statsmodels stores the binomial n on the family instance
g_full, w_full = caught(lambda: smf.glm(FORMULA, data=hmda, family=sm.families.Binomial()).fit())
g_red, w_red = caught(lambda: smf.glm(FORMULA_NORACE, data=hmda, family=sm.families.Binomial()).fit())
ctrl["glm_rows"] = {
    "method": "statsmodels smf.glm(formula, data, family=Binomial()).fit() (IRLS, logit link); "
              "stat = z; ci95 from res.conf_int() (normal); odds_ratio = exp(coef), "
              f"wald_ci95 = exp(coef +- {Z975!r} se)",
    "coefficients": coef_table(g_full),
    "race_adjusted_odds_ratio": race_or(g_full),
    "fit": glm_summary(g_full, w_full),
    "fit_without_race": glm_summary(g_red, w_red),
    "lr_test_race": lr_test(g_full, g_red),
}

# --- (c) the same model on grouped cells with frequency weights
grouped = hmda.groupby(["race"] + BANDS + ["favorable"], observed=True).size().rename("count").reset_index()
gg_full, gw_full = caught(lambda: smf.glm(FORMULA, data=grouped, family=sm.families.Binomial(),
                                          freq_weights=grouped["count"].to_numpy()).fit())
gg_red, gw_red = caught(lambda: smf.glm(FORMULA_NORACE, data=grouped, family=sm.families.Binomial(),
                                        freq_weights=grouped["count"].to_numpy()).fit())
ctrl["glm_grouped_freq_weights"] = {
    "method": "rows collapsed to cells race x ltv_band x dti_band x income_band x loan_amount_band x "
              "favorable with their row count; smf.glm(same formula, data=cells, family=Binomial(), "
              "freq_weights=count). Coefficients, SEs, deviance and the LR test equal the row-level fit.",
    "cells": len(grouped),
    "coefficients": coef_table(gg_full),
    "race_adjusted_odds_ratio": race_or(gg_full),
    "fit": glm_summary(gg_full, gw_full),
    "lr_test_race": lr_test(gg_full, gg_red),
    "max_abs_difference_vs_rows": {
        "coef": float(np.max(np.abs(gg_full.params - g_full.params))),
        "se": float(np.max(np.abs(gg_full.bse - g_full.bse))),
        "deviance": abs(gg_full.deviance - g_full.deviance),
    },
}

# --- (c') the binomial-count form: one row per covariate cell, endog = [successes, failures].
# Same coefficients and SEs; its deviance is against a different saturated model
# (cell proportions instead of rows), so deviance differs, but the LR statistic is the same.
cnt = hmda.groupby(["race"] + BANDS, observed=True)["favorable"].agg(["sum", "count"]).reset_index()
cnt["fail"] = cnt["count"] - cnt["sum"]
cnt = cnt.rename(columns={"sum": "succ"})
bc_full, bw_full = caught(lambda: smf.glm("succ + fail ~ " + FORMULA.split("~", 1)[1], data=cnt,
                                          family=sm.families.Binomial()).fit())
bc_red, bw_red = caught(lambda: smf.glm("succ + fail ~ " + FORMULA_NORACE.split("~", 1)[1], data=cnt,
                                        family=sm.families.Binomial()).fit())
ctrl["glm_binomial_counts"] = {
    "method": "one row per non-empty race x bands cell, endog = [favorable count, not favorable count] "
              "(formula 'succ + fail ~ ...'); same coefficients and SEs as the row fit; deviance is "
              "relative to the cell-saturated model so it differs, the LR statistic does not",
    "cells": len(cnt),
    "race_adjusted_odds_ratio": race_or(bc_full),
    "fit": glm_summary(bc_full, bw_full),
    "lr_test_race": lr_test(bc_full, bc_red),
    "max_abs_difference_vs_rows": {
        "coef": float(np.max(np.abs(bc_full.params - g_full.params))),
        "se": float(np.max(np.abs(bc_full.bse - g_full.bse))),
    },
}

# --- (d) share of the raw gap explained by the controls
share = {}
for g in hraces:
    if g == REF:
        continue
    lr_raw = raw[g]["log_odds_ratio"]
    lr_adj = float(g_full.params[f"{RACE_TERM}[T.{g}]"])
    share[g] = {"raw_log_odds_ratio": lr_raw, "adjusted_log_odds_ratio": lr_adj,
                "share_explained": 1 - lr_adj / lr_raw}
ctrl["share_explained"] = {
    "definition": "1 - (adjusted log odds ratio / raw log odds ratio), adjusted = the race coefficient of "
                  "glm_rows, raw = log of raw_odds_ratio. 1 = the controls explain the whole gap, 0 = none, "
                  "< 0 = the gap widens after adjustment, > 1 = it reverses sign. Undefined (inf/nan) "
                  "when the raw log odds ratio is 0; unstable when it is near 0.",
    "groups": share,
}

# --- (e) OLS of a numeric outcome (the model score) with the same controls
OLS_FORMULA = "score ~ " + FORMULA.split("~", 1)[1].strip()
ols = smf.ols(OLS_FORMULA, data=hmda).fit()
ols_ci = ols.conf_int(0.05)
ctrl["ols_score"] = {
    "inputs": {"file": HMDA_FILE, "outcome_column": "score", "formula": OLS_FORMULA,
               "filter": "none (no missing scores)"},
    "method": "statsmodels smf.ols(formula, data).fit(): classical (non-robust) SEs; stat = t; "
              "ci95 with the t distribution on df_resid",
    "coefficients": coef_table(ols),
    "race": {g: {"coef": ols.params[f"{RACE_TERM}[T.{g}]"], "se": ols.bse[f"{RACE_TERM}[T.{g}]"],
                 "ci95": [ols_ci.loc[f"{RACE_TERM}[T.{g}]", 0], ols_ci.loc[f"{RACE_TERM}[T.{g}]", 1]],
                 "p": ols.pvalues[f"{RACE_TERM}[T.{g}]"]}
             for g in hraces if g != REF},
    "fit": {"nobs": ols.nobs, "df_model": ols.df_model, "df_resid": ols.df_resid, "rsquared": ols.rsquared,
            "scale": ols.scale, "ssr": ols.ssr, "t975_df_resid": float(stats.t.ppf(0.975, ols.df_resid))},
}

# --- notes on separation / sparse cells, filled from what was found above
# (the asserts guard the wording of the note below if the extract ever changes)
assert all(hmda.groupby(b)["favorable"].nunique().eq(2).all() for b in BANDS + ["race"])
hip = race_or(g_full)["hipac"]["wald_ci95"]
assert ctrl["cells"]["race_x_outcome"]["hipac"]["not_favorable"] == 1 and hip[1] / hip[0] > 50
max_abs = float(np.max(np.abs(g_full.params)))
sep_warn = [w for w in w_full + w_red + gw_full + bw_full if "eparation" in w]
small = {g: ctrl["cells"]["race_x_outcome"][g] for g in hraces
         if min(ctrl["cells"]["race_x_outcome"][g].values()) < 10}
ctrl["diagnostics"] = {
    "separation_warnings": sep_warn,
    "max_abs_coefficient": max_abs,
    "groups_with_fewer_than_10_in_an_outcome": small,
    "note": (f"No perfect or quasi-complete separation: the fit converged in "
             f"{g_full.fit_history['iteration']} iterations, the largest |coef| is {max_abs:.3f} (the "
             "intercept), every race level and every band level (dti 'missing': "
             f"{ctrl['cells']['dti_band_missing_rows']} rows) has both outcomes. Of {int(n_possible)} race x "
             f"band combinations only {len(cells_obs)} are non-empty, which does not matter for a main-effects "
             "model. Race x single-band cells that are empty or have one outcome only are listed under "
             "cells; almost all belong to the small groups amind and hipac. hipac has a single adverse "
             "(high-priced) loan in the extract, so its raw and adjusted odds ratios are driven by one row and "
             "their intervals span more than a factor 50; see full_source_context for the full-data estimate."
             if not sep_warn else "statsmodels reported separation: see separation_warnings"),
}

# --- informational: the same race odds ratios on the full 160,338-row source (not a fixture)
fr, fw = caught(lambda: smf.glm(FORMULA, data=src_full.assign(favorable=1 - src_full["y_true"]),
                                family=sm.families.Binomial()).fit())
fr_red, _ = caught(lambda: smf.glm(FORMULA_NORACE, data=src_full.assign(favorable=1 - src_full["y_true"]),
                                   family=sm.families.Binomial()).fit())
ctrl["full_source_context"] = {
    "note": "informational only, not reproducible from fixtures: the same glm_rows model on the full "
            f"{HMDA_SOURCE} (160,338 rows), to show how far the extract's estimates are from the full data",
    "file": HMDA_SOURCE,
    "race_adjusted_odds_ratio": race_or(fr),
    "lr_test_race": lr_test(fr, fr_red),
}
out["controlled"] = ctrl

# ----------------------------------------------------------------- done
parts = [f"python {sys.version.split()[0]}", f"numpy {np.__version__}", f"pandas {pd.__version__}",
         f"scipy {scipy.__version__}", f"statsmodels {statsmodels.__version__}"]
out["generated_by"] = "scripts/outcomes-reference/gen.py with " + ", ".join(parts)

target = sys.argv[1] if len(sys.argv) > 1 else os.path.join(FIXTURES, "outcomes-reference.json")
tmp = target + ".tmp"
with open(tmp, "w") as fh:
    json.dump(clean(out), fh, indent=1, allow_nan=False)
    fh.write("\n")
os.replace(tmp, target)
print(f"wrote {target} and {extract_path}", file=sys.stderr)
