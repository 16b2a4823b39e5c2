"""Reference values and planted-truth data for fairaudit's data examination
(EU AI Act Art. 10 data-bias checks, Art. 14 human-override audit).

Sections of the JSON:
  proxy           Cramer's V (plain and Bergsma-corrected) and one-vs-rest AUC of
                  every column of fixtures/proxy_planted.csv against `race`
  proxy_ranking   plain and corrected V on fixtures/proxy_ranking.csv, where
                  the two rank the columns in opposite orders
  representation  observed vs expected shares (fixtures/population_shares.csv):
                  ratios, Wilson 95% intervals, chi-square goodness of fit; and
                  the error case fixtures/population_bad.csv
  psi             population stability index of a group mix, before/after
                  outcome rates per group (counts given in the cases)
  missingness     per column and per race group: pandas isna() share and
                  empty-string share, on an extract of HMDA 2018
                  (fixtures/hmda_2018_extract.csv, no missing values at all) and
                  on planted data (fixtures/missing_planted.csv)
  override        human overrides of model recommendations per group
                  (fixtures/override_planted.csv): rates, Wilson intervals,
                  impact ratios of y_pred and of final, the favourable-to-
                  adverse gap against the reference (Newcombe, z test)
  label_base_rate the label's favourable rate by race on the HMDA sample
                  (fixtures/hmda_2018_controls_sample.csv): Wilson, Newcombe,
                  ratio, z or Fisher test, and the label-bias status

Every generated CSV is written first and then read back with pandas; all
reference values are computed from what was read back, i.e. from exactly the
bytes in fixtures/. Non-finite numbers are written as the strings "inf",
"-inf", "nan"; null means "undefined" (e.g. a rate over zero rows).

Usage: gen.py OUT_JSON   (also writes the CSVs into fixtures/)
Run through gen.sh, which makes the venv from requirements.txt.
"""
import csv
import json
import math
import os
import sys
from decimal import Decimal

import numpy as np
import pandas as pd
import scipy
import sklearn
from pandas._libs.parsers import STR_NA_VALUES
from scipy import stats
from scipy.stats import binomtest, chi2_contingency, chisquare
from scipy.stats.contingency import association
from sklearn.metrics import roc_auc_score

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.normpath(os.path.join(HERE, "..", "..", "fixtures"))
SHARED = os.path.normpath(os.path.join(HERE, "..", "..", "..", "shared", "data"))
if not os.path.isdir(SHARED):
    SHARED = "/work/shared/data"

Z95 = float(stats.norm.ppf(0.975))


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


def write_csv(path, header, rows):
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    size = os.path.getsize(path)
    assert size < 1_000_000, (path, size)
    return size


def wilson(k, n, z=Z95):
    """Wilson score interval: centre (p + z^2/2n) / (1 + z^2/n),
    half-width z / (1 + z^2/n) * sqrt(p(1-p)/n + z^2/(4n^2))."""
    if n == 0:
        return [None, None]
    p = k / n
    den = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / den
    half = z / den * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    lo, hi = max(0.0, centre - half), min(1.0, centre + half)
    ci = binomtest(int(k), int(n)).proportion_ci(0.95, method="wilson")
    assert abs(ci.low - lo) < 1e-12 and abs(ci.high - hi) < 1e-12, (k, n, lo, hi, ci)
    return [lo, hi]


def rate(k, n):
    return k / n if n else None


def newcombe(k1, n1, k2, n2):
    """Newcombe's hybrid score interval of p1 - p2 from the two Wilson
    intervals (Newcombe 1998, method 10; statsmodels' method="newcomb")."""
    p1, p2 = k1 / n1, k2 / n2
    (l1, u1), (l2, u2) = wilson(k1, n1), wilson(k2, n2)
    d = p1 - p2
    return [d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2),
            d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)]


def two_proportions(k1, n1, k2, n2):
    """The audit's test of equal rates: Fisher's exact test when an expected
    count of the 2x2 table is below 5, else the pooled two-proportion z test."""
    table = [[k1, n1 - k1], [k2, n2 - k2]]
    expected = chi2_contingency(table, correction=False).expected_freq
    if expected.min() < 5:
        return "fisher", float(stats.fisher_exact(table)[1])
    p = (k1 + k2) / (n1 + n2)
    z = (k1 / n1 - k2 / n2) / math.sqrt(p * (1 - p) * (1 / n1 + 1 / n2))
    return "z_test", float(2 * stats.norm.sf(abs(z)))


# The minimum group size (fairaudit's default --min-group-size).
MIN_GROUP = 30

QS = [k / 10 for k in range(1, 10)]  # 0.1 .. 0.9, each the f64 nearest k/10


def decile_edges(x):
    edges = np.quantile(np.asarray(x, dtype=float), QS, method="linear")
    return [float(e) for e in edges]


def band(x, edges):
    """Band index 0..9: band 0 = (-inf, e1], band j = (e_j, e_{j+1}], band 9 = (e9, inf)."""
    return np.searchsorted(np.asarray(edges), np.asarray(x, dtype=float), side="left")


def cramers_v(table):
    """table: 2-D counts, no all-zero rows or columns."""
    t = np.asarray(table, dtype=float)
    n = t.sum()
    r, k = t.shape
    chi2, p, dof, _ = chi2_contingency(t, correction=False)
    v = math.sqrt(chi2 / (n * (min(r, k) - 1)))
    v_sp = association(t.astype(np.int64), method="cramer", correction=False)
    assert abs(v - v_sp) < 1e-12, (v, v_sp)
    # Bergsma (2013), J. Korean Stat. Soc. 42, 323-328
    phi2 = chi2 / n
    phi2c = max(0.0, phi2 - (k - 1) * (r - 1) / (n - 1))
    rc = r - (r - 1) ** 2 / (n - 1)
    kc = k - (k - 1) ** 2 / (n - 1)
    vc = math.sqrt(phi2c / min(kc - 1, rc - 1))
    return {"chi2": chi2, "df": int(dof), "p": p, "rows": r, "cols": k,
            "cramers_v": v, "cramers_v_bias_corrected": vc}


def proxy_record(cats, race, groups, kind, extra=None):
    """cats: per-row category labels (str) of the column (bands for numeric)."""
    df = pd.DataFrame({"c": cats, "g": race})
    tab = pd.crosstab(df["c"], df["g"]).reindex(columns=groups, fill_value=0)
    tab = tab.loc[tab.sum(axis=1) > 0]
    rows = list(tab.index)
    rec = {"column_kind": kind}
    if extra:
        rec.update(extra)
    rec["contingency"] = {"rows": rows, "cols": groups, "counts": tab.values.tolist()}
    rec.update(cramers_v(tab.values))
    # AUC: score = P(race = g | value), from the same table
    rowsum = tab.sum(axis=1)
    per, weights = {}, {}
    n = len(df)
    for g in groups:
        score = (tab[g] / rowsum).reindex(df["c"]).to_numpy()
        y = (df["g"] == g).to_numpy()
        per[g] = float(roc_auc_score(y, score))
        weights[g] = float(y.sum() / n)
    mx = max(per, key=lambda g: per[g])
    rec["auc"] = {"per_group": per, "max": per[mx], "max_group": mx,
                  "weighted_mean": float(sum(per[g] * weights[g] for g in groups)),
                  "weights": weights}
    return rec


out = {
    "generated_by": None,  # filled in at the end
    "conventions": {
        "non_finite": "inf / -inf / nan are written as the strings \"inf\", \"-inf\", \"nan\"; null = undefined (e.g. a rate over 0 rows)",
        "reading": "every CSV is read back with pandas.read_csv after writing; the numbers are computed from the file contents",
        "wilson_95": "Wilson score interval, z = scipy.stats.norm.ppf(0.975) = " + repr(Z95) + ": centre = (p + z^2/(2n)) / (1 + z^2/n), half = z/(1 + z^2/n) * sqrt(p(1-p)/n + z^2/(4n^2)), clipped to [0, 1]; checked against scipy binomtest(k, n).proportion_ci(method='wilson')",
    },
}

# ================================================================= 1. proxy
rng = np.random.default_rng(20261130)
N = 20_000
RACES = ["white", "black", "hispanic", "asian"]
RACE_P = [0.55, 0.20, 0.15, 0.10]
# 20 zip3 codes (3-digit text, some with a leading zero); 5 per race, interleaved
ZIPS = ["021", "024", "100", "104", "112", "191", "200", "207", "303", "331",
        "405", "462", "528", "606", "631", "750", "787", "852", "900", "981"]
ZIP_OF = {r: ZIPS[i::4] for i, r in enumerate(RACES)}
INCOME_MEAN = {"white": 52000, "black": 46000, "hispanic": 47500, "asian": 55000}
INCOME_SD = 15000
CHANNELS = ["web", "branch", "phone", "broker"]
CHANNEL_P = [0.50, 0.25, 0.15, 0.10]
SEXES = ["female", "male"]

race = rng.choice(RACES, size=N, p=RACE_P)
own = rng.random(N) < 0.8
own_pick = rng.integers(0, 5, size=N)
any_pick = rng.integers(0, 20, size=N)
zip3 = np.array([ZIP_OF[r][j] if o else ZIPS[a] for r, o, j, a in zip(race, own, own_pick, any_pick)])
income = np.array([max(8000, int(round(rng.normal(INCOME_MEAN[r], INCOME_SD)))) for r in race])
tenure = np.round(rng.exponential(5.0, size=N), 2)
channel = rng.choice(CHANNELS, size=N, p=CHANNEL_P)
sex = rng.choice(SEXES, size=N, p=[0.48, 0.52])
logit = -0.4 + (income - 50000) / 20000 + 0.05 * (tenure - 5)
y_true = (rng.random(N) < 1 / (1 + np.exp(-logit))).astype(int)
flip = rng.random(N) < 0.15
y_pred = np.where(flip, 1 - y_true, y_true)

proxy_path = os.path.join(FIXTURES, "proxy_planted.csv")
sizes = {}
sizes["proxy_planted.csv"] = write_csv(
    proxy_path, ["row_id", "race", "sex", "zip3", "income", "tenure", "channel", "y_true", "y_pred"],
    [[i, race[i], sex[i], zip3[i], int(income[i]), f"{tenure[i]:.2f}", channel[i], int(y_true[i]), int(y_pred[i])]
     for i in range(N)])

P = pd.read_csv(proxy_path, dtype={"zip3": str})
assert (P["zip3"] == zip3).all()
proxy = {
    "file": "fixtures/proxy_planted.csv",
    "rows": len(P),
    "attribute": "race",
    "groups": RACES,
    "planted": {
        "seed": "numpy default_rng(20261130)",
        "race_shares": dict(zip(RACES, RACE_P)),
        "zip3": "with probability 0.8 a uniform pick from the race's own 5 codes, else a uniform pick from all 20 codes; codes are 3-digit text and must be read as text (\"021\")",
        "zip3_codes_of_race": ZIP_OF,
        "income": "round(Normal(mean[race], 15000)), floored at 8000; weakly associated with race",
        "income_mean": INCOME_MEAN,
        "tenure": "years, Exponential(mean 5) rounded to 0.01; independent of race",
        "channel": "categorical, shares " + json.dumps(dict(zip(CHANNELS, CHANNEL_P))) + "; independent of race",
        "sex": "female 0.48 / male 0.52, independent of race (a protected attribute: not screened as a proxy)",
        "y_true": "Bernoulli(logistic(-0.4 + (income-50000)/20000 + 0.05(tenure-5)))",
        "y_pred": "y_true flipped with probability 0.15",
    },
    "conventions": {
        "table": "contingency table of column value (rows) x race group (cols); only non-empty rows; rows sorted as text (banded numeric columns: band labels b0..b9)",
        "cramers_v": "sqrt(chi2 / (n (min(r, c) - 1))), chi2 = Pearson chi-square without continuity correction (scipy chi2_contingency(correction=False)); equals scipy.stats.contingency.association(method='cramer')",
        "cramers_v_bias_corrected": "Bergsma (2013): phi2 = chi2/n; phi2c = max(0, phi2 - (c-1)(r-1)/(n-1)); rc = r - (r-1)^2/(n-1); cc = c - (c-1)^2/(n-1); V~ = sqrt(phi2c / min(cc-1, rc-1))",
        "numeric_banding": "decile edges e1..e9 = numpy.quantile(column, [k/10 for k in 1..9], method='linear') over all rows: h = (n-1) q, e = x[floor h] + (h - floor h)(x[floor h + 1] - x[floor h]) on the sorted values; bands b0 = (-inf, e1], b_j = (e_j, e_{j+1}], b9 = (e9, inf) (right-closed); a value equal to an edge goes to the lower band; edge_equals_a_value marks edges that are exactly a data value (tied neighbours), every other edge is more than 1e-6 from every value, so an edge computed with a different interpolation formula (last-bit differences, e.g. 11.751000000000023 vs 11.751) bands the rows the same; empty bands (from tied edges) are dropped from the table",
        "auc": "for each group g: score of a row = P(race = g | its value or band) = table[v, g] / rowsum[v] from the same table; AUC = sklearn roc_auc_score(race == g, score) (ties count one half); max over groups, and the mean over groups weighted by the group's row share",
        "screened_columns": "zip3, income, tenure, channel (non-protected, non-outcome); sex, y_true and y_pred are given under other_columns for information",
    },
    "columns": {},
    "other_columns": {},
}
for col in ["zip3", "income", "tenure", "channel", "sex", "y_true", "y_pred"]:
    x = P[col]
    if col in ("income", "tenure"):
        edges = decile_edges(x.to_numpy(dtype=float))
        b = band(x.to_numpy(dtype=float), edges)
        labels = np.array([f"b{j}" for j in b])
        counts = [int((b == j).sum()) for j in range(10)]
        xs = x.to_numpy(dtype=float)
        # an edge either equals a data value (tied neighbours) or lies well clear of every value,
        # so last-bit differences in how an implementation interpolates cannot move a row
        on_value = [bool((xs == e).any()) for e in edges]
        for e, ov in zip(edges, on_value):
            assert ov or np.abs(xs - e).min() > 1e-6, (col, e)
        extra = {"banding": {"quantiles": QS, "edges": edges,
                             "bands": ["(-inf, e1]"] + [f"(e{j}, e{j+1}]" for j in range(1, 9)] + ["(e9, inf)"],
                             "band_counts": counts, "edge_equals_a_value": on_value}}
        rec = proxy_record(labels, P["race"], RACES, "numeric_deciles", extra)
    else:
        rec = proxy_record(x.astype(str).to_numpy(), P["race"], RACES, "categorical")
    (proxy["columns"] if col in ("zip3", "income", "tenure", "channel") else proxy["other_columns"])[col] = rec

cols = proxy["columns"]
proxy["ranking_by_cramers_v"] = sorted(cols, key=lambda c: -cols[c]["cramers_v"])
proxy["ranking_by_max_auc"] = sorted(cols, key=lambda c: -cols[c]["auc"]["max"])
proxy["ranking_by_weighted_mean_auc"] = sorted(cols, key=lambda c: -cols[c]["auc"]["weighted_mean"])
for k in ("ranking_by_cramers_v", "ranking_by_max_auc", "ranking_by_weighted_mean_auc"):
    assert proxy[k][0] == "zip3" and proxy[k][1] == "income" and set(proxy[k][2:]) == {"tenure", "channel"}, (k, proxy[k])
out["proxy"] = proxy

# ---------------------------------------------- 1b. ranking by the corrected V
# 3,000 rows where plain V and Bergsma's V~ rank two columns in opposite
# orders: `many` (300 levels, independent of race) has a plain V inflated by
# its levels, `weak` (2 levels, weakly tied to race) the larger V~.
rng_r = np.random.default_rng(1130)
NR = 3000
r_race = rng_r.choice(["x", "y"], size=NR)
many = np.array([f"L{j:03d}" for j in rng_r.integers(0, 300, size=NR)])
weak = np.where(rng_r.random(NR) < np.where(r_race == "x", 0.58, 0.42), "on", "off")
sizes["proxy_ranking.csv"] = write_csv(
    os.path.join(FIXTURES, "proxy_ranking.csv"), ["race", "many", "weak", "y_true", "y_pred"],
    [[r_race[i], many[i], weak[i], int(i % 2), int(i % 3 == 0)] for i in range(NR)])
R = pd.read_csv(os.path.join(FIXTURES, "proxy_ranking.csv"))
rk = {c: proxy_record(R[c].astype(str).to_numpy(), R["race"], ["x", "y"], "categorical")
      for c in ["many", "weak"]}
by_v = sorted(rk, key=lambda c: -rk[c]["cramers_v"])
by_vc = sorted(rk, key=lambda c: -rk[c]["cramers_v_bias_corrected"])
assert by_v != by_vc, (by_v, by_vc)
out["proxy_ranking"] = {
    "file": "fixtures/proxy_ranking.csv", "rows": NR, "attribute": "race",
    "planted": {"seed": "numpy default_rng(1130)",
                "many": "300 levels drawn uniformly, independent of race",
                "weak": "'on' with p = 0.58 for race x, 0.42 for race y"},
    "columns": {c: {k: rk[c][k] for k in ("chi2", "df", "rows", "cramers_v", "cramers_v_bias_corrected")} for c in rk},
    "ranking_by_cramers_v": by_v,
    "ranking_by_cramers_v_bias_corrected": by_vc,
}

# ================================================================= 2. representation
POP = {"race": dict(zip(RACES, ["0.52", "0.22", "0.16", "0.10"])),
       "sex": {"female": "0.48", "male": "0.52"}}
POP_BAD = {"race": dict(zip(RACES, ["0.50", "0.20", "0.12", "0.08"])),
           "sex": {"female": "0.48", "male": "0.52"}}
sizes["population_shares.csv"] = write_csv(
    os.path.join(FIXTURES, "population_shares.csv"), ["attribute", "group", "share"],
    [[a, g, s] for a, d in POP.items() for g, s in d.items()])
sizes["population_bad.csv"] = write_csv(
    os.path.join(FIXTURES, "population_bad.csv"), ["attribute", "group", "share"],
    [[a, g, s] for a, d in POP_BAD.items() for g, s in d.items()])

pop = pd.read_csv(os.path.join(FIXTURES, "population_shares.csv"))
rep = {
    "data_file": "fixtures/proxy_planted.csv",
    "population_file": "fixtures/population_shares.csv",
    "conventions": {
        "observed_share": "count / n over the rows of the data file",
        "ratio": "observed share / expected share",
        "expected_counts": "expected share x n",
        "chisquare": "scipy.stats.chisquare(f_obs = observed counts, f_exp = expected share x n) in the order of `groups`; df = groups - 1",
    },
    "attributes": {},
}
for attr in ["race", "sex"]:
    e = pop[pop["attribute"] == attr].set_index("group")["share"]
    groups = list(e.index)
    n = len(P)
    obs = P[attr].value_counts().reindex(groups, fill_value=0)
    assert obs.sum() == n
    f_exp = np.array([e[g] * n for g in groups])
    res = chisquare(obs.to_numpy(dtype=float), f_exp)
    a = {"groups": groups, "n": n,
         "expected_shares": {g: float(e[g]) for g in groups},
         "expected_shares_sum": math.fsum(e.values),
         "observed_counts": {g: int(obs[g]) for g in groups},
         "observed_shares": {g: obs[g] / n for g in groups},
         "expected_counts": dict(zip(groups, f_exp)),
         "ratio_observed_to_expected": {g: (obs[g] / n) / e[g] for g in groups},
         "wilson_95": {g: wilson(int(obs[g]), n) for g in groups}}
    a["expected_inside_wilson"] = {g: a["wilson_95"][g][0] <= e[g] <= a["wilson_95"][g][1] for g in groups}
    a["chisquare"] = {"statistic": float(res.statistic), "p": float(res.pvalue), "df": len(groups) - 1}
    rep["attributes"][attr] = a
bad = pd.read_csv(os.path.join(FIXTURES, "population_bad.csv"))
rep["bad_population"] = {
    "file": "fixtures/population_bad.csv",
    "share_sums": {attr: math.fsum(bad[bad["attribute"] == attr]["share"]) for attr in ["race", "sex"]},
    "share_sums_exact_decimal": {attr: str(sum(Decimal(s) for s in POP_BAD[attr].values())) for attr in POP_BAD},
    "expected": "an error naming attribute race (shares sum to 0.9, not 1); sex (sum 1) is valid. The good file's sums differ from 1 by at most 1e-15 in f64, so any tolerance from 1e-9 to 1e-3 separates the two",
}
out["representation"] = rep

# ================================================================= 3. PSI
EPS = 1e-4


def psi_case(name, note, prev, cur, fav_prev, fav_cur):
    cats = list(prev)
    tp, tc = sum(prev.values()), sum(cur.values())
    e = {c: prev[c] / tp for c in cats}
    a = {c: cur[c] / tc for c in cats}
    e_adj = {c: (EPS if e[c] == 0 else e[c]) for c in cats}
    a_adj = {c: (EPS if a[c] == 0 else a[c]) for c in cats}
    contrib = {c: (a_adj[c] - e_adj[c]) * math.log(a_adj[c] / e_adj[c]) for c in cats}
    psi = math.fsum(contrib.values())
    rates = {}
    for c in cats:
        rb, ra = rate(fav_prev[c], prev[c]), rate(fav_cur[c], cur[c])
        rates[c] = {"n_before": prev[c], "favourable_before": fav_prev[c], "rate_before": rb,
                    "n_after": cur[c], "favourable_after": fav_cur[c], "rate_after": ra,
                    "difference": None if rb is None or ra is None else ra - rb}
    return {"name": name, "note": note, "categories": cats,
            "previous_counts": prev, "current_counts": cur,
            "expected_shares": e, "actual_shares": a,
            "expected_shares_used": e_adj, "actual_shares_used": a_adj,
            "contributions": contrib, "psi": psi,
            "band": "stable" if psi < 0.1 else ("moderate" if psi < 0.25 else "major"),
            "outcome_rates": rates}


G = RACES
psi = {
    "conventions": {
        "formula": "PSI = sum_i (a_i - e_i) ln(a_i / e_i); e_i = previous count / previous total (expected), a_i = current count / current total (actual)",
        "zero_shares": "a share that is exactly 0 (in e or a) is replaced by 1e-4 before the formula; the other shares are not changed and nothing is renormalised; a category absent from both samples contributes 0 either way",
        "epsilon": EPS,
        "bands": "informational: PSI < 0.1 stable, 0.1 <= PSI < 0.25 moderate, >= 0.25 major",
        "outcome_rates": "rate = favourable / n per group and sample; null when n = 0; difference = after - before",
    },
    "cases": [
        psi_case("mild_shift", "small drift of the race mix",
                 dict(zip(G, [5500, 2000, 1500, 1000])), dict(zip(G, [5200, 2150, 1650, 1000])),
                 dict(zip(G, [3300, 1000, 780, 620])), dict(zip(G, [3120, 1010, 800, 610]))),
        psi_case("major_shift", "the applicant pool changes markedly",
                 dict(zip(G, [5500, 2000, 1500, 1000])), dict(zip(G, [3000, 3500, 2500, 1000])),
                 dict(zip(G, [3300, 1000, 780, 620])), dict(zip(G, [1800, 1400, 1100, 640]))),
        psi_case("zero_share", "asian absent from the current sample (a = 0) and a new group 'other' absent from the previous one (e = 0)",
                 dict(zip(G + ["other"], [5500, 2000, 1500, 1000, 0])), dict(zip(G + ["other"], [6000, 2200, 1500, 0, 300])),
                 dict(zip(G + ["other"], [3300, 1000, 780, 620, 0])), dict(zip(G + ["other"], [3600, 1050, 760, 0, 150]))),
    ],
}
out["psi"] = psi

# ================================================================= 4. missingness
src = os.path.join(SHARED, "hmda_2018_sample.csv")
hm = pd.read_csv(src, keep_default_na=False, na_filter=False, dtype=str)
ext = hm[hm["row_id"].astype(int) % 10 == 0]
hmda_path = os.path.join(FIXTURES, "hmda_2018_extract.csv")
sizes["hmda_2018_extract.csv"] = write_csv(hmda_path, list(ext.columns), ext.values.tolist())
with open(src, newline="") as fh:
    raw = list(csv.reader(fh))
with open(hmda_path, newline="") as fh:
    raw_ext = list(csv.reader(fh))
assert raw_ext[0] == raw[0] and raw_ext[1:] == [r for r in raw[1:] if int(r[0]) % 10 == 0]

# planted missingness
rng = np.random.default_rng(10)
NM = 6000
MG = ["a", "b", "c"]
grp = rng.choice(MG, size=NM, p=[0.5, 0.3, 0.2])
MISS = {  # column: (how missing is written, P(missing) per group)
    "income": ("empty field", {"a": 0.05, "b": 0.20, "c": 0.10}),
    "employment": ("the literal NA", {"a": 0.02, "b": 0.02, "c": 0.15}),
    "dti": ("one of NaN, N/A, null, #N/A, None, nan (equally likely)", {"a": 0.10, "b": 0.10, "c": 0.10}),
    "region": ("quoted empty string \"\"", {"a": 0.00, "b": 0.08, "c": 0.00}),
    "notes": ("sentinels that pandas does NOT treat as NA: missing, unknown, none, n.a., '-', ' NA' (equally likely)", {"a": 0.03, "b": 0.12, "c": 0.03}),
}
mrows = []
is_miss = {c: rng.random(NM) < np.array([MISS[c][1][g] for g in grp]) for c in MISS}
dti_lit = rng.choice(["NaN", "N/A", "null", "#N/A", "None", "nan"], size=NM)
note_lit = rng.choice(["missing", "unknown", "none", "n.a.", "-", " NA"], size=NM)
inc_v = rng.integers(15000, 150000, size=NM)
emp_v = rng.choice(["employed", "self_employed", "retired", "student"], size=NM)
dti_v = np.round(rng.uniform(0.05, 0.6, size=NM), 3)
reg_v = rng.choice(["north", "south", "east", "west"], size=NM)
note_v = rng.choice(["ok", "reviewed", "second look"], size=NM)
for i in range(NM):
    mrows.append([i, grp[i],
                  "" if is_miss["income"][i] else str(int(inc_v[i])),
                  "NA" if is_miss["employment"][i] else emp_v[i],
                  dti_lit[i] if is_miss["dti"][i] else f"{dti_v[i]:.3f}",
                  "" if is_miss["region"][i] else reg_v[i],
                  note_lit[i] if is_miss["notes"][i] else note_v[i]])
mp_path = os.path.join(FIXTURES, "missing_planted.csv")
with open(mp_path, "w", newline="") as fh:
    fh.write("row_id,group,income,employment,dti,region,notes\n")
    for r in mrows:
        # region's empty value is written as a quoted "" (the others as an empty field)
        parts = [str(r[0]), r[1], r[2], r[3], r[4], '""' if r[5] == "" else r[5], r[6]]
        fh.write(",".join(parts) + "\n")
sizes["missing_planted.csv"] = os.path.getsize(mp_path)
assert sizes["missing_planted.csv"] < 1_000_000
with open(mp_path, newline="") as fh:
    back = list(csv.reader(fh))[1:]
assert [[str(r[0])] + r[1:] for r in mrows] == back


def missingness(path, attr):
    d = pd.read_csv(path)  # default NA handling
    s = pd.read_csv(path, keep_default_na=False, na_filter=False, dtype=str)  # the literal strings
    assert len(d) == len(s)
    groups = sorted(s[attr].unique())
    res = {"attribute": attr, "groups": groups, "rows": len(d),
           "group_counts": {g: int((s[attr] == g).sum()) for g in groups}, "columns": {}}
    found = {}
    for col in s.columns:
        na_lits = s.loc[d[col].isna(), col].value_counts()
        for lit, k in na_lits.items():
            found[lit] = found.get(lit, 0) + int(k)
        per = {}
        for g in groups:
            m = (s[attr] == g).to_numpy()
            ng = int(m.sum())
            k_na = int(d[col].isna().to_numpy()[m].sum())
            k_empty = int((s[col] == "").to_numpy()[m].sum())
            per[g] = {"n": ng, "isna": k_na, "isna_share": k_na / ng,
                      "empty": k_empty, "empty_share": k_empty / ng}
        # Only groups of at least MIN_GROUP rows are compared; the high group
        # is the first with the largest share, the low one the first other
        # group with the smallest.
        live = [g for g in groups if per[g]["n"] >= MIN_GROUP]
        na_sh = [per[g]["isna_share"] for g in live]
        em_sh = [per[g]["empty_share"] for g in live]
        hi = live[int(np.argmax(na_sh))]
        others = [g for g in live if g != hi]
        lo = others[int(np.argmin([per[g]["isna_share"] for g in others]))]
        k1, n1, k2, n2 = per[hi]["isna"], per[hi]["n"], per[lo]["isna"], per[lo]["n"]
        if k1 + k2 in (0, n1 + n2):
            kind, p = "fisher", 1.0  # one outcome only: the tables are equal
        else:
            kind, p = two_proportions(k1, n1, k2, n2)
        pairs = len(live) * (len(live) - 1) // 2
        res["columns"][col] = {
            "per_group": per,
            "isna_gap": max(na_sh) - min(na_sh),
            "isna_gap_groups": [hi, lo],
            "isna_gap_test": kind,
            "isna_gap_p": p,
            "isna_gap_p_bonferroni": min(1.0, p * pairs),
            "left_out": [g for g in groups if per[g]["n"] < MIN_GROUP],
            "empty_gap": max(em_sh) - min(em_sh),
            "na_literals": {str(k): int(v) for k, v in na_lits.items()},
        }
    res["na_literals_found"] = dict(sorted(found.items()))
    return res


h = missingness(hmda_path, "race")
# extra: HMDA writes unknown demographics as the value "unknown" (not NA to pandas)
s = pd.read_csv(hmda_path, keep_default_na=False, na_filter=False, dtype=str)
h["unknown_value_share"] = {
    "note": "not missingness in the pandas sense: the share of the literal value 'unknown' per race group, for the other demographic columns",
    "columns": {c: {g: float((s.loc[s["race"] == g, c] == "unknown").mean()) for g in h["groups"]}
                for c in ["ethnicity", "sex", "age_group"]},
}
mp = missingness(mp_path, "group")
mp["planted"] = {"seed": "numpy default_rng(10)", "rows": NM, "group_shares": {"a": 0.5, "b": 0.3, "c": 0.2},
                 "columns": {c: {"written_as": w, "p_missing": p} for c, (w, p) in MISS.items()}}
out["missingness"] = {
    "conventions": {
        "isna": "pandas.read_csv(path) with default NA handling, then DataFrame.isna(); share = isna count / group rows",
        "empty": "pandas.read_csv(path, keep_default_na=False, na_filter=False, dtype=str): share of cells equal to the empty string (an empty field and a quoted \"\" both read as \"\"); with default NA handling every empty cell is NA, so empty <= isna",
        "gap": "max - min over the groups of the attribute with at least MIN_GROUP rows (the others are left_out), per column (isna_gap_groups = [argmax, argmin of the other groups], first in group order on ties); isna_gap_p: the audit's test of the two (z, or Fisher when an expected count is below 5), isna_gap_p_bonferroni: times the k(k-1)/2 pairs of the k compared groups, at most 1",
        "min_group": MIN_GROUP,
        "groups": "sorted as text; the attribute column has no missing values in either file",
        "pandas_default_na_strings": sorted(STR_NA_VALUES),
        "not_na_to_pandas": "matching is exact and case-sensitive on the whole field: 'none', 'missing', 'unknown', 'n.a.', '-', ' NA' (leading space) are values, not NA",
    },
    "hmda_extract": {
        "file": "fixtures/hmda_2018_extract.csv",
        "source": "shared/data/hmda_2018_sample.csv (160,338 rows, 8.1 MB): the rows with row_id % 10 == 0, all columns, bytes of each field unchanged",
        "result": "no cell is NA and no cell is empty: every share and every gap is 0",
        **h,
    },
    "planted": {"file": "fixtures/missing_planted.csv", **mp},
}

# ================================================================= 5. override
rng = np.random.default_rng(14)
NO = 10_000
OG = ["A", "B", "C"]
OG_P = [0.6, 0.3, 0.1]
APPROVE = {"A": 0.55, "B": 0.45, "C": 0.50}
FAV_TO_ADV = {"A": 0.05, "B": 0.20, "C": 0.05}
ADV_TO_FAV = {"A": 0.03, "B": 0.03, "C": 0.03}
og = rng.choice(OG, size=NO, p=OG_P)
yp = (rng.random(NO) < np.array([APPROVE[g] for g in og])).astype(int)
u = rng.random(NO)
final = np.where(yp == 1,
                 np.where(u < np.array([FAV_TO_ADV[g] for g in og]), 0, 1),
                 np.where(u < np.array([ADV_TO_FAV[g] for g in og]), 1, 0))
yt = (rng.random(NO) < np.where(yp == 1, 0.85, 0.20)).astype(int)
ov_path = os.path.join(FIXTURES, "override_planted.csv")
sizes["override_planted.csv"] = write_csv(
    ov_path, ["row_id", "group", "y_true", "y_pred", "final"],
    [[i, og[i], int(yt[i]), int(yp[i]), int(final[i])] for i in range(NO)])
O = pd.read_csv(ov_path)
ref = "A"
per = {}
for g in OG:
    d = O[O["group"] == g]
    n = len(d)
    n1 = int((d["y_pred"] == 1).sum())
    n0 = n - n1
    k10 = int(((d["y_pred"] == 1) & (d["final"] == 0)).sum())
    k01 = int(((d["y_pred"] == 0) & (d["final"] == 1)).sum())
    kf = int((d["final"] == 1).sum())
    per[g] = {
        "n": n,
        "pred_favourable": n1, "pred_adverse": n0, "final_favourable": kf,
        "favourable_to_adverse": {"count": k10, "of": n1, "rate": rate(k10, n1), "wilson_95": wilson(k10, n1)},
        "adverse_to_favourable": {"count": k01, "of": n0, "rate": rate(k01, n0), "wilson_95": wilson(k01, n0)},
        "any_override": {"count": k10 + k01, "of": n, "rate": rate(k10 + k01, n), "wilson_95": wilson(k10 + k01, n)},
        "selection_rate_pred": n1 / n, "selection_rate_final": kf / n,
        "accuracy_pred": float((d["y_pred"] == d["y_true"]).mean()),
        "accuracy_final": float((d["final"] == d["y_true"]).mean()),
    }
for g in OG:
    ir_p = per[g]["selection_rate_pred"] / per[ref]["selection_rate_pred"]
    ir_f = per[g]["selection_rate_final"] / per[ref]["selection_rate_final"]
    per[g]["impact_ratio_pred"] = ir_p
    per[g]["impact_ratio_final"] = ir_f
    per[g]["impact_ratio_change"] = ir_f - ir_p
    per[g]["human_layer_widens_gap"] = bool(ir_f < ir_p) if g != ref else None
assert per["B"]["human_layer_widens_gap"] is True
for g in OG:
    if g == ref:
        continue
    a, r = per[g]["favourable_to_adverse"], per[ref]["favourable_to_adverse"]
    kind, p = two_proportions(a["count"], a["of"], r["count"], r["of"])
    per[g]["favourable_to_adverse_vs_reference"] = {
        "difference": a["rate"] - r["rate"],
        "newcombe_95": newcombe(a["count"], a["of"], r["count"], r["of"]),
        "test": kind, "p": p,
    }
out["override"] = {
    "file": "fixtures/override_planted.csv",
    "rows": NO, "attribute": "group", "groups": OG, "reference_group": ref, "favourable": 1,
    "planted": {"seed": "numpy default_rng(14)", "group_shares": dict(zip(OG, OG_P)),
                "p_model_approves": APPROVE, "p_approval_overturned": FAV_TO_ADV,
                "p_denial_overturned": ADV_TO_FAV,
                "y_true": "Bernoulli(0.85) if y_pred = 1 else Bernoulli(0.20), independent of the override"},
    "conventions": {
        "favourable_to_adverse": "P(final = 0 | y_pred = 1): count of (y_pred=1, final=0) over count of y_pred=1",
        "adverse_to_favourable": "P(final = 1 | y_pred = 0)",
        "any_override": "P(final != y_pred)",
        "impact_ratio": "selection rate of the group / selection rate of the reference group, for y_pred and for final separately (selection = value 1)",
        "impact_ratio_change": "impact_ratio_final - impact_ratio_pred; negative = the human layer widens the gap to the reference group",
    },
    "per_group": per,
}

# ================================================================= 6. label base rates
# The label's favourable rate by race on the HMDA sample of the outcomes
# fixtures (favourable = no high-priced loan, y_true = 0), against white,
# and the label-bias rule at a ratio threshold of 0.9 (a spec value; the
# default 0.8 leaves every group passing here).
LB_FILE = "hmda_2018_controls_sample.csv"
H = pd.read_csv(os.path.join(FIXTURES, LB_FILE))
LB_REF, LB_WARN, ALPHA = "white", 0.9, 0.05
lb = {}
for g in sorted(H["race"].unique()):
    d = H[H["race"] == g]
    n, k = len(d), int((d["y_true"] == 0).sum())
    lb[g] = {"n": n, "favourable": k, "rate": k / n, "wilson_95": wilson(k, n)}
for g in lb:
    if g == LB_REF:
        continue
    a, r = lb[g], lb[LB_REF]
    kind, p = two_proportions(a["favourable"], a["n"], r["favourable"], r["n"])
    ratio = a["rate"] / r["rate"]
    a.update({
        "difference": a["rate"] - r["rate"],
        "newcombe_95": newcombe(a["favourable"], a["n"], r["favourable"], r["n"]),
        "ratio": ratio, "test": kind, "p": p,
        "status": ("insufficient_data" if min(a["n"], r["n"]) < MIN_GROUP
                   else "warn" if ratio < LB_WARN and p < ALPHA else "pass"),
    })
out["label_base_rate"] = {
    "file": "fixtures/" + LB_FILE, "attribute": "race", "label": "y_true",
    "favourable": "y_true == 0 (--favorable negative)", "reference_group": LB_REF,
    "label_ratio_warn": LB_WARN, "alpha": ALPHA,
    "rule": "insufficient_data when the group or the reference has fewer than min_group rows; else warn when ratio < label_ratio_warn and the test's p < alpha, else pass",
    "min_group": MIN_GROUP,
    "groups": lb,
}

# ================================================================= done
out["files"] = {k: {"path": "fixtures/" + k, "bytes": v} for k, v in sizes.items()}
out["generated_by"] = ("scripts/data-reference/gen.py with " +
                       ", ".join([f"python {sys.version.split()[0]}", f"numpy {np.__version__}",
                                  f"pandas {pd.__version__}", f"scipy {scipy.__version__}",
                                  f"scikit-learn {sklearn.__version__}"]))

target = sys.argv[1] if len(sys.argv) > 1 else os.path.join(FIXTURES, "data-reference.json")
tmp = target + ".tmp"
with open(tmp, "w") as fh:
    json.dump(clean(out), fh, indent=1, allow_nan=False)
    fh.write("\n")
os.replace(tmp, target)
print(f"wrote {target} and " + ", ".join(sizes), file=sys.stderr)
